"""Data checks that depend on the rules: only the fields a class actually uses are checked.

Each check is a vectorised mask over the class's members, reported as an issue with a stable
code: a field error rejects the row (its figures would make the score meaningless); a doubtful
indicator value (a zero denominator, an implausible size) is a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..fields import FIELDS, label
from ..rules import EvalClass
from ..rules.expr import parse
from .columns import FieldColumns


@dataclass(frozen=True)
class Finding:
    """Rows of one class that fail one check on one field."""

    code: str
    field: str
    message: str
    mask: np.ndarray


def check_class(klass: EvalClass, columns: FieldColumns, members: np.ndarray) -> list[Finding]:
    """Errors among `members` for the fields this class's formulas read."""
    findings: list[Finding] = []
    for name in sorted(klass.formula_fields()):
        spec = FIELDS[name]
        if spec.kind not in ("number", "int"):
            continue
        values = columns[name]
        if spec.positive:
            bad = members & ~(values > 0)
            code = "non-positive-land" if name in ("land_mu", "floor_area_m2") else "non-positive"
            message = f"“{label(name)}”缺失或不大于0，无法计算亩均指标"
        elif spec.minimum is not None:
            bad = members & (values < spec.minimum)
            code, message = "negative-value", f"“{label(name)}”为负数"
        else:
            continue
        if bad.any():
            findings.append(Finding(code, name, message, bad))
    return findings


def check_values(
    klass: EvalClass, values: dict[str, np.ndarray], columns: FieldColumns, members: np.ndarray
) -> list[Finding]:
    """Warnings on the class's indicator values: a denominator of 0 (the indicator cannot be
    computed, e.g. 0 employees) and a value above the indicator's `plausible_max`."""
    findings: list[Finding] = []
    for ind in klass.indicators:
        ratio = parse(ind.formula).as_ratio()
        if ratio is not None:
            denominator = np.asarray(ratio[1](columns, columns.n), dtype=float)
            zero = members & (denominator == 0)
            if zero.any():
                shown = "、".join(label(n) for n in sorted(ratio[1].names)) or ratio[1].text
                findings.append(Finding("zero-denominator", ind.code,
                                        f"“{shown}”为0，“{ind.label}”无法计算", zero))  # fmt: skip
        if ind.plausible_max is not None:
            high = members & (values[ind.code] > ind.plausible_max)
            if high.any():
                findings.append(Finding(
                    "implausible-value", ind.code,
                    f"“{ind.label}”超过{ind.plausible_max:g}{ind.unit}，明显超出合理范围，请核实",
                    high,
                ))  # fmt: skip
    return findings
