"""The `uncertainty:` section parsed once, during validation, into random variables.

Besides one distribution per parameter key (svmodel.scenario.distributions), the section may
name **shared** distributions, each driving several parameters with one draw (e.g. a
deadweight assumption common to a fiscal and a social line), and **rank correlations** between
parameters::

    uncertainty:
      shared:
        common_deadweight: {dist: uniform, low: 0.2, high: 0.4, source: "..."}
      a.deadweight: {shared: common_deadweight}
      b.deadweight: {shared: common_deadweight}
      a.quantity: {dist: triangular, low: 12, mode: 20, high: 25}
      b.quantity: {dist: uniform, low: 5, high: 9}
      correlations:                       # a list of pairs ...
        - {between: [a.quantity, b.quantity], rank: 0.6}
      # correlations: {parameters: [a.quantity, b.quantity], matrix: [[1, 0.6], [0.6, 1]]}  # ... or a matrix

Rank correlations are imposed with a Gaussian copula: Spearman's rho_s becomes the normal
correlation r = 2 sin(pi rho_s / 6) (Kruskal 1958), which reproduces rho_s exactly for the
copula; a matrix that is not positive semi-definite (no set of variables can have those
correlations together) is refused, naming the field. Iman & Conover (1982) impose rank
correlations by reordering independent draws; the copula gives the same rank structure and
also drives quasi-Monte Carlo points, which a reordering would scramble.

References: R. L. Iman and W. J. Conover (1982) "A distribution-free approach to inducing rank
correlation among input variables", Communications in Statistics B 11(3), 311-334; W. H.
Kruskal (1958) "Ordinal measures of association", JASA 53, 814-861; HM Treasury Green Book
(2022) Annex A5 (Monte Carlo analysis with correlated inputs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from svmodel.errors import DistributionError
from svmodel.scenario.distributions import (
    COMMON_FIELDS,
    Distribution,
    parse_distribution,
    parse_key,
    parse_section,
)

SubPath = tuple[str | int, ...]
#: Tolerance below zero for the smallest eigenvalue of a correlation matrix (rounding).
PSD_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Variable:
    """One random variable: a parameter's own distribution, or a shared one driving several."""

    name: str                                  # the parameter key, or the shared name
    keys: tuple[str, ...]                      # the parameter keys it drives
    distributions: tuple[Distribution, ...]    # one per key, parsed for that key's parameter
    shared: bool = False


@dataclass(frozen=True)
class UncertaintySpec:
    """The parsed `uncertainty:` section: variables and their rank correlation matrix."""

    variables: tuple[Variable, ...] = ()
    rank_correlation: np.ndarray | None = field(default=None, compare=False)

    @property
    def distributions(self) -> dict[str, Distribution]:
        """Parameter key -> its distribution (a shared one appears under each key it drives)."""
        return {k: d for v in self.variables for k, d in zip(v.keys, v.distributions)}

    @property
    def correlated(self) -> bool:
        return self.rank_correlation is not None

    def normal_correlation(self) -> np.ndarray | None:
        """The copula's normal correlation matrix, r = 2 sin(pi rho_s / 6) (Kruskal 1958)."""
        if self.rank_correlation is None:
            return None
        r = 2.0 * np.sin(np.pi * self.rank_correlation / 6.0)
        np.fill_diagonal(r, 1.0)
        return r


def copula_factor(correlation: np.ndarray) -> np.ndarray:
    """A matrix L with L L^T = correlation, from the eigendecomposition (so a singular matrix,
    such as a perfect correlation of 1, works where Cholesky would fail)."""
    values, vectors = np.linalg.eigh(correlation)
    return vectors * np.sqrt(np.clip(values, 0.0, None))


def _psd_problem(matrix: np.ndarray, names: list[str], what: str) -> str | None:
    smallest = float(np.linalg.eigvalsh(matrix).min())
    if smallest >= -PSD_TOLERANCE:
        return None
    return (f"the {what} correlation matrix of {', '.join(names)} is not positive semi-definite "
            f"(smallest eigenvalue {smallest:.3g}): no set of parameters can have all these "
            "correlations at once; weaken the strongest ones or make them consistent (if a "
            "goes with b and b with c, a must go with c)")


def _correlation_matrix(raw: Any, names: list[str], aliases: dict[str, str],
                        problems: list[tuple[SubPath, str]],
                        invalid: frozenset[str] = frozenset()) -> np.ndarray | None:
    """Rank correlation matrix over `names` (variables) from a pair list or a matrix mapping."""
    here: SubPath = ("correlations",)
    index = {n: i for i, n in enumerate(names)}
    matrix = np.eye(len(names))
    seen: dict[tuple[int, int], float] = {}

    def position(name: Any, path: SubPath) -> int | None:
        target = aliases.get(str(name).strip(), str(name).strip()) if isinstance(name, str) else None
        if target is None or target not in index:
            if str(name).strip() not in invalid:  # an entry with its own problem is named there
                problems.append((path, f"{name!r} has no distribution in this section; expected "
                                       f"one of: {', '.join(aliases) or '(none)'}"))
            return None
        return index[target]

    def value(x: Any, path: SubPath) -> float | None:
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x) \
                or not -1.0 <= float(x) <= 1.0:
            problems.append((path, f"{x!r} is not allowed; expected a rank correlation from -1 to 1"))
            return None
        return float(x)

    def put(i: int, j: int, rho: float, path: SubPath) -> None:
        if i == j:
            problems.append((path, "a parameter cannot be correlated with itself (or with "
                                   "another parameter driven by the same shared distribution)"))
            return
        pair = (min(i, j), max(i, j))
        if pair in seen and seen[pair] != rho:
            problems.append((path, f"this pair is already given a correlation of {seen[pair]:g}"))
            return
        seen[pair] = rho
        matrix[i, j] = matrix[j, i] = rho

    before = len(problems)
    if isinstance(raw, list):
        for k, entry in enumerate(raw):
            path = here + (k,)
            if not isinstance(entry, dict) or set(entry) - {"between", "rank", "source", "note"} \
                    or "between" not in entry or "rank" not in entry:
                problems.append((path, f"{entry!r} is not allowed; expected "
                                       "{between: [key_a, key_b], rank: 0.6}"))
                continue
            pair = entry["between"]
            if not isinstance(pair, list) or len(pair) != 2:
                problems.append((path + ("between",), f"{pair!r} is not allowed; expected two "
                                                      "parameter keys or shared names"))
                continue
            i, j = (position(n, path + ("between", m)) for m, n in enumerate(pair))
            rho = value(entry["rank"], path + ("rank",))
            if i is not None and j is not None and rho is not None:
                put(i, j, rho, path)
        shown = sorted({names[i] for pair in seen for i in pair})
    elif isinstance(raw, dict) and set(raw) <= {"parameters", "matrix", "source", "note"} \
            and "parameters" in raw and "matrix" in raw:
        params, rows = raw["parameters"], raw["matrix"]
        if not isinstance(params, list) or len(params) < 2:
            problems.append((here + ("parameters",), f"{params!r} is not allowed; expected a list "
                                                     "of at least two parameter keys"))
            return None
        where = [position(n, here + ("parameters", m)) for m, n in enumerate(params)]
        size = len(params)
        if not isinstance(rows, list) or len(rows) != size or \
                any(not isinstance(r, list) or len(r) != size for r in rows):
            problems.append((here + ("matrix",), f"expected a {size} x {size} matrix (one row and "
                                                 "one column per parameter)"))
            return None
        for a in range(size):
            for b in range(size):
                rho = value(rows[a][b], here + ("matrix", a, b))
                if rho is None:
                    continue
                if a == b and rho != 1.0:
                    problems.append((here + ("matrix", a, b), f"{rho:g} is not allowed; the "
                                                              "diagonal must be 1"))
                elif a != b and rows[b][a] != rows[a][b]:
                    if a < b:
                        problems.append((here + ("matrix", a, b), f"the matrix is not symmetric: "
                                                                  f"{rows[a][b]!r} here, {rows[b][a]!r} "
                                                                  f"at [{b}][{a}]"))
                elif a < b and where[a] is not None and where[b] is not None:
                    put(where[a], where[b], rho, here + ("matrix", a, b))
        shown = [str(p) for p in params]
    else:
        problems.append((here, f"{raw!r} is not allowed; expected a list of "
                               "{between: [key_a, key_b], rank: 0.6} or a mapping "
                               "{parameters: [...], matrix: [[...], ...]}"))
        return None
    if len(problems) > before or not seen:
        return None
    message = _psd_problem(matrix, shown, "rank")
    if message is None:
        normal = 2.0 * np.sin(np.pi * matrix / 6.0)
        message = _psd_problem(normal, shown, "copula (normal) equivalent of the rank")
    if message:
        problems.append((here, message))
        return None
    return matrix


def parse_uncertainty(section: Any) -> tuple[UncertaintySpec, list[tuple[SubPath, str]]]:
    """Parse the whole section once; return the spec and every problem (paths from the top of
    the file, e.g. ("uncertainty", "correlations"))."""
    problems: list[tuple[SubPath, str]] = []
    if section is None or section == {}:
        return UncertaintySpec(), []
    try:
        own = parse_section(section)
    except DistributionError as exc:
        problems += [tuple(p) for p in exc.problems]  # type: ignore[misc]
        own = {}
        if isinstance(section, dict):  # keep the valid entries, so later checks name real problems
            for key, spec in section.items():
                try:
                    own.update(parse_section({key: spec}))
                except DistributionError:
                    pass
    if not isinstance(section, dict):
        return UncertaintySpec(), [(("uncertainty",) + tuple(p), m) for p, m in problems]

    shared_raw = section.get("shared", {})
    if not isinstance(shared_raw, dict):
        problems.append((("shared",), f"{shared_raw!r} is not allowed; expected a mapping from a "
                                      "name to a distribution, e.g. common_deadweight: "
                                      "{dist: uniform, low: 0.2, high: 0.4}"))
        shared_raw = {}
    users: dict[str, list[str]] = {str(n): [] for n in shared_raw}
    for key, spec in section.items():
        if isinstance(spec, dict) and "shared" in spec:
            name = spec["shared"]
            extra = set(spec) - {"shared", "source", "note"}
            if extra:
                problems.append(((key, sorted(extra)[0]), "unknown field; an entry that uses a "
                                                          "shared distribution takes only shared "
                                                          "(and source, note)"))
            elif not isinstance(name, str) or name not in users:
                problems.append(((key, "shared"), f"{name!r} is not a shared distribution; "
                                                  f"defined: {', '.join(users) or '(none)'} "
                                                  "(under uncertainty.shared)"))
            else:
                try:
                    parse_key(key)
                    users[name].append(str(key).strip())
                except ValueError as exc:
                    problems.append(((key,), str(exc)))

    variables: list[Variable] = [Variable(k, (k,), (d,)) for k, d in own.items()]
    aliases: dict[str, str] = {k: k for k in own}
    for name, spec in shared_raw.items():
        name = str(name)
        if not users[name]:
            problems.append((("shared", name), "is not used by any parameter; give each parameter "
                                               f"it drives as key: {{shared: {name}}}"))
            continue
        if isinstance(spec, dict) and "shared" in spec:
            problems.append((("shared", name, "shared"), "a shared distribution cannot refer to "
                                                         "another"))
            continue
        parsed = []
        for key in users[name]:
            _, parameter = parse_key(key)
            try:
                parsed.append(parse_distribution(key, parameter, spec))
            except DistributionError as exc:
                problems += [(("shared", name) + tuple(p[1:]), f"for {key}: {m}") for p, m in exc.problems]
        if len(parsed) == len(users[name]):
            variables.append(Variable(name, tuple(users[name]), tuple(parsed), shared=True))
            aliases[name] = name
            aliases.update({k: name for k in users[name]})

    matrix = None
    if "correlations" in section:
        invalid = frozenset(str(k).strip() for k in section) | frozenset(str(n) for n in shared_raw)
        matrix = _correlation_matrix(section["correlations"], [v.name for v in variables],
                                     aliases, problems, invalid)
    problems = [(("uncertainty",) + tuple(p), m) for p, m in problems]
    return UncertaintySpec(tuple(variables), matrix), problems


__all__ = ["COMMON_FIELDS", "UncertaintySpec", "Variable", "copula_factor", "parse_uncertainty"]
