"""Exporting the explorer's comparison (CSV and xlsx), opening a file with the file picker, and
charts whose colours do not move."""

from __future__ import annotations

import csv
from datetime import datetime, timezone
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from svmodel.explorer.band import MonteCarloBand
from svmodel.explorer.export import HEADER, comparison_rows, export_comparison
from svmodel.explorer.state import state_from_scenario, state_results
from svmodel.scenario import load_scenario

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
FIXTURES = Path(__file__).resolve().parent / "fixtures"
NARRATIVE = FIXTURES / "explorer" / "narrative.yaml"


@pytest.fixture(scope="module")
def scenario(test_library):
    return load_scenario(NARRATIVE, test_library)


def _variants(scenario):
    base = state_from_scenario(scenario)
    return {"=HYPERLINK(\"http://x\")": base.with_line("wellbeing", deadweight=0.4),
            "More people": base.with_line("wellbeing", quantity=30).with_input(0, amount=12000),
            "No inputs": base.with_input(0, amount=0).with_input(1, amount=0)}


def test_csv_and_xlsx_hold_the_figures_band_and_changes(scenario, tmp_path):
    variants = _variants(scenario)
    band = MonteCarloBand(scenario)
    csv_path, xlsx_path = export_comparison(scenario, variants, tmp_path / "narrative-comparison", band)
    assert (csv_path.name, xlsx_path.name) == ("narrative-comparison.csv", "narrative-comparison.xlsx")
    rows = list(csv.reader(io.StringIO(csv_path.read_text())))
    assert tuple(rows[0]) == HEADER
    assert [r[0] for r in rows[1:]] == ["Baseline", "'=HYPERLINK(\"http://x\")", "More people", "No inputs"]
    more = dict(zip(HEADER, rows[3]))
    expected = state_results(scenario, variants["More people"])
    assert float(more["SROI ratio (£ per £1)"]) == pytest.approx(expected.sroi_ratio, rel=1e-12)
    assert float(more["Present value of inputs (£)"]) == pytest.approx(expected.total_inputs, rel=1e-12)
    assert float(more["SROI ratio P5"]) < expected.sroi_ratio < float(more["SROI ratio P95"])
    assert more["Changed from the baseline"] == ("wellbeing quantity: 20 -> 30; "
                                                 "input 1 amount: £10,000 -> £12,000")
    broken = dict(zip(HEADER, rows[4]))
    assert "inputs total £0" in broken["Problem"] and broken["SROI ratio (£ per £1)"] == ""

    book = load_workbook(xlsx_path)
    assert book.sheetnames == ["Comparison", "Changes", "About"]
    sheet = book["Comparison"]
    assert [c.value for c in sheet[1]] == list(HEADER)
    assert sheet["A3"].value == "'=HYPERLINK(\"http://x\")"  # neutralised, not a formula
    assert sheet.cell(4, HEADER.index("SROI ratio (£ per £1)") + 1).value == pytest.approx(expected.sroi_ratio)
    assert sheet.cell(4, 2).number_format == "£#,##0"
    changes = [[c.value for c in row] for row in book["Changes"].iter_rows(min_row=2)]
    assert ["More people", "wellbeing", "Quantity", "20", "30"] in changes
    assert ["'=HYPERLINK(\"http://x\")", "wellbeing", "Deadweight", "25%", "40%"] in changes
    about = {row[0].value: row[1].value for row in book["About"].iter_rows()}
    assert "2,000 draws" in about["Monte Carlo band"] and "wellbeing.deadweight" in about["Monte Carlo band"]


def test_rows_without_a_band(scenario):
    rows = comparison_rows(scenario, {})
    assert [r.name for r in rows] == ["Baseline"] and rows[0].band is None
    assert rows[0].cells()[HEADER.index("SROI ratio P5")] is None


# ---------------------------------------------------------------------------- in the page
pytest.importorskip("ipywidgets")


@pytest.fixture()
def explorer(test_library, tmp_path):
    from svmodel.explorer.widgets import ScenarioExplorer

    return ScenarioExplorer(NARRATIVE, library=test_library, charts=False, save_dir=tmp_path)


def test_the_export_button_writes_both_files_in_the_folder(explorer, tmp_path):
    explorer.line_controls[0]["deadweight"].value = 40.0
    explorer.variant_name.value = "Higher deadweight"
    explorer.keep_button.click()
    assert explorer.export_stem.value == "narrative-comparison"
    explorer.export_button.click()
    assert "exported the baseline and 1 variant" in explorer.messages_at("export")
    assert "download=" in explorer.messages_at("export")
    text = (tmp_path / "narrative-comparison.csv").read_text()
    assert "Higher deadweight" in text and (tmp_path / "narrative-comparison.xlsx").stat().st_size > 1000
    explorer.export_stem.value = "../outside"
    explorer.export_button.click()
    assert "is outside the explorer" in explorer.messages_at("export")
    assert not (tmp_path.parent / "outside.csv").exists()


def test_the_file_picker_opens_a_scenario(explorer, tmp_path, test_library):
    content = NARRATIVE.read_bytes().replace(b"Explorer narrative test", b"Uploaded copy")
    explorer.upload.value = ({"name": "uploaded.yaml", "type": "", "size": len(content),
                              "content": memoryview(content), "last_modified": NOW},)
    assert explorer.scenario.name == "Uploaded copy" and explorer.scenario.path is None
    assert "Uploaded copy" in explorer.title.value and explorer.messages_at("file") == ""
    assert explorer.upload.value == ()  # cleared, so the same file can be chosen again
    assert explorer.save_path.value == str(tmp_path / "uploaded-variant.yaml")
    explorer.line_controls[0]["deadweight"].value = 30.0
    explorer.save_button.click()
    saved = load_scenario(tmp_path / "uploaded-variant.yaml", test_library)
    assert saved.lines[0].deadweight == 0.3 and saved.model.scope.startswith("Adults aged 65")
    bad = b"svmodel: 1\nname: [unclosed\n"
    explorer.upload.value = ({"name": "bad.yaml", "type": "", "size": len(bad), "content": memoryview(bad),
                              "last_modified": NOW},)
    assert "bad.yaml" in explorer.messages_at("file")
    assert explorer.scenario.name == "Uploaded copy"  # the open scenario stays
    explorer.upload.value = ({"name": "notes.txt", "type": "", "size": 1, "content": memoryview(b"x"),
                              "last_modified": NOW},)
    assert "choose a .yaml file" in explorer.messages_at("file")


def test_breakdown_colours_stay_with_their_category(test_library, tmp_path):
    import re

    from svmodel.explorer import charts
    from svmodel.explorer.state import variant_scenario
    from svmodel.results import calculate

    scenario = load_scenario(FIXTURES / "explorer" / "reablement.yaml", test_library)
    baseline = calculate(scenario)
    colours = charts.category_colours(baseline, "stakeholder")
    assert list(colours) == ["Older people", "Test Council"]
    # make the second stakeholder the larger: its bar keeps its colour and its place
    flipped = calculate(variant_scenario(scenario, state_from_scenario(scenario).with_line(
        "fewer_admissions", quantity=1000)))
    assert flipped.breakdown("stakeholder").stakeholder[0] == "Test Council"
    for results in (baseline, flipped):
        drawn = charts.breakdown(results, "stakeholder", colours)
        bars = re.findall(r'<rect x="[^"]*" y="([^"]*)"[^>]*fill="(#[0-9a-f]{6})"><title>([^:<]*):', drawn)
        by_label = {label: colour for _, colour, label in bars}
        assert by_label == colours
        assert [label for _, _, label in sorted(bars, key=lambda bar: float(bar[0]))] == \
            ["Older people", "Test Council"]  # top down
