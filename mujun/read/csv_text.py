"""A CSV file as a frame of raw text cells, one row per record, each with the line it starts on.

A departmental CSV is untrusted text. Its encoding may change from line to line (UTF-8 lines
pasted into a GBK file), its lines may end in CR alone, it may be split by tabs or semicolons, and
one stray quote may pair with another five lines later. So the text is decoded whole when it can
be (UTF-8, UTF-16 with a byte order mark, else GB18030, the superset of GBK), else line by line,
each line in the encoding it is valid in; bytes valid in neither become U+FFFD, which the sheet
reader treats as an unreadable cell. Lines are cut at LF, CRLF or CR. Quotes are honoured while
they only quote: a quoted value that takes in a delimiter after a line break, or a credit code
beside a delimiter, holds other records' fields, and the lines it took are read again without
quote processing (csv_parse.py). Lines and fields are bounded before they are split.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..issues import concat_issues, empty_issues, issue_rows
from .csv_parse import parse_lines

MAX_LINE_CHARS = 100_000  # a line longer than this is no firm's row: not read, reported
MAX_FIELDS = 1_000  # a line with more fields than this is not read, reported
MAX_CSV_LINES = 5_000_000  # more lines than this is no county's firm table: refused unsplit
MAX_CSV_CELLS = 60_000_000  # lines × fields beyond this is refused before it is split
DELIMITERS = (",", "\t", ";", "|")  # tried in this order; a tie keeps the earlier
SNIFF_LINES = 100
_BINARY = {
    b"PK\x03\x04": "Excel 工作簿（.xlsx）或其他压缩文件",
    b"\xd0\xcf\x11\xe0": "旧版 Excel 工作簿（.xls）",
    b"%PDF": "PDF 文件",
}


@dataclass(frozen=True)
class CsvCells:
    """The cells of a CSV file (strings, '' for blank), the 1-based line each row starts on,
    and what reading the text found (issues located by line)."""

    cells: pd.DataFrame
    lines: np.ndarray
    notes: pd.DataFrame


def read_csv_cells(path: str, data: bytes) -> CsvCells:
    """Decode, cut into lines, bound, find the delimiter and split; see the module docstring."""
    lines, notes = decode_lines(path, data)
    if not _any_text(lines):
        raise DataError(f"{path}：文件是空的")
    lines, bounded = _bound(path, lines)
    delimiter = sniff_delimiter(lines)
    cells, starts, quoted = parse_lines(lines, delimiter)
    plain = np.zeros(len(lines), dtype=bool)
    plain[quoted - 1] = True
    notes = concat_issues([notes, bounded, line_issues("csv-stray-quote", path, plain)])
    notes = notes.sort_values("row", kind="stable").reset_index(drop=True)
    return CsvCells(cells, starts, notes)


def line_issues(
    code: str, path: str, mask: np.ndarray, values: np.ndarray | None = None, **fill: Any
) -> pd.DataFrame:
    """One issue of `code` for each line where `mask` holds, located by its 1-based line."""
    origin = pd.DataFrame({"file": path, "sheet": "", "row": np.arange(1, len(mask) + 1)})
    blank = np.full(len(mask), "", dtype=object)
    return issue_rows(code, mask, origin=origin, credit_code=blank, values=values, **fill)


def _any_text(lines: np.ndarray) -> bool:
    return bool(pd.Series(lines, dtype=object).str.strip().astype(bool).any())


def decode_lines(path: str, data: bytes) -> tuple[np.ndarray, pd.DataFrame]:
    """The lines of the file as text (no line ends), and the lines decoded unlike the rest."""
    for signature, what in _BINARY.items():
        if data.startswith(signature):
            raise DataError(f"{path}：不是CSV文本文件，而是{what}，请按其实际格式另存或改扩展名")
    text = _utf16(data)
    notes = empty_issues()
    if text is not None:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        _count_lines(path, text.count("\n"))
        lines = _split(text)
    else:
        raw = data.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        _count_lines(path, raw.count(b"\n"))
        try:
            lines = _split(raw.decode("utf-8"))
        except UnicodeDecodeError:
            lines, notes = _by_line(path, raw)
    return _visible(path, lines, notes)


def _count_lines(path: str, count: int) -> None:
    if count > MAX_CSV_LINES:
        raise DataError(
            f"{path}：文件有{count}行，超过{MAX_CSV_LINES}行的上限，不像一张企业表，未读取"
        )


def _split(text: str) -> np.ndarray:
    parts = text.split("\n")
    if parts and parts[-1] == "":
        parts.pop()
    out = np.empty(len(parts), dtype=object)
    out[:] = parts
    return out


def _utf16(data: bytes) -> str | None:
    """The text of a UTF-16 file (Excel's 'Unicode text' export), or None if it is not one."""
    head = data[:4096]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif len(head) >= 8 and head[1::2].count(0) > 0.4 * len(head) / 2 > head[0::2].count(0):
        encoding = "utf-16-le"
    elif len(head) >= 8 and head[0::2].count(0) > 0.4 * len(head) / 2 > head[1::2].count(0):
        encoding = "utf-16-be"
    else:
        return None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _by_line(path: str, raw: bytes) -> tuple[np.ndarray, pd.DataFrame]:
    """Each line as UTF-8 where it is valid UTF-8, else as GB18030; bytes valid in neither
    become U+FFFD. The lines in the file's less common encoding are reported."""
    lines = _split(raw.decode("utf-8", errors="surrogateescape"))
    series = pd.Series(lines, dtype=object)
    not_utf8 = series.str.contains("[\udc80-\udcff]", regex=True).to_numpy(dtype=bool)
    if not_utf8.any():
        joined = "\n".join(lines[not_utf8]).encode("utf-8", errors="surrogateescape")
        redone = joined.decode("gb18030", errors="replace").split("\n")
        if len(redone) != int(not_utf8.sum()):  # cannot happen: LF is never inside a character
            raise DataError(f"{path}：无法按行解码文件")
        lines[not_utf8] = redone
    series = pd.Series(lines, dtype=object)
    broken = not_utf8 & series.str.contains("\ufffd", regex=False).to_numpy(dtype=bool)
    gbk = not_utf8 & ~broken
    utf8 = ~not_utf8 & series.str.contains("[^\x00-\x7f]", regex=True).to_numpy(dtype=bool)
    written = int(series.str.strip().astype(bool).sum())
    if broken.sum() * 2 > max(written, 1):
        raise DataError(
            f"{path}：文件的文字既不是UTF-8也不是GBK/GB18030编码，无法读取"
            f"（{int(broken.sum())}行无法解码），请另存为UTF-8或GBK编码的CSV"
        )
    if not (gbk.any() and utf8.any()):
        return lines, empty_issues()
    odd, name, main = (utf8, "UTF-8", "GBK") if gbk.sum() >= utf8.sum() else (gbk, "GBK", "UTF-8")
    shown = np.full(len(lines), name, dtype=object)
    return lines, line_issues("csv-mixed-encoding", path, odd, shown, encoding=name, main=main)


def _visible(path: str, lines: np.ndarray, notes: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Lines without NUL bytes and byte order marks inside them (a file appended to another, a
    broken export): they are removed, and each line that had one is reported."""
    series = pd.Series(lines, dtype=object)
    if len(series) and series.iloc[0].startswith("\ufeff"):
        series.iloc[0] = series.iloc[0][1:]  # the mark of a UTF-16 or UTF-8 file
    found = series.str.contains("[\x00\ufeff]", regex=True).to_numpy(dtype=bool)
    if not found.any():
        return series.to_numpy(dtype=object, copy=True), notes
    text = series[found]
    if int(text.str.count("\x00").sum()) > 0.1 * max(int(series.str.len().sum()), 1):
        raise DataError(f"{path}：不是CSV文本文件（含大量NUL字节，可能是二进制文件）")
    nul = series.str.contains("\x00", regex=False).to_numpy(dtype=bool)
    bom = series.str.contains("\ufeff", regex=False).to_numpy(dtype=bool)
    what = np.where(nul & bom, "NUL、BOM", np.where(nul, "NUL", "BOM")).astype(object)
    series[found] = text.str.replace("[\x00\ufeff]", "", regex=True)
    invisible = line_issues("csv-invisible-chars", path, found, what)
    return series.to_numpy(dtype=object, copy=True), concat_issues([notes, invisible])


def _bound(path: str, lines: np.ndarray) -> tuple[np.ndarray, pd.DataFrame]:
    """Lines too long or with too many fields are blanked (so no row is made of them) and
    reported; a file whose lines × fields would still be too many cells is refused."""
    series = pd.Series(lines, dtype=object)
    length = series.str.len().to_numpy(dtype=np.int64)
    long = length > MAX_LINE_CHARS
    fields = (
        1
        + np.max(
            [series.str.count(_escape(d)).to_numpy(dtype=np.int64) for d in DELIMITERS], axis=0
        )
        if len(series)
        else np.zeros(0, dtype=np.int64)
    )
    many = ~long & (fields > MAX_FIELDS)
    notes = concat_issues(
        [
            line_issues("csv-long-line", path, long, length.astype(object), limit=MAX_LINE_CHARS),
            line_issues("csv-too-many-fields", path, many, fields.astype(object), limit=MAX_FIELDS),
        ]
    )
    out = series.to_numpy(dtype=object, copy=True)
    out[long | many] = ""
    widest = int(fields[~(long | many)].max(initial=1))
    if len(out) * widest > MAX_CSV_CELLS:
        raise DataError(
            f"{path}：{len(out)}行×{widest}列超过{MAX_CSV_CELLS}个单元格的上限，"
            "不像一张企业表，未读取"
        )
    return out, notes


def _escape(delimiter: str) -> str:
    return re.escape(delimiter)


def sniff_delimiter(lines: np.ndarray) -> str:
    """The delimiter that splits the first written lines most (the 80th percentile of its count
    per line, so that title rows above the header do not decide); a tie keeps the comma."""
    sample = pd.Series(lines[: SNIFF_LINES * 5], dtype=object)
    sample = sample[sample.str.strip().astype(bool)].iloc[:SNIFF_LINES]
    if not len(sample):
        return ","
    best, best_score = ",", 0.0
    for delimiter in DELIMITERS:
        counts = sample.str.count(_escape(delimiter)).to_numpy(dtype=float)
        score = float(np.percentile(counts, 80))
        if score > best_score:
            best, best_score = delimiter, score
    return best
