"""Open an input file as sheets of raw cells, without interpreting anything.

Workbooks are opened by workbook_files.py (bounded, then read by calamine in a child process): a
formula is never evaluated (its cached value is read, or nothing) and external links are never
followed. CSV text is
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
from .workbook_files import read_workbook

# a departmental file larger than this is surely not a firm table
MAX_BYTES = 512 * 2**20
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
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
    """A file's sheets, its sha256, the sheets passed over (hidden, empty) with reasons, and
    per sheet name the formula cells without a cached value (cell reference, formula), which
    are read as blank."""

    path: Path
    sha256: str
    sheets: list[Sheet]
    passed_over: list[tuple[str, str]] = field(default_factory=list)
    uncached: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


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
        book = read_workbook(path, data)
        sheets = [Sheet(str(path), name, cells, merged) for name, cells, merged in book.sheets]
        return Opened(path, digest, sheets, book.passed_over, book.formulas)
    raise DataError(f"{path}: unsupported file type {suffix!r} (use .csv, .xlsx, .xls or .parquet)")


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
    try:
        sample = list(csv.reader(io.StringIO(text[:200_000])))
    except csv.Error as exc:
        raise DataError(f"{path}: not a readable CSV file: {exc}") from None
    width = max((len(r) for r in sample), default=1)
    try:
        cells = pd.read_csv(
            io.StringIO(text),
            header=None,
            names=range(width),
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            engine="c",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"{path}: not a readable CSV file: {exc}") from None
    return Sheet(str(path), "", cells.fillna(""))
