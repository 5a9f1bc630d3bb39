"""Report views without a kernel: sections, JSON results, portfolio totals, index page,
notebook sources (parameters cell, no outputs, no drift)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from svmodel.report import notebook_sources, portfolio, sroi
from svmodel.report.html import Html, notebook_to_html, table
from svmodel.report.index import index_page

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"

SCENARIO = """\
svmodel: 1
name: "Test <script>alert(1)</script> & co"
organisation: Test Org
kind: forecast
price_year: 2024
discounting: {rate: 0.035, first_year_discounted: true}
inputs:
  - {stakeholder: Council, description: Grant, amount: 1000, year: 0}
outcomes:
  - id: wellbeing
    stakeholder: Residents
    outcome: Better wellbeing
    measure: K4
    quantity: 3
    proxy: test_thousand
    deadweight: 0.2
    attribution: 0.1
    duration: 2
    drop_off: 0.5
  - id: care
    stakeholder: Older people
    outcome: Fewer care weeks
    measure: K10
    quantity: 2
    proxy: test_care_week
    deadweight: 0
    displacement: 0
    attribution: 0
uncertainty:
  wellbeing.quantity: {dist: triangular, low: 2, mode: 3, high: 4}
"""


@pytest.fixture()
def report(tmp_path, test_library, monkeypatch):
    path = tmp_path / "test.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    monkeypatch.setattr(sroi, "default_library", lambda: test_library)
    return sroi.build(path, draws=400, seed=7)


def test_sections_show_figures_and_escape_user_text(report):
    title = str(report.title())
    assert "&lt;script&gt;" in title and "<script>" not in title
    headline = str(report.executive_summary())
    assert "SROI ratio" in headline and "90% Monte Carlo interval" in headline
    assert "Chance the ratio exceeds 1" in headline
    assert "Inputs (the investment)" in str(report.headline())
    impact = str(report.impact_map())
    assert "Better wellbeing" in impact and "Total" in impact
    for section in (report.value_by_year(), report.breakdowns(), report.sensitivity(),
                    report.monte_carlo_section()):
        assert "<svg " in str(section) and "aria-label=" in str(section)
    sources = str(report.sources())
    assert "Test fixture" in sources and "CC0" in sources and "2013/14" in sources
    warnings = str(report.warnings())
    assert "care: no deadweight" in warnings  # scenario.warnings are listed
    footer = str(report.provenance())
    assert report.results.scenario.file_hash[:12] in footer and "test-1" in footer


def test_results_file_is_versioned_json(report, tmp_path):
    path = report.write_results(tmp_path / "out" / "r.results.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["schema_version"] == sroi.REPORT_SCHEMA_VERSION and doc["kind"] == sroi.REPORT_KIND
    assert doc["results"]["sroi_ratio"] == pytest.approx(report.results.sroi_ratio)
    mc = doc["uncertainty"]["monte_carlo"]
    assert mc["draws"] == 400 and mc["seed"] == 7
    assert mc["sroi_ratio"]["p5"] <= mc["sroi_ratio"]["p50"] <= mc["sroi_ratio"]["p95"]
    assert doc["uncertainty"]["one_way"] and doc["uncertainty"]["switching_values"]
    assert not list(path.parent.glob("*.tmp"))
    assert report.write_results("") is None


def test_no_uncertainty_section_says_so(tmp_path, test_library, monkeypatch):
    path = tmp_path / "plain.yaml"
    path.write_text(SCENARIO.split("uncertainty:")[0], encoding="utf-8")
    monkeypatch.setattr(sroi, "default_library", lambda: test_library)
    plain = sroi.build(path, draws=100, seed=1)
    assert "no `uncertainty:` distributions" in str(plain.monte_carlo_section())
    assert "Monte Carlo interval" not in str(plain.executive_summary())
    assert plain.to_dict()["uncertainty"]["monte_carlo"] is None
    assert "Not run" in str(sroi.build(path, draws=0, seed=1).monte_carlo_section())


def test_table_formats_escapes_and_links():
    html = str(table([{"a": "<b>", "n": 1234.5, "u": "https://x.org/?a=1&b=2"}, {"a": None}],
                     [("a", "A"), ("n", "N")], {"n": lambda v: f"{v:,.1f}"}, numeric=["n"],
                     links={"a": "u"}))
    assert "&lt;b&gt;" in html and '<td class="num">1,234.5</td>' in html
    assert 'href="https://x.org/?a=1&amp;b=2"' in html


def _results_doc(report, name, org, tmp_path):
    doc = report.to_dict()
    doc["results"]["name"] = name
    doc["results"]["organisation"] = org
    path = tmp_path / f"{name}.results.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return doc


def test_portfolio_totals_by_outcome_measure_organisation(report, tmp_path):
    a = _results_doc(report, "a", "Org A", tmp_path)
    _results_doc(report, "b", "Org B", tmp_path)
    book = portfolio.build(tmp_path)
    total_pv = 2 * a["results"]["total_present_value"]
    kind = a["results"]["kind"]
    assert book.headline()["totals"][kind]["total_present_value"] == pytest.approx(total_pv)
    by_outcome = book.total("outcome").set_index("outcome_id")["present_value"]
    assert set(by_outcome.index) == {"O1", "O2"}  # K4 is in O1, K10 in O2
    assert by_outcome.sum() == pytest.approx(total_pv)
    by_org = book.total("organisation").set_index("organisation")["present_value"]
    assert by_org["Org A"] == pytest.approx(by_org["Org B"])
    assert list(book.total("measure")["measure"]) == ["K4", "K10"]  # numeric order
    page = "".join(str(s) for s in (book.headline_section(), book.by_outcome(), book.by_measure(),
                                    book.by_organisation(), book.by_beneficiary(),
                                    book.scenario_table()))
    assert page.count("<svg ") == 4 and 'href="a.html"' in page
    summary = json.loads(book.write_summary(tmp_path / "p.json").read_text())
    assert summary["scenario_count"] == 2 and len(summary["scenarios"]) == 2 and summary["by_outcome"]


def test_portfolio_never_adds_forecasts_and_evaluations(report, tmp_path):
    """2 forecasts and 1 evaluation: two sets of totals, no combined ratio anywhere."""
    docs = []
    for name, kind in (("f1", "forecast"), ("f2", "forecast"), ("e1", "evaluative")):
        doc = report.to_dict()
        doc["results"].update(name=name, kind=kind)
        (tmp_path / f"{name}.results.json").write_text(json.dumps(doc), encoding="utf-8")
        docs.append(doc)
    book = portfolio.build(tmp_path)
    one = docs[0]["results"]
    totals = book.headline()["totals"]
    assert totals["forecast"]["scenario_count"] == 2 and totals["evaluative"]["scenario_count"] == 1
    assert totals["forecast"]["total_present_value"] == pytest.approx(2 * one["total_present_value"])
    assert totals["evaluative"]["total_present_value"] == pytest.approx(one["total_present_value"])
    assert "total_present_value" not in book.headline()  # no sum over both kinds
    shares = book.total("outcome").groupby("kind")["share"].sum()
    assert shares["forecast"] == pytest.approx(1) and shares["evaluative"] == pytest.approx(1)
    page = str(book.headline_section())
    assert "Forecasts" in page and "Evaluations" in page and "never added together" in page
    combined = one["total_present_value"] * 3 / (one["total_inputs"] * 3)
    assert page.count(f"£{combined:,.2f} : £1") == 2  # each kind's own ratio (equal here), no third
    summary = book.to_dict()
    assert set(summary["totals"]) == {"forecast", "evaluative"} and "sroi_ratio" not in summary


def test_portfolio_rejects_foreign_files(tmp_path):
    (tmp_path / "x.results.json").write_text('{"kind": "other"}', encoding="utf-8")
    with pytest.raises(portfolio.PortfolioError, match="x.results.json: not an svmodel report"):
        portfolio.build(tmp_path)


def test_index_page_lists_reports_and_failures():
    records = [
        {"name": "a", "title": "A <1>", "status": "ok", "report": "a.html", "sroi_ratio": 2.5,
         "total_present_value": 100.0, "sroi_ratio_p5": 2.0, "sroi_ratio_p95": 3.0},
        {"name": "b", "scenario": "b.yaml", "status": "failed", "error_name": "ValueError",
         "message": "boom", "cell": 3, "cell_source": "raise ValueError('boom')"},
    ]
    page = index_page(records, "Batch", "today", {"report": "portfolio.html"}).replace("\u00a0", " ")
    assert 'href="a.html"' in page and "A &lt;1&gt;" in page and "£2.00 : £1 to £3.00 : £1" in page
    assert "ValueError" in page and "cell 3" in page and 'href="portfolio.html"' in page
    assert "<script" not in page


def test_shipped_notebooks_match_their_source_and_have_parameters():
    for name, nb in notebook_sources.notebooks().items():
        path = NOTEBOOKS / name
        assert path.read_text(encoding="utf-8") == notebook_sources.render(nb), (
            f"{path} differs from svmodel/report/notebook_sources.py; regenerate it with "
            "python -m svmodel.report.notebook_sources")
        stored = nbformat.read(path, as_version=4)
        nbformat.validate(stored)
        assert stored.metadata.kernelspec.name == "python3"
        assert stored.cells[0].metadata.tags == ["parameters"]


def test_papermill_documents_every_parameter():
    from papermill import inspect_notebook

    params = inspect_notebook(str(NOTEBOOKS / "sroi_report.ipynb"))
    assert set(params) == {"scenario", "draws", "seed", "results_path", "proxy_packs"}
    assert all(p["help"] for p in params.values())
    assert params["draws"]["inferred_type_name"] == "int"
    assert set(inspect_notebook(str(NOTEBOOKS / "portfolio.ipynb"))) == {
        "results_dir", "pattern", "framework", "summary_path"}


def test_notebooks_in_git_carry_no_outputs():
    notebooks = sorted(NOTEBOOKS.glob("*.ipynb"))
    assert notebooks
    done = subprocess.run([sys.executable, "-m", "nbstripout", "--verify", *map(str, notebooks)],
                          capture_output=True, text=True)
    assert done.returncode == 0, f"notebooks with outputs (run nbstripout): {done.stdout}{done.stderr}"


def test_html_export_has_no_code_and_no_remote_scripts(report):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("report.headline()  # SECRET_SOURCE")
    cell.outputs = [nbformat.v4.new_output("display_data", {"text/html": str(report.headline())})]
    nb.cells = [cell]
    page = notebook_to_html(nb, "Title")
    assert "SECRET_SOURCE" not in page and "Inputs (the investment)" in page
    assert "cdnjs" not in page and "<script src=" not in page
    assert isinstance(report.headline(), Html)
