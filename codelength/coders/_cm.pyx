# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# cython: freethreading_compatible=True
"""Kernel of the context-mixing coder: the model of codelength.reference.cm in C, GIL released.

Every step mirrors the twin (codelength/reference/cm.py), which defines the model; the tables are built
there and copied in at import. Callers (codelength.coders.cm) validate the arguments: ``k`` in
[MIN_TABLE_BITS, MAX_TABLE_BITS], ``out`` of the declared length. All table indices are masked or
bounded by construction (states are bytes, slots are masked to the table, the match pointer stays below
the current position), so a damaged payload only decodes to wrong bytes, which the container's CRC
catches.

Thread safety (the module is declared ``freethreading_compatible``): a call keeps its model in a struct
and buffers of its own; the module-level tables are filled once, at import.
"""
from libc.stdlib cimport calloc, malloc, realloc, free
from libc.string cimport memset
from libc.stdint cimport uint8_t, int16_t, uint16_t, int32_t, uint32_t, int64_t, uintptr_t
from libc.math cimport log2

import numpy as np

cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define CM_PREFETCH(p) __builtin_prefetch(p)
    #else
    #define CM_PREFETCH(p) ((void)0)
    #endif
    """
    void CM_PREFETCH(const void *p) noexcept nogil

cdef extern from *:
    """
    #include <stdint.h>
    /* The two mixers' dot products and training steps (12 inputs each). Integer arithmetic, so every
       build gives the same numbers; on x86-64 Linux with GCC the functions are also compiled for AVX2
       and the loader picks that clone when the CPU has it (target_clones: a runtime CPU check). */
    #if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
    #define CM_CLONES __attribute__((target_clones("avx2", "default")))
    #else
    #define CM_CLONES
    #endif
    #define CM_NIN 12
    CM_CLONES static void cm_dot2(const int32_t *restrict x, const int32_t *restrict w,
                                  const int32_t *restrict w2, int64_t *restrict out) {
        int64_t a = 0, b = 0;
        for (int i = 0; i < CM_NIN; i++) {
            a += (int64_t)x[i] * w[i];
            b += (int64_t)x[i] * w2[i];
        }
        out[0] = a;
        out[1] = b;
    }
    /* w += round(x * err / 2^18), clamped to +-limit; |x| < 2^11, |err| < 2^21 and |w| <= 2^22, so the
       rounded step and the sum fit in 32 bits. */
    CM_CLONES static void cm_train2(const int32_t *restrict x, int32_t *restrict w, int32_t e1,
                                    int32_t *restrict w2, int32_t e2, int32_t limit) {
        for (int i = 0; i < CM_NIN; i++) {
            int32_t v = w[i] + (int32_t)(((int64_t)x[i] * e1 + 0x20000) >> 18);
            v = v > limit ? limit : v;
            w[i] = v < -limit ? -limit : v;
        }
        for (int i = 0; i < CM_NIN; i++) {
            int32_t v = w2[i] + (int32_t)(((int64_t)x[i] * e2 + 0x20000) >> 18);
            v = v > limit ? limit : v;
            w2[i] = v < -limit ? -limit : v;
        }
    }
    """
    void cm_dot2(const int32_t *x, const int32_t *w, const int32_t *w2, int64_t *out) noexcept nogil
    void cm_train2(const int32_t *x, int32_t *w, int32_t e1, int32_t *w2, int32_t e2, int32_t limit) noexcept nogil

from codelength.coders._pages cimport cl_pages_alloc, cl_pages_free

from ..reference import cm as _ref

cdef enum:
    NCTX = 9
    NIN = 12
    MINLEN = 6
    MAXLEN = 65535
    SM_LIMIT = 1023
    MATCH_LIMIT = 1023
    MIXER_SHIFT = 16
    LR_MIN = 32
    LR_BOOST = 320
    LR_HALF = 8192
    W_INIT = 16384
    W_LIMIT = 4194304
    APM_N0 = 8
    APM_LIMIT = 250
    APM2_BITS = 16
    APM3_BITS = 18

cdef uint8_t NXT[512]
cdef uint8_t NTOT[256]
cdef int32_t SQ[4096]
cdef int32_t ST[4096]
cdef int32_t SMI[256]
cdef int32_t RATE[SM_LIMIT + 1]
cdef int32_t APM_ROW[33]


def _load_tables():
    nxt, n0, n1 = _ref.state_tables()
    for i in range(512):
        NXT[i] = nxt[i]
    for i in range(256):
        NTOT[i] = n0[i] + n1[i]
        SMI[i] = _ref.sm_init()[i]
    sq, st = _ref.squash_table(), _ref.stretch_table()
    for i in range(4096):
        SQ[i] = sq[i]
        ST[i] = st[i]
    rate = _ref.rate_table()
    for i in range(SM_LIMIT + 1):
        RATE[i] = rate[i]
    for j in range(33):
        APM_ROW[j] = sq[min(4095, j * 128)] * 16
    if (_ref.NCTX, _ref.NIN, _ref.MINLEN, _ref.SM_LIMIT, _ref.LR_MIN, _ref.LR_BOOST, _ref.LR_HALF,
            _ref.APM_N0, _ref.APM_LIMIT, _ref.APM2_BITS, _ref.APM3_BITS) != \
            (NCTX, NIN, MINLEN, SM_LIMIT, LR_MIN, LR_BOOST, LR_HALF, APM_N0, APM_LIMIT, APM2_BITS, APM3_BITS):
        raise ImportError("codelength.coders._cm is out of date with codelength.reference.cm: rebuild it")


_load_tables()


cdef struct Model:
    uint8_t *t
    uint32_t *mt
    int32_t *smp
    int32_t *smn
    int32_t *mmp
    int32_t *mmn
    int32_t *w
    int32_t *w2
    int sel2
    int sel1
    int pma
    int pmb
    uint32_t *a1
    uint32_t *a2
    uint32_t *a3
    int lo1
    int lo2
    uint32_t a3base
    int64_t j3
    uint8_t *buf
    int64_t pos
    int nbbits
    int mbits
    uint32_t c0
    int bitpos
    uint32_t nib
    uint32_t c4
    uint32_t c8
    uint32_t word0
    uint32_t word1
    int64_t lp1[256]
    int64_t lp2[256]
    int64_t rcand
    int rcount
    int64_t rlen
    int64_t mlen
    int64_t mptr
    int mctx
    uint32_t mhi
    int mpending
    uint32_t h[NCTX]
    uint32_t hsn[2 * NCTX]
    uint32_t hsb[NCTX + 2]
    int spec_y
    int64_t cp[NCTX]
    int32_t x[NIN]
    uint32_t a2base
    int pm
    int s_w
    int s_w2
    int64_t j1
    int64_t j2
    int lrs


cdef inline uint32_t fmix(uint32_t h) noexcept nogil:
    h ^= h >> 16
    h *= 0x85EBCA6Bu
    h ^= h >> 13
    h *= 0xC2B2AE35u
    h ^= h >> 16
    return h


cdef inline uint32_t hash2(uint32_t a, uint32_t b) noexcept nogil:
    return fmix(a * 0x9E3779B1u + fmix(b + 0x7F4A7C15u))


cdef inline int clampi(int64_t v, int lo, int hi) noexcept nogil:
    if v < lo:
        return lo
    if v > hi:
        return hi
    return <int>v


cdef int model_init(Model *m, int k, uint8_t *buf) noexcept nogil:
    cdef int64_t i, j
    memset(m, 0, sizeof(Model))
    m.nbbits = k - 4
    m.mbits = k - 4
    m.t = <uint8_t *>cl_pages_alloc(<size_t>1 << k)
    m.mt = <uint32_t *>cl_pages_alloc((<size_t>1 << m.mbits) * sizeof(uint32_t))
    m.smp = <int32_t *>calloc(256 * NCTX, sizeof(int32_t))
    m.smn = <int32_t *>calloc(256 * NCTX, sizeof(int32_t))
    m.mmp = <int32_t *>calloc(64 * 256, sizeof(int32_t))
    m.mmn = <int32_t *>calloc(64 * 256, sizeof(int32_t))
    m.w = <int32_t *>calloc(1024 * NIN, sizeof(int32_t))
    m.w2 = <int32_t *>calloc(256 * NIN, sizeof(int32_t))
    # APM entries start at 0, read as "never updated" (see apm_at). The three tables share one zeroed
    # mapping (mapped lazily, so a block pays only for the pages it touches) on transparent huge pages:
    # the rows of the two large ones are read at random, and with 4 KiB pages nearly every row read
    # also missed the TLB (measured: a third of the prediction step stalled on those two loads)
    m.a1 = <uint32_t *>cl_pages_alloc((256 + (<size_t>1 << APM2_BITS) + (<size_t>1 << APM3_BITS)) * 33
                                      * sizeof(uint32_t))
    if m.a1 != NULL:
        m.a2 = m.a1 + 256 * 33
        m.a3 = m.a2 + (<size_t>1 << APM2_BITS) * 33
    if (m.t == NULL or m.mt == NULL or m.smp == NULL or m.smn == NULL or m.mmp == NULL or m.mmn == NULL
            or m.w == NULL or m.w2 == NULL or m.a1 == NULL or m.a2 == NULL or m.a3 == NULL):
        return -1
    for i in range(NCTX):
        for j in range(256):
            m.smp[i * 256 + j] = SMI[j]
    for i in range(64 * 256):
        m.mmp[i] = 1 << 21
    for i in range(1024 * NIN):
        m.w[i] = W_INIT
    for i in range(256 * NIN):
        m.w2[i] = W_INIT
    m.buf = buf
    m.lrs = LR_MIN + LR_BOOST
    m.c0 = 1
    m.nib = 1
    byte_contexts(m)
    find_all(m, m.h)
    return 0


cdef void model_free(Model *m) noexcept nogil:
    cl_pages_free(m.t)
    cl_pages_free(m.mt)
    free(m.smp)
    free(m.smn)
    free(m.mmp)
    free(m.mmn)
    free(m.w)
    free(m.w2)
    cl_pages_free(m.a1)


cdef inline int64_t find(Model *m, uint32_t h) noexcept nogil:
    cdef uint8_t *t = m.t
    cdef uint8_t check = h & 0xFF
    cdef int64_t b0 = (<int64_t>(h >> (32 - m.nbbits))) << 4
    cdef int64_t b1 = b0 ^ 16
    cdef int64_t b2 = b0 ^ 32
    cdef int64_t best
    cdef int best_n, nb
    if t[b0] == check:
        return b0
    if t[b1] == check:
        return b1
    if t[b2] == check:
        return b2
    best = b0
    best_n = NTOT[t[b0 + 1]]
    nb = NTOT[t[b1 + 1]]
    if nb < best_n:
        best = b1
        best_n = nb
    nb = NTOT[t[b2 + 1]]
    if nb < best_n:
        best = b2
    memset(t + best, 0, 16)
    t[best] = check
    return best


cdef inline void find_all(Model *m, const uint32_t *hs) noexcept nogil:
    """The slots of the contexts hashed to ``hs`` (``m.h`` at a byte boundary; at the nibble boundary
    the hashes model_p computed for the bit coded, and prefetched, one bit earlier)."""
    cdef int i
    for i in range(NCTX):
        CM_PREFETCH(m.t + ((<int64_t>(hs[i] >> (32 - m.nbbits))) << 4))   # the misses overlap
    for i in range(NCTX):
        m.cp[i] = find(m, hs[i])


cdef inline void nibble_ahead(Model *m) noexcept nogil:
    """With 3 bits of the byte known: hash both possible first nibbles' contexts and prefetch their
    slots, so the misses overlap the coding of the 4th bit."""
    cdef int i
    cdef uint32_t c = m.c0 << 1, h0, h1
    cdef int sh = 32 - m.nbbits
    for i in range(NCTX):
        h0 = hash2(m.h[i], c)
        h1 = hash2(m.h[i], c | 1)
        m.hsn[i] = h0
        m.hsn[NCTX + i] = h1
        CM_PREFETCH(m.t + ((<int64_t>(h0 >> sh)) << 4))
        CM_PREFETCH(m.t + ((<int64_t>(h1 >> sh)) << 4))


cdef inline void context_hashes(uint32_t c4, uint32_t c8, uint32_t word0, uint32_t word1, int64_t r,
                                uint32_t above, uint32_t *h) noexcept nogil:
    """The byte-boundary hashes of the NCTX contexts, then the two large APMs' row bases."""
    h[0] = hash2(1, c4 & 0xFF)
    h[1] = hash2(2, c4 & 0xFFFF)
    h[2] = hash2(3, c4 & 0xFFFFFF)
    h[3] = hash2(4, c4)
    h[4] = hash2(hash2(6, c4), c8 & 0xFFFF)
    h[5] = hash2(hash2(7, word0), c4 & 0xFF)
    h[6] = hash2(hash2(8, word0), word1)
    if r:
        h[7] = hash2(hash2(9, <uint32_t>r), above | (c4 & 0xFF) << 8)
    else:
        h[7] = hash2(10, (c4 >> 8) & 0xFFFF)
    h[8] = hash2(5, c4 ^ (c8 & 0xFF) * 0x2F0F1F1u)
    h[NCTX] = (c4 & 0xFF) << 8
    h[NCTX + 1] = (hash2(12, c4 & 0xFFFF) >> (32 - APM3_BITS)) & ~(<uint32_t>0xFF)


cdef inline void byte_contexts(Model *m) noexcept nogil:
    """The contexts of the byte at m.pos from the model's state (at the start; end_byte takes the
    hashes byte_ahead computed for the byte coded)."""
    cdef uint32_t hb[NCTX + 2]
    cdef int64_t r = m.rlen
    cdef int i
    context_hashes(m.c4, m.c8, m.word0, m.word1, r, (m.buf[m.pos - r] if m.pos >= r else 0) if r else 0, hb)
    for i in range(NCTX):
        m.h[i] = hb[i]
    m.a2base = hb[NCTX]
    m.a3base = hb[NCTX + 1]


cdef inline int model_p(Model *m) noexcept nogil:
    cdef int i, s, ebit, lq, wt, lo, p1, p2, p3, pr, cnt = 0, mb, sa, sb
    cdef int64_t mlen
    cdef int64_t dots[2]
    cdef uint32_t eb
    cdef uint32_t nib = m.nib
    if m.bitpos == 3:
        nibble_ahead(m)
    for i in range(NCTX):
        s = m.t[m.cp[i] + nib]
        if i < 5 and s:
            cnt += 1
        m.x[i] = ST[m.smp[i * 256 + s] >> 10]
    if m.mlen > 0:
        eb = m.buf[m.mptr]
        if ((eb | 256) >> (8 - m.bitpos)) == m.c0:
            ebit = (eb >> (7 - m.bitpos)) & 1
            mlen = m.mlen
            if mlen < 16:
                lq = <int>mlen
            else:
                lq = <int>(16 + ((mlen - 16) >> 3))
                if lq > 31:
                    lq = 31
            m.mctx = (lq * 2 + ebit) * 256 + (m.c4 & 0xFF)
            m.x[NCTX] = ST[m.mmp[m.mctx] >> 10]
            m.x[NCTX + 1] = (lq << 6) if ebit else -(lq << 6)
        else:
            m.mlen = 0
    if m.mlen == 0:
        m.mctx = -1
        m.x[NCTX] = 0
        m.x[NCTX + 1] = 0
    m.x[NCTX + 2] = 256
    mb = 0 if m.mlen == 0 else (1 if m.mlen < 16 else (2 if m.mlen < 32 else 3))
    m.sel2 = (cnt * 4 + mb) * 8 + ((m.c4 & 0xFF) >> 5)
    m.sel1 = m.c0 + 256 * mb
    cm_dot2(m.x, m.w + m.sel1 * NIN, m.w2 + m.sel2 * NIN, dots)
    sa = clampi(dots[0] >> MIXER_SHIFT, -2047, 2047)
    sb = clampi(dots[1] >> MIXER_SHIFT, -2047, 2047)
    m.pma = SQ[sa + 2048]
    m.pmb = SQ[sb + 2048]
    m.pm = SQ[((sa + sb) >> 1) + 2048]
    s = ST[m.pm] + 2048
    lo = s >> 7
    wt = s & 127
    m.s_w = wt
    m.j1 = m.c0 * 33 + lo
    m.lo1 = lo
    p1 = apm_p(m.a1, m.j1, lo, wt)
    pr = (m.pm + 3 * p1 + 2) >> 2
    s = ST[pr] + 2048
    lo = s >> 7
    wt = s & 127
    m.s_w2 = wt
    m.j2 = ((m.a2base ^ m.c0) & ((1 << APM2_BITS) - 1)) * 33 + lo
    m.lo2 = lo
    p2 = apm_p(m.a2, m.j2, lo, wt)
    m.j3 = ((m.a3base ^ m.c0) & ((1 << APM3_BITS) - 1)) * 33 + lo
    p3 = apm_p(m.a3, m.j3, lo, wt)
    pr = (2 * pr + 3 * p2 + 3 * p3 + 4) >> 3
    if m.bitpos == 7:
        byte_ahead(m, pr >= 2048)
    return clampi(pr, 1, 4095)


cdef inline int32_t apm_at(uint32_t e, int col) noexcept nogil:
    """The 16-bit probability of an APM entry: (count << 16) | p, or 0 before its first update."""
    return <int32_t>(e & 0xFFFF) if e else APM_ROW[col]


cdef inline int apm_p(const uint32_t *a, int64_t j, int lo, int wt) noexcept nogil:
    return (apm_at(a[j], lo) * (128 - wt) + apm_at(a[j + 1], lo + 1) * wt) >> 11


cdef inline void apm_update(uint32_t *a, int64_t j, int col, int y) noexcept nogil:
    cdef uint32_t e = a[j]
    cdef int32_t p = apm_at(e, col)
    cdef uint32_t n = e >> 16
    p += <int32_t>((((y << 16) - p) * <int64_t>RATE[n + APM_N0]) >> 16)
    if n < APM_LIMIT:
        n += 1
    a[j] = (n << 16) | <uint32_t>p


cdef inline void prefetch_row(const uint32_t *r) noexcept nogil:
    """One APM row (33 entries, 132 bytes: three cache lines at most)."""
    CM_PREFETCH(r)
    CM_PREFETCH(r + 16)
    CM_PREFETCH(r + 32)


cdef inline void byte_ahead(Model *m, int y) noexcept nogil:
    """With 7 bits of the byte known and the 8th predicted to be ``y``: the next byte's context hashes
    for that byte (exactly as end_byte would compute them: the word, record-length and buffer updates
    applied to copies); prefetch their first slots and the large APMs' first rows, so the misses
    overlap the coding of the 8th bit. end_byte takes these hashes if the byte coded is that one and
    computes them itself otherwise. (Hashing both possible bytes cost 10 % more instructions for a
    gain within the noise; within a byte, model_update prefetches the next bit's exact APM rows, and
    prefetching both children's rows a bit earlier, 10 lines a bit, was measured slower.)"""
    cdef uint32_t c, word0, word1, above
    cdef uint32_t *hb = m.hsb
    cdef int64_t pos = m.pos + 1, r, d1, l1, l2
    cdef int i
    cdef int sh = 32 - m.nbbits
    m.spec_y = y
    if True:
        c = ((m.c0 << 1) | <uint32_t>y) & 0xFF
        word0 = m.word0
        word1 = m.word1
        if (65 <= c <= 90) or (97 <= c <= 122):
            word0 = (word0 + (c | 32)) * 0x3B9ACA07u
        elif word0:
            word1 = word0
            word0 = 0
        r = m.rlen
        l1 = m.lp1[c]
        l2 = m.lp2[c]
        d1 = pos - l1
        if l2 and d1 == l1 - l2 and 1 < d1 <= 4096 and d1 == m.rcand and m.rcount + 1 >= 3:
            r = d1
        above = 0
        if r and pos >= r:
            above = c if pos - r == m.pos else m.buf[pos - r]
        context_hashes((m.c4 << 8) | c, (m.c8 << 8) | (m.c4 >> 24), word0, word1, r, above, hb)
        for i in range(NCTX):
            CM_PREFETCH(m.t + ((<int64_t>(hb[i] >> sh)) << 4))
        prefetch_row(m.a2 + (hb[NCTX] | 1) * 33)
        prefetch_row(m.a3 + (hb[NCTX + 1] | 1) * 33)


cdef inline void model_update(Model *m, int y) noexcept nogil:
    cdef int i, s, n
    cdef int64_t idx, j
    cdef int32_t target = y << 22
    cdef uint32_t nib = m.nib
    # locals: the byte store into the table may alias anything, so fields would be reloaded each turn
    cdef uint8_t *t = m.t
    cdef int32_t *smp = m.smp
    cdef int32_t *smn = m.smn
    cdef const int64_t *cp = m.cp
    cdef uint8_t *slot
    for i in range(NCTX):
        slot = t + cp[i] + nib
        s = slot[0]
        j = i * 256 + s
        n = smn[j]
        smp[j] += <int32_t>((<int64_t>(target - smp[j]) * RATE[n]) >> 16)
        if n < SM_LIMIT:
            smn[j] = n + 1
        slot[0] = NXT[2 * s + y]
    if m.mctx >= 0:
        j = m.mctx
        n = m.mmn[j]
        m.mmp[j] += <int32_t>((<int64_t>(target - m.mmp[j]) * RATE[n]) >> 16)
        if n < MATCH_LIMIT:
            m.mmn[j] = n + 1
    cm_train2(m.x, m.w + m.sel1 * NIN, ((y << 12) - m.pma) * m.lrs,
              m.w2 + m.sel2 * NIN, ((y << 12) - m.pmb) * m.lrs, W_LIMIT)
    apm_update(m.a1, m.j1 + (m.s_w >> 6), m.lo1 + (m.s_w >> 6), y)
    apm_update(m.a2, m.j2 + (m.s_w2 >> 6), m.lo2 + (m.s_w2 >> 6), y)
    apm_update(m.a3, m.j3 + (m.s_w2 >> 6), m.lo2 + (m.s_w2 >> 6), y)
    m.c0 = (m.c0 << 1) | y
    m.nib = (nib << 1) | y
    m.bitpos += 1
    if m.bitpos == 4:
        m.nib = 1
        if m.mpending:
            match_lookup(m)
        find_all(m, m.hsn + NCTX * y)
    elif m.bitpos == 8:
        end_byte(m, m.c0 & 0xFF)
        return
    prefetch_row(m.a2 + ((m.a2base ^ m.c0) & ((1 << APM2_BITS) - 1)) * 33)
    prefetch_row(m.a3 + ((m.a3base ^ m.c0) & ((1 << APM3_BITS) - 1)) * 33)


cdef inline void end_byte(Model *m, uint32_t c) noexcept nogil:
    cdef uint8_t *buf = m.buf
    cdef int64_t pos = m.pos, d1
    cdef uint32_t *hb
    cdef int i
    buf[pos] = <uint8_t>c
    pos += 1
    m.pos = pos
    m.c8 = (m.c8 << 8) | (m.c4 >> 24)
    m.c4 = (m.c4 << 8) | c
    m.c0 = 1
    m.bitpos = 0
    m.nib = 1
    m.lrs = LR_MIN + (LR_BOOST * LR_HALF) // (pos + LR_HALF)
    if (65 <= c <= 90) or (97 <= c <= 122):
        m.word0 = (m.word0 + (c | 32)) * 0x3B9ACA07u
    elif m.word0:
        m.word1 = m.word0
        m.word0 = 0
    d1 = pos - m.lp1[c]
    if m.lp2[c] and d1 == m.lp1[c] - m.lp2[c] and 1 < d1 <= 4096:
        if d1 == m.rcand:
            m.rcount += 1
            if m.rcount >= 3:
                m.rlen = d1
        else:
            m.rcand = d1
            m.rcount = 1
    m.lp2[c] = m.lp1[c]
    m.lp1[c] = pos
    if m.mlen > 0:
        if buf[m.mptr] == c:
            m.mlen += 1
            if m.mlen > MAXLEN:
                m.mlen = MAXLEN
            m.mptr += 1
        else:
            m.mlen = 0
    if pos >= MINLEN:
        m.mhi = hash2(hash2(11, m.c4), m.c8 & 0xFFFF) >> (32 - m.mbits)
        m.mpending = 1
        CM_PREFETCH(m.mt + m.mhi)
    if <int>(c & 1) == m.spec_y:          # byte_ahead (model_p, at the 8th bit) hashed this byte
        hb = m.hsb
        for i in range(NCTX):
            m.h[i] = hb[i]
        m.a2base = hb[NCTX]
        m.a3base = hb[NCTX + 1]
    else:
        byte_contexts(m)
    find_all(m, m.h)


cdef inline void match_lookup(Model *m) noexcept nogil:
    cdef uint8_t *buf = m.buf
    cdef int64_t pos = m.pos, cand, n
    m.mpending = 0
    cand = m.mt[m.mhi]
    if m.mlen == 0 and cand > 0:
        n = 0
        while n < 32 and n < cand and buf[cand - 1 - n] == buf[pos - 1 - n]:
            n += 1
        if n >= MINLEN:
            m.mlen = n
            m.mptr = cand
    m.mt[m.mhi] = <uint32_t>pos


# -------------------------------------------------------------------------- the coder
def encode(const uint8_t[::1] data, int k):
    """Payload of ``data`` under the model with a 2**k-byte table (k validated by the caller)."""
    cdef int64_t n = data.shape[0], i, nout = 0, cap
    cdef Model m
    cdef int b, y, p, c, failed = 0
    cdef uint32_t x1 = 0, x2 = 0xFFFFFFFFu, xmid
    cdef uint8_t *ob
    cdef uint8_t *grown
    if n == 0:
        return b""
    if n >= (<int64_t>1 << 32) - 1:
        raise ValueError("the cm coder codes at most 2**32 - 2 bytes at once")
    hist = np.empty(n, dtype=np.uint8)
    cdef uint8_t[::1] hv = hist
    cap = n + (n >> 3) + 64          # grown when needed: a bit can cost up to 4 bytes
    ob = <uint8_t *>malloc(cap)
    if ob == NULL:
        raise MemoryError("the cm coder could not allocate its output buffer")
    with nogil:
        if model_init(&m, k, &hv[0]) != 0:
            failed = 1
        else:
            for i in range(n):
                c = data[i]
                for b in range(7, -1, -1):
                    y = (c >> b) & 1
                    p = model_p(&m)
                    xmid = x1 + ((x2 - x1) >> 12) * <uint32_t>p
                    if y:
                        x2 = xmid
                    else:
                        x1 = xmid + 1
                    model_update(&m, y)
                    while ((x1 ^ x2) & 0xFF000000u) == 0:
                        if nout + 1 >= cap:
                            cap += (cap >> 1) + 64
                            grown = <uint8_t *>realloc(ob, cap)
                            if grown == NULL:
                                failed = 2
                                break
                            ob = grown
                        ob[nout] = x2 >> 24
                        nout += 1
                        x1 <<= 8
                        x2 = (x2 << 8) | 255
                    if failed:
                        break
                if failed:
                    break
            if not failed:
                ob[nout] = x1 >> 24      # the loop keeps one byte spare
                nout += 1
        model_free(&m)
    try:
        if failed == 1:
            raise MemoryError(f"the cm coder could not allocate its tables (2**{k} bytes)")
        if failed == 2:
            raise MemoryError("the cm coder could not grow its output buffer")
        return (<char *>ob)[:nout]
    finally:
        free(ob)


def decode(const uint8_t[::1] payload, int64_t n, int k):
    """Decode ``n`` bytes (k and n validated by the caller); bytes past the payload read as 0xFF."""
    cdef int64_t end = payload.shape[0], at = 0, i
    cdef Model m
    cdef int b, y, p, failed = 0
    cdef uint32_t x1 = 0, x2 = 0xFFFFFFFFu, xmid, x = 0
    out = np.zeros(n, dtype=np.uint8)
    if n == 0:
        return out
    cdef uint8_t[::1] ov = out
    with nogil:
        if model_init(&m, k, &ov[0]) != 0:
            failed = 1
        else:
            for b in range(4):
                x = (x << 8) | (payload[at] if at < end else 255)
                at += 1
            for i in range(n):
                for b in range(8):
                    p = model_p(&m)
                    xmid = x1 + ((x2 - x1) >> 12) * <uint32_t>p
                    if x <= xmid:
                        y = 1
                        x2 = xmid
                    else:
                        y = 0
                        x1 = xmid + 1
                    model_update(&m, y)
                    while ((x1 ^ x2) & 0xFF000000u) == 0:
                        x1 <<= 8
                        x2 = (x2 << 8) | 255
                        x = (x << 8) | (payload[at] if at < end else 255)
                        if at <= end:
                            at += 1
        model_free(&m)
    if failed:
        raise MemoryError(f"the cm coder could not allocate its tables (2**{k} bytes)")
    return out


def costs(const uint8_t[::1] data, int k):
    """Cost of each byte in bits under the model: the sum over its 8 bits of -log2 q(bit)."""
    cdef int64_t n = data.shape[0], i
    cdef Model m
    cdef int b, y, p, c, failed = 0
    cdef double bits
    cdef double lg[4097]
    for i in range(1, 4097):
        lg[i] = -log2(i / 4096.0)
    out = np.zeros(n, dtype=np.float64)
    if n == 0:
        return out
    hist = np.empty(n, dtype=np.uint8)
    cdef uint8_t[::1] hv = hist
    cdef double[::1] ov = out
    with nogil:
        if model_init(&m, k, &hv[0]) != 0:
            failed = 1
        else:
            for i in range(n):
                c = data[i]
                bits = 0.0
                for b in range(7, -1, -1):
                    y = (c >> b) & 1
                    p = model_p(&m)
                    bits += lg[p] if y else lg[4096 - p]
                    model_update(&m, y)
                ov[i] = bits
        model_free(&m)
    if failed:
        raise MemoryError(f"the cm coder could not allocate its tables (2**{k} bytes)")
    return out

