"""The explorer's Monte Carlo band: the same draws as `svmodel sensitivity`, re-centred on the
controls, and shown in the page next to the ratio."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from svmodel.explorer.band import DRAWS, SEED, MonteCarloBand
from svmodel.explorer.band_view import BandRow, VariantColours, band_svg
from svmodel.explorer.state import state_from_scenario, variant_scenario
from svmodel.scenario import load_scenario
from svmodel.uncertainty import monte_carlo
from svmodel.uncertainty.model import ModelArrays
from svmodel.util.formatting import ratio

FIXTURES = Path(__file__).resolve().parent / "fixtures"
NARRATIVE = FIXTURES / "explorer" / "narrative.yaml"
NO_UNCERTAINTY = FIXTURES / "explorer" / "reablement.yaml"


@pytest.fixture(scope="module")
def scenario(test_library):
    return load_scenario(NARRATIVE, test_library)


@pytest.fixture(scope="module")
def band(scenario):
    return MonteCarloBand(scenario)


def test_the_baseline_band_is_the_monte_carlo_of_the_file(scenario, band):
    result = monte_carlo(scenario, draws=DRAWS, seed=SEED)
    base = band.ratio_band(scenario)
    assert (base.p5, base.p50, base.p95) == pytest.approx(tuple(np.percentile(result.sroi_ratio, [5, 50, 95])),
                                                         rel=1e-12)
    assert base.above_one == pytest.approx(float(np.mean(result.sroi_ratio > 1)))
    assert base.p5 < base.p50 < base.p95


def test_draws_move_with_their_control_and_keep_their_spread(scenario, band):
    state = state_from_scenario(scenario).with_line("wellbeing", deadweight=0.45, quantity=40)
    arrays = ModelArrays.from_scenario(variant_scenario(scenario, state))
    moved = band.recentred(arrays)
    deadweight, quantity = moved[(0, "deadweight")], moved[(0, "quantity")]
    before_dw, before_q = band.values[(0, "deadweight")], band.values[(0, "quantity")]
    assert np.allclose(deadweight, before_dw + 0.2)  # uniform(0.15, 0.35) -> (0.35, 0.55)
    assert np.allclose(quantity, before_q * 2)  # triangular(15, 20, 24) -> (30, 40, 48)
    # a control pushed to its bound clips the draws to the bound (svmodel.parameters)
    high = state_from_scenario(scenario).with_line("wellbeing", deadweight=0.95)
    clipped = band.recentred(ModelArrays.from_scenario(variant_scenario(scenario, high)))[(0, "deadweight")]
    assert clipped.max() == 1.0 and clipped.min() == pytest.approx(before_dw.min() + 0.7)


def test_the_band_follows_the_controls(scenario, band):
    base = band.ratio_band(scenario)
    worse = band.ratio_band(variant_scenario(
        scenario, state_from_scenario(scenario).with_line("wellbeing", deadweight=0.5)))
    assert worse.p5 < base.p5 and worse.p95 < base.p95
    # an unchanged variant gives exactly the baseline band (common random numbers)
    same = band.ratio_band(variant_scenario(scenario, state_from_scenario(scenario)))
    assert same == base


def test_no_uncertainty_section_means_no_band(test_library):
    scenario = load_scenario(NO_UNCERTAINTY, test_library)
    band = MonteCarloBand(scenario)
    assert not band.available and band.ratio_band(scenario) is None


def test_variant_colours_are_kept_until_removed():
    colours = VariantColours()
    first, second = colours["A"], colours["B"]
    assert first != second and colours["A"] == first
    colours.forget("A")
    assert colours["B"] == second and colours["C"] not in (second,)


def test_band_svg_escapes_labels_and_marks_break_even(scenario, band):
    base = band.ratio_band(scenario)
    svg = band_svg([BandRow("<b>Baseline</b>", "#7f7f7f", 1.2, base), BandRow("broken", "#e07a2e", None, None)])
    assert "<b>Baseline" not in svg and "&lt;b&gt;Baseline" in svg
    assert ">£1<" in svg and "no range" in svg


# ---------------------------------------------------------------------------- in the page
pytest.importorskip("ipywidgets")


def _band_cell(explorer) -> tuple[float, float]:
    found = re.search(r"svx-band-range' data-p5='([^']*)' data-p95='([^']*)'", explorer.headline.value)
    assert found, explorer.headline.value
    return float(found.group(1)), float(found.group(2))


def test_the_page_shows_the_band_and_updates_it(test_library, tmp_path, scenario, band):
    from svmodel.explorer.widgets import ScenarioExplorer

    explorer = ScenarioExplorer(NARRATIVE, library=test_library, charts=False, save_dir=tmp_path)
    base = band.ratio_band(scenario)
    assert _band_cell(explorer) == pytest.approx((base.p5, base.p95), rel=1e-12)
    assert "5th-95th percentile" in explorer.headline.value and "<svg" in explorer.band_html.value
    explorer.line_controls[0]["deadweight"].value = 50.0
    expected = band.ratio_band(variant_scenario(
        scenario, state_from_scenario(scenario).with_line("wellbeing", deadweight=0.5)))
    assert _band_cell(explorer) == pytest.approx((expected.p5, expected.p95), rel=1e-12)
    # a kept variant keeps its colour when the controls move on and when another is removed
    explorer.variant_name.value = "Half deadweight"
    explorer.keep_button.click()
    colour = explorer.variant_colours["Half deadweight"]
    explorer.line_controls[0]["deadweight"].value = 10.0
    explorer.variant_name.value = "Low deadweight"
    explorer.keep_button.click()
    assert explorer.variant_colours["Half deadweight"] == colour
    assert colour in explorer.side_by_side.value and colour in explorer.band_html.value
    kept = explorer.variant_bands["Half deadweight"][1]
    assert kept == expected  # the kept variant's band, computed when it was kept
    assert f"{ratio(kept.p5)} to {ratio(kept.p95)}" in explorer.side_by_side.value
    explorer.variant_choice.value = "Low deadweight"
    explorer.remove_button.click()
    assert explorer.variant_colours["Half deadweight"] == colour


def test_without_an_uncertainty_section_the_page_says_so(test_library, tmp_path):
    from svmodel.explorer.widgets import ScenarioExplorer

    explorer = ScenarioExplorer(NO_UNCERTAINTY, library=test_library, charts=False, save_dir=tmp_path)
    assert "no <code>uncertainty:</code> section" in explorer.band_html.value
    assert "svx-band-range'>" in explorer.headline.value  # the row says n/a
