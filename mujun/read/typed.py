"""Tables already in mujun's own form — Parquet, or CSV whose first line is field codes — read
typed by pyarrow: no header to search and no cells to type one by one, only the checks every
table gets (which run on pyarrow's own buffers, see arrowtext.py).

The file is read once into memory: pyarrow parses those bytes while a second thread computes
their sha256 for the provenance.
"""

from __future__ import annotations

import csv
import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .. import values
from ..errors import DataError
from ..fields import FIELDS
from ..table import UNREADABLE, EnterpriseTable, SourceFile
from . import bounds

MAX_TYPED_BYTES = 4 * 2**30  # a typed file larger than this is refused before it is read
# a Parquet file's metadata is checked before any of its data is decoded: 300 M rows of one
# repeated value take 5 MB on disk and 7 GB in memory
MAX_TYPED_ROWS = 5_000_000  # firm-years: a province over several years
MAX_TYPED_COLUMNS = 500  # mujun's fields number a few dozen
MAX_TYPED_UNCOMPRESSED = 2 * 2**30  # the data pages once decompressed (as the metadata says)
MAX_PARQUET_FOOTER = 64 * 2**20  # the metadata itself, read before anything else
TEXT_KINDS = ("key", "text")  # read as text whatever they look like (codes keep leading zeros)
NUMBER_KINDS = ("number", "int")  # whose non-finite floats are cells that could not be read
# text fields with few distinct values: read as a dictionary, so each value is cleaned once
FEW_VALUES = ("park", "industry_code", "county")
_DICTIONARY = pa.dictionary(pa.int32(), pa.string())
# what a canonical CSV's blank cell may say; a NaN written out ('nan', 'NaN') is no blank but a
# value that is not a number, so it is not among them (pyarrow's own list has it)
BLANKS = ["", "#N/A", "#N/A N/A", "#NA", "N/A", "NA", "NULL", "n/a", "null"]


def read_typed(path: Path, year: int | None) -> tuple[EnterpriseTable, SourceFile] | None:
    """The table of a Parquet file or a canonical CSV; None for any other file."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":

        def parse(source: pa.BufferReader) -> pa.Table:
            return pq.read_table(source, read_dictionary=[f for f in FEW_VALUES if f in FIELDS])

    elif suffix == ".csv" and (names := canonical_header(path)) is not None:
        types = {n: pa.string() for n in names if FIELDS[n].kind in TEXT_KINDS}
        types.update({n: _DICTIONARY for n in names if n in FEW_VALUES})
        types.update({n: pa.string() for n in names if FIELDS[n].kind == "date"})  # as typed
        options = pacsv.ConvertOptions(
            column_types=types, strings_can_be_null=True, null_values=BLANKS
        )

        def parse(source: pa.BufferReader) -> pa.Table:
            return pacsv.read_csv(source, convert_options=options)
    else:
        return None
    data = _bytes(path)
    if suffix == ".parquet":
        check_parquet(path, data)
        if "credit_code" not in pq.read_schema(pa.BufferReader(data)).names:
            return None  # a department's own headers (统一社会信用代码…): read as a sheet
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(lambda: hashlib.sha256(data).hexdigest())
        try:
            table = parse(pa.BufferReader(data))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as exc:
            if suffix == ".csv":  # not UTF-8 after all (GBK body), ragged rows…: careful path
                return None
            raise DataError(f"{path}：不是可读取的 Parquet 文件（{exc}）") from None
        sha256 = digest.result()
    lines = np.arange(2, table.num_rows + 2)
    if suffix == ".csv":
        found = csv_lines(data, table)
        if found is None:  # blank lines aside, records and lines differ: careful path
            return None
        lines = found
    numeric = [n for n in table.column_names if n in FIELDS and FIELDS[n].kind in NUMBER_KINDS]
    table, non_finite = values.non_finite_cells(table, numeric)
    frame = table.to_pandas()
    for name, text in non_finite.items():  # cells that could not be read, as in any file
        frame[UNREADABLE + name] = text
    if year is not None and "year" not in frame:
        frame["year"] = year
    rows = len(frame)
    origin = pd.DataFrame(
        {
            "file": pd.Categorical.from_codes(np.zeros(rows, dtype=np.int8), [str(path)]),
            "sheet": pd.Categorical.from_codes(np.zeros(rows, dtype=np.int8), [""]),
            "row": lines,
        }
    )
    table_ = EnterpriseTable.from_frame(frame, origin=origin, file=str(path))
    return table_, SourceFile(str(path), sha256, rows, rows, 0)


def check_parquet(path: Path, data: bytes) -> None:
    """Refuse a Parquet file whose metadata declares more rows, columns or bytes than a firm
    table holds, before a page of it is decompressed."""
    footer = int.from_bytes(data[-8:-4], "little")
    if len(data) < 12 or data[-4:] != b"PAR1" or footer > len(data) - 12:
        raise DataError(f"{path}：不是可读取的 Parquet 文件（文件不完整或不是 Parquet 格式）")
    if footer > MAX_PARQUET_FOOTER:
        raise DataError(
            f"{path}：Parquet 文件元数据的大小（字节）为{footer:,}，"
            f"超过上限{MAX_PARQUET_FOOTER:,}，文件未读取"
        )
    try:
        meta = pq.ParquetFile(pa.BufferReader(data)).metadata
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as exc:
        raise DataError(f"{path}：不是可读取的 Parquet 文件（{exc}）") from None
    size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    for what, found, bound in (
        ("行数", meta.num_rows, MAX_TYPED_ROWS),
        ("列数", meta.num_columns, MAX_TYPED_COLUMNS),
        ("数据解压后的大小（字节）", size, MAX_TYPED_UNCOMPRESSED),
    ):
        if found > bound:
            raise DataError(
                f"{path}：Parquet 文件的{what}为{found:,}，超过上限{bound:,}，文件未读取"
            )


def parquet_cells(path: Path, data: bytes) -> pd.DataFrame:
    """A Parquet file with a department's own headers as a sheet of cells: the column names as
    its first row, nulls blank, every other value as stored (a NaN stays a value that could not
    be read). Bounded like a workbook sheet; nested and binary columns are refused."""
    check_parquet(path, data)
    meta = pq.ParquetFile(pa.BufferReader(data)).metadata
    grid = meta.num_rows * meta.num_columns
    if grid > bounds.MAX_GRID_CELLS:
        raise bounds.refuse(path, "Parquet 文件的单元格数（行×列）", grid, bounds.MAX_GRID_CELLS)
    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as exc:
        raise DataError(f"{path}：不是可读取的 Parquet 文件（{exc}）") from None
    columns = []
    for name, column in zip(table.column_names, table.columns, strict=True):  # columns
        kind = column.type
        if pa.types.is_dictionary(kind):
            column, kind = column.cast(kind.value_type), kind.value_type
        if pa.types.is_nested(kind) or pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            raise DataError(f"{path}：列“{name}”的类型为{kind}，不是表格中的数值或文字，文件未读取")
        values = column.to_pandas().astype(object)
        values[column.is_null().to_numpy(zero_copy_only=False)] = ""
        columns.append(pd.concat([pd.Series([str(name)], dtype=object), values], ignore_index=True))
    if not columns:
        return pd.DataFrame(dtype=object)
    return pd.concat(columns, axis=1, ignore_index=True)


def _bytes(path: Path) -> bytes:
    if not path.is_file():
        raise DataError(f"{path}：文件不存在")
    size = path.stat().st_size
    if size > MAX_TYPED_BYTES:
        raise DataError(f"{path}：文件有 {size / 2**30:.1f} GB，超过可读取的上限")
    return path.read_bytes()


_CODE_INSIDE = r"\n|[,;\t|].*[0-9A-Y][0-9]{7}[0-9A-Z]{10}|[0-9A-Y][0-9]{7}[0-9A-Z]{10}.*[,;\t|]"


def csv_lines(data: bytes, table: pa.Table) -> np.ndarray | None:
    """The file line of each record of a canonical CSV, or None when lines and records do not
    match one to one after leaving out blank lines (which pyarrow skips), or a quoted text value
    holds another record's fields (a stray quote): the careful reader reports those.

    A few vectorised passes over the bytes; text values are searched only where quotes are."""
    if _careful(data):
        return None
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    # as many lines as records and header: no blank line, no record over two lines
    simple = lines == table.num_rows + 1
    written = np.arange(1, lines + 1) if simple else _written_lines(data)
    if len(written) - 1 != table.num_rows:  # a record spans lines: a quote is open
        return None
    if b'"' in data and _stray_quote(data, table, written):
        return None
    return written[1:]


def _written_lines(data: bytes) -> np.ndarray:
    """The 1-based numbers of the lines that are not blank."""
    bytes_ = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(bytes_ == 10)
    starts = np.concatenate([[0], ends + 1])
    stops = np.concatenate([ends, [len(data)]])
    if len(data) and data.endswith(b"\n"):
        starts, stops = starts[:-1], stops[:-1]
    carriage = bytes_[np.maximum(stops - 1, 0)] == 13
    blank = (stops - starts == 0) | ((stops - starts == 1) & carriage)
    return np.flatnonzero(~blank) + 1


QUOTES_LOCATED = 10_000  # quotes found one by one; beyond this every long text value is searched


def _stray_quote(data: bytes, table: pa.Table, written: np.ndarray) -> bool:
    """Whether a text value holds a delimiter and a credit code (another record's fields taken
    in by a stray quote). Only records on lines with a quote can hold one: where quotes are few,
    those records alone are searched."""
    quoted: list[int] = []
    at = data.find(b'"')
    line, seen = 1, 0
    while at != -1 and len(quoted) <= QUOTES_LOCATED:  # a loop over quotes, not records
        line += data.count(b"\n", seen, at)
        seen = at
        quoted.append(line)
        at = data.find(b'"', at + 1)
    if len(quoted) <= QUOTES_LOCATED:
        records = np.searchsorted(written, np.unique(quoted)) - 1  # the header is record -1
        records = records[(records >= 0) & (records < table.num_rows)]
        table = table.take(pa.array(records))
    for name in table.column_names:  # a loop over columns
        column = table.column(name)
        if pa.types.is_dictionary(column.type):  # its distinct values are enough
            column = pa.chunked_array([c.dictionary for c in column.chunks], pa.string())
        if not pa.types.is_string(column.type):
            continue
        # a delimiter and an 18-character code take at least 19 characters
        odd = column.filter(pc.greater(pc.utf8_length(column), 18))
        odd = odd.filter(pc.match_substring_regex(odd, "[\n,;\t|]"))
        if len(odd) and pc.any(pc.match_substring_regex(odd, _CODE_INSIDE)).as_py():
            return True
    return False


def _careful(data: bytes) -> bool:
    """Bytes the careful reader reports line by line: NUL, a byte order mark after the start,
    U+FFFD (text already lost), a line ending in CR alone."""
    return (
        b"\x00" in data
        or data.find(b"\xef\xbb\xbf", 1) != -1
        or b"\xef\xbf\xbd" in data
        or (b"\r" in data and data.count(b"\r") != data.count(b"\r\n"))
    )


def canonical_header(path: Path) -> list[str] | None:
    """The header of a CSV in mujun's own form (UTF-8, first line = field codes including
    credit_code), or None."""
    with path.open("rb") as handle:
        head = handle.read(65536)
    first = re.split(b"[\r\n]", head, maxsplit=1)[0]  # a line may end in CR alone
    try:
        line = first.decode("utf-8-sig").strip()
        names = [c.strip() for c in next(csv.reader([line]))] if line else []
    except (UnicodeDecodeError, csv.Error):  # a cut character, a quote left open
        return None
    if "credit_code" in names and all(n in FIELDS and not FIELDS[n].derived for n in names):
        return names
    return None
