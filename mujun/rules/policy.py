"""The `[[policy]]` tables of a rules file (结果应用, DESIGN §6): what each tier (and condition)
brings a firm — a rate on one of its figures (差别化电价: 元 per kWh, higher in each further
consecutive year in the tier), a fixed amount, or only a label (参照享受A类政策).

Every policy names the document its numbers come from (`source`), or says the region chose them.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated

import numpy as np
from pydantic import BeforeValidator, Field, model_validator

from ..errors import ExpressionError
from ..fields import FIELDS
from . import expr, quote, types
from .base import AtKey, Code, Model, Text, sample_columns
from .compiled import FieldName, did_you_mean, field_labels
from .display import chinese

if TYPE_CHECKING:
    from .models import Rules

MAX_RATE = 1e6  # 元 per unit of a field
MAX_AMOUNT = 1e10  # a fixed amount, 元
MAX_YEARS = 50  # `consecutive`: the most consecutive years a policy may wait for

# What a policy's `when` may read besides the fields: the firm's result. `class` is a Python
# word, so it is read as `class_` inside (the text stays as written, for the 说明 sheet).
RESULT_NAMES: dict[str, types.Type] = {"tier": "text", "class_": "text", "tier_years": "number"}
_STRING = re.compile(r""""[^"\n]*"|'[^'\n]*'""")
_CLASS_WORD = re.compile(r"(?<![\w.])class(?!\w)")
_CLASS_INSIDE = re.compile(r"(?<![\w.])class_(?!\w)")


def _class_word(text: str) -> str:
    """`class` outside quoted strings → `class_`."""
    out, at = [], 0
    for m in _STRING.finditer(text):
        out += [_CLASS_WORD.sub("class_", text[at : m.start()]), m.group()]
        at = m.end()
    return "".join([*out, _CLASS_WORD.sub("class_", text[at:])])


def _compile_when(text: object) -> expr.Expression:
    """A condition on the fields and on the firm's `tier`, `class` and `tier_years`."""
    if isinstance(text, expr.Expression):
        return text
    if not isinstance(text, str):
        raise ValueError("须为写在引号中的表达式")
    known = [*FIELDS, *RESULT_NAMES]
    try:
        parsed = expr.parse(_class_word(text), known=known, labels=field_labels())
        typed = {**types.field_types(), **RESULT_NAMES}
        types.check_condition(parsed, typed)
        sample = sample_columns()
        sample.update(
            tier=np.array(["D", None], dtype=object),
            class_=np.array(["x", None], dtype=object),
            tier_years=np.array([1.0, np.nan]),
        )
        parsed.condition(sample, 2)
    except ExpressionError as exc:  # in the words the file wrote: `class`, not `class_`
        raise ExpressionError(_CLASS_INSIDE.sub("class", str(exc))) from None
    return replace(parsed, text=text)


_WORDS = {"tier_years": "连续年数", "class_": "评价类别", "tier": "档次"}
_RESULT_WORD = re.compile(r"(?<![\w“])(tier_years|class_|tier)(?![\w”])")


def condition_words(e: expr.Expression) -> str:
    """A policy's `when` as the 说明 sheet reads it: 且 / 或 / 非, fields as their labels, the
    firm's result as 档次, 评价类别 and 连续年数."""
    return _RESULT_WORD.sub(lambda m: _WORDS[m.group(1)], chinese(e))


PolicyCondition = Annotated[expr.Expression, BeforeValidator(_compile_when)]
Rate = Annotated[float, Field(ge=0, le=MAX_RATE)]


def _tier_list(value: object) -> object:
    return [value] if isinstance(value, str) else value


class Policy(Model):
    """One policy: who it applies to (`tier`, `when`, `consecutive`) and what it brings them.

    code: the results column `policy_<code>`. tier: a tier code or a list of them. when: a
    further condition (may read `tier`, `class`, `tier_years` and the fields). consecutive:
    applies only from the n-th consecutive year in the tier. field + rates: 元 per unit of the
    field in the 1st, 2nd, 3rd-and-later consecutive year (`rate`: one rate for every year);
    amount: a fixed amount; neither: a label only. source: the document the numbers come from,
    or "本地自定". account: a field shown in the policy's list (power_account). body: who applies
    it (供电公司)."""

    code: Code
    label: Text
    tier: Annotated[list[Text], BeforeValidator(_tier_list)] = []
    when: PolicyCondition | None = None
    consecutive: Annotated[int, Field(ge=1, le=MAX_YEARS)] | None = None
    field: FieldName | None = None
    rates: list[Rate] | None = None
    rate: Rate | None = None
    amount: Annotated[float, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT)] | None = None
    unit: str = "元"
    source: Text
    account: FieldName | None = None
    body: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        if not self.tier and self.when is None:
            raise ValueError("政策须给出 tier（适用档次）或 when（适用条件），或两者都给")
        if self.rates is not None and self.rate is not None:
            raise AtKey("rates（逐年费率）与 rate（统一费率）只能给出其一", "rate")
        if self.rates is not None and not self.rates:
            raise AtKey(
                "rates 不能为空：请列出第1、2、3年及以后的费率，如 [0.05, 0.10, 0.15]", "rates"
            )
        rated = self.rates is not None or self.rate is not None
        if self.amount is not None and (rated or self.field is not None):
            raise AtKey("amount（固定金额）与 field + rates（按字段计费）只能给出其一", "amount")
        if self.field is not None and not rated:
            raise AtKey("给出 field 时须给出 rates（逐年费率）或 rate（统一费率）", "field")
        if rated and self.field is None:
            key = "rates" if self.rates is not None else "rate"
            raise AtKey(f"给出 {key} 时须给出 field（按哪个字段计费，如 electricity_kwh）", key)
        if self.field is not None and FIELDS[self.field].kind not in ("number", "int"):
            raise AtKey(
                f"field 须为数值字段，{quote.value(self.field)}（{FIELDS[self.field].label}）不是",
                "field",
            )
        return self

    @property
    def kind(self) -> str:
        """'rate' (rate × field), 'amount' (a fixed amount) or 'label' (no amount)."""
        if self.field is not None:
            return "rate"
        return "amount" if self.amount is not None else "label"

    def rate_list(self) -> list[float]:
        """The rates by consecutive year (the last for every later year); [] without a field."""
        if self.rates is not None:
            return list(self.rates)
        return [self.rate] if self.rate is not None else []

    def rates_for(self, years: np.ndarray) -> np.ndarray:
        """The rate of each firm by its consecutive years in the tier: rates[min(years,
        len(rates)) − 1]; NaN without a count or a rate."""
        table = np.asarray(self.rate_list(), dtype=float)
        y = np.asarray(years, dtype=float)
        if not len(table):
            return np.full(len(y), np.nan)
        ok = np.isfinite(y) & (y >= 1)
        at = np.clip(np.where(ok, y, 1), 1, len(table)).astype(np.int64) - 1
        return np.where(ok, table[at], np.nan)

    def column(self) -> str:
        """Its results column."""
        return f"policy_{self.code}"

    def fields_used(self) -> set[str]:
        """The fields the policy reads (its `when`, `field` and `account`)."""
        names = set() if self.when is None else set(self.when.names) - set(RESULT_NAMES)
        return names | {f for f in (self.field, self.account) if f}


def check_policies(rules: Rules) -> None:
    """What one policy cannot see: its tiers exist in some class, and codes are not repeated."""
    tiers = list(dict.fromkeys(t for c in rules.classes for t in c.tiers.order))
    tiers.append("U")  # 不定等级
    codes: list[str] = []
    for i, policy in enumerate(rules.policies):
        if policy.code in codes:
            first = codes.index(policy.code)
            raise AtKey(
                f"政策代码 {quote.value(policy.code)} 重复（与 policy[{first}] 相同）",
                "policy",
                i,
                "code",
            )
        codes.append(policy.code)
        for j, tier in enumerate(policy.tier):
            if tier not in tiers:
                raise AtKey(
                    f"档次 {quote.value(tier)} 不是任何类别的档次（{'、'.join(tiers)}）"
                    + (did_you_mean(tier, tiers) or did_you_mean(tier.upper(), tiers)),
                    "policy",
                    i,
                    "tier",
                    *((j,) if len(policy.tier) > 1 else ()),
                )
