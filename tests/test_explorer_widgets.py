"""The explorer's widgets driven from Python (no browser): controls in, figures and charts out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from numpy.testing import assert_allclose

pytest.importorskip("ipywidgets")

from svmodel.explorer.widgets import ScenarioExplorer  # noqa: E402
from svmodel.explorer.state import state_results, state_from_scenario  # noqa: E402
from svmodel.util.formatting import ratio  # noqa: E402
from svmodel.scenario import load_scenario  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SCENARIO = FIXTURES / "explorer" / "reablement.yaml"


def shown(explorer: ScenarioExplorer, key: str) -> float:
    found = re.search(rf"svx-{key}' data-value='([^']*)'", explorer.headline.value)
    assert found, explorer.headline.value
    return float(found.group(1))


def messages(explorer: ScenarioExplorer) -> str:
    """Text of every message shown so far, wherever it was shown."""
    return "\n".join(text for _, text in explorer.message_log)


@pytest.fixture()
def explorer(test_library, tmp_path):
    return ScenarioExplorer(SCENARIO, library=test_library, charts=False, save_dir=tmp_path)


def test_moving_deadweight_updates_every_figure(explorer, test_library):
    scenario = load_scenario(SCENARIO, test_library)
    assert shown(explorer, "sroi_ratio") == pytest.approx(state_results(scenario, state_from_scenario(scenario)).sroi_ratio)
    slider = explorer.line_controls[0]["deadweight"]
    assert slider.continuous_update is False and slider.value == 25.0
    slider.value = 60.0
    expected = state_results(scenario, state_from_scenario(scenario).with_line("wellbeing", deadweight=0.6))
    assert shown(explorer, "sroi_ratio") == pytest.approx(expected.sroi_ratio, rel=1e-12)
    assert shown(explorer, "net_present_value") == pytest.approx(expected.net_present_value, rel=1e-12)
    assert ratio(expected.sroi_ratio) in explorer.headline.value
    assert "wellbeing deadweight: 25% -&gt; 60%" in explorer.changes.value
    assert explorer.headline.value.count("no change") == 1  # only the inputs are unchanged
    assert "-£" in explorer.line_table.value


def test_every_line_control_and_discounting_reaches_the_engine(explorer, test_library):
    scenario = load_scenario(SCENARIO, test_library)
    c = explorer.line_controls[1]
    c["quantity"].value, c["unit_value"].value, c["duration"].value = 12, 600, 3
    c["displacement"].value, c["attribution"].value, c["drop_off"].value = 10, 20, 30
    explorer.schedule.value = "green_book_health"
    assert explorer.rate.disabled
    explorer.first_year.value = False
    explorer.input_controls[0][0].value = 15000
    state = state_from_scenario(scenario).with_line(
        "fewer_admissions", quantity=12, unit_value=600, duration=3, displacement=0.1, attribution=0.2,
        drop_off=0.3).with_input(0, amount=15000)
    from dataclasses import replace

    state = replace(state, schedule="green_book_health", first_year_discounted=False)
    assert explorer.read_state() == state
    assert_allclose(shown(explorer, "total_present_value"), state_results(scenario, state).total_present_value)


def test_errors_show_beside_the_control_that_caused_them(explorer):
    explorer.input_controls[0][0].value = 0
    assert "Cannot compute" in explorer.headline.value
    assert "inputs total £0" in explorer.messages_at("inputs")  # under the inputs, not at the bottom
    assert "inputs total £0" not in explorer.messages_at("figures")
    explorer.input_controls[0][0].value = 10000
    assert "svx-sroi_ratio" in explorer.headline.value
    assert explorer.messages_at("inputs") == ""  # fixed: the message goes
    explorer.file_box.value = str(FIXTURES / "explorer" / "missing.yaml")
    explorer.open_button.click()
    assert "cannot read the file" in explorer.messages_at("file")
    assert explorer.scenario is not None and explorer.scenario.path == SCENARIO  # still open
    explorer.keep_button.click()  # no variant name
    assert "type a name for the variant" in explorer.messages_at("variant")
    assert "type a name" not in explorer.messages_at("save")


def test_a_line_problem_goes_under_that_line_control(explorer):
    """A value only the validator rejects still lands beside its control (field path mapping)."""
    assert explorer._control_of("outcomes[1].deadweight") == "line:fewer_admissions:deadweight"
    assert explorer._control_of("outcomes[0].value.amount") == "line:wellbeing:unit_value"
    assert explorer._control_of("inputs[0].amount") == "input:0:amount"
    assert explorer._control_of("discounting.rate") == "rate"
    assert explorer._control_of("name") == "figures"
    box = explorer.feedback["line:fewer_admissions:deadweight"]
    assert box in explorer.lines_accordion.children[1].children[3].children  # right under the slider


def test_internal_errors_are_shown_not_lost(explorer, monkeypatch):
    def boom(*_):
        raise RuntimeError("chart failed")

    monkeypatch.setattr(explorer, "_headline_html", boom)
    explorer.line_controls[0]["deadweight"].value = 30
    assert "internal error: RuntimeError: chart failed" in explorer.messages_at("figures")


def test_variants_side_by_side_reset_and_save(explorer, test_library, tmp_path):
    explorer.line_controls[0]["attribution"].value = 50
    explorer.variant_name.value = "Half the credit"
    explorer.keep_button.click()
    half = shown(explorer, "sroi_ratio")
    explorer.reset_button.click()
    assert explorer.line_controls[0]["attribution"].value == 20
    baseline = shown(explorer, "sroi_ratio")
    assert "These are the baseline values" in explorer.changes.value
    explorer.line_controls[0]["quantity"].value = 40
    explorer.variant_name.value = "Twice the people"
    explorer.keep_button.click()
    table = explorer.side_by_side.value
    for text in ("Baseline", "Half the credit", "Twice the people", ratio(half), ratio(baseline)):
        assert text in table
    explorer.variant_choice.value = "Half the credit"
    explorer.show_button.click()
    assert explorer.line_controls[0]["attribution"].value == 50
    assert explorer.line_controls[0]["quantity"].value == 20
    assert shown(explorer, "sroi_ratio") == half
    assert explorer.save_path.value == str(tmp_path / "reablement-half-the-credit.yaml")
    explorer.save_button.click()
    saved = load_scenario(tmp_path / "reablement-half-the-credit.yaml", test_library)
    assert saved.name.endswith("(Half the credit)") and saved.lines[0].attribution == 0.5
    assert "saved" in explorer.messages_at("save")
    explorer.save_button.click()  # second time: refuses to overwrite
    assert "already exists" in explorer.messages_at("save")
    explorer.remove_button.click()
    assert list(explorer.variants) == ["Twice the people"]


def test_charts_are_drawn(test_library, tmp_path):
    explorer = ScenarioExplorer(SCENARIO, library=test_library, save_dir=tmp_path)
    before = {k: img.value for k, img in explorer.chart_images.items()}
    assert all(v.startswith("<svg") for v in before.values())
    explorer.line_controls[0]["deadweight"].value = 90
    assert explorer.chart_images["value_by_year"].value != before["value_by_year"]
    assert [m for m in explorer.message_log if "error" in m[1]] == []
