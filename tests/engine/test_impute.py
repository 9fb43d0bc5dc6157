"""Imputation as COINr's i_mean / i_median (by group) and impute_panel("latest"): known
answers by hand; present values never change; the mask is exactly the cells filled."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mujun.engine.impute import group_fill, previous_fill

nan = np.nan


def arr(*values: float) -> np.ndarray:
    return np.array(values, dtype=float)


def test_column_mean_and_median_by_hand() -> None:
    # present 1, 2, 9: mean 4, median 2
    x = arr(1, nan, 2, 9, nan)
    filled, mask = group_fill(x, None, "mean")
    np.testing.assert_array_equal(filled, [1, 4, 2, 9, 4])
    assert mask.tolist() == [False, True, False, False, True]
    filled, _ = group_fill(x, None, "median")
    np.testing.assert_array_equal(filled, [1, 2, 2, 9, 2])


def test_group_mean_by_hand() -> None:
    # Asia: 1, 3 → mean 2; Europe: 10, 20, 60 → mean 30, median 20; the unit without a group
    # stays missing (COINr skip_f_na); group "Other" has no value: stays missing
    x = arr(1, nan, 3, 10, 20, 60, nan, nan, nan)
    g = np.array(
        ["Asia", "Asia", "Asia", "Europe", "Europe", "Europe", "Europe", None, "Other"],
        dtype=object,
    )
    filled, mask = group_fill(x, g, "mean")
    np.testing.assert_array_equal(filled, [1, 2, 3, 10, 20, 60, 30, nan, nan])
    assert mask.tolist() == [False, True, False, False, False, False, True, False, False]
    filled, _ = group_fill(x, g, "median")
    assert filled[6] == 20 and filled[1] == 2


def test_numeric_groups_and_nan_group_labels() -> None:
    filled, mask = group_fill(arr(1, nan, 5, nan), arr(1, 1, 2, nan), "mean")
    np.testing.assert_array_equal(filled, [1, 1, 5, nan])
    assert mask.tolist() == [False, True, False, False]


def test_all_missing_and_unknown_stat() -> None:
    filled, mask = group_fill(np.full(3, nan), None, "mean")
    assert np.isnan(filled).all() and not mask.any()
    with pytest.raises(ValueError, match="插补"):
        group_fill(arr(1, nan), None, "mode")
    with pytest.raises(ValueError):
        group_fill(arr(1, nan), np.array(["a"], dtype=object), "mean")


def test_previous_year_by_hand() -> None:
    # this year 5, –, –, 7; last year 4, 6, –, 8 → 5, 6, –, 7: only the missing cell with a value
    # last year is filled
    filled, mask = previous_fill(arr(5, nan, nan, 7), arr(4, 6, nan, 8))
    np.testing.assert_array_equal(filled, [5, 6, nan, 7])
    assert mask.tolist() == [False, True, False, False]
    with pytest.raises(ValueError):
        previous_fill(arr(1, 2), arr(1))


cells = st.lists(
    st.tuples(st.one_of(st.none(), st.floats(-1e6, 1e6)), st.sampled_from(["a", "b", "c", None])),
    min_size=1,
    max_size=40,
)


@given(cells, st.sampled_from(["mean", "median"]), st.booleans())
def test_present_values_kept_and_every_fill_marked(
    rows: list[tuple[float | None, str | None]], stat: str, grouped: bool
) -> None:
    x = np.array([nan if v is None else v for v, _ in rows])
    g = np.array([k for _, k in rows], dtype=object) if grouped else None
    filled, mask = group_fill(x, g, stat)
    present = ~np.isnan(x)
    np.testing.assert_array_equal(filled[present], x[present])
    np.testing.assert_array_equal(mask, ~present & ~np.isnan(filled))
    # a filled value is its group's statistic of the present values
    labels = g if g is not None else np.full(len(x), "all", dtype=object)
    for i in np.flatnonzero(mask):
        peers = x[(labels == labels[i]) & present]
        want = peers.mean() if stat == "mean" else np.median(peers)
        assert filled[i] == pytest.approx(want, rel=1e-9, abs=1e-9)
