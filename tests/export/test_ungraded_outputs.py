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
    return [list(r) for r in ws.iter_rows(values_only=True)]


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


def find_book(run: Path, part: str) -> Path:
    return next(p for p in run.rglob("*.xlsx") if part in p.name and "问题清单" not in p.name)


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


def test_summary_sheet_has_the_columns_and_adds_up(run: Path) -> None:
    ws = openpyxl.load_workbook(find_book(run, "内部"))["汇总"]
    header, body = table_after(ws, "一、各评价类别分档结果（家）")
    assert header[:6] == ["评价类别", "A（优先发展类）", "B（鼓励提升类）", U_TEXT, UNTIERED, "合计"]
    by_label = {r[0]: r for r in body}
    assert by_label["大企业"][1:6] == [2, 3, 1, None, 6]
    assert by_label["小企业"][1:6] == [0, 0, None, 2, 2]
    header, body = table_after(ws, "二、各园区评价结果（家，各类别合计）")
    evaluated = header.index("参评")
    first = header.index("A（优先发展类）")
    assert header[first : first + 4] == ["A（优先发展类）", "B（鼓励提升类）", U_TEXT, UNTIERED]
    for r in body:  # every park and the county: the tiers add up to the evaluated firms
        assert r[evaluated] == sum(r[first : first + 4]), r
    assert body[-1][evaluated] == 8
    header, body = table_after(ws, "三、各园区分类别分档结果（家）")
    sub = rows(ws)[[r[0] for r in rows(ws)].index("三、各园区分类别分档结果（家）") + 2]
    assert sub[1:8] == ["A", "B", "不定等级", "A", "B", UNTIERED, None][: len(sub[1:8])]


def test_result_sheet_and_publication_label_ungraded(run: Path) -> None:
    for book in (find_book(run, "内部"), find_book(run, "公示")):
        wb = openpyxl.load_workbook(book)
        found = []
        for ws in wb.worksheets:
            for r in ws.iter_rows():
                names = [c.value for c in r]
                if UNGRADED_NAME in names:
                    texts = [c for c in r if c.value == U_TEXT]
                    found += texts
        assert found, book.name
        assert all(c.fill.fgColor.rgb.endswith(OFF_ORDER_COLOUR) for c in found)


def test_report_shows_both_columns(run: Path) -> None:
    page = read_tables(run / "报告.html")
    heads = [" ".join(h for row in t["head"] for h in row) for t in page.tables.values()]
    tier_table = next(
        (k, t) for k, t in page.tables.items() if t["head"] and t["head"][0][0] == "评价类别"
    )[1]
    assert tier_table["head"][0][1:6] == [
        "A（优先发展类）",
        "B（鼓励提升类）",
        U_TEXT,
        UNTIERED,
        "合计",
    ]
    big = next(r for r in tier_table["rows"] if r[0] == "大企业")
    assert big[1:6] == ["2", "3", "1", "", "6"] or big[1:4] == ["2", "3", "1"]
    assert any(UNTIERED in h and U_TEXT in h and "园区" in h for h in heads)
