"""`svmodel framework show NAME`: a framework's outcomes, measures and proxies."""

from __future__ import annotations

import argparse

from svmodel.commands._common import UsageError, library_from_args, say
from svmodel.util.formatting import money
from svmodel.library.frameworks import FrameworkError, load_framework


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("framework", help="show a social value framework and its proxies",
                                   description="Show a framework's outcomes and measures, each "
                                               "with its proxies or the reason it is counted only.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="print the framework table")
    show.add_argument("name", nargs="?", default="knowsley", help="framework name or file (default: knowsley)")
    show.add_argument("--year", type=int, default=None,
                      help="also give each proxy's value rebased to this price year")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    try:
        framework = load_framework(args.name)
    except FrameworkError as exc:
        raise UsageError(str(exc)) from None
    library = library_from_args(args)
    year = args.year or library.deflators.last_year
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
