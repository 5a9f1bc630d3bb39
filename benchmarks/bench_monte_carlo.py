"""Monte Carlo speed: svmodel.uncertainty.monte_carlo against a per-draw engine loop.

Builds a 30-line, 10-year scenario with four uncertain parameters per line (quantity,
value, deadweight, drop-off) plus the discount rate and the inputs, then times, in the same
run:

- fast: `monte_carlo(scenario, draws)` - sampling and evaluation of all draws at once;
- baseline: the same sampling, then a Python loop calling `svmodel.engine.compute` once per
  draw (on --baseline-draws draws, scaled linearly to `draws`).

Both are checked to give the same present values on the baseline draws. Prints the median
of --repeat runs of each and the ratio baseline / fast.

Issue 16 adds, in the same run:

- qmc: `monte_carlo(..., method="qmc")` (scrambled Sobol' points) on the same scenario;
- precision: the draws each method needs to pin P5, P50 and P95 of the SROI ratio to within
  --tolerance (default 0.5%) of a reference (quasi-Monte Carlo with --reference-draws draws),
  in --replicates independent runs (different seeds or scrambles) out of which at least 90%
  must be within tolerance at every one of the three percentiles; draws are tried in powers of
  2 from 1,024.

    python benchmarks/bench_monte_carlo.py [--draws 100000] [--baseline-draws 2000] [--repeat 5]
        [--tolerance 0.005] [--replicates 10] [--reference-draws 1048576] [--no-precision]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace

import numpy as np

from svmodel.engine import LineArrays, compute
from svmodel.scenario import Scenario, validate_data
from svmodel.uncertainty import ModelArrays, monte_carlo
from svmodel.uncertainty.problem import build_problem, sample


def build_scenario(lines: int = 30, years: int = 10, rate: float | str = 0.035) -> Scenario:
    rng = np.random.default_rng(2024)
    outcomes, uncertainty = [], {}
    for i in range(lines):
        oid = f"line_{i:02d}"
        quantity = float(rng.integers(5, 200))
        value = float(rng.integers(100, 5000))
        deadweight = round(float(rng.uniform(0.1, 0.5)), 2)
        drop_off = round(float(rng.uniform(0.0, 0.3)), 2)
        outcomes.append({
            "id": oid, "stakeholder": "Residents", "outcome": f"Outcome {i}", "quantity": quantity,
            "value": {"amount": value, "price_year": 2024, "source": "benchmark"},
            "deadweight": deadweight, "attribution": 0.2, "drop_off": drop_off,
            "duration": years, "start_year": 1,
        })
        uncertainty[f"{oid}.quantity"] = {"dist": "triangular", "low": quantity * 0.7,
                                          "mode": quantity, "high": quantity * 1.2}
        uncertainty[f"{oid}.value"] = {"dist": "pert", "low": value * 0.75, "mode": value,
                                       "high": value * 1.25}
        uncertainty[f"{oid}.deadweight"] = {"dist": "uniform", "low": deadweight - 0.1,
                                            "high": deadweight + 0.1}
        uncertainty[f"{oid}.drop_off"] = {"dist": "normal", "mean": drop_off, "sd": 0.05}
    uncertainty["discount_rate"] = {"dist": "triangular", "low": 0.015, "mode": 0.035, "high": 0.05}
    uncertainty["inputs"] = {"dist": "lognormal", "mean": 1.0, "sd": 0.1}
    data = {"svmodel": 1, "name": "Monte Carlo benchmark", "price_year": 2024,
            "discounting": {"rate": rate},
            "inputs": [{"stakeholder": "Council", "amount": 2_000_000, "year": 0}],
            "outcomes": outcomes, "uncertainty": uncertainty}
    return validate_data(data)


def loop_baseline(scenario: Scenario, draws: int, seed: int) -> np.ndarray:
    """Sample as monte_carlo does, then one engine.compute call per draw (present values)."""
    arrays = ModelArrays.from_scenario(scenario)
    samples = sample(build_problem(scenario, arrays=arrays), draws, seed).values
    base = LineArrays.from_lines(scenario.lines)
    model = scenario.model
    amounts = np.array([i.amount for i in model.inputs])
    years = [i.year for i in model.inputs]
    out = np.empty(draws)
    for d in range(draws):
        fields = {name: getattr(base, name).copy() for name in
                  ("quantity", "unit_value", "deadweight", "displacement", "attribution",
                   "drop_off", "duration")}
        rate, scale = model.discounting.rate, 1.0
        for (line, parameter), values in samples.items():
            if line is None:
                if parameter == "discount_rate":
                    rate = float(values[d])
                else:
                    scale = float(values[d])
            elif parameter == "value":
                fields["unit_value"][line] = values[d] * arrays.rebase[line]
            else:
                fields[parameter][line] = values[d]
        result = compute(replace(base, **fields), amounts * scale, years, rate,
                         model.discounting.first_year_discounted)
        out[d] = result.total_present_value
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=100_000)
    parser.add_argument("--baseline-draws", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--lines", type=int, default=30)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    parser.add_argument("--tolerance", type=float, default=0.005)
    parser.add_argument("--replicates", type=int, default=10)
    parser.add_argument("--reference-draws", type=int, default=1 << 20)
    parser.add_argument("--no-precision", action="store_true", help="skip the draws-needed study")
    args = parser.parse_args(argv)

    scenario = build_scenario(args.lines, args.years)
    seed = 12345
    # Same draws, same answers: the fast path against the loop on the baseline's draws.
    check = monte_carlo(scenario, args.baseline_draws, seed)
    reference = loop_baseline(scenario, args.baseline_draws, seed)
    worst = float(np.max(np.abs(check.present_value / reference - 1)))
    if worst > 1e-9:
        print(f"MISMATCH: fast and loop present values differ by {worst:.2e}", file=sys.stderr)
        return 1

    fast, slow, quasi, cpu = [], [], [], []
    for _ in range(args.repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        monte_carlo(scenario, args.draws, seed)
        fast.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        start = time.perf_counter()
        monte_carlo(scenario, args.draws, seed, method="qmc")
        quasi.append(time.perf_counter() - start)
        start = time.perf_counter()
        loop_baseline(scenario, args.baseline_draws, seed)
        slow.append((time.perf_counter() - start) * args.draws / args.baseline_draws)
    fast_median, slow_median = statistics.median(fast), statistics.median(slow)
    qmc_median = statistics.median(quasi)
    cpu_median = statistics.median(cpu)
    print(f"scenario: {args.lines} lines x {args.years} years, "
          f"{len(scenario.model.uncertainty)} uncertain parameters; {args.repeat} repeats")
    print(f"vectorised monte_carlo, {args.draws:,} draws:           median {fast_median:.3f} s")
    print(f"engine.compute loop, {args.baseline_draws:,} draws scaled to {args.draws:,}: "
          f"median {slow_median:.3f} s")
    print(f"vectorised monte_carlo, random, CPU time (all threads):  median {cpu_median:.3f} s")
    print(f"vectorised monte_carlo, method qmc, {args.draws:,} draws: median {qmc_median:.3f} s")
    print(f"speed-up (loop / vectorised): {slow_median / fast_median:,.0f}x (random), "
          f"{slow_median / qmc_median:,.0f}x (qmc); max relative difference on shared draws {worst:.1e}")
    needed: dict[str, int | None] = {}
    timed: dict[str, float] = {}
    if not args.no_precision:
        needed = draws_needed(scenario, args.tolerance, args.replicates, args.reference_draws)
        for method, n in needed.items():
            shown = f"{n:,}" if n else f"more than {MAX_STUDY:,}"
            took = ""
            if n:
                runs = []
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    monte_carlo(scenario, n, seed, method=method)
                    runs.append(time.perf_counter() - start)
                timed[method] = statistics.median(runs)
                took = f", median {timed[method]:.3f} s for those draws"
            print(f"draws to pin P5, P50 and P95 of the ratio within {args.tolerance:.1%} "
                  f"({args.replicates} replicates, 90% within): {method}: {shown}{took}")
    if args.json:
        print(json.dumps({"draws": args.draws, "baseline_draws": args.baseline_draws,
                          "fast_median_s": fast_median, "qmc_median_s": qmc_median,
                          "loop_median_scaled_s": slow_median,
                          "ratio": slow_median / fast_median, "max_rel_diff": worst,
                          "cpu_median_s": cpu_median, "draws_needed": needed,
                          "time_at_draws_needed_s": timed, "tolerance": args.tolerance}))
    return 0


MAX_STUDY = 1 << 18


def draws_needed(scenario: Scenario, tolerance: float, replicates: int,
                 reference_draws: int) -> dict[str, int | None]:
    """The smallest power-of-2 number of draws at which at least 90% of `replicates` runs put
    each of P5, P50 and P95 of the SROI ratio within `tolerance` of the reference."""
    reference = np.percentile(monte_carlo(scenario, reference_draws, 99, method="qmc").sroi_ratio,
                              [5, 50, 95])
    out: dict[str, int | None] = {}
    for method in ("random", "qmc"):
        out[method] = None
        n = 1 << 10
        while n <= MAX_STUDY:
            within = 0
            for r in range(replicates):
                found = np.percentile(monte_carlo(scenario, n, 1000 + r, method=method).sroi_ratio,
                                      [5, 50, 95])
                within += bool(np.all(np.abs(found / reference - 1) <= tolerance))
            if within >= 0.9 * replicates:
                out[method] = n
                break
            n <<= 1
    return out


if __name__ == "__main__":
    sys.exit(main())
