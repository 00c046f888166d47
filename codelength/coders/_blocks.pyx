# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# cython: freethreading_compatible=True
"""Adaptive block splitting of the Huffman coders: where a new code pays for its header.

Greedy merging at two chunk sizes in one pass, the split of smaller estimated total wins; optionally
the blocks' symbol counts, so the encoders need not count again. Serves the native Huffman coder
(:mod:`codelength.coders.huffman`) and the DEFLATE writer (:mod:`codelength.io.deflate`). The twin is
``split_blocks`` in :mod:`codelength.reference.huffman`: the same block lengths.

Thread safety (the module is declared ``freethreading_compatible``): every coder keeps its state in
local variables and buffers of its own call, writes only to the arrays it is given, and the
module-level tables are filled once, at import; calls from many threads at once are independent.
"""
from libc.stdint cimport uint16_t, uint32_t, int64_t
from libc.stdlib cimport malloc, calloc, free
from libc.string cimport memset
from libc.math cimport log2

import numpy as np
cimport numpy as cnp

from codelength.coders._symbols cimport symbol_t

cnp.import_array()

DEF CHUNK = 4096
DEF MAX_BLOCK = 1048576


# ------------------------------------------------------------------------------------------------
# block split (twin: split_blocks)
# ------------------------------------------------------------------------------------------------

cdef inline double _xlog2x(double x) noexcept nogil:
    return x * log2(x) if x > 0 else 0.0


# x log2 x of every count a chunk histogram can hold (up to 4 * CHUNK), filled once at import: the
# values the loop used to recompute per call (16,385 log2 calls, most of a 1 KiB input's split).
cdef double XLOG[4 * CHUNK + 1]
cdef Py_ssize_t _i
for _i in range(4 * CHUNK + 1):
    XLOG[_i] = _xlog2x(<double>_i)


cdef struct Greedy:
    # one scale of the adaptive split (twin: greedy_split)
    int64_t* counts      # the current block's counts
    double* x            # x log2 x of each of them (cached: the very values the twin recomputes)
    double* pending      # x log2 x of the merged counts, while a merge is weighed
    int64_t n
    double s             # sum of c log2 c over the block
    int64_t distinct
    double total         # estimated bits of the blocks emitted so far
    int64_t* out
    Py_ssize_t n_blocks


cdef void _greedy_emit(Greedy* g, double header_bits) noexcept nogil:
    g.out[g.n_blocks] = g.n
    g.n_blocks += 1
    g.total += _xlog2x(<double>g.n) - g.s + 4.0 * g.distinct + header_bits


cdef void _greedy_step(Greedy* g, const uint32_t* hist, int64_t chunk_n, Py_ssize_t alphabet_size,
                       double header_bits, const double* xlog) noexcept nogil:
    cdef double chunk_s, merged_s, apart, together, merged_x
    cdef int64_t chunk_distinct, merged_distinct, b, c
    cdef Py_ssize_t s
    if g.n:
        chunk_s = 0.0
        merged_s = g.s
        chunk_distinct = 0
        merged_distinct = g.distinct
        for s in range(alphabet_size):
            c = hist[s]
            if c:
                b = g.counts[s]
                chunk_s += xlog[c]
                # the table holds the very value _xlog2x gives (filled by it), so the result is the same
                merged_x = xlog[b + c] if b + c <= 4 * CHUNK else _xlog2x(<double>(b + c))
                g.pending[s] = merged_x
                merged_s += merged_x - g.x[s]
                chunk_distinct += 1
                if not b:
                    merged_distinct += 1
        apart = (_xlog2x(<double>g.n) - g.s + 4.0 * g.distinct
                 + _xlog2x(<double>chunk_n) - chunk_s + 4.0 * chunk_distinct + header_bits)
        together = _xlog2x(<double>(g.n + chunk_n)) - merged_s + 4.0 * merged_distinct
        if together <= apart and g.n + chunk_n <= MAX_BLOCK:
            for s in range(alphabet_size):
                if hist[s]:
                    g.counts[s] += hist[s]
                    g.x[s] = g.pending[s]
            g.n += chunk_n
            g.s = merged_s
            g.distinct = merged_distinct
            return
        _greedy_emit(g, header_bits)
    g.n = chunk_n
    g.s = 0.0
    g.distinct = 0
    for s in range(alphabet_size):
        c = hist[s]
        g.counts[s] = c
        g.x[s] = xlog[c]
        if c:
            g.s += xlog[c]
            g.distinct += 1


cdef int _greedy_init(Greedy* g, Py_ssize_t alphabet_size, Py_ssize_t max_blocks) noexcept nogil:
    g.counts = <int64_t*>calloc(alphabet_size + 1, sizeof(int64_t))
    g.x = <double*>calloc(alphabet_size + 1, sizeof(double))
    g.pending = <double*>calloc(alphabet_size + 1, sizeof(double))
    g.out = <int64_t*>malloc((max_blocks + 1) * sizeof(int64_t))
    g.n = 0
    g.s = 0.0
    g.distinct = 0
    g.total = 0.0
    g.n_blocks = 0
    return -1 if g.counts == NULL or g.x == NULL or g.pending == NULL or g.out == NULL else 0


cdef void _greedy_free(Greedy* g) noexcept nogil:
    free(g.counts); free(g.x); free(g.pending); free(g.out)


def split_blocks(const symbol_t[::1] symbols, Py_ssize_t alphabet_size, double header_bits,
                 bint with_counts=False):
    """Adaptive block lengths (int64 array): twin's split_blocks, greedy at chunks of CHUNK and 4 * CHUNK
    symbols in one pass, the split of smaller estimated total wins (the fine one on a tie).

    ``with_counts`` (alphabets up to 256): also return the blocks' symbol counts, an int64 array of shape
    (blocks, alphabet_size), summed from the chunk histograms so the encoder need not count again.
    """
    cdef Py_ssize_t n = symbols.shape[0], start, end, i, s, quarter, fine_in_coarse = 0
    cdef int64_t chunk_n, coarse_n = 0
    cdef Greedy fine, coarse
    cdef Greedy* best
    cdef const symbol_t* p
    cdef int rc
    if n == 0:
        if with_counts and alphabet_size <= 256:
            return np.zeros(0, dtype=np.int64), np.zeros((0, alphabet_size), dtype=np.int64)
        return np.zeros(0, dtype=np.int64)
    cdef uint32_t* hist = <uint32_t*>calloc(5 * alphabet_size + 1, sizeof(uint32_t))
    cdef const double* xlog = XLOG
    cdef uint32_t* h0 = hist
    cdef uint32_t* h1 = hist + alphabet_size
    cdef uint32_t* h2 = hist + 2 * alphabet_size
    cdef uint32_t* h3 = hist + 3 * alphabet_size
    cdef uint32_t* coarse_hist = hist + 4 * alphabet_size
    cdef uint16_t* chunk_rows = NULL
    cdef Py_ssize_t n_chunks = (n + CHUNK - 1) // CHUNK, chunk_index = 0, b, row
    cdef int64_t* block_counts
    with_counts = with_counts and alphabet_size <= 256
    if with_counts:
        chunk_rows = <uint16_t*>malloc(n_chunks * alphabet_size * sizeof(uint16_t) + 8)
        if chunk_rows == NULL:
            free(hist)
            raise MemoryError()
    rc = _greedy_init(&fine, alphabet_size, n // CHUNK + 1) | _greedy_init(&coarse, alphabet_size, n // CHUNK + 1)
    if hist == NULL or rc != 0:
        free(hist); _greedy_free(&fine); _greedy_free(&coarse)
        raise MemoryError()
    with nogil:
        start = 0
        while start < n:
            end = start + CHUNK if start + CHUNK < n else n
            chunk_n = end - start
            # count the chunk in four histograms by position mod 4 (h0 collects the total): neighbours go
            # to different tables, so a run of one symbol does not chain its increments through one counter
            memset(hist, 0, 4 * alphabet_size * sizeof(uint32_t))
            p = &symbols[start]
            quarter = chunk_n // 4
            for i in range(0, 4 * quarter, 4):
                h0[p[i]] += 1
                h1[p[i + 1]] += 1
                h2[p[i + 2]] += 1
                h3[p[i + 3]] += 1
            for i in range(4 * quarter, chunk_n):
                h0[p[i]] += 1
            for s in range(alphabet_size):
                h0[s] += h1[s] + h2[s] + h3[s]
                coarse_hist[s] += h0[s]
            if chunk_rows != NULL:
                for s in range(alphabet_size):
                    chunk_rows[chunk_index * alphabet_size + s] = <uint16_t>h0[s]  # at most CHUNK
            chunk_index += 1
            start = end
            _greedy_step(&fine, h0, chunk_n, alphabet_size, header_bits, xlog)
            coarse_n += chunk_n
            fine_in_coarse += 1
            if fine_in_coarse == 4 or start == n:
                _greedy_step(&coarse, coarse_hist, coarse_n, alphabet_size, header_bits, xlog)
                memset(coarse_hist, 0, alphabet_size * sizeof(uint32_t))
                coarse_n = 0
                fine_in_coarse = 0
        _greedy_emit(&fine, header_bits)
        _greedy_emit(&coarse, header_bits)
    best = &coarse if coarse.total < fine.total else &fine
    blocks = np.asarray(<int64_t[:best.n_blocks]>best.out).copy()
    if chunk_rows != NULL:
        counts = np.zeros((best.n_blocks, alphabet_size), dtype=np.int64)
        block_counts = <int64_t*>cnp.PyArray_DATA(counts)
        with nogil:
            # every block but the last is a whole number of chunks
            row = 0
            for b in range(best.n_blocks):
                for i in range((best.out[b] + CHUNK - 1) // CHUNK):
                    for s in range(alphabet_size):
                        block_counts[b * alphabet_size + s] += chunk_rows[row * alphabet_size + s]
                    row += 1
    free(hist); free(chunk_rows); _greedy_free(&fine); _greedy_free(&coarse)
    if with_counts:
        return blocks, counts
    return blocks
