"""The `svmodel` command, in this process (the `run_cli` fixture): text output, `--json` on every
command that prints results, suggestions for typos, the exit-status table and each status
reached, and the examples in `--help`. tests/test_cli_smoke.py runs one real job per command
in a subprocess."""

from __future__ import annotations

import argparse
import glob
import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from svmodel.cli import build_parser, walk
from svmodel.commands._examples import EXAMPLES
from svmodel.errors import ExitCode

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "params" / "examples" / "reablement_home_care.yaml"
TENDER = ROOT / "params" / "tenders" / "home_care_2026"
BIDS = sorted((TENDER / "bids").iterdir())
DELIVERY = sorted((TENDER / "delivery").iterdir())
RETURN = ROOT / "params" / "ledger" / "returns" / "kht_2025-26.csv"
BAD_BID = ROOT / "tests" / "fixtures" / "procurement" / "bad_wrong_unit.csv"

# Commands that serve a page until Ctrl+C: nothing to print as JSON.
SERVERS = {("explore",), ("ledger", "open")}


def leaves() -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Every command that runs (no sub-commands of its own), by its words after `svmodel`."""
    return {words: parser for words, parser in walk(build_parser())
            if words and not any(isinstance(a, argparse._SubParsersAction) for a in parser._actions)}


def one_json_object(out: str) -> dict | list:
    """stdout parsed as exactly one JSON document (json.loads fails on anything else there)."""
    data = json.loads(out)
    assert isinstance(data, (dict, list))
    return data


# ------------------------------------------------------------------ text output
def test_run_prints_a_readable_summary(example_files, run_cli):
    code, out, _ = run_cli("run", example_files[0])
    assert code == 0
    for heading in ("Present value of outcomes", "SROI ratio", "Impact map", "Value by year",
                    "Present value by stakeholder", "Sources"):
        assert heading in out


def test_validate_reports_ok_and_exit_status(example_files, tmp_path, run_cli):
    code, out, _ = run_cli("validate", *example_files)
    assert code == 0 and out.count("ok: ") == len(example_files)
    bad = tmp_path / "bad.yaml"
    bad.write_text("svmodel: 1\n", encoding="utf-8")
    code, _, err = run_cli("validate", example_files[0], bad)
    assert code == ExitCode.INVALID_INPUT  # validating is the whole job: any invalid file is 1
    assert "bad.yaml" in err and "name: required field is missing" in err
    assert "1 of 2 file(s) invalid" in err


def test_proxies_list_search_show_and_rebase(run_cli):
    assert "ucd_SS7.0_fiscal" in run_cli("proxies", "--measure", "K10")[1]
    assert "hmt_wellby" in run_cli("proxies", "--search", "wellby")[1]
    code, out, _ = run_cli("proxies", "--show", "hmt_wellby", "--year", "2024")
    assert code == 0 and "OGL" in out and "in 2024 prices" in out and "£16,027" in out


def test_unknown_proxy_id_is_a_user_error(run_cli):
    code, _, err = run_cli("proxies", "--show", "hmt_welby")
    assert code == ExitCode.INVALID_INPUT and "did you mean hmt_wellby" in err


def test_compare_prints_one_row_per_scenario(example_files, tmp_path, run_cli):
    out_csv = tmp_path / "compare.csv"
    code, out, _ = run_cli("compare", *example_files, "--csv", out_csv)
    assert code == 0 and "SROI ratio" in out
    assert len(out_csv.read_text(encoding="utf-8").splitlines()) == len(example_files) + 1


def test_framework_list_names_the_shipped_framework(run_cli):
    code, out, _ = run_cli("framework", "list")
    assert code == 0 and out.startswith("knowsley: ") and "29 measures" in out


# ------------------------------------------------------------------ --json
def test_every_command_that_prints_results_has_json():
    missing = [" ".join(words) for words, parser in leaves().items()
               if words not in SERVERS and "--json" not in parser._option_string_actions]
    assert not missing, f"commands without --json: {missing}"


JSON_TESTED: set[tuple[str, ...]] = set()


def json_case(*words: str):  # noqa: ANN201
    """Mark a test as the --json test of `svmodel WORDS`."""
    JSON_TESTED.add(words)
    return lambda f: f


@json_case("run")
def test_run_json(run_cli):
    code, out, err = run_cli("run", SCENARIO, "--json")
    data = one_json_object(out)
    assert code == 0 and err == ""
    assert data["sroi_ratio"] > 1 and len(data["lines"]) == 4 and "narrative" in data


@json_case("validate")
def test_validate_json_lists_verdicts_and_problems(tmp_path, run_cli):
    bad = tmp_path / "bad.yaml"
    bad.write_text("svmodel: 1\n", encoding="utf-8")
    code, out, err = run_cli("validate", SCENARIO, bad, "--json")
    data = one_json_object(out)
    assert code == ExitCode.INVALID_INPUT
    assert (data["valid"], data["invalid"]) == (1, 1)
    good, wrong = data["files"]
    assert good["valid"] and good["outcomes"] == 4 and good["problems"] == []
    assert not wrong["valid"] and any(p["path"] == "name" for p in wrong["problems"])
    assert "name: required field is missing" in err  # errors still on stderr


@json_case("compare")
def test_compare_json_with_a_failure(tmp_path, run_cli):
    bad = tmp_path / "bad.yaml"
    bad.write_text("svmodel: 1\n", encoding="utf-8")
    code, out, err = run_cli("compare", SCENARIO, bad, "--json")
    data = one_json_object(out)
    assert code == ExitCode.PARTIAL_FAILURE
    assert [s["scenario"] for s in data["scenarios"]] == ["Reablement at home, forecast 2025/26"]
    assert data["failed"][0]["file"] == str(bad) and "bad.yaml" in err


@json_case("sensitivity")
def test_sensitivity_json(run_cli):
    code, out, _ = run_cli("sensitivity", SCENARIO, "--json", "--draws", "200", "--seed", "3")
    data = one_json_object(out)
    assert code == 0 and data["one_way"] and data["monte_carlo"]["draws"] == 200


@json_case("proxies")
def test_proxies_json(run_cli):
    code, out, _ = run_cli("proxies", "--search", "wellby", "--json")
    listing = one_json_object(out)
    assert code == 0 and listing["matched"] == len(listing["proxies"]) > 0
    assert "hmt_wellby" in {p["id"] for p in listing["proxies"]}
    code, out, _ = run_cli("proxies", "--show", "hmt_wellby", "--year", "2024", "--json")
    shown = one_json_object(out)
    assert shown["proxy"]["price_year"] == "2019" and shown["proxy"]["licence"] == "OGL v3.0"
    assert shown["rebased"]["price_year"] == 2024 and round(shown["rebased"]["value"]) == 16028


@json_case("framework", "list")
def test_framework_list_json(run_cli):
    data = one_json_object(run_cli("framework", "list", "--json")[1])
    [knowsley] = data["frameworks"]
    assert knowsley["name"] == "knowsley" and (knowsley["outcomes"], knowsley["measures"]) == (6, 29)


@json_case("framework", "show")
def test_framework_show_json(run_cli):
    code, out, _ = run_cli("framework", "show", "knowsley", "--year", "2024", "--json")
    data = one_json_object(out)
    assert code == 0 and data["price_year"] == 2024 and len(data["outcomes"]) == 6
    measures = [m for o in data["outcomes"] for m in o["measures"]]
    assert len(measures) == data["measures"] == 29
    assert data["valued"] == sum(not m["count_only"] for m in measures)
    assert all(p["value"] > 0 for m in measures for p in m["proxies"])


@json_case("export")
@json_case("import")
def test_export_and_import_json(tmp_path, run_cli):
    book, back = tmp_path / "map.xlsx", tmp_path / "back.yaml"
    code, out, _ = run_cli("export", SCENARIO, "--xlsx", book, "--json")
    assert code == 0 and one_json_object(out) == {"written": str(book), "outcomes": 4, "inputs": 2}
    code, out, _ = run_cli("import", book, "--out", back, "--json")
    data = one_json_object(out)
    assert code == 0 and data["written"] == str(back) and back.is_file() and data["outcomes"] == 4


@json_case("tender", "template")
@json_case("tender", "evaluate")
@json_case("tender", "monitor")
def test_tender_json(tmp_path, run_cli):
    spec = TENDER / "spec.yaml"
    code, out, _ = run_cli("tender", "template", spec, "--out", tmp_path, "--json")
    assert code == 0 and len(one_json_object(out)["written"]) == 3
    code, out, err = run_cli("tender", "evaluate", spec, *BIDS, BAD_BID, "--json")
    data = one_json_object(out)
    assert code == ExitCode.PARTIAL_FAILURE and len(data["bids"]) == 3 and "bad_wrong_unit.csv" in err
    code, out, _ = run_cli("tender", "monitor", spec, TENDER / "bids" / "mersey_care_collective.xlsx",
                           *DELIVERY, "--json")
    data = one_json_object(out)
    assert code == 0 and data["kind"] == "svmodel.tender_monitoring" and data["failures"] == []


@json_case("tender", "report")
def test_tender_report_json(tmp_path, run_cli):
    spec = TENDER / "spec.yaml"
    code, out, err = run_cli("tender", "report", spec, *BIDS, BAD_BID, "--out", tmp_path, "--json")
    data = one_json_object(out)
    assert code == ExitCode.PARTIAL_FAILURE, err
    assert sorted(Path(p).suffix for p in data["written"]) == [".html", ".xlsx"]
    assert len(data["bids"]) == 3 and [Path(f).name for f in data["failed"]] == ["bad_wrong_unit.csv"]


def _fake_batch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, statuses: list[str]) -> None:
    """Replace the batch runner with one that returns records of the given statuses at once
    (the real batch runs in tests/test_batch.py and tests/test_cli_smoke.py)."""
    import svmodel.batch
    from svmodel.batch.jobs import JobRecord
    from svmodel.batch.runner import BatchResult

    def fake(files, out, options):  # noqa: ANN001, ANN202
        records = [JobRecord(name=Path(f).stem, scenario=str(f), status=s,
                             error_name="ScenarioError" if s != "ok" else "",
                             message="deadweight: 1.7 is above the maximum 1" if s != "ok" else "",
                             sroi_ratio=2.0 if s == "ok" else None)
                   for f, s in zip(files, statuses)]
        return BatchResult(out, records, None, 0.5, out / "index.html", out / "summary.csv")

    monkeypatch.setattr(svmodel.batch, "run_batch", fake)


@json_case("report")
def test_report_json_and_partial_failure(tmp_path, monkeypatch, run_cli):
    _fake_batch(monkeypatch, tmp_path, ["ok", "invalid"])
    other = tmp_path / "other.yaml"
    other.write_text(SCENARIO.read_text(encoding="utf-8"), encoding="utf-8")
    code, out, err = run_cli("report", SCENARIO, other, "--out", tmp_path / "out", "--json")
    data = one_json_object(out)
    assert code == ExitCode.PARTIAL_FAILURE  # not 2, the usage status
    assert data["counts"] == {"ok": 1, "invalid": 1}
    assert [r["status"] for r in data["reports"]] == ["ok", "invalid"]
    assert "invalid: " in err and "deadweight" in err
    _fake_batch(monkeypatch, tmp_path, ["invalid", "failed"])
    assert run_cli("report", SCENARIO, other, "--out", tmp_path / "out")[0] == ExitCode.INVALID_INPUT
    _fake_batch(monkeypatch, tmp_path, ["ok", "ok"])
    code, out, _ = run_cli("report", SCENARIO, other, "--out", tmp_path / "out")
    assert code == 0 and "2 ok in 0.5 s" in out


@pytest.fixture
def ledger_db(tmp_path: Path) -> str:
    return str(tmp_path / "ledger.db")


@json_case("ledger", "init")
@json_case("ledger", "org")
@json_case("ledger", "submit")
@json_case("ledger", "verify")
@json_case("ledger", "returns")
@json_case("ledger", "audit")
@json_case("ledger", "summary")
@json_case("ledger", "figures")
@json_case("ledger", "import")
def test_ledger_json(tmp_path, ledger_db, run_cli):
    def ledger(*words: object) -> dict | list:
        code, out, err = run_cli("ledger", *words, "--db", ledger_db, "--json")
        assert code == 0, err
        return one_json_object(out)

    assert "schema" in ledger("init")
    org = ledger("org", "Knowsley Housing Trust", "--sector", "social enterprise")
    assert org["name"] == "Knowsley Housing Trust" and org["sector"] == "social enterprise"
    submitted = ledger("submit", RETURN, "--org", "Knowsley Housing Trust", "--period", "2025/26")
    assert submitted["created"] and submitted["total_value"] > 0
    listing = tmp_path / "returns.csv"
    listing.write_text(f"file,org,period\n{RETURN},Knowsley Housing Trust,2025/26\n"
                       f"{RETURN.with_name('cvs_2025-26.csv')},Knowsley CVS,2025/26\n", encoding="utf-8")
    imported = ledger("import", listing, "--by", "Test")
    assert (imported["recorded"], imported["already_recorded"]) == (1, 1)
    assert imported["returns"][0]["id"] == submitted["id"]
    verified = ledger("verify", submitted["id"], "--by", "Jo Officer")
    assert verified == {"id": submitted["id"], "status": "verified", "assurance": "evidence checked",
                        "by": "Jo Officer", "reason": None}
    returns = ledger("returns")
    assert sorted(r["status"] for r in returns) == ["submitted", "verified"]
    assert any(e["action"] == "verified" for e in ledger("audit", submitted["id"]))
    summary = ledger("summary")
    assert summary["organisations"] == 2 and summary["returns"]["verified"] == 1
    figures = ledger("figures", "--by", "sector")
    assert figures["by"] == "sector"  # CVS came through the listing, which gave no sector
    assert {r["sector"] for r in figures["rows"]} == {"social enterprise", "not stated"}


@json_case("ledger", "form")
@json_case("ledger", "contract")
@json_case("ledger", "publish")
@json_case("ledger", "certificate")
def test_ledger_files_json(tmp_path, ledger_db, run_cli):
    def ledger(*words: object) -> dict:
        code, out, err = run_cli("ledger", *words, "--db", ledger_db, "--json")
        assert code == 0, err
        return one_json_object(out)

    forms = ledger("form", "--out", tmp_path / "forms")
    assert forms["written"] and all(Path(p).is_file() for p in forms["written"])
    run_cli("ledger", "init", "--db", ledger_db)
    contract = ledger("contract", TENDER / "spec.yaml", TENDER / "bids" / "mersey_care_collective.xlsx",
                      "--ref", "KMBC-1", "--org", "Mersey Care Collective CIC", "--start", "2026/27",
                      "--sector", "social enterprise")
    assert contract["reference"] == "KMBC-1" and contract["returns"]
    site = ledger("publish", "--out", tmp_path / "site")
    assert Path(site["index"]).is_file() and site["index"] in site["written"]
    certificate = ledger("certificate", "Mersey Care Collective CIC", "--period", "2026/27",
                         "--out", tmp_path / "cert", "--no-pdf")
    assert Path(certificate["html"]).is_file() and certificate["pdf"] is None


@json_case("ledger", "load-example")
def test_ledger_load_example_json(ledger_db, run_cli):
    code, out, _ = run_cli("ledger", "load-example", "--db", ledger_db, "--json")
    steps = one_json_object(out)["steps"]
    assert code == 0 and steps[0].startswith("ledger ")


def test_every_json_option_is_tested():
    with_json = {words for words, parser in leaves().items() if "--json" in parser._option_string_actions}
    assert with_json - JSON_TESTED == set(), "add a --json test (json_case) for these commands"


# ------------------------------------------------------------------ suggestions
@pytest.mark.parametrize("argv, hint", [
    (["rnu"], "did you mean `run`?"),
    (["valdiate", "x.yaml"], "did you mean `validate`?"),
    (["tender", "evalute"], "did you mean `evaluate`?"),
    (["run", str(SCENARIO), "--jsno"], "did you mean `--json`?"),
    (["run", str(SCENARIO), "--jsno=1"], "did you mean `--json`?"),
    (["validate", "--jsno"], "did you mean `--json`?"),
    (["sensitivity", str(SCENARIO), "--method", "qcm"], "did you mean `qmc`?"),
    (["ledger", "figures", "--by", "sectr"], "did you mean `sector`?"),
])
def test_typos_get_a_suggestion_and_the_usage_status(argv, hint, run_cli):
    code, out, err = run_cli(argv)
    assert code == ExitCode.USAGE == 2
    assert hint in err and out == ""


def test_no_suggestion_for_a_word_like_nothing(run_cli):
    code, _, err = run_cli("xyzzyq")
    assert code == ExitCode.USAGE and "invalid choice" in err and "did you mean" not in err


def test_two_typos_get_two_suggestions(run_cli):
    code, _, err = run_cli("run", SCENARIO, "--jsno", "--csvv", "x")
    assert code == 2 and "`--json` for --jsno" in err and "`--csv` for --csvv" in err


# ------------------------------------------------------------------ exit statuses
def test_each_exit_status_is_reachable(tmp_path, monkeypatch, run_cli):
    assert run_cli("run", SCENARIO)[0] == ExitCode.OK
    assert run_cli("run", tmp_path / "missing.yaml")[0] == ExitCode.INVALID_INPUT
    assert run_cli("run")[0] == ExitCode.USAGE
    bad = tmp_path / "bad.yaml"
    bad.write_text("svmodel: 1\n", encoding="utf-8")
    assert run_cli("compare", SCENARIO, bad)[0] == ExitCode.PARTIAL_FAILURE
    assert run_cli("compare", bad, bad)[0] == ExitCode.INVALID_INPUT  # none could be compared
    assert run_cli("tender", "evaluate", TENDER / "spec.yaml", *BIDS, BAD_BID)[0] == ExitCode.PARTIAL_FAILURE

    import svmodel.commands.run as run_module

    def broken(results):  # noqa: ANN001, ANN202
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(run_module, "summary", broken)
    code, _, err = run_cli("run", SCENARIO)
    assert code == ExitCode.INTERNAL and "internal error: ZeroDivisionError: a bug" in err
    assert "Traceback" not in err

    def interrupted(results):  # noqa: ANN001, ANN202
        raise KeyboardInterrupt

    monkeypatch.setattr(run_module, "summary", interrupted)
    code, _, err = run_cli("run", SCENARIO)
    assert code == ExitCode.INTERRUPTED == 130 and "interrupted" in err
    assert {c.value for c in ExitCode} == {0, 1, 2, 3, 4, 130}


def test_help_lists_every_exit_status(run_cli):
    code, out, _ = run_cli("--help")
    assert code == 0
    table = out.split("exit status:\n", 1)[1]
    for status in ExitCode:
        assert f"{status.value:>3}  {status.meaning.split()[0]}" in table
    assert table.index("  0  ") < table.index("  4  ") < table.index("130  ")


def test_docs_table_is_generated_from_exit_code():
    page = (ROOT / "docs" / "reference" / "cli.md").read_text(encoding="utf-8")
    assert "```{svmodel-exit-codes}" in page and "```{svmodel-cli}" in page
    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    try:
        from cli_reference import exit_code_rows
    finally:
        sys.path.remove(str(ROOT / "docs" / "_ext"))
    assert exit_code_rows() == [(str(c.value), c.name, c.meaning) for c in ExitCode]


# ------------------------------------------------------------------ start-up
HEAVY = ("pandas", "numpy", "scipy", "sqlalchemy", "pydantic", "matplotlib", "openpyxl", "jinja2", "nbformat")


def _loaded_in_a_fresh_interpreter(code: str, modules: tuple[str, ...]) -> list[str]:
    """Which of `modules` a new Python process has imported after running `code` (this test
    process has loaded them all already)."""
    probe = (f"{code}\nimport sys\n"
             f"print('LOADED:' + ' '.join(m for m in {modules!r} if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    return done.stdout.rsplit("LOADED:", 1)[1].split()


def test_the_parser_and_every_help_load_no_heavy_library():
    """`svmodel --version` and `svmodel ... --help` stay quick: building the parser and every
    command's help imports none of HEAVY (a command loads them in its handler)."""
    loaded = _loaded_in_a_fresh_interpreter(
        "from svmodel.cli import build_parser, walk\n"
        "for _words, parser in walk(build_parser()):\n"
        "    parser.format_help()", HEAVY)
    assert loaded == [], f"building the parser imported {loaded}"


def test_validating_a_scenario_without_random_draws_loads_no_scipy_or_plotting():
    """`svmodel validate` checks a scenario without loading scipy (only truncated normal
    distributions need it, and they load it when used) or any plotting or workbook library."""
    example = ROOT / "params" / "examples" / "reablement_home_care.yaml"
    loaded = _loaded_in_a_fresh_interpreter(
        f"from svmodel.cli import main\nassert main(['validate', {str(example)!r}]) == 0",
        ("scipy", "matplotlib", "openpyxl", "sqlalchemy", "jinja2"))
    assert loaded == [], f"validate imported {loaded}"


# ------------------------------------------------------------------ examples in --help
def test_every_command_has_examples_in_its_help(run_cli):
    for words, _parser in walk(build_parser()):
        code, out, _ = run_cli(*words, "--help")
        assert code == 0 and "examples:\n  svmodel " in out, f"svmodel {' '.join(words)} --help has no examples"


def _expand(word: str) -> list[str]:
    """A shell word as the shell would expand it from the repository root (globs only)."""
    if any(c in word for c in "*?["):
        found = sorted(glob.glob(str(ROOT / word)))
        assert found, f"{word} matches nothing"
        return found
    return [word]


def test_every_example_parses_and_its_shipped_paths_exist():
    parser = build_parser()
    commands = dict(walk(parser))
    checked = 0
    for words, lines in EXAMPLES.items():
        if words not in commands:  # an example for a command another branch adds
            continue
        for line in lines:
            argv = [w for word in shlex.split(line.split(" > ")[0])[1:] for w in _expand(word)]
            assert tuple(argv[:len(words)]) == words, line
            for word in argv:
                if word.startswith("params/"):
                    assert (ROOT / word).exists(), f"{line}: {word} is not shipped"
            namespace = parser.parse_args(argv)
            assert callable(namespace.handler), line
            checked += 1
    assert checked >= len(leaves())
