"""Corrections (异议复核): approved changes applied on top of the data read, and recorded.

`read_sources(..., corrections=...)` takes a corrections table (xlsx, csv or a DataFrame) with
the headers 统一社会信用代码, 年度, 字段, 新值, 原因, 申诉编号, 审批人; 字段 is a field code or
a Chinese header, with a unit when the new value is not in the field's canonical unit.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import indicator_toml, read_for
from departments import YEAR, A, B, C, D, code, expect, issues, make_rules, write_csv, write_xlsx

import mujun
from mujun import DataError, read_sources

TAX_PER_MU = indicator_toml(
    "tax_per_mu", "tax_paid / land_mu", 100, "method = 'ratio', benchmark = 10.0"
)
HEADER = ["统一社会信用代码", "年度", "字段", "新值", "原因", "申诉编号", "审批人"]


def rules() -> mujun.Rules:
    """亩均税收 only (10 万元/亩 scores 100), for the firms above scale."""
    return make_rules(indicators=TAX_PER_MU)


def tax_file(tmp_path: Path) -> Path:
    """A 100, B 200, C 50, D 30 万元 of tax (written in 元), each on 10 亩, all above scale."""
    return write_xlsx(
        tmp_path / "税务局.xlsx",
        [
            ["2022年度企业税收情况"],
            ["统一社会信用代码", "纳税人名称", "实缴税金(元)", "用地面积(亩)", "是否规上"],
            [A, "甲", 1_000_000, 10, "是"],
            [B, "乙", 2_000_000, 10, "是"],
            [C, "丙", 500_000, 10, "是"],
            [D, "丁", 300_000, 10, "是"],
        ],
        sheet="税收",
        merges=["A1:E1"],
    )


def test_corrections_workbook_is_applied_recorded_and_reported(tmp_path: Path) -> None:
    corrections = write_xlsx(
        tmp_path / "异议复核.xlsx",
        [
            ["2022年亩均效益评价异议复核更正表"],
            HEADER,
            [A, 2022, "tax_paid", 150, "漏计入库税收", "YS-001", "张三"],
            [B, 2022, "用地面积(平方米)", 13_334, "按不动产证更正", "YS-002", "李四"],
            [C, 2021, "tax_paid", 1, "年度填错", "YS-003", "王五"],
            [code(9), 2022, "tax_paid", 1, "无此企业", "YS-004", "王五"],
            [D, 2022, "身高", 1, "字段不存在", "YS-005", "王五"],
            [D, 2022, "land_mu", 1, "派生字段不能更正", "YS-006", "王五"],
            [D, 2022, "实缴税金", "很多", "值无法读取", "YS-007", "王五"],
            [D, 2022, "是否规上", "否", "已退出规上", "YS-008", "王五"],
        ],
        sheet="更正",
    )
    table = read_for([tax_file(tmp_path)], rules(), corrections=corrections)

    assert table.frame["tax_paid"].tolist() == pytest.approx([150.0, 200.0, 50.0, 30.0])
    assert table.frame["land_owned_mu"].tolist() == pytest.approx([10.0, 20.001, 10.0, 10.0])
    assert table.frame["above_scale"].tolist() == [True, True, True, False]

    record = table.corrections
    assert record is not None
    assert list(record.columns) == [
        "credit_code",
        "year",
        "field",
        "old_value",
        "new_value",
        "reason",
        "appeal_id",
        "approved_by",
        "file",
        "row",
        "status",
    ]
    assert record["status"].tolist() == [
        "applied",
        "applied",
        "unmatched",
        "unmatched",
        "unknown-field",
        "unknown-field",
        "invalid-value",
        "applied",
    ]
    assert record["credit_code"].tolist() == [A, B, C, code(9), D, D, D, D]
    assert record["year"].tolist() == [2022, 2022, 2021, 2022, 2022, 2022, 2022, 2022]
    assert record["field"].tolist() == [
        "tax_paid",
        "land_owned_mu",
        "tax_paid",
        "tax_paid",
        "",
        "",
        "tax_paid",
        "above_scale",
    ]
    assert record["old_value"].tolist() == ["100.0", "10.0", "", "", "", "", "30.0", "True"]
    assert record["new_value"].tolist() == ["150", "13334", "1", "1", "1", "1", "很多", "否"]
    assert record["appeal_id"].tolist()[:2] == ["YS-001", "YS-002"]
    assert record["approved_by"].tolist()[:2] == ["张三", "李四"]
    assert record["reason"].tolist()[0] == "漏计入库税收"
    assert record["row"].tolist() == [3, 4, 5, 6, 7, 8, 9, 10]
    assert {Path(f).name for f in record["file"]} == {"异议复核.xlsx"}

    found = [i for i in issues(table) if i[0].startswith("correction-")]
    assert [(i[0], i[1], i[3], i[4], i[5], i[7]) for i in found] == expect(
        [
            ("correction-applied", "税务局.xlsx", 3, A, "tax_paid", "info"),
            ("correction-applied", "税务局.xlsx", 4, B, "land_owned_mu", "info"),
            ("correction-applied", "税务局.xlsx", 6, D, "above_scale", "info"),
            ("correction-bad-field", "异议复核.xlsx", 7, D, "", "error"),
            ("correction-bad-field", "异议复核.xlsx", 8, D, "", "error"),
            ("correction-bad-value", "异议复核.xlsx", 9, D, "", "error"),
            ("correction-unmatched", "异议复核.xlsx", 5, C, "", "warning"),
            ("correction-unmatched", "异议复核.xlsx", 6, code(9), "", "warning"),
        ]
    )
    applied_a = next(i for i in found if i[0] == "correction-applied" and i[4] == A)
    assert "150" in applied_a[6] and "YS-001" in applied_a[6] and "张三" in applied_a[6]

    evaluation = mujun.evaluate(table, rules())
    results = evaluation.results.set_index("credit_code")
    assert results.loc[A, "total_score"] == pytest.approx(150.0)  # 150 万元 / 10 亩 → 15 / 10
    assert results.loc[B, "total_score"] == pytest.approx(200 / 20.001 / 10 * 100)
    assert results.loc[C, "total_score"] == pytest.approx(50.0)
    assert results.loc[D, "status"] == "exempt"  # no longer above scale
    listed = evaluation.provenance["corrections"]
    assert [c["status"] for c in listed] == record["status"].tolist()
    assert listed[0] == {
        "credit_code": A,
        "year": "2022",
        "field": "tax_paid",
        "old_value": "100.0",
        "new_value": "150",
        "reason": "漏计入库税收",
        "appeal_id": "YS-001",
        "approved_by": "张三",
        "file": str(corrections),
        "row": "3",
        "status": "applied",
    }


def test_corrections_csv_with_a_chinese_header_and_unit(tmp_path: Path) -> None:
    corrections = write_csv(
        tmp_path / "更正.csv",
        [HEADER, [B.lower(), "", "实缴税金(元)", "3,000,000", "补缴", "YS-010", "李四"]],
        encoding="gbk",
    )
    table = read_for([tax_file(tmp_path)], rules(), corrections=corrections)
    assert table.frame["tax_paid"].tolist() == pytest.approx([100.0, 300.0, 50.0, 30.0])
    record = table.corrections
    assert record is not None
    assert record[["credit_code", "year", "field", "old_value", "status"]].values.tolist() == [
        [B, YEAR, "tax_paid", "200.0", "applied"]  # a blank year is the data's only year
    ]
    results = mujun.evaluate(table, rules()).results.set_index("credit_code")
    assert results.loc[B, "total_score"] == pytest.approx(300.0)


def test_corrections_as_a_dataframe(tmp_path: Path) -> None:
    frame = pd.DataFrame([[A, 2022, "tax_paid", "120", "复核", "YS-020", "赵六"]], columns=HEADER)
    table = read_for([tax_file(tmp_path)], rules(), corrections=frame)
    assert table.frame["tax_paid"].iloc[0] == pytest.approx(120.0)
    assert table.corrections is not None
    assert table.corrections["status"].tolist() == ["applied"]


def test_apply_corrections_leaves_the_table_read_unchanged(tmp_path: Path) -> None:
    table = read_for([tax_file(tmp_path)], rules())
    frame = pd.DataFrame([[A, 2022, "tax_paid", "120"]], columns=HEADER[:4])
    corrected = mujun.apply_corrections(table, frame)
    assert corrected.frame["tax_paid"].iloc[0] == pytest.approx(120.0)
    assert table.frame["tax_paid"].iloc[0] == pytest.approx(100.0)
    assert table.corrections is None
    assert not table.issues["code"].str.startswith("correction-").any()


def test_a_corrections_table_without_its_columns_is_a_data_error(tmp_path: Path) -> None:
    data = tax_file(tmp_path)
    no_field = write_csv(tmp_path / "无字段.csv", [["统一社会信用代码", "新值"], [A, "1"]])
    with pytest.raises(DataError, match=re.escape("无字段.csv")):
        read_for([data], rules(), corrections=no_field)
    no_value = write_csv(tmp_path / "无新值.csv", [["统一社会信用代码", "字段"], [A, "tax_paid"]])
    with pytest.raises(DataError, match=re.escape("无新值.csv")):
        read_for([data], rules(), corrections=no_value)


def test_each_correction_uses_the_unit_of_its_own_field_text(tmp_path: Path) -> None:
    """Regression: the unit factor of the first correction naming a field was used for every
    correction of that field, so after a `tax_paid` row (万元) a row `实缴税金(元)` 3,000,000
    was applied as 3,000,000 万元 instead of 300 万元."""
    frame = pd.DataFrame(
        [[A, 2022, "tax_paid", "150"], [B, 2022, "实缴税金(元)", "3000000"]], columns=HEADER[:4]
    )
    table = read_for([tax_file(tmp_path)], rules(), corrections=frame)
    assert table.frame["tax_paid"].tolist()[:2] == pytest.approx([150.0, 300.0])


def test_every_applied_correction_has_its_issue(tmp_path: Path) -> None:
    """Regression: two corrections applied to one firm gave one `correction-applied` issue
    (the last overwrote the first), so the issues list lost a change."""
    frame = pd.DataFrame(
        [[A, 2022, "tax_paid", "150"], [A, 2022, "用地面积(亩)", "12"]], columns=HEADER[:4]
    )
    table = read_for([tax_file(tmp_path)], rules(), corrections=frame)
    assert table.frame["tax_paid"].iloc[0] == pytest.approx(150.0)
    assert table.frame["land_owned_mu"].iloc[0] == pytest.approx(12.0)
    assert table.corrections is not None
    assert table.corrections["status"].tolist() == ["applied", "applied"]
    applied = issues(table, "correction-applied")
    assert sorted(i[5] for i in applied) == ["land_owned_mu", "tax_paid"]


def _data_with_keyless_rows(tmp_path: Path, keyless: int) -> Path:
    rows = [["统一社会信用代码", "企业名称", "实缴税金(万元)"], [A, "甲", "100"]]
    rows += [["", f"无代码{i}", "200"] for i in range(keyless)]
    return write_csv(tmp_path / "数据.csv", rows)


@pytest.mark.parametrize("keyless", [1, 2])
def test_a_correction_without_credit_code_matches_no_firm(tmp_path: Path, keyless: int) -> None:
    """Regression: a correction with a blank credit code was matched (pandas merges NaN keys)
    to the data rows without a credit code: with one such row it was applied to it, with two
    apply_corrections raised ValueError."""
    data = _data_with_keyless_rows(tmp_path, keyless)
    frame = pd.DataFrame(
        [["", 2022, "tax_paid", "1"], [A, 2022, "tax_paid", "5"]], columns=HEADER[:4]
    )
    table = read_sources([data], year=YEAR, corrections=frame)
    assert table.frame["tax_paid"].tolist() == [5.0] + [200.0] * keyless
    assert table.corrections is not None
    assert table.corrections["status"].tolist() == ["unmatched", "applied"]
    assert [i[3] for i in issues(table, "correction-unmatched")] == [2]


def test_a_corrected_field_absent_from_the_data_is_added(tmp_path: Path) -> None:
    """Regression: correcting a number field that no input file has (here 研发经费) raised
    TypeError ('float() argument must be … NAType') while creating the new column."""
    frame = pd.DataFrame([[C, 2022, "研发经费(万元)", "12.5"]], columns=HEADER[:4])
    table = read_for([tax_file(tmp_path)], rules(), corrections=frame)
    assert table.frame["rd_expense"].iloc[2] == pytest.approx(12.5)
    assert [math.isnan(v) for v in table.frame["rd_expense"].iloc[[0, 1, 3]]] == [True] * 3
    assert table.corrections is not None
    assert table.corrections["old_value"].tolist() == [""]


def test_a_correction_settles_the_error_of_the_value_it_replaces(tmp_path: Path) -> None:
    data = write_csv(
        tmp_path / "tax.csv",
        [
            ["统一社会信用代码", "实缴税金(万元)", "用地面积(亩)", "是否规上"],
            [A, "四千九百", "10", "是"],
            [B, "200", "10", "是"],
        ],
    )
    fix = write_csv(tmp_path / "fix.csv", [HEADER, [A, YEAR, "tax_paid", "49", "复核", "Y1", "王"]])
    before = mujun.evaluate(read_for([data], rules()), rules())
    assert before.results["status"].tolist() == ["rejected", "evaluated"]
    after = mujun.evaluate(read_for([data], rules(), corrections=fix), rules())
    assert after.results["status"].tolist() == ["evaluated", "evaluated"]
    assert after.results["total_score"].tolist()[0] == pytest.approx(49 / 10 / 10 * 100)
    settled = after.issues[after.issues["code"] == "non-numeric-value"].iloc[0]
    assert settled["severity"] == "info" and "已按异议复核更正" in settled["message"]
