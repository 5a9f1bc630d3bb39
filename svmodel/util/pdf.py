"""Print a local HTML page to PDF with headless Chromium (print-to-PDF), written atomically.

One place for every PDF svmodel writes (SROI reports, the tender panel report, ledger
certificates). Chromium's own header and footer (date, file URL) are switched off; pages set
their running header and page numbers with CSS ``@page`` margin boxes, which Chromium supports
from version 131. Nothing is downloaded: the browser is found by `svmodel.util.browser`.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Iterator, Sequence

from svmodel.errors import SvmodelError
from svmodel.util.atomic import write_bytes_atomic
from svmodel.util.browser import HEADLESS_FLAGS, find_chromium, missing_browser_message

#: Seconds a single print may take before it is abandoned (a long report prints in ~2 s).
PRINT_TIMEOUT_S = 180.0
#: Browsers printing at once at most (each is several processes and a few hundred MB).
MAX_BROWSERS = 4


class PdfError(SvmodelError):
    """No browser to print with, or the browser failed to print the page."""


def pdf_unavailable_reason() -> str | None:
    """None when a PDF can be printed on this machine, else a sentence saying why not."""
    return None if find_chromium() is not None else missing_browser_message()


def print_to_pdf(html_path: Path, pdf_path: Path, *, timeout: float = PRINT_TIMEOUT_S) -> Path:
    """Print `html_path` to `pdf_path` (paper size and margins come from the page's ``@page`` CSS).

    Raises `PdfError` when there is no browser or printing fails; `pdf_path` is then untouched.
    """
    chromium = find_chromium()
    if chromium is None:
        raise PdfError(f"cannot write {pdf_path}: {missing_browser_message()}")
    html_path = Path(html_path)
    if not html_path.is_file():
        raise PdfError(f"cannot print {html_path}: not a regular file")
    with tempfile.TemporaryDirectory(prefix="svmodel-pdf-") as tmp:
        target = Path(tmp) / "out.pdf"
        try:
            done = subprocess.run(
                [str(chromium), *HEADLESS_FLAGS, f"--user-data-dir={tmp}/profile",
                 "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw",
                 "--virtual-time-budget=5000", f"--print-to-pdf={target}",
                 html_path.resolve().as_uri()],
                capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            raise PdfError(f"Chromium did not finish printing {html_path} within {timeout:.0f} s") from exc
        if done.returncode != 0 or not target.is_file() or target.stat().st_size == 0:
            raise PdfError(f"Chromium could not print {html_path} (exit {done.returncode}): "
                           f"{done.stderr.strip()[-300:]}")
        return write_bytes_atomic(Path(pdf_path), target.read_bytes())


def browsers_at_once(pages: int) -> int:
    """How many pages to print at once: one browser per core, at most `MAX_BROWSERS`."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(pages, cores, MAX_BROWSERS))


def print_many(pages: Sequence[tuple[Path, Path]], *, at_once: int | None = None,
               timeout: float = PRINT_TIMEOUT_S) -> Iterator[tuple[Path, Path | PdfError]]:
    """Print each (HTML, PDF) pair, `at_once` browsers at a time (default `browsers_at_once`),
    yielding (HTML, the PDF written or the `PdfError`) as each finishes. One page that fails
    never stops the others; each PDF is written atomically."""
    if not pages:
        return
    workers = at_once or browsers_at_once(len(pages))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="svmodel-pdf") as pool:
        futures = {pool.submit(print_to_pdf, html, pdf, timeout=timeout): html for html, pdf in pages}
        for future in as_completed(futures):
            try:
                yield futures[future], future.result()
            except PdfError as exc:
                yield futures[future], exc
