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
COINr aggregates level by level (iMeta's Level); ours node by node, children before parents,
which is the same for a tree. COINr's dat_thresh (a minimum share of children with data) is
not offered: any child with data gives a score.

Weights may carry a sample axis (the uncertainty analysis): weights (S, k) give results
(S, n), each sample's row equal (to rounding) to the call with that row's weights alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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


def _terms(v: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """A child's term of the sums (0 where it has no data), where it has data (None: all
    units have), and where its value is one the method refuses (None: nowhere)."""
    missing = np.isnan(v)
    present = None if not missing.any() else ~missing
    if method == "geometric":
        wrong = v <= 0
    elif method == "harmonic":
        wrong = v == 0
    else:
        wrong = None
    if wrong is not None and not wrong.any():
        wrong = None
    if method in ("sum", "mean"):
        term = v if present is None else np.where(present, v, 0.0)
        return term, present, None
    usable = ~missing if wrong is None else ~missing & ~wrong
    safe = v if usable.all() else np.where(usable, v, 1.0)
    term = np.log(safe) if method == "geometric" else 1.0 / safe
    if present is not None:
        term[missing] = 0.0
    return term, present, wrong


def _present(mask: np.ndarray | None, count: int) -> np.ndarray:
    return np.ones(count, dtype=bool) if mask is None else mask


def _combine(
    children: Sequence[np.ndarray],
    weights: Sequence[float | np.ndarray],
    method: str,
    node: str = "",
) -> np.ndarray:
    """Aggregate children values ((n,) or (S, n) each) with weights (scalars or (S,) each).
    The children without a sample axis go through one matrix product (weights (S, k) × terms
    (k, n)), those with one are added one at a time."""
    if method not in METHODS:
        raise ValueError(f"未知的汇总方法：{method}（可用：{'、'.join(METHODS)}）")
    values = [np.asarray(c, dtype=float) for c in children]
    ws = [np.asarray(w, dtype=float) for w in weights]
    if len(values) != len(ws):
        raise ValueError("汇总的子项与权重个数不一致")
    parts = [_terms(v, method) for v in values]
    wrong = [p[2] if p[2].ndim == 1 else p[2].any(axis=0) for p in parts if p[2] is not None]
    if wrong:
        raise NonPositiveError(method, np.logical_or.reduce(wrong), node)
    samples = {w.shape[0] for w in ws if w.ndim == 1}
    if len(samples) > 1:
        raise ValueError("各权重的抽样次数不一致")
    flat = [j for j, v in enumerate(values) if v.ndim == 1]
    count = values[0].shape[-1] if values else 0
    top: np.ndarray | float = 0.0
    bottom: np.ndarray | float = 0.0
    seen: Any = False  # any child with data: False, True, or a mask
    if flat:
        terms = np.stack([parts[j][0] for j in flat])
        present = np.stack([_present(parts[j][1], count) for j in flat])
        if any(ws[j].ndim == 1 for j in flat):
            s = next(iter(samples)) if samples else 1
            w_flat = np.column_stack([np.broadcast_to(ws[j], (s,)) for j in flat])
        else:
            w_flat = np.array([float(ws[j]) for j in flat])
        top = w_flat @ terms
        bottom = w_flat @ present.astype(float)
        seen = present.any(axis=0)
    for j, v in enumerate(values):
        if v.ndim == 1:
            continue
        w = ws[j][:, None] if ws[j].ndim == 1 else ws[j]  # (S,) → (S, 1): a weight per sample
        term, present_j, _ = parts[j]
        add = w * term
        if isinstance(top, np.ndarray) and top.shape == add.shape:
            top += add  # in place: (S, n) arrays are large
        else:
            top = top + add
        bottom = bottom + (w if present_j is None else w * present_j)
        seen = True if present_j is None else seen | present_j
    top_a, bottom_a = np.asarray(top, dtype=float), np.asarray(bottom, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if method == "sum":
            out = top_a
        elif method == "mean":
            out = top_a / bottom_a
        elif method == "geometric":
            out = np.exp(top_a / bottom_a)
        else:
            out = bottom_a / top_a
    seen_a = np.asarray(seen, dtype=bool)
    return out if seen_a.all() else np.where(seen_a, out, np.nan)


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
    ((n,) each, or (S, n) when they differ per sample). `nodes` lists leaves and groups; a
    `weights` entry (a number, or (S,) per sample) overrides that node's weight, and then
    results carry the sample axis (S, n). A group without children with data: NaN."""
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
        out = {
            k: v if v.shape == (s, count) else np.broadcast_to(v, (s, count)).copy()
            for k, v in out.items()
        }
    return out
