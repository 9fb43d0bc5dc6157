"""Which field an unrecognised header probably means, for a "did you mean" (是否指…).

A header resembles a field when, with the unit in brackets taken off, its name is close to one
of the field's headers (difflib's ratio: 占地面积 and 用地面积 share three of four characters) and
the unit it states, if any, is one the field converts from (亩 for land, 吨标煤 for energy). A
header that names another quantity of the field (增幅, 上年, 占比, 亩均…) or states a unit the
field cannot take (%, 万元/亩) resembles nothing: a wrong suggestion costs a clerk more than none.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from functools import cache

from .fields import FIELDS, normalize_header, split_unit
from .units import UNIT_FACTORS, unit_factor

THRESHOLD = 0.6  # the ratio from which a header resembles a field's header
CLOSE = 0.05  # fields within this of the best are suggested too (用地 → 自有用地 or 租用用地?)
SUGGESTED = 2
KEYS = ("credit_code", "year")  # a sheet is read for its credit code; the year is given
# words that make a header another quantity than the field it otherwise names
OTHER_QUANTITY = re.compile(
    r"增幅|增速|增长|增减|同比|环比|上年|去年|上期|比重|占比|比例|排名|得分|亩均|率|指数"
    r"|类型|性质|级别|等级|地址|电话|联系|法人|代表人"
)


@cache
def known_units() -> frozenset[str]:
    """Every unit a header may state, lower case."""
    return frozenset(u.lower() for units in UNIT_FACTORS.values() for u in units)


@cache
def _names(code: str) -> tuple[str, ...]:
    """A field's headers without their units, normalised."""
    f = FIELDS[code]
    return tuple(dict.fromkeys(split_unit(normalize_header(a))[0] for a in f.aliases))


def _unit_fits(code: str, unit: str) -> bool | None:
    """Whether a header's unit suits a field: True (one it converts from), False (a unit it
    cannot take), None (no unit, or a hint in brackets that is no unit: 所属行业(代码))."""
    if not unit:
        return None
    canonical = FIELDS[code].unit
    parts = [p for p in re.split(r"[,;、/]", unit) if p]
    if canonical and any(unit_factor(canonical, p) is not None for p in parts):
        return True
    if canonical or any(p in known_units() for p in parts) or "%" in unit or "/" in unit:
        return False
    return None


def resembling(header: str, candidates: Iterable[str]) -> list[str]:
    """The fields among `candidates` (field codes) that `header` probably means, best first
    (at most SUGGESTED); [] when none is close enough."""
    name, unit = split_unit(normalize_header(header))
    if not name or OTHER_QUANTITY.search(name):
        return []
    scored: list[tuple[float, str]] = []
    for code in candidates:  # a loop over a handful of fields
        if code not in FIELDS or FIELDS[code].derived or code in KEYS:
            continue
        fits = _unit_fits(code, unit)
        if fits is False:
            continue
        ratio = max(
            (difflib.SequenceMatcher(None, name, other).ratio() for other in _names(code)),
            default=0.0,
        )
        if ratio >= THRESHOLD:
            scored.append((ratio + (0.1 if fits else 0.0), code))
    if not scored:
        return []
    scored.sort(key=lambda s: -s[0])
    best = scored[0][0]
    return [code for ratio, code in scored if ratio >= best - CLOSE][:SUGGESTED]
