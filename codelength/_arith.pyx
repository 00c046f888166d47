# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Arithmetic-coding kernels: range coder, rANS, adaptive order-0 and binary context models.

Every kernel has a pure-Python twin in codelength/reference/arith.py that defines it (bit-identical
payloads). The loops run without the GIL on input the Python layer (codelength/arithmetic.py) has
validated: symbol values index the frequency tables, every coded symbol has a nonzero frequency.
Decoders are safe on any payload: reads are bounded (the range decoders read zeros past the end, rANS
stops with an error), table indices are bounded by construction, and every loop runs n steps.
"""
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t, int64_t
from libc.stdlib cimport malloc, realloc, free
from libc.string cimport memcpy
from cpython.bytes cimport PyBytes_FromStringAndSize

import numpy as np

from .errors import CorruptDataError

ctypedef fused symbol_t:
    uint8_t
    uint16_t
    uint32_t

cdef extern from *:
    """
    #define RC_TOP 0x100000000000000ULL         /* 2**56: range < RC_TOP */
    #define RC_BOT 0x1000000000000ULL           /* 2**48: renormalise while range < RC_BOT */
    #define RC_CARRY_FROM 0xFF000000000000ULL   /* low below this: no run of 0xFF bytes can start */
    #define RANS_L 0x800000U                    /* 2**23: rANS states live in [RANS_L, RANS_L << 8) */
    #define PROB_BITS 16
    #define COUNT_LIMIT 30
    #define ADAPT_INCREMENT 32U
    #define PROB_INIT 0x80000000U               /* p = 1/2, count 0 */
    """
    const uint64_t RC_TOP
    const uint64_t RC_BOT
    const uint64_t RC_CARRY_FROM
    const uint32_t RANS_L
    const int PROB_BITS
    const int COUNT_LIMIT
    const uint32_t ADAPT_INCREMENT
    const uint32_t PROB_INIT

cdef uint32_t RATES[31]   # COUNT_LIMIT + 1
for _k in range(COUNT_LIMIT + 1):
    RATES[_k] = (2 << 16) // (2 * _k + 3)


# ----------------------------------------------------------------------------- range encoder core
cdef struct RCEnc:
    uint64_t low
    uint64_t range
    int cache              # -1: no byte held yet
    Py_ssize_t pending     # 0xFF bytes waiting for a possible carry
    uint8_t* buf
    Py_ssize_t size
    Py_ssize_t cap
    int failed             # out of memory


cdef int rc_init(RCEnc* e, Py_ssize_t capacity) noexcept nogil:
    e.low = 0
    e.range = RC_TOP - 1
    e.cache = -1
    e.pending = 0
    e.size = 0
    e.cap = capacity if capacity > 64 else 64
    e.failed = 0
    e.buf = <uint8_t*>malloc(e.cap)
    return e.buf != NULL


cdef void rc_grow(RCEnc* e) noexcept nogil:
    cdef Py_ssize_t cap = e.cap * 2
    cdef uint8_t* grown = <uint8_t*>realloc(e.buf, cap)
    if grown == NULL:
        e.failed = 1
        e.size = 0          # keep writing into the old buffer harmlessly; the caller raises
        return
    e.buf = grown
    e.cap = cap


cdef inline void rc_put(RCEnc* e, uint8_t byte) noexcept nogil:
    if e.size >= e.cap:
        rc_grow(e)
    e.buf[e.size] = byte
    e.size += 1


cdef inline void rc_shift_low(RCEnc* e) noexcept nogil:
    cdef uint64_t low = e.low
    cdef uint8_t carry
    if low < RC_CARRY_FROM or low >= RC_TOP:
        carry = <uint8_t>(low >> 56)
        if e.cache >= 0:
            rc_put(e, <uint8_t>(e.cache + carry))
        while e.pending:
            rc_put(e, <uint8_t>(0xFF + carry))
            e.pending -= 1
        e.cache = <int>((low >> 48) & 0xFF)
    else:
        e.pending += 1
    e.low = (low & (RC_BOT - 1)) << 8


cdef inline void rc_normalize(RCEnc* e) noexcept nogil:
    while e.range < RC_BOT:
        e.range <<= 8
        rc_shift_low(e)


cdef void rc_finish(RCEnc* e) noexcept nogil:
    cdef uint64_t low = e.low, high = e.low + e.range, mask, value = e.low
    cdef int k, j
    for k in range(1, 8):
        mask = ((<uint64_t>1) << (56 - 8 * k)) - 1
        value = (low + mask) & ~mask
        if value < high:
            break
    e.low = value
    for j in range(k + 1):
        rc_shift_low(e)
    while e.size > 0 and e.buf[e.size - 1] == 0:   # the decoder reads zeros past the end
        e.size -= 1


cdef object rc_result(RCEnc* e):
    if e.failed:
        free(e.buf)
        raise MemoryError("range coder output buffer")
    out = PyBytes_FromStringAndSize(<char*>e.buf, e.size)
    free(e.buf)
    e.buf = NULL
    return out


# ----------------------------------------------------------------------------- range decoder core
cdef struct RCDec:
    uint64_t code
    uint64_t range
    uint64_t r
    const uint8_t* buf
    Py_ssize_t pos
    Py_ssize_t size


cdef inline uint64_t rd_byte(RCDec* d) noexcept nogil:
    cdef Py_ssize_t pos = d.pos
    d.pos = pos + 1
    if pos < d.size:
        return d.buf[pos]
    return 0


cdef int rd_init(RCDec* d, const uint8_t* buf, Py_ssize_t size) noexcept nogil:
    d.buf = buf
    d.size = size
    d.pos = 0
    d.range = RC_TOP - 1
    d.code = 0
    d.r = 0
    cdef int j
    for j in range(7):
        d.code = (d.code << 8) | rd_byte(d)
    return d.code < d.range


cdef inline void rd_normalize(RCDec* d) noexcept nogil:
    while d.range < RC_BOT:
        d.range <<= 8
        d.code = (d.code << 8) | rd_byte(d)


# ----------------------------------------------------------------------------- static range coder
def range_encode(const symbol_t[::1] symbols, const uint32_t[::1] freq, const uint32_t[::1] cum, int bits):
    """Static range coding of ``symbols`` (values index ``freq``/``cum``, all coded freqs > 0) under 2**bits."""
    cdef Py_ssize_t i, n = symbols.shape[0]
    cdef RCEnc e
    cdef uint64_t r
    cdef symbol_t s
    if not rc_init(&e, n * (bits + 1) // 8 + 64):
        raise MemoryError
    with nogil:
        for i in range(n):
            s = symbols[i]
            r = e.range >> bits
            e.low += cum[s] * r
            e.range = freq[s] * r
            if e.range < RC_BOT:
                rc_normalize(&e)
        rc_finish(&e)
    return rc_result(&e)


def range_decode(const uint8_t[::1] payload, const uint32_t[::1] freq, const uint32_t[::1] cum,
                 const symbol_t[::1] slot_symbol, int bits, symbol_t[::1] out):
    """Inverse of :func:`range_encode`; ``slot_symbol[t]`` is the symbol whose interval holds ``t``."""
    cdef Py_ssize_t i, n = out.shape[0]
    cdef RCDec d
    cdef uint64_t r, t
    cdef symbol_t s
    cdef int bad = 0
    if n == 0:
        return
    if slot_symbol.shape[0] != (<Py_ssize_t>1 << bits):
        raise ValueError("slot table must have 2**bits entries")
    with nogil:
        if not rd_init(&d, &payload[0] if payload.shape[0] else NULL, payload.shape[0]):
            bad = 1
        else:
            for i in range(n):
                r = d.range >> bits
                t = d.code // r
                if t >> bits:
                    bad = 1
                    break
                s = slot_symbol[t]
                out[i] = s
                d.code -= cum[s] * r
                d.range = freq[s] * r
                if d.range < RC_BOT:
                    rd_normalize(&d)
    if bad:
        raise CorruptDataError("range coder payload is corrupted")


# ----------------------------------------------------------------------------- rANS
cdef struct RansSym:
    uint32_t x_max
    uint32_t rcp_freq
    uint32_t bias
    uint32_t cmpl_freq
    uint32_t rcp_shift


def rans_encode(const symbol_t[::1] symbols, const uint32_t[::1] freq, const uint32_t[::1] cum,
                int bits, int streams):
    """Static rANS, ``streams`` interleaved 32-bit states (symbol i uses state i % streams), byte renormalisation.

    Division by the frequency is a multiplication by a reciprocal (exact for states below 2**31, as in
    ryg_rans); the twin divides.
    """
    cdef Py_ssize_t i, n = symbols.shape[0], k = freq.shape[0], pos, cap
    cdef uint32_t states[8]
    cdef uint32_t x, f, q, shift
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
    cdef uint8_t[::1] buf = buffer
    pos = cap
    with nogil:
        for j in range(streams):
            states[j] = RANS_L
        j = <int>((n - 1) % streams)
        for i in range(n - 1, -1, -1):
            e = &table[symbols[i]]
            x = states[j]
            while x >= e.x_max:
                pos -= 1
                buf[pos] = <uint8_t>x
                x >>= 8
            q = <uint32_t>((<uint64_t>x * e.rcp_freq) >> 32) >> e.rcp_shift
            states[j] = x + e.bias + q * e.cmpl_freq
            j -= 1
            if j < 0:
                j = streams - 1
        for j in range(streams - 1, -1, -1):
            x = states[j]
            pos -= 4
            buf[pos] = <uint8_t>x
            buf[pos + 1] = <uint8_t>(x >> 8)
            buf[pos + 2] = <uint8_t>(x >> 16)
            buf[pos + 3] = <uint8_t>(x >> 24)
    free(table)
    return PyBytes_FromStringAndSize(<char*>&buf[pos], cap - pos)


def rans_decode(const uint8_t[::1] payload, const uint64_t[::1] slot_info, const symbol_t[::1] slot_symbol,
                int bits, int streams, symbol_t[::1] out):
    """Inverse of :func:`rans_encode`. ``slot_info[slot] = freq << 32 | (slot - cum)`` of the slot's symbol.

    Raises CorruptDataError when the payload ends early, a state starts out of range, or the stream
    does not end with every state back at its start and every byte consumed.
    """
    cdef Py_ssize_t i, n = out.shape[0], size = payload.shape[0], pos
    cdef uint32_t states[8]
    cdef uint32_t x, mask = (<uint32_t>1 << bits) - 1, slot
    cdef uint64_t info
    cdef int j, bad = 0
    cdef const uint8_t* buf
    if n == 0:
        if size:
            raise CorruptDataError("rANS payload for zero symbols")
        return
    if not 1 <= streams <= 8:
        raise CorruptDataError("rANS stream count out of range")
    if slot_info.shape[0] != (<Py_ssize_t>1 << bits) or slot_symbol.shape[0] != slot_info.shape[0]:
        raise ValueError("slot tables must have 2**bits entries")
    if size < 4 * streams:
        raise CorruptDataError("rANS payload shorter than its initial states")
    buf = &payload[0]
    with nogil:
        for j in range(streams):
            x = (<uint32_t>buf[4 * j] | (<uint32_t>buf[4 * j + 1] << 8) | (<uint32_t>buf[4 * j + 2] << 16)
                 | (<uint32_t>buf[4 * j + 3] << 24))
            if x < RANS_L or x >= (<uint32_t>RANS_L << 8):
                bad = 1
            states[j] = x
        pos = 4 * streams
        j = 0
        if not bad:
            for i in range(n):
                x = states[j]
                slot = x & mask
                info = slot_info[slot]
                out[i] = slot_symbol[slot]
                x = <uint32_t>(info >> 32) * (x >> bits) + <uint32_t>info
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
    uint32_t* freq
    uint32_t* tree         # 1-based
    Py_ssize_t k
    Py_ssize_t top         # highest power of two <= k
    uint64_t total
    uint64_t limit


cdef void fw_rebuild(Fenwick* m) noexcept nogil:
    cdef Py_ssize_t j, parent, k = m.k
    m.tree[0] = 0
    for j in range(1, k + 1):
        m.tree[j] = m.freq[j - 1]
    for j in range(1, k + 1):
        parent = j + (j & -j)
        if parent <= k:
            m.tree[parent] += m.tree[j]


cdef int fw_init(Fenwick* m, Py_ssize_t k) noexcept nogil:
    cdef Py_ssize_t j
    m.k = k
    m.freq = <uint32_t*>malloc((k + 1) * sizeof(uint32_t))
    m.tree = <uint32_t*>malloc((k + 1) * sizeof(uint32_t))
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
    m.top = 1
    while m.top * 2 <= k:
        m.top *= 2
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
    cdef Py_ssize_t pos = 0, nxt, mask = m.top, k = m.k
    cdef uint32_t t = rest[0]
    while mask:
        nxt = pos + mask
        if nxt <= k and m.tree[nxt] <= t:
            pos = nxt
            t -= m.tree[nxt]
        mask >>= 1
    rest[0] = t
    return pos


cdef inline void fw_update(Fenwick* m, Py_ssize_t s) noexcept nogil:
    cdef Py_ssize_t j = s + 1, k = m.k
    cdef uint64_t total = 0
    m.freq[s] += ADAPT_INCREMENT
    m.total += ADAPT_INCREMENT
    while j <= k:
        m.tree[j] += ADAPT_INCREMENT
        j += j & -j
    if m.total > m.limit:
        for j in range(k):
            m.freq[j] = (m.freq[j] + 1) >> 1
            total += m.freq[j]
        m.total = total
        fw_rebuild(m)


def adaptive0_encode(const uint32_t[::1] symbols, Py_ssize_t k):
    """Adaptive order-0 range coding of indices below k (Fenwick-tree frequencies, see the twin)."""
    cdef Py_ssize_t i, n = symbols.shape[0]
    cdef RCEnc e
    cdef Fenwick m
    cdef uint64_t r
    cdef uint32_t s
    if n == 0:
        return b""
    if not fw_init(&m, k):
        raise MemoryError
    if not rc_init(&e, n // 2 + 64):
        free(m.freq)
        free(m.tree)
        raise MemoryError
    with nogil:
        for i in range(n):
            s = symbols[i]
            r = e.range // m.total
            e.low += fw_cum(&m, s) * r
            e.range = m.freq[s] * r
            rc_normalize(&e)
            fw_update(&m, s)
        rc_finish(&e)
    free(m.freq)
    free(m.tree)
    return rc_result(&e)


def adaptive0_decode(const uint8_t[::1] payload, Py_ssize_t k, uint32_t[::1] out):
    """Inverse of :func:`adaptive0_encode`."""
    cdef Py_ssize_t i, n = out.shape[0], s
    cdef RCDec d
    cdef Fenwick m
    cdef uint64_t t
    cdef uint32_t rest
    cdef int bad = 0
    if n == 0:
        return
    if k < 1:
        raise CorruptDataError("adaptive model with an empty alphabet")
    if not fw_init(&m, k):
        raise MemoryError
    with nogil:
        if not rd_init(&d, &payload[0] if payload.shape[0] else NULL, payload.shape[0]):
            bad = 1
        else:
            for i in range(n):
                d.r = d.range // m.total
                t = d.code // d.r
                if t >= m.total:
                    bad = 1
                    break
                rest = <uint32_t>t
                s = fw_find(&m, &rest)
                d.code -= (t - rest) * d.r
                d.range = m.freq[s] * d.r
                rd_normalize(&d)
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
    cdef uint32_t e = slot[0], p = e >> 16, k = e & 0xFFFF
    cdef uint32_t rate = RATES[k]
    if bit:
        p += ((65536 - p) * rate) >> 16
    else:
        p -= (p * rate) >> 16
    if k < COUNT_LIMIT:
        k += 1
    slot[0] = (p << 16) | k


cdef inline void enc_bit(RCEnc* e, uint32_t* slot, uint32_t bit) noexcept nogil:
    cdef uint64_t bound = (e.range >> PROB_BITS) * (slot[0] >> 16)
    if bit:
        e.range = bound
    else:
        e.low += bound
        e.range -= bound
    if e.range < RC_BOT:
        rc_normalize(e)
    counter_update(slot, bit)


cdef inline uint32_t dec_bit(RCDec* d, uint32_t* slot) noexcept nogil:
    cdef uint64_t bound = (d.range >> PROB_BITS) * (slot[0] >> 16)
    cdef uint32_t bit
    if d.code < bound:
        d.range = bound
        bit = 1
    else:
        d.code -= bound
        d.range -= bound
        bit = 0
    if d.range < RC_BOT:
        rd_normalize(d)
    counter_update(slot, bit)
    return bit


cdef uint32_t* new_table(int table_bits) noexcept nogil:
    cdef Py_ssize_t i, size = (<Py_ssize_t>1) << table_bits
    cdef uint32_t* table = <uint32_t*>malloc(size * sizeof(uint32_t))
    if table != NULL:
        for i in range(size):
            table[i] = PROB_INIT
    return table


def context_encode(const uint8_t[::1] data, int order, int table_bits):
    """Adaptive order-k binary context model over bytes (see the twin for the model)."""
    cdef Py_ssize_t i, n = data.shape[0]
    cdef RCEnc e
    cdef uint32_t* table
    cdef uint32_t history = 0, cmask, h, base, node, byte, bit
    cdef int shift = 32 - (table_bits - 4), j
    if n == 0:
        return b""
    cmask = 0xFFFFFFFF if order >= 4 else ((<uint32_t>1 << (8 * order)) - 1)
    table = new_table(table_bits)
    if table == NULL:
        raise MemoryError
    if not rc_init(&e, n // 2 + 64):
        free(table)
        raise MemoryError
    with nogil:
        for i in range(n):
            byte = data[i]
            h = context_hash(history & cmask, order)
            base = (h >> shift) << 4
            node = 1
            for j in range(7, 3, -1):
                bit = (byte >> j) & 1
                enc_bit(&e, &table[base + node], bit)
                node = 2 * node + bit
            base = (nibble_hash(h, node) >> shift) << 4
            node = 1
            for j in range(3, -1, -1):
                bit = (byte >> j) & 1
                enc_bit(&e, &table[base + node], bit)
                node = 2 * node + bit
            history = (history << 8) | byte
        rc_finish(&e)
    free(table)
    return rc_result(&e)


def context_decode(const uint8_t[::1] payload, int order, int table_bits, uint8_t[::1] out):
    """Inverse of :func:`context_encode`."""
    cdef Py_ssize_t i, n = out.shape[0]
    cdef RCDec d
    cdef uint32_t* table
    cdef uint32_t history = 0, cmask, h, base, node, high
    cdef int shift = 32 - (table_bits - 4), j, bad = 0
    if n == 0:
        return
    cmask = 0xFFFFFFFF if order >= 4 else ((<uint32_t>1 << (8 * order)) - 1)
    table = new_table(table_bits)
    if table == NULL:
        raise MemoryError
    with nogil:
        if not rd_init(&d, &payload[0] if payload.shape[0] else NULL, payload.shape[0]):
            bad = 1
        else:
            for i in range(n):
                h = context_hash(history & cmask, order)
                base = (h >> shift) << 4
                node = 1
                for j in range(4):
                    node = 2 * node + dec_bit(&d, &table[base + node])
                high = node - 16
                base = (nibble_hash(h, node) >> shift) << 4
                node = 1
                for j in range(4):
                    node = 2 * node + dec_bit(&d, &table[base + node])
                node = (high << 4) | (node - 16)
                out[i] = <uint8_t>node
                history = (history << 8) | node
    free(table)
    if bad:
        raise CorruptDataError("context-model payload is corrupted")
