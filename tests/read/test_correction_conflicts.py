"""Two approved corrections of one firm's field that disagree: neither is applied, and each is
an error naming all of them (appeal id, row of the corrections file, value)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from conftest import read_for
from departments import YEAR, code, issues, make_rules, write_csv, write_xlsx

HEADER = ["统一社会信用代码", "年度", "字段", "新值", "原因", "申诉编号", "审批人"]


def data(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "企业.csv",
        [
            ["统一社会信用代码", "实缴税金(万元)", "用地面积(亩)", "企业名称"],
            [code(1), 100, 10, "甲"],
            [code(2), 200, 10, "乙"],
            [code(3), 300, 10, "丙"],
        ],
    )


def test_disagreeing_corrections_are_both_refused(tmp_path: Path) -> None:
    corrections = write_xlsx(
        tmp_path / "更正.xlsx",
        [
            HEADER,
            [code(1), YEAR, "实缴税金(万元)", 150, "漏计", "YS-1", "张三"],
            [code(2), YEAR, "用地面积(亩)", 12, "按证", "YS-2", "张三"],
            [code(1), YEAR, "tax_paid", 160, "另一次复核", "YS-3", "李四"],
            [code(3), YEAR, "企业名称", "丙公司", "更名", "YS-4", "李四"],
            [code(3), YEAR, "企业名称", "丙集团", "更名", "YS-5", "王五"],
        ],
    )
    table = read_for([data(tmp_path)], make_rules(), corrections=corrections)
    assert table.frame["tax_paid"].tolist() == [100.0, 200.0, 300.0]  # neither 150 nor 160
    assert table.frame["land_owned_mu"].tolist() == [10.0, 12.0, 10.0]
    assert table.frame["name"].tolist() == ["甲", "乙", "丙"]
    assert table.corrections is not None
    assert table.corrections["status"].tolist() == [
        "conflict",
        "applied",
        "conflict",
        "conflict",
        "conflict",
    ]
    found = issues(table, "correction-conflict")
    assert [(i[1], i[3], i[4], i[5], i[7]) for i in found] == [
        ("更正.xlsx", 2, code(1), "tax_paid", "error"),
        ("更正.xlsx", 4, code(1), "tax_paid", "error"),
        ("更正.xlsx", 5, code(3), "name", "error"),
        ("更正.xlsx", 6, code(3), "name", "error"),
    ]
    assert found[0][6] == found[1][6] == "YS-1（第2行）：150；YS-3（第4行）：160"
    assert found[2][6] == "YS-4（第5行）：丙公司；YS-5（第6行）：丙集团"
    assert not any(i[4] == code(1) for i in issues(table, "correction-applied"))


def test_corrections_that_agree_in_other_units_are_applied(tmp_path: Path) -> None:
    corrections = pd.DataFrame(
        {
            "统一社会信用代码": [code(1), code(1), code(2)],
            "年度": [YEAR] * 3,
            "字段": ["实缴税金(万元)", "实缴税金(元)", "tax_paid"],
            "新值": ["150", "1500000", "250"],
            "申诉编号": ["", "", "YS-9"],
        }
    )
    table = read_for([data(tmp_path)], make_rules(), corrections=corrections)
    assert table.frame["tax_paid"].tolist() == [150.0, 250.0, 300.0]
    assert table.corrections is not None
    assert table.corrections["status"].tolist() == ["applied"] * 3
    assert not issues(table, "correction-conflict")


def test_a_conflict_without_appeal_ids_names_the_rows(tmp_path: Path) -> None:
    corrections = write_csv(
        tmp_path / "更正.csv",
        [["统一社会信用代码", "年度", "字段", "新值"], [code(2), YEAR, "tax_paid", 1],
         [code(2), YEAR, "tax_paid", 2], [code(2), YEAR, "tax_paid", "很多"]],
    )  # fmt: skip
    table = read_for([data(tmp_path)], make_rules(), corrections=corrections)
    assert table.frame["tax_paid"].iloc[1] == 200.0
    assert table.corrections is not None
    assert table.corrections["status"].tolist() == ["conflict", "conflict", "invalid-value"]
    shown = {i[6] for i in issues(table, "correction-conflict")}
    assert shown == {"（无编号）（第2行）：1；（无编号）（第3行）：2"}
