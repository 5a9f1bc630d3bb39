"""The explorer's state-to-result logic, without widgets or a browser."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from svmodel.explorer.state import (
    FLAT,
    StateError,
    changed_fields,
    check_state,
    compare_figures,
    default_save_path,
    state_results,
    save_variant,
    side_by_side,
    state_from_scenario,
    state_to_data,
)
from svmodel.results import calculate
from svmodel.scenario import load_scenario, validate_data

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SCENARIO = FIXTURES / "explorer" / "reablement.yaml"
WITH_PACK = FIXTURES / "explorer" / "with_pack.yaml"
HEADLINE_KEYS = ("total_present_value", "total_inputs", "net_present_value", "sroi_ratio",
                 "net_sroi_ratio", "payback_months")


@pytest.fixture(scope="module")
def scenario(test_library):
    return load_scenario(SCENARIO, test_library)


def hand_ratio(deadweight: float) -> float:
    """SROI ratio of tests/fixtures/explorer/reablement.yaml by hand (docs/conventions.md)."""
    wellbeing = 20 * 1000 * (1 - deadweight) * (1 - 0.2)
    pv = sum(wellbeing * 0.9 ** (t - 1) / 1.035 ** t for t in (1, 2, 3))
    pv += 10 * 500 * (1 - 0.4) * (1 - 0.1) / 1.035
    return pv / 10000


def headline(results) -> list[float]:
    return [results.headline()[k] for k in HEADLINE_KEYS]


def test_baseline_state_reproduces_evaluate(scenario):
    results = state_results(scenario, state_from_scenario(scenario))
    assert_allclose(headline(results), headline(calculate(scenario)), rtol=1e-12)
    assert_allclose(results.sroi_ratio, hand_ratio(0.25), rtol=1e-12)


def test_changing_deadweight_matches_hand_calculation(scenario):
    state = state_from_scenario(scenario).with_line("wellbeing", deadweight=0.6)
    results = state_results(scenario, state)
    assert_allclose(results.sroi_ratio, hand_ratio(0.6), rtol=1e-12)
    # the Results describe the variant: its lines, breakdowns and inputs
    assert results.scenario.lines[0].deadweight == 0.6
    assert_allclose(results.breakdown("stakeholder")["present_value"].sum(), results.total_present_value)
    assert scenario.lines[0].deadweight == 0.25  # the baseline is untouched


def test_discounting_and_inputs_controls(scenario):
    base = state_from_scenario(scenario)
    state = base.with_input(0, amount=20000, year=1)
    results = state_results(scenario, state)
    assert_allclose(results.total_inputs, 20000 / 1.035)
    from dataclasses import replace

    green = state_results(scenario, replace(base, schedule="green_book", first_year_discounted=False))
    assert green.scenario.model.discounting.rate == "green_book"
    assert_allclose(green.engine.discount_factors[0], 1.0)  # Green Book: year 1 undiscounted
    flat0 = state_results(scenario, replace(base, rate=0.0))
    assert_allclose(flat0.total_present_value, float(flat0.engine.values.sum()))


def test_compare_figures_reports_every_change(scenario):
    baseline = calculate(scenario)
    same = compare_figures(state_results(scenario, state_from_scenario(scenario)), baseline)
    assert [f.key for f in same] == list(HEADLINE_KEYS)
    assert all(f.change == 0 and f.change_text == "no change" for f in same)
    worse = {f.key: f for f in compare_figures(
        state_results(scenario, state_from_scenario(scenario).with_line("wellbeing", deadweight=0.6)), baseline)}
    assert_allclose(worse["sroi_ratio"].change, hand_ratio(0.6) - hand_ratio(0.25))
    assert worse["sroi_ratio"].change_text == f"{hand_ratio(0.6) - hand_ratio(0.25):+,.2f}"
    assert worse["total_present_value"].change_text.startswith("-£")
    assert worse["payback_months"].change > 0 and worse["payback_months"].change_text.startswith("+")
    assert worse["total_inputs"].change_text == "no change"


def test_invalid_values_are_named(scenario):
    base = state_from_scenario(scenario)
    bad = base.with_line("wellbeing", deadweight=1.5, quantity=-1).with_input(0, amount=0)
    with pytest.raises(StateError) as info:
        state_results(scenario, bad)
    text = str(info.value)
    assert "outcome wellbeing deadweight: 1.5 is not allowed; expected a fraction from 0 to 1" in text
    assert "outcome wellbeing quantity: -1" in text
    assert "inputs total £0" in text
    with pytest.raises(StateError, match="duration: 0 is not allowed"):
        check_state(scenario, base.with_line("fewer_admissions", duration=0))
    with pytest.raises(StateError, match="discount rate"):
        check_state(scenario, base.__class__(base.lines, base.inputs, FLAT, 1.5, True))
    with pytest.raises(KeyError, match="no outcome line 'nope'"):
        base.with_line("nope", deadweight=0.1)


def test_side_by_side_keeps_good_variants_when_one_is_bad(scenario):
    base = state_from_scenario(scenario)
    rows = side_by_side(scenario, {"Lower": base.with_line("wellbeing", deadweight=0.1),
                                   "Broken": base.with_input(0, amount=0)})
    assert [r["name"] for r in rows] == ["Baseline", "Lower", "Broken"]
    assert rows[1]["figures"]["sroi_ratio"].value == pytest.approx(hand_ratio(0.1))
    assert "inputs total £0" in rows[2]["error"]


def test_saved_variant_reproduces_the_figures_and_validates(scenario, tmp_path, test_library, monkeypatch, run_cli):
    state = (state_from_scenario(scenario).with_line("wellbeing", deadweight=0.6, unit_value=1234.5)
             .with_line("fewer_admissions", duration=2))
    target = default_save_path(scenario, "Lower credit!", tmp_path)
    assert target.name == "reablement-lower-credit.yaml"
    saved = save_variant(scenario, state, target, name="Explorer test (lower credit)")
    reloaded = load_scenario(saved, test_library)
    assert reloaded.name == "Explorer test (lower credit)"
    assert_allclose(headline(calculate(reloaded)), headline(state_results(scenario, state)), rtol=1e-12)
    text = saved.read_text()
    assert "wellbeing deadweight: 25% -> 60%" in text  # the header lists what changed
    assert "value changed in the scenario explorer" in text  # changed proxy value cites its source
    monkeypatch.setenv("SVMODEL_PROXIES_DIR", str(FIXTURES / "library"))
    code, out, err = run_cli("validate", saved)
    assert code == 0, err
    assert out.startswith(f"ok: {saved}")


def test_save_refuses_to_overwrite_or_write_invalid(scenario, tmp_path):
    state = state_from_scenario(scenario)
    with pytest.raises(StateError, match="is the baseline scenario file"):
        save_variant(scenario, state, SCENARIO, overwrite=True)
    target = tmp_path / "v.yaml"
    target.write_text("keep me")
    with pytest.raises(StateError, match="already exists"):
        save_variant(scenario, state, target)
    assert target.read_text() == "keep me"
    # An unrelated file is never overwritten, even when overwriting is allowed (issue 12) ...
    with pytest.raises(StateError, match="was not saved by the explorer"):
        save_variant(scenario, state, target, overwrite=True)
    assert target.read_text() == "keep me"
    # ... but a variant the explorer saved earlier is.
    target.unlink()
    save_variant(scenario, state, target)
    save_variant(scenario, state.with_line("wellbeing", attribution=0.5), target, overwrite=True)
    assert target.read_text().startswith("# Saved from the svmodel scenario explorer")
    with pytest.raises(StateError, match="must end in .yaml"):
        save_variant(scenario, state, tmp_path / "v.txt")
    with pytest.raises(StateError, match="does not exist"):
        save_variant(scenario, state, tmp_path / "missing" / "v.yaml")
    with pytest.raises(StateError):
        save_variant(scenario, state.with_line("wellbeing", attribution=2.0), tmp_path / "bad.yaml")
    assert not (tmp_path / "bad.yaml").exists()


def test_proxy_pack_paths_follow_the_saved_file(test_library, tmp_path):
    scenario = load_scenario(WITH_PACK, test_library)
    state = state_from_scenario(scenario).with_line("benefit", attribution=0.5)
    assert state.schedule == "green_book" and state.first_year_discounted is False
    folder = tmp_path / "deeper"
    folder.mkdir()
    saved = save_variant(scenario, state, folder / "variant.yaml")
    reloaded = load_scenario(saved, test_library)
    assert (folder / reloaded.model.proxies[0]).resolve() == (FIXTURES / "library" / "test.csv").resolve()
    assert_allclose(headline(calculate(reloaded)), headline(state_results(scenario, state)), rtol=1e-12)
    assert changed_fields(scenario, state) == ["benefit attribution: 25% -> 50%"]


fractions = st.floats(0, 1, allow_nan=False)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(dw=fractions, ds=fractions, at=fractions, do=fractions, duration=st.integers(1, 12),
       quantity=st.floats(0, 1e5), value=st.floats(0, 1e6), rate=st.floats(0, 0.2),
       schedule=st.sampled_from(["flat", "green_book", "green_book_health"]), first=st.booleans(),
       amount=st.floats(1, 1e7), year=st.integers(0, 5))
def test_state_equals_its_file_round_trip(scenario, dw, ds, at, do, duration, quantity, value, rate,
                                          schedule, first, amount, year):
    """Whatever the controls say, the explorer's figures are those of the file it would save."""
    from dataclasses import replace

    state = replace(state_from_scenario(scenario)
                    .with_line("wellbeing", deadweight=dw, displacement=ds, attribution=at, drop_off=do,
                               duration=duration, quantity=quantity, unit_value=value)
                    .with_input(0, amount=amount, year=year),
                    schedule=schedule, rate=rate, first_year_discounted=first)
    data = state_to_data(scenario, state)
    reloaded = validate_data(data, scenario.library, "<variant>")
    assert_allclose(headline(calculate(reloaded))[:5], headline(state_results(scenario, state))[:5],
                    rtol=1e-9, atol=1e-9)


def test_state_module_imports_no_widgets_or_charts(repo_root):
    code = ("import sys, svmodel.explorer.state; "
            "bad = [m for m in ('ipywidgets', 'matplotlib', 'IPython') if m in sys.modules]; "
            "print(*bad, file=sys.stderr); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=repo_root)
    assert done.returncode == 0, done.stderr


def test_examples_open_move_and_save(example_files, tmp_path, run_cli):
    """Every shipped example: baseline reproduces `evaluate`, a moved deadweight saves validly."""
    if not example_files:
        pytest.skip("no example scenarios in params/examples yet")
    saved = []
    for path in example_files:
        scenario = load_scenario(path)
        base = state_from_scenario(scenario)
        assert_allclose(headline(state_results(scenario, base))[:5], headline(calculate(scenario))[:5],
                        rtol=1e-12, err_msg=str(path))
        first = scenario.lines[0]
        state = base.with_line(first.id, deadweight=min(1.0, first.deadweight + 0.1))
        saved.append(save_variant(scenario, state, tmp_path / f"{path.stem}-variant.yaml"))
        assert_allclose(headline(calculate(load_scenario(saved[-1])))[:5],
                        headline(state_results(scenario, state))[:5], rtol=1e-12, err_msg=str(path))
    code, _, err = run_cli("validate", *saved)
    assert code == 0, err
