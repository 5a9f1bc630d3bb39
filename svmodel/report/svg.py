"""Report charts drawn directly as inline SVG: the same bar charts, tornado and histogram as
`svmodel.report.charts` (matplotlib), at the size they are shown, in about a millisecond each.

Matplotlib spends 100 to 200 ms laying out and rasterising each chart; a batch report has six,
which was most of a report's time (docs/reports.md, "Speed"). These charts are simple enough
to write as SVG elements: scalable, printable, searchable text, and a fraction of a PNG's size.
Every piece of user text (stakeholder, beneficiary, parameter names) is escaped with
`svmodel.util.safety.escape_html`. Each function returns the `<svg>` markup; `svmodel.report.html.
svg_figure` wraps it with its alternative text and caption.

References: tornado and Monte Carlo charts as in HM Treasury Green Book (2022) Annex A5.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

from svmodel.util.formatting import money_axis
from svmodel.util.safety import escape_html as _esc

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from svmodel.results import Results

PALETTE = ("#1b6f8a", "#e07a2e", "#5b9a4b", "#8c5fa8", "#c9474f", "#7f7f7f", "#d4b13f", "#3d8fd1")
INK, MUTED, GRID, RED = "#1d2a33", "#4a5a66", "#dde5ea", "#c9474f"
WIDTH = 700  # px, the width the report shows charts at (CSS scales them down on narrow screens)
FONT = "-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
TITLE_SIZE, LABEL_SIZE, TICK_SIZE = 13, 11, 10
LABEL_CHARS = 34  # longest category label shown in full; longer ones end with "…"
TORNADO_CHARS = 58  # tornado labels: "Outcome text: parameter"


def pounds(value: float) -> str:
    """Axis labels in pounds: the one money-axis format (svmodel.util.formatting.money_axis)."""
    return money_axis(value)


compact = pounds  # every money axis uses the same £300k / £1.6m format


def number(value: float) -> str:
    return f"{value:,.10g}" if value == int(value) else f"{value:,.2f}".rstrip("0").rstrip(".")


def nice_ticks(low: float, high: float, count: int = 6) -> list[float]:
    """Round tick values covering [low, high]: steps of 1, 2, 2.5 or 5 times a power of ten."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0]
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step + 1e-9) * step
    ticks, value = [], first
    while value <= high + step * 1e-9 and len(ticks) < 50:
        ticks.append(round(value, 12))
        value += step
    if ticks[-1] < high - step * 1e-9:
        ticks.append(round(ticks[-1] + step, 12))
    return ticks


def text_width(text: str, size: float) -> float:
    """Approximate rendered width of sans-serif text (for margins; no font metrics needed)."""
    return len(text) * size * 0.56


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


class _Chart:
    """An SVG canvas with a title, one plot area and linear scales."""

    def __init__(self, width: float, height: float, title: str, left: float, bottom: float,
                 right: float = 16, top: float = 30):
        self.width, self.height = width, height
        self.left, self.right = left, width - right
        self.top, self.bottom = top, height - bottom
        self.parts: list[str] = [
            f'<text x="{_f(width / 2)}" y="18" text-anchor="middle" font-size="{TITLE_SIZE}" '
            f'font-weight="600" fill="{INK}">{_esc(title)}</text>']
        self.x0 = self.x1 = self.y0 = self.y1 = 0.0

    # scales
    def x_domain(self, low: float, high: float) -> None:
        self.x0, self.x1 = low, high if high > low else low + 1

    def y_domain(self, low: float, high: float) -> None:
        self.y0, self.y1 = low, high if high > low else low + 1

    def x(self, value: float) -> float:
        return self.left + (value - self.x0) / (self.x1 - self.x0) * (self.right - self.left)

    def y(self, value: float) -> float:
        return self.bottom - (value - self.y0) / (self.y1 - self.y0) * (self.bottom - self.top)

    # elements
    def rect(self, x: float, y: float, w: float, h: float, fill: str, opacity: float = 1.0,
             tip: str = "") -> None:
        if w < 0:
            x, w = x + w, -w
        if h < 0:
            y, h = y + h, -h
        extra = f' fill-opacity="{opacity}"' if opacity < 1 else ""
        body = f"<title>{_esc(tip)}</title></rect>" if tip else "/>"
        self.parts.append(f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(w)}" height="{_f(h)}" '
                          f'fill="{fill}"{extra}' + (">" + body if tip else body))

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str, width: float = 1,
             dash: str = "") -> None:
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(f'<line x1="{_f(x1)}" y1="{_f(y1)}" x2="{_f(x2)}" y2="{_f(y2)}" '
                          f'stroke="{stroke}" stroke-width="{width}"{extra}/>')

    def text(self, x: float, y: float, text: str, size: float = TICK_SIZE, anchor: str = "start",
             fill: str = INK, full: str = "", rotate: bool = False) -> None:
        transform = f' transform="rotate(-90 {_f(x)} {_f(y)})"' if rotate else ""
        tip = f"<title>{_esc(full)}</title>" if full and full != text else ""
        self.parts.append(f'<text x="{_f(x)}" y="{_f(y)}" font-size="{size}" text-anchor="{anchor}" '
                          f'fill="{fill}"{transform}>{tip}{_esc(text)}</text>')

    def x_axis(self, ticks: Sequence[float], fmt: Callable[[float], str], label: str = "") -> None:
        for tick in ticks:
            x = self.x(tick)
            self.line(x, self.top, x, self.bottom, GRID)
            self.text(x, self.bottom + 14, fmt(tick), anchor="middle", fill=MUTED)
        self.line(self.left, self.bottom, self.right, self.bottom, MUTED)
        if label:
            self.text((self.left + self.right) / 2, self.bottom + 30, label, LABEL_SIZE, "middle")

    def y_axis(self, ticks: Sequence[float], fmt: Callable[[float], str], label: str = "") -> None:
        for tick in ticks:
            y = self.y(tick)
            self.line(self.left, y, self.right, y, GRID)
            self.text(self.left - 5, y + 3.5, fmt(tick), anchor="end", fill=MUTED)
        self.line(self.left, self.top, self.left, self.bottom, MUTED)
        if label:
            self.text(12, (self.top + self.bottom) / 2, label, LABEL_SIZE, "middle", rotate=True)

    def legend(self, items: Sequence[tuple[str, str, str]], x: float, y: float) -> None:
        """Entries (label, colour, kind) stacked from (x, y); kind is "box", "line" or "dash"."""
        for label, colour, kind in items:
            if kind == "box":
                self.rect(x, y - 8, 14, 9, colour)
            else:
                self.line(x, y - 3.5, x + 14, y - 3.5, colour, 1.5, "4 3" if kind == "dash" else "")
            self.text(x + 19, y, label, TICK_SIZE, fill=INK)
            y += 15

    def render(self, alt: str) -> str:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{_esc(alt)}" '
                f'viewBox="0 0 {_f(self.width)} {_f(self.height)}" width="{_f(self.width)}" '
                f'height="{_f(self.height)}" font-family="{FONT}"><title>{_esc(alt)}</title>'
                + "".join(self.parts) + "</svg>")


def _padded(low: float, high: float) -> tuple[float, float]:
    low, high = min(low, 0.0), max(high, 0.0)
    if high == low:
        high = low + 1.0
    return low, high


def vertical_bars(categories: Sequence[str], series: Sequence[tuple[str, Sequence[float]]],
                  title: str, alt: str, x_label: str = "", fmt: Callable[[float], str] = pounds,
                  height: float = 320) -> str:
    """Grouped vertical bars: one group per category, one bar per series, with a legend."""
    values = [v for _, vals in series for v in vals if math.isfinite(v)] or [0.0]
    ticks = nice_ticks(*_padded(min(values), max(values)))
    left = 14 + max(text_width(fmt(t), TICK_SIZE) for t in ticks)
    chart = _Chart(WIDTH, height, title, left=left, bottom=44 if x_label else 26)
    chart.y_domain(ticks[0], ticks[-1])
    chart.y_axis(ticks, fmt)
    n = max(len(categories), 1)
    slot = (chart.right - chart.left) / n
    bar = slot * 0.8 / max(len(series), 1)
    for i, category in enumerate(categories):
        start = chart.left + slot * i + slot * 0.1
        for j, (name, vals) in enumerate(series):
            value = vals[i] if math.isfinite(vals[i]) else 0.0
            chart.rect(start + bar * j, chart.y(0), bar, chart.y(value) - chart.y(0),
                       PALETTE[j % len(PALETTE)], tip=f"{category}, {name}: {fmt(value)}")
        chart.text(chart.left + slot * (i + 0.5), chart.bottom + 14, category, anchor="middle",
                   fill=MUTED)
    if x_label:
        chart.text((chart.left + chart.right) / 2, chart.bottom + 32, x_label, LABEL_SIZE, "middle")
    chart.legend([(name, PALETTE[j % len(PALETTE)], "box") for j, (name, _) in enumerate(series)],
                 chart.right - 110, chart.top + 10)
    return chart.render(alt)


def horizontal_bars(labels: Sequence[str], values: Sequence[float], title: str, alt: str,
                    fmt: Callable[[float], str] = pounds, notes: Sequence[str] | None = None,
                    colours: Sequence[str] | None = None, min_height: float = 150) -> str:
    """Horizontal bars, first label on top, with an optional note (e.g. a share) after each."""
    clean = [v if math.isfinite(v) else 0.0 for v in values]
    ticks = nice_ticks(*_padded(min(clean or [0.0]), max(clean or [0.0])))
    shown = [_short(str(label)) for label in labels]
    left = 12 + max([text_width(s, TICK_SIZE) for s in shown] or [20])
    right = 16 + (max(text_width(n, TICK_SIZE) for n in notes) if notes else 0)
    height = max(min_height, 34 * len(labels) + 56)
    chart = _Chart(WIDTH, height, title, left=left, bottom=26, right=right)
    chart.x_domain(ticks[0], ticks[-1])
    chart.x_axis(ticks, fmt)
    band = (chart.bottom - chart.top) / max(len(labels), 1)
    for i, (label, value) in enumerate(zip(labels, clean)):
        y = chart.top + band * i
        colour = colours[i] if colours else PALETTE[i % len(PALETTE)]
        chart.rect(chart.x(0), y + band * 0.15, chart.x(value) - chart.x(0), band * 0.7, colour,
                   tip=f"{label}: {fmt(value)}")
        chart.text(chart.left - 5, y + band / 2 + 3.5, shown[i], anchor="end", full=str(label))
        if notes:
            chart.text(max(chart.x(value), chart.x(0)) + 4, y + band / 2 + 3.5, notes[i], 9)
    chart.line(chart.x(0), chart.top, chart.x(0), chart.bottom, MUTED)
    return chart.render(alt)


# ---------------------------------------------------------------------- the report's charts
def value_by_year(results: "Results", alt: str) -> str:
    """Bars of undiscounted value per outcome year, with present value alongside."""
    table = results.by_year()
    return vertical_bars([str(int(y)) for y in table.year],
                         [("Value", [float(v) for v in table.value]),
                          ("Present value", [float(v) for v in table.present_value])],
                         "Value by year", alt, x_label="Year")


def breakdown(results: "Results", by: str, alt: str,
              colours: Mapping[str, str] | None = None) -> str:
    """Horizontal bars of present value by stakeholder, value type, beneficiary or measure,
    largest first; with `colours` (category -> colour), one bar per category in that mapping's
    order and colour instead (the explorer keeps each category's colour and place)."""
    table = results.breakdown(by).set_index(by)
    order = list(table.index) if colours is None else [n for n in colours if n in table.index]
    return horizontal_bars([str(n) for n in order], [float(table.at[n, "present_value"]) for n in order],
                           f"Present value by {by.replace('_', ' ')}", alt,
                           notes=[f"{float(table.at[n, 'share']):.0%}" for n in order],
                           colours=None if colours is None else [colours[n] for n in order])


def totals(table: "pd.DataFrame", label: str, alt: str, value: str = "present_value",
           title: str = "", top: int = 15) -> str:
    """Horizontal bars of `value` per `label` (largest on top), for roll-ups across scenarios."""
    data = table.sort_values(value, ascending=False).head(top)
    return horizontal_bars([str(v) for v in data[label]], [float(v) for v in data[value]],
                           title or f"Present value by {label.replace('_', ' ')}", alt, fmt=compact)


def _tornado_short(label: str, limit: int = TORNADO_CHARS) -> str:
    """A long "Outcome text: parameter" label shortened in its outcome part, so the parameter
    always shows ("Avoided permanent admission to…: quantity")."""
    if len(label) <= limit or ": " not in label:
        return _short(label, limit)
    outcome, _, parameter = label.rpartition(": ")
    return _short(outcome, max(limit - len(parameter) - 2, 8)) + ": " + parameter


def tornado(one_way: "pd.DataFrame", base_ratio: float, alt: str, top: int = 10,
            names: "dict[tuple[object, str], str] | None" = None) -> str:
    """One-way sensitivity: for each parameter, the SROI ratio at its low and high value, the
    widest swing on top, around the base ratio and the 1 : 1 line.

    Expects `svmodel.uncertainty.one_way` columns: line, parameter, ratio_low, ratio_high, swing;
    `names` maps (line, parameter) to its human label (svmodel.report.labels).
    """
    table = one_way.sort_values("swing", ascending=False).head(top)
    names = names or {}
    labels = [names.get((line, param)) or (f"{line}: {param}" if isinstance(line, str) and line
                                          else str(param))
              for line, param in zip(table.line, table.parameter)]
    low = [float(v) for v in table.ratio_low]
    high = [float(v) for v in table.ratio_high]
    finite = [v for v in low + high + [base_ratio, 1.0] if math.isfinite(v)]
    ticks = nice_ticks(min(finite), max(finite))
    shown = [_tornado_short(s) for s in labels]
    left = 12 + max([text_width(s, 9) for s in shown] or [20])
    height = max(330, 24 * len(labels) + 110)
    chart = _Chart(WIDTH, height, "SROI ratio at each parameter's low and high value",
                   left=left, bottom=44)
    chart.x_domain(ticks[0], ticks[-1])
    chart.x_axis(ticks, number, "SROI ratio (£ of value per £1 invested)")
    band = (chart.bottom - chart.top - 48) / max(len(labels), 1)
    base_x = chart.x(base_ratio) if math.isfinite(base_ratio) else chart.x(ticks[0])
    for i, label in enumerate(labels):
        y = chart.top + band * i
        for value, colour, which in ((low[i], PALETTE[1], "low"), (high[i], PALETTE[0], "high")):
            if math.isfinite(value):
                chart.rect(base_x, y + band * 0.15, chart.x(value) - base_x, band * 0.7, colour,
                           tip=f"{label}, {which} value: ratio £{value:,.2f} : £1")
        chart.text(chart.left - 5, y + band / 2 + 3.5, shown[i], 9, "end", full=label)
    chart.line(base_x, chart.top, base_x, chart.bottom, "#333333", 1)
    chart.line(chart.x(1.0), chart.top, chart.x(1.0), chart.bottom, RED, 1, "4 3")
    chart.legend([("Low value", PALETTE[1], "box"), ("High value", PALETTE[0], "box"),
                  ("Ratio 1 : 1", RED, "dash")], chart.right - 110, chart.bottom - 38)
    return chart.render(alt)


def ratio_distribution(sroi_ratio: "np.ndarray", base_ratio: float, alt: str) -> str:
    """Histogram of Monte Carlo SROI ratios with the base ratio, ratio 1 and the 90% interval."""
    import numpy as np

    values = np.asarray(sroi_ratio, dtype=float)
    values = values[np.isfinite(values)]
    legend: list[tuple[str, str, str]] = []
    span = None
    if values.size:
        counts, edges = np.histogram(values, bins=min(50, max(10, values.size // 40)))
        p5, p95 = np.percentile(values, [5, 95])
        span = (float(p5), float(p95))
    else:
        counts, edges = np.zeros(1), np.array([base_ratio - 0.5, base_ratio + 0.5])
    x_ticks = nice_ticks(min(float(edges[0]), base_ratio, 1.0), max(float(edges[-1]), base_ratio, 1.0))
    y_ticks = nice_ticks(0, float(counts.max()) if counts.size else 1.0, 5)
    left = 30 + max(text_width(number(t), TICK_SIZE) for t in y_ticks)
    chart = _Chart(WIDTH, 320, "Monte Carlo distribution of the SROI ratio", left=left, bottom=44)
    chart.x_domain(x_ticks[0], x_ticks[-1])
    chart.y_domain(y_ticks[0], y_ticks[-1])
    chart.y_axis(y_ticks, number, "Draws")
    chart.x_axis(x_ticks, number, "SROI ratio")
    if span:
        chart.rect(chart.x(span[0]), chart.top, chart.x(span[1]) - chart.x(span[0]),
                   chart.bottom - chart.top, PALETTE[2], 0.12)
        legend.append((f"90% interval {span[0]:.2f} to {span[1]:.2f}", PALETTE[2], "box"))
    for count, lo, hi in zip(counts, edges[:-1], edges[1:]):
        if count:
            chart.rect(chart.x(float(lo)), chart.y(float(count)), chart.x(float(hi)) - chart.x(float(lo)),
                       chart.y(0) - chart.y(float(count)), PALETTE[0], 0.85,
                       tip=f"{lo:.2f} to {hi:.2f}: {int(count)} draws")
    if math.isfinite(base_ratio):
        chart.line(chart.x(base_ratio), chart.top, chart.x(base_ratio), chart.bottom, "#333333", 1.2)
    chart.line(chart.x(1.0), chart.top, chart.x(1.0), chart.bottom, RED, 1, "4 3")
    legend += [(f"Base ratio {base_ratio:.2f}", "#333333", "line"), ("Ratio 1 : 1", RED, "dash")]
    chart.legend(legend, chart.right - 175, chart.top + 10)
    return chart.render(alt)
