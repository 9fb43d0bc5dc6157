"""A class's ranking and tiers from its totals: ranks within `by` groups with tie-breaks, the
names tier rules and stages read (total_score, rank, rank_pct, score_<code>, value_<code>),
then the class's method, its tier rules, no grade and too-small classes (rules in `tiers.py`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..fields import label
from ..issues import empty_issues, issue, issue_table
from ..rules import EvalClass, Rules, Tiers
from ..rules.compiled import did_you_mean, tier_name
from . import stages, tiers

MOVED_NONE, TOO_SMALL = -1, -2  # reasons besides a rule's index


@dataclass(frozen=True)
class Ranking:
    """Ranks of a class's scored members, within their groups."""

    rank: np.ndarray
    pct: np.ndarray  # rank ÷ firms ranked with it: 1/n for the best, 1 for the worst
    group: np.ndarray  # group number per firm (all 0 without `by`)
    names: list[str]  # the groups' names ([""] without `by`)
    grouped: bool  # whether the class is tiered `by` a field


def rank_class(
    total: np.ndarray,
    by: np.ndarray | tuple[np.ndarray, list[str]] | None,
    ties: list[np.ndarray],
) -> Ranking:
    """Rank by total (and tie-breaks) within each group of `by`: its values, or group
    numbers and names already known (-1: no group)."""
    n = len(total)
    if by is None:
        group, names = np.zeros(n, dtype=np.int64), [""]
    elif isinstance(by, tuple):
        group, names = tiers.numbered_groups(*by)
    else:
        group, names = tiers.group_codes(by)
    rank = tiers.rank_in_groups(total, group if by is not None else None, ties)
    sizes = tiers.group_sizes(group, n, len(names))
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = rank / sizes[group] if n else np.zeros(0)
    return Ranking(rank, pct, group, names, by is not None)


class TierColumns(Mapping[str, np.ndarray]):
    """What a tier expression reads, over the class's scored members: the ranking's names,
    then `score_<code>`, `value_<code>`, then any field (computed when first read)."""

    def __init__(
        self,
        total: np.ndarray,
        ranking: Ranking,
        indicator: Callable[[str, str], np.ndarray],
        field: Callable[[str], np.ndarray],
    ) -> None:
        self._own = {
            "total_score": total,
            "rank": ranking.rank.astype(float),
            "rank_pct": ranking.pct,
        }
        self._indicator, self._field = indicator, field
        self._cache: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        if name in self._own:
            return self._own[name]
        if name not in self._cache:
            code = tier_name(name)
            if code:
                self._cache[name] = self._indicator(name.split("_", 1)[0], code)
            else:
                self._cache[name] = self._field(name)
        return self._cache[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._own)

    def __len__(self) -> int:
        return len(self._own)


@dataclass(frozen=True)
class Tiered:
    """Tier positions (len(order): 不定等级; len(order) + 1: no tier) and why: -1 the method,
    -2 too small, else the index of the rule that set it; and the groups too small."""

    tier: np.ndarray
    reason: np.ndarray
    small: list[tuple[str, int]]


def tier_class(
    spec: Tiers,
    total: np.ndarray,
    ranking: Ranking,
    masks: list[np.ndarray],
    ties: list[np.ndarray],
    among: list[np.ndarray],
    keys: list[np.ndarray | None],
) -> Tiered:
    """The tiers of a class's scored members (`masks`: each tier rule's condition)."""
    n, k = len(total), len(spec.order)
    ungraded = np.zeros(n, dtype=bool)
    for rule, mask in zip(spec.rule, masks, strict=True):
        ungraded |= mask if rule.ungraded else False
    base = np.ones(n, dtype=bool) if spec.ungraded_in_base else ~ungraded
    group, groups = ranking.group, len(ranking.names)
    if base.all():
        rank = ranking.rank
    else:  # the quota's ranks among the firms of the base alone
        rank = np.zeros(n, dtype=np.int64)
        by = group[base] if ranking.grouped else None
        rank[base] = tiers.rank_in_groups(total[base], by, [t[base] for t in ties])
    sizes = tiers.group_sizes(group[base], int(base.sum()), groups)
    small = sizes < spec.min_class_size if spec.method != "threshold" else np.zeros(groups, bool)
    if spec.method == "quota":
        shares = [
            list((spec.shares or {}).values()),
            *(list(s.values()) for s in spec.shares_by.values()),
        ]
        which = pd.Index(list(spec.shares_by)).get_indexer(ranking.names) + 1  # 0: `shares`
        bounds = tiers.group_bounds(sizes, shares, which, spec.rounding)
        tier = tiers.tiers_from_bounds(rank, bounds[group])
    elif spec.method == "threshold":
        tier = tiers.threshold_tiers(total, list((spec.minimum or {}).values()))
    else:
        tier = stages.stage_tiers(spec, total, group, sizes, base, among, keys, ties)
    tier, reason = tiers.apply_tier_rules(tier, masks, spec)
    untiered = small[group] & ~ungraded
    tier[untiered], reason[untiered] = k + 1, TOO_SMALL
    for i, (rule, mask) in reversed(list(enumerate(zip(spec.rule, masks, strict=True)))):
        if rule.ungraded:  # the first ungraded rule that holds gives the reason
            tier[mask], reason[mask] = k, i
    too_small = [(ranking.names[g], int(sizes[g])) for g in np.flatnonzero(small) if sizes[g]]
    return Tiered(tier, reason, too_small)


def unmatched_shares(rules: Rules, klass: EvalClass, groups: list[str]) -> pd.DataFrame:
    """A warning per `shares_by` key that matched no group of the class's firms: its shares
    were not used. A `by` of a `[[derive]]` map is checked when the rules load instead (its
    groups are known then; one may well have no firm this year)."""
    spec = klass.tiers
    map_derive = any(d.code == spec.by and d.source for d in rules.derive)
    if not spec.shares_by or not groups or map_derive:  # no firm ranked: nothing to match
        return empty_issues()
    found = [str(g) for g in groups]
    notes = [
        issue(
            "shares-by-unmatched",
            field=str(spec.by),
            value=key,
            klass=klass.label,
            group=key,
            by=label(str(spec.by)),
            groups="、".join(found) or "无",
            hint=did_you_mean(key, found),
        )
        for key in spec.shares_by  # a loop over the rules' keys, not firms
        if key not in found
    ]
    return issue_table(notes)
