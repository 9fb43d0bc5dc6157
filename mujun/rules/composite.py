"""The composite-indicator keys of a class (DESIGN §4: treatment, hierarchy, denomination).

`treat` (outlier treatment: COINr's winsorise-then-log), `impute` (group statistics or last
year's value), `[[class.group]]` (the nodes of a hierarchy: pillars, sub-indices) and the
checks of a class's hierarchy: parents that exist, no cycles, no group without children, and
no geometric mean over scores that can be 0 (a geometric mean of a 0 is 0, whatever the rest).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, model_validator

from . import quote
from .base import AtKey, Code, Model, Text, Weight
from .compiled import FieldName, did_you_mean

if TYPE_CHECKING:
    from .models import EvalClass, Indicator

AGGREGATES = ("sum", "mean", "geometric", "harmonic")
Aggregate = Literal["sum", "mean", "geometric", "harmonic"]
AGGREGATE_WORDS = {
    "sum": "求和",
    "mean": "加权算术平均",
    "geometric": "加权几何平均",
    "harmonic": "加权调和平均",
}
# scorers whose normalised value is 0 at the class's worst member by construction (goalposts:
# every member at or below `lo`); a geometric or harmonic mean over them is 0 or undefined
_ZERO_AT_WORST = ("distance_to_max", "goalposts")


class Treat(Model):
    """Outlier treatment of an indicator (COINr's default): while |skewness| ≥ `skew` and
    kurtosis ≥ `kurtosis`, the most extreme point on the side the skew points to is set to the
    next value (winsorised), up to `max_points` points; still failing, a log transform
    (`log = true`). method = "none" turns a class's default off for one indicator."""

    method: Literal["winsorise", "none"] = "winsorise"
    skew: Annotated[float, Field(gt=0, le=100)] = 2.0
    kurtosis: Annotated[float, Field(gt=0, le=1000)] = 3.5
    max_points: Annotated[int, Field(ge=0, le=1000)] = 5
    log: bool = True

    @model_validator(mode="after")
    def _none_alone(self) -> Treat:
        if self.method == "none":
            for key in sorted(self.model_fields_set - {"method"}):
                raise AtKey(f"method = 'none'（不处理）不带 {key}", key)
        return self

    @property
    def active(self) -> bool:
        """Whether this treatment changes anything (method winsorise)."""
        return self.method == "winsorise"


class Impute(Model):
    """How a missing value is filled (`missing = "impute"`): the `stat` (mean, median) of the
    class's members with a value, within each `by` group when given; `previous`: the unit's
    own value one year earlier (the panel or the archive)."""

    stat: Literal["mean", "median", "previous"]
    by: FieldName | None = None

    @model_validator(mode="after")
    def _by(self) -> Impute:
        if self.stat == "previous" and self.by is not None:
            raise AtKey("stat = 'previous' 取本单位上一年的值，不带 by", "by")
        return self


class Group(Model):
    """A node of a class's hierarchy (a pillar or sub-index): its score aggregates its
    children (groups and indicators naming it as `parent`) with their weights."""

    code: Code
    label: Text
    parent: Code | None = None  # omitted: a top-level child of the class
    weight: Weight = 1.0
    aggregate: Aggregate | None = None  # default: mean (sum in a sum class)


def group_method(klass: EvalClass, group: Group) -> str:
    """How a group aggregates its children: its own `aggregate`, else mean (sum in a sum
    class, where a group's score is the sum of its items' points)."""
    if group.aggregate is not None:
        return group.aggregate
    return "sum" if klass.aggregate == "sum" else "mean"


def is_composite(klass: EvalClass) -> bool:
    """Whether a class uses a composite step (a mean/geometric/harmonic total, groups, a
    denominator, treatment or imputation): only then are the stage tables kept."""
    if klass.aggregate != "sum" or klass.groups or treatment(klass, None) is not None:
        return True
    return any(
        i.denominator is not None
        or i.missing == "impute"
        or i.parent is not None
        or treatment(klass, i) is not None
        for i in klass.indicators
    )


def group_codes(classes: list[EvalClass]) -> list[str]:
    """Every group code over the classes, in order of first appearance (a `score_<code>`
    column each in the results, after the indicators')."""
    return list(dict.fromkeys(g.code for c in classes for g in c.groups))


def treatment(klass: EvalClass, ind: Indicator | None) -> Treat | None:
    """The treatment that applies to an indicator (its own, else the class's; None: none)."""
    chosen = klass.treat if ind is None or ind.treat is None else ind.treat
    return chosen if chosen is not None and chosen.active else None


def check_hierarchy(klass: EvalClass) -> None:
    """Parents that exist, codes used once, no cycles, no empty group, and no geometric or
    harmonic mean over a scorer that is 0 at the worst member; errors at the key."""
    groups = [g.code for g in klass.groups]
    indicators = [i.code for i in klass.indicators]
    for k, code in enumerate(groups):
        if code in groups[:k] or code in indicators:
            raise AtKey(f"分组代码 {quote.value(code)} 与另一分组或指标重复", "group", k, "code")
    parents = [("group", k, g.parent) for k, g in enumerate(klass.groups)]
    parents += [("indicator", k, i.parent) for k, i in enumerate(klass.indicators)]
    for key, k, up in parents:
        if up is not None and up not in groups:
            raise AtKey(
                f"parent {quote.value(up)} 不是本类的分组（[[class.group]]）"
                + did_you_mean(up, groups),
                key,
                k,
                "parent",
            )
    parent = {g.code: g.parent for g in klass.groups}
    for k, code in enumerate(groups):
        seen = [code]
        up = parent[code]
        while up is not None:
            if up in seen:
                chain = " → ".join([*seen, up])
                raise AtKey(f"分组层级成环：{chain}", "group", k, "parent")
            seen.append(up)
            up = parent[up]
    children = {p for p in parent.values() if p} | {i.parent for i in klass.indicators if i.parent}
    for k, code in enumerate(groups):
        if code not in children:
            raise AtKey(
                f"分组 {quote.value(code)} 没有下级（无分组或指标以它为 parent）", "group", k
            )
    if klass.aggregate == "sum":
        for k, g in enumerate(klass.groups):
            if g.aggregate not in (None, "sum"):
                raise AtKey(
                    "aggregate = 'sum' 的类别按分值求和，分组不能另用平均"
                    f"（实为 {quote.value(g.aggregate)}）",
                    "group",
                    k,
                    "aggregate",
                )
        return
    for k, ind in enumerate(klass.indicators):
        if ind.missing == "penalty":
            raise AtKey(
                f"aggregate = {klass.aggregate!r} 的类别各指标按 0–100 标准化，"
                "missing = 'penalty'（扣分）无从谈起：请用 impute、zero、mean_score 或 exclude",
                "indicator",
                k,
                "missing",
            )
    _check_positive(klass)


def _check_positive(klass: EvalClass) -> None:
    """A geometric or harmonic mean needs scores above 0: refuse one taken directly over an
    indicator whose scorer gives the class's worst member 0 (minmax without floor, …)."""
    method = {g.code: group_method(klass, g) for g in klass.groups}
    for k, ind in enumerate(klass.indicators):
        through = klass.aggregate if ind.parent is None else method[ind.parent]
        if through not in ("geometric", "harmonic"):
            continue
        score = ind.score
        zero = score.method in _ZERO_AT_WORST
        zero |= score.method == "minmax" and (score.floor or 0.0) <= 0
        zero |= score.method == "efficacy" and score.base <= 0
        zero |= score.method == "piecewise" and min(score.points or [0.0]) <= 0
        if zero:
            raise AtKey(
                f"指标 {quote.value(ind.code)} 经{AGGREGATE_WORDS[through]}汇总，"
                f"但 {score.method} 给最差单位 0 分，几何或调和平均随之为 0 或无定义："
                "请用 minmax 并给出 floor（如 floor = 1，即 1–100 分）",
                "indicator",
                k,
                "score",
                "method",
            )
