"""Sheet and file names that Excel and every file system accept, still readable Chinese."""

from __future__ import annotations

import re
from collections.abc import Iterable

SHEET_LIMIT = 31  # Excel's limit on a sheet name
FILE_LIMIT = 80  # characters of a file name's stem
FILE_BYTES = 240  # UTF-8 bytes of a stem: with a suffix such as .xlsx within 255 bytes, the
# limit of ext4, NTFS, APFS and most other file systems on a name
_SHEET_BAD = r"[\[\]:*?/\\\x00-\x1f]"
# besides what Windows or Linux refuse: C1 controls, invisible and direction-changing marks (a
# name could show as another; the joiner of emoji sequences stays), the byte-order mark, lone
# surrogates and non-characters
_FILE_BAD = (
    r'[\[\]:*?/\\<>|"\x00-\x1f\x7f-\x9f\u200b\u200c\u200e\u200f\u2028-\u202e\u2060-\u206f'
    r"\ufeff\ufff0-\uffff\ud800-\udfff]"
)
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
    refuses (nor controls or invisible marks), no leading dot, no trailing dot or blank, not a
    reserved device name, at most 80 characters and 240 bytes in UTF-8, unique
    (case-insensitive) by a suffix （2）, （3）, … The full name belongs inside the file."""
    used = {t.casefold() for t in taken}
    out = []
    for name in wanted:
        base = re.sub(r"^[.\s]+|[.\s]+$", "", re.sub(_FILE_BAD, "＿", str(name))) or "未命名"
        if base.split(".")[0].upper() in _RESERVED_FILES:
            base = "＿" + base
        out.append(_unique(base, used, FILE_LIMIT, trim=". ", max_bytes=FILE_BYTES))
    return out


def _unique(base: str, used: set[str], limit: int, trim: str, max_bytes: int | None = None) -> str:
    """`base` cut to `limit` characters (and `max_bytes` UTF-8 bytes; its end cleared of `trim`
    again after the cut), with a suffix （2）, （3）, … until no name in `used` is the same."""
    name = _cut(base, limit, max_bytes, trim) or _cut(base, 1, max_bytes, "")
    k = 1
    while name.casefold() in used:
        k += 1
        suffix = f"（{k}）"
        room = None if max_bytes is None else max_bytes - len(suffix.encode("utf-8"))
        name = _cut(base, limit - len(suffix), room, trim) + suffix
    used.add(name.casefold())
    return name


def _cut(text: str, limit: int, max_bytes: int | None, trim: str) -> str:
    """At most `limit` characters of `text` and, given `max_bytes`, at most that many bytes in
    UTF-8 (never half a character), the end cleared of `trim`."""
    text = text[:limit]
    if max_bytes is not None:
        text = text.encode("utf-8")[:max_bytes].decode("utf-8", errors="ignore")
    return text.rstrip(trim)
