"""From the samples' tiers and ranks to the `Stability` result: per firm its tier
probabilities, modal tier, rank interval and whether it is stable; per class the share stable;
per uncertain choice its first-order sensitivity for the tier changes and the rank changes.

The sensitivity's X are the independent draws behind each choice (a weight's uniform
multiplier or Dirichlet gamma component before the class's weights are rescaled, a share's
noise before clipping, the benchmark and cap choices), so that the indices are first-order
indices of independent inputs; binning a continuous X (`sensitivity.bins_of`) biases S1
slightly low."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..rules import Rules
from .draws import Draws, Options
from .sensitivity import first_order
from .stability import Stability

if TYPE_CHECKING:
    from .evaluation import Evaluation
    from .points_model import Layout
    from .sampled import Chunk


def shown_tiers(rules: Rules, lay: Layout, counts: np.ndarray) -> list[int]:
    """The output tiers given a `p_` column: the rules' tiers, 不定等级 when a tier rule can
    give it or some sample did, and 未分档 when some sample left a firm without a tier (on
    the exact path: rejected, or its class too small, under that sample's choices), so that
    each firm's probabilities add up to 1."""
    k = len(lay.tiers) - 2
    ungraded = any(r.ungraded for c in rules.classes for r in c.tiers.rule)
    shown = list(range(k))
    if ungraded or counts[:, k].any():
        shown.append(k)
    if counts[:, k + 1].any():
        shown.append(k + 1)
    return shown


MAX_RANK_CELLS = 1 << 25  # samples × firms of ranks kept for the rank interval (128 MB)


class Tally:
    """The samples' tiers and ranks, counted chunk by chunk: tier counts per firm, Y1 and Y2
    per sample, and the ranks of the first `kept` samples (all of them unless samples × firms
    exceeds MAX_RANK_CELLS; the rank interval is then of the first `kept` samples, at least
    one, which do not depend on the chunking: the memory bound holds at any size)."""

    def __init__(self, lay: Layout, samples: int) -> None:
        f = len(lay.rows)
        self.lay, self.samples = lay, samples
        self.counts = np.zeros((f, len(lay.tiers)), dtype=np.int64)
        self.y1, self.y2 = np.zeros(samples), np.zeros(samples)
        self.kept = min(samples, max(1, MAX_RANK_CELLS // max(f, 1)))
        self.ranks = np.zeros((self.kept, f), dtype=np.int32)

    def add(self, start: int, chunk: Chunk) -> None:
        """A chunk of samples `start`, `start` + 1, …"""
        s = len(chunk.tier)
        for t in range(len(self.lay.tiers)):  # a loop over tiers
            self.counts[:, t] += (chunk.tier == t).sum(axis=0)
        y1, y2 = outcomes(chunk.tier, chunk.rank, self.lay)
        self.y1[start : start + s], self.y2[start : start + s] = y1, y2
        keep = max(0, min(s, self.kept - start))
        self.ranks[start : start + keep] = chunk.rank[:keep]


def stability(
    ev: Evaluation,
    lay: Layout,
    tally: Tally,
    draws: Draws,
    options: Options,
    settings: dict[str, Any],
) -> Stability:
    """The Stability of the counted samples (the firms of `lay`)."""
    s, f = tally.samples, len(lay.rows)
    counts = tally.counts
    res = ev.results.iloc[lay.rows]
    firms: dict[str, Any] = {
        c: res[c].to_numpy() for c in ("credit_code", "name", "park", "class", "tier")
    }
    shown = shown_tiers(ev.rules, lay, counts)
    for t in shown:
        firms[f"p_{lay.tiers[t]}"] = counts[:, t] / s
    modal = np.argmax(counts, axis=1)  # ties: the better tier
    firms["modal_tier"] = np.array(lay.tiers, dtype=object)[modal]
    firms["rank"] = lay.rank
    if f and tally.kept:
        low, high = np.quantile(tally.ranks, [0.05, 0.95], axis=0, method="inverted_cdf")
    else:
        low = high = np.zeros(f)
    firms["rank_p05"] = np.asarray(low, dtype=np.int64)
    firms["rank_p95"] = np.asarray(high, dtype=np.int64)
    firms["stable"] = counts[np.arange(f), modal] >= options.threshold * s - 1e-9
    frame = pd.DataFrame(firms, index=res.index).reset_index(drop=True)
    frame["modal_tier"] = frame["modal_tier"].astype("string")
    return Stability(
        firms=frame,
        classes=_classes(ev.rules, frame),
        sensitivity=sensitivity(ev.rules, draws, tally.y1, tally.y2),
        samples=s,
        seed=options.seed,
        threshold=options.threshold,
        choices=choices(ev.rules, options, draws, tally.kept),
        settings=settings,
    )


def _classes(rules: Rules, firms: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for c in rules.classes:  # a loop over classes
        mine = firms["class"] == c.code
        n, stable = int(mine.sum()), int(firms.loc[mine, "stable"].sum())
        rows.append(
            {
                "class": c.code,
                "label": c.label,
                "firms": n,
                "stable": stable,
                "share_stable": stable / n if n else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=["class", "label", "firms", "stable", "share_stable"])


def factors(rules: Rules, draws: Draws) -> list[tuple[str, str, Any, np.ndarray]]:
    """(code, label, class, values per sample) of each sampled choice that varied. The values
    are the independent draws (`Draws.factors`, `Draws.share_noise`, the benchmark and cap
    choices), not the rescaled weights and shares: those add up to their class's total, are
    correlated, and their indices would be no first-order decomposition."""
    out: list[tuple[str, str, Any, np.ndarray]] = []
    for c in rules.classes:
        moved = draws.weights[c.code]
        w = draws.factors.get(c.code, moved)
        for k, ind in enumerate(c.indicators):
            if np.ptp(moved[:, k]) > 0:
                out.append(
                    (f"weight:{c.code}:{ind.code}", f"权重：{c.label}·{ind.label}", c.code, w[:, k])
                )
    if len(set(draws.statistic.tolist())) > 1:
        out.append(("benchmark", "基准统计量", pd.NA, draws.statistic.astype(float)))
    if len(set(draws.cap.tolist())) > 1:
        out.append(("cap", "单项得分封顶", pd.NA, draws.cap.astype(float)))
    for c in rules.classes:
        if c.code not in draws.shares:
            continue
        moved = draws.shares[c.code]
        sh = draws.share_noise.get(c.code, moved)
        for k, t in enumerate(c.tiers.order):
            if np.ptp(moved[:, k]) > 0:
                name = c.tiers.names.get(t, t)
                out.append(
                    (f"share:{c.code}:{t}", f"档次比例：{c.label}·{t}（{name}）", c.code, sh[:, k])
                )
    return out


def outcomes(tier: np.ndarray, rank: np.ndarray, lay: Layout) -> tuple[np.ndarray, np.ndarray]:
    """Per sample: Y1 the share of firms whose tier differs from the one as written, Y2 the
    mean absolute rank change."""
    if not tier.shape[1]:
        return np.zeros(len(tier)), np.zeros(len(tier))
    y1 = (tier != lay.tier[None, :]).mean(axis=1)
    y2 = np.abs(rank.astype(np.int64) - lay.rank[None, :]).mean(axis=1)
    return y1, y2


def sensitivity(rules: Rules, draws: Draws, y1: np.ndarray, y2: np.ndarray) -> pd.DataFrame:
    """One row per sampled choice: its first-order index for Y1 (s1_tier) and Y2 (s1_rank)."""
    rows = [
        {
            "factor": code,
            "label": label,
            "class": klass,
            "s1_tier": first_order(x, y1),
            "s1_rank": first_order(x, y2),
        }
        for code, label, klass, x in factors(rules, draws)
    ]
    frame = pd.DataFrame(rows, columns=["factor", "label", "class", "s1_tier", "s1_rank"])
    frame["class"] = frame["class"].astype("string")
    return frame


def choices(
    rules: Rules, options: Options, draws: Draws, rank_samples: int | None = None
) -> tuple[str, ...]:
    """What was sampled, in words, one line each (`rank_samples`: how many samples the rank
    interval used, said when fewer than all)."""
    lines = [
        f"抽样{options.samples}次，随机种子{options.seed}；某企业的众数档次在不少于{options.threshold:.0%}的抽样中出现即为稳定"
    ]
    if options.weights == "uniform" and options.weight_noise > 0:
        lo, hi = 1 - options.weight_noise, 1 + options.weight_noise
        lines.append(
            f"权重：每项权重乘以[{lo:g}, {hi:g}]区间内均匀分布的随机数，再按比例缩放至本类权重合计"
        )
    elif options.weights == "dirichlet":
        lines.append(
            f"权重：按狄利克雷分布抽样（集中度{options.concentration:g}，均值为规则所定权重），"
            "合计为本类权重合计"
        )
    else:
        lines.append("权重：按规则所定，不抽样")
    if len(draws.statistics) > 1:
        names = {"mean": "平均值", "median": "中位数", "pooled": "合计口径（Σ分子/Σ分母）"}
        lines.append(
            "基准统计量：每次抽样在"
            + "、".join(names[s] for s in draws.statistics)
            + "中等概率取一种，用于所有以统计量为基准的指标（合计口径仅用于比值型指标）"
        )
    if options.cap:
        lines.append(
            "封顶：每次抽样以1/2概率保留或取消单项得分封顶（越低越好的比值法指标保留封顶）"
        )
    if options.shares > 0:
        lines.append(
            f"档次比例：各档比例各自加减[0, {options.shares:g}]以内的均匀随机数，"
            "截去负值后按比例缩放至合计不变"
        )
    if rank_samples is not None and rank_samples < options.samples:
        lines.append(
            f"排名区间（5%至95%分位）仅按前{rank_samples}次抽样计算：企业数与抽样次数之积超出内存上限；"
            "档次概率与是否稳定按全部抽样计算"
        )
    return tuple(lines)
