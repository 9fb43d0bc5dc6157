"""The values an adjustment (`[[class.adjust]]`) may take: a number within bounds, or an
expression evaluated per firm (whose results the engine bounds the same way)."""

from __future__ import annotations

import math

from . import quote
from .base import MAX_POINTS
from .compiled import _formula
from .expr import Expression

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


def bounded_points(v: object) -> float | Expression | None:
    """`points`: a number in [−MAX_POINTS, MAX_POINTS], or a formula."""
    if v is None:
        return None
    number = _number(v)
    if number is None:
        return _formula(v)
    if number > MAX_POINTS:
        raise ValueError(f"须不大于 {MAX_POINTS:g}")
    if number < -MAX_POINTS:
        raise ValueError(f"须不小于 {-MAX_POINTS:g}")
    return number


def bounded_multiplier(v: object) -> float | Expression | None:
    """`multiply`: a number in (0, 10], or a formula."""
    if v is None:
        return None
    number = _number(v)
    if number is None:
        return _formula(v)
    low, high = MULTIPLIER_RANGE
    if not low < number <= high:
        raise ValueError(f"修正系数须大于 {low:g} 且不大于 {high:g}，实为 {number:g}")
    return number
