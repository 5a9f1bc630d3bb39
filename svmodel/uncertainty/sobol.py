"""Global sensitivity: Sobol' indices of the SROI ratio, answering "which assumption should we
evidence next?".

For each uncertain variable (a parameter's distribution, or a shared distribution driving
several), the first-order index S1 is the share of the ratio's variance explained by that
variable alone, and the total index ST the share it explains with all its interactions; the
variable with the largest ST is the one whose evidence would narrow the result most. Variables
are sampled with the Saltelli design on the unit cube (N (D + 2) model runs, second order off:
matrices A and B from a scrambled Sobol' sequence of dimension 2D, and each A_B^(i), A with
column i from B), laid out row by row exactly as SALib's `sample.sobol` lays it out, built with
array operations instead of SALib's per-row loop, and mapped through each distribution's
inverse CDF; the indices come from SALib's `analyze.sobol` (Saltelli 2010 and Jansen 1999
estimators) with bootstrap confidence intervals.

Sobol' indices assume independent inputs: when the scenario declares rank correlations they
are left out of this analysis (and the result says so); shared distributions are one variable.

References: I. M. Sobol' (2001) "Global sensitivity indices for nonlinear mathematical models
and their Monte Carlo estimates", Math. Comput. Simul. 55; A. Saltelli et al. (2010) "Variance
based sensitivity analysis of model output", Comput. Phys. Commun. 181; J. Herman and W. Usher
(2017) SALib, JOSS 2(9); HM Treasury Green Book (2022) Annex A5.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from svmodel.scenario import Scenario
from svmodel.uncertainty.problem import UncertaintyProblem, build_problem, evaluate_values, values_from_uniforms
from svmodel.uncertainty.sensitivity import _ratio

DEFAULT_BASE = 1024  # N: SALib base sample (a power of 2); runs = N (D + 2)
MAX_RUNS = 5_000_000


@dataclass(frozen=True)
class SobolResult:
    """Sobol' indices per variable, with the design used."""

    rows: tuple[dict[str, Any], ...]
    base_samples: int
    draws: int  # model runs: N (D + 2)
    seed: int
    note: str = ""

    def to_list(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.rows]

    def to_dict(self) -> dict[str, Any]:
        return {"indices": self.to_list(), "base_samples": self.base_samples, "draws": self.draws,
                "seed": self.seed, "method": "SALib sobol (Saltelli design, second order off)",
                "output": "sroi_ratio", **({"note": self.note} if self.note else {})}

    def sentence(self) -> str:
        """One sentence naming the assumption to evidence next."""
        if not self.rows:
            return "No uncertain parameters: add distributions under uncertainty: to rank them."
        top = self.rows[0]
        share = top["total"]
        text = (f"{top['parameter']} explains about {share:.0%} of the variance of the SROI ratio "
                "(total Sobol' index), more than any other assumption: it is the one to evidence next")
        if len(self.rows) > 1:
            text += f"; next is {self.rows[1]['parameter']} ({self.rows[1]['total']:.0%})"
        return text + "."


def _check_base(n: int, d: int) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 8:
        raise ValueError(f"Sobol base sample {n!r}: expected a whole number of at least 8 (a power of 2)")
    n = int(n)
    if n & (n - 1):
        n = 1 << int(math.ceil(math.log2(n)))  # Sobol' designs balance at powers of 2
    if n * (d + 2) > MAX_RUNS:
        raise ValueError(f"Sobol base sample {n}: {n * (d + 2):,} model runs exceed {MAX_RUNS:,}; "
                         "use a smaller base sample")
    return n


def saltelli_design(d: int, n: int, seed: int) -> np.ndarray:
    """The N (D + 2) x D Saltelli design (second order off) in SALib's row order: for each of
    the N base points, A, then A_B^(1..D), then B."""
    from scipy.stats import qmc

    base = qmc.Sobol(2 * d, scramble=True, seed=np.random.default_rng(seed)).random(n)
    a, b = base[:, :d], base[:, d:]
    design = np.repeat(a[:, None, :], d + 2, axis=1)  # (n, d + 2, d)
    index = np.arange(d)
    design[:, 1 + index, index] = b[:, index]
    design[:, d + 1, :] = b
    return design.reshape(n * (d + 2), d)


def sobol_indices(scenario: Scenario | None = None, base_samples: int = DEFAULT_BASE, seed: int = 0,
                  default_from_confidence: bool = False,
                  problem: UncertaintyProblem | None = None) -> SobolResult:
    """First-order and total Sobol' indices of the SROI ratio for every uncertain variable,
    sorted by total index, largest first."""
    from SALib.analyze import sobol as analyse

    if problem is None:
        assert scenario is not None
        problem = build_problem(scenario, default_from_confidence)
    note = ""
    if problem.correlation is not None:
        note = ("rank correlations are left out: Sobol' indices assume independent inputs; "
                "shared distributions count as one variable")
        problem = replace(problem, correlation=None, rank_correlation=None)
    if problem.num_vars == 0:
        return SobolResult((), 0, 0, seed, "no uncertain parameters")
    n = _check_base(base_samples, problem.num_vars)
    salib = problem.salib()
    design = saltelli_design(problem.num_vars, n, seed)
    pv, inputs = evaluate_values(problem, values_from_uniforms(problem, design))
    y = _ratio(pv, inputs)
    if not np.all(np.isfinite(y)):
        raise ValueError("the SROI ratio is undefined for some draws (inputs of 0); Sobol' "
                         "indices need a finite ratio for every draw")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # zero-variance outputs
        found = analyse.analyze(salib, y, calc_second_order=False, num_resamples=100,
                                seed=seed, print_to_console=False)
    rows = []
    for j, variable in enumerate(problem.variables):
        rows.append({
            "parameter": variable.name,
            "first_order": float(found["S1"][j]), "total": float(found["ST"][j]),
            "first_order_conf": float(found["S1_conf"][j]), "total_conf": float(found["ST_conf"][j]),
            "drives": [problem.key_name(k) for k in variable.keys],
            "distribution": variable.describe(),
        })
    rows.sort(key=lambda r: -r["total"] if math.isfinite(r["total"]) else 0.0)
    return SobolResult(tuple(rows), n, int(design.shape[0]), seed, note)
