"""From indicator values to item scores: treatment, benchmarks, scoring methods, missing values.

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
- a pooled benchmark adds the amounts as reported (a tax refund lowers Σtax), because the
  published figure is the county's Σtax / Σland; the negative-value rule applies to the firm's
  own item only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..fields import label
from ..rules import Indicator, Score

_REDUCERS: dict[str, Callable[[np.ndarray], Any]] = {
    "sum": np.sum,
    "mean": np.mean,
    "median": np.median,
    "min": np.min,
    "max": np.max,
}
WHOLE = "（全体）"  # the group label of a class-wide benchmark


@dataclass(frozen=True)
class ItemScores:
    """Scores of one indicator for the members of one class."""

    points: np.ndarray  # item score per member (NaN only for unscorable members under "exclude")
    missing: np.ndarray  # the value was missing (after the negative-value policy)
    benchmarks: pd.DataFrame  # group, benchmark (or minimum/maximum), members used
    beyond: np.ndarray  # members with a value whose benchmark or span overflowed: unscorable
    unusable: bool = False  # the benchmark was not positive for some member: it scored 0


@dataclass(frozen=True)
class Raw:
    """What a scoring method gives for the members of one class: raw item points, the
    benchmark table, whether a benchmark that is not positive scored some member 0, and the
    members whose benchmark or scale lies beyond the range of numbers (None: none)."""

    points: np.ndarray
    benchmarks: pd.DataFrame
    unusable: bool = False
    beyond: np.ndarray | None = None


def treat_negative(values: np.ndarray, policy: str) -> np.ndarray:
    """Apply the indicator's stated rule for negative values."""
    if policy == "keep":
        return values
    negative = values < 0
    if not negative.any():
        return values
    return np.where(negative, 0.0 if policy == "zero" else np.nan, values)


@dataclass(frozen=True)
class Members:
    """One indicator over one class's members, as every scorer sees it: the values after the
    negative-value policy (NaN: missing), each member's group (-1: none; one group, 0, without
    a `by`) and, for pooled benchmarks, the ratio's numerator and denominator."""

    x: np.ndarray
    missing: np.ndarray
    codes: np.ndarray | None  # None: no `by`, every member in the one group
    labels: list[object]
    numerator: np.ndarray | None = None
    denominator: np.ndarray | None = None


@dataclass(frozen=True)
class Scorer:
    """A scoring method: `points` (pure: members → their `Raw` points) and `describe` (the
    method in Chinese words, for the 说明 sheet). `grouped`: a member without a `by` group has
    no scale and falls to the missing policy."""

    points: Callable[[Indicator, Members], Raw]
    describe: Callable[[Indicator], str]
    grouped: bool = False


def score_indicator(
    indicator: Indicator,
    values: np.ndarray,
    *,
    groups: np.ndarray | None = None,
    numerator: np.ndarray | None = None,
    denominator: np.ndarray | None = None,
) -> ItemScores:
    """Score one indicator over one class's members with its scorer from `SCORERS`.

    `groups` holds the `by` field's value per member; `numerator`/`denominator` are needed for
    pooled benchmarks (Σnumerator / Σdenominator over members with a value).
    """
    x = treat_negative(np.asarray(values, dtype=float), indicator.negative)
    missing = np.isnan(x)
    codes, labels = _group_codes(groups, len(x))
    members = Members(x, missing, codes, labels, numerator, denominator)
    with np.errstate(over="ignore", invalid="ignore"):  # a result beyond the range is inf
        raw = SCORERS[indicator.score.method].points(indicator, members)
        points = _fill_missing(raw.points, missing, indicator)
    beyond = np.zeros(len(x), dtype=bool) if raw.beyond is None else raw.beyond & ~missing
    return ItemScores(points, missing, raw.benchmarks, beyond, raw.unusable)


def describe(indicator: Indicator) -> str:
    """The indicator's scoring method in words (for the 说明 sheet)."""
    return SCORERS[indicator.score.method].describe(indicator)


def unscorable(indicator: Indicator, values: np.ndarray, groups: np.ndarray | None) -> np.ndarray:
    """Members whose item falls to the missing-value policy: no value (after the negative-value
    rule), or — under minmax and rank by group — no group to be scaled within."""
    out = np.isnan(treat_negative(np.asarray(values, dtype=float), indicator.negative))
    if groups is not None and SCORERS[indicator.score.method].grouped:
        out |= np.asarray(pd.isna(groups), dtype=bool)
    return out


def _lookup(stat: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Each member's group statistic; NaN for members without a group (or when no group)."""
    if len(stat) == 0:
        return np.full(len(codes), np.nan)
    return np.where(codes >= 0, stat[np.maximum(codes, 0)], np.nan)


def _group_codes(groups: np.ndarray | None, n: int) -> tuple[np.ndarray | None, list[object]]:
    """Integer group codes (-1: no group) and the group labels; without a `by`, None (every
    member in one group)."""
    if groups is None:
        return None, [WHOLE]
    codes, uniques = pd.factorize(pd.Series(groups), use_na_sentinel=True, sort=True)
    return np.asarray(codes, dtype=np.int64), list(uniques)


def _per_group(
    x: np.ndarray, ok: np.ndarray, codes: np.ndarray | None, k: int, how: str
) -> tuple[np.ndarray, np.ndarray]:
    """A statistic of x over the ok rows of each group (codes None: one group of all), and the
    rows used per group."""
    sel = ok if codes is None else ok & (codes >= 0)
    if k == 1 or codes is None:  # one group: plain reductions, no grouping cost
        values = x[sel]
        if not len(values):
            return np.array([0.0 if how == "sum" else np.nan]), np.zeros(1)
        reduce: Callable[[np.ndarray], Any] = _REDUCERS[how]
        return np.array([float(reduce(values))]), np.array([float(len(values))])
    count = np.bincount(codes[sel], minlength=k).astype(float)
    if how == "sum":
        stat = np.bincount(codes[sel], weights=x[sel], minlength=k)
    elif how == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            stat = np.bincount(codes[sel], weights=x[sel], minlength=k) / count
    else:
        agg = pd.Series(x[sel]).groupby(codes[sel]).agg(how)
        stat = agg.reindex(range(k)).to_numpy(dtype=float)
    return stat, count


def _benchmark_stat(
    spec: Score,
    x: np.ndarray,
    ok: np.ndarray,
    codes: np.ndarray | None,
    k: int,
    numerator: np.ndarray | None,
    denominator: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The benchmark statistic (× factor) per group, the members used per group, and which
    groups' statistic overflowed (a sum, a mean or the quotient beyond the range of numbers:
    NaN in the statistic)."""
    if spec.benchmark == "pooled":
        assert numerator is not None and denominator is not None
        ok = ok & np.isfinite(numerator) & np.isfinite(denominator)
        num, count = _per_group(numerator, ok, codes, k, "sum")
        den, _ = _per_group(denominator, ok, codes, k, "sum")
        with np.errstate(invalid="ignore", divide="ignore"):
            stat = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
        beyond = ~np.isfinite(num) | ~np.isfinite(den) | np.isinf(stat)
    else:
        stat, count = _per_group(x, ok, codes, k, str(spec.benchmark))
        beyond = ~np.isfinite(stat)
    stat = stat * spec.factor
    beyond = (count > 0) & (beyond | np.isinf(stat))
    return np.where(beyond, np.nan, stat), count, beyond


def _ratio_benchmark(
    spec: Score,
    x: np.ndarray,
    missing: np.ndarray,
    codes: np.ndarray | None,
    labels: list[object],
    numerator: np.ndarray | None,
    denominator: np.ndarray | None,
) -> tuple[np.ndarray | float, pd.DataFrame, np.ndarray]:
    """Benchmark per member (group value, falling back to the class-wide one; one number when
    every member has the same), its table, and the members left with an overflowed one."""
    ok = ~missing
    none = np.zeros(len(x), dtype=bool)
    if not isinstance(spec.benchmark, str):
        value = float(spec.benchmark or 0.0)
        return value, _bench_table([WHOLE], [value], [float(ok.sum())]), none
    whole = _benchmark_stat(spec, x, ok, None, 1, numerator, denominator)
    overall, overall_count, overflowed = float(whole[0][0]), whole[1], bool(whole[2][0])
    if spec.by is None or codes is None:
        return overall, _bench_table([WHOLE], [overall], overall_count), none | overflowed
    group, count, _ = _benchmark_stat(spec, x, ok, codes, len(labels), numerator, denominator)
    per_member = _lookup(group, codes)
    usable = np.isfinite(per_member) & (per_member > 0)
    table = _bench_table([*labels, WHOLE], [*group, overall], [*count, *overall_count])
    return np.where(usable, per_member, overall), table, ~usable & overflowed


def _ratio(ind: Indicator, m: Members) -> Raw:
    """ratio: value / benchmark × weight (direction "lower": benchmark / value × weight),
    clipped to [floor × weight, cap × weight]; a benchmark that is not positive scores 0, one
    that overflowed scores no one (`beyond`)."""
    spec = ind.score
    bench, table, beyond = _ratio_benchmark(
        spec, m.x, m.missing, m.codes, m.labels, m.numerator, m.denominator
    )
    raw = _ratio_points(m.x, bench, ind.direction, ind.weight, spec)
    scored = ~m.missing & ~beyond
    if np.ndim(bench) == 0:  # one benchmark for all: it can score everyone, or no one
        if np.isfinite(bench) and bench > 0:
            return Raw(raw, table)
        return Raw(np.zeros(len(m.x)), table, bool(scored.any()), beyond)
    usable = np.isfinite(bench) & (bench > 0)
    return Raw(np.where(usable, raw, 0.0), table, not usable[scored].all(), beyond)


def _ratio_text(ind: Indicator) -> str:
    score = ind.score
    text = "基准值 ÷ 指标值 × 权重" if ind.direction == "lower" else "指标值 ÷ 基准值 × 权重"
    if isinstance(score.benchmark, str):
        basis = _BENCHMARKS[score.benchmark]
        if score.by:
            basis = f"按{label(score.by)}分组的" + basis.replace("本类", "")
        if score.factor != 1:
            basis += f" × {score.factor:g}"
    else:
        basis = f"固定值 {score.benchmark:g}"
    text = f"比值法：{text}；基准：{basis}"
    if score.cap is not None:
        text += f"；最高{score.cap:g}倍权重"
    if score.floor is not None:
        text += f"；最低{score.floor:g}倍权重"
    return text


_BENCHMARKS = {
    "pooled": "本类合计口径（Σ分子 ÷ Σ分母）",
    "mean": "本类平均值",
    "median": "本类中位数",
}


def _group_words(ind: Indicator) -> str:
    return f"（按{label(ind.score.by)}分组）" if ind.score.by else ""


def _ratio_points(
    x: np.ndarray, bench: np.ndarray | float, direction: str, weight: float, spec: Score
) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        if direction == "higher":
            share = x / np.where(bench > 0, bench, np.nan)
        else:  # cap is required for "lower"; a value of 0 or below earns the cap
            share = np.where(x > 0, bench / np.where(x > 0, x, 1.0), np.inf)
    lo = -np.inf if spec.floor is None else spec.floor
    hi = np.inf if spec.cap is None else spec.cap
    return np.clip(share, lo, hi) * weight


def _minmax(indicator: Indicator, m: Members) -> Raw:
    """weight × [floor + (100 − floor) × t] / 100, t the position between min and max.

    When every member of a group has the same value, t = 1 (all are the best); a span beyond
    the range of numbers (from −1e308 to 1e308) scales no one (`beyond`).
    """
    x, missing, labels, spec = m.x, m.missing, m.labels, indicator.score
    codes = np.zeros(len(x), dtype=np.int64) if m.codes is None else m.codes
    k = len(labels)
    lo, count = _per_group(x, ~missing, codes, k, "min")
    hi, _ = _per_group(x, ~missing, codes, k, "max")
    lo_m, hi_m = _lookup(lo, codes), _lookup(hi, codes)
    span = hi_m - lo_m
    with np.errstate(invalid="ignore", divide="ignore"):
        t = (x - lo_m) / span if indicator.direction == "higher" else (hi_m - x) / span
    t = np.where(span > 0, t, 1.0)
    t = np.where(codes >= 0, t, np.nan)  # a member without a group value has no scale
    floor = spec.floor or 0.0
    points = indicator.weight * (floor + (100.0 - floor) * t) / 100.0
    table = _bench_table(labels, [np.nan] * k, list(count), minimum=list(lo), maximum=list(hi))
    return Raw(points, table, beyond=(codes >= 0) & np.isinf(span))


def _minmax_text(ind: Indicator) -> str:
    floor = ind.score.floor or 0
    span = "(x − 最小值) ÷ (最大值 − 最小值)"
    return f"极值法{_group_words(ind)}：权重 × [{floor:g} + {100 - floor:g} × {span}] ÷ 100"


def _rank(indicator: Indicator, m: Members) -> Raw:
    """Percentile rank (average rank of ties / members with a value) × weight, per group."""
    x, missing, labels = m.x, m.missing, m.labels
    codes = np.zeros(len(x), dtype=np.int64) if m.codes is None else m.codes
    key = x if indicator.direction == "higher" else -x
    frame = pd.DataFrame({"g": codes, "v": np.where(missing, np.nan, key)})
    pct = frame.groupby("g")["v"].rank(method="average", pct=True).to_numpy(dtype=float)
    pct = np.where(codes >= 0, pct, np.nan)
    _, count = _per_group(x, ~missing, codes, len(labels), "sum")
    table = _bench_table(labels, [np.nan] * len(labels), list(count))
    return Raw(pct * indicator.weight, table)


def _rank_text(ind: Indicator) -> str:
    return f"百分位排名法{_group_words(ind)}：百分位 × 权重"


SCORERS: dict[str, Scorer] = {
    "ratio": Scorer(_ratio, _ratio_text),
    "minmax": Scorer(_minmax, _minmax_text, grouped=True),
    "rank": Scorer(_rank, _rank_text, grouped=True),
}
"""Every scoring method a rules file may name (`score.method`)."""


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


def _bench_table(
    groups: list[object],
    values: list[float] | np.ndarray,
    counts: list[float] | np.ndarray,
    *,
    minimum: list[float] | None = None,
    maximum: list[float] | None = None,
) -> pd.DataFrame:
    n = len(groups)
    return pd.DataFrame(
        {
            "group": [str(g) for g in groups],
            "benchmark": np.asarray(values, dtype=float),
            "minimum": np.asarray(minimum if minimum is not None else [np.nan] * n, dtype=float),
            "maximum": np.asarray(maximum if maximum is not None else [np.nan] * n, dtype=float),
            "members": np.asarray(counts, dtype=float).astype(int),
        }
    )
