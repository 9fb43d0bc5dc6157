"""The `score` table of an indicator: which scorer turns its value into points, and how.

Each scorer's keys are checked here, with Chinese messages that name the key; what needs the
indicator's weight or direction is checked by `check_with_indicator` (the Indicator model calls
it). The scorers themselves are in `engine/scorers.py` and `engine/scales.py`.
"""

from __future__ import annotations

import itertools
import math
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from . import quote
from .base import BENCHMARK_RANGE, FACTOR_RANGE, MAX_MULTIPLE, MAX_PLAUSIBLE, AtKey, Model
from .compiled import FieldName, did_you_mean

STATISTICS = ("mean", "median", "pooled", "max", "min", "quantile")
_STATISTICS = "、".join(STATISTICS)
ENDS = ("max", "min", "mean", "median")  # what efficacy's `good` and `bad` may name
METHODS = (
    "ratio",
    "inverse_ratio",
    "minmax",
    "efficacy",
    "zscore",
    "goalposts",
    "rank",
    "piecewise",
    "distance_to_max",
    "distance_to_reference",
    "fraction_of_max",
)
BENCHMARKED = ("ratio", "inverse_ratio")  # the scorers that divide by a benchmark
GROUPED = ("minmax", "efficacy", "zscore", "rank")  # scaled within the class or `by` group
Bound = Annotated[float, Field(ge=-MAX_PLAUSIBLE, le=MAX_PLAUSIBLE)]
Percent = Annotated[float, Field(ge=0, lt=100)]

# the keys each method may carry beyond `method` (checked in `_keys`)
_KEYS: dict[str, frozenset[str]] = {
    "ratio": frozenset({"benchmark", "q", "by", "factor", "year", "cap", "floor"}),
    "inverse_ratio": frozenset({"benchmark", "q", "by", "factor", "year", "cap"}),
    "minmax": frozenset({"by", "floor"}),
    "efficacy": frozenset({"by", "good", "bad", "base"}),
    "zscore": frozenset({"by", "center", "spread"}),
    "goalposts": frozenset({"lo", "hi"}),
    "rank": frozenset({"by"}),
    "piecewise": frozenset({"breakpoints", "points"}),
    "distance_to_max": frozenset(),
    "distance_to_reference": frozenset({"reference"}),
    "fraction_of_max": frozenset(),
}


class Score(Model):
    """How an indicator value becomes points (x: the value, w: the weight).

    ratio:         x / benchmark × w (direction "lower": benchmark / x × w), clipped to
                   [floor × w, cap × w] when given.
    inverse_ratio: (2 − x / benchmark) × w, 0 at or beyond 2 × benchmark, at most 2 × w (or
                   cap × w); for indicators where lower is better (direction = "lower").
    minmax:        w × [floor + (100 − floor) × (x − min) / (max − min)] / 100 over the class
                   (or each `by` group); floor is in percent of the weight.
    efficacy:      功效系数法: w × [base + (100 − base) × t] / 100, t = (x − bad) / (good − bad)
                   clipped to [0, 1]; good/bad are numbers or statistics of the class.
    zscore:        标准分: w × clip(center + spread × (x − mean) / sd, 0, 100) / 100, sd the
                   population standard deviation of the class (or `by` group).
    goalposts:     w × clip((x − lo) / (hi − lo), 0, 1) (direction "lower": (hi − x) / …).
    rank:          percentile rank within the class (or `by` group) × w.
    distance_to_max: w × (1 − (max − x) / (max − min)) over the class (COINr n_dist2max).
    distance_to_reference: w × (1 − (ref − x) / (ref − min)), at most w; `reference` is a
                   unit's key (its value is the reference) or a number (COINr n_dist2ref).
    fraction_of_max: w × x / max over the class (COINr n_fracmax).
    piecewise:     `breakpoints` b1 < b2 < … cut the values into bands, `points` (one more
                   than the breakpoints) give each band's points; a value at a breakpoint
                   belongs to the better band.

    Benchmarks (ratio, inverse_ratio): a number, or a statistic of the class (`by` groups,
    × `factor`); `year = "previous"`: the statistic over last year's class.
    """

    method: Literal[
        "ratio",
        "inverse_ratio",
        "minmax",
        "efficacy",
        "zscore",
        "goalposts",
        "rank",
        "piecewise",
        "distance_to_max",
        "distance_to_reference",
        "fraction_of_max",
    ]
    benchmark: float | str | None = None
    q: Annotated[float, Field(gt=0, lt=1)] | None = None
    by: FieldName | None = None
    factor: Annotated[float, Field(ge=FACTOR_RANGE[0], le=FACTOR_RANGE[1])] = 1.0
    year: Literal["current", "previous"] = "current"
    cap: Annotated[float, Field(gt=0, le=MAX_MULTIPLE)] | None = None
    floor: Annotated[float, Field(ge=0, le=MAX_MULTIPLE)] | None = None
    good: Bound | str | None = None
    bad: Bound | str | None = None
    base: Percent = 60.0
    center: Annotated[float, Field(ge=0, le=100)] = 60.0
    spread: Annotated[float, Field(gt=0, le=100)] = 10.0
    lo: Bound | None = None
    hi: Bound | None = None
    breakpoints: list[Bound] | None = None
    points: list[Annotated[float, Field(ge=0)]] | None = None
    reference: Bound | Annotated[str, Field(min_length=1)] | None = None  # distance_to_reference

    @field_validator("benchmark", "good", "bad", mode="before")
    @classmethod
    def _not_bool(cls, v: object) -> object:
        if isinstance(v, bool):
            raise ValueError(f"须为数值或统计量名称，实为 {quote.value(v)}")
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError(f"须为有限数值，不能是 {v}")
        return v

    @field_validator("benchmark")
    @classmethod
    def _benchmark(cls, v: float | str | None) -> float | str | None:
        if isinstance(v, str) and v not in STATISTICS:
            raise ValueError(
                f"基准须为数值或 {_STATISTICS} 之一，实为 {quote.value(v)}"
                + did_you_mean(v, list(STATISTICS))
            )
        if isinstance(v, float) and not v > 0:
            raise ValueError(f"固定基准值须为正数，实为 {v:g}")
        lo, hi = BENCHMARK_RANGE
        if isinstance(v, float) and not lo <= v <= hi:
            raise ValueError(f"固定基准值须在 {lo:g} 至 {hi:g} 之间，实为 {v:g}")
        return v

    @field_validator("good", "bad")
    @classmethod
    def _end(cls, v: float | str | None) -> float | str | None:
        if isinstance(v, str) and v not in ENDS:
            raise ValueError(
                f"须为数值或 {'、'.join(ENDS)} 之一，实为 {quote.value(v)}"
                + did_you_mean(v, list(ENDS))
            )
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Score:
        self._keys()
        if self.method in BENCHMARKED:
            self._benchmarked()
        elif self.method == "minmax" and self.floor is not None and self.floor >= 100:
            raise AtKey(f"minmax 的 floor 是百分数，须小于 100，实为 {self.floor:g}", "floor")
        elif self.method == "goalposts":
            if self.lo is None or self.hi is None:
                raise AtKey("method = 'goalposts' 须给出 lo 和 hi（两端的固定值）", "method")
            if not self.lo < self.hi:
                raise AtKey(f"lo（{self.lo:g}）须小于 hi（{self.hi:g}）", "lo")
        elif self.method == "piecewise":
            self._piecewise()
        elif self.method == "distance_to_reference" and self.reference is None:
            raise AtKey(
                "method = 'distance_to_reference' 须给出 reference（参照单位的代码或一个数值）",
                "method",
            )
        return self

    def _keys(self) -> None:
        """A key another method takes is an error naming it (a default left as it is is fine)."""
        allowed = _KEYS[self.method]
        for key in sorted(self.model_fields_set - allowed - {"method"}):
            takers = [m for m, keys in _KEYS.items() if key in keys]
            raise AtKey(
                f"method = {self.method!r} 不带 {key}（{key} 用于 {'、'.join(takers)}）", key
            )

    def _benchmarked(self) -> None:
        if self.benchmark is None:
            raise AtKey(
                f"method = {self.method!r} 须给出 benchmark（数值或 {_STATISTICS}）", "method"
            )
        fixed = not isinstance(self.benchmark, str)
        given = {
            "by": self.by is not None,
            "factor": self.factor != 1.0,
            "year": self.year != "current",
        }
        for key, set_ in given.items():
            if fixed and set_:
                raise AtKey(f"{key} 只用于 {_STATISTICS} 基准，固定基准值不能带 {key}", key)
        if self.benchmark == "quantile" and self.q is None:
            raise AtKey("benchmark = 'quantile' 须给出 q（0 与 1 之间，如 0.75）", "benchmark")
        if self.benchmark != "quantile" and self.q is not None:
            raise AtKey("q 只用于 benchmark = 'quantile'", "q")
        if self.cap is not None and self.floor is not None and self.floor > self.cap:
            raise AtKey(f"floor（{self.floor:g}）大于 cap（{self.cap:g}）", "floor")
        if self.method == "inverse_ratio" and self.cap is not None and self.cap > 2:
            raise AtKey(
                f"inverse_ratio 的得分至多 2 倍权重，cap 须不大于 2，实为 {self.cap:g}", "cap"
            )

    def _piecewise(self) -> None:
        cuts, points = self.breakpoints, self.points
        if not cuts or points is None:
            raise AtKey("method = 'piecewise' 须给出 breakpoints（分段点）和 points", "method")
        if any(not a < b for a, b in itertools.pairwise(cuts)):
            raise AtKey(f"breakpoints 须严格递增，实为 {cuts}", "breakpoints")
        if len(points) != len(cuts) + 1:
            raise AtKey(
                f"{len(cuts)} 个分段点分出 {len(cuts) + 1} 段，points 须有 {len(cuts) + 1} 个分值，"
                f"实有 {len(points)} 个",
                "points",
            )


def check_with_indicator(score: Score, weight: float, direction: str) -> None:
    """What the scorer's keys must satisfy given the indicator's weight and direction."""
    if score.method == "ratio" and direction == "lower" and score.cap is None:
        raise AtKey(
            "direction = 'lower' 且 method = 'ratio' 时须给出 score.cap："
            "否则值为 0 的企业得分没有上限",
            "direction",
        )
    if score.method == "inverse_ratio" and direction != "lower":
        raise AtKey(
            "method = 'inverse_ratio' 用于越低越好的指标，须写 direction = 'lower'", "direction"
        )
    if score.method == "piecewise" and score.points is not None:
        top = max(score.points)
        if top > weight:
            raise AtKey(f"points 中的分值（{top:g}）超过权重 {weight:g}", "score", "points")
        steps = list(itertools.pairwise(score.points))
        rising = all(a <= b for a, b in steps)
        falling = all(a >= b for a, b in steps)
        if direction == "higher" and not rising:
            raise AtKey(
                "direction = 'higher' 时 points 须随分段递增（值越高分越高）", "score", "points"
            )
        if direction == "lower" and not falling:
            raise AtKey(
                "direction = 'lower' 时 points 须随分段递减（值越高分越低）", "score", "points"
            )
    if score.method == "efficacy":
        good, bad = efficacy_ends(score, direction)
        if isinstance(good, float) and isinstance(bad, float):
            if direction == "higher" and not good > bad:
                raise AtKey(
                    f"direction = 'higher' 时 good（{good:g}）须大于 bad（{bad:g}）",
                    "score",
                    "good",
                )
            if direction == "lower" and not good < bad:
                raise AtKey(
                    f"direction = 'lower' 时 good（{good:g}）须小于 bad（{bad:g}）", "score", "good"
                )


def efficacy_ends(score: Score, direction: str) -> tuple[float | str, float | str]:
    """efficacy's (good, bad): as given, by default the class's best and worst value."""
    best, worst = ("max", "min") if direction == "higher" else ("min", "max")
    good = best if score.good is None else score.good
    bad = worst if score.bad is None else score.bad
    return good, bad
