"""Bid evaluation: value each bid's commitments, flag the implausible, score, weight and rank.

Valuation (per measure): committed quantity per contract year x the measure's unit value (the
specification's proxy, rebased to its price year, times proxy units per committed unit) x the
buyer's (1 - deadweight) x (1 - displacement) x (1 - attribution), with drop-off and duration,
discounted to present value (svmodel.procurement.valuation, which calls svmodel.engine).
Three totals are kept for each bid:

- gross: the commitments with no adjustment at all;
- claimed: the commitments with the bidder's own deadweight and attribution;
- adjusted: the commitments with the buyer's adjustments (what the buyer believes);
- scored: adjusted, after the specification's evidence rule (`scoring.unevidenced: exclude`
  drops commitments with no evidence) and the panel's moderation.

Count-only measures are counted at face value (GBP 1 per pound) when their unit is pounds
(e.g. K22, private investment), else reported as counts and not valued.

Scoring (docs/procurement.md): `proportional`: score = max points x scored SV / best scored SV;
`targets`: score = max points x sum over targeted measures of min(scored value, target value)
/ sum of target values (capped at each target). Weighted total = price points + quality points
+ social value points (Procurement Policy Note 002: social value at least 10 of 100 points).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import pandas as pd

from svmodel import __version__
from svmodel.util.formatting import money
from svmodel.results import json_safe
from svmodel.procurement.bids import (Bid, BidFailure, CellError, internal_problem, parse_quantity,
                                      read_bids, read_table)
from svmodel.procurement.errors import Problem, TenderError
from svmodel.procurement.flags import flag_bids, flag_title
from svmodel.procurement.spec import TenderSpec
from svmodel.procurement.types import BidResult, LineValue, qty
from svmodel.procurement.valuation import (NONE, Adjustments, buyer_adjustments, present_value,
                                           scale, spread)

RESULTS_KIND = "svmodel.tender_evaluation"
RESULTS_VERSION = 1


@dataclass
class Evaluation:
    spec: TenderSpec
    bids: list[BidResult]
    failures: list[BidFailure]
    ranked_by: str  # "total" or "social value score"
    notes: list[str]
    scores_failure: BidFailure | None = None  # a --scores file that could not be read

    # ------------------------------------------------------------------ tables
    def ranking(self) -> pd.DataFrame:
        """One row per bid in rank order: the table the CLI prints."""
        rows = [{
            "rank": b.rank, "bidder": b.bidder, "gross": b.gross, "claimed": b.claimed,
            "adjusted": b.adjusted, "scored": b.scored, "per_pound": b.per_pound,
            "sv_score": b.sv_score, "price": b.price, "quality": b.quality, "total": b.total,
            "flags": len(b.flags),
        } for b in sorted(self.bids, key=lambda b: b.rank)]
        return pd.DataFrame(rows, columns=["rank", "bidder", "gross", "claimed", "adjusted", "scored",
                                           "per_pound", "sv_score", "price", "quality", "total", "flags"])

    def side_by_side(self, column: str = "scored") -> pd.DataFrame:
        """Measures (rows) by bidder (columns): a value column such as scored or total_quantity."""
        order = [b.bidder for b in sorted(self.bids, key=lambda b: b.rank)]
        data = {m: {b.bidder: (getattr(b.line(m), column) if b.line(m) else 0.0) for b in self.bids}
                for m in self.spec.measures}
        frame = pd.DataFrame.from_dict(data, orient="index")
        return frame.reindex(columns=order).rename_axis("measure")

    def lines_table(self) -> pd.DataFrame:
        rows = []
        for b in sorted(self.bids, key=lambda b: b.rank):
            for l in b.lines:
                rows.append({"bidder": b.bidder, **{k: v for k, v in asdict(l).items()
                                                    if k not in ("quantities", "scored_quantities")}})
        return pd.DataFrame(rows)

    def flags_table(self) -> pd.DataFrame:
        rows = [{"bidder": b.bidder, "code": f.code, "measure": f.measure, "message": f.message}
                for b in sorted(self.bids, key=lambda b: b.rank) for f in b.flags]
        return pd.DataFrame(rows, columns=["bidder", "code", "measure", "message"])

    # ------------------------------------------------------------------ text and JSON
    def method_text(self) -> str:
        model = self.spec.model
        w = model.weighting
        if model.scoring.method == "proportional":
            how = (f"proportional to the best bid: social value score = {w.social_value:g} x bid's "
                   "scored social value / highest scored social value")
        else:
            how = (f"against the buyer's targets: social value score = {w.social_value:g} x sum over "
                   "targeted measures of min(scored value, target value) / sum of target values")
        evidence = ("commitments without evidence are not valued" if model.scoring.unevidenced == "exclude"
                    else "commitments without evidence are valued but flagged")
        return (f"Weighting: price {w.price:g}, quality {w.quality:g}, social value {w.social_value:g} "
                f"points of 100. Social value score {how}. Scored social value is the present value "
                f"of commitments with the buyer's deadweight, displacement and attribution; {evidence}.")

    def to_dict(self) -> dict[str, Any]:
        spec = self.spec
        return json_safe({
            "kind": RESULTS_KIND, "version": RESULTS_VERSION,
            "tender": {"name": spec.name, "buyer": spec.model.buyer, "reference": spec.model.reference,
                       "framework": spec.framework.name, "price_year": spec.price_year,
                       "contract_value": spec.contract_value, "contract_years": spec.years},
            "weighting": spec.model.weighting.model_dump(),
            "scoring": spec.model.scoring.model_dump(),
            "ranked_by": self.ranked_by,
            "method": self.method_text(),
            "bids": [{**{k: v for k, v in asdict(b).items() if k not in ("lines", "flags")},
                      "lines": [asdict(l) for l in b.lines],
                      "flags": [asdict(f) for f in b.flags]}
                     for b in sorted(self.bids, key=lambda b: b.rank)],
            "failures": [{"file": str(f.path), "problems": [str(p) for p in f.problems]}
                         for f in self.failures],
            "scores_failure": ({"file": str(self.scores_failure.path),
                                "problems": [str(p) for p in self.scores_failure.problems]}
                               if self.scores_failure else None),
            "notes": self.notes,
            "warnings": list(spec.warnings),
            "measures": [{"measure": m.id, "name": m.name, "unit": m.unit, "basis": m.basis,
                          "proxy_id": m.proxy_id, "unit_value": m.unit_value,
                          "valued_as": m.valued_as(spec.price_year), "source": m.source,
                          "url": m.url, "licence": m.licence,
                          "deadweight": m.deadweight, "displacement": m.displacement,
                          "attribution": m.attribution, "drop_off": m.drop_off,
                          "duration": m.duration, "target": m.target}
                         for m in spec.measures.values()],
            "provenance": {"svmodel_version": __version__, "proxy_library_version": spec.library.version,
                           "proxy_library_hash": spec.library.content_hash,
                           "specification_hash": spec.file_hash},
        })

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)


# --------------------------------------------------------------------------- valuation
def value_bid(spec: TenderSpec, bid: Bid) -> BidResult:
    """Value every commitment of a bid (before flags and scores)."""
    moderation = {(m.bidder.casefold(), m.measure.upper()): m for m in spec.model.moderation}
    exclude_unevidenced = spec.model.scoring.unevidenced == "exclude"
    lines = []
    for c in bid.commitments:
        m = spec.measures[c.measure]
        buyer = buyer_adjustments(m)
        claimed_adj = Adjustments(c.bidder_deadweight or 0.0, 0.0, c.bidder_attribution or 0.0)
        scored_q, note = c.quantities, ""
        if exclude_unevidenced and not c.evidenced:
            scored_q, note = tuple(0.0 for _ in c.quantities), "no evidence offered: not valued"
        panel = moderation.get((bid.bidder.casefold(), c.measure))
        if panel is not None:
            scored_q = scale(c.quantities, panel.accepted)
            note = f"moderated by the panel to {qty(panel.accepted)} {m.unit}: {panel.reason}"
        target_value = (present_value(spec, m, spread(m.target, spec.years), buyer)
                        if m.target and m.valued else None)
        lines.append(LineValue(
            measure=m.id, name=m.name, unit=m.unit, basis=m.basis, proxy_id=m.proxy_id,
            unit_value=m.unit_value, value_type=m.value_type, source=m.source, licence=m.licence,
            quantities=c.quantities, total_quantity=c.total, scored_quantities=tuple(scored_q),
            scored_quantity=float(sum(scored_q)), scoring_note=note,
            bidder_deadweight=c.bidder_deadweight, bidder_attribution=c.bidder_attribution,
            buyer_deadweight=m.deadweight, buyer_displacement=m.displacement,
            buyer_attribution=m.attribution, drop_off=m.drop_off, duration=m.duration,
            gross=present_value(spec, m, c.quantities, NONE),
            claimed=present_value(spec, m, c.quantities, claimed_adj),
            adjusted=present_value(spec, m, c.quantities, buyer),
            scored=present_value(spec, m, scored_q, buyer),
            target=m.target, target_value=target_value, beneficiaries=c.beneficiaries,
            description=c.description, evidence=c.evidence, evidenced=c.evidenced,
            confidence=c.confidence, row=c.row))
    result = BidResult(bidder=bid.bidder, file=str(bid.path), lines=lines)
    result.gross = sum(l.gross for l in lines)
    result.claimed = sum(l.claimed for l in lines)
    result.adjusted = sum(l.adjusted for l in lines)
    result.scored = sum(l.scored for l in lines)
    result.face_value = sum(l.adjusted for l in lines if l.basis == "face value")
    result.per_pound = result.scored / spec.contract_value
    return result


def target_total(spec: TenderSpec) -> float:
    """Sum of target values (buyer-adjusted present value) of the valued measures with targets."""
    return sum(present_value(spec, m, spread(m.target, spec.years), buyer_adjustments(m))
               for m in spec.measures.values() if m.target and m.valued)


def sv_scores(spec: TenderSpec, results: Sequence[BidResult]) -> list[float]:
    """Social value points of each bid under the specification's scoring method."""
    points = spec.model.weighting.social_value
    if spec.model.scoring.method == "proportional":
        best = max((r.scored for r in results), default=0.0)
        return [points * r.scored / best if best > 0 else 0.0 for r in results]
    denominator = target_total(spec)
    scores = []
    for r in results:
        capped = sum(min(l.scored, l.target_value) for l in r.lines if l.target_value)
        scores.append(points * capped / denominator if denominator > 0 else 0.0)
    return scores


def _rank(values: Sequence[float]) -> list[int]:
    """Competition ranking (1, 2, 2, 4), highest first; ties to within a millionth of a point."""
    return [1 + sum(1 for other in values if other > v + 1e-6) for v in values]


def evaluate_bids(spec: TenderSpec, bids: Sequence[Bid], failures: Sequence[BidFailure] = (),
                  scores: dict[str, tuple[float, float]] | None = None) -> Evaluation:
    """Value, flag, score and rank the bids that were read."""

    results = [value_bid(spec, bid) for bid in bids]
    flag_bids(spec, results)
    for result, points in zip(results, sv_scores(spec, results)):
        result.sv_score = points
    given = {k.casefold(): (v.price, v.quality) for k, v in spec.model.scores.items()}
    given.update({k.casefold(): v for k, v in (scores or {}).items()})
    notes = []
    for result in results:
        if result.bidder.casefold() in given:
            result.price, result.quality = given[result.bidder.casefold()]
            result.total = result.price + result.quality + result.sv_score
    unmatched = sorted(set(given) - {r.bidder.casefold() for r in results})
    if unmatched:
        notes.append("price and quality scores given for bidders with no bid read: " + ", ".join(unmatched))
    moderated = {m.bidder.casefold() for m in spec.model.moderation}
    stray = sorted(moderated - {r.bidder.casefold() for r in results})
    if stray:
        notes.append("moderation given for bidders with no bid read: " + ", ".join(stray))
    if results and all(r.total is not None for r in results):
        ranked_by = "total"
        ranks = _rank([r.total for r in results])  # type: ignore[misc]
    else:
        ranked_by = "social value score"
        ranks = _rank([r.sv_score for r in results])
        if results:
            missing = [r.bidder for r in results if r.total is None]
            notes.append("ranked by social value score only: no price and quality scores for "
                         + ", ".join(missing) + " (give them under `scores:` or with --scores)")
    for result, rank in zip(results, ranks):
        result.rank = rank
    results.sort(key=lambda r: (r.rank, r.bidder.casefold()))
    return Evaluation(spec=spec, bids=results, failures=list(failures), ranked_by=ranked_by, notes=notes)


def evaluate_files(spec: TenderSpec, paths: Iterable[str | os.PathLike[str]],
                   scores_path: str | os.PathLike[str] | None = None,
                   progress: Callable[[str | os.PathLike[str]], None] | None = None) -> Evaluation:
    """Read the bid files (failures kept apart), read optional scores, evaluate. `progress` is
    called once per bid file read (svmodel.procurement.bids.read_bids)."""
    bids, failures = read_bids(paths, spec, progress)
    scores, scores_failure = None, None
    if scores_path:
        try:
            scores = read_scores(scores_path, spec)
        except TenderError as exc:
            scores_failure = BidFailure(Path(scores_path), tuple(exc.problems))
        except Exception as exc:  # noqa: BLE001 - the bids are still evaluated
            scores_failure = BidFailure(Path(scores_path), (internal_problem(scores_path, exc),))
    evaluation = evaluate_bids(spec, bids, failures, scores)
    if scores_failure is not None:
        evaluation.scores_failure = scores_failure
        evaluation.notes.insert(0, f"the scores file {scores_path} could not be read, so its price and "
                                   "quality points are not used (see the errors)")
    return evaluation


def read_scores(path: str | os.PathLike[str], spec: TenderSpec) -> dict[str, tuple[float, float]]:
    """Price and quality points per bidder from a CSV or xlsx with columns bidder, price, quality."""
    table = read_table(path, sheet="Scores")
    file = str(table.path)
    missing = [c for c in ("bidder", "price", "quality") if c not in table.columns]
    if missing:
        raise TenderError([Problem(file, "header", f"missing column(s) {', '.join(missing)}; a scores "
                                                     "file has columns bidder, price, quality")])
    w = spec.model.weighting
    problems: list[Problem] = []
    out: dict[str, tuple[float, float]] = {}
    for row in table.rows:
        bidder = str(row.cells.get("bidder") or "").strip()
        where = table.where(row.number)
        if not bidder:
            problems.append(Problem(file, f"{where}, bidder", "the bidder name is missing"))
            continue
        points = []
        for column, limit in (("price", w.price), ("quality", w.quality)):
            try:
                value = parse_quantity(row.cells.get(column))
            except CellError as exc:
                problems.append(Problem(file, f"{where}, {column}", str(exc)))
                continue
            if value is None:
                problems.append(Problem(file, f"{where}, {column}", f"missing; expected points from 0 to {limit:g}"))
            elif value > limit + 1e-9:
                problems.append(Problem(file, f"{where}, {column}",
                                        f"{value:g} is above the {column} weighting; expected points "
                                        f"from 0 to {limit:g}"))
            else:
                points.append(value)
        if len(points) == 2:
            out[bidder] = (points[0], points[1])
    if problems:
        raise TenderError(problems)
    return out


# --------------------------------------------------------------------------- text output
def ranking_text(evaluation: Evaluation) -> str:
    """The ranking as a plain-text table (what `svmodel tender evaluate` prints)."""
    frame = evaluation.ranking()
    if frame.empty:
        return "(no bid could be read)"
    pts = lambda v: "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.2f}"  # noqa: E731
    shown = pd.DataFrame({
        "Rank": frame["rank"], "Bidder": frame["bidder"],
        "Gross SV": frame["gross"].map(money), "Claimed SV": frame["claimed"].map(money),
        "Adjusted SV": frame["adjusted"].map(money), "Scored SV": frame["scored"].map(money),
        "SV per £": frame["per_pound"].map(lambda v: f"£{v:.3f}"),
        "SV score": frame["sv_score"].map(pts), "Price": frame["price"].map(pts),
        "Quality": frame["quality"].map(pts), "Total": frame["total"].map(pts),
        "Flags": frame["flags"],
    })
    return shown.to_string(index=False)


def summary(evaluation: Evaluation) -> str:
    spec = evaluation.spec
    model = spec.model
    out = [f"{spec.name}" + (f" ({model.buyer})" if model.buyer else ""),
           f"Contract value {money(spec.contract_value)} over {spec.years} years; {spec.price_year} prices; "
           f"framework {spec.framework.name}; ranked by {evaluation.ranked_by}", "",
           ranking_text(evaluation), "", evaluation.method_text()]
    for bid in evaluation.bids:
        out += ["", f"{bid.rank}. {bid.bidder} ({bid.file})"]
        for l in bid.lines:
            if l.basis == "count only":
                out.append(f"   {l.measure:<4} {qty(l.total_quantity):>12} {l.unit}: counted, not valued")
                continue
            extra = f" [{l.scoring_note}]" if l.scoring_note else ""
            basis = " (face value)" if l.basis == "face value" else ""
            out.append(f"   {l.measure:<4} {qty(l.total_quantity):>12} {l.unit}{basis}: gross {money(l.gross)}, "
                       f"claimed {money(l.claimed)}, adjusted {money(l.adjusted)}, scored {money(l.scored)}{extra}")
        for f in bid.flags:
            out.append(f"   FLAG {flag_title(f.code)}" + (f" ({f.measure})" if f.measure else "")
                       + f": {f.message} [{f.code}]")
    if evaluation.failures:
        out += ["", "Bids that could not be read (not ranked)"]
        for failure in evaluation.failures:
            out += [f"  {p}" for p in failure.problems]
    if evaluation.scores_failure:
        out += ["", "Scores file that could not be read (its points are not used)"]
        out += [f"  {p}" for p in evaluation.scores_failure.problems]
    if evaluation.notes or spec.warnings:
        out += ["", "Notes"] + [f"  - {n}" for n in (*evaluation.notes, *spec.warnings)]
    return "\n".join(out)


def write_outputs(evaluation: Evaluation, directory: Path) -> list[Path]:
    """ranking.csv, lines.csv, flags.csv and evaluation.json, each written atomically."""
    from svmodel.util.atomic import write_text_atomic
    from svmodel.util.safety import csv_text

    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise TenderError([Problem(str(directory), "", "exists and is not a folder")])
    written = []
    for name, frame in (("ranking.csv", evaluation.ranking()), ("lines.csv", evaluation.lines_table()),
                        ("flags.csv", evaluation.flags_table())):
        written.append(write_text_atomic(directory / name, csv_text(frame)))
    written.append(write_text_atomic(directory / "evaluation.json", evaluation.to_json() + "\n"))
    return written
