"""The `svmodel` command in-process (`svmodel.cli.main`, as tests/test_cli.py's `run_cli` fixture
calls it) against the same command line in a subprocess (`python -m svmodel.cli`, as a user
and tests/test_cli_smoke.py run it), measured in the same run.

For each command line it reports the median of `--repeat` runs each way and the ratio
subprocess / in-process: the start-up (interpreter, imports, parser) that every subprocess test
pays and in-process tests pay once. Output goes to a throwaway folder; stdout is captured.

Usage: python benchmarks/bench_cli.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SCENARIO = ROOT / "params" / "examples" / "reablement_home_care.yaml"
EXAMPLES = sorted((ROOT / "params" / "examples").glob("*.yaml"))
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}

COMMANDS = [
    ["--version"],
    ["validate", *map(str, EXAMPLES), "--json"],
    ["run", str(SCENARIO), "--json"],
    ["compare", *map(str, EXAMPLES), "--json"],
    ["proxies", "--show", "hmt_wellby", "--year", "2024", "--json"],
    ["framework", "show", "knowsley", "--json"],
]


def in_process(argv: list[str]) -> float:
    from svmodel.cli import main

    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            code = main(argv)
        except SystemExit as exc:  # --version, as argparse does it
            code = exc.code or 0
    seconds = time.perf_counter() - start
    assert code == 0, (argv, code)
    return seconds


def in_subprocess(argv: list[str], cwd: str) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "svmodel.cli", *argv], cwd=cwd, env=ENV,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    assert done.returncode == 0, (argv, done.stderr)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    in_process(["--version"])  # imports once, as a pytest session does
    print(f"{'command':<44} {'in-process':>11} {'subprocess':>11} {'ratio':>7}")
    with tempfile.TemporaryDirectory() as cwd:
        for argv in COMMANDS:
            inside = statistics.median(in_process(argv) for _ in range(args.repeat))
            outside = statistics.median(in_subprocess(argv, cwd) for _ in range(args.repeat))
            files = sum(a.startswith("/") for a in argv)
            name = " ".join([argv[0]] + ([f"({files} file{'s' * (files > 1)})"] if files else [])
                            + [a for a in argv[1:] if not a.startswith("/")])
            print(f"{name:<44} {inside * 1000:>9.0f}ms {outside * 1000:>9.0f}ms {outside / inside:>6.0f}x")


if __name__ == "__main__":
    main()
