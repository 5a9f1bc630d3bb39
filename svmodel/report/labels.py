"""Human labels and value formats for report tables and charts.

Outcomes are named by their `outcome` text, never their id; parameters by their label in the
registry (`svmodel.parameters`); values in the parameter's own unit ("3.5%", "£358.80", "2.14",
"3 years"), so a reader never sees "fewer_residential_admissions.quantity" or "0.738072".
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from svmodel.parameters import PARAMETERS
from svmodel.util.formatting import money, number, percent_short


def parameter_label(name: str) -> str:
    """The registry's label for a parameter, in lower case after the first word's capital
    ("drop_off" -> "Drop-off"; "cohort.need" -> "Cohort (need)"); unknown names are tidied."""
    entry = PARAMETERS.get(name)
    if entry is not None:
        return entry.label
    return str(name).replace("_", " ").replace(".", " ").capitalize()


def outcome_names(scenario: Any) -> dict[str, str]:
    """Outcome id -> the outcome's own text (SROI Guide stage 2: what changes)."""
    return {line.id: (line.outcome or line.id) for line in scenario.lines}


def sensitivity_label(line: Any, name: str, outcomes: Mapping[str, str]) -> str:
    """ "Avoided admission to residential care: quantity" for a line's parameter, or the bare
    parameter label ("Discount rate") for a scenario-wide one."""
    label = parameter_label(name)
    if isinstance(line, str) and line:
        return f"{outcomes.get(line, line)}: {label[:1].lower() + label[1:]}"
    return label


def parameter_value(name: str, value: Any) -> str:
    """A parameter's value in its own unit: percentages for fractions and rates, pounds for
    money, whole years, and at most three significant figures for other numbers."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    try:
        value = float(value)
    except (TypeError, ValueError):
        return str(value)
    entry = PARAMETERS.get(name)
    kind = entry.kind if entry else "number"
    if kind in ("fraction", "rate"):
        return percent_short(value)
    if kind == "money":
        return money(value, 2 if abs(value) < 1000 else 0)
    if kind == "whole":
        years = number(round(value, 2))
        return f"{years} year{'s' if value != 1 else ''}" if entry and entry.unit == "years" else years
    if kind == "factor":
        return f"x{number(value)}"
    return number(value)


def change_text(base: Any, target: Any) -> str:
    """The change from base to target in per cent of the base: "+2,009%", "-43%"."""
    try:
        base, target = float(base), float(target)
    except (TypeError, ValueError):
        return "n/a"
    if not (math.isfinite(base) and math.isfinite(target)) or base == 0:
        return "n/a"
    return f"{(target - base) / abs(base) * 100:+,.0f}%"
