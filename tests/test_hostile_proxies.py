"""Hostile proxy packs (issue 12): a licensed pack is checked as strictly as the shipped
library. One fixture per case (tests/fixtures/hostile/packs); each error names the pack, the
row and the column; a pack's fault is never blamed on the scenario that names it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from svmodel.library.proxies import ProxyLibraryError
from svmodel.scenario import ScenarioError, load_scenario

PACKS = Path(__file__).parent / "fixtures" / "hostile" / "packs"

# fixture -> (line, column, fragments)
CASES: dict[str, tuple[int, str, tuple[str, ...]]] = {
    "empty_id": (3, "id", ("row 3", "the proxy id is empty")),
    "duplicate_id": (3, "id", ("'good' is defined twice", "first on row 2")),
    "nan_value": (3, "value", ("'nan' is not a finite number",)),
    "inf_value": (3, "value", ("'inf' is not a finite number",)),
    "negative_value": (3, "value", ("'-5' is negative",)),
    "huge_value": (3, "value", ("above the largest amount allowed",)),
    "low_above_high": (3, "value_low", ("200 is above value_high (50)",)),
    "value_outside_range": (3, "value", ("500 is above value_high (200)",)),
    "price_year_outside_series": (3, "price_year", ("1850 is outside the GDP deflator series", "1990 to 2024")),
    "latin1": (2, "", ("not UTF-8 text (byte 0xe9)", "CSV UTF-8")),
    "nul_byte": (3, "", ("NUL byte",)),
    "unclosed_quote": (3, "value_type", ("row 3",)),
}


def test_every_pack_fixture_has_a_case():
    assert {p.stem for p in PACKS.glob("*.csv")} == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_pack_is_refused_naming_file_row_and_column(name, test_library):
    line, column, fragments = CASES[name]
    with pytest.raises(ProxyLibraryError) as caught:
        test_library.with_pack(PACKS / f"{name}.csv")
    error = caught.value
    assert error.file.endswith(f"{name}.csv")
    assert (error.line, error.column) == (line, column), str(error)
    assert str(error).startswith(str(PACKS / f"{name}.csv"))
    for fragment in fragments:
        assert fragment in str(error), (fragment, str(error))


def test_field_over_the_csv_limit_is_named(tmp_path, test_library):
    pack = tmp_path / "long.csv"
    pack.write_text("id,name,unit,value,price_year,value_type,source,licence\n"
                    f"x,{'n' * 200_000},each,1,2020,social,S,OGL\n", encoding="utf-8")
    with pytest.raises(ProxyLibraryError, match=r"long.csv, row 2.*(field larger than field limit|characters)"):
        test_library.with_pack(pack)


def test_pack_that_is_a_fifo_is_refused(tmp_path, test_library):
    fifo = tmp_path / "pack.csv"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="named pipe"):
        test_library.with_pack(fifo)


def test_scenario_naming_a_bad_pack_blames_the_pack(tmp_path, test_library):
    (tmp_path / "pack.csv").write_bytes((PACKS / "empty_id.csv").read_bytes())
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text("svmodel: 1\nname: S\nprice_year: 2024\nproxies: [pack.csv]\n"
                        "inputs:\n  - {stakeholder: C, amount: 10}\n"
                        "outcomes:\n  - {id: a, stakeholder: P, outcome: O, quantity: 1, proxy: good, "
                        "deadweight: 0.1}\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(scenario, test_library)
    [problem] = caught.value.problems
    assert problem.file == str(tmp_path / "pack.csv")
    assert (problem.line, problem.path) == (3, "id")
    assert "the proxy id is empty" in problem.message
    assert "proxies[0]" in problem.message and "scenario.yaml" in problem.message


def test_shipped_proxy_priced_outside_the_series_is_a_validation_error(tmp_path):
    from svmodel.library.proxies import default_library

    library = default_library()
    outside = next((p for p in library if not library.deflators.covers(p.price_year)), None)
    if outside is None:
        pytest.skip("every shipped proxy is inside the deflator series")
    scenario = tmp_path / "s.yaml"
    scenario.write_text("svmodel: 1\nname: S\nprice_year: 2024\ninputs:\n  - {stakeholder: C, amount: 10}\n"
                        f"outcomes:\n  - {{id: a, stakeholder: P, outcome: O, quantity: 1, proxy: {outside.id}, "
                        "deadweight: 0.1}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="outside the GDP deflator series"):
        load_scenario(scenario, library)


def test_cli_pack_that_is_a_device_is_named(capsys):
    from svmodel.cli import main

    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero on this system")
    scenario = Path(__file__).resolve().parents[1] / "params" / "examples" / "reablement_home_care.yaml"
    assert main(["run", str(scenario), "--proxies", "/dev/zero"]) == 1
    err = capsys.readouterr().err
    assert "--proxies /dev/zero: cannot read the file: is a device" in err
