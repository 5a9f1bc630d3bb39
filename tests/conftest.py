"""Shared fixtures: the repository root, a small fixed proxy library, the example scenarios."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Headless: charts render without a display, and no browser or kernel asks for input.
os.environ.setdefault("MPLBACKEND", "Agg")


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
