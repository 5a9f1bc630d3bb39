"""The scenario explorer's logic without widgets: control values in, results out.

`ExplorerState` holds every value a commissioner can change in the explorer (per outcome line:
quantity, proxy value, deadweight, displacement, attribution, drop-off, duration; the discount
schedule, rate and first-year convention; each input's amount and year). `state_results`
turns a state into `Results` through the same path as `svmodel run` on the file the state would
save (`variant_scenario`: the state as file data, validated, never an unvalidated Scenario),
`compare_figures` gives the change from the baseline for every headline figure, and
`save_variant` writes that same data as a scenario file that passes `svmodel validate`.
Control values are checked against the bounds of svmodel.parameters only.

This module imports no widgets, Jupyter or matplotlib, so it is tested without a browser.

References: SROI Guide (2012) stages 4-5 (deadweight, displacement, attribution, drop-off,
duration, discounting, sensitivity: "what if" variants of the impact map); HM Treasury Green
Book (2022) Annex A6 (discount schedules); docs/reference/contracts.md and docs/conventions.md.
"""

from __future__ import annotations

import math
import os
import re
import weakref
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

from svmodel.errors import StateError
from svmodel.engine import SCHEDULES
from svmodel.util.formatting import money, months, percent_short, ratio
from svmodel.results import Results, calculate
from svmodel.parameters import ADJUSTMENTS, PARAMETERS
from svmodel.util.inputfiles import read_bounded
from svmodel.util.limits import MAX_YAML_BYTES
from svmodel.scenario import Scenario, ScenarioError, dump_scenario, validate_data

FLAT = "flat"
"""The discounting choice meaning "a flat rate" (the other choices are schedule names)."""

SCHEDULE_CHOICES: tuple[str, ...] = (FLAT, *SCHEDULES)
LINE_FIELDS = ("quantity", "unit_value", *ADJUSTMENTS, "duration")
#: Each line control and the registry parameter that bounds it (`unit_value` is the proxy value
#: rebased to the scenario's prices).
LINE_CONTROLS = {name: ("value" if name == "unit_value" else name) for name in LINE_FIELDS}


@dataclass(frozen=True)
class LineState:
    """The explorer's controls for one outcome line. `unit_value` is in the scenario's prices."""

    id: str
    quantity: float
    unit_value: float
    deadweight: float
    displacement: float
    attribution: float
    drop_off: float
    duration: int


@dataclass(frozen=True)
class InputState:
    """The explorer's controls for one input (investment)."""

    amount: float
    year: int


@dataclass(frozen=True)
class ExplorerState:
    """Everything the explorer lets a user change; immutable, so variants are just states."""

    lines: tuple[LineState, ...]
    inputs: tuple[InputState, ...]
    schedule: str = FLAT  # FLAT or a Green Book schedule name
    rate: float = 0.035  # used when schedule == FLAT
    first_year_discounted: bool = True

    @property
    def discount_rate(self) -> float | str:
        """The rate as the engine and the file format take it: a number or a schedule name."""
        return self.rate if self.schedule == FLAT else self.schedule

    def with_line(self, line_id: str, **changes: Any) -> "ExplorerState":
        """A copy with one line's controls changed, e.g. `state.with_line("a", deadweight=0.4)`."""
        ids = [line.id for line in self.lines]
        if line_id not in ids:
            raise KeyError(f"no outcome line {line_id!r}; lines are: {', '.join(ids)}")
        return replace(self, lines=tuple(replace(l, **changes) if l.id == line_id else l
                                         for l in self.lines))

    def with_input(self, index: int, **changes: Any) -> "ExplorerState":
        inputs = list(self.inputs)
        inputs[index] = replace(inputs[index], **changes)
        return replace(self, inputs=tuple(inputs))


def shown_value(line: Any) -> float:
    """A line's proxy value as the explorer's control shows it: in the scenario's prices and
    positive; a disbenefit (issue 14) keeps its flag, which makes the value count negative."""
    return -line.unit_value if getattr(line, "disbenefit", False) else line.unit_value


def state_from_scenario(scenario: Scenario) -> ExplorerState:
    """The baseline state: the scenario's own values, proxy values rebased to its price year."""
    rate = scenario.discount_rate
    return ExplorerState(
        lines=tuple(LineState(id=l.id, quantity=l.quantity, unit_value=shown_value(l),
                              deadweight=l.deadweight, displacement=l.displacement,
                              attribution=l.attribution, drop_off=l.drop_off,
                              duration=l.duration) for l in scenario.lines),
        inputs=tuple(InputState(amount=i.amount, year=i.year) for i in scenario.model.inputs),
        schedule=rate if isinstance(rate, str) else FLAT,
        rate=0.035 if isinstance(rate, str) else float(rate),
        first_year_discounted=scenario.first_year_discounted,
    )


# --------------------------------------------------------------------------- checks
def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class ControlProblem:
    """A control value that cannot be used: `control` names the control (`line:<id>:<field>`,
    `input:<index>:<amount|year>`, `inputs`, `schedule`, `rate` or `outcomes`), `where` is the
    human description shown with the message."""

    control: str
    where: str
    message: str


def state_problems(scenario: Scenario, state: ExplorerState) -> list[ControlProblem]:
    """Every control whose value is outside its allowed range (svmodel.parameters bounds)."""
    problems: list[ControlProblem] = []
    base_ids = [l.id for l in scenario.lines]
    if [l.id for l in state.lines] != base_ids:
        problems.append(ControlProblem("outcomes", "outcomes",
                                       "the explorer's lines do not match the scenario's outcome lines"))
    if len(state.inputs) != len(scenario.model.inputs):
        problems.append(ControlProblem("inputs", "inputs", "the explorer's inputs do not match the scenario's inputs"))
    for line in state.lines:
        for field_name, parameter in LINE_CONTROLS.items():
            message = PARAMETERS[parameter].problem(getattr(line, field_name))
            if message:
                problems.append(ControlProblem(f"line:{line.id}:{field_name}",
                                               f"outcome {line.id} {PARAMETERS[parameter].label.lower()}", message))
    for index, item in enumerate(state.inputs):
        for parameter in ("amount", "year"):
            message = PARAMETERS[parameter].problem(getattr(item, parameter))
            if message:
                problems.append(ControlProblem(f"input:{index}:{parameter}", f"input {index + 1} {parameter}",
                                               message))
    for base, line in zip(scenario.lines, state.lines):
        if getattr(base, "origin", "") == "series" and base.id == line.id and _finite(line.unit_value) \
                and not _same(line.unit_value, shown_value(base)):
            problems.append(ControlProblem(f"line:{line.id}:unit_value", f"outcome {line.id} proxy value",
                                           f"the value comes year by year from the series "
                                           f"{base.proxy_name}; it cannot be changed here"))
    if state.inputs and all(_finite(i.amount) for i in state.inputs) and sum(i.amount for i in state.inputs) == 0:
        problems.append(ControlProblem("inputs", "inputs",
                                       "the inputs total £0: the SROI ratio (value / inputs) is undefined"))
    if state.schedule not in SCHEDULE_CHOICES:
        problems.append(ControlProblem("schedule", "discounting", f"{state.schedule!r} is not allowed; expected "
                                                                 f"one of {', '.join(SCHEDULE_CHOICES)}"))
    elif state.schedule == FLAT and not PARAMETERS["discount_rate"].contains(state.rate):
        problems.append(ControlProblem("rate", "discount rate", PARAMETERS["discount_rate"].problem(state.rate)))
    return problems


def check_state(scenario: Scenario, state: ExplorerState) -> None:
    """Raise StateError naming every control whose value is outside its allowed range.

    The ranges are those of the scenario file (svmodel.parameters), so a state that passes here
    also saves as a valid file.
    """
    problems = state_problems(scenario, state)
    if problems:
        raise StateError([(p.where, p.message) for p in problems])


# --------------------------------------------------------------------------- evaluation
def variant_scenario(scenario: Scenario, state: ExplorerState) -> Scenario:
    """The scenario with the explorer's control values, validated like a file (issue 11).

    The state becomes file data (`state_to_data`, the data `save_variant` writes) and goes
    through `validate_data`, so the variant is a real, validated Scenario: its figures are those
    of the file the explorer would save, and no field is left unchecked. It costs about a
    millisecond per line (benchmarks/bench_explorer.py). Raises StateError for a control outside
    its bounds and ScenarioError for data that does not validate.
    """
    data = state_to_data(scenario, state)
    base_dir = scenario.path.parent if scenario.path is not None else None
    filename = str(scenario.path) if scenario.path is not None else "<explorer variant>"
    return validate_data(data, scenario.library, filename, base_dir=base_dir, path=scenario.path)


def state_results(scenario: Scenario, state: ExplorerState) -> Results:
    """Results for the scenario with the explorer's control values: the state-to-result function.

    Evaluates the validated variant (`variant_scenario`) with `svmodel.results.calculate`, the
    function behind `svmodel run`, so tables, breakdowns and charts describe the variant.
    References: SROI Guide (2012) stages 4-5; docs/conventions.md.
    """
    return calculate(variant_scenario(scenario, state))


@dataclass(frozen=True)
class HeadlineFigure:
    """One headline figure with its baseline value and the change from it."""

    key: str
    label: str
    value: float | None
    baseline: float | None
    text: str
    baseline_text: str
    change: float | None
    change_text: str


# (key, label, formatter, formatter of a change)
HEADLINE: tuple[tuple[str, str, Callable[[float | None], str], Callable[[float], str]], ...] = (
    ("total_present_value", "Present value of outcomes", money, lambda d: _signed(d, money)),
    ("total_inputs", "Present value of inputs", money, lambda d: _signed(d, money)),
    ("net_present_value", "Net present value", money, lambda d: _signed(d, money)),
    ("sroi_ratio", "SROI ratio", ratio, lambda d: f"{d:+,.2f}"),
    ("net_sroi_ratio", "Net SROI ratio", ratio, lambda d: f"{d:+,.2f}"),
    ("payback_months", "Payback", months, lambda d: f"{d:+,.1f} months"),
)


def _signed(delta: float, fmt: Callable[[float], str]) -> str:
    return ("+" if delta > 0 else "") + fmt(delta)


def _number_or_none(value: Any) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def compare_figures(results: Results, baseline: Results) -> list[HeadlineFigure]:
    """Every headline figure now, at baseline, and the change (None when either is undefined)."""
    out = []
    now, base = results.headline(), baseline.headline()
    for key, label, fmt, fmt_change in HEADLINE:
        value, before = _number_or_none(now[key]), _number_or_none(base[key])
        change = value - before if value is not None and before is not None else None
        if change is None:
            change_text = "n/a" if value != before else "no change"
        elif abs(change) < 1e-9 * max(1.0, abs(before or 0.0)):
            change, change_text = 0.0, "no change"
        else:
            change_text = fmt_change(change)
            if key not in ("sroi_ratio", "net_sroi_ratio") and before:
                change_text += f" ({change / abs(before) * 100:+.1f}%)"
        out.append(HeadlineFigure(key, label, value, before, fmt(value), fmt(before), change, change_text))
    return out


def line_changes(results: Results, baseline: Results) -> list[dict[str, Any]]:
    """Per outcome line: present value now, at baseline and the change."""
    rows = []
    for line, pv, base_pv in zip(results.scenario.lines, results.engine.line_present_values,
                                 baseline.engine.line_present_values):
        rows.append({"id": line.id, "stakeholder": line.stakeholder,
                     "present_value": float(pv), "baseline": float(base_pv),
                     "change": float(pv - base_pv)})
    return rows


def side_by_side(scenario: Scenario, variants: dict[str, ExplorerState]) -> list[dict[str, Any]]:
    """Headline figures of several named variants, one dict per variant (first the baseline).

    A variant whose values cannot be evaluated gets an `error` entry instead of figures, so one
    bad variant never hides the others.
    """
    base_state = state_from_scenario(scenario)
    baseline = state_results(scenario, base_state)
    rows: list[dict[str, Any]] = []
    for name, state in {"Baseline": base_state, **variants}.items():
        try:
            results = baseline if state is base_state else state_results(scenario, state)
            figures = compare_figures(results, baseline)
        except StateError as exc:
            rows.append({"name": name, "error": str(exc)})
            continue
        rows.append({"name": name, "figures": {f.key: f for f in figures}})
    return rows


def control_text(field_name: str, value: float | str) -> str:
    """A control value as the explorer shows it: percentages for fractions and rates ("30%"),
    pounds for amounts and proxy values, whole years for durations and years."""
    if isinstance(value, str):  # a discount schedule name
        return dict(SCHEDULE_NAMES).get(value, value)
    parameter = PARAMETERS[LINE_CONTROLS.get(field_name, field_name)]
    if parameter.percent_text:
        return percent_short(value)
    if parameter.kind == "money":
        return money(value, 2).replace(".00", "")
    return f"{value:,.6g}"


#: Names of the discounting choices in the change log and the exports.
SCHEDULE_NAMES = ((FLAT, "a flat rate"), ("green_book", "the Green Book schedule"),
                  ("green_book_health", "the Green Book health schedule"))


@dataclass(frozen=True)
class ControlChange:
    """One control that differs from the baseline (for the change log and the exports)."""

    item: str  # line id, "input 1" or "discounting"
    field: str  # the scenario field name, e.g. deadweight, amount, rate
    label: str  # its human label
    baseline: float | str | bool
    value: float | str | bool

    @property
    def text(self) -> str:
        if isinstance(self.value, bool):
            return f"{self.item} {self.label.lower()}: {'yes' if self.baseline else 'no'} -> " \
                   f"{'yes' if self.value else 'no'}"
        return (f"{self.item} {self.label.lower()}: {control_text(self.field, self.baseline)} -> "
                f"{control_text(self.field, self.value)}")


def control_changes(scenario: Scenario, state: ExplorerState) -> list[ControlChange]:
    """Every control that differs from the baseline, with both values."""
    base = state_from_scenario(scenario)
    out: list[ControlChange] = []
    for before, now in zip(base.lines, state.lines):
        for name in LINE_FIELDS:
            if not _same(getattr(before, name), getattr(now, name)):
                label = "Proxy value" if name == "unit_value" else PARAMETERS[LINE_CONTROLS[name]].label
                out.append(ControlChange(now.id, name, label, getattr(before, name), getattr(now, name)))
    for index, (before, now) in enumerate(zip(base.inputs, state.inputs)):
        for name in ("amount", "year"):
            if not _same(getattr(before, name), getattr(now, name)):
                out.append(ControlChange(f"input {index + 1}", name, PARAMETERS[name].label,
                                         getattr(before, name), getattr(now, name)))
    if base.schedule != state.schedule:
        out.append(ControlChange("discounting", "schedule", "Schedule", base.schedule, state.schedule))
    if state.schedule == FLAT and not _same(base.rate, state.rate):
        out.append(ControlChange("discounting", "discount_rate", PARAMETERS["discount_rate"].label,
                                 base.rate, state.rate))
    if base.first_year_discounted != state.first_year_discounted:
        out.append(ControlChange("discounting", "first_year_discounted", "First year discounted",
                                 base.first_year_discounted, state.first_year_discounted))
    return out


def changed_fields(scenario: Scenario, state: ExplorerState) -> list[str]:
    """Human-readable list of the controls that differ from the baseline, in the controls' own
    units (e.g. "wellbeing deadweight: 25% -> 60%")."""
    return [change.text for change in control_changes(scenario, state)]


def _same(a: float, b: float) -> bool:
    return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)


# --------------------------------------------------------------------------- saving
def state_to_data(scenario: Scenario, state: ExplorerState, name: str | None = None,
                  target: Path | None = None) -> dict[str, Any]:
    """The state as plain data in the scenario file format (version 1).

    A line whose proxy value was changed gets an inline `value` in the scenario's price year
    citing the original source, since the library's proxy no longer describes it. Proxy pack
    paths are rewritten relative to `target`'s folder so they still resolve after saving.
    """
    check_state(scenario, state)
    data = _plain_copy(_file_data(scenario))
    if name:
        data["name"] = name
    data["discounting"] = {"rate": state.discount_rate,
                           "first_year_discounted": bool(state.first_year_discounted)}
    for item, s in zip(data["inputs"], state.inputs):
        item["amount"] = _plain(s.amount)
        item["year"] = int(s.year)
    for outcome, line, s in zip(data["outcomes"], scenario.lines, state.lines):
        if outcome.get("wellby") and line.life_satisfaction_change:  # issue 16: a WELLBY line
            outcome["wellby"]["people"] = _plain(s.quantity / line.life_satisfaction_change)
        elif outcome.get("cohort") is not None:  # issue 14: a moved quantity scales the cohort's need
            if not _same(s.quantity, line.quantity) and line.quantity:
                need = outcome["cohort"]["need"]
                scale = s.quantity / line.quantity
                outcome["cohort"]["need"] = ([_plain(n * scale) for n in need] if isinstance(need, list)
                                             else _plain(need * scale))
        else:  # keeps its change in life satisfaction; the quantity control scales the people
            outcome["quantity"] = _plain(s.quantity)
        for adj in ADJUSTMENTS:
            outcome[adj] = _plain(getattr(s, adj))
        outcome["duration"] = int(s.duration)
        if not _same(s.unit_value, shown_value(line)):
            was = (f"proxy {line.proxy_id}" if line.proxy_id else "an inline value")
            outcome.pop("proxy", None)
            growth = (outcome.get("value_by_year") or {}).get("real_growth")
            # a value with real growth (issue 14) is shown in the line's start year: the file
            # holds its price-year amount, which grows (1 + g) a year to the start year
            amount = s.unit_value / (1.0 + growth) ** (line.start_year - 1) if growth else s.unit_value
            outcome["value"] = {
                "amount": _plain(amount),
                "price_year": scenario.price_year,
                "source": (f"{line.source} (value changed in the scenario explorer from "
                           f"{money(shown_value(line), 2)} in {scenario.price_year} prices, {was})"),
                "unit": line.unit, "url": line.url, "licence": line.licence,
                "value_type": line.value_type if line.value_type in ("fiscal", "economic", "social") else "social",
                "beneficiary": line.beneficiary,
            }
    data = _ordered(data, SCENARIO_ORDER)
    data["outcomes"] = [_ordered(outcome, OUTCOME_ORDER) for outcome in data["outcomes"]]
    packs = data.get("proxies")
    if packs and scenario.path is not None:
        source_dir = scenario.path.parent.resolve()
        target_dir = (target.parent if target is not None else source_dir).resolve()
        data["proxies"] = [os.path.relpath(source_dir / p, target_dir) for p in packs]
    return data


#: Keys written first, in this order, so a saved variant reads like a hand-written file: what it
#: is, then the words (narrative), then the numbers; every other key follows in the model's order.
SCENARIO_ORDER = ("svmodel", "name", "organisation", "description", "kind", "price_year", "scope",
                  "stakeholders", "materiality", "limitations")
OUTCOME_ORDER = ("id", "stakeholder", "outcome", "measure", "indicator", "description", "output", "change",
                 "evidence", "reasons")


def _ordered(data: dict[str, Any], first: tuple[str, ...]) -> dict[str, Any]:
    return {**{k: data[k] for k in first if k in data}, **{k: v for k, v in data.items() if k not in first}}


_FILE_DATA: dict[int, tuple["weakref.ref[Scenario]", dict[str, Any]]] = {}


def _file_data(scenario: Scenario) -> dict[str, Any]:
    """`scenario.to_dict()`, computed once per opened scenario (a Scenario is immutable); the
    entry goes when the scenario is garbage-collected."""
    key = id(scenario)
    entry = _FILE_DATA.get(key)
    if entry is not None and entry[0]() is scenario:
        return entry[1]
    data = scenario.to_dict()
    _FILE_DATA[key] = (weakref.ref(scenario, lambda _: _FILE_DATA.pop(key, None)), data)
    return data


def _plain_copy(value: Any) -> Any:
    """A copy of plain file data (dicts, lists, scalars): much faster than copy.deepcopy."""
    if isinstance(value, dict):
        return {k: _plain_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_copy(v) for v in value]
    return value


def _plain(value: float) -> float | int:
    value = float(value)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def default_save_path(scenario: Scenario, variant: str, folder: Path | None = None) -> Path:
    """`<scenario stem>-<variant slug>.yaml` next to the scenario file (or in `folder`)."""
    stem = scenario.path.stem if scenario.path is not None else "scenario"
    slug = re.sub(r"[^A-Za-z0-9]+", "-", variant).strip("-").lower() or "variant"
    base = folder or (scenario.path.parent if scenario.path is not None else Path.cwd())
    return base / f"{stem}-{slug}.yaml"


SAVED_HEADER = "# Saved from the svmodel scenario explorer"


def confine(path: str | os.PathLike[str], folder: str | os.PathLike[str]) -> Path:
    """`path` (relative to `folder`, or absolute) if it lies inside `folder` once symbolic
    links and `..` are resolved; else StateError. The explorer writes only in its folder."""
    base = Path(folder).expanduser().resolve()
    target = Path(path).expanduser()
    if not target.is_absolute():
        target = base / target
    if target.is_symlink():
        raise StateError([("save as", f"{str(target)!r} is a symbolic link; give a new file name")])
    resolved = target.resolve()
    if not resolved.is_relative_to(base):
        raise StateError([("save as", f"{str(path)!r} is outside the explorer's folder {base}; give a "
                                      "file name inside it, such as reablement-variant.yaml")])
    return resolved


def _saved_by_explorer(path: Path) -> bool:
    """True if `path` is a scenario file this explorer wrote (its first line is SAVED_HEADER)."""
    try:
        head = read_bounded(path, MAX_YAML_BYTES)[:len(SAVED_HEADER)].decode("utf-8", "replace")
    except OSError:
        return False
    return head == SAVED_HEADER


def save_variant(scenario: Scenario, state: ExplorerState, path: str | os.PathLike[str],
                 name: str | None = None, overwrite: bool = False,
                 folder: str | os.PathLike[str] | None = None) -> Path:
    """Validate the state as a scenario file and write it atomically; return the path.

    With `folder`, the file must lie inside it (svmodel.explorer.state.confine). Refuses to
    overwrite an existing file unless `overwrite`, and even then only a file the explorer
    saved earlier; never overwrites the baseline scenario file itself. Raises StateError or
    ScenarioError (nothing is written) when invalid.
    """
    target = Path(path).expanduser()
    if folder is not None:
        target = confine(target, folder)
    if target.suffix.lower() not in (".yaml", ".yml"):
        raise StateError([("save as", f"{str(target)!r}: a scenario file name must end in .yaml")])
    if scenario.path is not None and target.resolve() == Path(scenario.path).resolve():
        raise StateError([("save as", f"{target} is the baseline scenario file; choose a new name so "
                                      "the baseline is kept")])
    if target.exists() and not overwrite:
        raise StateError([("save as", f"{target} already exists; choose another name or allow overwriting")])
    if target.exists() and not _saved_by_explorer(target):
        raise StateError([("save as", f"{target} exists and was not saved by the explorer; it is never "
                                      "overwritten: choose another name")])
    if not target.parent.is_dir():
        raise StateError([("save as", f"folder {target.parent} does not exist")])
    data = state_to_data(scenario, state, name=name, target=target)
    validate_data(data, scenario.library, str(target), base_dir=target.parent)
    header = SAVED_HEADER
    if scenario.path is not None:
        header += f"; baseline: {scenario.path.name}"
    changes = changed_fields(scenario, state)
    if changes:
        header += "\n# Changed from the baseline:\n" + "\n".join(f"#   {c}" for c in changes)
    return dump_scenario(data, target, header=header)


__all__ = [
    "ControlChange", "ControlProblem", "ExplorerState", "FLAT", "HeadlineFigure", "InputState",
    "LineState", "SCHEDULE_CHOICES", "ScenarioError", "StateError", "changed_fields", "check_state",
    "compare_figures", "control_changes", "control_text", "default_save_path", "line_changes",
    "save_variant", "side_by_side", "state_from_scenario", "state_problems", "state_results",
    "shown_value", "state_to_data", "variant_scenario",
]
