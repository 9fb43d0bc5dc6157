"""What the TOML parser and Python's expression parser say, said in Chinese.

Both parsers report in English; a rules file's author reads Chinese. Each known message is
matched by a pattern and rewritten; any other message becomes a plain statement that the text
cannot be parsed, with the position, so that no English sentence reaches the user.
"""

from __future__ import annotations

import re

# (pattern of the parser's message, the Chinese words; {0}, {1} are the pattern's groups)
_TOML: list[tuple[str, str]] = [
    (r"Invalid value", "值的写法有误（文本须加引号，数值不加引号，true/false 小写）"),
    (r"Invalid statement", "无法识别的语句（应为 键 = 值 或 [表名]）"),
    (r"Expected '=' after a key in a key/value pair", "键后须接“=”和值"),
    (r"Expected newline or end of document after a statement", "一行只能写一个 键 = 值"),
    (r"Expected '\]' at the end of a table declaration", "表名缺少结尾的“]”"),
    (r"Expected '\]\]' at the end of an array declaration", "表数组名缺少结尾的“]]”"),
    (r"Expected (.+)", "此处应为 {0}"),
    (r"Cannot overwrite a value", "键重复定义"),
    (r"Cannot declare (.+) twice", "表 {0} 重复定义"),
    (r"Cannot (?:mutate immutable|redefine) namespace (.+)", "不能再定义已写定的表 {0}"),
    (r"Duplicate inline table key (.+)", "内联表中的键 {0} 重复"),
    (r"Unclosed array", "数组缺少结尾的“]”"),
    (r"Unclosed inline table", "内联表缺少结尾的“}”（内联表须写在一行之内）"),
    (r"Unterminated string", "文本缺少结尾的引号"),
    (r"Illegal character '\\n'", "文本缺少结尾的引号（单行文本不能换行）"),
    (r"Illegal character (.+)", "文本中有不允许的字符 {0}"),
    (r"Found invalid character (.+)", "有不允许的字符 {0}"),
    (r"Unescaped '\\' in a string", "文本中的反斜杠“\\”须写成“\\\\”"),
    (r"Invalid hex value", "文本中的 \\u 或 \\U 转义有误"),
    (r"Escaped character is not a Unicode scalar value", "文本中的转义字符不是有效的 Unicode 字符"),
    (r"Invalid date or datetime", "日期或时间无效"),
    (
        r"Invalid initial character for a key part",
        "键的写法有误（键只能含英文字母、数字、_ 和 -，或加引号）",
    ),
]
_TOML_AT = re.compile(
    r"^(?P<msg>.*) \(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)$", re.S
)

_PYTHON: list[tuple[str, str]] = [
    (r"'(.)' was never closed", "括号“{0}”没有闭合"),
    (r"unmatched '(.)'", "多余的“{0}”"),
    (
        r"closing parenthesis '(.)' does not match opening parenthesis '(.)'.*",
        "“{0}”与前面的“{1}”不配对",
    ),
    (r"too many nested parentheses", "括号嵌套过深"),
    (
        r"invalid character '(.+)' \(U\+[0-9A-F]+\)",
        "有不允许的字符“{0}”（运算符和括号须用半角英文符号）",
    ),
    (r"invalid non-printable character.*", "有不可见的控制字符"),
    (r"unterminated (?:triple-quoted )?string literal.*", "文本缺少结尾的引号"),
    (r"EOL while scanning string literal", "文本缺少结尾的引号"),
    (
        r"(?:invalid decimal|invalid hexadecimal|invalid octal|invalid binary) literal",
        "数字的写法有误",
    ),
    (r"invalid digit '(.)' in \w+ literal", "数字的写法有误（“{0}”）"),
    (r"leading zeros in decimal integer literals.*", "整数不能以 0 开头"),
    (r"invalid syntax\. Maybe you meant '==' .*", "比较相等请用“==”"),
    (r"expected 'else' after 'if' expression", "条件取值请用 where(条件, 为真时的值, 为假时的值)"),
    (
        r"(?:cannot assign|expression cannot contain assignment).*",
        "表达式中不能赋值（比较相等请用“==”）",
    ),
    (r"invalid syntax\. Perhaps you forgot a comma\?", "可能缺少逗号"),
    (r"positional argument follows keyword argument.*", "函数不接受关键字参数"),
    (r"unexpected character after line continuation character", "反斜杠“\\”不能用在表达式中"),
    (r"\(unicode error\).*", "文本中的转义有误"),
    (r"f-string.*", "不允许 f-string"),
]


def _translate(message: str, table: list[tuple[str, str]], fallback: str) -> str:
    for pattern, words in table:
        m = re.fullmatch(pattern, message.strip(), re.S)
        if m:
            for i, group in enumerate(m.groups()):
                words = words.replace(f"{{{i}}}", group)
            return words
    return fallback


def toml_error(message: str, text: str) -> tuple[str, int | None]:
    """(Chinese reason with the column, line) for a message of the TOML parser."""
    m = _TOML_AT.match(message)
    if m is None:
        return _translate(message, _TOML, "不是有效的 TOML"), None
    reason = _translate(m["msg"], _TOML, "不是有效的 TOML")
    if m["line"] is None:
        return f"TOML 格式错误：{reason}（在文件末尾）", max(1, len(text.splitlines()))
    return f"TOML 格式错误：{reason}（第 {m['col']} 列）", int(m["line"])


def syntax_error(message: str, line: int | None, column: int | None) -> str:
    """A Chinese reason, with the position, for a SyntaxError of Python's parser."""
    reason = _translate(message, _PYTHON, "语法错误")
    if not column or column < 1:
        return f"{reason}（在结尾处）" if reason == "语法错误" else reason
    where = f"第 {line} 行第 {column} 个字符" if line and line > 1 else f"第 {column} 个字符"
    return f"{reason}（{where}处）"
