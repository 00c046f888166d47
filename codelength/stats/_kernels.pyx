# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# cython: freethreading_compatible=True
"""Counting, entropy, n-gram and ideal-code-length loops.

These functions trust their arguments: the Python layer (codelength.counting, codelength.measures)
validates dtypes, ranges and sizes first. Every loop runs without the GIL. The pure-Python twins of
everything here live in codelength/reference/counting.py.

Thread safety (the module is declared ``freethreading_compatible``): the functions keep no state
between calls and write only to the arrays they are given; the module-level tables are written once, at
import. An :class:`NgramCounter` serialises its methods on a lock of its own, so one counter may be fed
from several threads (pieces are then counted in the order the threads get the lock).
"""
cimport cython
from libc.stdint cimport (int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t,
                          uint64_t)
from libc.string cimport memcpy, memset
from libc.math cimport log, log1p, INFINITY
from libc.stdlib cimport calloc, free

import numpy as np

cdef extern from *:
    long CYTHON_HEX_VERSION   # defined by the Cython that generated this module's C

#: The Cython version that compiled this module (the benchmark's machine line reports it).
__cython_version__ = (f"{(CYTHON_HEX_VERSION >> 24) & 0xFF}.{(CYTHON_HEX_VERSION >> 16) & 0xFF}."
                      f"{(CYTHON_HEX_VERSION >> 8) & 0xFF}")


ctypedef fused symbol_t:
    uint8_t
    uint16_t
    uint32_t
    uint64_t
    int8_t
    int16_t
    int32_t
    int64_t

# ---------------------------------------------------------------------------------------------
# Byte histogram
# ---------------------------------------------------------------------------------------------

cdef inline void _add_word(uint32_t* t, uint64_t w) noexcept nogil:
    # Eight bytes of one word spread over four tables: consecutive increments of the same byte value
    # then hit different memory, which avoids store-to-load forwarding stalls on runs.
    t[w & 0xff] += 1
    t[256 + ((w >> 8) & 0xff)] += 1
    t[512 + ((w >> 16) & 0xff)] += 1
    t[768 + ((w >> 24) & 0xff)] += 1
    t[(w >> 32) & 0xff] += 1
    t[256 + ((w >> 40) & 0xff)] += 1
    t[512 + ((w >> 48) & 0xff)] += 1
    t[768 + (w >> 56)] += 1


cdef void _byte_histogram(const uint8_t* p, Py_ssize_t n, int64_t* out) noexcept nogil:
    cdef uint32_t t[1024]
    cdef Py_ssize_t i, block, s
    cdef uint64_t w0, w1
    while n > 0:
        # uint32 sub-counters: at most 2**30 bytes per pass keeps each far from overflow
        block = n if n < (1 << 30) else (1 << 30)
        memset(t, 0, sizeof(t))
        i = 0
        while i + 16 <= block:
            memcpy(&w0, p + i, 8)
            memcpy(&w1, p + i + 8, 8)
            _add_word(t, w0)
            _add_word(t, w1)
            i += 16
        while i < block:
            t[p[i]] += 1
            i += 1
        for s in range(256):
            out[s] += <int64_t>t[s] + t[256 + s] + t[512 + s] + t[768 + s]
        p += block
        n -= block


def byte_counts_into(const uint8_t[::1] data, int64_t[::1] out):
    """Add the byte histogram of ``data`` to ``out`` (length 256)."""
    if out.shape[0] < 256:
        raise ValueError("out must have room for 256 counts")
    with nogil:
        if data.shape[0]:
            _byte_histogram(&data[0], data.shape[0], &out[0])


# ---------------------------------------------------------------------------------------------
# Integer symbol arrays
# ---------------------------------------------------------------------------------------------

def symbol_range(const symbol_t[:] data):
    """Return ``(min, max)`` of a non-empty 1-D integer array, any strides."""
    cdef Py_ssize_t i, n = data.shape[0]
    cdef symbol_t lo, hi, v
    if n == 0:
        raise ValueError("symbol_range of an empty array")
    lo = data[0]
    hi = data[0]
    with nogil:
        for i in range(1, n):
            v = data[i]
            if v < lo:
                lo = v
            elif v > hi:
                hi = v
    return lo, hi


def symbol_counts_into(const symbol_t[:] data, int64_t[::1] out):
    """Add the counts of ``data`` to ``out``; every value must be in ``[0, len(out))`` (checked by the caller)."""
    cdef Py_ssize_t i, n = data.shape[0]
    with nogil:
        for i in range(n):
            out[<Py_ssize_t>data[i]] += 1


def pair_counts_into(const symbol_t[:] x, const symbol_t[:] y, Py_ssize_t ny, int64_t[::1] out):
    """Add the joint counts of aligned ``x`` and ``y`` to ``out`` laid out as ``out[x * ny + y]``."""
    cdef Py_ssize_t i, n = x.shape[0]
    with nogil:
        for i in range(n):
            out[<Py_ssize_t>x[i] * ny + <Py_ssize_t>y[i]] += 1


# ---------------------------------------------------------------------------------------------
# Entropy
# ---------------------------------------------------------------------------------------------

cdef inline void _neumaier_add(double* total, double* compensation, double term) noexcept nogil:
    # compensated summation: the rounding error of each addition is kept and added back at the end
    cdef double t = total[0] + term
    if total[0] >= term:
        compensation[0] += (total[0] - t) + term
    else:
        compensation[0] += (term - t) + total[0]
    total[0] = t


cdef inline double _plogp_term(int64_t c, int64_t total) noexcept nogil:
    # (c/N) * log(N/c), written with log1p((N - c)/c): N - c is exact, so the term keeps full
    # relative precision even when c is close to N (where log(N/c) would lose it).
    return (<double>c / <double>total) * log1p(<double>(total - c) / <double>c)


def entropy_of_counts(const int64_t[:] counts):
    """Entropy in nats of non-negative integer counts: sum over c > 0 of (c/N) log(N/c).

    Every term is non-negative, so the sum has no cancellation; Neumaier summation keeps the rounding
    error of the sum itself at a few ulps.
    """
    cdef Py_ssize_t i, n = counts.shape[0]
    cdef int64_t total = 0
    cdef double s = 0.0, comp = 0.0, term
    with nogil:
        for i in range(n):
            total += counts[i]
        if total > 0:
            for i in range(n):
                if counts[i] > 0:
                    term = _plogp_term(counts[i], total)
                    _neumaier_add(&s, &comp, term)
    return s + comp


def entropy_of_probabilities(const double[:] p):
    """Entropy in nats of a probability vector (already validated and normalised): sum of p log(1/p)."""
    cdef Py_ssize_t i, n = p.shape[0]
    cdef double s = 0.0, comp = 0.0, term
    with nogil:
        for i in range(n):
            if p[i] > 0.0:
                term = -p[i] * log(p[i])
                _neumaier_add(&s, &comp, term)
    return s + comp


def gather_lengths(const symbol_t[:] data, const double[::1] table, double[::1] out):
    """``out[i] = table[data[i]]`` (per-symbol code lengths); values must index ``table`` (checked by the caller)."""
    cdef Py_ssize_t i, n = data.shape[0]
    with nogil:
        for i in range(n):
            out[i] = table[<Py_ssize_t>data[i]]


# ---------------------------------------------------------------------------------------------
# n-grams of bytes
# ---------------------------------------------------------------------------------------------

cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define CODELENGTH_PREFETCH(p) __builtin_prefetch(p)
    #else
    #define CODELENGTH_PREFETCH(p) ((void)(p))
    #endif
    """
    void CODELENGTH_PREFETCH(const void* p) noexcept nogil

# How many positions ahead the n-gram loop prefetches its hash slot: enough to hide a cache miss.
DEF PREFETCH_AHEAD = 16


cdef inline uint64_t _hash(uint64_t key, int shift) noexcept nogil:
    return (key * <uint64_t>0x9E3779B97F4A7C15) >> shift


cdef struct Slot:
    # key and count side by side: a probe touches one cache line, not two
    uint64_t key
    int64_t count


cdef inline Py_ssize_t _probe_add(Slot* slots, Py_ssize_t wrap, int shift, uint64_t key,
                                  int64_t amount) noexcept nogil:
    """Add ``amount`` to ``key``'s count (linear probing); return 1 if the key was new."""
    cdef Py_ssize_t i = <Py_ssize_t>_hash(key, shift)
    while slots[i].count and slots[i].key != key:
        i = (i + 1) & wrap
    if slots[i].count:
        slots[i].count += amount
        return 0
    slots[i].key = key
    slots[i].count = amount
    return 1


cdef class NgramCounter:
    """NgramCounter(n)\n--\n\nCounts of the n-grams (n = 1..8) of a byte stream fed in pieces.

    Keys pack the n bytes big-endian into a uint64 (first byte highest), so the context of an n-gram
    is ``key >> 8`` and sorting keys groups n-grams by context. n <= 2 uses a dense table; larger n an
    open-addressing hash table whose memory grows with the number of distinct n-grams, not the input.
    The last n - 1 bytes of each piece are carried over, so pieces count exactly as their concatenation.
    Every n-gram is counted: there is no distinct-n-gram bound (for inputs whose distinct n-grams do not
    fit in memory, codelength.stats.context.ContextStatistics sorts and spills runs instead).
    """
    cdef readonly int n
    cdef uint64_t mask
    cdef uint64_t window      # the last bytes seen, packed like a key
    cdef int64_t filled       # bytes seen so far (saturates at n)
    cdef int64_t[::1] dense
    cdef Slot* slots
    cdef Py_ssize_t capacity
    cdef Py_ssize_t used
    cdef int shift
    cdef cython.pymutex lock   # held by every method: _grow frees the table another call could be reading

    def __cinit__(self, int n):
        if n < 1 or n > 8:
            raise ValueError("n-gram length must be between 1 and 8")
        self.n = n
        self.mask = 0xFFFFFFFFFFFFFFFF if n == 8 else ((<uint64_t>1 << (8 * n)) - 1)
        self.window = 0
        self.filled = 0
        self.slots = NULL
        if n <= 2:
            self.dense = np.zeros(1 << (8 * n), dtype=np.int64)
        else:
            self._allocate(1 << 16)

    def __dealloc__(self):
        free(self.slots)

    cdef int _allocate(self, Py_ssize_t capacity) except -1:
        cdef Slot* slots = <Slot*>calloc(capacity, sizeof(Slot))
        if slots == NULL:
            raise MemoryError(f"cannot allocate an n-gram table of {capacity} entries")
        self.slots = slots
        self.capacity = capacity
        self.used = 0
        self.shift = 64
        while (<Py_ssize_t>1 << (64 - self.shift)) < capacity:
            self.shift -= 1
        return 0

    cdef int _grow(self) except -1:
        cdef Slot* old = self.slots
        cdef Py_ssize_t i, old_capacity = self.capacity
        try:
            self._allocate(old_capacity * 2)
        except MemoryError:
            self.slots = old
            raise
        with nogil:
            for i in range(old_capacity):
                if old[i].count:
                    self.used += _probe_add(self.slots, self.capacity - 1, self.shift, old[i].key, old[i].count)
        free(old)
        return 0

    def update(self, const uint8_t[::1] data):
        """Count the n-grams that end inside ``data`` (those spanning the previous piece included)."""
        with self.lock:
            self._update(data)

    cdef int _update(self, const uint8_t[::1] data) except -1:
        cdef Py_ssize_t i = 0, end, total = data.shape[0]
        cdef uint64_t w = self.window, mask = self.mask
        cdef int64_t filled = self.filled
        cdef int n = self.n
        cdef int64_t[::1] dense
        cdef Slot* slots
        cdef Py_ssize_t wrap, added, j
        cdef uint64_t ahead
        cdef int shift
        if n <= 2:
            dense = self.dense
            with nogil:
                for i in range(total):
                    w = ((w << 8) | data[i]) & mask
                    filled += 1
                    if filled >= n:
                        dense[<Py_ssize_t>w] += 1
        else:
            while i < total:
                # grow before a stretch that could fill the table past half full
                if self.used * 2 >= self.capacity:
                    self._grow()
                end = i + (self.capacity // 2 - self.used)
                if end > total:
                    end = total
                slots = self.slots
                wrap = self.capacity - 1
                shift = self.shift
                added = 0
                with nogil:
                    # ``ahead`` is the key ending PREFETCH_AHEAD bytes further on: its slot is fetched
                    # into cache while the probes in between run (the table is far larger than cache)
                    ahead = w
                    j = i
                    while j < i + PREFETCH_AHEAD and j < total:
                        ahead = ((ahead << 8) | data[j]) & mask
                        j += 1
                    while i < end:
                        if j < total:
                            ahead = ((ahead << 8) | data[j]) & mask
                            CODELENGTH_PREFETCH(&slots[_hash(ahead, shift)])
                            j += 1
                        w = ((w << 8) | data[i]) & mask
                        filled += 1
                        if filled >= n:
                            added += _probe_add(slots, wrap, shift, w, 1)
                        i += 1
                self.used += added
        self.window = w
        self.filled = filled if filled < n else n
        return 0

    @property
    def distinct(self):
        """Number of distinct n-grams counted so far."""
        with self.lock:
            return self._distinct()

    cdef Py_ssize_t _distinct(self) except -1:
        if self.n <= 2:
            return int(np.count_nonzero(self.dense))
        return self.used

    def conditional_entropy(self):
        """H(last byte | the bytes before it) in nats, without sorting: (c/N) log(c_ctx / c) summed.

        Context totals c_ctx (sums over the last byte, key >> 8) are gathered in a second hash table.
        """
        with self.lock:
            return self._conditional_entropy()

    cdef object _conditional_entropy(self):
        cdef Py_ssize_t i, m, ctx_capacity = 16, wrap, contexts
        cdef int ctx_shift
        cdef int64_t total = 0, ctx_total, c
        cdef double s = 0.0, comp = 0.0, term
        cdef Slot* ctx
        cdef uint64_t key
        if self.n <= 2:
            keys, counts = self._result()
            return conditional_entropy_of_sorted(keys, counts) if counts.size else 0.0
        # at most half full: there are no more contexts than n-grams, nor than 256**(n-1)
        contexts = self.used if self.n > 4 or self.used < (1 << (8 * (self.n - 1))) else (1 << (8 * (self.n - 1)))
        while ctx_capacity < 2 * contexts:
            ctx_capacity *= 2
        ctx_shift = 64
        while (<Py_ssize_t>1 << (64 - ctx_shift)) < ctx_capacity:
            ctx_shift -= 1
        ctx = <Slot*>calloc(ctx_capacity, sizeof(Slot))
        if ctx == NULL:
            raise MemoryError(f"cannot allocate a context table of {ctx_capacity} entries")
        wrap = ctx_capacity - 1
        try:
            with nogil:
                for i in range(self.capacity):
                    c = self.slots[i].count
                    if c:
                        total += c
                        _probe_add(ctx, wrap, ctx_shift, self.slots[i].key >> 8, c)
                for i in range(self.capacity):
                    c = self.slots[i].count
                    if c:
                        key = self.slots[i].key >> 8
                        m = <Py_ssize_t>_hash(key, ctx_shift)
                        while ctx[m].key != key:  # present: inserted above, and nothing is ever removed
                            m = (m + 1) & wrap
                        ctx_total = ctx[m].count
                        term = (<double>c / <double>total) * log1p(<double>(ctx_total - c) / <double>c)
                        _neumaier_add(&s, &comp, term)
        finally:
            free(ctx)
        return s + comp

    def result(self):
        """Return ``(keys, counts)``: the distinct n-grams (uint64, sorted) and their counts (int64)."""
        with self.lock:
            return self._result()

    cdef object _result(self):
        cdef Py_ssize_t i, j = 0
        if self.n <= 2:
            nonzero = np.flatnonzero(self.dense)
            return nonzero.astype(np.uint64), np.asarray(self.dense)[nonzero].copy()
        keys = np.empty(self.used, dtype=np.uint64)
        counts = np.empty(self.used, dtype=np.int64)
        cdef uint64_t[::1] k = keys
        cdef int64_t[::1] c = counts
        with nogil:
            for i in range(self.capacity):
                if self.slots[i].count:
                    k[j] = self.slots[i].key
                    c[j] = self.slots[i].count
                    j += 1
        order = np.argsort(keys, kind="stable")
        return keys[order], counts[order]


def conditional_entropy_of_sorted(const uint64_t[::1] keys, const int64_t[::1] counts):
    """H(last byte | preceding bytes) in nats from n-gram counts sorted by key (context = key >> 8).

    Sum over contexts of sum over symbols of (c/N) log(c_ctx / c), each term non-negative.
    """
    cdef Py_ssize_t i, j, start = 0, m = keys.shape[0]
    cdef int64_t total = 0, ctx_total
    cdef double s = 0.0, comp = 0.0, term
    with nogil:
        for i in range(m):
            total += counts[i]
        while start < m:
            j = start
            ctx_total = 0
            while j < m and (keys[j] >> 8) == (keys[start] >> 8):
                ctx_total += counts[j]
                j += 1
            for i in range(start, j):
                term = (<double>counts[i] / <double>total) * log1p(<double>(ctx_total - counts[i]) / <double>counts[i])
                _neumaier_add(&s, &comp, term)
            start = j
    return s + comp
