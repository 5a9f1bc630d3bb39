"""Batch behaviour: failures recorded per job, kernel-start retry, atomic outputs, skipping,
and the Dask path on a LocalCluster."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from svmodel.batch import FAILED, INVALID, OK, BatchOptions, run_batch, stamps
from svmodel.batch.jobs import JobOutcome, JobRecord, JobSpec, unique_slugs
from svmodel.batch.kernel import KernelStartError
from svmodel.batch.runner import write_outcome
from svmodel.batch.worker import run_job
from svmodel.cli import main
from svmodel.report.notebook_sources import make_notebook

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "params" / "examples"

# A small report notebook with the shipped one's parameters: it writes the results file from
# the real engine, and raises when the scenario's name contains "boom".
TINY_CELLS = [
    "import json\n"
    "from svmodel.results import calculate\n"
    "from svmodel.scenario import load_scenario\n"
    "scenario_obj = load_scenario(scenario)",
    "if 'boom' in scenario_obj.name:\n    raise RuntimeError('deliberate failure in ' + scenario_obj.name)",
    "doc = {'schema_version': 1, 'kind': 'svmodel.sroi_report', 'parameters': {'draws': draws, 'seed': seed},\n"
    "       'results': calculate(scenario_obj).to_dict(), 'uncertainty': {}}\n"
    "open(results_path, 'w').write(json.dumps(doc))\n"
    "print(scenario_obj.name)",
]
TINY_PARAMETERS = """\
scenario: str = ""  # scenario file
draws: int = 0  # unused
seed: int = 0  # unused
results_path: str = "out.json"  # results file
proxy_packs: list = []  # unused"""


@pytest.fixture()
def tiny_notebook(tmp_path) -> Path:
    path = tmp_path / "tiny.ipynb"
    nbformat.write(make_notebook(TINY_PARAMETERS, TINY_CELLS, "tiny"), path)
    return path


@pytest.fixture()
def scenarios(tmp_path) -> list[Path]:
    """A good scenario, one whose notebook raises, and one that does not validate."""
    source = (EXAMPLES / "reablement_home_care.yaml").read_text(encoding="utf-8")
    good = tmp_path / "good.yaml"
    good.write_text(source, encoding="utf-8")
    boom = tmp_path / "boom.yaml"
    boom.write_text(source.replace("name: Reablement at home", "name: boom Reablement at home"),
                    encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(source.replace("deadweight: 0.35", "deadweight: 1.7", 1), encoding="utf-8")
    return [good, boom, bad]


@pytest.mark.slow
def test_one_failure_never_stops_the_others(tmp_path, tiny_notebook, scenarios, capsys):
    out = tmp_path / "out"
    code = main(["report", *map(str, scenarios), "--out", str(out), "--workers", "0",
                 "--notebook", str(tiny_notebook), "--no-portfolio", "--no-progress"])
    assert code == 4  # partial failure (ExitCode.PARTIAL_FAILURE)
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "deadweight" in err and "RuntimeError" in err
    records = {r["name"]: r for r in json.loads((out / "manifest.json").read_text())["records"]}
    assert records["good"]["status"] == OK and (out / "good.html").exists()
    assert records["good"]["sroi_ratio"] > 1
    boom = records["boom"]
    assert boom["status"] == FAILED and boom["error_name"] == "RuntimeError"
    assert "deliberate failure" in boom["message"]
    assert boom["cell"] == 3  # parameters, injected parameters, load, then the raising cell
    assert boom["cell_source"] == "if 'boom' in scenario_obj.name:"
    assert (out / "boom.failed.ipynb").exists() and not (out / "boom.html").exists()
    bad = records["bad"]
    assert bad["status"] == INVALID and "outcomes[0].deadweight" in bad["message"]
    assert not (out / "bad.ipynb").exists()
    index = (out / "index.html").read_text()
    assert 'href="good.html"' in index and "deliberate failure" in index and "deadweight" in index
    summary = (out / "summary.csv").read_text().splitlines()
    assert summary[0].startswith("name,scenario,status,seconds") and len(summary) == 4
    assert not list(out.rglob("*.tmp"))

    # Up to date: nothing runs again; a changed scenario runs again.
    result = run_batch([scenarios[0]], out, BatchOptions(workers=0, notebook=tiny_notebook,
                                                          portfolio_notebook=None, progress=False))
    assert [r.status for r in result.records] == ["skipped"]
    assert result.records[0].sroi_ratio == pytest.approx(records["good"]["sroi_ratio"])
    scenarios[0].write_text(scenarios[0].read_text() + "\n# edited\n", encoding="utf-8")
    result = run_batch([scenarios[0]], out, BatchOptions(workers=0, notebook=tiny_notebook,
                                                          portfolio_notebook=None, progress=False))
    assert [r.status for r in result.records] == [OK]


class _FlakyKernel:
    """Fails to start `failures` times, then 'runs' by writing the results file itself."""

    def __init__(self, failures: int):
        self.failures = failures
        self.calls = 0

    def run(self, notebook, output, parameters, cwd, timeout=None, batch_id=None):
        self.calls += 1
        if self.calls <= self.failures:
            raise KernelStartError("kernel 'python3' did not start: ZMQError: Address already in use")
        Path(parameters["results_path"]).write_text(json.dumps({"results": {"name": "x"}}))
        return nbformat.v4.new_notebook()


def _spec(name: str = "x") -> JobSpec:
    return JobSpec(name=name, notebook="nb.ipynb", parameters={"scenario": "x.yaml"},
                   output_parameters={"results_path": f"{name}.results.json"}, key="k", batch_id="b")


def test_kernel_start_failure_is_retried_once():
    outcome = run_job(_spec(), kernel=_FlakyKernel(failures=1))
    assert outcome.record.status == OK and outcome.record.attempts == 2
    assert set(outcome.files) == {"x.results.json", "x.ipynb", "x.html"}

    outcome = run_job(_spec(), kernel=_FlakyKernel(failures=2))
    assert outcome.record.status == FAILED and outcome.record.attempts == 2
    assert outcome.record.error_name == "KernelStartError" and "Address already in use" in outcome.record.message


def test_expected_provenance_is_checked():
    spec = JobSpec(**{**_spec().__dict__, "expect": {"svmodel_version": "9.9"}})
    outcome = run_job(spec, kernel=_FlakyKernel(failures=0))
    assert outcome.record.status == FAILED and outcome.record.error_name == "EnvironmentMismatch"


def test_interrupted_write_leaves_no_half_report(tmp_path, monkeypatch):
    from svmodel.batch import runner

    files = {"x.ipynb": b"{}", "x.results.json": b"{}", "x.html": b"<html>"}
    outcome = JobOutcome(_spec(), JobRecord("x", "x.yaml", OK), files)
    real = runner.publish

    def crash_on_html(path, data):
        if path.suffix == ".html":
            raise KeyboardInterrupt
        return real(path, data)

    monkeypatch.setattr(runner, "publish", crash_on_html)
    with pytest.raises(KeyboardInterrupt):
        write_outcome(tmp_path, outcome)
    assert not (tmp_path / "x.html").exists() and not list(tmp_path.rglob("*.tmp"))
    assert not stamps.up_to_date(tmp_path, "x", "k")  # no stamp: the next run redoes it

    monkeypatch.setattr(runner, "publish", real)
    write_outcome(tmp_path, outcome)
    assert stamps.up_to_date(tmp_path, "x", "k") and not stamps.up_to_date(tmp_path, "x", "other")
    (tmp_path / "x.html").write_bytes(b"<html>tampered")
    assert not stamps.up_to_date(tmp_path, "x", "k")


def test_slugs_are_stable_and_unique(tmp_path):
    a, b = tmp_path / "a" / "Same Name.yaml", tmp_path / "b" / "Same Name.yaml"
    names = unique_slugs([a, b, tmp_path / "other.yaml"])
    assert names[a] != names[b] and names[a].startswith("same-name-")
    assert names[tmp_path / "other.yaml"] == "other"
    assert unique_slugs([a, b]) == {a: names[a], b: names[b]}


def test_cli_usage_errors(tmp_path, capsys):
    assert main(["report", str(tmp_path / "missing.yaml"), "--out", str(tmp_path)]) == 1
    assert "no such scenario file" in capsys.readouterr().err


@pytest.mark.slow
def test_dask_local_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    files = [shutil.copy(EXAMPLES / n, tmp_path / n) for n in
             ("reablement_home_care.yaml", "leaving_custody_employment.yaml")]
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=":0", silence_logs=40) as cluster, \
            distributed.Client(cluster) as client:
        result = run_batch(files, tmp_path / "out", BatchOptions(
            scheduler=client, draws=200, seed=3, portfolio_notebook=None, progress=False))
    assert [r.status for r in result.records] == [OK, OK], [r.message for r in result.records]
    for record in result.records:
        html = (tmp_path / "out" / record.report).read_text(encoding="utf-8")
        assert "Executive summary" in html and record.title in html
        doc = json.loads((tmp_path / "out" / record.results).read_text(encoding="utf-8"))
        assert doc["parameters"] == {"draws": 200, "seed": 3}
