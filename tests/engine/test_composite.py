"""The composite-indicator steps through `evaluate`: a 2-pillar index of 5 units computed by
hand (denominated, imputed by group mean, one point winsorised, minmax, arithmetic and
geometric means, weights re-normalised over a missing child), the stage tables, and the
invariants (row order; raising a "higher" indicator never lowers a mean class's total)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from composite_index import FIVE, INDEX, units
from conftest import HEADER, YEAR, credit_code
from hypothesis import given, settings
from hypothesis import strategies as st

from mujun import evaluate, parse_rules
from mujun.errors import RulesError


def test_index_by_hand() -> None:
    ev = evaluate(FIVE, parse_rules(INDEX))
    res = ev.results
    assert (res["status"] == "evaluated").all()
    # tax per mu 1, 2, 3, 4, 100: skewed (one far point) → 100 winsorised to the next value 4;
    # minmax over 1…4: (x − 1) / 3 × 100 → 0, 33.33, 66.67, 100, 100
    tax = [0.0, 100 / 3, 200 / 3, 100.0, 100.0]
    # rev per mu 10, –, 30, 40, 20; U1 imputed by park P's mean (10) → minmax over 10…40
    rev = [0.0, 0.0, 200 / 3, 100.0, 100 / 3]
    # energy per mu 1, 2, 4, 3, – (lower is better; park R has no value: stays missing)
    # → (4 − x) / 3 × 100 → 100, 66.67, 0, 33.33, NaN
    energy = [100.0, 200 / 3, 0.0, 100 / 3, np.nan]
    assert res["score_tax"].tolist() == pytest.approx(tax)
    assert res["score_rev"].tolist() == pytest.approx(rev)
    assert res["score_energy"].tolist() == pytest.approx(energy, nan_ok=True)
    # pillars: econ = (tax + rev) / 2; green = energy
    econ = [0.0, 50 / 3, 200 / 3, 100.0, 200 / 3]
    assert res["score_econ"].tolist() == pytest.approx(econ)
    assert res["score_green"].tolist() == pytest.approx(energy, nan_ok=True)
    # index = (econ + green) / 2; U4 has no green: its weight re-normalised → econ alone
    total = [50.0, (50 / 3 + 200 / 3) / 2, 100 / 3, (100 + 100 / 3) / 2, 200 / 3]
    assert res["total_score"].tolist() == pytest.approx(total)
    # group scores come after the indicators' columns
    columns = list(res.columns)
    assert columns.index("score_econ") > columns.index("score_energy")
    # the value shown is the denominated one, as reported (not imputed)
    assert np.isnan(res["value_rev"][1]) and res["value_tax"][4] == pytest.approx(100.0)


def test_stage_tables() -> None:
    ev = evaluate(FIVE, parse_rules(INDEX))
    stages = ev.stages
    assert stages.names == ["raw", "denominated", "imputed", "treated", "normalised", "aggregated"]
    raw = stages.table("raw")
    assert raw["credit_code"].tolist() == [credit_code(i) for i in range(5)]
    assert raw["tax"].tolist() == [2.0, 4.0, 6.0, 8.0, 200.0]
    assert stages.table("denominated")["tax"].tolist() == [1.0, 2.0, 3.0, 4.0, 100.0]
    imputed = stages.table("imputed")
    assert imputed["rev"].tolist() == [10.0, 10.0, 30.0, 40.0, 20.0]
    assert np.isnan(imputed["energy"][4])
    assert stages.table("treated")["tax"].tolist() == [1.0, 2.0, 3.0, 4.0, 4.0]
    aggregated = stages.table("aggregated")
    assert list(aggregated.columns) == ["credit_code", "class", "econ", "green", "total_score"]
    assert aggregated["total_score"].tolist() == pytest.approx(ev.results["total_score"].tolist())
    treatment = stages.treatment.set_index("indicator")
    assert treatment.loc["tax", "winsorised_high"] == 1
    assert treatment.loc["tax", "winsorised_low"] == 0
    assert not treatment.loc["tax", "log"] and treatment.loc["tax", "passed"]
    assert treatment.loc["rev", "winsorised_high"] == 0
    points = stages.winsorised
    assert points[["indicator", "credit_code", "side"]].values.tolist() == [
        ["tax", credit_code(4), "high"]
    ]
    assert points["raw"].tolist() == [100.0] and points["treated"].tolist() == [4.0]
    # nothing silent: one issue per imputed cell and per winsorised point
    codes = ev.issues.set_index("code")
    assert codes.loc[["imputed-value"], "credit_code"].tolist() == [credit_code(1)]
    assert codes.loc[["winsorised-value"], "credit_code"].tolist() == [credit_code(4)]
    # energy for U4 could not be imputed (park R has no value): a missing-indicator warning
    missing = ev.issues[ev.issues["code"] == "missing-indicator"]
    assert missing["credit_code"].tolist() == [credit_code(4)]


GEOMETRIC = (
    HEADER
    + """
[[class]]
code = "index"
label = "综合指数"
aggregate = "geometric"

  [[class.indicator]]
  code = "a"
  label = "甲"
  formula = "tax_paid"
  weight = 1
  score = { method = "minmax", floor = 1 }

  [[class.indicator]]
  code = "b"
  label = "乙"
  formula = "revenue"
  weight = 3
  score = { method = "minmax", floor = 1 }

  [class.tiers]
  method = "quota"
  shares = { A = 0.5, B = 0.5 }
"""
)


def test_geometric_by_hand() -> None:
    ev = evaluate(units(tax_paid=[1.0, 2.0, 3.0], revenue=[3.0, 2.0, 1.0]), parse_rules(GEOMETRIC))
    # minmax with floor 1: 1 + 99 t → a: 1, 50.5, 100; b: 100, 50.5, 1
    # weighted geometric mean, weights 1 : 3 → a^(1/4) × b^(3/4)
    # U0: 100^0.75 = 31.623; U1: 50.5; U2: 100^0.25 = 3.1623
    assert ev.results["total_score"].tolist() == pytest.approx([100**0.75, 50.5, 100**0.25])


def test_no_stages_on_the_county_path() -> None:
    from conftest import RULES_TEXT, firms_frame

    ev = evaluate(firms_frame(), parse_rules(RULES_TEXT))
    assert not ev.stages and ev.stages.names == []
    assert ev.stages.table("raw").empty
    assert not [c for c in ev.results.columns if c.startswith("score_") and "per_mu" not in c]


def test_geometric_over_a_zero_refused() -> None:
    text = GEOMETRIC.replace(
        'score = { method = "minmax", floor = 1 }', 'score = { method = "minmax" }', 1
    )
    with pytest.raises(RulesError, match="floor"):
        parse_rules(text)


def rules_error(text: str) -> str:
    with pytest.raises(RulesError) as caught:
        parse_rules(text)
    return str(caught.value)


def test_hierarchy_errors_at_the_key() -> None:
    unknown = INDEX.replace('parent = "green"', 'parent = "gren"')
    assert "parent" in rules_error(unknown) and "green" in rules_error(unknown)
    cycle = INDEX.replace(
        'code = "green"\n  label = "绿色"', 'code = "green"\n  label = "绿色"\n  parent = "top"'
    ).replace(
        '  [[class.indicator]]\n  code = "tax"',
        '  [[class.group]]\n  code = "top"\n  label = "顶"\n  parent = "green"\n\n'
        '  [[class.indicator]]\n  code = "tax"',
        1,
    )
    assert "成环" in rules_error(cycle)
    empty = INDEX.replace(
        '  [[class.indicator]]\n  code = "tax"',
        '  [[class.group]]\n  code = "empty"\n  label = "空"\n\n'
        '  [[class.indicator]]\n  code = "tax"',
        1,
    )
    assert "没有下级" in rules_error(empty)
    stray = INDEX.replace(
        '  score = { method = "minmax" }\n\n  [[class.indicator]]\n  code = "rev"',
        '  score = { method = "minmax" }\n  impute = { stat = "mean" }\n\n'
        '  [[class.indicator]]\n  code = "rev"',
        1,
    )
    assert "impute" in rules_error(stray)
    weighted = INDEX.replace('aggregate = "mean"', 'aggregate = "mean"\ntotal_weight = 100')
    assert "total_weight" in rules_error(weighted)


MEAN_PLAIN = (
    HEADER
    + """
[[class]]
code = "index"
label = "综合指数"
aggregate = "mean"

  [[class.group]]
  code = "econ"
  label = "经济"
  weight = 2

  [[class.indicator]]
  code = "tax"
  label = "税收"
  formula = "tax_paid"
  parent = "econ"
  weight = 1
  score = { method = "minmax" }

  [[class.indicator]]
  code = "rev"
  label = "营收"
  formula = "revenue"
  parent = "econ"
  weight = 2
  score = { method = "rank" }

  [[class.indicator]]
  code = "emp"
  label = "能耗"
  formula = "energy_tce"
  weight = 1
  direction = "lower"
  score = { method = "distance_to_max" }

  [class.tiers]
  method = "quota"
  shares = { A = 0.3, B = 0.7 }
"""
)
_values = st.lists(
    st.tuples(st.floats(1, 1000), st.floats(1, 1000), st.floats(1, 1000)),
    min_size=2,
    max_size=12,
)


def _frame(rows: list[tuple[float, float, float]]) -> pd.DataFrame:
    return units(
        tax_paid=[r[0] for r in rows],
        revenue=[r[1] for r in rows],
        energy_tce=[r[2] for r in rows],
    )


@settings(max_examples=25, deadline=None)
@given(_values, st.randoms(use_true_random=False))
def test_row_order_does_not_matter(rows: list[tuple[float, float, float]], rnd: object) -> None:
    rules = parse_rules(MEAN_PLAIN)
    frame = _frame(rows)
    order = list(range(len(rows)))
    rnd.shuffle(order)  # type: ignore[attr-defined]
    a = evaluate(frame, rules).results.set_index("credit_code")
    b = evaluate(frame.iloc[order].reset_index(drop=True), rules).results.set_index("credit_code")
    b = b.loc[a.index]
    for column in ("total_score", "score_econ", "score_tax", "score_rev", "score_emp"):
        assert b[column].to_numpy() == pytest.approx(a[column].to_numpy(), nan_ok=True)


@settings(max_examples=25, deadline=None)
@given(_values, st.integers(0, 11), st.floats(0, 500))
def test_raising_a_higher_indicator_never_lowers_the_total(
    rows: list[tuple[float, float, float]], pick: int, more: float
) -> None:
    rules = parse_rules(MEAN_PLAIN)
    i = pick % len(rows)
    better = list(rows)
    better[i] = (rows[i][0] + more, rows[i][1], rows[i][2])
    before = evaluate(_frame(rows), rules).results["total_score"][i]
    after = evaluate(_frame(better), rules).results["total_score"][i]
    assert after >= before - 1e-9


def test_impute_previous_from_the_panel() -> None:
    rules = parse_rules(
        INDEX.replace('impute = { stat = "mean", by = "park" }', 'impute = { stat = "previous" }')
    )
    this = FIVE.assign(year=YEAR)
    last = FIVE.assign(year=YEAR - 1, revenue=[18.0, 24.0, 50.0, 70.0, 30.0])
    ev = evaluate(pd.concat([this, last], ignore_index=True), rules)
    # U1's revenue is missing this year; last year it was 24 → 24 ÷ 2 亩 = 12 per mu
    imputed = ev.stages.table("imputed")
    assert imputed["rev"].tolist()[:5] == pytest.approx([10.0, 12.0, 30.0, 40.0, 20.0])
    # U4's energy is missing both years: it stays missing
    assert np.isnan(imputed["energy"][4])
    assert len(ev.results) == 5  # last year's rows are data, not results
    assert (ev.results["status"] == "evaluated").all()


def test_penalty_refused_in_a_mean_class() -> None:
    text = INDEX.replace(
        'missing = "impute"\n  impute = { stat = "mean", by = "park" }',
        'missing = "penalty"\n  missing_points = 5',
        1,
    )
    assert "penalty" in rules_error(text)


def test_sum_class_with_groups_keeps_its_total() -> None:
    # a sum class with two groups: the total is Σ item points as ever, each group the sum of
    # its items' points; tax 5 万元/亩 ÷ 10 × 60 = 30, revenue 50 ÷ 100 × 40 = 20
    text = (
        HEADER
        + """
[[class]]
code = "c"
label = "规上"

  [[class.group]]
  code = "money"
  label = "效益"

  [[class.indicator]]
  code = "tax"
  label = "亩均税收"
  formula = "tax_paid / land_mu"
  parent = "money"
  weight = 60
  score = { method = "ratio", benchmark = 10.0, cap = 2.0 }

  [[class.indicator]]
  code = "rev"
  label = "亩均营收"
  formula = "revenue / land_mu"
  weight = 40
  score = { method = "ratio", benchmark = 100.0, cap = 2.0 }

  [class.tiers]
  method = "quota"
  shares = { A = 0.5, B = 0.5 }
"""
    )
    ev = evaluate(units(tax_paid=[10.0], revenue=[100.0]), parse_rules(text))
    assert ev.results["total_score"][0] == pytest.approx(50.0)
    assert ev.results["score_money"][0] == pytest.approx(30.0)
    assert ev.stages.names  # a group is a composite step: its stages are kept


def test_tier_rule_reads_a_group_score() -> None:
    # totals 50, 41.7, 33.3, 66.7, 66.7 (see test_index_by_hand); A = the best three (U3, U4,
    # U0 at 50), but U0's econ score is 0: a rule on score_econ caps it at B
    capped = INDEX.replace(
        "  shares = { A = 0.2, B = 0.8 }",
        '  shares = { A = 0.6, B = 0.4 }\n\n  [[class.tiers.rule]]\n  when = "score_econ < 10"\n'
        '  at_most = "B"\n  reason = "经济得分过低"',
    )
    # A = the best three (U3, U4, U0 at 50) but U0's econ is 0: capped at B
    ev = evaluate(FIVE, parse_rules(capped))
    assert ev.results["tier"].tolist()[0] == "B"
    assert ev.results["tier_reason"].tolist()[0] == "经济得分过低"


def test_units_without_a_total_are_rejected_with_the_reason() -> None:
    # geometric over a ratio: a tax of 0 scores 0, and a geometric mean over 0 is refused
    text = GEOMETRIC.replace(
        'score = { method = "minmax", floor = 1 }', 'score = { method = "fraction_of_max" }', 1
    )
    ev = evaluate(units(tax_paid=[0.0, 2.0, 3.0], revenue=[3.0, 2.0, 1.0]), parse_rules(text))
    assert ev.results["status"].tolist() == ["rejected", "evaluated", "evaluated"]
    assert "几何" in ev.results["status_reason"][0]
    assert ev.issues["code"].tolist().count("aggregate-not-positive") == 1
    assert "non-finite-score" not in ev.issues["code"].tolist()
    # a mean class whose unit has no value for any indicator, none imputable (its park alone)
    five = FIVE.assign(tax_paid=[2.0, 4.0, 6.0, 8.0, None], revenue=[20.0, None, 60.0, 80.0, None])
    tax_imputed = INDEX.replace(
        '  score = { method = "minmax" }\n\n  [[class.indicator]]\n  code = "rev"',
        '  score = { method = "minmax" }\n  missing = "impute"\n'
        '  impute = { stat = "mean", by = "park" }\n\n  [[class.indicator]]\n  code = "rev"',
        1,
    )
    ev = evaluate(five, parse_rules(tax_imputed))
    assert ev.results["status"].tolist()[4] == "rejected"
    assert "均无数据" in ev.results["status_reason"][4]
    assert "no-scored-data" in ev.issues["code"].tolist()
    assert (ev.results["status"][:4] == "evaluated").all()


def _one(code: str, score: str, direction: str = "higher") -> str:
    return f"""
  [[class.indicator]]
  code = "{code}"
  label = "指标{code}"
  formula = "tax_paid"
  weight = 1
  direction = "{direction}"
  score = {{ {score} }}
"""


def test_coinr_normalisers_by_hand() -> None:
    text = (
        HEADER
        + '[[class]]\ncode = "k"\nlabel = "指数"\naggregate = "mean"\n'
        + _one("a", 'method = "distance_to_max"')
        + _one("b", f'method = "distance_to_reference", reference = "{credit_code(1)}"')
        + _one("c", 'method = "fraction_of_max"')
        + _one("d", 'method = "fraction_of_max"', "lower")
        + _one("e", 'method = "distance_to_reference", reference = 3.0', "lower")
        + '\n  [class.tiers]\n  method = "quota"\n  shares = { A = 0.5, B = 0.5 }\n'
    )
    res = evaluate(units(tax_paid=[1.0, 2.0, 4.0]), parse_rules(text)).results
    # x = 1, 2, 4 (per unit, not per mu); each score on 0–100
    # a: 1 − (4 − x) / (4 − 1) → 0, 33.3, 100
    assert res["score_a"].tolist() == pytest.approx([0.0, 100 / 3, 100.0])
    # b: reference = unit 1's value 2: 1 − (2 − x) / (2 − 1) → 0, 100, 300 (uncapped, as COINr)
    assert res["score_b"].tolist() == pytest.approx([0.0, 100.0, 300.0])
    # c: x / 4 → 25, 50, 100; d (lower): 1 / x → 100, 50, 25
    assert res["score_c"].tolist() == pytest.approx([25.0, 50.0, 100.0])
    assert res["score_d"].tolist() == pytest.approx([100.0, 50.0, 25.0])
    # e (lower, reference 3): values negated −1, −2, −4, reference −3, minimum −4:
    # 1 − (−3 − v) / (−3 + 4) = 4 + v → 3, 2, 0 → 300, 200, 0
    assert res["score_e"].tolist() == pytest.approx([300.0, 200.0, 0.0])
    # total: the plain mean of the five (weights 1): unit 0 (0 + 0 + 25 + 100 + 300) / 5 = 85
    assert res["total_score"][0] == pytest.approx(85.0)


def test_geometric_over_scores_above_zero_is_accepted() -> None:
    # zscore (标准分) stays within 0–100 and is 0 only 6 spreads below the mean; rank > 0
    for score in ('method = "zscore"', 'method = "rank"', 'method = "efficacy", base = 60'):
        parse_rules(GEOMETRIC.replace('method = "minmax", floor = 1', score))
    with pytest.raises(RulesError, match="piecewise"):
        piecewise = 'method = "piecewise", breakpoints = [1.0], points = [0.0, 1.0]'
        parse_rules(GEOMETRIC.replace('method = "minmax", floor = 1', piecewise, 1))


def test_explain_names_the_group_scores() -> None:
    ev = evaluate(FIVE, parse_rules(INDEX))
    ex = ev.explain(credit_code(4))
    # U4: econ (100 + 33.3) / 2 = 66.7; green has no data
    assert [p["code"] for p in ex.pillars] == ["econ", "green"]
    assert ex.pillars[0]["score"] == pytest.approx(200 / 3)
    assert ex.to_json()["pillars"][1]["score"] is None


def test_an_indicator_without_spread_is_left_out_of_its_parent_as_coinr_does() -> None:
    # every unit pays the same tax per mu: min–max cannot scale it (COINr's n_minmax gives NA),
    # so econ is revenue alone and nobody gets 100 points for a figure that tells them apart
    # from no one; the county scorers of a sum class are not affected
    flat = FIVE.assign(tax_paid=[6.0] * 5)
    ev = evaluate(flat, parse_rules(INDEX))
    res = ev.results
    assert res["score_tax"].isna().all()
    rev = [0.0, 0.0, 200 / 3, 100.0, 100 / 3]  # as in test_index_by_hand
    assert res["score_econ"].tolist() == pytest.approx(rev)
    warned = ev.issues[ev.issues["code"] == "indicator-no-spread"]
    assert warned["field"].tolist() == ["tax"]
