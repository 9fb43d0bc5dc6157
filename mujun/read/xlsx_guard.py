"""Check an .xlsx before calamine reads it, and find the cells calamine reads as blank.

calamine reads a sheet into a dense grid up to its farthest cell, so one stray cell at
XFD1048576 asks for hundreds of GB and aborts the process. Every part is therefore streamed
(which also checks its true unzipped size and CRC against a lying zip directory) and each sheet's
cell and row references are found wherever they stand — any attribute order, any namespace
prefix, single or double quotes, anywhere in the part — to bound the grid. No cell's text may
pass MAX_CELL_TEXT_BYTES, nor its XML MAX_CELL_XML_BYTES: a cell is measured from its start tag
to its end, what lies between cells is no cell's (xml_elements.py). The same pass collects
error cells (#N/A, which calamine reads as blank) and formula cells without a cached value, so
that a clerk hears of them.
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from defusedxml import ElementTree

from ..errors import DataError
from . import bounds
from .bounds import refuse
from .xlsx_cells import Found, column_number, special_cells
from .xml_elements import Element, element, longest

CHUNK = 8 * 2**20  # bytes of a part scanned at a time

_P = rb"(?:[A-Za-z_][\w.\-]*:)?"  # any namespace prefix, or none
# attributes: quoted values may hold '>'; an unquoted '<' ends them, so that a tag is never
# searched for past the next one (the search stays linear however many tags never close)
_ATTRS = rb"((?:[^<>\"']|\"[^\"]*\"|'[^']*')*)"
# the plain form Excel and most writers use: <c r="B7" s="1" t="s">, r first and only once
_PLAIN_CELL_START = re.compile(rb"<c[\s/>]")
_PLAIN_ROW_START = re.compile(rb"<row[\s/>]")
_R_MARKS = (b' r="', b" r='", b"\tr=", b"\nr=", b"\rr=", b" r ", b"\tr ", b"\nr ")
_PLAIN_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})[0-9]{1,7}"')
_PLAIN_CELL_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')
_PLAIN_ROW = re.compile(rb'<row r="([0-9]{1,7})"')
_PREFIXED = re.compile(rb":(?:c|row|f)[\s/>]")
# any other form: any prefix, attribute order, quotes, spacing; every r attribute counts
# (calamine takes the last of two)
_CELL_START = re.compile(rb"<" + _P + rb"c(?=[\s/>])")
_CELL_TAG = re.compile(rb"<" + _P + rb"c(?=[\s/>])" + _ATTRS + rb">")
_ROW_START = re.compile(rb"<" + _P + rb"row(?=[\s/>])")
_ROW_TAG = re.compile(rb"<" + _P + rb"row(?=[\s/>])" + _ATTRS + rb">")
_R_ATTR = re.compile(rb"(?<![^\s])r\s*=\s*[\"']")
_R_DOUBLE = re.compile(rb"(?<![^\s])r\s*=\s*\"([^\"]*)\"")
_R_SINGLE = re.compile(rb"(?<![^\s])r\s*=\s*'([^']*)'")
_CLEAN_REF = re.compile(rb"^\s*([A-Za-z]{1,3})([0-9]{1,7})\s*$", re.M)
_CLEAN_ROW = re.compile(rb"^\s*([0-9]{1,7})\s*$", re.M)
_LONG_TEXT = re.compile(rb">[^<]{%d,}" % (bounds.MAX_CELL_TEXT_BYTES + 1))
_END = re.compile(rb"</" + _P + rb"(?:c|row)\s*>")
# the end of an element whose text is a cell's: a value, a formula, a text run, a paragraph
_TEXT_END = re.compile(rb"</" + _P + rb"(?:v|f|t|p|span|a|s)\s*>")
_FORMULA = re.compile(rb"<" + _P + rb"f[\s/>]")
_PLAIN_FORMULA = re.compile(rb"<f[\s/>]")
_SHARED = re.compile(rb"<" + _P + rb"si[\s/>]")
_SHARED_END = re.compile(rb"</" + _P + rb"si\s*>")
CELL = element(rb"c")
SHARED_STRING = element(rb"si")


@dataclass
class _Extent:
    """The farthest row and column a sheet's cells reach, as calamine will place them."""

    max_row: int = 0
    max_col: int = 0
    rows_without_r: int = 0
    widest_row_without_r: int = 0
    unclear: bytes | None = None  # a cell position calamine might read anywhere (r="&#88;FD1")


def check_zip(path: Path, book: zipfile.ZipFile) -> None:
    """Refuse a zip workbook with too many parts or too many bytes once unzipped, as its
    directory declares them (the parts themselves are checked as they are streamed)."""
    parts = book.infolist()
    if len(parts) > bounds.MAX_PARTS:
        raise refuse(path, "压缩包内的文件数", len(parts), bounds.MAX_PARTS)
    counts = Counter(p.filename for p in parts)
    twice = sorted(n for n, k in counts.items() if k > 1)  # which copy calamine reads: unknown
    if twice:
        raise DataError(
            f"{path}：压缩包内有两个同名的文件“{twice[0]}”，不是正常的工作簿，文件未读取"
        )
    total = sum(p.file_size for p in parts)
    if total > bounds.MAX_UNZIPPED_BYTES:
        raise refuse(path, "解压后的总大小（字节）", total, bounds.MAX_UNZIPPED_BYTES)
    for part in parts:
        if part.file_size > bounds.MAX_PART_BYTES:
            what = f"{part.filename}解压后的大小（字节）"
            raise refuse(path, what, part.file_size, bounds.MAX_PART_BYTES)


def check_xlsx(path: Path, book: zipfile.ZipFile) -> Found:
    """Refuse an .xlsx past a bound (see bounds.py); else its error and uncached formula cells.

    Every part is streamed once: sheets for their extent and special cells, the shared strings
    for their count, the other XML parts for over-long text, binary parts for their true size.
    """
    check_zip(path, book)
    sheets = _sheet_paths(path, book)
    found = Found()
    mapped = set(sheets.values())
    total = 0
    for name, member in sheets.items():
        if member in book.namelist():
            total += _scan_sheet(path, book, name, member, found)
    if total > bounds.MAX_BOOK_CELLS:
        raise refuse(path, "各工作表单元格区域的合计", total, bounds.MAX_BOOK_CELLS)
    for member in book.namelist():
        if member in mapped or member.endswith("/"):
            continue
        if member == "xl/sharedStrings.xml":
            count = carried = 0
            for region in regions(path, book, member, end=_SHARED_END):
                carried = check_elements(path, member, region, SHARED_STRING, carried)
                count += len(_SHARED.findall(region))
            if count > bounds.MAX_SHARED_STRINGS:
                raise refuse(path, "共享字符串数", count, bounds.MAX_SHARED_STRINGS)
        elif _looks_like_xml(book, member):  # a sheet no name points at is bounded all the same
            _scan_sheet(path, book, member, member, Found())
        else:
            for _ in regions(path, book, member, text=False):
                pass
    return found


def _looks_like_xml(book: zipfile.ZipFile, member: str) -> bool:
    """Whether a part starts like XML (whatever its name): those are scanned as sheets."""
    with book.open(member) as stream:
        head = stream.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") or b"\x00" in head


def check_binary_zip(path: Path, book: zipfile.ZipFile) -> None:
    """Bound an .xlsb (a zip of binary parts) by its parts' count and true unzipped sizes."""
    check_zip(path, book)
    for member in book.namelist():
        for _ in regions(path, book, member, text=False):
            pass


def _scan_sheet(path: Path, book: zipfile.ZipFile, name: str, member: str, found: Found) -> int:
    """Refuse a sheet past a bound; else the cells of the grid calamine will build for it."""
    extent = _Extent()
    carried = 0
    for region in regions(path, book, member):
        carried = check_elements(path, member, region, CELL, carried)
        _extend(extent, region)
        errors = b'"e"' in region or b"'e'" in region
        formula = _FORMULA if _PREFIXED.search(region) else _PLAIN_FORMULA
        if errors or formula.search(region):
            special_cells(region.decode("utf-8", "replace"), name, found)
    width = max(extent.max_col, extent.widest_row_without_r)
    height = max(extent.max_row, 1) + extent.rows_without_r
    where = f"工作表“{name}”"
    if extent.unclear is not None:
        shown = extent.unclear.decode("utf-8", "replace")[:40]
        raise DataError(f"{path}：{where}有无法识别的单元格位置“{shown}”，文件未读取")
    hint = "（远处有误填的单元格？请删除空白区域后重新保存）"
    if width > bounds.MAX_COLUMNS:
        raise refuse(path, f"{where}的列数{hint}", width, bounds.MAX_COLUMNS)
    if width * height > bounds.MAX_GRID_CELLS:
        raise refuse(
            path, f"{where}的单元格区域（{height:,}行×{width:,}列）{hint}", width * height,
            bounds.MAX_GRID_CELLS,
        )  # fmt: skip
    return width * height


def _extend(extent: _Extent, region: bytes) -> None:
    """Widen `extent` by the cells and rows of one region (whole cells and rows only)."""
    if not _PREFIXED.search(region) and _plain(extent, region):
        return
    cells = len(_CELL_START.findall(region))
    tags = _CELL_TAG.findall(region)
    row_tags = _ROW_TAG.findall(region)
    if len(tags) < cells or len(row_tags) < len(_ROW_START.findall(region)):
        unclosed = _first_unclosed(region)  # a tag that does not end before the next one
        extent.unclear = unclosed if extent.unclear is None else extent.unclear
    values = _r_values(tags)
    clean = _CLEAN_REF.findall(b"\n".join(values))
    if len(clean) < len(values):  # r="&#88;FD1", r="": calamine may place it anywhere
        odd = next(v for v in values if not _CLEAN_REF.fullmatch(v))  # stops at the first
        extent.unclear = odd if extent.unclear is None else extent.unclear
    if clean:
        columns, rows_ = zip(*clean, strict=True)
        _widen(extent, list(columns), list(rows_))
    positioned = sum(map(bool, map(_R_ATTR.search, tags)))
    if positioned < cells:  # cells without r follow the one before them in their row
        per_row = map(len, map(_CELL_START.findall, _ROW_START.split(region)))
        extent.widest_row_without_r = max(extent.widest_row_without_r, *per_row)
    row_refs = _CLEAN_ROW.findall(b"\n".join(_r_values(row_tags)))
    extent.rows_without_r += len(row_tags) - sum(map(bool, map(_R_ATTR.search, row_tags)))
    if row_refs:
        extent.max_row = max(extent.max_row, max(map(int, set(row_refs))))


def _first_unclosed(region: bytes) -> bytes:
    """The first cell or row start tag of `region` that does not end (broken or hostile XML:
    the search stops at the first)."""
    for start, tag in ((_CELL_START, _CELL_TAG), (_ROW_START, _ROW_TAG)):
        for found in start.finditer(region):
            if not tag.match(region, found.start()):
                return region[found.start() : found.start() + 40]
    return b"?"


def _plain(extent: _Extent, region: bytes) -> bool:
    """Widen `extent` by a region written in the plain form, found by counting alone: every
    cell and row tag starts <c r="B7" / <row r="7", and no other r attribute is in the region.
    False (nothing done) when the region is written otherwise."""
    cells = len(_PLAIN_CELL_START.findall(region))
    plain = region.count(b'<c r="')
    rows = len(_PLAIN_ROW_START.findall(region))
    plain_rows = region.count(b'<row r="')
    if plain != cells or plain_rows != rows or sum(map(region.count, _R_MARKS)) != plain + rows:
        return False
    columns = _PLAIN_COLUMN.findall(region)
    row_refs = _PLAIN_ROW.findall(region)
    if len(columns) != plain or len(row_refs) != rows:
        return False
    _widen(extent, columns, _PLAIN_CELL_ROW.findall(region) + row_refs)
    return True


def _r_values(tags: list[bytes]) -> list[bytes]:
    """Every r attribute's value in the given tags' attributes (duplicates included)."""
    joined = b"\n".join(tags)
    return [*_R_DOUBLE.findall(joined), *_R_SINGLE.findall(joined)]


def _widen(extent: _Extent, columns: list[bytes], rows: list[bytes]) -> None:
    """Widen `extent` to the farthest of the given column letters and row numbers."""
    if columns:
        letters = {c.decode().upper() for c in set(columns)}  # distinct columns only
        extent.max_col = max(extent.max_col, max(map(column_number, letters)))
    if rows:
        extent.max_row = max(extent.max_row, int(np.array(rows).astype(np.int64).max()))


def regions(
    path: Path,
    book: zipfile.ZipFile,
    member: str,
    *,
    text: bool = True,
    end: re.Pattern[bytes] = _END,
) -> Iterator[bytes]:
    """A part in pieces that end after a complete cell or row, each bounded (a binary part,
    `text` False, only in size)."""
    carry = b""
    size = 0
    with book.open(member) as stream:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > bounds.MAX_PART_BYTES:
                raise refuse(path, f"{member}解压后的大小（字节）", size, bounds.MAX_PART_BYTES)
            if not text:
                continue
            buffer = carry + chunk
            cut = _last_end(buffer, end)
            if (
                len(buffer) - cut > bounds.MAX_CELL_XML_BYTES
            ):  # a long run of other elements: cut at a tag
                cut = max(buffer.rfind(b"<"), 0)
            region, carry = buffer[:cut], buffer[cut:]
            if len(carry) > bounds.MAX_CELL_XML_BYTES:
                raise refuse(
                    path,
                    f"{member}中单个单元格或行的长度（字节）",
                    len(carry),
                    bounds.MAX_CELL_XML_BYTES,
                )
            if b"\x00" in region:  # not UTF-8 XML (UTF-16, say): nothing to scan it by
                raise DataError(f"{path}：{member}不是UTF-8编码的XML，不是正常的工作簿，文件未读取")
            _check_text(path, member, region)
            yield region
    if text:
        if b"\x00" in carry:
            raise DataError(f"{path}：{member}不是UTF-8编码的XML，不是正常的工作簿，文件未读取")
        _check_text(path, member, carry)
        yield carry


def _last_end(buffer: bytes, end: re.Pattern[bytes]) -> int:
    """Where the last end tag matching `end` (a cell or row) in `buffer` ends (0: none yet)."""
    pos = len(buffer)
    for _ in range(10_000):  # a cell holds a few end tags; past that, cut at the last tag
        pos = buffer.rfind(b"</", 0, pos)
        if pos < 0:
            return 0
        match = end.match(buffer, pos)
        if match:
            return match.end()
    return max(buffer.rfind(b"<"), 0)


def check_elements(path: Path, member: str, region: bytes, kind: Element, carried: int) -> int:
    """Refuse an element (a cell, a shared string) whose XML passes MAX_CELL_XML_BYTES — text in
    a thousand runs of a few KB each is one cell all the same; else the bytes of the one still
    open at the region's end, to be `carried` into the next region."""
    found, still_open = longest(region, kind, bounds.MAX_CELL_XML_BYTES, carried)
    if found > bounds.MAX_CELL_XML_BYTES:
        what = f"{member}中单个单元格的长度（字节）"
        raise refuse(path, what, found, bounds.MAX_CELL_XML_BYTES)
    return still_open


def _check_text(path: Path, member: str, region: bytes) -> None:
    """Refuse text longer than a cell holds; blanks between elements are no cell's text."""
    for long in _LONG_TEXT.finditer(region):  # each one longer than the bound: a few at most
        blank = not long.group()[1:].strip(b" \t\r\n")
        if blank and not _TEXT_END.match(region, long.end()):
            continue
        size = len(long.group()) - 1
        raise refuse(
            path, f"{member}中一段单元格文本的长度（字节）", size, bounds.MAX_CELL_TEXT_BYTES
        )


def _sheet_paths(path: Path, book: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its XML member, from workbook.xml and its relationships (defusedxml)."""
    ns = {
        "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "p": "http://schemas.openxmlformats.org/package/2006/relationships",
    }
    try:
        workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    except Exception:  # hostile or broken package XML: calamine reports it
        return {}
    sheets = workbook.findall(".//{*}sheet")
    if len(sheets) > bounds.MAX_SHEETS:
        raise refuse(path, "工作表数", len(sheets), bounds.MAX_SHEETS)
    target = {r.get("Id"): r.get("Target", "") for r in rels.findall("p:Relationship", ns)}
    out = {}
    for sheet in sheets:
        ref = target.get(sheet.get(f"{{{ns['r']}}}id"), "")
        out[sheet.get("name", "")] = ref.lstrip("/") if ref.startswith("/") else f"xl/{ref}"
    return out
