"""Fields a rules file adds: `[[field]]` (collected from departments) and `[[derive]]` (computed
once per evaluation), DESIGN §4.

A declared field is read from departmental files like a built-in one (its label and aliases are
headers, its unit converts); a derived field is an expression or a map from code prefixes to
group names. Both become `fields.Field`s of the rules' catalog (`Rules.catalog`), which reading,
the evaluation and the exports use through `fields.declared`. While the rules validate, the
catalog pre-scanned from the raw file is in use, so expressions may name these fields.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Concatenate, Literal, ParamSpec, TypeVar

from pydantic import Field as PydanticField
from pydantic import field_validator, model_validator

from ..fields import (
    BUILTIN,
    BUREAU,
    DEPARTMENTS,
    FIELDS,
    Field,
    Kind,
    builtin_headers,
    declared,
    normalize_header,
    split_unit,
)
from ..units import UNIT_FACTORS
from . import quote
from .base import AtKey, Code, Model, Text
from .compiled import Condition, did_you_mean
from .unit_key import key_labelled

DeclaredKind = Literal["number", "count", "flag", "text", "date"]
KINDS: dict[str, Any] = {  # a declared kind → the kind of `fields.Field`
    "number": "number",
    "count": "number",
    "flag": "bool",
    "text": "text",
    "date": "date",
}
P = ParamSpec("P")
T = TypeVar("T")
RESERVED = frozenset({"previous", "where", "min", "max", "abs", "log", "sqrt", "isnull"})
RESERVED |= {"coalesce", "total_score", "rank", "rank_pct", "true", "false"}


class DeclaredField(Model):
    """A field the region collects that mujun does not know (`[[field]]`)."""

    code: Code
    label: Text
    unit: str = ""
    kind: DeclaredKind = "number"
    aliases: list[Text] = []
    department: str = BUREAU
    note: str = ""

    @field_validator("code")
    @classmethod
    def _new_code(cls, code: str) -> str:
        if code in BUILTIN:
            raise ValueError(
                f"{quote.value(code)} 已是内置字段（{BUILTIN[code].label}），不必声明；"
                "更多表头请写在 [input.aliases]"
            )
        if code in RESERVED or code.startswith(("score_", "value_")):
            raise ValueError(f"{quote.value(code)} 是表达式中的保留名称，请换一个代码")
        return code

    @field_validator("department")
    @classmethod
    def _department(cls, name: str) -> str:
        if name not in DEPARTMENTS:
            raise ValueError(
                f"部门 {quote.value(name)} 未知，须为 {'、'.join(DEPARTMENTS)} 之一"
                + did_you_mean(name, list(DEPARTMENTS))
            )
        return name

    @model_validator(mode="after")
    def _unit(self) -> DeclaredField:
        if self.kind == "number" and self.unit and self.unit not in UNIT_FACTORS:
            units = "、".join(UNIT_FACTORS)
            raise AtKey(
                f"数值字段的单位 {quote.value(self.unit)} 无法换算；须为 {units} 之一"
                "（表头写 元、平方米 等时按此换算），或不写单位"
                + did_you_mean(self.unit, [*UNIT_FACTORS]),
                "unit",
            )
        if self.kind in ("flag", "date") and self.unit:
            raise AtKey(f"kind = {self.kind!r} 的字段不带单位", "unit")
        return self

    def as_field(self) -> Field:
        """The field as reading and evaluation know it."""
        return Field(
            self.code,
            KINDS[self.kind],
            self.label,
            self.unit,
            minimum=0 if self.kind == "count" else None,
            aliases=(self.label, *self.aliases),
            department=self.department,
            note=self.note,
        )


class Derive(Model):
    """A field computed once per evaluation (`[[derive]]`): a `formula`, or a categorical map
    `from` a text field: group name → code prefixes, the first matching prefix wins, `default`
    where none matches (missing without one)."""

    code: Code
    label: Text
    unit: str = ""
    formula: Condition | None = None  # a number, or 是/否 (as 1 and 0)
    source: str | None = PydanticField(default=None, alias="from")
    map: dict[Text, list[Text]] = {}
    default: Text | None = None

    @field_validator("code")
    @classmethod
    def _new_code(cls, code: str) -> str:
        return DeclaredField._new_code(code)

    @model_validator(mode="after")
    def _one_way(self) -> Derive:
        if (self.formula is None) == (self.source is None):
            raise AtKey(
                "派生字段须给出 formula（表达式）或 from 与 map（按代码前缀分组）之一", "code"
            )
        if self.formula is not None:
            for key, given in (("map", bool(self.map)), ("default", self.default is not None)):
                if given:
                    raise AtKey(f"{key} 只与 from 一起使用，formula 派生字段不带 {key}", key)
            return self
        if not self.map:
            raise AtKey("from 派生字段须给出 map（组名 = [代码前缀, …]）", "from")
        seen: dict[str, str] = {}
        for group, prefixes in self.map.items():
            if not prefixes:
                raise AtKey(f"组 {quote.value(group)} 没有列出代码前缀", "map", group)
            for i, prefix in enumerate(prefixes):
                if prefix in seen:
                    where = "本组" if seen[prefix] == group else f"组 {quote.value(seen[prefix])}"
                    raise AtKey(
                        f"代码前缀 {quote.value(prefix)} 列了两次（已在{where}）", "map", group, i
                    )
                seen[prefix] = group
        return self

    def needs(self) -> tuple[str, ...]:
        """The fields the derive reads."""
        if self.formula is not None:
            return tuple(sorted(self.formula.names))
        return (self.source,) if self.source else ()

    def as_field(self, needs: tuple[str, ...]) -> Field:
        """The field as the evaluation knows it (`needs`: the input fields behind it)."""
        kind: Any = "number" if self.formula is not None else "text"
        return Field(
            self.code, kind, self.label, self.unit, derived=True, needs=needs, department=""
        )


def catalog(fields: list[DeclaredField], derives: list[Derive]) -> dict[str, Field]:
    """The fields of a rules file: declared, then derived (with the input fields behind them)."""
    out: dict[str, Field] = {f.code: f.as_field() for f in fields}
    for d in derives:
        behind: list[str] = []
        for name in d.needs():
            spec = out.get(name) or BUILTIN.get(name)
            behind += list(spec.needs) if spec is not None and spec.derived else [name]
        out[d.code] = d.as_field(tuple(dict.fromkeys(behind)))
    return out


def prescanned(raw: object) -> dict[str, Field]:
    """The declared and derived fields of a raw rules file, as far as they can be seen before
    validation (what is malformed is skipped here and refused by the models)."""
    if not isinstance(raw, Mapping):
        return {}
    out: dict[str, Field] = {}
    for entry in _tables(raw.get("field")):
        code, kind = entry.get("code"), entry.get("kind", "number")
        if isinstance(code, str) and code not in BUILTIN and kind in KINDS:
            label, unit = entry.get("label"), entry.get("unit", "")
            out[code] = Field(
                code,
                KINDS[kind],
                label if isinstance(label, str) else code,
                unit if isinstance(unit, str) else "",
            )
    for entry in _tables(raw.get("derive")):
        code = entry.get("code")
        if isinstance(code, str) and code not in BUILTIN and code not in out:
            label = entry.get("label")
            made: Kind = "text" if "from" in entry else "number"
            out[code] = Field(code, made, label if isinstance(label, str) else code, derived=True)
    return out


def _tables(value: object) -> Iterator[Mapping[str, Any]]:
    if isinstance(value, list):
        yield from (v for v in value if isinstance(v, Mapping))


@contextmanager
def validating(raw: object) -> Iterator[None]:
    """The raw file's declared and derived fields in use while its models validate."""
    with declared(prescanned(raw)):
        yield


def check_headers(fields: list[DeclaredField], aliases: Mapping[str, list[str]]) -> None:
    """A declared field's label or alias may be no built-in header, no header of another
    declared field and no `[input.aliases]` header: a header read as two things is a guess."""
    known = builtin_headers()
    extra = {split_unit(normalize_header(t))[0]: code for code, ts in aliases.items() for t in ts}
    taken: dict[str, str] = {}
    for i, f in enumerate(fields):
        for j, text in enumerate((f.label, *f.aliases)):
            name = split_unit(normalize_header(text))[0]
            at: tuple[str | int, ...] = (
                ("field", i, "label") if j == 0 else ("field", i, "aliases", j - 1)
            )
            other = known.get(name) or known.get(normalize_header(text)) or extra.get(name)
            if other is not None:
                raise AtKey(
                    f"表头 {quote.value(text)} 已是字段 {other}（{BUILTIN[other].label}）的表头，"
                    f"不能再作为声明字段 {f.code} 的名称或别名",
                    *at,
                )
            if taken.get(name, f.code) != f.code:
                raise AtKey(
                    f"表头 {quote.value(text)} 同时是声明字段 {taken[name]} 和 {f.code} 的表头",
                    *at,
                )
            taken[name] = f.code


def with_rules_fields(fn: Callable[Concatenate[Any, P], T]) -> Callable[Concatenate[Any, P], T]:
    """Run `fn(first, …)` with the declared and derived fields of `first` in use: `first` is
    the rules, or an object holding them as `.rules` (an Evaluation); the key column is named
    by the rules' `[input] key_label` meanwhile (rules/unit_key.py)."""

    @functools.wraps(fn)
    def wrapper(first: Any, /, *args: P.args, **kwargs: P.kwargs) -> T:
        rules = first if hasattr(first, "catalog") else getattr(first, "rules", None)
        with declared(getattr(rules, "catalog", None)), key_labelled(rules):
            return fn(first, *args, **kwargs)

    return wrapper


def check_declared(
    fields: list[DeclaredField], derives: list[Derive], aliases: Mapping[str, list[str]]
) -> None:
    """What one field or derive cannot see: codes declared twice, headers read as two fields,
    derive labels that name another field, a derive using a later one, a map from a field that
    is not text."""
    codes = [f.code for f in fields] + [d.code for d in derives]
    for i, code in enumerate(codes):
        if code in codes[:i]:
            where = ("field", i) if i < len(fields) else ("derive", i - len(fields))
            raise AtKey(f"字段代码 {quote.value(code)} 声明了两次", *where, "code")
    check_headers(fields, aliases)
    labels = {f.label: c for c, f in BUILTIN.items()} | {f.label: f.code for f in fields}
    for i, d in enumerate(derives):
        if d.label in labels:
            message = f"名称 {quote.value(d.label)} 已是字段 {labels[d.label]} 的名称"
            raise AtKey(message, "derive", i, "label")
        labels[d.label] = d.code
        uses = sorted(set(d.needs()) & {e.code for e in derives[i:]})
        if uses:
            raise AtKey(
                f"派生字段 {d.code} 用到 {quote.value(uses[0])}：只能用在它之前定义的派生字段",
                "derive",
                i,
                "formula" if d.formula is not None else "from",
            )
        spec = FIELDS.get(d.source) if d.source is not None else None
        if d.source is not None and (spec is None or spec.kind not in ("text", "key")):
            why = "不是文本字段" if spec is not None else "未知"
            raise AtKey(
                f"from 的字段 {quote.value(d.source)} {why}（按代码前缀分组须用文本字段，如"
                " industry_code）" + ("" if spec else did_you_mean(d.source, [*FIELDS])),
                "derive",
                i,
                "from",
            )
