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
from . import styles
from .layout import Header, number_style, write_frame
from .xlsx import (
    Body,
    Column,
    NumberColumn,
    TextColumn,
    clean,
    sort_key,
)
from .xlsx import width as fit

OUTSIDE_SHEET = "免评与暂缓"
STATUS_LABELS = {"exempt": "免评", "deferred": "暂缓评价", "rejected": "数据有误，未评价"}
TIER_RULE_REASONS = ("quota", "threshold")  # the ordinary ways to a tier: no remark needed


def add_class_sheet(
    wb: Workbook, ev: Evaluation, klass: EvalClass, name: str, *, title: str, notes: Sequence[str]
) -> Body:
    """The class's evaluated firms, best first: identity, land, each indicator's value and
    score under a two-level header, adjustments, total, rank, tier and remarks."""
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
        "序号": pd.Series([str(len(rows))]),
        "统一社会信用代码": clean(rows["credit_code"]),
        "企业名称": clean(rows["name"]),
        "园区": clean(rows["park"]),
        "行业代码": clean(rows["industry_code"]),
        "评价类别": pd.Series([styles.tier_text(t, klass.tiers.names) for t in klass.tiers.order]),
        "备注": clean(rows["tier_reason"].where(~rows["tier_reason"].isin(TIER_RULE_REASONS))),
    }
    identity = ("序号", "统一社会信用代码", "企业名称", "园区", "行业代码", "用地面积（亩）")
    headers = [Header(h) for h in identity]
    for ind in klass.indicators:
        unit = "%" if ind.percent else ind.unit
        headers.append(Header(ind.label, f"数值（{unit}）" if unit else "数值"))
        headers.append(Header(ind.label, f"得分（权重{ind.weight:g}）"))
    headers += [Header(h) for h in ("加减分", "综合得分", "排名", "评价类别", "备注")]
    widths = [_width(h, text.get(h.top if h.sub is None else "")) for h in headers]
    frame = write_frame(
        ws,
        title=title,
        notes=notes,
        headers=headers,
        widths=widths,
        n_rows=len(rows),
        freeze_cols=3,
    )

    money = number_style(ws, styles.MONEY)
    score = number_style(ws, styles.SCORE)
    percent = number_style(ws, styles.PERCENT)
    integer = number_style(ws, styles.INTEGER, alignment=styles.CENTER)
    columns: list[Column] = [
        frame.serial(),
        TextColumn(text["统一社会信用代码"], frame.text),
        TextColumn(text["企业名称"], frame.text),
        TextColumn(text["园区"], frame.text),
        TextColumn(text["行业代码"], frame.centre),
        NumberColumn(land, money),
    ]
    for ind in klass.indicators:
        value_style = percent if ind.percent else money
        columns.append(NumberColumn(_floats(rows[f"value_{ind.code}"]), value_style))
        columns.append(NumberColumn(_floats(rows[f"score_{ind.code}"]), score))
    columns += [
        NumberColumn(_floats(rows["adjust_points"]), score),
        NumberColumn(_floats(rows["total_score"]), score),
        NumberColumn(_floats(rows["rank"]), integer, integer=True),
        frame.tiers(rows["tier"], klass.tiers),
        TextColumn(text["备注"], frame.text),
    ]
    return frame.body(columns)


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
    columns: list[Column] = [frame.serial()]
    for h, column in text.items():
        columns.append(
            TextColumn(column, frame.centre if h in ("行业代码", "状态") else frame.text)
        )
    return frame.body(columns)


def _floats(column: pd.Series) -> np.ndarray:
    return column.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _width(header: Header, texts: Any) -> float:
    """Fit the header (its lower line when two-level) and the column's texts; numbers get 12."""
    label = header.sub if header.sub is not None else header.top
    if texts is None:  # a number: its header wraps onto two lines
        return max(fit([label]) / 2 + 2, 10.0)
    return min(max(fit([label]), fit(texts)), 36.0 if header.top != "备注" else 60.0)
