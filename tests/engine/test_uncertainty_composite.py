"""The uncertainty analysis of a mean/geometric class (composite indicators): the sampled
weights act in the aggregation; the fast path equals full evaluations of each sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import HEADER, YEAR, credit_code

from mujun import evaluate, parse_rules
from mujun.engine.uncertainty import sample_rules, sampled_tiers

INDEX = (
    HEADER
    + """
[[class]]
code = "index"
label = "综合指数"
aggregate = "{top}"

  [[class.group]]
  code = "econ"
  label = "经济"
  weight = 2

  [[class.group]]
  code = "green"
  label = "绿色"
  weight = 1

  [[class.indicator]]
  code = "tax"
  label = "亩均税收"
  formula = "tax_paid"
  denominator = "land_mu"
  parent = "econ"
  weight = 1
  score = {{ method = "minmax" }}

  [[class.indicator]]
  code = "rev"
  label = "亩均营收"
  formula = "revenue"
  denominator = "land_mu"
  parent = "econ"
  weight = 3
  score = {{ method = "minmax" }}

  [[class.indicator]]
  code = "energy"
  label = "亩均能耗"
  formula = "energy_tce"
  denominator = "land_mu"
  parent = "green"
  weight = 1
  direction = "lower"
  score = {{ method = "minmax" }}

  [class.tiers]
  method = "quota"
  shares = {{ A = 0.2, B = 0.5, C = 0.3 }}

[uncertainty]
samples = 40
seed = 5
weight_noise = 0.5
shares = 0.05
"""
)


def units(n: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "credit_code": [credit_code(i) for i in range(n)],
            "year": [YEAR] * n,
            "land_owned_mu": rng.integers(2, 30, n).astype(float),
            "tax_paid": rng.lognormal(3, 1, n).round(2),
            "revenue": rng.lognormal(6, 1, n).round(2),
            "energy_tce": rng.lognormal(2, 1, n).round(2),
        }
    )


@pytest.mark.parametrize("top", ["mean", "harmonic"])
def test_a_mean_class_samples_its_weights_in_the_aggregation(top: str) -> None:
    rules = parse_rules(INDEX.format(top=top))
    ev = evaluate(units(), rules)
    fast = sampled_tiers(ev)
    assert fast.path == "fast"
    exact = sampled_tiers(ev, exact=True)
    assert np.array_equal(fast.tier, exact.tier) and np.array_equal(fast.rank, exact.rank)
    st = ev.uncertainty()
    assert np.allclose(st.firms[["p_A", "p_B", "p_C"]].sum(axis=1), 1.0)
    assert 0 < st.firms["stable"].mean() < 1  # ± 50 % weights move some units
    # the weights of a mean class are relative: rescaled to their stated sum 1 + 3 + 1 = 5
    rows = sample_rules(rules, fast.draws, 3).classes[0].indicators
    assert sum(i.weight for i in rows) == pytest.approx(5.0)


# a tier rule on a group's score: the group scores move with the sampled weights
PILLAR_RULE = (
    "  shares = {{ A = 0.2, B = 0.5, C = 0.3 }}\n\n  [[class.tiers.rule]]\n"
    '  when = "score_econ < 30"\n  at_most = "B"\n  reason = "经济得分过低"'
)


@pytest.mark.parametrize("top", ["mean", "sum"])
def test_a_tier_rule_on_a_group_score_is_sampled_per_sample(top: str) -> None:
    text = INDEX.replace("  shares = {{ A = 0.2, B = 0.5, C = 0.3 }}", PILLAR_RULE)
    if top == "sum":  # a sum class's weights add up to its total: 1 + 3 + 1 = 5
        text = text.replace('label = "综合指数"', 'label = "综合指数"\ntotal_weight = 5')
    rules = parse_rules(text.format(top=top))
    ev = evaluate(units(), rules)
    fast = sampled_tiers(ev)
    assert fast.path == "fast"  # the group scores are computed per sample, not given up on
    exact = sampled_tiers(ev, exact=True)
    assert np.array_equal(fast.tier, exact.tier) and np.array_equal(fast.rank, exact.rank)
    st = ev.uncertainty()
    assert np.allclose(st.firms.filter(like="p_").sum(axis=1), 1.0)


@pytest.mark.parametrize("top", ["mean", "sum"])
def test_a_score_without_data_keeps_the_fast_path(top: str) -> None:
    from composite_index import FIVE
    from composite_index import INDEX as FIVE_INDEX

    # U4 (park R) has no energy value and none to impute it from: its score_energy is NaN,
    # its green pillar has no data; the mean re-normalises over econ alone, the sum adds 0
    text = FIVE_INDEX + "\n[uncertainty]\nsamples = 30\nseed = 3\nweight_noise = 0.5\n"
    if top == "sum":  # weights 1 + 1 + 1
        text = text.replace('aggregate = "mean"', 'aggregate = "sum"\ntotal_weight = 3')
    ev = evaluate(FIVE, parse_rules(text))
    assert ev.results["score_energy"].isna().sum() == 1
    fast = sampled_tiers(ev)
    assert fast.path == "fast"
    exact = sampled_tiers(ev, exact=True)
    assert np.array_equal(fast.tier, exact.tier) and np.array_equal(fast.rank, exact.rank)
    assert ev.uncertainty().settings["path"] == "fast"
