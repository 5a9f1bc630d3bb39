"""Fuzz tests (issue 12, Hypothesis): random bytes and mutated valid files fed to the scenario
loader and the xlsx readers (Value Map import, bid response forms). Whatever the input, the
result is a Scenario/Bid or a ScenarioError naming the file: never another exception (which
the CLI reports as an internal error), never a hang (a per-example deadline), never more than
a bounded amount of memory (traced per example).

Each test is bounded in time by a fixed `max_examples` and `derandomize=True` (the same
examples on every run, so `make test` is reproducible); no example database is written.
"""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svmodel.procurement.bids import read_bid, read_table
from svmodel.procurement.spec import load_spec
from svmodel.errors import InputFileError
from svmodel.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
EXAMPLES = sorted((ROOT / "params" / "examples").glob("*.yaml"))
MEMORY_LIMIT = 64 * 1024 * 1024  # bytes traced per example: far above any valid small file's needs

FUZZ = settings(max_examples=120, deadline=timedelta(seconds=3), derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
# Mutated valid files go through full validation (pydantic, the shipped library): fewer examples.
FUZZ_VALID = settings(FUZZ, max_examples=50)
YAML_ALPHABET = st.sampled_from(list("&*[]{}:-!|>'\"#%@?,\n\t \\0123456789abcxyz.eE+~") +
                                ["\x00", "\x1b", "\u0085", "\ufeff", "é", "<<: *a\n", "&a ", "*a ",
                                 "!!python/object:os.system ", "1e12", ".inf", ".nan", "- ", "? "])


def _bounded(call):
    """Run `call`; the only exception allowed is an InputFileError (ScenarioError or TenderError); memory traced stays bounded."""
    tracemalloc.start()
    try:
        try:
            call()
        except InputFileError as exc:
            assert exc.problems and all(p.file for p in exc.problems)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_LIMIT, peak


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@st.composite
def mutated(draw, sources: list[bytes], alphabet=None) -> bytes:
    """A valid file with a few random edits: deleted, duplicated or inserted slices."""
    data = bytearray(draw(st.sampled_from(sources)))
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        where = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(("delete", "insert", "duplicate", "flip")))
        if kind == "delete":
            del data[where:where + draw(st.integers(1, 40))]
        elif kind == "insert":
            text = draw(st.lists(alphabet, min_size=1, max_size=6)) if alphabet is not None else None
            piece = "".join(text).encode("utf-8") if text else draw(st.binary(min_size=1, max_size=20))
            data[where:where] = piece
        elif kind == "duplicate":
            data[where:where] = data[where:where + draw(st.integers(1, 200))] * draw(st.integers(1, 30))
        else:
            data[where] = draw(st.integers(0, 255))
    return bytes(data)


# --------------------------------------------------------------------------- scenario loader
@FUZZ
@given(raw=st.binary(max_size=3000))
def test_scenario_loader_random_bytes(raw, work, test_library):
    path = work / "random.yaml"
    path.write_bytes(raw)
    _bounded(lambda: load_scenario(path, test_library))


@pytest.fixture(scope="module")
def shipped():
    """The shipped library, loaded once outside the traced examples (it is cached)."""
    from svmodel.library.proxies import default_library

    return default_library()


@FUZZ_VALID
@given(raw=mutated([p.read_bytes() for p in EXAMPLES] + [(FIXTURES / "excel" / "mixed.yaml").read_bytes()],
                   YAML_ALPHABET))
def test_scenario_loader_mutated_files(raw, work, shipped):
    path = work / "mutated.yaml"
    path.write_bytes(raw)
    _bounded(lambda: load_scenario(path, shipped))


# --------------------------------------------------------------------------- xlsx readers
def _workbook_parts() -> list[tuple[str, dict[str, bytes]]]:
    """The parts of two valid workbooks: a Value Map export and a bid response form."""
    out = []
    for name in ("valuemap_far_cell.xlsx", "bid_stale_dimension.xlsx"):
        with zipfile.ZipFile(FIXTURES / "hostile" / "xlsx" / name) as archive:
            out.append((name, {info.filename: archive.read(info) for info in archive.infolist()}))
    return out


PARTS = _workbook_parts()
MUTABLE = ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet3.xml", "xl/sharedStrings.xml",
           "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml")
XML_ALPHABET = st.sampled_from(list("<>/=\"' &;#xX0123456789rstvcfnb") +
                               ['<c r="A1" t="s"><v>99999</v></c>', '<c r="XFD1048576"><v>1</v></c>',
                                '<row r="1048577">', '<f>1+1</f>', '<!DOCTYPE a>', 't="inlineStr"',
                                '<is><t>x</t></is>', 'r="A0"', "<v>1e999</v>", "<v>nan</v>"])


@st.composite
def mutated_workbook(draw) -> tuple[str, bytes]:
    name, parts = draw(st.sampled_from(PARTS))
    parts = dict(parts)
    target = draw(st.sampled_from([p for p in MUTABLE if p in parts]))
    parts[target] = draw(mutated([parts[target]], XML_ALPHABET))
    if draw(st.booleans()):
        parts.pop(draw(st.sampled_from(sorted(parts))))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, content in parts.items():
            archive.writestr(part, content)
    data = buffer.getvalue()
    if draw(st.integers(0, 9)) == 0:  # now and then, damage the archive itself
        data = draw(mutated([data]))
    return name, data


@pytest.fixture(scope="module")
def tender(test_library):
    return load_spec(FIXTURES / "procurement" / "spec.yaml", test_library)


@FUZZ
@given(raw=st.binary(max_size=3000))
def test_xlsx_readers_random_bytes(raw, work, test_library, tender):
    from svmodel.excel.reader import import_workbook

    path = work / "random.xlsx"
    path.write_bytes(raw)
    _bounded(lambda: import_workbook(path, test_library))
    _bounded(lambda: read_table(path))


@FUZZ_VALID
@given(case=mutated_workbook())
def test_xlsx_readers_mutated_workbooks(case, work, test_library, tender):
    from svmodel.excel.reader import import_workbook

    name, data = case
    path = work / "mutated.xlsx"
    path.write_bytes(data)
    if name.startswith("bid"):
        _bounded(lambda: read_bid(path, tender))
    else:
        _bounded(lambda: import_workbook(path, test_library))
