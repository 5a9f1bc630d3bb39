"""The example ledger end to end: built from params/ledger, published, rendered in headless
Chromium (DOM checks and a screenshot, copied to /tmp/svmodel_ledger_site.png to look at), and a
certificate printed to PDF and read back with pdftotext. Skipped when Chromium or pdftotext is
missing."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from svmodel.util.browser import find_chromium
from svmodel.cli import main

CHROMIUM = find_chromium()
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
CONFIG = Path(__file__).resolve().parents[1] / "params" / "ledger" / "partnership.yaml"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ledger_example")
    db = str(folder / "ledger.db")
    assert main(["ledger", "load-example", "--db", db, "--site", str(folder / "site")]) == 0
    return folder, db


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, *CHROMIUM_ARGS, f"--user-data-dir={tmp / 'profile'}", *args],
                          capture_output=True, text=True, timeout=120)


def test_example_has_every_kind_a_rejection_and_a_correction(example, capsys):
    folder, db = example
    capsys.readouterr()
    assert main(["ledger", "summary", "--json", "--db", db]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["organisations"] == 12
    assert set(data["organisations_by_sector"]) == {"public", "private", "social enterprise", "voluntary and community"}
    assert all(data["returns"]["by_kind"][k] > 0 for k in ("delivered", "committed", "forecast", "donated"))
    assert data["returns"]["rejected"] == 1
    assert data["returns"]["versions"] == data["returns"]["current"] + 1  # the one correction
    assert data["financial_years"][:3] == ["2024/25", "2025/26", "2026/27"]
    # loading again adds nothing
    before = data["returns"]
    assert main(["ledger", "load-example", "--db", db]) == 0
    capsys.readouterr()
    main(["ledger", "summary", "--json", "--db", db])
    assert json.loads(capsys.readouterr().out)["returns"] == before


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)")
def test_site_renders_in_chromium(example, tmp_path):
    folder, _ = example
    index = folder / "site" / "index.html"
    dom = _chromium(tmp_path, "--dump-dom", index.as_uri())
    assert dom.returncode == 0, dom.stderr
    html = dom.stdout
    assert "<h1>Social value delivered across the partnership, 2026/27</h1>" in html
    assert html.count('role="img"') >= 3 and "<title id=" in html  # charts with text alternatives
    assert "Assurance levels included:" in html
    assert 'lang="en-GB"' in html and 'href="#main"' in html
    shot = tmp_path / "site.png"
    done = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,2400", index.as_uri())
    assert done.returncode == 0 and shot.stat().st_size > 20_000, done.stderr
    shutil.copy(shot, Path("/tmp") / "svmodel_ledger_site.png")
    pdf = tmp_path / "index.pdf"
    done = _chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", index.as_uri())
    assert done.returncode == 0 and pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        assert "595.276 x 841.89" in info or "594.96 x 841.92" in info  # A4 from @page


@pytest.mark.skipif(CHROMIUM is None or shutil.which("pdftotext") is None,
                    reason="needs Debian's chromium and pdftotext (poppler-utils)")
def test_certificate_pdf_states_verified_value(example, tmp_path, capsys):
    _, db = example
    out = tmp_path / "cert"
    capsys.readouterr()
    code = main(["ledger", "certificate", "Knowsley CVS", "--period", "2025/26", "--out", str(out),
                 "--config", str(CONFIG), "--db", db])
    assert code == 0, capsys.readouterr().err
    pdf = next(out.glob("*.pdf"))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Certificate of social value" in text and "Knowsley CVS" in text and "2025/26" in text
    assert "independently verified" in text and "Silver partner" in text  # £92,454 in the example
    html = next(out.glob("*.html")).read_text()
    value = html.split('<p class="total">')[1].split("<")[0]
    assert value in text and value.startswith("£")


def test_certificate_without_chromium_says_so(example, tmp_path, capsys, monkeypatch):
    _, db = example
    monkeypatch.setattr("svmodel.util.pdf.find_chromium", lambda: None)
    capsys.readouterr()
    code = main(["ledger", "certificate", "Knowsley CVS", "--period", "2025/26", "--out", str(tmp_path),
                 "--config", str(CONFIG), "--db", db])
    captured = capsys.readouterr()
    assert code == 0 and "Chromium is not installed" in captured.err
    assert list(tmp_path.glob("*.html")) and not list(tmp_path.glob("*.pdf"))
