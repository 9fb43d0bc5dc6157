"""Ranks and tiers: quota counts with their rounding rule, ties, thresholds, tier rules."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_tiers
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import rankdata

from mujun.engine.tiers import (
    TIE_DECIMALS,
    apply_tier_rules,
    base_tiers,
    cumulative_counts,
    quota_tiers,
    rank_scores,
    threshold_tiers,
)

SHARES = {
    "20/40/35/5": [0.20, 0.40, 0.35, 0.05],
    "20/45/30/5": [0.20, 0.45, 0.30, 0.05],
    "25/45/25/5": [0.25, 0.45, 0.25, 0.05],
    "30/30/30/10": [0.30, 0.30, 0.30, 0.10],
    "20/55/20/5": [0.20, 0.55, 0.20, 0.05],
}

# Cumulative counts = round half up of (cumulative share × n), in exact decimals; last = n.
# 672 firms (蚌埠 2021):
#   20/40/35/5:  0.20×672=134.4→134; 0.60×672=403.2→403; 0.95×672=638.4→638; 672
#   20/45/30/5:  134.4→134; 0.65×672=436.8→437; 638.4→638; 672
#   25/45/25/5:  0.25×672=168; 0.70×672=470.4→470; 638.4→638; 672
#   30/30/30/10: 0.30×672=201.6→202; 0.60×672=403.2→403; 0.90×672=604.8→605; 672
#   20/55/20/5:  134.4→134; 0.75×672=504; 638.4→638; 672
# 755 firms (铜陵 2021):
#   20/40/35/5:  0.20×755=151; 0.60×755=453; 0.95×755=717.25→717; 755
#   20/45/30/5:  151; 0.65×755=490.75→491; 717.25→717; 755
#   25/45/25/5:  0.25×755=188.75→189; 0.70×755=528.5→529 (half up); 717; 755
#   30/30/30/10: 0.30×755=226.5→227 (half up); 453; 0.90×755=679.5→680 (half up); 755
#   20/55/20/5:  151; 0.75×755=566.25→566; 717; 755
# 1248 firms (天台 2022):
#   20/40/35/5:  0.20×1248=249.6→250; 0.60×1248=748.8→749; 0.95×1248=1185.6→1186; 1248
#   20/45/30/5:  250; 0.65×1248=811.2→811; 1186; 1248
#   25/45/25/5:  0.25×1248=312; 0.70×1248=873.6→874; 1186; 1248
#   30/30/30/10: 0.30×1248=374.4→374; 749; 0.90×1248=1123.2→1123; 1248
#   20/55/20/5:  250; 0.75×1248=936; 1186; 1248
CUMULATIVE = {
    (672, "20/40/35/5"): [134, 403, 638, 672],
    (672, "20/45/30/5"): [134, 437, 638, 672],
    (672, "25/45/25/5"): [168, 470, 638, 672],
    (672, "30/30/30/10"): [202, 403, 605, 672],
    (672, "20/55/20/5"): [134, 504, 638, 672],
    (755, "20/40/35/5"): [151, 453, 717, 755],
    (755, "20/45/30/5"): [151, 491, 717, 755],
    (755, "25/45/25/5"): [189, 529, 717, 755],
    (755, "30/30/30/10"): [227, 453, 680, 755],
    (755, "20/55/20/5"): [151, 566, 717, 755],
    (1248, "20/40/35/5"): [250, 749, 1186, 1248],
    (1248, "20/45/30/5"): [250, 811, 1186, 1248],
    (1248, "25/45/25/5"): [312, 874, 1186, 1248],
    (1248, "30/30/30/10"): [374, 749, 1123, 1248],
    (1248, "20/55/20/5"): [250, 936, 1186, 1248],
}


@pytest.mark.parametrize(("n", "name"), list(CUMULATIVE))
def test_cumulative_counts(n: int, name: str) -> None:
    assert cumulative_counts(n, SHARES[name]) == CUMULATIVE[n, name]


@pytest.mark.parametrize(("n", "name"), list(CUMULATIVE))
def test_quota_tier_counts(n: int, name: str) -> None:
    """Distinct scores: tier sizes are the differences of the cumulative counts."""
    cum = CUMULATIVE[n, name]
    expected = [cum[0], cum[1] - cum[0], cum[2] - cum[1], cum[3] - cum[2]]
    tier = quota_tiers(np.arange(1, n + 1), SHARES[name])
    assert np.bincount(tier, minlength=4).tolist() == expected
    # the best ranks come first
    assert (np.diff(tier) >= 0).all()


def test_quota_counts_spelled_out() -> None:
    # 755 firms, 30/30/30/10: A 227, B 453 − 227 = 226, C 680 − 453 = 227, D 755 − 680 = 75
    tier = quota_tiers(np.arange(1, 756), SHARES["30/30/30/10"])
    assert np.bincount(tier).tolist() == [227, 226, 227, 75]
    # 1248 firms, 20/40/35/5: A 250, B 749 − 250 = 499, C 1186 − 749 = 437, D 1248 − 1186 = 62
    tier = quota_tiers(np.arange(1, 1249), SHARES["20/40/35/5"])
    assert np.bincount(tier).tolist() == [250, 499, 437, 62]


def test_floor_and_ceil_rounding() -> None:
    shares = SHARES["30/30/30/10"]
    # 755: 226.5, 453, 679.5 → floor 226, 453, 679; ceil 227, 453, 680
    assert cumulative_counts(755, shares, "floor") == [226, 453, 679, 755]
    assert cumulative_counts(755, shares, "ceil") == [227, 453, 680, 755]
    # 672, 20/40/35/5: 134.4, 403.2, 638.4 → floor 134, 403, 638; ceil 135, 404, 639
    assert cumulative_counts(672, SHARES["20/40/35/5"], "floor") == [134, 403, 638, 672]
    assert cumulative_counts(672, SHARES["20/40/35/5"], "ceil") == [135, 404, 639, 672]


def test_half_up_is_exact_not_binary() -> None:
    # in floats 0.3 + 0.3 + 0.3 = 0.8999999999999999 and × 755 = 679.4999… → 679;
    # in exact decimals 0.9 × 755 = 679.5 → 680 (and 0.25 + 0.45 = 0.70, × 755 = 528.5 → 529)
    assert cumulative_counts(755, [0.3, 0.3, 0.3, 0.1])[2] == 680
    assert cumulative_counts(755, [0.25, 0.45, 0.3])[1] == 529
    # 0.1 × 5 = 0.5 → 1; 0.3 × 5 = 1.5 → 2
    assert cumulative_counts(5, [0.1, 0.2, 0.7]) == [1, 2, 5]


def test_last_count_is_always_n() -> None:
    assert cumulative_counts(7, [0.5, 0.5]) == [4, 7]  # 3.5 → 4
    assert cumulative_counts(0, SHARES["20/40/35/5"]) == [0, 0, 0, 0]


def test_zero_share_tier_is_empty() -> None:
    # 10 firms, A 0 %, B 50 %, C 50 %: cumulative 0, 5, 10
    tier = quota_tiers(np.arange(1, 11), [0.0, 0.5, 0.5])
    assert np.bincount(tier, minlength=3).tolist() == [0, 5, 5]


def test_ties_straddling_a_boundary_join_the_better_tier() -> None:
    # 20 firms, A/B 50 % each (A = ranks 1..10). Scores: five firms 100..96, ten firms at 90,
    # five firms 80..76. The ten tied firms share rank 6 and all become A: A holds 15 firms.
    total = np.array([100, 99, 98, 97, 96] + [90] * 10 + [80, 79, 78, 77, 76], dtype=float)
    rank = rank_scores(total)
    assert rank.tolist() == [1, 2, 3, 4, 5] + [6] * 10 + [16, 17, 18, 19, 20]
    tier = quota_tiers(rank, [0.5, 0.5])
    assert tier.tolist() == [0] * 15 + [1] * 5


def test_ties_never_split() -> None:
    # 8 firms, 25 % each: boundaries at ranks 2, 4, 6. Scores 9, 8, 8, 8, 5, 4, 4, 1:
    # ranks 1, 2, 2, 2, 5, 6, 6, 8 → tiers A, A, A, A, C, C, C, D (B is empty)
    total = np.array([9, 8, 8, 8, 5, 4, 4, 1], dtype=float)
    rank = rank_scores(total)
    assert rank.tolist() == [1, 2, 2, 2, 5, 6, 6, 8]
    assert quota_tiers(rank, [0.25] * 4).tolist() == [0, 0, 0, 0, 2, 2, 2, 3]


def test_rank_shares_the_smaller_rank() -> None:
    total = np.array([70.0, 90.0, 80.0, 80.0, 60.0])
    assert rank_scores(total).tolist() == [4, 1, 2, 2, 5]


def test_rank_float_noise_is_a_tie() -> None:
    # 0.1 + 0.2 and 0.3 differ in the last bit only
    total = np.array([0.1 + 0.2, 0.3, 0.2])
    assert rank_scores(total).tolist() == [1, 1, 3]


def test_rank_empty() -> None:
    assert rank_scores(np.array([])).tolist() == []


near_ties = st.sampled_from([0.0, 1e-10, 4e-10, 6e-10, 2e-9])
scores_st = st.lists(
    st.tuples(st.floats(-50, 150, allow_nan=False), near_ties).map(sum)
    | st.sampled_from([0.0, 60.0, 1e12, -1e12]),
    min_size=1,
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(scores=scores_st)
def test_ranks_are_scipys_competition_ranks(scores: list[float]) -> None:
    """Whichever way the scores are sorted (packed integers, or argsort when they spread too
    far for that), ranks are rankdata(method="min") of the negated rounded scores."""
    total = np.array(scores)
    want = rankdata(-np.round(total, TIE_DECIMALS), method="min")
    assert rank_scores(total).tolist() == want.astype(int).tolist()


@settings(max_examples=50, deadline=None)
@given(
    scores=st.lists(st.integers(0, 10), min_size=1, max_size=40),
    name=st.sampled_from(list(SHARES)),
)
def test_quota_properties(scores: list[int], name: str) -> None:
    """Equal scores share a tier; a better score never has a worse tier; a tier is never
    smaller than its quota unless a tie pushed firms up into the tier above."""
    total = np.array(scores, dtype=float)
    tier = quota_tiers(rank_scores(total), SHARES[name])
    for s in set(scores):
        assert len(set(tier[total == s].tolist())) == 1
    order = np.argsort(-total, kind="stable")
    assert (np.diff(tier[order]) >= 0).all()
    cum = cumulative_counts(len(scores), SHARES[name])
    for k in range(4):
        # firms in tiers 0..k at least the cumulative quota (ties only add to better tiers)
        assert (tier <= k).sum() >= cum[k]


def test_threshold_tiers() -> None:
    # A ≥ 90, B ≥ 75, C ≥ 60, else D
    total = np.array([95, 90, 89.99, 75, 74.5, 60, 59.9, -3])
    assert threshold_tiers(total, [90, 75, 60]).tolist() == [0, 0, 1, 1, 2, 2, 3, 3]


def test_threshold_float_noise_reaches_the_minimum() -> None:
    # 0.1 × 3 × 100 = 30.000000000000004; 29.999999999999996 is 30 up to 1e-9
    total = np.array([29.999999999999996, 29.99])
    assert threshold_tiers(total, [30.0]).tolist() == [0, 1]


def test_base_tiers_by_method() -> None:
    total = np.array([95.0, 80.0, 70.0, 50.0])
    quota = make_tiers()
    assert base_tiers(total, rank_scores(total), quota).tolist() == [0, 1, 2, 3]
    threshold = make_tiers(shares=None, method="threshold", minimum={"A": 90, "B": 75}, below="C")
    assert base_tiers(total, rank_scores(total), threshold).tolist() == [0, 1, 2, 2]


RULES = [
    {"when": "safety_incident", "at_most": "C", "reason": "一票否决"},  # 0: veto
    {"when": "new_to_scale", "at_least": "B", "reason": "小升规保护"},  # 1: protection
    {"when": "env_violation", "force": "D", "reason": "环境违法直接评D"},  # 2: force
]


def test_apply_tier_rules_precedence() -> None:
    spec = make_tiers(rule=RULES)
    #            firm:  0  1  2  3  4  5  6
    tier = np.array([0, 3, 3, 0, 1, 3, 2])
    veto = np.array([1, 0, 1, 1, 0, 0, 0], dtype=bool)
    protect = np.array([0, 1, 1, 1, 0, 0, 1], dtype=bool)
    force = np.array([0, 0, 0, 0, 1, 1, 1], dtype=bool)
    got, moved_by = apply_tier_rules(tier, [veto, protect, force], spec)
    # 0: A vetoed → C (rule 0)
    # 1: D protected → B (rule 1)
    # 2: D protected → B, then vetoed → C: the veto beats the protection (rule 0)
    # 3: A protected (no change), vetoed → C (rule 0)
    # 4: B forced → D (rule 2)
    # 5: D forced to D: not moved (-1)
    # 6: C protected → B, then forced → D: force beats both (rule 2)
    assert got.tolist() == [2, 1, 2, 2, 3, 3, 3]
    assert moved_by.tolist() == [0, 1, 0, 0, 2, -1, 2]
    assert tier.tolist() == [0, 3, 3, 0, 1, 3, 2]  # the input is not changed


def test_apply_tier_rules_moves_no_one_else() -> None:
    spec = make_tiers(rule=RULES[:1])
    tier = np.array([0, 0, 1, 2, 3])
    veto = np.array([1, 0, 0, 0, 0], dtype=bool)
    got, moved_by = apply_tier_rules(tier, [veto], spec)
    assert got.tolist() == [2, 0, 1, 2, 3]
    assert moved_by.tolist() == [0, -1, -1, -1, -1]


def test_apply_tier_rules_veto_below_cap_does_nothing() -> None:
    spec = make_tiers(rule=RULES[:1])
    tier = np.array([2, 3])
    got, moved_by = apply_tier_rules(tier, [np.array([True, True])], spec)
    assert got.tolist() == [2, 3]
    assert moved_by.tolist() == [-1, -1]
