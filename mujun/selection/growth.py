"""Growth features of every firm from a multi-year panel, vectorised (DOMAIN §7).

The window is the `window` years ending with the evaluation year. Per firm, sorted by credit code:

- `cagr_<x>` for revenue, tax and value added: (x_last / x_first) ** (1 / span) − 1 between the
  window's first and last year (span = their distance in years). Undefined, and flagged, when
  either year is missing, the base is not positive or the last value is negative.
- `trend_revenue`: exp(b) − 1, b the least-squares slope of ln(revenue) on the year over every
  year of the window the firm reported (gaps allowed, at least three years, all positive);
  `volatility_revenue` the standard deviation of that fit's residuals (k − 2 degrees of freedom).
- `tax_share`, `revenue_share`: the firm's share of the county total in the evaluation year.
- `class`, `status`, `total_score`, `tier` and `veto_reason` of the evaluation year, when an
  evaluation is given.

An undefined feature stays NaN and `flags` says which and why, never 0 and never an infinite
rate: `<feature>:no-base` (no value in the window's first year), `no-latest` (none in the last),
`base-not-positive`, `latest-negative`, `too-few-years` (a trend needs three), `not-positive`
(a year without a logarithm), `county-total-not-positive`; `total_score:not-evaluated`; and
`panel:duplicate-year` when a firm-year is given twice (that year is then left out, since which
copy is right is unknown). `growth_latest` is the last year's revenue growth, a fallback for
小升规 projections. Sums run in credit-code order, so row order changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import values
from ..engine.evaluation import Evaluation
from ..errors import DataError
from ..fields import label
from ..table import EnterpriseTable

GROWTH_COLUMNS = (
    "credit_code",
    "cagr_revenue",
    "cagr_tax",
    "cagr_value_added",
    "trend_revenue",
    "volatility_revenue",
    "tax_share",
    "revenue_share",
)
_CAGR = {"revenue": "cagr_revenue", "tax_paid": "cagr_tax", "value_added": "cagr_value_added"}
_SHARE = {"revenue": "revenue_share", "tax_paid": "tax_share"}
MIN_TREND_YEARS = 3


@dataclass(frozen=True)
class Growth:
    """`table`: one row per firm (credit-code order) with identity, the evaluation year's figures,
    the growth features and flags. `latest`: the evaluation year's input row of each firm, aligned
    with `table` (all missing for a firm absent that year). `years`: the window."""

    table: pd.DataFrame
    latest: pd.DataFrame
    years: tuple[int, ...]


def growth_features(
    panel: EnterpriseTable | pd.DataFrame,
    year: int,
    window: int = 3,
    evaluation: Evaluation | None = None,
) -> Growth:
    """Growth features over the `window` years ending with `year`; see the module docstring."""
    frame = panel.frame if isinstance(panel, EnterpriseTable) else panel
    for needed in ("credit_code", "year", "revenue"):
        if needed not in frame.columns:
            raise DataError(f"成长画像需要多年数据，但数据中没有“{label(needed)}”列")
    first_year = year - window + 1
    years = frame["year"].to_numpy(dtype=float, na_value=np.nan)
    codes = frame["credit_code"].astype("string")
    if not isinstance(panel, EnterpriseTable):  # as read: trimmed, upper-cased, as evaluate does
        codes = values.credit_codes(frame["credit_code"]).values.astype("string")
    keep = codes.notna().to_numpy() & (years >= first_year) & (years <= year)
    seen = sorted({int(y) for y in years[keep]})
    if first_year not in seen or year not in seen or len(seen) < MIN_TREND_YEARS:
        have = "、".join(map(str, seen)) or "无"
        raise DataError(
            f"成长画像需要{first_year}—{year}年共{window}年的数据（selection.window = {window}，"
            f"首尾两年必须有），数据中这几年只有：{have}年。请补充历年数据，或调小 selection.window"
        )
    rows = np.flatnonzero(keep)
    firm_codes, firm = np.unique(
        codes.to_numpy(dtype=object)[rows].astype(str), return_inverse=True
    )
    t = years[rows].astype(np.int64) - first_year
    n, width = len(firm_codes), window
    order = np.lexsort((rows, t, firm))
    rows, firm, t = rows[order], firm[order], t[order]
    cell = firm * width + t
    copies = np.bincount(cell, minlength=n * width)[cell]
    flags = _Flags(n)  # a firm-year given twice is left out: which copy is right is unknown
    flags.add(np.bincount(firm[copies > 1], minlength=n) > 0, "panel", "duplicate-year")
    single = copies == 1
    rows, firm, t = rows[single], firm[single], t[single]

    def matrix(column: str) -> np.ndarray:
        out = np.full((n, width), np.nan)
        if column in frame.columns:
            out[firm, t] = frame[column].to_numpy(dtype=float, na_value=np.nan)[rows]
        return out

    table = pd.DataFrame({"credit_code": pd.array(firm_codes, dtype="string")})
    at_last = np.full(n, -1, dtype=np.int64)
    at_last[firm[t == width - 1]] = rows[t == width - 1]
    present = np.flatnonzero(at_last >= 0)
    latest = frame.iloc[at_last[present]].set_axis(present).reindex(range(n))  # absent: missing
    for column in ("name", "park", "industry_code"):
        table[column] = _last_known(frame, column, rows, firm, t, n)
    table["above_scale"] = (
        latest["above_scale"].astype("boolean") if "above_scale" in latest else pd.NA
    )
    table["years"] = np.bincount(firm, minlength=n)
    mats = {c: matrix(c) for c in ("revenue", "tax_paid", "value_added")}
    for column, mat in mats.items():
        table[column] = mat[:, -1]
    for column, name in _CAGR.items():
        table[name] = _cagr(mats[column], name, flags)
    table["trend_revenue"], table["volatility_revenue"] = _trend(mats["revenue"], flags)
    for column, name in _SHARE.items():
        table[name] = _share(mats[column][:, -1], name, flags)
    table["growth_latest"] = _last_step(mats["revenue"])
    _attach_evaluation(table, evaluation, year, flags)
    table["flags"] = flags.column()
    return Growth(table, latest, tuple(range(first_year, year + 1)))


class _Flags:
    """Per-firm lists of `feature:reason`, built one reason at a time (a loop over reasons)."""

    def __init__(self, n: int) -> None:
        self._parts: list[tuple[np.ndarray, str]] = []
        self.n = n

    def add(self, mask: np.ndarray, feature: str, reason: str) -> None:
        if mask.any():
            self._parts.append((mask, f"{feature}:{reason}"))

    def column(self) -> pd.Series:
        out = np.full(self.n, "", dtype=object)
        for mask, text in self._parts:
            out[mask] = np.where(out[mask] == "", text, out[mask] + ";" + text)
        return pd.Series(pd.array(out, dtype="string"))


def _cagr(mat: np.ndarray, name: str, flags: _Flags) -> np.ndarray:
    base, end = mat[:, 0], mat[:, -1]
    span = mat.shape[1] - 1
    no_base, no_end = np.isnan(base), np.isnan(end)
    bad_base = ~no_base & (base <= 0)
    bad_end = ~no_end & (end < 0)
    flags.add(no_base, name, "no-base")
    flags.add(no_end, name, "no-latest")
    flags.add(bad_base, name, "base-not-positive")
    flags.add(bad_end, name, "latest-negative")
    ok = ~(no_base | no_end | bad_base | bad_end)
    out = np.full(len(base), np.nan)
    out[ok] = (end[ok] / base[ok]) ** (1.0 / span) - 1.0
    return out


def _trend(mat: np.ndarray, flags: _Flags) -> tuple[np.ndarray, np.ndarray]:
    """exp(slope) − 1 and the residual standard deviation of ln(x) on the year, per row."""
    known = ~np.isnan(mat)
    k = known.sum(axis=1)
    non_positive = (known & (mat <= 0)).any(axis=1)
    few = k < MIN_TREND_YEARS
    flags.add(few, "trend_revenue", "too-few-years")
    flags.add(~few & non_positive, "trend_revenue", "not-positive")
    ok = ~few & ~non_positive
    w = known & ok[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.where(w, np.log(np.where(w, mat, 1.0)), 0.0)
    x = np.where(w, np.arange(mat.shape[1], dtype=float), 0.0)
    kk = np.maximum(k, 1)
    xm = x.sum(axis=1) / kk
    ym = y.sum(axis=1) / kk
    dx = np.where(w, x - xm[:, None], 0.0)
    dy = np.where(w, y - ym[:, None], 0.0)
    sxx = (dx * dx).sum(axis=1)
    slope = np.divide((dx * dy).sum(axis=1), sxx, out=np.zeros(len(k)), where=sxx > 0)
    resid = np.where(w, dy - slope[:, None] * dx, 0.0)
    dof = np.maximum(k - 2, 1)
    vol = np.sqrt((resid * resid).sum(axis=1) / dof)
    return np.where(ok, np.expm1(slope), np.nan), np.where(ok, vol, np.nan)


def _share(values: np.ndarray, name: str, flags: _Flags) -> np.ndarray:
    total = float(np.nansum(values))  # credit-code order: the same sum for any row order
    missing = np.isnan(values)
    flags.add(missing, name, "no-latest")
    if total <= 0:
        flags.add(~missing, name, "county-total-not-positive")
        return np.full(len(values), np.nan)
    return values / total


def _last_step(mat: np.ndarray) -> np.ndarray:
    """Growth from the year before the last to the last (NaN unless both are positive)."""
    before, last = mat[:, -2], mat[:, -1]
    ok = (before > 0) & (last >= 0)
    return np.where(ok, last / np.where(ok, before, 1.0) - 1.0, np.nan)


def _last_known(
    frame: pd.DataFrame, column: str, rows: np.ndarray, firm: np.ndarray, t: np.ndarray, n: int
) -> pd.Series:
    """A text column's value in the firm's latest year that has one (a firm may move park)."""
    out = pd.Series(pd.array([pd.NA] * n, dtype="string"))
    if column not in frame.columns:
        return out
    values = frame[column].astype("string").to_numpy(dtype=object, na_value=None)[rows]
    has = pd.notna(values)
    take = pd.Series(np.flatnonzero(has)).groupby(firm[has]).last()  # rows sorted by firm, year
    out.iloc[take.index.to_numpy()] = values[take.to_numpy()]
    return out


def _attach_evaluation(
    table: pd.DataFrame, evaluation: Evaluation | None, year: int, flags: _Flags
) -> None:
    """Class, status, score, tier and veto of the evaluation year, matched on the credit code."""
    text_columns = ("class", "status", "tier", "veto_reason")
    if evaluation is None:
        for name in text_columns:
            table[name] = pd.array([pd.NA] * len(table), dtype="string")
        table["total_score"] = np.nan
        return
    res = evaluation.results
    res = res[(res["year"] == year) & res["credit_code"].notna()]
    res = res.drop_duplicates("credit_code").set_index("credit_code")
    codes = table["credit_code"]
    for name in text_columns:
        table[name] = pd.array(res[name].astype("string").reindex(codes).to_numpy(), dtype="string")
    table["total_score"] = res["total_score"].astype(float).reindex(codes).to_numpy()
    not_evaluated = (table["status"] != "evaluated").fillna(True).to_numpy(dtype=bool)
    flags.add(not_evaluated, "total_score", "not-evaluated")
