"""Entropy rate of a symbol sequence: Lempel-Ziv estimators and block-entropy differences.

The entropy rate of a stationary source is h = lim H(X_1..X_L) / L = lim H(X_L | X_1..X_{L-1}) (bits per
symbol). Unlike the order-k conditional entropies H_k, which assume a model of k symbols of context, the
Lempel-Ziv estimates assume no model order and hide no model cost: they converge (slowly, with a bias of
order 1/log n) to h for any stationary ergodic source.

==================  =====================================================================================
``"lz78"``          c log2 c / n, c the number of phrases of the LZ78 incremental parsing (Ziv & Lempel
                    1978). Converges from above for i.i.d. and Markov sources; slow (bias ~ 1/log n).
``"kontoyiannis"``  n / Σ_i Λ_i / log2(i + 1), Λ_i one more than the longest match of the sequence starting
                    at i with one starting before i (increasing-window estimator of Kontoyiannis, Algoet,
                    Suhov & Wyner 1998). Usually closer than LZ78 at the same n.
``"block"``         H(L) - H(L-1), H(L) the plug-in entropy of the overlapping L-blocks: exact in
                    expectation for a Markov source of order <= L - 1 once the blocks are well sampled;
                    far too low when they are not (``block_length`` chooses L; default the largest L with
                    at least 64 blocks per distinct block).
==================  =====================================================================================

The match lengths come from a suffix array (NumPy prefix doubling, O(n log n) per round, at most log2 n
rounds) and the Cython kernel :func:`codelength.measures._rate.longest_previous_factor` (O(n)); the LZ78
phrases from :func:`codelength.measures._rate.lz78_phrase_count` (a hash-table trie). Memory: about 64 bytes
per input symbol for ``"kontoyiannis"``, at most 64 bytes per LZ78 phrase for ``"lz78"``, and the block
counts for ``"block"``.

Matches here may overlap position i (run on past i, as in LZ77); Kontoyiannis et al. require the match
to lie inside the past. The two agree except on very repetitive data, and have the same limit.
"""
from __future__ import annotations

import math

import numpy as np

from ..stats.counting import as_symbols, check_integer
from .discrete import log_base

#: Estimators of :func:`entropy_rate`.
RATE_METHODS = ("lz78", "kontoyiannis", "block")
#: The default block length keeps at least this many blocks per distinct block (plug-in bias ~ 1/(2 ln2 · this)).
BLOCKS_PER_DISTINCT = 64.0
#: Longest automatic block length.
MAX_AUTO_BLOCK = 12


def _dense(data) -> tuple[np.ndarray, int]:
    """The sequence as a contiguous uint8 (alphabet <= 256) or int64 array of dense codes, and the alphabet size."""
    symbols, is_bytes = as_symbols(data)
    if symbols.size == 0:
        return np.zeros(0, dtype=np.uint8), 1
    if is_bytes or (symbols.dtype.kind in "iu" and int(symbols.max()) < 256):
        return np.ascontiguousarray(symbols, dtype=np.uint8), 256
    values, inverse = np.unique(symbols, return_inverse=True)
    if values.size <= 256:
        return np.ascontiguousarray(inverse.reshape(-1), dtype=np.uint8), 256
    return np.ascontiguousarray(inverse.reshape(-1), dtype=np.int64), int(values.size)


def suffix_array(data) -> np.ndarray:
    """Suffix array of a symbol sequence (int64): the starts of its suffixes in lexicographic order.

    Prefix doubling with NumPy sorts: ranks of the first 7 symbols (bytes) or 1 symbol, then of 2h from
    pairs of ranks of h, until all ranks differ. A shorter suffix sorts before its extensions.
    """
    s, alphabet = _dense(data)
    n = s.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if s.dtype == np.uint8:
        h = min(7, n)
        key = np.zeros(n, dtype=np.int64)
        padded = np.concatenate([s.astype(np.int64) + 1, np.zeros(h, dtype=np.int64)])
        for j in range(h):  # Σ (s[i+j] + 1) 257^(h-1-j), 0 past the end: < 257^7 < 2^57
            key = key * 257 + padded[j:j + n]
    else:
        h = 1
        key = s.astype(np.int64)
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.concatenate([[0], np.cumsum(sorted_key[1:] != sorted_key[:-1])])
    while rank.max() < n - 1 and h < n:
        second = np.zeros(n, dtype=np.int64)
        second[:n - h] = rank[h:] + 1
        key = rank * (n + 1) + second  # < n (n + 1) + n + 1: int64 up to n ~ 3e9
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        rank[order] = np.concatenate([[0], np.cumsum(sorted_key[1:] != sorted_key[:-1])])
        h *= 2
    return np.argsort(rank, kind="stable").astype(np.int64)


def lz78_phrases(data) -> int:
    """Number of phrases of the LZ78 incremental parsing of ``data`` (bytes or non-negative integers)."""
    from . import _rate
    s, alphabet = _dense(data)
    return int(_rate.lz78_phrase_count(s, alphabet))


def match_lengths(data) -> np.ndarray:
    """Λ_i - 1: for each position i, the longest match of data[i:] with a sequence starting before i."""
    from . import _rate
    s, _ = _dense(data)
    return _rate.longest_previous_factor(s, suffix_array(s))


def block_entropies(data, max_length: int) -> np.ndarray:
    """Plug-in entropies H(1) .. H(max_length) of the overlapping blocks (bits; index 0 is H(0) = 0)."""
    from .discrete import entropy
    s, _ = _dense(data)
    n = s.size
    out = np.zeros(max_length + 1)
    codes = np.zeros(n, dtype=np.int64)
    width = 0
    for length in range(1, max_length + 1):
        if length > n:
            out[length] = out[length - 1]
            continue
        # codes of the blocks s[i:i+length], made dense again at every length (never overflow)
        tail = s[length - 1:].astype(np.int64)
        width = int(tail.max()) + 1
        combined = codes[:n - length + 1] * width + tail
        _, codes = np.unique(combined, return_inverse=True)
        codes = codes.reshape(-1).astype(np.int64)
        out[length] = entropy(np.bincount(codes))
    return out


def _auto_block_length(data) -> int:
    s, _ = _dense(data)
    n = s.size
    best = 1
    codes = np.zeros(n, dtype=np.int64)
    for length in range(1, min(MAX_AUTO_BLOCK, n) + 1):
        tail = s[length - 1:].astype(np.int64)
        _, codes = np.unique(codes[:n - length + 1] * (int(tail.max()) + 1) + tail, return_inverse=True)
        codes = codes.reshape(-1).astype(np.int64)
        distinct = int(codes.max()) + 1
        if n - length + 1 < BLOCKS_PER_DISTINCT * distinct:
            break
        best = length
    return max(best, 2) if n >= 2 else 1


def entropy_rate(data, method: str = "lz78", base=None, *, block_length: int | None = None) -> float:
    """Estimate the entropy rate (per symbol) of the source of a sequence, with no model order assumed.

    Parameters
    ----------
    data : bytes-like or array_like of non-negative integers
        One sample path of a stationary source.
    method : {"lz78", "kontoyiannis", "block"}
        - ``"lz78"``: :math:`\\hat h = c \\log_2 c / n`, c = number of LZ78 phrases.
        - ``"kontoyiannis"``: :math:`\\hat h = \\left(\\frac1{n-1} \\sum_{i=1}^{n-1}
          \\frac{\\Lambda_i}{\\log_2(i + 1)}\\right)^{-1}`, Λ_i = 1 + the longest match at i (module notes).
        - ``"block"``: :math:`H(L) - H(L-1)` of overlapping L-blocks.
    base : float, optional
        Logarithm base; default 2 (bits per symbol).
    block_length : int, optional
        L of ``"block"`` (>= 1; L = 1 gives H(1), the order-0 entropy). Default: the largest L <= 12
        with at least 64 blocks per distinct block, and at least 2.

    Returns
    -------
    float
        The estimate; 0 for sequences of fewer than 2 symbols. None of the estimators is clipped to the
        alphabet's log: LZ78 overestimates on short inputs.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.integers(0, 2, 100_000)            # fair coin: 1 bit per symbol
    >>> round(entropy_rate(x, "block"), 2), round(entropy_rate(x, "kontoyiannis"), 2)   # the latter: from below
    (1.0, 0.92)
    """
    scale = log_base(base) / math.log(2.0)
    if not isinstance(method, str) or method not in RATE_METHODS:
        raise ValueError(f"unknown entropy-rate method {method!r}; choose one of {', '.join(RATE_METHODS)}")
    if method != "block" and block_length is not None:
        raise ValueError("block_length is used only by method='block'")
    s, alphabet = _dense(data)
    n = s.size
    if n < 2:
        return 0.0
    if method == "lz78":
        c = lz78_phrases(s)
        return c * math.log2(c) / n / scale
    if method == "kontoyiannis":
        lam = match_lengths(s)[1:] + 1.0
        weights = np.log2(np.arange(2, n + 1, dtype=np.float64))
        return (n - 1) / math.fsum((lam / weights).tolist()) / scale
    length = _auto_block_length(s) if block_length is None else check_integer(block_length, "block_length")
    if length < 1:
        raise ValueError(f"block_length must be at least 1, got {length}")
    h = block_entropies(s, length)
    return float(max(h[length] - h[length - 1], 0.0)) / scale
