"""The field types of a rules file that hold expressions or field names, checked as they load.

An expression is parsed, its names and its result type checked, and it is evaluated once on
sample columns, so that a rules file that cannot work is refused with its key and line before
any data is read.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

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


def _formula(text: object) -> expr.Expression:
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

Formula = Annotated[expr.Expression, BeforeValidator(_formula)]
Condition = Annotated[expr.Expression, BeforeValidator(_condition)]
FieldName = Annotated[str, AfterValidator(_check_field)]
