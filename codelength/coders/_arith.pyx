# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: freethreading_compatible=True
"""Arithmetic-coding kernels: range coder, rANS, adaptive order-0 and binary context models.

Every kernel has a pure-Python twin in codelength/reference/arith.py that defines it (bit-identical
payloads). The loops run without the GIL on input the Python layer (codelength/arithmetic.py) has
validated: symbol values index the frequency tables, every coded symbol has a nonzero frequency.
Decoders are safe on any payload: reads are bounded (the range decoders read zeros past the end and
stop with an error once they are more than RC_SLACK = 7 bytes past it, rANS stops with an error at the
end), table indices are bounded by construction, and every loop runs at most n steps.

Thread safety (the module is declared ``freethreading_compatible``): every coder keeps its state in
local variables and buffers of its own call, writes only to the arrays it is given, and the
module-level tables are filled once, at import; calls from many threads at once are independent.
"""
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t, int16_t, int32_t, int64_t
from libc.stdlib cimport malloc, calloc, realloc, free
from libc.string cimport memcpy
from cpython.bytes cimport PyBytes_FromStringAndSize

import numpy as np

from ..errors import CorruptDataError

ctypedef fused symbol_t:
    uint8_t
    uint16_t
    uint32_t

cdef extern from *:
    """
    #define RC_TOP 0x100000000000000ULL         /* 2**56: range < RC_TOP */
    #define RC_BOT 0x1000000000000ULL           /* 2**48: renormalise while range < RC_BOT */
    #define RC_CARRY_FROM 0xFF000000000000ULL   /* low below this: no run of 0xFF bytes can start */
    #define RC_SLACK 7                          /* bytes a valid stream's decoder reads past its end */
    #define RANS_L 0x800000U                    /* 2**23: rANS states live in [RANS_L, RANS_L << 8) */
    #define PROB_BITS 16
    #define COUNT_LIMIT 30
    #define ADAPT_INCREMENT 32U
    #define PROB_FLIP 0x8000U                   /* counters store p ^ 1/2: zeroed memory is p = 1/2, count 0 */
    #if defined(__x86_64__) || defined(_M_X64)
    #include <emmintrin.h>
    /* Add `inc` to run[j] for the j in 0..15 with j > after (after may be -1): four 4-wide vector adds
       (SSE2, part of x86-64), no branch on the data. */
    static inline void add_after(uint32_t* run, int after, uint32_t inc) {
        __m128i lim = _mm_set1_epi32(after), add = _mm_set1_epi32((int)inc);
        for (int q = 0; q < 4; q++) {
            __m128i idx = _mm_setr_epi32(4 * q, 4 * q + 1, 4 * q + 2, 4 * q + 3);
            __m128i v = _mm_loadu_si128((const __m128i*)(run + 4 * q));
            v = _mm_add_epi32(v, _mm_and_si128(_mm_cmpgt_epi32(idx, lim), add));
            _mm_storeu_si128((__m128i*)(run + 4 * q), v);
        }
    }
    #else
    static inline void add_after(uint32_t* run, int after, uint32_t inc) {
        for (int j = 0; j < 16; j++) run[j] += j > after ? inc : 0;
    }
    #endif
    /* The binary decoder's step: a 1 keeps [0, bound) of the range, a 0 the rest. On x86-64 both
       outcomes are computed and two conditional moves pick one (one cycle after the compare; compilers
       tend to branch here, and on high-entropy data that branch is a coin toss). */
    static inline uint32_t decide_bit(uint64_t* code, uint64_t* rng, uint64_t bound) {
        uint64_t c = *code, r = *rng, nr = r - bound, nc = c - bound;
    #if defined(__x86_64__) && defined(__GNUC__)
        __asm__("cmp %[b], %[c]; cmovb %[b], %[nr]; cmovb %[c], %[nc]"
                : [nr] "+&r" (nr), [nc] "+&r" (nc) : [b] "r" (bound), [c] "r" (c) : "cc");
    #else
        nr = c < bound ? bound : nr;
        nc = c < bound ? c : nc;
    #endif
        *code = nc;
        *rng = nr;
        return c < bound;
    }
    """
    const uint64_t RC_TOP
    const uint64_t RC_BOT
    const uint64_t RC_CARRY_FROM
    const Py_ssize_t RC_SLACK
    const uint32_t RANS_L
    const int PROB_BITS
    const int COUNT_LIMIT
    const uint32_t ADAPT_INCREMENT
    const uint32_t PROB_FLIP
    uint32_t decide_bit(uint64_t* code, uint64_t* rng, uint64_t bound) nogil
    void add_after(uint32_t* run, int after, uint32_t inc) nogil
    int __builtin_clzll(unsigned long long) nogil
    uint64_t __builtin_bswap64(uint64_t) nogil
    uint32_t __builtin_bswap32(uint32_t) nogil
    void* aligned_alloc(size_t alignment, size_t size) nogil
    void __builtin_prefetch(const void*) nogil

cdef uint32_t RATES[31]   # COUNT_LIMIT + 1
for _k in range(COUNT_LIMIT + 1):
    RATES[_k] = (2 << 16) // (2 * _k + 3)


# ----------------------------------------------------------------------------- range encoder core
# The coder state lives in local variables of each kernel (so the compiler keeps it in registers); the
# helpers below are inlined and take pointers to those locals. Carries propagate straight into the bytes
# already written (the twin holds back a byte and a count of 0xFF bytes instead: same output).

cdef uint8_t* out_grow(uint8_t* buf, Py_ssize_t* cap, Py_ssize_t need) noexcept nogil:
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


cdef void out_carry(uint8_t* buf, Py_ssize_t pos) noexcept nogil:
    """Add one to the number written so far (pos bytes, big-endian)."""
    cdef Py_ssize_t i = pos - 1
    while i >= 0 and buf[i] == 0xFF:
        buf[i] = 0
        i -= 1
    if i >= 0:
        buf[i] += 1


cdef inline void rc_narrow(uint64_t* low, uint64_t* rng, uint8_t* buf, Py_ssize_t* pos,
                           uint64_t start, uint64_t size) noexcept nogil:
    """low += start, range = size, then renormalise: write one byte per 8 bits of range spent.

    Branch-free: always store the next 8 bytes of low and advance by the number of whole bytes the
    range lost (the buffer keeps 16 bytes of slack).
    """
    cdef uint64_t lo = low[0] + start, r = size, word
    cdef int nb
    if lo >= RC_TOP:
        out_carry(buf, pos[0])
        lo -= RC_TOP
    nb = (__builtin_clzll(r) - 8) >> 3          # r < 2**56, so clz >= 8; nb bytes bring r >= 2**48
    word = __builtin_bswap64(lo << 8)           # big-endian bytes of low, top byte first
    memcpy(buf + pos[0], &word, 8)
    pos[0] += nb
    low[0] = (lo << (8 * nb)) & (RC_TOP - 1)
    rng[0] = r << (8 * nb)


cdef Py_ssize_t rc_flush(uint64_t low, uint64_t rng, uint8_t* buf, Py_ssize_t pos) noexcept nogil:
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


cdef object out_bytes(uint8_t* buf, Py_ssize_t size):
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


# ----------------------------------------------------------------------------- static range coder
def range_encode(const symbol_t[::1] symbols, const uint32_t[::1] freq, const uint32_t[::1] cum, int bits,
                 Py_ssize_t start=0, Py_ssize_t step=1):
    """Static range coding of ``symbols[start::step]`` under total 2**bits (values index ``freq``/``cum``,
    every coded symbol has a nonzero frequency). Interleaved streams are coded one after another."""
    cdef Py_ssize_t i, n = symbols.shape[0], pos = 0
    cdef Py_ssize_t count = (n - start + step - 1) // step if n > start else 0
    cdef Py_ssize_t cap = count * (bits + 1) // 8 + 64
    cdef uint64_t low = 0, rng = RC_TOP - 1, r
    cdef symbol_t s
    cdef uint8_t* buf
    if step < 1 or start < 0:
        raise ValueError("bad stride")
    buf = <uint8_t*>malloc(cap)
    if buf == NULL:
        raise MemoryError
    with nogil:
        i = start
        while i < n:
            if pos + 16 > cap:       # never, by the capacity bound; kept for safety
                buf = out_grow(buf, &cap, pos + 16)
                if buf == NULL:
                    break
            s = symbols[i]
            r = rng >> bits
            rc_narrow(&low, &rng, buf, &pos, cum[s] * r, freq[s] * r)
            i += step
        if buf != NULL:
            pos = rc_flush(low, rng, buf, pos)
    return out_bytes(buf, pos)


def range_encode2(const symbol_t[::1] symbols, const uint32_t[::1] freq, const uint32_t[::1] cum, int bits):
    """The two streams of ``range_encode(symbols, ..., j, 2)`` for j = 0, 1, coded in one interleaved pass."""
    cdef Py_ssize_t i, n = symbols.shape[0]
    cdef Py_ssize_t cap = (n // 2 + 1) * (bits + 1) // 8 + 64
    cdef uint64_t l0 = 0, l1 = 0, r
    cdef uint64_t g0 = RC_TOP - 1, g1 = RC_TOP - 1
    cdef Py_ssize_t p0 = 0, p1 = 0
    cdef uint8_t* b0 = <uint8_t*>malloc(cap)
    cdef uint8_t* b1 = <uint8_t*>malloc(cap)
    cdef const uint32_t* f = &freq[0]
    cdef const uint32_t* c = &cum[0]
    cdef const symbol_t* sym = &symbols[0] if n else NULL
    cdef symbol_t s
    if b0 == NULL or b1 == NULL:
        free(b0)
        free(b1)
        raise MemoryError
    with nogil:
        i = 0
        while i + 2 <= n:
            s = sym[i]
            r = g0 >> bits
            rc_narrow(&l0, &g0, b0, &p0, c[s] * r, f[s] * r)
            s = sym[i + 1]
            r = g1 >> bits
            rc_narrow(&l1, &g1, b1, &p1, c[s] * r, f[s] * r)
            i += 2
        if i < n:
            s = sym[i]
            r = g0 >> bits
            rc_narrow(&l0, &g0, b0, &p0, c[s] * r, f[s] * r)
        p0 = rc_flush(l0, g0, b0, p0)
        p1 = rc_flush(l1, g1, b1, p1)
    return [out_bytes(b0, p0), out_bytes(b1, p1)]


def range_encode4(const symbol_t[::1] symbols, const uint32_t[::1] freq, const uint32_t[::1] cum, int bits):
    """The four streams of ``range_encode(symbols, ..., j, 4)`` for j = 0..3, coded in one interleaved pass
    (four independent dependency chains); returns a list of four bytes objects."""
    cdef Py_ssize_t i, n = symbols.shape[0], j
    cdef Py_ssize_t cap = (n // 4 + 1) * (bits + 1) // 8 + 64
    cdef uint64_t l0 = 0, l1 = 0, l2 = 0, l3 = 0, r
    cdef uint64_t g0 = RC_TOP - 1, g1 = RC_TOP - 1, g2 = RC_TOP - 1, g3 = RC_TOP - 1
    cdef Py_ssize_t p0 = 0, p1 = 0, p2 = 0, p3 = 0
    cdef uint8_t* b0 = <uint8_t*>malloc(cap)
    cdef uint8_t* b1 = <uint8_t*>malloc(cap)
    cdef uint8_t* b2 = <uint8_t*>malloc(cap)
    cdef uint8_t* b3 = <uint8_t*>malloc(cap)
    cdef const uint32_t* f = &freq[0]
    cdef const uint32_t* c = &cum[0]
    cdef symbol_t s
    if b0 == NULL or b1 == NULL or b2 == NULL or b3 == NULL:
        free(b0)
        free(b1)
        free(b2)
        free(b3)
        raise MemoryError
    with nogil:
        i = 0
        while i + 4 <= n:                       # the capacity bound holds: no growth needed
            s = symbols[i]
            r = g0 >> bits
            rc_narrow(&l0, &g0, b0, &p0, c[s] * r, f[s] * r)
            s = symbols[i + 1]
            r = g1 >> bits
            rc_narrow(&l1, &g1, b1, &p1, c[s] * r, f[s] * r)
            s = symbols[i + 2]
            r = g2 >> bits
            rc_narrow(&l2, &g2, b2, &p2, c[s] * r, f[s] * r)
            s = symbols[i + 3]
            r = g3 >> bits
            rc_narrow(&l3, &g3, b3, &p3, c[s] * r, f[s] * r)
            i += 4
        if i < n:
            s = symbols[i]
            r = g0 >> bits
            rc_narrow(&l0, &g0, b0, &p0, c[s] * r, f[s] * r)
        if i + 1 < n:
            s = symbols[i + 1]
            r = g1 >> bits
            rc_narrow(&l1, &g1, b1, &p1, c[s] * r, f[s] * r)
        if i + 2 < n:
            s = symbols[i + 2]
            r = g2 >> bits
            rc_narrow(&l2, &g2, b2, &p2, c[s] * r, f[s] * r)
        p0 = rc_flush(l0, g0, b0, p0)
        p1 = rc_flush(l1, g1, b1, p1)
        p2 = rc_flush(l2, g2, b2, p2)
        p3 = rc_flush(l3, g3, b3, p3)
    return [out_bytes(b0, p0), out_bytes(b1, p1), out_bytes(b2, p2), out_bytes(b3, p3)]


cdef inline symbol_t rd_static(uint64_t* code, uint64_t* rng, const uint8_t* buf, Py_ssize_t* pos,
                               Py_ssize_t size, const uint32_t* freq, const uint32_t* cum,
                               const symbol_t* slot_symbol, int bits, int* bad) noexcept nogil:
    """Decode one symbol of a static range-coded stream (flags ``bad`` on a target outside the total or
    a payload that ran out)."""
    cdef uint64_t r = rng[0] >> bits
    cdef uint64_t t = code[0] // r
    cdef symbol_t s
    if t >> bits:
        bad[0] = 1
        t = 0
    s = slot_symbol[t]
    code[0] -= cum[s] * r
    rng[0] = freq[s] * r
    if rd_normalize(code, rng, buf, pos, size):
        bad[0] = 1
    return s


def range_decode(const uint8_t[::1] payload, const int64_t[::1] offsets, const uint32_t[::1] freq,
                 const uint32_t[::1] cum, const symbol_t[::1] slot_symbol, int bits, symbol_t[::1] out):
    """Inverse of :func:`range_encode` over ``S = len(offsets) - 1`` interleaved streams: symbol i comes
    from stream i % S, stored in ``payload[offsets[j]:offsets[j+1]]``. ``slot_symbol[t]`` is the symbol
    whose interval holds ``t``. Streams 1, 2 and 4 decode interleaved (independent dependency chains)."""
    cdef Py_ssize_t i, n = out.shape[0], streams = offsets.shape[0] - 1
    cdef const uint8_t* base
    cdef const uint8_t* b[8]
    cdef Py_ssize_t sz[8]
    cdef Py_ssize_t p[8]
    cdef uint64_t c[8]
    cdef uint64_t g[8]
    cdef Py_ssize_t p0 = 0, p1 = 0, p2 = 0, p3 = 0
    cdef uint64_t c0, c1, c2, c3, g0, g1, g2, g3
    cdef int j, bad = 0
    cdef symbol_t* dst
    cdef const symbol_t* slots = &slot_symbol[0]
    if n == 0:
        return
    if not 1 <= streams <= 8:
        raise ValueError("1..8 streams")
    if slot_symbol.shape[0] != (<Py_ssize_t>1 << bits):
        raise ValueError("slot table must have 2**bits entries")
    if offsets[0] != 0 or offsets[streams] > payload.shape[0]:
        raise ValueError("bad stream offsets")
    for j in range(streams):
        if offsets[j + 1] < offsets[j]:
            raise ValueError("bad stream offsets")
    base = &payload[0] if payload.shape[0] else NULL
    dst = &out[0]
    with nogil:
        for j in range(streams):
            b[j] = base + offsets[j] if base != NULL else NULL
            sz[j] = offsets[j + 1] - offsets[j]
            p[j] = 0
            c[j] = rd_init(b[j], &p[j], sz[j])
            g[j] = RC_TOP - 1
            if c[j] >= g[j]:
                bad = 1
        i = 0
        if not bad and streams == 4:
            c0, c1, c2, c3 = c[0], c[1], c[2], c[3]
            g0, g1, g2, g3 = g[0], g[1], g[2], g[3]
            p0, p1, p2, p3 = p[0], p[1], p[2], p[3]
            while i + 4 <= n and not bad:
                dst[i] = rd_static(&c0, &g0, b[0], &p0, sz[0], &freq[0], &cum[0], slots, bits, &bad)
                dst[i + 1] = rd_static(&c1, &g1, b[1], &p1, sz[1], &freq[0], &cum[0], slots, bits, &bad)
                dst[i + 2] = rd_static(&c2, &g2, b[2], &p2, sz[2], &freq[0], &cum[0], slots, bits, &bad)
                dst[i + 3] = rd_static(&c3, &g3, b[3], &p3, sz[3], &freq[0], &cum[0], slots, bits, &bad)
                i += 4
            c[0], c[1], c[2], c[3] = c0, c1, c2, c3
            g[0], g[1], g[2], g[3] = g0, g1, g2, g3
            p[0], p[1], p[2], p[3] = p0, p1, p2, p3
        elif not bad and streams == 2:
            c0, c1, g0, g1, p0, p1 = c[0], c[1], g[0], g[1], p[0], p[1]
            while i + 2 <= n and not bad:
                dst[i] = rd_static(&c0, &g0, b[0], &p0, sz[0], &freq[0], &cum[0], slots, bits, &bad)
                dst[i + 1] = rd_static(&c1, &g1, b[1], &p1, sz[1], &freq[0], &cum[0], slots, bits, &bad)
                i += 2
            c[0], c[1], g[0], g[1], p[0], p[1] = c0, c1, g0, g1, p0, p1
        elif not bad and streams == 1:
            c0, g0, p0 = c[0], g[0], p[0]
            while i < n and not bad:
                dst[i] = rd_static(&c0, &g0, b[0], &p0, sz[0], &freq[0], &cum[0], slots, bits, &bad)
                i += 1
        if not bad:
            j = <int>(i % streams)
            while i < n and not bad:
                dst[i] = rd_static(&c[j], &g[j], b[j], &p[j], sz[j], &freq[0], &cum[0], slots, bits, &bad)
                i += 1
                j += 1
                if j == streams:
                    j = 0
    if bad:
        raise CorruptDataError("range coder payload is corrupted")


# ----------------------------------------------------------------------------- rANS
cdef struct RansSym:
    uint32_t x_max
    uint32_t rcp_freq
    uint32_t bias
    uint32_t cmpl_freq
    uint32_t rcp_shift


cdef inline uint32_t rans_put(uint32_t x, const RansSym* e, uint8_t* buf, Py_ssize_t* pos) noexcept nogil:
    """One encoding step; renormalisation writes the low bytes of x below pos (branch-free store)."""
    cdef uint32_t q, word
    cdef uint64_t xm = e.x_max
    cdef int nb = (x >= xm) + (x >= (xm << 8)) + (x >= (xm << 16))
    word = __builtin_bswap32(x)
    memcpy(buf + pos[0] - 4, &word, 4)
    pos[0] -= nb
    x = <uint32_t>((<uint64_t>x) >> (8 * nb))
    q = <uint32_t>((<uint64_t>x * e.rcp_freq) >> 32) >> e.rcp_shift
    return x + e.bias + q * e.cmpl_freq


def rans_encode(const symbol_t[::1] symbols, const uint32_t[::1] freq, const uint32_t[::1] cum,
                int bits, int streams):
    """Static rANS, ``streams`` interleaved 32-bit states (symbol i uses state i % streams), byte renormalisation.

    Division by the frequency is a multiplication by a reciprocal (exact for states below 2**31, as in
    ryg_rans); the twin divides.
    """
    cdef Py_ssize_t i, n = symbols.shape[0], k = freq.shape[0], pos, cap
    cdef uint32_t states[8]
    cdef uint32_t x0, x1, x2, x3, f, shift
    cdef int j
    cdef RansSym* table
    cdef RansSym* e
    if n == 0:
        return b""
    if not 1 <= streams <= 8:
        raise ValueError("streams must be 1..8")
    table = <RansSym*>malloc(k * sizeof(RansSym) + 1)
    if table == NULL:
        raise MemoryError
    for i in range(k):
        f = freq[i]
        e = &table[i]
        e.x_max = ((RANS_L >> bits) << 8) * f
        e.cmpl_freq = (<uint32_t>1 << bits) - f
        if f < 2:
            e.rcp_freq = 0xFFFFFFFF
            e.rcp_shift = 0
            e.bias = cum[i] + (<uint32_t>1 << bits) - 1
        else:
            shift = 0
            while f > (<uint32_t>1 << shift):
                shift += 1
            e.rcp_freq = <uint32_t>((((<uint64_t>1) << (shift + 31)) + f - 1) // f)
            e.rcp_shift = shift - 1
            e.bias = cum[i]
    cap = 4 * streams + n * ((bits + 7) // 8) + 16
    buffer = np.empty(cap, dtype=np.uint8)
    cdef uint8_t[::1] view = buffer
    cdef uint8_t* buf = &view[0]
    pos = cap
    with nogil:
        for j in range(streams):
            states[j] = RANS_L
        i = n - 1
        if streams == 4:
            while i >= 0 and i % 4 != 3:          # the last, incomplete group
                states[i % 4] = rans_put(states[i % 4], &table[symbols[i]], buf, &pos)
                i -= 1
            x0, x1, x2, x3 = states[0], states[1], states[2], states[3]
            while i >= 3:
                x3 = rans_put(x3, &table[symbols[i]], buf, &pos)
                x2 = rans_put(x2, &table[symbols[i - 1]], buf, &pos)
                x1 = rans_put(x1, &table[symbols[i - 2]], buf, &pos)
                x0 = rans_put(x0, &table[symbols[i - 3]], buf, &pos)
                i -= 4
            states[0], states[1], states[2], states[3] = x0, x1, x2, x3
        else:
            j = <int>((n - 1) % streams)
            for i in range(n - 1, -1, -1):
                states[j] = rans_put(states[j], &table[symbols[i]], buf, &pos)
                j -= 1
                if j < 0:
                    j = streams - 1
        for j in range(streams - 1, -1, -1):
            x0 = states[j]
            pos -= 4
            buf[pos] = <uint8_t>x0
            buf[pos + 1] = <uint8_t>(x0 >> 8)
            buf[pos + 2] = <uint8_t>(x0 >> 16)
            buf[pos + 3] = <uint8_t>(x0 >> 24)
    free(table)
    return PyBytes_FromStringAndSize(<char*>&buf[pos], cap - pos)


cdef inline uint32_t rans_get(uint32_t x, const uint64_t* info, const symbol_t* slot_symbol, symbol_t* out,
                              int bits, const uint8_t* buf, Py_ssize_t* pos) noexcept nogil:
    """One decoding step with unchecked reads (the caller guarantees 4 bytes of room per step)."""
    cdef uint32_t slot = x & ((<uint32_t>1 << bits) - 1), word
    cdef symbol_t s = slot_symbol[slot]
    cdef uint64_t e = info[s]
    cdef int nb
    out[0] = s
    x = <uint32_t>(e >> 32) * (x >> bits) + slot - <uint32_t>e
    nb = (x < RANS_L) + (x < (RANS_L >> 8)) + (x < (RANS_L >> 16))
    memcpy(&word, buf + pos[0], 4)
    word = __builtin_bswap32(word)
    pos[0] += nb
    return <uint32_t>(((<uint64_t>x) << (8 * nb)) | ((<uint64_t>word) >> (32 - 8 * nb)))


def rans_decode(const uint8_t[::1] payload, const uint64_t[::1] symbol_info, const symbol_t[::1] slot_symbol,
                int bits, int streams, symbol_t[::1] out):
    """Inverse of :func:`rans_encode`. ``slot_symbol[slot]`` is the symbol whose interval holds ``slot``
    and ``symbol_info[s] = freq(s) << 32 | cum(s)`` (a small table: the per-slot table stays 1-4 bytes).

    Raises CorruptDataError when the payload ends early, a state starts out of range, or the stream
    does not end with every state back at its start and every byte consumed.
    """
    cdef Py_ssize_t i, n = out.shape[0], size = payload.shape[0], pos
    cdef uint32_t states[8]
    cdef uint32_t x, x0, x1, x2, x3, mask = (<uint32_t>1 << bits) - 1, slot
    cdef uint64_t e
    cdef int j, bad = 0
    cdef const uint8_t* buf
    if n == 0:
        if size:
            raise CorruptDataError("rANS payload for zero symbols")
        return
    if not 1 <= streams <= 8:
        raise CorruptDataError("rANS stream count out of range")
    if not 1 <= bits <= 20 or slot_symbol.shape[0] != (<Py_ssize_t>1 << bits):
        raise ValueError("the slot table must have 2**bits entries, bits 1..20")
    if size < 4 * streams:
        raise CorruptDataError("rANS payload shorter than its initial states")
    buf = &payload[0]
    cdef const uint64_t* info = &symbol_info[0]
    cdef const symbol_t* syms = &slot_symbol[0]
    cdef symbol_t* dst = &out[0]
    with nogil:
        for j in range(streams):
            x = (<uint32_t>buf[4 * j] | (<uint32_t>buf[4 * j + 1] << 8) | (<uint32_t>buf[4 * j + 2] << 16)
                 | (<uint32_t>buf[4 * j + 3] << 24))
            if x < RANS_L or x >= (<uint32_t>RANS_L << 8):
                bad = 1
            states[j] = x
        pos = 4 * streams
        i = 0
        if not bad and streams == 4:
            x0, x1, x2, x3 = states[0], states[1], states[2], states[3]
            while i + 4 <= n and pos + 16 <= size:    # fast path: room for a 4-byte load per step
                x0 = rans_get(x0, info, syms, dst + i, bits, buf, &pos)
                x1 = rans_get(x1, info, syms, dst + i + 1, bits, buf, &pos)
                x2 = rans_get(x2, info, syms, dst + i + 2, bits, buf, &pos)
                x3 = rans_get(x3, info, syms, dst + i + 3, bits, buf, &pos)
                i += 4
            states[0], states[1], states[2], states[3] = x0, x1, x2, x3
        if not bad:
            j = <int>(i % streams)
            while i < n:                              # checked path: any stream count, the tail
                x = states[j]
                slot = x & mask
                e = info[syms[slot]]
                dst[i] = syms[slot]
                x = <uint32_t>(e >> 32) * (x >> bits) + slot - <uint32_t>e
                while x < RANS_L:
                    if pos >= size:
                        bad = 1
                        break
                    x = (x << 8) | buf[pos]
                    pos += 1
                if bad:
                    break
                states[j] = x
                j += 1
                if j == streams:
                    j = 0
                i += 1
            if not bad:
                if pos != size:
                    bad = 1
                for j in range(streams):
                    if states[j] != RANS_L:
                        bad = 1
    if bad:
        raise CorruptDataError("rANS payload is corrupted or truncated")


# ----------------------------------------------------------------------------- adaptive order-0
cdef struct Fenwick:
    uint32_t* freq         # size entries, zero beyond k
    uint32_t* tree         # 1-based, size + 1 entries
    Py_ssize_t k
    Py_ssize_t size        # k rounded up to a power of two: the search needs no bounds test
    uint64_t total
    uint64_t limit


cdef void fw_rebuild(Fenwick* m) noexcept nogil:
    cdef Py_ssize_t j, parent, size = m.size
    m.tree[0] = 0
    for j in range(1, size + 1):
        m.tree[j] = m.freq[j - 1]
    for j in range(1, size + 1):
        parent = j + (j & -j)
        if parent <= size:
            m.tree[parent] += m.tree[j]


cdef int fw_init(Fenwick* m, Py_ssize_t k) noexcept nogil:
    cdef Py_ssize_t j
    m.k = k
    m.size = 1
    while m.size < k:
        m.size *= 2
    m.freq = <uint32_t*>calloc(m.size + 1, sizeof(uint32_t))
    m.tree = <uint32_t*>calloc(m.size + 1, sizeof(uint32_t))
    if m.freq == NULL or m.tree == NULL:
        free(m.freq)
        free(m.tree)
        return 0
    for j in range(k):
        m.freq[j] = 1
    m.total = k
    m.limit = 8 * <uint64_t>k
    if m.limit < (1 << 16):
        m.limit = 1 << 16
    if m.limit > (1 << 24):
        m.limit = 1 << 24
    fw_rebuild(m)
    return 1


cdef inline uint32_t fw_cum(Fenwick* m, Py_ssize_t s) noexcept nogil:
    cdef uint32_t total = 0
    cdef Py_ssize_t j = s
    while j > 0:
        total += m.tree[j]
        j -= j & -j
    return total


cdef inline Py_ssize_t fw_find(Fenwick* m, uint32_t* rest) noexcept nogil:
    """Largest s with cum(s) <= t (entries past k never qualify: no bounds test)."""
    cdef Py_ssize_t pos = 0, nxt, mask = m.size >> 1
    cdef uint32_t t = rest[0], v
    while mask:
        nxt = pos + mask
        v = m.tree[nxt]
        if v <= t:               # a branch: well predicted for skewed data, and it lets loads run ahead
            pos = nxt
            t -= v
        mask >>= 1
    rest[0] = t
    return pos


cdef inline void fw_update(Fenwick* m, Py_ssize_t s) noexcept nogil:
    cdef Py_ssize_t j = s + 1, size = m.size
    cdef uint64_t total = 0
    m.freq[s] += ADAPT_INCREMENT
    m.total += ADAPT_INCREMENT
    while j <= size:
        m.tree[j] += ADAPT_INCREMENT
        j += j & -j
    if m.total > m.limit:
        for j in range(m.k):
            m.freq[j] = (m.freq[j] + 1) >> 1
            total += m.freq[j]
        m.total = total
        fw_rebuild(m)


# The encoder on alphabets of at most 256 symbols (bytes): 16 groups of 16, each symbol's cumulative count
# kept as (count before its group) + (count before it within the group), so cum(s) is two loads and an
# update is eight 4-wide vector adds (the Fenwick tree's cum and update walk 8 dependent steps each). Same
# frequencies, same coding. The decoder keeps the Fenwick tree: its branchy search runs ahead on skewed
# data, where a branch-free search over these arrays (two 16-wide counts) measured slower (text:
# 54 -> 38 MB/s; it won only on uniform bytes, 23 -> 38).
cdef struct Small:
    uint32_t freq[256]
    uint32_t within[256]       # within[s]: sum of freq[j] for j in s's group, j < s
    uint32_t before[32]        # before[g]: sum of the freqs of groups < g, g = 0..16 (before[16] = total)
    Py_ssize_t k
    uint64_t limit
    uint64_t total             # = before[16], kept apart: the divisions read it without waiting on a store


cdef void small_rebuild(Small* m) noexcept nogil:
    cdef int g, j
    cdef uint32_t run, total = 0
    for g in range(16):
        m.before[g] = total
        run = 0
        for j in range(16):
            m.within[16 * g + j] = run
            run += m.freq[16 * g + j]
        total += run
    for g in range(16, 32):
        m.before[g] = total
    m.total = total


cdef void small_init(Small* m, Py_ssize_t k) noexcept nogil:
    cdef int j
    m.k = k
    for j in range(256):
        m.freq[j] = 1 if j < k else 0
    m.limit = 8 * <uint64_t>k
    if m.limit < (1 << 16):
        m.limit = 1 << 16
    small_rebuild(m)


cdef inline uint32_t small_cum(Small* m, uint32_t s) noexcept nogil:
    return m.before[s >> 4] + m.within[s]


cdef inline void small_update(Small* m, uint32_t s) noexcept nogil:
    cdef uint32_t g = s >> 4, j
    m.freq[s] += ADAPT_INCREMENT
    m.total += ADAPT_INCREMENT
    add_after(&m.within[16 * g], <int>(s & 15), ADAPT_INCREMENT)   # entries after s in its group
    add_after(&m.before[1], <int>g - 1, ADAPT_INCREMENT)           # before[g + 1 .. 16]
    if m.total > m.limit:
        for j in range(256):
            m.freq[j] = (m.freq[j] + 1) >> 1
        small_rebuild(m)


def _adaptive0_small_encode(const uint32_t[::1] symbols, Py_ssize_t k):
    cdef Py_ssize_t i, n = symbols.shape[0], pos = 0, cap = n // 2 + 64
    cdef Small m
    cdef uint64_t r, low = 0, rng = RC_TOP - 1
    cdef uint32_t s
    cdef uint8_t* buf = <uint8_t*>malloc(cap)
    if buf == NULL:
        raise MemoryError
    with nogil:
        small_init(&m, k)
        for i in range(n):
            if pos + 16 > cap:
                buf = out_grow(buf, &cap, pos + 16)
                if buf == NULL:
                    break
            s = symbols[i]
            r = rng // m.total
            rc_narrow(&low, &rng, buf, &pos, small_cum(&m, s) * r, m.freq[s] * r)
            small_update(&m, s)
        if buf != NULL:
            pos = rc_flush(low, rng, buf, pos)
    return out_bytes(buf, pos)


def adaptive0_encode(const uint32_t[::1] symbols, Py_ssize_t k):
    """Adaptive order-0 range coding of indices below k (Fenwick-tree frequencies, see the twin)."""
    cdef Py_ssize_t i, n = symbols.shape[0], pos = 0, cap = n // 2 + 64
    cdef Fenwick m
    cdef uint64_t r, low = 0, rng = RC_TOP - 1
    cdef uint32_t s
    cdef uint8_t* buf
    if n == 0:
        return b""
    if 1 <= k <= 256:
        return _adaptive0_small_encode(symbols, k)
    if not fw_init(&m, k):
        raise MemoryError
    buf = <uint8_t*>malloc(cap)
    if buf == NULL:
        free(m.freq)
        free(m.tree)
        raise MemoryError
    with nogil:
        for i in range(n):
            if pos + 16 > cap:
                buf = out_grow(buf, &cap, pos + 16)
                if buf == NULL:
                    break
            s = symbols[i]
            r = rng // m.total
            rc_narrow(&low, &rng, buf, &pos, fw_cum(&m, s) * r, m.freq[s] * r)
            fw_update(&m, s)
        if buf != NULL:
            pos = rc_flush(low, rng, buf, pos)
    free(m.freq)
    free(m.tree)
    return out_bytes(buf, pos)


def adaptive0_decode(const uint8_t[::1] payload, Py_ssize_t k, uint32_t[::1] out):
    """Inverse of :func:`adaptive0_encode`."""
    cdef Py_ssize_t i, n = out.shape[0], s, pos = 0, size = payload.shape[0]
    cdef const uint8_t* buf = &payload[0] if size else NULL
    cdef Fenwick m
    cdef uint64_t t, r, code, rng = RC_TOP - 1
    cdef uint32_t rest
    cdef int bad = 0
    if n == 0:
        return
    if k < 1:
        raise CorruptDataError("adaptive model with an empty alphabet")
    if not fw_init(&m, k):
        raise MemoryError
    with nogil:
        code = rd_init(buf, &pos, size)
        if code >= rng:
            bad = 1
        else:
            for i in range(n):
                r = rng // m.total
                t = code // r
                if t >= m.total:
                    bad = 1
                    break
                rest = <uint32_t>t
                s = fw_find(&m, &rest)
                code -= (t - rest) * r
                rng = m.freq[s] * r
                if rd_normalize(&code, &rng, buf, &pos, size):
                    bad = 1
                    break
                fw_update(&m, s)
                out[i] = <uint32_t>s
    free(m.freq)
    free(m.tree)
    if bad:
        raise CorruptDataError("adaptive range coder payload is corrupted")


# ----------------------------------------------------------------------------- binary context model
cdef inline uint32_t context_hash(uint32_t context, uint32_t order) noexcept nogil:
    cdef uint32_t h = ((context + 1) * <uint32_t>0x9E3779B1) ^ (order * <uint32_t>0x85EBCA6B)
    h ^= h >> 15
    h *= <uint32_t>0x2C1B3C6D
    h ^= h >> 13
    return h


cdef inline uint32_t nibble_hash(uint32_t h, uint32_t node) noexcept nogil:
    h = (h ^ (node * <uint32_t>0x27D4EB2F)) * <uint32_t>0x165667B1
    return h ^ (h >> 15)


cdef inline void counter_update(uint32_t* slot, uint32_t bit) noexcept nogil:
    counter_store(slot, slot[0], bit)


cdef inline void counter_store(uint32_t* slot, uint32_t e, uint32_t bit) noexcept nogil:
    """Store counter ``e`` moved towards ``bit``: p += (1 - p) * rate on a 1, p -= p * rate on a 0 (the
    distance selected, one multiplication, a conditional negation: no branch)."""
    cdef uint32_t p = (e >> 16) ^ PROB_FLIP, k = e & 0xFFFF
    cdef uint32_t rate = RATES[k]
    cdef uint32_t span = (65536 - p) if bit else p          # the distance to the bit's end, selected
    cdef uint32_t step = (span * rate) >> 16                # one multiplication instead of two
    cdef uint32_t sign = bit - 1                            # all ones on a 0: subtract the step
    # p ^ 1/2 in the high half is p << 16 plus 2**31 (mod 2**32), and p stays in [0, 2**16): the new
    # counter is the old one plus the signed step << 16 plus one use (below the cap)
    slot[0] = e + (((step ^ sign) - sign) << 16) + (k < COUNT_LIMIT)


cdef inline void enc_bit(uint64_t* low, uint64_t* rng, uint8_t* buf, Py_ssize_t* pos, uint32_t* slot,
                         uint32_t bit) noexcept nogil:
    """A 1 takes the lower part [0, bound) of the range, a 0 the rest (selected with masks, no branch)."""
    cdef uint64_t r = rng[0]
    cdef uint64_t bound = (r >> PROB_BITS) * ((slot[0] >> 16) ^ PROB_FLIP)
    cdef uint64_t mask = (<uint64_t>0) - bit
    cdef uint64_t lo = low[0] + (bound & ~mask)
    r = (bound & mask) | ((r - bound) & ~mask)
    if lo >= RC_TOP:
        out_carry(buf, pos[0])
        lo -= RC_TOP
    low[0] = lo
    rng[0] = r
    if r < RC_BOT:               # about once per 8 bits spent: a predictable branch off the critical path
        rc_narrow(low, rng, buf, pos, 0, r)
    counter_update(slot, bit)


cdef inline uint32_t dec_step(uint64_t* code, uint64_t* rng, const uint8_t* buf, Py_ssize_t* pos,
                             Py_ssize_t size, uint32_t* block, uint32_t node, uint32_t* e) noexcept nogil:
    """One bit at inner node ``node`` (< 8) whose counter is ``e[0]``; ``e[0]`` becomes the counter of the
    child taken. Both children's counters are loaded before the bit is known, so the next probability is
    a select, not a load, after the bit. Returns the child."""
    cdef uint32_t e0 = block[2 * node], e1 = block[2 * node + 1], cur = e[0]
    cdef uint32_t bit = decide_bit(code, rng, (rng[0] >> PROB_BITS) * ((cur >> 16) ^ PROB_FLIP))
    if rng[0] < RC_BOT:
        rd_normalize(code, rng, buf, pos, size)
    counter_store(&block[node], cur, bit)
    e[0] = e1 if bit else e0
    return 2 * node + bit


cdef inline uint32_t dec_three(uint64_t* code, uint64_t* rng, const uint8_t* buf, Py_ssize_t* pos,
                              Py_ssize_t size, uint32_t* block, uint32_t* e) noexcept nogil:
    """Decode the first three bits of a nibble; return the node (8..15) and leave its counter in ``e[0]``
    (the last bit's probability then needs no load after the third bit). Written out: no loop counter."""
    cdef uint32_t node
    e[0] = block[1]
    node = dec_step(code, rng, buf, pos, size, block, 1, e)
    node = dec_step(code, rng, buf, pos, size, block, node, e)
    return dec_step(code, rng, buf, pos, size, block, node, e)


cdef inline uint32_t dec_last(uint64_t* code, uint64_t* rng, const uint8_t* buf, Py_ssize_t* pos,
                              Py_ssize_t size, uint32_t* slot, uint32_t e) noexcept nogil:
    """The nibble's last bit, at counter ``slot`` whose value ``e`` is already loaded."""
    cdef uint32_t bit = decide_bit(code, rng, (rng[0] >> PROB_BITS) * ((e >> 16) ^ PROB_FLIP))
    if rng[0] < RC_BOT:
        rd_normalize(code, rng, buf, pos, size)
    counter_store(slot, e, bit)
    return bit


cdef uint32_t* new_table(int table_bits, void** raw) noexcept nogil:
    """2**table_bits counters at p = 1/2, count 0 (all-zero bits, so calloc's lazily zeroed pages serve:
    small inputs touch only the pages they use), 64-byte aligned (a nibble's 16 counters share one
    cache line). Free ``raw[0]``."""
    cdef size_t size = ((<size_t>1) << table_bits) * sizeof(uint32_t)
    raw[0] = calloc(size + 64, 1)
    if raw[0] == NULL:
        return NULL
    return <uint32_t*>((<size_t>raw[0] + 63) & ~(<size_t>63))


def context_encode(const uint8_t[::1] data, int order, int table_bits):
    """Adaptive order-k binary context model over bytes (see the twin for the model)."""
    cdef Py_ssize_t i, n = data.shape[0], pos = 0, cap = n // 2 + 64
    cdef uint64_t low = 0, rng = RC_TOP - 1
    cdef uint32_t* table
    cdef void* raw = NULL
    cdef uint32_t history = 0, cmask, h, h_next, base, base2, node, byte, bit
    cdef int shift = 32 - (table_bits - 4), j
    cdef uint8_t* buf
    if n == 0:
        return b""
    cmask = 0xFFFFFFFF if order >= 4 else ((<uint32_t>1 << (8 * order)) - 1)
    table = new_table(table_bits, &raw)
    if table == NULL:
        raise MemoryError
    buf = <uint8_t*>malloc(cap)
    if buf == NULL:
        free(raw)
        raise MemoryError
    with nogil:
        h = context_hash(0, order)
        for i in range(n):
            if pos + 32 > cap:       # a byte costs at most 8 * 16 bits
                buf = out_grow(buf, &cap, pos + 32)
                if buf == NULL:
                    break
            byte = data[i]
            base = (h >> shift) << 4
            base2 = (nibble_hash(h, 16 + (byte >> 4)) >> shift) << 4
            __builtin_prefetch(&table[base2])           # every bit is known: fetch both nibbles' counters
            h_next = context_hash(((history << 8) | byte) & cmask, order)
            __builtin_prefetch(&table[(h_next >> shift) << 4])
            node = 1
            for j in range(7, 3, -1):
                bit = (byte >> j) & 1
                enc_bit(&low, &rng, buf, &pos, &table[base + node], bit)
                node = 2 * node + bit
            h = h_next
            base = base2
            node = 1
            for j in range(3, -1, -1):
                bit = (byte >> j) & 1
                enc_bit(&low, &rng, buf, &pos, &table[base + node], bit)
                node = 2 * node + bit
            history = (history << 8) | byte
        if buf != NULL:
            pos = rc_flush(low, rng, buf, pos)
    free(raw)
    return out_bytes(buf, pos)


def context_decode(const uint8_t[::1] payload, int order, int table_bits, uint8_t[::1] out):
    """Inverse of :func:`context_encode`."""
    cdef Py_ssize_t i, n = out.shape[0], pos = 0, size = payload.shape[0]
    cdef const uint8_t* buf = &payload[0] if size else NULL
    cdef uint64_t code, rng = RC_TOP - 1
    cdef uint32_t* table
    cdef void* raw = NULL
    cdef uint32_t history = 0, cmask, h, h0, h1, next0, base, base0, base1, node, high, e
    cdef int shift = 32 - (table_bits - 4), j, bad = 0
    if n == 0:
        return
    cmask = 0xFFFFFFFF if order >= 4 else ((<uint32_t>1 << (8 * order)) - 1)
    table = new_table(table_bits, &raw)
    if table == NULL:
        raise MemoryError
    with nogil:
        code = rd_init(buf, &pos, size)
        if code >= rng:
            bad = 1
        else:
            h = context_hash(0, order)
            for i in range(n):
                base = (h >> shift) << 4
                node = dec_three(&code, &rng, buf, &pos, size, &table[base], &e)
                # the low nibble's counters sit at one of two places: fetch both while the 4th bit decodes
                base0 = (nibble_hash(h, 2 * node) >> shift) << 4
                base1 = (nibble_hash(h, 2 * node + 1) >> shift) << 4
                __builtin_prefetch(&table[base0])
                __builtin_prefetch(&table[base1])
                node = 2 * node + dec_last(&code, &rng, buf, &pos, size, &table[base + node], e)
                high = node - 16
                base = base1 if node & 1 else base0
                node = dec_three(&code, &rng, buf, &pos, size, &table[base], &e)
                # likewise the next byte's first counters: two candidate contexts
                next0 = (history << 8) | (high << 4) | (2 * node - 16)
                h0 = context_hash(next0 & cmask, order)
                h1 = context_hash((next0 + 1) & cmask, order)
                __builtin_prefetch(&table[(h0 >> shift) << 4])
                __builtin_prefetch(&table[(h1 >> shift) << 4])
                node = 2 * node + dec_last(&code, &rng, buf, &pos, size, &table[base + node], e)
                h = h1 if node & 1 else h0
                node = (high << 4) | (node - 16)
                out[i] = <uint8_t>node
                history = (history << 8) | node
                if pos > size + RC_SLACK:       # the payload ran out (dec_step's refills read zeros)
                    bad = 1
                    break
    free(raw)
    if bad:
        raise CorruptDataError("context-model payload is corrupted")


# ----------------------------------------------------------------------------- mixing context model
cdef int SQUASH_POINTS[33]
for _k, _v in enumerate([1, 2, 3, 6, 10, 16, 27, 45, 73, 120, 194, 310, 488, 747, 1101, 1546, 2047, 2549,
                         2994, 3348, 3607, 3785, 3901, 3975, 4024, 4050, 4068, 4079, 4085, 4089, 4092, 4093,
                         4094]):
    SQUASH_POINTS[_k] = _v


cdef inline int squash(int64_t d) noexcept nogil:
    """4096 / (1 + exp(-d / 256)), interpolated, in [1, 4095] (see the twin)."""
    cdef int w, i
    if d > 2047:
        return 4095
    if d < -2047:
        return 1
    w = <int>(d & 127)
    i = <int>(d >> 7) + 16
    return (SQUASH_POINTS[i] * (128 - w) + SQUASH_POINTS[i + 1] * w + 64) >> 7


cdef int16_t STRETCH[4096]
cdef int _pi = 0, _x, _i, _sv
for _x in range(-2047, 2048):
    _sv = squash(_x)
    for _i in range(_pi, _sv + 1):
        STRETCH[_i] = _x
    _pi = _sv + 1
for _i in range(_pi, 4096):
    STRETCH[_i] = 2047

cdef extern from *:
    """
    #define MIX_WEIGHT_INIT 22000
    #define MIX_SHIFT 12
    #define MIX_WEIGHT_LIMIT (1 << 22)
    #define MIX_MAX_INPUTS 5
    """
    const int MIX_WEIGHT_INIT
    const int MIX_SHIFT
    const int MIX_WEIGHT_LIMIT
    const int MIX_MAX_INPUTS


cdef struct Mixer:
    uint32_t* table
    int32_t* weights           # 256 sets of `inputs` weights
    int inputs
    int shift
    uint32_t hashes[5]
    uint32_t bases[5]
    uint32_t slots[5]
    int stretched[5]
    int p12


cdef inline void mix_contexts(Mixer* m, uint32_t history) noexcept nogil:
    cdef int o
    cdef uint32_t ctx, h
    for o in range(m.inputs):
        ctx = history if o >= 4 else (history & ((<uint32_t>1 << (8 * o)) - 1))
        h = context_hash(ctx, o)
        m.hashes[o] = h
        m.bases[o] = (h >> m.shift) << 4
        __builtin_prefetch(&m.table[m.bases[o]])


cdef inline void mix_low_nibble(Mixer* m, uint32_t node) noexcept nogil:
    cdef int o
    for o in range(m.inputs):
        m.bases[o] = (nibble_hash(m.hashes[o], node) >> m.shift) << 4


cdef inline void mix_prefetch_low(Mixer* m, uint32_t node3) noexcept nogil:
    """After three bits of the high nibble: fetch the counters of both possible low-nibble trees."""
    cdef int o
    for o in range(m.inputs):
        __builtin_prefetch(&m.table[(nibble_hash(m.hashes[o], 2 * node3) >> m.shift) << 4])
        __builtin_prefetch(&m.table[(nibble_hash(m.hashes[o], 2 * node3 + 1) >> m.shift) << 4])


cdef inline uint32_t mix_predict(Mixer* m, uint32_t node, uint32_t wnode) noexcept nogil:
    """16-bit P(bit = 1): squash of the weighted stretched counter probabilities."""
    cdef int o
    cdef int64_t dot = 0
    cdef int32_t* w = m.weights + wnode * m.inputs
    cdef uint32_t i
    for o in range(m.inputs):
        i = m.bases[o] + node
        m.slots[o] = i
        m.stretched[o] = STRETCH[((m.table[i] >> 16) ^ PROB_FLIP) >> 4]
        dot += <int64_t>w[o] * m.stretched[o]
    m.p12 = squash(dot >> 16)
    return (<uint32_t>m.p12) << 4


cdef inline void mix_update(Mixer* m, uint32_t wnode, uint32_t bit) noexcept nogil:
    cdef int o
    cdef int err = (<int>bit << 12) - m.p12
    cdef int32_t* w = m.weights + wnode * m.inputs
    cdef int32_t v
    for o in range(m.inputs):
        v = w[o] + ((m.stretched[o] * err) >> MIX_SHIFT)
        if v > MIX_WEIGHT_LIMIT:
            v = MIX_WEIGHT_LIMIT
        elif v < -MIX_WEIGHT_LIMIT:
            v = -MIX_WEIGHT_LIMIT
        w[o] = v
        counter_update(&m.table[m.slots[o]], bit)


cdef int mix_init(Mixer* m, int order, int table_bits, void** raw) noexcept nogil:
    cdef int i
    m.inputs = order + 1
    m.shift = 32 - (table_bits - 4)
    m.table = new_table(table_bits, raw)
    m.weights = <int32_t*>malloc(256 * m.inputs * sizeof(int32_t))
    if m.table == NULL or m.weights == NULL:
        free(raw[0])
        free(m.weights)
        return 0
    for i in range(256 * m.inputs):
        m.weights[i] = MIX_WEIGHT_INIT
    return 1


cdef inline void enc_bit_p(uint64_t* low, uint64_t* rng, uint8_t* buf, Py_ssize_t* pos, uint32_t p1,
                           uint32_t bit) noexcept nogil:
    cdef uint64_t r = rng[0]
    cdef uint64_t bound = (r >> PROB_BITS) * p1
    cdef uint64_t mask = (<uint64_t>0) - bit
    cdef uint64_t lo = low[0] + (bound & ~mask)
    r = (bound & mask) | ((r - bound) & ~mask)
    if lo >= RC_TOP:
        out_carry(buf, pos[0])
        lo -= RC_TOP
    low[0] = lo
    rng[0] = r
    if r < RC_BOT:
        rc_narrow(low, rng, buf, pos, 0, r)


cdef inline uint32_t dec_bit_p(uint64_t* code, uint64_t* rng, const uint8_t* buf, Py_ssize_t* pos,
                               Py_ssize_t size, uint32_t p1) noexcept nogil:
    cdef uint64_t r = rng[0], c = code[0]
    cdef uint64_t bound = (r >> PROB_BITS) * p1
    cdef uint32_t bit = c < bound
    cdef uint64_t mask = (<uint64_t>0) - bit
    code[0] = c - (bound & ~mask)
    rng[0] = (bound & mask) | ((r - bound) & ~mask)
    if rng[0] < RC_BOT:
        rd_normalize(code, rng, buf, pos, size)
    return bit


def mix_encode(const uint8_t[::1] data, int order, int table_bits):
    """Context mixing of orders 0..order over bytes (see the twin's MixingPredictor)."""
    cdef Py_ssize_t i, n = data.shape[0], pos = 0, cap = n // 2 + 64
    cdef uint64_t low = 0, rng = RC_TOP - 1
    cdef Mixer m
    cdef void* raw = NULL
    cdef uint32_t history = 0, node, full, byte, bit
    cdef int j
    cdef uint8_t* buf
    if n == 0:
        return b""
    if not 1 <= order <= MIX_MAX_INPUTS - 1:
        raise ValueError("order 1..4")
    if not mix_init(&m, order, table_bits, &raw):
        raise MemoryError
    buf = <uint8_t*>malloc(cap)
    if buf == NULL:
        free(raw)
        free(m.weights)
        raise MemoryError
    with nogil:
        mix_contexts(&m, 0)
        for i in range(n):
            if pos + 32 > cap:
                buf = out_grow(buf, &cap, pos + 32)
                if buf == NULL:
                    break
            byte = data[i]
            mix_prefetch_low(&m, 8 + (byte >> 5))
            node = 1
            for j in range(7, 3, -1):
                bit = (byte >> j) & 1
                enc_bit_p(&low, &rng, buf, &pos, mix_predict(&m, node, node), bit)
                mix_update(&m, node, bit)
                node = 2 * node + bit
            mix_low_nibble(&m, node)
            full = node
            node = 1
            for j in range(3, -1, -1):
                bit = (byte >> j) & 1
                enc_bit_p(&low, &rng, buf, &pos, mix_predict(&m, node, full), bit)
                mix_update(&m, full, bit)
                node = 2 * node + bit
                full = 2 * full + bit
            history = (history << 8) | byte
            mix_contexts(&m, history)
        if buf != NULL:
            pos = rc_flush(low, rng, buf, pos)
    free(raw)
    free(m.weights)
    return out_bytes(buf, pos)


def mix_decode(const uint8_t[::1] payload, int order, int table_bits, uint8_t[::1] out):
    """Inverse of :func:`mix_encode`."""
    cdef Py_ssize_t i, n = out.shape[0], pos = 0, size = payload.shape[0]
    cdef const uint8_t* buf = &payload[0] if size else NULL
    cdef uint64_t code, rng = RC_TOP - 1
    cdef Mixer m
    cdef void* raw = NULL
    cdef uint32_t history = 0, node, full, bit
    cdef int j, bad = 0
    if n == 0:
        return
    if not 1 <= order <= MIX_MAX_INPUTS - 1:
        raise CorruptDataError("mixing order out of range")
    if not mix_init(&m, order, table_bits, &raw):
        raise MemoryError
    with nogil:
        code = rd_init(buf, &pos, size)
        if code >= rng:
            bad = 1
        else:
            mix_contexts(&m, 0)
            for i in range(n):
                node = 1
                for j in range(4):
                    if j == 3:
                        mix_prefetch_low(&m, node)
                    bit = dec_bit_p(&code, &rng, buf, &pos, size, mix_predict(&m, node, node))
                    mix_update(&m, node, bit)
                    node = 2 * node + bit
                mix_low_nibble(&m, node)
                full = node
                node = 1
                for j in range(4):
                    bit = dec_bit_p(&code, &rng, buf, &pos, size, mix_predict(&m, node, full))
                    mix_update(&m, full, bit)
                    node = 2 * node + bit
                    full = 2 * full + bit
                out[i] = <uint8_t>full
                history = (history << 8) | (full & 0xFF)
                mix_contexts(&m, history)
                if pos > size + RC_SLACK:       # the payload ran out
                    bad = 1
                    break
    free(raw)
    free(m.weights)
    if bad:
        raise CorruptDataError("context-mixing payload is corrupted")
