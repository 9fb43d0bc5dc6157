"""The data-problem workbook 问题清单.xlsx: layout, order, text safety, summary, stable bytes."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from conftest import RULES_TEXT

import mujun
from mujun.errors import ExportError
from mujun.export import xlsx
from mujun.export.issues_workbook import WIDEST, write_issues_workbook
from mujun.export.workbooks import write_internal_workbook
from mujun.fields import label
from mujun.issues import CATALOG, ISSUE_COLUMNS, empty_issues

CODE = "913502000728319549"
HEADERS = [
    "序号",
    "级别",
    "问题代码",
    "问题说明",
    "文件",
    "工作表",
    "行号",
    "统一社会信用代码",
    "企业名称",
    "字段",
    "值",
]


def issue(**kw: Any) -> dict[str, Any]:
    base = {c: "" for c in ISSUE_COLUMNS}
    base.update(row=None, severity="warning", position=-1)
    base.update(kw)
    return base


def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=[*ISSUE_COLUMNS, "position"])
    df["row"] = df["row"].astype("Int64")
    return df


@pytest.fixture
def issues() -> pd.DataFrame:
    """Eight issues in a jumbled order: all severities, with and without row numbers."""
    return frame(
        [
            issue(
                code="non-numeric-value",
                message="不是数字",
                file="incoming/税务局/tax.csv",
                row=7,
                credit_code=CODE,
                field="tax_paid",
                value="=1+1",
                severity="warning",
            ),
            issue(
                code="bad-credit-code",
                message="统一社会信用代码校验位错误",
                file="incoming/税务局/tax.csv",
                row=12,
                credit_code="91350200072831954X",
                field="credit_code",
                value="91350200072831954X",
                severity="error",
            ),
            issue(
                code="unknown-column",
                message="未识别的列：备注",
                file="incoming/统计局/stats.xlsx",
                sheet="Sheet1",
                severity="info",
            ),
            issue(
                code="bad-credit-code",
                message="统一社会信用代码校验位错误（第二处）",
                file="incoming/税务局/tax.csv",
                row=3,
                credit_code="123",
                field="credit_code",
                value="123",
                severity="error",
            ),
            issue(
                code="duplicate-firm",
                message="同一企业出现两次",
                file=r"C:\Users\clerk\Desktop\land.xlsx",
                sheet="用地",
                row=5,
                credit_code=CODE,
                value="@SUM(A1:A2)",
                severity="error",
            ),
            issue(
                code="missing-column",
                message="缺少必需的列",
                file="incoming/税务局/tax.csv",
                field="tax_paid",
                severity="error",
            ),
            issue(
                code="non-numeric-value",
                message="不是数字",
                file="incoming/统计局/stats.xlsx",
                sheet="Sheet1",
                row=4,
                credit_code=CODE,
                field="revenue",
                value="-12万",
                severity="warning",
            ),
            issue(
                code="odd-name",
                message="企业名称可疑",
                file="incoming/统计局/stats.xlsx",
                sheet="Sheet1",
                row=9,
                credit_code=CODE,
                field="name",
                value='=HYPERLINK("http://example.invalid","点我")',
                severity="info",
            ),
        ]
    )


@pytest.fixture
def written(issues: pd.DataFrame, tmp_path: Path) -> Path:
    return write_issues_workbook(issues, tmp_path / "问题清单.xlsx")


def body(path: Path) -> list[tuple[Any, ...]]:
    ws = openpyxl.load_workbook(path)["问题清单"]
    return [tuple(r) for r in ws.iter_rows(min_row=3, values_only=True)]


def sheet_xml(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")}


def test_title_header_and_sheets(written: Path) -> None:
    wb = openpyxl.load_workbook(written)
    assert wb.sheetnames == ["问题清单", "汇总"]
    ws = wb["问题清单"]
    assert ws["A1"].value == "数据问题清单"
    assert [str(r) for r in ws.merged_cells.ranges] == ["A1:K1"]
    assert [c.value for c in ws[2]] == HEADERS
    assert all(c.font.b for c in ws[2])
    assert ws.max_row == 2 + 8


def test_rows_sorted_by_severity_file_sheet_row(written: Path) -> None:
    rows = body(written)
    assert [r[0] for r in rows] == list(range(1, 9))
    assert [(r[1], r[4], r[5], r[6]) for r in rows] == [
        ("错误", "land.xlsx", "用地", 5),
        ("错误", "tax.csv", None, None),  # a whole-file problem before the file's rows
        ("错误", "tax.csv", None, 3),
        ("错误", "tax.csv", None, 12),
        ("提示", "stats.xlsx", "Sheet1", 4),
        ("提示", "tax.csv", None, 7),
        ("说明", "stats.xlsx", "Sheet1", None),
        ("说明", "stats.xlsx", "Sheet1", 9),
    ]
    assert [r[2] for r in rows[:4]] == [
        "duplicate-firm",
        "missing-column",
        "bad-credit-code",
        "bad-credit-code",
    ]
    assert rows[2][3] == "统一社会信用代码校验位错误（第二处）"


def test_file_names_only_no_directories_anywhere(written: Path) -> None:
    files = {r[4] for r in body(written)}
    assert files == {"land.xlsx", "tax.csv", "stats.xlsx"}
    for text in sheet_xml(written).values():
        for leak in ("incoming", "税务局/", "Users", "clerk", "Desktop"):
            assert leak not in text


def test_row_numbers_are_integers_or_blank(written: Path) -> None:
    ws = openpyxl.load_workbook(written)["问题清单"]
    numbers = [ws.cell(row=r, column=7) for r in range(3, 11)]
    assert [c.value for c in numbers] == [5, None, 3, 12, 4, 7, None, 9]
    assert all(type(c.value) is int for c in numbers if c.value is not None)
    assert all(type(ws.cell(row=r, column=1).value) is int for r in range(3, 11))


def test_field_labels_in_chinese(written: Path) -> None:
    fields = [r[9] for r in body(written)]
    assert fields == [
        None,
        label("tax_paid"),
        label("credit_code"),
        label("credit_code"),
        label("revenue"),
        label("tax_paid"),
        None,
        label("name"),
    ]
    assert label("credit_code") == "统一社会信用代码"


def test_text_cells_stay_text(written: Path) -> None:
    ws = openpyxl.load_workbook(written)["问题清单"]
    by_value = {ws.cell(row=r, column=11).value: ws.cell(row=r, column=11) for r in range(3, 11)}
    for text in ("=1+1", "@SUM(A1:A2)", "-12万", '=HYPERLINK("http://example.invalid","点我")'):
        cell = by_value[text]
        assert cell.data_type == "s"
        assert cell.number_format == "@"
    codes = [ws.cell(row=r, column=8) for r in range(3, 11)]
    assert codes[0].value == CODE
    assert all(c.number_format == "@" for c in codes)  # blank ones too: typed-in codes stay text
    filled = [c for c in codes if c.value is not None]
    assert len(filled) == 6
    assert all(c.data_type == "s" and isinstance(c.value, str) for c in filled)


def test_no_formula_in_the_xml(written: Path) -> None:
    xml = sheet_xml(written)
    sheets = [t for n, t in xml.items() if n.startswith("xl/worksheets/")]
    assert len(sheets) == 2
    for text in sheets:
        assert "<f>" not in text and "<f " not in text
    assert "=1+1" in sheets[0] and "=HYPERLINK(" in sheets[0]


def test_formula_like_title_and_messages_stay_text(issues: pd.DataFrame, tmp_path: Path) -> None:
    issues.loc[0, "message"] = "=cmd|' /C calc'!A0"
    issues.loc[1, "credit_code"] = "+8613800000000"
    path = write_issues_workbook(issues, tmp_path / "x.xlsx", title="=2+2")
    wb = openpyxl.load_workbook(path)
    ws = wb["问题清单"]
    assert ws["A1"].value == "=2+2" and ws["A1"].data_type == "s"
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "=cmd|' /C calc'!A0" in [c.value for c in cells]
    assert "+8613800000000" in [c.value for c in cells]
    assert all(c.data_type == "s" for c in cells)
    summary = [c for row in wb["汇总"].iter_rows() for c in row if isinstance(c.value, str)]
    assert all(c.data_type == "s" for c in summary)
    for text in sheet_xml(path).values():
        assert "<f>" not in text and "<f " not in text


def test_frozen_panes_autofilter_and_widths(written: Path) -> None:
    ws = openpyxl.load_workbook(written)["问题清单"]
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == "A2:K10"
    widths = {k: v.width for k, v in ws.column_dimensions.items()}
    # 统一社会信用代码: eight CJK characters count 16, the 18-digit codes 18
    assert widths["H"] == pytest.approx(20)
    # the longest message (18 CJK characters and two full-width brackets, 40) wraps at the
    # widest a message column may be, so that every column prints on one page width
    assert 20 <= widths["D"] <= WIDEST["问题说明"]
    assert all(6 <= w <= 60 for w in widths.values())


def test_severity_colours(written: Path) -> None:
    ws = openpyxl.load_workbook(written)["问题清单"]
    colours = {ws.cell(row=r, column=2).value: ws.cell(row=r, column=2).fill for r in range(3, 11)}
    assert colours["错误"].fill_type == "solid"
    assert colours["错误"].fgColor.rgb.endswith("FFC7CE")
    assert colours["提示"].fill_type == "solid"
    assert colours["提示"].fgColor.rgb.endswith("FFEB9C")
    assert colours["说明"].fill_type is None


def test_summary_counts_and_total(written: Path) -> None:
    ws = openpyxl.load_workbook(written)["汇总"]
    rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
    assert rows[0] == ("级别", "问题代码", "问题说明", "文件", "数量")
    # each kind of problem and file under its title from the catalog; a code not in it keeps
    # its message. One code in two files is two rows: each file's count is its own.
    title = {code: kind.title for code, kind in CATALOG.items()}
    assert rows[1] == ("错误", "bad-credit-code", title["bad-credit-code"], "tax.csv", 2)
    assert rows[2:8] == [
        ("错误", "duplicate-firm", title["duplicate-firm"], "land.xlsx", 1),
        ("错误", "missing-column", title["missing-column"], "tax.csv", 1),
        ("提示", "non-numeric-value", title["non-numeric-value"], "stats.xlsx", 1),
        ("提示", "non-numeric-value", title["non-numeric-value"], "tax.csv", 1),
        ("说明", "odd-name", "企业名称可疑", "stats.xlsx", 1),
        ("说明", "unknown-column", title["unknown-column"], "stats.xlsx", 1),
    ]
    assert rows[8] == ("合计", None, None, None, 8)
    assert len(rows) == 9
    assert ws.freeze_panes == "A2"


def test_same_issues_same_bytes(issues: pd.DataFrame, tmp_path: Path) -> None:
    a = write_issues_workbook(issues, tmp_path / "a" / "问题清单.xlsx")
    b = write_issues_workbook(issues.iloc[::-1].copy(), tmp_path / "b" / "问题清单.xlsx")
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as z:
        assert {i.date_time for i in z.infolist()} == {(2000, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert core.count("2000-01-01T00:00:00Z") == 2
    wb = openpyxl.load_workbook(a)
    assert wb.properties.created.year == wb.properties.modified.year == 2000


def test_written_atomically_and_replaces(issues: pd.DataFrame, tmp_path: Path) -> None:
    target = tmp_path / "问题清单.xlsx"
    target.write_bytes(b"old")
    assert write_issues_workbook(issues, str(target)) == target
    assert zipfile.is_zipfile(target)
    assert [p.name for p in tmp_path.iterdir()] == ["问题清单.xlsx"]


def test_empty_table(tmp_path: Path) -> None:
    path = write_issues_workbook(empty_issues(), tmp_path / "问题清单.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["问题清单"]
    assert [c.value for c in ws[2]] == HEADERS
    assert ws["A3"].value == "未发现数据问题"
    assert ws.max_row == 3
    assert ws.auto_filter.ref == "A2:K2"
    assert sorted(str(r) for r in ws.merged_cells.ranges) == ["A1:K1", "A3:K3"]
    rows = list(wb["汇总"].iter_rows(values_only=True))
    assert rows == [
        ("级别", "问题代码", "问题说明", "文件", "数量"),
        ("未发现数据问题", None, None, None, None),
        ("合计", None, None, None, 0),
    ]
    again = write_issues_workbook(empty_issues(), tmp_path / "again.xlsx")
    assert again.read_bytes() == path.read_bytes()


def test_awkward_text_round_trips(tmp_path: Path) -> None:
    long = "长" * 40_000
    values = ["<a & b>", "  前后空格  ", "两行\n文字", "响铃\x07字符", long, "\r回车", "#N/A"]
    issues = frame(
        [issue(code="odd", message="m", row=i + 1, value=v) for i, v in enumerate(values)]
    )
    path = write_issues_workbook(issues, tmp_path / "x.xlsx")
    ws = openpyxl.load_workbook(path)["问题清单"]
    got = [ws.cell(row=r, column=11) for r in range(3, 3 + len(values))]
    assert [c.value for c in got[:4]] == ["<a & b>", "  前后空格  ", "两行\n文字", "响铃\ufffd字符"]
    assert got[4].value == "长" * 32766 + "…"
    assert got[5].value == "\r回车"
    assert got[6].value == "#N/A" and got[6].data_type == "s"


def test_unknown_severity_and_missing_values(tmp_path: Path) -> None:
    issues = frame(
        [
            issue(code="x", message="m", severity="fatal", row=1),
            issue(code="y", message=None, severity="info", file=None, value=None),
        ]
    )
    rows = body(write_issues_workbook(issues, tmp_path / "x.xlsx"))
    assert [(r[1], r[2], r[3], r[4], r[10]) for r in rows] == [
        ("说明", "y", None, None, None),
        ("fatal", "x", "m", None, None),
    ]


def test_rows_across_chunks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(xlsx, "CHUNK", 3)
    n = 10
    issues = frame(
        [issue(code="c", message="m", file="f.csv", row=i + 2, value=str(i)) for i in range(n)]
    )
    path = write_issues_workbook(issues, tmp_path / "x.xlsx")
    rows = body(path)
    assert [r[0] for r in rows] == list(range(1, n + 1))
    assert [r[6] for r in rows] == list(range(2, n + 2))
    assert [r[10] for r in rows] == [str(i) for i in range(n)]
    assert openpyxl.load_workbook(path)["问题清单"].auto_filter.ref == f"A2:K{n + 2}"


def test_missing_columns_refused(issues: pd.DataFrame, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="credit_code"):
        write_issues_workbook(issues.drop(columns="credit_code"), tmp_path / "x.xlsx")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("n", [7, 8, 9, 20])
def test_issues_past_a_sheets_rows_go_on_to_more_sheets(
    n: int, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With sheets of 5 rows (title, header and 3 issues) no issue falls off: each is on
    exactly one of 问题清单, 问题清单2, …, numbered on, and every title says how it is split."""
    monkeypatch.setattr(xlsx, "SHEET_ROWS", 5)
    monkeypatch.setattr(xlsx, "CHUNK", 2)
    issues = frame(
        [issue(code="c", message="m", file="f.csv", row=i + 2, value=str(i)) for i in range(n)]
    )
    path = write_issues_workbook(issues, tmp_path / "x.xlsx")
    wb = openpyxl.load_workbook(path)
    pages = -(-n // 3)
    names = ["问题清单", *(f"问题清单{k}" for k in range(2, pages + 1))]
    assert wb.sheetnames == [*names, "汇总"]
    seen = []
    for k, name in enumerate(names):
        ws = wb[name]
        assert ws.max_row <= 5
        title = ws["A1"].value
        assert f"共{n}条" in title and f"本表为第{k + 1}个" in title
        rows = [r for r in ws.iter_rows(min_row=3, values_only=True) if r[0] is not None]
        assert len(rows) == min(3, n - 3 * k)
        assert ws.auto_filter.ref == f"A2:K{len(rows) + 2}"
        seen += rows
    assert [r[0] for r in seen] == list(range(1, n + 1))
    assert [r[10] for r in seen] == [str(i) for i in range(n)]
    summary = list(wb["汇总"].iter_rows(values_only=True))
    assert summary[-1][4] == n  # the total counts every issue


def test_result_workbook_issue_sheets_split_too(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(xlsx, "SHEET_ROWS", 4)
    rules = mujun.parse_rules(RULES_TEXT, file="t.toml")
    table = mujun.EnterpriseTable.from_frame(
        pd.DataFrame({"credit_code": [f"bad{i}" for i in range(7)], "name": "x"})
    )
    ev = mujun.evaluate(table, rules)
    path = write_internal_workbook(ev, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    issue_sheets = [s for s in wb.sheetnames if s.startswith("问题清单")]
    assert len(issue_sheets) == -(-len(ev.issues) // 2) > 1
    rows = [
        r
        for s in issue_sheets
        for r in wb[s].iter_rows(min_row=3, values_only=True)
        if r[0] is not None
    ]
    assert [r[0] for r in rows] == list(range(1, len(ev.issues) + 1))


def test_an_indicator_in_the_field_column_shows_its_label(tmp_path: Path) -> None:
    """blank-scored-zero and missing-indicator name an indicator in `field`: the clerk reads
    亩均税收, not tax_per_mu."""
    rows = frame([issue(code="blank-scored-zero", field="tax_per_mu", message="…")])
    path = write_issues_workbook(rows, tmp_path / "a.xlsx", labels={"tax_per_mu": "亩均税收"})
    assert [r[9] for r in body(path)] == ["亩均税收"]
    bare = write_issues_workbook(rows, tmp_path / "b.xlsx")
    assert [r[9] for r in body(bare)] == ["tax_per_mu"]  # without the rules: the code itself


def test_summary_puts_errors_before_more_frequent_warnings(tmp_path: Path) -> None:
    rows = frame(
        [issue(code="odd-name", file="a.csv", message="m", severity="info")] * 5
        + [issue(code="non-numeric-value", file="a.csv", message="m")] * 3
        + [issue(code="bad-credit-code", file="a.csv", message="m", severity="error")]
    )
    path = write_issues_workbook(rows, tmp_path / "s.xlsx")
    summary = list(openpyxl.load_workbook(path)["汇总"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[4]) for r in summary[:3]] == [("错误", 1), ("提示", 3), ("说明", 5)]
