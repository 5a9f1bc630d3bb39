"""Valuing committed quantities with the engine: proxy x buyer's adjustments, discounted.

One engine line per measure and contract year: a quantity committed for contract year y counts
from outcome year y for the measure's duration, with the measure's drop-off, and is discounted
with the specification's discounting (the same `svmodel.engine` functions as a scenario, so a
tender is valued by exactly the formulas of docs/conventions.md).

References: SROI Guide (2012) stage 4 (impact = quantity x proxy x (1 - deadweight) x
(1 - displacement) x (1 - attribution); drop-off from the second year) and stage 5 (present
value); HM Treasury Green Book (2022) Annex A6 (discount rates).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from svmodel import engine
from svmodel.procurement.spec import ResolvedMeasure, TenderSpec


@dataclass(frozen=True)
class Adjustments:
    deadweight: float = 0.0
    displacement: float = 0.0
    attribution: float = 0.0


NONE = Adjustments()


def buyer_adjustments(measure: ResolvedMeasure) -> Adjustments:
    return Adjustments(measure.deadweight, measure.displacement, measure.attribution)


def value_by_year(spec: TenderSpec, measure: ResolvedMeasure, quantities: Sequence[float],
                  adjustments: Adjustments, horizon: int | None = None) -> np.ndarray:
    """Undiscounted value in each outcome year 1..horizon of quantities per contract year."""
    horizon = horizon or spec_horizon(spec)
    n = len(quantities)
    if n == 0 or measure.unit_value == 0:
        return np.zeros(horizon)
    # One engine line per contract year: that year's quantity, starting in that year.
    same = lambda value, dtype=float: np.full(n, value, dtype=dtype)  # noqa: E731
    lines = engine.LineArrays(
        quantity=np.asarray(quantities, dtype=float), unit_value=same(measure.unit_value),
        deadweight=same(adjustments.deadweight), displacement=same(adjustments.displacement),
        attribution=same(adjustments.attribution), drop_off=same(measure.drop_off),
        duration=same(measure.duration, int), start_year=np.arange(1, n + 1),
    )
    return engine.value_matrix(lines, horizon).sum(axis=0)


def spec_horizon(spec: TenderSpec) -> int:
    """The last outcome year any commitment can reach: contract years + longest duration - 1."""
    return spec.years + max(m.duration for m in spec.measures.values()) - 1


def discount_factors(spec: TenderSpec, horizon: int | None = None) -> np.ndarray:
    rate = spec.model.discounting
    return engine.outcome_discount_factors(rate.rate, horizon or spec_horizon(spec),
                                           rate.first_year_discounted)


def present_value(spec: TenderSpec, measure: ResolvedMeasure, quantities: Sequence[float],
                  adjustments: Adjustments) -> float:
    """Present value of the quantities committed per contract year (price-year pounds)."""
    horizon = spec_horizon(spec)
    return float(value_by_year(spec, measure, quantities, adjustments, horizon)
                 @ discount_factors(spec, horizon))


def spread(total: float, years: int) -> tuple[float, ...]:
    """A whole-contract quantity spread evenly over the contract years (targets)."""
    return tuple([total / years] * years)


def scale(quantities: Sequence[float], total: float) -> tuple[float, ...]:
    """Quantities rescaled to sum to `total`, keeping their profile (even if all were 0)."""
    current = float(sum(quantities))
    if current <= 0:
        return spread(total, len(quantities))
    return tuple(q * total / current for q in quantities)
