"""Input files → EnterpriseTable.

This module reads canonical tables: CSV (UTF-8, with or without BOM, or GBK) or .xlsx/.xls whose
header row holds the field codes of DESIGN §3. Every cell is read as text first, so nothing is
guessed by the reader; `EnterpriseTable.from_frame` then coerces and checks each field.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .errors import DataError, concat_issues
from .table import EnterpriseTable, SourceFile

CSV_ENCODINGS = ("utf-8-sig", "gb18030")


def sha256_of(path: Path) -> str:
    """sha256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_frame(path: Path) -> tuple[pd.DataFrame, str]:
    """One file as a frame of text cells and the sheet it came from ('' for CSV)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        for encoding in CSV_ENCODINGS:
            try:
                frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
                return frame, ""
            except UnicodeDecodeError:
                continue
            except pd.errors.EmptyDataError:
                raise DataError(f"{path}: the file is empty") from None
            except pd.errors.ParserError as exc:
                raise DataError(f"{path}: not a readable CSV file: {exc}") from None
        raise DataError(f"{path}: the text is neither UTF-8 nor GBK/GB18030")
    if suffix in (".xlsx", ".xlsm", ".xls"):
        try:
            with pd.ExcelFile(path, engine="calamine") as book:
                sheet = str(book.sheet_names[0])
                return pd.read_excel(book, sheet_name=sheet, dtype=str), sheet
        except Exception as exc:  # calamine raises its own types; translate them all
            raise DataError(f"{path}: not a readable workbook: {exc}") from None
    raise DataError(f"{path}: unsupported file type {suffix!r} (use .csv, .xlsx or .xls)")


def read_table(paths: Iterable[str | Path]) -> EnterpriseTable:
    """Read canonical tables and stack them into one EnterpriseTable.

    Rows of all files are kept; the same firm-year in two files is reported as a duplicate
    (merging departmental files field by field is the job of the departmental reader).
    """
    frames: list[pd.DataFrame] = []
    origins: list[pd.DataFrame] = []
    sources: list[SourceFile] = []
    file_issues: list[pd.DataFrame] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_file():
            raise DataError(f"{path}: no such file")
        frame, sheet = read_frame(path)
        frame.columns = [str(c).strip() for c in frame.columns]
        sources.append(SourceFile(str(path), sha256_of(path), len(frame)))
        origins.append(
            pd.DataFrame({"file": str(path), "sheet": sheet, "row": range(2, 2 + len(frame))})
        )
        # coerce per file first, so that a missing key column names its file
        part = EnterpriseTable.from_frame(frame.iloc[:0], file=str(path), sheet=sheet)
        file_issues.append(part.issues)
        frames.append(frame)
    if not frames:
        raise DataError("no input files")
    stacked = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    origin = pd.concat(origins, ignore_index=True)
    table = EnterpriseTable.from_frame(stacked, origin=origin, sources=tuple(sources))
    row_level = table.issues[table.issues["code"] != "unknown-column"]
    issues = concat_issues([*file_issues, row_level])
    return EnterpriseTable(table.frame, table.origin, issues, table.sources)
