"""Header rows inside the data: a second header level, a units row, a row of column numbers and
page headers repeated every few rows of an export are recognised, never read as firms."""

from __future__ import annotations

from pathlib import Path

import pytest
from departments import YEAR, A, B, C, D, assert_rows_add_up, at, issues, write_csv, write_xlsx

from mujun import read_sources

HEAD = ["序号", "统一社会信用代码", "企业名称", "实缴税金", "营业收入"]


def _write(path: Path, rows: list[list[object]], merges: tuple[str, ...] = ()) -> Path:
    if path.suffix == ".csv":
        return write_csv(path, [["" if v is None else v for v in r] for r in rows])
    return write_xlsx(path, rows, sheet="税收", merges=merges)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_units_row_below_the_header_gives_the_units(tmp_path: Path, suffix: str) -> None:
    table = read_sources(
        [
            _write(
                tmp_path / f"f{suffix}",
                [
                    HEAD,
                    ["", "", "", "元", "(万元)"],
                    [1, A, "甲", 10000, 5],
                    [2, B, "乙", 20000, 6],
                ],
            )
        ],
        year=YEAR,
    )
    assert table.frame["credit_code"].tolist() == [A, B]
    assert at(table, A, "tax_paid") == pytest.approx(1.0)
    assert at(table, B, "revenue") == pytest.approx(6.0)
    assert "missing-credit-code" not in set(table.issues["code"])
    assert_rows_add_up(table, used=[2], skipped=[0])


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_column_numbers_and_repeated_page_headers_are_skipped(tmp_path: Path, suffix: str) -> None:
    """Regression: page headers repeated by an export were read as firms without a code."""
    units = ["", "", "", "万元", "万元"]
    rows: list[list[object]] = [["企业税收情况表"], HEAD, units, ["甲", "乙", "丙", 1, 2]]
    rows += [[1, A, "甲", 1, 2], [2, B, "乙", 3, 4]]
    rows += [["企业税收情况表"], HEAD, units, [3, C, "丙", 5, 6], [4, D, "丁", 7, 8]]
    rows += [HEAD, [1, 2, 3, 4, 5]]
    table = read_sources([_write(tmp_path / f"f{suffix}", rows)], year=YEAR)
    assert table.frame["credit_code"].tolist() == [A, B, C, D]
    assert table.frame["tax_paid"].tolist() == [1, 3, 5, 7]
    found = issues(table, "header-row")
    assert [(i[3], i[6], i[7]) for i in found] == [(4, "第4、7、8、9、12、13行", "info")]
    assert "共6行" in table.issues.loc[table.issues["code"] == "header-row", "message"].iloc[0]
    assert {"missing-credit-code", "bad-credit-code", "credit-code-as-number"}.isdisjoint(
        table.issues["code"]
    )
    assert_rows_add_up(table, used=[4], skipped=[6])


def test_a_second_header_level_under_a_merged_parent_is_not_a_firm(tmp_path: Path) -> None:
    """Regression: children that name no field (本年 / 上年 under 营业收入) left the second
    header row to be read as a firm without a code."""
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [
            ["统一社会信用代码", "企业名称", "营业收入(万元)", None, "实缴税金(万元)"],
            [None, None, "本年", "上年", None],
            [A, "甲", 10, 8, 1],
            [B, "乙", 20, 18, 2],
            ["统一社会信用代码", "企业名称", "营业收入(万元)", None, "实缴税金(万元)"],
            [None, None, "本年", "上年", None],
            [C, "丙", 30, 28, 3],
        ],
        sheet="税收",
        merges=["A1:A2", "B1:B2", "C1:D1", "E1:E2", "A5:A6", "B5:B6", "C5:D5", "E5:E6"],
    )
    table = read_sources([path], year=YEAR)
    assert table.frame["credit_code"].tolist() == [A, B, C]
    assert table.frame["revenue"].tolist() == [10, 20, 30]
    assert {"missing-credit-code", "bad-credit-code"}.isdisjoint(table.issues["code"])
    assert [(i[3], i[6]) for i in issues(table, "header-row")] == [(2, "第2、5、6行")]
    assert_rows_add_up(table, used=[3], skipped=[3])


def test_an_export_paged_every_20_rows_gives_one_note(tmp_path: Path) -> None:
    from departments import code

    head = ["纳税人识别号", "纳税人名称", "实缴税金(元)"]
    rows: list[list[object]] = [head]
    for page in range(30):
        if page:
            rows.append(["统一社会信用代码", "企业名称", "实缴税金(元)"])  # another alias
        rows += [[code(page * 20 + i + 1), f"企业{page}-{i}", 10000] for i in range(20)]
    table = read_sources([write_csv(tmp_path / "f.csv", rows)], year=YEAR)
    assert len(table) == 600
    found = issues(table, "header-row")
    assert len(found) == 1 and found[0][3] == 22
    assert set(table.issues["code"]) == {"header-row"}
    assert_rows_add_up(table, used=[600], skipped=[29])


def test_a_firm_without_a_code_right_below_the_header_is_still_a_firm(tmp_path: Path) -> None:
    rows: list[list[object]] = [HEAD, ["", "", "甲公司", "", ""], [2, A, "乙", 1, 2]]
    rows += [["", "", "", "万元", "—"], ["", "", "", "本年", ""]]  # lower down: firms
    table = read_sources([write_csv(tmp_path / "f.csv", rows)], year=YEAR)
    assert table.frame["name"].tolist()[:2] == ["甲公司", "乙"]
    assert [i[3] for i in issues(table, "missing-credit-code")] == [2, 5]
    assert [(i[3], i[6]) for i in issues(table, "header-row")] == [(4, "第4行")]
    assert_rows_add_up(table, used=[3], skipped=[1])


@pytest.mark.parametrize(
    ("units", "numbers"),
    [
        (["—", "/", "", "（万元）", "单位：万元"], ["甲", "乙", "丙", "1", "2"]),
        (["", "", "", "(万元)", "万元"], ["A", "B", "C", "D", "E"]),
        (["", "", "", "万元", "万元"], ["栏次", "", "", "①", "②"]),
        (["", "", "", "万元", "万元"], ["(1)", "(2)", "(3)", "(4)", "(5)"]),
    ],
)
def test_units_and_column_numbers_as_departments_write_them(
    tmp_path: Path, units: list[str], numbers: list[str]
) -> None:
    rows: list[list[object]] = [HEAD, units, numbers, [1, A, "甲", 10000, 5]]
    rows += [["第1页 共2页"], HEAD, units, [2, B, "乙", 20000, 6], ["2/2页"]]
    table = read_sources([write_csv(tmp_path / "f.csv", rows)], year=YEAR)
    assert table.frame["credit_code"].tolist() == [A, B]
    assert table.frame["tax_paid"].tolist() == [10000, 20000]  # in 万元, as the units row says
    assert [(i[3], i[6]) for i in issues(table, "header-row")] == [(3, "第3、5、6、7、9行")]
    assert_rows_add_up(table, used=[2], skipped=[5])
