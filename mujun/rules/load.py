"""Reading a rules file: TOML → validated models, or one RulesError naming file, line and key.

tomllib reports no positions for keys, so `_key_lines` maps every key path of the text to the
line where it is written; pydantic's error locations are then looked up there.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import RulesError
from . import models, selection
from .models import Rules

MAX_RULES_BYTES = 1_000_000  # the published methods take a few KB; anything larger is no rules file


def load_rules(path: str | Path) -> Rules:
    """Read and validate a rules file; raise RulesError naming file, line and key on any problem."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_RULES_BYTES:
            raise RulesError(
                f"规则文件超过 {MAX_RULES_BYTES // 1000} KB，不是规则文件", file=str(p)
            )
        with p.open("rb") as handle:
            data = handle.read(MAX_RULES_BYTES + 1)  # bounded even if the file grows meanwhile
    except OSError as exc:
        raise RulesError(f"无法读取规则文件：{exc.strerror}", file=str(p)) from None
    if len(data) > MAX_RULES_BYTES:
        raise RulesError(f"规则文件超过 {MAX_RULES_BYTES // 1000} KB，不是规则文件", file=str(p))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RulesError("规则文件须为 UTF-8 文本", file=str(p)) from None
    rules = parse_rules(text, file=str(p))
    rules._path = str(p)
    rules._sha256 = hashlib.sha256(data).hexdigest()
    return rules


def parse_rules(text: str, *, file: str = "<rules>") -> Rules:
    """Validate rules given as TOML text (used by load_rules and by tests)."""
    if len(text) > MAX_RULES_BYTES:
        raise RulesError(f"规则文件超过 {MAX_RULES_BYTES // 1000} KB，不是规则文件", file=file)
    try:
        raw = tomllib.loads(text)
    except RecursionError:
        raise RulesError("规则文件的数组或表嵌套过深", file=file) from None
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"at line (\d+)", str(exc))
        raise RulesError(
            f"not valid TOML: {exc}", file=file, line=int(m.group(1)) if m else None
        ) from None
    _check_unique_class_codes(raw, text, file)
    try:
        rules = Rules.model_validate(raw)
    except ValidationError as exc:
        raise _rules_error(exc, text, file) from None
    rules._sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return rules


def _check_unique_class_codes(raw: dict[str, Any], text: str, file: str) -> None:
    """Point a repeated class code at the class that repeats it (the model sees only the list)."""
    classes = raw.get("class")
    if not isinstance(classes, list):
        return
    seen: dict[object, int] = {}
    for i, klass in enumerate(classes):
        code = klass.get("code") if isinstance(klass, dict) else None
        if code is None:
            continue
        if code in seen:
            loc = ("class", i, "code")
            raise RulesError(
                f"class code {code!r} repeats class[{seen[code]}]",
                file=file,
                line=_line_of(loc, _key_lines(text)),
                key=_key_path(loc),
            )
        seen[code] = i


def _rules_error(exc: ValidationError, text: str, file: str) -> RulesError:
    """Turn pydantic's errors into one RulesError: the first located, all listed."""
    lines = _key_lines(text)
    located: list[tuple[int | None, str, str]] = []
    # a misspelt key also makes the intended key "missing": name the misspelling first
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    for err in errors:
        loc = tuple(err["loc"])
        key = _key_path(loc)
        located.append((_line_of(loc, lines), key, _explain(err)))
    first_line, first_key, first_msg = located[0]
    message = first_msg
    if len(located) > 1:
        rest = "; ".join(f"line {ln}: {k}: {m}" for ln, k, m in located[1:])
        message += f" (also: {rest})"
    return RulesError(message, file=file, line=first_line, key=first_key)


def _known_keys() -> list[str]:
    """Every key any model accepts (for did-you-mean hints)."""
    keys: set[str] = set()
    for module in (models, selection):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseModel):
                keys.update(info.alias or name for name, info in value.model_fields.items())
    return sorted(keys)


def _explain(err: Any) -> str:
    kind, loc = err["type"], err["loc"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        hint = difflib.get_close_matches(key, [k for k in _known_keys() if k != key], n=1)
        return f"unknown key {key!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
    if kind == "missing":
        return "required key is missing"
    bound = _BOUNDS.get(kind)
    if bound is not None and "ctx" in err:
        limit = err["ctx"][bound[0]]
        return f"{bound[1]}{limit:g}（实为 {err['input']!r}）"
    if kind in _TYPES:
        return f"{_TYPES[kind]}（实为 {err['input']!r}）"
    if kind == "finite_number":
        return f"须为有限数值，不能是 nan 或 inf（实为 {err['input']!r}）"
    msg = str(err["msg"]).removeprefix("Value error, ")
    if kind in ("value_error", "assertion_error") or "input" not in err:
        return msg
    return f"{msg} (got {err['input']!r})"


_TYPES = {  # pydantic's type errors, said in Chinese (values are never converted)
    "float_type": "须为数值",
    "int_type": "须为整数",
    "string_type": "须为文本（加引号）",
    "bool_type": "须为 true 或 false",
    "list_type": "须为数组",
    "dict_type": "须为表",
    "model_type": "须为表",
}
_BOUNDS = {  # pydantic's bound errors, said in Chinese: (its context key, the words)
    "greater_than": ("gt", "须大于 "),
    "greater_than_equal": ("ge", "须不小于 "),
    "less_than": ("lt", "须小于 "),
    "less_than_equal": ("le", "须不大于 "),
}


def _key_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _line_of(loc: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


_KEY = re.compile(r"""^\s*([A-Za-z0-9_\-"']+(?:\s*\.\s*[A-Za-z0-9_\-"']+)*)\s*=\s*(.*)$""")
_INLINE_KEY = re.compile(r"""[{,]\s*([A-Za-z0-9_\-]+)\s*=""")


def _key_lines(text: str) -> dict[tuple[Any, ...], int]:
    """Map each key path of a TOML text to the line where it is written (for error messages)."""
    lines: dict[tuple[Any, ...], int] = {}
    counts: dict[tuple[Any, ...], int] = {}
    current: tuple[Any, ...] = ()
    in_string = False
    for no, raw in enumerate(text.splitlines(), 1):
        s = raw.strip()
        if in_string:
            in_string = (s.count('"""') + s.count("'''")) % 2 == 0
            continue
        if not s or s.startswith("#"):
            continue
        if s.startswith("["):
            is_array = s.startswith("[[")
            name = s.strip("[]").split("]")[0] if not is_array else s[2 : s.find("]]")]
            parts = [p.strip().strip("\"'") for p in name.split(".")]
            path: tuple[Any, ...] = ()
            for i, part in enumerate(parts):
                path += (part,)
                if is_array and i == len(parts) - 1:
                    counts[path] = counts.get(path, 0) + 1
                if path in counts:
                    path += (counts[path] - 1,)
            current = path
            lines.setdefault(current, no)
            if is_array:
                lines.setdefault(current[:-1], no)
            continue
        m = _KEY.match(s)
        if not m:
            continue
        key = tuple(p.strip().strip("\"'") for p in m.group(1).split("."))
        lines[current + key] = no
        value = m.group(2)
        if value.startswith("{"):
            for sub in _INLINE_KEY.findall(value):
                lines[(*current, *key, sub)] = no
        if (value.count('"""') + value.count("'''")) % 2 == 1:
            in_string = True
    return lines
