"""差别化政策清单: what each body gets (no tax, no scores), sums that agree with the results, the
run folder and its manifest, and the demo county's surcharge recomputed by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import one_class_text
from policy_county import SURCHARGE, TAX, THRESHOLD, county, past_tiers, rules_with

import mujun
from mujun.export.folder import write_run
from mujun.export.policy_workbook import policy_workbook_name, write_policy_workbook
from mujun.sample.demo import DEMO_RULES, demo_files

LABEL = """
[[policy]]
code = "a_treatment"
label = "参照享受A类政策"
when = "major_project and tier != 'A'"
source = "本地自定（测试）"
"""
CONFIDENTIAL = ("税", "营业收入", "得分", "排名", "增加值")
MAJOR = [True, False, False, False, False, True, True, False]


def sheets(path: Path) -> dict[str, list[tuple[object, ...]]]:
    book = openpyxl.load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book}


def table(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    """The sheet's table below its header row (the row starting 序号; a header broken over
    lines read as one)."""
    at = next(i for i, r in enumerate(rows) if r[0] == "序号")
    return pd.DataFrame(rows[at + 1 :], columns=[str(h).replace("\n", "") for h in rows[at]])


def evaluation() -> mujun.Evaluation:
    frame = county(major_project=MAJOR, revenue=[1234.5] * 8, value_added=[321.0] * 8)
    return mujun.evaluate(frame, rules_with(SURCHARGE, LABEL), past_tiers=past_tiers())


def test_power_company_list_holds_no_tax_and_its_sums_match(tmp_path: Path) -> None:
    ev = evaluation()
    got = sheets(write_policy_workbook(ev, tmp_path / "p.xlsx"))
    assert list(got) == ["汇总", "差别化电价加价", "参照享受A类政策"]
    power = table(got["差别化电价加价"])
    assert list(power.columns) == [
        "序号", "企业名称", "统一社会信用代码", "所属园区", "档次", "用电户号", "连续年数",
        "用电量（千瓦时）", "费率（元/千瓦时）", "金额（元）",
    ]  # fmt: skip
    for name, rows in got.items():
        text = " ".join(str(v) for r in rows for v in r if v is not None)
        assert not any(word in text for word in CONFIDENTIAL), name
        numbers = {v for r in rows for v in r if isinstance(v, float)}
        assert not numbers & {1234.5, 321.0}, name  # revenue and value added never appear
    # firms 0, 1, 7 (东园) then 2, 3, 4 (西园); firm 7 without kWh is listed, amount blank
    assert list(power["所属园区"]) == ["东园"] * 3 + ["西园"] * 3
    assert power["用电户号"].iloc[0] == "3700000000"
    kwh = power["用电量（千瓦时）"].astype(float)
    rate = power["费率（元/千瓦时）"].astype(float)
    amount = power["金额（元）"].astype(float)
    known = kwh.notna()
    np.testing.assert_allclose(amount[known], (rate * kwh)[known])
    assert amount.isna().sum() == 1
    summary = table(got["汇总"]).set_index(["政策", "园区"])
    assert summary.loc[("差别化电价加价", "合计"), "金额（元）"] == pytest.approx(amount.sum())
    assert summary.loc[("差别化电价加价", "东园"), "企业数（家）"] == 3
    assert summary.loc[("差别化电价加价", "合计"), "金额（元）"] == pytest.approx(77_500.0)
    assert summary.loc[("参照享受A类政策", "合计"), "企业数（家）"] == 2  # firms 0 and 5
    label = table(got["参照享受A类政策"])
    assert list(label["政策"]) == ["参照享受A类政策"] * 2
    assert "用电量（千瓦时）" not in label.columns


def test_a_policy_on_tax_shows_its_own_field(tmp_path: Path) -> None:
    own = """
[[policy]]
code = "tax_levy"
label = "税收调节"
tier = "D"
field = "tax_paid"
rate = 100.0
unit = "元"
source = "本地自定（测试）"
"""
    ev = mujun.evaluate(county(), rules_with(own))
    power = table(sheets(write_policy_workbook(ev, tmp_path / "p.xlsx"))["税收调节"])
    assert "实缴税金（万元）" in power.columns  # its own field, and no other figure
    np.testing.assert_allclose(power["金额（元）"], power["实缴税金（万元）"] * 100.0)


def test_run_folder_writes_and_lists_the_policy_workbook(tmp_path: Path) -> None:
    ev = evaluation()
    write_run(ev, tmp_path / "run")
    name = policy_workbook_name(ev)
    assert name == "差别化政策清单_测试县_2023.xlsx"
    assert (tmp_path / "run" / name).is_file()
    record = json.loads((tmp_path / "run" / "manifest.json").read_text(encoding="utf-8"))
    assert name in record["files"] and name in record["sha256"]
    results = pd.read_csv(tmp_path / "run" / "results.csv", dtype={"credit_code": str})
    assert {"tier_years", "policy_power_surcharge", "policy_a_treatment"} <= set(results.columns)
    method = sheets(tmp_path / "run" / "亩均效益评价结果_测试县_2023.xlsx")["说明"]
    text = " ".join(str(v) for r in method for v in r if v is not None)
    assert "结果应用（差别化政策）" in text and "连续第3年及以后0.15元/千瓦时" in text


def test_rules_without_policies_write_no_policy_workbook(tmp_path: Path) -> None:
    ev = mujun.evaluate(county(), mujun.parse_rules(one_class_text(TAX, tiers=THRESHOLD)))
    write_run(ev, tmp_path / "run")
    assert not list((tmp_path / "run").glob("差别化政策清单*"))


def test_demo_surcharge_is_rate_times_kwh_by_consecutive_d_years(tmp_path: Path) -> None:
    rules = mujun.load_rules(DEMO_RULES)
    with demo_files() as files:
        table_ = mujun.read_sources(files)
    first = mujun.evaluate(table_, rules)
    d = first.results[first.results["tier"] == "D"]["credit_code"].astype(str).tolist()
    assert len(d) >= 6
    # by hand: the first third of the D firms were D in 2021 and 2020 (3 years → 0.15), the
    # second third D in 2021 only (2 → 0.10), the rest D in 2020 only (the run breaks → 0.05)
    third = len(d) // 3
    years = {c: 3 for c in d[:third]} | {c: 2 for c in d[third : 2 * third]}
    years |= {c: 1 for c in d[2 * third :]}
    past = pd.DataFrame(
        [(c, 2021, "above_scale", "D") for c in d[: 2 * third]]
        + [(c, 2020, "above_scale", "D") for c in d[:third] + d[2 * third :]],
        columns=["credit_code", "year", "class", "tier"],
    )
    ev = mujun.evaluate(table_, rules, past_tiers=past)
    got = table(sheets(write_policy_workbook(ev, tmp_path / "p.xlsx"))["差别化电价加价"])
    assert sorted(got["统一社会信用代码"]) == sorted(d)
    kwh = ev.column("electricity_kwh")
    at = {c: i for i, c in enumerate(ev.results["credit_code"].astype(str))}
    for _, row in got.iterrows():
        code = row["统一社会信用代码"]
        rate = {1: 0.05, 2: 0.10, 3: 0.15}[years[code]]
        assert row["连续年数"] == years[code]
        assert row["费率（元/千瓦时）"] == pytest.approx(rate)
        if np.isfinite(kwh[at[code]]):
            assert row["金额（元）"] == pytest.approx(rate * kwh[at[code]])
        else:
            assert pd.isna(row["金额（元）"])  # missing kWh: blank, never 0


def test_template_asks_the_power_company_for_what_its_policy_needs() -> None:
    from mujun.export.template import template_sheets

    power = template_sheets(rules_with(SURCHARGE))["供电公司"]
    assert "power_account" in power and "electricity_kwh" in power
    without = template_sheets(mujun.parse_rules(one_class_text(TAX, tiers=THRESHOLD)))
    assert "供电公司" not in without  # the surcharge's fields only where a policy reads them


def test_mujun_run_prints_each_policy_and_writes_its_list(tmp_path: Path) -> None:
    from cli_setup import invoke, make_files

    files = make_files(tmp_path)
    award = '\n[[policy]]\ncode = "award"\nlabel = "A类企业奖励"\ntier = "A"\namount = 20000\n'
    rules = files["rules"]
    rules.write_text(rules.read_text(encoding="utf-8") + award + 'source = "本地自定"\n', "utf-8")
    out = tmp_path / "out"
    rc, text = invoke("run", "--rules", rules, "--data", files["data"], "--out", out)
    assert rc == 0, text
    # scores: 甲 100/10 亩 → 100, 乙 100/20 → 50, 丙 50/10 → 50, 丁 10/5 → 20; quota A 50 %
    # takes 2, and 乙 and 丙, tied, share the better tier: 3 A firms → 3 × 20000
    assert "A类企业奖励：3 家，合计 60,000.00 元" in text.replace("\n", " ")
    assert (out / "差别化政策清单_测试县_2022.xlsx").is_file()
