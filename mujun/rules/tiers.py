"""How ranked firms become tiers: quota, threshold or stage tiers and the tier rules (vetoes,
protections, forced tiers, no grade) of one class."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, model_validator

from ..fields import FIELDS
from . import quote
from .base import MAX_THRESHOLD, AtKey, Model, Text
from .compiled import ALWAYS, FieldName, TierCondition, TierFormula, did_you_mean, tier_name
from .expr import Expression
from .types import field_types

UNGRADED = "U"  # the tier code of a firm a rule leaves without a grade (不定等级)
UNGRADED_LABEL = "不定等级"
Share = Annotated[float, Field(ge=0, le=1)]


class TierRule(Model):
    """A cap (at_most; a veto with `veto = true`), a protection (at_least), a forced tier or
    no grade (`ungraded = true`: scored and ranked, tier 不定等级), applied after ranking."""

    when: TierCondition = ALWAYS  # omitted or "true": every firm of the class
    at_most: str | None = None
    at_least: str | None = None
    force: str | None = None
    ungraded: bool = False
    veto: bool = False
    reason: Text

    @model_validator(mode="after")
    def _one_action(self) -> TierRule:
        given = [k for k in ("at_most", "at_least", "force") if getattr(self, k) is not None]
        given += ["ungraded"] if self.ungraded else []
        if len(given) != 1:
            written = "、".join(given) if given else "都没有"
            raise AtKey(
                "档次规则须恰好给出 at_most、at_least、force、ungraded 中的一个"
                f"（此处：{written}）",
                *given[1:2],
            )
        if self.veto and self.at_most is None:
            raise AtKey("veto = true（一票否决）须与 at_most 同用", "veto")
        return self

    @property
    def action(self) -> tuple[str, str]:
        """(kind, tier) of this rule."""
        if self.ungraded:
            return "ungraded", UNGRADED
        for kind in ("at_least", "at_most", "force"):
            tier = getattr(self, kind)
            if tier is not None:
                return kind, tier
        raise AssertionError("validated to have one action")


class Stage(Model):
    """One stage of `method = "stages"`: among the firms not yet placed for which `among`
    holds, the first `share` × graded firms (half-up) or `count` firms by `order` (higher
    first; `pick = "lowest"` takes from the low end) get `tier`."""

    tier: str
    among: TierCondition | None = None
    order: TierFormula | None = None
    pick: Literal["highest", "lowest"] = "highest"
    share: Share | None = None
    count: Annotated[int, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _one_size(self) -> Stage:
        if (self.share is None) == (self.count is None):
            raise AtKey("每一阶段须恰好给出 share（比例）或 count（家数）之一", "tier")
        return self


class Tiers(Model):
    """How ranked firms become tiers.

    quota: `shares` in order from best to worst; cumulative counts are rounded by `rounding`
    (half_up, floor or ceil of cumulative share × firms, or largest_remainder); equal scores
    share a tier (the better one when a tie straddles a boundary) unless `tie_break` orders
    them. `by` applies the quota within each group of a field, `shares_by` gives some groups
    their own shares.
    threshold: `minimum` scores from best to worst; firms below the last minimum get `below`.
    stages: `stage` in order, then `rest` for everyone else; `levels` lists the tiers from best
    to worst (default: the stage tiers and `rest` in alphabetical order).
    """

    method: Literal["quota", "threshold", "stages"]
    by: FieldName | None = None
    shares: dict[str, Share] | None = None
    shares_by: dict[str, dict[str, Share]] = {}
    rounding: Literal["half_up", "floor", "ceil", "largest_remainder"] = "half_up"
    tie_break: list[str] = []
    min_class_size: Annotated[int, Field(ge=1)] = 1
    ungraded_in_base: bool = False
    minimum: dict[str, Annotated[float, Field(ge=-MAX_THRESHOLD, le=MAX_THRESHOLD)]] | None = None
    below: str | None = None
    stage: list[Stage] = []
    rest: str | None = None
    levels: list[str] = []
    names: dict[str, str] = {}
    rule: list[TierRule] = []

    @model_validator(mode="after")
    def _consistent(self) -> Tiers:
        own = {
            "quota": ("shares", "shares_by"),
            "threshold": ("minimum", "below"),
            "stages": ("stage", "rest", "levels"),
        }
        for method, keys in own.items():
            for key in keys if method != self.method else ():
                if getattr(self, key) not in (None, [], {}):
                    raise AtKey(f"method = {quote.value(self.method)} 的档次不带 {key}", key)
        getattr(self, f"_check_{self.method}")()
        order = self.order
        listed = "、".join(order)
        if UNGRADED in order:
            raise AtKey(f"档次代码 {quote.value(UNGRADED)} 留作“不定等级”，请换用其他代码", "names")
        for key in self.names:
            if key not in order:
                raise AtKey(f"names 中的档次 {quote.value(key)} 不在 {listed} 之中", "names", key)
        for i, r in enumerate(self.rule):
            kind, tier = r.action
            if kind != "ungraded" and tier not in order:
                raise AtKey(f"档次 {quote.value(tier)} 不在 {listed} 之中", "rule", i, kind)
        return self

    def _check_quota(self) -> None:
        if not self.shares:
            raise AtKey("method = 'quota' 须给出 shares（各档比例）", "method")
        _sum_to_one(self.shares, "shares")
        for group, shares in self.shares_by.items():
            if list(shares) != list(self.shares):
                raise AtKey(
                    f"shares_by 中 {quote.value(group)} 的档次须与 shares 相同且同序"
                    f"（{'、'.join(self.shares)}）",
                    "shares_by",
                    group,
                )
            _sum_to_one(shares, "shares_by", group)

    def _check_threshold(self) -> None:
        if not self.minimum or self.below is None:
            missing = "minimum" if not self.minimum else "below"
            raise AtKey(f"method = 'threshold' 须给出 {missing}", "method")
        bounds = list(self.minimum.values())
        if any(a <= b for a, b in itertools.pairwise(bounds)):
            raise AtKey("各档 minimum 须从最好的一档起依次减小", "minimum")
        if self.below in self.minimum:
            raise AtKey(f"below 档 {quote.value(self.below)} 不能同时有 minimum", "below")

    def _check_stages(self) -> None:
        if not self.stage or self.rest is None:
            missing = "stage" if not self.stage else "rest"
            raise AtKey(f"method = 'stages' 须给出 {missing}", "method")
        named = [s.tier for s in self.stage] + [self.rest]
        for i, tier in enumerate(named[:-1]):
            if tier in named[:i] or tier == self.rest:
                raise AtKey(
                    f"档次 {quote.value(tier)} 出现两次（各阶段与 rest 各定一档）", "stage", i
                )
        if self.levels and sorted(self.levels) != sorted(named):
            raise AtKey(f"levels 须恰好列出各阶段的档次与 rest（{'、'.join(named)}）", "levels")

    @property
    def order(self) -> list[str]:
        """Tier labels from best to worst."""
        if self.method == "quota":
            return list(self.shares or {})
        if self.method == "stages":
            return self.levels or sorted([*(s.tier for s in self.stage), str(self.rest)])
        return [*(self.minimum or {}), str(self.below)]

    @property
    def reason(self) -> str:
        """The tier_reason of a firm the method placed: quota, threshold or stage."""
        return "stage" if self.method == "stages" else self.method

    @property
    def ungraded(self) -> bool:
        """Whether a rule of the class can leave a firm without a grade."""
        return any(r.ungraded for r in self.rule)


def _sum_to_one(shares: dict[str, float], *at: str) -> None:
    total = sum(Decimal(str(s)) for s in shares.values())
    if total != 1:
        raise AtKey(f"各档比例之和须为 1，实为 {total}", *at)


def tier_expressions(spec: Tiers) -> list[Expression]:
    """Every expression of a class's tiers: the rules' conditions, the stages' too."""
    found = [r.when for r in spec.rule]
    for s in spec.stage:
        found += [e for e in (s.among, s.order) if e is not None]
    return found


def check_tier_names(spec: Tiers, codes: list[str]) -> None:
    """Refuse a `score_<code>` or `value_<code>` (in an expression or `tie_break`) naming no
    indicator of the class, and a tie-break that is no number."""
    places: list[tuple[Expression, tuple[str | int, ...]]] = [
        (r.when, ("tiers", "rule", i, "when")) for i, r in enumerate(spec.rule)
    ]
    for i, s in enumerate(spec.stage):
        places += [
            (e, ("tiers", "stage", i, k)) for k, e in (("among", s.among), ("order", s.order)) if e
        ]
    for e, at in places:
        for name in sorted(e.names - set(FIELDS)):
            _indicator_of(name, codes, *at)
    for i, name in enumerate(spec.tie_break):
        at = ("tiers", "tie_break", i)
        if name in FIELDS:
            if field_types()[name] != "number":
                raise AtKey(f"tie_break 须为数值字段，{quote.value(name)} 不是", *at)
        elif tier_name(name) is None:
            choices = [*FIELDS, *(f"value_{c}" for c in codes)]
            raise AtKey(
                f"tie_break 中的 {quote.value(name)} 未知" + did_you_mean(name, choices), *at
            )
        else:
            _indicator_of(name, codes, *at)


def _indicator_of(name: str, codes: list[str], *at: str | int) -> None:
    code = tier_name(name)
    if code and code not in codes:
        prefix = name[: len(name) - len(code)]
        hint = did_you_mean(name, [prefix + c for c in codes])
        raise AtKey(f"{quote.value(name)} 中的指标 {quote.value(code)} 不是本类的指标" + hint, *at)
