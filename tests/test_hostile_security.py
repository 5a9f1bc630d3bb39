"""Hostile text in outputs (issue 12): escaped HTML, allow-listed links, neutralised
spreadsheet formulas in every CSV and xlsx svmodel writes, terminal-safe CLI output, chart
labels drawn as typed, and the explorer confined to its folder. Fixtures: one file per case in
tests/fixtures/hostile/security."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from svmodel.cli import main
from svmodel.util.safety import FORMULA_TRIGGERS

FIXTURES = Path(__file__).parent / "fixtures"
SEC = FIXTURES / "hostile" / "security"
LIBRARY = FIXTURES / "library"


def live_formula_cells(text: str) -> list[str]:
    """Cells of CSV text that a spreadsheet would run: text starting with a trigger that is
    not a plain number."""
    found = []
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            if cell.startswith(FORMULA_TRIGGERS):
                try:
                    float(cell)
                except ValueError:
                    found.append(cell)
    return found


@pytest.fixture
def library_env(monkeypatch):
    """The CLI on the three-proxy test library."""
    monkeypatch.setenv("SVMODEL_PROXIES_DIR", str(LIBRARY))
    from svmodel.library import proxies

    proxies._cached_library.cache_clear()
    yield
    proxies._cached_library.cache_clear()


# --------------------------------------------------------------------------- HTML
def test_tender_report_title_is_escaped(test_library):
    from svmodel.procurement import panel_report as report
    from svmodel.procurement.scoring import evaluate_files
    from svmodel.procurement.spec import load_spec

    spec = load_spec(SEC / "script_tender.yaml", test_library)
    tender = report.TenderReport(evaluate_files(spec, [FIXTURES / "procurement" / "clean_bid.csv"]), None)
    markup = str(tender.title())
    assert "<script>" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt; tender" in markup


def test_javascript_urls_never_become_links(test_library):
    from svmodel.report.sroi import SroiReport
    from svmodel.results import calculate
    from svmodel.scenario import load_scenario

    scenario = load_scenario(SEC / "javascript_url.yaml", test_library)
    report = SroiReport(scenario=scenario, results=calculate(scenario), draws=0, seed=1, one_way=None,
                        switching=None, monte_carlo=None, run_date="")
    markup = str(report.sources())
    assert "javascript:" not in markup.replace("&quot;", "")
    assert "Click me" in markup
    assert '<a href="https://www.gov.uk/" rel="noopener noreferrer">Good source</a>' in markup


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:x",
                                 "data:text/html,<script>", "vbscript:x", "//evil.example/x"])
def test_table_links_refuse_unsafe_schemes(url):
    from svmodel.report.html import table

    markup = str(table([{"name": "n", "url": url}], [("name", "Name")], links={"name": "url"}))
    assert "<a " not in markup


def test_table_links_keep_relative_report_links():
    from svmodel.report.html import table

    markup = str(table([{"name": "n", "url": "reablement.html"}], [("name", "Name")], links={"name": "url"}))
    assert 'href="reablement.html"' in markup


# --------------------------------------------------------------------------- CSV and xlsx
def test_run_csv_tables_hold_no_live_formula(tmp_path, library_env, capsys):
    assert main(["run", str(SEC / "formula_names.yaml"), "--csv", str(tmp_path)]) == 0
    written = sorted(tmp_path.glob("*.csv"))
    assert len(written) == 9
    for path in written:
        assert live_formula_cells(path.read_text(encoding="utf-8")) == [], path.name
    impact = (tmp_path / "impact_map.csv").read_text(encoding="utf-8")
    assert "'-2+3+cmd|' /C calc'!A0" in impact


def test_compare_csv_holds_no_live_formula(tmp_path, library_env, capsys):
    out = tmp_path / "compare.csv"
    assert main(["compare", str(SEC / "formula_names.yaml"), "--csv", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert live_formula_cells(text) == []
    assert "'=HYPERLINK" in text and "'+1+2" in text


def test_tender_outputs_hold_no_live_formula(tmp_path, library_env, capsys):
    code = main(["tender", "evaluate", str(FIXTURES / "procurement" / "spec.yaml"),
                 str(SEC / "formula_bidder.csv"), "--out", str(tmp_path)])
    assert code == 0
    for name in ("ranking.csv", "lines.csv", "flags.csv"):
        assert live_formula_cells((tmp_path / name).read_text(encoding="utf-8")) == [], name
    assert "'=HYPERLINK" in (tmp_path / "ranking.csv").read_text(encoding="utf-8")


def test_monitoring_csv_holds_no_live_formula(tmp_path, library_env, capsys):
    code = main(["tender", "monitor", str(FIXTURES / "procurement" / "spec.yaml"),
                 str(SEC / "formula_bidder.csv"), str(SEC / "formula_supplier_delivery.csv"),
                 "--out", str(tmp_path)])
    assert code == 0, capsys.readouterr().err
    assert live_formula_cells((tmp_path / "monitoring.csv").read_text(encoding="utf-8")) == []


def test_response_form_holds_no_live_formula(tmp_path, library_env, capsys):
    from openpyxl import load_workbook

    assert main(["tender", "template", str(SEC / "script_tender.yaml"), "--out", str(tmp_path)]) == 0
    form = tmp_path / "script_tender_response.csv"
    assert live_formula_cells(form.read_text(encoding="utf-8")) == []
    assert "'=HYPERLINK" in form.read_text(encoding="utf-8")
    book = load_workbook(tmp_path / "script_tender_response.xlsx")
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)


def test_value_map_export_holds_no_user_formula_and_round_trips(tmp_path, test_library):
    from openpyxl import load_workbook

    from svmodel.excel.writer import export_workbook
    from svmodel.excel.reader import import_workbook
    from svmodel.scenario import load_scenario

    scenario = load_scenario(SEC / "formula_names.yaml", test_library)
    path = export_workbook(scenario, tmp_path / "evil.xlsx")
    book = load_workbook(path)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":  # svmodel's own live formulas only
                    assert not any(word in str(cell.value) for word in ("HYPERLINK", "WEBSERVICE", "IMPORTXML",
                                                                         "cmd|", "SUM(1+1)")), cell.value
    assert any(str(cell.value).startswith("'=HYPERLINK") for cell in book["Scenario"]["B"])
    imported, _ = import_workbook(path, test_library)
    assert imported.model.name == scenario.model.name
    assert imported.model.organisation == "+1+2"
    assert imported.model.inputs[0].stakeholder == scenario.model.inputs[0].stakeholder
    assert imported.lines[0].stakeholder == scenario.lines[0].stakeholder
    assert imported.lines[0].source == scenario.lines[0].source


# --------------------------------------------------------------------------- terminal
def test_cli_output_has_no_terminal_escape(library_env, capsys):
    assert main(["run", str(SEC / "terminal_escapes.yaml")]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x9b" not in out and "\x07" not in out
    assert "Evil \\x1b]0;pwned\\x07\\x1b[31m red \\x9b2J" in out


def test_cli_json_stays_valid_and_exact(library_env, capsys):
    assert main(["run", str(SEC / "terminal_escapes.yaml"), "--json"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x9b" not in out
    assert json.loads(out)["name"] == "Evil \x1b]0;pwned\x07\x1b[31m red \x9b2J"


def test_cli_errors_have_no_terminal_escape(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text('svmodel: 1\nname: x\nprice_year: 2024\nkind: "\\e[31mred"\n', encoding="utf-8")
    assert main(["validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err


# --------------------------------------------------------------------------- charts
def test_chart_labels_with_dollar_signs_render(test_library):
    from svmodel.procurement import charts
    from svmodel.procurement.scoring import evaluate_files
    from svmodel.procurement.spec import load_spec
    from svmodel.report.html import png_bytes

    bid = FIXTURES / "procurement" / "clean_bid.csv"
    text = bid.read_text(encoding="utf-8").replace("Clean Care Ltd", r"Clean $\frac{$ Ltd")
    evil = Path(os.environ.get("TMPDIR", "/tmp")) / f"svm_dollar_{os.getpid()}.csv"
    evil.write_text(text, encoding="utf-8")
    try:
        evaluation = evaluate_files(load_spec(FIXTURES / "procurement" / "spec.yaml", test_library), [evil])
        assert evaluation.bids and png_bytes(charts.social_value_by_bid(evaluation))
        assert png_bytes(charts.weighted_scores(evaluation))
    finally:
        evil.unlink()


# --------------------------------------------------------------------------- explorer
def _explorer_scenario(test_library, folder: Path):
    from svmodel.scenario import load_scenario

    source = FIXTURES / "explorer" / "reablement.yaml"
    target = folder / "reablement.yaml"
    target.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    return load_scenario(target, test_library)


@pytest.mark.parametrize("typed", ["../outside.yaml", "sub/../../outside.yaml", "/tmp/svm-outside.yaml"])
def test_explorer_save_is_confined_to_its_folder(typed, tmp_path, test_library):
    from svmodel.explorer.state import StateError, save_variant, state_from_scenario

    folder = tmp_path / "work"
    folder.mkdir()
    scenario = _explorer_scenario(test_library, folder)
    with pytest.raises(StateError, match="outside the explorer's folder"):
        save_variant(scenario, state_from_scenario(scenario), typed, folder=folder)
    assert not (tmp_path / "outside.yaml").exists()


def test_explorer_save_refuses_a_symlink(tmp_path, test_library):
    from svmodel.explorer.state import StateError, save_variant, state_from_scenario

    folder = tmp_path / "work"
    folder.mkdir()
    victim = tmp_path / "victim.yaml"
    victim.write_text("precious", encoding="utf-8")
    (folder / "link.yaml").symlink_to(victim)
    scenario = _explorer_scenario(test_library, folder)
    with pytest.raises(StateError, match="symbolic link"):
        save_variant(scenario, state_from_scenario(scenario), "link.yaml", overwrite=True, folder=folder)
    assert victim.read_text(encoding="utf-8") == "precious"


def test_explorer_save_inside_its_folder_works(tmp_path, test_library):
    from svmodel.explorer.state import save_variant, state_from_scenario

    scenario = _explorer_scenario(test_library, tmp_path)
    saved = save_variant(scenario, state_from_scenario(scenario), "variant.yaml", folder=tmp_path)
    assert saved == (tmp_path / "variant.yaml").resolve() and saved.exists()
