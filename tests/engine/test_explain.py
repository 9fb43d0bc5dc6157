"""Explain, rerun and Rules.replace: the demo county's known answer (every D firm's needed tax
lifts it to C, 90 % of the change does not), a hand case, what-if reruns equal edited files."""

from __future__ import annotations

from functools import cache

import pandas as pd
import pytest
from conftest import RULES_TEXT, YEAR, credit_code, firms_frame
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import mujun
from mujun.engine.explain import UnknownFirm, lowest_tier_codes
from mujun.engine.whatif import find_change
from mujun.sample.demo import DEMO_DATASET, DEMO_RULES
from tests.sample.test_demo_outputs import DEPARTMENTS


@cache
def demo() -> mujun.Evaluation:
    rules = mujun.load_rules(DEMO_RULES)
    table = mujun.read_sources(
        [DEMO_DATASET / f for f in DEPARTMENTS],
        year=rules.year,
        priority=rules.input.priority,
        aliases=rules.input.aliases,
        fields=rules.catalog,
    )
    return mujun.evaluate(table, rules)


def _tax_correction(code: str, value: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "credit_code": [code],
            "year": [2022],
            "field": ["tax_paid"],
            "new_value": [repr(float(value))],
            "reason": ["测算"],
            "approved_by": ["测试"],
        }
    )


def _tier_of(ev: mujun.Evaluation, code: str) -> str:
    res = ev.results.set_index("credit_code")
    return str(res.at[code, "tier"])


def test_needed_tax_lifts_every_d_firm_and_ninety_percent_does_not() -> None:
    ev = demo()
    codes = lowest_tier_codes(ev)
    assert len(codes) >= 10  # the demo has D firms in both classes
    checked = 0
    for code in codes:
        at = int((ev.results["credit_code"] == code).to_numpy().nonzero()[0][0])
        change = find_change(ev, at, at, "C", "tax_paid", True)
        if not change.reachable:
            continue
        assert change.needed is not None and change.current is not None
        assert change.needed > change.current
        lifted = ev.rerun(corrections=_tax_correction(code, change.needed))
        assert _tier_of(lifted, code) in ("A", "B", "C"), code
        short = change.current + 0.9 * (change.needed - change.current)
        held = ev.rerun(corrections=_tax_correction(code, short))
        assert _tier_of(held, code) == "D", code
        checked += 1
    assert checked >= len(codes) // 2


def test_land_is_named_as_the_part_a_correction_takes() -> None:
    # land_mu is a sum, not a field any file or correction holds: the change names the part
    # (owned land) and its value, and that correction, applied, lifts the firm
    ev = demo()
    code = lowest_tier_codes(ev)[0]
    at = int((ev.results["credit_code"] == code).to_numpy().nonzero()[0][0])
    change = find_change(ev, at, at, "C", "land_mu", False)
    assert change.reachable and change.correct_field in ("land_owned_mu", "land_leased_mu")
    assert change.correct_value is not None
    fix = _tax_correction(code, change.correct_value).assign(field=change.correct_field)
    assert _tier_of(ev.rerun(corrections=fix), code) in ("A", "B", "C")
    assert ev.explain(code).to_json()["changes"][0].keys() >= {"correct_field", "correct_value"}


def _county() -> pd.DataFrame:
    """Five below-scale firms of 5 亩 (RULES_TEXT's below_scale class: 亩均税收 / 5.0 × 100,
    capped at 2 × 100; A ≥ 150, B ≥ 100, else C)."""
    return pd.DataFrame(
        {
            "credit_code": [credit_code(i) for i in range(5)],
            "year": [YEAR] * 5,
            "name": [f"企业{i}" for i in range(5)],
            "industry_code": ["3311"] * 5,
            "above_scale": [False] * 5,
            "land_owned_mu": [5.0] * 5,
            "tax_paid": [20.0, 30.0, 40.0, 60.0, 10.0],
            "high_tech": [False] * 5,
            "safety_incident": [False] * 5,
        }
    )


def test_hand_case_on_five_firms() -> None:
    rules = mujun.parse_rules(RULES_TEXT)
    ev = mujun.evaluate(_county(), rules)
    # 企业0: 20 / 5 = 4 万元/亩 → 4 / 5 × 100 = 80 points → C; B needs 100 points:
    # tax 25 (25 / 5 = 5 → 100), or land 4 亩 (20 / 4 = 5 → 100)
    ex = ev.explain(credit_code(0))
    assert (ex.tier, ex.next_tier, ex.total_score) == ("C", "B", pytest.approx(80.0))
    changes = {c.field: c for c in ex.changes}
    assert set(changes) == {"tax_paid", "land_mu"}
    tax, land = changes["tax_paid"], changes["land_mu"]
    assert tax.reachable and tax.larger_is_better
    assert 25.0 <= tax.needed <= 25.0 + 0.001 * 5 + 1e-9  # the precision: 0.1 % of the change
    assert land.reachable and not land.larger_is_better
    assert 4.0 - 0.001 * 1 - 1e-9 <= land.needed <= 4.0
    row = ex.indicators.set_index("code").loc["tax_per_mu"]
    assert row["value"] == pytest.approx(4.0) and row["points"] == pytest.approx(80.0)
    assert row["benchmark"] == pytest.approx(5.0) and row["weight"] == 100.0
    # values 4, 6, 8, 12, 2: median 6; 企业0 at or above two of five → 40
    assert row["class_median"] == pytest.approx(6.0) and row["percentile"] == pytest.approx(40.0)
    # 企业3: 60 / 5 = 12 → capped at 200 → A: no tier above
    top = ev.explain(credit_code(3))
    assert top.tier == "A" and top.next_tier is None and top.changes == [] and top.note


def test_json_shape() -> None:
    ev = mujun.evaluate(_county(), mujun.parse_rules(RULES_TEXT))
    got = ev.explain(credit_code(4)).to_json()
    # 企业4: 10 / 5 = 2 → 40 points → C; B at tax 25
    for key in ("credit_code", "class", "tier", "next_tier", "line", "changes"):
        assert key in got
    assert got["class"] == "below_scale" and got["tier"] == "C" and got["next_tier"] == "B"
    assert got["line"] == 100.0  # a threshold class: its stated minimum of B
    change = next(c for c in got["changes"] if c["field"] == "tax_paid")
    assert set(change) >= {"field", "current", "needed", "reachable"}
    assert change["current"] == 10.0 and change["reachable"] is True
    assert change["needed"] == pytest.approx(25.0, abs=0.02)


def test_unknown_code_says_so_in_chinese() -> None:
    ev = mujun.evaluate(_county(), mujun.parse_rules(RULES_TEXT))
    with pytest.raises(UnknownFirm, match="没有统一社会信用代码"):
        ev.explain("91000000000000000X")


def test_not_evaluated_firm_has_a_note() -> None:
    frame = _county()
    frame.loc[0, "industry_code"] = "4411"  # 电力: exempt
    ev = mujun.evaluate(frame, mujun.parse_rules(RULES_TEXT))
    ex = ev.explain(credit_code(0))
    assert ex.next_tier is None and ex.changes == [] and "公用事业" in ex.note


def test_rerun_unchanged_is_the_same() -> None:
    ev = mujun.evaluate(_county(), mujun.parse_rules(RULES_TEXT))
    pd.testing.assert_frame_equal(ev.rerun().results, ev.results)


def test_rerun_with_replaced_weights_equals_an_edited_rules_file() -> None:
    rules = mujun.parse_rules(RULES_TEXT)
    table = mujun.EnterpriseTable.from_frame(_county().assign(above_scale=True, revenue=100.0))
    ev = mujun.evaluate(table, rules)
    changed = rules.replace(weights={"above_scale": {"tax_per_mu": 70, "revenue_per_mu": 30}})
    edited = RULES_TEXT.replace("weight = 60", "weight = 70").replace("weight = 40", "weight = 30")
    want = mujun.evaluate(table, mujun.parse_rules(edited))
    pd.testing.assert_frame_equal(ev.rerun(rules=changed).results, want.results)
    # rescaled: 70 given, the other 40 of 40 points → 30
    rescaled = rules.replace(weights={"above_scale": {"tax_per_mu": 70}}, rescale=True)
    pd.testing.assert_frame_equal(ev.rerun(rules=rescaled).results, want.results)


def test_replace_shares_cap_benchmark_and_year() -> None:
    rules = mujun.parse_rules(RULES_TEXT)
    new = rules.replace(
        shares={"above_scale": {"A": 0.1, "B": 0.2, "C": 0.3, "D": 0.4}},
        cap={"tax_per_mu": 3.0},
        benchmark={"above_scale": {"revenue_per_mu": "median"}},
        year=YEAR + 1,
    )
    above = new.classes[0]
    assert above.tiers.shares == {"A": 0.1, "B": 0.2, "C": 0.3, "D": 0.4}
    assert [i.score.cap for i in above.indicators] == [3.0, 2.0]
    assert above.indicators[1].score.benchmark == "median"
    assert new.classes[1].indicators[0].score.cap == 3.0 and new.year == YEAR + 1
    assert rules.classes[0].indicators[0].score.cap == 2.0  # the original is untouched


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"weights": {"tax_per_mu": 0}}, "须大于 0"),
        ({"weights": {"tax_per_m": 10}}, "没有代码为 'tax_per_m' 的指标"),
        ({"shares": {"nope": {"A": 1.0}}}, "没有代码为 'nope' 的类别"),
        ({"weights": {"above_scale": {"tax_per_mu": 50}}}, "权重之和"),
        ({"weights": {"tax_per_mu": "abc"}, "rescale": True}, "须为数值"),
        ({"weights": {"tax_per_mu": float("nan")}, "rescale": True}, "有限数值"),
    ],
)
def test_a_bad_replacement_is_a_rules_error_in_chinese(change: dict, words: str) -> None:
    with pytest.raises(mujun.RulesError, match=words):
        mujun.parse_rules(RULES_TEXT).replace(**change)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    taxes=st.lists(st.integers(5, 400), min_size=6, max_size=9),
    seed=st.integers(0, 1000),
)
def test_needed_tax_reaches_and_ninety_percent_does_not_on_random_counties(
    taxes: list[int], seed: int
) -> None:
    """Quota tiers of RULES_TEXT's above_scale class (pooled revenue benchmark, a veto): the
    lowest-tier firm's needed tax, applied, lifts it; 90 % of the change does not."""
    n = len(taxes)
    frame = firms_frame(n, seed=seed).assign(tax_paid=[float(t) for t in taxes])
    rules = mujun.parse_rules(RULES_TEXT)
    ev = mujun.evaluate(frame, rules)
    res = ev.results
    lowest = res.index[(res["tier"] == "D").to_numpy(dtype=bool, na_value=False)]
    assume(len(lowest))
    at = int(lowest[0])
    change = find_change(ev, at, at, "C", "tax_paid", True)
    assume(change.reachable)
    assert change.needed is not None and change.current is not None
    code = str(res["credit_code"].iloc[at])

    def tier_with(tax: float) -> str:
        again = mujun.evaluate(frame.assign(tax_paid=frame["tax_paid"].where(
            frame["credit_code"] != code, tax)), rules)  # fmt: skip
        return str(again.results["tier"].iloc[at])

    assert tier_with(change.needed) in ("A", "B", "C")
    assert tier_with(change.current + 0.9 * (change.needed - change.current)) == "D"
