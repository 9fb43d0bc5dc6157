"""Normalisers as COINr's n_* functions: known answers by hand, NaN in → NaN out, undefined
cases NaN without a warning, and minmax's range and order."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mujun.engine import normalise as n

nan = np.nan


def arr(*values: float) -> np.ndarray:
    return np.array(values, dtype=float)


X = arr(2, 4, nan, 10, 6)  # min 2, max 10, range 8


def test_minmax_by_hand() -> None:
    # (x − 2) / 8 × 100: 0, 25, –, 100, 50; on [1, 100]: (x − 2) / 8 × 99 + 1
    np.testing.assert_allclose(n.minmax(X), [0, 25, nan, 100, 50])
    np.testing.assert_allclose(n.minmax(X, 1, 100), [1, 25.75, nan, 100, 50.5])


def test_zscore_by_hand() -> None:
    # values 2, 4, 10, 6: mean 5.5, sample sd √((12.25 + 2.25 + 20.25 + 0.25) / 3) = √(35/3)
    sd = np.sqrt(35 / 3)
    np.testing.assert_allclose(n.zscore(X), [(v - 5.5) / sd for v in (2, 4, nan, 10, 6)])
    # COINr m_sd = c(100, 10): z × 10 + 100
    np.testing.assert_allclose(n.zscore(X, 100, 10), 100 + 10 * (X - 5.5) / sd)


def test_rank_and_percent_rank_by_hand() -> None:
    # ties take the lowest rank (ties.method = "min"): 5, 1, 5, –, 3 → ranks 3, 1, 3, –, 2
    x = arr(5, 1, 5, nan, 3)
    np.testing.assert_array_equal(n.rank(x), [3, 1, 3, nan, 2])
    # COINr n_prank: (rank − 1) / (4 − 1) × 100 = 66.67, 0, 66.67, –, 33.33
    np.testing.assert_allclose(n.percent_rank(x), [200 / 3, 0, 200 / 3, nan, 100 / 3])


def test_goalposts_by_hand() -> None:
    # posts 3 and 8: (x − 3) / 5 clipped to [0, 1] × 100: 2 → 0, 4 → 20, 10 → 100, 6 → 60
    np.testing.assert_allclose(n.goalposts(X, 3, 8), [0, 20, nan, 100, 60])
    # a "lower" indicator: negate x and pass −8, −3 → (8 − x) / 5: 2 → 100, 4 → 80, 6 → 40
    np.testing.assert_allclose(n.goalposts(-X, -8, -3), [100, 80, nan, 0, 40])
    # COINr's default scale of 1
    np.testing.assert_allclose(n.goalposts(X, 3, 8, scale=1), [0, 0.2, nan, 1, 0.6])


def test_distance_to_max_by_hand() -> None:
    # 1 − (10 − x) / 8: 0, 0.25, –, 1, 0.5 (× 100); with scale 1 COINr's own numbers
    np.testing.assert_allclose(n.distance_to_max(X), [0, 25, nan, 100, 50])
    np.testing.assert_allclose(n.distance_to_max(X, scale=1), [0, 0.25, nan, 1, 0.5])


def test_distance_to_reference_by_hand() -> None:
    # reference 6 (the fifth unit's value): 1 − (6 − x) / (6 − 2): 0, 0.5, –, 2, 1
    np.testing.assert_allclose(n.distance_to_reference(X, 6.0), [0, 50, nan, 200, 100])
    # cap_max: beyond the reference counts as the reference
    np.testing.assert_allclose(n.distance_to_reference(X, 6.0, cap=True), [0, 50, nan, 100, 100])


def test_fraction_of_max_by_hand() -> None:
    # x / 10: 0.2, 0.4, –, 1, 0.6
    np.testing.assert_allclose(n.fraction_of_max(X), [20, 40, nan, 100, 60])


ALL: list[Callable[[np.ndarray], np.ndarray]] = [
    n.minmax,
    n.zscore,
    n.rank,
    n.percent_rank,
    lambda x: n.goalposts(x, 0, 1),
    n.distance_to_max,
    lambda x: n.distance_to_reference(x, 3.0),
    n.fraction_of_max,
]


@pytest.mark.parametrize("f", ALL)
def test_nan_in_nan_out_and_no_exception(f: Callable[[np.ndarray], np.ndarray]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for x in (np.full(4, nan), arr(), arr(1, nan, 2)):
            y = f(x)
            assert y.shape == x.shape and np.isnan(y[np.isnan(x)]).all()


def test_undefined_cases_give_nan() -> None:
    const = arr(4, 4, nan, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # COINr: "The range of x is 0: returning vector of NaNs"
        assert np.isnan(n.minmax(const)).all()
        assert np.isnan(n.distance_to_max(const)).all()
        assert np.isnan(n.zscore(const)).all()
        assert np.isnan(n.zscore(arr(1, nan))).all()  # one value: no sd
        assert np.isnan(n.percent_rank(arr(1, nan))).all()
        assert np.isnan(n.distance_to_reference(X, 2.0)).all()  # the reference is the minimum
        assert np.isnan(n.distance_to_reference(X, nan)).all()
        assert np.isnan(n.fraction_of_max(arr(-1, 0, nan))).all()  # max 0
        assert np.isnan(n.goalposts(X, 5, 5)).all()
    np.testing.assert_array_equal(n.rank(const), [1, 1, nan, 1])


values = st.lists(st.floats(-1e9, 1e9, allow_nan=False), min_size=2, max_size=50)


@given(values, st.floats(-100, 100), st.floats(1, 200))
def test_minmax_in_range_and_monotone(v: list[float], lo: float, width: float) -> None:
    x = np.array(v)
    hi = lo + width
    y = n.minmax(x, lo, hi)
    if np.ptp(x) == 0:
        assert np.isnan(y).all()
        return
    tol = 1e-9 * (abs(lo) + abs(hi))
    assert (y >= lo - tol).all() and (y <= hi + tol).all()
    order = np.argsort(x, kind="stable")
    assert (np.diff(y[order]) >= -tol).all()
    assert y[np.argmin(x)] == pytest.approx(lo) and y[np.argmax(x)] == pytest.approx(hi)


@given(values)
def test_distance_to_max_is_minmax_on_0_100(v: list[float]) -> None:
    # COINr n_dist2max equals n_minmax with l_u = c(0, 1)
    x = np.array(v)
    np.testing.assert_allclose(n.distance_to_max(x), n.minmax(x), atol=1e-9)


@given(values, st.permutations(range(50)))
def test_row_order_does_not_matter(v: list[float], perm: list[int]) -> None:
    x = np.array(v)
    p = np.array([i for i in perm if i < len(x)])
    for f in ALL:
        np.testing.assert_allclose(f(x)[p], f(x[p]), rtol=1e-9, atol=1e-9)
