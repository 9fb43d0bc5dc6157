"""The key-firm sheets of the internal workbook: 包保名单 (the contact list with reasons,
commissioner and 三年倍增 target) and 培育库 (the cultivation lists). They show what
`KeyFirms` holds; nothing is computed here but the words of the notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from openpyxl.workbook import Workbook

from . import styles
from .layout import Header, number_style, text_style, write_frame
from .xlsx import Body, Column, NumberColumn, TextColumn, clean, line_heights

if TYPE_CHECKING:  # the type only: export reads what KeyFirms holds
    from ..selection import KeyFirms
from .xlsx import width as fit

REASON_WIDTH = 50.0  # reasons wrap within this width
KEY_SHEET = "包保名单"
WATCH_SHEET = "培育库"


def add_key_firm_sheet(wb: Workbook, kf: KeyFirms, *, title: str) -> Body:
    """One row per key firm in list order: identity, growth type, score and parts, reasons,
    commissioner, and the 三年倍增 target with whether the trend reaches it."""
    s, c = kf.rules.selection, kf.contact_list
    ws = wb.create_sheet(KEY_SHEET)
    w = s.weights
    quotas = "、".join(f"{p}{q}家" for p, q in kf.quotas.items())
    d, last = s.doubling, kf.years[-1]
    needed = kf.required_growth
    notes = [
        f"名单{len(c)}家（园区名额：{quotas}）；入选分 = 贡献×{w.contribution:g} + "
        f"成长×{w.growth:g} + 竞争力×{w.competitiveness:g}（权重合计归一），"
        "各项为符合条件企业中的百分位（0～100）",
        f"三年倍增：以{last}年营业收入为基数，{last + d.years}年达到{d.factor:g}倍，"
        f"年均需增长{needed:.1%}；“按趋势预计”用{kf.years[0]}—{last}年营业收入趋势增速推算",
        _cluster_note(kf),
    ]
    text = {
        "统一社会信用代码": clean(c["credit_code"]),
        "企业名称": clean(c["name"]),
        "园区": clean(c["park"]),
        "行业代码": clean(c["industry_code"]),
        "成长类型": clean(c["cluster_label"]),
        "入选理由": clean(c["reasons"]),
        "首席服务专员": clean(c["commissioner"]),
        "分配说明": clean(c["assignment_note"]),
        "按趋势能否倍增": clean(c["on_track"].map({True: "能", False: "不能"}).fillna("无法判断")),
    }
    headers = [Header("序号"), *(Header(h) for h in list(text)[:5])]
    headers += [Header("入选分", h) for h in ("合计", "贡献", "成长", "竞争力")]
    headers += [Header(h) for h in ("入选理由", "首席服务专员", "分配说明")]
    headers += [
        Header("三年倍增", h)
        for h in (
            "基期营业收入（万元）",
            "目标年度",
            "目标营业收入（万元）",
            "按趋势预计（万元）",
            "按趋势能否倍增",
        )
    ]
    reason_width = _fit("入选理由", text["入选理由"], REASON_WIDTH)
    widths = [
        6.0,
        *(_fit(h, text[h]) for h in list(text)[:5]),
        9,
        9,
        9,
        9,
        reason_width,
        _fit("首席服务专员", text["首席服务专员"]),
        12,
        14,
        9,
        14,
        14,
        9,
    ]
    frame = write_frame(
        ws, title=title, notes=notes, headers=headers, widths=widths, n_rows=len(c), freeze_cols=3
    )
    money = number_style(ws, styles.MONEY, alignment=styles.RIGHT_MIDDLE)
    score = number_style(ws, "0.0", alignment=styles.RIGHT_MIDDLE)
    integer = number_style(ws, styles.INTEGER, alignment=styles.CENTER)
    columns: list[Column] = [frame.serial()]
    columns += [
        TextColumn(text[h], frame.centre if h == "行业代码" else frame.text) for h in list(text)[:5]
    ]
    columns += [
        NumberColumn(_floats(c[n]), score)
        for n in ("key_score", "contribution", "growth", "competitiveness")
    ]
    columns += [TextColumn(text["入选理由"], text_style(ws, alignment=styles.WRAP_MIDDLE))]
    columns += [TextColumn(text[h], frame.text) for h in ("首席服务专员", "分配说明")]
    columns += [
        NumberColumn(_floats(c["doubling_base"]), money),
        NumberColumn(_floats(c["doubling_year"]), integer, integer=True),
        NumberColumn(_floats(c["doubling_target"]), money),
        NumberColumn(_floats(c["projected_revenue"]), money),
        TextColumn(text["按趋势能否倍增"], frame.centre),
    ]
    return frame.body(columns, line_heights(text["入选理由"], reason_width))


def add_watch_sheet(wb: Workbook, kf: KeyFirms, *, title: str) -> Body:
    """One row per (list, firm): the list, identity, revenue, projection and reasons."""
    s, wl = kf.rules.selection, kf.watch_lists
    ws = wb.create_sheet(WATCH_SHEET)
    counts = wl["list_label"].value_counts(sort=False)
    notes = [
        "、".join(f"{t}{n}家" for t, n in counts.items()) or "各名单均无企业",
        f"小升规培育：规下企业营业收入不低于{s.rising.near * s.rising.line:g}万元，"
        f"且已达到或预计下年达到规上标准{s.rising.line:g}万元"
        "（增速依次取趋势增速、年均增速、上年增速）",
        *(f"{w.label}：{w.reason}" for w in s.watch),
    ]
    text = {
        "名单": clean(wl["list_label"]),
        "统一社会信用代码": clean(wl["credit_code"]),
        "企业名称": clean(wl["name"]),
        "园区": clean(wl["park"]),
        "行业代码": clean(wl["industry_code"]),
        "理由": clean(wl["reasons"]),
    }
    headers = [Header("序号"), *(Header(h) for h in list(text)[:5])]
    headers += [Header(h) for h in ("营业收入（万元）", "预计下年营业收入（万元）", "理由")]
    reason_width = _fit("理由", text["理由"], REASON_WIDTH)
    widths = [6.0, *(_fit(h, text[h]) for h in list(text)[:5]), 14, 16, reason_width]
    frame = write_frame(
        ws, title=title, notes=notes, headers=headers, widths=widths, n_rows=len(wl), freeze_cols=4
    )
    money = number_style(ws, styles.MONEY, alignment=styles.RIGHT_MIDDLE)
    columns: list[Column] = [frame.serial()]
    columns += [
        TextColumn(text[h], frame.centre if h == "行业代码" else frame.text) for h in list(text)[:5]
    ]
    columns += [
        NumberColumn(_floats(wl["revenue"]), money),
        NumberColumn(_floats(wl["projected_revenue"]), money),
        TextColumn(text["理由"], text_style(ws, alignment=styles.WRAP_MIDDLE)),
    ]
    return frame.body(columns, line_heights(text["理由"], reason_width))


def _cluster_note(kf: KeyFirms) -> str:
    """The growth types found: each cluster's firms and centre growth, or why there are none."""
    if kf.clusters.empty:
        return "成长类型：企业数或数据不足，未分群"
    parts: Sequence[str] = [
        f"{r['label']}{r['firms']}家（趋势增速{r['trend_revenue']:.1%}）"
        for r in kf.clusters.to_dict("records")
    ]
    return f"成长类型（k均值分群，{len(kf.clusters)}类）：" + "、".join(parts)


def _fit(header: str, texts: pd.Series, cap: float = 40.0) -> float:
    return min(max(fit([header]), fit(texts) if len(texts) else 0.0), cap)


def _floats(column: pd.Series) -> np.ndarray:
    return pd.Series(column).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
