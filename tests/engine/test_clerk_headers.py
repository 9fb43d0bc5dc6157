"""A CSV headed as a clerk types it (占地面积(亩), 能耗(吨标煤), 所属行业, a park spelled two ways)
reads and evaluates every firm under rules with `[input.aliases]` and `[parks]`; without them,
the issues say which column looks like which field and what to add to the rules. Through
read_sources + evaluate and through `mujun run`, which must agree."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
from cli_setup import invoke
from conftest import credit_code

import mujun

HEAD = """mujun_rules = 1
name = "测试县工业企业亩均效益评价（表头测试）"
region = "测试县"
year = 2022
"""
TABLES = """
[input.aliases]
land_owned_mu = ["占地面积(亩)"]
energy_tce = ["能耗(吨标煤)"]
industry_code = ["所属行业"]

[parks]
names = ["王庄镇", "固镇经济开发区"]
aliases = { "王庄" = "王庄镇" }
"""
BODY = """
[[exclude]]
when = "industry_division >= 44 and industry_division <= 46"
status = "exempt"
reason = "公用事业企业免评"

[[class]]
code = "all"
label = "工业企业"
when = "land_mu > 0 or isnull(land_mu) or land_mu <= 0"

  [[class.indicator]]
  code = "tax_per_mu"
  label = "亩均税收"
  formula = "tax_paid / land_mu"
  weight = 50
  score = { method = "ratio", benchmark = 10.0, cap = 3.0 }

  [[class.indicator]]
  code = "revenue_per_tce"
  label = "单位能耗营业收入"
  formula = "revenue / energy_tce"
  weight = 50
  score = { method = "ratio", benchmark = 10.0, cap = 3.0 }
  missing = "mean_score"

  [class.tiers]
  method = "quota"
  shares = { A = 0.5, B = 0.5 }
  names = { A = "优先发展类", B = "提升发展类" }
"""
HEADER = ["统一社会信用代码", "企业名称", "所属园区", "所属行业", "占地面积(亩)", "实缴税金(万元)",
          "营业收入(万元)", "能耗(吨标煤)", "联系人"]  # fmt: skip
FIRMS = [
    [credit_code(1), "甲公司", "王庄", "3311", "20", "300", "2000", "100", "张三"],
    [credit_code(2), "乙公司", "王庄镇", "2929", "30", "150", "1500", "300", "李四"],
    [credit_code(3), "丙公司", "王庄镇", "1713", "10", "20", "800", "160", "王五"],
    [credit_code(4), "丁公司", "固镇经济开发区", "3511", "40", "400", "5000", "250", "赵六"],
]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    data = tmp_path / "企业数据.csv"
    with data.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *FIRMS])
    with_tables = tmp_path / "with.toml"
    with_tables.write_text(HEAD + TABLES + BODY, encoding="utf-8")
    without = tmp_path / "without.toml"
    without.write_text(HEAD + BODY, encoding="utf-8")
    return {"data": data, "with": with_tables, "without": without}


def evaluate(data: Path, rules_file: Path) -> mujun.Evaluation:
    rules = mujun.load_rules(rules_file)
    table = mujun.read_sources([data], year=rules.year, aliases=rules.input.aliases)
    return mujun.evaluate(table, rules)


def test_with_aliases_and_parks_every_firm_is_evaluated(files: dict[str, Path]) -> None:
    ev = evaluate(files["data"], files["with"])
    results = ev.results
    assert results["status"].tolist() == ["evaluated"] * 4
    assert results["park"].tolist() == ["王庄镇", "王庄镇", "王庄镇", "固镇经济开发区"]
    # by hand: tax/land 15, 5, 2, 10 → ×5 = 75, 25, 10, 50 (cap 150);
    # revenue/energy 20, 5, 5, 20 → 100, 25, 25, 100: totals 175, 50, 35, 150
    assert results["total_score"].tolist() == pytest.approx([175, 50, 35, 150])
    assert results["tier"].tolist() == ["A", "B", "B", "A"]
    assert results["tier_label"].tolist() == [
        "优先发展类",
        "提升发展类",
        "提升发展类",
        "优先发展类",
    ]
    assert ev.column("industry_division").tolist() == [33, 29, 17, 35]
    codes = set(ev.issues["code"])
    assert not codes & {"similar-column", "missing-column", "unknown-park", "park-spellings"}
    assert ev.groups("park") == ["固镇经济开发区", "王庄镇"]
    # 联系人 is no field: still told once, as read
    assert ev.issues.loc[ev.issues["code"] == "unknown-column", "value"].tolist() == ["联系人"]


def test_without_them_the_issues_say_what_to_add(files: dict[str, Path]) -> None:
    ev = evaluate(files["data"], files["without"])
    issues = ev.issues
    similar = issues[issues["code"] == "similar-column"].set_index("value")
    assert sorted(similar.index) == sorted(["所属行业", "占地面积(亩)", "能耗(吨标煤)"])
    assert similar.loc["占地面积(亩)", "field"] == "land_owned_mu"
    assert similar.loc["能耗(吨标煤)", "field"] == "energy_tce"
    assert similar.loc["所属行业", "field"] == "industry_code"
    assert set(similar["severity"]) == {"warning"}
    assert set(similar["file"]) == {str(files["data"])}
    assert similar["row"].tolist() == [1, 1, 1]  # the header's line
    land = similar.loc["占地面积(亩)", "message"]
    assert "是否指“自有用地”（land_owned_mu）" in land
    assert '[input.aliases] land_owned_mu = ["占地面积(亩)"]' in land
    # 联系人 resembles nothing: it stays an unknown column
    unknown = issues[issues["code"] == "unknown-column"]
    assert unknown["value"].tolist() == ["联系人"]
    missing = issues[issues["code"] == "missing-column"].set_index("field")
    assert missing.loc["land_mu", "severity"] == "error"
    assert "企业数据.csv的“占地面积(亩)”像是这一列" in missing.loc["land_mu", "message"]
    assert 'energy_tce = ["能耗(吨标煤)"]' in missing.loc["energy_tce", "message"]
    spellings = issues[issues["code"] == "park-spellings"]
    (message,) = spellings["message"]
    assert "“王庄镇”（2户）、“王庄”（1户）很可能是同一园区" in message
    assert 'aliases = { "王庄" = "王庄镇" }' in message and "[parks]" in message
    assert ev.results["status"].tolist() == ["rejected"] * 4  # no land: nothing to grade


def test_the_command_line_reads_with_the_rules_aliases_and_parks(
    files: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    rc, text = invoke("run", "--rules", files["with"], "--data", files["data"], "--out", out)
    assert rc == 0, text
    results = pd.read_csv(out / "results.csv", dtype=str, encoding="utf-8-sig")
    assert results["status"].tolist() == ["evaluated"] * 4
    assert results["park"].tolist() == ["王庄镇", "王庄镇", "王庄镇", "固镇经济开发区"]
    columns = results.columns.tolist()
    assert columns[columns.index("tier") + 1] == "tier_label"
    assert results["tier_label"].tolist() == [
        "优先发展类",
        "提升发展类",
        "提升发展类",
        "优先发展类",
    ]
    assert sorted(p.name for p in (out / "parks").iterdir()) == [
        "固镇经济开发区.html",
        "固镇经济开发区.xlsx",
        "王庄镇.html",
        "王庄镇.xlsx",
    ]
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["rows"]["evaluated"] == 4
    direct = evaluate(files["data"], files["with"])
    issues = pd.read_csv(out / "issues.csv", dtype=str, encoding="utf-8-sig")
    assert sorted(issues["code"]) == sorted(direct.issues["code"])


def test_the_command_line_says_what_to_add_without_them(
    files: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    rc, text = invoke("run", "--rules", files["without"], "--data", files["data"], "--out", out)
    assert rc == 1, text  # data errors: land and energy are missing
    issues = pd.read_csv(out / "issues.csv", dtype=str, encoding="utf-8-sig")
    direct = evaluate(files["data"], files["without"]).issues
    assert sorted(issues["message"]) == sorted(direct["message"])
    assert (issues["code"] == "similar-column").sum() == 3
    assert (issues["code"] == "park-spellings").sum() == 1
