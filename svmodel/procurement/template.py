"""The bidder response form: one row per measure in scope, as CSV and xlsx.

Each row names the measure, the unit a commitment is counted in, how one unit is valued (the
proxy's name and unit; bidders never see internal proxy ids), the buyer's target and the
evidence expected; the bidder fills in their name, a quantity per contract year, their own
deadweight and attribution, who benefits, what they will do, the evidence and their
confidence. Columns carry human headings (`svmodel.procurement.bids.HEADINGS`, labels from the
parameter registry); `svmodel tender evaluate` maps them back by name, and reads forms headed
with the internal column names too. Files are written atomically.

References: Procurement Policy Note 002 (social value: relevant, proportionate, measurable
commitments, with the evaluation method published in the tender); SROI Guide (2012) stage 2-3.
"""

from __future__ import annotations

import io
from pathlib import Path

from svmodel.util.atomic import write_bytes_atomic, write_text_atomic
from svmodel.procurement.bids import RESPONSE_SHEET, heading
from svmodel.parameters import PARAMETERS
from svmodel.procurement.spec import TenderSpec
from svmodel.util.safety import csv_text, neutralise_row

BIDDER_COLUMNS = ("bidder_deadweight", "bidder_attribution", "beneficiaries", "description", "evidence",
                  "confidence")


def columns(spec: TenderSpec) -> list[str]:
    """The form's columns by internal name (their headings: `headings`)."""
    years = [f"year_{y}" for y in range(1, spec.years + 1)]
    return ["bidder", "measure", "measure_name", "unit", "valued_as", "target", "evidence_expected",
            *years, *BIDDER_COLUMNS]


def headings(spec: TenderSpec) -> list[str]:
    """The headings bidders see, one per column of `columns`."""
    return [heading(c) for c in columns(spec)]


def form_rows(spec: TenderSpec) -> list[dict[str, object]]:
    rows = []
    for m in spec.measures.values():
        rows.append({
            "bidder": "", "measure": m.id, "measure_name": m.name + (f": {m.description}" if m.description else ""),
            "unit": m.unit, "valued_as": m.valued_for_bidders(spec.price_year),
            "target": "" if m.target is None else m.target, "evidence_expected": m.evidence,
        })
    return rows


def form_csv(spec: TenderSpec) -> str:
    """The response form as CSV; every cell neutralised (svmodel.util.safety.csv_text)."""
    names = columns(spec)
    rows = [[(f"{v:g}" if isinstance(v, float) else v) for v in (row.get(c, "") for c in names)]
            for row in form_rows(spec)]
    return csv_text(rows, headings(spec))


def guidance_lines(spec: TenderSpec) -> list[str]:
    model = spec.model
    w = model.weighting
    return [
        model.name,
        f"{model.buyer}{' - ' + model.reference if model.reference else ''}",
        f"Contract value GBP {spec.contract_value:,.0f} over {spec.years} years. Values in {spec.price_year} prices.",
        f"Evaluation weighting: price {w.price:g}, quality {w.quality:g}, social value {w.social_value:g} "
        "points out of 100.",
        "",
        "How to respond (sheet 'Response'):",
        f"1. Put your organisation's name in '{heading('bidder')}' on every row you commit to.",
        f"2. Give the quantity you commit to in each contract year ('{heading('year_1')}' .. "
        f"'{heading(f'year_{spec.years}')}'), in the unit shown. Leave a row empty to make no "
        "commitment on that measure.",
        f"3. Give your own estimate of deadweight (what would happen anyway: '{heading('bidder_deadweight')}') "
        f"and attribution (the share due to others: '{heading('bidder_attribution')}') as percentages "
        "such as 25% (in the CSV form: 25% or 0.25).",
        "4. Say who benefits, what you will do, and the evidence you will provide (named partners, "
        "past delivery records, letters of support). Commitments without evidence "
        + ("are not valued." if model.scoring.unevidenced == "exclude" else "are flagged to the panel."),
        "5. Do not count the contract fee, the wages of staff needed to deliver the contract, or "
        "anything the contract requires anyway: these are not social value and will be flagged.",
        "6. Do not count the same people under two measures unless they experience two different changes.",
        "",
        f"The buyer values each commitment as shown in '{heading('valued_as')}' and applies its own "
        "deadweight, displacement and attribution (shown below); your estimates are recorded for comparison.",
        "",
    ]


def form_xlsx(spec: TenderSpec) -> bytes:
    """The response form workbook: 'Response' (to fill in) and 'Guidance' (read first)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    ws = book.active
    ws.title = RESPONSE_SHEET
    names = columns(spec)
    ws.append(neutralise_row(headings(spec)))
    for row in form_rows(spec):  # every text cell neutralised: a name cannot become a formula
        ws.append(neutralise_row([row.get(c, None) if row.get(c, "") != "" else None for c in names]))
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FFF4CC")  # the cells a bidder fills in
    wrap = Alignment(wrap_text=True, vertical="top")
    last = len(spec.measures) + 1
    for index, name in enumerate(names, start=1):
        letter = get_column_letter(index)
        ws[f"{letter}1"].font = bold
        width = {"measure": 9, "unit": 22, "valued_as": 48, "measure_name": 40, "evidence_expected": 40,
                 "description": 36, "evidence": 36, "beneficiaries": 26, "bidder": 26}.get(name, 13)
        ws.column_dimensions[letter].width = width
        for r in range(2, last + 1):
            cell = ws[f"{letter}{r}"]
            cell.alignment = wrap
            if name == "bidder" or name.startswith("year_") or name in BIDDER_COLUMNS:
                cell.fill = fill
            if name in ("bidder_deadweight", "bidder_attribution"):
                cell.number_format = "0%"  # typing 25 in a spreadsheet then stores 25% (0.25)
    ws.row_dimensions[1].height = 45
    for cell in ws[1]:
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    ws.freeze_panes = "C2"
    year_cols = [get_column_letter(names.index(f"year_{y}") + 1) for y in range(1, spec.years + 1)]
    quantity = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                              error="A quantity of at least 0, in the unit shown", errorTitle="Quantity")
    quantity.add(f"{year_cols[0]}2:{year_cols[-1]}{last}")
    fraction = DataValidation(type="decimal", operator="between", formula1="0", formula2="1", allow_blank=True,
                              error="A percentage from 0% to 100%, such as 25%", errorTitle="Percentage")
    for name in ("bidder_deadweight", "bidder_attribution"):
        letter = get_column_letter(names.index(name) + 1)
        fraction.add(f"{letter}2:{letter}{last}")
    confidence = DataValidation(type="list", formula1='"high,medium,low"', allow_blank=True)
    letter = get_column_letter(names.index("confidence") + 1)
    confidence.add(f"{letter}2:{letter}{last}")
    for validation in (quantity, fraction, confidence):
        ws.add_data_validation(validation)

    guide = book.create_sheet("Guidance")
    for line in guidance_lines(spec):
        guide.append(neutralise_row([line]))
    guide["A1"].font = Font(bold=True, size=13)
    buyer = lambda name: f"Buyer's {PARAMETERS[name].heading.lower()}"  # noqa: E731
    header = ["Measure code", "Measure", "Unit", heading("target"), heading("valued_as"), buyer("deadweight"),
              buyer("displacement"), buyer("attribution"), PARAMETERS["drop_off"].heading,
              PARAMETERS["duration"].heading, heading("evidence_expected"), "Source", "Licence"]
    guide.append(neutralise_row(header))
    for cell in guide[guide.max_row]:
        cell.font = bold
    for m in spec.measures.values():
        guide.append(neutralise_row([m.id, m.name, m.unit, m.target, m.valued_for_bidders(spec.price_year),
                                     m.deadweight, m.displacement, m.attribution, m.drop_off, m.duration,
                                     m.evidence, m.source, m.licence]))
        for cell in guide[guide.max_row][5:9]:
            cell.number_format = "0%"
    guide.column_dimensions["A"].width = 12
    for letter in "BCE":
        guide.column_dimensions[letter].width = 40
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_template(spec: TenderSpec, directory: str | Path, stem: str | None = None) -> list[Path]:
    """Write `<stem>_response.xlsx` and `<stem>_response.csv` into `directory`, atomically."""
    directory = Path(directory)
    stem = stem or (spec.path.stem if spec.path else "tender")
    return [write_bytes_atomic(directory / f"{stem}_response.xlsx", form_xlsx(spec)),
            write_text_atomic(directory / f"{stem}_response.csv", form_csv(spec))]
