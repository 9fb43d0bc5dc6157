"""mujun.dates: a date is read only from a year, month and day the cell states, within a
plausible range; no value raises, and nothing comes from the clock."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mujun import dates, values


def read(*items: Any) -> tuple[list[Any], list[bool], list[bool]]:
    parsed = values.dates(pd.Series(list(items), dtype=object))
    return parsed.values.tolist(), parsed.bad.tolist(), parsed.notes["implausible-date"].tolist()


@pytest.mark.parametrize(
    "cell", ["12:30", "today", "now", "tomorrow", "5月1日", "3月", "2019年5月", "-1", "1e10", "inf",
             "2019-02-30", "2019-13-01", "2019-05-01 25:00", dt.time(12, 30), dt.timedelta(1), True]
)  # fmt: skip
def test_cells_that_state_no_date_are_unreadable(cell: Any) -> None:
    got, bad, implausible = read(cell)
    assert pd.isna(got[0]) and bad == [True] and implausible == [False]


@pytest.mark.parametrize(
    "cell", ["9999-12-31", "1500-01-01", "1899-12-31", "0001-01-01", "2201-01-01", 99991231,
             15000101, -1, 0.5, 1e10, dt.datetime(9999, 12, 31), dt.date(1500, 1, 1),
             pd.Timestamp("1800-01-01")]
)  # fmt: skip
def test_dates_out_of_range_are_implausible(cell: Any) -> None:
    got, bad, implausible = read(cell)
    assert pd.isna(got[0]) and bad == [False] and implausible == [True]


def test_typed_timestamps_of_any_unit_and_zone() -> None:
    stamps = pd.Series(["9999-12-31", "2019-05-01", None], dtype="datetime64[s]")
    parsed = values.dates(stamps)
    assert parsed.values.isna().tolist() == [True, False, True]
    assert parsed.notes["implausible-date"].tolist() == [True, False, False]
    zoned = pd.Series(pd.to_datetime(["2019-05-01 08:00"]).tz_localize("Asia/Shanghai"))
    assert values.dates(zoned).values.tolist() == [pd.Timestamp("2019-05-01 08:00")]


def test_after_year_is_measured_from_each_rows_year() -> None:
    found = pd.Series(pd.to_datetime(["2023-12-31", "2024-01-01", "2024-01-01", None]))
    years = pd.Series([2022, 2022, None, 2022], dtype="Int64")
    assert dates.after_year(found, years).tolist() == [False, True, True, False]
    assert not dates.after_year(found, None).any()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=24), st.floats(), st.integers(), st.none(),
                          st.datetimes(), st.dates(), st.times()), max_size=12))  # fmt: skip
@example([float("nan"), float("inf"), " ", "9999-12-31", dt.datetime.max, 2**70])
def test_no_cell_raises_and_every_cell_is_accounted_for(items: list[Any]) -> None:
    parsed = values.dates(pd.Series(items, dtype=object))
    read_ok = parsed.values.notna().to_numpy()
    implausible = parsed.notes["implausible-date"]
    assert not (read_ok & (parsed.bad | implausible)).any()
    assert not (parsed.bad & implausible).any()
    stamps = parsed.values.to_numpy(dtype="datetime64[ns]")[read_ok]
    assert (stamps >= np.datetime64("1900-01-01")).all()
    assert (stamps < np.datetime64(f"{dates.LATEST_YEAR + 1}-01-01")).all()
    blank = pd.Series(items, dtype=object).map(lambda c: pd.isna(c) or str(c).strip() == "")
    assert (read_ok | parsed.bad | implausible | blank.to_numpy(dtype=bool)).all()
