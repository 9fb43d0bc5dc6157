"""The 变动对比 sheet: the firms two runs grade differently, each marked as moved by its own
correction (with the appeal ids) or as a knock-on move. In the compare workbook of its own and
in a run's internal workbook, never in the publication list or a park's workbook (it names
firms of every park)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from openpyxl.workbook import Workbook

from . import styles
from .layout import Header, number_style, text_style, write_frame
from .result_sheets import row_heights
from .xlsx import Body, Column, NumberColumn, TextColumn, clean, new_workbook, save, sort_key
from .xlsx import width as fit

if TYPE_CHECKING:  # the type only: the sheet writes what a Comparison holds
    from ..engine.compare import Comparison

SHEET = "变动对比"
OWN = "own"  # a firm's cause when its own correction moved it (else "knock-on")
CAUSES = {OWN: "本企业更正", "knock-on": "连带变动"}
DIRECTIONS = {"up": "上升", "down": "下降", "same": "档次不变", "status": "状态变化"}
STATUS_WORDS = {"evaluated": "参评", "exempt": "免评", "deferred": "暂缓", "rejected": "数据有误"}
_SIDES = (("before", "调整前"), ("after", "调整后"))
COMPARED = "调整前：同一数据未套用异议复核更正的评价结果；调整后：本次评价结果"


def add_compare_sheet(
    wb: Workbook, comparison: Comparison, *, title: str, notes: Sequence[str] = ()
) -> Body:
    """The sheet: own corrections first, then the knock-on moves, each by class and rank."""
    firms = comparison.firms
    own_first = (firms["cause"] != OWN).to_numpy(dtype=int)
    rank = pd.to_numeric(firms["rank_after"], errors="coerce").to_numpy(dtype=float)
    keys = (np.nan_to_num(rank, nan=np.inf), sort_key(firms["class"]), own_first)
    firms = firms.iloc[np.lexsort(keys)].reset_index(drop=True)
    moved = firms["moved"].to_numpy(dtype=bool)
    change = firms["direction"].map(DIRECTIONS).where(moved, "未变动")
    text = {
        "统一社会信用代码": clean(firms["credit_code"]),
        "企业名称": clean(firms["name"]),
        "园区": clean(firms["park"]),
        "类别": clean(firms["class"].map(comparison.class_labels).fillna(firms["class"])),
        "原因": clean(firms["cause"].map(CAUSES)),
        "异议编号": clean(firms["appeals"].map("、".join)),
    }
    counts = [
        f"共{int(moved.sum())}户企业变动：本企业更正{int((moved & (firms['cause'] == OWN)).sum())}"
        f"户，连带变动{int((moved & (firms['cause'] != OWN)).sum())}户；"
        f"新增{len(comparison.added)}户，减少{len(comparison.removed)}户",
        *notes,
    ]
    headers = [Header("序号"), *(Header(h) for h in text)]
    widest = {"企业名称": 20.0, "园区": 11.0, "类别": 12.0, "原因": 11.0, "异议编号": 10.0}
    widths = [6.0, *(min(max(fit([h]), fit(c)), widest.get(h, 20.0)) for h, c in text.items())]
    for _side, word in _SIDES:
        headers += [Header(word, s) for s in ("状态", "档次", "排名", "得分")]
        widths += [7.0, 5.0, 6.0, 8.0]
    headers.append(Header("变动"))
    widths.append(8.0)
    ws = wb.create_sheet(SHEET)
    frame = write_frame(
        ws,
        title=title,
        notes=counts,
        headers=headers,
        widths=widths,
        n_rows=len(firms),
        freeze_cols=3,
        groups=[1, 1, 1, 1, 4, 4, 1],  # a side's four columns print on one page width
    )
    wrap = text_style(ws, alignment=styles.WRAP_MIDDLE)
    score = number_style(ws, "0.00")
    whole = number_style(ws, "0")
    columns: list[Column] = [frame.serial()]
    wrapped = []
    for k, (h, column) in enumerate(text.items(), start=1):
        wide = h in ("企业名称", "园区", "类别", "异议编号")
        columns.append(TextColumn(column, wrap if wide else frame.text))
        wrapped += [(column, widths[k])] if wide else []
    for side, _word in _SIDES:
        status = firms[f"status_{side}"].map(STATUS_WORDS).fillna(firms[f"status_{side}"])
        columns.append(TextColumn(clean(status), frame.centre))
        columns.append(TextColumn(clean(firms[f"tier_{side}"]), frame.centre))
        ranks = pd.to_numeric(firms[f"rank_{side}"], errors="coerce").to_numpy(dtype=float)
        columns.append(NumberColumn(ranks, whole, integer=True))
        totals = pd.to_numeric(firms[f"total_score_{side}"], errors="coerce")
        columns.append(NumberColumn(totals.to_numpy(dtype=float), score))
    columns.append(TextColumn(clean(change), frame.centre))
    return frame.body(columns, row_heights(wrapped) if len(firms) else None)


def write_compare_workbook(comparison: Comparison, out: str | Path, *, title: str) -> Path:
    """A workbook of its own holding the 变动对比 sheet."""
    wb = new_workbook(title)
    body = add_compare_sheet(wb, comparison, title=title)
    return save(wb, Path(out), [body])
