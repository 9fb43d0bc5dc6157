"""One sheet of a departmental file → an EnterpriseTable of its firm rows, plus what was skipped.

Rows below the header are firms, except blank rows (counted, not reported) and note rows — a row
without a credit code that carries 合计, 填报说明, 制表人 and the like — which are reported and
skipped, never read as firms.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..fields import FIELDS
from ..issues import Issue, concat_issues, empty_issues, issue, issue_rows, issue_table
from ..table import EnterpriseTable
from ..units import UNIT_FACTORS, unit_factor
from .files import Sheet
from .headers import Header, find_header
from .text_cells import extra_fields, undecodable_cells

NOTE_PREFIXES = (
    "合计",
    "总计",
    "小计",
    "填报说明",
    "说明",
    "注：",
    "注:",
    "备注",
    "制表",
    "填表",
    "单位负责人",
    "统计负责人",
    "审核",
    "联系人",
    "联系电话",
)


@dataclass(frozen=True)
class SheetRead:
    """What one sheet gave: its firm rows as a table (None: no header) and its row counts."""

    table: EnterpriseTable | None
    issues: pd.DataFrame  # sheet-level issues (columns, note rows, no header)
    rows_read: int
    rows_skipped: int


def read_sheet(sheet: Sheet, year: int | None) -> SheetRead:
    """Find the header, map the columns, drop blank and note rows, coerce the rest."""
    header = find_header(sheet.cells, sheet.merged)
    text_notes = empty_issues() if sheet.notes is None else sheet.notes
    if header is None:
        found = issue("no-header", file=sheet.file, sheet=sheet.name)
        return SheetRead(None, concat_issues([text_notes, issue_table([found])]), 0, 0)
    data = _unmerge(sheet, header.first_data_row)
    if sheet.lines is not None:  # a CSV: the line each record starts on
        rows = np.asarray(sheet.lines[header.first_data_row :], dtype=np.int64)
    else:
        rows = np.arange(header.first_data_row + 1, header.first_data_row + 1 + len(data))
    origin = pd.DataFrame({"file": sheet.file, "sheet": sheet.name, "row": rows})
    picked, column_issues = _pick_columns(sheet, header, data)
    frame = pd.DataFrame({code: data.iloc[:, i] for code, (i, _) in picked.items()})
    frame, text_issues = undecodable_cells(frame, origin)
    if sheet.lines is not None:
        text_issues = concat_issues([text_issues, extra_fields(data, header, origin)])
    blank = _blank_rows(data)
    notes = _note_rows(data, frame, blank)
    keep = ~(blank | notes)
    shown = np.full(len(data), "", dtype=object)
    shown[notes] = _first_text(data[notes])
    note_issues = issue_rows(
        "note-row", notes, origin=origin, credit_code=np.full(len(data), ""), values=shown
    )
    frame = frame[keep].reset_index(drop=True)
    year_issues = empty_issues()
    if year is not None:
        if "year" not in frame:
            frame["year"] = year
        else:  # a blank year cell is the year being read, not a firm of no year
            blank_year = frame["year"].astype("string").str.strip().fillna("").eq("").to_numpy()
            frame["year"] = frame["year"].astype(object).where(~blank_year, year)
            year_issues = issue_rows(
                "missing-year",
                blank_year,
                origin=origin[keep].reset_index(drop=True),
                credit_code=frame["credit_code"],
                field="year",
                year=year,
            )
    table = EnterpriseTable.from_frame(
        frame,
        file=sheet.file,
        sheet=sheet.name,
        origin=origin[keep].reset_index(drop=True),
        factors={code: factor for code, (_, factor) in picked.items()},
    )
    table = replace(table, notes=concat_issues([table.notes, year_issues]))
    skipped = int((~keep).sum())
    found = concat_issues([text_notes, column_issues, text_issues, note_issues])
    return SheetRead(table, found, len(data), skipped)


def _unmerge(sheet: Sheet, first_data_row: int) -> pd.DataFrame:
    """The data rows, with each merged range below the header filled with its top-left value
    (a park or year merged down the rows of its firms belongs to every one of them)."""
    data = sheet.cells.iloc[first_data_row:].reset_index(drop=True).copy()
    for (r0, c0), (r1, c1) in sheet.merged:  # merged ranges are few
        if r0 < first_data_row or c0 >= data.shape[1]:
            continue
        top = data.iat[r0 - first_data_row, c0]
        data.iloc[r0 - first_data_row : r1 - first_data_row + 1, c0 : c1 + 1] = top
    return data


def _pick_columns(
    sheet: Sheet, header: Header, data: pd.DataFrame
) -> tuple[dict[str, tuple[int, float]], pd.DataFrame]:
    """Field → (column index, unit factor) for the columns that are read; issues for the rest."""
    picked: dict[str, tuple[int, float]] = {}
    found: list[Issue] = []
    stated = _unit_above(sheet, header)
    for col in header.columns:
        problem = col.problem
        if col.field and not problem and col.field in picked:
            problem = "duplicate-column"
        if problem == "blank-header" and sheet.lines is not None and col.index > header.last_named:
            continue  # a CSV's values right of its header: reported per line (extra_fields)
        if problem == "blank-header":
            has_data = col.index < data.shape[1] and _has_values(data.iloc[:, col.index])
            problem = "unnamed-column" if has_data else ""
            if not has_data and _named_neighbour(header, col.index):
                problem = "blank-column"
        if problem:
            where = f"第{col.index + 1}列" + (f"“{col.header}”" if col.header else "")
            found.append(
                issue(
                    problem,
                    file=sheet.file,
                    sheet=sheet.name,
                    row=_header_line(sheet, header),
                    field=col.field or "",
                    value=col.unit or col.header,
                    where=where,
                )
            )
            continue
        if col.field:
            factor = col.factor
            canonical = FIELDS[col.field].unit
            if stated and not col.unit and canonical:
                from_title = unit_factor(canonical, stated)
                if from_title is not None:  # 单位：元 above the header, 实缴税金 without a unit
                    factor = from_title
                    found.append(
                        issue(
                            "unit-from-title",
                            file=sheet.file,
                            sheet=sheet.name,
                            row=_header_line(sheet, header),
                            field=col.field,
                            value=stated,
                            header=col.header,
                            unit=stated,
                        )
                    )
            picked[col.field] = (col.index, factor)
    return picked, issue_table(found)


def _header_line(sheet: Sheet, header: Header) -> int:
    """The spreadsheet row (a CSV: the file line) of the header's last row."""
    if sheet.lines is not None:
        return int(sheet.lines[header.rows[-1]])
    return header.rows[-1] + 1


def _unit_above(sheet: Sheet, header: Header) -> str:
    """A unit stated for the whole table above its header ('单位：元'), or ''."""
    above = sheet.cells.iloc[: header.rows[0]]
    known = {u for units in UNIT_FACTORS.values() for u in units}
    for text in above.astype("string").fillna("").to_numpy().ravel().tolist():
        for unit in re.findall(
            r"单位\s*[:：]\s*([^\s,，;；)）]+)", unicodedata.normalize("NFKC", text)
        ):
            if unit.lower() in known:  # not 填报单位：县税务局
                return str(unit)
    return ""


def _has_values(column: pd.Series) -> bool:
    return bool((column.notna() & (column.astype("string").str.strip() != "")).any())


def _named_neighbour(header: Header, index: int) -> bool:
    """A blank header column between named ones (trailing empty columns are not worth a word)."""
    return index < header.last_named


def _blank_rows(data: pd.DataFrame) -> np.ndarray:
    if data.empty:
        return np.zeros(len(data), dtype=bool)
    text = data.astype("string")
    return (text.isna() | (text.apply(lambda c: c.str.strip()) == "")).all(axis=1).to_numpy()


def _note_rows(data: pd.DataFrame, frame: pd.DataFrame, blank: np.ndarray) -> np.ndarray:
    """Rows whose first non-blank cell starts like a note, a total or a signature line (合计,
    填报说明：…, 制表人) and whose credit-code cell is empty or holds that very text. A firm row
    with a remark in a later column is never a note row."""
    code = frame["credit_code"].astype("string").str.strip().fillna("")
    candidates = ((code == "") | code.str.startswith(NOTE_PREFIXES)).to_numpy(dtype=bool) & ~blank
    notes = np.zeros(len(data), dtype=bool)
    if candidates.any():
        first = pd.Series(_first_text(data[candidates]), dtype="string")
        notes[candidates] = first.str.startswith(NOTE_PREFIXES).fillna(False).to_numpy(dtype=bool)
    return notes


def _first_text(rows: pd.DataFrame) -> np.ndarray:
    """The first non-blank cell of each given row (to show which note row was skipped)."""
    if rows.empty:
        return np.zeros(0, dtype=object)
    text = rows.astype("string").apply(lambda c: c.str.strip()).replace("", pd.NA)
    return text.bfill(axis=1).iloc[:, 0].fillna("").str.slice(0, 40).to_numpy(dtype=object)
