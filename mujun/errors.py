"""The one exception family of mujun and the table of data problems (issues).

Rules problems stop a run (`RulesError`); data problems are collected as issues, one row per
problem, so that good rows are still evaluated and bad rows say why they were not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

ISSUE_COLUMNS = [
    "code",
    "message",
    "file",
    "sheet",
    "row",
    "credit_code",
    "field",
    "value",
    "severity",
]
SEVERITIES = ("error", "warning", "info")


class MujunError(Exception):
    """Base of every error mujun raises on purpose."""


class RulesError(MujunError):
    """A rules file that cannot be used: names the file, the line, the key path and the problem."""

    def __init__(
        self, message: str, *, file: str | None = None, line: int | None = None, key: str = ""
    ) -> None:
        self.file = file
        self.line = line
        self.key = key
        self.detail = message
        where = file or "<rules>"
        if line is not None:
            where += f":{line}"
        text = f"{where}: {key}: {message}" if key else f"{where}: {message}"
        super().__init__(text)


class DataError(MujunError):
    """Input data that cannot be read at all (missing file, no key column, unreadable format)."""


class ExportError(MujunError):
    """Results that cannot be written."""


@dataclass(frozen=True)
class Issue:
    """One data problem, located as precisely as the input allows."""

    code: str
    message: str
    severity: str = "warning"
    file: str = ""
    sheet: str = ""
    row: int | None = None
    credit_code: str = ""
    field: str = ""
    value: str = ""


def empty_issues() -> pd.DataFrame:
    """An issue table with no rows and the contract's columns (plus the internal position)."""
    return _EMPTY.copy()


def issues_frame(issues: Iterable[Issue]) -> pd.DataFrame:
    """Issue records as a table; `position` is the row's position in its table (-1: none)."""
    rows = [
        {
            "code": i.code,
            "message": i.message,
            "file": i.file,
            "sheet": i.sheet,
            "row": i.row,
            "credit_code": i.credit_code,
            "field": i.field,
            "value": i.value,
            "severity": i.severity,
            "position": -1,
        }
        for i in issues
    ]
    return _typed(pd.DataFrame(rows, columns=[*ISSUE_COLUMNS, "position"]))


def row_issues(
    mask: np.ndarray,
    *,
    code: str,
    message: str,
    severity: str,
    origin: pd.DataFrame,
    credit_code: pd.Series | np.ndarray,
    field: str = "",
    values: pd.Series | np.ndarray | None = None,
) -> pd.DataFrame:
    """Vectorised: one issue per row where `mask` holds, located through the table's origin."""
    pos = np.flatnonzero(mask)
    if not len(pos):
        return empty_issues()
    shown: Any = "" if values is None else pd.Series(_take(values, pos)).astype(str).to_numpy()
    frame = pd.DataFrame(
        {
            "code": code,
            "message": message,
            "file": origin["file"].to_numpy()[pos],
            "sheet": origin["sheet"].to_numpy()[pos],
            "row": origin["row"].to_numpy()[pos],
            "credit_code": _take(credit_code, pos),
            "field": field,
            "value": shown,
            "severity": severity,
            "position": pos,
        },
        index=pd.RangeIndex(len(pos)),
    )
    return _typed(frame)


def _take(column: pd.Series | np.ndarray, pos: np.ndarray) -> np.ndarray:
    if isinstance(column, pd.Series):
        return column.iloc[pos].to_numpy(dtype=object)
    return np.asarray(column)[pos]


def concat_issues(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Stack issue tables, keeping the column order and types."""
    parts = [f for f in frames if len(f)]
    if not parts:
        return empty_issues()
    return _typed(pd.concat(parts, ignore_index=True))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame["row"] = frame["row"].astype("Int64")
    frame["position"] = frame["position"].astype("int64")
    for col in ("code", "message", "file", "sheet", "credit_code", "field", "value", "severity"):
        frame[col] = frame[col].fillna("").astype(str)
    return frame


_EMPTY = issues_frame([])
