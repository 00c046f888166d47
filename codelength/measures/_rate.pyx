# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# cython: freethreading_compatible=True
"""Kernels of the entropy-rate estimators (codelength.measures.rate): LZ78 parsing and longest previous factors.

Twins in pure Python: codelength.reference.rate. Callers validate: ``data`` is a contiguous uint8 or int64
array of non-negative symbols, ``sa`` its suffix array (a permutation of 0..n-1), n < 2**62.

Thread safety (the module is declared ``freethreading_compatible``): the functions keep no state between
calls; every buffer they write is allocated by the call itself.
"""
from libc.stdint cimport int64_t, uint64_t
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


def longest_previous_factor(const symbol_t[::1] data, const int64_t[::1] sa):
    """LPF[i]: length of the longest prefix of data[i:] that also starts at some j < i (matches may overlap i).

    From the suffix array: Kasai's LCP array, then for each suffix the nearest suffix in sorted order on
    either side with a smaller start (previous / next smaller value, one stack pass each way, carrying the
    range minimum of the LCP array on the stack). O(n) time, 6 int64 arrays of n.
    """
    cdef Py_ssize_t n = data.shape[0], i, r, h, top, j
    cdef int64_t cur
    out = np.zeros(n, dtype=np.int64)
    if n == 0:
        return out
    rank_a = np.empty(n, dtype=np.int64)
    lcp_a = np.zeros(n, dtype=np.int64)
    stack_a = np.empty(n, dtype=np.int64)
    link_a = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] lpf = out, rank = rank_a, lcp = lcp_a, stack = stack_a, link = link_a
    with nogil:
        for r in range(n):
            rank[sa[r]] = r
        # Kasai: lcp[r] = lcp(sa[r - 1], sa[r])
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
        # previous smaller start (to the left in sorted order)
        top = -1
        for r in range(n):
            cur = lcp[r] if r > 0 else 0
            while top >= 0 and sa[stack[top]] > sa[r]:
                top -= 1
                if top >= 0 and link[top] < cur:
                    cur = link[top]
            if top >= 0:
                lpf[sa[r]] = cur
                link[top] = cur
            top += 1
            stack[top] = r
        # next smaller start (to the right)
        top = -1
        for r in range(n - 1, -1, -1):
            cur = lcp[r + 1] if r + 1 < n else 0
            while top >= 0 and sa[stack[top]] > sa[r]:
                top -= 1
                if top >= 0 and link[top] < cur:
                    cur = link[top]
            if top >= 0:
                if cur > lpf[sa[r]]:
                    lpf[sa[r]] = cur
                link[top] = cur
            top += 1
            stack[top] = r
    return out
