"""`svmodel sensitivity FILE [--draws N] [--seed S] [--json]`: tornado table, switching values
and a Monte Carlo summary (SROI Guide 2012 stage 5; Green Book 2022 5.71-5.80)."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from svmodel.commands._common import (UsageError, add_json_option, add_proxies_option, library_from_args,
                                      say, say_json)
from svmodel.util.formatting import money, percent, ratio
from svmodel.parameters import PARAMETERS


def _whole(text: str, name: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name} {text!r}: expected a whole number") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"{name} {text!r}: expected at least {minimum}")
    return value


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"target {text!r}: expected a number above 0") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"target {text!r}: expected a number above 0")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sensitivity", help="sensitivity analysis, switching values and Monte Carlo",
        description="One-way sensitivity (tornado table), switching values (the value of each "
                    "parameter at which the SROI ratio falls to 1) and, with --draws, a Monte "
                    "Carlo simulation over the scenario's uncertainty: section.")
    parser.add_argument("file", help="scenario YAML file")
    parser.add_argument("--draws", type=lambda t: _whole(t, "draws", 0), default=0, metavar="N",
                        help="Monte Carlo draws (0 = none; e.g. 10000)")
    parser.add_argument("--seed", type=lambda t: _whole(t, "seed", 0), default=None, metavar="S",
                        help="random seed, for reproducible draws (chosen and printed if omitted)")
    parser.add_argument("--target", type=_positive, default=1.0, metavar="RATIO",
                        help="target SROI ratio for switching values (default 1)")
    parser.add_argument("--default-distributions", action="store_true",
                        help="give each proxy value without a distribution a default one from "
                             "the proxy's confidence rating (labelled as defaults)")
    parser.add_argument("--method", choices=("random", "qmc"), default="random",
                        help="Monte Carlo sampling: random (PCG64) or qmc (scrambled Sobol' points, "
                             "which pin percentiles with fewer draws)")
    parser.add_argument("--sobol", nargs="?", const=1024, default=0, metavar="N",
                        type=lambda t: _whole(t, "sobol base sample", 8),
                        help="Sobol' indices (first-order and total) of the SROI ratio for every "
                             "uncertain parameter, with SALib; N is the base sample (default 1024, "
                             "N x (parameters + 2) model runs)")
    parser.add_argument("--top", type=lambda t: _whole(t, "top", 1), default=15, metavar="K",
                        help="rows of the tornado table to show (default 15)")
    add_json_option(parser, "the analysis (one-way, switching values, Monte Carlo, Sobol')")
    add_proxies_option(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from svmodel.scenario import load_scenario
    from svmodel.uncertainty import sensitivity_summary

    scenario = load_scenario(args.file, library_from_args(args))
    try:
        report = sensitivity_summary(scenario, draws=args.draws, seed=args.seed,
                                    target_ratio=args.target,
                                    default_from_confidence=args.default_distributions,
                                    method=args.method, sobol=args.sobol)
    except ValueError as exc:
        raise UsageError(f"{args.file}: {exc}") from None
    say_json(json.dumps(report, indent=2, ensure_ascii=False)) if args.json else say(readable(report, args.top))
    return 0


def _value(parameter: str, value: Any) -> str:
    if value is None:
        return "n/a"
    if parameter in PARAMETERS and PARAMETERS[parameter].percent_text:
        return percent(value, 1)
    if parameter == "value":
        return money(value, 2)
    if parameter == "inputs":
        return f"x{value:.3g}"
    return f"{value:,.4g}"


def _name(row: dict[str, Any]) -> str:
    return f"{row['line']}.{row['parameter']}" if row["line"] else row["parameter"]


def readable(report: dict[str, Any], top: int = 15) -> str:
    """The report as text: base figures, tornado table, switching values, Monte Carlo."""
    import pandas as pd

    base = report["base"]
    target = report["target_ratio"]
    out = [report["name"], "",
           f"  SROI ratio {ratio(base['sroi_ratio'])}; present value {money(base['total_present_value'])}; "
           f"inputs {money(base['total_inputs'])}", "",
           f"One-way sensitivity (tornado), top {min(top, len(report['one_way']))} by swing"]
    rows = report["one_way"][:top]
    table = pd.DataFrame({
        "parameter": [_name(r) for r in rows],
        "base": [_value(r["parameter"], r["base"]) for r in rows],
        "low": [_value(r["parameter"], r["low"]) for r in rows],
        "high": [_value(r["parameter"], r["high"]) for r in rows],
        "ratio at low": [f"{r['ratio_low']:.2f}" if r["ratio_low"] is not None else "n/a" for r in rows],
        "ratio at high": [f"{r['ratio_high']:.2f}" if r["ratio_high"] is not None else "n/a" for r in rows],
        "swing": [f"{r['swing']:.3f}" if r["swing"] is not None else "n/a" for r in rows],
        "range from": [r["source"] for r in rows],
    })
    out += [table.to_string(index=False), "", f"Switching values (SROI ratio = {target:g})"]
    rows = report["switching_values"]
    table = pd.DataFrame({
        "parameter": [_name(r) for r in rows],
        "base": [_value(r["parameter"], r["base"]) for r in rows],
        "switching value": [_value(r["parameter"], r["switching_value"]) if r["reachable"]
                            else "not reachable" for r in rows],
        "change": [f"{r['change_percent']:+.1f}%" if r["change_percent"] is not None else "" for r in rows],
        "note": [r["reason"] for r in rows],
    })
    width = max([len(r["reason"]) for r in rows] + [4])
    out.append(table.to_string(index=False, formatters={"note": lambda s: f"{s:<{width}}"}).rstrip())
    mc = report.get("monte_carlo")
    if mc:
        out += ["", f"Monte Carlo: {mc['draws']:,} draws, seed {mc['seed']}"]
        for key, text in mc["distributions"].items():
            out.append(f"  {key}: {text}")
        if mc.get("method") == "qmc":
            out.append("  sampled with scrambled Sobol' points (quasi-Monte Carlo)")
        for name, keys in (mc.get("shared") or {}).items():
            out.append(f"  shared draw {name} drives: {', '.join(keys)}")
        for pair in mc.get("correlations") or []:
            out.append(f"  rank correlation {pair['rank']:+.2f}: {' and '.join(pair['between'])}")
        if mc.get("warning"):
            out.append(f"  note: {mc['warning']}")
        stats = pd.DataFrame({
            metric: [fmt(mc[metric][k]) for k in ("mean", "sd", "p5", "p50", "p95")]
            for metric, fmt in (("present_value", money), ("net_present_value", money),
                                ("sroi_ratio", lambda v: f"{v:.3f}" if v is not None else "n/a"))
        }, index=["mean", "sd", "P5", "P50", "P95"])
        out += [stats.to_string(), "",
                f"  Probability the SROI ratio exceeds 1: {percent(mc['probability_ratio_above_1'], 1)}"]
        if mc["defaults_used"]:
            out.append(f"  Default distributions (from proxy confidence) for: {', '.join(mc['defaults_used'])}")
    if report.get("sobol") is not None:
        design = report["sobol_design"]
        out += ["", f"Sobol' indices of the SROI ratio: {design['draws']:,} model runs "
                    f"(base sample {design['base_samples']:,}), seed {design['seed']}"]
        rows = report["sobol"][:top]
        out.append(pd.DataFrame({
            "parameter": [r["parameter"] for r in rows],
            "first order": [f"{r['first_order']:.3f}" if r["first_order"] is not None else "n/a" for r in rows],
            "total": [f"{r['total']:.3f}" if r["total"] is not None else "n/a" for r in rows],
            "total +/-": [f"{r['total_conf']:.3f}" if r["total_conf"] is not None else "n/a" for r in rows],
        }).to_string(index=False))
        out += ["", "  " + report["sobol_sentence"]]
        if design.get("note"):
            out.append(f"  note: {design['note']}")
    return "\n".join(out)
