"""The `svmodel` command. Each subcommand lives in its own module under svmodel/commands/
and registers itself with `register(subparsers)`; this file only discovers and dispatches.

User errors (invalid scenario files, unknown proxies, unreadable files) are printed on stderr
without a traceback and exit with status 1; `--debug` shows tracebacks of internal errors.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from typing import Sequence

from svmodel import __version__, commands
from svmodel.commands._common import UserError
from svmodel.safety import terminal_text
from svmodel.scenario import ScenarioError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="svmodel",
        description="Social value (SROI) calculations with sourced financial proxies.",
    )
    parser.add_argument("--version", action="version", version=f"svmodel {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"svmodel.commands.{info.name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(f"error: {terminal_text(problem)}", file=sys.stderr)
        return 1
    except UserError as exc:
        print(f"error: {terminal_text(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # an internal error: say so plainly, traceback on request
        if args.debug:
            raise
        print(f"internal error: {type(exc).__name__}: {terminal_text(exc)}\n"
              "(run with --debug for the traceback, and please report it)", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
