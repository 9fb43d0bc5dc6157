"""The Evaluation object: summaries per park with pooled per-mu figures, tier counts."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import RULES_TEXT, YEAR, credit_code

from mujun import Evaluation, evaluate, parse_rules

# firm: (park, above_scale, industry, land, tax, revenue, safety_incident, high_tech)
FIRMS = [
    ("东区", True, "3311", 10.0, 100.0, 1000.0, False, False),  # 0 evaluated
    ("东区", True, "3311", 20.0, 100.0, 4000.0, False, True),  # 1 evaluated, +2 points
    ("西区", True, "2611", 5.0, 150.0, 500.0, True, False),  # 2 evaluated, vetoed
    ("西区", True, "1511", 10.0, 50.0, 500.0, False, False),  # 3 evaluated
    ("东区", True, "4411", 10.0, 999.0, 9999.0, False, False),  # 4 utility: exempt
    ("西区", True, "3311", 0.0, 999.0, 9999.0, False, False),  # 5 no land: rejected
    (None, False, "3311", 4.0, 30.0, 100.0, False, False),  # 6 below scale, no park given
]


@pytest.fixture(scope="module")
def evaluation() -> Evaluation:
    cols = list(zip(*FIRMS, strict=True))
    frame = pd.DataFrame(
        {
            "credit_code": [credit_code(i) for i in range(len(FIRMS))],
            "year": [YEAR] * len(FIRMS),
            "park": list(cols[0]),
            "above_scale": list(cols[1]),
            "industry_code": list(cols[2]),
            "land_owned_mu": list(cols[3]),
            "tax_paid": list(cols[4]),
            "revenue": list(cols[5]),
            "safety_incident": list(cols[6]),
            "high_tech": list(cols[7]),
        }
    )
    return evaluate(frame, parse_rules(RULES_TEXT))


def test_tiers_as_expected(evaluation: Evaluation) -> None:
    # above scale: 亩均税收 (benchmark 10, cap 2, w 60): 10 → 60, 5 → 30, 30 → 120, 5 → 30;
    # 亩均营业收入 pooled 6000/45 = 400/3 (w 40): 100 → 30, 200 → 60, 100 → 30, 50 → 15;
    # totals 90, 92 (with +2), 150, 45 → ranks 3, 2, 1, 4 → C, B, C (vetoed from A), D;
    # below scale: 30/4 = 7.5 → 7.5/5 × 100 = 150 ≥ 150 → A
    tiers = ["" if pd.isna(t) else str(t) for t in evaluation.results["tier"]]
    assert tiers == ["C", "B", "C", "D", "", "", "A"]


def test_summary_by_park_counts(evaluation: Evaluation) -> None:
    summary = evaluation.summary(by="park").set_index("park")
    assert summary.index[-1] == "合计"
    east, west, none, county = (summary.loc[k] for k in ("东区", "西区", "（未填）", "合计"))
    # 东区: firms 0, 1, 4 → 2 evaluated (B, C), 1 exempt
    assert [east[c] for c in ("firms", "evaluated", "exempt", "deferred", "rejected")] == [
        3,
        2,
        1,
        0,
        0,
    ]
    assert [east[f"tier_{t}"] for t in "ABCD"] == [0, 1, 1, 0]
    # 西区: firms 2, 3, 5 → 2 evaluated (C, D), 1 rejected
    assert [west[c] for c in ("firms", "evaluated", "exempt", "deferred", "rejected")] == [
        3,
        2,
        0,
        0,
        1,
    ]
    assert [west[f"tier_{t}"] for t in "ABCD"] == [0, 0, 1, 1]
    # park not filled in: firm 6, evaluated, A
    assert none["firms"] == 1
    assert none["tier_A"] == 1
    # county: 7 firms, 5 evaluated, 1 exempt, 1 rejected; A 1, B 1, C 2, D 1
    assert [county[c] for c in ("firms", "evaluated", "exempt", "deferred", "rejected")] == [
        7,
        5,
        1,
        0,
        1,
    ]
    assert [county[f"tier_{t}"] for t in "ABCD"] == [1, 1, 2, 1]


def test_summary_pooled_per_mu(evaluation: Evaluation) -> None:
    summary = evaluation.summary(by="park").set_index("park")
    # 东区 evaluated firms 0, 1: Σtax 100 + 100 = 200 over Σland 10 + 20 = 30 → 6.667
    #   (the mean of their ratios would be (10 + 5)/2 = 7.5); Σrevenue 5000 / 30 = 166.667
    assert summary.loc["东区", "land_mu"] == pytest.approx(30)
    assert summary.loc["东区", "tax_paid"] == pytest.approx(200)
    assert summary.loc["东区", "tax_per_mu"] == pytest.approx(200 / 30)
    assert summary.loc["东区", "revenue_per_mu"] == pytest.approx(5000 / 30)
    # 西区 evaluated firms 2, 3: (150 + 50) / (5 + 10) = 13.333 (mean of ratios: 17.5);
    #   the rejected firm's 999 万元 stays out
    assert summary.loc["西区", "tax_per_mu"] == pytest.approx(200 / 15)
    assert summary.loc["西区", "revenue_per_mu"] == pytest.approx(1000 / 15)
    # 合计: (100 + 100 + 150 + 50 + 30) / (10 + 20 + 5 + 10 + 4) = 430 / 49
    assert summary.loc["合计", "land_mu"] == pytest.approx(49)
    assert summary.loc["合计", "tax_per_mu"] == pytest.approx(430 / 49)
    assert summary.loc["合计", "revenue_per_mu"] == pytest.approx(6100 / 49)


def test_summary_county_row_is_the_sum(evaluation: Evaluation) -> None:
    summary = evaluation.summary(by="park").set_index("park")
    parks = summary.drop(index="合计")
    for col in ("firms", "evaluated", "exempt", "rejected", "tier_A", "tier_C", "land_mu"):
        assert summary.loc["合计", col] == pytest.approx(parks[col].sum())


def test_summary_by_class(evaluation: Evaluation) -> None:
    summary = evaluation.summary(by="class").set_index("class")
    # above scale: firms 0–3 evaluated and firm 5 rejected (its class is known): 5 rows
    assert summary.loc["above_scale", "firms"] == 5
    assert summary.loc["above_scale", "evaluated"] == 4
    # (100 + 100 + 150 + 50) / (10 + 20 + 5 + 10) = 400 / 45
    assert summary.loc["above_scale", "tax_per_mu"] == pytest.approx(400 / 45)


def test_summary_by_industry_division(evaluation: Evaluation) -> None:
    summary = evaluation.summary(by="industry_division")
    keyed = summary.set_index(summary.columns[0])
    # division 33: evaluated firms 0, 1, 6 → (100 + 100 + 30) / (10 + 20 + 4) = 230 / 34
    key = next(k for k in keyed.index if str(k).startswith("33"))
    assert keyed.loc[key, "tax_per_mu"] == pytest.approx(230 / 34)


def test_summary_unreported_figure_is_unknown_not_zero(evaluation: Evaluation) -> None:
    # nobody reported value added: the per-mu figure is unknown, never 0
    summary = evaluation.summary(by="park").set_index("park")
    assert summary["value_added_per_mu"].isna().all()


def test_summary_unknown_key(evaluation: Evaluation) -> None:
    with pytest.raises(KeyError):
        evaluation.summary(by="nonsense")


def test_tier_counts(evaluation: Evaluation) -> None:
    counts = evaluation.tier_counts()
    assert list(counts.columns) == ["class", "tier", "firms"]
    rows = [tuple(r) for r in counts.itertuples(index=False)]
    assert rows == [
        ("above_scale", "A", 0),  # the only A firm was vetoed
        ("above_scale", "B", 1),
        ("above_scale", "C", 2),
        ("above_scale", "D", 1),
        ("below_scale", "A", 1),
        ("below_scale", "B", 0),
        ("below_scale", "C", 0),
    ]


def test_evaluated_rows(evaluation: Evaluation) -> None:
    done = evaluation.evaluated()
    assert done["credit_code"].tolist() == [credit_code(i) for i in (0, 1, 2, 3, 6)]


def test_repr(evaluation: Evaluation) -> None:
    shown = repr(evaluation)
    assert "7 rows" in shown
    assert evaluation.rules.name in shown


def test_firms_scored_per_floor_area_do_not_inflate_per_mu_figures() -> None:
    rules = parse_rules(
        RULES_TEXT.replace('when = "land_mu >= 3"', 'when = "floor_area_m2 > 0"').replace(
            'formula = "tax_paid / land_mu"\n  weight = 100',
            'formula = "tax_paid / floor_area_m2"\n  weight = 100',
        )
    )
    frame = pd.DataFrame(
        {
            "credit_code": [credit_code(i) for i in range(4)],
            "year": YEAR,
            "park": "园区",
            "above_scale": [True, True, False, False],
            "land_owned_mu": [10.0, 10.0, None, None],
            "floor_area_m2": [None, None, 500.0, 800.0],
            "tax_paid": [100.0, 100.0, 50.0, 60.0],
            "revenue": [1000.0, 1000.0, 200.0, 300.0],
        }
    )
    got = evaluate(frame, rules)
    assert (got.results["status"] == "evaluated").all()
    county = got.summary(by="park").set_index("park").loc["合计"]
    # only the two firms with land count: 200 / 20 = 10 万元/亩, 2000 / 20 = 100
    assert county["tax_per_mu"] == pytest.approx(10.0)
    assert county["revenue_per_mu"] == pytest.approx(100.0)
    assert county["land_mu"] == pytest.approx(20.0)


def test_tier_table_matches_tier_counts(evaluation: Evaluation) -> None:
    table = evaluation.tier_table()
    counts = evaluation.tier_counts()
    for row in counts.itertuples(index=False):
        assert table.at[row[0], row.tier] == row.firms
    done = evaluation.evaluated()["class"].value_counts()
    assert table["total"].to_dict() == {c: int(done.get(c, 0)) for c in table.index}


# ---- a self-contained Evaluation -----------------------------------------------------------


def test_the_evaluation_keeps_its_table_and_rules(evaluation: Evaluation) -> None:
    assert len(evaluation.table) == len(evaluation.results) == len(FIRMS)
    assert evaluation.rules.region == "测试县"
    pd.testing.assert_series_equal(
        evaluation.table.frame["credit_code"], evaluation.results["credit_code"]
    )
    # any field as evaluated, derived ones included, one value per result row
    assert evaluation.column("land_mu").tolist() == [f[3] for f in FIRMS]
    assert evaluation.column("industry_division").tolist()[:2] == [33.0, 33.0]


def test_no_class_and_no_tier_are_missing_not_blank(evaluation: Evaluation) -> None:
    res = evaluation.results
    outside = res["status"] != "evaluated"
    assert res.loc[outside, "tier"].isna().all()
    assert res.loc[outside, "tier_label"].isna().all()
    assert res.loc[outside, "tier_reason"].isna().all()
    assert "" not in set(res["class"].dropna()) and "" not in set(res["tier"].dropna())
    assert pd.isna(res.loc[4, "class"])  # the utility is exempt before any class applies


def test_a_veto_is_recorded_for_the_firm_it_hits(evaluation: Evaluation) -> None:
    veto = evaluation.results["veto_reason"]
    assert veto.notna().tolist() == [False, False, True, False, False, False, False]
    assert veto.iloc[2] == "一票否决：不得评为A、B类"


def test_subset_takes_a_boolean_mask_with_missing_values(evaluation: Evaluation) -> None:
    mask = evaluation.results["park"] == "西区"  # NA where no park was given
    assert mask.isna().any()
    sub = evaluation.subset(mask)
    assert sub.results["park"].tolist() == ["西区", "西区", "西区"]
    assert len(sub.table) == 3
    assert sub.column("land_mu").tolist() == [5.0, 10.0, 0.0]
    assert set(sub.issues["credit_code"]) <= set(sub.results["credit_code"]) | {""}
    with pytest.raises(ValueError, match="one entry per result row"):
        evaluation.subset([True])
