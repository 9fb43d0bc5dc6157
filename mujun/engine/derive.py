"""Derived fields (`[[derive]]`) computed on whole columns, once per evaluation.

A formula derive is its expression's value; a map derive gives each firm the first group
(in the order written) one of whose code prefixes its code starts with, else the `default`
(missing without one). The loop is over the map's groups and prefixes, never over firms.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd


def group_index(
    codes: np.ndarray | pd.Series, groups: Mapping[str, list[str]], default: str | None
) -> tuple[np.ndarray, list[str]]:
    """Each code's group as a number into the returned names (-1: no group): the first group,
    in order, with a prefix the code (stripped) starts with; `default` where none matches (a
    missing code matches none); no group where nothing matches and there is no default. The
    distinct codes (a few hundred industry codes) are matched, then spread to the rows by
    their number."""
    column = codes if isinstance(codes, pd.Series) else pd.Series(codes, dtype=object)
    number, distinct = pd.factorize(column, use_na_sentinel=True)
    number = np.asarray(number)
    text = pd.Series(distinct, dtype=object).astype("string").str.strip()
    names = [*groups, *([default] if default is not None else [])]
    of_distinct = np.full(len(text), len(groups) if default is not None else -1, dtype=np.int64)
    placed = text.isna().to_numpy(dtype=bool, copy=True)  # a missing code matches nothing
    for i, prefixes in enumerate(groups.values()):
        hit = text.str.startswith(tuple(prefixes)).fillna(False).to_numpy(dtype=bool) & ~placed
        of_distinct[hit] = i
        placed |= hit
    fallback = len(groups) if default is not None else -1  # no code at all: as no match
    index = (
        np.where(number >= 0, of_distinct[np.maximum(number, 0)], fallback)
        if len(text)
        else np.full(len(number), fallback, dtype=np.int64)
    )
    return index.astype(np.int64), names


def names_of(index: np.ndarray, names: list[str]) -> np.ndarray:
    """The group names of `group_index` as an object column (None: no group)."""
    table = np.array([*names, None], dtype=object)
    return table[np.where(index >= 0, index, len(names))]


def group_of(codes: np.ndarray, groups: Mapping[str, list[str]], default: str | None) -> np.ndarray:
    """Each code's group name (see `group_index`); None where it has none."""
    return names_of(*group_index(codes, groups, default))
