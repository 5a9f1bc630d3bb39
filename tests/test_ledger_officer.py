"""The partnership officer's page: its actions (check, submit, queue, verify, reject, publish),
the notebooks (stripped, parameterised; the annual statement run with papermill), and the page
served by `svmodel ledger open` driven in headless Chromium with Playwright."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from svmodel.util.browser import find_chromium, missing_browser_message
from svmodel.ledger.config import PartnershipConfig
from svmodel.ledger.db import init_ledger
from svmodel.ledger import officer_actions as actions
from tests.ledger_support import free_port, return_form

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
CHROMIUM = find_chromium()
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


@pytest.fixture
def ledger(tmp_path):
    ledger, _ = init_ledger(str(tmp_path / "ledger.db"))
    yield ledger
    ledger.dispose()


def test_check_reports_problems_with_the_upload_name_and_stores_nothing(ledger, tmp_path):
    bad = return_form(tmp_path / "x.csv", [{"measure": "K1", "quantity": "many"}]).read_bytes()
    result = actions.check_upload(bad, "acme return.csv", PartnershipConfig())
    assert not result.ok and any("acme return.csv" in p and "'many'" in p for p in result.problems)
    good = return_form(tmp_path / "y.csv", [{"measure": "K22", "quantity": 400}]).read_bytes()
    result = actions.check_upload(good, "acme.csv", PartnershipConfig())
    assert result.ok and result.total_value == 400 and result.lines == 1
    assert actions.queue(ledger) == []


def test_submit_queue_review_and_publish(ledger, tmp_path):
    content = return_form(tmp_path / "y.csv", [{"measure": "K22", "quantity": 400}]).read_bytes()
    stored, message = actions.submit_upload(ledger, content, "acme.csv", "Acme Ltd", "2026/27", PartnershipConfig(),
                                            sector="private")
    assert stored and message.startswith("Return 1")
    assert actions.submit_upload(ledger, content, "acme.csv", "Acme Ltd", "2026/27", PartnershipConfig())[0] is False
    assert [r["id"] for r in actions.queue(ledger)] == [1]
    assert actions.review(ledger, 1, "", "evidence checked") == (False, "--by: give the verifier's name (at most 200 characters)")
    ok, message = actions.review(ledger, 1, "Jo Officer", reject="No evidence")
    assert ok and "rejected" in message and actions.queue(ledger) == []
    ok, message = actions.publish_site(ledger, tmp_path / "site", PartnershipConfig())
    assert ok and (tmp_path / "site" / "index.html").exists()


@pytest.mark.parametrize("name", ["ledger_officer.ipynb", "annual_statement.ipynb"])
def test_notebooks_are_stripped_and_parameterised(name):
    nb = json.loads((NOTEBOOKS / name).read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
    assert "parameters" in code[0]["metadata"]["tags"]
    imports = "".join("".join(c["source"]) for c in code)
    assert "import ipywidgets" not in imports


def test_ledger_core_has_no_widget_imports():
    core = ["models", "db", "service", "aggregates", "intake", "site", "sitedata", "certificate", "statement",
            "periods", "config", "forms", "charts", "officer_actions"]
    for module in core:
        text = (ROOT / "svmodel" / "ledger" / f"{module}.py").read_text()
        assert "ipywidgets" not in text and "IPython" not in text, module


@pytest.mark.slow
def test_annual_statement_runs_with_papermill(tmp_path, capsys):
    papermill = pytest.importorskip("papermill")
    from svmodel.cli import main

    db = str(tmp_path / "ledger.db")
    assert main(["ledger", "load-example", "--db", db]) == 0
    out = tmp_path / "statement.ipynb"
    papermill.execute_notebook(str(NOTEBOOKS / "annual_statement.ipynb"), str(out),
                               parameters={"db": db, "organisation": "Knowsley Council", "year": "2025/26",
                                           "config": str(ROOT / "params" / "ledger" / "partnership.yaml")},
                               kernel_name="python3", progress_bar=False, execution_timeout=180)
    cells = json.loads(out.read_text())["cells"]
    text = json.dumps([c.get("outputs", []) for c in cells])
    assert "Knowsley Council: social value statement 2025/26" in text
    assert "independently verified" in text and "KMBC-ASC-2026-014" in text
    assert '"output_type": "error"' not in text


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # the voila server and kernels this test started
    except ProcessLookupError:
        pass
    process.wait(timeout=10)


@pytest.mark.slow
def test_officer_page_in_chromium_verifies_a_return(tmp_path):
    if CHROMIUM is None:
        pytest.skip(missing_browser_message() + ": browser test skipped")
    sync_api = pytest.importorskip("playwright.sync_api")
    pytest.importorskip("voila")
    db = str(tmp_path / "ledger.db")
    ledger, _ = init_ledger(db)
    from svmodel.ledger.service import submit

    rid = submit(ledger, return_form(tmp_path / "r.csv", [{"measure": "K22", "quantity": 900}]),
                 "Acme <b>Ltd</b>", "2026/27", PartnershipConfig()).return_id
    port = free_port()
    log = tmp_path / "open.log"
    with log.open("w") as sink:
        process = subprocess.Popen([sys.executable, "-m", "svmodel.cli", "ledger", "open", "--db", db,
                                    "--no-browser", "--port", str(port), "--site", str(tmp_path / "site")],
                                   env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=sink,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while "Partnership ledger: http" not in log.read_text():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=60_000)
            try:
                page = browser.new_page(viewport={"width": 1200, "height": 1400})
                page.goto(f"http://127.0.0.1:{port}/", timeout=120_000)
                page.locator("table.svl-queue").wait_for(timeout=120_000)
                assert "Acme <b>Ltd</b>" in page.locator("table.svl-queue").inner_text()  # escaped, shown as text
                page.get_by_placeholder("required to reject").wait_for()
                page.get_by_placeholder("verifier's name").fill("Jo Officer")
                page.get_by_role("button", name="Verify").click()
                try:
                    page.locator(".svl-review-result .svl-ok").wait_for(timeout=60_000)
                except Exception:
                    page.screenshot(path="/tmp/svmodel_ledger_officer_failed.png", full_page=True)
                    raise AssertionError(page.locator(".svl-review-result").inner_text()) from None
                assert "verified" in page.locator(".svl-review-result").inner_text()
                page.wait_for_timeout(300)
                page.screenshot(path=str(tmp_path / "officer.png"), full_page=True)
            finally:
                browser.close()
    finally:
        _stop(process)
    with ledger.session() as s:
        from svmodel.ledger.models import Return

        ret = s.get(Return, rid)
        assert (ret.status, ret.assurance) == ("verified", "evidence checked")
    ledger.dispose()
    import shutil

    shutil.copy(tmp_path / "officer.png", "/tmp/svmodel_ledger_officer.png")
