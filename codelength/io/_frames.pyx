# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# cython: freethreading_compatible=True
"""The one-shot decoder's fast path through a stream that is one single-block byte frame (what
``compress`` writes for an input of up to one block): the frame header, the block record and the head
CRC-32 parsed in one C call instead of some forty Python-level steps (about 3 us of a 100-byte decode).

It accepts only what :mod:`codelength.io.stream`'s parser accepts, with the same fields, and returns
None for everything else (a multi-block frame, symbols wider than bytes, an empty frame, trailing data,
anything damaged, truncated or out of bounds): the caller then runs that parser, which raises the
precise error. The twin is :func:`codelength.reference.frames.parse_single` (the stream parser itself,
read into the same tuple); tests hold the two equal on valid, mutated and truncated streams.
"""
from libc.stdint cimport uint8_t, uint32_t, uint64_t

cdef uint32_t CRC_TABLE[256]


cdef void _crc_init() noexcept:
    cdef uint32_t c, n, k
    for n in range(256):
        c = n
        for k in range(8):
            c = (c >> 1) ^ 0xEDB88320u if c & 1 else c >> 1
        CRC_TABLE[n] = c


_crc_init()


cdef inline uint32_t _crc(uint32_t crc, const uint8_t* p, Py_ssize_t n) noexcept nogil:
    """CRC-32 (zlib's): ``_crc(_crc(0, a), b) == zlib.crc32(b, zlib.crc32(a))``; headers are short."""
    cdef Py_ssize_t i
    crc = ~crc
    for i in range(n):
        crc = CRC_TABLE[(crc ^ p[i]) & 0xFF] ^ (crc >> 8)
    return ~crc


cdef inline int _varint(const uint8_t* buf, Py_ssize_t end, Py_ssize_t* pos, uint64_t limit,
                        uint64_t* value) noexcept nogil:
    """stream._read_varint: 0 and the value, or -1 where that raises (past the end, above ``limit``, an
    over-long encoding)."""
    cdef uint64_t v = 0, byte
    cdef int shift = 0
    cdef Py_ssize_t p = pos[0]
    while True:
        if p >= end:
            return -1
        byte = buf[p]
        p += 1
        if byte & 0x7F:
            if shift > 56:
                return -1             # the value would exceed any limit here
            v |= (byte & 0x7F) << shift
        if v > limit:
            return -1
        if byte < 0x80:
            if byte == 0 and shift:
                return -1
            pos[0] = p
            value[0] = v
            return 0
        shift += 7


cdef inline uint32_t _le32(const uint8_t* p) noexcept nogil:
    return <uint32_t>p[0] | (<uint32_t>p[1] << 8) | (<uint32_t>p[2] << 16) | (<uint32_t>p[3] << 24)


def parse_single(const uint8_t[::1] buf, uint64_t max_block, uint64_t max_alphabet, uint64_t known_coders):
    """The fields of a stream that is exactly one single-block frame of bytes, or None.

    Returns ``(coder_id, param, header_end, n, block_type, symbol, model_start, model_len, payload_len,
    check)``: ``block_type`` 0 coded, 1 run, 2 stored (stream.CODED, RUN, STORED); the model at
    ``buf[model_start:model_start + model_len]``, the payload right after it, then the data check;
    ``header_end`` ends the frame header (the bytes the frame's ``header`` field holds). ``max_block``:
    stream.MAX_BLOCK; ``max_alphabet``: the largest alphabet a record may declare (oneshot.MAX_ALPHABET);
    ``known_coders``: a bit mask of the coder ids with a decoder (a coded block of another is None).
    """
    cdef Py_ssize_t end = buf.shape[0], pos = 0, head, head_end, mstart
    cdef const uint8_t* b
    cdef uint32_t tag, ext, coder_id, param = 0, crc
    cdef uint64_t n, shape, symbol = 0, mlen = 0, plen = 0, limit, alphabet = 256
    cdef int btype
    if end < 6:
        return None
    b = &buf[0]
    tag = b[0]
    if (tag & 0xE0) != 0xC0 or not (tag & 0x02):        # a v2 frame, single-block
        return None
    coder_id = (tag >> 2) & 7
    if coder_id == 4:
        param = 2                                        # stream.IMPLIED_PARAM
    elif coder_id == 5:
        param = 16
    pos = 1
    if tag & 0x01:
        ext = b[1]
        pos = 2
        if ext & ~(<uint32_t>0x1F) or (ext & 0x0F) != 0:  # reserved bits, or symbols wider than bytes
            return None
        if ext & 0x10:
            if end < 3:
                return None
            param = b[2]
            pos = 3
    if _varint(b, end, &pos, max_block, &n) != 0 or n == 0:
        return None
    head = pos
    # the block record of a single-block frame: its shape (no length: the header's n)
    limit = 8 * n + 8 * max_alphabet + (1 << 16)         # stream.record_limit(n, MAX_ALPHABET)
    if _varint(b, end, &pos, limit + 2, &shape) != 0:
        return None
    if shape == 0:
        btype = 1
        if _varint(b, end, &pos, 255, &symbol) != 0:
            return None
    elif shape == 1:
        btype = 2
        plen = n
    else:
        btype = 0
        mlen = shape - 2
        limit = 8 * n + 8 * alphabet + (1 << 16)         # record_limit(n, 256)
        if mlen > limit:
            return None
        if _varint(b, end, &pos, limit - mlen, &plen) != 0:
            return None
    head_end = pos
    if <uint64_t>(end - head_end) < 4 + mlen:
        return None
    mstart = head_end + 4
    crc = _crc(_crc(0, b, head_end), b + mstart, <Py_ssize_t>mlen)
    if crc != _le32(b + head_end):
        return None
    if btype == 0 and not ((known_coders >> coder_id) & 1):
        return None
    if <uint64_t>(end - mstart) != mlen + plen + 4:      # exactly one frame: its block and its check
        return None
    return (coder_id, param, head, n, btype, symbol, mstart, mlen, plen, _le32(b + mstart + mlen + plen))
