# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# cython: freethreading_compatible=True
"""Per-record statistics of many small byte strings in one call: length, order-0 entropy, the size of
the native Huffman stream and the size of zlib's output, for every record of a flat buffer cut by offsets.

The loop over records runs without the GIL; the Python layer (:mod:`codelength.stats.records`) has
validated the offsets (non-decreasing, inside the buffer) before it calls :func:`record_stats_into`.
Twin: :mod:`codelength.reference.records`.
"""
from libc.stdint cimport uint8_t, uint32_t, int64_t, uint64_t
from libc.string cimport memset
from libc.stdlib cimport malloc, calloc, free
from libc.math cimport log1p

from codelength.codes._prefix cimport _code_lengths, _huffman_tree_depths

cdef extern from "_zlib_shim.h" nogil:
    # zlib.h when the build found it (setup.py defines CODELENGTH_HAVE_ZLIB), else failing stand-ins
    int CODELENGTH_ZLIB
    ctypedef struct z_stream:
        uint8_t* next_in
        unsigned int avail_in
        uint8_t* next_out
        unsigned int avail_out
        unsigned long total_out
    int Z_OK, Z_STREAM_END, Z_FINISH, Z_NO_FLUSH, Z_DEFLATED, Z_DEFAULT_STRATEGY, Z_BUF_ERROR
    int deflateInit2(z_stream* strm, int level, int method, int windowBits, int memLevel, int strategy)
    int deflateReset(z_stream* strm)
    int deflate(z_stream* strm, int flush)
    int deflateEnd(z_stream* strm)
    const char* zlibVersion()

DEF ALPHABET = 256
DEF STREAMS = 4
DEF MAX_CODE_LENGTH = 24
DEF CL_SYMBOLS = 29
DEF CL_MAX_LENGTH = 7
DEF SPLIT_CHUNK = 4096   # the Huffman coder's adaptive split: records up to this size are one block
DEF ZLIB_SCRATCH = 65536
DEF ZLIB_PIECE = 1073741824   # avail_in is 32 bits wide: feed at most 1 GiB at a time

#: Longest record whose Huffman size this kernel computes (one stream block, one Huffman block); the
#: column of a longer record is set to -1 and :mod:`codelength.stats.records` fills it.
HUFFMAN_KERNEL_MAX = SPLIT_CHUNK

cdef uint8_t[29] NATIVE_CL_ORDER = [25, 26, 27, 28, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
                                     16, 17, 18, 19, 20, 21, 22, 23, 24]


#: True when this extension was built against zlib.h and calls deflate itself; False when the build found
#: no zlib headers (then :mod:`codelength.stats.records` computes ``zlib_bytes`` with Python's zlib module).
HAVE_ZLIB = bool(CODELENGTH_ZLIB)


def zlib_runtime_version():
    """Version of the zlib this extension is linked against ("" when built without zlib)."""
    return zlibVersion().decode("ascii")


cdef inline int64_t _varint_bytes(uint64_t value) noexcept nogil:
    cdef int64_t groups = 1
    while value >= 0x80:
        value >>= 7
        groups += 1
    return groups


cdef inline int _effective_limit(int64_t n_used, int max_length) noexcept nogil:
    cdef int needed = 1, limit
    while (<int64_t>1 << needed) < n_used:
        needed += 1
    limit = max_length if max_length > needed else needed
    return MAX_CODE_LENGTH if limit > MAX_CODE_LENGTH else limit


cdef inline void _zero_run_token(int64_t take, int64_t* cl_counts, int64_t* extra_bits) noexcept nogil:
    # a run of ``take`` zeros (3..65674) as one token: 26 (3-10, 3 bits), 27 (11-138, 7), 28 (139-65674, 16)
    if take >= 139:
        cl_counts[28] += 1
        extra_bits[0] += 16
    elif take >= 11:
        cl_counts[27] += 1
        extra_bits[0] += 7
    else:
        cl_counts[26] += 1
        extra_bits[0] += 3


DEF INSERTION_MAX = 16   # up to this many used symbols the leaves are ranked by insertion, else by radix


cdef Py_ssize_t _rank_leaves(const int64_t* counts, Py_ssize_t n_symbols, int64_t* weight,
                             int* leaf_symbol) noexcept nogil:
    """The used symbols (count > 0) ranked by (count, symbol), their counts in ``weight`` and symbols in
    ``leaf_symbol`` (the order of the coder's stable sort); returns how many. At most 256 symbols.

    A few leaves are ranked by insertion; more by a stable least-significant-digit radix sort on the
    counts' bytes (as many passes as the largest count has bytes), which gives the same order, since
    the symbols enter in increasing order and every pass is stable."""
    cdef int64_t tmp_weight[256]
    cdef int tmp_symbol[256]
    cdef int bucket[256]
    cdef int64_t c, largest = 0
    cdef int64_t* src_w
    cdef int64_t* dst_w
    cdef int* src_s
    cdef int* dst_s
    cdef int64_t* swap_w
    cdef int* swap_s
    cdef Py_ssize_t m = 0, s, j
    cdef int shift = 0, d, total, start
    for s in range(n_symbols):
        c = counts[s]
        if c > 0:
            weight[m] = c
            leaf_symbol[m] = <int>s
            m += 1
            if c > largest:
                largest = c
    if m <= INSERTION_MAX:
        for s in range(1, m):
            c = weight[s]
            d = leaf_symbol[s]
            j = s
            while j > 0 and weight[j - 1] > c:   # strictly greater: equal counts keep symbol order
                weight[j] = weight[j - 1]
                leaf_symbol[j] = leaf_symbol[j - 1]
                j -= 1
            weight[j] = c
            leaf_symbol[j] = d
        return m
    src_w = weight
    src_s = leaf_symbol
    dst_w = tmp_weight
    dst_s = tmp_symbol
    while shift < 64 and (largest >> shift) != 0:
        memset(bucket, 0, sizeof(bucket))
        for j in range(m):
            bucket[(src_w[j] >> shift) & 0xFF] += 1
        total = 0
        for d in range(256):
            start = bucket[d]
            bucket[d] = total
            total += start
        for j in range(m):
            d = (src_w[j] >> shift) & 0xFF
            dst_w[bucket[d]] = src_w[j]
            dst_s[bucket[d]] = src_s[j]
            bucket[d] += 1
        swap_w = src_w
        src_w = dst_w
        dst_w = swap_w
        swap_s = src_s
        src_s = dst_s
        dst_s = swap_s
        shift += 8
    if src_w != weight:
        for j in range(m):
            weight[j] = src_w[j]
            leaf_symbol[j] = src_s[j]
    return m


cdef int _lengths(const int64_t* counts, Py_ssize_t n_symbols, int max_length, uint8_t* lengths) noexcept nogil:
    """The native coder's code lengths (``_code_lengths``) without its allocations in the common case.

    The same steps on stack arrays: leaves ranked by (count, symbol) (``_rank_leaves``), then the
    coder's own two-queue Huffman (``_huffman_tree_depths`` of codes/_prefix.pxd, on these caller-owned
    buffers); when a word would pass ``max_length``, the coder's own routine (package-merge) decides.
    At most 256 symbols. 0 ok, else the error of ``_code_lengths``."""
    cdef int64_t weight[511]     # leaves' counts, ranked, in the first m entries; then the internal nodes
    cdef int leaf_symbol[256]
    cdef Py_ssize_t parent[511]
    cdef int depth[511]
    cdef Py_ssize_t m, s, k
    cdef int longest = 0
    if n_symbols > 256:
        return _code_lengths(counts, n_symbols, max_length, lengths)
    memset(lengths, 0, n_symbols)
    m = _rank_leaves(counts, n_symbols, weight, leaf_symbol)
    if m == 0:
        return 0
    if m == 1:
        lengths[leaf_symbol[0]] = 1
        return 0
    _huffman_tree_depths(weight, m, parent, depth)
    for k in range(m):
        if depth[k] > longest:
            longest = depth[k]
    if max_length > 0 and longest > max_length:
        return _code_lengths(counts, n_symbols, max_length, lengths)
    for k in range(m):
        lengths[leaf_symbol[k]] = <uint8_t>depth[k]
    return 0


cdef int64_t _length_header_bits(const uint8_t* lengths, Py_ssize_t n) noexcept nogil:
    """Bits of the native code-length header of ``lengths`` (docs/huffman.md): 5 + 3 k + the tokens'
    words and extra bits. -1 when out of memory."""
    cdef int64_t cl_counts[CL_SYMBOLS]
    cdef int64_t padded[CL_SYMBOLS]
    cdef uint8_t cl_lengths[CL_SYMBOLS]
    cdef int64_t extra = 0, run, take, bits
    cdef Py_ssize_t i = 0
    cdef int length, s, used = 0, k
    memset(cl_counts, 0, sizeof(cl_counts))
    while i < n:
        length = lengths[i]
        run = 1
        while i + run < n and lengths[i + run] == length:
            run += 1
        i += run
        if length == 0:
            while run >= 3:
                take = run
                if take >= 139:
                    take = 139 + 65535 if run > 139 + 65535 else run
                elif take >= 11:
                    take = 138 if run > 138 else run
                else:
                    take = 10 if run > 10 else run
                _zero_run_token(take, cl_counts, &extra)
                run -= take
            cl_counts[0] += run
        else:
            cl_counts[length] += 1
            run -= 1
            while run >= 3:
                take = 6 if run > 6 else run
                cl_counts[25] += 1
                extra += 2
                run -= take
            cl_counts[length] += run
    for s in range(CL_SYMBOLS):
        padded[s] = cl_counts[s]
        if padded[s]:
            used += 1
    s = 0
    while used < 2:   # the writer makes the code-length code complete with at least two words
        if padded[s] == 0:
            padded[s] = 1
            used += 1
        s += 1
    if _lengths(padded, CL_SYMBOLS, CL_MAX_LENGTH, cl_lengths) != 0:
        return -1
    k = CL_SYMBOLS
    while k > 4 and cl_lengths[NATIVE_CL_ORDER[k - 1]] == 0:
        k -= 1
    bits = 5 + 3 * k + extra
    for s in range(CL_SYMBOLS):
        bits += cl_counts[s] * cl_lengths[s]
    return bits


cdef int64_t _huffman_size(const uint8_t* data, int64_t n, int max_length, uint32_t* hist, int64_t* counts,
                           int* used_symbols, Py_ssize_t* n_used, uint8_t* lengths) noexcept nogil:
    """Bytes of the v2 stream ``compress(record, "huffman", max_length=max_length)`` of a record of at
    most SPLIT_CHUNK bytes (one stream block, one Huffman block: the adaptive split starts at chunks of
    that size), computed from the counts of the block's four segments without writing a bit.

    The frame (docs/format.md): a single-block frame, its tag byte and n; one block, run (a constant
    record: shape, symbol), stored (when model + payload would not be smaller than n: shape, the bytes)
    or coded (shape = 2 + m, p, the Huffman model of docs/huffman.md, the payload of four byte-padded
    streams), each with a header CRC-32 and a data CRC-32. The empty record is the 6-byte empty frame.
    Leaves the record's byte counts in ``counts`` and its used symbols, in increasing order, in
    ``used_symbols[:n_used[0]]``. -1 when out of memory."""
    cdef int64_t frame = 1 + _varint_bytes(<uint64_t>n)   # the tag byte, n
    cdef int64_t model_bits, payload = 0, q, seg, common, header, stream_bytes, m
    cdef uint64_t stream_bits
    cdef const uint8_t* p
    cdef uint32_t* h
    cdef Py_ssize_t i, s, used = 0
    cdef int k, last = 0
    q = (n + STREAMS - 1) // STREAMS
    memset(hist, 0, STREAMS * ALPHABET * sizeof(uint32_t))
    # the four segments (q, q, q and the rest; fewer when n < 4) side by side: four independent tables
    # updated in one loop, so that a repeated byte in one segment does not wait on its own previous count
    seg = n - 3 * q
    common = seg if seg > 0 else 0
    for i in range(common):
        hist[data[i]] += 1
        hist[ALPHABET + data[q + i]] += 1
        hist[2 * ALPHABET + data[2 * q + i]] += 1
        hist[3 * ALPHABET + data[3 * q + i]] += 1
    for k in range(STREAMS):
        seg = n - k * q
        seg = q if seg > q else (0 if seg < 0 else seg)
        p = data + k * q
        h = hist + k * ALPHABET
        for i in range(common, seg):
            h[p[i]] += 1
    for s in range(ALPHABET):
        counts[s] = <int64_t>hist[s] + hist[ALPHABET + s] + hist[2 * ALPHABET + s] + hist[3 * ALPHABET + s]
        if counts[s]:
            used_symbols[used] = <int>s
            used += 1
    n_used[0] = used
    if n == 0:
        return 6    # tag, n = 0, header CRC-32
    if used == 1:   # a run block: shape, the symbol, header CRC, data CRC
        last = used_symbols[0]
        return frame + 1 + _varint_bytes(<uint64_t>last) + 8
    # the Huffman model: 16 bits, B = 1, the block's N and kind bit, code lengths, four stream sizes
    model_bits = 16 + 8 + 8 * _varint_bytes(<uint64_t>n) + 1
    if _lengths(counts, ALPHABET, _effective_limit(used, max_length), lengths) != 0:
        return -1
    header = _length_header_bits(lengths, ALPHABET)
    if header < 0:
        return -1
    model_bits += header
    for k in range(STREAMS):
        stream_bits = 0
        h = hist + k * ALPHABET
        for i in range(used):   # only the used symbols have a count
            s = used_symbols[i]
            stream_bits += <uint64_t>h[s] * lengths[s]
        stream_bytes = <int64_t>((stream_bits + 7) // 8)
        payload += stream_bytes
        model_bits += 8 * _varint_bytes(<uint64_t>stream_bytes)
    m = (model_bits + 7) // 8
    if m + payload >= n:   # a stored block: shape, header CRC, the n bytes, data CRC
        return frame + 1 + 4 + n + 4
    return frame + _varint_bytes(<uint64_t>(2 + m)) + _varint_bytes(<uint64_t>payload) + 4 + m + payload + 4


cdef inline void _neumaier_add(double* total, double* compensation, double term) noexcept nogil:
    cdef double t = total[0] + term
    if total[0] >= term:
        compensation[0] += (total[0] - t) + term
    else:
        compensation[0] += (term - t) + total[0]
    total[0] = t


DEF TERM_MEMO = 4097   # the entropy terms of counts 1..4096 are kept per record length


cdef double _entropy_nats(const int64_t* counts, const int* used_symbols, Py_ssize_t n_used, int64_t total,
                          double* memo, int64_t* memo_total) noexcept nogil:
    """sum over c > 0 of (c/N) log1p((N - c)/c), Neumaier-compensated: codelength.entropy's sum, over
    the used symbols in increasing order (``used_symbols[:n_used]``).

    A term depends only on (c, N): ``memo[c]`` holds the term of count c for the total ``memo_total[c]``
    (records of one length meet the same counts again and again; log1p and two divisions are most of
    this sum's cost). The memo returns the very double the expression computes, so the sum is
    unchanged bit for bit."""
    cdef double s = 0.0, comp = 0.0, term
    cdef Py_ssize_t i
    cdef int64_t c
    if total <= 0:
        return 0.0
    for i in range(n_used):
        c = counts[used_symbols[i]]
        if c < TERM_MEMO and memo_total[c] == total:
            term = memo[c]
        else:
            term = (<double>c / <double>total) * log1p(<double>(total - c) / <double>c)
            if c < TERM_MEMO:
                memo[c] = term
                memo_total[c] = total
        _neumaier_add(&s, &comp, term)
    return s + comp


cdef int64_t _zlib_size(z_stream* z, const uint8_t* data, int64_t n, uint8_t* scratch) noexcept nogil:
    """Bytes zlib writes for the record (a zlib stream, as ``zlib.compress(record, level)``); -1 on error."""
    cdef int64_t fed = 0, piece
    cdef int rc, flush
    if deflateReset(z) != Z_OK:
        return -1
    while True:
        piece = n - fed if n - fed < ZLIB_PIECE else ZLIB_PIECE
        z.next_in = <uint8_t*>(data + fed)
        z.avail_in = <unsigned int>piece
        fed += piece
        flush = Z_FINISH if fed == n else Z_NO_FLUSH
        while True:
            z.next_out = scratch
            z.avail_out = ZLIB_SCRATCH
            rc = deflate(z, flush)
            if rc == Z_STREAM_END:
                return <int64_t>z.total_out
            if rc != Z_OK and rc != Z_BUF_ERROR:
                return -1
            if flush == Z_NO_FLUSH:
                if z.avail_in == 0:
                    break          # this piece is in; output still pending comes with the next calls
                if z.avail_out != 0:
                    return -1      # neither input used up nor output full: no progress possible
            elif z.avail_out != 0:
                return -1          # finishing, room left, yet no stream end: no progress possible


def record_stats_into(const uint8_t[::1] data, const int64_t[::1] offsets, double log_scale,
                      int64_t[::1] length, double[::1] h0, double[::1] ideal_bits,
                      int64_t[::1] huffman_bytes, int64_t[::1] zlib_bytes,
                      int max_length=12, int zlib_level=6,
                      bint huffman=True, bint use_zlib=True):
    """Fill the per-record columns for the records ``data[offsets[i]:offsets[i + 1]]``.

    ``offsets`` (validated by the caller: non-decreasing, within ``data``) has one more entry than the
    output columns. ``h0`` is in bits when ``log_scale`` is log(2) (entropy in nats / log_scale);
    ``ideal_bits = h0 * length``. Columns not asked for (``huffman``/``use_zlib`` false) are left alone.
    Raises MemoryError, or RuntimeError if zlib fails.
    """
    cdef Py_ssize_t n_records = offsets.shape[0] - 1, r, n_used
    cdef uint32_t hist[STREAMS * ALPHABET]
    cdef int64_t counts[ALPHABET]
    cdef int used_symbols[ALPHABET]
    cdef uint8_t lengths[ALPHABET]
    cdef uint8_t* scratch = NULL
    cdef double* memo = NULL
    cdef int64_t* memo_total = NULL
    cdef const uint8_t* base
    cdef const uint8_t* p
    cdef int64_t n, size, i
    cdef Py_ssize_t s
    cdef z_stream z
    cdef int failed = 0
    cdef double nats
    if n_records < 0 or length.shape[0] < n_records or h0.shape[0] < n_records or ideal_bits.shape[0] < n_records:
        raise ValueError("output columns are shorter than the records")
    if (huffman and huffman_bytes.shape[0] < n_records) or (use_zlib and zlib_bytes.shape[0] < n_records):
        raise ValueError("output columns are shorter than the records")
    if use_zlib and not CODELENGTH_ZLIB:
        raise RuntimeError("this build of codelength.stats._records has no zlib (see HAVE_ZLIB)")
    base = &data[0] if data.shape[0] else NULL
    memo = <double*>malloc(TERM_MEMO * sizeof(double))
    memo_total = <int64_t*>calloc(TERM_MEMO, sizeof(int64_t))   # 0: no entry (a total is at least 1)
    if memo == NULL or memo_total == NULL:
        free(memo)
        free(memo_total)
        raise MemoryError()
    memset(&z, 0, sizeof(z_stream))
    if use_zlib:
        scratch = <uint8_t*>malloc(ZLIB_SCRATCH)
        if scratch == NULL:
            free(memo)
            free(memo_total)
            raise MemoryError()
        if deflateInit2(&z, zlib_level, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY) != Z_OK:
            free(scratch)
            free(memo)
            free(memo_total)
            raise RuntimeError(f"zlib refused level {zlib_level}")
    with nogil:
        for r in range(n_records):
            n = offsets[r + 1] - offsets[r]
            p = base + offsets[r] if base != NULL else NULL
            length[r] = n
            if huffman and n <= SPLIT_CHUNK:
                size = _huffman_size(p, n, max_length, hist, counts, used_symbols, &n_used, lengths)
                if size < 0:
                    failed = 1
                    break
                huffman_bytes[r] = size
            else:
                if huffman:
                    huffman_bytes[r] = -1   # longer than one split chunk: the Python layer measures it
                memset(counts, 0, sizeof(counts))
                for i in range(n):
                    counts[p[i]] += 1
                n_used = 0
                for s in range(ALPHABET):
                    if counts[s]:
                        used_symbols[n_used] = <int>s
                        n_used += 1
            nats = _entropy_nats(counts, used_symbols, n_used, n, memo, memo_total)
            h0[r] = nats / log_scale
            ideal_bits[r] = h0[r] * <double>n
            if use_zlib:
                size = _zlib_size(&z, p, n, scratch)
                if size < 0:
                    failed = 2
                    break
                zlib_bytes[r] = size
    if use_zlib:
        deflateEnd(&z)
        free(scratch)
    free(memo)
    free(memo_total)
    if failed == 1:
        raise MemoryError()
    if failed == 2:
        raise RuntimeError("zlib failed on a record")
