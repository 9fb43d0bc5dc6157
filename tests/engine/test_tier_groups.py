"""Quotas within `by` groups, per-group shares, tie-breaks, no grade and too-small classes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import YEAR, credit_code, indicator_toml, make_tiers, one_class_rules
from hypothesis import given, settings
from hypothesis import strategies as st

import mujun
from mujun.engine import placing
from mujun.engine.evaluate import evaluate
from mujun.errors import RulesError

TAX = indicator_toml(
    "tax_per_mu", "tax_paid / land_mu", 100, 'method = "ratio", benchmark = 1.0, cap = 100.0'
)
ABC = {"A": 0.2, "B": 0.6, "C": 0.2}


def frame(**columns: list[Any]) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base: dict[str, list[Any]] = {
        "credit_code": [credit_code(i) for i in range(n)],
        "year": [YEAR] * n,
        "above_scale": [True] * n,
        "land_owned_mu": [1.0] * n,
    }
    base.update(columns)
    return pd.DataFrame(base)


def tiers_toml(**keys: str) -> str:
    lines = ["", "  [class.tiers]", *(f"  {k} = {v}" for k, v in keys.items())]
    return "\n".join(lines) + "\n"


def place(
    spec: mujun.rules.Tiers,
    total: list[float],
    by: list[Any] | None = None,
    masks: list[list[bool]] | None = None,
    ties: list[list[float]] | None = None,
) -> list[str]:
    """Tier codes of firms with these totals ('U' no grade, '-' no tier)."""
    t = np.asarray(total, dtype=float)
    tie = [np.asarray(x, dtype=float) for x in ties or []]
    ranking = placing.rank_class(t, None if by is None else np.asarray(by, dtype=object), tie)
    m = [np.asarray(x, dtype=bool) for x in masks or []]
    done = placing.tier_class(spec, t, ranking, m, tie, [], [])
    codes = [*spec.order, "U", "-"]
    return [codes[i] for i in done.tier]


def test_quota_within_groups() -> None:
    # group x: 5 firms → cumulative 0.2×5=1, 0.8×5=4 → A, B, B, B, C
    # group y: 3 firms → 0.2×3=0.6→1, 0.8×3=2.4→2 → A, B, C
    spec = make_tiers(shares=ABC, by="industry_code")
    total = [90, 80, 70, 60, 50, 85, 75, 65]
    by = ["x"] * 5 + ["y"] * 3
    assert place(spec, total, by) == ["A", "B", "B", "B", "C", "A", "B", "C"]


def test_a_missing_group_value_is_its_own_group() -> None:
    # the two firms without a value form the group （未分组）: 0.2×2=0.4→0, 0.8×2=1.6→2: B, B
    spec = make_tiers(shares=ABC, by="industry_code")
    ranking = placing.rank_class(
        np.array([9.0, 8, 7, 6]), np.array(["x", None, "x", None], dtype=object), []
    )
    assert ranking.names == ["x", "（未分组）"]
    assert ranking.rank.tolist() == [1, 1, 2, 2]
    assert ranking.pct.tolist() == [0.5, 0.5, 1.0, 1.0]
    assert place(spec, [9, 8, 7, 6], ["x", None, "x", None]) == ["B", "B", "B", "B"]


def test_shares_by_gives_a_group_its_own_shares() -> None:
    # y: 50/50/0 of 2 firms → A, B; x keeps 20/60/20 of 5 → A, B, B, B, C
    spec = make_tiers(
        shares=ABC, by="industry_code", shares_by={"y": {"A": 0.5, "B": 0.5, "C": 0.0}}
    )
    total = [90, 80, 70, 60, 50, 85, 75]
    assert place(spec, total, ["x"] * 5 + ["y"] * 2) == ["A", "B", "B", "B", "C", "A", "B"]


def test_shares_by_must_name_the_same_tiers() -> None:
    with pytest.raises(ValueError, match="shares_by"):
        make_tiers(shares=ABC, by="industry_code", shares_by={"y": {"A": 0.5, "B": 0.5}})


def test_tie_break_orders_equal_totals() -> None:
    # 5 firms, all 50 points; tax 10, 30, 20, 30, 5, revenue breaks the 30s: 1 (firm 1), 2 (firm 3)
    # order: 3, 1, 2, 0, 4 → A, B, B, B, C; without tie_break all share rank 1 → A
    spec = make_tiers(shares=ABC, tie_break=["tax_paid", "revenue"])
    ties = [[10, 30, 20, 30, 5], [0, 1, 0, 2, 0]]
    assert place(spec, [50] * 5, ties=ties) == ["B", "B", "B", "A", "C"]
    assert place(make_tiers(shares=ABC), [50] * 5) == ["A"] * 5


def test_ungraded_outside_the_base() -> None:
    # 6 firms, firm 0 (the best) ungraded: the quota is over the other 5 → A, B, B, B, C
    spec = make_tiers(
        shares=ABC, rule=[{"when": "public_interest", "ungraded": True, "reason": "公益"}]
    )
    masks = [[True, False, False, False, False, False]]
    assert place(spec, [99, 90, 80, 70, 60, 50], masks=masks) == ["U", "A", "B", "B", "B", "C"]


def test_ungraded_in_the_base() -> None:
    # counted in the base: 6 firms → 0.2×6=1.2→1, 0.8×6=4.8→5 → (A), B, B, B, B, C; firm 0 no grade
    spec = make_tiers(
        shares=ABC,
        ungraded_in_base=True,
        rule=[{"when": "public_interest", "ungraded": True, "reason": "公益"}],
    )
    masks = [[True, False, False, False, False, False]]
    assert place(spec, [99, 90, 80, 70, 60, 50], masks=masks) == ["U", "B", "B", "B", "B", "C"]


def test_too_small_a_group_gets_no_tier() -> None:
    # min 3: group x (4 firms) is tiered (0.2×4=0.8→1, 0.8×4=3.2→3), group y (2) is not
    spec = make_tiers(shares=ABC, by="industry_code", min_class_size=3)
    assert place(spec, [9, 8, 7, 6, 5, 4], ["x"] * 4 + ["y"] * 2) == ["A", "B", "B", "C", "-", "-"]


def test_too_small_end_to_end_says_so() -> None:
    rules = one_class_rules(
        TAX,
        tiers=tiers_toml(
            method='"quota"', shares="{ A = 0.2, B = 0.6, C = 0.2 }", min_class_size="3"
        ),
    )
    ev = evaluate(frame(tax_paid=[3.0, 2.0]), rules)
    res = ev.results
    assert res["status"].tolist() == ["evaluated", "evaluated"]
    assert res["tier"].isna().all()
    assert res["rank"].tolist() == [1, 2]
    assert (res["tier_reason"] == "本类（组）参评企业少于 3 家，不分档").all()
    assert (ev.issues["code"] == "class-too-small").sum() == 1


def test_ungraded_end_to_end() -> None:
    tiers = (
        tiers_toml(method='"quota"', shares="{ A = 0.2, B = 0.6, C = 0.2 }")
        + """
  [[class.tiers.rule]]
  when = "public_interest"
  ungraded = true
  reason = "公益性企业参与评价，不定等级"
"""
    )
    rules = one_class_rules(TAX, tiers=tiers)
    ev = evaluate(frame(tax_paid=[9.0, 8, 7, 6, 5, 4], public_interest=[True] + [False] * 5), rules)
    res = ev.results
    assert res["tier"].astype(str).tolist() == ["U", "A", "B", "B", "B", "C"]
    assert res["tier_label"].iloc[0] == "不定等级"
    assert res["tier_reason"].iloc[0] == "公益性企业参与评价，不定等级"
    assert res["rank"].tolist() == [1, 2, 3, 4, 5, 6]  # ranked with the others


def test_by_end_to_end_ranks_within_groups() -> None:
    tiers = tiers_toml(method='"quota"', by='"park"', shares="{ A = 0.2, B = 0.6, C = 0.2 }")
    rules = one_class_rules(TAX, tiers=tiers)
    ev = evaluate(frame(tax_paid=[9.0, 8, 7, 6, 5, 4], park=["东", "西"] * 3), rules)
    # 东: 9, 7, 5 → ranks 1, 2, 3 → 0.6→1, 2.4→2: A, B, C; 西 likewise with 8, 6, 4
    assert ev.results["rank"].tolist() == [1, 1, 2, 2, 3, 3]
    assert ev.results["tier"].astype(str).tolist() == ["A", "A", "B", "B", "C", "C"]
    lines = ev.tier_lines(groups=True)
    assert set(lines["group"]) == {"东", "西"}
    east = lines[lines["group"] == "东"].set_index("tier")
    assert east.loc["A", "line"] == 900.0 and east.loc["C", "line"] == 500.0


def test_tier_names_are_checked_at_load() -> None:
    tiers = (
        tiers_toml(method='"quota"', shares="{ A = 0.5, B = 0.5 }")
        + """
  [[class.tiers.rule]]
  when = "score_tax_per_m < 10"
  at_most = "B"
  reason = "x"
"""
    )
    with pytest.raises(RulesError, match="tax_per_mu"):
        one_class_rules(TAX, tiers=tiers)


def test_tier_rule_reads_rank_pct_and_value() -> None:
    # 4 firms: rank_pct 0.25, 0.5, 0.75, 1; the rule caps firms with value_tax_per_mu < 8.5 and
    # rank_pct <= 0.5 at B: firm 1 (value 8) → B although the quota gives A (50/50 → 2 A)
    tiers = (
        tiers_toml(method='"quota"', shares="{ A = 0.5, B = 0.5 }")
        + """
  [[class.tiers.rule]]
  when = "value_tax_per_mu < 8.5 and rank_pct <= 0.5"
  at_most = "B"
  reason = "上限"
"""
    )
    rules = one_class_rules(TAX, tiers=tiers)
    ev = evaluate(frame(tax_paid=[9.0, 8.0, 7.0, 6.0]), rules)
    assert ev.results["tier"].astype(str).tolist() == ["A", "B", "B", "B"]
    assert ev.results["veto_reason"].isna().all()  # a cap, not a veto


def test_veto_needs_at_most() -> None:
    with pytest.raises(ValueError, match="veto"):
        make_tiers(rule=[{"when": "safety_incident", "at_least": "C", "veto": True, "reason": "x"}])


# ---- properties -------------------------------------------------------------------------------

TOTALS = st.lists(st.integers(0, 20), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(TOTALS, st.data())
def test_row_order_does_not_matter(totals: list[int], data: st.DataObject) -> None:
    n = len(totals)
    groups = data.draw(st.lists(st.sampled_from(["x", "y", None]), min_size=n, max_size=n))
    ties = [data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))]
    perm = data.draw(st.permutations(range(n)))
    spec = make_tiers(shares=ABC, by="industry_code", tie_break=["tax_paid"], min_class_size=2)
    got = place(spec, totals, groups, ties=ties)
    shuffled = place(
        spec,
        [totals[i] for i in perm],
        [groups[i] for i in perm],
        ties=[[ties[0][i] for i in perm]],
    )
    assert shuffled == [got[i] for i in perm]


@settings(max_examples=60, deadline=None)
@given(TOTALS, st.data())
def test_raising_a_total_never_lowers_the_tier(totals: list[int], data: st.DataObject) -> None:
    n = len(totals)
    groups = data.draw(st.lists(st.sampled_from(["x", "y"]), min_size=n, max_size=n))
    ties = [data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))]
    who, more = data.draw(st.integers(0, n - 1)), data.draw(st.integers(1, 10))
    spec = make_tiers(
        shares={"A": 0.2, "B": 0.4, "C": 0.35, "D": 0.05},
        by="industry_code",
        tie_break=["tax_paid"],
    )
    order = spec.order
    before = place(spec, totals, groups, ties=ties)[who]
    raised = list(totals)
    raised[who] += more
    after = place(spec, raised, groups, ties=ties)[who]
    assert order.index(after) <= order.index(before)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 4), st.integers(0, 3), st.integers(0, 2)),
        min_size=1,
        max_size=40,
    )
)
def test_ranks_match_counting_by_hand(rows: list[tuple[int, int, int, int]]) -> None:
    """rank = 1 + firms of the same group strictly ahead on (key 1, key 2, key 3); the
    largest rank = firms of the group ahead or equal on all keys."""
    from mujun.engine.tiers import ranks

    group = np.array([r[0] for r in rows])
    keys = [np.array([float(r[k]) for r in rows]) for k in (1, 2, 3)]
    low, high = ranks(keys, group)
    for i, (g, *mine) in enumerate(rows):
        same = [r[1:] for r in rows if r[0] == g]
        assert low[i] == 1 + sum(tuple(o) < tuple(mine) for o in same)
        assert high[i] == sum(tuple(o) <= tuple(mine) for o in same)


def test_a_class_of_one_firm_is_b_under_the_default_quota() -> None:
    # the stated rule: 20/40/35/5 of 1 firm → round(0.2)=0, round(0.6)=1 → B
    tiers = tiers_toml(method='"quota"', shares="{ A = 0.20, B = 0.40, C = 0.35, D = 0.05 }")
    ev = evaluate(frame(tax_paid=[5.0]), one_class_rules(TAX, tiers=tiers))
    assert ev.results["tier"].astype(str).tolist() == ["B"]
