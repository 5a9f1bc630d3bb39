"""Writing the panel's outputs into a folder: the report page (HTML), its PDF and the Excel
evaluation pack, each written atomically (what `svmodel tender report` writes).

The PDF is printed from the written HTML by `svmodel.util.pdf.print_to_pdf` (headless
Chromium). Without a browser the HTML and the pack are still written and `Published.notice`
says why there is no PDF.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from svmodel.procurement.pack import evaluation_pack
from svmodel.procurement.page import render
from svmodel.procurement.panel_report import TenderReport
from svmodel.util.atomic import write_bytes_atomic, write_text_atomic
from svmodel.util.pdf import pdf_unavailable_reason, print_to_pdf


@dataclass(frozen=True)
class Published:
    html: Path
    xlsx: Path
    pdf: Path | None
    notice: str = ""  # why no PDF was written, when one was asked for

    @property
    def written(self) -> list[Path]:
        return [p for p in (self.html, self.pdf, self.xlsx) if p is not None]


def output_name(spec_path: str | Path) -> str:
    """The outputs' file name: the specification's file name without its suffix, or its
    folder's name when the file is called just "spec" (params/tenders/home_care_2026/spec.yaml
    gives "home_care_2026"); letters, digits, '-' and '_' only."""
    path = Path(spec_path)
    stem = path.stem if path.stem.lower() not in ("spec", "specification", "tender") else \
        (path.resolve().parent.name or path.stem)
    return re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_") or "tender"


def publish(report: TenderReport, directory: str | Path, name: str, pdf: bool = False) -> Published:
    """Write `<name>.html`, `<name>.xlsx` and (when `pdf`) `<name>.pdf` into `directory`.

    Raises `svmodel.util.pdf.PdfError` when a browser is present but cannot print; the HTML
    and the pack are written first, so they are there even then."""
    directory = Path(directory)
    html = write_text_atomic(directory / f"{name}.html", render(report))
    xlsx = write_bytes_atomic(directory / f"{name}.xlsx", evaluation_pack(report.evaluation))
    if not pdf:
        return Published(html, xlsx, None)
    reason = pdf_unavailable_reason()
    if reason is not None:
        return Published(html, xlsx, None, f"no PDF written: {reason}; the HTML report prints from any "
                                           "browser (A4 styles included)")
    return Published(html, xlsx, print_to_pdf(html, directory / f"{name}.pdf"))
