"""Issue 14 bug fixes: payback respects start years; proxies priced beyond the GDP deflator
series are a validation problem (never a crash); deflator vintages are recorded and can be pinned."""

from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import pytest
from numpy.testing import assert_allclose

from svmodel.engine import LineArrays, compute
from svmodel.errors import ScenarioError
from svmodel.library.deflators import load_deflator_vintages
from svmodel.library.proxies import default_library, load_library
from svmodel.results import calculate
from svmodel.scenario import parse_scenario


def _lines(start: list[int], duration: list[int] | None = None) -> LineArrays:
    n = len(start)
    return LineArrays(quantity=np.full(n, 10.0), unit_value=np.full(n, 1200.0),
                      deadweight=np.zeros(n), displacement=np.zeros(n), attribution=np.zeros(n),
                      drop_off=np.zeros(n), duration=np.asarray(duration or [3] * n),
                      start_year=np.asarray(start))


def test_payback_waits_for_a_late_start():
    # Impact 10 x 1,200 = 12,000 a year = 1,000 a month, from year 5. Inputs 10,000.
    # Old rule: 10,000 / 1,000 = 10 months. New: 12 x 4 + 10 = 58 months.
    result = compute(_lines([5]), [10_000], [0], rate=0.035)
    assert result.payback_months == pytest.approx(58.0)


def test_payback_unchanged_when_every_line_starts_in_year_one():
    result = compute(_lines([1, 1]), [10_000], [0], rate=0.035)
    assert result.payback_months == 10_000 / (24_000 / 12)


def test_payback_uses_only_the_value_of_the_first_year_with_value():
    # Line a starts in year 2 (12,000/yr), line b in year 4: the first value year is 2.
    result = compute(_lines([2, 4]), [6_000], [0], rate=0.035)
    assert result.payback_months == pytest.approx(12 + 6_000 / 1_000)


SCENARIO = """
svmodel: 1
name: Landfill
price_year: 2024
inputs: [{stakeholder: Council, amount: 1000}]
outcomes:
  - {id: waste, stakeholder: Council, outcome: Less landfill, quantity: 10,
     proxy: landfill_tax_2025_26, deadweight: 0.1}
"""


def test_proxy_priced_after_the_series_is_a_problem_not_a_crash():
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(SCENARIO, "landfill.yaml")
    (problem,) = caught.value.problems
    assert problem.path == "outcomes[0].proxy"
    assert "2025/26" in problem.message and "HMT_QNA_Dec2025_calendar" in problem.message


def test_cli_validate_reports_it(tmp_path, capsys):
    from svmodel.cli import main

    path = tmp_path / "landfill.yaml"
    path.write_text(SCENARIO)
    code = main(["validate", str(path)])
    err = capsys.readouterr().err
    assert code != 0 and "outcomes[0].proxy" in err and "Traceback" not in err


def test_every_shipped_vintage_is_recorded_and_the_newest_used():
    library = default_library()
    assert library.deflators.vintage in library.deflator_vintages
    text = SCENARIO.replace("landfill_tax_2025_26", "landfill_tax_2024_25").replace(
        "price_year: 2024", "price_year: 2023")
    with pytest.raises(ScenarioError):  # 2024/25 needs calendar 2025: not shipped yet
        parse_scenario(text, "x.yaml")


def test_a_scenario_can_pin_a_vintage(tmp_path, test_library):
    # A copy of the shipped deflator file with a second vintage: the same values plus one
    # more year (a test fixture, not a published figure), so it is the newest.
    from svmodel.library.proxies import default_proxies_dir

    csv_path = tmp_path / "gdp_deflators.csv"
    shutil.copy(default_proxies_dir() / "gdp_deflators.csv", csv_path)
    lines = csv_path.read_text().splitlines()
    extra = [line.replace("HMT_QNA_Dec2025_calendar", "HMT_TEST_later_calendar")
             for line in lines if line.startswith("HMT_QNA_Dec2025_calendar")]
    extra.append(extra[-1].replace(",2024,", ",2025,", 1))
    csv_path.write_text("\n".join(lines + extra) + "\n")
    vintages = load_deflator_vintages(csv_path)
    assert list(vintages) == ["HMT_QNA_Dec2025_calendar", "HMT_TEST_later_calendar"]
    library = dataclasses.replace(test_library, deflators=vintages["HMT_TEST_later_calendar"],
                                  deflator_vintages=vintages)
    text = """
svmodel: 1
name: Pinned
price_year: 2024
deflator_vintage: HMT_QNA_Dec2025_calendar
inputs: [{stakeholder: C, amount: 100}]
outcomes:
  - {id: a, stakeholder: P, outcome: O, quantity: 1, proxy: test_thousand, deadweight: 0.1}
"""
    pinned = calculate(parse_scenario(text, "p.yaml", library))
    assert pinned.to_dict()["provenance"]["deflator_vintage"] == "HMT_QNA_Dec2025_calendar"
    newest = calculate(parse_scenario(text.replace("deflator_vintage: HMT_QNA_Dec2025_calendar\n", ""),
                                      "p.yaml", library))
    assert newest.to_dict()["provenance"]["deflator_vintage"] == "HMT_TEST_later_calendar"
    assert_allclose(pinned.total_present_value, newest.total_present_value)


# ---------------------------------------------------------------- issue 14 / issue 11 leftovers
def _fixture_vintage_dir(tmp_path):
    """A copy of the shipped library whose deflator file gains a vintage reaching 2027 with
    forecast years 2025-2027, as every HM Treasury release carries OBR forecasts. The values
    are a test fixture (2024 grown by 3% a year), not published figures."""
    from svmodel.library.proxies import default_proxies_dir

    folder = tmp_path / "proxies"
    shutil.copytree(default_proxies_dir(), folder)
    csv_path = folder / "gdp_deflators.csv"
    lines = csv_path.read_text().splitlines()
    extra = [line.replace("HMT_QNA_Dec2025_calendar", "HMT_TESTFIXTURE_forecast_calendar")
             for line in lines if line.startswith("HMT_QNA_Dec2025_calendar")]
    last = extra[-1]
    for year, index in ((2025, 103.0), (2026, 106.09), (2027, 109.2727)):
        cells = last.split(",")
        cells[2], cells[3], cells[6] = str(year), str(index), "yes"
        extra.append(",".join(cells))
    csv_path.write_text("\n".join(lines + extra) + "\n")
    return folder


def test_every_shipped_proxy_rebases_or_is_a_known_out_of_series_row():
    # The newest shipped vintage (HM Treasury December 2025 QNA) is outturn to 2024; the only
    # proxies it cannot rebase are the landfill tax rates priced 2024/25 to 2026/27.
    library = default_library()
    failing = sorted(p.id for p in library if not library.deflators.covers(p.price_year))
    assert failing == ["landfill_tax_2024_25", "landfill_tax_2025_26", "landfill_tax_2026_27"]
    for proxy in library:
        if proxy.id not in failing:
            assert library.rebased_value(proxy.id, 2024) == pytest.approx(
                proxy.value * library.deflators.factor(proxy.price_year, 2024))


def test_a_vintage_with_forecasts_rebases_every_shipped_proxy(tmp_path):
    library = load_library(_fixture_vintage_dir(tmp_path))
    assert library.deflators.vintage == "HMT_TESTFIXTURE_forecast_calendar"  # the newest
    assert library.deflators.forecast_years == frozenset({2025, 2026, 2027})
    for proxy in library:
        assert library.rebased_value(proxy.id, 2024) > 0 or proxy.value <= 0, proxy.id
    # 2026/27 = 0.75 x index(2026) + 0.25 x index(2027); both forecast years
    assert library.deflators.index("2026/27") == pytest.approx(0.75 * 106.09 + 0.25 * 109.2727)
    assert library.deflators.forecast_in("2023/24", "2024/25", 2024, "2026/27") == ["2024/25", "2026/27"]
    assert library.deflator_vintages["HMT_QNA_Dec2025_calendar"].forecast_years == frozenset()
    # the landfill scenario that fails today validates with it, and says which vintage it used
    result = calculate(parse_scenario(SCENARIO, "landfill.yaml", library))
    provenance = result.to_dict()["provenance"]
    assert provenance["deflator_vintage"] == "HMT_TESTFIXTURE_forecast_calendar"
    assert provenance["deflator_forecast_price_years"]  # the landfill rows rest on forecast years
    # pinning the outturn-only vintage brings the clear error back
    with pytest.raises(ScenarioError, match="HMT_QNA_Dec2025_calendar"):
        parse_scenario(SCENARIO.replace("price_year: 2024\n", "price_year: 2024\n"
                                        "deflator_vintage: HMT_QNA_Dec2025_calendar\n"), "p.yaml", library)


def test_deflator_factors_are_computed_once(monkeypatch, tmp_path):
    # Issue 11: scenario resolution works out each line's factor once; the uncertainty model
    # reuses it (Line.rebase_factor) and repeated pairs are not recomputed.
    from svmodel.library.deflators import Deflators
    from svmodel.uncertainty.model import ModelArrays

    library = load_library()  # a fresh library: nothing computed yet
    calls = []
    original = Deflators.index
    monkeypatch.setattr(Deflators, "index", lambda self, year: calls.append(str(year)) or original(self, year))
    text = """
svmodel: 1
name: Twice
price_year: 2024
inputs: [{stakeholder: C, amount: 100}]
outcomes:
  - {id: a, stakeholder: P, outcome: O, quantity: 1, value: {amount: 100, price_year: 2019, source: s, unit: u}}
  - {id: b, stakeholder: P, outcome: O, quantity: 2, value: {amount: 50, price_year: 2019, source: s, unit: u}}
  - {id: c, stakeholder: P, outcome: O, quantity: 3, value: {amount: 10, price_year: "2013/14", source: s, unit: u}}
"""
    scenario = parse_scenario(text, "t.yaml", library)
    resolved = len(calls)
    assert resolved == 4  # two pairs (2019 -> 2024, 2013/14 -> 2024), two indices each
    arrays = ModelArrays.from_scenario(scenario)
    calculate(scenario)
    assert len(calls) == resolved  # nothing recomputed downstream
    expected = library.deflators.calendar[2024] / library.deflators.calendar[2019]
    assert [line.rebase_factor for line in scenario.lines][:2] == [pytest.approx(expected)] * 2
    assert_allclose(arrays.rebase, [line.rebase_factor for line in scenario.lines])
    assert_allclose(arrays.original_value * arrays.rebase, [line.unit_value for line in scenario.lines])
