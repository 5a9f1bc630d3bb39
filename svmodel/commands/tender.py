"""`svmodel tender ...`: social value in procurement (docs/procurement.md).

  svmodel tender template SPEC --out DIR          the bidder response form (xlsx, CSV) and a
                                                  blank delivery return
  svmodel tender evaluate SPEC BIDS... [--scores FILE] [--json] [--out DIR]
                                                  value, flag, score and rank the bids
  svmodel tender monitor SPEC COMMITMENTS DELIVERY... [--json] [--out DIR]
                                                  delivery against commitments, re-forecast

A bid file that cannot be read is reported (file and row) and the other bids are still
evaluated; the command then exits with status 4 (partial failure; 1 when no bid could be read).
Outputs are written atomically.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from svmodel.commands._common import (UsageError, add_json_option, add_proxies_option, batch_status,
                                      library_from_args, print_json, say, say_json)
from svmodel.procurement.spec import load_spec


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "tender", help="social value in procurement: response forms, bid evaluation, monitoring",
        description="Social value in procurement: write the bidder response form from a tender "
                    "specification, evaluate and rank bids with plausibility flags, and monitor "
                    "delivery against commitments.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    template = actions.add_parser("template", help="write the bidder response form (xlsx and CSV)")
    template.add_argument("spec", help="tender specification YAML")
    template.add_argument("--out", required=True, metavar="DIR", help="folder for the forms")
    add_json_option(template, "the files written and the specification's warnings")
    add_proxies_option(template)
    template.set_defaults(handler=handle_template)

    evaluate = actions.add_parser("evaluate", help="value, flag, score and rank bids")
    evaluate.add_argument("spec", help="tender specification YAML")
    evaluate.add_argument("bids", nargs="+", help="bid response forms (CSV or xlsx)")
    evaluate.add_argument("--scores", metavar="FILE",
                          help="price and quality points per bidder (CSV or xlsx: bidder, price, quality); "
                               "overrides the specification's scores")
    evaluate.add_argument("--json", action="store_true", help="print the evaluation as JSON")
    evaluate.add_argument("--out", metavar="DIR",
                          help="also write ranking.csv, lines.csv, flags.csv and evaluation.json")
    add_proxies_option(evaluate)
    evaluate.set_defaults(handler=handle_evaluate)

    monitor = actions.add_parser("monitor", help="compare delivery returns with the commitments")
    monitor.add_argument("spec", help="tender specification YAML")
    monitor.add_argument("commitments", help="the contracted bid's response form (CSV or xlsx)")
    monitor.add_argument("delivery", nargs="+", help="delivery returns, one or more periods (CSV or xlsx)")
    monitor.add_argument("--json", action="store_true", help="print the monitoring as JSON")
    monitor.add_argument("--out", metavar="DIR",
                         help="also write monitoring.csv, monitoring.json and variance.png")
    add_proxies_option(monitor)
    monitor.set_defaults(handler=handle_monitor)


def _spec(args: argparse.Namespace):
    return load_spec(args.spec, library_from_args(args))


def _out_dir(value: str) -> Path:
    path = Path(value)
    if path.exists() and not path.is_dir():
        raise UsageError(f"--out {value}: exists and is not a folder")
    return path


def handle_template(args: argparse.Namespace) -> int:
    from svmodel.procurement.monitoring import write_delivery_template
    from svmodel.procurement.template import write_template

    spec = _spec(args)
    out = _out_dir(args.out)
    stem = Path(args.spec).stem
    try:
        written = write_template(spec, out, stem)
        written.append(write_delivery_template(spec, out / f"{stem}_delivery_return.csv"))
    except OSError as exc:
        raise UsageError(f"--out {args.out}: cannot write the forms: {exc.strerror or exc}") from None
    if args.json:
        print_json({"written": [str(p) for p in written], "warnings": list(spec.warnings)})
    for path in [] if args.json else written:
        say(f"wrote {path}")
    for warning in spec.warnings:
        say(f"warning: {warning}", file=sys.stderr)
    return 0


def handle_evaluate(args: argparse.Namespace) -> int:
    from svmodel.procurement.scoring import evaluate_files, summary, write_outputs

    spec = _spec(args)
    evaluation = evaluate_files(spec, args.bids, args.scores)
    if not evaluation.bids:
        for failure in evaluation.failures:
            for problem in failure.problems:
                say(f"error: {problem}", file=sys.stderr)
        raise UsageError("no bid could be read; nothing to evaluate")
    if args.out:
        out = _out_dir(args.out)
        try:
            written = write_outputs(evaluation, out)
            from svmodel.procurement import charts
            from svmodel.report.html import png_bytes
            from svmodel.util.atomic import write_bytes_atomic

            written.append(write_bytes_atomic(out / "social_value_by_bid.png",
                                              png_bytes(charts.social_value_by_bid(evaluation))))
        except OSError as exc:
            raise UsageError(f"--out {args.out}: cannot write: {exc.strerror or exc}") from None
    say_json(evaluation.to_json()) if args.json else say(summary(evaluation))
    if args.out and not args.json:
        say(f"\nwrote {len(written)} files to {args.out}")
    failed = list(evaluation.failures) + ([evaluation.scores_failure] if evaluation.scores_failure else [])
    for failure in failed:
        for problem in failure.problems:
            say(f"error: {problem}", file=sys.stderr)
    if failed:
        say(f"{len(failed)} file(s) could not be read; the others were evaluated", file=sys.stderr)
    return batch_status(len(evaluation.bids), len(failed))


def handle_monitor(args: argparse.Namespace) -> int:
    from svmodel.procurement.monitoring import monitor_files

    spec = _spec(args)
    monitoring = monitor_files(spec, args.commitments, args.delivery)
    if args.out:
        from svmodel.util.atomic import write_bytes_atomic, write_text_atomic
        from svmodel.procurement import charts
        from svmodel.report.html import png_bytes
        from svmodel.util.safety import csv_text

        out = _out_dir(args.out)
        try:
            write_text_atomic(out / "monitoring.csv", csv_text(monitoring.table))
            write_text_atomic(out / "monitoring.json", json.dumps(monitoring.to_dict(), indent=2) + "\n")
            write_bytes_atomic(out / "variance.png", png_bytes(charts.delivery_variance(monitoring)))
        except OSError as exc:
            raise UsageError(f"--out {args.out}: cannot write: {exc.strerror or exc}") from None
    say_json(json.dumps(monitoring.to_dict(), indent=2)) if args.json else say(monitoring.text())
    if args.out and not args.json:
        say(f"\nwrote monitoring.csv, monitoring.json and variance.png to {args.out}")
    for failure in monitoring.failures:
        for problem in failure.problems:
            say(f"error: {problem}", file=sys.stderr)
    if monitoring.failures:
        say(f"{len(monitoring.failures)} delivery return(s) could not be read; the others were "
              "monitored", file=sys.stderr)
    return batch_status(len(args.delivery) - len(monitoring.failures), len(monitoring.failures))
