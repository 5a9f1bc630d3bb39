"""Export a scenario as a Social Value UK Value Map workbook with live formulas.

Every result in the workbook is a formula over the input cells (yellow), so a reviewer can
audit and change any input and see the result move:

- Deflator factor = GDP deflator index of the scenario price year / index of the proxy's price
  year (financial years: 0.75 x index(y) + 0.25 x index(y + 1)); value = proxy value x factor
  (HM Treasury Green Book 2022, section 5 and Annex A6: real prices).
- Impact = quantity x value x (1 - deadweight) x (1 - displacement) x (1 - attribution)
  (SROI Guide 2012, stage 4).
- Value in year t = impact x (1 - drop-off)^(t - start) for start <= t < start + duration
  (SROI Guide stage 4, drop-off).
- Discount factor D(s) = D(s - 1) x 1 / (1 + rate in year s), D(0) = 1: a flat rate, or the
  Green Book declining schedule (Annex A6, Tables 8 and 9) built as a per-year rate row;
  outcome year t uses D(t) when the first year is discounted (SROI Guide stage 5), else
  D(t - 1); an input in year y uses D(y).
- PV = sum of value x factor; NPV = PV - PV of inputs; SROI ratio = PV / PV of inputs;
  payback (months) = 12 (F - 1) + PV of inputs / (value in year F / 12), F the first outcome
  year with a positive total value (SROI Guide stage 5, respecting start years: issue 14).

The figures svmodel computed at export time stand beside the live ones on the Social Return
sheet, so any disagreement is visible.
"""

from __future__ import annotations

import io
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from svmodel import __version__
from svmodel.excel import layout as L
from svmodel.util.atomic import write_bytes_atomic
from svmodel.library.deflators import PriceYear
from svmodel.excel.business_case import check_workbook_supports
from svmodel.engine import GREEN_BOOK_BANDS, GREEN_BOOK_HEALTH_BANDS
from svmodel.results import Results, calculate
from svmodel.scenario import Scenario
from svmodel.util.safety import neutralise_cell

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
DEFL_FIRST = 6  # first data row of the Deflators sheet
# Value Map cells that a library proxy fills from the library (import does not read them).
LIBRARY_FIELDS = ("proxy_name", "unit", "value_type", "beneficiary", "source", "url", "licence")
DISC_YEAR, DISC_RATE, DISC_FACTOR, DISC_BANDS = 4, 5, 6, 10  # Discounting sheet rows

NOT_COVERED = (
    "Stage 1 'Intended/unintended changes' and stage 2 'Outputs' (summary of activity in "
    "numbers) have no field in the scenario file and are not exported.",
    "Stage 3 'Source' of the indicator's evidence has no field of its own: use the Notes column.",
    "Inputs are listed on their own sheet (one row per input, with its year) rather than in a "
    "column beside each stakeholder.",
)


def _q(sheet: str) -> str:
    return f"'{sheet}'" if " " in sheet else sheet


def _ref(sheet: str, cell: str) -> str:
    return f"{_q(sheet)}!{cell}"


def _col(index: int) -> str:
    """Column letter of a 1-based column index."""
    return get_column_letter(index)


def _vm_col(key: str) -> str:
    for index, column in enumerate(L.VALUE_MAP_COLUMNS, start=1):
        if column.key == key:
            return _col(index)
    raise KeyError(key)


def _in_col(key: str) -> str:
    for index, column in enumerate(L.INPUT_COLUMNS, start=1):
        if column.key == key:
            return _col(index)
    raise KeyError(key)


def _setting(key: str, absolute: bool = True) -> str:
    cell = L.setting_cell(key)
    return _ref(L.SCENARIO, f"${cell[0]}${cell[1:]}" if absolute else cell)


def _name(wb: Workbook, name: str, sheet: str, cell: str) -> None:
    column = "".join(ch for ch in cell if ch.isalpha())
    row = cell[len(column):]
    wb.defined_names[name] = DefinedName(name, attr_text=f"{_q(sheet)}!${column}${row}")


def _title(ws: Worksheet, text: str, subtitle: str = "") -> None:
    ws["A1"] = text
    ws["A1"].font = TITLE_FONT
    if subtitle:
        ws["A2"] = subtitle
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


# --------------------------------------------------------------------------- sheets
def _scenario_sheet(wb: Workbook, scenario: Scenario) -> None:
    ws = wb.active
    ws.title = L.SCENARIO
    model = scenario.model
    _title(ws, f"svmodel scenario: {model.name}",
           "Yellow cells are inputs: change them and every result recalculates. Other cells "
           "are formulas, or (for a library proxy) the library's description of it. "
           "`svmodel import` reads the yellow cells back into a scenario file.")
    _header_row(ws, L.SETTINGS_FIRST_ROW - 1, ("Setting", "Value", "Allowed / notes"))
    rate = model.discounting.rate
    values: dict[str, Any] = {
        "svmodel": model.svmodel, "name": model.name, "organisation": model.organisation,
        "description": model.description, "kind": model.kind, "price_year": model.price_year,
        "rate": rate, "first_year_discounted": model.discounting.first_year_discounted,
        "proxies": "; ".join(model.proxies), "include_transfers": model.include_transfers,
    }
    for index, (key, label, help_text) in enumerate(L.SETTINGS):
        row = L.SETTINGS_FIRST_ROW + index
        ws.cell(row=row, column=1, value=label).font = BOLD
        cell = ws.cell(row=row, column=2, value=_user(values[key]))
        _input(cell, "0.00%" if key == "rate" and not isinstance(rate, str) else None)
        cell.alignment = Alignment(horizontal="left", wrap_text=key == "description")
        ws.cell(row=row, column=3, value=help_text).font = QUESTION_FONT
    kind = DataValidation(type="list", formula1='"forecast,evaluative"', allow_blank=False)
    kind.add(L.setting_cell("kind"))
    flag = DataValidation(type="list", formula1='"TRUE,FALSE"', allow_blank=False)
    flag.add(L.setting_cell("first_year_discounted"))
    flag.add(L.setting_cell("include_transfers"))
    ws.add_data_validation(kind)
    ws.add_data_validation(flag)

    row = L.SETTINGS_FIRST_ROW + len(L.SETTINGS) + 1
    ws.cell(row=row, column=1, value="Results (live, from the Social Return sheet)").font = BOLD
    for offset, (label, name, fmt) in enumerate((
        ("Total present value", L.NAME_TOTAL_PV, L.MONEY),
        ("Present value of inputs", L.NAME_INPUTS_PV, L.MONEY),
        ("Net present value", L.NAME_NPV, L.MONEY),
        ("SROI ratio", L.NAME_RATIO, "0.00"),
    ), start=1):
        ws.cell(row=row + offset, column=1, value=label)
        cell = ws.cell(row=row + offset, column=2, value=f"={name}")
        cell.number_format = fmt
        cell.alignment = Alignment(horizontal="left")
    ws.column_dimensions["A"].width = 44
    ws.column_dimensions["B"].width = 44
    ws.column_dimensions["C"].width = 70
    ws.freeze_panes = f"A{L.SETTINGS_FIRST_ROW}"


def _inputs_sheet(wb: Workbook, scenario: Scenario, horizon_col: str) -> tuple[str, int]:
    """Returns the present-value total cell and the last input row."""
    ws = wb.create_sheet(L.INPUTS)
    _title(ws, "Stage 2: Inputs (the investment)")
    for index, column in enumerate(L.INPUT_COLUMNS, start=1):
        ws.cell(row=IN_QUESTION, column=index, value=column.question).font = QUESTION_FONT
        ws.cell(row=IN_QUESTION, column=index).alignment = WRAP
        ws.column_dimensions[_col(index)].width = column.width
    _header_row(ws, IN_HEADER, (c.label for c in L.INPUT_COLUMNS))
    factors = f"{_q(L.DISCOUNTING)}!$B${DISC_FACTOR}:${horizon_col}${DISC_FACTOR}"
    amount, year, factor, pv = (_in_col(k) for k in ("amount", "year", "discount_factor", "present_value"))
    row = IN_FIRST
    for row, item in enumerate(scenario.model.inputs, start=IN_FIRST):
        values = {"stakeholder": item.stakeholder, "description": item.description,
                  "amount": item.amount, "year": item.year, "notes": item.notes,
                  "discount_factor": f"=INDEX({factors},1,{year}{row}+1)",
                  "present_value": f"={amount}{row}*{factor}{row}"}
        for index, column in enumerate(L.INPUT_COLUMNS, start=1):
            cell = ws.cell(row=row, column=index, value=_column_value(values[column.key], column.formula))
            cell.number_format = column.number_format
            if not column.formula:
                _input(cell)
    last = row
    total = last + 2
    ws.cell(row=total, column=1, value="Total").font = BOLD
    for key in ("amount", "present_value"):
        letter = _in_col(key)
        cell = ws[f"{letter}{total}"]
        cell.value = f"=SUM({letter}{IN_FIRST}:{letter}{last})"
        cell.number_format = L.MONEY
        cell.font = BOLD
    for index in range(1, len(L.INPUT_COLUMNS) + 1):
        ws.cell(row=total, column=index).fill = TOTAL_FILL
    ws.freeze_panes = f"A{IN_FIRST}"
    return f"{pv}{total}", last


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
    return year_range, index_range, _ref(L.DEFLATORS, f"$D${DEFL_FIRST}")


def _value_map_sheet(wb: Workbook, scenario: Scenario, deflators: tuple[str, str, str]) -> int:
    """Stages 1-4; returns the last outcome row."""
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
        question = ws.cell(row=VM_QUESTION, column=index, value=column.question)
        question.font = QUESTION_FONT
        question.alignment = WRAP
        ws.column_dimensions[_col(index)].width = column.width
    _header_row(ws, VM_HEADER, (c.label for c in L.VALUE_MAP_COLUMNS))
    ws.row_dimensions[VM_QUESTION].height = 48
    ws.row_dimensions[VM_HEADER].height = 32

    c = {key: _vm_col(key) for key in ("quantity", "amount", "price_year", "factor", "unit_value",
                                        "deadweight", "displacement", "attribution")}
    row = VM_FIRST
    for row, (outcome, line) in enumerate(zip(scenario.model.outcomes, scenario.lines), start=VM_FIRST):
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
        r = row
        values = {
            "stakeholder": outcome.stakeholder, "id": outcome.id, "outcome": outcome.outcome,
            "measure": outcome.measure, "indicator": outcome.indicator,
            "quantity": outcome.quantity, "duration": outcome.duration,
            "start_year": outcome.start_year, **meta,
            "factor": f"={target}/{_deflator_index(c['price_year'] + str(r), year_range, index_range)}",
            "unit_value": f"={c['amount']}{r}*{c['factor']}{r}",
            "deadweight": outcome.deadweight, "displacement": outcome.displacement,
            "attribution": outcome.attribution, "drop_off": outcome.drop_off,
            "impact": (f"={c['quantity']}{r}*{c['unit_value']}{r}*(1-{c['deadweight']}{r})"
                       f"*(1-{c['displacement']}{r})*(1-{c['attribution']}{r})"),
            "notes": outcome.notes, "transfer": line.transfer,
        }
        # A library proxy's name and metadata come from the library: shown, not inputs.
        fixed = LIBRARY_FIELDS if inline is None else ("proxy_name",)
        for index, column in enumerate(L.VALUE_MAP_COLUMNS, start=1):
            cell = ws.cell(row=r, column=index, value=_column_value(values[column.key], column.formula))
            cell.number_format = column.number_format
            if not column.formula and column.key not in fixed:
                _input(cell)
    ws.freeze_panes = f"C{VM_FIRST}"
    ws.auto_filter.ref = f"A{VM_HEADER}:{_col(len(L.VALUE_MAP_COLUMNS))}{row}"
    return row


def _discounting_sheet(wb: Workbook, top_year: int) -> str:
    """Years 0..top_year with the rate in each year and the compounded factor.

    Returns the column letter of the last year.
    """
    ws = wb.create_sheet(L.DISCOUNTING)
    _title(ws, "Discounting",
           "D(0) = 1; D(s) = D(s-1) x 1/(1 + rate in year s). A number in the Scenario sheet's "
           "discount rate applies in every year; green_book / green_book_health use the Green "
           "Book 2022 declining schedules (Annex A6, Tables 8 and 9) below.")
    ws.cell(row=DISC_YEAR, column=1, value="Years from now").font = BOLD
    ws.cell(row=DISC_RATE, column=1, value="Rate in year").font = BOLD
    ws.cell(row=DISC_FACTOR, column=1, value="Discount factor D(s)").font = BOLD
    rate = _setting("rate")
    first, last = DISC_BANDS + 1, DISC_BANDS + len(L.BAND_FIRST_YEARS)
    band_years = f"$A${first}:$A${last}"
    for offset in range(top_year + 1):
        col = _col(2 + offset)
        ws[f"{col}{DISC_YEAR}"] = offset
        ws[f"{col}{DISC_YEAR}"].font = BOLD
        if offset == 0:
            ws[f"{col}{DISC_FACTOR}"] = 1
        else:
            year = f"{col}${DISC_YEAR}"
            ws[f"{col}{DISC_RATE}"] = (
                f"=IF(ISNUMBER({rate}),{rate},IF({rate}=\"green_book\","
                f"INDEX($B${first}:$B${last},MATCH({year},{band_years},1)),"
                f"IF({rate}=\"green_book_health\",INDEX($C${first}:$C${last},"
                f"MATCH({year},{band_years},1)),NA())))")
            previous = _col(1 + offset)
            ws[f"{col}{DISC_FACTOR}"] = f"={previous}{DISC_FACTOR}*(1/(1+{col}{DISC_RATE}))"
        ws[f"{col}{DISC_RATE}"].number_format = "0.00%"
        ws[f"{col}{DISC_FACTOR}"].number_format = L.FACTOR
        ws.column_dimensions[col].width = 10
    _header_row(ws, DISC_BANDS, ("From year", "green_book", "green_book_health"))
    for row, (start, (_, standard), (_, health)) in enumerate(
            zip(L.BAND_FIRST_YEARS, GREEN_BOOK_BANDS, GREEN_BOOK_HEALTH_BANDS), start=first):
        ws.cell(row=row, column=1, value=start)
        ws.cell(row=row, column=2, value=standard).number_format = "0.00%"
        ws.cell(row=row, column=3, value=health).number_format = "0.00%"
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 12
    ws.column_dimensions["C"].width = 18
    ws.freeze_panes = "B4"
    return _col(2 + top_year)


def _social_return_sheet(wb: Workbook, scenario: Scenario, results: Results, last_vm_row: int,
                         inputs_total: str, last_input_row: int, top_year: int) -> None:
    """Stage 5: each year's value, discount factors, PV, NPV and the SROI ratio."""
    ws = wb.create_sheet(L.SOCIAL_RETURN, 3)
    _title(ws, "Stage 5: Calculating the social return",
           "Live formulas over the Value Map, Inputs and Discounting sheets. Column C shows "
           "the figures svmodel computed when the workbook was exported.")
    horizon = len(results.engine.years)
    n = len(scenario.lines)
    header = 13
    first, last = header + 1, header + n
    total_row, factor_row, pv_row = last + 1, last + 2, last + 3
    first_year_col = 5  # E
    year_cols = [_col(first_year_col + k) for k in range(horizon)]
    pv_col = _col(first_year_col + horizon)
    end_col = _col(first_year_col + horizon + 1)
    vm = lambda key, r: _ref(L.VALUE_MAP, f"${_vm_col(key)}{r}")  # noqa: E731

    # Summary block (rows 4-11).
    ws["B3"], ws["C3"] = "Live", "svmodel at export"
    ws["B3"].font = ws["C3"].font = BOLD
    ws["A4"], ws["B4"] = "Discount rate", f"={_setting('rate')}"
    ws["C4"] = scenario.model.discounting.rate
    ws["A5"], ws["B5"] = "First year discounted", f"={_setting('first_year_discounted')}"
    ws["C5"] = scenario.model.discounting.first_year_discounted
    for cell in ("B4", "C4"):
        ws[cell].number_format = "0.00%"
    counted_col = _col(first_year_col + horizon + 2)
    counted = f"${counted_col}${first}:${counted_col}${last}"
    summary = (
        ("Total present value (PV)", L.NAME_TOTAL_PV,
         f"=SUMPRODUCT(${pv_col}${first}:${pv_col}${last},{counted})",
         results.total_present_value, L.MONEY),
        ("Present value of inputs", L.NAME_INPUTS_PV, f"={_ref(L.INPUTS, inputs_total)}",
         results.total_inputs, L.MONEY),
        ("Net present value (NPV = PV - inputs)", L.NAME_NPV, "=B6-B7",
         results.net_present_value, L.MONEY),
        ("SROI ratio (PV / inputs)", L.NAME_RATIO, "=B6/B7", results.sroi_ratio, "0.0000"),
        ("Net SROI ratio (NPV / inputs)", L.NAME_NET_RATIO, "=B8/B7", results.net_sroi_ratio, "0.0000"),
        ("Payback (months)", L.NAME_PAYBACK,
         f"=IF({year_cols[-1]}{pv_row + 1}>0,12*({year_cols[-1]}{pv_row + 1}-1)+B7/(INDEX("
         f"{year_cols[0]}{total_row}:{year_cols[-1]}{total_row},1,{year_cols[-1]}{pv_row + 1})/12),\"n/a\")",
         results.payback_months, "0.0"),
    )
    for row, (label, name, formula, value, fmt) in enumerate(summary, start=6):
        ws.cell(row=row, column=1, value=label).font = BOLD
        ws.cell(row=row, column=2, value=formula).number_format = fmt
        ws.cell(row=row, column=3, value=value if value is not None else "n/a").number_format = fmt
        ws.cell(row=row, column=2).font = BOLD
        _name(wb, name, L.SOCIAL_RETURN, f"B{row}")
    last_years = f"${end_col}${first}:${end_col}${last}"
    input_years = _ref(L.INPUTS, f"${_in_col('year')}${IN_FIRST}:${_in_col('year')}${last_input_row}")
    ws["A12"] = "Horizon check"
    ws["B12"] = (f"=IF(OR(MAX({last_years})>{horizon},MAX({input_years})>{top_year}),"
                 f"\"Some years lie beyond the grid below: export again with svmodel\","
                 f"\"OK: every outcome year is in the grid\")")

    # The line x year grid.
    _header_row(ws, header, ["Outcome id", "Stakeholder", "Outcome", "Impact (£)"]
                + list(range(1, horizon + 1)) + ["Present value (£)", "Last year", "Counted (1/0)"])
    for col in year_cols:
        ws[f"{col}{header}"].number_format = '"Year "0'
    for r_index, vm_row in enumerate(range(VM_FIRST, last_vm_row + 1)):
        r = first + r_index
        ws[f"A{r}"] = f"={vm('id', vm_row)}"
        ws[f"B{r}"] = f"={vm('stakeholder', vm_row)}"
        ws[f"C{r}"] = f"={vm('outcome', vm_row)}"
        ws[f"D{r}"] = f"={vm('impact', vm_row)}"
        ws[f"D{r}"].number_format = L.MONEY
        start, duration, drop = vm("start_year", vm_row), vm("duration", vm_row), vm("drop_off", vm_row)
        for col in year_cols:
            t = f"{col}${header}"
            ws[f"{col}{r}"] = (f"=IF(AND({t}>={start},{t}<{start}+{duration}),"
                               f"$D{r}*(1-{drop})^({t}-{start}),0)")
            ws[f"{col}{r}"].number_format = L.MONEY
        ws[f"{pv_col}{r}"] = (f"=SUMPRODUCT({year_cols[0]}{r}:{year_cols[-1]}{r},"
                              f"${year_cols[0]}${factor_row}:${year_cols[-1]}${factor_row})")
        ws[f"{pv_col}{r}"].number_format = L.MONEY
        ws[f"{end_col}{r}"] = f"={start}+{duration}-1"
        # Transfer payments count only when the scenario includes them (Green Book Annex A2).
        ws[f"{counted_col}{r}"] = (f"=IF(OR({_setting('include_transfers')},"
                                   f"NOT({vm('transfer', vm_row)})),1,0)")
    fyd = _setting("first_year_discounted")
    for label, row in (("Total value (£)", total_row), ("Discount factor", factor_row),
                       ("Present value (£)", pv_row)):
        ws.cell(row=row, column=1, value=label).font = BOLD
        for index in range(1, len(year_cols) + first_year_col + 1):
            ws.cell(row=row, column=index).fill = TOTAL_FILL
    for k, col in enumerate(year_cols, start=1):
        ws[f"{col}{total_row}"] = f"=SUMPRODUCT({col}{first}:{col}{last},{counted})"
        ws[f"{col}{total_row}"].number_format = L.MONEY
        this, before = _col(2 + k), _col(1 + k)  # Discounting columns for years k and k - 1
        ws[f"{col}{factor_row}"] = (f"=IF({fyd},{_q(L.DISCOUNTING)}!{this}${DISC_FACTOR},"
                                    f"{_q(L.DISCOUNTING)}!{before}${DISC_FACTOR})")
        ws[f"{col}{factor_row}"].number_format = L.FACTOR
        ws[f"{col}{pv_row}"] = f"={col}{total_row}*{col}{factor_row}"
        ws[f"{col}{pv_row}"].number_format = L.MONEY
    # First outcome year with a positive total value, carried along the row (payback, issue 14).
    ws.cell(row=pv_row + 1, column=1, value="First year with value").font = BOLD
    for k, col in enumerate(year_cols):
        carried = f"{year_cols[k - 1]}{pv_row + 1}" if k else "0"
        ws[f"{col}{pv_row + 1}"] = f"=IF({carried}>0,{carried},IF({col}{total_row}>0,{col}${header},0))"
    ws[f"{pv_col}{pv_row}"] = f"=SUM({year_cols[0]}{pv_row}:{year_cols[-1]}{pv_row})"
    ws[f"{pv_col}{pv_row}"].number_format = L.MONEY
    ws[f"D{total_row}"] = f"=SUMPRODUCT(D{first}:D{last},{counted})"
    ws[f"D{total_row}"].number_format = L.MONEY
    widths = {"A": 38, "B": 20, "C": 34, "D": 14, pv_col: 16, end_col: 9}
    for col in year_cols:
        widths[col] = 13
    for col, width in widths.items():
        ws.column_dimensions[col].width = width
    ws.freeze_panes = f"E{first}"


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
                 deflators.factor(year, price_year), line.unit_value, line.value_type,
                 line.beneficiary, "yes" if line.transfer else "no", line.source, line.url,
                 line.licence, line.confidence, line.origin, ", ".join(entry["used"])]
        formats = {3: L.MONEY, 5: "0.000", 6: "0.000", 7: L.FACTOR, 8: L.MONEY}
        for index, value in enumerate(cells):
            cell = ws.cell(row=row, column=index + 1, value=_user(value))
            cell.number_format = formats.get(index, "General")
    for index, width in enumerate((22, 36, 18, 12, 10, 12, 12, 11, 14, 10, 18, 9, 48, 30, 14, 11,
                                   12, 24), start=1):
        ws.column_dimensions[_col(index)].width = width
    ws.freeze_panes = "B4"


def _uncertainty_sheet(wb: Workbook, scenario: Scenario) -> None:
    ws = wb.create_sheet(L.UNCERTAINTY)
    _title(ws, "Uncertainty (for Monte Carlo)",
           "One row per parameter: 'outcome_id.parameter', the distribution and its parameters.")
    # issue 16: shared distributions and correlations have no row form here (not exported yet)
    spec = {k: v for k, v in scenario.model.uncertainty.items()
            if k not in ("shared", "correlations") and not (isinstance(v, dict) and "shared" in v)}
    keys: list[str] = []
    for entry in spec.values():
        for name in entry:
            if name != L.UNCERTAINTY_DIST and name not in keys:
                keys.append(name)
    _header_row(ws, 3, [L.UNCERTAINTY_KEY, L.UNCERTAINTY_DIST, *keys])
    for row, (parameter, entry) in enumerate(spec.items(), start=4):
        ws.cell(row=row, column=1, value=_user(parameter))
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


def _provenance_sheet(wb: Workbook, scenario: Scenario, results: Results) -> None:
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
        ("Impact", "quantity x value x (1 - deadweight) x (1 - displacement) x (1 - attribution)"),
        ("Value in year t", "impact x (1 - drop-off)^(t - start) for start <= t < start + duration"),
        ("Discount factor", "D(s) = D(s-1) / (1 + rate in year s); outcome year t uses D(t) if the "
                            "first year is discounted, else D(t-1); an input in year y uses D(y)"),
        ("Headline", "NPV = PV - inputs; SROI ratio = PV / inputs; payback = inputs / "
                     "(first-year impact / 12) months"),
        ("", ""),
        ("Value Map columns not covered", NOT_COVERED[0]),
        ("", NOT_COVERED[1]),
        ("", NOT_COVERED[2]),
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


# --------------------------------------------------------------------------- entry points
def _not_in_layout(scenario: Scenario) -> list[str]:
    """Issue 16 features the Value Map's formulas do not carry yet: a workbook of such a scenario
    would disagree with svmodel, so it is refused rather than written."""
    found = [f"{line.id}: local share {line.local_share:g}" for line in scenario.lines if line.local_share != 1]
    found += [f"{line.id}: left out by an overlap decision" for line in scenario.lines if line.excluded_by]
    return found


def build_workbook(scenario: Scenario, results: Results | None = None) -> Workbook:
    """The Value Map workbook for a validated scenario (not yet saved)."""
    unsupported = _not_in_layout(scenario)
    if unsupported:
        from svmodel.errors import UsageError

        raise UsageError("the Value Map workbook has no column for these yet, so its formulas would "
                         f"disagree with svmodel: {'; '.join(unsupported)}")
    check_workbook_supports(scenario.model, str(scenario.path or "the scenario"))  # issue 14
    results = results or calculate(scenario)
    horizon = len(results.engine.years)
    top_year = max([horizon] + [item.year for item in scenario.model.inputs])
    wb = Workbook()
    _scenario_sheet(wb, scenario)
    deflators = _deflators_sheet(wb, scenario)
    last_vm_row = _value_map_sheet(wb, scenario, deflators)
    last_col = _discounting_sheet(wb, top_year)
    inputs_total, last_input_row = _inputs_sheet(wb, scenario, last_col)
    _social_return_sheet(wb, scenario, results, last_vm_row, inputs_total, last_input_row, top_year)
    _proxies_sheet(wb, scenario)
    _uncertainty_sheet(wb, scenario)
    _provenance_sheet(wb, scenario, results)
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
