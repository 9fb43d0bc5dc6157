"""The 说明 sheet's table of the fields a rules file declares and derives, in Chinese: code,
中文名, 单位 and where each comes from (the department and the headers read) or how it is
computed (its formula, or its groups of code prefixes)."""

from __future__ import annotations

from ..fields import label
from ..rules import Rules
from ..rules.declared import DeclaredField, Derive
from ..rules.display import chinese

HEADERS = ["类型", "代码", "中文名", "单位", "来源/算法"]
_KINDS = {"number": "数值", "count": "计数", "flag": "是/否", "text": "文字", "date": "日期"}


def field_rows(rules: Rules) -> list[list[str]]:
    """One row per declared field, then one per derived field, in the order written."""
    return [_declared(f) for f in rules.fields] + [_derived(d) for d in rules.derive]


def _declared(f: DeclaredField) -> list[str]:
    headers = "、".join(f"“{h}”" for h in (f.label, *f.aliases))
    source = f"{f.department}提供（{_KINDS[f.kind]}），读取表头{headers}"
    return ["声明字段", f.code, f.label, f.unit, source + (f"；{f.note}" if f.note else "")]


def _derived(d: Derive) -> list[str]:
    if d.formula is not None:
        how = f"按公式计算：{chinese(d.formula)}"
    else:
        groups = "；".join(f"{g}：{'、'.join(p)}" for g, p in d.map.items())
        rest = f"；均不符合的为“{d.default}”" if d.default is not None else "；均不符合的为空"
        how = f"按“{label(d.source or '')}”的代码开头分组（先列者优先）：{groups}{rest}"
    return ["派生字段", d.code, d.label, d.unit, how]


def energy_basis(rules: Rules) -> str:
    """The basis the rules evaluate 综合能耗 at, in words ('' when the rules do not say)."""
    basis = rules.energy.basis
    return f"综合能耗按{basis}计（企业填报口径不同的，列入问题清单）" if basis else ""
