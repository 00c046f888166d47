"""Pure-Python twins of the bounded-memory n-gram kernels (codelength.stats._ngram).

Same arguments and results, with lists and ints for arrays; the classes keep their state in plain
Python objects. Slow, and meant to be: they are the oracle the kernels are held against.
"""
from __future__ import annotations

import heapq
import math


def _mask(n):
    return (1 << (8 * n)) - 1


def pack_keys(data, start, n, window, filled, out, out_pos):
    """Twin of ``_ngram.pack_keys``: writes into the list ``out`` (of fixed length)."""
    data = bytes(data)
    i, w, f, mask = start, window, filled, _mask(n)
    while i < len(data) and f < n - 1:
        w = ((w << 8) | data[i]) & mask
        f += 1
        i += 1
    while i < len(data) and out_pos < len(out):
        w = ((w << 8) | data[i]) & mask
        out[out_pos] = w
        out_pos += 1
        i += 1
    return i, out_pos, w, f


def dense_counts_into(data, n, window, filled, out):
    """Twin of ``_ngram.dense_counts_into`` (``out`` a list of 256**n counts)."""
    data = bytes(data)
    w, f, mask = window, filled, _mask(n)
    for b in data:
        w = ((w << 8) | b) & mask
        if f < n - 1:
            f += 1
        else:
            out[w] += 1
    return w, f


def collapse_sorted(keys, m, counts):
    """Twin of ``_ngram.collapse_sorted`` (lists changed in place)."""
    if m == 0:
        return 0
    u = 0
    counts[0] = 1
    for i in range(1, m):
        if keys[i] == keys[u]:
            counts[u] += 1
        else:
            u += 1
            keys[u] = keys[i]
            counts[u] = 1
    return u + 1


def collapse_weighted(keys, counts, m):
    """Twin of ``_ngram.collapse_weighted``."""
    if m == 0:
        return 0
    u = 0
    for i in range(1, m):
        if keys[i] == keys[u]:
            counts[u] += counts[i]
        else:
            u += 1
            keys[u] = keys[i]
            counts[u] = counts[i]
    return u + 1


class RunMerger:
    """Twin of ``_ngram.RunMerger``: a heap of (key, run) pairs, runs given block by block."""

    def __init__(self, nruns):
        self.nruns = nruns
        self.blocks = [([], None)] * nruns
        self.pos = [0] * nruns
        self.heap = []
        self.waiting = -1

    def set_block(self, run, keys, counts):
        if not 0 <= run < self.nruns:
            raise IndexError("no such run")
        if self.pos[run] < len(self.blocks[run][0]):
            raise ValueError("the run's current block is not used up")
        keys = [int(k) for k in keys]
        self.blocks[run] = (keys, None if counts is None else [int(c) for c in counts])
        self.pos[run] = 0
        if keys:
            heapq.heappush(self.heap, (keys[0], run))
        if self.waiting == run:
            self.waiting = -1

    def merge(self, out_keys, out_counts):
        if self.waiting >= 0:
            raise ValueError(f"run {self.waiting} needs its next block first")
        produced = 0
        while produced < len(out_keys) and self.heap:
            key, run = heapq.heappop(self.heap)
            keys, counts = self.blocks[run]
            out_keys[produced] = key
            out_counts[produced] = 1 if counts is None else counts[self.pos[run]]
            produced += 1
            self.pos[run] += 1
            if self.pos[run] == len(keys):
                self.waiting = run
                break
            heapq.heappush(self.heap, (keys[self.pos[run]], run))
        return produced, self.waiting

    @property
    def done(self):
        return not self.heap and self.waiting < 0


class PrefixScanner:
    """Twin of ``_ngram.PrefixScanner``, written the direct way: count every m-gram prefix in a dict,
    then sum (c / N) * log(C / c) per context (with C the total of the context's (m+1)-grams and N the
    number of (m+1)-grams)."""

    def __init__(self, n, totals):
        if not 1 <= n <= 8:
            raise ValueError("n must be between 1 and 8")
        self.n = n
        self.expected = list(totals)
        self.items = []  # (key, length, count)
        self.partial = []

    def add_partial(self, key, length):
        if not 1 <= length < self.n or len(self.partial) >= 8:
            raise ValueError("partial keys are shorter than n, at most n - 1 of them")
        self.partial.append((key, length))

    def feed(self, keys, counts=None, m=-1):
        if m < 0 or m > len(keys):
            m = len(keys)
        for i in range(m):
            self.items.append((int(keys[i]), self.n, 1 if counts is None else int(counts[i])))

    def feed_dense(self, table):
        """The non-zero entries of a dense table of counts (index = key), in index order."""
        if self.n > 3 or len(table) != 256 ** self.n:
            raise ValueError("a dense table has 256**n entries, n <= 3")
        for key, count in enumerate(table):
            if count:
                self.items.append((key, self.n, int(count)))

    def finish(self):
        grams = [dict() for _ in range(self.n + 1)]  # grams[m][prefix] = count
        for key, length, count in self.items + [(k, L, 1) for k, L in self.partial]:
            for m in range(1, length + 1):
                prefix = key >> (8 * (self.n - m))
                grams[m][prefix] = grams[m].get(prefix, 0) + count
        nats, totals = [], []
        for k in range(self.n):
            contexts = {}
            for prefix, c in grams[k + 1].items():
                contexts[prefix >> 8] = contexts.get(prefix >> 8, 0) + c
            total = sum(grams[k + 1].values())
            if total != self.expected[k]:
                raise ValueError("the stream held a different number of n-grams than the totals given")
            nats.append(math.fsum(c / total * math.log(contexts[p >> 8] / c) for p, c in grams[k + 1].items()))
            totals.append(total)
        return nats, totals, [len(grams[m]) for m in range(1, self.n + 1)]
