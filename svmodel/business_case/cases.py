"""The financial case, the economic case and the who-pays / who-benefits matrix.

HM Treasury / GMCA (2014), "Supporting public service transformation: cost benefit analysis
guidance for local partnerships", and the HM Treasury Green Book (2022):

- Costs: each input's present value (its agency, type and year), after optimism bias:
  cost x (1 + uplift) for capital costs, or for every cost (svmodel.business_case.corrections).
- Benefits: each line's present value (svmodel.engine) after its confidence-grade correction,
  benefit x (1 - correction[grade]).
- Financial case (public budgets): fiscal benefits are the lines of value type `fiscal` whose
  agency is public, transfers included (a benefit saving is real to the paying department).
  Net present budget impact = PV fiscal benefits - PV costs; financial return on investment =
  PV fiscal benefits / PV costs. Cashable benefits are the cashable share of each fiscal line
  from its `cashable_from_year` (lines that give no share are non-cashable). Payback by agency
  uses the SROI Guide rule respecting start years (svmodel.engine.payback_months) on the
  agency's undiscounted fiscal value by year against the present value of its costs.
- Economic case (society): public value = every counted line (fiscal, economic, social) once;
  net present public value = PV benefits - PV costs; benefit-cost ratio = PV benefits / PV costs.
  Transfers are left out unless the scenario includes them (Green Book Annex A2).
- Fiscal value is never counted twice: the financial case's fiscal benefits are a part of the
  economic case's public value, never added to it; the matrix gives each line's value once, to
  its agency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from svmodel.business_case.agencies import UNALLOCATED, agency_name, agency_of_line, is_public
from svmodel.business_case.corrections import grade_factor, optimism_bias_of
from svmodel.engine import payback_months
from svmodel.library.vocabulary import VALUE_TYPES


@dataclass(frozen=True)
class BusinessCase:
    """Every figure of the business case, from one Results object."""

    conventions: str
    cost_pv_before: np.ndarray       # (m,) per input, before optimism bias
    cost_pv: np.ndarray              # (m,) per input, after optimism bias
    cost_agencies: tuple[str, ...]
    cost_types: tuple[str, ...]
    benefit_pv_before: np.ndarray    # (n,) per line, before grade corrections
    benefit_pv: np.ndarray           # (n,) per line, after grade corrections
    line_agencies: tuple[str, ...]
    line_value_types: tuple[str, ...]
    counted: np.ndarray              # (n,) 1.0 when the line counts in public value
    fiscal: np.ndarray               # (n,) 1.0 for fiscal lines of a public agency
    cashable_pv: np.ndarray          # (n,) cashable part of each fiscal line's PV
    fiscal_year_values: np.ndarray   # (n, T) undiscounted fiscal value after corrections
    optimism_bias: dict[str, Any] | None
    grades_applied: bool
    grade_source: str = ""
    cohorts: dict[str, dict[str, Any]] = field(default_factory=dict)

    # ---------------------------------------------------------------- totals
    @property
    def costs(self) -> float:
        return float(self.cost_pv.sum())

    @property
    def public_costs(self) -> float:
        return float(sum(pv for pv, a in zip(self.cost_pv, self.cost_agencies) if is_public(a)))

    @property
    def fiscal_benefits(self) -> float:
        return float(self.benefit_pv @ self.fiscal)

    @property
    def cashable_benefits(self) -> float:
        return float(self.cashable_pv.sum())

    @property
    def public_value(self) -> float:
        return float(self.benefit_pv @ self.counted)

    def financial_case(self) -> dict[str, Any]:
        costs = self.public_costs
        fiscal, cashable = self.fiscal_benefits, self.cashable_benefits
        return {
            "costs_present_value": costs,
            "fiscal_benefits_present_value": fiscal,
            "cashable_present_value": cashable,
            "non_cashable_present_value": fiscal - cashable,
            "net_present_budget_impact": fiscal - costs,
            "cashable_net_present_budget_impact": cashable - costs,
            "financial_roi": fiscal / costs if costs else float("nan"),
            "payback_months_by_agency": self.payback_by_agency(),
        }

    def economic_case(self) -> dict[str, Any]:
        benefits, costs = self.public_value, self.costs
        by_type = {t: float(sum(pv * c for pv, c, vt in zip(self.benefit_pv, self.counted, self.line_value_types)
                                if vt == t)) for t in VALUE_TYPES}
        return {
            "costs_present_value": costs,
            "benefits_present_value": benefits,
            "benefits_by_value_type": by_type,
            "net_present_public_value": benefits - costs,
            "benefit_cost_ratio": benefits / costs if costs else float("nan"),
        }

    def payback_by_agency(self) -> dict[str, float | None]:
        """Months until each agency's fiscal value repays its own costs (None: never)."""
        out: dict[str, float | None] = {}
        for agency in self.agencies():
            if not is_public(agency):
                continue
            costs = float(sum(pv for pv, a in zip(self.cost_pv, self.cost_agencies) if a == agency))
            rows = [i for i, a in enumerate(self.line_agencies) if a == agency and self.fiscal[i]]
            values = self.fiscal_year_values[rows].sum(axis=0) if rows else np.zeros(1)
            if costs == 0 and not rows:
                continue
            out[agency] = 0.0 if costs == 0 else payback_months(values, costs)
        return out

    def agencies(self) -> list[str]:
        seen = dict.fromkeys(list(self.cost_agencies) + list(self.line_agencies))
        return list(seen)

    def matrix(self) -> list[dict[str, Any]]:
        """Who pays and who benefits: one row per agency, each cost and each line once."""
        rows = []
        for agency in self.agencies():
            pays = float(sum(pv for pv, a in zip(self.cost_pv, self.cost_agencies) if a == agency))
            row: dict[str, Any] = {"agency": agency, "name": agency_name(agency), "pays": pays}
            for t in VALUE_TYPES:
                row[f"benefits_{t}"] = float(sum(
                    pv * c for pv, c, a, vt in zip(self.benefit_pv, self.counted, self.line_agencies,
                                                  self.line_value_types) if a == agency and vt == t))
            row["benefits"] = sum(row[f"benefits_{t}"] for t in VALUE_TYPES)
            row["cashable"] = float(sum(pv for pv, a in zip(self.cashable_pv, self.line_agencies) if a == agency))
            row["net"] = row["benefits"] - pays
            rows.append(row)
        return rows

    def corrections(self) -> dict[str, Any] | None:
        """Values before and after optimism bias and grade corrections (None when neither)."""
        if self.optimism_bias is None and not self.grades_applied:
            return None
        return {
            **(self.optimism_bias or {"uplift": 0.0, "applies_to": None, "category": None, "source": ""}),
            "costs_before": float(self.cost_pv_before.sum()),
            "costs_after": self.costs,
            "benefits_before": float(self.benefit_pv_before @ self.counted),
            "benefits_after": self.public_value,
            "grade_corrections_source": self.grade_source or None,
        }

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "conventions": self.conventions,
            "financial_case": self.financial_case(),
            "economic_case": self.economic_case(),
            "who_pays_who_benefits": self.matrix(),
        }
        corrections = self.corrections()
        if corrections is not None:
            out["optimism_bias"] = corrections
        if self.cohorts:
            out["cohorts"] = self.cohorts
        return out


def business_case(results: Any) -> BusinessCase:
    """The business case of a Results object (svmodel.results.Results)."""
    scenario, engine = results.scenario, results.engine
    model = scenario.model
    ob = optimism_bias_of(model.optimism_bias)
    inputs = model.inputs
    before = engine.input_amounts * engine.input_discount_factors
    factors = np.array([ob.factor(i.type) if ob else 1.0 for i in inputs])
    lines = scenario.lines
    grades = model.confidence_grades
    g = np.array([grade_factor(l.grade, grades) for l in lines])
    line_agencies = tuple(agency_of_line(l) for l in lines)
    fiscal = np.array([1.0 if l.value_type == "fiscal" and is_public(a) else 0.0
                       for l, a in zip(lines, line_agencies)])
    values = engine.values * g[:, None]
    if engine.line_discount_factors is not None:
        line_factors = engine.line_discount_factors
    else:
        line_factors = np.broadcast_to(engine.discount_factors, values.shape)
    years = engine.years
    cash = np.array([(l.cashable or 0.0) for l in lines])
    from_year = np.array([l.cashable_from_year for l in lines])
    cash_mask = (years[None, :] >= from_year[:, None]) * cash[:, None] * fiscal[:, None]
    cashable_pv = (values * cash_mask * line_factors).sum(axis=1)
    cohorts = {l.id: {**l.cohort.to_dict(), "engaged": [float(x) for x in l.cohort.engaged],
                      "outcomes": [float(x) for x in l.cohort.quantities], "quantity": l.quantity}
               for l in lines if l.cohort is not None}
    return BusinessCase(
        conventions=model.conventions,
        cost_pv_before=before, cost_pv=before * factors,
        cost_agencies=tuple(i.agency or UNALLOCATED for i in inputs),
        cost_types=tuple(i.type for i in inputs),
        benefit_pv_before=engine.line_present_values.copy(),
        benefit_pv=engine.line_present_values * g,
        line_agencies=line_agencies, line_value_types=tuple(l.value_type for l in lines),
        counted=engine.counted, fiscal=fiscal, cashable_pv=cashable_pv,
        fiscal_year_values=values * fiscal[:, None],
        optimism_bias=({"uplift": ob.uplift, "applies_to": ob.applies_to, "category": ob.category,
                        "source": ob.source} if ob else None),
        grades_applied=grades is not None and any(l.grade is not None for l in lines),
        grade_source=grades.source if grades is not None else "",
        cohorts=cohorts,
    )
