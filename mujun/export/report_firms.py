"""The two long tables of 报告.html, built a whole column at a time: the firm list (searchable
and sortable by the page's script) and the issue list. Both are capped, so that a
province-scale run still gives a page a browser opens; the page says so and where the rest is."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..engine.evaluation import UNTIERED, Evaluation, tier_names
from ..rules.unit_key import shown_header
from . import styles
from .issues_workbook import shown_issues
from .report_page import Column, big_table, escaped, formatted, note
from .result_sheets import STATUS_LABELS, TIER_RULE_REASONS
from .xlsx import sort_key

FIRM_LIMIT = 10_000
"""Firms listed in one page at most (best first per class, then those not evaluated)."""
ISSUE_LIMIT = 5_000
"""Issues listed in one page at most (errors first); the rest are in issues.csv."""
TIER_CLASSES = {v: f"t{k}" for k, v in styles.TIER_COLOURS.items()}  # fill colour → css class


def firm_section(ev: Evaluation, park: str | None) -> str:
    """Every firm (up to FIRM_LIMIT): identity, class, status, land, total score, rank, tier
    and the reason a rule moved it or kept it out."""
    res = ev.results
    n = len(res)
    rules = ev.rules
    class_rank = {c.code: i for i, c in enumerate(rules.classes)}
    status_rank = {"evaluated": 0, **{s: i + 1 for i, s in enumerate(STATUS_LABELS)}}
    order = np.lexsort(
        (
            sort_key(res["credit_code"]),
            res["rank"].to_numpy(dtype=float, na_value=np.inf),
            _places(res["class"], class_rank),
            _places(res["status"], status_rank),
        )
    )[:FIRM_LIMIT]
    rows = res.iloc[order].reset_index(drop=True)
    rows = rows.astype({c: "string" for c in rows.columns if rows[c].dtype == "category"})
    land = np.asarray(ev.column("land_mu"), dtype=float)[order]
    labels = {c.code: c.label for c in rules.classes}
    names = tier_names(rules)
    shown = {  # 不定等级 too
        f"{c.code}\x1f{t}": styles.tier_text(t, names)
        for c in rules.classes
        for t in ev.shown_tiers(c)
    }
    colours = {
        f"{c.code}\x1f{t}": TIER_CLASSES.get(styles.tier_colour(t, c.tiers.order), "")
        for c in rules.classes
        for t in c.tiers.order
    }
    pairs = rows["class"].astype("string") + "\x1f" + rows["tier"].astype("string")
    evaluated = rows["status"] == "evaluated"
    remark = rows["tier_reason"].where(~rows["tier_reason"].isin(TIER_RULE_REASONS))
    remark = remark.where(evaluated, rows["status_reason"])
    status = rows["status"].map({"evaluated": "参评", **STATUS_LABELS}).fillna(rows["status"])
    tiers = pairs.map(shown).astype(object).where(rows["tier"].notna(), UNTIERED)
    tier_cls = ("c " + pairs.map(colours).fillna("")).where(evaluated, "c").astype(object)
    columns = [
        Column(shown_header("统一社会信用代码"), escaped(rows["credit_code"]), "c", width=13),
        Column("企业名称", escaped(rows["name"]), width=16),
        Column("园区", escaped(rows["park"]), width=11),
        Column("行业代码", escaped(rows["industry_code"]), "c", width=5),
        Column("评价类别", escaped(rows["class"].map(labels).fillna(rows["class"])), width=12),
        Column("状态", escaped(status), "c", width=5),
        Column("用地面积（亩）", formatted(land, 2), "n", number=True, width=7),
        Column("综合得分", formatted(_floats(rows["total_score"]), 2), "n", number=True, width=6),
        Column("排名", formatted(_floats(rows["rank"]), 0), "n", number=True, width=5),
        Column("评价档次", escaped(tiers.where(evaluated)), tier_cls, width=9),
        Column("备注", escaped(remark, missing=""), width=20),
    ]
    whose = f"{park}的" if park else ""
    head = note(
        f"共 {n:,} 家{whose}企业"
        + ("，" if n > FIRM_LIMIT else "。")
        + (
            f"此处列出前 {FIRM_LIMIT:,} 家（参评企业按类别、排名，其后为未参评企业），"
            "搜索与排序只在这些企业中进行；全部企业见 results.csv 和评价结果工作簿。"
            if n > FIRM_LIMIT
            else "点击表头可排序；各指标的数值与得分见评价结果工作簿。"
        )
    )
    search = (
        '<div class="search" id="firm-search-bar" hidden><label>搜索企业：'
        '<input id="firm-search" type="search" placeholder="企业名称、信用代码、园区、档次…"'
        ' autocomplete="off"></label><span id="firm-shown"></span></div>'
    )
    return head + search + big_table(columns, table_id="firm-table")


def issue_section(
    issues: pd.DataFrame, park: str | None, labels: Mapping[str, str] | None = None
) -> str:
    """The data problems, errors first (up to ISSUE_LIMIT)."""
    shown = shown_issues(issues, labels=labels)
    n = len(shown)
    if not n:
        return note("没有发现数据问题。")
    part = shown.iloc[:ISSUE_LIMIT]
    level = part["级别"].map({"错误": "c error", "提示": "c warning"}).fillna("c")
    columns = [
        Column("级别", escaped(part["级别"]), level, width=4),
        Column("问题代码", escaped(part["问题代码"]), width=11),
        Column("问题说明", escaped(part["问题说明"]), width=26),
        Column("文件", escaped(part["文件"]), width=14),
        Column("工作表", escaped(part["工作表"]), width=7),
        Column("行号", formatted(_floats(part["行号"]), 0), "n", number=True, width=4),
        Column(shown_header("统一社会信用代码"), escaped(part["统一社会信用代码"]), "c", width=13),
        Column("字段", escaped(part["字段"]), width=8),
        Column("值", escaped(part["值"]), width=12),
    ]
    where = "本园区工作簿的“问题清单”工作表" if park else "issues.csv 和 问题清单.xlsx"
    text = f"共 {n:,} 条" + (
        f"，此处列出前 {ISSUE_LIMIT:,} 条（错误在前）；完整清单见{where}。"
        if n > ISSUE_LIMIT
        else f"；也见{where}。"
    )
    return note(text) + big_table(columns, table_id="issue-table")


def _places(column: pd.Series, place: dict[str, int]) -> np.ndarray:
    """Each value's place in `place` (unknown or missing: after all)."""
    mapped = column.astype(object).map(place)
    return mapped.astype(float).fillna(len(place)).to_numpy(dtype=float)


def _floats(column: pd.Series) -> np.ndarray:
    return column.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
