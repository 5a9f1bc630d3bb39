"""Each bad input is a small fixture file; each message names the file, line, field and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from svmodel.scenario import ScenarioError, load_scenario

BAD = Path(__file__).parent / "fixtures" / "bad"

# fixture -> (field path, line, fragments every message must contain)
CASES: dict[str, tuple[str, int | None, tuple[str, ...]]] = {
    "malformed_yaml": ("", 3, ("YAML syntax error", "line 2")),
    "missing_version": ("svmodel", 1, ("required field is missing", "schema version")),
    "unknown_version": ("svmodel", 1, ("2 is an unsupported schema version", "supported: 1")),
    "unknown_top_field": ("organization", 4, ("unknown field 'organization'", "did you mean 'organisation'?")),
    "unknown_outcome_field": ("outcomes[0].deadwieght", 12, ("did you mean 'deadweight'?",)),
    "duplicate_outcome_id": ("outcomes[1].id", 13, ("'a' duplicates outcomes[0].id", "unique")),
    "duplicate_key": ("", 3, ("duplicate key 'name'", "line 2", "line 3")),
    "deadweight_negative": ("outcomes[0].deadweight", 12, ("-0.1 is below the minimum", "from 0 to 1")),
    "displacement_above_one": ("outcomes[0].displacement", 12, ("1.5 is above the maximum", "from 0 to 1")),
    "attribution_130_percent": ("outcomes[0].attribution", 12, ("'130%' is above the maximum", '"100%"')),
    "drop_off_above_one": ("outcomes[0].drop_off", 12, ("2 is above the maximum",)),
    "negative_quantity": ("outcomes[0].quantity", 10, ("-5 is below the minimum", "at least 0")),
    "duration_zero": ("outcomes[0].duration", 12, ("0 is below the minimum", "whole number of years, at least 1 and at most 300")),
    "duration_fractional": ("outcomes[0].duration", 12, ("2.5 is not allowed", "whole number of years")),
    "unknown_proxy": ("outcomes[0].proxy", 11, ("'test_thousands'", "unknown proxy id", "closest ids: test_thousand")),
    "neither_proxy_nor_value": ("outcomes[0]", 7, ("neither `proxy` nor `value`", "exactly one")),
    "both_proxy_and_value": ("outcomes[0]", 7, ("both `proxy` and `value`", "exactly one")),
    "no_inputs": ("inputs", 4, ("the list is empty", "SROI ratio is undefined")),
    "inputs_total_zero": ("inputs", 4, ("the inputs total 0", "undefined")),
    "unknown_schedule": ("discounting.rate", 4, ("'green_book_2003' is an unknown discounting schedule", "green_book_health")),
    "price_year_outside_series": ("outcomes[0].value.price_year", 11, ("1985", "outside the GDP deflator series", "1990 to 2024")),
    "non_numeric_amount": ("inputs[0].amount", 5, ("'£50,000' is not allowed", "without currency sign")),
    "empty": ("", None, ("the file is empty", "svmodel: 1")),
}


def test_every_fixture_has_a_case():
    # uncertainty_* fixtures have their cases in tests/test_uncertainty.py
    assert {p.stem for p in BAD.glob("*.yaml") if not p.stem.startswith("uncertainty_")} == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_message_names_file_line_field_and_rule(name, test_library):
    path_text, line, fragments = CASES[name]
    with pytest.raises(ScenarioError) as caught:
        load_scenario(BAD / f"{name}.yaml", test_library)
    problems = caught.value.problems
    assert len(problems) == 1, [str(p) for p in problems]
    problem = problems[0]
    assert problem.file.endswith(f"{name}.yaml")
    assert problem.path == path_text
    assert problem.line == line
    for fragment in fragments:
        assert fragment in problem.message, (fragment, problem.message)
    assert str(problem).startswith(f"{problem.file}{':' + str(line) if line else ''}:")


def test_all_problems_of_a_file_are_reported_together(tmp_path, test_library):
    bad = tmp_path / "several.yaml"
    bad.write_text(
        "svmodel: 1\nname: Several\nprice_year: 2024\n"
        "inputs:\n  - {stakeholder: C, amount: 10}\n"
        "outcomes:\n"
        "  - {id: a, stakeholder: P, outcome: O, quantity: -1, proxy: test_thousand, deadweight: 2}\n"
        "  - {id: b, stakeholder: P, outcome: O, quantity: 1, proxy: nope}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(bad, test_library)
    paths = {p.path for p in caught.value.problems}
    assert paths == {"outcomes[0].quantity", "outcomes[0].deadweight", "outcomes[1].proxy"}


def test_yaml_tags_cannot_build_python_objects(tmp_path, test_library):
    bad = tmp_path / "tag.yaml"
    bad.write_text("svmodel: 1\nname: !!python/object/apply:os.system ['echo hacked']\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(bad, test_library)
    assert "YAML syntax error" in str(caught.value)


def test_unreadable_file_is_a_clear_error(tmp_path, test_library):
    with pytest.raises(ScenarioError, match="cannot read the file"):
        load_scenario(tmp_path / "missing.yaml", test_library)


def test_cli_prints_problems_without_traceback_and_exits_1(monkeypatch, run_cli):
    monkeypatch.setenv("SVMODEL_PROXIES_DIR", str(Path(__file__).parent / "fixtures" / "library"))
    files = [str(BAD / "deadweight_negative.yaml"), str(BAD / "unknown_proxy.yaml")]
    code, _, err = run_cli("validate", *files)
    assert code == 1
    assert "Traceback" not in err
    assert "deadweight_negative.yaml:12: outcomes[0].deadweight" in err
    assert "unknown_proxy.yaml:11: outcomes[0].proxy" in err
    assert "2 of 2 file(s) invalid" in err
    code, out, err = run_cli("run", files[0], "--json")
    assert code == 1 and out == "" and "Traceback" not in err
