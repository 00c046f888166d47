# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# cython: freethreading_compatible=True
"""Kernels of the entropy-rate estimators (codelength.measures.rate): LZ78 parsing and longest previous non-overlapping factors.

Twins in pure Python: codelength.reference.rate. Callers validate: ``data`` is a contiguous uint8 or int64
array of non-negative symbols, ``sa`` its suffix array (a permutation of 0..n-1), n < 2**62.

Thread safety (the module is declared ``freethreading_compatible``): the functions keep no state between
calls; every buffer they write is allocated by the call itself.
"""
from libc.stdint cimport INT64_MAX, int64_t, uint64_t
from libc.stdlib cimport free, malloc

import numpy as np

ctypedef fused symbol_t:
    unsigned char
    int64_t


cdef inline uint64_t _slot(uint64_t key, int shift) noexcept nogil:
    return (key * <uint64_t>0x9E3779B97F4A7C15ULL) >> shift


def lz78_phrase_count(const symbol_t[::1] data, int64_t alphabet_size) -> int:
    """Phrases of the LZ78 incremental parsing of ``data`` (symbols < ``alphabet_size``).

    Each phrase is the shortest prefix of the rest of the input that is not an earlier phrase; a last
    phrase that is an earlier phrase (input ran out) is counted too. The trie is a hash table of
    (node, symbol) -> child with linear probing, grown by doubling at load 1/2: memory 16 bytes per slot,
    at most 4 slots per phrase.
    """
    cdef Py_ssize_t n = data.shape[0], i
    cdef int64_t phrases = 0, node = 0, nodes = 1, a = alphabet_size
    cdef int shift = 64 - 10
    cdef Py_ssize_t capacity = 1 << 10, used = 0, j, old_capacity
    cdef uint64_t mask, key, s
    cdef int64_t *keys
    cdef int64_t *children
    cdef int64_t *old_keys
    cdef int64_t *old_children
    if n == 0:
        return 0
    keys = <int64_t *> malloc(capacity * sizeof(int64_t))
    children = <int64_t *> malloc(capacity * sizeof(int64_t))
    if keys == NULL or children == NULL:
        free(keys)
        free(children)
        raise MemoryError()
    with nogil:
        for j in range(capacity):
            keys[j] = -1
        for i in range(n):
            key = <uint64_t>node * <uint64_t>a + <uint64_t>data[i]
            mask = capacity - 1
            s = _slot(key, shift)
            while keys[s] != -1 and <uint64_t>keys[s] != key:
                s = (s + 1) & mask
            if keys[s] != -1:
                node = children[s]
                continue
            keys[s] = <int64_t>key  # a new phrase ends here
            children[s] = nodes
            nodes += 1
            used += 1
            phrases += 1
            node = 0
            if 2 * used > capacity:
                old_keys, old_children, old_capacity = keys, children, capacity
                capacity *= 2
                shift -= 1
                keys = <int64_t *> malloc(capacity * sizeof(int64_t))
                children = <int64_t *> malloc(capacity * sizeof(int64_t))
                if keys == NULL or children == NULL:
                    free(keys)
                    free(children)
                    free(old_keys)
                    free(old_children)
                    phrases = -1
                    break
                mask = capacity - 1
                for j in range(capacity):
                    keys[j] = -1
                for j in range(old_capacity):
                    if old_keys[j] != -1:
                        s = _slot(<uint64_t>old_keys[j], shift)
                        while keys[s] != -1:
                            s = (s + 1) & mask
                        keys[s] = old_keys[j]
                        children[s] = old_children[j]
                free(old_keys)
                free(old_children)
    if phrases < 0:
        raise MemoryError("LZ78 trie: out of memory")
    free(keys)
    free(children)
    return phrases + (1 if node != 0 else 0)


cdef inline Py_ssize_t _left_below(const int64_t* t, Py_ssize_t size, Py_ssize_t p, int64_t bound) noexcept nogil:
    # the largest q <= p whose leaf is < bound (-1: none), in a min segment tree with leaves at t[size:]
    cdef Py_ssize_t v = size + p
    if t[v] < bound:
        return p
    while v > 1:
        if (v & 1) and t[v - 1] < bound:
            v -= 1
            while v < size:
                v = 2 * v + 1 if t[2 * v + 1] < bound else 2 * v
            return v - size
        v >>= 1
    return -1


cdef inline Py_ssize_t _right_below(const int64_t* t, Py_ssize_t size, Py_ssize_t p, int64_t bound) noexcept nogil:
    # the smallest q >= p whose leaf is < bound (size: none)
    cdef Py_ssize_t v = size + p
    if t[v] < bound:
        return p
    while v > 1:
        if not (v & 1) and t[v + 1] < bound:
            v += 1
            while v < size:
                v = 2 * v if t[2 * v] < bound else 2 * v + 1
            return v - size
        v >>= 1
    return size


cdef inline int64_t _range_min(const int64_t* t, Py_ssize_t size, Py_ssize_t lo, Py_ssize_t hi) noexcept nogil:
    # min of the leaves lo..hi (inclusive)
    cdef int64_t best = INT64_MAX
    lo += size
    hi += size + 1
    while lo < hi:
        if lo & 1:
            if t[lo] < best:
                best = t[lo]
            lo += 1
        if hi & 1:
            hi -= 1
            if t[hi] < best:
                best = t[hi]
        lo >>= 1
        hi >>= 1
    return best


def longest_previous_nonoverlapping_factor(const symbol_t[::1] data, const int64_t[::1] sa):
    """LPnF[i]: the longest l such that data[i:i+l] == data[j:j+l] for some j with j + l <= i.

    The match lies inside the past data[:i] (it may not run on past position i): the match length of
    Kontoyiannis et al. (1998), whose Λ_i = LPnF[i] + 1 is the shortest string starting at i that does not
    appear as a contiguous substring of the past. From the suffix array and Kasai's LCP array: since
    LPnF[i] >= LPnF[i - 1] - 1, each i starts from there and tries one longer at a time (2n tries in all);
    a try of length L asks whether some suffix in the suffix-array interval of the suffixes sharing L
    symbols with data[i:] starts at j <= i - L: the interval's ends from a min segment tree of the LCP
    array, the smallest start in it from one of the suffix array. O(n log n) time; memory: 2 int64
    arrays of n and 2 trees of 2 * 2**ceil(log2(n + 1)) int64.
    """
    cdef Py_ssize_t n = data.shape[0], i, r, h, j, size, v, lo, hi
    cdef int64_t l
    out = np.zeros(n, dtype=np.int64)
    if n == 0:
        return out
    size = 1
    while size < n + 1:
        size <<= 1
    rank_a = np.empty(n, dtype=np.int64)
    lcp_tree = np.zeros(2 * size, dtype=np.int64)
    sa_tree = np.full(2 * size, INT64_MAX, dtype=np.int64)
    cdef int64_t[::1] lpf = out, rank = rank_a, lt = lcp_tree, st = sa_tree
    cdef int64_t* lcp = &lt[size]
    with nogil:
        for r in range(n):
            rank[sa[r]] = r
            st[size + r] = sa[r]
        # Kasai: lcp[r] = lcp(sa[r - 1], sa[r]); lcp[0] and the leaves past n stay 0 (interval ends)
        h = 0
        for i in range(n):
            r = rank[i]
            if r > 0:
                j = sa[r - 1]
                while i + h < n and j + h < n and data[i + h] == data[j + h]:
                    h += 1
                lcp[r] = h
                if h > 0:
                    h -= 1
            else:
                h = 0
        for v in range(size - 1, 0, -1):
            lt[v] = lt[2 * v] if lt[2 * v] < lt[2 * v + 1] else lt[2 * v + 1]
            st[v] = st[2 * v] if st[2 * v] < st[2 * v + 1] else st[2 * v + 1]
        l = 0
        for i in range(n):
            if l > 0:
                l -= 1
            r = rank[i]
            while l + 1 <= i:
                # suffixes sharing l + 1 symbols with data[i:]: ranks lo..hi
                lo = _left_below(&lt[0], size, r, l + 1)
                hi = _right_below(&lt[0], size, r + 1, l + 1) - 1
                if _range_min(&st[0], size, lo, hi) > i - (l + 1):
                    break
                l += 1
            lpf[i] = l
    return out
