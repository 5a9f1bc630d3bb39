"""The explorer's charts with stable colours: each stakeholder or value type keeps its colour
and its place while the controls move (colours follow the baseline's order, never the current
ranking), so a bar never changes colour because its value changed.

Charts are inline SVG from svmodel.report.svg (the report's own chart code): drawing one takes
about a millisecond, against about 120 ms for a matplotlib PNG, so the page keeps up with the
sliders, and every label is escaped there.
"""

from __future__ import annotations

from svmodel.report import svg
from svmodel.report.svg import PALETTE
from svmodel.results import Results


def category_colours(baseline: Results, by: str) -> dict[str, str]:
    """One colour per category of `by` (stakeholder, value_type...), in the baseline's order of
    first appearance among the outcome lines; fixed for as long as the scenario is open."""
    names: list[str] = []
    for line in baseline.scenario.lines:
        name = getattr(line, by) or "(none)"
        if name not in names:
            names.append(name)
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}


def breakdown(results: Results, by: str, colours: dict[str, str]) -> str:
    """Horizontal bars (SVG) of present value by `by`, one bar per category in `colours`' order
    (the baseline's), each in its own colour, with its share of the total."""
    title = f"Present value by {by.replace('_', ' ')}"
    return svg.breakdown(results, by, title, colours=colours)


def value_by_year(results: Results) -> str:
    """Bars (SVG) of undiscounted value and present value per outcome year."""
    return svg.value_by_year(results, "Value and present value by year")


__all__ = ["breakdown", "category_colours", "value_by_year"]
