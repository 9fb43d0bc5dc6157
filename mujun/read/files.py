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
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from defusedxml import ElementTree

from ..errors import DataError

# a departmental file larger than this is surely not a firm table
MAX_BYTES = 512 * 2**20
MAX_SHEET_XML = 1024 * 2**20  # unzipped sheet XML scanned for error cells
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
        errors = _xlsx_error_cells(data) if path.suffix.lower() in (".xlsx", ".xlsm") else {}
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
            cells = pd.DataFrame(rows, dtype=object)
            _restore_error_cells(cells, errors.get(meta.name, []))
            sheets.append(Sheet(str(path), meta.name, cells, merged))
    except DataError:
        raise
    except Exception as exc:  # calamine raises its own types for broken, encrypted or bomb files
        raise DataError(f"{path}: not a readable workbook ({type(exc).__name__}: {exc})") from None
    return sheets, passed


_ERROR_CELL = re.compile(rb'<c r="([A-Z]+)([0-9]+)"[^>]*?t="e"[^>]*>(?:<f[^>]*(?:/>|>.*?</f>))?'
                         rb"<v>([^<]*)</v>", re.S)  # fmt: skip


def _xlsx_error_cells(data: bytes) -> dict[str, list[tuple[int, int, str]]]:
    """Error cells (#N/A, #DIV/0!) per sheet name: calamine reads them as blank, but a clerk must
    hear that a lookup failed rather than see a silently missing value."""
    found: dict[str, list[tuple[int, int, str]]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            names = _sheet_paths(book)
            for name, member in names.items():
                if book.getinfo(member).file_size > MAX_SHEET_XML:
                    continue  # reading stops at the declared size; a huge sheet is not scanned
                xml = book.read(member)
                if b't="e"' not in xml:
                    continue
                found[name] = [(int(r) - 1, _column_index(c.decode()), v.decode())
                               for c, r, v in _ERROR_CELL.findall(xml)]  # fmt: skip
    except Exception:  # a broken or hostile package (bad zip, XML entities): calamine reports it
        return {}
    return found


def _sheet_paths(book: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its XML member, from workbook.xml and its relationships (defusedxml)."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
          "p": "http://schemas.openxmlformats.org/package/2006/relationships"}  # fmt: skip
    workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target", "") for r in rels.findall("p:Relationship", ns)}
    out = {}
    for sheet in workbook.findall("m:sheets/m:sheet", ns):
        ref = target.get(sheet.get(f"{{{ns['r']}}}id"), "")
        out[sheet.get("name", "")] = ref.lstrip("/") if ref.startswith("/") else f"xl/{ref}"
    return out


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


def _restore_error_cells(cells: pd.DataFrame, errors: list[tuple[int, int, str]]) -> None:
    for row, col, text in errors:  # error cells only, a handful per sheet
        if row < cells.shape[0] and col < cells.shape[1]:
            cells.iat[row, col] = text
