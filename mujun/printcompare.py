"""`mujun compare` on a terminal: the moved firms as a Chinese table, then the counts."""

from __future__ import annotations

from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table

from .engine.compare import Comparison
from .export.compare_sheet import CAUSES, DIRECTIONS, STATUS_WORDS

SHOWN = 200  # moved firms listed on a terminal; the workbook (--out) holds them all


def print_comparison(console: Console, comparison: Comparison) -> None:
    """Moved firms (own corrections first), firms added and removed, counts per class and park."""
    moved = comparison.moved
    moved = moved.iloc[(moved["cause"] != "own").to_numpy().argsort(kind="stable")]
    own = int((moved["cause"] == "own").sum())
    console.print(
        f"共{len(moved)}户企业变动：本企业更正{own}户，连带变动{len(moved) - own}户；"
        f"新增{len(comparison.added)}户，减少{len(comparison.removed)}户",
        highlight=False,
    )
    if len(moved):
        table = Table(
            "统一社会信用代码", "企业名称", "原因", "异议编号", "调整前", "调整后", "变动"
        )
        for r in moved.head(SHOWN).to_dict("records"):
            table.add_row(
                str(r["credit_code"]),
                _text(r["name"]),
                CAUSES.get(r["cause"], r["cause"]),
                "、".join(r["appeals"]),
                _side(r, "before"),
                _side(r, "after"),
                DIRECTIONS.get(r["direction"], r["direction"]),
            )
        console.print(table)
        if len(moved) > SHOWN:
            console.print(f"（只列出前{SHOWN}户；全部见 --out 写出的工作簿或 --json）")
    for title, frame in (("新增企业", comparison.added), ("减少企业", comparison.removed)):
        if len(frame):
            codes = "、".join(frame["credit_code"].astype(str).head(50))
            console.print(f"{title}（{len(frame)}户）：{codes}", highlight=False)
    if len(comparison.counts):
        table = Table(
            "类别", "园区", "上升", "下降", "档次不变", "状态变化", "合计", title="变动企业数"
        )
        for r in comparison.counts.to_dict("records"):
            table.add_row(
                comparison.class_labels.get(str(r["class"]), str(r["class"])),
                str(r["park"]),
                *(str(r[k]) for k in ("up", "down", "same", "status", "moved")),
            )
        console.print(table)


def _side(row: dict[str, Any], side: str) -> str:
    status = row[f"status_{side}"]
    words = STATUS_WORDS.get(status, _text(status))
    tier, rank, score = row[f"tier_{side}"], row[f"rank_{side}"], row[f"total_score_{side}"]
    if status != "evaluated":
        return words
    place = "" if pd.isna(rank) else f" 第{int(rank)}名"
    points = "" if pd.isna(score) else f" {float(score):.2f}分"
    return f"{_text(tier)}{place}{points}"


def _text(value: Any) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
