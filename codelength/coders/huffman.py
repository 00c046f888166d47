"""The native Huffman coder backend (registered in :mod:`codelength.coders` as ``"huffman"``).

Block-adaptive canonical Huffman coding: the input is cut into blocks (adaptively, where the statistics
change, or of a fixed ``block_size``), each block gets its own optimal code with words of at most
``max_length`` bits, and its symbols are coded into four interleaved bit streams (so the decoder runs
four independent table look-up chains at once). Model section and payload layout: docs/huffman.md.

Use it through :func:`codelength.compress` / :func:`codelength.decompress`::

    blob = codelength.compress(data, coder="huffman", max_length=12)

The kernels are :mod:`codelength.coders._huffman` (coder and decoder) and :mod:`codelength.coders._blocks`
(block split), with code lengths from :mod:`codelength.codes._prefix`; :mod:`codelength.reference.huffman`
is their pure-Python twin (bit-identical model and payload).
"""
from __future__ import annotations

import operator
import threading

import numpy as np

from . import _blocks, _huffman
from ..errors import CorruptDataError
from ..reference.huffman import (ADAPTIVE_ALPHABET, DEFAULT_MAX_LENGTH, FIXED_BLOCK, MAX_ALPHABET,
                                MAX_CODE_LENGTH, NATIVE_HEADER_BITS, STREAMS)

__all__ = ["encode", "decode", "decode_into", "block_lengths", "DEFAULT_MAX_LENGTH", "MAX_CODE_LENGTH", "MAX_ALPHABET"]


def _check_int(name, value, low, high):
    try:
        if isinstance(value, (bool, np.bool_)):
            raise TypeError  # True is not a block size or a length
        value = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, not {type(value).__name__}") from None
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _checked_symbols(symbols, alphabet_size):
    """C-contiguous uint8/uint16/uint32 symbols, all below ``alphabet_size`` (the kernels index by them)."""
    alphabet_size = _check_int("alphabet_size", alphabet_size, 0, MAX_ALPHABET)  # 0: empty input
    symbols = np.ascontiguousarray(symbols).reshape(-1)
    if symbols.dtype.kind not in "ui":
        raise TypeError(f"symbols must be integers, got dtype {symbols.dtype}")
    if symbols.size and (symbols.dtype.itemsize > 4 or alphabet_size < (1 << (8 * symbols.dtype.itemsize))
                         or symbols.dtype.kind == "i"):
        if int(symbols.min()) < 0 or int(symbols.max()) >= alphabet_size:
            raise ValueError(f"symbols must lie in [0, {alphabet_size})")
    if symbols.dtype not in (np.uint8, np.uint16, np.uint32) or not symbols.dtype.isnative:
        symbols = symbols.astype(np.uint32)
    return symbols


def block_lengths(symbols: np.ndarray, alphabet_size: int, block_size: int | None = None,
                  header_bits: float = NATIVE_HEADER_BITS) -> np.ndarray:
    """Lengths of the blocks the coder cuts ``symbols`` into (int64 array summing to ``len(symbols)``).

    Fixed ``block_size``, or (``None``) the adaptive split for alphabets up to 4096 symbols: chunks of
    4096 symbols join the current block while the estimated cost of the merged block,
    ``N log2 N - sum_s c_s log2 c_s + 4 * distinct + header``, is no larger than that of the two apart;
    the same rule also runs on chunks of 16384 symbols, and the split of smaller estimated total wins.
    Larger alphabets use fixed blocks of 65536 symbols.
    """
    symbols = _checked_symbols(symbols, alphabet_size)
    n = symbols.shape[0]
    if block_size is None and alphabet_size > ADAPTIVE_ALPHABET:
        block_size = FIXED_BLOCK
    if block_size is not None:
        block_size = _check_int("block_size", block_size, 1, 1 << 62)
        blocks = np.full(-(-n // block_size), block_size, dtype=np.int64)
        if n % block_size:
            blocks[-1] = n % block_size
        return blocks
    return _blocks.split_blocks(symbols, alphabet_size, float(header_bits))


def encode(symbols: np.ndarray, alphabet_size: int, *, block_size: int | None = None,
           max_length: int = DEFAULT_MAX_LENGTH, split_size: int | None = None):
    """Huffman-code ``symbols`` (uint8/uint16/uint32, all below ``alphabet_size``).

    Parameters
    ----------
    symbols : numpy.ndarray
        Integer symbols ``0 <= s < alphabet_size``.
    alphabet_size : int
        At most ``MAX_ALPHABET`` (2**20).
    block_size : int, optional
        Symbols per block; default: adaptive split (see :func:`block_lengths`).
    split_size : int, optional
        The same as ``block_size``, under the name that reaches it through :func:`codelength.compress`,
        :class:`codelength.Compressor` and ``codelength compress --split-size`` (where ``block_size`` is
        the stream's block): fixed Huffman blocks of this many symbols inside each stream block instead
        of the adaptive split. Give one of the two.
    max_length : int
        Longest code word, 1..24 (default 12: one 12-bit table look-up decodes every word). A block
        whose ``u`` used symbols need more gets ``ceil(log2 u)``.

    Returns
    -------
    (param, model, payload) : (int, bytes, bytes)
        ``param`` is 0; the model holds the block sizes, code lengths and stream sizes.

    Raises
    ------
    ValueError
        For ``alphabet_size > MAX_ALPHABET``, symbols outside the alphabet, ``block_size < 1`` or
        ``max_length`` outside 1..24.
    TypeError
        For non-integer symbols, ``block_size`` or ``max_length`` (floats, booleans, strings).
    """
    max_length = _check_int("max_length", max_length, 1, MAX_CODE_LENGTH)
    if split_size is not None:
        if block_size is not None:
            raise TypeError("give block_size or split_size, not both (they are the same option)")
        block_size = _check_int("split_size", split_size, 1, 1 << 62)
    symbols = _checked_symbols(symbols, alphabet_size)
    if block_size is None and alphabet_size <= 256:
        # the adaptive split counts every chunk anyway: hand the blocks' counts to the encoder
        blocks, counts = _blocks.split_blocks(symbols, alphabet_size, float(NATIVE_HEADER_BITS), True)
    else:
        blocks, counts = block_lengths(symbols, alphabet_size, block_size), None
    model, payload = _huffman.encode_native(symbols, alphabet_size, blocks, max_length, counts,
                                            _work_buffer(symbols, blocks))
    return 0, model, payload


#: Largest work buffer a thread keeps between encode calls (bytes): the streams of a call are laid out
#: in it, at spaced offsets several times the payload's size, and then copied into an exact-size bytes
#: object. A fresh buffer of that size would be mapped anew on every call (it is above malloc's mmap
#: threshold) and pay a page fault per 4 KiB page it touches: on this VM about as much as the coding
#: (timeit, bare backend: paper-100k.pdf 563 -> 857 MB/s, 152 KB of text 217 -> 201 us a call). Calls
#: needing more use a one-off buffer.
#: Below SCRATCH_MIN (malloc's first mmap threshold) the bytes object comes from the heap, already
#: mapped: no work buffer then (its look-up would cost more than it saves on a small call).
SCRATCH_MAX, SCRATCH_MIN = 8 << 20, 1 << 17
_scratch = threading.local()


def _work_buffer(symbols: np.ndarray, blocks: np.ndarray):
    # a small call (its bound, about 4 n bytes, below SCRATCH_MIN) writes into the bytes object itself
    if not blocks.size or 4 * symbols.size < SCRATCH_MIN:
        return None
    need = _huffman.payload_bound(symbols.size, int(blocks.max()), blocks.size, symbols.dtype.itemsize)
    if need > SCRATCH_MAX:
        return None
    buf = getattr(_scratch, "buf", None)
    if buf is None or buf.size < need:
        buf = np.empty(max(need, 1 << 16), dtype=np.uint8)
        _scratch.buf = buf
    return buf


def _symbol_dtype(alphabet_size: int):
    return np.uint8 if alphabet_size <= 256 else np.uint16 if alphabet_size <= 65536 else np.uint32


def decode(param: int, model: bytes, payload: bytes, n: int, alphabet_size: int) -> np.ndarray:
    """Inverse of :func:`encode`: the n symbols, or :class:`CorruptDataError` for a damaged stream."""
    if n < 0:
        raise CorruptDataError(f"negative symbol count {n}")
    out = np.empty(n, dtype=_symbol_dtype(alphabet_size) if 0 <= alphabet_size <= MAX_ALPHABET else np.uint8)
    decode_into(param, model, payload, out, alphabet_size)
    return out


def decode_into(param: int, model, payload, out: np.ndarray, alphabet_size: int) -> None:
    """:func:`decode` into ``out`` (a writable C-contiguous array of the n symbols, of the dtype
    :func:`decode` returns for ``alphabet_size``): the stream framing writes a block straight into its
    place in the result, with no array of its own and no copy. ``model`` and ``payload`` are any
    bytes-like objects (read in place). On :class:`CorruptDataError` ``out`` holds garbage."""
    if param != 0:
        raise CorruptDataError(f"unknown Huffman coder parameter {param}")
    if not 0 <= alphabet_size <= MAX_ALPHABET:
        raise CorruptDataError(f"alphabet of {alphabet_size} symbols is beyond the Huffman coder")
    if out.dtype != _symbol_dtype(alphabet_size) or out.ndim != 1:
        raise TypeError(f"out must be a 1-D {np.dtype(_symbol_dtype(alphabet_size))} array for an alphabet of "
                        f"{alphabet_size} symbols, got {out.ndim}-D {out.dtype}")
    rc = _huffman.decode_native(np.frombuffer(model, dtype=np.uint8), np.frombuffer(payload, dtype=np.uint8),
                                out, alphabet_size)
    if rc:
        raise CorruptDataError(_huffman.ERRORS.get(rc, "corrupt Huffman stream"))


assert STREAMS == 4
