# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: freethreading_compatible=True
"""Static rANS kernels: 32-bit states, byte renormalisation, 1..8 interleaved states.

Every kernel has a pure-Python twin in codelength/reference/arith.py that defines it (bit-identical
payloads). The loops run without the GIL on input the Python layer (codelength/coders/rans.py) has
validated: symbol values index the frequency tables, every coded symbol has a nonzero frequency.
The decoder is safe on any payload: it stops with an error at the end of the payload, table indices
are bounded by construction, every loop runs at most n steps.

Thread safety (the module is declared ``freethreading_compatible``): every coder keeps its state in
local variables and buffers of its own call, writes only to the arrays it is given, and the
module-level tables are filled once, at import; calls from many threads at once are independent.
"""
from libc.stdint cimport uint8_t, uint32_t, uint64_t
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy
from cpython.bytes cimport PyBytes_FromStringAndSize

import numpy as np

from codelength.coders._symbols cimport symbol_t

from ..errors import CorruptDataError

cdef extern from *:
    """
    #define RANS_L 0x800000U                    /* 2**23: rANS states live in [RANS_L, RANS_L << 8) */
    """
    const uint32_t RANS_L
    uint32_t __builtin_bswap32(uint32_t) nogil


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

