"""A sheet of facts, headings, notes and small tables over a grid of equal columns (the 说明
sheet): each table spreads its own columns over the grid as its texts need (merged cells), so
one table's long column does not widen another's; texts and numbers sit at the top of a cell."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from ..engine.evaluation import UNTIERED, tier_names
from . import styles
from .layout import header_cell, text_lines
from .xlsx import display_width, number_cell, text_cell

if TYPE_CHECKING:
    from ..engine.evaluation import Evaluation

GRID, CELL = 12, 9.5  # the grid: 12 columns 9.5 wide, one A4 landscape page width at 100 %
KEY_SPAN = 2  # a fact's label spans two grid columns, its value the rest


class Percent(float):
    """A share shown as a percentage (0.0243 as 2.43%)."""


class Lines:
    """Appends the sheet's lines: facts (label: value), headings, notes and small tables. The
    columns are a grid of GRID equal columns; each table spreads its own columns over it as
    its texts need (merged cells), so one table's long column does not widen another's."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.row = 0

    def _append(self, cells: Sequence[tuple[Any, int]], *, border: bool = False) -> None:
        """Add a row of (cell, grid columns it spans), tall enough for its wrapped texts."""
        lines = 1
        row: list[Any] = []
        col = 1
        for cell, span in cells:
            room = span * CELL
            if isinstance(cell.value, str) and cell.value:
                lines = max(lines, text_lines(cell.value, room))
            row.append(cell)
            if span > 1:
                r = self.row + 1
                self.ws.merged_cells.add(
                    f"{get_column_letter(col)}{r}:{get_column_letter(col + span - 1)}{r}"
                )
                filler = {"border": styles.BORDER} if border else {}
                row += [text_cell(self.ws, "", **filler) for _ in range(span - 1)]
            col += span
        if lines > 1:
            self.ws.row_dimensions[self.row + 1].height = 14 * lines + 2
        self.ws.append(row)
        self.row += 1

    def title(self, text: str) -> None:
        self.ws.row_dimensions[1].height = 30
        cell = text_cell(self.ws, text, font=styles.TITLE_FONT, alignment=styles.CENTER)
        self._append([(cell, GRID)])

    def fact(self, key: str, value: str) -> None:
        cells = [
            (text_cell(self.ws, key, font=styles.BOLD_FONT, alignment=styles.WRAP), KEY_SPAN),
            (
                text_cell(self.ws, value, font=styles.BODY_FONT, alignment=styles.WRAP),
                GRID - KEY_SPAN,
            ),
        ]
        self._append(cells)

    def note(self, text: str) -> None:
        self._append(
            [(text_cell(self.ws, text, font=styles.BODY_FONT, alignment=styles.WRAP), GRID)]
        )

    def heading(self, text: str) -> None:
        self.ws.append([])
        self.row += 1
        self._append([(text_cell(self.ws, text, font=styles.HEADING_FONT), GRID)])

    def legend(self, ev: Evaluation) -> None:
        """The tier colours, each shown on a cell of its colour."""
        cells = [(text_cell(self.ws, "评价类别底色", font=styles.BOLD_FONT), KEY_SPAN)]
        seen: dict[str, None] = {}
        for klass in ev.rules.classes:
            for tier in ev.shown_tiers(klass):
                if tier in seen or tier == UNTIERED:  # 未分档 has no cell colour
                    continue
                seen[tier] = None
                colour = styles.colour_name(tier, klass.tiers.order)
                text = f"{styles.tier_text(tier, tier_names(ev.rules))}：{colour}"
                cell = text_cell(
                    self.ws,
                    text,
                    font=styles.BODY_FONT,
                    border=styles.BORDER,
                    fill=styles.tier_fill(tier, klass.tiers.order),
                    alignment=styles.CENTER,
                )
                cells.append((cell, 0))
        span = max(1, (GRID - KEY_SPAN) // max(1, len(cells) - 1))
        self._append([(c, s or span) for c, s in cells])

    def table(self, header: Sequence[str], rows: Sequence[Sequence[Any]], empty: str = "") -> None:
        spans = _spans([[*map(_text, header)], *([_text(v) for v in r] for r in rows)])
        self._append(
            [(header_cell(self.ws, h), k) for h, k in zip(header, spans, strict=True)],
            border=True,
        )
        if not rows and empty:
            self._append([(text_cell(self.ws, empty, font=styles.BODY_FONT), GRID)])
        for row in rows:
            self._append([(self._cell(v), k) for v, k in zip(row, spans, strict=True)], border=True)

    def _cell(self, value: Any) -> Any:
        look = {"font": styles.BODY_FONT, "border": styles.BORDER}
        if isinstance(value, bool) or value is None:
            text = "" if value is None else str(value)
            return text_cell(self.ws, text, alignment=styles.WRAP, **look)
        if isinstance(value, Percent):
            return number_cell(self.ws, value, styles.PERCENT, alignment=_NUMBER, **look)
        if isinstance(value, int | float):
            fmt = "0" if float(value).is_integer() and abs(value) < 1e15 else "#,##0.0000"
            return number_cell(self.ws, value, fmt, alignment=_NUMBER, **look)
        return text_cell(self.ws, str(value), alignment=styles.WRAP, **look)


_NUMBER = Alignment(horizontal="right", vertical="top")  # at the top, as the wrapped texts


def _text(value: Any) -> str:
    if isinstance(value, Percent):
        return f"{value:.2%}"
    if isinstance(value, float) and not float(value).is_integer():
        return f"{value:,.4f}"
    return "" if value is None else str(value)


def _spans(table: Sequence[Sequence[str]]) -> list[int]:
    """Grid columns for each of a table's columns, in proportion to the width its texts want
    (the longest line, at most 40), at least one each, GRID in all."""
    n = len(table[0])
    want = [
        max(
            4.0,
            min(40.0, max(display_width(line) + 2 for row in table for line in row[i].split("\n"))),
        )
        for i in range(n)
    ]
    if n >= GRID:
        return [1] * n
    spans = [1] * n
    for _ in range(GRID - n):  # each grid column to the column that wants the most per span
        i = max(range(n), key=lambda k: want[k] / spans[k])
        spans[i] += 1
    return spans
