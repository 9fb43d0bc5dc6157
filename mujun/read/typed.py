"""Tables already in mujun's own form — Parquet, or CSV whose first line is field codes — read
typed by pyarrow: no header to search, no text to parse, only the checks every table gets."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from ..fields import FIELDS
from ..table import EnterpriseTable, SourceFile

TEXT_KINDS = ("key", "text", "bool", "date")


def read_typed(path: Path, year: int | None) -> tuple[EnterpriseTable, SourceFile] | None:
    """The table of a Parquet file or a canonical CSV; None for any other file."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame = _load(path, lambda: pd.read_parquet(path), "Parquet")
    elif suffix == ".csv" and (names := canonical_header(path)) is not None:
        dtypes = {n: "string" for n in names if FIELDS[n].kind in TEXT_KINDS}
        try:
            frame = pd.read_csv(path, engine="pyarrow", dtype=dtypes, encoding="utf-8")
        except Exception:  # not UTF-8 after all (GBK body), ragged rows…: the careful path
            return None
    else:
        return None
    if year is not None and "year" not in frame:
        frame["year"] = year
    rows = len(frame)
    origin = pd.DataFrame({"file": str(path), "sheet": "", "row": np.arange(2, rows + 2)})
    table = EnterpriseTable.from_frame(frame, origin=origin, file=str(path))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return table, SourceFile(str(path), digest, rows, rows, 0)


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


def _load(path: Path, read: Callable[[], pd.DataFrame], kind: str) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        return read()
    except Exception as exc:  # pyarrow raises its own types
        raise DataError(f"{path}: not a readable {kind} file ({exc})") from None
