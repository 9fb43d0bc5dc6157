"""The demo county's earlier years as the bureau kept them: one evaluation workbook per year.

After each year's evaluation a bureau keeps the merged, checked table it graded from (评价基础数据):
one row per firm with every figure the rules read, in 万元, 亩, 吨标准煤 and 人, and the flags as
是/否. `write_year_data` writes that table for one year of a panel (no faults: the table was
checked when it was used), so that the year can be evaluated again with the same rules.
Deterministic: the same panel and year give the same bytes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter

from ..fields import BUREAU, FIELDS
from .departments import save_workbook

YEAR_FILE = "历年评价数据_{year}年.xlsx"
YEAR_SHEET = "评价基础数据"
# the table's columns in order: identity, land, money, energy and people, then the flags
YEAR_COLUMNS = (
    "year",
    "credit_code",
    "name",
    "park",
    "industry_code",
    "above_scale",
    "established",
    "land_owned_mu",
    "land_leased_mu",
    "land_let_mu",
    "tax_paid",
    "revenue",
    "output_value",
    "value_added",
    "rd_expense",
    "tech_investment",
    "electricity_kwh",
    "energy_tce",
    "emissions_t",
    "employees",
    "safety_incident",
    "env_violation",
    "food_safety_incident",
    "energy_target_missed",
    "high_tech",
    "specialized",
    "new_to_scale",
    "major_project",
    "public_interest",
)  # a field the panel lacks is left out, as the year's departmental files leave it out
_DECIMALS = {"万元": 2, "亩": 2, "吨标准煤": 2, "吨": 3}  # as the bureau's table rounds


def year_file(year: int) -> str:
    """The file name of one earlier year's evaluation data."""
    return YEAR_FILE.format(year=int(year))


def _header(code: str) -> str:
    f = FIELDS[code]
    return f"{f.label}（{f.unit}）" if f.unit else f.label


def _cells(frame: pd.DataFrame, code: str) -> list[Any]:
    """One column as written: 是/否 for flags, dates as dates, numbers rounded to the unit's
    precision, blanks for missing values."""
    f = FIELDS[code]
    values = frame[code]
    if f.kind == "bool":
        return ["是" if v else "否" for v in values.fillna(False).astype(bool)]
    if f.kind == "date":
        return [None if pd.isna(v) else pd.Timestamp(v).date() for v in values]
    if f.kind in ("number", "int"):
        digits = _DECIMALS.get(f.unit, 0)  # Python's round, as the history workbook rounds
        return [
            None if pd.isna(v) else (round(float(v)) if digits == 0 else round(float(v), digits))
            for v in values
        ]
    return [None if pd.isna(v) else str(v) for v in values]


def write_year_data(panel: pd.DataFrame, year: int, path: str | Path, county: str) -> Path:
    """The bureau's evaluation table of `year` (the panel's rows of that year) at `path`: a
    title row, a header of Chinese labels with units, one row per firm sorted by credit code."""
    rows = panel[panel["year"] == int(year)].sort_values("credit_code", kind="stable")
    codes = [code for code in YEAR_COLUMNS if code in rows]
    columns = [_cells(rows, code) for code in codes]
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = YEAR_SHEET
    ws.append([f"{county}{year}年度工业企业亩均效益评价基础数据"])
    ws.append([_header(code) for code in codes])
    for row in zip(*columns, strict=True):  # one row per firm of a small demo county
        ws.append(list(row))
    ws.merge_cells(f"A1:{get_column_letter(len(codes))}1")
    for i, code in enumerate(codes, 1):
        width = {"credit_code": 22, "name": 30, "park": 20}.get(code, 12)
        ws.column_dimensions[get_column_letter(i)].width = width
    out = Path(path)
    save_workbook(book, out, dt.datetime(int(year) + 1, 6, 30), BUREAU)
    return out
