"""One subprocess smoke test per top-level `svmodel` command: `python -m svmodel.cli COMMAND ...`
as a user types it, run from a folder outside the repository, doing a real small job and
checking what it wrote. Everything else about the CLI runs in-process (tests/test_cli.py, the
`run_cli` fixture), which is much faster."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from svmodel.cli import build_parser, subparsers

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "params" / "examples").glob("*.yaml"))
SCENARIO = ROOT / "params" / "examples" / "reablement_home_care.yaml"
TENDER = ROOT / "params" / "tenders" / "home_care_2026"
TIMEOUT = 300

SMOKED: set[str] = set()


def smoke(command: str):  # noqa: ANN201
    """Mark a test as the smoke test of `svmodel COMMAND`."""
    SMOKED.add(command)
    return lambda f: f


def _env() -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, "MPLBACKEND": "Agg"}


def svmodel(cwd: Path, *args: object) -> subprocess.CompletedProcess[str]:
    """`python -m svmodel.cli ARGS` in `cwd`, as the user would run it."""
    return subprocess.run([sys.executable, "-m", "svmodel.cli", *map(str, args)], cwd=cwd, env=_env(),
                          capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)


def test_one_smoke_test_per_command():
    commands = {name for name, _ in subparsers(build_parser())}
    assert SMOKED == commands, f"missing: {commands - SMOKED}; unknown: {SMOKED - commands}"


@smoke("run")
def test_run(tmp_path):
    done = svmodel(tmp_path, "run", SCENARIO, "--json", "--csv", "tables")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["sroi_ratio"] > 1
    assert (tmp_path / "tables" / "impact_map.csv").is_file()


@smoke("validate")
def test_validate(tmp_path):
    done = svmodel(tmp_path, "validate", *EXAMPLES)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("ok: ") == len(EXAMPLES)


@smoke("compare")
def test_compare(tmp_path):
    done = svmodel(tmp_path, "compare", *EXAMPLES, "--csv", "compare.csv")
    assert done.returncode == 0, done.stderr
    assert "SROI ratio" in done.stdout
    assert len((tmp_path / "compare.csv").read_text(encoding="utf-8").splitlines()) == len(EXAMPLES) + 1


@smoke("sensitivity")
def test_sensitivity(tmp_path):
    done = svmodel(tmp_path, "sensitivity", SCENARIO, "--draws", "500", "--seed", "7", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["monte_carlo"]["draws"] == 500 and data["switching_values"]


@smoke("proxies")
def test_proxies(tmp_path):
    done = svmodel(tmp_path, "proxies", "--show", "hmt_wellby", "--year", "2024", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rebased"]["price_year"] == 2024


@smoke("framework")
def test_framework(tmp_path):
    done = svmodel(tmp_path, "framework", "show", "knowsley")
    assert done.returncode == 0, done.stderr
    assert "Knowsley" in done.stdout and "measures valued" in done.stdout


@smoke("export")
def test_export(tmp_path):
    done = svmodel(tmp_path, "export", SCENARIO, "--xlsx", "value_map.xlsx")
    assert done.returncode == 0, done.stderr
    from openpyxl import load_workbook

    assert load_workbook(tmp_path / "value_map.xlsx").sheetnames


@smoke("import")
def test_import(tmp_path):
    from svmodel.excel.writer import export_workbook
    from svmodel.scenario import load_scenario

    export_workbook(load_scenario(SCENARIO), tmp_path / "value_map.xlsx")
    done = svmodel(tmp_path, "import", "value_map.xlsx", "--out", "back.yaml")
    assert done.returncode == 0, done.stderr
    assert len(load_scenario(tmp_path / "back.yaml").lines) == len(load_scenario(SCENARIO).lines)


@smoke("tender")
def test_tender(tmp_path):
    done = svmodel(tmp_path, "tender", "evaluate", TENDER / "spec.yaml", *sorted((TENDER / "bids").iterdir()),
                   "--scores", TENDER / "scores.csv", "--out", "evaluation")
    assert done.returncode == 0, done.stderr
    ranking = (tmp_path / "evaluation" / "ranking.csv").read_text(encoding="utf-8").splitlines()
    assert len(ranking) == 4 and "Mersey Care Collective CIC" in ranking[1]


@smoke("ledger")
def test_ledger(tmp_path):
    done = svmodel(tmp_path, "ledger", "load-example", "--db", "ledger.db", "--site", "site")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "ledger.db").is_file() and (tmp_path / "site" / "index.html").is_file()


@smoke("report")
@pytest.mark.slow
def test_report(tmp_path):
    done = svmodel(tmp_path, "report", SCENARIO, "--out", "reports", "--workers", "0", "--draws", "0",
                   "--no-portfolio", "--no-progress", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["counts"] == {"ok": 1}
    report = tmp_path / "reports" / data["reports"][0]["report"]
    assert "Reablement at home" in report.read_text(encoding="utf-8")


def _read_line(stream, deadline: float) -> str:  # noqa: ANN001
    """One line from a pipe, or "" when the deadline passes first."""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([stream], [], [], 0.5)
        if ready:
            return stream.readline()
    return ""


@smoke("explore")
@pytest.mark.slow
def test_explore(tmp_path):
    pytest.importorskip("voila", reason="the web extra is not installed (pip install 'svmodel[web]')")
    process = subprocess.Popen([sys.executable, "-m", "svmodel.cli", "explore", str(SCENARIO), "--no-browser"],
                               cwd=tmp_path, env=_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        line = _read_line(process.stdout, time.monotonic() + 120)
        assert line.startswith("Scenario explorer: http://127.0.0.1:"), line
        url = line.split(": ", 1)[1].split()[0]
        with urllib.request.urlopen(url, timeout=120) as page:  # voila runs the notebook for the page
            assert page.status == 200
            html = page.read().decode("utf-8", "replace")
        assert "application/vnd.jupyter.widget-view+json" in html  # the explorer's widgets, rendered
        assert "Traceback" not in html
        process.send_signal(signal.SIGTERM)  # stops voila and its kernel, then exits 0
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
