"""Key firms end to end: `mujun select` and `mujun demo` folders (growth.csv, key_firms.csv,
watch_lists.csv, the sheets 包保名单 and 培育库 of the internal workbook only, the manifest),
`write_run` / `write_workbooks` with a selection, `EnterpriseTable.rows` / `of_year`, and the
reader's missing-from-source check beside a history sheet of earlier years.

The county is the demo county's generator (400 firms, seed 5) written into a temporary folder:
six departmental files of 2022 with faults planted, a history workbook of 2019–2021 and a table
of commissioners.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import read_for
from typer.testing import CliRunner

import mujun
from mujun.cli import app, expand_multi_values
from mujun.export.folder import SELECTION_FILES
from mujun.export.selection_sheets import KEY_SHEET, WATCH_SHEET
from mujun.export.workbooks import workbook_names
from mujun.sample.demo import (
    COMMISSIONERS_FILE,
    DEMO_DATASET,
    HISTORY_FILE,
    build_demo,
    build_selection_files,
)
from mujun.sample.synthetic import generate_county
from mujun.selection import GROWTH_CSV, KEY_FIRMS_CSV
from mujun.selection.watch import WATCH_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
GUZHEN = ROOT / "rules" / "anhui-guzhen-2022.toml"
YEAR = 2022
N_FIRMS, SEED = 400, 5
SIZE = 60  # [selection] size of the 固镇 rules
TAX_LEAK = "实缴税金占全县"  # words of the key-firm reasons: internal only
BOM = b"\xef\xbb\xbf"


# ---- helpers -----------------------------------------------------------------------------------


def invoke(*args: str | Path) -> tuple[int, str]:
    """Run the command line as a user types it (`--data a b c` expanded as `main` does)."""
    argv = expand_multi_values([str(a) for a in args])
    result = CliRunner().invoke(app, argv)
    return result.exit_code, result.output


def flat(text: str) -> str:
    """Output without the line breaks and padding the console adds."""
    return "".join(text.split())


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)


def csv_header(path: Path) -> list[str]:
    text = path.read_bytes().decode("utf-8-sig")
    return next(csv.reader(io.StringIO(text)))


def sheet_rows(path: Path, sheet: str) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(book[sheet].iter_rows(values_only=True))
    finally:
        book.close()


def sheet_names(path: Path) -> list[str]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def firm_codes(path: Path, sheet: str) -> list[str]:
    """The credit codes of a sheet's firm rows (rows numbered in the 序号 column), in order."""
    rows = sheet_rows(path, sheet)
    head = next(i for i, r in enumerate(rows) if "统一社会信用代码" in r)
    column = rows[head].index("统一社会信用代码")
    return [str(r[column]) for r in rows[head + 1 :] if isinstance(r[0], int)]


def text_cells(path: Path) -> Iterator[tuple[str, str]]:
    """(sheet, text) of every text cell of a workbook."""
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        for ws in book.worksheets:
            for row in ws.iter_rows(values_only=True):
                for value in row:
                    if isinstance(value, str):
                        yield ws.title, value
    finally:
        book.close()


def folder_files(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())


def books(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.suffix in (".csv", ".xlsx")
    }


# ---- the county and its runs -------------------------------------------------------------------


@dataclass(frozen=True)
class County:
    files: list[Path]  # the six departmental files of 2022
    history: Path
    people: Path
    rules: mujun.Rules

    @property
    def internal(self) -> str:
        return f"亩均效益评价结果_{self.rules.region}_{self.rules.year}.xlsx"

    @property
    def public(self) -> str:
        return f"公示名单_{self.rules.region}_{self.rules.year}.xlsx"


@dataclass(frozen=True)
class Run:
    code: int
    output: str
    out: Path


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> County:
    folder = tmp_path_factory.mktemp("county")
    files = build_demo(folder, n_firms=N_FIRMS, seed=SEED)
    history, people = build_selection_files(folder, n_firms=N_FIRMS, seed=SEED)
    return County(files, history, people, mujun.load_rules(GUZHEN))


def select(county: County, out: Path, *extra: str | Path, history: bool = True) -> Run:
    data = [*county.files, county.history] if history else county.files
    code, output = invoke("select", "--rules", GUZHEN, "--data", *data, "--out", out, *extra)
    return Run(code, output, out)


@pytest.fixture(scope="module")
def selected(county: County, tmp_path_factory: pytest.TempPathFactory) -> Run:
    out = tmp_path_factory.mktemp("runs") / "selected"
    return select(county, out, "--commissioners", county.people)


# ---- mujun select ------------------------------------------------------------------------------


@pytest.mark.slow
def test_select_writes_the_whole_folder_and_a_manifest_of_it(county: County, selected: Run) -> None:
    out = selected.out
    assert selected.code == 1, selected.output  # the demo county's planted faults are errors
    assert "结果已写入" in selected.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["issues"]["error"] > 0
    present = folder_files(out)
    for name in (
        "results.csv",
        "results.parquet",
        "issues.csv",
        "问题清单.xlsx",
        *SELECTION_FILES,
        county.internal,
        county.public,
        "manifest.json",
    ):
        assert name in present
    assert any(p.startswith("parks/") and p.endswith(".xlsx") for p in present)
    listed = manifest["files"]
    assert len(listed) == len(set(listed))
    assert sorted(listed) == present  # every file of the folder, no more, no less
    assert not [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}")]

    growth = read_csv(out / "growth.csv")
    key = read_csv(out / "key_firms.csv")
    watch = read_csv(out / "watch_lists.csv")
    people = mujun.read_commissioners(county.people)
    sel = manifest["selection"]
    assert sel["years"] == [2019, 2020, 2021, 2022]
    assert sel["firms"] == len(growth)
    assert sel["key_firms"] == len(key) == SIZE
    assert sel["clusters"] == growth.loc[growth["cluster"] != "", "cluster"].nunique()
    assert sel["watch_lists"] == {str(k): int(v) for k, v in watch["list"].value_counts().items()}
    assert sel["commissioners"] == len(people) == 25


def test_select_csv_files_have_their_columns_rows_and_bom(county: County, selected: Run) -> None:
    out = selected.out
    for name in (*SELECTION_FILES, "results.csv", "issues.csv"):
        assert (out / name).read_bytes().startswith(BOM), name
    assert csv_header(out / "growth.csv") == list(GROWTH_CSV)
    growth = read_csv(out / "growth.csv")
    assert growth["credit_code"].is_unique
    assert len(growth) > 0

    header = csv_header(out / "key_firms.csv")
    assert header[: len(KEY_FIRMS_CSV)] == list(KEY_FIRMS_CSV)
    key = read_csv(out / "key_firms.csv")
    assert len(key) == SIZE
    assert key["credit_code"].is_unique
    assert set(key["credit_code"]) <= set(growth["credit_code"])
    names = set(mujun.read_commissioners(county.people)["name"])
    assert (key["commissioner"] != "").all()
    assert set(key["commissioner"]) <= names
    loads = key["commissioner"].value_counts()
    settings = county.rules.selection.assignment
    assert loads.between(settings.min_firms, settings.max_firms).all()

    assert csv_header(out / "watch_lists.csv") == list(WATCH_COLUMNS)
    watch = read_csv(out / "watch_lists.csv")
    assert not watch.duplicated(["list", "credit_code"]).any()


def test_select_key_firm_sheets_are_in_the_internal_workbook_only(
    county: County, selected: Run
) -> None:
    out = selected.out
    internal = out / county.internal
    assert {KEY_SHEET, WATCH_SHEET} <= set(sheet_names(internal))
    key = read_csv(out / "key_firms.csv")
    watch = read_csv(out / "watch_lists.csv")
    assert firm_codes(internal, KEY_SHEET) == key["credit_code"].tolist()
    assert firm_codes(internal, WATCH_SHEET) == watch["credit_code"].tolist()
    assert any(TAX_LEAK in t for _, t in text_cells(internal))  # the reasons are there

    others = [out / county.public, *sorted((out / "parks").glob("*.xlsx"))]
    assert len(others) >= 2
    for path in others:
        assert not {KEY_SHEET, WATCH_SHEET} & set(sheet_names(path)), path.name
        leaks = [(s, t) for s, t in text_cells(path) if TAX_LEAK in t]
        assert not leaks, (path.name, leaks[:3])


def test_select_evaluates_the_rules_year_only_and_history_misses_no_one(
    county: County, selected: Run
) -> None:
    out = selected.out
    results = read_csv(out / "results.csv")
    assert set(results["year"]) == {str(YEAR)}
    assert not results["status_reason"].str.contains("数据年度").any()
    of_year = read_for(county.files, county.rules)  # the 2022 files alone
    assert results["credit_code"].tolist() == of_year.frame["credit_code"].fillna("").tolist()

    issues = read_csv(out / "issues.csv")
    assert "wrong-year" not in set(issues["code"])
    missing = issues[issues["code"] == "missing-from-source"]
    assert len(missing)  # the planted absences from the 2022 files are still reported
    on_history = missing["file"].map(lambda f: Path(f).name == HISTORY_FILE)
    assert not on_history.any(), missing[on_history].head().to_string()
    assert not missing["message"].str.contains(Path(HISTORY_FILE).stem).any()


@pytest.mark.slow
def test_select_twice_gives_identical_files(county: County, selected: Run, tmp_path: Path) -> None:
    again = select(county, tmp_path / "again", "--commissioners", county.people)
    assert again.code == selected.code
    first, second = books(selected.out), books(again.out)
    assert sorted(first) == sorted(second)
    assert any(name.startswith("parks/") for name in first)
    for name in first:
        assert first[name] == second[name], name


def test_select_with_too_few_commissioners_exits_1_and_writes_nothing(
    county: County, tmp_path: Path
) -> None:
    people = tmp_path / "专员.csv"
    names = ["王建国", "李海燕", "张志强", "刘丽华", "陈明辉"]
    people.write_text(
        "姓名,所属园区,熟悉行业\n" + "".join(f"{n},全县,13、26\n" for n in names), encoding="utf-8"
    )
    out = tmp_path / "few"
    run = select(county, out, "--commissioners", people)
    assert run.code == 1, run.output
    text = flat(run.output)
    assert "无法分配" in text
    assert "5位首席服务专员" in text and "15家" in text and f"{SIZE}家" in text
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".few")]


def test_select_without_enough_years_exits_1_with_a_message(county: County, tmp_path: Path) -> None:
    out = tmp_path / "short"
    run = select(county, out, "--commissioners", county.people, history=False)
    assert run.code == 1, run.output
    text = flat(run.output)
    assert "错误" in text
    assert "2019" in text and "2022" in text  # the window it needs and the years it has
    assert "Traceback" not in run.output
    assert not out.exists()


@pytest.mark.slow
def test_select_without_commissioners_leaves_the_column_empty(
    county: County, tmp_path: Path
) -> None:
    out = tmp_path / "alone"
    run = select(county, out)
    assert run.code == 1, run.output
    key = read_csv(out / "key_firms.csv")
    assert len(key) == SIZE
    assert (key["commissioner"] == "").all()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["selection"]["commissioners"] is None
    assert firm_codes(out / county.internal, KEY_SHEET) == key["credit_code"].tolist()


# ---- the API -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def evaluated(county: County) -> tuple[mujun.Evaluation, mujun.KeyFirms]:
    panel = read_for([*county.files, county.history], county.rules)
    ev = mujun.evaluate(panel.of_year(YEAR), county.rules)
    return ev, mujun.select_key_firms(panel, ev, mujun.read_commissioners(county.people))


@pytest.mark.slow
def test_write_run_with_and_without_a_selection(
    evaluated: tuple[mujun.Evaluation, mujun.KeyFirms], tmp_path: Path
) -> None:
    ev, kf = evaluated
    internal, public = workbook_names(ev)
    with_sel = mujun.write_run(ev, tmp_path / "with", selection=kf)
    without = mujun.write_run(ev, tmp_path / "without")
    for name in SELECTION_FILES:
        assert (with_sel / name).is_file()
        assert not (without / name).exists()
    sheets = sheet_names(with_sel / internal)
    plain = sheet_names(without / internal)
    assert {KEY_SHEET, WATCH_SHEET} <= set(sheets)
    assert not {KEY_SHEET, WATCH_SHEET} & set(plain)
    assert [s for s in sheets if s not in (KEY_SHEET, WATCH_SHEET)] == plain
    assert plain[:2] == ["说明", "汇总"] and plain[-2:] == ["免评与暂缓", "问题清单"]
    assert firm_codes(with_sel / internal, KEY_SHEET) == kf.contact_list["credit_code"].tolist()
    assert firm_codes(with_sel / internal, WATCH_SHEET) == kf.watch_lists["credit_code"].tolist()
    assert sheet_names(with_sel / public) == sheet_names(without / public)
    m_with = json.loads((with_sel / "manifest.json").read_text(encoding="utf-8"))
    m_without = json.loads((without / "manifest.json").read_text(encoding="utf-8"))
    assert "selection" in m_with and "selection" not in m_without
    assert sorted(m_with["files"]) == folder_files(with_sel)
    assert sorted(m_without["files"]) == folder_files(without)


@pytest.mark.slow
def test_write_workbooks_with_a_selection_adds_the_sheets_to_the_internal_workbook_only(
    evaluated: tuple[mujun.Evaluation, mujun.KeyFirms], tmp_path: Path
) -> None:
    ev, kf = evaluated
    internal, _ = workbook_names(ev)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    written = mujun.write_workbooks(ev, tmp_path / "a", selection=kf)
    plain = mujun.write_workbooks(ev, tmp_path / "b", parks=False, publication=False)
    assert written[0].name == internal
    assert {KEY_SHEET, WATCH_SHEET} <= set(sheet_names(written[0]))
    assert len(written) > 2
    for path in written[1:]:
        assert not {KEY_SHEET, WATCH_SHEET} & set(sheet_names(path)), path.name
    assert [p.name for p in plain] == [internal]
    assert not {KEY_SHEET, WATCH_SHEET} & set(sheet_names(plain[0]))
    assert [s for s in sheet_names(written[0]) if s not in (KEY_SHEET, WATCH_SHEET)] == (
        sheet_names(plain[0])
    )


# ---- EnterpriseTable.rows and of_year ----------------------------------------------------------


@pytest.fixture(scope="module")
def codes() -> list[str]:
    return generate_county(5, years=(YEAR,), seed=1)["credit_code"].astype(str).tolist()


@pytest.fixture
def small(tmp_path: Path, codes: list[str]) -> dict[str, Path]:
    """A history CSV (年度 2020 and 2021, a bad revenue in 2020, an unknown column), a tax CSV of
    2022 without a year column (a bad tax value) and a land CSV of 2022 missing one firm."""
    a, b, c, d, e = codes
    history = tmp_path / "历年营业收入.csv"
    history.write_text(
        "年度,统一社会信用代码,企业名称,营业收入(万元),实缴税金(万元),档案号\n"
        f"2020,{a},甲,100,10,1\n2020,{b},乙,abc,20,2\n2021,{a},甲,120,12,3\n"
        f"2021,{b},乙,220,22,4\n2021,{e},戊,50,5,5\n",
        encoding="utf-8",
    )
    tax = tmp_path / "税务局_2022.csv"
    tax.write_text(
        f"统一社会信用代码,企业名称,实缴税金(万元)\n{a},甲,15\n{b},乙,x\n{c},丙,30\n{d},丁,40\n",
        encoding="utf-8",
    )
    land = tmp_path / "自然资源局_2022.csv"
    land.write_text(
        f"统一社会信用代码,企业名称,用地面积(亩)\n{a},甲,10\n{b},乙,20\n{c},丙,30\n",
        encoding="utf-8",
    )
    return {"history": history, "tax": tax, "land": land}


def test_of_year_keeps_exactly_that_years_rows(small: dict[str, Path], codes: list[str]) -> None:
    table = mujun.read_sources([small["history"], small["tax"]], year=YEAR)
    years = table.frame["year"].to_numpy(dtype=float)
    assert set(years) == {2020, 2021, 2022}
    got = table.of_year(YEAR)
    this = years == YEAR
    assert got.frame["credit_code"].tolist() == codes[:4]
    pd.testing.assert_frame_equal(got.frame, table.frame[this].reset_index(drop=True))
    pd.testing.assert_frame_equal(got.origin, table.origin[this].reset_index(drop=True))
    assert set(got.origin["file"].map(lambda f: Path(f).name)) == {small["tax"].name}
    assert got.sources == table.sources
    # the bad 2022 tax value stays a flag of its row; the bad 2020 revenue, whose row is left
    # out, stays a note where it was; the file-level issue stays: nothing found is lost
    flagged = got.unreadable()
    assert flagged["tax_paid"].dropna().tolist() == ["x"]
    assert got.frame["credit_code"][flagged["tax_paid"].notna()].tolist() == [codes[1]]
    assert flagged.get("revenue", pd.Series(dtype=object)).isna().all()
    notes = got.notes[got.notes["code"] == "non-numeric-value"]
    assert notes["field"].tolist() == ["revenue"]
    assert Path(notes["file"].iloc[0]).name == small["history"].name
    assert notes["row"].iloc[0] == 3 and notes["credit_code"].iloc[0] == codes[1]
    unknown = got.issues[got.issues["code"] == "unknown-column"]
    assert len(unknown) == 1
    assert "position" not in got.issues.columns
    assert _sorted(got.issues) == _sorted(table.issues)


def _sorted(issues: pd.DataFrame) -> list[tuple[object, ...]]:
    return sorted(map(tuple, issues.astype(str).to_numpy().tolist()))


def test_rows_subsets_rows_origins_field_origins_and_moves_issues(
    small: dict[str, Path],
) -> None:
    table = mujun.read_sources([small["history"], small["tax"], small["land"]], year=YEAR)
    assert "land_owned_mu" in table.field_origin  # land came from the land file's rows
    mask = np.zeros(len(table), dtype=bool)
    keep = [1, 5, 6, 8]
    mask[keep] = True
    got = table.rows(mask)
    assert len(got) == len(keep)
    pd.testing.assert_frame_equal(got.frame, table.frame.iloc[keep].reset_index(drop=True))
    pd.testing.assert_frame_equal(got.origin, table.origin.iloc[keep].reset_index(drop=True))
    assert set(got.field_origin) == set(table.field_origin)
    for name, where in table.field_origin.items():
        want_origin = where.iloc[keep].reset_index(drop=True)
        pd.testing.assert_frame_equal(got.field_origin[name], want_origin)
    assert _sorted(got.issues) == _sorted(table.issues)  # every issue kept, wherever its row
    pd.testing.assert_frame_equal(
        got.unreadable(), table.unreadable().iloc[keep].reset_index(drop=True)
    )
    assert got.key.tolist() == table.key[keep].tolist()
    assert got.supplied.tolist() == table.supplied[keep].tolist()
    all_rows = table.rows(np.ones(len(table), dtype=bool))
    pd.testing.assert_frame_equal(all_rows.issues, table.issues)


# ---- the reader beside a history sheet ---------------------------------------------------------


def test_history_sheet_misses_no_firm_of_the_rules_year(
    small: dict[str, Path], codes: list[str]
) -> None:
    _, _, c, d, e = codes
    paths = [small["tax"], small["land"], small["history"]]
    rules = mujun.load_rules(GUZHEN)
    checked = mujun.evaluate(read_for(paths, rules), rules)
    missing = checked.issues[checked.issues["code"] == "missing-from-source"]
    # 丁 (2022) is not in the land file: still reported, on its tax row
    assert missing["credit_code"].tolist() == [d]
    assert small["land"].name in missing["message"].iloc[0]
    assert Path(missing["file"].iloc[0]).name == small["tax"].name
    # 丙 and 丁 are not in the history sheet (2020–2021), and 戊 (2021 only) is in no 2022 file
    assert not missing["message"].str.contains(small["history"].stem).any()
    assert not {c, e} & set(missing["credit_code"])
    assert not (missing["file"].map(lambda f: Path(f).name) == small["history"].name).any()


# ---- mujun demo --------------------------------------------------------------------------------


@pytest.mark.slow
def test_demo_writes_growth_key_firms_and_watch_lists(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    code, output = invoke("demo", "--out", out)
    assert code == 0, output
    for name in SELECTION_FILES:
        assert (out / name).read_bytes().startswith(BOM), name
    assert csv_header(out / "growth.csv") == list(GROWTH_CSV)
    assert csv_header(out / "watch_lists.csv") == list(WATCH_COLUMNS)
    key = read_csv(out / "key_firms.csv")
    assert csv_header(out / "key_firms.csv")[: len(KEY_FIRMS_CSV)] == list(KEY_FIRMS_CSV)
    assert len(key) == SIZE
    names = mujun.read_commissioners(DEMO_DATASET / COMMISSIONERS_FILE)["name"]
    assert len(names) == 25
    assert (key["commissioner"] != "").all()
    assert set(key["commissioner"]) <= set(names)
    loads = key["commissioner"].value_counts()
    assert loads.between(2, 3).all()
    assert set(loads.index) == set(names)  # 60 firms over 25 people at 2–3 each: all take some
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == folder_files(out)
    assert manifest["selection"]["key_firms"] == SIZE
    assert manifest["selection"]["commissioners"] == 25
