"""The Monte Carlo band drawn as inline SVG: one row per variant, its P5-P95 range as a bar, its
ratio as a dot, and a line at £1 : £1. Plain text to HTML (every label escaped); no matplotlib,
so the band redraws within a slider move.

Colours are fixed per row: the baseline grey, the current controls blue, and each kept variant
the colour it was given when kept (`VariantColours`), never reassigned as values change.
References: HM Treasury Green Book (2022) Annex A5 (presenting the range of outcomes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from svmodel.explorer.band import RatioBand
from svmodel.util.formatting import ratio
from svmodel.util.safety import escape_html

BASELINE_COLOUR = "#7f7f7f"
CURRENT_COLOUR = "#1b6f8a"
#: Kept variants take these in turn (the report palette without its blue and grey).
VARIANT_PALETTE = ("#e07a2e", "#5b9a4b", "#8c5fa8", "#c9474f", "#d4b13f", "#3d8fd1")


class VariantColours:
    """Each variant name gets the next colour when first seen and keeps it while it exists."""

    def __init__(self) -> None:
        self._given: dict[str, str] = {}
        self._count = 0

    def __getitem__(self, name: str) -> str:
        if name not in self._given:
            self._given[name] = VARIANT_PALETTE[self._count % len(VARIANT_PALETTE)]
            self._count += 1
        return self._given[name]

    def forget(self, name: str) -> None:
        self._given.pop(name, None)


@dataclass(frozen=True)
class BandRow:
    label: str
    colour: str
    ratio: float | None
    band: RatioBand | None


def band_svg(rows: list[BandRow], width: int = 560) -> str:
    """The rows' bands on one shared axis (from 0, or the lowest P5, to the highest P95)."""
    known = [r for r in rows if r.band is not None]
    if not known:
        return ""
    values = [v for r in known for v in (r.band.p5, r.band.p95, r.ratio or r.band.p50)] + [1.0]
    low = min(0.0, min(values))
    high = max(values) * 1.08 or 1.0
    left, right, row_h = 150, width - 20, 26
    scale = (right - left) / (high - low)
    x = lambda v: left + (v - low) * scale  # noqa: E731
    height = row_h * len(rows) + 34
    parts = [f"<svg class='svx-band' width='{width}' height='{height}' role='img' "
             f"aria-label='SROI ratio, 5th to 95th percentile, by variant' "
             f"xmlns='http://www.w3.org/2000/svg' font-family='sans-serif' font-size='12'>"]
    for tick in _ticks(low, high):
        parts.append(f"<line x1='{x(tick):.1f}' x2='{x(tick):.1f}' y1='4' y2='{height - 26}' "
                     f"stroke='{'#b42318' if tick == 1 else '#e5e5e5'}' "
                     f"stroke-dasharray='{'4 3' if tick == 1 else ''}'/>"
                     f"<text x='{x(tick):.1f}' y='{height - 12}' text-anchor='middle' fill='#555'>"
                     f"£{tick:g}</text>")
    for i, row in enumerate(rows):
        y = 8 + i * row_h
        parts.append(f"<text x='{left - 8}' y='{y + 13}' text-anchor='end'>{escape_html(row.label[:22])}</text>")
        if row.band is None:
            parts.append(f"<text x='{left}' y='{y + 13}' fill='#555'>no range</text>")
            continue
        b = row.band
        parts.append(f"<rect x='{x(b.p5):.1f}' y='{y + 4}' width='{max(1.0, x(b.p95) - x(b.p5)):.1f}' "
                     f"height='12' rx='3' fill='{row.colour}' fill-opacity='0.35' stroke='{row.colour}'>"
                     f"<title>{escape_html(row.label)}: {escape_html(ratio(b.p5))} to "
                     f"{escape_html(ratio(b.p95))}</title></rect>")
        if row.ratio is not None and math.isfinite(row.ratio):
            parts.append(f"<circle cx='{x(row.ratio):.1f}' cy='{y + 10}' r='4.5' fill='{row.colour}'/>")
    parts.append("</svg>")
    return "".join(parts)


def _ticks(low: float, high: float) -> list[float]:
    """About five round ticks from low to high, always including 1 (break-even)."""
    span = high - low
    step = next(s for s in (0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20, 25, 50, 100, 200, 500, 1000,
                            float("inf")) if span / s <= 6)
    if not math.isfinite(step):
        step = 10 ** math.ceil(math.log10(span / 5))
    first = math.ceil(low / step) * step
    ticks = [round(first + k * step, 6) for k in range(int((high - first) / step) + 1)]
    return sorted(set(ticks) | ({1.0} if low <= 1.0 <= high else set()))


__all__ = ["BASELINE_COLOUR", "BandRow", "CURRENT_COLOUR", "VariantColours", "band_svg"]
