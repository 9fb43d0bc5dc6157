"""Which firm each row is: the state of its credit code, and which rows are one firm-year.

Both are computed once per table from what `codes.read_credit_codes` found of the codes, and
carried with the rows (`EnterpriseTable.key`), so that merging, checking and evaluating never
look at a credit code again. `key_notes` writes what the states say as issue rows.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
import pandas as pd

from . import codes, values
from .issues import concat_issues, issue_rows


class KeyState(IntEnum):
    """What a row's credit code allows: OK and CHECK_DIGIT identify a firm, the rest reject it."""

    OK = 0
    CHECK_DIGIT = 1  # well formed, but the check character does not match (a warning)
    MALFORMED = 2  # wrong length or characters
    MISSING = 3
    AS_NUMBER = 4  # Excel stored it as a number and lost its last digits
    CONFLICT = 5  # several different records of this firm-year: none can be used
    TWIN = 6  # differs from another row's code only in the check character: a likely typo


# the issue each unusable key state is reported as (its message is the row's status reason)
KEY_ISSUES = {
    KeyState.MALFORMED: "bad-credit-code",
    KeyState.MISSING: "missing-credit-code",
    KeyState.AS_NUMBER: "credit-code-as-number",
    KeyState.CONFLICT: "duplicate-firm",
    KeyState.TWIN: "credit-code-twin",
}


def usable(key: np.ndarray) -> np.ndarray:
    """Rows whose credit code identifies a firm."""
    return key <= KeyState.CHECK_DIGIT


def mergeable(key: np.ndarray) -> np.ndarray:
    """Rows that may be merged with other rows of the same code: a missing code or one Excel
    turned into a number identifies no firm, so such a row always stays a row of its own."""
    return (key != KeyState.MISSING) & (key != KeyState.AS_NUMBER)


EXACT_NUMBER = r"\d{1,15}"  # a whole number a workbook stores exactly (a float holds 15 digits)


def joinable(key: np.ndarray, code: pd.Series) -> np.ndarray:
    """`mergeable` rows, and rows whose code is a whole number of at most 15 digits stored as
    a number: no credit code (those have 18 characters: Excel cut them short), but a region
    code or any other numeric key, kept exactly, so its copies are one unit's (the credit-code
    check still rejects them, once)."""
    out = mergeable(key)
    number = key == KeyState.AS_NUMBER
    if number.any():
        text = code[number].astype("string").str.fullmatch(EXACT_NUMBER)
        out[np.flatnonzero(number)] = text.fillna(False).to_numpy(dtype=bool)
    return out


def key_states(
    code: pd.Series, as_number: np.ndarray, found: codes.CreditCodes | None = None
) -> np.ndarray:
    """The KeyState of each (normalised) credit code; `as_number` marks codes Excel stored as
    numbers; `found`: what `codes.read_credit_codes` found of them, if the caller has it."""
    found = found or codes.read_credit_codes(code)
    well_formed, check_ok = found.well_formed, found.check_ok
    key = np.full(len(code), KeyState.MALFORMED, dtype=np.int8)
    key[well_formed] = KeyState.CHECK_DIGIT
    key[well_formed & check_ok] = KeyState.OK
    key[code.isna().to_numpy()] = KeyState.MISSING
    key[as_number] = KeyState.AS_NUMBER
    return key


def firm_years(
    code: pd.Series,
    year: pd.Series | None,
    key: np.ndarray,
    found: codes.CreditCodes | None = None,
) -> np.ndarray:
    """A number per row, equal exactly for the rows of one firm-year (one credit code, one
    year; a missing year is a year of its own) and numbered in reading order. A row whose code
    identifies no firm (missing, or a number Excel cut short) has a number of its own; a whole
    number kept exactly joins its copies by its text (`joinable`)."""
    return _groups(*_firm_year_keys(code, year, key, found))


def shared_firm_years(
    code: pd.Series, year: pd.Series | None, key: np.ndarray, found: codes.CreditCodes
) -> np.ndarray | None:
    """`firm_years` where some rows share a firm-year, None when no two rows do (the usual
    case, settled by one sort)."""
    keys = _firm_year_keys(code, year, key, found)
    if _distinct(mix(keys)):
        return None
    return _groups(*keys)


def _firm_year_keys(
    code: pd.Series,
    year: pd.Series | None,
    key: np.ndarray,
    found: codes.CreditCodes | None = None,
) -> list[np.ndarray]:
    """Integers per row that are equal exactly when two rows are of one firm-year."""
    n = len(code)
    found = found or codes.read_credit_codes(code)
    rows = found.rows  # the usual code: 18 bytes, taken as three numbers
    head, middle, tail = (np.zeros(n, dtype=np.int64) for _ in range(3))
    flat = np.ascontiguousarray(found.chars).reshape(-1)
    for part, (start, kind) in zip(
        (head, middle, tail), ((0, "<u8"), (8, "<u8"), (16, "<u2")), strict=True
    ):
        if not len(rows):
            break
        read = np.ndarray((len(rows),), dtype=kind, buffer=flat, offset=start, strides=(18,))
        part[rows] = read.astype(np.uint64).view(np.int64)  # the bytes' bits, unchanged
    joins = joinable(key, code)
    long = np.zeros(n, dtype=bool)
    long[rows] = True
    by_text = joins & ~long  # any other code still joins its copies: by its text
    if by_text.any():
        ids, _ = pd.factorize(code[by_text].astype("string").to_numpy(dtype=object))
        head[by_text] = -1 - ids
    alone = np.flatnonzero(~joins)
    head[alone] = -1 - int(by_text.sum()) - np.arange(len(alone))
    if year is None:
        years = np.zeros(n, dtype=np.int64)
    else:
        years = pd.factorize(year, use_na_sentinel=False)[0].astype(np.int64)
    tail[~long] = -1  # 18-byte codes have a tail ≥ 0: no other code can be mistaken for one
    return [head, middle, tail, years]


MIX_FACTORS = (
    np.uint64(0x9E3779B97F4A7C15),
    np.uint64(0xC2B2AE3D27D4EB4F),
    np.uint64(0x165667B19E3779F9),
    np.uint64(0x27D4EB2F165667C5),
)


def mix(keys: list[np.ndarray]) -> np.ndarray:
    """One 64-bit number per row from its key integers: equal keys, equal numbers."""
    mixed = np.zeros(len(keys[0]), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k, factor in zip(keys, MIX_FACTORS, strict=False):
            mixed ^= k.astype(np.int64).view(np.uint64) * factor
    return mixed


def _distinct(mixed: np.ndarray) -> bool:
    """Whether no two rows share a mixed number (then no two share their keys either)."""
    ordered = np.sort(mixed)
    return not (ordered[1:] == ordered[:-1]).any()


def _groups(*keys: np.ndarray) -> np.ndarray:
    """Group numbers (in order of first occurrence) of the rows' exact key tuples: one sort of
    a 64-bit mix of the keys, checked against the keys themselves (a collision, however
    unlikely, falls back to sorting the keys)."""
    n = len(keys[0])
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    mixed = mix(list(keys))
    order = np.argsort(mixed)
    ranked = [k[order] for k in keys]
    starts = np.flatnonzero(np.r_[True, mixed[order][1:] != mixed[order][:-1]])
    lengths = np.diff(np.r_[starts, n])
    first = np.repeat(starts, lengths)
    if any((r != r[first]).any() for r in ranked):  # two keys mixed to one number
        order = np.lexsort(keys[::-1])
        ranked = [k[order] for k in keys]
        change = np.zeros(n, dtype=bool)
        change[0] = True
        for r in ranked:
            change[1:] |= r[1:] != r[:-1]
        starts = np.flatnonzero(change)
        lengths = np.diff(np.r_[starts, n])
    earliest = np.minimum.reduceat(order, starts)  # each group's first row in reading order
    number = np.empty(len(starts), dtype=np.int64)
    number[np.argsort(earliest)] = np.arange(len(starts))
    out = np.empty(n, dtype=np.int64)
    out[order] = np.repeat(number, lengths)
    return out


def key_notes(
    key: np.ndarray, code: pd.Series, raw: pd.Series, origin: pd.DataFrame, cleaned: np.ndarray
) -> pd.DataFrame:
    """The notes on the rows' credit codes: cleaned of invisible characters (shown as typed),
    stored as a number, missing, malformed, failing the check character."""
    shown = code.fillna("")
    common = {"origin": origin, "credit_code": shown, "field": "credit_code"}
    malformed = key == KeyState.MALFORMED
    looks = values.shown_foreign(shown.where(malformed, "")) if malformed.any() else shown
    as_typed = pd.Series("", index=raw.index, dtype=object)
    if cleaned.any():  # the code as it was typed, its invisible characters made visible
        as_typed[cleaned] = values.shown_invisible(raw[cleaned]).to_numpy(dtype=object)
    return concat_issues(
        [
            issue_rows("credit-code-cleaned", cleaned, values=as_typed, **common),
            issue_rows("credit-code-as-number", key == KeyState.AS_NUMBER, values=raw, **common),
            issue_rows("missing-credit-code", key == KeyState.MISSING, values=shown, **common),
            issue_rows("bad-credit-code", malformed, values=looks, **common),
            issue_rows(
                "credit-code-check-digit", key == KeyState.CHECK_DIGIT, values=shown, **common
            ),
        ]
    )
