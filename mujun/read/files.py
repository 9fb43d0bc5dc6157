"""Open an input file as sheets of raw cells, without interpreting anything.

Workbooks are read with calamine (Rust): a formula is never evaluated (its cached value is read,
or nothing) and external links are never followed. Before calamine sees an .xlsx, its parts are
checked for zip bombs and stray far cells (calamine reads a sheet into a dense grid), and the
few XML files mujun reads itself are parsed with defusedxml. CSV text is
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
MAX_SHEET_XML = 1024 * 2**20  # a workbook part larger than this unzipped is refused
MAX_CELLS = 60_000_000  # a dense sheet area larger than this is refused before reading
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
    """A file's sheets, its sha256 and the sheets passed over (hidden, empty) with reasons; the
    cells of the hidden and instruction sheets are kept aside, so that firms in them are told."""

    path: Path
    sha256: str
    sheets: list[Sheet]
    passed_over: list[tuple[str, str]] = field(default_factory=list)
    set_aside: list[Sheet] = field(default_factory=list)  # hidden and 填报说明 sheets, unread


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
        sheets, passed, aside = _workbook_sheets(path, data)
        return Opened(path, digest, sheets, passed, aside)
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


def _workbook_sheets(
    path: Path, data: bytes
) -> tuple[list[Sheet], list[tuple[str, str]], list[Sheet]]:
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    try:
        errors = _xlsx_error_cells(path, data) if path.suffix.lower() in (".xlsx", ".xlsm") else {}
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets, passed, aside = [], [], []
        for meta in book.sheets_metadata:
            why = ""
            if meta.visible != SheetVisibleEnum.Visible:
                why = "隐藏的工作表，未读取"
            elif re.sub(r"\s+", "", meta.name) in INSTRUCTION_SHEETS:  # not 说明及数据
                why = "填报说明工作表，未作为数据读取"
            sheet = book.get_sheet_by_name(meta.name)
            if why:
                passed.append((meta.name, why))
                cells = pd.DataFrame(sheet.to_python(skip_empty_area=False), dtype=object)
                aside.append(Sheet(str(path), meta.name, cells))
                continue
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
    return sheets, passed, aside


_ERROR_CELL = re.compile(
    rb'<c r="([A-Z]+)([0-9]+)"[^>]*?t="e"[^>]*>(?:<f[^>]*(?:/>|>.*?</f>))?'
    rb"<v>([^<]*)</v>",
    re.S,
)


def _xlsx_error_cells(path: Path, data: bytes) -> dict[str, list[tuple[int, int, str]]]:
    """Check an .xlsx before calamine reads it, and collect its error cells per sheet name.

    calamine reads a sheet into a dense grid, so one stray cell at XFD1048576 would ask for
    hundreds of GB and abort the process: sheets wider than ZZ or larger than MAX_CELLS, and
    parts larger than MAX_SHEET_XML unzipped (zip bombs), are refused first. Error cells
    (#N/A, #DIV/0!) are read as blank by calamine; their text is taken from the XML so that a
    clerk hears a lookup failed.
    """
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return {}  # calamine will say what is wrong with the file
    found: dict[str, list[tuple[int, int, str]]] = {}
    with book:
        for info in book.infolist():
            if info.file_size > MAX_SHEET_XML:
                size = info.file_size / 2**20
                raise DataError(
                    f"{path}: workbook part {info.filename} unpacks to {size:.0f} MB, "
                    "too large to be a firm table"
                )
        try:
            names = _sheet_paths(book)
        except Exception:  # hostile or broken package XML: calamine reports it
            return {}
        for name, member in names.items():
            if member not in book.namelist():
                continue
            xml = book.read(member)
            last_row = _WIDE_OR_LAST_ROW.findall(xml[-4096:] if len(xml) > 4096 else xml)
            rows = int(last_row[-1]) if last_row else 0
            long_sheet = rows * 702 > MAX_CELLS and _too_many_cells(xml, rows)
            if _WIDE_CELL.search(xml) or long_sheet:
                hint = "a stray cell far right or down? delete the empty area and save again"
                raise DataError(f"{path}: sheet {name!r} spans too many cells ({hint})")
            if b't="e"' in xml:
                found[name] = [
                    (int(r) - 1, _column_index(c.decode()), v.decode())
                    for c, r, v in _ERROR_CELL.findall(xml)
                ]
    return found


_WIDE_CELL = re.compile(rb'<c r="[A-Z]{3}[0-9]')  # column AAA or beyond
_WIDE_OR_LAST_ROW = re.compile(rb'<row r="([0-9]+)"')


def _too_many_cells(xml: bytes, rows: int) -> bool:
    """Rows × widest column beyond MAX_CELLS (only computed for very long sheets)."""
    letters = {m for m in re.findall(rb'<c r="([A-Z]{1,2})[0-9]', xml)}
    width = max((_column_index(c.decode()) + 1 for c in letters), default=1)
    return rows * width > MAX_CELLS


def _sheet_paths(book: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its XML member, from workbook.xml and its relationships (defusedxml)."""
    ns = {
        "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "p": "http://schemas.openxmlformats.org/package/2006/relationships",
    }
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
