"""Saved variants keep every field of their source file (issue 15: the narrative among them), and
the explorer evaluates only validated scenarios (issue 11)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from svmodel.explorer.state import (
    StateError,
    changed_fields,
    control_changes,
    save_variant,
    state_from_scenario,
    state_problems,
    state_results,
    variant_scenario,
)
from svmodel.results import calculate
from svmodel.scenario import Scenario, load_scenario

FIXTURES = Path(__file__).resolve().parent / "fixtures"
NARRATIVE = FIXTURES / "explorer" / "narrative.yaml"


@pytest.fixture(scope="module")
def scenario(test_library):
    return load_scenario(NARRATIVE, test_library)


def _leaves(data, prefix=""):
    """Every leaf of nested YAML data as {dotted path: value}."""
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            out.update(_leaves(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(data, list):
        out = {}
        for index, value in enumerate(data):
            out.update(_leaves(value, f"{prefix}[{index}]"))
        return out
    return {prefix: data}


def test_a_saved_variant_keeps_the_narrative_and_every_other_field(scenario, test_library, tmp_path):
    state = (state_from_scenario(scenario).with_line("wellbeing", deadweight=0.3, duration=4)
             .with_input(1, amount=3000))
    saved = save_variant(scenario, state, tmp_path / "narrative-variant.yaml", name="Narrative (variant)")
    source = _leaves(yaml.safe_load(NARRATIVE.read_text()))
    written = _leaves(yaml.safe_load(saved.read_text()))
    changed = {"name": "Narrative (variant)", "outcomes[0].deadweight": 0.3, "outcomes[0].duration": 4,
               "inputs[1].amount": 3000}
    for path, value in source.items():
        if path == "outcomes[0].change":  # "intended" is the default, which the file format omits
            continue
        assert path in written, f"the saved file lost {path}"
        assert written[path] == changed.get(path, value), path
    # the narrative survives validation too, field by field
    reloaded = load_scenario(saved, test_library)
    before, after = scenario.model.model_dump(), reloaded.model.model_dump()
    for key in ("scope", "stakeholders", "materiality", "limitations", "description", "area", "kind"):
        assert after[key] == before[key], key
    for old, new in zip(before["outcomes"], after["outcomes"]):
        for key in ("description", "output", "change", "evidence", "reasons", "indicator", "notes",
                    "measure", "local_share", "disbenefit"):
            assert new[key] == old[key], key
    assert reloaded.model.outcomes[1].change == "unintended"
    assert reloaded.uncertainty_spec.variables == scenario.uncertainty_spec.variables
    # and the file reads like a hand-written one: what it is, then the words, then the numbers
    keys = list(yaml.safe_load(saved.read_text()))
    assert keys[:7] == ["svmodel", "name", "organisation", "description", "kind", "price_year", "scope"]
    outcome_keys = list(yaml.safe_load(saved.read_text())["outcomes"][0])
    assert outcome_keys[:3] == ["id", "stakeholder", "outcome"]


def test_the_variant_is_a_validated_scenario_equal_to_the_saved_file(scenario, test_library, tmp_path):
    state = state_from_scenario(scenario).with_line("carers_strain", unit_value=450.0, quantity=8)
    variant = variant_scenario(scenario, state)
    assert isinstance(variant, Scenario) and variant.path == scenario.path
    assert variant.model.outcomes[1].value.amount == 450.0  # validated data, not a patched copy
    saved = save_variant(scenario, state, tmp_path / "v.yaml")
    assert calculate(load_scenario(saved, test_library)).headline() == state_results(scenario, state).headline()
    assert state_results(scenario, state).total_present_value < calculate(scenario).total_present_value  # a disbenefit


def test_problems_name_their_control(scenario):
    state = state_from_scenario(scenario).with_line("wellbeing", deadweight=1.5).with_input(0, amount=-1)
    problems = state_problems(scenario, state)
    assert {p.control for p in problems} == {"line:wellbeing:deadweight", "input:0:amount"}
    with pytest.raises(StateError) as caught:
        variant_scenario(scenario, state)
    assert "outcome wellbeing deadweight" in str(caught.value)


def test_the_change_log_uses_the_controls_units(scenario):
    state = (state_from_scenario(scenario).with_line("wellbeing", deadweight=0.3, attribution=0.333,
                                                     unit_value=1250.5, duration=5)
             .with_input(0, amount=12000, year=1))
    from dataclasses import replace

    state = replace(state, rate=0.05, first_year_discounted=True)
    assert changed_fields(scenario, state) == [
        "wellbeing proxy value: £1,000 -> £1,250.50",
        "wellbeing deadweight: 25% -> 30%",
        "wellbeing attribution: 20% -> 33.3%",
        "wellbeing duration: 3 -> 5",
        "input 1 amount: £10,000 -> £12,000",
        "input 1 year: 0 -> 1",
        "discounting discount rate: 3.5% -> 5%",
        "discounting first year discounted: no -> yes",
    ]
    schedule = replace(state_from_scenario(scenario), schedule="green_book")
    assert [c.text for c in control_changes(scenario, schedule)] == [
        "discounting schedule: a flat rate -> the Green Book schedule"]


def test_values_by_year_keep_their_meaning(tmp_path):
    """A value with real growth is shown in its start year and saved as its price-year amount; a
    value from a shipped series cannot be moved (the control is disabled; the state refuses)."""
    scenario = load_scenario(FIXTURES / "explorer" / "value_by_year.yaml")
    grow, carbon = scenario.lines
    state = state_from_scenario(scenario).with_line("grow", unit_value=grow.unit_value * 1.1)
    variant = variant_scenario(scenario, state)
    assert variant.lines[0].unit_value == pytest.approx(grow.unit_value * 1.1, rel=1e-12)
    assert variant.model.outcomes[0].value.amount == pytest.approx(110.0)  # 100 in 2024 prices, +10%
    with pytest.raises(StateError, match="comes year by year from the series"):
        variant_scenario(scenario, state_from_scenario(scenario).with_line("carbon", unit_value=1.0))
    pytest.importorskip("ipywidgets")
    from svmodel.explorer.widgets import ScenarioExplorer

    explorer = ScenarioExplorer(FIXTURES / "explorer" / "value_by_year.yaml", charts=False, save_dir=tmp_path)
    assert explorer.line_controls[1]["unit_value"].disabled
    assert not explorer.line_controls[0]["unit_value"].disabled
