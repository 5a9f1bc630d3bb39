"""`svmodel run FILE [--json] [--csv DIR]`: evaluate one scenario and print its results.

`--csv DIR` also writes the result tables as CSV files, each atomically (temporary file, then
rename): headline.csv, impact_map.csv, by_year.csv, values_by_line_and_year.csv, inputs.csv
and breakdown_<by>.csv for each breakdown (stakeholder, value_type, beneficiary, measure).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from svmodel.util.atomic import write_text_atomic
from svmodel.commands._common import UsageError, add_proxies_option, library_from_args
from svmodel.util.formatting import money, months, percent, ratio
from svmodel.results import BREAKDOWNS, Results, calculate
from svmodel.business_case.text import business_case_text
from svmodel.scenario import load_scenario


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("run", help="evaluate a scenario file and print its results",
                                   description="Evaluate a scenario file and print its results.")
    parser.add_argument("file", help="scenario YAML file")
    parser.add_argument("--json", action="store_true", help="print the JSON results object")
    parser.add_argument("--csv", metavar="DIR",
                        help="also write the result tables as CSV files into DIR")
    add_proxies_option(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    results = calculate(load_scenario(args.file, library_from_args(args)))
    if args.csv:
        try:
            written = write_csv_tables(results, Path(args.csv))
        except OSError as exc:
            raise UsageError(f"--csv {args.csv}: cannot write the tables: {exc.strerror or exc}") from None
    print(results.to_json() if args.json else summary(results))
    if args.csv and not args.json:
        print(f"\nwrote {len(written)} CSV tables to {args.csv}")
    return 0


def csv_tables(results: Results) -> dict[str, pd.DataFrame]:
    """The result tables by file name (SROI Guide stage 4 impact map, stage 5 by year)."""
    headline = pd.DataFrame([results.headline()])
    tables = {
        "headline.csv": headline,
        "impact_map.csv": results.impact_map(),
        "by_year.csv": results.by_year(),
        "values_by_line_and_year.csv": results.values_by_line_and_year().rename_axis("id").reset_index(),
        "inputs.csv": results.inputs_table(),
    }
    for by in BREAKDOWNS:
        tables[f"breakdown_{by}.csv"] = results.breakdown(by)
    return tables


def write_csv_tables(results: Results, directory: Path) -> list[Path]:
    """Write every table as CSV, each atomically; returns the paths written."""
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"--csv {directory}: exists and is not a folder")
    written = []
    for name, frame in csv_tables(results).items():
        text = frame.to_csv(index=False, lineterminator="\n")
        written.append(write_text_atomic(directory / name, text))
    return written


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
    ]
    if results.excluded_transfers_present_value:
        out.append(f"  Transfers left out (fiscal) {money(results.excluded_transfers_present_value):>13}")
    out += [
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
    out += business_case_text(results.business_case(), results.sroi_ratio)  # issue 14
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
