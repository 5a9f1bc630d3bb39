"""Export the explorer's comparison of variants as CSV and xlsx.

One row per variant (the baseline first): the headline figures as numbers (present values, NPV,
SROI ratio, net SROI ratio, payback), the Monte Carlo band on the ratio (P5, P95 and the share
of draws above £1 : £1) and the controls changed from the baseline in words. The workbook adds
a "Changes" sheet (one row per changed control, both values in the control's units) and an
"About" sheet (scenario, file, draws, seed, conventions). Every cell goes through
svmodel.util.safety (`csv_text`, `neutralise_cell`), and files are written atomically.

References: SROI Guide (2012) stage 5 (sensitivity: comparing "what if" variants); HM Treasury
Green Book (2022) Annex A5 (reporting a range from Monte Carlo analysis).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from svmodel.explorer.band import MonteCarloBand, RatioBand
from svmodel.explorer.state import (
    HEADLINE,
    ExplorerState,
    StateError,
    control_changes,
    control_text,
    state_from_scenario,
    variant_scenario,
)
from svmodel.results import calculate
from svmodel.scenario import Scenario, ScenarioError
from svmodel.util.atomic import write_bytes_atomic, write_text_atomic
from svmodel.util.safety import csv_text, neutralise_cell

#: (column heading, spreadsheet number format) for each headline figure, in HEADLINE order.
FIGURE_COLUMNS: dict[str, tuple[str, str]] = {
    "total_present_value": ("Present value of outcomes (£)", "£#,##0"),
    "total_inputs": ("Present value of inputs (£)", "£#,##0"),
    "net_present_value": ("Net present value (£)", "£#,##0;-£#,##0"),
    "sroi_ratio": ("SROI ratio (£ per £1)", "0.00"),
    "net_sroi_ratio": ("Net SROI ratio (£ per £1)", "0.00"),
    "payback_months": ("Payback (months)", "0.0"),
}
BAND_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("p5", "SROI ratio P5", "0.00"),
    ("p95", "SROI ratio P95", "0.00"),
    ("above_one", "Share of draws above £1 : £1", "0%"),
)
HEADER = ("Variant", *(h for h, _ in FIGURE_COLUMNS.values()), *(h for _, h, _ in BAND_COLUMNS),
          "Changed from the baseline", "Problem")


@dataclass(frozen=True)
class ComparisonRow:
    """One variant's figures (None where undefined or not computable) and what it changed."""

    name: str
    figures: dict[str, float | None]
    band: RatioBand | None
    changes: str
    problem: str = ""

    def cells(self) -> list[Any]:
        band = self.band.as_dict() if self.band else {}
        return [self.name, *(self.figures.get(k) for k in FIGURE_COLUMNS),
                *(band.get(k) for k, _, _ in BAND_COLUMNS), self.changes, self.problem]


def _finite(value: Any) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def comparison_rows(scenario: Scenario, variants: dict[str, ExplorerState],
                    band: MonteCarloBand | None = None) -> list[ComparisonRow]:
    """The baseline and every kept variant as rows; a variant that cannot be evaluated keeps
    its row with the problem named, so one bad variant never hides the others."""
    rows = []
    for name, state in {"Baseline": state_from_scenario(scenario), **variants}.items():
        changes = "; ".join(c.text for c in control_changes(scenario, state))
        try:
            variant = variant_scenario(scenario, state)
        except (StateError, ScenarioError) as exc:
            rows.append(ComparisonRow(name, {}, None, changes, str(exc)))
            continue
        headline = calculate(variant).headline()
        figures = {key: _finite(headline[key]) for key, *_ in HEADLINE}
        rows.append(ComparisonRow(name, figures, band.ratio_band(variant) if band else None, changes))
    return rows


def comparison_csv(rows: list[ComparisonRow]) -> str:
    """The comparison as CSV text (every cell neutralised by svmodel.util.safety.csv_text)."""
    return csv_text([row.cells() for row in rows], header=HEADER)


def comparison_xlsx(scenario: Scenario, rows: list[ComparisonRow], variants: dict[str, ExplorerState],
                    band: MonteCarloBand | None = None) -> bytes:
    """The comparison as an xlsx workbook (sheets Comparison, Changes, About), as bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "Comparison"
    formats = [None, *(f for _, f in FIGURE_COLUMNS.values()), *(f for _, _, f in BAND_COLUMNS), None, None]
    sheet.append([neutralise_cell(h) for h in HEADER])
    for row in rows:
        sheet.append([neutralise_cell(v) for v in row.cells()])
    for column, number_format in enumerate(formats, start=1):
        letter = get_column_letter(column)
        sheet.column_dimensions[letter].width = 16 if column > 1 else 24
        for cell in sheet[letter][1:]:
            if number_format:
                cell.number_format = number_format
    for letter in (get_column_letter(len(HEADER) - 1), get_column_letter(len(HEADER))):
        sheet.column_dimensions[letter].width = 60
        for cell in sheet[letter]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "B2"

    changes = book.create_sheet("Changes")
    changes.append(["Variant", "Item", "Control", "Baseline", "Variant value"])
    for name, state in variants.items():
        for change in control_changes(scenario, state):
            changes.append([neutralise_cell(v) for v in (
                name, change.item, change.label,
                control_text(change.field, change.baseline) if not isinstance(change.value, bool)
                else ("yes" if change.baseline else "no"),
                control_text(change.field, change.value) if not isinstance(change.value, bool)
                else ("yes" if change.value else "no"))])
    for letter, width in zip("ABCDE", (24, 28, 24, 22, 22)):
        changes.column_dimensions[letter].width = width
    for cell in changes[1]:
        cell.font = Font(bold=True)

    about = book.create_sheet("About")
    uncertain = ", ".join(band.names) if band and band.available else ""
    for key, value in (
        ("Scenario", scenario.name),
        ("Scenario file", str(scenario.path) if scenario.path else "(opened in the page)"),
        ("Price year", scenario.price_year),
        ("Figures", "Present values in the scenario's price year; SROI ratio = present value of "
                    "outcomes / present value of inputs (SROI Guide 2012)"),
        ("Monte Carlo band", (f"{band.draws:,} draws (seed {band.seed}) of the scenario's uncertainty: "
                              f"section ({uncertain}), re-centred on each variant's values; P5 and P95 "
                              "are the 5th and 95th percentiles (HM Treasury Green Book 2022, Annex A5)")
         if band and band.available else "none: the scenario has no uncertainty: section"),
        ("Written by", "svmodel scenario explorer"),
    ):
        about.append([neutralise_cell(key), neutralise_cell(value)])
    about.column_dimensions["A"].width = 20
    about.column_dimensions["B"].width = 100
    for cell in about["A"]:
        cell.font = Font(bold=True)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_comparison(scenario: Scenario, variants: dict[str, ExplorerState], stem: Path,
                      band: MonteCarloBand | None = None) -> tuple[Path, Path]:
    """Write `<stem>.csv` and `<stem>.xlsx` atomically; return both paths."""
    rows = comparison_rows(scenario, variants, band)
    csv_path = write_text_atomic(stem.with_name(stem.name + ".csv"), comparison_csv(rows))
    xlsx_path = write_bytes_atomic(stem.with_name(stem.name + ".xlsx"),
                                   comparison_xlsx(scenario, rows, variants, band))
    return csv_path, xlsx_path


__all__ = ["ComparisonRow", "HEADER", "comparison_csv", "comparison_rows", "comparison_xlsx",
           "export_comparison"]
