"""The data-problem workbook (问题清单.xlsx) a bureau sends back to a department to fix its data.

Sheet 问题清单 lists one issue a row, in Chinese, errors first; sheet 汇总 counts them per kind
of problem (the catalog's titles). More issues than a sheet holds (Excel: 1,048,576 rows) go on
to sheets 问题清单2, 问题清单3, …, numbered on; every title then says how the list is split.
Only file names are shown, never a path of the bureau's machine. The issue sheet is also part of
the internal result workbook. Cells are text cells and the file is reproducible (see xlsx.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook

from ..errors import ExportError
from ..fields import label
from ..issues import CATALOG, ISSUE_COLUMNS, SEVERITY_LABELS
from ..rules.unit_key import key_labelled, said_key, shown_header
from . import styles, xlsx
from .layout import header_cell, number_style, print_setup, squeeze, text_lines, text_style
from .xlsx import (
    Body,
    NumberColumn,
    TextColumn,
    clean,
    clean_text,
    line_heights,
    maybe_large,
    new_workbook,
    number_cell,
    rows_xml,
    save,
    text_cell,
    text_chars,
    width,
)

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
    "企业名称",
    "字段",
    "值",
)
SUMMARY_HEADERS = ("级别", "问题代码", "问题说明", "文件", "数量")
# the widest each column may be: longer texts wrap; together they fit one A4 page width at
# no less than MIN_SCALE (layout.page_plan), so every column prints on the first page
WIDEST = {
    "问题代码": 24.0,
    "问题说明": 34.0,
    "文件": 18.0,
    "工作表": 10.0,
    "统一社会信用代码": 20.0,
    "企业名称": 18.0,
    "字段": 12.0,
    "值": 14.0,
}
WRAPPED = ("问题代码", "问题说明", "文件", "工作表", "企业名称", "字段", "值")
NO_ISSUES = "未发现数据问题"
TOTAL = "合计"
FIRST_ROW = 3  # row 1 the title, row 2 the header


def write_issues_workbook(
    issues: pd.DataFrame,
    path: str | Path,
    *,
    title: str = "数据问题清单",
    names: pd.DataFrame | None = None,
    labels: Mapping[str, str] | None = None,
    rules: Any = None,
) -> Path:
    """Write the issue table (errors.ISSUE_COLUMNS) as a workbook at `path`; return the path.
    `names` (results: credit_code, name) gives the 企业名称 beside a credit code when the
    issue table has no `name` column of its own; `labels` names the indicators an issue's
    `field` may hold (Rules.indicator_labels); `rules` (when given) names the key column by
    its `[input] key_label` (else as the workbook being written names it)."""
    with key_labelled(rules) if rules is not None else nullcontext():
        wb = new_workbook(title)
        bodies = add_issue_sheet(wb, issues, title, names=names, labels=labels)
        shown = shown_issues(issues, names, labels)
        _write_summary_sheet(wb.create_sheet(SUMMARY_SHEET), _summary(shown))
        return save(wb, Path(path), bodies)


def rows_per_sheet() -> int:
    """Issue rows one sheet holds below its title and header."""
    return xlsx.SHEET_ROWS - (FIRST_ROW - 1)


def issue_sheet_names(n: int, name: str = SHEET) -> list[str]:
    """The sheets `n` issues take: `name`, then `name`2, `name`3, … as needed."""
    pages = max(1, -(-n // rows_per_sheet()))
    return [name, *(f"{name}{k}" for k in range(2, pages + 1))]


def add_issue_sheet(
    wb: Workbook,
    issues: pd.DataFrame,
    title: str,
    name: str = SHEET,
    *,
    names: pd.DataFrame | None = None,
    labels: Mapping[str, str] | None = None,
) -> list[Body]:
    """Add the issue list as sheet `name` of `wb` (and its continuation sheets, see
    `issue_sheet_names`); the rows go in when the workbook is saved."""
    shown = shown_issues(issues, names, labels)
    names = issue_sheet_names(len(shown), name)
    per = rows_per_sheet()
    bodies = []
    for k, sheet_name in enumerate(names):
        part = shown.iloc[k * per : (k + 1) * per].reset_index(drop=True)
        heading = title
        if len(names) > 1:
            heading = (
                f"{title}（共{len(shown)}条，分{len(names)}个工作表：{'、'.join(names)}；"
                f"本表为第{k + 1}个，第{k * per + 1}至{k * per + len(part)}条）"
            )
        sheet = wb.create_sheet(sheet_name)
        styles, widths = _write_issue_frame(sheet, part, clean_text(heading))
        columns = _columns(part, styles, first=k * per + 1)
        large = maybe_large(text_chars(columns), len(part))
        heights = np.maximum.reduce(
            [np.full(len(part), 15.0)]
            + [line_heights(part[h], widths[HEADERS.index(h)]) for h in WRAPPED]
        )
        rows = rows_xml(columns, FIRST_ROW, len(part), heights if (heights > 15).any() else None)
        bodies.append(Body(sheet, rows, large))
    return bodies


# ---- what the sheets show ------------------------------------------------------------------


def shown_issues(
    issues: pd.DataFrame,
    names: pd.DataFrame | None = None,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The issue rows as displayed, sorted by severity (错误 first), then file, sheet and row;
    issues without a row (about a whole file or sheet) come first within their sheet. The firm's
    name is the issue's own `name`, else the one `names` (credit_code, name) gives its code."""
    missing = [c for c in ISSUE_COLUMNS if c not in issues.columns]
    if missing:
        raise ExportError(f"问题表缺少列：{'、'.join(missing)}")
    issues = issues.reset_index(drop=True)
    severity = issues["severity"].fillna("").astype(str)
    full_file = issues["file"].fillna("").astype(str)
    field = issues["field"].fillna("").astype(str)
    rank = {s: i for i, s in enumerate(SEVERITY_LABELS)}
    frame = pd.DataFrame(
        {
            "_rank": severity.map(rank).fillna(len(rank)).astype("int64"),
            "_path": full_file,
            "级别": clean(severity.map(SEVERITY_LABELS).fillna(severity)),
            "问题代码": clean(issues["code"]),
            "问题说明": clean(issues["message"]),
            # the file name only: a folder of the bureau's machine must not leak
            "文件": clean(full_file.str.replace(r"^.*[\\/]", "", regex=True)),
            "工作表": clean(issues["sheet"]),
            "行号": pd.array(issues["row"], dtype="Int64"),
            "统一社会信用代码": clean(issues["credit_code"]),
            "企业名称": clean(_names(issues, names)),
            "字段": clean(field.map({c: field_label(c, labels) for c in field.unique()})),
            "值": clean(issues["value"]),
        }
    )
    frame = frame.sort_values(
        ["_rank", "文件", "_path", "工作表", "行号"], na_position="first", kind="stable"
    )
    return frame.drop(columns="_path").reset_index(drop=True)


def field_label(code: str, labels: Mapping[str, str] | None = None) -> str:
    """A field's Chinese label, or an indicator's from `labels`; "" for none."""
    if not code:
        return ""
    return (labels or {}).get(code) or shown_header(label(code))  # the key: its label


def _names(issues: pd.DataFrame, names: pd.DataFrame | None) -> pd.Series:
    """Each issue's firm name: its own `name` column, else looked up by credit code."""
    if "name" in issues.columns:
        return issues["name"]
    if names is None or issues.empty:
        return pd.Series("", index=issues.index, dtype=object)
    known = names[["credit_code", "name"]].dropna(subset=["credit_code"])
    lookup = known.drop_duplicates("credit_code").set_index("credit_code")["name"]
    return issues["credit_code"].map(lookup)


def _summary(shown: pd.DataFrame) -> pd.DataFrame:
    """Counts per (级别, 问题代码, 文件) with the code's title from the catalog (a message
    names one file or firm, a title the kind of problem), errors first and within a severity
    the most frequent first (then code and file): "missing from a file" counts the firms
    missing from each file apart."""
    grouped = shown.groupby(["级别", "问题代码", "文件"], sort=False)
    summary = grouped.agg(
        _rank=("_rank", "first"), 问题说明=("问题说明", "first"), 数量=("问题代码", "size")
    ).reset_index()
    titles = summary["问题代码"].map({code: kind.title for code, kind in CATALOG.items()})
    titles = said_key(titles.fillna(summary["问题说明"]))  # a code of another tool: its message
    summary["问题说明"] = clean(titles)
    summary = summary.sort_values(
        ["_rank", "数量", "问题代码", "文件"], ascending=[True, False, True, True], kind="stable"
    )
    return summary[list(SUMMARY_HEADERS)].reset_index(drop=True)


# ---- the sheets ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Styles:
    """Style ids (cellXfs indexes) of the issue rows' cells, registered in the workbook."""

    text: int
    number: int
    error: int
    warning: int


def _write_issue_frame(ws: Any, shown: pd.DataFrame, title: str) -> tuple[_Styles, list[float]]:
    """Widths (fitted to the texts, at most WIDEST), print set-up, frozen panes, autofilter,
    the merged title (row 1) and the header (row 2); the issue rows are added as XML on saving
    (`_columns`). Returns the styles and the column widths."""
    n = len(shown)
    last = get_column_letter(len(HEADERS))
    texts = {
        "序号": [str(n)],
        "行号": shown["行号"].dropna().astype(str),
        **{h: shown[h] for h in HEADERS if h not in ("序号", "行号")},
    }
    fitted = [
        min(max(width([header]), width(texts[header])), WIDEST.get(header, xlsx.MAX_WIDTH))
        for header in HEADERS
    ]
    widths = squeeze(fitted, [h in WRAPPED for h in HEADERS])
    print_setup(ws, widths)
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.row_dimensions[1].height = 28
    ws.freeze_panes = f"A{FIRST_ROW}"
    ws.auto_filter.ref = f"A2:{last}{FIRST_ROW - 1 + n}"
    ws.print_title_rows = "2:2"
    ws.merged_cells.add(f"A1:{last}1")
    ws.append([text_cell(ws, title, font=styles.TITLE_FONT, alignment=styles.CENTER)])
    lines = max(text_lines(h, w) for h, w in zip(HEADERS, widths, strict=True))
    ws.row_dimensions[2].height = 13.5 * lines + 6
    ws.append([header_cell(ws, shown_header(h)) for h in HEADERS])
    if not n:
        ws.merged_cells.add(f"A{FIRST_ROW}:{last}{FIRST_ROW}")
        ws.append([text_cell(ws, NO_ISSUES, font=styles.BODY_FONT)])
    return _Styles(
        text=text_style(ws, alignment=styles.WRAP_MIDDLE),
        number=number_style(ws, styles.INTEGER),
        error=text_style(ws, fill=styles.ERROR_FILL),
        warning=text_style(ws, fill=styles.WARNING_FILL),
    ), widths


def _write_summary_sheet(ws: Any, summary: pd.DataFrame) -> None:
    """Header, one row per (级别, 问题代码), most frequent first, then the total."""
    columns = [[h, *summary[h].astype(str)] for h in SUMMARY_HEADERS]
    columns[0] += [TOTAL, NO_ISSUES]
    widths = [min(width(column), 40.0) for column in columns]
    print_setup(ws, widths)
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.append([header_cell(ws, h) for h in SUMMARY_HEADERS])
    body = {"font": styles.BODY_FONT, "border": styles.BORDER}
    wrap = {**body, "alignment": styles.WRAP_MIDDLE}
    if summary.empty:
        ws.append([text_cell(ws, NO_ISSUES, **body)])
    for row in summary.to_numpy().tolist():  # one row per issue code and file
        level, code, message, file, count = row
        fill = {"错误": styles.ERROR_FILL, "提示": styles.WARNING_FILL}.get(level)
        cells = [text_cell(ws, x, **wrap) for x in (code, message, file)]
        count_cell = number_cell(
            ws, int(count), styles.INTEGER, alignment=styles.RIGHT_MIDDLE, **body
        )
        ws.append(
            [text_cell(ws, level, fill=fill, alignment=styles.LEFT, **body), *cells, count_cell]
        )
    total = number_cell(ws, int(summary["数量"].sum()), styles.INTEGER, font=styles.BOLD_FONT)
    ws.append([text_cell(ws, TOTAL, font=styles.BOLD_FONT), None, None, None, total])


def _columns(
    shown: pd.DataFrame, styles: _Styles, first: int = 1
) -> list[TextColumn | NumberColumn]:
    """The issue rows' cells, column by column, numbered from `first`; the 级别 cell coloured
    by severity."""
    level = {"错误": styles.error, "提示": styles.warning}
    columns: list[TextColumn | NumberColumn] = []
    for header in HEADERS:
        if header == "序号":
            numbers = np.arange(first, first + len(shown), dtype=float)
            columns.append(NumberColumn(numbers, styles.number, integer=True))
        elif header == "行号":
            rows = shown["行号"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
            columns.append(NumberColumn(rows, styles.number, integer=True))
        elif header == "级别":
            ids = shown["级别"].map(level).fillna(styles.text).to_numpy("int64")
            columns.append(TextColumn(shown["级别"], ids))
        else:
            columns.append(TextColumn(shown[header], styles.text))
    return columns
