"""What people see of an uncertainty analysis: stability.csv in DESIGN §7's columns, the 稳定性
sheet read back (headers, a firm's row, percentages, unstable firms highlighted), the report's
稳定性 section, and a run folder given a Stability (internal workbook and report only)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as hyp
from report_helpers import Tables
from stability_fixture import CHOICES, made_stability

import mujun
from mujun.engine.evaluation import Evaluation
from mujun.engine.stability import Stability
from mujun.errors import ExportError
from mujun.export.folder import write_run
from mujun.export.report import REPORT, render
from mujun.export.stability_folder import stability_workbook_name, write_stability_folder
from mujun.export.stability_sheet import (
    SHEET,
    most_influential,
    sensitivity_rows,
    write_stability_workbook,
)
from mujun.export.workbooks import county_summary, workbook_names
from mujun.sample.demo import DEMO_RULES, demo_files

DESIGN_COLUMNS = ["credit_code", "class", "tier", "p_A", "p_B", "p_C", "p_D"]
DESIGN_TAIL = ["modal_tier", "rank_p05", "rank_p95", "stable"]


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Evaluation, Stability]]:
    with demo_files() as files:
        ev = mujun.evaluate(mujun.read_sources(files, year=2022), mujun.load_rules(DEMO_RULES))
    yield ev, made_stability(ev)


def test_csv_has_designs_columns_one_probability_per_tier(
    demo: tuple[Evaluation, Stability], tmp_path: Path
) -> None:
    ev, st = demo
    st.to_csv(tmp_path / "stability.csv")
    raw = (tmp_path / "stability.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads the BOM as UTF-8
    back = pd.read_csv(tmp_path / "stability.csv", encoding="utf-8-sig", dtype={"tier": str})
    assert list(back.columns) == DESIGN_COLUMNS + DESIGN_TAIL
    tiers = {t for c in ev.rules.classes for t in c.tiers.order}
    assert {c[2:] for c in back.columns if c.startswith("p_")} == tiers
    assert len(back) == int(ev.results["tier"].isin(tiers).sum())
    p = back[[f"p_{t}" for t in "ABCD"]].to_numpy()
    np.testing.assert_allclose(p.sum(axis=1), 1.0)


@pytest.fixture(scope="module")
def sheet(demo: tuple[Evaluation, Stability], tmp_path_factory: pytest.TempPathFactory) -> object:
    _ev, st = demo
    path = tmp_path_factory.mktemp("sheet") / "s.xlsx"
    write_stability_workbook(st, path, title="测试县稳定性分析")
    return openpyxl.load_workbook(path)[SHEET]


def _rows(ws: object) -> list[tuple[object, ...]]:
    return list(ws.iter_rows(values_only=True))  # type: ignore[attr-defined]


def _find(rows: list[tuple[object, ...]], first: object) -> int:
    return next(i for i, r in enumerate(rows) if r[0] == first)


def test_sheet_says_what_was_sampled_and_how_to_read_it(sheet: object) -> None:
    rows = _rows(sheet)
    assert rows[0][0] == "测试县稳定性分析"
    text = "\n".join(str(r[0]) for r in rows[:4])
    assert "p_A" in text and "90%" in text and "5%至95%" in text and "敏感性指数" in text
    assert all(c in text for c in CHOICES)


def test_sheet_class_table(sheet: object, demo: tuple[Evaluation, Stability]) -> None:
    _ev, st = demo
    rows = _rows(sheet)
    at = _find(rows, "类别")
    assert rows[at][2:4] == ("有档次的企业", "稳定")
    first = st.classes.iloc[0]
    # made_stability: every third firm unstable; classes in the results' order
    assert rows[at + 1][0] == first["label"]
    assert rows[at + 1][2] == first["firms"] and rows[at + 1][3] == first["stable"]
    assert rows[at + 1][4] == pytest.approx(first["stable"] / first["firms"])


def test_sheet_sensitivity_sorted_by_tier_change(sheet: object) -> None:
    rows = _rows(sheet)
    at = _find(rows, "抽样内容")
    labels = [rows[at + k][0] for k in (1, 2, 3)]
    # the fixture's S1 for tier change: weight 0.55 > benchmark 0.1 > cap 0.02
    assert labels[0].endswith("权重") and labels[1:] == ["基准值统计量", "封顶"]
    assert rows[at + 1][4] == 0.55 and rows[at + 1][6] == 0.6
    assert rows[at + 2][2] == "全部类别"  # a choice that is no class's own


def test_sheet_firm_rows_percentages_and_highlight(
    sheet: object, demo: tuple[Evaluation, Stability]
) -> None:
    _ev, st = demo
    rows = _rows(sheet)
    at = _find(rows, "统一社会信用代码")
    assert rows[at] == (
        "统一社会信用代码",
        "企业名称",
        "园区",
        "类别",
        "档次",
        "排名",
        "p_A",
        "p_B",
        "p_C",
        "p_D",
        "众数档次",
        "排名区间（5%–95%）",
        "稳定性",
    )
    ws = sheet
    firm = st.firms.iloc[2]  # the fixture's first unstable firm: 0.6 own tier, 0.4 next down
    row = rows[at + 1 + 2]
    assert row[0] == firm["credit_code"] and row[4] == firm["tier"]
    own = 6 + "ABCD".index(firm["tier"])
    assert row[own] == pytest.approx(0.6)
    assert row[12] == "不稳定"
    assert row[11] == f"{int(firm['rank_p05'])}–{int(firm['rank_p95'])}"
    excel_row = at + 1 + 2 + 1
    cell = ws.cell(excel_row, own + 1)  # type: ignore[attr-defined]
    assert cell.number_format == "0.0%"
    assert cell.fill.fgColor.rgb.endswith("FFEB9C")  # amber: unstable
    stable_cell = ws.cell(excel_row - 2, 1)  # type: ignore[attr-defined]
    assert rows[at + 1][12] == "稳定" and not stable_cell.fill.fgColor.rgb.endswith("FFEB9C")
    assert len(rows) - at - 1 == len(st.firms)
    assert ws.print_title_rows == f"${at + 1}:${at + 1}"  # type: ignore[attr-defined]
    assert ws.auto_filter.ref.startswith(f"A{at + 1}:")  # type: ignore[attr-defined]


def test_sheet_freezes_its_firm_header_when_the_top_is_short(
    demo: tuple[Evaluation, Stability], tmp_path: Path
) -> None:
    _ev, st = demo
    write_stability_workbook(st, tmp_path / "s.xlsx", title="t")
    ws = openpyxl.load_workbook(tmp_path / "s.xlsx")[SHEET]
    header = _find(_rows(ws), "统一社会信用代码") + 1  # 1-based row
    assert ws.freeze_panes == f"C{header + 1}"
    assert ws.page_setup.orientation == "landscape"


def test_most_influential_and_sorting_with_missing_indices(
    demo: tuple[Evaluation, Stability],
) -> None:
    _ev, st = demo
    assert most_influential(st).endswith("权重")  # type: ignore[union-attr]
    s = st.sensitivity.copy()
    s.loc[0, "s1_tier"] = np.nan
    other = Stability(st.firms, st.classes, s, st.samples, st.seed)
    assert [r[0] for r in sensitivity_rows(other, {})][-1] == "基准值统计量"  # NaN last


def test_report_section(demo: tuple[Evaluation, Stability]) -> None:
    ev, st = demo
    html = render(ev, {"status": "试评价"}, county_summary(ev), lines=ev.tier_lines(), stability=st)
    assert 'href="#stability"' in html and '<section id="stability">' in html
    parsed = Tables()
    parsed.feed(html)
    classes = parsed.tables["stability-classes"]
    assert classes["head"][0] == ["类别", "有档次的企业", "稳定", "稳定占比"]
    first = st.classes.iloc[0]
    assert classes["rows"][0][:3] == [first["label"], f"{first['firms']:,}", str(first["stable"])]
    sens = parsed.tables["stability-sensitivity"]["rows"]
    assert sens[0][2] == "0.550" and sens[1][0] == "基准值统计量"
    assert html.count('class="seg"') >= 2  # bars of the unstable firms
    plain = render(ev, {"status": "试评价"}, county_summary(ev), lines=ev.tier_lines())
    assert 'id="stability"' not in plain


def test_run_folder_with_a_stability(demo: tuple[Evaluation, Stability], tmp_path: Path) -> None:
    ev, st = demo
    out = write_run(ev, tmp_path / "run", stability=st)
    record = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "stability.csv" in record["files"] and record["files"][-1] == "manifest.json"
    assert "stability.csv" in record["sha256"]
    assert record["uncertainty"]["samples"] == st.samples
    internal, public = workbook_names(ev)
    assert SHEET in openpyxl.load_workbook(out / internal, read_only=True).sheetnames
    assert SHEET not in openpyxl.load_workbook(out / public, read_only=True).sheetnames
    park = next((out / "parks").glob("*.xlsx"))
    assert SHEET not in openpyxl.load_workbook(park, read_only=True).sheetnames
    assert '<section id="stability">' in (out / REPORT).read_text(encoding="utf-8")
    park_page = next((out / "parks").glob("*.html")).read_text(encoding="utf-8")
    assert 'id="stability"' not in park_page  # it names firms of every park


def test_stability_folder_is_replaced_by_the_next_analysis(
    demo: tuple[Evaluation, Stability], tmp_path: Path
) -> None:
    ev, st = demo
    out = tmp_path / "u"
    write_stability_folder(ev, st, out)
    names = sorted(p.name for p in out.iterdir())
    record = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(record["files"]) == names
    assert stability_workbook_name(ev) in names
    write_stability_folder(ev, st, out)  # an earlier analysis is replaced
    (out / "用户的笔记.txt").write_text("留着", encoding="utf-8")
    with pytest.raises(ExportError, match="用户的笔记"):  # a user's file is never deleted
        write_stability_folder(ev, st, out)
    assert (out / "用户的笔记.txt").read_text(encoding="utf-8") == "留着"


def test_sheet_names_the_key_as_the_rules_do(
    demo: tuple[Evaluation, Stability], tmp_path: Path
) -> None:
    _ev, st = demo
    write_stability_workbook(st, tmp_path / "k.xlsx", title="t", key_label="国家代码")
    rows = _rows(openpyxl.load_workbook(tmp_path / "k.xlsx")[SHEET])
    at = _find(rows, "国家代码")
    assert rows[at][1] == "企业名称" and rows[at + 1][0] == st.firms["credit_code"].iloc[0]


@given(
    st_values=hyp.lists(
        hyp.tuples(
            hyp.one_of(hyp.floats(0, 1), hyp.just(float("nan"))),
            hyp.floats(0, 1),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_sensitivity_rows_sorted_every_choice_once(st_values: list[tuple[float, float]]) -> None:
    """Whatever the indices: each choice once, by S1 for tier change (then rank) descending,
    a missing index last."""
    n = len(st_values)
    sens = pd.DataFrame(
        {
            "factor": [f"f{i}" for i in range(n)],
            "label": [f"设定{i}" for i in range(n)],
            "class": [pd.NA] * n,
            "s1_tier": [t for t, _ in st_values],
            "s1_rank": [r for _, r in st_values],
        }
    )
    empty = pd.DataFrame({"class": [], "label": []})
    rows = sensitivity_rows(Stability(empty, empty, sens, 1, 1), {})
    assert sorted(r[0] for r in rows) == sorted(sens["label"])
    keys = [(-1.0 if np.isnan(r[2]) else r[2], r[3]) for r in rows]
    assert keys == sorted(keys, reverse=True)
