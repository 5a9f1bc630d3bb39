"""The proxy library loader, lookups, packs, and GDP deflator rebasing."""

from __future__ import annotations

import pytest
from numpy.testing import assert_allclose

from svmodel.library.deflators import PriceYear, PriceYearError
from svmodel.library.proxies import ProxyLibraryError, default_library, load_library, read_proxy_csv


def test_shipped_library_loads_with_version_and_hash():
    library = default_library()
    assert len(library) >= 15
    assert library.version
    assert len(library.content_hash) == 64
    assert default_library() is library  # cached: loaded once per process


def test_shipped_library_covers_at_least_ten_knowsley_measures():
    measures = {m for proxy in default_library() for m in proxy.measures}
    assert len({m for m in measures if m.startswith("K")}) >= 10


def test_every_shipped_proxy_has_provenance():
    # Licences themselves are checked against an allow-list in tests/test_proxy_data.py.
    for proxy in default_library():
        assert proxy.source and proxy.licence and proxy.price_year, proxy.id


def test_lookup_suggests_closest_ids(test_library):
    assert test_library.get("test_thousand").value == 1000
    with pytest.raises(KeyError, match="did you mean test_thousand"):
        test_library.get("test_thosand")


def test_search_by_text_measure_type_and_beneficiary(test_library):
    assert [p.id for p in test_library.search("care week")] == ["test_care_week"]
    assert [p.id for p in test_library.search(measure="k5")] == ["test_benefit"]
    assert {p.id for p in test_library.search(value_type="fiscal")} == {"test_care_week", "test_benefit",
                                                                         "test_parent"}
    assert {p.id for p in test_library.search(beneficiary="dwp")} == {"test_benefit", "test_parent"}


def test_pack_rows_take_precedence_and_are_labelled(tmp_path, test_library):
    pack = tmp_path / "my_licensed_pack.csv"
    pack.write_text(
        "id,name,unit,value,price_year,value_type,source,licence\n"
        "test_thousand,Licensed override,per person,2500,2024,social,Licensed bank,Licensed to user\n"
        "pack_only,Pack proxy,per person,10,2020,social,Licensed bank,Licensed to user\n",
        encoding="utf-8",
    )
    layered = test_library.with_pack(pack)
    assert layered.get("test_thousand").value == 2500
    assert layered.get("test_thousand").origin == "my_licensed_pack.csv"
    assert "pack_only" in layered and "pack_only" not in test_library
    assert layered.content_hash != test_library.content_hash
    assert layered.packs == ("my_licensed_pack.csv",)


def test_bad_proxy_csv_names_file_row_and_column(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,unit,value,price_year,value_type,source,licence\n"
                   "x,X,each,12,2020,priceless,S,OGL\n", encoding="utf-8")
    with pytest.raises(ProxyLibraryError, match=r"bad.csv, row 2, value_type: 'priceless'"):
        read_proxy_csv(bad)
    bad.write_text("id,name,unit,value,price_year,value_type,source,licence\n"
                   "x,X,each,twelve,2020,social,S,OGL\n", encoding="utf-8")
    with pytest.raises(ProxyLibraryError, match=r"row 2, value: 'twelve' is not a number"):
        read_proxy_csv(bad)


def test_manifest_listing_a_missing_file_is_an_error(tmp_path):
    (tmp_path / "library.yaml").write_text("version: '1'\nfiles: [gone.csv]\n", encoding="utf-8")
    with pytest.raises(ProxyLibraryError, match="gone.csv, which does not exist"):
        load_library(tmp_path)


# ----------------------------------------------------------------- deflators
@pytest.mark.parametrize("raw, label, financial", [
    (2019, "2019", False), ("2019", "2019", False), ("2013/14", "2013/14", True),
    ("2013-14", "2013/14", True), ("1999/2000", "1999/00", True),
])
def test_price_years_parse(raw, label, financial):
    year = PriceYear.parse(raw)
    assert (year.label, year.financial) == (label, financial)


@pytest.mark.parametrize("raw", ["2013/15", "c.2019", "", True, 2019.5])
def test_bad_price_years_are_rejected(raw):
    with pytest.raises(PriceYearError):
        PriceYear.parse(raw)


def test_calendar_rebasing_uses_the_gdp_deflator_ratio():
    deflators = default_library().deflators
    # V_2024 = V_2019 x deflator(2024) / deflator(2019) = 13,000 x 100 / 81.1085
    assert_allclose(deflators.rebase(13_000, 2019, 2024), 13_000 * 100 / 81.1085)
    assert deflators.rebase(500, 2020, 2020) == 500


def test_financial_year_index_weights_three_quarters_and_one_quarter():
    deflators = default_library().deflators
    cal = deflators.calendar
    assert_allclose(deflators.index("2013/14"), 0.75 * cal[2013] + 0.25 * cal[2014])


def test_derived_financial_year_growth_tracks_the_published_series():
    # The shipped Budget 2015 financial-year series predates ONS revisions, so levels differ;
    # year-on-year growth agrees within 1.5 percentage points (docs/conventions.md).
    deflators = default_library().deflators
    published = deflators.published_financial
    compared = 0
    for start in range(1990, 2013):
        a, b = f"{start}/{(start + 1) % 100:02d}", f"{start + 1}/{(start + 2) % 100:02d}"
        growth_published = published[b] / published[a] - 1
        growth_derived = deflators.factor(a, b) - 1
        assert abs(growth_published - growth_derived) < 0.015, (a, b)
        compared += 1
    assert compared == 23


def test_year_outside_the_series_is_a_clear_error():
    deflators = default_library().deflators
    with pytest.raises(PriceYearError, match="calendar years 1990 to 2024"):
        deflators.index(2025)
    with pytest.raises(PriceYearError, match="financial years 1990/91 to 2023/24"):
        deflators.index("2024/25")
