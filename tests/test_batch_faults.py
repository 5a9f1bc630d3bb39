"""Faults in a batch (issue 12) and batches at scale (issue 17): reserved names, bad options,
an unreachable scheduler, the folder lock, a full disk, a killed pool worker, an interrupted
or killed batch, two batches into one folder, index pages, the progress line."""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from svmodel.batch import OK, BatchOptions, run_batch
from svmodel.batch.folder import BatchDiskError, FolderBusy, OutputFolder
from svmodel.batch.jobs import FAILED, INVALID, SKIPPED, JobRecord, unique_slugs
from svmodel.batch.pools import PoolError, ProcessPool
from svmodel.batch.progress import Progress
from svmodel.cli import main
from svmodel.report.index import write_index_pages
from svmodel.report.notebook_sources import make_notebook

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "params" / "examples" / "reablement_home_care.yaml"
TINY_PARAMETERS = """\
scenario: str = ""  # scenario file
draws: int = 0  # unused
seed: int = 0  # unused
results_path: str = "out.json"  # results file
proxy_packs: list = []  # unused"""
TINY_CELLS = [
    "import json, time\n"
    "from svmodel.report import sroi\n"
    "report = sroi.build(scenario, draws=0, seed=1)\n"
    "time.sleep(float(__import__('os').environ.get('SVMODEL_TEST_PAUSE', '0')))",
    "report.write_results(results_path)\nreport.title()",
]


@pytest.fixture()
def tiny_notebook(tmp_path) -> Path:
    """The real results file and title from svmodel.report.sroi, without the other sections."""
    path = tmp_path / "tiny.ipynb"
    nbformat.write(make_notebook(TINY_PARAMETERS, TINY_CELLS, "tiny"), path)
    return path


def _scenarios(folder: Path, names: list[str]) -> list[Path]:
    source = EXAMPLE.read_text(encoding="utf-8")
    files = []
    for i, name in enumerate(names):
        path = folder / f"{name}.yaml"
        path.write_text(source.replace("name: Reablement at home",
                                       f"name: Reablement at home {i}"), encoding="utf-8")
        files.append(path)
    return files


def _options(notebook: Path, **kw) -> BatchOptions:
    base = dict(workers=0, notebook=notebook, portfolio_notebook=None, progress=False, draws=0)
    return BatchOptions(**{**base, **kw})


@pytest.mark.slow
def test_scenarios_named_like_the_batch_pages_keep_their_reports(tmp_path, tiny_notebook):
    files = _scenarios(tmp_path, ["index", "portfolio", "summary", "manifest", "index-2"])
    names = unique_slugs(files)
    assert sorted(names.values()) == ["index-2-scenario", "index-scenario", "manifest-scenario",
                                      "portfolio-scenario", "summary-scenario"]
    out = tmp_path / "out"
    result = run_batch(files, out, _options(tiny_notebook))
    assert [r.status for r in result.records] == [OK] * 5
    assert "Reablement at home 0" in (out / "index-scenario.html").read_text(encoding="utf-8")
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="index-scenario.html"' in index and 'href="portfolio-scenario.html"' in index
    assert json.loads((out / "manifest.json").read_text())["records"][0]["name"] == "index-scenario"


@pytest.mark.parametrize("value", ["-5", "0", "nan", "inf"])
def test_report_timeout_must_be_positive(tmp_path, capsys, value):
    code = main(["report", str(EXAMPLE), "--out", str(tmp_path / "out"), f"--timeout={value}"])
    err = capsys.readouterr().err
    assert code == 1 and "--timeout" in err and "greater than 0" in err
    assert not (tmp_path / "out").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_unreachable_scheduler_is_one_clear_error(tmp_path, tiny_notebook):
    pytest.importorskip("distributed")
    address = f"tcp://127.0.0.1:{_free_port()}"
    started = time.perf_counter()
    with pytest.raises(PoolError, match="cannot reach a Dask scheduler there within 2 s") as info:
        run_batch([EXAMPLE], tmp_path / "out", _options(tiny_notebook, scheduler=address,
                                                        connect_timeout=2))
    assert address in str(info.value) and time.perf_counter() - started < 25
    assert not (tmp_path / "out").exists()  # nothing written


def test_one_batch_per_folder(tmp_path, tiny_notebook, capsys):
    files = _scenarios(tmp_path, ["a"])
    out = tmp_path / "out"
    with OutputFolder(out, "other"):
        with pytest.raises(FolderBusy, match=f"pid {os.getpid()}"):
            run_batch(files, out, _options(tiny_notebook))
        code = main(["report", str(files[0]), "--out", str(out), "--notebook", str(tiny_notebook),
                     "--workers", "0", "--no-portfolio", "--no-progress"])
        assert code == 1 and "another `svmodel report`" in capsys.readouterr().err
    assert run_batch(files, out, _options(tiny_notebook)).records[0].status == OK  # released


def test_leftovers_of_a_killed_batch_are_cleaned(tmp_path, tiny_notebook):
    out = tmp_path / "out"
    (out / ".svmodel" / "tmp-deadbeef" / "job").mkdir(parents=True)
    (out / ".x.html.abc.tmp").write_text("half", encoding="utf-8")
    run_batch(_scenarios(tmp_path, ["a"]), out, _options(tiny_notebook))
    assert not list(out.rglob("*.tmp")) and not list((out / ".svmodel").glob("tmp-*"))


def test_full_disk_is_one_error_naming_the_folder(tmp_path, tiny_notebook, monkeypatch, capsys):
    from svmodel.batch import runner

    files = _scenarios(tmp_path, ["a", "b", "c"])
    out = tmp_path / "out"
    real = runner.publish

    def full_on_b(path, data):
        if path.name == "b.html":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, data)

    monkeypatch.setattr(runner, "publish", full_on_b)
    with pytest.raises(BatchDiskError) as info:
        run_batch(files, out, _options(tiny_notebook))
    assert str(out.resolve()) in info.value.strerror and "no space left" in info.value.strerror
    # b's results were written before its page failed: removed together, no half report.
    assert (out / "a.html").exists() and not (out / "b.results.json").exists()
    assert not (out / "b.html").exists() and not (out / "c.html").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert [r["name"] for r in manifest["records"]] == ["a"]  # what is on disk
    code = main(["report", *map(str, files), "--out", str(out), "--notebook", str(tiny_notebook),
                 "--workers", "0", "--no-portfolio", "--no-progress", "--force"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and str(out.resolve()) in err and "Traceback" not in err


def test_two_batches_into_one_folder_agree(tmp_path, tiny_notebook):
    out = tmp_path / "out"
    first, second = _scenarios(tmp_path, ["first"]), _scenarios(tmp_path, ["second"])
    options = _options(tiny_notebook, portfolio_notebook=ROOT / "notebooks" / "portfolio.ipynb")
    run_batch(first, out, options)
    result = run_batch(second, out, options)
    manifest = json.loads((out / "manifest.json").read_text())
    names = sorted(r["name"] for r in manifest["records"])
    assert names == ["first", "second"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="first.html"' in index and 'href="second.html"' in index
    portfolio = json.loads((out / "portfolio.json").read_text())
    assert result.portfolio.status == OK and portfolio["scenario_count"] == 2
    assert sorted(r["file"] for r in portfolio["scenarios"]) == ["first.results.json",
                                                                 "second.results.json"]
    summary = (out / "summary.csv").read_text().splitlines()
    assert len(summary) == 3


def test_index_is_paginated(tmp_path):
    rows = [{"name": f"s{i}", "title": f"S {i}", "status": "ok", "report": f"s{i}.html"}
            for i in range(5)]
    rows.append({"name": "bad", "scenario": "bad.yaml", "status": "failed", "error_name": "E",
                 "message": "m"})
    (tmp_path / "index-9.html").write_text("stale", encoding="utf-8")
    write_index_pages(tmp_path, rows, "T", "today", None,
                      lambda p, d: p.write_bytes(d) and p, page_size=2)
    pages = sorted(p.name for p in tmp_path.glob("index*.html"))
    assert pages == ["index-2.html", "index-3.html", "index.html"]
    first = (tmp_path / "index.html").read_text()
    assert 'href="s0.html"' in first and 's2.html' not in first and "bad.yaml" in first
    assert 'href="index-3.html"' in first and "5 report(s), 1 failure(s)" in first
    assert 'href="s4.html"' in (tmp_path / "index-3.html").read_text()


def test_progress_line_counts_and_stays(capsys):
    with Progress(4, enabled=True) as progress:
        progress.record(JobRecord("a", "a.yaml", SKIPPED))
        progress.record(JobRecord("b", "b.yaml", OK))
        progress.record(JobRecord("c", "c.yaml", FAILED))
        progress.record(JobRecord("d", "d.yaml", INVALID))
    err = capsys.readouterr().err
    final = err.replace("\r", "\n").strip().splitlines()[-1]
    assert "4/4" in final and "1 done, 2 failed, 1 skipped" in final and "<" in final


# ---------------------------------------------------------------------- processes (slow)
def _children(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


@pytest.mark.slow
def test_killed_pool_worker_jobs_rerun_on_a_fresh_pool(tmp_path, tiny_notebook, monkeypatch):
    monkeypatch.setenv("SVMODEL_TEST_PAUSE", "1.0")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    files = _scenarios(tmp_path, [f"s{i}" for i in range(6)])
    pool = ProcessPool(2)
    killed = []

    def kill_one(record):
        if not killed:
            victim = pool.pids()[0]
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    out = tmp_path / "out"
    result = run_batch(files, out, _options(tiny_notebook), on_record=kill_one, pool=pool)
    assert killed and pool.restarts >= 1
    assert sorted(r.name for r in result.records) == [f"s{i}" for i in range(6)]
    assert [r.status for r in result.records] == [OK] * 6, [r.message for r in result.records]
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(r["name"] for r in manifest["records"]) == [f"s{i}" for i in range(6)]
    assert (out / "index.html").exists() and not list((out / ".svmodel").glob("tmp-*"))


def _start_batch(files: list[Path], out: Path, notebook: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SVMODEL_TEST_PAUSE": "3"}
    return subprocess.Popen([sys.executable, "-m", "svmodel.cli", "report", *map(str, files),
                             "--out", str(out), "--workers", "2", "--notebook", str(notebook),
                             "--no-portfolio", "--no-progress", "--draws", "0"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=_ctrl_c_as_a_terminal_sends_it)


def _ctrl_c_as_a_terminal_sends_it() -> None:
    """The batch sees SIGINT as a user's Ctrl-C does, even when the test run itself was started
    in the background (`cmd &` in a script starts it with SIGINT ignored, and children inherit
    that; Python then installs no KeyboardInterrupt handler)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for_workers(proc: subprocess.Popen, count: int, limit: float = 120) -> list[psutil.Process]:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        children = [c for c in _children(proc.pid) if "python" in c.name()]
        scratch = list(Path(proc.args[proc.args.index("--out") + 1]).glob(".svmodel/tmp-*/*"))
        if len(children) >= count and scratch:  # workers up, a job under way
            return children
        time.sleep(0.2)
    raise AssertionError("the batch's workers did not start")


def _gone(processes: list[psutil.Process], limit: float = 20) -> bool:
    _, alive = psutil.wait_procs(processes, timeout=limit)
    return not alive


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_stopping_the_batch_leaves_no_process_or_scratch(tmp_path, tiny_notebook, how):
    files = _scenarios(tmp_path, [f"s{i}" for i in range(8)])
    out = tmp_path / "out"
    proc = _start_batch(files, out, tiny_notebook)
    workers = _wait_for_workers(proc, 2)
    proc.send_signal(how)
    stdout, stderr = proc.communicate(timeout=60)
    assert _gone(workers), [w.pid for w in workers if w.is_running()]
    if how != signal.SIGKILL:
        assert proc.returncode in (130, 128 + how), (proc.returncode, stdout, stderr)
        assert not list((out / ".svmodel").glob("tmp-*")) and not list(out.rglob("*.tmp"))
    else:  # nothing can clean up after kill -9; the next batch does
        run_batch(files[:1], out, _options(tiny_notebook))
        assert not list((out / ".svmodel").glob("tmp-*")) and not list(out.rglob("*.tmp"))
    for path in out.glob("*.results.json"):  # every report on disk is whole
        assert (out / path.name.replace(".results.json", ".html")).exists()


@pytest.mark.slow
def test_a_worker_killed_while_sending_its_result_does_not_hang_the_batch(tmp_path):
    """A worker killed half-way through sending a result leaves the executor's result pipe
    locked with half a message in it; `ProcessPoolExecutor` alone then waits for ever. The
    pool's watchdog notices the dead worker, restarts the pool and every job is done."""
    from svmodel.batch.jobs import JobSpec
    from svmodel.batch.pools import ProcessPool
    from tests.batch_sabotage import die_while_sending_result

    specs = [JobSpec(name=name, notebook="", parameters={"marker": str(tmp_path / "marker")},
                     output_parameters={}, key=name, batch_id="sabotage")
             for name in ("saboteur", "a", "b", "c")]
    pool = ProcessPool(2, job=die_while_sending_result, stall_grace=1.0)
    try:
        outcomes = list(pool.run(specs))
    finally:
        pool.close()
    assert (tmp_path / "marker").read_text(encoding="utf-8") == "sabotaged"  # it did die mid-send
    assert sorted(o.spec.name for o in outcomes) == ["a", "b", "c", "saboteur"]
    assert all(o.record.status == "ok" for o in outcomes)
    assert pool.restarts >= 1


@pytest.mark.slow
def test_workers_take_the_batch_environment_and_folder_of_now(tmp_path, monkeypatch):
    """Workers forked from a fork server started earlier (by a previous pool in this process)
    still see the environment and folder the batch has when it starts them, as spawned ones do;
    and a second pool reuses the server rather than importing everything again."""
    import json

    from svmodel.batch import pools
    from svmodel.batch.jobs import JobSpec
    from tests.batch_sabotage import where_am_i

    def ask(pool: ProcessPool) -> dict:
        spec = JobSpec(name="where", notebook="", parameters={}, output_parameters={}, key="where",
                       batch_id="env")
        try:
            (outcome,) = list(pool.run([spec]))
        finally:
            pool.close()
        return json.loads(outcome.record.message)

    monkeypatch.delenv("SVMODEL_TEST_MARK", raising=False)
    first = ask(ProcessPool(1, job=where_am_i))
    assert first["mark"] is None
    monkeypatch.setenv("SVMODEL_TEST_MARK", "set after the first pool")
    monkeypatch.chdir(tmp_path)
    second = ask(ProcessPool(1, job=where_am_i))
    assert second["mark"] == "set after the first pool"
    assert Path(second["cwd"]).resolve() == tmp_path.resolve()
    assert second["pid"] != first["pid"]
    if pools._start_context().get_start_method() == "forkserver":
        assert second["ppid"] == first["ppid"] != os.getpid()  # both forked by the same server


def test_a_single_report_runs_in_this_process_unless_workers_are_asked_for():
    """Starting a pool for one report costs more than the report (the workers' imports): by
    default one report runs in this process; `--workers N` still gets its pool."""
    from svmodel.batch.pools import SerialPool, make_pool

    assert isinstance(make_pool(None, None, 1), SerialPool)
    assert isinstance(make_pool(0, None, 5), SerialPool)
    for workers, jobs in ((1, 1), (None, 2)):
        pool = make_pool(workers, None, jobs)
        try:
            assert isinstance(pool, ProcessPool)
        finally:
            pool.close()


def test_a_fork_server_that_cannot_start_means_spawned_workers(tmp_path, monkeypatch):
    """The fork server's socket lives in the temporary folder; where it cannot be made, the
    pool spawns its workers instead of failing the batch."""
    from multiprocessing import forkserver

    from svmodel.batch import pools

    def refuse() -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(forkserver, "ensure_running", refuse)
    assert pools._start_context().get_start_method() == "spawn"
