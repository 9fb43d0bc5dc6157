"""The frame of a printed table sheet: merged title, note lines, one- or two-level header,
frozen panes, autofilter, column widths and A4 landscape print setup with repeated headers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.properties import PageSetupProperties

from ..engine.evaluation import UNTIERED
from ..rules import Tiers
from ..rules.tiers import UNGRADED, UNGRADED_LABEL
from ..rules.unit_key import shown_header
from . import styles, xlsx
from .xlsx import (
    Body,
    Column,
    NumberColumn,
    TextColumn,
    clean,
    display_width,
    maybe_large,
    number_cell,
    rows_xml,
    text_cell,
    text_chars,
)

TOO_LONG = (
    "注：本表共{n}行，超出Excel单个工作表的行数上限，只列出前{shown}行；"
    "全部行见同一输出文件夹中的 results.csv 和 results.parquet"
)


@dataclass(frozen=True)
class Header:
    """A column's header: `top` alone spans both header rows; columns with the same `top` and a
    `sub` share a merged top cell (a two-level header: 亩均税收 over 数值 and 得分)."""

    top: str
    sub: str | None = None


@dataclass(frozen=True)
class Frame:
    """Where a sheet's table rows start, its size, and the style ids its cells use."""

    ws: Any
    first_row: int
    n_rows: int
    n_cols: int
    text: int
    centre: int

    def body(self, columns: Sequence[Column], heights: np.ndarray | None = None) -> Body:
        """The table's rows, to be put in on saving; one column per header (`heights`: row
        heights in points, for a column of wrapped text)."""
        if len(columns) != self.n_cols:
            raise AssertionError(f"{len(columns)} columns under {self.n_cols} headers")
        large = maybe_large(text_chars(columns), self.n_rows)
        return Body(self.ws, rows_xml(columns, self.first_row, self.n_rows, heights), large)

    def serial(self) -> NumberColumn:
        """序号 1, 2, …, centred."""
        style = number_style(self.ws, styles.INTEGER, alignment=styles.CENTER)
        return NumberColumn(np.arange(1, self.n_rows + 1, dtype=float), style, integer=True)

    def tiers(self, tiers: pd.Series, rules: Tiers) -> TextColumn:
        """Tier cells of evaluated firms: 'A（优先发展类）' on the tier's colour, 'U（不定等级）'
        grey, 未分档 for a firm without a tier (a class too small)."""
        present = set(tiers.dropna())
        shown = [*rules.order, *([UNGRADED] if UNGRADED in present else [])]  # no unused style
        names = {**rules.names, UNGRADED: UNGRADED_LABEL}
        ids = {
            t: text_style(self.ws, fill=styles.tier_fill(t, rules.order), alignment=styles.CENTER)
            for t in shown
        }
        tiers = tiers.astype(object)  # a categorical would keep a category per style id
        text = clean(tiers.map({t: styles.tier_text(t, names) for t in shown}).fillna(UNTIERED))
        return TextColumn(text, tiers.map(ids).fillna(self.centre).to_numpy("int64"))


def write_frame(
    ws: Any,
    *,
    title: str,
    notes: Sequence[str],
    headers: Sequence[Header],
    widths: Sequence[float],
    n_rows: int,
    freeze_cols: int = 0,
    groups: Sequence[int] | None = None,
    paper: str = "A4",
) -> Frame:
    """Title (row 1, merged), note lines (merged), header rows, then the table from the returned
    row on. Rows must be added in order: the table's own rows follow on saving. A table longer
    than a sheet holds is cut at the sheet's last row, and a note line says so.

    It prints by `print_setup`: the first `freeze_cols` columns repeat on every page width when
    the sheet is split at boundaries of `groups`; title and notes are merged over the first
    page width, so they print on page 1."""
    room = xlsx.SHEET_ROWS - (2 + len(notes) + any(h.sub is not None for h in headers))
    if n_rows > room:
        room -= 1  # the note saying so takes a row
        notes = [*notes, TOO_LONG.format(n=n_rows, shown=room)]
        n_rows = room
    last = get_column_letter(len(headers))
    two_levels = any(h.sub is not None for h in headers)
    top_row = 2 + len(notes)
    bottom_row = top_row + int(two_levels)
    first = bottom_row + 1
    # the sheet's properties and view go out with its first row: set them before any row
    plan = print_setup(ws, widths, repeat=freeze_cols, groups=groups, paper=paper)
    ws.freeze_panes = f"{get_column_letter(freeze_cols + 1)}{first}"
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    # title and notes over the first page width; on a split sheet they start right of the
    # repeated columns, which print on every page width and would show them cut there
    skip = plan.repeat if plan.breaks else 0
    span = plan.first_part(len(headers))
    start, end = get_column_letter(skip + 1), get_column_letter(span)
    across = float(sum(widths[skip:span]))
    ws.merged_cells.add(f"{start}1:{end}1")
    ws.row_dimensions[1].height = 22 * text_lines(title, across, wide=1.6) + 8
    title_cell = text_cell(ws, title, font=styles.TITLE_FONT, alignment=styles.CENTER)
    ws.append([*[None] * skip, title_cell])
    for row, note in enumerate(notes, 2):
        ws.merged_cells.add(f"{start}{row}:{end}{row}")
        ws.row_dimensions[row].height = 13.5 * text_lines(note, across) + 1.5
        cell = text_cell(ws, note, font=styles.SUBTITLE_FONT, alignment=styles.WRAP_MIDDLE)
        ws.append([*[None] * skip, cell])
    _header_rows(
        ws,
        [_broken(h, w) for h, w in zip(headers, widths, strict=True)],
        widths,
        top_row,
        two_levels,
    )
    ws.auto_filter.ref = f"A{bottom_row}:{last}{max(first - 1 + n_rows, bottom_row)}"
    ws.print_title_rows = f"{top_row}:{bottom_row}"
    return Frame(
        ws=ws,
        first_row=first,
        n_rows=n_rows,
        n_cols=len(headers),
        text=_style(ws, styles.LEFT),
        centre=_style(ws, styles.CENTER),
    )


def header_text(text: str, width: float) -> str:
    """A header as it fits a column `width` wide: a unit in brackets that would not fit goes
    onto its own line whole ("用地面积\n（亩）"), never a lone bracket."""
    if display_width(text) + 1 <= width or "（" not in text[1:]:
        return text
    at = text.index("（", 1)
    return f"{text[:at]}\n{text[at:]}"


def text_lines(text: str, width: float, wide: float = 1.0) -> int:
    """The lines `text` takes wrapped in a cell `width` characters wide (`wide`: its font's
    size over the body's)."""
    room = max((width - 1.0) / wide, 1.0)
    return sum(max(1, math.ceil(display_width(part) / room)) for part in text.split("\n"))


def _broken(header: Header, width: float) -> Header:
    if header.sub is None:
        return Header(header_text(header.top, width))
    return Header(header.top, header_text(header.sub, width))


def _header_rows(
    ws: Any, headers: Sequence[Header], widths: Sequence[float], top_row: int, two_levels: bool
) -> None:
    top, sub = [], []
    lines_top, lines_sub = 1, 1
    i = 0
    while i < len(headers):
        h = headers[i]
        col = get_column_letter(i + 1)
        if h.sub is None:
            if two_levels:
                ws.merged_cells.add(f"{col}{top_row}:{col}{top_row + 1}")
            top.append(header_cell(ws, h.top))
            sub.append(header_cell(ws, ""))
            need = text_lines(h.top, widths[i])
            lines_top = max(lines_top, need if not two_levels else need - 1)
            i += 1
            continue
        j = i
        while j < len(headers) and headers[j].top == h.top and headers[j].sub is not None:
            j += 1
        if j - i > 1:
            ws.merged_cells.add(f"{col}{top_row}:{get_column_letter(j)}{top_row}")
        for k in range(i, j):
            top.append(header_cell(ws, h.top if k == i else ""))
            sub.append(header_cell(ws, headers[k].sub or ""))
            lines_sub = max(lines_sub, text_lines(headers[k].sub or "", widths[k]))
        lines_top = max(lines_top, text_lines(h.top, sum(widths[i:j])))
        i = j
    ws.row_dimensions[top_row].height = max(30.0, 13.5 * lines_top + 4)
    ws.append(top)
    if two_levels:
        ws.row_dimensions[top_row + 1].height = max(30.0, 13.5 * lines_sub + 4)
        ws.append(sub)


def header_cell(ws: Any, text: str) -> WriteOnlyCell:
    """A header cell of a write-only sheet (text, styled by `styles.as_header`); the credit
    code's header is the rules' `[input] key_label` (rules/unit_key.py)."""
    return styles.as_header(text_cell(ws, shown_header(text)))


def _style(ws: Any, alignment: Any) -> int:
    cell = text_cell(ws, "-", font=styles.BODY_FONT, alignment=alignment, border=styles.BORDER)
    return int(cell.style_id)


def text_style(ws: Any, **kw: Any) -> int:
    """The style id of a bordered body text cell (fill, font or alignment as given)."""
    options = {"font": styles.BODY_FONT, "border": styles.BORDER, "alignment": styles.LEFT, **kw}
    return int(text_cell(ws, "-", **options).style_id)


def number_style(ws: Any, number_format: str, **kw: Any) -> int:
    """The style id of a bordered body number cell in `number_format`."""
    options = {
        "font": styles.BODY_FONT,
        "border": styles.BORDER,
        "alignment": styles.RIGHT_MIDDLE,
        **kw,
    }
    return int(number_cell(ws, 0, number_format, **options).style_id)


# ---- printing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paper:
    """A sheet of paper in landscape: Excel's paperSize code and its printable width (points,
    between the side margins)."""

    code: str
    width: float


PAPERS = {"A4": Paper("9", 841.9 - 2 * 28.8), "A3": Paper("8", 1190.6 - 2 * 28.8)}
MIN_SCALE = 80  # percent: 10 pt body text prints at no less than 8 pt
FIT = 0.98  # of the printable width a part may fill: a little to spare for rounding


def points(width: float) -> float:
    """A column width (Excel's characters) in points as LibreOffice prints it with the body
    font as the workbook's default: 6.35 pt a character, measured by rendering. Excel's
    character is narrower (7 px of 宋体 at 96 px to the inch, 5.25 pt, and 5 px of padding),
    so a plan that fits LibreOffice's page fits Excel's too."""
    return 6.35 * width


@dataclass(frozen=True)
class PagePlan:
    """How a sheet prints: the scale (percent) and the columns a new page width starts at
    (0-based, after the repeated columns `repeat`)."""

    scale: int
    breaks: tuple[int, ...] = ()
    repeat: int = 0

    def first_part(self, n_cols: int) -> int:
        """The columns of the first page width: the title is merged over these."""
        return self.breaks[0] if self.breaks else n_cols


def page_plan(
    widths: Sequence[float],
    *,
    repeat: int = 0,
    groups: Sequence[int] | None = None,
    paper: str = "A4",
) -> PagePlan:
    """The printing rule of every table sheet: A4 (or A3) landscape at 100 % when the columns
    fit; scaled down to fit one page width if that keeps the scale at least MIN_SCALE; else the
    columns after the first `repeat` (repeated on every page width) are split over as few
    page widths as keep MIN_SCALE, at boundaries of `groups` (the sizes of column runs kept
    together, such as an indicator's value and score), the widest part as narrow as can be."""
    room = PAPERS[paper].width * FIT
    pts = [points(w) for w in widths]
    total = sum(pts)
    if total <= room:
        return PagePlan(100)
    if total * MIN_SCALE / 100 <= room:
        return PagePlan(max(MIN_SCALE, int(room / total * 100)))
    rest = len(pts) - repeat
    sizes = list(groups) if groups is not None else [1] * rest
    if sum(sizes) != rest or not sizes:
        raise AssertionError(f"groups {sizes} do not cover {rest} columns")
    fixed = sum(pts[:repeat])
    blocks, at = [], repeat
    for size in sizes:
        blocks.append(sum(pts[at : at + size]))
        at += size
    best: tuple[float, list[int]] = (float("inf"), [])
    for k in range(2, len(blocks) + 1):
        widest, cuts = _partition(blocks, k)
        best = (fixed + widest, cuts)
        if (fixed + widest) * MIN_SCALE / 100 <= room:
            break
    widest, cuts = best
    starts = [repeat + sum(sizes[:c]) for c in cuts]
    return PagePlan(min(100, max(1, int(room / widest * 100))), tuple(starts), repeat)


def _partition(blocks: Sequence[float], k: int) -> tuple[float, list[int]]:
    """Cut `blocks` into k runs in order with the widest run as narrow as can be (dynamic
    programming; a sheet has tens of blocks); returns its width and the block each later run
    starts at."""
    n = len(blocks)
    prefix = [0.0]
    for b in blocks:
        prefix.append(prefix[-1] + b)
    inf = float("inf")
    cost = [[inf] * (n + 1) for _ in range(k + 1)]
    cut = [[0] * (n + 1) for _ in range(k + 1)]
    cost[0][0] = 0.0
    for parts in range(1, k + 1):
        for end in range(1, n + 1):
            for start in range(parts - 1, end):
                c = max(cost[parts - 1][start], prefix[end] - prefix[start])
                if c < cost[parts][end]:
                    cost[parts][end], cut[parts][end] = c, start
    starts, end = [], n
    for parts in range(k, 1, -1):
        end = cut[parts][end]
        starts.append(end)
    return cost[k][n], sorted(starts)


def squeeze(
    widths: Sequence[float], wrapped: Sequence[bool], paper: str = "A4", least: float = 8.0
) -> list[float]:
    """Widths narrowed so that all columns print on one page width at no less than
    MIN_SCALE: the `wrapped` columns (their text wraps) give up width in proportion to what
    they have above `least`."""
    room = PAPERS[paper].width * FIT * 100 / (MIN_SCALE + 2) / points(1.0)  # 2 % to spare
    excess = sum(widths) - room
    spare = sum(w - least for w, f in zip(widths, wrapped, strict=True) if f and w > least)
    if excess <= 0 or spare <= 0:
        return list(widths)
    cut = min(1.0, excess / spare)
    return [
        round(w - (w - least) * cut, 1) if f and w > least else w
        for w, f in zip(widths, wrapped, strict=True)
    ]


def print_setup(
    ws: Any,
    widths: Sequence[float] | None = None,
    *,
    repeat: int = 0,
    groups: Sequence[int] | None = None,
    paper: str = "A4",
) -> PagePlan:
    """Landscape on `paper`, the scale and page widths of `page_plan` (the first `repeat`
    columns printed on each), page numbers in the footer inside the bottom margin. Without
    `widths`, one page wide (fit to page). In write-only mode the sheet's properties are
    written with its first row, so this comes before any row is added."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = PAPERS[paper].code
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = 0.6
    ws.page_margins.bottom = 0.75
    ws.page_margins.header = 0.3
    ws.page_margins.footer = 0.3
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.size = 9
    ws.oddFooter.center.font = f"{styles.BODY_FONT.name},Regular"
    if widths is None:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        return PagePlan(100)
    plan = page_plan(widths, repeat=repeat, groups=groups, paper=paper)
    ws.page_setup.scale = plan.scale
    # the footer is scaled with the sheet: it is set larger so that it prints at 9 pt
    ws.oddFooter.center.size = math.ceil(9 * 100 / plan.scale)
    if plan.breaks:
        for start in plan.breaks:
            ws.col_breaks.append(Break(id=start))
        if plan.repeat:
            ws.print_title_cols = f"A:{get_column_letter(plan.repeat)}"
    return plan
