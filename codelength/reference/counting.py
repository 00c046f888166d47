"""Pure-Python twins of the counting, entropy, n-gram and code-length kernels (codelength._kernels).

Same signatures and results as the public functions built on the kernels, with lists for arrays.
"""
from __future__ import annotations

import math


def _symbols(data):
    """Bytes-like data as a list of byte values; sequences of ints as a list (validated)."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return list(bytes(data)), True
    values = [int(v) for v in data]
    for v in values:
        if v < 0:
            raise ValueError("symbols must be non-negative integers; found a negative value")
    return values, False


def counts(data, alphabet_size=None):
    """Occurrences of each symbol: ``c[s]`` for s in range(alphabet_size)."""
    symbols, is_bytes = _symbols(data)
    if alphabet_size is None:
        alphabet_size = 256 if is_bytes else (max(symbols) + 1 if symbols else 0)
    out = [0] * alphabet_size
    for s in symbols:
        if s >= alphabet_size:
            raise ValueError(f"symbol {s} is outside the alphabet of {alphabet_size} symbols")
        out[s] += 1
    return out


def file_counts(path, *, chunk_size=1 << 22, threads=1, progress=None):
    """Byte counts of a file read in pieces (``threads`` is accepted and ignored)."""
    out = [0] * 256
    with open(path, "rb") as handle:
        while True:
            piece = handle.read(chunk_size)
            if not piece:
                return out
            for b in piece:
                out[b] += 1
            if progress is not None:
                progress(len(piece))


def joint_counts(x, y, alphabet_sizes=None):
    """Counts of pairs ``(x[i], y[i])`` as a list of rows ``c[x][y]``."""
    xs, x_bytes = _symbols(x)
    ys, y_bytes = _symbols(y)
    if len(xs) != len(ys):
        raise ValueError("x and y must have the same length")
    if alphabet_sizes is None:
        nx = 256 if x_bytes else (max(xs) + 1 if xs else 0)
        ny = 256 if y_bytes else (max(ys) + 1 if ys else 0)
    else:
        nx, ny = alphabet_sizes
    out = [[0] * ny for _ in range(nx)]
    for a, b in zip(xs, ys):
        out[a][b] += 1
    return out


def entropy_of_counts(c):
    """Entropy in nats of integer counts: sum over c > 0 of (c/N) log(N/c)."""
    total = sum(c)
    if total == 0:
        return 0.0
    return math.fsum(v / total * math.log(total / v) for v in c if v > 0)


def entropy(pk, base=None):
    """Entropy of counts (ints) or probabilities (floats summing to 1), in bits unless ``base`` is given."""
    scale = math.log(2.0 if base is None else base)
    if all(isinstance(v, int) for v in pk):
        return entropy_of_counts(pk) / scale
    return math.fsum(-p * math.log(p) for p in pk if p > 0) / scale


def empirical_entropy(data, base=None):
    """Entropy of the empirical symbol distribution of ``data``."""
    return entropy(counts(data), base)


def ngram_counts(data, n):
    """Distinct n-grams of bytes and their counts: ``(keys, counts)`` sorted by key, keys packed big-endian."""
    raw = bytes(data)
    table = {}
    for i in range(len(raw) - n + 1):
        key = int.from_bytes(raw[i:i + n], "big")
        table[key] = table.get(key, 0) + 1
    keys = sorted(table)
    return keys, [table[k] for k in keys]


def context_entropy(data, order=1, base=None):
    """H(X_t | previous ``order`` bytes) = sum over (ctx, s) of (c(ctx,s)/N) log(c(ctx)/c(ctx,s))."""
    keys, grams = ngram_counts(data, order + 1)
    total = sum(grams)
    if total == 0:
        return 0.0
    context_totals = {}
    for key, c in zip(keys, grams):
        context_totals[key >> 8] = context_totals.get(key >> 8, 0) + c
    nats = math.fsum(c / total * math.log(context_totals[key >> 8] / c) for key, c in zip(keys, grams))
    return nats / math.log(2.0 if base is None else base)


def context_entropies(data, max_order=3, base=None):
    """``[H_0, ..., H_max_order]``."""
    return [context_entropy(data, k, base) for k in range(max_order + 1)]


def symbol_code_lengths(model):
    """``-log2 q(s)`` per symbol for counts (ints) or probabilities; ``inf`` where q(s) = 0."""
    if all(isinstance(v, int) for v in model):
        total = sum(model)
        return [math.log2(total / c) if c else math.inf for c in model]
    return [-math.log2(p) if p > 0 else math.inf for p in model]


def ideal_code_lengths(data, model):
    """``(lengths, total_bits, impossible_symbols)`` of ``data`` under ``model``."""
    table = symbol_code_lengths(model)
    symbols, _ = _symbols(data)
    lengths = []
    for s in symbols:
        if s >= len(table):
            raise ValueError(f"symbol {s} is outside the alphabet of {len(table)} symbols")
        lengths.append(table[s])
    impossible = sorted({s for s in symbols if math.isinf(table[s])})
    total = math.inf if impossible else math.fsum(lengths)
    return lengths, total, impossible
