"""Helpers shared by subcommands: loading the library and scenarios, printing text and JSON.

`--json` (add_json_option) means one JSON document on stdout and nothing else there (print_json);
messages, warnings and errors stay on stderr. batch_status gives a multi-file command's exit
status (svmodel.errors.ExitCode).

Building the parser (`svmodel --help`, `--version`) must stay fast: a command module imports
only light modules at its top (argparse, svmodel.errors, svmodel.util.safety and formatting,
the vocabularies for `choices=`) and loads pandas, the scenario, the ledger database and the
like inside its handler; tests/test_cli.py checks that none of them is loaded by the parser."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from svmodel.errors import ExitCode, ProxyLibraryError, UsageError
from svmodel.util.safety import json_terminal_text, terminal_text

if TYPE_CHECKING:  # the library is loaded when a command runs, not when the parser is built
    from svmodel.library.proxies import ProxyLibrary


def say(text: object = "", file: TextIO | None = None, flush: bool = False) -> None:
    """Print a line of output whose user-supplied parts (names, ids, paths) cannot move the
    cursor, recolour or retitle the terminal (svmodel.util.safety.terminal_text)."""
    print(terminal_text(text), file=file or sys.stdout, flush=flush)


def say_json(text: str) -> None:
    """Print JSON output, still valid JSON, with no raw control character (svmodel.util.safety)."""
    print(json_terminal_text(text))


def print_json(data: object) -> None:
    """`data` as one JSON document on stdout: NaN and infinities as null, numpy scalars and paths
    as plain values (svmodel.results.json_safe), no raw control character (say_json)."""
    from svmodel.results import json_safe

    say_json(json.dumps(json_safe(data), indent=2, ensure_ascii=False))


def add_json_option(parser: argparse.ArgumentParser, what: str = "the results") -> None:
    """`--json`: print `what` as one JSON document on stdout instead of text."""
    parser.add_argument("--json", action="store_true",
                        help=f"print {what} as JSON, alone on stdout (messages stay on stderr)")


def batch_status(done: int, failed: int) -> int:
    """The exit status of a command over several files: 0 when none failed, 4 (partial failure)
    when some were done and some failed, 1 (invalid input) when none could be done."""
    if not failed:
        return ExitCode.OK
    return ExitCode.PARTIAL_FAILURE if done else ExitCode.INVALID_INPUT


def add_proxies_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--proxies", metavar="PACK.csv", action="append", default=[],
        help="a proxy pack CSV in the library format (e.g. a licensed HACT or TOMs pack); "
             "its rows take precedence; may be repeated",
    )


def library_from_args(args: argparse.Namespace) -> ProxyLibrary:
    from svmodel.library.proxies import default_library

    try:
        library = default_library()
    except (OSError, ProxyLibraryError) as exc:
        raise UsageError(str(exc)) from None
    for pack in getattr(args, "proxies", []) or []:
        try:
            library = library.with_pack(Path(pack))
        except ProxyLibraryError as exc:
            raise UsageError(str(exc)) from None
        except OSError as exc:  # missing, a FIFO or device, too large: name the pack
            raise UsageError(f"--proxies {pack}: cannot read the file: {exc.strerror or exc}") from None
    return library
