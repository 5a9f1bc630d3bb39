"""Blank return forms for partners: the measure return (one row per framework measure) and
the donation return, as xlsx (with a Guidance sheet and drop-down lists) and CSV, with human
column headings. `svmodel ledger submit` reads them back (svmodel.ledger.intake). Every cell
written goes through `svmodel.util.safety.neutralise_cell`.
"""

from __future__ import annotations

import io
from pathlib import Path

from svmodel.util.atomic import write_bytes_atomic, write_text_atomic
from svmodel.library.frameworks import Framework
from svmodel.ledger.intake import DONATION_COLUMNS, DONATION_SHEET, FORM_COLUMNS, FORM_SHEET
from svmodel.ledger.models import CHANNELS, DONATION_TYPES
from svmodel.util.safety import csv_text, neutralise_cell, neutralise_row

FILL = {"quantity", "proxy", "proxy_units", "deadweight", "displacement", "attribution", "description",
        "evidence", "donation_type", "channel", "recipient", "amount", "hours", "volunteers"}


def form_rows(framework: Framework) -> list[list[object]]:
    rows = []
    for outcome in framework.outcomes:
        for m in outcome.measures:
            proxy = "" if m.count_only else (m.proxies[0].id if m.proxies else "")
            rows.append([m.id, m.name, f"{outcome.id} {outcome.name}", m.unit, None, proxy, None,
                         None, None, None, None, None])
    return rows


def guidance(framework: Framework) -> list[str]:
    return [
        f"{framework.title}: partner return",
        "Fill in one row per measure you report for the period; leave the others blank.",
        "Quantity in the period: how many (in the unit shown) in the period you submit for.",
        "Financial proxy: the form suggests the framework's first proxy; you may choose another "
        "that the framework lists for the measure (sheet 'Proxies'). Count-only measures are counted, "
        "not valued; measures in GBP count at face value.",
        "Proxy units per unit: e.g. hours per volunteer when the proxy is per hour (blank = 1).",
        "Deadweight, displacement, attribution: fractions from 0 to 1 or percentages (SROI Guide 2012, stage 4).",
        "Evidence you hold: what a verifier can check (registers, timesheets, certificates).",
        "Submit with: svmodel ledger submit FILE --org 'Your organisation' --period 2026/27",
    ]


def form_xlsx(framework: Framework) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    ws = book.active
    ws.title = FORM_SHEET
    ws.append([h for _, h in FORM_COLUMNS])
    rows = form_rows(framework)
    for row in rows:
        ws.append(neutralise_row(row))
    fill = PatternFill("solid", fgColor="FFF4CC")
    last = len(rows) + 1
    for index, (name, _) in enumerate(FORM_COLUMNS, start=1):
        letter = get_column_letter(index)
        ws[f"{letter}1"].font = Font(bold=True)
        ws[f"{letter}1"].alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[letter].width = {"measure_name": 48, "outcome": 34, "proxy": 30,
                                              "description": 36, "evidence": 36}.get(name, 14)
        if name in FILL:
            for r in range(2, last + 1):
                ws[f"{letter}{r}"].fill = fill
    ws.freeze_panes = "B2"
    names = [n for n, _ in FORM_COLUMNS]
    col = lambda n: get_column_letter(names.index(n) + 1)  # noqa: E731
    quantity = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                              error="A quantity of at least 0, in the unit shown", errorTitle="Quantity")
    quantity.add(f"{col('quantity')}2:{col('quantity')}{last}")
    fraction = DataValidation(type="decimal", operator="between", formula1="0", formula2="1", allow_blank=True,
                              error="A fraction from 0 to 1, such as 0.25", errorTitle="Fraction")
    for name in ("deadweight", "displacement", "attribution"):
        fraction.add(f"{col(name)}2:{col(name)}{last}")
    ws.add_data_validation(quantity)
    ws.add_data_validation(fraction)
    guide = book.create_sheet("Guidance")
    for line in guidance(framework):
        guide.append([neutralise_cell(line)])
    guide.column_dimensions["A"].width = 120
    guide["A1"].font = Font(bold=True, size=13)
    proxies = book.create_sheet("Proxies")
    proxies.append(["Measure", "Proxy id", "Why it fits"])
    for m in framework.measures.values():
        for p in m.proxies:
            proxies.append(neutralise_row([m.id, p.id, p.rationale]))
        if m.count_only:
            proxies.append(neutralise_row([m.id, "(counted, not valued)", m.reason]))
    for letter, width in zip("ABC", (10, 34, 100)):
        proxies.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def form_csv(framework: Framework) -> str:
    return csv_text(form_rows(framework), header=[h for _, h in FORM_COLUMNS])


def donation_csv() -> str:
    example = [["cash", "Knowsley Foundation", "", None, None, None, "", "", ""]]
    return csv_text(example[:0], header=[h for _, h in DONATION_COLUMNS])


def donation_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    ws = book.active
    ws.title = DONATION_SHEET
    ws.append([h for _, h in DONATION_COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for letter in "ABCDEFGHI":
        ws.column_dimensions[letter].width = 24
    kinds = DataValidation(type="list", formula1='"' + ",".join(DONATION_TYPES) + '"', allow_blank=True)
    kinds.add("A2:A500")
    channels = DataValidation(type="list", formula1='"' + ",".join(CHANNELS) + '"', allow_blank=True)
    channels.add("B2:B500")
    ws.add_data_validation(kinds)
    ws.add_data_validation(channels)
    guide = book.create_sheet("Guidance")
    for line in ("Donation return: one row per donation in the period.",
                 "Type of donation: cash, in-kind or volunteer time. Given through: Knowsley Foundation "
                 "(private and social-enterprise sector), Knowsley CVS (voluntary and community sector) or direct.",
                 "Cash and in-kind: the amount in pounds (in-kind at cost to the donor). Volunteer time: the hours "
                 "(valued at the ONS median hourly wage) and, if known, the number of volunteers.",
                 "Measure: blank means K22 for cash and in-kind, K14 for volunteer time."):
        guide.append([line])
    guide.column_dimensions["A"].width = 120
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_forms(framework: Framework, directory: str | Path) -> list[Path]:
    """Write the measure return and donation return, xlsx and CSV, atomically."""
    directory = Path(directory)
    stem = f"{framework.name}_return"
    return [write_bytes_atomic(directory / f"{stem}.xlsx", form_xlsx(framework)),
            write_text_atomic(directory / f"{stem}.csv", form_csv(framework)),
            write_bytes_atomic(directory / "donation_return.xlsx", donation_xlsx()),
            write_text_atomic(directory / "donation_return.csv", donation_csv())]
