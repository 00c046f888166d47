# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: freethreading_compatible=True
"""Adaptive arithmetic-coding kernels: order-0 frequencies (Fenwick tree), order-k binary context
models over bytes, and the logistic mixing of orders 0..k.

Every kernel has a pure-Python twin in codelength/reference/arith.py that defines it (bit-identical
payloads). The loops run without the GIL on input the Python layer (codelength/coders/adaptive.py) has
validated: symbol values index the frequency tables, every coded symbol has a nonzero frequency.
Decoders are safe on any payload: reads are bounded (zeros past the end, an error once more than
RC_SLACK = 7 bytes past it), table indices are bounded by construction, every loop runs at most n
steps. The range coder core they code with is in _rangecoder.pxd.

Thread safety (the module is declared ``freethreading_compatible``): every coder keeps its state in
local variables and buffers of its own call, writes only to the arrays it is given, and the
module-level tables are filled once, at import; calls from many threads at once are independent.
"""
from libc.stdint cimport uint8_t, uint32_t, uint64_t, int16_t, int32_t, int64_t
from libc.stdlib cimport malloc, calloc, free

from codelength.coders._pages cimport cl_pages_alloc, cl_pages_free
from codelength.coders._rangecoder cimport (RC_TOP, RC_BOT, RC_SLACK, out_grow, out_carry, out_bytes,
                                            rc_narrow, rc_flush, rd_normalize, rd_start)

from ..errors import CorruptDataError

cdef extern from *:
    """
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
    const int PROB_BITS
    const int COUNT_LIMIT
    const uint32_t ADAPT_INCREMENT
    const uint32_t PROB_FLIP
    uint32_t decide_bit(uint64_t* code, uint64_t* rng, uint64_t bound) nogil
    void add_after(uint32_t* run, int after, uint32_t inc) nogil
    void* aligned_alloc(size_t alignment, size_t size) nogil
    void __builtin_prefetch(const void*) nogil

cdef uint32_t RATES[31]   # COUNT_LIMIT + 1
for _k in range(COUNT_LIMIT + 1):
    RATES[_k] = (2 << 16) // (2 * _k + 3)

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


# The order-0 encoder's loop, written once for both frequency structures (a fused type: Cython emits
# one specialisation per struct, with the cum/update calls resolved at compile time).
ctypedef fused Order0:
    Small
    Fenwick


cdef inline uint32_t o0_cum(Order0* m, uint32_t s) noexcept nogil:
    if Order0 is Small:
        return small_cum(m, s)
    else:
        return fw_cum(m, s)


cdef inline void o0_update(Order0* m, uint32_t s) noexcept nogil:
    if Order0 is Small:
        small_update(m, s)
    else:
        fw_update(m, s)


cdef Py_ssize_t o0_encode(Order0* m, const uint32_t* symbols, Py_ssize_t n, uint8_t** out,
                          Py_ssize_t cap) noexcept nogil:
    """Range-code symbols[0:n] under the adaptive frequencies m into out[0] (cap bytes, grown as needed);
    return the payload length (out[0] is NULL when the buffer could not grow)."""
    cdef Py_ssize_t i, pos = 0
    cdef uint64_t r, low = 0, rng = RC_TOP - 1
    cdef uint32_t s
    cdef uint8_t* buf = out[0]
    for i in range(n):
        if pos + 16 > cap:
            buf = out_grow(buf, &cap, pos + 16)
            if buf == NULL:
                break
        s = symbols[i]
        r = rng // m.total
        rc_narrow(&low, &rng, buf, &pos, o0_cum(m, s) * r, m.freq[s] * r)
        o0_update(m, s)
    if buf != NULL:
        pos = rc_flush(low, rng, buf, pos)
    out[0] = buf
    return pos


def adaptive0_encode(const uint32_t[::1] symbols, Py_ssize_t k):
    """Adaptive order-0 range coding of indices below k (Fenwick-tree frequencies, see the twin; the
    grouped Small structure, same frequencies, for k <= 256)."""
    cdef Py_ssize_t n = symbols.shape[0], pos = 0, cap = n // 2 + 64
    cdef Fenwick fw
    cdef Small small
    cdef bint use_small = 1 <= k <= 256
    cdef uint8_t* buf
    if n == 0:
        return b""
    if use_small:
        small_init(&small, k)
    elif not fw_init(&fw, k):
        raise MemoryError
    buf = <uint8_t*>malloc(cap)
    if buf != NULL:
        with nogil:
            if use_small:
                pos = o0_encode(&small, &symbols[0], n, &buf, cap)
            else:
                pos = o0_encode(&fw, &symbols[0], n, &buf, cap)
    if not use_small:
        free(fw.freq)
        free(fw.tree)
    if buf == NULL:
        raise MemoryError
    return out_bytes(buf, pos)


def adaptive0_decode(const uint8_t[::1] payload, Py_ssize_t k, uint32_t[::1] out):
    """Inverse of :func:`adaptive0_encode`."""
    cdef Py_ssize_t i, n = out.shape[0], s, pos = 0, size = payload.shape[0]
    cdef const uint8_t* buf = &payload[0] if size else NULL
    cdef Fenwick m
    cdef uint64_t t, r, code, rng
    cdef uint32_t rest
    cdef int bad = 0
    if n == 0:
        return
    if k < 1:
        raise CorruptDataError("adaptive model with an empty alphabet")
    if not fw_init(&m, k):
        raise MemoryError
    with nogil:
        if not rd_start(buf, size, &pos, &code, &rng):
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
    """2**table_bits counters at p = 1/2, count 0 (all-zero bits: the zeroed pages of ``_pages.pxd``,
    huge pages from 2 MiB up), 64-byte aligned (a nibble's 16 counters share one cache line). Free
    ``raw[0]`` with ``cl_pages_free``."""
    raw[0] = cl_pages_alloc(((<size_t>1) << table_bits) * sizeof(uint32_t))
    return <uint32_t*>raw[0]


# Counter blocks of the context model. The model is a table of 2**table_bits counters, 16 per block (one
# nibble's binary tree) at base = (hash >> shift) << 4. A large input uses the table itself (calloc'd:
# untouched pages cost nothing). A small one touches at most 2 blocks per byte, yet each first touch of
# a page of the table costs a page fault (a 1 KiB input faulted in about 2,000 pages: ~1.5 ms); it keeps
# the blocks it touches in a small hash map instead. Same counters, same bits: only where they live.
cdef struct Blocks:
    uint32_t* table        # dense: the whole table (NULL when sparse)
    uint32_t* keys         # sparse: open addressing on base / 16 + 1 (0 = empty slot)
    uint32_t* where        # sparse: the block's index in pool
    uint32_t* pool         # sparse: 16 zeroed counters per block, handed out in order
    uint32_t mask
    uint32_t used
    uint32_t limit         # blocks in pool: 2 per byte plus the first, never exceeded
    void* raw
    void* raw_pool


cdef int blocks_init(Blocks* b, int table_bits, Py_ssize_t n) noexcept nogil:
    """Dense table, or the sparse map when 2 n + 2 blocks take at most 1/8 of the table; 0 ok, -1 no memory."""
    cdef size_t limit = 2 * <size_t>n + 2, cap = 16
    b.table = NULL
    b.raw = NULL
    b.raw_pool = NULL
    if not _sparse_fits(table_bits, n):
        b.table = new_table(table_bits, &b.raw)
        return 0 if b.table != NULL else -1
    while cap < 2 * limit:
        cap *= 2
    b.raw = calloc(2 * cap, sizeof(uint32_t))
    b.raw_pool = calloc(limit * 16 + 16, sizeof(uint32_t))
    if b.raw == NULL or b.raw_pool == NULL:
        free(b.raw)
        free(b.raw_pool)
        return -1
    b.keys = <uint32_t*>b.raw
    b.where = b.keys + cap
    b.pool = <uint32_t*>b.raw_pool
    b.mask = <uint32_t>(cap - 1)
    b.used = 0
    b.limit = <uint32_t>limit
    return 0


cdef inline uint32_t* blocks_get(Blocks* b, uint32_t base) noexcept nogil:
    """The 16 counters of the block at ``base`` (zeroed on first use)."""
    cdef uint32_t key, i, k
    if b.table != NULL:
        return b.table + base
    key = (base >> 4) + 1
    i = (key * <uint32_t>0x9E3779B1) & b.mask
    while True:
        k = b.keys[i]
        if k == key:
            return b.pool + 16 * <size_t>b.where[i]
        if k == 0:
            if b.used == b.limit:          # cannot happen (2 blocks per byte); stay in bounds regardless
                return b.pool + 16 * <size_t>b.limit
            b.keys[i] = key
            b.where[i] = b.used
            b.used += 1
            return b.pool + 16 * <size_t>(b.used - 1)
        i = (i + 1) & b.mask


cdef inline void blocks_prefetch(Blocks* b, uint32_t base) noexcept nogil:
    if b.table != NULL:
        __builtin_prefetch(&b.table[base])


cdef void blocks_free(Blocks* b) noexcept nogil:
    if b.table != NULL:
        cl_pages_free(b.raw)
    else:
        free(b.raw)
    free(b.raw_pool)


cdef inline bint _sparse_fits(int table_bits, Py_ssize_t n) noexcept nogil:
    """The 2 n + 2 blocks of n bytes take at most 1/8 of the table: keep them in the hash map."""
    return (2 * <size_t>n + 2) * 64 * 8 <= ((<size_t>1) << table_bits) * sizeof(uint32_t)


def uses_sparse_table(int table_bits, Py_ssize_t n):
    """Whether the context model of ``n`` bytes keeps its counters in the hash map (see Blocks) rather than
    the 2**table_bits table: the output is the same either way (for tests and benchmarks)."""
    return bool(_sparse_fits(table_bits, n))

def context_encode(const uint8_t[::1] data, int order, int table_bits):
    """Adaptive order-k binary context model over bytes (see the twin for the model)."""
    cdef Py_ssize_t i, n = data.shape[0], pos = 0, cap = n // 2 + 64
    cdef uint64_t low = 0, rng = RC_TOP - 1
    cdef Blocks blocks
    cdef uint32_t* block
    cdef uint32_t history = 0, cmask, h, h_next, base, base2, node, byte, bit
    cdef int shift = 32 - (table_bits - 4), j
    cdef uint8_t* buf
    if n == 0:
        return b""
    cmask = 0xFFFFFFFF if order >= 4 else ((<uint32_t>1 << (8 * order)) - 1)
    if blocks_init(&blocks, table_bits, n) != 0:
        raise MemoryError
    buf = <uint8_t*>malloc(cap)
    if buf == NULL:
        blocks_free(&blocks)
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
            blocks_prefetch(&blocks, base2)             # every bit is known: fetch both nibbles' counters
            h_next = context_hash(((history << 8) | byte) & cmask, order)
            blocks_prefetch(&blocks, (h_next >> shift) << 4)
            block = blocks_get(&blocks, base)
            node = 1
            for j in range(7, 3, -1):
                bit = (byte >> j) & 1
                enc_bit(&low, &rng, buf, &pos, &block[node], bit)
                node = 2 * node + bit
            h = h_next
            block = blocks_get(&blocks, base2)
            node = 1
            for j in range(3, -1, -1):
                bit = (byte >> j) & 1
                enc_bit(&low, &rng, buf, &pos, &block[node], bit)
                node = 2 * node + bit
            history = (history << 8) | byte
        if buf != NULL:
            pos = rc_flush(low, rng, buf, pos)
    blocks_free(&blocks)
    return out_bytes(buf, pos)


def context_decode(const uint8_t[::1] payload, int order, int table_bits, uint8_t[::1] out):
    """Inverse of :func:`context_encode`."""
    cdef Py_ssize_t i, n = out.shape[0], pos = 0, size = payload.shape[0]
    cdef const uint8_t* buf = &payload[0] if size else NULL
    cdef uint64_t code, rng
    cdef Blocks blocks
    cdef uint32_t* block
    cdef uint32_t history = 0, cmask, h, h0, h1, next0, base, base0, base1, node, high, e
    cdef int shift = 32 - (table_bits - 4), j, bad = 0
    if n == 0:
        return
    cmask = 0xFFFFFFFF if order >= 4 else ((<uint32_t>1 << (8 * order)) - 1)
    if blocks_init(&blocks, table_bits, n) != 0:
        raise MemoryError
    with nogil:
        if not rd_start(buf, size, &pos, &code, &rng):
            bad = 1
        else:
            h = context_hash(0, order)
            for i in range(n):
                base = (h >> shift) << 4
                block = blocks_get(&blocks, base)
                node = dec_three(&code, &rng, buf, &pos, size, block, &e)
                # the low nibble's counters sit at one of two places: fetch both while the 4th bit decodes
                base0 = (nibble_hash(h, 2 * node) >> shift) << 4
                base1 = (nibble_hash(h, 2 * node + 1) >> shift) << 4
                blocks_prefetch(&blocks, base0)
                blocks_prefetch(&blocks, base1)
                node = 2 * node + dec_last(&code, &rng, buf, &pos, size, &block[node], e)
                high = node - 16
                base = base1 if node & 1 else base0
                block = blocks_get(&blocks, base)
                node = dec_three(&code, &rng, buf, &pos, size, block, &e)
                # likewise the next byte's first counters: two candidate contexts
                next0 = (history << 8) | (high << 4) | (2 * node - 16)
                h0 = context_hash(next0 & cmask, order)
                h1 = context_hash((next0 + 1) & cmask, order)
                blocks_prefetch(&blocks, (h0 >> shift) << 4)
                blocks_prefetch(&blocks, (h1 >> shift) << 4)
                node = 2 * node + dec_last(&code, &rng, buf, &pos, size, &block[node], e)
                h = h1 if node & 1 else h0
                node = (high << 4) | (node - 16)
                out[i] = <uint8_t>node
                history = (history << 8) | node
                if pos > size + RC_SLACK:       # the payload ran out (dec_step's refills read zeros)
                    bad = 1
                    break
    blocks_free(&blocks)
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
        cl_pages_free(raw[0])
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
        cl_pages_free(raw)
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
    cl_pages_free(raw)
    free(m.weights)
    return out_bytes(buf, pos)


def mix_decode(const uint8_t[::1] payload, int order, int table_bits, uint8_t[::1] out):
    """Inverse of :func:`mix_encode`."""
    cdef Py_ssize_t i, n = out.shape[0], pos = 0, size = payload.shape[0]
    cdef const uint8_t* buf = &payload[0] if size else NULL
    cdef uint64_t code, rng
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
        if not rd_start(buf, size, &pos, &code, &rng):
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
    cl_pages_free(raw)
    free(m.weights)
    if bad:
        raise CorruptDataError("context-mixing payload is corrupted")
