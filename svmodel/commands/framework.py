"""`svmodel framework list|show NAME`: the shipped frameworks; a framework's outcomes, measures
and proxies (with each proxy's value rebased to a price year, HM Treasury GDP deflator)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from svmodel.commands._common import UsageError, add_json_option, library_from_args, print_json, say
from svmodel.errors import FrameworkError
from svmodel.resources import frameworks_dir
from svmodel.util.formatting import money

if TYPE_CHECKING:  # the library loads when the command runs, not with the parser
    from svmodel.library.frameworks import Framework
    from svmodel.library.proxies import ProxyLibrary


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("framework", help="list or show social value frameworks and their proxies",
                                   description="Show a framework's outcomes and measures, each "
                                               "with its proxies or the reason it is counted only.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="list the shipped frameworks",
                                 description="List the frameworks shipped with svmodel (names for "
                                             "`svmodel framework show`).")
    add_json_option(listing, "the frameworks")
    listing.set_defaults(handler=handle_list)
    show = actions.add_parser("show", help="print the framework table",
                              description="A framework's outcomes and measures, each with its "
                                          "proxies (value rebased to a price year) or the reason "
                                          "it is counted only.")
    show.add_argument("name", nargs="?", default="knowsley", help="framework name or file (default: knowsley)")
    show.add_argument("--year", type=int, default=None,
                      help="the price year of the proxy values (default: the deflator series' last year)")
    add_json_option(show, "the framework with its measures and proxies")
    show.set_defaults(handler=handle)


def _load(name: str) -> Framework:
    from svmodel.library.frameworks import load_framework

    try:
        return load_framework(name)
    except FrameworkError as exc:
        raise UsageError(str(exc)) from None


def handle_list(args: argparse.Namespace) -> int:
    rows = []
    for path in sorted(frameworks_dir().glob("*.yaml")):
        framework = _load(str(path))
        measures = framework.measures.values()
        rows.append({"name": path.stem, "title": framework.title, "source": framework.source,
                     "outcomes": len(framework.outcomes), "measures": len(measures),
                     "valued": sum(not m.count_only for m in measures)})
    if args.json:
        print_json({"frameworks": rows})
        return 0
    for row in rows:
        say(f"{row['name']}: {row['title']} ({row['outcomes']} outcomes, {row['measures']} measures, "
            f"{row['valued']} valued)")
    return 0


def framework_record(framework: Framework, library: ProxyLibrary, year: int) -> dict[str, Any]:
    """The framework as JSON-ready data, each proxy with its value rebased to `year`."""
    outcomes = []
    for outcome in framework.outcomes:
        measures = []
        for m in outcome.measures:
            proxies = []
            for choice in () if m.count_only else m.proxies:
                proxy = library.get(choice.id)
                proxies.append({"id": proxy.id, "name": proxy.name, "unit": proxy.unit,
                                "value_type": proxy.value_type, "rationale": choice.rationale,
                                "value": library.rebased_value(proxy.id, year)})
            measures.append({"id": m.id, "name": m.name, "unit": m.unit, "count_only": m.count_only,
                             "reason": m.reason, "method": m.method, "proxies": proxies})
        outcomes.append({"id": outcome.id, "name": outcome.name, "measures": measures})
    return {"name": framework.name, "title": framework.title, "source": framework.source,
            "price_year": year, "outcomes": outcomes}


def handle(args: argparse.Namespace) -> int:
    framework = _load(args.name)
    library = library_from_args(args)
    year = args.year or library.deflators.last_year
    if args.json:
        record = framework_record(framework, library, year)
        total = len(framework.measures)
        valued = sum(not m.count_only for m in framework.measures.values())
        print_json({**record, "measures": total, "valued": valued})
        return 0
    say(f"{framework.title}\n")
    valued = 0
    for outcome in framework.outcomes:
        say(f"{outcome.id} {outcome.name}")
        for measure in outcome.measures:
            say(f"  {measure.id:<4} {measure.name} [{measure.unit}]")
            if measure.count_only:
                say(f"         count only: {measure.reason}")
                if measure.method == "lm3":
                    say("         measured with LM3 beside the SROI (scenario `lm3:` section; "
                          "svmodel run --json gives `lm3`)")
                continue
            valued += 1
            for choice in measure.proxies:
                proxy = library.get(choice.id)
                value = money(library.rebased_value(proxy.id, year), 2)
                say(f"         {proxy.id}: {value} {proxy.unit} ({year} prices, {proxy.value_type}) "
                      f"- {choice.rationale}")
    total = len(framework.measures)
    say(f"\n{valued} of {total} measures valued; {total - valued} counted only.")
    return 0
