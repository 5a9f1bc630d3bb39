"""The ways into the ledger: a partner return form, an evaluative (or forecast) scenario
file, a contract's delivery return and a donation return, each read into `ParsedReturn` lines
valued with the proxy library in force at submission.

Valuation (docs/ledger.md, "Methodology"):

- return form and delivery return rows: value = quantity x proxy value (rebased to the
  partnership's price year, x proxy units per unit) x (1 - deadweight) x (1 - displacement)
  x (1 - attribution): the SROI Guide (2012) stage 4 impact of the period, undiscounted;
  measures in pounds (K22) count at face value; count-only measures are counted, not valued;
  transfer payments are recorded but left out of the totals (Green Book 2022, Annex A2).
- scenario files: each outcome line's present value from `svmodel run` (the scenario's own
  discounting), rebased from the scenario's price year to the partnership's.
- donations: cash and in-kind at face value; volunteer time at hours x the ONS ASHE median
  hourly wage (replacement cost, the ONS household satellite account method).

Every problem names the file, the row (or field path) and the column, with the allowed values;
a file with any problem yields no return at all.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from svmodel.library.frameworks import Framework, Measure
from svmodel.procurement.bids import (CellError, Table, _text, normalise_header, parse_fraction,
                                      parse_quantity, read_table, same_unit)
from svmodel.procurement.spec import is_pounds
from svmodel.library.proxies import ProxyLibrary
from svmodel.errors import Problem, ReturnError

FORM_SHEET = "Return"
DONATION_SHEET = "Donations"
VOLUNTEER_PROXY = "ons_ashe_median_hourly_ft_2024"
COUNT_ONLY_WORDS = ("count only", "none", "not valued")
SOURCE_TYPES = ("return form", "scenario file", "delivery return", "donation return", "commitments")

#: The partner return form: (field, human heading). Either is accepted when reading.
FORM_COLUMNS: tuple[tuple[str, str], ...] = (
    ("measure", "Measure"),
    ("measure_name", "What the measure counts"),
    ("outcome", "Knowsley outcome"),
    ("unit", "Unit"),
    ("quantity", "Quantity in the period"),
    ("proxy", "Financial proxy (id)"),
    ("proxy_units", "Proxy units per unit (e.g. hours per volunteer)"),
    ("deadweight", "Deadweight (0 to 1)"),
    ("displacement", "Displacement (0 to 1)"),
    ("attribution", "Attribution (0 to 1)"),
    ("description", "What you did"),
    ("evidence", "Evidence you hold"),
)

#: The donation return: (field, human heading).
DONATION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("donation_type", "Type of donation"),
    ("channel", "Given through"),
    ("recipient", "Recipient"),
    ("amount", "Amount in pounds (cash or in-kind)"),
    ("hours", "Volunteer hours"),
    ("volunteers", "Number of volunteers"),
    ("measure", "Measure"),
    ("description", "What was given"),
    ("evidence", "Evidence you hold"),
)


@dataclass(frozen=True)
class LineData:
    measure: str
    outcome: str
    quantity: float
    unit: str
    basis: str
    unit_value: float
    value: float
    proxy_id: str = ""
    deadweight: float = 0.0
    displacement: float = 0.0
    attribution: float = 0.0
    counted: bool = True
    contract_year: int | None = None
    donation_type: str | None = None
    channel: str | None = None
    recipient: str | None = None
    evidence: str = ""
    description: str = ""


@dataclass(frozen=True)
class ParsedReturn:
    source_type: str
    kind: str
    filename: str
    content_hash: str
    lines: tuple[LineData, ...]
    price_year: int
    evidence: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def total_value(self) -> float:
        return sum(line.value for line in self.lines if line.counted)


def _headings(columns: tuple[tuple[str, str], ...]) -> dict[str, str]:
    out = {}
    for name, heading in columns:
        out[name] = name
        out[normalise_header(heading)] = name
    return out


_FORM_HEADINGS = _headings(FORM_COLUMNS)
_DONATION_HEADINGS = _headings(DONATION_COLUMNS)


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def detect(path: Path, table: Table | None = None) -> str:
    """Which way in a file is: by extension (YAML: scenario) and then by its headings."""
    if path.suffix.lower() in (".yaml", ".yml"):
        return "scenario file"
    assert table is not None
    columns = set(table.columns)
    if {"contract_year"} & columns:
        return "delivery return"
    if {"donation_type", "type_of_donation"} & columns:
        return "donation return"
    return "return form"


def _renamed(table: Table, headings: dict[str, str]) -> Table:
    from svmodel.procurement.bids import Row

    columns = tuple(headings.get(c, c) for c in table.columns)
    rows = tuple(Row(r.number, {headings.get(k, k): v for k, v in r.cells.items()}) for r in table.rows)
    return Table(table.path, columns, rows, table.sheet)


_INDEXES: dict[int, tuple[Framework, dict[str, Measure], dict[str, str]]] = {}


def _index(framework: Framework) -> tuple[dict[str, Measure], dict[str, str]]:
    """Measures by id and the outcome id of each measure, built once per framework object
    (Framework.measures builds a new dict on every call; hashing a Framework walks all of it)."""
    entry = _INDEXES.get(id(framework))
    if entry is None or entry[0] is not framework:
        measures = framework.measures
        outcomes = {m.id: o.id for o in framework.outcomes for m in o.measures}
        entry = _INDEXES[id(framework)] = (framework, measures, outcomes)
    return entry[1], entry[2]


def _measure(framework: Framework, text: str) -> Measure | None:
    return _index(framework)[0].get(text.strip().upper())


_REBASED: dict[tuple[str, str, int], float] = {}


def _rebased(library: ProxyLibrary, proxy_id: str, price_year: int) -> float:
    """A proxy's value rebased to the price year, memoised by the library's content hash."""
    key = (library.content_hash, proxy_id, price_year)
    if key not in _REBASED:
        _REBASED[key] = library.rebased_value(proxy_id, price_year)
    return _REBASED[key]


def value_row(measure: Measure, framework: Framework, library: ProxyLibrary, price_year: int,
              quantity: float, proxy_id: str, proxy_units: float, deadweight: float,
              displacement: float, attribution: float,
              outcome_of: dict[str, str] | None = None) -> dict[str, Any]:
    """The valuation of one row (see the module docstring); the keys of LineData.
    `outcome_of` (measure id -> outcome id) may be passed in by a caller valuing many rows."""
    keep = (1 - deadweight) * (1 - displacement) * (1 - attribution)
    outcome_of = outcome_of if outcome_of is not None else _index(framework)[1]
    base = dict(measure=measure.id, outcome=outcome_of.get(measure.id, ""), quantity=quantity,
                unit=measure.unit, deadweight=deadweight, displacement=displacement,
                attribution=attribution)
    if measure.count_only or not proxy_id:
        if is_pounds(measure.unit):
            return {**base, "basis": "face value", "unit_value": 1.0, "value": quantity * keep}
        return {**base, "basis": "count only", "unit_value": 0.0, "value": 0.0}
    proxy = library.get(proxy_id)
    unit_value = _rebased(library, proxy_id, price_year) * proxy_units
    return {**base, "basis": "proxy", "proxy_id": proxy_id, "unit_value": unit_value,
            "value": quantity * unit_value * keep, "counted": not proxy.transfer}


# --------------------------------------------------------------------------- return form
def _memo_fraction(memo: dict[Any, Any], value: Any) -> float:
    """parse_fraction (blank = 0), remembered per distinct cell value within one file: a form
    repeats the same few adjustments on every row."""
    try:
        found = memo[value]
    except KeyError:
        try:
            found = parse_fraction(value) or 0.0
        except CellError as exc:
            found = exc
        memo[value] = found
    if isinstance(found, CellError):
        raise CellError(str(found))
    return found


def read_return_form(path: Path, framework: Framework, library: ProxyLibrary, price_year: int,
                     kind: str, content_hash: str, table: Table | None = None) -> ParsedReturn:
    table = table or read_table(path, sheet=FORM_SHEET)
    # each field's column in this file (the field name or its human heading; the last wins,
    # as when renaming the columns), read in place instead of copying every row
    found = {_FORM_HEADINGS.get(c, c): c for c in table.columns if c}
    col = {f: found.get(f, f) for f, _ in FORM_COLUMNS}
    measures, outcome_of = _index(framework)
    memo: dict[Any, Any] = {}
    file = str(path)
    missing = [h for f, h in FORM_COLUMNS if f in ("measure", "quantity") and f not in found]
    if missing:
        raise ReturnError([Problem(file, "header", f"missing column(s) {', '.join(repr(m) for m in missing)}; "
                                     "write a blank form with: svmodel ledger form --framework "
                                     f"{framework.name}")])
    problems: list[Problem] = []
    lines: list[LineData] = []
    seen: dict[str, int] = {}
    for row in table.rows:
        cells = row.cells
        mid = _text(cells.get(col["measure"])).upper()
        bad = lambda column, message: problems.append(  # noqa: E731
            Problem(file, table.where(row.number, mid, _heading(column)), message))
        measure = measures.get(mid.strip())
        if measure is None:
            bad("measure", f"unknown measure {mid or '(blank)'!r}; allowed: {', '.join(framework.measures)}")
            continue
        try:
            quantity = parse_quantity(cells.get(col["quantity"]))
        except CellError as exc:
            bad("quantity", f"{exc}; expected a number of {measure.unit}, at least 0")
            continue
        if quantity is None:
            continue  # a measure the partner does not report on
        if mid in seen:
            bad("measure", f"{mid} is given twice (first on row {seen[mid]}); one row per measure")
            continue
        seen[mid] = row.number
        unit = _text(cells.get(col["unit"]))
        if unit and not same_unit(unit, measure.unit):
            bad("unit", f"{unit!r} is not the unit of {mid}; expected {measure.unit!r}")
        allowed = [p.id for p in measure.proxies]
        proxy_id = _text(cells.get(col["proxy"]))
        if proxy_id.casefold() in COUNT_ONLY_WORDS:
            proxy_id = ""  # the partner counts the measure without valuing it
        elif measure.count_only:
            if proxy_id:
                bad("proxy", f"{mid} is counted, not valued ({measure.reason}); leave the proxy blank")
            proxy_id = ""
        elif not proxy_id:
            proxy_id = allowed[0] if allowed else ""
        elif proxy_id not in allowed:
            bad("proxy", f"{proxy_id!r} is not a proxy the framework lists for {mid}; allowed: "
                         f"{', '.join(allowed)}, or 'count only'")
            continue
        elif proxy_id not in library:
            bad("proxy", f"{proxy_id!r} is not in the proxy library {library.version}")
            continue
        fractions = {}
        for name in ("deadweight", "displacement", "attribution"):
            try:
                fractions[name] = _memo_fraction(memo, cells.get(col[name]))
            except CellError as exc:
                bad(name, str(exc))
        try:
            units = parse_quantity(cells.get(col["proxy_units"]))
            if units == 0:
                raise CellError("0 would value the row at nothing; leave it blank for 1")
        except CellError as exc:
            bad("proxy_units", f"{exc}; expected a number above 0 (blank = 1)")
            units = 1.0
        if len(fractions) < 3:
            continue
        valued = value_row(measure, framework, library, price_year, quantity, proxy_id, units or 1.0,
                           **fractions, outcome_of=outcome_of)
        lines.append(LineData(**valued, evidence=_text(cells.get(col["evidence"])),
                              description=_text(cells.get(col["description"]))))
    if not problems and not lines:
        problems.append(Problem(file, "", "no row has a quantity: nothing to record; fill in "
                                          f"'{_heading('quantity')}' for the measures you report"))
    if problems:
        raise ReturnError(problems)
    return ParsedReturn("return form", kind, file, content_hash, tuple(lines), price_year,
                        evidence="; ".join(sorted({l.evidence for l in lines if l.evidence})))


def _heading(name: str) -> str:
    for f, h in FORM_COLUMNS + DONATION_COLUMNS:
        if f == name:
            return h
    return name


# --------------------------------------------------------------------------- scenario file
def read_scenario_return(path: Path, framework: Framework, library: ProxyLibrary, price_year: int,
                         kind: str | None, content_hash: str) -> ParsedReturn:
    from svmodel.results import calculate
    from svmodel.scenario import load_scenario

    scenario = load_scenario(path, library)
    file_kind = "delivered" if scenario.model.kind == "evaluative" else "forecast"
    if kind and kind != file_kind:
        raise ReturnError([Problem(str(path), "kind", f"the file is a {scenario.model.kind} scenario, "
                                     f"which the ledger records as {file_kind!r}, not {kind!r}; "
                                     "allowed: delivered for evaluative files, forecast for forecasts")])
    results = calculate(scenario)
    problems = []
    lines = []
    factor = library.deflators.factor(scenario.price_year, price_year)
    for index, (line, pv) in enumerate(zip(scenario.lines, results.engine.line_present_values)):
        measure = _measure(framework, line.measure) if line.measure else None
        if measure is None:
            problems.append(Problem(str(path), f"outcomes[{index}].measure",
                                    f"{line.measure or '(missing)'!r}: the ledger records results per "
                                    f"framework measure; allowed: {', '.join(framework.measures)}"))
            continue
        outcome = framework.outcome_of(measure.id)
        lines.append(LineData(
            measure=measure.id, outcome=outcome.id if outcome else "", quantity=line.quantity,
            unit=line.unit or measure.unit, basis="scenario", unit_value=line.unit_value * factor,
            value=float(pv) * factor, proxy_id=line.proxy_id, deadweight=line.deadweight,
            displacement=line.displacement, attribution=line.attribution, counted=line.counted,
            description=f"{line.id}: {line.outcome}"))
    if problems:
        raise ReturnError(problems)
    return ParsedReturn("scenario file", file_kind, str(path), content_hash, tuple(lines), price_year,
                        notes=tuple(scenario.warnings))


# --------------------------------------------------------------------------- donation return
def read_donation_return(path: Path, framework: Framework, library: ProxyLibrary, price_year: int,
                         content_hash: str, table: Table | None = None) -> ParsedReturn:
    from svmodel.ledger.models import CHANNELS, DONATION_TYPES

    table = _renamed(table or read_table(path, sheet=DONATION_SHEET), _DONATION_HEADINGS)
    file = str(path)
    problems: list[Problem] = []
    lines: list[LineData] = []
    hourly = library.rebased_value(VOLUNTEER_PROXY, price_year)
    for row in table.rows:
        cells = row.cells
        bad = lambda column, message: problems.append(  # noqa: E731
            Problem(file, table.where(row.number, "", _heading(column)), message))
        kind = _text(cells.get("donation_type")).lower().replace("in kind", "in-kind")
        if kind not in DONATION_TYPES:
            bad("donation_type", f"{kind or '(blank)'!r} is not allowed; expected one of {', '.join(DONATION_TYPES)}")
            continue
        channel = next((c for c in CHANNELS if c.casefold() == _text(cells.get("channel")).casefold()), None)
        if channel is None:
            bad("channel", f"{_text(cells.get('channel')) or '(blank)'!r} is not allowed; expected one of "
                           f"{', '.join(CHANNELS)}")
            continue
        default = "K14" if kind == "volunteer time" else "K22"
        mid = (_text(cells.get("measure")) or default).upper()
        measure = _measure(framework, mid)
        if measure is None:
            bad("measure", f"unknown measure {mid!r}; allowed: {', '.join(framework.measures)}")
            continue
        outcome = framework.outcome_of(mid)
        try:
            if kind == "volunteer time":
                hours = parse_quantity(cells.get("hours"))
                if hours is None:
                    raise CellError("the hours volunteered are missing")
                volunteers = parse_quantity(cells.get("volunteers"))
                line = LineData(measure=mid, outcome=outcome.id if outcome else "", quantity=hours,
                                unit="volunteer hours", basis="proxy", unit_value=hourly,
                                value=hours * hourly, proxy_id=VOLUNTEER_PROXY,
                                description=_text(cells.get("description")) + (
                                    f" ({volunteers:g} volunteers)" if volunteers else ""))
            else:
                amount = parse_quantity(cells.get("amount"))
                if amount is None:
                    raise CellError("the amount in pounds is missing")
                line = LineData(measure=mid, outcome=outcome.id if outcome else "", quantity=amount,
                                unit="GBP", basis="face value", unit_value=1.0, value=amount,
                                description=_text(cells.get("description")))
        except CellError as exc:
            bad("hours" if kind == "volunteer time" else "amount", f"{exc}; expected a number of at least 0")
            continue
        lines.append(LineData(**{**line.__dict__, "donation_type": kind, "channel": channel,
                                 "recipient": _text(cells.get("recipient")),
                                 "evidence": _text(cells.get("evidence"))}))
    if not problems and not lines:
        problems.append(Problem(file, "", "no donations listed: nothing to record"))
    if problems:
        raise ReturnError(problems)
    return ParsedReturn("donation return", "donated", file, content_hash, tuple(lines), price_year,
                        evidence="; ".join(sorted({l.evidence for l in lines if l.evidence})))


# --------------------------------------------------------------------------- delivery return
def read_delivery_return(path: Path, spec: Any, supplier: str, price_year: int,
                         content_hash: str, library: ProxyLibrary) -> ParsedReturn:
    """A contract's delivery return (the `svmodel tender monitor` input), valued with the
    buyer's proxies and adjustments from the tender specification."""
    from svmodel.procurement.monitoring import read_delivery

    rows = read_delivery(path, spec, supplier)
    factor = library.deflators.factor(spec.price_year, price_year)
    lines = []
    for d in rows:
        m = spec.measures[d.measure]
        keep = (1 - m.deadweight) * (1 - m.displacement) * (1 - m.attribution)
        unit_value = m.unit_value * factor
        lines.append(LineData(
            measure=m.id, outcome=m.outcome_id, quantity=d.quantity, unit=m.unit,
            basis=m.basis, unit_value=unit_value, value=d.quantity * unit_value * keep,
            proxy_id=m.proxy_id, deadweight=m.deadweight, displacement=m.displacement,
            attribution=m.attribution, counted=not m.transfer, contract_year=d.contract_year,
            evidence=d.evidence, description=d.period))
    if not lines:
        raise ReturnError([Problem(str(path), "", "no delivery rows: nothing to record")])
    return ParsedReturn("delivery return", "delivered", str(path), content_hash, tuple(lines), price_year,
                        evidence="; ".join(sorted({l.evidence for l in lines if l.evidence})))


def commitment_lines(spec: Any, bid: Any, price_year: int, library: ProxyLibrary) -> dict[int, list[LineData]]:
    """The winning bid's commitments per contract year, valued like delivery (buyer's view)."""
    factor = library.deflators.factor(spec.price_year, price_year)
    out: dict[int, list[LineData]] = {}
    moderation = {m.measure.upper(): m for m in spec.model.moderation
                  if m.bidder.casefold() == bid.bidder.casefold()}
    from svmodel.procurement.valuation import scale

    for mid, m in spec.measures.items():
        c = bid.commitment(mid)
        if c is None:
            continue
        quantities = list(c.quantities)
        if mid in moderation:
            quantities = list(scale(quantities, moderation[mid].accepted))
        keep = (1 - m.deadweight) * (1 - m.displacement) * (1 - m.attribution)
        for year, q in enumerate(quantities, start=1):
            unit_value = m.unit_value * factor
            out.setdefault(year, []).append(LineData(
                measure=m.id, outcome=m.outcome_id, quantity=q, unit=m.unit, basis=m.basis,
                unit_value=unit_value, value=q * unit_value * keep, proxy_id=m.proxy_id,
                deadweight=m.deadweight, displacement=m.displacement, attribution=m.attribution,
                counted=not m.transfer, contract_year=year, evidence=c.evidence,
                description=c.description))
    return out


def read_file(path: str | os.PathLike[str]) -> tuple[Path, bytes]:
    path = Path(path)
    try:
        return path, path.read_bytes()
    except OSError as exc:
        raise ReturnError([Problem(str(path), "", f"cannot read the file: {exc.strerror or exc}")]) from None
