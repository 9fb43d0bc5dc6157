"""The scorers that divide by a benchmark or scale within the class: ratio, inverse_ratio,
minmax, efficacy (功效系数) and rank. Each is a pure function of the class's `Members` plus a
Chinese description for the 说明 sheet.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..fields import label
from ..rules import Indicator
from ..rules.score import efficacy_ends
from .benchmarks import Members, Raw, Scorer, bench_table, benchmark_words, lookup, per_group
from .benchmarks import ratio_benchmark as _benchmark


def group_words(ind: Indicator) -> str:
    """'（按园区分组）' when the indicator is scaled within `by` groups."""
    return f"（按{label(ind.score.by)}分组）" if ind.score.by else ""


def _benchmarked(
    m: Members, points: np.ndarray, bench: np.ndarray | float
) -> tuple[np.ndarray, bool]:
    """The points where the benchmark is a positive number, 0 elsewhere, and whether some
    scored member met a benchmark that is not."""
    if np.ndim(bench) == 0:  # one benchmark for all: it can score everyone, or no one
        if np.isfinite(bench) and float(bench) > 0:
            return points, False
        return np.zeros(len(m.x)), bool((~m.missing).any())
    usable = np.isfinite(bench) & (bench > 0)
    return np.where(usable, points, 0.0), not usable[~m.missing].all()


def _ratio(ind: Indicator, m: Members) -> Raw:
    """ratio: value / benchmark × weight (direction "lower": benchmark / value × weight),
    clipped to [floor × weight, cap × weight]; a benchmark that is not positive scores 0, one
    that overflowed scores no one (`beyond`)."""
    spec = ind.score
    bench, table, beyond, fallback = _benchmark(spec, m)
    with np.errstate(invalid="ignore", divide="ignore"):
        if ind.direction == "higher":
            share = m.x / np.where(bench > 0, bench, np.nan)
        else:  # cap is required for "lower"; a value of 0 or below earns the cap
            share = np.where(m.x > 0, bench / np.where(m.x > 0, m.x, 1.0), np.inf)
    lo = -np.inf if spec.floor is None else spec.floor
    hi = np.inf if spec.cap is None else spec.cap
    raw = np.clip(share, lo, hi) * ind.weight
    points, unusable = _benchmarked(Members(m.x, m.missing | beyond, m.codes, m.labels), raw, bench)
    return Raw(points, table, unusable, beyond if beyond.any() else None, fallback)


def _ratio_text(ind: Indicator) -> str:
    score = ind.score
    text = "基准值 ÷ 指标值 × 权重" if ind.direction == "lower" else "指标值 ÷ 基准值 × 权重"
    text = f"比值法：{text}；基准：{benchmark_words(score)}"
    if score.cap is not None:
        text += f"；最高{score.cap:g}倍权重"
    if score.floor is not None:
        text += f"；最低{score.floor:g}倍权重"
    return text


def _inverse_ratio(ind: Indicator, m: Members) -> Raw:
    """inverse_ratio: (2 − x / benchmark) × weight, clipped to [0, min(cap, 2) × weight]: the
    benchmark earns the weight, 0 earns 2 × weight, 2 × benchmark or more earns 0 (a value
    below 0, kept by `negative = "keep"`, earns 2 × weight too)."""
    spec = ind.score
    bench, table, beyond, fallback = _benchmark(spec, m)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = 2.0 - m.x / np.where(bench > 0, bench, np.nan)
    top = 2.0 if spec.cap is None else spec.cap
    raw = np.clip(share, 0.0, top) * ind.weight
    points, unusable = _benchmarked(Members(m.x, m.missing | beyond, m.codes, m.labels), raw, bench)
    return Raw(points, table, unusable, beyond if beyond.any() else None, fallback)


def _inverse_ratio_text(ind: Indicator) -> str:
    score = ind.score
    top = 2.0 if score.cap is None else score.cap
    return (
        f"反向比值法：(2 − 指标值 ÷ 基准值) × 权重，指标值达到基准值 2 倍及以上得 0 分，"
        f"最高{top:g}倍权重；基准：{benchmark_words(score)}"
    )


def _span(ind: Indicator, m: Members, lo_how: str, hi_how: str) -> tuple[np.ndarray, ...]:
    """Each member's group codes and its group's `lo_how` and `hi_how` statistics, with the
    members used per group."""
    codes = np.zeros(len(m.x), dtype=np.int64) if m.codes is None else m.codes
    k = len(m.labels)
    lo, count = per_group(m.x, ~m.missing, codes, k, lo_how)
    hi, _ = per_group(m.x, ~m.missing, codes, k, hi_how)
    return codes, lo, hi, count


def _minmax(indicator: Indicator, m: Members) -> Raw:
    """weight × [floor + (100 − floor) × t] / 100, t the position between min and max.

    When every member of a group has the same value, t = 1 (all are the best); a span beyond
    the range of numbers (from −1e308 to 1e308) scales no one (`beyond`).
    """
    codes, lo, hi, count = _span(indicator, m, "min", "max")
    lo_m, hi_m = lookup(lo, codes), lookup(hi, codes)
    span = hi_m - lo_m
    with np.errstate(invalid="ignore", divide="ignore"):
        t = (m.x - lo_m) / span if indicator.direction == "higher" else (hi_m - m.x) / span
    t = np.where(span > 0, t, 1.0)
    t = np.where(codes >= 0, t, np.nan)  # a member without a group value has no scale
    floor = indicator.score.floor or 0.0
    points = indicator.weight * (floor + (100.0 - floor) * t) / 100.0
    k = len(m.labels)
    table = bench_table(m.labels, [np.nan] * k, list(count), minimum=list(lo), maximum=list(hi))
    return Raw(points, table, beyond=(codes >= 0) & np.isinf(span))


def _minmax_text(ind: Indicator) -> str:
    floor = ind.score.floor or 0
    span = "(x − 最小值) ÷ (最大值 − 最小值)"
    return f"极值法{group_words(ind)}：权重 × [{floor:g} + {100 - floor:g} × {span}] ÷ 100"


def _efficacy(ind: Indicator, m: Members) -> Raw:
    """功效系数法: weight × [base + (100 − base) × t] / 100, t = (x − bad) / (good − bad)
    clipped to [0, 1] (beyond `good`: the weight; beyond `bad`: base % of it). A statistic as
    `good` or `bad` is the class's (or `by` group's); where good equals bad, t = 1."""
    spec = ind.score
    good, bad = efficacy_ends(spec, ind.direction)
    stats = [s for s in (good, bad) if isinstance(s, str)] or ["min"]
    codes, first, second, count = _span(ind, m, stats[0], stats[-1])
    by_name = {stats[0]: first, stats[-1]: second}

    def end(v: float | str) -> np.ndarray:
        return lookup(by_name[v], codes) if isinstance(v, str) else np.full(len(m.x), v)

    good_m, bad_m = end(good), end(bad)
    gap = good_m - bad_m
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.clip((m.x - bad_m) / gap, 0.0, 1.0)
    t = np.where(gap != 0, t, 1.0)
    t = np.where(codes >= 0, t, np.nan)
    points = ind.weight * (spec.base + (100.0 - spec.base) * t) / 100.0
    k = len(m.labels)
    shown = [by_name[v] if isinstance(v, str) else np.full(k, v) for v in (good, bad)]
    low, high = np.minimum(*shown), np.maximum(*shown)
    table = bench_table(m.labels, [np.nan] * k, list(count), minimum=list(low), maximum=list(high))
    return Raw(points, table, beyond=(codes >= 0) & np.isinf(gap))


_ENDS = {"max": "本类最大值", "min": "本类最小值", "mean": "本类平均值", "median": "本类中位数"}


def _efficacy_text(ind: Indicator) -> str:
    good, bad = efficacy_ends(ind.score, ind.direction)
    base = ind.score.base

    def words(v: float | str) -> str:
        return _ENDS[v] if isinstance(v, str) else f"{v:g}"

    return (
        f"功效系数法{group_words(ind)}：权重 × [{base:g} + {100 - base:g} × (x − 不允许值) ÷ "
        f"(满意值 − 不允许值)] ÷ 100；满意值：{words(good)}，不允许值：{words(bad)}；"
        f"优于满意值得满分，劣于不允许值得{base:g}%权重"
    )


def _rank(indicator: Indicator, m: Members) -> Raw:
    """Percentile rank (average rank of ties / members with a value) × weight, per group."""
    codes = np.zeros(len(m.x), dtype=np.int64) if m.codes is None else m.codes
    key = m.x if indicator.direction == "higher" else -m.x
    frame = pd.DataFrame({"g": codes, "v": np.where(m.missing, np.nan, key)})
    pct = frame.groupby("g")["v"].rank(method="average", pct=True).to_numpy(dtype=float)
    pct = np.where(codes >= 0, pct, np.nan)
    _, count = per_group(m.x, ~m.missing, codes, len(m.labels), "sum")
    table = bench_table(m.labels, [np.nan] * len(m.labels), list(count))
    return Raw(pct * indicator.weight, table)


def _rank_text(ind: Indicator) -> str:
    return f"百分位排名法{group_words(ind)}：百分位 × 权重"


SCORERS: dict[str, Scorer] = {
    "ratio": Scorer(_ratio, _ratio_text),
    "inverse_ratio": Scorer(_inverse_ratio, _inverse_ratio_text),
    "minmax": Scorer(_minmax, _minmax_text, grouped=True),
    "efficacy": Scorer(_efficacy, _efficacy_text, grouped=True),
    "rank": Scorer(_rank, _rank_text, grouped=True),
}
