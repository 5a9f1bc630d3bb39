"""Batch report speed: `svmodel report` against a plain loop of papermill + nbconvert commands.

Generates N variants of an example scenario (different quantities), then times, in the same
run and alternating order:
  (a) baseline: per scenario, `papermill sroi_report.ipynb ...` then
      `jupyter nbconvert --to html --no-input` (a cold kernel and two command start-ups each);
  (b) `svmodel report FILES --out DIR --force` with default settings (one warm kernel per
      core, in-process HTML export), producing the same report content.
Prints the median wall time of each and the ratio (a)/(b). Target: >= 3x on 2 cores.

Usage: python benchmarks/bench_batch.py [--scenarios 20] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "sroi_report.ipynb"
EXAMPLE = ROOT / "params" / "examples" / "reablement_home_care.yaml"
DRAWS, SEED = 2000, 20250401  # svmodel report's defaults


def make_variants(folder: Path, count: int) -> list[Path]:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    files = []
    for i in range(count):
        variant = dict(data, name=f"{data['name']} (variant {i + 1})")
        variant["outcomes"] = [dict(o, quantity=o["quantity"] * (0.6 + 0.04 * i)) for o in data["outcomes"]]
        path = folder / f"variant_{i + 1:02d}.yaml"
        path.write_text(yaml.safe_dump(variant, sort_keys=False), encoding="utf-8")
        files.append(path)
    return files


def baseline(files: list[Path], out: Path) -> float:
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for path in files:
        executed = out / f"{path.stem}.ipynb"
        subprocess.run([str(BIN / "papermill"), str(NOTEBOOK), str(executed), "--no-progress-bar",
                        "-k", "python3", "-p", "scenario", str(path), "-p", "draws", str(DRAWS),
                        "-p", "seed", str(SEED), "-p", "results_path", str(out / f"{path.stem}.results.json")],
                       check=True, capture_output=True)
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
                       check=True, capture_output=True)
    return time.perf_counter() - started


def svmodel_report(files: list[Path], out: Path) -> float:
    started = time.perf_counter()
    subprocess.run([str(BIN / "svmodel"), "report", *map(str, files), "--out", str(out), "--force",
                    "--no-progress", "--no-portfolio", "--draws", str(DRAWS), "--seed", str(SEED)],
                   check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    with tempfile.TemporaryDirectory(prefix="svmodel-bench-") as tmp:
        folder = Path(tmp)
        files = make_variants(folder, args.scenarios)
        times: dict[str, list[float]] = {"baseline": [], "svmodel": []}
        for repeat in range(args.repeats):
            order = ("baseline", "svmodel") if repeat % 2 == 0 else ("svmodel", "baseline")
            for which in order:
                out = folder / f"{which}-{repeat}"
                seconds = baseline(files, out) if which == "baseline" else svmodel_report(files, out)
                times[which].append(seconds)
                print(f"  repeat {repeat + 1} {which:>8}: {seconds:7.2f} s", flush=True)
        # Same content: both wrote one results file and one HTML page per scenario.
        for which in times:
            out = folder / f"{which}-0"
            assert len(list(out.glob("*.results.json"))) == len(files), which
            assert len([p for p in out.glob("variant*.html")]) == len(files), which
    base, ours = statistics.median(times["baseline"]), statistics.median(times["svmodel"])
    print(f"bench_batch: {args.scenarios} scenarios, {args.repeats} repeats, {cores} cores, {DRAWS} draws")
    print(f"  (a) papermill + nbconvert loop  median {base:7.2f} s  ({base / args.scenarios:.2f} s/report)")
    print(f"  (b) svmodel report              median {ours:7.2f} s  ({ours / args.scenarios:.2f} s/report)")
    print(f"  ratio (a)/(b): {base / ours:.2f}x (target >= 3x)")


if __name__ == "__main__":
    main()
