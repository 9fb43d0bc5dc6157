"""The shipped rules files: they load, state their source and assumptions, and compute the
published formulas (known answers hand-computed here from the published figures)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from shipped_firms import code, firm

import mujun

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
RULES_FILES = sorted(RULES_DIR.glob("*.toml"))

CANONICAL_CODES = {
    "tax_per_mu",
    "revenue_per_mu",
    "value_added_per_mu",
    "output_per_mu",
    "value_added_per_energy",
    "value_added_per_emission",
    "labour_productivity",
    "rd_intensity",
    "tax_per_kwh",
    "tax_per_energy",
    "revenue_per_energy",
    "revenue_per_emission",
    "tech_investment_per_mu",
    "tax_per_m2",
    "output_per_m2",
    "revenue_per_m2",
    "value_added_per_cod",
    "value_added_per_water",
    "revenue_per_kwh",
    "output_per_energy",
    "tax_per_emission",
    "tax_amount",
    "rd_intensity_main",
    "tax_per_eval_mu",
    "new_project_investment_per_mu",
}


# an absolute path written into a file: /dir/… after a space, quote or '=', or C:\…
MACHINE_PATH = re.compile(r"(?:^|[\s\"'=])/[A-Za-z0-9_.-]+/|\b[A-Za-z]:\\")


def rules(name: str) -> mujun.Rules:
    return mujun.load_rules(RULES_DIR / name)


def run(rows: list[dict[str, object]], rules_file: str) -> pd.DataFrame:
    """Evaluate rows under a shipped rules file; results indexed by credit code."""
    result = mujun.evaluate(pd.DataFrame(rows), rules(rules_file))
    return result.results.set_index("credit_code")


# ---------------------------------------------------------------- every file


def test_there_are_shipped_rules() -> None:
    names = {p.name for p in RULES_FILES}
    assert {
        "zhejiang-huangyan-2022.toml",
        "zhejiang-huangyan-2021.toml",
        "fujian-zhangzhou-2022.toml",
        "jiangsu-huaian-2024.toml",
        "anhui-jingde-2022.toml",
        "anhui-guzhen-2022.toml",
        "anhui-jingkaiqu.toml",
        "zhejiang-wenling-2022.toml",
        "henan-anyang-2018.toml",
        "zhejiang-yiwu-2022.toml",
        "shandong-changle-2023.toml",
        "zhejiang-linhai-2014.toml",
    } <= names


@pytest.mark.parametrize("path", RULES_FILES, ids=lambda p: p.name)
def test_file_loads_with_source_and_assumptions(path: Path) -> None:
    r = mujun.load_rules(path)
    assert r.source.strip()
    assert r.assumptions
    assert all(a.strip() for a in r.assumptions)
    assert r.name.strip() and r.region.strip()


@pytest.mark.parametrize("path", RULES_FILES, ids=lambda p: p.name)
def test_file_uses_canonical_indicator_codes_and_no_machine_paths(path: Path) -> None:
    r = mujun.load_rules(path)
    assert set(r.indicator_codes()) <= CANONICAL_CODES
    text = path.read_text(encoding="utf-8")
    assert not MACHINE_PATH.search(text)


@pytest.mark.parametrize("path", RULES_FILES, ids=lambda p: p.name)
def test_file_runs_on_a_mixed_county(path: Path) -> None:
    """Every row comes out once with a status; evaluated firms get a tier of their class."""
    r = mujun.load_rules(path)
    rng = np.random.default_rng(7)
    n = 60
    frame = pd.DataFrame(
        {
            "credit_code": [code(i) for i in range(n)],
            "year": r.year,
            "name": [f"企业{i}" for i in range(n)],
            "industry_code": rng.choice(["1310", "2614", "3311", "3982", "4411", "1610"], n),
            "above_scale": rng.random(n) < 0.6,
            "established": rng.choice(["2005-05-01", "2015-09-30", f"{r.year}-02-01"], n),
            "land_owned_mu": np.where(rng.random(n) < 0.8, rng.uniform(2, 120, n), np.nan),
            "floor_area_m2": rng.uniform(500, 8000, n),
            "tax_paid": rng.uniform(-5, 2000, n),
            "revenue": rng.uniform(100, 50000, n),
            "output_value": rng.uniform(100, 50000, n),
            "value_added": rng.uniform(50, 10000, n),
            "energy_tce": rng.uniform(10, 5000, n),
            "electricity_kwh": rng.uniform(1e4, 1e7, n),
            "emissions_t": np.where(rng.random(n) < 0.7, rng.uniform(0.1, 5, n), np.nan),
            "rd_expense": rng.uniform(0, 800, n),
            "employees": rng.integers(5, 800, n).astype(float),
            "tech_investment": rng.uniform(0, 1000, n),
            "safety_incident": rng.random(n) < 0.1,
            "new_to_scale": rng.random(n) < 0.1,
            "high_tech": rng.random(n) < 0.3,
        }
    )
    res = mujun.evaluate(frame, r).results
    assert len(res) == n
    assert res["credit_code"].tolist() == frame["credit_code"].tolist()
    assert set(res["status"]) <= {"evaluated", "exempt", "deferred", "rejected"}
    assert (res["status"] != "evaluated").any() and (res["status"] == "evaluated").any()
    assert res.loc[res["status"] != "evaluated", "status_reason"].str.len().gt(0).all()
    for klass in r.classes:
        done = res[(res["class"] == klass.code) & (res["status"] == "evaluated")]
        assert set(done["tier"]) <= set(klass.tiers.order)
        assert done["total_score"].notna().all()


def test_same_code_means_same_formula_across_files() -> None:
    formulas: dict[str, set[str]] = {}
    for path in RULES_FILES:
        loaded = mujun.load_rules(path)
        for klass in loaded.classes:
            for ind in klass.indicators:
                formulas.setdefault(ind.code, set()).add(ind.formula.text.replace(" ", ""))
    assert {c: f for c, f in formulas.items() if len(f) > 1} == {}


# ---------------------------------------------------------------- 黄岩 (ratio, fixed benchmarks)

# 黄岩区, published benchmarks (基准值) and weights, copied from the published method
HUANGYAN_2022_ABOVE = {  # indicator: (benchmark, weight)
    "tax_per_mu": (24.097, 30),
    "value_added_per_mu": (136.16, 20),
    "value_added_per_energy": (2.694, 20),
    "value_added_per_emission": (4929.81, 10),
    "labour_productivity": (18.14, 10),
    "rd_intensity_main": (0.0302, 10),
}
HUANGYAN_2022_BELOW = {"tax_per_mu": (11.5932, 50), "tax_per_kwh": (0.2352, 50)}
HUANGYAN_2021_ABOVE = {
    "tax_per_mu": (26.01, 30),
    "value_added_per_mu": (132.27, 20),
    "value_added_per_energy": (2.54, 20),
    "value_added_per_emission": (4861.08, 10),
    "labour_productivity": (17.45, 10),
    "rd_intensity_main": (0.0305, 10),
}
HUANGYAN_2021_BELOW = {"tax_per_mu": (16.601058, 50), "tax_per_kwh": (0.236565, 50)}


def above_values(f: dict[str, float]) -> dict[str, float]:
    """The six 规上 indicator values of a Zhejiang firm, from its raw figures."""
    return {
        "tax_per_mu": f["tax_paid"] / f["land_owned_mu"],
        "value_added_per_mu": f["value_added"] / f["land_owned_mu"],
        "value_added_per_energy": f["value_added"] / f["energy_tce"],
        "value_added_per_emission": f["value_added"] / f["emissions_t"],
        "labour_productivity": f["value_added"] / f["employees"],
        "rd_intensity_main": f["rd_expense"] / f["main_revenue"],  # 黄岩: over 主营业务收入
    }


def below_values(f: dict[str, float]) -> dict[str, float]:
    """亩均税收 (万元/亩) and 单位用电税收 (元/千瓦时: tax in 万元 × 10000 / kWh)."""
    return {
        "tax_per_mu": f["tax_paid"] / f["land_owned_mu"],
        "tax_per_kwh": f["tax_paid"] * 10000 / f["electricity_kwh"],
    }


ZJ_ABOVE = [
    dict(
        land_owned_mu=50.0,
        tax_paid=1200.0,
        value_added=6800.0,
        energy_tce=2500.0,
        emissions_t=1.5,
        employees=380.0,
        rd_expense=900.0,
        revenue=30000.0,
        main_revenue=27000.0,
    ),
    dict(
        land_owned_mu=20.0,
        tax_paid=300.0,
        value_added=2000.0,
        energy_tce=900.0,
        emissions_t=0.4,
        employees=150.0,
        rd_expense=120.0,
        revenue=8000.0,
        main_revenue=7600.0,
    ),
    dict(
        land_owned_mu=100.0,
        tax_paid=1500.0,
        value_added=9000.0,
        energy_tce=5000.0,
        emissions_t=3.0,
        employees=700.0,
        rd_expense=200.0,
        revenue=45000.0,
        main_revenue=44000.0,
    ),
]
ZJ_NO_EMISSION = dict(
    land_owned_mu=30.0,
    tax_paid=900.0,
    value_added=4200.0,
    energy_tce=1200.0,
    employees=200.0,
    rd_expense=500.0,
    revenue=15000.0,
    main_revenue=12000.0,
)
ZJ_BELOW = [
    dict(land_owned_mu=10.0, tax_paid=80.0, electricity_kwh=600000.0),
    dict(land_owned_mu=5.0, tax_paid=20.0, electricity_kwh=150000.0),
]


def test_huangyan_2022_above_scale_known_answer() -> None:
    rows = [firm(i, 2022, **f) for i, f in enumerate(ZJ_ABOVE, 1)]
    rows.append(firm(4, 2022, **ZJ_NO_EMISSION))
    res = run(rows, "zhejiang-huangyan-2022.toml")

    items = []
    for f in ZJ_ABOVE:
        v = above_values(f)
        items.append({k: v[k] / b * w for k, (b, w) in HUANGYAN_2022_ABOVE.items()})
    # the firm without emission data: the class's average 单位排放增加值 item score
    mean_emission = sum(i["value_added_per_emission"] for i in items) / len(items)
    f4 = dict(ZJ_NO_EMISSION, emissions_t=math.nan)
    v4 = above_values(f4)
    item4 = {k: v4[k] / b * w for k, (b, w) in HUANGYAN_2022_ABOVE.items()}
    item4["value_added_per_emission"] = mean_emission
    items.append(item4)

    for i, expected in enumerate(items, 1):
        row = res.loc[code(i)]
        assert row["status"] == "evaluated"
        assert row["class"] == "above_scale"
        for k, points in expected.items():
            assert row[f"score_{k}"] == pytest.approx(points, abs=1e-9), (i, k)
        assert row["total_score"] == pytest.approx(sum(expected.values()), abs=1e-9)
    assert math.isnan(res.loc[code(4), "value_value_added_per_emission"])
    assert res.loc[code(4), "score_value_added_per_emission"] == pytest.approx(
        mean_emission, abs=1e-9
    )


def test_huangyan_2022_below_scale_known_answer_in_yuan_per_kwh() -> None:
    rows = [firm(10 + i, 2022, above_scale=False, **f) for i, f in enumerate(ZJ_BELOW)]
    small = firm(
        20, 2022, above_scale=False, land_owned_mu=2.5, tax_paid=30.0, electricity_kwh=90000.0
    )
    res = run([*rows, small], "zhejiang-huangyan-2022.toml")
    for i, f in enumerate(ZJ_BELOW):
        v = below_values(f)
        expected = {k: v[k] / b * w for k, (b, w) in HUANGYAN_2022_BELOW.items()}
        row = res.loc[code(10 + i)]
        assert row["class"] == "below_scale"
        assert row["status"] == "evaluated"
        assert row["value_tax_per_kwh"] == pytest.approx(v["tax_per_kwh"], abs=1e-12)
        assert row["total_score"] == pytest.approx(sum(expected.values()), abs=1e-9)
    # 80 万元 over 600000 kWh is 1.3333 元/kWh
    assert res.loc[code(10), "value_tax_per_kwh"] == pytest.approx(80e4 / 600000, abs=1e-12)
    assert res.loc[code(20), "status"] == "exempt"
    assert "3亩" in res.loc[code(20), "status_reason"]


def test_huangyan_2021_known_answer() -> None:
    f_above, f_below = ZJ_ABOVE[0], ZJ_BELOW[0]
    rows = [firm(1, 2021, **f_above), firm(2, 2021, above_scale=False, **f_below)]
    res = run(rows, "zhejiang-huangyan-2021.toml")
    va, vb = above_values(f_above), below_values(f_below)
    above = sum(va[k] / b * w for k, (b, w) in HUANGYAN_2021_ABOVE.items())
    below = sum(vb[k] / b * w for k, (b, w) in HUANGYAN_2021_BELOW.items())
    assert res.loc[code(1), "total_score"] == pytest.approx(above, abs=1e-9)
    assert res.loc[code(2), "total_score"] == pytest.approx(below, abs=1e-9)


@pytest.mark.parametrize("name", ["zhejiang-huangyan-2022.toml", "zhejiang-huangyan-2021.toml"])
def test_huangyan_exemptions_and_deferral(name: str) -> None:
    year = 2022 if "2022" in name else 2021
    base = ZJ_ABOVE[0]
    rows = [
        firm(1, year, **base),
        firm(2, year, industry_code="4411", **base),  # utility
        firm(3, year, industry_code="1610", **base),  # tobacco
        firm(4, year, industry_code="5110", **base),  # wholesale, not industry
        firm(5, year, public_interest=True, **base),
        firm(6, year, established=f"{year}-03-01", **base),  # new
    ]
    res = run(rows, name)
    assert list(res["status"]) == ["evaluated", "exempt", "exempt", "exempt", "exempt", "deferred"]
    assert res["status_reason"].iloc[1:].str.len().gt(0).all()


# ---------------------------------------------------------------- 旌德 (min–max, floor 20)

JINGDE_ABOVE_WEIGHTS = {  # assumed in the rules file (weights were not published)
    "tax_per_mu": 30,
    "revenue_per_mu": 20,
    "tech_investment_per_mu": 10,
    "labour_productivity": 10,
    "revenue_per_emission": 10,
    "rd_intensity": 10,
    "revenue_per_energy": 10,
}
JINGDE_FIRMS = [
    dict(
        land_owned_mu=40.0,
        tax_paid=600.0,
        revenue=20000.0,
        tech_investment=800.0,
        value_added=5000.0,
        employees=250.0,
        emissions_t=2.0,
        rd_expense=500.0,
        energy_tce=3000.0,
    ),
    dict(
        land_owned_mu=15.0,
        tax_paid=90.0,
        revenue=4000.0,
        tech_investment=0.0,
        value_added=900.0,
        employees=80.0,
        emissions_t=1.2,
        rd_expense=30.0,
        energy_tce=1500.0,
    ),
    dict(
        land_owned_mu=60.0,
        tax_paid=1500.0,
        revenue=36000.0,
        tech_investment=2400.0,
        value_added=7200.0,
        employees=300.0,
        emissions_t=0.9,
        rd_expense=1300.0,
        energy_tce=2000.0,
    ),
]


def jingde_values(f: dict[str, float]) -> dict[str, float]:
    return {
        "tax_per_mu": f["tax_paid"] / f["land_owned_mu"],
        "revenue_per_mu": f["revenue"] / f["land_owned_mu"],
        "tech_investment_per_mu": f["tech_investment"] / f["land_owned_mu"],
        "labour_productivity": f["value_added"] / f["employees"],
        "revenue_per_emission": f["revenue"] / f["emissions_t"],
        "rd_intensity": f["rd_expense"] / f["revenue"],
        "revenue_per_energy": f["revenue"] / f["energy_tce"],
    }


def test_jingde_minmax_with_20_point_floor() -> None:
    rows = [firm(i, 2022, **f) for i, f in enumerate(JINGDE_FIRMS, 1)]
    res = run(rows, "anhui-jingde-2022.toml")
    values = [jingde_values(f) for f in JINGDE_FIRMS]
    totals = [0.0, 0.0, 0.0]
    for k, w in JINGDE_ABOVE_WEIGHTS.items():
        xs = [v[k] for v in values]
        lo, hi = min(xs), max(xs)
        assert hi > lo
        for i, x in enumerate(xs):
            item = w * (20 + 80 * (x - lo) / (hi - lo)) / 100
            totals[i] += item
            assert res.loc[code(i + 1), f"score_{k}"] == pytest.approx(item, abs=1e-9), (i, k)
    for i, total in enumerate(totals):
        assert res.loc[code(i + 1), "total_score"] == pytest.approx(total, abs=1e-9)
    # the weakest firm on every indicator earns exactly the 20 % floor of every weight
    assert res.loc[code(2), "total_score"] == pytest.approx(20.0, abs=1e-9)


def test_jingde_below_scale_threshold_is_5_mu() -> None:
    rows = [
        firm(1, 2022, above_scale=False, land_owned_mu=4.9, tax_paid=10.0, revenue=300.0),
        firm(
            2,
            2022,
            above_scale=False,
            land_owned_mu=5.0,
            tax_paid=10.0,
            revenue=300.0,
            energy_tce=50.0,
            emissions_t=0.1,
        ),
    ]
    res = run(rows, "anhui-jingde-2022.toml")
    assert res.loc[code(1), "status"] == "exempt"
    assert "5亩" in res.loc[code(1), "status_reason"]
    assert res.loc[code(2), "status"] == "evaluated"
    assert res.loc[code(2), "class"] == "below_scale"


# ---------------------------------------------------------------- 漳州 (two sequences)

ZZ_SEQ1 = {"tax_per_mu": (15.0, 60), "output_per_mu": (500.0, 20), "revenue_per_mu": (400.0, 20)}
ZZ_SEQ2 = {"tax_per_m2": (0.03, 60), "output_per_m2": (1.0, 20), "revenue_per_m2": (0.8, 20)}


def test_zhangzhou_sequences_scores_and_tiers() -> None:
    seq1 = [
        dict(
            land_owned_mu=20.0,
            tax_paid=20.0 * (5 + 2 * i),
            output_value=20.0 * (200 + 40 * i),
            revenue=20.0 * (180 + 30 * i),
        )
        for i in range(10)
    ]
    seq2 = [
        dict(
            floor_area_m2=2000.0 + 100 * i,
            tax_paid=10.0 + 8 * i,
            output_value=900.0 + 300 * i,
            revenue=800.0 + 250 * i,
        )
        for i in range(10)
    ]
    rows = [firm(100 + i, 2022, **f) for i, f in enumerate(seq1)]
    rows += [firm(200 + i, 2022, above_scale=i % 2 == 0, **f) for i, f in enumerate(seq2)]
    rows.append(firm(300, 2022, above_scale=False, land_owned_mu=8.0, tax_paid=5.0))
    rows.append(firm(301, 2022, above_scale=False, land_owned_mu=4.0, tax_paid=5.0))
    res = run(rows, "fujian-zhangzhou-2022.toml")

    for i, f in enumerate(seq1):
        row = res.loc[code(100 + i)]
        assert row["class"] == "first_sequence"
        v = {
            "tax_per_mu": f["tax_paid"] / f["land_owned_mu"],
            "output_per_mu": f["output_value"] / f["land_owned_mu"],
            "revenue_per_mu": f["revenue"] / f["land_owned_mu"],
        }
        expected = sum(v[k] / b * w for k, (b, w) in ZZ_SEQ1.items())
        assert row["total_score"] == pytest.approx(expected, abs=1e-9)
    for i, f in enumerate(seq2):
        row = res.loc[code(200 + i)]
        assert row["class"] == "second_sequence"
        m2 = f["floor_area_m2"]
        v = {
            "tax_per_m2": f["tax_paid"] / m2,
            "output_per_m2": f["output_value"] / m2,
            "revenue_per_m2": f["revenue"] / m2,
        }
        expected = sum(v[k] / b * w for k, (b, w) in ZZ_SEQ2.items())
        assert row["total_score"] == pytest.approx(expected, abs=1e-9)

    counts = res[res["status"] == "evaluated"].groupby("class", observed=True)["tier"]
    seq1_counts = counts.get_group("first_sequence").value_counts()
    seq2_counts = counts.get_group("second_sequence").value_counts()
    assert {t: int(seq1_counts.get(t, 0)) for t in "ABCD"} == {"A": 3, "B": 3, "C": 3, "D": 1}
    assert {t: int(seq2_counts.get(t, 0)) for t in "ABCD"} == {"A": 3, "B": 3, "C": 4, "D": 0}
    # the best of each sequence is A, the worst of 第一序列 is D, of 第二序列 C
    assert res.loc[code(109), "tier"] == "A" and res.loc[code(100), "tier"] == "D"
    assert res.loc[code(209), "tier"] == "A" and res.loc[code(200), "tier"] == "C"
    # 第三序列 (规下 supplied with ≥ 5 亩), benchmarks as 第一序列's: 5 / 8 亩 = 0.625 万元/亩,
    # 0.625 / 15 × 60 = 2.5; no 产值 or 销售收入 reported: those items score 0
    assert res.loc[code(300), "class"] == "third_sequence"
    assert res.loc[code(300), "total_score"] == pytest.approx(2.5, abs=1e-9)
    assert res.loc[code(301), "status"] == "exempt"  # 规下 with 4 亩 of its own: in no sequence
    assert "5亩" in res.loc[code(301), "status_reason"]
    assert [c.tiers.order for c in rules("fujian-zhangzhou-2022.toml").classes] == [
        ["A", "B", "C", "D"],
        ["A", "B", "C"],
        ["A", "B", "C", "D"],
    ]


# ------------------------------------------------------------- 淮安 (2 × last year's county mean)

HUAIAN_WEIGHTS = {"tax_per_mu": 45, "revenue_per_mu": 35, "tax_per_energy": 20}


def huaian_values(f: dict[str, object]) -> dict[str, float]:
    land, tax = float(f["land_owned_mu"]), float(f["tax_paid"])  # type: ignore[arg-type]
    return {
        "tax_per_mu": tax / land,
        "revenue_per_mu": float(f["revenue"]) / land,  # type: ignore[arg-type]
        "tax_per_energy": tax / float(f["energy_tce"]),  # type: ignore[arg-type]
    }


def test_huaian_previous_year_county_benchmarks_bonus_and_class_t() -> None:
    # (county, 2023 figures, 2024 figures) of four 规上 firms: the benchmark of an indicator is
    # 2 × the mean of the county's 2023 values (甲: 亩均税收 (10 + 6) / 2 = 8 → 16; 乙: (5 + 3) / 2
    # = 4 → 8), and the firms are ranked within their county
    panel = [
        ("甲县", (50, 500, 20000, 2000), (50, 800, 30000, 2000)),
        ("甲县", (50, 300, 10000, 1000), (50, 400, 15000, 1000)),
        ("乙区", (20, 100, 4000, 500), (20, 100, 4000, 500)),
        ("乙区", (20, 60, 2000, 200), (20, 160, 6000, 400)),
    ]
    keys = ("land_owned_mu", "tax_paid", "revenue", "energy_tce")
    rows, last, this = [], [], []
    for i, (county, before, now) in enumerate(panel, 1):
        f0 = dict(zip(keys, map(float, before), strict=True))
        f1 = dict(zip(keys, map(float, now), strict=True))
        rows += [firm(i, 2023, county=county, **f0), firm(i, 2024, county=county, **f1)]
        last.append((county, huaian_values(f0)))
        this.append((county, huaian_values(f1)))
    rows[3]["high_tech"] = True  # firm 2 in 2024: 科技创新 +2 (assumed value)
    rows.append(firm(5, 2024, county="甲县", industry_code="4411", **f1))
    rows.append(firm(6, 2024, county="甲县", established="2023-06-01", **f1))
    frame = mujun.evaluate(pd.DataFrame(rows), rules("jiangsu-huaian-2024.toml")).results
    res = frame[frame["year"] == 2024].set_index("credit_code")

    for i, (county, v) in enumerate(this, 1):
        bench = {
            k: 2 * float(np.mean([p[k] for c, p in last if c == county])) for k in HUAIAN_WEIGHTS
        }
        expected = sum(v[k] / bench[k] * w for k, w in HUAIAN_WEIGHTS.items())
        expected += 2.0 if i == 2 else 0.0
        assert res.loc[code(i), "total_score"] == pytest.approx(expected, abs=1e-9), i
    # 甲: firm 1 = 16/16 × 45 + 600/600 × 35 + 0.4/0.55 × 20 = 94.545; firm 2 = 22.5 + 17.5
    # + 14.545 + 2 = 56.545; 乙: firm 4 = 45 + 35 + 16 = 96, firm 3 = 28.125 + 23.333 + 8
    assert res.loc[code(1), "total_score"] == pytest.approx(80 + 20 * 0.4 / 0.55)
    assert res.loc[code(4), "total_score"] == pytest.approx(96.0)
    assert res.loc[[code(1), code(4)], "rank"].tolist() == [1, 1]  # first in each county
    assert res.loc[[code(2), code(3)], "rank"].tolist() == [2, 2]
    assert res.loc[code(5), "status"] == "exempt"
    assert res.loc[code(5), "status_reason"].startswith("T类")
    assert res.loc[code(6), "status"] == "deferred"
    assert res.loc[code(6), "status_reason"].startswith("T类")
    assert pd.isna(res.loc[code(5), "tier"]) and pd.isna(res.loc[code(6), "tier"])


# ---------------------------------------------------------------- 固镇 (veto and protection)

GUZHEN = "anhui-guzhen-2022.toml"
VETO_REASON = "一票否决"


def guzhen_rows() -> list[dict[str, object]]:
    """40 规上 firms alike but for tax (firm 1 the best, firm 40 the worst), plus special rows."""
    rows = [
        firm(
            i,
            2022,
            land_owned_mu=30.0,
            tax_paid=float(910 - 10 * i),
            revenue=9000.0,
            tech_investment=300.0,
            energy_tce=1500.0,
            rd_expense=200.0,
            value_added=2500.0,
            employees=120.0,
        )
        for i in range(1, 41)
    ]
    rows[0]["safety_incident"] = True  # best firm, vetoed
    rows[38]["new_to_scale"] = True  # rank 39 of 40: D by quota, protected
    rows[39]["new_to_scale"] = True  # rank 40: D by quota, protected but vetoed
    rows[39]["env_violation"] = True
    base = {k: v for k, v in rows[5].items() if k not in ("credit_code", "name")}
    rows.append({**base, "credit_code": code(41), "name": "电厂", "industry_code": "4411"})
    rows.append({**base, "credit_code": code(42), "name": "新厂", "established": "2021-06-01"})
    rows.append(
        {
            **base,
            "credit_code": code(43),
            "name": "小厂",
            "above_scale": False,
            "land_owned_mu": 4.0,
        }
    )
    return rows


def test_guzhen_quota_veto_and_protection() -> None:
    res = run(guzhen_rows(), GUZHEN)
    evaluated = res[res["status"] == "evaluated"]
    assert len(evaluated) == 40
    assert set(evaluated["tier"]) <= {"A", "B", "C", "D"}
    assert evaluated["rank"].tolist() == list(range(1, 41))

    vetoed = res.loc[code(1)]
    assert vetoed["rank"] == 1
    assert vetoed["tier"] == "C"
    assert VETO_REASON in vetoed["tier_reason"]

    protected = res.loc[code(39)]
    assert protected["tier"] == "C"
    assert "保护" in protected["tier_reason"]

    vetoed_new = res.loc[code(40)]
    assert vetoed_new["tier"] == "D"
    assert vetoed_new["tier_reason"] == "quota"
    # each veto is decided once and recorded, also where it moved nothing (D stays D)
    assert vetoed["veto_reason"] == vetoed_new["veto_reason"] == vetoed["tier_reason"]
    assert vetoed["veto_reason"].startswith(VETO_REASON)
    assert pd.isna(protected["veto_reason"]) and pd.isna(res.loc[code(2), "veto_reason"])
    assert res.loc[code(2), "tier_label"] == "优先发展类"
    assert vetoed["tier_label"] == "帮扶转型类"

    # the other firms keep their quota tiers: 40 firms → A 8, B to 26, C to 38, D 2
    assert res.loc[code(2), "tier"] == "A" and res.loc[code(8), "tier"] == "A"
    assert res.loc[code(9), "tier"] == "B" and res.loc[code(26), "tier"] == "B"
    assert res.loc[code(27), "tier"] == "C" and res.loc[code(38), "tier"] == "C"
    assert res.loc[code(2), "tier_reason"] == "quota"


def test_guzhen_exempt_deferred_and_small() -> None:
    res = run(guzhen_rows(), GUZHEN)
    utility, new, small = res.loc[code(41)], res.loc[code(42)], res.loc[code(43)]
    assert utility["status"] == "exempt" and utility["status_reason"]
    assert new["status"] == "deferred"
    assert "2年" in new["status_reason"]
    assert small["status"] == "exempt"
    assert "5亩" in small["status_reason"]
    for row in (utility, new, small):
        assert pd.isna(row["tier"]) and pd.isna(row["tier_label"]) and pd.isna(row["tier_reason"])
        assert pd.isna(row["rank"])
        assert np.isnan(row["total_score"])


def test_guzhen_protection_for_young_firms_and_tier_names() -> None:
    r = rules(GUZHEN)
    names = {"A": "优先发展类", "B": "提升发展类", "C": "帮扶转型类", "D": "整治淘汰类"}
    for klass in r.classes:
        assert klass.tiers.names == names
        assert klass.tiers.rounding == "half_up"
    rows = guzhen_rows()
    rows[37]["established"] = "2020-01-01"  # rank 38 (C), just under 3 years: stays C
    rows[38]["new_to_scale"] = False
    rows[38]["established"] = "2020-06-01"  # rank 39 (D by quota); 2.6 years: protected
    res = run(rows, GUZHEN)
    assert res.loc[code(39), "tier"] == "C"
    assert "保护" in res.loc[code(39), "tier_reason"]
    assert res.loc[code(38), "tier_reason"] == "quota"


def test_guzhen_item_scores_are_capped_at_one_and_a_half_weights() -> None:
    rows = guzhen_rows()[:40]
    rows[0]["tax_paid"] = 100000.0  # far above the county's pooled figure
    res = run(rows, GUZHEN)
    assert res.loc[code(1), "score_tax_per_mu"] == pytest.approx(1.5 * 25, abs=1e-9)
    # everyone else scores tax / (pooled Σtax / Σland) × 25 (the weight of 亩均税收)
    taxes = [float(r["tax_paid"]) for r in rows]
    pooled = sum(taxes) / (30.0 * len(rows))
    expected = (taxes[1] / 30.0) / pooled * 25
    assert res.loc[code(2), "score_tax_per_mu"] == pytest.approx(expected, abs=1e-9)


# ---------------------------------------------------------------- engine problems found here


def test_numeric_industry_codes_with_a_blank_still_exempt_utilities() -> None:
    rows = [
        firm(i, 2022, land_owned_mu=30.0, tax_paid=100.0 + i, revenue=900.0) for i in range(1, 4)
    ]
    frame = pd.DataFrame(rows)
    frame["industry_code"] = [3311, 4411, None]  # pandas stores this column as float64
    res = mujun.evaluate(frame, rules(GUZHEN)).results.set_index("credit_code")
    assert res.loc[code(2), "status"] == "exempt"
