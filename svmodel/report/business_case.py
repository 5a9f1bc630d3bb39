"""The business case section of the SROI report (issue 14): cohort funnels, corrections before
and after, the financial and economic cases beside the SROI ratio, payback by agency and the
who-pays / who-benefits matrix. Every user string goes through svmodel.report.html (escaped).

HM Treasury / GMCA (2014) CBA guidance for local partnerships; HM Treasury Green Book.
"""

from __future__ import annotations

import math
from typing import Any

from svmodel.report.html import Html, paragraph, section, table
from svmodel.util.formatting import money, percent


def _num(value: Any) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:,.2f}"


def business_case_section(results: Any) -> Html:
    """One report section for a Results object (svmodel.results.Results)."""
    case = results.business_case()
    fin, eco = case.financial_case(), case.economic_case()
    parts: list[Html] = [paragraph(
        f"Conventions: {case.conventions}. Financial case: public budgets (fiscal lines). Economic "
        "case: public value to society, each line once. Fiscal value is part of the economic case, "
        "never added to it.")]
    rows = [
        {"measure": "Present value of costs", "financial": money(fin["costs_present_value"]),
         "economic": money(eco["costs_present_value"]), "sroi": money(results.total_inputs)},
        {"measure": "Present value of benefits", "financial": money(fin["fiscal_benefits_present_value"]),
         "economic": money(eco["benefits_present_value"]), "sroi": money(results.total_present_value)},
        {"measure": "Net present value", "financial": money(fin["net_present_budget_impact"]),
         "economic": money(eco["net_present_public_value"]), "sroi": money(results.net_present_value)},
        {"measure": "Return / benefit-cost / SROI ratio", "financial": _num(fin["financial_roi"]),
         "economic": _num(eco["benefit_cost_ratio"]), "sroi": _num(results.sroi_ratio)},
        {"measure": "Cashable benefits (PV)", "financial": money(fin["cashable_present_value"]),
         "economic": "", "sroi": ""},
    ]
    parts.append(table(rows, (("measure", ""), ("financial", "Financial case"),
                              ("economic", "Economic case"), ("sroi", "SROI")),
                       numeric=("financial", "economic", "sroi"), caption="The two cases and the SROI ratio"))
    payback = [{"agency": a, "months": "does not pay back" if m is None else f"{m:,.1f}"}
               for a, m in fin["payback_months_by_agency"].items()]
    parts.append(table(payback, (("agency", "Agency"), ("months", "Payback (months)")),
                       numeric=("months",), caption="Payback by agency"))
    money_keys = ("pays", "benefits_fiscal", "benefits_economic", "benefits_social", "cashable", "net")
    parts.append(table(case.matrix(), (("name", "Agency"), ("pays", "Pays"), ("benefits_fiscal", "Fiscal"),
                                       ("benefits_economic", "Economic"), ("benefits_social", "Social"),
                                       ("cashable", "Cashable"), ("net", "Net")),
                       {k: money for k in money_keys}, numeric=money_keys,
                       caption="Who pays and who benefits (present values)"))
    corrections = case.corrections()
    if corrections is not None:
        parts.append(paragraph(
            f"Optimism bias {percent(corrections['uplift'], 0)} on {corrections['applies_to'] or 'no'} costs: "
            f"{money(corrections['costs_before'])} before, {money(corrections['costs_after'])} after. "
            f"Confidence grades: benefits {money(corrections['benefits_before'])} before, "
            f"{money(corrections['benefits_after'])} after."))
    if case.cohorts:
        funnel = [{"id": k, "need": ", ".join(f"{x:,.6g}" for x in (c["need"] if isinstance(c["need"], list) else [c["need"]])),
                   "engaged": ", ".join(f"{x:,.4g}" for x in c["engaged"]),
                   "outcomes": ", ".join(f"{x:,.4g}" for x in c["outcomes"]), "quantity": f"{c['quantity']:,.4g}"}
                  for k, c in case.cohorts.items()]
        parts.append(table(funnel, (("id", "Outcome"), ("need", "Need"), ("engaged", "Engaged"),
                                    ("outcomes", "Outcomes"), ("quantity", "Quantity")),
                           caption="Cohort funnels by programme year"))
    return section("Business case", *parts, anchor="business-case")
