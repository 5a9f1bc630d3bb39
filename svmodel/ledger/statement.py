"""A public body's annual social value statement (aim 5: the public sector collects,
publishes and is recognised for the social value it delivers), for the papermill notebook
notebooks/annual_statement.ipynb. Pure pandas; the notebook renders the tables.

Sections, each stating the assurance levels it includes and never adding kinds together:
the body's own delivered value by outcome; the same across years; social value committed and
delivered through the contracts it buys (contracts whose buyer names the body); its
donations; its forecasts.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from svmodel.library.frameworks import load_framework
from svmodel.ledger import sitedata
from svmodel.ledger.aggregates import levels_label
from svmodel.ledger.config import PartnershipConfig
from svmodel.ledger.db import Ledger, LedgerError
from svmodel.ledger.periods import PeriodError, parse_period


@dataclass
class Statement:
    organisation: str
    sector: str
    financial_year: str
    price_year: int
    delivered_by_outcome: pd.DataFrame  # outcome, name, value, levels
    trend: pd.DataFrame  # financial_year x kind
    contracts: pd.DataFrame  # reference, name, supplier, committed, delivered, levels
    donations: pd.DataFrame  # donation type, channel, value
    forecast_total: float
    levels: str

    @property
    def delivered_total(self) -> float:
        return float(self.delivered_by_outcome["value"].sum()) if not self.delivered_by_outcome.empty else 0.0


def annual_statement(ledger: Ledger, organisation: str, year: str, config: PartnershipConfig) -> Statement:
    try:
        period = parse_period(year)
    except PeriodError as exc:
        raise LedgerError(f"year: {exc}") from None
    data = sitedata.load(ledger)
    match = data.organisations[data.organisations["name"].str.casefold() == organisation.strip().casefold()]
    if match.empty:
        known = ", ".join(sorted(data.organisations["name"]))
        raise LedgerError(f"no organisation named {organisation!r}; known: {known}")
    org = match.iloc[0]
    lines = data.lines[(data.lines["organisation_id"] == org["id"]) & data.lines["counted"]]
    this_year = lines[lines["financial_year"] == period.financial_year]
    delivered = this_year[this_year["kind"] == "delivered"]
    framework = load_framework(config.framework)
    names = {o.id: o.name for o in framework.outcomes}
    by_outcome = (delivered.groupby("outcome").agg(value=("value", "sum"), levels=("level", lambda s: levels_label(s)))
                  .reset_index() if not delivered.empty else pd.DataFrame(columns=["outcome", "value", "levels"]))
    by_outcome.insert(1, "name", by_outcome["outcome"].map(names))
    trend = (lines.pivot_table(index="financial_year", columns="kind", values="value", aggfunc="sum", fill_value=0.0)
             if not lines.empty else pd.DataFrame())
    buyer = data.contracts[data.contracts["buyer"].str.casefold().str.contains(org["name"].casefold(), regex=False)]
    contract_rows = []
    for c in buyer.itertuples():
        mine = data.lines[(data.lines["contract_id"] == c.id) & (data.lines["financial_year"] == period.financial_year)
                          & data.lines["counted"]]
        delivered_c = mine[mine["kind"] == "delivered"]
        contract_rows.append({"reference": c.reference, "name": c.name, "supplier": c.supplier,
                              "committed": float(mine.loc[mine["kind"] == "committed", "value"].sum()),
                              "delivered": float(delivered_c["value"].sum()),
                              "levels": levels_label(delivered_c["level"])})
    donations = this_year[this_year["kind"] == "donated"]
    donation_table = (donations.groupby(["donation_type", "channel"])["value"].sum().reset_index()
                      if not donations.empty else pd.DataFrame(columns=["donation_type", "channel", "value"]))
    forecast = float(this_year.loc[this_year["kind"] == "forecast", "value"].sum())
    return Statement(org["name"], org["sector"], period.financial_year, config.effective_price_year(), by_outcome,
                     trend, pd.DataFrame(contract_rows, columns=["reference", "name", "supplier", "committed",
                                                                 "delivered", "levels"]),
                     donation_table, forecast, levels_label(delivered["level"]))
