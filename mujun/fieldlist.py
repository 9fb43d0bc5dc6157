"""Every field and the headers it is read from, as `mujun fields` prints them (DESIGN §3, §7).

A clerk whose column was not recognised looks up the field here: its code (what a rules file's
`[input.aliases]` names), Chinese label, unit, the headers mujun reads it from (built-in, then
the rules' own aliases) and whether the given rules need it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .fields import FIELDS, declared, input_fields, inputs_behind
from .rules import Rules

KIND_WORDS = {
    "key": "代码",
    "text": "文本",
    "int": "整数",
    "number": "数值",
    "bool": "是/否",
    "date": "日期",
}


@dataclass(frozen=True)
class FieldRow:
    """One field as listed: `needed` is None without rules, else whether the rules read it
    (directly, or through a field computed from it)."""

    code: str
    label: str
    unit: str
    kind: str
    department: str
    headers: tuple[str, ...]
    rules_headers: tuple[str, ...]
    derived: bool
    computed_from: tuple[str, ...]  # a derived field's inputs, or what a total falls back to
    needed: bool | None


def field_rows(rules: Rules | None = None) -> list[FieldRow]:
    """Every field in `fields.FIELDS` order: input fields, then the derived ones."""
    with declared(rules.catalog if rules is not None else None):
        return _rows(rules)


def _rows(rules: Rules | None) -> list[FieldRow]:
    aliases = rules.input.aliases if rules is not None else {}
    used = inputs_behind(rules.fields_used()) | {"credit_code", "year"} if rules else set()
    rows = []
    for code in (*input_fields(), *(c for c in FIELDS if c not in input_fields())):
        f = FIELDS[code]
        rows.append(
            FieldRow(
                code=code,
                label=f.label,
                unit=f.unit,
                kind=KIND_WORDS[f.kind],
                department=f.department,
                headers=() if f.derived else f.aliases,
                rules_headers=tuple(aliases.get(code, ())),
                derived=f.derived,
                computed_from=f.needs or f.fallback,
                needed=None if rules is None else code in used,
            )
        )
    return rows
