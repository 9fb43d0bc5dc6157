"""Aggregation up a hierarchy of indicators and groups, as COINr's `Aggregate()` with a_amean,
a_gmean and a_hmean (R/aggregate.R), bottom up, each node from its children.

Per unit, over the children with data (NaN: no data), weights re-normalised over them:
- mean: Σ w·x / Σ w (a_amean);
- geometric: exp(Σ w·log x / Σ w) (a_gmean);
- harmonic: Σ w / Σ (w / x) (a_hmean);
- sum: Σ w·x, not re-normalised (mujun's sum class: the total is the sum of the points).
A unit with no child with data gets NaN (COINr: NA).

COINr refuses a geometric mean over a zero or negative value and a harmonic mean over a zero
(it stops the whole aggregation with an error; a negative value passes a_hmean). Ours raises
`NonPositiveError` (a ValueError) in the same cases, naming the units, so the caller can say
which units and why; normalise onto a scale above 0 (minmax lo = 1) for these means.

Weights may carry a sample axis (the uncertainty analysis): weights (S, k) give results
(S, n), each sample's row equal to the call with that row's weights alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

METHODS = ("sum", "mean", "geometric", "harmonic")


class NonPositiveError(ValueError):
    """A geometric mean over a value ≤ 0, or a harmonic mean over a 0: `rows` marks the units
    (n,), `node` the node being aggregated ("" the class total)."""

    def __init__(self, method: str, rows: np.ndarray, node: str = "") -> None:
        self.method, self.rows, self.node = method, rows, node
        what = (
            "几何平均要求各项得分大于 0" if method == "geometric" else "调和平均要求各项得分不为 0"
        )
        where = f"（{node}）" if node else ""
        super().__init__(f"{what}{where}：{int(rows.sum())} 个单位不满足")


@dataclass(frozen=True)
class Node:
    """A node of the hierarchy: an indicator (leaf) or a group. `parent` None: a top-level
    child of the class; `weight`: its weight in its parent's aggregation; `method`: how the
    node aggregates its own children (ignored for leaves)."""

    code: str
    parent: str | None
    weight: float
    method: str


def _combine(
    children: Sequence[np.ndarray],
    weights: Sequence[float | np.ndarray],
    method: str,
    node: str = "",
) -> np.ndarray:
    """Aggregate children values ((n,) or (S, n) each) with weights (scalars or (S,) each),
    one child at a time (the same arithmetic for every sample, whatever S)."""
    if method not in METHODS:
        raise ValueError(f"未知的汇总方法：{method}（可用：{'、'.join(METHODS)}）")
    top: np.ndarray | float = 0.0
    bottom: np.ndarray | float = 0.0
    seen: np.ndarray | bool = False
    bad: np.ndarray | None = None
    for value, weight in zip(children, weights, strict=True):
        v = np.asarray(value, dtype=float)
        w = np.asarray(weight, dtype=float)
        w = w[:, None] if w.ndim == 1 else w  # (S,) → (S, 1): a weight per sample
        present = ~np.isnan(v)
        if method == "geometric":
            wrong = present & (v <= 0)
        elif method == "harmonic":
            wrong = present & (v == 0)
        else:
            wrong = None
        if wrong is not None and wrong.any():
            flat = wrong if wrong.ndim == 1 else wrong.any(axis=0)
            bad = flat if bad is None else bad | flat
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            if method == "geometric":
                term = np.log(np.where(present, v, 1.0))
            elif method == "harmonic":
                term = 1.0 / np.where(present, v, 1.0)
            else:
                term = v
        top = top + w * np.where(present, term, 0.0)
        bottom = bottom + w * present
        seen = seen | present
    if bad is not None:
        raise NonPositiveError(method, bad, node)
    top_a, bottom_a = np.asarray(top, dtype=float), np.asarray(bottom, dtype=float)
    present_any = np.asarray(seen, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "sum":
            out = top_a
        elif method == "mean":
            out = top_a / bottom_a
        elif method == "geometric":
            out = np.exp(top_a / bottom_a)
        else:
            out = bottom_a / top_a
    return np.where(present_any, out, np.nan)


def aggregate(values: np.ndarray, weights: np.ndarray, method: str) -> np.ndarray:
    """Per unit, the `method` aggregate of its children's scores: values (n, k), NaN = no
    data; weights (k,) → (n,), or (S, k) → (S, n). Weights are re-normalised over the
    children with data (sum: not); a unit without data: NaN (module docstring)."""
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    if v.ndim != 2 or w.shape[-1] != v.shape[1] or w.ndim not in (1, 2):
        raise ValueError(f"汇总的形状不匹配：得分 {v.shape}，权重 {w.shape}")
    k = v.shape[1]
    if k == 0:
        shape = (v.shape[0],) if w.ndim == 1 else (w.shape[0], v.shape[0])
        return np.full(shape, np.nan)
    cols = [v[:, j] for j in range(k)]
    ws: list[float | np.ndarray] = [w[j] if w.ndim == 1 else w[:, j] for j in range(k)]
    out = _combine(cols, ws, method)
    if w.ndim == 2 and out.ndim == 1:  # every child without data: still (S, n)
        out = np.broadcast_to(out, (w.shape[0], v.shape[0])).copy()
    return out


def _order(nodes: list[Node], leaves: dict[str, np.ndarray]) -> list[str]:
    """The groups, children before parents; ValueError on an unknown parent or a cycle."""
    codes = {n.code for n in nodes}
    unknown = [n.parent for n in nodes if n.parent is not None and n.parent not in codes]
    if unknown:
        raise ValueError(f"上级节点不存在：{'、'.join(sorted({str(p) for p in unknown}))}")
    parent = {n.code: n.parent for n in nodes}
    depth: dict[str, int] = {}
    for code in parent:
        seen, at, d = {code}, parent[code], 0
        while at is not None:
            if at in seen:
                raise ValueError(f"层级中有循环：{code}")
            seen.add(at)
            at, d = parent[at], d + 1
        depth[code] = d
    groups = [n.code for n in nodes if n.code not in leaves]
    return sorted(groups, key=lambda c: -depth[c])


def aggregate_tree(
    leaves: dict[str, np.ndarray],
    nodes: list[Node],
    top_method: str,
    weights: dict[str, float | np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Every group's score and the class total ("" key), bottom up from the leaves' scores
    ((n,) each). `nodes` lists leaves and groups; a `weights` entry (a number, or (S,) per
    sample) overrides that node's weight, and then results carry the sample axis (S, n).
    A group without children with data: NaN."""
    missing = [c for c in leaves if c not in {n.code for n in nodes}]
    if missing:
        raise ValueError(f"指标不在层级中：{'、'.join(missing)}")
    weights = weights or {}
    by_code = {n.code: n for n in nodes}
    children: dict[str | None, list[str]] = {}
    for n in nodes:
        children.setdefault(n.parent, []).append(n.code)
    sizes = {np.asarray(v).shape[-1] for v in leaves.values()}
    if len(sizes) > 1:
        raise ValueError("各指标的单位数不一致")
    count = sizes.pop() if sizes else 0
    scores: dict[str, np.ndarray] = dict(leaves)

    def combine(node: str | None, method: str) -> np.ndarray:
        kids = children.get(node, [])
        if not kids:
            return np.full(count, np.nan)
        w = [weights.get(c, by_code[c].weight) for c in kids]
        return _combine([scores[c] for c in kids], w, method, node or "")

    out: dict[str, np.ndarray] = {}
    for group in _order(nodes, leaves):
        scores[group] = out[group] = combine(group, by_code[group].method)
    out[""] = combine(None, top_method)
    samples = {np.asarray(w).shape[0] for w in weights.values() if np.ndim(w) == 1}
    if samples:  # sampled weights: every result on the sample axis
        s = samples.pop()
        out = {k: np.broadcast_to(v, (s, count)).copy() for k, v in out.items()}
    return out
