"""Open an input file as sheets of raw cells, without interpreting anything.

Workbooks are opened by workbook_files.py (bounded, then read by calamine in a child process): a
formula is never evaluated (its cached value is read, or nothing) and external links are never
followed. CSV text is decoded and split by csv_text.py (encodings line by line, stray quotes,
bounds). Every cell is kept as
the file holds it (text, number, date, bool); interpretation is the job of headers.py/values.py.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from .csv_text import read_csv_cells
from .typed import parquet_cells
from .workbook_files import read_workbook

# a departmental file larger than this is surely not a firm table
MAX_BYTES = 512 * 2**20
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


@dataclass(frozen=True)
class Sheet:
    """The cells of one sheet (or CSV file) as a frame of objects; row 0 is spreadsheet row 1."""

    file: str
    name: str
    cells: pd.DataFrame
    merged: tuple[tuple[tuple[int, int], tuple[int, int]], ...] = ()
    lines: np.ndarray | None = None  # CSV: the file line each row starts on (1-based)
    notes: pd.DataFrame | None = None  # CSV: what decoding and splitting the text found


@dataclass(frozen=True)
class Opened:
    """A file's sheets, its sha256, the sheets passed over (hidden, empty) with reasons, per
    sheet name the formula cells without a cached value (cell reference, formula), read as
    blank, and the cells of the hidden and instruction sheets kept aside, so that firms in them
    are told."""

    path: Path
    sha256: str
    sheets: list[Sheet]
    passed_over: list[tuple[str, str]] = field(default_factory=list)
    uncached: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    set_aside: list[Sheet] = field(default_factory=list)  # hidden and 填报说明 sheets, unread


def open_file(path: Path) -> Opened:
    """Read every visible sheet of a workbook, or a CSV file as one sheet."""
    if not path.is_file():
        raise DataError(f"{path}：文件不存在")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise DataError(
            f"{path}：文件大小为{size / 2**20:.0f} MB，超过上限{MAX_BYTES // 2**20} MB，文件未读取"
        )
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return Opened(path, digest, [_csv_sheet(path, data)])
    if suffix == ".parquet":  # a department's own headers: mujun's own form is read typed
        return Opened(path, digest, [Sheet(str(path), "", parquet_cells(path, data))])
    if suffix in WORKBOOK_SUFFIXES:
        book = read_workbook(path, data)
        sheets = [Sheet(str(path), name, cells, merged) for name, cells, merged in book.sheets]
        aside = [Sheet(str(path), name, cells) for name, cells in book.set_aside]
        return Opened(path, digest, sheets, book.passed_over, book.formulas, aside)
    raise DataError(
        f"{path}：不支持的文件类型“{suffix}”（请使用 .csv、.xlsx、.xls、.ods 或 .parquet）"
    )


def _csv_sheet(path: Path, data: bytes) -> Sheet:
    read = read_csv_cells(str(path), data)
    return Sheet(str(path), "", read.cells, lines=read.lines, notes=read.notes)
