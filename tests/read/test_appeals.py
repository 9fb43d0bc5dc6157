"""The appeals register (异议复核登记表): only 采纳 appeals change data; every appeal is listed
with its state and what it changed; rows that cannot be decided are errors at their row."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import indicator_toml, read_for
from departments import A, B, C, D, code, make_rules, write_csv, write_xlsx
from hypothesis import given, settings
from hypothesis import strategies as st

import mujun
from mujun import DataError
from mujun.appeal_form import HEADERS
from mujun.read.appeals import RECORD_COLUMNS

TAX_PER_MU = indicator_toml(
    "tax_per_mu", "tax_paid / land_mu", 100, "method = 'ratio', benchmark = 10.0"
)
CORRECTION_HEADER = ["统一社会信用代码", "年度", "字段", "新值", "原因", "申诉编号", "审批人"]


def rules() -> mujun.Rules:
    return make_rules(indicators=TAX_PER_MU)


def tax_file(tmp_path: Path) -> Path:
    """A 100, B 200, C 50, D 30 万元 of tax (in 元), each on 10 亩."""
    return write_xlsx(
        tmp_path / "税务局.xlsx",
        [
            ["统一社会信用代码", "纳税人名称", "实缴税金(元)", "用地面积(亩)", "是否规上"],
            [A, "甲", 1_000_000, 10, "是"],
            [B, "乙", 2_000_000, 10, "是"],
            [C, "丙", 500_000, 10, "是"],
            [D, "丁", 300_000, 10, "是"],
        ],
        sheet="税收",
    )


def row(
    appeal: object, credit: object, field: object, claimed: object, state: object, note: str = ""
) -> list[object]:
    """One register row in HEADERS' order."""
    head = [appeal, credit, 2022, "", field, claimed, "完税证明", "窗口", "2023-03-01"]
    return [*head, state, "张三", "2023-03-20", note]


def register(tmp_path: Path, rows: list[list[object]], name: str = "异议登记.xlsx") -> Path:
    return write_xlsx(tmp_path / name, [["异议复核登记表"], HEADERS, *rows], sheet="登记")


def test_every_state_only_accepted_rows_change_data(tmp_path: Path) -> None:
    appeals = register(
        tmp_path,
        [
            row("YY-1", A, "实缴税金(万元)", 150, "采纳", "漏计入库税收"),
            row("YY-2", B, "tax_paid", 1, "不采纳"),
            row("YY-3", C, "tax_paid", 1, "受理"),
            row("YY-4", D, "tax_paid", 1, "核实中"),
        ],
    )
    table = read_for([tax_file(tmp_path)], rules(), appeals=appeals)
    # only A's 150 is taken; B, C, D keep 200, 50, 30
    assert table.frame["tax_paid"].tolist() == pytest.approx([150.0, 200.0, 50.0, 30.0])
    record = table.appeals
    assert record is not None
    assert list(record.columns) == RECORD_COLUMNS
    assert record["appeal_id"].tolist() == ["YY-1", "YY-2", "YY-3", "YY-4"]
    assert record["state"].tolist() == ["采纳", "不采纳", "受理", "核实中"]
    assert record["status"].tolist() == ["applied", "rejected", "pending", "pending"]
    assert record["field"].tolist() == ["tax_paid"] * 4
    assert record["changed"].tolist() == [
        "100.0 → 150",
        "不采纳，未作更改",
        "尚未决定（受理），未作更改",
        "尚未决定（核实中），未作更改",
    ]
    assert record["row"].tolist() == [3, 4, 5, 6]
    corr = table.corrections
    assert corr is not None and len(corr) == 1
    assert corr.iloc[0][["appeal_id", "approved_by", "reason", "status"]].tolist() == [
        "YY-1",
        "张三",
        "漏计入库税收",
        "applied",
    ]
    ev = mujun.evaluate(table, rules())
    listed = ev.provenance["appeals"]
    assert [a["appeal_id"] for a in listed] == ["YY-1", "YY-2", "YY-3", "YY-4"]
    assert listed[0]["changed"] == "100.0 → 150"


def test_reason_defaults_and_state_aliases(tmp_path: Path) -> None:
    appeals = register(tmp_path, [row("YY-1", A, "tax_paid", 120, "已采纳")])
    table = read_for([tax_file(tmp_path)], rules(), appeals=appeals)
    assert table.frame["tax_paid"].iloc[0] == pytest.approx(120.0)
    assert table.corrections is not None
    assert table.corrections["reason"].tolist() == ["异议复核采纳"]


def test_rows_that_cannot_be_decided_are_errors_and_change_nothing(tmp_path: Path) -> None:
    appeals = register(
        tmp_path,
        [
            row("YY-1", A, "tax_paid", 150, "同意"),  # unknown state
            row(None, B, "tax_paid", 300, "采纳"),  # no id
            row("YY-3", C, "tax_paid", 60, "采纳"),  # the same id twice
            row("YY-3", C, "tax_paid", 60, "采纳"),
            row("YY-5", D, "tax_paid", None, "采纳"),  # accepted without a value
            row("YY-6", D, "身高", 1, "采纳"),  # unknown field
            row("YY-7", code(9), "tax_paid", 1, "采纳"),  # no such firm
            row("YY-8", D, "身高", 1, "受理"),  # pending: its field is not checked
        ],
    )
    table = read_for([tax_file(tmp_path)], rules(), appeals=appeals)
    assert table.frame["tax_paid"].tolist() == pytest.approx([100.0, 200.0, 50.0, 30.0])
    record = table.appeals
    assert record is not None
    assert record["status"].tolist() == [
        "bad-state",
        "no-id",
        "duplicate-id",
        "duplicate-id",
        "empty-value",
        "unknown-field",
        "unmatched",
        "pending",
    ]
    assert record["state"].tolist()[0] == "同意"
    assert all("未作更改" in c for c in record["changed"].iloc[:7])
    found = table.notes
    by_code = found.groupby("code")["row"].apply(sorted).to_dict()
    assert by_code["appeal-bad-state"] == [3]
    assert by_code["appeal-no-id"] == [4]
    assert by_code["appeal-duplicate-id"] == [5, 6]
    assert by_code["correction-bad-value"] == [7]
    assert by_code["correction-bad-field"] == [8]
    assert by_code["correction-unmatched"] == [9]
    errors = found[found["code"].str.startswith("appeal-")]
    assert set(errors["severity"]) == {"error"}
    assert set(errors["file"]) == {str(appeals)}


def test_appeal_and_correction_of_one_cell_that_disagree_are_a_conflict(tmp_path: Path) -> None:
    appeals = register(tmp_path, [row("YY-1", A, "tax_paid", 150, "采纳")])
    corrections = write_csv(
        tmp_path / "更正.csv",
        [CORRECTION_HEADER, [A, 2022, "tax_paid", 170, "更正", "GZ-1", "李四"]],
    )
    table = read_for([tax_file(tmp_path)], rules(), appeals=appeals, corrections=corrections)
    assert table.frame["tax_paid"].iloc[0] == pytest.approx(100.0)  # neither is taken
    assert table.appeals is not None
    assert table.appeals["status"].tolist() == ["conflict"]
    conflicts = table.notes[table.notes["code"] == "correction-conflict"]
    assert len(conflicts) == 2 and set(conflicts["severity"]) == {"error"}


def test_appeals_and_corrections_that_agree_or_differ_in_cells_both_apply(tmp_path: Path) -> None:
    appeals = register(tmp_path, [row("YY-1", A, "tax_paid", 150, "采纳")])
    corrections = write_csv(
        tmp_path / "更正.csv",
        [CORRECTION_HEADER, [B, 2022, "tax_paid", 210, "更正", "GZ-1", "李四"]],
    )
    table = read_for([tax_file(tmp_path)], rules(), appeals=appeals, corrections=corrections)
    assert table.frame["tax_paid"].tolist()[:2] == pytest.approx([150.0, 210.0])
    assert table.corrections is not None
    assert table.corrections["appeal_id"].tolist() == ["GZ-1", "YY-1"]


def test_blank_register_changes_nothing(tmp_path: Path) -> None:
    appeals = register(tmp_path, [])
    table = read_for([tax_file(tmp_path)], rules(), appeals=appeals)
    assert table.appeals is not None and table.appeals.empty
    assert table.frame["tax_paid"].tolist() == pytest.approx([100.0, 200.0, 50.0, 30.0])


def test_wrong_headers_are_refused_naming_the_file(tmp_path: Path) -> None:
    wrong = write_xlsx(tmp_path / "登记.xlsx", [["编号", "企业", "金额"], ["1", A, 3]])
    with pytest.raises(DataError, match=r"登记\.xlsx：缺少列.*统一社会信用代码"):
        read_for([tax_file(tmp_path)], rules(), appeals=wrong)
    nothing = write_xlsx(tmp_path / "空.xlsx", [["甲", "乙"], [1, 2]])
    with pytest.raises(DataError, match=r"空\.xlsx：前10行中没有“异议编号”或“状态”列"):
        read_for([tax_file(tmp_path)], rules(), appeals=nothing)


def test_formulas_in_cells_are_text(tmp_path: Path) -> None:
    appeals = write_csv(
        tmp_path / "登记.csv",
        [HEADERS, row('=HYPERLINK("x")', A, "tax_paid", "=1+1", "采纳", "=cmd|' /c calc'!A0")],
    )
    table = read_for([tax_file(tmp_path)], rules(), appeals=appeals)
    assert table.frame["tax_paid"].iloc[0] == pytest.approx(100.0)  # '=1+1' is not a number
    record = table.appeals
    assert record is not None
    assert record["appeal_id"].iloc[0] == '=HYPERLINK("x")'
    assert record["status"].iloc[0] == "invalid-value"


def test_five_thousand_rows(tmp_path: Path) -> None:
    rows = [
        row(f"YY-{i}", A if i == 0 else code(1000 + i), "tax_paid", 1, "受理") for i in range(5000)
    ]
    appeals = write_csv(tmp_path / "登记.csv", [HEADERS, *rows])
    table = read_for([tax_file(tmp_path)], rules(), appeals=appeals)
    assert table.appeals is not None and len(table.appeals) == 5000
    assert (table.appeals["status"] == "pending").all()


def test_dataframe_register(tmp_path: Path) -> None:
    frame = pd.DataFrame([row("YY-1", B, "tax_paid", 250, "采纳")], columns=HEADERS)
    table = read_for([tax_file(tmp_path)], rules(), appeals=frame)
    assert table.frame["tax_paid"].iloc[1] == pytest.approx(250.0)


def test_a_part_of_the_run_lists_only_its_own_firms_appeals(tmp_path: Path) -> None:
    appeals = register(
        tmp_path, [row("YY-1", A, "tax_paid", 150, "采纳"), row("YY-2", B, "tax_paid", 1, "不采纳")]
    )
    ev = mujun.evaluate(read_for([tax_file(tmp_path)], rules(), appeals=appeals), rules())
    part = ev.subset(ev.results["credit_code"] != A)  # e.g. a park's workbook without 甲
    assert [a["appeal_id"] for a in part.provenance["appeals"]] == ["YY-2"]
    assert part.provenance["corrections"] == []


@settings(max_examples=15, deadline=None)
@given(order=st.permutations(range(5)))
def test_the_registers_row_order_does_not_matter(order: list[int]) -> None:
    rows = [
        row("YY-1", A, "tax_paid", 150, "采纳"),
        row("YY-2", B, "tax_paid", 1, "不采纳"),
        row("YY-3", C, "实缴税金(元)", 600_000, "采纳"),
        row("YY-4", D, "tax_paid", 1, "受理"),
        row("YY-5", D, "revenue", 9, "采纳"),
    ]
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        table = read_for([tax_file(tmp)], rules(), appeals=register(tmp, rows))
        shuffled = read_for(
            [tax_file(tmp)], rules(), appeals=register(tmp, [rows[i] for i in order], "乱序.xlsx")
        )
    # A 150, C 60 (600 000 元), D's revenue 9: the same whatever the order
    pd.testing.assert_frame_equal(table.frame, shuffled.frame)
    assert table.appeals is not None and shuffled.appeals is not None
    by_id = table.appeals.set_index("appeal_id")[["status", "changed"]]
    again = shuffled.appeals.set_index("appeal_id")[["status", "changed"]].loc[by_id.index]
    pd.testing.assert_frame_equal(by_id, again)
