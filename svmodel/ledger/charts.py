"""Inline SVG bar charts for the ledger site and certificates: no JavaScript, no files, text
alternatives built in (`role="img"`, `<title>`, `<desc>`, and a data table beside each chart).

Colours are from a colour-blind-safe set and pass WCAG 2.1 AA contrast (3:1 for graphics)
against white; every user-supplied label is escaped with `svmodel.util.safety.escape_html`.
"""

from __future__ import annotations

import itertools
from typing import Sequence

from svmodel.util.formatting import money
from svmodel.util.safety import escape_html

LEVEL_COLOURS = {"independently verified": "#1b5e20", "evidence checked": "#1565c0",
                 "self-reported (unverified)": "#8d6e00"}
KIND_COLOURS = {"delivered": "#1b5e20", "committed": "#1565c0", "forecast": "#6a1b9a", "donated": "#b3261e"}
_ids = itertools.count(1)


def _short(value: float) -> str:
    if abs(value) >= 1e6:
        return f"£{value / 1e6:,.1f}m"
    if abs(value) >= 1e3:
        return f"£{value / 1e3:,.0f}k"
    return money(value)


def stacked_bars(rows: Sequence[tuple[str, dict[str, float]]], series: Sequence[str],
                 colours: dict[str, str], title: str, description: str, width: int = 720) -> str:
    """Horizontal bars, one per row, stacked by `series` (e.g. assurance levels of one kind).

    Only ever stack parts of one total (levels of one kind): kinds go side by side
    (`grouped_bars`)."""
    n = next(_ids)
    label_w, bar_h, gap, top = 230, 20, 8, 28
    height = top + len(rows) * (bar_h + gap) + 24
    biggest = max([sum(v.get(s, 0.0) for s in series) for _, v in rows] + [1.0])
    scale = (width - label_w - 90) / biggest
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="t{n} d{n}" '
             f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px">',
             f'<title id="t{n}">{escape_html(title)}</title><desc id="d{n}">{escape_html(description)}</desc>']
    x = label_w
    for s in series:  # legend
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{colours[s]}"/>'
                     f'<text x="{x + 16}" y="14" font-size="11">{escape_html(s)}</text>')
        x += 22 + 6.2 * len(s)
    for i, (label, values) in enumerate(rows):
        y = top + i * (bar_h + gap)
        text = label if len(label) <= 32 else label[:31] + "…"
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" font-size="12" text-anchor="end">'
                     f'{escape_html(text)}</text>')
        x = label_w
        for s in series:
            w = values.get(s, 0.0) * scale
            if w > 0:
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colours[s]}">'
                             f'<title>{escape_html(label)}: {escape_html(s)} {money(values.get(s, 0.0))}</title></rect>')
                x += w
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 14}" font-size="11">'
                     f'{_short(sum(values.get(s, 0.0) for s in series))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def grouped_bars(years: Sequence[str], kinds: Sequence[str], values: dict[tuple[str, str], float],
                 title: str, description: str, width: int = 720) -> str:
    """Vertical bars per year, one bar per kind side by side (kinds are never stacked)."""
    n = next(_ids)
    height, left, bottom, top = 260, 60, 40, 30
    biggest = max(list(values.values()) + [1.0])
    plot_h = height - top - bottom
    group_w = (width - left - 10) / max(len(years), 1)
    bar_w = max(min(group_w / (len(kinds) + 1), 40), 4)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="t{n} d{n}" '
             f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px">',
             f'<title id="t{n}">{escape_html(title)}</title><desc id="d{n}">{escape_html(description)}</desc>',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="#333"/>']
    x = left
    for k in kinds:
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{KIND_COLOURS[k]}"/>'
                     f'<text x="{x + 16}" y="16" font-size="11">{escape_html(k)}</text>')
        x += 90
    for i, year in enumerate(years):
        gx = left + i * group_w + bar_w / 2
        for j, k in enumerate(kinds):
            v = values.get((year, k), 0.0)
            h = v / biggest * plot_h
            bx = gx + j * bar_w
            parts.append(f'<rect x="{bx:.1f}" y="{height - bottom - h:.1f}" width="{bar_w - 2:.1f}" '
                         f'height="{h:.1f}" fill="{KIND_COLOURS[k]}"><title>{escape_html(year)} {k}: '
                         f'{money(v)}</title></rect>')
        parts.append(f'<text x="{gx + len(kinds) * bar_w / 2:.1f}" y="{height - bottom + 16}" font-size="12" '
                     f'text-anchor="middle">{escape_html(year)}</text>')
    parts.append(f'<text x="{left - 6}" y="{top + 4}" font-size="11" text-anchor="end">{_short(biggest)}</text>')
    parts.append("</svg>")
    return "".join(parts)
