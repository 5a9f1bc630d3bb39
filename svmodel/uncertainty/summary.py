"""`sensitivity_summary`: the `svmodel sensitivity FILE --json` object (docs/reference/contracts.md).

Keys: `switching_values` (list of {line, parameter, base, switching_value, change_percent,
reachable, reason}), `one_way` (list of {line, parameter, base, low, high, ratio_low,
ratio_high, swing, ...}, sorted by swing), and with draws > 0 `monte_carlo` ({draws, seed,
present_value, net_present_value, sroi_ratio (each {mean, sd, p5, p50, p95}),
probability_ratio_above_1, distributions, defaults_used}); plus `base`, `target_ratio`,
`parameters` (units of each parameter) and `provenance`. NaN becomes null.

Issue 16: with `sobol` > 0 (the Saltelli base sample N), `sobol` is a list of {parameter,
first_order, total, first_order_conf, total_conf, drives, distribution}, sorted by total index,
and `sobol_design` gives {draws, seed, base_samples, method, output, note?} and `sobol_sentence`
the one-line answer to "which assumption should we evidence next?"; `monte_carlo` also
gives `method` ("random" or "qmc"), `shared` and `correlations`.

References: SROI Guide (2012) stage 5; HM Treasury Green Book (2022) 5.71-5.80.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from svmodel import __version__
from svmodel.results import json_safe
from svmodel.scenario import Scenario
from svmodel.uncertainty.montecarlo import monte_carlo
from svmodel.uncertainty.sensitivity import one_way, switching_values

REPORT_SCHEMA_VERSION = 1
PARAMETER_UNITS = {
    "quantity": "the outcome line's quantity",
    "value": "the proxy's amount in its own price year (rebased like the proxy itself)",
    "deadweight": "fraction 0..1", "displacement": "fraction 0..1",
    "attribution": "fraction 0..1", "drop_off": "fraction 0..1",
    "duration": "whole years, at least 1",
    "discount_rate": "annual rate; for a Green Book schedule the first band's rate, every band "
                     "scaled in proportion",
    "inputs": "a factor on every input (1 = as given)",
}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [json_safe({k: (None if v is None or (isinstance(v, float) and math.isnan(v)) and k == "line" else v)
                    for k, v in row.items()}) for row in frame.to_dict(orient="records")]


def sensitivity_summary(scenario: Scenario, draws: int = 0, seed: int | None = None,
                       target_ratio: float = 1.0, default_from_confidence: bool = False,
                       method: str = "random", sobol: int = 0) -> dict:
    """Switching values, the one-way table and (when draws > 0) a Monte Carlo summary."""
    switching = switching_values(scenario, target_ratio)
    tornado = one_way(scenario)
    out: dict[str, Any] = {
        "schema_version": REPORT_SCHEMA_VERSION,
        "name": scenario.model.name,
        "target_ratio": float(target_ratio),
        "base": dict(switching.attrs),
        "switching_values": _records(switching),
        "one_way": _records(tornado),
    }
    out["base"].pop("target_ratio", None)
    if draws:
        result = monte_carlo(scenario, draws, seed, default_from_confidence, method)
        summary = result.summary()
        mc: dict[str, Any] = {
            "draws": result.draws, "seed": result.seed,
            **summary,
            "probability_ratio_above_1": result.probability_ratio_above_1,
            "distributions": result.distributions,
            "defaults_used": result.defaults_used,
            "method": result.method, "shared": result.shared, "correlations": result.correlations,
        }
        if target_ratio != 1.0:
            mc["probability_ratio_above_target"] = result.probability_ratio_above(target_ratio)
        if not result.distributions:
            mc["warning"] = ("the scenario has no uncertainty: section, so every draw equals the "
                             "deterministic result; add distributions or use "
                             "--default-distributions")
        out["monte_carlo"] = mc
    if sobol:  # issue 16: global sensitivity (svmodel.uncertainty.sobol)
        from svmodel.uncertainty.montecarlo import _check_seed
        from svmodel.uncertainty.sobol import sobol_indices

        found = sobol_indices(scenario, sobol, _check_seed(seed), default_from_confidence)
        design = found.to_dict()
        out["sobol"] = [{k: r[k] for k in ("parameter", "first_order", "total", "first_order_conf",
                                           "total_conf", "drives", "distribution")}
                        for r in design.pop("indices")]
        out["sobol_design"] = design
        out["sobol_sentence"] = found.sentence()
    out["parameters"] = PARAMETER_UNITS
    library = scenario.library
    out["provenance"] = {
        "svmodel_version": __version__, "proxy_library_version": library.version,
        "proxy_library_hash": library.content_hash,
        "scenario_file": str(scenario.path) if scenario.path else None,
        "scenario_hash": scenario.file_hash,
    }
    return json_safe(out)
