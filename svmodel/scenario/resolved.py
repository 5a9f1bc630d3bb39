"""The resolved scenario: outcome lines with their proxies found and values rebased.

`Line` is one outcome line ready for the engine (its value rebased to the scenario's price year
with the HM Treasury GDP deflator, SROI Guide 2012 stage 3); `Scenario` is the validated file
plus its lines. `scenario_to_dict` turns a scenario back into file data (for saved variants).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from svmodel.library.deflators import PriceYear
from svmodel.library.proxies import Proxy, ProxyLibrary
from svmodel.scenario.cohort import CohortFunnel
from svmodel.scenario.narrative import OutcomeNarrative, ScenarioNarrative, drop_empty_narrative
from svmodel.scenario.schema import (
    BusinessCaseInput,
    BusinessCaseOutcome,
    BusinessCaseScenario,
    Outcome,
    ScenarioModel,
)
from svmodel.scenario.uncertainty_spec import UncertaintySpec


@dataclass(frozen=True)
class Line:
    """An outcome line with its proxy resolved and its value rebased to the scenario price year."""

    id: str
    stakeholder: str
    outcome: str
    measure: str
    indicator: str
    quantity: float
    unit_value: float  # rebased to the scenario price year
    deadweight: float
    displacement: float
    attribution: float
    drop_off: float
    duration: int
    start_year: int
    proxy_id: str  # "" for an inline value
    proxy_name: str
    unit: str
    original_value: float
    original_price_year: str
    value_type: str
    beneficiary: str
    source: str
    url: str
    licence: str
    confidence: str
    transfer: bool
    benefit_area: str
    level: str
    parent: str
    origin: str
    notes: str
    counted: bool = True  # False: a transfer payment left out of the social value total
    # issue 16
    local_share: float = 1.0  # share of the benefit that stays in `area` (1 - leakage)
    area: str = ""
    wellby_people: float | None = None  # a wellbeing (WELLBY) line: people ...
    life_satisfaction_change: float | None = None  # ... and their change on the 0-10 scale
    excluded_by: str = ""  # the overlap decision that left this line out of totals
    # issue 14: business case fields (see BusinessCaseOutcome)
    cohort: CohortFunnel | None = None
    disbenefit: bool = False
    agency: str = ""
    cashable: float | None = None
    cashable_from_year: int = 1
    grade: int | None = None
    discount_schedule: str = "standard"
    value_index: tuple[float, ...] | None = None  # value in outcome year t / value in the start year
    rebase_factor: float = 1.0  # the GDP deflator factor unit_value used (issue 11: computed once)

    @property
    def profile(self) -> tuple[float, ...]:
        """Each programme year's share of the quantity (one year unless a cohort lists years)."""
        return tuple(float(x) for x in self.cohort.profile) if self.cohort else (1.0,)


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: the parsed file plus resolved outcome lines."""

    model: ScenarioModel
    lines: tuple[Line, ...]
    library: ProxyLibrary
    path: Path | None = None
    file_hash: str = ""
    warnings: tuple[str, ...] = field(default=())
    # issue 16: the `uncertainty:` section parsed once during validation; overlaps found across
    # value families with the decision taken on each (svmodel.scenario.double_counting)
    uncertainty_spec: UncertaintySpec = field(default_factory=UncertaintySpec)
    overlaps: tuple[dict[str, Any], ...] = field(default=())

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def price_year(self) -> int:
        return self.model.price_year

    @property
    def discount_rate(self) -> float | str:
        return self.model.discounting.rate

    @property
    def first_year_discounted(self) -> bool:
        return self.model.discounting.first_year_discounted

    def to_dict(self) -> dict[str, Any]:
        """The scenario as plain data in the file format (for saving a variant)."""
        return scenario_to_dict(self.model)


def scenario_to_dict(model: ScenarioModel) -> dict[str, Any]:
    data = model.model_dump(mode="python", exclude_defaults=False)
    drop_empty_narrative(data, ScenarioNarrative)
    for outcome in data["outcomes"]:
        drop_empty_narrative(outcome, OutcomeNarrative)
        _drop_business_defaults(outcome)
        if outcome.get("value") is None:
            outcome.pop("value", None)
        if outcome.get("proxy") is None:
            outcome.pop("proxy", None)
        for key in ("measure", "indicator"):
            if outcome.get(key) is None:
                outcome.pop(key)
    for key in ("uncertainty", "proxies"):
        if not data[key]:
            data.pop(key)
    # issue 16: leave out what a file did not use, so saved variants match their source
    for outcome in data["outcomes"]:
        for key, default in (("wellby", None), ("local_share", 1.0), ("area", None)):
            if outcome.get(key) == default:
                outcome.pop(key, None)
        if outcome.get("wellby") is not None:
            outcome.pop("quantity", None)
            if not outcome["wellby"].get("source"):
                outcome["wellby"].pop("source", None)
    for key in ("area", "overlaps", "lm3"):
        if not data.get(key):
            data.pop(key, None)
    if data.get("deflator_vintage") is None:
        data.pop("deflator_vintage", None)
    for key, default in BusinessCaseScenario().model_dump().items():  # issue 14: unset fields
        if data.get(key) == default:
            data.pop(key, None)
    for item in data["inputs"]:
        for key, default in BusinessCaseInput().model_dump().items():
            if item.get(key) == default:
                item.pop(key, None)
    return data


def _drop_business_defaults(outcome: dict[str, Any]) -> None:
    """Leave issue 14's optional outcome fields out of a saved file when they are unset."""
    defaults = BusinessCaseOutcome().model_dump()
    for key, default in defaults.items():
        if key in outcome and outcome[key] == default:
            outcome.pop(key)
    if outcome.get("quantity") is None:
        outcome.pop("quantity", None)


def horizon_of(outcome: Outcome) -> int:
    years = outcome.cohort.funnel().years if outcome.cohort is not None else 1
    return outcome.start_year + outcome.duration - 1 + years - 1


def _growth(outcome: Outcome, value: float) -> dict[str, Any]:
    """unit_value (the value in the start year) and value_index for a real growth rate."""
    by_year = outcome.value_by_year
    if by_year is None or by_year.real_growth is None:
        return {}
    from svmodel.business_case.value_series import growth_index

    sign = -1.0 if outcome.disbenefit else 1.0
    index = growth_index(by_year.real_growth, outcome.start_year, horizon_of(outcome))
    return {"unit_value": sign * value * (1.0 + by_year.real_growth) ** (outcome.start_year - 1),
            "value_index": tuple(float(x) for x in index)}


def _resolve_series_line(outcome: Outcome, library: ProxyLibrary, price_year: int,
                         include_transfers: bool) -> Line:
    """A line valued by a shipped series (DESNZ carbon values), rebased to the price year."""
    from svmodel.business_case.value_series import load_series, series_index

    by_year = outcome.value_by_year
    series = load_series(by_year.series, by_year.scenario)
    first = series.value(by_year.first_year + outcome.start_year - 1)
    index = series_index(series, by_year.first_year, outcome.start_year, horizon_of(outcome))
    sign = -1.0 if outcome.disbenefit else 1.0
    funnel = outcome.cohort.funnel() if outcome.cohort is not None else None
    factor = library.deflators.factor(series.price_year, price_year)
    return Line(
        id=outcome.id, stakeholder=outcome.stakeholder, outcome=outcome.outcome,
        measure=outcome.measure or "", indicator=outcome.indicator or "",
        quantity=funnel.quantity if funnel is not None else outcome.quantity,
        unit_value=sign * first * factor, rebase_factor=factor,
        deadweight=outcome.deadweight, displacement=outcome.displacement,
        attribution=outcome.attribution, drop_off=outcome.drop_off,
        duration=outcome.duration, start_year=outcome.start_year, proxy_id="",
        proxy_name=f"{series.name} ({series.scenario})", unit=series.unit, original_value=first,
        original_price_year=str(series.price_year), value_type="social", beneficiary="society",
        source=f"{series.source}; vintage {series.vintage}", url="", licence="Open Government Licence",
        confidence="", transfer=False, benefit_area="", level="", parent="", origin="series",
        notes=outcome.notes, counted=True, cohort=funnel, disbenefit=outcome.disbenefit,
        agency=outcome.agency or "", cashable=outcome.cashable,
        cashable_from_year=outcome.cashable_from_year, grade=outcome.grade,
        discount_schedule=outcome.discount_schedule, value_index=tuple(float(x) for x in index),
    )


def _proxy_cashable(outcome: Outcome, library: ProxyLibrary) -> float | None:
    """The library's cashable flag as a share (true 1, false 0), when the line gives none."""
    if outcome.proxy is None:
        return None
    flag = library.get(outcome.proxy).cashable
    return None if flag is None else float(flag)


def resolve_line(outcome: Outcome, library: ProxyLibrary, price_year: int,
                  include_transfers: bool = False) -> Line:
    by_year = outcome.value_by_year
    if by_year is not None and by_year.series is not None:
        return _resolve_series_line(outcome, library, price_year, include_transfers)
    if outcome.proxy is not None:
        proxy: Proxy = library.get(outcome.proxy)
        amount, year = proxy.value, proxy.price_year
        meta = dict(
            proxy_id=proxy.id, proxy_name=proxy.name, unit=proxy.unit, value_type=proxy.value_type,
            beneficiary=proxy.beneficiary, source=proxy.source, url=proxy.url, licence=proxy.licence,
            confidence=proxy.confidence, transfer=proxy.transfer, benefit_area=proxy.benefit_area,
            level=proxy.level, parent=proxy.parent, origin=proxy.origin,
        )
    else:
        inline = outcome.value
        assert inline is not None  # guaranteed by Outcome._one_value
        amount, year = inline.amount, PriceYear.parse(inline.price_year)
        meta = dict(
            proxy_id="", proxy_name=outcome.outcome, unit=inline.unit, value_type=inline.value_type,
            beneficiary=inline.beneficiary or outcome.stakeholder, source=inline.source,
            url=inline.url, licence=inline.licence, confidence="", transfer=False,
            benefit_area="", level="", parent="", origin="scenario",
        )
    funnel = outcome.cohort.funnel() if outcome.cohort is not None else None
    sign = -1.0 if outcome.disbenefit else 1.0
    factor = library.deflators.factor(year, price_year)
    growth = _growth(outcome, amount * factor)
    return Line(
        id=outcome.id, stakeholder=outcome.stakeholder, outcome=outcome.outcome,
        measure=outcome.measure or "", indicator=outcome.indicator or "",
        quantity=funnel.quantity if funnel is not None else outcome.quantity,
        unit_value=growth.get("unit_value", sign * amount * factor), rebase_factor=factor,
        value_index=growth.get("value_index"),
        cohort=funnel, disbenefit=outcome.disbenefit, agency=outcome.agency or "",
        cashable=outcome.cashable if outcome.cashable is not None else _proxy_cashable(outcome, library),
        cashable_from_year=outcome.cashable_from_year,
        grade=outcome.grade, discount_schedule=outcome.discount_schedule,
        deadweight=outcome.deadweight, displacement=outcome.displacement,
        attribution=outcome.attribution, drop_off=outcome.drop_off,
        duration=outcome.duration, start_year=outcome.start_year,
        original_value=amount, original_price_year=year.label, notes=outcome.notes,
        counted=include_transfers or not meta["transfer"], **meta,
        local_share=outcome.local_share, area=outcome.area or "",
        wellby_people=outcome.wellby.people if outcome.wellby else None,
        life_satisfaction_change=outcome.wellby.life_satisfaction_change if outcome.wellby else None,
    )
