"""The key column is named by `[input] key_label` in what a person reads: the internal workbook
(class sheet, 免评与暂缓, 问题清单), the publication list, the issue workbook, the report and a
告知书; the machine files (results.csv) keep the column `credit_code`."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from conftest import RULES_TEXT
from countries import YEAR, country_csv, country_rules, read_countries

from mujun import evaluate, parse_rules
from mujun.engine.evaluation import Evaluation
from mujun.export import write_issues_workbook
from mujun.export.folder import write_run
from mujun.export.notice import write_notices
from mujun.export.template import GUIDE_SHEET, build_workbook, write_template
from mujun.export.workbooks import workbook_names

KEY = "国家代码"
CREDIT = "统一社会信用代码"


@pytest.fixture(scope="module")
def ev(tmp_path_factory: pytest.TempPathFactory) -> Evaluation:
    """The six countries and one row without a key (rejected: it is on 免评与暂缓)."""
    rules = country_rules()
    path = country_csv(tmp_path_factory.mktemp("in") / "iData.csv", [["", "Nowhere", YEAR, 3]])
    return evaluate(read_countries([path], rules), rules)


def header_cells(path: Path) -> dict[str, set[str]]:
    """Every text cell of each sheet's first five rows (title, notes and the header)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    out = {}
    for ws in wb.worksheets:
        cells = {str(c) for row in ws.iter_rows(max_row=5, values_only=True) for c in row if c}
        out[ws.title] = cells
    wb.close()
    return out


@pytest.fixture(scope="module")
def run(ev: Evaluation, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_run(ev, tmp_path_factory.mktemp("out") / "run")


def test_the_internal_workbook_names_the_key_by_its_label(ev: Evaluation, run: Path) -> None:
    internal, _ = workbook_names(ev)
    sheets = header_cells(run / internal)
    for name in ("互联互通指数", "免评与暂缓", "问题清单"):
        assert KEY in sheets[name], name
    assert not any(CREDIT in cells for cells in sheets.values())


def test_the_publication_list_names_the_key_by_its_label(ev: Evaluation, run: Path) -> None:
    _, public = workbook_names(ev)
    sheets = header_cells(run / public)
    assert KEY in sheets["互联互通指数"]
    assert not any(CREDIT in cells for cells in sheets.values())


def test_the_report_and_the_issue_workbook_name_the_key(run: Path) -> None:
    page = (run / "报告.html").read_text(encoding="utf-8")
    assert f">{KEY}<" in page and CREDIT not in page
    sheets = header_cells(run / "问题清单.xlsx")
    assert KEY in sheets["问题清单"] and CREDIT not in sheets["问题清单"]
    issue_rows = openpyxl.load_workbook(run / "问题清单.xlsx")["问题清单"]
    messages = {str(c.value) for c in issue_rows["D"] if c.value}
    assert "缺少国家代码" in messages


def test_the_machine_files_keep_the_column_credit_code(run: Path) -> None:
    with (run / "results.csv").open(encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle))
    assert header[0] == "credit_code"


def test_check_writes_the_label_given_the_rules(ev: Evaluation, tmp_path: Path) -> None:
    path = write_issues_workbook(
        ev.issues, tmp_path / "问题.xlsx", names=ev.results, rules=ev.rules
    )
    assert KEY in header_cells(path)["问题清单"]
    plain = write_issues_workbook(ev.issues, tmp_path / "问题2.xlsx", names=ev.results)
    assert CREDIT in header_cells(plain)["问题清单"]  # no rules given: the credit code's name


def test_a_notice_names_the_key_by_its_label(ev: Evaluation, tmp_path: Path) -> None:
    path = write_notices(ev, [ev.explain("BEL")], tmp_path / "告知书.xlsx")
    cells = {c for cells in header_cells(path).values() for c in cells}
    assert any(f"（{KEY}：BEL）" in c for c in cells)


def test_the_template_asks_for_the_key_column_and_reads_back(tmp_path: Path) -> None:
    """The 数据采集表 of rules with `key = "uCode"` heads its key column uCode (the header the
    rules read), checks no 18 characters under key_check none, and its filled copy is read."""
    rules = country_rules()
    path = write_template(rules, tmp_path / "采集表.xlsx", rows=10)
    wb = openpyxl.load_workbook(path)
    data = wb.worksheets[0]
    assert data["A2"].value == "uCode"
    assert not any("A3" in str(v.sqref) for v in data.data_validations.dataValidation)
    guide = " ".join(
        str(c) for row in wb[GUIDE_SHEET].iter_rows(values_only=True) for c in row if c
    )
    assert "18位" not in guide and CREDIT not in guide
    headers = [c.value for c in data[2]]
    for r, (code, name, flights) in enumerate([("AUT", "Austria", 10), ("BEL", "Belgium", 20)]):
        for c, value in enumerate(headers, start=1):
            cell = {"uCode": code, "企业名称": name, "国际航班座位数": flights}.get(str(value))
            data.cell(row=3 + r, column=c, value=cell)
    wb.save(path)
    table = read_countries([path], rules)
    assert table.frame["credit_code"].tolist() == ["AUT", "BEL"]
    assert table.frame["flights"].tolist() == [10, 20]


def test_the_template_of_firms_asks_for_the_credit_code() -> None:
    wb = build_workbook(parse_rules(RULES_TEXT))
    data = wb.worksheets[0]
    assert data["A2"].value == CREDIT
    assert any("A3" in str(v.sqref) for v in data.data_validations.dataValidation)
