"""The explorer's Monte Carlo band: P5-P95 of the SROI ratio that follows the controls.

The scenario's `uncertainty:` section is turned into draws once, when a scenario is opened
(svmodel.uncertainty.problem: build_problem -> sample, a fixed seed). Each update re-centres
those same draws on the control values and evaluates them through the typed arrays
(svmodel.uncertainty.model.evaluate, vectorised over draws), so the band moves only because a
control moved, never because of new random numbers (common random numbers).

Re-centring keeps each distribution's spread and moves it with its control: fractions and rates
(deadweight, displacement, attribution, drop-off, local share, discount rate) shift by the
control's change and are clipped to their bounds in svmodel.parameters; quantities, proxy
values, durations, cohort parts and the inputs factor scale by the control's ratio to the
baseline. A parameter without a distribution takes the control's value exactly.

References: HM Treasury Green Book (2022) Annex A5 (Monte Carlo analysis, reporting a range);
SROI Guide (2012) stage 5 (sensitivity).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from svmodel.parameters import PARAMETERS
from svmodel.scenario import Scenario
from svmodel.uncertainty.model import Key, ModelArrays, evaluate
from svmodel.uncertainty.problem import build_problem, sample

#: Draws per update: enough for a steady 5th and 95th percentile (the band moves by well under
#: 1% between seeds at 2,000 draws on the examples), few enough to update within a slider move.
DRAWS = 2_000
#: The fixed seed: the same scenario always shows the same band.
SEED = 20_120_501
#: Parameters whose distributions move by the control's difference (the rest scale).
_SHIFTED = {name for name, p in PARAMETERS.items() if p.kind in ("fraction", "rate")}


@dataclass(frozen=True)
class RatioBand:
    """The SROI ratio's 5th, 50th and 95th percentiles and the share of draws above 1."""

    p5: float
    p50: float
    p95: float
    above_one: float
    draws: int

    def as_dict(self) -> dict[str, float]:
        return {"p5": self.p5, "p50": self.p50, "p95": self.p95, "above_one": self.above_one,
                "draws": self.draws}


class MonteCarloBand:
    """Draws of a scenario's uncertain parameters, re-evaluated for any variant of it."""

    def __init__(self, scenario: Scenario, draws: int = DRAWS, seed: int = SEED):
        self.arrays = ModelArrays.from_scenario(scenario)
        self.problem = build_problem(scenario, arrays=self.arrays)
        self.draws = draws
        self.seed = seed
        self.values = sample(self.problem, draws, seed).values if self.problem.variables else {}

    @property
    def available(self) -> bool:
        """False when the scenario has no `uncertainty:` section (nothing to draw)."""
        return bool(self.values)

    @property
    def names(self) -> list[str]:
        return self.problem.names

    def recentred(self, arrays: ModelArrays) -> dict[Key, np.ndarray]:
        """The baseline draws moved onto `arrays`' values (a variant of the same scenario)."""
        out: dict[Key, np.ndarray] = {}
        for key, drawn in self.values.items():
            before, now = self.arrays.base(key), arrays.base(key)
            parameter = key[1].split(".", 1)[0] if key[1].startswith("cohort.") else key[1]
            if before == now:
                out[key] = drawn
                continue
            if parameter in _SHIFTED:
                bounds = PARAMETERS[parameter]
                top = math.nextafter(bounds.high, -math.inf) if bounds.high_open else bounds.high
                out[key] = np.clip(drawn + (now - before), bounds.low, top)
            elif before != 0:
                out[key] = drawn * (now / before)
            else:
                out[key] = drawn + now
            if parameter == "duration":
                out[key] = np.maximum(np.rint(out[key]), PARAMETERS["duration"].low)
        return out

    def ratio_band(self, variant: Scenario) -> RatioBand | None:
        """The band for a validated variant of the scenario; None without an uncertainty section
        or when the inputs' present value is not positive in every draw."""
        if not self.available:
            return None
        arrays = ModelArrays.from_scenario(variant)
        present_value, inputs = evaluate(arrays, self.recentred(arrays))
        if not np.all(inputs > 0):
            return None
        ratios = present_value / inputs
        p5, p50, p95 = np.percentile(ratios, [5, 50, 95])
        return RatioBand(float(p5), float(p50), float(p95), float(np.mean(ratios > 1.0)), self.draws)


__all__ = ["DRAWS", "MonteCarloBand", "RatioBand", "SEED"]
