"""Prefix codes: optimal (Huffman) and length-limited code lengths, canonical code words, Shannon code
lengths, the Kraft sum, and a code table to read.

For symbol probabilities ``p_s`` and code lengths ``l_s`` the average code length is
``L = sum_s p_s l_s`` and the entropy ``H = -sum_s p_s log2 p_s``. Every uniquely decodable code has
``L >= H`` and Kraft sum ``K = sum_s 2**-l_s <= 1``; Huffman's code is optimal and has ``L < H + 1``;
Shannon's lengths ``ceil(-log2 p_s)`` also satisfy ``H <= L < H + 1`` but are not optimal in general.

Example
-------
>>> from codelength import CodeTable
>>> print(CodeTable.from_data(b"abracadabra"))          # doctest: +SKIP
"""
from __future__ import annotations

import math
import operator
from fractions import Fraction

import numpy as np

from . import _prefix
from ..measures.discrete import entropy, symbol_code_lengths
from ..reference import huffman as _twin

__all__ = ["huffman_code_lengths", "canonical_codes", "code_words", "shannon_code_lengths", "kraft_sum",
           "CodeTable"]


def _weights(counts, name="counts"):
    """1-D array of non-negative finite weights; integer dtype (int64) when every weight is an integer."""
    array = np.asarray(counts)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)
    if not isinstance(counts, np.ndarray) and array.dtype.kind in "uf" and all(
            isinstance(v, int) and not isinstance(v, bool) for v in counts):
        array = np.array(list(counts), dtype=object)  # numpy made Python ints >= 2**63 float: keep them exact
    if array.dtype == np.uint64 and array.max() > np.iinfo(np.int64).max:
        array = np.array([int(v) for v in array], dtype=object)  # exact, through the twin
    if array.dtype == object and all(isinstance(v, int) and not isinstance(v, bool) for v in array):
        if min(array) < 0:
            raise ValueError(f"{name} must be non-negative")
        return array  # Python integers beyond 64 bits: the twin handles them exactly
    if array.dtype == bool or not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise TypeError(f"{name} must be numbers, got dtype {array.dtype}")
    if np.issubdtype(array.dtype, np.floating):
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name} must be finite")
    if array.size and array.min() < 0:
        raise ValueError(f"{name} must be non-negative")
    if np.issubdtype(array.dtype, np.integer):
        return array.astype(np.int64)
    return array.astype(np.float64)


def huffman_code_lengths(counts, max_length: int | None = None, *, radix: int = 2) -> np.ndarray:
    """Optimal prefix-code lengths for symbol counts (or weights), optionally limited to ``max_length``.

    Minimises ``sum_s counts[s] * l_s`` over prefix codes (Kraft: ``sum_s 2**-l_s <= 1``), with
    ``l_s <= max_length`` when given. Unlimited: Huffman's algorithm; when Huffman's longest word exceeds
    ``max_length``: package-merge (Larmore and Hirschberg), which is optimal under the limit.

    Ties are broken deterministically: symbols are ranked by (count, symbol index), and a merged node
    never goes before a leaf of equal weight, so equal input always gives the same code.

    Parameters
    ----------
    counts : array_like
        Non-negative counts (integers, computed exactly) or weights (floats, e.g. probabilities).
        Symbols of count 0 get length 0 (no code word).
    max_length : int, optional
        Longest allowed code word; must satisfy ``2**max_length >= number of used symbols``.
    radix : int, optional
        Size r >= 2 of the code alphabet (default 2, binary). For r > 2 the lengths are in r-ary digits
        of the optimal r-ary prefix code (Huffman with zero-weight dummy symbols, so every merge takes
        r nodes: :func:`codelength.codes.classic.huffman_tree`); ``max_length`` applies to r = 2 only.

    Returns
    -------
    numpy.ndarray of int64
        ``l_s`` for every symbol. A single used symbol gets a 1-bit word.

    Raises
    ------
    ValueError
        If the counts are negative, NaN or infinite, not one-dimensional, or the used symbols do not fit
        ``max_length`` (``max_length < ceil(log2 used)``), or ``max_length < 1``.
    TypeError
        If the counts are not numbers (booleans, strings, objects) or ``max_length`` is not an integer.
    """
    if not (type(radix) is int and radix == 2):
        from .classic import _radix, radix_huffman_code_lengths
        if _radix(radix) != 2:
            if max_length is not None:
                raise ValueError("max_length applies to binary codes (radix=2) only")
            return radix_huffman_code_lengths(counts, radix)
    weights = _weights(counts)
    if max_length is not None:
        try:
            if isinstance(max_length, (bool, np.bool_)):
                raise TypeError
            max_length = operator.index(max_length)
        except TypeError:
            raise TypeError("max_length must be an integer or None") from None
        if max_length < 1:
            raise ValueError(f"max_length must be at least 1, got {max_length}")
        used = int(np.count_nonzero(weights))
        if used > 1 and (max_length < 63 and (1 << max_length) < used):
            raise ValueError(f"{used} used symbols do not fit a prefix code with words of at most "
                             f"{max_length} bits (need at least {(used - 1).bit_length()})")
    # the kernel sums counts in int64: a total beyond 2**63 - 1 would wrap, so the twin takes it
    if weights.dtype == np.int64 and (not weights.size or
                                      int(weights.max()) * weights.size <= np.iinfo(np.int64).max or
                                      sum(weights.tolist()) <= np.iinfo(np.int64).max):
        limit = 0 if max_length is None or max_length >= 62 else max_length
        try:
            lengths = _prefix.code_lengths(np.ascontiguousarray(weights), limit).astype(np.int64)
        except OverflowError:
            pass  # lengths beyond 255 bits: only the twin's Python integers carry them
        else:
            if max_length is None or not lengths.size or lengths.max() <= max_length:
                return lengths
            # a limit of 62 bits or more binds: the twin's package-merge applies it
    lengths = _twin.huffman_code_lengths(weights.tolist(), max_length)
    return np.asarray(lengths, dtype=np.int64)


MAX_WORD_BITS = 1 << 20  # longest code word the exact functions accept (they build 2**l-sized integers)


def _lengths(lengths) -> list[int]:
    array = np.asarray(lengths)
    if array.ndim != 1:
        raise ValueError(f"lengths must be one-dimensional, got shape {array.shape}")
    if array.dtype == bool or (array.dtype == object and any(isinstance(v, (bool, np.bool_)) for v in array)):
        raise TypeError("lengths must be integers, not booleans")
    if array.size and not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
                           or array.dtype == object):
        raise TypeError(f"lengths must be integers, got dtype {array.dtype}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        if array.dtype == object:
            if not all(isinstance(v, (int, float, np.integer, np.floating)) for v in array):
                raise TypeError("lengths must be integers")
            array = array.astype(np.float64) if not all(isinstance(v, (int, np.integer)) for v in array) else array
        if array.dtype != object and not np.all(np.isfinite(array)):
            raise TypeError("lengths must be integers (finite)")
        if not np.all(np.equal(np.mod(array, 1), 0)):
            raise TypeError("lengths must be integers")
    values = [int(v) for v in array]
    if any(v < 0 for v in values):
        raise ValueError("lengths must be non-negative (0 = symbol without a code word)")
    if any(v > MAX_WORD_BITS for v in values):
        raise ValueError(f"code lengths above {MAX_WORD_BITS} bits are not supported")
    return values


def kraft_sum(lengths) -> Fraction:
    """Kraft sum ``K = sum_s 2**-l_s`` over the used symbols (``l_s > 0``), exactly.

    A prefix code with these lengths exists iff ``K <= 1``; the code is complete iff ``K == 1``.

    Parameters
    ----------
    lengths : array_like of int
        ``l_s`` per symbol, 0 for unused symbols, each at most ``MAX_WORD_BITS`` (2**20).

    Returns
    -------
    fractions.Fraction
        ``K`` exactly (use ``float(K)`` for a number); 0 when no symbol is used.

    Raises
    ------
    ValueError
        For negative lengths, lengths above ``MAX_WORD_BITS``, or not one-dimensional input.
    TypeError
        For non-integer lengths (2.5, NaN, booleans, strings).
    """
    values = [v for v in _lengths(lengths) if v]
    if not values:
        return Fraction(0)
    top = max(values)
    return Fraction(sum(1 << (top - v) for v in values), 1 << top)


def canonical_codes(lengths) -> np.ndarray:
    """Canonical code words for code lengths (RFC 1951, 3.2.2), so a code is described by its lengths.

    Shorter words come first, and within one length the words are consecutive integers in symbol
    order: ``code[s] = next_code[l_s]++`` with ``next_code[l] = (next_code[l-1] + count[l-1]) << 1``.

    Parameters
    ----------
    lengths : array_like of int
        ``l_s`` per symbol, 0 for unused symbols; must satisfy Kraft ``sum 2**-l_s <= 1``.

    Returns
    -------
    numpy.ndarray
        The code word of each symbol as an integer whose ``l_s`` low bits, most significant first, are
        the word (0 for unused symbols). dtype uint64, or object (Python ints) beyond 64-bit words.

    Raises
    ------
    ValueError
        If the lengths violate the Kraft inequality (no prefix code has them), are negative, or exceed
        ``MAX_WORD_BITS``.
    TypeError
        For non-integer lengths.
    """
    values = _lengths(lengths)
    if kraft_sum(values) > 1:
        raise ValueError("these lengths violate the Kraft inequality: no prefix code has them")
    codes = _twin.canonical_codes(values)
    if max(values, default=0) <= 64:
        return np.asarray(codes, dtype=np.uint64)
    return np.asarray(codes, dtype=object)


def code_words(lengths) -> list[str]:
    """Canonical code words as strings of '0' and '1' ('' for unused symbols).

    The word of symbol ``s`` is :func:`canonical_codes`'s ``code[s]`` written in ``l_s`` binary digits,
    most significant first.

    Parameters
    ----------
    lengths : array_like of int
        ``l_s`` per symbol (0 = unused); Kraft ``sum 2**-l_s <= 1``.

    Returns
    -------
    list of str

    Raises
    ------
    ValueError, TypeError
        As :func:`canonical_codes`.
    """
    values = _lengths(lengths)
    codes = canonical_codes(values)
    return [format(int(c), f"0{v}b") if v else "" for c, v in zip(codes, values)]


def shannon_code_lengths(probs_or_counts) -> np.ndarray:
    """Shannon code lengths ``l_s = ceil(-log2 p_s)`` (0 for ``p_s = 0``).

    Integer counts are handled exactly (``p_s = c_s / N``; ``l_s`` is the least ``l`` with
    ``c_s 2**l >= N``); float input is read as probabilities or weights and normalised to sum 1.
    Their Kraft sum is at most 1 and their average length ``L`` satisfies ``H <= L < H + 1``.

    Parameters
    ----------
    probs_or_counts : array_like
        Non-negative integer counts (exact, any size) or finite float weights (any scale).

    Returns
    -------
    numpy.ndarray of int64
        ``l_s`` per symbol; all zeros when nothing is used.

    Raises
    ------
    ValueError
        For negative, NaN or infinite values, or not one-dimensional input.
    TypeError
        For booleans, strings or other non-numbers.
    """
    weights = _weights(probs_or_counts, "probs_or_counts")
    if weights.dtype != np.float64:
        total = sum(int(c) for c in weights)  # Python integers: an int64 sum could wrap
        return np.asarray([((-(-total // int(c))) - 1).bit_length() if c else 0 for c in weights],
                          dtype=np.int64)
    if not weights.size or weights.max() <= 0:
        return np.zeros(weights.size, dtype=np.int64)
    # -log2 p_s = log2 N - log2 w_s with log2 N = log2 m + log2 sum(w / m), m the largest weight: the raw
    # sum may overflow to inf and w / N may underflow to 0, their logarithms do neither
    largest = float(weights.max())
    log_total = math.log2(largest) + math.log2(float((weights / largest).sum()))
    # a tiny tolerance so that exact powers of two (p = 0.25) are not pushed up by rounding
    return np.asarray([max(0, math.ceil(log_total - math.log2(w) - 1e-12)) if w > 0 else 0 for w in weights],
                      dtype=np.int64)


def _text_label(key) -> str:
    """How a labelled symbol (a word, a character) is shown: itself, or quoted when blank or control."""
    text = key if isinstance(key, str) else repr(key)
    if not text or text.isspace() or not text.isprintable():
        return repr(text)
    return text


def _tokens(data):
    """``(keys, counts)`` of labelled tokens (a str is its characters), or None for symbol data."""
    if isinstance(data, str):
        data = list(data)
    elif isinstance(data, (bytes, bytearray, memoryview, np.ndarray)):
        return None
    elif isinstance(data, (list, tuple)) and data and not all(
            isinstance(t, (int, np.integer)) and not isinstance(t, (bool, np.bool_)) for t in data):
        if any(isinstance(t, (list, dict, set, np.ndarray)) for t in data):
            raise TypeError("tokens must be hashable values (words, characters), not lists or arrays")
    else:
        return None
    from collections import Counter
    tally = Counter(data)  # first-appearance order
    return list(tally.keys()), list(tally.values())


def _label(symbol: int, is_bytes: bool) -> str:
    if is_bytes:
        char = chr(symbol)
        if char == " ":
            return "' '"
        if 32 < symbol < 127:
            return char
        return {10: "\\n", 13: "\\r", 9: "\\t"}.get(symbol, f"0x{symbol:02x}")
    return str(symbol)


class CodeTable:
    """A prefix code laid out as a table: symbol, count, probability, ``-log2 p``, code word, length.

    With totals: average length ``L = sum p_s l_s``, entropy ``H = -sum p_s log2 p_s``, redundancy
    ``L - H`` (bits per symbol), the Kraft sum, and the total coded size ``sum c_s l_s`` bits.
    ``str(table)`` renders it for reading (what a teacher writes on the board).

    Build it with :meth:`from_counts` or :meth:`from_data`; symbols may be labelled (words, characters
    of any script): ``CodeTable.from_counts({"the": 50, "cat": 3})``, ``CodeTable.from_data("héllo")``,
    ``CodeTable.from_data(text.split())``.
    """

    def __init__(self, counts, lengths, *, is_bytes: bool = False, method: str = "huffman",
                 max_length: int | None = None, keys=None):
        counts = _weights(counts)
        if counts.dtype != np.int64:
            raise TypeError("CodeTable needs integer counts (of at most 63 bits)")
        self.counts = counts
        self.lengths = np.asarray(_lengths(lengths), dtype=np.int64)
        if self.counts.shape != self.lengths.shape:
            raise ValueError("counts and lengths must have the same shape")
        if np.count_nonzero(self.counts) > 1 and np.any((self.counts > 0) & (self.lengths == 0)):
            # (a lone symbol may have length 0: Shannon's ceil(-log2 1) = 0)
            raise ValueError("every symbol of non-zero count needs a code word (length >= 1)")
        self.is_bytes = is_bytes
        self.method = method
        self.max_length = None if max_length is None else operator.index(max_length)  # a plain int: JSON-ready
        self.total = sum(self.counts.tolist())  # Python integers: an int64 sum could wrap
        self.symbols = np.flatnonzero(self.counts)
        self.words = code_words(self.lengths)
        self.shannon_lengths = shannon_code_lengths(self.counts)
        #: the labelled symbols (one per index), or None for bytes / integer symbols
        self.keys = None if keys is None else list(keys)
        if self.keys is not None and len(self.keys) != self.counts.size:
            raise ValueError("one key per symbol is needed")

    @classmethod
    def from_counts(cls, counts, max_length: int | None = None, *, method: str = "huffman",
                    is_bytes: bool = False) -> "CodeTable":
        """Code table of the optimal code (``method="huffman"``, optionally length-limited) or of the
        Shannon code (``method="shannon"``) for integer ``counts``: an array indexed by symbol, or a
        dict ``{symbol: count}`` of labelled symbols (words, characters), kept in the dict's order."""
        keys = None
        if isinstance(counts, dict):
            keys = list(counts.keys())
            counts = list(counts.values())
            if any(isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) for v in counts):
                raise TypeError("CodeTable needs integer counts")
        weights = _weights(counts)
        if weights.dtype != np.int64:
            raise TypeError("CodeTable needs integer counts (of at most 63 bits)")
        if method == "huffman":
            lengths = huffman_code_lengths(weights, max_length)
        elif method == "shannon":
            if max_length is not None:
                raise ValueError("max_length applies to method='huffman' only")
            lengths = shannon_code_lengths(weights)
        else:
            raise ValueError(f"unknown method {method!r}; choose 'huffman' or 'shannon'")
        return cls(weights, lengths, is_bytes=is_bytes, method=method, max_length=max_length, keys=keys)

    @classmethod
    def from_data(cls, data, max_length: int | None = None, *, method: str = "huffman") -> "CodeTable":
        """Code table for the symbol counts of ``data``: bytes, an integer array, a str (its characters)
        or a list of tokens (words, any hashable values; labelled in order of first appearance)."""
        tokens = _tokens(data)
        if tokens is not None:
            keys, tally = tokens
            return cls.from_counts(dict(zip(keys, tally)), max_length, method=method)
        from ..stats.counting import as_symbols, counts
        _, is_bytes = as_symbols(data)
        return cls.from_counts(counts(data), max_length, method=method, is_bytes=is_bytes)

    # ---- per-symbol columns (used symbols only, in symbol order) ----
    @property
    def probabilities(self) -> np.ndarray:
        """``p_s = c_s / N`` of the used symbols."""
        return self.counts[self.symbols] / float(self.total) if self.total else np.zeros(0)

    @property
    def information(self) -> np.ndarray:
        """``-log2 p_s`` of the used symbols (bits; exactly 0.0, not -0.0, for a lone symbol)."""
        return symbol_code_lengths(self.counts[self.symbols]) if self.total else np.zeros(0)

    # ---- totals ----
    @property
    def total_bits(self) -> int:
        """``sum_s c_s l_s``: the size of the coded data in bits."""
        return sum(c * l for c, l in zip(self.counts.tolist(), self.lengths.tolist()))  # exact, no wrap

    @property
    def average_length(self) -> float:
        """``L = sum_s p_s l_s`` bits per symbol."""
        return self.total_bits / self.total if self.total else 0.0

    @property
    def entropy(self) -> float:
        """``H = -sum_s p_s log2 p_s`` bits per symbol."""
        return entropy(self.counts)

    @property
    def redundancy(self) -> float:
        """``L - H`` bits per symbol (0 <= L - H < 1 for Huffman's code)."""
        return self.average_length - self.entropy

    @property
    def shannon_average_length(self) -> float:
        """Average length ``sum_s p_s ceil(-log2 p_s)`` of the Shannon code, for comparison."""
        bits = sum(c * l for c, l in zip(self.counts.tolist(), self.shannon_lengths.tolist()))
        return bits / self.total if self.total else 0.0

    @property
    def kraft(self) -> Fraction:
        """Kraft sum ``sum_s 2**-l_s`` (exact)."""
        return kraft_sum(self.lengths)

    @property
    def rows(self) -> list[dict]:
        """One dict per used symbol: symbol, label, count, probability, information (``-log2 p``), code,
        length, and the Shannon length ``ceil(-log2 p)`` beside it."""
        out = []
        for s, p, info in zip(self.symbols, self.probabilities, self.information):
            s = int(s)
            label = _text_label(self.keys[s]) if self.keys is not None else _label(s, self.is_bytes)
            out.append({"symbol": s, "label": label, "count": int(self.counts[s]),
                        "probability": float(p), "information": float(info), "code": self.words[s],
                        "length": int(self.lengths[s]), "shannon_length": int(self.shannon_lengths[s])})
        return out

    def to_dict(self) -> dict:
        """Rows and totals as plain Python values (JSON-ready)."""
        return {"method": self.method, "max_length": self.max_length, "symbols": int(self.symbols.size),
                "total": self.total, "rows": self.rows, "total_bits": self.total_bits,
                "average_length": self.average_length, "entropy": self.entropy,
                "redundancy": self.redundancy, "kraft_sum": str(self.kraft),
                "shannon_average_length": self.shannon_average_length}

    def __len__(self) -> int:
        return int(self.symbols.size)

    def word(self, symbol) -> str:
        """The code word of ``symbol``: a key of a labelled table (``"the"``), else a symbol index (an
        int, or a one-byte ``bytes`` of a byte table)."""
        if self.keys is not None:
            try:
                index = self.keys.index(symbol)
            except ValueError:
                raise KeyError(symbol) from None
        else:
            index = symbol[0] if isinstance(symbol, (bytes, bytearray)) and len(symbol) == 1 else operator.index(symbol)
        if not 0 <= index < self.counts.size or not self.lengths[index]:
            raise KeyError(symbol)
        return self.words[index]

    def encode(self, symbols) -> str:
        """The code words of a sequence of symbols joined (a '0'/'1' string): a str's characters, a
        list of keys, bytes, or integer symbols."""
        if self.keys is None and isinstance(symbols, (bytes, bytearray)):
            symbols = list(symbols)
        return "".join(self.word(s) for s in symbols)

    def _repr_html_(self) -> str:
        from ._html import table
        rows = [(r["label"], r["count"], f"{r['probability']:.5f}", f"{r['information']:.3f}", r["code"],
                 r["length"], r["shannon_length"]) for r in self.rows]
        return table(["symbol", "count", "p", "-log2 p", "code", "length", "Shannon length"], rows,
                     caption=self._name(), footer_lines=self._totals(),
                     align=["right", "right", "right", "right", "left", "right", "right"])

    def _name(self) -> str:
        name = "Huffman" if self.method == "huffman" else "Shannon"
        if self.max_length is not None:
            name += f" (max length {self.max_length})"
        return f"{name} code, {len(self)} symbol{'' if len(self) == 1 else 's'}, {self.total} in total"

    def _totals(self) -> list[str]:
        return [f"average length L = {self.average_length:.4f} bits/symbol",
                f"entropy        H = {self.entropy:.4f} bits/symbol",
                f"redundancy L - H = {self.redundancy:.4f} bits/symbol",
                f"Kraft sum        = {self.kraft} ; coded size = {self.total_bits} bits",
                f"(Shannon code ceil(-log2 p): L = {self.shannon_average_length:.4f} bits/symbol)"]

    def __repr__(self) -> str:
        return (f"CodeTable({self.method}, {len(self)} symbol{'' if len(self) == 1 else 's'}, "
                f"L={self.average_length:.4f}, "
                f"H={self.entropy:.4f} bits/symbol)")

    def __str__(self) -> str:
        rows = self.rows
        longest = max((len(r["code"]) for r in rows), default=4)
        lw = max([8] + [len(r["label"]) for r in rows])
        head = (f"{'symbol':>{lw}} {'count':>10} {'p':>9} {'-log2 p':>8} {'code':<{max(longest, 4)}} {'len':>3}"
                f" {'shannon':>7}")
        lines = [head, "-" * len(head)]
        for r in rows:
            lines.append(f"{r['label']:>{lw}} {r['count']:>10} {r['probability']:>9.5f} {r['information']:>8.3f} "
                         f"{r['code']:<{max(longest, 4)}} {r['length']:>3} {r['shannon_length']:>7}")
        lines.append("-" * len(head))
        lines.append(self._name())
        lines.extend(self._totals())
        return "\n".join(lines)
