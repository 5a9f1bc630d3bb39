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
from dataclasses import dataclass, field
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
from svmodel.parameters import ADJUSTMENTS, FRACTIONS, PARAMETERS
from svmodel.library.deflators import PriceYear, PriceYearError
from svmodel.scenario.distributions import check_uncertainty_section
from svmodel.library.proxies import Proxy, ProxyLibrary, ProxyLibraryError, default_library
from svmodel.scenario.problems import Problem, ScenarioError, fields_map, problem_at, raw_at, translate
from svmodel.scenario.yamlio import Path_, YamlProblem, format_path, load_yaml

SCHEMA_VERSIONS = (1,)
DISCOUNT_SCHEDULES = ("green_book", "green_book_health")


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
    "include_transfers": "false (default: transfer payments are fiscal only, outside the total) or true",
    **{name: PARAMETERS[name].allowed for name in ADJUSTMENTS},
}


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PydanticCustomError("not_a_number", "not a number")
    if not math.isfinite(value):
        raise PydanticCustomError("not_a_number", "not a finite number")
    return float(value)


def _fraction(value: Any) -> float:
    if isinstance(value, str):
        text = value.strip()
        try:
            return float(text[:-1]) / 100 if text.endswith("%") else float(text)
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
NonNegative = Annotated[float, BeforeValidator(_number), Field(ge=0)]
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


class Input(_Strict):
    """An investment (SROI Guide stage 2: inputs), valued in the scenario's price year."""

    stakeholder: Text
    description: str = ""
    amount: Money
    year: Annotated[Years, _bounded("year")] = 0
    notes: str = ""


class Outcome(_Strict):
    """One outcome line of the impact map (SROI Guide stages 2-4)."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_\-]*$")]
    stakeholder: Text
    outcome: Text
    measure: str | None = None
    indicator: str | None = None
    quantity: Quantity
    proxy: str | None = None
    value: InlineValue | None = None
    deadweight: Fraction = 0.0
    displacement: Fraction = 0.0
    attribution: Fraction = 0.0
    drop_off: Fraction = 0.0
    duration: Annotated[Years, _bounded("duration")] = 1
    start_year: Annotated[Years, _bounded("start_year")] = 1
    notes: str = ""

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

    @model_validator(mode="after")
    def _one_value(self) -> "Outcome":
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


class ScenarioModel(_Strict):
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
    inputs: Annotated[list[Input], Field(min_length=1)]
    outcomes: Annotated[list[Outcome], Field(min_length=1)]
    # Each entry is checked in detail by svmodel.scenario.distributions.check_uncertainty_section (run from
    # _cross_checks), which names the key and the field within it.
    uncertainty: dict[str, Any] = {}

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


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: the parsed file plus resolved outcome lines."""

    model: ScenarioModel
    lines: tuple[Line, ...]
    library: ProxyLibrary
    path: Path | None = None
    file_hash: str = ""
    warnings: tuple[str, ...] = field(default=())

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
    for outcome in data["outcomes"]:
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
    return data


def _resolve_line(outcome: Outcome, library: ProxyLibrary, price_year: int,
                  include_transfers: bool = False) -> Line:
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
    return Line(
        id=outcome.id, stakeholder=outcome.stakeholder, outcome=outcome.outcome,
        measure=outcome.measure or "", indicator=outcome.indicator or "",
        quantity=outcome.quantity,
        unit_value=library.deflators.rebase(amount, year, price_year),
        deadweight=outcome.deadweight, displacement=outcome.displacement,
        attribution=outcome.attribution, drop_off=outcome.drop_off,
        duration=outcome.duration, start_year=outcome.start_year,
        original_value=amount, original_price_year=year.label, notes=outcome.notes,
        counted=include_transfers or not meta["transfer"], **meta,
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
    found += check_uncertainty_section(data)
    return found


def _translate(error: dict[str, Any], data: Any) -> tuple[Path_, str]:
    """Scenario-specific wording first, then the shared translation (svmodel.scenario.problems)."""
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    kind = error["type"]
    name = next((p for p in reversed(loc) if isinstance(p, str)), "")
    found, raw = raw_at(data, loc)
    shown = repr(raw) if found else repr(error.get("input"))
    if kind == "proxy_or_value":
        return loc, f"this outcome {error['msg']}"
    if kind == "too_short" and name == "inputs":
        return loc, f"the list is empty; expected {ALLOWED[name]}; without inputs the SROI ratio is undefined"
    if kind == "schema_version":
        return loc, f"{shown} is an {error['msg']}"
    if kind == "unknown_schedule":
        return loc, f"{shown} is an unknown discounting schedule; expected {ALLOWED['rate']}"
    if kind in ("unknown_proxy", "price_year_range"):
        return loc, f"{shown}: {error['msg']}"
    if kind == "string_pattern_mismatch":
        return loc, f"{shown} is not a valid id; expected {ALLOWED.get(name, '')}"
    return translate(error, data, ALLOWED, _SCENARIO_FIELDS)


_SCENARIO_FIELDS = fields_map(ScenarioModel)


# --------------------------------------------------------------------------- loading
def file_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


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
    if isinstance(packs, list):
        for index, pack in enumerate(packs):
            pack_path = (base_dir or Path.cwd()) / str(pack)
            try:
                library = library.with_pack(pack_path)
            except (OSError, ProxyLibraryError) as exc:
                raise ScenarioError([problem(("proxies", index), f"cannot load proxy pack: {exc}")])

    problems: list[tuple[Path_, str]] = []
    model: ScenarioModel | None = None
    try:
        model = ScenarioModel.model_validate(data, context={"library": library})
    except ValidationError as exc:
        problems += [_translate(e, data) for e in exc.errors()]
    problems += _cross_checks(data)
    if problems:
        listed = sorted({(format_path(loc), msg): problem(loc, msg) for loc, msg in problems}.values(),
                        key=lambda p: (p.line or 0, p.path))
        raise ScenarioError(listed)
    assert model is not None
    resolved = tuple(_resolve_line(o, library, model.price_year, model.include_transfers)
                     for o in model.outcomes)
    warnings = _warnings(resolved) + double_counting(resolved, library, model.include_transfers)
    return Scenario(model=model, lines=resolved, library=library, path=path, file_hash=digest,
                    warnings=tuple(warnings))


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
        raw = path.read_bytes()
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
