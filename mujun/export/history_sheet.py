"""The 历年类别 sheets of the internal workbook: each firm's tier in every archived year with
the consecutive years in its latest tier (历年类别), and the year-over-year migration matrices
of each class (类别迁移). They show what a History holds; nothing is computed here."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from openpyxl.workbook import Workbook

from . import styles
from .layout import Header, number_style, write_frame
from .xlsx import Body, Column, NumberColumn, TextColumn, clean
from .xlsx import width as fit

if TYPE_CHECKING:  # the type only: export shows what the History holds
    from ..engine.evaluation import Evaluation
    from ..history.migration import History

HISTORY_SHEET = "历年类别"
MIGRATION_SHEET = "类别迁移"


def add_history_sheets(wb: Workbook, ev: Evaluation, found: History, *, where: str) -> list[Body]:
    """历年类别 for the firms of this run, then 类别迁移; each prints on A4 landscape."""
    return [_firm_sheet(wb, ev, found, where), _migration_sheet(wb, ev, found, where)]


def _class_labels(ev: Evaluation) -> dict[str, str]:
    return {c.code: c.label for c in ev.rules.classes}


def _firm_sheet(wb: Workbook, ev: Evaluation, found: History, where: str) -> Body:
    ws = wb.create_sheet(HISTORY_SHEET)
    years = found.years
    firms = found.of_firm()
    names = ev.results.drop_duplicates("credit_code").set_index("credit_code")["name"]
    firms = firms[firms["credit_code"].isin(names.index)].reset_index(drop=True)
    labels = _class_labels(ev)
    text = {
        "统一社会信用代码": clean(firms["credit_code"]),
        "企业名称": clean(firms["credit_code"].map(names.astype(object))),
        "类别": clean(firms["class"].map(lambda c: labels.get(c, c))),
    }
    tiers = {str(y): clean(firms[str(y)].astype(object).fillna("—")) for y in years}
    headers = [Header("序号"), *(Header(h) for h in text)]
    headers += [Header("历年档次", f"{y}年") for y in years]
    headers += [Header("最近档次"), Header("连续年数")]
    widths = [6.0, *(fit([h, *text[h]]) for h in text), *(8.0 for _ in years), 9.0, 9.0]
    span = f"{years[0]}—{years[-1]}年" if years else "无"
    notes = [
        f"档案库年度：{span}；“—”为该年未参评或不在档案库中",
        "连续年数：截至最近参评年度，不间断处于最近档次的年数（含当年）",
    ]
    frame = write_frame(
        ws,
        title=f"{where}历年评价类别",
        notes=notes,
        headers=headers,
        widths=widths,
        n_rows=len(firms),
        freeze_cols=3,
    )
    integer = number_style(ws, styles.INTEGER, alignment=styles.CENTER)
    columns: list[Column] = [frame.serial()]
    columns += [TextColumn(text[h], frame.centre if h == "类别" else frame.text) for h in text]
    columns += [TextColumn(tiers[str(y)], frame.centre) for y in years]
    columns += [TextColumn(clean(firms["tier"].astype(object).fillna("")), frame.centre)]
    columns += [NumberColumn(firms["years"].to_numpy(dtype=float), integer, integer=True)]
    return frame.body(columns)


def _migration_sheet(wb: Workbook, ev: Evaluation, found: History, where: str) -> Body:
    ws = wb.create_sheet(MIGRATION_SHEET)
    mig = found.migration
    tiers = [t for t in found.order if t in set(mig["tier_b"])] if len(mig) else []
    wide = (
        mig.pivot_table(
            index=["class", "year_a", "year_b", "tier_a"],
            columns="tier_b",
            values="firms",
            aggfunc="sum",
            fill_value=0,
            sort=False,
        ).reindex(columns=tiers, fill_value=0)
        if len(mig)
        else pd.DataFrame(columns=tiers)
    )
    rows = (
        wide.reset_index()
        if len(mig)
        else pd.DataFrame(columns=["class", "year_a", "year_b", "tier_a"])
    )
    labels = _class_labels(ev)
    text = {
        "类别": clean(rows["class"].map(lambda c: labels.get(c, c)).astype(object)),
        "年度": clean(
            (rows["year_a"].astype(str) + "→" + rows["year_b"].astype(str)).astype(object)
        ),
        "上年档次": clean(rows["tier_a"].astype(object)),
    }
    headers = [Header(h) for h in text]
    headers += [Header("当年档次（家）", str(t)) for t in tiers] + [Header("合计（家）")]
    widths = [fit([h, *text[h]]) for h in text] + [8.0] * len(tiers) + [10.0]
    notes = [
        "每行：上年处于该档次、两年均在同一类别参评的企业，当年各档次的家数；合计为两年均参评的家数",
        "新进入或离开本类别（含未参评、转入其他类别）的企业不在矩阵中（见命令 mujun history）",
    ]
    frame = write_frame(
        ws,
        title=f"{where}类别迁移矩阵",
        notes=notes,
        headers=headers,
        widths=widths,
        n_rows=len(rows),
        freeze_cols=3,
    )
    integer = number_style(ws, styles.INTEGER, alignment=styles.CENTER)
    counts = rows[tiers].to_numpy(dtype=float) if tiers else np.zeros((len(rows), 0))
    columns: list[Column] = [TextColumn(text[h], frame.centre) for h in text]
    columns += [NumberColumn(counts[:, i], integer, integer=True) for i in range(len(tiers))]
    columns += [NumberColumn(counts.sum(axis=1), integer, integer=True)]
    return frame.body(columns)
