"""The scenario file contract, version 1: its field types and pydantic models.

Every bound comes from the parameter registry (svmodel.parameters); `ALLOWED` says in words
what each field accepts, for error messages. Loading and validation as a whole live in
svmodel.scenario.loading; the resolved lines in svmodel.scenario.resolved.

References: SROI Guide (2012) stages 2-4 (inputs, outcomes, indicators, proxies, deadweight,
displacement, attribution, drop-off, duration); docs/reference/contracts.md (the file contract).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from svmodel.parameters import ADJUSTMENTS, FRACTIONS, PARAMETERS, fraction_from_text
from svmodel.library.deflators import PriceYear, PriceYearError
from svmodel.scenario.double_counting import Overlap
from svmodel.lm3 import Lm3Section
from svmodel.library.proxies import ProxyLibrary
from svmodel.util.limits import MAX_INPUTS, MAX_MONEY, MAX_OUTCOMES, MAX_YEAR
from svmodel.scenario.cohort import CohortFunnel
from svmodel.scenario.narrative import OutcomeNarrative, ScenarioNarrative

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
    "grade": "a GMCA confidence grade: " + PARAMETERS["grade"].allowed + " (1 = best evidence)",
    "discount_schedule": "standard or health (Green Book health schedule for this line)",
    "value_by_year": "a mapping: {series: desnz_carbon, scenario: low|central|high, first_year: 2026} or {real_growth: 0.02, source: ...}",
    "conventions": "one of svuk_2012 (default), green_book_2022, green_book_2026, gmca_cba_2014",
    "optimism_bias": "a mapping with category (see docs/business-case.md) or uplift and source, and applies_to: capital or all",
    "confidence_grades": "a mapping with corrections {grade 1-6: fraction} and source",
    "corrections": "a mapping from grade (1-6) to the share of benefits removed, e.g. {1: 0, 6: 0.4}",
    "type": "capital, revenue or in_kind",
    "applies_to": "capital (default) or all",
    "category": "an optimism bias category, e.g. standard_buildings",
    "uplift": PARAMETERS["optimism_bias_uplift"].allowed,
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
Grade = Annotated[int, _bounded("grade")]  # GMCA confidence grade (issue 14)


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
    real_growth: Annotated[float, BeforeValidator(_fraction), _bounded("real_growth")] | None = None
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
    grade: Grade | None = None
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
    uplift: Annotated[float, BeforeValidator(_fraction), _bounded("optimism_bias_uplift")] | None = None
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

    corrections: dict[Grade, Fraction]
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
