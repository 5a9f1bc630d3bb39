"""Values that change by year (issue 14): published series such as the DESNZ carbon values,
and real growth of a value (Green Book: some values, such as the value of a prevented fatality
or of a QALY, grow in real terms over time).

A line's value in outcome year t is its first-year value times index[t]; svmodel.engine applies
the index per year. For a series, outcome year t is calendar year `first_year + t - 1` and the
series is rebased from its own price year to the scenario's with the GDP deflator.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from svmodel.resources import data_dir

SERIES_FILES = {"desnz_carbon": "desnz_carbon_values.csv"}


@dataclass(frozen=True)
class ValueSeries:
    name: str
    scenario: str
    values: dict[int, float]  # calendar year -> value in `price_year` prices
    price_year: int
    unit: str
    vintage: str
    source: str

    def value(self, year: int) -> float:
        if year not in self.values:
            raise KeyError(f"{self.name} ({self.scenario}) has no value for {year}; it covers "
                           f"{min(self.values)} to {max(self.values)}")
        return self.values[year]


@lru_cache(maxsize=16)
def load_series(name: str, scenario: str = "central") -> ValueSeries:
    """A shipped series by name and scenario (low, central, high); KeyError when unknown."""
    if name not in SERIES_FILES:
        raise KeyError(f"unknown value series {name!r}; shipped: {', '.join(SERIES_FILES)}")
    path = Path(data_dir("business_case")) / SERIES_FILES[name]
    with open(path, newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["series"] == name and r["scenario"] == scenario]
    if not rows:
        raise KeyError(f"value series {name!r} has no scenario {scenario!r}")
    first = rows[0]
    return ValueSeries(name, scenario, {int(r["year"]): float(r["value"]) for r in rows},
                       int(first["price_year"]), first["unit"], first["vintage"], first["source"])


def growth_index(rate: float, start_year: int, horizon: int) -> np.ndarray:
    """index[t - 1] = (1 + g)^(t - S) for outcome years t = 1..horizon (value in year S = 1)."""
    years = np.arange(1, horizon + 1)
    return (1.0 + rate) ** (years - start_year).astype(float)


def series_index(series: ValueSeries, first_year: int, start_year: int, horizon: int) -> np.ndarray:
    """index[t - 1] = series(first_year + t - 1) / series(first_year + S - 1); 1 where undefined
    before the line starts (those years carry no value)."""
    base = series.value(first_year + start_year - 1)
    out = np.ones(horizon)
    for t in range(start_year, horizon + 1):
        out[t - 1] = series.value(first_year + t - 1) / base
    return out
