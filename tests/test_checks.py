"""Double-counting warnings: headline with constituent, one benefit area twice, transfers."""

from __future__ import annotations

from svmodel.scenario.double_counting import double_counting
from svmodel.scenario import parse_scenario

HEAD = """
svmodel: 1
name: Checks
price_year: 2024
inputs: [{stakeholder: Council, amount: 1000}]
outcomes:
"""


def scenario(outcomes: str, library):
    return parse_scenario(HEAD + outcomes, "checks.yaml", library)


def line(id_: str, proxy: str, stakeholder: str = "People") -> str:
    return (f"  - {{id: {id_}, stakeholder: {stakeholder}, outcome: O, quantity: 1, proxy: {proxy}, "
            "deadweight: 0.1}\n")


def test_clean_scenario_has_no_warnings(test_library):
    s = scenario(line("a", "test_thousand") + line("b", "test_care_week"), test_library)
    assert double_counting(s.lines, s.library) == []


def test_headline_with_its_constituent(test_library):
    s = scenario(line("head", "test_parent", "Claimants") + line("part", "test_benefit", "Exchequer"),
                 test_library)
    warnings = double_counting(s.lines, s.library)
    assert any("head and part: proxy test_parent already includes test_benefit" in w for w in warnings)


def test_two_proxies_of_one_benefit_area_for_one_stakeholder(test_library):
    s = scenario(line("a", "test_parent", "Claimants") + line("b", "test_benefit", "claimants"), test_library)
    warnings = double_counting(s.lines, s.library)
    assert any("two employment proxies (test_parent, test_benefit)" in w for w in warnings)
    other = scenario(line("a", "test_parent", "Claimants") + line("b", "test_benefit", "Exchequer"), test_library)
    assert not any("two employment" in w for w in double_counting(other.lines, other.library))


def test_transfer_payment_is_flagged(test_library):
    s = scenario(line("benefits", "test_benefit"), test_library)
    warnings = double_counting(s.lines, s.library)
    assert warnings == ["benefits: proxy test_benefit is a transfer payment (benefit or tax); shown as "
                        "fiscal value only and left out of the social value total"]


def test_transfers_are_left_out_of_totals_by_default(test_library):
    from numpy.testing import assert_allclose

    from svmodel.results import calculate

    body = line("people", "test_thousand") + line("benefits", "test_benefit", "Exchequer")
    excluded = calculate(scenario(body, test_library))
    included = calculate(parse_scenario(HEAD.replace("inputs:", "include_transfers: true\ninputs:") + body,
                                       "checks.yaml", test_library))
    pv_people, pv_benefits = excluded.engine.line_present_values
    # Left out: the total is the non-transfer line only; the transfer is reported separately.
    assert_allclose(excluded.total_present_value, pv_people)
    assert_allclose(excluded.excluded_transfers_present_value, pv_benefits)
    assert_allclose(excluded.by_year().value.sum(), excluded.engine.values[0].sum())
    assert excluded.breakdown("stakeholder").stakeholder.tolist() == ["People"]
    assert excluded.impact_map().set_index("id").loc["benefits", "counted"] == False  # noqa: E712
    data = excluded.to_dict()
    assert [l["counted"] for l in data["lines"]] == [True, False]
    # Payback uses the counted first-year impact only.
    assert_allclose(excluded.payback_months, 1000 / (excluded.engine.impact[0] / 12))
    # Included: both lines count, with a warning that says so.
    assert_allclose(included.total_present_value, pv_people + pv_benefits)
    assert included.excluded_transfers_present_value == 0
    assert any("include_transfers: true" in w for w in included.scenario.warnings)


def test_uncertainty_and_engine_agree_when_a_transfer_is_left_out(test_library):
    from numpy.testing import assert_allclose

    from svmodel.results import calculate
    from svmodel.uncertainty import monte_carlo

    s = scenario(line("people", "test_thousand") + line("benefits", "test_benefit", "Exchequer"), test_library)
    draws = monte_carlo(s, draws=10, seed=1)
    assert_allclose(draws.present_value, calculate(s).total_present_value, rtol=1e-12)
