"""read_sources: departmental files as departments send them → one EnterpriseTable.

Every test writes its files into tmp_path (builders in departments.py), reads them and checks the
exact values read, the exact issues (code, file, sheet, spreadsheet row, credit code, field,
value, severity) and that the rows add up: each source's data rows are used or skipped, and the
used rows are the table's rows or were merged into one of them.

Tests whose docstring says 'Regression' failed on the reader as first written.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from conftest import indicator_toml, read_for
from departments import (
    YEAR,
    A,
    B,
    C,
    D,
    assert_rows_add_up,
    at,
    code,
    codes_of,
    expect,
    issues,
    land_xlsx,
    make_rules,
    stats_csv,
    tax_xlsx,
    write_csv,
    write_table,
    write_xlsx,
)

import mujun
from mujun import DataError, read_sources

DATA = Path(__file__).parents[1] / "data"
TAX_ONLY = indicator_toml(
    "tax_per_mu", "tax_paid / land_mu", 100, "method = 'ratio', benchmark = 10.0"
)


# --- encodings ---------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encoding_is_detected(tmp_path: Path, encoding: str) -> None:
    path = write_csv(
        tmp_path / "统计局.csv",
        [
            ["2022年规模以上工业企业主要经济指标"],
            ["统一社会信用代码", "单位名称", "所属园区", "营业收入（万元）"],
            [A, "甲精密机械有限公司", "城东工业园", "1,234.5"],
            [B, "乙纺织有限公司", "乡镇工业集中区", "800"],
        ],
        encoding=encoding,
    )
    table = read_sources([path], year=YEAR)
    assert table.frame["credit_code"].tolist() == [A, B]
    assert table.frame["name"].tolist() == ["甲精密机械有限公司", "乙纺织有限公司"]
    assert table.frame["park"].tolist() == ["城东工业园", "乡镇工业集中区"]
    assert table.frame["revenue"].tolist() == [1234.5, 800.0]
    assert table.frame["year"].tolist() == [YEAR, YEAR]
    assert table.origin["row"].tolist() == [3, 4]
    assert issues(table) == expect([])
    assert_rows_add_up(table, used=[2], skipped=[0])


def test_gb18030_characters_outside_gbk_are_read(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "f.csv",
        [["统一社会信用代码", "企业名称"], [A, "𠮷祥五金有限公司"]],
        encoding="gb18030",
    )
    with pytest.raises(UnicodeEncodeError):
        "𠮷".encode("gbk")  # the file really is GB18030, not GBK
    table = read_sources([path], year=YEAR)
    assert table.frame["name"].tolist() == ["𠮷祥五金有限公司"]


def test_csv_that_is_neither_utf8_nor_gb18030_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "乱码.csv"
    path.write_bytes(b"\xff\xfe\x00abc,\x81\n")
    with pytest.raises(DataError, match=re.escape("乱码.csv")):
        read_sources([path], year=YEAR)


# --- finding the header ------------------------------------------------------------------------


def test_header_below_merged_title_blank_column_and_note_rows(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "税务局.xlsx",
        [
            ["测试县2022年度企业税收情况表"],
            ["填报单位：测试县税务局", None, None, None, "单位：元"],
            ["序号", "统一社会信用代码", "企业名称", None, "实缴税金(元)", "备注"],
            [1, A, "甲精密机械有限公司", None, 1_000_000, None],
            [2, B, "乙纺织有限公司", None, "1,234.5", "新办企业"],
            [],
            ["合计", None, None, None, 1_001_234.5],
            ["填报说明：税收为2022年度实际入库数。"],
            ["制表人：张三", None, "审核：李四"],
        ],
        sheet="税收",
        merges=["A1:F1"],
    )
    table = read_sources([path], year=YEAR)
    assert table.frame["credit_code"].tolist() == [A, B]
    assert table.frame["tax_paid"].tolist() == pytest.approx([100.0, 0.12345], rel=1e-12)
    assert table.origin["row"].tolist() == [4, 5]
    name = "税务局.xlsx"
    assert issues(table) == expect(
        [
            ("blank-column", name, "税收", 3, "", "", "", "info"),
            ("ignored-column", name, "税收", 3, "", "", "序号", "info"),
            ("ignored-column", name, "税收", 3, "", "", "备注", "info"),
            ("note-row", name, "税收", 7, "", "", "合计", "info"),
            ("note-row", name, "税收", 8, "", "", "填报说明：税收为2022年度实际入库数。", "info"),
            ("note-row", name, "税收", 9, "", "", "制表人：张三", "info"),
        ]
    )
    blank = table.issues[table.issues["code"] == "blank-column"]
    assert blank["message"].tolist() == ["第4列：空白列，已忽略"]
    # 6 data rows below the header: 2 firms, 1 blank row, 3 note rows
    assert_rows_add_up(table, used=[2], skipped=[4])
    assert len(table) == 2


def test_two_level_header_under_a_merged_parent(tmp_path: Path) -> None:
    table = read_sources([land_xlsx(tmp_path / "自然资源局.xlsx")], year=YEAR)
    frame = table.frame
    assert frame["credit_code"].tolist() == [A, B, C]
    assert frame["land_owned_mu"].tolist() == [10.0, 20.0, 5.0]
    assert frame["land_leased_mu"].tolist()[:2] == [0.0, 5.0]
    assert frame["land_let_mu"].tolist()[:2] == [0.0, 5.0]
    assert math.isnan(frame["land_leased_mu"].iloc[2]) and math.isnan(frame["land_let_mu"].iloc[2])
    assert table.origin["row"].tolist() == [4, 5, 6]
    assert issues(table) == expect(
        [
            ("ignored-column", "自然资源局.xlsx", "用地", 3, "", "", "序号", "info"),
            (
                "note-row",
                "自然资源局.xlsx",
                "用地",
                7,
                "",
                "",
                "填报说明：用地面积以不动产登记为准。",
                "info",
            ),
        ]
    )
    assert_rows_add_up(table, used=[3], skipped=[1])


def test_two_level_header_in_a_csv_without_merge_information(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "用地.csv",
        [
            ["企业用地情况表"],
            ["统一社会信用代码", "企业名称", "用地面积（平方米）", "", ""],
            ["", "", "自有", "租用", "出租"],
            [A, "甲", "6667", "1000", ""],
            [B, "乙", "3000", "", "150"],
        ],
    )
    table = read_sources([path], year=YEAR)
    frame = table.frame
    assert frame["land_owned_mu"].tolist() == pytest.approx([10.0005, 4.5], rel=1e-12)
    assert frame["land_leased_mu"].iloc[0] == pytest.approx(1.5, rel=1e-12)
    assert frame["land_let_mu"].iloc[1] == pytest.approx(0.225, rel=1e-12)
    assert table.origin["row"].tolist() == [4, 5]
    assert issues(table) == expect([])
    assert_rows_add_up(table, used=[2], skipped=[0])


def test_note_row_in_the_credit_code_column_is_not_a_firm(tmp_path: Path) -> None:
    """Regression: a 合计 / 填报说明 row whose text sits in the credit code column (column A
    when the sheet has no 序号 column) was read as a firm with a bad credit code."""
    path = write_xlsx(
        tmp_path / "税务局.xlsx",
        [
            ["统一社会信用代码", "企业名称", "实缴税金(万元)"],
            [A, "甲精密机械有限公司", 10],
            ["合计", None, 10],
            ["填报说明：税收为实际入库数。"],
        ],
        sheet="税收",
    )
    table = read_sources([path], year=YEAR)
    assert table.frame["credit_code"].tolist() == [A]
    assert issues(table) == expect(
        [
            ("note-row", "税务局.xlsx", "税收", 3, "", "", "合计", "info"),
            ("note-row", "税务局.xlsx", "税收", 4, "", "", "填报说明：税收为实际入库数。", "info"),
        ]
    )
    assert_rows_add_up(table, used=[1], skipped=[2])


# --- header aliases and units ------------------------------------------------------------------


@pytest.mark.parametrize("key", ["统一社会信用代码", "社会信用代码", "纳税人识别号"])
def test_credit_code_header_aliases(tmp_path: Path, key: str) -> None:
    path = write_csv(tmp_path / "f.csv", [[key, "实缴税金"], [A, "1"]])
    table = read_sources([path], year=YEAR)
    assert table.frame["credit_code"].tolist() == [A]
    assert table.frame["tax_paid"].tolist() == [1.0]


ALIASES: list[tuple[str, str, str, Any]] = [
    # header, cell, field, value read (in the field's canonical unit)
    ("企业名称", "甲公司", "name", "甲公司"),
    ("单位名称", "甲公司", "name", "甲公司"),
    ("纳税人名称", "甲公司", "name", "甲公司"),
    ("所属园区", "城东工业园", "park", "城东工业园"),
    ("园区", "城东工业园", "park", "城东工业园"),
    ("乡镇(街道)", "城关镇", "park", "城关镇"),
    ("乡镇（街道）", "城关镇", "park", "城关镇"),
    ("行业代码", "3311", "industry_code", "3311"),
    ("国民经济行业代码", "1711", "industry_code", "1711"),
    ("是否规上", "是", "above_scale", True),
    ("是否规上", "否", "above_scale", False),
    ("规模", "规上", "above_scale", True),
    ("规模", "规下", "above_scale", False),
    ("年度", "2021", "year", 2021),
    ("年份", "2021年", "year", 2021),
    ("实缴税金", "12.5", "tax_paid", 12.5),
    ("税收", "12.5", "tax_paid", 12.5),
    ("税收实际贡献(万元)", "12.5", "tax_paid", 12.5),
    ("入库税收(元)", "125000", "tax_paid", 12.5),
    ("实缴税金(元)", "1000000", "tax_paid", 100.0),
    ("实缴税金（万元）", "100", "tax_paid", 100.0),
    ("实缴税金(千元)", "1000", "tax_paid", 100.0),
    ("营业收入", "8", "revenue", 8.0),
    ("主营业务收入(万元)", "8", "main_revenue", 8.0),
    ("销售收入(元)", "80000", "revenue", 8.0),
    ("开票销售(亿元)", "0.5", "revenue", 5000.0),
    ("工业总产值(万元)", "30", "output_value", 30.0),
    ("工业增加值(千元)", "300", "value_added", 30.0),
    ("综合能耗(吨标准煤)", "12", "energy_tce", 12.0),
    ("综合能耗（吨标煤）", "12", "energy_tce", 12.0),
    ("综合能耗(千克标准煤)", "12000", "energy_tce", 12.0),
    ("用电量(千瓦时)", "25000", "electricity_kwh", 25000.0),
    ("用电量(度)", "25000", "electricity_kwh", 25000.0),
    ("用电量(万千瓦时)", "2.5", "electricity_kwh", 25000.0),
    ("用地面积(亩)", "10", "land_owned_mu", 10.0),
    ("用地面积(平方米)", "6667", "land_owned_mu", 10.0005),  # 6667 × 15 / 10000
    ("土地面积(公顷)", "2", "land_owned_mu", 30.0),
    ("自有用地(亩)", "10", "land_owned_mu", 10.0),
    ("租用用地(平方米)", "6667", "land_leased_mu", 10.0005),
    ("出租用地(公顷)", "0.2", "land_let_mu", 3.0),
    ("年平均职工人数", "120", "employees", 120.0),
    ("从业人员(人)", "120", "employees", 120.0),
    ("职工人数", "120", "employees", 120.0),
    ("研发经费(万元)", "3", "rd_expense", 3.0),
    ("R&D经费支出（万元）", "3", "rd_expense", 3.0),
    ("技术改造投资(万元)", "7", "tech_investment", 7.0),
    ("技改投资(元)", "70000", "tech_investment", 7.0),
    ("主要污染物排放量(吨)", "1.5", "emissions_t", 1.5),
    ("化学需氧量(吨)", "0.8", "cod_t", 0.8),
    ("氨氮(千克)", "50", "nh3n_t", 0.05),
    ("二氧化硫(吨)", "0.3", "so2_t", 0.3),
    ("氮氧化物(吨)", "0.4", "nox_t", 0.4),
]


@pytest.mark.parametrize(("header", "cell", "field", "expected"), ALIASES)
def test_header_alias_and_unit(
    tmp_path: Path, header: str, cell: str, field: str, expected: Any
) -> None:
    path = write_csv(tmp_path / "f.csv", [["统一社会信用代码", header], [A, cell]])
    table = read_sources([path], year=YEAR)
    value = table.frame[field].iloc[0]
    if isinstance(expected, float):
        assert value == pytest.approx(expected, rel=1e-12)
    else:
        assert value == expected
    assert issues(table) == expect([])


def test_units_stated_in_xlsx_headers_are_converted(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [
            [
                "统一社会信用代码",
                "实缴税金(元)",
                "营业收入（万元）",
                "用地面积(平方米)",
                "用电量(万千瓦时)",
                "综合能耗(吨标煤)",
            ],
            [A, 1_000_000, 500, 6667, 2.5, 12],
            [B, "2,500,000", "1.2万", "3000", "0.4", "—"],
        ],
    )
    table = read_sources([path], year=YEAR)
    assert at(table, A, "tax_paid") == pytest.approx(100.0, rel=1e-12)  # 1,000,000 元
    assert at(table, A, "revenue") == 500.0
    assert at(table, A, "land_owned_mu") == pytest.approx(10.0005, rel=1e-12)  # 6667 × 15/10000
    assert at(table, A, "electricity_kwh") == pytest.approx(25_000.0, rel=1e-12)
    assert at(table, A, "energy_tce") == 12.0
    assert at(table, B, "tax_paid") == pytest.approx(250.0, rel=1e-12)
    assert at(table, B, "revenue") == 12_000.0  # 1.2万 万元
    assert at(table, B, "land_owned_mu") == pytest.approx(4.5, rel=1e-12)
    assert at(table, B, "electricity_kwh") == pytest.approx(4_000.0, rel=1e-12)
    assert math.isnan(at(table, B, "energy_tce"))
    assert issues(table) == expect(
        [
            ("placeholder-value", "f.xlsx", "数据", 3, B, "energy_tce", "—", "info"),
            ("scaled-value", "f.xlsx", "数据", 3, B, "revenue", "1.2万", "warning"),
        ]
    )


def test_unknown_column_is_reported_once(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [
            ["统一社会信用代码", "企业名称", "法定代表人", "实缴税金"],
            [A, "甲", "张三", 1],
            [B, "乙", "李四", 2],
            [C, "丙", "王五", 3],
        ],
    )
    table = read_sources([path], year=YEAR)
    assert "法定代表人" not in table.frame.columns
    assert list(table.frame.columns) == ["credit_code", "year", "name", "tax_paid"]
    assert issues(table) == expect(
        [("unknown-column", "f.xlsx", "数据", 1, "", "", "法定代表人", "warning")]
    )


def test_unknown_unit_is_an_error_and_the_column_is_not_read(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [["统一社会信用代码", "实缴税金(公斤)", "用地面积(亩)"], [A, 5, 10]],
    )
    rules = make_rules(indicators=TAX_ONLY, when="land_owned_mu > 0")
    table = read_for([path], rules)
    assert "tax_paid" not in table.frame.columns
    assert table.frame["land_owned_mu"].tolist() == [10.0]
    assert issues(table) == expect(
        [("unknown-unit", "f.xlsx", "数据", 1, "", "tax_paid", "公斤", "error")]
    )
    # the rules need tax_paid, which no file holds: the evaluation says so
    assert issues(mujun.evaluate(table, rules), "missing-column") == expect(
        [("missing-column", "", "", None, "", "tax_paid", "", "error")]
    )


# --- values as people type them ----------------------------------------------------------------

VALUES: list[tuple[str, float, tuple[str, str] | None]] = [
    # revenue cell, value read, (issue code, severity) or None
    ("1,234.5", 1234.5, None),
    ("１２３", 123.0, ("full-width-value", "info")),
    ("1.2万", 12_000.0, ("scaled-value", "warning")),
    ("12.5%", 0.125, ("scaled-value", "warning")),
    ("—", math.nan, ("placeholder-value", "info")),
    ("-", math.nan, ("placeholder-value", "info")),
    ("/", math.nan, ("placeholder-value", "info")),
    ("无", math.nan, ("placeholder-value", "info")),
    ("", math.nan, None),
    ("#N/A", math.nan, ("excel-error", "warning")),
    ("abc", math.nan, ("non-numeric-value", "error")),
]


def _text_cells_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    """Every cell stored as text, as when a department types into a text-formatted column."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "数据"
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value in (None, ""):
                continue
            cell = ws.cell(row=r, column=c, value=value)
            cell.data_type = "s"  # openpyxl would store '#N/A' as an error cell otherwise
    book.save(path)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_values_as_people_type_them(tmp_path: Path, suffix: str) -> None:
    firms = [code(10 + i) for i in range(len(VALUES))]
    rows = [["统一社会信用代码", "营业收入（万元）"]]
    rows += [[firm, cell] for firm, (cell, _, _) in zip(firms, VALUES, strict=True)]
    path = tmp_path / f"统计局{suffix}"
    if suffix == ".csv":
        write_csv(path, rows)
    else:
        _text_cells_xlsx(path, rows)
    table = read_sources([path], year=YEAR)
    got = table.frame["revenue"].tolist()
    for value, (cell, expected, _) in zip(got, VALUES, strict=True):
        assert (math.isnan(value) and math.isnan(expected)) or value == expected, cell
    sheet = "" if suffix == ".csv" else "数据"
    expected_issues = [
        (note[0], path.name, sheet, i + 2, firms[i], "revenue", VALUES[i][0], note[1])
        for i, (_, _, note) in enumerate(VALUES)
        if note is not None
    ]
    assert issues(table) == expect(expected_issues)
    assert_rows_add_up(table, used=[len(VALUES)], skipped=[0])


def test_excel_error_cell_in_a_workbook_is_reported(tmp_path: Path) -> None:
    """Regression: calamine hands error cells (#N/A from a failed VLOOKUP, #DIV/0!) over as '',
    so they were read as blank without the `excel-error` warning."""
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [["统一社会信用代码", "营业收入（万元）"], [A, "#N/A"], [B, "#DIV/0!"]],
    )
    cells = openpyxl.load_workbook(path)["数据"]
    assert (cells["B2"].data_type, cells["B3"].data_type) == ("e", "e")  # real error cells
    table = read_sources([path], year=YEAR)
    assert math.isnan(at(table, A, "revenue")) and math.isnan(at(table, B, "revenue"))
    assert issues(table) == expect(
        [
            ("excel-error", "f.xlsx", "数据", 2, A, "revenue", "#N/A", "warning"),
            ("excel-error", "f.xlsx", "数据", 3, B, "revenue", "#DIV/0!", "warning"),
        ]
    )


def test_non_numeric_value_rejects_the_firm_only_when_the_rules_use_the_field(
    tmp_path: Path,
) -> None:
    path = write_csv(
        tmp_path / "f.csv",
        [
            ["统一社会信用代码", "实缴税金(万元)", "营业收入(万元)", "用地面积(亩)"],
            [A, "abc", "100", "10"],
            [B, "50", "abc", "10"],
            [C, "80", "100", "10"],
        ],
    )
    rules = make_rules(indicators=TAX_ONLY, when="land_owned_mu > 0")
    table = read_for([path], rules)
    assert issues(table) == expect(
        [
            ("non-numeric-value", "f.csv", "", 2, A, "tax_paid", "abc", "error"),
            ("non-numeric-value", "f.csv", "", 3, B, "revenue", "abc", "error"),
        ]
    )
    results = mujun.evaluate(table, rules).results.set_index("credit_code")
    assert results.loc[A, "status"] == "rejected"
    assert results.loc[A, "status_reason"] == "“实缴税金”的值不是数字"
    assert results.loc[B, "status"] == "evaluated"  # revenue is not used by these rules
    assert results.loc[B, "total_score"] == pytest.approx(50.0)  # 5 万元/亩 of 10 → 50 % of 100
    assert results.loc[C, "status"] == "evaluated"


def test_credit_code_typed_as_a_number_in_xlsx(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [["统一社会信用代码", "实缴税金(万元)"], [913502000728319549, 5], [A, 6]],
    )
    table = read_sources([path], year=YEAR)
    found = issues(table)
    assert [(i[0], i[3], i[5], i[7]) for i in found] == [
        ("credit-code-as-number", 2, "credit_code", "error")
    ]
    message = table.issues["message"].iloc[0]
    assert "文本" in message  # tells to format the column as text
    assert table.frame["credit_code"].iloc[1] == A
    assert_rows_add_up(table, used=[2], skipped=[0])


def test_credit_code_in_scientific_notation_in_csv(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "f.csv",
        [["统一社会信用代码", "实缴税金(万元)"], ["9.13502E+17", "5"], [A, "6"]],
    )
    table = read_sources([path], year=YEAR)
    assert issues(table) == expect(
        [
            (
                "credit-code-as-number",
                "f.csv",
                "",
                2,
                "9.13502E+17",
                "credit_code",
                "9.13502E+17",
                "error",
            ),
        ]
    )
    assert "文本" in table.issues["message"].iloc[0]


def test_dates_with_and_without_time_in_one_column(tmp_path: Path) -> None:
    """Regression: calamine gives datetime for a date cell with a time and date for one
    without; a column mixing them lost every cell of the other kind (NaT, `bad-date-value`)."""
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [
            ["统一社会信用代码", "成立日期"],
            [A, dt.datetime(2019, 5, 1, 10, 30)],
            [B, dt.datetime(2020, 1, 2)],
        ],
    )
    table = read_sources([path], year=YEAR)
    assert table.frame["established"].tolist() == [
        pd.Timestamp("2019-05-01 10:30"),
        pd.Timestamp("2020-01-02"),
    ]
    assert issues(table) == expect([])


# --- credit codes ------------------------------------------------------------------------------


def test_credit_codes_are_normalised_and_checked(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "f.csv",
        [
            ["统一社会信用代码", "实缴税金(万元)"],
            ["９１３５０２００７７６０４９６５３Ａ", "1"],
            [" 91350203m0001qay9b ", "2"],
            ["9135020312345", "3"],
            ["91350200000000001I", "4"],
            ["", "5"],
        ],
    )
    table = read_sources([path], year=YEAR)
    assert table.frame["credit_code"].tolist()[:4] == [
        "91350200776049653A",
        "91350203M0001QAY9B",
        "9135020312345",
        "91350200000000001I",
    ]
    assert table.frame["credit_code"].isna().tolist() == [False] * 4 + [True]
    assert issues(table) == expect(
        [
            (
                "bad-credit-code",
                "f.csv",
                "",
                4,
                "9135020312345",
                "credit_code",
                "9135020312345",
                "error",
            ),
            (
                "bad-credit-code",
                "f.csv",
                "",
                5,
                "91350200000000001I",
                "credit_code",
                "91350200000000001I",
                "error",
            ),
            (
                "credit-code-check-digit",
                "f.csv",
                "",
                3,
                "91350203M0001QAY9B",
                "credit_code",
                "91350203M0001QAY9B",
                "warning",
            ),
            ("missing-credit-code", "f.csv", "", 6, "", "credit_code", "", "error"),
            (
                "credit-code-cleaned",  # full-width: what the cell shows is not the code read
                "f.csv",
                "",
                2,
                "91350200776049653A",
                "credit_code",
                "９１３５０２００７７６０４９６５３Ａ",
                "info",
            ),
        ]
    )
    assert_rows_add_up(table, used=[5], skipped=[0])


# --- merging departments -----------------------------------------------------------------------


def _three_departments(tmp_path: Path) -> list[Path]:
    return [
        tax_xlsx(tmp_path / "税务局_2022.xlsx"),
        stats_csv(tmp_path / "统计局_2022.csv"),
        land_xlsx(tmp_path / "自然资源局_2022.xlsx"),
    ]


def test_three_departments_merge_into_one_row_per_firm(tmp_path: Path) -> None:
    files = _three_departments(tmp_path)
    table = read_for(files, make_rules())
    frame = table.frame.set_index("credit_code")
    assert frame.index.tolist() == [A, B, C, D]
    assert frame["year"].tolist() == [YEAR] * 4
    assert frame["name"].tolist() == [
        "甲精密机械有限公司",
        "乙纺织有限公司",
        "丙食品有限公司",
        "丁电子有限公司",
    ]
    assert frame["tax_paid"].tolist()[:3] == pytest.approx([100.0, 200.0, 30.0], rel=1e-12)
    assert math.isnan(frame.loc[D, "tax_paid"])
    assert frame["revenue"].tolist() == [500.0, 800.0, 100.0, 900.0]  # A: the first file wins
    assert frame.loc[[A, B, D], "energy_tce"].tolist() == [50.0, 40.0, 30.0]
    assert frame.loc[[A, B, D], "above_scale"].tolist() == [True, True, True]
    assert frame.loc[[A, B, C], "land_owned_mu"].tolist() == [10.0, 20.0, 5.0]
    assert math.isnan(frame.loc[D, "land_owned_mu"])
    tax, stats, land = (f.name for f in files)
    assert issues(table, "conflicting-values") == expect(
        [
            (
                "conflicting-values",
                tax,
                "税收",
                3,
                A,
                "revenue",
                f"{tax}：500.0；{stats}：600.0",
                "warning",
            ),
        ]
    )
    checked = mujun.evaluate(table, make_rules())
    missing = issues(checked, "missing-from-source")
    # where each firm was found (its first row) …
    assert [(i[1], i[3], i[4], i[7]) for i in missing] == [
        (tax, 5, C, "warning"),
        (stats, 5, D, "warning"),
        (stats, 5, D, "warning"),
    ]
    # … and which department's file it is missing from
    absent = checked.issues[checked.issues["code"] == "missing-from-source"]
    named = {
        (firm, next(f for f in (tax, stats, land) if f"《{f}" in message))
        for firm, message in zip(absent["credit_code"], absent["message"], strict=True)
    }
    assert named == {(C, stats), (D, tax), (D, land)}
    assert codes_of(table) == {"conflicting-values", "ignored-column", "note-row"}
    assert "missing-from-source" not in codes_of(table)  # which firms lack what: the rules say
    # tax: 3 firms + 合计; stats: 3 firms; land: 3 firms + a note; 9 used rows → 4 firms
    assert_rows_add_up(table, used=[3, 3, 3], skipped=[1, 0, 1])
    assert len(table) == 4 and sum(s.used for s in table.sources) == 4 + 5


@pytest.mark.parametrize(
    ("priority", "order", "revenue", "listing"),
    [
        ([], ["tax", "stats"], 500.0, "税务局_2022.xlsx：500.0；统计局_2022.csv：600.0"),
        ([], ["stats", "tax"], 600.0, "统计局_2022.csv：600.0；税务局_2022.xlsx：500.0"),
        (["税务*"], ["stats", "tax"], 500.0, "税务局_2022.xlsx：500.0；统计局_2022.csv：600.0"),
        (["统计*"], ["tax", "stats"], 600.0, "统计局_2022.csv：600.0；税务局_2022.xlsx：500.0"),
        (
            ["自然*", "统计*", "税务*"],
            ["tax", "stats"],
            600.0,
            "统计局_2022.csv：600.0；税务局_2022.xlsx：500.0",
        ),
    ],
)
def test_priority_decides_conflicting_values(
    tmp_path: Path, priority: list[str], order: list[str], revenue: float, listing: str
) -> None:
    made = {
        "tax": tax_xlsx(tmp_path / "税务局_2022.xlsx"),
        "stats": stats_csv(tmp_path / "统计局_2022.csv"),
    }
    table = read_for([made[o] for o in order], make_rules(priority=priority))
    assert at(table, A, "revenue") == revenue
    conflicts = table.issues[table.issues["code"] == "conflicting-values"]
    assert conflicts["value"].tolist() == [listing]
    assert conflicts["credit_code"].tolist() == [A]


def test_missing_from_source_only_for_files_that_supply_used_fields(tmp_path: Path) -> None:
    tax = tax_xlsx(tmp_path / "税务局.xlsx")
    env = write_xlsx(
        tmp_path / "生态环境局.xlsx",
        [["统一社会信用代码", "化学需氧量(吨)"], [A, 0.5], [D, 0.2]],
    )
    rules = make_rules(indicators=TAX_ONLY, when="tax_paid > 0")
    table = read_for([tax, env], rules)
    # B and C are not in the environment file, but the rules use none of its fields
    assert issues(mujun.evaluate(table, rules), "missing-from-source") == expect(
        [
            ("missing-from-source", "生态环境局.xlsx", "数据", 3, D, "", "", "warning"),
        ]
    )
    assert at(table, A, "cod_t") == 0.5
    assert_rows_add_up(table, used=[3, 2], skipped=[1, 0])
    assert len(table) == 4


def test_a_field_the_rules_use_that_no_file_has_is_a_missing_column(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [["统一社会信用代码", "是否规上", "实缴税金(万元)", "用地面积(亩)"], [A, "是", 50, 10]],
    )
    checked = mujun.evaluate(read_for([path], make_rules()), make_rules())
    assert issues(checked, "missing-column") == expect(
        [
            ("missing-column", "", "", None, "", "energy_tce", "", "error"),
            ("missing-column", "", "", None, "", "revenue", "", "error"),
        ]
    )
    messages = checked.issues.loc[checked.issues["code"] == "missing-column", "message"].tolist()
    assert ["综合能耗" in m for m in messages] == [True, False]
    assert ["营业收入" in m for m in messages] == [False, True]


def test_energy_from_carriers_and_land_from_parts_are_not_missing(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [
            [
                "统一社会信用代码",
                "是否规上",
                "实缴税金(万元)",
                "营业收入(万元)",
                "用电量(万千瓦时)",
                "租用用地(亩)",
            ],
            [A, "是", 50, 100, 10, 10],
        ],
    )
    table = read_for([path], make_rules())
    assert issues(mujun.evaluate(table, make_rules()), "missing-column") == expect([])


def test_duplicate_rows_within_one_file(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "税务局.xlsx",
        [
            ["统一社会信用代码", "企业名称", "实缴税金(万元)", "用地面积(亩)", "是否规上"],
            [A, "甲", 50, 10, "是"],
            [A, "甲", 50, 10, "是"],  # the same record twice: read once
            [B, "乙", 20, 4, "是"],
            [B, "乙", 25, 4, "是"],  # two different records: nobody can tell which is right
            [C, "丙", 30, 5, "是"],
        ],
    )
    rules = make_rules(indicators=TAX_ONLY)
    table = read_for([path], rules)
    assert table.frame["credit_code"].tolist() == [A, B, C]
    assert at(table, A, "tax_paid") == 50.0
    name = "税务局.xlsx"
    assert issues(table, "duplicate-row") == expect(
        [
            ("duplicate-row", name, "数据", 2, A, "credit_code", "", "warning"),
            ("duplicate-row", name, "数据", 3, A, "credit_code", "", "warning"),
        ]
    )
    assert issues(table, "duplicate-firm") == expect(
        [
            ("duplicate-firm", name, "数据", 4, B, "credit_code", "", "error"),
            ("duplicate-firm", name, "数据", 5, B, "credit_code", "", "error"),
        ]
    )
    assert_rows_add_up(table, used=[5], skipped=[0])
    assert len(table) == 3  # 5 used rows: A twice and B twice, each merged into one row
    results = mujun.evaluate(table, rules).results.set_index("credit_code")
    assert results["status"].tolist() == ["evaluated", "rejected", "evaluated"]
    assert results.loc[B, "status_reason"] == (
        "同一企业同一年度有多条不同记录，均未采用，请核实后只保留一条"
    )
    assert results.loc[A, "total_score"] == pytest.approx(50.0)  # 5 万元/亩 of 10


# --- the data year -----------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2020, 2021])
def test_files_without_a_year_column_get_the_year_given(tmp_path: Path, year: int) -> None:
    path = write_csv(tmp_path / "f.csv", [["统一社会信用代码", "实缴税金"], [A, "1"]])
    table = read_sources([path], year=year)
    assert table.frame["year"].tolist() == [year]


def test_without_a_year_rows_have_none_and_count_as_the_rules_year(tmp_path: Path) -> None:
    """Reading knows no rules: a file without a year column read without `year` gives rows
    without one, which the evaluation takes as its own year."""
    path = write_csv(tmp_path / "f.csv", [["统一社会信用代码", "实缴税金"], [A, "1"]])
    table = read_sources([path])
    assert "year" not in table.frame
    rules = make_rules(indicators=TAX_ONLY, year=2021)
    assert mujun.evaluate(table, rules).results["year"].tolist() == [2021]


def test_a_firm_given_with_and_without_a_year_is_not_graded_twice(tmp_path: Path) -> None:
    """Files read without `year` where one has a 年度 column: the same firm-year is two rows,
    and neither may be graded alone."""
    tax = write_xlsx(
        tmp_path / "税务局.xlsx", [["统一社会信用代码", "年度", "实缴税金(万元)"], [A, YEAR, 50]]
    )
    land = write_csv(tmp_path / "用地.csv", [["统一社会信用代码", "用地面积(亩)"], [A, "10"]])
    table = read_sources([tax, land])
    assert len(table) == 2
    rules = make_rules(indicators=TAX_ONLY, when="land_owned_mu > 0 or tax_paid > 0")
    ev = mujun.evaluate(table, rules)
    assert ev.results["status"].tolist() == ["rejected", "rejected"]
    split = ev.issues[ev.issues["code"] == "duplicate-firm"]
    assert len(split) == 2 and "未填年度" in split["message"].iloc[0]
    # read with the year, the two files merge into one firm that is graded
    merged = mujun.evaluate(read_sources([tax, land], year=YEAR), rules)
    assert merged.results["status"].tolist() == ["evaluated"]


def test_a_year_column_wins_and_files_merge_on_credit_code_and_year(tmp_path: Path) -> None:
    tax = write_xlsx(
        tmp_path / "税务局.xlsx",
        [["统一社会信用代码", "年度", "实缴税金(万元)"], [A, 2022, 50], [A, 2021, 40]],
    )
    land = write_csv(tmp_path / "用地.csv", [["统一社会信用代码", "用地面积(亩)"], [A, "10"]])
    table = read_for([tax, land], make_rules(indicators=TAX_ONLY, when="tax_paid > 0"))
    frame = table.frame
    assert frame[["credit_code", "year"]].values.tolist() == [[A, 2022], [A, 2021]]
    assert frame["tax_paid"].tolist() == [50.0, 40.0]
    assert frame["land_owned_mu"].tolist()[0] == 10.0  # the land file's year is the rules' 2022
    assert math.isnan(frame["land_owned_mu"].iloc[1])
    assert issues(table, "duplicate-firm") == expect([])
    assert_rows_add_up(table, used=[2, 1], skipped=[0, 0])


# --- untrusted workbooks -----------------------------------------------------------------------


def test_a_formula_is_never_evaluated(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [
            ["统一社会信用代码", "实缴税金(万元)", "企业名称"],
            [A, "=1+1", '=WEBSERVICE("http://x")'],
        ],
    )
    assert openpyxl.load_workbook(path)["数据"]["B2"].data_type == "f"  # no cached value written
    table = read_sources([path], year=YEAR)
    assert math.isnan(at(table, A, "tax_paid"))  # the empty cached value, not 2
    assert pd.isna(at(table, A, "name"))
    assert issues(table) == expect(
        [
            ("formula-not-cached", "f.xlsx", "数据", 2, "", "", "=1+1", "warning"),
            (
                "formula-not-cached",
                "f.xlsx",
                "数据",
                2,
                "",
                "",
                '=WEBSERVICE("http://x")',
                "warning",
            ),
        ]
    )
    messages = sorted(table.issues["message"])
    assert messages[0] == "工作表“数据”单元格B2：公式未计算（无缓存值），按空白读取"
    assert "单元格C2：公式未计算（无缓存值）" in messages[1]
    assert_rows_add_up(table, used=[1], skipped=[0])


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_sheet_is_not_read(tmp_path: Path, state: str) -> None:
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [["统一社会信用代码", "实缴税金"], [A, 1]],
        hidden={"旧数据": [["统一社会信用代码", "实缴税金"], [B, 99]]},
        hidden_state=state,
    )
    table = read_sources([path], year=YEAR)
    assert table.frame["credit_code"].tolist() == [A]
    assert issues(table) == expect(
        [("sheet-skipped", "f.xlsx", "旧数据", None, "", "", "1户", "warning")]
    )
    assert "隐藏" in table.issues["message"].iloc[0]
    assert_rows_add_up(table, used=[1], skipped=[0])


def _truncated_xlsx(path: Path) -> None:
    whole = path.with_suffix(".whole.xlsx")
    write_xlsx(whole, [["统一社会信用代码"], [A]])
    path.write_bytes(whole.read_bytes()[:1500])


def _zip_without_workbook(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")


@pytest.mark.parametrize(
    "make",
    [
        lambda p: p.write_bytes(random.Random(0).randbytes(4096)),
        _truncated_xlsx,
        _zip_without_workbook,
        lambda p: p.write_bytes(b""),
    ],
    ids=["random-bytes", "truncated", "zip-without-workbook", "empty"],
)
def test_a_corrupt_workbook_is_a_data_error_naming_the_file(tmp_path: Path, make: Any) -> None:
    path = tmp_path / "坏文件.xlsx"
    make(path)
    with pytest.raises(DataError, match=re.escape("坏文件.xlsx")):
        read_sources([path], year=YEAR)


@pytest.mark.parametrize(
    "content", [b"", b"\xef\xbb\xbf", b"\r\n\r\n  \r\n"], ids=["empty", "bom-only", "blank-lines"]
)
def test_an_empty_csv_is_a_data_error_naming_the_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "空文件.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=re.escape("空文件.csv")):
        read_sources([path], year=YEAR)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_header_without_data_rows_is_a_data_error(tmp_path: Path, suffix: str) -> None:
    """A regression test: this raised AttributeError ('Can only use .str accessor with string
    values') from sheets._first_text before the reader was fixed."""
    path = write_table(tmp_path / f"只有表头{suffix}", [["统一社会信用代码", "实缴税金"]])
    with pytest.raises(DataError, match=re.escape(path.name)):
        read_sources([path], year=YEAR)


def test_no_credit_code_header_and_other_refusals_are_data_errors(tmp_path: Path) -> None:
    no_key = write_csv(tmp_path / "无代码.csv", [["企业名称", "实缴税金"], ["甲", "1"]])
    with pytest.raises(DataError, match=re.escape("无代码.csv")):
        read_sources([no_key], year=YEAR)
    with pytest.raises(DataError, match=re.escape("不存在.xlsx")):
        read_sources([tmp_path / "不存在.xlsx"], year=YEAR)
    odd = tmp_path / "f.pdf"
    odd.write_bytes(b"%PDF-1.4")
    with pytest.raises(DataError, match="不支持的文件类型"):
        read_sources([odd], year=YEAR)
    with pytest.raises(DataError):
        read_sources([], year=YEAR)


# --- .xls --------------------------------------------------------------------------------------


def test_an_xls_workbook_is_read() -> None:
    """tests/data/stats_2022.xls was written once with xlwt (see tests/data/README.md)."""
    table = read_sources([DATA / "stats_2022.xls"], year=YEAR)
    frame = table.frame
    assert frame["credit_code"].tolist() == [code(1), code(2), code(3)]
    assert frame["name"].tolist() == [
        "测试精密机械有限公司",
        "测试纺织有限公司",
        "测试食品有限公司",
    ]
    assert frame["industry_code"].tolist() == ["3311", "1711", "1391"]
    assert frame["above_scale"].tolist() == [True, True, False]
    assert frame["revenue"].tolist() == pytest.approx([1234.5, 800.05, 50.0], rel=1e-12)  # 千元
    assert frame["energy_tce"].tolist()[:2] == [100.5, 60.0]
    assert table.origin["row"].tolist() == [4, 5, 6]
    assert issues(table) == expect(
        [
            ("ignored-column", "stats_2022.xls", "规上工业", 3, "", "", "序号", "info"),
            ("note-row", "stats_2022.xls", "规上工业", 7, "", "", "合计", "info"),
            (
                "note-row",
                "stats_2022.xls",
                "规上工业",
                8,
                "",
                "",
                "填报说明：营业收入按千元填报。",
                "info",
            ),
            (
                "placeholder-value",
                "stats_2022.xls",
                "规上工业",
                6,
                code(3),
                "energy_tce",
                "—",
                "info",
            ),
        ]
    )
    assert_rows_add_up(table, used=[3], skipped=[2])


# --- performance -------------------------------------------------------------------------------

BIG_ROWS = 100_000


@pytest.fixture(scope="session")
def big_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A county's 100,000-row workbook, built once per test run with openpyxl's write_only
    mode: 10 columns, a title row, a header."""
    path = tmp_path_factory.mktemp("big") / "大表.xlsx"
    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet("企业")
    ws.append(["2022年全县工业企业数据"])
    ws.append(
        [
            "统一社会信用代码",
            "企业名称",
            "所属园区",
            "行业代码",
            "是否规上",
            "实缴税金(元)",
            "营业收入(万元)",
            "综合能耗(吨标准煤)",
            "用电量(千瓦时)",
            "用地面积(亩)",
        ]
    )
    parks = ("城东工业园", "城西工业园", "乡镇工业集中区")
    for i in range(BIG_ROWS):
        ws.append(
            [
                code(i),
                f"企业{i}",
                parks[i % 3],
                "3311",
                "是",
                i * 100 + 50_000,
                i % 977 + 1.5,
                i % 50 + 0.5,
                i * 10,
                i % 40 + 1,
            ]
        )
    book.save(path)
    return path


@pytest.mark.slow
def test_a_100000_row_workbook_is_read_whole(big_workbook: Path) -> None:
    """A county's 100,000-row workbook: every row read, the last one right (its time is the
    bench's business, not a test's)."""
    table = read_sources([big_workbook], year=YEAR)
    assert len(table) == BIG_ROWS
    assert table.frame["tax_paid"].iloc[-1] == pytest.approx((BIG_ROWS - 1) * 0.01 + 5.0)
    assert table.origin["row"].iloc[-1] == BIG_ROWS + 2
    assert issues(table) == expect([])
    assert_rows_add_up(table, used=[BIG_ROWS], skipped=[0])


def test_differing_copies_in_one_file_are_not_also_a_conflict(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "f.csv",
        [["统一社会信用代码", "实缴税金(万元)"], [A, "10"], [B, "20"], [B, "25"]],
    )
    table = read_sources([path], year=YEAR)
    codes = table.issues["code"].tolist()
    assert codes.count("duplicate-firm") == 2
    assert "conflicting-values" not in codes


# --- review findings ------------------------------------------------------------------------


def test_a_firm_with_a_remark_or_a_spaced_code_is_not_a_note_row(tmp_path: Path) -> None:
    spaced = " ".join(B[i : i + 4] for i in range(0, 18, 4))
    path = write_csv(
        tmp_path / "f.csv",
        [
            ["统一社会信用代码", "企业名称", "实缴税金(万元)", "备注"],
            [A, "甲", "10", ""],
            ["", "乙公司", "20", "说明：新投产"],
            [spaced, "丙公司", "30", "审核中"],
            ["合计", "", "60", ""],
        ],
    )
    table = read_sources([path], year=YEAR)
    assert table.frame["name"].tolist() == ["甲", "乙公司", "丙公司"]
    assert table.frame["credit_code"].tolist()[2] == B
    assert [i[3] for i in issues(table, "note-row")] == [5]
    assert [i[3] for i in issues(table, "missing-credit-code")] == [3]
    assert_rows_add_up(table, used=[3], skipped=[1])


def test_codes_excel_turned_into_numbers_are_never_merged(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "f.csv",
        [
            ["统一社会信用代码", "实缴税金(万元)"],
            ["9.13403E+17", "1"],
            ["9.13403E+17", "2"],
            [A, "3"],
        ],
    )
    table = read_sources([path], year=YEAR)
    assert len(table) == 3
    assert codes_of(table) == {"credit-code-as-number"}


def test_blank_year_cells_and_merged_cells_belong_to_their_rows(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [
            ["统一社会信用代码", "年度", "所属园区", "实缴税金(万元)"],
            [A, 2022, "开发区", 1],
            [B, None, None, 2],
            [C, 2022, "东区", 3],
        ],
        merges=["C2:C3"],
    )
    table = read_sources([path], year=YEAR)
    assert table.frame["year"].tolist() == [2022, 2022, 2022]
    assert table.frame["park"].tolist() == ["开发区", "开发区", "东区"]
    assert [(i[0], i[3]) for i in issues(table, "missing-year")] == [("missing-year", 3)]


def test_an_issue_about_land_points_at_the_land_register(tmp_path: Path) -> None:
    tax = write_csv(tmp_path / "税务.csv", [["统一社会信用代码", "实缴税金(万元)"], [A, "10"]])
    land = write_csv(
        tmp_path / "自然资源.csv", [["统一社会信用代码", "用地面积(亩)"], ["x", "1"], [A, "0"]]
    )
    rules = make_rules(
        indicators=indicator_toml(
            "tax_per_mu", "tax_paid / land_mu", 100, "method = 'ratio', benchmark = 10.0"
        ),
        when="tax_paid > 0",
    )
    got = mujun.evaluate(read_for([tax, land], rules), rules)
    land_issue = got.issues[got.issues["code"] == "non-positive-land"].iloc[0]
    assert (Path(land_issue["file"]).name, land_issue["row"]) == ("自然资源.csv", 3)


def test_a_sheet_wider_than_zz_is_refused_before_it_is_read(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["统一社会信用代码", "实缴税金(万元)"])
    sheet.append([A, 1])
    sheet["XFD3000"] = "stray"
    path = tmp_path / "far.xlsx"
    book.save(path)
    with pytest.raises(mujun.DataError, match=r"far\.xlsx：工作表“Sheet”的列数.*16,384.*702"):
        read_sources([path], year=YEAR)


def test_a_firm_missing_from_one_sheet_of_a_template_is_reported(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    tax = book.active
    tax.title = "税务局"
    for row in (["统一社会信用代码", "实缴税金(万元)"], [A, 10]):
        tax.append(row)
    land = book.create_sheet("自然资源局")
    for row in (["统一社会信用代码", "自有用地(亩)"], [A, 1], [B, 2]):
        land.append(row)
    path = tmp_path / "采集表.xlsx"
    book.save(path)
    rules = make_rules(
        indicators=indicator_toml(
            "tax_per_mu", "tax_paid / land_mu", 100, "method = 'ratio', benchmark = 10.0"
        )
    )
    checked = mujun.evaluate(read_for([path], rules), rules)
    missing = checked.issues[checked.issues["code"] == "missing-from-source"]
    assert missing["credit_code"].tolist() == [B]
    assert "税务局" in missing["message"].iloc[0]


def test_a_unit_stated_above_the_header_applies_to_columns_without_one(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "税务局.xlsx",
        [
            ["2022年度税收情况表"],
            ["填报单位：县税务局", None, "单位：元"],
            ["统一社会信用代码", "实缴税金", "营业收入(万元)"],
            [A, 1_000_000, 50],
        ],
    )
    table = read_sources([path], year=YEAR)
    assert at(table, A, "tax_paid") == pytest.approx(100.0)  # 1,000,000 元 = 100 万元
    assert at(table, A, "revenue") == pytest.approx(50.0)  # its own unit wins
    assert [(i[0], i[5]) for i in issues(table, "unit-from-title")] == [
        ("unit-from-title", "tax_paid")
    ]


def test_an_industry_code_stored_as_a_short_number_is_questioned(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "统计局.xlsx",
        [["统一社会信用代码", "行业代码"], [A, 610], [B, 3311], [C, "0610"]],
    )
    table = read_sources([path], year=YEAR)
    assert table.frame["industry_code"].tolist() == ["610", "3311", "0610"]
    assert [i[4] for i in issues(table, "industry-code-as-number")] == [A]


def test_a_canonical_csv_is_recognised_whatever_its_length(tmp_path: Path) -> None:
    """Only the header line is decoded: a cut through a Chinese character 64 KiB in (as with
    this county) once sent a canonical file down the slow departmental path."""
    from mujun.export.tables import write_csv
    from mujun.read.typed import canonical_header
    from mujun.sample.synthetic import county_frame

    frame = county_frame(400, seed=4)
    path = tmp_path / "county.csv"
    write_csv(frame, path)
    assert canonical_header(path) == list(frame.columns)
    table = read_sources([path])
    assert len(table) == 400 and table.sources[0].skipped == 0
