"""Data checks that depend on the rules: only the fields a class actually uses are checked.

Each check is a vectorised mask over the class's members; a hit is an error that rejects the
row (its figures would make the score meaningless), reported as an issue with a stable code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .expr import parse
from .fields import FIELDS, label
from .indicators import FieldColumns
from .rules import EvalClass


@dataclass(frozen=True)
class Finding:
    """Rows of one class that fail one check on one field."""

    code: str
    field: str
    message: str
    mask: np.ndarray


def fields_used(klass: EvalClass) -> list[str]:
    """Fields named by the class's indicator formulas, in a stable order."""
    names: set[str] = set()
    for ind in klass.indicators:
        names |= parse(ind.formula).names
    return sorted(names)


def check_class(klass: EvalClass, columns: FieldColumns, members: np.ndarray) -> list[Finding]:
    """Errors among `members` for the fields this class's formulas read."""
    findings: list[Finding] = []
    for name in fields_used(klass):
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
