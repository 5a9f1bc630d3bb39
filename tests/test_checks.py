"""Double-counting warnings: headline with constituent, one benefit area twice, transfers."""

from __future__ import annotations

from svmodel.checks import double_counting
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
