"""Checks of a sheet's text cells that the sheet reader runs before it types them.

- A cell holding U+FFFD stood on bytes that decode in no encoding mujun knows (csv_text.py puts
  the mark there; a workbook saved from mis-decoded text carries it too). In a text field (code,
  name, park, industry) the value is unreadable: it is read as missing and reported, so no park,
  name or code is ever made of undecodable text. Number and flag fields need no help: the mark
  makes the cell not a number, which the table flags as it flags any such cell.
- A CSV line with values right of its header's last column has extra fields: the line is kept,
  the extra values are not read, and the line is reported.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..fields import FIELDS, label
from ..issues import concat_issues, empty_issues, issue_rows
from .headers import Header

REPLACEMENT = "\ufffd"
TEXT_KINDS = ("key", "text")


def undecodable_cells(
    frame: pd.DataFrame, origin: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The frame with text cells holding U+FFFD blanked, and an issue for each such cell."""
    found = []
    codes = _codes(frame)
    for name in frame.columns:  # a loop over fields
        if FIELDS[name].kind not in TEXT_KINDS:
            continue
        column = frame[name]
        mask = column.astype("string").str.contains(REPLACEMENT, regex=False)
        mask = mask.fillna(False).to_numpy(dtype=bool)
        if not mask.any():
            continue
        found.append(
            issue_rows(
                "undecodable-text",
                mask,
                origin=origin,
                credit_code=np.where(mask, "", codes) if name == "credit_code" else codes,
                field=name,
                label=label(name),
            )
        )
        frame[name] = column.astype(object).where(~mask, "")
    return frame, concat_issues(found) if found else empty_issues()


def extra_fields(data: pd.DataFrame, header: Header, origin: pd.DataFrame) -> pd.DataFrame:
    """An issue for each row with values right of the header's last named column."""
    right = data.iloc[:, header.last_named + 1 :]
    if right.shape[1] == 0 or not len(right):
        return empty_issues()
    written = (right.astype("string").fillna("").apply(lambda c: c.str.strip()) != "").to_numpy()
    rows = written.any(axis=1)
    if not rows.any():
        return empty_issues()
    count = written.sum(axis=1)
    first = written.argmax(axis=1) + header.last_named + 2  # 1-based column
    where = np.char.add(np.char.add("第", first.astype(str)), "列起").astype(object)
    found = []
    for extra in np.unique(count[rows]):  # a loop over distinct counts, not over rows
        mask = rows & (count == extra)
        found.append(
            issue_rows(
                "extra-fields",
                mask,
                origin=origin,
                credit_code=_codes_of(data, header),
                values=where,
                extra=int(extra),
            )
        )
    return concat_issues(found)


def _codes(frame: pd.DataFrame) -> np.ndarray:
    if "credit_code" not in frame:
        return np.full(len(frame), "", dtype=object)
    raw = frame["credit_code"].astype("string").str.strip().fillna("")
    return raw.to_numpy(dtype=object)


def _codes_of(data: pd.DataFrame, header: Header) -> np.ndarray:
    at = next((c.index for c in header.columns if c.field == "credit_code"), None)
    if at is None or at >= data.shape[1]:
        return np.full(len(data), "", dtype=object)
    return data.iloc[:, at].astype("string").str.strip().fillna("").to_numpy(dtype=object)
