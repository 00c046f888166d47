"""Symbol counts: of bytes, of integer arrays, of files streamed in chunks, and of aligned pairs.

Counts are plain ``int64`` NumPy arrays indexed by symbol, so counts of two parts add up to the counts
of the whole (``counts(a + b) == counts(a) + counts(b)`` for bytes; :func:`merge_counts` pads arrays of
different alphabet sizes). This module validates and shapes input; the loops run in
:mod:`codelength._kernels`.
"""
from __future__ import annotations

import math
import mmap
import operator
import os
import stat
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import _kernels

#: Largest alphabet counted in a dense table (2**26 symbols = 512 MiB of int64 counts).
MAX_DENSE_ALPHABET = 1 << 26
#: Default piece size for streamed file counting.
DEFAULT_CHUNK_SIZE = 4 << 20

_BYTES_LIKE = (bytes, bytearray, memoryview, mmap.mmap)


def byte_view(data) -> memoryview:
    """A flat unsigned-byte view of any bytes-like object: zero-copy when its memory is C-contiguous
    (any shape or item size), else a contiguous copy (e.g. of a strided NumPy view)."""
    view = memoryview(data)
    if not view.c_contiguous:
        view = memoryview(view.tobytes())
    return view.cast("B") if view.ndim else memoryview(view.tobytes())


def check_integer(value, name: str) -> int:
    """``value`` as a Python int; TypeError for bools, floats, strings and other non-integers (which
    ``int()`` would silently truncate or parse)."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an integer, got bool")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}") from None


def log_base(base) -> float:
    """Natural log of the logarithm base (``None`` means 2: bits). Lives here, in the bottom room, so
    that both ``stats`` (H_k) and ``measures`` take the ``base=`` argument from below."""
    if base is None:
        return math.log(2.0)
    if isinstance(base, bool) or not isinstance(base, (int, float, np.integer, np.floating)):
        raise TypeError(f"base must be a number, got {type(base).__name__}")
    if not (base > 1 and math.isfinite(base)):
        # a base in (0, 1) would make every entropy negative and every divergence <= 0
        raise ValueError(f"base must be finite and greater than 1, got {base}")
    return math.log(base)


def as_symbols(data) -> tuple[np.ndarray, bool]:
    """Validate ``data`` and return it as a 1-D integer array, and whether it was bytes-like.

    Bytes-like objects (bytes, bytearray, memoryview, mmap) become a ``uint8`` view of their bytes (zero-copy
    unless a memoryview is strided).
    Integer arrays (or sequences of ints) of any shape are flattened in C order; non-contiguous 1-D
    arrays are kept as strided views. Raises TypeError for text, floats, booleans and objects, and
    ValueError for 0-d arrays and negative symbols.
    """
    if isinstance(data, str):
        raise TypeError("text is not symbols: encode it to bytes first (e.g. text.encode('utf-8'))")
    if isinstance(data, _BYTES_LIKE):
        return np.frombuffer(byte_view(data), dtype=np.uint8), True
    array = np.asarray(data)
    if array.dtype.kind not in "iu":
        if array.dtype.kind == "b":
            raise TypeError("boolean arrays are not symbols: convert with .astype(np.uint8)")
        if array.size == 0 and array.dtype.kind == "f":
            array = array.astype(np.int64)  # np.asarray([]) is float64: an empty sequence is fine
        else:
            raise TypeError(f"symbols must be integers, got an array of dtype {array.dtype}")
    if array.ndim == 0:
        raise ValueError("symbols must be an array of at least one dimension, got a scalar")
    if array.ndim > 1:
        array = array.ravel()
    if not array.dtype.isnative:
        array = array.astype(array.dtype.newbyteorder("="))
    if array.dtype.kind == "i" and array.size and _kernels.symbol_range(array)[0] < 0:
        raise ValueError("symbols must be non-negative integers; found a negative value")
    return array, False


def _alphabet_size(symbols: np.ndarray, is_bytes: bool, alphabet_size, largest: int | None = None) -> int:
    """Check or infer the alphabet size of validated symbols (``largest`` saves the range pass when known)."""
    if largest is None:
        largest = int(_kernels.symbol_range(symbols)[1]) if symbols.size else -1
    if alphabet_size is None:
        alphabet_size = 256 if is_bytes else largest + 1
    else:
        alphabet_size = check_integer(alphabet_size, "alphabet_size")
        if alphabet_size < 0:
            raise ValueError(f"alphabet_size must be non-negative, got {alphabet_size}")
        if largest >= alphabet_size:
            raise ValueError(f"symbol {largest} is outside the alphabet of {alphabet_size} symbols")
    if alphabet_size > MAX_DENSE_ALPHABET:
        raise ValueError(f"alphabet of {alphabet_size} symbols is too large for a dense count table "
                         f"(limit {MAX_DENSE_ALPHABET}); remap symbols first, e.g. with numpy.unique(..., "
                         "return_inverse=True)")
    return alphabet_size


def counts(data, alphabet_size: int | None = None) -> np.ndarray:
    """Count how often each symbol occurs.

    Parameters
    ----------
    data : bytes-like or array_like of non-negative integers
        Bytes (``bytes``, ``bytearray``, ``memoryview``, ``mmap``) or integers of any integer dtype and
        any shape (flattened) and strides.
    alphabet_size : int, optional
        Length of the result. Defaults to 256 for bytes and ``max(data) + 1`` for integer arrays
        (0 for an empty array); a symbol outside it raises ValueError.

    Returns
    -------
    numpy.ndarray of int64
        ``c[s]`` is the number of occurrences of symbol ``s``.

    Examples
    --------
    >>> int(counts(b"abracadabra")[ord("a")])
    5
    >>> counts(np.array([0, 2, 2])).tolist()
    [1, 0, 2]
    """
    symbols, is_bytes = as_symbols(data)
    if symbols.dtype == np.uint8 and symbols.flags.c_contiguous:
        # bytes need no range pass: histogram all 256 values, then check against the alphabet
        out = np.zeros(256, dtype=np.int64)
        _kernels.byte_counts_into(symbols, out)
        used = np.flatnonzero(out)
        size = _alphabet_size(symbols, is_bytes, alphabet_size, largest=int(used[-1]) if used.size else -1)
        return out[:size] if size <= 256 else np.concatenate([out, np.zeros(size - 256, dtype=np.int64)])
    size = _alphabet_size(symbols, is_bytes, alphabet_size)
    out = np.zeros(size, dtype=np.int64)
    if symbols.size:
        _kernels.symbol_counts_into(symbols, out)
    return out


def merge_counts(*parts) -> np.ndarray:
    """Add count arrays of different lengths (the shorter ones are padded with zeros).

    .. math:: m[s] = \\sum_j c_j[s], \\qquad c_j[s] = 0 \\text{ for } s \\ge \\mathrm{len}(c_j)

    Parameters
    ----------
    *parts : array_like of non-negative integers, 1-D
        Count arrays (any integer dtype whose values fit in int64).

    Returns
    -------
    numpy.ndarray of int64
        Of the length of the longest part (empty when no part is given).
    """
    arrays = [np.asarray(p) for p in parts]
    for a in arrays:
        if a.ndim != 1 or (a.dtype.kind not in "iu" and a.size):
            raise TypeError("merge_counts takes 1-D integer count arrays")
        if a.size and a.dtype.kind == "i" and a.min() < 0:
            raise ValueError("merge_counts: counts must be non-negative")
        if a.size and a.dtype.kind == "u" and a.max() > np.iinfo(np.int64).max:
            raise ValueError("merge_counts: a count does not fit in int64")
    out = np.zeros(max((a.size for a in arrays), default=0), dtype=np.int64)
    for a in arrays:
        out[: a.size] += a.astype(np.int64, copy=False)
    return out


def joint_counts(x, y, alphabet_sizes: tuple[int, int] | None = None) -> np.ndarray:
    """Counts of the pairs ``(x[i], y[i])`` of two aligned symbol sequences, as a 2-D array ``c[x, y]``.

    .. math:: c[a, b] = \\#\\{i : x_i = a,\\ y_i = b\\}

    Parameters
    ----------
    x, y : bytes-like or array_like of non-negative integers
        Sequences of equal length (flattened like :func:`counts`).
    alphabet_sizes : (int, int), optional
        Sizes of x's and y's alphabets (default as in :func:`counts` for each). The table is dense, so
        their product is limited to :data:`MAX_DENSE_ALPHABET`.

    Returns
    -------
    numpy.ndarray of int64, shape (len of x's alphabet, len of y's alphabet)
    """
    if alphabet_sizes is not None and (isinstance(alphabet_sizes, (str, bytes)) or np.ndim(alphabet_sizes) != 1
                                       or len(alphabet_sizes) != 2):
        raise TypeError(f"alphabet_sizes must be a pair (size of x's alphabet, size of y's), got {alphabet_sizes!r}")
    xs, x_bytes = as_symbols(x)
    ys, y_bytes = as_symbols(y)
    if xs.size != ys.size:
        raise ValueError(f"x and y must have the same length, got {xs.size} and {ys.size}")
    nx = _alphabet_size(xs, x_bytes, None if alphabet_sizes is None else alphabet_sizes[0])
    ny = _alphabet_size(ys, y_bytes, None if alphabet_sizes is None else alphabet_sizes[1])
    if nx * ny > MAX_DENSE_ALPHABET:
        raise ValueError(f"joint alphabet of {nx} x {ny} pairs is too large for a dense table")
    out = np.zeros(nx * ny, dtype=np.int64)
    if xs.size:
        # one fused-type kernel takes both arrays: give them a common integer dtype (uint64 with a
        # signed dtype promotes to float64; every symbol is below the alphabet size, so int64 holds it)
        common = np.promote_types(xs.dtype, ys.dtype)
        if common.kind not in "iu":
            common = np.dtype(np.int64)
        _kernels.pair_counts_into(xs.astype(common, copy=False), ys.astype(common, copy=False), ny, out)
    return out.reshape(nx, ny)


def _byte_source(data) -> np.ndarray:
    """Bytes-like or uint8 array data as a contiguous uint8 array (for byte-only statistics)."""
    symbols, is_bytes = as_symbols(data)
    if not is_bytes and symbols.dtype != np.uint8:
        if symbols.size and int(_kernels.symbol_range(symbols)[1]) > 255:
            raise ValueError("byte statistics need byte data: found a symbol above 255")
        symbols = symbols.astype(np.uint8)
    return np.ascontiguousarray(symbols)


def read_chunks(path, chunk_size: int = DEFAULT_CHUNK_SIZE, start: int = 0, stop: int | None = None,
                progress=None):
    """Yield successive pieces of a file (or binary file object) as uint8 arrays of at most ``chunk_size``.

    One buffer is reused, so memory stays bounded whatever the file's size; each yielded array is only
    valid until the next one is produced. ``progress(n_bytes)`` is called after each piece.
    """
    chunk_size = check_integer(chunk_size, "chunk_size")
    if chunk_size <= 0:
        raise ValueError(f"chunk_size must be positive, got {chunk_size}")
    buffer = bytearray(chunk_size)
    view = memoryview(buffer)
    own = not hasattr(path, "readinto")
    handle = open(path, "rb") if own else path
    try:
        if start:
            handle.seek(start)
        remaining = None if stop is None else stop - start
        while remaining is None or remaining > 0:
            want = chunk_size if remaining is None else min(chunk_size, remaining)
            got = handle.readinto(view[:want])
            if not got:
                break
            if remaining is not None:
                remaining -= got
            yield np.frombuffer(buffer, dtype=np.uint8, count=got)
            if progress is not None:
                progress(got)
    finally:
        if own:
            handle.close()


def file_counts(path, *, chunk_size: int = DEFAULT_CHUNK_SIZE, threads: int = 1, progress=None) -> np.ndarray:
    """Byte counts of a file of any size, read in pieces of ``chunk_size`` bytes (bounded memory).

    Parameters
    ----------
    path : str, os.PathLike or binary file object
        The file. A file object is read from its current position to its end, on one thread.
    chunk_size : int
        Bytes read at a time per thread (default 4 MiB).
    threads : int
        Split the file into this many contiguous ranges counted concurrently (the counting kernel
        releases the GIL); the partial counts are added, which gives exactly the counts of the whole.
        Files that report no size (pipes, devices, ``/proc`` files) are read to their end on one thread.
    progress : callable, optional
        Called with the number of bytes just counted, after each piece (e.g. a tqdm bar's ``update``).

    Returns
    -------
    numpy.ndarray of int64, length 256

    Raises
    ------
    FileNotFoundError, IsADirectoryError, PermissionError
        As ``open`` does, naming the path.
    """
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    if hasattr(path, "readinto"):
        ranges = [(0, None)]
    else:
        path = os.fspath(path)
        if os.path.isdir(path):
            raise IsADirectoryError(f"{path!r} is a directory, not a file")
        info = os.stat(path)  # raises FileNotFoundError naming the path
        total_size = info.st_size
        if threads == 1 or not stat.S_ISREG(info.st_mode) or total_size == 0:
            # pipes, devices and /proc files report no size (0) to split by: read to the end
            ranges = [(0, None)]
        else:
            step = -(-total_size // threads)
            ranges = [(lo, min(lo + step, total_size)) for lo in range(0, total_size, step)]

    def count_range(bounds):
        out = np.zeros(256, dtype=np.int64)
        lo, hi = bounds
        for piece in read_chunks(path, chunk_size, lo, hi, progress):
            _kernels.byte_counts_into(piece, out)
        return out

    if len(ranges) == 1:
        return count_range(ranges[0])
    with ThreadPoolExecutor(max_workers=len(ranges)) as pool:
        return merge_counts(*pool.map(count_range, ranges))
