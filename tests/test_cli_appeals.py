"""The command line of appeals and compare: run --appeals, template --appeals, mujun compare."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from cli_setup import code, invoke, make_files

from mujun.appeal_form import HEADERS, STATES


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    made = make_files(tmp_path)
    register = pd.DataFrame(
        [
            # 丁 (code 3): 10 万元 on 5 亩 = 2/亩 → 20 points, last; 100 万元 → 20/亩, first
            [
                "YY-1",
                code(3),
                2022,
                "丁",
                "tax_paid",
                100,
                "完税证明",
                "窗口",
                "2023-03-01",
                "采纳",
                "张三",
                "2023-03-20",
                "漏计入库税收",
            ],
            [
                "YY-2",
                code(2),
                2022,
                "丙",
                "tax_paid",
                500,
                "",
                "网上",
                "2023-03-02",
                "不采纳",
                "张三",
                "2023-03-20",
                "无证明",
            ],
            [
                "YY-3",
                code(1),
                2022,
                "乙",
                "tax_paid",
                300,
                "",
                "窗口",
                "2023-03-05",
                "核实中",
                "",
                "",
                "",
            ],
        ],
        columns=HEADERS,
    )
    made["appeals"] = tmp_path / "异议登记.csv"
    register.to_csv(made["appeals"], index=False)
    return made


def test_run_with_appeals_lists_them_and_compares_in_the_internal_workbook(
    files: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    rc, text = invoke(
        "run", "--rules", files["rules"], "--data", files["data"], "--out", out,
        "--appeals", files["appeals"],
    )  # fmt: skip
    assert rc == 0, text
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    listed = {a["appeal_id"]: a for a in manifest["appeals"]}
    assert [listed[i]["state"] for i in ("YY-1", "YY-2", "YY-3")] == ["采纳", "不采纳", "核实中"]
    assert listed["YY-1"]["changed"] == "10.0 → 100"
    assert listed["YY-2"]["changed"] == "不采纳，未作更改"
    assert listed["YY-3"]["changed"] == "尚未决定（核实中），未作更改"
    assert [c["appeal_id"] for c in manifest["corrections"]] == ["YY-1"]
    results = pd.read_parquet(out / "results.parquet").set_index("credit_code")
    assert results.loc[code(3), "rank"] == 1  # 20/亩 against 10/亩 of 甲
    internal = openpyxl.load_workbook(out / "亩均效益评价结果_测试县_2022.xlsx", read_only=True)
    assert "变动对比" in internal.sheetnames
    sheet = internal["变动对比"]
    cells = [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    assert "YY-1" in cells and "本企业更正" in cells and "连带变动" in cells
    method = internal["说明"]
    words = [str(v) for row in method.iter_rows(values_only=True) for v in row if v is not None]
    assert "不采纳，未作更改" in words and "YY-3" in words
    public = openpyxl.load_workbook(out / "公示名单_测试县_2022.xlsx", read_only=True)
    park = openpyxl.load_workbook(out / "parks" / "未填园区.xlsx", read_only=True)
    assert "变动对比" not in public.sheetnames and "变动对比" not in park.sheetnames


def test_compare_two_run_folders(files: dict[str, Path], tmp_path: Path) -> None:
    a, b = tmp_path / "A", tmp_path / "B"
    common = ["--rules", files["rules"], "--data", files["data"]]
    assert invoke("run", *common, "--out", a)[0] == 0
    assert invoke("run", *common, "--out", b, "--appeals", files["appeals"])[0] == 0
    rc, text = invoke("compare", a, b, "--json")
    assert rc == 0, text
    doc = json.loads(text)
    moved = {m["credit_code"]: m for m in doc["moved"]}
    assert moved[code(3)]["cause"] == "own" and moved[code(3)]["appeals"] == ["YY-1"]
    assert moved[code(3)]["before"]["rank"] == 4 and moved[code(3)]["after"]["rank"] == 1
    # 甲 (10/亩, first before) is second now: moved, not by its own correction
    assert moved[code(0)]["cause"] == "knock-on"
    assert moved[code(0)]["before"]["rank"] == 1 and moved[code(0)]["after"]["rank"] == 2
    assert all(m["cause"] == "knock-on" for c, m in moved.items() if c != code(3))
    rc, text = invoke("compare", a, b, "--out", tmp_path / "对比.xlsx")
    assert rc == 0, text
    assert "本企业更正1户" in text and "YY-1" in text
    book = openpyxl.load_workbook(tmp_path / "对比.xlsx", read_only=True)
    assert book.sheetnames == ["变动对比"]


def test_compare_refuses_a_folder_that_is_not_a_run(files: dict[str, Path], tmp_path: Path) -> None:
    a = tmp_path / "A"
    assert invoke("run", "--rules", files["rules"], "--data", files["data"], "--out", a)[0] == 0
    rc, text = invoke("compare", a, tmp_path)
    assert rc == 2 and "没有 manifest.json" in text
    rc, text = invoke("compare", a, tmp_path / "无此文件夹")
    assert rc == 2 and "不是文件夹" in text
    (tmp_path / "C").mkdir()
    (tmp_path / "C" / "manifest.json").write_text("{not json", encoding="utf-8")
    rc, text = invoke("compare", a, tmp_path / "C")
    assert rc == 2 and "无法读取" in text
    rc, text = invoke("compare", a, a, "--out", tmp_path / "对比.txt")
    assert rc == 2 and ".xlsx" in text
    assert "Traceback" not in text


def test_template_appeals_writes_a_blank_register(tmp_path: Path) -> None:
    out = tmp_path / "异议登记表.xlsx"
    rc, text = invoke("template", "--appeals", "--out", out)
    assert rc == 0, text
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["异议登记", "填报说明"]
    sheet = book["异议登记"]
    assert [c.value for c in sheet[2]] == HEADERS
    (validation,) = sheet.data_validations.dataValidation
    assert validation.formula1 == '"' + ",".join(STATES) + '"'
    assert str(validation.sqref).startswith("J3:J")
    assert sheet.page_setup.paperSize == 9 and sheet.page_setup.orientation == "landscape"
    before = out.read_bytes()
    assert invoke("template", "--appeals", "--out", out)[0] == 0
    assert out.read_bytes() == before  # the same register, the same bytes


def test_the_blank_register_filled_in_is_read_back(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "异议登记表.xlsx"
    assert invoke("template", "--appeals", "--out", out)[0] == 0
    book = openpyxl.load_workbook(out)
    sheet = book["异议登记"]
    values = ["YY-1", code(3), 2022, "丁", "实缴税金(万元)", 100, "", "", "", "采纳", "张三"]
    for col, value in enumerate(values, start=1):
        sheet.cell(row=3, column=col, value=value)
    book.save(out)
    run = tmp_path / "out"
    rc, text = invoke(
        "run", "--rules", files["rules"], "--data", files["data"], "--out", run, "--appeals", out
    )
    assert rc == 0, text
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert [a["status"] for a in manifest["appeals"]] == ["applied"]


def test_template_needs_rules_or_appeals(tmp_path: Path) -> None:
    rc, text = invoke("template", "--out", tmp_path / "采集表.xlsx")
    assert rc == 2 and "--rules" in text and "--appeals" in text


def test_a_register_missing_columns_exits_1(files: dict[str, Path], tmp_path: Path) -> None:
    bad = tmp_path / "登记.csv"
    bad.write_text("异议编号,状态\nYY-1,采纳\n", encoding="utf-8")
    rc, text = invoke(
        "run", "--rules", files["rules"], "--data", files["data"], "--out", tmp_path / "o",
        "--appeals", bad,
    )  # fmt: skip
    assert rc == 1 and "缺少列" in text and "统一社会信用代码" in text
    rc, text = invoke(
        "run", "--rules", files["rules"], "--data", files["data"], "--out", tmp_path / "o",
        "--appeals", tmp_path / "无此文件.csv",
    )  # fmt: skip
    assert rc == 2 and "--appeals" in text


def test_check_reports_a_registers_problems(files: dict[str, Path], tmp_path: Path) -> None:
    bad = tmp_path / "登记.csv"
    rows = [HEADERS, ["YY-1", code(3), 2022, "", "tax_paid", 100, "", "", "", "同意"]]
    pd.DataFrame(rows[1:], columns=HEADERS[:10]).to_csv(bad, index=False)
    report = tmp_path / "问题清单.xlsx"
    rc, text = invoke(
        "check", "--rules", files["rules"], "--data", files["data"], "--appeals", bad,
        "--report", report,
    )  # fmt: skip
    assert rc == 1 and "异议登记表的状态无法识别" in text


def test_the_report_counts_the_appeals(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    rc, text = invoke(
        "run", "--rules", files["rules"], "--data", files["data"], "--out", out,
        "--appeals", files["appeals"],
    )  # fmt: skip
    assert rc == 0, text
    page = (out / "报告.html").read_text(encoding="utf-8")
    assert "登记 3 条，采纳并更正 1 条" in page  # YY-1 only
