"""Hostile scenario files (issue 12): each case is one fixture (tests/fixtures/hostile/scenarios)
or, where a file cannot be committed (a FIFO, a device, a huge file), made in the test.
Every case ends in a clear message naming the file, the line, the field and what is allowed;
none is an internal error, a hang or a memory blow-up."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest

from svmodel.util import limits
from svmodel.util.inputfiles import InputFileError, read_bounded
from svmodel.scenario import ScenarioError, load_scenario
from svmodel.util.yamlio import YamlProblem, load_yaml

HOSTILE = Path(__file__).parent / "fixtures" / "hostile" / "scenarios"

# fixture -> (field path, line, fragments every message must contain)
CASES: dict[str, tuple[str, int | None, tuple[str, ...]]] = {
    "billion_laughs": ("", 19, ("expands to more than 1,000,000 values", "alias")),
    "recursive_alias": ("", 13, ("recursive structure",)),
    "deep_nesting": ("", 13, ("nested more than 64 levels deep",)),
    "nul_byte": ("", 9, ("control character U+0000",)),
    "unhashable_key": ("", 13, ("mapping key must be a text or a number, not a list",)),
    "duration_huge": ("outcomes[0].duration", 13, ("100000000 is above the maximum", "at most 300")),
    "duration_10_pow_30": ("outcomes[0].duration", 13, ("is above the maximum", "at most 300")),
    "start_year_huge": ("outcomes[0].start_year", 13, ("5000 is above the maximum", "at most 300")),
    "outcome_beyond_horizon": ("outcomes[0].duration", 14, ("ends in year 349", "must end by year 300")),
    "input_year_100000": ("inputs[0].year", 5, ("100000 is above the maximum", "at most 300")),
    "quantity_exponent_text": ("outcomes[0].quantity", 10, ("'1e12'", "is text, not a number",
                                                             "1000000000000")),
    "quantity_huge": ("outcomes[0].quantity", 10, ("is above the maximum", "1,000,000,000,000")),
    "amount_huge": ("inputs[0].amount", 5, ("is above the maximum", "10,000,000,000,000")),
    "too_many_proxy_packs": ("proxies", 4, ("lists 21 proxy packs", "at most 20")),
}


def test_every_hostile_fixture_has_a_case():
    assert {p.stem for p in HOSTILE.glob("*.yaml")} == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_scenario_gets_a_clear_message(name, test_library):
    path_text, line, fragments = CASES[name]
    with pytest.raises(ScenarioError) as caught:
        load_scenario(HOSTILE / f"{name}.yaml", test_library)
    problems = caught.value.problems
    assert len(problems) == 1, [str(p) for p in problems]
    problem = problems[0]
    assert problem.file.endswith(f"{name}.yaml")
    assert (problem.path, problem.line) == (path_text, line), str(problem)
    for fragment in fragments:
        assert fragment in problem.message, (fragment, problem.message)


def test_too_many_inputs_are_refused_with_the_count(tmp_path, test_library):
    """Aliases keep the file small; the list still has 10,001 inputs."""
    path = tmp_path / "many.yaml"
    path.write_text("svmodel: 1\nname: Many\nprice_year: 2024\n"
                    "one: &one {stakeholder: Council, amount: 1}\n"
                    "inputs: [" + ", ".join(["*one"] * (limits.MAX_INPUTS + 1)) + "]\n"
                    "outcomes:\n  - {id: a, stakeholder: P, outcome: O, quantity: 1, proxy: test_thousand}\n",
                    encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, test_library)
    messages = [p.message for p in caught.value.problems if p.path == "inputs"]
    assert messages == ["the list has 10,001 items; at most 10,000 are allowed"], caught.value.problems


def test_alias_bomb_costs_neither_memory_nor_time():
    """The expansion is counted over the shared node graph: a few hundred bytes never become
    millions of objects (the old line map walked every alias)."""
    text = (HOSTILE / "billion_laughs.yaml").read_text(encoding="utf-8")
    text = text.replace("&i [*h", "&i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h, *h").replace(
        "  i:", "  j: &j [*i, *i, *i, *i, *i, *i, *i, *i, *i, *i]\n  i:")
    tracemalloc.start()
    try:
        with pytest.raises(YamlProblem):
            load_yaml(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024, peak


def test_aliases_within_the_bound_still_load_and_map_lines_once():
    data, lines = load_yaml("defaults: &d {deadweight: 0.1, attribution: 0.2}\n"
                            "first: *d\nsecond: *d\n")
    assert data["first"] == data["second"] == {"deadweight": 0.1, "attribution": 0.2}
    assert lines[("defaults", "deadweight")] == 1
    # an alias gets the alias's own line; its inside is not walked again
    assert lines[("first",)] == 2 and lines[("second",)] == 3
    assert ("second", "deadweight") not in lines


def test_fifo_is_refused_without_hanging(tmp_path, test_library):
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ScenarioError, match="named pipe"):
        load_scenario(fifo, test_library)


def test_dev_zero_is_refused(test_library):
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero on this system")
    with pytest.raises(ScenarioError, match="is a device, not a regular file"):
        load_scenario("/dev/zero", test_library)


def test_folder_is_refused(tmp_path, test_library):
    with pytest.raises(ScenarioError, match="folder"):
        load_scenario(tmp_path, test_library)


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path, test_library):
    big = tmp_path / "big.yaml"
    with open(big, "wb") as handle:  # sparse: no disk space used
        handle.truncate(limits.MAX_YAML_BYTES + 1)
    with pytest.raises(ScenarioError, match="largest file svmodel reads here is 5.0 MB"):
        load_scenario(big, test_library)


def test_read_bounded_never_reads_past_the_limit(tmp_path):
    path = tmp_path / "x"
    path.write_bytes(b"a" * 100)
    assert read_bounded(path, 100) == b"a" * 100
    with pytest.raises(InputFileError, match="largest file"):
        read_bounded(path, 99)


def test_cli_reports_hostile_files_without_internal_error(tmp_path, run_cli):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    files = [str(HOSTILE / f"{name}.yaml") for name in sorted(CASES)] + [str(fifo)]
    code, _, err = run_cli("validate", *files)
    assert code == 1, err
    assert "internal error" not in err and "Traceback" not in err
    assert f"{len(files)} of {len(files)} file(s) invalid" in err
