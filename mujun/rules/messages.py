"""Pydantic's validation errors of a rules file, said in Chinese with the key and its line.

Every error type a TOML file can trigger is rewritten (unknown and missing keys, wrong types,
bad choices, bounds, lists too short, the validators' own messages); any other type becomes a
plain Chinese statement. The errors of one union (a benchmark is a number or a word) are said
once. The first error is the message; a few more follow it, the rest are counted.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import RulesError
from . import quote
from .base import AtKey
from .keyhints import place
from .locate import key_path, line_of

MAX_LISTED = 5  # problems listed after the first; the rest are only counted

_TYPES = {  # pydantic's type errors, said in Chinese (values are never converted)
    "float_type": "须为数值",
    "int_type": "须为整数",
    "string_type": "须为文本（加引号）",
    "bool_type": "须为 true 或 false",
    "list_type": "须为数组",
    "tuple_type": "须为数组",
    "set_type": "须为数组",
    "dict_type": "须为表",
    "model_type": "须为表",
    "model_attributes_type": "须为表",
    "int_from_float": "须为整数",
    "int_parsing": "须为整数",
    "float_parsing": "须为数值",
    "bool_parsing": "须为 true 或 false",
    "string_sub_type": "须为文本（加引号）",
    "date_type": "须为日期",
    "datetime_type": "须为日期时间",
    "time_type": "须为时间",
    "none_required": "不应给出",
    "finite_number": "须为有限数值，不能是 nan 或 inf",
    "int_parsing_size": "整数超出范围",
    "multiple_of": "须为规定数值的整数倍",
}
_BOUNDS = {  # pydantic's bound errors, said in Chinese: (its context key, the words)
    "greater_than": ("gt", "须大于 "),
    "greater_than_equal": ("ge", "须不小于 "),
    "less_than": ("lt", "须小于 "),
    "less_than_equal": ("le", "须不大于 "),
}
_CJK = re.compile(r"[\u4e00-\u9fff]")


def rules_error(
    exc: ValidationError,
    raw: Mapping[str, Any],
    lines: dict[tuple[Any, ...], int],
    file: str,
    root: type[BaseModel],
) -> RulesError:
    """One RulesError for all of pydantic's errors: the first located, a few more listed."""
    problems = _problems(exc, raw, root)
    said = [
        (line_of(loc, lines), key_path(loc), _say(err, loc))
        for loc, err in problems[: 1 + MAX_LISTED]
    ]
    first_line, first_key, message = said[0]
    rest = [f"第 {ln} 行 {k}：{m}" if ln else f"{k}：{m}" for ln, k, m in said[1 : 1 + MAX_LISTED]]
    if len(problems) > 1 + MAX_LISTED:
        rest.append(f"另有 {len(problems) - 1 - MAX_LISTED} 处问题未列出")
    if rest:
        message += "（另有：" + "；".join(rest) + "）"
    return RulesError(message, file=file, line=first_line, key=first_key)


def _problems(
    exc: ValidationError, raw: Mapping[str, Any], root: type[BaseModel]
) -> list[tuple[tuple[Any, ...], Any]]:
    """(location in the file, error) of every problem, a union's errors said once; a misspelt
    key first (it also makes the intended key "missing")."""
    by_union: dict[tuple[Any, ...], list[tuple[tuple[Any, ...], Any]]] = {}
    plain: list[tuple[tuple[Any, ...], Any]] = []
    for found in exc.errors():
        loc, union, keys = _in_file(found, raw, root)
        err: dict[str, Any] = {**found, "keys": keys}  # the keys an unknown key's table takes
        if union is None:
            plain.append((loc, err))
        else:
            by_union.setdefault(union, []).append((loc, err))
    for union, members in by_union.items():
        deeper = [(loc, err) for loc, err in members if len(loc) > len(union)]
        if deeper:  # a member whose shape matched: its errors are the ones that tell
            plain.extend(deeper)
        else:
            plain.append((union, {**members[0][1], "type": "union", "members": members}))
    return sorted(plain, key=lambda p: p[1]["type"] != "extra_forbidden")


def _in_file(
    err: Any, raw: Mapping[str, Any], root: type[BaseModel]
) -> tuple[tuple[Any, ...], tuple[Any, ...] | None, tuple[str, ...]]:
    """The error's location as keys of the file (union tags dropped, a validator's AtKey
    appended), the location of the union it came from, if any, and the keys accepted by the
    table the location ends in (`keyhints.py`)."""
    where = place(tuple(err["loc"]), raw, root)
    error = err.get("ctx", {}).get("error")
    at = error.at if isinstance(error, AtKey) else ()
    return (*where.loc, *at), where.union, where.keys


def _say(err: Any, loc: tuple[Any, ...]) -> str:
    """What is wrong, in Chinese; ASCII words only where the file has them (keys, values)."""
    kind = err["type"]
    if kind == "union":
        wants = dict.fromkeys(_want(e, loc) for _, e in err["members"])
        return "，或".join(wants) + _got(err)
    message = _want(err, loc)
    if kind in ("extra_forbidden", "missing", "value_error", "assertion_error"):
        return message
    return message + _got(err)


def _got(err: Any) -> str:
    return f"（实为 {quote.value(err['input'])}）" if "input" in err else ""


def _want(err: Any, loc: tuple[Any, ...]) -> str:
    kind, ctx = err["type"], err.get("ctx", {})
    if kind == "extra_forbidden":
        key = str(loc[-1])
        return f"未知的键 {quote.value(key)}" + _hint(key, list(err["keys"]))
    if kind == "missing":
        return f"缺少必填的键 {quote.value(str(loc[-1]))}"
    if kind in _BOUNDS and _BOUNDS[kind][0] in ctx:
        words = _BOUNDS[kind][1]
        return f"{words}{ctx[_BOUNDS[kind][0]]:g}"
    if kind == "float_type" and type(err.get("input")) is int:
        return "数值超出范围"
    if kind in _TYPES:
        return _TYPES[kind]
    if kind == "literal_error":
        options = re.split(r", | or ", str(ctx.get("expected", "")))
        word = err.get("input")
        hint = _hint(word, [o.strip("'") for o in options]) if isinstance(word, str) else ""
        return ("须为 " + "、".join(options) + (" 之一" if len(options) > 1 else "")) + hint
    if kind in ("too_short", "too_long"):
        n, actual = ctx.get("min_length", ctx.get("max_length")), ctx.get("actual_length")
        return f"{'至少' if kind == 'too_short' else '至多'}须有 {n} 项，实有 {actual} 项"
    if kind in ("string_too_short", "string_too_long"):
        n = ctx.get("min_length", ctx.get("max_length"))
        return f"文本{'至少' if kind == 'string_too_short' else '至多'}须有 {n} 个字符"
    if kind == "string_pattern_mismatch":
        return f"格式不符，须符合 {ctx.get('pattern', '')}"
    if kind in ("value_error", "assertion_error"):
        text = str(ctx["error"]) if "error" in ctx else str(err["msg"])
        text = text.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        return text if _CJK.search(text) else f"取值不符合要求：{text}"
    return "取值不符合要求"


def _hint(word: str, choices: list[str]) -> str:
    match = difflib.get_close_matches(word, [c for c in choices if c != word], n=1)
    return f"（是否应为 {quote.value(match[0])}？）" if match else ""
