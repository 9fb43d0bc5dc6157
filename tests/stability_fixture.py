"""A Stability made by hand from an Evaluation, for the output tests (the csv, the 稳定性 sheet,
the report, the command): fixed, known numbers, independent of the uncertainty engine."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mujun.engine.evaluation import Evaluation
from mujun.engine.stability import STABLE_SHARE, Stability

CHOICES = ("各项指标权重：在规则值的 ±20% 内均匀抽样", "基准值：平均值、中位数或合计比值之一")


def made_stability(ev: Evaluation, samples: int = 10, seed: int = 1, **_: Any) -> Stability:
    """Every tiered firm: its own tier with probability 1, except each third firm, which gets
    0.6 of its tier and 0.4 of the next tier down (the best one for the last tier): unstable.
    Rank interval: rank − 1 … rank + 2 for the unstable ones, rank … rank otherwise."""
    order: list[str] = []
    for c in ev.rules.classes:
        order += [t for t in c.tiers.order if t not in order]
    r = ev.results
    firms = r[r["tier"].isin(order)].reset_index(drop=True)
    n = len(firms)
    tier = firms["tier"].astype(str).to_numpy()
    place = np.array([order.index(t) for t in tier])
    other = np.where(place + 1 < len(order), place + 1, 0)
    shaky = np.arange(n) % 3 == 2
    p = np.zeros((n, len(order)))
    p[np.arange(n), place] = np.where(shaky, 0.6, 1.0)
    p[np.arange(n), other] += np.where(shaky, 0.4, 0.0)
    rank = pd.to_numeric(firms["rank"]).to_numpy(dtype=float)
    out = firms[["credit_code", "name", "park", "class", "tier"]].copy()
    for k, t in enumerate(order):
        out[f"p_{t}"] = p[:, k]
    out["modal_tier"] = tier
    out["rank"] = rank
    out["rank_p05"] = np.where(shaky, np.maximum(rank - 1, 1), rank)
    out["rank_p95"] = np.where(shaky, rank + 2, rank)
    out["stable"] = ~shaky
    labels = {c.code: c.label for c in ev.rules.classes}
    grouped = out.groupby("class", sort=False)["stable"]
    classes = pd.DataFrame(
        {
            "class": list(grouped.groups),
            "label": [labels[c] for c in grouped.groups],
            "firms": grouped.size().to_numpy(),
            "stable": grouped.sum().to_numpy(),
        }
    )
    classes["share_stable"] = classes["stable"] / classes["firms"]
    first = ev.rules.classes[0]
    sensitivity = pd.DataFrame(
        {
            "factor": ["benchmark", f"weight:{first.code}:{first.indicators[0].code}", "cap"],
            "label": ["基准值统计量", f"{first.label}·{first.indicators[0].label}权重", "封顶"],
            "class": [pd.NA, first.code, pd.NA],
            "s1_tier": [0.1, 0.55, 0.02],
            "s1_rank": [0.2, 0.6, 0.01],
        }
    )
    return Stability(
        firms=out,
        classes=classes,
        sensitivity=sensitivity,
        samples=samples,
        seed=seed,
        threshold=STABLE_SHARE,
        choices=CHOICES,
        settings={"samples": samples, "seed": seed, "weight_noise": 0.2},
    )
