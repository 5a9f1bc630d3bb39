"""The explorer notebook, the `svmodel explore` command, and the page in a real browser.

The browser test starts `svmodel explore` (voila from this virtual environment, localhost, a free
port), drives Debian's chromium headless with Playwright, changes a deadweight control and checks
the SROI ratio and its Monte Carlo band on the page against the engine, keeps a variant, and
checks that the page carries no JupyterLab instructions. It is skipped only when no Chromium-family browser is found.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from svmodel.explorer.state import state_results, state_from_scenario
from svmodel.util.formatting import ratio
from svmodel.scenario import load_scenario
from svmodel.util.browser import HEADLESS_FLAGS, find_chromium, missing_browser_message

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SCENARIO = FIXTURES / "explorer" / "reablement.yaml"
WEB_SCENARIO = FIXTURES / "explorer" / "narrative.yaml"  # has an uncertainty: section
NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "scenario_explorer.ipynb"
CHROMIUM = find_chromium()
CHROMIUM_ARGS = list(HEADLESS_FLAGS)

pytestmark = pytest.mark.slow


def _env() -> dict[str, str]:
    return {**os.environ, "SVMODEL_PROXIES_DIR": str(FIXTURES / "library"), "MPLBACKEND": "Agg"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_notebook_is_thin_stripped_and_parameterised():
    nb = json.loads(NOTEBOOK.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
    assert "parameters" in code[0]["metadata"]["tags"]
    assert "".join(code[0]["source"]).startswith('scenario: str = ""')
    assert sum(len("".join(c["source"]).splitlines()) for c in code) <= 6


def test_notebook_runs_with_a_scenario_parameter(tmp_path, monkeypatch):
    papermill = pytest.importorskip("papermill")
    monkeypatch.setenv("SVMODEL_PROXIES_DIR", str(FIXTURES / "library"))
    out = tmp_path / "explorer.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(out), parameters={"scenario": str(SCENARIO)},
                               kernel_name="python3", progress_bar=False, execution_timeout=120)
    last = json.loads(out.read_text())["cells"][-1]["outputs"]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in last), last
    assert not any(o.get("output_type") == "error" for o in last)


def test_explore_rejects_an_invalid_file_before_serving(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SCENARIO.read_text().replace("deadweight: 0.25", "deadweight: 1.25"))
    done = subprocess.run([sys.executable, "-m", "svmodel.cli", "explore", str(bad), "--no-browser"],
                          env=_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "outcomes[0].deadweight" in done.stderr and "1.25" in done.stderr
    assert "Traceback" not in done.stderr


def _stop(process: subprocess.Popen) -> None:
    """Stop `svmodel explore` (which stops voila and its kernels); kill the group if it hangs."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # anything left in the session we started
    except ProcessLookupError:
        pass
    process.wait(timeout=10)


def _wait_for_address(log: Path, process: subprocess.Popen, timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith("Scenario explorer: http://"):
                return line.split()[2]
        if process.poll() is not None:
            pytest.fail(f"svmodel explore exited with {process.returncode}:\n{log.read_text()}")
        time.sleep(0.25)
    pytest.fail(f"svmodel explore printed no address within {timeout} s:\n{log.read_text()}")


def test_browser_deadweight_changes_the_ratio(tmp_path, test_library):
    if CHROMIUM is None:
        pytest.skip(missing_browser_message() + ": browser test skipped")
    sync_api = pytest.importorskip("playwright.sync_api")
    from svmodel.explorer.band import MonteCarloBand
    from svmodel.explorer.state import variant_scenario

    scenario = load_scenario(WEB_SCENARIO, test_library)
    baseline = state_results(scenario, state_from_scenario(scenario)).sroi_ratio
    moved = state_from_scenario(scenario).with_line("wellbeing", deadweight=0.6)
    expected = state_results(scenario, moved).sroi_ratio
    expected_band = MonteCarloBand(scenario).ratio_band(variant_scenario(scenario, moved))

    port = _free_port()
    log = tmp_path / "explore.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "svmodel.cli", "explore", str(WEB_SCENARIO), "--no-browser",
             "--port", str(port), "--save-dir", str(tmp_path)],
            env=_env(), stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
    try:
        url = _wait_for_address(log, process)
        assert url == f"http://127.0.0.1:{port}/"
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=60_000)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1250})
                page.goto(url, timeout=120_000)
                figure = page.locator(".svx-sroi_ratio")
                figure.wait_for(timeout=120_000)
                before = figure.get_attribute("data-value")
                assert float(before) == pytest.approx(baseline, rel=1e-12)
                readout = page.locator(".svx-wellbeing-deadweight .widget-readout")
                readout.click(timeout=30_000)
                page.keyboard.press("Control+A")
                page.keyboard.type("60")
                page.keyboard.press("Enter")
                page.wait_for_function(
                    "before => { const e = document.querySelector('.svx-sroi_ratio');"
                    " return e !== null && e.dataset.value !== before; }", arg=before, timeout=60_000)
                figure = page.locator(".svx-sroi_ratio")
                assert float(figure.get_attribute("data-value")) == pytest.approx(expected, rel=1e-12)
                assert figure.inner_text().strip() == ratio(expected)
                band = page.locator(".svx-band-range")
                assert float(band.get_attribute("data-p5")) == pytest.approx(expected_band.p5, rel=1e-12)
                assert float(band.get_attribute("data-p95")) == pytest.approx(expected_band.p95, rel=1e-12)
                assert page.locator("svg.svx-band").count() == 1
                page.locator(".svx-change").nth(3).wait_for(timeout=10_000)
                text = page.inner_text("body")
                assert "JupyterLab" not in text and "run all cells" not in text
                assert "Choose a file" in text  # the file picker
                page.locator(".svx-title").scroll_into_view_if_needed()
                page.wait_for_timeout(500)  # let the chart images paint before the screenshot
                page.screenshot(path=str(tmp_path / "explorer.png"))
            finally:
                browser.close()
    finally:
        _stop(process)
    assert (tmp_path / "explorer.png").stat().st_size > 10_000
    print(f"screenshot: {tmp_path / 'explorer.png'}")
