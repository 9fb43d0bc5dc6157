"""What every scorer sees and shares: the members of one class (`Members`), a scorer's result
(`Raw`), statistics per `by` group, and the benchmark a ratio divides by.

A benchmark is a number or a statistic of the class (mean, median, pooled Σnumerator ÷
Σdenominator, max, min, quantile), per `by` group with the class-wide one as fallback, times
`factor`; with `year = "previous"` the statistic is taken over last year's class members
(`Members.previous`), this year's members looked up by their group.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..fields import label
from ..issues import issue, issue_table, quiet
from ..rules import Indicator, Score

WHOLE = "（全体）"  # the group label of a class-wide benchmark
Benchmark = tuple[np.ndarray | float, pd.DataFrame, np.ndarray, tuple[str, ...]]
_REDUCERS: dict[str, Callable[[np.ndarray], Any]] = {
    "sum": np.sum,
    "mean": np.mean,
    "median": np.median,
    "min": np.min,
    "max": np.max,
}
BENCHMARK_WORDS = {
    "pooled": "本类合计口径（Σ分子 ÷ Σ分母）",
    "mean": "本类平均值",
    "median": "本类中位数",
    "max": "本类最大值",
    "min": "本类最小值",
    "quantile": "本类分位数",
}


@dataclass(frozen=True)
class Members:
    """One indicator over one class's members, as every scorer sees it: the values after the
    negative-value policy (NaN: missing), each member's group (-1: none; one group, 0, without
    a `by`) and, for pooled benchmarks, the ratio's numerator and denominator. `previous`:
    last year's members of the class, their groups coded with the same labels."""

    x: np.ndarray
    missing: np.ndarray
    codes: np.ndarray | None  # None: no `by`, every member in the one group
    labels: list[object]
    numerator: np.ndarray | None = None
    denominator: np.ndarray | None = None
    previous: Members | None = None


@dataclass(frozen=True)
class Raw:
    """What a scoring method gives for the members of one class: raw item points, the
    benchmark table, whether a benchmark that is not positive scored some member 0, and the
    members whose benchmark or scale lies beyond the range of numbers (None: none), and the
    `by` groups whose own benchmark was unusable, so that their members were scored against
    the class-wide one (`fallback`)."""

    points: np.ndarray
    benchmarks: pd.DataFrame
    unusable: bool = False
    beyond: np.ndarray | None = None
    fallback: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scorer:
    """A scoring method: `points` (pure: members → their `Raw` points) and `describe` (the
    method in Chinese words, for the 说明 sheet). `grouped`: a member without a `by` group has
    no scale and falls to the missing policy."""

    points: Callable[[Indicator, Members], Raw]
    describe: Callable[[Indicator], str]
    grouped: bool = False


def lookup(stat: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Each member's group statistic; NaN for members without a group (or when no group)."""
    if len(stat) == 0:
        return np.full(len(codes), np.nan)
    return np.where(codes >= 0, stat[np.maximum(codes, 0)], np.nan)


def group_codes(groups: np.ndarray | None, n: int) -> tuple[np.ndarray | None, list[object]]:
    """Integer group codes (-1: no group) and the group labels; without a `by`, None (every
    member in one group)."""
    if groups is None:
        return None, [WHOLE]
    codes, uniques = pd.factorize(pd.Series(groups), use_na_sentinel=True, sort=True)
    return np.asarray(codes, dtype=np.int64), list(uniques)


def per_group(
    x: np.ndarray,
    ok: np.ndarray,
    codes: np.ndarray | None,
    k: int,
    how: str,
    q: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """A statistic of x over the ok rows of each group (codes None: one group of all), and the
    rows used per group. `how`: sum, mean, median, min, max, std (population) or quantile
    (`q`, linear between order statistics, as Excel's PERCENTILE.INC)."""
    sel = ok if codes is None else ok & (codes >= 0)
    if k == 1 or codes is None:  # one group: plain reductions, no grouping cost
        values = x[sel]
        if not len(values):
            return np.array([0.0 if how == "sum" else np.nan]), np.zeros(1)
        if how == "quantile":
            return np.array([float(np.quantile(values, q or 0.5))]), np.array([float(len(values))])
        if how == "std":
            return np.array([float(np.std(values))]), np.array([float(len(values))])
        reduce: Callable[[np.ndarray], Any] = _REDUCERS[how]
        return np.array([float(reduce(values))]), np.array([float(len(values))])
    count = np.bincount(codes[sel], minlength=k).astype(float)
    if how == "sum":
        stat = np.bincount(codes[sel], weights=x[sel], minlength=k)
    elif how == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            stat = np.bincount(codes[sel], weights=x[sel], minlength=k) / count
    else:
        grouped = pd.Series(x[sel]).groupby(codes[sel])
        if how == "quantile":
            agg = grouped.quantile(q)
        elif how == "std":
            agg = grouped.std(ddof=0)
        else:
            agg = grouped.agg(how)
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
        num, count = per_group(numerator, ok, codes, k, "sum")
        den, _ = per_group(denominator, ok, codes, k, "sum")
        with np.errstate(invalid="ignore", divide="ignore"):
            stat = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
        beyond = ~np.isfinite(num) | ~np.isfinite(den) | np.isinf(stat)
    else:
        stat, count = per_group(x, ok, codes, k, str(spec.benchmark), spec.q)
        beyond = ~np.isfinite(stat)
    stat = stat * spec.factor
    beyond = (count > 0) & (beyond | np.isinf(stat))
    return np.where(beyond, np.nan, stat), count, beyond


def ratio_benchmark(spec: Score, m: Members) -> Benchmark:
    """Benchmark per member (group value, falling back to the class-wide one; one number when
    every member has the same), its table, the members left with an overflowed one, and the
    groups with members that fell back (no usable benchmark of their own: no member with data,
    or no such group last year). With `year = "previous"` the statistic is last year's (no
    last year: no members, NaN)."""
    none = np.zeros(len(m.x), dtype=bool)
    if not isinstance(spec.benchmark, str):
        value = float(spec.benchmark or 0.0)
        return value, bench_table([WHOLE], [value], [float((~m.missing).sum())]), none, ()
    src = m if spec.year != "previous" else (m.previous or _no_members(m))
    ok = ~src.missing
    whole = _benchmark_stat(spec, src.x, ok, None, 1, src.numerator, src.denominator)
    overall, overall_count, overflowed = float(whole[0][0]), whole[1], bool(whole[2][0])
    if spec.by is None or m.codes is None or src.codes is None:
        return overall, bench_table([WHOLE], [overall], overall_count), none | overflowed, ()
    k = len(m.labels)
    group, count, _ = _benchmark_stat(spec, src.x, ok, src.codes, k, src.numerator, src.denominator)
    per_member = lookup(group, m.codes)
    usable = np.isfinite(per_member) & (per_member > 0)
    scored = ~m.missing & (m.codes >= 0)
    present = np.bincount(m.codes[scored], minlength=k) > 0
    fell = present & ~(np.isfinite(group) & (group > 0))
    table = bench_table([*m.labels, WHOLE], [*group, overall], [*count, *overall_count])
    table["fallback"] = [*fell, False]  # the group's members scored against （全体）
    fallback = tuple(str(m.labels[g]) for g in np.flatnonzero(fell))  # a loop over groups
    return np.where(usable, per_member, overall), table, ~usable & overflowed, fallback


def fallback_issues(klass: str, ind: Indicator, groups: tuple[str, ...]) -> pd.DataFrame:
    """A warning per `by` group of the class scored against the class-wide benchmark (a loop
    over groups, not firms): the fallback must be visible, not silent."""
    year = "上年" if ind.score.year == "previous" else ""
    notes = [
        issue(
            "benchmark-group-fallback",
            field=ind.code,
            value=g,
            klass=klass,
            indicator=ind.label,
            group=g,
            year=year,
        )
        for g in groups
    ]
    return issue_table(notes)


def _no_members(m: Members) -> Members:
    """No one: the previous year's class when the panel has none."""
    empty = np.zeros(0)
    codes = None if m.codes is None else np.zeros(0, dtype=np.int64)
    return Members(empty, np.zeros(0, dtype=bool), codes, m.labels, empty, empty)


def benchmark_words(score: Score) -> str:
    """The benchmark in words: 固定值 100, 按园区分组的平均值 × 2, 上年本类平均值."""
    if not isinstance(score.benchmark, str):
        return f"固定值 {score.benchmark:g}"
    basis = BENCHMARK_WORDS[score.benchmark]
    if score.benchmark == "quantile":
        basis += f"（{score.q:g} 分位）"
    if score.by:
        basis = f"按{label(score.by)}分组的" + basis.replace("本类", "")
    if score.year == "previous":
        basis = "上年度" + basis
    if score.factor != 1:
        basis += f" × {score.factor:g}"
    return basis


def bench_table(
    groups: list[object],
    values: list[float] | np.ndarray,
    counts: list[float] | np.ndarray,
    *,
    minimum: list[float] | None = None,
    maximum: list[float] | None = None,
) -> pd.DataFrame:
    """The benchmark table of one indicator in one class: group, benchmark, minimum, maximum,
    members used (none within `quiet_issues`: a what-if re-evaluation reads no benchmark)."""
    if quiet():
        return _NO_BENCHMARKS
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


_NO_BENCHMARKS = bench_table([], [], [])
