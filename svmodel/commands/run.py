"""`svmodel run FILE [--json]`: evaluate one scenario and print its results."""

from __future__ import annotations

import argparse

import pandas as pd

from svmodel.commands._common import add_proxies_option, library_from_args
from svmodel.formatting import money, months, percent, ratio
from svmodel.results import Results, evaluate
from svmodel.scenario import load_scenario


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("run", help="evaluate a scenario file and print its results",
                                   description="Evaluate a scenario file and print its results.")
    parser.add_argument("file", help="scenario YAML file")
    parser.add_argument("--json", action="store_true", help="print the JSON results object")
    add_proxies_option(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    results = evaluate(load_scenario(args.file, library_from_args(args)))
    print(results.to_json() if args.json else summary(results))
    return 0


def summary(results: Results) -> str:
    """A readable text summary: headline figures, impact map, value by year, breakdowns."""
    model = results.scenario.model
    rate = model.discounting.rate
    rate_text = rate if isinstance(rate, str) else percent(rate, 1)
    out = [
        f"{model.name}" + (f" ({model.organisation})" if model.organisation else ""),
        f"{model.kind}, {model.price_year} prices, discounting {rate_text}"
        + ("" if model.discounting.first_year_discounted else " (year 1 undiscounted)"),
        "",
        f"  Present value of outcomes  {money(results.total_present_value):>14}",
        f"  Present value of inputs    {money(results.total_inputs):>14}",
        f"  Net present value          {money(results.net_present_value):>14}",
        f"  SROI ratio                 {ratio(results.sroi_ratio):>14}",
        f"  Net SROI ratio             {ratio(results.net_sroi_ratio):>14}",
        f"  Payback                    {months(results.payback_months):>14}",
        "",
        "Impact map",
    ]
    table = results.impact_map()[["id", "stakeholder", "quantity", "unit_value", "deadweight",
                                  "displacement", "attribution", "drop_off", "duration",
                                  "impact", "present_value"]]
    out.append(_format(table))
    out += ["", "Value by year", _format(results.by_year())]
    for by in ("stakeholder", "value_type", "beneficiary"):
        out += ["", f"Present value by {by.replace('_', ' ')}", _format(results.breakdown(by))]
    out += ["", "Sources"]
    for line in results.scenario.lines:
        out.append(f"  {line.id}: {line.proxy_id or 'inline value'}, {money(line.original_value, 2)} "
                   f"in {line.original_price_year} prices; {line.source}"
                   + (f" [{line.licence}]" if line.licence else ""))
    if results.scenario.warnings:
        out += ["", "Warnings"] + [f"  - {w}" for w in results.scenario.warnings]
    return "\n".join(out)


def _format(frame: pd.DataFrame) -> str:
    formatters = {}
    for column in frame.columns:
        if column in ("deadweight", "displacement", "attribution", "drop_off", "share"):
            formatters[column] = lambda v: percent(v, 0)
        elif column in ("unit_value", "impact", "present_value", "value"):
            formatters[column] = lambda v: money(v, 0)
        elif column == "discount_factor":
            formatters[column] = lambda v: f"{v:.4f}"
        elif column == "quantity":
            formatters[column] = lambda v: f"{v:,.6g}"
    return frame.to_string(index=False, formatters=formatters)
