"""Pure-Python twin of the context-mixing coder (codelength/coders/_cm.pyx): the definition of the model.

Everything is integer arithmetic on Python ints masked to the widths the C code uses, so this module and
the kernel produce the same payload bit for bit; it runs at a few KB/s and is used on small inputs only.
The tables (bit-history state machine, stretch/squash) are built here once and handed to the kernel, so
both sides read the same numbers.

The model (see docs/cm.md for the whole description)
----------------------------------------------------
Bytes are coded as 8 binary decisions, most significant bit first; ``c0`` is the partial byte with a
leading 1 (1..255). For each decision, inputs are produced by

* ``NCTX`` hashed context models (orders 1, 2, 3, 4, 6, a word unigram, a word bigram, a record /
  sparse context, order 5). Each context owns, per nibble of the coded byte, a 16-byte slot of the shared hash
  table: one check byte and 15 bit-history states (one per node of the nibble's binary tree). A state is
  a bounded pair of counts (n0, n1) (plus the last bit while both are small); an adaptive probability map
  per context turns the state into a probability, and its stretch ``ln(p/(1-p))`` is the mixer input.
* a match model: the last occurrence of the current 6-byte context predicts the byte that followed it;
  its input is a learnt probability indexed by the match length and the predicted bit.
* a bias input.

Two gated logistic mixers (weights selected by ``c0`` and the match length, and by the orders seen, the
match length and the last byte's top bits; their learning rate decays from LR_MIN + LR_BOOST to LR_MIN
over the first bytes) combine the inputs in the stretched domain and are averaged; three adaptive
probability maps (APM/SSE: by ``c0``, then by ``c0`` with the last byte and with a hash of the last two
bytes, averaged; each entry adapts at a rate falling with its count) refine the result, and a 32-bit carry-less binary arithmetic coder codes the bit with 12-bit precision.
"""
from __future__ import annotations

import math
from functools import lru_cache

M32 = 0xFFFFFFFF

NCTX = 9                   # hashed context models
NIN = NCTX + 3             # mixer inputs: contexts, 2 from the match model, bias
MINLEN = 6                 # the match model's context length (bytes)
MAXLEN = 65535
SM_LIMIT = 1023            # adaptation count limit of the state -> probability maps
MATCH_LIMIT = 1023
MIXER_SHIFT = 16           # weights carry 16 fractional bits
LR_MIN = 32                # learning rate of the mixers in 1/2**18 of a weight unit per error unit:
LR_BOOST = 320             # LR_MIN + LR_BOOST at the start, decaying as LR_HALF / (pos + LR_HALF)
LR_HALF = 8192
W_INIT = 1 << 14
W_LIMIT = 1 << 22
APM_N0 = 8                 # an APM entry adapts at rate 1/(n + APM_N0 + 1.5) after n updates ...
APM_LIMIT = 250            # ... until n reaches APM_LIMIT
APM2_BITS = 16
APM3_BITS = 18
MIN_TABLE_BITS = 16        # the context hash table has 2**k bytes, k in [MIN_TABLE_BITS, MAX_TABLE_BITS]
MAX_TABLE_BITS = 29

# the bit-history state machine: (n0, n1, last) with bounded counts
_LIMITS = (40, 30, 20, 14, 10, 8, 7, 6, 5, 5, 4, 4, 3, 3, 3, 2, 2, 2)
_LAST_TOTAL = 8            # the last bit is remembered while both counts are > 0 and n0 + n1 <= this


def _lim(n: int) -> int:
    return _LIMITS[n] if n < len(_LIMITS) else 0


def _next_counts(state, y: int):
    n = [state[0], state[1]]
    n[y] += 1
    o = 1 - y
    if n[o] > 2:                      # the opposite count is discounted: old evidence fades
        n[o] = (n[o] >> 1) + 1
    if n[y] > max(_lim(n[o]), 1):
        n[y] = max(_lim(n[o]), 1)
    while n[o] >= len(_LIMITS) or n[y] > _lim(n[o]):
        n[o] -= 1
    last = y if (n[0] > 0 and n[1] > 0 and n[0] + n[1] <= _LAST_TOTAL) else 0
    return (n[0], n[1], last)


@lru_cache(maxsize=None)
def state_tables():
    """The bit-history state machine: ``(next, n0, n1)``, tuples indexed by state (0 = no history).

    ``next[2*s + y]`` is the state after bit ``y`` in state ``s``; ``n0[s]``, ``n1[s]`` its counts."""
    start = (0, 0, 0)
    index = {start: 0}
    order = [start]
    i = 0
    while i < len(order):
        s = order[i]
        i += 1
        for y in (0, 1):
            t = _next_counts(s, y)
            if t not in index:
                index[t] = len(order)
                order.append(t)
    if len(order) > 256:
        raise AssertionError("the state machine must fit a byte")
    nxt = []
    for s in order:
        nxt.extend(index[_next_counts(s, y)] for y in (0, 1))
    nxt.extend([0, 0] * (256 - len(order)))
    n0 = [s[0] for s in order] + [0] * (256 - len(order))
    n1 = [s[1] for s in order] + [0] * (256 - len(order))
    return tuple(nxt), tuple(n0), tuple(n1)


@lru_cache(maxsize=None)
def squash_table():
    """``squash[d + 2048]`` = 4096 / (1 + e^(-d/256)) for d in [-2048, 2047], clamped to [1, 4095]."""
    return tuple(min(4095, max(1, int(round(4096.0 / (1.0 + math.exp(-d / 256.0))))))
                 for d in range(-2048, 2048))


@lru_cache(maxsize=None)
def stretch_table():
    """``stretch[p]`` for p in [0, 4095]: the inverse of squash (the smallest d with squash(d) >= p)."""
    sq = squash_table()
    out = []
    d = -2048
    for p in range(4096):
        while d < 2047 and sq[d + 2048] < p:
            d += 1
        out.append(d)
    return tuple(out)


@lru_cache(maxsize=None)
def sm_init():
    """Initial 22-bit probability of a 1 for every state: (n1 + 1/2) / (n0 + n1 + 1)."""
    _, n0, n1 = state_tables()
    return tuple(((2 * b + 1) << 22) // (2 * (a + b) + 2) for a, b in zip(n0, n1))


@lru_cache(maxsize=None)
def rate_table():
    """Adaptation rate by count: 65536 / (n + 1.5)."""
    return tuple((2 << 16) // (2 * n + 3) for n in range(SM_LIMIT + 1))


def fmix(h: int) -> int:
    """32-bit finaliser (xor-shift-multiply)."""
    h &= M32
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & M32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & M32
    h ^= h >> 16
    return h


def hash2(a: int, b: int) -> int:
    return fmix((a * 0x9E3779B1 + fmix(b + 0x7F4A7C15)) & M32)


def table_bits_for(n: int, memory: int) -> int:
    """log2 of the context table's bytes: the most that ``memory`` holds (table + match index =
    1.25 * 2**k bytes), but no more than about 256 bytes per input byte, the most a stream may declare
    (on asyoulik.txt, 256 rather than 64 bytes per byte saves 0.15 %)."""
    k = MIN_TABLE_BITS
    while k < MAX_TABLE_BITS and (1 << (k + 1)) + (1 << (k - 1)) <= memory:
        k += 1
    return max(MIN_TABLE_BITS, min(k, max_table_bits(n)))


def max_table_bits(n: int) -> int:
    """The largest table a stream of ``n`` bytes may declare (the decoder refuses more)."""
    return max(MIN_TABLE_BITS, min(MAX_TABLE_BITS, int(n).bit_length() + 8))


class Model:
    """The predictor: ``p()`` gives the 12-bit probability that the next bit is 1, ``update(y)`` learns
    the bit. ``buf`` is the history (the encoder's input, or the decoder's output written so far)."""

    def __init__(self, k: int, buf):
        self.nxt, self.n0, self.n1 = state_tables()
        self.sq = squash_table()
        self.st = stretch_table()
        self.rate = rate_table()
        self.k = k
        self.t = bytearray(1 << k)
        self.nbbits = k - 4
        self.mbits = k - 4                      # match index: 2**(k-4) positions (4 bytes each)
        self.mt = [0] * (1 << self.mbits)
        init = sm_init()
        self.smp = list(init) * NCTX
        self.smn = [0] * (256 * NCTX)
        self.mmp = [1 << 21] * (64 * 256)
        self.mmn = [0] * (64 * 256)
        self.w = [W_INIT] * (1024 * NIN)
        self.w2 = [W_INIT] * (256 * NIN)
        # APM entries, as the kernel stores them: (count << 16) | p16 once updated; an entry never updated
        # (absent here, 0 in the kernel's zero-mapped tables) reads as the row's initial value
        self.row = [self.sq[min(4095, (j - 16) * 128 + 2048)] * 16 for j in range(33)]
        self.a1, self.a2, self.a3 = {}, {}, {}
        self.lrs = LR_MIN + LR_BOOST
        self.buf = buf
        self.pos = 0
        self.c0 = 1
        self.bitpos = 0
        self.nib = 1
        self.c4 = 0
        self.c8 = 0
        self.word0 = 0
        self.word1 = 0
        self.lp1 = [0] * 256
        self.lp2 = [0] * 256
        self.rcand = 0
        self.rcount = 0
        self.rlen = 0
        self.mlen = 0
        self.mptr = 0
        self.mhi = 0
        self.mpending = False
        self.h = [0] * NCTX
        self.cp = [0] * NCTX
        self.x = [0] * NIN
        self.a2base = 0
        self.a3base = 0
        self._byte_contexts()
        self._find_all()

    # ------------------------------------------------------------------ context slots
    def _find(self, h: int) -> int:
        t = self.t
        check = h & 0xFF
        b0 = (h >> (32 - self.nbbits)) << 4
        for b in (b0, b0 ^ 16, b0 ^ 32):
            if t[b] == check:
                return b
        best = b0
        best_n = self.n0[t[b0 + 1]] + self.n1[t[b0 + 1]]
        for b in (b0 ^ 16, b0 ^ 32):
            nb = self.n0[t[b + 1]] + self.n1[t[b + 1]]
            if nb < best_n:
                best, best_n = b, nb
        t[best:best + 16] = bytes(16)
        t[best] = check
        return best

    def _find_all(self):
        if self.bitpos == 0:
            for i in range(NCTX):
                self.cp[i] = self._find(self.h[i])
        else:
            for i in range(NCTX):
                self.cp[i] = self._find(hash2(self.h[i], self.c0))

    def _byte_contexts(self):
        c4, c8 = self.c4, self.c8
        h = self.h
        h[0] = hash2(1, c4 & 0xFF)
        h[1] = hash2(2, c4 & 0xFFFF)
        h[2] = hash2(3, c4 & 0xFFFFFF)
        h[3] = hash2(4, c4)
        h[4] = hash2(hash2(6, c4), c8 & 0xFFFF)
        h[5] = hash2(hash2(7, self.word0), c4 & 0xFF)
        h[6] = hash2(hash2(8, self.word0), self.word1)
        if self.rlen:
            r = self.rlen
            above = self.buf[self.pos - r] if self.pos >= r else 0
            h[7] = hash2(hash2(9, r), above | (c4 & 0xFF) << 8)
        else:
            h[7] = hash2(10, (c4 >> 8) & 0xFFFF)
        h[8] = hash2(5, (c4 ^ ((c8 & 0xFF) * 0x2F0F1F1)) & M32)    # order 5
        self.a2base = (c4 & 0xFF) << 8
        self.a3base = (hash2(12, c4 & 0xFFFF) >> (32 - APM3_BITS)) & ~0xFF

    # ------------------------------------------------------------------ prediction
    def p(self) -> int:
        st, t, x = self.st, self.t, self.x
        nib = self.nib
        cnt = 0                        # how many of orders 1-4, 6 have seen this context
        for i in range(NCTX):
            s = t[self.cp[i] + nib]
            if i < 5 and s:
                cnt += 1
            x[i] = st[self.smp[i * 256 + s] >> 10]
        if self.mlen > 0:
            eb = self.buf[self.mptr]
            if ((eb | 256) >> (8 - self.bitpos)) == self.c0:
                ebit = (eb >> (7 - self.bitpos)) & 1
                m = self.mlen
                lq = m if m < 16 else min(31, 16 + ((m - 16) >> 3))
                self.mctx = (lq * 2 + ebit) * 256 + (self.c4 & 0xFF)
                x[NCTX] = st[self.mmp[self.mctx] >> 10]
                x[NCTX + 1] = (lq << 6) if ebit else -(lq << 6)
            else:
                self.mlen = 0
        if self.mlen == 0:
            self.mctx = -1
            x[NCTX] = 0
            x[NCTX + 1] = 0
        x[NCTX + 2] = 256
        # two weight sets: one chosen by the partial byte and the match length, one by the orders seen,
        # the match length and the top 3 bits of the last byte; their outputs are averaged in the
        # stretched domain
        m = self.mlen
        mb = 0 if m == 0 else (1 if m < 16 else (2 if m < 32 else 3))
        self.sel1 = self.c0 + 256 * mb
        self.sel2 = (cnt * 4 + mb) * 8 + ((self.c4 & 0xFF) >> 5)
        w, w2 = self.w, self.w2
        base, base2 = self.sel1 * NIN, self.sel2 * NIN
        dot = dot2 = 0
        for i in range(NIN):
            dot += x[i] * w[base + i]
            dot2 += x[i] * w2[base2 + i]
        sa = max(-2047, min(2047, dot >> MIXER_SHIFT))
        sb = max(-2047, min(2047, dot2 >> MIXER_SHIFT))
        self.pma = self.sq[sa + 2048]
        self.pmb = self.sq[sb + 2048]
        self.pm = pm = self.sq[((sa + sb) >> 1) + 2048]
        # two APM stages in a row, each output averaged 3:1 with its input
        s = st[pm] + 2048
        lo = s >> 7
        wt = s & 127
        self.s_w = wt
        j1 = self.c0 * 33 + lo
        self.j1 = j1
        self.lo1 = lo
        p1 = self._apm_p(self.a1, j1, lo, wt)
        pr = (pm + 3 * p1 + 2) >> 2
        s = st[pr] + 2048
        lo = s >> 7
        wt = s & 127
        self.s_w2 = wt
        j2 = ((self.a2base ^ self.c0) & ((1 << APM2_BITS) - 1)) * 33 + lo
        self.j2 = j2
        self.lo2 = lo
        p2 = self._apm_p(self.a2, j2, lo, wt)
        j3 = ((self.a3base ^ self.c0) & ((1 << APM3_BITS) - 1)) * 33 + lo
        self.j3 = j3
        p3 = self._apm_p(self.a3, j3, lo, wt)
        pr = (2 * pr + 3 * p2 + 3 * p3 + 4) >> 3
        return max(1, min(4095, pr))

    # ------------------------------------------------------------------ learning
    def update(self, y: int) -> None:
        t, nxt, rate = self.t, self.nxt, self.rate
        nib = self.nib
        target = y << 22
        for i in range(NCTX):
            idx = self.cp[i] + nib
            s = t[idx]
            j = i * 256 + s
            n = self.smn[j]
            self.smp[j] += ((target - self.smp[j]) * rate[n]) >> 16
            if n < SM_LIMIT:
                self.smn[j] = n + 1
            t[idx] = nxt[2 * s + y]
        if self.mctx >= 0:
            j = self.mctx
            n = self.mmn[j]
            self.mmp[j] += ((target - self.mmp[j]) * rate[n]) >> 16
            if n < MATCH_LIMIT:
                self.mmn[j] = n + 1
        x = self.x
        for w, base, pm in ((self.w, self.sel1 * NIN, self.pma), (self.w2, self.sel2 * NIN, self.pmb)):
            err = ((y << 12) - pm) * self.lrs
            for i in range(NIN):
                v = w[base + i] + ((x[i] * err + 0x20000) >> 18)
                w[base + i] = max(-W_LIMIT, min(W_LIMIT, v))
        self._apm_update(self.a1, self.j1 + (self.s_w >> 6), self.lo1 + (self.s_w >> 6), y)
        self._apm_update(self.a2, self.j2 + (self.s_w2 >> 6), self.lo2 + (self.s_w2 >> 6), y)
        self._apm_update(self.a3, self.j3 + (self.s_w2 >> 6), self.lo2 + (self.s_w2 >> 6), y)
        # next bit
        self.c0 = (self.c0 << 1) | y
        self.nib = (nib << 1) | y
        self.bitpos += 1
        if self.bitpos == 4:
            self.nib = 1
            if self.mpending:
                self._match_lookup()
            self._find_all()
        elif self.bitpos == 8:
            self._end_byte(self.c0 & 0xFF)

    def _apm_at(self, a, j, col):
        e = a.get(j, 0)
        return e & 0xFFFF if e else self.row[col]

    def _apm_p(self, a, j, lo, wt):
        return (self._apm_at(a, j, lo) * (128 - wt) + self._apm_at(a, j + 1, lo + 1) * wt) >> 11

    def _apm_update(self, a, j, col, y):
        """Move entry j (column col of its row) towards y at rate 1/(n + APM_N0 + 1.5), n its count."""
        p = self._apm_at(a, j, col)
        n = a.get(j, 0) >> 16
        p += (((y << 16) - p) * self.rate[n + APM_N0]) >> 16
        a[j] = (min(n + 1, APM_LIMIT) << 16) | p

    def _end_byte(self, c: int) -> None:
        buf = self.buf
        pos = self.pos
        buf[pos] = c              # the decoder's output (the encoder writes the same byte back)
        pos += 1
        self.pos = pos
        self.c8 = ((self.c8 << 8) | (self.c4 >> 24)) & M32
        self.c4 = ((self.c4 << 8) | c) & M32
        self.c0 = 1
        self.bitpos = 0
        self.nib = 1
        self.lrs = LR_MIN + (LR_BOOST * LR_HALF) // (pos + LR_HALF)
        # word model: letters, case folded
        if 65 <= c <= 90 or 97 <= c <= 122:
            self.word0 = ((self.word0 + (c | 32)) * 0x3B9ACA07) & M32
        elif self.word0:
            self.word1 = self.word0
            self.word0 = 0
        # record length: byte c recurring at one distance, the same distance seen repeatedly
        d1 = pos - self.lp1[c]
        if self.lp2[c] and d1 == self.lp1[c] - self.lp2[c] and 1 < d1 <= 4096:
            if d1 == self.rcand:
                self.rcount += 1
                if self.rcount >= 3:
                    self.rlen = d1
            else:
                self.rcand = d1
                self.rcount = 1
        self.lp2[c] = self.lp1[c]
        self.lp1[c] = pos
        # match model
        if self.mlen > 0:
            if buf[self.mptr] == c:
                self.mlen = min(MAXLEN, self.mlen + 1)
                self.mptr += 1
            else:
                self.mlen = 0
        # the match index is read at the middle of the next byte (the kernel prefetches it meanwhile)
        if pos >= MINLEN:
            self.mhi = hash2(hash2(11, self.c4), self.c8 & 0xFFFF) >> (32 - self.mbits)
            self.mpending = True
        self._byte_contexts()
        self._find_all()

    def _match_lookup(self) -> None:
        self.mpending = False
        buf, pos, hi = self.buf, self.pos, self.mhi
        cand = self.mt[hi]
        if self.mlen == 0 and cand > 0:
            n = 0
            while n < 32 and n < cand and buf[cand - 1 - n] == buf[pos - 1 - n]:
                n += 1
            if n >= MINLEN:
                self.mlen = n
                self.mptr = cand
        self.mt[hi] = pos


# ---------------------------------------------------------------------- the binary arithmetic coder
def encode(data: bytes, k: int) -> bytes:
    """Code ``data`` with a table of ``2**k`` bytes; the payload (no header)."""
    n = len(data)
    buf = bytearray(n)
    model = Model(k, buf)
    out = bytearray()
    x1, x2 = 0, M32
    for c in data:
        for b in range(7, -1, -1):
            y = (c >> b) & 1
            p = model.p()
            xmid = x1 + (x2 - x1 >> 12) * p
            if y:
                x2 = xmid
            else:
                x1 = xmid + 1
            model.update(y)
            while ((x1 ^ x2) & 0xFF000000) == 0:
                out.append(x2 >> 24)
                x1 = (x1 << 8) & M32
                x2 = ((x2 << 8) & M32) | 255
    if n:
        out.append(x1 >> 24)
    return bytes(out)


def decode(payload: bytes, n: int, k: int) -> bytes:
    """Decode ``n`` bytes; bytes past the payload's end read as 0xFF."""
    buf = bytearray(n)
    if n == 0:
        return b""
    model = Model(k, buf)
    end = len(payload)
    at = 0
    x = 0
    for _ in range(4):
        x = (x << 8) | (payload[at] if at < end else 255)
        at += 1
    x1, x2 = 0, M32
    for _ in range(n):
        for _b in range(8):
            p = model.p()
            xmid = x1 + (x2 - x1 >> 12) * p
            if x <= xmid:
                y = 1
                x2 = xmid
            else:
                y = 0
                x1 = xmid + 1
            model.update(y)
            while ((x1 ^ x2) & 0xFF000000) == 0:
                x1 = (x1 << 8) & M32
                x2 = ((x2 << 8) & M32) | 255
                x = ((x << 8) & M32) | (payload[at] if at < end else 255)
                at += 1
    return bytes(buf)


def costs(data: bytes, k: int) -> list:
    """The model's cost of each byte in bits, sum of -log2 of the coded bits' probabilities."""
    n = len(data)
    buf = bytearray(n)
    model = Model(k, buf)
    out = []
    for c in data:
        bits = 0.0
        for b in range(7, -1, -1):
            y = (c >> b) & 1
            p = model.p()
            bits -= math.log2((p if y else 4096 - p) / 4096.0)
            model.update(y)
        out.append(bits)
    return out
