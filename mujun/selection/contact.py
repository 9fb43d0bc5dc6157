"""The key-firm contact list (重点企业包保名单): eligibility, key-firm score, park quotas, reasons
in words and the 三年倍增 target.

Eligible: in the evaluation year, 规上, evaluated (not exempt, deferred or rejected), not hit by a
veto (a tier rule with `veto = true`) of its class, and with every part of the score defined. Each
part is a percentile among eligible firms (0 = lowest, 100 = highest, ties share the average):
contribution = mean of the tax-share and revenue-share percentiles, growth = the revenue trend's,
competitiveness = the 亩均 total score's. key_score = Σ weight × part / Σ weight.

Quotas: `proportional` gives park p round(size × eligible_p / eligible) by largest remainders
(ties to the larger park, then the name), so they add up to size exactly; or fixed numbers. Within
a park firms are taken by falling key score, then credit code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from ..engine.evaluation import MISSING_GROUP
from ..errors import DataError
from ..rules.selection import Doubling, Selection, Weights
from ..rules.tiers import UNGRADED, UNGRADED_LABEL
from .text import number, percent

PARTS = ("contribution", "growth", "competitiveness")


def eligibility(table: pd.DataFrame, latest: pd.DataFrame, weights: Weights) -> pd.Series:
    """Why each firm of the growth table cannot be a key firm ('' when it can), first reason.
    A veto is the one the evaluation recorded for the firm (`veto_reason`)."""
    n = len(table)
    why = np.full(n, "", dtype=object)

    def rule_out(mask: np.ndarray, text: str | np.ndarray) -> None:
        hit = mask & (why == "")
        why[hit] = text if isinstance(text, str) else text[hit]

    present = table["revenue"].notna().to_numpy() | latest["credit_code"].notna().to_numpy()
    rule_out(~present, "评价年度无数据")
    scale = table["above_scale"].astype("boolean")
    rule_out(scale.isna().to_numpy(), "是否规上未填")
    rule_out(~scale.fillna(True).to_numpy(dtype=bool), "非规上企业")
    status = table["status"].fillna("").to_numpy(dtype=object)
    rule_out(status != "evaluated", "评价年度未参评")
    veto = table["veto_reason"].astype("string")  # decided once, by the evaluation
    vetoed = veto.notna().to_numpy(dtype=bool)
    words = veto.fillna("").to_numpy(dtype=object)
    prefixed = np.where(pd.Series(words).str.startswith("一票否决"), words, "一票否决：" + words)
    rule_out(vetoed, prefixed.astype(object))
    needs = {
        "contribution": ("tax_share", "revenue_share"),
        "growth": ("trend_revenue",),
        "competitiveness": ("total_score",),
    }
    for part, names in needs.items():
        if getattr(weights, part) > 0:
            for name in names:
                rule_out(table[name].isna().to_numpy(), f"{_PART_TEXT[part]}无法计算（{name}缺失）")
    return pd.Series(pd.array(why, dtype="string"))


_PART_TEXT = {"contribution": "贡献", "growth": "成长性", "competitiveness": "竞争力"}


def percentile(x: np.ndarray) -> np.ndarray:
    """0–100 percentile of each value among the defined ones (ties share the average rank; a
    single value: 100); a missing value stays missing."""
    out = np.full(len(x), np.nan)
    known = np.isfinite(x)
    m = int(known.sum())
    if m == 1:
        out[known] = 100.0
    elif m > 1:
        out[known] = 100.0 * (rankdata(x[known], method="average") - 1.0) / (m - 1.0)
    return out


def key_scores(table: pd.DataFrame, eligible: np.ndarray, selection: Selection) -> pd.DataFrame:
    """The three parts and the key score of each eligible firm (NaN for the others)."""
    n = len(table)
    idx = np.flatnonzero(eligible)
    out = pd.DataFrame(index=range(n), columns=[*PARTS, "key_score"], dtype=float)

    def pct(name: str) -> np.ndarray:
        return percentile(table[name].to_numpy(dtype=float)[idx])

    parts = {
        "contribution": (pct("tax_share") + pct("revenue_share")) / 2.0,
        "growth": pct("trend_revenue"),
        "competitiveness": pct("total_score"),
    }
    w = selection.weights
    total = np.zeros(len(idx))
    for part in PARTS:  # a part of weight 0 is shown but does not count (it may be missing)
        out.loc[idx, part] = parts[part]
        if getattr(w, part) > 0:
            total += getattr(w, part) * parts[part]
    out.loc[idx, "key_score"] = total / (w.contribution + w.growth + w.competitiveness)
    return out


def park_quotas(parks: pd.Series, selection: Selection) -> pd.Series:
    """Places per park (index: park) for the eligible firms' parks; see the module docstring."""
    counts = parks.value_counts().sort_index()
    size, eligible = selection.size, int(counts.sum())
    if isinstance(selection.park_quota, dict):
        unknown = sorted(set(selection.park_quota) - set(counts.index))
        short = {
            p: (q, int(counts.get(p, 0)))
            for p, q in selection.park_quota.items()
            if q > counts.get(p, 0)
        }
        if short:
            detail = "；".join(f"{p}：名额{q}家，符合条件{e}家" for p, (q, e) in short.items())
            hint = (
                f"（规则中的园区“{'、'.join(unknown)}”不在数据中，请核对名称）" if unknown else ""
            )
            raise DataError(f"园区名额多于符合条件的企业：{detail}{hint}")
        return pd.Series(
            {p: int(selection.park_quota.get(p, 0)) for p in counts.index}, dtype=np.int64
        )
    if size > eligible:
        raise DataError(
            f"符合条件的重点企业只有{eligible}家，少于包保名单的{size}家"
            "（请调小 selection.size，或核对规上与参评情况）"
        )
    exact = size * counts.to_numpy(dtype=float) / eligible
    base = np.floor(exact).astype(np.int64)
    remainder = exact - base
    names = counts.index.to_numpy(dtype=object)
    order = np.lexsort((names, -counts.to_numpy(), -np.round(remainder, 12)))
    base[order[: size - int(base.sum())]] += 1
    return pd.Series(base, index=counts.index, dtype=np.int64)


def choose(
    table: pd.DataFrame, scores: pd.DataFrame, why_not: pd.Series, selection: Selection
) -> tuple[pd.DataFrame, pd.Series]:
    """The contact list (positions in `table`, park, rank in park and quota, in list order) and
    the places of every park with eligible firms (0 included)."""
    eligible = (why_not == "").to_numpy()
    idx = np.flatnonzero(eligible)
    parks = table["park"].fillna(MISSING_GROUP).iloc[idx]
    quotas = park_quotas(parks.reset_index(drop=True), selection)
    frame = pd.DataFrame(
        {
            "position": idx,
            "park": parks.to_numpy(dtype=object),
            "key_score": scores["key_score"].to_numpy()[idx],
            "credit_code": table["credit_code"].to_numpy(dtype=object)[idx],
        }
    )
    frame = frame.sort_values(
        ["park", "key_score", "credit_code"], ascending=[True, False, True], kind="stable"
    )
    frame["rank_in_park"] = frame.groupby("park").cumcount() + 1
    frame["quota"] = frame["park"].map(quotas).to_numpy(dtype=np.int64)
    chosen = frame[frame["rank_in_park"] <= frame["quota"]]
    chosen = chosen.sort_values(
        ["key_score", "credit_code"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)
    return chosen, quotas


def reasons(
    table: pd.DataFrame,
    scores: pd.DataFrame,
    chosen: pd.DataFrame,
    selection: Selection,
    years: tuple[int, ...],
) -> np.ndarray:
    """Why each chosen firm is on the list, in words: each part at or above the `strength`
    percentile as a strength with the firm's own figures (growth only when the trend is upward),
    then its score and place in its park."""
    at = chosen["position"].to_numpy()
    row, part = table.iloc[at], scores.iloc[at]
    bar = 100.0 * selection.strength
    texts: list[tuple[np.ndarray, np.ndarray]] = [
        (
            (part["contribution"] >= bar).to_numpy(),
            "贡献大：实缴税金占全县"
            + percent(row["tax_share"])
            + "、营业收入占全县"
            + percent(row["revenue_share"])
            + "（贡献分位"
            + number(part["contribution"], 0)
            + "）",
        ),
        (
            (part["growth"] >= bar).to_numpy() & (row["trend_revenue"] > 0).to_numpy(),
            f"成长性好：{years[0]}—{years[-1]}年营业收入趋势增速"
            + percent(row["trend_revenue"], 1)
            + "（成长分位"
            + number(part["growth"], 0)
            + "）",
        ),
        (
            (part["competitiveness"] >= bar).to_numpy(),
            "竞争力强：亩均效益综合得分"
            + number(row["total_score"], 1)
            + "，"
            + _tier_words(row["tier"])
            + "（竞争力分位"
            + number(part["competitiveness"], 0)
            + "）",
        ),
        (
            np.ones(len(at), dtype=bool),
            "入选分"
            + number(chosen["key_score"], 1)
            + "，在"
            + _park_words(chosen["park"])
            + "符合条件企业中居第"
            + chosen["rank_in_park"].astype(str).to_numpy(dtype=object)
            + "位（名额"
            + chosen["quota"].astype(str).to_numpy(dtype=object)
            + "家）",
        ),
    ]
    out = np.full(len(at), "", dtype=object)
    for mask, text in texts:
        out[mask] = np.where(out[mask] == "", text[mask], out[mask] + "；" + text[mask])
    return out


def _park_words(parks: pd.Series) -> np.ndarray:
    """A park's name for a reason; firms with no park are 'firms without a park'."""
    text = parks.to_numpy(dtype=object)
    return np.where(text == MISSING_GROUP, "未填园区的", text).astype(object)


def required_growth(d: Doubling) -> float:
    """The growth a year that reaches `factor` × in `years` years (2× in 3: 26.0 %)."""
    return float(d.factor ** (1.0 / d.years) - 1.0)


def doubling(
    table: pd.DataFrame, chosen: pd.DataFrame, selection: Selection, year: int
) -> pd.DataFrame:
    """三年倍增 of each chosen firm: its target, the growth it needs, where its trend leads."""
    d = selection.doubling
    at = chosen["position"].to_numpy()
    base = table["revenue"].to_numpy(dtype=float)[at]
    trend = table["trend_revenue"].to_numpy(dtype=float)[at]
    required = required_growth(d)
    projected = base * (1.0 + trend) ** d.years
    on_track = pd.array(trend >= required - 1e-12, dtype="boolean")
    on_track[np.isnan(trend)] = pd.NA  # no trend: cannot tell
    return pd.DataFrame(
        {
            "doubling_base": base,
            "doubling_year": year + d.years,
            "doubling_target": base * d.factor,
            "required_growth": required,
            "projected_revenue": projected,
            "on_track": on_track,
        }
    )


def _tier_words(tier: pd.Series) -> np.ndarray:
    """'A类', '不定等级' (a firm a rule left without a grade) or '未分档' (a class too small)."""
    text = tier.astype("string")
    words = (text.fillna("") + "类").to_numpy(dtype=object)
    words[(text == UNGRADED).fillna(False).to_numpy(dtype=bool)] = UNGRADED_LABEL
    words[text.isna().to_numpy(dtype=bool)] = "未分档"
    return words
