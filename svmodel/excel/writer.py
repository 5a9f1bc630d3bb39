"""Export a scenario as a Social Value UK Value Map workbook with live formulas.

Every result in the workbook is a formula over the input cells (yellow), so a reviewer can
audit and change any input and see the result move:

- Deflator factor = GDP deflator index of the scenario price year / index of the proxy's price
  year (financial years: 0.75 x index(y) + 0.25 x index(y + 1)); value = proxy value x factor,
  negative for a disbenefit (HM Treasury Green Book 2022, section 5 and Annex A6: real prices).
- Quantity: typed; or a cohort funnel, the sum over programme years of need x engagement x
  success (HM Treasury / GMCA 2014 CBA guidance; Cohorts sheet); or, for a wellbeing line,
  people x change in life satisfaction (HM Treasury Wellbeing Guidance 2021).
- Impact = quantity x value x local share x (1 - deadweight) x (1 - displacement) x
  (1 - attribution) (SROI Guide 2012, stage 4; HCA Additionality Guide 2014, 4.2 for leakage).
- Value in year t = impact x (1 - drop-off)^(t - start) for start <= t < start + duration
  (SROI Guide stage 4, drop-off); a funnel's cohort of programme year k starts in year
  start + k - 1. The year grid runs to `layout.GRID_YEARS` (or the scenario's horizon if longer),
  stated in the sheet and enforced by data validation, so lengthening a duration in the workbook
  keeps every result right.
- Discount factor D(s) = D(s - 1) x 1 / (1 + rate in year s), D(0) = 1: a flat rate, or a Green
  Book declining schedule (Annex A6, Tables 8 and 9) as a per-year rate column; outcome year t
  uses D(t) when the first year is discounted (SROI Guide stage 5), else D(t - 1); an input in
  year y uses D(y); lines on the health schedule use the Green Book health rates.
- PV = sum of value x factor over counted lines (transfers and lines an overlap decision leaves
  out are not counted); NPV = PV - PV of inputs; SROI ratio = PV / PV of inputs; payback
  (months) = 12 (F - 1) + PV of inputs / (value in year F / 12), F the first outcome year with a
  positive total value (SROI Guide stage 5, respecting start years: issue 14).
- Business case (issue 14): each line's PV x (1 - grade correction) (GMCA 2014 confidence
  grades), costs x (1 + optimism bias uplift) where it applies (Green Book supplementary
  guidance, Mott MacDonald 2002); net present public value and benefit-cost ratio.
- LM3 = (round 1 + round 2 + round 3) / round 1 (NEF, The Money Trail, 2002), beside the SROI
  figures, never added to them.

The figures svmodel computed at export time stand beside the live ones, so any disagreement is
visible. Every user-typed text goes through svmodel.util.safety.neutralise_cell.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from svmodel import __version__
from svmodel.business_case.agencies import default_agencies
from svmodel.business_case.corrections import optimism_bias_table
from svmodel.excel import layout as L
from svmodel.excel.business_case import check_workbook_supports
from svmodel.engine import GREEN_BOOK_BANDS, GREEN_BOOK_HEALTH_BANDS, GREEN_BOOK_NO_CATASTROPHIC_RISK_BANDS
from svmodel.library.deflators import PriceYear
from svmodel.parameters import PARAMETERS
from svmodel.results import Results, calculate
from svmodel.scenario import Scenario
from svmodel.scenario.narrative import REASON_FIELDS
from svmodel.util.atomic import write_bytes_atomic
from svmodel.util.safety import neutralise_cell
from svmodel.util.sheet_print import a4_landscape

INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
TOTAL_FILL = PatternFill("solid", fgColor="DDEBF7")
STAGE_FILLS = ("C00000", "ED7D31", "548235", "7030A0", "2F5597", "595959")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=14)
BOLD = Font(bold=True)
QUESTION_FONT = Font(italic=True, size=9, color="404040")
WRAP = Alignment(wrap_text=True, vertical="top")

# Value Map table geometry: banner row, question row, label row, then one row per outcome.
VM_BANNER, VM_QUESTION, VM_HEADER, VM_FIRST = 1, 2, 3, 4
IN_QUESTION, IN_HEADER, IN_FIRST = 2, 3, 4
TABLE_HEADER, TABLE_FIRST = 3, 4  # Cohorts, Overlaps: header row and first data row
SPARE_ROWS = 50  # empty rows the Cohorts and Overlaps formulas also cover, for rows added by hand
DEFL_FIRST = 6  # first data row of the Deflators sheet
# Value Map cells that a library proxy fills from the library (import does not read them).
LIBRARY_FIELDS = ("proxy_name", "unit", "value_type", "beneficiary", "source", "url", "licence")
DISC_HEADER, DISC_FIRST = 4, 5  # Discounting sheet: header row; the row of year 0
DISC_BANDS = 4  # the Green Book bands table's header row (columns G to J)
SR_HEADER = 13  # Social Return: the year grid's header row
SR_FIRST_YEAR_COL = 11  # column K: year 1
BC_UPLIFT, BC_APPLIES = "$B$11", "$B$12"  # Business Case: uplift applied, costs it applies to
BC_GRADE_HEADER = 14  # Business Case: grade table header (grades 1-6 below)
LM3_HEADER = 9  # LM3: spend table header

NOT_COVERED = (
    "Values that change by year (value_by_year: a DESNZ carbon series or real growth) have no "
    "column: svmodel export refuses a scenario that uses them.",
    "Inputs are listed on their own sheet (one row per input, with its year) rather than in a "
    "column beside each stakeholder.",
    "An overlap decision in the workbook leaves its line out of the live totals whether or not "
    "svmodel's double-counting checks flag the pair; svmodel applies it only to flagged pairs.",
)


def _q(sheet: str) -> str:
    return f"'{sheet}'" if " " in sheet else sheet


def _ref(sheet: str, cell: str) -> str:
    return f"{_q(sheet)}!{cell}"


def _col(index: int) -> str:
    """Column letter of a 1-based column index."""
    return get_column_letter(index)


def _key_col(columns: tuple[L.Column, ...], key: str) -> str:
    for index, column in enumerate(columns, start=1):
        if column.key == key:
            return _col(index)
    raise KeyError(key)


def _vm_col(key: str) -> str:
    return _key_col(L.VALUE_MAP_COLUMNS, key)


def _in_col(key: str) -> str:
    return _key_col(L.INPUT_COLUMNS, key)


def _setting(key: str, absolute: bool = True, sheet: str = L.SCENARIO,
             table: tuple[tuple[str, str, str], ...] = L.SETTINGS) -> str:
    cell = L.setting_cell(key, table)
    return _ref(sheet, f"${cell[0]}${cell[1:]}" if absolute else cell)


def _name(wb: Workbook, name: str, sheet: str, cell: str) -> None:
    column = "".join(ch for ch in cell if ch.isalpha())
    row = cell[len(column):]
    wb.defined_names[name] = DefinedName(name, attr_text=f"{_q(sheet)}!${column}${row}")


def _title(ws: Worksheet, text: str, subtitle: str = "") -> None:
    ws["A1"] = _user(text)
    ws["A1"].font = TITLE_FONT
    if subtitle:
        ws["A2"] = _user(subtitle)
        ws["A2"].font = QUESTION_FONT


def _header_row(ws: Worksheet, row: int, labels: Iterable[str], first_col: int = 1) -> None:
    for offset, label in enumerate(labels):
        cell = ws.cell(row=row, column=first_col + offset, value=label)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def _input(cell: Any, number_format: str | None = None) -> None:
    cell.fill = INPUT_FILL
    if number_format:
        cell.number_format = number_format


def _blank(value: Any) -> Any:
    return None if value in ("", None) else value


def _user(value: Any) -> Any:
    """A cell value from user input: blank as None, and text that a spreadsheet would run as a
    formula (=, +, -, @ ...) neutralised by svmodel.util.safety (import reads it back as typed)."""
    return neutralise_cell(_blank(value))


def _column_value(value: Any, formula: bool) -> Any:
    """svmodel's own formulas are written live; everything else is user input."""
    return _blank(value) if formula else _user(value)


def _price_year_cell(value: object) -> int | str:
    year = PriceYear.parse(value)
    return year.label if year.financial else year.start


#: Column width (in Excel's character units) that one A4 landscape page prints at a readable
#: scale: about 145 units fit at 100% between 1 cm margins, so 240 prints at 60% or larger.
PRINT_WIDTH_PER_PAGE = 240
#: Column width Excel and LibreOffice use for a column with no width set.
DEFAULT_WIDTH = 8.43


def _pages_wide(ws: Worksheet, last_column: int) -> int:
    """Pages across that keep the print readable: the printed columns' width / one page's."""
    total = sum(ws.column_dimensions[_col(i)].width or DEFAULT_WIDTH for i in range(1, last_column + 1))
    return max(1, -(-int(total) // PRINT_WIDTH_PER_PAGE))


def _print_setup(ws: Worksheet, title_rows: str | None = None, title_cols: str | None = None,
                 area: str | None = None) -> None:
    """A4 landscape, fitted to width: one page across, or as few as keep the text readable for
    the widest sheets (the Value Map); as many pages tall as needed, with the table's header
    rows (and id columns) repeated on every page and "Sheet: page n of N" in the footer."""
    last = ws.max_column
    if area:
        last = column_index_from_string("".join(ch for ch in area.split(":")[1] if ch.isalpha()))
    a4_landscape(ws, pages_wide=_pages_wide(ws, last), margins=(0.4, 0.5), title_rows=title_rows,
                 title_cols=title_cols, area=area)


def _fit_rows(ws: Worksheet, first: int, last: int) -> None:
    """Row heights for wrapped text (spreadsheet programs do not grow a row on opening): the
    most lines any wrapped cell of the row needs at its column's width, 15 points a line."""
    for row in range(first, last + 1):
        lines = 1
        for cell in ws[row]:
            if not isinstance(cell.value, str) or cell.value.startswith("=") or len(cell.value) < 10:
                continue
            if cell.alignment.wrap_text:
                width = ws.column_dimensions[cell.column_letter].width or DEFAULT_WIDTH
                per_line = max(int(width * 1.15), 1)
                needed = sum(-(-max(len(part), 1) // per_line) for part in cell.value.split("\n"))
                lines = max(lines, needed)
        if lines > 1:
            ws.row_dimensions[row].height = min(15 * lines, 300)


def _list_validation(ws: Worksheet, options: Iterable[str], *cells: str, blank: bool = True) -> None:
    rule = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=blank)
    for cell in cells:
        rule.add(cell)
    ws.add_data_validation(rule)


@dataclass(frozen=True)
class _Geometry:
    """Where each table sits, worked out before any sheet is written (sheets refer to each other)."""

    n_lines: int
    n_inputs: int
    grid_years: int  # year columns on the Social Return sheet
    top_year: int  # last year on the Discounting sheet
    cohort_last: int  # last row the Cohorts formulas cover (spare rows included)
    overlap_last: int
    printed_years: int  # the last year with an outcome or an input at export (printed)

    @property
    def vm_last(self) -> int:
        return VM_FIRST + max(self.n_lines, 1) - 1

    @property
    def in_last(self) -> int:
        return IN_FIRST + max(self.n_inputs, 1) - 1

    @property
    def in_total(self) -> int:
        return self.in_last + 2

    @property
    def sr_first(self) -> int:
        return SR_HEADER + 1

    @property
    def sr_last(self) -> int:
        return SR_HEADER + max(self.n_lines, 1)

    @property
    def disc_last(self) -> int:
        return DISC_FIRST + self.top_year

    def disc(self, column: str) -> str:
        """An absolute Discounting column range from year 0 to the last year."""
        return _ref(L.DISCOUNTING, f"${column}${DISC_FIRST}:${column}${self.disc_last}")

    def cohort(self, key: str) -> str:
        column = _key_col(L.COHORT_COLUMNS, key)
        return _ref(L.COHORTS, f"${column}${TABLE_FIRST}:${column}${self.cohort_last}")

    def overlap(self, key: str) -> str:
        column = _key_col(L.OVERLAP_COLUMNS, key)
        return _ref(L.OVERLAPS, f"${column}${TABLE_FIRST}:${column}${self.overlap_last}")

    def sr(self, column: str) -> str:
        return _ref(L.SOCIAL_RETURN, f"${column}${self.sr_first}:${column}${self.sr_last}")


# --------------------------------------------------------------------------- sheets
def _settings_block(ws: Worksheet, table: tuple[tuple[str, str, str], ...], values: dict[str, Any],
                    formats: dict[str, str] | None = None, help_col: int = 3,
                    wrap: tuple[str, ...] = ()) -> None:
    """Label in A, the yellow value in B, the help text in `help_col`, from SETTINGS_FIRST_ROW."""
    _header_row(ws, L.SETTINGS_FIRST_ROW - 1, ("Setting", "Value"))
    ws.cell(row=L.SETTINGS_FIRST_ROW - 1, column=help_col, value="Allowed / notes").font = BOLD
    for index, (key, label, help_text) in enumerate(table):
        row = L.SETTINGS_FIRST_ROW + index
        ws.cell(row=row, column=1, value=label).font = BOLD
        ws.cell(row=row, column=1).alignment = WRAP
        cell = ws.cell(row=row, column=2, value=_user(values.get(key)))
        _input(cell, (formats or {}).get(key))
        cell.alignment = Alignment(horizontal="left", vertical="top", wrap_text=key in wrap)
        ws.cell(row=row, column=help_col, value=help_text).font = QUESTION_FONT
        ws.cell(row=row, column=help_col).alignment = WRAP


def _scenario_sheet(wb: Workbook, scenario: Scenario) -> None:
    ws = wb.active
    ws.title = L.SCENARIO
    model = scenario.model
    _title(ws, f"svmodel scenario: {model.name}",
           "Yellow cells are inputs: change them and every result recalculates. Other cells "
           "are formulas, or (for a library proxy) the library's description of it. "
           "`svmodel import` reads the yellow cells back into a scenario file.")
    rate = model.discounting.rate
    values: dict[str, Any] = {
        "svmodel": model.svmodel, "name": model.name, "organisation": model.organisation,
        "kind": model.kind, "price_year": model.price_year,
        "rate": rate, "first_year_discounted": model.discounting.first_year_discounted,
        "proxies": "; ".join(model.proxies), "include_transfers": model.include_transfers,
        "conventions": model.conventions, "deflator_vintage": model.deflator_vintage,
        "area": model.area,
    }
    _settings_block(ws, L.SETTINGS, values,
                    {"rate": "0.00%"} if not isinstance(rate, str) else {})
    _list_validation(ws, ("forecast", "evaluative"), L.setting_cell("kind"), blank=False)
    _list_validation(ws, ("TRUE", "FALSE"), L.setting_cell("first_year_discounted"),
                     L.setting_cell("include_transfers"), blank=False)
    _list_validation(ws, L.CONVENTIONS, L.setting_cell("conventions"))

    row = L.SETTINGS_FIRST_ROW + len(L.SETTINGS) + 1
    ws.cell(row=row, column=1, value="Results (live, from the Social Return sheet)").font = BOLD
    for offset, (label, name, fmt) in enumerate((
        ("Total present value", L.NAME_TOTAL_PV, L.MONEY),
        ("Present value of inputs", L.NAME_INPUTS_PV, L.MONEY),
        ("Net present value", L.NAME_NPV, L.MONEY),
        ("SROI ratio", L.NAME_RATIO, "0.00"),
        ("Benefit-cost ratio (Business Case sheet)", L.NAME_BCR, "0.00"),
    ), start=1):
        ws.cell(row=row + offset, column=1, value=label)
        cell = ws.cell(row=row + offset, column=2, value=f"={name}")
        cell.number_format = fmt
        cell.alignment = Alignment(horizontal="left")
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 44
    ws.column_dimensions["C"].width = 70
    ws.freeze_panes = f"A{L.SETTINGS_FIRST_ROW}"
    _print_setup(ws)


def _narrative_sheet(wb: Workbook, scenario: Scenario) -> None:
    """Description, scope, materiality, limitations and the stakeholder groups (SROI Guide
    stage 1 and principles 1, 4 and 6; svmodel.scenario.narrative)."""
    ws = wb.create_sheet(L.NARRATIVE)
    model = scenario.model
    _title(ws, "Stage 1: Scope and stakeholders",
           "The words around the numbers. None of these changes a figure; `svmodel import` reads "
           "them back and the report shows them.")
    values = {key: getattr(model, key) for key, _, _ in L.NARRATIVE_SETTINGS}
    _settings_block(ws, L.NARRATIVE_SETTINGS, values, help_col=4,
                    wrap=tuple(key for key, _, _ in L.NARRATIVE_SETTINGS))
    header = L.SETTINGS_FIRST_ROW + len(L.NARRATIVE_SETTINGS) + 2
    ws.cell(row=header - 1, column=1, value="Stakeholder groups: who they are, how they were "
                                             "involved, and whether they are in the analysis").font = BOLD
    _header_row(ws, header, (c.label for c in L.STAKEHOLDER_COLUMNS))
    row = header
    for row, group in enumerate(model.stakeholders, start=header + 1):
        for index, column in enumerate(L.STAKEHOLDER_COLUMNS, start=1):
            cell = ws.cell(row=row, column=index, value=_user(getattr(group, column.key)))
            _input(cell)
            cell.alignment = WRAP
    first = header + 1
    _list_validation(ws, ("TRUE", "FALSE"), f"C{first}:C{max(row, first) + SPARE_ROWS}")
    for index, column in enumerate(L.STAKEHOLDER_COLUMNS, start=1):
        ws.column_dimensions[_col(index)].width = column.width
    ws.column_dimensions["B"].width = 60
    _fit_rows(ws, L.SETTINGS_FIRST_ROW, max(row, header))
    _print_setup(ws, title_rows=f"{header}:{header}")


def _inputs_sheet(wb: Workbook, scenario: Scenario, g: _Geometry) -> None:
    ws = wb.create_sheet(L.INPUTS)
    _title(ws, "Stage 2: Inputs (the investment)")
    for index, column in enumerate(L.INPUT_COLUMNS, start=1):
        ws.cell(row=IN_QUESTION, column=index, value=column.question).font = QUESTION_FONT
        ws.cell(row=IN_QUESTION, column=index).alignment = WRAP
        ws.column_dimensions[_col(index)].width = column.width
    _header_row(ws, IN_HEADER, (c.label for c in L.INPUT_COLUMNS))
    factors = g.disc("C")
    c = {key: _in_col(key) for key in ("amount", "year", "discount_factor", "present_value", "type",
                                       "ob_factor", "present_value_ob")}
    business = _q(L.BUSINESS_CASE)
    for row, item in enumerate(scenario.model.inputs, start=IN_FIRST):
        values = {"stakeholder": item.stakeholder, "description": item.description,
                  "agency": item.agency, "type": item.type,
                  "amount": item.amount, "year": item.year, "notes": item.notes,
                  "discount_factor": f"=INDEX({factors},{c['year']}{row}+1)",
                  "present_value": f"={c['amount']}{row}*{c['discount_factor']}{row}",
                  "ob_factor": (f"=IF(OR({business}!{BC_APPLIES}=\"all\",{c['type']}{row}=\"capital\"),"
                                f"1+{business}!{BC_UPLIFT},1)"),
                  "present_value_ob": f"={c['present_value']}{row}*{c['ob_factor']}{row}"}
        for index, column in enumerate(L.INPUT_COLUMNS, start=1):
            cell = ws.cell(row=row, column=index, value=_column_value(values[column.key], column.formula))
            cell.number_format = column.number_format
            if not column.formula:
                _input(cell)
    _list_validation(ws, L.COST_TYPES, f"{c['type']}{IN_FIRST}:{c['type']}{g.in_last}")
    total = g.in_total
    ws.cell(row=total, column=1, value="Total").font = BOLD
    for key in ("amount", "present_value", "present_value_ob"):
        letter = _in_col(key)
        cell = ws[f"{letter}{total}"]
        cell.value = f"=SUM({letter}{IN_FIRST}:{letter}{g.in_last})"
        cell.number_format = L.MONEY
        cell.font = BOLD
    for index in range(1, len(L.INPUT_COLUMNS) + 1):
        ws.cell(row=total, column=index).fill = TOTAL_FILL
    ws.freeze_panes = f"A{IN_FIRST}"
    _print_setup(ws, title_rows=f"{IN_HEADER}:{IN_HEADER}")


def _deflator_index(price_year_cell: str, years: str, index: str) -> str:
    """Formula for the GDP deflator index of a price year cell (calendar or financial year)."""
    def idx(x: str) -> str:
        return f"INDEX({index},MATCH({x},{years},0))"
    p = price_year_cell
    start = f"VALUE(LEFT({p},4))"
    return (f"IF(ISNUMBER({p}),{idx(p)},IF(LEN({p})=4,{idx(f'VALUE({p})')},"
            f"0.75*{idx(start)}+0.25*{idx(start + '+1')}))")


def _deflators_sheet(wb: Workbook, scenario: Scenario) -> tuple[str, str, str]:
    """The GDP deflator series; returns (years range, index range, scenario index cell)."""
    ws = wb.create_sheet(L.DEFLATORS)
    deflators = scenario.library.deflators
    _title(ws, "GDP deflators (price rebasing)",
           f"{deflators.source} {deflators.url}".strip())
    ws["A3"] = ("Financial years (e.g. 2013/14) use 0.75 x index(2013) + 0.25 x index(2014). "
                "Value in scenario prices = value x index(scenario year) / index(price year) "
                "(Green Book 2022, section 5).")
    ws["A3"].font = QUESTION_FONT
    _header_row(ws, DEFL_FIRST - 1, ("Year", "GDP deflator index"))
    years = sorted(deflators.calendar)
    for row, year in enumerate(years, start=DEFL_FIRST):
        ws.cell(row=row, column=1, value=year)
        ws.cell(row=row, column=2, value=deflators.calendar[year]).number_format = "0.000"
    last = DEFL_FIRST + len(years) - 1
    year_range = f"{_q(L.DEFLATORS)}!$A${DEFL_FIRST}:$A${last}"
    index_range = f"{_q(L.DEFLATORS)}!$B${DEFL_FIRST}:$B${last}"
    ws.cell(row=DEFL_FIRST - 1, column=4, value="Scenario price year index").font = BOLD
    target = ws.cell(row=DEFL_FIRST, column=4,
                     value=f"={_deflator_index(_setting('price_year'), year_range, index_range)}")
    target.number_format = "0.000"
    ws.column_dimensions["A"].width = 10
    ws.column_dimensions["B"].width = 20
    ws.column_dimensions["D"].width = 26
    ws.freeze_panes = f"A{DEFL_FIRST}"
    _print_setup(ws, title_rows=f"{DEFL_FIRST - 1}:{DEFL_FIRST - 1}")
    return year_range, index_range, _ref(L.DEFLATORS, f"$D${DEFL_FIRST}")


def _value_map_sheet(wb: Workbook, scenario: Scenario, deflators: tuple[str, str, str],
                     g: _Geometry) -> None:
    """Stages 1-4 with the business case and the reasons; one row per outcome line."""
    ws = wb.create_sheet(L.VALUE_MAP, 1)
    year_range, index_range, target = deflators
    start = 1
    for stage_index, stage in enumerate(L.VALUE_MAP_STAGES):
        end = start + len(stage.columns) - 1
        cell = ws.cell(row=VM_BANNER, column=start, value=stage.title)
        cell.font = HEADER_FONT
        cell.fill = PatternFill("solid", fgColor=STAGE_FILLS[stage_index % len(STAGE_FILLS)])
        if end > start:
            ws.merge_cells(start_row=VM_BANNER, start_column=start, end_row=VM_BANNER, end_column=end)
        start = end + 1
    for index, column in enumerate(L.VALUE_MAP_COLUMNS, start=1):
        question = column.question
        if column.key in ("duration", "start_year"):
            question += (f" (this workbook's year grid runs to year {g.grid_years}: "
                         f"start + duration - 1 must not pass it)")
        cell = ws.cell(row=VM_QUESTION, column=index, value=question)
        cell.font = QUESTION_FONT
        cell.alignment = WRAP
        ws.column_dimensions[_col(index)].width = column.width
    _header_row(ws, VM_HEADER, (c.label for c in L.VALUE_MAP_COLUMNS))
    ws.row_dimensions[VM_QUESTION].height = 60
    ws.row_dimensions[VM_HEADER].height = 45

    c = {column.key: _vm_col(column.key) for column in L.VALUE_MAP_COLUMNS}
    grades = _ref(L.BUSINESS_CASE, f"$A${BC_GRADE_HEADER + 1}:$B${BC_GRADE_HEADER + len(L.GRADES)}")
    for r, (outcome, line) in enumerate(zip(scenario.model.outcomes, scenario.lines), start=VM_FIRST):
        inline = outcome.value
        if inline is not None:
            meta = {"proxy": None, "proxy_name": None, "unit": inline.unit,
                    "amount": inline.amount, "price_year": _price_year_cell(inline.price_year),
                    "value_type": inline.value_type, "beneficiary": inline.beneficiary,
                    "source": inline.source, "url": inline.url, "licence": inline.licence}
        else:
            meta = {"proxy": line.proxy_id, "proxy_name": line.proxy_name, "unit": line.unit,
                    "amount": line.original_value,
                    "price_year": _price_year_cell(line.original_price_year),
                    "value_type": line.value_type, "beneficiary": line.beneficiary,
                    "source": line.source, "url": line.url, "licence": line.licence}
        wellby = outcome.wellby
        if outcome.cohort is not None:  # issue 14: the funnel's outcomes, from the Cohorts sheet
            quantity: Any = f"=SUMIF({g.cohort('id')},{c['id']}{r},{g.cohort('outcomes')})"
        elif wellby is not None:  # issue 16: WELLBYs a year = people x change in life satisfaction
            quantity = f"={c['people']}{r}*{c['life_satisfaction_change']}{r}"
        else:
            quantity = outcome.quantity
        values = {
            "stakeholder": outcome.stakeholder, "change": outcome.change, "id": outcome.id,
            "output": outcome.output, "outcome": outcome.outcome,
            "description": outcome.description, "measure": outcome.measure,
            "indicator": outcome.indicator, "evidence": outcome.evidence, "quantity": quantity,
            "people": wellby.people if wellby else None,
            "life_satisfaction_change": wellby.life_satisfaction_change if wellby else None,
            "wellby_source": wellby.source if wellby else None,
            "duration": outcome.duration, "start_year": outcome.start_year, **meta,
            "disbenefit": outcome.disbenefit,
            "factor": f"={target}/{_deflator_index(c['price_year'] + str(r), year_range, index_range)}",
            "unit_value": f"={c['amount']}{r}*{c['factor']}{r}*IF({c['disbenefit']}{r},-1,1)",
            "deadweight": outcome.deadweight, "displacement": outcome.displacement,
            "attribution": outcome.attribution, "drop_off": outcome.drop_off,
            "local_share": outcome.local_share, "area": outcome.area,
            "impact": (f"={c['quantity']}{r}*{c['unit_value']}{r}"
                       f"*IF(ISNUMBER({c['local_share']}{r}),{c['local_share']}{r},1)"
                       f"*(1-{c['deadweight']}{r})*(1-{c['displacement']}{r})*(1-{c['attribution']}{r})"),
            "agency": outcome.agency, "cashable": outcome.cashable,
            "cashable_from_year": outcome.cashable_from_year, "grade": outcome.grade,
            "correction": (f"=IF(ISNUMBER({c['grade']}{r}),VLOOKUP({c['grade']}{r},{grades},2,0),0)"),
            "discount_schedule": outcome.discount_schedule,
            **{f"reason_{name}": getattr(outcome.reasons, name) for name in REASON_FIELDS},
            "notes": outcome.notes, "transfer": line.transfer,
        }
        # A library proxy's name and metadata come from the library: shown, not inputs.
        fixed = LIBRARY_FIELDS if inline is None else ("proxy_name",)
        derived_quantity = outcome.cohort is not None or wellby is not None
        for index, column in enumerate(L.VALUE_MAP_COLUMNS, start=1):
            formula = column.formula or (column.key == "quantity" and derived_quantity)
            cell = ws.cell(row=r, column=index, value=_column_value(values[column.key], formula))
            cell.number_format = column.number_format
            if not formula and column.key not in fixed:
                _input(cell)
            if column.width >= 24:
                cell.alignment = WRAP
    first, last = VM_FIRST, g.vm_last + SPARE_ROWS
    _list_validation(ws, L.CHANGES, f"{c['change']}{first}:{c['change']}{last}")
    _list_validation(ws, ("TRUE", "FALSE"), f"{c['disbenefit']}{first}:{c['disbenefit']}{last}")
    _list_validation(ws, L.DISCOUNT_SCHEDULES,
                     f"{c['discount_schedule']}{first}:{c['discount_schedule']}{last}")
    for key in ("duration", "start_year"):  # the registry's bounds (svmodel.parameters)
        p = PARAMETERS[key]
        high = min(p.high, g.grid_years)
        allowed = p.allowed if high == p.high else (
            f"a whole number of years from {p.low:g} to {high:g} (this workbook's year grid; "
            f"export again with svmodel for a longer horizon)")
        rule = DataValidation(type="whole", operator="between", formula1=f"{p.low:g}",
                              formula2=f"{high:g}", allow_blank=True,
                              showErrorMessage=True, errorTitle=p.label, error=allowed)
        rule.add(f"{c[key]}{first}:{c[key]}{last}")
        ws.add_data_validation(rule)
    _fit_rows(ws, VM_FIRST, g.vm_last)
    ws.freeze_panes = f"D{VM_FIRST}"
    ws.auto_filter.ref = f"A{VM_HEADER}:{_col(len(L.VALUE_MAP_COLUMNS))}{g.vm_last}"
    _print_setup(ws, title_rows=f"{VM_BANNER}:{VM_HEADER}", title_cols="A:C")


def _cohorts_sheet(wb: Workbook, scenario: Scenario, g: _Geometry) -> None:
    """Issue 14: one row per cohort funnel and programme year; quantity = need x engagement x
    success, summed over programme years on the Value Map."""
    ws = wb.create_sheet(L.COHORTS)
    _title(ws, "Cohort funnels (need x engagement x success)",
           "One row per outcome and programme year. The Value Map's quantity for the outcome is "
           "the sum of 'Outcomes achieved'; programme year k's cohort starts counting in outcome "
           "year start + k - 1 (HM Treasury / GMCA 2014 cost benefit analysis guidance).")
    _header_row(ws, TABLE_HEADER, (c.label for c in L.COHORT_COLUMNS))
    c = {column.key: _key_col(L.COHORT_COLUMNS, column.key) for column in L.COHORT_COLUMNS}
    row = TABLE_FIRST
    for line in scenario.lines:
        if line.cohort is None:
            continue
        funnel = line.cohort
        for k in range(funnel.years):
            values = {"id": line.id, "programme_year": k + 1, "need": funnel.need[k],
                      "engagement": funnel.engagement[k], "success": funnel.success[k],
                      "engaged": f"={c['need']}{row}*{c['engagement']}{row}",
                      "outcomes": f"={c['engaged']}{row}*{c['success']}{row}"}
            for index, column in enumerate(L.COHORT_COLUMNS, start=1):
                cell = ws.cell(row=row, column=index, value=_column_value(values[column.key], column.formula))
                cell.number_format = column.number_format
                if not column.formula:
                    _input(cell)
            row += 1
    for index, column in enumerate(L.COHORT_COLUMNS, start=1):
        ws.column_dimensions[_col(index)].width = column.width
    ws.freeze_panes = f"A{TABLE_FIRST}"
    _print_setup(ws, title_rows=f"{TABLE_HEADER}:{TABLE_HEADER}")


def _discounting_sheet(wb: Workbook, g: _Geometry) -> None:
    """Years 0..top_year, one a row: the rate in each year and the compounded factor, for the
    scenario's schedule and for the Green Book health schedule (lines that use it)."""
    ws = wb.create_sheet(L.DISCOUNTING)
    _title(ws, "Discounting",
           "D(0) = 1; D(s) = D(s-1) x 1/(1 + rate in year s). A number in the Scenario sheet's "
           "discount rate applies in every year; green_book, green_book_health and "
           "green_book_no_catastrophic_risk use the Green Book 2022 declining schedules (Annex A6, "
           "Tables 8 and 9; the table on the right). Lines on the health schedule use columns D-E.")
    _header_row(ws, DISC_HEADER, ("Years from now", "Rate in year", "Discount factor D(s)",
                                  "Health rate", "Health factor"))
    rate = _setting("rate")
    first, last = DISC_BANDS + 1, DISC_BANDS + len(L.BAND_FIRST_YEARS)
    band = lambda col: f"${col}${first}:${col}${last}"  # noqa: E731
    for offset in range(g.top_year + 1):
        row = DISC_FIRST + offset
        ws.cell(row=row, column=1, value=offset).font = BOLD
        if offset == 0:
            ws.cell(row=row, column=3, value=1)
            ws.cell(row=row, column=5, value=1)
        else:
            year = f"$A{row}"
            look = lambda col: f"INDEX({band(col)},MATCH({year},{band('G')},1))"  # noqa: E731
            ws.cell(row=row, column=2, value=(
                f"=IF(ISNUMBER({rate}),{rate},IF({rate}=\"green_book\",{look('H')},"
                f"IF({rate}=\"green_book_health\",{look('I')},"
                f"IF({rate}=\"green_book_no_catastrophic_risk\",{look('J')},NA()))))"))
            ws.cell(row=row, column=3, value=f"=C{row - 1}*(1/(1+B{row}))")
            ws.cell(row=row, column=4, value=f"={look('I')}")
            ws.cell(row=row, column=5, value=f"=E{row - 1}*(1/(1+D{row}))")
        for col, fmt in ((2, "0.00%"), (3, L.FACTOR), (4, "0.00%"), (5, L.FACTOR)):
            ws.cell(row=row, column=col).number_format = fmt
    _header_row(ws, DISC_BANDS, ("From year", "green_book", "green_book_health",
                                 "green_book_no_catastrophic_risk"), first_col=7)
    for row, (start, (_, standard), (_, health), (_, no_risk)) in enumerate(
            zip(L.BAND_FIRST_YEARS, GREEN_BOOK_BANDS, GREEN_BOOK_HEALTH_BANDS,
                GREEN_BOOK_NO_CATASTROPHIC_RISK_BANDS), start=first):
        ws.cell(row=row, column=7, value=start)
        for col, value in ((8, standard), (9, health), (10, no_risk)):
            ws.cell(row=row, column=col, value=value).number_format = "0.00%"
    for col, width in zip("ABCDEFGHIJ", (14, 12, 18, 12, 14, 3, 10, 12, 18, 28)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = f"A{DISC_FIRST}"
    # Printed: the years in use at export (the table goes on below to the grid's last year).
    _print_setup(ws, title_rows=f"{DISC_HEADER}:{DISC_HEADER}",
                 area=f"A1:J{max(DISC_FIRST + g.printed_years, DISC_BANDS + len(L.BAND_FIRST_YEARS))}")


def _social_return_sheet(wb: Workbook, scenario: Scenario, results: Results, g: _Geometry) -> None:
    """Stage 5: each year's value, discount factors, PV, NPV and the SROI ratio."""
    ws = wb.create_sheet(L.SOCIAL_RETURN, 3)
    _title(ws, "Stage 5: Calculating the social return",
           "Live formulas over the Value Map, Cohorts, Overlaps, Inputs and Discounting sheets. "
           "Column C shows the figures svmodel computed when the workbook was exported.")
    horizon = len(results.engine.years)
    first, last = g.sr_first, g.sr_last
    total_row, factor_row, health_row, pv_row, first_row = last + 1, last + 2, last + 3, last + 4, last + 5
    year_cols = [_col(SR_FIRST_YEAR_COL + k) for k in range(g.grid_years)]
    y0, yn = year_cols[0], year_cols[-1]
    vm = lambda key, r: _ref(L.VALUE_MAP, f"${_vm_col(key)}{r}")  # noqa: E731

    # Summary block (rows 4-12).
    ws["B3"], ws["C3"] = "Live", "svmodel at export"
    ws["B3"].font = ws["C3"].font = BOLD
    ws["A4"], ws["B4"] = "Discount rate", f"={_setting('rate')}"
    ws["C4"] = scenario.model.discounting.rate
    ws["A5"], ws["B5"] = "First year discounted", f"={_setting('first_year_discounted')}"
    ws["C5"] = scenario.model.discounting.first_year_discounted
    for cell in ("B4", "C4"):
        ws[cell].number_format = "0.00%"
    counted = f"$F${first}:$F${last}"
    summary = (
        ("Total present value (PV)", L.NAME_TOTAL_PV, f"=SUMPRODUCT($E${first}:$E${last},{counted})",
         results.total_present_value, L.MONEY),
        ("Present value of inputs", L.NAME_INPUTS_PV,
         f"={_ref(L.INPUTS, _in_col('present_value') + str(g.in_total))}", results.total_inputs, L.MONEY),
        ("Net present value (NPV = PV - inputs)", L.NAME_NPV, "=B6-B7",
         results.net_present_value, L.MONEY),
        ("SROI ratio (PV / inputs)", L.NAME_RATIO, "=B6/B7", results.sroi_ratio, "0.0000"),
        ("Net SROI ratio (NPV / inputs)", L.NAME_NET_RATIO, "=B8/B7", results.net_sroi_ratio, "0.0000"),
        ("Payback (months)", L.NAME_PAYBACK,
         f"=IF({yn}{first_row}>0,12*({yn}{first_row}-1)+B7/(INDEX("
         f"{y0}{total_row}:{yn}{total_row},1,{yn}{first_row})/12),\"n/a\")",
         results.payback_months, "0.0"),
    )
    for row, (label, name, formula, value, fmt) in enumerate(summary, start=6):
        ws.cell(row=row, column=1, value=label).font = BOLD
        ws.cell(row=row, column=2, value=formula).number_format = fmt
        ws.cell(row=row, column=3, value=value if value is not None else "n/a").number_format = fmt
        ws.cell(row=row, column=2).font = BOLD
        _name(wb, name, L.SOCIAL_RETURN, f"B{row}")
    input_years = _ref(L.INPUTS, f"${_in_col('year')}${IN_FIRST}:${_in_col('year')}${g.in_last}")
    ws["A12"] = "Year grid"
    ws["B12"] = (f"=IF(OR(MAX($J${first}:$J${last})>{g.grid_years},MAX({input_years})>{g.top_year}),"
                 f"\"Some years lie beyond the grid: shorten them, or export again with svmodel\","
                 f"\"OK: the grid covers outcome years 1 to {g.grid_years}, the longest duration "
                 f"this workbook accepts\")")
    ws["B12"].font = BOLD

    # The line x year grid: per-line columns A-J, then one column per year.
    _header_row(ws, SR_HEADER, ["Outcome id", "Stakeholder", "Outcome", "Impact (£)",
                                "Present value (£)", "Counted (1/0)", "Health schedule (1/0)",
                                "Kept after grade correction", "Present value after grade correction (£)",
                                "Last year"] + list(range(1, g.grid_years + 1)))
    for col in year_cols:
        ws[f"{col}{SR_HEADER}"].number_format = '"Year "0'
    ids, outs, years = g.cohort("id"), g.cohort("outcomes"), g.cohort("programme_year")
    excluded = g.overlap("excluded")
    for r_index, line in enumerate(scenario.lines):
        r, v = first + r_index, VM_FIRST + r_index
        ws[f"A{r}"] = f"={vm('id', v)}"
        ws[f"B{r}"] = f"={vm('stakeholder', v)}"
        ws[f"C{r}"] = f"={vm('outcome', v)}"
        ws[f"D{r}"] = f"={vm('impact', v)}"
        start, duration, drop = vm("start_year", v), vm("duration", v), vm("drop_off", v)
        per_unit = (f"{vm('unit_value', v)}*IF(ISNUMBER({vm('local_share', v)}),{vm('local_share', v)},1)"
                    f"*(1-{vm('deadweight', v)})*(1-{vm('displacement', v)})*(1-{vm('attribution', v)})")
        for k, col in enumerate(year_cols, start=SR_FIRST_YEAR_COL):
            t = f"{col}${SR_HEADER}"
            if line.cohort is None:
                formula = (f"=IF(AND({t}>={start},{t}<{start}+{duration}),"
                           f"$D{r}*(1-{drop})^({t}-{start}),0)")
            else:  # each programme year's wave: outcomes x value per unit, from start + k - 1
                e = f"({t}-{start}-{years}+1)"
                formula = (f"={per_unit}*SUMPRODUCT(({ids}=$A{r})*{outs}*({e}>=0)*({e}<{duration})"
                           f"*(1-{drop})^(({e}+ABS{e})/2))")
            ws.cell(row=r, column=k, value=formula).number_format = L.MONEY
        ws[f"E{r}"] = (f"=G{r}*SUMPRODUCT({y0}{r}:{yn}{r},${y0}${health_row}:${yn}${health_row})"
                       f"+(1-G{r})*SUMPRODUCT({y0}{r}:{yn}{r},${y0}${factor_row}:${yn}${factor_row})")
        # Transfers count only when the scenario includes them (Green Book Annex A2); a line an
        # overlap decision leaves out never counts (issue 16).
        ws[f"F{r}"] = (f"=IF(COUNTIF({excluded},$A{r})>0,0,IF(OR({_setting('include_transfers')},"
                       f"NOT({vm('transfer', v)})),1,0))")
        ws[f"G{r}"] = f"=IF({vm('discount_schedule', v)}=\"health\",1,0)"
        ws[f"H{r}"] = f"=1-{vm('correction', v)}"
        ws[f"I{r}"] = f"=E{r}*H{r}"
        ws[f"J{r}"] = f"={start}+{duration}-1+MAX(0,COUNTIF({ids},$A{r})-1)"
        for col, fmt in (("D", L.MONEY), ("E", L.MONEY), ("H", L.PERCENT), ("I", L.MONEY)):
            ws[f"{col}{r}"].number_format = fmt
    fyd = _setting("first_year_discounted")
    for label, row in (("Total value (£), counted lines", total_row), ("Discount factor", factor_row),
                       ("Discount factor, health schedule", health_row), ("Present value (£)", pv_row)):
        ws.cell(row=row, column=1, value=label).font = BOLD
        for index in range(1, SR_FIRST_YEAR_COL + len(year_cols)):
            ws.cell(row=row, column=index).fill = TOTAL_FILL
    lines = lambda col: f"{col}{first}:{col}{last}"  # noqa: E731
    health = f"$G${first}:$G${last}"
    for k, col in enumerate(year_cols, start=1):
        ws[f"{col}{total_row}"] = f"=SUMPRODUCT({lines(col)},{counted})"
        for row, column in ((factor_row, "C"), (health_row, "E")):
            factors = g.disc(column)
            ws[f"{col}{row}"] = f"=IF({fyd},INDEX({factors},{k}+1),INDEX({factors},{k}))"
            ws[f"{col}{row}"].number_format = L.FACTOR
        ws[f"{col}{pv_row}"] = (f"=SUMPRODUCT({lines(col)},{counted},1-{health})*{col}{factor_row}"
                                f"+SUMPRODUCT({lines(col)},{counted},{health})*{col}{health_row}")
        for row in (total_row, pv_row):
            ws[f"{col}{row}"].number_format = L.MONEY
    # First outcome year with a positive total value, carried along the row (payback, issue 14).
    ws.cell(row=first_row, column=1, value="First year with value").font = BOLD
    for k, col in enumerate(year_cols):
        carried = f"{year_cols[k - 1]}{first_row}" if k else "0"
        ws[f"{col}{first_row}"] = f"=IF({carried}>0,{carried},IF({col}{total_row}>0,{col}${SR_HEADER},0))"
    for col in ("D", "E", "I"):
        ws[f"{col}{total_row}"] = f"=SUMPRODUCT({lines(col)},{counted})"
        ws[f"{col}{total_row}"].number_format = L.MONEY
    widths = {"A": 30, "B": 20, "C": 30, "D": 14, "E": 16, "F": 9, "G": 9, "H": 11, "I": 16, "J": 8}
    for col in year_cols:
        widths[col] = 13
    for col, width in widths.items():
        ws.column_dimensions[col].width = width
    ws.row_dimensions[SR_HEADER].height = 45
    ws.freeze_panes = f"D{first}"
    # Printed: the summary and the years that had a value at export (the grid goes on to the right).
    shown = year_cols[min(max(horizon, 1), g.grid_years) - 1]
    _print_setup(ws, title_rows=f"{SR_HEADER}:{SR_HEADER}", title_cols="A:A",
                 area=f"A1:{shown}{first_row}")


def _business_case_sheet(wb: Workbook, scenario: Scenario, results: Results, g: _Geometry) -> None:
    """Issue 14: optimism bias on costs, the confidence-grade correction on benefits and the
    economic case they give, all live; the published optimism bias table and the agency list."""
    ws = wb.create_sheet(L.BUSINESS_CASE)
    model = scenario.model
    _title(ws, "Business case: optimism bias and confidence grades",
           "Costs x (1 + uplift) where optimism bias applies (HM Treasury supplementary Green Book "
           "guidance, Mott MacDonald 2002); each line's present value x (1 - correction for its "
           "grade) (HM Treasury / GMCA 2014 CBA guidance). The SROI ratio is before both.")
    ob, grades = model.optimism_bias, model.confidence_grades
    values = {"ob_category": ob.category if ob else None, "ob_uplift": ob.uplift if ob else None,
              "ob_source": ob.source if ob else None, "ob_applies_to": ob.applies_to if ob else None,
              "grades_source": grades.source if grades else None}
    _settings_block(ws, L.BUSINESS_SETTINGS, values, {"ob_uplift": L.PERCENT}, help_col=4)
    table = optimism_bias_table()
    ob_first = BC_GRADE_HEADER + len(L.GRADES) + 12
    ob_last = ob_first + len(table) - 1
    cat, uplift, applies = (L.setting_cell(k, L.BUSINESS_SETTINGS)
                            for k in ("ob_category", "ob_uplift", "ob_applies_to"))
    _list_validation(ws, table, cat)
    _list_validation(ws, ("capital", "all"), applies)
    ws["A11"], ws["A12"] = "Uplift applied", "Applies to"
    ws["A11"].font = ws["A12"].font = BOLD
    ws[BC_UPLIFT.replace("$", "")] = (f"=IF(ISBLANK({cat}),IF(ISNUMBER({uplift}),{uplift},0),"
                                       f"VLOOKUP({cat},$A${ob_first}:$C${ob_last},3,0))")
    ws[BC_UPLIFT.replace("$", "")].number_format = L.PERCENT
    ws[BC_APPLIES.replace("$", "")] = f"=IF(ISBLANK({applies}),\"capital\",{applies})"

    _header_row(ws, BC_GRADE_HEADER, ("Confidence grade", "Correction (share of benefit removed)"))
    for row, grade in enumerate(L.GRADES, start=BC_GRADE_HEADER + 1):
        ws.cell(row=row, column=1, value=grade)
        value = grades.corrections.get(grade) if grades else None
        _input(ws.cell(row=row, column=2, value=value), L.PERCENT)

    case = results.business_case()
    corrections = case.corrections() or {}
    economic = case.economic_case()
    sr = lambda col: g.sr(col)  # noqa: E731
    result_row = BC_GRADE_HEADER + len(L.GRADES) + 2
    ws.cell(row=result_row, column=1, value="Economic case (live)").font = BOLD
    ws.cell(row=result_row, column=3, value="svmodel at export").font = BOLD
    inputs_total = lambda key: _ref(L.INPUTS, f"{_in_col(key)}{g.in_total}")  # noqa: E731
    rows = (
        ("Costs before optimism bias", L.NAME_COSTS_BEFORE, f"={inputs_total('present_value')}",
         corrections.get("costs_before", economic["costs_present_value"]), L.MONEY),
        ("Costs after optimism bias", L.NAME_COSTS, f"={inputs_total('present_value_ob')}",
         economic["costs_present_value"], L.MONEY),
        ("Benefits before grade correction", L.NAME_BENEFITS_BEFORE,
         f"=SUMPRODUCT({sr('E')},{sr('F')})", corrections.get("benefits_before", economic["benefits_present_value"]),
         L.MONEY),
        ("Benefits after grade correction", L.NAME_BENEFITS, f"=SUMPRODUCT({sr('I')},{sr('F')})",
         economic["benefits_present_value"], L.MONEY),
        ("Net present public value", L.NAME_NPPV, f"=B{result_row + 4}-B{result_row + 2}",
         economic["net_present_public_value"], L.MONEY),
        ("Benefit-cost ratio", L.NAME_BCR, f"=B{result_row + 4}/B{result_row + 2}",
         economic["benefit_cost_ratio"], "0.0000"),
    )
    for row, (label, name, formula, value, fmt) in enumerate(rows, start=result_row + 1):
        ws.cell(row=row, column=1, value=label).font = BOLD
        ws.cell(row=row, column=2, value=formula).number_format = fmt
        ws.cell(row=row, column=3, value=value).number_format = fmt
        _name(wb, name, L.BUSINESS_CASE, f"B{row}")

    _header_row(ws, ob_first - 1, ("Optimism bias category", "Description", "Capital uplift", "Source"))
    for row, item in enumerate(table.values(), start=ob_first):
        for col, value in enumerate((item.category, item.description, item.capital_uplift, item.source), 1):
            ws.cell(row=row, column=col, value=_user(value)).alignment = WRAP
        ws.cell(row=row, column=3).number_format = L.PERCENT
    agencies_first = ob_last + 3
    for col, width in zip("ABCD", (34, 40, 16, 70)):
        ws.column_dimensions[col].width = width
    _fit_rows(ws, ob_first, ob_last)
    _header_row(ws, agencies_first - 1, ("Agency id", "Agency"))
    for row, (agency_id, agency) in enumerate(default_agencies().items(), start=agencies_first):
        ws.cell(row=row, column=1, value=_user(agency_id))
        ws.cell(row=row, column=2, value=_user(agency.name))
    for col, width in zip("ABCD", (34, 40, 16, 70)):
        ws.column_dimensions[col].width = width
    _print_setup(ws)


def _overlaps_sheet(wb: Workbook, scenario: Scenario, g: _Geometry) -> None:
    """Issue 16: the file's justification of each flagged overlap, and the line it leaves out."""
    ws = wb.create_sheet(L.OVERLAPS)
    _title(ws, "Overlaps across value families (double counting)",
           "One row per overlap svmodel flags: why the two lines are not the same benefit, and "
           "whether to keep both or leave one out of every total.")
    _header_row(ws, TABLE_HEADER, (c.label for c in L.OVERLAP_COLUMNS))
    c = {column.key: _key_col(L.OVERLAP_COLUMNS, column.key) for column in L.OVERLAP_COLUMNS}
    for row, overlap in enumerate(scenario.model.overlaps, start=TABLE_FIRST):
        values = {"line_a": overlap.lines[0], "line_b": overlap.lines[1], "decision": overlap.decision,
                  "exclude": overlap.exclude, "reason": overlap.reason}
        for key, value in values.items():
            cell = ws[f"{c[key]}{row}"]
            cell.value = _user(value)
            _input(cell)
            cell.alignment = WRAP
    for row in range(TABLE_FIRST, g.overlap_last + 1):
        ws[f"{c['excluded']}{row}"] = (f"=IF({c['decision']}{row}=\"exclude\",IF(ISBLANK({c['exclude']}{row}),"
                                       f"{c['line_b']}{row},{c['exclude']}{row}),\"\")")
    _list_validation(ws, ("keep", "exclude"), f"{c['decision']}{TABLE_FIRST}:{c['decision']}{g.overlap_last}")
    for index, column in enumerate(L.OVERLAP_COLUMNS, start=1):
        ws.column_dimensions[_col(index)].width = column.width
    _fit_rows(ws, TABLE_FIRST, TABLE_FIRST + len(scenario.model.overlaps) - 1)
    _print_setup(ws, title_rows=f"{TABLE_HEADER}:{TABLE_HEADER}",
                 area=f"A1:{_col(len(L.OVERLAP_COLUMNS))}{TABLE_FIRST + max(len(scenario.model.overlaps), 1) - 1}")


def _lm3_sheet(wb: Workbook, scenario: Scenario) -> None:
    """Issue 16: LM3 (NEF, The Money Trail, 2002), reported beside the SROI, never added to it."""
    ws = wb.create_sheet(L.LM3)
    section = scenario.model.lm3
    _title(ws, "Local Multiplier 3 (LM3)",
           "Round 1: the income; round 2: its spend with local suppliers and staff; round 3: "
           "their local re-spend. LM3 = (round 1 + round 2 + round 3) / round 1. Reported beside "
           "the SROI ratio, never added to its present value.")
    values = {"area": section.area, "income": section.income, "source": section.source} if section else {}
    _settings_block(ws, L.LM3_SETTINGS, values, {"income": L.MONEY})
    _header_row(ws, LM3_HEADER, (c.label for c in L.LM3_COLUMNS))
    c = {column.key: _key_col(L.LM3_COLUMNS, column.key) for column in L.LM3_COLUMNS}
    spend = section.spend if section else []
    last = LM3_HEADER + max(len(spend), 1) + SPARE_ROWS
    for row, item in enumerate(spend, start=LM3_HEADER + 1):
        for key in ("name", "kind", "amount", "local_respend", "source"):
            cell = ws[f"{c[key]}{row}"]
            cell.value = _user(getattr(item, key))
            _input(cell, next(col.number_format for col in L.LM3_COLUMNS if col.key == key))
    for row in range(LM3_HEADER + 1, last + 1):
        ws[f"{c['round3']}{row}"] = f"=IF(ISNUMBER({c['amount']}{row}),{c['amount']}{row}*{c['local_respend']}{row},0)"
        ws[f"{c['round3']}{row}"].number_format = L.MONEY
    _list_validation(ws, ("supplier", "staff"), f"{c['kind']}{LM3_HEADER + 1}:{c['kind']}{last}")
    income = L.setting_cell("income", L.LM3_SETTINGS)
    rows = (("Round 2 (£)", f"=SUM({c['amount']}{LM3_HEADER + 1}:{c['amount']}{last})"),
            ("Round 3 (£)", f"=SUM({c['round3']}{LM3_HEADER + 1}:{c['round3']}{last})"),
            ("LM3 (live)", f"=IF(ISNUMBER({income}),IF({income}>0,({income}+F3+F4)/{income},\"n/a\"),\"n/a\")"))
    for row, (label, formula) in enumerate(rows, start=3):
        ws[f"E{row}"], ws[f"F{row}"] = label, formula
        ws[f"E{row}"].font = BOLD
        ws[f"F{row}"].number_format = L.MONEY if row < 5 else "0.0000"
    ws["E6"], ws["F6"] = "LM3 (svmodel at export)", section.result().score if section else "n/a"
    ws["F6"].number_format = "0.0000"
    _name(wb, L.NAME_LM3, L.LM3, "F5")
    for index, column in enumerate(L.LM3_COLUMNS, start=1):
        ws.column_dimensions[_col(index)].width = max(column.width, 22 if index in (5, 6) else 0)
    ws.column_dimensions["A"].width = 30
    _print_setup(ws, title_rows=f"{LM3_HEADER}:{LM3_HEADER}",
                 area=f"A1:F{LM3_HEADER + max(len(spend), 1)}")


def _proxies_sheet(wb: Workbook, scenario: Scenario) -> None:
    ws = wb.create_sheet(L.PROXIES)
    price_year = scenario.model.price_year
    deflators = scenario.library.deflators
    _title(ws, "Financial proxies used",
           f"Values rebased to {price_year} prices with the GDP deflator: rebased = value x factor.")
    labels = ["Proxy id", "Name", "Unit", "Value (£)", "Price year", "Deflator index (price year)",
              f"Deflator index ({price_year})", "Deflator factor", f"Value (£, {price_year} prices)",
              "Value type", "Beneficiary", "Transfer", "Source", "URL", "Licence", "Confidence",
              "Origin", "Used by"]
    _header_row(ws, 3, labels)
    rows: dict[str, dict[str, Any]] = {}
    for line in scenario.lines:
        key = line.proxy_id or f"(inline: {line.id})"
        if key in rows:
            rows[key]["used"].append(line.id)
            continue
        rows[key] = {"line": line, "used": [line.id]}
    for row, (key, entry) in enumerate(rows.items(), start=4):
        line = entry["line"]
        year = PriceYear.parse(line.original_price_year)
        cells = [key, line.proxy_name, line.unit, line.original_value,
                 _price_year_cell(year), deflators.index(year), deflators.index(price_year),
                 deflators.factor(year, price_year), abs(line.unit_value), line.value_type,
                 line.beneficiary, "yes" if line.transfer else "no", line.source, line.url,
                 line.licence, line.confidence, line.origin, ", ".join(entry["used"])]
        formats = {3: L.MONEY, 5: "0.000", 6: "0.000", 7: L.FACTOR, 8: L.MONEY}
        for index, value in enumerate(cells):
            cell = ws.cell(row=row, column=index + 1, value=_user(value))
            cell.number_format = formats.get(index, "General")
            cell.alignment = WRAP
    for index, width in enumerate((22, 36, 18, 12, 10, 12, 12, 11, 14, 10, 18, 9, 48, 30, 14, 11,
                                   12, 24), start=1):
        ws.column_dimensions[_col(index)].width = width
    ws.freeze_panes = "B4"
    _fit_rows(ws, 4, 3 + len(rows))
    _print_setup(ws, title_rows="3:3")


def _uncertainty_sheet(wb: Workbook, scenario: Scenario) -> None:
    ws = wb.create_sheet(L.UNCERTAINTY)
    _title(ws, "Uncertainty (for Monte Carlo)",
           "One row per parameter: 'outcome_id.parameter', the distribution and its parameters. "
           "Shared distributions and correlations (issue 16) are rows named 'shared' and "
           "'correlations' with their whole value as JSON in the json column.")
    spec = scenario.model.uncertainty
    keys: list[str] = []
    for name, entry in spec.items():
        if name in L.UNCERTAINTY_JSON_ROWS or not isinstance(entry, dict):
            continue
        for key in entry:
            if key != L.UNCERTAINTY_DIST and key not in keys:
                keys.append(key)
    if any(name in L.UNCERTAINTY_JSON_ROWS for name in spec):
        keys.append(L.UNCERTAINTY_JSON)
    _header_row(ws, 3, [L.UNCERTAINTY_KEY, L.UNCERTAINTY_DIST, *keys])
    for row, (parameter, entry) in enumerate(spec.items(), start=4):
        ws.cell(row=row, column=1, value=_user(parameter))
        if parameter in L.UNCERTAINTY_JSON_ROWS:
            entry = {L.UNCERTAINTY_JSON: json.dumps(entry)}
        else:
            ws.cell(row=row, column=2, value=_user(entry.get(L.UNCERTAINTY_DIST)))
        for index, name in enumerate(keys, start=3):
            value = entry.get(name)
            if isinstance(value, (list, dict)):
                value = json.dumps(value)
            _input(ws.cell(row=row, column=index, value=_user(value)))
        _input(ws.cell(row=row, column=1))
        _input(ws.cell(row=row, column=2))
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 14
    ws.freeze_panes = "A4"
    _print_setup(ws, title_rows="3:3")


def _provenance_sheet(wb: Workbook, scenario: Scenario, results: Results, g: _Geometry) -> None:
    ws = wb.create_sheet(L.PROVENANCE)
    _title(ws, "Provenance")
    prov = results.provenance()
    rows: list[tuple[str, Any]] = [
        ("Exported by", f"svmodel {__version__}"),
        ("Exported at (UTC)", datetime.now(timezone.utc).isoformat(timespec="seconds")),
        ("Scenario file", prov.get("scenario_file") or "(not from a file)"),
        ("Scenario file SHA-256", prov.get("scenario_hash") or ""),
        ("Proxy library version", prov.get("proxy_library_version")),
        ("Proxy library content hash", prov.get("proxy_library_hash")),
        ("Proxy packs", ", ".join(prov.get("proxy_packs") or []) or "(none)"),
        ("GDP deflator series", f"{scenario.library.deflators.source} {scenario.library.deflators.url}".strip()),
        ("", ""),
        ("Conventions", "SROI Guide (2012) stages 1-5; HM Treasury Green Book (2022) Annex A6 "
                        "for discounting; docs/conventions.md and docs/excel.md in svmodel"),
        ("Impact", "quantity x value x local share x (1 - deadweight) x (1 - displacement) x "
                   "(1 - attribution)"),
        ("Cohort funnel", "quantity = sum over programme years of need x engagement x success; "
                          "programme year k starts in outcome year start + k - 1"),
        ("Value in year t", "impact x (1 - drop-off)^(t - start) for start <= t < start + duration"),
        ("Year grid", f"outcome years 1 to {g.grid_years}: the longest horizon this workbook accepts"),
        ("Discount factor", "D(s) = D(s-1) / (1 + rate in year s); outcome year t uses D(t) if the "
                            "first year is discounted, else D(t-1); an input in year y uses D(y)"),
        ("Headline", "NPV = PV - inputs; SROI ratio = PV / inputs; payback = 12 (F - 1) + inputs / "
                     "(value in F / 12) months, F the first year with value"),
        ("Business case", "benefits x (1 - grade correction); costs x (1 + optimism bias uplift) "
                          "where it applies; benefit-cost ratio = benefits / costs"),
        ("", ""),
        ("Value Map columns not covered", NOT_COVERED[0]),
        *[("", text) for text in NOT_COVERED[1:]],
    ]
    if scenario.warnings:
        rows.append(("", ""))
        rows += [("Warning" if i == 0 else "", w) for i, w in enumerate(scenario.warnings)]
    for row, (label, value) in enumerate(rows, start=3):
        ws.cell(row=row, column=1, value=label or None).font = BOLD
        cell = ws.cell(row=row, column=2, value=_user(value))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 32
    ws.column_dimensions["B"].width = 110
    _fit_rows(ws, 3, 2 + len(rows))
    _print_setup(ws)


# --------------------------------------------------------------------------- entry points
def build_workbook(scenario: Scenario, results: Results | None = None) -> Workbook:
    """The Value Map workbook for a validated scenario (not yet saved)."""
    check_workbook_supports(scenario.model, str(scenario.path or "the scenario"))  # issue 14
    results = results or calculate(scenario)
    horizon = len(results.engine.years)
    grid = max(L.GRID_YEARS, horizon)
    top_year = max([grid] + [item.year for item in scenario.model.inputs])
    cohort_rows = sum(line.cohort.years for line in scenario.lines if line.cohort is not None)
    g = _Geometry(n_lines=len(scenario.lines), n_inputs=len(scenario.model.inputs), grid_years=grid,
                  top_year=top_year, cohort_last=TABLE_FIRST + max(cohort_rows, 1) - 1 + SPARE_ROWS,
                  overlap_last=TABLE_FIRST + max(len(scenario.model.overlaps), 1) - 1 + SPARE_ROWS,
                  printed_years=max([horizon, 1] + [item.year for item in scenario.model.inputs]))
    wb = Workbook()
    _scenario_sheet(wb, scenario)
    _narrative_sheet(wb, scenario)
    deflators = _deflators_sheet(wb, scenario)
    _value_map_sheet(wb, scenario, deflators, g)
    _cohorts_sheet(wb, scenario, g)
    _discounting_sheet(wb, g)
    _inputs_sheet(wb, scenario, g)
    _social_return_sheet(wb, scenario, results, g)
    _business_case_sheet(wb, scenario, results, g)
    _proxies_sheet(wb, scenario)
    _uncertainty_sheet(wb, scenario)
    _overlaps_sheet(wb, scenario, g)
    _lm3_sheet(wb, scenario)
    _provenance_sheet(wb, scenario, results, g)
    order = [wb[name] for name in L.SHEETS]
    wb._sheets = order  # the documented sheet order (openpyxl has no public reorder-all)
    wb.active = 0
    wb.calculation.fullCalcOnLoad = True  # ask Excel / LibreOffice to compute on opening
    return wb


def export_workbook(scenario: Scenario, path: str | os.PathLike[str],
                    results: Results | None = None) -> Path:
    """Write the Value Map workbook atomically (temporary file, then rename)."""
    buffer = io.BytesIO()
    build_workbook(scenario, results).save(buffer)
    return write_bytes_atomic(Path(path), buffer.getvalue())
