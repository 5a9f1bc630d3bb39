"""Loading scenario files: read YAML safely, validate all or nothing, resolve, save.

`validate_data` checks parsed data against the version 1 contract (svmodel.scenario.schema),
runs the checks across fields, resolves the lines (svmodel.scenario.resolved) and returns a
`Scenario` or raises one `ScenarioError` listing every problem, each naming the file, the line
where known, the field path (``outcomes[2].deadweight``) and what is allowed.
"""

from __future__ import annotations

import difflib
import hashlib
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from svmodel.library.proxies import ProxyLibrary, ProxyLibraryError, default_library
from svmodel.scenario.double_counting import cross_family_overlaps, double_counting
from svmodel.scenario.problems import Problem, ScenarioError, fields_map, problem_at, raw_at, translate
from svmodel.scenario.resolved import Line, Scenario, horizon_of, resolve_line
from svmodel.scenario.schema import ALLOWED, ScenarioModel
from svmodel.scenario.uncertainty_spec import parse_uncertainty
from svmodel.util.atomic import write_text_atomic
from svmodel.util.inputfiles import read_bounded
from svmodel.util.limits import MAX_PROXY_PACKS, MAX_YAML_BYTES
from svmodel.util.yamlio import Path_, YamlProblem, format_path, load_yaml


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
            last = by_year.first_year + horizon_of(outcome) - 1
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
    resolved = tuple(resolve_line(o, library, model.price_year, model.include_transfers)
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
