"""Rows below a header that are not firms: notes, totals, repeated header rows (read/rows.py).

Every test builds its sheet in tmp_path, reads it and checks which rows became firms, which
issue names each skipped row, and that every data row is used or skipped.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from departments import YEAR, A, B, C, assert_rows_add_up, code, issues, write_csv, write_xlsx

from mujun import read_sources

HEAD = ["统一社会信用代码", "企业名称", "实缴税金(万元)", "营业收入(万元)"]


def _read(tmp_path: Path, rows: list[list[object]], suffix: str = ".csv"):
    path = tmp_path / f"税务局{suffix}"
    if suffix == ".csv":
        write_csv(path, [[("" if v is None else v) for v in r] for r in rows])
    else:
        write_xlsx(path, rows, sheet="税收")
    return read_sources([path], year=YEAR)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_totals_that_add_up_and_signature_lines_are_notes(tmp_path: Path, suffix: str) -> None:
    table = _read(
        tmp_path,
        [
            HEAD,
            [A, "甲公司", 10, 100],
            [B, "乙公司", 20, 200],
            ["小计", None, 30, 300],
            [C, "丙公司", 5, 50],
            ["小计（经开区）", None, 5, None],
            ["合计", None, 35, 350],
            ["总 计：", None, None, None],
            ["注：税收为实际入库数"],
            ["备注"],
            ["制表人 张三", None, "审核人：李四"],
            ["填报人：王五"],
            ["审核：赵六"],
        ],
        suffix,
    )
    assert table.frame["credit_code"].tolist() == [A, B, C]
    notes = issues(table, "note-row")
    assert [(i[3], i[6], i[7]) for i in notes] == [
        (4, "小计", "info"),
        (6, "小计（经开区）", "info"),
        (7, "合计", "info"),
        (8, "总 计：", "info"),
        (9, "注：税收为实际入库数", "info"),
        (10, "备注", "info"),
        (11, "制表人 张三", "info"),
        (12, "填报人：王五", "info"),
        (13, "审核：赵六", "info"),
    ]
    assert set(table.issues["severity"]) == {"info"}
    assert_rows_add_up(table, used=[3], skipped=[9])


def test_firms_named_like_notes_are_firms_rejected_for_their_missing_code(
    tmp_path: Path,
) -> None:
    """Regression: a firm without a credit code whose name begins with 合计, 说明 or 审核 was
    dropped as a note row at info level."""
    names = ["合计精密机械有限公司", "说明书印刷厂", "审核通达有限公司", "注塑制品有限公司", "小计"]
    rows: list[list[object]] = [HEAD, [A, "甲公司", 10, 100]]
    rows += [["", name, 7 + i, ""] for i, name in enumerate(names)]
    rows += [["备注：新投产", "", 3, 30], ["制表人：张三", "", "", "12"]]
    table = _read(tmp_path, rows)
    assert table.frame["name"].tolist()[:5] == ["甲公司", *names[:4]]
    missing = issues(table, "missing-credit-code")
    assert [i[3] for i in missing] == [3, 4, 5, 6]
    assert {i[7] for i in missing} == {"error"}
    # the label sits in the credit-code cell: a firm row with a code that is no code
    assert [(i[3], i[7]) for i in issues(table, "bad-credit-code")] == [(8, "error"), (9, "error")]
    odd = issues(table, "odd-total")
    assert [(i[3], i[6], i[7]) for i in odd] == [(7, "小计", "warning")]
    assert "note-row" not in set(table.issues["code"])
    assert_rows_add_up(table, used=[7], skipped=[1])


def test_a_total_that_does_not_add_up_is_skipped_with_a_warning(tmp_path: Path) -> None:
    table = _read(
        tmp_path,
        [HEAD, [A, "甲", 10, 100], [B, "乙", 20, 200], ["合计", "", 31, 300], ["全县合计", "", 30]],
        ".xlsx",
    )
    assert table.frame["credit_code"].tolist() == [A, B]
    assert [(i[3], i[6], i[7]) for i in issues(table, "odd-total")] == [(4, "合计", "warning")]
    assert [(i[3], i[6]) for i in issues(table, "note-row")] == [(5, "全县合计")]
    message = table.issues.loc[table.issues["code"] == "odd-total", "message"].iloc[0]
    assert "统一社会信用代码" in message
    assert_rows_add_up(table, used=[2], skipped=[2])


def test_a_total_above_the_firms_adds_up_over_the_whole_sheet(tmp_path: Path) -> None:
    table = _read(tmp_path, [HEAD, ["合计", "", "1,030", ""], [A, "甲", 1000, ""], [B, "乙", 30]])
    assert table.frame["credit_code"].tolist() == [A, B]
    assert [i[3] for i in issues(table, "note-row")] == [2]
    assert "odd-total" not in set(table.issues["code"])


def test_many_firms_without_codes_are_each_rejected(tmp_path: Path) -> None:
    rows: list[list[object]] = [HEAD, *([code(i), f"企业{i}", i, i] for i in range(1, 30))]
    rows += [["", f"合计{i}号有限公司", i, ""] for i in range(300)]
    table = _read(tmp_path, rows)
    assert len(issues(table, "missing-credit-code")) == 300
    assert_rows_add_up(table, used=[329], skipped=[0])


def test_a_numbered_template_and_a_total_behind_its_serial_number(tmp_path: Path) -> None:
    """Rows holding nothing but a 序号 (a template numbered ahead) are blank rows, and a 合计
    behind a 序号 is a total."""
    rows: list[list[object]] = [["序号", *HEAD], [1, A, "甲", 10, 100], [2, B, "乙", 20, 200]]
    rows += [[i, "", "", "", ""] for i in range(3, 60)]
    rows += [
        [60, "", "合计", 30, 300],
        [61, "", "合计", 31, 300],
        [62, "", "合计精密有限公司", 1, 1],
    ]
    table = _read(tmp_path, rows, ".xlsx")
    assert table.frame["name"].tolist() == ["甲", "乙", "合计精密有限公司"]
    assert [(i[3], i[6]) for i in issues(table, "note-row")] == [(61, "合计")]
    assert [(i[3], i[7]) for i in issues(table, "odd-total")] == [(62, "warning")]
    assert [i[3] for i in issues(table, "missing-credit-code")] == [63]
    assert_rows_add_up(table, used=[3], skipped=[59])


def test_a_remark_after_the_figures_does_not_make_a_total(tmp_path: Path) -> None:
    rows: list[list[object]] = [["序号", *HEAD, "备注"], [1, A, "甲", 10, 100, ""]]
    rows += [[2, "", "", 5, 33, "合计"], [3, "", "", "", "", "合计"]]
    table = _read(tmp_path, rows)
    assert [i[3] for i in issues(table, "missing-credit-code")] == [3]
    assert [i[3] for i in issues(table, "note-row")] == [4]  # nothing but the label: a note
    assert "odd-total" not in set(table.issues["code"])
