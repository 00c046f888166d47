# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: freethreading_compatible=True
"""Static range coder kernels: 1 to 8 interleaved streams under a quantised order-0 model.

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
from codelength.coders._rangecoder cimport RC_TOP, rc_narrow, rc_narrow_at, rc_flush, rd_init, rd_normalize
from cpython.bytes cimport PyBytes_FromStringAndSize

from ..errors import CorruptDataError


# ----------------------------------------------------------------------------- static range coder
# One loop for every number of streams: the helpers below take the stream count S as an argument and are
# called with a literal S (1, 2, 4) or the generic count, so the compiler unrolls the inner loop and keeps
# each stream's state in registers for the common counts; the loop itself exists once.

cdef inline void encode_lanes(const symbol_t* sym, Py_ssize_t n, const uint32_t* freq, const uint32_t* cum,
                              int bits, int S, uint8_t** buf, Py_ssize_t* pos) noexcept nogil:
    """Range-code ``sym[j::S]`` into ``buf[j]`` for j < S, interleaved (S independent chains), and flush
    each stream. The buffers hold the capacity bound (bits + 1) / 8 bytes a symbol plus 64."""
    cdef uint64_t low[8]
    cdef uint64_t rng[8]
    cdef uint64_t r
    cdef Py_ssize_t i = 0
    cdef int j
    cdef symbol_t s
    for j in range(S):
        low[j] = 0
        rng[j] = RC_TOP - 1
    while i + S <= n:
        for j in range(S):
            s = sym[i + j]
            r = rng[j] >> bits
            rc_narrow(&low[j], &rng[j], buf[j], &pos[j], cum[s] * r, freq[s] * r)
        i += S
    for j in range(<int>(n - i)):                # the last, incomplete round
        s = sym[i + j]
        r = rng[j] >> bits
        rc_narrow(&low[j], &rng[j], buf[j], &pos[j], cum[s] * r, freq[s] * r)
    for j in range(S):
        pos[j] = rc_flush(low[j], rng[j], buf[j], pos[j])


#: Whether four streams go through encode4 / decode4, and one through encode1 (tests and A/B timing
#: compare them with the lanes).
cdef bint _locals4 = True


def set_locals4(bint enabled):
    """Code four streams with encode4 / decode4 and one with encode1 (default), or with the generic
    encode_lanes / decode_lanes: the same bytes and symbols; returns the previous setting."""
    global _locals4
    cdef bint was = _locals4
    _locals4 = enabled
    return was


cdef inline void narrow_sym(uint64_t* low, uint64_t* rng, uint8_t* buf, uint8_t** at, symbol_t s,
                            const uint32_t* freq, const uint32_t* cum, int bits) noexcept nogil:
    """Code symbol ``s`` of a static model on one stream whose write position is a local (encode1/4)."""
    cdef uint64_t r = rng[0] >> bits
    rc_narrow_at(low, rng, buf, at, cum[s] * r, freq[s] * r)


cdef void encode1(const symbol_t* sym, Py_ssize_t n, const uint32_t* freq, const uint32_t* cum, int bits,
                  uint8_t** buf, Py_ssize_t* pos) noexcept nogil:
    """encode_lanes for one stream with its state in locals: the same bytes."""
    cdef uint64_t l0 = 0, r0 = RC_TOP - 1
    cdef uint8_t* a0 = buf[0]
    cdef Py_ssize_t i
    for i in range(n):
        narrow_sym(&l0, &r0, buf[0], &a0, sym[i], freq, cum, bits)
    pos[0] = rc_flush(l0, r0, buf[0], a0 - buf[0])


cdef void encode4(const symbol_t* sym, Py_ssize_t n, const uint32_t* freq, const uint32_t* cum, int bits,
                  uint8_t** buf, Py_ssize_t* pos) noexcept nogil:
    """encode_lanes for four streams, each stream's low, range and write pointer in locals (the arrays
    of encode_lanes went through memory on every symbol): the same bytes."""
    cdef uint64_t l0 = 0, l1 = 0, l2 = 0, l3 = 0, r0 = RC_TOP - 1, r1 = RC_TOP - 1, r2 = RC_TOP - 1
    cdef uint64_t r3 = RC_TOP - 1
    cdef uint8_t* a0 = buf[0]
    cdef uint8_t* a1 = buf[1]
    cdef uint8_t* a2 = buf[2]
    cdef uint8_t* a3 = buf[3]
    cdef Py_ssize_t i = 0
    while i + 4 <= n:
        narrow_sym(&l0, &r0, buf[0], &a0, sym[i], freq, cum, bits)
        narrow_sym(&l1, &r1, buf[1], &a1, sym[i + 1], freq, cum, bits)
        narrow_sym(&l2, &r2, buf[2], &a2, sym[i + 2], freq, cum, bits)
        narrow_sym(&l3, &r3, buf[3], &a3, sym[i + 3], freq, cum, bits)
        i += 4
    if i < n:                                     # the last, incomplete round
        narrow_sym(&l0, &r0, buf[0], &a0, sym[i], freq, cum, bits)
    if i + 1 < n:
        narrow_sym(&l1, &r1, buf[1], &a1, sym[i + 1], freq, cum, bits)
    if i + 2 < n:
        narrow_sym(&l2, &r2, buf[2], &a2, sym[i + 2], freq, cum, bits)
    pos[0] = rc_flush(l0, r0, buf[0], a0 - buf[0])
    pos[1] = rc_flush(l1, r1, buf[1], a1 - buf[1])
    pos[2] = rc_flush(l2, r2, buf[2], a2 - buf[2])
    pos[3] = rc_flush(l3, r3, buf[3], a3 - buf[3])


def range_encode(const symbol_t[::1] symbols, const uint32_t[::1] freq, const uint32_t[::1] cum, int bits,
                 int streams=1):
    """Static range coding under total 2**bits (values index ``freq``/``cum``, every coded symbol has a
    nonzero frequency): a list of ``streams`` (1..8) bytes objects, stream j coding ``symbols[j::streams]``,
    all coded in one interleaved pass."""
    cdef Py_ssize_t n = symbols.shape[0], cap
    cdef uint8_t* buf[8]
    cdef Py_ssize_t pos[8]
    cdef int j, failed = 0
    if not 1 <= streams <= 8:
        raise ValueError("streams must be 1..8")
    if not 1 <= bits <= 20 or cum.shape[0] != freq.shape[0] or freq.shape[0] == 0:
        raise ValueError("bits must be 1..20, freq and cum of one nonzero length")
    cap = (n // streams + 1) * (bits + 1) // 8 + 64
    for j in range(streams):
        buf[j] = <uint8_t*>malloc(cap)
        pos[j] = 0
        failed |= buf[j] == NULL
    if failed:
        for j in range(streams):
            free(buf[j])
        raise MemoryError
    cdef const symbol_t* sym = &symbols[0] if n else NULL
    with nogil:
        if streams == 1 and _locals4:
            encode1(sym, n, &freq[0], &cum[0], bits, buf, pos)
        elif streams == 1:
            encode_lanes(sym, n, &freq[0], &cum[0], bits, 1, buf, pos)
        elif streams == 2:
            encode_lanes(sym, n, &freq[0], &cum[0], bits, 2, buf, pos)
        elif streams == 4 and _locals4:
            encode4(sym, n, &freq[0], &cum[0], bits, buf, pos)
        else:
            encode_lanes(sym, n, &freq[0], &cum[0], bits, streams, buf, pos)
    parts = []
    for j in range(streams):
        try:
            parts.append(PyBytes_FromStringAndSize(<char*>buf[j], pos[j]))
        finally:
            free(buf[j])
    return parts


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


cdef inline void decode_lanes(symbol_t* dst, Py_ssize_t n, const uint32_t* freq, const uint32_t* cum,
                              const symbol_t* slots, int bits, int S, const uint8_t** b, const Py_ssize_t* sz,
                              Py_ssize_t* p, uint64_t* c, uint64_t* g, int* bad) noexcept nogil:
    """Decode ``n`` symbols from S interleaved streams (symbol i from stream i % S), stopping at the first
    error (``bad``). Called with a literal S for the common counts (see encode_lanes)."""
    cdef Py_ssize_t i = 0
    cdef int j
    cdef uint64_t code[8]
    cdef uint64_t rng[8]
    cdef Py_ssize_t at[8]
    for j in range(S):
        code[j], rng[j], at[j] = c[j], g[j], p[j]
    while i + S <= n and not bad[0]:
        for j in range(S):
            dst[i + j] = rd_static(&code[j], &rng[j], b[j], &at[j], sz[j], freq, cum, slots, bits, bad)
        i += S
    if not bad[0]:
        for j in range(<int>(n - i)):
            dst[i + j] = rd_static(&code[j], &rng[j], b[j], &at[j], sz[j], freq, cum, slots, bits, bad)
    for j in range(S):
        c[j], g[j], p[j] = code[j], rng[j], at[j]


cdef void decode4(symbol_t* dst, Py_ssize_t n, const uint32_t* freq, const uint32_t* cum, const symbol_t* slots,
                  int bits, const uint8_t** b, const Py_ssize_t* sz, Py_ssize_t* p, uint64_t* c, uint64_t* g,
                  int* bad) noexcept nogil:
    """decode_lanes for four streams with each stream's code, range and read position in locals (the
    arrays of decode_lanes went through memory on every symbol): the same symbols, the same checks."""
    cdef uint64_t c0 = c[0], c1 = c[1], c2 = c[2], c3 = c[3], g0 = g[0], g1 = g[1], g2 = g[2], g3 = g[3]
    cdef Py_ssize_t p0 = p[0], p1 = p[1], p2 = p[2], p3 = p[3], i = 0
    while i + 4 <= n and not bad[0]:
        dst[i] = rd_static(&c0, &g0, b[0], &p0, sz[0], freq, cum, slots, bits, bad)
        dst[i + 1] = rd_static(&c1, &g1, b[1], &p1, sz[1], freq, cum, slots, bits, bad)
        dst[i + 2] = rd_static(&c2, &g2, b[2], &p2, sz[2], freq, cum, slots, bits, bad)
        dst[i + 3] = rd_static(&c3, &g3, b[3], &p3, sz[3], freq, cum, slots, bits, bad)
        i += 4
    if not bad[0] and i < n:
        dst[i] = rd_static(&c0, &g0, b[0], &p0, sz[0], freq, cum, slots, bits, bad)
    if not bad[0] and i + 1 < n:
        dst[i + 1] = rd_static(&c1, &g1, b[1], &p1, sz[1], freq, cum, slots, bits, bad)
    if not bad[0] and i + 2 < n:
        dst[i + 2] = rd_static(&c2, &g2, b[2], &p2, sz[2], freq, cum, slots, bits, bad)
    c[0], c[1], c[2], c[3] = c0, c1, c2, c3
    g[0], g[1], g[2], g[3] = g0, g1, g2, g3
    p[0], p[1], p[2], p[3] = p0, p1, p2, p3


def range_decode(const uint8_t[::1] payload, const int64_t[::1] offsets, const uint32_t[::1] freq,
                 const uint32_t[::1] cum, const symbol_t[::1] slot_symbol, int bits, symbol_t[::1] out):
    """Inverse of :func:`range_encode` over ``S = len(offsets) - 1`` interleaved streams: symbol i comes
    from stream i % S, stored in ``payload[offsets[j]:offsets[j+1]]``. ``slot_symbol[t]`` is the symbol
    whose interval holds ``t`` (its values index ``freq``/``cum``)."""
    cdef Py_ssize_t n = out.shape[0], streams = offsets.shape[0] - 1
    cdef const uint8_t* base
    cdef const uint8_t* b[8]
    cdef Py_ssize_t sz[8]
    cdef Py_ssize_t p[8]
    cdef uint64_t c[8]
    cdef uint64_t g[8]
    cdef int j, bad = 0
    cdef symbol_t* dst
    cdef const symbol_t* slots = &slot_symbol[0]
    if n == 0:
        return
    if not 1 <= streams <= 8:
        raise ValueError("1..8 streams")
    if not 1 <= bits <= 20 or slot_symbol.shape[0] != (<Py_ssize_t>1 << bits):
        raise ValueError("slot table must have 2**bits entries, bits 1..20")
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
        if not bad:
            if streams == 1:
                decode_lanes(dst, n, &freq[0], &cum[0], slots, bits, 1, b, sz, p, c, g, &bad)
            elif streams == 2:
                decode_lanes(dst, n, &freq[0], &cum[0], slots, bits, 2, b, sz, p, c, g, &bad)
            elif streams == 4 and _locals4:
                decode4(dst, n, &freq[0], &cum[0], slots, bits, b, sz, p, c, g, &bad)
            elif streams == 4:
                decode_lanes(dst, n, &freq[0], &cum[0], slots, bits, 4, b, sz, p, c, g, &bad)
            else:
                decode_lanes(dst, n, &freq[0], &cum[0], slots, bits, <int>streams, b, sz, p, c, g, &bad)
    if bad:
        raise CorruptDataError("range coder payload is corrupted")
