"""The `svmodel` command. Each subcommand lives in its own module under svmodel/commands/
and registers itself with `register(subparsers)`; this file only discovers and dispatches.

Every error a user can fix derives from `svmodel.errors.SvmodelError` and is printed on stderr
without a traceback; the exit statuses are `svmodel.errors.ExitCode` (0 ok, 1 invalid input,
2 usage, 3 internal error, 4 partial failure of a multi-file command, 130 interrupted).
`--debug` shows tracebacks of internal errors.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from typing import Sequence

from svmodel import __version__, commands
from svmodel.errors import ExitCode, InputFileError, SvmodelError
from svmodel.util.safety import terminal_text


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
    except InputFileError as exc:
        for problem in exc.problems:
            print(f"error: {terminal_text(problem)}", file=sys.stderr)
        return ExitCode.INVALID_INPUT
    except SvmodelError as exc:
        print(f"error: {terminal_text(exc)}", file=sys.stderr)
        return ExitCode.INVALID_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        return 0
    except Exception as exc:  # an internal error: say so plainly, traceback on request
        if args.debug:
            raise
        print(f"internal error: {type(exc).__name__}: {terminal_text(exc)}\n"
              "(run with --debug for the traceback, and please report it)", file=sys.stderr)
        return ExitCode.INTERNAL


if __name__ == "__main__":
    sys.exit(main())
