"""The evaluation pack: the panel's evaluation as an Excel workbook (openpyxl).

Sheets: *Summary* (the tender, the ranking and each bid's gross, claimed, adjusted and scored
social value), *Commitments* (every commitment of every bid, valued, with its flags in plain
words), *Commitment details* (quantities by year, the bidder's and the buyer's adjustments,
the bidder's own words), *Flags* (each flag with what was found), *Scoring method* (the method, discounting,
how each measure is valued and its source, what each kind of value and each flag means) and,
when some files could not be read, *Files not read*. Headings are words (labels from the
parameter registry), figures are numbers with number formats (so the panel can sort and sum),
every cell goes through `svmodel.util.safety.neutralise_cell`, and every sheet prints on A4
landscape fitted to the page width with its heading row repeated.

References: Procurement Policy Note 002 (publish and keep the evaluation method); SROI Guide
(2012) stage 6 (report assumptions and sources); ECMA-376 (SpreadsheetML page set-up).
"""

from __future__ import annotations

import io
import math
from typing import Any, Sequence

from svmodel import __version__
from svmodel.parameters import PARAMETERS
from svmodel.procurement.flags import FLAG_CODES, flag_title
from svmodel.procurement.scoring import Evaluation
from svmodel.procurement.types import BidResult
from svmodel.util.safety import neutralise_cell, safe_url
from svmodel.util.sheet_print import a4_landscape

#: What each kind of value means (the same words as the bid chart's legend).
VALUE_MEANING: dict[str, str] = {
    "Gross": "the commitments as offered, nothing taken off",
    "Claimed": "less the bidder's own deadweight and attribution",
    "Adjusted": "less the buyer's deadweight, displacement and attribution",
    "Scored": "adjusted, without unevidenced or moderated-out commitments; the value that is scored",
}

MONEY = '£#,##0;-£#,##0'
PERCENT = "0%"
POINTS = "0.00"
QUANTITY = "#,##0.##"
HEAD_FILL = "E8F0F4"


def _pct(name: str, whose: str) -> str:
    """A registry heading with whose estimate it is: "Buyer's deadweight (%)"."""
    return f"{whose}'s {PARAMETERS[name].heading[0].lower()}{PARAMETERS[name].heading[1:]}"


class _Sheet:
    """Writes rows into one worksheet: every value neutralised, formats by column, and each
    row made tall enough for its wrapped text (openpyxl writes no heights, and spreadsheet
    programs do not always grow a row when they open a file)."""

    def __init__(self, book: Any, title: str, widths: Sequence[float], first: bool = False):
        from openpyxl.utils import get_column_letter

        self.ws = book.active if first else book.create_sheet()
        self.ws.title = title
        self.column_widths = list(widths)
        for i, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = width

    def _lines(self, value: Any, column: int, span: int = 1) -> int:
        if not isinstance(value, str) or not value:
            return 1
        width = sum(self.column_widths[column:column + span]) if column < len(self.column_widths) else 60
        per_line = max(width * 1.15 - 1, 4.0)  # characters per line at the default font
        return sum(max(1, math.ceil(len(part) / per_line)) for part in value.split("\n"))

    def row(self, values: Sequence[Any], formats: Sequence[str | None] = (), bold: bool = False,
            wrap: bool = True) -> int:
        from openpyxl.styles import Alignment, Font

        self.ws.append([neutralise_cell(v) for v in values])
        r = self.ws.max_row
        for i, value in enumerate(values):
            cell = self.ws.cell(r, i + 1)
            fmt = formats[i] if i < len(formats) else None
            if fmt and isinstance(value, (int, float)) and not isinstance(value, bool):
                cell.number_format = fmt
            if bold:
                cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=wrap, vertical="top")
        if wrap:
            lines = max([self._lines(v, i) for i, v in enumerate(values)] or [1])
            if lines > 1:
                self.ws.row_dimensions[r].height = 13 * lines + 3
        return r

    def heading(self, values: Sequence[str]) -> int:
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        r = self.row(values, bold=True)
        thin = Side(style="thin", color="9AA9B3")
        for i in range(len(values)):
            cell = self.ws.cell(r, i + 1)
            cell.fill = PatternFill("solid", fgColor=HEAD_FILL)
            cell.border = Border(bottom=thin)
            cell.alignment = Alignment(wrap_text=True, vertical="bottom")
            cell.font = Font(bold=True)
        return r

    def title(self, text: str) -> None:
        from openpyxl.styles import Font

        r = self.row([text], wrap=False)
        self.ws.cell(r, 1).font = Font(bold=True, size=13)

    def prose(self, label: str, text: Any, span: int | None = None, formats: Sequence[str | None] = (),
              label_span: int = 1) -> int:
        """A bold label and a value (a paragraph, or a figure) merged across columns up to
        `span`, wrapped, its row tall enough for the text (merged rows never grow by themselves)."""
        from openpyxl.styles import Alignment, Font

        span = span or len(self.column_widths)
        values = [label, *([None] * (label_span - 1)), text]
        r = self.row(values, [*([None] * label_span), *formats], wrap=False)
        self.ws.cell(r, 1).font = Font(bold=True)
        if label_span > 1:
            self.ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=label_span)
        first = label_span + 1
        if span > first:
            self.ws.merge_cells(start_row=r, start_column=first, end_row=r, end_column=span)
        self.ws.cell(r, first).alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
        lines = self._lines(text, first - 1, span - first + 1)
        if lines > 1:
            self.ws.row_dimensions[r].height = 13 * lines + 3
        return r

    def blank(self) -> None:
        self.ws.append([])

    def print_setup(self, heading_row: int | None = None, freeze: str | None = None) -> None:
        """A4 landscape, fitted to one page wide (as many pages tall as needed), the heading
        row repeated on every printed page, the sheet's name and page numbers in the footer."""
        a4_landscape(self.ws, title_rows=f"{heading_row}:{heading_row}" if heading_row else None)
        if freeze:
            self.ws.freeze_panes = freeze


def _flags_of(bid: BidResult, measure: str) -> str:
    return "; ".join(sorted({flag_title(f.code) for f in bid.flags if f.measure == measure}))


def _ranked(evaluation: Evaluation) -> list[BidResult]:
    return sorted(evaluation.bids, key=lambda b: (b.rank, b.bidder.casefold()))


def _basis(basis: str) -> str:
    return {"proxy": "financial proxy", "face value": "pounds at face value",
            "count only": "counted, not valued"}.get(basis, basis)


def summary_sheet(book: Any, evaluation: Evaluation) -> None:
    spec = evaluation.spec
    model = spec.model
    w = model.weighting
    s = _Sheet(book, "Summary", [8, 30, 15, 15, 15, 15, 13, 11, 9, 9, 9, 7, 40], first=True)
    s.title(model.name)
    for label, value, fmt in (
            ("Buyer", model.buyer, None), ("Reference", model.reference, None),
            ("Contract value", spec.contract_value, MONEY), ("Contract years", spec.years, None),
            ("Prices of", spec.price_year, None), ("Framework", spec.framework.title, None),
            ("Weighting (points of 100)", f"price {w.price:g}, quality {w.quality:g}, social value {w.social_value:g}", None),
            ("Ranked by", evaluation.ranked_by, None),
            ("Bids evaluated", len(evaluation.bids), None),
            ("Bid files not read", len(evaluation.failures), None)):
        s.prose(label, value, 7, [fmt], label_span=2)
    s.blank()
    head = s.heading(["Rank", "Bidder", "Gross social value (£)", "Claimed social value (£)",
                      "Adjusted social value (£)", "Scored social value (£)", "Scored value per £ of contract",
                      "Social value points", "Price points", "Quality points", "Total points", "Flags",
                      "Flags in plain words"])
    for b in _ranked(evaluation):
        titles = sorted({flag_title(f.code) for f in b.flags})
        s.row([b.rank, b.bidder, b.gross, b.claimed, b.adjusted, b.scored, b.per_pound, b.sv_score,
               b.price, b.quality, b.total, len(b.flags), "; ".join(titles)],
              [None, None, MONEY, MONEY, MONEY, MONEY, "£0.000", POINTS, POINTS, POINTS, POINTS, None, None])
    s.blank()
    for kind, meaning in VALUE_MEANING.items():
        s.prose(f"{kind} social value", meaning, label_span=2)
    s.prose("Method", evaluation.method_text(), label_span=2)
    for note in (*evaluation.notes, *spec.warnings):
        s.prose("Note", note, label_span=2)
    s.print_setup(head, f"C{head + 1}")


def commitments_sheet(book: Any, evaluation: Evaluation) -> None:
    """One row per commitment: the figures a panel compares (details on the next sheet)."""
    s = _Sheet(book, "Commitments", [6, 26, 8, 36, 12, 24, 13, 13, 13, 13, 32, 28, 40])
    head = s.heading(["Rank", "Bidder", "Measure code", "Measure", "Committed (whole contract)", "Unit",
                      "Gross value (£)", "Claimed value (£)", "Adjusted value (£)", "Scored value (£)",
                      "Scoring note", "Flags", "Evidence offered"])
    for b in _ranked(evaluation):
        for l in b.lines:
            valued = l.basis != "count only"
            shown = (lambda v: v) if valued else (lambda v: "not valued")  # noqa: E731
            s.row([b.rank, b.bidder, l.measure, l.name, l.total_quantity, l.unit, shown(l.gross),
                   shown(l.claimed), shown(l.adjusted), shown(l.scored), l.scoring_note,
                   _flags_of(b, l.measure), l.evidence or "none"],
                  [None, None, None, None, QUANTITY, None, MONEY, MONEY, MONEY, MONEY])
        whole = sorted({flag_title(f.code) for f in b.flags if not f.measure})
        if whole:
            s.row([b.rank, b.bidder, "", "whole bid", None, "", None, None, None, None, "", "; ".join(whole), ""])
        s.row(["", f"{b.bidder}: total", "", "", None, "", b.gross, b.claimed, b.adjusted, b.scored],
              [None, None, None, None, None, None, MONEY, MONEY, MONEY, MONEY], bold=True)
    s.print_setup(head, f"E{head + 1}")


def details_sheet(book: Any, evaluation: Evaluation) -> None:
    """Each commitment's quantities by year, its adjustments (bidder's and buyer's) and the
    bidder's own words."""
    spec = evaluation.spec
    s = _Sheet(book, "Commitment details", [26, 8, *([9] * spec.years), 14, 11, 10, 10, 10, 10, 10, 9, 9,
                                            24, 36, 10])
    head = s.heading(["Bidder", "Measure code", *[f"Year {y} quantity" for y in range(1, spec.years + 1)],
                      "How valued", "Value of one unit (£)", _pct("deadweight", "Bidder"),
                      _pct("attribution", "Bidder"), _pct("deadweight", "Buyer"), _pct("displacement", "Buyer"),
                      _pct("attribution", "Buyer"), PARAMETERS["drop_off"].heading, PARAMETERS["duration"].heading,
                      "Who benefits", "What the bidder will do", "Confidence"])
    for b in _ranked(evaluation):
        for l in b.lines:
            valued = l.basis != "count only"
            s.row([b.bidder, l.measure, *l.quantities, _basis(l.basis), l.unit_value if valued else None,
                   l.bidder_deadweight, l.bidder_attribution, l.buyer_deadweight, l.buyer_displacement,
                   l.buyer_attribution, l.drop_off, l.duration, l.beneficiaries, l.description, l.confidence],
                  [None, None, *([QUANTITY] * spec.years), None, "£#,##0.00", PERCENT, PERCENT, PERCENT,
                   PERCENT, PERCENT, PERCENT, None])
    s.print_setup(head, f"C{head + 1}")


def flags_sheet(book: Any, evaluation: Evaluation) -> None:
    s = _Sheet(book, "Flags", [6, 28, 10, 30, 100])
    head = s.heading(["Rank", "Bidder", "Measure", "Flag", "What was found"])
    for b in _ranked(evaluation):
        for f in b.flags:
            s.row([b.rank, b.bidder, f.measure or "whole bid", flag_title(f.code), f.message])
    if not any(b.flags for b in evaluation.bids):
        s.row(["", "", "", "No flags were raised", ""])
    s.print_setup(head, f"A{head + 1}")


def method_sheet(book: Any, evaluation: Evaluation) -> None:
    from openpyxl.styles import Font

    spec = evaluation.spec
    rate = spec.model.discounting
    s = _Sheet(book, "Scoring method", [20, 34, 20, 34, 12, 10, 10, 10, 9, 9, 10, 40, 14])
    s.title("Scoring method and sources")
    s.prose("Method", evaluation.method_text())
    s.prose("Discounting", f"{rate.rate * 100:g}% a year, "
            + ("first year discounted (SROI Guide convention)" if rate.first_year_discounted
               else "first year undiscounted (Green Book convention)"))
    s.prose("Unevidenced commitments", "not valued" if spec.model.scoring.unevidenced == "exclude"
            else "valued, and flagged")
    s.blank()
    head = s.heading(["Measure code", "Measure", "Unit", "Financial proxy", "Value of one unit (£)",
                      _pct("deadweight", "Buyer"), _pct("displacement", "Buyer"), _pct("attribution", "Buyer"),
                      PARAMETERS["drop_off"].heading, PARAMETERS["duration"].heading, "Buyer's target",
                      "Source", "Licence"])
    for m in spec.measures.values():
        proxy = m.proxy_name if m.basis == "proxy" else m.valued_as(spec.price_year)
        r = s.row([m.id, m.name, m.unit, proxy, m.unit_value if m.valued else None, m.deadweight,
                   m.displacement, m.attribution, m.drop_off, m.duration, m.target, m.source, m.licence],
                  [None, None, None, None, "£#,##0.00", PERCENT, PERCENT, PERCENT, PERCENT, None, QUANTITY])
        url = safe_url(m.url)
        if url:  # only http(s) and mailto become links (svmodel.util.safety)
            cell = s.ws.cell(r, 12)
            cell.hyperlink = url
            cell.font = Font(color="1B6F8A", underline="single")
    s.blank()
    s.heading(["Term", "Meaning"])
    for kind, meaning in VALUE_MEANING.items():
        s.prose(f"{kind} social value", meaning)
    for code, text in FLAG_CODES.items():
        s.prose(f"Flag: {flag_title(code)}", text)
    s.blank()
    s.prose("Written by", f"svmodel {__version__}; proxy library {spec.library.version} "
                          f"({spec.library.content_hash[:12]}); specification {spec.file_hash[:12]}")
    s.print_setup(head)


def failures_sheet(book: Any, evaluation: Evaluation) -> None:
    failed = list(evaluation.failures) + ([evaluation.scores_failure] if evaluation.scores_failure else [])
    if not failed:
        return
    s = _Sheet(book, "Files not read", [50, 30, 90])
    head = s.heading(["File", "Where", "Problem"])
    for failure in failed:
        for p in failure.problems:
            s.row([p.file, (f"line {p.line}, " if p.line else "") + p.path, p.message])
    s.print_setup(head)


def evaluation_pack(evaluation: Evaluation) -> bytes:
    """The evaluation pack workbook as xlsx bytes."""
    from openpyxl import Workbook

    book = Workbook()
    summary_sheet(book, evaluation)
    commitments_sheet(book, evaluation)
    details_sheet(book, evaluation)
    flags_sheet(book, evaluation)
    method_sheet(book, evaluation)
    failures_sheet(book, evaluation)
    book.properties.creator = f"svmodel {__version__}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
