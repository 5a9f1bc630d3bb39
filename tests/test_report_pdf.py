"""Reports on paper (issue 15): `svmodel report --pdf` prints the three shipped examples, the
portfolio and the index to A4 PDF; pdftotext shows every table's last column on the pages (no
cut column), every word inside its page, a running header and "Page n of N" on every page, and
the impact map on a landscape page. Slow: one batch with headless Chromium for the module."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from svmodel.cli import main

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "svmodel" / "data" / "examples"
NAMES = ("reablement_home_care.yaml", "fuel_poverty_warm_homes.yaml",
         "leaving_custody_employment.yaml")
PDFTOTEXT = shutil.which("pdftotext")


class _Tables(HTMLParser):
    """Each table's last heading and the text of its last cell in every body row."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[str, list[str]]] = []
        self._stack: list[dict[str, list[str]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_head = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._stack.append({"head": [], "cells": []})
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr" and self._stack:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._stack:
            key = "head" if self._in_head else "cells"
            if self._row:
                self._stack[-1][key].append(self._row[-1])
            self._row = None
        elif tag == "thead":
            self._in_head = False
        elif tag == "table" and self._stack:
            self.tables.append(self._stack.pop())

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def printed(tmp_path_factory, chromium):
    if PDFTOTEXT is None:
        pytest.skip("poppler's pdftotext is not installed (Debian poppler-utils)")
    folder = tmp_path_factory.mktemp("pdf")
    files = [str(shutil.copy(EXAMPLES / n, folder / n)) for n in NAMES]
    status = main(["report", *files, "--out", str(folder / "out"), "--workers", "0",
                   "--draws", "300", "--no-progress", "--pdf"])
    assert status == 0
    return folder / "out"


def _pdf_text(pdf: Path, *extra: str) -> str:
    return subprocess.run([PDFTOTEXT, *extra, str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def _pages(pdf: Path) -> list[tuple[float, float]]:
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True,
                          text=True, check=True).stdout
    return [(float(w), float(h)) for w, h in
            re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)]


def _pdfs(out: Path) -> list[Path]:
    return sorted(out.glob("*.pdf"))


def test_every_page_has_a_pdf(printed):
    names = {p.name for p in _pdfs(printed)}
    assert names == {"reablement-home-care.pdf", "fuel-poverty-warm-homes.pdf",
                     "leaving-custody-employment.pdf", "portfolio.pdf", "index.pdf"}


def test_last_column_of_every_table_is_on_the_page(printed):
    for pdf in _pdfs(printed):
        text = _words(_pdf_text(pdf, "-layout"))
        flat = "".join(text.split())
        parser = _Tables()
        parser.feed(pdf.with_suffix(".html").read_text(encoding="utf-8"))
        assert parser.tables, pdf.name
        for table in parser.tables:
            for heading in table["head"]:
                first = heading.split()[0] if heading.split() else ""
                assert first in text, f"{pdf.name}: last heading {heading!r} not printed"
            for cell in table["cells"]:
                if not cell:
                    continue
                # wrapped text interleaves with other columns in -layout: look for its first
                # word; a one-line cell (figures) must appear whole
                probe = cell.split()[0] if len(cell) > 24 else "".join(cell.split())
                assert probe in (text if len(cell) > 24 else flat), \
                    f"{pdf.name}: last-column cell {cell!r} not printed"


def test_every_word_inside_its_page(printed):
    for pdf in _pdfs(printed):
        box = _pdf_text(pdf, "-bbox")
        pages = re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', box, re.S)
        assert pages
        for number, (width, height, body) in enumerate(pages, start=1):
            for x_max, y_max, word in re.findall(
                    r'<word xMin="[\d.-]+" yMin="[\d.-]+" xMax="([\d.-]+)" yMax="([\d.-]+)">([^<]*)</word>',
                    body):
                assert float(x_max) <= float(width) + 0.5, f"{pdf.name} page {number}: {word!r} cut"
                assert float(y_max) <= float(height) + 0.5, f"{pdf.name} page {number}: {word!r} cut"


def test_running_header_and_page_numbers(printed):
    for pdf in _pdfs(printed):
        pages = _pdf_text(pdf, "-layout").split("\f")
        pages = [p for p in pages if p.strip()]
        total = len(pages)
        assert len(_pages(pdf)) == total
        for number, page in enumerate(pages, start=1):
            assert f"Page {number} of {total}" in page, f"{pdf.name} page {number}"
    report = _pdf_text(printed / "reablement-home-care.pdf", "-layout").split("\f")
    assert all("Reablement at home, forecast 2025/26" in p.splitlines()[0] for p in report if p.strip())
    assert "Portfolio: social value across all scenarios" in \
        _pdf_text(printed / "portfolio.pdf", "-layout").splitlines()[0]


def test_wide_tables_print_landscape_and_the_rest_portrait(printed):
    pdf = printed / "reablement-home-care.pdf"
    sizes = _pages(pdf)
    pages = _pdf_text(pdf, "-layout").split("\f")
    landscape = [i for i, (w, h) in enumerate(sizes) if w > h]
    assert landscape and len(landscape) < len(sizes)
    assert any("Impact map" in pages[i] for i in landscape)
    assert any("Assumptions and sources" in pages[i] for i in landscape)
    assert all(w < h for w, h in sizes[:2])  # the summary and scope are portrait A4
    assert abs(sizes[0][0] - 595) < 2 and abs(sizes[0][1] - 842) < 2


@pytest.mark.slow
def test_pages_print_side_by_side_and_one_failure_stops_none(tmp_path, chromium):
    """print_many prints several pages at once; a page that cannot be printed is reported as
    its PdfError and every other PDF is still written, whole."""
    from svmodel.util.pdf import PdfError, print_many

    pages = []
    for i in range(3):
        html = tmp_path / f"page{i}.html"
        html.write_text(f"<!doctype html><title>p{i}</title><p>Page number {i}</p>", encoding="utf-8")
        pages.append((html, tmp_path / f"page{i}.pdf"))
    pages.insert(1, (tmp_path / "missing.html", tmp_path / "missing.pdf"))
    outcomes = dict(print_many(pages, at_once=2))
    assert set(outcomes) == {html for html, _ in pages}
    assert isinstance(outcomes[tmp_path / "missing.html"], PdfError)
    assert not (tmp_path / "missing.pdf").exists()
    for i in range(3):
        pdf = tmp_path / f"page{i}.pdf"
        assert outcomes[tmp_path / f"page{i}.html"] == pdf
        assert pdf.read_bytes().startswith(b"%PDF") and pdf.read_bytes().rstrip().endswith(b"%%EOF")


@pytest.mark.slow
def test_one_browser_prints_page_after_page_and_a_dead_one_is_a_clear_error(tmp_path, chromium):
    """BrowserSession keeps one Chromium for many pages; if it dies, printing is a PdfError
    saying so (print_many then starts a new browser for the next page), and close() leaves no
    browser process behind."""
    import signal

    import psutil

    from svmodel.util.pdf import BrowserSession, PdfError

    html = tmp_path / "page.html"
    html.write_text("<!doctype html><title>t</title><p>One page</p>", encoding="utf-8")
    browser = BrowserSession(chromium)
    try:
        pid = browser._pid
        for name in ("a", "b"):
            assert browser.print(html, tmp_path / f"{name}.pdf").read_bytes().startswith(b"%PDF")
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(PdfError, match="Chromium failed"):
            browser.print(html, tmp_path / "c.pdf")
        assert not (tmp_path / "c.pdf").exists()
    finally:
        browser.close()
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


@pytest.mark.slow
def test_without_posix_spawn_each_page_gets_its_own_browser_run(tmp_path, chromium, monkeypatch):
    """Where a browser session cannot be started (no os.posix_spawn), print_many and
    print_to_pdf fall back to one `chromium --print-to-pdf` run per page."""
    from svmodel.util import pdf as pdf_module

    monkeypatch.delattr(os, "posix_spawn")
    monkeypatch.setattr(pdf_module, "BrowserSession", None)  # any use of it would fail
    pages = []
    for i in range(2):
        html = tmp_path / f"page{i}.html"
        html.write_text(f"<!doctype html><title>p{i}</title><p>Page {i}</p>", encoding="utf-8")
        pages.append((html, tmp_path / f"page{i}.pdf"))
    outcomes = dict(pdf_module.print_many(pages, at_once=1))
    assert outcomes == {html: pdf for html, pdf in pages}
    single = pdf_module.print_to_pdf(pages[0][0], tmp_path / "single.pdf")
    for pdf in [p for _, p in pages] + [single]:
        assert pdf.read_bytes().startswith(b"%PDF")
