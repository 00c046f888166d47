"""Entropy rate of a symbol sequence: Lempel-Ziv estimators and block-entropy differences.

The entropy rate of a stationary source is h = lim H(X_1..X_L) / L = lim H(X_L | X_1..X_{L-1}) (bits per
symbol). Unlike the order-k conditional entropies H_k, which assume a model of k symbols of context, the
Lempel-Ziv estimates assume no model order and hide no model cost: they converge (slowly, with a bias of
order 1/log n) to h for any stationary ergodic source.

==================  =====================================================================================
``"lz78"``          c log2 c / n, c the number of phrases of the LZ78 incremental parsing (Ziv & Lempel
                    1978). Converges from above for i.i.d. and Markov sources; slow (bias ~ 1/log n).
``"kontoyiannis"``  the mean over i of log2(i + 1) / Λ_i, Λ_i the length of the shortest string starting at
                    i that does not appear in the past x[:i] (one more than the longest match lying inside
                    the past). Increasing-window match lengths of Kontoyiannis, Algoet, Suhov & Wyner
                    (1998), averaged as in Gao, Kontoyiannis & Bienenstock (2008). Usually closer than
                    LZ78 at the same n; from below.
``"block"``         H(L) - H(L-1), H(L) the plug-in entropy of the overlapping L-blocks: exact in
                    expectation for a Markov source of order <= L - 1 once the blocks are well sampled;
                    far too low when they are not (``block_length`` chooses L; default the largest L with
                    at least 64 blocks per distinct block).
==================  =====================================================================================

The match lengths come from a suffix array (NumPy prefix doubling, each round sorting only the suffixes
not yet told apart; rounds: about log2 of the longest repeat) and the Cython kernel
:func:`codelength.measures._rate.longest_previous_nonoverlapping_factor` (O(n log n)); the LZ78 phrases from
:func:`codelength.measures._rate.lz78_phrase_count` (a hash-table trie). Memory, measured (peak RSS over
the interpreter's): ``"kontoyiannis"`` 108 bytes per input symbol on 1 MiB of random bytes, 106 on lcet10.txt, 129
on data that repeats itself at length (two copies of 512 KiB); ``"lz78"`` at most 64 bytes per phrase (10 MiB
for 1 MiB of text); ``"block"`` the block counts. Time per MiB (CPU, loaded machine): lz78 0.05 s,
kontoyiannis 0.53 s on text, 0.62 s on random bytes, 1.63 s on two copies of 512 KiB; block 0.012 s.

Two details follow the published definitions. The match at i lies inside the past (it may not run on
past position i, as an LZ77 match may): with overlaps allowed, a run of R equal bytes has matches R - 1,
R - 2, ... Second, the estimate averages log2(i + 1) / Λ_i, not the 1998 paper's inverse of the mean of
Λ_i / log2(i + 1): a repeat of length L puts about L^2 / 4 into the sum of the Λ_i, so in the inverse
form one long repeat outweighs everything else (0.45 bits/byte on the corpus's paper-100k.pdf, whose XMP
padding has runs of 2,000 spaces, where xz -9e needs 6.33), while in the mean each position weighs at
most log2(i + 1) (5.32 bits/byte there). Gao et al. show the mean form consistent for every stationary
ergodic source.
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


def _group_starts(changes: np.ndarray) -> np.ndarray:
    """For a sorted run of keys, the index where each element's run of equal keys starts."""
    positions = np.arange(changes.size, dtype=np.int64)
    return np.maximum.accumulate(np.where(changes, positions, 0))


def suffix_array(data) -> np.ndarray:
    """Suffix array of a symbol sequence (int64): the starts of its suffixes in lexicographic order.

    Prefix doubling with NumPy sorts in the manner of Larsson & Sadakane: ranks are the start of each
    suffix's group in sorted order, first by its first 7 symbols (bytes) or 1 symbol; then every round
    sorts only the suffixes still in a group of more than one, by (rank, rank of the suffix h further on),
    doubling h, until every group is a single suffix. A shorter suffix sorts before its extensions. Rounds:
    about log2 of the longest repeat; each costs O(m log m) for the m suffixes not yet told apart.
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
    order = np.argsort(key)
    sorted_key = key[order]
    changes = np.concatenate([[True], sorted_key[1:] != sorted_key[:-1]])
    rank = np.empty(n, dtype=np.int64)
    rank[order] = _group_starts(changes)
    # the suffixes in groups of two or more, in sorted order
    last = np.concatenate([changes[1:], [True]])
    active = order[~(changes & last)]
    while active.size and h < n:
        later = active + h
        second = np.zeros(active.size, dtype=np.int64)
        inside = later < n
        second[inside] = rank[later[inside]] + 1
        first = rank[active]
        key = first * (n + 1) + second  # < n (n + 1) + n + 1: one int64 key (n < 3e9), one sort
        by = np.argsort(key)
        active, first, key = active[by], first[by], key[by]
        new_group = np.concatenate([[True], first[1:] != first[:-1]])
        new_sub = np.concatenate([[True], key[1:] != key[:-1]])
        rank[active] = first + _group_starts(new_sub) - _group_starts(new_group)
        ends = np.concatenate([new_sub[1:], [True]])
        active = active[~(new_sub & ends)]
        h *= 2
    sa = np.empty(n, dtype=np.int64)
    sa[rank] = np.arange(n, dtype=np.int64)
    return sa


def lz78_phrases(data) -> int:
    """Number of phrases of the LZ78 incremental parsing of ``data`` (bytes or non-negative integers)."""
    from . import _rate
    s, alphabet = _dense(data)
    return int(_rate.lz78_phrase_count(s, alphabet))


def match_lengths(data) -> np.ndarray:
    """Λ_i - 1: for each position i, the longest match of data[i:] with a string lying inside data[:i]."""
    from . import _rate
    s, _ = _dense(data)
    return _rate.longest_previous_nonoverlapping_factor(s, suffix_array(s))


#: Up to this block length, byte sequences are counted by the n-gram kernel of codelength.stats.
_KERNEL_BLOCKS = 8


class _Blocks:
    """Counts of the overlapping blocks of a sequence for L = 1, 2, ...: the n-gram kernel for bytes up to
    8, else dense codes of the L-blocks extended one symbol at a time (np.unique; never overflow)."""

    def __init__(self, s: np.ndarray):
        self.s = s
        self.codes = np.zeros(s.size, dtype=np.int64)  # codes of the blocks of length self.length
        self.length = 0

    def counts(self, length: int) -> np.ndarray:
        s, n = self.s, self.s.size
        if s.dtype == np.uint8 and length <= _KERNEL_BLOCKS:
            from ..stats.context import ngram_counts
            return ngram_counts(s, length)[1]
        if self.length >= length:  # restart: the codes only grow
            self.codes, self.length = np.zeros(n, dtype=np.int64), 0
        while self.length < length:
            self.length += 1
            tail = s[self.length - 1:].astype(np.int64)
            _, codes = np.unique(self.codes[:n - self.length + 1] * (int(tail.max()) + 1) + tail,
                                 return_inverse=True)
            self.codes = codes.reshape(-1).astype(np.int64)
        return np.bincount(self.codes)


def block_entropies(data, max_length: int) -> np.ndarray:
    """Plug-in entropies H(1) .. H(max_length) of the overlapping blocks (bits; index 0 is H(0) = 0)."""
    from .discrete import entropy
    s, _ = _dense(data)
    blocks = _Blocks(s)
    out = np.zeros(max_length + 1)
    for length in range(1, max_length + 1):
        out[length] = entropy(blocks.counts(length)) if length <= s.size else out[length - 1]
    return out


def _auto_block_length(data) -> int:
    s, _ = _dense(data)
    n = s.size
    blocks = _Blocks(s)
    best = 1
    for length in range(1, min(MAX_AUTO_BLOCK, n) + 1):
        if n - length + 1 < BLOCKS_PER_DISTINCT * blocks.counts(length).size:
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
        - ``"kontoyiannis"``: :math:`\\hat h = \\frac1{n-1} \\sum_{i=1}^{n-1}
          \\frac{\\log_2(i + 1)}{\\Lambda_i}`, Λ_i = 1 + the longest match at i inside the past
          (module notes).
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
    (1.0, 0.93)
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
        return math.fsum((weights / lam).tolist()) / (n - 1) / scale
    length = _auto_block_length(s) if block_length is None else check_integer(block_length, "block_length")
    if length < 1:
        raise ValueError(f"block_length must be at least 1, got {length}")
    h = block_entropies(s, length)
    return float(max(h[length] - h[length - 1], 0.0)) / scale
