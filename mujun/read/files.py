"""Open an input file as sheets of raw cells, without interpreting anything.

Workbooks are read with calamine (Rust): a formula is never evaluated (its cached value is read,
or nothing), external links are never followed and XML entities are never expanded. CSV text is
decoded as UTF-8 (with or without BOM) or else GB18030, the superset of GBK. Every cell is kept as
the file holds it (text, number, date, bool); interpretation is the job of headers.py/values.py.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import DataError

MAX_BYTES = 512 * 2**20  # a departmental file larger than this is surely not a firm table
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
INSTRUCTION_SHEETS = ("填报说明", "说明", "指标解释", "填表说明")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


@dataclass(frozen=True)
class Sheet:
    """The cells of one sheet (or CSV file) as a frame of objects; row 0 is spreadsheet row 1."""

    file: str
    name: str
    cells: pd.DataFrame
    merged: tuple[tuple[tuple[int, int], tuple[int, int]], ...] = ()


@dataclass(frozen=True)
class Opened:
    """A file's sheets, its sha256 and the sheets passed over (hidden, empty) with reasons."""

    path: Path
    sha256: str
    sheets: list[Sheet]
    passed_over: list[tuple[str, str]] = field(default_factory=list)


def open_file(path: Path) -> Opened:
    """Read every visible sheet of a workbook, or a CSV file as one sheet."""
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise DataError(f"{path}: {size / 2**20:.0f} MB is too large for a firm table")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return Opened(path, digest, [_csv_sheet(path, data)])
    if suffix in WORKBOOK_SUFFIXES:
        sheets, passed = _workbook_sheets(path, data)
        return Opened(path, digest, sheets, passed)
    raise DataError(f"{path}: unsupported file type {suffix!r} (use .csv, .xlsx or .xls)")


def _csv_sheet(path: Path, data: bytes) -> Sheet:
    for encoding in CSV_ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DataError(f"{path}: the text is neither UTF-8 nor GBK/GB18030")
    if not text.strip():
        raise DataError(f"{path}: the file is empty")
    # title rows have fewer fields than the header: size the frame by the widest early line
    sample = list(csv.reader(io.StringIO(text[:200_000])))
    width = max((len(r) for r in sample), default=1)
    try:
        cells = pd.read_csv(
            io.StringIO(text), header=None, names=range(width), dtype=str,
            keep_default_na=False, skip_blank_lines=False, engine="c",
        )  # fmt: skip
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"{path}: not a readable CSV file: {exc}") from None
    return Sheet(str(path), "", cells.fillna(""))


def _workbook_sheets(path: Path, data: bytes) -> tuple[list[Sheet], list[tuple[str, str]]]:
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets, passed = [], []
        for meta in book.sheets_metadata:
            if meta.visible != SheetVisibleEnum.Visible:
                passed.append((meta.name, "隐藏的工作表，未读取"))
                continue
            if meta.name.strip().startswith(INSTRUCTION_SHEETS):
                passed.append((meta.name, "填报说明工作表，未作为数据读取"))
                continue
            sheet = book.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            if not rows or not any(any(c != "" for c in r) for r in rows[:50]):
                passed.append((meta.name, "空白工作表"))
                continue
            merged = tuple(sheet.merged_cell_ranges or ())
            sheets.append(Sheet(str(path), meta.name, pd.DataFrame(rows, dtype=object), merged))
    except DataError:
        raise
    except Exception as exc:  # calamine raises its own types for broken, encrypted or bomb files
        raise DataError(f"{path}: not a readable workbook ({type(exc).__name__}: {exc})") from None
    return sheets, passed
