"""Find the header of a departmental sheet and map its columns to fields, with their units.

A header is found, not assumed: the row (or pair of rows, for two-level headers under merged
cells) among the first rows of the sheet whose cells name the most fields, one of them the credit
code. Each header text is matched against the field aliases after the unit in brackets is taken
off (`实缴税金(元)` → tax_paid in 元, converted to 万元); a unit that is not one of the field's
units is refused, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property

import pandas as pd

from ..fields import FIELDS, builtin_headers, normalize_header, split_unit
from ..units import UNIT_FACTORS, unit_factor

SCAN_ROWS = 30
IGNORED = {"序号", "编号", "备注", "说明"}
UNIT_WRAPPING = r"^[(（\[]?(?:单位[:：]?)?|[)）\]]$"  # what may wrap a unit: (万元), 单位：元


@dataclass(frozen=True)
class Column:
    """One column of a sheet as the header names it."""

    index: int
    header: str  # the text as written (two levels joined with '/')
    field: str | None = None
    factor: float = 1.0
    unit: str = ""  # the unit as written, '' when the header states none
    problem: str = ""  # '', 'unknown-column', 'unknown-unit', 'ignored-column', 'blank-header'


@dataclass(frozen=True)
class Header:
    """Where the header is (0-based rows) and what each column holds."""

    rows: tuple[int, ...]
    columns: tuple[Column, ...]

    @property
    def first_data_row(self) -> int:
        return self.rows[-1] + 1

    @cached_property
    def last_named(self) -> int:
        """Index of the rightmost column with a header text (-1: none)."""
        named = [c.index for c in self.columns if c.header]
        return max(named, default=-1)


normalize = normalize_header


def aliases() -> dict[str, str]:
    """Normalised header text → field code, from every field's code, label and aliases."""
    return builtin_headers()


def resolve(text: str, table: dict[str, str] | None = None) -> Column:
    """Map one (normalised) header text to a field and a unit factor (`table`: the headers
    known, normalised → field code; by default the built-in ones)."""
    table = builtin_headers() if table is None else table
    if not text:
        return Column(-1, text, problem="blank-header")
    if text in table:
        return Column(-1, text, table[text])
    name, unit = split_unit(text)
    if name in table:
        code = table[name]
        canonical = FIELDS[code].unit
        if not canonical:  # a flag or a code with a hint in brackets, e.g. 是否规上(是/否)
            return Column(-1, text, code)
        for part in re.split(r"[,;、/]", unit):
            factor = unit_factor(canonical, part)
            if factor is not None:
                return Column(-1, text, code, factor, part)
        return Column(-1, text, code, 1.0, unit, problem="unknown-unit")
    if name in IGNORED or text in IGNORED:
        return Column(-1, text, problem="ignored-column")
    return Column(-1, text, problem="unknown-column")


def find_header(
    cells: pd.DataFrame, merged: tuple = (), table: dict[str, str] | None = None
) -> Header | None:
    """The header of a sheet, or None when no row names a credit code column (`table`: the
    headers known, as `fields.header_table` gives them)."""
    table = builtin_headers() if table is None else table
    best: Header | None = None
    best_score: tuple[int, int, int] = (0, 0, 0)
    top = cells.iloc[:SCAN_ROWS]
    texts = [[normalize(v) for v in row] for row in top.to_numpy().tolist()]
    for r in range(len(texts)):
        for candidate in (_single(texts, r, table), _double(texts, r, merged, table)):
            if candidate is None:
                continue
            fields = {c.field for c in candidate.columns if c.field and not c.problem}
            if "credit_code" not in fields:
                continue
            units = sum(1 for c in candidate.columns if c.field and c.unit and not c.problem)
            score = (len(fields), units, -len(candidate.rows))  # else a single row wins a tie
            if score > best_score:
                best, best_score = candidate, score
    return best


def _single(texts: list[list[str]], r: int, table: dict[str, str]) -> Header:
    columns = tuple(_at(i, resolve(t, table), t) for i, t in enumerate(texts[r]))
    return Header((r,), columns)


def _double(texts: list[list[str]], r: int, merged: tuple, table: dict[str, str]) -> Header | None:
    """Rows r and r+1 read as one header: a parent (often merged across columns) over children."""
    if r + 1 >= len(texts):
        return None
    children = texts[r + 1]
    parents = _spread_merged(texts[r], r, merged, children)
    if not any(children):
        return None
    columns = []
    for i, (parent, child) in enumerate(zip(parents, children, strict=False)):
        columns.append(_at(i, _resolve_pair(parent, child, table), f"{parent}/{child}".strip("/")))
    return Header((r, r + 1), tuple(columns))


def _resolve_pair(parent: str, child: str, table: dict[str, str]) -> Column:
    """A child header under a parent: the child alone, or joined with the parent's name (either
    order), the unit taken from the child or else the parent."""
    if not child or child in ("—", "-", "/", "——", "--"):  # a dash under 统一社会信用代码
        return resolve(parent, table)
    p_name, p_unit = split_unit(parent)
    if is_unit(child):  # a units row under the header: 实缴税金 over 元
        return resolve(parent if p_unit else f"{p_name}({_bare_unit(child)})", table)
    c_name, c_unit = split_unit(child)
    unit = c_unit or p_unit
    for name in (c_name, c_name + p_name, p_name + c_name):
        column = resolve(f"{name}({unit})" if unit else name, table)
        if column.field:
            return column
    return resolve(child, table)


def _bare_unit(text: str) -> str:
    """'(万元)', '单位:万元' → '万元'."""
    return re.sub(UNIT_WRAPPING, "", text)


def is_unit(text: str) -> bool:
    """A (normalised) cell that states a unit and nothing else: 万元, (平方米), 单位:吨标准煤."""
    return bool(text) and _bare_unit(text) in known_units()


@cache
def known_units() -> frozenset[str]:
    """Every unit a header may state, lower case."""
    return frozenset(u.lower() for units in UNIT_FACTORS.values() for u in units)


def _spread_merged(row: list[str], r: int, merged: tuple, children: list[str]) -> list[str]:
    """A header row with each merged range's text repeated over the columns it covers; without
    merge information (CSV), a parent's text carries right over blank cells that have a child."""
    out = list(row)
    if merged:
        for (r0, c0), (_r1, c1) in merged:
            if r0 == r:
                for c in range(c0, min(c1 + 1, len(out))):
                    out[c] = row[c0]
        return out
    for c in range(1, len(out)):
        if not out[c] and out[c - 1] and c < len(children) and children[c]:
            out[c] = out[c - 1]
    return out


def _at(index: int, column: Column, header: str) -> Column:
    return Column(index, header, column.field, column.factor, column.unit, column.problem)
