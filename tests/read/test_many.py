"""Issues that repeat per firm and per sheet are summed up, so that the issue table stays
bounded by sheets × fields, not firms × sheets (a workbook of one sheet per park, a sheet
of thousands of placeholders)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from conftest import indicator_toml, read_for
from departments import YEAR, assert_rows_add_up, code, issues, make_rules, write_csv

import mujun
from mujun import read_sources
from mujun.issues import REPEATS_LISTED

TAX_PER_MU = indicator_toml(
    "tax_per_mu", "tax_paid / land_mu", 100, "method = 'ratio', benchmark = 10.0"
)
TWO = indicator_toml(
    "tax_per_mu", "tax_paid / land_mu", 50, "method = 'ratio', benchmark = 10.0"
) + indicator_toml("rev", "revenue / land_mu", 50, "method = 'ratio', benchmark = 1.0")


def test_a_note_repeated_in_every_row_is_one_issue_with_its_count(tmp_path: Path) -> None:
    n = REPEATS_LISTED * 4
    rows = [["统一社会信用代码", "实缴税金(万元)", "营业收入(万元)"]]
    rows += [[code(i), "１０", "—"] for i in range(1, n + 1)]
    table = read_sources([write_csv(tmp_path / "f.csv", rows)], year=YEAR)
    for name, field in (("placeholder-value", "revenue"), ("full-width-value", "tax_paid")):
        found = issues(table, name)
        assert len(found) == 1
        assert found[0][3] == 2 and found[0][5] == field
        assert found[0][6] == f"共{n}处：第2、3、4、5、6、7、8、9、10、11行等"
        message = table.issues.loc[table.issues["code"] == name, "message"].iloc[0]
        assert f"共{n}处" in message
    assert_rows_add_up(table, used=[n], skipped=[0])


def test_errors_stay_one_per_row(tmp_path: Path) -> None:
    n = REPEATS_LISTED * 2
    rows = [["统一社会信用代码", "实缴税金(万元)"], *([f"X{i}", "1"] for i in range(n))]
    table = read_sources([write_csv(tmp_path / "f.csv", rows)], year=YEAR)
    assert len(issues(table, "bad-credit-code")) == n


def test_firms_missing_from_a_sheet_are_one_warning_with_their_count(tmp_path: Path) -> None:
    n = REPEATS_LISTED + 20
    tax = write_csv(
        tmp_path / "税务局.csv",
        [["统一社会信用代码", "实缴税金(万元)"], *([code(i), "10"] for i in range(1, n + 1))],
    )
    land = write_csv(
        tmp_path / "自然资源局.csv", [["统一社会信用代码", "自有用地(亩)"], [code(1), 2]]
    )
    few = write_csv(
        tmp_path / "统计局.csv",
        [["统一社会信用代码", "营业收入(万元)"], *([code(i), "10"] for i in range(3, n + 1))],
    )
    rules = make_rules(indicators=TWO)
    ev = mujun.evaluate(read_for([tax, land, few], rules), rules)
    missing = ev.issues[ev.issues["code"] == "missing-from-source"]
    many = missing[missing["file"].str.endswith("自然资源局.csv")]
    assert len(many) == 1
    assert many["value"].iloc[0] == f"{n - 1}户"
    assert f"有{n - 1}户企业不在《自然资源局.csv》中" in many["message"].iloc[0]
    few_missing = missing[missing["message"].str.contains("统计局")]
    assert sorted(few_missing["credit_code"]) == sorted([code(1), code(2)])


def test_a_workbook_of_many_sheets_gives_issues_in_proportion_to_its_sheets(
    tmp_path: Path,
) -> None:
    """Regression: one sheet per park (and two layouts of sheet) gave a missing-from-source
    warning per firm per other sheet: sheets × firms issues."""
    sheets = 200
    book = openpyxl.Workbook()
    book.remove(book.active)
    for s in range(sheets):
        ws = book.create_sheet(f"园区{s}")
        head = ["统一社会信用代码", "实缴税金(万元)", "自有用地(亩)"]
        ws.append(head if s % 2 else [*head, "营业收入(万元)"])
        ws.append([code(s + 1), 10, 2, 5])
    path = tmp_path / "分园区.xlsx"
    book.save(path)
    rules = make_rules(indicators=TWO)
    table = read_for([path], rules)
    assert len(table) == sheets
    ev = mujun.evaluate(table, rules)
    missing = ev.issues[ev.issues["code"] == "missing-from-source"]
    # the sheets of each layout are one source: the firms of one layout are missing from the
    # other, summed up
    assert missing["value"].tolist() == [f"{sheets // 2}户"] * 2
    assert "等100个工作表" in missing["message"].iloc[0]
    assert len(ev.issues) < 3 * sheets


def test_sheets_of_one_layout_are_one_source(tmp_path: Path) -> None:
    """Regression: a firm on the sheet of its park was reported missing from every other park's
    sheet of the same workbook."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for s in range(3):
        ws = book.create_sheet(f"园区{s}")
        extra = ["备注", "所属园区", "企业名称"][s]  # the layouts differ only in what they describe
        ws.append([extra, "自有用地(亩)", "统一社会信用代码", "实缴税金(万元)"][s % 2 :])
        for firm in (code(s + 1), code(s + 10)):
            ws.append(["x", 2, firm, 10][s % 2 :])
    path = tmp_path / "分园区.xlsx"
    book.save(path)
    rules = make_rules(indicators=TAX_PER_MU)
    table = read_for([path], rules)
    assert len(table) == 6 and [p.sheet for p in table.parts] == ["园区0、园区1、园区2"]
    ev = mujun.evaluate(table, rules)
    assert "missing-from-source" not in set(ev.issues["code"])


def test_a_conflict_among_many_sheets_lists_ten_values_and_the_number(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for s in range(25):
        ws = book.create_sheet(f"表{s}")
        ws.append(["统一社会信用代码", "实缴税金(万元)"] + (["企业名称"] if s % 2 else []))
        ws.append([code(1), s] + (["甲"] if s % 2 else []))
    path = tmp_path / "f.xlsx"
    book.save(path)
    table = read_sources([path], year=YEAR)
    conflict = issues(table, "conflicting-values")
    assert len(conflict) == 1
    assert conflict[0][6].count("f.xlsx：") == 10 and conflict[0][6].endswith("等25个来源")
