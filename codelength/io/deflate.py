"""Huffman-only DEFLATE: standard raw DEFLATE, zlib and gzip streams that any inflater reads.

The stream is made of dynamic-Huffman blocks (RFC 1951, 3.2.7) holding literals only, no matches: each
block has its own optimal literal code with words of at most 15 bits (package-merge when Huffman's code
is longer), its code lengths coded with the code-length code as the RFC prescribes, and an end-of-block
code. Blocks are split where the byte statistics change (see :func:`codelength.huffman.block_lengths`),
then neighbours merge by exact cost, and zlib's layout (blocks of 32767 literals) is taken instead when it
is smaller in all (``_deflate.plan_deflate_blocks``, docs/huffman.md).
The output is comparable with ``zlib.compressobj(level, zlib.DEFLATED, wbits, 9, zlib.Z_HUFFMAN_ONLY)``.

Reached through ``codelength.compress(data, format="gzip" | "zlib" | "deflate")``.
"""
from __future__ import annotations

import struct
import zlib

import numpy as np

from . import _deflate
from ..coders import _blocks
from ..coders.huffman import _check_int, block_lengths
from ..reference.huffman import DEFLATE_HEADER_BITS

__all__ = ["compress", "FORMATS"]

FORMATS = ("gzip", "zlib", "deflate")
_ZLIB_HEADER = b"\x78\x01"  # deflate, 32 KiB window, no dictionary, "fastest" level; (0x7801 % 31 == 0)


def _as_bytes(data) -> np.ndarray:
    if isinstance(data, np.ndarray):
        if data.dtype != np.uint8:
            raise TypeError(f"DEFLATE streams hold bytes; got an array of {data.dtype} "
                            "(use the native format for integer symbols)")
        return np.ascontiguousarray(data.reshape(-1))
    try:
        view = memoryview(data)
    except TypeError:
        raise TypeError(f"DEFLATE streams hold bytes; got {type(data).__name__}") from None
    return np.frombuffer(view.cast("B") if view.ndim == 1 and view.itemsize == 1 else view.tobytes(),
                         dtype=np.uint8)


def raw_deflate(data, block_size: int | None = None) -> bytes:
    """A raw DEFLATE stream (no header or trailer) of Huffman-only blocks."""
    array = _as_bytes(data)
    if block_size is None:
        # the adaptive split counts every chunk anyway: hand the blocks' counts to the writer
        blocks, counts = _blocks.split_blocks(array, 256, float(DEFLATE_HEADER_BITS), True)
        # neighbours merged by exact cost; zlib's split instead when that takes fewer bits
        blocks, counts = _deflate.plan_deflate_blocks(array, blocks, counts)
        return _deflate.deflate_raw(array, blocks, counts)
    return _deflate.deflate_raw(array, block_lengths(array, 256, block_size, DEFLATE_HEADER_BITS))


def compress(data, format: str = "gzip", *, block_size: int | None = None, mtime: int = 0) -> bytes:
    """Huffman-only DEFLATE compression of bytes.

    Parameters
    ----------
    data : bytes-like or uint8 array
    format : {"gzip", "zlib", "deflate"}
        gzip (RFC 1952: 10-byte header, CRC-32 and length trailer), zlib (RFC 1950: 2-byte header,
        Adler-32 trailer) or a raw DEFLATE stream (``zlib.decompress(s, -15)``).
    block_size : int, optional
        Bytes per block; default: adaptive split.
    mtime : int
        Modification time stored in the gzip header, seconds since 1970, 0..2**32 - 1 (default 0: none,
        so the output is reproducible).

    Returns
    -------
    bytes

    Raises
    ------
    ValueError
        For an unknown format, ``block_size < 1`` or ``mtime`` outside 0..2**32 - 1.
    TypeError
        For data that is not bytes or a uint8 array, or non-integer ``block_size`` / ``mtime``.
    """
    if not isinstance(format, str) or format not in FORMATS:
        raise ValueError(f"unknown DEFLATE format {format!r}; choose one of {', '.join(FORMATS)}")
    mtime = _check_int("mtime", mtime, 0, 0xFFFFFFFF)  # the header's 32-bit field: no silent wrap
    array = _as_bytes(data)
    body = raw_deflate(array, block_size)
    if format == "deflate":
        return body
    if format == "zlib":
        return b"".join((_ZLIB_HEADER, body, struct.pack(">I", zlib.adler32(array))))
    header = b"\x1f\x8b\x08\x00" + struct.pack("<I", mtime) + b"\x00\xff"
    trailer = struct.pack("<II", zlib.crc32(array), array.size & 0xFFFFFFFF)
    return b"".join((header, body, trailer))
