"""The result workbooks (DESIGN §6): the internal workbook, the publication list (公示名单) and one
workbook per park; the Evaluation summaries they show; sheet and file names; CSV neutralising.

Every expectation is taken from `Evaluation.results` / `column` / `issues`, never hard-coded.
The evaluation is the shipped 固镇 rules (two classes, a percent indicator, a [publication]
table) over a small synthetic county, with hostile firm names, a park whose name is not a safe
file name, firms without a park, a rejected firm and corrections.
"""

from __future__ import annotations

import csv
import json
import posixpath
import re
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import credit_code
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.utils import get_column_letter, range_boundaries

import mujun
from mujun.engine.evaluation import COUNTY, MISSING_GROUP, Evaluation
from mujun.export import styles, xlsx
from mujun.export.names import FILE_BYTES, FILE_LIMIT, SHEET_LIMIT, file_stems, sheet_names
from mujun.export.publication import write_publication
from mujun.export.result_sheets import OUTSIDE_SHEET, STATUS_LABELS
from mujun.export.tables import neutralise, write_csv, write_parquet
from mujun.export.workbooks import (
    ISSUE_SHEET,
    park_files,
    workbook_names,
    write_internal_workbook,
    write_workbooks,
)
from mujun.rules.adjust import uses_multipliers
from mujun.sample.synthetic import county_frame

ROOT = Path(__file__).resolve().parents[2]
GUZHEN = ROOT / "rules" / "anhui-guzhen-2022.toml"
YEAR = 2022
HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "@SUM(A1)", "-2+3"]
PARKS = {  # the synthetic county's parks → the parks of these tests (None: no park given)
    "蚌埠铜陵现代产业园": "东区",
    "湖沟镇": "东区",
    "固镇经济开发区": "A/B:园区",
    "王庄镇": "西区",
    "连城镇": None,
}
HOSTILE_PARKS = ["东区", "A/B:园区", None, "西区"]  # rows 0–3 carry the hostile names
REJECTED, NEGATIVE, CORRECTED, WRONG_YEAR = 4, 5, 6, 7  # rows planted for one purpose each
ABSENT = credit_code(12345)  # a valid code no firm has: its correction matches nothing
FIXED_SHEETS = ["说明", "汇总", OUTSIDE_SHEET, ISSUE_SHEET]
FORBIDDEN_SHEET_CHARS = set("[]:*?/\\")
FORBIDDEN_FILE_CHARS = set('[]:*?/\\<>|"')


# ---- building evaluations ----------------------------------------------------------------------


def county(n: int, seed: int = 7) -> pd.DataFrame:
    """A synthetic county with the parks of PARKS and the planted rows described above."""
    f = county_frame(n, YEAR, seed)
    f["park"] = f["park"].map(PARKS).astype(object)
    planted = [*range(4), NEGATIVE, CORRECTED, WRONG_YEAR]
    f.loc[planted, "above_scale"] = True
    f.loc[planted, "established"] = pd.Timestamp("2000-01-01")
    f.loc[planted, "industry_code"] = "3311"
    f.loc[planted, ["land_owned_mu", "land_leased_mu", "land_let_mu"]] = [20.0, 0.0, 0.0]
    f.loc[planted, "revenue"] = 3000.0
    f.loc[planted, "tax_paid"] = 60.0
    for i, (name, park) in enumerate(zip(HOSTILE, HOSTILE_PARKS, strict=True)):
        f.loc[i, ["name", "park"]] = [name, park]
    f.loc[REJECTED, ["land_owned_mu", "land_leased_mu", "land_let_mu"]] = [0.0, 0.0, 0.0]
    f.loc[REJECTED, "park"] = "A/B:园区"
    f.loc[NEGATIVE, ["tax_paid", "park"]] = [-5.0, "东区"]
    f.loc[CORRECTED, "park"] = "东区"
    f.loc[WRONG_YEAR, "park"] = "西区"
    return f


def corrections(frame: pd.DataFrame) -> pd.DataFrame:
    """One correction applied, one for the wrong year of a firm, one for a firm not in the data."""
    return pd.DataFrame(
        {
            "统一社会信用代码": [
                frame.at[CORRECTED, "credit_code"],
                frame.at[WRONG_YEAR, "credit_code"],
                ABSENT,
            ],
            "年度": [YEAR, YEAR - 1, YEAR],
            "字段": ["tax_paid"] * 3,
            "新值": [77, 1, 1],
            "原因": ["漏计税收", "年度填错", "无此企业"],
            "申诉编号": ["YS-1", "YS-2", "YS-3"],
            "审批人": ["张三"] * 3,
        }
    )


def evaluate(
    frame: pd.DataFrame, rules: mujun.Rules | None = None, fixes: pd.DataFrame | None = None
) -> Evaluation:
    """The frame evaluated under `rules` (固镇 unless given) after `fixes` (its corrections)."""
    fixes = corrections(frame) if fixes is None else fixes
    table = mujun.apply_corrections(mujun.EnterpriseTable.from_frame(frame), fixes)
    return mujun.evaluate(table, rules or mujun.load_rules(GUZHEN))


def own_issues(ev: Evaluation, mine: np.ndarray) -> np.ndarray:
    """The issues of the rows `mine`: those naming one of their credit codes, and those without
    a code located at one of their rows (file, sheet and spreadsheet row)."""
    code = ev.issues["credit_code"].astype("string").fillna("")
    own_codes = set(ev.results["credit_code"][mine].dropna())
    places = set(map(tuple, ev.table.origin[mine].astype(str).to_numpy().tolist()))
    located = ev.issues[["file", "sheet", "row"]].astype(str).to_numpy().tolist()
    at_row = np.array([tuple(x) in places for x in located], dtype=bool)
    return ((code != "") & code.isin(own_codes)).to_numpy() | ((code == "").to_numpy() & at_row)


def park_keys(ev: Evaluation) -> np.ndarray:
    """Each row's park as `Evaluation.groups('park')` names it."""
    return ev.results["park"].astype("string").fillna(MISSING_GROUP).to_numpy(dtype=object)


def class_rows(ev: Evaluation, code: str) -> pd.DataFrame:
    """A class's evaluated rows in the order of its sheet: by rank, then credit code; with the
    row's land as evaluated."""
    res = ev.results.assign(_land=ev.column("land_mu"))
    rows = res[(res["class"] == code) & (res["status"] == "evaluated")]
    return rows.sort_values(["rank", "credit_code"], kind="stable").reset_index(drop=True)


def class_sheet_names(rules: mujun.Rules) -> list[str]:
    return sheet_names((c.label for c in rules.classes), taken=FIXED_SHEETS)


# ---- reading workbooks -------------------------------------------------------------------------


def values(ws: Any, first_row: int) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in ws.iter_rows(min_row=first_row, values_only=True)]


def headers(ws: Any, top: int, two_levels: bool) -> dict[tuple[str, str | None], int]:
    """(top, sub) header → column number; a merged top cell names the columns to its right."""
    out: dict[tuple[str, str | None], int] = {}
    current = None
    for col in range(1, ws.max_column + 1):
        # a header's unit may stand on a line of its own: a reader sees the words
        head = _words(ws.cell(top, col).value)
        sub = _words(ws.cell(top + 1, col).value) if two_levels else None
        if head is not None:
            current = head
        if head is None and sub is None:
            continue
        out[(current, sub)] = col
    return out


def _words(value: Any) -> Any:
    return value.replace("\n", "") if isinstance(value, str) else value


def is_missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and np.isnan(x))


def same_number(cell: Any, expected: Any) -> bool:
    if is_missing(expected) or pd.isna(expected):
        return cell is None
    return cell is not None and cell == pytest.approx(float(expected), rel=1e-12, abs=1e-12)


def xml_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n.endswith((".xml", ".rels"))}


def xml_strings(path: Path) -> list[str]:
    """Every text node and attribute value of every XML part (character references decoded)."""
    out: list[str] = []
    for data in xml_parts(path).values():
        for el in ElementTree.fromstring(data).iter():
            out += [t for t in (el.text, el.tail) if t and t.strip()]
            out += list(el.attrib.values())
    return out


def sheet_parts(path: Path) -> dict[str, str]:
    """Sheet name → its part in the zip, as the workbook's relationships say."""
    parts = xml_parts(path)
    ns = {
        "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    }
    rels = relationships(parts, "xl/workbook.xml")
    book = ElementTree.fromstring(parts["xl/workbook.xml"])
    return {
        s.get("name"): rels[s.get(f"{{{ns['r']}}}id")] for s in book.findall("m:sheets/m:sheet", ns)
    }


def relationships(parts: dict[str, bytes], part: str) -> dict[str, str]:
    """Relationship id → target part (absolute within the zip) of `part`."""
    folder, name = posixpath.split(part)
    rels = parts.get(posixpath.join(folder, "_rels", name + ".rels"))
    if rels is None:
        return {}
    out = {}
    for rel in ElementTree.fromstring(rels):
        target = rel.get("Target")
        full = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        out[rel.get("Id")] = posixpath.normpath(full)
    return out


def all_cells(path: Path) -> list[Any]:
    """Every cell value of every sheet, hidden ones included."""
    wb = openpyxl.load_workbook(path)
    assert not wb.chartsheets
    return [c for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row]


# ---- fixtures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    ev: Evaluation
    frame: pd.DataFrame
    out: Path
    paths: list[Path]
    told: list[str]

    @property
    def internal(self) -> Path:
        return self.out / workbook_names(self.ev)[0]

    @property
    def public(self) -> Path:
        return self.out / workbook_names(self.ev)[1]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Written:
    frame = county(240)
    ev = evaluate(frame)
    out = tmp_path_factory.mktemp("books")
    told: list[str] = []
    paths = write_workbooks(ev, out, progress=told.append)
    return Written(ev, frame, out, paths, told)


@pytest.fixture(scope="module")
def internal(written: Written) -> openpyxl.Workbook:
    return openpyxl.load_workbook(written.internal)


# ---- 1. structure ------------------------------------------------------------------------------


def test_files_written_and_named(written: Written) -> None:
    ev = written.ev
    region, year = ev.rules.region, ev.rules.year
    assert workbook_names(ev) == (
        f"亩均效益评价结果_{region}_{year}.xlsx",
        f"公示名单_{region}_{year}.xlsx",
    )
    parks = park_files(ev)
    assert set(parks) == set(ev.groups("park")) == {"东区", "西区", "A/B:园区", MISSING_GROUP}
    expected = [written.internal, written.public, *(written.out / p for p in parks.values())]
    assert written.paths == expected
    assert all(p.is_file() for p in expected)
    assert written.told == [p.relative_to(written.out).as_posix() for p in expected]
    files = sorted(p.relative_to(written.out).as_posix() for p in written.out.rglob("*"))
    assert files == sorted(["parks", *(p.relative_to(written.out).as_posix() for p in expected)])


def test_internal_workbook_sheets_in_order(written: Written, internal: Any) -> None:
    rules = written.ev.rules
    assert internal.sheetnames == [
        "说明",
        "汇总",
        *class_sheet_names(rules),
        OUTSIDE_SHEET,
        "问题清单",
    ]
    assert class_sheet_names(rules) == [c.label for c in rules.classes]  # already valid names
    assert all(ws.sheet_state == "visible" for ws in internal.worksheets)
    assert internal["说明"]["C2"].value == "内部版"


def test_class_labels_become_valid_unique_sheet_names(tmp_path: Path) -> None:
    text = GUZHEN.read_text(encoding="utf-8")
    text = text.replace('label = "规上工业企业"', 'label = "汇总"').replace(
        'label = "规下工业企业（用地5亩及以上）"',
        'label = "规下/小微:企业[5亩*以上]?' + "长" * 30 + '"',
    )
    rules = mujun.parse_rules(text, file="labels.toml")
    ev = evaluate(county(60, seed=3), rules)
    path = write_workbooks(ev, tmp_path, parks=False, publication=False)[0]
    names = openpyxl.load_workbook(path).sheetnames
    assert names[:2] == ["说明", "汇总"]
    assert names[2] == "汇总（2）"
    odd = names[3]
    assert len(odd) <= SHEET_LIMIT and not FORBIDDEN_SHEET_CHARS & set(odd)
    assert odd.startswith("规下＿小微＿企业＿5亩＿以上＿＿")
    assert names[4:] == [OUTSIDE_SHEET, "问题清单"]


def test_bad_run_status_is_refused(written: Written, tmp_path: Path) -> None:
    with pytest.raises(mujun.ExportError, match=r"评价状态须为.*定稿"):
        write_workbooks(written.ev, tmp_path, status="定稿")
    assert not list(tmp_path.iterdir())


# ---- 2. class sheets ---------------------------------------------------------------------------


def test_class_sheet_rows_by_rank_with_identity(written: Written, internal: Any) -> None:
    ev = written.ev
    for klass, name in zip(ev.rules.classes, class_sheet_names(ev.rules), strict=True):
        ws = internal[name]
        expect = class_rows(ev, klass.code)
        assert len(expect) > 20
        head = headers(ws, 3, two_levels=True)
        body = values(ws, 5)
        assert len(body) == len(expect)
        col = {
            h: head[(h, None)] - 1
            for h in ("序号", "统一社会信用代码", "企业名称", "园区", "行业代码")
        }
        assert [r[col["序号"]] for r in body] == list(range(1, len(expect) + 1))
        assert [r[col["统一社会信用代码"]] for r in body] == expect["credit_code"].tolist()
        assert [r[col["企业名称"]] for r in body] == expect["name"].tolist()
        parks = [None if pd.isna(p) else p for p in expect["park"]]
        assert [r[col["园区"]] for r in body] == parks
        assert [r[col["行业代码"]] for r in body] == expect["industry_code"].tolist()
        assert expect["rank"].is_monotonic_increasing
        for r in range(5, 5 + len(expect)):
            code = ws.cell(r, col["统一社会信用代码"] + 1)
            assert code.data_type == "s" and code.number_format == "@"
            assert isinstance(code.value, str) and len(code.value) == 18


def test_class_sheet_columns_hold_results_in_their_formats(written: Written, internal: Any) -> None:
    """Each result column is in the sheet, found by its content, in its number format."""
    ev = written.ev
    for klass, name in zip(ev.rules.classes, class_sheet_names(ev.rules), strict=True):
        ws = internal[name]
        expect = class_rows(ev, klass.code)
        n = len(expect)
        columns = list(ws.iter_cols(min_row=5, max_row=4 + n))

        def holding(values: pd.Series, columns: list[Any] = columns) -> list[Any]:
            found = [c for c in columns if all(map(same_number, [x.value for x in c], values))]
            assert found, f"no column holds {values.name}"
            return found

        wanted = {"_land": styles.MONEY, "total_score": styles.SCORE, "rank": styles.INTEGER}
        for ind in klass.indicators:
            wanted[f"value_{ind.code}"] = styles.PERCENT if ind.percent else styles.MONEY
            wanted[f"score_{ind.code}"] = styles.SCORE
        for column, fmt in wanted.items():
            formats = [{c.number_format for c in cells} for cells in holding(expect[column])]
            # (two columns may hold the same numbers, e.g. 序号 and 排名 without ties)
            assert formats == [{fmt}] if len(formats) == 1 else {fmt} in formats, column
        assert any(i.percent for i in ev.rules.classes[0].indicators)
        rank = holding(expect["rank"])[0]
        assert all(type(c.value) is int for c in rank)


def test_class_sheet_cells_under_each_header_match_results(written: Written, internal: Any) -> None:
    """Every figure sits under its own header (the two-level header of each indicator)."""
    ev = written.ev
    for klass, name in zip(ev.rules.classes, class_sheet_names(ev.rules), strict=True):
        ws = internal[name]
        expect = class_rows(ev, klass.code)
        head = headers(ws, 3, two_levels=True)
        assert len(head) == ws.max_column

        def cells(
            key: tuple[str, str | None], ws: Any = ws, head: Any = head, n: int = len(expect)
        ) -> list[Any]:
            return [ws.cell(r, head[key]) for r in range(5, 5 + n)]

        identity = ["序号", "统一社会信用代码", "企业名称", "园区", "行业代码", "用地面积（亩）"]
        assert [_words(ws.cell(3, i).value) for i in range(1, 7)] == identity
        checks = {
            ("用地面积（亩）", None): ("_land", styles.MONEY),
            **({("加减分", None): ("adjust_points", styles.SCORE)} if klass.adjust else {}),
            **(
                {("修正系数", None): ("multiplier", styles.COEFFICIENT)}
                if uses_multipliers(klass)
                else {}
            ),
            ("综合得分", None): ("total_score", styles.SCORE),
            ("排名", None): ("rank", styles.INTEGER),
        }
        for ind in klass.indicators:
            unit = "%" if ind.percent else ind.unit
            fmt = styles.PERCENT if ind.percent else styles.MONEY
            checks[(ind.label, f"数值（{unit}）")] = (f"value_{ind.code}", fmt)
            checks[(ind.label, f"得分（权重{ind.weight:g}）")] = (f"score_{ind.code}", styles.SCORE)
        for key, (column, fmt) in checks.items():
            got = cells(key)
            assert all(map(same_number, [c.value for c in got], expect[column])), key
            assert {c.number_format for c in got} == {fmt}, key
        tiers = expect["tier"].map(lambda t, k=klass: styles.tier_text(t, k.tiers.names))
        assert [c.value for c in cells(("评价类别", None))] == tiers.tolist()


def expect_remarks(ev: Evaluation, klass: str) -> bool:
    """Whether some evaluated firm of the class has a tier reason other than quota/threshold."""
    rows = class_rows(ev, klass)
    return bool(
        (~rows["tier_reason"].isin(["quota", "threshold"]) & rows["tier_reason"].notna()).any()
    )


def test_class_sheet_frame(written: Written, internal: Any) -> None:
    """Title and note rows, the two-level header, autofilter, print setup, tier colours."""
    ev = written.ev
    for klass, name in zip(ev.rules.classes, class_sheet_names(ev.rules), strict=True):
        ws = internal[name]
        n = len(class_rows(ev, klass.code))
        remarks = expect_remarks(ev, klass.code)
        columns = bool(klass.adjust) + uses_multipliers(klass)  # 加减分, 修正系数
        n_headers = 6 + 2 * len(klass.indicators) + columns + 3 + remarks
        last = get_column_letter(n_headers)
        assert ws.max_column == n_headers
        assert _words(ws.cell(3, n_headers).value) == ("备注" if remarks else "评价类别")
        merged = {str(r) for r in ws.merged_cells.ranges}
        # title and notes over the first page width (all columns when the sheet is not split;
        # right of the repeated 序号, code and name when it is, so no page width shows them cut)
        breaks = [b.id for b in ws.col_breaks.brk]
        first = get_column_letter(breaks[0] if breaks else n_headers)
        start = "D" if breaks else "A"
        assert ws[f"{start}1"].value.endswith(f"{klass.label}亩均效益评价结果")
        assert ws[f"{start}2"].value.startswith("评价状态：试评价")
        spans = {f"{start}1:{first}1", f"{start}2:{first}2", "A3:A4", "B3:B4", f"{last}3:{last}4"}
        assert spans <= merged
        for k, ind in enumerate(klass.indicators):
            left, right = get_column_letter(7 + 2 * k), get_column_letter(8 + 2 * k)
            assert f"{left}3:{right}3" in merged
            assert ws[f"{left}3"].value == ind.label
            assert ws[f"{left}4"].value.startswith("数值")
            assert _words(ws[f"{right}4"].value) == f"得分（权重{ind.weight:g}）"
        assert ws.auto_filter.ref == f"A4:{last}{4 + n}"
        assert ws.print_title_rows.replace("$", "") == "3:4"
        assert ws.page_setup.orientation == "landscape"
        assert str(ws.page_setup.paperSize) == "9"
        # a fixed scale keeping 10 pt text at 8 pt or more; a split repeats 序号, code and name
        assert 80 <= int(ws.page_setup.scale) <= 100
        assert not (ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage)
        if breaks:
            assert ws.print_title_cols.replace("$", "") == "A:C"
        # tier cells, wherever they are: the tier's colour
        expect = class_rows(ev, klass.code)
        texts = {styles.tier_text(t, klass.tiers.names): t for t in klass.tiers.order}
        seen: dict[str, int] = {}
        for row in ws.iter_rows(min_row=5):
            for c in row:
                if c.value in texts:
                    tier = texts[c.value]
                    seen[tier] = seen.get(tier, 0) + 1
                    assert c.fill.fgColor.rgb.endswith(styles.TIER_COLOURS[tier])
        assert seen == {t: int(n) for t, n in expect["tier"].value_counts().items() if n}
    assert {styles.TIER_COLOURS[t] for t in "ABCD"} == {"C6EFCE", "BDD7EE", "FFEB9C", "FFC7CE"}


def test_frozen_panes_below_the_header(written: Written, internal: Any) -> None:
    for name in class_sheet_names(written.ev.rules):
        assert internal[name].freeze_panes == "D5"
    assert internal[OUTSIDE_SHEET].freeze_panes == "D4"
    public = openpyxl.load_workbook(written.public)
    first = 3 + len(written.ev.rules.publication.notice) + 1
    for ws in public.worksheets:
        assert ws.freeze_panes == f"C{first}"


# ---- 3. 免评与暂缓 -------------------------------------------------------------------------------


def test_outside_sheet_lists_exactly_the_firms_not_evaluated(
    written: Written, internal: Any
) -> None:
    res = written.ev.results
    outside = res[res["status"] != "evaluated"]
    assert set(outside["status"]) >= {"exempt", "deferred", "rejected"}
    ws = internal[OUTSIDE_SHEET]
    assert [c.value for c in ws[3]] == [
        "序号",
        "统一社会信用代码",
        "企业名称",
        "园区",
        "行业代码",
        "状态",
        "原因",
    ]
    body = values(ws, 4)
    assert len(body) == len(outside)
    assert [r[0] for r in body] == list(range(1, len(body) + 1))
    assert {r[1] for r in body} == set(outside["credit_code"])
    expect = outside.set_index("credit_code")
    for r in body:
        reason = expect.at[r[1], "status_reason"]
        assert r[6] == (None if pd.isna(reason) or reason == "" else reason)
        assert r[5] == STATUS_LABELS[expect.at[r[1], "status"]]
        assert r[2] == expect.at[r[1], "name"]
    rejected = written.frame.at[REJECTED, "credit_code"]
    assert next(r for r in body if r[1] == rejected)[5] == "数据有误，未评价"
    assert ws.auto_filter.ref == f"A3:G{3 + len(body)}"


# ---- 4. 汇总 -------------------------------------------------------------------------------------


def chart_parts(path: Path, sheet: str) -> list[str]:
    """The chart parts drawn on `sheet`, following sheet → drawing → chart relationships."""
    parts = xml_parts(path)
    part = sheet_parts(path)[sheet]
    charts = []
    for drawing in relationships(parts, part).values():
        charts += [t for t in relationships(parts, drawing).values() if "/charts/" in t]
    return sorted(charts)


def tier_table(ws: Any) -> dict[str, list[Any]]:
    """Section 一 of 汇总: class label → counts per tier and the total."""
    rows = values(ws, 1)
    at = next(i for i, r in enumerate(rows) if r[0] == "一、各评价类别分档结果（家）")
    out = {}
    for r in rows[at + 2 :]:
        if r[0] is None:
            break
        out[r[0]] = [v for v in r[1:] if v is not None]
    return out


def chart_refs(path: Path, chart: str) -> dict[str, list[str]]:
    """The cell ranges a chart reads: series titles, categories and values."""
    xml = xml_parts(path)[chart].decode("utf-8")
    ref = r"<(?:strRef|numRef)><f>([^<]*)</f>"
    return {
        "titles": re.findall(r"<tx><strRef><f>([^<]*)</f>", xml),
        "categories": re.findall(r"<cat>" + ref, xml),
        "values": re.findall(r"<val>" + ref, xml),
    }


def ref_cells(ws: Any, ref: str) -> list[Any]:
    """The values of a chart's range `'汇总'!$A$11:$A$15` (column-wise)."""
    sheet, _, cells = ref.partition("!")
    assert sheet == f"'{ws.title}'"
    lo_col, lo_row, hi_col, hi_row = range_boundaries(cells.replace("$", ""))
    return [
        ws.cell(r, c).value for c in range(lo_col, hi_col + 1) for r in range(lo_row, hi_row + 1)
    ]


def test_summary_sheet_charts(written: Written) -> None:
    """Two charts on 汇总: tiers per park (stacked bars) and the score bands per class, each
    reading the tables of its own sheet; a park's chart draws that park only."""
    ev = written.ev
    tiers = [styles.tier_text(t, ev.rules.classes[0].tiers.names) for t in "ABCD"]
    bands = ev.score_distribution()[["lower", "upper"]].drop_duplicates().sort_values("lower")
    for path, parks in (
        (written.internal, ev.groups("park")),
        (written.out / park_files(ev)["东区"], ["东区"]),
    ):
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
        assert {"xl/charts/chart1.xml", "xl/charts/chart2.xml"} <= names
        assert chart_parts(path, "汇总") == ["xl/charts/chart1.xml", "xl/charts/chart2.xml"]
        ws = openpyxl.load_workbook(path)["汇总"]
        by_park = chart_refs(path, "xl/charts/chart1.xml")
        assert [_words(v) for r in by_park["titles"] for v in ref_cells(ws, r)] == tiers
        assert {tuple(ref_cells(ws, r)) for r in by_park["categories"]} == {tuple(parks)}
        for r in by_park["values"]:
            assert all(isinstance(v, int) for v in ref_cells(ws, r))
        scores = chart_refs(path, "xl/charts/chart2.xml")
        assert [_words(v) for r in scores["titles"] for v in ref_cells(ws, r)] == [
            c.label for c in ev.rules.classes
        ]
        (shown,) = {tuple(ref_cells(ws, r)) for r in scores["categories"]}
        if path == written.internal:
            assert list(shown) == [f"{lo:g}–{hi:g}" for lo, hi in bands.itertuples(index=False)]


def test_summary_sheet_tier_counts_match_evaluation(written: Written, internal: Any) -> None:
    ev = written.ev
    counts = ev.tier_counts()
    table = tier_table(internal["汇总"])
    assert list(table) == [c.label for c in ev.rules.classes]
    for klass in ev.rules.classes:
        mine = counts[counts["class"] == klass.code].set_index("tier")["firms"]
        expect = [int(mine[t]) for t in klass.tiers.order]
        assert table[klass.label] == [*expect, sum(expect)]
        done = ev.results[
            (ev.results["class"] == klass.code) & (ev.results["status"] == "evaluated")
        ]
        assert sum(expect) == len(done)


def test_summary_sheet_park_table_matches_summary(written: Written, internal: Any) -> None:
    summary = written.ev.summary("park").set_index("park")
    rows = values(internal["汇总"], 1)
    at = next(i for i, r in enumerate(rows) if r[0] == "二、各园区评价结果（家，各类别合计）")
    shown = {}
    for r in rows[at + 2 :]:
        if r[0] is None:
            break
        shown[r[0]] = r[1:6]
    assert list(shown) == [*summary.index[:-1], "全县（市、区）"]
    for park, counts in shown.items():
        key = COUNTY if park == "全县（市、区）" else park
        s = summary.loc[key]
        assert list(counts) == [
            s["firms"],
            s["evaluated"],
            s["exempt"],
            s["deferred"],
            s["rejected"],
        ]


# ---- 5. park isolation -------------------------------------------------------------------------


def test_each_park_workbook_holds_its_own_firms_only(written: Written) -> None:
    ev = written.ev
    keys = park_keys(ev)
    res = ev.results
    issues = ev.issues.assign(code_=ev.issues["credit_code"].astype("string").fillna(""))
    for park, name in park_files(ev).items():
        path = written.out / name
        mine = keys == park
        own_codes, own_names = set(res["credit_code"][mine]), set(res["name"][mine])
        foreign_codes = (set(res["credit_code"][~mine]) | {ABSENT}) - own_codes
        foreign_names = set(res["name"][~mine]) - own_names
        assert own_codes and foreign_codes and foreign_names

        cells = all_cells(path)
        strings = xml_strings(path)
        texts = set(strings) | {c for c in cells if isinstance(c, str)}
        joined = "\n".join(texts)
        for code in foreign_codes:
            assert code not in joined, (park, code)
        assert not foreign_names & texts, park
        own_joined = "\n".join(own_names)
        for firm in foreign_names:
            if len(firm) >= 6 and firm not in own_joined:
                assert firm not in joined, (park, firm)
        assert own_codes <= texts and own_names <= texts

        # its issues and corrections, and nobody else's
        wb = openpyxl.load_workbook(path)
        listed = {r[7] for r in values(wb[ISSUE_SHEET], 3) if isinstance(r[0], int)}
        expect = issues[own_issues(ev, mine)]
        assert listed == set(expect["code_"]) - {""}
        appeals = {c for c in cells if isinstance(c, str) and c.startswith("YS-")}
        own_appeals = {
            c["appeal_id"] for c in ev.provenance["corrections"] if c["credit_code"] in own_codes
        }
        assert appeals == own_appeals


def test_planted_issues_land_in_their_parks(written: Written) -> None:
    f, ev = written.frame, written.ev
    files = park_files(ev)
    where = {
        "东区": (f.at[CORRECTED, "credit_code"], "correction-applied"),
        "西区": (f.at[WRONG_YEAR, "credit_code"], "correction-unmatched"),
        "A/B:园区": (f.at[REJECTED, "credit_code"], "non-positive-land"),
    }
    for park, (code, problem) in where.items():
        for other, name in files.items():
            wb = openpyxl.load_workbook(written.out / name)
            listed = {(r[7], r[2]) for r in values(wb[ISSUE_SHEET], 3)}
            assert ((code, problem) in listed) == (other == park), (park, other)
    wb = openpyxl.load_workbook(written.internal)
    listed = {(r[7], r[2]) for r in values(wb[ISSUE_SHEET], 3)}
    assert {*where.values(), (ABSENT, "correction-unmatched")} <= listed  # the county sees all


# ---- 6. publication list -----------------------------------------------------------------------


def test_publication_list_sheets_columns_and_order(written: Written) -> None:
    ev = written.ev
    rules = ev.rules
    wb = openpyxl.load_workbook(written.public)
    assert wb.sheetnames == sheet_names(c.label for c in rules.classes)
    notice = rules.publication.notice
    assert len(notice) == 2
    top = 3 + len(notice)  # title, 评价类别, the notice lines, then the header
    for klass, ws in zip(rules.classes, wb.worksheets, strict=True):
        assert ws["A1"].value == f"{rules.publication.title}（试评价）"
        assert [ws.cell(r, 1).value for r in range(2, top)] == [f"评价类别：{klass.label}", *notice]
        assert [c.value for c in ws[top]] == [
            "序号",
            "企业名称",
            "统一社会信用代码",
            "园区",
            "评价类别",
        ]
        body = values(ws, top + 1)
        done = ev.results[
            (ev.results["class"] == klass.code) & (ev.results["status"] == "evaluated")
        ]
        assert len(body) == len(done)
        assert [r[0] for r in body] == list(range(1, len(body) + 1))
        by_code = done.set_index("credit_code")
        assert {r[2] for r in body} == set(by_code.index)
        for r in body:
            assert r[1] == by_code.at[r[2], "name"]
            assert r[4] == styles.tier_text(by_code.at[r[2], "tier"], klass.tiers.names)
        # by tier, park, name: the order does not give the ranking away
        place = {t: i for i, t in enumerate(klass.tiers.order)}
        keys = [(place[by_code.at[r[2], "tier"]], r[3] or "", r[1], r[2]) for r in body]
        assert keys == sorted(keys)
        numbers = [
            (c.row, c.column)
            for row in ws.iter_rows()
            for c in row
            if isinstance(c.value, int | float) and not isinstance(c.value, bool)
        ]
        assert numbers == [(top + i, 1) for i in range(1, len(body) + 1)]
        assert ws.auto_filter.ref == f"A{top}:E{top + len(body)}"


def test_publication_list_holds_no_figures(written: Written) -> None:
    ev = written.ev
    done = ev.results[ev.results["status"] == "evaluated"]
    figures = [c for c in done.columns if c.startswith(("value_", "score_"))] + ["total_score"]
    raw = done[figures].to_numpy(dtype=float).ravel()
    raw = np.concatenate([raw, ev.column("tax_paid"), ev.column("revenue")])
    raw = raw[np.isfinite(raw)]
    distinctive = {repr(float(v)) for v in raw if len(repr(float(v))) >= 8}
    distinctive |= {f"{v:.2f}" for v in raw if abs(v) >= 100 and v != round(v)}
    distinctive |= {f"{v:,.2f}" for v in raw if abs(v) >= 1000 and v != round(v)}
    assert len(distinctive) > 500
    text = "\n".join(xml_strings(written.public))
    raw_xml = b"\n".join(xml_parts(written.public).values()).decode("utf-8")
    for shown in distinctive:
        assert shown not in text and shown not in raw_xml, shown
    for header in ("综合得分", "排名", "亩均税收", "得分"):
        assert header not in text


def test_publication_show_total_score(tmp_path: Path) -> None:
    text = GUZHEN.read_text(encoding="utf-8") + 'show = ["total_score"]\n'
    rules = mujun.parse_rules(text, file="show.toml")
    assert rules.publication.show == ["total_score"]
    ev = evaluate(county(80, seed=11), rules)
    path = write_publication(ev, tmp_path / "公示.xlsx", status="终评")
    wb = openpyxl.load_workbook(path)
    top = 3 + len(rules.publication.notice)
    for klass, ws in zip(rules.classes, wb.worksheets, strict=True):
        assert ws["A1"].value == rules.publication.title  # 终评: no status suffix
        assert [c.value for c in ws[top]][-1] == "综合得分"
        expect = class_rows(ev, klass.code)
        body = values(ws, top + 1)
        assert [r[2] for r in body] == expect["credit_code"].tolist()  # now by rank
        assert all(map(same_number, [r[5] for r in body], expect["total_score"]))
        assert {ws.cell(r, 6).number_format for r in range(top + 1, top + 1 + len(body))} == {
            styles.SCORE
        }


def test_publication_show_must_name_a_known_column() -> None:
    text = GUZHEN.read_text(encoding="utf-8") + 'show = ["nonexistent"]\n'
    with pytest.raises(mujun.RulesError, match="nonexistent"):
        mujun.parse_rules(text, file="bad.toml")


# ---- 7. hostile names --------------------------------------------------------------------------


def test_hostile_names_are_text_cells_everywhere(written: Written) -> None:
    ev, f = written.ev, written.frame
    codes = dict(zip(f["credit_code"][:4], HOSTILE, strict=True))
    assert (ev.results.set_index("credit_code").loc[list(codes), "status"] == "evaluated").all()
    files = park_files(ev)
    park_of = {f.at[i, "credit_code"]: p or MISSING_GROUP for i, p in enumerate(HOSTILE_PARKS)}
    for path in (written.internal, written.public, *(written.out / p for p in files.values())):
        wb = openpyxl.load_workbook(path)
        found = {}
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if c.value in codes:
                        found.setdefault(c.value, []).append(row)
        expect = (
            {c for c in codes if files[park_of[c]] == path.relative_to(written.out).as_posix()}
            if path.parent.name == "parks"
            else set(codes)
        )
        assert set(found) == expect, path.name
        for code, rows in found.items():
            names = [c for row in rows for c in row if c.value == codes[code]]
            assert names, (path.name, code)
            assert all(c.data_type == "s" and c.value == codes[code] for c in names)
        for part, data in xml_parts(path).items():
            if part.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >/]", data), (path.name, part)


def test_results_csv_neutralises_formulas_and_parquet_keeps_names(
    written: Written, tmp_path: Path
) -> None:
    res = written.ev.results
    write_csv(res, tmp_path / "results.csv")
    write_parquet(res, tmp_path / "results.parquet")
    raw = (tmp_path / "results.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert len(rows) == len(res)
    by_code = {r["credit_code"]: r for r in rows}
    for i, name in enumerate(HOSTILE):
        assert by_code[res.at[i, "credit_code"]]["name"] == "'" + name
    # numbers stay numbers, even negative ones
    negative = by_code[written.frame.at[NEGATIVE, "credit_code"]]["value_tax_per_mu"]
    assert res.at[NEGATIVE, "value_tax_per_mu"] < 0
    assert float(negative) == pytest.approx(res.at[NEGATIVE, "value_tax_per_mu"])
    assert not negative.startswith("'")
    plain = [r["name"] for r in rows if not r["name"].startswith("'")]
    assert len(plain) == len(res) - len(HOSTILE)
    assert pd.read_parquet(tmp_path / "results.parquet")["name"].tolist() == res["name"].tolist()


def test_neutralise_prefixes_only_formula_starts() -> None:
    column = pd.Series(["=1", "+1", "-1", "@a", "\tx", "\rx", "a=1", " =1", "甲", None])
    out = neutralise(column).tolist()
    assert out[:6] == ["'=1", "'+1", "'-1", "'@a", "'\tx", "'\rx"]
    assert out[6:9] == ["a=1", " =1", "甲"]
    assert out[9] is pd.NA


# ---- 8. sheet and file names -------------------------------------------------------------------


def test_sheet_names_examples() -> None:
    assert sheet_names(["a[b]c:d*e?f/g\\h"]) == ["a＿b＿c＿d＿e＿f＿g＿h"]
    assert sheet_names(["History", "history"]) == ["History＿", "history＿（2）"]
    assert sheet_names(["汇总", "汇总", "汇总"], taken=["汇总"]) == [
        "汇总（2）",
        "汇总（3）",
        "汇总（4）",
    ]
    assert sheet_names(["Sheet", "SHEET"]) == ["Sheet", "SHEET（2）"]
    long = "长" * 40
    assert sheet_names([long, long]) == ["长" * 31, "长" * 28 + "（2）"]
    assert sheet_names(["", "'", " "]) == ["工作表", "工作表（2）", "工作表（3）"]
    assert sheet_names(["'引号'"]) == ["引号"]


def test_file_stems_examples() -> None:
    assert file_stems(["../x", "..\\x", "..", ".hidden"]) == ["＿x", "＿x（2）", "未命名", "hidden"]
    assert file_stems(["A/B:园区"]) == ["A＿B＿园区"]
    assert file_stems(["CON", "con.txt", "Com1", "LPT9", "nul ", "AUX."]) == [
        "＿CON",
        "＿con.txt",
        "＿Com1",
        "＿LPT9",
        "＿nul",
        "＿AUX",
    ]
    assert file_stems(["CONSOLE", "COM10"]) == ["CONSOLE", "COM10"]
    assert file_stems(["Park", "park", "PARK"]) == ["Park", "park（2）", "PARK（3）"]
    assert file_stems(["x" * 100]) == ["x" * FILE_LIMIT]
    assert file_stems(['a<b>c|d"e?f*g']) == ["a＿b＿c＿d＿e＿f＿g"]


def test_unsafe_park_name_gets_a_safe_file_under_parks(written: Written) -> None:
    files = park_files(written.ev)
    assert files["A/B:园区"] == "parks/A＿B＿园区.xlsx"
    assert files[MISSING_GROUP] == "parks/未填园区.xlsx"
    for name in files.values():
        path = (written.out / name).resolve()
        assert path.parent == (written.out / "parks").resolve() and path.is_file()
    wb = openpyxl.load_workbook(written.out / files["A/B:园区"])
    assert wb["说明"]["C2"].value == "A/B:园区版"


SHEET_TEXT = st.lists(
    st.sampled_from([*"ab AB'[]:*?/\\.\x01\t历史汇总", "History", "CON", "x" * 28]), max_size=12
).map("".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(SHEET_TEXT, max_size=8), st.lists(SHEET_TEXT, max_size=3))
def test_sheet_names_invariants(wanted: list[str], taken: list[str]) -> None:
    names = sheet_names(wanted, taken=taken)
    assert len(names) == len(wanted)
    folded = [n.casefold() for n in names]
    assert len(set(folded)) == len(names)
    assert not set(folded) & {t.casefold() for t in taken}
    for name in names:
        assert 0 < len(name) <= SHEET_LIMIT
        assert not FORBIDDEN_SHEET_CHARS & set(name)
        assert not any(ord(ch) < 32 for ch in name)
        assert name.casefold() != "history"
        assert not name.startswith("'")
    assert sheet_names(wanted, taken=taken) == names  # deterministic


@settings(max_examples=200, deadline=None)
@given(st.lists(SHEET_TEXT, max_size=8))
def test_file_stems_invariants(wanted: list[str]) -> None:
    stems = file_stems(wanted)
    assert len({s.casefold() for s in stems}) == len(stems) == len(wanted)
    reserved = {
        "CON",
        "PRN",
        "AUX",
        "NUL",
        *(f"{d}{i}" for d in ("COM", "LPT") for i in range(1, 10)),
    }
    for stem in stems:
        assert 0 < len(stem) <= FILE_LIMIT
        assert not FORBIDDEN_FILE_CHARS & set(stem)
        assert not any(ord(ch) < 32 for ch in stem)
        assert not stem.startswith(".") and stem.strip() == stem
        assert stem.split(".")[0].upper() not in reserved
        assert posixpath.basename(stem) == stem and Path(stem).name == stem


def test_cut_sheet_name_does_not_end_with_an_apostrophe() -> None:
    (name,) = sheet_names(["a" * 30 + "'b"])
    assert not name.endswith("'")


def test_cut_file_stem_does_not_end_with_dot_or_blank() -> None:
    stems = file_stems(["a" * 79 + ". b", "b" * 79 + " c"])
    assert all(not s.endswith((".", " ")) for s in stems), stems


# ---- 9. reproducibility ------------------------------------------------------------------------


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.xlsx")}


def test_written_twice_byte_identical_and_no_temporary_files(
    written: Written, tmp_path: Path
) -> None:
    again = tmp_path / "again"
    write_workbooks(written.ev, again)
    first, second = folder_bytes(written.out), folder_bytes(again)
    assert len(first) == 2 + len(park_files(written.ev))
    assert first.keys() == second.keys()
    for name in first:
        assert first[name] == second[name], name
    for folder in (written.out, again):
        leftovers = [p for p in folder.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]
        assert not leftovers
    with zipfile.ZipFile(written.internal) as z:
        assert {i.date_time for i in z.infolist()} == {(2000, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode("utf-8")
    assert "2000-01-01T00:00:00Z" in core


def test_body_rows_written_in_chunks_give_the_same_bytes(
    written: Written, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Table rows turned into XML a few at a time give the same file; so does the internal
    workbook written alone."""
    monkeypatch.setattr(xlsx, "CHUNK", 7)
    path = write_internal_workbook(written.ev, tmp_path / "内部.xlsx")
    assert path.read_bytes() == written.internal.read_bytes()


def test_rows_in_reverse_order_give_the_same_sheets(written: Written, tmp_path: Path) -> None:
    """Benchmarks summed in another order differ in the last bits, so the internal workbook is
    not byte-identical; its class sheets show the same firms, order and (to rounding) figures,
    and the publication list, which holds no figures, is byte-identical."""
    backwards = written.frame.iloc[::-1].reset_index(drop=True)
    ev = evaluate(backwards, fixes=corrections(written.frame))
    paths = write_workbooks(ev, tmp_path, parks=False)
    assert [p.name for p in paths] == [written.internal.name, written.public.name]
    assert paths[1].read_bytes() == written.public.read_bytes()
    a, b = openpyxl.load_workbook(written.internal), openpyxl.load_workbook(paths[0])
    assert a.sheetnames == b.sheetnames
    for name in [*class_sheet_names(ev.rules), OUTSIDE_SHEET]:
        rows_a, rows_b = values(a[name], 1), values(b[name], 1)
        assert len(rows_a) == len(rows_b)
        for ra, rb in zip(rows_a, rows_b, strict=True):
            assert [x for x in ra if not isinstance(x, float)] == [
                x for x in rb if not isinstance(x, float)
            ]
            fa = [x for x in ra if isinstance(x, float)]
            fb = [x for x in rb if isinstance(x, float)]
            assert fa == pytest.approx(fb, rel=1e-9, abs=1e-9)


# ---- 10. Evaluation summaries and subset ---------------------------------------------------------


def test_subset_restricts_rows_issues_corrections(written: Written) -> None:
    ev = written.ev
    keys = park_keys(ev)
    for park in ("西区", "东区", MISSING_GROUP):
        mask = keys == park
        sub = ev.subset(mask)
        pd.testing.assert_frame_equal(sub.results, ev.results[mask].reset_index(drop=True))
        assert len(sub.table) == mask.sum()
        np.testing.assert_array_equal(sub.column("land_mu"), ev.column("land_mu")[mask])
        codes = set(sub.results["credit_code"])
        expect = ev.issues[own_issues(ev, mask)].reset_index(drop=True)
        pd.testing.assert_frame_equal(sub.issues.reset_index(drop=True), expect)
        assert set(sub.issues["credit_code"]) - {""} <= codes
        assert all(c["credit_code"] in codes for c in sub.provenance["corrections"])
        rows = sub.provenance["rows"]
        assert (
            rows["input"]
            == mask.sum()
            == sum(rows[s] for s in ("evaluated", "exempt", "deferred", "rejected"))
        )
        assert sub.rules is ev.rules
        pd.testing.assert_frame_equal(sub.benchmarks, ev.benchmarks)
    assert ev.subset(keys == "东区").provenance["corrections"][0]["appeal_id"] == "YS-1"
    assert len(ev.provenance["corrections"]) == 3
    with pytest.raises(ValueError, match="one entry per result row"):
        ev.subset(np.ones(len(ev.results) - 1, dtype=bool))


def test_tier_counts_by_park_add_up(written: Written) -> None:
    ev = written.ev
    total = ev.tier_counts()
    by_park = ev.tier_counts(by="park")
    assert list(by_park.columns) == ["class", "park", "tier", "firms"]
    assert sorted(set(by_park["park"])) == ev.groups("park")
    assert MISSING_GROUP in set(by_park["park"])
    summed = by_park.groupby(["class", "tier"], sort=False)["firms"].sum().reset_index()
    pd.testing.assert_frame_equal(summed, total, check_dtype=False)
    res = ev.results.assign(_park=park_keys(ev))
    done = res[res["status"] == "evaluated"]
    direct = done.groupby(["class", "_park", "tier"]).size()
    for r in by_park.itertuples(index=False):
        assert r.firms == direct.get((r[0], r.park, r.tier), 0)
    for klass in ev.rules.classes:
        assert total[total["class"] == klass.code]["tier"].tolist() == klass.tiers.order


def check_distribution(ev: Evaluation, width: float) -> None:
    dist = ev.score_distribution(width)
    for klass in ev.rules.classes:
        res = ev.results
        scores = res.loc[
            (res["class"] == klass.code) & (res["status"] == "evaluated"), "total_score"
        ].to_numpy(float)
        bands = dist[dist["class"] == klass.code].reset_index(drop=True)
        assert bands["firms"].sum() == len(scores)
        assert (bands["upper"] - bands["lower"]).to_numpy() == pytest.approx(width)
        assert bands["lower"].iloc[1:].to_numpy() == pytest.approx(bands["upper"].iloc[:-1])
        assert bands["lower"].iloc[0] <= min(0.0, scores.min())
        for i, b in bands.iterrows():
            last = i == len(bands) - 1
            inside = (scores >= b["lower"]) & (
                (scores <= b["upper"]) if last else (scores < b["upper"])
            )
            assert b["firms"] == inside.sum(), (klass.code, b["lower"])


def test_score_distribution_bands(written: Written) -> None:
    ev = written.ev
    check_distribution(ev, 10.0)
    check_distribution(ev, 25.0)
    # a score on a band edge counts in the band above it, the top score in the last band
    res = ev.results.copy()
    done = np.flatnonzero((res["status"] == "evaluated").to_numpy())
    res.loc[done, "total_score"] = np.resize([0.0, 10.0, 20.0, 29.5, 30.0], len(done))
    edged = replace(ev, results=res)
    check_distribution(edged, 10.0)
    dist = edged.score_distribution()
    assert dist["upper"].max() == 30.0
    assert dist["lower"].min() == 0.0


def test_score_distribution_counts_every_firm_for_fractional_width(written: Written) -> None:
    ev = written.ev
    res = ev.results.copy()
    done = np.flatnonzero((res["status"] == "evaluated").to_numpy())
    res.loc[done, "total_score"] = np.resize([-6.0, 88.0, 40.0], len(done))
    dist = replace(ev, results=res).score_distribution(width=0.1)
    assert dist["firms"].sum() == len(done)


def test_summary_pooled_figures_and_index(written: Written) -> None:
    ev = written.ev
    for by in ("park", "industry_division"):
        s = ev.summary(by).set_index(by)
        county_row = s.loc[COUNTY]
        for fig in ("tax_per_mu", "revenue_per_mu", "value_added_per_mu"):
            assert county_row[f"{fig}_index"] == pytest.approx(1.0)
            parts = s.drop(index=COUNTY)
            ok = parts[fig].notna()
            index = parts.loc[ok, f"{fig}_index"].to_numpy(float)
            assert index == pytest.approx(parts.loc[ok, fig].to_numpy(float) / county_row[fig])
        assert s.drop(index=COUNTY)["firms"].sum() == county_row["firms"] == len(ev.results)
        assert county_row["evaluated"] == (ev.results["status"] == "evaluated").sum()
    land = ev.column("land_mu")
    tax = ev.column("tax_paid")
    use = (ev.results["status"] == "evaluated").to_numpy() & (land > 0) & np.isfinite(tax)
    county_row = ev.summary("park").set_index("park").loc[COUNTY]
    assert county_row["tax_per_mu"] == pytest.approx(tax[use].sum() / land[use].sum())
    assert county_row["land_mu"] == pytest.approx(
        land[(ev.results["status"] == "evaluated").to_numpy() & (land > 0)].sum()
    )


def test_park_named_like_the_county_row() -> None:
    f = county(40, seed=5)
    f.loc[f["park"] == "西区", "park"] = "合计"
    ev = evaluate(f)
    summary = ev.summary("park")
    assert len(summary) == len(ev.groups("park")) + 1
    county_row = summary.iloc[-1]
    assert county_row["firms"] == len(ev.results)
    assert county_row["tax_per_mu_index"] == pytest.approx(1.0)
    park_row = summary.iloc[:-1][summary.iloc[:-1]["park"] == "合计"].iloc[0]
    assert park_row["firms"] == int((ev.results["park"] == "合计").sum())


# ---- 11. write_run -----------------------------------------------------------------------------


def run_bytes(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.mark.slow
def test_write_run_lists_workbooks_and_reruns(tmp_path: Path) -> None:
    f = county(40, seed=2)
    f["park"] = np.where(np.arange(len(f)) % 2 == 0, "甲园区", "乙园区")
    ev = evaluate(f)
    out = tmp_path / "run"
    mujun.write_run(ev, out, status="初评")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert sorted(manifest["files"]) == files
    internal, public = workbook_names(ev)
    for name in (internal, public, "parks/甲园区.xlsx", "parks/乙园区.xlsx", "问题清单.xlsx"):
        assert name in manifest["files"]
    assert manifest["status"] == "初评"
    wb = openpyxl.load_workbook(out / internal)
    assert wb["说明"]["C5"].value == "初评"
    first = {p: b for p, b in run_bytes(out).items() if not p.endswith(".parquet")}

    mujun.write_run(ev, out, status="初评")  # the same run again: replaced, identical
    assert {p: b for p, b in run_bytes(out).items() if not p.endswith(".parquet")} == first

    keys = park_keys(ev)
    mujun.write_run(ev.subset(keys == "甲园区"), out)  # fewer parks: nothing stale is left
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert sorted(manifest["files"]) == files
    assert sorted(p.name for p in (out / "parks").iterdir()) == ["甲园区.html", "甲园区.xlsx"]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no temporary folders left


# ---- a larger county ---------------------------------------------------------------------------


def test_larger_county_class_sheets(tmp_path: Path) -> None:
    ev = evaluate(county(3000, seed=21))
    path = write_workbooks(ev, tmp_path, parks=False, publication=False)[0]
    wb = openpyxl.load_workbook(path, read_only=True)
    for klass, name in zip(ev.rules.classes, class_sheet_names(ev.rules), strict=True):
        expect = class_rows(ev, klass.code)
        assert len(expect) > 500
        body = [r for r in wb[name].iter_rows(min_row=5, values_only=True) if r[0] is not None]
        assert [r[1] for r in body] == expect["credit_code"].tolist()
        assert [r[0] for r in body] == list(range(1, len(expect) + 1))
    body = [r for r in wb[OUTSIDE_SHEET].iter_rows(min_row=4, values_only=True) if r[0] is not None]
    assert len(body) == (ev.results["status"] != "evaluated").sum()


def test_sheets_longer_than_excel_holds_are_cut_with_a_note(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With a sheet limit of 12 rows, every sheet stays within it; a table that does not fit
    says in a note line how many rows it has and where all of them are."""
    ev = evaluate(county(80, seed=4))
    monkeypatch.setattr(xlsx, "SHEET_ROWS", 12)
    internal = write_workbooks(ev, tmp_path, publication=True, parks=False)
    for path in internal:
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:  # the tables of firms and of issues
            if ws.title not in ("说明", "汇总"):
                assert ws.max_row <= 12, (path.name, ws.title)
    wb = openpyxl.load_workbook(internal[0])
    for klass, name in zip(ev.rules.classes, class_sheet_names(ev.rules), strict=True):
        n = len(class_rows(ev, klass.code))
        texts = [c for row in wb[name].iter_rows(max_row=6, values_only=True) for c in row]
        note = next(t for t in texts if isinstance(t, str) and "超出Excel" in t)
        assert f"本表共{n}行" in note and "results.csv" in note
        serials = [r[0] for r in wb[name].iter_rows(values_only=True) if isinstance(r[0], int)]
        assert serials == list(range(1, len(serials) + 1)) and len(serials) < n


LONG_PARKS = [
    "园" * 84,  # 252 bytes in UTF-8
    "😀" * 70,  # 280 bytes
    "长" * 90 + "甲园区",  # two long names differing only past the cut
    "长" * 90 + "乙园区",
    'a/b\\c:d*e?f"g<h>i|j\x01k\x7fl\u202em\ufeffn',
]


def test_long_and_odd_park_names_get_short_distinct_files(tmp_path: Path) -> None:
    """Park names past the file systems' 255 bytes, sharing a long prefix, or holding characters
    a file name may not: the run writes every park's workbook under a safe, distinct name within
    255 bytes, and the workbook and the manifest hold the full name."""
    f = county(40, seed=8)
    f["park"] = [LONG_PARKS[i % len(LONG_PARKS)] for i in range(len(f))]
    ev = evaluate(f)
    out = tmp_path / "run"
    mujun.write_run(ev, out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    files = park_files(ev)
    assert sorted(files) == sorted(LONG_PARKS)
    assert len({n.casefold() for n in files.values()}) == len(LONG_PARKS)
    assert manifest["park_files"] == {n: p for p, n in files.items()}
    for park, name in files.items():
        path = out / name
        assert path.is_file() and path.parent == out / "parks"
        assert len(path.name.encode("utf-8")) <= 255
        assert not FORBIDDEN_FILE_CHARS & set(path.name)
        assert not any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F for ch in path.name)
        assert "\u202e" not in path.name and "\ufeff" not in path.name
        wb = openpyxl.load_workbook(path)
        shown = xlsx.clean_text(park)
        assert wb["说明"]["C2"].value == f"{shown}版"
        assert shown in wb["说明"]["A1"].value
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no temporary file left


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(
            st.sampled_from([*"园😀a. /\\:*?\"<>|'", "\x00", "\x85", "\u202e", "\u200d", "\ud800"]),
            max_size=120,
        ),
        max_size=6,
    )
)
def test_file_stems_fit_in_bytes(wanted: list[str]) -> None:
    stems = file_stems(wanted)
    assert len({s.casefold() for s in stems}) == len(stems) == len(wanted)
    for stem in stems:
        data = stem.encode("utf-8")  # no lone surrogate is left: it encodes
        assert 0 < len(data) <= FILE_BYTES and len(data) + len(".xlsx") <= 255
        assert not FORBIDDEN_FILE_CHARS & set(stem)
        assert not stem.startswith(".") and stem.strip() == stem and not stem.endswith(".")


def test_a_long_reason_of_a_firm_not_evaluated_wraps_in_its_column(tmp_path: Path) -> None:
    """免评与暂缓: a reason wider than its column wraps inside it, on a row tall enough."""
    frame = county(60, seed=3)
    frame.loc[frame.index[0], "credit_code"] = "91340323ABC"  # too short: a long reason
    path = write_workbooks(evaluate(frame), tmp_path, parks=False, publication=False)[0]
    ws = openpyxl.load_workbook(path)[OUTSIDE_SHEET]
    top = next(r for r in range(1, 10) if ws.cell(r, 1).value == "序号")
    col = next(c for c in range(1, ws.max_column + 1) if ws.cell(top, c).value == "原因")
    width = ws.column_dimensions[get_column_letter(col)].width
    cells = range(top + 1, ws.max_row + 1)
    long = [r for r in cells if xlsx.display_width(str(ws.cell(r, col).value or "")) > width]
    assert long  # the bad code's reason does not fit on one line
    for r in long:
        assert ws.cell(r, col).alignment.wrap_text
        assert ws.row_dimensions[r].height and ws.row_dimensions[r].height > 15
