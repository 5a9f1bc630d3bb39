"""`svmodel proxies`: list, search and show the financial proxies with their provenance."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from svmodel.commands._common import (UsageError, add_json_option, add_proxies_option,
                                      library_from_args, print_json, say)
from svmodel.errors import PriceYearError
from svmodel.util.formatting import money
from svmodel.library.vocabulary import VALUE_TYPES

if TYPE_CHECKING:  # the library loads when the command runs, not with the parser
    from svmodel.library.proxies import Proxy


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("proxies", help="list, search or show financial proxies",
                                   description="List, search or show the financial proxy library.")
    parser.add_argument("--search", metavar="TEXT", default="", help="words that must all appear")
    parser.add_argument("--measure", metavar="K10", help="proxies mapped to a framework measure")
    parser.add_argument("--type", dest="value_type", choices=VALUE_TYPES, help="value type")
    parser.add_argument("--beneficiary", metavar="TEXT", help="who gains or saves, e.g. NHS")
    parser.add_argument("--show", metavar="ID", help="show one proxy with its full provenance")
    parser.add_argument("--year", metavar="YEAR", type=int, default=None,
                        help="with --show: also give the value rebased to this price year")
    add_json_option(parser, "the matching proxies (or the one shown) with their provenance")
    add_proxies_option(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    library = library_from_args(args)
    if args.show:
        try:
            proxy = library.get(args.show)
        except KeyError as exc:
            raise UsageError(exc.args[0]) from None
        rebased = None
        if args.year is not None:
            try:
                rebased = library.rebased_value(proxy.id, args.year)
            except PriceYearError as exc:
                raise UsageError(str(exc)) from None
        if args.json:
            print_json({"proxy": proxy_record(proxy), "rebased": None if rebased is None else {
                "price_year": args.year, "value": rebased, "deflator": "HM Treasury GDP deflator"}})
            return 0
        for key, value in vars(proxy).items():
            if value not in ("", None, ()):
                shown = ";".join(value) if isinstance(value, tuple) else value
                say(f"{key:>13}: {shown}")
        if rebased is not None:
            say(f"{'rebased':>13}: {money(rebased, 2)} in {args.year} prices (HM Treasury GDP deflator)")
        return 0
    found = library.search(args.search, args.measure, args.value_type, args.beneficiary)
    if args.json:
        print_json({"library_version": library.version, "matched": len(found), "total": len(library),
                    "proxies": [proxy_record(p) for p in found]})
        return 0
    if not found:
        say("no proxy matches")
        return 0
    import pandas as pd

    table = pd.DataFrame([{
        "id": p.id, "name": p.name[:60], "value": money(p.value, 2), "unit": p.unit[:30],
        "price year": p.price_year.label, "type": p.value_type, "measures": ";".join(p.measures),
        "licence": p.licence,
    } for p in found])
    say(table.to_string(index=False))
    say(f"\n{len(found)} of {len(library)} proxies; library version {library.version}")
    return 0


def proxy_record(proxy: Proxy) -> dict[str, object]:
    """A proxy as JSON-ready data: every field, the price year as its label (2019, 2013/14)."""
    record = dict(vars(proxy))
    record["price_year"] = proxy.price_year.label
    record["measures"] = list(proxy.measures)
    return record
