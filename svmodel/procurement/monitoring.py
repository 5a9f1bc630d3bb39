"""Delivery monitoring: a contract's social value commitments against delivery returns.

Commitments are the winning bid's response form (with any panel moderation applied); delivery
returns are tables with one row per measure and period: `supplier`, `contract_year`, `period`
(a label such as "2026/27 H1"), `share_of_year` (the fraction of that contract year the return
covers, default 1), `measure`, `unit`, `quantity`, `evidence`. For each measure the monitor
reports, to date, the commitment pro rata to the periods returned, what was delivered, the
variance in units and in value, and re-forecasts the whole-contract value two ways:

- on commitment: delivered to date + the remaining commitments in full;
- at the current rate: delivered to date + the remaining commitments x (delivered to date /
  committed to date) for that measure.

Values use the buyer's adjustments and discounting, as in bid evaluation (an evaluative view
of the forecast, SROI Guide 2012, "evaluative" SROI; Green Book 2022, chapter 8, monitoring
and evaluation).
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import pandas as pd

from svmodel.util.formatting import money
from svmodel.procurement.bids import (Bid, BidFailure, CellError, _text, internal_problem, parse_quantity,
                                      read_table, same_unit)
from svmodel.procurement.errors import Problem, TenderError
from svmodel.procurement.types import qty
from svmodel.procurement.spec import TenderSpec
from svmodel.procurement.valuation import buyer_adjustments, present_value, scale

DELIVERY_SHEET = "Delivery"
REQUIRED = ("contract_year", "measure", "unit", "quantity")


@dataclass(frozen=True)
class Delivered:
    measure: str
    contract_year: int
    period: str
    share_of_year: float
    quantity: float
    evidence: str
    file: str
    row: int


def read_delivery(path: str | os.PathLike[str], spec: TenderSpec, supplier: str = "") -> list[Delivered]:
    """Rows of one delivery return; problems name the file and row."""
    table = read_table(path, sheet=DELIVERY_SHEET)
    file = str(table.path)
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise TenderError([Problem(file, "header", f"missing column(s) {', '.join(missing)}; a delivery "
                                                     "return has supplier, contract_year, period, "
                                                     "share_of_year, measure, unit, quantity, evidence")])
    problems: list[Problem] = []
    out: list[Delivered] = []
    seen: dict[tuple[int, str, str], int] = {}
    shares: dict[tuple[int, str], tuple[float, int]] = {}
    for row in table.rows:
        cells = row.cells
        measure = _text(cells.get("measure")).upper()
        bad = lambda column, message: problems.append(  # noqa: E731
            Problem(file, table.where(row.number, measure, column), message))
        name = _text(cells.get("supplier") or cells.get("bidder"))
        if supplier and name and name.casefold() != supplier.casefold():
            bad("supplier", f"{name!r} is not the contracted supplier {supplier!r}")
        if measure not in spec.measures:
            bad("measure", f"unknown measure {measure or '(blank)'!r}; measures of this contract: "
                           f"{', '.join(spec.measures)}")
            continue
        unit = _text(cells.get("unit"))
        if not same_unit(unit, spec.measures[measure].unit):
            bad("unit", f"{unit or '(blank)'!r} is not the unit of {measure}; expected "
                        f"{spec.measures[measure].unit!r}")
        try:
            year_value = parse_quantity(cells.get("contract_year"))
            if year_value is None or not float(year_value).is_integer() or not 1 <= year_value <= spec.years:
                raise CellError(f"{cells.get('contract_year')!r} is not a contract year; expected a whole "
                                f"number from 1 to {spec.years}")
            year = int(year_value)
        except CellError as exc:
            bad("contract_year", str(exc))
            continue
        try:
            share = parse_quantity(cells.get("share_of_year"))
            share = 1.0 if share is None else share
            if not 0 < share <= 1:
                raise CellError(f"{cells.get('share_of_year')!r} is out of range; expected a fraction above "
                                "0 and at most 1 (0.25 for a quarter)")
        except CellError as exc:
            bad("share_of_year", str(exc))
            continue
        try:
            quantity = parse_quantity(cells.get("quantity"))
            if quantity is None:
                raise CellError("the quantity delivered is missing; give 0 if nothing was delivered")
        except CellError as exc:
            bad("quantity", str(exc))
            continue
        period = _text(cells.get("period")) or f"year {year}"
        key = (year, period, measure)
        if key in seen:
            bad("measure", f"{measure} is given twice for contract year {year}, period {period!r} "
                           f"(first on row {seen[key]})")
            continue
        seen[key] = row.number
        known = shares.setdefault((year, period), (share, row.number))
        if abs(known[0] - share) > 1e-9:
            bad("share_of_year", f"{share:g} differs from {known[0]:g} given for the same period on row {known[1]}")
            continue
        out.append(Delivered(measure, year, period, share, quantity, _text(cells.get("evidence")), file, row.number))
    if problems:
        raise TenderError(problems)
    return out


@dataclass
class Monitoring:
    spec: TenderSpec
    supplier: str
    periods: list[tuple[int, str, float]]  # (contract year, period, share of year)
    table: pd.DataFrame  # one row per measure
    totals: dict[str, float]
    failures: list[BidFailure] = field(default_factory=list)  # delivery returns that could not be read

    def text(self) -> str:
        t = self.totals
        out = [f"{self.spec.name}: delivery monitoring for {self.supplier}",
               "Periods returned: " + "; ".join(f"year {y} {p} ({s:.0%} of the year)" for y, p, s in self.periods),
               ""]
        shown = pd.DataFrame({
            "Measure": self.table["measure"], "Unit": self.table["unit"],
            "Committed to date": self.table["committed_to_date"].map(qty),
            "Delivered": self.table["delivered"].map(qty),
            "Variance": self.table["variance_units"].map(lambda v: ("+" if v > 0 else "") + qty(v)),
            "Variance %": self.table["variance_percent"].map(lambda v: "n/a" if pd.isna(v) else f"{v:+.0f}%"),
            "Value committed": self.table["committed_value_to_date"].map(money),
            "Value delivered": self.table["delivered_value"].map(money),
            "Value variance": self.table["variance_value"].map(money),
        })
        out.append(shown.to_string(index=False))
        out += ["",
                f"Whole-contract social value committed   {money(t['committed_whole']):>14}",
                f"Delivered to date                       {money(t['delivered_to_date']):>14}",
                f"Re-forecast on commitment               {money(t['reforecast_on_commitment']):>14}",
                f"Re-forecast at the current rate         {money(t['reforecast_at_rate']):>14}",
                "",
                "Values: present values in the specification's price year, with the buyer's deadweight, "
                "displacement and attribution; count-only measures are shown in units only."]
        return "\n".join(out)

    def to_dict(self) -> dict:
        return {"kind": "svmodel.tender_monitoring", "version": 1, "tender": self.spec.name,
                "supplier": self.supplier,
                "periods": [{"contract_year": y, "period": p, "share_of_year": s} for y, p, s in self.periods],
                "measures": self.table.astype(object).where(self.table.notna(), None).to_dict(orient="records"),
                "totals": self.totals,
                "failures": [{"file": str(f.path), "problems": [str(p) for p in f.problems]}
                             for f in self.failures]}


def monitor(spec: TenderSpec, bid: Bid, delivered: Sequence[Delivered]) -> Monitoring:
    """Variance by measure and whole-contract re-forecasts."""
    years = spec.years
    periods = sorted({(d.contract_year, d.period, d.share_of_year) for d in delivered})
    elapsed = [0.0] * years
    for year, _, share in periods:
        elapsed[year - 1] += share
    problems = [Problem(", ".join(sorted({d.file for d in delivered if d.contract_year == y + 1})),
                        f"contract_year {y + 1}",
                        f"the returns cover {share:.2f} of contract year {y + 1}; the shares of one year "
                        "add up to at most 1")
                for y, share in enumerate(elapsed) if share > 1 + 1e-9]
    if problems:
        raise TenderError(problems)
    moderation = {m.measure.upper(): m for m in spec.model.moderation if m.bidder.casefold() == bid.bidder.casefold()}
    done: dict[str, list[float]] = defaultdict(lambda: [0.0] * years)
    for d in delivered:
        done[d.measure][d.contract_year - 1] += d.quantity
    rows = []
    totals = dict.fromkeys(("committed_whole", "committed_to_date", "delivered_to_date",
                            "reforecast_on_commitment", "reforecast_at_rate"), 0.0)
    for mid, measure in spec.measures.items():
        c = bid.commitment(mid)
        committed = list(c.quantities) if c else [0.0] * years
        if mid in moderation:
            committed = list(scale(committed, moderation[mid].accepted))
        if c is None and mid not in done:
            continue
        to_date = [q * e for q, e in zip(committed, elapsed)]
        remaining = [q * (1 - e) for q, e in zip(committed, elapsed)]
        actual = done[mid]
        committed_sum, delivered_sum = sum(to_date), sum(actual)
        rate = delivered_sum / committed_sum if committed_sum > 0 else 1.0
        adj = buyer_adjustments(measure)
        pv = lambda q: present_value(spec, measure, q, adj)  # noqa: E731
        values = {
            "committed_whole": pv(committed), "committed_to_date": pv(to_date), "delivered_to_date": pv(actual),
            "reforecast_on_commitment": pv([a + r for a, r in zip(actual, remaining)]),
            "reforecast_at_rate": pv([a + r * rate for a, r in zip(actual, remaining)]),
        }
        for key, value in values.items():
            totals[key] += value
        rows.append({
            "measure": mid, "name": measure.name, "unit": measure.unit, "basis": measure.basis,
            "committed_whole": sum(committed), "committed_to_date": committed_sum, "delivered": delivered_sum,
            "variance_units": delivered_sum - committed_sum,
            "variance_percent": (delivered_sum / committed_sum - 1) * 100 if committed_sum > 0 else float("nan"),
            "delivery_rate": rate if committed_sum > 0 else float("nan"),
            "committed_value_whole": values["committed_whole"],
            "committed_value_to_date": values["committed_to_date"],
            "delivered_value": values["delivered_to_date"],
            "variance_value": values["delivered_to_date"] - values["committed_to_date"],
            "reforecast_on_commitment": values["reforecast_on_commitment"],
            "reforecast_at_rate": values["reforecast_at_rate"],
        })
    return Monitoring(spec, bid.bidder, periods, pd.DataFrame(rows), totals)


def monitor_files(spec: TenderSpec, commitments: str | os.PathLike[str],
                  returns: Sequence[str | os.PathLike[str]]) -> Monitoring:
    """Read the commitments (a response form) and every delivery return, then monitor.

    Without readable commitments nothing can be monitored (TenderError). A delivery return
    that cannot be read is kept in `failures` with all its problems, and the others are still
    monitored; when none can be read, every problem is raised together."""
    from svmodel.procurement.bids import read_bid

    bid = read_bid(commitments, spec)
    rows: list[Delivered] = []
    failures: list[BidFailure] = []
    for path in returns:
        try:
            rows += read_delivery(path, spec, bid.bidder)
        except TenderError as exc:
            failures.append(BidFailure(Path(path), tuple(exc.problems)))
        except Exception as exc:  # noqa: BLE001 - one return's fault must not stop the others
            failures.append(BidFailure(Path(path), (internal_problem(path, exc),)))
    if failures and len(failures) == len(returns):
        raise TenderError([p for f in failures for p in f.problems])
    result = monitor(spec, bid, rows)
    result.failures = failures
    return result


def write_delivery_template(spec: TenderSpec, path: str | os.PathLike[str], supplier: str = "") -> Path:
    """A blank delivery return (CSV) with one row per measure, written atomically."""
    from svmodel.util.atomic import write_text_atomic
    from svmodel.util.safety import csv_text

    header = ["supplier", "contract_year", "period", "share_of_year", "measure", "unit", "quantity", "evidence"]
    rows = [[supplier, "", "", "", m.id, m.unit, "", ""] for m in spec.measures.values()]
    return write_text_atomic(path, csv_text(rows, header))
