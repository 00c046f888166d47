"""Pure-Python twin of the static models' scale search and quantisation (codelength/coders/_model.pyx).

The same steps in the same order as the kernel: ``math.log2`` is the C library's ``log2`` the kernel
calls, the sums run left to right, and the two indexed binary heaps break ties alike, so the two return
identical totals and frequencies (tests/test_arith.py). Plain builtins only.
"""
import math

from .arith import leb128, leb128_at

INF = float("inf")


class Heap:
    """Indexed binary min-heap over symbols 0..k-1 by ``key`` (ties: the smaller symbol on top)."""

    def __init__(self, key):
        self.key = key
        k = len(key)
        self.item = list(range(k))
        self.where = list(range(k))
        for i in range(k // 2 - 1, -1, -1):
            self.sift(i, False)

    def before(self, a, b):
        return self.key[a] < self.key[b] or (self.key[a] == self.key[b] and a < b)

    def sift(self, p, up=True):
        item, where = self.item, self.where
        s = item[p]
        while up and p > 0:
            parent = (p - 1) >> 1
            if not self.before(s, item[parent]):
                break
            item[p] = item[parent]
            where[item[p]] = p
            p = parent
        size = len(item)
        while True:
            child = 2 * p + 1
            if child >= size:
                break
            if child + 1 < size and self.before(item[child + 1], item[child]):
                child += 1
            if not self.before(item[child], s):
                break
            item[p] = item[child]
            where[item[p]] = p
            p = child
        item[p] = s
        where[s] = p


def _gain(w, f):
    return -(w * math.log2(float(f + 1) / float(f)))


def _loss(w, f):
    return INF if f <= 1 else w * math.log2(float(f) / float(f - 1))


def _water(w, order, cumulative, total):
    k = len(w)
    level = cumulative[0] / float(total - k + 1)
    for j in range(k):
        lam = cumulative[j] / float(total - k + j + 1)
        if order[j] >= lam:
            level = lam
    return [max(x / level, 1.0) for x in w]


def _log_ratio_sum(w, logw, log_sum, bits, den):
    total = 0.0
    for i in range(len(w)):
        total += w[i] * (logw[i] - log_sum + bits - math.log2(float(den[i])))
    return total


def _quantize(w, total, start):
    k = len(w)
    fi = [max(int(math.floor(x + 0.5)), 1) for x in start]
    diff = total - sum(fi)
    up = Heap([_gain(w[i], fi[i]) for i in range(k)])
    down = Heap([_loss(w[i], fi[i]) for i in range(k)])

    def rekey(a):
        up.key[a] = _gain(w[a], fi[a])
        down.key[a] = _loss(w[a], fi[a])
        up.sift(up.where[a])
        down.sift(down.where[a])

    while diff != 0:
        a = up.item[0] if diff > 0 else down.item[0]
        fi[a] += 1 if diff > 0 else -1
        diff += -1 if diff > 0 else 1
        rekey(a)
    for _ in range(4 * total + 4 * k):
        a, b = up.item[0], down.item[0]
        if a == b or not (-up.key[a] > down.key[b] * (1 + 1e-12) + 1e-300):
            break
        fi[a] += 1
        fi[b] -= 1
        rekey(a)
        rekey(b)
    return fi


def _leb128_bytes(f):
    n = 1
    while f >= 128:
        f >>= 7
        n += 1
    return n


def choose_scale(weights, scale, max_bits, low, only=-1):
    """Twin of ``_model.choose_scale``: ``(bits, freqs)`` for positive weights of maximum 1."""
    lo, hi = (only, only) if only >= 0 else (low, max_bits)
    k = len(weights)
    if k < 2 or not 1 <= lo <= hi <= 30 or (1 << hi) < k:
        raise ValueError("choose_scale needs two or more weights and totals 2**1..2**30 that hold them")
    w = [float(x) for x in weights]
    wsum = 0.0
    for x in w:
        wsum += x
    logw = [math.log2(x) for x in w]
    log_sum = math.log2(wsum)
    order = sorted(w, reverse=True)
    cumulative = [order[0]]
    for x in order[1:]:
        cumulative.append(cumulative[-1] + x)
    costs = [INF] * 32
    best, last, fi = INF, -1, None
    for bits in range(hi, lo - 1, -1):
        start = _water(w, order, cumulative, 1 << bits)
        bound = scale * _log_ratio_sum(w, logw, log_sum, bits, start) + 8.0 * k
        if bound > best + 1e-6:
            break
        fi = _quantize(w, 1 << bits, start)
        last = bits
        cost = scale * _log_ratio_sum(w, logw, log_sum, bits, fi)
        for f in fi:
            cost += 8.0 * _leb128_bytes(f)
        costs[bits] = cost
        best = min(best, cost)
    best, best_bits = INF, hi
    for bits in range(lo, hi + 1):
        if costs[bits] < best - 1e-9:
            best, best_bits = costs[bits], bits
    if best_bits != last:
        fi = _quantize(w, 1 << best_bits, _water(w, order, cumulative, 1 << best_bits))
    return best_bits, fi


# ----------------------------------------------------------------------------- the model section (LEB128)
def model_bytes(symbols, freqs, scale_bits, streams):
    """Twin of ``_model.model_bytes``: scale_bits, streams, LEB128 K, the K symbol gaps (the first
    symbol, then ``s_i - s_{i-1} - 1``) and the K - 1 frequencies minus one, as bytes."""
    symbols, freqs = [int(s) for s in symbols], [int(f) for f in freqs]
    if len(freqs) != len(symbols):
        raise ValueError("symbols and freqs differ in length")
    out = [scale_bits, streams] + list(leb128(len(symbols)))
    for i, s in enumerate(symbols):
        out += leb128(s if i == 0 else (s - symbols[i - 1] - 1) % (1 << 64))
    for f in freqs[:-1]:
        out += leb128((f - 1) % (1 << 64))
    return bytes(out)


def parse_model(model, alphabet_size):
    """Twin of ``_model.parse_model``: ``(symbols, freqs, scale_bits, streams)`` as lists, or
    CorruptDataError with the kernel's message."""
    from ..errors import CorruptDataError

    def number(pos):
        value, end = leb128_at(model, pos)
        if value is None:
            raise CorruptDataError("model section truncated" if end == 1 else "model section holds an over-long number")
        return value, end

    model = bytes(model)
    if len(model) < 3:
        raise CorruptDataError("model section too short")
    scale_bits, streams = model[0], model[1]
    if not 1 <= scale_bits <= 20:
        raise CorruptDataError(f"model total 2**{scale_bits} out of range")
    k, pos = number(2)
    if not 1 <= k <= min(alphabet_size, 1 << scale_bits):
        raise CorruptDataError(f"model lists {k} symbols (alphabet {alphabet_size}, total 2**{scale_bits})")
    if len(model) - pos < 2 * k - 1:
        raise CorruptDataError("model section truncated")
    symbols, s = [], -1
    for _ in range(k):
        gap, pos = number(pos)
        s += gap + 1
        symbols.append(s)
    freqs = []
    for _ in range(k - 1):
        f, pos = number(pos)
        freqs.append(f + 1)
    if pos != len(model):
        raise CorruptDataError("trailing bytes in the model section")
    if s >= alphabet_size:
        raise CorruptDataError("model symbol outside the alphabet")
    last = (1 << scale_bits) - sum(freqs)
    if last < 1:
        raise CorruptDataError("model frequencies exceed the total")
    return symbols, freqs + [last], scale_bits, streams


def dense_tables(symbols, freqs, size, by_rank):
    """Twin of ``_model.dense_tables``: lists ``freq`` and ``cum`` of ``size`` entries."""
    if len(freqs) != len(symbols):
        raise ValueError("symbols and freqs differ in length")
    keys = list(range(len(symbols))) if by_rank else [int(s) for s in symbols]
    if any(key >= size for key in keys):
        raise ValueError("model symbol past the tables")
    freq = [0] * size
    for key, f in zip(keys, freqs):
        freq[key] = int(f)
    cum, running = [], 0
    for f in freq:
        cum.append(running)
        running = (running + f) % (1 << 32)
    return freq, cum


def byte_model(data, max_bits=-1):
    """Twin of ``_model.byte_model``: ``(symbols, freqs, scale_bits)`` of a non-empty byte string, as
    ``StaticModel.from_data`` chooses them."""
    if not len(data):
        raise ValueError("byte_model needs at least one byte")
    counts = [0] * 256
    for b in data:
        counts[b] += 1
    symbols = [s for s in range(256) if counts[s]]
    k = len(symbols)
    low = (k - 1).bit_length()
    cap = min(20, max(15, low + 2), len(data).bit_length() + 2)
    if max_bits >= 0:
        cap = min(cap, max_bits)
    cap = max(cap, low, 1)
    if k == 1:
        return symbols, [2], 1
    w = [float(counts[s]) for s in symbols]
    top = max(w)
    bits, freqs = choose_scale([x / top for x in w], top, cap, max(1, low))
    return symbols, freqs, bits


def byte_tables(symbols, freqs, scale_bits):
    """Twin of ``_model.byte_tables``: lists ``freq``, ``cum`` (256 entries, by byte value), ``info``
    (``freq << 32 | cum``) and ``slot`` (``2**scale_bits`` entries: the symbol of each slot)."""
    symbols, freqs = [int(s) for s in symbols], [int(f) for f in freqs]
    if len(freqs) != len(symbols) or not symbols:
        raise ValueError("symbols and freqs differ in length or are empty")
    if not 1 <= scale_bits <= 20:
        raise ValueError("scale_bits must be 1..20")
    if (any(s > 255 for s in symbols) or any(b <= a for a, b in zip(symbols, symbols[1:]))
            or any(f == 0 for f in freqs)):
        raise ValueError("byte tables need strictly increasing byte symbols of frequency >= 1")
    if sum(freqs) != 1 << scale_bits:
        raise ValueError("the frequencies must sum to 2**scale_bits")
    freq, cum = dense_tables(symbols, freqs, 256, False)
    info = [(f << 32) | c for f, c in zip(freq, cum)]
    slot = [s for s, f in zip(symbols, freqs) for _ in range(f)]
    return freq, cum, info, slot
