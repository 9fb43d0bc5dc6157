"""Reading a rules file: TOML → validated models, or one RulesError naming file, line and key.

The file is bounded before it is parsed; what the TOML parser and the models say is said in
Chinese (`parse_errors.py`, `messages.py`) at the line `locate.py` finds for the key.
"""

from __future__ import annotations

import hashlib
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import RulesError
from ..oserrors import describe_os_error
from . import quote
from .locate import key_lines, key_path, line_of
from .messages import rules_error
from .models import Rules
from .parse_errors import toml_error

MAX_RULES_BYTES = 1_000_000  # the published methods take a few KB; anything larger is no rules file
MAX_KEY_PARTS = 16  # parts of one dotted key or table name: the TOML parser is quadratic in them


def load_rules(path: str | Path) -> Rules:
    """Read and validate a rules file; raise RulesError naming file, line and key on any problem."""
    p = Path(path)
    try:
        info = p.stat()
        if not stat.S_ISREG(info.st_mode):  # a FIFO would block, a device never end
            raise RulesError("规则文件须为普通文件（不是文件夹、管道或设备）", file=str(p))
        if info.st_size > MAX_RULES_BYTES:
            raise RulesError(
                f"规则文件超过 {MAX_RULES_BYTES // 1000} KB，不是规则文件", file=str(p)
            )
        with p.open("rb") as handle:
            data = handle.read(MAX_RULES_BYTES + 1)  # bounded even if the file grows meanwhile
    except OSError as exc:
        raise RulesError(
            f"无法读取规则文件：{describe_os_error(exc, path=False)}", file=str(p)
        ) from None
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


def parse_rules(text: str, *, file: str = "<规则文本>") -> Rules:
    """Validate rules given as TOML text (used by load_rules and by tests)."""
    if len(text) > MAX_RULES_BYTES:
        raise RulesError(f"规则文件超过 {MAX_RULES_BYTES // 1000} KB，不是规则文件", file=file)
    text = text.removeprefix("\ufeff")  # as Windows editors write it
    _check_key_parts(text, file)
    raw = _toml(text, file)
    if not raw:
        raise RulesError(
            "规则文件是空的：没有任何键（至少须有 mujun_rules、name、region、year 和 [[class]]）",
            file=file,
        )
    _check_unique_class_codes(raw, text, file)
    try:
        rules = Rules.model_validate(raw)
    except ValidationError as exc:
        raise rules_error(exc, raw, key_lines(text), file, Rules) from None
    rules._sha256 = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return rules


# what is not a key: strings (multi-line first) and comments, blanked keeping every newline
_NOT_KEYS = re.compile(
    r'''"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:\\.|[^"\\\n])*"|'[^'\n]*'|#[^\n]*'''
)
_DOTTED = re.compile(r"[\w \t.\-]+")  # a run of bare-key characters and dots on one line


def _check_key_parts(text: str, file: str) -> None:
    """Refuse a dotted key or table name of more than MAX_KEY_PARTS parts before the TOML parser
    sees it (a 1 MB key of dots would take it hours); numbers and dates hold one dot at most."""
    blanked = _NOT_KEYS.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
    for run in _DOTTED.finditer(blanked):
        if run.group().count(".") >= MAX_KEY_PARTS:
            line = blanked.count("\n", 0, run.start()) + 1
            raise RulesError(
                f"键或表名最多由 {MAX_KEY_PARTS} 段（以“.”分隔）组成", file=file, line=line
            )


def _toml(text: str, file: str) -> dict[str, Any]:
    """The TOML text as a dict, or a RulesError saying in Chinese where and why it is not TOML."""
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise RulesError("规则文件的数组或表嵌套过深", file=file) from None
    except tomllib.TOMLDecodeError as exc:
        reason, line = toml_error(str(exc), text)
        raise RulesError(reason, file=file, line=line) from None
    except ValueError:  # an integer of more digits than Python converts
        long = re.search(rf"\d{{{_DIGITS},}}", text)
        line = text.count("\n", 0, long.start()) + 1 if long else None
        raise RulesError(f"TOML 格式错误：整数超过 {_DIGITS} 位", file=file, line=line) from None


_DIGITS = 4300  # the most digits Python turns into an integer (sys.get_int_max_str_digits)


def _check_unique_class_codes(raw: dict[str, Any], text: str, file: str) -> None:
    """Point a repeated class code at the class that repeats it (the model sees only the list)."""
    classes = raw.get("class")
    if not isinstance(classes, list):
        return
    seen: dict[object, int] = {}
    for i, klass in enumerate(classes):
        code = klass.get("code") if isinstance(klass, dict) else None
        if not isinstance(code, str):  # the model says what else is wrong with it
            continue
        if code in seen:
            loc = ("class", i, "code")
            raise RulesError(
                f"类别代码 {quote.value(code)} 重复（与 class[{seen[code]}] 相同）",
                file=file,
                line=line_of(loc, key_lines(text)),
                key=key_path(loc),
            )
        seen[code] = i
