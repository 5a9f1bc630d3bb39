"""Helpers shared by subcommands: loading the library and scenarios, printing tables."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from svmodel.errors import ProxyLibraryError, UsageError
from svmodel.library.proxies import ProxyLibrary, default_library
from svmodel.util.safety import json_terminal_text, terminal_text


def say(text: object = "", file: TextIO | None = None, flush: bool = False) -> None:
    """Print a line of output whose user-supplied parts (names, ids, paths) cannot move the
    cursor, recolour or retitle the terminal (svmodel.util.safety.terminal_text)."""
    print(terminal_text(text), file=file or sys.stdout, flush=flush)


def say_json(text: str) -> None:
    """Print JSON output, still valid JSON, with no raw control character (svmodel.util.safety)."""
    print(json_terminal_text(text))


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
