# cython: language_level=3
"""The byte-oriented range coder core shared by the static range coder (_range.pyx) and the adaptive
coders (_adaptive.pyx): 64-bit low, 56-bit range, carries propagated into the bytes already written;
the decoder reads zeros past the end of its payload and reports it once it is more than RC_SLACK = 7
bytes past it. Inline helpers only (each coder module compiles its own copy), on the local state of
the calling kernel, so the compiler keeps that state in registers.
"""
from libc.stdint cimport uint8_t, uint32_t, uint64_t
from libc.stdlib cimport realloc, free
from libc.string cimport memcpy
from cpython.bytes cimport PyBytes_FromStringAndSize

cdef extern from *:
    """
    #define RC_TOP 0x100000000000000ULL         /* 2**56: range < RC_TOP */
    #define RC_BOT 0x1000000000000ULL           /* 2**48: renormalise while range < RC_BOT */
    #define RC_CARRY_FROM 0xFF000000000000ULL   /* low below this: no run of 0xFF bytes can start */
    #define RC_SLACK 7                          /* bytes a valid stream's decoder reads past its end */
    """
    const uint64_t RC_TOP
    const uint64_t RC_BOT
    const uint64_t RC_CARRY_FROM
    const Py_ssize_t RC_SLACK
    int __builtin_clzll(unsigned long long) nogil
    uint64_t __builtin_bswap64(uint64_t) nogil
    uint32_t __builtin_bswap32(uint32_t) nogil


# ----------------------------------------------------------------------------- range encoder core
# The coder state lives in local variables of each kernel (so the compiler keeps it in registers); the
# helpers below are inlined and take pointers to those locals. Carries propagate straight into the bytes
# already written (the twin holds back a byte and a count of 0xFF bytes instead: same output).

cdef inline uint8_t* out_grow(uint8_t* buf, Py_ssize_t* cap, Py_ssize_t need) noexcept nogil:
    """Grow the output buffer to at least ``need`` bytes; NULL (old buffer freed) when out of memory."""
    cdef Py_ssize_t size = cap[0] * 2
    if size < need:
        size = need
    cdef uint8_t* grown = <uint8_t*>realloc(buf, size)
    if grown == NULL:
        free(buf)
        return NULL
    cap[0] = size
    return grown


cdef inline void out_carry(uint8_t* buf, Py_ssize_t pos) noexcept nogil:
    """Add one to the number written so far (pos bytes, big-endian)."""
    cdef Py_ssize_t i = pos - 1
    while i >= 0 and buf[i] == 0xFF:
        buf[i] = 0
        i -= 1
    if i >= 0:
        buf[i] += 1


cdef inline void rc_narrow_at(uint64_t* low, uint64_t* rng, uint8_t* buf, uint8_t** at, uint64_t start,
                              uint64_t size) noexcept nogil:
    """low += start, range = size, then renormalise: write one byte per 8 bits of range spent, at
    ``at[0]`` (the next byte of the output that starts at ``buf``).

    Branch-free: always store the next 8 bytes of low and advance by the number of whole bytes the
    range lost (the buffer keeps 16 bytes of slack). A kernel that keeps several streams' write
    positions in locals passes pointers to them (_range.encode4).
    """
    cdef uint64_t lo = low[0] + start, r = size, word
    cdef int nb
    if lo >= RC_TOP:
        out_carry(buf, at[0] - buf)
        lo -= RC_TOP
    nb = (__builtin_clzll(r) - 8) >> 3          # r < 2**56, so clz >= 8; nb bytes bring r >= 2**48
    word = __builtin_bswap64(lo << 8)           # big-endian bytes of low, top byte first
    memcpy(at[0], &word, 8)
    at[0] += nb
    low[0] = (lo << (8 * nb)) & (RC_TOP - 1)
    rng[0] = r << (8 * nb)


cdef inline void rc_narrow(uint64_t* low, uint64_t* rng, uint8_t* buf, Py_ssize_t* pos,
                           uint64_t start, uint64_t size) noexcept nogil:
    """rc_narrow_at with the write position as an index into ``buf``."""
    cdef uint8_t* at = buf + pos[0]
    rc_narrow_at(low, rng, buf, &at, start, size)
    pos[0] = at - buf


cdef inline Py_ssize_t rc_flush(uint64_t low, uint64_t rng, uint8_t* buf, Py_ssize_t pos) noexcept nogil:
    """Write the value with most trailing zero bits in [low, low + range); drop the trailing zero bytes
    of that value (not bytes written before the flush: the decoder, 7 bytes ahead of the encoder, then
    reads at most RC_SLACK = 7 bytes past the end, so it can refuse a payload that runs out). Needs 7
    bytes of room."""
    cdef uint64_t high = low + rng, mask, value = low
    cdef Py_ssize_t start = pos
    cdef int k, j
    for k in range(1, 8):
        mask = ((<uint64_t>1) << (56 - 8 * k)) - 1
        value = (low + mask) & ~mask
        if value < high:
            break
    if value >= RC_TOP:
        out_carry(buf, pos)
        value -= RC_TOP
    for j in range(k):
        buf[pos] = <uint8_t>(value >> 48)
        pos += 1
        value = (value << 8) & (RC_TOP - 1)
    while pos > start and buf[pos - 1] == 0:    # the decoder reads zeros past the end
        pos -= 1
    return pos


cdef inline object out_bytes(uint8_t* buf, Py_ssize_t size):
    if buf == NULL:
        raise MemoryError("range coder output buffer")
    try:
        return PyBytes_FromStringAndSize(<char*>buf, size)
    finally:
        free(buf)


# ----------------------------------------------------------------------------- range decoder core
cdef inline uint64_t rd_byte(const uint8_t* buf, Py_ssize_t* pos, Py_ssize_t size) noexcept nogil:
    cdef Py_ssize_t p = pos[0]
    pos[0] = p + 1
    if p < size:
        return buf[p]
    return 0


cdef inline int rd_normalize(uint64_t* code, uint64_t* rng, const uint8_t* buf, Py_ssize_t* pos,
                             Py_ssize_t size) noexcept nogil:
    """Shift bytes into the code until range >= RC_BOT; past the end of the payload they read as zeros.
    Returns 1 once the decoder has read more than RC_SLACK bytes past the end (no valid stream does:
    the payload ran out), checked only off the fast path."""
    cdef uint64_t r = rng[0], word
    cdef int nb = (__builtin_clzll(r | 1) - 8) >> 3
    if pos[0] + 8 <= size:                      # fast path: one 8-byte load, no branch per byte
        memcpy(&word, buf + pos[0], 8)
        word = __builtin_bswap64(word) >> 8     # the next 7 bytes, big-endian
        code[0] = (code[0] << (8 * nb)) | (word >> (56 - 8 * nb))
        pos[0] += nb
        rng[0] = r << (8 * nb)
        return 0
    while rng[0] < RC_BOT:
        rng[0] <<= 8
        code[0] = (code[0] << 8) | rd_byte(buf, pos, size)
    return pos[0] > size + RC_SLACK


cdef inline uint64_t rd_init(const uint8_t* buf, Py_ssize_t* pos, Py_ssize_t size) noexcept nogil:
    cdef uint64_t code = 0
    cdef int j
    for j in range(7):
        code = (code << 8) | rd_byte(buf, pos, size)
    return code



cdef inline bint rd_start(const uint8_t* buf, Py_ssize_t size, Py_ssize_t* pos, uint64_t* code,
                          uint64_t* rng) noexcept nogil:
    """How the adaptive decoders open: the range at its top and the first 7 code bytes; False when the code
    already lies outside the range (a corrupt payload)."""
    rng[0] = RC_TOP - 1
    code[0] = rd_init(buf, pos, size)
    return code[0] < rng[0]
