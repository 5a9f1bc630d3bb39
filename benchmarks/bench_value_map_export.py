"""Speed of writing the Value Map workbook (`svmodel export`), issue 15's 100-year grid.

Times, medians over repeated runs in this process, `svmodel.excel.writer.export_workbook` for a
scenario of N outcome lines (the test library's proxies), against a baseline measured in the
same run: openpyxl writing the same number of cells as plain numbers (N lines x the grid's
years, plus the Value Map's columns) into one sheet and saving, which is the floor any
workbook of that size costs. Also reports the file size.

Run: .venv/bin/python benchmarks/bench_value_map_export.py [--lines 100 1000] [--repeat N]
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
sys.path.insert(0, str(ROOT / "benchmarks"))

from openpyxl import Workbook  # noqa: E402

from bench_xlsx_read import scenario_data  # noqa: E402
from svmodel.excel import layout as L  # noqa: E402
from svmodel.excel.writer import export_workbook  # noqa: E402
from svmodel.library.proxies import load_library  # noqa: E402
from svmodel.scenario import validate_data  # noqa: E402


def median_s(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def plain_cells(path: Path, rows: int, columns: int) -> None:
    book = Workbook()
    sheet = book.active
    for row in range(1, rows + 1):
        for column in range(1, columns + 1):
            sheet.cell(row=row, column=column, value=row * column)
    book.save(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    library = load_library(ROOT / "tests" / "fixtures" / "library")
    columns = L.GRID_YEARS + len(L.VALUE_MAP_COLUMNS)
    print(f"Value Map export, year grid {L.GRID_YEARS} years, medians of {args.repeat} runs")
    with tempfile.TemporaryDirectory(prefix="svm-bench-vm-") as temp:
        folder = Path(temp)
        for lines in args.lines:
            scenario = validate_data(scenario_data(lines), library)
            ours = median_s(lambda: export_workbook(scenario, folder / "vm.xlsx"), args.repeat)
            base = median_s(lambda: plain_cells(folder / "plain.xlsx", lines, columns), args.repeat)
            size = (folder / "vm.xlsx").stat().st_size
            print(f"  {lines:>5} lines: export_workbook {ours:7.2f} s ({size / 1e6:5.1f} MB); "
                  f"baseline {lines} x {columns} plain cells {base:6.2f} s; ratio {ours / base:5.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
