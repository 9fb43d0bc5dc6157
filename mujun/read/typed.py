"""Tables already in mujun's own form — Parquet, or CSV whose first line is field codes — read
typed by pyarrow: no header to search and no cells to type one by one, only the checks every
table gets (which run on pyarrow's own buffers, see arrowtext.py).

The file is read once into memory: pyarrow parses those bytes while a second thread computes
their sha256 for the provenance.
"""

from __future__ import annotations

import csv
import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .. import values
from ..errors import DataError
from ..fields import FIELDS
from ..table import UNREADABLE, EnterpriseTable, SourceFile

MAX_TYPED_BYTES = 4 * 2**30  # a typed file larger than this is refused before it is read
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
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(lambda: hashlib.sha256(data).hexdigest())
        try:
            table = parse(pa.BufferReader(data))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as exc:
            if suffix == ".csv":  # not UTF-8 after all (GBK body), ragged rows…: careful path
                return None
            raise DataError(f"{path}：不是可读取的 Parquet 文件（{exc}）") from None
        sha256 = digest.result()
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
            "row": np.arange(2, rows + 2),
        }
    )
    table_ = EnterpriseTable.from_frame(frame, origin=origin, file=str(path))
    return table_, SourceFile(str(path), sha256, rows, rows, 0)


def _bytes(path: Path) -> bytes:
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    size = path.stat().st_size
    if size > MAX_TYPED_BYTES:
        raise DataError(f"{path}: {size / 2**30:.1f} GB is too large to read")
    return path.read_bytes()


def canonical_header(path: Path) -> list[str] | None:
    """The header of a CSV in mujun's own form (UTF-8, first line = field codes including
    credit_code), or None."""
    with path.open("rb") as handle:
        first = handle.readline(65536)  # the header line only: never cut inside a character
    try:
        line = first.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        return None
    names = [c.strip() for c in next(csv.reader([line]))] if line else []
    if "credit_code" in names and all(n in FIELDS and not FIELDS[n].derived for n in names):
        return names
    return None
