"""Which sheets of a workbook are read, and what is said about the ones that are not.

Every test builds its workbook in tmp_path with openpyxl and checks the firms read and the
issue naming each sheet passed over.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from departments import YEAR, A, B, C, D, assert_rows_add_up, issues

from mujun import read_sources

HEAD = ["统一社会信用代码", "企业名称", "实缴税金(万元)"]


def _book(path: Path, sheets: dict[str, list[list[object]]], states: dict[str, str]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
        ws.sheet_state = states.get(name, "visible")
    book.save(path)
    return path


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_sheet_with_firms_is_a_warning_naming_their_number(
    tmp_path: Path, state: str
) -> None:
    """Regression: the firms of a hidden sheet were dropped with a note at info level."""
    path = _book(
        tmp_path / "f.xlsx",
        {
            "数据": [HEAD, [A, "甲", 1]],
            "旧数据": [HEAD, [B, "乙", 2], [C, "丙", 3], [f" {C.lower()} ", "丙", 3]],
            "园区列表": [["园区"], ["经开区"], ["高新区"]],
        },
        {"旧数据": state, "园区列表": state},
    )
    table = read_sources([path], year=YEAR)
    assert table.frame["credit_code"].tolist() == [A]
    assert issues(table) == [
        ("sheet-skipped", "f.xlsx", "园区列表", None, "", "", "", "info"),
        ("sheet-skipped", "f.xlsx", "旧数据", None, "", "", "2户", "warning"),
    ]
    message = table.issues.loc[table.issues["sheet"] == "旧数据", "message"].iloc[0]
    assert "隐藏" in message and "2户企业" in message
    assert_rows_add_up(table, used=[1], skipped=[0])


def test_only_an_instruction_sheet_by_its_exact_name_is_passed_over(tmp_path: Path) -> None:
    """Regression: a sheet named 说明及数据 (a name beginning with 说明) was not read."""
    path = _book(
        tmp_path / "f.xlsx",
        {
            "填报说明": [["填报说明"], ["1. 税收为实际入库数。"], ["2. 单位为万元。"]],
            "说明及数据": [HEAD, [A, "甲", 1], [B, "乙", 2]],
            " 说明 ": [["示例"], HEAD, [D, "示例企业", 0]],
        },
        {},
    )
    table = read_sources([path], year=YEAR)
    assert table.frame["credit_code"].tolist() == [A, B]
    assert issues(table) == [
        ("sheet-skipped", "f.xlsx", " 说明 ", None, "", "", "1户", "warning"),
        ("sheet-skipped", "f.xlsx", "填报说明", None, "", "", "", "info"),
    ]
    assert_rows_add_up(table, used=[2], skipped=[0])
