"""Blank data-collection workbooks (数据采集表): sheets, headers, formats, validation, instructions,
identical bytes for the same rules, and a filled template read back by the departmental reader."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import read_for
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

import mujun
from mujun import ExportError, Rules
from mujun.codes import credit_check_char
from mujun.export.names import sheet_names
from mujun.export.template import (
    DATA_ROWS,
    GUIDE_SHEET,
    _validation,
    header,
    needed_fields,
    template_sheets,
    write_template,
)
from mujun.fields import DEPARTMENTS, FIELDS, INPUT_FIELDS, bool_fields, numeric_fields

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
LAST_ROW = 2 + DATA_ROWS

# 固镇 2022 by hand from its rules file: formulas tax_paid, revenue, tech_investment, energy_tce,
# rd_expense, value_added, employees over land_mu (→ the three land parts); exclusions on
# industry_division (→ industry_code), public_interest, years_operating (→ established),
# above_scale; tier rules on the four veto flags, new_to_scale and major_project.
GUZHEN_SHEETS = {
    "经信局": [
        "所属园区",  # always asked for: park workbooks group by it
        "成立日期",
        "发生较大及以上安全生产事故",
        "发生食品安全事故",
        "未完成节能目标",
        "上年度小升规企业",
        "在建重大项目",
        "军工或公益性企业",
    ],
    "税务局": ["实缴税金（万元）"],
    "统计局": [
        "行业代码",
        "是否规上",
        "营业收入（万元）",
        "工业增加值（万元）",
        "研发经费支出（万元）",
        "技术改造投资（万元）",
        "新建项目投资（万元）",  # 亩均新建项目投资
        "综合能耗（吨标准煤）",
        "年平均职工人数（人）",
    ],
    "自然资源局": ["自有用地（亩）", "租用用地（亩）", "出租用地（亩）"],
    "生态环境局": ["发生环境违法行为或环境事故"],
}
# 黄岩 2022: no tech investment and no flags but public_interest; electricity_kwh (单位用电税收)
# from the power company and emissions_t (单位排放增加值) from the environment bureau.
HUANGYAN_SHEETS = {
    "经信局": ["所属园区", "成立日期", "军工或公益性企业"],
    "税务局": ["实缴税金（万元）"],
    "统计局": [
        "行业代码",
        "是否规上",
        "主营业务收入（万元）",  # 黄岩: R&D over 主营业务收入
        "工业增加值（万元）",
        "研发经费支出（万元）",
        "综合能耗（吨标准煤）",
        "能耗口径",  # 黄岩 states 综合能耗 at 等价值: the basis a firm reports at is checked
        "年平均职工人数（人）",
    ],
    "自然资源局": ["自有用地（亩）", "租用用地（亩）", "出租用地（亩）"],
    "供电公司": ["用电量（千瓦时）"],
    "生态环境局": ["主要污染物排放量（吨）"],
}
KEY_HEADERS = ["统一社会信用代码", "企业名称"]


def every_field_rules() -> Rules:
    """Rules naming every input field, so that the template asks for all of them."""
    numbers = " + ".join(numeric_fields())
    flags = " or ".join(bool_fields())
    text = f"""mujun_rules = 1
name = "全字段测试"
region = "测试县"
year = 2023

[[exclude]]
when = "park == '东区' and industry_division == 16 and years_operating < 2 and year > 2000 \
and county == '甲县' and parcel_id == 'A1' and group_code == 'G1' and energy_basis == '当量值' \
and power_account == '1'"
status = "exempt"
reason = "测试"

[[class]]
code = "all"
label = "全部"
when = "above_scale"

  [[class.indicator]]
  code = "everything"
  label = "全部"
  formula = "({numbers}) / land_mu"
  weight = 100
  score = {{ method = "ratio", benchmark = 1.0 }}

  [[class.adjust]]
  when = "{flags}"
  points = 1
  label = "测试"

  [class.tiers]
  method = "quota"
  shares = {{ A = 0.5, B = 0.5 }}

[units]                          # the text fields units of evaluation are formed by
merge_by = "group_code"
follow = "parcel_id"
"""
    return mujun.parse_rules(text)


@pytest.fixture(scope="module")
def guzhen() -> Rules:
    return mujun.load_rules(RULES_DIR / "anhui-guzhen-2022.toml")


@pytest.fixture(scope="module")
def huangyan() -> Rules:
    return mujun.load_rules(RULES_DIR / "zhejiang-huangyan-2022.toml")


@pytest.fixture(scope="module")
def guzhen_book(guzhen: Rules, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_template(guzhen, tmp_path_factory.mktemp("tpl") / "固镇.xlsx")


def credit_code(i: int) -> str:
    body = f"91340323{i:09d}"
    return body + credit_check_char(body)


def headers(ws: Worksheet) -> list[str]:
    return [c.value for c in ws[2]]


def validation_at(ws: Worksheet, cell: str) -> DataValidation | None:
    found = [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]
    assert len(found) <= 1, f"{cell} has {len(found)} validations"
    return found[0] if found else None


def column_of(ws: Worksheet, text: str) -> str:
    return openpyxl.utils.get_column_letter(headers(ws).index(text) + 1)


# ---- which fields, which sheets ----


def test_guzhen_sheets_and_headers(guzhen_book: Path) -> None:
    book = openpyxl.load_workbook(guzhen_book)
    assert book.sheetnames == [*GUZHEN_SHEETS, GUIDE_SHEET]  # departments in DEPARTMENTS order
    for sheet, expected in GUZHEN_SHEETS.items():
        assert headers(book[sheet]) == KEY_HEADERS + expected, sheet


def test_huangyan_sheets_and_headers(huangyan: Rules, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(write_template(huangyan, tmp_path / "黄岩.xlsx"))
    assert book.sheetnames == [*HUANGYAN_SHEETS, GUIDE_SHEET]
    for sheet, expected in HUANGYAN_SHEETS.items():
        assert headers(book[sheet]) == KEY_HEADERS + expected, sheet


def test_fields_the_rules_do_not_use_are_absent(guzhen: Rules, huangyan: Rules) -> None:
    gz, hy = set(needed_fields(guzhen)), set(needed_fields(huangyan))
    assert {"electricity_kwh", "emissions_t"} <= hy
    assert not {"electricity_kwh", "emissions_t"} & gz
    assert "供电公司" not in template_sheets(guzhen)
    # totals are asked for as totals: no energy carriers or pollutants behind them
    assert not {"gas_m3", "coal_t", "cod_t", "so2_t"} & (gz | hy)
    # never asked for: the year (it is the rules' year), fields no expression names
    assert not {"year", "high_tech", "floor_area_m2", "output_value"} & (gz | hy)
    # always asked for: the park, which no formula reads but park workbooks group by
    assert "park" in gz & hy


def test_every_input_field_on_exactly_one_sheet() -> None:
    sheets = template_sheets(every_field_rules())
    assert list(sheets) == list(DEPARTMENTS)
    for codes in sheets.values():
        assert codes[:2] == ("credit_code", "name")
    placed = [c for codes in sheets.values() for c in codes[2:]]
    assert sorted(placed) == sorted(
        c for c in INPUT_FIELDS if c not in ("credit_code", "name", "year")
    )
    for sheet, codes in sheets.items():
        assert all(FIELDS[c].department == sheet for c in codes[2:])
    order = list(INPUT_FIELDS)
    for codes in sheets.values():
        assert [order.index(c) for c in codes] == sorted(order.index(c) for c in codes)


def test_header_is_label_with_unit_in_full_width_brackets() -> None:
    assert header("tax_paid") == "实缴税金（万元）"
    assert header("electricity_kwh") == "用电量（千瓦时）"
    assert header("land_owned_mu") == "自有用地（亩）"
    assert header("credit_code") == "统一社会信用代码"
    assert header("above_scale") == "是否规上"


# ---- layout and formats ----


def test_title_merged_and_frozen_below_header(guzhen_book: Path) -> None:
    book = openpyxl.load_workbook(guzhen_book)
    for sheet, expected in GUZHEN_SHEETS.items():
        ws = book[sheet]
        last = openpyxl.utils.get_column_letter(2 + len(expected))
        title = f"蚌埠市固镇县2022年度工业企业亩均效益评价数据采集表（{sheet}）"
        assert ws["A1"].value.replace("\n", "") == title  # a narrow sheet breaks before （
        # the title is merged over the columns of the first page width (all, unless split)
        (merged,) = [str(r) for r in ws.merged_cells.ranges]
        breaks = [b.id for b in ws.col_breaks.brk]
        end = openpyxl.utils.get_column_letter(breaks[0]) if breaks else last
        assert merged == f"A1:{end}1"
        assert ws.freeze_panes == "A3"
        assert all(c.font.bold for c in ws[2])
        assert ws.column_dimensions["A"].width >= 20  # 18 characters of credit code fit
        assert ws.max_row == LAST_ROW  # nothing but formatting below the header


def test_text_columns_are_formatted_as_text(guzhen_book: Path) -> None:
    book = openpyxl.load_workbook(guzhen_book)
    for sheet in GUZHEN_SHEETS:
        ws = book[sheet]
        for row in (3, 100, LAST_ROW):
            assert ws[f"A{row}"].number_format == "@"
            assert ws[f"B{row}"].number_format == "@"
    stats = book["统计局"]
    industry = column_of(stats, "行业代码")
    assert stats[f"{industry}3"].number_format == "@"
    assert stats[f"{industry}{LAST_ROW}"].number_format == "@"
    established = column_of(book["经信局"], "成立日期")
    assert book["经信局"][f"{established}3"].number_format == "yyyy-mm-dd"


def test_validations_by_kind(guzhen_book: Path) -> None:
    book = openpyxl.load_workbook(guzhen_book)
    stats, bureau = book["统计局"], book["经信局"]

    def at(ws: Worksheet, text: str, row: int = 3) -> DataValidation:
        dv = validation_at(ws, f"{column_of(ws, text)}{row}")
        assert dv is not None, text
        assert dv.showErrorMessage and dv.error and dv.allow_blank
        assert any("\u4e00" <= ch <= "\u9fff" for ch in dv.error), dv.error  # Chinese message
        return dv

    code = at(stats, "统一社会信用代码")
    assert (code.type, code.operator, code.formula1) == ("textLength", "equal", "18")
    scale = at(stats, "是否规上", LAST_ROW)
    assert (scale.type, scale.formula1) == ("list", '"是,否"')
    revenue = at(stats, "营业收入（万元）")
    assert (revenue.type, revenue.operator, revenue.formula1) == (
        "decimal",
        "greaterThanOrEqual",
        "0",
    )
    assert revenue.error and "万元" in revenue.error
    assert at(stats, "年平均职工人数（人）").operator == "greaterThanOrEqual"
    added = at(stats, "工业增加值（万元）")  # may be negative: any number
    assert (added.type, added.operator) == ("decimal", "between")
    assert float(added.formula1) < 0 < float(added.formula2)
    tax = at(book["税务局"], "实缴税金（万元）")  # refunds can exceed tax paid
    assert (tax.type, tax.operator) == ("decimal", "between")
    assert at(stats, "行业代码").type == "textLength"
    assert at(bureau, "成立日期").type == "date"
    for flag in GUZHEN_SHEETS["经信局"][2:]:
        assert at(bureau, flag).type == "list"
    assert at(book["生态环境局"], "发生环境违法行为或环境事故").type == "list"
    assert at(book["自然资源局"], "自有用地（亩）").type == "decimal"
    assert validation_at(stats, "B3") is None  # names are free text
    assert validation_at(stats, f"C{LAST_ROW + 1}") is None
    assert validation_at(stats, "C2") is None  # the header itself is not validated


def test_int_fields_get_whole_number_validation() -> None:
    spec = _validation(FIELDS["year"], 2022)
    assert spec is not None
    assert spec["type"] == "whole"


def test_instructions_list_every_field(guzhen: Rules, guzhen_book: Path) -> None:
    book = openpyxl.load_workbook(guzhen_book)
    assert book.sheetnames[-1] == GUIDE_SHEET
    rows = list(book[GUIDE_SHEET].iter_rows(values_only=True))
    text = "\n".join(str(v) for row in rows for v in row if v is not None)
    start = next(i for i, row in enumerate(rows) if row[:2] == ("序号", "字段"))
    assert rows[start] == ("序号", "字段", "单位", "填报部门", "口径", "填写要求", "是否必填")
    table = rows[start + 1 :]
    codes = needed_fields(guzhen)
    assert [r[1] for r in table] == [FIELDS[c].label for c in codes]
    assert all(r[6] == "是" and r[4] for r in table)  # every field required, every 口径 given
    by_label = {r[1]: r for r in table}
    assert by_label["实缴税金"][2:4] == ("万元", "税务局")
    assert by_label["自有用地"][2:5] == ("亩", "自然资源局", FIELDS["land_owned_mu"].note)
    assert by_label["统一社会信用代码"][3].startswith("各部门")
    for phrase in (
        "万元",
        "文本",
        "科学计数法",
        "一行",
        "合并单元格",
        "留空",
        "不要填0",
        "2022年度",
    ):
        assert phrase in text, phrase


def test_document_dates_fixed_from_the_rules_year(guzhen_book: Path) -> None:
    props = openpyxl.load_workbook(guzhen_book).properties
    assert props.created == datetime(2023, 1, 1)
    assert props.modified == datetime(2023, 1, 1)
    assert props.title == "蚌埠市固镇县2022年度工业企业亩均效益评价数据采集表"


# ---- bytes and files ----


def test_same_rules_same_bytes(guzhen: Rules, guzhen_book: Path, tmp_path: Path) -> None:
    again = write_template(guzhen, tmp_path / "again.xlsx")
    assert again.read_bytes() == guzhen_book.read_bytes()


def test_same_bytes_in_another_process(guzhen_book: Path, tmp_path: Path) -> None:
    # another interpreter has another hash seed: no set or dict order may reach the file
    script = (
        "import sys, mujun; from mujun.export.template import write_template; "
        "write_template(mujun.load_rules(sys.argv[1]), sys.argv[2])"
    )
    out = tmp_path / "other.xlsx"
    env = {**os.environ, "PYTHONHASHSEED": "random"}
    rules = str(RULES_DIR / "anhui-guzhen-2022.toml")
    subprocess.run([sys.executable, "-c", script, rules, str(out)], check=True, env=env)
    assert out.read_bytes() == guzhen_book.read_bytes()


def test_rewrite_replaces_and_leaves_no_temporary_file(guzhen: Rules, tmp_path: Path) -> None:
    out = tmp_path / "sub" / "采集表.xlsx"
    out.parent.mkdir()
    out.write_bytes(b"old")
    assert write_template(guzhen, str(out)) == out
    assert out.read_bytes()[:2] == b"PK"
    assert [p.name for p in out.parent.iterdir()] == ["采集表.xlsx"]


def test_not_an_xlsx_name(guzhen: Rules, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"\.xlsx"):
        write_template(guzhen, tmp_path / "采集表.xls")
    assert not list(tmp_path.iterdir())


def test_sheet_names_come_from_the_one_cleaner(guzhen: Rules) -> None:
    """The template names its sheets as every mujun workbook does (names.sheet_names)."""
    names = list(template_sheets(guzhen))
    departments = [FIELDS[codes[-1]].department for codes in template_sheets(guzhen).values()]
    assert names == sheet_names(departments, taken=[GUIDE_SHEET])
    assert sheet_names(["填报说明"], taken=[GUIDE_SHEET]) == ["填报说明（2）"]


# ---- filled in by the departments, read back ----


def fill(template: Path, out: Path, firms: dict[str, dict[str, Any]]) -> None:
    """Write each firm's values into every sheet of a template, one row per firm."""
    book = openpyxl.load_workbook(template)
    by_header = {header(c): c for c in FIELDS}
    for ws in book.worksheets:
        if ws.title == GUIDE_SHEET:
            continue
        codes = [by_header[h] for h in headers(ws)]
        for row, (credit, values) in enumerate(firms.items(), start=3):
            for col, code in enumerate(codes, start=1):
                ws.cell(
                    row=row, column=col, value=credit if code == "credit_code" else values[code]
                )
    book.save(out)


def sample_values(rules: Rules, i: int) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for n, code in enumerate(needed_fields(rules)):
        kind = FIELDS[code].kind
        if code == "name":
            values[code] = f"固镇测试企业{i}有限公司"
        elif code == "industry_code":
            values[code] = "3311"
        elif kind == "text":
            values[code] = "经济开发区"
        elif kind == "bool":
            values[code] = "是" if (i + n) % 2 else "否"
        elif kind == "date":
            values[code] = datetime(2010 + i, 3, 1)
        elif kind == "number":
            values[code] = round(10.25 * (n + 1) + i, 2)
    return values


def expected(value: Any) -> Any:
    if value in ("是", "否"):
        return value == "是"
    if isinstance(value, datetime):
        return pd.Timestamp(value)
    return value


@pytest.mark.skipif(not hasattr(mujun, "read_sources"), reason="reader not merged yet")
@pytest.mark.parametrize("which", ["guzhen", "every_field"])
def test_filled_template_reads_back(which: str, guzhen: Rules, tmp_path: Path) -> None:
    rules = guzhen if which == "guzhen" else every_field_rules()
    template = write_template(rules, tmp_path / "采集表.xlsx")
    firms = {credit_code(i): sample_values(rules, i) for i in (1, 2)}
    filled = tmp_path / "已填报.xlsx"
    fill(template, filled, firms)

    table = read_for([filled], rules)

    # no errors, no warnings; at most a note that the 填报说明 sheet holds no firms
    problems = table.issues[table.issues["severity"] != "info"]
    assert problems.empty, problems.to_string()
    assert (table.issues["credit_code"] == "").all(), table.issues.to_string()
    frame = table.frame.set_index("credit_code")
    assert sorted(frame.index) == sorted(firms)
    assert (frame["year"] == rules.year).all()
    for credit, values in firms.items():
        for code, value in values.items():
            got = frame.at[credit, code]
            if isinstance(value, float):
                assert got == pytest.approx(value), (credit, code)
            else:
                assert got == expected(value), (credit, code, got)
    assert not np.setdiff1d(list(needed_fields(rules)), list(table.frame.columns)).size


# ---- the park: always asked for, from a drop-down under [parks] ----


def with_parks(rules_file: Path, names: list[str]) -> Rules:
    """A shipped rules file with a [parks] table of `names` (王庄 an alias of the first)."""
    text = rules_file.read_text(encoding="utf-8")
    listed = ", ".join(f'"{n}"' for n in names)
    parks = f'[parks]\nnames = [{listed}]\naliases = {{ "王庄" = "{names[0]}" }}\n\n'
    first = text.index("[[")
    return mujun.parse_rules(text[:first] + parks + text[first:])


def test_the_park_column_has_no_drop_down_without_parks(guzhen_book: Path) -> None:
    bureau = openpyxl.load_workbook(guzhen_book)["经信局"]
    assert headers(bureau)[:3] == ["统一社会信用代码", "企业名称", "所属园区"]
    assert validation_at(bureau, "C3") is None


def test_the_park_column_lists_the_parks_of_the_rules(tmp_path: Path) -> None:
    rules = with_parks(RULES_DIR / "anhui-guzhen-2022.toml", ["王庄镇", "固镇经济开发区"])
    book = openpyxl.load_workbook(write_template(rules, tmp_path / "t.xlsx"))
    bureau = book["经信局"]
    dv = validation_at(bureau, f"{column_of(bureau, '所属园区')}{LAST_ROW}")
    assert dv is not None
    assert (dv.type, dv.formula1, dv.allow_blank) == ("list", '"王庄镇,固镇经济开发区"', True)
    assert dv.error and "下拉列表" in dv.error
    assert book.sheetnames[-1] == GUIDE_SHEET  # a short list needs no sheet of its own


def test_a_long_park_list_is_kept_on_a_hidden_sheet(tmp_path: Path) -> None:
    """A validation list spells out at most 255 characters: longer, it refers to a range."""
    names = [f"第{i}工业园区" for i in range(60)]
    rules = with_parks(RULES_DIR / "anhui-guzhen-2022.toml", names)
    book = openpyxl.load_workbook(write_template(rules, tmp_path / "t.xlsx"))
    listed = book["园区名单"]
    assert listed.sheet_state == "hidden"
    assert [c.value for c in listed["A"]] == names
    bureau = book["经信局"]
    dv = validation_at(bureau, f"{column_of(bureau, '所属园区')}3")
    assert dv is not None and dv.formula1 == "园区名单!$A$1:$A$60"


def test_a_park_name_with_the_lists_comma_or_quote_goes_on_the_hidden_sheet(
    tmp_path: Path,
) -> None:
    """Spelt out, 王庄镇,北区 would offer two parks and a quote would break the workbook."""
    names = ["王庄镇,北区", '"新"园区', "李集镇"]
    rules = mujun.parse_rules(
        (RULES_DIR / "anhui-guzhen-2022.toml")
        .read_text(encoding="utf-8")
        .replace("[[", '[parks]\nnames = ["王庄镇,北区", "\\"新\\"园区", "李集镇"]\n\n[[', 1)
    )
    assert rules.parks is not None and rules.parks.names == names
    book = openpyxl.load_workbook(write_template(rules, tmp_path / "t.xlsx"))
    assert [c.value for c in book["园区名单"]["A"]] == names
    bureau = book["经信局"]
    dv = validation_at(bureau, f"{column_of(bureau, '所属园区')}3")
    assert dv is not None and dv.formula1 == "园区名单!$A$1:$A$3"


def test_no_name_from_the_rules_becomes_a_formula(tmp_path: Path) -> None:
    """A region, rules name or park beginning with = is text in every cell, never a formula."""
    text = (RULES_DIR / "anhui-guzhen-2022.toml").read_text(encoding="utf-8")
    names = [f"=HYPERLINK(1)+{i}园" for i in range(30)]  # a long list: on the hidden sheet
    listed = ", ".join(f'"{n}"' for n in names)
    text = text.replace("[[", f"[parks]\nnames = [{listed}]\n\n[[", 1)
    text = text.replace('region = "', 'region = "=1+', 1).replace('name = "', 'name = "=2+', 1)
    rules = mujun.parse_rules(text)
    assert rules.parks is not None and rules.parks.names == names
    assert rules.region.startswith("=1+")
    path = write_template(rules, tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(path)
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert [c.value for c in book["园区名单"]["A"]] == names
    assert any(str(c.value).startswith("=1+") for c in book.worksheets[0]["A"])
