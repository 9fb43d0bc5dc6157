"""The uncertainty analysis on small hand-made counties: a firm best in every way, row order,
threshold tiers and a class without firms, choices the rules do not have, improving a firm,
Dirichlet weights and tier shares alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import firms_frame
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mujun
from mujun.engine.uncertainty import sampled_tiers

SMALL = """mujun_rules = 1
name = "测试"
region = "测试县"
year = 2023

[[class]]
code = "all"
label = "全部企业"

  [[class.indicator]]
  code = "tax_per_mu"
  label = "亩均税收"
  formula = "tax_paid / land_mu"
  weight = 50
  score = { method = "ratio", benchmark = "mean", cap = 2.0 }

  [[class.indicator]]
  code = "revenue_per_mu"
  label = "亩均营业收入"
  formula = "revenue / land_mu"
  weight = 50
  score = { method = "minmax" }

  [class.tiers]
  method = "quota"
  shares = { A = 0.3, B = 0.4, C = 0.3 }
"""


def test_a_hand_case_one_firm_best_in_every_way_is_always_a() -> None:
    # firm 0 has the highest tax and revenue per mu: its total is the highest whatever the
    # weights, so it is A in every sample; firm 9 the lowest in both: C in every sample
    frame = firms_frame(10, seed=2)
    frame["land_owned_mu"] = 10.0
    frame["tax_paid"] = [900.0, *range(100, 900, 100), 10.0][:10]
    frame["revenue"] = [9000.0, *range(1000, 9000, 1000), 100.0][:10]
    rules = mujun.parse_rules(SMALL, file="small.toml")
    ev = mujun.evaluate(frame, rules)
    st_ = ev.uncertainty(samples=50, weight_noise=0.5, seed=2)
    firms = st_.firms.set_index("credit_code")
    best, worst = frame["credit_code"][0], frame["credit_code"][9]
    assert firms.at[best, "p_A"] == 1.0 and firms.at[best, "stable"]
    assert firms.at[worst, "p_C"] == 1.0
    assert firms.at[best, "rank_p05"] == firms.at[best, "rank_p95"] == 1


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 1000), shuffle=st.integers(0, 2**31 - 1))
def test_row_order_does_not_matter(seed: int, shuffle: int) -> None:
    frame = firms_frame(14, seed=seed)
    rules = mujun.parse_rules(SMALL, file="small.toml")
    a = mujun.evaluate(frame, rules).uncertainty(samples=15, weight_noise=0.4, seed=seed)
    shuffled = frame.sample(frac=1.0, random_state=shuffle).reset_index(drop=True)
    b = mujun.evaluate(shuffled, rules).uncertainty(samples=15, weight_noise=0.4, seed=seed)
    left = a.firms.set_index("credit_code").sort_index()
    right = b.firms.set_index("credit_code").sort_index()
    pd.testing.assert_frame_equal(left, right)


def test_threshold_tiers_and_an_empty_class() -> None:
    text = SMALL.replace(
        """  [class.tiers]
  method = "quota"
  shares = { A = 0.3, B = 0.4, C = 0.3 }""",
        """  [class.tiers]
  method = "threshold"
  minimum = { A = 80, B = 50 }
  below = "C"

[[class]]
code = "nobody"
label = "无企业的类别"
when = "revenue < 0"

  [[class.indicator]]
  code = "tax_per_mu"
  label = "亩均税收"
  formula = "tax_paid / land_mu"
  weight = 100
  score = { method = "ratio", benchmark = 10.0 }

  [class.tiers]
  method = "quota"
  shares = { A = 0.5, B = 0.5 }""",
    )
    text = text.replace('[[class]]\ncode = "all"', '[[class]]\ncode = "all"\nwhen = "revenue >= 0"')
    rules = mujun.parse_rules(text, file="small.toml")
    ev = mujun.evaluate(firms_frame(20, seed=4), rules)
    fast = sampled_tiers(ev, samples=20, weight_noise=0.5, seed=1)
    exact = sampled_tiers(ev, samples=20, weight_noise=0.5, seed=1, exact=True)
    assert fast.path == "fast"
    assert np.array_equal(fast.tier, exact.tier) and np.array_equal(fast.rank, exact.rank)
    st_ = ev.uncertainty(samples=20, weight_noise=0.5, seed=1)
    assert st_.classes.set_index("class").at["nobody", "firms"] == 0
    assert np.isnan(st_.classes.set_index("class").at["nobody", "share_stable"])


def test_a_choice_the_rules_do_not_have_is_not_a_factor() -> None:
    # tax's benchmark fixed at 10 (and minmax has none): no benchmark is a statistic to
    # sample; its cap removed: no cap to drop
    text = SMALL.replace('benchmark = "mean", cap = 2.0', "benchmark = 10.0")
    text += '\n[uncertainty]\nsamples = 20\nbenchmark = ["mean", "median"]\ncap = true\n'
    ev = mujun.evaluate(firms_frame(12, seed=1), mujun.parse_rules(text, file="small.toml"))
    st_ = ev.uncertainty()
    assert not {"benchmark", "cap"} & set(st_.sensitivity["factor"])
    assert len(st_.sensitivity) == 2  # the two weights


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 1000),
    firm=st.integers(0, 13),
    factor=st.floats(1.01, 5.0),
)
def test_improving_a_firm_never_lowers_its_chance_of_a_better_tier(
    seed: int, firm: int, factor: float
) -> None:
    # more tax raises the firm's tax item (x / mean rises with x) and lowers everyone else's
    # (the mean rises), the other item unchanged: in every sample (the same draws: the same
    # rules and seed) its total rises against the others', so its rank and its quota tier can
    # only improve: P(tier A), P(A or B) never fall
    frame = firms_frame(14, seed=seed)
    rules = mujun.parse_rules(SMALL, file="small.toml")
    before = mujun.evaluate(frame, rules).uncertainty(samples=15, weight_noise=0.4, seed=seed)
    better = frame.copy()
    better.loc[firm, "tax_paid"] *= factor
    after = mujun.evaluate(better, rules).uncertainty(samples=15, weight_noise=0.4, seed=seed)
    code = frame.at[firm, "credit_code"]
    a = before.firms.set_index("credit_code").loc[code]
    b = after.firms.set_index("credit_code").loc[code]
    assert b["p_A"] >= a["p_A"] - 1e-12
    assert b["p_A"] + b["p_B"] >= a["p_A"] + a["p_B"] - 1e-12
    assert b["rank_p95"] <= a["rank_p95"]


@pytest.mark.parametrize(
    "table",
    [
        'weights = "dirichlet"\nconcentration = 20',
        'weights = "none"\nshares = 0.1',
    ],
)
def test_dirichlet_weights_and_shares_alone(table: str) -> None:
    text = SMALL + f"\n[uncertainty]\nsamples = 25\nseed = 4\n{table}\n"
    rules = mujun.parse_rules(text, file="small.toml")
    ev = mujun.evaluate(firms_frame(30, seed=3), rules)
    fast = sampled_tiers(ev)
    exact = sampled_tiers(ev, exact=True)
    assert np.array_equal(fast.tier, exact.tier) and np.array_equal(fast.rank, exact.rank)
    w = fast.draws.weights["all"]
    assert np.allclose(w.sum(axis=1), 100.0) and (w > 0).all()
    factors = set(ev.uncertainty().sensitivity["factor"])
    if "dirichlet" in table:
        assert np.ptp(w[:, 0]) > 5  # concentration 20: weights move by several points
        assert factors == {"weight:all:tax_per_mu", "weight:all:revenue_per_mu"}
    else:
        assert (w == 50.0).all()
        assert factors == {"share:all:A", "share:all:B", "share:all:C"}
        shares = fast.draws.shares["all"]
        assert np.allclose(shares.sum(axis=1), 1.0) and (shares >= 0).all()
