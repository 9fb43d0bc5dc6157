"""From indicator values to item scores: the registry of scorers, the negative-value and
missing-value rules, and the dispatch to the indicator's scorer (in `scorers.py`, `scales.py`;
benchmarks in `benchmarks.py`).

Every function here is pure and works on the members of one class at a time (numpy arrays of
equal length). The stated rules for awkward values:

- negative values follow the indicator's `negative` policy: `zero` (scored as 0, the default),
  `keep` (scored as they are) or `missing` (handled by the missing-value policy);
- infinite values never reach here: indicator values that are not finite are missing;
- a benchmark that is not a positive number (no member has data, a pooled sum ≤ 0) cannot score
  anyone: the class's items for that indicator score 0 and an issue says why;
- a benchmark (or a minmax span) beyond the range of numbers — sums of values near 1e308 — is no
  benchmark at all: the members it would score are `beyond`, and their class is not tiered;
- a group (`by`) without a usable benchmark falls back to the class-wide benchmark;
- a benchmark of `year = "previous"` with no member last year is no benchmark (scores 0, an
  issue says why);
- a pooled benchmark adds the amounts as reported (a tax refund lowers Σtax), because the
  published figure is the county's Σtax / Σland; the negative-value rule applies to the firm's
  own item only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..rules import Indicator
from ..rules.score import METHODS
from . import distances, scales, scorers
from .benchmarks import WHOLE, Members, Scorer, group_codes

__all__ = [
    "SCORERS",
    "WHOLE",
    "ItemScores",
    "LastYear",
    "describe",
    "score_indicator",
    "treat_negative",
    "unscorable",
]


@dataclass(frozen=True)
class ItemScores:
    """Scores of one indicator for the members of one class."""

    points: np.ndarray  # item score per member (NaN only for unscorable members under "exclude")
    missing: np.ndarray  # the value was missing (after the negative-value policy)
    benchmarks: pd.DataFrame  # group, benchmark (or minimum/maximum), members used
    beyond: np.ndarray  # members with a value whose benchmark or span overflowed: unscorable
    unusable: bool = False  # the benchmark was not positive for some member: it scored 0
    fallback: tuple[str, ...] = ()  # `by` groups scored against the class-wide benchmark


@dataclass(frozen=True)
class LastYear:
    """One indicator over last year's members of the class (for `year = "previous"`): values,
    `by` groups, and a ratio's numerator and denominator for a pooled benchmark."""

    values: np.ndarray
    groups: np.ndarray | None = None
    numerator: np.ndarray | None = None
    denominator: np.ndarray | None = None


_ALL = {**scorers.SCORERS, **scales.SCORERS, **distances.SCORERS}
SCORERS: dict[str, Scorer] = {method: _ALL[method] for method in METHODS}
"""Every scoring method a rules file may name (`score.method`)."""


def treat_negative(values: np.ndarray, policy: str) -> np.ndarray:
    """Apply the indicator's stated rule for negative values."""
    if policy == "keep":
        return values
    negative = values < 0
    if not negative.any():
        return values
    return np.where(negative, 0.0 if policy == "zero" else np.nan, values)


def score_indicator(
    indicator: Indicator,
    values: np.ndarray,
    *,
    groups: np.ndarray | None = None,
    numerator: np.ndarray | None = None,
    denominator: np.ndarray | None = None,
    last_year: LastYear | None = None,
) -> ItemScores:
    """Score one indicator over one class's members with its scorer from `SCORERS`.

    `groups` holds the `by` field's value per member; `numerator`/`denominator` are needed for
    pooled benchmarks (Σnumerator / Σdenominator over members with a value); `last_year`, for
    a benchmark of `year = "previous"`, last year's members of the class (None: none).
    """
    x = treat_negative(np.asarray(values, dtype=float), indicator.negative)
    missing = np.isnan(x)
    codes, labels = group_codes(groups, len(x))
    last = None
    previous = _last_year(indicator, last_year, groups is not None)
    if previous is not None:  # this year's and last year's groups coded with the same labels
        if groups is None:
            last = _last_members(previous, None, labels)
        else:
            both = np.concatenate([np.asarray(groups, dtype=object), previous[1]])
            joint, labels = group_codes(both, len(both))
            assert joint is not None
            codes = joint[: len(x)]
            last = _last_members(previous, joint[len(x) :], labels)
    members = Members(x, missing, codes, labels, numerator, denominator, last)
    with np.errstate(over="ignore", invalid="ignore"):  # a result beyond the range is inf
        raw = SCORERS[indicator.score.method].points(indicator, members)
        points = _fill_missing(raw.points, missing, indicator)
    beyond = np.zeros(len(x), dtype=bool) if raw.beyond is None else raw.beyond & ~missing
    return ItemScores(points, missing, raw.benchmarks, beyond, raw.unusable, raw.fallback)


def _last_year(
    indicator: Indicator, last_year: LastYear | None, grouped: bool
) -> tuple[np.ndarray, np.ndarray, LastYear] | None:
    """Last year's values after the negative-value rule, their groups, and the whole record."""
    if last_year is None or indicator.score.year != "previous":
        return None
    x = treat_negative(np.asarray(last_year.values, dtype=float), indicator.negative)
    groups = last_year.groups if grouped and last_year.groups is not None else None
    shown = np.full(len(x), None, dtype=object) if groups is None else np.asarray(groups, object)
    return x, shown, last_year


def _last_members(
    previous: tuple[np.ndarray, np.ndarray, LastYear],
    codes: np.ndarray | None,
    labels: list[object],
) -> Members:
    x, _, record = previous
    return Members(x, np.isnan(x), codes, labels, record.numerator, record.denominator)


def describe(indicator: Indicator) -> str:
    """The indicator's scoring method in words (for the 说明 sheet)."""
    return SCORERS[indicator.score.method].describe(indicator)


def unscorable(indicator: Indicator, values: np.ndarray, groups: np.ndarray | None) -> np.ndarray:
    """Members whose item falls to the missing-value policy: no value (after the negative-value
    rule), or — under a scorer scaled by group — no group to be scaled within."""
    out = np.isnan(treat_negative(np.asarray(values, dtype=float), indicator.negative))
    if groups is not None and SCORERS[indicator.score.method].grouped:
        out |= np.asarray(pd.isna(groups), dtype=bool)
    return out


def _fill_missing(raw: np.ndarray, missing: np.ndarray, ind: Indicator) -> np.ndarray:
    """Apply the missing-value policy; a member with no scale (no group) counts as missing.

    Under "exclude" the caller removes unscorable members (see `unscorable`) before scoring,
    so that they weigh in no benchmark; any left would score NaN.
    """
    missing = missing | np.isnan(raw)
    if ind.missing == "zero":
        fill = 0.0
    elif ind.missing == "mean_score":
        present = raw[~missing]
        fill = float(present.mean()) if len(present) else 0.0
    elif ind.missing == "penalty":
        fill = -float(ind.missing_points or 0.0)
    else:
        fill = np.nan
    return np.where(missing, fill, raw)
