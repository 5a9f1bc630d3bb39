"""Hostile workbooks (issue 12): bids and Value Maps read without trusting the stored
dimension, within cell and size limits, with unsaved formulas named. One fixture per case in
tests/fixtures/hostile/xlsx (rebuilt by make_fixtures.py there); a zip bomb and a workbook
over the cell limit are made in the test."""

from __future__ import annotations

import os
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from svmodel.util import limits
from svmodel.excel.reader import import_workbook
from svmodel.procurement.bids import read_bid
from svmodel.errors import InputFileError
from svmodel.procurement.spec import load_spec
from svmodel.util.xlsx import XlsxError, read_xlsx

FIXTURES = Path(__file__).parent / "fixtures"
XLSX = FIXTURES / "hostile" / "xlsx"
ALL_MEASURES = ["K4", "K1", "K22", "K24"]  # tests/fixtures/procurement/clean_bid.csv

# fixture -> None (read in full: the four commitments) or fragments of the one problem
BID_CASES: dict[str, tuple[str, ...] | None] = {
    "bid_stale_dimension": None,
    "bid_far_cell": None,
    "bid_header_to_xfd": None,
    "bid_unsaved_formula": ("row 2, year_1 (cell D2)", "formula (=2*2) with no saved result"),
    "bid_dtd_entity": ("declares a document type or entities",),
    "bid_bad_coordinate": ("'ZZZZ2' is not a cell reference",),
    "bid_truncated": ("not an xlsx workbook",),
    "bid_not_a_zip": ("not an xlsx workbook",),
}


@pytest.fixture(scope="module")
def spec(test_library):
    return load_spec(FIXTURES / "procurement" / "spec.yaml", test_library)


def test_every_xlsx_fixture_has_a_case():
    assert {p.stem for p in XLSX.glob("bid_*.xlsx")} == set(BID_CASES)


@pytest.mark.parametrize("name", sorted(BID_CASES))
def test_hostile_bid_workbook(name, spec):
    fragments = BID_CASES[name]
    path = XLSX / f"{name}.xlsx"
    if fragments is None:
        bid = read_bid(path, spec)
        assert [c.measure for c in bid.commitments] == ALL_MEASURES
        return
    with pytest.raises(InputFileError) as caught:
        read_bid(path, spec)
    [problem] = caught.value.problems
    assert problem.file == str(path)
    for fragment in fragments:
        assert fragment in str(problem), (fragment, str(problem))


def test_stale_dimension_loses_no_rows_and_no_value(spec):
    """openpyxl's read-only mode reads only the rows the stored dimension claims (two here)."""
    stale = read_bid(XLSX / "bid_stale_dimension.xlsx", spec)
    clean = read_bid(FIXTURES / "procurement" / "clean_bid.csv", spec)
    assert [(c.measure, c.quantities) for c in stale.commitments] == \
           [(c.measure, c.quantities) for c in clean.commitments]


def test_one_far_cell_is_one_cell_in_a_value_map(test_library, tmp_path):
    scenario, _ = import_workbook(XLSX / "valuemap_far_cell.xlsx", test_library)
    clean, _ = import_workbook(_exported_mixed(test_library, tmp_path), test_library)
    assert [line.id for line in scenario.lines] == [line.id for line in clean.lines]
    sheet = read_xlsx(XLSX / "valuemap_far_cell.xlsx")["Value Map"]
    assert sheet.max_row == 1_048_576 and sheet.max_column == 16_384
    assert sheet.value(1_048_576, 16_384) == "far away"


def _exported_mixed(test_library, folder: Path) -> Path:
    from svmodel.excel.writer import export_workbook
    from svmodel.scenario import load_scenario

    return export_workbook(load_scenario(FIXTURES / "excel" / "mixed.yaml", test_library),
                           folder / "mixed.xlsx")


def _zip_bomb(path: Path, inflated: int) -> None:
    """A workbook whose sheet part inflates to `inflated` bytes of spaces (a few hundred KB
    on disk), written in chunks so the test itself stays small in memory."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml",
                         '<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                         'relationships"><sheets><sheet name="Response" r:id="rId1"/></sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels",
                         '<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml" '
                         'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                         'worksheet"/></Relationships>')
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b"<worksheet><sheetData>")
            chunk = b" " * (1 << 20)
            for _ in range(inflated // len(chunk)):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")


def test_zip_bomb_is_refused_from_declared_sizes_without_inflating(tmp_path, spec):
    bomb = tmp_path / "bomb.xlsx"
    _zip_bomb(bomb, limits.MAX_XLSX_UNCOMPRESSED + (8 << 20))
    assert bomb.stat().st_size < 2 * 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(InputFileError) as caught:
            read_bid(bomb, spec)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "zip bomb" in str(caught.value)
    assert peak < 30 * 1024 * 1024, peak


def test_cell_limit_is_enforced(tmp_path, spec, monkeypatch):
    import svmodel.util.xlsx as reader

    monkeypatch.setattr(reader, "MAX_XLSX_CELLS", 10)
    with pytest.raises(InputFileError, match="more than 10 non-empty cells"):
        read_bid(XLSX / "bid_stale_dimension.xlsx", spec)


def test_workbook_that_is_a_fifo_is_refused(tmp_path, spec):
    fifo = tmp_path / "bid.xlsx"
    os.mkfifo(fifo)
    with pytest.raises(InputFileError, match="named pipe"):
        read_bid(fifo, spec)


def test_value_map_that_is_not_a_workbook(tmp_path, test_library):
    with pytest.raises(InputFileError, match="cannot read the workbook"):
        import_workbook(XLSX / "bid_not_a_zip.xlsx", test_library)


def test_reader_rejects_what_it_cannot_read_with_xlsx_error(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(XlsxError):
        read_xlsx(path)


def test_deeply_nested_json_in_an_uncertainty_cell_is_a_problem(tmp_path, test_library):
    """json.loads raises RecursionError (not ValueError) for text nested thousands deep."""
    from openpyxl import load_workbook

    path = _exported_mixed(test_library, tmp_path)
    book = load_workbook(path)
    ws = book["Uncertainty"]
    ws["C3"] = "low"
    ws["A4"], ws["B4"], ws["C4"] = "a.deadweight", "uniform", "[" * 30_000
    book.save(path)
    with pytest.raises(InputFileError) as caught:
        import_workbook(path, test_library)
    assert any("Uncertainty!C4" in p.file and "is not a valid list or mapping" in p.message
               for p in caught.value.problems), [str(p) for p in caught.value.problems]
