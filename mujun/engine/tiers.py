"""Ranks and tiers: quota and threshold tiers, then vetoes, protections and forced tiers.

Tiers are handled as integer positions in the class's tier order (0 = best).

Quota rounding (documented rule): with firms ranked by total score, the cumulative count of tier
k is round(S_k × n), S_k the cumulative share of tiers 0..k, rounded as the rules say (half_up by
default, computed in exact decimals). A firm takes the first tier whose cumulative count reaches
its rank. Equal scores share the smaller rank, so a tie that straddles a boundary joins the
better tier together (that tier may then hold a few more firms than its quota).

Tier rules apply after the quota, in this precedence: protections (at_least), then vetoes
(at_most), then forced tiers (force) — a veto beats a protection, `force` beats both. A moved
firm does not shift anyone else: the other firms keep their quota tiers, so after a veto the
better tiers may hold fewer firms than their quota (the bureau publishes the counts as they are).
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

import numpy as np

from ..rules import Tiers

TIE_DECIMALS = 9  # totals equal to 1e-9 are ties (sums in another order may differ in the last bit)
_ROUNDING = {"half_up": ROUND_HALF_UP, "floor": ROUND_FLOOR, "ceil": ROUND_CEILING}


def rank_scores(total: np.ndarray) -> np.ndarray:
    """1 = best; equal scores (to TIE_DECIMALS) share the smaller rank (competition ranking,
    as scipy's rankdata(method="min") of the negated scores)."""
    n = len(total)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    key = -np.round(np.asarray(total, dtype=float), TIE_DECIMALS)
    order, ranked = _sorted(key)
    first = np.empty(n, dtype=bool)  # the first of each run of equal scores
    first[0] = True
    np.not_equal(ranked[1:], ranked[:-1], out=first[1:])
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.maximum.accumulate(np.where(first, np.arange(1, n + 1), 0))
    return rank


def _sorted(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(order, something ordered as key[order]) for keys rounded to TIE_DECIMALS.

    Such a key is a whole number of steps of 10**-TIE_DECIMALS. When the steps between the
    smallest and largest key fit beside the row numbers in 64 bits, (steps << bits) | row is
    sorted as plain integers: numpy's vectorised integer sort is many times faster than its
    argsort on millions of values, and the order of equal keys, the only difference, does not
    change a competition rank."""
    n = len(key)
    bits = max((n - 1).bit_length(), 1)
    if np.isfinite(key).all():
        steps = np.rint(key * 10.0**TIE_DECIMALS)
        low = steps.min()
        if steps.max() - low < 2.0 ** (63 - bits):
            steps -= low
            packed = steps.astype(np.uint64)
            del steps
            packed <<= np.uint64(bits)
            packed |= np.arange(n, dtype=np.uint64)
            packed.sort()
            order = (packed & np.uint64((1 << bits) - 1)).astype(np.intp)
            packed >>= np.uint64(bits)
            return order, packed
    order = np.argsort(key)
    return order, key[order]


def cumulative_counts(n: int, shares: list[float], rounding: str = "half_up") -> list[int]:
    """Cumulative firm counts per tier for n ranked firms (last is always n)."""
    out: list[int] = []
    cum = Decimal(0)
    for share in shares:
        cum += Decimal(str(share))
        out.append(int((cum * n).to_integral_value(rounding=_ROUNDING[rounding])))
    out[-1] = n
    return out


def quota_tiers(rank: np.ndarray, shares: list[float], rounding: str = "half_up") -> np.ndarray:
    """Tier position per firm from its rank (ties share a rank, hence a tier)."""
    bounds = np.asarray(cumulative_counts(len(rank), shares, rounding))
    return np.searchsorted(bounds, rank, side="left").astype(np.int64)


def threshold_tiers(total: np.ndarray, minimums: list[float]) -> np.ndarray:
    """Tier position: the first tier whose minimum the score reaches; else the last tier."""
    key = np.round(np.asarray(total, dtype=float), TIE_DECIMALS)
    met = np.stack([key >= m for m in minimums]) if minimums else np.zeros((0, len(key)), bool)
    first = np.argmax(np.vstack([met, np.ones((1, len(key)), bool)]), axis=0)
    return first.astype(np.int64)


def base_tiers(total: np.ndarray, rank: np.ndarray, spec: Tiers) -> np.ndarray:
    """Tier positions by the class's method, before tier rules."""
    if spec.method == "quota":
        return quota_tiers(rank, list((spec.shares or {}).values()), spec.rounding)
    return threshold_tiers(total, list((spec.minimum or {}).values()))


def apply_tier_rules(
    tier: np.ndarray, masks: list[np.ndarray], spec: Tiers
) -> tuple[np.ndarray, np.ndarray]:
    """Apply the class's tier rules (masks in rule order); returns tiers and the rule that set
    each firm's tier (-1: none moved it)."""
    order = spec.order
    tier = tier.copy()
    moved_by = np.full(len(tier), -1, dtype=np.int64)
    for kind in ("at_least", "at_most", "force"):
        for i, rule in enumerate(spec.rule):
            rule_kind, label = rule.action
            if rule_kind != kind:
                continue
            target = order.index(label)
            if kind == "at_least":
                hit = masks[i] & (tier > target)
            elif kind == "at_most":
                hit = masks[i] & (tier < target)
            else:
                hit = masks[i] & (tier != target)
            tier[hit] = target
            moved_by[hit] = i
    return tier, moved_by
