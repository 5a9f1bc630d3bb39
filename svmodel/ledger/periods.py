"""Reporting periods: UK public-sector financial years (1 April to 31 March), written
`2026/27`, their halves (`2026/27 H1`) and quarters (`2026/27 Q1` = April to June)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

ALLOWED = "a financial year such as 2026/27, a half such as 2026/27 H1, or a quarter such as 2026/27 Q1"
_PATTERN = re.compile(r"^\s*(\d{4})\s*[/-]\s*(\d{2})\s*(?:(Q[1-4]|H[12]))?\s*$", re.IGNORECASE)


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class PeriodSpec:
    label: str
    financial_year: str
    start: date
    end: date


def parse_period(text: str) -> PeriodSpec:
    """A period label in canonical form with its dates; PeriodError names what is allowed."""
    match = _PATTERN.match(str(text or ""))
    if not match:
        raise PeriodError(f"{text!r} is not a period; expected {ALLOWED}")
    first, second, part = int(match.group(1)), int(match.group(2)), (match.group(3) or "").upper()
    if (first + 1) % 100 != second:
        raise PeriodError(f"{text!r}: {second:02d} does not follow {first}; expected "
                          f"{first}/{(first + 1) % 100:02d}")
    year = f"{first}/{second:02d}"
    start, end = date(first, 4, 1), date(first + 1, 3, 31)
    if part.startswith("Q"):
        q = int(part[1])
        start = _add_months(date(first, 4, 1), 3 * (q - 1))
        end = _add_months(start, 3) - timedelta(days=1)
    elif part.startswith("H"):
        h = int(part[1])
        start = _add_months(date(first, 4, 1), 6 * (h - 1))
        end = _add_months(start, 6) - timedelta(days=1)
    return PeriodSpec(f"{year} {part}".strip(), year, start, end)


def _add_months(day: date, months: int) -> date:
    total = day.month - 1 + months
    return date(day.year + total // 12, total % 12 + 1, 1)


def next_financial_year(year: str, offset: int = 1) -> str:
    first = int(parse_period(year).financial_year[:4]) + offset
    return f"{first}/{(first + 1) % 100:02d}"
