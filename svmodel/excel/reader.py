"""Read a Value Map workbook (svmodel's layout) back into a scenario.

The workbook may be one `svmodel export` wrote and a reviewer then edited, or the exported
template filled in by hand. Only input cells are read; formula columns (deflator factor,
value in scenario prices, impact, everything on the Social Return sheet) are recomputed by
svmodel from the inputs. Columns and settings are found by their header text, so reordered
columns still import. Validation is all or nothing (as for scenario files): every problem is
reported, each naming the sheet, the cell and what is wrong.

Besides the figures, import reads the narrative (issue 15: the Scope and Stakeholders sheet and
the Value Map's change, output, description, evidence and reason columns), the business case
(issue 14: cohort funnels, agencies, cost types, cashable shares, grades and their correction
table, optimism bias, conventions) and issue 16's wellbeing lines, local shares, overlaps and
LM3, so a scenario survives YAML -> xlsx -> YAML unchanged.

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
from svmodel.scenario.narrative import REASON_FIELDS
from svmodel.scenario.loading import CONVENTION_PROFILES
from svmodel.util.xlsx import Sheet as Worksheet
from svmodel.util.xlsx import XlsxError, coordinate, read_xlsx
from svmodel.util.xlsx import column_letter as get_column_letter

_HEADER_SCAN_ROWS = 15
#: What `_Reader.get(..., formula_ok=True)` returns for a formula cell.
FORMULA = object()
_ERROR_VALUES = {"#VALUE!", "#REF!", "#NAME?", "#DIV/0!", "#N/A", "#NUM!", "#NULL!"}
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


@dataclass
class ImportedWorkbook:
    """Scenario data read from a workbook, with where each field came from."""

    data: dict[str, Any]
    cells: dict[str, str] = field(default_factory=dict)  # field path -> "Sheet!A1"
    warnings: list[str] = field(default_factory=list)
    # Problems that leave the scenario data readable (reported with validation's, all at once)
    problems: list[Problem] = field(default_factory=list)


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

    def get(self, ws: Worksheet, row: int, column: int, formula_ok: bool = False) -> Any:
        """The cell's value: typed inputs as they are; formulas by their saved result.

        Text that `svmodel export` neutralised (a leading quote before =, +, -, @) is read
        back as typed, so an export and import round trip keeps it. With `formula_ok`, a
        formula gives FORMULA (its result is svmodel's to compute, e.g. a funnel's quantity)."""
        cell = ws.cell(row, column)
        if cell is None:
            return None
        raw = cell.value
        if formula_ok and cell.formula is not None:
            return FORMULA
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
                 required: tuple[str, ...], quiet: bool = False) -> tuple[int, dict[str, int]] | None:
    """The header row and a map from column key to column index; problems if not found
    (`quiet`: an optional table, None without a problem when no header row is there)."""
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
        if len(found) >= min(2, len(columns)) and (best is None or len(found) > len(best[1])):
            best = (row, found)
    if best is None and quiet:
        return None
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


def _label_values(reader: _Reader, ws: Worksheet,
                  table: tuple[tuple[str, str, str], ...]) -> dict[str, tuple[Any, str]]:
    """Settings found by their label (or key) in column A: key -> (value in B, its cell)."""
    labels = {L.normalise_label(label): key for key, label, _ in table}
    labels.update({L.normalise_label(key): key for key, _, _ in table})
    found: dict[str, tuple[Any, str]] = {}
    for row in range(1, min(ws.max_row, 60) + 1):
        key = labels.get(L.normalise_label(ws.value(row, 1)))
        if key and key not in found:
            found[key] = (reader.get(ws, row, 2), f"B{row}")
    return found


def _text(value: Any) -> str | None:
    """A text cell's content as text (a number typed in a text column stays as typed)."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _read_settings(reader: _Reader, out: ImportedWorkbook) -> None:
    ws = reader.sheet(L.SCENARIO)
    if ws is None:
        return
    legacy = (("description", "Description", ""),)  # workbooks before issue 15 kept it here
    found = _label_values(reader, ws, L.SETTINGS + legacy)
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
    for key in ("name", "organisation", "description", "kind", "price_year", "conventions",
                "deflator_vintage", "area"):
        value = found.get(key, (None, ""))[0]
        if key not in ("price_year",):
            value = _text(value)
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
    profile = CONVENTION_PROFILES.get(str(data.get("conventions")))
    if profile is not None and (discounting.get("rate"), discounting.get("first_year_discounted")) == profile:
        discounting = {}  # the profile fixes discounting: the workbook shows what it fixes
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


def _read_narrative(reader: _Reader, out: ImportedWorkbook) -> None:
    """Issue 15: description, scope, materiality, limitations and the stakeholder groups."""
    ws = reader.sheet(L.NARRATIVE, required=False)
    if ws is None:
        return
    sheet = L.NARRATIVE
    for key, (value, cell) in _label_values(reader, ws, L.NARRATIVE_SETTINGS).items():
        out.cells[key] = f"{sheet}!{cell}"
        if value is not None:
            out.data[key] = _text(value)
    found = _find_header(reader, ws, L.STAKEHOLDER_COLUMNS, ("name",), quiet=True)
    if found is None:
        return
    header, columns = found
    out.cells["stakeholders"] = f"{sheet}!A{header}"
    groups = []
    for index, (row, values) in enumerate(_rows(reader, ws, header, columns, L.STAKEHOLDER_COLUMNS)):
        group: dict[str, Any] = {}
        for key in ("name", "involvement", "included", "reason"):
            out.cells[f"stakeholders[{index}].{key}"] = _cell(sheet, columns, key, row)
            value = values.get(key)
            if value is not None:
                group[key] = _flag(value) if key == "included" else _text(value)
        out.cells[f"stakeholders[{index}]"] = f"{sheet}!A{row}"
        groups.append(group)
    if groups:
        out.data["stakeholders"] = groups


def _rows(reader: _Reader, ws: Worksheet, header: int, columns: dict[str, int],
          specs: tuple[L.Column, ...], stop_at_total: bool = False,
          lenient: tuple[str, ...] = ()) -> list[tuple[int, dict[str, Any]]]:
    """Each non-blank row's input cells by column key (`lenient` keys may hold a formula: FORMULA)."""
    inputs = [key for key in columns if not next(c for c in specs if c.key == key).formula]
    rows = []
    for row in ws.row_numbers(after=header):
        if stop_at_total and L.normalise_label(ws.value(row, 1)) == "total":
            break
        values = {key: reader.get(ws, row, columns[key], formula_ok=key in lenient) for key in inputs}
        if all(v is None or v is FORMULA for v in values.values()):
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
        for key in ("stakeholder", "description", "agency", "type", "amount", "year", "notes"):
            out.cells[f"inputs[{index}].{key}"] = _cell(L.INPUTS, columns, key, row)
            value = values.get(key)
            if value is not None:
                item[key] = value if key in ("amount", "year") else _text(value)
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


def _read_outcomes(reader: _Reader, out: ImportedWorkbook, library: ProxyLibrary,
                   cohorts: dict[str, dict[str, Any]]) -> None:
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
    for index, (row, values) in enumerate(_rows(reader, ws, header, columns, L.VALUE_MAP_COLUMNS,
                                                lenient=("quantity",))):
        where = lambda key: _cell(sheet, columns, key, row)  # noqa: E731
        base = f"outcomes[{index}]"
        out.cells[base] = f"{sheet}!A{row}"
        outcome: dict[str, Any] = {}
        if values.get("id") is None:
            values["id"] = f"outcome_{row}"
            out.warnings.append(f"{where('id')}: no outcome id; named it {values['id']!r}")
        text_keys = ("id", "stakeholder", "outcome", "measure", "indicator", "change", "output",
                     "description", "evidence")
        for key in text_keys:
            out.cells[f"{base}.{key}"] = where(key)
            if values.get(key) is not None:
                outcome[key] = _text(values[key])
        outcome_id = str(outcome["id"])
        # The quantity: typed; or derived by a formula from a cohort funnel (issue 14) or a
        # wellbeing line's people x change (issue 16), which svmodel recomputes.
        out.cells[f"{base}.quantity"] = where("quantity")
        quantity = values.get("quantity")
        people, change = values.get("people"), values.get("life_satisfaction_change")
        wellby = people is not None or change is not None
        funnel = cohorts.pop(outcome_id, None)
        if quantity is FORMULA:
            if funnel is None and not wellby:
                quantity = reader.get(ws, row, columns["quantity"])  # its saved result, or a problem
            else:
                quantity = None
        if quantity is not None:
            outcome["quantity"] = quantity
        if funnel is not None:
            outcome["cohort"] = funnel["cohort"]
            out.cells.update({f"{base}.cohort{path}": cell for path, cell in funnel["cells"].items()})
        if wellby:
            outcome["wellby"] = {k: v for k, v in (("life_satisfaction_change", change), ("people", people),
                                                   ("source", _text(values.get("wellby_source"))))
                                 if v is not None}
            for key, column in (("life_satisfaction_change", "life_satisfaction_change"),
                                ("people", "people"), ("source", "wellby_source")):
                out.cells[f"{base}.wellby.{key}"] = where(column)
            out.cells[f"{base}.wellby"] = where("people")
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
        elif not wellby or amount is not None:  # a wellbeing line defaults to the WELLBY value
            outcome["value"] = _inline(values)
        for key in ("deadweight", "displacement", "attribution", "drop_off", "duration", "start_year",
                    "local_share", "cashable", "cashable_from_year", "grade"):
            out.cells[f"{base}.{key}"] = where(key)
            if values.get(key) is not None:
                outcome[key] = values[key]
        for key in ("area", "agency", "discount_schedule"):
            out.cells[f"{base}.{key}"] = where(key)
            if values.get(key) is not None:
                outcome[key] = _text(values[key])
        out.cells[f"{base}.disbenefit"] = where("disbenefit")
        if values.get("disbenefit") is not None:
            outcome["disbenefit"] = _flag(values["disbenefit"])
        reasons = {}
        for name in REASON_FIELDS:
            out.cells[f"{base}.reasons.{name}"] = where(f"reason_{name}")
            if values.get(f"reason_{name}") is not None:
                reasons[name] = _text(values[f"reason_{name}"])
        out.cells[f"{base}.reasons"] = where("reason_quantity")
        if reasons:
            outcome["reasons"] = reasons
        out.cells[f"{base}.notes"] = where("notes")
        if notes is not None:
            outcome["notes"] = str(notes)
        outcomes.append(outcome)
    out.data["outcomes"] = outcomes
    for outcome_id, funnel in cohorts.items():  # funnels whose outcome is not on the Value Map
        out.problems.append(Problem(reader.where(L.COHORTS, funnel["where"]), "",
                                    f"outcome id {outcome_id!r} is not on the {L.VALUE_MAP} sheet; "
                                    "every funnel row names the outcome it feeds"))


def _read_cohorts(reader: _Reader) -> dict[str, dict[str, Any]]:
    """Issue 14: each outcome's cohort funnel from the Cohorts sheet, by outcome id:
    {"cohort": {need, engagement, success}, "cells": {".need[0]": "Cohorts!C4", ...}, "where"}.
    A part equal in every programme year is given as one number (as a scenario file would)."""
    ws = reader.sheet(L.COHORTS, required=False)
    if ws is None:
        return {}
    found = _find_header(reader, ws, L.COHORT_COLUMNS, ("id", "need", "engagement", "success"), quiet=True)
    if found is None:
        return {}
    header, columns = found
    rows: dict[str, list[tuple[Any, int, dict[str, Any]]]] = {}
    for row, values in _rows(reader, ws, header, columns, L.COHORT_COLUMNS):
        outcome_id = _text(values.get("id"))
        if outcome_id is None:
            reader.problem(L.COHORTS, _cell(L.COHORTS, columns, "id", row).split("!")[1],
                           "is missing: name the outcome id this funnel row feeds")
            continue
        year = values.get("programme_year")
        rows.setdefault(outcome_id, []).append((year if isinstance(year, (int, float)) else row, row, values))
    funnels: dict[str, dict[str, Any]] = {}
    for outcome_id, entries in rows.items():
        entries.sort(key=lambda e: e[0])
        parts: dict[str, Any] = {}
        cells: dict[str, str] = {}
        for part in ("need", "engagement", "success"):
            series = [values.get(part) for _, _, values in entries]
            for k, (_, row, _) in enumerate(entries):
                cells[f".{part}[{k}]"] = _cell(L.COHORTS, columns, part, row)
            cells[f".{part}"] = _cell(L.COHORTS, columns, part, entries[0][1])
            parts[part] = series
        several = len(entries) > 1
        constant = {p: len(set(map(repr, v))) == 1 for p, v in parts.items()}
        if not several or not all(constant.values()):
            parts = {p: (v[0] if constant[p] else v) for p, v in parts.items()}
        cells[""] = f"{L.COHORTS}!A{entries[0][1]}"
        funnels[outcome_id] = {"cohort": parts, "cells": cells,
                               "where": _cell(L.COHORTS, columns, "id", entries[0][1]).split("!")[1]}
    return funnels


def _read_business_case(reader: _Reader, out: ImportedWorkbook) -> None:
    """Issue 14: optimism bias and the confidence-grade correction table."""
    ws = reader.sheet(L.BUSINESS_CASE, required=False)
    if ws is None:
        return
    sheet = L.BUSINESS_CASE
    found = _label_values(reader, ws, L.BUSINESS_SETTINGS)
    value = lambda key: found.get(key, (None, ""))[0]  # noqa: E731
    cell = lambda key: f"{sheet}!{found[key][1]}" if key in found else f"{sheet}!A1"  # noqa: E731
    if value("ob_category") is not None or value("ob_uplift") is not None:
        ob: dict[str, Any] = {}
        if value("ob_category") is not None:
            ob["category"] = _text(value("ob_category"))
        if value("ob_uplift") is not None:
            ob["uplift"] = _fraction_or_text(value("ob_uplift"))
        if value("ob_source") is not None:
            ob["source"] = _text(value("ob_source"))
        if value("ob_applies_to") is not None:
            ob["applies_to"] = _text(value("ob_applies_to"))
        out.data["optimism_bias"] = ob
        for key, field_name in (("ob_category", "category"), ("ob_uplift", "uplift"),
                                ("ob_source", "source"), ("ob_applies_to", "applies_to")):
            out.cells[f"optimism_bias.{field_name}"] = cell(key)
        out.cells["optimism_bias"] = cell("ob_category")
    header = None
    for row in range(1, min(ws.max_row, 40) + 1):
        if L.normalise_label(ws.value(row, 1)) == L.normalise_label("Confidence grade"):
            header = row
            break
    corrections: dict[int, Any] = {}
    if header is not None:
        for row in range(header + 1, header + 1 + len(L.GRADES)):
            grade, correction = reader.get(ws, row, 1), reader.get(ws, row, 2)
            if correction is None:
                continue
            if not isinstance(grade, int) or grade not in L.GRADES:
                reader.problem(sheet, f"A{row}", f"{grade!r} is not a confidence grade; expected a "
                                                 "whole number from 1 to 6")
                continue
            corrections[grade] = _fraction_or_text(correction)
            out.cells[f"confidence_grades.corrections.{grade}"] = f"{sheet}!B{row}"
        out.cells["confidence_grades.corrections"] = f"{sheet}!B{header}"
    if corrections or value("grades_source") is not None:
        out.data["confidence_grades"] = {"corrections": corrections}
        if value("grades_source") is not None:
            out.data["confidence_grades"]["source"] = _text(value("grades_source"))
        out.cells["confidence_grades"] = out.cells["confidence_grades.source"] = cell("grades_source")


def _read_overlaps(reader: _Reader, out: ImportedWorkbook) -> None:
    """Issue 16: the justification of each flagged overlap."""
    ws = reader.sheet(L.OVERLAPS, required=False)
    if ws is None:
        return
    found = _find_header(reader, ws, L.OVERLAP_COLUMNS, ("line_a", "line_b", "reason"), quiet=True)
    if found is None:
        return
    header, columns = found
    sheet = L.OVERLAPS
    overlaps = []
    for index, (row, values) in enumerate(_rows(reader, ws, header, columns, L.OVERLAP_COLUMNS)):
        base = f"overlaps[{index}]"
        item: dict[str, Any] = {"lines": [_text(values.get("line_a")), _text(values.get("line_b"))]}
        for key in ("reason", "decision", "exclude"):
            out.cells[f"{base}.{key}"] = _cell(sheet, columns, key, row)
            if values.get(key) is not None:
                item[key] = _text(values[key])
        out.cells[f"{base}.lines"] = _cell(sheet, columns, "line_a", row)
        out.cells[f"{base}.lines[1]"] = _cell(sheet, columns, "line_b", row)
        out.cells[base] = f"{sheet}!A{row}"
        overlaps.append(item)
    out.cells["overlaps"] = f"{sheet}!A{header}"
    if overlaps:
        out.data["overlaps"] = overlaps


def _read_lm3(reader: _Reader, out: ImportedWorkbook) -> None:
    """Issue 16: the LM3 section (area, round 1 income, round 2 spend and its re-spend)."""
    ws = reader.sheet(L.LM3, required=False)
    if ws is None:
        return
    sheet = L.LM3
    settings = _label_values(reader, ws, L.LM3_SETTINGS)
    section: dict[str, Any] = {}
    for key, (value, cell) in settings.items():
        out.cells[f"lm3.{key}"] = f"{sheet}!{cell}"
        if value is not None:
            section[key] = value if key == "income" else _text(value)
    found = _find_header(reader, ws, L.LM3_COLUMNS, ("name", "amount"), quiet=True)
    spend = []
    if found is not None:
        header, columns = found
        out.cells["lm3.spend"] = f"{sheet}!A{header}"
        for index, (row, values) in enumerate(_rows(reader, ws, header, columns, L.LM3_COLUMNS)):
            item: dict[str, Any] = {}
            for key in ("name", "kind", "amount", "local_respend", "source"):
                out.cells[f"lm3.spend[{index}].{key}"] = _cell(sheet, columns, key, row)
                if values.get(key) is not None:
                    item[key] = values[key] if key in ("amount", "local_respend") else _text(values[key])
            out.cells[f"lm3.spend[{index}]"] = f"{sheet}!A{row}"
            spend.append(item)
    if spend:
        section["spend"] = spend
    if section:
        out.cells["lm3"] = f"{sheet}!A1"
        out.data["lm3"] = section


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
        if L.UNCERTAINTY_JSON in entry:  # issue 16: shared distributions, correlations
            entry = entry[L.UNCERTAINTY_JSON]
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
    _read_narrative(reader, out)
    library = _library_for(out.data, library, base_dir or path.parent)
    _read_business_case(reader, out)
    _read_inputs(reader, out)
    _read_outcomes(reader, out, library, _read_cohorts(reader))
    _read_overlaps(reader, out)
    _read_lm3(reader, out)
    _read_uncertainty(reader, out)
    if reader.problems:
        raise ScenarioError(reader.problems + out.problems)
    order = ("svmodel", "name", "organisation", "description", "scope", "stakeholders",
             "materiality", "limitations", "kind", "price_year", "conventions", "deflator_vintage",
             "discounting", "include_transfers", "proxies", "area", "optimism_bias",
             "confidence_grades", "inputs", "outcomes", "overlaps", "lm3", "uncertainty")
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
        problems = list(imported.problems)
        for problem in exc.problems:
            cell = _cell_for(problem.path, imported.cells)
            where = f"{path} [{cell}]" if cell else str(path)
            problems.append(Problem(where, problem.path, problem.message))
        raise ScenarioError(problems) from None
    if imported.problems:
        raise ScenarioError(imported.problems)
    return scenario, imported
