#!/usr/bin/env python3
"""Build proxies/ucd.csv from the GMCA Unit Cost Database v1.4 workbook.

Every cost entry of the workbook's seven thematic sheets becomes one library row per
value type it carries (fiscal, economic, social). The output is deterministic: rows are
sorted by sheet (workbook order), reference (natural order) and value type, and running
the script twice gives byte-identical files.

Usage:
    python scripts/build_ucd_proxies.py            # write proxies/ucd.csv
    python scripts/build_ucd_proxies.py --check    # exit 1 if proxies/ucd.csv is stale
    python scripts/build_ucd_proxies.py --out PATH # write elsewhere

Source: GMCA Research / New Economy, Unit Cost Database v1.4 (March 2015), CC BY 4.0.
Dependencies: openpyxl and the standard library only.
"""
from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from pathlib import Path

import openpyxl

REPO = Path(__file__).resolve().parents[1]
DEFAULT_WORKBOOK = REPO / "proxies" / "sources" / "gmca_unit_cost_database_v1_4.xlsx"
DEFAULT_OUT = REPO / "proxies" / "ucd.csv"

COLUMNS = [
    "id", "name", "unit", "value", "value_low", "value_high", "price_year", "value_type",
    "cashable", "beneficiary", "measures", "benefit_area", "transfer", "level", "parent",
    "source", "url", "licence", "confidence", "notes",
]

# The seven thematic sheets, in workbook order, with the benefit area each maps to.
SHEETS = {
    "Crime": "crime",
    "Education & Skills": "education",
    "Employment & Economy": "employment",
    "Fire": "fire",
    "Health": "health",
    "Housing": "housing",
    "Social Services": "social_care",
}

# Workbook columns (identical layout on all seven sheets; checked in read_entries).
COL = {
    "category": "A", "detail_heading": "B", "ref": "C", "name": "D", "unit": "E",
    "agency1": "F", "agency2": "G", "source": "Q", "rag": "R", "comment": "S",
    "revision": "T", "revision_detail": "U",
}
VALUE_COLS = {"fiscal": ("H", "I"), "economic": ("K", "L"), "social": ("N", "O")}
VALUE_TYPES = ("fiscal", "economic", "social")
END_MARKER = "Do not delete rows"  # column A; the sheet's lookup lists start below it

URL = ("https://www.greatermanchester-ca.gov.uk/what-we-do/research/"
       "research-cost-benefit-analysis/")
LICENCE = "CC BY 4.0"
CITATION = "GMCA Research / New Economy, Unit Cost Database v1.4 (March 2015)"
RAG = {"G": "high", "A": "medium", "R": "low"}
REF_RE = re.compile(r"^([A-Z&]+)(\d+)\.(\d+)(?:\.(\d+))?$")

# Known defects in the workbook, fixed here explicitly (and checked, so that a different
# workbook fails loudly instead of being silently "fixed").
# Crime!C58 is blank although the row is the police constituent of CR8.0, between CR8.0
# and CR8.0.2 (indented, like its siblings CR8.0.2..CR8.0.6).
REFERENCE_FIXES = {
    ("Crime", 58): ("CR8.0.1", "Crime - average fiscal cost per incident of crime"),
}

# Transfer payments (Guidance sheet: "a small number of fiscal values should be excluded
# from the public value calculations as they are transfer payments, e.g. tax or social
# security benefits"). Three sources, all applied to fiscal rows only:
#  1. a cell comment on the fiscal value saying it is a transfer payment (read from the file);
#  2. the constituent whose fiscal value equals the amount such a comment names
#     (e.g. E&E1.0.1, the GBP 9,234 DWP benefit saving named in the E&E1.0 comment);
#  3. entries whose fiscal value is itself a social security benefit payment or a tax
#     receipt by their description and comment, though the workbook has no cell comment.
#     Reviewed by hand; listed here with the reason.
BENEFIT_RATE = "social security benefit payment rate"
TRANSFER_BY_CONTENT = {
    **{ref: BENEFIT_RATE for ref in (
        "E&E1.1", "E&E1.2", "E&E1.3", "E&E1.4", "E&E1.5",              # JSA rates
        "E&E2.1", "E&E2.2", "E&E2.3", "E&E2.4", "E&E2.8", "E&E2.9",    # ESA / IB rates
        "E&E3.1", "E&E3.2", "E&E3.3", "E&E3.4", "E&E3.5", "E&E3.6", "E&E3.7", "E&E3.8",
        "E&E5.0", "E&E5.1", "E&E5.2", "E&E5.3",                        # PIP
        "E&E6.0", "E&E6.1", "E&E6.2", "E&E6.3", "E&E6.4",              # DLA children
        "E&E7.0", "E&E7.1", "E&E7.2", "E&E7.3", "E&E7.4",              # DLA (historic)
        "E&E8.0", "E&E8.1",                                            # Attendance Allowance
        "E&E9.0",                                                      # Carer's Allowance
        "HO7.0", "HO7.1", "HO7.2", "HO7.3", "HO7.4", "HO7.5", "HO7.6", "HO7.7",  # Housing Benefit
    )},
    "E&E2.7": "benefit saving net of in-work tax credits when an IB claimant enters work",
    **{ref: "benefit payments and foregone tax / tax credits (per the entry's comment)" for ref in (
        "E&E10.0", "E&E10.0.1", "E&E10.0.2", "E&E10.1", "E&E10.2", "E&E10.2.1", "E&E10.2.2",
        "E&E10.3", "E&E10.3.1", "E&E10.3.2", "E&E10.4",
    )},
}

# Knowsley measures each UCD row can value (the reverse of params/frameworks/knowsley.yaml;
# tests/test_proxy_data.py checks that the two agree).
MEASURES = {
    "ucd_E&E1.0_economic": "K1;K3;K5",
    "ucd_E&E1.0_fiscal": "K1;K5",
    "ucd_E&E2.0_economic": "K1",
    "ucd_E&E2.0_fiscal": "K1",
    "ucd_E&S5.0_economic": "K2;K6;K8",
    "ucd_E&S9.0_economic": "K2;K6",
    "ucd_E&S13.0_economic": "K2",
    "ucd_E&S8.0_economic": "K2",
    "ucd_E&S12.0_economic": "K2",
    "ucd_CR8.0_fiscal": "K5;K6;K15;K26",
    "ucd_CR8.0_social": "K5;K15;K26",
    "ucd_E&E10.1_economic": "K8",
    "ucd_SS7.0_fiscal": "K9;K10",
    "ucd_SS11.0_fiscal": "K9",
    "ucd_SS7.0_economic": "K10",
    "ucd_SS8.0_fiscal": "K10",
    "ucd_SS8.0_economic": "K10",
    "ucd_HE7.0.2_fiscal": "K11",
    "ucd_CR8.0_economic": "K26",
    "ucd_CR3.0_fiscal": "K26",
    "ucd_E&S4.1_fiscal": "K29",
}


def clean(text) -> str:
    """Collapse whitespace (the workbook uses line breaks inside cells)."""
    if text is None:
        return ""
    return re.sub(r"\s+", " ", str(text)).strip()


def fmt_number(x: float) -> str:
    """Plain decimal, at most 4 places, no trailing zeros (formula cells such as
    =538.2/3*2 give repeating decimals)."""
    s = f"{round(float(x), 4):.4f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def ref_key(ref: str):
    m = REF_RE.match(ref)
    return (m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4) or -1))


def level_and_parent_ref(ref: str):
    """Level from the reference depth: X.0 headline, X.n subsidiary (parent X.0),
    X.n.m constituent (parent X.n). This agrees with the workbook's formatting (bold
    headline rows, indented constituent rows) for every entry of v1.4."""
    prefix, major, minor, sub = REF_RE.match(ref).groups()
    if sub is not None:
        return "constituent", f"{prefix}{major}.{minor}"
    if minor == "0":
        return "headline", None
    return "subsidiary", f"{prefix}{major}.0"


def read_entries(workbook: Path):
    """Return one dict per cost entry, in workbook order."""
    wb_formula = openpyxl.load_workbook(workbook)              # comments, formulas
    wb_values = openpyxl.load_workbook(workbook, data_only=True)  # cached values
    entries = []
    for sheet, area in SHEETS.items():
        ws, wv = wb_formula[sheet], wb_values[sheet]
        header = clean(ws["H1"].value).lower(), clean(ws["K1"].value).lower(), clean(ws["N1"].value).lower()
        if not (header[0].startswith("fiscal") and header[1].startswith("economic")
                and header[2].startswith("social") and clean(ws["C1"].value) == "Cost code"):
            raise SystemExit(f"{sheet}: unexpected header row {header}")
        for r in range(3, ws.max_row + 1):
            cell = lambda c: ws[f"{c}{r}"].value  # noqa: E731
            if clean(cell(COL["category"])) == END_MARKER:
                break
            if cell(COL["ref"]) is None and cell(COL["name"]) is None:
                continue
            ref = clean(cell(COL["ref"]))
            name = clean(cell(COL["name"]))
            notes = []
            if (sheet, r) in REFERENCE_FIXES:
                fixed, expect = REFERENCE_FIXES[(sheet, r)]
                if ref or not name.startswith(expect):
                    raise SystemExit(f"{sheet}!C{r}: reference fix no longer applies ({ref!r}, {name!r})")
                ref = fixed
                notes.append(f"Reference cell {sheet}!C{r} is blank in the workbook; "
                             f"{fixed} inferred from its position between its parent and sibling entries.")
            if not REF_RE.match(ref):
                raise SystemExit(f"{sheet} row {r}: cannot parse reference {ref!r}")
            values = {}
            for vt, (vcol, ycol) in VALUE_COLS.items():
                v = wv[f"{vcol}{r}"].value
                y = clean(wv[f"{ycol}{r}"].value)
                if v is None or v == "":
                    continue
                if not isinstance(v, (int, float)):
                    raise SystemExit(f"{sheet}!{vcol}{r}: non-numeric value {v!r}")
                if not re.match(r"^\d{4}/\d{2}$", y):
                    raise SystemExit(f"{sheet}!{ycol}{r}: bad price year {y!r}")
                formula = ws[f"{vcol}{r}"].value
                comment = ws[f"{vcol}{r}"].comment
                values[vt] = {
                    "value": v, "year": y,
                    "formula": formula if isinstance(formula, str) and formula.startswith("=") else None,
                    "comment": clean(comment.text) if comment else "",
                }
            if not values:
                raise SystemExit(f"{sheet} row {r} ({ref}): entry without any value")
            rag = clean(cell(COL["rag"]))
            if rag not in RAG:
                raise SystemExit(f"{sheet}!R{r}: unknown RAG rating {rag!r}")
            agencies = [clean(cell(COL["agency1"])), clean(cell(COL["agency2"]))]
            entries.append({
                "sheet": sheet, "row": r, "area": area, "ref": ref, "name": name,
                "unit": clean(cell(COL["unit"])),
                "agencies": [a for a in agencies if a and a != "-"],
                "category": clean(cell(COL["category"])), "heading": clean(cell(COL["detail_heading"])),
                "source": clean(cell(COL["source"])), "rag": rag,
                "comment": clean(cell(COL["comment"])),
                "revision": " - ".join(x for x in (clean(cell(COL["revision"])), clean(cell(COL["revision_detail"]))) if x),
                "values": values, "notes": notes,
            })
    refs = [e["ref"] for e in entries]
    dupes = sorted({x for x in refs if refs.count(x) > 1})
    if dupes:
        raise SystemExit(f"duplicate references in workbook: {dupes}")
    return entries


def transfer_amount(comment: str):
    """The GBP amount a transfer comment names as the transfer part, if any."""
    m = re.search(r"the £([\d,]+(?:\.\d+)?) fiscal benefit", comment)
    return float(m.group(1).replace(",", "")) if m else None


def build_rows(entries):
    by_ref = {e["ref"]: e for e in entries}
    for ref in TRANSFER_BY_CONTENT:
        if ref not in by_ref or "fiscal" not in by_ref[ref]["values"]:
            raise SystemExit(f"TRANSFER_BY_CONTENT lists {ref}, which has no fiscal value")

    # Pass 1: transfer flags from fiscal cell comments, and the constituent they name.
    transfer = {}  # ref -> reason (fiscal rows only)
    for e in entries:
        fiscal = e["values"].get("fiscal")
        if fiscal and "transfer payment" in fiscal["comment"].lower():
            amount = transfer_amount(fiscal["comment"])
            if amount is None:
                transfer[e["ref"]] = "whole fiscal value is a transfer payment (cell comment on the fiscal value)"
            else:
                transfer[e["ref"]] = (f"GBP {amount:,.0f} of this fiscal value is a transfer payment "
                                      "(cell comment on the fiscal value)")
                kids = [k for k in entries if level_and_parent_ref(k["ref"])[1] == e["ref"]
                        and "fiscal" in k["values"] and abs(k["values"]["fiscal"]["value"] - amount) < 0.5]
                if len(kids) != 1:
                    raise SystemExit(f"{e['ref']}: cannot find the constituent for the £{amount} transfer")
                transfer[kids[0]["ref"]] = (f"benefit payment saving named as a transfer payment in the "
                                            f"comment on {e['ref']}")
    for ref, reason in TRANSFER_BY_CONTENT.items():
        transfer.setdefault(ref, reason)

    rows = []
    for e in entries:
        level, parent_ref = level_and_parent_ref(e["ref"])
        if parent_ref is not None and parent_ref not in by_ref:
            raise SystemExit(f"{e['ref']}: parent {parent_ref} not in workbook")
        for vt in VALUE_TYPES:
            if vt not in e["values"]:
                continue
            v = e["values"][vt]
            rid = f"ucd_{e['ref']}_{vt}"
            parent = ""
            if parent_ref:
                pvals = by_ref[parent_ref]["values"]
                ptype = vt if vt in pvals else next(t for t in VALUE_TYPES if t in pvals)
                parent = f"ucd_{parent_ref}_{ptype}"
            is_transfer = vt == "fiscal" and e["ref"] in transfer
            notes = [f"UCD {e['sheet']}: {e['category'].title()} / {e['heading'].title()}."]
            notes += e["notes"]
            if is_transfer:
                notes.append(f"Transfer payment: {transfer[e['ref']]}; exclude from social/public value totals.")
            if v["comment"]:
                notes.append(f"Cell comment: {v['comment']}")
            if v["formula"]:
                notes.append(f"Value computed in the workbook as {v['formula']}.")
            if e["comment"]:
                notes.append(f"Comment: {e['comment']}")
            if e["revision"]:
                notes.append(f"v1.4 revision: {e['revision']}")
            if vt == "fiscal":
                beneficiary = " / ".join(e["agencies"])
            elif vt == "economic":
                beneficiary = "the person / the economy"
            else:
                beneficiary = "society"
            rows.append({
                "id": rid,
                "name": e["name"],
                "unit": e["unit"],
                "value": fmt_number(v["value"]),
                "value_low": "",
                "value_high": "",
                "price_year": v["year"],
                "value_type": vt,
                "cashable": "",
                "beneficiary": beneficiary,
                "measures": MEASURES.get(rid, ""),
                "benefit_area": e["area"],
                "transfer": "true" if is_transfer else "false",
                "level": level,
                "parent": parent,
                "source": (f"{CITATION}, entry {e['ref']} ({e['sheet']} sheet, row {e['row']}); "
                           f"original source: {e['source']}" if e["source"] else
                           f"{CITATION}, entry {e['ref']} ({e['sheet']} sheet, row {e['row']})"),
                "url": URL,
                "licence": LICENCE,
                "confidence": RAG[e["rag"]],
                "notes": " ".join(notes),
            })
    sheet_order = {s: i for i, s in enumerate(SHEETS)}
    ref_sheet = {e["ref"]: e["sheet"] for e in entries}
    rows.sort(key=lambda row: (
        sheet_order[ref_sheet[row["id"][4:].rsplit("_", 1)[0]]],
        ref_key(row["id"][4:].rsplit("_", 1)[0]),
        VALUE_TYPES.index(row["value_type"]),
    ))
    ids = {row["id"] for row in rows}
    missing = sorted(set(MEASURES) - ids)
    if missing:
        raise SystemExit(f"MEASURES names ids the build does not produce: {missing}")
    return rows


def render(rows) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def build(workbook: Path = DEFAULT_WORKBOOK) -> bytes:
    return render(build_rows(read_entries(workbook)))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workbook", type=Path, default=DEFAULT_WORKBOOK, help="UCD workbook (.xlsx)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output CSV (default proxies/ucd.csv)")
    ap.add_argument("--check", action="store_true",
                    help="do not write; exit 1 if the output file differs from a fresh build")
    args = ap.parse_args(argv)
    data = build(args.workbook)
    n_rows = data.count(b"\n") - 1
    if args.check:
        current = args.out.read_bytes() if args.out.exists() else b""
        if current != data:
            print(f"{args.out} is out of date: run python scripts/build_ucd_proxies.py", file=sys.stderr)
            return 1
        print(f"{args.out} is up to date ({n_rows} rows)")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(f"wrote {args.out} ({n_rows} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
