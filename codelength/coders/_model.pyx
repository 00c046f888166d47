# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: freethreading_compatible=True
"""The static models' quantisation and scale search (codelength/coders/model.py) as one compiled kernel.

Its twin is codelength/reference/model.py: the same steps in the same order (the same libm ``log2``, the
same left-to-right sums, the same heap), so the two give identical frequencies and totals. Input is
validated by the caller: positive finite weights scaled to a maximum of 1, at least two of them (one
symbol needs no search), ``low <= max_bits``, at most 2**max_bits weights.

The integer optimum of ``max sum_i w_i log2 f_i`` subject to ``sum_i f_i = 2**bits``, ``f_i >= 1``: start
from the rounded real optimum (water filling), add or remove single units where they gain most or lose
least (an indexed binary heap each way), then swap units between the best gain and the least loss while
that improves the objective (it is separable and concave, so no improving swap means optimal).

Thread safety: every call works on buffers of its own; no module state.
"""
from libc.math cimport log2, floor, INFINITY
from libc.stdint cimport uint8_t, uint32_t, uint64_t, int64_t
from cpython.bytes cimport PyBytes_FromStringAndSize
from libc.stdlib cimport malloc, free, qsort
from libc.string cimport memset

import numpy as np

from ..errors import CorruptDataError


cdef struct Heap:
    Py_ssize_t size
    Py_ssize_t* item      # heap position -> symbol
    Py_ssize_t* where     # symbol -> heap position
    double* key           # by symbol; the least key is on top, ties to the smaller symbol


cdef inline bint before(const Heap* h, Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    return h.key[a] < h.key[b] or (h.key[a] == h.key[b] and a < b)


cdef void sift(Heap* h, Py_ssize_t p, bint up) noexcept nogil:
    """Restore the heap order around position ``p`` after its key changed (``up``: first towards the
    top, then down; heap_build sifts down only)."""
    cdef Py_ssize_t s = h.item[p], parent, child
    while up and p > 0:
        parent = (p - 1) >> 1
        if not before(h, s, h.item[parent]):
            break
        h.item[p] = h.item[parent]
        h.where[h.item[p]] = p
        p = parent
    while True:
        child = 2 * p + 1
        if child >= h.size:
            break
        if child + 1 < h.size and before(h, h.item[child + 1], h.item[child]):
            child += 1
        if not before(h, h.item[child], s):
            break
        h.item[p] = h.item[child]
        h.where[h.item[p]] = p
        p = child
    h.item[p] = s
    h.where[s] = p


cdef void heap_build(Heap* h, Py_ssize_t k) noexcept nogil:
    cdef Py_ssize_t i
    h.size = k
    for i in range(k):
        h.item[i] = i
        h.where[i] = i
    for i in range(k // 2 - 1, -1, -1):
        sift(h, i, False)


cdef inline double gain(double w, int64_t f) noexcept nogil:
    """Value of one more unit (negated: the heap keeps the least key on top)."""
    return -(w * log2(<double>(f + 1) / <double>f))


cdef inline double loss(double w, int64_t f) noexcept nogil:
    """Cost of one unit less; none can be taken at the floor of 1."""
    if f <= 1:
        return INFINITY
    return w * log2(<double>f / <double>(f - 1))


cdef int descending(const void* a, const void* b) noexcept nogil:
    cdef double x = (<const double*>a)[0], y = (<const double*>b)[0]
    return (x < y) - (x > y)


cdef void water(const double* w, const double* order, const double* cumulative, Py_ssize_t k, int64_t total,
                 double* start) noexcept nogil:
    """The real optimum ``start_i = max(1, w_i / lam)`` (water filling), lam set by the top j symbols above
    the floor for the largest such j."""
    cdef Py_ssize_t j
    cdef double lam, level = cumulative[0] / <double>(total - k + 1)
    for j in range(k):
        lam = cumulative[j] / <double>(total - k + j + 1)
        if order[j] >= lam:
            level = lam
    for j in range(k):
        start[j] = w[j] / level
        if start[j] < 1.0:
            start[j] = 1.0


cdef double log_ratio_sum(const double* w, const double* logw, double log_sum, int bits,
                          const double* d, const int64_t* fi, Py_ssize_t k) noexcept nogil:
    """``sum_i w_i (log2 w_i - log2 W + bits - log2 d_i)``, d the reals ``d`` or else the integers ``fi``."""
    cdef Py_ssize_t i
    cdef double total = 0.0, den
    for i in range(k):
        den = d[i] if d != NULL else <double>fi[i]
        total += w[i] * (logw[i] - log_sum + bits - log2(den))
    return total


cdef inline void rekey(Heap* up, Heap* down, const double* w, const int64_t* fi, Py_ssize_t a) noexcept nogil:
    """Symbol ``a``'s frequency changed: its gain and loss, and its places in both heaps."""
    up.key[a] = gain(w[a], fi[a])
    down.key[a] = loss(w[a], fi[a])
    sift(up, up.where[a], True)
    sift(down, down.where[a], True)


cdef int quantize(const double* w, Py_ssize_t k, int64_t total, const double* start, int64_t* fi,
                  Heap* up, Heap* down) noexcept nogil:
    """The integer optimum into ``fi`` from the real ``start``. Returns 0 (the move count is bounded)."""
    cdef Py_ssize_t i, a, b
    cdef int64_t diff = total, moves
    for i in range(k):
        fi[i] = <int64_t>floor(start[i] + 0.5)
        if fi[i] < 1:
            fi[i] = 1
        diff -= fi[i]
    for i in range(k):
        up.key[i] = gain(w[i], fi[i])
        down.key[i] = loss(w[i], fi[i])
    heap_build(up, k)
    heap_build(down, k)
    while diff != 0:
        if diff > 0:
            a = up.item[0]
            fi[a] += 1
            diff -= 1
        else:
            a = down.item[0]
            fi[a] -= 1
            diff += 1
        rekey(up, down, w, fi, a)
    moves = 4 * total + 4 * k                       # each swap improves the objective: far more than enough
    while moves > 0:
        moves -= 1
        a = up.item[0]
        b = down.item[0]
        if a == b or not (-up.key[a] > down.key[b] * (1 + 1e-12) + 1e-300):
            break
        fi[a] += 1
        fi[b] -= 1
        rekey(up, down, w, fi, a)
        rekey(up, down, w, fi, b)
    return 0


cdef inline int64_t leb128_bytes(int64_t f) noexcept nogil:
    cdef int64_t n = 1
    while f >= 128:
        f >>= 7
        n += 1
    return n


cdef int scale_search(const double* weights, Py_ssize_t k, double scale, int max_bits, int low, int only,
                      uint32_t* out) except -1:
    """The body of :func:`choose_scale` on C arrays: the chosen bits (its frequencies into ``out``)."""
    cdef Py_ssize_t i
    cdef int bits, best_bits = max_bits, lo = low, hi = max_bits, last = -1
    cdef double log_sum, bound, cost, best = INFINITY, wsum = 0.0
    cdef double costs[32]
    if only >= 0:
        lo = hi = only
    if k < 2 or not 1 <= lo <= hi <= 30 or (<int64_t>1 << hi) < k:
        raise ValueError("choose_scale needs two or more weights and totals 2**1..2**30 that hold them")
    cdef double* buf = <double*>malloc(k * 7 * sizeof(double))
    cdef int64_t* fi = <int64_t*>malloc(k * sizeof(int64_t))
    cdef Py_ssize_t* idx = <Py_ssize_t*>malloc(k * 4 * sizeof(Py_ssize_t))
    if buf == NULL or fi == NULL or idx == NULL:
        free(buf)
        free(fi)
        free(idx)
        raise MemoryError
    cdef double* w = buf
    cdef double* logw = buf + k
    cdef double* order = buf + 2 * k
    cdef double* cumulative = buf + 3 * k
    cdef double* start = buf + 4 * k
    cdef Heap up, down
    up.item, up.where, up.key = idx, idx + k, buf + 5 * k
    down.item, down.where, down.key = idx + 2 * k, idx + 3 * k, buf + 6 * k
    with nogil:
        for i in range(k):
            w[i] = weights[i]
            wsum += w[i]
            logw[i] = log2(w[i])
            order[i] = w[i]
        log_sum = log2(wsum)
        qsort(order, k, sizeof(double), descending)
        cumulative[0] = order[0]
        for i in range(1, k):
            cumulative[i] = cumulative[i - 1] + order[i]
        for bits in range(32):
            costs[bits] = INFINITY
        for bits in range(hi, lo - 1, -1):
            water(w, order, cumulative, k, <int64_t>1 << bits, start)
            bound = scale * log_ratio_sum(w, logw, log_sum, bits, start, NULL, k) + 8.0 * k
            if bound > best + 1e-6:
                break                               # the bound only grows as the total shrinks
            quantize(w, k, <int64_t>1 << bits, start, fi, &up, &down)
            last = bits
            cost = scale * log_ratio_sum(w, logw, log_sum, bits, NULL, fi, k)
            for i in range(k):
                cost += 8.0 * leb128_bytes(fi[i])
            costs[bits] = cost
            if cost < best:
                best = cost
        best = INFINITY
        for bits in range(lo, hi + 1):              # the smallest total within 1e-9 of the least cost so far
            if costs[bits] < best - 1e-9:
                best = costs[bits]
                best_bits = bits
        if best_bits != last:                       # fi holds the last total tried: quantise the chosen one
            water(w, order, cumulative, k, <int64_t>1 << best_bits, start)
            quantize(w, k, <int64_t>1 << best_bits, start, fi, &up, &down)
        for i in range(k):
            out[i] = <uint32_t>fi[i]
    free(idx)
    free(fi)
    free(buf)
    return best_bits


def choose_scale(const double[::1] weights, double scale, int max_bits, int low, int only=-1):
    """Scale search and quantisation of positive weights (maximum 1, at least two): ``(bits, freqs)``.

    ``scale`` converts the weights back to the caller's units (the largest count) for the cost: ``scale``
    times the quantisation cost in bits plus 8 bits a LEB128 byte of the frequencies. Totals 2**max_bits
    down to 2**low are tried; one whose lower bound (the real-valued cost at the water level plus a byte a
    frequency) exceeds the best exact cost so far ends the search; the choice is the smallest total whose
    cost is below the least of the smaller ones by more than 1e-9. ``only`` >= 0: quantise to 2**only.
    """
    cdef Py_ssize_t k = weights.shape[0]
    result = np.empty(max(k, 1), dtype=np.uint32)
    cdef uint32_t[::1] out = result
    bits = scale_search(&weights[0] if k else NULL, k, scale, max_bits, low, only, &out[0])
    return bits, result


cdef inline int bit_length(int64_t v) noexcept nogil:
    cdef int b = 0
    while v > 0:
        v >>= 1
        b += 1
    return b


def byte_model(const uint8_t[::1] data, int max_bits):
    """The quantised order-0 model of bytes in one call: ``(symbols uint64, freqs uint32, scale_bits)`` as
    ``StaticModel.from_data`` chooses it (the histogram, the total capped by the alphabet and the input's
    length, ``max_bits`` (-1: none) and the scale search). Twin: :func:`codelength.reference.model.byte_model`.
    At least one byte."""
    cdef Py_ssize_t n = data.shape[0], i, k = 0, end, j
    cdef int64_t counts[256]
    cdef uint32_t part[4][256]           # four histograms: runs of one byte do not chain one counter
    cdef double w[256]
    cdef double top = 0.0
    cdef int cap, low, bits
    if n == 0:
        raise ValueError("byte_model needs at least one byte")
    for i in range(256):
        counts[i] = 0
    i = 0
    with nogil:
        while i < n:                     # in slices of < 2**32 bytes: the parts never overflow
            memset(part, 0, sizeof(part))
            end = min(n, i + (<Py_ssize_t>1 << 30))
            while i + 4 <= end:
                part[0][data[i]] += 1
                part[1][data[i + 1]] += 1
                part[2][data[i + 2]] += 1
                part[3][data[i + 3]] += 1
                i += 4
            while i < end:
                part[0][data[i]] += 1
                i += 1
            for j in range(256):
                counts[j] += <int64_t>part[0][j] + part[1][j] + part[2][j] + part[3][j]
    symbols = np.empty(256, dtype=np.uint64)
    cdef uint64_t[::1] sv = symbols
    for i in range(256):
        if counts[i]:
            sv[k] = <uint64_t>i
            w[k] = <double>counts[i]
            if w[k] > top:
                top = w[k]
            k += 1
    symbols = symbols[:k]
    freqs = np.empty(k, dtype=np.uint32)
    cdef uint32_t[::1] fv = freqs
    low = bit_length(k - 1)
    cap = min(20, max(15, low + 2), bit_length(n) + 2)
    if max_bits >= 0:
        cap = min(cap, max_bits)
    cap = max(cap, low, 1)
    if k == 1:
        fv[0] = 2
        return symbols, freqs, 1
    for i in range(k):
        w[i] = w[i] / top
    bits = scale_search(w, k, top, cap, max(1, low), -1, &fv[0])
    return symbols, freqs, bits


# ----------------------------------------------------------------------------- the model section (LEB128)
cdef inline Py_ssize_t put_leb128(unsigned char* out, Py_ssize_t pos, uint64_t v) noexcept nogil:
    while v >= 0x80:
        out[pos] = <unsigned char>((v & 0x7F) | 0x80)
        pos += 1
        v >>= 7
    out[pos] = <unsigned char>v
    return pos + 1


def model_bytes(const uint64_t[::1] symbols, const uint32_t[::1] freqs, int scale_bits, int streams):
    """The static model section (docs/arithmetic.md): scale_bits, streams, LEB128 K, the K symbol gaps
    and the K - 1 frequencies minus one. Twin: :func:`codelength.reference.model.model_bytes` (what
    ``StaticModel.to_bytes`` computed with NumPy before; it is the path for other dtypes)."""
    cdef Py_ssize_t k = symbols.shape[0], i, pos
    cdef uint64_t gap
    if freqs.shape[0] != k:
        raise ValueError("symbols and freqs differ in length")
    if not (0 <= scale_bits <= 255 and 0 <= streams <= 255):
        raise ValueError("bytes must be in range(0, 256)")
    cdef unsigned char* out = <unsigned char*>malloc(12 + 20 * k)
    if out == NULL:
        raise MemoryError
    with nogil:
        out[0] = <unsigned char>scale_bits
        out[1] = <unsigned char>streams
        pos = put_leb128(out, 2, <uint64_t>k)
        for i in range(k):
            gap = symbols[i] if i == 0 else symbols[i] - symbols[i - 1] - 1
            pos = put_leb128(out, pos, gap)
        for i in range(k - 1):
            pos = put_leb128(out, pos, <uint64_t>(<int64_t>freqs[i] - 1))
    try:
        return PyBytes_FromStringAndSize(<char*>out, pos)
    finally:
        free(out)


cdef inline int get_leb128(const unsigned char[::1] buf, Py_ssize_t* pos, int64_t* value) noexcept nogil:
    """One LEB128 number of at most 5 bytes at ``pos``: 0, 1 (truncated) or 2 (over-long)."""
    cdef int64_t v = 0
    cdef int shift = 0
    cdef unsigned char byte
    cdef Py_ssize_t p = pos[0], end = buf.shape[0]
    while True:
        if p >= end:
            return 1
        byte = buf[p]
        p += 1
        v |= (<int64_t>(byte & 0x7F)) << shift
        if byte < 0x80:
            break
        shift += 7
        if shift >= 35:
            return 2
    pos[0] = p
    value[0] = v
    return 0


cdef object leb128_error(int code):
    return CorruptDataError("model section truncated" if code == 1 else "model section holds an over-long number")


def parse_model(const unsigned char[::1] model, int64_t alphabet_size):
    """Parse and check a static model section: ``(symbols uint64, freqs uint32, scale_bits, streams)``;
    CorruptDataError for anything ``StaticModel.from_bytes`` refuses (same checks, same order, same
    messages). Twin: :func:`codelength.reference.model.parse_model`. Every array is sized by K after
    K is checked against the alphabet, the total and the section's length."""
    cdef Py_ssize_t n = model.shape[0], pos = 2, i
    cdef int64_t k, value, s = -1, fsum = 0
    cdef int scale_bits, streams, code
    if n < 3:
        raise CorruptDataError("model section too short")
    scale_bits, streams = model[0], model[1]
    if not 1 <= scale_bits <= 20:
        raise CorruptDataError(f"model total 2**{scale_bits} out of range")
    code = get_leb128(model, &pos, &k)
    if code:
        raise leb128_error(code)
    if not (1 <= k and k <= alphabet_size and k <= (<int64_t>1 << scale_bits)):
        raise CorruptDataError(f"model lists {k} symbols (alphabet {alphabet_size}, total 2**{scale_bits})")
    if n - pos < 2 * k - 1:
        raise CorruptDataError("model section truncated")
    symbols = np.empty(k, dtype=np.uint64)
    freqs = np.empty(k, dtype=np.uint32)
    cdef uint64_t[::1] sv = symbols
    cdef uint32_t[::1] fv = freqs
    code = 0
    with nogil:
        for i in range(k):
            code = get_leb128(model, &pos, &value)
            if code:
                break
            s += value + 1
            sv[i] = <uint64_t>s
        if code == 0:
            for i in range(k - 1):
                code = get_leb128(model, &pos, &value)
                if code:
                    break
                fsum += value + 1
                fv[i] = <uint32_t>(value + 1)
    if code:
        raise leb128_error(code)
    if pos != n:
        raise CorruptDataError("trailing bytes in the model section")
    if s >= alphabet_size:
        raise CorruptDataError("model symbol outside the alphabet")
    value = (<int64_t>1 << scale_bits) - fsum
    if value < 1:
        raise CorruptDataError("model frequencies exceed the total")
    fv[k - 1] = <uint32_t>value
    return symbols, freqs, scale_bits, streams


def dense_tables(const uint64_t[::1] symbols, const uint32_t[::1] freqs, Py_ssize_t size, bint by_rank):
    """The static coders' tables of a checked model: ``freq[key]`` and ``cum[key]`` (the frequencies of
    the keys before it), ``size`` entries, keyed by symbol value or (``by_rank``) by rank. Twin:
    :func:`codelength.reference.model.dense_tables`. ValueError for a key past the tables."""
    cdef Py_ssize_t k = symbols.shape[0], i
    cdef uint64_t key
    cdef uint32_t running = 0
    if freqs.shape[0] != k:
        raise ValueError("symbols and freqs differ in length")
    for i in range(k):
        key = <uint64_t>i if by_rank else symbols[i]
        if key >= <uint64_t>size:
            raise ValueError("model symbol past the tables")
    freq_a = np.zeros(size, dtype=np.uint32)
    cum_a = np.empty(size, dtype=np.uint32)
    cdef uint32_t[::1] freq = freq_a
    cdef uint32_t[::1] cum = cum_a
    with nogil:
        for i in range(k):
            freq[<Py_ssize_t>i if by_rank else <Py_ssize_t>symbols[i]] = freqs[i]
        for i in range(size):
            cum[i] = running
            running += freq[i]
    return freq_a, cum_a


def byte_tables(const uint64_t[::1] symbols, const uint32_t[::1] freqs, int scale_bits):
    """All decoding tables of a parsed byte model in one call (the one-shot path of small blocks):
    ``(freq, cum, info, slot)``: ``freq`` and ``cum`` by byte value (256 entries each, as
    ``dense_tables(symbols, freqs, 256, False)``), ``info[s] = freq[s] << 32 | cum[s]`` and ``slot[t]``,
    the symbol whose interval holds ``t`` (``2**scale_bits`` entries). Twin:
    :func:`codelength.reference.model.byte_tables`. ValueError unless the symbols are strictly
    increasing bytes and the frequencies, all >= 1, sum to ``2**scale_bits``."""
    cdef Py_ssize_t k = symbols.shape[0], i
    cdef uint64_t total = 0, prev = 0
    cdef uint32_t running = 0, f
    if freqs.shape[0] != k or k == 0:
        raise ValueError("symbols and freqs differ in length or are empty")
    if not 1 <= scale_bits <= 20:
        raise ValueError("scale_bits must be 1..20")
    for i in range(k):
        if symbols[i] > 255 or (i and symbols[i] <= prev) or freqs[i] == 0:
            raise ValueError("byte tables need strictly increasing byte symbols of frequency >= 1")
        prev = symbols[i]
        total += freqs[i]
    if total != (<uint64_t>1 << scale_bits):
        raise ValueError("the frequencies must sum to 2**scale_bits")
    freq_a = np.zeros(256, dtype=np.uint32)
    cum_a = np.empty(256, dtype=np.uint32)
    info_a = np.empty(256, dtype=np.uint64)
    slot_a = np.empty(<Py_ssize_t>1 << scale_bits, dtype=np.uint8)
    cdef uint32_t[::1] freq = freq_a
    cdef uint32_t[::1] cum = cum_a
    cdef uint64_t[::1] info = info_a
    cdef uint8_t[::1] slot = slot_a
    with nogil:
        for i in range(k):
            f = freqs[i]
            freq[<Py_ssize_t>symbols[i]] = f
            memset(&slot[running], <int>symbols[i], f)
            running += f
        running = 0
        for i in range(256):
            cum[i] = running
            info[i] = (<uint64_t>freq[i] << 32) | running
            running += freq[i]
    return freq_a, cum_a, info_a, slot_a
