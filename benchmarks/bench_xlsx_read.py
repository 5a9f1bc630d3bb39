"""Speed of reading workbooks with svmodel's bounded reader (issue 12).

Times, medians over repeated runs in this process, for a Value Map of N outcome lines (the
test library's proxies, exported by `svmodel export`):
  1. `svmodel.util.xlsx.read_xlsx` plus every cell of the Value Map sheet (one pass, formulas
     and saved values together);
  2. `svmodel.excel.reader.import_workbook` (read, validate, resolve);
and, as the baseline measured in the same run, what the importer did before issue 12:
openpyxl `load_workbook` twice (formulas, then saved values). Also the time to reject a
workbook with one cell at XFD1048576 (which hung the old importer; not run for the baseline).

Run: .venv/bin/python benchmarks/bench_xlsx_read.py [--lines N] [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from openpyxl import load_workbook  # noqa: E402

from svmodel.excel.writer import export_workbook  # noqa: E402
from svmodel.excel.reader import import_workbook  # noqa: E402
from svmodel.library.proxies import load_library  # noqa: E402
from svmodel.scenario import validate_data  # noqa: E402
from svmodel.util.xlsx import read_xlsx  # noqa: E402

PROXIES = ("test_thousand", "test_care_week", "test_benefit")


def scenario_data(lines: int) -> dict:
    outcomes = [{"id": f"line_{i:04d}", "stakeholder": f"Group {i}", "outcome": f"Outcome {i}",
                 "quantity": 10 + i, "proxy": PROXIES[i % len(PROXIES)], "deadweight": 0.2,
                 "attribution": 0.1, "duration": 1 + i % 5} for i in range(lines)]
    return {"svmodel": 1, "name": f"Benchmark, {lines} lines", "price_year": 2024,
            "inputs": [{"stakeholder": "Council", "amount": 400000}], "outcomes": outcomes}


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    library = load_library(ROOT / "tests" / "fixtures" / "library")
    with tempfile.TemporaryDirectory(prefix="svm-bench-xlsx-") as temp:
        return run(library, Path(temp), args.lines, args.repeat)


def run(library, folder: Path, lines: int, repeat: int) -> int:
    path = export_workbook(validate_data(scenario_data(lines), library), folder / "vm.xlsx")

    def ours() -> None:
        sheet = read_xlsx(path)["Value Map"]
        for row in sheet.row_numbers():
            for column in sheet.columns_in(row):
                sheet.cell(row, column)

    def baseline() -> None:
        for data_only in (False, True):
            ws = load_workbook(path, data_only=data_only)["Value Map"]
            for row in ws.iter_rows():
                for cell in row:
                    cell.value  # noqa: B018

    far = folder / "far.xlsx"
    book = load_workbook(path)
    book["Value Map"]["XFD1048576"] = "far away"
    book.save(far)

    results = {
        "read_xlsx (one pass, formulas and values)": median_ms(ours, repeat),
        "import_workbook (read, validate, resolve)": median_ms(lambda: import_workbook(path, library),
                                                               repeat),
        "import_workbook, one cell at XFD1048576": median_ms(lambda: import_workbook(far, library),
                                                             repeat),
        "baseline: openpyxl load_workbook twice": median_ms(baseline, repeat),
    }
    base = results["baseline: openpyxl load_workbook twice"]
    print(f"Value Map of {lines} outcome lines ({path.stat().st_size:,} bytes), "
          f"median of {repeat} runs")
    for name, ms in results.items():
        print(f"  {name:<45} {ms:9.1f} ms   ratio to baseline {ms / base:5.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
