"""Known answers of the shipped methods written for issue 14 (DOMAIN §2, §8): a small table per
rules file whose scores and tier counts are computed by hand in the comments."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import shipped_firms

import mujun

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
REGION = "913301"  # the first digits of these tests' credit codes


def code(i: int) -> str:
    """A valid 统一社会信用代码 for firm number i."""
    return shipped_firms.code(i, REGION)


def firm(i: int, year: int, **fields: object) -> dict[str, object]:
    """One input row (see `shipped_firms.firm`), in a 工业园区 established 2005."""
    defaults: dict[str, object] = {"park": "工业园区", "established": "2005-01-01"}
    return shipped_firms.firm(i, year, region=REGION, **{**defaults, **fields})


def run(rows: list[dict[str, object]], name: str) -> pd.DataFrame:
    """Evaluate rows under a shipped rules file; results indexed by credit code."""
    rules = mujun.load_rules(RULES_DIR / name)
    return mujun.evaluate(pd.DataFrame(rows), rules).results.set_index("credit_code")


def counts(res: pd.DataFrame, klass: str, tiers: str = "ABCD") -> dict[str, int]:
    done = res[(res["class"] == klass) & (res["status"] == "evaluated")]["tier"]
    return {t: int((done == t).sum()) for t in tiers}


# ---------------------------------------------------------------- 临海 2014 (fixed benchmarks)

LINHAI = "zhejiang-linhai-2014.toml"


def test_linhai_fixed_benchmarks_both_classes() -> None:
    rows = [
        # ≥3亩, exactly at every benchmark: 60/4 = 15 → 40; 1200/4 = 300 → 10; 300/100 = 3 → 20;
        # 300/0.6 = 500 → 15; 300/3000 = 0.1 → 5; 300/20 = 15 → 10; total 100
        firm(
            1,
            2014,
            land_owned_mu=4.0,
            tax_paid=60.0,
            revenue=1200.0,
            value_added=300.0,
            energy_tce=100.0,
            cod_t=0.6,
            water_t=3000.0,
            employees=20.0,
        ),
        # ≥3亩: 300/10 = 30 → 30/15 × 40 = 80; 1500/10 = 150 → 150/300 × 10 = 5;
        # 600/100 = 6 → 6/3 × 20 = 40; 600/2.4 = 250 → 250/500 × 15 = 7.5;
        # 600/12000 = 0.05 → 0.05/0.1 × 5 = 2.5; 600/80 = 7.5 → 7.5/15 × 10 = 5; total 140
        firm(
            2,
            2014,
            land_owned_mu=10.0,
            tax_paid=300.0,
            revenue=1500.0,
            value_added=600.0,
            energy_tce=100.0,
            cod_t=2.4,
            water_t=12000.0,
            employees=80.0,
        ),
        # <3亩: 30/2 = 15 → 50; 300/2 = 150 → 150/300 × 20 = 10;
        # 30 万元 × 10000 / 300000 kWh = 1 元/度 → 1/2 × 30 = 15; total 75
        firm(3, 2014, land_owned_mu=2.0, tax_paid=30.0, revenue=300.0, electricity_kwh=3e5),
        # <3亩 with no electricity reported: 45/2.5 = 18 → 18/15 × 50 = 60;
        # 1500/2.5 = 600 → 600/300 × 20 = 40; 单位电耗税收 missing → 0; total 100
        firm(4, 2014, land_owned_mu=2.5, tax_paid=45.0, revenue=1500.0),
    ]
    res = run(rows, LINHAI)
    assert res.loc[code(1), "class"] == "three_mu_and_over"
    assert res.loc[code(1), "score_tax_per_mu"] == pytest.approx(40.0)
    assert res.loc[code(1), "total_score"] == pytest.approx(100.0)
    assert res.loc[code(2), "total_score"] == pytest.approx(140.0)
    assert res.loc[code(3), "class"] == "under_three_mu"
    assert res.loc[code(3), "score_tax_per_kwh"] == pytest.approx(15.0)
    assert res.loc[code(3), "total_score"] == pytest.approx(75.0)
    assert res.loc[code(4), "total_score"] == pytest.approx(100.0)


def test_linhai_tier_counts() -> None:
    # 20 firms ≥3亩, distinct totals; A 20 %, B 60 %, C 15 %, D 5 %, cumulative half-up:
    # round(4) = 4, round(16) = 16, round(19) = 19, 20 → A 4, B 12, C 3, D 1
    rows = [firm(i, 2014, land_owned_mu=10.0, tax_paid=10.0 * i) for i in range(1, 21)]
    res = run(rows, LINHAI)
    assert counts(res, "three_mu_and_over") == {"A": 4, "B": 12, "C": 3, "D": 1}
    # 10 firms: round(2) = 2, round(8) = 8, round(9.5) = 10 (half-up) → A 2, B 6, C 2, D 0
    res = run(rows[:10], LINHAI)
    assert counts(res, "three_mu_and_over") == {"A": 2, "B": 6, "C": 2, "D": 0}


# ---------------------------------------------------------------- 漳州 2022 第三序列

ZHANGZHOU = "fujian-zhangzhou-2022.toml"


def test_zhangzhou_third_sequence() -> None:
    # 规下 on 10 亩 of their own: tax 10·i → 亩均 i → i/15 × 60 = 4i; 产值 5000 → 500/亩 → 20;
    # 销售收入 4000 → 400/亩 → 20: total 4i + 40; A 30 % B 30 % C 30 % D 10 % of 10 → 3/3/3/1
    rows = [
        firm(
            i,
            2022,
            above_scale=False,
            land_owned_mu=10.0,
            tax_paid=10.0 * i,
            output_value=5000.0,
            revenue=4000.0,
        )
        for i in range(1, 11)
    ]
    res = run(rows, ZHANGZHOU)
    assert (res["class"] == "third_sequence").all()
    assert res.loc[code(3), "total_score"] == pytest.approx(4 * 3 + 40)
    assert counts(res, "third_sequence") == {"A": 3, "B": 3, "C": 3, "D": 1}


# ---------------------------------------------------------------- 旌德 2022 (new firms)


def test_jingde_new_firms_evaluated_from_their_first_year() -> None:
    base = dict(land_owned_mu=20.0, tax_paid=100.0, revenue=5000.0, energy_tce=100.0)
    rows = [
        firm(1, 2022, **base),
        firm(2, 2022, established="2022-06-01", **base),  # started production in 2022
        firm(3, 2022, established="2023-03-01", **base),  # after the evaluation year
    ]
    res = run(rows, "anhui-jingde-2022.toml")
    assert res.loc[code(2), "status"] == "evaluated"
    assert res.loc[code(3), "status"] == "deferred"
    assert "尚未投产" in res.loc[code(3), "status_reason"]


# ---------------------------------------------------------------- 昌乐 2023 (vetoes, protections)

CHANGLE = "shandong-changle-2023.toml"


def changle_rows() -> list[dict[str, object]]:
    # 20 规上 firms alike but for tax: 100 + 5i on 10 亩 (i = 1..20, Σtax = 2000 + 5 × 210 = 3050).
    # 亩均税收: pooled 3050 / 200 = 15.25, item 40 × (tax / 10) / 15.25; 单位能耗税收: pooled
    # 3050 / 2000 = 1.525, item 15 × (tax / 100) / 1.525; both = weight × tax / 152.5 (≤ 200 /
    # 152.5 = 1.31 × weight: no cap). Every other item sits at its pooled benchmark and scores
    # its weight: 20 + 15 + 10 = 45. Total = 45 + 55 × tax / 152.5; ranks 1..20 from i = 20 down.
    return [
        firm(
            i,
            2023,
            land_owned_mu=10.0,
            tax_paid=100.0 + 5.0 * i,
            revenue=1000.0,
            energy_tce=100.0,
            rd_expense=10.0,
            value_added=200.0,
            employees=20.0,
        )
        for i in range(1, 21)
    ]


def test_changle_scores_and_plain_counts() -> None:
    res = run(changle_rows(), CHANGLE)
    assert res.loc[code(1), "total_score"] == pytest.approx(45 + 55 * 105 / 152.5)  # 82.869
    assert res.loc[code(20), "total_score"] == pytest.approx(45 + 55 * 200 / 152.5)  # 117.131
    # A 20 %, B 55 %, C 20 %, D 5 % of 20: round(4), round(15), round(19) → 4 / 11 / 4 / 1
    assert counts(res, "above_scale") == {"A": 4, "B": 11, "C": 4, "D": 1}


def test_changle_declared_veto_and_protection() -> None:
    # by quota: A ranks 1–4 (i = 20..17), B ranks 5–15, C ranks 16–19, D rank 20 (i = 1)
    rows = changle_rows()
    rows[14]["capacity_cut_missed"] = True  # i = 15, rank 6 (B): 未完成去产能任务
    rows[17]["quality_substandard"] = True  # i = 18, rank 3 (A): 质量不达标
    rows[0]["new_to_scale"] = True  # i = 1, rank 20 (D): 上年度小升规, protected
    res = run(rows, CHANGLE)
    assert res.loc[code(15), "tier"] == "C"
    assert res.loc[code(18), "tier"] == "C"
    assert "一票否决" in res.loc[code(18), "tier_reason"]
    assert res.loc[code(1), "tier"] == "C"
    assert "保护" in res.loc[code(1), "tier_reason"]


# ---------------------------------------------------------------- 温岭 2022 (groups, letting)

WENLING = "zhejiang-wenling-2022.toml"


def wenling_rows() -> list[dict[str, object]]:
    # 规上: 10 textile firms (1711) and 10 pump firms (3441), tax 10·(k + 1) on 10 亩 in each
    # group; pooled 亩均税收 over the class = 2 × 550 / 200 = 5.5, item = 30 × (k + 1) / 5.5
    # (capped at 45 from k + 1 = 9); the other five items sit at their benchmarks: 70 points
    same = dict(
        land_owned_mu=10.0,
        value_added=500.0,
        energy_tce=100.0,
        emissions_t=1.0,
        rd_expense=20.0,
        revenue=2000.0,
        employees=50.0,
    )
    rows = []
    for g, industry in enumerate(("1711", "3441")):
        for k in range(10):
            rows.append(
                firm(100 * g + k, 2022, industry_code=industry, tax_paid=10.0 * (k + 1), **same)
            )
    return rows


def test_wenling_quotas_within_industry_groups() -> None:
    res = run(wenling_rows(), WENLING)
    assert res.loc[code(0), "total_score"] == pytest.approx(70 + 30 / 5.5)
    # per group of 10: A 20 % B 60 % C 15 % D 5 %: round(2), round(8), round(9.5) = 10 → 2/6/2/0
    for g in (0, 1):
        group = res.loc[[code(100 * g + k) for k in range(10)]]
        assert {t: int((group["tier"] == t).sum()) for t in "ABCD"} == {
            "A": 2,
            "B": 6,
            "C": 2,
            "D": 0,
        }
        assert group["rank"].min() == 1  # ranked within the group
    assert counts(res, "above_scale") == {"A": 4, "B": 12, "C": 4, "D": 0}


def test_wenling_letting_deduction() -> None:
    rows = wenling_rows()
    rows[0]["tenants_count"] = 3  # 规上 letting to 3: (3 − 1) × 5 = 10 points off
    rows[1]["tenants_count"] = 1  # 规上 letting to one 规下 firm: nothing off
    small = dict(
        above_scale=False,
        industry_code="1711",
        land_owned_mu=5.0,
        tax_paid=10.0,
        revenue=500.0,
        electricity_kwh=1e5,
    )
    # 规下 alike: every item at its benchmark → 100; letting to 1: −10; to 3: −10 − 2 × 5 = −20
    rows += [firm(300, 2022, tenants_count=1, **small), firm(301, 2022, tenants_count=3, **small)]
    rows.append(firm(302, 2022, **small))
    res = run(rows, WENLING)
    assert res.loc[code(0), "total_score"] == pytest.approx(70 + 30 / 5.5 - 10)
    assert res.loc[code(1), "total_score"] == pytest.approx(70 + 60 / 5.5)
    assert res.loc[code(300), "total_score"] == pytest.approx(90.0)
    assert res.loc[code(301), "total_score"] == pytest.approx(80.0)
    assert res.loc[code(302), "total_score"] == pytest.approx(100.0)


# ---------------------------------------------------------------- 安阳 2018 (two stages)

ANYANG = "henan-anyang-2018.toml"


def test_anyang_below_scale_two_stages_39_firms() -> None:
    # 39 规下 firms on 10 亩, tax 10.5, 11.0, …, 29.5 (mean 20): 亩均税收 pooled = 2 →
    # item 50 × (tax / 10) / 2 = 2.5 tax; 实缴税收 mean 20 → item 50 × tax / 20 = 2.5 tax;
    # total 5 tax (no cap reached: 5 × 29.5 = 147.5 < 150), ranks 1..39 by tax.
    # A: among rank_pct ≤ 0.5 (ranks 1–19) the first round(0.15 × 39 = 5.85) = 6 by tax → ranks 1–6;
    # C: among rank_pct > 0.5 (ranks 20–39) the last round(0.10 × 39 = 3.9) = 4 → ranks 36–39;
    # the rest B: 29. Published 6/29/4 (DOMAIN §8, §9).
    rows = [
        firm(i, 2018, above_scale=False, land_owned_mu=10.0, tax_paid=10.5 + 0.5 * i)
        for i in range(39)
    ]
    res = run(rows, ANYANG)
    assert res.loc[code(38), "total_score"] == pytest.approx(5 * 29.5)
    assert counts(res, "below_scale", "ABC") == {"A": 6, "B": 29, "C": 4}
    by_rank = res.sort_values("rank")["tier"].tolist()
    assert by_rank == ["A"] * 6 + ["B"] * 29 + ["C"] * 4


def test_anyang_stage_ordering_is_not_the_total() -> None:
    # 10 规上 firms, tax 100 on 10 亩 each (亩均税收 item 25 for all), revenue 1000, energy 100.
    # R&D 10 but firms 3, 4: 12 and firm 5: 16; output 1600, 1550, 1500, 1300, 1250 (firms 0–4),
    # 700, 800, 790, 780, 770 (firms 5–9); emissions 1 t but firm 5: 1.3 t. Items (pooled
    # benchmarks, cap 1.5 × 25): R&D Σ = 110 over Σrevenue 10000 → 25 × rd / 11; output
    # Σ = 11040 over Σenergy 1000 → 25 × output / 1104; tax per emission 1000 / 10.3 = 97.09 →
    # 25 × (100 / emissions) / 97.09. Totals: firm 0 = 25 + 22.73 + 36.23 + 25.75 = 109.71
    # (rank 1), firm 1 108.58 (2), firm 3 25 + 27.27 + 29.44 + 25.75 = 107.46 (3), firm 2 107.44
    # (4), firm 4 106.33 (5); firm 5 = 25 + 36.36 + 15.85 + 19.81 = 97.02, the best of the
    # bottom half (rank 6).
    # A: round(0.15 × 10 = 1.5) = 2 of ranks 1–5 by 亩均税收 + R&D items: firms 3 and 4
    # (25 + 27.27), not firms 0 and 1 as a plain quota would; C: round(0.10 × 10) = 1 of ranks
    # 6–10, the lowest by output + emission items: firm 5 (15.85 + 19.81 = 35.66 against ≥ 43.2),
    # not the last by total (firm 9). The rest B: 7.
    rd = [10, 10, 10, 12, 12, 16, 10, 10, 10, 10]
    out = [1600, 1550, 1500, 1300, 1250, 700, 800, 790, 780, 770]
    rows = [
        firm(
            i,
            2018,
            land_owned_mu=10.0,
            tax_paid=100.0,
            revenue=1000.0,
            rd_expense=float(rd[i]),
            output_value=float(out[i]),
            energy_tce=100.0,
            emissions_t=1.3 if i == 5 else 1.0,
        )
        for i in range(10)
    ]
    res = run(rows, ANYANG)
    assert res.loc[code(0), "rank"] == 1 and res.loc[code(5), "rank"] == 6
    assert res.loc[[code(3), code(4)], "tier"].tolist() == ["A", "A"]
    assert res.loc[[code(0), code(1)], "tier"].tolist() == ["B", "B"]
    assert res.loc[code(5), "tier"] == "C"
    assert res.loc[code(9), "tier"] == "B"
    assert counts(res, "above_scale", "ABC") == {"A": 2, "B": 7, "C": 1}


# ---------------------------------------------------------------- 义乌 2022 (units, no land)

YIWU = "zhejiang-yiwu-2022.toml"


def test_yiwu_related_firms_are_one_unit_and_firms_without_land_are_graded() -> None:
    same = dict(value_added=500.0, energy_tce=100.0, rd_expense=10.0, main_revenue=1000.0)
    same.update(employees=50.0, industry_code="1711")
    rows = [
        # one unit G1: 3 + 3 = 6 亩, tax 15 + 15 = 30 → 5 万元/亩
        firm(1, 2022, group_code="G1", land_owned_mu=3.0, tax_paid=15.0, **same),
        firm(2, 2022, group_code="G1", land_owned_mu=3.0, tax_paid=15.0, **same),
        # alone: 60 on 6 亩 → 10 万元/亩
        firm(3, 2022, land_owned_mu=6.0, tax_paid=60.0, **same),
        # no land at all: graded, its per-mu items are missing and score 0
        firm(4, 2022, tax_paid=30.0, **same),
    ]
    res = run(rows, YIWU)
    g1 = res.loc[[code(1), code(2)]]
    assert (g1["status"] == "evaluated").all()
    assert g1["total_score"].nunique() == 1 and g1["tier"].nunique() == 1
    # pooled 亩均税收 over the units with land: (30 + 60) / (6 + 6) = 7.5;
    # G1: 35 × 5 / 7.5 = 23.333…; the firm alone: 35 × 10 / 7.5 = 46.667 (cap 52.5 not reached)
    assert res.loc[code(1), "score_tax_per_mu"] == pytest.approx(35 * 5 / 7.5)
    assert res.loc[code(3), "score_tax_per_mu"] == pytest.approx(35 * 10 / 7.5)
    no_land = res.loc[code(4)]
    assert no_land["status"] == "evaluated"
    assert no_land["score_tax_per_mu"] == 0 and no_land["score_value_added_per_mu"] == 0


def test_yiwu_tiers_within_four_industries() -> None:
    # one firm in each industry (1711 纺织服装, 2411 日用品, 3441 机械电子, 2614 其他):
    # each is alone in its group, so each is ranked 1
    rows = [
        firm(i, 2022, industry_code=c, land_owned_mu=10.0, tax_paid=50.0 + i)
        for i, c in enumerate(("1711", "2411", "3441", "2614"))
    ]
    res = run(rows, YIWU)
    assert (res["rank"] == 1).all()


# ---------------------------------------------------------------- 安徽某市经开区 (不定等级)

JINGKAIQU = "anhui-jingkaiqu.toml"


def test_jingkaiqu_ungraded_outside_the_quota_base() -> None:
    # 5 规上 firms, tax 10·i on 10 亩; the best one is public-interest: scored and ranked,
    # 不定等级, out of the base. The other 4 under A 25 % B 45 % C 25 % D 5 %: round(1) = 1,
    # round(2.8) = 3, round(3.8) = 4 → A 1, B 2, C 1, D 0.
    rows = [firm(i, 2022, land_owned_mu=10.0, tax_paid=10.0 * i) for i in range(1, 6)]
    rows[4]["public_interest"] = True
    res = run(rows, JINGKAIQU)
    best = res.loc[code(5)]
    assert best["status"] == "evaluated" and best["rank"] == 1
    assert "不定等级" in f"{best['tier_label']}{best['tier_reason']}"
    assert counts(res, "above_scale") == {"A": 1, "B": 2, "C": 1, "D": 0}


def test_jingkaiqu_below_scale_scope_and_rented_factory() -> None:
    rows = [
        # rented factory of 4000 m², no land: 4000 × 15 / 10000 = 6 亩; 12 / 6 = 2 万元/亩
        firm(1, 2022, above_scale=False, floor_area_m2=4000.0, tax_paid=12.0),
        # 6 亩 of its own, 24 → 4 万元/亩
        firm(2, 2022, above_scale=False, land_owned_mu=6.0, tax_paid=24.0),
        # out of scope: 4 亩 and 1000 m²; or 6 亩 but producing for 2 years only
        firm(3, 2022, above_scale=False, land_owned_mu=4.0, floor_area_m2=1000.0, tax_paid=9.0),
        firm(4, 2022, above_scale=False, land_owned_mu=6.0, tax_paid=9.0, established="2020-06-01"),
    ]
    res = run(rows, JINGKAIQU)
    # pooled = (12 + 24) / (6 + 6) = 3: 100 × 2 / 3 = 66.667 and 100 × 4 / 3 = 133.333 (< cap 150)
    assert res.loc[code(1), "total_score"] == pytest.approx(100 * 2 / 3)
    assert res.loc[code(2), "total_score"] == pytest.approx(100 * 4 / 3)
    assert res.loc[code(3), "status"] == "exempt"
    assert res.loc[code(4), "status"] == "exempt"


# ------------------------------------------- changed files: 漳州 修正系数, 黄岩 main revenue, 固镇


def test_zhangzhou_tax_bracket_multiplier() -> None:
    # 第一序列 on 20 亩, only tax reported (产值, 销售收入 missing → 0):
    # tax 1200 → 60 万元/亩 → 60 / 15 × 60 = 240, × 1.10 (≥ 1000 万元) = 264;
    # tax 600 → 30 → 120, × 1.05 (500–1000) = 126; tax 300 → 15 → 60, × 1.00 = 60
    rows = [firm(i, 2022, land_owned_mu=20.0, tax_paid=t) for i, t in enumerate((1200, 600, 300))]
    res = run(rows, ZHANGZHOU)
    assert res.loc[code(0), "total_score"] == pytest.approx(264.0)
    assert res.loc[code(1), "total_score"] == pytest.approx(126.0)
    assert res.loc[code(2), "total_score"] == pytest.approx(60.0)


def test_huangyan_rd_share_over_main_revenue_and_energy_basis() -> None:
    rules = mujun.load_rules(RULES_DIR / "zhejiang-huangyan-2022.toml")
    assert rules.energy.basis == "等价值"
    # R&D 302 over 主营业务收入 10000 = 0.0302, exactly the benchmark → the full 10 points,
    # though over 营业收入 12000 it would be 0.02517 → 8.33
    row = firm(1, 2022, land_owned_mu=10.0, tax_paid=100.0, rd_expense=302.0)
    row.update(revenue=12000.0, main_revenue=10000.0)
    res = run([row], "zhejiang-huangyan-2022.toml")
    assert res.loc[code(1), "value_rd_intensity_main"] == pytest.approx(0.0302)
    assert res.loc[code(1), "score_rd_intensity_main"] == pytest.approx(10.0)


def test_guzhen_new_project_investment_per_mu() -> None:
    # two 规上 firms on 10 亩 with 新建项目投资 100 and 300: pooled 400 / 20 = 20 万元/亩;
    # items 5 × 10 / 20 = 2.5 and 5 × 30 / 20 = 7.5 (= the cap, 1.5 × 5)
    rows = [
        firm(i, 2022, land_owned_mu=10.0, tax_paid=100.0, new_project_investment=npi)
        for i, npi in enumerate((100.0, 300.0))
    ]
    res = run(rows, "anhui-guzhen-2022.toml")
    assert res.loc[code(0), "score_new_project_investment_per_mu"] == pytest.approx(2.5)
    assert res.loc[code(1), "score_new_project_investment_per_mu"] == pytest.approx(7.5)
