"""One-way sensitivity (a tornado table) and switching values.

One-way: each parameter in turn is set to its low and its high value, every other parameter at
its base, and the SROI ratio recomputed; all these cases run as one vectorised evaluation.

Switching value: the value of one parameter at which the SROI ratio equals the target (1 by
default), all others at base. The ratio is linear in quantity, value, deadweight, displacement
and attribution (closed form, then one Newton correction to remove rounding) and in 1/inputs;
it is non-linear in drop-off and the discount rate (bracketed by a grid over the valid range,
then Brent's method), and duration is a whole number of years (the first whole year at which
the ratio reaches the target). "Not reachable" comes with the reason when no valid value
gets there. The change is also given as a percentage of the base value, as the SROI Guide
reports it.

References: SROI Guide (2012) stage 5, "sensitivity analysis"; HM Treasury Green Book (2022)
5.75-5.78 (switching values).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from svmodel.parameters import FRACTIONS
from svmodel.scenario.distributions import RANGES
from svmodel.scenario import Scenario
from svmodel.uncertainty.model import Key, ModelArrays, evaluate
from svmodel.uncertainty.ranges import all_keys, one_way_range, scenario_distributions

Target = Literal["sroi_ratio", "net_present_value"]
ONE_WAY_COLUMNS = ["line", "parameter", "base", "low", "high", "ratio_low", "ratio_high", "swing",
                   "npv_low", "npv_high", "source"]
SWITCHING_COLUMNS = ["line", "parameter", "base", "switching_value", "change_percent", "reachable",
                     "reason"]
LINEAR = ("quantity", "value", "deadweight", "displacement", "attribution", "local_share")
MAX_DURATION = int(RANGES["duration"].high)  # years searched for a duration switching value
MAX_RATE = 0.99  # highest discount rate searched (the registry's bound, 1, is open)
GRID_POINTS = 201


def _evaluate_cases(arrays: ModelArrays, cases: list[tuple[Key, float]]) -> tuple[np.ndarray, np.ndarray]:
    """PV and inputs for cases that each set one parameter, in a single vectorised pass."""
    n = len(cases)
    overrides: dict[Key, np.ndarray] = {}
    for index, (key, value) in enumerate(cases):
        if key not in overrides:
            overrides[key] = np.full(n, arrays.base(key), dtype=float)
        overrides[key][index] = value
    return evaluate(arrays, overrides)


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    """A DataFrame whose `line` column keeps None (not NaN) for scenario-wide parameters."""
    frame = pd.DataFrame(rows, columns=columns)
    frame["line"] = pd.Series([row["line"] for row in rows], dtype=object)
    for column in ("parameter", "reason", "source"):
        if column in frame:
            frame[column] = pd.Series([row[column] for row in rows], dtype=object)
    return frame


def _ratio(pv: np.ndarray, inputs: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(inputs != 0, pv / np.where(inputs != 0, inputs, 1.0), np.nan)


def _line_id(arrays: ModelArrays, key: Key) -> str | None:
    return None if key[0] is None else arrays.ids[key[0]]


def base_figures(arrays: ModelArrays) -> dict[str, float]:
    pv, inputs = evaluate(arrays)
    return {"total_present_value": float(pv[0]), "total_inputs": float(inputs[0]),
            "net_present_value": float(pv[0] - inputs[0]),
            "sroi_ratio": float(_ratio(pv, inputs)[0])}


def one_way(scenario: Scenario, target: Target = "sroi_ratio") -> pd.DataFrame:
    """The tornado table: the ratio (and NPV) at each parameter's low and high value.

    Ranges come from the scenario's `uncertainty:` section where given (a bounded
    distribution's support, else its 5th and 95th percentiles), otherwise the documented
    defaults (svmodel.uncertainty.ranges). Rows are sorted by swing, the absolute difference
    of `target` between high and low ("sroi_ratio" or "net_present_value"), largest first.
    """
    if target not in ("sroi_ratio", "net_present_value"):
        raise ValueError(f"target {target!r}: choose sroi_ratio or net_present_value")
    arrays = ModelArrays.from_scenario(scenario)
    given = scenario_distributions(scenario, arrays)
    keys = all_keys(arrays, given)
    ranges = {key: one_way_range(scenario, arrays, key, given) for key in keys}
    cases = [(key, value) for key in keys for value in (ranges[key].low, ranges[key].high)]
    pv, inputs = _evaluate_cases(arrays, cases)
    ratio = _ratio(pv, inputs)
    npv = pv - inputs
    rows = []
    for j, key in enumerate(keys):
        lo, hi = 2 * j, 2 * j + 1
        metric = ratio if target == "sroi_ratio" else npv
        rows.append({
            "line": _line_id(arrays, key), "parameter": key[1], "base": arrays.base(key),
            "low": ranges[key].low, "high": ranges[key].high,
            "ratio_low": float(ratio[lo]), "ratio_high": float(ratio[hi]),
            "swing": float(abs(metric[hi] - metric[lo])),
            "npv_low": float(npv[lo]), "npv_high": float(npv[hi]), "source": ranges[key].source,
        })
    frame = _frame(rows, ONE_WAY_COLUMNS)
    frame = frame.sort_values("swing", ascending=False, kind="mergesort", ignore_index=True)
    frame.attrs.update(base_figures(arrays))
    frame.attrs["target"] = target
    return frame


# --------------------------------------------------------------------------- switching values
class _Solver:
    """Switching values for one scenario against one target ratio."""

    def __init__(self, arrays: ModelArrays, target: float):
        self.arrays = arrays
        self.target = target
        base = base_figures(arrays)
        self.base_ratio = base["sroi_ratio"]

    def ratios(self, key: Key, values: np.ndarray) -> np.ndarray:
        pv, inputs = evaluate(self.arrays, {key: np.asarray(values, dtype=float)})
        return _ratio(pv, inputs)

    def ratio(self, key: Key, value: float) -> float:
        return float(self.ratios(key, np.array([value]))[0])

    def solve(self, key: Key) -> tuple[float, bool, str]:
        parameter = key[1]
        if parameter in LINEAR:
            return self._linear(key)
        if parameter == "inputs":
            if not self.base_ratio > 0:
                return math.nan, False, "the scenario has no present value of outcomes"
            return self.base_ratio / self.target, True, ""
        if parameter == "duration":
            return self._duration(key)
        return self._bracketed(key)

    def _describe(self, key: Key, value: float) -> str:
        parameter = key[1]
        if RANGES[parameter].percent_text:
            return f"{parameter} {value * 100:.4g}%"
        return f"{parameter} {value:,.6g}"

    def _out_of_range(self, key: Key, needed: float, bound: float) -> str:
        at_bound = self.ratio(key, bound)
        side = "above" if at_bound > self.target else "below"
        return (f"even at {self._describe(key, bound)} the ratio is {at_bound:.3f}, still {side} "
                f"{self.target:g} (it would need {self._describe(key, needed)})")

    def _linear(self, key: Key) -> tuple[float, bool, str]:
        base = self.arrays.base(key)
        x1 = 1.0 if key[1] in FRACTIONS else max(2.0 * abs(base), 1.0)
        r0, r1 = self.ratios(key, np.array([0.0, x1]))
        slope = (r1 - r0) / x1
        if not math.isfinite(slope) or slope == 0:
            return math.nan, False, ("changing it does not change the ratio: this line contributes "
                                     "no value (a quantity or value of 0, or an adjustment of 100%)")
        with np.errstate(over="ignore"):  # a tiny slope: x is inf and is reported out of range
            x = float(np.float64(self.target - r0) / np.float64(slope))
        for _ in range(2):  # Newton corrections remove rounding in r0 and slope (f is linear)
            if not math.isfinite(x):
                break
            x -= (self.ratio(key, x) - self.target) / slope
        field = RANGES[key[1]]
        if not field.contains(x):
            bound = field.low if x < field.low else field.high
            return math.nan, False, self._out_of_range(key, x, bound)
        return x, True, ""

    def _bracketed(self, key: Key) -> tuple[float, bool, str]:
        base = self.arrays.base(key)
        high = 1.0 if key[1] in FRACTIONS else MAX_RATE
        grid = np.union1d(np.linspace(0.0, high, GRID_POINTS), [base])
        f = self.ratios(key, grid) - self.target
        at = int(np.searchsorted(grid, base))
        if f[at] == 0:
            return base, True, self._note(key)
        brackets = np.nonzero(np.sign(f[:-1]) * np.sign(f[1:]) <= 0)[0]
        if brackets.size == 0:
            return math.nan, False, (
                f"from {self._describe(key, 0.0)} to {self._describe(key, high)} the ratio stays "
                f"between {np.nanmin(f) + self.target:.3f} and {np.nanmax(f) + self.target:.3f}")
        j = brackets[np.argmin(np.abs(grid[brackets] + grid[brackets + 1] - 2 * base))]
        a, b = grid[j], grid[j + 1]
        if f[j] == 0:
            return float(a), True, self._note(key)
        if f[j + 1] == 0:
            return float(b), True, self._note(key)
        x = brentq(lambda v: self.ratio(key, v) - self.target, a, b, xtol=1e-15, rtol=1e-15,
                   maxiter=200)
        return float(x), True, self._note(key)

    def _note(self, key: Key) -> str:
        if key[1] == "discount_rate" and self.arrays.schedule:
            return (f"{self.arrays.schedule} schedule: the first band's rate (years 1-30), with "
                    "every later band scaled in proportion")
        return ""

    def _duration(self, key: Key) -> tuple[float, bool, str]:
        base = int(self.arrays.base(key))
        years = np.arange(1, max(MAX_DURATION, base) + 1)
        ratios = self.ratios(key, years.astype(float))
        f = ratios - self.target
        at = base - 1
        if f[at] == 0:
            return float(base), True, "whole years"
        if f[at] > 0:
            below = np.nonzero(f[:at] <= 0)[0]
            if below.size == 0:
                return math.nan, False, (f"even at 1 year the ratio is {ratios[0]:.3f}, still above "
                                         f"{self.target:g}")
            j = int(below[-1])
            return float(years[j]), True, (f"whole years: the ratio is {ratios[j]:.3f} at {years[j]} "
                                           f"and {ratios[j + 1]:.3f} at {years[j + 1]} years")
        above = np.nonzero(f[at + 1:] >= 0)[0]
        if above.size == 0:
            return math.nan, False, (f"even at {years[-1]} years the ratio is {ratios[-1]:.3f}, still "
                                     f"below {self.target:g}")
        j = at + 1 + int(above[0])
        return float(years[j]), True, (f"whole years: the ratio is {ratios[j - 1]:.3f} at {years[j - 1]} "
                                       f"and {ratios[j]:.3f} at {years[j]} years")


def _percent_change(base: float, value: float) -> float:
    """(value - base) / base in percent; NaN when base is 0 or the change is too large for a
    float (a base near zero, such as 1e-300)."""
    if base == 0:
        return math.nan
    try:
        change = (value - base) / base * 100
    except OverflowError:
        return math.nan
    return change if math.isfinite(change) else math.nan


def switching_values(scenario: Scenario, target_ratio: float = 1.0) -> pd.DataFrame:
    """The value of each parameter at which the SROI ratio equals `target_ratio`.

    Columns: line (None for scenario-wide), parameter, base, switching_value (NaN when
    unreachable), change_percent (from base; NaN when base is 0 or the change overflows), reachable, reason.
    `value` is in the proxy's own price year; `inputs` is a factor on every input; for a
    Green Book schedule `discount_rate` is the first band's rate, later bands scaled with it.
    """
    if not (isinstance(target_ratio, (int, float)) and math.isfinite(target_ratio) and target_ratio > 0):
        raise ValueError(f"target ratio {target_ratio!r}: expected a number above 0, such as 1")
    arrays = ModelArrays.from_scenario(scenario)
    solver = _Solver(arrays, float(target_ratio))
    rows = []
    for key in all_keys(arrays, scenario_distributions(scenario, arrays)):
        base = arrays.base(key)
        value, reachable, reason = solver.solve(key)
        change = _percent_change(float(base), float(value)) if reachable else math.nan
        rows.append({"line": _line_id(arrays, key), "parameter": key[1], "base": base,
                     "switching_value": value if reachable else math.nan,
                     "change_percent": change, "reachable": bool(reachable), "reason": reason})
    frame = _frame(rows, SWITCHING_COLUMNS)
    frame.attrs.update(base_figures(arrays))
    frame.attrs["target_ratio"] = float(target_ratio)
    return frame
