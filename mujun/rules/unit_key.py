"""Units other than firms: `[input] key`, `key_label`, `key_check`.

A rules file may evaluate countries (uCode) or regions instead of firms. The column it names as
`key` is read as the table's `credit_code` field — internally and in the results the key column
keeps that name whatever the unit is — by making it a header of credit_code: reading knows no
rules beyond the aliases it is given, and every caller that passes `[input.aliases]` reads the
key too. `key_check = "none"` is applied by the evaluation (engine/unit_keys.py), never by
reading, so that a table read without rules and one read with them are judged alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import pandas as pd

from ..fields import FIELDS, builtin_headers, normalize_header, split_unit
from . import quote
from .base import AtKey

KEY_LABEL = "统一社会信用代码"  # how the key column is named when it is the credit code
_SHOWN: ContextVar[str] = ContextVar("key_label", default=KEY_LABEL)
CREDIT_WORDS = re.compile("(?:统一社会)?信用代码")  # how messages name the credit code


def is_credit_header(text: str) -> bool:
    """Whether a header already means the credit code (统一社会信用代码, 信用代码, credit_code…)."""
    return builtin_headers().get(normalize_header(text)) == "credit_code"


def key_as_alias(data: Any) -> Any:
    """The raw `[input]` table with its `key` column added to the headers of credit_code, and
    `key_label` defaulting to that column's header. A key that is already a header of another
    field is an error (a column read as two things would be a guess)."""
    if not isinstance(data, dict):
        return data
    key = data.get("key")
    if not isinstance(key, str) or not key.strip() or is_credit_header(key):
        return data
    name = split_unit(normalize_header(key))[0]
    other = builtin_headers().get(name)
    if other is not None:
        raise AtKey(
            f"key = {quote.value(key)} 已是字段 {other}（{FIELDS[other].label}）的表头，"
            "不能再作为标识评价单位的列",
            "key",
        )
    out = dict(data)
    aliases = out.get("aliases", {})
    if isinstance(aliases, dict):
        given = aliases.get("credit_code", [])
        if isinstance(given, list):
            headers = given if key in given else [key, *given]
            out["aliases"] = {**aliases, "credit_code": headers}
    out.setdefault("key_label", key)
    return out


@contextmanager
def key_labelled(rules: Any) -> Iterator[None]:
    """Within the block, `key_label()` is the `[input] key_label` of `rules` (any object with
    `.input`; None or another object: the credit code's name). Workbooks and the report are
    written inside it (`rules.declared.with_rules_fields`), as they are with the declared fields."""
    inputs = getattr(rules, "input", None)
    token = _SHOWN.set(getattr(inputs, "key_label", KEY_LABEL))
    try:
        yield
    finally:
        _SHOWN.reset(token)


def key_label() -> str:
    """How the key column is named in what is being written (see `key_labelled`)."""
    return _SHOWN.get()


def shown_header(header: str) -> str:
    """A column header as written: the credit code's header becomes the rules' key label."""
    return key_label() if header == KEY_LABEL else header


def said_key(text: pd.Series, label: str | None = None) -> pd.Series:
    """Texts (messages, issue titles) naming the credit code with it named `label` instead
    (default: `key_label()`); unchanged when that is the credit code's own name."""
    label = key_label() if label is None else label
    if label == KEY_LABEL:
        return text
    return text.astype("string").str.replace(CREDIT_WORDS, label, regex=True)
