"""The `svmodel` command: run, validate, proxies, compare."""

from __future__ import annotations

import pytest

from svmodel.cli import main


def test_run_prints_a_readable_summary(example_files, capsys):
    assert main(["run", str(example_files[0])]) == 0
    out = capsys.readouterr().out
    for heading in ("Present value of outcomes", "SROI ratio", "Impact map", "Value by year",
                    "Present value by stakeholder", "Sources"):
        assert heading in out


def test_validate_reports_ok_and_exit_status(example_files, tmp_path, capsys):
    assert main(["validate", *map(str, example_files)]) == 0
    assert capsys.readouterr().out.count("ok: ") == len(example_files)
    bad = tmp_path / "bad.yaml"
    bad.write_text("svmodel: 1\n", encoding="utf-8")
    assert main(["validate", str(example_files[0]), str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "name: required field is missing" in err
    assert "1 of 2 file(s) invalid" in err


def test_proxies_list_search_show_and_rebase(capsys):
    assert main(["proxies", "--measure", "K10"]) == 0
    assert "ucd_SS7.0_fiscal" in capsys.readouterr().out
    assert main(["proxies", "--search", "wellby"]) == 0
    assert "hmt_wellby" in capsys.readouterr().out
    assert main(["proxies", "--show", "hmt_wellby", "--year", "2024"]) == 0
    out = capsys.readouterr().out
    assert "OGL" in out and "in 2024 prices" in out and "£16,027" in out


def test_unknown_proxy_id_is_a_user_error(capsys):
    assert main(["proxies", "--show", "hmt_welby"]) == 1
    assert "did you mean hmt_wellby" in capsys.readouterr().err


def test_compare_prints_one_row_per_scenario(example_files, tmp_path, capsys):
    out_csv = tmp_path / "compare.csv"
    assert main(["compare", *map(str, example_files), "--csv", str(out_csv)]) == 0
    out = capsys.readouterr().out
    assert "SROI ratio" in out
    assert len(out_csv.read_text(encoding="utf-8").splitlines()) == len(example_files) + 1


def test_usage_errors_exit_2():
    with pytest.raises(SystemExit) as caught:
        main(["run"])
    assert caught.value.code == 2
