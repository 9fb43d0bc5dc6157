"""mujun.sample.departments: the departmental files written from a panel read back as that
panel, and every planted fault is reported by the reader where the fault list says it sits."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import read_for

import mujun
from mujun.codes import credit_check_char
from mujun.sample.demo import DEMO_RULES, demo_files, write_readme
from mujun.sample.departments import FAULT_KINDS, planted_faults, write_department_files

YEAR = 2022
RULES = DEMO_RULES  # the demo county is read and scored with the demo's own rules
FILES = [
    "税务局_2022年度企业税收.xlsx",
    "统计局_2022年规上工业企业主要指标.xlsx",
    "自然资源局_土地使用情况.xlsx",
    "供电公司_2022年用电量.csv",
    "生态环境局_排放与执法.xlsx",
    "经信局_企业名录.xlsx",
]
LAND_PARTS = ["land_owned_mu", "land_leased_mu", "land_let_mu"]
FLAGS = [
    "safety_incident",
    "env_violation",
    "high_tech",
    "specialized",
    "new_to_scale",
    "major_project",
]
NUMBERS = [
    "tax_paid",
    "revenue",
    "output_value",
    "value_added",
    "rd_expense",
    "tech_investment",
    "energy_tce",
    "electricity_kwh",
    "emissions_t",
    "employees",
    *LAND_PARTS,
]
# the fields a fault takes from a firm (its value is then not the panel's)
SPOILS = {
    "land-zero": LAND_PARTS,
    "credit-code-check-digit": ["electricity_kwh"],
    "credit-code-too-short": [
        "park",
        "high_tech",
        "specialized",
        "new_to_scale",
        "major_project",
        "safety_incident",
    ],
    "tax-not-a-number": ["tax_paid"],
    "revenue-scaled": ["revenue"],
    "placeholder": ["rd_expense"],
    "missing-from-land": LAND_PARTS,
}


def code(i: int) -> str:
    """A valid credit code; every third one all digits, the others with letters (MA…)."""
    body = f"913403210000{i:05d}" if i % 3 == 0 else f"91340321MA2T{i:05d}"
    return body + credit_check_char(body)


def make_panel() -> pd.DataFrame:
    """Twelve firms of 2022 (eight 规上) and one row of 2021 that must not be written."""
    stems = "甲乙丙丁戊己庚辛壬癸子丑"
    rows: list[dict[str, Any]] = []
    for i in range(12):
        rows.append(
            {
                "credit_code": code(i),
                "year": YEAR,
                "name": f"固镇{stems[i]}机械有限公司",
                "park": ["经开区", "连城镇", "湖沟镇"][i % 3],
                "industry_code": ["1311", "2929", "3360", "3989"][i % 4],
                "above_scale": i < 8,
                "established": pd.Timestamp(2005 + i, 3, 1),
                "land_owned_mu": 10.25 + 2.5 * i,
                "land_leased_mu": [np.nan, 3.0, 0.0][i % 3],
                "land_let_mu": 1.5 if i == 5 else np.nan,
                "tax_paid": 12.3456 + 10 * i,
                "revenue": [1234.5, 15000.25, 800.0][i % 3] + i,
                "output_value": 2000.75 + i,
                "value_added": 400.5 + i,
                "energy_tce": 120.25 + i,
                "electricity_kwh": np.nan if i == 11 else 100000.0 * i + 12345,
                "emissions_t": 1.5 + i if i % 2 == 0 else np.nan,
                "rd_expense": np.nan if i % 4 == 0 else 30.0 + i,
                "employees": 50 + i,
                "tech_investment": 100.0 + i,
                "safety_incident": i == 3,
                "env_violation": i == 5,
                "high_tech": i % 2 == 0,
                "specialized": i == 1,
                "new_to_scale": i == 2,
                "major_project": i == 6,
            }
        )
    last = {**rows[0], "year": YEAR - 1, "tax_paid": 999.0, "revenue": 1.0}
    return pd.DataFrame([*rows, last])


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return make_panel()


@pytest.fixture(scope="module")
def firms(panel: pd.DataFrame) -> pd.DataFrame:
    return panel[panel["year"] == YEAR].set_index("credit_code")


@pytest.fixture(scope="module")
def rules() -> mujun.Rules:
    return mujun.load_rules(RULES)


def located(issues: pd.DataFrame) -> pd.DataFrame:
    out = issues.copy()
    out["file"] = out["file"].map(lambda f: Path(f).name if f else "")
    return out


def sheet_rows(path: Path) -> list[list[Any]]:
    """Every row of a workbook's only sheet, or of a GBK CSV, as values."""
    if path.suffix == ".csv":
        return list(csv.reader(io.StringIO(path.read_bytes().decode("gbk"))))
    book = openpyxl.load_workbook(path)
    return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]


def assert_round_trip(table: mujun.EnterpriseTable, firms: pd.DataFrame, spoiled: set) -> None:
    """Each panel firm's fields read back in canonical units, except (code, field) in spoiled."""
    got = table.frame.set_index("credit_code")
    for c, want in firms.iterrows():
        row = got.loc[c]
        for name in NUMBERS:
            if (c, name) in spoiled:
                continue
            w, g = want[name], row[name]
            if name == "emissions_t" and pd.isna(w):
                assert pd.isna(g), (c, name)
            elif name == "land_owned_mu":  # 亩 → 平方米 (to 0.01) → 亩
                assert g == pytest.approx(w, abs=1e-3), (c, name)
            elif pd.isna(w):
                assert pd.isna(g), (c, name)
            else:  # 元 → 万元 within rounding error; the rest exactly
                assert g == pytest.approx(w, rel=1e-12, abs=1e-12), (c, name)
        for name in FLAGS:
            flag = bool(row[name]) if pd.notna(row[name]) else False  # absent from a file: 否
            if (c, name) not in spoiled:
                assert flag == want[name], (c, name)
        for name in ("name", "industry_code", "above_scale", "established"):
            assert row[name] == want[name], (c, name)
        if (c, "park") not in spoiled:
            assert row["park"] == want["park"]


def test_files_are_written_in_each_department_layout(
    tmp_path: Path, panel: pd.DataFrame, firms: pd.DataFrame
) -> None:
    paths = write_department_files(panel, YEAR, tmp_path, faults=False)
    assert [p.name for p in paths] == FILES
    tax, stats, land, power, env, bureau = (sheet_rows(p) for p in paths)
    assert tax[0][0] == "示例县2022年度企业实缴税金情况表"
    assert tax[1][0].startswith("填报单位：") and tax[1][-1] == "单位：元"
    assert tax[2] == ["序号", "纳税人识别号", "纳税人名称", "实缴税金(元)"]
    assert [r[0] for r in tax[-2:]] == ["合计", tax[-1][0]] and tax[-1][0].startswith("填报说明")
    yuan = {r[1]: r[3] for r in tax[3:-2]}
    assert yuan == {c: round(v * 10000) for c, v in firms["tax_paid"].items()}
    assert tax[-2][3] == sum(yuan.values())
    assert "A1:D1" in {str(r) for r in openpyxl.load_workbook(paths[0]).active.merged_cells.ranges}
    assert (
        "主要指标（万元）" in stats[2]
        and stats[3][stats[2].index("主要指标（万元）")] == "营业收入"
    )
    assert len(stats) - 4 == 12  # 规上 and 规下, the 2021 row not written
    revenue = [r[stats[3].index("营业收入")] for r in stats[4:]]
    assert any(isinstance(v, str) and "," in v for v in revenue)
    m2 = {r[1]: r[3] for r in land[3:]}
    assert m2 == {c: round(v * 10000 / 15, 2) for c, v in firms["land_owned_mu"].items()}
    assert power[1] == ["户号", "统一社会信用代码", "企业名称", "用电量(千瓦时)"]
    assert {r[1] for r in power[2:]} == set(firms.index[firms["electricity_kwh"].notna()])
    listed = firms["emissions_t"].notna() | firms["env_violation"]
    assert {r[1] for r in env[3:]} == set(firms.index[listed])
    assert {r[-1] for r in bureau[3:]} == {"是", "否"}


def test_the_power_csv_is_gbk(tmp_path: Path, panel: pd.DataFrame) -> None:
    power = write_department_files(panel, YEAR, tmp_path)[3]
    data = power.read_bytes()
    lines = data.decode("gbk").split("\r\n")
    assert lines[1].endswith("用电量(千瓦时)") and len(lines) == 2 + 11 + 1  # 11 firms use power
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")


def test_clean_files_read_back_as_the_panel(
    tmp_path: Path, panel: pd.DataFrame, firms: pd.DataFrame, rules: mujun.Rules
) -> None:
    paths = write_department_files(panel, YEAR, tmp_path, faults=False)
    table = read_for(paths, rules)
    issues = located(table.issues)
    assert not (issues["severity"] == "error").any(), issues[issues["severity"] == "error"]
    assert sorted(table.frame["credit_code"]) == sorted(firms.index)
    assert_round_trip(table, firms, set())
    notes = planted_faults(panel, YEAR, faults=False)
    assert [f["fault"] for f in notes] == ["note-row", "note-row"]
    skipped = issues[issues["code"] == "note-row"]
    assert sorted(zip(skipped["file"], skipped["row"], strict=True)) == [
        (f["file"], f["row"]) for f in notes
    ]


# found when the rules say what is needed: land > 0, and which department's file a firm lacks
AT_EVALUATION = ("non-positive-land", "missing-from-source")


def test_each_planted_fault_is_reported_where_recorded(
    tmp_path: Path, panel: pd.DataFrame, rules: mujun.Rules
) -> None:
    faults = planted_faults(panel, YEAR, seed=0)
    assert [f["fault"] for f in faults] == [*FAULT_KINDS, "note-row", "note-row"]
    assert len({f["credit_code"] for f in faults if f["credit_code"]}) == len(FAULT_KINDS)
    paths = write_department_files(panel, YEAR, tmp_path, seed=0)
    table = read_for(paths, rules)
    read, evaluated = located(table.issues), located(mujun.evaluate(table, rules).issues)
    for f in faults:
        if not f["issue"]:
            continue
        issues = evaluated if f["issue"] in AT_EVALUATION else read
        where = (issues["file"] == f["issue_file"]) & (issues["sheet"] == f["issue_sheet"])
        hit = issues[where & (issues["code"] == f["issue"]) & (issues["row"] == f["issue_row"])]
        assert len(hit) >= 1, f
        assert set(hit["severity"]) == {f["severity"]}, f
        if f["field"] == "credit_code" and f["fault"] != "duplicate-row":
            assert set(hit["credit_code"]) == {f["value"].upper()}, f
        elif f["issue"] != "note-row":
            assert f["credit_code"] in set(hit["credit_code"]), f
    by = {f["fault"]: f for f in faults}
    lacking = evaluated["credit_code"] == by["missing-from-land"]["credit_code"]
    missing = evaluated[(evaluated["code"] == "missing-from-source") & lacking]
    assert missing["message"].str.contains("自然资源局_土地使用情况.xlsx").any()
    conflict = read[read["code"] == "conflicting-values"]
    assert list(conflict["field"]) == ["name"]
    loose = by["credit-code-typed-loosely"]
    written = loose["value"]
    assert " " in written and written != written.upper()  # spaces and lower-case letters
    assert written.upper().replace(" ", "") == loose["credit_code"]
    codes = read[read["credit_code"] == loose["credit_code"]]["code"]
    assert not codes.isin(["bad-credit-code", "credit-code-check-digit"]).any()


def test_firms_come_back_once_and_faulted_values_as_written(
    tmp_path: Path, panel: pd.DataFrame, firms: pd.DataFrame, rules: mujun.Rules
) -> None:
    faults = {f["fault"]: f for f in planted_faults(panel, YEAR, seed=0)}
    table = read_for(write_department_files(panel, YEAR, tmp_path, seed=0), rules)
    counts = table.frame["credit_code"].value_counts()
    assert all(counts.get(c, 0) == 1 for c in firms.index)
    broken = {faults[k]["value"] for k in ("credit-code-check-digit", "credit-code-too-short")}
    assert set(counts.index) - set(firms.index) == broken and counts[list(broken)].eq(1).all()
    spoiled = {(faults[k]["credit_code"], name) for k, names in SPOILS.items() for name in names}
    assert_round_trip(table, firms, spoiled)
    got = table.frame.set_index("credit_code")
    scaled = faults["revenue-scaled"]
    assert got.at[scaled["credit_code"], "revenue"] == pytest.approx(
        float(scaled["value"].removesuffix("万")) * 1e4
    )
    assert pd.isna(got.at[faults["placeholder"]["credit_code"], "rd_expense"])
    assert pd.isna(got.at[faults["tax-not-a-number"]["credit_code"], "tax_paid"])
    assert got.at[faults["land-zero"]["credit_code"], "land_owned_mu"] == 0
    assert got.loc[faults["missing-from-land"]["credit_code"], LAND_PARTS].isna().all()


def test_recorded_rows_hold_what_was_written(tmp_path: Path, panel: pd.DataFrame) -> None:
    paths = {p.name: p for p in write_department_files(panel, YEAR, tmp_path, seed=3)}
    for f in planted_faults(panel, YEAR, seed=3):
        if f["row"] is None:  # the firm left out of the land register
            rows = sheet_rows(paths[f["file"]])
            assert not any(f["credit_code"] in map(str, r) for r in rows)
            continue
        rows = sheet_rows(paths[f["file"]])
        assert str(f["value"]) in [str(c) for c in rows[f["row"] - 1]], f
        if f["fault"] == "duplicate-row":  # an identical copy, 序号 included
            assert rows[f["row"] - 1] == rows[f["row"] - 2]


def test_same_seed_same_bytes(tmp_path: Path, panel: pd.DataFrame) -> None:
    one = write_department_files(panel, YEAR, tmp_path / "one", seed=7)
    two = write_department_files(panel, YEAR, tmp_path / "two", seed=7)
    for a, b in zip(one, two, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
        if a.suffix == ".xlsx":  # no save time inside: document dates and zip entries are fixed
            book = openpyxl.load_workbook(a)
            assert book.properties.modified == book.properties.created == dt.datetime(2023, 2, 1)
            with zipfile.ZipFile(a) as archive:
                assert {i.date_time for i in archive.infolist()} == {(2023, 2, 1, 0, 0, 0)}
    assert planted_faults(panel, YEAR, seed=7) == planted_faults(panel, YEAR, seed=7)
    other = [f["credit_code"] for f in planted_faults(panel, YEAR, seed=8)]
    assert other != [f["credit_code"] for f in planted_faults(panel, YEAR, seed=7)]


def test_missing_columns_leave_out_files_and_faults(tmp_path: Path, panel: pd.DataFrame) -> None:
    thin = panel.drop(columns=["electricity_kwh", "emissions_t", "env_violation", "rd_expense"])
    paths = write_department_files(thin, YEAR, tmp_path)
    assert [p.name for p in paths] == [FILES[0], FILES[1], FILES[2], FILES[5]]
    faults = [f["fault"] for f in planted_faults(thin, YEAR)]
    assert "credit-code-check-digit" not in faults and "placeholder" not in faults
    assert mujun.read_sources(paths, year=YEAR).frame["credit_code"].nunique() >= 12


def test_readme_lists_files_command_and_faults(tmp_path: Path, panel: pd.DataFrame) -> None:
    paths = write_department_files(panel, YEAR, tmp_path, seed=0)
    faults = planted_faults(panel, YEAR, seed=0)
    command = "python -c 'from mujun.sample.departments import write_department_files; ...'"
    text = write_readme(tmp_path, faults, command).read_text(encoding="utf-8")
    assert "synthetic" in text and command in text
    assert all(p.name in text for p in paths)
    for f in faults:
        assert f"| {f['fault']} | {f['file']} | {f['row'] if f['row'] else '（未列入）'} |" in text
    assert "/tmp" not in text and str(tmp_path) not in text


def test_demo_files_are_read_by_the_demo_rules() -> None:
    with demo_files(n_firms=30) as files:
        assert [p.name for p in files] == FILES
        table = read_for(files, mujun.load_rules(DEMO_RULES))
        assert len(table) >= 30
    assert not any(p.exists() for p in files)


@pytest.mark.slow
def test_mujun_demo_runs_end_to_end_and_its_results_hold_the_invariants(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from mujun.cli import app
    from mujun.engine.tiers import cumulative_counts

    out = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} >= {
        "results.csv",
        "results.parquet",
        "issues.csv",
        "问题清单.xlsx",
        "manifest.json",
    }
    results = pd.read_parquet(out / "results.parquet")
    rules = mujun.load_rules(DEMO_RULES)
    with demo_files() as files:
        table = read_for(files, rules)
    assert len(results) == len(table)  # every firm read is in the results exactly once
    assert results["credit_code"].tolist() == table.frame["credit_code"].tolist()
    assert set(results["status"].astype(str)) <= {"evaluated", "exempt", "deferred", "rejected"}
    assert (results["status_reason"].astype(str) != "").all()
    done = results[results["status"] == "evaluated"]
    assert done["tier"].astype(str).isin(["A", "B", "C", "D"]).all()
    assert (done["rank"] >= 1).all() and done["total_score"].notna().all()
    for klass in rules.classes:  # quota tiers exactly as the rounding rule says
        mine = done[done["class"] == klass.code]
        order = klass.tiers.order
        bounds = [
            0,
            *cumulative_counts(
                len(mine), list((klass.tiers.shares or {}).values()), klass.tiers.rounding
            ),
        ]
        quota = mine[mine["tier_reason"] == "quota"]
        position = quota["tier"].astype(str).map(order.index).to_numpy()
        rank = quota["rank"].to_numpy()
        assert ((rank > np.take(bounds, position)) & (rank <= np.take(bounds, position + 1))).all()
    assert "错误" in result.output and "结果已写入" in result.output
