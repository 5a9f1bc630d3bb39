"""`svmodel report FILE [FILE ...] --out DIR`: an HTML report per scenario, a portfolio roll-up, an index.

Exit status (svmodel.errors.ExitCode): 0 when every report is done or up to date, 4 (partial
failure) when the batch finished but some scenarios were invalid or failed (listed on stderr and
in DIR/index.html), 1 when none could be done or for a missing file or a value that is not
allowed, 130 when interrupted. With `--pdf`, a PDF that cannot be printed (no browser, or the
browser fails) counts as a failed item: the HTML is still written, a notice names the reason,
and the status is that of a partial failure (4).
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import signal
import sys
from pathlib import Path
from typing import Any

from svmodel.commands._common import UsageError, add_json_option, add_proxies_option, batch_status, print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report", help="render HTML reports for scenario files (batch, local or Dask)",
        description="Run the SROI report notebook for each scenario file with papermill and "
                    "render it to HTML without code; then the portfolio roll-up, DIR/index.html "
                    "and DIR/summary.csv. Reports whose inputs have not changed are skipped.")
    parser.add_argument("files", nargs="+", metavar="FILE", help="scenario YAML files")
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder")
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="local worker processes, each with one warm kernel (default: one per "
                             "core, or this process for a single report; 0 runs in this process)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786")
    parser.add_argument("--draws", type=int, default=None, metavar="N",
                        help="Monte Carlo draws per report (default 2000; 0 skips the simulation)")
    parser.add_argument("--seed", type=int, default=None, metavar="S",
                        help="Monte Carlo seed (default 20250401)")
    parser.add_argument("--notebook", metavar="IPYNB",
                        help="a report notebook with the same parameters (default: the shipped one)")
    parser.add_argument("--no-portfolio", action="store_true", help="skip the portfolio roll-up")
    parser.add_argument("--force", action="store_true", help="re-run reports even if up to date")
    parser.add_argument("--timeout", type=float, default=600, metavar="SECONDS",
                        help="time limit per notebook cell, more than 0 (default 600)")
    parser.add_argument("--engine", choices=("inprocess", "kernel"), default="inprocess",
                        help="run notebooks on an IPython shell inside each worker (inprocess, "
                             "the default and fastest) or on a Jupyter kernel per worker (kernel)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--pdf", action="store_true",
                        help="also print each report, the portfolio and the index to A4 PDF "
                             "(DIR/<report>.pdf next to its HTML) with headless Chromium")
    add_json_option(parser, "the batch summary (counts, each report's record, the index)")
    add_proxies_option(parser)
    parser.set_defaults(handler=handle)


def _terminate(signum: int, frame: Any) -> None:
    """SIGTERM: stop as Ctrl-C does (workers killed, scratch removed, exit status 130)."""
    raise KeyboardInterrupt


def handle(args: argparse.Namespace) -> int:
    from svmodel.batch import BatchOptions, run_batch
    from svmodel.batch.runner import DEFAULT_DRAWS, DEFAULT_SEED, REPORT_NOTEBOOK

    files = [Path(f) for f in args.files]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise UsageError(f"no such scenario file: {', '.join(missing)}")
    if args.workers is not None and args.workers < 0:
        raise UsageError(f"--workers: {args.workers} is not allowed; expected 0 or more")
    draws = DEFAULT_DRAWS if args.draws is None else args.draws
    if draws < 0:
        raise UsageError(f"--draws: {draws} is not allowed; expected 0 or more")
    notebook = Path(args.notebook) if args.notebook else REPORT_NOTEBOOK
    if not notebook.is_file():
        raise UsageError(f"--notebook: {notebook} does not exist")
    for pack in args.proxies:
        if not Path(pack).is_file():
            raise UsageError(f"--proxies: {pack} does not exist")
    if not math.isfinite(args.timeout) or args.timeout <= 0:
        raise UsageError(f"--timeout: {args.timeout:g} is not allowed; expected a number of "
                        "seconds greater than 0")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: {out} exists and is not a folder")
    options = BatchOptions(
        draws=draws, seed=DEFAULT_SEED if args.seed is None else args.seed, workers=args.workers,
        scheduler=args.scheduler, notebook=notebook, proxy_packs=[Path(p) for p in args.proxies],
        timeout=args.timeout, force=args.force, progress=False if args.no_progress else None,
        portfolio_notebook=None if args.no_portfolio else BatchOptions().portfolio_notebook,
        engine=args.engine,
    )
    if args.scheduler and importlib.util.find_spec("distributed") is None:
        raise UsageError("--scheduler needs Dask: pip install 'svmodel[distributed]'")
    from svmodel.batch.folder import BatchDiskError, FolderBusy
    from svmodel.batch.pools import PoolError

    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, _terminate)  # run the clean-up (workers, scratch) on SIGTERM
    try:
        result = run_batch(files, out, options)
    except (FolderBusy, PoolError, BatchDiskError) as exc:
        raise UsageError(str(exc.strerror if isinstance(exc, BatchDiskError) else exc)) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    counts = result.counts()
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    progress = False if args.no_progress else None
    pdfs_ok, pdfs = print_pdfs(result, quiet=args.json, progress=progress) if args.pdf else (True, [])
    if args.json:
        print_json({"counts": counts, "seconds": result.seconds, "out": result.out_dir.resolve(),
                    "index": result.index.resolve(), "summary": result.summary.resolve(),
                    "reports": [r.to_dict() for r in result.records],
                    "portfolio": result.portfolio.to_dict() if result.portfolio else None,
                    **({"pdfs": [p.resolve() for p in pdfs]} if args.pdf else {})})
    else:
        print(f"{summary} in {result.seconds:.1f} s")
    for record in result.failed:
        where = f" (cell {record.cell}: {record.cell_source})" if record.cell is not None else ""
        first = record.message.splitlines()[0] if record.message else ""
        print(f"  {record.status}: {record.scenario}: {record.error_name}: {first}{where}",
              file=sys.stderr)
    if result.portfolio and result.portfolio.status == "failed":
        print(f"  portfolio failed: {result.portfolio.error_name}: {result.portfolio.message}",
              file=sys.stderr)
    if not args.json:
        print(f"index: {result.index.resolve()}")
    failed = len(result.failed) + (result.portfolio is not None and result.portfolio.status == "failed")
    failed += not pdfs_ok
    return batch_status(len(result.records) - len(result.failed), failed)


def report_pages(result: Any) -> list[Path]:
    """The HTML pages a batch wrote or kept: each report, the portfolio, the index pages."""
    out = Path(result.out_dir)
    pages = [out / r.report for r in result.records
             if r.status in ("ok", "skipped") and r.report and (out / r.report).is_file()]
    if result.portfolio is not None and result.portfolio.status != "failed" and result.portfolio.report:
        pages.append(out / result.portfolio.report)
    pages += sorted(p for p in out.glob("index*.html") if p.is_file())
    return [p for p in dict.fromkeys(pages) if p.is_file()]


def print_pdfs(result: Any, quiet: bool = False, progress: bool | None = None) -> tuple[bool, list[Path]]:
    """Print every page of the batch to DIR/<page>.pdf (skipping PDFs newer than their HTML),
    a browser per core at once (svmodel.util.pdf.print_many), with a progress bar on a terminal.
    Without a browser the HTML stays written and a notice says why no PDF was made. Returns
    (every PDF written, the PDFs written, in page order); `quiet` leaves stdout to `--json`."""
    from tqdm import tqdm

    from svmodel.util.pdf import PdfError, pdf_unavailable_reason, print_many

    reason = pdf_unavailable_reason()
    if reason is not None:
        print(f"  no PDF written: {reason}; the HTML reports are written", file=sys.stderr)
        return False, []
    todo = [(page, page.with_suffix(".pdf")) for page in report_pages(result)]
    todo = [(page, pdf) for page, pdf in todo
            if not (pdf.is_file() and pdf.stat().st_mtime >= page.stat().st_mtime)]
    pages = [page for page, _pdf in todo]
    ok, done = True, {}
    # disable=None is tqdm's own "only on a terminal", as the batch's progress bar uses it.
    disable = True if not pages else None if progress is None else not progress
    with tqdm(total=len(pages), unit="PDF", desc="svmodel report --pdf", file=sys.stderr,
              disable=disable) as bar:
        for page, outcome in print_many(todo):
            if isinstance(outcome, PdfError):
                ok = False
                bar.write(f"  PDF failed: {page.name}: {outcome}", file=sys.stderr)
            else:
                done[page] = outcome
            bar.update()
    written = [done[page] for page in pages if page in done]
    if not quiet:
        print(f"{len(written)} PDF(s) written")
    return ok, written
