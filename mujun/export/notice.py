"""告知书: one printable A4-portrait sheet per firm, for the firm itself — its figures, each
indicator's value, benchmark and points, its total, rank and tier, the line of the next tier and
what would reach it (from `engine.explain`). The firm's own tax is shown: the notice goes to it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..fields import label as field_label
from ..rules.declared import with_rules_fields
from ..rules.unit_key import key_label
from . import styles
from .xlsx import FIXED_TIME, clean_text, display_width, save

if TYPE_CHECKING:
    from ..engine.evaluation import Evaluation
    from ..engine.explain import Explanation

_WIDTHS = (18, 16, 13, 13, 12, 14)  # A..F: fits A4 portrait with the margins below
_COLUMNS = len(_WIDTHS)


@with_rules_fields
def write_notices(ev: Evaluation, explanations: Sequence[Explanation], path: str | Path) -> Path:
    """One 告知书 sheet per explanation into the workbook at `path`."""
    out = Path(path)
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "mujun"
    wb.properties.lastModifiedBy = None
    wb.properties.title = f"{ev.rules.region}{ev.rules.year}年度亩均效益评价告知书"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    used: set[str] = set()
    for ex in explanations:
        ws = wb.create_sheet(_sheet_name(ex, used))
        _fill_sheet(ws, ev, ex)
    if not explanations:
        wb.create_sheet("告知书")
    return save(wb, out)


def _sheet_name(ex: Explanation, used: set[str]) -> str:
    """The firm's name cut to Excel's 31 characters, without the characters a sheet name may
    not hold, unique in the workbook."""
    base = re.sub(r"[\[\]:*?/\\]", "_", ex.name or ex.credit_code)[:28] or "企业"
    name, i = base, 2
    while name in used:
        name, i = f"{base[:26]}_{i}", i + 1
    used.add(name)
    return name


def _fill_sheet(ws: Worksheet, ev: Evaluation, ex: Explanation) -> None:
    rules = ev.rules
    klass = next((c for c in rules.classes if c.code == ex.klass), None)
    row = 1
    row = _merged(ws, row, f"{rules.region}{rules.year}年度工业企业亩均效益评价告知书",
                  styles.TITLE_FONT, styles.CENTER, 30)  # fmt: skip
    row = _merged(ws, row, f"{ex.name}（{key_label()}：{ex.credit_code}）",
                  styles.HEADING_FONT, styles.LEFT, 20)  # fmt: skip
    facts = [
        ("评价类别", klass.label if klass else "—"),
        ("评价结果", f"{ex.tier or '—'} {ex.tier_label or ''}".strip()),
        ("综合得分", _num(ex.total_score, 2)),
        ("类内排名", f"第{ex.rank}名" if ex.rank else "—"),
    ]
    for label, value in facts:
        _cell(ws, row, 1, label, styles.BOLD_FONT, styles.HEADER_FILL)
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=_COLUMNS)
        _cell(ws, row, 2, value, styles.BODY_FONT)
        row += 1
    row += 1
    row = _merged(ws, row, "一、各项指标", styles.HEADING_FONT, styles.LEFT, 18)
    for col, head in enumerate(("指标", "单位", "本企业", "基准值", "权重", "得分"), start=1):
        _cell(ws, row, col, head, styles.HEADER_FONT, styles.HEADER_FILL, styles.CENTER)
    row += 1
    for r in ex.indicators.itertuples():
        values = (r.label, r.unit, _num(r.value), _num(r.benchmark), _num(r.weight, 2),
                  _num(r.points, 2))  # fmt: skip
        for col, value in enumerate(values, start=1):
            _cell(ws, row, col, value, styles.BODY_FONT, None, styles.WRAP_MIDDLE)
        lines = max(
            -(-display_width(str(t)) // w) for t, w in zip(values[:2], (17, 15), strict=True)
        )
        ws.row_dimensions[row].height = 14.0 * max(lines, 1)  # a long unit wraps: room for it
        row += 1
    for adj in ex.adjustments:
        what = f"{adj['points']:+g} 分" if "points" in adj else f"×{adj['multiply']:g}"
        row = _merged(ws, row, f"加减分项：{adj['label']}（{what}）", styles.BODY_FONT, styles.WRAP)
    for reason in ex.tier_rules:
        row = _merged(ws, row, f"分档规则：{reason}", styles.BODY_FONT, styles.WRAP, 30)
    row += 1
    row = _merged(ws, row, "二、升档所需", styles.HEADING_FONT, styles.LEFT, 18)
    if ex.next_tier is None:
        row = _merged(ws, row, ex.note or "无更高档次", styles.BODY_FONT, styles.WRAP)
    else:
        line = "按分档规则定档" if ex.line is None else f"{_num(ex.line, 2)} 分"
        text = f"升入 {ex.next_tier} 档的分数线：{line}。其他数据不变时，单项数据至少需达到："
        row = _merged(ws, row, text, styles.BODY_FONT, styles.WRAP, 30)
        for col, head in enumerate(("数据项", "单位", "现值", "需达到", "变动", "说明"), 1):
            _cell(ws, row, col, head, styles.HEADER_FONT, styles.HEADER_FILL, styles.CENTER)
        row += 1
        for c in ex.changes:
            values = (c.label, c.unit, _num(c.current), _num(c.needed) if c.reachable else "—",
                      _num(c.change) if c.reachable else "—",
                      _outcome(c))  # fmt: skip
            for col, value in enumerate(values, start=1):
                _cell(ws, row, col, value, styles.BODY_FONT, None, styles.WRAP_MIDDLE)
            row += 1
        precision = ex.changes[0].precision if ex.changes else ""
        how = f"精度：{precision}；由重新评价全县求得（基准值与名额随之变动）。"
        row = _merged(ws, row, how, styles.SUBTITLE_FONT, styles.WRAP, 28)
    _page(ws, row)


def _outcome(c: Any) -> str:
    """Whether the field alone lifts the firm (and, for the total land, the part to correct)."""
    if not c.reachable:
        return "单靠此项不能升档"
    if c.correct_field and c.correct_field != c.field:
        return f"可升档（更正{field_label(c.correct_field)}为 {_num(c.correct_value)}）"
    return "可升档"


def _num(x: Any, digits: int = 4) -> str:
    if x is None or x != x:
        return "—"
    return f"{float(x):,.{digits}f}".rstrip("0").rstrip(".")


def _cell(
    ws: Worksheet, row: int, col: int, value: Any, font: Any, fill: Any = None, align: Any = None
) -> None:
    cell = ws.cell(row=row, column=col, value=clean_text(value))
    cell.font = font
    cell.border = styles.BORDER
    if fill is not None:
        cell.fill = fill
    cell.alignment = align or styles.WRAP_MIDDLE


def _merged(
    ws: Worksheet, row: int, text: str, font: Any, align: Any, height: float | None = None
) -> int:
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=_COLUMNS)
    cell = ws.cell(row=row, column=1, value=clean_text(text))
    cell.font, cell.alignment = font, align
    if height:
        ws.row_dimensions[row].height = height
    return row + 1


def _page(ws: Worksheet, last_row: int) -> None:
    """A4 portrait, fitted to one page wide and tall."""
    for i, w in enumerate(_WIDTHS):
        ws.column_dimensions[chr(ord("A") + i)].width = w
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_area = f"A1:F{last_row}"
    ws.page_margins.left = ws.page_margins.right = 0.6
    ws.print_options.horizontalCentered = True
