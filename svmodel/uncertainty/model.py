"""The SROI calculation for many parameter sets at once, in closed form where possible.

`evaluate(arrays, overrides)` returns the present value of outcomes and of inputs for every
"case" (a Monte Carlo draw, or one point of a sensitivity sweep) in a single vectorised pass:
the Python loop runs over outcome lines (and, for long declining schedules, over years), never
over cases.

Each line's present value is Impact x A, where Impact = Q x V x (1 - DW) x (1 - DS) x (1 - AT)
and A = sum_{k=0}^{D-1} (1 - DO)^k x DF(S + k - o) is a geometric series for a flat rate r:
A = v^(S-o) x (1 - x^D) / (1 - x), with v = 1/(1+r), x = (1 - DO) v and o = 1 when the first
year is undiscounted. It is evaluated as -expm1(D ln x) (1 + r) / (r + DO), which stays
accurate when x is close to 1. The Green Book declining schedules are flat (3.5%, or 1.5% for
health) for years 1-30, so the same closed form applies while a line ends by year 30; beyond it
the discount factors come from a precomputed cumulative-product table (one row per case when
the rate varies). The results equal `svmodel.engine.compute` to rounding (tested).

References: SROI Guide (2012) stages 4-5 (impact, drop-off, discounting); HM Treasury Green
Book (2022) Annex A6 (discount rates and the declining schedule).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from svmodel.engine import SCHEDULES, annual_rates
from svmodel.scenario import Scenario

Key = tuple[int | None, str]  # (line index or None for scenario-wide, parameter)
Overrides = dict[Key, np.ndarray]


@dataclass(frozen=True)
class ModelArrays:
    """A scenario's numbers as arrays, with each parameter's base value in the units that the
    `uncertainty:` section uses (`value` in the proxy's own price year)."""

    ids: tuple[str, ...]
    quantity: np.ndarray
    original_value: np.ndarray  # proxy or inline amount in its own price year
    rebase: np.ndarray  # GDP deflator factor to the scenario's price year
    deadweight: np.ndarray
    displacement: np.ndarray
    attribution: np.ndarray
    drop_off: np.ndarray
    duration: np.ndarray
    start_year: np.ndarray
    counted: np.ndarray  # 1.0 where a line counts in totals, 0.0 for transfers left out
    input_amounts: np.ndarray
    input_years: np.ndarray
    rate: float | str  # a flat rate or a schedule name
    first_year_discounted: bool
    local_share: np.ndarray | None = None  # issue 16: 1 - leakage per line (None: all 1)
    # issue 14: cohort funnels (None where a line has none), programme-year shares, and lines
    # on the Green Book health schedule (their discounting ignores discount_rate overrides).
    cohorts: tuple = ()
    profiles: tuple[tuple[float, ...], ...] = ()
    health: tuple[bool, ...] = ()
    value_index: tuple = ()  # per line: None, or value in outcome year t / start-year value

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> "ModelArrays":
        lines = scenario.lines
        rebase = np.array([l.rebase_factor  # the factor resolution used (issue 11: once)
                           * (-1.0 if getattr(l, "disbenefit", False) else 1.0)
                           if getattr(l, "value_index", None) is None or not l.original_value
                           else l.unit_value / l.original_value  # issue 14: grown to the start year
                           for l in lines])
        get = lambda name, dtype=float: np.array([getattr(l, name) for l in lines], dtype=dtype)  # noqa: E731
        model = scenario.model
        return cls(
            ids=tuple(l.id for l in lines), quantity=get("quantity"),
            original_value=get("original_value"), rebase=rebase,
            deadweight=get("deadweight"), displacement=get("displacement"),
            attribution=get("attribution"), drop_off=get("drop_off"),
            duration=get("duration", int), start_year=get("start_year", int),
            counted=np.array([getattr(l, "counted", True) for l in lines], dtype=float),
            input_amounts=np.array([i.amount for i in model.inputs], dtype=float),
            input_years=np.array([i.year for i in model.inputs], dtype=int),
            rate=model.discounting.rate,
            first_year_discounted=model.discounting.first_year_discounted,
            local_share=np.array([getattr(l, "local_share", 1.0) for l in lines], dtype=float),
            cohorts=tuple(getattr(l, "cohort", None) for l in lines),
            profiles=tuple(tuple(getattr(l, "profile", (1.0,))) for l in lines),
            health=tuple(getattr(l, "discount_schedule", "standard") == "health" for l in lines),
            value_index=tuple(getattr(l, "value_index", None) for l in lines),
        )

    @property
    def schedule(self) -> str | None:
        return self.rate if isinstance(self.rate, str) else None

    @property
    def base_rate(self) -> float:
        """The flat rate, or a schedule's first-band rate (the `discount_rate` parameter)."""
        if isinstance(self.rate, str):
            return float(SCHEDULES[self.rate][0][1])
        return float(self.rate)

    @property
    def flat_years(self) -> float:
        """Years 0..flat_years are discounted at `base_rate` exactly."""
        if isinstance(self.rate, str):
            return float(SCHEDULES[self.rate][0][0])
        return np.inf

    def index(self, line_id: str) -> int:
        return self.ids.index(line_id)

    def base(self, key: Key) -> float:
        """Base value of a parameter (line index None for discount_rate and inputs)."""
        line, parameter = key
        if line is None:
            if parameter == "discount_rate":
                return self.base_rate
            if parameter == "inputs":
                return 1.0
            raise KeyError(parameter)
        if parameter == "value":
            return float(self.original_value[line])
        if parameter == "local_share" and self.local_share is None:
            return 1.0
        if parameter.startswith("cohort."):
            cohort = self.cohorts[line] if self.cohorts else None
            if cohort is None:
                raise KeyError(f"{self.ids[line]} has no cohort funnel")
            return float(getattr(cohort, parameter.split(".", 1)[1])[0])
        return float(getattr(self, parameter)[line])


def _case_count(overrides: Overrides) -> int:
    sizes = {np.size(v) for v in overrides.values()}
    sizes.discard(1)
    if len(sizes) > 1:
        raise ValueError(f"override arrays differ in length: {sorted(sizes)}")
    return sizes.pop() if sizes else 1


def _geometric_annuity(rate: np.ndarray | float, drop_off: np.ndarray | float,
                       duration: np.ndarray | float, first_exponent: int) -> np.ndarray:
    """sum_{k<D} (1-DO)^k / (1+r)^(e0+k) in closed form (e0 = first_exponent)."""
    log_v = np.log1p(rate)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_g = np.log1p(-np.asarray(drop_off, dtype=float))  # -inf at 100% drop-off
        denom = rate + drop_off
        series = np.where(denom > 0, -np.expm1(duration * (log_g - log_v)) * (1.0 + rate) / denom,
                          duration)
    return np.exp(-first_exponent * log_v) * series if first_exponent else series


class _Discounting:
    """Discount factors for one evaluation: a flat rate (scalar or per case) or a schedule."""

    def __init__(self, arrays: ModelArrays, rate: np.ndarray | None, top: int):
        self.arrays = arrays
        self.rate = arrays.base_rate if rate is None else rate
        self.varies = rate is not None
        self._table: np.ndarray | None = None
        self._top = top

    def table(self) -> np.ndarray:
        """D(t) for t = 0..top: shape (top+1,), or (cases, top+1) when the rate varies.
        For a schedule every band's rate is scaled by rate / first-band rate."""
        if self._table is None:
            schedule = self.arrays.schedule
            base = annual_rates(schedule if schedule else self.arrays.base_rate, self._top)
            if self.varies:
                scale = np.asarray(self.rate)[:, None] / self.arrays.base_rate if schedule else None
                rates = base[None, :] * scale if schedule else np.broadcast_to(
                    np.asarray(self.rate)[:, None], (np.size(self.rate), self._top))
                body = np.cumprod(1.0 / (1.0 + rates), axis=1)
                self._table = np.concatenate([np.ones((body.shape[0], 1)), body], axis=1)
            else:
                self._table = np.concatenate([[1.0], np.cumprod(1.0 / (1.0 + base))])
        return self._table

    def closed_form(self, last_year: int) -> bool:
        return last_year <= self.arrays.flat_years

    def annuity(self, drop_off, duration, first_exponent: int) -> np.ndarray:
        max_duration = int(np.max(duration))
        if self.closed_form(first_exponent + max_duration - 1):
            return _geometric_annuity(self.rate, drop_off, duration, first_exponent)
        table = self.table()
        growth = 1.0 - np.asarray(drop_off, dtype=float)
        total = np.zeros(np.broadcast_shapes(np.shape(growth), np.shape(duration),
                                             table.shape[:-1]))
        weight = np.ones_like(growth)
        varying_duration = np.ndim(duration) > 0
        for k in range(max_duration):  # a loop over years, vectorised over cases
            term = weight * table[..., first_exponent + k]
            total = total + (np.where(k < duration, term, 0.0) if varying_duration else term)
            weight = weight * growth
        return total

    def input_factors(self, years: np.ndarray) -> np.ndarray:
        """D(y) for each input year: (m,) or (cases, m)."""
        if years.size == 0:
            return np.zeros((np.size(self.rate), 0)) if self.varies else np.zeros(0)
        if self.closed_form(int(years.max())):
            log_v = np.log1p(np.asarray(self.rate, dtype=float))
            return np.exp(-np.multiply.outer(log_v, years.astype(float)))
        return self.table()[..., years]


def _indexed_annuity(lane: "_Discounting", drop_off, duration, start: int, offset: int,
                     index: tuple[float, ...]) -> np.ndarray:
    """sum_j (1-DO)^j x D(start + j - offset) x index[start + j] for a value that changes by
    year (issue 14), year by year over the discount table."""
    table = lane.table()
    growth = 1.0 - np.asarray(drop_off, dtype=float)
    total = 0.0
    weight = np.ones_like(growth)
    for j in range(int(np.max(duration))):
        year = start + j
        factor = index[year - 1] if year - 1 < len(index) else 1.0
        term = weight * table[..., year - offset] * factor
        total = total + (np.where(j < duration, term, 0.0) if np.ndim(duration) > 0 else term)
        weight = weight * growth
    return total


def _cohort_quantities(arrays: ModelArrays, overrides: Overrides) -> Overrides:
    """Overrides of cohort parts (issue 14) turned into quantity overrides:
    quantity = sum over programme years of need x engagement x success."""
    parts = [k for k in overrides if k[0] is not None and k[1].startswith("cohort.")]
    if not parts:
        return overrides
    out = {k: v for k, v in overrides.items() if k not in parts}
    for line in sorted({k[0] for k in parts}):
        given = {k[1].split(".", 1)[1]: np.asarray(overrides[k], dtype=float) for k in parts if k[0] == line}
        out[(line, "quantity")] = np.asarray(arrays.cohorts[line].quantity_with(given), dtype=float)
    return out


def evaluate(arrays: ModelArrays, overrides: Overrides | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Present value of outcomes and of inputs for every case.

    `overrides` maps (line index, parameter) or (None, "discount_rate" | "inputs") to an array
    of values, one per case (all the same length); parameters not overridden keep their base
    values. `value` overrides are in the proxy's own price year and are rebased here.
    Returns two arrays of length `cases`.
    """
    overrides = _cohort_quantities(arrays, overrides or {})
    cases = _case_count(overrides)
    offset = 0 if arrays.first_year_discounted else 1
    durations = [overrides.get((i, "duration"), arrays.duration[i]) for i in range(len(arrays.ids))]
    extra = [len(arrays.profiles[i]) - 1 if arrays.profiles else 0 for i in range(len(arrays.ids))]
    tops = [int(arrays.start_year[i]) - offset + int(np.max(d)) - 1 + extra[i] for i, d in enumerate(durations)]
    top = max(tops + [int(arrays.input_years.max()) if arrays.input_years.size else 0, 1])
    rate = overrides.get((None, "discount_rate"))
    discounting = _Discounting(arrays, None if rate is None else np.asarray(rate, dtype=float), top)
    health_discounting = (_Discounting(replace(arrays, rate="green_book_health"), None, top)
                          if any(arrays.health) else discounting)

    present_value = np.zeros(cases)
    for i in range(len(arrays.ids)):
        def get(parameter: str):
            return overrides.get((i, parameter), getattr(arrays, parameter)[i])
        value = (overrides[(i, "value")] * arrays.rebase[i] if (i, "value") in overrides
                 else arrays.original_value[i] * arrays.rebase[i])
        impact = (get("quantity") * value * (1.0 - get("deadweight"))
                  * (1.0 - get("displacement")) * (1.0 - get("attribution")))
        if (i, "local_share") in overrides or (arrays.local_share is not None and arrays.local_share[i] != 1):
            impact = impact * get("local_share")  # issue 16: leakage
        if arrays.counted[i] == 0 or (np.ndim(impact) == 0 and impact == 0):
            continue
        lane = health_discounting if arrays.health and arrays.health[i] else discounting
        shares = arrays.profiles[i] if arrays.profiles else (1.0,)
        index = arrays.value_index[i] if arrays.value_index else None
        if index is None:
            annuity = sum(share * lane.annuity(get("drop_off"), durations[i],
                                               int(arrays.start_year[i]) - offset + k)
                          for k, share in enumerate(shares) if share)
        else:
            annuity = sum(share * _indexed_annuity(lane, get("drop_off"), durations[i],
                                                   int(arrays.start_year[i]) + k, offset, index)
                          for k, share in enumerate(shares) if share)
        present_value = present_value + impact * annuity
    inputs = discounting.input_factors(arrays.input_years) @ arrays.input_amounts
    scale = overrides.get((None, "inputs"))
    if scale is not None:
        inputs = inputs * scale
    return (np.broadcast_to(present_value, (cases,)).astype(float, copy=True),
            np.broadcast_to(inputs, (cases,)).astype(float, copy=True))
