# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: freethreading_compatible=True
"""Static range coder kernels: 1, 2, 4 (or up to 8) interleaved streams under a quantised order-0 model.

Every kernel has a pure-Python twin in codelength/reference/arith.py that defines it (bit-identical
payloads). The loops run without the GIL on input the Python layer (codelength/coders/range.py) has
validated: symbol values index the frequency tables, every coded symbol has a nonzero frequency.
The decoder is safe on any payload: reads are bounded (zeros past the end, an error once more than
RC_SLACK = 7 bytes past it), table indices are bounded by construction, every loop runs at most n steps.
The range coder core is in _rangecoder.pxd.

Thread safety (the module is declared ``freethreading_compatible``): every coder keeps its state in
local variables and buffers of its own call, writes only to the arrays it is given, and the
module-level tables are filled once, at import; calls from many threads at once are independent.
"""
from libc.stdint cimport uint8_t, uint32_t, uint64_t, int64_t
from libc.stdlib cimport malloc, free

from codelength.coders._symbols cimport symbol_t
from codelength.coders._rangecoder cimport (RC_TOP, out_grow, out_bytes, rc_narrow, rc_flush, rd_init,
                                            rd_normalize)

from ..errors import CorruptDataError


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

