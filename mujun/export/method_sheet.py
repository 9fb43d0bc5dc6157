"""The 说明 sheet: what the run was made from and the method as actually applied.

Region, year, run status, the rules file and its sha256, the mujun version, the input files and
their hashes, the corrections applied, units, the tier colours, and per class the indicators
with formula, weight, scoring method and the benchmark values the run used; conditions and
formulas in Chinese (rules/display.py), shares as percentages, and a plain note where a blank
is scored 0. A park's workbook shows the method and the data sources, not the audit trail: no
hashes and no list of the rules' assumptions (those stay in the internal workbook).
"""

from __future__ import annotations

import math
import re
from pathlib import PurePath
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook

from ..engine.evaluation import Evaluation
from ..fields import FIELDS, label
from ..rules import Adjustment, EvalClass, Indicator, Rules, TierRule, Tiers
from ..rules.adjust import describe_formula
from ..rules.display import chinese
from ..rules.expr import Expression
from . import appeal_rows, composite_sheet, field_notes, policy_workbook, styles
from .disclosure import BENCHMARK_NOTE, TOO_FEW
from .grid_sheet import CELL, GRID, Lines, Percent
from .layout import print_setup

# what became of each correction (corrections.py's status codes), as the 说明 sheet says it
CORRECTION_OUTCOMES = {
    "applied": "已更正",
    "unmatched": "未找到该企业，未更正",
    "unknown-field": "字段无法识别，未更正",
    "invalid-value": "新值无法读取，未更正",
    "empty-value": "新值为空，未更正",
    "conflict": "与其他更正冲突，未更正",
}
SHEET = "说明"
UNITS = "金额：万元；用地：亩；能耗：吨标准煤；职工：人；得分：分；排名：名"
ALL_FIRMS = "（全体）"
FELL_BACK = "无可用基准，按全体计分"
_MISSING = {"zero": "数据空白的按0分计", "mean_score": "按本类该项平均得分", "exclude": "暂缓评价"}
_MISSING["impute"] = "按规则插补（见下表）"
_NEGATIVE = {"zero": "负值计0分", "keep": "负值照常计分", "missing": "负值按缺失处理"}
_ROUNDING = {
    "half_up": "各档累计家数四舍五入",
    "floor": "各档累计家数向下取整",
    "ceil": "各档累计家数向上取整",
    "largest_remainder": "各档家数取整数部分，余下名额按小数部分从大到小补足",
}
_ACTIONS = {"at_most": "最高评为", "at_least": "最低评为", "force": "直接评为"}
_TIER_NAMES = {"total_score": "综合得分", "rank": "排名", "rank_pct": "排名百分位"}
_PER_INDICATOR = re.compile(r"\b(score|value)_([a-z][a-z0-9_]*)\b")
_STATUS = {"exempt": "免评", "deferred": "暂缓评价"}
_NAME = re.compile(r"\b[a-z_][a-z0-9_]*\b")
ZERO_NOTE = "注：{labels}数据空白的，按评价办法该项按0分计（不作为数据错误，也不暂缓评价）。"


def add_method_sheet(
    wb: Workbook,
    ev: Evaluation,
    *,
    title: str,
    status: str,
    edition: str,
    shown: np.ndarray | None = None,
) -> None:
    """The 说明 sheet of a result workbook (internal or a park's). `shown` (a park's workbook):
    one flag per row of `ev.benchmarks`, whether that benchmark may be shown (disclosure.py)."""
    ws = wb.create_sheet(SHEET)
    park = shown is not None  # a park's workbook: the method and sources, not the audit trail
    print_setup(ws, [CELL] * GRID)
    for i in range(1, GRID + 1):
        ws.column_dimensions[get_column_letter(i)].width = CELL
    out = Lines(ws)
    out.title(title)
    rules, prov = ev.rules, ev.provenance
    facts = [
        ("版本", edition),
        ("地区", rules.region),
        ("评价年度", f"{rules.year}年"),
        ("评价状态", status),
        ("评价办法", rules.name),
        ("办法依据", rules.source or "（规则文件未注明）"),
        ("规则文件", PurePath(rules.path).name if rules.path else "（程序内定义）"),
        *([] if park else [("规则文件SHA-256", rules.sha256)]),
        ("软件版本", f"mujun {prov.get('mujun_version', '')}"),
        ("计量单位", UNITS),
        *([("能耗口径", field_notes.energy_basis(rules))] if rules.energy.basis else []),
    ]
    for key, value in facts:
        out.fact(key, value)
    out.legend(ev)

    out.heading("一、数据来源（输入文件）")
    inputs = prov.get("inputs", [])
    if park:
        out.table(
            ["文件", "行数", "采用", "跳过"],
            [[PurePath(s["file"]).name, s["rows"], s["used"], s["skipped"]] for s in inputs],
            empty="（由数据表直接评价，无输入文件）",
        )
    else:
        out.table(
            ["文件", "SHA-256", "行数", "采用", "跳过"],
            [
                [PurePath(s["file"]).name, s["sha256"], s["rows"], s["used"], s["skipped"]]
                for s in inputs
            ],
            empty="（由数据表直接评价，无输入文件）",
        )
    rows = prov.get("rows", {})
    out.heading("二、评价对象")
    out.table(
        ["输入企业", "参评", "免评", "暂缓", "数据有误未评"],
        [
            [
                rows.get("input"),
                rows.get("evaluated"),
                rows.get("exempt"),
                rows.get("deferred"),
                rows.get("rejected"),
            ]
        ],
    )
    for note in units_notes(rules):
        out.note(note)
    out.heading("三、异议复核更正")
    out.table(
        ["统一社会信用代码", "字段", "原值", "新值", "原因", "复核编号", "审批人", "处理"],
        [
            [
                c.get("credit_code", ""),
                _field(c.get("field", "")),
                c.get("old_value", ""),
                c.get("new_value", ""),
                c.get("reason", ""),
                c.get("appeal_id", ""),
                c.get("approved_by", ""),
                CORRECTION_OUTCOMES.get(c.get("status", ""), c.get("status", "")),
            ]
            for c in prov.get("corrections", [])
        ],
        empty="（无）",
    )
    if prov.get("appeals"):  # a run given an appeals register lists every appeal
        out.note(appeal_rows.NOTE)
        out.table(appeal_rows.HEADER, appeal_rows.appeal_rows(prov["appeals"], _field))
    out.heading("四、免评与暂缓规则（按顺序，先符合者适用）")
    out.table(
        ["条件", "处理", "理由"],
        [[_formula(e.when), _STATUS.get(e.status, e.status), e.reason] for e in rules.exclude],
        empty="（无）",
    )
    benchmarks = ev.benchmarks.assign(visible=True if shown is None else shown)
    for n, klass in enumerate(rules.classes, 5):
        _class_method(out, ev, benchmarks, klass, _chinese_number(n))
    if shown is not None:
        out.note(BENCHMARK_NOTE)
    if rules.assumptions and not park:
        out.heading(f"{_chinese_number(5 + len(rules.classes))}、规则文件中的假设说明")
        out.table(["序号", "说明"], [[i, a] for i, a in enumerate(rules.assumptions, 1)])
    if rules.fields or rules.derive:
        number = 5 + len(rules.classes) + (1 if rules.assumptions and not park else 0)
        out.heading(f"{_chinese_number(number)}、声明字段与派生字段")
        out.table(field_notes.HEADERS, field_notes.field_rows(rules))
    if rules.policies:  # [[policy]]: 结果应用
        number = 5 + len(rules.classes) + (1 if rules.assumptions and not park else 0)
        number += 1 if rules.fields or rules.derive else 0
        out.heading(f"{_chinese_number(number)}、结果应用（差别化政策）")
        out.table(policy_workbook.NOTE_HEADERS, policy_workbook.policy_notes(rules))


def _class_method(
    out: Lines, ev: Evaluation, benchmarks: pd.DataFrame, klass: EvalClass, number: str
) -> None:
    out.heading(f"{number}、{klass.label}")
    out.fact("适用条件", _formula(klass.when))
    out.fact("分档方法", _tiers(klass.tiers))
    for key, text in _tier_facts(klass):
        out.fact(key, text)
    if klass.land == "optional":
        out.fact("用地面积", LAND_OPTIONAL)
    bench = benchmarks[benchmarks["class"] == klass.code]
    out.table(
        ["指标", "计算公式", "单位", "权重", "评分方法", "基准值", "缺失值处理", "负值处理"],
        [
            _indicator_row(i, bench[bench["indicator"] == i.code], ev.scoring(i))
            for i in klass.indicators
        ],
    )
    zero = [i.label for i in klass.indicators if i.missing == "zero"]
    if zero:
        out.note(ZERO_NOTE.format(labels="、".join(zero)))
    composite_sheet.class_notes(out, ev, klass)  # hierarchy, treatment, imputation
    if klass.adjust:
        out.fact("综合得分", describe_formula(klass))
        out.table(
            ["加减分项目", "条件", "类别", "分值或系数"],
            [_adjust_row(a) for a in klass.adjust],
        )
    if klass.tiers.rule:
        out.table(
            ["分档规则", "条件", "处理"],
            [
                [r.reason, _tier_formula(r.when, klass), _action(r, klass.tiers)]
                for r in klass.tiers.rule
            ],
        )
    groups = _group_benchmarks(bench)
    if len(groups):
        labels = {i.code: i.label for i in klass.indicators}
        percent = {i.code: i.percent for i in klass.indicators}
        out.table(
            ["分组基准值：指标", "分组", "基准值", "企业数"],
            [
                [
                    labels.get(r.indicator, r.indicator),
                    r.group,
                    _shown_benchmark(r.benchmark, percent.get(r.indicator, False))
                    if r.visible
                    else TOO_FEW,
                    r.members,
                ]
                for r in groups.itertuples(index=False)
            ],
        )


def _group_benchmarks(bench: pd.DataFrame) -> pd.DataFrame:
    """The per-group benchmark rows of a class; where a ratio's group had no usable benchmark
    of its own (`fallback`: its members scored against the class-wide one), that group reads
    so and the class-wide row follows, naming the groups that used it."""
    fell = bench["fallback"].eq(True) if "fallback" in bench else pd.Series(False, bench.index)
    rows = bench[(bench["group"] != ALL_FIRMS) | bench["indicator"].isin(bench["indicator"][fell])]
    rows = rows.astype({"benchmark": object})
    rows.loc[fell[rows.index], "benchmark"] = FELL_BACK
    for code, used in bench[fell].groupby("indicator", sort=False)["group"]:  # per indicator
        whole = (rows["indicator"] == code) & (rows["group"] == ALL_FIRMS)
        rows.loc[whole, "group"] = f"{ALL_FIRMS}（用于：{'、'.join(used)}）"
    return rows


def _indicator_row(ind: Indicator, bench: pd.DataFrame, scoring: str) -> list[Any]:
    overall = bench[bench["group"] == ALL_FIRMS]
    if ind.score.by:
        used: Any = f"按{label(ind.score.by)}分组，见下表"
    elif len(overall) and not overall["visible"].iloc[0]:
        used = TOO_FEW
    elif len(overall) and pd.notna(overall["benchmark"].iloc[0]):
        used = float(overall["benchmark"].iloc[0])
        used = Percent(used) if ind.percent else used
    elif len(overall) and "minimum" in overall:
        lo, hi = overall["minimum"].iloc[0], overall["maximum"].iloc[0]
        used = f"最小值 {lo:.4g}，最大值 {hi:.4g}" if pd.notna(lo) else "—"
    else:
        used = "—"
    missing = _MISSING.get(ind.missing, ind.missing)
    if ind.missing == "penalty":
        missing = f"扣{ind.missing_points:g}分"
    unit = "%" if ind.percent else ind.unit
    return [
        ind.label,
        composite_sheet.denominated_formula(ind, _formula(ind.formula), _formula(ind.denominator)),
        unit,
        ind.weight,
        scoring,
        used,
        missing,
        _NEGATIVE[ind.negative],
    ]


def _shown_benchmark(value: Any, percent: bool) -> Any:
    if percent and isinstance(value, float) and math.isfinite(value):
        return Percent(value)
    return value


def _tiers(tiers: Tiers) -> str:
    order = tiers.order
    same = (
        "同分按" + "、".join(map(_field, tiers.tie_break)) + "从高到低排序"
        if tiers.tie_break
        else "同分同档"
    )
    if tiers.method == "quota" and tiers.shares:
        parts = "、".join(
            f"{styles.tier_text(t, tiers.names)} {tiers.shares[t]:.0%}" for t in order
        )
        within = f"在各{_field(tiers.by)}组内" if tiers.by else ""
        return f"按比例{within}：{parts}（{_ROUNDING[tiers.rounding]}，{same}）"
    if tiers.method == "stages":
        rest = styles.tier_text(str(tiers.rest), tiers.names)
        return f"分阶段：依次按下列各阶段确定档次，其余企业为{rest}（{same}）"
    bounds = "、".join(
        f"{styles.tier_text(t, tiers.names)} ≥ {m:g}分" for t, m in (tiers.minimum or {}).items()
    )
    return f"按分数线：{bounds}；其余为{styles.tier_text(str(tiers.below), tiers.names)}"


def _tier_facts(klass: EvalClass) -> list[tuple[str, str]]:
    """The further lines of a class's tiers: groups' own shares, stages, small classes, no grade."""
    tiers, facts = klass.tiers, []
    for group, shares in tiers.shares_by.items():
        parts = "、".join(f"{styles.tier_text(t, tiers.names)} {s:.0%}" for t, s in shares.items())
        facts.append((f"{_field(str(tiers.by))}“{group}”", f"该组另定比例：{parts}"))
    for i, stage in enumerate(tiers.stage, 1):
        among = (
            f"在{_tier_formula(stage.among, klass)}的企业中，" if stage.among else "在其余企业中，"
        )
        order = _tier_formula(stage.order, klass) if stage.order else "综合得分"
        end = "从低到高" if stage.pick == "lowest" else "从高到低"
        size = (
            f"参评企业数的{stage.share:.0%}（四舍五入）"
            if stage.share is not None
            else f"{stage.count}家"
        )
        tier = styles.tier_text(stage.tier, tiers.names)
        facts.append((f"第{_chinese_number(i)}阶段", f"{among}按{order}{end}取{size}为{tier}"))
    if tiers.by and tiers.method == "stages":
        facts.append(("分组", f"各阶段在各{_field(tiers.by)}组内分别进行"))
    if tiers.by:
        facts.append(
            (
                "分组说明",
                f"排名在{_field(tiers.by)}组内计算；{_field(tiers.by)}空白的企业单列一组（未分组）",
            )
        )
    if tiers.min_class_size > 1 and tiers.method != "threshold":
        facts.append(
            (
                "最少企业数",
                f"本类（组）参评企业少于{tiers.min_class_size}家的，不按比例分档，档次留空",
            )
        )
    if tiers.ungraded:
        base = "计入" if tiers.ungraded_in_base else "不计入"
        facts.append(
            ("不定等级", f"不定等级的企业参与评价、计分和排名，不定档次；{base}各档比例的基数")
        )
    return facts


def _action(rule: TierRule, tiers: Tiers) -> str:
    kind, tier = rule.action
    if kind == "ungraded":
        return "不定等级"
    text = f"{_ACTIONS[kind]}{styles.tier_text(tier, tiers.names)}"
    return text + "（一票否决，不列入重点企业包保名单）" if rule.veto else text


def _tier_formula(expression: Expression | None, klass: EvalClass) -> str:
    """A tier rule's or stage's expression in Chinese, with the ranking's names too."""
    labels = {i.code: i.label for i in klass.indicators}

    def named(m: re.Match[str]) -> str:
        label_ = labels.get(m[2], m[2])
        return f"“{label_}”得分" if m[1] == "score" else f"“{label_}”"

    text = _PER_INDICATOR.sub(named, _formula(expression))
    return re.sub(r"\b(total_score|rank_pct|rank)\b", lambda m: _TIER_NAMES[m[1]], text)


LAND_OPTIONAL = (
    "无用地企业参评：未填用地面积的企业不作为数据错误，其亩均类指标按该指标的缺失值处理方式计分；"
    "填报用地面积为0或负数的仍为数据错误"
)
MERGE_NOTE = (
    "评价单元：“{field}”相同的关联企业（两户及以上）合并为一个评价单元评价：各项数值和用地面积加总，"
    "是否类情形（如安全事故）任一成员有即视为该单元有；企业名称、园区、行业等取用地面积最大的成员"
    "（面积相同取表中在前者）。单元只归类、评分、排名、定档一次，各成员均列示单元的结果，"
    "并注明“按关联企业合并评价”；有成员数据有误的，整个单元不予评价。"
)
FOLLOW_NOTE = (
    "宗地承租企业：同一“{field}”上没有自有用地的企业为承租企业，照常评分、排名，"
    "评价类别随该宗地自有用地面积最大的企业（权属企业，面积相同取表中在前者）确定；"
    "宗地无权属企业或权属企业未获评价类别的，承租企业按本身结果定档。"
)


def units_notes(rules: Rules) -> list[str]:
    """How `[units]` formed the units of evaluation, in words (none without `[units]`)."""
    notes = []
    if rules.units.merge_by:
        notes.append(MERGE_NOTE.format(field=_field(rules.units.merge_by)))
    if rules.units.follow:
        notes.append(FOLLOW_NOTE.format(field=_field(rules.units.follow)))
    return notes


def _adjust_row(adj: Adjustment) -> list[Any]:
    """An adjustment in words: its label, condition, 加分/扣分/修正系数 and value or formula."""
    when = "本类全部企业" if adj.when is None else _formula(adj.when)
    value: float | Expression
    if adj.multiply is not None:
        kind, value = "修正系数（乘以综合得分中的指标得分之和）", adj.multiply
    else:
        assert adj.points is not None  # one of the two, checked when the rules loaded
        value = adj.points
        kind = "加减分" if isinstance(value, Expression) else ("扣分" if value < 0 else "加分")
    shown = _formula(value) if isinstance(value, Expression) else value
    return [adj.label, when, kind, shown]


def _formula(expression: object) -> str:
    """An expression in Chinese: labels for field codes, 且/或/非 for and/or/not."""
    if isinstance(expression, Expression):
        return chinese(expression)
    return _NAME.sub(lambda m: label(m[0]) if m[0] in FIELDS else m[0], str(expression))


def _field(code: str) -> str:
    return label(code) if code in FIELDS else code


def _chinese_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("十" if tens == 1 else digits[tens] + "十") + (digits[ones] if ones else "")
