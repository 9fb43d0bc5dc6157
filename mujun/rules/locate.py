"""Where a key of a rules file is written: key paths as messages show them, and their lines.

tomllib reports no positions for keys, so `key_lines` maps every key path of the text to the
line where it is written; pydantic's error locations are then looked up there.
"""

from __future__ import annotations

import re
from typing import Any

from . import quote


def key_path(loc: tuple[Any, ...]) -> str:
    """('class', 0, 'indicator', 2, 'weight') as class[0].indicator[2].weight; a key a hostile
    file made long is cut as a quoted value is."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + quote.value(str(part)).strip("'")
    return out


def line_of(loc: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> int | None:
    """The line of a key, else of the nearest table holding it (None when none is written)."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


_KEY = re.compile(r"""^\s*([A-Za-z0-9_\-"']+(?:\s*\.\s*[A-Za-z0-9_\-"']+)*)\s*=\s*(.*)$""")
_INLINE_KEY = re.compile(r"""[{,]\s*([A-Za-z0-9_\-]+)\s*=""")
_STRING_OR_COMMENT = re.compile(r'"(?:\\.|[^"\\])*"|\'[^\']*\'|#.*$')


def _open_brackets(value: str) -> int:
    """How many more '[' than ']' a value opens (outside strings and comments)."""
    bare = _STRING_OR_COMMENT.sub("", value)
    return bare.count("[") - bare.count("]")


def key_lines(text: str) -> dict[tuple[Any, ...], int]:
    """Map each key path of a TOML text to the line where it is written (for error messages)."""
    lines: dict[tuple[Any, ...], int] = {}
    counts: dict[tuple[Any, ...], int] = {}
    current: tuple[Any, ...] = ()
    in_string = False
    in_array = 0  # brackets a multi-line array value still has open
    for no, raw in enumerate(text.splitlines(), 1):
        s = raw.strip()
        if in_string:
            in_string = (s.count('"""') + s.count("'''")) % 2 == 0
            continue
        if in_array > 0:
            in_array += _open_brackets(s)
            continue
        if not s or s.startswith("#"):
            continue
        if s.startswith("["):
            is_array = s.startswith("[[")
            name = s.strip("[]").split("]")[0] if not is_array else s[2 : s.find("]]")]
            parts = [p.strip().strip("\"'") for p in name.split(".")]
            path: tuple[Any, ...] = ()
            for i, part in enumerate(parts):
                path += (part,)
                if is_array and i == len(parts) - 1:
                    counts[path] = counts.get(path, 0) + 1
                lines.setdefault(path, no)
                if path in counts:
                    path += (counts[path] - 1,)
            current = path
            lines.setdefault(current, no)
            if is_array:
                lines.setdefault(current[:-1], no)
            continue
        m = _KEY.match(s)
        if not m:
            continue
        key = tuple(p.strip().strip("\"'") for p in m.group(1).split("."))
        lines[current + key] = no
        value = m.group(2)
        if value.startswith("{"):
            for sub in _INLINE_KEY.findall(value):
                lines[(*current, *key, sub)] = no
        if (value.count('"""') + value.count("'''")) % 2 == 1:
            in_string = True
        elif value.startswith("["):
            in_array = _open_brackets(value)
    return lines
