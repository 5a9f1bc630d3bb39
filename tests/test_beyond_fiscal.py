"""Issue 16: WELLBY lines, leakage and place, double counting across value families, LM3,
shared and correlated uncertainty, quasi-Monte Carlo and Sobol' indices."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from svmodel.lm3 import lm3
from svmodel.results import calculate
from svmodel.scenario import ScenarioError, load_scenario, validate_data

FIXTURE = Path(__file__).parent / "fixtures" / "beyond_fiscal" / "befriending.yaml"


def base(outcomes, **extra):
    data = {"svmodel": 1, "name": "T", "price_year": 2019, "discounting": {"rate": 0.035},
            "inputs": [{"stakeholder": "Council", "amount": 100000}], "outcomes": outcomes}
    data.update(extra)
    return data


WELLBY = {"id": "w", "stakeholder": "Older residents", "outcome": "Life satisfaction",
          "wellby": {"life_satisfaction_change": 0.5, "people": 40}, "deadweight": 0.25,
          "attribution": 0.1, "duration": 2}


# --------------------------------------------------------------------------- WELLBY
def test_wellby_line_hand_worked():
    results = calculate(validate_data(base([WELLBY])))
    # 40 people x 0.5 points = 20 WELLBYs a year, at GBP 13,000 (2019 prices; the scenario is in
    # 2019 prices, so no rebasing), x (1 - 0.25) x (1 - 0.1), for 2 years at 3.5%.
    impact = 20 * 13000 * 0.75 * 0.9
    assert results.engine.impact[0] == pytest.approx(impact)
    assert results.total_present_value == pytest.approx(impact / 1.035 + impact / 1.035 ** 2)
    block = results.to_dict()["wellbeing"][0]
    assert block["wellbys_per_year"] == 20 and block["wellbys"] == 40 and block["proxy"] == "hmt_wellby"
    pv = results.total_present_value
    assert block["present_value_low"] == pytest.approx(pv * 10000 / 13000)
    assert block["present_value_high"] == pytest.approx(pv * 16000 / 13000)


def test_wellby_with_quantity_or_bad_change_is_refused():
    with pytest.raises(ScenarioError, match="both `quantity` and `wellby`"):
        validate_data(base([{**WELLBY, "quantity": 20}]))
    with pytest.raises(ScenarioError, match=r"outcomes\[0\]\.wellby\.life_satisfaction_change"):
        validate_data(base([{**WELLBY, "wellby": {"life_satisfaction_change": 12, "people": 40}}]))


def test_wellby_and_qaly_for_the_same_people_must_be_justified():
    qaly = {"id": "q", "stakeholder": "Older residents", "outcome": "Health", "quantity": 1,
            "proxy": "hmt_qaly", "deadweight": 0.2}
    with pytest.raises(ScenarioError) as caught:
        validate_data(base([WELLBY, qaly]), filename="plan.yaml")
    text = str(caught.value)
    assert "plan.yaml" in text and "outcomes[1].id" in text and "wellby_qaly" in text
    kept = validate_data(base([WELLBY, qaly], overlaps=[{"lines": ["w", "q"], "reason": "different changes"}]))
    [overlap] = [o for o in kept.overlaps if o["rule"] == "wellby_qaly"]
    assert overlap["decision"] == "keep" and overlap["reason"] == "different changes"
    excluded = validate_data(base([WELLBY, qaly], overlaps=[
        {"lines": ["w", "q"], "reason": "same change", "decision": "exclude", "exclude": "q"}]))
    assert [line.counted for line in excluded.lines] == [True, False]
    assert calculate(excluded).total_present_value == pytest.approx(calculate(validate_data(base([WELLBY]))).total_present_value)


def test_same_proxy_twice_for_one_stakeholder_is_flagged():
    line = {"stakeholder": "Residents", "outcome": "Jobs", "quantity": 1,
            "proxy": "ucd_E&E1.0_economic", "deadweight": 0.2}
    with pytest.raises(ScenarioError, match="same_proxy"):
        validate_data(base([{**line, "id": "a"}, {**line, "id": "b"}]))
    other = validate_data(base([{**line, "id": "a"}, {**line, "id": "b", "stakeholder": "Others"}]))
    assert other.overlaps == ()


# --------------------------------------------------------------------------- leakage and place
def test_local_share_scales_value_and_needs_an_area():
    line = {"id": "a", "stakeholder": "Residents", "outcome": "Jobs", "quantity": 2,
            "proxy": "ucd_E&E1.0_economic", "deadweight": 0.2}
    whole = calculate(validate_data(base([line]))).total_present_value
    local = calculate(validate_data(base([{**line, "local_share": 0.6, "area": "Knowsley"}])))
    assert local.total_present_value == pytest.approx(0.6 * whole)
    assert local.to_dict()["place"]["lines"] == [{"id": "a", "local_share": 0.6, "area": "Knowsley"}]
    with pytest.raises(ScenarioError, match=r"outcomes\[0\]\.area: is missing"):
        validate_data(base([{**line, "local_share": "60%"}]))
    default = validate_data(base([line]))
    assert default.lines[0].local_share == 1.0


# --------------------------------------------------------------------------- LM3
def test_lm3_with_the_methods_own_figures():
    # NEF / Northumberland County Council (2005): local suppliers re-spent 76% of contract income
    # locally, so GBP 1 spent with a local supplier is worth GBP 1.76 to the local economy.
    assert lm3(1.0, [(0.76, 0.0)]).score == pytest.approx(1.76)
    # NEF LM3 survey workbook (Plugging the Leaks): staff spending 40% of GBP 200,000 of salaries
    # locally re-spend GBP 80,000 (round 3); five staff at 42.1, 50.5, 63.1, 37.8, 33.6% average 45.4%.
    assert lm3(500000, [(200000, 0.40)]).round3 == pytest.approx(80000)
    assert np.mean([42.1, 50.5, 63.1, 37.8, 33.6]) == pytest.approx(45.42)
    # LM3 Online: a score of 1.50 means every GBP 1 generates an additional GBP 0.50 locally.
    result = lm3(100, [(30, 0.5), (10, 0.5)])
    assert result.score == pytest.approx(1.60) and result.local_economic_value == pytest.approx(160)
    with pytest.raises(ValueError):
        lm3(100, [(150, 0.5)])


def test_lm3_beside_the_sroi_never_in_it():
    scenario = load_scenario(FIXTURE)
    without = dict(yaml.safe_load(FIXTURE.read_text()))
    without.pop("lm3")
    results, plain = calculate(scenario), calculate(validate_data(without))
    assert results.total_present_value == pytest.approx(plain.total_present_value)
    block = results.to_dict()["lm3"]
    assert block["round2"] == 180000 and block["round3"] == pytest.approx(60000 * 0.76 + 120000 * 0.454)
    assert block["lm3"] == pytest.approx((250000 + 180000 + block["round3"]) / 250000)
    assert block["added_to_present_value"] is False and block["overlapping_lines"] == ["local_jobs"]
    assert any("local_jobs and lm3 overlap" in w for w in scenario.warnings)


def test_lm3_spend_above_income_is_refused():
    data = yaml.safe_load(FIXTURE.read_text())
    data["lm3"]["spend"][0]["amount"] = 900000
    with pytest.raises(ScenarioError, match="lm3"):
        validate_data(data)


# --------------------------------------------------------------------------- shared and correlated
def _two_lines(uncertainty):
    line = {"stakeholder": "S", "outcome": "O", "value": {"amount": 100, "price_year": 2019, "source": "t"},
            "deadweight": 0.3}
    return validate_data(base([{**line, "id": "a", "quantity": 10},
                               {**line, "id": "b", "quantity": 20, "stakeholder": "T"}],
                              uncertainty=uncertainty))


def test_perfectly_correlated_pair_equals_one_shared_draw():
    from svmodel.uncertainty.problem import build_problem, sample

    spec = {"dist": "uniform", "low": 0.1, "high": 0.5}
    shared = _two_lines({"shared": {"dw": spec}, "a.deadweight": {"shared": "dw"}, "b.deadweight": {"shared": "dw"}})
    correlated = _two_lines({"a.deadweight": spec, "b.deadweight": spec,
                             "correlations": [{"between": ["a.deadweight", "b.deadweight"], "rank": 1}]})
    one = sample(build_problem(shared), 5000, 1, "qmc").values
    two = sample(build_problem(correlated), 5000, 1, "qmc").values
    np.testing.assert_array_equal(one[(0, "deadweight")], one[(1, "deadweight")])
    np.testing.assert_allclose(two[(0, "deadweight")], two[(1, "deadweight")], rtol=1e-6)
    # and the copula keeps each margin uniform on 0.1..0.5
    assert two[(0, "deadweight")].min() >= 0.1 and two[(0, "deadweight")].max() <= 0.5
    assert abs(np.mean(two[(0, "deadweight")]) - 0.3) < 0.005
    from svmodel.uncertainty import monte_carlo

    a = monte_carlo(shared, 2 ** 14, seed=3, method="qmc").summary()["sroi_ratio"]
    b = monte_carlo(correlated, 2 ** 14, seed=3, method="qmc").summary()["sroi_ratio"]
    for k in ("p5", "p50", "p95"):
        assert a[k] == pytest.approx(b[k], rel=2e-3)


def test_rank_correlation_is_reproduced():
    from scipy.stats import spearmanr

    from svmodel.uncertainty.problem import build_problem, sample

    s = _two_lines({"a.quantity": {"dist": "uniform", "low": 5, "high": 15},
                    "b.quantity": {"dist": "triangular", "low": 10, "mode": 20, "high": 30},
                    "correlations": [{"between": ["a.quantity", "b.quantity"], "rank": 0.6}]})
    values = sample(build_problem(s), 40000, 2).values
    rho = spearmanr(values[(0, "quantity")], values[(1, "quantity")]).statistic
    assert rho == pytest.approx(0.6, abs=0.02)


def test_correlation_matrix_not_psd_names_file_and_field():
    data = base([{"id": x, "stakeholder": x, "outcome": "O", "quantity": 10,
                  "value": {"amount": 100, "price_year": 2019, "source": "t"}, "deadweight": 0.1}
                 for x in ("a", "b", "c")],
                uncertainty={**{f"{x}.quantity": {"dist": "uniform", "low": 5, "high": 15} for x in "abc"},
                             "correlations": {"parameters": ["a.quantity", "b.quantity", "c.quantity"],
                                              "matrix": [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]}})
    with pytest.raises(ScenarioError) as caught:
        validate_data(data, filename="corr.yaml")
    text = str(caught.value)
    assert "corr.yaml" in text and "uncertainty.correlations" in text and "not positive semi-definite" in text


def test_shared_distribution_errors_name_the_field():
    with pytest.raises(ScenarioError, match=r"uncertainty\[\"a\.deadweight\"\]\.shared: .nope. is not a shared distribution"):
        _two_lines({"a.deadweight": {"shared": "nope"}})
    with pytest.raises(ScenarioError, match=r"uncertainty\.shared\.dw\.high"):
        _two_lines({"shared": {"dw": {"dist": "uniform", "low": 0.1, "high": 1.5}}, "a.deadweight": {"shared": "dw"}})


# --------------------------------------------------------------------------- QMC and Sobol
def test_qmc_and_random_agree():
    from svmodel.uncertainty import monte_carlo

    s = load_scenario(FIXTURE)
    q = monte_carlo(s, 2 ** 14, seed=4, method="qmc").summary()["sroi_ratio"]
    r = monte_carlo(s, 2 ** 16, seed=4).summary()["sroi_ratio"]
    for k in ("p5", "p50", "p95"):
        assert q[k] == pytest.approx(r[k], rel=0.01)


def test_sobol_matches_the_closed_form_of_an_additive_model():
    from svmodel.uncertainty.sobol import sobol_indices

    # Duration 1, quantities uniform: the ratio is c_a Q_a + c_b Q_b + const, so
    # S1 = ST = c_i^2 Var(Q_i) / sum_j c_j^2 Var(Q_j).
    s = _two_lines({"a.quantity": {"dist": "uniform", "low": 0, "high": 20},
                    "b.quantity": {"dist": "uniform", "low": 10, "high": 20}})
    var = np.array([20 ** 2 / 12, 10 ** 2 / 12])  # both lines have the same coefficient
    expected = var / var.sum()
    found = {r["parameter"]: r for r in sobol_indices(s, 4096, seed=1).rows}
    for name, value in zip(("a.quantity", "b.quantity"), expected):
        assert found[name]["first_order"] == pytest.approx(value, abs=0.03)
        assert found[name]["total"] == pytest.approx(value, abs=0.03)


def test_design_is_salibs_own():
    from SALib.sample import sobol as salib_sobol

    from svmodel.uncertainty.sobol import saltelli_design

    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1]] * 3}
    theirs = salib_sobol.sample(problem, 16, calc_second_order=False, seed=np.random.default_rng(5))
    np.testing.assert_array_equal(saltelli_design(3, 16, 5), theirs)


def test_cli_sobol_json_contract(run_cli):
    code, out, err = run_cli("sensitivity", FIXTURE, "--json", "--sobol", "256", "--seed", "7",
                             "--draws", "2000", "--method", "qmc")
    assert code == 0, err
    report = json.loads(out)
    assert {r["parameter"] for r in report["sobol"]} == {"wellbeing_gain.quantity", "local_jobs.quantity",
                                                         "common_deadweight"}
    assert all({"parameter", "first_order", "total"} <= set(r) for r in report["sobol"])
    assert report["sobol_design"]["seed"] == 7 and report["sobol_design"]["draws"] == 256 * 5
    assert report["monte_carlo"]["method"] == "qmc"
    assert report["monte_carlo"]["shared"] == {"common_deadweight": ["wellbeing_gain.deadweight",
                                                                     "falls_avoided.deadweight"]}


# --------------------------------------------------------------------------- report, framework, tender
def test_report_section_names_the_assumption_to_evidence_next():
    from svmodel.report.global_sensitivity import section_from
    from svmodel.uncertainty.sobol import sobol_indices

    html = str(section_from(sobol_indices(load_scenario(FIXTURE), 256, seed=2)))
    assert "Which assumption to evidence next" in html and "data:image/png;base64" in html
    assert "evidence next" in html and "wellbeing_gain.quantity" in html


def test_k24_is_measured_with_lm3_and_tenders_can_compare_it():
    from svmodel.library.frameworks import load_framework
    from svmodel.procurement.local_multiplier import compare_bids

    measure = load_framework("knowsley").measures["K24"]
    assert measure.method == "lm3" and measure.count_only
    rows = compare_bids(100000, {"A": (20000, 0.5, 30000, 0.4), "B": (40000, 0.76, 30000, 0.4)}, "Knowsley")
    assert [r["bidder"] for r in rows] == ["B", "A"]
    assert rows[0]["lm3"] == pytest.approx((100000 + 70000 + 40000 * 0.76 + 30000 * 0.4) / 100000)


@pytest.mark.parametrize("a,b", [(2.3, 3.1), (1.0, 5.0), (5.0, 1.0), (1.0, 1.0), (1.01, 4.99)])
def test_tabulated_beta_quantiles_match_scipy(a, b):
    from scipy.special import betaincinv

    from svmodel.scenario.distributions import _beta_ppf_table

    u = np.random.default_rng(0).random(50000)
    assert np.max(np.abs(_beta_ppf_table(a, b, u) - betaincinv(a, b, u))) < 5e-5


def test_sroi_report_lists_overlaps_lm3_wellbys_and_sobol():
    from svmodel.report import sroi

    report = sroi.build(FIXTURE, draws=300, seed=2)
    warnings_html, mc_html = str(report.warnings()), str(report.monte_carlo_section())
    assert "Overlaps across value families" in warnings_html and "wellby_qaly" in warnings_html
    assert "The QALY line values falls avoided" in warnings_html
    assert "Local multiplier (LM3)" in warnings_html and "LM3 2.12" in warnings_html
    assert "Wellbeing (WELLBYs)" in warnings_html
    assert "Which assumption to evidence next" in mc_html


def test_lm3_and_overlap_fields_are_named_in_errors():
    data = yaml.safe_load(FIXTURE.read_text())
    data["lm3"]["spend"][0]["local_respend"] = "76%"  # a percentage is fine
    assert validate_data(data).model.lm3.spend[0].local_respend == pytest.approx(0.76)
    data["lm3"]["spend"][1]["kind"] = "shop"
    data["overlaps"][0]["decision"] = "maybe"
    with pytest.raises(ScenarioError) as caught:
        validate_data(data, filename="x.yaml")
    text = str(caught.value)
    assert "x.yaml: lm3.spend[1].kind: 'shop' is not allowed; expected supplier or staff" in text
    assert "overlaps[0].decision: 'maybe' is not allowed; expected keep or exclude" in text


def test_run_json_carries_the_new_blocks(run_cli):
    code, text, err = run_cli("run", FIXTURE, "--json")
    assert code == 0, err
    out = json.loads(text)
    assert out["lm3"]["lm3"] == pytest.approx(2.12032)
    assert [o["rule"] for o in out["double_counting"]] == ["wellby_qaly", "lm3_local_economy"]
    assert out["wellbeing"][0]["wellbys_per_year"] == 20
    assert {line["id"]: line["local_share"] for line in out["lines"]}["local_jobs"] == 0.8


def test_explorer_variant_of_a_wellby_line_keeps_it_a_wellby_line():
    from dataclasses import replace

    from svmodel.explorer.state import state_from_scenario, state_to_data

    scenario = load_scenario(FIXTURE)
    state = state_from_scenario(scenario)
    lines = list(state.lines)
    lines[0] = replace(lines[0], quantity=30.0)  # 30 WELLBYs a year at 0.5 points: 60 people
    data = state_to_data(scenario, replace(state, lines=tuple(lines)))
    assert "quantity" not in data["outcomes"][0] and data["outcomes"][0]["wellby"]["people"] == 60
    assert validate_data(data).lines[0].quantity == 30


def test_random_draws_do_not_depend_on_the_thread_count(monkeypatch):
    import svmodel.uncertainty.problem as problem_module
    from svmodel.uncertainty import monte_carlo

    s = load_scenario(FIXTURE)
    monkeypatch.setattr(problem_module, "BLOCK", 1000)
    monkeypatch.setattr(problem_module, "THREADS", 1)
    one = monte_carlo(s, 5500, seed=8)
    monkeypatch.setattr(problem_module, "THREADS", 2)
    two = monte_carlo(s, 5500, seed=8)
    np.testing.assert_array_equal(one.sroi_ratio, two.sroi_ratio)
    assert len(set(np.round(one.sroi_ratio, 12))) > 5000  # blocks draw different streams
