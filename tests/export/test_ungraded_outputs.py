"""Firms a tier rule leaves ungraded (tier "U", 不定等级) and firms of a class too small to tier
(no tier, 未分档) appear in every output that labels or counts tiers: the result sheets and the
公示名单 show 不定等级, the 汇总 sheet, 报告.html and the Evaluation's summaries give both their
own column after the class's tiers, and every total adds up to the evaluated firms.

The county: class 大 (land ≥ 10 亩) has six firms; the one with revenue above 9000 is ungraded,
the other five are ranked by 亩均税收 and tiered A 40% / B 60% (cumulative 0.4×5 = 2 → A 2,
1.0×5 = 5 → B 3). Class 小 (land < 10 亩) has two firms and min_class_size = 3: both evaluated
without a tier. Evaluated: 6 + 2 = 8 = A 2 + B 3 + 不定等级 1 + 未分档 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from conftest import credit_code
from report_helpers import read_tables

import mujun
from mujun.engine.evaluation import COUNTY, UNTIERED, Evaluation
from mujun.export import write_run
from mujun.export.styles import OFF_ORDER_COLOUR

RULES = """mujun_rules = 1
name = "测试县亩均效益评价"
region = "测试县"
year = 2022

[[class]]
code = "big"
label = "大企业"
when = "land_mu >= 10"

  [[class.indicator]]
  code = "tax_per_mu"
  label = "亩均税收"
  unit = "万元/亩"
  formula = "tax_paid / land_mu"
  weight = 100
  score = { method = "ratio", benchmark = "pooled", cap = 1.5 }

  [class.tiers]
  method = "quota"
  shares = { A = 0.4, B = 0.6 }
  names = { A = "优先发展类", B = "鼓励提升类" }

  [[class.tiers.rule]]
  when = "revenue > 9000"
  ungraded = true
  reason = "重大项目建设期企业，不定等级"

[[class]]
code = "small"
label = "小企业"
when = "land_mu < 10"

  [[class.indicator]]
  code = "tax_per_mu"
  label = "亩均税收"
  unit = "万元/亩"
  formula = "tax_paid / land_mu"
  weight = 100
  score = { method = "ratio", benchmark = "pooled", cap = 1.5 }

  [class.tiers]
  method = "quota"
  shares = { A = 0.4, B = 0.6 }
  min_class_size = 3
"""
UNGRADED_NAME = "企业5"  # revenue 9999: 不定等级
U_TEXT = "U（不定等级）"


def county() -> pd.DataFrame:
    """Six firms of 20 亩 (taxes 60…10, the last ungraded) and two of 5 亩, in two parks."""
    land = [20.0] * 6 + [5.0] * 2
    tax = [60.0, 50.0, 40.0, 30.0, 20.0, 10.0, 8.0, 4.0]
    revenue = [3000.0] * 5 + [9999.0] + [500.0] * 2
    park = ["东区", "西区", "东区", "西区", "东区", "西区", "东区", "西区"]
    n = len(land)
    return pd.DataFrame(
        {
            "credit_code": [credit_code(300 + i) for i in range(n)],
            "name": [f"企业{i}" for i in range(n)],
            "year": 2022,
            "park": park,
            "industry_code": "3311",
            "land_owned_mu": land,
            "tax_paid": tax,
            "revenue": revenue,
            "value_added": [r * 0.3 for r in revenue],
        }
    )


@pytest.fixture(scope="module")
def ev() -> Evaluation:
    rules = mujun.parse_rules(RULES, file="test.toml")
    return mujun.evaluate(mujun.EnterpriseTable.from_frame(county()), rules)


@pytest.fixture(scope="module")
def run(ev: Evaluation, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_run(ev, tmp_path_factory.mktemp("run") / "out")


def rows(ws: Any) -> list[list[Any]]:
    """The sheet's values, headers unwrapped ('A\n（优先发展类）' → 'A（优先发展类）')."""
    return [
        [v.replace("\n", "") if isinstance(v, str) else v for v in r]
        for r in ws.iter_rows(values_only=True)
    ]


def table_after(ws: Any, heading: str) -> tuple[list[Any], list[list[Any]]]:
    """The header and the rows of the 汇总 table under `heading` (up to the next blank row)."""
    all_rows = rows(ws)
    at = next(i for i, r in enumerate(all_rows) if r and r[0] == heading)
    header = all_rows[at + 1]
    body = []
    for r in all_rows[at + 2 :]:
        if all(v is None or v == "" for v in r):
            break
        body.append(r)
    return header, body


def test_the_evaluation_counts_every_evaluated_firm(ev: Evaluation) -> None:
    tiers = ev.results.set_index("name")["tier"]
    assert tiers[UNGRADED_NAME] == "U"
    assert tiers[["企业6", "企业7"]].isna().all()
    assert ev.shown_tiers() == ["A", "B", "U", UNTIERED]
    assert ev.shown_tiers(ev.rules.classes[1]) == ["A", "B", UNTIERED]  # no U among 小
    table = ev.tier_table()
    assert table.loc["big", ["A", "B", "U"]].tolist() == [2, 3, 1]
    assert table.loc["big", "total"] == 6
    assert table.loc["small", UNTIERED] == 2
    assert table.loc["small", "total"] == 2
    summary = ev.summary("park").set_index("park")
    county_row = summary.loc[COUNTY]
    tiers_sum = sum(county_row[f"tier_{t}"] for t in ["A", "B", "U", UNTIERED])
    assert county_row["evaluated"] == 8 == tiers_sum
    for park in ("东区", "西区"):  # each park adds up too
        row = summary.loc[park]
        assert row["evaluated"] == sum(row[f"tier_{t}"] for t in ["A", "B", "U", UNTIERED])
    by_park = ev.tier_counts("park")
    assert by_park["firms"].sum() == 8
    assert by_park[(by_park["class"] == "big") & (by_park["tier"] == "U")]["firms"].sum() == 1


A_TEXT, B_TEXT = "A（优先发展类）", "B（鼓励提升类）"


def test_summary_sheet_has_the_columns_and_adds_up(run: Path) -> None:
    ws = openpyxl.load_workbook(run / "亩均效益评价结果_测试县_2022.xlsx")["汇总"]
    header, body = table_after(ws, "一、各评价类别分档结果（家）")
    assert header[:6] == ["评价类别", A_TEXT, B_TEXT, U_TEXT, UNTIERED, "合计"]
    by_label = {r[0]: r for r in body}
    assert by_label["大企业"][1:6] == [2, 3, 1, None, 6]  # 2 + 3 + 1 = 6
    assert by_label["小企业"][1:6] == [0, 0, None, 2, 2]
    header, body = table_after(ws, "二、各园区评价结果（家，各类别合计）")
    evaluated = header.index("参评")
    first = header.index(A_TEXT)
    assert header[first : first + 4] == [A_TEXT, B_TEXT, U_TEXT, UNTIERED]
    # 东区: 企业0 A, 企业2 B, 企业4 B, 企业6 未分档; 西区: 企业1 A, 企业3 B, 企业5 U, 企业7 未分档
    assert [r[evaluated : first + 4] for r in body] == [
        [4, 0, 0, 0, 1, 2, 0, 1],
        [4, 0, 0, 0, 1, 1, 1, 1],
        [8, 0, 0, 0, 2, 3, 1, 2],  # the county: 2 + 3 + 1 + 2 = 8
    ]
    header, body = table_after(ws, "三、各园区分类别分档结果（家）")
    assert [header[1], header[4]] == ["大企业", "小企业"]
    assert body[0][1:7] == ["A", "B", "不定等级", "A", "B", UNTIERED]
    assert [r[:7] for r in body[1:]] == [["东区", 1, 2, 0, 0, 0, 1], ["西区", 1, 1, 1, 0, 0, 1]]


def tier_cells(book: Path) -> dict[str, Any]:
    """The 评价类别 cell of each firm, by firm name, over the class sheets of a workbook."""
    out = {}
    for ws in openpyxl.load_workbook(book).worksheets:
        at = None
        for r in ws.iter_rows():
            values = [c.value for c in r]
            if "企业名称" in values and "评价类别" in values:
                at = (values.index("企业名称"), values.index("评价类别"))
            elif at and isinstance(values[at[0]], str) and values[at[0]].startswith("企业"):
                out[values[at[0]]] = r[at[1]]
    return out


@pytest.mark.parametrize("book", ["亩均效益评价结果_测试县_2022.xlsx", "公示名单_测试县_2022.xlsx"])
def test_result_sheets_and_publication_label_both(run: Path, book: str) -> None:
    cells = tier_cells(run / book)
    assert {n: c.value for n, c in cells.items()} == {
        "企业0": A_TEXT,
        "企业1": A_TEXT,
        "企业2": B_TEXT,
        "企业3": B_TEXT,
        "企业4": B_TEXT,
        UNGRADED_NAME: U_TEXT,
        "企业6": UNTIERED,
        "企业7": UNTIERED,
    }
    assert cells[UNGRADED_NAME].fill.fgColor.rgb.endswith(OFF_ORDER_COLOUR)


def test_report_shows_both(run: Path) -> None:
    page = read_tables(run / "报告.html")
    tables = [t for t in page.tables.values() if t["head"]]
    tiers = next(t for t in tables if t["head"][0][0] == "评价类别" and U_TEXT in t["head"][0])
    assert tiers["head"][0] == ["评价类别", A_TEXT, B_TEXT, U_TEXT, UNTIERED, "合计"]
    assert tiers["rows"] == [
        ["大企业", "2", "3", "1", "—", "6"],
        ["小企业", "0", "0", "—", "2", "2"],
    ]
    parks = next(t for t in tables if t["head"][0][:2] == ["园区", "企业数"])
    assert parks["head"][0][-4:] == [A_TEXT, B_TEXT, U_TEXT, UNTIERED]
    assert [r[-4:] for r in parks["rows"]] == [
        ["1", "2", "0", "1"],
        ["1", "1", "1", "1"],
        ["2", "3", "1", "2"],
    ]
    by_class = next(t for t in tables if len(t["head"]) == 2 and t["head"][0][0] == "")
    assert by_class["head"][1] == ["园区", "A", "B", "不定等级", "A", "B", UNTIERED]
    firms = {r[1]: r[9] for r in page.tables["firm-table"]["rows"]}
    assert [firms[UNGRADED_NAME], firms["企业6"], firms["企业0"]] == [U_TEXT, UNTIERED, A_TEXT]
