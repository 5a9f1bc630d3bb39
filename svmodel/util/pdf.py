"""Print a local HTML page to PDF with headless Chromium (print-to-PDF), written atomically.

One place for every PDF svmodel writes (SROI reports, the tender panel report, ledger
certificates). Chromium's own header and footer (date, file URL) are switched off; pages set
their running header and page numbers with CSS ``@page`` margin boxes, which Chromium supports
from version 131. Nothing is downloaded: the browser is found by `svmodel.util.browser`.

Many pages are printed by one browser each (`BrowserSession`): Chromium is started once with
`--remote-debugging-pipe` and each page is loaded and printed through the DevTools protocol
(`Page.navigate`, then `Page.printToPDF` with the page's CSS page size and backgrounds, as
`--print-to-pdf` does), instead of a new browser per page: starting Chromium costs about 2 s
of CPU, printing a report once it runs 0.1-1 s. Where the platform has no `posix_spawn`, each
page is printed by its own `chromium --print-to-pdf` run.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import signal
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from queue import Empty, SimpleQueue
from pathlib import Path
from typing import Iterator, Sequence

from svmodel.errors import SvmodelError
from svmodel.util.atomic import write_bytes_atomic
from svmodel.util.browser import HEADLESS_FLAGS, find_chromium, missing_browser_message
from svmodel.util.cores import usable_cores

#: Seconds a single print may take before it is abandoned (a long report prints in ~2 s).
PRINT_TIMEOUT_S = 180.0
#: Browsers printing at once at most (each is several processes and a few hundred MB).
MAX_BROWSERS = 4
#: Pages a browser should have to print before another one is started beside it.
PAGES_PER_BROWSER = 8


class PdfError(SvmodelError):
    """No browser to print with, or the browser failed to print the page."""


class BrowserFailed(PdfError):
    """The browser ended or stopped answering: it cannot print another page."""


def pdf_unavailable_reason() -> str | None:
    """None when a PDF can be printed on this machine, else a sentence saying why not."""
    return None if find_chromium() is not None else missing_browser_message()


def _no_browser(pdf_path: Path) -> PdfError:
    return PdfError(f"cannot write {pdf_path}: {missing_browser_message()}")


def _browser(pdf_path: Path) -> Path:
    chromium = find_chromium()
    if chromium is None:
        raise _no_browser(pdf_path)
    return chromium


def _require_page(html_path: Path) -> None:
    if not Path(html_path).is_file():
        raise PdfError(f"cannot print {html_path}: not a regular file")


def print_to_pdf(html_path: Path, pdf_path: Path, *, timeout: float = PRINT_TIMEOUT_S) -> Path:
    """Print `html_path` to `pdf_path` (paper size and margins come from the page's ``@page`` CSS).

    Raises `PdfError` when there is no browser or printing fails; `pdf_path` is then untouched.
    """
    chromium = _browser(pdf_path)
    _require_page(html_path)
    with _open_browser(chromium, timeout) as browser:
        return browser.print(Path(html_path), Path(pdf_path))


class _BrowserPerPage:
    """Where `BrowserSession` cannot start (no `posix_spawn`): one `chromium --print-to-pdf`
    run for each page, behind the same `print` and `close`."""

    def __init__(self, chromium: Path, timeout: float):
        self.chromium, self.timeout = chromium, timeout

    def print(self, html_path: Path, pdf_path: Path) -> Path:
        _require_page(html_path)
        html_path = Path(html_path)
        with tempfile.TemporaryDirectory(prefix="svmodel-pdf-") as tmp:
            target = Path(tmp) / "out.pdf"
            try:
                done = subprocess.run(
                    [str(self.chromium), *HEADLESS_FLAGS, f"--user-data-dir={tmp}/profile",
                     "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw",
                     "--virtual-time-budget=5000", f"--print-to-pdf={target}",
                     html_path.resolve().as_uri()],
                    capture_output=True, text=True, timeout=self.timeout, stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired as exc:
                raise PdfError(f"Chromium did not finish printing {html_path} within {self.timeout:.0f} s") from exc
            if done.returncode != 0 or not target.is_file() or target.stat().st_size == 0:
                raise PdfError(f"Chromium could not print {html_path} (exit {done.returncode}): "
                               f"{done.stderr.strip()[-300:]}")
            return write_bytes_atomic(Path(pdf_path), target.read_bytes())

    def close(self) -> None:
        pass

    def __enter__(self) -> "_BrowserPerPage":
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def _open_browser(chromium: Path, timeout: float) -> "BrowserSession | _BrowserPerPage":
    if hasattr(os, "posix_spawn"):
        return BrowserSession(chromium, timeout=timeout)
    return _BrowserPerPage(chromium, timeout)


class BrowserSession:
    """One headless Chromium, driven through the DevTools protocol on a pipe
    (`--remote-debugging-pipe`: commands on its fd 3, replies on its fd 4, each a JSON message
    ended by a NUL byte), printing page after page. Not shared between threads."""

    def __init__(self, chromium: Path | None = None, *, timeout: float = PRINT_TIMEOUT_S):
        chromium = chromium or find_chromium()
        if chromium is None:
            raise PdfError(f"cannot print: {missing_browser_message()}")
        self.timeout = timeout
        self._folder = tempfile.TemporaryDirectory(prefix="svmodel-pdf-")
        self._log = Path(self._folder.name) / "chromium.log"
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict] = []
        self._pid: int | None = None
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()
        # Above 4, so that placing them on fds 3 and 4 in the browser always copies them.
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (to_browser_r, from_browser_w)]
        for fd in (to_browser_r, from_browser_w):
            os.close(fd)
        self._to_browser, self._from_browser = to_browser_w, from_browser_r
        try:
            self._pid = os.posix_spawn(
                str(chromium),
                [str(chromium), *HEADLESS_FLAGS, f"--user-data-dir={self._folder.name}/profile",
                 "--remote-debugging-pipe", "about:blank"],
                dict(os.environ),
                setpgroup=0,  # its own process group: close() ends its helper processes with it
                file_actions=[
                    (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                    (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                    (os.POSIX_SPAWN_OPEN, 2, str(self._log), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
                    (os.POSIX_SPAWN_DUP2, high[0], 3),
                    (os.POSIX_SPAWN_DUP2, high[1], 4),
                ])
        except OSError as exc:
            self._close_fds(*high)
            self._close_fds(self._to_browser, self._from_browser)
            self._folder.cleanup()
            raise PdfError(f"cannot start {chromium}: {exc}") from None
        self._close_fds(*high)
        try:
            target = self._call("Target.createTarget", url="about:blank")["targetId"]
            self._session = self._call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            self._call("Page.enable", page=True)
        except PdfError:
            self.close()
            raise

    def print(self, html_path: Path, pdf_path: Path) -> Path:
        """Load `html_path` and print it to `pdf_path` (written atomically); `PdfError` if the
        page cannot be loaded or printed, `BrowserFailed` if the browser can print no more."""
        _require_page(html_path)
        self._events.clear()
        navigated = self._call("Page.navigate", page=True, url=Path(html_path).resolve().as_uri())
        if navigated.get("errorText"):
            raise PdfError(f"Chromium could not load {html_path}: {navigated['errorText']}")
        self._wait_for("Page.loadEventFired")
        self._call("Runtime.evaluate", page=True, expression="document.fonts.ready.then(() => true)",
                   awaitPromise=True)
        printed = self._call("Page.printToPDF", page=True, preferCSSPageSize=True,
                             printBackground=True, displayHeaderFooter=False)
        data = base64.b64decode(printed.get("data", ""))
        if not data.startswith(b"%PDF"):
            raise PdfError(f"Chromium printed no PDF for {html_path}")
        return write_bytes_atomic(Path(pdf_path), data)

    def close(self) -> None:
        """Ask the browser to close, kill it if it does not, end its helper processes (which
        outlive a killed browser for a moment) and remove its profile."""
        if self._pid is not None:
            try:
                self._send("Browser.close")
            except OSError:
                pass
            if not self._reaped(5.0):
                try:
                    os.kill(self._pid, signal.SIGKILL)
                except OSError:
                    pass
                self._reaped(5.0)
            try:
                os.killpg(self._pid, signal.SIGKILL)
            except OSError:  # the group has ended already
                pass
            self._pid = None
        self._close_fds(self._to_browser, self._from_browser)
        self._to_browser = self._from_browser = -1
        self._remove_profile()

    def _remove_profile(self, limit: float = 2.0) -> None:
        """Remove the profile folder; a helper process being killed may still write a file into
        it for a moment, so retry briefly before giving up."""
        deadline = time.monotonic() + limit
        while True:
            try:
                self._folder.cleanup()
                return
            except OSError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.05)

    def __enter__(self) -> "BrowserSession":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ protocol
    def _send(self, method: str, page: bool = False, **params: object) -> int:
        self._next_id += 1
        message: dict = {"id": self._next_id, "method": method, "params": params}
        if page:
            message["sessionId"] = self._session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        return self._next_id

    def _call(self, method: str, page: bool = False, **params: object) -> dict:
        try:
            sent = self._send(method, page, **params)
        except OSError as exc:
            raise self._failure(f"{method}: {exc}") from None
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._read(deadline, method)
            if message.get("id") == sent:
                if "error" in message:
                    raise PdfError(f"Chromium refused {method}: {message['error'].get('message')}")
                return message.get("result", {})
            self._events.append(message)

    def _wait_for(self, event: str) -> dict:
        for i, message in enumerate(self._events):
            if message.get("method") == event:
                return self._events.pop(i)
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._read(deadline, event)
            if message.get("method") == event:
                return message

    def _read(self, deadline: float, waiting_for: str) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise self._failure(f"no answer to {waiting_for} within {self.timeout:.0f} s")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if ready:
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    raise self._failure(f"the browser ended while waiting for {waiting_for}")
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def _failure(self, what: str) -> BrowserFailed:
        try:
            log = self._log.read_text(encoding="utf-8", errors="replace").strip()[-300:]
        except OSError:
            log = ""
        return BrowserFailed(f"Chromium failed: {what}" + (f" ({log})" if log else ""))

    def _reaped(self, limit: float) -> bool:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(self._pid, os.WNOHANG)
            except ChildProcessError:
                return True
            if pid:
                return True
            time.sleep(0.02)
        return False

    @staticmethod
    def _close_fds(*fds: int) -> None:
        for fd in fds:
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass


def browsers_at_once(pages: int) -> int:
    """How many browsers to print `pages` with: one per core, at most `MAX_BROWSERS`, and one
    per `PAGES_PER_BROWSER` pages (starting a browser costs about as much CPU as printing that
    many pages in one that runs)."""
    return max(1, min(-(-pages // PAGES_PER_BROWSER), usable_cores(), MAX_BROWSERS))


def print_many(pages: Sequence[tuple[Path, Path]], *, at_once: int | None = None,
               timeout: float = PRINT_TIMEOUT_S) -> Iterator[tuple[Path, Path | PdfError]]:
    """Print each (HTML, PDF) pair, `at_once` browsers at a time (default `browsers_at_once`),
    each browser printing page after page (`BrowserSession`), yielding (HTML, the PDF written
    or the `PdfError`) as each finishes. One page that fails never stops the others (a browser
    that failed is replaced for the next page); each PDF is written atomically."""
    if not pages:
        return
    chromium = find_chromium()
    if chromium is None:
        for html, pdf in pages:
            yield html, _no_browser(pdf)
        return
    workers = at_once or browsers_at_once(len(pages))
    todo: SimpleQueue[tuple[Path, Path]] = SimpleQueue()
    for pair in pages:
        todo.put(pair)
    done: SimpleQueue[tuple[Path, Path | Exception]] = SimpleQueue()

    def printer() -> None:
        browser: BrowserSession | _BrowserPerPage | None = None
        try:
            while True:
                try:
                    html, pdf = todo.get_nowait()
                except Empty:
                    return
                try:
                    browser = browser or _open_browser(chromium, timeout)
                    done.put((html, browser.print(html, pdf)))
                except BrowserFailed as exc:  # ended or not answering: a new one for the next page
                    done.put((html, exc))
                    if browser is not None:
                        browser.close()
                    browser = None
                except Exception as exc:  # a PdfError is that page's; others (a full disk), the caller raises
                    done.put((html, exc))
        finally:
            if browser is not None:
                browser.close()

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="svmodel-pdf") as pool:
        for _ in range(workers):
            pool.submit(printer)
        try:
            for _ in range(len(pages)):
                html, outcome = done.get()
                if isinstance(outcome, Exception) and not isinstance(outcome, PdfError):
                    raise outcome
                yield html, outcome
        finally:  # stopped early (Ctrl-C, an error): the printers finish their page and stop
            while True:
                try:
                    todo.get_nowait()
                except Empty:
                    break
