"""A class's scored members ranked and tiered into the run (`evaluate` calls it once per
class): the names tier rules and stages read, the ranking and tiers of `placing`, the tier
labels and reasons, the too-small and unmatched-share issues, and each veto, decided once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..fields import label
from ..issues import issue, issue_table
from ..rules import EvalClass
from ..rules.compiled import tier_name
from ..rules.tiers import UNGRADED, UNGRADED_LABEL
from . import placing

if TYPE_CHECKING:
    from .evaluate import _Run


def tier_class(run: _Run, klass: EvalClass, idx: np.ndarray, total: np.ndarray) -> None:
    """Rank and tier the scored members at `idx` (see `placing` and `tiers`)."""
    spec = klass.tiers

    def indicator(kind: str, code: str) -> np.ndarray:  # score_<code> / value_<code>
        if code in run.composite.groups:  # a group (pillar): its value is its score
            return run.composite.groups[code][idx]
        if kind == "score":
            return run.scores[code][idx]
        rows, values = run.values[code][-1]  # this class's, appended last
        return values[np.searchsorted(rows, idx)]

    def field(name: str) -> np.ndarray:
        return np.asarray(run.columns[name])[idx]

    by: np.ndarray | tuple[np.ndarray, list[str]] | None = None
    if spec.by:
        numbered = run.columns.groups(spec.by)  # a map derive's groups: no text hashed again
        by = field(spec.by) if numbered is None else (numbered[0][idx], numbered[1])
    ties = [
        np.asarray(indicator(*name.split("_", 1)) if tier_name(name) else field(name), dtype=float)
        for name in spec.tie_break
    ]
    ranking = placing.rank_class(total, by, ties)
    names = placing.TierColumns(total, ranking, indicator, field)
    n = len(idx)
    masks = [r.when.condition(names, n) for r in spec.rule]
    among = [s.among.condition(names, n) if s.among else np.ones(n, bool) for s in spec.stage]
    keys = [s.order(names, n).astype(float) if s.order else None for s in spec.stage]
    done = placing.tier_class(spec, total, ranking, masks, ties, among, keys)
    run.rank[idx] = ranking.rank
    order = list(spec.order)
    run.tier.put(idx, done.tier, [*order, UNGRADED, None])
    labels = [spec.names.get(t) for t in order]
    run.tier_label.put(idx, done.tier, [*labels, UNGRADED_LABEL, None])
    untiered = f"本类（组）参评企业少于 {spec.min_class_size} 家，不分档"
    reasons: list[str | None] = [spec.reason, *(r.reason for r in spec.rule), untiered]
    run.tier_reason.put(
        idx, np.where(done.reason == placing.TOO_SMALL, len(reasons) - 1, done.reason + 1), reasons
    )
    where = f"（{label(spec.by)}“{{}}”组）" if spec.by else ""
    fill: dict[str, Any] = {"klass": klass.label, "minimum": spec.min_class_size}
    small = (
        issue("class-too-small", group=where.format(g), firms=f, **fill) for g, f in done.small
    )
    run.issues.append(issue_table(small))
    run.issues.append(placing.unmatched_shares(run.rules, klass, ranking.names))
    veto = np.full(n, -1)  # each veto decided here, once: the first veto rule that holds
    for i, (rule, mask) in enumerate(zip(spec.rule, masks, strict=True)):
        if rule.veto:
            veto[mask & (veto < 0)] = i
    run.veto.put(idx, veto + 1, [None, *(r.reason for r in spec.rule)])
