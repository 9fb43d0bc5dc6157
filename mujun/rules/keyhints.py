"""Where a pydantic error location is in the file, and which keys the table there accepts.

pydantic's locations mix the file's keys with the tags of union members ('float', a model's
class name, a discriminator's value). Walking the location through the models' annotations at
the same time as through the file tells a tag from a key, and ends at the model (or models, for
a union) of the table the error is in: a misspelt key is then hinted from that table's keys
only, whatever keys the models have gained since.
"""

from __future__ import annotations

import re
import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

# a union member's tag when the annotations are no help: 'float', "literal['proportional']", …
_UNION_TAG = re.compile(
    r"^(?:float|int|str|bool|none|[a-z][a-z0-9_-]*\[.*\]|constrained-.*)$", re.S
)
_LISTS = (list, tuple, set, frozenset)


@dataclass(frozen=True)
class Place:
    """An error location as keys of the file, the location of the union it came from (if any)
    and the keys the innermost table accepts."""

    loc: tuple[Any, ...]
    union: tuple[Any, ...] | None
    keys: tuple[str, ...]


def members(kind: Any) -> list[Any]:
    """The types a value of this annotation may have: Annotated, Optional and unions opened,
    None left out."""
    origin = get_origin(kind)
    if origin is Annotated:
        return members(get_args(kind)[0])
    if origin is Union or origin is types.UnionType:
        return [m for arg in get_args(kind) for m in members(arg)]
    if kind is type(None) or kind is None:
        return []
    return [kind]


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    """A model's keys as a file may write them (alias and name) → annotation."""
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        out[name] = info.annotation
        if info.alias:
            out[info.alias] = info.annotation
    return out


def table_keys(kinds: list[Any]) -> tuple[str, ...]:
    """The keys the tables of these types accept, as written in a file (the alias first)."""
    keys: dict[str, None] = {}
    for kind in kinds:
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            for name, info in kind.model_fields.items():
                keys.setdefault(info.alias or name, None)
    return tuple(keys)


def _is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseModel)


def _literals(model: type[BaseModel]) -> set[Any]:
    """The values a model's Literal fields allow (a discriminated union tags a member so)."""
    found: set[Any] = set()
    for info in model.model_fields.values():
        for kind in members(info.annotation):
            if get_origin(kind) is Literal:
                found.update(get_args(kind))
    return found


def _tagged(kinds: list[Any], tag: str) -> list[Any]:
    """The union members a tag names: a model by class name or by a Literal value of one of its
    fields (a discriminator); all of them when the tag names none."""
    named = [k for k in kinds if _is_model(k) and k.__name__ == tag]
    by_value = [k for k in kinds if _is_model(k) and tag in _literals(k)]
    return named or by_value or kinds


def _step(kinds: list[Any], part: Any) -> list[Any]:
    """The types one level down: a model's field, a dict's value, a list's item."""
    out: list[Any] = []
    for kind in kinds:
        origin, args = get_origin(kind), get_args(kind)
        if _is_model(kind) and isinstance(part, str):
            fields = _fields(kind)
            if part in fields:
                out += members(fields[part])
        elif origin is dict or origin is Mapping:
            out += members(args[1]) if len(args) == 2 else []
        elif origin in _LISTS and isinstance(part, int):
            out += [m for a in args if a is not Ellipsis for m in members(a)]
    return out


def place(err_loc: tuple[Any, ...], raw: Mapping[str, Any], root: type[BaseModel]) -> Place:
    """Walk pydantic's location through the file and the models together (see the module)."""
    node: Any = raw
    kinds: list[Any] = [root]
    out: list[Any] = []
    union: tuple[Any, ...] | None = None
    table: list[Any] = []  # the types holding the last key (an unknown key's table)
    for part in err_loc:
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        in_file = in_list or (isinstance(node, dict) and part in node)
        lost = not kinds and isinstance(part, str) and _UNION_TAG.match(part)
        a_key = any(part in _fields(k) for k in kinds if _is_model(k))
        if not in_file and not a_key and isinstance(part, str) and (len(kinds) > 1 or lost):
            union = union if union is not None else tuple(out)  # a union's tag, not a key
            kinds = _tagged(kinds, part)
            continue
        node = node[part] if in_file else None
        out.append(part)
        table, kinds = kinds, _step(kinds, part)
    return Place(tuple(out), union, table_keys(table))
