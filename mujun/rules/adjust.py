"""The values an adjustment (`[[class.adjust]]`) may take: a number within bounds, or an
expression evaluated per firm (whose results the engine bounds the same way)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from . import quote
from .base import MAX_POINTS
from .compiled import formula as compile_formula
from .expr import Expression

if TYPE_CHECKING:
    from .models import EvalClass

MULTIPLIER_RANGE = (0.0, 10.0)  # a 修正系数 lies in (0, 10]: above 0, at most 10


def _number(v: object) -> float | None:
    """A TOML number as a float; None for an expression's text."""
    if isinstance(v, str | Expression):
        return None
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ValueError(f"须为数值或表达式（文本），实为 {quote.value(v)}")
    try:
        number = float(v)
    except OverflowError:
        raise ValueError("数值超出范围") from None
    if not math.isfinite(number):
        raise ValueError("须为有限数值，不能是 nan 或 inf")
    return number


def _value(v: object) -> float | Expression:
    """A number as a float, a formula reading a field as its compiled expression, and a formula
    that reads none (`"-5 * 2"`) as the number it gives (bounded as a number is)."""
    number = _number(v)
    if number is not None:
        return number
    formula = compile_formula(v)
    if formula.names:  # bounded per firm by the engine
        return formula
    value = float(formula({}, 1)[0])
    if not math.isfinite(value):
        raise ValueError(f"表达式{quote.expression(formula.text)}的值不是有限数值")
    return value


def bounded_points(v: object) -> float | Expression | None:
    """`points`: a number in [−MAX_POINTS, MAX_POINTS], or a formula."""
    number = None if v is None else _value(v)
    if not isinstance(number, float):
        return number
    if number > MAX_POINTS:
        raise ValueError(f"须不大于 {MAX_POINTS:g}")
    if number < -MAX_POINTS:
        raise ValueError(f"须不小于 {-MAX_POINTS:g}")
    return number


def bounded_multiplier(v: object) -> float | Expression | None:
    """`multiply`: a number in (0, 10], or a formula."""
    number = None if v is None else _value(v)
    if not isinstance(number, float):
        return number
    low, high = MULTIPLIER_RANGE
    if not low < number <= high:
        raise ValueError(f"修正系数须大于 {low:g} 且不大于 {high:g}，实为 {number:g}")
    return number


def uses_multipliers(klass: EvalClass) -> bool:
    """Whether the class has a 修正系数 (the results and workbooks then show the multiplier)."""
    return any(a.multiply is not None for a in klass.adjust)


def describe_formula(klass: EvalClass) -> str:
    """The class's total-score formula in words, for the 说明 sheet."""
    has_points = any(a.points is not None for a in klass.adjust)
    base = "各指标得分之和"
    if uses_multipliers(klass):
        base += " × 各项修正系数之积"
    return base + (" + 各项加减分之和" if has_points else "") + "（条件不符的项目不计）"
