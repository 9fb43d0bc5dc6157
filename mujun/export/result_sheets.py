"""The firm-level sheets of a result workbook: one per class, and 免评与暂缓 for the rest.

They show what `Evaluation.results` holds (values, scores, ranks, tiers) with the land and
industry the run read (`Evaluation.column`); nothing is computed here but the order of rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.workbook import Workbook

from ..engine.evaluation import Evaluation
from ..rules import EvalClass
from ..rules.adjust import uses_multipliers
from . import styles, xlsx
from .layout import Header, header_text, number_style, text_style, write_frame
from .xlsx import (
    Body,
    Column,
    NumberColumn,
    TextColumn,
    clean,
    display_width,
    line_heights,
    number_width,
    sort_key,
)
from .xlsx import width as fit

OUTSIDE_SHEET = "免评与暂缓"
STATUS_LABELS = {"exempt": "免评", "deferred": "暂缓评价", "rejected": "数据有误，未评价"}
TIER_RULE_REASONS = ("quota", "threshold")  # the ordinary ways to a tier: no remark needed
NAME_WIDTH, REMARK_WIDTH = 30.0, 30.0  # longer names and remarks wrap
TAIL = {
    "修正系数": "multiplier",
    "加减分": "adjust_points",
    "综合得分": "total_score",
    "排名": "rank",
}


def add_class_sheet(
    wb: Workbook,
    ev: Evaluation,
    klass: EvalClass,
    name: str,
    *,
    title: str,
    notes: Sequence[str],
    paper: str = "A4",
) -> Body:
    """The class's evaluated firms, best first: identity, land, each indicator's value and
    score under a two-level header, adjustments (when the class has any), total, rank, tier
    and remarks (when a firm has one). Columns are as wide as their content; a sheet too
    wide for the paper prints over page widths split between indicators, the serial number,
    credit code and name repeated on each (layout.page_plan)."""
    res = ev.results
    mask = ((res["class"] == klass.code) & (res["status"] == "evaluated")).to_numpy()
    rows = res[mask]
    order = np.lexsort(
        (sort_key(rows["credit_code"]), rows["rank"].to_numpy(dtype=float, na_value=np.nan))
    )
    rows = rows.iloc[order]
    land = np.asarray(ev.column("land_mu"), dtype=float)[mask][order]

    ws = wb.create_sheet(name)
    text = {
        "统一社会信用代码": clean(rows["credit_code"]),
        "企业名称": clean(rows["name"]),
        "园区": clean(rows["park"]),
        "行业代码": clean(rows["industry_code"]),
        "备注": clean(rows["tier_reason"].where(~rows["tier_reason"].isin(TIER_RULE_REASONS))),
    }
    tiers = pd.Series([styles.tier_text(t, klass.tiers.names) for t in klass.tiers.order])
    remarks = bool((text["备注"] != "").any())  # the column only when some firm has a remark
    adjust = bool(klass.adjust)
    multiplier = uses_multipliers(klass)  # a 修正系数 column only where the class has one
    values = [  # each indicator's values and their number format
        (_floats(rows[f"value_{i.code}"]), styles.PERCENT if i.percent else styles.MONEY)
        for i in klass.indicators
    ]
    scores = [_floats(rows[f"score_{i.code}"]) for i in klass.indicators]
    headers = [Header("序号"), *(Header(h) for h in list(text)[:4]), Header("用地面积（亩）")]
    widths = [
        fit(["序号", str(len(rows))]),
        _fit("统一社会信用代码", text["统一社会信用代码"]) + 1,  # capitals print wide
        min(_fit("企业名称", text["企业名称"]), NAME_WIDTH),
        min(_fit("园区", text["园区"]), 20.0),
        _fit("行业代码", text["行业代码"]),
        _number_width("用地面积（亩）", land, styles.MONEY),
    ]
    for ind, (value, fmt), score in zip(klass.indicators, values, scores, strict=True):
        unit = "%" if ind.percent else ind.unit
        headers.append(Header(ind.label, f"数值（{unit}）" if unit else "数值"))
        headers.append(Header(ind.label, f"得分（权重{ind.weight:g}）"))
        widths += [_number_width(headers[-2].sub, value, fmt)]
        widths += [_number_width(headers[-1].sub, score, styles.SCORE)]
    pillars = [(g, _floats(rows[f"score_{g.code}"])) for g in klass.groups]  # group scores
    for group, score in pillars:
        headers.append(Header(group.label, "得分"))
        widths += [_number_width("得分", score, styles.SCORE)]
    tail = [
        *(["修正系数"] if multiplier else []),
        *(["加减分"] if adjust else []),
        "综合得分",
        "排名",
    ]
    headers += [Header(h) for h in (*tail, "评价类别", *(["备注"] if remarks else []))]
    widths += [_number_width(h, _floats(rows[TAIL[h]]), styles.SCORE) for h in tail]
    widths += [fit([*tiers, "评价类别"])]
    if remarks:
        widths += [min(_fit("备注", text["备注"]), REMARK_WIDTH)]
    groups = [1, 1, 1, *([2] * len(klass.indicators)), len(headers) - 6 - 2 * len(values)]
    groups[-1:] = [1] * len(pillars) + [groups[-1] - len(pillars)]  # each group's score apart
    frame = write_frame(
        ws,
        title=title,
        notes=notes,
        headers=headers,
        widths=widths,
        n_rows=len(rows),
        freeze_cols=3,
        groups=groups,
        paper=paper,
    )

    score_style = number_style(ws, styles.SCORE)
    integer = number_style(ws, styles.INTEGER, alignment=styles.CENTER)
    wrap = text_style(ws, alignment=styles.WRAP_MIDDLE)
    columns: list[Column] = [
        frame.serial(),
        TextColumn(text["统一社会信用代码"], frame.text),
        TextColumn(text["企业名称"], wrap),
        TextColumn(text["园区"], wrap),
        TextColumn(text["行业代码"], frame.centre),
        NumberColumn(land, number_style(ws, styles.MONEY)),
    ]
    for (value, fmt), points in zip(values, scores, strict=True):
        columns.append(NumberColumn(value, number_style(ws, fmt)))
        columns.append(NumberColumn(points, score_style))
    columns += [NumberColumn(score, score_style) for _, score in pillars]
    if multiplier:
        coefficient = number_style(ws, styles.COEFFICIENT)
        columns.append(NumberColumn(_floats(rows["multiplier"]), coefficient))
    if adjust:
        columns.append(NumberColumn(_floats(rows["adjust_points"]), score_style))
    columns += [
        NumberColumn(_floats(rows["total_score"]), score_style),
        NumberColumn(_floats(rows["rank"]), integer, integer=True),
        frame.tiers(rows["tier"], klass.tiers),
    ]
    wrapped = [(text["企业名称"], widths[2]), (text["园区"], widths[3])]
    if remarks:
        columns.append(TextColumn(text["备注"], wrap))
        wrapped.append((text["备注"], widths[-1]))
    return frame.body(columns, row_heights(wrapped))


def add_outside_sheet(wb: Workbook, ev: Evaluation, *, title: str, notes: Sequence[str]) -> Body:
    """Firms not evaluated — exempt, deferred, or rejected for bad data — with the reason."""
    res = ev.results
    outside = res[res["status"] != "evaluated"]
    status_rank = outside["status"].map({s: i for i, s in enumerate(STATUS_LABELS)})
    keys = (sort_key(outside["credit_code"]), sort_key(outside["park"]), status_rank.to_numpy())
    outside = outside.iloc[np.lexsort(keys)]
    ws = wb.create_sheet(OUTSIDE_SHEET)
    text = {
        "统一社会信用代码": clean(outside["credit_code"]),
        "企业名称": clean(outside["name"]),
        "园区": clean(outside["park"]),
        "行业代码": clean(outside["industry_code"]),
        "状态": clean(outside["status"].map(STATUS_LABELS).fillna(outside["status"])),
        "原因": clean(outside["status_reason"]),
    }
    headers = [Header("序号"), *(Header(h) for h in text)]
    widths = [_width(Header("序号"), pd.Series([str(len(outside))]))]
    widths += [_width(Header(h), column) for h, column in text.items()]
    frame = write_frame(
        ws,
        title=title,
        notes=notes,
        headers=headers,
        widths=widths,
        n_rows=len(outside),
        freeze_cols=3,
    )
    # a name, park or reason longer than its column wraps inside it: unwrapped, it ran on past
    # the page's edge and printed cut, its tail on a page of its own
    wrap = text_style(ws, alignment=styles.WRAP_MIDDLE)
    columns: list[Column] = [frame.serial()]
    wrapped = []
    for k, (h, column) in enumerate(text.items(), start=1):
        if h in ("行业代码", "状态"):
            columns.append(TextColumn(column, frame.centre))
        elif h in ("企业名称", "园区", "原因"):
            columns.append(TextColumn(column, wrap))
            wrapped.append((column, widths[k]))
        else:
            columns.append(TextColumn(column, frame.text))
    return frame.body(columns, row_heights(wrapped) if len(outside) else None)


def _floats(column: pd.Series) -> np.ndarray:
    return column.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _width(header: Header, texts: Any) -> float:
    """Fit the header and the column's texts, at most 36."""
    return min(max(fit([header.top]), fit(texts)), 36.0)


def _fit(header: str, texts: pd.Series) -> float:
    return max(fit([header]), fit(texts))


def _number_width(header: str | None, values: np.ndarray, number_format: str) -> float:
    """A number column as wide as its widest number and its header's longer line once the
    unit is put on a line of its own (layout.header_text)."""
    label = header_text(header or "", 0.0)
    longest = max(display_width(line) for line in label.split("\n"))
    return max(longest + 1.0, number_width(values, number_format) + 2, xlsx.MIN_WIDTH)


def row_heights(wrapped: Sequence[tuple[pd.Series, float]]) -> np.ndarray | None:
    """Row heights (points) that show each row's wrapped texts (text, column width) whole;
    None when every text fits on one line."""
    need = np.maximum.reduce([line_heights(t, w) for t, w in wrapped])
    return need if (need > 15.0).any() else None
