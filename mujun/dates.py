"""Dates as people type them → datetime64[ns], vectorised, never failing on a strange value.

A date is read only from a year, a month and a day that the cell states: '2019-05-01',
'2019/5/1', '2019年5月1日', '2019.5.1', '20190501' (with or without a time of day), a workbook
date, or an Excel serial number. Nothing is filled in from the clock: '12:30', 'today', '5月1日'
or a workbook time cell name no day, so they are unreadable. A date before 1900 or after the data
year's next year (a firm founded in the future, '9999-12-31' for 长期) is implausible. Both end
as missing, each with an issue on its row; no value can raise (pandas' nanosecond range ends in
2262, so years are bounded before any date is built).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .arrowtext import byte_lengths, strings_of

EARLIEST = pd.Timestamp("1900-01-01")  # before it: no firm of today was founded
LATEST_YEAR = 2200  # no data year comes near it; pandas' nanoseconds end in 2262
_TIME = r"(?:[ T]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?)?"
_ZONE = r"(?:\s*(?:Z|[+-]\d{2}:?\d{2}))?"
_SPELLED = (
    r"^(?P<year>\d{4})\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*日?"
    + _TIME
    + _ZONE
    + "$"
)
_ISO = r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?$"
_COMPACT = r"^(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})" + _TIME + "$"
_PARTS = ("year", "month", "day", "hour", "minute", "second")
_SERIAL_DAYS = (1.0, 110000.0)  # Excel serials of 1899-12-31 … 2201: never out of range
_EXCEL_EPOCH = np.datetime64("1899-12-30", "ns")
_DATE_TYPES = (dt.date, pd.Timestamp, np.datetime64)
_NUMBER_TYPES = (float, int, np.floating, np.integer)


def read_dates(cells: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """(dates, unreadable, implausible) of a column: dates as datetime64[ns] with NaT where a
    cell is blank, unreadable or implausible; the two masks name the cells of each kind."""
    if pd.api.types.is_datetime64_any_dtype(cells):
        return _typed(cells)
    at, distinct = pd.factorize(cells, use_na_sentinel=True)  # few distinct dates: each read once
    if len(distinct) == len(cells):
        return _read_cells(cells)
    got, unreadable, implausible = _read_cells(pd.Series(np.asarray(distinct, dtype=object)))
    # a blank cell's position is -1: the last of each array, appended as blank
    out = np.r_[got.to_numpy(dtype="datetime64[ns]"), np.datetime64("NaT", "ns")][at]
    return pd.Series(out), np.r_[unreadable, False][at], np.r_[implausible, False][at]


def _read_cells(cells: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """`read_dates` of a column not typed as dates, by kind of cell: numbers (serials, or
    20190501), dates, text; any other cell (a time of day, a yes/no) states no date."""
    n = len(cells)
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    given = cells.notna().to_numpy(dtype=bool, copy=True)
    far = np.zeros(n, dtype=bool)  # a date stated, but out of range (year 9999, serial -1)
    if cells.dtype == object:  # workbook cells: each of its own type
        kinds = cells.map(type)
        is_date = _of_types(kinds, _DATE_TYPES)
        is_num = _of_types(kinds, _NUMBER_TYPES) & ~_of_types(kinds, (bool, np.bool_))
        is_text = _of_types(kinds, (str,))
    else:
        kinds = pd.Series(dtype=object)
        numeric = pd.api.types.is_numeric_dtype(cells) and not pd.api.types.is_bool_dtype(cells)
        is_date = np.zeros(n, dtype=bool)
        is_num = np.full(n, numeric) & given
        is_text = ~is_num & given
    if is_num.any():
        serial = pd.to_numeric(cells[is_num], errors="coerce").to_numpy(dtype=float)
        got, beyond = _from_serial(serial)
        compact = np.isfinite(serial) & (serial >= 1e7) & (serial < 1e8)
        compact[compact] = serial[compact] % 1 == 0
        if compact.any():  # 20190501 typed as a number
            text = pa.array(serial[compact].astype(np.int64).astype(str), pa.string())
            got[compact], beyond[compact] = _from_text(text)
        out[is_num], far[is_num] = got, beyond
    if is_date.any():
        out[is_date], far[is_date] = _from_objects(cells[is_date], kinds[is_date])
    if is_text.any():
        text = cells[is_text]
        if text.dtype == object:  # str cells: taken by pyarrow as they are
            data = pa.array(text.to_numpy(dtype=object), pa.string())
        else:
            data = strings_of(text)
        data = pc.utf8_trim_whitespace(data)
        out[is_text], far[is_text] = _from_text(data)
        given[is_text] = (byte_lengths(data) > 0) & given[is_text]  # a cell of spaces is blank
    return _bounded(out, given, far)


def _from_objects(cells: pd.Series, kinds: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Workbook dates and datetimes (and pandas or numpy ones): through pyarrow's microsecond
    timestamps, which hold years 1 to 9999, so that no year can overflow."""
    stamps = np.full(len(cells), np.datetime64("NaT"), dtype="datetime64[us]")
    for kind in kinds.unique():  # a loop over the few types of date a workbook hands over
        rows = (kinds == kind).to_numpy()
        items = cells[rows].to_numpy(dtype=object)
        wanted = pa.date32() if kind is dt.date else pa.timestamp("us")
        try:
            taken = pa.array(items, wanted, from_pandas=True).cast(pa.timestamp("us"))
            stamps[rows] = taken.to_numpy(zero_copy_only=False)
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            text = pa.array([str(v) for v in items], pa.string())  # rare types: few cells
            got, far = _from_text(text)
            stamps[rows] = np.where(far, np.datetime64("0001-01-01"), got).astype(stamps.dtype)
    years = stamps.astype("datetime64[Y]").astype(np.int64) + 1970
    read = ~np.isnat(stamps)
    fits = read & (years >= EARLIEST.year) & (years <= LATEST_YEAR)
    out = np.full(len(cells), np.datetime64("NaT"), dtype="datetime64[ns]")
    out[fits] = stamps[fits].astype("datetime64[ns]")
    return out, read & ~fits


def _of_types(kinds: pd.Series, types: tuple[type, ...]) -> np.ndarray:
    """Which cells are of one of `types` (each distinct type looked at once)."""
    wanted = [k for k in kinds.unique() if issubclass(k, types)]
    return kinds.isin(wanted).to_numpy(dtype=bool)


def _typed(cells: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """A column typed as dates already (Parquet timestamps), in whatever unit and zone."""
    if isinstance(cells.dtype, pd.DatetimeTZDtype):
        cells = cells.dt.tz_localize(None)
    given = cells.notna().to_numpy(dtype=bool)
    years = cells.dt.year.to_numpy(dtype=float, na_value=np.nan)
    fits = given & (years >= EARLIEST.year) & (years <= LATEST_YEAR)
    out = np.full(len(cells), np.datetime64("NaT"), dtype="datetime64[ns]")
    out[fits] = cells[fits].to_numpy().astype("datetime64[ns]")
    return _bounded(out, given, given & ~fits)


def _from_serial(serial: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Excel serial numbers (days since 1899-12-30, a fraction being the time of day), and
    which finite numbers lie outside the serials of plausible dates."""
    out = np.full(len(serial), np.datetime64("NaT"), dtype="datetime64[ns]")
    fits = (serial >= _SERIAL_DAYS[0]) & (serial < _SERIAL_DAYS[1])  # False for NaN, ±inf
    nanoseconds = np.round(serial[fits] * 86400e9).astype(np.int64)
    out[fits] = _EXCEL_EPOCH + nanoseconds.astype("timedelta64[ns]")
    return out, np.isfinite(serial) & ~fits


def _from_text(data: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Dates from text stating year, month and day (see the module docstring), NaT else; and
    which texts state a year out of range."""
    if not pc.all(pc.string_is_ascii(data)).as_py():
        data = pc.utf8_normalize(data, "NFKC")  # full-width digits and separators
    out = np.full(len(data), np.datetime64("NaT"), dtype="datetime64[ns]")
    far = np.zeros(len(data), dtype=bool)
    todo = np.ones(len(data), dtype=bool)
    iso = pc.fill_null(pc.match_substring_regex(data, _ISO), False).to_numpy(zero_copy_only=False)
    if iso.any():  # the usual form, parsed by pandas at once
        rows = np.flatnonzero(iso)
        stamps = pd.to_datetime(
            pd.Series(data.take(pa.array(rows)).to_numpy(zero_copy_only=False)),
            format="ISO8601",
            errors="coerce",
        ).to_numpy(dtype="datetime64[us]")
        years = stamps.astype("datetime64[Y]").astype(np.int64) + 1970
        fits = ~np.isnat(stamps) & (years >= EARLIEST.year) & (years <= LATEST_YEAR)
        out[rows[fits]] = stamps[fits].astype("datetime64[ns]")
        todo[rows[fits]] = False
    for pattern in (_SPELLED, _COMPACT):  # a loop over the two forms
        rows = np.flatnonzero(todo)
        if not len(rows):
            break
        found = pc.extract_regex(data.take(pa.array(rows)), pattern)
        hit = found.is_valid().to_numpy(zero_copy_only=False)
        if not hit.any():
            continue
        parts = {p: _numbers(found.field(p)) for p in _PARTS}
        out[rows[hit]], far[rows[hit]] = _assemble({p: v[hit] for p, v in parts.items()})
        todo[rows[hit]] = False
    return out, far


def _numbers(column: pa.Array) -> np.ndarray:
    """Digits as floats (an empty or missing group: NaN)."""
    digits = pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)
    return pc.cast(digits, pa.float64()).to_numpy(zero_copy_only=False)


def _assemble(parts: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Datetimes from their parts, NaT where a part is out of range (month 13, 30 February,
    hour 25); and where the year lies outside what `_bounded` accepts (then NaT too)."""
    clock = {p: np.nan_to_num(parts[p], nan=0.0) for p in ("hour", "minute", "second")}
    year = parts["year"]
    far = (year < EARLIEST.year) | (year > LATEST_YEAR)
    fits = ~far & (clock["hour"] < 24) & (clock["minute"] < 60) & (clock["second"] < 60)
    out = np.full(len(fits), np.datetime64("NaT"), dtype="datetime64[ns]")
    if not fits.any():
        return out, far
    frame = pd.DataFrame({p: parts[p][fits] for p in ("year", "month", "day")})
    days = pd.to_datetime(frame, errors="coerce").to_numpy(dtype="datetime64[ns]")
    seconds = clock["hour"][fits] * 3600 + clock["minute"][fits] * 60 + clock["second"][fits]
    out[fits] = days + (seconds * 1e9).astype(np.int64).astype("timedelta64[ns]")
    return out, far


def _bounded(
    out: np.ndarray, given: np.ndarray, far: np.ndarray
) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Dates read, with those before 1900 or after LATEST_YEAR (and the `far` ones, stated
    but never built) set apart as implausible; any other given cell that gave no date is
    unreadable."""
    read = ~np.isnat(out)
    late = np.datetime64(f"{LATEST_YEAR + 1}-01-01", "ns")
    implausible = far | (read & ((out < EARLIEST.to_datetime64()) | (out >= late)))
    out[implausible] = np.datetime64("NaT")
    unreadable = given & ~read & ~implausible
    return pd.Series(out), unreadable, implausible


def after_year(dates: pd.Series, years: pd.Series | None) -> np.ndarray:
    """Dates after the end of the year after their row's data year (rows without a year: the
    latest year of the table): a firm cannot be founded in the future."""
    if years is None:
        return np.zeros(len(dates), dtype=bool)
    year = pd.to_numeric(years, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(year).all():
        return np.zeros(len(dates), dtype=bool)
    year = np.where(np.isnan(year), np.nanmax(year), year)
    stamp = dates.to_numpy(dtype="datetime64[ns]")
    read = ~np.isnat(stamp)
    found = np.zeros(len(dates), dtype=bool)
    found[read] = stamp[read].astype("datetime64[Y]").astype(np.int64) + 1970 > year[read] + 1
    return found
