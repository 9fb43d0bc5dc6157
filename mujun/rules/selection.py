"""The `[selection]` table of a rules file: how the key-firm contact list (重点企业包保名单), the
cultivation lists (培育库) and the commissioners' assignment are made (DOMAIN §7).

Every setting has a default, so a rules file without `[selection]` still selects: 60 firms in
proportion to each park's eligible firms, scored 40 / 30 / 30 on contribution, growth and
competitiveness, over a three-year window.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import BeforeValidator, Field, model_validator

from ..fields import FIELDS, GROWTH_FEATURES
from . import expr, types
from .base import AtKey, Code, Model, Text, sample_columns

# what a watch-list condition may name: the latest year's fields and the growth features
WATCH_NAMES = (*FIELDS, *GROWTH_FEATURES)
WATCH_TYPES: dict[str, types.Type] = {
    **types.FIELD_TYPES,
    **dict.fromkeys(GROWTH_FEATURES, "number"),
}
ClusterFeature = Literal[
    "revenue_share",
    "trend_revenue",
    "volatility_revenue",
    "cagr_tax",
    "cagr_value_added",
    "tax_share",
    "cagr_revenue",
]


def _compile_watch(text: object) -> expr.Expression:
    """Parse, check the names and evaluate once on sample columns (fields and growth features)."""
    if isinstance(text, expr.Expression):
        return text
    parsed = expr.parse(text, known=WATCH_NAMES)  # type: ignore[arg-type]  # parse says why not
    types.check_condition(parsed, WATCH_TYPES)
    columns = sample_columns()
    columns.update({c: np.array([0.1, np.nan]) for c in GROWTH_FEATURES})
    parsed.condition(columns, 2)
    return parsed


WatchExpr = Annotated[expr.Expression, BeforeValidator(_compile_watch)]
Share = Annotated[float, Field(ge=0, le=1000)]  # a weight or a cost: finite and bounded
MAX_FIRMS = 100_000  # the most firms a list or one commissioner can be given


class Weights(Model):
    """Weights of the key-firm score's parts (each part a percentile 0–100 among eligible firms):
    contribution (tax and revenue shares), growth (revenue trend), competitiveness (亩均 score)."""

    contribution: Share = 0.4
    growth: Share = 0.3
    competitiveness: Share = 0.3

    @model_validator(mode="after")
    def _some_weight(self) -> Weights:
        if self.contribution + self.growth + self.competitiveness <= 0:
            raise ValueError("contribution、growth、competitiveness 中至少有一个权重须大于 0")
        return self


class Clusters(Model):
    """Clustering of growth profiles: k chosen by silhouette in [min, max], k-means with a fixed
    seed on robustly scaled features. Labels come from each centre, against these thresholds."""

    features: list[ClusterFeature] = ["revenue_share", "trend_revenue", "volatility_revenue"]
    min: Annotated[int, Field(ge=2, le=20)] = 3
    max: Annotated[int, Field(ge=2, le=20)] = 6
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 0  # what k-means takes as a seed
    sample: Annotated[int, Field(ge=100)] = 5_000  # firms the silhouette is measured on
    high_growth: float = 0.15  # trend growth a year at or above which a centre is 高成长
    decline: float = -0.05  # trend growth a year at or below which a centre is 下滑预警
    high_volatility: Annotated[float, Field(gt=0)] = 0.25  # residual sd of log revenue
    high_contribution: Annotated[float, Field(gt=0)] = 5.0  # revenue share ÷ the median firm's

    @model_validator(mode="after")
    def _range(self) -> Clusters:
        if self.min > self.max:
            raise AtKey(f"clusters.min（{self.min}）大于 clusters.max（{self.max}）", "min")
        for needed in ("revenue_share", "trend_revenue", "volatility_revenue"):
            if needed not in self.features:
                raise AtKey(f"clusters.features 须包含 {needed!r}：聚类的标签要用到它", "features")
        for i, feature in enumerate(self.features):
            if feature in self.features[:i]:
                raise AtKey(f"clusters.features 中 {feature!r} 列了两次", "features", i)
        return self


class Doubling(Model):
    """三年倍增: revenue `factor` × the base year's within `years` years."""

    factor: Annotated[float, Field(gt=1)] = 2.0
    years: Annotated[int, Field(ge=1, le=10)] = 3


class Rising(Model):
    """小升规 candidates: 规下 firms with revenue ≥ `near` × `line` whose projected revenue next
    year (latest × (1 + growth)) reaches the line (规上: 主营业务收入 2000 万元)."""

    line: Annotated[float, Field(gt=0)] = 2000.0
    near: Annotated[float, Field(gt=0, le=1)] = 0.5


class WatchList(Model):
    """A cultivation list defined by a condition on the latest year's fields and growth features."""

    code: Code
    label: Text
    when: WatchExpr
    reason: Text  # the condition in words, printed with the firm's own values


class Assignment(Model):
    """首席服务专员: each key firm to one commissioner, each commissioner between min_firms and
    max_firms firms, minimising park_cost per firm outside the commissioner's park, industry_cost
    per firm outside the industries they know and balance_cost per firm of deviation from the
    average load."""

    min_firms: Annotated[int, Field(ge=0, le=MAX_FIRMS)] = 2
    max_firms: Annotated[int, Field(ge=1, le=MAX_FIRMS)] = 3
    park_cost: Share = 2.0
    industry_cost: Share = 1.0
    balance_cost: Share = 0.5

    @model_validator(mode="after")
    def _bounds(self) -> Assignment:
        if self.min_firms > self.max_firms:
            raise AtKey(
                f"assignment.min_firms（{self.min_firms}）大于 max_firms（{self.max_firms}）",
                "min_firms",
            )
        return self


class Selection(Model):
    """The whole `[selection]` table."""

    size: Annotated[int, Field(ge=1, le=MAX_FIRMS)] = 60
    window: Annotated[int, Field(ge=3, le=10)] = 3  # years of history, the evaluation year last
    park_quota: Literal["proportional"] | dict[str, Annotated[int, Field(ge=0, le=MAX_FIRMS)]] = (
        "proportional"
    )
    weights: Weights = Weights()
    strength: Annotated[float, Field(gt=0, lt=1)] = 0.8  # percentile from which a part is a reason
    clusters: Clusters = Clusters()
    doubling: Doubling = Doubling()
    rising: Rising = Rising()
    watch: list[WatchList] = []
    assignment: Assignment = Assignment()

    @model_validator(mode="before")
    @classmethod
    def _size_from_quotas(cls, data: object) -> object:
        """Fixed quotas without a size: the size is their sum."""
        if (
            isinstance(data, dict)
            and isinstance(data.get("park_quota"), dict)
            and "size" not in data
        ):
            quotas = data["park_quota"].values()
            if all(isinstance(q, int) and not isinstance(q, bool) for q in quotas):
                return {**data, "size": sum(quotas)}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Selection:
        if isinstance(self.park_quota, dict):
            total = sum(self.park_quota.values())
            if total != self.size:
                raise AtKey(
                    f"各园区名额 park_quota 之和为 {total}，须等于 selection.size = {self.size}",
                    "park_quota",
                )
        codes = [w.code for w in self.watch]
        for i, code in enumerate(codes):
            if code == "rising":
                raise AtKey("培育库代码 'rising' 已留给小升规名单，请换一个", "watch", i, "code")
            if code in codes[:i]:
                raise AtKey(
                    f"培育库代码 {code!r} 重复（各 watch 的 code 须唯一）", "watch", i, "code"
                )
        return self
