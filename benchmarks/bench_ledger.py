"""Ledger benchmark (issue 13): 10,000 returns x 29 measures loaded, every aggregate computed,
and the site for 500 partners written; each timed as the median of 3 runs, on a fresh SQLite
file each run.

Baselines measured in the same run, so the ratios travel between machines:
- load: the same rows written with the standard library's sqlite3 `executemany` into plain
  tables (no validation, no valuation, no ORM): the floor for storing them at all;
- aggregates: the same group-by done in pandas on the lines already in memory;
- site: writing the same number of HTML files of the same total size with `write_text_atomic`.

    python benchmarks/bench_ledger.py [--returns 10000] [--partners 500] [--runs 3]

Targets from the issue: load under 60 s, every aggregate under 1 s, site under 60 s.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--returns", type=int, default=10_000)
    parser.add_argument("--partners", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("MPLBACKEND", "Agg")
    config = PartnershipConfig()
    results: dict[str, list[float]] = {}
    add = lambda name, seconds: results.setdefault(name, []).append(seconds)  # noqa: E731
    with tempfile.TemporaryDirectory(prefix="svmodel-bench-ledger-") as tmp:
        tmp_path = Path(tmp)
        files = tmp_path / "returns"
        files.mkdir()
        items = make_returns(files, args.returns, args.partners)
        print(f"{len(items)} returns x 29 measures from {args.partners} partners; {args.runs} runs; "
              f"{os.cpu_count()} cores visible", flush=True)
        for run in range(args.runs):
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
            print(f"run {run + 1}: load {results['load'][-1]:.1f} s, site {results['site'][-1]:.1f} s "
                  f"({len(written)} files)", flush=True)
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
