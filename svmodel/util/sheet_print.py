"""Print set-up for the workbooks svmodel writes (the Value Map, the tender evaluation pack).

One place for "A4 landscape, fitted to width": as many pages tall as needed, the table's
header rows (and id columns) repeated on every page, no grid lines, and "Sheet: page n of N"
in the footer. Works on any openpyxl worksheet passed in; nothing here imports openpyxl.
"""

from __future__ import annotations

from typing import Any

#: Margins in inches (left and right, top and bottom) when a caller gives none.
DEFAULT_MARGINS = (0.5, 0.6)


def a4_landscape(ws: Any, *, pages_wide: int = 1, margins: tuple[float, float] = DEFAULT_MARGINS,
                 title_rows: str | None = None, title_cols: str | None = None,
                 area: str | None = None) -> None:
    """Set `ws` to print on A4 landscape, `pages_wide` pages across, repeating `title_rows`
    (e.g. "3:3") and `title_cols` (e.g. "A:C") on every page, limited to `area` if given."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = pages_wide
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = margins[0]
    ws.page_margins.top = ws.page_margins.bottom = margins[1]
    ws.print_options.gridLines = False
    ws.oddFooter.center.text = "&A: page &P of &N"
    if title_rows:
        ws.print_title_rows = title_rows
    if title_cols:
        ws.print_title_cols = title_cols
    if area:
        ws.print_area = area
