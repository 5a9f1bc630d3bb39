"""The tender evaluation report for `notebooks/tender_evaluation.ipynb`.

`build(spec, bids, scores, delivery)` reads and evaluates everything once; each method returns
an `Html` fragment the notebook displays, so the notebook stays a thin list of calls:
bids side by side, charts, flags, the scoring method and sources, and (when delivery returns
are given) delivery monitoring. `write_results(path)` writes the evaluation JSON.

References: Procurement Policy Note 002 (publish the evaluation method; social value at least
10% of the score); SROI Guide (2012) stage 6 (report the assumptions and sources).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from svmodel.util.atomic import write_text_atomic
from svmodel.util.formatting import money, percent
from svmodel.procurement import charts
from svmodel.procurement.scoring import Evaluation, evaluate_files
from svmodel.procurement.types import qty
from svmodel.procurement.flags import FLAG_CODES, flag_title
from svmodel.procurement.monitoring import Monitoring, monitor_files
from svmodel.procurement.errors import TenderError
from svmodel.procurement.spec import TenderSpec, load_spec
from svmodel.util.safety import escape_html
from svmodel.report.html import Html, bullet_list, cards, figure, paragraph, section, table, wrap


@dataclass
class TenderReport:
    evaluation: Evaluation
    monitoring: Monitoring | None
    monitoring_problems: tuple = ()  # why delivery could not be monitored (commitments unreadable)

    @property
    def spec(self):
        return self.evaluation.spec

    def title(self) -> Html:
        spec, model = self.spec, self.spec.model
        lede = (f"{model.buyer} {model.reference}. Contract value {money(spec.contract_value)} over "
                f"{spec.years} years; values in {spec.price_year} prices; framework: {spec.framework.title}.")
        best = self.evaluation.bids[0] if self.evaluation.bids else None
        items = [("Bids evaluated", str(len(self.evaluation.bids)), ""),
                 ("Social value weighting", f"{model.weighting.social_value:g} / 100", "PPN 002 minimum: 10")]
        if best:
            items.append(("Ranked first", best.bidder, f"by {self.evaluation.ranked_by}"))
        return wrap(Html(f"<h1>{escape_html(model.name)}</h1>"), paragraph(lede, "lede"), cards(items))

    def ranking(self) -> Html:
        rows = self.evaluation.ranking().to_dict(orient="records")
        pts = lambda v: "n/a" if v is None or v != v else f"{v:.2f}"  # noqa: E731
        return section("Ranking", table(
            rows, [("rank", "Rank"), ("bidder", "Bidder"), ("gross", "Gross SV"), ("claimed", "Claimed SV"),
                   ("adjusted", "Adjusted SV"), ("scored", "Scored SV"), ("per_pound", "SV per £"),
                   ("sv_score", "SV score"), ("price", "Price"), ("quality", "Quality"), ("total", "Total"),
                   ("flags", "Flags")],
            formats={"gross": money, "claimed": money, "adjusted": money, "scored": money,
                     "per_pound": lambda v: f"£{v:.3f}", "sv_score": pts, "price": pts, "quality": pts,
                     "total": pts},
            numeric=("gross", "claimed", "adjusted", "scored", "per_pound", "sv_score", "price", "quality",
                     "total", "flags")),
            paragraph(self.evaluation.method_text()),
            bullet_list(self.evaluation.notes) if self.evaluation.notes else Html(""))

    def side_by_side(self) -> Html:
        quantities = self.evaluation.side_by_side("total_quantity")
        values = self.evaluation.side_by_side("scored")
        bidders = list(quantities.columns)
        rows = []
        for mid, m in self.spec.measures.items():
            row = {"measure": f"{mid} {m.name}", "unit": m.unit, "target": m.target}
            for b in bidders:
                row[f"q_{b}"] = quantities.loc[mid, b]
                row[f"v_{b}"] = values.loc[mid, b] if m.valued else None
            rows.append(row)
        columns = [("measure", "Measure"), ("unit", "Unit"), ("target", "Target")]
        for b in bidders:
            columns += [(f"q_{b}", f"{b}: committed"), (f"v_{b}", f"{b}: scored SV")]
        formats = {c: (qty if c.startswith("q_") or c == "target" else money) for c, _ in columns[2:]}
        return section("Bids side by side", table(rows, columns, formats=formats,
                                                  numeric=[c for c, _ in columns[2:]], wide=("measure",)))

    def charts(self) -> Html:
        return section("Charts",
                       figure(charts.social_value_by_bid(self.evaluation), "Social value per bid",
                              "Gross, claimed, buyer-adjusted and scored present value per bid (linear "
                              "scale); the dashed line is the plausibility limit set in the specification."),
                       figure(charts.weighted_scores(self.evaluation), "Weighted scores per bid",
                              "Price, quality and social value points (out of 100)."))

    def flags(self) -> Html:
        rows = [{**r, "code": flag_title(r["code"])} for r in self.evaluation.flags_table().to_dict(orient="records")]
        legend = bullet_list([f"{flag_title(code)}: {text}" for code, text in FLAG_CODES.items()])
        if not rows:
            return section("Plausibility flags", paragraph("No flags were raised."), legend)
        return section("Plausibility flags", table(rows, [("bidder", "Bidder"), ("code", "Flag"),
                                                          ("measure", "Measure"), ("message", "Detail")],
                                                   wide=("message",)), legend)

    def lines(self) -> Html:
        rows = self.evaluation.lines_table().to_dict(orient="records")
        return section("Commitments valued", table(
            rows, [("bidder", "Bidder"), ("measure", "Measure"), ("total_quantity", "Committed"),
                   ("unit", "Unit"), ("basis", "Basis"), ("gross", "Gross"), ("claimed", "Claimed"),
                   ("adjusted", "Adjusted"), ("scored", "Scored"), ("scoring_note", "Note"),
                   ("evidence", "Evidence"), ("confidence", "Confidence")],
            formats={"total_quantity": qty, "gross": money, "claimed": money, "adjusted": money, "scored": money},
            numeric=("total_quantity", "gross", "claimed", "adjusted", "scored"), wide=("evidence", "scoring_note")))

    def method(self) -> Html:
        rows = []
        for m in self.spec.measures.values():
            rows.append({"measure": m.id, "unit": m.unit, "valued_as": m.valued_as(self.spec.price_year),
                         "adjust": f"DW {percent(m.deadweight)}, DS {percent(m.displacement)}, "
                                   f"AT {percent(m.attribution)}, DO {percent(m.drop_off)}, {m.duration} yr",
                         "source": m.source, "licence": m.licence, "url": m.url})
        rate = self.spec.model.discounting
        return section("Scoring method and sources", paragraph(self.evaluation.method_text()),
                       paragraph(f"Discounting: {rate.rate} "
                                 f"({'first year discounted, SROI Guide' if rate.first_year_discounted else 'first year undiscounted, Green Book'}). "
                                 "See docs/procurement.md for every formula."),
                       table(rows, [("measure", "Measure"), ("unit", "Unit"), ("valued_as", "Valued as"),
                                    ("adjust", "Buyer's adjustments"), ("source", "Source"), ("licence", "Licence")],
                             links={"source": "url"}, wide=("valued_as", "source")),
                       bullet_list(list(self.spec.warnings)) if self.spec.warnings else Html(""))

    def delivery(self) -> Html:
        if self.monitoring is None and self.monitoring_problems:
            return section("Delivery monitoring", paragraph("Delivery could not be monitored:"),
                           bullet_list([str(p) for p in self.monitoring_problems]))
        if self.monitoring is None:
            return Html("")
        m = self.monitoring
        rows = m.table.to_dict(orient="records")
        t = m.totals
        return section(f"Delivery monitoring: {m.supplier}",
                       cards([("Committed (whole contract)", money(t["committed_whole"]), ""),
                              ("Delivered to date", money(t["delivered_to_date"]), ""),
                              ("Re-forecast on commitment", money(t["reforecast_on_commitment"]), ""),
                              ("Re-forecast at current rate", money(t["reforecast_at_rate"]), "")]),
                       table(rows, [("measure", "Measure"), ("unit", "Unit"), ("committed_to_date", "Committed to date"),
                                    ("delivered", "Delivered"), ("variance_units", "Variance"),
                                    ("committed_value_to_date", "Value committed"), ("delivered_value", "Value delivered"),
                                    ("variance_value", "Value variance")],
                             formats={"committed_to_date": qty, "delivered": qty, "variance_units": qty,
                                      "committed_value_to_date": money, "delivered_value": money,
                                      "variance_value": money},
                             numeric=("committed_to_date", "delivered", "variance_units", "committed_value_to_date",
                                      "delivered_value", "variance_value")),
                       figure(charts.delivery_variance(m), "Delivery against commitments by measure"))

    def failures(self) -> Html:
        failed = list(self.evaluation.failures)
        if self.evaluation.scores_failure:
            failed.append(self.evaluation.scores_failure)
        if self.monitoring is not None:
            failed += self.monitoring.failures
        if not failed:
            return Html("")
        return section("Files that could not be read",
                       bullet_list([str(p) for f in failed for p in f.problems]))

    def write_results(self, path: str) -> Html:
        if not path:
            return Html("")
        write_text_atomic(Path(path), self.evaluation.to_json() + "\n")
        return wrap(paragraph(f"Evaluation written to {path}."))


def build(spec: str | TenderSpec, bids: Sequence[str], scores: str = "", commitments: str = "",
          delivery: Sequence[str] = (), progress: Callable[[Any], None] | None = None) -> TenderReport:
    """Read the specification (a path, or a loaded `TenderSpec`), evaluate the bids and, if
    given, monitor delivery. `progress` is called once per bid file read."""
    tender = spec if isinstance(spec, TenderSpec) else load_spec(spec)
    evaluation = evaluate_files(tender, bids, scores or None, progress)
    monitoring, problems = None, ()
    if commitments and delivery:
        try:
            monitoring = monitor_files(tender, commitments, list(delivery))
        except TenderError as exc:  # the evaluation is still reported
            problems = tuple(exc.problems)
    return TenderReport(evaluation, monitoring, problems)
