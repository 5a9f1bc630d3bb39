"""Helpers shared by subcommands: loading the library and scenarios, printing tables."""

from __future__ import annotations

import argparse
from pathlib import Path

from svmodel.library.proxies import ProxyLibrary, ProxyLibraryError, default_library


class UserError(Exception):
    """A problem the user can fix (bad argument, unreadable file); printed without traceback."""


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
        raise UserError(str(exc)) from None
    return library
