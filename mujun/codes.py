"""Identifier checks: 统一社会信用代码 (GB 32100-2015) and GB/T 4754-2017 industry codes.

Both are vectorised over whole columns: a province has a million firms.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
CREDIT_WEIGHTS = np.array(
    [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64
)
_CREDIT_PATTERN = r"[0-9A-HJ-NP-RTUW-Y]{18}"

_VALUE = np.full(256, -1, dtype=np.int64)
for _i, _ch in enumerate(CREDIT_ALPHABET):
    _VALUE[ord(_ch)] = _i

# GB/T 4754-2017 sections (门类) by their 2-digit divisions (大类)
SECTIONS: tuple[tuple[str, int, int], ...] = (
    ("A", 1, 5),
    ("B", 6, 12),
    ("C", 13, 43),
    ("D", 44, 46),
    ("E", 47, 50),
    ("F", 51, 52),
    ("G", 53, 60),
    ("H", 61, 62),
    ("I", 63, 65),
    ("J", 66, 69),
    ("K", 70, 70),
    ("L", 71, 72),
    ("M", 73, 75),
    ("N", 76, 79),
    ("O", 80, 82),
    ("P", 83, 83),
    ("Q", 84, 85),
    ("R", 86, 90),
    ("S", 91, 96),
    ("T", 97, 97),
)


def credit_check_char(first17: str) -> str:
    """The check character for the first 17 characters of a credit code."""
    if len(first17) != 17:
        raise ValueError(f"need the first 17 characters, got {len(first17)}")
    pairs = zip(first17, CREDIT_WEIGHTS, strict=True)
    total = sum(CREDIT_ALPHABET.index(c) * int(w) for c, w in pairs)
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def check_credit_codes(codes: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Classify credit codes: (well_formed, check_ok), both boolean arrays.

    well_formed: 18 characters of the GB 32100 alphabet (a wrong length or character is an error);
    check_ok: the 18th character matches the check digit (a mismatch is only a warning, since
    real registries hold a few such codes).
    """
    text = codes.astype("string")
    well_formed = text.str.fullmatch(_CREDIT_PATTERN).fillna(False).to_numpy(dtype=bool)
    check_ok = np.zeros(len(text), dtype=bool)
    idx = np.flatnonzero(well_formed)
    if len(idx):
        raw = text.to_numpy(dtype=object)[idx].astype("S18")
        chars = raw.view(np.uint8).reshape(-1, 18)
        values = _VALUE[chars]
        total = values[:, :17] @ CREDIT_WEIGHTS
        expected = (31 - total % 31) % 31
        check_ok[idx] = values[:, 17] == expected
    return well_formed, check_ok


def industry_division(codes: pd.Series) -> np.ndarray:
    """The 2-digit division (大类) of each GB/T 4754 code as float; NaN when not a valid code.

    Valid: 2 to 4 digits whose division is 01–97. Distinct codes are few, so each is parsed once.
    """
    positions, uniques = pd.factorize(codes.astype("string").str.strip(), use_na_sentinel=True)
    heads = np.full(len(uniques) + 1, np.nan)  # last slot: missing codes
    for i, code in enumerate(uniques):  # loops over distinct codes (hundreds), not firms
        if (
            len(code) in (2, 3, 4)
            and code.isascii()
            and code.isdigit()
            and 1 <= int(code[:2]) <= 97
        ):
            heads[i] = float(code[:2])
    return heads[np.where(positions >= 0, positions, len(uniques))]


def section_of(division: int) -> str:
    """The section letter (门类) of a division, e.g. 13 → 'C'."""
    for letter, lo, hi in SECTIONS:
        if lo <= division <= hi:
            return letter
    raise ValueError(f"no GB/T 4754-2017 division {division:02d}")
