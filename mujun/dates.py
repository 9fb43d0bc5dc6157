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

EARLIEST = pd.Timestamp("1900-01-01")  # before it: no firm of today was founded
LATEST_YEAR = 2200  # no data year comes near it; pandas' nanoseconds end in 2262
_TIME = r"(?:[ T]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?)?"
_ZONE = r"(?:Z|[+-]\d{2}:?\d{2})?"
_SPELLED = (
    r"^(?P<year>\d{4})\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*日?"
    + _TIME
    + _ZONE
    + "$"
)
_COMPACT = r"^(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})" + _TIME + "$"
_PARTS = ("year", "month", "day", "hour", "minute", "second")
_SERIAL_DAYS = (1.0, 110000.0)  # Excel serials of 1899-12-31 … 2201: never out of range
_EXCEL_EPOCH = np.datetime64("1899-12-30", "ns")
_DATE_TYPES = (dt.date, pd.Timestamp, np.datetime64)
_NUMBER_TYPES = (float, int, np.floating, np.integer)


def read_dates(cells: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """(dates, unreadable, implausible) of a column: dates as datetime64[ns] with NaT where a
    cell is blank, unreadable or implausible; the two masks name the cells of each kind."""
    n = len(cells)
    if pd.api.types.is_datetime64_any_dtype(cells):
        return _typed(cells)
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    given = cells.notna().to_numpy(dtype=bool, copy=True)
    if cells.dtype == object:  # workbook cells: each of its own type
        kinds = cells.map(type)
        is_date = _of_types(kinds, _DATE_TYPES)
        is_num = _of_types(kinds, _NUMBER_TYPES) & ~_of_types(kinds, (bool, np.bool_))
    else:
        is_date = np.zeros(n, dtype=bool)
        numeric = pd.api.types.is_numeric_dtype(cells) and not pd.api.types.is_bool_dtype(cells)
        is_num = np.full(n, numeric) & given
    far = np.zeros(n, dtype=bool)  # a date stated, but out of range (year 9999, serial -1)
    if is_num.any():
        serial = pd.to_numeric(cells[is_num], errors="coerce").to_numpy(dtype=float)
        got, beyond = _from_serial(serial)
        compact = np.isfinite(serial) & (serial >= 1e7) & (serial < 1e8)
        compact[compact] = serial[compact] % 1 == 0
        if compact.any():  # 20190501 typed as a number
            text = pd.Series(serial[compact].astype(np.int64).astype(str), dtype=object)
            got[compact], beyond[compact] = _from_text(text)
        out[is_num], far[is_num] = got, beyond
    other = given & ~is_num
    if other.any():
        raw = cells[other]
        text = raw.astype(str).where(is_date[other], raw.astype(str).str.strip())
        out[other], far[other] = _from_text(text)
        given[other] = (text != "").to_numpy(dtype=bool)  # a cell of spaces is blank
    return _bounded(out, given, far)


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


def _from_text(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Dates from text stating year, month and day (see the module docstring), NaT else; and
    which texts state a year out of range."""
    data = pa.array(text.to_numpy(dtype=object), pa.string(), from_pandas=True)
    if not pc.all(pc.string_is_ascii(data)).as_py():
        data = pc.utf8_normalize(data, "NFKC")  # full-width digits and separators
    out = np.full(len(data), np.datetime64("NaT"), dtype="datetime64[ns]")
    far = np.zeros(len(data), dtype=bool)
    todo = np.ones(len(data), dtype=bool)
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
