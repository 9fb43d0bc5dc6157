"""How ranked firms become tiers: quota or threshold tiers and the tier rules (vetoes,
protections, forced tiers) of one class."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, model_validator

from . import quote
from .base import MAX_THRESHOLD, AtKey, Model, Text
from .compiled import ALWAYS, Condition


class TierRule(Model):
    """A veto (at_most), a protection (at_least) or a forced tier, applied after ranking."""

    when: Condition = ALWAYS  # omitted or "true": every firm of the class
    at_most: str | None = None
    at_least: str | None = None
    force: str | None = None
    reason: Text

    @model_validator(mode="after")
    def _one_action(self) -> TierRule:
        given = [k for k in ("at_most", "at_least", "force") if getattr(self, k) is not None]
        if len(given) != 1:
            written = "、".join(given) if given else "都没有"
            raise AtKey(
                f"档次规则须恰好给出 at_most、at_least、force 中的一个（此处：{written}）",
                *given[1:2],
            )
        return self

    @property
    def action(self) -> tuple[str, str]:
        """(kind, tier) of this rule."""
        for kind in ("at_least", "at_most", "force"):
            tier = getattr(self, kind)
            if tier is not None:
                return kind, tier
        raise AssertionError("validated to have one action")


class Tiers(Model):
    """How ranked firms become tiers.

    quota: `shares` in order from best to worst; cumulative counts are rounded by `rounding`
    (half_up, floor or ceil of cumulative share × firms); equal scores always share a tier, the
    better one when a tie straddles a boundary.
    threshold: `minimum` scores from best to worst; firms below the last minimum get `below`.
    """

    method: Literal["quota", "threshold"]
    shares: dict[str, Annotated[float, Field(ge=0, le=1)]] | None = None
    rounding: Literal["half_up", "floor", "ceil"] = "half_up"
    minimum: dict[str, Annotated[float, Field(ge=-MAX_THRESHOLD, le=MAX_THRESHOLD)]] | None = None
    below: str | None = None
    names: dict[str, str] = {}
    rule: list[TierRule] = []

    @model_validator(mode="after")
    def _consistent(self) -> Tiers:
        if self.method == "quota":
            for key in ("minimum", "below"):
                if getattr(self, key) is not None:
                    raise AtKey(f"method = 'quota' 的档次不带 {key}（按 shares 分档）", key)
            if not self.shares:
                raise AtKey("method = 'quota' 须给出 shares（各档比例）", "method")
            total = sum(Decimal(str(s)) for s in self.shares.values())
            if total != 1:
                raise AtKey(f"各档比例 shares 之和须为 1，实为 {total}", "shares")
        else:
            if self.shares is not None:
                raise AtKey("method = 'threshold' 的档次不带 shares（按 minimum 分档）", "shares")
            if not self.minimum or self.below is None:
                missing = "minimum" if not self.minimum else "below"
                raise AtKey(f"method = 'threshold' 须给出 {missing}", "method")
            bounds = list(self.minimum.values())
            if any(a <= b for a, b in itertools.pairwise(bounds)):
                raise AtKey("各档 minimum 须从最好的一档起依次减小", "minimum")
            if self.below in self.minimum:
                raise AtKey(f"below 档 {quote.value(self.below)} 不能同时有 minimum", "below")
        order = self.order
        listed = "、".join(order)
        for key in self.names:
            if key not in order:
                raise AtKey(f"names 中的档次 {quote.value(key)} 不在 {listed} 之中", "names", key)
        for i, r in enumerate(self.rule):
            kind, tier = r.action
            if tier not in order:
                raise AtKey(f"档次 {quote.value(tier)} 不在 {listed} 之中", "rule", i, kind)
        return self

    @property
    def order(self) -> list[str]:
        """Tier labels from best to worst."""
        if self.method == "quota":
            return list(self.shares or {})
        return [*(self.minimum or {}), str(self.below)]
