"""The field types of a rules file that hold expressions or field names, checked as they load.

An expression is parsed, its names and its result type checked, and it is evaluated once on
sample columns, so that a rules file that cannot work is refused with its key and line before
any data is read.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import Annotated

import numpy as np
from pydantic import AfterValidator, BeforeValidator

from ..errors import ExpressionError
from ..fields import FIELDS
from . import expr, quote, types
from .base import sample_columns


def field_labels() -> dict[str, str]:
    """Chinese labels a formula may write for a field (those that are names), → code."""
    return {f.label: c for c, f in FIELDS.items() if f.label.isidentifier()}


def _compiled(text: object, check: Callable[[expr.Expression], expr.Expression]) -> expr.Expression:
    """Parse, check the names and the result type, then evaluate once on sample columns (what
    the types cannot see, such as a constant too large to compute, is found when rules load)."""
    if isinstance(text, expr.Expression):
        return check(text)
    parsed = check(expr.parse(text, known=FIELDS, labels=field_labels()))  # type: ignore[arg-type]
    parsed(sample_columns(), 2)
    return parsed


def formula(text: object) -> expr.Expression:
    """A compiled expression whose result is a number."""
    return _compiled(text, types.check_formula)


def _condition(text: object) -> expr.Expression:
    """A compiled expression that can stand as a condition (是/否 or a number)."""
    return _compiled(text, types.check_condition)


def did_you_mean(word: str, choices: list[str]) -> str:
    """'（是否应为 'x'？）' for the closest choice, or ''."""
    hint = difflib.get_close_matches(word, choices, n=1)
    return f"（是否应为 {quote.value(hint[0])}？）" if hint else ""


def _check_field(text: str) -> str:
    """A field code, or a field's Chinese label (→ its code)."""
    if text in FIELDS:
        return text
    code = field_labels().get(text) or next((c for c, f in FIELDS.items() if f.label == text), None)
    if code is not None:
        return code
    choices = [*FIELDS, *field_labels()]
    raise ValueError(f"字段 {quote.value(text)} 未知" + did_you_mean(text, choices))


ALWAYS = _condition("true")  # `when` omitted: every firm (for a class, every firm not yet placed)

Formula = Annotated[expr.Expression, BeforeValidator(formula)]
Condition = Annotated[expr.Expression, BeforeValidator(_condition)]
FieldName = Annotated[str, AfterValidator(_check_field)]


# Tier rules and stages read, besides the fields, what ranking gave each firm of the class.
TIER_NAMES = ("total_score", "rank", "rank_pct")
_PER_INDICATOR = re.compile(r"(score|value)_([a-z][a-z0-9_]*)")


def tier_name(name: str) -> str | None:
    """The indicator code a tier-expression name reads ('' for total_score, rank, rank_pct;
    None when the name is not one of them)."""
    if name in TIER_NAMES:
        return ""
    found = _PER_INDICATOR.fullmatch(name)
    return found.group(2) if found else None


def _tier_compiled(
    text: object, check: Callable[[expr.Expression, dict[str, types.Type]], expr.Expression]
) -> expr.Expression:
    """As `_compiled`, with the names of `tier_name` read as numbers; whether the indicators
    they name exist in the class is checked by the class."""
    if not isinstance(text, (str, expr.Expression)):
        raise ValueError("须为写在引号中的表达式")
    parsed = text if isinstance(text, expr.Expression) else expr.parse(text, labels=field_labels())
    extra = sorted(n for n in parsed.names if n not in FIELDS and tier_name(n) is not None)
    for name in sorted(parsed.names - set(FIELDS) - set(extra)):
        choices = [*FIELDS, *TIER_NAMES]
        shown = quote.expression(parsed.text)
        raise ExpressionError(
            f"表达式{shown}中的字段 {quote.value(name)} 未知" + did_you_mean(name, choices)
        )
    typed: dict[str, types.Type] = {**types.field_types(), **dict.fromkeys(extra, "number")}
    check(parsed, typed)
    sample = {**sample_columns(), **{n: np.array([1.0, np.nan]) for n in extra}}
    parsed(sample, 2)
    return parsed


TierCondition = Annotated[
    expr.Expression, BeforeValidator(lambda t: _tier_compiled(t, types.check_condition))
]
TierFormula = Annotated[
    expr.Expression, BeforeValidator(lambda t: _tier_compiled(t, types.check_formula))
]
