"""Uncertainty as problem -> sample -> evaluate -> analyse (the shape SALib uses).

`build_problem(scenario)` gathers, once, every uncertain variable of a scenario: the
distributions of its `uncertainty:` section (parsed during validation and carried on the
Scenario), shared distributions that drive several parameters with one draw, rank correlations
(as a Gaussian copula), and optional defaults from proxy confidence. One-way sensitivity,
switching values, Monte Carlo and Sobol indices all start from this one definition; the steps
after it are pure functions:

    problem = build_problem(scenario)
    drawn = sample(problem, draws=100_000, seed=1, method="random" | "qmc")
    present_value, inputs = evaluate_sample(problem, drawn)

Sampling methods: "random" draws with numpy's PCG64 generator; "qmc" uses scrambled Sobol'
points (scipy.stats.qmc; Owen scrambling), which cover the unit cube more evenly than random
points, so percentiles settle with fewer draws (benchmarks/bench_monte_carlo.py measures how
many). Any variable can be driven by uniforms through its inverse CDF, which is how QMC points,
Saltelli/Sobol designs and correlated draws reach every distribution.

Random draws are made in fixed blocks of `BLOCK` draws, each block from its own stream spawned
from the seed (numpy SeedSequence), and blocks run on up to two threads (numpy releases the GIL
while it fills arrays): the same seed gives the same draws whatever the number of threads.

References: HM Treasury Green Book (2022) Annex A5 (Monte Carlo); J. Herman and W. Usher (2017)
"SALib: an open-source Python library for sensitivity analysis", JOSS 2(9) (problem, sample,
evaluate, analyse); I. M. Sobol' (1967) and A. B. Owen (1998) on scrambled (t,s)-sequences;
SciPy `scipy.stats.qmc.Sobol`.
"""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy.special import ndtr, ndtri

from svmodel.scenario import Scenario
from svmodel.scenario.distributions import Distribution, parse_key
from svmodel.scenario.uncertainty_spec import copula_factor
from svmodel.uncertainty.model import Key, ModelArrays, evaluate

Method = Literal["random", "qmc"]
METHODS: tuple[str, ...] = ("random", "qmc")
BLOCK = 50_000  # draws per random block (fixed, so results never depend on the thread count)
THREADS = max(1, min(2, os.cpu_count() or 1))
# Uniforms are kept this far inside (0, 1) so that unbounded inverse CDFs stay finite.
U_EPS = 1e-12


@dataclass(frozen=True)
class UncertainVariable:
    """One random variable and the parameters (keys) it drives, each with its distribution."""

    name: str
    keys: tuple[Key, ...]
    distributions: tuple[Distribution, ...]
    default: bool = False  # a default from proxy confidence, not the analyst's own
    shared: bool = False

    def describe(self) -> str:
        return self.distributions[0].describe()


@dataclass(frozen=True)
class UncertaintyProblem:
    """Everything uncertain about one scenario: the shared definition of every analysis."""

    arrays: ModelArrays
    variables: tuple[UncertainVariable, ...]
    correlation: np.ndarray | None = field(default=None, compare=False)  # copula (normal) scale
    rank_correlation: np.ndarray | None = field(default=None, compare=False)

    @property
    def names(self) -> list[str]:
        return [v.name for v in self.variables]

    @property
    def num_vars(self) -> int:
        return len(self.variables)

    @property
    def given(self) -> dict[Key, Distribution]:
        """Distributions the scenario file gives, by (line index, parameter)."""
        return {k: d for v in self.variables if not v.default for k, d in zip(v.keys, v.distributions)}

    @property
    def by_key(self) -> dict[Key, Distribution]:
        return {k: d for v in self.variables for k, d in zip(v.keys, v.distributions)}

    @property
    def defaults(self) -> list[Key]:
        return [k for v in self.variables if v.default for k in v.keys]

    def key_name(self, key: Key) -> str:
        line, parameter = key
        return parameter if line is None else f"{self.arrays.ids[line]}.{parameter}"

    def salib(self) -> dict:
        """The SALib problem: every variable on the unit interval, mapped through its inverse CDF."""
        return {"num_vars": self.num_vars, "names": self.names,
                "bounds": [[0.0, 1.0]] * self.num_vars}


def _key(arrays: ModelArrays, name: str) -> Key:
    line_id, parameter = parse_key(name)
    return (None if line_id is None else arrays.index(line_id), parameter)


def build_problem(scenario: Scenario, default_from_confidence: bool = False,
                  arrays: ModelArrays | None = None) -> UncertaintyProblem:
    """The uncertainty problem of a validated scenario (no re-parsing of its file)."""
    from svmodel.uncertainty.ranges import confidence_defaults

    arrays = arrays or ModelArrays.from_scenario(scenario)
    spec = scenario.uncertainty_spec
    variables = [UncertainVariable(v.name, tuple(_key(arrays, k) for k in v.keys), v.distributions,
                                   shared=v.shared) for v in spec.variables]
    given = {k: d for v in variables for k, d in zip(v.keys, v.distributions)}
    rank = spec.rank_correlation
    if default_from_confidence:
        for key, dist in confidence_defaults(scenario, arrays, given).items():
            variables.append(UncertainVariable(dist.key, (key,), (dist,), default=True))
        if rank is not None:  # defaults are independent of everything else
            grown = np.eye(len(variables))
            grown[:rank.shape[0], :rank.shape[0]] = rank
            rank = grown
    normal = None
    if rank is not None:
        normal = 2.0 * np.sin(np.pi * rank / 6.0)
        np.fill_diagonal(normal, 1.0)
    return UncertaintyProblem(arrays, tuple(variables), normal, rank)


# --------------------------------------------------------------------------- sample
@dataclass(frozen=True)
class Sample:
    """Draws of every uncertain parameter, by (line index, parameter)."""

    method: str
    draws: int
    seed: int
    values: dict[Key, np.ndarray]


def correlate(problem: UncertaintyProblem, u: np.ndarray) -> np.ndarray:
    """Impose the problem's rank correlations on independent uniforms (n, d) with a Gaussian
    copula; uniform margins are kept, so every distribution keeps its own shape."""
    if problem.correlation is None:
        return u
    z = ndtri(np.clip(u, U_EPS, 1 - U_EPS)) @ copula_factor(problem.correlation).T
    return ndtr(z)


def values_from_uniforms(problem: UncertaintyProblem, u: np.ndarray) -> dict[Key, np.ndarray]:
    """Each variable's column of uniforms through the inverse CDF of every parameter it drives."""
    u = np.clip(u, U_EPS, 1 - U_EPS)
    out: dict[Key, np.ndarray] = {}
    for j, variable in enumerate(problem.variables):
        for key, dist in zip(variable.keys, variable.distributions):
            out[key] = dist.quantile(u[:, j])
    return out


def _native_block(problem: UncertaintyProblem, seed: np.random.SeedSequence, start: int, n: int,
                  out: dict[Key, np.ndarray]) -> None:
    """Fill draws start..start+n of every key from the block's own stream."""
    rng = np.random.Generator(np.random.PCG64(seed))
    for variable in problem.variables:
        x = variable.distributions[0].sample(rng, n)
        for key, dist in zip(variable.keys, variable.distributions):
            out[key][start:start + n] = x if dist is variable.distributions[0] else dist._finish(x.copy())


def uniforms(problem: UncertaintyProblem, draws: int, seed: int, method: Method) -> np.ndarray:
    """(draws, d) independent uniforms: PCG64 random numbers or scrambled Sobol' points."""
    d = problem.num_vars
    if method == "qmc":
        from scipy.stats import qmc

        with warnings.catch_warnings():  # balance is best at powers of 2; any n is still valid
            warnings.simplefilter("ignore", UserWarning)
            return qmc.Sobol(d, scramble=True, seed=np.random.default_rng(seed)).random(draws)
    return np.random.default_rng(seed).random((draws, d))


def sample(problem: UncertaintyProblem, draws: int, seed: int, method: Method = "random") -> Sample:
    """`draws` draws of every variable; the same (seed, method) gives the same draws."""
    if method not in METHODS:
        raise ValueError(f"method {method!r}: expected one of {', '.join(METHODS)}")
    if not problem.variables:
        return Sample(method, draws, seed, {})
    if method == "random" and problem.correlation is None:
        starts = list(range(0, draws, BLOCK))
        streams = np.random.SeedSequence(seed).spawn(len(starts))
        values = {k: np.empty(draws) for v in problem.variables for k in v.keys}
        jobs = [(stream, start, min(BLOCK, draws - start)) for stream, start in zip(streams, starts)]
        if len(jobs) > 1 and THREADS > 1:
            with ThreadPoolExecutor(THREADS) as pool:
                list(pool.map(lambda job: _native_block(problem, *job, values), jobs))
        else:
            for job in jobs:
                _native_block(problem, *job, values)
        return Sample(method, draws, seed, values)
    u = correlate(problem, uniforms(problem, draws, seed, method))
    return Sample(method, draws, seed, values_from_uniforms(problem, u))


# --------------------------------------------------------------------------- evaluate
def evaluate_values(problem: UncertaintyProblem, values: dict[Key, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Present value of outcomes and of inputs for every draw, in blocks on up to two threads."""
    if not values:
        return evaluate(problem.arrays)
    n = len(next(iter(values.values())))
    starts = list(range(0, n, BLOCK))
    if len(starts) == 1 or THREADS == 1:
        return evaluate(problem.arrays, values)

    def block(start: int) -> tuple[np.ndarray, np.ndarray]:
        return evaluate(problem.arrays, {k: v[start:start + BLOCK] for k, v in values.items()})

    with ThreadPoolExecutor(THREADS) as pool:
        parts = list(pool.map(block, starts))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def evaluate_sample(problem: UncertaintyProblem, drawn: Sample) -> tuple[np.ndarray, np.ndarray]:
    if not drawn.values:
        pv, inputs = evaluate(problem.arrays)
        return np.full(drawn.draws, pv[0]), np.full(drawn.draws, inputs[0])
    return evaluate_values(problem, drawn.values)
