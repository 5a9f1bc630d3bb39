"""`svmodel compare [--csv OUT.csv] [--json] FILE...`: headline figures of several scenarios side
by side. A file that cannot be run is listed on stderr and the others are compared (exit status
4, partial failure; 1 when none could be run)."""

from __future__ import annotations

import argparse
import sys

from svmodel.commands._common import (UsageError, add_json_option, add_proxies_option, batch_status,
                                      library_from_args, print_json, say)
from svmodel.errors import ScenarioError
from svmodel.util.formatting import money, months, ratio
from svmodel.util.safety import csv_text


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("compare", help="compare the headline figures of scenarios",
                                   description="Run several scenarios and compare them in one table.")
    parser.add_argument("files", nargs="+", help="scenario YAML files")
    parser.add_argument("--csv", metavar="OUT.csv", help="also write the table as CSV")
    add_json_option(parser, "the headline figures of each scenario, and the files that failed")
    add_proxies_option(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    import pandas as pd

    from svmodel.results import calculate
    from svmodel.scenario import load_scenario

    library = library_from_args(args)
    rows, failed = [], []
    for name in args.files:
        try:
            results = calculate(load_scenario(name, library))
        except ScenarioError as exc:
            failed.append({"file": name, "problems": [str(p) for p in exc.problems]})
            for problem in exc.problems:
                say(f"error: {problem}", file=sys.stderr)
            continue
        model = results.scenario.model
        rows.append({"file": name, "scenario": model.name, "organisation": model.organisation,
                     "outcomes": len(model.outcomes), **results.headline()})
    if rows:
        table = pd.DataFrame(rows).drop(columns="file")
        if args.csv:
            from svmodel.util.atomic import write_text_atomic
            try:
                write_text_atomic(args.csv, csv_text(table))
            except OSError as exc:
                raise UsageError(f"--csv {args.csv}: cannot write: {exc.strerror or exc}") from None
        shown = table.assign(
            total_present_value=table.total_present_value.map(money),
            total_inputs=table.total_inputs.map(money),
            net_present_value=table.net_present_value.map(money),
            sroi_ratio=table.sroi_ratio.map(ratio),
            net_sroi_ratio=table.net_sroi_ratio.map(ratio),
            payback_months=table.payback_months.map(months),
        ).rename(columns={"total_present_value": "present value", "total_inputs": "inputs",
                          "net_present_value": "NPV", "sroi_ratio": "SROI ratio",
                          "net_sroi_ratio": "net ratio", "payback_months": "payback"})
        if not args.json:
            say(shown.to_string(index=False))
    if args.json:
        print_json({"scenarios": rows, "failed": failed})
    if failed:
        say(f"{len(failed)} of {len(args.files)} file(s) could not be compared", file=sys.stderr)
    return batch_status(len(rows), len(failed))
