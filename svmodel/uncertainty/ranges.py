"""Which values each parameter may take: the scenario's `uncertainty:` section, the default
one-way ranges, and default distributions derived from a proxy's confidence rating.

Default one-way ranges (documented in docs/uncertainty.md):

- quantity: base +/- 20%;
- value: the proxy's `value_low`..`value_high` when the library gives them, else +/- 20%;
- deadweight, displacement, attribution, drop-off: +/- 10 percentage points, clipped to 0..1;
- duration: one year shorter and one year longer (at least 1 year);
- discount rate: 1.5% to 5% (widened to at least 1 percentage point either side of the base);
  for a Green Book declining schedule the parameter is the first band's rate and every band is
  scaled in proportion;
- inputs: a factor of 0.9 to 1.1 on every input.

References: SROI Guide (2012) stage 5 (sensitivity analysis, "how much each estimate would need
to change"); HM Treasury Green Book (2022) 5.71-5.80 (sensitivity and switching values).
"""

from __future__ import annotations

from dataclasses import dataclass

from svmodel.parameters import ALWAYS_SWEPT, FRACTIONS, LINE_PARAMETERS, PARAMETERS, SCENARIO_PARAMETERS
from svmodel.scenario.distributions import (
    Distribution,
    parse_distribution,
    parse_key,
)
from svmodel.scenario import Scenario
from svmodel.uncertainty.model import Key, ModelArrays

QUANTITY_SPREAD = 0.20
VALUE_SPREAD = 0.20
ADJUSTMENT_POINTS = 0.10
DURATION_YEARS = 1
RATE_LOW, RATE_HIGH, RATE_MIN_STEP = 0.015, 0.05, 0.01
INPUTS_SPREAD = 0.10
# Half-widths of the default PERT distribution of a proxy value, by the proxy's confidence.
CONFIDENCE_SPREAD = {"high": 0.10, "medium": 0.25, "low": 0.50}
UNRATED_SPREAD = 0.50


def key_name(arrays: ModelArrays, key: Key) -> str:
    line, parameter = key
    return parameter if line is None else f"{arrays.ids[line]}.{parameter}"


def all_keys(arrays: ModelArrays, given: dict[Key, Distribution] | None = None) -> list[Key]:
    """Every (line, parameter) a sweep varies: the always-swept line parameters on every line,
    the others (e.g. local_share, issue 16) only where a line sets them or gives a distribution."""
    given = given or {}

    def swept(i: int, p: str) -> bool:
        return p in ALWAYS_SWEPT or (i, p) in given or arrays.base((i, p)) != PARAMETERS[p].neutral

    keys: list[Key] = [(i, p) for i in range(len(arrays.ids)) for p in LINE_PARAMETERS if swept(i, p)]
    keys += _cohort_keys(arrays)
    return keys + [(None, p) for p in SCENARIO_PARAMETERS]


def _cohort_keys(arrays: ModelArrays) -> list[Key]:
    """Issue 14: the single-number parts of each line's cohort funnel."""
    out: list[Key] = []
    for i, cohort in enumerate(arrays.cohorts):
        if cohort is not None:
            out += [(i, f"cohort.{part}") for part in ("need", "engagement", "success") if cohort.scalar(part)]
    return out


def scenario_distributions(scenario: Scenario, arrays: ModelArrays) -> dict[Key, Distribution]:
    """The scenario's `uncertainty:` section, keyed by (line index, parameter): parsed once during
    validation (Scenario.uncertainty_spec), shared distributions under each key they drive."""
    out: dict[Key, Distribution] = {}
    for name, dist in scenario.uncertainty_spec.distributions.items():
        line_id, parameter = parse_key(name)
        line = None if line_id is None else arrays.index(line_id)
        out[(line, parameter)] = dist
    return out


@dataclass(frozen=True)
class Range:
    low: float
    high: float
    source: str


def _proxy_range(scenario: Scenario, line: int) -> tuple[float, float] | None:
    proxy_id = scenario.lines[line].proxy_id
    if not proxy_id or proxy_id not in scenario.library:
        return None
    proxy = scenario.library.get(proxy_id)
    low, high = proxy.value_low, proxy.value_high
    if low is None or high is None or not low <= proxy.value <= high or low == high:
        return None
    return float(low), float(high)


def default_range(scenario: Scenario, arrays: ModelArrays, key: Key) -> Range:
    """The documented default one-way range of a parameter."""
    line, parameter = key
    base = arrays.base(key)
    if parameter in ("quantity", "cohort.need"):
        return Range(base * (1 - QUANTITY_SPREAD), base * (1 + QUANTITY_SPREAD), "default +/-20%")
    if parameter == "value":
        proxy = _proxy_range(scenario, line) if line is not None else None
        if proxy is not None:
            return Range(proxy[0], proxy[1], "proxy value_low..value_high")
        return Range(base * (1 - VALUE_SPREAD), base * (1 + VALUE_SPREAD), "default +/-20%")
    if parameter in FRACTIONS:
        return Range(max(0.0, base - ADJUSTMENT_POINTS), min(1.0, base + ADJUSTMENT_POINTS),
                     "default +/-10 points")
    if parameter == "duration":
        return Range(max(1.0, base - DURATION_YEARS), base + DURATION_YEARS, "default +/-1 year")
    if parameter == "discount_rate":
        low = max(0.0, min(RATE_LOW, base - RATE_MIN_STEP))
        high = max(RATE_HIGH, base + RATE_MIN_STEP)
        label = "default 1.5% to 5%"
        if arrays.schedule:
            label += f" (first band of {arrays.schedule}, all bands scaled)"
        return Range(low, high, label)
    if parameter == "inputs":
        return Range(1 - INPUTS_SPREAD, 1 + INPUTS_SPREAD, "default +/-10%")
    raise KeyError(parameter)


def one_way_range(scenario: Scenario, arrays: ModelArrays, key: Key,
                  given: dict[Key, Distribution]) -> Range:
    """From the `uncertainty:` section where given (support, or P5..P95), else the default."""
    if key in given:
        dist = given[key]
        low, high = dist.interval()
        return Range(low, high, f"uncertainty: {dist.kind}")
    return default_range(scenario, arrays, key)


def confidence_defaults(scenario: Scenario, arrays: ModelArrays,
                        given: dict[Key, Distribution]) -> dict[Key, Distribution]:
    """Default PERT distributions for proxy values the scenario gives none for.

    The range is the proxy's value_low..value_high when the library has them, else the value
    +/- 10% (high confidence), 25% (medium) or 50% (low, or not rated: inline values).
    Each is labelled so reports can show it is a default, not an analyst's judgement.
    """
    out: dict[Key, Distribution] = {}
    for i, line in enumerate(scenario.lines):
        key = (i, "value")
        base = float(arrays.original_value[i])
        if key in given or base <= 0:
            continue
        proxy = _proxy_range(scenario, i)
        if proxy is not None:
            low, high = proxy
            label = "default: proxy value_low..value_high"
        else:
            confidence = (line.confidence or "").strip().lower()
            spread = CONFIDENCE_SPREAD.get(confidence, UNRATED_SPREAD)
            low, high = base * (1 - spread), base * (1 + spread)
            rated = f"{confidence} confidence" if confidence in CONFIDENCE_SPREAD else "confidence not rated"
            label = f"default: +/-{spread:.0%} from {rated}"
        name = key_name(arrays, key)
        out[key] = parse_distribution(name, "value", {"dist": "pert", "low": low, "mode": base,
                                                      "high": high}, label=label)
    return out
