"""The data-problem workbook (问题清单.xlsx) a bureau sends back to a department to fix its data.

Sheet 问题清单 lists one issue a row, in Chinese, errors first; sheet 汇总 counts them per problem.
Only file names are shown, never a path of the bureau's machine. Every text cell is a string cell
in text format, so a value such as "=HYPERLINK(...)" stays text and never becomes a formula. The
file says nothing about when it was written (fixed workbook and zip times): the same issues give
the same bytes. It is written under a temporary name beside the target and renamed at the end.

openpyxl (write-only mode) writes the workbook: styles, merged title, frozen panes, autofilter,
column widths, the header and the 汇总 sheet. The issue rows themselves are built as sheet XML
with vectorised pandas/numpy string operations and put in before `</sheetData>` of that frame:
openpyxl spends some 30 µs on every cell, so 100,000 issues (a million styled cells) took about
35 s through it (30 s with lxml), against about 4 s this way.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from ..errors import ISSUE_COLUMNS, ExportError
from ..fields import label

SHEET = "问题清单"
SUMMARY_SHEET = "汇总"
HEADERS = (
    "序号",
    "级别",
    "问题代码",
    "问题说明",
    "文件",
    "工作表",
    "行号",
    "统一社会信用代码",
    "字段",
    "值",
)
SUMMARY_HEADERS = ("级别", "问题代码", "问题说明", "数量")
SEVERITY_LABELS = {"error": "错误", "warning": "提示", "info": "说明"}
NO_ISSUES = "未发现数据问题"
TOTAL = "合计"
FIXED_TIME = datetime(2000, 1, 1)
"""Workbook created/modified time and zip entry time, whatever the clock says."""

FIRST_ROW = 3  # row 1 the title, row 2 the header
_TEXT = "@"  # Excel's text format: a cell edited later stays text too
_MAX_CELL = 32767  # Excel's limit on the characters of one cell
_MIN_WIDTH, _MAX_WIDTH = 6, 60
_CHUNK = 20_000  # issue rows turned into XML at a time
# Characters XML 1.0 (and so Excel) cannot hold: C0 controls but tab/newline/CR and the
# non-characters U+FFFE/U+FFFF; they are shown as U+FFFD. (Text columns cannot hold lone
# surrogates: pandas' string type refuses them.)
_ILLEGAL = "[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"
# East Asian wide and full-width characters take about two columns of width in Excel.
_WIDE = (
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
    "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003fffd]"
)
_RED = PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE")
_AMBER = PatternFill("solid", start_color="FFEB9C", end_color="FFEB9C")
_HEADER_FILL = PatternFill("solid", start_color="D9E1F2", end_color="D9E1F2")
_CENTER = Alignment(horizontal="center", vertical="center")


def write_issues_workbook(
    issues: pd.DataFrame, path: str | Path, *, title: str = "数据问题清单"
) -> Path:
    """Write the issue table (errors.ISSUE_COLUMNS) as a workbook at `path`; return the path."""
    missing = [c for c in ISSUE_COLUMNS if c not in issues.columns]
    if missing:
        raise ExportError(f"the issue table lacks the columns {', '.join(missing)}")
    shown = _shown(issues)
    title = _clean(pd.Series([title])).iloc[0]
    wb = Workbook(write_only=True)
    wb.properties.creator = "mujun"
    wb.properties.title = title
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    sheet = wb.create_sheet(SHEET)
    styles = _write_issue_frame(sheet, shown, title)
    _write_summary_sheet(wb.create_sheet(SUMMARY_SHEET), _summary(shown))
    _save(wb, sheet, _rows_xml(shown, styles), Path(path), large=_maybe_large(shown))
    return Path(path)


# ---- what the sheets show ------------------------------------------------------------------


def _shown(issues: pd.DataFrame) -> pd.DataFrame:
    """The issue rows as displayed, sorted by severity (错误 first), then file, sheet and row;
    issues without a row (about a whole file or sheet) come first within their sheet."""
    issues = issues.reset_index(drop=True)
    severity = issues["severity"].fillna("").astype(str)
    full_file = issues["file"].fillna("").astype(str)
    field = issues["field"].fillna("").astype(str)
    rank = {s: i for i, s in enumerate(SEVERITY_LABELS)}
    frame = pd.DataFrame(
        {
            "_rank": severity.map(rank).fillna(len(rank)).astype("int64"),
            "_path": full_file,
            "级别": _clean(severity.map(SEVERITY_LABELS).fillna(severity)),
            "问题代码": _clean(issues["code"]),
            "问题说明": _clean(issues["message"]),
            # the file name only: a folder of the bureau's machine must not leak
            "文件": _clean(full_file.str.replace(r"^.*[\\/]", "", regex=True)),
            "工作表": _clean(issues["sheet"]),
            "行号": pd.array(issues["row"], dtype="Int64"),
            "统一社会信用代码": _clean(issues["credit_code"]),
            "字段": _clean(field.map({c: label(c) if c else "" for c in field.unique()})),
            "值": _clean(issues["value"]),
        }
    )
    frame = frame.sort_values(
        ["_rank", "文件", "_path", "工作表", "行号"], na_position="first", kind="stable"
    )
    return frame.drop(columns="_path").reset_index(drop=True)


def _summary(shown: pd.DataFrame) -> pd.DataFrame:
    """Counts per (级别, 问题代码) with the 问题说明 of the code's first row in the list, most
    frequent first (then by severity and code)."""
    grouped = shown.groupby(["级别", "问题代码"], sort=False)
    summary = grouped.agg(
        _rank=("_rank", "first"), 问题说明=("问题说明", "first"), 数量=("问题代码", "size")
    ).reset_index()
    summary = summary.sort_values(
        ["数量", "_rank", "问题代码"], ascending=[False, True, True], kind="stable"
    )
    return summary[list(SUMMARY_HEADERS)].reset_index(drop=True)


def _clean(column: pd.Series) -> pd.Series:
    """Text as a cell can hold it: characters XML cannot carry shown as U+FFFD, at most 32767
    characters (the rest cut off and marked with …)."""
    text = column.fillna("").astype(str)
    text = text.str.replace(_ILLEGAL, "\ufffd", regex=True)
    too_long = text.str.len() > _MAX_CELL
    if too_long.any():
        text = text.where(~too_long, text.str.slice(0, _MAX_CELL - 1) + "…")
    return text


def _width(texts: Sequence[str] | pd.Series) -> float:
    """A column width fitted to the longest text; a wide (CJK) character counts 2."""
    s = pd.Series(texts, dtype=object).astype(str)
    if not len(s):
        return _MIN_WIDTH
    longest = int((s.str.len() + s.str.count(_WIDE)).max())
    return float(min(max(longest + 2, _MIN_WIDTH), _MAX_WIDTH))


# ---- the sheets ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Styles:
    """Style ids (cellXfs indexes) of the issue rows' cells, registered in the workbook."""

    text: int
    error: int
    warning: int


def _write_issue_frame(ws: Any, shown: pd.DataFrame, title: str) -> _Styles:
    """Widths, frozen panes, autofilter, the merged title (row 1) and the header (row 2); the
    issue rows are added as XML on saving (`_rows_xml`)."""
    n = len(shown)
    last = get_column_letter(len(HEADERS))
    texts = {
        "序号": [str(n)],
        "行号": shown["行号"].dropna().astype(str),
        **{h: shown[h] for h in HEADERS if h not in ("序号", "行号")},
    }
    for i, header in enumerate(HEADERS, 1):
        width = max(_width([header]), _width(texts[header]))
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.row_dimensions[1].height = 24
    ws.freeze_panes = f"A{FIRST_ROW}"
    ws.auto_filter.ref = f"A2:{last}{FIRST_ROW - 1 + n}"
    ws.merged_cells.add(f"A1:{last}1")
    ws.append([_text_cell(ws, title, font=Font(bold=True, size=14), alignment=_CENTER)])
    ws.append(_header_cells(ws, HEADERS))
    if not n:
        ws.merged_cells.add(f"A{FIRST_ROW}:{last}{FIRST_ROW}")
        ws.append([_text_cell(ws, NO_ISSUES)])
    return _Styles(
        text=_text_cell(ws, "-").style_id,
        error=_text_cell(ws, "-", fill=_RED).style_id,
        warning=_text_cell(ws, "-", fill=_AMBER).style_id,
    )


def _write_summary_sheet(ws: Any, summary: pd.DataFrame) -> None:
    """Header, one row per (级别, 问题代码), most frequent first, then the total."""
    columns = [[h, *summary[h].astype(str)] for h in SUMMARY_HEADERS]
    columns[0] += [TOTAL, NO_ISSUES]
    for i, column in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = _width(column)
    ws.freeze_panes = "A2"
    ws.append(_header_cells(ws, SUMMARY_HEADERS))
    if summary.empty:
        ws.append([_text_cell(ws, NO_ISSUES)])
    for level, code, message, count in summary.to_numpy().tolist():  # one row per issue code
        fill = {"错误": _RED, "提示": _AMBER}.get(level)
        cells = [_text_cell(ws, level, fill=fill), _text_cell(ws, code), _text_cell(ws, message)]
        ws.append([*cells, WriteOnlyCell(ws, value=int(count))])
    total = WriteOnlyCell(ws, value=int(summary["数量"].sum()))
    total.font = Font(bold=True)
    ws.append([_text_cell(ws, TOTAL, font=Font(bold=True)), None, None, total])


def _text_cell(
    ws: Any,
    text: str,
    *,
    font: Font | None = None,
    fill: PatternFill | None = None,
    alignment: Alignment | None = None,
) -> Any:
    """A string cell in text format: never a formula or an error value, whatever it begins with."""
    cell = WriteOnlyCell(ws)
    cell.value = text
    cell.data_type = "s"
    cell.number_format = _TEXT
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if alignment is not None:
        cell.alignment = alignment
    return cell


def _header_cells(ws: Any, headers: Sequence[str]) -> list[Any]:
    return [
        _text_cell(ws, h, font=Font(bold=True), fill=_HEADER_FILL, alignment=_CENTER)
        for h in headers
    ]


# ---- the issue rows as sheet XML -----------------------------------------------------------


def _rows_xml(shown: pd.DataFrame, styles: _Styles) -> Iterator[str]:
    """`<row>` elements of the issue rows, a chunk at a time, built column-wise with numpy."""
    level_styles = {"错误": styles.error, "提示": styles.warning}
    for start in range(0, len(shown), _CHUNK):
        part = shown.iloc[start : start + _CHUNK]
        n = len(part)
        r = _strings(np.arange(start + FIRST_ROW, start + FIRST_ROW + n))
        level = _strings(part["级别"].map(level_styles).fillna(styles.text).to_numpy("int64"))
        xml = '<row r="' + r + '">'
        for i, header in enumerate(HEADERS):
            ref = get_column_letter(i + 1)
            if header == "序号":
                numbers = _strings(np.arange(start + 1, start + 1 + n))
                xml = xml + _number_xml(ref, r, numbers, np.ones(n, dtype=bool))
            elif header == "行号":
                rows = part["行号"]
                numbers = _strings(rows.fillna(0).to_numpy("int64"))
                xml = xml + _number_xml(ref, r, numbers, rows.notna().to_numpy())
            else:
                style = level if header == "级别" else str(styles.text)
                xml = xml + _text_xml(ref, r, part[header], style)
        yield "".join(xml + "</row>")


def _strings(values: np.ndarray) -> np.ndarray:
    """Numbers as an object array of str, ready for element-wise concatenation."""
    return values.astype(str).astype(object)


def _number_xml(ref: str, r: np.ndarray, text: np.ndarray, present: np.ndarray) -> np.ndarray:
    xml = '<c r="' + ref + r + '" t="n"><v>' + text + "</v></c>"
    return np.where(present, xml, "").astype(object)


def _text_xml(ref: str, r: np.ndarray, column: pd.Series, style: Any) -> np.ndarray:
    text = column.to_numpy(dtype=object)
    escaped = (
        column.str.replace("&", "&amp;", regex=False)
        .str.replace("<", "&lt;", regex=False)
        .str.replace(">", "&gt;", regex=False)
        .str.replace("\r", "&#13;", regex=False)
        .to_numpy(dtype=object)
    )
    # leading or trailing blanks are kept only when the text says so
    keep = (column.str.strip() != column).to_numpy()
    open_t = np.where(keep, '<t xml:space="preserve">', "<t>").astype(object)
    cell = '<c r="' + ref + r + '" s="' + style
    xml = cell + '" t="inlineStr"><is>' + open_t + escaped + "</t></is></c>"
    # an empty cell keeps the text format, so what a department types in stays text too
    return np.where(text != "", xml, cell + '"/>').astype(object)


def _maybe_large(shown: pd.DataFrame) -> bool:
    """Whether the issue sheet might pass 2 GiB unpacked (then its zip entry needs zip64)."""
    chars = sum(int(shown[h].str.len().sum()) for h in HEADERS if h not in ("序号", "行号"))
    return 6 * chars + 1_000 * len(shown) > zipfile.ZIP64_LIMIT


# ---- saving --------------------------------------------------------------------------------


def _save(wb: Any, sheet: Any, rows: Iterator[str], out: Path, *, large: bool) -> None:
    """openpyxl writes the workbook to memory; it is copied to a temporary file beside `out`
    with fixed entry times and the issue rows put in, then renamed into place."""
    frame = io.BytesIO()
    try:
        with zipfile.ZipFile(frame, "w", zipfile.ZIP_STORED) as archive:
            # ExcelWriter itself: save_workbook() would stamp the current time as `modified`.
            ExcelWriter(wb, archive).save()
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    except OSError as exc:
        raise ExportError(f"cannot write {out}: {exc}") from None
    sheet_part = sheet.path.lstrip("/")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle, zipfile.ZipFile(frame) as src, _zip(handle) as dst:
            for info in src.infolist():
                data = src.read(info)
                entry = _entry(info.filename)
                if info.filename != sheet_part:
                    dst.writestr(entry, data)
                    continue
                head, end, tail = data.partition(b"</sheetData>")
                if not end:
                    raise ExportError(f"cannot write {out}: no sheetData in {sheet_part}")
                with dst.open(entry, "w", force_zip64=large) as part:
                    part.write(head)
                    for chunk in rows:
                        part.write(chunk.encode("utf-8"))
                    part.write(end + tail)
        tmp.chmod(0o644)
        tmp.replace(out)
    except OSError as exc:
        raise ExportError(f"cannot write {out}: {exc}") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _zip(handle: Any) -> zipfile.ZipFile:
    return zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, allowZip64=True)


def _entry(name: str) -> zipfile.ZipInfo:
    """A zip entry with fixed time and attributes, so the bytes depend on the content only."""
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    return info
