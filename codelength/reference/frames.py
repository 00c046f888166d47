"""Pure-Python twin of :mod:`codelength.io._frames`: the one-shot decoder's parse of a stream that is
one single-block byte frame, written out step by step as docs/format.md and the stream parser
(:func:`codelength.io.stream._parse_header`, ``_parse_block``) define it. ``None`` wherever that parser
raises or the stream is not that simple case.
"""
from __future__ import annotations

import zlib


def _varint(buf, pos, limit):
    value = shift = 0
    while True:
        if pos >= len(buf):
            return None
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if value > limit:
            return None
        if byte < 0x80:
            if byte == 0 and shift:
                return None
            return value, pos
        shift += 7


def parse_single(buf, max_block, max_alphabet, known_coders):
    """Twin of ``_frames.parse_single``: ``(coder_id, param, header_end, n, block_type, symbol,
    model_start, model_len, payload_len, check)`` or None."""
    buf = bytes(buf)
    if len(buf) < 6:
        return None
    tag = buf[0]
    if tag & 0xE0 != 0xC0 or not tag & 0x02:
        return None
    coder_id = (tag >> 2) & 7
    param = {4: 2, 5: 16}.get(coder_id, 0)
    pos = 1
    if tag & 0x01:
        ext = buf[1]
        pos = 2
        if ext & ~0x1F or ext & 0x0F:
            return None
        if ext & 0x10:
            if len(buf) < 3:
                return None
            param = buf[2]
            pos = 3
    got = _varint(buf, pos, max_block)
    if got is None or got[0] == 0:
        return None
    n, pos = got
    head = pos
    got = _varint(buf, pos, 8 * n + 8 * max_alphabet + (1 << 16) + 2)
    if got is None:
        return None
    shape, pos = got
    symbol = mlen = plen = 0
    if shape == 0:
        btype = 1
        got = _varint(buf, pos, 255)
        if got is None:
            return None
        symbol, pos = got
    elif shape == 1:
        btype, plen = 2, n
    else:
        btype, mlen = 0, shape - 2
        limit = 8 * n + 8 * 256 + (1 << 16)
        if mlen > limit:
            return None
        got = _varint(buf, pos, limit - mlen)
        if got is None:
            return None
        plen, pos = got
    head_end = pos
    if len(buf) - head_end < 4 + mlen:
        return None
    mstart = head_end + 4
    if zlib.crc32(buf[mstart:mstart + mlen], zlib.crc32(buf[:head_end])) != int.from_bytes(buf[head_end:mstart], "little"):
        return None
    if btype == 0 and not (known_coders >> coder_id) & 1:
        return None
    if len(buf) - mstart != mlen + plen + 4:
        return None
    end = mstart + mlen + plen
    return (coder_id, param, head, n, btype, symbol, mstart, mlen, plen, int.from_bytes(buf[end:end + 4], "little"))
