"""Tender specifications: the buyer's social value requirements for one procurement.

A specification (YAML, `svmodel_tender: 1`) names the framework, the contract value and
length, the measures in scope (each with its commitment unit, the proxy that values it, an
optional target, and the deadweight / displacement / attribution the *buyer* applies), the
evaluation weighting of price, quality and social value, the scoring method, the thresholds
of the plausibility flags and, optionally, the price and quality scores of each bidder and
the panel's moderation of commitments.

Validation is all or nothing and every problem names the file, the line, the field path, the
value and what is allowed (the same style and error type as `svmodel.scenario`).

References: Procurement Act 2023 and Procurement Policy Note 002 (social value weighting of at
least 10% of the total score); SROI Guide (2012) stages 3-4 (valuing outcomes; deadweight,
displacement, attribution, drop-off); HM Treasury Green Book (2022) Annex A6 (discounting).
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from svmodel.library.deflators import PriceYear, PriceYearError
from svmodel.library.frameworks import Framework, FrameworkError, load_framework
from svmodel.procurement.errors import (Problem, TenderError, fields_map, problem_at,
                                        raise_problems, translate)
from svmodel.library.proxies import ProxyLibrary, default_library
from svmodel.util.inputfiles import read_bounded
from svmodel.util.limits import MAX_DURATION_YEARS, MAX_MONEY, MAX_QUANTITY, MAX_YAML_BYTES
from svmodel.scenario.schema import Discounting, Fraction, Quantity, Text, Years
from svmodel.util.yamlio import Path_, YamlProblem, format_path, load_yaml

SPEC_VERSIONS = (1,)
SCORING_METHODS = ("proportional", "targets")
PPN002_MINIMUM = 10.0  # points out of 100: Procurement Policy Note 002 (Procurement Act 2023)
BASES = ("proxy", "face value", "count only")

DEFAULT_FEE_TERMS = (
    "contract value", "contract fee", "contract price", "value of this contract", "value of the contract",
    "tender price", "annual fee", "the fee", "contract income",
)
DEFAULT_ORDINARY_TERMS = (
    "business as usual", "existing staff", "existing workforce", "our workforce", "payroll",
    "salaries", "wages paid", "turnover", "core service", "staff employed to deliver",
    "required to deliver", "delivering the contract", "delivering this contract", "contractual requirement",
)


# --------------------------------------------------------------------------- field types
def _points(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PydanticCustomError("svm_points", "not a number of points; expected a number from 0 to 100")
    if not math.isfinite(value) or not 0 <= value <= 100:
        raise PydanticCustomError("svm_points", "out of range; expected points from 0 to 100")
    return float(value)


def _positive(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise PydanticCustomError("svm_positive", "not a number; expected a number above 0")
    if value <= 0:
        raise PydanticCustomError("svm_positive", "must be above 0")
    return float(value)


def _date_text(value: Any) -> Any:
    """A YAML date (2026-04-01) kept as its ISO text."""
    return value.isoformat() if hasattr(value, "isoformat") else value


Points = Annotated[float, BeforeValidator(_points)]
Positive = Annotated[float, BeforeValidator(_positive)]

ALLOWED: dict[str, str] = {
    "svmodel_tender": "the tender specification schema version: 1",
    "name": "a text naming the procurement",
    "framework": "a framework name such as knowsley, or a framework file",
    "price_year": "a calendar year covered by the GDP deflator series",
    "value": f"the whole-contract value in pounds, above 0 and at most {MAX_MONEY:,.0f} (e.g. 9600000)",
    "years": "a whole number of contract years from 1 to 25",
    "measure": "a framework measure id such as K13",
    "unit": "a text naming what one committed unit is (e.g. volunteer hours)",
    "proxy": "an id from the proxy library, normally one listed for the measure in the framework",
    "proxy_units_per_unit": "how many proxy units one committed unit is worth, above 0 (e.g. 52 weeks per person-year)",
    "target": "the buyer's target for the whole contract, a number of at least 0",
    "contract_requires": "the quantity the contract itself requires (ordinary business), at least 0",
    "duration": f"a whole number of years, at least 1 and at most {MAX_DURATION_YEARS}",
    "price": "points from 0 to the price weighting",
    "quality": "points from 0 to the quality weighting",
    "social_value": "points out of 100, at least 10 (Procurement Policy Note 002)",
    "method": "one of: " + ", ".join(SCORING_METHODS),
    "unevidenced": "exclude (commitments without evidence are not valued) or include",
    "max_share_of_contract": "a fraction from 0 to 1 such as 0.25",
    "fee_share": "a fraction from 0 to 1 such as 0.1",
    "target_multiple": "a number above 0 such as 3",
    "peer_multiple": "a number above 0 such as 3",
    "accepted": "the quantity the panel accepts for the whole contract, at least 0",
    "measures": "a list of at least one measure in scope",
    **{n: 'a fraction from 0 to 1 (such as 0.3) or a percentage such as "30%"'
       for n in ("deadweight", "displacement", "attribution", "drop_off")},
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Contract(_Strict):
    """The contract being tendered."""

    value: Annotated[Positive, Field(le=MAX_MONEY)]
    years: Annotated[Years, Field(ge=1, le=25)]
    start: Annotated[str, BeforeValidator(_date_text)] = ""
    description: str = ""


class Weighting(_Strict):
    """Evaluation weighting in points out of 100 (price + quality + social value = 100)."""

    price: Points
    quality: Points
    social_value: Points
    below_minimum_reason: str = ""


class Scoring(_Strict):
    """How the social value score is computed (docs/procurement.md, "Scoring")."""

    method: Literal["proportional", "targets"] = "proportional"
    unevidenced: Literal["exclude", "include"] = "exclude"


class Flags(_Strict):
    """Thresholds of the plausibility flags (svmodel.procurement.flags)."""

    max_share_of_contract: Fraction = 0.25
    target_multiple: Positive = 3.0
    peer_multiple: Positive = 3.0
    fee_share: Fraction = 0.1
    fee_terms: list[str] = list(DEFAULT_FEE_TERMS)
    ordinary_business_terms: list[str] = list(DEFAULT_ORDINARY_TERMS)


class MeasureSpec(_Strict):
    """One framework measure in scope, with the buyer's valuation assumptions."""

    measure: Annotated[str, Field(min_length=1)]
    unit: str | None = None
    description: str = ""
    evidence: str = ""
    proxy: str | None = None
    proxy_units_per_unit: Annotated[Positive, Field(le=MAX_QUANTITY)] = 1.0
    target: Quantity | None = None
    contract_requires: Quantity | None = None
    deadweight: Fraction = 0.0
    displacement: Fraction = 0.0
    attribution: Fraction = 0.0
    drop_off: Fraction = 0.0
    duration: Annotated[Years, Field(ge=1, le=MAX_DURATION_YEARS)] = 1
    notes: str = ""

    @field_validator("measure", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value


class BidderScores(_Strict):
    price: Points
    quality: Points


class Moderation(_Strict):
    """The panel's accepted quantity for one bidder's commitment (whole contract)."""

    bidder: Text
    measure: Text
    accepted: Quantity
    reason: Text


class SpecModel(_Strict):
    """The tender specification file, version 1."""

    svmodel_tender: int
    name: Text
    buyer: str = ""
    reference: str = ""
    description: str = ""
    framework: Text = "knowsley"
    price_year: int
    contract: Contract
    discounting: Discounting = Discounting()
    weighting: Weighting
    scoring: Scoring = Scoring()
    flags: Flags = Flags()
    measures: Annotated[list[MeasureSpec], Field(min_length=1)]
    scores: dict[str, BidderScores] = {}
    moderation: list[Moderation] = []

    @field_validator("svmodel_tender", mode="before")
    @classmethod
    def _version(cls, value: Any) -> int:
        if isinstance(value, bool) or value not in SPEC_VERSIONS:
            raise PydanticCustomError("svm_version", "unsupported schema version; supported: 1")
        return int(value)


_FIELDS = fields_map(SpecModel)


# --------------------------------------------------------------------------- resolved spec
@dataclass(frozen=True)
class ResolvedMeasure:
    """A measure in scope with its valuation resolved: proxy, price base and unit value."""

    id: str
    name: str
    outcome_id: str
    outcome_name: str
    unit: str
    basis: str  # one of BASES
    unit_value: float  # pounds per committed unit, in the spec's price year (0 if count only)
    proxy_id: str
    proxy_name: str
    proxy_unit: str
    proxy_value: float
    proxy_price_year: str
    rebased_proxy_value: float
    units_per_unit: float
    value_type: str
    beneficiary: str
    benefit_area: str
    transfer: bool
    source: str
    url: str
    licence: str
    confidence: str
    rationale: str
    reason: str  # why the measure is count only (from the framework)
    target: float | None
    contract_requires: float | None
    deadweight: float
    displacement: float
    attribution: float
    drop_off: float
    duration: int
    description: str
    evidence: str

    @property
    def valued(self) -> bool:
        return self.basis != "count only"

    def valued_as(self, price_year: int) -> str:
        """One line telling bidders and panels how a unit of this measure is valued."""
        if self.basis == "face value":
            return f"face value: GBP 1 per pound committed ({price_year} prices; count-only measure in pounds)"
        if self.basis == "count only":
            return f"counted, not valued: {self.reason}"
        per = f" x {self.units_per_unit:g}" if self.units_per_unit != 1 else ""
        return (f"{self.proxy_id}: GBP {self.rebased_proxy_value:,.2f} {self.proxy_unit.lower()}{per} "
                f"= GBP {self.unit_value:,.2f} per unit ({price_year} prices)")

    def valued_for_bidders(self, price_year: int) -> str:
        """`valued_as` for the bidder's form: the proxy's name and unit, not its internal id."""
        if self.basis != "proxy":
            return self.valued_as(price_year)
        per = f" x {self.units_per_unit:g} {self.proxy_unit.lower()} per unit" if self.units_per_unit != 1 else ""
        return (f"{self.proxy_name}: GBP {self.rebased_proxy_value:,.2f} {self.proxy_unit.lower()}{per}. "
                f"One unit ({self.unit}) is valued at GBP {self.unit_value:,.2f} ({price_year} prices)")


@dataclass(frozen=True)
class TenderSpec:
    """A validated tender specification."""

    model: SpecModel
    framework: Framework
    library: ProxyLibrary
    measures: dict[str, ResolvedMeasure]
    path: Path | None = None
    file_hash: str = ""
    warnings: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def years(self) -> int:
        return self.model.contract.years

    @property
    def contract_value(self) -> float:
        return self.model.contract.value

    @property
    def price_year(self) -> int:
        return self.model.price_year

    @property
    def label(self) -> str:
        return str(self.path) if self.path else "<tender specification>"


def is_pounds(unit: str) -> bool:
    """True for a unit that is money itself (GBP, pounds, £)."""
    return bool(re.fullmatch(r"(gbp|£|pounds?( sterling)?|gbp \(£\)|£ ?\(gbp\))", unit.strip().lower()))


def _resolve(entry: MeasureSpec, framework: Framework, library: ProxyLibrary, price_year: int,
             warn: list[str]) -> ResolvedMeasure:
    measure = framework.measures[entry.measure]
    outcome = framework.outcome_of(entry.measure)
    unit = entry.unit or measure.unit
    proxy_id = entry.proxy or ""
    if not proxy_id and not measure.count_only and measure.proxies:
        proxy_id = measure.proxies[0].id
    base = dict(
        id=measure.id, name=measure.name, outcome_id=outcome.id if outcome else "",
        outcome_name=outcome.name if outcome else "", unit=unit, reason=measure.reason,
        target=entry.target, contract_requires=entry.contract_requires,
        deadweight=entry.deadweight, displacement=entry.displacement,
        attribution=entry.attribution, drop_off=entry.drop_off, duration=entry.duration,
        description=entry.description, evidence=entry.evidence,
        units_per_unit=entry.proxy_units_per_unit,
    )
    if proxy_id:
        proxy = library.get(proxy_id)
        rebased = library.rebased_value(proxy_id, price_year)
        rationale = next((c.rationale for c in measure.proxies if c.id == proxy_id), "")
        if not rationale:
            warn.append(f"measures {measure.id}: proxy {proxy_id} is not one the {framework.name} "
                        "framework lists for this measure; state why it fits in the measure's notes")
        if proxy.transfer:
            warn.append(f"measures {measure.id}: proxy {proxy_id} is a transfer payment (benefit or "
                        "tax); the Green Book (Annex A2) counts transfers as neither a cost nor a "
                        "benefit to society, so prefer an economic or social proxy")
        return ResolvedMeasure(
            basis="proxy", unit_value=rebased * entry.proxy_units_per_unit, proxy_id=proxy.id,
            proxy_name=proxy.name, proxy_unit=proxy.unit, proxy_value=proxy.value,
            proxy_price_year=proxy.price_year.label, rebased_proxy_value=rebased,
            value_type=proxy.value_type, beneficiary=proxy.beneficiary,
            benefit_area=proxy.benefit_area, transfer=proxy.transfer, source=proxy.source,
            url=proxy.url, licence=proxy.licence, confidence=proxy.confidence,
            rationale=rationale, **base)
    pounds = is_pounds(unit)
    return ResolvedMeasure(
        basis="face value" if pounds else "count only", unit_value=1.0 if pounds else 0.0,
        proxy_id="", proxy_name="", proxy_unit="GBP" if pounds else "", proxy_value=1.0 if pounds else 0.0,
        proxy_price_year=str(price_year) if pounds else "", rebased_proxy_value=1.0 if pounds else 0.0,
        value_type="economic" if pounds else "", beneficiary="", benefit_area="", transfer=False,
        source=f"{framework.title}: {measure.reason}", url="", licence="", confidence="",
        rationale="", **{**base, "units_per_unit": 1.0})


def _cross_checks(model: SpecModel | None, data: Any, framework: Framework | None,
                  library: ProxyLibrary, warn: list[str]) -> list[tuple[Path_, str]]:
    """Checks across fields: framework measures and proxies, weighting, scores, moderation."""
    problems: list[tuple[Path_, str]] = []
    raw_measures = data.get("measures") if isinstance(data, dict) else None
    if framework is not None and isinstance(raw_measures, list):
        known = framework.measures
        seen: dict[str, int] = {}
        for index, entry in enumerate(raw_measures):
            if not isinstance(entry, dict):
                continue
            mid = str(entry.get("measure", "")).strip().upper()
            if mid and mid not in known:
                problems.append(((("measures", index, "measure")),
                                 f"{entry.get('measure')!r} is not a measure of the {framework.name} "
                                 f"framework; allowed: {', '.join(known)}"))
            elif mid in seen:
                problems.append((("measures", index, "measure"),
                                 f"{mid!r} is listed twice (first as measures[{seen[mid]}]); give each "
                                 "measure once"))
            else:
                seen[mid] = index
            proxy = entry.get("proxy")
            if (proxy is None and mid in known and not known[mid].count_only and known[mid].proxies
                    and known[mid].proxies[0].id not in library):
                problems.append((("measures", index, "measure"),
                                 f"{mid}: the framework's default proxy {known[mid].proxies[0].id!r} is not "
                                 "in the proxy library loaded; give `proxy:` with an id from the library "
                                 "(see `svmodel framework show`)"))
            if isinstance(proxy, str) and proxy.strip() and proxy.strip() not in library:
                hint = library.suggest(proxy.strip())
                choices = [c.id for c in known[mid].proxies] if mid in known else []
                extra = (f"; closest ids: {', '.join(hint)}" if hint else "") + (
                    f"; the framework lists for {mid}: {', '.join(choices)}" if choices else "")
                problems.append((("measures", index, "proxy"), f"{proxy!r}: unknown proxy id{extra}"))
    if model is None:
        return problems
    w = model.weighting
    total = w.price + w.quality + w.social_value
    if abs(total - 100) > 1e-6:
        problems.append((("weighting",), f"price {w.price:g} + quality {w.quality:g} + social_value "
                                         f"{w.social_value:g} = {total:g}; the weights must add up to 100"))
    if w.social_value < PPN002_MINIMUM:
        if w.below_minimum_reason:
            warn.append(f"weighting.social_value: {w.social_value:g}% is below the 10% minimum of "
                        f"Procurement Policy Note 002; reason given: {w.below_minimum_reason}")
        else:
            problems.append((("weighting", "social_value"),
                             f"{w.social_value:g} is below the minimum of 10 points out of 100 set by "
                             "Procurement Policy Note 002 (Procurement Act 2023); raise it, or give "
                             "weighting.below_minimum_reason to record why this procurement departs "
                             "from it"))
    for bidder, scores in model.scores.items():
        for part, limit in (("price", w.price), ("quality", w.quality)):
            points = getattr(scores, part)
            if points > limit + 1e-9:
                problems.append((("scores", bidder, part),
                                 f"{points:g} is above the {part} weighting of {limit:g} points; "
                                 f"expected points from 0 to {limit:g}"))
    in_scope = {m.measure for m in model.measures}
    for index, entry in enumerate(model.moderation):
        if entry.measure.upper() not in in_scope:
            problems.append((("moderation", index, "measure"),
                             f"{entry.measure!r} is not a measure of this tender; allowed: "
                             f"{', '.join(sorted(in_scope))}"))
    if model.scoring.method == "targets" and framework is not None:
        targeted = [m for m in model.measures if m.target and m.measure in framework.measures
                    and (m.proxy or not framework.measures[m.measure].count_only
                         or is_pounds(m.unit or framework.measures[m.measure].unit))]
        if not targeted:
            problems.append((("scoring", "method"),
                             "'targets' needs at least one valued measure with a target above 0; "
                             "give targets, or use method: proportional"))
    return problems


def _check_price_year(value: Any, library: ProxyLibrary) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return (f"{value!r} is not allowed; expected a calendar year such as 2024 "
                f"({library.deflators.allowed_text(False)})")
    try:
        year = PriceYear.parse(value)
    except PriceYearError as exc:
        return str(exc)
    if not library.deflators.covers(year):
        return (f"{value!r}: outside the GDP deflator series; allowed are "
                f"{library.deflators.allowed_text(False)}")
    return None


def validate_spec(data: Any, library: ProxyLibrary | None = None, filename: str = "<tender>",
                  lines: dict[Path_, int] | None = None, path: Path | None = None,
                  digest: str = "") -> TenderSpec:
    """Validate specification data; raise TenderError listing every problem."""
    library = library or default_library()
    if not isinstance(data, dict):
        raise TenderError([Problem(filename, "", "a tender specification must be a YAML mapping "
                                                  "starting with `svmodel_tender: 1`")])
    problems: list[tuple[Path_, str]] = []
    warn: list[str] = []
    framework: Framework | None = None
    name = data.get("framework", "knowsley")
    if isinstance(name, str):
        target = name
        if Path(name).suffix and path is not None and not Path(name).is_absolute():
            target = str(path.parent / name)
        try:
            framework = load_framework(target)
        except FrameworkError as exc:
            problems.append((("framework",), str(exc)))
    if "price_year" in data and (message := _check_price_year(data["price_year"], library)):
        problems.append((("price_year",), message))
    model: SpecModel | None = None
    try:
        model = SpecModel.model_validate(data)
    except ValidationError as exc:
        problems += [translate(e, data, ALLOWED, _FIELDS) for e in exc.errors()]
    problems += _cross_checks(model, data, framework, library, warn)
    if problems or model is None or framework is None:
        raise_problems([problem_at(filename, loc, msg, lines) for loc, msg in problems])
    assert model is not None and framework is not None
    measures = {m.measure: _resolve(m, framework, library, model.price_year, warn) for m in model.measures}
    return TenderSpec(model=model, framework=framework, library=library, measures=measures,
                      path=path, file_hash=digest, warnings=tuple(warn))


def parse_spec(text: str, filename: str = "<tender>", library: ProxyLibrary | None = None,
               path: Path | None = None) -> TenderSpec:
    try:
        data, lines = load_yaml(text)
    except YamlProblem as exc:
        raise TenderError([Problem(filename, format_path(exc.path), exc.message, exc.line)]) from None
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return validate_spec(data, library, filename, lines, path=path, digest=digest)


def load_spec(path: str | os.PathLike[str], library: ProxyLibrary | None = None) -> TenderSpec:
    """Read and validate a tender specification file."""
    path = Path(path)
    try:
        text = read_bounded(path, MAX_YAML_BYTES).decode("utf-8")
    except OSError as exc:
        raise TenderError([Problem(str(path), "", f"cannot read the file: {exc.strerror}")]) from None
    except UnicodeDecodeError:
        raise TenderError([Problem(str(path), "", "the file is not UTF-8 text")]) from None
    return parse_spec(text, str(path), library, path=path)
