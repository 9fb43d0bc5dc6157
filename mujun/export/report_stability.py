"""The 稳定性 section of 报告.html: per class the share of firms whose tier is stable, a bar of
tier probabilities for the least stable firms, and the sensitivity table (a Stability)."""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

from ..engine.evaluation import EXTRA_TIERS
from ..engine.stability import Stability
from . import styles
from .report_page import cell, note, table
from .report_svg import legend
from .stability_sheet import reading, sampled, sensitivity_rows

ANCHOR = "stability"
NAV_ITEM = (ANCHOR, "档次稳定性")
HEADING = "八、档次稳定性（不确定性分析）"
BARS_SHOWN = 30  # unstable firms drawn, the least stable first


def stability_section(stability: Stability) -> str:
    """The section's body (escaped HTML)."""
    labels = dict(zip(stability.classes["class"], stability.classes["label"], strict=True))
    c = stability.classes
    classes = table(
        ["类别", "有档次的企业", "稳定", "稳定占比"],
        (
            [cell(str(label)), cell(int(n), "{:,}"), cell(int(s), "{:,}"), cell(float(p), "{:.1%}")]
            for label, n, s, p in zip(
                c["label"], c["firms"], c["stable"], c["share_stable"], strict=True
            )
        ),
        table_id="stability-classes",
    )
    rows = sensitivity_rows(stability, labels)
    sensitivity = table(
        ["抽样内容", "类别", "档次变动敏感性", "排名变动敏感性"],
        ([cell(a), cell(b), cell(t, "{:.3f}"), cell(r, "{:.3f}")] for a, b, t, r in rows),
        table_id="stability-sensitivity",
    )
    return (
        note(reading(stability))
        + note(sampled(stability))
        + "<h3>各类别档次稳定的企业</h3>"
        + classes
        + "<h3>档次不稳定的企业：各档次的样本占比</h3>"
        + _unstable_bars(stability, labels)
        + "<h3>敏感性指数（一阶）</h3>"
        + (sensitivity if rows else note("没有抽样的设定，无敏感性指数。"))
    )


def _unstable_bars(stability: Stability, labels: dict[str, str]) -> str:
    """One bar per unstable firm (the lowest modal share first, at most BARS_SHOWN), split by
    the share of samples giving each tier."""
    firms = stability.firms
    tiers = stability.tiers()
    unstable = firms[~firms["stable"].astype(bool)]
    if not len(unstable):
        return note("全部企业的档次都稳定。")
    p = unstable[[f"p_{t}" for t in tiers]].to_numpy(dtype=float)
    order = np.argsort(p.max(axis=1), kind="stable")[:BARS_SHOWN]
    shown = unstable.iloc[order]
    p = p[order]
    names = shown["name"].astype("string").fillna(shown["credit_code"].astype("string")).astype(str)
    klass = shown["class"].map(labels).fillna(shown["class"]).astype(str)
    graded = [t for t in tiers if t not in EXTRA_TIERS]  # 未分档 and 不定等级 grey, not last red
    colours = [styles.CHART_COLOURS[styles.tier_colour(t, graded)] for t in tiers]
    svg = _bars(list(names), list(klass), p, tiers, colours)
    more = len(unstable) - len(shown)
    tail = note(f"另有{more}家档次不稳定的企业未画出，见稳定性分析工作簿。") if more > 0 else ""
    return svg + tail


def _bars(
    names: list[str], classes: list[str], p: np.ndarray, tiers: list[str], colours: list[str]
) -> str:
    width, name_w, bar_h, gap, top = 680, 190, 18, 6, 8
    inner = width - name_w - 20
    height = top + len(names) * (bar_h + gap) + 34
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="档次不稳定企业的档次概率">'
    ]
    for i, (name, klass) in enumerate(zip(names, classes, strict=True)):
        y = top + i * (bar_h + gap)
        short = name if len(name) <= 13 else name[:12] + "…"
        out.append(
            f'<text class="name" x="{name_w - 8}" y="{y + bar_h * 0.7:.1f}" text-anchor="end">'
            f"{escape(short)}<title>{escape(name)}（{escape(klass)}）</title></text>"
        )
        left = float(name_w)
        for j, tier in enumerate(tiers):
            share = float(p[i, j])
            if not share > 0:
                continue
            w = share * inner
            out.append(
                f'<rect class="seg" x="{left:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                f'fill="#{colours[j]}"><title>{escape(name)} {escape(tier)}：{share:.0%}'
                "</title></rect>"
            )
            if w >= 34:
                out.append(
                    f'<text class="in-bar" x="{left + w / 2:.1f}" y="{y + bar_h * 0.7:.1f}" '
                    f'text-anchor="middle">{escape(tier)} {share:.0%}</text>'
                )
            left += w
    legend_y = top + len(names) * (bar_h + gap) + 18
    out += legend(tiers, colours, float(name_w), legend_y)
    out.append("</svg>")
    return "".join(out)


def stable_share_line(stability: Stability) -> list[str]:
    """Per class one line for the terminal: firms, stable share."""
    c = stability.classes
    return [
        f"{label}：{int(n)}家有档次，档次稳定{int(s)}家（{float(p):.1%}）"
        for label, n, s, p in zip(
            c["label"], c["firms"], c["stable"], c["share_stable"], strict=True
        )
        if not pd.isna(p)
    ]
