"""The safe expression language of rules files, evaluated on whole numpy columns.

An expression is parsed once and checked against the whitelist of `grammar.py`, and it is then
evaluated by walking the tree with numpy operations. Nothing is ever passed to `eval`.
Division by zero gives NaN; comparisons with a missing value are false (use `isnull`).
The rules models hold expressions compiled (`Expression`), so a run never parses one again.
"""

from __future__ import annotations

import ast
import difflib
import operator
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from ..errors import ExpressionError
from . import grammar, quote

Array = np.ndarray
Columns = Mapping[str, Array]


def _where(cond: Any, a: Any, b: Any) -> Any:
    return np.where(truthy(cond), a, b)


def _coalesce(*args: Any) -> Any:
    out = _num(args[0])
    for a in args[1:]:
        out = np.where(np.isnan(out), _num(a), out)
    return out


def _log(x: Any) -> Any:
    x = _num(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), np.nan)


def _sqrt(x: Any) -> Any:
    x = _num(x)
    return np.where(x >= 0, np.sqrt(np.where(x >= 0, x, 0.0)), np.nan)


def _isnull(x: Any) -> Any:
    return np.asarray(pd.isna(x), dtype=bool)


def _fold(fn: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    def folded(*args: Any) -> Any:
        out = _num(args[0])
        for a in args[1:]:
            out = fn(out, _num(a))
        return out

    return folded


# name -> (function, minimum arguments, maximum arguments or None, how it is called)
FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int | None, str]] = {
    "where": (_where, 3, 3, "where(条件, 为真时的值, 为假时的值)"),
    "min": (_fold(np.minimum), 2, None, "min(a, b, …)，逐行取最小，有缺失则缺失"),
    "max": (_fold(np.maximum), 2, None, "max(a, b, …)，逐行取最大，有缺失则缺失"),
    "abs": (lambda x: np.abs(_num(x)), 1, 1, "abs(x)，绝对值"),
    "log": (_log, 1, 1, "log(x)，自然对数，x ≤ 0 时缺失"),
    "sqrt": (_sqrt, 1, 1, "sqrt(x)，平方根，x < 0 时缺失"),
    "isnull": (_isnull, 1, 1, "isnull(x)，x 缺失时为是"),
    "coalesce": (_coalesce, 2, None, "coalesce(a, b, …)，第一个不缺失的值"),
    # evaluated by `_previous` (its argument is a field's name, not a value)
    "previous": (lambda x: x, 1, 1, "previous(字段)，该企业上年度的值，没有时缺失"),
}
PREVIOUS = "previous"

_ARITH: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Pow: operator.pow,
}
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


def _num(x: Any) -> Any:
    """As float (scalars stay scalars, float arrays are not copied); text cannot take part in
    arithmetic."""
    arr = np.asarray(x)
    if arr.dtype.kind in "fiub":
        return np.asarray(arr, dtype=float) if arr.ndim else float(arr)
    raise ExpressionError("文本不能参与算术运算")


def truthy(x: Any) -> Any:
    """Boolean view of a value: missing and zero are false."""
    arr = np.asarray(x)
    if arr.dtype.kind == "b":
        return arr
    if arr.dtype.kind in "iu":
        return arr != 0
    if arr.dtype.kind == "f":
        return (arr != 0) & ~np.isnan(arr)
    raise ExpressionError("文本不能用作条件")


@dataclass(frozen=True)
class Expression:
    """A checked expression: its text, its tree and the field names it reads."""

    text: str
    tree: ast.expr = field(repr=False, compare=False)
    names: frozenset[str] = frozenset()
    previous: frozenset[str] = frozenset()  # the fields read through previous()

    def __call__(self, columns: Columns, n: int) -> Array:
        """Evaluate on columns of length n; the result always has length n."""
        try:
            with np.errstate(all="ignore"):
                value = _evaluate(self.tree, columns)
        except ExpressionError as exc:  # says what; the expression says where
            raise ExpressionError(f"无法计算表达式{quote.expression(self.text)}：{exc}") from None
        except (ArithmeticError, RecursionError, TypeError, ValueError, MemoryError) as exc:
            why = next((w for t, w in _FAILURES.items() if isinstance(exc, t)), "无法计算")
            raise ExpressionError(f"无法计算表达式{quote.expression(self.text)}：{why}") from None
        arr = np.asarray(value)
        if arr.ndim == 0:
            return np.full(n, arr.item(), dtype=arr.dtype if arr.dtype.kind != "U" else object)
        return arr

    def condition(self, columns: Columns, n: int) -> Array:
        """Evaluate as a condition: a boolean array, missing counting as false."""
        value = self(columns, n)
        try:
            return np.asarray(truthy(value), dtype=bool)
        except ExpressionError as exc:
            raise ExpressionError(f"条件{quote.expression(self.text)}无法使用：{exc}") from None

    def as_ratio(self) -> tuple[Expression, Expression] | None:
        """(numerator, denominator) when the expression is `a / b` at its top, else None."""
        node = self.tree
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return _wrap(node.left), _wrap(node.right)
        return None

    def __str__(self) -> str:
        return self.text

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        """Held by the rules models as compiled objects, written back as their text."""
        return core_schema.is_instance_schema(
            cls, serialization=core_schema.plain_serializer_function_ser_schema(lambda e: e.text)
        )


_FAILURES: dict[type, str] = {  # why an evaluation failed, by the exception's type
    OverflowError: "数值超出范围",
    ZeroDivisionError: "除数为零",
    ArithmeticError: "算术运算出错",
    RecursionError: "嵌套过深",
    MemoryError: "所需内存过多",
    TypeError: "值的类型不能这样运算",
    ValueError: "值无效",
}


def divide(left: Any, right: Any) -> Any:
    """left / right, NaN where right is 0 (the language's division)."""
    left, right = _num(left), _num(right)
    if np.ndim(left) == 0 and np.ndim(right) == 0:
        return np.nan if right == 0 else left / right
    out = np.full(np.broadcast_shapes(np.shape(left), np.shape(right)), np.nan)
    with np.errstate(over="ignore", invalid="ignore"):  # beyond the range of numbers: inf
        return np.divide(left, right, out=out, where=np.asarray(right) != 0)


def _wrap(node: ast.expr) -> Expression:
    called = {id(n.func) for n in ast.walk(node) if isinstance(n, ast.Call)}
    names = frozenset(
        n.id for n in ast.walk(node) if isinstance(n, ast.Name) and id(n) not in called
    )
    previous = frozenset(
        n.args[0].id
        for n in ast.walk(node)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Name)
        and n.func.id == PREVIOUS
        and isinstance(n.args[0], ast.Name)
    )
    return Expression(ast.unparse(node), node, names, previous)


def parse(
    text: str, known: Iterable[str] | None = None, labels: Mapping[str, str] | None = None
) -> Expression:
    """Parse and check an expression; `known` lists the field names it may read, `labels` maps
    Chinese labels a formula may write instead (实缴税金) to their codes. A label is rewritten
    to its code in the tree (and in `names`); the text stays as written, for the 说明 sheet."""
    module = grammar.checked_tree(text, FUNCTIONS)
    _truth_words(module)
    if labels:
        _relabel(module, labels, set(known) if known is not None else set())
    expr = replace(_wrap(module.body), text=text)  # as written, for the 说明 sheet
    if known is not None:
        known_set = set(known)
        choices = sorted(known_set) + sorted(labels or {})
        for name in sorted(expr.names - known_set):
            hint = difflib.get_close_matches(name, choices, n=1)
            also = f"（是否应为 {quote.value(hint[0])}？）" if hint else ""
            shown = quote.expression(text)
            raise ExpressionError(f"表达式{shown}中的字段 {quote.value(name)} 未知{also}")
    return expr


def _truth_words(module: ast.Expression) -> None:
    """`true` and `false` (as TOML writes them) are the constants 是 and 否, in place."""
    for node in ast.walk(module):
        for name, child in ast.iter_fields(node):
            if isinstance(child, ast.Name) and child.id in ("true", "false"):
                setattr(node, name, ast.Constant(child.id == "true"))
            elif isinstance(child, list):
                child[:] = [
                    ast.Constant(c.id == "true")
                    if isinstance(c, ast.Name) and c.id in ("true", "false")
                    else c
                    for c in child
                ]


def _relabel(module: ast.Expression, labels: Mapping[str, str], codes: set[str]) -> None:
    """Rewrite names that are Chinese labels to their field codes, in place (ast gives
    identifiers NFKC-normalised, so the labels are compared so too)."""
    table = {unicodedata.normalize("NFKC", k): v for k, v in labels.items()}
    called = {id(n.func) for n in ast.walk(module) if isinstance(n, ast.Call)}
    for node in ast.walk(module):
        if isinstance(node, ast.Name) and id(node) not in called and node.id not in codes:
            node.id = table.get(node.id, node.id)


def _evaluate(node: ast.AST, columns: Columns) -> Any:
    if isinstance(node, ast.Constant):
        value = node.value
        return (
            np.float64(value)
            if isinstance(value, (int, float)) and type(value) is not bool
            else value
        )
    if isinstance(node, ast.Name):
        try:
            return columns[node.id]
        except KeyError:
            raise ExpressionError(f"数据中没有字段 {quote.value(node.id)}") from None
    if isinstance(node, ast.BinOp):
        left = _num(_evaluate(node.left, columns))
        right = _num(_evaluate(node.right, columns))
        if isinstance(node.op, ast.Div):
            return divide(left, right)
        return _ARITH[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp):
        value = _evaluate(node.operand, columns)
        if isinstance(node.op, ast.Not):
            return ~np.asarray(truthy(value), dtype=bool)
        return -_num(value) if isinstance(node.op, ast.USub) else _num(value)
    if isinstance(node, ast.BoolOp):
        parts = [np.asarray(truthy(_evaluate(v, columns)), dtype=bool) for v in node.values]
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        out = parts[0]
        for p in parts[1:]:
            out = combine(out, p)
        return out
    if isinstance(node, ast.Compare):
        return _compare(node, columns)
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        if node.func.id == PREVIOUS:
            assert isinstance(node.args[0], ast.Name)  # the grammar allows only a field name
            return _previous(columns, node.args[0].id)
        fn = FUNCTIONS[node.func.id][0]
        return fn(*(_evaluate(a, columns) for a in node.args))
    raise ExpressionError(f"无法计算{quote.expression(ast.unparse(node))}")


def _previous(columns: Columns, name: str) -> Array:
    """previous(field): the firm's value last year, from columns that know last year's rows
    (`previous_of`); columns without them (the sample columns rules are tried on) have none."""
    of = getattr(columns, "previous_of", None)
    if of is not None:
        return np.asarray(of(name))
    return absent_like(columns[name])


def absent_like(column: Array) -> Array:
    """A column of missing values of the same type: NaN, False, None or NaT."""
    column = np.asarray(column)
    if column.dtype.kind == "b":
        return np.zeros(column.shape, dtype=bool)
    if column.dtype.kind == "M":
        return np.full(column.shape, np.datetime64("NaT"), dtype=column.dtype)
    if column.dtype.kind in "fiu":
        return np.full(column.shape, np.nan)
    return np.full(column.shape, None, dtype=object)


def _is_text(arr: np.ndarray) -> bool | None:
    """True for text, False for numbers, None when unknown (an object column with no value)."""
    if arr.dtype.kind in "US":
        return True
    if arr.dtype.kind != "O":
        return False
    present = arr[~pd.isna(arr)] if arr.ndim else arr.reshape(1)
    return isinstance(present.flat[0], str) if len(present) else None


def _compare_values(op: Callable[[Any, Any], Any], a: np.ndarray, b: np.ndarray) -> Any:
    """Compare element-wise, missing text like NaN: false, except for != (None < 'A' is no
    error)."""
    if a.dtype.kind != "O" and b.dtype.kind != "O":
        return op(a, b)
    missing = np.asarray(pd.isna(a)) | np.asarray(pd.isna(b))
    a = np.where(pd.isna(a), "", a) if a.dtype.kind == "O" else a
    b = np.where(pd.isna(b), "", b) if b.dtype.kind == "O" else b
    result = np.asarray(op(a, b), dtype=bool)
    return result | missing if op is operator.ne else result & ~missing


_TEXT_WITH_NUMBER = "{}中文本不能与数字比较"


def _compare(node: ast.Compare, columns: Columns) -> Any:
    left = _evaluate(node.left, columns)
    result: Any = True
    for op, right_node in zip(node.ops, node.comparators, strict=False):
        if isinstance(op, (ast.In, ast.NotIn)):
            assert isinstance(right_node, (ast.Tuple, ast.List))
            options = [_evaluate(e, columns) for e in right_node.elts]
            texts = {isinstance(o, str) for o in options}
            left_text = _is_text(np.asarray(left))
            if len(texts) > 1 or (texts and left_text is not None and left_text != texts.pop()):
                raise ExpressionError(_TEXT_WITH_NUMBER.format(quote.expression(ast.unparse(node))))
            hit = np.isin(
                np.asarray(left),
                np.asarray(
                    options, dtype=object if any(isinstance(o, str) for o in options) else float
                ),
            )
            part = hit if isinstance(op, ast.In) else ~hit
            right = None
        else:
            right = _evaluate(right_node, columns)
            a, b = np.asarray(left), np.asarray(right)
            text_a, text_b = _is_text(a), _is_text(b)
            if None not in (text_a, text_b) and text_a != text_b:
                raise ExpressionError(_TEXT_WITH_NUMBER.format(quote.expression(ast.unparse(node))))
            try:
                part = _compare_values(_COMPARE[type(op)], a, b)
            except TypeError:
                shown = quote.expression(ast.unparse(node))
                raise ExpressionError(f"无法比较{shown}中的值") from None
        result = np.logical_and(result, part)
        left = right
    return result
