"""Batch report speed and memory: `svmodel report` at 10, 100 (and, with --full, 1,000) scenario
variants, against the plain papermill + nbconvert loop timed on a sample in the same run; then
the portfolio roll-up and the index over 10,000 results files.

For each size N it runs `svmodel report FILES --out DIR --force --no-progress --no-portfolio`
(default settings: one worker per core, in-process warm kernels) as a child process, and
samples the resident memory of that process and all its descendants every 0.1 s (psutil):
the peak is the whole batch's. The baseline is, per scenario, `papermill sroi_report.ipynb`
then `jupyter nbconvert --to html --no-input` (a cold kernel and two command start-ups each),
timed on `--sample` scenarios and scaled to N. Both produce one results file and one HTML
report per scenario (checked).

Targets on 2 cores: 1,000 reports in under 3 minutes; at least 10x the plain loop; peak
memory that does not grow with N; roll-up and index of 10,000 results files under 30 s.

Usage: python benchmarks/bench_batch.py [--full] [--sizes 10 100] [--sample 3] [--scale-files 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "sroi_report.ipynb"
EXAMPLE = ROOT / "params" / "examples" / "reablement_home_care.yaml"
DRAWS, SEED = 2000, 20250401  # svmodel report's defaults
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def make_variants(folder: Path, count: int) -> list[Path]:
    """`count` variants of the example with different quantities (distinct reports)."""
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(count):
        variant = dict(data, name=f"{data['name']} (variant {i + 1})")
        variant["outcomes"] = [dict(o, quantity=round(o["quantity"] * (0.6 + 0.8 * i / max(count, 1)), 3))
                               for o in data["outcomes"]]
        path = folder / f"variant_{i + 1:04d}.yaml"
        path.write_text(yaml.safe_dump(variant, sort_keys=False), encoding="utf-8")
        files.append(path)
    return files


def _memory(proc: psutil.Process) -> int:
    """The process's proportional set size where the system reports it (Linux: pages shared
    with other processes, such as workers forked from one fork server, are split between them
    rather than counted in each), else its resident set size."""
    try:
        return proc.memory_full_info().pss
    except (AttributeError, psutil.AccessDenied):
        return proc.memory_info().rss


class PeakMemory:
    """Peak total memory (PSS, else RSS) of a process and all its descendants, sampled every
    `interval` s."""

    def __init__(self, pid: int, interval: float = 0.1):
        self.pid, self.interval, self.peak = pid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self._stop.is_set():
            total = 0
            try:
                for proc in [root, *root.children(recursive=True)]:
                    try:
                        total += _memory(proc)
                    except psutil.Error:
                        pass
            except psutil.Error:
                break
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def baseline(files: list[Path], out: Path) -> list[float]:
    """Seconds per report of the plain loop, one value per scenario."""
    out.mkdir(parents=True, exist_ok=True)
    times = []
    for path in files:
        started = time.perf_counter()
        executed = out / f"{path.stem}.ipynb"
        subprocess.run([str(BIN / "papermill"), str(NOTEBOOK), str(executed), "--no-progress-bar",
                        "-k", "python3", "-p", "scenario", str(path), "-p", "draws", str(DRAWS),
                        "-p", "seed", str(SEED), "-p", "results_path", str(out / f"{path.stem}.results.json")],
                       check=True, capture_output=True, env=ENV)
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
                       check=True, capture_output=True, env=ENV)
        times.append(time.perf_counter() - started)
    assert len(list(out.glob("*.results.json"))) == len(files) == len(list(out.glob("*.html")))
    return times


def adopt_orphans() -> bool:
    """Make this process the reaper of its orphaned descendants (Linux PR_SET_CHILD_SUBREAPER),
    so that the CPU time of the batch's fork server and the workers it forked, which outlive
    the batch's process by a moment and are not waited for by it, is counted here."""
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def reap_orphans(limit: float = 60) -> None:
    """Wait for every adopted descendant to exit (they follow the batch within a second)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.05)


def svmodel_report(files: list[Path], out: Path) -> tuple[float, int, float]:
    """Wall seconds, peak memory (bytes) and CPU seconds (user + system, the batch's process,
    its fork server and every worker: see adopt_orphans) of one `svmodel report` batch. CPU
    time does not depend on other work on the machine: on idle cores, wall time ~ CPU time /
    cores."""
    list_file = out.parent / f"{out.name}.args"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "svmodel.cli", "report", *map(str, files),
                             "--out", str(out), "--force", "--no-progress", "--no-portfolio",
                             "--draws", str(DRAWS), "--seed", str(SEED)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    with PeakMemory(proc.pid) as memory:
        stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - started
    reap_orphans()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"svmodel report failed ({proc.returncode}):\n{stderr.decode()[-2000:]}")
    list_file.unlink(missing_ok=True)
    assert len(list(out.glob("*.results.json"))) == len(files), stdout.decode()
    assert len(list(out.glob("variant*.html"))) == len(files)
    return seconds, memory.peak, cpu


def scale(folder: Path, count: int, sample_results: Path) -> dict[str, float]:
    """Portfolio roll-up and index pages over `count` results files (copies of one report's
    results with distinct names, organisations and kinds)."""
    sys.path.insert(0, str(ROOT))
    from svmodel.batch.jobs import JobRecord
    from svmodel.batch.runner import write_index
    from svmodel.report import portfolio

    doc = json.loads(sample_results.read_text(encoding="utf-8"))
    out = folder / "scale"
    out.mkdir()
    started = time.perf_counter()
    records = []
    for i in range(count):
        doc["results"]["name"] = f"Scenario {i + 1}"
        doc["results"]["organisation"] = f"Organisation {i % 37}"
        doc["results"]["kind"] = "evaluative" if i % 5 == 0 else "forecast"
        name = f"s{i + 1:05d}"
        (out / f"{name}.results.json").write_text(json.dumps(doc), encoding="utf-8")
        record = JobRecord(name=name, scenario=f"{name}.yaml", status="ok", report=f"{name}.html",
                           results=f"{name}.results.json")
        record.fill_from_results(doc)
        records.append(record)
    made = time.perf_counter() - started
    started = time.perf_counter()
    book = portfolio.build(out)
    page = "".join(str(s) for s in (book.title(), book.headline_section(), book.by_outcome(),
                                    book.by_measure(), book.by_organisation(),
                                    book.by_beneficiary(), book.scenario_table(), book.warnings(),
                                    book.provenance()))
    book.write_summary(out / "portfolio.json")
    rollup = time.perf_counter() - started
    started = time.perf_counter()
    write_index(out, records, None, "Scale test")
    index = time.perf_counter() - started
    pages = len(list(out.glob("index*.html")))
    return {"files": count, "make": made, "rollup": rollup, "index": index, "pages": pages,
            "portfolio_kb": len(page) / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="add the 1,000-report run")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--sample", type=int, default=3, help="scenarios in the baseline sample")
    parser.add_argument("--scale-files", type=int, default=10_000,
                        help="results files for the roll-up and index test (0 skips it)")
    args = parser.parse_args()
    sizes = sorted(set(args.sizes + ([1000] if args.full else [])))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()[0]
    print(f"bench_batch: {cores} cores, {DRAWS} draws, load average {load:.2f} at start", flush=True)
    if not adopt_orphans():
        print("  (cannot adopt orphaned processes here: CPU time may leave out the fork server "
              "and its workers)", flush=True)
    with tempfile.TemporaryDirectory(prefix="svmodel-bench-") as tmp:
        folder = Path(tmp)
        files = make_variants(folder / "scenarios", max(sizes + [args.sample]))
        base = baseline(files[: args.sample], folder / "baseline")
        per_base = statistics.median(base)
        print(f"  plain papermill + nbconvert loop: {per_base:.2f} s/report "
              f"(median of {args.sample}: {', '.join(f'{t:.2f}' for t in base)})", flush=True)
        rows = []
        for size in sizes:
            seconds, peak, cpu = svmodel_report(files[:size], folder / f"out-{size}")
            rows.append((size, seconds, peak, cpu))
            print(f"  svmodel report {size:5d}: {seconds:7.1f} s, {seconds / size:.3f} s/report, "
                  f"{per_base * size / seconds:5.1f}x the loop (scaled {per_base * size:,.0f} s), "
                  f"peak memory {peak / 2**20:,.0f} MB, CPU {cpu:,.0f} s ({cpu / size:.3f} s/report)",
                  flush=True)
        sample_results = next((folder / f"out-{sizes[0]}").glob("*.results.json"))
        scaled = scale(folder, args.scale_files, sample_results) if args.scale_files else None
        shutil.rmtree(folder / "baseline", ignore_errors=True)
    print("summary:")
    for size, seconds, peak, cpu in rows:
        print(f"  N={size:<5d} {seconds / size:.3f} s/report  ratio {per_base * size / seconds:5.1f}x  "
              f"peak {peak / 2**20:,.0f} MB  CPU {cpu / size:.3f} s/report "
              f"(on {cores} idle cores ~{cpu / size / cores:.3f} s/report)")
    largest = rows[-1]
    if largest[0] >= 1000:
        print(f"  1,000 reports in {largest[1]:.0f} s (target < 180 s): "
              f"{'met' if largest[1] < 180 else 'NOT met'}")
    print(f"  ratio at N={largest[0]}: {per_base * largest[0] / largest[1]:.1f}x (target >= 10x): "
          f"{'met' if per_base * largest[0] / largest[1] >= 10 else 'NOT met'}")
    print(f"  peak memory {rows[0][2] / 2**20:,.0f} MB at N={rows[0][0]} -> "
          f"{largest[2] / 2**20:,.0f} MB at N={largest[0]} (target: flat)")
    if scaled:
        print(f"  roll-up of {scaled['files']:,} results files {scaled['rollup']:.1f} s, index "
              f"({scaled['pages']} pages) {scaled['index']:.1f} s: total "
              f"{scaled['rollup'] + scaled['index']:.1f} s (target < 30 s): "
              f"{'met' if scaled['rollup'] + scaled['index'] < 30 else 'NOT met'}")
    print(f"  load average at end {os.getloadavg()[0]:.2f} (other work on the machine slows every figure)")


if __name__ == "__main__":
    main()
