"""Outlier treatment as COINr's default Treat(): the estimators, the check, winsorising one
step at a time, and log_CT of the original values when winsorising is not enough."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.stats
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mujun.engine.treat import check, log_ct, skew_kurtosis, winsorise

nan = np.nan


def arr(*values: float) -> np.ndarray:
    return np.array(values, dtype=float)


# ---- estimators and the check ------------------------------------------------------------------


def test_skew_kurtosis_by_hand() -> None:
    # x = 1, 2, 3, 4, 10: mean 4, d = −3, −2, −1, 0, 6; Σd² = 50, Σd³ = 180, Σd⁴ = 1394; n = 5
    # skew = √5 · 180 / 50^1.5 · √(5·4) / 3 = 1800 / (3 · 50√50) = 12 / √50 = 1.697056…
    # r = 5 · 1394 / 50² = 2.788; kurt = (6 · (2.788 − 3) + 6) · 4 / (3 · 2) = 4.728 · 4 / 6 = 3.152
    sk, kt = skew_kurtosis(arr(1, 2, 3, 4, 10, nan))  # the NaN is ignored
    assert sk == pytest.approx(12 / np.sqrt(50))
    assert kt == pytest.approx(3.152)


def test_skew_kurtosis_undefined() -> None:
    # skew needs 3 values, kurtosis 4, both some spread (COINr: NA)
    assert np.isnan(skew_kurtosis(arr(1, 2))).all()
    sk, kt = skew_kurtosis(arr(1, 2, 4))
    assert np.isfinite(sk) and np.isnan(kt)
    assert np.isnan(skew_kurtosis(arr(5, 5, 5, 5, nan))).all()
    assert np.isnan(skew_kurtosis(np.full(4, nan))).all()


finite = st.floats(-1e6, 1e6, allow_nan=False)


@given(st.lists(finite, min_size=4, max_size=40), st.lists(st.booleans(), min_size=40))
def test_skew_kurtosis_match_scipy_type_2(values: list[float], holes: list[bool]) -> None:
    x = np.array(values)
    assume(np.ptp(x) > 1e-3 * max(1.0, np.abs(x).max()))
    with_nan = np.where(np.array(holes[: len(x)]), nan, x)
    kept = with_nan[~np.isnan(with_nan)]
    assume(len(kept) >= 4 and np.ptp(kept) > 1e-3 * max(1.0, np.abs(kept).max()))
    sk, kt = skew_kurtosis(with_nan)
    assert sk == pytest.approx(scipy.stats.skew(kept, bias=False), rel=1e-7, abs=1e-9)
    assert kt == pytest.approx(
        scipy.stats.kurtosis(kept, fisher=True, bias=False), rel=1e-7, abs=1e-9
    )


def test_check_is_skew_or_kurtosis_with_r_na_logic() -> None:
    # passes when |skew| < 2 OR kurtosis < 3.5: fails only when both are beyond
    assert check(2.5, 3.0, 2.0, 3.5) is True
    assert check(-1.0, 9.0, 2.0, 3.5) is True
    assert check(-2.0, 3.5, 2.0, 3.5) is False  # the limits themselves fail
    assert check(1.0, nan, 2.0, 3.5) is True  # TRUE | NA is TRUE in R
    assert check(3.0, nan, 2.0, 3.5) is None  # FALSE | NA is NA
    assert check(nan, nan, 2.0, 3.5) is None


# ---- winsorising -------------------------------------------------------------------------------


def test_coinr_vignette_one_point() -> None:
    # COINr's treat vignette: x = 1:10, 30, 100 (skew 3.06, kurtosis 9.74: fails); one step
    # sets 100 to the next highest, 30; then skew 1.71 < 2: passes
    x = arr(*range(1, 11), 30, 100)
    t = winsorise(x)
    assert t.skew_before == pytest.approx(3.0632410, abs=1e-6)
    assert t.kurtosis_before == pytest.approx(9.7413908, abs=1e-6)
    np.testing.assert_array_equal(t.values, [*range(1, 11), 30, 30])
    assert t.high.tolist() == [False] * 11 + [True] and not t.low.any()
    assert t.passed and not t.log and t.winsorised == 1
    assert abs(t.skew_after) < 2


def test_coinr_test_low_side() -> None:
    # COINr's own test data c(1:10, −100): negative skew, so the minimum −100 is set to the
    # next lowest, 1, after which the values pass
    t = winsorise(arr(*range(1, 11), -100), max_points=2)
    np.testing.assert_array_equal(t.values, [*range(1, 11), 1])
    assert t.low.tolist() == [False] * 10 + [True] and not t.high.any()
    assert t.passed and t.skew_before < -2


def test_steps_recount_the_points_at_the_extreme() -> None:
    # 1:20, 100, 200: step 1 sets 200 → 100 (still failing: two points at 100); step 2 sets
    # both 100s → 20 (COINr re-counts the points now at the maximum: 2), then it passes
    x = arr(*range(1, 21), 100, 200)
    t = winsorise(x)
    np.testing.assert_array_equal(t.values, [*range(1, 21), 20, 20])
    assert t.winsorised == 2 and t.high[-2:].all() and t.passed


def test_limit_reached_logs_the_original_values() -> None:
    # COINr's test: 1:20, 100, 200 with winmax = 1 fails after one step; log_CT is then applied
    # to the ORIGINAL values: log(x − 1 + 0.01 × (200 − 1)) = log(x − 1 + 1.99)
    x = arr(*range(1, 21), 100, 200)
    t = winsorise(x, max_points=1)
    assert t.log and not t.low.any() and not t.high.any()
    np.testing.assert_allclose(t.values, np.log(x - 1 + 1.99))
    assert t.values[0] == pytest.approx(np.log(1.99))
    sk, kt = skew_kurtosis(t.values)
    assert (t.skew_after, t.kurtosis_after) == (sk, kt)
    assert t.passed == bool(check(sk, kt, 2.0, 3.5))


def test_limit_reached_without_log_keeps_the_winsorised_values() -> None:
    # COINr's test with f2 undefined: winmax = 1 → 200 set to 100, still failing
    x = arr(*range(1, 21), 100, 200)
    t = winsorise(x, max_points=1, log=False)
    np.testing.assert_array_equal(t.values, [*range(1, 21), 100, 100])
    assert not t.passed and not t.log and t.winsorised == 1 and t.high[-1]


def test_zero_points_go_straight_to_the_log() -> None:
    # COINr's vignette: winmax = 0 forces the log transform of a failing indicator
    x = arr(*range(1, 11), 30, 100)
    t = winsorise(x, max_points=0)
    assert t.log
    np.testing.assert_allclose(t.values, log_ct(x))


def test_ties_at_the_top_are_winsorised_together() -> None:
    # 1:20 and 300, 300: one step sets both 300s to 20 (two points at once)
    t = winsorise(arr(*range(1, 21), 300, 300))
    np.testing.assert_array_equal(t.values, [*range(1, 21), 20, 20])
    assert t.winsorised == 2 and t.passed


def test_missing_values_stay_missing() -> None:
    t = winsorise(arr(nan, *range(1, 11), 100, nan))
    assert np.isnan(t.values[[0, -1]]).all()
    assert t.values[-2] == 10 and t.high[-2] and not t.high[[0, -1]].any()


def test_passing_undefined_and_collapsing_indicators_are_untreated() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning on empty or constant columns
        for x in (arr(1, 2, 3, 4, 5), np.full(6, nan), arr(7, 7, 7, 7), arr(1, 2), arr()):
            t = winsorise(x)
            np.testing.assert_array_equal(t.values, x)
            assert t.passed and not t.log and t.winsorised == 0
        # 1, 1, 1, 1, 100 fails (skew √5 = 2.236, kurtosis 5): one step leaves all equal, the
        # check is then undefined and COINr returns the indicator untreated
        x = arr(1, 1, 1, 1, 100)
        t = winsorise(x)
    assert t.skew_before == pytest.approx(np.sqrt(5)) and t.kurtosis_before == pytest.approx(5)
    np.testing.assert_array_equal(t.values, x)
    assert not t.passed and not t.log and t.winsorised == 0


def test_log_ct_by_hand() -> None:
    # x = 2, 4, 12: min 2, range 10 → log(0 + 0.1), log(2.1), log(10.1)
    np.testing.assert_allclose(log_ct(arr(2, 4, nan, 12)), np.log([0.1, 2.1, nan, 10.1]))
    assert np.isnan(log_ct(np.full(3, nan))).all()


# ---- properties --------------------------------------------------------------------------------


skewed = st.lists(
    st.one_of(st.floats(0, 10), st.floats(0, 1e4)), min_size=5, max_size=60, unique=True
)


@settings(max_examples=200)
@given(skewed, st.integers(0, 8), st.booleans())
def test_winsorised_values_stay_in_range_and_order(
    values: list[float], max_points: int, log: bool
) -> None:
    x = np.array(values)
    t = winsorise(x, max_points=max_points, log=log)
    if t.log:  # the log transform of the original values: nothing winsorised
        np.testing.assert_allclose(t.values, log_ct(x))
        assert t.winsorised == 0
        return
    y = t.values
    assert y.min() >= x.min() and y.max() <= x.max()
    order = np.argsort(x)
    assert (np.diff(y[order]) >= 0).all()  # the order of the values is kept (ties aside)
    changed = y != x
    assert changed.sum() <= max_points  # distinct values: one more point per step
    np.testing.assert_array_equal(changed, t.low | t.high)
    assert (y[t.high] < x[t.high]).all() and (y[t.low] > x[t.low]).all()


@given(skewed)
def test_a_passing_indicator_is_unchanged(values: list[float]) -> None:
    x = np.array(values)
    sk, kt = skew_kurtosis(x)
    if check(sk, kt, 2.0, 3.5) is not False:
        t = winsorise(x)
        np.testing.assert_array_equal(t.values, x)
        assert t.passed and t.winsorised == 0 and not t.log


@given(skewed, st.randoms(use_true_random=False))
def test_row_order_does_not_matter(values: list[float], rnd: object) -> None:
    x = np.array(values)
    perm = np.arange(len(x))
    rnd.shuffle(perm)  # type: ignore[attr-defined]
    a, b = winsorise(x), winsorise(x[perm])
    np.testing.assert_allclose(a.values[perm], b.values)
    np.testing.assert_array_equal(a.high[perm], b.high)
    assert (a.log, a.passed) == (b.log, b.passed)
