"""`svmodel import IN.xlsx --out FILE.yaml`: read a Value Map workbook into a scenario file.

The workbook is one `svmodel export` wrote (perhaps edited since) or the exported template
filled in by hand. The scenario is validated before anything is written; errors name the
sheet, the cell and the problem (see docs/excel.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from svmodel.commands._common import (UsageError, add_json_option, add_proxies_option,
                                      library_from_args, print_json, say)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import", help="read a Value Map workbook (.xlsx) into a scenario file",
        description="Read a Value Map workbook in svmodel's layout (from `svmodel export`, "
                    "edited or filled in by hand) into a validated scenario YAML file.")
    parser.add_argument("workbook", help="the .xlsx workbook to read")
    parser.add_argument("--out", metavar="FILE.yaml", required=True, help="scenario file to write")
    add_json_option(parser, "the scenario file written and the workbook's warnings")
    add_proxies_option(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from svmodel.excel.reader import import_workbook  # openpyxl only when importing
    from svmodel.scenario import dump_scenario

    out = Path(args.out)
    if out.suffix.lower() not in (".yaml", ".yml"):
        raise UsageError(f"--out {args.out}: the scenario file name must end in .yaml or .yml")
    scenario, imported = import_workbook(args.workbook, library_from_args(args),
                                         base_dir=out.parent.resolve())
    try:
        dump_scenario(imported.data, out, header=f"# Imported from {Path(args.workbook).name} "
                                                 "by `svmodel import`")
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    for warning in imported.warnings:
        say(f"warning: {args.workbook}: {warning}", file=sys.stderr)
    if args.json:
        print_json({"written": out, "outcomes": len(scenario.lines), "inputs": len(scenario.model.inputs),
                    "warnings": list(imported.warnings)})
        return 0
    say(f"wrote {out} ({len(scenario.lines)} outcomes, {len(scenario.model.inputs)} inputs)")
    return 0
