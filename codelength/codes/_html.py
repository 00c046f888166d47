"""Small HTML tables for notebooks (``_repr_html_`` of the code tables, reports and profiles)."""
from __future__ import annotations

import html


def table(headers, rows, *, caption: str = "", footer_lines=(), align=None) -> str:
    """An HTML table: ``headers`` (strings), ``rows`` (sequences of cells), a caption and lines below.

    Cells are escaped; code words are set in a monospace font when the header is ``"code"``.
    """
    align = align or ["right"] * len(headers)
    mono = [h.lower() in ("code", "word", "code word", "parse word") for h in headers]
    out = ['<div class="codelength">', '<table style="border-collapse: collapse">']
    if caption:
        out.append(f'<caption style="text-align: left; font-weight: bold">{html.escape(caption)}</caption>')
    out.append("<thead><tr>" + "".join(f'<th style="text-align: {a}; padding: 0 0.6em">{html.escape(str(h))}</th>'
                                       for h, a in zip(headers, align)) + "</tr></thead>")
    out.append("<tbody>")
    for row in rows:
        cells = []
        for cell, a, m in zip(row, align, mono):
            text = html.escape(str(cell))
            if m:
                text = f"<code>{text}</code>"
            cells.append(f'<td style="text-align: {a}; padding: 0 0.6em">{text}</td>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    if footer_lines:
        out.append("<p>" + "<br>".join(html.escape(line) for line in footer_lines) + "</p>")
    out.append("</div>")
    return "\n".join(out)


def pre(text: str, caption: str = "") -> str:
    """Preformatted text as HTML (for reports whose natural form is the text layout)."""
    head = f"<p><b>{html.escape(caption)}</b></p>" if caption else ""
    return f'<div class="codelength">{head}<pre>{html.escape(text)}</pre></div>'
