"""The model the fast path samples from (`sampled.Model`), built from a few quiet evaluations:
per variant, every ranked member's item points at weight 1 and 2 give a + b × weight.

`build` returns None where the fast path would not be exact — a variant whose statuses or
classes differ from the evaluation as written, points not affine in the weight, tier
expressions that read fields of merged units (the lead was tiered on the unit's summed
figures, which the Evaluation does not keep), or the as-written choices not giving the
evaluation's own tiers and ranks — and the caller evaluates every sample in full instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..rules import EvalClass, Rules
from ..rules.composite import group_method
from ..rules.tiers import UNGRADED
from . import hierarchy
from .again import evaluate_again, given_table
from .composite import class_nodes
from .evaluation import STATUSES
from .sampled import Carry, Linear, Model, read_names, tier_chunk
from .units_of import groups_of, largest

if TYPE_CHECKING:
    from .evaluation import Evaluation

NONE = "未分档"  # the output tier index of "no tier" (a class too small)
EVALUATED = STATUSES.index("evaluated")


@dataclass(frozen=True)
class Layout:
    """The analysed firms (results rows `rows`: evaluated, with a tier), the output's tiers
    (the rules' tiers best first, U, then no tier), and each firm's tier index and rank as
    written."""

    rows: np.ndarray
    tiers: list[str]
    tier: np.ndarray
    rank: np.ndarray


def layout(ev: Evaluation) -> Layout:
    """Which rows the analysis reports and the tiers it counts."""
    res = ev.results
    done = (res["status"] == "evaluated").to_numpy()
    tier = res["tier"].astype(object)
    rows = np.flatnonzero(done & tier.notna().to_numpy())
    tiers = [*dict.fromkeys(t for c in ev.rules.classes for t in c.tiers.order), UNGRADED, NONE]
    index = {t: i for i, t in enumerate(tiers)}
    written = np.array([index[t] for t in tier.to_numpy()[rows]], dtype=np.int16)
    rank = res["rank"].to_numpy(dtype=np.int64, na_value=0)[rows].astype(np.int32)
    return Layout(rows, tiers, written, rank)


def weighted(rules: Rules, weight: float) -> Rules:
    """A copy of the rules with every weight `weight` (not validated: for the points model)."""
    classes = [
        c.model_copy(
            update={"indicators": [i.model_copy(update={"weight": weight}) for i in c.indicators]}
        )
        for c in rules.classes
    ]
    return rules.model_copy(update={"classes": classes})


def _same_placing(a: Evaluation, b: Evaluation) -> bool:
    ra, rb = a.results, b.results
    same_status = np.array_equal(ra["status"].cat.codes, rb["status"].cat.codes)
    return same_status and bool(
        (ra["class"].astype(object).fillna("") == rb["class"].astype(object).fillna("")).all()
    )


def _followers(ev: Evaluation, done: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's unit lead (itself when alone) and the members that are not their lead."""
    n = len(done)
    lead = np.arange(n)
    if "unit" not in ev.results:
        return lead, np.zeros(n, dtype=bool)
    ids, groups = groups_of(ev.results["unit"].to_numpy(dtype=object, na_value=None))
    eligible = done & (ids >= 0)
    leads = largest(ids, eligible, np.asarray(ev.column("land_mu"), dtype=float), groups)
    lead[eligible] = leads[ids[eligible]]
    return lead, eligible & (lead != np.arange(n))


def _carry(
    ev: Evaluation, lay: Layout, done: np.ndarray, lead: np.ndarray, follower: np.ndarray
) -> Carry:
    n = len(done)
    col = np.full(n, -1, dtype=np.int64)
    col[lay.rows] = np.arange(len(lay.rows))
    at = np.flatnonzero(follower)
    keep = (col[at] >= 0) & (col[lead[at]] >= 0)
    to, src = col[at[keep]], col[lead[at[keep]]]
    tenant = owner = np.zeros(0, dtype=np.int64)
    allowed = np.zeros((0, len(lay.tiers)), dtype=bool)
    by = ev.rules.units.follow
    if by is not None:  # as units_of.follow finds each tenant's owner
        ids, groups = groups_of(ev.column(by))
        land = np.asarray(ev.column("land_owned_mu"), dtype=float)
        owns = (ids >= 0) & (land > 0)
        owner_of = largest(ids, owns, land, groups)
        is_tenant = (ids >= 0) & ~owns & done
        own = np.where(is_tenant, owner_of[np.maximum(ids, 0)], -1)
        t = np.flatnonzero(is_tenant & (own >= 0) & (col >= 0))
        t = t[col[own[t]] >= 0]
        tenant, owner = col[t], col[own[t]]
        klass = ev.results["class"].astype(object).to_numpy()
        allowed = np.zeros((len(t), len(lay.tiers)), dtype=bool)
        for c in ev.rules.classes:  # a loop over classes
            mine = klass[t] == c.code
            allowed[np.ix_(mine, [lay.tiers.index(x) for x in c.tiers.order])] = True
    return Carry(to, src, tenant, owner, allowed)


def build(
    ev: Evaluation,
    found: list[tuple[str | None, bool]],
    rules_of: dict[tuple[str | None, bool], Rules],
) -> tuple[Model, Layout] | None:
    """The fast path's model over the variants `found` (rules of each in `rules_of`), or None
    where it would not be exact."""
    lay = layout(ev)
    res = ev.results
    n = len(res)
    done = (res["status"] == "evaluated").to_numpy()
    lead, follower = _followers(ev, done)
    table = given_table(ev)
    per_variant = []
    for i, variant in enumerate(found):  # a loop over variants (≤ 6)
        rules = rules_of[variant]
        one = evaluate_again(ev, table, weighted(rules, 1.0), quiet=True)
        two = evaluate_again(ev, table, weighted(rules, 2.0), quiet=True)
        if not (_same_placing(ev, one) and _same_placing(ev, two)):
            return None
        # the first variant at weight 3 too: the points must be a + b × weight
        third = evaluate_again(ev, table, weighted(rules, 3.0), quiet=True) if i == 0 else None
        per_variant.append((one.results, two.results, None if third is None else third.results))
    klass = res["class"].astype(object).to_numpy()
    multiplier = res["multiplier"].to_numpy(dtype=float) if "multiplier" in res else np.ones(n)
    points = res["adjust_points"].to_numpy(dtype=float)
    col = np.full(n, -1, dtype=np.int64)
    col[lay.rows] = np.arange(len(lay.rows))
    classes = []
    for c in ev.rules.classes:  # a loop over classes
        rows = np.flatnonzero(done & (klass == c.code) & ~follower)
        codes = tuple(i.code for i in c.indicators)
        a = np.zeros((len(found), len(codes), len(rows)))
        b = np.zeros_like(a)
        for v, (at1, at2, at3) in enumerate(per_variant):
            for k, code in enumerate(codes):  # a loop over indicators
                p1 = at1[f"score_{code}"].to_numpy(dtype=float)[rows]
                p2 = at2[f"score_{code}"].to_numpy(dtype=float)[rows]
                # a score without data stays NaN (a), with no slope (b = 0): it adds nothing
                # to a sum and a mean re-normalises over the children with data
                gone = np.isnan(p1) & np.isnan(p2)
                a[v, k] = 2.0 * p1 - p2
                b[v, k] = np.where(gone, 0.0, p2 - p1)
                if at3 is not None:
                    p3 = at3[f"score_{code}"].to_numpy(dtype=float)[rows]
                    got = a[v, k] + 3.0 * b[v, k]
                    if not np.allclose(got, p3, rtol=1e-9, atol=1e-9, equal_nan=True):
                        return None  # not affine in the weight
        spec = c.tiers
        by = None
        if spec.by:
            numbered = ev.columns.groups(spec.by)
            field = np.asarray(ev.column(spec.by))
            by = field[rows] if numbered is None else (numbered[0][rows], numbered[1])
        read = read_names(spec)
        if read and follower.any():
            return None  # a unit's lead was tiered on the unit's figures, not its own
        fields = {name: np.asarray(ev.column(name))[rows] for name in read}
        values = {code: res[f"value_{code}"].to_numpy(dtype=float)[rows] for code in codes}
        tree = None
        if c.aggregate != "sum":  # the weights act in the aggregation: scores must not move
            if np.any(b != 0):
                return None
            tree = (_nodes(c), c.aggregate)
        pillars = None
        if c.groups:  # tier expressions may read a group's score: computed per sample
            pillars = (_nodes(c) if tree is not None else class_nodes(c), c.aggregate)
        tier_of = np.array(
            [*(lay.tiers.index(t) for t in spec.order), len(lay.tiers) - 2, len(lay.tiers) - 1],
            dtype=np.int16,
        )
        classes.append(
            Linear(
                c.code,
                spec,
                codes,
                col[rows],
                a,
                b,
                multiplier[rows],
                points[rows],
                tier_of,
                by,
                fields,
                values,
                tree,
                pillars,
            )
        )
    model = Model(
        ev.rules,
        tuple(classes),
        _carry(ev, lay, done, lead, follower),
        len(lay.rows),
        len(lay.tiers),
    )
    return (model, lay) if _reproduces(ev, model, lay) else None


def _nodes(c: EvalClass) -> list[hierarchy.Node]:
    """The class's hierarchy as `composite.Chain` builds it (groups, then indicators)."""
    nodes = [hierarchy.Node(g.code, g.parent, g.weight, group_method(c, g)) for g in c.groups]
    return nodes + [hierarchy.Node(i.code, i.parent, i.weight, "") for i in c.indicators]


def _reproduces(ev: Evaluation, model: Model, lay: Layout) -> bool:
    """Whether the as-written choices (variant 0 must be the rules as written) give the
    evaluation's own tiers and ranks."""
    weights = {c.code: np.array([[i.weight for i in c.indicators]]) for c in ev.rules.classes}
    shares = {
        c.code: np.array([list((c.tiers.shares or {}).values())])
        for c in ev.rules.classes
        if c.tiers.method == "quota" and c.tiers.shares
    }
    chunk = tier_chunk(model, weights, np.zeros(1, dtype=np.int64), shares)
    return bool(np.array_equal(chunk.tier[0], lay.tier) and np.array_equal(chunk.rank[0], lay.rank))
