"""The grammar of the expression language: what a rules file's expression may contain.

An expression is parsed with `ast` only once it is bounded (its length, no control
characters) and its tree is bounded in depth before anything recurses over it; then every node
is checked against a whitelist. A refusal says, in Chinese, what is not allowed and what to write
instead.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from typing import Any

from ..errors import ExpressionError
from . import quote
from .parse_errors import syntax_error

MAX_LENGTH = 2000
MAX_DEPTH = 60  # nesting deeper than this is refused before anything recurses over it
MAX_CONSTANT = 1e300


_ALLOWED_NODES = (
    ast.Expression,
    ast.BinOp,
    ast.UnaryOp,
    ast.BoolOp,
    ast.Compare,
    ast.Call,
    ast.Name,
    ast.Constant,
    ast.Load,
    ast.Tuple,
    ast.List,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.Pow,
    ast.USub,
    ast.UAdd,
    ast.Not,
    ast.And,
    ast.Or,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
)
_REFUSALS: dict[type, str] = {  # what the grammar refuses, and what to write instead
    ast.Attribute: "不允许属性访问（a.b）",
    ast.Subscript: "不允许下标（a[…]）",
    ast.Slice: "不允许切片（a[1:2]）",
    ast.Lambda: "不允许 lambda",
    ast.IfExp: "不允许“x if c else y”，请用 where(c, x, y)",
    ast.NamedExpr: "不允许赋值（:=）",
    ast.FloorDiv: "不允许整除“//”，请用“/”",
    ast.Mod: "不允许取余“%”",
    ast.MatMult: "不允许矩阵乘法“@”",
    ast.BitAnd: "不允许位运算“&”，请用 and",
    ast.BitOr: "不允许位运算“|”，请用 or",
    ast.BitXor: "不允许位运算“^”，乘方请用“**”",
    ast.Invert: "不允许位运算“~”，请用 not",
    ast.LShift: "不允许移位运算“<<”",
    ast.RShift: "不允许移位运算“>>”",
    ast.Is: "不允许 is，请用 == 或 isnull()",
    ast.IsNot: "不允许 is not，请用 != 或 not isnull()",
    ast.Starred: "不允许“*”展开",
    ast.JoinedStr: "不允许 f-string",
    ast.FormattedValue: "不允许 f-string",
    ast.Dict: "不允许字典（{a: b}）",
    ast.Set: "不允许集合（{a, b}），列表请写在 in 之后，如 x in (1, 2)",
    ast.ListComp: "不允许推导式（[… for … in …]）",
    ast.SetComp: "不允许推导式（{… for … in …}）",
    ast.DictComp: "不允许推导式（{…: … for … in …}）",
    ast.GeneratorExp: "不允许推导式（(… for … in …)）",
    ast.Await: "不允许 await",
    ast.Yield: "不允许 yield",
    ast.YieldFrom: "不允许 yield",
}


def checked_tree(
    text: object, functions: Mapping[str, tuple[Any, int, int | None, str]]
) -> ast.Expression:
    """The syntax tree of `text` once every node is one the language has; `functions` maps the
    functions it may call to (implementation, fewest arguments, most or None, usage)."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError(f"表达式须为非空文本（加引号），实为 {quote.value(text)}")
    shown = quote.expression(text)
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"表达式最多 {MAX_LENGTH} 个字符，此处有 {len(text)} 个：{shown}")
    control = next((c for c in text if not c.isprintable() and c not in "\t\n\r"), None)
    if control is not None:
        raise ExpressionError(f"表达式{shown}中有控制字符 {control!r}")
    _refuse_full_width(text, shown)
    try:
        module = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        why = syntax_error(exc.msg, exc.lineno, exc.offset)
        raise ExpressionError(f"表达式{shown}无法解析：{why}") from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError(f"表达式{shown}过于复杂，无法解析") from None
    if _depth(module) > MAX_DEPTH:
        raise ExpressionError(f"表达式{shown}嵌套超过 {MAX_DEPTH} 层")
    lists_after_in = {
        id(right)
        for node in ast.walk(module)
        if isinstance(node, ast.Compare)
        for op, right in zip(node.ops, node.comparators, strict=True)
        if isinstance(op, (ast.In, ast.NotIn))
    }
    for node in ast.walk(module):
        if isinstance(node, (ast.Tuple, ast.List)) and id(node) not in lists_after_in:
            raise ExpressionError(f"表达式{shown}中，列表只能写在 in 之后，如 x in (44, 45)")
        _check_node(node, text, functions)
    return module


# Characters a Chinese input method types in place of the ASCII ones the language has, and the
# ASCII to type instead: refused with a hint rather than read as a guess.
FULL_WIDTH: dict[str, str] = {
    "“": '"', "”": '"', "‘": "'", "’": "'", "（": "(", "）": ")", "，": ",", "＞": ">",
    "＜": "<", "＝": "=", "！": "!", "＋": "+", "－": "-", "＊": "*", "／": "/", "×": "*",
    "÷": "/", "＆": "and", "｜": "or", "　": " ", "≥": ">=", "≤": "<=", "≠": "!=",
    "【": "(", "】": ")", "；": ";", "：": ":", "．": ".", "＂": '"', "＇": "'",
}  # fmt: skip
_ASCII_STRING = re.compile(r""""[^"\n]*"|'[^'\n]*'""")


def _refuse_full_width(text: str, shown: str) -> None:
    """Refuse a full-width quote, bracket or operator outside an ASCII-quoted string, saying
    which character to type again in half-width (English) input."""
    bare = _ASCII_STRING.sub(lambda m: " " * len(m.group()), text)
    for position, char in enumerate(bare):
        if char in FULL_WIDTH:
            raise ExpressionError(
                f"表达式{shown}第 {position + 1} 个字符是中文输入法的全角字符“{char}”："
                f"请切换到英文（半角）输入，改为“{FULL_WIDTH[char]}”"
            )


def _depth(root: ast.AST) -> int:
    """Nesting depth of a syntax tree, measured without recursion."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _is_constant(node: ast.AST) -> bool:
    """A literal, possibly negative (-1 is a unary minus applied to 1 in the syntax tree)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return isinstance(node, ast.Constant)


def _check_node(
    node: ast.AST, text: str, functions: Mapping[str, tuple[Any, int, int | None, str]]
) -> None:
    """Refuse a node the grammar does not have, saying so in the words of `_REFUSALS`."""
    shown = quote.expression(text)
    if isinstance(node, ast.Name):
        if node.id.startswith("__"):
            raise ExpressionError(f"表达式{shown}中不允许以 __ 开头的名称 {quote.value(node.id)}")
        return
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in functions:
            called = quote.expression(ast.unparse(node.func))
            allowed = "、".join(functions)
            raise ExpressionError(f"表达式{shown}中不允许函数{called}；可用的函数：{allowed}")
        if node.keywords:
            raise ExpressionError(f"表达式{shown}中的函数不接受关键字参数（name=值）")
        _, lo, hi, usage = functions[node.func.id]
        if len(node.args) < lo or (hi is not None and len(node.args) > hi):
            raise ExpressionError(
                f"表达式{shown}中 {node.func.id}() 的参数个数不对（此处 {len(node.args)} 个）："
                f"用法为 {usage}"
            )
        if node.func.id == "previous" and not isinstance(node.args[0], ast.Name):
            raise ExpressionError(
                f"表达式{shown}中 previous() 的参数须为一个字段名，如 previous(tax_paid)"
            )
        return
    if isinstance(node, ast.Constant):
        if not isinstance(node.value, (int, float, str, bool)):
            raise ExpressionError(f"表达式{shown}中不允许常量 {quote.value(node.value)}")
        if isinstance(node.value, (int, float)) and not abs(node.value) <= MAX_CONSTANT:
            raise ExpressionError(f"表达式{shown}中的数字超出范围（绝对值至多 {MAX_CONSTANT:g}）")
        return
    if isinstance(node, ast.Compare):
        for op, right in zip(node.ops, node.comparators, strict=False):
            if isinstance(op, (ast.In, ast.NotIn)) and not (
                isinstance(right, (ast.Tuple, ast.List)) and all(map(_is_constant, right.elts))
            ):
                raise ExpressionError(f"表达式{shown}中 in 之后须为常量列表，如 x in (44, 45)")
    if isinstance(node, _ALLOWED_NODES):
        return
    reason = _REFUSALS.get(type(node), f"不允许这种写法（{type(node).__name__}）")
    raise ExpressionError(f"表达式{shown}中{reason}")
