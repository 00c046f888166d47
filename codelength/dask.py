"""codelength on Dask: byte counts, order-k context statistics and per-file reports of data past one machine.

Needs the ``dask`` extra: ``pip install 'codelength[dask]'`` (dask[dataframe], distributed, fsspec). Dask is
imported on first use, so ``import codelength`` never needs it.

Sources
    A ``dask.array`` of uint8 (any shape: its bytes in C order, block by block), a ``dask.bag`` of byte strings
    (the records concatenated in bag order) or paths/URLs: one string, a glob, or a list of them, read through
    fsspec (``/local/path``, ``memory://``, ``s3://``, ``gs://``, ``https://`` ...; ``storage_options`` go to
    fsspec). Several files are taken in the given order (a glob: sorted) as one stream, their concatenation,
    which is what the single-machine functions see when given ``b"".join(files)``.

How it is computed
    Every chunk (an array block, a bag partition, a byte range of ``chunk_size`` of a file) becomes a
    :class:`Partial`: its byte counts, a :class:`codelength.ContextStatistics` fed with the chunk (the
    single-machine object: mergeable, the n-grams across a seam counted by its ``merge``), and, where the
    chunk's offset in the stream is known (files, arrays), the fragments of the fixed-size blocks it
    touches (for the ``Hblock`` bound). Partials are merged in stream order by a tree of tasks, so the
    result is the statistics of the concatenation, whatever the chunking. What crosses the network: per
    chunk a 256-entry count vector (the only thing :func:`counts` sends), and for context statistics the
    pickled ``ContextStatistics`` (the non-zero entries of its table of (k+1)-grams, 16 bytes each, or 8
    bytes a key when most are distinct) plus 2 KiB per partial block. See docs/scaling.md.

Exactness
    Counts and n-gram tables are exact integers, and every entropy is computed by the single-machine code
    from the same merged table: H_0 .. H_k equal :func:`codelength.context_entropies` of the concatenation
    bit for bit, ``Hblock`` equals ``analyze``'s (block entropies summed with :func:`math.fsum`).

Memory of a task: a chunk's bytes plus its ``ContextStatistics``, bounded by ``memory`` (default
:data:`DEFAULT_MEMORY`; past it, sorted runs spill to the worker's temporary directory); of a merge: the
partials it merges (``split_every`` of them), bounded the same way.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .stats import _kernels
from .stats.context import MAX_ORDER, ContextStatistics, _check_memory, _check_order
from .stats.counting import _byte_source, check_integer

#: Bytes of a file read per task (default).
DEFAULT_CHUNK_SIZE = 64 << 20
#: Partials one merge task takes.
DEFAULT_SPLIT_EVERY = 8
#: Memory bound (bytes) of each task's ContextStatistics (enough for order 2's dense 128 MiB table).
DEFAULT_MEMORY = 256 << 20

_EXTRA_HINT = "pip install 'codelength[dask]'"
_DEFAULT = object()


def _require_dask():
    """Import dask (with its delayed, array and bag parts) or raise an ImportError naming the extra."""
    try:
        import dask
        import dask.array  # noqa: F401
        import dask.bag  # noqa: F401
        from dask import delayed  # noqa: F401
    except ImportError as exc:
        raise ImportError(f"codelength.dask needs Dask: install the extra with `{_EXTRA_HINT}` "
                          f"(dask[dataframe], distributed, fsspec); {exc}") from exc
    return dask


def _require_fsspec():
    try:
        import fsspec
    except ImportError as exc:
        raise ImportError(f"reading paths and URLs needs fsspec: `{_EXTRA_HINT}`; {exc}") from exc
    return fsspec


# ------------------------------------------------------------------------------------------ block entropies

@dataclass
class BlockPartial:
    """The order-0 entropies of the fixed-size blocks of a stretch of the stream (``Hblock``).

    Blocks sit at multiples of ``block_size`` of the whole stream (``total`` bytes; the last block may be
    shorter). ``done`` maps a block index to its entropy (bits/byte) once all its bytes are in; ``edges``
    the byte counts of blocks only partly inside the stretch, completed by the neighbours' when merged.
    """

    block_size: int
    total: int
    done: dict = field(default_factory=dict)
    edges: dict = field(default_factory=dict)

    def _length(self, index: int) -> int:
        return min(self.block_size, self.total - index * self.block_size)


def _block_entropy(counts: np.ndarray) -> float:
    from .app.profile import _LN2
    return _kernels.entropy_of_counts(counts) / _LN2   # what BlockEntropyAccumulator computes per block


def block_partial(data, start: int, block_size: int, total: int) -> BlockPartial:
    """The :class:`BlockPartial` of ``data``, the bytes at offsets ``start ..`` of a stream of ``total``."""
    data = _byte_source(data)
    out = BlockPartial(block_size, total)
    pos = 0
    while pos < data.size:
        index = (start + pos) // block_size
        take = min((index + 1) * block_size - (start + pos), data.size - pos)
        counts = np.zeros(256, np.int64)
        _kernels.byte_counts_into(data[pos:pos + take], counts)
        if take == out._length(index):
            out.done[index] = _block_entropy(counts)
        else:
            out.edges[index] = counts
        pos += take
    return out


def merge_block_partials(*parts: BlockPartial) -> BlockPartial:
    """Merge block partials of any stretches of one stream (completing the blocks they share)."""
    out = BlockPartial(parts[0].block_size, parts[0].total)
    for part in parts:
        if (part.block_size, part.total) != (out.block_size, out.total):
            raise ValueError("merge_block_partials: partials of different block sizes or streams")
        out.done.update(part.done)
        for index, counts in part.edges.items():
            out.edges[index] = counts + out.edges[index] if index in out.edges else counts
    for index in [i for i, c in out.edges.items() if int(c.sum()) == out._length(i)]:
        out.done[index] = _block_entropy(out.edges.pop(index))
    return out


# ------------------------------------------------------------------------------------------ partials

@dataclass
class Partial:
    """Statistics of one stretch of a byte stream, mergeable with the next stretch's.

    ``counts`` is the 256-entry byte count vector; ``contexts`` a :class:`codelength.ContextStatistics`
    (None when only counts are asked for); ``blocks`` a :class:`BlockPartial` (None when the stretch's
    offset is unknown or Hblock not asked for).
    """

    size: int
    counts: np.ndarray
    contexts: ContextStatistics | None = None
    blocks: BlockPartial | None = None


def chunk_partial(data, max_order: int | None = 0, *, memory: int = DEFAULT_MEMORY, start: int | None = None,
                  block_size: int | None = None, total: int | None = None) -> Partial:
    """The :class:`Partial` of one chunk of bytes (bytes-like or uint8 array).

    ``max_order=None``: counts only. ``block_size`` (with the chunk's ``start`` offset and the stream's
    ``total`` size): also the block fragments for Hblock.
    """
    data = _byte_source(data)
    counts = np.zeros(256, np.int64)
    _kernels.byte_counts_into(data, counts)
    contexts = None
    if max_order is not None:
        contexts = ContextStatistics(max_order, memory=memory)
        contexts.update(data)
        contexts.compact()   # a waiting partial holds its distinct n-grams, not a dense table
    blocks = None
    if block_size is not None and start is not None and total is not None:
        blocks = block_partial(data, start, block_size, total)
    return Partial(int(data.size), counts, contexts, blocks)


def merge_partials(*parts: Partial) -> Partial:
    """Merge consecutive partials (in stream order) into the partial of their concatenation."""
    parts = [p for p in parts if p is not None]
    if not parts:
        raise ValueError("merge_partials needs at least one partial")
    kinds = {(p.contexts is None, p.contexts.max_order if p.contexts is not None else None, p.blocks is None)
             for p in parts}
    if len(kinds) > 1:
        raise ValueError("merge_partials: partials computed with different options")
    counts = parts[0].counts.copy()
    for part in parts[1:]:
        counts += part.counts
    contexts = None if parts[0].contexts is None else ContextStatistics.merge_all([p.contexts for p in parts])
    blocks = None if parts[0].blocks is None else merge_block_partials(*[p.blocks for p in parts])
    return Partial(sum(p.size for p in parts), counts, contexts, blocks)


# ------------------------------------------------------------------------------------------ results

@dataclass
class StreamStatistics:
    """The statistics of a whole stream (what the single-machine functions give for the concatenation)."""

    size: int
    max_order: int
    counts: np.ndarray
    contexts: ContextStatistics
    block_size: int | None = None
    block_entropies: list | None = None   # bits/byte of each block, in order (None: not computed)

    def entropies(self, base=None) -> np.ndarray:
        """``[H_0, ..., H_max_order]`` per byte (bits unless ``base``), as :func:`codelength.context_entropies`."""
        return self.contexts.entropies(base)

    def distinct_ngrams(self) -> np.ndarray:
        """Distinct (k+1)-grams for k = 0 .. max_order."""
        return self.contexts.distinct_ngrams()

    def block_bits_per_byte(self) -> float | None:
        """Size-weighted mean of the block entropies (``analyze``'s Hblock), or None when not computed."""
        if self.block_entropies is None:
            return None
        from .app.profile import BlockEntropyAccumulator
        blocks = BlockEntropyAccumulator(self.block_size)
        blocks.entropies, blocks.size = list(self.block_entropies), self.size
        return blocks.mean_bits_per_byte()


def _finish(part: Partial) -> StreamStatistics:
    entropies = None
    if part.blocks is not None:
        if part.blocks.edges:
            raise RuntimeError(f"blocks {sorted(part.blocks.edges)} were not completed: a chunk is missing")
        entropies = [part.blocks.done[i] for i in sorted(part.blocks.done)]
    return StreamStatistics(part.size, part.contexts.max_order, part.counts, part.contexts,
                            part.blocks.block_size if part.blocks is not None else None, entropies)


# ------------------------------------------------------------------------------------------ sources

def _display(fs, path: str) -> str:
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    return path if protocol in ("file", "local") else fs.unstrip_protocol(path)


def _expand_paths(source, storage_options):
    """``[(filesystem, path, size, name)]`` of the files a path, URL, glob, directory or list of them names,
    in order (globs and directories sorted); ``name`` is what reports call the file (a path as given)."""
    fsspec = _require_fsspec()
    patterns = [source] if isinstance(source, str) else list(source)
    files = []
    for pattern in patterns:
        pattern = str(pattern)
        fs, _, paths = fsspec.get_fs_token_paths(pattern, storage_options=storage_options or {})
        is_glob = any(ch in pattern for ch in "*?[")
        if is_glob and not paths:
            raise FileNotFoundError(f"no file matches {pattern!r}")
        for path in sorted(paths) if is_glob else paths:
            info = fs.info(path)  # FileNotFoundError naming the path
            if info.get("type") == "directory":
                for inner in sorted(fs.find(path)):
                    files.append((fs, inner, int(fs.info(inner)["size"]), _display(fs, inner)))
            else:
                files.append((fs, path, int(info["size"]), pattern if not is_glob else _display(fs, path)))
    return files


def _read_range(fs, path: str, start: int, end: int) -> np.ndarray:
    with fs.open(path, "rb") as handle:
        handle.seek(start)
        data = handle.read(end - start)
    if len(data) != end - start:
        raise OSError(f"{path}: read {len(data)} bytes of {start}..{end}; the file changed while being read")
    return np.frombuffer(data, dtype=np.uint8)


def _file_chunk_partial(fs, path, start, end, options):
    return chunk_partial(_read_range(fs, path, start, end), **options)


def _bag_partition_partial(records, options):
    pieces = []
    for i, r in enumerate(records):
        if isinstance(r, str):
            raise TypeError("a bag of byte strings is needed; encode text first (e.g. bag.map(str.encode))")
        pieces.append(bytes(memoryview(r).cast("B")) if not isinstance(r, bytes) else r)
    return chunk_partial(b"".join(pieces), **options)


def _array_block_partial(block, options):
    block = np.ascontiguousarray(block)
    if block.dtype != np.uint8:
        raise TypeError(f"a dask array of uint8 is needed, got dtype {block.dtype}")
    return chunk_partial(block.reshape(-1), **options)


def chunk_tasks(source, *, max_order: int | None = 0, chunk_size: int = DEFAULT_CHUNK_SIZE,
                memory: int = DEFAULT_MEMORY, block_size: int | None = None, storage_options=None) -> list:
    """One delayed :class:`Partial` per chunk of ``source``, in stream order.

    ``block_size``: also the Hblock fragments, for sources whose chunk offsets are known here (files and
    arrays; a bag's partition sizes are not, so bags get none)."""
    _require_dask()
    from dask import delayed
    import dask.array as da
    import dask.bag as db
    base = {"max_order": max_order, "memory": memory}
    if isinstance(source, da.Array):
        if source.dtype != np.uint8:
            raise TypeError(f"a dask array of uint8 is needed, got dtype {source.dtype}")
        if source.ndim > 1:
            source = source.rechunk({i: -1 for i in range(1, source.ndim)})
        row = int(np.prod(source.shape[1:], dtype=np.int64)) if source.ndim > 1 else 1
        sizes = [int(c) * row for c in source.chunks[0]] if source.ndim else [int(source.size)]
        starts = np.concatenate(([0], np.cumsum(sizes, dtype=np.int64)))
        blocks = source.to_delayed().ravel().tolist()
        return [delayed(_array_block_partial, pure=True)(b, _with_blocks(base, block_size, int(starts[i]),
                                                                        int(source.size)))
                for i, b in enumerate(blocks)]
    if isinstance(source, db.Bag):
        return [delayed(_bag_partition_partial, pure=True)(p, base) for p in source.to_delayed()]
    if isinstance(source, (str, list, tuple)) or hasattr(source, "__fspath__"):
        if isinstance(source, (list, tuple)) and source and not all(isinstance(s, str) or hasattr(s, "__fspath__")
                                                                 for s in source):
            raise TypeError("a list source must hold paths or URLs")
        source = [str(s) for s in source] if isinstance(source, (list, tuple)) else str(source)
        chunk_size = check_integer(chunk_size, "chunk_size")
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be positive, got {chunk_size}")
        files = _expand_paths(source, storage_options)
        total = sum(size for _, _, size, _ in files)
        tasks, offset = [], 0
        for fs, path, size, _ in files:
            for start in range(0, size, chunk_size):
                end = min(size, start + chunk_size)
                tasks.append(delayed(_file_chunk_partial, pure=True)(
                    fs, path, start, end, _with_blocks(base, block_size, offset + start, total)))
            offset += size
        return tasks
    raise TypeError(f"codelength.dask takes a dask.array of uint8, a dask.bag of bytes, or paths/URLs; "
                    f"got {type(source).__name__}")


def _with_blocks(options: dict, block_size, start: int, total: int) -> dict:
    return dict(options, block_size=block_size, start=start, total=total) if block_size is not None else options


def _tree(values, combine, split_every):
    """Ordered tree of delayed ``combine(*group)`` calls down to one value."""
    from dask import delayed
    level = list(values)
    while len(level) > 1:
        level = [delayed(combine, pure=True)(*level[i:i + split_every]) if len(level[i:i + split_every]) > 1
                 else level[i] for i in range(0, len(level), split_every)]
    return level[0]


def _check_block_size(block_size):
    if block_size is None:
        return None
    block_size = check_integer(block_size, "block_size")
    if block_size < 1:
        raise ValueError(f"block_size must be positive, got {block_size}")
    return block_size


def statistics_graph(source, *, max_order: int = 0, chunk_size: int = DEFAULT_CHUNK_SIZE,
                     split_every: int = DEFAULT_SPLIT_EVERY, memory: int = DEFAULT_MEMORY,
                     block_size: int | None = None, storage_options=None):
    """A delayed :class:`StreamStatistics` of ``source`` (compute it with ``.compute()`` or a client).

    The graph: one task per chunk (its :class:`Partial`), then an ordered tree of merges (``split_every``
    partials per task), then a last task that turns the merged partial into the result. ``block_size``:
    also the block entropies (Hblock) of blocks of that size, for files and arrays.
    """
    from dask import delayed
    max_order = _check_order(max_order)
    memory = _check_memory(memory)
    block_size = _check_block_size(block_size)
    split_every = check_integer(split_every, "split_every")
    if split_every < 2:
        raise ValueError(f"split_every must be at least 2, got {split_every}")
    tasks = chunk_tasks(source, max_order=max_order, chunk_size=chunk_size, memory=memory, block_size=block_size,
                        storage_options=storage_options)
    if not tasks:
        tasks = [delayed(chunk_partial, pure=True)(b"", max_order, memory=memory, start=0, block_size=block_size,
                                                   total=0)]
    return delayed(_finish, pure=True)(_tree(tasks, merge_partials, split_every))


# ------------------------------------------------------------------------------------------ public API

def _compute(graph, scheduler):
    """Compute a delayed value on the current Dask client/scheduler (or ``scheduler``, e.g. "threads")."""
    return graph.compute(scheduler=scheduler) if scheduler is not None else graph.compute()


def counts(source, *, chunk_size: int = DEFAULT_CHUNK_SIZE, split_every: int = DEFAULT_SPLIT_EVERY,
           storage_options=None, scheduler=None) -> np.ndarray:
    """Byte counts (int64, length 256) of a dask array, a dask bag of bytes or files/URLs.

    Equal to :func:`codelength.counts` of the concatenated bytes. Each chunk sends one 256-entry vector.
    """
    from dask import delayed
    tasks = chunk_tasks(source, max_order=None, chunk_size=chunk_size, storage_options=storage_options)
    if not tasks:
        return np.zeros(256, np.int64)
    vectors = [delayed(_counts_of, pure=True)(t) for t in tasks]
    return _compute(_tree(vectors, _add_vectors, split_every), scheduler)


def _counts_of(part: Partial) -> np.ndarray:
    return part.counts


def _add_vectors(*vectors):
    return sum(vectors[1:], vectors[0].copy())


def context_statistics(source, max_order: int = 3, *, chunk_size: int = DEFAULT_CHUNK_SIZE,
                       split_every: int = DEFAULT_SPLIT_EVERY, memory: int = DEFAULT_MEMORY,
                       block_size: int | None = None, storage_options=None, scheduler=None) -> StreamStatistics:
    """Exact order-0..``max_order`` statistics (n-gram tables, H_k) of a source, seams included; with
    ``block_size``, also the block entropies of files and arrays (Hblock)."""
    return _compute(statistics_graph(source, max_order=max_order, chunk_size=chunk_size, split_every=split_every,
                                     memory=memory, block_size=block_size, storage_options=storage_options),
                    scheduler)


def context_entropies(source, max_order: int = 3, base=None, **options) -> np.ndarray:
    """``[H_0 .. H_max_order]`` of a source (see :func:`context_statistics` for the options)."""
    return context_statistics(source, max_order, **options).entropies(base)


def bounds(source, order: int = 3, *, block_size=_DEFAULT, **options):
    """The entropy bounds of ``analyze`` (H0 .. Hk and, for files and arrays, Hblock; :class:`codelength.Bound`)
    of the whole source. ``block_size``: Hblock's block (default ``analyze``'s; None: no Hblock)."""
    if block_size is _DEFAULT:
        from .app.profile import DEFAULT_BLOCK_SIZE as block_size
    stats = context_statistics(source, order, block_size=block_size, **options)
    return bounds_of(stats)


def bounds_of(stats: StreamStatistics):
    """The bounds of ``analyze`` from computed statistics (Hblock when the block entropies were computed)."""
    from .app.report import _bound, _human
    from .measures.discrete import entropy
    h = stats.entropies()
    distinct = stats.distinct_ngrams().tolist()
    n = stats.size
    out = [_bound("H0", "order 0, bytes independent", 0, None, entropy(stats.counts), n, distinct[0])]
    for k in range(1, stats.max_order + 1):
        out.append(_bound(f"H{k}", f"order {k}, {k}-byte context", k, None, float(h[k]), n, distinct[k]))
    if stats.block_entropies is not None:
        out.append(_bound("Hblock", f"order 0 per {_human(stats.block_size)} block", None, stats.block_size,
                          stats.block_bits_per_byte(), n))
    return out


# ------------------------------------------------------------------------------------------ per-file reports

def _analyze_file(fs, path, name, options):
    from .app.report import analyze
    with fs.open(path, "rb") as handle:
        return analyze(handle, name=name, **options)


def delayed_analyze(fs, path: str, name: str, options: dict):
    """A delayed :func:`codelength.analyze` of one file of a filesystem (``options`` as analyze takes them)."""
    from dask import delayed
    return delayed(_analyze_file, pure=True)(fs, path, name, dict(options))


def _rows_frame(reports, columns):
    import pandas as pd
    from .app.report import csv_row
    return pd.DataFrame([csv_row(r) for r in reports], columns=columns)


def file_reports(source, *, order: int = 3, coders: bool = True, storage_options=None, **options):
    """One delayed :class:`~codelength.Report` per file of ``source`` (paths, globs or URLs), in order:
    exactly what :func:`codelength.analyze` gives for each file."""
    from dask import delayed
    _require_dask()
    order = _check_order(order)
    settings = dict(options, order=order, coders=coders)
    return [delayed(_analyze_file, pure=True)(fs, path, name, settings)
            for fs, path, _, name in _expand_paths(source if isinstance(source, str) else list(map(str, source)),
                                             storage_options)]


def report_frame(source, *, order: int = 3, coders: bool = True, storage_options=None, **options):
    """Per-file reports of a corpus as a ``dask.dataframe`` (one row per file; the columns of
    ``analyze --csv``), lazily: nothing runs until it is computed."""
    import dask.dataframe as dd
    from dask import delayed
    from .app.report import LIBRARY_CODERS, STDLIB_CODERS, csv_columns
    reports = file_reports(source, order=order, coders=coders, storage_options=storage_options, **options)
    names = ([*options.get("library_coders", LIBRARY_CODERS), *(n for n, _ in STDLIB_CODERS)] if coders else [])
    columns = csv_columns(order, names)
    import pandas as pd
    meta = pd.DataFrame({c: pd.Series(dtype="int64" if c in ("size_bytes", "distinct_bytes", "max_order")
                                      else "object") for c in columns})
    frames = [delayed(_rows_frame, pure=True)([r], columns) for r in reports]
    if not frames:
        return dd.from_pandas(meta, npartitions=1)
    return dd.from_delayed(frames, meta=meta, verify_meta=False)


@dataclass
class CorpusAnalysis:
    """Per-file reports and the statistics of all files merged (their concatenation, in order)."""

    reports: list
    total: StreamStatistics

    def total_bounds(self):
        return bounds_of(self.total)


def analyze_corpus(source, *, order: int = 3, coders: bool = True, chunk_size: int = DEFAULT_CHUNK_SIZE,
                   memory: int = DEFAULT_MEMORY, storage_options=None, scheduler=None, **options):
    """Run :func:`codelength.analyze` on every file (one task each) and the merged corpus statistics (the
    bounds H0 .. Hk and Hblock of the files' concatenation) in one Dask computation. ``memory`` bounds each
    statistics task; the other options go to ``analyze`` (its ``block_size`` is also Hblock's).
    Returns a :class:`CorpusAnalysis`."""
    import dask
    from .app.profile import DEFAULT_BLOCK_SIZE
    reports = file_reports(source, order=order, coders=coders, storage_options=storage_options, **options)
    total = statistics_graph(source, max_order=order, chunk_size=chunk_size, memory=memory,
                             block_size=options.get("block_size", DEFAULT_BLOCK_SIZE),
                             storage_options=storage_options)
    kwargs = {} if scheduler is None else {"scheduler": scheduler}
    *computed, total = dask.compute(*reports, total, **kwargs)
    return CorpusAnalysis(list(computed), total)


def record_stats(column, **options):
    """:func:`codelength.record_stats` of every partition of a Dask (or pandas) Series of byte strings or
    text: a DataFrame with the columns of :class:`codelength.RecordStats`, indexed like ``column``."""
    from .stats.records import record_stats as one
    import pandas as pd

    def partition(s):
        return one(s, **options).to_pandas(index=s.index)

    if not hasattr(column, "map_partitions"):
        return partition(column)
    probe = one([b""], **options).to_pandas().iloc[:0]
    meta = pd.DataFrame({c: probe[c] for c in probe.columns})
    return column.map_partitions(partition, meta=meta)
