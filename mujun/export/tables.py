"""Flat files: results and issues as CSV (UTF-8 with BOM, so Excel reads Chinese) and Parquet.

A CSV file is opened by double-click in Excel, which turns a cell starting with = + - @ (or a
tab or carriage return) into a formula. As OWASP recommends for CSV injection, such text cells
get a leading apostrophe (') so that Excel shows them as text; numbers are written as numbers.
Parquet keeps the exact values.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from pyarrow import csv as pacsv

from ..issues import ISSUE_COLUMNS

FORMULA_START = r"^[=+\-@\t\r]"
"""What Excel may read as the start of a formula (OWASP, CSV injection)."""


def neutralise(column: pd.Series) -> pd.Series:
    """Text cells that Excel would read as a formula, prefixed with an apostrophe."""
    text = column.astype("string")
    risky = text.str.contains(FORMULA_START, regex=True, na=False)
    return text.where(~risky, "'" + text) if risky.any() else text


def write_csv(frame: pd.DataFrame, path: Path, *, for_excel: bool = True) -> None:
    """A table as CSV, UTF-8 with BOM; floats at full precision (rounding is for workbooks);
    with `for_excel`, text cells neutralised against formula injection (module docstring).

    pyarrow's writer is used: pandas' to_csv formats every float in Python and took 30 s for a
    million results."""
    plain = frame.copy()
    for name in plain.columns:
        dtype = plain[name].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            plain[name] = plain[name].astype("string")
        if for_excel and (pd.api.types.is_string_dtype(plain[name]) or dtype is np.dtype(object)):
            plain[name] = neutralise(plain[name])
    table = pa.Table.from_pandas(plain, preserve_index=False)
    with path.open("wb") as out:
        out.write(b"\xef\xbb\xbf")
        pacsv.write_csv(table, out, pacsv.WriteOptions(quoting_style="needed"))


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """A table as Parquet: exact values and types, for analysis and later runs."""
    frame.to_parquet(path, index=False, engine="pyarrow")


def write_issues_csv(issues: pd.DataFrame, path: Path) -> None:
    """The issue table in the contract's columns (the internal row position is left out)."""
    write_csv(issues[ISSUE_COLUMNS], path)


def write_json(data: dict[str, Any], path: Path) -> None:
    """Readable, stable JSON (sorted keys, Chinese kept as text)."""
    path.write_text(
        json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
