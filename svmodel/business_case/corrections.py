"""Optimism bias on costs and confidence-grade corrections on benefits.

- Optimism bias: HM Treasury, Supplementary Green Book Guidance: Optimism Bias (Mott MacDonald
  2002), upper bounds for capital expenditure by project category (`optimism_bias.csv`);
  cost after = cost x (1 + uplift), applied to capital costs (or to every cost when the
  scenario says `applies_to: all`).
- Confidence grades: HM Treasury / GMCA (2014) CBA guidance grades each assumption's evidence
  on a 1-6 scale and reduces benefits by a correction per grade: benefit after = benefit x
  (1 - correction[grade]). The correction table is the scenario's (`confidence_grades:`, with its
  source): svmodel ships no default table because the published figures could not be checked
  from the sources available to this project (docs/business-case.md).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from svmodel.resources import data_dir


@dataclass(frozen=True)
class OptimismBiasCategory:
    category: str
    description: str
    capital_uplift: float
    vintage: str
    source: str


@lru_cache(maxsize=4)
def _table(directory: str) -> dict[str, OptimismBiasCategory]:
    with open(Path(directory) / "optimism_bias.csv", newline="", encoding="utf-8") as handle:
        return {r["category"]: OptimismBiasCategory(r["category"], r["description"],
                                                    float(r["capital_uplift"]), r["vintage"], r["source"])
                for r in csv.DictReader(handle)}


def optimism_bias_table() -> dict[str, OptimismBiasCategory]:
    """The shipped optimism bias categories, by name."""
    return _table(str(data_dir("business_case")))


@dataclass(frozen=True)
class OptimismBiasApplied:
    uplift: float
    applies_to: str  # "capital" or "all"
    category: str | None
    source: str

    def factor(self, cost_type: str) -> float:
        return 1.0 + self.uplift if self.applies_to == "all" or cost_type == "capital" else 1.0


def optimism_bias_of(spec: object | None) -> OptimismBiasApplied | None:
    """The uplift a scenario's `optimism_bias:` section asks for, or None."""
    if spec is None:
        return None
    category = getattr(spec, "category", None)
    if category is not None:
        row = optimism_bias_table()[category]
        return OptimismBiasApplied(row.capital_uplift, spec.applies_to, category, row.source)
    return OptimismBiasApplied(float(spec.uplift), spec.applies_to, None, spec.source)


def grade_factor(grade: int | None, table: object | None) -> float:
    """1 - correction for a line's grade; 1 when the line is ungraded or there is no table."""
    if grade is None or table is None:
        return 1.0
    return 1.0 - float(table.corrections[grade])
