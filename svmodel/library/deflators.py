"""Price rebasing with HM Treasury GDP deflators.

References: HM Treasury Green Book (2022), section 5 and Annex A6 ("real prices": convert
nominal values with the GDP deflator); SROI Guide (2012) stage 3 (financial proxies in one
price base). V_target = V x deflator(target year) / deflator(proxy price year).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import total_ordering
from pathlib import Path
from svmodel.errors import PriceYearError

CALENDAR_SERIES = "HMT_QNA_Dec2025_calendar"
FINANCIAL_SERIES = "HMT_Budget2015_financial_year_via_UCD"

_FY = re.compile(r"^\s*(\d{4})\s*[/-]\s*(\d{2}|\d{4})\s*$")
_CY = re.compile(r"^\s*(\d{4})\s*$")


@total_ordering
@dataclass(frozen=True)
class PriceYear:
    """A price base: a calendar year (2019) or a UK financial year April-March (2013/14)."""

    start: int
    financial: bool = False

    @classmethod
    def parse(cls, raw: object) -> "PriceYear":
        if isinstance(raw, PriceYear):
            return raw
        if isinstance(raw, bool):
            raise PriceYearError(f"{raw!r} is not a price year")
        if isinstance(raw, int):
            return cls(raw)
        if isinstance(raw, float) and raw.is_integer():
            return cls(int(raw))
        if isinstance(raw, str):
            if m := _CY.match(raw):
                return cls(int(m.group(1)))
            if m := _FY.match(raw):
                start, end = int(m.group(1)), m.group(2)
                expected = start + 1 if len(end) == 4 else (start + 1) % 100
                if int(end) == expected:
                    return cls(start, financial=True)
        raise PriceYearError(
            f"{raw!r} is not a price year; use a calendar year such as 2019 "
            'or a financial year such as "2013/14"'
        )

    @property
    def label(self) -> str:
        return f"{self.start}/{(self.start + 1) % 100:02d}" if self.financial else str(self.start)

    def __str__(self) -> str:
        return self.label

    def __lt__(self, other: "PriceYear") -> bool:
        return (self.start + (0.25 if self.financial else 0)) < (
            other.start + (0.25 if other.financial else 0)
        )


@dataclass(frozen=True)
class Deflators:
    """The HM Treasury GDP deflator at market prices, calendar-year index.

    Financial-year indices (April-March) are derived from the calendar series as
    0.75 x index(year) + 0.25 x index(year + 1): three quarters of the financial year fall in
    the first calendar year. HM Treasury computes its own financial-year series from quarterly
    data; docs/conventions.md reports how close this approximation comes to the published
    financial-year series shipped alongside (Budget 2015 edition).
    """

    calendar: dict[int, float]
    published_financial: dict[str, float]
    source: str
    url: str
    vintage: str = CALENDAR_SERIES  # the calendar series' name, e.g. HMT_QNA_Dec2025_calendar
    #: Years whose index is a forecast in this release (HM Treasury publishes OBR forecasts for
    #: the years after the outturn); empty for an outturn-only series.
    forecast_years: frozenset[int] = frozenset()
    #: Factors already computed, by (from, to) label: each pair is worked out once per vintage
    #: (issue 11: scenario resolution, the uncertainty model and the ledger share them).
    _factors: dict[tuple[str, str], float] = field(default_factory=dict, compare=False, repr=False)

    @property
    def first_year(self) -> int:
        return min(self.calendar)

    @property
    def last_year(self) -> int:
        return max(self.calendar)

    def covers(self, year: PriceYear) -> bool:
        last = self.last_year - 1 if year.financial else self.last_year
        return self.first_year <= year.start <= last

    def allowed_text(self, financial: bool = False) -> str:
        if financial:
            return (
                f"financial years {PriceYear(self.first_year, True)} to "
                f"{PriceYear(self.last_year - 1, True)}"
            )
        return f"calendar years {self.first_year} to {self.last_year}"

    def index(self, price_year: object) -> float:
        year = PriceYear.parse(price_year)
        if not self.covers(year):
            raise PriceYearError(
                f"price year {year.label} is outside the GDP deflator series "
                f"({self.allowed_text(False)}, or {self.allowed_text(True)})"
            )
        if year.financial:
            return 0.75 * self.calendar[year.start] + 0.25 * self.calendar[year.start + 1]
        return self.calendar[year.start]

    def factor(self, from_year: object, to_year: object) -> float:
        """Multiplier that moves a value from `from_year` prices to `to_year` prices (computed
        once per pair of price years and kept)."""
        key = (PriceYear.parse(from_year).label, PriceYear.parse(to_year).label)
        found = self._factors.get(key)
        if found is None:
            found = self._factors[key] = self.index(to_year) / self.index(from_year)
        return found

    def forecast_in(self, *price_years: object) -> list[str]:
        """The price years among `price_years` whose index uses a forecast year of this vintage
        (a financial year uses two calendar years), as labels; empty when all are outturn."""
        out = []
        for raw in price_years:
            year = PriceYear.parse(raw)
            used = {year.start, year.start + 1} if year.financial else {year.start}
            if used & self.forecast_years and year.label not in out:
                out.append(year.label)
        return out

    def rebase(self, value: float, from_year: object, to_year: object) -> float:
        return value * self.factor(from_year, to_year)


# --------------------------------------------------------------------------- vintages (issue 14)
def is_calendar_series(name: str) -> bool:
    """A calendar-year GDP deflator vintage: any series named ``HMT_..._calendar``."""
    return name.startswith("HMT_") and name.endswith("_calendar")


def load_deflator_vintages(path: Path) -> dict[str, Deflators]:
    """Every calendar-year vintage in the deflator file, in file order (oldest first).

    Each HM Treasury release ("GDP deflators at market prices, and money GDP") is one series
    named ``HMT_<release>_calendar``; a newer release is added as new rows with a new series
    name, so results computed with an older vintage can still be reproduced by pinning it
    (scenario field ``deflator_vintage``)."""
    calendar: dict[str, dict[int, float]] = {}
    forecast: dict[str, set[int]] = {}
    meta: dict[str, tuple[str, str]] = {}
    financial: dict[str, float] = {}
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            series = row["series"]
            if is_calendar_series(series):
                calendar.setdefault(series, {})[int(row["period"])] = float(row["index_value"])
                if str(row.get("is_forecast") or "").strip().lower() in ("yes", "true", "1"):
                    forecast.setdefault(series, set()).add(int(row["period"]))
                meta[series] = (row["source_title"], row["source_url"])
            elif series == FINANCIAL_SERIES:
                financial[row["period"]] = float(row["index_value"])
    if not calendar:
        raise ValueError(f"{path}: no rows of a calendar-year series (HMT_..._calendar)")
    out: dict[str, Deflators] = {}
    for series, values in calendar.items():
        years = sorted(values)
        if years != list(range(years[0], years[-1] + 1)):
            raise ValueError(f"{path}: the calendar-year series {series} has gaps")
        source, url = meta[series]
        out[series] = Deflators(calendar=values, published_financial=financial, source=source,
                                url=url, vintage=series,
                                forecast_years=frozenset(forecast.get(series, ())))
    return out


def newest_vintage(vintages: dict[str, Deflators]) -> Deflators:
    """The vintage reaching the latest year; the later in the file among equals."""
    ordered = list(vintages.values())
    return max(reversed(ordered), key=lambda d: d.last_year) if len(ordered) > 1 else ordered[0]


def load_deflators(path: Path) -> Deflators:
    """The newest calendar-year vintage in the file (see `load_deflator_vintages`)."""
    return newest_vintage(load_deflator_vintages(path))
