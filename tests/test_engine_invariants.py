"""Engine invariants that hold for any scenario (property tests with Hypothesis).

Additivity over lines, order invariance, present value falling as the discount rate rises, a
one-year start shift equal to one discount factor, the NPV and ratio identities, transfers
counting zero, and the deflator round trip. Each would catch a whole class of engine bugs that
a hand-worked example cannot.

References: SROI Guide (2012) stage 5 (present value, NPV, SROI ratio); HM Treasury Green Book
(2022) Annex A6 (discount factors); docs/conventions.md.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from svmodel.engine import LineArrays, compute, outcome_discount_factors

fractions = st.floats(0, 1, allow_nan=False)
line = st.fixed_dictionaries({
    "quantity": st.floats(0, 1e4), "unit_value": st.floats(0, 1e5), "deadweight": fractions,
    "displacement": fractions, "attribution": fractions, "drop_off": fractions,
    "duration": st.integers(1, 30), "start_year": st.integers(1, 10), "counted": st.booleans(),
})
scenario_lines = st.lists(line, min_size=1, max_size=6)
flat_rates = st.floats(0, 0.2)
rates = st.one_of(flat_rates, st.sampled_from(["green_book", "green_book_health"]))
inputs = st.lists(st.tuples(st.floats(1, 1e6), st.integers(0, 5)), min_size=1, max_size=3)


def arrays(items: list[dict]) -> LineArrays:
    column = lambda k, dtype: np.array([i[k] for i in items], dtype=dtype)  # noqa: E731
    return LineArrays(
        quantity=column("quantity", float), unit_value=column("unit_value", float),
        deadweight=column("deadweight", float), displacement=column("displacement", float),
        attribution=column("attribution", float), drop_off=column("drop_off", float),
        duration=column("duration", int), start_year=column("start_year", int),
        counted=column("counted", bool),
    )


def run(items, money_in, rate=0.035, first=True):
    amounts, years = zip(*money_in)
    return compute(arrays(items), amounts, years, rate=rate, first_year_discounted=first)


@settings(max_examples=80, deadline=None)
@given(items=scenario_lines, money_in=inputs, rate=rates, first=st.booleans())
def test_present_value_is_additive_over_lines(items, money_in, rate, first):
    whole = run(items, money_in, rate, first).total_present_value
    parts = sum(run([i], money_in, rate, first).total_present_value for i in items)
    assert_allclose(whole, parts, rtol=1e-10, atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(items=scenario_lines, money_in=inputs, rate=rates, seed=st.integers(0, 2**32 - 1))
def test_results_do_not_depend_on_line_order(items, money_in, rate, seed):
    shuffled = [items[i] for i in np.random.default_rng(seed).permutation(len(items))]
    a, b = run(items, money_in, rate), run(shuffled, money_in, rate)
    assert_allclose([a.total_present_value, a.total_inputs], [b.total_present_value, b.total_inputs],
                    rtol=1e-12, atol=1e-9)


@settings(max_examples=80, deadline=None)
@given(items=scenario_lines, money_in=inputs, low=flat_rates, step=st.floats(1e-4, 0.2),
       first=st.booleans())
def test_present_value_never_rises_with_the_discount_rate(items, money_in, low, step, first):
    cheap = run(items, money_in, low, first).total_present_value
    dear = run(items, money_in, low + step, first).total_present_value
    assert dear <= cheap * (1 + 1e-12) + 1e-9


@settings(max_examples=80, deadline=None)
@given(item=line, rate=rates, first=st.booleans())
def test_a_one_year_later_start_costs_exactly_one_discount_factor(item, rate, first):
    """Shifting an outcome one year later multiplies its PV by d(t+1)/d(t) in every year: for a
    flat rate, exactly 1 / (1 + r)."""
    item = dict(item, counted=True)
    later = dict(item, start_year=item["start_year"] + 1)
    base = run([item], [(1.0, 0)], rate, first)
    shifted = run([later], [(1.0, 0)], rate, first)
    factors = outcome_discount_factors(rate, shifted.values.shape[1], first)
    expected = float(base.values[0] @ factors[1:base.values.shape[1] + 1])
    assert_allclose(shifted.total_present_value, expected, rtol=1e-12, atol=1e-9)
    if isinstance(rate, float):
        assert_allclose(shifted.total_present_value, base.total_present_value / (1 + rate),
                        rtol=1e-10, atol=1e-9)


@settings(max_examples=80, deadline=None)
@given(items=scenario_lines, money_in=inputs, rate=rates)
def test_npv_and_ratio_identities(items, money_in, rate):
    r = run(items, money_in, rate)
    assert_allclose(r.net_present_value, r.total_present_value - r.total_inputs, rtol=1e-12, atol=1e-6)
    assert_allclose(r.sroi_ratio, r.total_present_value / r.total_inputs, rtol=1e-12)
    assert_allclose(r.net_sroi_ratio, r.sroi_ratio - 1, rtol=1e-9, atol=1e-12)
    assert_allclose(r.year_present_values.sum(), r.total_present_value, rtol=1e-10, atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(items=scenario_lines, money_in=inputs, rate=rates)
def test_lines_left_out_of_totals_count_zero(items, money_in, rate):
    """A transfer payment (counted = False) adds nothing to any total, whatever its size."""
    counted_only = [i for i in items if i["counted"]]
    r = run(items, money_in, rate)
    if counted_only:
        assert_allclose(r.total_present_value, run(counted_only, money_in, rate).total_present_value,
                        rtol=1e-12, atol=1e-9)
    else:
        assert r.total_present_value == 0


@settings(max_examples=200, deadline=None)
@given(value=st.floats(0.01, 1e7), data=st.data())
def test_deflator_round_trip_returns_the_value(value, data):
    """Rebasing from price year a to b and back to a gives the value back, for calendar and
    financial years alike (GDP deflator ratios)."""
    from svmodel.library.proxies import default_library

    deflators = default_library().deflators
    years = [str(y) for y in sorted(deflators.calendar)]
    years += [f"{y}/{(y + 1) % 100:02d}" for y in sorted(deflators.calendar)[:-1]]
    a, b = data.draw(st.sampled_from(years)), data.draw(st.sampled_from(years))
    back = deflators.rebase(deflators.rebase(value, a, b), b, a)
    assert math.isclose(back, value, rel_tol=1e-12)
