"""Issue 14: cohort funnel, disbenefits, optimism bias and confidence grades, who pays and who
benefits, the financial and economic cases, convention profiles, and a hand-worked business
case reproduced to the penny."""

from __future__ import annotations

import json

import numpy as np
import pytest
from numpy.testing import assert_allclose

from svmodel.engine import discount_factors
from svmodel.errors import ScenarioError
from svmodel.results import calculate
from svmodel.scenario import parse_scenario
from svmodel.uncertainty.model import ModelArrays, evaluate

# A hand-worked business case. Flat 3.5%, SROI Guide convention (year 1 discounted), 2024 prices
# (inline values priced in 2024: no rebasing). The grade table is a TEST FIXTURE (svmodel ships
# none); the optimism bias is the published standard_buildings capital uplift, 24%.
HAND = """
svmodel: 1
name: Hand-worked business case
price_year: 2024
discounting: {rate: 0.035, first_year_discounted: true}
optimism_bias: {category: standard_buildings, applies_to: capital}
confidence_grades:
  corrections: {1: 0.0, 2: 0.1}
  source: test fixture, not a published table
inputs:
  - {stakeholder: Council, amount: 10000, year: 0, agency: la_adult_social_care, type: revenue}
  - {stakeholder: NHS trust, amount: 5000, year: 1, agency: nhs, type: capital}
outcomes:
  - id: care
    stakeholder: Older people
    outcome: Avoided care
    cohort: {need: 100, engagement: 0.5, success: 0.2}
    value: {amount: 1000, price_year: 2024, source: test, value_type: fiscal}
    agency: la_adult_social_care
    cashable: 0.5
    cashable_from_year: 2
    grade: 2
    deadweight: 0.2
    drop_off: 0.5
    duration: 2
  - id: hospital
    stakeholder: NHS
    outcome: Avoided admissions
    quantity: 4
    value: {amount: 500, price_year: 2024, source: test, value_type: fiscal}
    agency: nhs
    cashable: 0
    attribution: 0.0001
  - id: wellbeing
    stakeholder: Older people
    outcome: Wellbeing
    quantity: 1
    value: {amount: 3000, price_year: 2024, source: test, beneficiary: the person}
    attribution: 0.0001
  - id: worry
    stakeholder: Carers
    outcome: Disruption while adaptations are fitted
    quantity: 1
    value: {amount: 200, price_year: 2024, source: test, beneficiary: the household}
    disbenefit: true
    attribution: 0.0001
"""


@pytest.fixture()
def hand(test_library):
    # attribution 0.0001 only silences the "no adjustment" warning; undo it in the arithmetic.
    text = HAND.replace("    attribution: 0.0001\n", "")
    return calculate(parse_scenario(text, "hand.yaml", test_library))


def test_hand_worked_business_case_to_the_penny(hand):
    # care: Q = 100 x 0.5 x 0.2 = 10; impact 10 x 1000 x (1 - 0.2) = 8,000; years 8,000, 4,000
    #   PV = 8,000/1.035 + 4,000/1.035^2 = 11,463.51; after grade 2 (x 0.9) 10,317.16
    #   cashable: half of year 2 only: 4,000 x 0.9 x 0.5 / 1.035^2 = 1,680.32
    # hospital: 4 x 500 = 2,000 in year 1: 1,932.37. wellbeing 3,000/1.035 = 2,898.55 (social)
    # worry (disbenefit): -200/1.035 = -193.24
    # costs: 10,000 + 5,000/1.035 = 14,830.92 before; capital x 1.24: 10,000 + 5,990.34 = 15,990.34
    case = hand.business_case()
    fin, eco = case.financial_case(), case.economic_case()
    assert round(fin["fiscal_benefits_present_value"], 2) == 12249.53
    assert round(fin["costs_present_value"], 2) == 15990.34
    assert round(fin["net_present_budget_impact"], 2) == -3740.81
    assert round(fin["cashable_present_value"], 2) == 1680.32
    assert round(fin["cashable_net_present_budget_impact"], 2) == -14310.02
    assert fin["financial_roi"] == pytest.approx(12249.53 / 15990.34, abs=1e-6)
    assert round(eco["benefits_present_value"], 2) == 14954.84
    assert round(eco["net_present_public_value"], 2) == -1035.50
    assert eco["benefit_cost_ratio"] == pytest.approx(0.93524235, abs=1e-8)
    # payback by agency: council 10,000 / (7,200 / 12) = 16.67 months; NHS 5,990.34 / (2,000 / 12)
    payback = fin["payback_months_by_agency"]
    assert payback["la_adult_social_care"] == pytest.approx(10000 / 600)
    assert payback["nhs"] == pytest.approx(5000 / 1.035 * 1.24 / (2000 / 12))
    # SROI headline is unchanged by grades and optimism bias
    assert round(hand.total_present_value, 2) == 16101.19
    assert round(hand.total_inputs, 2) == 14830.92
    ob = case.corrections()
    assert round(ob["costs_before"], 2) == 14830.92 and round(ob["costs_after"], 2) == 15990.34
    assert round(ob["benefits_before"], 2) == 16101.19 and round(ob["benefits_after"], 2) == 14954.84


def test_fiscal_value_is_never_counted_twice(hand):
    case = hand.business_case()
    eco = case.economic_case()
    matrix = case.matrix()
    assert sum(r["benefits"] for r in matrix) == pytest.approx(eco["benefits_present_value"])
    assert sum(r["pays"] for r in matrix) == pytest.approx(eco["costs_present_value"])
    assert eco["benefits_by_value_type"]["fiscal"] == pytest.approx(
        case.financial_case()["fiscal_benefits_present_value"])
    agencies = {r["agency"]: r for r in matrix}
    assert set(agencies) == {"la_adult_social_care", "nhs", "individuals"}
    assert agencies["individuals"]["benefits_social"] == pytest.approx(3000 / 1.035 - 200 / 1.035)


def test_json_contract_keys(hand):
    data = json.loads(hand.to_json())
    assert {"net_present_budget_impact", "financial_roi", "payback_months_by_agency"} <= data["financial_case"].keys()
    assert {"net_present_public_value", "benefit_cost_ratio"} <= data["economic_case"].keys()
    assert data["optimism_bias"]["uplift"] == 0.24
    assert data["cohorts"]["care"]["quantity"] == pytest.approx(10)


def test_no_optimism_bias_key_when_nothing_is_corrected(test_library):
    text = HAND.split("optimism_bias:")[0] + "inputs:" + HAND.split("inputs:")[1]
    text = text.replace("    grade: 2\n", "")
    data = calculate(parse_scenario(text, "x.yaml", test_library)).to_dict()
    assert "optimism_bias" not in data


@pytest.mark.parametrize("fragment, path", [
    ("    quantity: 4\n", "outcomes[0]"),   # both quantity and cohort
])
def test_quantity_and_cohort_together_is_an_error(test_library, fragment, path):
    text = HAND.replace("    cohort: {need: 100", fragment + "    cohort: {need: 100")
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "x.yaml", test_library)
    assert any(p.path == path and "both `quantity` and `cohort`" in p.message for p in caught.value.problems)


def test_grade_without_a_table_is_an_error(test_library):
    text = HAND.replace("    grade: 2\n", "    grade: 5\n")
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "x.yaml", test_library)
    assert [p.path for p in caught.value.problems] == ["outcomes[0].grade"]


def test_unknown_agency_lists_the_controlled_list(test_library):
    text = HAND.replace("agency: nhs, type", "agency: NHS / CCG, type")
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "x.yaml", test_library)
    (problem,) = caught.value.problems
    assert problem.path == "inputs[1].agency" and "la_adult_social_care" in problem.message


def test_cohort_uncertainty_keys_validate_and_sample(test_library):
    text = HAND + """uncertainty:
  care.cohort.need: {dist: uniform, low: 80, high: 120}
  care.cohort.success: {dist: triangular, low: 0.1, mode: 0.2, high: 0.3}
"""
    results = calculate(parse_scenario(text, "x.yaml", test_library))
    arrays = ModelArrays.from_scenario(results.scenario)
    pv, inputs = evaluate(arrays)
    assert_allclose(pv[0], results.total_present_value, rtol=1e-12)
    i = arrays.index("care")
    pv2, _ = evaluate(arrays, {(i, "cohort.need"): np.array([100.0, 150.0])})
    base_care = results.engine.line_present_values[0]
    assert_allclose(pv2 - pv[0], [0.0, 0.5 * base_care], rtol=1e-12, atol=1e-9)
    from svmodel.uncertainty.montecarlo import monte_carlo

    mc = monte_carlo(results.scenario, draws=500, seed=3)
    assert set(mc.samples) == {"care.cohort.need", "care.cohort.success"}
    assert mc.samples["care.cohort.need"].min() >= 80


def test_cohort_distribution_needs_a_cohort(test_library):
    text = HAND + "uncertainty:\n  hospital.cohort.need: {dist: uniform, low: 1, high: 2}\n"
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "x.yaml", test_library)
    assert "has no cohort funnel" in caught.value.problems[0].message


def test_cohort_by_programme_year_waves(test_library):
    # need [100, 200] x 0.5 x 0.2: 10 outcomes from year 1 and 20 from year 2, each lasting 2 years
    # with 50% drop-off; impact per outcome 1,000 x 0.8 = 800.
    text = HAND.replace("cohort: {need: 100,", "cohort: {need: [100, 200],")
    results = calculate(parse_scenario(text, "x.yaml", test_library))
    care = results.values_by_line_and_year().loc["care"].to_numpy()
    assert_allclose(care, [8000, 4000 + 16000, 8000])
    arrays = ModelArrays.from_scenario(results.scenario)
    assert_allclose(evaluate(arrays)[0][0], results.total_present_value, rtol=1e-12)


def test_disbenefit_counts_negative(hand):
    line = hand.impact_map().set_index("id").loc["worry"]
    assert line["unit_value"] == -200 and line["present_value"] == pytest.approx(-200 / 1.035)


def test_health_schedule_per_line(test_library):
    text = HAND.replace("    value: {amount: 3000, price_year: 2024, source: test, beneficiary: the person}\n",
                        "    value: {amount: 3000, price_year: 2024, source: test, beneficiary: the person}\n"
                        "    discount_schedule: health\n    duration: 40\n")
    results = calculate(parse_scenario(text, "x.yaml", test_library))
    pv = results.impact_map().set_index("id").loc["wellbeing", "present_value"]
    health = discount_factors("green_book_health", np.arange(1, 41))
    assert pv == pytest.approx(3000 * (1 - 0.0001) * health.sum(), rel=1e-12)
    arrays = ModelArrays.from_scenario(results.scenario)
    assert_allclose(evaluate(arrays)[0][0], results.total_present_value, rtol=1e-12)


# ----------------------------------------------------------------------------- conventions
def test_green_book_profile_fixes_discounting(test_library):
    text = HAND.replace("discounting: {rate: 0.035, first_year_discounted: true}\n",
                        "conventions: green_book_2022\n")
    results = calculate(parse_scenario(text, "x.yaml", test_library))
    assert results.scenario.model.discounting.rate == "green_book"
    assert results.scenario.model.discounting.first_year_discounted is False
    # Year 1 is year 0 (undiscounted): care PV = 8,000 + 4,000/1.035
    care = results.impact_map().set_index("id").loc["care", "present_value"]
    assert round(care, 2) == round(8000 + 4000 / 1.035, 2)


def test_profile_conflicting_with_the_file_is_an_error(test_library):
    text = HAND.replace("price_year: 2024\n", "price_year: 2024\nconventions: gmca_cba_2014\n")
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "x.yaml", test_library)
    assert {p.path for p in caught.value.problems} == {"discounting.rate", "discounting.first_year_discounted"}


def test_default_profile_is_todays_behaviour(example_files):
    from svmodel.scenario import load_scenario

    for path in example_files:
        model = load_scenario(path).model
        if path.name != "reablement_business_case.yaml":
            assert model.conventions == "svuk_2012"


def test_greenbook_package_discount_factors():
    # greenbook R package tests/testthat/test-discounting.R (HM Treasury STPR, OGL):
    # factor(30) = 1/1.035^30; factor(31) = factor(30)/1.030; factor(75) = 1/(1.035^30 x 1.030^45)
    f = discount_factors("green_book", [30, 31, 75, 76])
    assert f[0] == pytest.approx(1 / 1.035 ** 30, rel=1e-9)
    assert f[1] == pytest.approx(f[0] / 1.030, rel=1e-9)
    assert f[2] == pytest.approx(1 / (1.035 ** 30 * 1.030 ** 45), rel=1e-9)
    assert f[3] == pytest.approx(f[2] / 1.025, rel=1e-9)


def test_catastrophic_risk_removed_schedule():
    # greenbook inst/extdata/stpr_schedule.csv, column "catastrophic": 3.0% to year 30, then 2.57%
    f = discount_factors("green_book_no_catastrophic_risk", [1, 30, 31])
    assert f[0] == pytest.approx(1 / 1.03) and f[1] == pytest.approx(1.03 ** -30)
    assert f[2] == pytest.approx(1.03 ** -30 / 1.0257)


def test_example_business_case_runs_and_balances():
    from svmodel.scenario import load_scenario
    from conftest import ROOT

    results = calculate(load_scenario(ROOT / "params" / "examples" / "reablement_business_case.yaml"))
    case = results.business_case()
    eco, fin = case.economic_case(), case.financial_case()
    assert eco["benefits_present_value"] == pytest.approx(results.total_present_value)
    assert {"la_adult_social_care", "nhs", "la_housing"} <= {r["agency"] for r in case.matrix() if r["pays"]}
    assert fin["payback_months_by_agency"]["la_housing"] is None  # pays, saves nothing fiscal


def test_value_map_export_carries_the_business_case_but_refuses_value_by_year(tmp_path, capsys):
    """Issue 14 item 7: the workbook carries the business case (tests/test_excel_narrative.py
    checks its live formulas); values that change by year it cannot, and says so."""
    import yaml
    from conftest import ROOT
    from svmodel.cli import main

    example = ROOT / "params" / "examples" / "reablement_business_case.yaml"
    assert main(["export", str(example), "--xlsx", str(tmp_path / "x.xlsx")]) == 0
    data = yaml.safe_load(example.read_text(encoding="utf-8"))
    data["outcomes"][2]["value_by_year"] = {"real_growth": 0.02, "source": "test"}
    (tmp_path / "growth.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    capsys.readouterr()
    code = main(["export", str(tmp_path / "growth.yaml"), "--xlsx", str(tmp_path / "y.xlsx")])
    err = capsys.readouterr().err
    assert code != 0 and "outcomes[2].value_by_year" in err
    assert not (tmp_path / "y.xlsx").exists()


def test_report_section_escapes_and_shows_both_cases():
    from conftest import ROOT
    from svmodel.report.business_case import business_case_section
    from svmodel.scenario import load_scenario

    results = calculate(load_scenario(ROOT / "params" / "examples" / "reablement_business_case.yaml"))
    html = str(business_case_section(results))
    assert "Financial case" in html and "Economic case" in html and "Who pays and who benefits" in html
    assert "Cohort funnels by programme year" in html and "<script" not in html


SERIES = """
svmodel: 1
name: Carbon and growth
price_year: 2024
inputs: [{stakeholder: C, amount: 1000}]
outcomes:
  - id: carbon
    stakeholder: Society
    outcome: Fewer emissions
    quantity: 10
    value_by_year: {series: desnz_carbon, scenario: central, first_year: 2026}
    deadweight: 0.1
    duration: 3
  - id: grows
    stakeholder: People
    outcome: A value growing 2% a year in real terms
    quantity: 1
    value: {amount: 1000, price_year: 2024, source: test}
    value_by_year: {real_growth: 0.02, source: test fixture rate}
    deadweight: 0.1
    duration: 3
    start_year: 2
"""


def test_carbon_series_and_real_growth_by_year(test_library):
    results = calculate(parse_scenario(SERIES, "s.yaml", test_library))
    values = results.values_by_line_and_year()
    # DESNZ central 2026-2028 (2022 prices): 277.22, 281.44, 285.73; rebased 2022 -> 2024 with the
    # GDP deflator (100 / 90.5005); x 10 tonnes x (1 - 0.1).
    factor = 100 / 90.5005
    assert_allclose(values.loc["carbon"].to_numpy()[:3],
                    [9 * 277.22 * factor, 9 * 281.44 * factor, 9 * 285.73 * factor], rtol=1e-12)
    # growth: 1,000 x 1.02^(t - 1) x 0.9 from year 2: 918, 936.36, 955.0872
    assert_allclose(values.loc["grows"].to_numpy(), [0, 918, 936.36, 955.0872], rtol=1e-12)
    arrays = ModelArrays.from_scenario(results.scenario)
    assert_allclose(evaluate(arrays)[0][0], results.total_present_value, rtol=1e-12)
    assert "DESNZ_Nov2023" in results.impact_map().set_index("id").loc["carbon", "source"]


def test_series_outside_its_years_is_a_clear_error(test_library):
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(SERIES.replace("first_year: 2026", "first_year: 2049"), "s.yaml", test_library)
    (problem,) = caught.value.problems
    assert problem.path == "outcomes[0].value_by_year.first_year" and "covers 2020 to 2050" in problem.message


def test_explorer_note_shows_funnel_and_grade(hand):
    from svmodel.explorer.business_case import line_note

    care = hand.scenario.lines[0]
    note = line_note(care)
    assert "Cohort funnel" in note and "100 x 50% x 20% = 10" in note and "grade 2" in note
    assert "Local authority adult social care" in note and "cashable 50% from year 2" in note
    assert "<script" not in line_note(type("L", (), {"agency": "", "beneficiary": "<script>"})())


def test_optimism_bias_table_matches_the_greenbook_package():
    # greenbook R package tests/testthat/test-optimism_bias.R: the published capex upper bounds
    # (HM Treasury supplementary guidance, Mott MacDonald 2002), and gb_apply_ob(c(100, 50), 0.51)
    # = c(151, 75.5).
    from svmodel.business_case.corrections import OptimismBiasApplied, optimism_bias_table

    table = {k: v.capital_uplift for k, v in optimism_bias_table().items()}
    assert table == {"standard_buildings": 0.24, "non_standard_buildings": 0.51,
                     "standard_civil_engineering": 0.44, "non_standard_civil_engineering": 0.66,
                     "equipment_development": 2.00, "outsourcing": 0.41}
    ob = OptimismBiasApplied(0.51, "all", "non_standard_buildings", "")
    assert [100 * ob.factor("revenue"), 50 * ob.factor("capital")] == pytest.approx([151, 75.5])
    capital_only = OptimismBiasApplied(0.51, "capital", None, "")
    assert capital_only.factor("revenue") == 1.0 and capital_only.factor("in_kind") == 1.0


def test_sensitivity_sweeps_single_number_cohort_parts():
    from conftest import ROOT
    from svmodel.scenario import load_scenario
    from svmodel.uncertainty.sensitivity import one_way, switching_values

    scenario = load_scenario(ROOT / "params" / "examples" / "reablement_business_case.yaml")
    rows = one_way(scenario)
    cohort = rows[rows["parameter"].str.startswith("cohort.")]
    assert set(cohort["parameter"]) == {"cohort.engagement", "cohort.success"}  # need is a list
    switching = switching_values(scenario).set_index(["line", "parameter"])
    q = switching.loc[("fewer_residential_admissions", "quantity")]
    s = switching.loc[("fewer_residential_admissions", "cohort.success")]
    assert s["switching_value"] == pytest.approx(q["switching_value"] / q["base"] * 0.08, rel=1e-6)
