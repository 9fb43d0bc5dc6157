"""Result types of expressions, inferred from the field kinds and the operators.

Every expression of a rules file is typed when the rules load, so that a formula whose result is
not a number, or a condition whose result is text or a date, is refused there (the loader names
file, line and key) instead of failing half-way through an evaluation. The types follow what the
evaluator in `expr.py` accepts: flags take part in arithmetic as 1 and 0, and a number may stand
as a condition (zero and missing are false, as documented for the language).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Literal

from ..errors import ExpressionError
from ..fields import FIELDS, declared_fields
from . import quote
from .expr import Expression

Type = Literal["number", "bool", "text", "date"]

KIND_TYPES: dict[str, Type] = {
    "key": "text",
    "text": "text",
    "int": "number",
    "number": "number",
    "bool": "bool",
    "date": "date",
}
FIELD_TYPES: dict[str, Type] = {code: KIND_TYPES[f.kind] for code, f in FIELDS.items()}


def field_types() -> dict[str, Type]:
    """The types of the built-in fields and of the declared and derived ones in use."""
    extra = declared_fields()
    if not extra:
        return FIELD_TYPES
    return {**FIELD_TYPES, **{c: KIND_TYPES[f.kind] for c, f in extra.items()}}


WORDS: dict[Type, str] = {"number": "数值", "bool": "是/否", "text": "文本", "date": "日期"}
NUMERIC: frozenset[Type] = frozenset({"number", "bool"})  # what arithmetic and conditions take
_NUMBER_FUNCTIONS = ("min", "max", "abs", "log", "sqrt", "coalesce")


def check_formula(e: Expression, types: Mapping[str, Type] | None = None) -> Expression:
    """`e` if its result is a number; an ExpressionError saying what it is otherwise."""
    found = infer(e.tree, field_types() if types is None else types, e.text)
    if found != "number":
        raise ExpressionError(f"公式{quote.expression(e.text)}的结果须为数值，实为{WORDS[found]}")
    return e


def check_condition(e: Expression, types: Mapping[str, Type] | None = None) -> Expression:
    """`e` if it can stand as a condition (是/否, or a number: nonzero is true)."""
    found = infer(e.tree, field_types() if types is None else types, e.text)
    if found not in NUMERIC:
        raise ExpressionError(f"条件{quote.expression(e.text)}的结果须为是/否，实为{WORDS[found]}")
    return e


def infer(node: ast.AST, types: Mapping[str, Type], text: str) -> Type:
    """The result type of a checked syntax tree (`parse` has refused what is not allowed)."""
    if isinstance(node, ast.Expression):
        return infer(node.body, types, text)
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):
            return "bool"
        return "text" if isinstance(value, str) else "number"
    if isinstance(node, ast.Name):
        if node.id not in types:
            raise ExpressionError(f"{quote.expression(text)}中的字段 {quote.value(node.id)} 未知")
        return types[node.id]
    if isinstance(node, ast.BinOp):
        for side in (node.left, node.right):
            _need(side, NUMERIC, types, text, "算术运算")
        return "number"
    if isinstance(node, ast.UnaryOp):
        _need(
            node.operand, NUMERIC, types, text, "not" if isinstance(node.op, ast.Not) else "正负号"
        )
        return "bool" if isinstance(node.op, ast.Not) else "number"
    if isinstance(node, ast.BoolOp):
        for part in node.values:
            _need(part, NUMERIC, types, text, "and/or")
        return "bool"
    if isinstance(node, ast.Compare):
        return _compare(node, types, text)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return _call(node.func.id, node.args, types, text)
    raise ExpressionError(f"无法确定{quote.expression(text)}的类型")


def _need(
    node: ast.AST, allowed: frozenset[Type], types: Mapping[str, Type], text: str, where: str
) -> Type:
    found = infer(node, types, text)
    if found not in allowed:
        shown = quote.expression(ast.unparse(node))
        raise ExpressionError(
            f"{quote.expression(text)}中{where}只能用于数值或是/否，{shown}是{WORDS[found]}"
        )
    return found


def _comparable(a: Type, b: Type) -> bool:
    return a == b or (a in NUMERIC and b in NUMERIC)


def _compare(node: ast.Compare, types: Mapping[str, Type], text: str) -> Type:
    left = infer(node.left, types, text)
    if len(node.ops) > 1 and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
        raise ExpressionError(f"{quote.expression(text)}中 in 不能与其他比较连写，请用 and 连接")
    for op, right_node in zip(node.ops, node.comparators, strict=True):
        if isinstance(op, (ast.In, ast.NotIn)) and isinstance(right_node, (ast.Tuple, ast.List)):
            options = {infer(e, types, text) for e in right_node.elts}
            if left == "date" or any(not _comparable(left, o) for o in options):
                shown = "、".join(WORDS[o] for o in sorted(options))
                raise ExpressionError(
                    f"{quote.expression(text)}中{WORDS[left]}不能与{shown}比较"
                    "（in 后的列表须与左边同类型）"
                )
            continue
        right = infer(right_node, types, text)
        if not _comparable(left, right):
            raise ExpressionError(
                f"{quote.expression(text)}中{WORDS[left]}不能与{WORDS[right]}比较"
            )
        left = right
    return "bool"


def _call(name: str, args: list[ast.expr], types: Mapping[str, Type], text: str) -> Type:
    if name == "previous":  # the grammar allows a field name only: the field's type
        return infer(args[0], types, text)
    if name == "isnull":
        infer(args[0], types, text)
        return "bool"
    if name == "where":
        _need(args[0], NUMERIC, types, text, "where() 的条件")
        a, b = (infer(arg, types, text) for arg in args[1:])
        if a == b:
            return a
        if a in NUMERIC and b in NUMERIC:
            return "number"
        raise ExpressionError(
            f"{quote.expression(text)}中 where() 的两个结果类型不同（{WORDS[a]}与{WORDS[b]}）"
        )
    if name in _NUMBER_FUNCTIONS:
        for arg in args:
            _need(arg, NUMERIC, types, text, f"{name}()")
        return "number"
    raise ExpressionError(f"{quote.expression(text)}中不允许函数 {quote.value(name)}")
