"""Report tables: rows for the impact map, sources, sensitivity and switching values, with the
formats each column is shown in. Pure data shaping over `Results` and uncertainty frames;
`svmodel.report.html.table` turns them into HTML.

References: SROI Guide (2012) stage 3-4 (the impact map); HM Treasury Green Book (2022)
Annex A5 (sensitivity and switching values).
"""

from __future__ import annotations

import math
from typing import Any, Callable

import pandas as pd

from svmodel.util.formatting import money, percent, ratio
from svmodel.results import Results


def _num(value: Any, digits: int = 6) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return f"{value:,.{digits}g}"


def _pct(value: Any) -> str:
    return percent(value, 0) if value is not None else ""


def _money0(value: Any) -> str:
    return money(value, 0)


def _money2(value: Any) -> str:
    return money(value, 2)


Column = tuple[str, str]

IMPACT_MAP_COLUMNS: list[Column] = [
    ("id", "Outcome"), ("stakeholder", "Stakeholder"), ("measure", "Measure"),
    ("quantity", "Quantity"), ("proxy", "Proxy"), ("unit_value", "Unit value"),
    ("deadweight", "Deadweight"), ("displacement", "Displacement"),
    ("attribution", "Attribution"), ("drop_off", "Drop-off"), ("duration", "Years"),
    ("impact", "Impact (year 1)"), ("present_value", "Present value"),
]
IMPACT_MAP_FORMATS: dict[str, Callable[[Any], str]] = {
    "quantity": _num, "unit_value": _money2, "deadweight": _pct, "displacement": _pct,
    "attribution": _pct, "drop_off": _pct, "impact": _money0, "present_value": _money0,
}
IMPACT_MAP_NUMERIC = ("quantity", "unit_value", "deadweight", "displacement", "attribution",
                      "drop_off", "duration", "impact", "present_value")


def impact_map_rows(results: Results) -> list[dict[str, Any]]:
    """One row per outcome line, plus a total row."""
    rows = results.impact_map().to_dict(orient="records")
    rows.append({"id": "Total", "_total": True, "impact": float(results.engine.impact.sum()),
                 "present_value": results.total_present_value})
    return rows


SOURCES_COLUMNS: list[Column] = [
    ("id", "Outcome"), ("proxy_label", "Proxy"),
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
        row["proxy_label"] = f"{row['proxy']}: {row['proxy_name']}" if row.get("proxy_name") else row["proxy"]
    return rows


INPUTS_COLUMNS: list[Column] = [
    ("stakeholder", "Stakeholder"), ("description", "Description"), ("amount", "Amount"),
    ("year", "Year"), ("present_value", "Present value"),
]
INPUTS_FORMATS = {"amount": _money0, "present_value": _money0}


def inputs_rows(results: Results) -> list[dict[str, Any]]:
    return results.inputs_table().to_dict(orient="records")


def _label(line: Any, parameter: Any) -> str:
    return f"{line}" if isinstance(line, str) and line else "(scenario)"


ONE_WAY_COLUMNS: list[Column] = [
    ("label", "Outcome"), ("parameter", "Parameter"), ("base", "Base"), ("low", "Low"),
    ("high", "High"), ("ratio_low", "Ratio at low"), ("ratio_high", "Ratio at high"),
    ("swing", "Swing"), ("source", "Range from"),
]
ONE_WAY_FORMATS = {"base": _num, "low": _num, "high": _num, "ratio_low": lambda v: f"{v:.2f}",
                   "ratio_high": lambda v: f"{v:.2f}", "swing": lambda v: f"{v:.2f}"}
ONE_WAY_NUMERIC = ("base", "low", "high", "ratio_low", "ratio_high", "swing")


def one_way_rows(one_way: pd.DataFrame, top: int = 12) -> list[dict[str, Any]]:
    rows = one_way.sort_values("swing", ascending=False).head(top).to_dict(orient="records")
    for row in rows:
        row["label"] = _label(row.get("line"), row.get("parameter"))
    return rows


SWITCHING_COLUMNS: list[Column] = [
    ("label", "Outcome"), ("parameter", "Parameter"), ("base", "Base value"),
    ("switching_value", "Switching value"), ("change_percent", "Change needed"),
    ("reason", "Note"),
]


def _change(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return f"{value:+,.0f}%"


SWITCHING_FORMATS = {"base": _num, "switching_value": _num, "change_percent": _change}
SWITCHING_NUMERIC = ("base", "switching_value", "change_percent")


def switching_rows(switching: pd.DataFrame) -> list[dict[str, Any]]:
    """Reachable switching values, the parameters closest to tipping the ratio to 1 first."""
    frame = switching[switching["reachable"].astype(bool)].copy()
    frame["_order"] = frame["change_percent"].abs()
    frame = frame.sort_values("_order", na_position="last").drop(columns="_order")
    rows = frame.to_dict(orient="records")
    for row in rows:
        row["label"] = _label(row.get("line"), row.get("parameter"))
        if not row.get("reachable", True):
            row["switching_value"] = None
            row["change_percent"] = None
        row["reason"] = row.get("reason") or ""
    return rows


def headline_items(results: Results, interval: tuple[float, float] | None = None,
                   probability: float | None = None) -> list[tuple[str, str, str]]:
    """Headline figures as (label, value, note) for cards."""
    ratio_note = (f"90% Monte Carlo interval {interval[0]:.2f} to {interval[1]:.2f}"
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
