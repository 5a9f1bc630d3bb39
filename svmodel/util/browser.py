"""Find a headless Chromium (or Chrome / Edge) to print pages to PDF and take screenshots.

The browser is looked up, never assumed at a fixed path: `$SVMODEL_CHROMIUM` first, then the
usual command names on PATH (Debian's `chromium`, `chromium-browser`, Google Chrome, Microsoft
Edge), then the usual install folders on macOS and Windows. Nothing is downloaded.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

#: Flags for a headless run on a machine with no display, no sandbox (root in CI) and no
#: network: background networking and component updates would only time out.
HEADLESS_FLAGS: tuple[str, ...] = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
)

_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome",
          "microsoft-edge", "msedge")
_PATHS = (
    "/usr/bin/chromium", "/snap/bin/chromium",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
)


def find_chromium() -> Path | None:
    """The path of a Chromium-family browser, or None when there is none on this machine."""
    override = os.environ.get("SVMODEL_CHROMIUM")
    if override:
        path = Path(override).expanduser()
        return path if path.is_file() and os.access(path, os.X_OK) else None
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    for candidate in _PATHS:
        path = Path(candidate)
        if path.is_file() and os.access(path, os.X_OK):
            return path
    return None


def missing_browser_message() -> str:
    return ("no Chromium-family browser found: install Debian's `chromium` package (or Chrome / "
            "Edge), or point $SVMODEL_CHROMIUM at the browser's executable")
