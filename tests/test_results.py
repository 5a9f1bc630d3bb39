"""Results tables and the `svmodel run --json` contract (docs/scenario-files.md)."""

from __future__ import annotations

import json

import pytest
from numpy.testing import assert_allclose

from svmodel.results import calculate
from svmodel.scenario import load_scenario, parse_scenario

HAND_WORKED = """
svmodel: 1
name: Hand-worked
organisation: Test
price_year: 2024
discounting: {rate: 0.035, first_year_discounted: true}
inputs:
  - {stakeholder: Council, amount: 50000}
outcomes:
  - {id: a, stakeholder: People, outcome: Better, measure: K4, quantity: 100, proxy: test_thousand,
     deadweight: "20%", attribution: 0.25, drop_off: 0.1, duration: 3}
  - {id: b, stakeholder: Council, outcome: Care avoided, measure: K10, quantity: 10,
     proxy: test_care_week, duration: 1, start_year: 2}
"""

CONTRACT_KEYS = {"total_present_value", "total_inputs", "net_present_value", "sroi_ratio",
                 "net_sroi_ratio", "payback_months", "lines", "years", "provenance"}


@pytest.fixture()
def results(test_library):
    return calculate(parse_scenario(HAND_WORKED, "hand.yaml", test_library))


def check_contract(data: dict) -> None:
    assert CONTRACT_KEYS <= data.keys()
    for line in data["lines"]:
        assert {"id", "impact", "present_value"} <= line.keys()
    for year in data["years"]:
        assert {"year", "value", "discount_factor", "present_value"} <= year.keys()
    assert {"proxy_library_version", "proxy_library_hash", "scenario_hash",
            "svmodel_version"} <= data["provenance"].keys()
    assert_allclose(sum(l["present_value"] for l in data["lines"]), data["total_present_value"], rtol=1e-12)
    assert_allclose(sum(y["present_value"] for y in data["years"]), data["total_present_value"], rtol=1e-12)
    assert_allclose(data["net_present_value"], data["total_present_value"] - data["total_inputs"], rtol=1e-12)
    assert_allclose(data["sroi_ratio"], data["total_present_value"] / data["total_inputs"], rtol=1e-12)


def test_rebased_value_and_present_values(results, test_library):
    # Line b: 10 weeks x GBP 500 (2013/14) rebased to 2024, counted once in year 2.
    rebase = test_library.deflators.factor("2013/14", 2024)
    b_value = 10 * 500 * rebase
    assert_allclose(results.impact_map().set_index("id").loc["b", "unit_value"], 500 * rebase)
    assert_allclose(results.engine.values[1], [0, b_value, 0])
    assert_allclose(results.total_present_value, 152_215.00780800526 + b_value / 1.035**2, rtol=1e-12)


def test_json_contract_holds(results):
    data = json.loads(results.to_json())
    check_contract(data)
    assert data["lines"][0]["impact"] == pytest.approx(60_000)
    assert data["provenance"]["proxy_library_version"] == "test-1"


def test_breakdowns_sum_to_total_and_have_shares(results):
    for by in ("stakeholder", "value_type", "beneficiary", "measure"):
        table = results.breakdown(by)
        assert_allclose(table.present_value.sum(), results.total_present_value, rtol=1e-12)
        assert_allclose(table.share.sum(), 1.0)
    assert set(results.breakdown("measure").measure) == {"K4", "K10"}
    with pytest.raises(ValueError, match="choose one of"):
        results.breakdown("colour")


def test_impact_map_has_inputs_sources_and_values(results):
    table = results.impact_map()
    for column in ("quantity", "proxy", "proxy_value", "proxy_price_year", "unit_value", "deadweight",
                   "displacement", "attribution", "drop_off", "duration", "impact",
                   "present_value", "source", "licence"):
        assert column in table.columns
    assert len(table) == 2


def test_every_example_runs_and_its_json_validates(example_files, run_cli):
    assert len(example_files) >= 3
    for path in example_files:
        code, out, err = run_cli("run", path, "--json")
        assert code == 0, err
        data = json.loads(out)
        check_contract(data)
        assert data["total_present_value"] > 0
        assert len(data["lines"]) >= 3
        assert len({line["stakeholder"] for line in data["lines"]}) >= 2


def test_examples_cover_the_required_knowsley_measures(example_files):
    measures = {line.measure for path in example_files for line in load_scenario(path).lines}
    assert {"K9", "K10", "K11", "K23", "K5", "K6", "K26"} <= measures


def test_examples_justify_every_adjustment_in_their_reasons(example_files):
    # Each non-zero (adjustment, value) pair carries a reason (`reasons:`, issue 15) where it
    # first appears; later lines may repeat a justified value without repeating the reason.
    import yaml

    adjustments = ("deadweight", "displacement", "attribution", "drop_off")
    for path in example_files:
        justified, unjustified = set(), set()
        for outcome in yaml.safe_load(path.read_text(encoding="utf-8"))["outcomes"]:
            reasons = outcome.get("reasons") or {}
            for field in adjustments:
                key = (field, float(str(outcome.get(field, 0)).strip('"%')))
                if key[1] == 0:
                    continue
                (justified if str(reasons.get(field, "")).strip() else unjustified).add(key)
        assert not unjustified - justified, f"{path.name}: no reason for {unjustified - justified}"


def test_scenario_proxy_pack_wins_and_is_labelled_in_results(tmp_path, test_library):
    pack = tmp_path / "licensed_pack.csv"
    pack.write_text("id,name,unit,value,price_year,value_type,source,licence\n"
                    "test_thousand,Licensed value,per person,2000,2024,social,Licensed bank,Licensed to user\n",
                    encoding="utf-8")
    scenario_file = tmp_path / "with_pack.yaml"
    scenario_file.write_text(HAND_WORKED.replace("price_year: 2024", "price_year: 2024\nproxies: [licensed_pack.csv]"),
                             encoding="utf-8")
    results = calculate(load_scenario(scenario_file, test_library))
    row = results.impact_map().set_index("id").loc["a"]
    assert row.unit_value == 2000 and row.origin == "licensed_pack.csv" and row.licence == "Licensed to user"
    assert results.provenance()["proxy_packs"] == ["licensed_pack.csv"]
    assert_allclose(results.engine.impact[0], 2 * 60_000)
