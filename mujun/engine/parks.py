"""One park, one name: the firms' 所属园区 under the rules' `[parks]` (DESIGN §4, §5).

With `[parks]`, a name or alias (compared without spaces, full-width characters as half-width)
becomes the canonical name: results and park workbooks group by it. A name that is neither stays
as written, with a warning that suggests the closest park. Without `[parks]`, spellings that
differ only by spaces, full/half width or a trailing 镇/园区/开发区… are reported as probably one
park, with the `[parks]` table that would make them one. Everything works on the distinct names,
never per firm, so it does not depend on the order of the rows.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import replace

import numpy as np
import pandas as pd

from ..issues import concat_issues, issue, issue_rows, issue_table
from ..rules.inputs import Parks, park_key
from ..table import EnterpriseTable

# what a park's name may end in besides its place name (longest first)
SUFFIXES = (
    "高新技术产业开发区",
    "经济技术开发区",
    "经济开发区",
    "工业集中区",
    "现代产业园",
    "工业园区",
    "产业园区",
    "街道办事处",
    "开发区",
    "经开区",
    "高新区",
    "产业园",
    "工业园",
    "工业区",
    "园区",
    "街道",
    "镇",
    "乡",
)
_SUFFIX = re.compile("(?:" + "|".join(SUFFIXES) + ")$")


def base_name(name: str) -> str:
    """A park name reduced to its place: 王庄镇 → 王庄, 固镇经济开发区 → 固镇 (never to nothing)."""
    key = park_key(name)
    stripped = _SUFFIX.sub("", key)
    return stripped or key


def toml_text(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def canonical_parks(
    table: EnterpriseTable, parks: Parks | None
) -> tuple[EnterpriseTable, pd.DataFrame]:
    """The table with each firm's park under its canonical name (unchanged without `[parks]`),
    and the issues: unknown park names, or spellings of probably one park."""
    if "park" not in table.frame:
        return table, issue_table([])
    column = table.frame["park"].astype("string")
    codes, uniques = pd.factorize(column, sort=True)
    names = [str(u) for u in uniques]
    counts = np.bincount(codes[codes >= 0], minlength=len(names))
    if parks is None:
        return table, _spellings(names, counts)
    lookup = parks.lookup()
    canonical = [lookup.get(park_key(n)) for n in names]
    keys = sorted(lookup)
    by_base: dict[str, str] = {}
    for key in keys:  # a loop over the rules' park names, once
        by_base.setdefault(base_name(key), lookup[key])
    found = []
    for k, name in enumerate(names):  # a loop over the distinct park names
        if canonical[k] is not None:
            continue
        hint = _closest(name, lookup, keys, by_base)
        alias = f"{toml_text(name)} = {toml_text(hint or parks.names[0])}"
        found.append(
            issue_rows(
                "unknown-park",
                codes == k,
                origin=table.origin_of("park"),
                credit_code=table.frame["credit_code"],
                field="park",
                values=column,
                park=name,
                hint=f"（是否指“{hint}”？）" if hint else "",
                alias=alias,
            )
        )
    if all(c == n for c, n in zip(canonical, names, strict=True)):
        return table, concat_issues(found)
    frame = table.frame.copy(deep=False)
    frame["park"] = _renamed(column, lookup)
    return replace(table, frame=frame), concat_issues(found)


def canonical_names(names: pd.Series, parks: Parks | None) -> pd.Series:
    """Each park name under its canonical name; a name `[parks]` does not know, and every name
    without `[parks]`, stays as written. Works on the distinct names."""
    column = names.astype("string")
    return column if parks is None else _renamed(column, parks.lookup())


def _renamed(column: pd.Series, lookup: dict[str, str]) -> pd.Series:
    """`column` (string) with each name the `lookup` knows by its key under its canonical name."""
    codes, uniques = pd.factorize(column)
    shown = np.array([lookup.get(park_key(str(u)), str(u)) for u in uniques] + [None], dtype=object)
    return pd.Series(pd.array(shown[codes], dtype="string"), index=column.index)  # -1 → None


def _closest(
    name: str, lookup: dict[str, str], keys: list[str], by_base: dict[str, str]
) -> str | None:
    """The canonical park an unknown name most probably means: one with the same place name
    (王庄 for 王庄镇), else the closest spelling of a name or alias. `lookup` is
    `Parks.lookup()`, `keys` its keys sorted, `by_base` each place name → its first park:
    made once per run, not once per unknown name (10,000 parks, thousands of unknown names)."""
    hit = by_base.get(base_name(name))
    if hit is not None:
        return hit
    close = difflib.get_close_matches(park_key(name), keys, n=1, cutoff=0.6)
    return lookup[close[0]] if close else None


def _spellings(names: list[str], counts: np.ndarray) -> pd.DataFrame:
    """One warning per place written in several ways (王庄 and 王庄镇), naming each spelling
    with its number of firms; the most common spelling is proposed as the name."""
    groups: dict[str, list[int]] = {}
    for k, name in enumerate(names):  # a loop over the distinct park names
        if park_key(name):
            groups.setdefault(base_name(name), []).append(k)
    found = []
    for members in groups.values():
        if len(members) < 2:
            continue
        # the most common spelling is the name; of equally common ones, one written as it is
        # compared (no spaces, no full-width letters) rather than 王 庄镇
        first = min(members, key=lambda k: (-counts[k], park_key(names[k]) != names[k], names[k]))
        ordered = [first, *sorted(set(members) - {first}, key=lambda k: (-counts[k], names[k]))]
        main = names[first]
        spellings = "、".join(f"“{names[k]}”（{counts[k]}户）" for k in ordered)
        aliases = ", ".join(f"{toml_text(names[k])} = {toml_text(main)}" for k in ordered[1:])
        found.append(
            issue(
                "park-spellings",
                field="park",
                value="、".join(names[k] for k in ordered),
                spellings=spellings,
                name=toml_text(main),
                aliases=aliases,
            )
        )
    return issue_table(found)
