"""Report tables: rows for the impact map, sources, sensitivity and switching values, with the
formats each column is shown in. Pure data shaping over `Results` and uncertainty frames;
`svmodel.report.html.table` turns them into HTML.

References: SROI Guide (2012) stage 3-4 (the impact map); HM Treasury Green Book (2022)
Annex A5 (sensitivity and switching values).
"""

from __future__ import annotations

import math
from typing import Any, Callable

from svmodel.util.formatting import money, number, percent, ratio
from svmodel.results import Results


def _pct(value: Any) -> str:
    return percent(value, 0) if value is not None else ""


def _money0(value: Any) -> str:
    return money(value, 0)


def _money2(value: Any) -> str:
    return money(value, 2)


Column = tuple[str, str]

IMPACT_MAP_COLUMNS: list[Column] = [
    ("stakeholder", "Stakeholder"), ("output", "Output"), ("outcome_text", "Outcome"),
    ("indicator", "Indicator"), ("quantity", "Quantity"), ("proxy_text", "Financial proxy"),
    ("unit_value", "Unit value"), ("deadweight", "Deadweight"), ("displacement", "Displacement"),
    ("attribution", "Attribution"), ("drop_off", "Drop-off"), ("duration", "Years"),
    ("impact", "Impact (year 1)"), ("present_value", "Present value"),
]
IMPACT_MAP_FORMATS: dict[str, Callable[[Any], str]] = {
    "quantity": number, "unit_value": _money2, "deadweight": _pct, "displacement": _pct,
    "attribution": _pct, "drop_off": _pct, "impact": _money0, "present_value": _money0,
}
IMPACT_MAP_NUMERIC = ("quantity", "unit_value", "deadweight", "displacement", "attribution",
                      "drop_off", "duration", "impact", "present_value")


def _narrative_by_id(results: Results) -> dict[str, Any]:
    return {outcome.id: outcome for outcome in results.scenario.model.outcomes}


def impact_map_rows(results: Results) -> list[dict[str, Any]]:
    """One row per outcome line, named by its outcome text (SROI Guide stage 3, the impact map
    of Social Value UK's template: stakeholder, output, outcome, indicator, proxy, adjustments),
    plus a total row."""
    narrative = _narrative_by_id(results)
    rows = results.impact_map().to_dict(orient="records")
    for row in rows:
        outcome = narrative.get(row["id"])
        row["output"] = getattr(outcome, "output", "") or ""
        change = getattr(outcome, "change", "intended")
        row["outcome_text"] = (row.get("outcome") or row["id"]) + (
            " (unintended)" if change == "unintended" else "") + (
            "" if row.get("counted", True) else " (not counted)")
        row["proxy_text"] = row.get("proxy_name") or row.get("proxy") or ""
    rows.append({"stakeholder": "Total", "_total": True, "impact": float(results.engine.impact.sum()),
                 "present_value": results.total_present_value})
    return rows


SOURCES_COLUMNS: list[Column] = [
    ("outcome_text", "Outcome"), ("proxy_label", "Financial proxy"),
    ("proxy_value", "Value"), ("proxy_price_year", "Price year"), ("unit_value", "Rebased value"),
    ("value_type", "Type"), ("beneficiary", "Who gains"), ("source", "Source"),
    ("licence", "Licence"), ("confidence", "Confidence"),
]
SOURCES_FORMATS = {"proxy_value": _money2, "unit_value": _money2}
SOURCES_NUMERIC = ("proxy_value", "unit_value")


def sources_rows(results: Results) -> list[dict[str, Any]]:
    """Every proxy used, with its source, original price year, rebased value and licence."""
    rows = results.impact_map().to_dict(orient="records")
    for row in rows:
        row["outcome_text"] = row.get("outcome") or row["id"]
        row["proxy_label"] = (f"{row['proxy_name']} ({row['proxy']})" if row.get("proxy_name")
                              else row["proxy"])
    return rows


INPUTS_COLUMNS: list[Column] = [
    ("stakeholder", "Stakeholder"), ("description", "Description"), ("amount", "Amount"),
    ("year", "Year"), ("present_value", "Present value"),
]
INPUTS_FORMATS = {"amount": _money0, "present_value": _money0}


def inputs_rows(results: Results) -> list[dict[str, Any]]:
    return results.inputs_table().to_dict(orient="records")


#: The one-way table under the tornado (rows from `svmodel.report.story.one_way_rows`: every
#: value already in words and its own unit).
ONE_WAY_COLUMNS: list[Column] = [
    ("label", "Parameter"), ("base", "Base"), ("low", "Low"), ("high", "High"),
    ("ratio_low", "Ratio at low"), ("ratio_high", "Ratio at high"), ("swing", "Swing"),
    ("source", "Range from"),
]
ONE_WAY_NUMERIC = ("base", "low", "high", "ratio_low", "ratio_high", "swing")


def headline_items(results: Results, interval: tuple[float, float] | None = None,
                   probability: float | None = None) -> list[tuple[str, str, str]]:
    """Headline figures as (label, value, note) for cards."""
    ratio_note = (f"90% Monte Carlo interval {ratio(interval[0])} to {ratio(interval[1])}"
                  if interval else "")
    items = [
        ("Present value of outcomes", money(results.total_present_value), ""),
        ("Present value of inputs", money(results.total_inputs), ""),
        ("Net present value", money(results.net_present_value), ""),
        ("SROI ratio", ratio(results.sroi_ratio), ratio_note),
        ("Net SROI ratio", ratio(results.net_sroi_ratio), ""),
        ("Payback", _months(results.payback_months), "SROI Guide: inputs / monthly first-year impact"),
    ]
    if probability is not None:
        items.append(("Chance the ratio exceeds 1", percent(probability, 0), "Monte Carlo"))
    return items


def _months(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "never"
    return f"{value:,.1f} months"
