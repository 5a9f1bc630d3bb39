"""The shipped notebooks executed for real: the SROI report and the portfolio through the
batch on a warm kernel, the same report from a cold papermill run (identical output), kernel
isolation between reports, and the HTML checked in headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

from svmodel.util.browser import find_chromium
from svmodel.batch import OK, SKIPPED, BatchOptions, run_batch
from svmodel.batch.kernel import WarmKernel
from svmodel.report.html import notebook_to_html
from svmodel.report.notebook_sources import make_notebook

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "params" / "examples"
REPORT = ROOT / "notebooks" / "sroi_report.ipynb"
CHROMIUM = find_chromium()
NAMES = ("reablement_home_care.yaml", "fuel_poverty_warm_homes.yaml")


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("batch")
    files = [Path(shutil.copy(EXAMPLES / n, folder / n)) for n in NAMES]
    options = BatchOptions(workers=0, draws=300, seed=11, progress=False)
    result = run_batch(files, folder / "out", options)
    return folder, files, options, result


def test_reports_and_portfolio(batch):
    folder, files, _, result = batch
    out = folder / "out"
    assert [r.status for r in result.records] == [OK, OK], [r.message for r in result.records]
    assert result.portfolio is not None and result.portfolio.status == OK, result.portfolio
    for record in result.records:
        html = (out / record.report).read_text(encoding="utf-8")
        assert record.title in html and "Executive summary" in html and "Monte Carlo" in html
        assert html.count("<svg ") >= 6  # by year, 3 breakdowns, tornado, MC (inline SVG)
        # no code: neither input areas nor any line of the notebook's source
        assert "class=\"jp-InputArea" not in html and "sroi.build(" not in html and "report.headline()" not in html
        doc = json.loads((out / record.results).read_text(encoding="utf-8"))
        assert doc["schema_version"] == 1 and doc["parameters"] == {"draws": 300, "seed": 11}
        assert doc["results"]["provenance"]["scenario_hash"]
    portfolio = json.loads((out / "portfolio.json").read_text(encoding="utf-8"))
    assert portfolio["scenario_count"] == 2
    assert portfolio["totals"]["forecast"]["total_present_value"] == pytest.approx(
        sum(r.total_present_value for r in result.records))
    assert {row["outcome_id"] for row in portfolio["by_outcome"]} >= {"O2"}
    page = (out / "portfolio.html").read_text(encoding="utf-8")
    assert "Value by Knowsley outcome" in page and "class=\"jp-InputArea" not in page
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="portfolio.html"' in index and all(f'href="{r.report}"' in index for r in result.records)


def test_rerun_skips_up_to_date_reports(batch):
    folder, files, options, _ = batch
    again = run_batch(files, folder / "out", options)
    assert [r.status for r in again.records] == [SKIPPED, SKIPPED]
    assert again.portfolio.status == SKIPPED
    assert again.records[0].sroi_ratio is not None


def _masked(text: str) -> str:
    text = re.sub(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?(\+00:00| UTC)?", "DATE", text)
    return re.sub(r"cell-id=[0-9a-f]{8}", "CELL", text)  # papermill's injected cell: a random id


def test_warm_kernel_output_identical_to_cold_papermill(batch, tmp_path):
    import papermill

    folder, files, _, result = batch
    results_path = tmp_path / "cold.results.json"
    cold = papermill.execute_notebook(
        str(REPORT), str(tmp_path / "cold.ipynb"), kernel_name="python3", progress_bar=False,
        parameters={"scenario": str(files[0].resolve()), "draws": 300, "seed": 11,
                    "results_path": str(results_path), "proxy_packs": []})
    warm_doc = json.loads((folder / "out" / result.records[0].results).read_text(encoding="utf-8"))
    cold_doc = json.loads(results_path.read_text(encoding="utf-8"))
    for doc in (warm_doc, cold_doc):
        doc.pop("run_date")
        doc["results"]["provenance"].pop("computed_at")
    assert warm_doc == cold_doc
    warm_html = (folder / "out" / result.records[0].report).read_text(encoding="utf-8")
    assert _masked(warm_html) == _masked(notebook_to_html(cold, result.records[0].title))
    warm_nb = nbformat.read(folder / "out" / f"{result.records[0].name}.ipynb", as_version=4)
    assert [c.execution_count for c in warm_nb.cells] == [c.execution_count for c in cold.cells]


def test_warm_kernel_isolates_reports(tmp_path):
    setter = make_notebook('value: int = 1  # a value', [
        "leaked = value\nimport os, matplotlib\nmatplotlib.rcParams['lines.linewidth'] = 9\n"
        "os.chdir('/')"], "setter")
    checker = make_notebook('value: int = 1  # a value', [
        "import os, matplotlib\n"
        "assert 'leaked' not in globals(), 'a variable leaked between reports'\n"
        "assert matplotlib.rcParams['lines.linewidth'] != 9, 'rc parameters leaked'\n"
        "print(os.getcwd())"], "checker")
    nbformat.write(setter, tmp_path / "setter.ipynb")
    nbformat.write(checker, tmp_path / "checker.ipynb")
    kernel = WarmKernel()
    try:
        kernel.run(tmp_path / "setter.ipynb", tmp_path / "o1.ipynb", {"value": 5}, cwd=str(tmp_path), batch_id="b")
        pid = kernel.km.provisioner.pid
        out = kernel.run(tmp_path / "checker.ipynb", tmp_path / "o2.ipynb", {"value": 6},
                         cwd=str(tmp_path), batch_id="b")
        assert kernel.km.provisioner.pid == pid  # the same (warm) kernel ran both
        assert out.cells[-1].outputs[0]["text"].strip() == str(tmp_path)
        assert [c.execution_count for c in out.cells] == [1, 2, 3]
    finally:
        kernel.shutdown()


def _chromium(*args: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--no-first-run"]
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                    "(scripts/install_system_deps.sh installs it)")
def test_report_renders_in_chromium(batch):
    folder, _, _, result = batch
    page = (folder / "out" / result.records[0].report).resolve()
    dom = _chromium("--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr
    assert "<h1>Reablement at home, forecast 2025/26</h1>" in dom.stdout
    assert len(re.findall(r"<svg ", dom.stdout)) >= 6
    shot = folder / "report.png"
    done = _chromium(f"--screenshot={shot}", "--window-size=1200,2400", page.as_uri())
    assert done.returncode == 0 and shot.exists(), done.stderr
    from matplotlib.image import imread

    pixels = imread(shot)
    assert pixels.shape[:2] == (2400, 1200)
    dark = (pixels[..., :3].mean(axis=2) < 0.5).mean()
    assert 0.005 < dark < 0.5  # text and charts drawn, not a blank or black page
    shutil.copy(shot, Path("/tmp") / "svmodel_report_screenshot.png")
