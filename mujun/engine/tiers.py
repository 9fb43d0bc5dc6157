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

Groups (`by`): ranks, quotas and stage counts are taken within each group of the class; a
member with no value of the field is in a group of its own, "（未分组）". `tie_break` orders
equal totals by further numbers (higher first, a missing one last); firms equal in all of them
still share a rank.

Small classes (stated rule): cumulative half-up counts give a class of one firm under 20/40/35/5
no A (round(0.2 × 1) = 0, round(0.6 × 1) = 1: the firm is B), and a class of two firms a B and a
C (round(0.4) = 0, round(1.2) = 1, round(1.9) = 2). A class or group with fewer graded firms than
`min_class_size` (default 1) gets no quota tier at all: its firms are evaluated, scored and
ranked, with tier NA and the reason said, and an issue `class-too-small` names the class.

No grade (`ungraded`): such firms are scored and ranked with the others (rank and rank_pct
count them) but are outside the quota base: the quota is taken over the graded firms alone.
With `ungraded_in_base = true` they count in the base instead, and the others keep the tiers
they would have had with them graded. Tier rules do not move an ungraded firm.
"""

from __future__ import annotations

import itertools
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from ..rules import Tiers

TIE_DECIMALS = 9  # totals equal to 1e-9 are ties (sums in another order may differ in the last bit)
_ROUNDING = {"half_up": ROUND_HALF_UP, "floor": ROUND_FLOOR, "ceil": ROUND_CEILING}
NO_GROUP = "（未分组）"


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
    if rounding == "largest_remainder":
        return largest_remainder(n, shares)
    out: list[int] = []
    cum = Decimal(0)
    for share in shares:
        cum += Decimal(str(share))
        out.append(int((cum * n).to_integral_value(rounding=_ROUNDING[rounding])))
    out[-1] = n
    return out


def largest_remainder(n: int, shares: list[float]) -> list[int]:
    """Cumulative counts by largest remainders: each tier gets the whole part of share × n,
    the firms left over go one each to the tiers with the largest fractional parts (equal
    parts: the better tier first)."""
    quotas = [Decimal(str(s)) * n for s in shares]
    counts = [int(q) for q in quotas]
    left = n - sum(counts)
    by_part = sorted(range(len(quotas)), key=lambda k: (-(quotas[k] - counts[k]), k))
    for k in by_part[:left]:
        counts[k] += 1
    out = list(itertools.accumulate(counts))
    out[-1] = n
    return out


def half_up(share: float, n: int) -> int:
    """round(share × n), halves up, in exact decimals (a stage's count)."""
    return int((Decimal(str(share)) * n).to_integral_value(rounding=ROUND_HALF_UP))


def group_codes(values: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Group number per firm and the groups' names; a missing value is the group NO_GROUP."""
    plain = values.dtype.kind in "fiub"  # numbers factorize fast as they are
    codes, uniques = pd.factorize(values if plain else pd.Series(values, dtype=object))
    names = [_group_name(u) for u in uniques]
    if (codes < 0).any():
        codes = np.where(codes < 0, len(names), codes)
        names.append(NO_GROUP)
    return codes.astype(np.int64), names


def numbered_groups(index: np.ndarray, names: list[str]) -> tuple[np.ndarray, list[str]]:
    """As `group_codes`, from group numbers already known (a map derive's; -1: no group):
    only the groups present are kept, numbered in the order of `names`."""
    present = np.bincount(index + 1, minlength=len(names) + 1) > 0
    kept = np.flatnonzero(present[1:])
    renumber = np.full(len(names) + 1, -1, dtype=np.int64)
    renumber[kept + 1] = np.arange(len(kept))
    out_names = [str(names[k]) for k in kept]
    codes = renumber[index + 1]
    if present[0]:
        codes = np.where(codes < 0, len(out_names), codes)
        out_names.append(NO_GROUP)
    return codes, out_names


def _group_name(value: object) -> str:
    """A group's name: a whole number without its '.0' (industry_division 29, not 29.0)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def ranks(keys: list[np.ndarray], group: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(smallest, largest) competition rank of each firm within its group, sorting by `keys`
    ascending (the first key first; NaN last; values equal to TIE_DECIMALS are equal). Firms
    equal in every key share the ranks of their run: the smallest is what `rank` reports, the
    largest says where the run ends.

    Sorted by the first key alone (the fast integer sort of `_sorted`), then stably by group;
    only the firms tied on the first key are ranked again by the other keys, within their run."""
    n = len(keys[0])
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    primary = np.asarray(keys[0], dtype=float)
    order, ordered = _sorted(np.where(np.isnan(primary), np.inf, primary))
    first = np.empty(n, dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    del ordered
    pos = np.arange(n)
    offset = np.zeros(n, dtype=np.int64)
    if group is not None:
        small = group.astype(np.int16) if group.max(initial=0) < 2**15 else group
        order = order[np.argsort(small[order], kind="stable")]
        ordered_group = group[order]
        new = np.append(True, ordered_group[1:] != ordered_group[:-1])
        first[:] = new
        ordered_key = primary[order]
        first[1:] |= ~_same(ordered_key[1:], ordered_key[:-1])
        offset = np.maximum.accumulate(np.where(new, pos, 0))
    start = np.maximum.accumulate(np.where(first, pos, 0))
    last = np.append(first[1:], True)
    end = np.minimum.accumulate(np.where(last, pos, n)[::-1])[::-1]
    low, high = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    low[order] = start - offset + 1
    high[order] = end - offset + 1
    if len(keys) > 1:
        tied = (end - start) > 0  # firms sharing their first key with another
        if tied.any():
            rows = order[tied]
            run = np.cumsum(first)[tied]
            sub_low, sub_high = ranks([np.asarray(k)[rows] for k in keys[1:]], run - run.min())
            low[rows] = (start - offset)[tied] + sub_low
            high[rows] = (start - offset)[tied] + sub_high
    return low, high


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Equal to TIE_DECIMALS, NaN equal to NaN (both sort last)."""
    equal = np.round(a, TIE_DECIMALS) == np.round(b, TIE_DECIMALS)
    return np.asarray(equal | (np.isnan(a) & np.isnan(b)), dtype=bool)


def rank_in_groups(
    total: np.ndarray, group: np.ndarray | None = None, ties: list[np.ndarray] | None = None
) -> np.ndarray:
    """Competition rank by total (higher first) within each group, equal totals ordered by
    `ties` (higher first)."""
    if group is None and not ties:
        return rank_scores(total)
    key = -np.round(np.asarray(total, dtype=float), TIE_DECIMALS)
    return ranks([key, *(-np.asarray(t, dtype=float) for t in ties or [])], group)[0]


def group_sizes(group: np.ndarray | None, n: int, groups: int = 0) -> np.ndarray:
    """Firms per group (one entry per group; one group when there are none)."""
    if group is None:
        return np.array([n], dtype=np.int64)
    return np.bincount(group, minlength=groups).astype(np.int64)


def group_bounds(
    sizes: np.ndarray, shares: list[list[float]], which: np.ndarray, rounding: str
) -> np.ndarray:
    """Cumulative counts (groups × tiers): group g has sizes[g] firms and the shares
    shares[which[g]]; computed once per distinct (size, shares)."""
    pairs, back = np.unique(np.stack([sizes, which]), axis=1, return_inverse=True)
    table = np.asarray(
        [cumulative_counts(int(n), shares[int(w)], rounding) for n, w in pairs.T],
        dtype=np.int64,
    ).reshape(pairs.shape[1], len(shares[0]))
    return table[np.ravel(back)]


def tiers_from_bounds(rank: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Tier position per firm: how many of its group's cumulative counts are below its rank
    (`bounds` one row per firm)."""
    tier = np.zeros(len(rank), dtype=np.int64)
    for k in range(bounds.shape[1] - 1):  # a loop over the tiers
        tier += bounds[:, k] < rank
    return tier


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
