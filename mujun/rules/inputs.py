"""What a rules file says about its input: file priorities, more headers for built-in fields
(`[input.aliases]`) and the region's park names (`[parks]`), each checked when the rules load.

An alias is a header a department writes for a built-in field (`占地面积(亩)` for
land_owned_mu). It may state a unit, which must be one the field converts from; it may not be a
header that already means another field, nor an alias of two fields: a header read as two
things would be a guess.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from ..fields import FIELDS, builtin_headers, normalize_header, split_unit
from ..units import unit_factor
from . import quote
from .base import AtKey, Model, Text
from .compiled import did_you_mean
from .unit_key import KEY_LABEL, key_as_alias


class InputRules(Model):
    """How departmental files are read and merged.

    priority: file-name patterns (fnmatch) in priority order; when two files give different
    values for one field, the earlier pattern's file wins.
    aliases: field code → more headers read as that field.
    key: the column that identifies a unit (default the credit code); read as the table's
      `credit_code` field, so results keep that column name whatever the unit is.
    key_label: how workbooks and messages name that column.
    key_check: "credit_code" (the GB 32100 checks) or "none" (any non-blank text is a key).
    """

    priority: list[str] = []
    aliases: dict[str, list[Text]] = {}
    key: Text = KEY_LABEL
    key_label: Text = KEY_LABEL
    key_check: Literal["credit_code", "none"] = "credit_code"

    @model_validator(mode="before")
    @classmethod
    def _key_as_alias(cls, data: Any) -> Any:
        """`key` names the column read as the key: it becomes a header of credit_code (see
        rules/unit_key.py), so that whoever reads with `aliases` reads the key too."""
        return key_as_alias(data)

    @model_validator(mode="after")
    def _aliases(self) -> InputRules:
        inputs = [c for c, f in FIELDS.items() if not f.derived]
        known = builtin_headers()
        taken: dict[str, str] = {}  # bare alias → the field of these rules it names
        for code, headers in self.aliases.items():
            if code not in inputs:
                derived = code in FIELDS
                why = "是计算得出的字段，不从文件读取" if derived else "不是已知字段代码"
                raise AtKey(
                    f"[input.aliases] 中的 {quote.value(code)} {why}"
                    + ("" if derived else did_you_mean(code, inputs))
                    + "（mujun fields 列出全部字段代码）",
                    "aliases",
                    code,
                )
            spec = FIELDS[code]
            for i, text in enumerate(headers):
                name, unit = split_unit(normalize_header(text))
                at = ("aliases", code, i)
                if unit and spec.unit and unit_factor(spec.unit, unit) is None:
                    raise AtKey(
                        f"别名 {quote.value(text)} 中的单位“{unit}”不能换算为"
                        f"“{spec.label}”的单位“{spec.unit}”",
                        *at,
                    )
                other = known.get(name)
                if other is not None and other != code:
                    raise AtKey(
                        f"别名 {quote.value(text)} 已是字段 {other}（{FIELDS[other].label}）的"
                        f"表头，不能再作为 {code}（{spec.label}）的别名",
                        *at,
                    )
                if taken.get(name, code) != code:
                    raise AtKey(
                        f"别名 {quote.value(text)} 同时列在 {taken[name]} 和 {code} 之下",
                        *at,
                    )
                taken[name] = code
        return self


def park_key(name: str) -> str:
    """A park name for comparing spellings: NFKC (full-width → half-width), no spaces."""
    return normalize_header(name)


class Parks(Model):
    """The region's parks: canonical `names`, and `aliases` (another spelling → its name). A
    firm's park is shown by its canonical name; a name that is neither is reported."""

    names: list[Text] = Field(min_length=1)
    aliases: dict[str, Text] = {}

    @model_validator(mode="after")
    def _consistent(self) -> Parks:
        seen: dict[str, int] = {}
        for i, name in enumerate(self.names):
            key = park_key(name)
            if key in seen:
                raise AtKey(f"园区名称 {quote.value(name)} 与 names[{seen[key]}] 重复", "names", i)
            seen[key] = i
        spellings: dict[str, str] = {}  # park key → the first alias written so
        for spelling, target in self.aliases.items():
            if not spelling.strip():
                raise AtKey("园区别名不能为空", "aliases")
            if target not in self.names:
                raise AtKey(
                    f"别名 {quote.value(spelling)} 指向的 {quote.value(target)} 不在 names 之中"
                    + did_you_mean(target, self.names),
                    "aliases",
                    spelling,
                )
            key = park_key(spelling)
            if key in seen and self.names[seen[key]] != target:
                raise AtKey(
                    f"别名 {quote.value(spelling)} 本身是 names 中的园区，不能再指向 "
                    f"{quote.value(target)}",
                    "aliases",
                    spelling,
                )
            earlier = spellings.setdefault(key, spelling)
            if self.aliases[earlier] != target:
                raise AtKey(
                    f"别名 {quote.value(spelling)} 与 {quote.value(earlier)} 写法相同（不计空格和"
                    f"全角半角），却分别指向 {quote.value(target)} 和 "
                    f"{quote.value(self.aliases[earlier])}",
                    "aliases",
                    spelling,
                )
        return self

    def lookup(self) -> dict[str, str]:
        """Park key (see `park_key`) → canonical name, for every name and alias."""
        out = {park_key(n): n for n in self.names}
        for spelling, target in self.aliases.items():
            out.setdefault(park_key(spelling), target)
        return out
