"""Outlier treatment of one indicator, as COINr's default `Treat()` does it.

COINr (R/treat.R, `Treat.numeric` with its default specs: f1 = winsorise, f2 = log_CT,
f_pass = check_SkewKurt, winmax = 5, skew_thresh = 2, kurt_thresh = 3.5, combine_treat = FALSE):

1. The check (`check_SkewKurt`): an indicator passes when |skew| < 2 **or** kurtosis < 3.5,
   i.e. it fails only when both are beyond their thresholds. The estimators are e1071's type 2
   (Excel's SKEW and KURT): sample-adjusted skewness and excess kurtosis (`skew`, `kurt`).
2. Failing, it is winsorised (`winsorise`): one step at a time, on the side the current skew
   points to (skew ≥ 0: the high side), every point equal to the current maximum is set to the
   largest value below it (skew < 0: the minimum to the smallest value above it). The count of
   winsorised points is re-counted after each step (the points now at the extreme); the steps
   stop as soon as the check passes or the count reaches winmax (ties can carry it past).
3. Still failing after winsorising, the log transform `log_CT` is applied to the **original**
   values (not the winsorised ones): log(x − min + 0.01 × (max − min)); the winsorised points
   are then discarded. The result is checked again, and kept whether or not it passes.
4. When the check cannot be computed (fewer than 4 values, all values equal, or a winsorising
   step leaves them all equal), COINr returns the indicator untreated.

Ours is the same computation; non-finite values count as missing (COINr: NA). Where COINr
returns an indicator untreated because the check is undefined, ours does so too and calls it
passed when nothing was tried (nothing to treat) and not passed when winsorising collapsed it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def skew_kurtosis(x: np.ndarray) -> tuple[float, float]:
    """Sample skewness and excess kurtosis, e1071 type 2 (COINr's `skew`, `kurt`; scipy's
    skew(bias=False), kurtosis(fisher=True, bias=False)); missing values ignored. NaN when
    undefined: skew needs 3 values, kurtosis 4, both some spread."""
    v = np.asarray(x, dtype=float)
    v = v[np.isfinite(v)]
    n = v.size
    if n < 3:
        return np.nan, np.nan
    with np.errstate(over="ignore", invalid="ignore"):  # values near 1e300: NaN, no warning
        d = v - v.mean()
        spread = float(np.max(np.abs(d)))
        if spread == 0.0 or not np.isfinite(spread):
            return np.nan, np.nan
        d = (
            d / spread
        )  # both are scale-free: scaled, tiny or huge values neither under- nor overflow
        d2 = d * d
        m2 = float(np.sum(d2))
        skew = np.sqrt(n) * float(np.sum(d2 * d)) / m2**1.5 * np.sqrt(n * (n - 1)) / (n - 2)
        if n < 4:
            return float(skew), np.nan
        r = n * float(np.sum(d2 * d2)) / m2**2
    kurt = ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    return float(skew), float(kurt)


def check(skew: float, kurtosis: float, skew_limit: float, kurtosis_limit: float) -> bool | None:
    """COINr's `check_SkewKurt`: |skew| < limit OR kurtosis < limit, with R's NA logic (one
    true side passes; otherwise an undefined side makes the answer None)."""
    sides = [v < lim for v, lim in ((abs(skew), skew_limit), (kurtosis, kurtosis_limit))]
    defined = [not np.isnan(v) for v in (skew, kurtosis)]
    if any(ok and d for ok, d in zip(sides, defined, strict=True)):
        return True
    return None if not all(defined) else False


def log_ct(x: np.ndarray) -> np.ndarray:
    """COINr's `log_CT`: log(x − min + 0.01 × (max − min)); the minimum becomes
    log(range / 100). NaN stays NaN; a constant column (range 0) gives −inf at every value,
    which is why the treatment never calls it on one."""
    v = np.asarray(x, dtype=float)
    finite = np.isfinite(v)
    if not finite.any():
        return np.full(v.shape, np.nan)
    lo, hi = float(v[finite].min()), float(v[finite].max())
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(finite, np.log(v - lo + 0.01 * (hi - lo)), np.nan)


@dataclass(frozen=True, eq=False)
class Treated:
    """One indicator after treatment: its values, which points were winsorised down from the
    high end (`high`) or up from the low end (`low`), whether the log transform replaced it,
    the skew and kurtosis before and after, and whether the final values pass the check."""

    values: np.ndarray
    low: np.ndarray
    high: np.ndarray
    log: bool
    skew_before: float
    kurtosis_before: float
    skew_after: float
    kurtosis_after: float
    passed: bool

    @property
    def winsorised(self) -> int:
        """The number of points the values kept winsorised."""
        return int(self.low.sum() + self.high.sum())


def _untreated(v: np.ndarray, sk: float, kt: float, passed: bool) -> Treated:
    none = np.zeros(v.shape, dtype=bool)
    return Treated(v, none, none.copy(), False, sk, kt, sk, kt, passed)


def _step(y: np.ndarray, high: bool) -> np.ndarray | None:
    """One winsorising step in place; the mask of the points now at the treated extreme, or
    None when no value is left beyond them (COINr: every point would become −inf)."""
    finite = np.isfinite(y)
    end = y[finite].max() if high else y[finite].min()
    at = finite & (y == end)
    rest = y[finite & ~at]
    if rest.size == 0:
        return None
    y[at] = rest.max() if high else rest.min()
    return at


def winsorise(
    x: np.ndarray,
    *,
    skew: float = 2.0,
    kurtosis: float = 3.5,
    max_points: int = 5,
    log: bool = True,
) -> Treated:
    """COINr's default treatment of one indicator (module docstring): check, winsorise up to
    `max_points` points one step at a time, and failing that (with `log`) log_CT of the
    original values. Without `log`, a still-failing indicator keeps its winsorised values."""
    v = np.asarray(x, dtype=float).copy()
    sk0, kt0 = skew_kurtosis(v)
    ok = check(sk0, kt0, skew, kurtosis)
    if ok is None or ok:
        return _untreated(v, sk0, kt0, True)
    y = v.copy()
    at_max = np.zeros(v.shape, dtype=bool)
    at_min = np.zeros(v.shape, dtype=bool)
    count = 0
    current = sk0
    while not ok and count < max_points:
        high = current >= 0  # the side the skew points to
        at = _step(y, high)
        if at is None:
            return _untreated(v, sk0, kt0, False)
        if high:
            at_max = at
        else:
            at_min = at
        count = int(at_max.sum() + at_min.sum())  # COINr: length(imax) + length(imin)
        current, kt = skew_kurtosis(y)
        ok = check(current, kt, skew, kurtosis)
        if ok is None:  # the steps left all values equal: COINr gives up, untreated
            return _untreated(v, sk0, kt0, False)
    if ok or not log:
        sk1, kt1 = skew_kurtosis(y)
        with np.errstate(invalid="ignore"):
            return Treated(y, y > v, y < v, False, sk0, kt0, sk1, kt1, bool(ok))
    logged = log_ct(v)
    sk2, kt2 = skew_kurtosis(logged)
    final = check(sk2, kt2, skew, kurtosis)
    if final is None:
        return _untreated(v, sk0, kt0, False)
    none = np.zeros(v.shape, dtype=bool)
    return Treated(logged, none, none.copy(), True, sk0, kt0, sk2, kt2, final)
