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
    :class:`Partial`: its own n-gram tables, its first and last ``max_order`` bytes and its length. Partials are
    merged in order by a tree of tasks; merging two adds their tables and the n-grams that straddle them (those
    of ``left.tail + right.head``), so the merge of the chunks is exactly the statistics of the concatenation,
    whatever the chunking. What crosses the network: per chunk a 256-entry count vector (order 0), the
    non-zero entries of the 65536-entry bigram table (order 1), and for orders 2 and up sorted (key, count)
    tables of 16 bytes per distinct n-gram, split into ``partitions`` key ranges (by their first byte) that are
    merged by independent task trees; the last step concatenates the ranges (they are in key order) and sums the
    entropies. See docs/scaling.md.

Exactness
    Counts and all n-gram tables are exact integers. H_0 and H_1 equal :func:`codelength.context_entropies` bit
    for bit. H_k for k >= 2 is the compensated sum over the n-grams in key order
    (:func:`codelength.stats._kernels.conditional_entropy_of_sorted` of :func:`codelength.ngram_counts`), which
    the single-machine :class:`~codelength.ContextStatistics` of this version sums in hash-table order instead:
    the two agree to a few ulps, not always bit for bit.

Memory of a task: a chunk's bytes plus its tables (at most 16 bytes per distinct n-gram of the chunk per order,
and 512 KiB for order 1); of a merge: the tables of the ``split_every`` partials it merges.
"""
from __future__ import annotations

import glob as _glob
import math
import operator
from dataclasses import dataclass, field

import numpy as np

from .stats import _kernels
from .stats.context import MAX_ORDER, _check_order
from .stats.counting import _byte_source, check_integer

#: Bytes of a file read per task (default).
DEFAULT_CHUNK_SIZE = 64 << 20
#: Key ranges for the tables of orders >= 2 when they are split (``partitions=``); 1 (the default) merges
#: everything in one tree, right for tables that fit one worker comfortably.
DEFAULT_PARTITIONS = 16
#: Partials one merge task takes.
DEFAULT_SPLIT_EVERY = 8

_EXTRA_HINT = "pip install 'codelength[dask]'"


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


# ------------------------------------------------------------------------------------------ partials

def _merge_sparse(tables):
    """Sum sorted (keys, counts) tables into one sorted table."""
    tables = [t for t in tables if t[0].size]
    if not tables:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    if len(tables) == 1:
        return tables[0]
    keys = np.concatenate([t[0] for t in tables])
    counts = np.concatenate([t[1] for t in tables])
    order = np.argsort(keys, kind="stable")
    keys, counts = keys[order], counts[order]
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    return keys[starts], np.add.reduceat(counts, starts)


def _split_by_range(keys, counts, n, partitions):
    """A sorted table of n-grams cut into ``partitions`` key ranges by the n-gram's first byte."""
    first = (keys >> np.uint64(8 * (n - 1))).astype(np.int64)
    cuts = np.searchsorted(first * partitions // 256, np.arange(partitions + 1), side="left")
    return [(keys[cuts[p]:cuts[p + 1]], counts[cuts[p]:cuts[p + 1]]) for p in range(partitions)]


@dataclass
class Partial:
    """Statistics of one stretch of a byte stream, mergeable with the next stretch's.

    ``dense[0]`` is the 256-entry byte count vector, ``dense[1]`` (max_order >= 1) the 65536-entry bigram
    table; ``sparse[k - 2][p]`` the sorted (keys, counts) of (k+1)-grams in key range p, for k >= 2. ``head``
    and ``tail`` are the first and last ``min(max_order, length)`` bytes.
    """

    max_order: int
    partitions: int
    length: int
    head: bytes
    tail: bytes
    dense: list = field(default_factory=list)
    sparse: list = field(default_factory=list)


def _ngram_table(data: np.ndarray, n: int):
    counter = _kernels.NgramCounter(n)
    counter.update(data)
    return counter.result()


def chunk_partial(data, max_order: int = 0, partitions: int = 1) -> Partial:
    """The :class:`Partial` of one chunk of bytes (bytes-like or uint8 array)."""
    data = _byte_source(data)
    k = min(max_order, data.size)
    dense = [np.zeros(256, np.int64)]
    _kernels.byte_counts_into(data, dense[0])
    if max_order >= 1:
        bigrams = np.zeros(65536, np.int64)
        keys, values = _ngram_table(data, 2)
        bigrams[keys.astype(np.intp)] = values
        dense.append(bigrams)
    sparse = [_split_by_range(*_ngram_table(data, order + 1), order + 1, partitions)
              for order in range(2, max_order + 1)]
    return Partial(max_order, partitions, int(data.size), data[:k].tobytes(), data[data.size - k:].tobytes(),
                   dense, sparse)


def _seam_partial(left: Partial, right: Partial) -> Partial:
    """The n-grams that start in ``left`` and end in ``right`` (none of either side alone), as tables."""
    k = left.max_order
    dense = [None]   # a 1-gram never straddles
    if k >= 1:
        dense.append(None)
        if left.tail and right.head:
            dense[1] = np.zeros(65536, np.int64)
            dense[1][(left.tail[-1] << 8) | right.head[0]] += 1
    sparse = []
    for order in range(2, k + 1):
        # every (order+1)-gram of tail[-order:] + head[:order] crosses the seam: each side has <= order bytes
        seam = np.frombuffer(left.tail[-order:] + right.head[:order], np.uint8)
        if left.tail and right.head and seam.size > order:
            sparse.append(_split_by_range(*_ngram_table(seam, order + 1), order + 1, left.partitions))
        else:
            sparse.append([_EMPTY] * left.partitions)
    return Partial(k, left.partitions, 0, b"", b"", dense, sparse)


def merge_partials(*parts: Partial) -> Partial:
    """Merge consecutive partials (in stream order) into the partial of their concatenation."""
    parts = [p for p in parts if p is not None]
    if not parts:
        raise ValueError("merge_partials needs at least one partial")
    k, partitions = parts[0].max_order, parts[0].partitions
    if any(p.max_order != k or p.partitions != partitions for p in parts):
        raise ValueError("merge_partials: partials of different max_order or partitions")
    pieces = []
    for i, part in enumerate(parts):
        if i:
            pieces.append(_seam_partial(_edges_of(parts[:i]), part))
        pieces.append(part)
    length = sum(p.length for p in parts)
    head = b"".join(p.head for p in parts)[:k] if k else b""
    tail = b"".join(p.tail for p in parts)[-k:] if k else b""
    dense = [_add_optional([p.dense[j] for p in pieces]) for j in range(len(parts[0].dense))]
    sparse = [[_merge_sparse([p.sparse[j][q] for p in pieces]) for q in range(partitions)]
              for j in range(len(parts[0].sparse))]
    return Partial(k, partitions, length, head, tail, dense, sparse)


def _add_optional(tables):
    """Sum of count tables, None standing for all zeros (None if every one is)."""
    present = [t for t in tables if t is not None]
    return sum(present[1:], present[0].copy()) if present else None


def _edges_of(parts) -> Partial:
    """A table-less partial holding only the head and tail of the concatenation of ``parts``."""
    k = parts[0].max_order
    return Partial(k, parts[0].partitions, sum(p.length for p in parts),
                   b"".join(p.head for p in parts)[:k], b"".join(p.tail for p in parts)[-k:] if k else b"")


# ------------------------------------------------------------------------------------------ results

@dataclass
class StreamStatistics:
    """The statistics of a whole stream (what the single-machine functions give for the concatenation)."""

    size: int
    max_order: int
    counts: np.ndarray
    ngram_tables: list  # [(keys, counts)] for n = 1 .. max_order + 1, sorted by key

    def entropies(self, base=None) -> np.ndarray:
        """``[H_0, ..., H_max_order]`` per byte (bits unless ``base``), as :func:`codelength.context_entropies`."""
        from .measures.discrete import log_base
        scale = log_base(base)
        out = np.empty(self.max_order + 1)
        for k, (keys, counts) in enumerate(self.ngram_tables):
            out[k] = (_kernels.conditional_entropy_of_sorted(keys, counts) if counts.size else 0.0) / scale
        return out

    def distinct_ngrams(self) -> np.ndarray:
        """Distinct (k+1)-grams for k = 0 .. max_order."""
        return np.array([t[1].size for t in self.ngram_tables], dtype=np.int64)


def _finish(part: Partial) -> StreamStatistics:
    tables = []
    for j, dense in enumerate(part.dense):
        nonzero = np.flatnonzero(dense)
        tables.append((nonzero.astype(np.uint64), dense[nonzero].copy()))
    for ranges in part.sparse:
        tables.append((np.concatenate([r[0] for r in ranges]), np.concatenate([r[1] for r in ranges])))
    return StreamStatistics(part.length, part.max_order, part.dense[0], tables[:part.max_order + 1])


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


def _file_chunk_partial(fs, path, start, end, max_order, partitions):
    return chunk_partial(_read_range(fs, path, start, end), max_order, partitions)


def _bag_partition_partial(records, max_order, partitions):
    pieces = []
    for i, r in enumerate(records):
        if isinstance(r, str):
            raise TypeError("a bag of byte strings is needed; encode text first (e.g. bag.map(str.encode))")
        pieces.append(bytes(memoryview(r).cast("B")) if not isinstance(r, bytes) else r)
    return chunk_partial(b"".join(pieces), max_order, partitions)


def _array_block_partial(block, max_order, partitions):
    block = np.ascontiguousarray(block)
    if block.dtype != np.uint8:
        raise TypeError(f"a dask array of uint8 is needed, got dtype {block.dtype}")
    return chunk_partial(block.reshape(-1), max_order, partitions)


def chunk_tasks(source, *, max_order: int = 0, partitions: int = 1,
                chunk_size: int = DEFAULT_CHUNK_SIZE, storage_options=None) -> list:
    """One delayed :class:`Partial` per chunk of ``source``, in stream order."""
    _require_dask()
    from dask import delayed
    import dask.array as da
    import dask.bag as db
    if isinstance(source, da.Array):
        if source.dtype != np.uint8:
            raise TypeError(f"a dask array of uint8 is needed, got dtype {source.dtype}")
        blocks = source.to_delayed().ravel().tolist() if source.ndim == 1 else \
            source.rechunk({i: -1 for i in range(1, source.ndim)}).to_delayed().ravel().tolist()
        return [delayed(_array_block_partial, pure=True)(b, max_order, partitions) for b in blocks]
    if isinstance(source, db.Bag):
        return [delayed(_bag_partition_partial, pure=True)(p, max_order, partitions) for p in source.to_delayed()]
    if isinstance(source, (str, list, tuple)) or hasattr(source, "__fspath__"):
        if isinstance(source, (list, tuple)) and source and not all(isinstance(s, str) or hasattr(s, "__fspath__")
                                                                 for s in source):
            raise TypeError("a list source must hold paths or URLs")
        source = [str(s) for s in source] if isinstance(source, (list, tuple)) else str(source)
        chunk_size = check_integer(chunk_size, "chunk_size")
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be positive, got {chunk_size}")
        tasks = []
        for fs, path, size, _ in _expand_paths(source, storage_options):
            for start in range(0, size, chunk_size):
                tasks.append(delayed(_file_chunk_partial, pure=True)(fs, path, start, min(size, start + chunk_size),
                                                                    max_order, partitions))
        return tasks
    raise TypeError(f"codelength.dask takes a dask.array of uint8, a dask.bag of bytes, or paths/URLs; "
                    f"got {type(source).__name__}")


def _tree(values, combine, split_every):
    """Ordered tree of delayed ``combine(*group)`` calls down to one value."""
    from dask import delayed
    level = list(values)
    while len(level) > 1:
        level = [delayed(combine, pure=True)(*level[i:i + split_every]) if len(level[i:i + split_every]) > 1
                 else level[i] for i in range(0, len(level), split_every)]
    return level[0]


_EMPTY = (np.zeros(0, np.uint64), np.zeros(0, np.int64))


def statistics_graph(source, *, max_order: int = 0, partitions: int = 1,
                     chunk_size: int = DEFAULT_CHUNK_SIZE, split_every: int = DEFAULT_SPLIT_EVERY,
                     storage_options=None):
    """A delayed :class:`StreamStatistics` of ``source`` (compute it with ``.compute()`` or a client).

    The graph: one task per chunk, then an ordered tree of merges (``split_every`` partials per task). With
    ``partitions`` P > 1 the tables of orders >= 2 are cut into P key ranges (by the n-grams' first byte)
    and each range is merged by its own tree, so no task ever holds more than about 1/P of a high order's
    table; the edges (heads, tails and the n-grams across chunk seams) and the dense tables of orders 0
    and 1 go up a tree of their own, and a last task assembles the result.
    """
    from dask import delayed
    max_order = _check_order(max_order)
    partitions = check_integer(partitions, "partitions")
    if not 1 <= partitions <= 256:
        raise ValueError(f"partitions must be between 1 and 256, got {partitions}")
    split_every = check_integer(split_every, "split_every")
    if split_every < 2:
        raise ValueError(f"split_every must be at least 2, got {split_every}")
    tasks = chunk_tasks(source, max_order=max_order, partitions=partitions, chunk_size=chunk_size,
                        storage_options=storage_options)
    if not tasks:
        tasks = [delayed(chunk_partial, pure=True)(b"", max_order, partitions)]
    if partitions == 1 or max_order < 2:
        return delayed(_finish, pure=True)(_tree(tasks, merge_partials, split_every))
    # edges and dense tables (orders 0, 1) up one tree; each key range of the orders >= 2 up its own
    edges = _tree([delayed(_strip_sparse, pure=True)(t) for t in tasks], merge_partials, split_every)
    ranges = [_tree([delayed(_range_of, pure=True)(t, q) for t in tasks], _merge_ranges, split_every)
              for q in range(partitions)]
    return delayed(_assemble, pure=True)(edges, *ranges)


def _strip_sparse(part: Partial) -> Partial:
    """The partial without its tables of orders >= 2 (edges and dense tables only)."""
    return Partial(part.max_order, part.partitions, part.length, part.head, part.tail, part.dense,
                   [[_EMPTY] * part.partitions for _ in part.sparse])


def _range_of(part: Partial, q: int):
    """Key range ``q`` of every order >= 2: a list over orders of (keys, counts)."""
    return [ranges[q] for ranges in part.sparse]


def _merge_ranges(*tables):
    return [_merge_sparse([t[j] for t in tables]) for j in range(len(tables[0]))]


def _assemble(edges: Partial, *ranges) -> StreamStatistics:
    """The merged edges (dense tables and the seam n-grams) plus each key range's merged tables."""
    k, partitions = edges.max_order, edges.partitions
    per_order = [[_merge_sparse([ranges[q][j], edges.sparse[j][q]]) for q in range(partitions)]
                 for j in range(max(0, k - 1))]
    return _finish(Partial(k, partitions, edges.length, edges.head, edges.tail, edges.dense, per_order))


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
    tasks = chunk_tasks(source, max_order=0, partitions=1, chunk_size=chunk_size, storage_options=storage_options)
    if not tasks:
        return np.zeros(256, np.int64)
    vectors = [delayed(_dense0, pure=True)(t) for t in tasks]
    return _compute(_tree(vectors, _add_vectors, split_every), scheduler)


def _dense0(part: Partial) -> np.ndarray:
    return part.dense[0]


def _add_vectors(*vectors):
    return sum(vectors[1:], vectors[0].copy())


def context_statistics(source, max_order: int = 3, *, chunk_size: int = DEFAULT_CHUNK_SIZE,
                       partitions: int = 1, split_every: int = DEFAULT_SPLIT_EVERY,
                       storage_options=None, scheduler=None) -> StreamStatistics:
    """Exact order-0..``max_order`` statistics (n-gram tables, H_k) of a source, seams included."""
    return _compute(statistics_graph(source, max_order=max_order, partitions=partitions, chunk_size=chunk_size,
                                     split_every=split_every, storage_options=storage_options), scheduler)


def context_entropies(source, max_order: int = 3, base=None, **options) -> np.ndarray:
    """``[H_0 .. H_max_order]`` of a source (see :func:`context_statistics` for the options)."""
    return context_statistics(source, max_order, **options).entropies(base)


def bounds(source, order: int = 3, **options):
    """The entropy bounds of ``analyze`` (H0 .. Hk, :class:`codelength.Bound`) of the whole source."""
    stats = context_statistics(source, order, **options)
    return bounds_of(stats)


def bounds_of(stats: StreamStatistics):
    from .app.report import _bound
    from .measures.discrete import entropy
    h = stats.entropies()
    distinct = stats.distinct_ngrams().tolist()
    n = stats.size
    out = [_bound("H0", "order 0, bytes independent", 0, None, entropy(stats.counts), n, distinct[0])]
    for k in range(1, stats.max_order + 1):
        out.append(_bound(f"H{k}", f"order {k}, {k}-byte context", k, None, float(h[k]), n, distinct[k]))
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
                   partitions: int = 1, storage_options=None, scheduler=None, **options):
    """Run :func:`codelength.analyze` on every file (one task each) and the merged corpus statistics in one
    Dask computation. Returns a :class:`CorpusAnalysis`."""
    import dask
    reports = file_reports(source, order=order, coders=coders, storage_options=storage_options, **options)
    total = statistics_graph(source, max_order=order, partitions=partitions, chunk_size=chunk_size,
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
