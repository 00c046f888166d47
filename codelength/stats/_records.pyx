# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# cython: freethreading_compatible=True
"""Per-record statistics of many small byte strings in one call: length, order-0 entropy, the size of
the native Huffman stream and the size of zlib's output, for every record of a flat buffer cut by offsets.

The loop over records runs without the GIL; the Python layer (:mod:`codelength.stats.records`) has
validated the offsets (non-decreasing, inside the buffer) before it calls :func:`record_stats_into`.
Twin: :mod:`codelength.reference.records`.
"""
from libc.stdint cimport uint8_t, int64_t, uint64_t
from libc.string cimport memset
from libc.stdlib cimport malloc, free
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


cdef int _lengths(const int64_t* counts, Py_ssize_t n_symbols, int max_length, uint8_t* lengths) noexcept nogil:
    """The native coder's code lengths (``_code_lengths``) without its allocations in the common case.

    The same steps on stack arrays: leaves ranked by (count, symbol) by insertion, then the coder's own
    two-queue Huffman (``_huffman_tree_depths`` of codes/_prefix.pxd, on these caller-owned buffers);
    when a word would pass ``max_length``, the coder's own routine (package-merge) decides.
    At most 256 symbols. 0 ok, else the error of ``_code_lengths``."""
    cdef int64_t weight[511]     # leaves' counts, ranked, in the first m entries; then the internal nodes
    cdef int leaf_symbol[256]
    cdef Py_ssize_t parent[511]
    cdef int depth[511]
    cdef Py_ssize_t m = 0, s, j, k
    cdef int longest = 0
    cdef int64_t c
    if n_symbols > 256:
        return _code_lengths(counts, n_symbols, max_length, lengths)
    for s in range(n_symbols):
        lengths[s] = 0
        c = counts[s]
        if c > 0:
            # insertion keeps equal counts in symbol order (the coder's stable sort)
            j = m
            while j > 0 and weight[j - 1] > c:
                weight[j] = weight[j - 1]
                leaf_symbol[j] = leaf_symbol[j - 1]
                j -= 1
            weight[j] = c
            leaf_symbol[j] = <int>s
            m += 1
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


cdef int64_t _huffman_size(const uint8_t* data, int64_t n, int max_length,
                           int64_t* hist, int64_t* counts, int64_t* total_counts, uint8_t* lengths) noexcept nogil:
    """Bytes of the v2 stream ``compress(record, "huffman", max_length=max_length)`` of a record of at
    most SPLIT_CHUNK bytes (one stream block, one Huffman block: the adaptive split starts at chunks of
    that size), computed from the counts of the block's four segments without writing a bit.

    The frame (docs/format.md): a single-block frame, its tag byte and n; one block, run (a constant
    record: shape, symbol), stored (when model + payload would not be smaller than n: shape, the bytes)
    or coded (shape = 2 + m, p, the Huffman model of docs/huffman.md, the payload of four byte-padded
    streams), each with a header CRC-32 and a data CRC-32. The empty record is the 6-byte empty frame. Adds the record's byte counts to
    ``total_counts``. -1 when out of memory."""
    cdef int64_t frame = 1 + _varint_bytes(<uint64_t>n)   # the tag byte, n
    cdef int64_t model_bits, payload = 0, q, seg, header, used = 0, last = 0, stream_bytes, m
    cdef uint64_t stream_bits
    cdef const uint8_t* p
    cdef Py_ssize_t i, s
    cdef int k
    if n == 0:
        return 6    # tag, n = 0, header CRC-32
    q = (n + STREAMS - 1) // STREAMS
    memset(hist, 0, STREAMS * ALPHABET * sizeof(int64_t))
    for k in range(STREAMS):
        seg = n - k * q
        seg = q if seg > q else (0 if seg < 0 else seg)
        p = data + k * q
        for i in range(seg):
            hist[k * ALPHABET + p[i]] += 1
    for s in range(ALPHABET):
        counts[s] = hist[s] + hist[ALPHABET + s] + hist[2 * ALPHABET + s] + hist[3 * ALPHABET + s]
        total_counts[s] += counts[s]
        if counts[s]:
            used += 1
            last = s
    if used == 1:   # a run block: shape, the symbol, header CRC, data CRC
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
        for s in range(ALPHABET):
            stream_bits += <uint64_t>hist[k * ALPHABET + s] * lengths[s]
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


cdef double _entropy_nats(const int64_t* counts, int64_t total) noexcept nogil:
    """sum over c > 0 of (c/N) log1p((N - c)/c), Neumaier-compensated: codelength.entropy's sum."""
    cdef double s = 0.0, comp = 0.0
    cdef Py_ssize_t i
    if total <= 0:
        return 0.0
    for i in range(ALPHABET):
        if counts[i] > 0:
            _neumaier_add(&s, &comp, (<double>counts[i] / <double>total)
                          * log1p(<double>(total - counts[i]) / <double>counts[i]))
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
    cdef Py_ssize_t n_records = offsets.shape[0] - 1, r
    cdef int64_t hist[STREAMS * ALPHABET]
    cdef int64_t counts[ALPHABET]
    cdef int64_t total_counts[ALPHABET]
    cdef uint8_t lengths[ALPHABET]
    cdef uint8_t* scratch = NULL
    cdef const uint8_t* base
    cdef const uint8_t* p
    cdef int64_t n, size, i
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
    memset(&z, 0, sizeof(z_stream))
    if use_zlib:
        scratch = <uint8_t*>malloc(ZLIB_SCRATCH)
        if scratch == NULL:
            raise MemoryError()
        if deflateInit2(&z, zlib_level, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY) != Z_OK:
            free(scratch)
            raise RuntimeError(f"zlib refused level {zlib_level}")
    with nogil:
        for r in range(n_records):
            n = offsets[r + 1] - offsets[r]
            p = base + offsets[r] if base != NULL else NULL
            length[r] = n
            memset(total_counts, 0, sizeof(total_counts))
            if huffman and n <= SPLIT_CHUNK:
                size = _huffman_size(p, n, max_length, hist, counts, total_counts, lengths)
                if size < 0:
                    failed = 1
                    break
                huffman_bytes[r] = size
            else:
                if huffman:
                    huffman_bytes[r] = -1   # longer than one split chunk: the Python layer measures it
                for i in range(n):
                    total_counts[p[i]] += 1
            nats = _entropy_nats(total_counts, n)
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
    if failed == 1:
        raise MemoryError()
    if failed == 2:
        raise RuntimeError("zlib failed on a record")
