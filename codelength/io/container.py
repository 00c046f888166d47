"""The one container format of codelength: a self-describing frame around every coder's output.

Layout (all integers little-endian; see docs/format.md)::

    offset size field
    0      4    magic b"CLEN"
    4      1    format version (1)
    5      1    coder id (see codelength.coders)
    6      1    coder parameter (e.g. context order; 0 when unused)
    7      1    symbol kind: 0 = bytes, else a numpy dtype code (see SYMBOL_KINDS)
    8      8    n, the number of symbols
    16     4    alphabet size
    20     4    CRC-32 of the original data (bytes; arrays as little-endian bytes of their dtype)
    24     4    model length m
    28     8    payload length p
    36     4    CRC-32 of bytes [0, 36) followed by the model
    40     m    model (coder specific: code lengths, quantised frequencies, ...)
    40+m   p    payload (the coded bits)

The header CRC protects every field a decoder sizes its work by, so a damaged header can never
make a decoder allocate or loop by a corrupted count; the data CRC catches a damaged payload.
"""
from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from ..stats.counting import byte_view
from ..errors import CorruptDataError

MAGIC = b"CLEN"
VERSION = 1
_FIXED = struct.Struct("<4sBBBBQIIIQ")
HEADER_SIZE = _FIXED.size + 4  # fixed fields, then the header CRC

# symbol kind byte -> numpy dtype string (None for plain bytes)
SYMBOL_KINDS = {0: None, 1: "<u1", 2: "<u2", 3: "<u4", 4: "<u8", 5: "<i1", 6: "<i2", 7: "<i4", 8: "<i8"}
KIND_OF_DTYPE = {v: k for k, v in SYMBOL_KINDS.items() if v is not None}


@dataclass(frozen=True)
class Frame:
    """The fields of one container frame."""

    coder_id: int
    param: int
    kind: int
    n: int
    alphabet_size: int
    crc: int
    model: bytes
    payload: bytes | memoryview


def pack(frame: Frame) -> bytes:
    """Serialise a frame to bytes."""
    fixed = _FIXED.pack(MAGIC, VERSION, frame.coder_id, frame.param, frame.kind, frame.n,
                        frame.alphabet_size, frame.crc, len(frame.model), len(frame.payload))
    header_crc = zlib.crc32(frame.model, zlib.crc32(fixed))
    return b"".join((fixed, struct.pack("<I", header_crc), frame.model, frame.payload))


def is_frame(blob) -> bool:
    """True when ``blob`` starts with the container's magic bytes."""
    return bytes(byte_view(blob)[:4]) == MAGIC


def unpack(blob) -> Frame:
    """Parse and check a frame; raise CorruptDataError for anything that is not a whole, intact frame."""
    view = byte_view(blob)
    if len(view) < HEADER_SIZE:
        raise CorruptDataError(f"stream too short for a codelength header ({len(view)} < {HEADER_SIZE} bytes)")
    (magic, version, coder_id, param, kind, n, alphabet_size, crc, model_len,
     payload_len) = _FIXED.unpack_from(view, 0)
    if magic != MAGIC:
        raise CorruptDataError("not a codelength stream (bad magic bytes)")
    if version != VERSION:
        raise CorruptDataError(f"unsupported codelength format version {version} (this reader knows {VERSION})")
    (header_crc,) = struct.unpack_from("<I", view, _FIXED.size)
    end_model = HEADER_SIZE + model_len
    if end_model > len(view):
        raise CorruptDataError("stream truncated inside the model section")
    model = bytes(view[HEADER_SIZE:end_model])
    if zlib.crc32(model, zlib.crc32(view[:_FIXED.size])) != header_crc:
        raise CorruptDataError("header checksum mismatch: the header or model is corrupted")
    if kind not in SYMBOL_KINDS:
        raise CorruptDataError(f"unknown symbol kind {kind}")
    end_payload = end_model + payload_len
    if end_payload > len(view):
        raise CorruptDataError(f"stream truncated: payload needs {payload_len} bytes, "
                               f"{len(view) - end_model} present")
    if end_payload < len(view):
        raise CorruptDataError(f"{len(view) - end_payload} bytes of trailing data after the payload")
    # the payload stays a zero-copy view into ``blob``: decoders only read it
    return Frame(coder_id, param, kind, n, alphabet_size, crc, model, view[end_model:end_payload])
