"""Corrections (异议复核): approved changes applied on top of the raw data, never editing it.

A corrections table has one row per change: credit code, year, field (its code or a Chinese header,
with a unit if the value is not in the canonical unit: `实缴税金(元)`), the new value, the reason,
the appeal id and who approved it. Each row is applied, or reported as matching no firm, or as
unusable (a new value that cannot be read, or that is blank or a placeholder: a correction
never clears a value); all of them are listed in `EnterpriseTable.corrections` and so in the
manifest. A cell that could not be read and that a correction replaces is no longer flagged: its
problem stays in the notes, as information, saying it was corrected.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from .. import values
from ..errors import DataError
from ..fields import FIELDS
from ..issues import concat_issues, issue_rows
from ..table import UNREADABLE, EnterpriseTable, parse_field, settled_issue
from .headers import normalize, resolve
from .merge import RELATIVE_TOLERANCE
from .registers import read_register

COLUMNS = {
    "credit_code": ("统一社会信用代码", "社会信用代码", "信用代码", "credit_code"),
    "year": ("年度", "年份", "year"),
    "field": ("字段", "更正字段", "指标", "项目", "field"),
    "new_value": ("新值", "更正后数值", "更正值", "更正后", "new_value", "value"),
    "reason": ("原因", "更正原因", "理由", "reason"),
    "appeal_id": ("申诉编号", "异议编号", "复核编号", "编号", "appeal_id"),
    "approved_by": ("审批人", "批准人", "审核人", "approved_by"),
}
_NEEDED = ("credit_code", "field", "new_value")
_NEEDS = "统一社会信用代码、年度、字段、新值、原因、申诉编号、审批人"
RECORD_COLUMNS = [
    "credit_code",
    "year",
    "field",
    "old_value",
    "new_value",
    "reason",
    "appeal_id",
    "approved_by",
    "file",
    "row",
    "status",
]


def read_corrections(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """The corrections as text columns (COLUMNS' keys) plus the file and row of each."""
    reg = read_register(
        source,
        COLUMNS,
        markers=("field",),
        needed=_NEEDED,
        missing_header=f"前10行中没有“字段”列（更正表需要{_NEEDS}）",
    )
    out, file, first, absent = reg.columns, reg.file, reg.first, reg.absent
    if absent and len(out):  # a column present, however blank, is read (and reported)
        where = file or "异议复核更正表"
        raise DataError(f"{where}：缺少列{'、'.join(absent)}（更正表需要{_NEEDS}）")
    out["file"], out["row"] = file, np.arange(first, first + len(out))
    blank = values.as_text(out["credit_code"]).isna() & values.as_text(out["field"]).isna()
    return out[~blank.to_numpy()].reset_index(drop=True)


def apply_corrections(table: EnterpriseTable, source: str | Path | pd.DataFrame) -> EnterpriseTable:
    """The table with each approved correction applied, and a record of every correction."""
    return apply_correction_rows(table, read_corrections(source))


def apply_correction_rows(table: EnterpriseTable, corr: pd.DataFrame) -> EnterpriseTable:
    """`apply_corrections` of corrections already read (`read_corrections`' columns, each row
    with its file and row): the appeals register adds its accepted appeals to them."""
    frame = table.frame.copy()
    code = values.credit_codes(corr["credit_code"]).values
    years = values.integers(corr["year"]).values
    default_year = frame["year"].dropna().unique() if "year" in frame else []
    if len(default_year) == 1:  # a blank year means the only year the data has
        years = years.fillna(int(default_year[0]))
    columns = [resolve(normalize(f)) for f in corr["field"].tolist()]  # one per correction
    fields = np.array([c.field or "" for c in columns], dtype=object)
    factors = np.array([c.factor for c in columns], dtype=float)
    usable = np.array(
        [
            bool(c.field)
            and not c.problem
            and c.field in FIELDS
            and c.field not in ("credit_code", "year")
            for c in columns
        ],
        dtype=bool,
    )  # a key is corrected by a new row, not in place
    key_year = frame["year"] if "year" in frame else pd.Series(pd.NA, index=frame.index)
    key = pd.DataFrame({"credit_code": frame["credit_code"], "year": key_year.astype("Int64")})
    key = key[key["credit_code"].notna()].assign(position=lambda k: k.index.to_numpy())
    wanted = pd.DataFrame({"credit_code": code, "year": years.astype("Int64")})
    matched = wanted.merge(key, on=["credit_code", "year"], how="left")["position"]
    matched = matched.where(code.notna().to_numpy())  # no code, no firm
    found = matched.notna().to_numpy() & usable
    record = corr.assign(credit_code=code, year=years, field=fields, old_value="", status="")
    record["new_value"] = values.as_text(corr["new_value"])
    settled: list[pd.DataFrame] = []
    for name in sorted(set(fields[found])):  # a loop over corrected fields, not firms
        rows = np.flatnonzero(found & (fields == name))
        parsed = parse_field(name, corr["new_value"].iloc[rows].reset_index(drop=True))
        if FIELDS[name].kind == "date":  # a firm founded after the year it is corrected for
            parsed = values.bound_dates(parsed, years.iloc[rows].reset_index(drop=True))
        ok = ~(parsed.bad | parsed.notes.get("implausible-date", False))
        empty = ok & _no_value(record["new_value"].iloc[rows], parsed.values, FIELDS[name].kind)
        ok &= ~empty
        positions = matched.iloc[rows].to_numpy(dtype=np.int64)
        new = parsed.values
        if FIELDS[name].kind == "number":  # each in its own unit: 13334 平方米 is 20.001 亩
            new = new * factors[rows]
        clash = _disagreeing(positions, new, ok, FIELDS[name].kind == "number")
        record.loc[rows[clash], "status"] = _CONFLICT
        ok &= ~clash
        if name not in frame:
            frame[name] = parse_field(name, pd.Series([None] * len(frame), dtype=object)).values
        record.loc[rows, "old_value"] = (
            frame[name].iloc[positions].astype("string").fillna("").to_numpy()
        )
        frame.loc[positions[ok], name] = new[ok].to_numpy()
        if UNREADABLE + name in frame:  # the correction replaces a cell that could not be read
            fixed = np.zeros(len(frame), dtype=bool)
            fixed[positions[ok]] = True
            settled.append(settled_issue(table, name, fixed))
            frame.loc[fixed, UNREADABLE + name] = pd.NA
        record.loc[rows[ok], "status"] = "applied"
        record.loc[rows[~ok & ~clash & ~empty], "status"] = "invalid-value"
        record.loc[rows[empty], "status"] = _EMPTY
    record.loc[~usable, "status"] = "unknown-field"
    record.loc[usable & matched.isna().to_numpy(), "status"] = "unmatched"
    notes = concat_issues([table.notes, *settled, _issues(record, table, matched)])
    return replace(table, frame=frame, notes=notes, corrections=record[RECORD_COLUMNS])


def _no_value(text: pd.Series, parsed: pd.Series, kind: str) -> np.ndarray:
    """New values that say none: blank, or read as missing ('—', '无', '#N/A'; for a text
    field, those words as they stand). Applied, they would wipe the firm's value, and no
    correction clears one ('无' of a yes/no field is a value: no)."""
    none = text.isna().to_numpy() | parsed.isna().to_numpy()
    if kind == "text":
        words = text.str.lower().isin(values.PLACEHOLDERS) | text.str.upper().isin(
            values.EXCEL_ERRORS
        )
        none |= words.fillna(False).to_numpy(dtype=bool)
    return none


def _disagreeing(
    positions: np.ndarray, new: pd.Series, ok: np.ndarray, numeric: bool
) -> np.ndarray:
    """The readable corrections of one field that another readable correction of the same
    firm-year sets to a different value (numbers: beyond rounding): which one was meant, no
    one can tell. Copies of one correction agree."""
    if len(np.unique(positions[ok])) == ok.sum():  # the usual case: one correction a firm
        return np.zeros(len(ok), dtype=bool)
    at = pd.Series(positions[ok])
    if numeric:
        number = pd.Series(new.to_numpy(dtype=float)[ok])
        lo, hi = number.groupby(at).min(), number.groupby(at).max()
        scale = np.maximum(1.0, np.maximum(lo.abs(), hi.abs()))
        differ = ((hi - lo) > RELATIVE_TOLERANCE * scale).to_numpy()
        clashing = lo.index[differ].to_numpy()
    else:
        text = pd.Series(new.astype("string").to_numpy()[ok])
        counts = text.groupby(at).nunique(dropna=False)
        clashing = counts.index[(counts > 1).to_numpy()].to_numpy()
    return ok & np.isin(positions, clashing)


_CONFLICT, _EMPTY = "conflict", "empty-value"
PROBLEMS = {  # status → issue code and variant
    "unmatched": ("correction-unmatched", None),
    "unknown-field": ("correction-bad-field", None),
    "invalid-value": ("correction-bad-value", None),
    _EMPTY: ("correction-bad-value", "empty"),
}


def _issues(record: pd.DataFrame, table: EnterpriseTable, matched: pd.Series) -> pd.DataFrame:
    """One issue per correction: applied ones at the firm's own row, the rest at their row of
    the corrections file."""
    applied = (record["status"] == "applied").to_numpy()
    text = record.astype("string").fillna("")
    shown = (
        text["old_value"]
        + " → "
        + text["new_value"]
        + "（"
        + text["appeal_id"]
        + "，"
        + text["approved_by"]
        + "批准）"
    ).to_numpy(dtype=object)
    at = matched.fillna(0).to_numpy(dtype=np.int64)
    firm_origin = table.origin.iloc[at].reset_index(drop=True)
    done = issue_rows(
        "correction-applied",
        applied,
        origin=firm_origin,
        credit_code=text["credit_code"],
        values=shown,
    )
    done["field"] = record["field"].to_numpy(dtype=object)[applied]
    origin = pd.DataFrame({"file": record["file"], "sheet": "", "row": record["row"]})
    found = [done, _conflicts(record, text, origin, at)]
    for status, (code, variant) in PROBLEMS.items():
        mask = (record["status"] == status).to_numpy()
        found.append(
            issue_rows(
                code,
                mask,
                origin=origin,
                credit_code=text["credit_code"],
                values=text["new_value"],
                variant=variant,
            )
        )
    return concat_issues(found)


def _conflicts(
    record: pd.DataFrame, text: pd.DataFrame, origin: pd.DataFrame, at: np.ndarray
) -> pd.DataFrame:
    """One error per correction that another of the same firm, year and field contradicts,
    at its row of the corrections file, listing every one of them (appeal id, row, value)."""
    clash = (record["status"] == _CONFLICT).to_numpy()
    if not clash.any():
        return concat_issues([])
    rows = np.flatnonzero(clash)
    appeal = text["appeal_id"].where(text["appeal_id"] != "", "（无编号）")
    shown = (appeal + "（第" + text["row"] + "行）：" + text["new_value"]).to_numpy(dtype=object)[
        rows
    ]
    group = pd.Series(at[rows]).astype(str) + "|" + record["field"].iloc[rows].astype(str).values
    listing = pd.Series(shown).groupby(group.to_numpy()).transform("；".join)
    values_shown = np.full(len(record), "", dtype=object)
    values_shown[rows] = listing.to_numpy(dtype=object)
    issues = issue_rows(
        "correction-conflict",
        clash,
        origin=origin,
        credit_code=text["credit_code"],
        values=values_shown,
    )
    issues["field"] = record["field"].to_numpy(dtype=object)[clash]
    return issues
