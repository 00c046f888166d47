"""Order-k context statistics of byte data: n-gram counts and conditional entropies H_k.

H_k = H(X_t | X_{t-k}, ..., X_{t-1}) is the empirical conditional entropy of a byte given the k bytes
before it, over the positions t = k .. n-1 that have k predecessors:

    H_k = H((k+1)-grams) - H(contexts of those (k+1)-grams)
        = sum over contexts ctx and bytes s of (c(ctx, s) / N) * log(c(ctx) / c(ctx, s)),

with N = n - k. It is the ideal code length per byte of a model that knows the exact order-k statistics
of the data (not counting the model itself), so H_0 >= H_1 >= ... is the bound an order-k coder chases.

Every order is counted exactly, for inputs of any size, in memory bounded by the ``memory`` option
(:data:`DEFAULT_MEMORY`), never by the input: see :class:`ContextStatistics` for how. There is no
"too many distinct n-grams" give-up any more; the old ``max_distinct`` parameter is accepted, ignored and
deprecated.
"""
from __future__ import annotations

import os
import tempfile
import warnings
import weakref

import numpy as np

from . import _kernels, _ngram
from .counting import DEFAULT_CHUNK_SIZE, _byte_source, check_integer, log_base, read_chunks

#: Largest context order supported (n-grams of up to 8 bytes pack into 64-bit keys).
MAX_ORDER = 7
#: Default memory bound (bytes) of one :class:`ContextStatistics`: its key buffer, the sorted runs it
#: keeps in memory and the read buffers of the final merge. Past it, sorted runs go to temporary files.
DEFAULT_MEMORY = 768 << 20
#: A dense table of 3-gram counts (2**24 int64, 128 MiB) is used only once this many bytes have come:
#: below, sorting the keys costs less than touching and scanning the table (measured at 16 MiB of mixed
#: data: the table counts at ~13 ns per byte after a fixed ~0.1 s, sorting costs ~22 ns per byte).
#: Tables of 1- and 2-grams (at most 512 KiB) are used from the start.
DENSE_AFTER = 8 << 20
#: Smallest accepted ``memory`` (tiny values force the spill path; tests use it).
MIN_MEMORY = 1 << 16
#: Sorted runs on disk are merged into one when there are more than this many (bounds open files and
#: the read buffers of the final merge).
MAX_RUNS = 32
#: Deprecated: the old distinct-n-gram bound. Accepted and ignored; nothing is left uncounted.
DEFAULT_MAX_DISTINCT = None
_UNSET = object()
_EMPTY_KEYS = np.empty(0, dtype=np.uint64)


def _deprecated_max_distinct(value) -> None:
    if value is not _UNSET and value is not None:
        warnings.warn("max_distinct is deprecated and ignored: every order is now counted exactly in bounded "
                      "memory (use memory= to set the bound in bytes)", DeprecationWarning, stacklevel=3)


def _check_memory(memory) -> int:
    memory = check_integer(memory, "memory")
    if memory < MIN_MEMORY:
        raise ValueError(f"memory must be at least {MIN_MEMORY} bytes, got {memory}")
    return int(memory)


def _check_order(order, name: str = "order", lowest: int = 0) -> int:
    """``order`` as an int in ``[lowest, lowest + MAX_ORDER]`` (n-gram lengths are orders shifted by 1)."""
    order = check_integer(order, name)
    if not lowest <= order <= lowest + MAX_ORDER:
        raise ValueError(f"{name} must be between {lowest} and {lowest + MAX_ORDER}, got {order}")
    return int(order)


def ngram_counts(data, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct n-grams of byte data and their counts.

    Parameters
    ----------
    data : bytes-like or uint8 array
    n : int, 1..8

    Returns
    -------
    keys : numpy.ndarray of uint64, sorted
        Each n-gram packed big-endian (first byte in the highest position), so ``key >> 8`` is its context.
    counts : numpy.ndarray of int64
    """
    counter = _kernels.NgramCounter(_check_order(n, "n", lowest=1))
    counter.update(_byte_source(data))
    return counter.result()


# ---------------------------------------------------------------------------------------------
# sorted runs of n-gram keys, in memory or spilled to a temporary file
# ---------------------------------------------------------------------------------------------

def _close(handle) -> None:
    try:
        handle.close()
    except OSError:
        pass


def _pread_exact(fd: int, size: int, offset: int) -> bytes:
    """``size`` bytes of ``fd`` at ``offset`` (os.pread may return fewer: loop)."""
    parts, got = [], 0
    while got < size:
        part = os.pread(fd, min(size - got, 1 << 30), offset + got)
        if not part:
            raise OSError(f"spill file truncated: {size - got} bytes missing at offset {offset + got}")
        parts.append(part)
        got += len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)


class _Run:
    """A sorted run of n-gram keys with counts (``counts`` None: each key counts once, duplicates
    allowed). Immutable once made, so statistics objects may share it. ``spill`` moves it to an
    unnamed temporary file of blocks ``[length: uint64][keys][counts]`` (:func:`tempfile.TemporaryFile`:
    on Linux O_TMPFILE, elsewhere a file unlinked as soon as it is made), closed with the run: a process
    killed by any signal, SIGKILL included, leaves nothing behind."""

    __slots__ = ("keys", "counts", "length", "file", "_finalizer", "__weakref__")

    def __init__(self, keys, counts=None):
        self.keys, self.counts, self.length = keys, counts, int(keys.size)
        self.file = None
        self._finalizer = None

    @property
    def nbytes(self) -> int:
        """Bytes it holds in memory."""
        if self.keys is None:
            return 0
        return self.keys.nbytes + (0 if self.counts is None else self.counts.nbytes)

    @classmethod
    def from_blocks(cls, blocks, tempdir) -> "_Run":
        """A spilled run written from ``(keys, counts, m)`` blocks."""
        handle = tempfile.TemporaryFile(prefix="codelength-ngrams-", suffix=".run", dir=tempdir)
        run = cls(_EMPTY_KEYS)
        run.keys = None
        run.file = handle
        run._finalizer = weakref.finalize(run, _close, handle)
        total = 0
        for keys, counts, m in blocks:
            if m:
                np.array([m], dtype=np.uint64).tofile(handle)
                keys[:m].tofile(handle)
                (np.ones(m, dtype=np.int64) if counts is None else counts[:m]).tofile(handle)
                total += m
        handle.flush()
        run.length = total
        return run

    def blocks(self, block: int):
        """Yield ``(keys, counts)`` pieces of at most ``block`` entries (counts may be None)."""
        if self.file is None:
            for lo in range(0, self.length, block):
                yield (self.keys[lo:lo + block],
                       None if self.counts is None else self.counts[lo:lo + block])
            return
        # positioned reads (os.pread): no shared file offset, so several readers of one run may interleave
        fd, offset = self.file.fileno(), 0
        while True:
            head = os.pread(fd, 8, offset)
            if not head:
                return
            if len(head) != 8:
                raise OSError("spill file truncated inside a block header")
            m = int(np.frombuffer(head, dtype=np.uint64)[0])
            offset += 8
            keys = np.frombuffer(_pread_exact(fd, 8 * m, offset), dtype=np.uint64)
            offset += 8 * m
            counts = np.frombuffer(_pread_exact(fd, 8 * m, offset), dtype=np.int64)
            offset += 8 * m
            # a stored block may be larger than ``block``: hand it out in pieces
            for lo in range(0, m, block):
                yield keys[lo:lo + block], counts[lo:lo + block]

    def arrays(self):
        """The whole run as ``(keys, counts)`` in memory (counts may be None)."""
        if self.file is None:
            return self.keys, self.counts
        parts = list(self.blocks(1 << 62))
        if not parts:
            return _EMPTY_KEYS, np.empty(0, dtype=np.int64)
        return np.concatenate([k for k, _ in parts]), np.concatenate([c for _, c in parts])


def _merged(runs, block: int, out_block: int):
    """Yield ``(keys, counts, m)``: the sorted merge of ``runs`` in blocks (the arrays are reused)."""
    if len(runs) == 1:
        for keys, counts in runs[0].blocks(out_block):
            yield keys, counts, keys.size
        return
    merger = _ngram.RunMerger(len(runs))
    sources = [run.blocks(block) for run in runs]
    for i, source in enumerate(sources):
        merger.set_block(i, *next(source, (_EMPTY_KEYS, None)))
    out_keys = np.empty(out_block, dtype=np.uint64)
    out_counts = np.empty(out_block, dtype=np.int64)
    while True:
        produced, need = merger.merge(out_keys, out_counts)
        if produced:
            yield out_keys, out_counts, produced
        if need >= 0:
            merger.set_block(need, *next(sources[need], (_EMPTY_KEYS, None)))
        elif merger.done:
            return


def _collapsed(blocks, out_block: int):
    """Merged blocks with equal neighbouring keys added up (across block boundaries too)."""
    keys = np.empty(out_block + 1, dtype=np.uint64)
    counts = np.empty(out_block + 1, dtype=np.int64)
    held = 0  # the last distinct key of the previous block waits at index 0: it may go on
    for k, c, m in blocks:
        lo = 0
        while lo < m:
            take = min(m - lo, out_block)
            keys[held:held + take] = k[lo:lo + take]
            counts[held:held + take] = 1 if c is None else c[lo:lo + take]
            u = _ngram.collapse_weighted(keys, counts, held + take)
            if u > 1:
                yield keys, counts, u - 1
                keys[0], counts[0] = keys[u - 1], counts[u - 1]
            held = 1
            lo += take
    if held:
        yield keys, counts, 1


class ContextStatistics:
    """Exact, mergeable, bounded-memory statistics of a byte stream: H_0 .. H_max_order.

    Parameters
    ----------
    max_order : int, 0..7
        Highest context order k (n-grams of up to n = k + 1 bytes are counted).
    memory : int
        Bound in bytes of what the statistics hold (default :data:`DEFAULT_MEMORY`, 768 MiB), whatever
        the input's size. Past it, sorted runs are written to temporary files (``tempdir``) and merged
        from there (external aggregation); the results are the same bit for bit.
    tempdir : str, optional
        Where spilled runs go (default: :func:`tempfile.gettempdir`), as unnamed files (nothing is left
        behind, even by a killed process).
    max_distinct : deprecated, ignored
        The old bound past which an order gave up (NaN); nothing is left uncounted now.

    Notes
    -----
    **API** (what the Dask layer builds on):

    - ``update(chunk)``: count the n-grams ending in the next piece of the stream (those straddling the
      previous piece included), so pieces fed in turn count exactly as their concatenation.
    - ``merge(other)`` or ``a + b``: a new object with the statistics of this part followed by
      ``other``'s part (the n-grams across the seam included); neither operand changes its meaning. It is
      associative, so a tree reduction of the parts of a file equals the statistics of the whole file.
      ``ContextStatistics.merge_all(parts)`` folds a sequence. Both need the same ``max_order``.
    - ``entropies(base=None)``: ``[H_0, ..., H_max_order]``; ``distinct_ngrams()``; ``size`` (bytes).
    - pickling: the state is plain arrays and bytes (spilled runs are read into the pickle, so a pickle
      holds what the runs hold: about 16 bytes per distinct n-gram of each run); ``memory`` and
      ``tempdir`` travel along.

    **How** (memory bound M = ``memory``): orders with n <= 3 bytes and 8 * 256**n <= M / 2 use a dense
    table (128 MiB for n = 3, and only once :data:`DENSE_AFTER` bytes have come: below, sorting is
    cheaper; the table's entries are then scanned in index order, which is key order). Otherwise the packed keys of the n-grams (big-endian in a uint64, so that
    sorting them sorts the n-grams, and the top m bytes of a key are the m-gram at the same position) fill
    a buffer of M / 64 keys; a full buffer is sorted and collapsed into a run of distinct keys and counts
    (or kept as sorted keys when most are distinct). Runs in memory above M / 2 bytes are merged into one
    run on disk; more than :data:`MAX_RUNS` runs on disk are merged into one. :meth:`entropies` merges all
    runs (k-way, with a heap) into one sorted stream, and one scan of it counts every order at once: equal
    m-byte prefixes form the runs of level m, nested inside those of level m - 1 (their contexts). The
    last n - 1 bytes of the stream, which start no full n-gram, enter that scan as shorter keys.

    Memory: about ``memory`` plus a few MiB, whatever the input size; disk: up to 16 bytes per distinct
    n-gram of each spilled run.

    Examples
    --------
    >>> a, b = ContextStatistics(2), ContextStatistics(2)
    >>> a.update(b"abracad"); b.update(b"abra")
    >>> whole = ContextStatistics(2); whole.update(b"abracadabra")
    >>> bool(((a + b).entropies() == whole.entropies()).all())
    True
    """

    def __init__(self, max_order: int = 3, *, memory: int = DEFAULT_MEMORY, tempdir=None,
                 max_distinct=_UNSET):
        _deprecated_max_distinct(max_distinct)
        self.max_order = _check_order(max_order)
        self.memory = _check_memory(memory)
        self.tempdir = None if tempdir is None else os.fspath(tempdir)
        self.n = self.max_order + 1
        self.size = 0
        self._head = b""   # the first n - 1 bytes (all of them when fewer)
        self._tail = b""   # the last n - 1 bytes
        self._dense = None
        self._runs: list[_Run] = []
        self._buffer = None
        self._fill = 0
        self._result = None
        self._dense_ok = self.n <= 3 and 8 * 256 ** self.n <= self.memory // 2
        if self._dense_ok and self.n <= 2:
            self._dense = np.zeros(256 ** self.n, dtype=np.int64)

    # ------------------------------------------------------------------ sizes derived from memory
    @property
    def _buffer_keys(self) -> int:
        return max(1024, self.memory // 64)

    @property
    def _read_block(self) -> int:
        return max(1024, self.memory // (4 * 16 * (MAX_RUNS + 2)))

    @property
    def _out_block(self) -> int:
        return max(1024, min(1 << 20, self.memory // 64))

    # ------------------------------------------------------------------ feeding
    def update(self, data) -> None:
        """Count the n-grams ending in ``data`` (bytes-like or uint8 array), including those that start in
        the previous piece."""
        piece = _byte_source(data)
        total = piece.size
        if not total:
            return
        self._result = None
        keep = self.n - 1
        window = int.from_bytes(self._tail, "big")
        filled = len(self._tail)
        if len(self._head) < keep:
            self._head += piece[:keep - len(self._head)].tobytes()
        if self._dense is None and self._dense_ok and self.size + total > DENSE_AFTER:
            self._to_dense()
        if self._dense is not None:
            _ngram.dense_counts_into(piece, self.n, window, filled, self._dense)
        else:
            if self._buffer is None:
                self._buffer = np.empty(self._buffer_keys, dtype=np.uint64)
            start = 0
            while start < total:
                start, self._fill, window, filled = _ngram.pack_keys(piece, start, self.n, window, filled,
                                                                     self._buffer, self._fill)
                if self._fill == self._buffer.size:
                    self._flush()
        if keep:
            self._tail = (self._tail + piece[-keep:].tobytes())[-keep:]
        self.size += total

    def _to_dense(self) -> None:
        """Move the counts so far (key buffer and runs) into a dense table; counting goes on there."""
        table = np.zeros(256 ** self.n, dtype=np.int64)
        if self._fill:
            table += np.bincount(self._buffer[:self._fill].astype(np.intp), minlength=table.size)
        for run in self._runs:
            for keys, counts in run.blocks(self._out_block):
                np.add.at(table, keys.astype(np.intp), 1 if counts is None else counts)
        self._dense, self._runs, self._buffer, self._fill = table, [], None, 0

    def _flush(self) -> None:
        """Sort the key buffer into a run; spill when the runs in memory pass their share."""
        m = self._fill
        if not m:
            return
        keys = self._buffer[:m]
        keys.sort()
        distinct = 1 + int(np.count_nonzero(keys[1:] != keys[:-1]))
        if 2 * distinct > m:  # mostly distinct: sorted keys (8 bytes each) beat keys and counts (16)
            self._runs.append(_Run(keys.copy()))
        else:
            counts = np.empty(m, dtype=np.int64)
            u = _ngram.collapse_sorted(self._buffer, m, counts)
            self._runs.append(_Run(self._buffer[:u].copy(), counts[:u].copy()))
            del counts
        self._fill = 0
        self._bound_memory()

    def _bound_memory(self) -> None:
        in_memory = [r for r in self._runs if r.file is None]
        if sum(r.nbytes for r in in_memory) > self.memory // 2:
            self._spill(in_memory)
        on_disk = [r for r in self._runs if r.file is not None]
        if len(on_disk) > MAX_RUNS:
            self._spill(on_disk)

    def _spill(self, runs) -> None:
        """Replace ``runs`` (in stream order of the list) by one merged run on disk."""
        merged = _Run.from_blocks(_collapsed(_merged(runs, self._read_block, self._out_block), self._out_block),
                                  self.tempdir)
        chosen = set(map(id, runs))
        self._runs = [r for r in self._runs if id(r) not in chosen] + [merged]

    # ------------------------------------------------------------------ merging
    def _check_compatible(self, other) -> None:
        if not isinstance(other, ContextStatistics):
            raise TypeError(f"can only merge ContextStatistics, got {type(other).__name__}")
        if other.max_order != self.max_order:
            raise ValueError(f"cannot merge statistics of max_order {self.max_order} and {other.max_order}")

    def merge(self, other: "ContextStatistics") -> "ContextStatistics":
        """The statistics of this part followed by ``other``'s (the seam's n-grams included).

        Returns a new object; the operands keep their meaning (their runs are shared, not copied)."""
        self._check_compatible(other)
        out = ContextStatistics(self.max_order, memory=max(self.memory, other.memory), tempdir=self.tempdir)
        keep = self.n - 1
        out.size = self.size + other.size
        out._head = (self._head + other._head)[:keep]
        out._tail = (self._tail + other._tail)[-keep:] if keep else b""
        # the seam: n-grams starting in this part's tail and ending in the other's head
        window = np.frombuffer(self._tail + other._head, dtype=np.uint8)
        seam = np.empty(max(0, min(len(self._tail), window.size - keep)), dtype=np.uint64)
        if seam.size:
            _ngram.pack_keys(window[:len(self._tail) + keep], 0, self.n, 0, 0, seam, 0)
        if self._dense is not None and other._dense is not None and out._dense_ok:
            out._dense = self._dense + other._dense
            np.add.at(out._dense, seam.astype(np.intp), 1)
        else:
            out._dense = None
            for part in (self, other):
                part._flush()
                out._runs.extend(part._as_runs())
            if seam.size:
                seam.sort()
                out._runs.append(_Run(seam))
            out._bound_memory()
        return out

    def __add__(self, other):
        if not isinstance(other, ContextStatistics):
            return NotImplemented
        return self.merge(other)

    @classmethod
    def merge_all(cls, parts) -> "ContextStatistics":
        """Fold consecutive parts in order: ``parts[0] + parts[1] + ...`` (at least one part)."""
        parts = list(parts)
        if not parts:
            raise ValueError("merge_all needs at least one part")
        out = parts[0]
        for part in parts[1:]:
            out = out + part
        return out

    def compact(self) -> None:
        """Hold the counts as sorted runs: a dense table becomes one run of its non-zero entries and the key
        buffer is freed. For an object that waits to be merged or pickled (a Dask partial): it then takes
        about 16 bytes per distinct n-gram instead of the 128 MiB of order 2's dense table, and keeps that
        form when unpickled. Results do not change; later updates go through the key buffer."""
        self._flush()
        if self._dense is not None:
            self._runs = self._as_runs()
            self._dense = None
        self._buffer = None
        self._bound_memory()

    def _as_runs(self) -> list:
        """This object's counts as runs (a dense table becomes one run of its non-zero entries)."""
        if self._dense is not None:
            keys = np.flatnonzero(self._dense)
            return [_Run(keys.astype(np.uint64), self._dense[keys])] if keys.size else []
        return list(self._runs)

    # ------------------------------------------------------------------ pickling
    def __getstate__(self):
        self._flush()
        if self._dense is not None:
            nonzero = np.flatnonzero(self._dense)
            table = ("dense", nonzero.astype(np.uint64), self._dense[nonzero])
        else:
            table = ("runs", [r.arrays() for r in self._runs])
        return {"max_order": self.max_order, "memory": self.memory, "tempdir": self.tempdir, "size": self.size,
                "head": self._head, "tail": self._tail, "table": table}

    def __setstate__(self, state):
        self.__init__(state["max_order"], memory=state["memory"], tempdir=state["tempdir"])
        self.size, self._head, self._tail = state["size"], state["head"], state["tail"]
        table = state["table"]
        if self._dense is None and self._dense_ok and self.size > DENSE_AFTER:
            self._dense = np.zeros(256 ** self.n, dtype=np.int64)
        if table[0] == "dense":
            if self._dense is None:  # a table here would not pay (or not fit in memory): use runs
                self._runs = [_Run(table[1], table[2])] if table[1].size else []
            else:
                self._dense[table[1].astype(np.intp)] = table[2]
        else:   # runs stay runs (a compacted object keeps its size when it travels)
            self._dense = None
            self._runs = [_Run(k, c) for k, c in table[1] if k.size]
            self._bound_memory()

    # ------------------------------------------------------------------ results
    def _scan(self):
        if self._result is not None:
            return self._result
        scanner = _ngram.PrefixScanner(self.n, [max(0, self.size - k) for k in range(self.n)])
        # the last n - 1 positions start no n-gram: their shorter grams go in as zero-padded keys
        tail = self._tail
        partial = []
        for j in range(len(tail)):
            length = len(tail) - j
            partial.append((int.from_bytes(tail[j:], "big") << (8 * (self.n - length)), length))
        for key, length in sorted(partial):
            scanner.add_partial(key, length)
        if self._dense is not None:
            scanner.feed_dense(self._dense)
        else:
            self._flush()
            if self._runs:
                for keys, counts, m in _merged(self._runs, self._read_block, self._out_block):
                    scanner.feed(keys, counts, m)
        self._result = scanner.finish()
        return self._result

    def entropies(self, base=None) -> np.ndarray:
        """``[H_0, ..., H_max_order]`` per symbol, in bits unless ``base`` is given (0 where no
        (k+1)-gram exists)."""
        scale = log_base(base)
        nats, totals, _ = self._scan()
        return np.array([nats[k] / scale if totals[k] else 0.0 for k in range(self.n)])

    def distinct_ngrams(self) -> np.ndarray:
        """Number of distinct (k+1)-grams, for k = 0 .. max_order (how sparse each H_k is)."""
        return np.array(self._scan()[2], dtype=np.int64)

    def ngram_totals(self) -> np.ndarray:
        """Number of (k+1)-grams (positions with k bytes of context), for k = 0 .. max_order."""
        return np.array(self._scan()[1], dtype=np.int64)

    def overflowed(self) -> np.ndarray:
        """Deprecated: always all False (nothing is left uncounted any more)."""
        return np.zeros(self.n, dtype=bool)

    @property
    def spilled_runs(self) -> int:
        """How many sorted runs are in temporary files now (0 when everything fits in ``memory``)."""
        return sum(r.file is not None for r in self._runs)

    def __repr__(self) -> str:
        return (f"ContextStatistics(max_order={self.max_order}, size={self.size}, memory={self.memory}, "
                f"runs={len(self._runs)}, spilled={self.spilled_runs})")


def context_entropies(data, max_order: int = 3, base=None, *, memory: int = DEFAULT_MEMORY,
                      max_distinct=_UNSET) -> np.ndarray:
    """Empirical conditional entropies ``[H_0, H_1, ..., H_max_order]`` of byte data (bits by default).

    Exact for any input size, in memory bounded by ``memory`` bytes (see :class:`ContextStatistics`).
    """
    _deprecated_max_distinct(max_distinct)
    stats = ContextStatistics(max_order, memory=memory)
    stats.update(data)
    return stats.entropies(base)


def context_entropy(data, order: int = 1, base=None, *, memory: int = DEFAULT_MEMORY,
                    max_distinct=_UNSET) -> float:
    """Empirical conditional entropy H(X_t | X_{t-order} .. X_{t-1}) of byte data, per byte.

    Parameters
    ----------
    data : bytes-like or uint8 array
    order : int, 0..7
        Context length k; ``order=0`` gives the plain (order-0) empirical entropy.
    base : float, optional
        Logarithm base (default 2: bits).
    memory : int
        Memory bound in bytes (see :class:`ContextStatistics`); the result is exact whatever it is.
    max_distinct : deprecated, ignored

    Returns
    -------
    float
        H_k = sum over contexts and bytes of (c(ctx, s)/N) log(c(ctx)/c(ctx, s)), N = len(data) - k;
        0.0 when the data has no k+1 bytes.

    Examples
    --------
    >>> context_entropy(b"abababab", order=1)
    0.0
    """
    _deprecated_max_distinct(max_distinct)
    order = _check_order(order)
    return float(context_entropies(data, order, base, memory=memory)[order])


def file_context_entropies(path, max_order: int = 3, base=None, *, chunk_size: int = DEFAULT_CHUNK_SIZE,
                           progress=None, memory: int = DEFAULT_MEMORY, max_distinct=_UNSET) -> np.ndarray:
    """:func:`context_entropies` of a file of any size, read once in pieces (memory: ``memory`` plus
    ``chunk_size``)."""
    _deprecated_max_distinct(max_distinct)
    stats = ContextStatistics(max_order, memory=memory)
    for piece in read_chunks(path, chunk_size, progress=progress):
        stats.update(piece)
    return stats.entropies(base)
