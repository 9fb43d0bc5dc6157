"""The frame of a printed table sheet: merged title, note lines, one- or two-level header,
frozen panes, autofilter, column widths and A4 landscape print setup with repeated headers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from ..rules import Tiers
from . import styles, xlsx
from .xlsx import (
    Body,
    Column,
    NumberColumn,
    TextColumn,
    clean,
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
        """Tier cells: 'A（优先发展类）' on the tier's colour."""
        ids = {
            t: text_style(self.ws, fill=styles.tier_fill(t, rules.order), alignment=styles.CENTER)
            for t in rules.order
        }
        text = clean(tiers.map({t: styles.tier_text(t, rules.names) for t in rules.order}))
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
) -> Frame:
    """Title (row 1, merged), note lines (merged), header rows, then the table from the returned
    row on. Rows must be added in order: the table's own rows follow on saving. A table longer
    than a sheet holds is cut at the sheet's last row, and a note line says so."""
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
    print_setup(ws)
    ws.freeze_panes = f"{get_column_letter(freeze_cols + 1)}{first}"
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.row_dimensions[1].height = 30
    ws.merged_cells.add(f"A1:{last}1")
    ws.append([text_cell(ws, title, font=styles.TITLE_FONT, alignment=styles.CENTER)])
    for row, note in enumerate(notes, 2):
        ws.merged_cells.add(f"A{row}:{last}{row}")
        ws.append([text_cell(ws, note, font=styles.SUBTITLE_FONT, alignment=styles.LEFT)])
    _header_rows(ws, headers, top_row, two_levels)
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


def _header_rows(ws: Any, headers: Sequence[Header], top_row: int, two_levels: bool) -> None:
    top, sub = [], []
    i = 0
    while i < len(headers):
        h = headers[i]
        col = get_column_letter(i + 1)
        if h.sub is None:
            if two_levels:
                ws.merged_cells.add(f"{col}{top_row}:{col}{top_row + 1}")
            top.append(header_cell(ws, h.top))
            sub.append(header_cell(ws, ""))
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
        i = j
    ws.row_dimensions[top_row].height = 30
    ws.append(top)
    if two_levels:
        ws.row_dimensions[top_row + 1].height = 30
        ws.append(sub)


def header_cell(ws: Any, text: str) -> WriteOnlyCell:
    """A header cell of a write-only sheet (text, styled by `styles.as_header`)."""
    return styles.as_header(text_cell(ws, text))


def _style(ws: Any, alignment: Any) -> int:
    cell = text_cell(ws, "-", font=styles.BODY_FONT, alignment=alignment, border=styles.BORDER)
    return int(cell.style_id)


def text_style(ws: Any, **kw: Any) -> int:
    """The style id of a bordered body text cell (fill, font or alignment as given)."""
    options = {"font": styles.BODY_FONT, "border": styles.BORDER, "alignment": styles.LEFT, **kw}
    return int(text_cell(ws, "-", **options).style_id)


def number_style(ws: Any, number_format: str, **kw: Any) -> int:
    """The style id of a bordered body number cell in `number_format`."""
    options = {"font": styles.BODY_FONT, "border": styles.BORDER, **kw}
    return int(number_cell(ws, 0, number_format, **options).style_id)


def print_setup(ws: Any) -> None:
    """A4 landscape, one page wide, page numbers below. In write-only mode the sheet's
    properties are written with its first row, so this comes before any row is added."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.size = 9
