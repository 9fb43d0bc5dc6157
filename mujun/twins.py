"""Credit codes that differ from another row's only by their check character.

The 18th character of a 统一社会信用代码 is computed from the other 17, so two codes that share
their first 17 characters cannot both be right: the one whose check character does not match
is almost surely a typo of the other, and evaluating it would make a phantom firm (with only one
department's data) beside the real one. Such a row is rejected (KeyState.TWIN) with an error
naming the other code and where it was read. Found by one sort of the codes' first 17 bytes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import codes
from .issues import empty_issues, issue_rows
from .keys import KeyState, mix


def check_char_twins(
    code: pd.Series, key: np.ndarray, found: codes.CreditCodes | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(twin, other): rows whose well-formed code fails its check while another row's code
    differs from it only in the check character, and for each such row the row of that other
    code (-1 elsewhere; a code that checks is preferred, then the first in reading order).
    `found`: what `codes.read_credit_codes` found of the codes, if the caller has it."""
    n = len(code)
    none = (np.zeros(n, dtype=bool), np.full(n, -1, dtype=np.int64))
    found = found or codes.read_credit_codes(code)
    formed = found.well_formed[found.rows]
    rows, chars = found.rows[formed], found.chars[formed]
    if len(rows) < 2:
        return none
    head = np.ascontiguousarray(chars[:, :8]).view("<u8").ravel().view(np.int64)
    middle = np.ascontiguousarray(chars[:, 8:16]).view("<u8").ravel().view(np.int64)
    last = chars[:, 16].astype(np.int64)
    check = chars[:, 17]
    mixed = mix([head, middle, last])
    ordered = np.sort(mixed)
    if not (ordered[1:] == ordered[:-1]).any():  # the usual case: no shared first 17
        return none
    order = np.argsort(mixed)
    same = np.r_[False, _equal_neighbours((head, middle, last), order)]
    differs = same & np.r_[False, check[order][1:] != check[order][:-1]]
    if not differs.any():  # the usual case: no two codes share their first 17 characters
        return none
    run = np.cumsum(~same)  # runs of one mixed number (a collision is split below)
    taken = np.isin(run, run[differs])
    at = order[taken]  # positions (in rows) of the codes of runs where some check chars differ
    frame = pd.DataFrame(
        {
            "first17": pd.Series(code.iloc[rows[at]].to_numpy(dtype=object)).str.slice(0, 17),
            "check": check[at],
            "row": rows[at],
            "ok": found.check_ok[rows[at]],
        }
    )
    frame = frame.sort_values(["first17", "ok", "row"], ascending=[True, False, True])
    anchor = frame.groupby("first17")[["check", "row"]].transform("first")
    other = anchor["row"].to_numpy(dtype=float)
    own = (frame["check"] == anchor["check"]).to_numpy()  # the anchor's code and its copies
    first_other = frame[~own].groupby("first17")["row"].first().reindex(frame["first17"]).to_numpy()
    other[own] = first_other[own]
    twin = ~frame["ok"].to_numpy() & ~np.isnan(other.astype(float))
    out_twin, out_other = none[0].copy(), none[1].copy()
    marked = frame["row"].to_numpy()[twin]
    out_twin[marked] = True
    out_other[marked] = other[twin].astype(np.int64)
    out_twin &= (key == KeyState.CHECK_DIGIT) | (key == KeyState.TWIN)
    return out_twin, np.where(out_twin, out_other, -1)


def _equal_neighbours(keys: tuple[np.ndarray, ...], order: np.ndarray) -> np.ndarray:
    """Whether each sorted row has the same keys as the one before it."""
    equal = np.ones(len(order) - 1, dtype=bool)
    for k in keys:  # a loop over the three parts of a code
        ranked = k[order]
        equal &= ranked[1:] == ranked[:-1]
    return equal


def mark_twins(
    code: pd.Series,
    key: np.ndarray,
    origin: pd.DataFrame,
    found: codes.CreditCodes | None = None,
) -> tuple[np.ndarray, pd.DataFrame]:
    """The key states with each new check-character twin made KeyState.TWIN, and one error per
    such row naming the other code and its file and row (rows marked before are not noted
    again)."""
    twin, other = check_char_twins(code, key, found)
    new = twin & (key == KeyState.CHECK_DIGIT)
    if not new.any():
        return key, empty_issues()
    key = key.copy()
    key[new] = KeyState.TWIN
    at = other[new]
    files = origin["file"].astype(str).to_numpy(dtype=object)[at]
    names = pd.Series(files).str.replace(r"^.*[\\/]", "", regex=True).to_numpy(dtype=object)
    where = origin["row"].astype("Int64").astype(str).to_numpy(dtype=object)[at]
    shown = np.full(len(code), "", dtype=object)
    codes_at = code.to_numpy(dtype=object)[at]
    shown[new] = "另一代码 " + codes_at + "（" + names + " 第" + where + "行）"
    notes = issue_rows(
        "credit-code-twin",
        new,
        origin=origin,
        credit_code=code.fillna(""),
        field="credit_code",
        values=shown,
    )
    return key, notes
