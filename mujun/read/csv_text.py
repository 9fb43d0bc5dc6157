"""A CSV file as a frame of raw text cells, one row per record, each with the line it starts on.

A departmental CSV is untrusted text. Its encoding may change from line to line (UTF-8 lines
pasted into a GBK file), its lines may end in CR alone, it may be split by tabs or semicolons, and
one stray quote may pair with another five lines later. So the text is decoded whole when it can
be (UTF-8, UTF-16 or UTF-32 as its byte order mark says, else GB18030, the superset of GBK), else
line by line, each line in the encoding it is valid in; bytes valid in none become U+FFFD, which
the sheet reader treats as an unreadable cell. Lines are cut at LF, CRLF or CR. Quotes are
honoured while they only quote: a quoted value that takes in a delimiter after a line break, or a
credit code beside a delimiter, holds other records' fields, and the lines it took are read again
without quote processing (csv_parse.py). Lines and fields are bounded before they are split.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..codes import CREDIT_ALPHABET
from ..errors import DataError
from ..issues import concat_issues, empty_issues, issue_rows
from .csv_parse import count, parse_lines

MAX_LINE_CHARS = 100_000  # a line longer than this is no firm's row: not read, reported
MAX_FIELDS = 1_000  # a line with more fields than this is not read, reported
MAX_CSV_LINES = 5_000_000  # more lines than this is no county's firm table: refused unsplit
MAX_CSV_CELLS = 60_000_000  # lines × fields beyond this is refused before it is split
CODE_SEARCH_CHARS = 200  # a line not read is named by a credit code this near its start
DELIMITERS = (",", "\t", ";", "|")  # tried in this order; a tie keeps the earlier
SNIFF_LINES = 100
TEXT = pd.StringDtype("pyarrow")  # lines are held by pyarrow, so their checks run in C++
# byte order marks, the longer first: UTF-32's little-endian mark starts with UTF-16's
_WIDE_MARKS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_CODE_CHAR = f"[{CREDIT_ALPHABET}]"
_LEADING_CODE = f"(?i)(?<![0-9A-Z])({_CODE_CHAR}{{2}}[0-9]{{6}}{_CODE_CHAR}{{10}})(?![0-9A-Z])"
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
    if not lines.str.strip().str.len().gt(0).any():
        raise DataError(f"{path}：文件是空的")
    delimiter = sniff_delimiter(lines)
    lines, bounded = _bound(path, lines, delimiter)
    cells, starts, quoted = parse_lines(lines, delimiter)
    plain = np.zeros(len(lines), dtype=bool)
    plain[quoted - 1] = True
    notes = concat_issues([notes, bounded, line_issues("csv-stray-quote", path, plain)])
    notes = notes.sort_values("row", kind="stable").reset_index(drop=True)
    return CsvCells(cells, starts, notes)


def line_issues(
    code: str,
    path: str,
    mask: np.ndarray,
    values: np.ndarray | None = None,
    codes: np.ndarray | None = None,
    **fill: Any,
) -> pd.DataFrame:
    """One issue of `code` for each line where `mask` holds, located by its 1-based line (and
    naming the firm of `codes`, where given)."""
    origin = pd.DataFrame({"file": path, "sheet": "", "row": np.arange(1, len(mask) + 1)})
    if codes is None:
        codes = np.full(len(mask), "", dtype=object)
    return issue_rows(code, mask, origin=origin, credit_code=codes, values=values, **fill)


def decode_lines(path: str, data: bytes) -> tuple[pd.Series, pd.DataFrame]:
    """The lines of the file as text (no line ends), and the lines decoded unlike the rest."""
    for signature, what in _BINARY.items():
        if data.startswith(signature):
            raise DataError(f"{path}：不是CSV文本文件，而是{what}，请按其实际格式另存或改扩展名")
    text = _wide(data)
    notes = empty_issues()
    if text is not None:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        _count_lines(path, text.count("\n"))
        lines = _split(text)
        if "\ufffd" in text:
            _refuse_undecodable(path, lines, lines.str.contains("\ufffd", regex=False))
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


def _split(text: str) -> pd.Series:
    parts = text.split("\n")
    if parts and parts[-1] == "":
        parts.pop()
    return pd.Series(parts, dtype=TEXT)


def _wide(data: bytes) -> str | None:
    """The text of a UTF-16 file (Excel's 'Unicode text' export) or UTF-32 file, in the byte
    order its byte order mark — or, without one, its NUL bytes — says; None if it is not one. A
    unit that does not decode (a last byte cut off, half a surrogate pair) becomes U+FFFD, so
    that only its line is damaged."""
    encoding = next((name for mark, name in _WIDE_MARKS if data.startswith(mark)), None)
    head = data[:4096]
    if encoding is None and len(head) >= 8:  # ASCII text in UTF-16: every other byte NUL
        even, odd, half = head[0::2].count(0), head[1::2].count(0), 0.4 * len(head) / 2
        encoding = "utf-16-le" if odd > half > even else "utf-16-be" if even > half > odd else None
    if encoding is None:
        return None
    return data.decode(encoding, "replace").removeprefix("\ufeff")


def _by_line(path: str, raw: bytes) -> tuple[pd.Series, pd.DataFrame]:
    """Each line as UTF-8 where it is valid UTF-8, else as GB18030; bytes valid in neither
    become U+FFFD. The whole file is decoded both ways (LF is never inside a character in
    either) and each line taken from the reading in which it has no U+FFFD. The lines in the
    file's less common encoding are reported."""
    as_utf8, as_gbk = (
        _split(raw.decode("utf-8", "replace")),
        _split(raw.decode("gb18030", "replace")),
    )
    if len(as_utf8) == len(as_gbk) and b"\xef\xbf\xbd" not in raw:
        not_utf8 = as_utf8.str.contains("\ufffd", regex=False).to_numpy(dtype=bool)
    else:  # U+FFFD written as such: which lines are UTF-8 is found one line at a time
        as_utf8, as_gbk, not_utf8 = _each_line(raw)
    lines = as_utf8.where(~not_utf8, as_gbk)
    broken = not_utf8 & as_gbk.str.contains("\ufffd", regex=False).to_numpy(dtype=bool)
    gbk = not_utf8 & ~broken
    utf8 = ~not_utf8 & lines.str.contains("[^\x00-\x7f]", regex=True).to_numpy(dtype=bool)
    _refuse_undecodable(path, lines, broken)
    if not (gbk.any() and utf8.any()):
        return lines, empty_issues()
    odd, name, main = (utf8, "UTF-8", "GBK") if gbk.sum() >= utf8.sum() else (gbk, "GBK", "UTF-8")
    shown = np.full(len(lines), name, dtype=object)
    return lines, line_issues("csv-mixed-encoding", path, odd, shown, encoding=name, main=main)


def _refuse_undecodable(path: str, lines: pd.Series, broken: pd.Series | np.ndarray) -> None:
    """Refuse a file more than half of whose written lines do not decode: it is not text in
    any encoding mujun knows (a few such lines are read, their cells reported)."""
    count = int(np.asarray(broken, dtype=bool).sum())
    written = int(lines.str.strip().str.len().gt(0).sum())
    if count * 2 > max(written, 1):
        raise DataError(
            f"{path}：文件的文字不是UTF-8、UTF-16或GBK/GB18030编码，无法读取"
            f"（{count}行无法解码），请另存为UTF-8或GBK编码的CSV"
        )


def _each_line(raw: bytes) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """Both readings of each line, and which lines are not UTF-8, one line at a time (rare: a
    mixed file that also holds U+FFFD written as text)."""
    parts = raw.split(b"\n")
    if parts and parts[-1] == b"":
        parts.pop()
    not_utf8 = np.array([not _is_utf8(p) for p in parts], dtype=bool)
    as_utf8 = pd.Series([p.decode("utf-8", "replace") for p in parts], dtype=TEXT)
    as_gbk = pd.Series([p.decode("gb18030", "replace") for p in parts], dtype=TEXT)
    return as_utf8, as_gbk, not_utf8


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _visible(path: str, lines: pd.Series, notes: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """Lines without NUL bytes and byte order marks inside them (a file appended to another, a
    broken export): they are removed, and each line that had one is reported."""
    if len(lines) and lines.iloc[0].startswith("\ufeff"):
        lines = lines.copy()
        lines.iloc[0] = lines.iloc[0][1:]  # the mark at the start of a UTF-8 file
    nul = lines.str.contains("\x00", regex=False).to_numpy(dtype=bool)
    bom = lines.str.contains("\ufeff", regex=False).to_numpy(dtype=bool)
    found = nul | bom
    if not found.any():
        return lines, notes
    if int(lines.str.count("\x00").sum()) > 0.1 * max(int(lines.str.len().sum()), 1):
        raise DataError(f"{path}：不是CSV文本文件（含大量NUL字节，可能是二进制文件）")
    what = np.where(nul & bom, "NUL、BOM", np.where(nul, "NUL", "BOM")).astype(object)
    lines = lines.str.replace("[\x00\ufeff]", "", regex=True)
    invisible = line_issues("csv-invisible-chars", path, found, what)
    return lines, concat_issues([notes, invisible])


def _bound(path: str, lines: pd.Series, delimiter: str) -> tuple[pd.Series, pd.DataFrame]:
    """Lines too long or with too many fields are blanked (so no row is made of them) and
    reported; a file whose lines × fields would still be too many cells is refused."""
    length = lines.str.len().to_numpy(dtype=np.int64)
    long = length > MAX_LINE_CHARS
    fields = 1 + count(lines, delimiter)
    wide = ~long & (fields > MAX_FIELDS)
    if wide.any():  # empty fields at a line's end (an export's blank columns) do not count
        trimmed = lines[wide].str.rstrip(delimiter + " \r")
        lines = lines.copy()
        lines[wide] = trimmed
        fields[wide] = 1 + count(trimmed, delimiter)
    many = ~long & (fields > MAX_FIELDS)
    codes = _leading_codes(lines, long | many)
    notes = concat_issues(
        [
            line_issues(
                "csv-long-line", path, long, length.astype(object), codes, limit=MAX_LINE_CHARS
            ),
            line_issues(
                "csv-too-many-fields", path, many, fields.astype(object), codes, limit=MAX_FIELDS
            ),
        ]
    )
    if (long | many).any():
        lines = lines.where(~(long | many), "")
    widest = int(fields[~(long | many)].max(initial=1))
    if len(lines) * widest > MAX_CSV_CELLS:
        raise DataError(
            f"{path}：{len(lines)}行×{widest}列超过{MAX_CSV_CELLS}个单元格的上限，"
            "不像一张企业表，未读取"
        )
    return lines, notes


def _leading_codes(lines: pd.Series, mask: np.ndarray) -> np.ndarray:
    """For each line where `mask` holds (lines not read: few), the first credit code written
    in its first CODE_SEARCH_CHARS characters, so that its issue names the firm; else ''."""
    codes = np.full(len(lines), "", dtype=object)
    if mask.any():
        heads = lines[mask].str.slice(0, CODE_SEARCH_CHARS).astype(object)
        found = heads.str.extract(_LEADING_CODE, expand=False).fillna("").str.upper()
        codes[mask] = found.to_numpy(dtype=object)
    return codes


def sniff_delimiter(lines: pd.Series) -> str:
    """The delimiter a first line `sep=;` names, else the one that splits the first written lines
    most (the 80th percentile of its count per line, so that title rows above the header do not
    decide); a tie keeps the comma."""
    hint = re.fullmatch(r"\s*sep=(.)\s*", lines.iloc[0]) if len(lines) else None
    if hint and hint.group(1) in DELIMITERS:  # Excel's own hint line, `sep=;`
        return hint.group(1)
    sample = lines.iloc[: SNIFF_LINES * 5]
    sample = sample[sample.str.strip().str.len().gt(0).to_numpy(dtype=bool)].iloc[:SNIFF_LINES]
    if not len(sample):
        return ","
    best, best_score = ",", 0.0
    for delimiter in DELIMITERS:
        counts = count(sample, delimiter).astype(float)
        score = float(np.percentile(counts, 80))
        if score > best_score:
            best, best_score = delimiter, score
    return best
