"""Statistics of many small records at once: one compiled call over a column of byte strings.

A table of documents, log lines or messages, whose compressibility is a data-quality signal, has millions
of records of a few hundred bytes: calling :func:`codelength.compress` and :func:`codelength.entropy` on
each costs tens of microseconds of Python per record. :func:`record_stats` takes the whole column (a list,
a NumPy ``S``/``U``/object array, a pyarrow binary/string array or a pandas Series), lays it out as one
flat buffer and an offsets array (Arrow columns are used in place: their own buffers and offsets) and
computes every record's statistics in one loop that runs without the GIL
(:mod:`codelength.stats._records`). Memory: the flat buffer (a copy of the records, except for Arrow
input), 8 bytes of offsets and 40 bytes of output per record, plus 64 KiB of zlib scratch, 64 KiB of
entropy terms kept per record length and zlib's own state (about 256 KiB), whatever the records' sizes (a record over 4 KiB compressed for its Huffman size
adds that one stream's working memory, about 3 times the record).

The twin is :mod:`codelength.reference.records`.
"""
from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np

from . import _records
from .counting import check_integer

#: Columns of a :class:`RecordStats`, in order.
COLUMNS = ("length", "h0", "ideal_bits", "huffman_bytes", "zlib_bytes")
#: Records up to this many bytes get their Huffman size from the kernel (one stream block holding one
#: Huffman block); longer ones (where the coder's adaptive split cuts blocks) are measured by compressing.
HUFFMAN_KERNEL_MAX = _records.HUFFMAN_KERNEL_MAX
#: Whether the kernel calls zlib itself (built against zlib.h); else zlib_bytes come from Python's zlib.
HAVE_ZLIB = _records.HAVE_ZLIB
DEFAULT_ZLIB_LEVEL = 6
DEFAULT_MAX_LENGTH = 12


@dataclass
class RecordStats:
    """Per-record statistics of a column of byte strings (one entry per record, in order).

    Attributes
    ----------
    length : numpy.ndarray of int64
        Bytes in the record (text is measured as its UTF-8 encoding).
    h0 : numpy.ndarray of float64
        Order-0 empirical entropy of the record's bytes, bits/byte: exactly
        ``codelength.entropy(codelength.counts(record))`` (0 for an empty record).
    ideal_bits : numpy.ndarray of float64
        ``h0 * length``: the ideal size in bits under the record's own order-0 statistics, model not
        counted (the H0 bound of ``analyze``).
    huffman_bytes : numpy.ndarray of int64, or None
        Exactly ``len(codelength.compress(record, "huffman", max_length=max_length))``: the size of the
        v2 stream (docs/format.md) the default Huffman compression writes for the record alone, framing
        included (a single-block frame: tag byte, n, the block's shape and p, two CRC-32s: 12 bytes
        above model + payload for a coded record under 128 bytes; a constant record is a run block, one
        that does not compress is stored, the empty record is 6 bytes). For records up to ``HUFFMAN_KERNEL_MAX`` (4096) bytes the kernel
        computes it from the counts of the block's four segments (docs/huffman.md) without writing a bit;
        longer records, which the coder's adaptive split may cut into several blocks, are compressed
        (one ``compress`` call each, amortised over at least 4 KiB). None when not computed.
    zlib_bytes : numpy.ndarray of int64, or None
        ``len(zlib.compress(record, zlib_level))`` (a zlib stream: 2-byte header, DEFLATE data, Adler-32),
        computed by the zlib library the kernel is linked with, one ``z_stream`` reset per record
        (``HAVE_ZLIB``; a build without zlib headers calls Python's zlib module per record, same
        numbers). None when not computed.
    zlib_level : int or None
        The zlib level used (None: not computed).
    """

    length: np.ndarray
    h0: np.ndarray
    ideal_bits: np.ndarray
    huffman_bytes: np.ndarray | None
    zlib_bytes: np.ndarray | None
    zlib_level: int | None = DEFAULT_ZLIB_LEVEL

    def __len__(self) -> int:
        return int(self.length.shape[0])

    def columns(self) -> dict:
        """The computed columns as NumPy arrays, keyed by name (those not computed left out)."""
        return {name: getattr(self, name) for name in COLUMNS if getattr(self, name) is not None}

    def to_dict(self) -> dict:
        """The computed columns as plain lists (JSON-serialisable), keyed by name."""
        return {name: values.tolist() for name, values in self.columns().items()}

    def to_pandas(self, index=None):
        """The columns as a pandas DataFrame (one row per record; ``index`` e.g. the input Series' index)."""
        import pandas as pd
        return pd.DataFrame(self.columns(), index=index)

    @classmethod
    def concat(cls, parts) -> "RecordStats":
        """The statistics of consecutive columns joined end to end (parts must agree on what was computed)."""
        parts = list(parts)
        if not parts:
            return _empty_stats(True, DEFAULT_ZLIB_LEVEL)
        level = parts[0].zlib_level
        if any((p.zlib_level != level) or ((p.huffman_bytes is None) != (parts[0].huffman_bytes is None))
               for p in parts):
            raise ValueError("RecordStats.concat: the parts were computed with different options")
        joined = {}
        for name in COLUMNS:
            values = [getattr(p, name) for p in parts]
            joined[name] = None if values[0] is None else np.concatenate(values)
        return cls(**joined, zlib_level=level)


def _empty_stats(huffman: bool, zlib_level) -> RecordStats:
    return RecordStats(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0, np.int64) if huffman else None,
                       np.zeros(0, np.int64) if zlib_level is not None else None, zlib_level)


# ------------------------------------------------------------------------------ input -> (buffer, offsets)

def _from_fixed_width(array: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A NumPy ``S`` array: records are the elements as NumPy gives them (trailing NUL bytes dropped)."""
    array = np.ascontiguousarray(array.reshape(-1))
    width = array.dtype.itemsize
    if width == 0 or array.size == 0:
        return np.zeros(0, np.uint8), np.zeros(array.size + 1, np.int64)
    cells = array.view(np.uint8).reshape(array.size, width)
    nonzero = cells != 0
    # length = 1 + position of the last non-NUL byte (0 for an all-NUL cell)
    last = width - np.argmax(nonzero[:, ::-1], axis=1)
    lengths = np.where(nonzero.any(axis=1), last, 0).astype(np.int64)
    offsets = np.zeros(array.size + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    if int(offsets[-1]) == cells.size:
        return cells.reshape(-1), offsets
    keep = np.arange(width)[None, :] < lengths[:, None]
    return np.ascontiguousarray(cells[keep]), offsets


def _from_sequence(records) -> tuple[np.ndarray, np.ndarray]:
    """A sequence of bytes-like objects or of str (encoded as UTF-8)."""
    records = list(records)
    kinds = set(map(type, records))
    if kinds <= {bytes}:
        pieces = records
    elif kinds <= {str}:
        pieces = [s.encode("utf-8") for s in records]
    else:
        pieces = []
        for i, r in enumerate(records):
            if isinstance(r, str):
                pieces.append(r.encode("utf-8"))
            elif isinstance(r, (bytes, bytearray, memoryview, np.ndarray)) and not isinstance(r, bool):
                if isinstance(r, np.ndarray) and r.dtype != np.uint8:
                    raise TypeError(f"record {i} is an array of dtype {r.dtype}; records are bytes, str or uint8 arrays")
                view = memoryview(r)
                pieces.append(view.tobytes())
            elif r is None:
                raise ValueError(f"record {i} is None (a missing value): fill missing records first, e.g. with b''")
            else:
                raise TypeError(f"record {i} is a {type(r).__name__}; records are bytes-like or str")
    lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
    offsets = np.zeros(len(pieces) + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return np.frombuffer(b"".join(pieces), dtype=np.uint8), offsets


def _arrow_parts(array):
    """(buffer, offsets) of each chunk of a pyarrow binary/string array, straight from its buffers."""
    import pyarrow as pa
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    out = []
    for chunk in chunks:
        kind = chunk.type
        if pa.types.is_dictionary(kind):
            chunk = chunk.dictionary_decode()
            kind = chunk.type
        if not (pa.types.is_binary(kind) or pa.types.is_string(kind) or pa.types.is_large_binary(kind)
                or pa.types.is_large_string(kind)):
            if getattr(pa.types, "is_binary_view", None) and (pa.types.is_binary_view(kind)
                                                              or pa.types.is_string_view(kind)):
                chunk = chunk.cast(pa.large_binary())
                kind = chunk.type
            else:
                raise TypeError(f"record_stats takes binary or string Arrow arrays, got type {kind}")
        if chunk.null_count:
            raise ValueError(f"{chunk.null_count} records are null: fill them first, e.g. "
                             "pyarrow.compute.fill_null(array, b'')")
        wide = pa.types.is_large_binary(kind) or pa.types.is_large_string(kind)
        _, offset_buffer, data_buffer = chunk.buffers()
        offsets = np.frombuffer(offset_buffer, dtype=np.int64 if wide else np.int32)
        offsets = offsets[chunk.offset:chunk.offset + len(chunk) + 1].astype(np.int64, copy=False)
        data = np.zeros(0, np.uint8) if data_buffer is None else np.frombuffer(data_buffer, dtype=np.uint8)
        if len(chunk) == 0:
            offsets = np.zeros(1, np.int64)
        out.append((data, offsets))
    return out


def _is_arrow(obj) -> bool:
    module = type(obj).__module__ or ""
    return module.startswith("pyarrow") and hasattr(obj, "type")


def _columns(records):
    """The records as a list of (flat uint8 buffer, int64 offsets) parts."""
    if isinstance(records, (bytes, bytearray, memoryview, str)):
        raise TypeError("record_stats takes a column of records (a list, array or Series), not one record: "
                        "wrap it in a list")
    if _is_arrow(records):
        return _arrow_parts(records)
    module = type(records).__module__ or ""
    if module.startswith("pandas") or module.startswith("dask"):
        values = getattr(records, "array", records)
        if hasattr(values, "__arrow_array__") and "Arrow" in type(values).__name__:
            import pyarrow as pa
            return _arrow_parts(pa.chunked_array(values.__arrow_array__()))
        records = records.to_numpy() if hasattr(records, "to_numpy") else np.asarray(records)
    if isinstance(records, np.ndarray):
        if records.dtype.kind == "S":
            return [_from_fixed_width(records)]
        if records.dtype.kind == "U":
            return [_from_fixed_width(np.char.encode(records.reshape(-1), "utf-8"))]
        if records.dtype.kind == "O":
            return [_from_sequence(records.reshape(-1).tolist())]
        raise TypeError(f"record_stats takes arrays of bytes (S), text (U) or objects, got dtype {records.dtype}; "
                        "a uint8 array is one record: wrap it in a list")
    try:
        iter(records)
    except TypeError:
        raise TypeError(f"record_stats takes a column of records, got {type(records).__name__}") from None
    return [_from_sequence(records)]


def _check_offsets(data: np.ndarray, offsets: np.ndarray) -> None:
    """The kernel indexes the buffer by the offsets without checks: refuse any that leave it."""
    if offsets.ndim != 1 or offsets.size < 1:
        raise ValueError("offsets must be a 1-D array of at least one entry")
    if offsets.size > 1:
        if int(offsets[0]) < 0 or int(offsets[-1]) > data.size or bool(np.any(np.diff(offsets) < 0)):
            raise ValueError("offsets must be non-decreasing and lie within the data buffer")


def record_stats_from_offsets(data, offsets, *, huffman: bool = True, zlib_level: int | None = DEFAULT_ZLIB_LEVEL,
                              max_length: int = DEFAULT_MAX_LENGTH) -> RecordStats:
    """:func:`record_stats` of the records ``data[offsets[i]:offsets[i + 1]]`` of a flat buffer (Arrow layout).

    ``data`` is any bytes-like object or uint8 array; ``offsets`` a 1-D integer array of one more entry than
    there are records, non-decreasing and within ``data``.
    """
    data = np.frombuffer(memoryview(data).cast("B") if not isinstance(data, np.ndarray) else
                         np.ascontiguousarray(data).view(np.uint8).reshape(-1), dtype=np.uint8)
    offsets = np.asarray(offsets)
    if offsets.dtype.kind not in "iu":
        raise TypeError(f"offsets must be integers, got dtype {offsets.dtype}")
    offsets = np.ascontiguousarray(offsets, dtype=np.int64)
    _check_offsets(data, offsets)
    return _run(data, offsets, huffman, _check_level(zlib_level), _check_max_length(max_length))


def _check_level(zlib_level):
    if zlib_level is None:
        return None
    zlib_level = check_integer(zlib_level, "zlib_level")
    if not 0 <= zlib_level <= 9:
        raise ValueError(f"zlib_level must be 0..9 (or None to skip zlib), got {zlib_level}")
    return zlib_level


def _check_max_length(max_length) -> int:
    max_length = check_integer(max_length, "max_length")
    if not 1 <= max_length <= 24:
        raise ValueError(f"max_length must be between 1 and 24, got {max_length}")
    return max_length


def _run(data: np.ndarray, offsets: np.ndarray, huffman: bool, zlib_level, max_length: int,
         threads: int = 1) -> RecordStats:
    n = offsets.size - 1
    length = np.empty(n, np.int64)
    h0 = np.empty(n)
    ideal = np.empty(n)
    huff = np.empty(n if huffman else 0, np.int64)
    zl = np.empty(n if zlib_level is not None else 0, np.int64)
    data = data if data.size else np.zeros(0, np.uint8)
    level = DEFAULT_ZLIB_LEVEL if zlib_level is None else zlib_level

    kernel_zlib = zlib_level is not None and HAVE_ZLIB
    from ..io.oneshot import compress   # here: codelength.io imports this package

    def run(lo: int, hi: int) -> None:
        # one contiguous range of records: views of the output columns, offsets[lo:hi + 1]
        _records.record_stats_into(data, offsets[lo:hi + 1], math.log(2.0), length[lo:hi], h0[lo:hi],
                                   ideal[lo:hi], huff[lo:hi] if huffman else huff,
                                   zl[lo:hi] if kernel_zlib else zl, max_length, level, huffman, kernel_zlib)
        if huffman:
            for i in (lo + np.flatnonzero(huff[lo:hi] < 0)).tolist():
                # longer than the kernel's one block: the coder's adaptive split decides, so ask the coder
                huff[i] = len(compress(memoryview(data[offsets[i]:offsets[i + 1]]), "huffman",
                                       max_length=max_length))
        if zlib_level is not None and not kernel_zlib:
            for i in range(lo, hi):
                zl[i] = len(zlib.compress(memoryview(data[offsets[i]:offsets[i + 1]]), zlib_level))

    threads = min(threads, max(n, 1))
    if threads <= 1:
        run(0, n)
    else:
        from concurrent.futures import ThreadPoolExecutor
        bounds = [n * t // threads for t in range(threads + 1)]
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(run, bounds[:-1], bounds[1:]))  # the kernel releases the GIL
    return RecordStats(length, h0, ideal, huff if huffman else None, zl if zlib_level is not None else None,
                       zlib_level)


def record_stats(records, *, huffman: bool = True, zlib_level: int | None = DEFAULT_ZLIB_LEVEL,
                 max_length: int = DEFAULT_MAX_LENGTH, threads: int = 1) -> RecordStats:
    """Length, order-0 entropy, ideal size, Huffman size and zlib size of every record of a column.

    Parameters
    ----------
    records : sequence, numpy.ndarray, pyarrow.Array/ChunkedArray or pandas.Series
        The records: bytes-like objects or str (measured as UTF-8); a NumPy ``S`` array (elements as NumPy
        reads them: trailing NUL bytes are not part of a fixed-width element), ``U`` array (UTF-8) or
        object array; a pyarrow ``binary``/``string``/``large_binary``/``large_string`` array (its offsets
        and data buffer used in place: no per-record Python work); or a pandas Series of any of these
        (Arrow-backed string columns, the default of dask.dataframe, go the Arrow way). Missing records
        (None, Arrow nulls) raise ValueError.
    huffman : bool
        Compute ``huffman_bytes`` (the native Huffman stream's size; see :class:`RecordStats`).
    zlib_level : int 0..9 or None
        Level of ``zlib_bytes`` (default 6, zlib's own default and ``zlib.compress``'s; ``analyze``'s
        zlib column uses 9); None skips zlib, the costliest column.
    max_length : int
        Longest Huffman code word (1..24, default 12: the native coder's default).
    threads : int
        Split the records into this many contiguous ranges computed concurrently (the kernel releases
        the GIL); the result is the same.

    Returns
    -------
    RecordStats

    Examples
    --------
    >>> s = record_stats([b"abracadabra", b"", "héllo"])
    >>> s.length.tolist()
    [11, 0, 6]
    >>> round(float(s.h0[0]), 4)
    2.0404

    Use it on a Dask or pandas DataFrame column partition by partition::

        ddf["text"].map_partitions(lambda s: record_stats(s).to_pandas(index=s.index))

    (:func:`codelength.dask.record_stats` does exactly this, with the right ``meta``).
    """
    huffman = bool(huffman)
    zlib_level = _check_level(zlib_level)
    max_length = _check_max_length(max_length)
    threads = check_integer(threads, "threads")
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    parts = _columns(records)
    results = []
    for data, offsets in parts:
        _check_offsets(data, offsets)
        results.append(_run(data, np.ascontiguousarray(offsets, dtype=np.int64), huffman, zlib_level, max_length,
                            threads))
    if len(results) == 1:
        return results[0]
    if not results:
        return _empty_stats(huffman, zlib_level)
    return RecordStats.concat(results)
