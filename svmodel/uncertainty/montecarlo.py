"""Monte Carlo simulation over a scenario's `uncertainty:` section, all draws at once.

The run follows svmodel.uncertainty.problem: build the scenario's uncertainty problem once
(its distributions, shared distributions and rank correlations, plus optional defaults), draw
it (`method` "random": PCG64 streams spawned from `seed`; "qmc": scrambled Sobol' points), and
evaluate every draw vectorised (svmodel.uncertainty.model). The same seed and method give the
same draws. 100,000 draws of a 30-line scenario take a fraction of a second
(benchmarks/bench_monte_carlo.py).

References: HM Treasury Green Book (2022) 5.79-5.80 and its supplementary guidance on
uncertainty (Monte Carlo analysis); SROI Guide (2012) stage 5 (sensitivity).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from svmodel.scenario.distributions import Distribution
from svmodel.scenario import Scenario
from svmodel.uncertainty.model import Key, ModelArrays
from svmodel.uncertainty.ranges import confidence_defaults, key_name, scenario_distributions
from svmodel.uncertainty.sensitivity import _ratio, base_figures

METRICS = ("present_value", "net_present_value", "sroi_ratio")
MAX_DRAWS = 10_000_000


@dataclass(frozen=True)
class MonteCarloResult:
    """The draws of a Monte Carlo run: one element per draw in each output array."""

    draws: int
    seed: int
    present_value: np.ndarray
    total_inputs: np.ndarray
    net_present_value: np.ndarray
    sroi_ratio: np.ndarray
    samples: dict[str, np.ndarray] = field(default_factory=dict)  # parameter key -> draws
    distributions: dict[str, str] = field(default_factory=dict)  # parameter key -> description
    defaults_used: list[str] = field(default_factory=list)  # keys given a default distribution
    deterministic: dict[str, float] = field(default_factory=dict)  # the base-case figures
    method: str = "random"  # issue 16: "random" or "qmc" (scrambled Sobol')
    shared: dict[str, list[str]] = field(default_factory=dict)  # shared name -> keys it drives
    correlations: list[dict[str, Any]] = field(default_factory=list)  # {between, rank}

    @property
    def probability_ratio_above_1(self) -> float:
        return self.probability_ratio_above(1.0)

    def probability_ratio_above(self, threshold: float) -> float:
        """Share of draws whose SROI ratio exceeds `threshold`."""
        return float(np.mean(self.sroi_ratio > threshold))

    def summary(self) -> dict[str, dict[str, float]]:
        """{metric: {mean, sd, p5, p50, p95}} for present_value, net_present_value, sroi_ratio."""
        out = {}
        for metric in METRICS:
            x = getattr(self, metric)
            x = x[np.isfinite(x)]
            if x.size == 0:
                out[metric] = {k: math.nan for k in ("mean", "sd", "p5", "p50", "p95")}
                continue
            p5, p50, p95 = np.percentile(x, [5, 50, 95])
            out[metric] = {"mean": float(x.mean()), "sd": float(x.std(ddof=1)) if x.size > 1 else 0.0,
                           "p5": float(p5), "p50": float(p50), "p95": float(p95)}
        return out

    def frame(self) -> pd.DataFrame:
        """One row per draw: the sampled parameters and the outputs (for plots)."""
        data: dict[str, Any] = dict(self.samples)
        data.update({m: getattr(self, m) for m in METRICS})
        data["total_inputs"] = self.total_inputs
        return pd.DataFrame(data)


def monte_carlo_distributions(scenario: Scenario, default_from_confidence: bool = False,
                              arrays: ModelArrays | None = None) -> tuple[dict[Key, Distribution], list[Key]]:
    """The distributions a run would sample, and which of them are defaults."""
    arrays = arrays or ModelArrays.from_scenario(scenario)
    given = scenario_distributions(scenario, arrays)
    defaults = confidence_defaults(scenario, arrays, given) if default_from_confidence else {}
    return {**given, **defaults}, list(defaults)


def _check_draws(draws: object) -> int:
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or not 1 <= draws <= MAX_DRAWS:
        raise ValueError(f"draws {draws!r}: expected a whole number from 1 to {MAX_DRAWS:,}")
    return int(draws)


def _check_seed(seed: object) -> int:
    if seed is None:
        return int(np.random.SeedSequence().entropy % (2**63))
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed {seed!r}: expected a whole number of at least 0")
    return int(seed)


def sample(distributions: dict[Key, Distribution], draws: int, seed: int) -> dict[Key, np.ndarray]:
    """Draw every distribution `draws` times, independently, from one generator seeded with
    `seed` (the simple path; `monte_carlo` samples through svmodel.uncertainty.problem)."""
    rng = np.random.default_rng(seed)
    return {key: dist.sample(rng, draws) for key, dist in distributions.items()}


def monte_carlo(scenario: Scenario, draws: int = 10_000, seed: int | None = None,
                default_from_confidence: bool = False, method: str = "random") -> MonteCarloResult:
    """Run `draws` Monte Carlo draws of the scenario's `uncertainty:` distributions.

    With `default_from_confidence`, every proxy value without a distribution gets a PERT
    around it whose width follows the proxy's confidence rating (or its value_low/value_high);
    those keys are listed in `defaults_used`. When `seed` is None a seed is chosen and
    recorded in the result, so any run can be repeated.
    """
    from svmodel.uncertainty.problem import build_problem, evaluate_sample, sample as draw

    draws = _check_draws(draws)
    seed = _check_seed(seed)
    arrays = ModelArrays.from_scenario(scenario)
    problem = build_problem(scenario, default_from_confidence, arrays)
    drawn = draw(problem, draws, seed, method)  # type: ignore[arg-type]
    present_value, inputs = evaluate_sample(problem, drawn)
    samples = drawn.values
    rank = problem.rank_correlation
    names = problem.names
    correlations = [] if rank is None else [
        {"between": [names[a], names[b]], "rank": float(rank[a, b])}
        for a in range(len(names)) for b in range(a + 1, len(names)) if rank[a, b] != 0]
    return MonteCarloResult(
        draws=draws, seed=seed, present_value=present_value, total_inputs=inputs,
        net_present_value=present_value - inputs, sroi_ratio=_ratio(present_value, inputs),
        samples={key_name(arrays, k): v for k, v in samples.items()},
        distributions={key_name(arrays, k): d.describe() for k, d in problem.by_key.items()},
        defaults_used=[key_name(arrays, k) for k in problem.defaults],
        deterministic=base_figures(arrays), method=method,
        shared={v.name: [key_name(arrays, k) for k in v.keys] for v in problem.variables if v.shared},
        correlations=correlations,
    )
