"""Tiers and ranks of many samples at once, from each class's item points as a + b × weight.

A class's `Linear` model holds, per discrete variant (benchmark statistic × cap), every ranked
member's item points at weight 0 (`a`: a penalty for a missing value) and per unit of weight
(`b`), for the members the class ranks, with what its tier expressions read. `tier_chunk` takes
a chunk of samples: totals are one vectorised product per variant and indicator (samples ×
members), then each sample is ranked and tiered with the engine's own `placing.rank_class` and
`placing.tier_class` — a loop over samples, never over firms — so that ties, tie-breaks, `by`
groups, tier rules, stages and too-small classes mean exactly what they mean in `evaluate`.
In a mean/geometric/harmonic class an indicator's score (0–100) does not depend on its weight:
the sampled weights act in `hierarchy.aggregate_tree` instead, one row per sample.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..rules import Rules, Tiers
from ..rules.compiled import tier_name
from . import hierarchy, placing

OWN_NAMES = frozenset({"total_score", "rank", "rank_pct"})


@dataclass(frozen=True)
class Linear:
    """One class: its ranked members (`rows`, positions in the results; `out`, their column in
    the output, −1 when not shown) and the points model per variant (V, k, m)."""

    code: str
    spec: Tiers
    indicators: tuple[str, ...]
    out: np.ndarray
    a: np.ndarray
    b: np.ndarray
    multiplier: np.ndarray
    points: np.ndarray
    tier_of: np.ndarray  # the class's tier position (order…, U, none) → the output's tier index
    by: np.ndarray | tuple[np.ndarray, list[str]] | None = None
    fields: dict[str, np.ndarray] = field(default_factory=dict)  # what tier expressions read
    values: dict[str, np.ndarray] = field(default_factory=dict)  # value_<code>
    tree: tuple[list[hierarchy.Node], str] | None = None  # a mean/geometric/harmonic class
    pillars: tuple[list[hierarchy.Node], str] | None = None  # its groups' hierarchy, if any

    def group_scores(self, variant: int, weights: np.ndarray) -> dict[str, np.ndarray]:
        """One sample's group scores (m,) each, as `composite.Chain` computes them: in a
        mean class from the scores with the sampled weights, in a sum class the sums of the
        sampled points (an item without data adding nothing)."""
        if self.pillars is None:
            return {}
        nodes, top = self.pillars
        if self.tree is not None:
            leaves = {code: self.a[variant, i] for i, code in enumerate(self.indicators)}
            sampled: dict[str, float | np.ndarray] = {
                code: float(weights[i]) for i, code in enumerate(self.indicators)
            }
            return hierarchy.aggregate_tree(leaves, nodes, top, sampled)
        leaves = {
            code: np.nan_to_num(self.a[variant, i] + self.b[variant, i] * weights[i], nan=0.0)
            for i, code in enumerate(self.indicators)
        }
        return hierarchy.aggregate_tree(leaves, nodes, top)

    def totals(self, variant: int, weights: np.ndarray) -> np.ndarray:
        """(s, m) totals of `s` samples of one variant, summed in indicator order as
        `evaluate` sums them (so that equal totals stay equal)."""
        if self.tree is not None:  # scores on 0–100, weights in the aggregation only
            nodes, top = self.tree
            leaves = {code: self.a[variant, i] for i, code in enumerate(self.indicators)}
            sampled = {code: weights[:, i] for i, code in enumerate(self.indicators)}
            aggregated = hierarchy.aggregate_tree(leaves, nodes, top, dict(sampled))[""]
            total = np.asarray(aggregated, dtype=float).reshape(len(weights), -1)
            return total * self.multiplier[None, :] + self.points[None, :]
        total = np.zeros((len(weights), self.a.shape[2]))
        for i in range(len(self.indicators)):  # a loop over indicators
            item = self.a[variant, i][None, :] + self.b[variant, i][None, :] * weights[:, i, None]
            total += np.nan_to_num(item, nan=0.0)  # an item without data adds nothing
        return total * self.multiplier[None, :] + self.points[None, :]


@dataclass(frozen=True)
class Carry:
    """How the output's columns beyond the ranked members get their tier and rank: unit members
    copy their lead's (`to` ← `src`), tenants take their owner's tier where the owner's tier is
    one of their class's (`allowed` tenants × output tiers)."""

    to: np.ndarray
    src: np.ndarray
    tenant: np.ndarray
    owner: np.ndarray
    allowed: np.ndarray


@dataclass(frozen=True)
class Model:
    """Everything a chunk of samples needs (picklable: sent to worker processes)."""

    rules: Rules
    classes: tuple[Linear, ...]
    carry: Carry
    firms: int  # output columns
    tiers: int  # output tier indices (the rules' tiers, U, then "none")


@dataclass(frozen=True)
class Chunk:
    """Per sample of a chunk (rows) and output firm (columns): tier index and rank."""

    tier: np.ndarray
    rank: np.ndarray


def tier_chunk(
    model: Model,
    weights: dict[str, np.ndarray],
    variant: np.ndarray,
    shares: dict[str, np.ndarray],
) -> Chunk:
    """Tiers and ranks of the chunk's samples (`weights[class]` (s, k), `variant` (s,),
    `shares[class]` (s, tiers) for quota classes)."""
    s = len(variant)
    tier = np.full((s, model.firms), model.tiers - 1, dtype=np.int16)
    rank = np.zeros((s, model.firms), dtype=np.int32)
    with model.rules.fields_in_use():
        for linear in model.classes:  # a loop over classes
            _class_chunk(linear, weights[linear.code], variant, shares.get(linear.code), tier, rank)
    c = model.carry
    if len(c.to):
        tier[:, c.to] = tier[:, c.src]
        rank[:, c.to] = rank[:, c.src]
    if len(c.tenant):
        theirs = tier[:, c.owner]
        fits = np.take_along_axis(
            np.broadcast_to(c.allowed[None], (s, *c.allowed.shape)),
            theirs.astype(np.int64)[:, :, None],
            axis=2,
        )[:, :, 0]
        tier[:, c.tenant] = np.where(fits, theirs, tier[:, c.tenant])
    return Chunk(tier, rank)


def _class_chunk(
    linear: Linear,
    weights: np.ndarray,
    variant: np.ndarray,
    shares: np.ndarray | None,
    tier: np.ndarray,
    rank: np.ndarray,
) -> None:
    shown = linear.out >= 0
    cols = linear.out[shown]
    for v in np.unique(variant):  # a loop over the variants (≤ 6)
        which = np.flatnonzero(variant == v)
        totals = linear.totals(int(v), weights[which])
        for j, s in enumerate(which):  # a loop over samples
            share = None if shares is None else shares[s]
            local, ranks = tier_sample(linear, int(v), weights[s], totals[j], share)
            tier[s, cols] = linear.tier_of[local[shown]]
            rank[s, cols] = ranks[shown]


def tier_sample(
    linear: Linear,
    variant: int,
    weights: np.ndarray,
    total: np.ndarray,
    shares: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """One sample of one class: its tier positions and ranks, as `tiering.tier_class`
    computes them."""
    spec = linear.spec
    if shares is not None:
        spec = spec.model_copy(
            update={"shares": dict(zip(spec.order, shares.tolist(), strict=True))}
        )
    codes = {c: i for i, c in enumerate(linear.indicators)}
    groups: dict[str, np.ndarray] = {}

    def indicator(kind: str, code: str) -> np.ndarray:
        if code not in codes:  # a group (pillar): its value is its score, as `evaluate` reads it
            if not groups:
                groups.update(linear.group_scores(variant, weights))
            return groups[code]
        if kind == "score":
            i = codes[code]
            return linear.a[variant, i] + linear.b[variant, i] * weights[i]
        return linear.values[code]

    def read(name: str) -> np.ndarray:
        return linear.fields[name]

    ties = [
        np.asarray(indicator(*name.split("_", 1)) if tier_name(name) else read(name), dtype=float)
        for name in spec.tie_break
    ]
    ranking = placing.rank_class(total, linear.by, ties)
    names = placing.TierColumns(total, ranking, indicator, read)
    n = len(total)
    masks = [r.when.condition(names, n) for r in spec.rule]
    among = [st.among.condition(names, n) if st.among else np.ones(n, bool) for st in spec.stage]
    keys = [st.order(names, n).astype(float) if st.order else None for st in spec.stage]
    done = placing.tier_class(spec, total, ranking, masks, ties, among, keys)
    return done.tier, ranking.rank


def read_names(spec: Tiers) -> set[str]:
    """The fields (not the ranking's names, scores or values) the class's tiers read."""
    exprs = [r.when for r in spec.rule]
    exprs += [e for st in spec.stage for e in (st.among, st.order) if e is not None]
    names = {n for e in exprs for n in e.names}
    names |= set(spec.tie_break)
    return {n for n in names if n not in OWN_NAMES and tier_name(n) is None}
