"""Quota rounding rules on the published counts of DOMAIN §9, and largest remainders."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_tiers
from hypothesis import given
from hypothesis import strategies as st

from mujun.engine.tiers import cumulative_counts, half_up, largest_remainder


def per_tier(cumulative: list[int]) -> list[int]:
    return np.diff([0, *cumulative]).tolist()


# Cumulative half-up (the default):
#   安阳 规下 39 × 15/75/10: 0.15×39=5.85→6; 0.90×39=35.1→35; 39 → 6/29/4
#   安阳 规上 235 × 15/75/10: 0.15×235=35.25→35; 0.90×235=211.5→212; 235 → 35/177/23
#   铜陵 755 × 20/45/30/5: 0.20×755=151; 0.65×755=490.75→491; 0.95×755=717.25→717; 755
#                          → 151/340/226/38
# Largest remainders (whole parts, then one each to the largest fractional parts):
#   39: 5.85, 29.25, 3.9 → 5+29+3 = 37, 2 left → C (.9), A (.85) → 6/29/4
#   235: 35.25, 176.25, 23.5 → 35+176+23 = 234, 1 left → C (.5) → 35/176/24
#   755: 151, 339.75, 226.5, 37.75 → 151+339+226+37 = 753, 2 left → B (.75) and D (.75; equal
#        parts: the better tier first, and B, D are the two largest) → 151/340/226/38
KNOWN = [
    (39, [0.15, 0.75, 0.10], [6, 29, 4], [6, 29, 4]),
    (235, [0.15, 0.75, 0.10], [35, 177, 23], [35, 176, 24]),
    (755, [0.20, 0.45, 0.30, 0.05], [151, 340, 226, 38], [151, 340, 226, 38]),
]


@pytest.mark.parametrize(("n", "shares", "half", "largest"), KNOWN)
def test_published_counts(n: int, shares: list[float], half: list[int], largest: list[int]) -> None:
    assert per_tier(cumulative_counts(n, shares)) == half
    assert per_tier(cumulative_counts(n, shares, "largest_remainder")) == largest
    assert per_tier(largest_remainder(n, shares)) == largest


def test_equal_remainders_go_to_the_better_tier() -> None:
    # 2 firms × 25/25/25/25: 0.5 each → whole parts 0, 2 left → A and B (equal parts, by order)
    assert per_tier(largest_remainder(2, [0.25] * 4)) == [1, 1, 0, 0]


def test_one_firm_under_the_default_quota_is_b() -> None:
    # the stated rule: 20/40/35/5, 1 firm: round(0.2)=0, round(0.6)=1 → the firm is B;
    # 2 firms: round(0.4)=0, round(1.2)=1, round(1.9)=2 → one B, one C
    assert per_tier(cumulative_counts(1, [0.20, 0.40, 0.35, 0.05])) == [0, 1, 0, 0]
    assert per_tier(cumulative_counts(2, [0.20, 0.40, 0.35, 0.05])) == [0, 1, 1, 0]
    # largest remainders: 0.2, 0.4, 0.35, 0.05 → 1 left → B; 2 firms: .4,.8,.7,.1 → B, C
    assert per_tier(largest_remainder(1, [0.20, 0.40, 0.35, 0.05])) == [0, 1, 0, 0]
    assert per_tier(largest_remainder(2, [0.20, 0.40, 0.35, 0.05])) == [0, 1, 1, 0]


def test_stage_counts_round_half_up() -> None:
    # 安阳 规下: A 0.15 × 39 = 5.85 → 6, C 0.10 × 39 = 3.9 → 4; 0.15 × 10 = 1.5 → 2 (half up)
    assert (half_up(0.15, 39), half_up(0.10, 39), half_up(0.15, 10)) == (6, 4, 2)


def test_rounding_is_a_rules_key() -> None:
    spec = make_tiers(rounding="largest_remainder")
    assert spec.rounding == "largest_remainder"


@given(
    st.integers(0, 5000),
    st.lists(st.integers(0, 100), min_size=1, max_size=6).filter(lambda w: sum(w) > 0),
)
def test_largest_remainder_adds_up_and_is_near_the_quota(n: int, weights: list[int]) -> None:
    total = sum(weights)
    shares = [w / total for w in weights]
    counts = per_tier(largest_remainder(n, shares))
    assert sum(counts) == n
    assert all(c >= 0 for c in counts)
    # each tier within one firm of its exact quota (shares as written, so a little slack)
    assert all(abs(c - s * n) < 1 + 1e-6 * n for c, s in zip(counts, shares, strict=True))
