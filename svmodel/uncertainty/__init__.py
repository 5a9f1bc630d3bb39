"""Uncertainty: one-way sensitivity, switching values and Monte Carlo simulation.

Pure numpy/scipy/pandas; nothing from Jupyter, widgets or plotting.

    one_way(scenario)                       tornado table, sorted by swing
    switching_values(scenario, target_ratio=1.0)
    monte_carlo(scenario, draws=10_000, seed=None, default_from_confidence=False)
    sensitivity_summary(scenario, draws=0, seed=None)   the `svmodel sensitivity --json` object

Parameters are named with the scenario field names (quantity, value, deadweight,
displacement, attribution, drop_off, duration, discount_rate, inputs); see docs/uncertainty.md.

References: SROI Guide (2012) stage 5; HM Treasury Green Book (2022) 5.71-5.80.
"""

from svmodel.scenario.distributions import Distribution, DistributionError, check_uncertainty_section, parse_section
from svmodel.uncertainty.model import ModelArrays, evaluate
from svmodel.uncertainty.montecarlo import MonteCarloResult, monte_carlo, monte_carlo_distributions
from svmodel.uncertainty.summary import sensitivity_summary
from svmodel.uncertainty.sensitivity import one_way, switching_values

__all__ = [
    "Distribution", "ModelArrays", "MonteCarloResult", "DistributionError", "check_uncertainty_section",
    "evaluate", "monte_carlo", "monte_carlo_distributions", "one_way", "parse_section",
    "sensitivity_summary", "switching_values",
]
