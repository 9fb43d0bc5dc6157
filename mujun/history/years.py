"""What an Evaluation takes from the archive: last year's rows, and its history across years.

`with_archived_year(table, archive, rules)`: when the rules read last year (previous(field) or
a benchmark of `year = "previous"`) and the table holds no row of year − 1, the archived input
fields of that year's current run are added to the table as rows of year − 1, so the engine
takes them for last year's rows exactly as it takes a two-year panel's. Their origin names the
archive's run; what reading them found was reported in their own year and is not repeated.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..issues import empty_issues
from ..rules import Rules
from ..table import EnterpriseTable, Part
from .migration import History, history

if TYPE_CHECKING:
    from ..engine.evaluation import Evaluation
    from .archive import Archive

ARCHIVE_FILE = "档案库"


def with_archived_year(table: EnterpriseTable, archive: Archive, rules: Rules) -> EnterpriseTable:
    """`table` with last year's archived rows added when the rules read last year and the
    table has none (otherwise `table` itself)."""
    last_year = rules.year - 1
    if not rules.reads_previous_year():
        return table
    if "year" in table.frame:
        years = table.frame["year"].to_numpy(dtype=float, na_value=np.nan)
        if (years == last_year).any():
            return table
    run_id = archive.run_id(rules.region, last_year)
    frame = archive.panel(rules.region, last_year)
    if run_id is None or not len(frame):
        return table
    frame = frame.assign(year=last_year)
    sheet = f"{last_year}年度（档案库运行 {run_id}）"
    with rules.fields_in_use():  # the rules' own [[field]]s are read as in a panel
        last = EnterpriseTable.from_frame(frame, file=ARCHIVE_FILE, sheet=sheet)
    return stack(table, replace(last, notes=empty_issues()))


def _filled(frame: pd.DataFrame, other: pd.DataFrame) -> pd.DataFrame:
    """`frame` with the columns only `other` has: flags False, everything else missing, each
    in the dtype `other` holds it in."""
    out = frame.copy()
    for name in other.columns:  # a loop over columns
        if name in out.columns:
            continue
        dtype = other[name].dtype
        if dtype.kind == "b":
            out[name] = np.zeros(len(out), dtype=bool)
        elif dtype.kind in "iu":
            out[name] = pd.array([pd.NA] * len(out), dtype="Int64")
        else:
            out[name] = pd.Series([pd.NA] * len(out), dtype=object).astype(dtype)
    return out


def stack(table: EnterpriseTable, last: EnterpriseTable) -> EnterpriseTable:
    """One table of `table`'s rows, then `last`'s (rows of another year: no firm-year in
    both). Notes, sources and corrections stay `table`'s."""
    if "year" not in table.frame:
        raise ValueError("the table has no year column")
    names = list(dict.fromkeys([*table.frame.columns, *last.frame.columns]))
    mine, theirs = _filled(table.frame, last.frame), _filled(last.frame, table.frame)
    for name in names:  # a loop over columns: one dtype for both parts
        if mine[name].dtype != theirs[name].dtype and mine[name].dtype.kind not in "biu":
            theirs[name] = theirs[name].astype(mine[name].dtype)
    frame = pd.concat([mine[names], theirs[names]], ignore_index=True)
    n, m = len(table), len(last)
    supplied = np.zeros((n + m, table.supplied.shape[1] + last.supplied.shape[1]), dtype=bool)
    supplied[:n, : table.supplied.shape[1]] = table.supplied
    supplied[n:, table.supplied.shape[1] :] = last.supplied
    origin = pd.concat([table.origin, last.origin], ignore_index=True)
    field_origin = {
        k: pd.concat([v, last.origin], ignore_index=True) for k, v in table.field_origin.items()
    }
    parts = (*table.parts, *(Part(p.file, p.sheet, p.fields) for p in last.parts))
    return replace(
        table,
        frame=frame,
        origin=origin,
        key=np.concatenate([table.key, last.key]),
        parts=parts,
        supplied=supplied,
        field_origin=field_origin,
        unique_keys=table.unique_keys and last.unique_keys,
    )


def evaluation_history(ev: Evaluation, archive: Archive) -> History:
    """The history of the Evaluation's region: the archive's years, with the Evaluation's own
    results standing for its year (archived or not)."""
    rules = ev.rules
    archived = archive.tiers(rules.region)
    archived = archived[archived["year"] != rules.year]
    res = ev.results
    mine = pd.DataFrame(
        {
            "credit_code": res["credit_code"].astype("string"),
            "year": rules.year,
            "class": res["class"].astype("string"),
            "status": res["status"].astype("string"),
            "tier": res["tier"].astype("string"),
        }
    )
    frame = pd.concat([archived.drop(columns="run_status"), mine], ignore_index=True)
    order = tuple(dict.fromkeys(t for c in rules.classes for t in c.tiers.order))
    return history(frame, order)
