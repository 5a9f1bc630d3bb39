"""`svmodel validate FILE...`: report every problem in every file; exit 1 if any."""

from __future__ import annotations

import argparse
import sys

from svmodel.commands._common import add_proxies_option, library_from_args, say
from svmodel.scenario import ScenarioError, load_scenario


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("validate", help="check scenario files without running them",
                                   description="Check scenario files; list every problem found.")
    parser.add_argument("files", nargs="+", help="scenario YAML files")
    add_proxies_option(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    library = library_from_args(args)
    failed = 0
    for name in args.files:
        try:
            scenario = load_scenario(name, library)
        except ScenarioError as exc:
            failed += 1
            for problem in exc.problems:
                say(f"error: {problem}", file=sys.stderr)
            continue
        say(f"ok: {name} ({len(scenario.lines)} outcomes, {len(scenario.model.inputs)} inputs)")
        for warning in scenario.warnings:
            say(f"warning: {name}: {warning}")
    if failed:
        say(f"{failed} of {len(args.files)} file(s) invalid", file=sys.stderr)
    return 1 if failed else 0
