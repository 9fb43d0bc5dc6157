"""Normalisers of one indicator across the units of a class, as COINr's `n_*` functions
(R/normalise.R). Each takes the values (NaN: no value) and returns the normalised values, NaN
where the input is NaN. Direction is the caller's: COINr multiplies a "lower is better"
indicator by −1 before normalising, and so does ours (negate x, and a reference with it;
goalposts: pass lo = −hi, hi = −lo).

Where COINr's answer is undefined, ours is NaN rather than ±inf: a column without spread
(minmax, distance_to_max, zscore: COINr warns and returns NaN too), a reference equal to the
minimum, a maximum of 0 (fraction_of_max), equal goalposts.

COINr returns distance_to_max, distance_to_reference and fraction_of_max on 0–1; ours are on
0–`scale` (default 100) so that every normaliser of a composite class gives points on the same
0–100 scale as minmax (COINr's default l_u = c(0, 100)); scale = 1 gives COINr's numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _span(v: np.ndarray) -> tuple[float, float]:
    """The minimum and maximum of the finite values (NaN, NaN when there are none)."""
    finite = v[np.isfinite(v)]
    if finite.size == 0:
        return np.nan, np.nan
    return float(finite.min()), float(finite.max())


def _as(x: np.ndarray) -> np.ndarray:
    v = np.asarray(x, dtype=float)
    return np.where(np.isfinite(v), v, np.nan)


def _divide(top: np.ndarray, bottom: float) -> np.ndarray:
    """top / bottom, all NaN when bottom is 0 or NaN."""
    if not np.isfinite(bottom) or bottom == 0:
        return np.full(top.shape, np.nan)
    with np.errstate(over="ignore", invalid="ignore"):  # a tiny spread: huge values, no warning
        return top / bottom


def minmax(x: np.ndarray, lo: float = 0.0, hi: float = 100.0) -> np.ndarray:
    """COINr n_minmax: (x − min) / (max − min) × (hi − lo) + lo. A constant column: NaN
    (COINr: "The range of x is 0: returning vector of NaNs")."""
    v = _as(x)
    mn, mx = _span(v)
    return _divide(v - mn, mx - mn) * (hi - lo) + lo


def zscore(x: np.ndarray, mean: float = 0.0, sd: float = 1.0) -> np.ndarray:
    """COINr n_zscore: (x − mean(x)) / sd(x) × sd + mean, sd(x) the sample standard
    deviation (n − 1). Fewer than 2 values or no spread: NaN."""
    v = _as(x)
    finite = v[np.isfinite(v)]
    if finite.size < 2:
        return np.full(v.shape, np.nan)
    return _divide(v - finite.mean(), float(finite.std(ddof=1))) * sd + mean


def rank(x: np.ndarray) -> np.ndarray:
    """COINr n_rank: the rank of each value among the values, 1 the lowest, ties sharing the
    lowest rank of their run (ties.method = "min"); NaN keeps no rank. Not on 0–100: see
    percent_rank for that."""
    v = _as(x)
    return pd.Series(v).rank(method="min", na_option="keep").to_numpy(dtype=float)


def percent_rank(x: np.ndarray, scale: float = 100.0) -> np.ndarray:
    """COINr n_prank × scale: (rank − 1) / (number of values − 1), ranks as `rank` (ties:
    the lowest). The lowest value gets 0, the highest `scale`; a single value: NaN."""
    v = _as(x)
    count = int(np.isfinite(v).sum())
    return _divide(rank(v) - 1.0, float(count - 1)) * scale


def goalposts(x: np.ndarray, lo: float, hi: float, scale: float = 100.0) -> np.ndarray:
    """COINr n_goalposts (trunc2posts = TRUE): (x − lo) / (hi − lo) clipped to [0, 1], × scale.
    For a "lower" indicator COINr's iMeta route passes the posts negated and swapped, as the
    caller must here (lo = −hi, hi = −lo with x negated)."""
    v = _as(x)
    return np.clip(_divide(v - lo, hi - lo), 0.0, 1.0) * scale


def distance_to_max(x: np.ndarray, scale: float = 100.0) -> np.ndarray:
    """COINr n_dist2max × scale: 1 − (max − x) / (max − min); the best unit gets `scale`, the
    worst 0 (numerically COINr's minmax on 0–1). A constant column: NaN."""
    v = _as(x)
    mn, mx = _span(v)
    return (1.0 - _divide(mx - v, mx - mn)) * scale


def distance_to_reference(
    x: np.ndarray, ref: float, *, cap: bool = False, scale: float = 100.0
) -> np.ndarray:
    """COINr n_dist2ref × scale: 1 − (ref − x) / (ref − min). The reference unit gets
    `scale`, the minimum 0, a unit beyond the reference more than `scale` unless `cap`
    (COINr cap_max). COINr names the reference by its row; ours takes its value (the caller
    looks up the unit, or passes a number). A NaN reference (COINr: warns, all NA) or one
    equal to the minimum: NaN."""
    v = _as(x)
    mn, _ = _span(v)
    y = 1.0 - _divide(ref - v, float(ref) - mn)
    if cap:
        y = np.minimum(y, 1.0)
    return y * scale


def fraction_of_max(x: np.ndarray, scale: float = 100.0) -> np.ndarray:
    """COINr n_fracmax × scale: x / max. A maximum of 0 (COINr: ±inf or NaN): NaN."""
    v = _as(x)
    _, mx = _span(v)
    return _divide(v, mx) * scale
