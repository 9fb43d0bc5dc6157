"""Clusters of growth profiles (成长画像分群), with a stable order and Chinese labels.

Features are put on comparable scales first: shares as ln(share / the median firm's share),
rates as ln(1 + rate) (the log growth), volatility as it is. They are scaled robustly (median and
interquartile range) and clipped at ±CLIP, so a handful of giant firms cannot own a cluster.
k-means with a fixed seed is fitted for each k in the rules' range and the k with the best
silhouette (on a fixed sample) wins, ties going to the smaller k. Rows are in credit-code order,
so the same firms in any row order give the same clusters.

Each centre is turned back into the features' units and labelled by the rules' thresholds, the
first that holds: 下滑预警型 (trend at or below `decline`), 高成长型 / 高贡献高成长型 (at or above
`high_growth`), 波动型 (volatility at or above `high_volatility`), 高贡献稳健型 (revenue share at
or above `high_contribution` × the median firm's), else 平稳型. Clusters are numbered by
LABEL_ORDER (高贡献高成长型 first, 下滑预警型 last), then by falling centre growth. Two clusters
with one label are told apart by their widest gap (平稳型（波动较大）, 平稳型（波动较小）); three or
more get （1）, （2）, ….
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..rules.selection import Clusters

CLIP = 6.0
N_INIT = 4
UNCLUSTERED = "未分群（数据不足或不为正）"
LABEL_ORDER = ("高贡献高成长型", "高成长型", "高贡献稳健型", "平稳型", "波动型", "下滑预警型")
_SHARES = ("revenue_share", "tax_share")


@dataclass(frozen=True)
class ClusterResult:
    """`cluster` (1..k, NA when not clustered) and `label` per firm, aligned with the growth table;
    `centres`: one row per cluster (cluster, label, firms and the centre in the features' units);
    `silhouettes`: the silhouette of each k tried; `k`: the number chosen (0: none)."""

    cluster: pd.Series
    label: pd.Series
    centres: pd.DataFrame
    silhouettes: dict[int, float]
    k: int


def cluster_profiles(table: pd.DataFrame, settings: Clusters) -> ClusterResult:
    """Cluster the firms of a growth table whose chosen features are all defined."""
    from sklearn.cluster import KMeans  # imported here: scikit-learn takes a second to load
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import RobustScaler

    n = len(table)
    features: list[str] = list(settings.features)
    X = _transform(table, features)
    ok = np.isfinite(X).all(axis=1)
    rows = np.flatnonzero(ok)
    cluster = pd.Series(pd.array([pd.NA] * n, dtype="Int64"))
    label = pd.Series(pd.array([UNCLUSTERED] * n, dtype="string"))
    empty = pd.DataFrame(columns=["cluster", "label", "firms", *features])
    distinct = len(np.unique(X[rows], axis=0)) if len(rows) else 0
    ks = [k for k in range(settings.min, settings.max + 1) if k < distinct]
    if not ks:
        return ClusterResult(cluster, label, empty, {}, 0)
    scaler = RobustScaler(unit_variance=False).fit(X[rows])
    Z = np.clip(scaler.transform(X[rows]), -CLIP, CLIP)
    best: tuple[float, int, Any] | None = None
    silhouettes: dict[int, float] = {}
    sample = min(settings.sample, len(rows))
    for k in ks:  # a loop over the candidate numbers of clusters
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = KMeans(n_clusters=k, n_init=N_INIT, random_state=settings.seed).fit(Z)
        if len(np.unique(model.labels_)) < 2:
            continue
        score = float(
            silhouette_score(Z, model.labels_, sample_size=sample, random_state=settings.seed)
        )
        silhouettes[k] = score
        if best is None or score > best[0] + 1e-12:
            best = (score, k, model)
    if best is None:
        return ClusterResult(cluster, label, empty, silhouettes, 0)
    _, k, model = best
    centres = pd.DataFrame(
        _untransform(scaler.inverse_transform(model.cluster_centers_), features), columns=features
    )
    centres["firms"] = np.bincount(model.labels_, minlength=k)
    centres["label"] = [_label(c, settings) for c in centres.to_dict("records")]
    centres["_order"] = centres["label"].map({t: i for i, t in enumerate(LABEL_ORDER)})
    order = centres.sort_values(
        ["_order", "trend_revenue", "revenue_share"], ascending=[True, False, False], kind="stable"
    ).index
    number = np.empty(k, dtype=np.int64)
    number[order.to_numpy()] = np.arange(1, k + 1)
    centres["cluster"] = number
    centres = centres.sort_values("cluster").drop(columns="_order").reset_index(drop=True)
    centres["label"] = _unique_labels(centres, settings)
    cluster.iloc[rows] = number[model.labels_]
    label.iloc[rows] = centres["label"].to_numpy()[number[model.labels_] - 1]
    centres = centres[["cluster", "label", "firms", *features]]
    return ClusterResult(cluster, label, centres, silhouettes, k)


def _transform(table: pd.DataFrame, features: list[str]) -> np.ndarray:
    """The clustering space: ln(share / median positive share), ln(1 + rate), volatility as is."""
    out = np.empty((len(table), len(features)))
    for j, name in enumerate(features):  # a loop over features
        x = table[name].to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            if name in _SHARES:
                positive = x[x > 0]
                median = float(np.median(positive)) if len(positive) else 1.0
                out[:, j] = np.where(x > 0, np.log(np.where(x > 0, x, 1.0) / median), np.nan)
            elif name == "volatility_revenue":
                out[:, j] = x
            else:  # a rate: -100 % (all sales lost) has no log, and is not clustered
                out[:, j] = np.where(x > -1, np.log1p(np.where(x > -1, x, 0.0)), np.nan)
    return out


def _untransform(centres: np.ndarray, features: list[str]) -> np.ndarray:
    """Centres back in readable units: shares as multiples of the median firm's, rates as rates."""
    out = centres.copy()
    for j, name in enumerate(features):
        if name in _SHARES:
            out[:, j] = np.exp(centres[:, j])
        elif name != "volatility_revenue":
            out[:, j] = np.expm1(centres[:, j])
    return out


def _label(centre: dict[str, float], s: Clusters) -> str:
    """The label of one centre (revenue_share as a multiple of the median firm's share)."""
    growth, vol, share = (
        centre["trend_revenue"],
        centre["volatility_revenue"],
        centre["revenue_share"],
    )
    if growth <= s.decline:
        return "下滑预警型"
    if growth >= s.high_growth:
        return "高贡献高成长型" if share >= s.high_contribution else "高成长型"
    if vol >= s.high_volatility:
        return "波动型"
    return "高贡献稳健型" if share >= s.high_contribution else "平稳型"


# how two clusters with one label differ, in words: feature, its scale, higher, lower
_APART = (
    ("trend_revenue", "high_growth", "增速较高", "增速较低"),
    ("volatility_revenue", "high_volatility", "波动较大", "波动较小"),
    ("revenue_share", "high_contribution", "规模较大", "规模较小"),
)


def _unique_labels(centres: pd.DataFrame, s: Clusters) -> list[str]:
    """Labels told apart where two clusters share one: by the feature in which their centres
    differ most for its threshold (平稳型（波动较大）/ 平稳型（波动较小）); three or more sharing
    a label are numbered （1）, （2）… in cluster order."""
    labels = centres["label"].tolist()
    out = list(labels)
    for text in dict.fromkeys(labels):  # a loop over labels
        at = [i for i, t in enumerate(labels) if t == text]
        if len(at) == 2:
            a, b = (centres.iloc[i] for i in at)
            gaps = [
                abs(np.log(a[f] / b[f])) / np.log(max(s.high_contribution, 2.0))
                if f == "revenue_share"
                else abs(a[f] - b[f]) / abs(getattr(s, scale))
                for f, scale, _, _ in _APART
            ]
            f, _, higher, lower = _APART[int(np.argmax(gaps))]
            up = a[f] >= b[f]
            out[at[0]] = f"{text}（{higher if up else lower}）"
            out[at[1]] = f"{text}（{lower if up else higher}）"
        elif len(at) > 2:
            for k, i in enumerate(at, 1):
                out[i] = f"{text}（{k}）"
    return out
