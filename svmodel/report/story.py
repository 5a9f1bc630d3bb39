"""The report's words written from its figures: the executive summary, the per-line account of
each judgement, the methodology, the generated limitations and the SROI principles checklist.

Pure functions over a scenario, its results and its uncertainty frames; the templates in
svmodel/report/templates/sroi/ lay them out. Every sentence traces to an input or a computed
figure; nothing is invented.

References: SROI Guide (2012), "A guide to Social Return on Investment", Social Value UK
(stages 1-6, the seven principles of social value); Social Value UK report assurance standard
(the report shows scope, stakeholders, the impact map, judgements and their reasons);
HM Treasury Green Book (2022) Annex A5 (sensitivity, switching values, Monte Carlo).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

import pandas as pd

from svmodel.parameters import PARAMETERS
from svmodel.report.labels import (change_text, outcome_names, parameter_label, parameter_value,
                                   sensitivity_label)
from svmodel.scenario.narrative import REASON_FIELDS
from svmodel.util.formatting import money, percent, percent_short, ratio

#: The judgements on a line and the scenario field holding each one's figure.
_JUDGEMENT_FIELDS = {"quantity": "quantity", "proxy": "unit_value", "deadweight": "deadweight",
                     "displacement": "displacement", "attribution": "attribution",
                     "drop_off": "drop_off", "duration": "duration"}
#: Judgements a reader expects a reason for whenever the figure is not zero (SROI Guide stage 4).
_ADJUSTMENTS = ("deadweight", "displacement", "attribution", "drop_off")

#: Each convention profile: what it fixes and the source it follows (docs/conventions.md).
CONVENTIONS: dict[str, tuple[str, str]] = {
    "svuk_2012": ("Social Value UK conventions: the file's own discount rate and whether the "
                  "first year is discounted; drop-off from an outcome's second year.",
                  "Social Value UK (2012), A guide to Social Return on Investment (the SROI Guide)"),
    "green_book_2022": ("HM Treasury conventions: the declining social time preference rate "
                        "schedule (3.5% for years 0-30), year 1 treated as year 0 (undiscounted), "
                        "optimism bias on costs where the file asks for it.",
                        "HM Treasury (2022), The Green Book, Annex A6"),
    "green_book_2026": ("HM Treasury conventions as in the 2022 edition: the STPR schedule, year 1 "
                        "undiscounted.", "HM Treasury (2026), The Green Book, chapter 6"),
    "gmca_cba_2014": ("The GMCA cost-benefit analysis method for local partnerships: the Green Book "
                      "discounting, with optimism bias and confidence-grade corrections.",
                      "HM Treasury / GMCA (2014), Supporting public service transformation: cost "
                      "benefit analysis guidance for local partnerships"),
}


# ---------------------------------------------------------------------------- helpers
def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _outcomes_by_id(scenario: Any) -> dict[str, Any]:
    return {outcome.id: outcome for outcome in scenario.model.outcomes}


def ratio_in_text(text: str) -> str:
    """Ratios in uncertainty messages ("the ratio is 1.398", "stays between 1.2 and 1.4") in the
    report's format, "£1.40 : £1"."""
    text = re.sub(r"ratio (is|of) (-?\d+(?:\.\d+)?)",
                  lambda m: f"ratio {m.group(1)} {ratio(float(m.group(2)))}", text)
    text = re.sub(r"between (-?\d+(?:\.\d+)?) and (-?\d+(?:\.\d+)?)",
                  lambda m: f"between {ratio(float(m.group(1)))} and {ratio(float(m.group(2)))}",
                  text)
    return text.replace("still above 1", "still above £1 : £1").replace(
        "still below 1", "still below £1 : £1")


_NAMED_VALUE = re.compile(r"\b(at|need|from|to) ([a-z_.]+) (-?[\d,]+(?:\.\d+)?(?:e-?\d+)?)(%?)")


def parameter_words(text: str) -> str:
    """Parameter names and values in an uncertainty message in words and their own unit
    ("drop_off 0%" -> "drop-off 0%", "value -192.495" -> "proxy value -£192.50")."""
    def named(match: re.Match[str]) -> str:
        word, name, number, pct = match.groups()
        if name not in PARAMETERS:
            return match.group(0)
        value = float(number.replace(",", "")) / (100 if pct else 1)
        label = parameter_label(name)
        return f"{word} {label[:1].lower() + label[1:]} {parameter_value(name, value)}"

    return _NAMED_VALUE.sub(named, text)


# ---------------------------------------------------------------------------- sensitivity
def top_movers(one_way: pd.DataFrame, scenario: Any, top: int = 3) -> list[dict[str, Any]]:
    """The `top` parameters whose one-way range moves the ratio most (Green Book Annex A5)."""
    if one_way.empty:
        return []
    names = outcome_names(scenario)
    rows = []
    for row in one_way.sort_values("swing", ascending=False).head(top).to_dict(orient="records"):
        low_r, high_r = float(row["ratio_low"]), float(row["ratio_high"])
        rows.append({
            "label": sensitivity_label(row.get("line"), row["parameter"], names),
            "low": parameter_value(row["parameter"], row["low"]),
            "high": parameter_value(row["parameter"], row["high"]),
            "base": parameter_value(row["parameter"], row["base"]),
            "ratio_low": ratio(low_r), "ratio_high": ratio(high_r),
            "range_from": _range_source(str(row.get("source") or "")),
        })
    return rows


def _range_source(source: str) -> str:
    """The uncertainty module's range source in words."""
    source = source.replace("uncertainty: ", "the scenario's ").replace("+/-", "±")
    source = source.replace("proxy value_low..value_high", "the proxy's published low and high values")
    if source.startswith("the scenario's "):
        source += " distribution"
    return parameter_words(source)


def one_way_rows(one_way: pd.DataFrame, scenario: Any, top: int = 12) -> list[dict[str, Any]]:
    """The table under the tornado: human labels, values in their unit, ratios as £x : £1."""
    names = outcome_names(scenario)
    out = []
    for row in one_way.sort_values("swing", ascending=False).head(top).to_dict(orient="records"):
        name = row["parameter"]
        out.append({
            "label": sensitivity_label(row.get("line"), name, names),
            "base": parameter_value(name, row["base"]), "low": parameter_value(name, row["low"]),
            "high": parameter_value(name, row["high"]),
            "ratio_low": ratio(row["ratio_low"]), "ratio_high": ratio(row["ratio_high"]),
            "swing": f"{float(row['swing']):.2f}", "source": _range_source(str(row.get("source") or "")),
        })
    return out


def tornado_labels(one_way: pd.DataFrame, scenario: Any) -> dict[tuple[Any, str], str]:
    names = outcome_names(scenario)
    return {(row.line, row.parameter): sensitivity_label(row.line, row.parameter, names)
            for row in one_way.itertuples()}


def switching_rows(switching: pd.DataFrame, scenario: Any) -> tuple[list[dict[str, Any]],
                                                                    list[dict[str, Any]]]:
    """(reachable, unreachable) switching values in words, closest to tipping first:
    "Discount rate: 3.5% -> 73.8% (+2,009%)"."""
    names = outcome_names(scenario)
    reachable, unreachable = [], []
    frame = switching.copy()
    frame["_order"] = frame["change_percent"].abs()
    for row in frame.sort_values("_order", na_position="last").to_dict(orient="records"):
        name = row["parameter"]
        entry = {"label": sensitivity_label(row.get("line"), name, names),
                 "base": parameter_value(name, row["base"])}
        if bool(row.get("reachable")) and _finite(row.get("switching_value")):
            entry["switching"] = parameter_value(name, row["switching_value"])
            entry["change"] = change_text(row["base"], row["switching_value"])
            reachable.append(entry)
        else:
            entry["reason"] = ratio_in_text(parameter_words(str(row.get("reason") or "")))
            unreachable.append(entry)
    return reachable, unreachable


# ---------------------------------------------------------------------------- lines
@dataclass
class LineAccount:
    """One outcome line as the report tells it: the words, the figures and their reasons."""

    id: str
    outcome: str
    stakeholder: str
    description: str
    output: str
    change: str
    indicator: str
    evidence: str
    notes: str
    present_value: str
    counted: bool
    excluded: str
    judgements: list[dict[str, str]] = field(default_factory=list)

    @property
    def missing_reasons(self) -> list[str]:
        return [j["label"] for j in self.judgements if j["expected"] and not j["reason"]]


def line_accounts(scenario: Any, results: Any) -> list[LineAccount]:
    """Every line with each judgement's figure next to its reason (SROI Guide principle 6)."""
    outcomes = _outcomes_by_id(scenario)
    pvs = dict(zip([line.id for line in scenario.lines], results.engine.line_present_values))
    accounts = []
    for line in scenario.lines:
        outcome = outcomes.get(line.id)
        reasons = outcome.reasons.given() if outcome is not None else {}
        judgements = []
        for name in REASON_FIELDS:
            attr = _JUDGEMENT_FIELDS[name]
            value = getattr(line, attr)
            if name == "proxy":
                label = "Financial proxy"
                proxy = line.proxy_name or line.proxy_id or "inline value"
                unit = str(line.unit or "unit").strip()
                unit = unit[4:] if unit.lower().startswith("per ") else unit
                figure = f"{money(value, 2)} per {unit.lower()} ({proxy})"
                expected = True
            else:
                label = parameter_label(name)
                figure = parameter_value(name, value)
                expected = name in ("quantity", "duration") or (name in _ADJUSTMENTS and value)
            judgements.append({"name": name, "label": label, "figure": figure,
                               "reason": reasons.get(name, ""), "expected": bool(expected)})
        excluded = ""
        if not line.counted:
            excluded = ("a transfer payment, left out of the total (include_transfers: false)"
                        if line.transfer else "left out of the total")
        if line.excluded_by:
            excluded = f"left out of the total: {line.excluded_by}"
        accounts.append(LineAccount(
            id=line.id, outcome=line.outcome or line.id, stakeholder=line.stakeholder,
            description=getattr(outcome, "description", "") or "",
            output=getattr(outcome, "output", "") or "",
            change=getattr(outcome, "change", "intended") or "intended",
            indicator=line.indicator or "", evidence=getattr(outcome, "evidence", "") or "",
            notes=getattr(outcome, "notes", "") or "", present_value=money(pvs.get(line.id, math.nan)),
            counted=bool(line.counted and not line.excluded_by), excluded=excluded,
            judgements=judgements))
    return accounts


# ---------------------------------------------------------------------------- summary
def not_valued(scenario: Any, results: Any) -> list[str]:
    """What the figures leave out: stakeholders not included, excluded lines, transfers."""
    items = []
    for group in scenario.model.stakeholders:
        if not group.included:
            items.append(f"{group.name}: not included" + (f" ({group.reason})" if group.reason else
                                                          " (no reason recorded)"))
    for account in line_accounts(scenario, results):
        if not account.counted:
            items.append(f"{account.outcome} ({account.stakeholder}): {account.excluded}")
    transfers = float(results.excluded_transfers_present_value or 0.0)
    if transfers:
        items.append(f"Transfer payments worth {money(transfers)} (present value) are left out of "
                     "the total: they move money between parties rather than create value.")
    return items


def executive_summary(report: Any) -> dict[str, Any]:
    """The summary's sentences and lists, all from the report's figures."""
    results, scenario = report.results, report.scenario
    model = scenario.model
    headline = (f"For {money(results.total_inputs)} of inputs (present value), the "
                f"{'forecast' if model.kind == 'forecast' else 'evaluation'} finds outcomes worth "
                f"{money(results.total_present_value)} in present value: an SROI ratio of "
                f"{ratio(results.sroi_ratio)} and a net present value of "
                f"{money(results.net_present_value)}.")
    summary = report.mc_summary if report.simulated else None
    probability = None
    if summary is not None:
        r = summary.sroi_ratio
        probability = (f"Across {summary.draws:,} Monte Carlo draws the ratio exceeds £1 : £1 in "
                       f"{percent(summary.probability_ratio_above_1, 0)} of them (90% interval "
                       f"{ratio(r['p5'])} to {ratio(r['p95'])}).")
    elif report.monte_carlo is None:
        probability = "No Monte Carlo simulation was run for this report (draws = 0)."
    else:
        probability = ("No Monte Carlo simulation: the scenario gives no uncertainty "
                       "distributions, so the chance that the ratio exceeds 1 is not estimated.")
    return {
        "description": model.description, "headline": headline,
        "movers": top_movers(report.one_way, scenario), "probability": probability,
        "not_valued": not_valued(scenario, results),
        "unintended": [a.outcome for a in line_accounts(scenario, results) if a.change == "unintended"],
        "kind": model.kind,
    }


# ---------------------------------------------------------------------------- methodology
def methodology(report: Any) -> dict[str, Any]:
    model = report.scenario.model
    text, source = CONVENTIONS.get(model.conventions, ("", ""))
    rate = model.discounting.rate
    rate_text = ("the HM Treasury declining schedule (3.5% for years 0 to 30, then lower)"
                 if isinstance(rate, str) else percent_short(rate))
    first = ("the first outcome year is discounted (SROI Guide convention)"
             if model.discounting.first_year_discounted
             else "the first outcome year is undiscounted (treated as year 0, Green Book convention)")
    steps = [
        "Impact in a line's first year = quantity × financial proxy × (1 − deadweight) × "
        "(1 − displacement) × (1 − attribution); each later year falls by the drop-off "
        "(SROI Guide 2012, stage 4).",
        f"Values are discounted at {rate_text}; {first} (HM Treasury Green Book 2022, Annex A6).",
        f"Financial proxies are rebased from their own price year to {model.price_year} prices "
        "with the HM Treasury GDP deflator series.",
        "SROI ratio = present value of outcomes ÷ present value of inputs; net present value = "
        "their difference (SROI Guide 2012, stage 5).",
        "One-way sensitivity moves each parameter alone between a low and a high value; switching "
        "values find the value at which the ratio reaches £1 : £1; Monte Carlo draws the "
        "uncertain parameters together (HM Treasury Green Book 2022, Annex A5).",
    ]
    if not model.include_transfers:
        steps.append("Transfer payments (money moved between parties, such as benefits) are "
                     "shown but not counted in the totals (Green Book 2022, Annex A1).")
    sources = [source, "HM Treasury (2022), The Green Book, Annex A5 (uncertainty) and A6 "
                       "(discounting)", "HM Treasury, GDP deflators at market prices"]
    return {"profile": model.conventions, "profile_text": text, "steps": steps,
            "sources": [s for s in dict.fromkeys(sources) if s]}


# ---------------------------------------------------------------------------- limitations
def generated_limitations(report: Any) -> list[str]:
    """Limitations the figures themselves show (principle 5, do not over-claim)."""
    scenario, results = report.scenario, report.results
    model = scenario.model
    items = []
    if model.kind == "forecast":
        items.append("This is a forecast: its quantities are assumptions about what will change, "
                     "to be replaced by monitoring data in an evaluative SROI.")
    accounts = line_accounts(scenario, results)
    no_reason = [f"{a.outcome} ({', '.join(j.lower() for j in a.missing_reasons)})"
                 for a in accounts if a.missing_reasons]
    if no_reason:
        items.append("No reason is recorded for these judgements: " + "; ".join(no_reason) + ".")
    no_evidence = [a.outcome for a in accounts if not a.evidence]
    if no_evidence:
        items.append("No evidence of the change is recorded for: " + "; ".join(no_evidence) + ".")
    low = [line.outcome or line.id for line in scenario.lines if str(line.confidence).lower() == "low"]
    if low:
        items.append("These outcomes are valued with a proxy of low confidence: " + "; ".join(low) + ".")
    if not model.stakeholders:
        items.append("No stakeholder involvement is recorded in the scenario.")
    if report.monte_carlo is None or not report.simulated:
        items.append("The uncertainty of the ratio is shown by one-way sensitivity only (no Monte "
                     "Carlo distributions were given or run).")
    if scenario.warnings:
        items.append(f"{len(scenario.warnings)} warning(s) about the inputs are listed under Warnings.")
    return items


# ---------------------------------------------------------------------------- principles
PRINCIPLES: tuple[str, ...] = (
    "Involve stakeholders", "Understand what changes", "Value the things that matter",
    "Only include what is material", "Do not over-claim", "Be transparent", "Verify the result",
)


def principles(report: Any) -> list[dict[str, Any]]:
    """The seven principles of social value (Social Value UK; SROI Guide 2012), each with what
    in this report evidences it and what is missing."""
    scenario, results = report.scenario, report.results
    model = scenario.model
    accounts = line_accounts(scenario, results)
    groups = list(model.stakeholders)
    involved = [g for g in groups if g.involvement]
    n = len(accounts)
    with_desc = sum(1 for a in accounts if a.description)
    with_evidence = sum(1 for a in accounts if a.evidence)
    with_output = sum(1 for a in accounts if a.output)
    unintended = sum(1 for a in accounts if a.change == "unintended")
    adjust = [j for a in accounts for j in a.judgements if j["expected"]]
    reasoned = sum(1 for j in adjust if j["reason"])
    proxies_sourced = sum(1 for line in scenario.lines if line.source)
    rows: list[tuple[list[str], list[str]]] = []

    def pair(ok: Sequence[tuple[bool, str]], missing: Sequence[tuple[bool, str]]) -> tuple[list[str], list[str]]:
        return [t for c, t in ok if c], [t for c, t in missing if c]

    rows.append(pair(
        [(bool(groups), f"{len(groups)} stakeholder group(s) listed under Scope and stakeholders"),
         (bool(involved), f"involvement recorded for {len(involved)} of them")],
        [(not groups, "no stakeholder groups recorded"),
         (bool(groups) and not involved, "no stakeholder involvement recorded"),
         (with_desc < n, f"{n - with_desc} of {n} outcomes lack a description in stakeholders' words")]))
    rows.append(pair(
        [(with_desc > 0, f"{with_desc} of {n} outcomes described in stakeholders' words"),
         (with_output > 0, f"outputs recorded for {with_output} of {n} outcomes"),
         (unintended > 0, f"{unintended} unintended change(s) recorded"),
         (with_evidence > 0, f"evidence recorded for {with_evidence} of {n} outcomes")],
        [(with_evidence < n, f"{n - with_evidence} of {n} outcomes have no evidence recorded"),
         (unintended == 0, "no unintended changes recorded (say so if none were found)")]))
    rows.append(pair(
        [(proxies_sourced > 0, f"{proxies_sourced} of {n} financial proxies have a published "
                               "source (Assumptions and sources)")],
        [(proxies_sourced < n, f"{n - proxies_sourced} proxies without a source")]))
    rows.append(pair(
        [(bool(model.materiality), "materiality judgement recorded (Scope and stakeholders)"),
         (bool(report.one_way is not None and not report.one_way.empty),
          "sensitivity shows which outcomes move the result")],
        [(not model.materiality, "no materiality judgement recorded")]))
    rows.append(pair(
        [(True, "deadweight, displacement, attribution and drop-off applied to every line "
                "(Impact map)"),
         (reasoned > 0, f"{reasoned} of {len(adjust)} judgements give a reason")],
        [(reasoned < len(adjust), f"{len(adjust) - reasoned} judgements without a reason")]))
    rows.append(pair(
        [(True, "impact map, methodology, sources and provenance (file hashes) in this report"),
         (bool(model.limitations), "limitations stated by the authors")],
        [(not model.limitations, "no limitations written by the authors (only generated ones)")]))
    rows.append(pair(
        [(model.kind == "evaluative", "evaluative: based on what happened"),
         (report.simulated, "Monte Carlo simulation of the ratio")],
        [(True, "independent assurance is outside this report; a forecast needs verifying "
                "against monitoring data" if model.kind == "forecast" else
                "independent assurance is outside this report")]))
    return [{"number": i + 1, "name": name, "evidence": ok, "missing": missing}
            for i, (name, (ok, missing)) in enumerate(zip(PRINCIPLES, rows))]
