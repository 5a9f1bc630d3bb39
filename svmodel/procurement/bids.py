"""Reading bidders' social value responses (CSV or xlsx in the response-form layout).

The layout is the one `svmodel tender template` writes: a header row, then one row per measure
with the bidder's name, the measure id, the unit, one quantity column per contract year
(`year_1` .. `year_N`), the bidder's own deadweight and attribution, who benefits, what they
will do, the evidence offered and their confidence. Rows left without quantities are not
commitments. Every problem names the file and the row; all problems of a file are reported
together, and one bad file never stops the others from being read (`read_bids`).

References: SROI Guide (2012) stage 2-3 (indicators, quantities, evidence); Procurement Policy
Note 002 (social value commitments must be relevant, proportionate and measurable).
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from svmodel.parameters import PARAMETERS
from svmodel.util.inputfiles import read_bounded
from svmodel.util.limits import MAX_CSV_BYTES, MAX_QUANTITY, MAX_TABLE_ROWS
from svmodel.procurement.errors import Problem, TenderError
from svmodel.util.safety import restore_cell
from svmodel.procurement.spec import TenderSpec

CONFIDENCE = ("high", "medium", "low")
NO_EVIDENCE = {"", "-", "n/a", "na", "none", "tbc", "tbd", "to follow", "available on request"}
FIXED_COLUMNS = ("bidder", "measure", "unit")
OPTIONAL_COLUMNS = ("measure_name", "valued_as", "target", "evidence_expected", "bidder_deadweight",
                    "bidder_attribution", "beneficiaries", "description", "evidence", "confidence")
RESPONSE_SHEET = "Response"


def _yours(name: str) -> str:
    """A bidder's own estimate of a registry parameter: "Your deadweight (%)"."""
    p = PARAMETERS[name]
    return f"Your {p.label.lower()} ({p.unit})" if p.unit else f"Your {p.label.lower()}"


#: The response form's column headings as bidders see them (issue 15: human words, no internal
#: names); `year_N` columns are headed "Year N quantity". Forms with the internal names as
#: headings (written before these headings existed) read exactly the same.
HEADINGS: dict[str, str] = {
    "bidder": "Your organisation",
    "measure": "Measure code",
    "measure_name": "What the measure counts",
    "unit": "Unit",
    "valued_as": "How the buyer values one unit",
    "target": "Buyer's target (whole contract)",
    "evidence_expected": "Evidence the buyer expects",
    "bidder_deadweight": _yours("deadweight"),
    "bidder_attribution": _yours("attribution"),
    "beneficiaries": "Who benefits",
    "description": "What you will do",
    "evidence": "Your evidence",
    "confidence": "Your confidence (high, medium or low)",
}


def heading(column: str) -> str:
    """The human heading of a response-form column (`year_3` -> "Year 3 quantity")."""
    match = re.fullmatch(r"year_(\d+)", column)
    return f"Year {match.group(1)} quantity" if match else HEADINGS.get(column, column)


def canonical_column(name: str) -> str:
    """A normalised heading mapped back to the form's column name: "your_deadweight" ->
    "bidder_deadweight", "year_2_quantity" -> "year_2"; anything else unchanged."""
    match = re.fullmatch(r"year_?(\d+)(_quantity)?", name)
    if match:
        return f"year_{match.group(1)}"
    return name if name in HEADINGS else _BY_HEADING.get(name, name)


def _normalised(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")


_BY_HEADING = {_normalised(h): c for c, h in HEADINGS.items()}


def response_table(table: "Table") -> "Table":
    """`table` with human headings renamed to the form's column names (a heading the form does
    not know is kept as it is; two headings meaning one column keep the first)."""
    columns = tuple(canonical_column(c) for c in table.columns)
    if columns == table.columns:
        return table
    rows = []
    for r in table.rows:
        cells: dict[str, Any] = {}
        for key, value in r.cells.items():
            cells.setdefault(canonical_column(key), value)
        rows.append(Row(r.number, cells))
    return Table(table.path, columns, tuple(rows), table.sheet)


@dataclass(frozen=True)
class Row:
    number: int  # the row number a spreadsheet shows (header = 1)
    cells: dict[str, Any]


@dataclass(frozen=True)
class Table:
    path: Path
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    sheet: str = ""

    def where(self, row: int, measure: str = "", column: str = "") -> str:
        text = (f"sheet {self.sheet}, " if self.sheet else "") + f"row {row}"
        text += f" ({measure})" if measure else ""
        return text + (f", {column}" if column else "")


def normalise_header(text: Any) -> str:
    name = re.sub(r"[^a-z0-9]+", "_", str(text or "").strip().lower()).strip("_")
    return re.sub(r"^year_?(\d+)$", r"year_\1", name)


def read_table(path: str | os.PathLike[str], sheet: str = RESPONSE_SHEET) -> Table:
    """Read a CSV or xlsx table: header row first; cells as text (CSV) or values (xlsx).

    Files are read within the bounds of svmodel.util.limits (a regular file of bounded size; at
    most MAX_TABLE_ROWS rows); every problem is a TenderError naming the file."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            return _read_xlsx(path, sheet)
        if suffix in (".csv", ".txt"):
            return _read_csv(path)
    except OSError as exc:
        raise TenderError([Problem(str(path), "", f"cannot read the file: {exc.strerror or exc}")]) from None
    raise TenderError([Problem(str(path), "", f"unsupported file type {suffix or '(none)'!r}; "
                                                "expected a .csv or .xlsx response form")])


def _read_csv(path: Path) -> Table:
    data = read_bounded(path, MAX_CSV_BYTES)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise TenderError([Problem(str(path), f"line {line}", "the file is not UTF-8 text; save the CSV as "
                                                                "'CSV UTF-8'")]) from None
    if "\x00" in text:
        raise TenderError([Problem(str(path), "", "the file contains a NUL byte; it is not a CSV text file")])
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if not header:
            raise TenderError([Problem(str(path), "", "the file is empty; expected the response form's "
                                                        "header row")])
        columns = tuple(normalise_header(h) for h in header)
        rows = []
        for number, values in enumerate(reader, start=2):
            if number > MAX_TABLE_ROWS + 1:
                raise TenderError([Problem(str(path), f"row {number}", f"more than {MAX_TABLE_ROWS:,} rows; "
                                                                          "a response form has one row per measure")])
            if not any(v.strip() for v in values):
                continue
            rows.append(Row(number, {c: (values[i].strip() if i < len(values) else "")
                                     for i, c in enumerate(columns) if c}))
    except csv.Error as exc:
        raise TenderError([Problem(str(path), f"line {reader.line_num}", f"not a readable CSV row ({exc})")]) from None
    return Table(path, columns, tuple(rows))


def _read_xlsx(path: Path, sheet: str) -> Table:
    """The sheet named `sheet` (else the first) through svmodel.util.xlsx: every row is read
    whatever the stored dimension says, and a formula whose result was never saved is a
    problem naming its cell, not a blank."""
    from svmodel.util.xlsx import XlsxError, coordinate, read_xlsx

    try:
        book = read_xlsx(path)
        name = sheet if sheet in book.sheetnames else book.sheetnames[0]
        ws = book[name]
    except XlsxError as exc:
        raise TenderError([Problem(str(path), "", f"cannot read the workbook: {exc}")]) from None
    header_columns = ws.columns_in(1)
    if not header_columns or not any(ws.value(1, c) is not None for c in header_columns):
        raise TenderError([Problem(str(path), "", f"sheet {ws.title}: row 1 is empty; expected "
                                                    "the response form's header row")])
    width = max(header_columns)
    columns = tuple(normalise_header(ws.value(1, c)) for c in range(1, width + 1))
    rows, unsaved = [], []
    row_numbers = ws.row_numbers(after=1)
    if len(row_numbers) > MAX_TABLE_ROWS:
        raise TenderError([Problem(str(path), f"sheet {ws.title}", f"more than {MAX_TABLE_ROWS:,} rows; "
                                                                     "a response form has one row per measure")])
    for number in row_numbers:
        cells = {}
        # only the row's own cells are visited (a header that runs to column XFD costs nothing
        # per row); a column the row leaves empty is simply absent, which reads as blank
        for i in ws.columns_in(number):
            c = columns[i - 1] if i <= width else ""
            if not c:
                continue
            cell = ws.cell(number, i)
            if cell is not None and cell.unsaved_formula:
                unsaved.append(Problem(str(path), f"sheet {ws.title}, row {number}, {c} "
                                                  f"(cell {coordinate(number, i)})",
                                       f"holds a formula (={cell.formula[:60]}) with no saved result, so "
                                       "its value is unknown; open and save the file in a spreadsheet "
                                       "program, or type the number"))
            value = None if cell is None else restore_cell(cell.value)
            cells[c] = value.strip() if isinstance(value, str) else ("" if value is None else value)
        if any(v != "" for v in cells.values()):
            rows.append(Row(number, cells))
    if unsaved:
        raise TenderError(unsaved)
    return Table(path, columns, tuple(rows), sheet=ws.title)


# --------------------------------------------------------------------------- cell parsing
class CellError(ValueError):
    pass


def parse_quantity(value: Any) -> float | None:
    """A non-negative number; blank is None. Accepts 1,200 and £1,200."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if isinstance(value, bool):
        raise CellError(f"{value!r} is not a number")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip().replace(",", "").replace("£", "").replace(" ", "")
        try:
            number = float(text)
        except ValueError:
            raise CellError(f"{value!r} is not a number; give a plain number such as 120") from None
    if not math.isfinite(number):
        raise CellError(f"{value!r} is not a finite number")
    if number < 0:
        raise CellError(f"{value!r} is negative; a commitment is a quantity of at least 0")
    if number > MAX_QUANTITY:
        raise CellError(f"{value!r} is above the largest quantity allowed ({MAX_QUANTITY:,.0f})")
    return number


def parse_fraction(value: Any) -> float | None:
    """0..1 or a percentage such as "30%"; blank is None."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    try:
        if isinstance(value, str):
            text = value.strip()
            number = float(text[:-1]) / 100 if text.endswith("%") else float(text)
        elif isinstance(value, bool):
            raise ValueError
        else:
            number = float(value)
    except ValueError:
        raise CellError(f"{value!r} is not a fraction; give 0 to 1 (such as 0.3) or a percentage "
                        'such as "30%"') from None
    if not FRACTION.contains(number):  # the registry's bounds for every fraction (0..1)
        raise CellError(f"{value!r} is out of range; give 0 to 1 (such as 0.3) or 0% to 100%")
    return number


FRACTION = PARAMETERS["deadweight"]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def same_unit(a: str, b: str) -> bool:
    norm = lambda s: re.sub(r"\s+", " ", s.strip().lower().replace("£", "gbp"))  # noqa: E731
    return norm(a) == norm(b)


# --------------------------------------------------------------------------- bids
@dataclass(frozen=True)
class Commitment:
    """One measure's commitment in a bid: a quantity per contract year, with its evidence."""

    measure: str
    quantities: tuple[float, ...]  # one per contract year
    unit: str
    bidder_deadweight: float | None
    bidder_attribution: float | None
    beneficiaries: str
    description: str
    evidence: str
    confidence: str
    row: int

    @property
    def total(self) -> float:
        return float(sum(self.quantities))

    @property
    def evidenced(self) -> bool:
        return self.evidence.strip().lower() not in NO_EVIDENCE


@dataclass(frozen=True)
class Bid:
    bidder: str
    path: Path
    commitments: tuple[Commitment, ...]
    warnings: tuple[str, ...] = field(default=())

    def commitment(self, measure: str) -> Commitment | None:
        return next((c for c in self.commitments if c.measure == measure), None)


def _year_columns(table: Table, spec: TenderSpec, problems: list[Problem]) -> list[str]:
    years = [f"year_{y}" for y in range(1, spec.years + 1)]
    missing = [c for c in (*FIXED_COLUMNS, *years) if c not in table.columns]
    if missing:
        problems.append(Problem(str(table.path), "header" + (f" (sheet {table.sheet})" if table.sheet else ""),
                                f"missing column(s) {', '.join(missing)} (headed "
                                f"{', '.join(repr(heading(c)) for c in missing)} on the form); the response "
                                f"form for this {spec.years}-year contract has {heading('bidder')!r}, "
                                f"{heading('measure')!r}, {heading('unit')!r} and {heading(years[0])!r}.."
                                f"{heading(years[-1])!r} (write one with `svmodel tender template`)"))
    return years


def parse_bid(table: Table, spec: TenderSpec) -> Bid:
    """Commitments from a response table, checked against the specification."""
    problems: list[Problem] = []
    file = str(table.path)
    years = _year_columns(table, spec, problems)
    if problems:
        raise TenderError(problems)
    extra_years = sorted({c for c in table.columns if re.fullmatch(r"year_\d+", c)} - set(years))
    in_framework = spec.framework.measures
    commitments: list[Commitment] = []
    bidders: dict[str, int] = {}
    seen: dict[str, int] = {}
    for row in table.rows:
        cells = row.cells
        measure = _text(cells.get("measure")).upper()
        bad = lambda column, message: problems.append(  # noqa: E731
            Problem(file, table.where(row.number, measure, column), message))
        quantities: list[float] = []
        for column in years:
            try:
                quantities.append(parse_quantity(cells.get(column)) or 0.0)
            except CellError as exc:
                bad(column, str(exc))
        given = [c for c in years if _text(cells.get(c)) != ""]
        for column in extra_years:
            if _text(cells.get(column)) != "":
                bad(column, f"{column} is beyond the {spec.years}-year contract; give quantities in "
                            f"year_1..year_{spec.years}")
        if not measure:
            if given:
                bad("measure", "the measure id is missing; expected one of "
                               + ", ".join(spec.measures))
            continue
        if measure not in spec.measures:
            if measure in in_framework:
                bad("measure", f"{measure} is a {spec.framework.name} measure but not in scope of this "
                               f"tender; measures in scope: {', '.join(spec.measures)}")
            else:
                bad("measure", f"unknown measure {_text(cells.get('measure'))!r}; measures in scope of "
                               f"this tender: {', '.join(spec.measures)}")
            continue
        if not given:
            continue  # a form row the bidder left empty: no commitment
        if measure in seen:
            bad("measure", f"{measure} is given twice (first on row {seen[measure]}); give one row "
                           "per measure with a quantity per contract year")
            continue
        seen[measure] = row.number
        expected = spec.measures[measure].unit
        unit = _text(cells.get("unit"))
        if not unit:
            bad("unit", f"the unit is missing; this tender counts {measure} in {expected!r}")
        elif not same_unit(unit, expected):
            bad("unit", f"{unit!r} is not the unit this tender asks for; {measure} is counted in "
                        f"{expected!r}: convert the quantities to that unit")
        bidder = _text(cells.get("bidder"))
        if not bidder:
            bad("bidder", "the bidder name is missing; give the bidding organisation's name on every "
                          "row with a commitment")
        else:
            bidders.setdefault(bidder, row.number)
        fractions: dict[str, float | None] = {}
        for column in ("bidder_deadweight", "bidder_attribution"):
            try:
                fractions[column] = parse_fraction(cells.get(column))
            except CellError as exc:
                bad(column, str(exc))
        confidence = _text(cells.get("confidence")).lower()
        if confidence and confidence not in CONFIDENCE:
            bad("confidence", f"{confidence!r} is not allowed; expected one of {', '.join(CONFIDENCE)}")
        commitments.append(Commitment(
            measure=measure, quantities=tuple(quantities), unit=unit or expected,
            bidder_deadweight=fractions.get("bidder_deadweight"),
            bidder_attribution=fractions.get("bidder_attribution"),
            beneficiaries=_text(cells.get("beneficiaries")), description=_text(cells.get("description")),
            evidence=_text(cells.get("evidence")), confidence=confidence, row=row.number))
    if len(bidders) > 1:
        listed = "; ".join(f"{name!r} (row {n})" for name, n in bidders.items())
        problems.append(Problem(file, "bidder", f"more than one bidder name in one response: {listed}; "
                                                "give one bid per file"))
    if not problems and not commitments:
        problems.append(Problem(file, "", "the response commits nothing: no row has a quantity in "
                                          f"year_1..year_{spec.years}"))
    if problems:
        raise TenderError(problems)
    return Bid(bidder=next(iter(bidders)), path=table.path, commitments=tuple(commitments))


def read_bid(path: str | os.PathLike[str], spec: TenderSpec) -> Bid:
    """Read and check one bidder's response form; raise TenderError naming file and row."""
    return parse_bid(response_table(read_table(path)), spec)


def internal_problem(path: str | os.PathLike[str], exc: BaseException) -> Problem:
    """A Problem for an unexpected error while reading one file of several: reported against
    that file (and as an internal error, to be reported) while the other files go on."""
    return Problem(str(path), "", f"could not be read because of an internal error ({type(exc).__name__}: "
                                  f"{exc}); the other files were still processed; please report it")


@dataclass(frozen=True)
class BidFailure:
    path: Path
    problems: tuple[Problem, ...]


def read_bids(paths: Iterable[str | os.PathLike[str]], spec: TenderSpec,
              progress: Callable[[str | os.PathLike[str]], None] | None = None
              ) -> tuple[list[Bid], list[BidFailure]]:
    """Read every bid; a file that fails is reported and the others are still read.

    Two files from the same bidder name are a failure of the second file. `progress`, if
    given, is called with each file's path once it has been read (or has failed)."""
    bids: list[Bid] = []
    failures: list[BidFailure] = []
    for path in paths:
        try:
            _read_one(path, spec, bids, failures)
        finally:
            if progress is not None:
                progress(path)
    return bids, failures


def _read_one(path: str | os.PathLike[str], spec: TenderSpec, bids: list[Bid], failures: list[BidFailure]) -> None:
    """Read one bid into `bids`, or its problems into `failures`."""
    try:
        bid = read_bid(path, spec)
    except TenderError as exc:
        failures.append(BidFailure(Path(path), tuple(exc.problems)))
        return
    except Exception as exc:  # noqa: BLE001 - one file's fault must not stop the other bids
        failures.append(BidFailure(Path(path), (internal_problem(path, exc),)))
        return
    clash = next((b for b in bids if b.bidder.casefold() == bid.bidder.casefold()), None)
    if clash is not None:
        failures.append(BidFailure(Path(path), (Problem(str(path), "bidder",
            f"bidder {bid.bidder!r} already has a bid ({clash.path}); one bid per bidder"),)))
        return
    bids.append(bid)
