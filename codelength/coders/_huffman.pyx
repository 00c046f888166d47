# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# cython: freethreading_compatible=True
"""Native Huffman coder kernels: the block coder (four interleaved streams per block, the code lengths in
a DEFLATE-style header) and its table-driven decoder. Code lengths come from codes/_prefix.pyx, block
lengths from coders/_blocks.pyx; the bit writer is in _bitwriter.pxd; the DEFLATE writer
(io/_deflate.pyx) shares the code-length header declared in _huffman.pxd.

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

import numpy as np
cimport numpy as cnp
from cpython.object cimport PyObject
from cpython.ref cimport Py_DECREF

from codelength.coders._symbols cimport symbol_t
from codelength.coders._bitwriter cimport (Writer, _reserve, _put, _put_varint, _align, _store64,
                                           _load64, _encode_symbols, _take)
from codelength.codes._prefix cimport MAX_CODE_LENGTH, _code_lengths, _canonical_entries

cdef extern from "Python.h":
    PyObject* PyBytes_FromStringAndSize(const char* v, Py_ssize_t size) except NULL
    char* PyBytes_AS_STRING(PyObject* string)
    int _PyBytes_Resize(PyObject** string, Py_ssize_t newsize) except -1

cnp.import_array()

DEF STREAMS = 4
DEF TABLE_BITS = 12
DEF MULTI_BITS = 12     # the multi-symbol decode table (bytes, words of at most 12 bits)
DEF MULTI_MARGIN = 16   # symbols before a segment's end where its multi-symbol loop stops (4 look-ups x 3 + 4)
DEF MULTI_MIN = 32768   # blocks of fewer symbols decode one symbol per look-up (the table costs 4096 entries)
DEF MULTI_MAX_MEAN = 22528  # nor codes whose mean word (weighted 2**-l) is above 5.5 bits: 5.5 * 4096
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


# ------------------------------------------------------------------------------------------------
# code-length header (twin: length_tokens, code_length_code, write_native_lengths)
# ------------------------------------------------------------------------------------------------

# Runs (the token alphabet of a format) is declared in _huffman.pxd
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
    _encode_symbols(&w, rest, count, entries, MAX_CODE_LENGTH)
    _align(&w)
    size[0] = w.pos


# Top-aligned packing (the layout huff0 and zstd's Huffman encoder use, here for a forward LSB-first
# stream): a code word lives in the top ``l`` bits of a 64-bit entry ``top[s] = reversed code << (64 - l)
# | l``. Adding a word is ``acc = (acc >> l) | entry``: the pending bits sit at the top of ``acc``, oldest
# lowest, so ``acc >> (64 - pending)`` is the stream's next bits, LSB first, exactly the bits the LSB-first
# writer produces. The entry's low byte (its length) is ORed in as well: those bits are the newest
# word's lowest positions and are shifted out by the next word; they never reach a flush while at most
# 59 bits are pending (the length sits in bits 0..4). The lengths are summed by adding whole entries
# (``tot += entry``): carries only run upwards, so ``tot & 63`` is the pending count (below 64). Per
# word: a load, a shift, an OR and an add.

cdef inline void _top_entries(const uint32_t* entries, Py_ssize_t n, uint64_t* top) noexcept nogil:
    cdef Py_ssize_t s
    cdef uint32_t e, l
    for s in range(n):
        e = entries[s]
        l = e & 0xFF
        top[s] = ((<uint64_t>(e >> 8) << (64 - l)) | l) if l else 0


cdef inline void _finish_top(uint8_t* start, uint8_t* p, uint64_t acc, uint64_t tot, const symbol_t* rest,
                             Py_ssize_t count, const uint32_t* entries, size_t* size) noexcept nogil:
    """Hand a top-aligned stream's state (after a flush: fewer than 8 bits pending) to the LSB-first
    writer, which codes the ``count`` symbols left over and pads."""
    cdef uint64_t left = tot & 7
    _finish_stream(start, p, (acc >> (64 - left)) if left else 0, left, rest, count, entries, size)


cdef void _encode_pair_top(const symbol_t* block, const Py_ssize_t* seg, Py_ssize_t q, int first,
                           const uint64_t* top, const uint32_t* entries, int longest, uint8_t** starts,
                           size_t* sizes) noexcept nogil:
    """Code segments ``first`` and ``first + 1`` side by side (two independent chains) into their
    streams, each with 8 bytes of room past its end. Words per flush: 4 up to 13 bits (7 + 52 <= 59
    pending bits), 3 up to 17, else 2 (7 + 48)."""
    cdef const symbol_t* x = block + first * q
    cdef const symbol_t* y = block + (first + 1) * q
    cdef uint8_t* px = starts[first]
    cdef uint8_t* py = starts[first + 1]
    cdef uint64_t ax = 0, ay = 0, tx = 0, ty = 0, e, f
    cdef Py_ssize_t i = 0, common
    if longest <= 13:
        common = seg[first + 1] & ~3
        while i < common:
            e = top[x[i]]
            f = top[y[i]]
            ax = (ax >> (e & 63)) | e
            ay = (ay >> (f & 63)) | f
            tx += e
            ty += f
            e = top[x[i + 1]]
            f = top[y[i + 1]]
            ax = (ax >> (e & 63)) | e
            ay = (ay >> (f & 63)) | f
            tx += e
            ty += f
            e = top[x[i + 2]]
            f = top[y[i + 2]]
            ax = (ax >> (e & 63)) | e
            ay = (ay >> (f & 63)) | f
            tx += e
            ty += f
            e = top[x[i + 3]]
            f = top[y[i + 3]]
            ax = (ax >> (e & 63)) | e
            ay = (ay >> (f & 63)) | f
            tx += e
            ty += f
            # flush: at least 4 bits pending, so the shift 64 - pending is 1..60
            _store64(px, ax >> ((0 - tx) & 63))
            _store64(py, ay >> ((0 - ty) & 63))
            px += (tx & 63) >> 3
            py += (ty & 63) >> 3
            tx &= 7
            ty &= 7
            i += 4
    elif longest <= 17:
        common = seg[first + 1] - seg[first + 1] % 3
        while i < common:
            e = top[x[i]]
            f = top[y[i]]
            ax = (ax >> (e & 63)) | e
            ay = (ay >> (f & 63)) | f
            tx += e
            ty += f
            e = top[x[i + 1]]
            f = top[y[i + 1]]
            ax = (ax >> (e & 63)) | e
            ay = (ay >> (f & 63)) | f
            tx += e
            ty += f
            e = top[x[i + 2]]
            f = top[y[i + 2]]
            ax = (ax >> (e & 63)) | e
            ay = (ay >> (f & 63)) | f
            tx += e
            ty += f
            _store64(px, ax >> ((0 - tx) & 63))
            _store64(py, ay >> ((0 - ty) & 63))
            px += (tx & 63) >> 3
            py += (ty & 63) >> 3
            tx &= 7
            ty &= 7
            i += 3
    else:
        common = seg[first + 1] & ~1
        while i < common:
            e = top[x[i]]
            f = top[y[i]]
            ax = (ax >> (e & 63)) | e
            ay = (ay >> (f & 63)) | f
            tx += e
            ty += f
            e = top[x[i + 1]]
            f = top[y[i + 1]]
            ax = (ax >> (e & 63)) | e
            ay = (ay >> (f & 63)) | f
            tx += e
            ty += f
            _store64(px, ax >> ((0 - tx) & 63))
            _store64(py, ay >> ((0 - ty) & 63))
            px += (tx & 63) >> 3
            py += (ty & 63) >> 3
            tx &= 7
            ty &= 7
            i += 2
    _finish_top(starts[first], px, ax, tx, x + common, seg[first] - common, entries, &sizes[first])
    _finish_top(starts[first + 1], py, ay, ty, y + common, seg[first + 1] - common, entries, &sizes[first + 1])


cdef void _encode_segments(const symbol_t* block, const Py_ssize_t* seg, Py_ssize_t q, const uint64_t* top,
                           const uint32_t* entries, int longest, uint8_t** starts, size_t* sizes) noexcept nogil:
    """Code the four segments into four streams (sizes in bytes to ``sizes``)."""
    _encode_pair_top(block, seg, q, 0, top, entries, longest, starts, sizes)
    _encode_pair_top(block, seg, q, 2, top, entries, longest, starts, sizes)


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
    cdef uint64_t* top = <uint64_t*>malloc(alphabet_size * sizeof(uint64_t))
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
    if hist == NULL or counts == NULL or lengths == NULL or entries == NULL or top == NULL:
        free(hist); free(counts); free(lengths); free(entries); free(top)
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
        _top_entries(entries, alphabet_size, top)
        _encode_segments(symbols + start, seg, q, top, entries, longest, starts, sizes)
        for k in range(STREAMS):
            memmove(payload.buf + payload.pos, starts[k], sizes[k])
            payload.pos += sizes[k]
            _put_varint(model, sizes[k])
        start += block_n
    _align(model)
    free(hist); free(counts); free(lengths); free(entries); free(top)
    return rc


cdef object _encode_growing(const symbol_t* symbols, Py_ssize_t alphabet_size, const int64_t* blocks,
                           Py_ssize_t n_blocks, int max_length, const int64_t* block_counts):
    """encode_native into growing buffers: the fallback when the payload outgrows its bound."""
    cdef Writer model, payload
    cdef int rc
    memset(&model, 0, sizeof(Writer))
    memset(&payload, 0, sizeof(Writer))
    with nogil:
        rc = _encode_native(symbols, alphabet_size, blocks, n_blocks, max_length, block_counts, &model, &payload)
    if rc != 0:
        free(model.buf)
        free(payload.buf)
        raise MemoryError()
    return _take(&model), _take(&payload)


cdef inline Py_ssize_t _payload_bound(Py_ssize_t n, Py_ssize_t largest, Py_ssize_t n_blocks,
                                      Py_ssize_t itemsize) noexcept nogil:
    # an optimal code never beats a fixed code of itemsize bytes per symbol, plus room for the widest
    # words of one block (the stream layout before packing) and padding
    return n * itemsize + 3 * largest + 64 * n_blocks + 128


def encode_native(const symbol_t[::1] symbols, Py_ssize_t alphabet_size, const int64_t[::1] blocks,
                  int max_length, const int64_t[:, ::1] counts=None, uint8_t[::1] scratch=None):
    """Native Huffman coder: ``(model, payload)`` bytes for the given block lengths (see the twin).

    ``counts``: the blocks' symbol counts (shape (blocks, alphabet_size)) when already known.
    ``scratch``: a reusable work buffer of at least ``payload_bound`` bytes (the streams are laid out
    there, then copied into an exact-size bytes object): a fresh buffer of that bound, several times the
    payload, costs a page fault per 4 KiB page touched on every call. Without it (or when it is smaller)
    the payload is written into a bytes object of the bound and shrunk."""
    cdef Writer model, payload
    cdef int rc
    cdef const int64_t* block_counts = NULL
    if counts is not None:
        if counts.shape[0] != blocks.shape[0] or counts.shape[1] != alphabet_size:
            raise ValueError("counts must have shape (blocks, alphabet_size)")
        if counts.shape[0]:
            block_counts = &counts[0, 0]
    cdef Py_ssize_t n = 0, largest = 0, b, bound
    cdef PyObject* raw
    for b in range(blocks.shape[0]):
        n += blocks[b]
        largest = blocks[b] if blocks[b] > largest else largest
    memset(&model, 0, sizeof(Writer))
    memset(&payload, 0, sizeof(Writer))
    bound = _payload_bound(n, largest, blocks.shape[0], sizeof(symbol_t))   # should it not hold: growing buffers
    cdef bint use_scratch = scratch is not None and scratch.shape[0] >= bound
    if use_scratch:
        payload.buf = &scratch[0]
    else:
        raw = PyBytes_FromStringAndSize(NULL, bound)        # written in place: no copy, shrunk at the end
        payload.buf = <uint8_t*>PyBytes_AS_STRING(raw)
    payload.cap = bound
    payload.fixed = 1
    with nogil:
        rc = _encode_native(&symbols[0] if symbols.shape[0] else NULL, alphabet_size,
                            &blocks[0] if blocks.shape[0] else NULL, blocks.shape[0], max_length,
                            block_counts, &model, &payload)
    if rc != 0:
        if not use_scratch:
            Py_DECREF(<object>raw)
        free(model.buf)
        if payload.failed != 2:
            raise MemoryError()
        return _encode_growing(&symbols[0] if symbols.shape[0] else NULL, alphabet_size,
                               &blocks[0] if blocks.shape[0] else NULL, blocks.shape[0], max_length, block_counts)
    if use_scratch:
        raw = PyBytes_FromStringAndSize(<char*>payload.buf, payload.pos)
    else:
        _PyBytes_Resize(&raw, payload.pos)
    result = <object>raw   # takes a new reference
    Py_DECREF(result)      # drop the one PyBytes_FromStringAndSize gave
    return _take(&model), result


def payload_bound(Py_ssize_t n, Py_ssize_t largest, Py_ssize_t n_blocks, Py_ssize_t itemsize):
    """Bytes of work buffer encode_native lays its streams out in: n symbols of ``itemsize`` bytes in
    ``n_blocks`` blocks, the largest of ``largest`` symbols."""
    return _payload_bound(n, largest, n_blocks, itemsize)


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
    cdef Py_ssize_t dones[STREAMS]
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
    for k in range(STREAMS):
        dones[k] = done
    return _decode_tails(st, seg, out, q, dones, table, mask, canon)


cdef int _decode_tails(Stream* st, const Py_ssize_t* seg, symbol_t* out, Py_ssize_t q, const Py_ssize_t* done,
                       const uint32_t* table, uint64_t mask, const Canon* canon) noexcept nogil:
    """Careful tails, one stream at a time, one symbol per look-up: segment k from symbol done[k] on;
    then each stream must end where its size says."""
    cdef Py_ssize_t i
    cdef int k, rc
    for k in range(STREAMS):
        i = done[k] if done[k] < seg[k] else seg[k]
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


cdef inline void _store32(uint8_t* p, uint32_t v) noexcept nogil:
    memcpy(p, &v, 4)  # little-endian machines (x86-64, aarch64)


cdef inline bint _multi_pays(const Canon* canon, uint64_t block_n) noexcept nogil:
    """Whether a byte block decodes through the multi-symbol table (twin: multi_symbol_decode): words of at
    most MULTI_BITS bits, at least MULTI_MIN symbols, and a mean word, weighted as the code itself implies
    (2**-l for a word of l bits), of at most 5.5 bits, so that a look-up gives two words or more on
    average. Measured in one process, A/B interleaved (CPU time, medians of 21; multi over single
    look-ups): blocks of 8 KiB 0.54-0.66x, 16 KiB 0.67-0.90x, 32 KiB 1.00-1.10x on text and html,
    64 KiB 1.00-1.32x, whole files 1.20-1.57x; paper-100k.pdf (mean 6.4-7.4 bits) 0.61-0.67x at every size:
    building the table and its 4-byte stores cost more than one symbol a look-up saves."""
    cdef uint64_t mean = 0
    cdef int l
    if canon.max_len > MULTI_BITS or block_n < MULTI_MIN:
        return False
    for l in range(1, canon.max_len + 1):
        mean += (<uint64_t>canon.count[l] * <uint64_t>l) << (MULTI_BITS - l)
    return mean <= MULTI_MAX_MEAN


def multi_pays(const uint8_t[::1] lengths, uint64_t block_n):
    """The decoder's choice for a byte block of ``block_n`` symbols with these code lengths (a complete
    code): True for the multi-symbol table (twin: reference.huffman.multi_symbol_decode; for tests)."""
    cdef uint32_t symbols[256]
    cdef Canon canon
    if lengths.shape[0] != 256:
        raise ValueError("lengths must hold 256 code lengths")
    _canon_init(&canon, &lengths[0], 256, symbols)
    return bool(_multi_pays(&canon, block_n))


cdef void _build_multi(const uint32_t* table, uint32_t* multi) noexcept nogil:
    """The multi-symbol table (twin: multi_table) from the single-symbol one, both MULTI_BITS wide, for a
    code of words no longer than MULTI_BITS: multi[next MULTI_BITS stream bits] = the 1 to 3 whole words
    they begin with, as bytes s1 | s2 << 8 | s3 << 16, their total length << 24 and their count << 28."""
    cdef uint32_t idx, e, value, used, count, l
    for idx in range(1 << MULTI_BITS):
        e = table[idx]
        value = e >> 5
        used = e & 31
        count = 1
        while count < 3:
            # the bits after the words so far are the top bits of idx (zeros above): a word of the single
            # table there is right if it ends within the MULTI_BITS bits known
            e = table[idx >> used]
            l = e & 31
            if l == 0 or used + l > MULTI_BITS:
                break
            value |= (e >> 5) << (8 * count)
            used += l
            count += 1
        multi[idx] = value | (used << 24) | (count << 28)


cdef int _decode_streams_multi(Stream* st, const Py_ssize_t* seg, uint8_t* out, Py_ssize_t q,
                               const uint32_t* table, const uint32_t* multi, const Canon* canon) noexcept nogil:
    """_decode_streams for bytes and codes of words of at most MULTI_BITS bits: each look-up in the
    multi-symbol table decodes 1 to 3 symbols (stored as 4 bytes, the output advancing by their count),
    four look-ups per stream between 64-bit refills (4 * 12 <= 56 bits). The fast loop stops MULTI_MARGIN
    symbols before any segment's end (the 4-byte stores never reach the next segment); the tails decode
    one symbol per look-up in the single table (MULTI_BITS wide)."""
    cdef uint64_t mask = (<uint64_t>1 << MULTI_BITS) - 1
    cdef Py_ssize_t d0 = 0, d1 = 0, d2 = 0, d3 = 0
    cdef Py_ssize_t m0 = seg[0] - MULTI_MARGIN, m1 = seg[1] - MULTI_MARGIN
    cdef Py_ssize_t m2 = seg[2] - MULTI_MARGIN, m3 = seg[3] - MULTI_MARGIN
    cdef uint8_t* o0 = out
    cdef uint8_t* o1 = out + q
    cdef uint8_t* o2 = out + 2 * q
    cdef uint8_t* o3 = out + 3 * q
    cdef Stream s0 = st[0], s1 = st[1], s2 = st[2], s3 = st[3]
    cdef uint32_t e0, e1, e2, e3
    cdef int j
    cdef Py_ssize_t dones[STREAMS]
    while (d0 <= m0 and d1 <= m1 and d2 <= m2 and d3 <= m3 and s0.p + 8 <= s0.end and s1.p + 8 <= s1.end
           and s2.p + 8 <= s2.end and s3.p + 8 <= s3.end):
        _refill_fast(&s0)
        _refill_fast(&s1)
        _refill_fast(&s2)
        _refill_fast(&s3)
        for j in range(4):
            e0 = multi[s0.buf & mask]
            e1 = multi[s1.buf & mask]
            e2 = multi[s2.buf & mask]
            e3 = multi[s3.buf & mask]
            _store32(o0 + d0, e0)
            _store32(o1 + d1, e1)
            _store32(o2 + d2, e2)
            _store32(o3 + d3, e3)
            d0 += e0 >> 28
            d1 += e1 >> 28
            d2 += e2 >> 28
            d3 += e3 >> 28
            s0.buf >>= (e0 >> 24) & 15
            s0.bits -= (e0 >> 24) & 15
            s1.buf >>= (e1 >> 24) & 15
            s1.bits -= (e1 >> 24) & 15
            s2.buf >>= (e2 >> 24) & 15
            s2.bits -= (e2 >> 24) & 15
            s3.buf >>= (e3 >> 24) & 15
            s3.bits -= (e3 >> 24) & 15
    st[0] = s0
    st[1] = s1
    st[2] = s2
    st[3] = s3
    dones[0] = d0
    dones[1] = d1
    dones[2] = d2
    dones[3] = d3
    return _decode_tails(st, seg, out, q, dones, table, mask, canon)


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
    cdef uint32_t* multi_table = NULL
    cdef bint multi
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
        multi = False
        if symbol_t is uint8_t:
            multi = _multi_pays(&canon, block_n)
        if multi:
            table_bits = MULTI_BITS
            if multi_table == NULL:
                multi_table = <uint32_t*>malloc((<size_t>1 << MULTI_BITS) * sizeof(uint32_t))
                if multi_table == NULL:
                    rc = E_MEMORY
                    break
        else:
            table_bits = canon.max_len if canon.max_len < TABLE_BITS else TABLE_BITS
        _build_table(lengths, alphabet_size, entries, table_bits, table)
        if multi:
            _build_multi(table, multi_table)
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
        if symbol_t is uint8_t:
            if multi:
                rc = _decode_streams_multi(st, seg, out + filled, q, table, multi_table, &canon)
            else:
                rc = _decode_streams(st, seg, out + filled, q, table, table_bits, &canon)
        else:
            rc = _decode_streams(st, seg, out + filled, q, table, table_bits, &canon)
        if rc:
            break
        filled += block_n
    free(lengths); free(entries); free(sorted_symbols); free(table); free(multi_table)
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


def multi_table(const uint8_t[::1] lengths):
    """The decoder's multi-symbol table of a byte code (lengths of 256 symbols, a complete code of words of
    at most 12 bits), as a uint32 array of 4096 entries (twin: reference.huffman.multi_table; for tests)."""
    cdef uint32_t entries[256]
    cdef uint32_t table[1 << MULTI_BITS]
    cdef uint64_t kraft = 0
    cdef int s
    if lengths.shape[0] != 256:
        raise ValueError("lengths must hold 256 code lengths")
    for s in range(256):
        if lengths[s] > MULTI_BITS:
            raise ValueError(f"code words longer than {MULTI_BITS} bits have no multi-symbol table")
        if lengths[s]:
            kraft += <uint64_t>1 << (MULTI_BITS - lengths[s])
    if kraft != (<uint64_t>1 << MULTI_BITS):
        raise ValueError("the code lengths must make a complete code")
    _canonical_entries(&lengths[0], 256, entries)
    _build_table(&lengths[0], 256, entries, MULTI_BITS, table)
    out = np.empty(1 << MULTI_BITS, dtype=np.uint32)
    cdef uint32_t[::1] view = out
    _build_multi(table, &view[0])
    return out
