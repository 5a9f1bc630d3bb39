"""Matplotlib charts of SROI results. Each function returns a Figure and never calls show().

Uses the object-oriented API (`matplotlib.figure.Figure`), not pyplot, so charts are safe to
build in worker processes and widget callbacks without a display or global state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from svmodel.results import Results
from svmodel.report.svg import PALETTE  # one palette for the PNG and the SVG charts
from svmodel.util.formatting import money_axis
from svmodel.util.safety import chart_text

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

def _compact(value: float, _: object = None) -> str:
    """Pound labels on every money axis: £950, £200k, £1.6m (svmodel.util.formatting.money_axis)."""
    return money_axis(value)


_POUNDS = FuncFormatter(_compact)


def value_by_year(results: Results, figsize: tuple[float, float] = (7, 3.2)) -> Figure:
    """Bars of undiscounted value per outcome year, with present value alongside."""
    table = results.by_year()
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    width = 0.4
    ax.bar(table.year - width / 2, table.value, width, label="Value", color=PALETTE[0])
    ax.bar(table.year + width / 2, table.present_value, width, label="Present value", color=PALETTE[1])
    ax.set_xlabel("Year")
    ax.set_xticks(table.year)
    ax.yaxis.set_major_formatter(_POUNDS)
    ax.set_title("Value by year")
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def breakdown(results: Results, by: str, figsize: tuple[float, float] = (7, 3.2)) -> Figure:
    """Horizontal bars of present value by stakeholder, value type, beneficiary or measure."""
    table = results.breakdown(by).iloc[::-1]
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(table))][::-1]
    ax.barh(range(len(table)), table.present_value, color=colours)
    ax.set_yticks(range(len(table)), [chart_text(v) for v in table[by]])
    for y, (value, share) in enumerate(zip(table.present_value, table.share)):
        ax.annotate(f" {share:.0%}", (value, y), va="center", fontsize=8)
    ax.xaxis.set_major_formatter(_POUNDS)
    ax.set_title(f"Present value by {by.replace('_', ' ')}")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def tornado(one_way: "pd.DataFrame", base_ratio: float, top: int = 10,
            figsize: tuple[float, float] = (7, 3.6)) -> Figure:
    """One-way sensitivity as a tornado: for each parameter, the SROI ratio at its low and high
    value, widest swing on top, around the base ratio.

    Expects `svmodel.uncertainty.one_way` columns: line, parameter, ratio_low, ratio_high, swing.
    References: HM Treasury Green Book (2022) 5.4 and Annex A5 (sensitivity analysis).
    """
    table = one_way.sort_values("swing", ascending=False).head(top).iloc[::-1]
    labels = [f"{line}.{param}" if isinstance(line, str) and line else str(param)
              for line, param in zip(table.line, table.parameter)]
    fig = Figure(figsize=(figsize[0], max(figsize[1], 0.35 * len(table) + 1.2)), layout="constrained")
    ax = fig.add_subplot()
    y = range(len(table))
    low = table.ratio_low.to_numpy(dtype=float)
    high = table.ratio_high.to_numpy(dtype=float)
    ax.barh(y, low - base_ratio, left=base_ratio, color=PALETTE[1], label="Low value")
    ax.barh(y, high - base_ratio, left=base_ratio, color=PALETTE[0], label="High value")
    ax.axvline(base_ratio, color="#333333", linewidth=1)
    ax.axvline(1.0, color=PALETTE[4], linewidth=1, linestyle="--", label="Ratio 1 : 1")
    ax.set_yticks(list(y), [chart_text(label) for label in labels], fontsize=8)
    ax.set_xlabel("SROI ratio (£ of value per £1 invested)")
    ax.set_title("SROI ratio at each parameter's low and high value")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def ratio_distribution(sroi_ratio: "np.ndarray", base_ratio: float,
                       figsize: tuple[float, float] = (7, 3.2)) -> Figure:
    """Histogram of Monte Carlo SROI ratios with the base ratio, ratio 1 and the 90% interval.

    References: HM Treasury Green Book (2022) Annex A5 (Monte Carlo analysis).
    """
    import numpy as np

    values = np.asarray(sroi_ratio, dtype=float)
    values = values[np.isfinite(values)]
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    if values.size:
        ax.hist(values, bins=min(50, max(10, values.size // 40)), color=PALETTE[0], alpha=0.85)
        p5, p95 = np.percentile(values, [5, 95])
        ax.axvspan(p5, p95, color=PALETTE[2], alpha=0.12, label=f"90% interval {p5:.2f} to {p95:.2f}")
    ax.axvline(base_ratio, color="#333333", linewidth=1.2, label=f"Base ratio {base_ratio:.2f}")
    ax.axvline(1.0, color=PALETTE[4], linewidth=1, linestyle="--", label="Ratio 1 : 1")
    ax.set_xlabel("SROI ratio")
    ax.set_ylabel("Draws")
    ax.set_title("Monte Carlo distribution of the SROI ratio")
    ax.legend(frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def totals(table: "pd.DataFrame", label: str, value: str = "present_value", title: str = "",
           top: int = 15, figsize: tuple[float, float] = (7, 3.2)) -> Figure:
    """Horizontal bars of `value` per `label` (largest on top), for roll-ups across scenarios."""
    data = table.sort_values(value, ascending=False).head(top).iloc[::-1]
    fig = Figure(figsize=(figsize[0], max(figsize[1], 0.32 * len(data) + 1.2)), layout="constrained")
    ax = fig.add_subplot()
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(data))][::-1]
    ax.barh(range(len(data)), data[value], color=colours)
    ax.set_yticks(range(len(data)), [chart_text(v) for v in data[label]])
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6))
    ax.xaxis.set_major_formatter(FuncFormatter(_compact))
    ax.tick_params(axis="y", labelsize=8)
    ax.set_title(title or f"Present value by {label.replace('_', ' ')}")
    ax.spines[["top", "right"]].set_visible(False)
    return fig
