"""Adjustments of a class's total score: bonus or penalty points and coefficients (修正系数).

    total = Σ items × Π multipliers + Σ points

over the adjustments whose `when` holds for the firm (an adjustment without `when` applies to
every member). Points and multipliers may be expressions evaluated per firm; a value that is not
a finite number, points beyond ±MAX_POINTS or a multiplier outside (0, 10] cannot be a score: the
firm is rejected with an issue naming the adjustment (never clipped, so that a typo in the data
behind it — 出租户数 1000 instead of 10 — is checked rather than silently capped).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..issues import issue
from ..rules import EvalClass
from ..rules.adjust import MULTIPLIER_RANGE
from ..rules.base import MAX_POINTS
from ..rules.expr import Expression
from .evaluation import STATUSES

if TYPE_CHECKING:
    from .evaluate import _Run

REJECTED = STATUSES.index("rejected")
Rows = Callable[[Expression], np.ndarray]  # an expression's value on every row of the run


@dataclass(frozen=True)
class Beyond:
    """Members (a mask over the class's scored members) whose adjustment value is unusable."""

    label: str
    multiply: bool
    mask: np.ndarray
    values: np.ndarray


@dataclass(frozen=True)
class Adjusted:
    """Totals, Σ points and Π multipliers of the members at `idx`, and what was unusable."""

    total: np.ndarray
    points: np.ndarray
    multiplier: np.ndarray
    beyond: list[Beyond]


def _value(spec: float | Expression, idx: np.ndarray, expr: Rows) -> np.ndarray:
    if isinstance(spec, Expression):
        return np.asarray(expr(spec), dtype=float)[idx]
    return np.full(len(idx), float(spec))


def adjust(
    items: np.ndarray, klass: EvalClass, idx: np.ndarray, condition: Rows, expr: Rows
) -> Adjusted:
    """Σ items × Π multipliers + Σ points for the members at `idx` (`items`: their Σ items)."""
    points = np.zeros(len(idx))
    multiplier = np.ones(len(idx))
    beyond: list[Beyond] = []
    low, high = MULTIPLIER_RANGE
    with np.errstate(invalid="ignore", over="ignore"):
        for adj in klass.adjust:
            if adj.when is None:
                applies = np.ones(len(idx), dtype=bool)
            else:
                applies = condition(adj.when)[idx]
            is_multiplier = adj.multiply is not None
            spec = adj.multiply if adj.multiply is not None else adj.points
            assert spec is not None  # one of the two, checked when the rules loaded
            value = _value(spec, idx, expr)
            if is_multiplier:
                ok = np.isfinite(value) & (value > low) & (value <= high)
            else:
                ok = np.isfinite(value) & (np.abs(value) <= MAX_POINTS)
            bad = applies & ~ok
            if bad.any():
                beyond.append(Beyond(adj.label, is_multiplier, bad, value))
            use = applies & ok
            if is_multiplier:
                multiplier = np.where(use, multiplier * value, multiplier)
            else:
                points = np.where(use, points + value, points)
        total = items * multiplier + points
    return Adjusted(total, points, multiplier, beyond)


def reject_beyond(run: _Run, idx: np.ndarray, beyond: list[Beyond]) -> np.ndarray:
    """Reject the members at `idx` with an unusable adjustment value, one issue each (naming the
    first such adjustment); the mask over `idx` of those rejected."""
    out = np.zeros(len(idx), dtype=bool)
    for bad in beyond:  # a loop over the class's adjustments
        at = np.zeros(run.n, dtype=bool)
        at[idx[bad.mask & ~out]] = True
        shown = np.full(run.n, np.nan)
        shown[idx] = bad.values
        variant = "multiplier" if bad.multiply else None
        low, high = MULTIPLIER_RANGE
        bounds = f"大于{low:g}且不大于{high:g}" if bad.multiply else f"±{MAX_POINTS:g}分以内"
        fill: dict[str, Any] = {"label": bad.label, "bounds": bounds}
        run.row_issue("adjust-out-of-range", at, "total_score", shown, variant, **fill)
        run.decide(at, REJECTED, issue("adjust-out-of-range", variant=variant, **fill).message)
        out |= bad.mask
    return out
