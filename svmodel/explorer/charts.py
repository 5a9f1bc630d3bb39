"""The explorer's charts with stable colours: each stakeholder or value type keeps its colour
and its place while the controls move (colours follow the baseline's order, never the current
ranking), so a bar never changes colour because its value changed.

Matplotlib is imported only here (and only when charts are drawn); the yearly value chart is
svmodel.report.charts.value_by_year, whose two series already have fixed colours.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from svmodel.report.charts import PALETTE
from svmodel.results import Results
from svmodel.util.formatting import money
from svmodel.util.safety import chart_text

_POUNDS = FuncFormatter(lambda value, _: money(value))


def category_colours(baseline: Results, by: str) -> dict[str, str]:
    """One colour per category of `by` (stakeholder, value_type...), in the baseline's order of
    first appearance among the outcome lines; fixed for as long as the scenario is open."""
    names: list[str] = []
    for line in baseline.scenario.lines:
        name = getattr(line, by) or "(none)"
        if name not in names:
            names.append(name)
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}


def breakdown(results: Results, by: str, colours: dict[str, str],
              figsize: tuple[float, float] = (7, 3.2)) -> Figure:
    """Horizontal bars of present value by `by`, one bar per category in `colours`' order
    (the baseline's), each in its own colour, with its share of the total."""
    table = results.breakdown(by).set_index(by)
    order = [name for name in colours if name in table.index]
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    rows = list(range(len(order)))[::-1]  # the first category on top
    values = [float(table.at[name, "present_value"]) for name in order]
    ax.barh(rows, values, color=[colours[name] for name in order])
    ax.set_yticks(rows, [chart_text(name) for name in order])
    for y, name, value in zip(rows, order, values):
        ax.annotate(f" {float(table.at[name, 'share']):.0%}", (value, y), va="center", fontsize=8)
    ax.xaxis.set_major_formatter(_POUNDS)
    ax.set_title(f"Present value by {by.replace('_', ' ')}")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


__all__ = ["breakdown", "category_colours"]
