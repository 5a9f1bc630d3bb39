"""Uncertainty: the vectorised evaluator, one-way sensitivity, switching values, Monte Carlo,
distribution validation and the `svmodel sensitivity` command."""

from __future__ import annotations

import copy
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from svmodel.scenario.distributions import RANGES, DistributionError, parse_distribution, parse_section
from svmodel.results import calculate as run
from svmodel.scenario import ScenarioError, load_scenario, validate_data
from svmodel.uncertainty import (
    ModelArrays,
    evaluate,
    monte_carlo,
    one_way,
    sensitivity_summary,
    switching_values,
)

BAD = Path(__file__).parent / "fixtures" / "bad"
LINE_PARAMS = ("quantity", "value", "deadweight", "displacement", "attribution", "drop_off", "duration")


def scenario_data(rate=0.035, first_year_discounted=True, uncertainty=None, **line_a):
    a = {"id": "a", "stakeholder": "Older people", "outcome": "Avoided admissions", "quantity": 20,
         "value": {"amount": 1000, "price_year": 2024, "source": "test"}, "deadweight": 0.3,
         "attribution": 0.2, "drop_off": 0.1, "duration": 3}
    a.update(line_a)
    data = {
        "svmodel": 1, "name": "Uncertainty test", "price_year": 2024,
        "discounting": {"rate": rate, "first_year_discounted": first_year_discounted},
        "inputs": [{"stakeholder": "Council", "amount": 15000, "year": 0},
                   {"stakeholder": "Council", "amount": 4000, "year": 1}],
        "outcomes": [
            a,
            {"id": "b", "stakeholder": "Carers", "outcome": "Respite", "quantity": 3,
             "proxy": "test_care_week", "displacement": 0.1, "drop_off": 0.5, "duration": 4,
             "start_year": 2},
            {"id": "c", "stakeholder": "Residents", "outcome": "Wellbeing", "quantity": 5,
             "proxy": "test_thousand", "deadweight": 0.25, "duration": 2},
        ],
    }
    if uncertainty:
        data["uncertainty"] = uncertainty
    return data


def with_parameter(data, line, parameter, value, library):
    """Scenario data with one parameter set, for substituting a switching value back into the
    deterministic engine."""
    data = copy.deepcopy(data)
    if line is None:
        if parameter == "discount_rate":
            data["discounting"]["rate"] = value
        else:
            for item in data["inputs"]:
                item["amount"] *= value
        return data
    outcome = next(o for o in data["outcomes"] if o["id"] == line)
    if parameter == "value":
        if "proxy" in outcome:
            proxy = library.get(outcome.pop("proxy"))
            outcome["value"] = {"amount": value, "price_year": proxy.price_year.label, "source": "x"}
        else:
            outcome["value"]["amount"] = value
    else:
        outcome[parameter] = value
    return data


# --------------------------------------------------------------------------- evaluator
@pytest.mark.parametrize("rate,first,duration,start", [
    (0.035, True, 3, 1), (0.0, True, 5, 1), (0.06, False, 4, 2),
    ("green_book", True, 45, 1), ("green_book_health", False, 40, 3), ("green_book", True, 12, 25),
])
def test_vectorised_evaluator_matches_the_engine(test_library, rate, first, duration, start):
    data = scenario_data(rate, first, duration=duration, start_year=start)
    scenario = validate_data(data, test_library)
    expected = run(scenario)
    pv, inputs = evaluate(ModelArrays.from_scenario(scenario))
    assert_allclose(pv[0], expected.total_present_value, rtol=1e-12)
    assert_allclose(inputs[0], expected.total_inputs, rtol=1e-12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    quantity=st.floats(0, 1e4), deadweight=st.floats(0, 1), drop_off=st.floats(0, 1),
    duration=st.integers(1, 60), start=st.integers(1, 5), first=st.booleans(),
    rate=st.one_of(st.floats(0, 0.2), st.sampled_from(["green_book", "green_book_health"])),
    new_rate=st.floats(0, 0.3), new_drop=st.floats(0, 1), new_duration=st.integers(1, 60),
)
def test_evaluator_matches_engine_for_any_parameters(test_library, quantity, deadweight, drop_off,
                                                     duration, start, first, rate, new_rate,
                                                     new_drop, new_duration):
    data = scenario_data(rate, first, quantity=quantity, deadweight=deadweight, drop_off=drop_off,
                         duration=duration, start_year=start)
    scenario = validate_data(data, test_library)
    arrays = ModelArrays.from_scenario(scenario)
    pv, inputs = evaluate(arrays)
    expected = run(scenario)
    assert_allclose([pv[0], inputs[0]], [expected.total_present_value, expected.total_inputs],
                    rtol=1e-10, atol=1e-9)
    # Overriding parameters per case equals running the engine on the changed scenario
    # (a flat rate override replaces the schedule only for flat-rate scenarios).
    if isinstance(rate, str):
        new_rate_value = arrays.base_rate
    else:
        new_rate_value = new_rate
    overrides = {(0, "drop_off"): np.array([new_drop, drop_off]),
                 (0, "duration"): np.array([float(new_duration), float(duration)]),
                 (None, "discount_rate"): np.array([new_rate_value, arrays.base_rate])}
    pv2, inputs2 = evaluate(arrays, overrides)
    changed = data if isinstance(rate, str) else with_parameter(data, None, "discount_rate", new_rate, test_library)
    changed = with_parameter(changed, "a", "drop_off", new_drop, test_library)
    changed = with_parameter(changed, "a", "duration", new_duration, test_library)
    expected2 = run(validate_data(changed, test_library))
    assert_allclose([pv2[0], inputs2[0]], [expected2.total_present_value, expected2.total_inputs],
                    rtol=1e-10, atol=1e-9)
    assert_allclose([pv2[1], inputs2[1]], [expected.total_present_value, expected.total_inputs],
                    rtol=1e-10, atol=1e-9)


def test_schedule_rate_scales_every_band(test_library):
    scenario = validate_data(scenario_data("green_book", duration=60), test_library)
    arrays = ModelArrays.from_scenario(scenario)
    assert arrays.base_rate == 0.035
    pv, _ = evaluate(arrays, {(None, "discount_rate"): np.array([0.035, 0.07, 0.0])})
    base = run(scenario).total_present_value
    assert_allclose(pv[0], base, rtol=1e-12)
    assert pv[1] < base < pv[2]
    undiscounted = validate_data(scenario_data(0.0, duration=60), test_library)
    assert_allclose(pv[2], run(undiscounted).total_present_value, rtol=1e-12)


# --------------------------------------------------------------------------- switching values
@pytest.mark.parametrize("rate", [0.035, "green_book"])
@pytest.mark.parametrize("target", [1.0, 1.6])
def test_switching_values_substituted_back_give_the_target_ratio(test_library, rate, target):
    data = scenario_data(rate, duration=4)
    # Inputs just below the value, so that every line can move the ratio to the target.
    present_value = run(validate_data(data, test_library)).total_present_value
    data["inputs"][0]["amount"] = present_value / (1.03 * target) - 4000 / 1.035
    scenario = validate_data(data, test_library)
    table = switching_values(scenario, target)
    assert list(table.columns) == ["line", "parameter", "base", "switching_value", "change_percent",
                                   "reachable", "reason"]
    checked = 0
    for row in table.itertuples(index=False):
        if not row.reachable or row.parameter == "duration":
            continue
        if row.parameter == "discount_rate" and isinstance(rate, str):
            continue  # a scaled schedule is not expressible in a scenario file; see next test
        changed = with_parameter(data, row.line, row.parameter, row.switching_value, test_library)
        ratio = run(validate_data(changed, test_library)).sroi_ratio
        assert ratio == pytest.approx(target, rel=1e-9, abs=1e-9), row
        if row.base:
            assert row.change_percent == pytest.approx((row.switching_value / row.base - 1) * 100)
        checked += 1
    assert checked >= 15


def test_schedule_switching_value_reaches_the_target_in_the_evaluator(test_library):
    scenario = validate_data(scenario_data("green_book", duration=50), test_library)
    row = switching_values(scenario).query("parameter == 'discount_rate'").iloc[0]
    assert row.reachable and "green_book schedule" in row.reason
    arrays = ModelArrays.from_scenario(scenario)
    pv, inputs = evaluate(arrays, {(None, "discount_rate"): np.array([row.switching_value])})
    assert pv[0] / inputs[0] == pytest.approx(1.0, rel=1e-9)


def test_linear_switching_value_by_hand(test_library):
    """One line, no discounting, one year: ratio = 20 x 1000 x (1 - DW) / 10000."""
    data = {"svmodel": 1, "name": "hand", "price_year": 2024, "discounting": {"rate": 0},
            "inputs": [{"stakeholder": "x", "amount": 10000}],
            "outcomes": [{"id": "a", "stakeholder": "s", "outcome": "o", "quantity": 20,
                          "value": {"amount": 1000, "price_year": 2024, "source": "t"},
                          "deadweight": 0.25}]}
    table = switching_values(validate_data(data, test_library)).set_index("parameter")
    assert table.loc["deadweight", "switching_value"] == pytest.approx(0.5, abs=1e-12)
    assert table.loc["quantity", "switching_value"] == pytest.approx(20 / 1.5, rel=1e-12)
    assert table.loc["quantity", "change_percent"] == pytest.approx(-100 / 3, rel=1e-9)
    assert table.loc["inputs", "switching_value"] == pytest.approx(1.5, rel=1e-12)
    assert not table.loc["drop_off", "reachable"]  # one year: drop-off never applies
    assert not table.loc["duration", "reachable"]  # 1 year already gives 1.5
    assert "even at 1 year the ratio is 1.500" in table.loc["duration", "reason"]


def test_unreachable_switching_values_say_why(test_library):
    scenario = validate_data(scenario_data(), test_library)
    table = switching_values(scenario)
    c_rows = table[table.line == "c"].set_index("parameter")
    # Line c alone cannot pull the ratio to 1: even at 100% deadweight the rest stays above 1.
    assert not c_rows.loc["deadweight", "reachable"]
    assert math.isnan(c_rows.loc["deadweight", "switching_value"])
    assert "even at deadweight 100%" in c_rows.loc["deadweight", "reason"]
    assert "still above 1" in c_rows.loc["deadweight", "reason"]
    assert "even at quantity 0" in c_rows.loc["quantity", "reason"]
    assert table[table.line.isna()].parameter.tolist() == ["discount_rate", "inputs"]


@pytest.mark.parametrize("amount,expected", [(50000, 1), (70000, 4)])
def test_duration_switching_value_is_a_whole_year(test_library, amount, expected):
    """Ratios by duration 1..4 years: 0.638, 1.014, 1.342, 1.626 (50000) and 0.456, 0.724, 0.958,
    1.162 (70000); the switching value is the first whole year, moving from the base of 3,
    at which the ratio reaches 1."""
    data = scenario_data(quantity=40, duration=3)
    data["inputs"] = [{"stakeholder": "Council", "amount": amount}]
    scenario = validate_data(data, test_library)
    row = switching_values(scenario).query("line == 'a' and parameter == 'duration'").iloc[0]
    assert row.reachable and row.switching_value == expected
    assert row.change_percent == pytest.approx((expected / 3 - 1) * 100)
    assert "whole years" in row.reason


def test_target_ratio_must_be_positive(test_library):
    scenario = validate_data(scenario_data(), test_library)
    with pytest.raises(ValueError, match="above 0"):
        switching_values(scenario, 0)


# --------------------------------------------------------------------------- one-way
def test_one_way_is_sorted_by_swing_with_the_contract_columns(test_library):
    unc = {"a.deadweight": {"dist": "uniform", "low": 0.2, "high": 0.4},
           "a.quantity": {"dist": "normal", "mean": 20, "sd": 2}}
    scenario = validate_data(scenario_data(uncertainty=unc), test_library)
    table = one_way(scenario)
    for column in ("line", "parameter", "base", "low", "high", "ratio_low", "ratio_high", "swing"):
        assert column in table.columns
    assert len(table) == 3 * len(LINE_PARAMS) + 2
    assert list(table.swing) == sorted(table.swing, reverse=True)
    rows = table.set_index(table.line.fillna("") + "." + table.parameter)
    assert (rows.loc["a.deadweight", "low"], rows.loc["a.deadweight", "high"]) == (0.2, 0.4)
    # normal: 5th and 95th percentiles
    assert rows.loc["a.quantity", "low"] == pytest.approx(20 - 1.6448536 * 2, rel=1e-6)
    assert rows.loc["c.value", "low"] == 800 and rows.loc["c.value", "high"] == 1200  # proxy range
    assert rows.loc["a.attribution", "low"] == pytest.approx(0.1)
    assert rows.loc["a.duration", "low"] == 2 and rows.loc["a.duration", "high"] == 4
    assert (rows.loc[".discount_rate", "low"], rows.loc[".discount_rate", "high"]) == (0.015, 0.05)
    assert table[table.parameter == "inputs"].line.iloc[0] is None
    # ratio_low really is the ratio with that one parameter changed
    changed = with_parameter(scenario_data(), "a", "deadweight", 0.4, test_library)
    assert rows.loc["a.deadweight", "ratio_high"] == pytest.approx(
        run(validate_data(changed, test_library)).sroi_ratio, rel=1e-12)


def test_one_way_by_net_present_value(test_library):
    table = one_way(validate_data(scenario_data(), test_library), target="net_present_value")
    assert list(table.swing) == sorted(table.swing, reverse=True)
    assert_allclose(table.swing, (table.npv_high - table.npv_low).abs())


# --------------------------------------------------------------------------- Monte Carlo
def test_uniform_deadweight_gives_the_analytic_mean(test_library):
    """Only a.deadweight ~ U[a, b] varies: PV = other + gross_a x (1 - DW), so
    mean PV = other + gross_a x (1 - (a + b) / 2)."""
    lo, hi = 0.2, 0.5
    data = scenario_data(uncertainty={"a.deadweight": {"dist": "uniform", "low": lo, "high": hi}})
    scenario = validate_data(data, test_library)
    full = run(scenario)
    gross = run(validate_data(with_parameter(data, "a", "deadweight", 0.0, test_library), test_library))
    gross_a = gross.engine.line_present_values[0]
    other = full.total_present_value - full.engine.line_present_values[0]
    result = monte_carlo(scenario, draws=200_000, seed=7)
    expected = other + gross_a * (1 - (lo + hi) / 2)
    standard_error = gross_a * (hi - lo) / math.sqrt(12) / math.sqrt(result.draws)
    assert abs(result.present_value.mean() - expected) < 4 * standard_error
    # and exactly, draw by draw, through linearity
    draws = result.samples["a.deadweight"]
    assert draws.min() >= lo and draws.max() <= hi
    assert_allclose(result.present_value, other + gross_a * (1 - draws), rtol=1e-12)
    assert result.probability_ratio_above_1 == pytest.approx(np.mean(result.sroi_ratio > 1))


def test_same_seed_same_draws_and_different_seed_different_draws(test_library):
    unc = {"a.quantity": {"dist": "triangular", "low": 12, "mode": 20, "high": 25},
           "a.value": {"dist": "lognormal", "mean": 1000, "sd": 200},
           "discount_rate": {"dist": "pert", "low": 0.015, "mode": 0.035, "high": 0.05}}
    scenario = validate_data(scenario_data(uncertainty=unc), test_library)
    one, two = monte_carlo(scenario, 5000, seed=42), monte_carlo(scenario, 5000, seed=42)
    np.testing.assert_array_equal(one.present_value, two.present_value)
    for key in unc:
        np.testing.assert_array_equal(one.samples[key], two.samples[key])
    other = monte_carlo(scenario, 5000, seed=43)
    assert not np.array_equal(one.present_value, other.present_value)
    unseeded = monte_carlo(scenario, 10)
    assert isinstance(unseeded.seed, int)
    np.testing.assert_array_equal(monte_carlo(scenario, 10, unseeded.seed).sroi_ratio, unseeded.sroi_ratio)


@pytest.mark.parametrize("rate", [0.035, "green_book_health"])
def test_degenerate_distributions_give_the_deterministic_result(test_library, rate):
    unc = {"a.quantity": {"dist": "uniform", "low": 20, "high": 20},
           "a.deadweight": {"dist": "triangular", "low": 0.3, "mode": 0.3, "high": 0.3},
           "a.value": {"dist": "pert", "low": 1000, "mode": 1000, "high": 1000},
           "a.drop_off": {"dist": "normal", "mean": 0.1, "sd": 0},
           "a.duration": {"dist": "discrete", "values": [3]},
           "b.value": {"dist": "lognormal", "mu": math.log(500), "sigma": 0},
           "c.attribution": {"dist": "beta", "alpha": 2, "beta": 3, "low": 0, "high": 0},
           "discount_rate": {"dist": "uniform", "low": 0.035, "high": 0.035} if rate == 0.035
           else {"dist": "discrete", "values": [0.015]},
           "inputs": {"dist": "normal", "mean": 1, "sd": 0}}
    unc["c.attribution"] = {"dist": "discrete", "values": [0.0], "weights": [2]}
    scenario = validate_data(scenario_data(rate, uncertainty=unc), test_library)
    deterministic = run(scenario)
    result = monte_carlo(scenario, draws=1000, seed=1)
    assert_allclose(result.present_value, deterministic.total_present_value, rtol=1e-12)
    assert_allclose(result.sroi_ratio, deterministic.sroi_ratio, rtol=1e-12)
    summary = result.summary()
    assert summary["sroi_ratio"]["mean"] == pytest.approx(deterministic.sroi_ratio, rel=1e-12)
    assert summary["sroi_ratio"]["sd"] == pytest.approx(0, abs=1e-9)


def test_narrowing_distributions_converge_to_the_deterministic_value(test_library):
    base = run(validate_data(scenario_data(), test_library)).sroi_ratio
    gaps = []
    for width in (0.1, 0.01, 0.001):
        unc = {"a.deadweight": {"dist": "uniform", "low": 0.3 - width, "high": 0.3 + width},
               "a.quantity": {"dist": "normal", "mean": 20, "sd": 20 * width}}
        scenario = validate_data(scenario_data(uncertainty=unc), test_library)
        gaps.append(abs(monte_carlo(scenario, 20_000, seed=3).sroi_ratio.mean() - base))
    assert gaps[2] < gaps[0] and gaps[2] < 1e-3 * base


def test_summary_and_frame(test_library):
    unc = {"a.quantity": {"dist": "uniform", "low": 10, "high": 30}}
    result = monte_carlo(validate_data(scenario_data(uncertainty=unc), test_library), 2000, seed=5)
    summary = result.summary()
    assert set(summary) == {"present_value", "net_present_value", "sroi_ratio"}
    for stats in summary.values():
        assert set(stats) == {"mean", "sd", "p5", "p50", "p95"}
        assert stats["p5"] <= stats["p50"] <= stats["p95"]
    assert_allclose(result.net_present_value, result.present_value - result.total_inputs)
    frame = result.frame()
    assert len(frame) == 2000 and "a.quantity" in frame and "sroi_ratio" in frame
    assert result.defaults_used == []


def test_default_distributions_from_confidence_are_labelled(test_library):
    unc = {"a.value": {"dist": "uniform", "low": 900, "high": 1100}}
    scenario = validate_data(scenario_data(uncertainty=unc), test_library)
    plain = monte_carlo(scenario, 100, seed=1)
    assert plain.defaults_used == []
    result = monte_carlo(scenario, 4000, seed=1, default_from_confidence=True)
    assert result.defaults_used == ["b.value", "c.value"]
    assert "medium confidence" in result.distributions["b.value"]  # test_care_week: medium
    assert "value_low..value_high" in result.distributions["c.value"]  # test_thousand: 800..1200
    assert "default" not in result.distributions["a.value"]
    c = result.samples["c.value"]
    assert c.min() >= 800 and c.max() <= 1200
    b = result.samples["b.value"]
    assert b.min() >= 375 and b.max() <= 625


def test_invalid_draws_and_seed(test_library):
    scenario = validate_data(scenario_data(), test_library)
    with pytest.raises(ValueError, match="draws"):
        monte_carlo(scenario, 0)
    with pytest.raises(ValueError, match="seed"):
        monte_carlo(scenario, 10, seed=-1)


# --------------------------------------------------------------------------- distributions
@pytest.mark.parametrize("parameter,spec,mean", [
    ("deadweight", {"dist": "uniform", "low": "10%", "high": "30%"}, 0.2),
    ("quantity", {"dist": "triangular", "low": 10, "mode": 20, "high": 30}, 20),
    ("quantity", {"dist": "pert", "low": 10, "mode": 12, "high": 30}, (10 + 4 * 12 + 30) / 6),
    ("quantity", {"dist": "lognormal", "mean": 50, "sd": 10}, 50),
    ("attribution", {"dist": "beta", "alpha": 2, "beta": 6}, 0.25),
    ("duration", {"dist": "discrete", "values": [2, 4], "weights": [3, 1]}, 2.5),
    ("inputs", {"dist": "normal", "mean": 1, "sd": 0.05}, 1.0),
])
def test_distributions_sample_their_mean_within_the_valid_range(parameter, spec, mean):
    dist = parse_distribution("x." + parameter if parameter not in ("inputs",) else parameter,
                              parameter, spec)
    draws = dist.sample(np.random.default_rng(0), 100_000)
    assert RANGES[parameter].contains_all(draws)
    assert draws.mean() == pytest.approx(mean, rel=0.01)


def test_normal_is_truncated_to_the_valid_range():
    dist = parse_distribution("x.deadweight", "deadweight", {"dist": "normal", "mean": 0.05, "sd": 0.1})
    draws = dist.sample(np.random.default_rng(1), 50_000)
    assert draws.min() >= 0 and draws.max() <= 1 and (draws < 0.01).any()
    tail = parse_distribution("x.deadweight", "deadweight", {"dist": "normal", "mean": -0.3, "sd": 0.1})
    assert tail.sample(np.random.default_rng(1), 1000).min() >= 0  # far-tail truncation stays valid
    bounded = parse_distribution("x.quantity", "quantity", {"dist": "normal", "mean": 10, "sd": 5,
                                                           "low": 8, "high": 11})
    draws = bounded.sample(np.random.default_rng(2), 10_000)
    assert draws.min() >= 8 and draws.max() <= 11


@settings(max_examples=60, deadline=None)
@given(low=st.floats(0, 1), width=st.floats(0, 1), mode_at=st.floats(0, 1),
       kind=st.sampled_from(["uniform", "triangular", "pert"]), seed=st.integers(0, 2**32))
def test_bounded_distributions_never_leave_their_bounds(low, width, mode_at, kind, seed):
    high = min(1.0, low + width)
    spec = {"dist": kind, "low": low, "high": high}
    if kind != "uniform":
        spec["mode"] = low + mode_at * (high - low)
    draws = parse_distribution("x.drop_off", "drop_off", spec).sample(np.random.default_rng(seed), 500)
    assert draws.min() >= low and draws.max() <= high


# fixture -> (field path, fragments of the message)
BAD_SPECS = {
    "uncertainty_high_below_low": ('uncertainty["fewer_care_admissions.deadweight"].high',
                                   ("0.4 is below low (0.5)",)),
    "uncertainty_out_of_range": ('uncertainty["fewer_care_admissions.attribution"].high',
                                 ("1.4 is outside the valid range", "from 0 to 1")),
    "uncertainty_unknown_dist": ("uncertainty.discount_rate.dist",
                                 ("'gaussian' is not a known distribution", "normal, lognormal")),
    "uncertainty_unknown_parameter": ('uncertainty["fewer_care_admissions.dedweight"]',
                                      ("unknown outcome parameter 'dedweight'", "did you mean 'deadweight'")),
    "uncertainty_negative_sd": ('uncertainty["fewer_care_admissions.quantity"].sd', ("-2 is negative",)),
    "uncertainty_duration_not_whole": ('uncertainty["fewer_care_admissions.duration"].values[1]',
                                       ("3.5 is not a whole number", "whole number of years")),
    "uncertainty_mode_outside": ('uncertainty["fewer_care_admissions.quantity"].mode',
                                 ("30 is outside low..high (12 to 25)",)),
    "uncertainty_missing_field": ('uncertainty["fewer_care_admissions.value"].mode',
                                  ("required field is missing for a pert distribution",)),
    "uncertainty_unknown_outcome": ('uncertainty["nobody.quantity"]', ("names outcome 'nobody'",)),
}


@pytest.mark.parametrize("name", sorted(BAD_SPECS))
def test_invalid_distributions_name_the_file_line_and_field(name, test_library):
    path_text, fragments = BAD_SPECS[name]
    with pytest.raises(ScenarioError) as caught:
        load_scenario(BAD / f"{name}.yaml", test_library)
    problems = caught.value.problems
    assert len(problems) == 1, [str(p) for p in problems]
    problem = problems[0]
    assert problem.path == path_text
    assert problem.line == 16
    for fragment in fragments:
        assert fragment in problem.message, (fragment, problem.message)
    assert str(problem).startswith(f"{problem.file}:16: {path_text}:")


def test_every_uncertainty_fixture_is_tested():
    assert {p.stem for p in BAD.glob("uncertainty_*.yaml")} == set(BAD_SPECS)


@pytest.mark.parametrize("spec,fragment", [
    ({"dist": "beta", "alpha": 0, "beta": 2}, "alpha must be above 0"),
    ({"dist": "lognormal", "mean": 1000, "sigma": 0.2}, "give either mu and sigma"),
    ({"dist": "lognormal", "mean": -5, "sd": 1}, "mean must be above 0"),
    ({"dist": "discrete", "values": []}, "non-empty list"),
    ({"dist": "discrete", "values": [1, 2], "weights": [0, 0]}, "sum to 0"),
    ({"dist": "normal", "mean": 5, "sd": 0.001}, "almost no probability"),
    ({"dist": "pert", "low": 0, "mode": 0.1, "high": 0.2, "lambda": -1}, "lambda must be above 0"),
    ({"dist": "uniform", "low": "lots", "high": 0.2}, "'lots' is not a number"),
    ({"dst": "uniform"}, "required field is missing"),
    ({"dist": "uniform", "low": 0.1, "hi": 0.2}, "did you mean 'high'"),
])
def test_invalid_parameters_give_clear_errors(spec, fragment):
    with pytest.raises(DistributionError) as caught:
        parse_section({"line_a.deadweight": spec})
    assert fragment in str(caught.value)
    assert all(path[0] == "line_a.deadweight" for path, _ in caught.value.problems)


def test_scenario_wide_keys_and_misplaced_line_parameters():
    assert set(parse_section({"discount_rate": {"dist": "uniform", "low": 0.01, "high": 0.05},
                              "inputs": {"dist": "uniform", "low": 0.9, "high": 1.2}})) == {
        "discount_rate", "inputs"}
    with pytest.raises(DistributionError, match="needs the outcome"):
        parse_section({"deadweight": {"dist": "uniform", "low": 0.1, "high": 0.2}})
    with pytest.raises(DistributionError, match="above 0"):
        parse_section({"inputs": {"dist": "uniform", "low": 0, "high": 1.2}})


# --------------------------------------------------------------------------- report and CLI
def test_sensitivity_report_contract(test_library):
    unc = {"a.quantity": {"dist": "triangular", "low": 12, "mode": 20, "high": 25}}
    scenario = validate_data(scenario_data(uncertainty=unc), test_library)
    report = sensitivity_summary(scenario, draws=500, seed=9)
    json.dumps(report, allow_nan=False)
    for row in report["switching_values"]:
        assert {"line", "parameter", "base", "switching_value", "change_percent"} <= set(row)
        assert row["reachable"] == (row["switching_value"] is not None)
    assert {"line", "parameter", "low", "high", "ratio_low", "ratio_high"} <= set(report["one_way"][0])
    mc = report["monte_carlo"]
    assert mc["draws"] == 500 and mc["seed"] == 9
    for metric in ("sroi_ratio", "present_value"):
        assert {"mean", "p5", "p50", "p95"} <= set(mc[metric])
    assert 0 <= mc["probability_ratio_above_1"] <= 1
    assert "monte_carlo" not in sensitivity_summary(scenario)


def write_scenario(tmp_path, data):
    import yaml

    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def cli(run_cli):
    """`svmodel ARGS` in this process (conftest's run_cli), as returncode, stdout and stderr."""
    from types import SimpleNamespace

    def call(*args):
        code, out, err = run_cli(*args)
        return SimpleNamespace(returncode=code, stdout=out, stderr=err)

    return call


def test_cli_json_with_draws_and_seed_is_reproducible(tmp_path, cli):
    unc = {"a.deadweight": {"dist": "uniform", "low": 0.2, "high": 0.4},
           "discount_rate": {"dist": "discrete", "values": [0.015, 0.035, 0.05]}}
    data = scenario_data(uncertainty=unc)
    for outcome in data["outcomes"][1:]:  # the shipped library may not hold the test proxies
        outcome.pop("proxy")
        outcome["value"] = {"amount": 500, "price_year": 2024, "source": "test"}
    path = write_scenario(tmp_path, data)
    first = cli("sensitivity", path, "--json", "--draws", 2000, "--seed", 11)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["monte_carlo"]["draws"] == 2000 and report["monte_carlo"]["seed"] == 11
    assert {r["parameter"] for r in report["switching_values"]} == set(LINE_PARAMS) | {"discount_rate", "inputs"}
    again = json.loads(cli("sensitivity", path, "--json", "--draws", 2000, "--seed", 11).stdout)
    assert again["monte_carlo"] == report["monte_carlo"]

    text = cli("sensitivity", path, "--draws", 1000, "--seed", 11)
    assert text.returncode == 0, text.stderr
    for heading in ("One-way sensitivity (tornado)", "Switching values (SROI ratio = 1)",
                    "Monte Carlo: 1,000 draws, seed 11", "Probability the SROI ratio exceeds 1",
                    "a.deadweight", "not reachable"):
        assert heading in text.stdout, heading


def test_cli_errors_are_clear(tmp_path, cli):
    bad = cli("sensitivity", BAD / "uncertainty_high_below_low.yaml", "--json")
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert 'uncertainty["fewer_care_admissions.deadweight"].high' in bad.stderr
    path = write_scenario(tmp_path, {**scenario_data(), "outcomes": scenario_data()["outcomes"][:1]})
    wrong = cli("sensitivity", path, "--draws", "-5")
    assert wrong.returncode == 2 and "draws" in wrong.stderr


def test_core_imports_nothing_from_notebooks_or_plotting():
    code = ("import sys, svmodel.uncertainty, svmodel.scenario.distributions; "
            "bad = [m for m in sys.modules if m.split('.')[0] in "
            "('matplotlib', 'ipywidgets', 'papermill', 'IPython', 'nbformat')]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_every_example_scenario_gets_a_report(example_files):
    for path in example_files:
        scenario = load_scenario(path)
        report = sensitivity_summary(scenario, draws=200, seed=1)
        json.dumps(report, allow_nan=False)
        assert report["one_way"] and report["switching_values"], path


def test_switching_change_percent_is_nan_not_inf_for_a_base_near_zero():
    """A base such as 1e-308 (hypothesis found one) made the change overflow to inf with a
    RuntimeWarning; the change is reported as not meaningful (NaN) instead."""
    import warnings

    from svmodel.uncertainty.sensitivity import _percent_change

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert math.isnan(_percent_change(1e-308, 1e10))
        assert math.isnan(_percent_change(0.0, 1.0))
        assert _percent_change(2.0, 3.0) == pytest.approx(50.0)
