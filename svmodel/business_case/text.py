"""The business case as plain text for `svmodel run` (issue 14): cohort funnels, corrections,
the financial and economic cases beside the SROI ratio, and the who-pays / who-benefits matrix."""

from __future__ import annotations

import math
from typing import Any

from svmodel.business_case.cases import BusinessCase
from svmodel.util.formatting import money, percent


def _ratio(value: float) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:,.2f}"


def _months(value: float | None) -> str:
    return "does not pay back" if value is None else f"{value:,.1f} months"


def business_case_text(case: BusinessCase, sroi_ratio: float) -> list[str]:
    fin, eco = case.financial_case(), case.economic_case()
    out = ["", f"Business case (conventions: {case.conventions})"]
    if case.cohorts:
        out += ["", "Cohort funnels (need x engagement x success = outcomes)"]
        for line_id, c in case.cohorts.items():
            need = c["need"] if isinstance(c["need"], list) else [c["need"]]
            out.append(f"  {line_id}: need {', '.join(f'{n:,.6g}' for n in need)}; engagement "
                       f"{_parts(c['engagement'])}; success {_parts(c['success'])}; outcomes "
                       f"{', '.join(f'{q:,.4g}' for q in c['outcomes'])} (total {c['quantity']:,.4g})")
    corrections = case.corrections()
    if corrections is not None:
        out += ["", "Corrections (before -> after)"]
        out.append(f"  Costs, optimism bias {percent(corrections['uplift'], 0)} on "
                   f"{corrections['applies_to'] or 'no'} costs: {money(corrections['costs_before'])} -> "
                   f"{money(corrections['costs_after'])}")
        out.append(f"  Benefits, confidence grades: {money(corrections['benefits_before'])} -> "
                   f"{money(corrections['benefits_after'])}")
    out += [
        "",
        "                                   Financial case   Economic case   SROI",
        f"  Present value of costs         {money(fin['costs_present_value']):>16} {money(eco['costs_present_value']):>15}",
        f"  Present value of benefits      {money(fin['fiscal_benefits_present_value']):>16} {money(eco['benefits_present_value']):>15}",
        f"  Net present value              {money(fin['net_present_budget_impact']):>16} {money(eco['net_present_public_value']):>15}",
        f"  Return / benefit-cost ratio    {_ratio(fin['financial_roi']):>16} {_ratio(eco['benefit_cost_ratio']):>15}"
        f"   {_ratio(sroi_ratio)}",
        f"  Cashable benefits (PV)         {money(fin['cashable_present_value']):>16}",
        f"  Non-cashable benefits (PV)     {money(fin['non_cashable_present_value']):>16}",
        f"  Cashable net budget impact     {money(fin['cashable_net_present_budget_impact']):>16}",
        "",
        "Payback by agency (its fiscal value against its own costs)",
    ]
    for agency, months in fin["payback_months_by_agency"].items():
        out.append(f"  {agency:<24} {_months(months)}")
    out += ["", "Who pays and who benefits (present values)",
            f"  {'agency':<24}{'pays':>13}{'fiscal':>13}{'economic':>13}{'social':>13}{'cashable':>13}{'net':>13}"]
    for row in case.matrix():
        out.append(f"  {row['agency']:<24}{money(row['pays']):>13}{money(row['benefits_fiscal']):>13}"
                   f"{money(row['benefits_economic']):>13}{money(row['benefits_social']):>13}"
                   f"{money(row['cashable']):>13}{money(row['net']):>13}")
    return out


def _parts(value: Any) -> str:
    values = value if isinstance(value, list) else [value]
    return ", ".join(percent(v, 1) for v in values)
