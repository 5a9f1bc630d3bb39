"""Result objects: headline figures, pandas tables, breakdowns and the JSON contract.

`calculate(scenario)` runs the engine on a validated scenario; `Results.to_json()` gives the
output of `svmodel run FILE --json` (docs/reference/contracts.md), with a `provenance` block so that
every figure traces to the scenario file, the proxy library version and svmodel's version.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import PurePath
from typing import Any

import numpy as np
import pandas as pd

from svmodel import __version__
from svmodel.engine import EngineResult, LineArrays, compute
from svmodel.scenario import Scenario

RESULTS_SCHEMA_VERSION = 1
BREAKDOWNS = ("stakeholder", "value_type", "beneficiary", "measure")


def json_safe(value: Any) -> Any:
    """JSON-safe data: NaN and infinities become null, numpy scalars plain Python, paths text."""
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


@dataclass(frozen=True)
class Results:
    """The outcome of evaluating one scenario."""

    scenario: Scenario
    engine: EngineResult
    computed_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))

    # ------------------------------------------------------------------ headline
    @property
    def total_present_value(self) -> float:
        return self.engine.total_present_value

    @property
    def total_inputs(self) -> float:
        return self.engine.total_inputs

    @property
    def net_present_value(self) -> float:
        return self.engine.net_present_value

    @property
    def sroi_ratio(self) -> float:
        return self.engine.sroi_ratio

    @property
    def net_sroi_ratio(self) -> float:
        return self.engine.net_sroi_ratio

    @property
    def payback_months(self) -> float | None:
        return self.engine.payback_months

    @property
    def excluded_transfers_present_value(self) -> float:
        """Present value of transfer payments left out of the totals (fiscal only)."""
        return float(self.engine.line_present_values @ (1.0 - self.engine.counted))

    def headline(self) -> dict[str, Any]:
        return {
            "total_present_value": self.total_present_value,
            "total_inputs": self.total_inputs,
            "net_present_value": self.net_present_value,
            "sroi_ratio": self.sroi_ratio,
            "net_sroi_ratio": self.net_sroi_ratio,
            "payback_months": self.payback_months,
        }

    # ------------------------------------------------------------------ tables
    def impact_map(self) -> pd.DataFrame:
        """One row per outcome line: every input, the rebased proxy, its source, impact and PV."""
        rows = []
        for line, impact, pv in zip(self.scenario.lines, self.engine.impact, self.engine.line_present_values):
            rows.append({
                "id": line.id, "stakeholder": line.stakeholder, "outcome": line.outcome,
                "measure": line.measure, "indicator": line.indicator, "quantity": line.quantity,
                "proxy": line.proxy_id or "(inline)", "proxy_name": line.proxy_name, "unit": line.unit,
                "proxy_value": line.original_value, "proxy_price_year": line.original_price_year,
                "unit_value": line.unit_value, "value_type": line.value_type,
                "beneficiary": line.beneficiary, "deadweight": line.deadweight,
                "displacement": line.displacement, "attribution": line.attribution,
                "drop_off": line.drop_off, "duration": line.duration, "start_year": line.start_year,
                "impact": float(impact), "present_value": float(pv), "source": line.source,
                "url": line.url, "licence": line.licence, "confidence": line.confidence,
                "origin": line.origin, "transfer": line.transfer, "counted": line.counted,
            })
        return pd.DataFrame(rows)

    def by_year(self) -> pd.DataFrame:
        """Total value, discount factor and present value in each outcome year."""
        return pd.DataFrame({
            "year": self.engine.years,
            "value": self.engine.year_values,
            "discount_factor": self.engine.discount_factors,
            "present_value": self.engine.year_present_values,
        })

    def values_by_line_and_year(self) -> pd.DataFrame:
        """Undiscounted value, lines as rows and years as columns."""
        return pd.DataFrame(self.engine.values, index=[l.id for l in self.scenario.lines],
                            columns=[int(y) for y in self.engine.years])

    def inputs_table(self) -> pd.DataFrame:
        model = self.scenario.model
        return pd.DataFrame({
            "stakeholder": [i.stakeholder for i in model.inputs],
            "description": [i.description for i in model.inputs],
            "amount": self.engine.input_amounts,
            "year": self.engine.input_years,
            "discount_factor": self.engine.input_discount_factors,
            "present_value": self.engine.input_amounts * self.engine.input_discount_factors,
        })

    def breakdown(self, by: str) -> pd.DataFrame:
        """Present value grouped by stakeholder, value_type, beneficiary or measure, with shares.

        Lines left out of the totals (transfer payments) are left out here too."""
        if by not in BREAKDOWNS:
            raise ValueError(f"breakdown by {by!r}: choose one of {', '.join(BREAKDOWNS)}")
        counted = [line.counted for line in self.scenario.lines]
        keys = [getattr(line, by) or "(none)" for line in self.scenario.lines]
        frame = pd.DataFrame({by: keys, "present_value": self.engine.line_present_values})[counted]
        grouped = frame.groupby(by, sort=False, as_index=False)["present_value"].sum()
        total = grouped["present_value"].sum()
        grouped["share"] = grouped["present_value"] / total if total else 0.0
        return grouped.sort_values("present_value", ascending=False, ignore_index=True)

    # ------------------------------------------------------------------ JSON
    def provenance(self) -> dict[str, Any]:
        library = self.scenario.library
        return {
            "svmodel_version": __version__,
            "proxy_library_version": library.version,
            "proxy_library_hash": library.content_hash,
            "proxy_packs": list(library.packs),
            "deflator_series": library.deflators.source,
            "deflator_vintage": library.deflators.vintage,
            # price years whose rebasing rests on a forecast year of that vintage (issue 14)
            "deflator_forecast_price_years": library.deflators.forecast_in(
                self.scenario.price_year, *(line.original_price_year for line in self.scenario.lines)),
            "scenario_file": str(self.scenario.path) if self.scenario.path else None,
            "scenario_hash": self.scenario.file_hash,
            "computed_at": self.computed_at,
        }

    def to_dict(self) -> dict[str, Any]:
        """The `svmodel run --json` contract (docs/reference/contracts.md), plus context."""
        model = self.scenario.model
        lines = []
        for line, impact, pv in zip(self.scenario.lines, self.engine.impact, self.engine.line_present_values):
            lines.append({
                "id": line.id, "stakeholder": line.stakeholder, "outcome": line.outcome,
                "measure": line.measure or None, "quantity": line.quantity,
                "proxy": line.proxy_id or None, "unit_value": line.unit_value,
                "value_type": line.value_type, "beneficiary": line.beneficiary,
                "impact": float(impact), "present_value": float(pv), "source": line.source,
                "counted": line.counted,
            })
        years = [
            {"year": int(row.year), "value": row.value, "discount_factor": row.discount_factor,
             "present_value": row.present_value}
            for row in self.by_year().itertuples(index=False)
        ]
        out = {
            "schema_version": RESULTS_SCHEMA_VERSION,
            "name": model.name,
            "organisation": model.organisation,
            "kind": model.kind,
            "price_year": model.price_year,
            "discounting": {"rate": model.discounting.rate,
                            "first_year_discounted": model.discounting.first_year_discounted},
            **self.headline(),
            "excluded_transfers_present_value": self.excluded_transfers_present_value,
            "include_transfers": model.include_transfers,
            "lines": lines,
            "years": years,
            "inputs": self.inputs_table().to_dict(orient="records"),
            "breakdowns": {by: self._breakdown_dict(by) for by in BREAKDOWNS},
            "warnings": list(self.scenario.warnings),
            "provenance": self.provenance(),
        }
        # issue 16: wellbeing (WELLBY) lines, LM3 beside the SROI, overlaps and their decisions, place
        from svmodel.beyond_fiscal import blocks
        out.update(blocks(self))
        for entry, line in zip(out["lines"], self.scenario.lines):
            entry.update({"local_share": line.local_share, "area": line.area or None,
                          "excluded_by": line.excluded_by or None})
        out.update(self.business_case().to_dict())  # issue 14: financial and economic cases
        narrative, line_narrative = self._narrative()  # issue 15: the words around the numbers
        for entry in out["lines"]:
            entry.update(line_narrative[entry["id"]])
        out["narrative"] = narrative
        return json_safe(out)

    def _narrative(self) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """Scenario narrative and each line's narrative by id (svmodel.scenario.narrative)."""
        model = self.scenario.model
        by_id = {outcome.id: outcome for outcome in model.outcomes}
        narrative = {
            "description": model.description, "scope": model.scope,
            "stakeholders": [group.model_dump() for group in model.stakeholders],
            "materiality": model.materiality, "limitations": model.limitations,
        }
        lines = {}
        for line in self.scenario.lines:
            outcome = by_id[line.id]
            lines[line.id] = {
                "indicator": line.indicator or None, "description": outcome.description,
                "output": outcome.output, "change": outcome.change,
                "evidence": outcome.evidence, "reasons": outcome.reasons.given(),
                "notes": outcome.notes,
            }
        return narrative, lines

    def business_case(self) -> Any:
        """The financial case, economic case and who-pays / who-benefits matrix (issue 14)."""
        from svmodel.business_case import business_case

        return business_case(self)

    def _breakdown_dict(self, by: str) -> dict[str, float]:
        table = self.breakdown(by)
        return dict(zip(table[by], table["present_value"]))

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)


def calculate(scenario: Scenario) -> Results:
    """Run the engine on a validated scenario (docs/conventions.md)."""
    model = scenario.model
    engine = compute(
        LineArrays.from_lines(scenario.lines),
        [i.amount for i in model.inputs],
        [i.year for i in model.inputs],
        rate=model.discounting.rate,
        first_year_discounted=model.discounting.first_year_discounted,
    )
    _check_finite(scenario, engine)
    return Results(scenario=scenario, engine=engine)


def _check_finite(scenario: Scenario, engine: EngineResult) -> None:
    """A clear error instead of n/a figures when a total is not a finite number.

    The bounds in svmodel.util.limits keep every total finite; this guards the engine's callers
    against values that reach it without validation (a result is never printed as n/a with
    exit status 0 because of an overflow)."""
    totals = {"total_present_value": engine.total_present_value, "total_inputs": engine.total_inputs}
    bad = [name for name, value in totals.items() if not math.isfinite(value)]
    if bad or not np.all(np.isfinite(engine.line_present_values)):
        from svmodel.scenario.problems import Problem, ScenarioError

        where = str(scenario.path) if scenario.path else scenario.name
        raise ScenarioError([Problem(where, ", ".join(bad) or "outcomes",
                                     "the calculation overflows (a total is not a finite number); "
                                     "check quantities, values and years for misplaced digits")])
