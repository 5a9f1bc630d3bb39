"""Where one report's time goes, end to end, on a warm kernel as the batch runs it.

Spans (time.perf_counter, median over --repeats reports after one warm-up report):
  imports        a fresh interpreter importing what a worker and its kernel import
  kernel_start   starting a kernel and waiting until it answers
  per report:    kernel reset, each notebook cell (papermill's own per-cell durations, which
                 include the kernel round trip), nbconvert export, notebook serialisation,
                 file writes (atomic, fsynced), and the whole job as the worker runs it
  in-process:    the same report's pieces without a kernel: load + validate, evaluate,
                 one-way, switching values, Monte Carlo, and each chart as it is rendered.

Usage: python benchmarks/profile_report.py [--repeats 5] [--draws 2000] [--engine inprocess|kernel]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
EXAMPLE = ROOT / "params" / "examples" / "reablement_home_care.yaml"
SEED = 20250401


def _import_time(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    return float(out.stdout.strip().splitlines()[-1])


def in_process(draws: int, repeats: int) -> dict[str, list[float]]:
    """The report's computing and chart rendering, without a kernel."""
    from svmodel import uncertainty
    from svmodel.library.proxies import default_library
    from svmodel.report import sroi
    from svmodel.results import calculate
    from svmodel.scenario import load_scenario

    spans: dict[str, list[float]] = defaultdict(list)
    for i in range(repeats + 1):
        t = time.perf_counter()
        scenario = load_scenario(EXAMPLE, default_library())
        t1 = time.perf_counter()
        results = calculate(scenario)
        t2 = time.perf_counter()
        one_way = uncertainty.one_way(scenario)
        t3 = time.perf_counter()
        switching = uncertainty.switching_values(scenario, target_ratio=1.0)
        t4 = time.perf_counter()
        mc = uncertainty.monte_carlo(scenario, draws, SEED) if draws else None
        t5 = time.perf_counter()
        report = sroi.SroiReport(scenario=scenario, results=results, draws=draws, seed=SEED,
                                 one_way=one_way, switching=switching, monte_carlo=mc, run_date="x")
        if i == 0:
            continue  # warm-up
        for name, value in (("load+validate", t1 - t), ("evaluate", t2 - t1), ("one_way", t3 - t2),
                            ("switching_values", t4 - t3), ("monte_carlo", t5 - t4)):
            spans[name].append(value)
        for section in ("title", "headline", "impact_map", "value_by_year", "breakdowns",
                        "sensitivity", "switching_values", "monte_carlo_section", "sources",
                        "warnings", "provenance"):
            t = time.perf_counter()
            getattr(report, section)()
            spans[f"section {section}"].append(time.perf_counter() - t)
        t = time.perf_counter()
        report.to_dict()
        spans["results to_dict"].append(time.perf_counter() - t)
    return spans


def on_kernel(draws: int, repeats: int, engine: str) -> tuple[float, dict[str, list[float]]]:
    """Reports run as a worker runs them, with spans around each step."""
    import nbformat

    from svmodel.util.atomic import write_bytes_atomic
    from svmodel.batch import kernel as kernel_mod
    from svmodel.batch import shell as shell_mod
    from svmodel.report.html import notebook_to_html

    warm = shell_mod.ShellKernel() if engine == "inprocess" else kernel_mod.WarmKernel()
    t = time.perf_counter()
    warm.start()
    kernel_start = time.perf_counter() - t
    spans: dict[str, list[float]] = defaultdict(list)
    notebook = ROOT / "notebooks" / "sroi_report.ipynb"
    try:
        with tempfile.TemporaryDirectory(prefix="svmodel-profile-") as tmp:
            for i in range(repeats + 1):
                folder = Path(tmp) / str(i)
                folder.mkdir()
                job = time.perf_counter()
                nb = warm.run(notebook, folder / "r.ipynb",
                              {"scenario": str(EXAMPLE), "draws": draws, "seed": SEED,
                               "results_path": str(folder / "r.results.json"), "proxy_packs": []},
                              cwd=str(folder), batch_id="profile")
                t1 = time.perf_counter()
                html = notebook_to_html(nb, "profile")
                t2 = time.perf_counter()
                text = nbformat.writes(nb)
                t3 = time.perf_counter()
                for name, data in (("r.html", html.encode()), ("r.ipynb", text.encode())):
                    write_bytes_atomic(Path(tmp) / "out" / name, data)
                t4 = time.perf_counter()
                if i == 0:
                    continue
                spans["papermill execute (reset + cells + save)"].append(t1 - job)
                for index, cell in enumerate(nb.cells):
                    duration = cell.metadata.get("papermill", {}).get("duration")
                    if duration is not None:
                        first = cell.source.strip().splitlines()[-1][:40] if cell.source else ""
                        spans[f"  cell {index:2d} {first}"].append(duration)
                spans["nbconvert HTML export"].append(t2 - t1)
                spans["nbformat.writes"].append(t3 - t2)
                spans["atomic writes (2 files)"].append(t4 - t3)
                spans["job total"].append(t4 - job)
    finally:
        warm.shutdown()
    return kernel_start, spans


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--draws", type=int, default=2000)
    parser.add_argument("--engine", choices=("inprocess", "kernel"), default="inprocess",
                        help="the batch's in-process shell (default) or a Jupyter kernel")
    args = parser.parse_args()
    print(f"profile_report: {EXAMPLE.name}, {args.draws} draws, median of {args.repeats} reports")
    imports = {
        "import svmodel.report.sroi (kernel side)": _import_time("import svmodel.report.sroi"),
        "import nbconvert exporters + papermill (worker side)":
            _import_time("import nbconvert.exporters, papermill, svmodel.batch.worker"),
    }
    for name, value in imports.items():
        print(f"  {name:58s} {value * 1000:8.1f} ms  (once per worker)")
    kernel_start, spans = on_kernel(args.draws, args.repeats, args.engine)
    print(f"  engine: {args.engine}")
    print(f"  {'kernel start (until it answers)':58s} {kernel_start * 1000:8.1f} ms  (once per worker)")
    for name, values in spans.items():
        print(f"  {name:58s} {statistics.median(values) * 1000:8.1f} ms")
    print("  in-process, no kernel:")
    for name, values in in_process(args.draws, args.repeats).items():
        print(f"    {name:56s} {statistics.median(values) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
