"""Pictures of how codes and coders work, for the classroom (matplotlib, the ``plot`` extra).

- :func:`plot_huffman_tree` / :func:`huffman_steps`: the Huffman tree with its merges numbered in the
  order the algorithm makes them (one figure per merge on request);
- :func:`plot_arithmetic_intervals`: arithmetic coding of a short message, the interval narrowing
  symbol by symbol with the bits that become certain on the way; :func:`plot_rans_states`: the rANS
  state for the same message;
- :func:`plot_aep`: ``-(1/n) log2 p(X^n)`` of sampled sequences against n with the typical band, and
  the typical set's size against all sequences;
- :func:`plot_block_huffman`: ``L_n / n -> H`` for block Huffman codes; :func:`plot_wrong_model`: the
  cost of a wrong model; :func:`plot_integer_codes`: code word lengths of the integer codes.

Every function returns a :class:`Picture` (shown as a figure in a notebook) and, given ``path``, writes
it there too, as PNG or SVG by the file's extension. matplotlib is imported only when a picture is made,
and only its Agg canvas is used (no pyplot, no global backend switch).
"""
from __future__ import annotations

import io
import math
import os
from fractions import Fraction

import numpy as np

FORMATS = ("png", "svg")
_COLORS = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C",
           "#CCB974", "#64B5CD")


def _matplotlib():
    """``(Figure, FigureCanvasAgg)``; :class:`MissingOptionalDependency` naming the extra when absent."""
    from .profile import MissingOptionalDependency
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingOptionalDependency(
            "pictures need matplotlib, which is not installed: pip install 'codelength[plot]' "
            "(the plot extra; or pip install matplotlib)") from None
    return Figure, FigureCanvasAgg


def _figure(width: float, height: float):
    Figure, FigureCanvasAgg = _matplotlib()
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


class Picture:
    """A figure made by this module: ``save(path)`` (PNG or SVG by extension), ``png()`` / ``svg()``
    bytes, and shown as a PNG in a notebook. ``figure`` is the matplotlib Figure."""

    def __init__(self, figure, name: str):
        self.figure = figure
        self.name = name

    def save(self, path) -> str:
        """Write the picture to ``path``; its extension (``.png`` or ``.svg``) picks the format."""
        path = os.fspath(path)
        ext = os.path.splitext(path)[1].lower().lstrip(".")
        if ext not in FORMATS:
            raise ValueError(f"picture files are .png or .svg, got {path!r}")
        self.figure.savefig(path, format=ext)
        return path

    def _bytes(self, fmt: str) -> bytes:
        buf = io.BytesIO()
        self.figure.savefig(buf, format=fmt)
        return buf.getvalue()

    def png(self) -> bytes:
        return self._bytes("png")

    def svg(self) -> str:
        return self._bytes("svg").decode("utf-8")

    def _repr_png_(self) -> bytes:
        return self.png()

    def __repr__(self) -> str:
        w, h = self.figure.get_size_inches()
        return f"Picture({self.name}, {w:g} x {h:g} in)"


def _done(fig, name: str, path) -> Picture:
    fig.tight_layout()
    picture = Picture(fig, name)
    if path is not None:
        picture.save(path)
    return picture


def _probability_vector(p) -> tuple[list, np.ndarray]:
    from ..codes.classic import _probabilities
    labels, probs = _probabilities(p)
    labels = [str(x) for x in labels] if labels is not None else [str(i) for i in range(len(probs))]
    return labels, np.array([float(x) for x in probs])


# ---------------------------------------------------------------------------------------------- Huffman

def _tree_layout(tree):
    """x of every node (leaves in the final tree's left-to-right order) and y (0 leaves, k merge k)."""
    x, y = {}, {}
    order = []
    root = tree.root
    stack = [root] if root is not None else []
    while stack:
        i = stack.pop()
        children = tree.nodes[i]["children"]
        if not children:
            order.append(i)
        stack.extend(reversed(children))
    for pos, i in enumerate(order):
        x[i], y[i] = float(pos), 0.0
    for step, m in enumerate(tree.merges, 1):
        kids = tree.nodes[m]["children"]
        x[m] = sum(x[c] for c in kids) / len(kids)
        y[m] = float(step)
    return x, y, order


def _draw_tree(ax, tree, upto: int, weight_format: str):
    x, y, order = _tree_layout(tree)
    shown = set(order) | set(tree.merges[:upto])
    newest = tree.merges[upto - 1] if upto else None
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    for step, m in enumerate(tree.merges[:upto], 1):
        for j, c in enumerate(tree.nodes[m]["children"]):
            color = "#C44E52" if m == newest else "#555555"
            ax.plot([x[m], x[c]], [y[m], y[c]], color=color, linewidth=2.0 if m == newest else 1.2, zorder=1)
            if tree.radix <= len(digits):
                ax.text((x[m] + x[c]) / 2, (y[m] + y[c]) / 2, digits[j], fontsize=8, color="#333333",
                        ha="center", va="center", zorder=3,
                        bbox=dict(boxstyle="round,pad=0.12", fc="white", ec="none"))
    for i in shown:
        node = tree.nodes[i]
        weight = format(node["weight"], weight_format) if node["weight"] else "0"
        if node["children"]:
            face = "#F6D5D6" if i == newest else "#DDE5F2"
            step = tree.merges.index(i) + 1
            ax.text(x[i], y[i], f"#{step}\n{weight}", ha="center", va="center", fontsize=8, zorder=4,
                    bbox=dict(boxstyle="circle,pad=0.3", fc=face, ec="#333333"))
        else:
            face = "#EEEEEE" if node["dummy"] else "#FFF2CC"
            ax.text(x[i], y[i], f"{tree.label(i)}\n{weight}", ha="center", va="center", fontsize=8, zorder=4,
                    bbox=dict(boxstyle="round,pad=0.3", fc=face, ec="#333333"))
    ax.set_xlim(-0.8, max(len(order) - 0.2, 0.8))
    ax.set_ylim(-0.8, max(len(tree.merges), 1) + 0.8)
    ax.set_yticks(range(0, len(tree.merges) + 1))
    ax.set_yticklabels(["leaves"] + [f"merge {k}" for k in range(1, len(tree.merges) + 1)], fontsize=7)
    ax.set_xticks([])
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)


def _tree_and_format(counts, radix):
    from ..codes.classic import HuffmanTree, huffman_tree
    tree = counts if isinstance(counts, HuffmanTree) else huffman_tree(counts, radix)
    radix = tree.radix
    if not tree.nodes or all(n["dummy"] for n in tree.nodes):
        raise ValueError("the counts have no symbol of non-zero weight")
    weights = [n["weight"] for n in tree.nodes]
    integral = all(float(w).is_integer() for w in weights)
    return tree, ("d" if integral and all(isinstance(w, (int, np.integer)) for w in weights) else ".3g")


def plot_huffman_tree(counts, path=None, *, radix: int = 2, upto: int | None = None, title: str | None = None):
    """The Huffman tree of ``counts`` (a sequence, a dict of labelled counts, or a
    :class:`~codelength.codes.classic.HuffmanTree`), merges numbered in the
    order Huffman's algorithm makes them; with ``upto=k`` only the first k merges (the forest then).

    Leaves show symbol and weight, merge nodes ``#k`` and their weight; edges carry the code digit.
    Returns a :class:`Picture` (and writes ``path`` if given).
    """
    tree, fmt = _tree_and_format(counts, radix)
    radix = tree.radix
    upto = len(tree.merges) if upto is None else max(0, min(int(upto), len(tree.merges)))
    leaves = sum(1 for n in tree.nodes if not n["children"])
    fig = _figure(max(5.0, 0.75 * leaves + 1.5), max(3.0, 0.55 * len(tree.merges) + 1.6))
    ax = fig.add_subplot()
    _draw_tree(ax, tree, upto, fmt)
    words = tree.words()
    if title is None:
        title = f"Huffman tree{'' if radix == 2 else f' (radix {radix})'}: merge {upto} of {len(tree.merges)}"
        if upto == len(tree.merges) and tree.labels is not None and len(words) <= 12:
            title += "\n" + "  ".join(f"{tree.labels[s]}={w}" for s, w in enumerate(words) if w)
    ax.set_title(title, fontsize=10)
    return _done(fig, "huffman_tree", path)


def huffman_steps(counts, out_dir, *, radix: int = 2, fmt: str = "png", prefix: str = "huffman_step") -> list[str]:
    """One figure per merge of Huffman's algorithm (``prefix_00`` = the leaves, ``_01`` after merge 1,
    ...) written into ``out_dir`` as ``fmt`` (png or svg); returns the paths."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}")
    tree, _ = _tree_and_format(counts, radix)
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for k in range(len(tree.merges) + 1):
        path = os.path.join(out_dir, f"{prefix}_{k:02d}.{fmt}")
        plot_huffman_tree(counts, path, radix=radix, upto=k)
        paths.append(path)
    return paths


# ---------------------------------------------------------------------------------------------- arithmetic

def _binary(x: Fraction, digits: int) -> str:
    return format((x.numerator << digits) // x.denominator, f"0{digits}b") if digits else ""


def certain_bits(low: Fraction, high: Fraction) -> str:
    """The bits every number of ``[low, high)`` starts with (what an arithmetic coder can already emit)."""
    out, l = "", 0
    while l < 4096:
        l += 1
        a = (low.numerator << l) // low.denominator
        b = -(-(high.numerator << l) // high.denominator) - 1  # the last l-bit cell that meets [low, high)
        if a != b:
            break
        out = format(a, f"0{l}b")
    return out


def shortest_code(low: Fraction, high: Fraction) -> str:
    """The shortest bit string whose dyadic interval ``[0.b, 0.b + 2**-|b|)`` lies inside ``[low, high)``."""
    l = 0
    while True:
        l += 1
        m = -(-(low.numerator << l) // low.denominator)  # ceil(low * 2**l)
        if Fraction(m + 1, 1 << l) <= high:
            return format(m, f"0{l}b")


def arithmetic_intervals(message, p) -> list[dict]:
    """Exact interval narrowing of arithmetic coding: one dict per step (step 0 is [0, 1)) with
    ``low``, ``high`` (Fractions), ``symbol`` and ``certain`` (the bits known so far)."""
    from ..codes.classic import _probabilities
    labels, probs = _probabilities(p)
    index = {lab: i for i, lab in enumerate(labels)} if labels is not None else None
    cumulative = [Fraction(0)]
    for q in probs:
        cumulative.append(cumulative[-1] + q)
    low, high = Fraction(0), Fraction(1)
    steps = [{"low": low, "high": high, "symbol": None, "certain": ""}]
    for s in message:
        i = index.get(s, -1) if index is not None else int(s)
        if not 0 <= i < len(probs) or not probs[i]:
            raise ValueError(f"symbol {s!r} has no probability in the model")
        width = high - low
        low, high = low + width * cumulative[i], low + width * cumulative[i + 1]
        steps.append({"low": low, "high": high, "symbol": s, "index": i, "certain": certain_bits(low, high)})
    return steps


def plot_arithmetic_intervals(message, p, path=None, *, title: str | None = None):
    """Arithmetic coding of a short ``message`` with model ``p`` (a dict of labelled probabilities, or a
    sequence indexed by symbol): each row is the current interval, zoomed to full width and split in
    proportion to p, with the coded symbol's part highlighted; the right column shows the interval
    and the bits that have become certain. The last line gives the code word (the shortest dyadic
    interval inside the final one) against the ideal ``-log2 p(message)``."""
    labels, probs = _probability_vector(p)
    steps = arithmetic_intervals(message, p)
    rows = len(steps) - 1
    if rows == 0:
        raise ValueError("the message must not be empty")
    if rows > 24:
        raise ValueError("a picture of the intervals is readable for messages of at most 24 symbols")
    fig = _figure(10.0, 1.0 + 0.62 * rows)
    ax = fig.add_subplot()
    cum = np.concatenate([[0.0], np.cumsum(probs)])
    for r in range(rows):
        y = rows - r
        before, after = steps[r], steps[r + 1]
        for i, q in enumerate(probs):
            if not q:
                continue
            chosen = i == after["index"]
            ax.add_patch(_rect(cum[i], y - 0.3, q, 0.6, _COLORS[i % len(_COLORS)], 1.0 if chosen else 0.22,
                               "#222222" if chosen else "#999999"))
            if q > 0.04:
                ax.text(cum[i] + q / 2, y, labels[i], ha="center", va="center", fontsize=9,
                        fontweight="bold" if chosen else "normal", color="white" if chosen else "#333333")
        if r + 1 < rows:  # the zoom: the chosen part becomes the next row
            i = after["index"]
            ax.fill([cum[i], cum[i + 1], 1.0, 0.0], [y - 0.3, y - 0.3, y - 0.7, y - 0.7],
                    color=_COLORS[i % len(_COLORS)], alpha=0.12, linewidth=0)
        ax.text(-0.01, y, _decimal(before["low"], before["high"] - before["low"]), ha="right", va="center",
                fontsize=7, color="#555555")
        ax.text(0.0, y + 0.33, "low", ha="left", va="bottom", fontsize=6, color="#777777") if r == 0 else None
        ax.text(1.0, y + 0.33, "high", ha="right", va="bottom", fontsize=6, color="#777777") if r == 0 else None
        width = after["high"] - after["low"]
        ax.text(1.02, y, f"after {after['symbol']!s}: [{_decimal(after['low'], width)}, "
                         f"{_decimal(after['high'], width)})  certain: {after['certain'] or '-'}",
                ha="left", va="center", fontsize=8, family="monospace")
    final = steps[-1]
    code = shortest_code(final["low"], final["high"])
    ideal = -math.log2(float(final["high"] - final["low"]))
    ax.text(0.0, 0.15, f"code word {code} ({len(code)} bits); ideal -log2 p(message) = {ideal:.2f} bits",
            fontsize=9, ha="left", va="center")
    ax.set_xlim(-0.25, 2.05)
    ax.set_ylim(-0.2, rows + 0.6)
    ax.axis("off")
    ax.set_title(title or f"Arithmetic coding of {''.join(map(str, message))!r}: the interval narrows, "
                          "bits become certain", fontsize=10, loc="left")
    return _done(fig, "arithmetic_intervals", path)


def _decimal(x: Fraction, width: Fraction) -> str:
    """``x`` with enough decimals to tell the ends of an interval of ``width`` apart."""
    digits = 3 + max(0, math.ceil(-math.log10(float(width)))) if width > 0 else 17
    return f"{float(x):.{min(digits, 17)}f}"


def _rect(x, y, w, h, color, alpha, edge):
    from matplotlib.patches import Rectangle
    return Rectangle((x, y), w, h, facecolor=color, alpha=alpha, edgecolor=edge, linewidth=0.8)


def rans_states(message, p, *, scale_bits: int = 8, lower: int = 1 << 12) -> dict:
    """rANS on ``message`` with ``p`` quantised to ``2**scale_bits``: the exact state without
    renormalisation (a growing integer from ``M``, ``log2(x / M)`` ~ the information so far) and the streaming state kept
    in ``[lower, 256 lower)`` by emitting bytes. Symbols are coded last to first (rANS is a stack), so
    the decoder reads them first to last. Returns the per-step arrays."""
    from ..codes.classic import _probabilities
    from ..coders.arithmetic import quantize_frequencies
    labels, probs = _probabilities(p)
    index = {lab: i for i, lab in enumerate(labels)} if labels is not None else None
    freqs = quantize_frequencies([float(q) for q in probs], scale_bits).astype(np.int64).tolist()
    cum = [0]
    for f in freqs:
        cum.append(cum[-1] + f)
    m = 1 << scale_bits
    symbols = [index.get(s, -1) if index is not None else int(s) for s in message]
    if any(not 0 <= i < len(freqs) for i in symbols):
        raise ValueError("the message has a symbol outside the model")
    x_big, x = m, lower  # the exact state starts at M: below it, rANS spends no bits on a symbol
    big, stream, emitted, info = [0.0], [x], [0], [0.0]
    total = 0
    for i in reversed(symbols):
        f = freqs[i]
        if not f:
            raise ValueError(f"symbol {i} has no probability in the model")
        x_big = (x_big // f) * m + cum[i] + x_big % f
        limit = ((lower // m) << 8) * f
        out = 0
        while x >= limit:
            x >>= 8
            out += 1
        x = (x // f) * m + cum[i] + x % f
        total += out
        big.append(math.log2(x_big) - scale_bits)
        stream.append(x)
        emitted.append(total)
        info.append(info[-1] - math.log2(f / m))
    return {"log2_state": big, "state": stream, "bytes": emitted, "information": info,
            "symbols": [message[k] for k in range(len(message) - 1, -1, -1)], "freqs": freqs, "lower": lower}


def plot_rans_states(message, p, path=None, *, scale_bits: int = 8):
    """The rANS state while coding ``message`` (last symbol first): left, ``log2 x`` of the exact state
    against the information ``sum -log2(f/M)`` coded so far (they stay within a few bits: the state *is*
    the code); right, the streaming state kept in ``[L, 256 L)``, with the bytes it emits."""
    r = rans_states(message, p, scale_bits=scale_bits)
    steps = np.arange(len(r["state"]))
    fig = _figure(10.5, 3.6)
    ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    ax1.plot(steps, r["log2_state"], "o-", color=_COLORS[0], label="log2(x / M), the exact state")
    ax1.plot(steps, r["information"], "s--", color=_COLORS[1], markersize=4,
             label="information coded, sum -log2(f/M)")
    ax1.set_xlabel("symbols coded")
    ax1.set_ylabel("bits")
    ax1.set_xticks(steps, [""] + [str(s) for s in r["symbols"]])
    ax1.legend(fontsize=8)
    ax1.grid(alpha=0.3)
    ax1.set_title("rANS without renormalisation: the state grows by -log2 p per symbol", fontsize=9)
    lower = r["lower"]
    ax2.step(steps, r["state"], where="post", color=_COLORS[2])
    ax2.plot(steps, r["state"], "o", color=_COLORS[2], label="state x")
    ax2.axhspan(lower, 256 * lower, color="#DDDDDD", alpha=0.5, label=f"[L, 256 L), L = {lower}")
    ax2.set_yscale("log", base=2)
    emitted = np.diff(r["bytes"], prepend=0)
    for j, k in enumerate(np.flatnonzero(emitted)):
        ax2.axvline(k - 0.5, color="#C44E52", linestyle="--", linewidth=0.9,
                    label="bytes emitted (state >> 8)" if j == 0 else None)
        ax2.text(k - 0.45, 300 * lower, f"{emitted[k]} byte{'s' if emitted[k] > 1 else ''}", fontsize=7,
                 color="#C44E52", ha="left", va="bottom")
    ax2.set_ylim(lower / 2, 1024 * lower)
    ax2.set_xticks(steps, [""] + [str(s) for s in r["symbols"]])
    ax2.set_xlabel("symbols coded (last to first)")
    ax2.set_ylabel("state")
    ax2.legend(fontsize=7, loc="lower right", framealpha=0.9)
    ax2.set_title(f"streaming rANS: {r['bytes'][-1]} bytes + the final state", fontsize=9)
    return _done(fig, "rans_states", path)


# ---------------------------------------------------------------------------------------------- AEP

def _compositions(n: int, k: int) -> np.ndarray:
    """All k-part compositions of n as an (m, k) int array (m = C(n + k - 1, k - 1)), built part by part."""
    rows = np.zeros((1, 0), dtype=np.int64)
    rest = np.array([n], dtype=np.int64)
    for _ in range(k - 1):
        choices = rest + 1
        parent = np.repeat(np.arange(rest.size), choices)
        first = np.arange(int(choices.sum())) - np.repeat(np.cumsum(choices) - choices, choices)
        rows = np.column_stack([rows[parent], first])
        rest = rest[parent] - first
    return np.column_stack([rows, rest])


def typical_set(p, n: int, eps: float) -> tuple[float, float]:
    """``(log2 |A_eps^(n)|, P(A_eps^(n)))`` for the i.i.d. source ``p``, exactly by types (sequences of
    one composition share their probability): A is the set of sequences with
    ``|-(1/n) log2 p(x^n) - H| <= eps``."""
    from math import lgamma
    probs = np.asarray(p, dtype=np.float64)
    probs = probs[probs > 0]
    k = probs.size
    if math.comb(n + k - 1, k - 1) > 2_000_000:
        raise ValueError("too many types to enumerate (n or the alphabet is too large)")
    h = float(-(probs * np.log2(probs)).sum())
    comps = _compositions(n, k)
    rate = -(comps @ np.log2(probs)) / n
    inside = np.abs(rate - h) <= eps + 1e-12
    log_factorial = np.array([lgamma(i + 1) for i in range(n + 1)])
    log2_count = (log_factorial[n] - log_factorial[comps].sum(axis=1)) / math.log(2)
    log2_prob = log2_count - n * rate
    if not inside.any():
        return -math.inf, 0.0
    top = log2_count[inside].max()
    size = top + math.log2(np.exp2(log2_count[inside] - top).sum())
    return float(size), float(np.exp2(log2_prob[inside]).sum())


def plot_aep(p=(0.7, 0.2, 0.1), path=None, *, n_max: int = 200, sequences: int = 40, eps: float = 0.1,
             seed: int = 1, sizes_n_max: int = 240):
    """The asymptotic equipartition property of the i.i.d. source ``p``: left, ``-(1/n) log2 p(X^n)``
    of ``sequences`` sampled sequences against n, converging into the band ``H +- eps``; middle, the
    typical set's size ``|A_eps^(n)|`` (exact, by types) against ``2^{nH}`` and all ``K^n`` sequences;
    right, its probability ``P(A_eps^(n)) -> 1``."""
    labels, probs = _probability_vector(p)
    if not 0 < eps < 1:
        raise ValueError("eps must be in (0, 1)")
    h = float(-(probs[probs > 0] * np.log2(probs[probs > 0])).sum())
    rng = np.random.default_rng(seed)
    draws = rng.choice(probs.size, size=(sequences, n_max), p=probs)
    info = -np.log2(probs)[draws]
    running = np.cumsum(info, axis=1) / np.arange(1, n_max + 1)
    fig = _figure(13.0, 3.8)
    ax1, ax2, ax3 = (fig.add_subplot(1, 3, i) for i in (1, 2, 3))
    n = np.arange(1, n_max + 1)
    ax1.axhspan(h - eps, h + eps, color=_COLORS[2], alpha=0.25, label=f"typical band $H \\pm {eps:g}$")
    for row in running:
        ax1.plot(n, row, color=_COLORS[0], alpha=0.25, linewidth=0.8)
    ax1.axhline(h, color="black", linewidth=1, label=f"H = {h:.3f} bits")
    ax1.set_xlabel("n")
    ax1.set_ylabel("$-\\frac{1}{n} \\log_2 p(X^n)$")
    ax1.set_title(f"{sequences} sampled sequences", fontsize=9)
    ax1.set_ylim(0, max(2 * h + 0.5, float(np.percentile(running[:, :5], 95))))
    ax1.legend(fontsize=8)
    ns = np.unique(np.linspace(1, sizes_n_max, 40).astype(int))
    stats = [typical_set(probs, int(k), eps) for k in ns]
    ax2.plot(ns, ns * math.log2(probs.size), color=_COLORS[3], label=f"all sequences: $n \\log_2 {probs.size}$")
    ax2.plot(ns, ns * h, "--", color="black", label="$nH$")
    ax2.plot(ns, [s[0] for s in stats], "o", markersize=3, color=_COLORS[0],
             label="$\\log_2 |A_\\epsilon^{(n)}|$ (exact, by types)")
    ax2.plot(ns, ns * (h + eps), ":", color="gray", label="$n(H \\pm \\epsilon)$")
    ax2.plot(ns, ns * (h - eps), ":", color="gray")
    ax2.set_xlabel("n")
    ax2.set_ylabel("log2 (number of sequences)")
    ax2.set_title("the typical set: about $2^{nH}$ of the $K^n$ sequences", fontsize=9)
    ax2.legend(fontsize=7)
    ax3.plot(ns, [s[1] for s in stats], "o-", markersize=3, color=_COLORS[2])
    ax3.set_ylim(0, 1.02)
    ax3.set_xlabel("n")
    ax3.set_ylabel("$P(A_\\epsilon^{(n)})$")
    ax3.set_title("... yet it holds almost all the probability", fontsize=9)
    for ax in (ax1, ax2, ax3):
        ax.grid(alpha=0.3)
    source = ", ".join(f"p({lab})={q:g}" for lab, q in zip(labels, probs))
    fig.suptitle(f"AEP for the i.i.d. source {source}", fontsize=10)
    return _done(fig, "aep", path)


# ---------------------------------------------------------------------------------------------- theorems

def block_code_rates(p, n_max: int = 8) -> list[tuple[int, float, float]]:
    """``(n, L_n/n of the block Huffman code, L_n/n of the block Shannon code)`` for n = 1..n_max."""
    from ..codes.prefix import huffman_code_lengths, shannon_code_lengths
    probs = np.asarray(p, dtype=np.float64)
    probs = probs / probs.sum()
    if probs.size ** n_max > 1 << 20:
        raise ValueError("K**n_max blocks exceed 2**20; choose a smaller n_max")
    rows, block = [], np.ones(1)
    for n in range(1, n_max + 1):
        block = np.outer(block, probs).ravel()
        rows.append((n, float(np.dot(block, huffman_code_lengths(block))) / n,
                     float(np.dot(block, shannon_code_lengths(block))) / n))
    return rows


def plot_block_huffman(p=(0.7, 0.2, 0.1), path=None, *, n_max: int = 8, sample_rates=None):
    """Shannon's source coding theorem: ``L_n/n`` of Huffman codes for blocks of n symbols falls to H
    within ``H + 1/n`` (Shannon's block code too, less evenly). ``sample_rates`` (optional, from the
    demo) adds the bits per symbol measured on a sample."""
    probs = np.asarray(p, dtype=np.float64)
    probs = probs / probs.sum()
    h = float(-(probs[probs > 0] * np.log2(probs[probs > 0])).sum())
    rows = block_code_rates(probs, n_max)
    n = np.array([r[0] for r in rows])
    fig = _figure(6.5, 3.8)
    ax = fig.add_subplot()
    ax.fill_between(n, h, h + 1.0 / n, color="#DDDDDD", alpha=0.6, label="H <= L_n/n < H + 1/n")
    ax.plot(n, [r[1] for r in rows], "o-", color=_COLORS[0], label="Huffman on n-blocks")
    ax.plot(n, [r[2] for r in rows], "s--", color=_COLORS[1], markersize=4, label="Shannon on n-blocks")
    if sample_rates is not None:
        ax.plot(n[:len(sample_rates)], sample_rates, "x", color="black", label="measured on a sample")
    ax.axhline(h, color="black", linewidth=1, label=f"H = {h:.3f}")
    ax.set_xlabel("block length n")
    ax.set_ylabel("bits/symbol")
    ax.set_xticks(n)
    ax.set_title("Source coding theorem: L_n/n -> H", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _done(fig, "block_huffman", path)


def plot_wrong_model(p, models: dict, path=None, *, coded: dict | None = None):
    """The cost of a wrong model: for each model q, ``H(p)`` plus ``KL(p || q)`` stacked (= the
    cross-entropy the coder pays); ``coded`` (optional: name -> measured bits/symbol) marks real coder
    output. Right: a binary source coded with the model ``q`` in (0, 1), ``H(p, q)`` against q."""
    from ..measures.discrete import entropy, kl_divergence
    probs = np.asarray(p, dtype=np.float64)
    probs = probs / probs.sum()
    fig = _figure(11.0, 3.8)
    ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    names = list(models)
    hp = entropy(probs)
    kls = [kl_divergence(probs, np.asarray(models[k], dtype=np.float64)) for k in names]
    x = np.arange(len(names))
    ax1.bar(x, [hp] * len(names), color=_COLORS[0], label="H(p)")
    ax1.bar(x, kls, bottom=[hp] * len(names), color=_COLORS[3], label="KL(p || q): the price of q")
    if coded:
        ax1.plot([i for i, k in enumerate(names) if k in coded], [coded[k] for k in names if k in coded], "k_",
                 markersize=34, mew=2, label="real coder output")
    for i, kl in enumerate(kls):
        ax1.text(i, hp + kl + 0.1, f"KL +{kl:.3f}", ha="center", fontsize=8)
    ax1.set_xticks(x, names)
    ax1.set_ylabel("bits/symbol")
    ax1.set_title("coding p with a model q costs H(p) + KL(p || q)", fontsize=9)
    ax1.legend(fontsize=8, loc="upper left", markerscale=0.3)
    ax1.set_ylim(0, max(hp + max(kls, default=0), max(coded.values(), default=0) if coded else 0) * 1.25 + 0.1)
    q = np.linspace(0.005, 0.995, 400)
    for pb, color in ((0.1, _COLORS[0]), (0.25, _COLORS[1]), (0.5, _COLORS[2])):
        cross = -(pb * np.log2(q) + (1 - pb) * np.log2(1 - q))
        ax2.plot(q, cross, color=color, label=f"p = {pb:g}: min H(p) = {entropy([pb, 1 - pb]):.3f} at q = p")
        ax2.plot([pb], [entropy([pb, 1 - pb])], "o", color=color)
    ax2.set_ylim(0, 3)
    ax2.set_xlabel("model q = q(1)")
    ax2.set_ylabel("H(p, q) bits/symbol")
    ax2.set_title("a binary source: the cross-entropy is least at the true p", fontsize=9)
    ax2.legend(fontsize=7)
    ax2.grid(alpha=0.3)
    return _done(fig, "wrong_model", path)


def plot_code_lengths(table, path=None):
    """A :class:`~codelength.codes.prefix.CodeTable`: ``-log2 p`` (ideal) beside the code's lengths."""
    rows = table.rows
    fig = _figure(max(5.0, 0.45 * len(rows) + 2), 3.6)
    ax = fig.add_subplot()
    x = np.arange(len(rows))
    ax.bar(x - 0.2, [r["information"] for r in rows], 0.4, color=_COLORS[0], label="-log2 p (ideal)")
    ax.bar(x + 0.2, [r["length"] for r in rows], 0.4, color=_COLORS[1], label="code word length")
    ax.set_xticks(x, [r["label"] for r in rows])
    ax.set_ylabel("bits")
    ax.set_title(f"Code lengths: H = {table.entropy:.3f}, L = {table.average_length:.3f} bits/symbol", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    return _done(fig, "code_lengths", path)


def plot_integer_codes(path=None, *, codes=(("unary", {}), ("gamma", {}), ("delta", {}), ("omega", {}),
                                            ("fibonacci", {}), ("golomb", {"m": 8}), ("exp-golomb", {"k": 2})),
                       n_max: int = 1 << 16):
    """Code word length against the value n for the integer codes (log scale), with ``log2 n``: the
    universal codes stay within a constant factor of it, unary and Golomb grow linearly."""
    from ..codes.integer import INTEGER_CODES, int_code_length
    n = np.unique(np.round(np.logspace(0, math.log10(n_max), 300)).astype(np.int64))
    fig = _figure(7.5, 4.2)
    ax = fig.add_subplot()
    for j, (code, params) in enumerate(codes):
        values = n if INTEGER_CODES[code] == 1 else n - 1
        keep = values <= (64 if code == "unary" else n_max)
        lengths = int_code_length(values[keep], code, **params)
        name = code + ("(" + ", ".join(f"{k}={v}" for k, v in params.items()) + ")" if params else "")
        ax.plot(n[keep], lengths, color=_COLORS[j % len(_COLORS)], label=name, linewidth=1.4)
    ax.plot(n, np.log2(n), "k--", linewidth=1, label="log2 n")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("value n (for the codes of n >= 0: n - 1)")
    ax.set_ylabel("code word length (bits)")
    ax.set_ylim(0, 60)
    ax.set_title("Integer codes: word length against the value", fontsize=10)
    ax.legend(fontsize=8, ncol=2)
    ax.grid(alpha=0.3)
    return _done(fig, "integer_codes", path)
