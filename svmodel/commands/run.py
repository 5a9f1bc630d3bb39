"""`svmodel run FILE [--json] [--csv DIR]`: evaluate one scenario and print its results.

`--csv DIR` also writes the result tables as CSV files, each atomically (temporary file, then
rename): headline.csv, impact_map.csv, by_year.csv, values_by_line_and_year.csv, inputs.csv
and breakdown_<by>.csv for each breakdown (stakeholder, value_type, beneficiary, measure).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from svmodel.util.atomic import write_text_atomic
from svmodel.commands._common import (UsageError, add_json_option, add_proxies_option, library_from_args,
                                      say, say_json)
from svmodel.util.formatting import money, months, percent, ratio
from svmodel.util.safety import csv_text

if TYPE_CHECKING:  # pandas and the model load when the command runs, not with the parser
    import pandas as pd

    from svmodel.results import Results


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("run", help="evaluate a scenario file and print its results",
                                   description="Evaluate a scenario file and print its results.")
    parser.add_argument("file", help="scenario YAML file")
    add_json_option(parser, "the results (headline, lines, years, breakdowns, narrative)")
    parser.add_argument("--csv", metavar="DIR",
                        help="also write the result tables as CSV files into DIR")
    add_proxies_option(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from svmodel.results import calculate
    from svmodel.scenario import load_scenario

    results = calculate(load_scenario(args.file, library_from_args(args)))
    if args.csv:
        try:
            written = write_csv_tables(results, Path(args.csv))
        except OSError as exc:
            raise UsageError(f"--csv {args.csv}: cannot write the tables: {exc.strerror or exc}") from None
    say_json(results.to_json()) if args.json else say(summary(results))
    if args.csv and not args.json:
        say(f"\nwrote {len(written)} CSV tables to {args.csv}")
    return 0


def csv_tables(results: Results) -> dict[str, pd.DataFrame]:
    """The result tables by file name (SROI Guide stage 4 impact map, stage 5 by year)."""
    import pandas as pd

    from svmodel.results import BREAKDOWNS

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
        text = csv_text(frame)  # every cell neutralised: no spreadsheet formula from a name
        written.append(write_text_atomic(directory / name, text))
    return written


def summary(results: Results) -> str:
    """A readable text summary: headline figures, impact map, value by year, breakdowns."""
    from svmodel.business_case.text import business_case_text

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
    out += _beyond_fiscal_text(results)  # issue 16
    out += business_case_text(results.business_case(), results.sroi_ratio)  # issue 14
    if results.scenario.warnings:
        out += ["", "Warnings"] + [f"  - {w}" for w in results.scenario.warnings]
    return "\n".join(out)


def _beyond_fiscal_text(results: Results) -> list[str]:
    """WELLBY lines, overlaps and their decisions, and LM3 beside the SROI (issue 16)."""
    from svmodel.beyond_fiscal import lm3_block, wellbeing_block

    out: list[str] = []
    for entry in wellbeing_block(results):
        span = (f"; {money(entry['present_value_low'])} to {money(entry['present_value_high'])} "
                "at the low and high WELLBY value") if entry["present_value_low"] is not None else ""
        out.append(f"  {entry['id']}: {entry['people']:,.6g} people x {entry['life_satisfaction_change']:g} "
                   f"points = {entry['wellbys_per_year']:,.6g} WELLBYs a year for {entry['years']} "
                   f"years; present value {money(entry['present_value'])}{span}")
    if out:
        out = ["", "Wellbeing (WELLBYs)"] + out
    overlaps = results.scenario.overlaps
    if overlaps:
        out += ["", "Overlaps across value families and the decision taken"]
        for o in overlaps:
            detail = f" (excluded: {o['excluded']})" if o.get("excluded") else ""
            out.append(f"  {' and '.join(o['lines'])} [{o['rule']}]: {o['decision']}{detail}"
                       + (f"; {o['reason']}" if o.get("reason") else ""))
    block = lm3_block(results)
    if block is not None:
        out += ["", f"Local multiplier (LM3), {block['area']}: beside the SROI, not added to it",
                f"  LM3 {block['lm3']:.2f}: {money(block['round1'])} income, {money(block['round2'])} "
                f"spent locally, {money(block['round3'])} re-spent locally; local economic value "
                f"{money(block['local_economic_value'])}"]
    return out


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
