"""The appeals register (异议复核登记表): every appeal a firm lodged, and what became of it.

One row per appeal: its id, the firm's credit code and year, the field appealed (its code or a
Chinese header, with a unit as in corrections: `实缴税金(元)`), the value the firm claims, the
evidence, the channel, when it was received, its state (受理/核实中/采纳/不采纳), who decided
and when, and a note. Only 采纳 appeals become corrections (applied together with a corrections
file, if one is given, so that two changes of one cell that disagree are caught as a conflict);
the others are listed and change nothing.

A row whose state cannot be read, that has no appeal id, or whose id another row also has, is an
error (an issue at its row of the register) and changes nothing, even when it says 采纳: which
decision stands, no one can tell. Every row ends in `EnterpriseTable.appeals` with its outcome
in words (old → new, or why nothing changed), and so in the manifest and the 说明 sheet.
A register that cannot be read at all (no header, a required column missing) is refused with a
DataError naming the file.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from .. import values
from ..appeal_form import ACCEPTED, COLUMNS
from ..errors import DataError
from ..issues import concat_issues, issue_rows
from ..table import EnterpriseTable
from .corrections import apply_correction_rows, read_corrections
from .headers import normalize, resolve
from .registers import read_register

NEEDED = ("appeal_id", "credit_code", "field", "claimed_value", "state")
_NEEDS = "、".join(COLUMNS[k][0] for k in NEEDED)
_STATE_ALIASES = {
    "受理": "受理",
    "已受理": "受理",
    "核实中": "核实中",
    "核实": "核实中",
    "审核中": "核实中",
    "复核中": "核实中",
    "采纳": ACCEPTED,
    "已采纳": ACCEPTED,
    "不采纳": "不采纳",
    "未采纳": "不采纳",
    "不予采纳": "不采纳",
}
DEFAULT_REASON = "异议复核采纳"
RECORD_COLUMNS = [
    "appeal_id",
    "credit_code",
    "year",
    "name",
    "field",
    "claimed_value",
    "evidence",
    "channel",
    "received",
    "state",
    "decided_by",
    "decided_on",
    "note",
    "file",
    "row",
    "status",
    "old_value",
    "new_value",
    "changed",
]
# why an appeal changed nothing, by its status (a correction's status for accepted ones)
OUTCOMES = {
    "rejected": "不采纳，未作更改",
    "bad-state": "状态无法识别（应为受理、核实中、采纳或不采纳），未作更改",
    "no-id": "缺少异议编号，未作更改",
    "duplicate-id": "异议编号与其他行重复，未作更改",
    "unmatched": "找不到对应企业（信用代码或年度不符），未作更改",
    "unknown-field": "字段无法识别，未作更改",
    "invalid-value": "申报值无法读取，未作更改",
    "empty-value": "采纳但申报值为空，未作更改",
    "conflict": "与同一数据的另一条更正取值不同，均未采用",
}
_PROBLEMS = {"bad-state": "appeal-bad-state", "no-id": "appeal-no-id"}


def read_appeals(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """The register as text columns (COLUMNS' keys), plus the file and row of each appeal;
    blank rows are left out."""
    reg = read_register(
        source,
        COLUMNS,
        markers=("state", "appeal_id"),
        needed=NEEDED,
        missing_header=f"前10行中没有“异议编号”或“状态”列（异议登记表需要{_NEEDS}）",
    )
    out, file, first, absent = reg.columns, reg.file, reg.first, reg.absent
    if absent:
        where = file or "异议登记表"
        raise DataError(f"{where}：缺少列{'、'.join(absent)}（异议登记表需要{_NEEDS}）")
    out["file"], out["row"] = file, np.arange(first, first + len(out))
    text = out[[k for k in COLUMNS if k != "row"]].apply(values.as_text)
    blank = text.isna().all(axis=1).to_numpy()
    return out[~blank].reset_index(drop=True)


def apply_appeals(
    table: EnterpriseTable,
    source: str | Path | pd.DataFrame,
    corrections: str | Path | pd.DataFrame | None = None,
) -> EnterpriseTable:
    """The table with each 采纳 appeal applied as a correction (and the corrections of
    `corrections`, if given, in the same step), every appeal recorded in `table.appeals`."""
    reg = read_appeals(source)
    text = reg[list(COLUMNS)].apply(values.as_text)
    written = text["state"].fillna("").astype(str).str.replace(r"\s+", "", regex=True)
    state = written.map(_STATE_ALIASES).astype(object)
    state = state.where(state.notna(), None)
    ids = text["appeal_id"]
    said = state.to_numpy(dtype=object)
    status = pd.Series(np.where(said == ACCEPTED, "", "pending"), dtype=object)
    status[said == "不采纳"] = "rejected"
    duplicated = (ids.duplicated(keep=False) & ids.notna()).to_numpy()
    status[duplicated] = "duplicate-id"
    status[ids.isna().to_numpy()] = "no-id"
    status[state.isna().to_numpy()] = "bad-state"
    accepted = (status == "").to_numpy()
    rows = np.flatnonzero(accepted)
    reasons = text["note"].fillna(DEFAULT_REASON)
    as_corrections = pd.DataFrame(
        {
            "credit_code": reg["credit_code"].to_numpy(dtype=object)[rows],
            "year": reg["year"].to_numpy(dtype=object)[rows],
            "field": reg["field"].to_numpy(dtype=object)[rows],
            "new_value": reg["claimed_value"].to_numpy(dtype=object)[rows],
            "reason": reasons.to_numpy(dtype=object)[rows],
            "appeal_id": ids.to_numpy(dtype=object)[rows],
            "approved_by": text["decided_by"].to_numpy(dtype=object)[rows],
            "file": reg["file"].to_numpy(dtype=object)[rows],
            "row": reg["row"].to_numpy()[rows],
        }
    )
    given = None if corrections is None else read_corrections(corrections)
    both = as_corrections if given is None else pd.concat([given, as_corrections])
    corrected = apply_correction_rows(table, both.reset_index(drop=True))
    record = corrected.corrections
    assert record is not None
    mine = record.iloc[len(record) - len(rows) :].reset_index(drop=True)
    outcome = text.assign(file=reg["file"], row=reg["row"], status=status)
    outcome["state"] = state.where(state.notna(), text["state"])
    outcome["field"] = [_field_code(f) for f in text["field"].tolist()]
    outcome["old_value"], outcome["new_value"] = "", ""
    if len(rows):
        outcome.loc[rows, "status"] = mine["status"].to_numpy(dtype=object)
        outcome.loc[rows, "field"] = (
            mine["field"]
            .where(mine["field"] != "", None)
            .fillna(outcome.loc[rows, "field"].reset_index(drop=True))
            .to_numpy(dtype=object)
        )
        outcome.loc[rows, "old_value"] = mine["old_value"].to_numpy(dtype=object)
        outcome.loc[rows, "new_value"] = mine["new_value"].fillna("").to_numpy(dtype=object)
    outcome["changed"] = _changed(outcome)
    notes = concat_issues([corrected.notes, _issues(outcome)])
    return replace(corrected, notes=notes, appeals=outcome[RECORD_COLUMNS])


def _field_code(text: object) -> object:
    """A field as its code where the header is known, else as written."""
    if text is None or pd.isna(text):
        return None
    column = resolve(normalize(text))
    return column.field if column.field and not column.problem else text


def _changed(outcome: pd.DataFrame) -> np.ndarray:
    """What each appeal changed, in words: 'old → new', or why nothing."""
    shown = outcome.astype("string").fillna("")
    old = shown["old_value"].where(shown["old_value"] != "", "（空）")
    words = shown["status"].map(OUTCOMES).fillna("")
    words = words.where(
        shown["status"] != "pending", "尚未决定（" + shown["state"] + "），未作更改"
    )
    words = words.where(shown["status"] != "applied", old + " → " + shown["new_value"])
    return words.to_numpy(dtype=object)


def _issues(outcome: pd.DataFrame) -> pd.DataFrame:
    """Errors for the rows that cannot be decided: state unreadable, no id, a duplicated id
    (one issue per row, at its row of the register; accepted ones' problems come from the
    corrections they became)."""
    origin = pd.DataFrame({"file": outcome["file"], "sheet": "", "row": outcome["row"]})
    code = outcome["credit_code"].astype("string").fillna("")
    found = [
        issue_rows(
            issue,
            (outcome["status"] == status).to_numpy(),
            origin=origin,
            credit_code=code,
            values=outcome["state"].astype("string").fillna(""),
        )
        for status, issue in _PROBLEMS.items()
    ]
    found.append(
        issue_rows(
            "appeal-duplicate-id",
            (outcome["status"] == "duplicate-id").to_numpy(),
            origin=origin,
            credit_code=code,
            values=outcome["appeal_id"].astype("string").fillna(""),
        )
    )
    return concat_issues(found)
