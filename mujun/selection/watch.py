"""Cultivation lists (培育库): 小升规 candidates and the lists the rules define by a condition.

小升规 (`rising`): firms of the evaluation year that are not 规上, with revenue at least
`near` × `line`, and either already at the line (达标待纳统) or projected to reach it next year:
latest revenue × (1 + rate), the rate being the revenue trend, else the window's compound growth,
else the last year's growth (whichever is defined first; none: not projected, not listed).

A list from the rules takes the firms of the evaluation year whose condition holds; its reason is
the rules' words followed by the firm's own value of every name the condition reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

import numpy as np
import pandas as pd

from ..engine.columns import FieldColumns
from ..fields import FIELDS, GROWTH_FEATURES, label
from ..rules import Rules
from .text import number, percent

RISING = "rising"
RISING_LABEL = "小升规培育"
WATCH_COLUMNS = (
    "list",
    "list_label",
    "credit_code",
    "name",
    "park",
    "industry_code",
    "revenue",
    "projected_revenue",
    "reasons",
)
_BASIS = (
    ("trend_revenue", "趋势增速"),
    ("cagr_revenue", "年均增速"),
    ("growth_latest", "上年增速"),
)


class _Columns(Mapping[str, np.ndarray]):
    """Field columns of the evaluation year with the growth features beside them."""

    def __init__(self, table: pd.DataFrame, latest: pd.DataFrame, rules: Rules) -> None:
        self._fields = FieldColumns(latest, rules)
        self._table = table

    def __getitem__(self, name: str) -> np.ndarray:
        if name in GROWTH_FEATURES:
            return self._table[name].to_numpy(dtype=float, na_value=np.nan)
        return self._fields[name]

    def __iter__(self) -> Iterator[str]:
        return iter((*FIELDS, *GROWTH_FEATURES))

    def __len__(self) -> int:
        return len(FIELDS) + len(GROWTH_FEATURES)


def watch_lists(table: pd.DataFrame, latest: pd.DataFrame, rules: Rules, year: int) -> pd.DataFrame:
    """Every list's firms, one row per (list, firm), lists in rules order, firms by revenue."""
    present = latest["credit_code"].notna().to_numpy()
    parts = [_rising(table, present, rules, year)]
    columns = _Columns(table, latest, rules)
    for w in rules.selection.watch:  # a loop over lists
        parsed = w.when
        hit = present & parsed.condition(columns, len(table))
        shown = _in_order(w.when.text, parsed.names)
        text = np.full(hit.sum(), w.reason + "：", dtype=object)
        for k, name in enumerate(shown):  # a loop over the names the condition reads
            text = text + ("" if k == 0 else "，") + label(name) + _values(name, columns, hit)
        parts.append(_rows(table, hit, w.code, w.label, np.full(hit.sum(), np.nan), text))
    out = pd.concat(parts, ignore_index=True)
    return out[list(WATCH_COLUMNS)]


def _rising(table: pd.DataFrame, present: np.ndarray, rules: Rules, year: int) -> pd.DataFrame:
    r = rules.selection.rising
    revenue = table["revenue"].to_numpy(dtype=float)
    unknown_as_above = table["above_scale"].astype("boolean").fillna(True)  # 未填: not a candidate
    below = present & ~unknown_as_above.to_numpy(dtype=bool)
    near = below & (revenue >= r.near * r.line)
    rate = np.full(len(table), np.nan)
    basis = np.full(len(table), "", dtype=object)
    for name, words in _BASIS:  # a loop over the three growth bases
        x = table[name].to_numpy(dtype=float, na_value=np.nan)
        take = np.isnan(rate) & np.isfinite(x)
        rate[take], basis[take] = x[take], words
    projected = revenue * (1.0 + rate)
    reached = near & (revenue >= r.line)
    rising = near & ~reached & (projected >= r.line)
    hit = reached | rising
    line = number(r.line, 0).item()
    text = np.where(
        reached[hit],
        "营业收入" + number(revenue[hit], 1) + f"万元，已达到规上标准{line}万元，尚未纳入规上统计",
        "营业收入"
        + number(revenue[hit], 1)
        + f"万元，距规上标准{line}万元差"
        + number(r.line - revenue[hit], 1)
        + "万元；按"
        + basis[hit]
        + percent(rate[hit], 1)
        + f"测算，{year + 1}年预计"
        + number(projected[hit], 1)
        + "万元",
    )
    return _rows(table, hit, RISING, RISING_LABEL, projected[hit], text)


def _rows(
    table: pd.DataFrame,
    hit: np.ndarray,
    code: str,
    title: str,
    projected: np.ndarray,
    text: np.ndarray,
) -> pd.DataFrame:
    part = table.loc[hit, ["credit_code", "name", "park", "industry_code", "revenue"]]
    part = part.reset_index(drop=True)
    part.insert(0, "list_label", title)
    part.insert(0, "list", code)
    part["projected_revenue"] = projected
    part["reasons"] = pd.array(text.astype(object), dtype="string")
    return part.sort_values(
        ["revenue", "credit_code"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)


def _in_order(text: str, names: frozenset[str]) -> list[str]:
    """The names a condition reads, in the order they first appear in its text."""

    def first(name: str) -> int:
        found = re.search(rf"\b{re.escape(name)}\b", text)
        return found.start() if found else len(text)

    return sorted(names, key=lambda n: (first(n), n))


def _values(name: str, columns: Mapping[str, np.ndarray], hit: np.ndarray) -> np.ndarray:
    """' 12.3%' / ' 1234.50万元' / ' 是' per firm listed: the firm's value of one name."""
    x = columns[name][hit]
    if name in GROWTH_FEATURES:
        shown = percent(x, 1) if GROWTH_FEATURES[name][1] else number(x, 2)
        return "为" + shown
    field = FIELDS[name]
    if field.kind == "bool":
        return np.where(x.astype(bool), "为是", "为否").astype(object)
    if field.kind in ("number", "int"):
        shown = number(x, 0 if field.kind == "int" else 2)
        return "为" + np.where(np.isfinite(x.astype(float)), shown + field.unit, shown)
    return "为" + pd.Series(x, dtype="string").fillna("缺失").to_numpy(dtype=object)
