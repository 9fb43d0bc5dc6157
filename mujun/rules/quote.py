"""How rules messages quote what a rules file's author wrote: shortened and printable.

A message echoes an expression or a value so that its author finds it; a hostile file may hold
an expression of thousands of characters, a list of thousands of items or control characters,
so every echo is cut to `SHOWN_CHARS` characters and shows control characters as escapes.
"""

from __future__ import annotations

import datetime as dt
import math

SHOWN_CHARS = 60  # characters of an expression or a value a message echoes before "…"
_BIG_INT = 10**SHOWN_CHARS  # an integer at least this large is named by its number of digits


def _cut(text: str) -> str:
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[: SHOWN_CHARS + 1])
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def expression(text: object) -> str:
    """An expression as a message quotes it: “tax_paid / land_mu”, cut after SHOWN_CHARS."""
    return f"“{_cut(str(text).strip())}”"


def value(v: object) -> str:
    """A value as the rules file writes it (true, 2023-01-01, 'x', [1, 2]), cut after
    SHOWN_CHARS characters; a huge integer is named by its number of digits."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int) and abs(v) >= _BIG_INT:
        digits = int(v.bit_length() * math.log10(2)) + 1
        return f"一个约 {digits} 位的整数"
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, str):
        return f"'{_cut(v)}'"
    return _cut(repr(v))
