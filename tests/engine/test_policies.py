"""Policies (结果应用): consecutive years in the tier from past tiers, the rate by that count,
amounts, labels, `consecutive`, missing figures and the sums per park."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import YEAR, credit_code, one_class_text
from hypothesis import given, settings
from hypothesis import strategies as st
from policy_county import COUNTY, PAST, SURCHARGE, TAX, THRESHOLD, county, past_tiers, rules_with

from mujun import evaluate, parse_rules
from mujun.engine.policies import tier_years
from mujun.errors import RulesError


def test_surcharge_is_rate_by_consecutive_d_years_times_kwh() -> None:
    ev = evaluate(county(), rules_with(SURCHARGE), past_tiers=past_tiers())
    res = ev.results
    assert list(res["tier"]) == ["D", "D", "D", "D", "D", "C", "A", "D"]
    assert list(res["tier_years"]) == [4, 2, 1, 1, 3, 1, 1, 1]
    expected = [
        0.15 * 100_000,  # 4 years: the third-and-later rate = 15000
        0.10 * 200_000,  # 2 years = 20000
        0.05 * 300_000,  # 1 year (2022 missing breaks the run) = 15000
        0.05 * 400_000,  # 1 year = 20000
        0.15 * 50_000,  # 3 years = 7500
        np.nan,  # C
        np.nan,  # A
        np.nan,  # D without kWh
    ]
    np.testing.assert_allclose(res["policy_power_surcharge"], expected)
    missing = ev.issues[ev.issues["code"] == "policy-missing-value"]
    assert list(missing["credit_code"]) == [credit_code(7)]
    assert missing["severity"].iloc[0] == "warning"
    assert "用电量" in missing["message"].iloc[0] and "差别化电价加价" in missing["message"].iloc[0]
    assert ev.past_tiers is not None and len(ev.past_tiers) == len(PAST)


def test_without_past_tiers_every_firm_is_in_its_first_year() -> None:
    ev = evaluate(county(), rules_with(SURCHARGE))
    assert list(ev.results["tier_years"]) == [1] * len(COUNTY)
    got = ev.results["policy_power_surcharge"].to_numpy()
    np.testing.assert_allclose(got[:5], [5000.0, 10000.0, 15000.0, 20000.0, 2500.0])  # 0.05 × kWh


def test_rules_without_policies_add_no_columns() -> None:
    ev = evaluate(county(), parse_rules(one_class_text(TAX, tiers=THRESHOLD)))
    assert "tier_years" not in ev.results
    assert not any(c.startswith("policy_") for c in ev.results.columns)


def test_not_evaluated_rows_have_no_tier_years_and_no_policy() -> None:
    frame = county(above_scale=[True] * 7 + [False])  # the last firm falls in no class
    ev = evaluate(frame, rules_with(SURCHARGE), past_tiers=past_tiers())
    last = ev.results.iloc[-1]
    assert last["status"] == "exempt"
    assert pd.isna(last["tier_years"]) and np.isnan(last["policy_power_surcharge"])


def test_conflicting_past_rows_break_the_run() -> None:
    past = pd.concat([past_tiers(), past_tiers().iloc[[0]].assign(tier="B")])  # 0 in 2022: D and B
    ev = evaluate(county(), rules_with(SURCHARGE), past_tiers=past)
    assert ev.results["tier_years"].iloc[0] == 1


def test_label_policy_and_when_reading_tier() -> None:
    label = """
[[policy]]
code = "a_treatment"
label = "参照享受A类政策"
when = "major_project and tier != 'A'"
source = "本地自定（测试）"
"""
    major = [True, False, False, False, False, True, True, False]
    ev = evaluate(county(major_project=major), rules_with(label))
    col = ev.results["policy_a_treatment"]
    # firm 0 (D) and 5 (C) are major projects not in A; firm 6 is A
    assert list(col.fillna("—")) == ["参照享受A类政策", *["—"] * 4, "参照享受A类政策", "—", "—"]


def test_consecutive_policy_applies_from_the_nth_year() -> None:
    second = """
[[policy]]
code = "land_tax"
label = "城镇土地使用税不予减免"
tier = "D"
consecutive = 2
source = "本地自定（测试）"
"""
    ev = evaluate(county(), rules_with(second), past_tiers=past_tiers())
    # a label policy: D firms in their 2nd or later consecutive year: 0 (4), 1 (2), 4 (3)
    assert list(ev.results["policy_land_tax"].notna()) == [
        True, True, False, False, True, False, False, False,
    ]  # fmt: skip


def test_amount_policy_and_when_reading_class_and_years() -> None:
    reward = """
[[policy]]
code = "reward"
label = "A、B类企业奖励"
tier = ["A", "B"]
amount = 50000
source = "本地自定（测试）"

[[policy]]
code = "warning_letter"
label = "连续三年D类约谈"
when = "class == 'above_scale' and tier == 'D' and tier_years >= 3"
source = "本地自定（测试）"
"""
    ev = evaluate(county(), rules_with(reward), past_tiers=past_tiers())
    reward_col = ev.results["policy_reward"].to_numpy()
    assert reward_col[6] == 50000 and np.isnan(np.delete(reward_col, 6)).all()
    letter = ev.results["policy_warning_letter"].notna()
    assert list(np.flatnonzero(letter)) == [0, 4]  # 4 and 3 consecutive D years


def test_policy_sums_per_park() -> None:
    ev = evaluate(county(), rules_with(SURCHARGE), past_tiers=past_tiers())
    sums = ev.policy_sums("park").set_index("park")
    # 东园: firms 0, 1, 7 (7 applies, its amount unknown) = 15000 + 20000
    assert sums.loc["东园", "firms"] == 3
    assert sums.loc["东园", "amount"] == pytest.approx(35_000.0)
    # 西园: firms 2, 3, 4 = 15000 + 20000 + 7500
    assert sums.loc["西园", "firms"] == 3
    assert sums.loc["西园", "amount"] == pytest.approx(42_500.0)
    assert sums.loc["合计", "firms"] == 6
    assert sums.loc["合计", "amount"] == pytest.approx(77_500.0)


def test_tier_years_of_a_frame() -> None:
    results = pd.DataFrame(
        {
            "credit_code": ["a", "b", "c"],
            "status": ["evaluated", "evaluated", "deferred"],
            "tier": pd.array(["D", "B", None], dtype="string"),
        }
    )
    past = pd.DataFrame(
        {"credit_code": ["a", "a", "b"], "year": [2021, 2020, 2020], "tier": ["D", "D", "B"]}
    )
    got = tier_years(results, 2022, past)
    assert list(got.fillna(-1)) == [3, 1, -1]  # b: 2021 missing breaks the run


@settings(max_examples=25, deadline=None)
@given(st.permutations(range(len(COUNTY))))
def test_row_order_does_not_matter(order: list[int]) -> None:
    rules = rules_with(SURCHARGE)
    base = evaluate(county(), rules, past_tiers=past_tiers()).results
    moved = evaluate(county().iloc[order].reset_index(drop=True), rules, past_tiers=past_tiers())
    got = moved.results.set_index("credit_code").loc[base["credit_code"]]
    np.testing.assert_array_equal(got["tier_years"], base["tier_years"].to_numpy())
    np.testing.assert_allclose(got["policy_power_surcharge"], base["policy_power_surcharge"])


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (('tier = "D"', 'tier = "E"'), "档次 'E' 不是任何类别的档次"),
        (("electricity_kwh", "power_account"), "数值字段"),
        (("rates = [0.05, 0.10, 0.15]", "rates = []"), "rates 不能为空"),
        (("rates = [0.05, 0.10, 0.15]", "rates = [0.05]\nrate = 0.1"), "只能给出其一"),
        (("rates = [0.05, 0.10, 0.15]", "rates = [0.05]\namount = 100"), "只能给出其一"),
        (('source = "本地自定（测试）"\n', ""), "source"),
        (('field = "electricity_kwh"\n', ""), "须给出 field"),
        (('tier = "D"\n', ""), "tier"),
        (("source =", "sourse ="), "source"),
    ],
)
def test_policy_mistakes_are_refused_in_chinese(change: tuple[str, str], words: str) -> None:
    text = one_class_text(TAX, tiers=THRESHOLD) + SURCHARGE.replace(*change)
    with pytest.raises(RulesError) as info:
        parse_rules(text, file="r.toml")
    message = str(info.value)
    assert words in message, message
    assert "r.toml" in message


def test_unknown_tier_names_its_line() -> None:
    text = one_class_text(TAX, tiers=THRESHOLD) + SURCHARGE.replace('tier = "D"', 'tier = "d"')
    with pytest.raises(RulesError) as info:
        parse_rules(text, file="r.toml")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t == 'tier = "d"')
    assert f"第 {line} 行" in str(info.value) or f":{line}" in str(info.value), str(info.value)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(0, 200), min_size=len(COUNTY), max_size=len(COUNTY)),
    st.lists(st.sampled_from(["A", "B", "C", "D", None]), min_size=24, max_size=24),
)
def test_every_row_accounted_and_amounts_follow_the_count(
    taxes: list[float], past: list[str | None]
) -> None:
    """tier_years is set exactly on the tiered evaluated rows, never above 1 + the past years;
    the surcharge is on D firms only and is one of the three rates × kWh."""
    history = pd.DataFrame(
        [
            (credit_code(i % len(COUNTY)), YEAR - 1 - i // len(COUNTY), "above_scale", t)
            for i, t in enumerate(past)
            if t is not None
        ],
        columns=["credit_code", "year", "class", "tier"],
    )
    frame = county(tax_paid=taxes, above_scale=[True] * 7 + [False])
    res = evaluate(frame, rules_with(SURCHARGE), past_tiers=history).results
    tiered = (res["status"] == "evaluated") & res["tier"].notna()
    assert (res["tier_years"].notna() == tiered).all()
    assert res["tier_years"].dropna().between(1, 4).all()  # three past years at most
    amount = res["policy_power_surcharge"].to_numpy(dtype=float)
    d = (res["tier"] == "D").to_numpy(dtype=bool, na_value=False)
    assert np.isnan(amount[~d]).all()
    kwh = frame["electricity_kwh"].to_numpy()
    years = res["tier_years"].to_numpy(dtype=float, na_value=np.nan)
    rate = np.array([0.05, 0.10, 0.15])[np.clip(np.nan_to_num(years, nan=1), 1, 3).astype(int) - 1]
    np.testing.assert_allclose(amount[d], (rate * kwh)[d])


def test_past_tiers_of_no_use_leave_every_firm_in_its_first_year() -> None:
    """Past rows that say nothing (only a conflict, only later years, no tier) break nothing."""
    code = credit_code(0)
    past = pd.DataFrame(
        {
            "credit_code": [code, code, code, code],
            "year": [YEAR - 1, YEAR - 1, YEAR + 1, YEAR - 2],
            "class": "above_scale",
            "tier": ["D", "C", "D", None],
        }
    )
    ev = evaluate(county(), rules_with(SURCHARGE), past_tiers=past)
    assert list(ev.results["tier_years"]) == [1] * len(COUNTY)
