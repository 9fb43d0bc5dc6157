"""The composite steps in words and tables: the 说明 sheet's part for a composite class (its
hierarchy, denominators, imputation, treatment, normalisation) and the internal workbook's
数据处理 sheet (the treatment table and every winsorised point with its reported value).

The 说明 part shows the method and counts only (it is in park workbooks too); the 数据处理
sheet shows reported values and is written into the internal workbook alone.
"""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook

from ..engine.evaluation import Evaluation
from ..fields import label
from ..rules import EvalClass, Indicator
from ..rules.composite import AGGREGATE_WORDS, group_method, treatment
from .grid_sheet import CELL, GRID, Lines
from .layout import print_setup

SHEET = "数据处理"
_STAT = {"mean": "平均值", "median": "中位数", "previous": "该单位上一年的值"}
_SIDE = {"low": "低端（调高）", "high": "高端（调低）"}


def denominated_formula(ind: Indicator, formula: str, denominator: str) -> str:
    """The indicator's formula as the 说明 sheet writes it (`formula`, `denominator`: both
    in words), ÷ its denominator when it has one."""
    if ind.denominator is None:
        return formula
    return f"({formula}) ÷ ({denominator})"


def imputation_words(ind: Indicator) -> str:
    """How a missing value of the indicator is imputed, in words."""
    spec = ind.impute
    if spec is None:
        return ""
    if spec.stat == "previous":
        return "插补：取该单位上一年的值（无上一年数据的仍缺失）"
    where = f"{label(spec.by)}相同的单位" if spec.by else "本类单位"
    return f"插补：取{where}的{_STAT[spec.stat]}（无可用数据的仍缺失）"


def treatment_words(klass: EvalClass, ind: Indicator | None) -> str:
    """The outlier treatment that applies, in words ('不处理' when none)."""
    spec = treatment(klass, ind)
    if spec is None:
        return "不处理"
    then = "；仍不达标的取对数（log）变换" if spec.log else "；仍不达标的保留缩尾后的值"
    return (
        f"偏度绝对值 ≥ {spec.skew:g} 且峰度 ≥ {spec.kurtosis:g} 时，逐点缩尾偏向一侧的极端值"
        f"（至多 {spec.max_points} 个点）{then}"
    )


def class_notes(out: Lines, ev: Evaluation, klass: EvalClass) -> None:
    """The 说明 sheet's composite part of one class (nothing for a class without one)."""
    if not klass.composite:
        return
    if klass.aggregate == "sum":
        out.fact("汇总方法", "各项得分求和（分组得分为其下各项得分之和）")
    else:
        out.fact(
            "汇总方法",
            f"{AGGREGATE_WORDS[klass.aggregate]}：各指标按其评分方法标准化为 0–100 分，"
            "权重只在汇总时起作用（相对权重），缺少数据的下级项不计，其余下级项的权重重新归一",
        )
    if klass.groups:
        labels = {g.code: g.label for g in klass.groups}
        rows: list[list[Any]] = [
            ["分组", g.label, labels.get(g.parent or "", "（类别总分）"), g.weight,
             AGGREGATE_WORDS[group_method(klass, g)]]
            for g in klass.groups
        ]  # fmt: skip
        rows += [
            ["指标", i.label, labels.get(i.parent or "", "（类别总分）"), i.weight, "—"]
            for i in klass.indicators
        ]
        out.table(["层级", "名称", "上级", "权重", "下级汇总方法"], rows)
    out.fact("离群值处理（类别默认）", treatment_words(klass, None))
    special = [
        [i.label, treatment_words(klass, i)] for i in klass.indicators if i.treat is not None
    ]
    if special:
        out.table(["指标", "离群值处理（本指标另定）"], special)
    imputed = [[i.label, imputation_words(i)] for i in klass.indicators if i.impute is not None]
    if imputed:
        out.table(["指标", "缺失值插补"], imputed)
    done = ev.stages.treatment
    mine = done[done["class"] == klass.code] if len(done) else done
    if len(mine):
        names = {i.code: i.label for i in klass.indicators}
        out.table(
            ["指标", "处理前偏度", "处理前峰度", "低端缩尾点数", "高端缩尾点数", "对数变换",
             "处理后偏度", "处理后峰度", "是否达标"],
            [
                [names.get(r.indicator, r.indicator), _round(r.skew_before),
                 _round(r.kurtosis_before), r.winsorised_low, r.winsorised_high,
                 "是" if r.log else "否", _round(r.skew_after), _round(r.kurtosis_after),
                 "是" if r.passed else "否"]
                for r in mine.itertuples(index=False)
            ],
        )  # fmt: skip


def _round(x: Any) -> Any:
    try:
        value = float(x)
    except (TypeError, ValueError):
        return x
    return round(value, 3) if value == value else "—"


def add_treatment_sheet(wb: Workbook, ev: Evaluation) -> None:
    """The internal workbook's 数据处理 sheet: per composite class, the treatment table and
    every winsorised point with its reported and scored value (internal: raw figures)."""
    if not ev.stages:
        return
    ws = wb.create_sheet(SHEET)
    print_setup(ws, [CELL] * GRID)
    out = Lines(ws)
    out.title("数据处理（离群值缩尾与插补）——内部使用，含企业原始数据")
    names = {c.code: c for c in ev.rules.classes}
    points = ev.stages.winsorised
    firm = dict(
        zip(
            ev.results["credit_code"].astype(str),
            ev.results["name"].astype("string").fillna(""),
            strict=False,
        )
    )
    for code, klass in names.items():
        if not klass.composite:
            continue
        out.heading(klass.label)
        class_notes(out, ev, klass)
        labels = {i.code: i.label for i in klass.indicators}
        mine = points[points["class"] == code] if len(points) else points
        out.table(
            ["指标", "统一社会信用代码", "名称", "缩尾端", "原值", "计分所用值"],
            [
                [labels.get(r.indicator, r.indicator), r.credit_code,
                 firm.get(str(r.credit_code), ""), _SIDE.get(r.side, r.side),
                 float(r.raw), float(r.treated)]
                for r in mine.itertuples(index=False)
            ],
            empty="（无缩尾的数据点）",
        )  # fmt: skip
        imputed = ev.issues[ev.issues["code"] == "imputed-value"]
        imputed = imputed[imputed["field"].isin(list(labels))]
        if len(imputed):
            out.table(
                ["指标", "统一社会信用代码", "名称", "插补值"],
                [
                    [labels.get(r.field, r.field), r.credit_code,
                     firm.get(str(r.credit_code), ""), r.value]
                    for r in imputed.itertuples(index=False)
                ],
            )  # fmt: skip
