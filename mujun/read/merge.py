"""Merge the tables read from several files into one row per (credit_code, year).

For each field the value comes from the first source that has one, in priority order (the rules'
`[input] priority`, else file order). Two sources giving different values for the same field are
a conflict, reported with every source's value. Rows without a credit code are never merged with
anything: each stays a row of its own (and is rejected later, with its reason).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import values
from ..errors import concat_issues, row_issues
from ..fields import FIELDS, label
from ..table import EnterpriseTable

RELATIVE_TOLERANCE = 1e-9


def merge(parts: list[EnterpriseTable], priority: list[int]) -> tuple[EnterpriseTable, np.ndarray]:
    """One table from many; also returns, for every row of the stacked parts, its merged row."""
    frames = [p.frame for p in parts]
    stacked = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].copy()
    origin = pd.concat([p.origin for p in parts], ignore_index=True)
    part_of = np.concatenate([np.full(len(p), i) for i, p in enumerate(parts)])
    offsets = np.cumsum([0] + [len(p) for p in parts])
    group = _firm_groups(stacked)
    if len(parts) == 1 and group.max(initial=-1) + 1 == len(group):
        return parts[0], group  # one sheet, one row per firm: nothing to merge
    rank = np.asarray(priority)[part_of]
    order = np.lexsort((np.arange(len(stacked)), rank))  # by priority, then reading order
    by_priority = stacked.iloc[order]
    merged = by_priority.groupby(group[order], sort=True).first()
    merged = merged.reindex(columns=stacked.columns)
    for name in merged.columns:  # groupby.first can loosen dtypes: restore each column's own
        merged[name] = merged[name].astype(stacked[name].dtype)
    first_row = pd.Series(np.arange(len(stacked))).groupby(group).min().to_numpy()
    merged_origin = origin.iloc[first_row].reset_index(drop=True)
    merged = merged.reset_index(drop=True)
    field_origin = _field_origin(by_priority, order, group, first_row, origin)
    issues = [_shift(p.issues, offsets[i], group) for i, p in enumerate(parts)]
    shifted = concat_issues(issues)
    rejected = shifted.loc[shifted["code"] == "duplicate-firm", "position"].to_numpy()
    issues.append(_conflicts(stacked, origin, group, order, merged, merged_origin,
                             skip=rejected))  # fmt: skip
    sources = tuple(s for p in parts for s in p.sources)
    table = EnterpriseTable(merged, merged_origin, concat_issues(issues), sources,
                            field_origin=field_origin)  # fmt: skip
    return table, group


def _field_origin(
    by_priority: pd.DataFrame,
    order: np.ndarray,
    group: np.ndarray,
    first_row: np.ndarray,
    origin: pd.DataFrame,
) -> dict[str, pd.DataFrame]:
    """For each field whose value some firm took from another row than its first one: the
    origin (file, sheet, row) of the value taken, per merged row."""
    out: dict[str, pd.DataFrame] = {}
    grouped = group[order]
    for name in by_priority.columns:  # a loop over fields
        if name in ("credit_code", "year"):
            continue
        has = by_priority[name].notna().to_numpy()
        taken = pd.Series(order[has]).groupby(grouped[has]).first()
        rows = first_row.copy()
        rows[taken.index.to_numpy()] = taken.to_numpy()
        if (rows != first_row).any():
            out[name] = origin.iloc[rows].reset_index(drop=True)
    return out


def _firm_groups(stacked: pd.DataFrame) -> np.ndarray:
    """Merged-row number of each stacked row, numbered in reading order."""
    code = stacked["credit_code"].astype("string")
    year = (
        stacked["year"].astype("string") if "year" in stacked else pd.Series("", index=code.index)
    )
    keyless = code.isna().to_numpy() | values.lost_codes(code)
    key = (code.fillna("") + "|" + year.fillna("")).to_numpy(dtype=object)
    key[keyless] = np.char.add("\0row", np.flatnonzero(keyless).astype(str)).astype(object)
    group, _ = pd.factorize(key)
    return np.asarray(group)


def _shift(issues: pd.DataFrame, offset: int, group: np.ndarray) -> pd.DataFrame:
    """A part's row issues pointed at the merged row their firm ended in."""
    out = issues.copy()
    located = out["position"] >= 0
    out.loc[located, "position"] = group[out.loc[located, "position"].to_numpy() + offset]
    return out


def _conflicts(
    stacked: pd.DataFrame,
    origin: pd.DataFrame,
    group: np.ndarray,
    order: np.ndarray,
    merged: pd.DataFrame,
    merged_origin: pd.DataFrame,
    skip: np.ndarray,
) -> pd.DataFrame:
    """One warning per merged firm and field whose sources disagree, listing every value
    (firms in `skip` — differing copies in one file — are rejected, so none is taken)."""
    found: list[pd.DataFrame] = []
    if group.max(initial=-1) + 1 == len(group):  # every row its own firm
        return concat_issues(found)
    files = origin["file"].map({f: Path(str(f)).name for f in origin["file"].unique()})
    for name in stacked.columns:
        if name in ("credit_code", "year") or FIELDS[name].kind == "bool":
            continue  # keys merge by definition; a blank flag reads as 否, which is no claim
        values = stacked[name]
        present = values.notna().to_numpy()
        if present.sum() < 2:
            continue
        g = pd.Series(group[present])
        if FIELDS[name].kind == "number":
            v = values[present].astype(float).reset_index(drop=True)
            lo, hi = v.groupby(g).min(), v.groupby(g).max()
            scale = np.maximum(1.0, np.maximum(lo.abs(), hi.abs()))
            disagree = lo.index[((hi - lo) > RELATIVE_TOLERANCE * scale).to_numpy()]
        else:
            counts = values[present].astype("string").reset_index(drop=True).groupby(g).nunique()
            disagree = counts.index[(counts > 1).to_numpy()]
        if not len(disagree):
            continue
        rows = np.flatnonzero(present & np.isin(group, disagree))
        rows = rows[np.argsort(np.argsort(order)[rows], kind="stable")]  # priority order
        shown = files.iloc[rows].to_numpy(dtype=object) + "：" + values.iloc[rows].astype(
            "string").fillna("").to_numpy(dtype=object)  # fmt: skip
        listing = pd.Series(shown).groupby(group[rows], sort=True).agg("；".join)
        mask = np.zeros(len(merged), dtype=bool)
        mask[listing.index.to_numpy()] = True
        mask[skip] = False
        chosen = np.full(len(merged), "", dtype=object)
        chosen[listing.index.to_numpy()] = listing.to_numpy()
        found.append(row_issues(
            mask, code="conflicting-values",
            message=f"“{label(name)}”在不同来源中取值不同，已按优先来源取值",
            severity="warning", origin=merged_origin,
            credit_code=merged["credit_code"], field=name, values=chosen,
        ))  # fmt: skip
    return concat_issues(found)
