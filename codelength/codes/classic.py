"""The classical codes of a source-coding course, each built exactly and able to encode and decode:
Shannon-Fano (Fano's splitting), Shannon-Fano-Elias (cumulative-probability words), Shannon's code
words, Tunstall's variable-to-fixed code, and radix-r Huffman codes (with dummy symbols), with the
merge order of Huffman's algorithm for pictures.

Probabilities are handled exactly: integer counts ``c_s`` as ``c_s / N``, floats by their exact binary
values (``fractions.Fraction``), normalised to sum 1. Every code gives a :class:`CodeBook`: symbol, p,
``-log2 p``, code word and length, with totals ``L``, ``H``, redundancy and the Kraft sum.

These constructions are plain Python (they build tables of at most a few thousand symbols for a
class; the bit-level coders of real data live in :mod:`codelength.coders`).
"""
from __future__ import annotations

import heapq
import math
import operator
from bisect import bisect_left
from fractions import Fraction

import numpy as np

from . import _html

__all__ = ["CodeBook", "fano_code_lengths", "fano_code_words", "sfe_code_words", "shannon_code_words",
           "tunstall", "TunstallCode", "HuffmanTree", "huffman_tree", "radix_huffman_code_lengths",
           "fano_code", "sfe_code", "shannon_code", "huffman_code", "MAX_TUNSTALL_BITS"]

#: Largest Tunstall word size (2**20 dictionary entries).
MAX_TUNSTALL_BITS = 20
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


# ---------------------------------------------------------------------------------------------- input

def _probabilities(p, name: str = "p") -> tuple[list | None, list[Fraction]]:
    """``(labels or None, exact probabilities)`` of a sequence or mapping of non-negative numbers."""
    labels = None
    if isinstance(p, dict):
        labels = list(p.keys())
        values = list(p.values())
    elif isinstance(p, (str, bytes, bytearray)):
        raise TypeError(f"{name} must be numbers (counts or probabilities), not text")
    else:
        array = np.asarray(p, dtype=object) if not isinstance(p, np.ndarray) else p
        if array.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional, got shape {np.shape(array)}")
        values = list(array.tolist()) if isinstance(array, np.ndarray) else list(array)
    exact = []
    for v in values:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, Fraction, np.integer, np.floating)):
            raise TypeError(f"{name} must be numbers, got {type(v).__name__}")
        if isinstance(v, (float, np.floating)) and not math.isfinite(v):
            raise ValueError(f"{name} must be finite")
        f = Fraction(int(v)) if isinstance(v, (int, np.integer)) else Fraction(v)
        if f < 0:
            raise ValueError(f"{name} must be non-negative")
        exact.append(f)
    total = sum(exact)
    if exact and total == 0:
        raise ValueError(f"{name} must not be all zero")
    return labels, [f / total for f in exact] if exact else []


def _ceil_log2_inverse(p: Fraction) -> int:
    """``ceil(log2(1 / p))`` exactly: the least ``l`` with ``2**l * p >= 1``."""
    num, den = p.numerator, p.denominator
    l = max(0, den.bit_length() - num.bit_length() - 1)
    while (num << l) < den:
        l += 1
    return l


def _bits(x: Fraction, l: int) -> str:
    """The first ``l`` binary digits of ``x`` in [0, 1)."""
    if l == 0:
        return ""
    return format((x.numerator << l) // x.denominator, f"0{l}b")


# ---------------------------------------------------------------------------------------------- codebook

class CodeBook:
    """A code laid out as a table: symbol, p, ``-log2 p``, code word, length; with ``L``, ``H``, the
    redundancy ``L - H_r`` and the Kraft sum ``sum r**-l``.

    ``words`` are strings of digits ``0..r-1`` (``radix`` r; '' for symbols without a word, p = 0).
    ``encode`` / ``decode`` turn symbol sequences into digit strings and back (prefix codes only).
    """

    def __init__(self, words, probabilities, labels=None, *, name: str = "code", radix: int = 2,
                 note: str = ""):
        self.words = [str(w) for w in words]
        labels_p, probs = _probabilities(probabilities, "probabilities")
        if len(probs) != len(self.words):
            raise ValueError("one probability per code word is needed")
        self.p = probs
        self.labels = [str(x) for x in (labels if labels is not None else
                                        labels_p if labels_p is not None else range(len(self.words)))]
        if len(self.labels) != len(self.words):
            raise ValueError("one label per code word is needed")
        self.symbols = list(labels) if labels is not None else (labels_p if labels_p is not None
                                                                else list(range(len(self.words))))
        self.radix = operator.index(radix)
        if not 2 <= self.radix <= len(_DIGITS):
            raise ValueError(f"radix must be 2..{len(_DIGITS)}")
        allowed = set(_DIGITS[:self.radix])
        for w in self.words:
            if not set(w) <= allowed:
                raise ValueError(f"code word {w!r} has digits outside 0..{self.radix - 1}")
        self.name = name
        self.note = note

    # ---- columns and totals ----
    @property
    def lengths(self) -> np.ndarray:
        """Length of each code word (digits)."""
        return np.array([len(w) for w in self.words], dtype=np.int64)

    @property
    def probabilities(self) -> np.ndarray:
        return np.array([float(p) for p in self.p])

    @property
    def information(self) -> np.ndarray:
        """``-log2 p`` per symbol (inf for p = 0)."""
        return np.array([-_log2(p) if p else math.inf for p in self.p]) + 0.0

    @property
    def average_length(self) -> float:
        """``L = sum p_s l_s`` (digits of radix r per symbol)."""
        return float(sum(p * len(w) for p, w in zip(self.p, self.words)))

    @property
    def entropy(self) -> float:
        """``H = -sum p log2 p`` in bits per symbol."""
        return math.fsum(-float(p) * _log2(p) for p in self.p if p)

    @property
    def entropy_radix(self) -> float:
        """Entropy in radix-r digits, ``H / log2 r`` (the lower bound on ``L``)."""
        return self.entropy / math.log2(self.radix)

    @property
    def redundancy(self) -> float:
        """``L - H_r`` digits per symbol."""
        return self.average_length - self.entropy_radix

    @property
    def kraft(self) -> Fraction:
        """``sum r**-l`` over the symbols with a word, exactly."""
        used = [len(w) for w in self.words if w]
        if not used:
            return Fraction(0)
        top = max(used)
        return Fraction(sum(self.radix ** (top - l) for l in used), self.radix ** top)

    def is_prefix_free(self) -> bool:
        """No word is a prefix of another (the words can be decoded one by one)."""
        words = sorted(w for w in self.words if w)
        return all(not b.startswith(a) for a, b in zip(words, words[1:])) and len(set(words)) == len(words)

    @property
    def rows(self) -> list[dict]:
        return [{"symbol": s, "label": lab, "probability": float(p), "information": (-_log2(p) if p else math.inf),
                 "code": w, "length": len(w)} for s, lab, p, w in zip(self.symbols, self.labels, self.p, self.words)]

    def to_dict(self) -> dict:
        return {"name": self.name, "radix": self.radix, "rows": self.rows, "average_length": self.average_length,
                "entropy": self.entropy, "redundancy": self.redundancy, "kraft_sum": str(self.kraft)}

    # ---- coding ----
    def word_of(self, symbol) -> str:
        """The code word of ``symbol`` (a label or an index)."""
        for s, w in zip(self.symbols, self.words):
            if s == symbol:
                return w
        raise KeyError(symbol)

    def encode(self, symbols) -> str:
        """The code words of ``symbols`` joined, as a digit string."""
        table = dict(zip(self.symbols, self.words))
        try:
            out = [table[s] for s in symbols]
        except KeyError as exc:
            raise ValueError(f"symbol {exc.args[0]!r} is not in this code") from None
        if any(not w for w in out):
            raise ValueError("a symbol of probability 0 (no code word) cannot be coded")
        return "".join(out)

    def decode(self, digits: str) -> list:
        """Symbols of a digit string made by :meth:`encode`; ValueError when it does not parse."""
        if not self.is_prefix_free():
            raise ValueError("this code is not prefix-free; it cannot be decoded word by word")
        table = {w: s for s, w in zip(self.symbols, self.words) if w}
        longest = max((len(w) for w in table), default=0)
        out, current = [], ""
        for d in digits:
            current += d
            if current in table:
                out.append(table[current])
                current = ""
            elif len(current) >= longest:
                raise ValueError(f"{current!r} is not a code word")
        if current:
            raise ValueError("the digits end inside a code word (truncated)")
        return out

    # ---- display ----
    def _footer(self) -> list[str]:
        unit = "bits" if self.radix == 2 else f"{self.radix}-ary digits"
        lines = [f"average length L = {self.average_length:.4f} {unit}/symbol",
                 f"entropy        H = {self.entropy:.4f} bits/symbol"
                 + (f" = {self.entropy_radix:.4f} {unit}/symbol" if self.radix != 2 else ""),
                 f"redundancy L - H = {self.redundancy:.4f} {unit}/symbol",
                 f"Kraft sum        = {self.kraft}" + (f" (radix {self.radix})" if self.radix != 2 else "")]
        if self.note:
            lines.append(f"({self.note})")
        return lines

    def __str__(self) -> str:
        longest = max([len(w) for w in self.words] + [4])
        width = max([len(lab) for lab in self.labels] + [6])
        head = f"{'symbol':>{width}} {'p':>9} {'-log2 p':>8} {'code':<{longest}} {'len':>3}"
        lines = [head, "-" * len(head)]
        for r in self.rows:
            lines.append(f"{r['label']:>{width}} {r['probability']:>9.5f} {r['information']:>8.3f} "
                         f"{r['code']:<{longest}} {r['length']:>3}")
        lines.append("-" * len(head))
        lines.append(f"{self.name}, {len(self.words)} symbols")
        return "\n".join(lines + self._footer())

    def __repr__(self) -> str:
        return f"CodeBook({self.name}, {len(self.words)} symbols, L={self.average_length:.4f}, H={self.entropy:.4f})"

    def __len__(self) -> int:
        return len(self.words)

    def _repr_html_(self) -> str:
        rows = [(r["label"], f"{r['probability']:.5f}", f"{r['information']:.3f}", r["code"], r["length"])
                for r in self.rows]
        return _html.table(["symbol", "p", "-log2 p", "code", "length"], rows, caption=self.name,
                           footer_lines=self._footer(), align=["right", "right", "right", "left", "right"])


def _log2(p: Fraction) -> float:
    """log2 of an exact positive fraction (no underflow for tiny p)."""
    return math.log2(p.numerator) - math.log2(p.denominator) if p.numerator and p.denominator else 0.0


# ---------------------------------------------------------------------------------------------- Fano

def _order(probs) -> list[int]:
    """Indices of the used symbols by decreasing probability (ties: by index)."""
    return sorted((s for s, p in enumerate(probs) if p), key=lambda s: (-probs[s], s))


def fano_code_words(counts) -> list[str]:
    """Shannon-Fano code words by Fano's splitting (1949).

    The symbols, sorted by decreasing probability, are split into two groups whose totals are as
    nearly equal as possible (ties: the smaller upper group); the upper group's words get a 0, the
    lower's a 1, and each group is split again until it holds one symbol. The result is a prefix code,
    but not always an optimal one: Huffman's code is never longer, and sometimes shorter (the
    Wikipedia example 15, 7, 6, 6, 5: Fano 89 bits, Huffman 87).

    Parameters
    ----------
    counts : array_like or dict
        Non-negative counts or probabilities (a dict gives labels; the words follow its order).

    Returns
    -------
    list of str
        One word per symbol in input order; '' for symbols of probability 0, '0' for a lone symbol.
    """
    _, probs = _probabilities(counts, "counts")
    words = [""] * len(probs)
    order = _order(probs)
    if not order:
        return words
    if len(order) == 1:
        words[order[0]] = "0"
        return words
    # exact integer weights on a common denominator, and their prefix sums
    den = math.lcm(*(probs[s].denominator for s in order))
    weights = [probs[s].numerator * (den // probs[s].denominator) for s in order]
    prefix = [0]
    for w in weights:
        prefix.append(prefix[-1] + w)
    stack = [(0, len(order), "")]
    while stack:
        a, b, word = stack.pop()
        if b - a == 1:
            words[order[a]] = word
            continue
        total = prefix[b] - prefix[a]
        # the split point k (a < k < b) minimising |2 (prefix[k] - prefix[a]) - total|
        target2 = 2 * prefix[a] + total  # 2 * prefix[k] compared with this
        k = bisect_left(prefix, (target2 + 1) // 2, a + 1, b)
        best = None
        for cand in (k - 1, k, k + 1):
            if a < cand < b:
                gap = abs(2 * prefix[cand] - target2)
                if best is None or gap < best[0] or (gap == best[0] and cand < best[1]):
                    best = (gap, cand)
        k = best[1]
        stack.append((k, b, word + "1"))
        stack.append((a, k, word + "0"))
    return words


def fano_code_lengths(counts) -> np.ndarray:
    """Lengths of :func:`fano_code_words` (int64 array, 0 for unused symbols)."""
    return np.array([len(w) for w in fano_code_words(counts)], dtype=np.int64)


# ---------------------------------------------------------------------------------------------- Shannon, SFE

def sfe_code_words(p) -> list[str]:
    """Shannon-Fano-Elias code words: the first ``ceil(log2 1/p(x)) + 1`` bits of the midpoint
    ``F(x-1) + p(x)/2`` of the symbol's interval of the cumulative distribution (symbols in the
    given order; no sorting needed). A prefix code with ``L < H + 2`` (Cover and Thomas, 5.9).

    Parameters
    ----------
    p : array_like or dict
        Probabilities or counts (normalised exactly).

    Returns
    -------
    list of str
        One word per symbol, '' for p = 0.
    """
    _, probs = _probabilities(p)
    words, low = [], Fraction(0)
    for q in probs:
        if not q:
            words.append("")
            continue
        l = _ceil_log2_inverse(q) + 1
        words.append(_bits(low + q / 2, l))
        low += q
    return words


def shannon_code_words(p) -> list[str]:
    """Shannon's code (1948): symbols sorted by decreasing probability, each word the first
    ``ceil(-log2 p)`` bits of the cumulative probability of the symbols before it. A prefix code with
    the lengths of :func:`~codelength.codes.prefix.shannon_code_lengths` (``H <= L < H + 1``).

    Returns one word per symbol in input order ('' for p = 0, and for a lone symbol of p = 1).
    """
    _, probs = _probabilities(p)
    words = [""] * len(probs)
    cumulative = Fraction(0)
    for s in _order(probs):
        words[s] = _bits(cumulative, _ceil_log2_inverse(probs[s]))
        cumulative += probs[s]
    return words


def _book(words, p, name, radix=2, note=""):
    labels, probs = _probabilities(p)
    return CodeBook(words, probs, labels, name=name, radix=radix, note=note)


def fano_code(counts) -> CodeBook:
    """:func:`fano_code_words` as a :class:`CodeBook`."""
    return _book(fano_code_words(counts), counts, "Shannon-Fano code (Fano's splitting)")


def sfe_code(p) -> CodeBook:
    """:func:`sfe_code_words` as a :class:`CodeBook`."""
    return _book(sfe_code_words(p), p, "Shannon-Fano-Elias code")


def shannon_code(p) -> CodeBook:
    """:func:`shannon_code_words` as a :class:`CodeBook`."""
    return _book(shannon_code_words(p), p, "Shannon code")


# ---------------------------------------------------------------------------------------------- Huffman trees

class HuffmanTree:
    """The tree Huffman's algorithm builds, with its merges in the order it makes them.

    ``nodes[i]`` is ``{"weight", "children", "symbol", "dummy"}``; leaves come first (``symbol`` is the
    input index, ``dummy`` marks the zero-weight fillers of a radix-r code), and ``merges`` lists the
    internal nodes in merge order. ``lengths`` are the leaf depths.
    """

    def __init__(self, nodes, merges, n_symbols, radix, labels=None):
        self.nodes = nodes
        self.merges = merges
        self.radix = radix
        self.n_symbols = n_symbols
        self.labels = labels

    @property
    def root(self) -> int | None:
        if self.merges:
            return self.merges[-1]
        leaves = [i for i, n in enumerate(self.nodes) if not n["dummy"]]
        return leaves[0] if leaves else None

    def depths(self) -> dict:
        """Depth of every node (root 0)."""
        root = self.root
        if root is None:
            return {}
        out, stack = {root: 0}, [root]
        while stack:
            i = stack.pop()
            for c in self.nodes[i]["children"]:
                out[c] = out[i] + 1
                stack.append(c)
        return out

    @property
    def lengths(self) -> np.ndarray:
        out = np.zeros(self.n_symbols, dtype=np.int64)
        depth = self.depths()
        for i, node in enumerate(self.nodes):
            if node["symbol"] is not None:
                out[node["symbol"]] = max(1, depth.get(i, 0))
        return out

    def words(self) -> list[str]:
        """The code words read off the tree (child j of a node adds digit j)."""
        out = [""] * self.n_symbols
        root = self.root
        if root is None:
            return out
        if not self.merges:
            out[self.nodes[root]["symbol"]] = "0"
            return out
        stack = [(root, "")]
        while stack:
            i, w = stack.pop()
            node = self.nodes[i]
            if node["symbol"] is not None:
                out[node["symbol"]] = w
            for j, c in enumerate(node["children"]):
                stack.append((c, w + _DIGITS[j]))
        return out

    def label(self, i: int) -> str:
        node = self.nodes[i]
        if node["dummy"]:
            return "(dummy)"
        if node["symbol"] is None:
            return ""
        s = node["symbol"]
        return str(self.labels[s]) if self.labels is not None else str(s)

    def __repr__(self) -> str:
        return f"HuffmanTree(radix {self.radix}, {self.n_symbols} symbols, {len(self.merges)} merges)"

    def _repr_png_(self) -> bytes | None:
        """The tree as a picture (:func:`codelength.app.plots.plot_huffman_tree`; None without matplotlib)."""
        from ..app.plots import plot_huffman_tree
        from ..app.profile import MissingOptionalDependency
        try:
            picture = plot_huffman_tree(self)
        except (MissingOptionalDependency, ValueError):
            return None
        return picture.png()


def huffman_tree(counts, radix: int = 2) -> HuffmanTree:
    """Huffman's algorithm step by step: the tree, and its merges in order.

    Ties are broken as :func:`~codelength.codes.prefix.huffman_code_lengths` breaks them: leaves are
    ranked by (count, symbol index), merged nodes queue in the order they are made, and a merged node
    never goes before a leaf of equal weight, so the binary tree's depths are that function's lengths.
    For ``radix`` r > 2, ``d`` zero-weight dummy leaves are added first so that every merge takes r
    nodes (``(n + d - 1) % (r - 1) == 0``).
    """
    radix = _radix(radix)
    labels, _ = _probabilities(counts, "counts") if isinstance(counts, dict) else (None, None)
    values = list(counts.values()) if isinstance(counts, dict) else counts
    from .prefix import _weights
    weights = _weights(values)
    w = weights.tolist()
    nodes = []
    used = sorted((c, s) for s, c in enumerate(w) if c > 0)
    n = len(used)
    dummies = 0
    if radix > 2 and n > radix:
        dummies = (-(n - 1)) % (radix - 1)
    for _ in range(dummies):
        nodes.append({"weight": 0, "children": (), "symbol": None, "dummy": True})
    for c, s in used:
        nodes.append({"weight": c, "children": (), "symbol": s, "dummy": False})
    leaves = list(range(len(nodes)))
    merges = []
    if n <= 1:
        return HuffmanTree(nodes, merges, len(w), radix, labels)
    li, merged, mi = 0, [], 0
    remaining = len(nodes)
    while remaining > 1:
        take = min(radix, remaining)
        children = []
        for _ in range(take):
            if li < len(leaves) and (mi >= len(merged) or nodes[leaves[li]]["weight"] <= nodes[merged[mi]]["weight"]):
                children.append(leaves[li])
                li += 1
            else:
                children.append(merged[mi])
                mi += 1
        nodes.append({"weight": sum(nodes[c]["weight"] for c in children), "children": tuple(children),
                      "symbol": None, "dummy": False})
        merged.append(len(nodes) - 1)
        merges.append(len(nodes) - 1)
        remaining -= take - 1
    return HuffmanTree(nodes, merges, len(w), radix, labels)


def _radix(radix) -> int:
    if isinstance(radix, (bool, np.bool_)):
        raise TypeError("radix must be an integer")
    try:
        radix = operator.index(radix)
    except TypeError:
        raise TypeError(f"radix must be an integer, got {type(radix).__name__}") from None
    if radix < 2:
        raise ValueError(f"radix must be at least 2, got {radix}")
    return radix


def radix_huffman_code_lengths(counts, radix: int) -> np.ndarray:
    """Optimal radix-r prefix-code lengths (Huffman with dummy symbols); 0 for unused symbols."""
    return huffman_tree(counts, radix).lengths


def huffman_code(counts, radix: int = 2) -> CodeBook:
    """The Huffman code (radix r, words read off the tree) as a :class:`CodeBook`."""
    radix = _radix(radix)
    if radix > len(_DIGITS):
        raise ValueError(f"code words are written for radix up to {len(_DIGITS)}")
    tree = huffman_tree(counts, radix)
    name = "Huffman code" + (f" (radix {radix})" if radix != 2 else "")
    return _book(tree.words(), counts, name, radix=radix)


# ---------------------------------------------------------------------------------------------- Tunstall

class TunstallCode(dict):
    """A Tunstall code: a dict from parse words (tuples of symbols) to fixed-length code words.

    Extra attributes: ``bits`` (the code word size), ``probabilities`` (of the source symbols),
    ``symbols``; methods :meth:`encode` / :meth:`decode`, :meth:`word_probability`,
    :attr:`expected_length` (source symbols per code word) and :attr:`rate` (bits per source symbol).
    """

    def __init__(self, entries, bits, symbols, probabilities):
        super().__init__(entries)
        self.bits = bits
        self.symbols = symbols
        self.probabilities = probabilities
        self._prefixes = {w[:i] for w in self for i in range(len(w))}
        self._by_code = {c: w for w, c in self.items()}

    def word_probability(self, word) -> Fraction:
        index = {s: i for i, s in enumerate(self.symbols)}
        out = Fraction(1)
        for s in word:
            out *= self.probabilities[index[s]]
        return out

    @property
    def expected_length(self) -> float:
        """Mean number of source symbols a code word stands for, ``sum p(w) |w|``."""
        return float(sum(self.word_probability(w) * len(w) for w in self))

    @property
    def rate(self) -> float:
        """Bits per source symbol, ``bits / expected_length`` (>= H)."""
        return self.bits / self.expected_length

    @property
    def entropy(self) -> float:
        return math.fsum(-float(p) * _log2(p) for p in self.probabilities if p)

    def encode(self, sequence) -> str:
        """Parse ``sequence`` into dictionary words and write their code words (a '0'/'1' string).

        A tail that ends inside the parse tree is completed with the first dictionary word that
        extends it; :meth:`decode` drops the completion given the number of symbols.
        """
        out, current = [], ()
        for s in sequence:
            current += (s,)
            if current in self:
                out.append(self[current])
                current = ()
            elif current not in self._prefixes:
                raise ValueError(f"symbol {s!r} is not in this code's alphabet")
        if current:
            out.append(self[min(w for w in self if w[:len(current)] == current)])
        return "".join(out)

    def decode(self, bits: str, n: int) -> list:
        """The first ``n`` source symbols of a bit string made by :meth:`encode`."""
        if len(bits) % self.bits:
            raise ValueError(f"a Tunstall stream is a whole number of {self.bits}-bit words")
        out = []
        for i in range(0, len(bits), self.bits):
            code = bits[i:i + self.bits]
            if code not in self._by_code:
                raise ValueError(f"{code} is not a code word of this dictionary")
            out.extend(self._by_code[code])
            if len(out) >= n:
                break
        if len(out) < n:
            raise ValueError("the bit string ends before n symbols (truncated)")
        return out[:n]

    def _repr_html_(self) -> str:
        rows = [("".join(map(str, w)) if all(len(str(s)) == 1 for s in w) else " ".join(map(str, w)),
                 f"{float(self.word_probability(w)):.5f}", len(w), c) for w, c in sorted(self.items(), key=lambda x: x[1])]
        footer = [f"{len(self)} parse words, {self.bits} bits each",
                  f"expected parse length = {self.expected_length:.4f} symbols/word",
                  f"rate = {self.rate:.4f} bits/symbol; entropy H = {self.entropy:.4f} bits/symbol"]
        return _html.table(["parse word", "p", "length", "code"], rows, caption="Tunstall code",
                           footer_lines=footer, align=["left", "right", "right", "left"])


def tunstall(p, bits: int) -> TunstallCode:
    """Tunstall's variable-to-fixed code (1967): a dictionary of parse words, each coded in ``bits`` bits.

    Starting from the single symbols, the most probable parse word is replaced by its K one-symbol
    extensions as long as the dictionary stays within ``2**bits`` words (ties: the word first in
    symbol order). The parse words form a complete tree, so any sequence parses; each word has a
    fixed-length code word (in symbol-sequence order).

    Parameters
    ----------
    p : array_like or dict
        Source probabilities (or counts); a dict gives the symbols (else 0..K-1). Symbols of
        probability 0 are left out.
    bits : int
        Code word size, ``2**bits >= K`` and ``bits <=`` :data:`MAX_TUNSTALL_BITS`.

    Returns
    -------
    TunstallCode
        A dict ``{parse word (tuple of symbols): code word (str of bits)}``.
    """
    labels, probs = _probabilities(p)
    symbols_all = labels if labels is not None else list(range(len(probs)))
    if isinstance(bits, (bool, np.bool_)):
        raise TypeError("bits must be an integer")
    bits = operator.index(bits)
    if not 1 <= bits <= MAX_TUNSTALL_BITS:
        raise ValueError(f"bits must be 1..{MAX_TUNSTALL_BITS}, got {bits}")
    used = [i for i, q in enumerate(probs) if q]
    k = len(used)
    if k == 0:
        raise ValueError("p must have a symbol of non-zero probability")
    if k > (1 << bits):
        raise ValueError(f"{k} symbols do not fit {bits}-bit code words")
    fprobs = [float(probs[i]) for i in used]
    # leaves: heap of (-probability, word as indices into used)
    heap = [(-q, (j,)) for j, q in enumerate(fprobs)]
    heapq.heapify(heap)
    leaves = len(heap)
    if k > 1:
        while leaves + k - 1 <= (1 << bits):
            negp, word = heapq.heappop(heap)
            for j, q in enumerate(fprobs):
                heapq.heappush(heap, (negp * q, word + (j,)))
            leaves += k - 1
    words = sorted(w for _, w in heap)
    entries = {tuple(symbols_all[used[j]] for j in w): format(i, f"0{bits}b") for i, w in enumerate(words)}
    return TunstallCode(entries, bits, [symbols_all[i] for i in used], [probs[i] for i in used])
