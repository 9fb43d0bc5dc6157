"""Stage tiers (安阳 2018): A from the top half by tax + R&D scores, C from the bottom half by
energy + emission scores, the rest B."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import YEAR, credit_code, indicator_toml, make_tiers, one_class_rules
from hypothesis import given, settings
from hypothesis import strategies as st

from mujun.engine import placing
from mujun.engine.evaluate import evaluate
from mujun.errors import RulesError

RATIO = 'method = "ratio", benchmark = 1.0, cap = 100.0'
# four items of 25 points each: score = 25 × value (land 1 mu, benchmark 1)
INDICATORS = "".join(
    indicator_toml(code, f"{field} / land_mu", 25, RATIO)
    for code, field in (
        ("tax", "tax_paid"),
        ("rd", "rd_expense"),
        ("energy", "value_added"),
        ("emission", "output_value"),
    )
)
ANYANG = """
  [class.tiers]
  method = "stages"
  rest = "B"

  [[class.tiers.stage]]
  tier = "A"
  among = "rank_pct <= 0.5"
  order = "score_tax + score_rd"
  share = 0.15

  [[class.tiers.stage]]
  tier = "C"
  among = "rank_pct > 0.5"
  order = "score_energy + score_emission"
  pick = "lowest"
  share = 0.10
"""


def firms(values: list[tuple[float, float, float, float]]) -> pd.DataFrame:
    n = len(values)
    t, r, e, m = (list(col) for col in zip(*values, strict=True))
    data: dict[str, Any] = {
        "credit_code": [credit_code(i) for i in range(n)],
        "year": [YEAR] * n,
        "above_scale": [True] * n,
        "land_owned_mu": [1.0] * n,
        "tax_paid": t,
        "rd_expense": r,
        "value_added": e,
        "output_value": m,
    }
    return pd.DataFrame(data)


def test_ten_firms_by_hand() -> None:
    # (tax, rd, energy, emission) values; totals = 25 × their sum, ranks 1..10 in this order.
    # A: 0.15 × 10 = 1.5 → 2 firms among ranks 1–5 (rank_pct ≤ 0.5) by tax + rd:
    #    keys 4, 2, 5, 2, 3 → firm 2 (5) and firm 0 (4) are A.
    # C: 0.10 × 10 = 1 firm among ranks 6–10 by energy + emission, lowest: keys 3, 4, 1, 0, 1
    #    → firm 8 (0) is C. Everyone else B.
    # (A plain 15/75/10 quota would make firms 0, 1 A and firm 9 C.)
    values = [
        (4, 0, 3, 3),  # 0: 10 → 250
        (1, 1, 3, 4),  # 1: 9
        (3, 2, 1, 2),  # 2: 8
        (1, 1, 2, 3),  # 3: 7
        (2, 1, 1, 2),  # 4: 6
        (1, 1, 1, 2),  # 5: 5
        (0, 0, 2, 2),  # 6: 4
        (1, 1, 0, 1),  # 7: 3
        (2, 0, 0, 0),  # 8: 2
        (0, 0, 0, 1),  # 9: 1
    ]
    ev = evaluate(firms(values), one_class_rules(INDICATORS, tiers=ANYANG))
    res = ev.results
    assert res["total_score"].tolist() == [25.0 * sum(v) for v in values]
    assert res["tier"].astype(str).tolist() == ["A", "B", "A", "B", "B", "B", "B", "B", "C", "B"]
    assert (res["tier_reason"] == "stage").all()
    lines = ev.tier_lines()
    assert lines["line"].isna().all()  # no score line separates stage tiers
    assert lines.set_index("tier")["firms"].to_dict() == {"A": 2, "B": 7, "C": 1}


def test_anyang_below_scale_39_firms() -> None:
    # 39 firms: A = round(0.15 × 39 = 5.85) = 6, C = round(0.10 × 39 = 3.9) = 4, B = 29
    # (as published)
    rng = np.random.default_rng(7)
    values = [tuple(v) for v in rng.uniform(0.1, 4.0, size=(39, 4)).round(3)]
    ev = evaluate(firms(values), one_class_rules(INDICATORS, tiers=ANYANG))
    res = ev.results
    assert res["tier"].value_counts().to_dict() == {"B": 29, "A": 6, "C": 4}
    top = res["rank"] <= 19  # rank_pct = rank / 39 ≤ 0.5
    key_a = res["score_tax"] + res["score_rd"]
    key_c = res["score_energy"] + res["score_emission"]
    a = res["tier"] == "A"
    c = res["tier"] == "C"
    assert (a <= top).all() and (c <= ~top).all()
    assert key_a[a].min() > key_a[top & ~a].max()  # the best 6 of the top half by tax + R&D
    assert key_c[c].max() < key_c[~top & ~c].min()  # the lowest 4 of the bottom half


def stage_spec(**kw: Any) -> Any:
    data: dict[str, Any] = {
        "method": "stages",
        "shares": None,
        "rest": "B",
        "stage": [{"tier": "A", "count": 2}, {"tier": "C", "count": 1, "pick": "lowest"}],
    }
    data.update(kw)
    return make_tiers(**data)


def place(
    spec: Any,
    total: list[float],
    keys: list[list[float] | None],
    ties: list[list[float]] | None = None,
) -> list[str]:
    t = np.asarray(total, dtype=float)
    tie = [np.asarray(x, dtype=float) for x in ties or []]
    ranking = placing.rank_class(t, None, tie)
    among = [np.ones(len(t), bool) for _ in spec.stage]
    k = [None if x is None else np.asarray(x, dtype=float) for x in keys]
    done = placing.tier_class(spec, t, ranking, [], tie, among, k)
    return [[*spec.order, "U", "-"][i] for i in done.tier]


def test_ties_at_a_better_stage_boundary_are_all_taken() -> None:
    # A takes 2 by total: 9, 8, 8 → the two 8s tie at the boundary: both A (the better tier)
    # C takes 1 lowest: 5 → C
    assert place(stage_spec(), [9, 8, 8, 7, 5], [None, None]) == ["A", "A", "A", "B", "C"]


def test_ties_at_a_worse_stage_boundary_are_left_out() -> None:
    # C takes the 1 lowest: 5, 5 tie → neither is C (they share the better tier, B)
    assert place(stage_spec(), [9, 8, 7, 5, 5], [None, None]) == ["A", "A", "B", "B", "B"]


def test_tie_break_orders_a_stage() -> None:
    # the same tie broken by tax: the lower tax (firm 4) is picked for C first
    got = place(
        stage_spec(tie_break=["tax_paid"]), [9, 8, 7, 5, 5], [None, None], [[0, 0, 0, 3, 1]]
    )
    assert got == ["A", "A", "B", "B", "C"]


def test_stages_levels_and_validation() -> None:
    assert stage_spec().order == ["A", "B", "C"]
    assert stage_spec(levels=["C", "B", "A"]).order == ["C", "B", "A"]
    with pytest.raises(ValueError, match="share"):
        stage_spec(stage=[{"tier": "A"}])
    with pytest.raises(ValueError, match="rest"):
        stage_spec(rest=None)
    with pytest.raises(ValueError, match="shares"):
        stage_spec(shares={"A": 1.0})


def test_unknown_indicator_in_a_stage_is_a_rules_error() -> None:
    with pytest.raises(RulesError, match="score_energy"):
        one_class_rules(INDICATORS, tiers=ANYANG.replace("score_energy +", "score_enrgy +"))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=2, max_size=30), st.data())
def test_anyang_shape_never_lowers_a_raised_firm(totals: list[int], data: st.DataObject) -> None:
    """With orderings that do not move, raising a firm's total never lowers its tier under the
    安阳 stages (moving into the top half can only turn C into A or B)."""
    n = len(totals)
    key_a = data.draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
    key_c = data.draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
    who, more = data.draw(st.integers(0, n - 1)), data.draw(st.integers(1, 10))
    spec = stage_spec(
        stage=[{"tier": "A", "share": 0.15}, {"tier": "C", "share": 0.1, "pick": "lowest"}]
    )

    def tier(total: list[int]) -> int:
        t = np.asarray(total, dtype=float)
        ranking = placing.rank_class(t, None, [])
        among = [ranking.pct <= 0.5, ranking.pct > 0.5]
        keys = [np.asarray(key_a, float), np.asarray(key_c, float)]
        return int(placing.tier_class(spec, t, ranking, [], [], among, keys).tier[who])

    raised = list(totals)
    raised[who] += more
    assert tier(raised) <= tier(totals)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=1, max_size=30), st.data())
def test_stage_row_order_does_not_matter(totals: list[int], data: st.DataObject) -> None:
    n = len(totals)
    key = data.draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
    perm = data.draw(st.permutations(range(n)))
    spec = stage_spec(
        stage=[{"tier": "A", "share": 0.3}, {"tier": "C", "share": 0.2, "pick": "lowest"}]
    )
    got = place(spec, totals, [key, key])
    shuffled = place(spec, [totals[i] for i in perm], [[key[i] for i in perm]] * 2)
    assert shuffled == [got[i] for i in perm]


def test_stages_within_groups() -> None:
    # two groups of 4: in each, A = 1 firm (count) by total, C = 1 lowest; the rest B
    spec = stage_spec(
        by="industry_code",
        stage=[{"tier": "A", "count": 1}, {"tier": "C", "count": 1, "pick": "lowest"}],
    )
    t = np.array([9.0, 8, 7, 6, 5, 4, 3, 2])
    ranking = placing.rank_class(t, np.array(["x", "y"] * 4, dtype=object), [])
    assert ranking.rank.tolist() == [1, 1, 2, 2, 3, 3, 4, 4]
    among = [np.ones(8, bool)] * 2
    done = placing.tier_class(spec, t, ranking, [], [], among, [None, None])
    assert ["ABC"[i] for i in done.tier] == ["A", "A", "B", "B", "B", "B", "C", "C"]
