"""Sheet and file names that Excel and every file system accept, still readable Chinese."""

from __future__ import annotations

import re
from collections.abc import Iterable

SHEET_LIMIT = 31  # Excel's limit on a sheet name
FILE_LIMIT = 80  # characters of a file name's stem: well inside every file system's limit
_SHEET_BAD = r"[\[\]:*?/\\\x00-\x1f]"
_FILE_BAD = r'[\[\]:*?/\\<>|"\x00-\x1f\x7f]'
_RESERVED_FILES = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}
_RESERVED_SHEETS = {"history"}  # Excel keeps this name for itself


def sheet_names(wanted: Iterable[str], taken: Iterable[str] = ()) -> list[str]:
    """Each wanted name made a valid sheet name: `[]:*?/\\` and control characters become ＿,
    no apostrophe at either end, at most 31 characters, and unique (case-insensitive, as
    Excel compares) among themselves and `taken` by a suffix （2）, （3）, …"""
    used = {t.casefold() for t in taken}
    out = []
    for name in wanted:
        base = re.sub(r"^[\s']+|[\s']+$", "", re.sub(_SHEET_BAD, "＿", str(name))) or "工作表"
        if base.casefold() in _RESERVED_SHEETS:
            base += "＿"
        out.append(_unique(base, used, SHEET_LIMIT, trim="'"))
    return out


def file_stems(wanted: Iterable[str], taken: Iterable[str] = ()) -> list[str]:
    """Each wanted name made a safe file name stem: no path separators or characters Windows
    refuses, no leading dot, no trailing dot or blank, not a reserved device name, at most
    80 characters, unique (case-insensitive) by a suffix （2）, （3）, …"""
    used = {t.casefold() for t in taken}
    out = []
    for name in wanted:
        base = re.sub(r"^[.\s]+|[.\s]+$", "", re.sub(_FILE_BAD, "＿", str(name))) or "未命名"
        if base.split(".")[0].upper() in _RESERVED_FILES:
            base = "＿" + base
        out.append(_unique(base, used, FILE_LIMIT, trim=". "))
    return out


def _unique(base: str, used: set[str], limit: int, trim: str) -> str:
    """`base` cut to `limit` (its end cleared of `trim` again after the cut), with a suffix
    （2）, （3）, … until no name in `used` is the same."""
    name = base[:limit].rstrip(trim) or base[:1]
    k = 1
    while name.casefold() in used:
        k += 1
        suffix = f"（{k}）"
        name = base[: limit - len(suffix)].rstrip(trim) + suffix
    used.add(name.casefold())
    return name
