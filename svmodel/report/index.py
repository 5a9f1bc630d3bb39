"""The batch's index pages: every scenario with its headline figures and a link to its report,
failures with their error, and a link to the portfolio roll-up.

Large batches are paginated: `index.html` holds the first `PAGE_SIZE` reports (and every
failure), `index-2.html`, `index-3.html`... the rest, each page with links to all pages, so a
folder of 10,000 reports stays quick to open. The pages use no script."""

from __future__ import annotations

import html as _html
from pathlib import Path
from typing import Any, Callable, Sequence

from svmodel.util.formatting import money, ratio
from svmodel.report.html import (CSS, PRINT_CSS, Html, esc, paragraph, running_header, section,
                                 table, wrap)


def _ratio(value: Any) -> str:
    """The report's ratio format, "£1.05 : £1" (svmodel.util.formatting.ratio)."""
    return "n/a" if value is None else ratio(value)


def _interval(row: dict[str, Any]) -> str:
    """ "£0.91 : £1 to £1.21 : £1", each ratio kept on one line (no-break spaces inside it)."""
    low, high = row.get("sroi_ratio_p5"), row.get("sroi_ratio_p95")
    if low is None or high is None:
        return ""
    return f"{ratio(low).replace(' ', NBSP)} to {ratio(high).replace(' ', NBSP)}"


NBSP = "\u00a0"


PAGE_SIZE = 500


def page_name(number: int) -> str:
    return "index.html" if number == 1 else f"index-{number}.html"


def _pager(number: int, pages: int) -> Html:
    if pages <= 1:
        return Html("")
    links = [f"<strong>{n}</strong>" if n == number else f'<a href="{page_name(n)}">{n}</a>'
             for n in range(1, pages + 1)]
    return wrap(Html(f'<nav aria-label="Pages of reports"><p>Page {number} of {pages}: '
                     + " ".join(links) + "</p></nav>"))


def write_index_pages(out_dir: Path, records: Sequence[dict[str, Any]], title: str, run_date: str,
                      portfolio: dict[str, Any] | None, publish: Callable[[Path, bytes], Path],
                      page_size: int = PAGE_SIZE) -> Path:
    """Write index.html (and index-N.html pages beyond `page_size` reports); remove pages
    left from an earlier, larger batch. Returns the path of index.html."""
    done = [r for r in records if r["status"] in ("ok", "skipped")]
    pages = max(1, -(-len(done) // page_size))
    first = out_dir / page_name(1)
    for number in range(1, pages + 1):
        chunk = done[(number - 1) * page_size: number * page_size]
        others = [r for r in records if r["status"] not in ("ok", "skipped")] if number == 1 else []
        page = index_page(chunk + others, title, run_date, portfolio, page=(number, pages),
                          totals=(len(done), len(records) - len(done)))
        publish(out_dir / page_name(number), page.encode("utf-8"))
    for stale in out_dir.glob("index-*.html"):
        suffix = stale.stem.split("-", 1)[1]
        if suffix.isdigit() and int(suffix) > pages:
            stale.unlink(missing_ok=True)
    return first


def index_page(records: Sequence[dict[str, Any]], title: str, run_date: str,
               portfolio: dict[str, Any] | None = None, page: tuple[int, int] = (1, 1),
               totals: tuple[int, int] | None = None) -> str:
    """A standalone HTML page (no scripts) listing the batch's reports and failures."""
    done = [dict(r) for r in records if r["status"] in ("ok", "skipped")]
    failed = [dict(r) for r in records if r["status"] not in ("ok", "skipped")]
    for row in done:
        row["interval"] = _interval(row)
        row["label"] = row.get("title") or row["name"]
    n_done, n_failed = totals or (len(done), len(failed))
    parts: list[Html] = [running_header(title), wrap(Html(f"<h1>{esc(title)}</h1>"), paragraph(
        f"{n_done} report(s), {n_failed} failure(s); generated {run_date}.", "lede"))]
    parts.append(_pager(*page))
    if portfolio and portfolio.get("report"):
        parts.append(wrap(Html(f'<p><a href="{esc(portfolio["report"])}"><strong>Portfolio '
                               "roll-up</strong></a>: value across all scenarios by Knowsley "
                               "outcome, measure, organisation and beneficiary.</p>")))
    elif portfolio and portfolio.get("message"):
        parts.append(wrap(paragraph(f"Portfolio roll-up failed: {portfolio.get('error_name', '')}: "
                                    f"{portfolio['message']}", "bad")))
    columns = [("label", "Scenario"), ("organisation", "Organisation"),
               ("total_present_value", "Present value"), ("total_inputs", "Inputs"),
               ("net_present_value", "NPV"), ("sroi_ratio", "SROI ratio"),
               ("interval", "90% interval"), ("probability_ratio_above_1", "P(ratio > 1)"),
               ("status", "Status")]
    fmt = {"total_present_value": money, "total_inputs": money, "net_present_value": money,
           "sroi_ratio": _ratio,
           "probability_ratio_above_1": lambda v: "" if v is None else f"{v:.0%}"}
    parts.append(section("Reports", table(done, columns, fmt, links={"label": "report"},
                                          numeric=("total_present_value", "total_inputs",
                                                   "net_present_value", "sroi_ratio",
                                                   "probability_ratio_above_1"))
                         if done else paragraph("No reports.")))
    if failed:
        for row in failed:
            row["where"] = (f"cell {row['cell']}: {row.get('cell_source', '')}"
                            if row.get("cell") is not None else "")
        parts.append(section("Failures", table(failed, [
            ("scenario", "Scenario file"), ("status", "Status"), ("error_name", "Error"),
            ("message", "Message"), ("where", "Where")])))
    parts.append(_pager(*page))
    body = "".join(str(p) for p in parts)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8" />'
            f'<meta name="viewport" content="width=device-width, initial-scale=1.0">'
            f"<title>{_html.escape(title)}</title><style>body {{ margin: 1.5rem; }}{CSS}{PRINT_CSS}"
            f"</style></head><body>{body}</body></html>\n")
