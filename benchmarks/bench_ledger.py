"""Ledger benchmark (issue 13): 10,000 returns x 29 measures loaded, every aggregate computed,
and the site for 500 partners written; each timed as the median of 3 runs, on a fresh SQLite
file each run.

Baselines measured in the same run, so the ratios travel between machines:
- load: the same rows written with the standard library's sqlite3 `executemany` into plain
  tables (no validation, no valuation, no ORM): the floor for storing them at all;
- aggregates: the same group-by done in pandas on the lines already in memory;
- site: writing the same number of HTML files of the same total size with `write_text_atomic`.

    python benchmarks/bench_ledger.py [--returns 10000] [--partners 500] [--runs 3]
    python benchmarks/bench_ledger.py --compare 763b3d4     # old code against this checkout

`--compare REV` also measures the svmodel package of git revision REV (extracted with
`git archive` into a temporary folder) in the same run: each run starts one process for the
old code and one for this checkout (alternating which goes first, so a change in the machine's
load falls on both), and the table gives both medians and the ratio old / new.

Targets from the issue: load under 60 s, every aggregate under 1 s, site under 60 s.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# `--code DIR` (used by --compare): import svmodel from DIR instead of this checkout
CODE = Path(sys.argv[sys.argv.index("--code") + 1]) if "--code" in sys.argv else REPO
sys.path.insert(0, str(CODE))

from svmodel.util.atomic import write_text_atomic  # noqa: E402
from svmodel.library.frameworks import load_framework  # noqa: E402
from svmodel.ledger import aggregates  # noqa: E402
from svmodel.ledger.config import PartnershipConfig  # noqa: E402
from svmodel.ledger.db import init_ledger  # noqa: E402
from svmodel.ledger.service import Submission, submit_many  # noqa: E402
from svmodel.ledger.site import publish  # noqa: E402

HEADER = ["Measure", "Quantity in the period", "Deadweight (0 to 1)", "Attribution (0 to 1)", "Evidence you hold"]
KINDS = ("delivered", "committed", "forecast", "donated")
SECTORS = ("public", "private", "social enterprise", "voluntary and community")


def make_returns(folder: Path, returns: int, partners: int) -> list[Submission]:
    """Return forms with all 29 measures: partner p, year y, kind k (unique series each)."""
    measures = list(load_framework("knowsley").measures)
    per_partner = returns // partners
    items = []
    for p in range(partners):
        for j in range(per_partner):
            year, kind = 2020 + j // len(KINDS[:3]), KINDS[:3][j % 3]  # delivered/committed/forecast
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(HEADER)
            for i, m in enumerate(measures):
                writer.writerow([m, (p * 7 + j * 3 + i) % 50 + 1, "0.2", "0.1", "records"])
            path = folder / f"p{p}_r{j}.csv"
            path.write_text(buffer.getvalue())
            items.append(Submission(path, f"Partner {p:04d}", f"{year}/{(year + 1) % 100:02d}", kind,
                                    SECTORS[p % 4]))
    return items


def timed(func, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return time.perf_counter() - start, result


def baseline_load(db: Path, items: list[Submission]) -> float:
    start = time.perf_counter()
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE r (id INTEGER PRIMARY KEY, org TEXT, period TEXT, kind TEXT)")
    con.execute("CREATE TABLE l (r INTEGER, measure TEXT, quantity REAL)")
    rows, lines = [], []
    for n, item in enumerate(items):
        rows.append((n, item.org, item.period, item.kind))
        with open(item.path, newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            lines += [(n, r[0], float(r[1])) for r in reader]
    con.executemany("INSERT INTO r VALUES (?, ?, ?, ?)", rows)
    con.executemany("INSERT INTO l VALUES (?, ?, ?)", lines)
    con.commit()
    con.close()
    return time.perf_counter() - start


def measure(returns: int, partners: int, runs: int, quiet: bool = False) -> dict[str, list[float]]:
    """Every timed step, `runs` times, with the svmodel on sys.path (see --code)."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    config = PartnershipConfig()
    results: dict[str, list[float]] = {}
    add = lambda name, seconds: results.setdefault(name, []).append(seconds)  # noqa: E731
    with tempfile.TemporaryDirectory(prefix="svmodel-bench-ledger-") as tmp:
        tmp_path = Path(tmp)
        files = tmp_path / "returns"
        files.mkdir()
        items = make_returns(files, returns, partners)
        if not quiet:
            print(f"{len(items)} returns x 29 measures from {partners} partners; {runs} runs; "
                  f"{os.cpu_count()} cores visible", flush=True)
        for run in range(runs):
            db = tmp_path / f"run{run}.db"
            ledger, _ = init_ledger(str(db))
            seconds, _ = timed(submit_many, ledger, items, config, "bench")
            add("load", seconds)
            add("load baseline (sqlite3 executemany)", baseline_load(tmp_path / f"base{run}.db", items))
            with ledger.session() as session:
                add("aggregate: summary", timed(aggregates.summary, session)[0])
                for dim in aggregates.DIMENSIONS:
                    add(f"aggregate: by {dim}", timed(aggregates.value_table, session, [dim])[0])
                add("aggregate: by outcome x financial year",
                    timed(aggregates.value_table, session, ["outcome", "financial_year"])[0])
                add("aggregate: committed vs delivered by partner",
                    timed(aggregates.committed_vs_delivered, session, "partner")[0])
                lines = aggregates.value_table(session, ["measure", "partner", "financial_year"])
            start = time.perf_counter()
            lines.groupby(["measure", "kind", "level"])["value"].sum()
            add("aggregate baseline (pandas groupby in memory)", time.perf_counter() - start)
            site = tmp_path / f"site{run}"
            seconds, written = timed(publish, ledger, site, config)
            add("site", seconds)
            sizes = [p.stat().st_size for p in written]
            text = "x" * (sum(sizes) // len(sizes))
            start = time.perf_counter()
            for i in range(len(written)):
                write_text_atomic(tmp_path / f"base_site{run}" / f"{i}.html", text)
            add("site baseline (write the same files)", time.perf_counter() - start)
            ledger.dispose()
            if not quiet:
                print(f"run {run + 1}: load {results['load'][-1]:.1f} s, site {results['site'][-1]:.1f} s "
                      f"({len(written)} files)", flush=True)
    return results


def report(results: dict[str, list[float]]) -> None:
    print()
    print(f"{'step':<48} {'median s':>10} {'runs':>24}")
    medians = {name: statistics.median(values) for name, values in results.items()}
    for name, values in results.items():
        print(f"{name:<48} {medians[name]:>10.3f} {', '.join(f'{v:.3f}' for v in values):>24}")
    print()
    print(f"load / baseline      {medians['load'] / medians['load baseline (sqlite3 executemany)']:.1f}x "
          f"(target: load under 60 s: {'met' if medians['load'] < 60 else 'NOT met'})")
    worst = max((v, k) for k, v in medians.items() if k.startswith("aggregate:"))
    print(f"slowest aggregate    {worst[1]} {worst[0]:.3f} s, "
          f"{worst[0] / medians['aggregate baseline (pandas groupby in memory)']:.1f}x the in-memory baseline "
          f"(target under 1 s: {'met' if worst[0] < 1 else 'NOT met'})")
    print(f"site / baseline      {medians['site'] / medians['site baseline (write the same files)']:.1f}x "
          f"(target: site under 60 s: {'met' if medians['site'] < 60 else 'NOT met'})")


def compare(revision: str, returns: int, partners: int, runs: int) -> int:
    """Old code (git revision) against this checkout, one process each per run."""
    with tempfile.TemporaryDirectory(prefix="svmodel-bench-old-") as tmp:
        archive = subprocess.run(["git", "-C", str(REPO), "archive", revision, "svmodel"],
                                 capture_output=True, check=False)
        if archive.returncode != 0:
            print(f"--compare {revision}: {archive.stderr.decode().strip()}", file=sys.stderr)
            return 2
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        codes = {"old": Path(tmp), "new": REPO}
        results: dict[str, dict[str, list[float]]] = {"old": {}, "new": {}}
        print(f"{returns} returns x 29 measures from {partners} partners; {runs} runs of old "
              f"({revision}) and new (this checkout); {os.cpu_count()} cores visible", flush=True)
        for run in range(runs):
            for which in (("old", "new") if run % 2 == 0 else ("new", "old")):
                done = subprocess.run([sys.executable, __file__, "--code", str(codes[which]), "--json",
                                       "--runs", "1", "--returns", str(returns), "--partners", str(partners)],
                                      capture_output=True, text=True, check=False)
                if done.returncode != 0:
                    print(done.stderr, file=sys.stderr)
                    return 1
                for name, values in json.loads(done.stdout.splitlines()[-1]).items():
                    results[which].setdefault(name, []).extend(values)
                print(f"run {run + 1} {which}: load {results[which]['load'][-1]:.1f} s, "
                      f"site {results[which]['site'][-1]:.1f} s", flush=True)
    old = {k: statistics.median(v) for k, v in results["old"].items()}
    new = {k: statistics.median(v) for k, v in results["new"].items()}
    print()
    print(f"{'step':<48} {'old median s':>12} {'new median s':>12} {'old / new':>10}")
    for name in new:
        print(f"{name:<48} {old.get(name, float('nan')):>12.3f} {new[name]:>12.3f} "
              f"{old.get(name, float('nan')) / new[name]:>9.2f}x")
    for label, medians in (("old", old), ("new", new)):
        worst = max((v, k) for k, v in medians.items() if k.startswith("aggregate:"))
        print(f"{label}: load {medians['load']:.1f} s ({'met' if medians['load'] < 60 else 'NOT met'}), "
              f"slowest aggregate {worst[1]} {worst[0]:.3f} s ({'met' if worst[0] < 1 else 'NOT met'}), "
              f"site {medians['site']:.1f} s ({'met' if medians['site'] < 60 else 'NOT met'}) "
              "against the targets 60 s / 1 s / 60 s")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--returns", type=int, default=10_000)
    parser.add_argument("--partners", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--compare", metavar="REV", help="also measure the svmodel of this git revision")
    parser.add_argument("--code", help=argparse.SUPPRESS)  # read before the imports (above)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # one object of timings
    args = parser.parse_args()
    if args.compare:
        return compare(args.compare, args.returns, args.partners, args.runs)
    results = measure(args.returns, args.partners, args.runs, quiet=args.json)
    if args.json:
        print(json.dumps(results))
    else:
        report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
