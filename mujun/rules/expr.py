"""The safe expression language of rules files, evaluated on whole numpy columns.

An expression is parsed once with `ast`, every node is checked against a whitelist, and it is
then evaluated by walking the tree with numpy operations. Nothing is ever passed to `eval`.
Division by zero gives NaN; comparisons with a missing value are false (use `isnull`).
The rules models hold expressions compiled (`Expression`), so a run never parses one again.
"""

from __future__ import annotations

import ast
import difflib
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from ..errors import MujunError

MAX_LENGTH = 2000
MAX_DEPTH = 60  # nesting deeper than this is refused before anything recurses over it
MAX_CONSTANT = 1e300

Array = np.ndarray
Columns = Mapping[str, Array]


class ExpressionError(MujunError, ValueError):
    """An expression that is not allowed or cannot be evaluated (a ValueError too, so that the
    rules models report it with its key and line)."""


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


# name -> (function, minimum arguments, maximum arguments or None, description)
FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int | None, str]] = {
    "where": (_where, 3, 3, "where(condition, if_true, if_false)"),
    "min": (_fold(np.minimum), 2, None, "element-wise minimum; NaN if any is missing"),
    "max": (_fold(np.maximum), 2, None, "element-wise maximum; NaN if any is missing"),
    "abs": (lambda x: np.abs(_num(x)), 1, 1, "absolute value"),
    "log": (_log, 1, 1, "natural logarithm; NaN for values ≤ 0"),
    "sqrt": (_sqrt, 1, 1, "square root; NaN for negative values"),
    "isnull": (_isnull, 1, 1, "true where the value is missing"),
    "coalesce": (_coalesce, 2, None, "the first value that is not missing"),
}

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
_REFUSALS: dict[type, str] = {
    ast.Attribute: "attribute access (a.b) is not allowed",
    ast.Subscript: "subscripts (a[...]) are not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.IfExp: "'x if c else y' is not allowed; use where(c, x, y)",
    ast.NamedExpr: "assignment (:=) is not allowed",
    ast.FloorDiv: "'//' is not allowed",
    ast.Mod: "'%' is not allowed",
    ast.Starred: "'*' unpacking is not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.Dict: "dictionaries are not allowed",
    ast.Set: "sets are not allowed",
}


def _num(x: Any) -> Any:
    """As float (scalars stay scalars, float arrays are not copied); text cannot take part in
    arithmetic."""
    arr = np.asarray(x)
    if arr.dtype.kind in "fiub":
        return np.asarray(arr, dtype=float) if arr.ndim else float(arr)
    raise ExpressionError("text values cannot be used in arithmetic")


def truthy(x: Any) -> Any:
    """Boolean view of a value: missing and zero are false."""
    arr = np.asarray(x)
    if arr.dtype.kind == "b":
        return arr
    if arr.dtype.kind in "iu":
        return arr != 0
    if arr.dtype.kind == "f":
        return (arr != 0) & ~np.isnan(arr)
    raise ExpressionError("a text value cannot be used as a condition")


@dataclass(frozen=True)
class Expression:
    """A checked expression: its text, its tree and the field names it reads."""

    text: str
    tree: ast.expr = field(repr=False, compare=False)
    names: frozenset[str] = frozenset()

    def __call__(self, columns: Columns, n: int) -> Array:
        """Evaluate on columns of length n; the result always has length n."""
        try:
            with np.errstate(all="ignore"):
                value = _evaluate(self.tree, columns)
        except (ArithmeticError, RecursionError, TypeError) as exc:
            raise ExpressionError(f"cannot evaluate {self.text!r}: {exc}") from None
        arr = np.asarray(value)
        if arr.ndim == 0:
            return np.full(n, arr.item(), dtype=arr.dtype if arr.dtype.kind != "U" else object)
        return arr

    def condition(self, columns: Columns, n: int) -> Array:
        """Evaluate as a condition: a boolean array, missing counting as false."""
        return np.asarray(truthy(self(columns, n)), dtype=bool)

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
    return Expression(ast.unparse(node), node, names)


def parse(text: str, known: Iterable[str] | None = None) -> Expression:
    """Parse and check an expression; `known` lists the field names it may read."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("an expression must be a non-empty string")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"an expression may have at most {MAX_LENGTH} characters")
    try:
        module = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"cannot parse {text!r}: {exc.msg}") from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError(f"expression too complex: {text[:60]!r}…") from None
    if _depth(module) > MAX_DEPTH:
        raise ExpressionError(f"expression nested more than {MAX_DEPTH} levels deep: {text!r}")
    lists_after_in = {
        id(right)
        for node in ast.walk(module)
        if isinstance(node, ast.Compare)
        for op, right in zip(node.ops, node.comparators, strict=True)
        if isinstance(op, (ast.In, ast.NotIn))
    }
    for node in ast.walk(module):
        if isinstance(node, (ast.Tuple, ast.List)) and id(node) not in lists_after_in:
            raise ExpressionError(f"a list is only allowed after 'in': {text!r}")
        _check_node(node, text)
    expr = replace(_wrap(module.body), text=text)  # as written, for the 说明 sheet
    if known is not None:
        known_set = set(known)
        for name in sorted(expr.names - known_set):
            hint = difflib.get_close_matches(name, sorted(known_set), n=1)
            also = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ExpressionError(f"unknown field {name!r} in {text!r}{also}")
    return expr


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


def _check_node(node: ast.AST, text: str) -> None:
    if isinstance(node, ast.Name):
        if node.id.startswith("__"):
            raise ExpressionError(f"dunder names are not allowed: {node.id!r} in {text!r}")
        return
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            shown = ast.unparse(node.func)
            allowed = ", ".join(FUNCTIONS)
            raise ExpressionError(
                f"function {shown!r} is not allowed in {text!r}; allowed: {allowed}"
            )
        if node.keywords:
            raise ExpressionError(f"keyword arguments are not allowed in {text!r}")
        _, lo, hi, desc = FUNCTIONS[node.func.id]
        if len(node.args) < lo or (hi is not None and len(node.args) > hi):
            raise ExpressionError(
                f"{node.func.id}() takes {desc!r}; got {len(node.args)} argument(s) in {text!r}"
            )
        return
    if isinstance(node, ast.Constant):
        if not isinstance(node.value, (int, float, str, bool)):
            raise ExpressionError(f"constant {node.value!r} is not allowed in {text!r}")
        if isinstance(node.value, (int, float)) and not abs(node.value) <= MAX_CONSTANT:
            raise ExpressionError(f"number out of range in {text!r}")
        return
    if isinstance(node, ast.Compare):
        for op, right in zip(node.ops, node.comparators, strict=False):
            if isinstance(op, (ast.In, ast.NotIn)) and not (
                isinstance(right, (ast.Tuple, ast.List)) and all(map(_is_constant, right.elts))
            ):
                raise ExpressionError(
                    f"'in' needs a list of constants, e.g. x in (44, 45) — in {text!r}"
                )
    if isinstance(node, _ALLOWED_NODES):
        return
    reason = _REFUSALS.get(type(node), f"{type(node).__name__} is not allowed")
    raise ExpressionError(f"{reason}: {text!r}")


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
            raise ExpressionError(f"field {node.id!r} is not in the data") from None
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
        fn = FUNCTIONS[node.func.id][0]
        return fn(*(_evaluate(a, columns) for a in node.args))
    raise ExpressionError(f"cannot evaluate {ast.unparse(node)!r}")


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
                raise ExpressionError(f"cannot compare text with a number: {ast.unparse(node)!r}")
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
                raise ExpressionError(f"cannot compare text with a number: {ast.unparse(node)!r}")
            try:
                part = _compare_values(_COMPARE[type(op)], a, b)
            except TypeError:
                raise ExpressionError(f"cannot compare {ast.unparse(node)!r}") from None
        result = np.logical_and(result, part)
        left = right
    return result
