"""Read a Value Map workbook (svmodel's layout) back into a scenario.

The workbook may be one `svmodel export` wrote and a reviewer then edited, or the exported
template filled in by hand. Only input cells are read; formula columns (deflator factor,
value in scenario prices, impact, everything on the Social Return sheet) are recomputed by
svmodel from the inputs. Columns and settings are found by their header text, so reordered
columns still import. Validation is all or nothing (as for scenario files): every problem is
reported, each naming the sheet, the cell and what is wrong.

References: SROI Guide (2012) stages 1-4 (the Value Map columns); docs/reference/contracts.md (the
scenario file contract the result must satisfy).
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from svmodel.excel import layout as L
from svmodel.library.deflators import PriceYear, PriceYearError
from svmodel.library.proxies import ProxyLibrary, ProxyLibraryError, default_library
from svmodel.util.safety import restore_cell
from svmodel.scenario import Problem, Scenario, ScenarioError, validate_data
from svmodel.util.xlsx import Sheet as Worksheet
from svmodel.util.xlsx import XlsxError, coordinate, read_xlsx
from svmodel.util.xlsx import column_letter as get_column_letter

_HEADER_SCAN_ROWS = 15
_ERROR_VALUES = {"#VALUE!", "#REF!", "#NAME?", "#DIV/0!", "#N/A", "#NUM!", "#NULL!"}
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


@dataclass
class ImportedWorkbook:
    """Scenario data read from a workbook, with where each field came from."""

    data: dict[str, Any]
    cells: dict[str, str] = field(default_factory=dict)  # field path -> "Sheet!A1"
    warnings: list[str] = field(default_factory=list)


def _aliases(column: L.Column) -> set[str]:
    without_parens = re.sub(r"\(.*?\)", "", column.label)
    return {L.normalise_label(column.label), L.normalise_label(without_parens),
            L.normalise_label(column.key)}


class _Reader:
    """Cell access to a workbook read once (svmodel.util.xlsx: each cell's formula and its
    saved value, within the bounds of svmodel.util.limits, whatever the stored dimension says)."""

    def __init__(self, path: Path):
        self.path = path
        self.problems: list[Problem] = []
        try:
            self.formulas = read_xlsx(path)
        except XlsxError as exc:
            raise ScenarioError([Problem(str(path), "", f"cannot read the workbook (is it an .xlsx "
                                                        f"file?): {exc}")]) from None
        except OSError as exc:
            raise ScenarioError([Problem(str(path), "", f"cannot read the file: {exc.strerror or exc}")]) from None

    def where(self, sheet: str, cell: str = "") -> str:
        return f"{self.path} [{sheet}!{cell}]" if cell else f"{self.path} [{sheet}]"

    def problem(self, sheet: str, cell: str, message: str) -> None:
        self.problems.append(Problem(self.where(sheet, cell), "", message))

    def sheet(self, name: str, required: bool = True) -> Worksheet | None:
        if name in self.formulas.sheetnames:
            try:
                return self.formulas[name]
            except XlsxError as exc:
                raise ScenarioError([Problem(f"{self.path} [{name}]", "", f"cannot read the sheet: {exc}")]) from None
        if required:
            self.problems.append(Problem(
                f"{self.path} [{name}]", "",
                f"the workbook has no sheet named {name!r} (sheets: "
                f"{', '.join(self.formulas.sheetnames)}); export a template with `svmodel export`"))
        return None

    def get(self, ws: Worksheet, row: int, column: int) -> Any:
        """The cell's value: typed inputs as they are; formulas by their saved result.

        Text that `svmodel export` neutralised (a leading quote before =, +, -, @) is read
        back as typed, so an export and import round trip keeps it."""
        cell = ws.cell(row, column)
        if cell is None:
            return None
        raw = cell.value
        if cell.unsaved_formula:
            shown = f" (={cell.formula})" if cell.formula else ""
            self.problem(ws.title, coordinate(row, column),
                         f"holds a formula{shown[:80]} with no saved result; type the value, or open "
                         "and save the workbook in a spreadsheet program first")
            return None
        if cell.formula is None:
            raw = restore_cell(raw)
        if isinstance(raw, str):
            raw = raw.strip()
            if raw in _ERROR_VALUES:
                self.problem(ws.title, cell.coordinate, f"holds the error value {raw}")
                return None
            return raw or None
        if isinstance(raw, float) and raw.is_integer() and abs(raw) < 2**53:
            return int(raw)
        return raw


def _find_header(reader: _Reader, ws: Worksheet, columns: tuple[L.Column, ...],
                 required: tuple[str, ...]) -> tuple[int, dict[str, int]] | None:
    """The header row and a map from column key to column index; problems if not found."""
    lookup: dict[str, str] = {}
    for column in columns:
        for alias in _aliases(column):
            lookup.setdefault(alias, column.key)
    best: tuple[int, dict[str, int]] | None = None
    for row in range(1, min(ws.max_row, _HEADER_SCAN_ROWS) + 1):
        found: dict[str, int] = {}
        for col in ws.columns_in(row):
            key = lookup.get(L.normalise_label(ws.value(row, col)))
            if key and key not in found:
                found[key] = col
        if len(found) >= 2 and (best is None or len(found) > len(best[1])):
            best = (row, found)
    if best is None:
        reader.problem(ws.title, "A1", "no header row found: expected column headings such as "
                       + ", ".join(repr(c.label) for c in columns if c.key in required))
        return None
    row, found = best
    for key in required:
        if key not in found:
            label = next(c.label for c in columns if c.key == key)
            reader.problem(ws.title, f"A{row}", f"no column headed {label!r} in the header row {row}")
    return best


def _fraction_or_text(value: Any) -> Any:
    """Spreadsheet percentages typed as text ('3.5%') become fractions for the discount rate."""
    if isinstance(value, str) and value.endswith("%"):
        try:
            return float(value[:-1]) / 100
        except ValueError:
            return value
    return value


def _flag(value: Any) -> Any:
    if isinstance(value, str):
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
    if isinstance(value, int) and not isinstance(value, bool) and value in (0, 1):
        return bool(value)
    return value


def _read_settings(reader: _Reader, out: ImportedWorkbook) -> None:
    ws = reader.sheet(L.SCENARIO)
    if ws is None:
        return
    labels = {L.normalise_label(label): (key, label) for key, label, _ in L.SETTINGS}
    labels.update({L.normalise_label(key): (key, label) for key, label, _ in L.SETTINGS})
    found: dict[str, tuple[Any, str]] = {}
    for row in range(1, min(ws.max_row, 60) + 1):
        match = labels.get(L.normalise_label(ws.value(row, 1)))
        if match and match[0] not in found:
            found[match[0]] = (reader.get(ws, row, 2), f"B{row}")
    data = out.data
    sheet = L.SCENARIO

    def put(key: str, path: str, value: Any) -> None:
        out.cells[path] = f"{sheet}!{found[key][1]}" if key in found else f"{sheet}!A1"
        if value is not None:
            data[path.split(".")[-1]] = value

    version = found.get("svmodel", (None, ""))[0]
    if "svmodel" not in found:
        out.warnings.append(f"{sheet}: no 'svmodel schema version' row; assumed version 1")
        version = 1
    put("svmodel", "svmodel", version)
    for key in ("name", "organisation", "description", "kind", "price_year"):
        value = found.get(key, (None, ""))[0]
        if key in ("name", "organisation", "description") and value is not None:
            value = str(value)
        put(key, key, value)
    discounting: dict[str, Any] = {}
    for key in ("rate", "first_year_discounted"):
        value = found.get(key, (None, ""))[0]
        if key not in found:
            out.warnings.append(f"{sheet}: no {dict((k, l) for k, l, _ in L.SETTINGS)[key]!r} row; "
                                "the default applies")
        out.cells[f"discounting.{key}"] = f"{sheet}!{found[key][1]}" if key in found else f"{sheet}!A1"
        if value is not None:
            discounting[key] = _fraction_or_text(value) if key == "rate" else _flag(value)
    out.cells["discounting"] = f"{sheet}!A1"
    if discounting:
        data["discounting"] = discounting
    include = found.get("include_transfers", (None, ""))[0]
    if include is not None:
        data["include_transfers"] = _flag(include)
        out.cells["include_transfers"] = f"{sheet}!{found['include_transfers'][1]}"
    packs = found.get("proxies", (None, ""))[0]
    if packs:
        data["proxies"] = [p.strip() for p in str(packs).split(";") if p.strip()]
        out.cells["proxies"] = f"{sheet}!{found['proxies'][1]}"


def _rows(reader: _Reader, ws: Worksheet, header: int, columns: dict[str, int],
          specs: tuple[L.Column, ...], stop_at_total: bool = False) -> list[tuple[int, dict[str, Any]]]:
    inputs = [key for key in columns if not next(c for c in specs if c.key == key).formula]
    rows = []
    for row in ws.row_numbers(after=header):
        if stop_at_total and L.normalise_label(ws.value(row, 1)) == "total":
            break
        values = {key: reader.get(ws, row, columns[key]) for key in inputs}
        if all(v is None for v in values.values()):
            continue
        rows.append((row, values))
    return rows


def _cell(sheet: str, columns: dict[str, int], key: str, row: int) -> str:
    return f"{sheet}!{get_column_letter(columns.get(key, 1))}{row}"


def _read_inputs(reader: _Reader, out: ImportedWorkbook) -> None:
    ws = reader.sheet(L.INPUTS)
    if ws is None:
        return
    found = _find_header(reader, ws, L.INPUT_COLUMNS, ("stakeholder", "amount"))
    if found is None:
        return
    header, columns = found
    out.cells["inputs"] = f"{L.INPUTS}!A{header}"
    items = []
    for index, (row, values) in enumerate(_rows(reader, ws, header, columns, L.INPUT_COLUMNS,
                                                stop_at_total=True)):
        item = {}
        for key in ("stakeholder", "description", "amount", "year", "notes"):
            out.cells[f"inputs[{index}].{key}"] = _cell(L.INPUTS, columns, key, row)
            value = values.get(key)
            if value is not None:
                item[key] = str(value) if key in ("stakeholder", "description", "notes") else value
        out.cells[f"inputs[{index}]"] = f"{L.INPUTS}!A{row}"
        items.append(item)
    out.data["inputs"] = items


def _same_price_year(raw: Any, year: PriceYear) -> bool:
    try:
        return PriceYear.parse(raw) == year
    except PriceYearError:
        return False


def _library_for(data: dict[str, Any], library: ProxyLibrary | None, base_dir: Path) -> ProxyLibrary:
    library = library or default_library()
    for pack in data.get("proxies") or []:
        try:
            library = library.with_pack(base_dir / pack)
        except (OSError, ProxyLibraryError):
            pass  # validation reports the unreadable pack with its cell
    return library


def _read_outcomes(reader: _Reader, out: ImportedWorkbook, library: ProxyLibrary) -> None:
    ws = reader.sheet(L.VALUE_MAP)
    if ws is None:
        return
    found = _find_header(reader, ws, L.VALUE_MAP_COLUMNS, ("stakeholder", "outcome", "quantity"))
    if found is None:
        return
    header, columns = found
    sheet = L.VALUE_MAP
    out.cells["outcomes"] = f"{sheet}!A{header}"
    outcomes = []
    for index, (row, values) in enumerate(_rows(reader, ws, header, columns, L.VALUE_MAP_COLUMNS)):
        where = lambda key: _cell(sheet, columns, key, row)  # noqa: E731
        base = f"outcomes[{index}]"
        out.cells[base] = f"{sheet}!A{row}"
        outcome: dict[str, Any] = {}
        if values.get("id") is None:
            values["id"] = f"outcome_{row}"
            out.warnings.append(f"{where('id')}: no outcome id; named it {values['id']!r}")
        for key in ("id", "stakeholder", "outcome", "measure", "indicator", "quantity"):
            out.cells[f"{base}.{key}"] = where(key)
            if values.get(key) is not None:
                text = key in ("id", "stakeholder", "outcome", "measure", "indicator")
                outcome[key] = str(values[key]) if text else values[key]
        proxy_id = values.get("proxy")
        out.cells[f"{base}.proxy"] = where("proxy")
        out.cells[f"{base}.value"] = where("amount")
        for key, column in (("amount", "amount"), ("price_year", "price_year"), ("source", "source"),
                            ("unit", "unit"), ("url", "url"), ("licence", "licence"),
                            ("value_type", "value_type"), ("beneficiary", "beneficiary")):
            out.cells[f"{base}.value.{key}"] = where(column)
        notes = values.get("notes")
        amount, price_year = values.get("amount"), values.get("price_year")
        if proxy_id is not None:
            proxy_id = str(proxy_id)
            proxy = library.proxies.get(proxy_id)
            edited = proxy is not None and (
                (amount is not None and not (isinstance(amount, (int, float))
                                             and math.isclose(amount, proxy.value, rel_tol=1e-12)))
                or (price_year is not None and not _same_price_year(price_year, proxy.price_year)))
            if not edited:
                outcome["proxy"] = proxy_id
            else:
                assert proxy is not None
                outcome["value"] = _inline(values, fallback=proxy)
                note = (f"Value edited in a workbook: library proxy {proxy_id} is GBP "
                        f"{proxy.value:,.2f} in {proxy.price_year.label} prices.")
                notes = f"{notes} {note}" if notes else note
                out.warnings.append(f"{where('amount')}: proxy {proxy_id} has a value or price year "
                                    "that differs from the library's; imported as an inline value "
                                    "citing the workbook's source")
        else:
            outcome["value"] = _inline(values)
        for key in ("deadweight", "displacement", "attribution", "drop_off", "duration", "start_year"):
            out.cells[f"{base}.{key}"] = where(key)
            if values.get(key) is not None:
                outcome[key] = values[key]
        out.cells[f"{base}.notes"] = where("notes")
        if notes is not None:
            outcome["notes"] = str(notes)
        outcomes.append(outcome)
    out.data["outcomes"] = outcomes


def _inline(values: dict[str, Any], fallback: Any = None) -> dict[str, Any]:
    """An inline value {amount, price_year, source, ...} from a Value Map row."""
    value: dict[str, Any] = {}
    defaults = {}
    if fallback is not None:
        defaults = {"amount": fallback.value, "price_year": fallback.price_year.label,
                    "source": fallback.source, "unit": fallback.unit, "url": fallback.url,
                    "licence": fallback.licence, "value_type": fallback.value_type,
                    "beneficiary": fallback.beneficiary}
    for key in ("amount", "price_year", "source", "unit", "url", "licence", "value_type", "beneficiary"):
        item = values.get(key)
        if item is None:
            item = defaults.get(key) or None
        if item is not None:
            value[key] = str(item) if key not in ("amount", "price_year") else item
    return value


def _read_uncertainty(reader: _Reader, out: ImportedWorkbook) -> None:
    ws = reader.sheet(L.UNCERTAINTY, required=False)
    if ws is None:
        return
    header = None
    for row in range(1, min(ws.max_row, _HEADER_SCAN_ROWS) + 1):
        if L.normalise_label(ws.value(row, 1)) == L.normalise_label(L.UNCERTAINTY_KEY):
            header = row
            break
    if header is None:
        return
    names = {col: str(ws.value(header, col)).strip()
             for col in ws.columns_in(header) if col >= 2 and ws.value(header, col)}
    spec: dict[str, dict[str, Any]] = {}
    for row in ws.row_numbers(after=header):
        parameter = reader.get(ws, row, 1)
        if parameter is None:
            continue
        entry: dict[str, Any] = {}
        for col in ws.columns_in(row):  # the row's own cells: work grows with the cells, not the header
            name = names.get(col)
            if name is None:
                continue
            value = reader.get(ws, row, col)
            if isinstance(value, str) and value[:1] in "[{":
                try:
                    value = json.loads(value)
                except (ValueError, RecursionError):  # RecursionError: nested thousands deep
                    shown = repr(value) if len(value) <= 60 else repr(value[:60]) + "..."
                    reader.problem(L.UNCERTAINTY, f"{get_column_letter(col)}{row}",
                                   f"{shown} is not a valid list or mapping")
                    value = None
            if value is not None:
                entry[name] = value
        key = str(parameter)
        if key in spec:
            reader.problem(L.UNCERTAINTY, f"A{row}", f"parameter {key!r} is given twice")
        spec[key] = entry
        out.cells[f"uncertainty.{key}"] = f"{L.UNCERTAINTY}!A{row}"
    out.cells["uncertainty"] = f"{L.UNCERTAINTY}!A{header}"
    if spec:
        out.data["uncertainty"] = spec


def read_workbook(path: str | os.PathLike[str], library: ProxyLibrary | None = None,
                  base_dir: Path | None = None) -> ImportedWorkbook:
    """Read the workbook's input cells as scenario data (not yet validated).

    Raises ScenarioError for a workbook that cannot be read or lacks the layout's sheets or
    columns; each problem names the sheet and the cell.
    """
    path = Path(path)
    if not path.exists():
        raise ScenarioError([Problem(str(path), "", "no such file")])
    reader = _Reader(path)
    out = ImportedWorkbook(data={})
    _read_settings(reader, out)
    library = _library_for(out.data, library, base_dir or path.parent)
    _read_inputs(reader, out)
    _read_outcomes(reader, out, library)
    _read_uncertainty(reader, out)
    if reader.problems:
        raise ScenarioError(reader.problems)
    order = ("svmodel", "name", "organisation", "description", "kind", "price_year",
             "discounting", "proxies", "inputs", "outcomes", "uncertainty")
    out.data = {key: out.data[key] for key in order if key in out.data}
    return out


def _cell_for(path: str, cells: dict[str, str]) -> str:
    """The cell for a field path, or for its nearest enclosing field."""
    current = path
    while current:
        if current in cells:
            return cells[current]
        shorter = re.sub(r"(\.[^.\[\]]+|\[\d+\])$", "", current)
        if shorter == current:
            break
        current = shorter
    return ""


def import_workbook(path: str | os.PathLike[str], library: ProxyLibrary | None = None,
                    base_dir: Path | None = None) -> tuple[Scenario, ImportedWorkbook]:
    """Read and validate a Value Map workbook.

    `base_dir` is where the scenario file will live (proxy pack paths are relative to it).
    Raises ScenarioError whose problems name the workbook, the sheet and cell, the scenario
    field and what was expected.
    """
    path = Path(path)
    base_dir = base_dir or path.parent
    imported = read_workbook(path, library, base_dir)
    try:
        scenario = validate_data(imported.data, library, str(path), base_dir=base_dir)
    except ScenarioError as exc:
        problems = []
        for problem in exc.problems:
            cell = _cell_for(problem.path, imported.cells)
            where = f"{path} [{cell}]" if cell else str(path)
            problems.append(Problem(where, problem.path, problem.message))
        raise ScenarioError(problems) from None
    return scenario, imported
