"""The tender panel's report (`svmodel tender report`): the HTML page from the Jinja2 templates,
the Excel evaluation pack, the bid chart, and the A4 PDF (printed with headless Chromium and
checked with poppler's pdftotext: every table's last column is on the page)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from svmodel.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "params" / "tenders" / "home_care_2026"
BIDS = sorted(str(p) for p in (EXAMPLE / "bids").iterdir())
FIX = Path(__file__).resolve().parent / "fixtures" / "procurement"
DELIVERY = sorted(str(p) for p in (EXAMPLE / "delivery").iterdir())
HOSTILE = '<script>alert(1)</script> & "Co"'
FORMULA = '=HYPERLINK("http://example.invalid","click")'


@pytest.fixture(scope="module")
def tender():
    from svmodel.procurement.panel_report import build

    return build(str(EXAMPLE / "spec.yaml"), BIDS, str(EXAMPLE / "scores.csv"),
                 str(EXAMPLE / "bids" / "mersey_care_collective.xlsx"), DELIVERY)


def _renamed_bid(source: str, name: str, folder: Path) -> str:
    """A copy of a CSV bid under another bidder name (a further bidder for the panel)."""
    text = Path(source).read_text(encoding="utf-8")
    old = text.splitlines()[1].split(",")[0]
    path = folder / (re.sub(r"[^a-z0-9]+", "_", name.lower())[:40] + ".csv")
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text)))
    for row in rows[1:]:
        if row and row[0] == old:
            row[0] = name
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return str(path)


# --------------------------------------------------------------------------- the chart
def test_bid_chart_is_linear_with_whole_title_and_value_legend(tender):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from svmodel.procurement import charts

    fig = charts.social_value_by_bid(tender.evaluation)
    FigureCanvasAgg(fig).draw()
    ax = fig.axes[0]
    assert ax.get_xscale() == "linear"
    title = fig._suptitle
    assert title is not None and "Social value per bid" in title.get_text()
    box, page = title.get_window_extent(), fig.bbox
    assert box.x0 >= page.x0 and box.x1 <= page.x1 and box.y1 <= page.y1  # nothing clipped
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    for kind in ("Gross", "Claimed", "Adjusted", "Scored", "Plausibility limit"):
        assert any(label.startswith(kind) for label in labels), (kind, labels)
    legend = fig.legends[0].get_window_extent()
    assert legend.x1 <= page.x1 + 1 and legend.x0 >= page.x0 - 1


# --------------------------------------------------------------------------- the HTML page
def test_page_has_the_panels_sections_in_plain_words(tender):
    from svmodel.procurement.flags import FLAG_CODES, FLAG_TITLES
    from svmodel.procurement.page import render

    html = render(tender)
    assert html.startswith("<!DOCTYPE html>") and "</html>" in html
    for heading in ("Summary", "Ranking", "Social value of each bid", "Bids side by side", "Plausibility flags",
                    "What the flags mean", "Commitments valued, bid by bid", "Scoring method and sources",
                    "Delivery monitoring: Mersey Care Collective CIC"):
        assert f">{heading}<" in html, heading
    for term in ("Gross", "Claimed", "Adjusted", "Scored"):
        assert f"</span>{term}</dt>" in html  # the legend of the four values
    assert FLAG_TITLES["contract_fee"] in html and FLAG_TITLES["ordinary_business"] in html
    text = re.sub(r"<[^>]+>", " ", html.split("<body>", 1)[1])
    for code in FLAG_CODES:  # flags in words, never as codes
        assert code not in text, code
    assert "log scale" not in html
    assert "data:image/png;base64," in html and "<script" not in html.lower()
    assert "@page" in html and "counter(pages)" in html and "@top-left" in html


def test_page_escapes_everything_a_bidder_or_buyer_types(tmp_path, test_library):
    from svmodel.procurement.page import render
    from svmodel.procurement.panel_report import build
    from svmodel.procurement.spec import load_spec

    spec_path = tmp_path / "spec.yaml"
    spec_path.write_text((FIX / "spec.yaml").read_text().replace("name: Test tender",
                                                                 "name: 'Tender </title><script>x()</script>'"))
    bid = _renamed_bid(str(FIX / "clean_bid.csv"), HOSTILE, tmp_path)
    tender = build(load_spec(spec_path, test_library), [bid, str(FIX / "wooden_bid.csv")])
    html = render(tender)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#x27;" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;" in html
    assert "Tender &lt;/title&gt;&lt;script&gt;x()&lt;/script&gt;" in html


def test_side_by_side_splits_many_bidders_into_tables_that_fit(tmp_path, tender):
    from svmodel.procurement.page import BIDDERS_PER_TABLE, side_by_side_tables

    tables = side_by_side_tables(tender, per_table=2)
    assert len(tables) == 2  # three bidders, two per table
    assert all(len(t.columns) <= 2 + 2 * 2 for t in tables)
    assert [g for g, _ in tables[0].groups][1:] == [b.bidder for b in tender.evaluation.bids[:2]]
    assert BIDDERS_PER_TABLE == 3


# --------------------------------------------------------------------------- the Excel pack
def test_evaluation_pack_sheets_headings_print_setup_and_safety(tmp_path, test_library):
    from openpyxl import load_workbook

    from svmodel.procurement.pack import evaluation_pack
    from svmodel.procurement.scoring import evaluate_files
    from svmodel.procurement.spec import load_spec

    spec = load_spec(FIX / "spec.yaml", test_library)
    bid = _renamed_bid(str(FIX / "clean_bid.csv"), FORMULA, tmp_path)
    evaluation = evaluate_files(spec, [bid, str(FIX / "wooden_bid.csv"), str(FIX / "bad_wrong_unit.csv")])
    path = tmp_path / "pack.xlsx"
    path.write_bytes(evaluation_pack(evaluation))
    book = load_workbook(path)
    assert book.sheetnames == ["Summary", "Commitments", "Commitment details", "Flags", "Scoring method",
                               "Files not read"]
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)  # no live formula
    summary = book["Summary"]
    header_row = next(r for r in summary.iter_rows(values_only=True) if r[0] == "Rank")
    assert header_row[:6] == ("Rank", "Bidder", "Gross social value (£)", "Claimed social value (£)",
                              "Adjusted social value (£)", "Scored social value (£)")
    values = [c for r in summary.iter_rows(values_only=True) for c in r if c is not None]
    assert "'" + FORMULA in values  # the formula-like bidder name is text, quote-prefixed
    commitments = book["Commitments"]
    head = [c.value for c in commitments[1]]
    assert head[6:10] == ["Gross value (£)", "Claimed value (£)", "Adjusted value (£)", "Scored value (£)"]
    assert "Flags" in head and commitments.print_title_rows == "$1:$1"
    wooden_k4 = next(r for r in commitments.iter_rows(min_row=2, values_only=True)
                     if r[1] == "Wooden Pounds plc" and r[2] == "K4")
    assert wooden_k4[8] == pytest.approx(40000) and wooden_k4[9] == pytest.approx(0)  # tests/test_procurement.py
    assert "No evidence offered" in wooden_k4[head.index("Flags")]
    flag_words = {r[3] for r in book["Flags"].iter_rows(min_row=2, values_only=True)}
    assert "Contract fee counted as social value" in flag_words and "contract_fee" not in flag_words
    details = [c.value for c in book["Commitment details"][1]]
    assert "Bidder's deadweight (%)" in details and "Buyer's displacement (%)" in details
    assert "bad_wrong_unit.csv" in str(book["Files not read"]["A2"].value)


# --------------------------------------------------------------------------- the command
def test_report_command_writes_page_and_pack(tmp_path, capsys):
    code = main(["tender", "report", str(EXAMPLE / "spec.yaml"), *BIDS, "--scores", str(EXAMPLE / "scores.csv"),
                 "--out", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home_care_2026.html", "home_care_2026.xlsx"]
    assert f"wrote {tmp_path / 'home_care_2026.html'}" in captured.out
    assert "Mersey Care Collective CIC" in (tmp_path / "home_care_2026.html").read_text(encoding="utf-8")


def test_report_command_lists_a_bad_bid_and_exits_partial(tmp_path, capsys):
    from svmodel.errors import ExitCode

    bad = FIX / "bad_wrong_unit.csv"
    code = main(["tender", "report", str(EXAMPLE / "spec.yaml"), *BIDS, str(bad), "--out", str(tmp_path),
                 "--name", "panel"])
    captured = capsys.readouterr()
    assert code == ExitCode.PARTIAL_FAILURE
    assert f"error: {bad}: header: missing column(s) year_3, year_4" in captured.err
    html = (tmp_path / "panel.html").read_text(encoding="utf-8")
    assert "Files that could not be read" in html and "bad_wrong_unit.csv" in html
    assert "Apex National Care Group plc" in html  # the good bids are still reported
    assert "Traceback" not in captured.err


def test_report_command_bad_spec_and_no_readable_bid_are_clear_errors(tmp_path, capsys):
    bad_spec = tmp_path / "spec.yaml"
    bad_spec.write_text((EXAMPLE / "spec.yaml").read_text().replace("social_value: 15", "social_value: 5")
                        .replace("price: 40", "price: 50"))
    assert main(["tender", "report", str(bad_spec), *BIDS, "--out", str(tmp_path / "a")]) == 1
    err = capsys.readouterr().err
    assert f"{bad_spec}:" in err and "weighting.social_value" in err and "Traceback" not in err
    assert main(["tender", "report", str(EXAMPLE / "spec.yaml"), str(FIX / "bad_missing_bidder.csv"),
                 "--out", str(tmp_path / "b")]) == 1
    err = capsys.readouterr().err
    assert "no bid could be read" in err and "bad_missing_bidder.csv" in err
    assert not (tmp_path / "b").exists()
    assert main(["tender", "report", str(EXAMPLE / "spec.yaml"), *BIDS, "--out", str(tmp_path),
                 "--name", "../x"]) == 1
    assert "--name" in capsys.readouterr().err


def test_report_pdf_without_a_browser_still_writes_the_html(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SVMODEL_CHROMIUM", str(tmp_path / "no-such-browser"))
    code = main(["tender", "report", str(EXAMPLE / "spec.yaml"), BIDS[0], "--out", str(tmp_path / "out"),
                 "--pdf"])
    captured = capsys.readouterr()
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["home_care_2026.html", "home_care_2026.xlsx"]
    assert "notice: no PDF written: no Chromium-family browser found" in captured.err


def test_progress_bar_from_many_bids(tmp_path, capsys, monkeypatch):
    import svmodel.commands.tender as tender_command

    ticks = []

    class Bar:
        def __init__(self, total):
            self.total = total

        def update(self, n):
            ticks.append(n)

        def close(self):
            ticks.append("closed")

    monkeypatch.setattr(tender_command, "_progress",
                        lambda total, disabled: None if total < tender_command.PROGRESS_FROM else Bar(total))
    bids = [_renamed_bid(str(EXAMPLE / "bids" / "prescot_home_support.csv"), f"Bidder {i} Ltd", tmp_path) for i in range(tender_command.PROGRESS_FROM)]
    assert main(["tender", "report", str(EXAMPLE / "spec.yaml"), *bids, "--out", str(tmp_path / "o")]) == 0
    assert ticks == [1] * tender_command.PROGRESS_FROM + ["closed"]


# --------------------------------------------------------------------------- print to PDF
def _words(pdf: Path, tmp_path: Path) -> tuple[list[tuple[int, float, float, str]], list[tuple[float, float]]]:
    """Every word of the PDF with its page and horizontal extent (pdftotext -bbox), and the
    size of each page."""
    out = tmp_path / "bbox.html"
    subprocess.run(["pdftotext", "-bbox", str(pdf), str(out)], check=True, capture_output=True)
    import html as html_lib

    words, pages = [], []
    for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', out.read_text(), re.S):
        pages.append((float(page.group(1)), float(page.group(2))))
        for w in re.finditer(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</word>',
                             page.group(3)):
            words.append((len(pages), float(w.group(1)), float(w.group(2)), html_lib.unescape(w.group(3))))
    return words, pages


def _last_columns(html: str) -> list[tuple[str, list[str]]]:
    """For each table of the page: its last heading and the text of its last column's cells."""
    import html as html_lib

    out = []
    for table in re.findall(r"<table.*?</table>", html, re.S):
        heads = re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)
        cells = []
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S):
            tds = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            if tds:
                cells.append(html_lib.unescape(re.sub(r"<[^>]+>", "", tds[-1])).strip())
        out.append((html_lib.unescape(heads[-1]), [c for c in cells if c]))
    return out


@pytest.mark.slow
def test_pdf_keeps_every_tables_last_column_on_the_page(tmp_path, chromium, capsys):
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler's pdftotext is not installed: PDF text check skipped")
    # Seven bidders, some with long names: the side-by-side comparison needs three tables.
    prescot, apex = str(EXAMPLE / "bids" / "prescot_home_support.csv"), str(EXAMPLE / "bids" / "apex_national_care.csv")
    extra = [_renamed_bid(prescot, "Prescot and Whiston Community Home Support Partnership Ltd", tmp_path),
             _renamed_bid(prescot, "Halewood Homecare Cooperative", tmp_path),
             _renamed_bid(prescot, "Kirkby Neighbourhood Care CIC", tmp_path),
             _renamed_bid(apex, "Apex National Care Group (Northern Region) plc", tmp_path)]
    out = tmp_path / "out"
    code = main(["tender", "report", str(EXAMPLE / "spec.yaml"), *BIDS, *extra, "--scores",
                 str(EXAMPLE / "scores.csv"), "--commitments", str(EXAMPLE / "bids" / "mersey_care_collective.xlsx"),
                 "--delivery", *DELIVERY, "--out", str(out), "--pdf"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    pdf = out / "home_care_2026.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    words, pages = _words(pdf, tmp_path)
    assert len(pages) >= 4 and all(abs(w - 595.3) < 2 and abs(h - 841.9) < 2 for w, h in pages)  # A4 portrait
    # Nothing runs past the right margin (13 mm = 36.9 pt) or starts left of the left margin.
    for page, x0, x1, text in words:
        assert x0 >= 30 and x1 <= pages[page - 1][0] - 30, (page, x0, x1, text)
    # The last column of every table is printed: its heading and every cell's words.
    printed = {text for _, _, _, text in words}
    squashed = "".join(text for _, _, _, text in words)
    html = (out / "home_care_2026.html").read_text(encoding="utf-8")
    tables = _last_columns(html)
    assert len(tables) >= 10
    for heading, cells in tables:
        for text in [heading, *cells]:
            for token in text.split():
                assert token in printed or token in squashed, (heading, token)
    # Running header and "Page N of M" on every page.
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    n = len(pages)
    for i in range(1, n + 1):
        assert f"Page {i} of {n}" in text
    from svmodel.procurement.spec import load_spec

    name = load_spec(EXAMPLE / "spec.yaml").model.name
    assert text.count(f"Panel report: {name}") >= n  # the tender's own name, on every page
