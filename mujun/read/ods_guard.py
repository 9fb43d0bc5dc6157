"""Check an .ods before calamine reads it: a 16 KB file can declare a billion cells.

An OpenDocument sheet compresses a run of equal rows or cells into one element with
table:number-rows-repeated / table:number-columns-repeated, and calamine expands every repeat
that holds a value (or that a value follows) into its dense grid. content.xml is streamed in
pieces that end after a complete row, and the grid each table will span is computed from the
declared repeats (vectorised over the row and cell tags) and bounded before calamine sees it.
Trailing empty repeats — LibreOffice writes a million empty rows after every table — span nothing.
"""

from __future__ import annotations

import itertools
import math
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import bounds
from .bounds import refuse
from .xlsx_guard import check_elements, check_zip, regions
from .xml_elements import element

_TAG = re.compile(
    r"<(/?)(?:[A-Za-z_][\w.\-]*:)?(table|table-row|table-cell|covered-table-cell)(?=[\s/>])"
    r"((?:[^<>\"']|\"[^\"]*\"|'[^']*')*)>"  # an unquoted '<' ends a tag: the search is linear
)
_ROW_END = re.compile(rb"</(?:[A-Za-z_][\w.\-]*:)?table-row\s*>")
_CELL = element(rb"(?:covered-)?table-cell")
_ROWS_REPEATED = r"number-rows-repeated\s*=\s*[\"']([^\"']*)[\"']"
_COLUMNS_REPEATED = r"number-columns-repeated\s*=\s*[\"']([^\"']*)[\"']"
_VALUE = r"(?:value(?:-type)?|formula)\s*="
_VALUE_TYPE = r"value-type\s*="
_FORMULA = r"(?<![\w-])(?:[\w.-]+:)?formula\s*="
_FORMULA_TEXT = (
    r"formula\s*=\s*[\"']([^\"']*)[\"']"  # office:value-type, office:date-value, table:formula
)


@dataclass
class _Table:
    """The rows seen so far of the table being read, and the extent of its values."""

    name: str = ""
    rows: float = 0.0  # rows declared so far, repeats included
    height: float = 0.0  # the last row holding a value
    width: float = 0.0  # the farthest cell holding a value
    formulas: list[tuple[str, str]] = field(default_factory=list)  # without a cached value


def check_ods(path: Path, book: zipfile.ZipFile) -> dict[str, list[tuple[str, str]]]:
    """Refuse an .ods whose tables would span more than the bounds of bounds.py; else its
    formula cells without a cached value (cell reference, formula) per table name."""
    check_zip(path, book)
    for member in book.namelist():
        if member != "content.xml":
            for _ in regions(path, book, member, text=False):
                pass
    formulas: dict[str, list[tuple[str, str]]] = {}
    if "content.xml" not in book.namelist():
        return formulas  # calamine says what is wrong
    table = _Table()
    tables = 0
    done = 0.0  # grid cells of the tables before this one
    carried = 0
    for region in regions(path, book, "content.xml", end=_ROW_END):
        carried = check_elements(path, "content.xml", region, _CELL, carried)
        text = region.decode("utf-8", "replace")
        tags = pd.DataFrame(_TAG.findall(text), columns=["close", "kind", "attrs"], dtype=object)
        if tags.empty:
            continue
        opens = tags["close"].eq("")
        starts = opens & tags["kind"].eq("table")
        tables += int(starts.sum())
        if tables > bounds.MAX_SHEETS:
            raise refuse(path, "工作表数", tables, bounds.MAX_SHEETS)
        # a region may start several tables: take them one at a time (tables are few)
        bounds_at = [0, *np.flatnonzero(starts.to_numpy()).tolist(), len(tags)]
        for begin, stop in itertools.pairwise(bounds_at):
            if begin == stop:
                continue
            if starts.iat[begin]:
                done += table.width * table.height
                table = _Table(name=_name(tags["attrs"].iat[begin]))
                formulas[table.name] = table.formulas
            _extend(table, tags.iloc[begin:stop], opens.iloc[begin:stop])
            _check(path, table)
            if done + table.width * table.height > bounds.MAX_BOOK_CELLS:
                total = _shown(done + table.width * table.height)
                raise refuse(path, "各工作表声明的单元格区域的合计", total, bounds.MAX_BOOK_CELLS)
    return {name: found for name, found in formulas.items() if found}


def _extend(table: _Table, tags: pd.DataFrame, opens: pd.Series) -> None:
    """Widen `table` by the complete rows among `tags`."""
    attrs = tags["attrs"]
    row_start = (opens & tags["kind"].eq("table-row")).to_numpy()
    cell = (opens & tags["kind"].isin(["table-cell", "covered-table-cell"])).to_numpy()
    row_id = np.cumsum(row_start)
    rows_repeated = _number(attrs[row_start], _ROWS_REPEATED)
    columns_repeated = _number(attrs[cell], _COLUMNS_REPEATED)
    self_closing = attrs[cell].str.endswith("/").to_numpy()
    valued = ~self_closing | attrs[cell].str.contains(_VALUE).to_numpy()
    cells = pd.DataFrame({"row": row_id[cell], "span": columns_repeated, "valued": valued})
    cells["end"] = cells.groupby("row")["span"].cumsum()
    width = cells[cells["valued"]].groupby("row")["end"].max()
    row_ends = table.rows + np.cumsum(rows_repeated)
    ids = np.arange(1, len(rows_repeated) + 1)
    has_value = np.isin(ids, width.index.to_numpy())
    if has_value.any():
        table.height = max(table.height, float(row_ends[has_value].max()))
        table.width = max(table.width, float(width.max()))
    uncached = attrs[cell].str.contains(_FORMULA) & ~attrs[cell].str.contains(_VALUE_TYPE)
    uncached = uncached.to_numpy() & (cells["row"] > 0).to_numpy()
    if uncached.any():  # LibreOffice always stores the value: these are few
        first_rows = row_ends - rows_repeated + 1
        at = cells[uncached]
        refs = [
            f"{column_letters(int(end - span + 1))}{int(first_rows[row - 1])}"
            for row, end, span in zip(at["row"], at["end"], at["span"], strict=True)
        ]
        text = attrs[cell][uncached].str.extract(_FORMULA_TEXT, expand=False).fillna("")
        text = text.str.replace(r"^(?:[A-Za-z]+:)?=", "", regex=True)  # of:=SUM(…) → SUM(…)
        table.formulas.extend(zip(refs, text.tolist(), strict=True))
    if len(row_ends):
        table.rows = float(row_ends[-1])


def _check(path: Path, table: _Table) -> None:
    where = f"工作表“{table.name}”"
    if table.width > bounds.MAX_COLUMNS:
        what = f"{where}声明的列数（含重复列）"
        raise refuse(path, what, _shown(table.width), bounds.MAX_COLUMNS)
    cells = table.width * table.height
    if cells > bounds.MAX_GRID_CELLS:
        area = f"{_shown(table.height)}行×{_shown(table.width)}列"
        what = f"{where}声明的单元格区域（{area}）"
        raise refuse(path, what, _shown(cells), bounds.MAX_GRID_CELLS)


def _shown(count: float) -> str:
    return f"{int(count):,}" if math.isfinite(count) else "无法识别的重复数"


def _number(attrs: pd.Series, pattern: str) -> np.ndarray:
    """The declared repeat of each tag (1 where none is declared), as floats: no overflow. A
    repeat that is not plain digits (&#49;000000) counts as endless: calamine may read it."""
    found = attrs.str.extract(pattern, expand=False)
    number = pd.to_numeric(found.str.strip(), errors="coerce").astype(float)
    number = number.where(found.isna() | number.notna(), np.inf)
    return number.fillna(1).clip(lower=1).to_numpy(dtype=float)


def column_letters(number: int) -> str:
    """A for 1, Z for 26, AA for 27."""
    letters = ""
    while number > 0:  # three letters at most
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _name(attrs: str) -> str:
    match = re.search(r"name\s*=\s*[\"']([^\"']*)[\"']", attrs)
    return match.group(1) if match else ""
