"""Imputation of one indicator's missing values, as COINr's `i_*` functions (R/impute.R).

- `group_fill(x, groups, "mean" | "median")`: COINr i_mean / i_median (groups None) and
  i_mean_grp / i_median_grp (use_group): a missing value takes the mean or median of the
  values present in its group. As COINr (skip_f_na = TRUE), a unit without a group is left
  missing, and so is one whose group has no value (COINr: NaN, with a warning that NAs remain).
- `previous_fill(x, last)`: COINr impute_panel(imp_type = "latest") looking one year back: a
  missing value takes the unit's own value of the year before, when there is one. COINr looks
  further back through the panel (max_time); the caller passes the latest value it has.

Both return the filled values and the mask of the values filled (the imputed cells, so that
each can be reported); present values are never changed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

STATS = ("mean", "median")


def group_fill(
    x: np.ndarray, groups: np.ndarray | None, stat: str
) -> tuple[np.ndarray, np.ndarray]:
    """Missing values filled with their group's `stat` (mean or median) of the present values
    (groups None: the whole column's); returns (filled, imputed mask)."""
    if stat not in STATS:
        raise ValueError(f"未知的插补统计量：{stat}（可用：mean、median）")
    v = np.asarray(x, dtype=float)
    v = np.where(np.isfinite(v), v, np.nan)
    missing = np.isnan(v)
    if not missing.any():
        return v, np.zeros(v.shape, dtype=bool)
    series = pd.Series(v)
    if groups is None:
        fill = np.full(v.shape, getattr(series, stat)())
    else:
        labels = pd.Series(np.asarray(groups, dtype=object))
        if len(labels) != len(v):
            raise ValueError("分组列与指标的行数不一致")
        keyed = series.groupby(labels.where(labels.notna(), None), dropna=True)
        fill = keyed.transform(stat).reindex(series.index).to_numpy(dtype=float)
    imputed = missing & np.isfinite(fill)
    return np.where(imputed, fill, v), imputed


def previous_fill(x: np.ndarray, last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Missing values filled with the unit's value one year earlier (`last`, aligned row by
    row; NaN: none); returns (filled, imputed mask)."""
    v = np.asarray(x, dtype=float)
    v = np.where(np.isfinite(v), v, np.nan)
    before = np.asarray(last, dtype=float)
    if before.shape != v.shape:
        raise ValueError("上一年的值与指标的行数不一致")
    imputed = np.isnan(v) & np.isfinite(before)
    return np.where(imputed, before, v), imputed
