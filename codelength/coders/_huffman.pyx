# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# cython: freethreading_compatible=True
"""Huffman kernels: code lengths (Huffman, package-merge), block split, the native block coder and the
Huffman-only DEFLATE writer.

Every bit stream is LSB-first with bit-reversed canonical code words (DEFLATE's convention), so one
encoder loop serves both formats. The pure-Python twin is :mod:`codelength.reference.huffman`; it is
the specification (same results, bit-identical bytes). Functions here run on validated input, except
the decoder, which is safe on any bytes: it reports damage by an error code, never reads or writes out
of bounds and never loops longer than the stated number of symbols.

Thread safety (the module is declared ``freethreading_compatible``): every coder keeps its state in
local variables and buffers of its own call, writes only to the arrays it is given, and the
module-level tables are filled once, at import; calls from many threads at once are independent.
"""
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t, int64_t
from libc.stdlib cimport malloc, calloc, free, realloc
from libc.string cimport memcpy, memmove, memset
from libc.math cimport log2

import numpy as np
cimport numpy as cnp
from cpython.object cimport PyObject
from cpython.ref cimport Py_DECREF

cdef extern from "Python.h":
    PyObject* PyBytes_FromStringAndSize(const char* v, Py_ssize_t size) except NULL
    char* PyBytes_AS_STRING(PyObject* string)
    int _PyBytes_Resize(PyObject** string, Py_ssize_t newsize) except -1

cnp.import_array()

ctypedef fused symbol_t:
    uint8_t
    uint16_t
    uint32_t

DEF MAX_CODE_LENGTH = 24
DEF STREAMS = 4
DEF TABLE_BITS = 12
DEF CHUNK = 4096
DEF MAX_BLOCK = 1048576
DEF CL_MAX_LENGTH = 7
DEF MODEL_VERSION = 1

# error codes of the decoder (messages in ERRORS)
DEF E_MODEL = 1
DEF E_VERSION = 2
DEF E_BLOCKS = 3
DEF E_SYMBOL = 4
DEF E_CL = 5
DEF E_LENGTHS = 6
DEF E_CODE = 7
DEF E_PAYLOAD = 8
DEF E_STREAM = 9
DEF E_MEMORY = 10
DEF E_TRAILING = 11

ERRORS = {
    E_MODEL: "Huffman model section truncated",
    E_VERSION: "unknown Huffman model version",
    E_BLOCKS: "Huffman block sizes do not add up to the stated length",
    E_SYMBOL: "symbol outside the alphabet",
    E_CL: "invalid code-length code",
    E_LENGTHS: "invalid Huffman code lengths (runs overflow the alphabet or the code is not complete)",
    E_CODE: "invalid Huffman code word",
    E_PAYLOAD: "Huffman stream sizes do not match the payload",
    E_STREAM: "Huffman bit stream does not end where its size says (truncated or extended)",
    E_MEMORY: "out of memory",
    E_TRAILING: "trailing bits in the Huffman model section",
}

cdef uint8_t[29] NATIVE_CL_ORDER = [25, 26, 27, 28, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
                                     16, 17, 18, 19, 20, 21, 22, 23, 24]
cdef uint8_t[19] DEFLATE_CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]


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


cdef int _huffman_depths(const Leaf* leaves, Py_ssize_t m, int* depth) noexcept nogil:
    """Two-queue Huffman on leaves sorted ascending; ties take the leaf first (twin: huffman_depths)."""
    cdef Py_ssize_t nodes = 2 * m - 1, leaf = 0, internal = m, new = m, k, node, a
    cdef int t
    cdef int64_t* weight = <int64_t*>malloc(nodes * sizeof(int64_t))
    cdef Py_ssize_t* parent = <Py_ssize_t*>malloc(nodes * sizeof(Py_ssize_t))
    cdef int* d = <int*>malloc(nodes * sizeof(int))
    cdef Py_ssize_t pair[2]
    if weight == NULL or parent == NULL or d == NULL:
        free(weight); free(parent); free(d)
        return -1
    for k in range(m):
        weight[k] = leaves[k].count
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
    d[nodes - 1] = 0
    node = nodes - 2
    while node >= 0:
        d[node] = d[parent[node]] + 1
        node -= 1
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


# ------------------------------------------------------------------------------------------------
# bit writer (LSB-first)
# ------------------------------------------------------------------------------------------------

cdef struct Writer:
    uint8_t* buf
    size_t cap
    size_t pos      # complete bytes written
    uint64_t acc    # pending bits (fewer than 8 between calls)
    int nbits
    int failed
    int fixed       # buf is not ours (a bytes object's storage): it cannot grow


cdef int _reserve(Writer* w, size_t extra) noexcept nogil:
    """Make room for ``extra`` more bytes plus 16 bytes of slack for 8-byte stores."""
    cdef size_t need = w.pos + extra + 16, cap
    cdef uint8_t* grown
    if need <= w.cap:
        return 0
    if w.fixed:
        w.failed = 2
        return -1
    cap = w.cap * 2 if w.cap * 2 > need else need
    grown = <uint8_t*>realloc(w.buf, cap)
    if grown == NULL:
        w.failed = 1
        return -1
    w.buf = grown
    w.cap = cap
    return 0


cdef inline void _put(Writer* w, uint64_t value, int nbits) noexcept nogil:
    """Append ``nbits`` (at most 32) bits; the caller has reserved room."""
    w.acc |= value << w.nbits
    w.nbits += nbits
    while w.nbits >= 8:
        w.buf[w.pos] = <uint8_t>(w.acc & 0xFF)
        w.pos += 1
        w.acc >>= 8
        w.nbits -= 8


cdef inline void _put_varint(Writer* w, uint64_t value) noexcept nogil:
    cdef uint64_t group
    while True:
        group = value & 0x7F
        value >>= 7
        _put(w, group | (0x80 if value else 0), 8)
        if not value:
            return


cdef inline void _align(Writer* w) noexcept nogil:
    if w.nbits:
        _put(w, 0, 8 - w.nbits)


cdef inline void _store64(uint8_t* p, uint64_t v) noexcept nogil:
    memcpy(p, &v, 8)  # little-endian machines (x86-64, aarch64)


cdef inline uint64_t _load64(const uint8_t* p) noexcept nogil:
    cdef uint64_t v
    memcpy(&v, p, 8)
    return v


cdef void _encode_symbols(Writer* w, const symbol_t* symbols, Py_ssize_t count,
                          const uint32_t* entries, int longest=MAX_CODE_LENGTH) noexcept nogil:
    """Append the code words of ``symbols`` (none longer than ``longest``); room for them (plus slack)
    is reserved by the caller.

    Two words (at most 24 bits each) go into the 64-bit buffer between flushes: 7 + 48 < 64.
    """
    cdef uint64_t acc = w.acc
    cdef int nbits = w.nbits
    cdef uint8_t* p = w.buf + w.pos
    cdef Py_ssize_t i = 0
    cdef uint32_t e0, e1, e2
    if longest <= 18:   # three words per flush: 7 + 3 * 18 < 64
        while i + 3 <= count:
            e0 = entries[symbols[i]]
            e1 = entries[symbols[i + 1]]
            e2 = entries[symbols[i + 2]]
            acc |= <uint64_t>(e0 >> 8) << nbits
            nbits += e0 & 0xFF
            acc |= <uint64_t>(e1 >> 8) << nbits
            nbits += e1 & 0xFF
            acc |= <uint64_t>(e2 >> 8) << nbits
            nbits += e2 & 0xFF
            _store64(p, acc)
            p += nbits >> 3
            acc >>= nbits & ~7
            nbits &= 7
            i += 3
    while i + 2 <= count:
        e0 = entries[symbols[i]]
        e1 = entries[symbols[i + 1]]
        acc |= <uint64_t>(e0 >> 8) << nbits
        nbits += e0 & 0xFF
        acc |= <uint64_t>(e1 >> 8) << nbits
        nbits += e1 & 0xFF
        _store64(p, acc)
        p += nbits >> 3
        acc >>= nbits & ~7
        nbits &= 7
        i += 2
    if i < count:
        e0 = entries[symbols[i]]
        acc |= <uint64_t>(e0 >> 8) << nbits
        nbits += e0 & 0xFF
        _store64(p, acc)
        p += nbits >> 3
        acc >>= nbits & ~7
        nbits &= 7
    w.pos = p - w.buf
    w.acc = acc
    w.nbits = nbits


# ------------------------------------------------------------------------------------------------
# code-length header (twin: length_tokens, code_length_code, write_native_lengths)
# ------------------------------------------------------------------------------------------------

cdef struct Runs:
    int repeat_symbol      # repeat previous length 3-6 times (2 extra bits)
    int first_zero_symbol  # zero runs: 3-10 (3 bits), 11-138 (7 bits)[, 139-65674 (16 bits)]
    int n_zero_runs
    int cl_symbols

cdef int[3] ZERO_EXTRA = [3, 7, 16]
cdef int[3] ZERO_BASE = [3, 11, 139]


cdef Py_ssize_t _length_tokens(const uint8_t* lengths, Py_ssize_t n, Runs runs, uint32_t* tokens) noexcept nogil:
    """Run-length tokens, each (extra value << 8) | symbol; returns their number (at most n)."""
    cdef Py_ssize_t i = 0, run, count = 0, take
    cdef int length, z
    while i < n:
        length = lengths[i]
        run = 1
        while i + run < n and lengths[i + run] == length:
            run += 1
        i += run
        if length == 0:
            while run >= 3:
                z = runs.n_zero_runs - 1
                while run < ZERO_BASE[z]:
                    z -= 1
                take = ZERO_BASE[z] + (1 << ZERO_EXTRA[z]) - 1
                if run < take:
                    take = run
                tokens[count] = <uint32_t>(((take - ZERO_BASE[z]) << 8) | (runs.first_zero_symbol + z))
                count += 1
                run -= take
            while run > 0:
                tokens[count] = 0
                count += 1
                run -= 1
        else:
            tokens[count] = length
            count += 1
            run -= 1
            while run >= 3:
                take = 6 if run > 6 else run
                tokens[count] = <uint32_t>(((take - 3) << 8) | runs.repeat_symbol)
                count += 1
                run -= take
            while run > 0:
                tokens[count] = length
                count += 1
                run -= 1
    return count


cdef inline int _token_extra(uint32_t symbol, Runs runs) noexcept nogil:
    if <int>symbol == runs.repeat_symbol:
        return 2
    if <int>symbol >= runs.first_zero_symbol:
        return ZERO_EXTRA[symbol - runs.first_zero_symbol]
    return 0


cdef int _write_lengths(Writer* w, const uint8_t* lengths, Py_ssize_t n, Runs runs,
                        const uint8_t* order, int hclen_bits) noexcept nogil:
    """Code lengths as a DEFLATE-style header: count of code-length-code lengths (``hclen_bits``),
    those lengths (3 bits each, in ``order``), then the tokens. 0 ok, -1 out of memory."""
    cdef uint32_t* tokens = <uint32_t*>malloc((n + 1) * sizeof(uint32_t))
    cdef int64_t cl_counts[32]
    cdef uint8_t cl_lengths[32]
    cdef uint32_t cl_entries[32]
    cdef Py_ssize_t n_tokens, t
    cdef int s, used = 0, k, extra
    cdef uint32_t e, sym
    if tokens == NULL:
        return -1
    n_tokens = _length_tokens(lengths, n, runs, tokens)
    memset(cl_counts, 0, sizeof(cl_counts))
    for t in range(n_tokens):
        cl_counts[tokens[t] & 0xFF] += 1
    for s in range(runs.cl_symbols):
        if cl_counts[s]:
            used += 1
    s = 0
    while used < 2:  # a complete code of at least two words
        if cl_counts[s] == 0:
            cl_counts[s] = 1
            used += 1
        s += 1
    if _code_lengths(cl_counts, runs.cl_symbols, CL_MAX_LENGTH, cl_lengths) != 0:
        free(tokens)
        return -1
    _canonical_entries(cl_lengths, runs.cl_symbols, cl_entries)
    if _reserve(w, 16 + <size_t>n_tokens * 4) != 0:
        free(tokens)
        return -1
    k = runs.cl_symbols
    while k > 4 and cl_lengths[order[k - 1]] == 0:
        k -= 1
    _put(w, k - 4, hclen_bits)
    for s in range(k):
        _put(w, cl_lengths[order[s]], 3)
    for t in range(n_tokens):
        sym = tokens[t] & 0xFF
        e = cl_entries[sym]
        _put(w, e >> 8, e & 0xFF)
        extra = _token_extra(sym, runs)
        if extra:
            _put(w, tokens[t] >> 8, extra)
    free(tokens)
    return 0


# ------------------------------------------------------------------------------------------------
# block split (twin: split_blocks)
# ------------------------------------------------------------------------------------------------

cdef inline double _xlog2x(double x) noexcept nogil:
    return x * log2(x) if x > 0 else 0.0


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
                merged_x = _xlog2x(<double>(b + c))
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
    cdef double* xlog = <double*>malloc((4 * CHUNK + 1) * sizeof(double))
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
            free(hist); free(xlog)
            raise MemoryError()
    rc = _greedy_init(&fine, alphabet_size, n // CHUNK + 1) | _greedy_init(&coarse, alphabet_size, n // CHUNK + 1)
    if hist == NULL or xlog == NULL or rc != 0:
        free(hist); free(xlog); _greedy_free(&fine); _greedy_free(&coarse)
        raise MemoryError()
    with nogil:
        for i in range(4 * CHUNK + 1):
            xlog[i] = _xlog2x(<double>i)
        start = 0
        while start < n:
            end = start + CHUNK if start + CHUNK < n else n
            chunk_n = end - start
            # count the chunk in four interleaved histograms (h0 collects the total)
            memset(hist, 0, 4 * alphabet_size * sizeof(uint32_t))
            p = &symbols[start]
            quarter = chunk_n // 4
            for i in range(quarter):
                h0[p[i]] += 1
                h1[p[quarter + i]] += 1
                h2[p[2 * quarter + i]] += 1
                h3[p[3 * quarter + i]] += 1
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
    free(hist); free(xlog); free(chunk_rows); _greedy_free(&fine); _greedy_free(&coarse)
    if with_counts:
        return blocks, counts
    return blocks


# ------------------------------------------------------------------------------------------------
# native encoder (twin: encode)
# ------------------------------------------------------------------------------------------------

cdef inline int _effective_limit(Py_ssize_t n_used, int max_length) noexcept nogil:
    cdef int needed = 1, limit
    while (<Py_ssize_t>1 << needed) < n_used:
        needed += 1
    limit = max_length if max_length > needed else needed
    return MAX_CODE_LENGTH if limit > MAX_CODE_LENGTH else limit


cdef void _count_segments(const symbol_t* block, const Py_ssize_t* seg, Py_ssize_t q, int64_t* hist,
                          Py_ssize_t alphabet_size) noexcept nogil:
    """Histograms of the STREAMS segments (hist[k * alphabet_size + s]), counted side by side so the
    four increments in flight never wait on each other."""
    cdef int64_t* h0 = hist
    cdef int64_t* h1 = hist + alphabet_size
    cdef int64_t* h2 = hist + 2 * alphabet_size
    cdef int64_t* h3 = hist + 3 * alphabet_size
    cdef const symbol_t* b0 = block
    cdef const symbol_t* b1 = block + q
    cdef const symbol_t* b2 = block + 2 * q
    cdef const symbol_t* b3 = block + 3 * q
    cdef Py_ssize_t i, k
    memset(hist, 0, STREAMS * alphabet_size * sizeof(int64_t))
    for i in range(seg[3]):
        h0[b0[i]] += 1
        h1[b1[i]] += 1
        h2[b2[i]] += 1
        h3[b3[i]] += 1
    for k in range(3):
        for i in range(seg[3], seg[k]):
            hist[k * alphabet_size + block[k * q + i]] += 1


cdef inline void _finish_stream(uint8_t* start, uint8_t* p, uint64_t acc, uint64_t nbits, const symbol_t* rest,
                                Py_ssize_t count, const uint32_t* entries, size_t* size) noexcept nogil:
    """Hand an unrolled loop's bit state to a Writer, code the ``count`` symbols left over, pad, size."""
    cdef Writer w
    w.buf = start
    w.pos = p - start
    w.acc = acc
    w.nbits = <int>nbits
    _encode_symbols(&w, rest, count, entries)
    _align(&w)
    size[0] = w.pos


cdef void _encode_pair(const symbol_t* block, const Py_ssize_t* seg, Py_ssize_t q, int first,
                       const uint32_t* entries, uint8_t** starts, size_t* sizes) noexcept nogil:
    """Code segments ``first`` and ``first + 1`` side by side into their streams (each with 8 bytes of
    room past its end): two independent 64-bit bit buffers keep the CPU busy without running out of
    registers. Two words (at most 24 bits each) go in between flushes: 7 + 48 < 64."""
    cdef const symbol_t* x = block + first * q
    cdef const symbol_t* y = block + (first + 1) * q
    cdef uint8_t* px = starts[first]
    cdef uint8_t* py = starts[first + 1]
    cdef uint64_t ax = 0, ay = 0
    cdef uint64_t nx = 0, ny = 0
    cdef uint32_t e0, e1, f0, f1
    cdef Py_ssize_t i = 0, common = seg[first + 1] & ~1
    while i < common:
        e0 = entries[x[i]]
        f0 = entries[y[i]]
        e1 = entries[x[i + 1]]
        f1 = entries[y[i + 1]]
        ax |= <uint64_t>(e0 >> 8) << nx
        ay |= <uint64_t>(f0 >> 8) << ny
        nx += e0 & 0xFF
        ny += f0 & 0xFF
        ax |= <uint64_t>(e1 >> 8) << nx
        ay |= <uint64_t>(f1 >> 8) << ny
        nx += e1 & 0xFF
        ny += f1 & 0xFF
        _store64(px, ax)
        _store64(py, ay)
        px += nx >> 3
        py += ny >> 3
        ax >>= nx & ~7
        ay >>= ny & ~7
        nx &= 7
        ny &= 7
        i += 2
    _finish_stream(starts[first], px, ax, nx, x + common, seg[first] - common, entries, &sizes[first])
    _finish_stream(starts[first + 1], py, ay, ny, y + common, seg[first + 1] - common, entries, &sizes[first + 1])


cdef void _encode_pair_short(const symbol_t* block, const Py_ssize_t* seg, Py_ssize_t q, int first,
                             const uint32_t* entries, uint8_t** starts, size_t* sizes) noexcept nogil:
    """As _encode_pair for words of at most 14 bits: four words per flush (7 + 4 * 14 < 64)."""
    cdef const symbol_t* x = block + first * q
    cdef const symbol_t* y = block + (first + 1) * q
    cdef uint8_t* px = starts[first]
    cdef uint8_t* py = starts[first + 1]
    cdef uint64_t ax = 0, ay = 0
    cdef uint64_t nx = 0, ny = 0
    cdef uint32_t e0, e1, e2, e3, f0, f1, f2, f3
    cdef Py_ssize_t i = 0, common = seg[first + 1] & ~3
    while i < common:
        e0 = entries[x[i]]
        f0 = entries[y[i]]
        e1 = entries[x[i + 1]]
        f1 = entries[y[i + 1]]
        e2 = entries[x[i + 2]]
        f2 = entries[y[i + 2]]
        e3 = entries[x[i + 3]]
        f3 = entries[y[i + 3]]
        ax |= <uint64_t>(e0 >> 8) << nx
        ay |= <uint64_t>(f0 >> 8) << ny
        nx += e0 & 0xFF
        ny += f0 & 0xFF
        ax |= <uint64_t>(e1 >> 8) << nx
        ay |= <uint64_t>(f1 >> 8) << ny
        nx += e1 & 0xFF
        ny += f1 & 0xFF
        ax |= <uint64_t>(e2 >> 8) << nx
        ay |= <uint64_t>(f2 >> 8) << ny
        nx += e2 & 0xFF
        ny += f2 & 0xFF
        ax |= <uint64_t>(e3 >> 8) << nx
        ay |= <uint64_t>(f3 >> 8) << ny
        nx += e3 & 0xFF
        ny += f3 & 0xFF
        _store64(px, ax)
        _store64(py, ay)
        px += nx >> 3
        py += ny >> 3
        ax >>= nx & ~7
        ay >>= ny & ~7
        nx &= 7
        ny &= 7
        i += 4
    _finish_stream(starts[first], px, ax, nx, x + common, seg[first] - common, entries, &sizes[first])
    _finish_stream(starts[first + 1], py, ay, ny, y + common, seg[first + 1] - common, entries, &sizes[first + 1])


cdef void _encode_segments(const symbol_t* block, const Py_ssize_t* seg, Py_ssize_t q,
                           const uint32_t* entries, int longest, uint8_t** starts, size_t* sizes) noexcept nogil:
    """Code the four segments into four streams (sizes in bytes to ``sizes``)."""
    if longest <= 14:
        _encode_pair_short(block, seg, q, 0, entries, starts, sizes)
        _encode_pair_short(block, seg, q, 2, entries, starts, sizes)
    else:
        _encode_pair(block, seg, q, 0, entries, starts, sizes)
        _encode_pair(block, seg, q, 2, entries, starts, sizes)


cdef inline int64_t _blocks_total(const int64_t* blocks, Py_ssize_t n_blocks) noexcept nogil:
    cdef int64_t total = 0
    cdef Py_ssize_t b
    for b in range(n_blocks):
        total += blocks[b]
    return total


cdef int _encode_native(const symbol_t* symbols, Py_ssize_t alphabet_size, const int64_t* blocks,
                        Py_ssize_t n_blocks, int max_length, const int64_t* block_counts, Writer* model,
                        Writer* payload) noexcept nogil:
    """Twin: encode. ``block_counts`` (blocks x alphabet, or NULL: count here) are the blocks' counts."""
    cdef int64_t* hist = <int64_t*>malloc(STREAMS * alphabet_size * sizeof(int64_t))
    cdef int64_t* counts = <int64_t*>malloc(alphabet_size * sizeof(int64_t))
    cdef uint8_t* lengths = <uint8_t*>malloc(alphabet_size)
    cdef uint32_t* entries = <uint32_t*>malloc(alphabet_size * sizeof(uint32_t))
    cdef Py_ssize_t b, s, used, last, q, start = 0, block_n
    cdef Py_ssize_t seg[STREAMS]
    cdef uint8_t* starts[STREAMS]
    cdef size_t sizes[STREAMS]
    cdef size_t room
    cdef uint64_t bits[STREAMS]
    cdef Runs runs
    cdef int rc = 0, k, longest = 0
    runs.repeat_symbol = 25
    runs.first_zero_symbol = 26
    runs.n_zero_runs = 3
    runs.cl_symbols = 29
    if hist == NULL or counts == NULL or lengths == NULL or entries == NULL:
        free(hist); free(counts); free(lengths); free(entries)
        return -1
    # the payload is rarely larger than the input: reserve that once instead of growing by copies
    if _reserve(model, 32) != 0 or _reserve(payload, <size_t>_blocks_total(blocks, n_blocks) * sizeof(symbol_t)
                                            + 64 * <size_t>n_blocks) != 0:
        rc = -1
    else:
        _put(model, MODEL_VERSION, 8)
        _put(model, STREAMS, 8)
        _put_varint(model, n_blocks)
    for b in range(n_blocks):
        if rc != 0:
            break
        block_n = blocks[b]
        q = (block_n + STREAMS - 1) // STREAMS
        for k in range(STREAMS):
            seg[k] = block_n - k * q
            seg[k] = q if seg[k] > q else (0 if seg[k] < 0 else seg[k])
        if block_counts != NULL:
            memcpy(counts, block_counts + b * alphabet_size, alphabet_size * sizeof(int64_t))
        else:
            _count_segments(symbols + start, seg, q, hist, alphabet_size)
            for s in range(alphabet_size):
                counts[s] = (hist[s] + hist[alphabet_size + s] + hist[2 * alphabet_size + s]
                             + hist[3 * alphabet_size + s])
        used = 0
        last = 0
        for s in range(alphabet_size):
            if counts[s]:
                used += 1
                last = s
        if _reserve(model, 64) != 0:
            rc = -1
            break
        _put_varint(model, block_n)
        if used == 1:
            _put(model, 1, 1)
            _put_varint(model, last)
            start += block_n
            continue
        _put(model, 0, 1)
        if _code_lengths(counts, alphabet_size, _effective_limit(used, max_length), lengths) != 0:
            rc = -1
            break
        if _write_lengths(model, lengths, alphabet_size, runs, NATIVE_CL_ORDER, 5) != 0:
            rc = -1
            break
        _canonical_entries(lengths, alphabet_size, entries)
        room = 0
        longest = 0
        for s in range(alphabet_size):
            if lengths[s] > longest:
                longest = lengths[s]
        for k in range(STREAMS):
            bits[k] = 0
            if block_counts != NULL:
                bits[k] = <uint64_t>seg[k] * longest
            else:
                for s in range(alphabet_size):
                    bits[k] += <uint64_t>hist[k * alphabet_size + s] * lengths[s]
            room += bits[k] // 8 + 1 + 8
        if _reserve(payload, room) != 0 or _reserve(model, 16 * STREAMS) != 0:
            rc = -1
            break
        # streams at spaced offsets (8 bytes of room after each for the 8-byte stores), then packed
        starts[0] = payload.buf + payload.pos
        for k in range(1, STREAMS):
            starts[k] = starts[k - 1] + bits[k - 1] // 8 + 1 + 8
        _encode_segments(symbols + start, seg, q, entries, longest, starts, sizes)
        for k in range(STREAMS):
            memmove(payload.buf + payload.pos, starts[k], sizes[k])
            payload.pos += sizes[k]
            _put_varint(model, sizes[k])
        start += block_n
    _align(model)
    free(hist); free(counts); free(lengths); free(entries)
    return rc


cdef bytes _take(Writer* w):
    cdef bytes out = w.buf[:w.pos] if w.pos else b""
    free(w.buf)
    w.buf = NULL
    return out


def encode_native(const symbol_t[::1] symbols, Py_ssize_t alphabet_size, const int64_t[::1] blocks,
                  int max_length, const int64_t[:, ::1] counts=None):
    """Native Huffman coder: ``(model, payload)`` bytes for the given block lengths (see the twin).

    ``counts``: the blocks' symbol counts (shape (blocks, alphabet_size)) when already known."""
    cdef Writer model, payload
    cdef int rc
    cdef const int64_t* block_counts = NULL
    if counts is not None:
        if counts.shape[0] != blocks.shape[0] or counts.shape[1] != alphabet_size:
            raise ValueError("counts must have shape (blocks, alphabet_size)")
        if counts.shape[0]:
            block_counts = &counts[0, 0]
    cdef Py_ssize_t n = 0, largest = 0, b
    cdef PyObject* raw
    for b in range(blocks.shape[0]):
        n += blocks[b]
        largest = blocks[b] if blocks[b] > largest else largest
    memset(&model, 0, sizeof(Writer))
    memset(&payload, 0, sizeof(Writer))
    # Write the payload straight into a bytes object (no copy): an optimal code never beats a fixed
    # code of sizeof(symbol) bytes per symbol, so this bound holds, plus room for the widest words of
    # one block (stream layout before packing) and padding. Should it not, fall back to a growing buffer.
    raw = PyBytes_FromStringAndSize(NULL, n * sizeof(symbol_t) + 3 * largest + 64 * blocks.shape[0] + 128)
    payload.buf = <uint8_t*>PyBytes_AS_STRING(raw)
    payload.cap = n * sizeof(symbol_t) + 3 * largest + 64 * blocks.shape[0] + 128
    payload.fixed = 1
    with nogil:
        rc = _encode_native(&symbols[0] if symbols.shape[0] else NULL, alphabet_size,
                            &blocks[0] if blocks.shape[0] else NULL, blocks.shape[0], max_length,
                            block_counts, &model, &payload)
    if rc != 0 and payload.failed == 2:
        Py_DECREF(<object>raw)
        free(model.buf)
        memset(&model, 0, sizeof(Writer))
        memset(&payload, 0, sizeof(Writer))
        with nogil:
            rc = _encode_native(&symbols[0] if symbols.shape[0] else NULL, alphabet_size,
                                &blocks[0] if blocks.shape[0] else NULL, blocks.shape[0], max_length,
                                block_counts, &model, &payload)
        if rc != 0:
            free(model.buf)
            free(payload.buf)
            raise MemoryError()
        return _take(&model), _take(&payload)
    if rc != 0:
        Py_DECREF(<object>raw)
        free(model.buf)
        raise MemoryError()
    _PyBytes_Resize(&raw, payload.pos)
    result = <object>raw   # takes a new reference
    Py_DECREF(result)      # drop the one PyBytes_FromStringAndSize gave
    return _take(&model), result


# ------------------------------------------------------------------------------------------------
# Huffman-only DEFLATE writer (twin: deflate_raw)
# ------------------------------------------------------------------------------------------------

cdef inline uint64_t _stored_bits(uint64_t bit_position, Py_ssize_t n) noexcept nogil:
    """Twin: stored_bits."""
    cdef uint64_t position = bit_position
    cdef Py_ssize_t piece
    while True:
        piece = n if n < 65535 else 65535
        position = (position + 3 + 7) & ~(<uint64_t>7)
        position += 32 + 8 * <uint64_t>piece
        n -= piece
        if n == 0:
            return position - bit_position


cdef int _write_stored(Writer* w, const uint8_t* block, Py_ssize_t n, bint final) noexcept nogil:
    """Twin: write_stored."""
    cdef Py_ssize_t piece, offset = 0
    cdef bint last
    if _reserve(w, n + 8 * (n // 65535 + 1) + 16) != 0:
        return -1
    while True:
        piece = n - offset if n - offset < 65535 else 65535
        last = offset + piece == n
        _put(w, 1 if final and last else 0, 1)
        _put(w, 0, 2)
        _align(w)
        _put(w, <uint64_t>piece, 16)
        _put(w, <uint64_t>(piece ^ 0xFFFF), 16)
        memcpy(w.buf + w.pos, block + offset, piece)
        w.pos += piece
        offset += piece
        if last:
            return 0


def deflate_raw(const uint8_t[::1] data, const int64_t[::1] blocks, const int64_t[:, ::1] block_counts=None):
    """Raw DEFLATE stream of dynamic-Huffman literal-only blocks with the given block lengths
    (``block_counts``: their byte counts, shape (blocks, 256), when already known); a block that
    takes fewer bits with the fixed code (BTYPE 01) or stored (BTYPE 00) is written so (twin: deflate_raw)."""
    cdef Writer w
    cdef int64_t counts[257]
    cdef uint8_t lengths[259]
    cdef uint32_t entries[257]
    cdef Py_ssize_t b, i, start = 0, block_n, n_blocks = blocks.shape[0]
    cdef uint64_t bits, begin, fixed_bits, stored_bits, trial_bits, best_bits
    cdef Writer trial
    cdef int tail, best_tail
    cdef uint8_t fixed_lengths[288]
    cdef uint32_t fixed_entries[288]
    cdef size_t saved_pos
    cdef uint64_t saved_acc
    cdef int saved_nbits
    cdef Runs runs
    cdef int rc = 0, s
    cdef const int64_t* known = NULL
    if data.shape[0] == 0:
        return b"\x03\x00"
    if block_counts is not None:
        if block_counts.shape[0] != n_blocks or block_counts.shape[1] != 256:
            raise ValueError("block_counts must have shape (blocks, 256)")
        if n_blocks:
            known = &block_counts[0, 0]
    runs.repeat_symbol = 16
    runs.first_zero_symbol = 17
    runs.n_zero_runs = 2
    runs.cl_symbols = 19
    memset(&w, 0, sizeof(Writer))
    memset(&trial, 0, sizeof(Writer))
    for s in range(288):  # RFC 1951, 3.2.6
        fixed_lengths[s] = 8 if s < 144 else (9 if s < 256 else (7 if s < 280 else 8))
    _canonical_entries(fixed_lengths, 288, fixed_entries)
    with nogil:
        for b in range(n_blocks):
            block_n = blocks[b]
            if known != NULL:
                memcpy(counts, known + b * 256, 256 * sizeof(int64_t))
            else:
                memset(counts, 0, sizeof(counts))
                for i in range(start, start + block_n):
                    counts[data[i]] += 1
            counts[256] = 1
            if _code_lengths(counts, 257, 15, lengths) != 0 or _reserve(&w, 16) != 0:
                rc = -1
                break
            # no distance codes are used: one of zero bits (tail 0), one of one bit (tail 1) or two of
            # one bit (tail 2) are all valid; take the one whose lengths code the shortest (twin)
            best_tail = 0
            best_bits = 0
            for tail in range(3):
                lengths[257] = 0 if tail == 0 else 1
                lengths[258] = 1
                trial.pos = 0
                trial.acc = 0
                trial.nbits = 0
                if _write_lengths(&trial, lengths, 258 + (tail == 2), runs, DEFLATE_CL_ORDER, 4) != 0:
                    rc = -1
                    break
                trial_bits = 8 * <uint64_t>trial.pos + trial.nbits
                if tail == 0 or trial_bits < best_bits:
                    best_tail = tail
                    best_bits = trial_bits
            if rc != 0:
                break
            lengths[257] = 0 if best_tail == 0 else 1
            saved_pos = w.pos
            saved_acc = w.acc
            saved_nbits = w.nbits
            begin = 8 * <uint64_t>w.pos + w.nbits
            _put(&w, 1 if b == n_blocks - 1 else 0, 1)
            _put(&w, 2, 2)
            _put(&w, 0, 5)
            _put(&w, 1 if best_tail == 2 else 0, 5)
            if _write_lengths(&w, lengths, 258 + (best_tail == 2), runs, DEFLATE_CL_ORDER, 4) != 0:
                rc = -1
                break
            _canonical_entries(lengths, 257, entries)
            bits = 0
            for s in range(257):
                bits += <uint64_t>counts[s] * lengths[s]
            fixed_bits = 3
            for s in range(257):
                fixed_bits += <uint64_t>counts[s] * fixed_lengths[s]
            stored_bits = _stored_bits(begin, block_n)
            bits += 8 * <uint64_t>w.pos + w.nbits - begin      # the whole dynamic block
            if fixed_bits < bits or stored_bits < bits:
                w.pos = saved_pos
                w.acc = saved_acc
                w.nbits = saved_nbits
                if fixed_bits <= stored_bits:
                    if _reserve(&w, fixed_bits // 8 + 16) != 0:
                        rc = -1
                        break
                    _put(&w, 1 if b == n_blocks - 1 else 0, 1)
                    _put(&w, 1, 2)
                    _encode_symbols(&w, &data[start], block_n, fixed_entries, 9)
                    _put(&w, fixed_entries[256] >> 8, fixed_entries[256] & 0xFF)
                elif _write_stored(&w, &data[start], block_n, b == n_blocks - 1) != 0:
                    rc = -1
                    break
                start += block_n
                continue
            if _reserve(&w, bits // 8 + 16) != 0:
                rc = -1
                break
            _encode_symbols(&w, &data[start], block_n, entries, 15)
            _put(&w, entries[256] >> 8, entries[256] & 0xFF)
            start += block_n
        if rc == 0:
            _align(&w)
    free(trial.buf)
    if rc != 0:
        free(w.buf)
        raise MemoryError()
    return _take(&w)


# ------------------------------------------------------------------------------------------------
# safe bit reader for the model section
# ------------------------------------------------------------------------------------------------

cdef struct BitIn:
    const uint8_t* data
    size_t size     # bytes
    size_t pos      # bits
    int err


cdef inline uint32_t _read(BitIn* r, int nbits) noexcept nogil:
    """Next ``nbits`` (at most 32) bits; sets err and returns 0 past the end."""
    cdef uint64_t value = 0
    cdef size_t byte, last
    cdef int k = 0
    if nbits == 0:
        return 0
    if r.pos + nbits > r.size * 8:
        r.err = E_MODEL
        r.pos = r.size * 8
        return 0
    byte = r.pos >> 3
    last = (r.pos + nbits - 1) >> 3
    while byte + k <= last:
        value |= <uint64_t>r.data[byte + k] << (8 * k)
        k += 1
    value >>= r.pos & 7
    r.pos += nbits
    return <uint32_t>(value & ((<uint64_t>1 << nbits) - 1))


cdef inline uint64_t _read_varint(BitIn* r) noexcept nogil:
    cdef uint64_t value = 0, group
    cdef int shift = 0, k
    for k in range(10):
        group = _read(r, 8)
        if shift == 63 and (group & 0x7F) > 1:
            break  # value bits past bit 63: refused, not wrapped (the twin's value would be >= 2**64)
        value |= (group & 0x7F) << shift
        shift += 7
        if not (group & 0x80):
            return value
    r.err = E_MODEL
    return 0


cdef struct Canon:
    int max_len
    uint32_t count[MAX_CODE_LENGTH + 1]
    uint32_t* symbols     # symbols sorted by (length, symbol)


cdef void _canon_init(Canon* c, const uint8_t* lengths, Py_ssize_t n, uint32_t* symbol_buffer) noexcept nogil:
    cdef uint32_t offset[MAX_CODE_LENGTH + 2]
    cdef Py_ssize_t s
    cdef int l
    memset(c.count, 0, sizeof(c.count))
    c.max_len = 0
    c.symbols = symbol_buffer
    for s in range(n):
        l = lengths[s]
        if l:
            c.count[l] += 1
            if l > c.max_len:
                c.max_len = l
    offset[1] = 0
    for l in range(1, MAX_CODE_LENGTH + 1):
        offset[l + 1] = offset[l] + c.count[l]
    for s in range(n):
        l = lengths[s]
        if l:
            symbol_buffer[offset[l]] = <uint32_t>s
            offset[l] += 1


cdef inline int64_t _canon_decode_bits(const Canon* c, uint64_t bits, int* used) noexcept nogil:
    """Decode one word from the low bits of ``bits`` (LSB-first, at least max_len valid); -1 if invalid."""
    cdef int64_t code = 0, first = 0, index = 0, count
    cdef int l
    for l in range(1, c.max_len + 1):
        code |= <int64_t>((bits >> (l - 1)) & 1)
        count = c.count[l]
        if code - first < count:
            used[0] = l
            return c.symbols[index + code - first]
        index += count
        first = (first + count) << 1
        code <<= 1
    return -1


cdef inline int64_t _canon_decode(const Canon* c, BitIn* r) noexcept nogil:
    cdef int64_t code = 0, first = 0, index = 0, count
    cdef int l
    for l in range(1, c.max_len + 1):
        code |= _read(r, 1)
        if r.err:
            return -1
        count = c.count[l]
        if code - first < count:
            return c.symbols[index + code - first]
        index += count
        first = (first + count) << 1
        code <<= 1
    return -1


cdef int _read_native_lengths(BitIn* r, Py_ssize_t alphabet_size, uint8_t* lengths) noexcept nogil:
    """Twin: read_native_lengths. 0 ok, else an error code."""
    cdef uint8_t cl_lengths[29]
    cdef uint32_t cl_symbols[29]
    cdef Canon cl
    cdef int k, i, used = 0
    cdef int64_t sym, run
    cdef uint64_t kraft = 0
    cdef Py_ssize_t filled = 0, s
    cdef uint8_t value
    k = _read(r, 5) + 4
    if r.err:
        return r.err
    if k > 29:
        return E_CL
    memset(cl_lengths, 0, sizeof(cl_lengths))
    for i in range(k):
        cl_lengths[NATIVE_CL_ORDER[i]] = <uint8_t>_read(r, 3)
    if r.err:
        return r.err
    for i in range(29):
        if cl_lengths[i]:
            kraft += <uint64_t>1 << (CL_MAX_LENGTH - cl_lengths[i])
    if kraft != (<uint64_t>1 << CL_MAX_LENGTH):
        return E_CL
    _canon_init(&cl, cl_lengths, 29, cl_symbols)
    while filled < alphabet_size:
        sym = _canon_decode(&cl, r)
        if sym < 0:
            return r.err if r.err else E_CL
        if sym <= MAX_CODE_LENGTH:
            lengths[filled] = <uint8_t>sym
            filled += 1
            continue
        if sym == 25:
            if filled == 0:
                return E_LENGTHS
            value = lengths[filled - 1]
            run = 3 + _read(r, 2)
        else:
            value = 0
            run = ZERO_BASE[sym - 26] + _read(r, ZERO_EXTRA[sym - 26])
        if r.err:
            return r.err
        if filled + run > alphabet_size:
            return E_LENGTHS
        memset(lengths + filled, value, run)
        filled += run
    kraft = 0
    for s in range(alphabet_size):
        if lengths[s]:
            used += 1
            kraft += <uint64_t>1 << (MAX_CODE_LENGTH - lengths[s])
    if used < 2 or kraft != (<uint64_t>1 << MAX_CODE_LENGTH):
        return E_LENGTHS
    return 0


# ------------------------------------------------------------------------------------------------
# native decoder: table-driven, four interleaved streams
# ------------------------------------------------------------------------------------------------

cdef struct Stream:
    const uint8_t* start
    const uint8_t* p
    const uint8_t* end
    uint64_t buf
    int bits
    size_t virtual   # zero bytes supplied past the end


cdef inline void _refill_fast(Stream* s) noexcept nogil:
    """Top up to 56..63 bits with one 8-byte load; needs p + 8 <= end."""
    s.buf |= _load64(s.p) << s.bits
    s.p += (63 - s.bits) >> 3
    s.bits |= 56


cdef inline void _refill_safe(Stream* s) noexcept nogil:
    """Top up byte by byte; past the end the stream reads as zeros (counted in ``virtual``)."""
    while s.bits <= 56:
        if s.p < s.end:
            s.buf |= <uint64_t>s.p[0] << s.bits
            s.p += 1
        else:
            s.virtual += 1
        s.bits += 8


cdef inline int _stream_finish(const Stream* s) noexcept nogil:
    """The words must end in the stream's last byte, followed by zero padding bits only."""
    cdef size_t size = s.end - s.start
    cdef size_t consumed = (<size_t>(s.p - s.start) + s.virtual) * 8 - s.bits
    if consumed > size * 8 or (consumed + 7) // 8 != size:
        return E_STREAM
    if (consumed & 7) and (s.start[size - 1] >> (consumed & 7)):
        return E_STREAM
    return 0


cdef inline int _decode_one(Stream* s, const uint32_t* table, uint64_t mask, const Canon* canon,
                            symbol_t* out) noexcept nogil:
    """Decode one symbol; the stream holds at least max_len bits."""
    cdef uint32_t e = table[s.buf & mask]
    cdef int used
    cdef int64_t sym
    if e & 31:
        out[0] = <symbol_t>(e >> 5)
        s.buf >>= e & 31
        s.bits -= e & 31
        return 0
    sym = _canon_decode_bits(canon, s.buf, &used)
    if sym < 0:
        return E_CODE
    out[0] = <symbol_t>sym
    s.buf >>= used
    s.bits -= used
    return 0


cdef int _decode_streams(Stream* st, const Py_ssize_t* seg, symbol_t* out, Py_ssize_t q,
                         const uint32_t* table, int table_bits, const Canon* canon) noexcept nogil:
    """Decode STREAMS segments (segment k starts at out + k*q) from their streams."""
    cdef uint64_t mask = (<uint64_t>1 << table_bits) - 1
    cdef int per_refill = 56 // canon.max_len, j, k, rc = 0
    cdef Py_ssize_t done = 0, i, fast_end
    cdef symbol_t* o0 = out
    cdef symbol_t* o1 = out + q
    cdef symbol_t* o2 = out + 2 * q
    cdef symbol_t* o3 = out + 3 * q
    cdef Stream s0 = st[0], s1 = st[1], s2 = st[2], s3 = st[3]
    cdef uint32_t e0, e1, e2, e3
    # fast path: all four streams have 8 readable bytes, all segments have per_refill symbols left
    fast_end = seg[3]
    if seg[0] < fast_end:
        fast_end = seg[0]
    if canon.max_len <= table_bits:
        # every word is in the table: no slow path, no check
        while (done + per_refill <= fast_end and s0.p + 8 <= s0.end and s1.p + 8 <= s1.end
               and s2.p + 8 <= s2.end and s3.p + 8 <= s3.end):
            _refill_fast(&s0)
            _refill_fast(&s1)
            _refill_fast(&s2)
            _refill_fast(&s3)
            for j in range(per_refill):
                e0 = table[s0.buf & mask]
                e1 = table[s1.buf & mask]
                e2 = table[s2.buf & mask]
                e3 = table[s3.buf & mask]
                o0[done] = <symbol_t>(e0 >> 5)
                o1[done] = <symbol_t>(e1 >> 5)
                o2[done] = <symbol_t>(e2 >> 5)
                o3[done] = <symbol_t>(e3 >> 5)
                s0.buf >>= e0 & 31
                s0.bits -= e0 & 31
                s1.buf >>= e1 & 31
                s1.bits -= e1 & 31
                s2.buf >>= e2 & 31
                s2.bits -= e2 & 31
                s3.buf >>= e3 & 31
                s3.bits -= e3 & 31
                done += 1
    else:
        while (done + per_refill <= fast_end and s0.p + 8 <= s0.end and s1.p + 8 <= s1.end
               and s2.p + 8 <= s2.end and s3.p + 8 <= s3.end):
            _refill_fast(&s0)
            _refill_fast(&s1)
            _refill_fast(&s2)
            _refill_fast(&s3)
            for j in range(per_refill):
                e0 = table[s0.buf & mask]
                e1 = table[s1.buf & mask]
                e2 = table[s2.buf & mask]
                e3 = table[s3.buf & mask]
                if (e0 & 31) and (e1 & 31) and (e2 & 31) and (e3 & 31):
                    o0[done] = <symbol_t>(e0 >> 5)
                    o1[done] = <symbol_t>(e1 >> 5)
                    o2[done] = <symbol_t>(e2 >> 5)
                    o3[done] = <symbol_t>(e3 >> 5)
                    s0.buf >>= e0 & 31
                    s0.bits -= e0 & 31
                    s1.buf >>= e1 & 31
                    s1.bits -= e1 & 31
                    s2.buf >>= e2 & 31
                    s2.bits -= e2 & 31
                    s3.buf >>= e3 & 31
                    s3.bits -= e3 & 31
                else:
                    rc = (_decode_one(&s0, table, mask, canon, o0 + done)
                          | _decode_one(&s1, table, mask, canon, o1 + done)
                          | _decode_one(&s2, table, mask, canon, o2 + done)
                          | _decode_one(&s3, table, mask, canon, o3 + done))
                    if rc:
                        return E_CODE
                done += 1
    st[0] = s0
    st[1] = s1
    st[2] = s2
    st[3] = s3
    # careful tails, one stream at a time
    for k in range(STREAMS):
        i = done if done < seg[k] else seg[k]
        while i < seg[k]:
            if st[k].bits < canon.max_len:
                if st[k].p + 8 <= st[k].end:
                    _refill_fast(&st[k])
                else:
                    _refill_safe(&st[k])
            if _decode_one(&st[k], table, mask, canon, out + k * q + i):
                return E_CODE
            i += 1
            if st[k].virtual > 8:   # far past the end: the stream is truncated
                return E_STREAM
        rc = _stream_finish(&st[k])
        if rc:
            return rc
    return 0


cdef void _build_table(const uint8_t* lengths, Py_ssize_t n, const uint32_t* entries, int table_bits,
                       uint32_t* table) noexcept nogil:
    """table[next table_bits stream bits] = symbol << 5 | length, or 0 for a longer word."""
    cdef Py_ssize_t s
    cdef uint32_t size = <uint32_t>1 << table_bits, r, step, value
    cdef int l
    memset(table, 0, size * sizeof(uint32_t))
    for s in range(n):
        l = lengths[s]
        if l and l <= table_bits:
            r = entries[s] >> 8
            step = <uint32_t>1 << l
            value = (<uint32_t>s << 5) | <uint32_t>l
            while r < size:
                table[r] = value
                r += step


cdef int _decode_native(const uint8_t* model, size_t model_size, const uint8_t* payload,
                        size_t payload_size, symbol_t* out, Py_ssize_t n,
                        Py_ssize_t alphabet_size) noexcept nogil:
    cdef BitIn r
    cdef uint64_t n_blocks, block_n, b, size, symbol
    cdef Py_ssize_t filled = 0, q, i
    cdef Py_ssize_t seg[STREAMS]
    cdef size_t pos = 0
    cdef Stream st[STREAMS]
    cdef Canon canon
    cdef int rc = 0, k, table_bits
    cdef uint8_t* lengths
    cdef uint32_t* entries
    cdef uint32_t* sorted_symbols
    cdef uint32_t* table
    r.data = model
    r.size = model_size
    r.pos = 0
    r.err = 0
    if _read(&r, 8) != MODEL_VERSION or _read(&r, 8) != STREAMS:
        return r.err if r.err else E_VERSION
    n_blocks = _read_varint(&r)
    if r.err:
        return r.err
    if n_blocks > <uint64_t>n:
        return E_BLOCKS
    lengths = <uint8_t*>malloc(alphabet_size + 1)
    entries = <uint32_t*>malloc((alphabet_size + 1) * sizeof(uint32_t))
    sorted_symbols = <uint32_t*>malloc((alphabet_size + 1) * sizeof(uint32_t))
    table = <uint32_t*>malloc((<size_t>1 << TABLE_BITS) * sizeof(uint32_t))
    if lengths == NULL or entries == NULL or sorted_symbols == NULL or table == NULL:
        free(lengths); free(entries); free(sorted_symbols); free(table)
        return E_MEMORY
    for b in range(n_blocks):
        block_n = _read_varint(&r)
        if r.err:
            rc = r.err
            break
        if block_n == 0 or block_n > <uint64_t>(n - filled):
            rc = E_BLOCKS
            break
        if _read(&r, 1):
            symbol = _read_varint(&r)
            if r.err:
                rc = r.err
                break
            if symbol >= <uint64_t>alphabet_size:
                rc = E_SYMBOL
                break
            for i in range(filled, filled + <Py_ssize_t>block_n):
                out[i] = <symbol_t>symbol
            filled += block_n
            continue
        rc = _read_native_lengths(&r, alphabet_size, lengths)
        if rc:
            break
        _canonical_entries(lengths, alphabet_size, entries)
        _canon_init(&canon, lengths, alphabet_size, sorted_symbols)
        table_bits = canon.max_len if canon.max_len < TABLE_BITS else TABLE_BITS
        _build_table(lengths, alphabet_size, entries, table_bits, table)
        q = (block_n + STREAMS - 1) // STREAMS
        for k in range(STREAMS):
            seg[k] = <Py_ssize_t>block_n - k * q
            if seg[k] > q:
                seg[k] = q
            if seg[k] < 0:
                seg[k] = 0
            size = _read_varint(&r)
            if r.err:
                rc = r.err
                break
            if size > payload_size - pos:
                rc = E_PAYLOAD
                break
            st[k].start = payload + pos
            st[k].p = payload + pos
            st[k].end = payload + pos + size
            st[k].buf = 0
            st[k].bits = 0
            st[k].virtual = 0
            pos += size
        if rc:
            break
        rc = _decode_streams(st, seg, out + filled, q, table, table_bits, &canon)
        if rc:
            break
        filled += block_n
    free(lengths); free(entries); free(sorted_symbols); free(table)
    if rc:
        return rc
    if <Py_ssize_t>filled != n:
        return E_BLOCKS
    if pos != payload_size:
        return E_PAYLOAD
    # the model ends here, with zero padding bits only
    if (r.pos + 7) // 8 != model_size or ((r.pos & 7) and (model[model_size - 1] >> (r.pos & 7))):
        return E_TRAILING
    return 0


def decode_native(const uint8_t[::1] model, const uint8_t[::1] payload, symbol_t[::1] out,
                  Py_ssize_t alphabet_size):
    """Decode into ``out`` (its length is the symbol count); returns 0 or an error code (see ERRORS)."""
    cdef int rc
    cdef const uint8_t* m = &model[0] if model.shape[0] else NULL
    cdef const uint8_t* p = &payload[0] if payload.shape[0] else NULL
    cdef symbol_t dummy
    cdef symbol_t* o = &out[0] if out.shape[0] else &dummy
    with nogil:
        rc = _decode_native(m, model.shape[0], p, payload.shape[0], o, out.shape[0], alphabet_size)
    return rc
