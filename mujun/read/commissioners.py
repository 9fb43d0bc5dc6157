"""The commissioners table (首席服务专员名单): name, park and the industries each one knows.

A CSV or workbook whose first sheet has a header row with a name column (姓名, 专员姓名, …) in its
first ten rows; park (所属园区, 联系园区, …) and industries (熟悉行业, 行业代码, …) are optional.
Industries are GB/T 4754 codes of 2–4 digits in one cell, separated by anything (26、29；3311);
a code matches every firm whose industry code starts with it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..errors import DataError
from .files import open_file
from .headers import normalize

NAME_HEADERS = ("姓名", "专员姓名", "首席服务专员", "首席服务专员姓名", "服务专员", "专员", "name")
PARK_HEADERS = ("所属园区", "园区", "联系园区", "负责园区", "所在园区", "乡镇", "park")
INDUSTRY_HEADERS = ("熟悉行业", "熟悉行业代码", "行业", "行业代码", "擅长行业", "industries")
HEADER_ROWS = 10


def read_commissioners(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Columns name, park, industries (a tuple of code prefixes), one row per commissioner."""
    if isinstance(source, pd.DataFrame):
        raw, where = source.astype(object), "commissioners"
        header = [normalize(c) for c in raw.columns]
    else:
        path = Path(source)
        opened = open_file(path)
        if not opened.sheets:
            raise DataError(f"{path}：没有可读取的工作表")
        cells, where = opened.sheets[0].cells, str(path)
        top = cells.head(HEADER_ROWS)
        hits = [
            r for r in range(len(top)) if any(normalize(v) in NAME_HEADERS for v in top.iloc[r])
        ]
        if not hits:
            raise DataError(f"{where}：前{HEADER_ROWS}行中没有“姓名”（或“专员姓名”）列")
        header = [normalize(v) for v in cells.iloc[hits[0]]]
        raw = cells.iloc[hits[0] + 1 :].reset_index(drop=True)
        raw.columns = range(raw.shape[1])
    pick = {
        key: next((k for k, h in enumerate(header) if h in names), None)
        for key, names in (
            ("name", NAME_HEADERS),
            ("park", PARK_HEADERS),
            ("industries", INDUSTRY_HEADERS),
        )
    }
    if pick["name"] is None:
        raise DataError(f"{where}：没有“姓名”（或“专员姓名”）列")

    def column(key: str) -> pd.Series:
        k = pick[key]
        if k is None:
            return pd.Series([""] * len(raw), dtype=object)
        return raw.iloc[:, k].map(lambda v: "" if pd.isna(v) else str(v).strip())

    out = pd.DataFrame(
        {
            "name": column("name"),
            "park": column("park"),
            "industries": column("industries").map(_codes),
        }
    )
    industries = column("industries")
    unread = (out["name"] != "") & (industries != "") & (out["industries"].str.len() == 0)
    if unread.any():
        who = "、".join(out.loc[unread, "name"].head(5))
        raise DataError(
            f"{where}：{who}的“熟悉行业”中没有行业代码（请填国民经济行业代码，如 26、29、3311）"
        )
    out = out[out["name"] != ""].reset_index(drop=True)
    doubled = out["name"][out["name"].duplicated()].unique()
    if len(doubled):
        raise DataError(f"{where}：专员姓名重复：{'、'.join(map(str, doubled))}（同名请加以区分）")
    if out.empty:
        raise DataError(f"{where}：表头下没有专员")
    return out


def _codes(text: str) -> tuple[str, ...]:
    """Industry code prefixes in a cell: runs of 2–4 digits ('C26、29；3311' → 26, 29, 3311)."""
    return tuple(dict.fromkeys(re.findall(r"(?<!\d)\d{2,4}(?!\d)", text)))
