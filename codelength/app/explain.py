"""``codelength explain``: each byte coloured by what it really costs under the context-mixing coder.

The cost of byte i is its self-information under the adaptive model, ``-log2 q(x_i | x_<i)`` bits
(:func:`codelength.code_lengths_of`): predictable bytes (the rest of a word, a repeat) cost a fraction
of a bit, surprises cost many. The costs add up to the compressed size, so the picture shows where the
information of a file is. Output: ANSI colours for a terminal (:func:`render_terminal`) or an HTML page
with a legend (:func:`render_html`).
"""
from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np

#: Upper edges (bits) of the cost classes; the last class is everything above.
EDGES = (0.5, 1.0, 2.0, 3.0, 4.5, 6.0, 8.0)
#: Background colours of the classes: 256-colour terminal codes and HTML colours, cheap (green) to dear (red).
TERM_COLOURS = (22, 28, 64, 100, 136, 166, 160, 196)
HTML_COLOURS = ("#1a7f37", "#4c9a2a", "#8db600", "#c9b800", "#e3a008", "#e67e22", "#d9480f", "#b00020")
#: Bytes costed by default (a prefix's costs do not depend on what follows it).
DEFAULT_LIMIT = 1 << 20


@dataclass
class Explanation:
    """Per-byte costs of a byte string under the cm coder's model."""

    data: bytes
    bits: np.ndarray

    @property
    def total_bits(self) -> float:
        return float(self.bits.sum())

    @property
    def bits_per_byte(self) -> float:
        return self.total_bits / len(self.data) if self.data else 0.0

    def classes(self) -> np.ndarray:
        """Cost class of each byte (0 = cheapest .. len(EDGES))."""
        return np.searchsorted(np.asarray(EDGES), self.bits, side="left")

    def summary(self) -> str:
        n = len(self.data)
        if not n:
            return "empty input: nothing to explain"
        dear = float(np.mean(self.bits > 4.5)) * 100.0
        cheap = float(np.mean(self.bits <= 1.0)) * 100.0
        return (f"{n:,} bytes cost {self.total_bits / 8:,.0f} bytes ({self.bits_per_byte:.3f} bits/byte) under the "
                f"context-mixing model; {cheap:.1f} % of the bytes cost at most 1 bit, {dear:.1f} % more than 4.5")


def explain(data, *, memory=None) -> Explanation:
    """Cost every byte of ``data`` (bytes-like) with :func:`codelength.code_lengths_of`."""
    from ..coders.costs import code_lengths_of
    data = bytes(data)
    options = {} if memory is None else {"memory": memory}
    return Explanation(data, code_lengths_of(data, "cm", **options))


def _label(i: int) -> str:
    lo = 0.0 if i == 0 else EDGES[i - 1]
    return f"> {EDGES[-1]:g}" if i == len(EDGES) else f"{lo:g}-{EDGES[i]:g}"


def _shown(byte: int) -> str:
    """A byte as one visible character (text as itself, others as a middle dot)."""
    if byte in (9, 10) or 32 <= byte < 127:
        return chr(byte)
    if byte == 13:         # the CR of CRLF line ends: not drawn
        return ""
    return "\u00b7"


def _runs(classes: np.ndarray, data: bytes, limit: int):
    """(class, first, end) runs of equal class over the first ``limit`` bytes, cut at line ends."""
    n = min(limit, len(data))
    start = 0
    for i in range(1, n + 1):
        if i == n or classes[i] != classes[start] or data[i - 1] == 10:
            yield int(classes[start]), start, i
            start = i


def legend_terminal(colour: bool = True) -> str:
    parts = []
    for i in range(len(EDGES) + 1):
        text = f" {_label(i)} "
        parts.append(f"\x1b[48;5;{TERM_COLOURS[i]}m\x1b[97m{text}\x1b[0m" if colour else f"[{i}:{text.strip()}]")
    return "bits per byte: " + "".join(parts)


def render_terminal(ex: Explanation, *, colour: bool = True, limit: int = 20000) -> str:
    """The first ``limit`` bytes with ANSI background colours by cost (``colour=False``: class digits under
    each line instead, for pipes and files), then the legend and the summary."""
    classes = ex.classes()
    out = []
    if colour:
        for cls, a, b in _runs(classes, ex.data, limit):
            text = "".join(_shown(c) for c in ex.data[a:b])
            newline = text.endswith("\n")
            text = text.rstrip("\n")
            if not text:
                out.append("\n" if newline else "")
                continue
            out.append(f"\x1b[48;5;{TERM_COLOURS[cls]}m\x1b[97m{text}\x1b[0m" + ("\n" if newline else ""))
        body = "".join(out)
    else:
        lines, digits, line = [], [], []
        for i, c in enumerate(ex.data[:limit]):
            if c == 10:
                lines.append("".join(line))
                lines.append("".join(digits))
                line, digits = [], []
                continue
            if c == 13:
                continue
            line.append(_shown(c) if c != 9 else " ")
            digits.append(str(int(classes[i])))
        if line:
            lines.append("".join(line))
            lines.append("".join(digits))
        body = "\n".join(lines)
    if not body.endswith("\n"):
        body += "\n"
    more = len(ex.data) - limit
    tail = f"... {more:,} more bytes not shown\n" if more > 0 else ""
    return body + tail + legend_terminal(colour) + "\n" + ex.summary() + "\n"


def render_html(ex: Explanation, *, title: str = "codelength explain", limit: int = DEFAULT_LIMIT) -> str:
    """A self-contained HTML page: the text with each run of bytes coloured by its cost class (hover for
    the bits), a legend, and the summary."""
    classes = ex.classes()
    spans = []
    for cls, a, b in _runs(classes, ex.data, limit):
        text = html.escape("".join(_shown(c) for c in ex.data[a:b]))
        if not text:
            continue
        bits = float(ex.bits[a:b].sum())
        spans.append(f'<span class="c{cls}" title="{b - a} byte{"s" if b - a > 1 else ""}: {bits:.2f} bits">'
                     f"{text}</span>")
    styles = "\n".join(f".c{i} {{ background: {c}; color: #fff; }}" for i, c in enumerate(HTML_COLOURS))
    legend = "".join(f'<span class="c{i} key">{html.escape(_label(i))}</span>' for i in range(len(EDGES) + 1))
    more = len(ex.data) - limit
    note = f"<p>{more:,} more bytes not shown.</p>" if more > 0 else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }}
pre {{ white-space: pre-wrap; font-size: 14px; line-height: 1.5; }}
.key {{ display: inline-block; padding: 0.2em 0.6em; margin-right: 0.2em; font-family: monospace; }}
{styles}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p>Each byte is coloured by its cost under codelength's context-mixing coder, &minus;log<sub>2</sub> q(x | past)
bits: the bytes the model predicts cost little, surprises cost much. The costs add up to the compressed
size. Hover over a run of text for its bits.</p>
<p>{html.escape(ex.summary())}.</p>
<p>Legend (bits per byte): {legend}</p>
<pre>{"".join(spans)}</pre>
{note}
</body></html>
"""


__all__ = ["EDGES", "Explanation", "explain", "render_terminal", "render_html", "legend_terminal"]
