"""`svmodel tender ...`: social value in procurement (docs/procurement.md).

  svmodel tender template SPEC --out DIR          the bidder response form (xlsx, CSV) and a
                                                  blank delivery return
  svmodel tender evaluate SPEC BIDS... [--scores FILE] [--json] [--out DIR]
                                                  value, flag, score and rank the bids
  svmodel tender monitor SPEC COMMITMENTS DELIVERY... [--json] [--out DIR]
                                                  delivery against commitments, re-forecast
  svmodel tender report SPEC BIDS... --out DIR [--pdf] [--scores FILE]
                                                  the panel's report (HTML, PDF) and the
                                                  Excel evaluation pack

A bid file (or delivery return) that cannot be read is reported (file and row) and the others
are still evaluated; the command then exits with status 4 (partial failure; 1 when no bid could
be read). Outputs are written atomically.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from svmodel.commands._common import (UsageError, add_json_option, add_proxies_option, batch_status,
                                      library_from_args, print_json, say, say_json)
from svmodel.errors import ExitCode

#: From this many bid files on, `tender report` shows a progress bar (on a terminal).
PROGRESS_FROM = 8


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

    report = actions.add_parser(
        "report", help="write the panel's report (HTML, and PDF with --pdf) and the Excel evaluation pack",
        description="Evaluate the bids and write, into --out DIR, the evaluation panel's report as a "
                    "styled, self-contained HTML page (NAME.html, A4 print styles), the Excel "
                    "evaluation pack (NAME.xlsx) and, with --pdf, the report printed to PDF (NAME.pdf, "
                    "headless Chromium). NAME is the specification's file name, or its folder's name "
                    "for a file called spec.yaml.")
    report.add_argument("spec", help="tender specification YAML")
    report.add_argument("bids", nargs="+", help="bid response forms (CSV or xlsx)")
    report.add_argument("--out", required=True, metavar="DIR", help="folder for the report and the pack")
    report.add_argument("--pdf", action="store_true",
                        help="also print the report to PDF (needs Chromium; without it the HTML is "
                             "still written and a notice says why there is no PDF)")
    report.add_argument("--scores", metavar="FILE",
                        help="price and quality points per bidder (CSV or xlsx: bidder, price, quality)")
    report.add_argument("--commitments", metavar="FILE",
                        help="the contracted bid's response form, to report delivery monitoring "
                             "(with --delivery)")
    report.add_argument("--delivery", nargs="+", metavar="FILE", default=[],
                        help="delivery returns for the monitoring section (with --commitments)")
    report.add_argument("--name", metavar="NAME", help="file name of the outputs, without suffix")
    report.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_json_option(report, "the files written, the bids reported and the files not read")
    add_proxies_option(report)
    report.set_defaults(handler=handle_report)


def _spec(args: argparse.Namespace):
    from svmodel.procurement.spec import load_spec  # pydantic: when a command runs, not with the parser

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


def _progress(total: int, disabled: bool):
    """A tqdm bar over the bid files (on a terminal, from PROGRESS_FROM files), or None."""
    if disabled or total < PROGRESS_FROM:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="bid", desc="reading bids", leave=False, disable=None, file=sys.stderr,
                dynamic_ncols=True)


def handle_report(args: argparse.Namespace) -> int:
    import re

    from svmodel.procurement.panel_report import build
    from svmodel.procurement.publish import output_name, publish
    from svmodel.util.pdf import PdfError

    if bool(args.commitments) != bool(args.delivery):
        raise UsageError("--commitments and --delivery go together: the contracted bid's form and its "
                         "delivery returns")
    name = args.name or output_name(args.spec)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,120}", name):
        raise UsageError(f"--name {name!r}: use letters, digits, '.', '-' and '_' only (no folders)")
    spec = _spec(args)
    out = _out_dir(args.out)
    bar = _progress(len(args.bids), args.no_progress)
    try:
        tender = build(spec, args.bids, args.scores or "", args.commitments or "", args.delivery,
                       progress=(lambda _path: bar.update(1)) if bar is not None else None)
    finally:
        if bar is not None:
            bar.close()
    evaluation = tender.evaluation
    failed = list(evaluation.failures) + ([evaluation.scores_failure] if evaluation.scores_failure else [])
    if tender.monitoring is not None:
        failed += tender.monitoring.failures
    problems = [p for f in failed for p in f.problems] + list(tender.monitoring_problems)
    if not evaluation.bids:
        for problem in problems:
            say(f"error: {problem}", file=sys.stderr)
        raise UsageError("no bid could be read; nothing to report")
    try:
        published = publish(tender, out, name, pdf=args.pdf)
    except PdfError as exc:
        say(f"wrote {out / (name + '.html')} and {out / (name + '.xlsx')}")
        raise UsageError(f"{exc}") from None
    except OSError as exc:
        raise UsageError(f"--out {args.out}: cannot write: {exc.strerror or exc}") from None
    if args.json:
        print_json({"written": [str(p) for p in published.written],
                    "bids": [bid.bidder for bid in evaluation.bids],
                    "failed": [str(f.path) for f in failed], "notice": published.notice or None})
    else:
        for path in published.written:
            say(f"wrote {path}")
    if published.notice:
        say(f"notice: {published.notice}", file=sys.stderr)
    for warning in spec.warnings:
        say(f"warning: {warning}", file=sys.stderr)
    for problem in problems:
        say(f"error: {problem}", file=sys.stderr)
    if problems:
        say(f"{len(failed) or 1} file(s) could not be read; the report covers the others and lists them",
            file=sys.stderr)
    return ExitCode.PARTIAL_FAILURE if problems else ExitCode.OK
