"""Helpers shared by subcommands: loading the library and scenarios, printing tables."""

from __future__ import annotations

import argparse
from pathlib import Path

from svmodel.errors import ProxyLibraryError, UsageError
from svmodel.library.proxies import ProxyLibrary, default_library


def add_proxies_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--proxies", metavar="PACK.csv", action="append", default=[],
        help="a proxy pack CSV in the library format (e.g. a licensed HACT or TOMs pack); "
             "its rows take precedence; may be repeated",
    )


def library_from_args(args: argparse.Namespace) -> ProxyLibrary:
    try:
        library = default_library()
        for pack in getattr(args, "proxies", []) or []:
            library = library.with_pack(Path(pack))
    except (OSError, ProxyLibraryError) as exc:
        raise UsageError(str(exc)) from None
    return library
