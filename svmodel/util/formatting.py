"""Number formats shared by the CLI, reports and the explorer (UK conventions: GBP, 1,234)."""

from __future__ import annotations

import math


def money(value: float | None, decimals: int = 0) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    sign = "-" if value < 0 else ""
    return f"{sign}£{abs(value):,.{decimals}f}"


def ratio(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"£{value:,.2f} : £1"


def percent(value: float | None, decimals: int = 0) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value * 100:.{decimals}f}%"


def percent_short(value: float | None) -> str:
    """A percentage with one decimal, none when it is zero: "3.5%", "35%", "73.8%"."""
    return percent(value, 1).replace(".0%", "%")


def months(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "never (no first-year impact)"
    return f"{value:,.1f} months"


def money_axis(value: float) -> str:
    """The one money-axis format of every report chart: £950, £1.5k, £300k, £1.6m, £2.4bn."""
    if value is None or not math.isfinite(value):
        return "n/a"
    size, sign = abs(value), "-" if value < 0 else ""
    for scale, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if size >= scale:
            return f"{sign}£{_trim(size / scale)}{suffix}"
    return f"{sign}£{_trim(size)}"


def _trim(value: float) -> str:
    """One decimal at most, without a trailing ".0": 1.5 -> "1.5", 300.0 -> "300"."""
    return f"{value:,.1f}".rstrip("0").rstrip(".")


def number(value: float | None, digits: int = 3) -> str:
    """A quantity for reading, not computing: whole numbers with separators (1,234), others to
    `digits` significant figures (2.14, 0.0123), never "2.13873"."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if float(value).is_integer():
        return f"{value:,.0f}"
    if abs(value) >= 10 ** digits:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"
