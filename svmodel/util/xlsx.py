"""A bounded, streaming reader of xlsx workbooks: every cell's formula and saved value, once.

Why not openpyxl's loader: its read-only mode trusts the sheet's stored dimension (a stale
``<dimension ref="A1:K20">``, common in files written by other tools, silently drops the
rows below it), its full mode builds a grid up to the last used cell (one cell at XFD1048576
means 17 billion), it gives either formulas or saved values (so a workbook is loaded twice)
and it inflates whatever the archive declares. This reader:

- reads the file through `svmodel.util.inputfiles.read_bounded` (a regular file of at most
  MAX_XLSX_BYTES);
- checks the archive's parts before inflating any: at most MAX_XLSX_PARTS, and the parts it
  reads at most MAX_XLSX_UNCOMPRESSED bytes in total by their declared sizes (zipfile stops
  at the declared size, so a lying header cannot exceed it);
- refuses XML with a document type declaration (no entity expansion of any kind);
- streams each sheet's XML and keeps only non-empty cells, sparsely, at most MAX_XLSX_CELLS
  in the whole workbook, each with its formula (if any) and its saved value;
- ignores the stored dimension: the sheet's extent is where its cells are.

Every problem is an `XlsxError` whose message says what is wrong, in words for the user.
Format reference: ECMA-376 Part 1 (SpreadsheetML: workbook, sheet, sharedStrings parts).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator
from xml.etree import ElementTree as ET

from svmodel.util.inputfiles import read_bounded, size_text
from svmodel.util.limits import (MAX_XLSX_BYTES, MAX_XLSX_CELL_TEXT, MAX_XLSX_CELLS, MAX_XLSX_PARTS,
                            MAX_XLSX_SHARED_STRINGS, MAX_XLSX_UNCOMPRESSED)

MAX_ROW = 1_048_576  # Excel's grid (ECMA-376; "Excel specifications and limits")
MAX_COLUMN = 16_384  # XFD
_COORDINATE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


class XlsxError(ValueError):
    """A workbook that cannot be read safely; the message is for the user."""


@dataclass(frozen=True)
class Cell:
    """One cell: its saved value (None if none) and its formula text (None if not a formula;
    "" for a cell that shares a formula written on another cell)."""

    value: Any
    formula: str | None = None

    @property
    def unsaved_formula(self) -> bool:
        """A formula whose result was never saved (written by a program that does not
        calculate, such as openpyxl): its value is unknown."""
        return self.formula is not None and self.value is None


def column_letter(column: int) -> str:
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    return index


def coordinate(row: int, column: int) -> str:
    return f"{column_letter(column)}{row}"


class Sheet:
    """The non-empty cells of one worksheet, by (row, column), 1-based."""

    def __init__(self, title: str, cells: dict[tuple[int, int], Cell]):
        self.title = title
        self.cells = cells
        rows: dict[int, list[int]] = {}
        for row, column in cells:
            rows.setdefault(row, []).append(column)
        self._rows = {row: sorted(columns) for row, columns in sorted(rows.items())}

    def cell(self, row: int, column: int) -> Cell | None:
        return self.cells.get((row, column))

    def value(self, row: int, column: int) -> Any:
        cell = self.cells.get((row, column))
        return None if cell is None else cell.value

    @property
    def max_row(self) -> int:
        return max(self._rows, default=0)

    @property
    def max_column(self) -> int:
        return max((columns[-1] for columns in self._rows.values()), default=0)

    def row_numbers(self, after: int = 0) -> list[int]:
        """Rows that have at least one cell, in order, after row `after`."""
        return [row for row in self._rows if row > after]

    def columns_in(self, row: int) -> list[int]:
        return self._rows.get(row, [])


class Workbook:
    """Sheets by name, each parsed on first use; cells count towards one workbook-wide bound."""

    def __init__(self, path: Path, archive: zipfile.ZipFile, sheets: dict[str, str],
                 shared: list[str], budget: list[int]):
        self.path = path
        self._archive = archive
        self._targets = sheets
        self._shared = shared
        self._budget = budget
        self._parsed: dict[str, Sheet] = {}

    @property
    def sheetnames(self) -> list[str]:
        return list(self._targets)

    def __contains__(self, name: object) -> bool:
        return name in self._targets

    def __getitem__(self, name: str) -> Sheet:
        if name not in self._parsed:
            cells = _parse_sheet(_read_part(self._archive, self._targets[name], self._budget), self._shared,
                                 name, self._budget)
            self._parsed[name] = Sheet(name, cells)
        return self._parsed[name]

    @property
    def worksheets(self) -> list[Sheet]:
        return [self[name] for name in self._targets]


# --------------------------------------------------------------------------- archive
def read_xlsx(path: str | Path) -> Workbook:
    """Open a workbook within the bounds of svmodel.util.limits; raise XlsxError if it cannot be.

    OSError (missing file, FIFO, device, too large on disk) propagates as from
    `read_bounded`, for the caller to report with its own wording.
    """
    path = Path(path)
    data = read_bounded(path, MAX_XLSX_BYTES)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
        raise XlsxError(f"not an xlsx workbook (not a readable zip archive: {exc})") from None
    infos = archive.infolist()
    if len(infos) > MAX_XLSX_PARTS:
        raise XlsxError(f"the archive has {len(infos):,} parts; an xlsx workbook has at most "
                        f"{MAX_XLSX_PARTS:,}")
    budget = [MAX_XLSX_UNCOMPRESSED, MAX_XLSX_CELLS]
    workbook_part = _office_document(archive, budget)
    rels = _relationships(archive, _rels_path(workbook_part), budget)
    sheets: dict[str, str] = {}
    shared_part = ""
    root = _xml(_read_part(archive, workbook_part, budget), workbook_part)
    for element in root.iter():
        if _local(element.tag) != "sheet":
            continue
        name = element.get("name")
        rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
        if name is None or rid not in rels:
            continue
        sheets[name] = rels[rid][0]
    for target, kind in rels.values():
        if kind.endswith("/sharedStrings"):
            shared_part = target
    if not sheets:
        raise XlsxError("the workbook lists no worksheets")
    shared = _shared_strings(archive, shared_part, budget) if shared_part else []
    return Workbook(path, archive, sheets, shared, budget)


def _office_document(archive: zipfile.ZipFile, budget: list[int]) -> str:
    rels = _relationships(archive, "_rels/.rels", budget) if _has(archive, "_rels/.rels") else {}
    for target, kind in rels.values():
        if kind.endswith("/officeDocument"):
            return target
    if _has(archive, "xl/workbook.xml"):
        return "xl/workbook.xml"
    raise XlsxError("not an xlsx workbook (no workbook part; is it a different kind of file?)")


def _has(archive: zipfile.ZipFile, name: str) -> bool:
    try:
        archive.getinfo(name)
    except KeyError:
        return False
    return True


def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _relationships(archive: zipfile.ZipFile, part: str, budget: list[int]) -> dict[str, tuple[str, str]]:
    """Relationship id -> (target part, type) for the part that `part` describes."""
    if not _has(archive, part):
        return {}
    base = posixpath.dirname(posixpath.dirname(part))  # the folder of the described part
    out = {}
    for element in _xml(_read_part(archive, part, budget), part).iter():
        if _local(element.tag) != "Relationship" or element.get("TargetMode") == "External":
            continue
        target = element.get("Target") or ""
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
        out[element.get("Id") or ""] = (target, element.get("Type") or "")
    return out


def _read_part(archive: zipfile.ZipFile, name: str, budget: list[int]) -> bytes:
    """A part's bytes, charged against the uncompressed budget before it is inflated."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise XlsxError(f"the part {name!r} the workbook refers to is missing") from None
    if info.file_size > budget[0]:
        raise XlsxError(f"the workbook inflates to more than {size_text(MAX_XLSX_UNCOMPRESSED)} "
                        f"(part {name} declares {size_text(info.file_size)}); svmodel reads workbooks "
                        "up to that size (is it a zip bomb?)")
    budget[0] -= info.file_size
    try:
        with archive.open(info) as handle:
            return handle.read(info.file_size + 1)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError, OSError, zlib.error,
            ValueError) as exc:
        raise XlsxError(f"the part {name} cannot be read ({exc})") from None


def _xml(data: bytes, name: str) -> ET.Element:
    _refuse_dtd(data, name)
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise XlsxError(f"the part {name} is not well-formed XML ({exc})") from None


def _refuse_dtd(data: bytes, name: str) -> None:
    head = data[:4096].lstrip(b"\xef\xbb\xbf")
    if b"<!DOCTYPE" in head or b"<!ENTITY" in data:
        raise XlsxError(f"the part {name} declares a document type or entities, which SpreadsheetML "
                        "never uses; refused")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# --------------------------------------------------------------------------- strings
def _text_of(element: ET.Element) -> str:
    """The text of a string item: its <t> runs, leaving out phonetic runs (<rPh>)."""
    parts: list[str] = []

    def walk(node: ET.Element) -> None:
        for child in node:
            local = _local(child.tag)
            if local == "rPh":
                continue
            if local == "t":
                parts.append(child.text or "")
            else:
                walk(child)

    walk(element)
    return "".join(parts)


def _shared_strings(archive: zipfile.ZipFile, part: str, budget: list[int]) -> list[str]:
    data = _read_part(archive, part, budget)
    _refuse_dtd(data, part)
    strings: list[str] = []
    try:
        for _, element in ET.iterparse(io.BytesIO(data), events=("end",)):
            if _local(element.tag) == "si":
                if len(strings) >= MAX_XLSX_SHARED_STRINGS:
                    raise XlsxError(f"the workbook has more than {MAX_XLSX_SHARED_STRINGS:,} shared "
                                    "strings; svmodel reads workbooks up to that size")
                strings.append(_text_of(element))
                element.clear()
    except ET.ParseError as exc:
        raise XlsxError(f"the part {part} is not well-formed XML ({exc})") from None
    return strings


# --------------------------------------------------------------------------- sheets
def _parse_sheet(data: bytes, shared: list[str], title: str, budget: list[int]) -> dict[tuple[int, int], Cell]:
    _refuse_dtd(data, title)
    cells: dict[tuple[int, int], Cell] = {}
    row_number, column_number = 0, 0
    sheet_data: ET.Element | None = None
    try:
        for event, element in ET.iterparse(io.BytesIO(data), events=("start", "end")):
            local = _local(element.tag)
            if event == "start":
                if local == "sheetData":
                    sheet_data = element
                elif local == "row":
                    given = element.get("r")
                    row_number = _bounded_int(given, MAX_ROW, title, "row") if given else row_number + 1
                    column_number = 0
                continue
            if local == "c":
                row_number, column_number = _position(element.get("r"), row_number, column_number, title)
                cell = _cell(element, shared, title, row_number, column_number)
                if cell is not None:
                    if budget[1] <= 0:
                        raise XlsxError(f"the workbook has more than {MAX_XLSX_CELLS:,} non-empty cells; "
                                        "svmodel reads workbooks up to that size")
                    budget[1] -= 1
                    cells[(row_number, column_number)] = cell
                element.clear()
            elif local == "row":
                element.clear()
                if sheet_data is not None and len(sheet_data) and sheet_data[0] is element:
                    sheet_data.remove(element)  # memory stays flat however many rows there are
    except ET.ParseError as exc:
        raise XlsxError(f"sheet {title!r} is not well-formed XML ({exc})") from None
    return cells


def _bounded_int(text: str, limit: int, title: str, what: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise XlsxError(f"sheet {title!r}: {what} number {text!r} is not a whole number") from None
    if not 1 <= number <= limit:
        raise XlsxError(f"sheet {title!r}: {what} number {number} is outside the sheet (1 to {limit:,})")
    return number


def _position(ref: str | None, row: int, column: int, title: str) -> tuple[int, int]:
    if not ref:
        return max(row, 1), column + 1
    match = _COORDINATE.match(ref)
    if not match:
        raise XlsxError(f"sheet {title!r}: {ref!r} is not a cell reference")
    col = column_index(match.group(1))
    if not 1 <= col <= MAX_COLUMN:
        raise XlsxError(f"sheet {title!r}: cell {ref} is beyond the last column (XFD)")
    return _bounded_int(match.group(2), MAX_ROW, title, "row"), col


def _cell(element: ET.Element, shared: list[str], title: str, row: int, column: int) -> Cell | None:
    kind = element.get("t", "n")
    raw: str | None = None
    formula: str | None = None
    inline: str | None = None
    for child in element:
        local = _local(child.tag)
        if local == "v":
            raw = child.text
        elif local == "f":
            formula = child.text or ""
        elif local == "is":
            inline = _text_of(child)
    where = f"sheet {title!r}, cell {coordinate(row, column)}"
    value: Any = None
    if kind == "inlineStr":
        value = inline
    elif raw is None or raw == "":
        value = None
    elif kind == "s":
        try:
            value = shared[int(raw)]
        except (ValueError, IndexError):
            raise XlsxError(f"{where}: refers to shared string {raw!r}, which does not exist") from None
    elif kind in ("str", "e", "d"):
        value = raw
    elif kind == "b":
        value = raw.strip() in ("1", "true")
    else:
        value = _number(raw, where)
    if isinstance(value, str) and len(value) > MAX_XLSX_CELL_TEXT:
        raise XlsxError(f"{where}: holds {len(value):,} characters; a cell holds at most "
                        f"{MAX_XLSX_CELL_TEXT:,} (Excel's limit)")
    if value is None and formula is None:
        return None
    return Cell(value, formula)


def _number(text: str, where: str) -> int | float:
    text = text.strip()
    try:
        if re.fullmatch(r"[-+]?\d{1,18}", text):
            return int(text)
        return float(text)
    except ValueError:
        raise XlsxError(f"{where}: {text[:40]!r} is not a number although the cell is marked numeric") from None


def iter_values(sheet: Sheet, row: int, columns: int) -> Iterator[Any]:
    """The values of columns 1..`columns` of a row (None where empty)."""
    for column in range(1, columns + 1):
        yield sheet.value(row, column)
