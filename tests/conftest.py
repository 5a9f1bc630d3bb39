"""Shared fixtures: the repository root, a small fixed proxy library, the example scenarios."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Headless: charts render without a display, and no browser or kernel asks for input.
os.environ.setdefault("MPLBACKEND", "Agg")


def _find_chromium():
    from svmodel.util.browser import find_chromium

    return find_chromium()


CHROMIUM = _find_chromium()
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
SKIP_NO_CHROMIUM = ("no Chromium-family browser found (install Debian's `chromium`, e.g. with "
                    "`make system-deps` as root, or set SVMODEL_CHROMIUM): browser test skipped")
SKIP_NO_SOFFICE = ("LibreOffice (soffice) is not installed (install Debian's `libreoffice-calc-nogui`, "
                   "e.g. with `make system-deps` as root): recalculation test skipped")


@pytest.fixture(scope="session")
def chromium() -> Path:
    """The browser's path; the test is skipped, saying why, when there is none."""
    if CHROMIUM is None:
        pytest.skip(SKIP_NO_CHROMIUM)
    return CHROMIUM


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def test_library():
    """A three-proxy library with fixed values (tests/fixtures/library)."""
    from svmodel.library.proxies import load_library

    return load_library(FIXTURES / "library")


@pytest.fixture(scope="session")
def example_files() -> list[Path]:
    return sorted((ROOT / "params" / "examples").glob("*.yaml"))


@pytest.fixture
def run_cli(capsys):
    """Run the `svmodel` command in this process: `run_cli(argv) -> (exit status, stdout, stderr)`.

    Calls `svmodel.cli.main` with the streams captured (an argparse exit, e.g. a usage error or
    `--help`, gives its status too); arguments may be paths. Much faster than a subprocess,
    which tests/test_cli_smoke.py keeps for one real job per command."""
    from svmodel.cli import main

    def run(*argv: object) -> tuple[int, str, str]:
        capsys.readouterr()  # start from empty streams
        words = [str(a) for a in (argv[0] if len(argv) == 1 and isinstance(argv[0], (list, tuple)) else argv)]
        try:
            code = main(words)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return int(code), out, err

    return run


#: Test modules that hold the longest tests (the docs build, the installed-wheel check, the batch
#: fault tests, browser pages). They are collected first, so that with `pytest -n auto --dist
#: loadfile` (the Makefile's `make test`) they start at once instead of finishing the run alone.
LONGEST_FIRST = ("test_docs.py", "test_packaging.py", "test_batch_faults.py", "test_ledger_officer.py",
                 "test_explorer_web.py", "test_dask_cluster.py", "test_report_notebooks.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))
