"""One bad file in a multi-file command (issue 12): it is reported, naming the file, and the
other files are still processed; the exit status (1) says the run was partial."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from svmodel.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
SPEC = FIXTURES / "procurement" / "spec.yaml"
CLEAN = FIXTURES / "procurement" / "clean_bid.csv"
WOODEN = FIXTURES / "procurement" / "wooden_bid.csv"
DELIVERY = FIXTURES / "procurement" / "delivery_year1.csv"
XLSX = FIXTURES / "hostile" / "xlsx"


@pytest.fixture(autouse=True)
def library_env(monkeypatch):
    monkeypatch.setenv("SVMODEL_PROXIES_DIR", str(FIXTURES / "library"))
    from svmodel.library import proxies

    proxies._cached_library.cache_clear()
    yield
    proxies._cached_library.cache_clear()


def test_corrupt_bid_workbooks_do_not_stop_the_good_bids(tmp_path, capsys):
    bad = [XLSX / "bid_truncated.xlsx", XLSX / "bid_not_a_zip.xlsx", XLSX / "bid_unsaved_formula.xlsx"]
    code = main(["tender", "evaluate", str(SPEC), str(CLEAN), *map(str, bad), str(WOODEN),
                 "--out", str(tmp_path), "--json"])
    captured = capsys.readouterr()
    assert code == 4  # partial failure: the good bids were evaluated
    data = json.loads(captured.out)
    assert sorted(b["file"] for b in data["bids"]) == sorted([str(CLEAN), str(WOODEN)])
    assert sorted(f["file"] for f in data["failures"]) == sorted(map(str, bad))
    for path in bad:
        assert f"error: {path}" in captured.err
    assert "internal error" not in captured.err
    assert "3 file(s) could not be read; the others were evaluated" in captured.err
    assert (tmp_path / "ranking.csv").exists() and (tmp_path / "evaluation.json").exists()


def test_unreadable_scores_file_is_reported_and_bids_still_ranked(tmp_path, capsys):
    scores = tmp_path / "scores.csv"
    scores.write_bytes(b"bidder,price,quality\nCaf\xe9 Ltd,40,20\n")
    code = main(["tender", "evaluate", str(SPEC), str(CLEAN), str(WOODEN), "--scores", str(scores)])
    captured = capsys.readouterr()
    assert code == 4  # partial failure: ranked without the scores file
    # both bids are ranked, with the specification's own scores (the file's are not used)
    assert "Clean Care Ltd" in captured.out and "Wooden Pounds plc" in captured.out
    assert f"error: {scores}" in captured.err and "not UTF-8" in captured.err
    assert "could not be read, so its price and quality points are not used" in captured.out


def test_one_bad_delivery_return_does_not_stop_monitoring(tmp_path, capsys):
    bad = tmp_path / "return.xlsx"
    bad.write_bytes(b"\x00" * 64)
    code = main(["tender", "monitor", str(SPEC), str(CLEAN), str(DELIVERY), str(bad), "--json"])
    captured = capsys.readouterr()
    assert code == 4  # partial failure: the other return was monitored
    data = json.loads(captured.out)
    assert data["measures"] and [f["file"] for f in data["failures"]] == [str(bad)]
    assert f"error: {bad}" in captured.err


def test_unreadable_commitments_are_a_clear_error(capsys):
    code = main(["tender", "monitor", str(SPEC), str(XLSX / "bid_truncated.xlsx"), str(DELIVERY)])
    captured = capsys.readouterr()
    assert code == 1
    assert "bid_truncated.xlsx" in captured.err and "internal error" not in captured.err


def test_tender_report_still_evaluates_when_commitments_are_unreadable(test_library, monkeypatch):
    from svmodel.procurement import panel_report as report

    tender = report.build(str(SPEC), [str(CLEAN)], commitments=str(XLSX / "bid_not_a_zip.xlsx"),
                          delivery=[str(DELIVERY)])
    assert tender.evaluation.bids and tender.monitoring is None
    assert "Delivery could not be monitored" in str(tender.delivery())
    assert "bid_not_a_zip.xlsx" in str(tender.delivery())


def test_an_unexpected_error_in_one_bid_is_isolated(monkeypatch, test_library):
    from svmodel.procurement import bids as bids_module
    from svmodel.procurement.spec import load_spec

    real = bids_module.read_bid

    def flaky(path, spec):
        if Path(path) == WOODEN:
            raise RuntimeError("simulated fault")
        return real(path, spec)

    monkeypatch.setattr(bids_module, "read_bid", flaky)
    good, failures = bids_module.read_bids([CLEAN, WOODEN], load_spec(SPEC, test_library))
    assert [b.path for b in good] == [CLEAN]
    [failure] = failures
    assert "internal error (RuntimeError: simulated fault)" in str(failure.problems[0])


def test_compare_and_validate_report_bad_files_and_go_on(tmp_path, capsys):
    good = FIXTURES / "excel" / "mixed.yaml"
    fifo = tmp_path / "pipe.yaml"
    import os

    os.mkfifo(fifo)
    assert main(["compare", str(good), str(fifo)]) == 4  # partial failure
    captured = capsys.readouterr()
    assert "named pipe" in captured.err and "present value" in captured.out
