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


def months(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "never (no first-year impact)"
    return f"{value:,.1f} months"
