"""Files that give no firm rows say why, and a Parquet file with a department's own headers is
read like any sheet."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from departments import YEAR, code, write_csv

from mujun import DataError, read_sources
from mujun.read import csv_text


def test_parquet_with_chinese_headers_is_read_as_a_sheet(tmp_path: Path) -> None:
    path = tmp_path / "税务局.parquet"
    pd.DataFrame(
        {
            "统一社会信用代码": [code(1), code(2), None],
            "年度": [YEAR, YEAR, YEAR],
            "所属园区": ["甲园区", None, "乙园区"],
            "实缴税金(元)": [150_000.0, 20_000.0, 1.0],
        }
    ).to_parquet(path)
    table = read_sources([path])
    frame = table.frame.set_index("credit_code")
    assert frame.loc[code(1), "tax_paid"] == pytest.approx(15.0)  # 元 → 万元, as in a workbook
    assert frame.loc[code(2), "tax_paid"] == pytest.approx(2.0)
    assert pd.isna(frame.loc[code(2), "park"])  # a null is a blank cell
    assert len(table) == 3  # the row without a code is kept, to be rejected, never dropped
    assert table.sources[0].rows == 3


def test_parquet_of_nested_columns_is_refused_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "嵌套.parquet"
    pd.DataFrame({"统一社会信用代码": [code(1)], "明细": [[1, 2]]}).to_parquet(path)
    with pytest.raises(DataError, match="列“明细”的类型"):
        read_sources([path], year=YEAR)


def test_firms_only_on_a_hidden_sheet_are_the_reason_given(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    cover = book.active
    cover.title = "封面"
    cover["A1"] = "2023年度企业数据"
    hidden = book.create_sheet("企业")
    hidden.append(["统一社会信用代码", "实缴税金(万元)"])
    for i in range(1, 6):
        hidden.append([code(i), i])
    hidden.sheet_state = "hidden"
    path = tmp_path / "报送.xlsx"
    book.save(path)
    with pytest.raises(DataError) as caught:
        read_sources([path], year=YEAR)
    message = str(caught.value)
    assert "工作表“企业”" in message and "隐藏" in message and "5户" in message


def test_lines_past_the_field_bound_are_the_reason_given(tmp_path: Path) -> None:
    wide = csv_text.MAX_FIELDS + 5
    header = ["统一社会信用代码", "实缴税金(万元)", *["x"] * (wide - 2)]
    rows = [header, *[[code(i), i, *["1"] * (wide - 2)] for i in range(1, 4)]]
    path = write_csv(tmp_path / "宽表.csv", rows)
    with pytest.raises(DataError) as caught:
        read_sources([path], year=YEAR)
    message = str(caught.value)
    assert re.search(rf"第1行：.*{csv_text.MAX_FIELDS}", message)


def test_blank_columns_past_the_field_bound_do_not_count(tmp_path: Path) -> None:
    blanks = [""] * (csv_text.MAX_FIELDS + 10)  # an export's empty columns to the right
    header = ["统一社会信用代码", "实缴税金(万元)", *blanks]
    rows = [header, *[[code(i), i, *blanks] for i in range(1, 4)]]
    table = read_sources([write_csv(tmp_path / "宽表.csv", rows)], year=YEAR)
    assert table.frame["tax_paid"].tolist() == [1.0, 2.0, 3.0]
    assert not table.issues["code"].isin(["csv-too-many-fields", "extra-fields"]).any()
