"""Stage tiers (`method = "stages"`, 安阳 2018): each stage takes, among the firms not yet
placed for which its condition holds, a number of them by its own ordering; the rest get `rest`.

A stage's number is `count`, or `share` × the graded firms of the class (of the group, with
`by`) rounded half-up. Firms tied in a stage's ordering at its boundary share the better tier:
when the stage's tier is better than `rest` the whole tie is taken (the stage may hold a few
more), when it is worse none of the tie is (it may hold a few fewer). `tie_break` orders the
tie first; `pick = "lowest"` takes from the low end of the ordering. A missing ordering value is
never picked ahead of a present one.

Raising a firm's total does not always improve its stage tier: that depends on the stages'
conditions and orderings (安阳's: moving into the top half can only turn C into A or B).
"""

from __future__ import annotations

import numpy as np

from ..rules import Tiers
from .tiers import TIE_DECIMALS, half_up, ranks


def stage_tiers(
    spec: Tiers,
    total: np.ndarray,
    group: np.ndarray,
    sizes: np.ndarray,
    base: np.ndarray,
    among: list[np.ndarray],
    keys: list[np.ndarray | None],
    ties: list[np.ndarray],
) -> np.ndarray:
    """Tier positions of the firms in `base` (others: `rest`, overwritten by the caller).

    group: group number per firm; sizes: graded firms per group; among, keys: each stage's
    condition and ordering values per firm (None: by total score)."""
    order = spec.order
    rest = order.index(str(spec.rest))
    tier = np.full(len(total), rest, dtype=np.int64)
    open_ = base.copy()
    unique, back = np.unique(sizes, return_inverse=True)
    for stage, mask, key in zip(spec.stage, among, keys, strict=True):  # a loop over stages
        idx = np.flatnonzero(open_ & mask)
        if not len(idx):
            continue
        if stage.count is not None:
            need = np.full(len(sizes), stage.count, dtype=np.int64)
        else:
            share = float(stage.share or 0.0)
            need = np.asarray([half_up(share, int(n)) for n in unique], dtype=np.int64)
            need = need[np.ravel(back)]
        values = np.round(np.asarray(total if key is None else key, dtype=float)[idx], TIE_DECIMALS)
        sign = -1.0 if stage.pick == "highest" else 1.0
        columns = [sign * values, *(sign * np.asarray(t, dtype=float)[idx] for t in ties)]
        low, high = ranks(columns, group[idx])
        position = order.index(stage.tier)
        reach = low if position < rest else high
        take = idx[reach <= need[group[idx]]]
        tier[take] = position
        open_[take] = False
    return tier
