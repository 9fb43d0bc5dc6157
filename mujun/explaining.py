"""`mujun explain DIR CODE`: the run folder's Evaluation made again, one firm explained, printed
as Chinese tables (rich) or as DESIGN §7's JSON object, and on request its 告知书."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from .engine.evaluation import Evaluation
from .engine.explain import Explanation
from .engine.whatif import PRECISION_WORDS
from .fields import label


def _fmt(x: float | None, digits: int = 4) -> str:
    if x is None or x != x:  # NaN
        return "—"
    return f"{x:,.{digits}f}".rstrip("0").rstrip(".")


def print_explanation(console: Console, ev: Evaluation, ex: Explanation) -> None:
    """The explanation as Chinese text and tables."""
    klass = next((c for c in ev.rules.classes if c.code == ex.klass), None)
    head = f"{ex.name}（{ex.credit_code}）"
    if klass is not None:
        head += f"  类别：{klass.label}"
    console.print(head, highlight=False)
    if ex.tier is not None:
        console.print(
            f"档次：{ex.tier} {ex.tier_label or ''}  总分：{_fmt(ex.total_score, 2)}  "
            f"排名：第{ex.rank}名" + (f"（{ex.group}组）" if ex.group else ""),
            highlight=False,
        )
    if len(ex.indicators):
        table = Table("指标", "单位", "指标值", "基准值", "得分", "权重", "本类中位数", "百分位")
        for r in ex.indicators.itertuples():
            table.add_row(
                str(r.label), str(r.unit), _fmt(r.value), _fmt(r.benchmark), _fmt(r.points, 2),
                _fmt(r.weight, 2), _fmt(r.class_median), _fmt(r.percentile, 1),
            )  # fmt: skip
        console.print(table)
    if ex.pillars:  # a composite class: each group's score
        shown = "，".join(f"{p['label']} {_fmt(p['score'], 2)}" for p in ex.pillars)
        console.print(f"分组得分：{shown}", highlight=False)
    for adj in ex.adjustments:
        what = f"加减分 {adj['points']:+g}" if "points" in adj else f"修正系数 ×{adj['multiply']:g}"
        console.print(f"加减分项：{adj['label']}（{what}）", highlight=False)
    for reason in ex.tier_rules:
        console.print(f"分档规则：{reason}", highlight=False)
    if ex.next_tier is not None:
        line = "（按分档规则定档，无分数线）" if ex.line is None else f"{_fmt(ex.line, 2)} 分"
        console.print(f"升入 {ex.next_tier} 档的分数线：{line}", highlight=False)
    if ex.changes:
        table = Table(
            "数据项", "单位", "现值", "需达到", "变动", "能否升档",
            title=f"单项数据变动至少需达到（其他数据不变，精度：{PRECISION_WORDS}）",
        )  # fmt: skip
        for c in ex.changes:
            table.add_row(
                c.label, c.unit, _fmt(c.current), _fmt(c.needed) if c.reachable else "—",
                _fmt(c.change) if c.reachable else "—",
                _outcome(c),
            )  # fmt: skip
        console.print(table)
    if ex.note:
        console.print(ex.note, highlight=False)


def _outcome(c: Any) -> str:
    """Whether the field alone lifts the firm, and what a correction of it would give when the
    field is not read as such (the total land: one of its parts)."""
    if not c.reachable:
        return "单靠此项不能升档"
    if c.correct_field and c.correct_field != c.field:
        return f"能（更正时填{label(c.correct_field)} {_fmt(c.correct_value)}）"
    return "能"


def print_json(console: Console, ex: Explanation) -> None:
    """DESIGN §7's object on one line of stdout."""
    console.print_json(json.dumps(ex.to_json(), ensure_ascii=False))


def write_notice_file(ev: Evaluation, ex: Explanation, path: Path) -> Path:
    """The firm's 告知书 (export/notice.py)."""
    from .export.notice import write_notices

    return write_notices(ev, [ex], path)
