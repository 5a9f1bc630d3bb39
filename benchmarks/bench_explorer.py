"""Speed of the scenario explorer's update after a control changes (issue 6).

Times, for a 30-line scenario, medians over repeated runs in this process:
  1. the state-to-result function (`state_results`) alone;
  2. the full widget update for the numbers (read controls, evaluate, headline, changes, lines);
  3. the full widget update with the three charts (value by year, by stakeholder, by value type);
  4. the Monte Carlo band alone (2,000 re-centred draws of the `uncertainty:` section through the
     typed arrays, P5-P95 of the ratio; issue 15) and the widget update without it;
and, as the baseline measured in the same run, a fresh `load_scenario` + `evaluate` from the file.
Targets (issue 6): under 20 ms for the numbers, under 250 ms including charts. The state-to-result
function validates the variant as a file (issue 11), so it costs about a millisecond per line.

Run: .venv/bin/python benchmarks/bench_explorer.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

os.environ.setdefault("MPLBACKEND", "Agg")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from svmodel.explorer.band import DRAWS, MonteCarloBand  # noqa: E402
from svmodel.explorer.state import state_results, state_from_scenario, variant_scenario  # noqa: E402
from svmodel.library.proxies import load_library  # noqa: E402
from svmodel.results import calculate  # noqa: E402
from svmodel.scenario import dump_scenario, load_scenario  # noqa: E402

LINES = 30
TARGET_NUMBERS_MS = 20.0
TARGET_CHARTS_MS = 250.0
PROXIES = ("test_thousand", "test_care_week", "test_benefit")
STAKEHOLDERS = ("Older people", "Carers", "Knowsley Council", "NHS", "DWP")


def scenario_data(lines: int = LINES) -> dict:
    """A forecast with `lines` outcome lines over the test library's three proxies."""
    outcomes = [{
        "id": f"line_{i:02d}", "stakeholder": STAKEHOLDERS[i % len(STAKEHOLDERS)],
        "outcome": f"Outcome {i}", "quantity": 10 + 3 * i,
        # the first 15 lines use the library's proxies (one per stakeholder and proxy, so no two
        # lines value the same change: the overlap check), the rest inline values
        **({"proxy": PROXIES[i % len(PROXIES)]} if i < 15 else
           {"value": {"amount": 100 * (i + 1), "price_year": 2024, "source": "Benchmark inline value"}}),
        "deadweight": round(0.05 + 0.01 * (i % 30), 2), "displacement": 0.05 * (i % 3),
        "attribution": round(0.1 + 0.02 * (i % 10), 2), "drop_off": 0.1 * (i % 4),
        "duration": 1 + i % 5, "start_year": 1 + i % 2,
    } for i in range(lines)]
    return {"svmodel": 1, "name": f"Benchmark, {lines} lines", "price_year": 2024,
            "discounting": {"rate": 0.035, "first_year_discounted": True},
            "inputs": [{"stakeholder": "Council", "amount": 400000, "year": 0},
                       {"stakeholder": "Council", "amount": 100000, "year": 1}],
            "outcomes": outcomes,
            # every third line: an uncertain deadweight and quantity (the band's draws)
            "uncertainty": {k: v for i in range(0, lines, 3) for k, v in (
                (f"line_{i:02d}.deadweight", {"dist": "uniform", "low": max(0.0, round(0.05 + 0.01 * (i % 30) - 0.05, 2)),
                                              "high": round(0.05 + 0.01 * (i % 30) + 0.05, 2)}),
                (f"line_{i:02d}.quantity", {"dist": "triangular", "low": 0.8 * (10 + 3 * i),
                                            "mode": 10 + 3 * i, "high": 1.2 * (10 + 3 * i)}))}}


def median_ms(fn: Callable[[int], object], repeat: int, warmup: int = 3) -> float:
    for i in range(warmup):
        fn(i)
    times = []
    for i in range(repeat):
        started = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=60, help="timed runs per measurement (default 60)")
    args = parser.parse_args()
    library = load_library(ROOT / "tests" / "fixtures" / "library")
    with tempfile.TemporaryDirectory() as folder:
        path = dump_scenario(scenario_data(), Path(folder) / "bench.yaml")
        scenario = load_scenario(path, library)
        base = state_from_scenario(scenario)
        states = [base.with_line("line_07", deadweight=(i % 90) / 100) for i in range(100)]

        baseline = median_ms(lambda i: calculate(load_scenario(path, library)), args.repeat)
        state_fn = median_ms(lambda i: state_results(scenario, states[i % 100]), args.repeat * 5)
        band = MonteCarloBand(scenario)
        variants = [variant_scenario(scenario, s) for s in states]
        band_fn = median_ms(lambda i: band.ratio_band(variants[i % 100]), args.repeat * 2)

        from svmodel.explorer.widgets import ScenarioExplorer  # widgets only for the widget timings

        numbers = ScenarioExplorer(path, library=library, charts=False)
        slider = numbers.line_controls[7]["deadweight"]
        widget_numbers = median_ms(lambda i: setattr(slider, "value", float(i % 90)), args.repeat)
        no_band = ScenarioExplorer(path, library=library, charts=False, band=False)
        slider = no_band.line_controls[7]["deadweight"]
        widget_no_band = median_ms(lambda i: setattr(slider, "value", float(i % 90)), args.repeat)
        charts = ScenarioExplorer(path, library=library, charts=True)
        slider = charts.line_controls[7]["deadweight"]
        widget_charts = median_ms(lambda i: setattr(slider, "value", float(i % 90)),
                                  max(10, args.repeat // 3))
        logs = numbers.message_log + charts.message_log + no_band.message_log
        assert not [m for m in logs if "svx-error" in m[1]], "the explorer reported errors"

    print(f"scenario explorer, {LINES} outcome lines, medians (ms)")
    rows = [
        ("baseline: load_scenario + evaluate from file", baseline, None),
        ("state-to-result (state_results)", state_fn, TARGET_NUMBERS_MS),
        (f"Monte Carlo band ({DRAWS:,} draws)", band_fn, TARGET_NUMBERS_MS),
        ("widget update, numbers without the band", widget_no_band, TARGET_NUMBERS_MS),
        ("widget update, numbers + band", widget_numbers, TARGET_NUMBERS_MS),
        ("widget update, numbers + 3 charts", widget_charts, TARGET_CHARTS_MS),
    ]
    for label, ms, target in rows:
        verdict = "" if target is None else (f"  target < {target:.0f} ms: "
                                             + ("met" if ms < target else "MISSED"))
        print(f"  {label:<48} {ms:8.2f}   x{ms / baseline:6.3f} of baseline{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
