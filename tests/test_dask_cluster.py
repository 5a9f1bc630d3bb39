"""The Dask path on a real cluster: `dask scheduler` and `dask worker` started as separate
processes on 127.0.0.1 (free ports), a worker killed midway, a worker of another svmodel
version. Torn down afterwards, whatever happens."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import nbformat
import pytest

from svmodel.batch import OK, BatchOptions, run_batch
from svmodel.batch.pools import PoolError
from svmodel.report.notebook_sources import make_notebook

pytestmark = pytest.mark.slow
distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]
DASK = Path(os.sys.executable).parent / "dask"
EXAMPLE = ROOT / "params" / "examples" / "reablement_home_care.yaml"
TINY = make_notebook(
    'scenario: str = ""  # scenario file\ndraws: int = 0  # unused\nseed: int = 0  # unused\n'
    'results_path: str = "out.json"  # results file\nproxy_packs: list = []  # unused',
    ["import time\nfrom svmodel.report import sroi\nreport = sroi.build(scenario, draws=0, seed=1)\n"
     "time.sleep(0.5)",
     "report.write_results(results_path)\nreport.title()"], "tiny")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A scheduler and workers as separate OS processes."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.processes: list[subprocess.Popen] = []
        self.workers: list[subprocess.Popen] = []

    def _start(self, args: list[str], pythonpath: Path = ROOT) -> subprocess.Popen:
        env = {**os.environ, "PYTHONPATH": str(pythonpath)}
        log = open(self.folder / f"dask-{len(self.processes)}.log", "wb")
        proc = subprocess.Popen([str(DASK), *args], env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.processes.append(proc)
        return proc

    def scheduler(self) -> None:
        self._start(["scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                     "--no-dashboard", "--no-show"])

    def worker(self, pythonpath: Path = ROOT) -> subprocess.Popen:
        proc = self._start(["worker", self.address, "--nthreads", "1", "--nworkers", "1",
                            "--no-nanny", "--no-dashboard", "--host", "127.0.0.1",
                            "--local-directory", str(self.folder / "dask-space")], pythonpath)
        self.workers.append(proc)
        return proc

    def wait_for_workers(self, count: int, limit: float = 180) -> None:
        deadline = time.monotonic() + limit
        with distributed.Client(self.address, timeout=60) as client:
            while time.monotonic() < deadline:
                if len(client.scheduler_info()["workers"]) >= count:
                    return
                time.sleep(0.5)
        raise AssertionError(f"{count} Dask workers did not join: see {self.folder}/dask-*.log")

    def stop(self) -> None:
        for proc in reversed(self.processes):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.processes:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture()
def cluster(tmp_path):
    if not DASK.exists():
        pytest.skip("the `dask` command is not installed (pip install 'svmodel[distributed]')")
    c = Cluster(tmp_path)
    try:
        c.scheduler()
        yield c
    finally:
        c.stop()


@pytest.fixture()
def tiny(tmp_path) -> Path:
    path = tmp_path / "tiny.ipynb"
    nbformat.write(TINY, path)
    return path


def _scenarios(folder: Path, count: int) -> list[Path]:
    source = EXAMPLE.read_text(encoding="utf-8")
    files = []
    for i in range(count):
        path = folder / f"s{i}.yaml"
        path.write_text(source.replace("name: Reablement at home", f"name: Reablement at home {i}"),
                        encoding="utf-8")
        files.append(path)
    return files


def test_worker_killed_midway_loses_and_duplicates_nothing(cluster, tmp_path, tiny):
    for _ in range(2):
        cluster.worker()
    cluster.wait_for_workers(2)
    files = _scenarios(tmp_path, 8)
    killed = []

    def kill_one(record):
        if not killed:
            victim = cluster.workers[0]
            os.killpg(victim.pid, signal.SIGKILL)
            killed.append(victim.pid)

    out = tmp_path / "out"
    result = run_batch(files, out, BatchOptions(
        scheduler=cluster.address, notebook=tiny, draws=0, portfolio_notebook=None,
        progress=False), on_record=kill_one)
    assert killed
    assert [r.status for r in result.records] == [OK] * 8, [r.message for r in result.records]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    names = [r["name"] for r in manifest["records"]]
    assert sorted(names) == sorted(f"s{i}" for i in range(8)) and len(set(names)) == 8
    for name in names:
        assert (out / f"{name}.html").exists() and (out / f"{name}.results.json").exists()


def test_worker_with_another_svmodel_version_is_refused(cluster, tmp_path, tiny):
    other = tmp_path / "other"
    shutil.copytree(ROOT / "svmodel", other / "svmodel",
                    ignore=shutil.ignore_patterns("__pycache__"))
    init = other / "svmodel" / "__init__.py"
    init.write_text('"""svmodel, another release."""\n__version__ = "0.0.0-other"\n', encoding="utf-8")
    cluster.worker(pythonpath=other)
    cluster.wait_for_workers(1)
    out = tmp_path / "out"
    with pytest.raises(PoolError, match="different svmodel version") as info:
        run_batch(_scenarios(tmp_path, 2), out, BatchOptions(
            scheduler=cluster.address, notebook=tiny, draws=0, portfolio_notebook=None,
            progress=False))
    assert "0.0.0-other" in str(info.value) and "nothing was run or written" in str(info.value)
    assert not out.exists()
