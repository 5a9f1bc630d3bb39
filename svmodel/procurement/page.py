"""The tender panel's report as one self-contained HTML page, built from Jinja2 templates
(`svmodel/procurement/templates/`), styled for screen and for A4 paper.

`page_context(report)` turns an evaluated tender (`svmodel.procurement.panel_report.TenderReport`)
into plain rows of display text; `render(report)` fills the templates with them. Nothing the
user typed reaches the page unescaped: every `{{ ... }}` value goes through
`svmodel.util.safety.escape_html` (the environment's `finalize`), links through `html_link`,
and only svmodel's own markup (charts as PNG data URIs, links) is passed as `Markup`.
Charts are embedded, so the page opens and prints offline.

Print (CSS Paged Media, as Chromium prints it): A4 portrait, a running header and "Page N of M"
in `@page` margin boxes, table headers repeated on every page, rows and figures never split,
wide tables split by bidders rather than cut at the right edge.

References: Procurement Policy Note 002 (publish the evaluation method); SROI Guide (2012)
stage 6 (report assumptions and sources); W3C CSS Paged Media Module Level 3 (margin boxes).
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from markupsafe import Markup

from svmodel import __version__
from svmodel.parameters import PARAMETERS
from svmodel.procurement import charts
from svmodel.procurement.charts import VALUE_LEGEND
from svmodel.procurement.flags import FLAG_CODES, flag_title
from svmodel.procurement.panel_report import TenderReport
from svmodel.procurement.types import BidResult, qty
from svmodel.report.render import template_environment
from svmodel.util.formatting import money, percent
from svmodel.util.safety import escape_html, html_link

#: Bidders per "side by side" table: 2 measure columns + 2 per bidder stay within A4's width.
BIDDERS_PER_TABLE = 3
CHART_DPI = 150  # sharp on paper at the page's 17 cm width


# --------------------------------------------------------------------------- view model
@dataclass(frozen=True)
class Column:
    title: str
    kind: str = "text"  # "text", "num" (right-aligned figures), "qty" (a figure with its unit,
    #                     right-aligned and wrapping) or "wide" (long prose)


@dataclass
class Table:
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)  # cells: str, or Markup for links
    caption: str = ""
    totals: list[Any] | None = None
    groups: list[tuple[str, int]] | None = None  # a heading row above: (title, columns spanned)


def _points(value: float | None) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.2f}"


def _png(fig: Any) -> Markup:
    """A matplotlib figure as an <img> with a PNG data URI (self-contained, no timestamps)."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=CHART_DPI, metadata={"Software": None})
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return Markup(f'<img src="data:image/png;base64,{data}" alt="" />')


def _link(url: str, text: str) -> Any:
    """A link when the URL's scheme is allowed (svmodel.util.safety.html_link), else the text."""
    return Markup(html_link(url, text)) if url else text


def ranking_table(report: TenderReport) -> Table:
    columns = [Column("Rank", "num"), Column("Bidder"), Column("Social value points", "num"),
               Column("Price points", "num"), Column("Quality points", "num"), Column("Total points", "num"),
               Column("Flags", "num")]
    rows = [[str(b.rank), b.bidder, _points(b.sv_score), _points(b.price), _points(b.quality),
             _points(b.total), str(len(b.flags))] for b in _ranked(report)]
    w = report.spec.model.weighting
    return Table(columns, rows, caption=f"Points out of 100: price {w.price:g}, quality {w.quality:g}, "
                                        f"social value {w.social_value:g}")


def values_table(report: TenderReport) -> Table:
    spec = report.spec
    columns = [Column("Bidder"), Column("Gross", "num"), Column("Claimed", "num"), Column("Adjusted", "num"),
               Column("Scored", "num"), Column("Adjusted as share of contract", "num"),
               Column("Scored per £ of contract", "num")]
    rows = [[b.bidder, money(b.gross), money(b.claimed), money(b.adjusted), money(b.scored),
             percent(b.adjusted / spec.contract_value, 1), f"£{b.per_pound:.3f}"] for b in _ranked(report)]
    return Table(columns, rows, caption=f"Present value, {spec.price_year} prices, over the contract and "
                                        "each outcome's duration")


def side_by_side_tables(report: TenderReport, per_table: int = BIDDERS_PER_TABLE) -> list[Table]:
    """Measures by bidder (committed quantity and scored value), a few bidders per table so
    that no table is wider than the page; each bidder's name heads its two columns."""
    bids = _ranked(report)
    tables = []
    for start in range(0, max(len(bids), 1), per_table):
        group = bids[start:start + per_table]
        columns = [Column("Measure (unit)", "wide"), Column("Target", "num")]
        groups: list[tuple[str, int]] = [("", 2)]
        for b in group:
            columns += [Column("Committed", "num"), Column("Scored value", "num")]
            groups.append((b.bidder, 2))
        rows = []
        for mid, m in report.spec.measures.items():
            row: list[Any] = [f"{mid} {m.name} ({m.unit})", "" if m.target is None else qty(m.target)]
            for b in group:
                line = b.line(mid)
                row.append(qty(line.total_quantity) if line else "")
                row.append((money(line.scored) if m.valued else "not valued") if line else "")
            rows.append(row)
        totals = ["Total", ""]
        for b in group:
            totals += ["", money(b.scored)]
        caption = "" if len(bids) <= per_table else f"Bidders ranked {start + 1} to {start + len(group)}"
        tables.append(Table(columns, rows, caption=caption, totals=totals, groups=groups))
    return tables


def flags_table(report: TenderReport) -> Table:
    columns = [Column("Bidder"), Column("Measure"), Column("Flag"), Column("What was found", "wide")]
    rows = [[b.bidder, f.measure or "whole bid", flag_title(f.code), f.message]
            for b in _ranked(report) for f in b.flags]
    return Table(columns, rows)


def commitments_table(report: TenderReport, bid: BidResult) -> Table:
    columns = [Column("Measure", "wide"), Column("Committed", "qty"), Column("Gross", "num"),
               Column("Claimed", "num"), Column("Adjusted", "num"), Column("Scored", "num"),
               Column("Evidence offered", "wide"), Column("Panel note", "wide")]
    rows = []
    for l in bid.lines:
        valued = l.basis != "count only"
        show = (lambda v: money(v)) if valued else (lambda v: "not valued")  # noqa: E731
        yours = []
        if l.bidder_deadweight is not None:
            yours.append(f"bidder's deadweight {percent(l.bidder_deadweight)}")
        if l.bidder_attribution is not None:
            yours.append(f"bidder's attribution {percent(l.bidder_attribution)}")
        note = "; ".join([x for x in (l.scoring_note, ", ".join(yours),
                                      f"confidence {l.confidence}" if l.confidence else "") if x])
        rows.append([f"{l.measure} {l.name}", f"{qty(l.total_quantity)} {l.unit}", show(l.gross),
                     show(l.claimed), show(l.adjusted), show(l.scored), l.evidence or "none", note])
    totals = ["Total", "", money(bid.gross), money(bid.claimed), money(bid.adjusted), money(bid.scored), "", ""]
    return Table(columns, rows, totals=totals)


def method_table(report: TenderReport) -> Table:
    spec = report.spec
    label = {n: PARAMETERS[n].label for n in ("deadweight", "displacement", "attribution", "drop_off")}
    columns = [Column("Measure"), Column("Unit"), Column("Valued as", "wide"),
               Column("Buyer's adjustments", "wide"), Column("Source", "wide"), Column("Licence")]
    rows = []
    for m in spec.measures.values():
        adjust = (f"{label['deadweight']} {percent(m.deadweight)}, {label['displacement'].lower()} "
                  f"{percent(m.displacement)}, {label['attribution'].lower()} {percent(m.attribution)}, "
                  f"{label['drop_off'].lower()} {percent(m.drop_off)}, lasting {m.duration} "
                  f"year{'s' if m.duration != 1 else ''}")
        valued = m.valued_as(spec.price_year) if m.basis != "proxy" else (
            f"{m.proxy_name} ({m.proxy_id}): £{m.rebased_proxy_value:,.2f} {m.proxy_unit.lower()}"
            + (f" x {m.units_per_unit:g}" if m.units_per_unit != 1 else "")
            + f" = £{m.unit_value:,.2f} per unit")
        rows.append([f"{m.id} {m.name}", m.unit, valued, adjust if m.valued else "none (not valued)",
                     _link(m.url, m.source), m.licence])
    return Table(columns, rows)


def delivery_table(report: TenderReport) -> Table | None:
    if report.monitoring is None:
        return None
    columns = [Column("Measure"), Column("Unit"), Column("Committed to date", "num"), Column("Delivered", "num"),
               Column("Variance", "num"), Column("Value committed", "num"), Column("Value delivered", "num"),
               Column("Value variance", "num")]
    rows = [[r["measure"], r["unit"], qty(r["committed_to_date"]), qty(r["delivered"]), qty(r["variance_units"]),
             money(r["committed_value_to_date"]), money(r["delivered_value"]), money(r["variance_value"])]
            for r in report.monitoring.table.to_dict(orient="records")]
    return Table(columns, rows)


def _ranked(report: TenderReport) -> list[BidResult]:
    return sorted(report.evaluation.bids, key=lambda b: (b.rank, b.bidder.casefold()))


def summary_sentences(report: TenderReport) -> list[str]:
    """The evaluation in a few sentences, written from the figures."""
    evaluation, spec = report.evaluation, report.spec
    bids = _ranked(report)
    if not bids:
        return ["No bid could be read, so none was evaluated (see the files that could not be read)."]
    first = bids[0]
    out = [f"{len(bids)} bid{'s were' if len(bids) != 1 else ' was'} evaluated and ranked by "
           f"{evaluation.ranked_by}. {first.bidder} ranks first"
           + (f" with {first.total:.2f} points of 100" if first.total is not None else
              f" with {first.sv_score:.2f} social value points")
           + f" and scored social value of {money(first.scored)} ({percent(first.scored / spec.contract_value, 1)} "
             f"of the {money(spec.contract_value)} contract)."]
    flagged = [b for b in bids if b.flags]
    if flagged:
        worst = max(bids, key=lambda b: b.claimed - b.scored)
        out.append(f"{len(flagged)} of {len(bids)} bids carry plausibility flags. The largest gap between what "
                   f"was claimed and what is scored is {worst.bidder}'s: {money(worst.claimed)} claimed, "
                   f"{money(worst.scored)} scored.")
    else:
        out.append("No bid carries a plausibility flag.")
    failed = len(evaluation.failures)
    if failed:
        out.append(f"{failed} bid file{'s' if failed != 1 else ''} could not be read and "
                   f"{'are' if failed != 1 else 'is'} not ranked (listed at the end).")
    return out


def page_context(report: TenderReport, today: date | None = None) -> dict[str, Any]:
    """Everything the templates show, as display text (escaped when rendered)."""
    evaluation, spec = report.evaluation, report.spec
    model = spec.model
    bids = _ranked(report)
    rate = model.discounting
    failed = [p for f in evaluation.failures for p in f.problems]
    if evaluation.scores_failure:
        failed += list(evaluation.scores_failure.problems)
    if report.monitoring is not None:
        failed += [p for f in report.monitoring.failures for p in f.problems]
    cards = [("Bids evaluated", str(len(bids)), f"{len(evaluation.failures)} not readable" if evaluation.failures else ""),
             ("Contract value", money(spec.contract_value), f"{spec.years} years, {spec.price_year} prices"),
             ("Social value weighting", f"{model.weighting.social_value:g} / 100", "PPN 002 minimum: 10")]
    if bids:
        cards.append(("Ranked first", bids[0].bidder, f"by {evaluation.ranked_by}"))
    charts_ = []
    if bids:
        charts_ = [
            {"img": _png(charts.social_value_by_bid(evaluation)),
             "alt": "Bar chart of gross, claimed, adjusted and scored social value per bid",
             "caption": "Linear scale. The dashed line is the plausibility limit the specification sets "
                        "(a share of the contract value)."},
            {"img": _png(charts.weighted_scores(evaluation)),
             "alt": "Stacked bar chart of price, quality and social value points per bid",
             "caption": "Price, quality and social value points, out of 100."},
        ]
    monitoring = report.monitoring
    delivery = None
    if monitoring is not None:
        t = monitoring.totals
        delivery = {"supplier": monitoring.supplier, "table": delivery_table(report),
                    "cards": [("Committed (whole contract)", money(t["committed_whole"]), ""),
                              ("Delivered to date", money(t["delivered_to_date"]), ""),
                              ("Re-forecast on commitment", money(t["reforecast_on_commitment"]), ""),
                              ("Re-forecast at current rate", money(t["reforecast_at_rate"]), "")],
                    "chart": {"img": _png(charts.delivery_variance(monitoring)),
                              "alt": "Delivery against commitments by measure", "caption": ""}}
    return {
        "title": model.name,
        "buyer": model.buyer, "reference": model.reference, "description": model.description,
        "lede": f"Contract value {money(spec.contract_value)} over {spec.years} years; values in "
                f"{spec.price_year} prices; framework: {spec.framework.title}.",
        "cards": cards,
        "summary": summary_sentences(report),
        "ranking": ranking_table(report) if bids else None,
        "values": values_table(report) if bids else None,
        "value_legend": [(kind.capitalize(), text.split(": ", 1)[1]) for kind, text in VALUE_LEGEND.items()],
        "charts": charts_,
        "side_by_side": side_by_side_tables(report) if bids else [],
        "flags": flags_table(report) if any(b.flags for b in bids) else None,
        "flag_legend": [(flag_title(code), text) for code, text in FLAG_CODES.items()],
        "commitments": [{"bidder": b.bidder, "rank": b.rank, "file": b.file, "table": commitments_table(report, b)}
                        for b in bids],
        "method": evaluation.method_text(),
        "discounting": f"Discount rate {percent(rate.rate, 1)} a year "
                       + ("(first year discounted, SROI Guide convention)." if rate.first_year_discounted
                          else "(first year undiscounted, Green Book convention)."),
        "method_table": method_table(report),
        "notes": list(evaluation.notes),
        "warnings": list(spec.warnings),
        "delivery": delivery,
        "monitoring_problems": [str(p) for p in report.monitoring_problems],
        "failures": [str(p) for p in failed],
        "provenance": f"svmodel {__version__}; proxy library {spec.library.version} "
                      f"({spec.library.content_hash[:12]}); specification {spec.file_hash[:12]}; "
                      f"written {(today or date.today()).isoformat()}.",
    }


# --------------------------------------------------------------------------- rendering
def _finalize(value: Any) -> Any:
    """Every value a template prints: svmodel's own markup (and macro output, which autoescape
    makes `Markup`) as it is, anything else escaped by svmodel.util.safety.escape_html."""
    if isinstance(value, Markup):
        return value
    return Markup(escape_html(value))


@lru_cache(maxsize=1)
def environment() -> Any:
    """The Jinja2 environment over the shipped templates (built once per process)."""
    from jinja2 import PackageLoader

    return template_environment(PackageLoader("svmodel.procurement", "templates"),
                                finalize=_finalize, keep_trailing_newline=True)


def render(report: TenderReport, today: date | None = None) -> str:
    """The panel's report as a complete HTML page."""
    return environment().get_template("panel_report.html.j2").render(page_context(report, today))
