"""Derived fields (`[[derive]]`) computed on whole columns, once per evaluation.

A formula derive is its expression's value; a map derive gives each firm the first group
(in the order written) one of whose code prefixes its code starts with, else the `default`
(missing without one). The loop is over the map's groups and prefixes, never over firms.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..rules.declared import Derive


def derived(spec: Derive, columns: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """The derive's column over `n` rows (`columns`: the fields it reads)."""
    if spec.formula is not None:
        values = np.asarray(spec.formula(columns, n), dtype=float)
        return np.where(np.isinf(values), np.nan, values)
    assert spec.source is not None
    return group_of(columns[spec.source], spec.map, spec.default)


def group_of(codes: np.ndarray, groups: Mapping[str, list[str]], default: str | None) -> np.ndarray:
    """Each code's group: the first group, in order, with a prefix the code (stripped) starts
    with; `default` (or None) where none matches; None where the code is missing."""
    text = pd.Series(codes, dtype=object).astype("string").str.strip()
    out = np.full(len(text), default, dtype=object)
    placed = text.isna().to_numpy(
        dtype=bool, copy=True
    )  # a missing code is in no group, not the default
    out[placed] = None
    for group, prefixes in groups.items():
        hit = text.str.startswith(tuple(prefixes)).fillna(False).to_numpy(dtype=bool) & ~placed
        out[hit] = group
        placed |= hit
    return out
