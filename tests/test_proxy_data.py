"""Checks on the shipped proxy data: the UCD build, licences, ids and the Knowsley framework."""
from __future__ import annotations

import csv
import importlib.util
import re
from pathlib import Path

import openpyxl
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PROXIES = ROOT / "proxies"
UCD_CSV = PROXIES / "ucd.csv"
GOV_CSV = PROXIES / "government.csv"
WORKBOOK = PROXIES / "sources" / "gmca_unit_cost_database_v1_4.xlsx"
FRAMEWORK = ROOT / "params" / "frameworks" / "knowsley.yaml"
BUILD_SCRIPT = ROOT / "scripts" / "build_ucd_proxies.py"

COLUMNS = [
    "id", "name", "unit", "value", "value_low", "value_high", "price_year", "value_type",
    "cashable", "beneficiary", "measures", "benefit_area", "transfer", "level", "parent",
    "source", "url", "licence", "confidence", "notes",
]
OPEN_LICENCES = {"CC BY 4.0", "OGL v3.0", "Open Parliament Licence v3.0"}
NON_OPEN = re.compile(r"HACT|Social Value Bank|TOMs|Social Value Portal|\bNC\b|\bND\b|NonCommercial|"
                      r"all rights reserved|proprietary", re.I)


def load_build_module():
    spec = importlib.util.spec_from_file_location("build_ucd_proxies", BUILD_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_csv(path: Path):
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


@pytest.fixture(scope="module")
def ucd():
    return read_csv(UCD_CSV)


@pytest.fixture(scope="module")
def gov():
    return read_csv(GOV_CSV)


@pytest.fixture(scope="module")
def framework():
    with FRAMEWORK.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def workbook_counts():
    """Count cost entries and values straight from the workbook, independently of the build:
    every sheet whose C1 header is 'Cost code'; an entry is a row with a description (D) and
    a unit (E); its values are the non-empty cells under the Fiscal / Economic / Social
    'Estimated cost/saving' headers."""
    wb = openpyxl.load_workbook(WORKBOOK, data_only=True)
    entries = values = 0
    sheets = []
    for ws in wb.worksheets:
        if str(ws["C1"].value).strip() != "Cost code":
            continue
        sheets.append(ws.title)
        value_cols = [c.column for c in ws[1]
                      if isinstance(c.value, str) and c.value.split()[0] in ("Fiscal", "Economic", "Social")]
        assert len(value_cols) == 3, ws.title
        for row in ws.iter_rows(min_row=3):
            desc, unit = row[3].value, row[4].value
            if desc in (None, "") or unit in (None, ""):
                continue
            entries += 1
            values += sum(1 for col in value_cols if row[col - 1].value not in (None, ""))
    return sheets, entries, values


def test_csv_columns_exact(ucd, gov):
    assert ucd[0] == COLUMNS
    assert gov[0] == COLUMNS


def test_build_reproduces_shipped_csv():
    module = load_build_module()
    assert module.build(WORKBOOK) == UCD_CSV.read_bytes(), (
        "proxies/ucd.csv is stale: run python scripts/build_ucd_proxies.py")


def test_build_check_flag(tmp_path):
    module = load_build_module()
    assert module.main(["--check"]) == 0
    stale = tmp_path / "ucd.csv"
    stale.write_text("id\n", encoding="utf-8")
    assert module.main(["--check", "--out", str(stale)]) == 1
    assert module.main(["--out", str(stale)]) == 0
    assert stale.read_bytes() == UCD_CSV.read_bytes()


def test_ucd_row_count_matches_workbook(ucd):
    sheets, entries, values = workbook_counts()
    assert len(sheets) == 7
    rows = ucd[1]
    assert len(rows) == values
    assert len({r["id"].rsplit("_", 1)[0] for r in rows}) == entries


def test_ucd_rows_well_formed(ucd):
    rows = ucd[1]
    ids = {r["id"] for r in rows}
    for r in rows:
        assert re.fullmatch(r"ucd_[A-Z&]+\d+\.\d+(\.\d+)?_(fiscal|economic|social)", r["id"]), r["id"]
        assert r["id"].endswith("_" + r["value_type"])
        assert re.fullmatch(r"\d{4}/\d{2}", r["price_year"]), r["id"]
        assert r["level"] in ("headline", "subsidiary", "constituent")
        assert (r["parent"] == "") == (r["level"] == "headline"), r["id"]
        if r["parent"]:
            assert r["parent"] in ids, r["id"]
        assert r["confidence"] in ("high", "medium", "low")
        assert r["licence"] == "CC BY 4.0"
        if r["transfer"] == "true":
            assert r["value_type"] == "fiscal", r["id"]
    # spot checks against the workbook
    by_id = {r["id"]: r for r in rows}
    assert by_id["ucd_CR8.0_fiscal"]["value"] == "609"
    assert by_id["ucd_CR8.0_social"]["value"] == "1648"
    assert by_id["ucd_E&E1.0_economic"]["value"] == "14044"
    assert by_id["ucd_E&E1.0.1_fiscal"]["transfer"] == "true"
    assert by_id["ucd_E&E1.0.2_fiscal"]["transfer"] == "false"
    assert by_id["ucd_E&S5.0_fiscal"]["transfer"] == "true"
    assert by_id["ucd_CR8.0.1_fiscal"]["parent"] == "ucd_CR8.0_fiscal"
    assert by_id["ucd_SS7.0_fiscal"]["price_year"] == "2013/14"


@pytest.mark.parametrize("which", ["ucd", "gov"])
def test_values_are_plain_numbers(which, ucd, gov):
    rows = {"ucd": ucd, "gov": gov}[which][1]
    for r in rows:
        for col in ("value", "value_low", "value_high"):
            if col != "value" and r[col] == "":
                continue
            assert re.fullmatch(r"-?\d+(\.\d+)?", r[col]), (r["id"], col, r[col])
        if r["value_low"] and r["value_high"]:
            assert float(r["value_low"]) <= float(r["value"]) <= float(r["value_high"]), r["id"]
        assert r["value_type"] in ("fiscal", "economic", "social")
        assert r["transfer"] in ("true", "false")
        assert r["cashable"] in ("", "true", "false")
        assert r["source"] and r["url"].startswith("http") and r["benefit_area"]
        assert re.fullmatch(r"\d{4}|\d{4}/\d{2}", r["price_year"]), r["id"]
        for m in filter(None, r["measures"].split(";")):
            assert re.fullmatch(r"K([1-9]|1\d|2[0-9])", m), (r["id"], m)


def test_ids_unique_across_library(ucd, gov):
    ids = [r["id"] for r in ucd[1]] + [r["id"] for r in gov[1]]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    assert not dupes


def test_no_non_open_licence(ucd, gov):
    for r in ucd[1] + gov[1]:
        assert r["licence"] in OPEN_LICENCES, (r["id"], r["licence"])
        for col in ("id", "licence", "source", "url"):
            assert not NON_OPEN.search(r[col]), (r["id"], col, r[col])
        assert not r["id"].startswith(("hact_", "toms_", "nt_")), r["id"]


def test_government_rows_not_duplicating_ucd(gov):
    for r in gov[1]:
        assert not r["id"].startswith("ucd_")
        assert "Unit Cost Database" not in r["source"], r["id"]


def test_government_headline_values(gov):
    by_id = {r["id"]: r for r in gov[1]}
    w = by_id["hmt_wellby"]
    assert (w["value"], w["value_low"], w["value_high"], w["price_year"]) == ("13000", "10000", "16000", "2019")
    assert by_id["hmt_qaly"]["value"] == "70000"
    assert any(i.startswith("landfill_tax_") for i in by_id)
    assert all(by_id[i]["transfer"] == "true" for i in by_id if i.startswith("landfill_tax_"))


def test_framework_shape(framework):
    assert framework["framework"] == "knowsley"
    outcomes = framework["outcomes"]
    assert [o["id"] for o in outcomes] == [f"O{i}" for i in range(1, 7)]
    measures = [m for o in outcomes for m in o["measures"]]
    assert [m["id"] for m in measures] == [f"K{i}" for i in range(1, 30)]
    for o in outcomes:
        assert o["name"]
    for m in measures:
        assert m["name"] and m["unit"], m["id"]


def test_every_measure_valued_or_marked(framework, ucd, gov):
    ids = {r["id"] for r in ucd[1]} | {r["id"] for r in gov[1]}
    for o in framework["outcomes"]:
        for m in o["measures"]:
            if m.get("count_only"):
                assert m.get("reason", "").strip(), m["id"]
                assert not m.get("proxies"), m["id"]
                continue
            assert m.get("proxies"), f"{m['id']} is neither valued nor count_only"
            for p in m["proxies"]:
                assert p["id"] in ids, (m["id"], p["id"])
                assert p.get("rationale", "").strip(), (m["id"], p["id"])
    k22 = next(m for o in framework["outcomes"] for m in o["measures"] if m["id"] == "K22")
    assert k22.get("count_only") is True


def test_measures_column_matches_framework(framework, ucd, gov):
    expected = {}
    for o in framework["outcomes"]:
        for m in o["measures"]:
            for p in m.get("proxies", []):
                expected.setdefault(p["id"], set()).add(m["id"])
    for r in ucd[1] + gov[1]:
        got = set(filter(None, r["measures"].split(";")))
        assert got == expected.get(r["id"], set()), r["id"]
