"""A rules expression as a reader of the 说明 sheet reads it: field codes as their Chinese
labels, `and` / `or` / `not` as 且 / 或 / 非, comparisons with ≥ ≤ ≠ (e.g. "规模以上 且 非
安全事故"). Read from the checked expression tree, so text inside quotes is never touched."""

from __future__ import annotations

import ast

from ..fields import FIELDS, label
from .expr import Expression

_BOOL = {ast.And: " 且 ", ast.Or: " 或 "}
_COMPARE = {
    ast.Eq: " = ",
    ast.NotEq: " ≠ ",
    ast.Lt: " < ",
    ast.LtE: " ≤ ",
    ast.Gt: " > ",
    ast.GtE: " ≥ ",
    ast.In: " 属于 ",
    ast.NotIn: " 不属于 ",
}
_FUNCTIONS = {  # the functions of the language in words (where, isnull, previous: see _show)
    "min": "较小值",
    "max": "较大值",
    "abs": "绝对值",
    "log": "自然对数",
    "sqrt": "平方根",
    "coalesce": "首个有值者",
}
_ARITHMETIC = {ast.Add: " + ", ast.Sub: " − ", ast.Mult: " × ", ast.Div: " ÷ ", ast.Pow: " ^ "}
# how tightly each kind of node binds: a looser one inside a tighter one is bracketed
_PLACE = {ast.Or: 1, ast.And: 2, ast.Not: 3, ast.Compare: 4, ast.Add: 5, ast.Sub: 5}
_PLACE.update({ast.Mult: 6, ast.Div: 6, ast.USub: 7, ast.UAdd: 7, ast.Pow: 8})


def chinese(expression: Expression | object) -> str:
    """The expression in Chinese words; any other object as its text."""
    if not isinstance(expression, Expression):
        return str(expression)
    if isinstance(expression.tree, ast.Constant) and expression.tree.value is True:
        return "所有企业"
    return _show(expression.tree)


def _place(node: ast.expr) -> int:
    if isinstance(node, ast.BoolOp):
        return _PLACE[type(node.op)]
    if isinstance(node, ast.BinOp | ast.UnaryOp):
        return _PLACE[type(node.op)]
    if isinstance(node, ast.Compare):
        return _PLACE[ast.Compare]
    return 9


def _inner(node: ast.expr, outer: int) -> str:
    text = _show(node)
    return f"（{text}）" if _place(node) < outer else text


def _show(node: ast.expr) -> str:
    if isinstance(node, ast.Expression):
        return _show(node.body)
    if isinstance(node, ast.Name):
        return label(node.id) if node.id in FIELDS else node.id
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool):
            return "是" if node.value else "否"
        if isinstance(node.value, str):
            return f"“{node.value}”"
        return f"{node.value:g}" if isinstance(node.value, float) else str(node.value)
    if isinstance(node, ast.BoolOp):
        here = _place(node)
        return _BOOL[type(node.op)].join(_inner(v, here + 1) for v in node.values)
    if isinstance(node, ast.UnaryOp):
        here = _place(node)
        if isinstance(node.op, ast.Not):
            return "非 " + _inner(node.operand, here)
        return ("−" if isinstance(node.op, ast.USub) else "+") + _inner(node.operand, here)
    if isinstance(node, ast.BinOp):
        here = _place(node)
        right = here + 1 if isinstance(node.op, ast.Sub | ast.Div | ast.Pow) else here
        return _inner(node.left, here) + _ARITHMETIC[type(node.op)] + _inner(node.right, right)
    if isinstance(node, ast.Compare):
        here = _place(node) + 1
        parts = [_inner(node.left, here)]
        for op, other in zip(node.ops, node.comparators, strict=True):
            parts.append(_COMPARE[type(op)] + _inner(other, here))
        return "".join(parts)
    if isinstance(node, ast.Tuple | ast.List):
        return "（" + "、".join(_show(e) for e in node.elts) + "）"
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else "?"
        args = [_show(a) for a in node.args]
        if name == "where" and len(args) == 3:
            return f"（{args[0]}时取{args[1]}，否则取{args[2]}）"
        if name == "isnull" and len(args) == 1:
            return f"{_inner(node.args[0], 9)}缺失"
        if name == "previous" and len(args) == 1:
            return f"上年{args[0]}"
        return f"{_FUNCTIONS.get(name, name)}（{'，'.join(args)}）"
    return ast.unparse(node)
