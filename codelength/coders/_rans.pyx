# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: freethreading_compatible=True
"""Static rANS kernels: 32-bit states, byte renormalisation, 1..8 interleaved states; and the wide rANS:
32 interleaved states with 16-bit renormalisation (``rans16_*``, totals up to 2**15), whose decoder
runs 8 states per AVX2 vector where the CPU has AVX2 (checked at run time; a scalar path elsewhere).

Every kernel has a pure-Python twin in codelength/reference/arith.py that defines it (bit-identical
payloads). The loops run without the GIL on input the Python layer (codelength/coders/rans.py) has
validated: symbol values index the frequency tables, every coded symbol has a nonzero frequency.
The decoder is safe on any payload: it stops with an error at the end of the payload, table indices
are bounded by construction, every loop runs at most n steps.

Thread safety (the module is declared ``freethreading_compatible``): every coder keeps its state in
local variables and buffers of its own call, writes only to the arrays it is given, and the
module-level tables are filled once, at import; calls from many threads at once are independent.
"""
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy, memset
from cpython.bytes cimport PyBytes_FromStringAndSize

import numpy as np

from codelength.coders._symbols cimport symbol_t

from ..errors import CorruptDataError

cdef extern from *:
    """
    #define RANS_L 0x800000U                    /* 2**23: rANS states live in [RANS_L, RANS_L << 8) */
    #define RANS16_L 0x8000U                    /* 2**15: wide rANS states live in [RANS16_L, RANS16_L << 16) */
    #define RANS_WIDE 32                        /* states of the wide rANS */
    #define RANS16_MAX_BITS 15

    #if defined(__GNUC__) && defined(__x86_64__)
    #include <immintrin.h>
    #define RANS16_AVX2 1
    #else
    #define RANS16_AVX2 0
    #endif

    /* An encoder's entry for one symbol (see encode_table). */
    typedef struct { uint32_t x_max, rcp_freq, bias, cmpl_freq, rcp_shift; } rans_sym_t;

    /* rans16_perm[m][k]: for a lane mask m of 8 lanes, the rank of lane k among the set lanes (the word
       a lane that renormalises takes from the next 8 words), 0 for lanes not set. rans16_pack[m][p]: the
       encoder's inverse, the lane whose word goes to place p of 8 when the c set lanes fill places
       8 - c .. 7 in lane order (0 below). Filled at import. */
    static uint32_t rans16_perm[256][8];
    static uint32_t rans16_pack[256][8];

    static int rans16_setup(void) {
        for (int m = 0; m < 256; m++) {
            uint32_t r = 0, c = (uint32_t)__builtin_popcount((unsigned)m);
            for (int k = 0; k < 8; k++) {
                rans16_pack[m][k] = 0;
            }
            for (int k = 0; k < 8; k++) {
                if ((m >> k) & 1) {
                    rans16_pack[m][8 - c + r] = (uint32_t)k;
                    rans16_perm[m][k] = r++;
                } else {
                    rans16_perm[m][k] = 0;
                }
            }
        }
    #if RANS16_AVX2
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") ? 1 : 0;
    #else
        return 0;
    #endif
    }

    #if RANS16_AVX2
    /* Decode up to ``groups`` groups of 32 byte symbols, 8 states per vector, while each group has its
       32 words of room (pos + 32 <= nwords): the same steps as the scalar loop (rans16_groups), lane j
       of vector v being state 8 v + j. Returns the groups decoded; st and *pos_io are updated. */
    __attribute__((target("avx2")))
    static Py_ssize_t rans16_groups_avx2(uint32_t *st, const uint32_t *tab, const uint8_t *sym, int bits,
                                         const uint8_t *words, Py_ssize_t nwords, Py_ssize_t *pos_io,
                                         uint8_t *out, Py_ssize_t groups) {
        __m256i x[4], s[4];
        const __m256i mask = _mm256_set1_epi32((int)((1u << bits) - 1));
        const __m256i lo16 = _mm256_set1_epi32(0xFFFF), lo8 = _mm256_set1_epi32(0xFF);
        const __m256i low = _mm256_set1_epi32((int)RANS16_L);
        const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
        const __m128i shift = _mm_cvtsi32_si128(bits);
        Py_ssize_t pos = *pos_io, g = 0;
        int v;
        for (v = 0; v < 4; v++)
            x[v] = _mm256_loadu_si256((const __m256i *)(st + 8 * v));
        for (; g < groups && pos + RANS_WIDE <= nwords; g++) {
            for (v = 0; v < 4; v++) {
                __m256i slot = _mm256_and_si256(x[v], mask);
                __m256i e = _mm256_i32gather_epi32((const int *)tab, slot, 4);
                s[v] = _mm256_and_si256(_mm256_i32gather_epi32((const int *)sym, slot, 1), lo8);
                __m256i y = _mm256_add_epi32(_mm256_mullo_epi32(_mm256_srli_epi32(e, 16), _mm256_srl_epi32(x[v], shift)),
                                             _mm256_and_si256(e, lo16));
                __m256i need = _mm256_cmpgt_epi32(low, y);          /* states stay below 2**31 */
                int m = _mm256_movemask_ps(_mm256_castsi256_ps(need));
                __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(words + 2 * pos)));
                w = _mm256_permutevar8x32_epi32(w, _mm256_loadu_si256((const __m256i *)rans16_perm[m]));
                x[v] = _mm256_blendv_epi8(y, _mm256_or_si256(_mm256_slli_epi32(y, 16), w), need);
                pos += __builtin_popcount((unsigned)m);
            }
            __m256i b = _mm256_packus_epi16(_mm256_packus_epi32(s[0], s[1]), _mm256_packus_epi32(s[2], s[3]));
            _mm256_storeu_si256((__m256i *)(out + (Py_ssize_t)RANS_WIDE * g), _mm256_permutevar8x32_epi32(b, order));
        }
        for (v = 0; v < 4; v++)
            _mm256_storeu_si256((__m256i *)(st + 8 * v), x[v]);
        *pos_io = pos;
        return g;
    }

    /* rans16_groups_avx2 with 16 states per AVX-512 vector: the renormalising lanes take their words by
       one expanding load (vpexpandw over the even 16-bit halves of the lanes: the k-th set lane gets the
       k-th next word), so no permutation table. The same steps as the scalar loop, lane j of vector v
       being state 16 v + j. */
    __attribute__((target("avx512f,avx512bw,avx512vbmi2,bmi2,popcnt")))
    static Py_ssize_t rans16_groups_avx512(uint32_t *st, const uint32_t *tab, const uint8_t *sym, int bits,
                                           const uint8_t *words, Py_ssize_t nwords, Py_ssize_t *pos_io,
                                           uint8_t *out, Py_ssize_t groups) {
        __m512i x0 = _mm512_loadu_si512((const void *)st), x1 = _mm512_loadu_si512((const void *)(st + 16));
        const __m512i mask = _mm512_set1_epi32((int)((1u << bits) - 1));
        const __m512i lo16 = _mm512_set1_epi32(0xFFFF), lo8 = _mm512_set1_epi32(0xFF);
        const __m512i low = _mm512_set1_epi32((int)RANS16_L);
        const __m128i shift = _mm_cvtsi32_si128(bits);
        Py_ssize_t pos = *pos_io, g = 0;
        for (; g < groups && pos + RANS_WIDE <= nwords; g++) {
            __m512i slot = _mm512_and_si512(x0, mask);
            __m512i e = _mm512_i32gather_epi32(slot, (const void *)tab, 4);
            __m512i s = _mm512_and_si512(_mm512_i32gather_epi32(slot, (const void *)sym, 1), lo8);
            __m512i y = _mm512_add_epi32(_mm512_mullo_epi32(_mm512_srli_epi32(e, 16), _mm512_srl_epi32(x0, shift)),
                                         _mm512_and_si512(e, lo16));
            __mmask16 need = _mm512_cmplt_epu32_mask(y, low);
            __m512i w = _mm512_maskz_expandloadu_epi16((__mmask32)_pdep_u32((unsigned)need, 0x55555555u),
                                                       (const void *)(words + 2 * pos));
            x0 = _mm512_mask_or_epi32(y, need, _mm512_slli_epi32(y, 16), w);
            pos += __builtin_popcount((unsigned)need);
            _mm_storeu_si128((__m128i *)(out + (Py_ssize_t)RANS_WIDE * g), _mm512_cvtepi32_epi8(s));
            slot = _mm512_and_si512(x1, mask);
            e = _mm512_i32gather_epi32(slot, (const void *)tab, 4);
            s = _mm512_and_si512(_mm512_i32gather_epi32(slot, (const void *)sym, 1), lo8);
            y = _mm512_add_epi32(_mm512_mullo_epi32(_mm512_srli_epi32(e, 16), _mm512_srl_epi32(x1, shift)),
                                 _mm512_and_si512(e, lo16));
            need = _mm512_cmplt_epu32_mask(y, low);
            w = _mm512_maskz_expandloadu_epi16((__mmask32)_pdep_u32((unsigned)need, 0x55555555u),
                                               (const void *)(words + 2 * pos));
            x1 = _mm512_mask_or_epi32(y, need, _mm512_slli_epi32(y, 16), w);
            pos += __builtin_popcount((unsigned)need);
            _mm_storeu_si128((__m128i *)(out + (Py_ssize_t)RANS_WIDE * g + 16), _mm512_cvtepi32_epi8(s));
        }
        _mm512_storeu_si512((void *)st, x0);
        _mm512_storeu_si512((void *)(st + 16), x1);
        *pos_io = pos;
        return g;
    }

    static int rans16_have_avx512(void) {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
               && __builtin_cpu_supports("avx512vbmi2") && __builtin_cpu_supports("bmi2");
    }

    /* Encode ``groups`` whole groups of 32 byte symbols, the last group first, 8 states per vector (vector 3
       first): the same steps as rans16_put lane by lane from state 31 down. Two gathers per vector: the
       reciprocal ``rcp[s]`` and ``fb[s] = f << 16 | bias`` (both < 2**16); x_max = f << (31 - bits),
       cmpl_freq = 2**bits - f and rcp_shift = floor(log2(f - 1)) (0 for f = 1; the exponent of f - 1 as a
       float, exact below 2**24) follow from f, as encode_table defines them. The words of the states that
       renormalise are packed and stored as 8 words ending at the write position (the places below the
       kept ones are overwritten later: the caller keeps 8 words of room below). */
    __attribute__((target("avx2")))
    static void rans16_encode_avx2(uint32_t *st, const uint32_t *rcp_tab, const uint32_t *fb_tab, int bits,
                                   const uint8_t *sym, uint8_t *words, Py_ssize_t *pos_io, Py_ssize_t groups) {
        __m256i x[4];
        const __m256i lo16 = _mm256_set1_epi32(0xFFFF), one = _mm256_set1_epi32(1), zero = _mm256_setzero_si256();
        const __m256i total = _mm256_set1_epi32((int)(1u << bits)), f127 = _mm256_set1_epi32(127);
        const __m128i xshift = _mm_cvtsi32_si128(31 - bits);
        Py_ssize_t pos = *pos_io, g;
        int v;
        for (v = 0; v < 4; v++)
            x[v] = _mm256_loadu_si256((const __m256i *)(st + 8 * v));
        for (g = groups - 1; g >= 0; g--) {
            for (v = 3; v >= 0; v--) {
                __m128i bytes = _mm_loadl_epi64((const __m128i *)(sym + (Py_ssize_t)RANS_WIDE * g + 8 * v));
                __m256i idx = _mm256_cvtepu8_epi32(bytes);
                __m256i rcp = _mm256_i32gather_epi32((const int *)rcp_tab, idx, 4);
                __m256i fb = _mm256_i32gather_epi32((const int *)fb_tab, idx, 4);
                __m256i f = _mm256_srli_epi32(fb, 16);
                __m256i xmax = _mm256_sll_epi32(f, xshift);
                __m256i y = x[v];
                __m256i need = _mm256_cmpeq_epi32(_mm256_max_epu32(y, xmax), y);     /* y >= x_max */
                int m = _mm256_movemask_ps(_mm256_castsi256_ps(need));
                __m256i packed = _mm256_permutevar8x32_epi32(_mm256_and_si256(y, lo16),
                                                             _mm256_loadu_si256((const __m256i *)rans16_pack[m]));
                _mm_storeu_si128((__m128i *)(words + 2 * (pos - 8)),
                                 _mm_packus_epi32(_mm256_castsi256_si128(packed), _mm256_extracti128_si256(packed, 1)));
                pos -= __builtin_popcount((unsigned)m);
                __m256i expo = _mm256_srli_epi32(_mm256_castps_si256(_mm256_cvtepi32_ps(_mm256_sub_epi32(f, one))), 23);
                __m256i shift = _mm256_max_epi32(_mm256_sub_epi32(expo, f127), zero);
                y = _mm256_blendv_epi8(y, _mm256_srli_epi32(y, 16), need);
                __m256i even = _mm256_srli_epi64(_mm256_mul_epu32(y, rcp), 32);
                __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(y, 32), _mm256_srli_epi64(rcp, 32));
                __m256i q = _mm256_srlv_epi32(_mm256_blend_epi32(even, odd, 0xAA), shift);
                __m256i cmpl = _mm256_sub_epi32(total, f);
                x[v] = _mm256_add_epi32(_mm256_add_epi32(y, _mm256_and_si256(fb, lo16)), _mm256_mullo_epi32(q, cmpl));
            }
        }
        for (v = 0; v < 4; v++)
            _mm256_storeu_si256((__m256i *)(st + 8 * v), x[v]);
        *pos_io = pos;
    }
    #else
    static void rans16_encode_avx2(uint32_t *st, const uint32_t *rcp_tab, const uint32_t *fb_tab, int bits,
                                   const uint8_t *sym, uint8_t *words, Py_ssize_t *pos_io, Py_ssize_t groups) { }
    static Py_ssize_t rans16_groups_avx2(uint32_t *st, const uint32_t *tab, const uint8_t *sym, int bits,
                                         const uint8_t *words, Py_ssize_t nwords, Py_ssize_t *pos_io,
                                         uint8_t *out, Py_ssize_t groups) { return 0; }
    static Py_ssize_t rans16_groups_avx512(uint32_t *st, const uint32_t *tab, const uint8_t *sym, int bits,
                                           const uint8_t *words, Py_ssize_t nwords, Py_ssize_t *pos_io,
                                           uint8_t *out, Py_ssize_t groups) { return 0; }
    static int rans16_have_avx512(void) { return 0; }
    #endif
    """
    ctypedef struct RansSym "rans_sym_t":
        uint32_t x_max
        uint32_t rcp_freq
        uint32_t bias
        uint32_t cmpl_freq
        uint32_t rcp_shift
    void rans16_encode_avx2(uint32_t* st, const uint32_t* rcp_tab, const uint32_t* fb_tab, int bits,
                            const uint8_t* sym, uint8_t* words, Py_ssize_t* pos_io, Py_ssize_t groups) noexcept nogil
    const uint32_t RANS_L
    const uint32_t RANS16_L
    const int RANS_WIDE
    const int RANS16_MAX_BITS
    int rans16_setup() nogil
    Py_ssize_t rans16_groups_avx2(uint32_t* st, const uint32_t* tab, const uint8_t* sym, int bits,
                                  const uint8_t* words, Py_ssize_t nwords, Py_ssize_t* pos_io,
                                  uint8_t* out, Py_ssize_t groups) noexcept nogil
    Py_ssize_t rans16_groups_avx512(uint32_t* st, const uint32_t* tab, const uint8_t* sym, int bits,
                                    const uint8_t* words, Py_ssize_t nwords, Py_ssize_t* pos_io,
                                    uint8_t* out, Py_ssize_t groups) noexcept nogil
    int rans16_have_avx512() nogil
    uint32_t __builtin_bswap32(uint32_t) nogil

#: Whether the wide rANS encoder and decoder run their AVX2 paths on this CPU (decided once, at import).
HAVE_AVX2 = bool(rans16_setup())
cdef bint _use_avx2 = HAVE_AVX2
#: Whether the wide rANS decoder runs 16 states per AVX-512 vector (AVX-512 F, BW, VBMI2 and BMI2).
HAVE_AVX512 = bool(rans16_have_avx512())
cdef bint _use_avx512 = HAVE_AVX512


def set_avx512(bint enabled):
    """Let the wide rANS decoder use its AVX-512 path (where the CPU has it, and the SIMD paths are on) or
    keep it to AVX2 (tests compare the paths); returns whether it is now on."""
    global _use_avx512
    _use_avx512 = enabled and HAVE_AVX512
    return _use_avx512


def set_simd(bint enabled):
    """Turn the AVX2 paths of the wide rANS encoder and decoder on (where the CPU has it) or off (the scalar path:
    tests compare the two); returns whether it is now on."""
    global _use_avx2
    _use_avx2 = enabled and HAVE_AVX2
    return _use_avx2


# ----------------------------------------------------------------------------- rANS


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


cdef RansSym* encode_table(const uint32_t[::1] freq, const uint32_t[::1] cum, int bits, uint32_t unit) except NULL:
    """The encoder's per-symbol entries: ``x_max = unit * f`` (renormalise while the state reaches it) and
    the reciprocal of f (exact for states below 2**31, as in ryg_rans). Freed by the caller."""
    cdef Py_ssize_t i, k = freq.shape[0]
    cdef uint32_t f, shift
    cdef RansSym* e
    cdef RansSym* table = <RansSym*>malloc(k * sizeof(RansSym) + 1)
    if table == NULL:
        raise MemoryError
    for i in range(k):
        f = freq[i]
        e = &table[i]
        e.x_max = unit * f
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
    return table


def rans_encode(const symbol_t[::1] symbols, const uint32_t[::1] freq, const uint32_t[::1] cum,
                int bits, int streams):
    """Static rANS, ``streams`` interleaved 32-bit states (symbol i uses state i % streams), byte renormalisation.

    Division by the frequency is a multiplication by a reciprocal (exact for states below 2**31, as in
    ryg_rans); the twin divides.
    """
    cdef Py_ssize_t i, n = symbols.shape[0], k = freq.shape[0], pos, cap
    cdef uint32_t states[8]
    cdef uint32_t x0, x1, x2, x3
    cdef int j
    cdef RansSym* table
    if n == 0:
        return b""
    if not 1 <= streams <= 8:
        raise ValueError("streams must be 1..8")
    if not 1 <= bits <= 20 or cum.shape[0] != freq.shape[0]:
        raise ValueError("bits must be 1..20, freq and cum of one length")
    table = encode_table(freq, cum, bits, (RANS_L >> bits) << 8)
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
        elif streams == 1:                        # the state in a register, not an array slot
            x0 = states[0]
            while i >= 0:
                x0 = rans_put(x0, &table[symbols[i]], buf, &pos)
                i -= 1
            states[0] = x0
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


cdef inline uint32_t rans_refill(uint32_t x, const uint8_t* buf, Py_ssize_t* pos) noexcept nogil:
    """Renormalise a state after its step: the 0 to 3 bytes that bring it back to [RANS_L, RANS_L << 8),
    read branch-free by one unchecked 4-byte load."""
    cdef uint32_t word
    cdef int nb = (x < RANS_L) + (x < (RANS_L >> 8)) + (x < (RANS_L >> 16))
    memcpy(&word, buf + pos[0], 4)
    word = __builtin_bswap32(word)
    pos[0] += nb
    return <uint32_t>(((<uint64_t>x) << (8 * nb)) | ((<uint64_t>word) >> (32 - 8 * nb)))


cdef inline uint32_t rans_get(uint32_t x, const uint64_t* info, const symbol_t* slot_symbol, symbol_t* out,
                              int bits, const uint8_t* buf, Py_ssize_t* pos) noexcept nogil:
    """One decoding step with unchecked reads (the caller guarantees 4 bytes of room per step)."""
    cdef uint32_t slot = x & ((<uint32_t>1 << bits) - 1)
    cdef symbol_t s = slot_symbol[slot]
    cdef uint64_t e = info[s]
    out[0] = s
    return rans_refill(<uint32_t>(e >> 32) * (x >> bits) + slot - <uint32_t>e, buf, pos)


cdef int entry_checks(const uint8_t[::1] payload, Py_ssize_t n, int count, uint32_t low, int shift,
                      uint32_t* states, str short) except -1:
    """What both decoders check on entry: no payload for no symbols (returns 0: nothing to decode), room for
    the ``count`` initial states (4 bytes little-endian each; ``short`` is the message otherwise), each in
    [low, low << shift). Returns 1 with ``states`` loaded; raises CorruptDataError."""
    cdef Py_ssize_t size = payload.shape[0]
    cdef int j
    cdef uint32_t x
    if n == 0:
        if size:
            raise CorruptDataError("rANS payload for zero symbols")
        return 0
    if size < 4 * count:
        raise CorruptDataError(short)
    for j in range(count):
        x = (<uint32_t>payload[4 * j] | (<uint32_t>payload[4 * j + 1] << 8) | (<uint32_t>payload[4 * j + 2] << 16)
             | (<uint32_t>payload[4 * j + 3] << 24))
        if x < low or x >= (low << shift):
            raise CorruptDataError("rANS payload is corrupted or truncated")
        states[j] = x
    return 1


def rans_decode(const uint8_t[::1] payload, const uint64_t[::1] symbol_info, const symbol_t[::1] slot_symbol,
                int bits, int streams, symbol_t[::1] out):
    """Inverse of :func:`rans_encode`. ``slot_symbol[slot]`` is the symbol whose interval holds ``slot``
    and ``symbol_info[s] = freq(s) << 32 | cum(s)`` (a small table: the per-slot table stays 1-4 bytes).

    Raises CorruptDataError when the payload ends early, a state starts out of range, or the stream
    does not end with every state back at its start and every byte consumed.
    """
    cdef Py_ssize_t i, n = out.shape[0], size = payload.shape[0], pos
    cdef uint32_t states[8]
    cdef uint32_t x, x0, x1, x2, x3, mask = (<uint32_t>1 << bits) - 1, slot, w
    cdef uint32_t* tab
    cdef uint64_t e
    cdef int j, bad = 0
    cdef const uint8_t* buf
    if n and not 1 <= streams <= 8:
        raise CorruptDataError("rANS stream count out of range")
    if n and (not 1 <= bits <= 20 or slot_symbol.shape[0] != (<Py_ssize_t>1 << bits)):
        raise ValueError("the slot table must have 2**bits entries, bits 1..20")
    if not entry_checks(payload, n, streams, RANS_L, 8, states, "rANS payload shorter than its initial states"):
        return
    buf = &payload[0]
    cdef const uint64_t* info = &symbol_info[0]
    cdef const symbol_t* syms = &slot_symbol[0]
    cdef symbol_t* dst = &out[0]
    with nogil:
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
        elif not bad and streams == 1:                # the state in a register, not an array slot
            x0 = states[0]
            if symbol_t is uint8_t and bits <= 15:
                # one slot-indexed word f << 16 | (slot - cum) (both < 2**16 at these totals): the step
                # waits on one load instead of the slot's symbol and then its info (a quarter of a
                # 1 KiB block's decode); the symbol is read beside it, off the state's chain
                tab = <uint32_t*>malloc(sizeof(uint32_t) << bits)
                if tab != NULL:
                    for slot in range(<uint32_t>1 << bits):
                        e = info[syms[slot]]
                        tab[slot] = (<uint32_t>(e >> 32) << 16) | (slot - <uint32_t>e)
                    while i < n and pos + 4 <= size:
                        slot = x0 & mask
                        dst[i] = syms[slot]
                        w = tab[slot]
                        x0 = rans_refill((w >> 16) * (x0 >> bits) + (w & 0xFFFF), buf, &pos)
                        i += 1
                    free(tab)
            while i < n and pos + 4 <= size:
                x0 = rans_get(x0, info, syms, dst + i, bits, buf, &pos)
                i += 1
            states[0] = x0
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



# ----------------------------------------------------------------------------- wide rANS (32 x 16)
cdef inline uint32_t rans16_put(uint32_t x, const RansSym* e, uint8_t* words, Py_ssize_t* pos) noexcept nogil:
    """One encoding step of the wide rANS: at most one 16-bit word (stored unconditionally at pos - 1,
    kept when the state reaches x_max), then the state update by reciprocal."""
    cdef uint32_t q, flag = x >= e.x_max
    cdef uint8_t* w = words + 2 * (pos[0] - 1)
    w[0] = <uint8_t>x
    w[1] = <uint8_t>(x >> 8)
    pos[0] -= flag
    x >>= 16 * flag
    q = <uint32_t>((<uint64_t>x * e.rcp_freq) >> 32) >> e.rcp_shift
    return x + e.bias + q * e.cmpl_freq


def rans16_encode(const symbol_t[::1] symbols, const uint32_t[::1] freq, const uint32_t[::1] cum, int bits):
    """Wide static rANS: 32 interleaved states (symbol i uses state i % 32) in [2**15, 2**31), 16-bit
    renormalisation, total 2**bits with bits 1..15. Payload: the 32 final states (4 bytes each, little
    endian), then the 16-bit little-endian words in decoding order (twin: reference.arith.rans16_encode).
    """
    cdef Py_ssize_t i, g, n = symbols.shape[0], cap, pos
    cdef uint32_t states[32]
    cdef uint32_t rcp_tab[256]
    cdef uint32_t fb_tab[256]
    cdef uint32_t x
    cdef int j
    cdef RansSym* table
    if n == 0:
        return b""
    if not 1 <= bits <= RANS16_MAX_BITS or cum.shape[0] != freq.shape[0]:
        raise ValueError("the wide rANS takes totals 2**1..2**15 (bits 1..15), freq and cum of one length")
    table = encode_table(freq, cum, bits, (RANS16_L >> bits) << 16)
    cap = n + 8                                   # words: at most one a symbol, 8 of store slack (AVX2)
    buffer = np.empty(4 * RANS_WIDE + 2 * cap, dtype=np.uint8)
    cdef uint8_t[::1] view = buffer
    cdef uint8_t* words = &view[4 * RANS_WIDE]
    cdef const symbol_t* sym = &symbols[0]
    pos = cap
    with nogil:
        for j in range(RANS_WIDE):
            states[j] = RANS16_L
        g = n // RANS_WIDE
        for i in range(n - 1, g * RANS_WIDE - 1, -1):          # the last, incomplete group
            j = <int>(i % RANS_WIDE)
            states[j] = rans16_put(states[j], &table[sym[i]], words, &pos)
        if symbol_t is uint8_t:
            if _use_avx2 and g > 0:
                # the two gathered tables, 256 entries (symbols index them; past the model: zeros, unused)
                memset(rcp_tab, 0, sizeof(rcp_tab))
                memset(fb_tab, 0, sizeof(fb_tab))
                for j in range(<int>(freq.shape[0] if freq.shape[0] < 256 else 256)):
                    rcp_tab[j] = table[j].rcp_freq
                    fb_tab[j] = (freq[j] << 16) | table[j].bias
                rans16_encode_avx2(states, rcp_tab, fb_tab, bits, sym, words, &pos, g)
                g = 0
        while g > 0:                                            # whole groups, state 31 down to 0
            g -= 1
            i = g * RANS_WIDE
            for j in range(RANS_WIDE - 1, -1, -1):
                states[j] = rans16_put(states[j], &table[sym[i + j]], words, &pos)
        for j in range(RANS_WIDE):                              # the states just before the words
            x = states[j]
            i = 2 * pos + 4 * j
            view[i] = <uint8_t>x
            view[i + 1] = <uint8_t>(x >> 8)
            view[i + 2] = <uint8_t>(x >> 16)
            view[i + 3] = <uint8_t>(x >> 24)
    free(table)
    return PyBytes_FromStringAndSize(<char*>&view[2 * pos], 4 * RANS_WIDE + 2 * (cap - pos))


cdef inline Py_ssize_t rans16_groups(uint32_t* st, const uint32_t* tab, const symbol_t* sym, int bits,
                                     const uint8_t* words, Py_ssize_t nwords, Py_ssize_t* pos_io,
                                     symbol_t* out, Py_ssize_t groups) noexcept nogil:
    """Decode up to ``groups`` groups of 32 symbols while each has its 32 words of room; the scalar twin
    of rans16_groups_avx2. ``tab[slot] = f << 16 | (slot - cum)``, ``sym[slot]`` the slot's symbol."""
    cdef Py_ssize_t g, pos = pos_io[0]
    cdef uint32_t x, e, slot, mask = (<uint32_t>1 << bits) - 1, need
    cdef uint32_t xs[32]
    cdef uint16_t w16
    cdef int j
    cdef symbol_t* o
    for j in range(RANS_WIDE):
        xs[j] = st[j]
    for g in range(groups):
        if pos + RANS_WIDE > nwords:
            groups = g
            break
        o = out + g * RANS_WIDE
        for j in range(RANS_WIDE):        # each state's step and its word at once: only pos chains them
            x = xs[j]
            slot = x & mask
            e = tab[slot]
            o[j] = sym[slot]
            x = (e >> 16) * (x >> bits) + (e & 0xFFFF)
            memcpy(&w16, words + 2 * pos, 2)   # one 16-bit load (little-endian, as the AVX2 path)
            need = x < RANS16_L
            # branch-free: GCC branched on ``(x << 16 | word) if need else x``, a coin toss per symbol
            # (scalar decode 207 -> 482 MB/s, CPU, loaded machine; the 4-state decoder: 347 -> 405)
            xs[j] = (x << (need << 4)) | (w16 & (0 - need))
            pos += need
    for j in range(RANS_WIDE):
        st[j] = xs[j]
    pos_io[0] = pos
    return groups


def rans16_decode(const uint8_t[::1] payload, const uint32_t[::1] freq, int bits, symbol_t[::1] out):
    """Inverse of :func:`rans16_encode` under the frequencies ``freq[s]`` (indexed by the symbols written to
    ``out``, summing to 2**bits): builds its slot tables, runs 16 states per AVX-512 vector or 8 per AVX2
    vector for byte symbols where the CPU has them (:func:`set_simd`, :func:`set_avx512`), else the
    scalar loop; the tail is checked symbol by symbol.

    Raises CorruptDataError when the payload ends early, is of odd length, a state starts out of range,
    or the stream does not end with every state back at its start and every word consumed; ValueError
    for inconsistent tables.
    """
    cdef Py_ssize_t i, n = out.shape[0], size = payload.shape[0], k = freq.shape[0], pos, nwords, done
    cdef uint64_t total = 0
    cdef uint32_t states[32]
    cdef uint32_t x, e, f, c, t, slot, mask = (<uint32_t>1 << bits) - 1
    cdef int j, bad = 0
    cdef const uint8_t* buf
    if n:
        if not 1 <= bits <= RANS16_MAX_BITS:
            raise ValueError("the wide rANS takes totals 2**1..2**15 (bits 1..15)")
        if k == 0 or <uint64_t>(k - 1) > <uint64_t>(<symbol_t>-1):
            raise ValueError("the output type cannot hold every symbol of the table")
        for i in range(k):
            total += freq[i]
        if total != (<uint64_t>1 << bits):
            raise ValueError("frequencies must sum to 2**bits")
        if size % 2:
            raise CorruptDataError("rANS payload shorter than its initial states, or of odd length")
    if not entry_checks(payload, n, RANS_WIDE, RANS16_L, 16, states,
                        "rANS payload shorter than its initial states, or of odd length"):
        return
    buf = &payload[0]
    cdef uint32_t* tab = <uint32_t*>malloc((<size_t>1 << bits) * sizeof(uint32_t))
    cdef symbol_t* sym = <symbol_t*>malloc((<size_t>1 << bits) * sizeof(symbol_t) + 4)   # 4: the gathers' slack
    if tab == NULL or sym == NULL:
        free(tab)
        free(sym)
        raise MemoryError
    cdef const uint8_t* words = buf + 4 * RANS_WIDE
    cdef symbol_t* dst = &out[0]
    nwords = (size - 4 * RANS_WIDE) // 2
    pos = 0
    with nogil:
        c = 0
        for i in range(k):
            f = freq[i]
            for t in range(f):
                tab[c + t] = (f << 16) | t
                sym[c + t] = <symbol_t>i
            c += f
        done = 0
        if symbol_t is uint8_t:
            if _use_avx2 and _use_avx512:
                done = rans16_groups_avx512(states, tab, sym, bits, words, nwords, &pos, dst, n // RANS_WIDE)
            elif _use_avx2:
                done = rans16_groups_avx2(states, tab, sym, bits, words, nwords, &pos, dst, n // RANS_WIDE)
        done += rans16_groups(states, tab, sym, bits, words, nwords, &pos, dst + done * RANS_WIDE,
                              n // RANS_WIDE - done)
        for i in range(done * RANS_WIDE, n):                   # checked: the tail, a payload running out
            j = <int>(i % RANS_WIDE)
            x = states[j]
            slot = x & mask
            e = tab[slot]
            dst[i] = sym[slot]
            x = (e >> 16) * (x >> bits) + (e & 0xFFFF)
            if x < RANS16_L:
                if pos >= nwords:
                    bad = 1
                    break
                x = (x << 16) | <uint32_t>words[2 * pos] | (<uint32_t>words[2 * pos + 1] << 8)
                pos += 1
            states[j] = x
        if not bad:
            if pos != nwords:
                bad = 1
            for j in range(RANS_WIDE):
                if states[j] != RANS16_L:
                    bad = 1
    free(tab)
    free(sym)
    if bad:
        raise CorruptDataError("rANS payload is corrupted or truncated")
