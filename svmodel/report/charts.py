"""Matplotlib charts of SROI results. Each function returns a Figure and never calls show().

Uses the object-oriented API (`matplotlib.figure.Figure`), not pyplot, so charts are safe to
build in worker processes and widget callbacks without a display or global state.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from svmodel.results import Results

PALETTE = ("#1b6f8a", "#e07a2e", "#5b9a4b", "#8c5fa8", "#c9474f", "#7f7f7f", "#d4b13f", "#3d8fd1")
_POUNDS = FuncFormatter(lambda v, _: f"£{v / 1e6:,.1f}m" if abs(v) >= 1e6 else f"£{v:,.0f}")


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
    ax.barh(table[by].astype(str), table.present_value, color=colours)
    for y, (value, share) in enumerate(zip(table.present_value, table.share)):
        ax.annotate(f" {share:.0%}", (value, y), va="center", fontsize=8)
    ax.xaxis.set_major_formatter(_POUNDS)
    ax.set_title(f"Present value by {by.replace('_', ' ')}")
    ax.spines[["top", "right"]].set_visible(False)
    return fig
