# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# cython: freethreading_compatible=True
"""Prefix-code kernels: optimal code lengths (Huffman), length-limited ones (package-merge) and the
canonical code words.

The twin is :mod:`codelength.reference.huffman` (``code_lengths``, ``canonical_codes``): same lengths,
same code words. ``code_lengths`` serves :mod:`codelength.codes.prefix`; the C functions declared in
_prefix.pxd serve the Huffman coder and the DEFLATE writer.

Thread safety (the module is declared ``freethreading_compatible``): every coder keeps its state in
local variables and buffers of its own call, writes only to the arrays it is given, and the
module-level tables are filled once, at import; calls from many threads at once are independent.
"""
from libc.stdint cimport uint8_t, uint32_t, int64_t
from libc.stdlib cimport malloc, calloc, free
from libc.string cimport memcpy, memset

import numpy as np
cimport numpy as cnp

cnp.import_array()


# ------------------------------------------------------------------------------------------------
# code lengths
# ------------------------------------------------------------------------------------------------

cdef struct Leaf:
    int64_t count
    int64_t symbol

cdef int _sort_leaves(Leaf* leaves, Py_ssize_t m) noexcept nogil:
    """Stable LSD radix sort by count (leaves arrive in symbol order, so ties stay in symbol order)."""
    cdef Leaf* tmp = <Leaf*>malloc(m * sizeof(Leaf))
    cdef Leaf* src = leaves
    cdef Leaf* dst = tmp
    cdef Leaf* swap
    cdef Py_ssize_t pos[256]
    cdef Py_ssize_t i, total, c
    cdef int64_t largest = 0
    cdef int shift = 0, d
    if tmp == NULL:
        return -1
    for i in range(m):
        if leaves[i].count > largest:
            largest = leaves[i].count
    while shift < 64 and (largest >> shift) > 0:
        memset(pos, 0, sizeof(pos))
        for i in range(m):
            pos[(src[i].count >> shift) & 0xFF] += 1
        total = 0
        for d in range(256):
            c = pos[d]
            pos[d] = total
            total += c
        for i in range(m):
            d = (src[i].count >> shift) & 0xFF
            dst[pos[d]] = src[i]
            pos[d] += 1
        swap = src
        src = dst
        dst = swap
        shift += 8
    if src != leaves:
        memcpy(leaves, src, m * sizeof(Leaf))
    free(tmp)
    return 0


cdef void _huffman_tree_depths(int64_t* weight, Py_ssize_t m, Py_ssize_t* parent, int* depth) noexcept nogil:
    """Two-queue Huffman in caller-owned buffers (twin: huffman_depths).

    ``weight[0..m)`` holds the m >= 2 leaf counts sorted ascending (ties in symbol order); ``weight``,
    ``parent`` and ``depth`` have room for ``2 m - 1`` entries each. Ties take the leaf first. On return
    ``depth[k]`` is the depth of leaf k. No allocation: callers with at most 256 leaves pass stack arrays
    (stats/_records.pyx), others their own heap buffers (``_huffman_depths``)."""
    cdef Py_ssize_t nodes = 2 * m - 1, leaf = 0, internal = m, new = m, k, node
    cdef Py_ssize_t pair[2]
    cdef int t
    for k in range(m - 1):
        for t in range(2):
            if leaf < m and (internal >= new or weight[leaf] <= weight[internal]):
                pair[t] = leaf
                leaf += 1
            else:
                pair[t] = internal
                internal += 1
        weight[new] = weight[pair[0]] + weight[pair[1]]
        parent[pair[0]] = new
        parent[pair[1]] = new
        new += 1
    depth[nodes - 1] = 0
    node = nodes - 2
    while node >= 0:
        depth[node] = depth[parent[node]] + 1
        node -= 1


cdef int _huffman_depths(const Leaf* leaves, Py_ssize_t m, int* depth) noexcept nogil:
    """Two-queue Huffman on leaves sorted ascending (``_huffman_tree_depths`` in heap buffers)."""
    cdef Py_ssize_t nodes = 2 * m - 1, k
    cdef int64_t* weight = <int64_t*>malloc(nodes * sizeof(int64_t))
    cdef Py_ssize_t* parent = <Py_ssize_t*>malloc(nodes * sizeof(Py_ssize_t))
    cdef int* d = <int*>malloc(nodes * sizeof(int))
    if weight == NULL or parent == NULL or d == NULL:
        free(weight); free(parent); free(d)
        return -1
    for k in range(m):
        weight[k] = leaves[k].count
    _huffman_tree_depths(weight, m, parent, d)
    for k in range(m):
        depth[k] = d[k]
    free(weight); free(parent); free(d)
    return 0


cdef int _package_merge(const Leaf* leaves, Py_ssize_t m, int max_length, int* depth) noexcept nogil:
    """Optimal length-limited depths (twin: package_merge_depths); needs 2 <= m <= 2**max_length."""
    cdef Py_ssize_t width = 2 * m, below_len = m, npk, i, j, k, take, pk, leaves_taken
    cdef int level
    cdef int64_t pw
    cdef uint8_t* flags = <uint8_t*>calloc(<size_t>max_length * width, 1)
    cdef Py_ssize_t* level_len = <Py_ssize_t*>malloc(max_length * sizeof(Py_ssize_t))
    cdef int64_t* below = <int64_t*>malloc(width * sizeof(int64_t))
    cdef int64_t* merged = <int64_t*>malloc(width * sizeof(int64_t))
    cdef int64_t* swap
    if flags == NULL or level_len == NULL or below == NULL or merged == NULL:
        free(flags); free(level_len); free(below); free(merged)
        return -1
    for i in range(m):
        below[i] = leaves[i].count
    level_len[0] = m
    for level in range(1, max_length):
        npk = below_len // 2
        i = 0
        j = 0
        k = 0
        while i < m or j < npk:
            if j < npk:
                pw = below[2 * j] + below[2 * j + 1]
            if j >= npk or (i < m and leaves[i].count <= pw):
                merged[k] = leaves[i].count
                i += 1
            else:
                merged[k] = pw
                flags[level * width + k] = 1
                j += 1
            k += 1
        level_len[level] = k
        below_len = k
        swap = below
        below = merged
        merged = swap
    for i in range(m):
        depth[i] = 0
    take = 2 * m - 2
    level = max_length - 1
    while level >= 0:
        pk = 0
        for k in range(take):
            pk += flags[level * width + k]
        leaves_taken = take - pk
        for i in range(leaves_taken):
            depth[i] += 1
        take = 2 * pk
        level -= 1
    free(flags); free(level_len); free(below); free(merged)
    return 0


cdef int _code_lengths(const int64_t* counts, Py_ssize_t n_symbols, int max_length,
                       uint8_t* lengths) noexcept nogil:
    """Optimal code lengths of ``counts`` (0 = unlimited); 0 ok, -1 out of memory, -2 limit too small,
    -3 a length above 255 (unlimited codes of astronomically skewed counts)."""
    cdef Py_ssize_t m = 0, s, k
    cdef int rc = 0, longest = 0
    for s in range(n_symbols):
        lengths[s] = 0
        if counts[s] > 0:
            m += 1
    if m == 0:
        return 0
    cdef Leaf* leaves = <Leaf*>malloc(m * sizeof(Leaf))
    cdef int* depth = <int*>malloc(m * sizeof(int))
    if leaves == NULL or depth == NULL:
        free(leaves); free(depth)
        return -1
    k = 0
    for s in range(n_symbols):
        if counts[s] > 0:
            leaves[k].count = counts[s]
            leaves[k].symbol = s
            k += 1
    if m == 1:
        depth[0] = 1
    else:
        if max_length > 0 and (max_length >= 62 or (<int64_t>1 << max_length) < m):
            if max_length < 62:
                free(leaves); free(depth)
                return -2
        rc = _sort_leaves(leaves, m)
        if rc == 0:
            rc = _huffman_depths(leaves, m, depth)
        if rc == 0:
            for k in range(m):
                if depth[k] > longest:
                    longest = depth[k]
            if max_length > 0 and longest > max_length:
                rc = _package_merge(leaves, m, max_length, depth)
    if rc == 0:
        for k in range(m):
            if depth[k] > 255:
                rc = -3
                break
            lengths[leaves[k].symbol] = <uint8_t>depth[k]
    free(leaves); free(depth)
    return rc


def code_lengths(const int64_t[::1] counts, int max_length=0):
    """Optimal prefix-code lengths (uint8 array) for non-negative ``counts``; ``max_length=0``: no limit."""
    cdef cnp.ndarray[uint8_t, ndim=1] out = np.zeros(counts.shape[0], dtype=np.uint8)
    cdef int rc
    with nogil:
        rc = _code_lengths(&counts[0] if counts.shape[0] else NULL, counts.shape[0], max_length,
                           <uint8_t*>out.data)
    if rc == -1:
        raise MemoryError()
    if rc == -2:
        raise ValueError(f"the used symbols do not fit a code with words of at most {max_length} bits")
    if rc == -3:
        raise OverflowError("a code length exceeds 255 bits; give max_length")
    return out


cdef inline uint32_t _reverse(uint32_t code, int length) noexcept nogil:
    cdef uint32_t out = 0
    cdef int k
    for k in range(length):
        out = (out << 1) | (code & 1)
        code >>= 1
    return out


cdef void _canonical_entries(const uint8_t* lengths, Py_ssize_t n_symbols, uint32_t* entries) noexcept nogil:
    """entries[s] = (bit-reversed canonical code << 8) | length, 0 for unused symbols."""
    cdef uint32_t bl_count[MAX_CODE_LENGTH + 2]
    cdef uint32_t next_code[MAX_CODE_LENGTH + 2]
    cdef uint32_t code = 0
    cdef Py_ssize_t s
    cdef int bits, l
    memset(bl_count, 0, sizeof(bl_count))
    for s in range(n_symbols):
        bl_count[lengths[s]] += 1
    bl_count[0] = 0
    next_code[0] = 0
    for bits in range(1, MAX_CODE_LENGTH + 1):
        code = (code + bl_count[bits - 1]) << 1
        next_code[bits] = code
    for s in range(n_symbols):
        l = lengths[s]
        if l:
            entries[s] = (_reverse(next_code[l], l) << 8) | <uint32_t>l
            next_code[l] += 1
        else:
            entries[s] = 0
