"""Rendering a grid of strings: aligned terminal text (Unicode box or plain), Markdown, HTML."""
from __future__ import annotations

import html
from typing import Sequence


def text_grid(header: Sequence[str], body: Sequence[Sequence[str]], style: str = "box",
              separators: Sequence[int] = ()) -> str:
    """Columns padded to their widest cell. ``separators``: body row indices preceded by a rule."""
    if style not in ("box", "plain"):
        raise ValueError(f"style must be 'box' or 'plain', got {style!r}")
    widths = [max(len(row[j]) for row in [header, *body]) for j in range(len(header))]

    def line(cells: Sequence[str], left: str, mid: str, right: str) -> str:
        return left + mid.join(c.ljust(w) for c, w in zip(cells, widths)) + right

    if style == "plain":
        rule = "  ".join("-" * w for w in widths)
        out = [line(header, "", "  ", "").rstrip(), rule]
        for i, row in enumerate(body):
            if i in separators:
                out.append(rule)
            out.append(line(row, "", "  ", "").rstrip())
        return "\n".join(out)

    def rule_line(left: str, mid: str, right: str) -> str:
        return left + mid.join("─" * (w + 2) for w in widths) + right

    out = [rule_line("┌", "┬", "┐"), line(header, "│ ", " │ ", " │"), rule_line("├", "┼", "┤")]
    for i, row in enumerate(body):
        if i in separators:
            out.append(rule_line("├", "┼", "┤"))
        out.append(line(row, "│ ", " │ ", " │"))
    out.append(rule_line("└", "┴", "┘"))
    return "\n".join(out)


def markdown_grid(header: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table (``|`` in cells escaped)."""

    def row(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return "\n".join([row(header), "|" + "|".join("---" for _ in header) + "|",
                      *(row(r) for r in body)])


def html_grid(header: Sequence[str], body: Sequence[Sequence[str]], caption: str = "",
              separators: Sequence[int] = ()) -> str:
    """An HTML ``<table>`` (all text escaped); separator rows get class ``result``."""
    parts = ['<table class="chainrule-explain">']
    if caption:
        parts.append(f"  <caption>{html.escape(caption)}</caption>")
    parts.append("  <thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header)
                 + "</tr></thead>")
    parts.append("  <tbody>")
    for i, r in enumerate(body):
        cls = ' class="result"' if any(i >= s for s in separators) else ""
        parts.append(f"    <tr{cls}>" + "".join(f"<td>{html.escape(c)}</td>" for c in r)
                     + "</tr>")
    parts.append("  </tbody>")
    parts.append("</table>")
    return "\n".join(parts)
