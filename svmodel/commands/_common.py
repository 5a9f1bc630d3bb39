"""Helpers shared by subcommands: loading the library and scenarios, printing text and JSON.

`--json` (add_json_option) means one JSON object on stdout and nothing else there; messages,
warnings and errors stay on stderr (print_json, note)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from svmodel.errors import ExitCode, ProxyLibraryError, UsageError
from svmodel.library.proxies import ProxyLibrary, default_library
from svmodel.util.safety import json_terminal_text, terminal_text


def say(text: object = "", file: TextIO | None = None, flush: bool = False) -> None:
    """Print a line of output whose user-supplied parts (names, ids, paths) cannot move the
    cursor, recolour or retitle the terminal (svmodel.util.safety.terminal_text)."""
    print(terminal_text(text), file=file or sys.stdout, flush=flush)


def say_json(text: str) -> None:
    """Print JSON output, still valid JSON, with no raw control character (svmodel.util.safety)."""
    print(json_terminal_text(text))


def print_json(data: object) -> None:
    """`data` as one JSON object on stdout: NaN and infinities as null, numpy scalars and paths
    as plain values (svmodel.results.json_safe), no raw control character (say_json)."""
    from svmodel.results import json_safe

    say_json(json.dumps(json_safe(data), indent=2, ensure_ascii=False))


def add_json_option(parser: argparse.ArgumentParser, what: str = "the results") -> None:
    """`--json`: print `what` as one JSON object on stdout instead of text."""
    parser.add_argument("--json", action="store_true",
                        help=f"print {what} as one JSON object on stdout (messages stay on stderr)")


def note(args: argparse.Namespace, text: object) -> None:
    """A line for the reader: on stdout with the text output, on stderr under --json (so stdout
    holds the JSON object alone)."""
    say(text, file=sys.stderr if getattr(args, "json", False) else None)


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
