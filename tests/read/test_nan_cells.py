"""A NaN stored as a workbook's number, and a correction whose new value is none.

A workbook may hold a number cell whose value is NaN (`<v>NaN</v>` in an .xlsx, an .ods
`office:value="NaN"`): that is a value that could not be read, as the text NaN typed into a CSV
is, never a blank. A correction whose new value is blank or a placeholder (an .xlsx written with
inf or NaN stores an empty `<v></v>`) would wipe the firm's figure: it is refused. Each test
builds its files in tmp_path.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import indicator_toml, read_for
from departments import YEAR, assert_rows_add_up, code, issues, make_rules, write_csv, write_xlsx
from test_workbook_bounds import ods, ods_row, text_cell

import mujun

HEADER = ["统一社会信用代码", "企业名称", "实缴税金(万元)", "用地面积(亩)", "是否规上"]
NAN_SPELLINGS = ["NaN", "nan", "-NaN", "NAN"]
TAX_PER_MU = indicator_toml(
    "tax_per_mu", "tax_paid / land_mu", 100, "method = 'ratio', benchmark = 10.0"
)


def firm_rows(n: int) -> list[list[object]]:
    return [[code(i + 1), f"企业{i}", 100 + i, 10, "是"] for i in range(n)]


def rewrite(path: Path, cells: dict[str, str]) -> Path:
    """The workbook at `path` with the cells named (C2 …) replaced by the XML given."""
    with zipfile.ZipFile(path) as book:
        parts = {n: book.read(n) for n in book.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    for ref, xml in cells.items():
        sheet, hits = re.subn(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', xml, sheet)
        assert hits == 1, ref
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as book:
        for name, data in parts.items():
            book.writestr(name, data)
    return path


def with_values(path: Path, cells: dict[str, str]) -> Path:
    """The workbook at `path` with the cells named holding the number `<v>text</v>`."""
    return rewrite(path, {ref: f'<c r="{ref}" t="n"><v>{v}</v></c>' for ref, v in cells.items()})


def unreadable(table: mujun.EnterpriseTable) -> list[tuple[int, str, str]]:
    return [(i[3], i[5], i[6]) for i in issues(table, "non-numeric-value")]


def test_a_nan_number_cell_of_an_xlsx_is_unreadable_like_nan_in_a_csv(tmp_path: Path) -> None:
    n = len(NAN_SPELLINGS) + 2
    book = write_xlsx(tmp_path / "企业.xlsx", [HEADER, *firm_rows(n)])
    # tax of the first firms, land of the one after; the last firm is left as it is
    cells = {f"C{2 + i}": s for i, s in enumerate(NAN_SPELLINGS)}
    cells[f"D{2 + len(NAN_SPELLINGS)}"] = "NaN"
    with_values(book, cells)
    rules = make_rules(indicators=TAX_PER_MU)
    table = read_for([book], rules)
    expected = [(2 + i, "tax_paid", "NaN") for i in range(len(NAN_SPELLINGS))]
    assert unreadable(table) == [*expected, (2 + len(NAN_SPELLINGS), "land_owned_mu", "NaN")]
    assert_rows_add_up(table, used=[n], skipped=[0])
    ev = mujun.evaluate(table, rules)
    assert ev.results["status"].tolist() == ["rejected"] * (n - 1) + ["evaluated"]
    assert ev.results["status_reason"].iloc[0] == "“实缴税金”的值不是数字"
    assert "missing-indicator" not in set(ev.issues["code"])  # no blank: a value unreadable

    # the same firms with NaN typed into a CSV: the same errors at the same rows
    rows = [HEADER, *firm_rows(n)]
    for i in range(len(NAN_SPELLINGS)):
        rows[1 + i][2] = "NaN"
    rows[1 + len(NAN_SPELLINGS)][3] = "NaN"
    typed = read_for([write_csv(tmp_path / "企业.csv", rows)], rules)
    assert unreadable(typed) == unreadable(table)


def test_a_nan_cell_of_a_field_the_rules_do_not_use_is_a_warning(tmp_path: Path) -> None:
    """企业名称 and 是否规上 holding a NaN number: the firm is still read, nothing is lost."""
    book = write_xlsx(tmp_path / "企业.xlsx", [HEADER, *firm_rows(3)])
    with_values(book, {"B2": "NaN", "E3": "NaN"})
    table = read_for([book], make_rules(when="land_mu > 0"))
    assert_rows_add_up(table, used=[3], skipped=[0])
    assert table.frame["credit_code"].tolist() == [code(1), code(2), code(3)]
    assert [(i[3], i[5], i[6]) for i in issues(table, "bad-bool-value")] == [
        (3, "above_scale", "NaN")
    ]


def test_a_nan_number_cell_of_an_ods_is_unreadable(tmp_path: Path) -> None:
    nan_cell = '<table:table-cell office:value-type="float" office:value="NaN"/>'
    number = '<table:table-cell office:value-type="float" office:value="10"/>'
    rows = (
        ods_row(
            text_cell("统一社会信用代码"), text_cell("实缴税金(万元)"), text_cell("用地面积(亩)")
        )
        + ods_row(text_cell(code(1)), nan_cell, number)
        + ods_row(text_cell(code(2)), number, number)
    )
    table = read_for([ods(tmp_path / "企业.ods", rows)], make_rules())
    assert unreadable(table) == [(2, "tax_paid", "NaN")]
    assert table.frame["tax_paid"].isna().tolist() == [True, False]


# --- corrections whose new value is none ------------------------------------------------------

CORRECTION_HEADER = ["统一社会信用代码", "年度", "字段", "新值", "原因", "申诉编号", "审批人"]


def data_file(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "企业.csv", [HEADER, *firm_rows(6)])


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_blank_or_placeholder_new_value_is_refused(tmp_path: Path, suffix: str) -> None:
    new_values = ["", "  ", "—", "无", "#N/A", "120"]
    fields = ["实缴税金(万元)", "用地面积(亩)", "企业名称", "tax_paid", "revenue", "tax_paid"]
    rows = [
        [code(i + 1), YEAR, f, v, "复核", f"YS-{i}", "王"]
        for i, (f, v) in enumerate(zip(fields, new_values, strict=True))
    ]
    path = tmp_path / f"异议复核{suffix}"
    (write_csv if suffix == ".csv" else write_xlsx)(path, [CORRECTION_HEADER, *rows])
    table = read_for([data_file(tmp_path)], make_rules(), corrections=path)
    assert table.frame["tax_paid"].tolist() == [100, 101, 102, 103, 104, 120]
    assert table.frame["land_owned_mu"].tolist() == [10] * 6
    assert table.frame["name"].iloc[2] == "企业2"
    assert table.corrections is not None
    assert table.corrections["status"].tolist() == ["empty-value"] * 5 + ["applied"]
    refused = issues(table, "correction-bad-value")
    assert [(i[3], i[4], i[7]) for i in refused] == [
        (2 + i, code(i + 1), "error") for i in range(5)
    ]
    messages = table.issues.loc[table.issues["code"] == "correction-bad-value", "message"]
    assert messages.str.contains("新值为空").all()
    assert "correction-applied" in set(table.issues["code"])


def test_inf_and_nan_written_into_a_corrections_workbook_are_refused(tmp_path: Path) -> None:
    """openpyxl stores inf and NaN as an empty <v></v>; a NaN may also be stored as itself."""
    rows = [
        [code(1), YEAR, "tax_paid", float("inf"), "复核", "S1", "王"],
        [code(2), YEAR, "tax_paid", float("nan"), "复核", "S2", "王"],
        [code(3), YEAR, "tax_paid", 1.0, "复核", "S3", "王"],
        [code(4), YEAR, "tax_paid", 130.0, "复核", "S4", "王"],
    ]
    path = write_xlsx(tmp_path / "异议复核.xlsx", [CORRECTION_HEADER, *rows])
    with_values(path, {"D4": "NaN"})
    table = read_for([data_file(tmp_path)], make_rules(), corrections=path)
    assert table.frame["tax_paid"].tolist()[:4] == [100, 101, 102, 130]
    assert table.corrections is not None
    assert table.corrections["status"].tolist() == [
        "empty-value",
        "empty-value",
        "invalid-value",
        "applied",
    ]
    assert [i[3] for i in issues(table, "correction-bad-value")] == [2, 3, 4]


def test_a_correction_dataframe_with_a_missing_new_value_is_refused(tmp_path: Path) -> None:
    corrections = pd.DataFrame(
        {
            "统一社会信用代码": [code(1), code(2)],
            "年度": [YEAR, YEAR],
            "字段": ["tax_paid", "tax_paid"],
            "新值": [None, float("nan")],
            "申诉编号": ["S1", "S2"],
        }
    )
    table = read_for([data_file(tmp_path)], make_rules(), corrections=corrections)
    assert table.frame["tax_paid"].tolist()[:2] == [100, 101]
    assert table.corrections is not None
    assert table.corrections["status"].tolist() == ["empty-value"] * 2


def test_a_corrections_frame_without_a_new_value_column_is_refused_in_chinese(
    tmp_path: Path,
) -> None:
    corrections = pd.DataFrame({"统一社会信用代码": [code(1)], "字段": ["tax_paid"]})
    with pytest.raises(mujun.DataError) as refused:
        read_for([data_file(tmp_path)], make_rules(), corrections=corrections)
    assert str(refused.value).startswith("异议复核更正表：缺少列新值")
    assert code(1) not in str(refused.value)  # the table is named, not printed
