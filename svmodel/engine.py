"""The SROI calculation: arrays in, arrays out, vectorised with numpy over lines x years.

Conventions (docs/conventions.md states each with its source):

- Impact = Q x V x (1 - deadweight) x (1 - displacement) x (1 - attribution)
  (SROI Guide 2012, stage 4 "establishing impact"), times the local share (1 - leakage) where
  a line gives one (HCA Additionality Guide 2014, 4.2; default 1).
- Value in year t, S <= t < S + D: Impact x (1 - drop_off)^(t - S); zero outside that window
  (SROI Guide stage 4, drop-off applied from the second year of the outcome).
- Discount factor for outcome year t: D(t) when the first year is discounted (SROI Guide
  stage 5), D(t - 1) otherwise (Green Book: year 1 as year 0); inputs in year y use D(y).
- D(t) for a flat rate r is 1/(1+r)^t; for the Green Book declining schedules it compounds
  each year's rate: D(t) = prod_{s=1..t} 1/(1 + r_s) (Green Book 2022, Annex A6, Table 8;
  health: Table 9).
- Lines marked not counted (transfer payments, unless the scenario includes them) are
  computed and reported but left out of every total (Green Book 2022, Annex A2: transfers
  are neither a cost nor a benefit to society).
- NPV = PV - inputs; SROI ratio = PV / inputs; net ratio = NPV / inputs;
  payback (months) = inputs / (first-year impact / 12) (SROI Guide stage 5), where the "first
  year" is the first outcome year F with a positive counted value: payback = 12 (F - 1) +
  inputs / (value in year F / 12), so an outcome starting in year 5 cannot pay back before
  month 49 (issue 14). When every line starts in year 1 this is the SROI Guide figure exactly.

The module imports only numpy, so it can serve notebooks, widgets and batch jobs alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

# (last year of the band, annual rate). Green Book 2022, Annex A6 Table 8 (standard) and
# Table 9 (health, pure time preference removed).
GREEN_BOOK_BANDS: tuple[tuple[float, float], ...] = (
    (30, 0.035), (75, 0.030), (125, 0.025), (200, 0.020), (300, 0.015), (np.inf, 0.010),
)
GREEN_BOOK_HEALTH_BANDS: tuple[tuple[float, float], ...] = (
    (30, 0.015), (75, 0.0129), (125, 0.0107), (200, 0.0086), (300, 0.0064), (np.inf, 0.0043),
)
# Issue 14: the standard schedule with the catastrophic-risk element of pure time preference
# removed (3.0% baseline), for appraisals that model catastrophic risk explicitly (HM Treasury
# supplementary discounting guidance; rates as bundled in the greenbook R package,
# inst/extdata/stpr_schedule.csv, column "catastrophic").
GREEN_BOOK_NO_CATASTROPHIC_RISK_BANDS: tuple[tuple[float, float], ...] = (
    (30, 0.030), (75, 0.0257), (125, 0.0214), (200, 0.0171), (300, 0.0129), (np.inf, 0.0086),
)
SCHEDULES = {"green_book": GREEN_BOOK_BANDS, "green_book_health": GREEN_BOOK_HEALTH_BANDS,
             "green_book_no_catastrophic_risk": GREEN_BOOK_NO_CATASTROPHIC_RISK_BANDS}

Rate = float | str


def annual_rates(rate: Rate, horizon: int) -> np.ndarray:
    """The discount rate applying in each year 1..horizon (a flat rate, or a schedule name)."""
    years = np.arange(1, horizon + 1)
    if isinstance(rate, str):
        bands = SCHEDULES[rate]
        limits = np.array([limit for limit, _ in bands])
        rates = np.array([r for _, r in bands])
        return rates[np.searchsorted(limits, years, side="left")]
    return np.full(horizon, float(rate))


def discount_factors(rate: Rate, years: np.ndarray | Sequence[int]) -> np.ndarray:
    """D(t) for each t in `years` (t >= 0; D(0) = 1)."""
    years = np.asarray(years, dtype=int)
    if years.size == 0:
        return np.zeros(0)
    if not isinstance(rate, str):
        return (1.0 + float(rate)) ** -years.astype(float)
    top = int(years.max())
    table = np.concatenate(([1.0], np.cumprod(1.0 / (1.0 + annual_rates(rate, top)))))
    return table[years]


def outcome_discount_factors(rate: Rate, horizon: int, first_year_discounted: bool = True) -> np.ndarray:
    """Discount factors for outcome years 1..horizon under either first-year convention."""
    years = np.arange(1, horizon + 1)
    return discount_factors(rate, years if first_year_discounted else years - 1)


@dataclass(frozen=True)
class LineArrays:
    """Outcome lines as parallel arrays, one element per line."""

    quantity: np.ndarray
    unit_value: np.ndarray
    deadweight: np.ndarray
    displacement: np.ndarray
    attribution: np.ndarray
    drop_off: np.ndarray
    duration: np.ndarray
    start_year: np.ndarray
    counted: np.ndarray | None = None  # bool per line; None counts every line
    local_share: np.ndarray | None = None  # issue 16: share kept in the area (1 - leakage); None = 1
    # issue 14: (n, K) share of each line's quantity from programme year k (cohort funnels);
    # None: every line's quantity counts from its start year. And lines discounted at the
    # Green Book health schedule in a scenario otherwise at its own rate.
    profile: np.ndarray | None = None
    health: np.ndarray | None = None
    # issue 14: (n, H) value in outcome year t relative to the start year (series, real growth)
    value_index: np.ndarray | None = None

    @classmethod
    def from_lines(cls, lines: Sequence[object]) -> "LineArrays":
        """Build from objects with the attributes of svmodel.scenario.Line."""
        get = lambda name, dtype: np.array([getattr(l, name) for l in lines], dtype=dtype)  # noqa: E731
        return cls(
            quantity=get("quantity", float), unit_value=get("unit_value", float),
            deadweight=get("deadweight", float), displacement=get("displacement", float),
            attribution=get("attribution", float), drop_off=get("drop_off", float),
            duration=get("duration", int), start_year=get("start_year", int),
            counted=np.array([getattr(l, "counted", True) for l in lines], dtype=bool),
            local_share=np.array([getattr(l, "local_share", 1.0) for l in lines], dtype=float),
            profile=_profiles(lines), health=_health(lines), value_index=_value_index(lines),
        )

    @property
    def weights(self) -> np.ndarray:
        """1.0 for lines counted in totals, 0.0 for those left out (transfer payments)."""
        if self.counted is None:
            return np.ones(self.quantity.shape)
        return self.counted.astype(float)

    @property
    def horizon(self) -> int:
        """The last year in which any outcome counts."""
        if self.duration.size == 0:
            return 0
        extra = self.profile.shape[1] - 1 if self.profile is not None else 0
        return int((self.start_year + self.duration - 1).max()) + extra


def _profiles(lines: Sequence[object]) -> np.ndarray | None:
    """(n, K) programme-year shares, or None when every line has one programme year."""
    profiles = [tuple(getattr(l, "profile", (1.0,))) for l in lines]
    width = max((len(p) for p in profiles), default=1)
    if width == 1:
        return None
    out = np.zeros((len(profiles), width))
    for i, p in enumerate(profiles):
        out[i, :len(p)] = p
    return out


def _value_index(lines: Sequence[object]) -> np.ndarray | None:
    """(n, H) per-year value multipliers, 1 where a line's value is constant; None when all are."""
    indices = [getattr(l, "value_index", None) for l in lines]
    if all(i is None for i in indices):
        return None
    width = max(len(i) for i in indices if i is not None)
    out = np.ones((len(indices), width))
    for row, index in enumerate(indices):
        if index is not None:
            out[row, :len(index)] = index
    return out


def _health(lines: Sequence[object]) -> np.ndarray | None:
    flags = np.array([getattr(l, "discount_schedule", "standard") == "health" for l in lines], dtype=bool)
    return flags if flags.any() else None


def impacts(lines: LineArrays) -> np.ndarray:
    """First-year value of each line after deadweight, displacement and attribution (and, where
    given, leakage: the local share, HCA Additionality Guide 2014 section 4.2)."""
    gross = lines.quantity * lines.unit_value
    if lines.local_share is not None:
        gross = gross * lines.local_share
    return gross * (1.0 - lines.deadweight) * (1.0 - lines.displacement) * (1.0 - lines.attribution)


def value_matrix(lines: LineArrays, horizon: int | None = None) -> np.ndarray:
    """Undiscounted value of each line (rows) in each year 1..horizon (columns)."""
    horizon = lines.horizon if horizon is None else horizon
    years = np.arange(1, horizon + 1)
    if lines.profile is not None:  # issue 14: one wave of outcomes per programme year
        total = np.zeros((lines.quantity.size, horizon))
        for k in range(lines.profile.shape[1]):
            total = total + lines.profile[:, k:k + 1] * _window(lines, years, lines.start_year + k)
    else:
        total = _window(lines, years, lines.start_year)
    if lines.value_index is not None:  # issue 14: values that change by year
        index = np.ones((lines.quantity.size, horizon))
        width = min(horizon, lines.value_index.shape[1])
        index[:, :width] = lines.value_index[:, :width]
        total = total * index
    return total


def _window(lines: LineArrays, years: np.ndarray, start: np.ndarray) -> np.ndarray:
    elapsed = years[None, :] - start[:, None]
    active = (elapsed >= 0) & (elapsed < lines.duration[:, None])
    decay = (1.0 - lines.drop_off[:, None]) ** np.maximum(elapsed, 0)
    return np.where(active, impacts(lines)[:, None] * decay, 0.0)


def payback_months(year_values: np.ndarray, inputs: float) -> float | None:
    """SROI Guide payback respecting start years: 12 (F - 1) + inputs / (value in F / 12), F the
    first outcome year (1-based) with a positive value; None when no year has one (or the
    figure is not representable)."""
    positive = np.flatnonzero(np.asarray(year_values) > 0)
    if positive.size == 0:
        return None
    first = int(positive[0])
    monthly = float(year_values[first]) / 12.0
    with np.errstate(divide="ignore", over="ignore"):
        payback = float(12.0 * first + np.float64(inputs) / monthly)
    return payback if np.isfinite(payback) else None


@dataclass(frozen=True)
class EngineResult:
    """Every number of an SROI calculation, as arrays and scalars."""

    years: np.ndarray  # (T,) outcome years 1..T
    impact: np.ndarray  # (n,) first-year value per line
    values: np.ndarray  # (n, T) undiscounted value per line and year
    discount_factors: np.ndarray  # (T,)
    line_present_values: np.ndarray  # (n,)
    input_amounts: np.ndarray  # (m,)
    input_years: np.ndarray  # (m,)
    input_discount_factors: np.ndarray  # (m,)
    counted: np.ndarray  # (n,) 1.0 where the line counts in totals, 0.0 where it is left out
    total_present_value: float
    total_inputs: float  # present value of inputs
    net_present_value: float
    sroi_ratio: float
    net_sroi_ratio: float
    payback_months: float | None  # None when there is no first-year impact
    line_discount_factors: np.ndarray | None = None  # (n, T) when some lines use another schedule

    @property
    def year_values(self) -> np.ndarray:
        """Total value counted in each year (lines left out of totals excluded)."""
        return self.counted @ self.values

    @property
    def year_present_values(self) -> np.ndarray:
        if self.line_discount_factors is not None:
            return self.counted @ (self.values * self.line_discount_factors)
        return self.year_values * self.discount_factors


def compute(lines: LineArrays, input_amounts: Sequence[float], input_years: Sequence[int],
            rate: Rate = 0.035, first_year_discounted: bool = True) -> EngineResult:
    """Run the SROI calculation for one scenario."""
    horizon = lines.horizon
    values = value_matrix(lines, horizon)
    factors = outcome_discount_factors(rate, horizon, first_year_discounted)
    line_pv = values @ factors
    line_factors = None
    if lines.health is not None:  # issue 14: the health schedule for health lines only
        health = outcome_discount_factors("green_book_health", horizon, first_year_discounted)
        line_factors = np.where(lines.health[:, None], health[None, :], factors[None, :])
        line_pv = (values * line_factors).sum(axis=1)
    amounts = np.asarray(input_amounts, dtype=float)
    in_years = np.asarray(input_years, dtype=int)
    in_factors = discount_factors(rate, in_years)
    weights = lines.weights
    total_pv = float(line_pv @ weights)
    total_inputs = float(amounts @ in_factors)
    npv = total_pv - total_inputs
    impact = impacts(lines)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = total_pv / total_inputs if total_inputs else float("nan")
        net_ratio = npv / total_inputs if total_inputs else float("nan")
    payback = payback_months(weights @ values, total_inputs)
    return EngineResult(
        years=np.arange(1, horizon + 1), impact=impact, values=values, discount_factors=factors,
        line_present_values=line_pv, input_amounts=amounts, input_years=in_years,
        input_discount_factors=in_factors, counted=weights, total_present_value=total_pv,
        total_inputs=total_inputs, net_present_value=npv, sroi_ratio=float(ratio),
        net_sroi_ratio=float(net_ratio), payback_months=payback,
        line_discount_factors=line_factors,
    )
