# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# cython: freethreading_compatible=True
"""The Huffman-only DEFLATE writer (RFC 1951): dynamic-Huffman literal-only blocks, each written as a
fixed-code (BTYPE 01) or stored (BTYPE 00) block instead when that takes fewer bits.

Twin: ``deflate_raw`` in :mod:`codelength.reference.huffman` (bit-identical streams). Code lengths and
code words come from codes/_prefix.pyx, block lengths from coders/_blocks.pyx, the bit writer from
coders/_bitwriter.pxd and the code-length header from coders/_huffman.pyx.

Thread safety (the module is declared ``freethreading_compatible``): every coder keeps its state in
local variables and buffers of its own call, writes only to the arrays it is given, and the
module-level tables are filled once, at import; calls from many threads at once are independent.
"""
from libc.stdint cimport uint8_t, uint32_t, uint64_t, int64_t
from libc.stdlib cimport free, malloc, calloc
from libc.string cimport memcpy, memset

import numpy as np

from codelength.coders._bitwriter cimport Writer, _reserve, _put, _align, _encode_symbols, _take
from codelength.coders._huffman cimport Runs, _write_lengths
from codelength.codes._prefix cimport _code_lengths, _canonical_entries

cdef uint8_t[19] DEFLATE_CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]


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


# ------------------------------------------------------------------------------------------------
# exact block costs and the final split (twin: deflate_block_bits, plan_deflate_blocks)
# ------------------------------------------------------------------------------------------------

DEF ZLIB_BLOCK = 32767   # literals per block of zlib's Huffman-only streams (level 9, memLevel 9)

cdef uint8_t[288] FIXED_LENGTHS
cdef int _f
for _f in range(288):  # RFC 1951, 3.2.6
    FIXED_LENGTHS[_f] = 8 if _f < 144 else (9 if _f < 256 else (7 if _f < 280 else 8))

cdef Runs DEFLATE_RUNS
DEFLATE_RUNS.repeat_symbol = 16
DEFLATE_RUNS.first_zero_symbol = 17
DEFLATE_RUNS.n_zero_runs = 2
DEFLATE_RUNS.cl_symbols = 19


cdef int _dynamic_lengths(const int64_t* counts, uint8_t* lengths, int* best_tail, uint64_t* header_bits,
                          Writer* trial) noexcept nogil:
    """Code lengths of a block (``counts``: 257 entries, end-of-block included) and its distance tail: no
    distance codes are used, so one of zero bits (tail 0), one of one bit (1) or two of one bit (2) are
    all valid; the one whose lengths code the shortest (the first on a tie). ``header_bits``: the bits of
    HCLEN, the code-length code and the tokens with that tail. 0 ok, -1 out of memory."""
    cdef int tail
    cdef uint64_t trial_bits
    if _code_lengths(counts, 257, 15, lengths) != 0:
        return -1
    best_tail[0] = 0
    header_bits[0] = 0
    for tail in range(3):
        lengths[257] = 0 if tail == 0 else 1
        lengths[258] = 1
        trial.pos = 0
        trial.acc = 0
        trial.nbits = 0
        if _write_lengths(trial, lengths, 258 + (tail == 2), DEFLATE_RUNS, DEFLATE_CL_ORDER, 4) != 0:
            return -1
        trial_bits = 8 * <uint64_t>trial.pos + trial.nbits
        if tail == 0 or trial_bits < header_bits[0]:
            best_tail[0] = tail
            header_bits[0] = trial_bits
    lengths[257] = 0 if best_tail[0] == 0 else 1
    return 0


cdef int _block_bits(const int64_t* counts256, Writer* trial, uint64_t* dynamic, uint64_t* fixed) noexcept nogil:
    """Twin: deflate_block_bits. The bits of a block as a dynamic (BTYPE 10) and as a fixed (BTYPE 01)
    block, headers and end-of-block included."""
    cdef int64_t counts[257]
    cdef uint8_t lengths[259]
    cdef int tail, s
    cdef uint64_t header, d = 0, f = 0
    memcpy(counts, counts256, 256 * sizeof(int64_t))
    counts[256] = 1
    if _dynamic_lengths(counts, lengths, &tail, &header, trial) != 0:
        return -1
    for s in range(257):
        d += <uint64_t>counts[s] * lengths[s]
        f += <uint64_t>counts[s] * FIXED_LENGTHS[s]
    dynamic[0] = 3 + 10 + header + d
    fixed[0] = 3 + f
    return 0


cdef inline uint64_t _min3(uint64_t a, uint64_t b, uint64_t c) noexcept nogil:
    if b < a:
        a = b
    return c if c < a else a


def plan_deflate_blocks(const uint8_t[::1] data, const int64_t[::1] blocks, const int64_t[:, ::1] block_counts):
    """The final block split of the DEFLATE writer (twin: plan_deflate_blocks): ``blocks`` (the adaptive
    split, ``block_counts`` their byte counts) with neighbours merged, left to right, while the exact bits
    of the merged block (the cheapest of dynamic, fixed and stored) are no more than those of the two
    apart; then, if zlib's own split (blocks of 32767 literals) takes fewer bits in all, that one. Returns
    ``(blocks, counts)`` for :func:`deflate_raw`. Work: O(len(data)) counting plus O(alphabet) per block."""
    cdef Py_ssize_t n = data.shape[0], n_blocks = blocks.shape[0], b, m = 0, i, z, n_zlib, start
    cdef Writer trial
    cdef uint64_t cur_d, cur_f, nxt_d, nxt_f, mrg_d, mrg_f, cur_cost, nxt_cost, mrg_cost
    cdef uint64_t ours_total = 0, zlib_total = 0, dyn, fix
    cdef int64_t cur_n
    cdef int s, rc = 0
    cdef int64_t merged[256]
    if block_counts.shape[0] != n_blocks or block_counts.shape[1] != 256:
        raise ValueError("block_counts must have shape (blocks, 256)")
    if n_blocks == 0:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 256), dtype=np.int64)
    out_blocks = np.zeros(n_blocks, dtype=np.int64)
    out_counts = np.zeros((n_blocks, 256), dtype=np.int64)
    cdef int64_t[::1] ob = out_blocks
    cdef int64_t[:, ::1] oc = out_counts
    n_zlib = (n + ZLIB_BLOCK - 1) // ZLIB_BLOCK
    zlib_blocks = np.full(n_zlib, ZLIB_BLOCK, dtype=np.int64)
    if n % ZLIB_BLOCK:
        zlib_blocks[n_zlib - 1] = n % ZLIB_BLOCK
    zlib_counts = np.zeros((n_zlib, 256), dtype=np.int64)
    cdef int64_t[:, ::1] zc = zlib_counts
    cdef const int64_t[::1] zb = zlib_blocks
    memset(&trial, 0, sizeof(Writer))
    with nogil:
        # greedy merging by exact cost (stored counted from a byte boundary)
        memcpy(&oc[0, 0], &block_counts[0, 0], 256 * sizeof(int64_t))
        cur_n = blocks[0]
        rc = _block_bits(&oc[0, 0], &trial, &cur_d, &cur_f)
        cur_cost = _min3(cur_d, cur_f, _stored_bits(0, cur_n))
        for b in range(1, n_blocks):
            if rc != 0:
                break
            rc = _block_bits(&block_counts[b, 0], &trial, &nxt_d, &nxt_f)
            for s in range(256):
                merged[s] = oc[m, s] + block_counts[b, s]
            rc |= _block_bits(merged, &trial, &mrg_d, &mrg_f)
            nxt_cost = _min3(nxt_d, nxt_f, _stored_bits(0, blocks[b]))
            mrg_cost = _min3(mrg_d, mrg_f, _stored_bits(0, cur_n + blocks[b]))
            if mrg_cost <= cur_cost + nxt_cost:
                memcpy(&oc[m, 0], merged, 256 * sizeof(int64_t))
                cur_n += blocks[b]
                cur_cost = mrg_cost
                cur_d, cur_f = mrg_d, mrg_f
            else:
                ob[m] = cur_n
                ours_total += _min3(cur_d, cur_f, _stored_bits(ours_total, cur_n))
                m += 1
                memcpy(&oc[m, 0], &block_counts[b, 0], 256 * sizeof(int64_t))
                cur_n = blocks[b]
                cur_cost = nxt_cost
                cur_d, cur_f = nxt_d, nxt_f
        ob[m] = cur_n
        ours_total += _min3(cur_d, cur_f, _stored_bits(ours_total, cur_n))
        m += 1
        # zlib's split, its exact total
        start = 0
        for z in range(n_zlib):
            if rc != 0:
                break
            for i in range(start, start + zb[z]):
                zc[z, data[i]] += 1
            start += zb[z]
            rc = _block_bits(&zc[z, 0], &trial, &dyn, &fix)
            zlib_total += _min3(dyn, fix, _stored_bits(zlib_total, zb[z]))
    free(trial.buf)
    if rc != 0:
        raise MemoryError()
    if zlib_total < ours_total:
        return zlib_blocks, zlib_counts
    return out_blocks[:m].copy(), out_counts[:m].copy()


def block_bits(const int64_t[::1] counts):
    """``(dynamic, fixed)``: the bits of a block of byte counts ``counts`` (256 entries) as a dynamic and as
    a fixed block (twin: deflate_block_bits; for tests)."""
    cdef Writer trial
    cdef uint64_t dynamic, fixed
    cdef int rc
    if counts.shape[0] != 256:
        raise ValueError("counts must hold 256 entries")
    for rc in range(256):
        if counts[rc] < 0:
            raise ValueError("counts must be non-negative")
    memset(&trial, 0, sizeof(Writer))
    rc = _block_bits(&counts[0], &trial, &dynamic, &fixed)
    free(trial.buf)
    if rc != 0:
        raise MemoryError()
    return int(dynamic), int(fixed)


def deflate_raw(const uint8_t[::1] data, const int64_t[::1] blocks, const int64_t[:, ::1] block_counts=None):
    """Raw DEFLATE stream of dynamic-Huffman literal-only blocks with the given block lengths
    (``block_counts``: their byte counts, shape (blocks, 256), when already known); a block that
    takes fewer bits with the fixed code (BTYPE 01) or stored (BTYPE 00) is written so (twin: deflate_raw)."""
    cdef Writer w
    cdef int64_t counts[257]
    cdef uint8_t lengths[259]
    cdef uint32_t entries[257]
    cdef Py_ssize_t b, i, start = 0, block_n, n_blocks = blocks.shape[0]
    cdef uint64_t bits, begin, fixed_bits, stored_bits, best_bits
    cdef Writer trial
    cdef int best_tail
    cdef uint8_t fixed_lengths[288]
    cdef uint32_t fixed_entries[288]
    cdef size_t saved_pos
    cdef uint64_t saved_acc
    cdef int saved_nbits
    cdef int rc = 0, s
    cdef const int64_t* known = NULL
    if data.shape[0] == 0:
        return b"\x03\x00"
    if block_counts is not None:
        if block_counts.shape[0] != n_blocks or block_counts.shape[1] != 256:
            raise ValueError("block_counts must have shape (blocks, 256)")
        if n_blocks:
            known = &block_counts[0, 0]
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
            if _dynamic_lengths(counts, lengths, &best_tail, &best_bits, &trial) != 0 \
                    or _reserve(&w, 16) != 0:
                rc = -1
                break
            saved_pos = w.pos
            saved_acc = w.acc
            saved_nbits = w.nbits
            begin = 8 * <uint64_t>w.pos + w.nbits
            _put(&w, 1 if b == n_blocks - 1 else 0, 1)
            _put(&w, 2, 2)
            _put(&w, 0, 5)
            _put(&w, 1 if best_tail == 2 else 0, 5)
            if _write_lengths(&w, lengths, 258 + (best_tail == 2), DEFLATE_RUNS, DEFLATE_CL_ORDER, 4) != 0:
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
