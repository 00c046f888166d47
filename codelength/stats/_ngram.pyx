# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Loops of the exact, bounded-memory order-k statistics (codelength.stats.ngram).

An n-gram of bytes is packed big-endian into a uint64 key (first byte highest), so sorting keys sorts
the n-grams, and every shorter m-gram that starts at the same position is the key's top m bytes. One
sorted stream of the longest n-grams (n = max_order + 1) thus gives the counts of every m-gram,
for every m = 1..n, as nested runs of equal prefixes: :class:`PrefixScanner` turns that stream into all the
conditional entropies H_0 .. H_{n-1} in one pass. The stream comes from sorted, collapsed runs of
key buffers (:func:`collapse_sorted`), merged by :class:`RunMerger`.

These functions trust their arguments; codelength.stats.ngram validates them. The plain-Python twins
are in codelength/reference/ngram.py.
"""
from libc.stdint cimport int64_t, uint8_t, uint64_t
from libc.math cimport log1p
from cpython.mem cimport PyMem_Free, PyMem_Malloc

cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define CODELENGTH_CLZ64(x) __builtin_clzll(x)
    #else
    static int CODELENGTH_CLZ64(unsigned long long x) { int n = 0; while (!(x & (1ULL << 63))) { x <<= 1; n++; } return n; }
    #endif
    """
    int CODELENGTH_CLZ64(uint64_t x) noexcept nogil


cdef inline uint64_t _mask(int n) noexcept nogil:
    return 0xFFFFFFFFFFFFFFFF if n >= 8 else ((<uint64_t>1 << (8 * n)) - 1)


def pack_keys(const uint8_t[::1] data, Py_ssize_t start, int n, uint64_t window, int64_t filled,
              uint64_t[::1] out, Py_ssize_t out_pos):
    """Append to ``out[out_pos:]`` the keys of the n-grams ending in ``data[start:]``.

    ``window`` holds the bytes before ``data[start]`` packed like a key and ``filled`` how many bytes
    came before (saturating at n - 1). Stops when ``out`` is full. Returns ``(next_start, out_pos, window,
    filled)``: call again with them to go on.
    """
    cdef Py_ssize_t i = start, total = data.shape[0], cap = out.shape[0]
    cdef uint64_t w = window, mask = _mask(n)
    cdef int64_t f = filled
    with nogil:
        # the first n - 1 bytes of the stream end no n-gram
        while i < total and f < n - 1:
            w = ((w << 8) | data[i]) & mask
            f += 1
            i += 1
        while i < total and out_pos < cap:
            w = ((w << 8) | data[i]) & mask
            out[out_pos] = w
            out_pos += 1
            i += 1
    return i, out_pos, w, f


def dense_counts_into(const uint8_t[::1] data, int n, uint64_t window, int64_t filled, int64_t[::1] out):
    """Add the counts of the n-grams (n <= 3) ending in ``data`` to the dense table ``out`` (256**n).

    Returns ``(window, filled)`` for the next piece (``filled`` saturates at n - 1)."""
    cdef Py_ssize_t i, total = data.shape[0]
    cdef uint64_t w = window, mask = _mask(n)
    cdef int64_t f = filled
    with nogil:
        i = 0
        while i < total and f < n - 1:
            w = ((w << 8) | data[i]) & mask
            f += 1
            i += 1
        while i < total:
            w = ((w << 8) | data[i]) & mask
            out[<Py_ssize_t>w] += 1
            i += 1
    return w, f


def collapse_sorted(uint64_t[::1] keys, Py_ssize_t m, int64_t[::1] counts):
    """Collapse the sorted ``keys[:m]`` in place into distinct keys ``keys[:u]`` with ``counts[:u]``;
    returns u."""
    cdef Py_ssize_t i, u = 0
    cdef uint64_t k
    if m == 0:
        return 0
    with nogil:
        k = keys[0]
        counts[0] = 1
        for i in range(1, m):
            if keys[i] == k:
                counts[u] += 1
            else:
                u += 1
                k = keys[i]
                keys[u] = k
                counts[u] = 1
    return u + 1


def collapse_weighted(uint64_t[::1] keys, int64_t[::1] counts, Py_ssize_t m):
    """Collapse sorted ``keys[:m]`` with ``counts[:m]`` in place (equal keys' counts added); returns u."""
    cdef Py_ssize_t i, u = 0
    if m == 0:
        return 0
    with nogil:
        for i in range(1, m):
            if keys[i] == keys[u]:
                counts[u] += counts[i]
            else:
                u += 1
                keys[u] = keys[i]
                counts[u] = counts[i]
    return u + 1


# ---------------------------------------------------------------------------------------------
# k-way merge of sorted runs
# ---------------------------------------------------------------------------------------------

cdef class RunMerger:
    """RunMerger(nruns)\n--\n\nMerge sorted runs of (key, count) given block by block into one sorted stream.

    Each run is fed a block at a time with :meth:`set_block` (``counts`` None: every key counts 1);
    :meth:`merge` fills an output block and returns when it is full or a run's block is used up (that
    run must then get its next block, or an empty one when it has no more). Equal keys of different
    runs are not added up: the output is sorted, and consumers add equal neighbours.
    """
    cdef Py_ssize_t nruns
    cdef list _keys, _counts          # keep the blocks alive
    cdef const uint64_t** kp
    cdef const int64_t** cp
    cdef Py_ssize_t* pos
    cdef Py_ssize_t* end
    cdef Py_ssize_t* heap              # run indices, a binary min-heap on their current key
    cdef Py_ssize_t hsize
    cdef Py_ssize_t waiting            # run whose block ran out, -1 if none

    def __cinit__(self, Py_ssize_t nruns):
        self.nruns = nruns
        n = nruns if nruns > 0 else 1
        self.kp = <const uint64_t**>PyMem_Malloc(n * sizeof(void*))
        self.cp = <const int64_t**>PyMem_Malloc(n * sizeof(void*))
        self.pos = <Py_ssize_t*>PyMem_Malloc(n * sizeof(Py_ssize_t))
        self.end = <Py_ssize_t*>PyMem_Malloc(n * sizeof(Py_ssize_t))
        self.heap = <Py_ssize_t*>PyMem_Malloc(n * sizeof(Py_ssize_t))
        if not (self.kp and self.cp and self.pos and self.end and self.heap):
            raise MemoryError("cannot allocate the run merger")
        self._keys = [None] * nruns
        self._counts = [None] * nruns
        self.hsize = 0
        self.waiting = -1
        for i in range(nruns):
            self.end[i] = 0
            self.pos[i] = 0

    def __dealloc__(self):
        PyMem_Free(self.kp)
        PyMem_Free(self.cp)
        PyMem_Free(self.pos)
        PyMem_Free(self.end)
        PyMem_Free(self.heap)

    cdef inline uint64_t _key(self, Py_ssize_t r) noexcept nogil:
        return self.kp[r][self.pos[r]]

    cdef void _sift_down(self, Py_ssize_t i) noexcept nogil:
        cdef Py_ssize_t child, r = self.heap[i], n = self.hsize
        cdef uint64_t k = self._key(r)
        while True:
            child = 2 * i + 1
            if child >= n:
                break
            if child + 1 < n and self._key(self.heap[child + 1]) < self._key(self.heap[child]):
                child += 1
            if self._key(self.heap[child]) >= k:
                break
            self.heap[i] = self.heap[child]
            i = child
        self.heap[i] = r

    cdef void _sift_up(self, Py_ssize_t i) noexcept nogil:
        cdef Py_ssize_t parent, r = self.heap[i]
        cdef uint64_t k = self._key(r)
        while i > 0:
            parent = (i - 1) // 2
            if self._key(self.heap[parent]) <= k:
                break
            self.heap[i] = self.heap[parent]
            i = parent
        self.heap[i] = r

    def set_block(self, Py_ssize_t run, keys, counts):
        """Give ``run`` its next block (uint64 keys, int64 counts or None); an empty block ends it."""
        cdef const uint64_t[::1] k = keys
        cdef const int64_t[::1] c
        if run < 0 or run >= self.nruns:
            raise IndexError("no such run")
        if self.pos[run] < self.end[run]:
            raise ValueError("the run's current block is not used up")
        self._keys[run] = keys
        self._counts[run] = counts
        self.pos[run] = 0
        self.end[run] = k.shape[0]
        if counts is not None:
            c = counts
            if c.shape[0] != k.shape[0]:
                raise ValueError("keys and counts of a block differ in length")
            self.cp[run] = &c[0] if c.shape[0] else NULL
        else:
            self.cp[run] = NULL
        if k.shape[0]:
            self.kp[run] = &k[0]
            self.heap[self.hsize] = run
            self.hsize += 1
            self._sift_up(self.hsize - 1)
        if self.waiting == run:
            self.waiting = -1

    def merge(self, uint64_t[::1] out_keys, int64_t[::1] out_counts):
        """Fill the output block; returns ``(produced, run)`` where ``run`` needs its next block (-1:
        none; then either the output is full or every run is done)."""
        cdef Py_ssize_t produced = 0, cap = out_keys.shape[0], r
        if self.waiting >= 0:
            raise ValueError(f"run {self.waiting} needs its next block first")
        with nogil:
            while produced < cap and self.hsize > 0:
                r = self.heap[0]
                out_keys[produced] = self.kp[r][self.pos[r]]
                out_counts[produced] = self.cp[r][self.pos[r]] if self.cp[r] != NULL else 1
                produced += 1
                self.pos[r] += 1
                if self.pos[r] == self.end[r]:
                    # take it out of the heap; it comes back with its next block
                    self.hsize -= 1
                    if self.hsize > 0:
                        self.heap[0] = self.heap[self.hsize]
                        self._sift_down(0)
                    self.waiting = r
                    break
                self._sift_down(0)
        return produced, self.waiting

    @property
    def done(self):
        """True when no run has keys left."""
        return self.hsize == 0 and self.waiting < 0


# ---------------------------------------------------------------------------------------------
# all orders from one sorted stream
# ---------------------------------------------------------------------------------------------

DEF MAXN = 8

cdef inline void _neumaier_add(double* total, double* compensation, double term) noexcept nogil:
    cdef double t = total[0] + term
    if total[0] >= term:
        compensation[0] += (total[0] - t) + term
    else:
        compensation[0] += (term - t) + total[0]
    total[0] = t


cdef class PrefixScanner:
    """PrefixScanner(n, totals)\n--\n\nConditional entropies H_0 .. H_{n-1} from the sorted stream of n-gram keys (with counts).

    Level m (1..n) is the m-byte prefix of the keys: a run of equal m-prefixes is one distinct m-gram
    and its count the sum of the counts in the run. The runs of level k+1 inside one run of level k are
    the (k+1)-grams of one k-byte context; when that context closes, its share of order k,
    sum over its (k+1)-grams of (c / N_k) * log(C / c) with C their total and N_k = ``totals[k]`` (the
    number of (k+1)-grams, known up front), is added: non-negative terms in key order, in one compensated
    sum per order, the same bits as ``_kernels.conditional_entropy_of_sorted``. Level 0 is the empty
    context of H_0.

    The last n - 1 positions of a stream have no full n-gram, only shorter ones: :meth:`add_partial`
    gives them before the stream (key left-aligned, zero-padded, with its length), and they take part
    in the levels up to their length only.
    """
    cdef readonly int n
    cdef int depth                     # levels 1..depth are open
    cdef uint64_t cur                  # the key whose top ``depth`` bytes are the open prefixes
    cdef int64_t run[MAXN + 1]         # count of the open run of each level
    cdef int64_t group_total[MAXN + 1] # sum of the closed child runs of the open group of each level
    cdef int64_t children[MAXN + 1][256]
    cdef int nchildren[MAXN + 1]
    cdef double ent[MAXN + 1]
    cdef double comp[MAXN + 1]
    cdef int64_t total[MAXN + 1]       # total[k]: number of (k+1)-grams
    cdef int64_t distinct[MAXN + 1]    # distinct[m]: number of distinct m-grams
    cdef int64_t expected[MAXN + 1]    # expected[k]: the number of (k+1)-grams N_k, given up front
    cdef uint64_t pend_key[MAXN]
    cdef int pend_len[MAXN]
    cdef int npend, ipend
    cdef bint finished
    cdef bint unsorted

    def __cinit__(self, int n, totals):
        cdef int m
        if n < 1 or n > MAXN:
            raise ValueError("n must be between 1 and 8")
        if len(totals) != n or any(t < 0 for t in totals):
            raise ValueError("totals: the number of (k+1)-grams for k = 0..n-1, non-negative")
        self.n = n
        self.depth = 0
        self.cur = 0
        self.npend = 0
        self.ipend = 0
        self.finished = False
        self.unsorted = False
        for m in range(MAXN + 1):
            self.run[m] = 0
            self.group_total[m] = 0
            self.nchildren[m] = 0
            self.ent[m] = 0.0
            self.comp[m] = 0.0
            self.total[m] = 0
            self.distinct[m] = 0
            self.expected[m] = totals[m] if m < n else 0

    def add_partial(self, uint64_t key, int length):
        """A key of ``length`` < n bytes (left-aligned in n bytes, zero-padded), counted once, before
        any :meth:`feed`; partial keys must come in increasing key order."""
        if length < 1 or length >= self.n or self.npend >= MAXN:
            raise ValueError("partial keys are shorter than n, at most n - 1 of them")
        if key & ~_mask(self.n):
            raise ValueError(f"key {key} is wider than n = {self.n} bytes")
        if self.npend and key < self.pend_key[self.npend - 1]:
            raise ValueError("partial keys must be given in increasing order")
        self.pend_key[self.npend] = key
        self.pend_len[self.npend] = length
        self.npend += 1

    cdef inline void _finish_group(self, int g) noexcept nogil:
        # the context of level g closed: add its children's terms (c/N) log(C/c) to order g, written
        # as in _kernels.conditional_entropy_of_sorted so that both give the same bits
        cdef int i
        cdef int64_t c, big = self.group_total[g]
        cdef double term
        if self.nchildren[g] == 1:
            # a lone child (c == C): its term is (c/N) log1p(0) = +0.0, which leaves the compensated sum
            # as it is; skipping it saves the log1p of most contexts of the high orders
            self.nchildren[g] = 0
            self.group_total[g] = 0
            return
        for i in range(self.nchildren[g]):
            c = self.children[g][i]
            term = (<double>c / <double>self.expected[g]) * log1p(<double>(big - c) / <double>c)
            _neumaier_add(&self.ent[g], &self.comp[g], term)
        self.nchildren[g] = 0
        self.group_total[g] = 0

    cdef inline void _close(self, int m) noexcept nogil:
        # close the run of level m (and the group it heads), making it a child of level m - 1
        cdef int64_t c = self.run[m]
        if m < self.n:
            self._finish_group(m)
        self.distinct[m] += 1
        self.total[m - 1] += c
        if self.nchildren[m - 1] < 256:
            self.children[m - 1][self.nchildren[m - 1]] = c
            self.nchildren[m - 1] += 1
        else:
            self.unsorted = True   # more than 256 children: the stream was not sorted
        self.group_total[m - 1] += c
        self.run[m] = 0

    cdef inline void _add(self, uint64_t key, int length, int64_t count) noexcept nogil:
        cdef int t, d, m, nb = self.n
        cdef uint64_t x = 0
        t = length if length < self.depth else self.depth
        if t > 0:
            # compare the top t bytes of the n: the first that differs closes its level and all below
            x = (key ^ self.cur) >> (8 * (nb - t))
        if x != 0:
            d = t - (63 - CODELENGTH_CLZ64(x)) // 8
            m = self.depth
            while m >= d:
                self._close(m)
                m -= 1
            self.depth = d - 1
        if length > self.depth:
            self.depth = length
            self.cur = key
        for m in range(1, length + 1):
            self.run[m] += count

    cdef inline void _pending_upto(self, uint64_t key) noexcept nogil:
        while self.ipend < self.npend and self.pend_key[self.ipend] <= key:
            self._add(self.pend_key[self.ipend], self.pend_len[self.ipend], 1)
            self.ipend += 1

    def feed(self, const uint64_t[::1] keys, counts=None, Py_ssize_t m=-1):
        """Take the next ``keys[:m]`` of the sorted stream (all of them when m < 0), with their
        ``counts`` (int64; None: 1 each)."""
        cdef const int64_t[::1] c
        cdef Py_ssize_t i
        cdef bint has_counts = counts is not None
        cdef int nb = self.n
        cdef uint64_t wide = 0
        if self.finished:
            raise ValueError("the scanner has finished")
        if m < 0 or m > keys.shape[0]:
            m = keys.shape[0]
        if has_counts:
            c = counts
            if c.shape[0] < m:
                raise ValueError("fewer counts than keys")
        if nb < 8:
            # a key wider than n bytes would close level 0 (its first differing byte lies above the n
            # bytes) and write before the scanner's tables: refuse the block before touching the state
            with nogil:
                for i in range(m):
                    wide |= keys[i]
            if wide & ~_mask(nb):
                raise ValueError(f"a key is wider than n = {nb} bytes")
        with nogil:
            if has_counts:
                for i in range(m):
                    if self.ipend < self.npend:
                        self._pending_upto(keys[i])
                    self._add(keys[i], nb, c[i])
            else:
                for i in range(m):
                    if self.ipend < self.npend:
                        self._pending_upto(keys[i])
                    self._add(keys[i], nb, 1)

    def feed_dense(self, const int64_t[::1] table):
        """Take a whole dense table of n-gram counts (``table[key]``, 256**n entries, n <= 3) as the
        sorted stream: its non-zero entries in index order, the same stream as their keys and counts
        given to :meth:`feed` (so the same bits), without gathering them first."""
        cdef Py_ssize_t i, size = table.shape[0]
        cdef int nb = self.n
        if self.finished:
            raise ValueError("the scanner has finished")
        if nb > 3 or size != (<Py_ssize_t>1 << (8 * nb)):
            raise ValueError("a dense table has 256**n entries, n <= 3")
        with nogil:
            for i in range(size):
                if table[i]:
                    if self.ipend < self.npend:
                        self._pending_upto(<uint64_t>i)
                    self._add(<uint64_t>i, nb, table[i])

    def finish(self):
        """Close everything; returns ``(nats, totals, distinct)``: for k = 0..n-1, H_k in nats (the sum
        of (c/N_k) log(C/c)), the number of (k+1)-grams counted (equal to ``totals`` given when the stream
        was whole), and for m = 1..n the number of distinct m-grams (``distinct[m - 1]``)."""
        cdef int m
        if not self.finished:
            with nogil:
                self._pending_upto(0xFFFFFFFFFFFFFFFF)
                m = self.depth
                while m >= 1:
                    self._close(m)
                    m -= 1
                self.depth = 0
                self._finish_group(0)
            self.finished = True
        if self.unsorted:
            raise ValueError("the key stream was not sorted")
        if any(self.total[k] != self.expected[k] for k in range(self.n)):
            raise ValueError("the stream held a different number of n-grams than the totals given")
        nats = [self.ent[k] + self.comp[k] for k in range(self.n)]
        totals = [self.total[k] for k in range(self.n)]
        distinct = [self.distinct[k] for k in range(1, self.n + 1)]
        return nats, totals, distinct
