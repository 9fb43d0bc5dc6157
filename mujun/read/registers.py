"""A bureau's own register read as a table: the corrections table and the appeals register.

Both are one sheet whose header row (within the first ten rows) holds Chinese headers, each
column known by several; a DataFrame given instead is taken as read. What is left to each
reader is what its columns mean.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import DataError
from .files import open_file
from .headers import normalize

HEADER_ROWS = 10  # the header row is looked for this far down


@dataclass(frozen=True)
class Register:
    """The register's columns by key (None where absent), its file ('' for a frame), the
    spreadsheet row of its first data row, and the needed columns it lacks (their headers)."""

    columns: pd.DataFrame
    file: str
    first: int
    absent: list[str]


def read_register(
    source: str | Path | pd.DataFrame,
    columns: Mapping[str, Sequence[str]],
    markers: Sequence[str],
    needed: Sequence[str],
    missing_header: str,
) -> Register:
    """The register at `source`: its header row is the first with a header of one of the
    `markers` columns; DataError `missing_header` (after the file name) when none is."""
    if isinstance(source, pd.DataFrame):
        raw, file, first = source.astype(object), "", 2
        header = [normalize(c) for c in raw.columns]
    else:
        sheet = open_file(Path(source)).sheets[0]
        file, cells = sheet.file, sheet.cells
        wanted = {normalize(a) for key in markers for a in columns[key]}
        at = next(
            (
                r
                for r in range(min(HEADER_ROWS, len(cells)))
                if wanted & {normalize(v) for v in cells.iloc[r]}
            ),
            None,
        )
        if at is None:
            raise DataError(f"{source}：{missing_header}")
        header = [normalize(v) for v in cells.iloc[at]]
        raw, first = cells.iloc[at + 1 :].reset_index(drop=True), at + 2
        raw.columns = range(raw.shape[1])
    out = pd.DataFrame(index=range(len(raw)))
    absent: list[str] = []
    for key, names in columns.items():
        known = {normalize(n) for n in names}
        hit = next((i for i, h in enumerate(header) if h in known), None)
        out[key] = raw.iloc[:, hit].to_numpy(dtype=object) if hit is not None else None
        absent += [names[0]] if hit is None and key in needed else []
    return Register(out, file, first, absent)
