"""Merge the tables read from several sheets into one row per (credit_code, year).

For each field the value comes from the first source that has one, in priority order (the rules'
`[input] priority`, else file order). Two sources giving different values for the same field are
a conflict, reported with every source's value. Rows without a usable key (no credit code, or one
Excel turned into a number and cut short) are never merged with anything: each stays a row of its
own (and is rejected later, with its reason); a short whole number is joined by its text
(`keys.joinable`: a region code, say, which rules with `[input] key_check = "none"` evaluate).
Flags merge with their rows: a cell that could not be read in any source stays unreadable, and
copies that disagreed mark the merged row. Sheets of one file with the same fields are one source.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..fields import FIELDS, label
from ..issues import concat_issues, issue_rows
from ..keys import KeyState, firm_years
from ..table import CONFLICT, EnterpriseTable, Part

RELATIVE_TOLERANCE = 1e-9
VALUES_LISTED = 10  # a conflict lists the values of this many sources, then their number


def merge(parts: list[EnterpriseTable], priority: list[int]) -> EnterpriseTable:
    """One table from many (each part one sheet, as `EnterpriseTable.from_frame` made it)."""
    if len(parts) == 1 and parts[0].unique_keys:
        return parts[0]  # one sheet, one row per firm: nothing to merge
    frames = [p.frame for p in parts]
    stacked = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    key = np.concatenate([p.key for p in parts])
    year = stacked.get("year")
    group = firm_years(stacked["credit_code"], year, key)
    origin = pd.concat([p.origin for p in parts], ignore_index=True)
    part_of = np.concatenate([np.full(len(p), i) for i, p in enumerate(parts)])
    n = int(group.max(initial=-1)) + 1
    rank = np.asarray(priority)[part_of]
    order = np.lexsort((np.arange(len(stacked)), rank))  # by priority, then reading order
    by_priority = stacked.iloc[order]
    merged = by_priority.groupby(group[order], sort=True).first()
    merged = merged.reindex(columns=stacked.columns)
    for name in merged.columns:  # groupby.first can loosen dtypes: restore each column's own
        merged[name] = merged[name].astype(stacked[name].dtype)
    merged = merged.reset_index(drop=True)
    merged_key = np.zeros(n, dtype=np.int8)
    np.maximum.at(merged_key, group, key)  # copies that disagreed make the firm a conflict
    conflict = merged_key == KeyState.CONFLICT
    if conflict.any():
        copies = np.bincount(group[key == KeyState.CONFLICT], minlength=n)
        merged[CONFLICT] = pd.array(np.where(conflict, copies, 0), dtype="Int64")
        merged[CONFLICT] = merged[CONFLICT].where(conflict)
    first_row = pd.Series(np.arange(len(stacked))).groupby(group).min().to_numpy()
    merged_origin = origin.iloc[first_row].reset_index(drop=True)
    supplied = np.zeros((n, len(parts)), dtype=bool)
    supplied[group, part_of] = True
    notes = [p.notes for p in parts]
    notes.append(_conflicts(stacked, origin, group, order, merged, merged_origin, conflict))
    layouts, supplied = _one_source_per_layout([part for p in parts for part in p.parts], supplied)
    return EnterpriseTable(
        frame=merged,
        origin=merged_origin,
        key=merged_key,
        notes=concat_issues(notes),
        sources=tuple(s for p in parts for s in p.sources),
        parts=layouts,
        supplied=supplied,
        field_origin=_field_origin(by_priority, order, group, first_row, origin),
        unique_keys=True,
    )


def _one_source_per_layout(
    parts: list[Part], supplied: np.ndarray
) -> tuple[tuple[Part, ...], np.ndarray]:
    """Sheets of one file that read the same figures are one source (a workbook of one sheet
    per park, some with a 所属园区 or 企业名称 column and some without): a firm is missing from
    that file only when it is on none of them."""
    groups: dict[tuple[str, tuple[str, ...]], list[int]] = {}
    for i, part in enumerate(parts):  # a loop over sheets
        figures = tuple(sorted(f for f in part.fields if f not in FIELDS or not _describes(f)))
        groups.setdefault((part.file, figures), []).append(i)
    if len(groups) == len(parts):
        return tuple(parts), supplied
    joined, columns = [], []
    for members in groups.values():  # a loop over layouts
        first = parts[members[0]]
        names = [parts[i].sheet for i in members]
        sheet = "、".join(names[:3]) + (f"等{len(names)}个工作表" if len(names) > 3 else "")
        fields = dict.fromkeys(f for i in members for f in parts[i].fields)
        joined.append(Part(first.file, sheet, tuple(fields)))
        columns.append(supplied[:, members].any(axis=1))
    return tuple(joined), np.column_stack(columns)


def _describes(name: str) -> bool:
    """A field that describes a firm (name, park, industry) rather than gives its figures."""
    return FIELDS[name].kind in ("text", "date")


def _field_origin(
    by_priority: pd.DataFrame,
    order: np.ndarray,
    group: np.ndarray,
    first_row: np.ndarray,
    origin: pd.DataFrame,
) -> dict[str, pd.DataFrame]:
    """For each column whose value some firm took from another row than its first one: the
    origin (file, sheet, row) of the value taken, per merged row (for a flag column: of the
    cell that could not be read)."""
    out: dict[str, pd.DataFrame] = {}
    grouped = group[order]
    for name in by_priority.columns:  # a loop over columns
        if name in ("credit_code", "year"):
            continue
        has = by_priority[name].notna().to_numpy()
        taken = pd.Series(order[has]).groupby(grouped[has]).first()
        rows = first_row.copy()
        rows[taken.index.to_numpy()] = taken.to_numpy()
        if (rows != first_row).any():
            out[name] = origin.iloc[rows].reset_index(drop=True)
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
        if name in ("credit_code", "year") or name not in FIELDS or FIELDS[name].kind == "bool":
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
        shown = (
            files.iloc[rows].to_numpy(dtype=object)
            + "："
            + values.iloc[rows].astype("string").fillna("").to_numpy(dtype=object)
        )
        firm = pd.Series(group[rows])
        listed = (firm.groupby(firm).cumcount() < VALUES_LISTED).to_numpy()
        listing = pd.Series(shown[listed]).groupby(group[rows][listed], sort=True).agg("；".join)
        sources = firm.groupby(firm, sort=True).size()
        many = (sources > VALUES_LISTED).to_numpy()
        listing[many] += "等" + sources[many].astype(str) + "个来源"
        mask = np.zeros(len(merged), dtype=bool)
        mask[listing.index.to_numpy()] = True
        mask &= ~skip
        chosen = np.full(len(merged), "", dtype=object)
        chosen[listing.index.to_numpy()] = listing.to_numpy()
        found.append(
            issue_rows(
                "conflicting-values",
                mask,
                origin=merged_origin,
                credit_code=merged["credit_code"],
                field=name,
                values=chosen,
                label=label(name),
            )
        )
    return concat_issues(found)
