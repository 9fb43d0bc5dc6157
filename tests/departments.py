"""Builders of departmental input files for the reader tests, and helpers to look at what was read.

Departments send what their systems export: a title row merged across the sheet, the header on
row 2 or 3 (sometimes two levels under a merged parent), units in the header, notes and totals
below the firms. The builders here write such files into a test's tmp_path with openpyxl and csv;
every value is chosen so that the expected result can be computed by hand.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
from conftest import credit_code, indicator_toml

import mujun
from mujun import EnterpriseTable
from mujun.rules import Rules

YEAR = 2022

A, B, C, D = (credit_code(i) for i in (1, 2, 3, 4))  # the firms of the three-department fixture


def code(i: int) -> str:
    """A valid credit code numbered i (9135020… with its check character)."""
    return credit_code(i)


def write_xlsx(
    path: Path,
    rows: Sequence[Sequence[Any]],
    *,
    sheet: str = "数据",
    merges: Iterable[str] = (),
    hidden: dict[str, Sequence[Sequence[Any]]] | None = None,
    hidden_state: str = "hidden",
) -> Path:
    """A workbook with one visible sheet of `rows` (merged ranges in A1 notation) and optionally
    hidden sheets (name → rows)."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(list(row))
    for cells in merges:
        ws.merge_cells(cells)
    for name, content in (hidden or {}).items():
        other = book.create_sheet(name)
        for row in content:
            other.append(list(row))
        other.sheet_state = hidden_state
    book.save(path)
    return path


def write_csv(path: Path, rows: Sequence[Sequence[Any]], *, encoding: str = "utf-8") -> Path:
    """A CSV file of `rows` in the given encoding ('utf-8-sig' writes a BOM)."""
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def write_table(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    """`rows` as .csv or .xlsx, by the suffix of `path`."""
    if path.suffix == ".csv":
        return write_csv(path, rows)
    return write_xlsx(path, rows)


def make_rules(
    *,
    indicators: str | None = None,
    priority: Sequence[str] = (),
    when: str = "above_scale",
    year: int = YEAR,
) -> Rules:
    """Rules with one class: 亩均税收 (tax_paid / land_mu) and 单位能耗营业收入
    (revenue / energy_tce) unless other indicators are given; `[input] priority` if given."""
    if indicators is None:
        indicators = indicator_toml(
            "tax_per_mu", "tax_paid / land_mu", 50, "method = 'ratio', benchmark = 10.0"
        ) + indicator_toml(
            "revenue_per_tce", "revenue / energy_tce", 50, "method = 'ratio', benchmark = 10.0"
        )
    input_table = ""
    if priority:
        patterns = ", ".join(f'"{p}"' for p in priority)
        input_table = f"\n[input]\npriority = [{patterns}]\n"
    text = f"""mujun_rules = 1
name = "测试县工业企业亩均效益评价（读取测试）"
region = "测试县"
year = {year}
{input_table}
[[class]]
code = "above_scale"
label = "规上工业企业"
when = "{when}"
{indicators}
  [class.tiers]
  method = "threshold"
  minimum = {{ A = 150, B = 100 }}
  below = "C"
"""
    return mujun.parse_rules(text, file="read-test.toml")


# --- the three departments of one county, each in its own format -------------------------------


def tax_xlsx(path: Path) -> Path:
    """税务局: header on row 2 below a merged title; tax in 元; a 合计 row at the bottom.

    A 100 万元 (revenue 500), B 200 万元 (800), C 30 万元 (100); D is not a taxpayer here."""
    rows = [
        ["2022年度重点税源企业入库税收情况表"],
        ["序号", "纳税人识别号", "纳税人名称", "实缴税金(元)", "营业收入(万元)"],
        [1, A, "甲精密机械有限公司", 1_000_000, 500],
        [2, B, "乙纺织有限公司", 2_000_000, 800],
        [3, C, "丙食品有限公司", 300_000, 100],
        ["合计", None, None, 3_300_000, 1400],
    ]
    return write_xlsx(path, rows, sheet="税收", merges=["A1:E1"])


def stats_csv(path: Path, encoding: str = "gbk") -> Path:
    """统计局: a GBK CSV with a title line; revenue disagrees with the tax bureau's for A."""
    rows = [
        ["2022年规模以上工业企业主要经济指标"],
        ["统一社会信用代码", "单位名称", "是否规上", "营业收入（万元）", "综合能耗(吨标煤)"],
        [A, "甲精密机械有限公司", "是", "600", "50"],
        [B, "乙纺织有限公司", "是", "800", "40"],
        [D, "丁电子有限公司", "是", "900", "30"],
    ]
    return write_csv(path, rows, encoding=encoding)


def land_xlsx(path: Path) -> Path:
    """自然资源局: a two-level header (用地面积（亩） over 自有/租用/出租) and a note row."""
    rows = [
        ["2022年工业企业用地情况"],
        ["序号", "统一社会信用代码", "企业名称", "用地面积（亩）", None, None],
        [None, None, None, "自有", "租用", "出租"],
        [1, A, "甲精密机械有限公司", 10, 0, 0],
        [2, B, "乙纺织有限公司", 20, 5, 5],
        [3, C, "丙食品有限公司", 5, None, None],
        ["填报说明：用地面积以不动产登记为准。"],
    ]
    merges = ["A1:F1", "A2:A3", "B2:B3", "C2:C3", "D2:F2"]
    return write_xlsx(path, rows, sheet="用地", merges=merges)


# --- looking at what was read ------------------------------------------------------------------


def issues(table: EnterpriseTable | Any, code: str | None = None) -> list[tuple[Any, ...]]:
    """(code, file name, sheet, row, credit code, field, value, severity) of each issue, or of
    those with `code`, sorted; `row` is None when the issue has no row."""
    frame = table.issues
    if code is not None:
        frame = frame[frame["code"] == code]
    out = []
    for rec in frame.to_dict("records"):
        row = rec["row"]
        out.append(
            (
                rec["code"],
                Path(rec["file"]).name if rec["file"] else "",
                rec["sheet"],
                None if pd.isna(row) else int(row),
                rec["credit_code"],
                rec["field"],
                rec["value"],
                rec["severity"],
            )
        )
    return expect(out)


def _key(issue: tuple[Any, ...]) -> tuple[Any, ...]:
    code, file, sheet, row, *rest = issue
    return (code, file, sheet, -1 if row is None else row, *map(str, rest))


def expect(found: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Issue tuples in the order `issues` gives them (code, file, sheet, row, then the rest)."""
    return sorted(found, key=_key)


def codes_of(table: EnterpriseTable) -> set[str]:
    """The distinct issue codes of a table."""
    return set(table.issues["code"])


def at(table: EnterpriseTable, credit: str, field: str) -> Any:
    """The value of `field` for the firm `credit` (exactly one row must have that code)."""
    rows = table.frame[table.frame["credit_code"] == credit]
    assert len(rows) == 1, f"{credit}: {len(rows)} rows"
    return rows[field].iloc[0]


def assert_rows_add_up(table: EnterpriseTable, *, used: list[int], skipped: list[int]) -> None:
    """Every data row of every source is used or skipped, and the used rows are the table's
    rows or were merged into one of them."""
    assert [s.used for s in table.sources] == used
    assert [s.skipped for s in table.sources] == skipped
    for source in table.sources:
        assert source.rows == source.used + source.skipped, source
    assert len(table) <= sum(used)
