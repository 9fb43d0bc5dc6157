"""The workbook machinery every mujun workbook shares: reproducible, formula-proof and fast.

The result workbooks, 问题清单, the data-collection template and the demo's department files
are all saved by `save`, fitted by `width` and named by `names.py`; `styles.py` is their palette.

openpyxl (write-only mode) writes the frame of each sheet: widths, merged title, header, frozen
panes, autofilter, print setup, small tables and charts. The long tables (one row per firm or per
issue) are built as sheet XML with vectorised pandas/numpy string operations and put in before the
sheet's `</sheetData>` on saving: openpyxl spends some 30 µs on every cell, which for 100,000
firms × 20 columns is a minute; this way it is a few seconds.

Every text cell is a string cell (`t="inlineStr"` or `t="s"`), never a formula, whatever it
begins with. The file says nothing about when it was written (fixed document and zip times), so
the same content gives the same bytes. It is written under a temporary name beside the target and
renamed at the end.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.writer.excel import ExcelWriter

from ..errors import ExportError
from . import styles

FIXED_TIME = datetime(2000, 1, 1)
"""Workbook created/modified time and zip entry time, whatever the clock says."""

TEXT_FORMAT = "@"  # Excel's text format: a cell edited later stays text too
MAX_CELL = 32767  # Excel's limit on the characters of one cell
SHEET_ROWS = 1_048_576  # Excel's limit on the rows of one sheet
MIN_WIDTH, MAX_WIDTH = 6, 60
CHUNK = 20_000  # table rows turned into XML at a time
# Characters XML 1.0 (and so Excel) cannot hold: C0 controls but tab/newline/CR and the
# non-characters U+FFFE/U+FFFF; they are shown as U+FFFD.
_ILLEGAL = "[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"
# East Asian wide and full-width characters take about two columns of width in Excel.
_WIDE = (
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
    "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003fffd]"
)


def new_workbook(title: str) -> Workbook:
    """A write-only workbook whose document properties hold no clock time or user name."""
    wb = Workbook(write_only=True)
    # the workbook's default font (of every cell without its own, and the unit of column
    # widths) is the body font, so no Calibri prints among 宋体
    wb._fonts = IndexedList([styles.BODY_FONT])
    wb.properties.creator = "mujun"
    wb.properties.lastModifiedBy = None
    wb.properties.title = clean_text(title)
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    return wb


# ---- text ----------------------------------------------------------------------------------


def clean(column: pd.Series) -> pd.Series:
    """Text as a cell can hold it: missing as '', characters XML cannot carry shown as U+FFFD,
    at most 32767 characters (the rest cut off and marked with …)."""
    text = column.astype("string").fillna("").astype(str)
    text = text.str.replace(_ILLEGAL, "\ufffd", regex=True)
    too_long = text.str.len() > MAX_CELL
    if too_long.any():
        text = text.where(~too_long, text.str.slice(0, MAX_CELL - 1) + "…")
    return text


def clean_text(text: str) -> str:
    """One text made fit for a cell (see `clean`)."""
    text = re.sub(_ILLEGAL, "\ufffd", str(text))
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def display_width(text: str) -> int:
    """The columns a text takes in Excel: a wide (CJK) character counts 2."""
    return len(text) + len(re.findall(_WIDE, text))


def display_widths(texts: Iterable[str] | pd.Series) -> np.ndarray:
    """The columns each text takes, vectorised (pyarrow): a character of three or more UTF-8
    bytes (CJK, full-width forms) counts 2, as `display_width` counts wide characters."""
    array = pa.array(pd.Series(texts, dtype=object).astype("string").fillna(""), pa.string())
    chars = pc.utf8_length(array).to_numpy(zero_copy_only=False).astype(float)
    size = pc.binary_length(array).to_numpy(zero_copy_only=False).astype(float)
    return chars + np.floor((size - chars) / 2)


def line_heights(texts: pd.Series, column_width: float, line: float = 13.5) -> np.ndarray:
    """Row heights (points) that show each text wrapped in a column of `column_width`."""
    wide = display_widths(texts)
    lines = np.maximum(np.ceil(wide / max(column_width - 1.0, 1.0)), 1.0)
    return lines * line + 1.5


def width(texts: Iterable[str] | pd.Series, lo: float = MIN_WIDTH, hi: float = MAX_WIDTH) -> float:
    """A column width fitted to the longest text (a wide, CJK, character counts 2) with a
    character of room, kept within [lo, hi]."""
    s = pd.Series(list(texts) if not isinstance(texts, pd.Series) else texts, dtype=object)
    if not len(s):
        return float(lo)
    longest = int(display_widths(s.astype(str)).max())
    return float(min(max(longest + 2, lo), hi))


def number_width(values: np.ndarray, number_format: str) -> float:
    """The columns the widest of `values` takes shown in `number_format` (one of styles' formats:
    thousands separators, decimals, a percent sign), read from the largest magnitude only."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not len(v):
        return 0.0
    big = float(np.abs(v).max())
    decimals = len(number_format.split(".")[1].rstrip("%")) if "." in number_format else 0
    if number_format.endswith("%"):
        big *= 100
    shown = f"{big:,.{decimals}f}" if "," in number_format else f"{big:.{decimals}f}"
    return float(len(shown) + (v.min() < 0) + number_format.endswith("%"))


# ---- single cells (openpyxl) ---------------------------------------------------------------


def text_cell(
    ws: Any,
    text: str,
    *,
    font: Font | None = None,
    fill: PatternFill | None = None,
    alignment: Alignment | None = None,
    border: Border | None = None,
) -> WriteOnlyCell:
    """A string cell in text format: never a formula or an error value, whatever it begins with."""
    cell = WriteOnlyCell(ws)
    cell.value = clean_text(text)
    cell.data_type = "s"
    cell.number_format = TEXT_FORMAT
    _style(cell, font, fill, alignment, border)
    return cell


def number_cell(
    ws: Any,
    value: float | int | None,
    number_format: str = "General",
    *,
    font: Font | None = None,
    fill: PatternFill | None = None,
    alignment: Alignment | None = None,
    border: Border | None = None,
) -> WriteOnlyCell:
    """A numeric cell; a missing or non-finite value is an empty (styled) cell."""
    cell = WriteOnlyCell(ws)
    if value is not None and np.isfinite(value):
        cell.value = int(value) if isinstance(value, int | np.integer) else float(value)
    cell.number_format = number_format
    _style(cell, font, fill, alignment, border)
    return cell


def _style(cell: Any, font: Any, fill: Any, alignment: Any, border: Any) -> None:
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if alignment is not None:
        cell.alignment = alignment
    if border is not None:
        cell.border = border


# ---- long tables as sheet XML ----------------------------------------------------------------


@dataclass(frozen=True)
class TextColumn:
    """Text cells (cleaned), in one style or a style per row."""

    values: pd.Series
    style: int | np.ndarray


@dataclass(frozen=True)
class NumberColumn:
    """Numeric cells; missing or non-finite values give an empty cell in the same style."""

    values: np.ndarray
    style: int | np.ndarray
    integer: bool = False


Column = TextColumn | NumberColumn


def rows_xml(
    columns: Sequence[Column], first_row: int, n: int, heights: np.ndarray | None = None
) -> Iterator[str]:
    """`<row>` elements for `n` table rows starting at sheet row `first_row`, a chunk at a time,
    built column-wise with numpy (cell references A, B, … in the order of `columns`); `heights`
    (points) are set on the rows, for wrapped text that no reader fits by itself."""
    for start in range(0, n, CHUNK):
        stop = min(start + CHUNK, n)
        r = _strings(np.arange(first_row + start, first_row + stop))
        if heights is None:
            xml = '<row r="' + r + '">'
        else:
            ht = _strings(np.round(heights[start:stop], 1))
            xml = '<row r="' + r + '" ht="' + ht + '" customHeight="1">'
        for i, column in enumerate(columns):
            ref = get_column_letter(i + 1)
            style = _style_part(column.style, start, stop)
            if isinstance(column, TextColumn):
                xml = xml + _text_xml(ref, r, column.values.iloc[start:stop], style)
            else:
                xml = xml + _number_xml(ref, r, column.values[start:stop], style, column.integer)
        yield "".join(xml + "</row>")


def _style_part(style: int | np.ndarray, start: int, stop: int) -> Any:
    if isinstance(style, np.ndarray):
        return _strings(style[start:stop])
    return str(style)


def _strings(values: np.ndarray) -> np.ndarray:
    """Values as an object array of str, ready for element-wise concatenation."""
    return values.astype(str).astype(object)


def _number_xml(
    ref: str, r: np.ndarray, values: np.ndarray, style: Any, integer: bool
) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    present = np.isfinite(values)
    shown = np.where(present, values, 0.0)
    text = _strings(shown.astype("int64")) if integer else _strings(shown)
    cell = '<c r="' + ref + r + '" s="' + style
    xml = cell + '" t="n"><v>' + text + "</v></c>"
    return np.where(present, xml, cell + '"/>').astype(object)


def _text_xml(ref: str, r: np.ndarray, column: pd.Series, style: Any) -> np.ndarray:
    text = column.to_numpy(dtype=object)
    escaped = (
        column.str.replace("&", "&amp;", regex=False)
        .str.replace("<", "&lt;", regex=False)
        .str.replace(">", "&gt;", regex=False)
        .str.replace("\r", "&#13;", regex=False)
        .to_numpy(dtype=object)
    )
    # leading or trailing blanks are kept only when the text has them
    keep = (column.str.strip() != column).to_numpy()
    open_t = np.where(keep, '<t xml:space="preserve">', "<t>").astype(object)
    cell = '<c r="' + ref + r + '" s="' + style
    xml = cell + '" t="inlineStr"><is>' + open_t + escaped + "</t></is></c>"
    # an empty cell keeps its style (text format), so what is typed in later stays text too
    return np.where(text != "", xml, cell + '"/>').astype(object)


def text_chars(columns: Sequence[Column]) -> int:
    """The characters of a table's text, to judge whether its sheet may pass 2 GiB."""
    return sum(int(c.values.str.len().sum()) for c in columns if isinstance(c, TextColumn))


def maybe_large(chars: int, rows: int) -> bool:
    """Whether a sheet might pass 2 GiB unpacked (then its zip entry needs zip64)."""
    return 6 * chars + 1_000 * rows > zipfile.ZIP64_LIMIT


# ---- saving --------------------------------------------------------------------------------


@dataclass
class Body:
    """Table rows to be put into a sheet on saving."""

    sheet: Any
    rows: Iterator[str]
    large: bool = False


def save(
    wb: Workbook, out: Path, bodies: Sequence[Body] = (), *, when: datetime = FIXED_TIME
) -> Path:
    """openpyxl writes the workbook (write-only or not) to memory; it is copied to a temporary
    file beside `out` with every zip entry dated `when` and each body's rows put into its
    sheet, then renamed into place. The document's own dates are the caller's to set."""
    frame = io.BytesIO()
    try:
        with zipfile.ZipFile(frame, "w", zipfile.ZIP_STORED) as archive:
            # ExcelWriter itself: save_workbook() would stamp the current time as `modified`.
            ExcelWriter(wb, archive).save()
        out.parent.mkdir(parents=True, exist_ok=True)
        # a short temporary name: a target name near the file system's limit must still fit
        fd, name = tempfile.mkstemp(prefix=".mujun-", suffix=".tmp", dir=out.parent)
    except OSError as exc:
        raise ExportError(f"无法写入 {out}：{exc}") from None
    by_part = {b.sheet.path.lstrip("/"): b for b in bodies}
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle, zipfile.ZipFile(frame) as src, _zip(handle) as dst:
            for info in src.infolist():
                data = src.read(info)
                entry = _entry(info.filename, when)
                body = by_part.get(info.filename)
                if body is None:
                    dst.writestr(entry, data)
                    continue
                # the sheet's own rows (title, header) come first: nothing may follow the body
                head, end, tail = data.partition(b"</sheetData>")
                if not end:
                    raise ExportError(f"无法写入 {out}：{info.filename} 中没有 sheetData")
                with dst.open(entry, "w", force_zip64=body.large) as part:
                    part.write(head)
                    for chunk in body.rows:
                        part.write(chunk.encode("utf-8"))
                    part.write(end + tail)
        tmp.chmod(0o644)
        tmp.replace(out)
    except OSError as exc:
        raise ExportError(f"无法写入 {out}：{exc}") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return out


def _zip(handle: Any) -> zipfile.ZipFile:
    return zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, allowZip64=True)


def _entry(name: str, when: datetime) -> zipfile.ZipInfo:
    """A zip entry with a fixed time and attributes, so the bytes depend on the content only."""
    info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    return info


def sort_key(column: pd.Series) -> np.ndarray:
    """A column as text for sorting rows (missing as ''), since text and NaN do not compare."""
    return column.astype("string").fillna("").to_numpy(dtype=object)


def no_formulas(book: Workbook) -> None:
    """Every cell of an openpyxl-built `book` text or a number, never a formula: openpyxl takes
    a text beginning with = (a region, rules or park name) for one."""
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
