"""Excel Value Map export and import (issue 8).

The agreement tests recalculate every exported workbook with LibreOffice in headless mode
(one conversion call for all of them, with a per-session profile that forces recalculation
on load) and compare PV, NPV and the ratio with `svmodel run` to a relative 1e-9, for every
example scenario and each discounting option. They skip, saying why, when `soffice` is not
installed (`make system-deps` installs it).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
import yaml

from svmodel.excel import layout as L
from svmodel.cli import main
from svmodel.excel.writer import export_workbook
from svmodel.excel.reader import import_workbook
from svmodel.library.proxies import default_library
from svmodel.results import calculate
from svmodel.scenario import ScenarioError, validate_data
from svmodel.scenario.resolved import scenario_to_dict

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Examples the Value Map can carry (the issue 14 business case example uses fields it cannot).
EXAMPLES = sorted(p for p in (ROOT / "params" / "examples").glob("*.yaml")
                  if p.name != "reablement_business_case.yaml")
OWN = sorted((FIXTURES / "excel").glob("*.yaml"))  # use the test library
DISCOUNTING = {
    "flat_first_discounted": {"rate": 0.035, "first_year_discounted": True},
    "flat_first_undiscounted": {"rate": 0.035, "first_year_discounted": False},
    "green_book": {"rate": "green_book", "first_year_discounted": True},
    "green_book_health": {"rate": "green_book_health", "first_year_discounted": False},
}
HEADLINE = ("total_present_value", "total_inputs", "net_present_value", "sroi_ratio",
            "net_sroi_ratio", "payback_months")
VARIANTS = [(f"{p.stem}-{d}", p, d) for p in EXAMPLES + OWN for d in DISCOUNTING]
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed: run `make system-deps` "
                            "(scripts/install_system_deps.sh) to check the spreadsheet's formulas")

# Make LibreOffice recalculate every formula on load, whatever values the file has cached
# (0 = always recalculate; the default is never for Excel 2007+ files).
RECALC_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


# --------------------------------------------------------------------------- helpers
def _library_for(path: Path, test_library):
    return test_library if path.parent.name == "excel" else default_library()


def _scenario(path: Path, library, discounting: dict | None = None):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if discounting is not None:
        data["discounting"] = dict(discounting)
    return validate_data(data, library, str(path), base_dir=path.parent)


def _convert(files: list[Path], outdir: Path, profile: Path) -> dict[Path, Path]:
    """Recalculate and save `files` with LibreOffice in one call; returns input -> output."""
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_PROFILE, encoding="utf-8")
    outdir.mkdir(parents=True, exist_ok=True)
    command = [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--convert-to", "xlsx", "--outdir", str(outdir), *map(str, files)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=900)
    out = {f: outdir / f.name for f in files}
    missing = [str(f) for f, o in out.items() if not o.exists()]
    assert not missing, f"LibreOffice did not convert {missing}: {run.stdout}\n{run.stderr}"
    return out


def _named(wb: openpyxl.Workbook, name: str):
    sheet, cell = next(iter(wb.defined_names[name].destinations))
    return wb[sheet][cell.replace("$", "")].value


def _headline(path: Path) -> dict:
    wb = openpyxl.load_workbook(path, data_only=True)
    return {key: _named(wb, name) for key, name in L.HEADLINE_NAMES.items()}


def _assert_agrees(got: dict, expected: dict) -> None:
    for key in HEADLINE:
        want = expected[key]
        if want is None:  # no first-year impact: payback undefined
            assert got[key] == "n/a", key
            continue
        assert isinstance(got[key], (int, float)), f"{key}: spreadsheet shows {got[key]!r}"
        assert got[key] == pytest.approx(want, rel=1e-9, abs=1e-9), key


def _sheet_xml(path: Path, sheet: str) -> str:
    """The zip member holding `sheet` in an .xlsx file."""
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet name="{re.escape(sheet)}"[^>]*r:id="([^"]+)"', book).group(1)
    target = re.search(rf'<Relationship[^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels)
    if target is None:
        target = re.search(rf'<Relationship[^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
    name = target.group(1).lstrip("/")
    return name if name.startswith("xl/") else f"xl/{name}"


def _patch_cell(src: Path, dst: Path, sheet: str, cell: str, value: float) -> None:
    """Change a typed value in the XML, keeping every cached formula result (now stale)."""
    member = _sheet_xml(src, sheet)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == member:
                data, count = re.subn(rf'(<c r="{cell}"[^>]*><v>)[^<]*(</v>)'.encode(),
                                      rb"\g<1>" + repr(value).encode() + rb"\g<2>", data)
                assert count == 1, f"cell {cell} not found as a typed value in {member}"
            zout.writestr(item, data)


def _normalised(model) -> dict:
    """Scenario data with empty optional texts dropped (blank cells read back as absent)."""
    data = scenario_to_dict(model)
    for outcome in data["outcomes"]:
        for key in ("measure", "indicator"):
            if outcome.get(key) == "":
                outcome.pop(key)
    return data


# --------------------------------------------------------------------------- LibreOffice
@pytest.fixture(scope="module")
def recalculated(tmp_path_factory, test_library):
    """Every variant exported, then recalculated by LibreOffice in a single call."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed: run `make system-deps`")
    base = tmp_path_factory.mktemp("excel_lo")
    exported, expected = {}, {}
    for variant, path, option in VARIANTS:
        scenario = _scenario(path, _library_for(path, test_library), DISCOUNTING[option])
        exported[variant] = export_workbook(scenario, base / "in" / f"{variant}.xlsx")
        expected[variant] = calculate(scenario).headline()
    converted = _convert(list(exported.values()), base / "out", base / "profile")
    return {"dir": base, "expected": expected,
            "out": {v: converted[p] for v, p in exported.items()}}


@pytest.mark.slow
@needs_soffice
@pytest.mark.parametrize("variant", [v for v, _, _ in VARIANTS])
def test_spreadsheet_agrees_with_svmodel(recalculated, variant):
    _assert_agrees(_headline(recalculated["out"][variant]), recalculated["expected"][variant])


@pytest.mark.slow
@needs_soffice
def test_green_book_rates_change_band_in_the_spreadsheet(recalculated):
    wb = openpyxl.load_workbook(recalculated["out"]["long-green_book"], data_only=True)
    ws = wb[L.DISCOUNTING]
    rates = {row[0]: row[1] for row in ws.iter_rows(min_row=5, max_col=2, values_only=True)}
    assert rates[30] == pytest.approx(0.035) and rates[31] == pytest.approx(0.030)
    assert max(rates) >= L.GRID_YEARS  # the table covers every year the grid does


@pytest.mark.slow
@needs_soffice
def test_libreoffice_really_recalculates(recalculated, test_library):
    """Change an input in a workbook that carries cached results; the results must move."""
    mixed = FIXTURES / "excel" / "mixed.yaml"
    source = recalculated["out"]["mixed-flat_first_discounted"]
    before = _headline(source)
    stale = recalculated["dir"] / "stale" / "mixed_edited.xlsx"
    stale.parent.mkdir()
    _patch_cell(source, stale, L.VALUE_MAP, f"{_col('quantity')}4", 60.0)
    assert _headline(stale) == before  # the stale cached results are still in the file
    converted = _convert([stale], recalculated["dir"] / "stale_out", recalculated["dir"] / "profile2")
    data = yaml.safe_load(mixed.read_text(encoding="utf-8"))
    data["outcomes"][0]["quantity"] = 60
    expected = calculate(validate_data(data, test_library)).headline()
    got = _headline(converted[stale])
    assert got["total_present_value"] != pytest.approx(before["total_present_value"], rel=1e-6)
    _assert_agrees(got, expected)


@pytest.mark.slow
@needs_soffice
@pytest.mark.parametrize("path", EXAMPLES + OWN, ids=lambda p: p.stem)
def test_import_reads_a_libreoffice_saved_workbook(recalculated, path, test_library):
    library = _library_for(path, test_library)
    original = _scenario(path, library, DISCOUNTING["green_book"])
    scenario, _ = import_workbook(recalculated["out"][f"{path.stem}-green_book"], library)
    assert _normalised(scenario.model) == _normalised(original.model)


# --------------------------------------------------------------------------- workbook content
@pytest.fixture(scope="module")
def mixed_workbook(tmp_path_factory, test_library):
    scenario = _scenario(FIXTURES / "excel" / "mixed.yaml", test_library)
    path = export_workbook(scenario, tmp_path_factory.mktemp("excel") / "mixed.xlsx")
    return scenario, path


def test_workbook_layout_is_the_value_map(mixed_workbook):
    scenario, path = mixed_workbook
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == list(L.SHEETS)
    vm = wb[L.VALUE_MAP]
    banners = [vm.cell(row=1, column=c).value for c in range(1, vm.max_column + 1)]
    assert [b for b in banners if b] == [s.title for s in L.VALUE_MAP_STAGES]
    labels = [vm.cell(row=3, column=c).value for c in range(1, len(L.VALUE_MAP_COLUMNS) + 1)]
    assert labels == [c.label for c in L.VALUE_MAP_COLUMNS]
    assert vm.freeze_panes == "D4"
    assert vm.column_dimensions["A"].width > 15
    # Computed columns are live formulas, inputs are typed values.
    for index, column in enumerate(L.VALUE_MAP_COLUMNS, start=1):
        value = vm.cell(row=4, column=index).value
        if column.formula and not column.derived:
            assert isinstance(value, str) and value.startswith("="), column.key
        elif value is not None:
            assert not str(value).startswith("="), column.key
    assert vm.cell(row=4, column=[c.key for c in L.VALUE_MAP_COLUMNS].index("deadweight") + 1
                   ).number_format == L.PERCENT
    social = wb[L.SOCIAL_RETURN]
    assert str(_named(wb, L.NAME_RATIO)).startswith("=B6/B7")
    grid = [social.cell(row=r, column=11).value for r in range(14, 17)]
    assert all(isinstance(v, str) and "^" in v for v in grid)  # drop-off formula per year
    assert wb.calculation.fullCalcOnLoad


def test_proxies_and_provenance_sheets(mixed_workbook):
    scenario, path = mixed_workbook
    wb = openpyxl.load_workbook(path)
    rows = list(wb[L.PROXIES].iter_rows(min_row=3, values_only=True))
    header, body = rows[0], {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert set(body) == {"test_thousand", "test_care_week", "test_benefit", "(inline: own_value)"}
    care = body["test_care_week"]
    factor = scenario.library.deflators.factor("2013/14", 2024)
    assert care["Price year"] == "2013/14" and care["Value (£)"] == 500
    assert care["Deflator factor"] == pytest.approx(factor, rel=1e-15)
    assert care["Value (£, 2024 prices)"] == pytest.approx(500 * factor, rel=1e-15)
    assert care["Source"] == "Test fixture" and "Used by" in header
    provenance = {r[0]: r[1] for r in wb[L.PROVENANCE].iter_rows(min_row=3, values_only=True) if r[0]}
    assert provenance["Proxy library content hash"] == scenario.library.content_hash
    assert provenance["Proxy library version"] == "test-1"
    assert "Value Map columns not covered" in provenance


def test_formula_cells_reference_the_right_inputs(mixed_workbook):
    """The impact formula multiplies quantity, value and the three adjustments of its own row."""
    _, path = mixed_workbook
    vm = openpyxl.load_workbook(path)[L.VALUE_MAP]
    letter = {c.key: openpyxl.utils.get_column_letter(i) for i, c in enumerate(L.VALUE_MAP_COLUMNS, 1)}
    impact = vm[f"{letter['impact']}5"].value
    for key in ("quantity", "unit_value", "deadweight", "displacement", "attribution"):
        assert f"{letter[key]}5" in impact, key
    assert vm[f"{letter['unit_value']}5"].value == (f"={letter['amount']}5*{letter['factor']}5"
                                                    f"*IF({letter['disbenefit']}5,-1,1)")


# --------------------------------------------------------------------------- import
@pytest.mark.parametrize("path", EXAMPLES + OWN, ids=lambda p: p.stem)
def test_round_trip_gives_an_equivalent_scenario(path, tmp_path, test_library):
    library = _library_for(path, test_library)
    original = _scenario(path, library)
    workbook = export_workbook(original, tmp_path / "out.xlsx")
    scenario, imported = import_workbook(workbook, library)
    assert _normalised(scenario.model) == _normalised(original.model)
    assert calculate(scenario).headline() == calculate(original).headline()
    assert imported.warnings == []


def _edited(path: Path, tmp_path: Path, edits: dict[tuple[str, str], object]) -> Path:
    wb = openpyxl.load_workbook(path)
    for (sheet, cell), value in edits.items():
        wb[sheet][cell] = value
    out = tmp_path / "edited.xlsx"
    wb.save(out)
    return out


def _col(key: str) -> str:
    return openpyxl.utils.get_column_letter([c.key for c in L.VALUE_MAP_COLUMNS].index(key) + 1)


def _in_col(key: str) -> str:
    return openpyxl.utils.get_column_letter([c.key for c in L.INPUT_COLUMNS].index(key) + 1)


def test_import_errors_name_sheet_cell_and_problem(mixed_workbook, tmp_path, test_library):
    _, path = mixed_workbook
    bad = _edited(path, tmp_path, {
        (L.VALUE_MAP, f"{_col('quantity')}4"): "lots",
        (L.VALUE_MAP, f"{_col('deadweight')}5"): 1.3,
        (L.VALUE_MAP, f"{_col('proxy')}5"): "test_thousnd",
        (L.VALUE_MAP, f"{_col('amount')}6"): None,
        (L.SCENARIO, L.setting_cell("rate")): "green_bok",
        (L.INPUTS, f"{_in_col('year')}5"): -1,
    })
    with pytest.raises(ScenarioError) as info:
        import_workbook(bad, test_library)
    text = str(info.value)
    expected = [
        (f"[{L.VALUE_MAP}!{_col('quantity')}4]", "outcomes[0].quantity", "'lots'"),
        (f"[{L.VALUE_MAP}!{_col('deadweight')}5]", "outcomes[1].deadweight", "1.3"),
        (f"[{L.VALUE_MAP}!{_col('proxy')}5]", "outcomes[1].proxy", "closest ids: test_thousand"),
        (f"[{L.VALUE_MAP}!{_col('amount')}6]", "outcomes[2].value.amount", "missing"),
        (f"[{L.SCENARIO}!{L.setting_cell('rate')}]", "discounting.rate", "green_bok"),
        (f"[{L.INPUTS}!{_in_col('year')}5]", "inputs[1].year", "-1"),
    ]
    for cell, field, detail in expected:
        line = next((l for l in text.splitlines() if cell in l), None)
        assert line is not None, f"no problem for {cell} in:\n{text}"
        assert field in line and detail in line, line
    assert len(info.value.problems) == len(expected)


def test_import_reports_missing_sheets_and_columns(mixed_workbook, tmp_path, test_library):
    _, path = mixed_workbook
    wb = openpyxl.load_workbook(path)
    del wb[L.INPUTS]
    wb[L.VALUE_MAP].delete_cols([c.key for c in L.VALUE_MAP_COLUMNS].index("quantity") + 1)
    wb.save(tmp_path / "broken.xlsx")
    with pytest.raises(ScenarioError) as info:
        import_workbook(tmp_path / "broken.xlsx", test_library)
    text = str(info.value)
    assert "no sheet named 'Inputs'" in text
    assert f"[{L.VALUE_MAP}!A3]" in text and "no column headed 'Quantity'" in text
    (tmp_path / "not.xlsx").write_text("svmodel: 1\n")
    with pytest.raises(ScenarioError, match="cannot read the workbook"):
        import_workbook(tmp_path / "not.xlsx", test_library)


def test_import_formula_without_saved_result_is_named(mixed_workbook, tmp_path, test_library):
    _, path = mixed_workbook
    bad = _edited(path, tmp_path, {(L.VALUE_MAP, f"{_col('quantity')}4"): "=10*2"})
    with pytest.raises(ScenarioError, match=rf"\[{L.VALUE_MAP}!{_col('quantity')}4\].*formula"):
        import_workbook(bad, test_library)


def test_edited_library_value_imports_as_inline_value(mixed_workbook, tmp_path, test_library):
    _, path = mixed_workbook
    edited = _edited(path, tmp_path, {(L.VALUE_MAP, f"{_col('amount')}4"): 1100,
                                      (L.VALUE_MAP, f"{_col('quantity')}5"): 50})
    scenario, imported = import_workbook(edited, test_library)
    first, second = scenario.model.outcomes[:2]
    assert first.proxy is None and first.value.amount == 1100 and first.value.source == "Test fixture"
    assert "test_thousand" in first.notes
    assert second.proxy == "test_care_week" and second.quantity == 50
    assert len(imported.warnings) == 1 and f"{_col('amount')}4" in imported.warnings[0]


def test_hand_filled_template_with_reordered_columns(tmp_path, test_library):
    """A minimal workbook typed by hand: only the needed sheets and columns, in any order."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = L.SCENARIO
    for row, (label, value) in enumerate((("Name", "Hand-made"), ("Price year", 2024),
                                          ("Discount rate", "3.5%"),
                                          ("First year discounted", "no")), start=2):
        ws.cell(row=row, column=1, value=label)
        ws.cell(row=row, column=2, value=value)
    inputs = wb.create_sheet(L.INPUTS)
    inputs.append(["Amount (£)", "Stakeholder"])
    inputs.append([10000, "Council"])
    inputs.append(["Total", None])
    vm = wb.create_sheet(L.VALUE_MAP)
    vm.append(["Quantity", "Outcome", "Stakeholder", "Proxy id", "Deadweight (%)", "Duration"])
    vm.append([4, "Better wellbeing", "Residents", "test_thousand", "25%", 2])
    vm.append([2, "Own value", "Residents", None, 0.1, None])
    vm["G1"], vm["H1"], vm["I1"] = "Proxy value (£)", "Price year", "Source"
    vm["G3"], vm["H3"], vm["I3"] = 300, "2019/20", "Own survey"
    wb.save(tmp_path / "hand.xlsx")
    scenario, imported = import_workbook(tmp_path / "hand.xlsx", test_library)
    model = scenario.model
    assert model.discounting.rate == pytest.approx(0.035)
    assert model.discounting.first_year_discounted is False
    assert [o.id for o in model.outcomes] == ["outcome_2", "outcome_3"]
    assert model.outcomes[0].deadweight == 0.25 and model.outcomes[0].duration == 2
    assert model.outcomes[1].value.price_year == "2019/20"
    assert len(imported.warnings) == 3  # the schema version row and two generated ids


# --------------------------------------------------------------------------- commands
def test_cli_export_then_import(tmp_path, capsys):
    example = EXAMPLES[0] if EXAMPLES else pytest.skip("no example scenarios yet")
    workbook, back = tmp_path / "map.xlsx", tmp_path / "back.yaml"
    assert main(["export", str(example), "--xlsx", str(workbook)]) == 0
    assert main(["import", str(workbook), "--out", str(back)]) == 0
    assert "wrote" in capsys.readouterr().out
    assert main(["validate", str(back)]) == 0
    assert main(["export", str(example), "--xlsx", str(tmp_path / "map.csv")]) == 1
    assert "must end in .xlsx" in capsys.readouterr().err
    assert main(["import", str(tmp_path / "missing.xlsx"), "--out", str(back)]) == 1
    assert "missing.xlsx: no such file" in capsys.readouterr().err


def test_run_writes_csv_tables(tmp_path, capsys):
    example = EXAMPLES[0] if EXAMPLES else pytest.skip("no example scenarios yet")
    import pandas as pd

    out = tmp_path / "tables"
    assert main(["run", str(example), "--csv", str(out)]) == 0
    names = {p.name for p in out.iterdir()}
    assert names == {"headline.csv", "impact_map.csv", "by_year.csv", "inputs.csv",
                     "values_by_line_and_year.csv", "breakdown_stakeholder.csv",
                     "breakdown_value_type.csv", "breakdown_beneficiary.csv", "breakdown_measure.csv"}
    results = calculate(_scenario(example, default_library()))
    headline = pd.read_csv(out / "headline.csv").iloc[0]
    assert headline["total_present_value"] == results.total_present_value  # exact round trip
    by_year = pd.read_csv(out / "by_year.csv")
    assert by_year["present_value"].sum() == pytest.approx(results.total_present_value, rel=1e-12)
    assert not any(p.name.startswith(".") for p in out.iterdir())  # no temporary files left
    (tmp_path / "file").write_text("")
    assert main(["run", str(example), "--csv", str(tmp_path / "file")]) == 1
    assert "not a folder" in capsys.readouterr().err
