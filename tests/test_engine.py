"""The engine against hand-worked arithmetic, the Green Book's published factors, and invariants."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from svmodel.engine import (
    LineArrays,
    compute,
    discount_factors,
    outcome_discount_factors,
    value_matrix,
)


def lines(**overrides) -> LineArrays:
    base = dict(quantity=[100.0], unit_value=[1000.0], deadweight=[0.2], displacement=[0.0],
                attribution=[0.25], drop_off=[0.1], duration=[3], start_year=[1])
    base.update(overrides)
    return LineArrays(**{k: np.asarray(v, dtype=int if k in ("duration", "start_year") else float)
                         for k, v in base.items()})


def test_hand_worked_example_first_year_discounted():
    # Impact = 100 x 1000 x (1 - 0.20) x (1 - 0) x (1 - 0.25) = 60,000
    # Year values: 60,000; 60,000 x 0.9 = 54,000; 54,000 x 0.9 = 48,600
    # PV = 60,000/1.035 + 54,000/1.035^2 + 48,600/1.035^3
    #    = 57,971.0145 + 50,409.5778 + 43,834.4155 = 152,215.01
    result = compute(lines(), [50_000], [0], rate=0.035, first_year_discounted=True)
    assert_allclose(result.values[0], [60_000, 54_000, 48_600], rtol=1e-12)
    assert_allclose(result.total_present_value, 152_215.01, atol=0.005)
    assert_allclose(result.total_inputs, 50_000)
    assert_allclose(result.net_present_value, 102_215.01, atol=0.005)
    assert_allclose(result.sroi_ratio, 152_215.00780800526 / 50_000, rtol=1e-12)
    # Payback = 50,000 / (60,000 / 12) = 10 months
    assert_allclose(result.payback_months, 10.0)


def test_hand_worked_example_year_one_undiscounted():
    # PV = 60,000 + 54,000/1.035 + 48,600/1.035^2 = 60,000 + 52,173.91 + 45,368.62 = 157,542.53
    result = compute(lines(), [50_000], [0], rate=0.035, first_year_discounted=False)
    assert_allclose(result.total_present_value, 157_542.53, atol=0.005)


def test_later_inputs_are_discounted_by_their_year():
    # 30,000 now + 20,000 in year 2 at 3.5%: 30,000 + 20,000/1.035^2 = 48,670.21
    result = compute(lines(), [30_000, 20_000], [0, 2], rate=0.035, first_year_discounted=False)
    assert_allclose(result.total_inputs, 30_000 + 20_000 / 1.035**2)
    assert_allclose(result.total_inputs, 48_670.21, atol=0.005)


def test_start_year_and_duration_window():
    # Starts in year 3, lasts 2 years: zero in years 1-2, 60,000 then 54,000.
    result = compute(lines(start_year=[3], duration=[2]), [1], [0], rate=0.0)
    assert_allclose(result.values[0], [0, 0, 60_000, 54_000])
    assert_allclose(result.total_present_value, 114_000)


@pytest.mark.parametrize("year, published", [(1, 0.9662), (5, 0.8420), (10, 0.7089),
                                             (30, 0.3563), (31, 0.3459), (75, 0.0942)])
def test_green_book_factors_match_published_values(year, published):
    # Green Book (2022) Annex A6: 3.5% in years 0-30, 3.0% in years 31-75.
    assert round(float(discount_factors("green_book", [year])[0]), 4) == published


def test_green_book_health_schedule_uses_health_rates():
    # Years 1-30 at 1.5%, 31-75 at 1.29%
    factors = discount_factors("green_book_health", [30, 31])
    assert_allclose(factors[0], 1.015**-30)
    assert_allclose(factors[1], 1.015**-30 / 1.0129)


def test_green_book_beyond_all_bands_compounds_each_band():
    factor = discount_factors("green_book", [301])[0]
    expected = 1.035**-30 * 1.03**-45 * 1.025**-50 * 1.02**-75 * 1.015**-100 * 1.01**-1
    assert_allclose(factor, expected, rtol=1e-10)


def test_year_zero_factor_is_one():
    assert_allclose(discount_factors(0.035, [0]), [1.0])
    assert_allclose(discount_factors("green_book", [0]), [1.0])


def test_vectorised_value_matrix_equals_a_plain_loop():
    rng = np.random.default_rng(7)
    n = 25
    arr = lines(quantity=rng.uniform(0, 50, n), unit_value=rng.uniform(10, 5000, n),
                deadweight=rng.uniform(0, 1, n), displacement=rng.uniform(0, 1, n),
                attribution=rng.uniform(0, 1, n), drop_off=rng.uniform(0, 1, n),
                duration=rng.integers(1, 8, n), start_year=rng.integers(1, 5, n))
    matrix = value_matrix(arr)
    for i in range(n):
        impact = (arr.quantity[i] * arr.unit_value[i] * (1 - arr.deadweight[i])
                  * (1 - arr.displacement[i]) * (1 - arr.attribution[i]))
        for t in range(1, arr.horizon + 1):
            k = t - arr.start_year[i]
            expected = impact * (1 - arr.drop_off[i]) ** k if 0 <= k < arr.duration[i] else 0.0
            assert matrix[i, t - 1] == pytest.approx(expected, rel=1e-12, abs=1e-9)


# ----------------------------------------------------------------- properties
fractions = st.floats(0, 1, allow_nan=False)
line_strategy = st.fixed_dictionaries({
    "quantity": st.floats(0, 1e4), "unit_value": st.floats(0, 1e5), "deadweight": fractions,
    "displacement": fractions, "attribution": fractions, "drop_off": fractions,
    "duration": st.integers(1, 40), "start_year": st.integers(1, 10),
})
rates = st.one_of(st.floats(0, 0.2), st.sampled_from(["green_book", "green_book_health"]))


def pv(line: dict, rate=0.035, first=True) -> float:
    arr = lines(**{k: [v] for k, v in line.items()})
    return compute(arr, [1.0], [0], rate=rate, first_year_discounted=first).total_present_value


@settings(max_examples=150, deadline=None)
@given(line=line_strategy, field=st.sampled_from(["deadweight", "displacement", "attribution", "drop_off"]),
       bump=st.floats(0, 1), rate=rates, first=st.booleans())
def test_pv_never_rises_when_an_adjustment_rises(line, field, bump, rate, first):
    higher = dict(line, **{field: min(1.0, line[field] + bump)})
    assert pv(higher, rate, first) <= pv(line, rate, first) * (1 + 1e-12) + 1e-9


@settings(max_examples=100, deadline=None)
@given(line=line_strategy, scale=st.floats(0, 100), field=st.sampled_from(["quantity", "unit_value"]),
       rate=rates)
def test_pv_is_linear_in_quantity_and_proxy_value(line, scale, field, rate):
    scaled = dict(line, **{field: line[field] * scale})
    assert pv(scaled, rate) == pytest.approx(pv(line, rate) * scale, rel=1e-9, abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(line=line_strategy, first=st.booleans())
def test_rate_zero_pv_is_the_plain_sum(line, first):
    arr = lines(**{k: [v] for k, v in line.items()})
    result = compute(arr, [1.0], [0], rate=0.0, first_year_discounted=first)
    assert result.total_present_value == pytest.approx(result.values.sum(), rel=1e-12, abs=1e-9)


@given(horizon=st.integers(1, 30), first=st.booleans())
def test_green_book_equals_flat_3_5_percent_up_to_30_years(horizon, first):
    assert_allclose(outcome_discount_factors("green_book", horizon, first),
                    outcome_discount_factors(0.035, horizon, first), rtol=1e-12)


def test_engine_import_pulls_in_no_notebook_stack():
    code = (
        "import sys, svmodel.engine, svmodel.scenario, svmodel.results, svmodel.library.proxies\n"
        "banned = ('IPython', 'ipykernel', 'ipywidgets', 'papermill', 'matplotlib', 'nbformat', "
        "'nbclient', 'nbconvert', 'jupyter_client')\n"
        "print(','.join(m for m in sys.modules if m.split('.')[0] in banned))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
