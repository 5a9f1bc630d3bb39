"""`svmodel export FILE --xlsx OUT.xlsx`: write a scenario as a Value Map workbook.

The workbook follows the Social Value UK Value Map (SROI Guide 2012, stages 1-5) with live
formulas for impact, each year's value, discounting, PV, NPV and the SROI ratio
(see docs/excel.md).
"""

from __future__ import annotations

import argparse

from svmodel.commands._common import (UsageError, add_json_option, add_proxies_option,
                                      library_from_args, print_json, say)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export", help="export a scenario as a Value Map workbook (.xlsx) with live formulas",
        description="Export a scenario as a Social Value UK Value Map workbook (.xlsx) whose "
                    "impact, yearly values, discounting, PV, NPV and SROI ratio are live "
                    "formulas. `svmodel import` reads the workbook back.")
    parser.add_argument("file", help="scenario YAML file")
    parser.add_argument("--xlsx", metavar="OUT.xlsx", required=True, help="workbook to write")
    add_json_option(parser, "the workbook written")
    add_proxies_option(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if not args.xlsx.lower().endswith(".xlsx"):
        raise UsageError(f"--xlsx {args.xlsx}: the workbook name must end in .xlsx")
    from svmodel.scenario import load_scenario

    scenario = load_scenario(args.file, library_from_args(args))
    from svmodel.excel.writer import export_workbook  # openpyxl only when exporting
    try:
        path = export_workbook(scenario, args.xlsx)
    except OSError as exc:
        raise UsageError(f"cannot write {args.xlsx}: {exc.strerror or exc}") from None
    if args.json:
        print_json({"written": path, "outcomes": len(scenario.lines), "inputs": len(scenario.model.inputs)})
        return 0
    say(f"wrote {path} ({len(scenario.lines)} outcomes, {len(scenario.model.inputs)} inputs)")
    return 0
