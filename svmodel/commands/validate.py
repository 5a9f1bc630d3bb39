"""`svmodel validate [--json] FILE...`: report every problem in every file; exit 1 if any.

Validation is the whole job, so an invalid file is invalid input (exit status 1) even when
other files are valid; `--json` gives each file's verdict, counts, warnings and problems."""

from __future__ import annotations

import argparse
import sys

from svmodel.commands._common import (add_json_option, add_proxies_option, library_from_args,
                                      print_json, say)
from svmodel.errors import ExitCode, ScenarioError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("validate", help="check scenario files without running them",
                                   description="Check scenario files; list every problem found.")
    parser.add_argument("files", nargs="+", help="scenario YAML files")
    add_json_option(parser, "each file's verdict, warnings and problems")
    add_proxies_option(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from svmodel.scenario import load_scenario

    library = library_from_args(args)
    verdicts = []
    for name in args.files:
        try:
            scenario = load_scenario(name, library)
        except ScenarioError as exc:
            for problem in exc.problems:
                say(f"error: {problem}", file=sys.stderr)
            verdicts.append({"file": name, "valid": False, "warnings": [],
                             "problems": [{"file": p.file, "line": p.line, "path": p.path,
                                           "message": p.message} for p in exc.problems]})
            continue
        verdicts.append({"file": name, "valid": True, "name": scenario.model.name,
                         "outcomes": len(scenario.lines), "inputs": len(scenario.model.inputs),
                         "warnings": list(scenario.warnings), "problems": []})
        if not args.json:
            say(f"ok: {name} ({len(scenario.lines)} outcomes, {len(scenario.model.inputs)} inputs)")
            for warning in scenario.warnings:
                say(f"warning: {name}: {warning}")
    failed = sum(not v["valid"] for v in verdicts)
    if args.json:
        print_json({"files": verdicts, "valid": len(verdicts) - failed, "invalid": failed})
    if failed:
        say(f"{failed} of {len(args.files)} file(s) invalid", file=sys.stderr)
    return ExitCode.INVALID_INPUT if failed else ExitCode.OK
