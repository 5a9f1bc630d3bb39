"""Scenario files: load YAML safely, validate against the version 1 contract, normalise.

Validation is all or nothing: a file either yields a complete `Scenario` or a
`ScenarioError` listing every problem found, each naming the file, the line where known,
the field path (``outcomes[2].deadweight``), the value and what is allowed.

References: SROI Guide (2012) stages 2-4 (inputs, outcomes, indicators, proxies, deadweight,
displacement, attribution, drop-off, duration); docs/reference/contracts.md (the file contract).
"""

from __future__ import annotations

import difflib
import hashlib
import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from svmodel.util.atomic import write_text_atomic
from svmodel.scenario.double_counting import double_counting
from svmodel.parameters import ADJUSTMENTS, FRACTIONS, PARAMETERS, fraction_from_text
from svmodel.library.deflators import PriceYear, PriceYearError
from svmodel.scenario.uncertainty_spec import UncertaintySpec, parse_uncertainty
from svmodel.scenario.double_counting import Overlap, cross_family_overlaps
from svmodel.lm3 import Lm3Section
from svmodel.library.proxies import Proxy, ProxyLibrary, ProxyLibraryError, default_library
from svmodel.scenario.problems import Problem, ScenarioError, fields_map, problem_at, raw_at, translate
from svmodel.util.yamlio import Path_, YamlProblem, format_path, load_yaml
from svmodel.util.inputfiles import read_bounded
from svmodel.util.limits import MAX_INPUTS, MAX_MONEY, MAX_OUTCOMES, MAX_PROXY_PACKS, MAX_YAML_BYTES, MAX_YEAR
from svmodel.scenario.cohort import CohortFunnel
from svmodel.scenario.narrative import OutcomeNarrative, ScenarioNarrative, drop_empty_narrative

#: Longest multi-year programme a cohort funnel may list (issue 14).
MAX_PROGRAMME_YEARS = 50

SCHEMA_VERSIONS = (1,)
DISCOUNT_SCHEDULES = ("green_book", "green_book_health", "green_book_no_catastrophic_risk")


# --------------------------------------------------------------------------- field types
ALLOWED: dict[str, str] = {
    "svmodel": "the schema version: 1",
    "name": "a text naming the scenario",
    "organisation": "a text",
    "kind": "forecast or evaluative",
    "price_year": "a calendar year covered by the GDP deflator series",
    "discounting": "a mapping with rate and first_year_discounted",
    "rate": PARAMETERS["discount_rate"].allowed + ", or one of: " + ", ".join(DISCOUNT_SCHEDULES),
    "first_year_discounted": "true (SROI Guide) or false (Green Book: year 1 undiscounted)",
    "inputs": "a list of at least one input with stakeholder, amount and year",
    "outcomes": "a list of at least one outcome",
    "stakeholder": "a text naming who contributes or benefits",
    "description": "a text",
    "amount": PARAMETERS["amount"].allowed + ", without currency sign or thousands separators (e.g. 250000)",
    "year": PARAMETERS["year"].allowed + " (0 = today, not discounted)",
    "id": "a name made of letters, digits, _ or -, starting with a letter, unique in the file",
    "outcome": "a text describing the outcome",
    "measure": "a framework measure id such as K10",
    "indicator": "a text",
    "quantity": PARAMETERS["quantity"].allowed,
    "proxy": "an id from the proxy library (see `svmodel proxies`)",
    "value": "a mapping with amount, price_year and source",
    "source": "a text citing where the value comes from",
    "duration": PARAMETERS["duration"].allowed,
    "start_year": PARAMETERS["start_year"].allowed + " (1 = the first year)",
    "uncertainty": "a mapping from 'outcome_id.parameter' to a distribution such as {dist: uniform, low: 0.2, high: 0.4}",
    "proxies": "a list of proxy pack CSV files, relative to the scenario file",
    "value_type": "one of fiscal, economic, social",
    "cohort": "a mapping {need, engagement, success}: need a number of people, engagement and success fractions; each may be a list with one entry per programme year",
    "need": PARAMETERS["cohort.need"].allowed + ", or a list of them (one per programme year)",
    "engagement": PARAMETERS["cohort.engagement"].allowed + ", or a list of them (one per programme year)",
    "success": PARAMETERS["cohort.success"].allowed + ", or a list of them (one per programme year)",
    "disbenefit": "true when the outcome is a loss (its value counts negative) or false",
    "agency": "an agency id from the controlled list (see docs/business-case.md)",
    "cashable": "the share of a fiscal saving that is cashable: " + PARAMETERS["deadweight"].allowed,
    "cashable_from_year": "the outcome year from which the saving is cashable: " + PARAMETERS["start_year"].allowed,
    "grade": "a GMCA confidence grade, a whole number from 1 (best evidence) to 6",
    "discount_schedule": "standard or health (Green Book health schedule for this line)",
    "value_by_year": "a mapping: {series: desnz_carbon, scenario: low|central|high, first_year: 2026} or {real_growth: 0.02, source: ...}",
    "conventions": "one of svuk_2012 (default), green_book_2022, green_book_2026, gmca_cba_2014",
    "optimism_bias": "a mapping with category (see docs/business-case.md) or uplift and source, and applies_to: capital or all",
    "confidence_grades": "a mapping with corrections {grade 1-6: fraction} and source",
    "corrections": "a mapping from grade (1-6) to the share of benefits removed, e.g. {1: 0, 6: 0.4}",
    "type": "capital, revenue or in_kind",
    "applies_to": "capital (default) or all",
    "category": "an optimism bias category, e.g. standard_buildings",
    "uplift": "a fraction such as 0.41",
    "include_transfers": "false (default: transfer payments are fiscal only, outside the total) or true",
    # issue 16
    "local_share": PARAMETERS["local_share"].allowed + " (1 = all the benefit stays in the area)",
    "area": "a text naming the area the local share refers to, e.g. Knowsley",
    "wellby": "a mapping with life_satisfaction_change (0-10 scale) and people, e.g. "
              "{life_satisfaction_change: 0.5, people: 40}",
    "life_satisfaction_change": PARAMETERS["life_satisfaction_change"].allowed,
    "people": PARAMETERS["people"].allowed,
    "overlaps": "a list of {lines: [id_a, id_b], reason: why they are not the same benefit, "
                "decision: keep | exclude}",
    "lm3": "a mapping with area, income and spend (a list of local supplier and staff spend)",
    "income": PARAMETERS["lm3_income"].allowed + " (LM3 round 1, e.g. the contract value)",
    "spend": "a list of {name, kind: supplier | staff, amount, local_respend}",
    "local_respend": PARAMETERS["local_respend"].allowed,
    "lines": "two outcome ids (or an outcome id and lm3)",
    "reason": "a text saying why the two lines are not the same benefit",
    "decision": "keep or exclude",
    # issue 15: narrative (svmodel.scenario.narrative); texts of at most 10,000 characters
    "scope": "a text saying what the analysis covers (activities, period, area)",
    "stakeholders": "a list of {name, involvement, included: true|false, reason}",
    "involvement": "a text saying how the stakeholder group was involved",
    "included": "true (in the analysis) or false (left out; say why in reason)",
    "materiality": "a text saying how material outcomes were chosen",
    "limitations": "a text on the analysis's limitations",
    "output": "a text naming the activity's output that led to the change",
    "change": "intended or unintended",
    "evidence": "a text naming the evidence for the outcome",
    "reasons": "a mapping from quantity, proxy, deadweight, displacement, attribution, drop_off "
               "or duration to a text saying why that figure was chosen",
    "exclude": "one of the overlap's two lines",
    "deflator_vintage": "the name of a shipped HM Treasury GDP deflator series, e.g. HMT_QNA_Dec2025_calendar",
    **{name: PARAMETERS[name].allowed for name in ADJUSTMENTS},
}


def _numeric_text(value: Any) -> bool:
    """True for text that reads as a number (YAML 1.1 reads 1e12, without a decimal point,
    as text; so is a quoted "1200")."""
    if not isinstance(value, str):
        return False
    try:
        float(value.strip())
    except ValueError:
        return False
    return True


def _number(value: Any) -> float:
    if isinstance(value, str) and _numeric_text(value):
        raise PydanticCustomError(
            "svm_numeric_text",
            "is text, not a number: YAML reads a number in quotes, or in exponent form without a "
            "decimal point and a signed exponent (1e12), as text; write it as {plain}, or in "
            "the form 1.0e+12", {"plain": _plain_number(value)})
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PydanticCustomError("not_a_number", "not a number")
    if not math.isfinite(value):
        raise PydanticCustomError("not_a_number", "not a finite number")
    return float(value)


def _plain_number(text: str) -> str:
    number = float(text.strip())
    if number.is_integer() and abs(number) < 1e16:
        return str(int(number))
    return repr(number)


def _fraction(value: Any) -> float:
    if isinstance(value, str):
        try:
            return fraction_from_text(value)
        except ValueError:
            raise PydanticCustomError("not_a_fraction", "not a fraction or a percentage") from None
    try:
        return _number(value)
    except PydanticCustomError:
        raise PydanticCustomError("not_a_fraction", "not a fraction or a percentage") from None


def _whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PydanticCustomError("not_whole", "not a whole number")
    if isinstance(value, float) and not value.is_integer():
        raise PydanticCustomError("not_whole", "not a whole number")
    return int(value)


def _rate(value: Any) -> float | str:
    if isinstance(value, str) and value.strip() in DISCOUNT_SCHEDULES:
        return value.strip()
    if isinstance(value, str):
        raise PydanticCustomError("unknown_schedule", "unknown discounting schedule")
    rate = _number(value)
    if not PARAMETERS["discount_rate"].contains(rate):
        raise PydanticCustomError("rate_range", "out of range")
    return rate


def _bounded(name: str) -> Any:
    """pydantic bounds of registry parameter `name` (svmodel.parameters)."""
    p = PARAMETERS[name]
    return Field(**{"gt" if p.low_open else "ge": p.low, "lt" if p.high_open else "le": p.high})


Number = Annotated[float, BeforeValidator(_number)]
NonNegative = Annotated[float, BeforeValidator(_number), Field(ge=0, le=MAX_MONEY)]
Fraction = Annotated[float, BeforeValidator(_fraction), _bounded(FRACTIONS[0])]  # every fraction: 0..1
Years = Annotated[int, BeforeValidator(_whole)]
Text = Annotated[str, Field(min_length=1)]
Quantity = Annotated[float, BeforeValidator(_number), _bounded("quantity")]
Money = Annotated[float, BeforeValidator(_number), _bounded("amount")]
ProxyValue = Annotated[float, BeforeValidator(_number), _bounded("value")]


def _library(info: ValidationInfo) -> ProxyLibrary:
    return info.context["library"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class InlineValue(_Strict):
    """A financial proxy given in the scenario file itself."""

    amount: ProxyValue
    price_year: int | str
    source: Text
    url: str = ""
    unit: str = ""
    licence: str = ""
    value_type: Literal["fiscal", "economic", "social"] = "social"
    beneficiary: str = ""

    @field_validator("price_year")
    @classmethod
    def _price_year_in_series(cls, value: int | str, info: ValidationInfo) -> int | str:
        _check_price_year(value, _library(info))
        return value


def _check_price_year(value: object, library: ProxyLibrary, calendar_only: bool = False) -> PriceYear:
    try:
        year = PriceYear.parse(value)
    except PriceYearError:
        raise PydanticCustomError("bad_price_year", "not a price year") from None
    deflators = library.deflators
    if calendar_only and year.financial:
        raise PydanticCustomError(
            "price_year_range", "the scenario price year must be a calendar year, e.g. 2024"
        )
    if not deflators.covers(year):
        raise PydanticCustomError(
            "price_year_range",
            "outside the GDP deflator series: allowed are {allowed}",
            {"allowed": f"{deflators.allowed_text(False)}, or {deflators.allowed_text(True)}"},
        )
    return year


def _known_agency(value: str | None) -> str | None:
    """An agency from the controlled list (svmodel.business_case.agencies), or None."""
    from svmodel.business_case.agencies import default_agencies

    agencies = default_agencies()
    if value is not None and value not in agencies:
        raise PydanticCustomError("unknown_agency", "unknown agency; allowed: {allowed}",
                                  {"allowed": ", ".join(agencies)})
    return value


class BusinessCaseInput(_Strict):
    """Issue 14 fields of an input (a cost): who pays and what kind of cost it is."""

    agency: str | None = None
    type: Literal["capital", "revenue", "in_kind"] = "revenue"

    _agency_known = field_validator("agency")(classmethod(lambda cls, value: _known_agency(value)))


class Input(BusinessCaseInput):
    """An investment (SROI Guide stage 2: inputs), valued in the scenario's price year."""

    stakeholder: Text
    description: str = ""
    amount: Money
    year: Annotated[Years, _bounded("year")] = 0
    notes: str = ""


class WellbyChange(_Strict):
    """A change in life satisfaction (0-10 ONS scale) for a number of people (issue 16).

    The line's quantity is people x change, in WELLBYs a year; its duration is the years the
    change persists, declining by drop_off; it is valued at the WELLBY value (`hmt_wellby`:
    GBP 13,000 in 2019 prices, range 10,000 to 16,000) unless the line names another value.
    HM Treasury (2021) Wellbeing Guidance for Appraisal: a WELLBY is a one-point change in life
    satisfaction for one person for one year.
    """

    life_satisfaction_change: Annotated[float, BeforeValidator(_number), _bounded("life_satisfaction_change")]
    people: Annotated[float, BeforeValidator(_number), _bounded("people")]
    source: str = ""


#: The WELLBY value a `wellby:` line uses unless it names another proxy or an inline value.
WELLBY_PROXY = "hmt_wellby"


def _wellby_quantity(data: Any) -> Any:
    """Before validation: a `wellby:` line's quantity is people x change in life satisfaction."""
    if not isinstance(data, dict) or "wellby" not in data:
        return data
    data = dict(data)
    wellby = data["wellby"]
    if "quantity" in data:
        raise PydanticCustomError("wellby_quantity", "gives both `quantity` and `wellby`: a "
                                  "wellbeing line's quantity is people x life_satisfaction_change")
    if "value" not in data:
        data.setdefault("proxy", WELLBY_PROXY)
    people = wellby.get("people") if isinstance(wellby, dict) else None
    change = wellby.get("life_satisfaction_change") if isinstance(wellby, dict) else None
    ok = all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
             for x in (people, change))
    # When either is invalid the wellby field reports it; quantity is then not derived.
    data["quantity"] = float(people) * float(change) if ok and people >= 0 and change >= 0 else 0.0
    return data


# --------------------------------------------------------------------------- issue 14: business case
CohortNeed = Annotated[float, BeforeValidator(_number), _bounded("cohort.need")]
CohortRate = Annotated[float, BeforeValidator(_fraction), _bounded("cohort.engagement")]


class Cohort(_Strict):
    """A cohort funnel: quantity = need x engagement x success (svmodel.scenario.cohort); each
    part one number or a list with one entry per programme year."""

    need: CohortNeed | Annotated[list[CohortNeed], Field(min_length=1, max_length=MAX_PROGRAMME_YEARS)]
    engagement: CohortRate | Annotated[list[CohortRate], Field(min_length=1, max_length=MAX_PROGRAMME_YEARS)]
    success: CohortRate | Annotated[list[CohortRate], Field(min_length=1, max_length=MAX_PROGRAMME_YEARS)]

    @model_validator(mode="after")
    def _same_years(self) -> "Cohort":
        lengths = {len(v) for v in (self.need, self.engagement, self.success) if isinstance(v, list)}
        if len(lengths) > 1:
            raise PydanticCustomError(
                "cohort_years", "the lists of need, engagement and success have different lengths "
                "({lengths}); give one entry per programme year in each, or a single number",
                {"lengths": ", ".join(map(str, sorted(lengths)))})
        return self

    def funnel(self) -> CohortFunnel:
        return CohortFunnel.from_parts(self.need, self.engagement, self.success)


class ValueByYear(_Strict):
    """A value that changes by year: a shipped series (first_year = the calendar year of
    outcome year 1) or a real growth rate with its source (svmodel.business_case.value_series)."""

    series: str | None = None
    scenario: Literal["low", "central", "high"] = "central"
    first_year: int | None = None
    real_growth: Annotated[float, BeforeValidator(_fraction), Field(ge=-0.5, le=0.5)] | None = None
    source: str = ""

    @model_validator(mode="after")
    def _series_or_growth(self) -> "ValueByYear":
        from svmodel.business_case.value_series import SERIES_FILES

        if (self.series is None) == (self.real_growth is None):
            raise PydanticCustomError("ob_choice", "give exactly one of `series` (one of {names}, with "
                                      "first_year) or `real_growth` (with its source)",
                                      {"names": ", ".join(SERIES_FILES)})
        if self.series is not None and (self.series not in SERIES_FILES or self.first_year is None):
            raise PydanticCustomError("ob_choice", "a series must be one of {names} and needs first_year, "
                                      "the calendar year of outcome year 1", {"names": ", ".join(SERIES_FILES)})
        if self.real_growth is not None and not self.source:
            raise PydanticCustomError("ob_choice", "a real growth rate needs its `source`")
        return self


class BusinessCaseOutcome(_Strict):
    """Issue 14 fields of an outcome line: cohort funnel, disbenefit, agency, cashability,
    confidence grades and a per-line discount schedule. All optional."""

    cohort: Cohort | None = None
    disbenefit: bool = False
    agency: str | None = None
    cashable: Fraction | None = None
    cashable_from_year: Annotated[Years, _bounded("start_year")] = 1
    grade: Annotated[int, Field(ge=1, le=6)] | None = None
    discount_schedule: Literal["standard", "health"] = "standard"
    value_by_year: ValueByYear | None = None

    _agency_known = field_validator("agency")(classmethod(lambda cls, value: _known_agency(value)))


class Outcome(BusinessCaseOutcome, OutcomeNarrative):
    """One outcome line of the impact map (SROI Guide stages 2-4)."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_\-]*$")]
    stakeholder: Text
    outcome: Text
    measure: str | None = None
    indicator: str | None = None
    quantity: Quantity | None = None  # or a cohort funnel (issue 14)
    proxy: str | None = None
    value: InlineValue | None = None
    deadweight: Fraction = 0.0
    displacement: Fraction = 0.0
    attribution: Fraction = 0.0
    drop_off: Fraction = 0.0
    duration: Annotated[Years, _bounded("duration")] = 1
    start_year: Annotated[Years, _bounded("start_year")] = 1
    notes: str = ""
    # ---- issue 16: wellbeing lines, leakage and place
    wellby: WellbyChange | None = None
    local_share: Annotated[float, BeforeValidator(_fraction), _bounded("local_share")] = 1.0
    area: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _wellby(cls, data: Any) -> Any:
        return _wellby_quantity(data)

    @field_validator("proxy")
    @classmethod
    def _proxy_known(cls, value: str | None, info: ValidationInfo) -> str | None:
        library = _library(info)
        if value is not None and value not in library:
            hint = library.suggest(value)
            raise PydanticCustomError(
                "unknown_proxy",
                "unknown proxy id{hint}",
                {"hint": f"; closest ids: {', '.join(hint)}" if hint else "; see `svmodel proxies --search`"},
            )
        return value

    @field_validator("proxy")
    @classmethod
    def _proxy_priced_in_series(cls, value: str | None, info: ValidationInfo) -> str | None:
        """A proxy priced outside the GDP deflator series cannot be rebased (issue 14)."""
        library = _library(info)
        if value is not None and value in library:
            year = library.get(value).price_year
            deflators = library.deflators
            if not deflators.covers(year):
                raise PydanticCustomError(
                    "proxy_price_year",
                    "proxy is priced in {year}, outside the GDP deflator series {vintage} "
                    "({allowed}), so it cannot be rebased; choose another proxy, give an inline "
                    "value priced in a covered year, or pin a deflator vintage that covers it "
                    "(deflator_vintage)",
                    {"year": year.label, "vintage": deflators.vintage,
                     "allowed": f"{deflators.allowed_text(False)}, or {deflators.allowed_text(True)}"},
                )
        return value

    @model_validator(mode="after")
    def _quantity_or_cohort(self) -> "Outcome":
        if (self.quantity is None) == (self.cohort is None):
            which = "neither `quantity` nor `cohort`" if self.quantity is None else "both `quantity` and `cohort`"
            raise PydanticCustomError(
                "quantity_or_cohort",
                "gives {which}: give exactly one, a quantity or a cohort funnel "
                "(need, engagement, success; quantity = need x engagement x success)",
                {"which": which})
        return self

    @model_validator(mode="after")
    def _within_horizon(self) -> "Outcome":
        last = self.start_year + self.duration - 1
        if last > MAX_YEAR:
            raise PydanticCustomError(
                "svm_horizon",
                "starts in year {start} and lasts {duration} years, so it ends in year {last}; "
                "outcomes must end by year {limit} (the end of the Green Book's discounting table)",
                {"start": self.start_year, "duration": self.duration, "last": last, "limit": MAX_YEAR})
        return self

    @model_validator(mode="after")
    def _one_value(self) -> "Outcome":
        if self.value_by_year is not None and self.value_by_year.series is not None:
            if self.proxy is not None or self.value is not None:  # issue 14: the series is the value
                raise PydanticCustomError("proxy_or_value", "takes its value from the series "
                                          "{series}: leave out `proxy` and `value`",
                                          {"series": self.value_by_year.series})
            return self
        if (self.proxy is None) == (self.value is None):
            which = "neither" if self.proxy is None else "both"
            raise PydanticCustomError(
                "proxy_or_value",
                "gives {which}: give exactly one, a proxy id from the library or an "
                "inline value with amount, price_year and source",
                {"which": "neither `proxy` nor `value`" if which == "neither" else "both `proxy` and `value`"},
            )
        return self


class Discounting(_Strict):
    """Discounting (Green Book Annex A6; SROI Guide stage 5)."""

    rate: Annotated[float | str, BeforeValidator(_rate)] = 0.035
    first_year_discounted: bool = True


class OptimismBias(_Strict):
    """Green Book optimism bias on costs: a published category's uplift, or an own uplift with
    its source (HM Treasury supplementary guidance, Mott MacDonald 2002)."""

    category: str | None = None
    uplift: Annotated[float, BeforeValidator(_fraction), Field(ge=0, le=10)] | None = None
    source: str = ""
    applies_to: Literal["capital", "all"] = "capital"

    @model_validator(mode="after")
    def _category_or_uplift(self) -> "OptimismBias":
        from svmodel.business_case.corrections import optimism_bias_table

        if (self.category is None) == (self.uplift is None):
            raise PydanticCustomError("ob_choice", "give exactly one of `category` (a published "
                                      "category) or `uplift` with its `source`")
        if self.category is not None and self.category not in optimism_bias_table():
            raise PydanticCustomError("unknown_agency", "unknown optimism bias category; allowed: {allowed}",
                                      {"allowed": ", ".join(optimism_bias_table())})
        if self.uplift is not None and not self.source:
            raise PydanticCustomError("ob_choice", "an own uplift needs its `source`")
        return self


class ConfidenceGrades(_Strict):
    """The benefit correction for each GMCA confidence grade 1-6, with its source."""

    corrections: dict[Annotated[int, Field(ge=1, le=6)], Fraction]
    source: Text


class BusinessCaseScenario(_Strict):
    """Issue 14 scenario fields: convention profile, optimism bias, confidence grade table."""

    conventions: Literal["svuk_2012", "green_book_2022", "green_book_2026", "gmca_cba_2014"] = "svuk_2012"
    optimism_bias: OptimismBias | None = None
    confidence_grades: ConfidenceGrades | None = None


class ScenarioModel(BusinessCaseScenario, ScenarioNarrative):
    """The scenario file, version 1 (docs/reference/contracts.md)."""

    svmodel: int
    name: Text
    organisation: str = ""
    description: str = ""
    kind: Literal["forecast", "evaluative"] = "forecast"
    price_year: int
    discounting: Discounting = Discounting()
    proxies: list[str] = []
    include_transfers: bool = False
    deflator_vintage: str | None = None  # issue 14: pin an HM Treasury GDP deflator release
    inputs: Annotated[list[Input], Field(min_length=1, max_length=MAX_INPUTS)]
    outcomes: Annotated[list[Outcome], Field(min_length=1, max_length=MAX_OUTCOMES)]
    # Parsed once, in validate_data, by svmodel.scenario.uncertainty_spec.parse_uncertainty (issue 16:
    # entries, shared distributions and correlations), which names the key and the field within it.
    uncertainty: dict[str, Any] = {}
    # ---- issue 16: the area local shares refer to, overlaps across value families, LM3
    area: str = ""
    overlaps: list[Overlap] = []
    lm3: Lm3Section | None = None

    @field_validator("svmodel", mode="before")
    @classmethod
    def _version(cls, value: Any) -> int:
        if isinstance(value, bool) or value not in SCHEMA_VERSIONS:
            raise PydanticCustomError(
                "schema_version", "unsupported schema version; supported: {versions}",
                {"versions": ", ".join(map(str, SCHEMA_VERSIONS))},
            )
        return int(value)

    @field_validator("price_year", mode="before")
    @classmethod
    def _scenario_price_year(cls, value: Any, info: ValidationInfo) -> int:
        if isinstance(value, bool):
            raise PydanticCustomError("bad_price_year", "not a price year")
        return _check_price_year(value, _library(info), calendar_only=True).start


# --------------------------------------------------------------------------- resolved scenario
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


def _horizon_of(outcome: Outcome) -> int:
    years = outcome.cohort.funnel().years if outcome.cohort is not None else 1
    return outcome.start_year + outcome.duration - 1 + years - 1


def _growth(outcome: Outcome, value: float) -> dict[str, Any]:
    """unit_value (the value in the start year) and value_index for a real growth rate."""
    by_year = outcome.value_by_year
    if by_year is None or by_year.real_growth is None:
        return {}
    from svmodel.business_case.value_series import growth_index

    sign = -1.0 if outcome.disbenefit else 1.0
    index = growth_index(by_year.real_growth, outcome.start_year, _horizon_of(outcome))
    return {"unit_value": sign * value * (1.0 + by_year.real_growth) ** (outcome.start_year - 1),
            "value_index": tuple(float(x) for x in index)}


def _resolve_series_line(outcome: Outcome, library: ProxyLibrary, price_year: int,
                         include_transfers: bool) -> Line:
    """A line valued by a shipped series (DESNZ carbon values), rebased to the price year."""
    from svmodel.business_case.value_series import load_series, series_index

    by_year = outcome.value_by_year
    series = load_series(by_year.series, by_year.scenario)
    first = series.value(by_year.first_year + outcome.start_year - 1)
    index = series_index(series, by_year.first_year, outcome.start_year, _horizon_of(outcome))
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


def _resolve_line(outcome: Outcome, library: ProxyLibrary, price_year: int,
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


# --------------------------------------------------------------------------- checks across fields
def _cross_checks(data: dict[str, Any]) -> list[tuple[Path_, str]]:
    """Checks that span several fields, run on the raw data so they report even when
    other fields are invalid. Each returns (field path, message)."""
    found: list[tuple[Path_, str]] = []
    outcomes = data.get("outcomes")
    ids: dict[str, int] = {}
    if isinstance(outcomes, list):
        for index, outcome in enumerate(outcomes):
            if isinstance(outcome, dict) and isinstance(outcome.get("id"), str):
                oid = outcome["id"]
                if oid in ids:
                    found.append(((("outcomes", index, "id")),
                                  f"{oid!r} duplicates outcomes[{ids[oid]}].id; outcome ids must be unique"))
                else:
                    ids[oid] = index
    inputs = data.get("inputs")
    if isinstance(inputs, list) and inputs:
        amounts = [i.get("amount") for i in inputs if isinstance(i, dict)]
        numeric = [a for a in amounts if isinstance(a, (int, float)) and not isinstance(a, bool)]
        if len(numeric) == len(inputs) and sum(numeric) == 0:
            found.append((("inputs",), "the inputs total 0: the SROI ratio (value / inputs) is "
                                       "undefined; give the investment's amount"))
    uncertainty = data.get("uncertainty")
    if isinstance(uncertainty, dict) and ids:
        for key in uncertainty:
            target = str(key).split(".", 1)[0]
            if "." in str(key) and target not in ids:
                hint = difflib.get_close_matches(target, list(ids), n=1)
                extra = f"; did you mean {hint[0]!r}?" if hint else ""
                found.append((("uncertainty", key), f"names outcome {target!r}, which is not in "
                                                    f"this file{extra}"))
    return found


# --------------------------------------------------------------------------- issue 14 checks
def _business_checks(model: ScenarioModel, data: dict[str, Any]) -> list[tuple[Path_, str]]:
    """Grades need a correction table; cohort distributions need a cohort part that is one
    number; a convention profile fixes discounting, so the file may not set it differently."""
    found: list[tuple[Path_, str]] = []
    table = model.confidence_grades
    for index, outcome in enumerate(model.outcomes):
        if outcome.grade is not None and (table is None or outcome.grade not in table.corrections):
            found.append((("outcomes", index, "grade"),
                          f"grade {outcome.grade} has no correction: give confidence_grades: "
                          "{corrections: {grade: share of benefit removed}, source: ...} "
                          "(svmodel ships no default table; see docs/business-case.md)"))
    for index, outcome in enumerate(model.outcomes):
        by_year = outcome.value_by_year
        if by_year is not None and by_year.series is not None:
            from svmodel.business_case.value_series import load_series

            series = load_series(by_year.series, by_year.scenario)
            first = by_year.first_year + outcome.start_year - 1
            last = by_year.first_year + _horizon_of(outcome) - 1
            if first < min(series.values) or last > max(series.values):
                found.append((("outcomes", index, "value_by_year", "first_year"),
                              f"the line runs from {first} to {last}, but {series.name} covers "
                              f"{min(series.values)} to {max(series.values)}"))
    ids = {o.id: o for o in model.outcomes}
    for key in model.uncertainty:
        text = str(key).strip()
        for part in ("need", "engagement", "success"):
            suffix = f".cohort.{part}"
            if text.endswith(suffix) and text[: -len(suffix)] in ids:
                outcome = ids[text[: -len(suffix)]]
                if outcome.cohort is None:
                    found.append((("uncertainty", key), f"outcome {outcome.id!r} has no cohort funnel; "
                                  "give it cohort: {need, engagement, success} or vary its quantity"))
                elif isinstance(getattr(outcome.cohort, part), list):
                    found.append((("uncertainty", key), f"the cohort's {part} is a list by programme "
                                  "year; a distribution applies only to a single number"))
        if text.endswith(".quantity") and text[: -len(".quantity")] in ids:
            if ids[text[: -len(".quantity")]].cohort is not None:
                found.append((("uncertainty", key), "this outcome's quantity comes from its cohort "
                              "funnel; vary cohort.need, cohort.engagement or cohort.success instead"))
    profile = CONVENTION_PROFILES.get(model.conventions)
    given = data.get("discounting") if isinstance(data.get("discounting"), dict) else {}
    if profile is not None:
        for name, fixed in (("rate", profile[0]), ("first_year_discounted", profile[1])):
            if name in given and getattr(model.discounting, name) != fixed:
                found.append((("discounting", name),
                              f"conventions {model.conventions} fixes {name} to {fixed!r}; leave it "
                              f"out or use conventions: svuk_2012"))
    return found


#: Discounting fixed by each convention profile (rate, first_year_discounted); svuk_2012 keeps
#: the file's own. Green Book 2022 Annex A6 and 2026 chapter 6: the declining STPR schedule,
#: the first year as year 0 (undiscounted). The GMCA CBA guidance (2014) is based on the Green
#: Book method and follows it. docs/conventions.md states each with its source.
CONVENTION_PROFILES: dict[str, tuple[float | str, bool]] = {
    "green_book_2022": ("green_book", False),
    "green_book_2026": ("green_book", False),
    "gmca_cba_2014": ("green_book", False),
}


def apply_conventions(model: ScenarioModel) -> ScenarioModel:
    """The model with its convention profile's discounting (unchanged for svuk_2012)."""
    profile = CONVENTION_PROFILES.get(model.conventions)
    if profile is None:
        return model
    rate, first = profile
    discounting = model.discounting.model_copy(update={"rate": rate, "first_year_discounted": first})
    return model.model_copy(update={"discounting": discounting})


def _translate(error: dict[str, Any], data: Any) -> tuple[Path_, str]:
    """Scenario-specific wording first, then the shared translation (svmodel.scenario.problems)."""
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    kind = error["type"]
    name = next((p for p in reversed(loc) if isinstance(p, str)), "")
    found, raw = raw_at(data, loc)
    shown = repr(raw) if found else repr(error.get("input"))
    if kind in ("proxy_or_value", "quantity_or_cohort", "ob_choice"):
        return loc, f"this outcome {error['msg']}"
    if kind == "too_short" and name == "inputs":
        return loc, f"the list is empty; expected {ALLOWED[name]}; without inputs the SROI ratio is undefined"
    if kind == "schema_version":
        return loc, f"{shown} is an {error['msg']}"
    if kind == "unknown_schedule":
        return loc, f"{shown} is an unknown discounting schedule; expected {ALLOWED['rate']}"
    if kind == "svm_horizon":
        return loc + ("duration",), f"this outcome {error['msg']}"
    if loc[:1] == ("lm3",) and name == "kind":  # issue 16: an LM3 spend entry's kind
        return loc, f"{shown} is not allowed; expected supplier or staff"
    if kind in ("wellby_quantity", "lm3_income", "lm3_spend", "overlap_exclude"):  # issue 16
        return loc, f"this {'outcome' if kind == 'wellby_quantity' else 'entry'} {error['msg']}" \
            if kind == "wellby_quantity" else error["msg"]
    if kind in ("unknown_proxy", "price_year_range", "proxy_price_year", "unknown_agency", "cohort_years"):
        return loc, f"{shown}: {error['msg']}"
    if kind == "string_pattern_mismatch":
        return loc, f"{shown} is not a valid id; expected {ALLOWED.get(name, '')}"
    return translate(error, data, ALLOWED, _SCENARIO_FIELDS)


_SCENARIO_FIELDS = fields_map(ScenarioModel)


# --------------------------------------------------------------------------- loading
def file_hash(path: Path) -> str:
    return hashlib.sha256(read_bounded(path, MAX_YAML_BYTES)).hexdigest()


def validate_data(data: Any, library: ProxyLibrary | None = None, filename: str = "<scenario>",
                  lines: dict[Path_, int] | None = None, base_dir: Path | None = None,
                  digest: str = "", path: Path | None = None) -> Scenario:
    """Validate plain data in the file format and return a resolved Scenario.

    Raises ScenarioError listing every problem.
    """
    lines = lines or {}
    library = library or default_library()

    def problem(loc: Path_, message: str) -> Problem:
        return problem_at(filename, loc, message, lines)

    if not isinstance(data, dict):
        raise ScenarioError([problem((), "a scenario file must be a YAML mapping of fields "
                                         "(starting with `svmodel: 1`), not a "
                                         f"{type(data).__name__}")])
    # Licensed proxy packs named by the scenario are layered on before validation.
    packs = data.get("proxies") or []
    if isinstance(packs, list) and len(packs) > MAX_PROXY_PACKS:
        raise ScenarioError([problem(("proxies",), f"lists {len(packs):,} proxy packs; at most "
                                                   f"{MAX_PROXY_PACKS} may be layered on the library")])
    if isinstance(packs, list):
        for index, pack in enumerate(packs):
            pack_path = (base_dir or Path.cwd()) / str(pack)
            named = f" (the proxy pack named at proxies[{index}] of {filename})"
            try:
                library = library.with_pack(pack_path)
            except ProxyLibraryError as exc:
                # The pack is at fault, not the scenario: the problem names the pack's file and row.
                if exc.file:
                    where = exc.column or ""
                    raise ScenarioError([Problem(exc.file, where, exc.detail + named, exc.line)]) from None
                raise ScenarioError([problem(("proxies", index), f"cannot load proxy pack: {exc}")]) from None
            except OSError as exc:
                raise ScenarioError([problem(("proxies", index), f"cannot load proxy pack {pack_path}: "
                                                                 f"{exc.strerror or exc}")]) from None

    # A pinned GDP deflator vintage (issue 14) replaces the newest one before validation.
    vintage = data.get("deflator_vintage")
    if vintage is not None:
        try:
            library = library.with_deflator_vintage(str(vintage))
        except KeyError as exc:
            raise ScenarioError([problem(("deflator_vintage",), f"{vintage!r}: {exc.args[0]}")])
    problems: list[tuple[Path_, str]] = []
    model: ScenarioModel | None = None
    try:
        model = ScenarioModel.model_validate(data, context={"library": library})
    except ValidationError as exc:
        problems += [_translate(e, data) for e in exc.errors()]
    problems += _cross_checks(data)
    spec, uncertainty_problems = parse_uncertainty(data.get("uncertainty"))  # parsed once, carried on
    problems += uncertainty_problems
    if model is not None:
        problems += _place_checks(model)
    if model is not None:
        problems += _business_checks(model, data)
    if problems:
        listed = sorted({(format_path(loc), msg): problem(loc, msg) for loc, msg in problems}.values(),
                        key=lambda p: (p.line or 0, p.path))
        raise ScenarioError(listed)
    assert model is not None
    model = apply_conventions(model)
    resolved = tuple(_resolve_line(o, library, model.price_year, model.include_transfers)
                     for o in model.outcomes)
    resolved = tuple(replace(line, area=line.area or model.area) for line in resolved)
    warnings = _warnings(resolved) + double_counting(resolved, library, model.include_transfers)
    # issue 16: overlaps across value families must be justified in the file (svmodel.scenario.double_counting)
    found, overlap_problems = cross_family_overlaps(resolved, model.overlaps, model.lm3)
    if overlap_problems:
        raise ScenarioError([problem(loc, msg) for loc, msg in overlap_problems])
    excluded = {o["excluded"]: f"overlap {o['rule']} ({' and '.join(o['lines'])}): {o['reason']}"
                for o in found if o.get("excluded")}
    resolved = tuple(replace(line, counted=False, excluded_by=excluded[line.id])
                     if line.id in excluded else line for line in resolved)
    warnings += [o["warning"] for o in found if o.get("warning")]
    return Scenario(model=model, lines=resolved, library=library, path=path, file_hash=digest,
                    warnings=tuple(warnings), uncertainty_spec=spec, overlaps=tuple(found))


def _place_checks(model: ScenarioModel) -> list[tuple[Path_, str]]:
    """A local share below 1 must name its area (HCA Additionality Guide 2014, 2.4: leakage is
    measured against a named target area or group)."""
    found: list[tuple[Path_, str]] = []
    for index, outcome in enumerate(model.outcomes):
        if outcome.local_share < 1 and not (outcome.area or model.area):
            found.append((("outcomes", index, "area"), "is missing: a local share below 1 keeps "
                          "only part of the benefit in an area, so name it (here or in the "
                          "scenario's `area:`), e.g. area: Knowsley"))
    return found


def _warnings(lines: tuple[Line, ...]) -> list[str]:
    """Soft checks: results still compute, but a reviewer should look."""
    out = []
    for line in lines:
        if line.deadweight == 0 and line.displacement == 0 and line.attribution == 0:
            out.append(f"{line.id}: no deadweight, displacement or attribution applied; the SROI "
                       "Guide (stage 4) expects each to be considered and justified")
        if line.deadweight >= 0.9:
            out.append(f"{line.id}: deadweight {line.deadweight:.0%}: almost all of the outcome "
                       "would have happened anyway")
        if line.duration > 5 and line.drop_off == 0:
            out.append(f"{line.id}: lasts {line.duration} years with no drop-off")
        if line.confidence == "low":
            out.append(f"{line.id}: proxy {line.proxy_id} has low confidence in its source")
    return out


def parse_scenario(text: str, filename: str = "<scenario>", library: ProxyLibrary | None = None,
                   base_dir: Path | None = None, path: Path | None = None) -> Scenario:
    """Validate scenario YAML text; raise ScenarioError naming `filename`."""
    try:
        data, lines = load_yaml(text)
    except YamlProblem as exc:
        raise ScenarioError([Problem(filename, format_path(exc.path), exc.message, exc.line)]) from None
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return validate_data(data, library, filename, lines, base_dir=base_dir, digest=digest, path=path)


def load_scenario(path: str | os.PathLike[str], library: ProxyLibrary | None = None) -> Scenario:
    """Read, validate and resolve a scenario file."""
    path = Path(path)
    try:
        raw = read_bounded(path, MAX_YAML_BYTES)
    except OSError as exc:
        raise ScenarioError([Problem(str(path), "", f"cannot read the file: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError([Problem(str(path), "", "the file is not UTF-8 text")]) from None
    return parse_scenario(text, str(path), library, base_dir=path.parent, path=path)


def dump_scenario(data: dict[str, Any], path: str | os.PathLike[str], header: str = "") -> Path:
    """Write scenario data as YAML atomically (temporary file, then rename)."""
    path = Path(path)
    text = (header + "\n" if header else "") + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    write_text_atomic(path, text)
    return path
