"""The normalisers COINr offers beyond minmax, zscore, rank and goalposts, as scorers:
distance_to_max (n_dist2max), distance_to_reference (n_dist2ref) and fraction_of_max
(n_fracmax). Each gives weight × its 0–1 value over the class's members; direction "lower"
negates the values first (the worst is then the largest)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..rules import Indicator
from . import normalise
from .benchmarks import WHOLE, Members, Raw, Scorer, bench_table


def _oriented(ind: Indicator, m: Members) -> tuple[np.ndarray, float, float]:
    """The values (negated for direction "lower"), their minimum and maximum over members."""
    x = m.x if ind.direction == "higher" else -m.x
    present = x[~m.missing & np.isfinite(x)]
    if not len(present):
        return x, np.nan, np.nan
    return x, float(present.min()), float(present.max())


def _table(m: Members, lo: float, hi: float, bench: float = np.nan) -> pd.DataFrame:
    count = float((~m.missing).sum())
    return bench_table([WHOLE], [bench], [count], minimum=[lo], maximum=[hi])


def _distance_to_max(ind: Indicator, m: Members) -> Raw:
    """1 − (max − x) / (max − min) (`normalise.distance_to_max`); every member equal: 1 (all
    are the best, as minmax scores them)."""
    x, lo, hi = _oriented(ind, m)
    span = hi - lo
    if span > 0:
        t = normalise.distance_to_max(np.where(m.missing, np.nan, x), scale=1.0)
    else:
        t = np.where(m.missing, np.nan, 1.0)
    beyond = np.isinf(span) & ~m.missing
    return Raw(ind.weight * t, _table(m, lo, hi), beyond=beyond if beyond.any() else None)


def _distance_to_reference(ind: Indicator, m: Members) -> Raw:
    """1 − (ref − x) / (ref − min): the reference earns 1, the worst 0, better than the
    reference above 1 (as COINr, uncapped). A reference that is a unit's key is looked up
    before scoring (`composite.resolve_reference`); one left unresolved scores no one."""
    ref = ind.score.reference
    x, lo, hi = _oriented(ind, m)
    if not isinstance(ref, float | int) or not np.isfinite(lo):
        return Raw(np.zeros(len(x)), _table(m, lo, hi), unusable=bool((~m.missing).any()))
    r = float(ref) if ind.direction == "higher" else -float(ref)
    if r - lo > 0:
        t = normalise.distance_to_reference(np.where(m.missing, np.nan, x), r, scale=1.0)
    else:  # the reference is the worst value: everyone at or above it is at the reference
        t = np.where(m.missing, np.nan, 1.0)
    return Raw(ind.weight * t, _table(m, lo, hi, float(ref)))


def _fraction_of_max(ind: Indicator, m: Members) -> Raw:
    """x / max (direction "lower": min / x, the smallest value earns 1); a maximum that is not
    positive scores no one."""
    x = np.asarray(m.x, dtype=float)
    present = x[~m.missing & np.isfinite(x)]
    if not len(present):
        return Raw(np.full(len(x), np.nan), _table(m, np.nan, np.nan))
    lo, hi = float(present.min()), float(present.max())
    with np.errstate(invalid="ignore", divide="ignore"):
        if ind.direction == "higher":
            usable = hi > 0
            t = x / hi
        else:
            usable = lo > 0
            t = np.where(x > 0, lo / np.where(x > 0, x, 1.0), np.nan)
    if not usable:
        return Raw(np.zeros(len(x)), _table(m, lo, hi), unusable=True)
    return Raw(ind.weight * t, _table(m, lo, hi))


def _words(name: str, formula: str) -> str:
    return f"{name}：权重 × {formula}（本类）"


SCORERS: dict[str, Scorer] = {
    "distance_to_max": Scorer(
        _distance_to_max,
        lambda ind: _words("距最大值法", "[1 − (最大值 − x) ÷ (最大值 − 最小值)]"),
    ),
    "distance_to_reference": Scorer(
        _distance_to_reference,
        lambda ind: _words(
            "距参照值法", f"[1 − (参照值 − x) ÷ (参照值 − 最小值)]，参照：{ind.score.reference}"
        ),
    ),
    "fraction_of_max": Scorer(
        _fraction_of_max,
        lambda ind: _words(
            "占最大值比例法", "x ÷ 最大值" if ind.direction == "higher" else "最小值 ÷ x"
        ),
    ),
}
