"""The scorers beyond ratio/minmax/rank, the new benchmarks, and their rules checks: each with
a known answer computed by hand in the comment."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import make_indicator
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from mujun.engine.scoring import SCORERS, LastYear, describe, score_indicator

nan = np.nan


def arr(*values: float) -> np.ndarray:
    return np.array(values, dtype=float)


def points(score: dict[str, Any], values: np.ndarray, **kw: Any) -> np.ndarray:
    groups = kw.pop("groups", None)
    last = kw.pop("last_year", None)
    ind = make_indicator(score, **kw)
    return score_indicator(ind, values, groups=groups, last_year=last).points


# ---- inverse_ratio ----------------------------------------------------------------------------


def test_inverse_ratio_known_answer() -> None:
    # weight 20, fixed benchmark 4 (排放强度): x = 2 → (2 − 2/4) × 20 = 30; x = 4 → 20;
    # x = 6 → (2 − 1.5) × 20 = 10; x = 8 (2 × benchmark) → 0; x = 12 → 0 (not negative);
    # x = 0 → 2 × 20 = 40
    score = {"method": "inverse_ratio", "benchmark": 4.0}
    got = points(score, arr(2, 4, 6, 8, 12, 0), weight=20, direction="lower")
    np.testing.assert_allclose(got, [30, 20, 10, 0, 0, 40])


def test_inverse_ratio_mean_benchmark_cap_and_negative() -> None:
    # mean of 1, 2, 3 = 2; weight 10, cap 1.5: x = 1 → (2 − 0.5) × 10 = 15 (= the cap);
    # x = 2 → 10; x = 3 → 5. negative = "keep": x = −1 → mean (−1 + 1 + 2 + 3)/4 = 1.25,
    # (2 + 1/1.25) × 10 = 28 → capped at 2 × 10 = 20 without a cap; x = 1 → (2 − 0.8) × 10 = 12;
    # x = 2 → 4; x = 3: 3/1.25 = 2.4 ≥ 2 → 0
    score = {"method": "inverse_ratio", "benchmark": "mean", "cap": 1.5}
    got = points(score, arr(1, 2, 3), weight=10, direction="lower")
    np.testing.assert_allclose(got, [15, 10, 5])
    score = {"method": "inverse_ratio", "benchmark": "mean"}
    got = points(score, arr(-1, 1, 2, 3), weight=10, direction="lower", negative="keep")
    np.testing.assert_allclose(got, [20, 12, 4, 0])


def test_inverse_ratio_needs_lower_and_cap_at_most_two() -> None:
    with pytest.raises(ValidationError, match="direction = 'lower'"):
        make_indicator({"method": "inverse_ratio", "benchmark": 4.0})
    with pytest.raises(ValidationError, match="cap 须不大于 2"):
        make_indicator({"method": "inverse_ratio", "benchmark": 4.0, "cap": 3}, direction="lower")


# ---- efficacy --------------------------------------------------------------------------------


def test_efficacy_class_ends_known_answer() -> None:
    # good = max = 30, bad = min = 10, base 60, weight 20: x = 10 → 20 × 60/100 = 12;
    # x = 20 → 20 × (60 + 40 × 0.5)/100 = 16; x = 30 → 20
    got = points({"method": "efficacy"}, arr(10, 20, 30), weight=20)
    np.testing.assert_allclose(got, [12, 16, 20])


def test_efficacy_fixed_ends_clipped_and_base() -> None:
    # good 100, bad 50, base 50, weight 10: x = 75 → 10 × (50 + 50 × 0.5)/100 = 7.5;
    # x = 40 (worse than bad) → t = 0 → 5; x = 120 (better than good) → 10
    score = {"method": "efficacy", "good": 100.0, "bad": 50.0, "base": 50.0}
    np.testing.assert_allclose(points(score, arr(75, 40, 120), weight=10), [7.5, 5, 10])


def test_efficacy_lower_and_mean_end() -> None:
    # direction lower: good = min = 2, bad = mean of 2, 4, 9 = 5; weight 10, base 60:
    # x = 2 → 10; x = 4 → t = (4 − 5)/(2 − 5) = 1/3 → 10 × (60 + 40/3)/100 = 7.333…;
    # x = 9 → t clipped to 0 → 6
    score = {"method": "efficacy", "bad": "mean"}
    got = points(score, arr(2, 4, 9), weight=10, direction="lower")
    np.testing.assert_allclose(got, [10, 10 * (60 + 40 / 3) / 100, 6])


def test_efficacy_checks() -> None:
    with pytest.raises(ValidationError, match="good（1）须大于 bad（2）"):
        make_indicator({"method": "efficacy", "good": 1.0, "bad": 2.0})
    with pytest.raises(ValidationError, match="是否应为 'max'"):
        make_indicator({"method": "efficacy", "good": "maxx"})
    with pytest.raises(ValidationError, match="base"):
        make_indicator({"method": "efficacy", "base": 100.0})


# ---- zscore ----------------------------------------------------------------------------------


def test_zscore_population_sd_known_answer() -> None:
    # values 2, 4, 4, 4, 5, 5, 7, 9: mean 5, population sd 2 (sample sd would be 2.138);
    # center 60, spread 10, weight 20: x = 9 → z = 2 → 20 × 80/100 = 16; x = 2 → z = −1.5 →
    # 20 × 45/100 = 9; x = 5 → 12
    got = points({"method": "zscore"}, arr(2, 4, 4, 4, 5, 5, 7, 9), weight=20)
    np.testing.assert_allclose(got[[0, 4, 7]], [9, 12, 16])


def test_zscore_clip_lower_and_equal_values() -> None:
    # values 0, 10: mean 5, sd 5; center 50, spread 60: x = 10 → 50 + 60 = 110 → clipped 100 →
    # the weight 10; x = 0 → −10 → 0. direction lower swaps them. All equal: z = 0 → center
    score = {"method": "zscore", "center": 50.0, "spread": 60.0}
    np.testing.assert_allclose(points(score, arr(0, 10), weight=10), [0, 10])
    np.testing.assert_allclose(points(score, arr(0, 10), weight=10, direction="lower"), [10, 0])
    np.testing.assert_allclose(points(score, arr(3, 3), weight=10), [5, 5])


def test_zscore_by_group() -> None:
    # group a: 1, 3 (mean 2, sd 1) → z = −1, 1 → 10 × (60 ∓ 10)/100 = 5, 7; group b: 10 alone → 6
    got = points(
        {"method": "zscore", "by": "park"},
        arr(1, 3, 10),
        weight=10,
        groups=np.array(["a", "a", "b"]),
    )
    np.testing.assert_allclose(got, [5, 7, 6])


# ---- goalposts -------------------------------------------------------------------------------


def test_goalposts_known_answer() -> None:
    # lo 10, hi 30, weight 20: x = 5 → 0; 20 → 10; 30 → 20; 40 → 20; lower: x = 15 → (30−15)/20×20
    score = {"method": "goalposts", "lo": 10.0, "hi": 30.0}
    np.testing.assert_allclose(points(score, arr(5, 20, 30, 40), weight=20), [0, 10, 20, 20])
    np.testing.assert_allclose(points(score, arr(15), weight=20, direction="lower"), [15])


def test_goalposts_checks() -> None:
    with pytest.raises(ValidationError, match="须给出 lo 和 hi"):
        make_indicator({"method": "goalposts", "lo": 1.0})
    with pytest.raises(ValidationError, match="lo（5）须小于 hi（5）"):
        make_indicator({"method": "goalposts", "lo": 5.0, "hi": 5.0})
    with pytest.raises(ValidationError, match="不带 benchmark"):
        make_indicator({"method": "goalposts", "lo": 1.0, "hi": 2.0, "benchmark": "mean"})


# ---- piecewise -------------------------------------------------------------------------------


def test_piecewise_known_answer() -> None:
    # breakpoints 10, 20, 30 → points 0, 4, 7, 10: x = 5 → 0; x = 10 (at b1: the better band) → 4;
    # x = 25 → 7; x = 30 → 10; x = 99 → 10
    score = {"method": "piecewise", "breakpoints": [10.0, 20.0, 30.0], "points": [0, 4, 7, 10]}
    np.testing.assert_allclose(points(score, arr(5, 10, 25, 30, 99), weight=10), [0, 4, 7, 10, 10])


def test_piecewise_lower() -> None:
    # lower is better: points 10, 5, 0 for x ≤ 1, 1 < x ≤ 2, x > 2; at a breakpoint the better band
    score = {"method": "piecewise", "breakpoints": [1.0, 2.0], "points": [10, 5, 0]}
    got = points(score, arr(0.5, 1, 1.5, 2, 3), weight=10, direction="lower")
    np.testing.assert_allclose(got, [10, 10, 5, 5, 0])


def test_piecewise_missing_follows_policy() -> None:
    score = {"method": "piecewise", "breakpoints": [1.0], "points": [0, 10]}
    np.testing.assert_allclose(points(score, arr(nan, 2), weight=10), [0, 10])


@pytest.mark.parametrize(
    ("score", "kw", "message"),
    [
        ({"breakpoints": [2.0, 1.0], "points": [0, 1, 2]}, {}, "严格递增"),
        ({"breakpoints": [1.0], "points": [0, 1, 2]}, {}, "points 须有 2 个分值"),
        ({"breakpoints": [1.0], "points": [0, 60]}, {}, "超过权重"),
        ({"breakpoints": [1.0], "points": [5, 0]}, {}, "须随分段递增"),
        ({"breakpoints": [1.0], "points": [0, 5]}, {"direction": "lower"}, "须随分段递减"),
        ({"points": [0, 5]}, {}, "须给出 breakpoints"),
    ],
)
def test_piecewise_checks(score: dict[str, Any], kw: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        make_indicator({"method": "piecewise", **score}, **kw)


# ---- benchmarks ------------------------------------------------------------------------------


def test_max_min_quantile_benchmarks() -> None:
    # values 10, 20, 40, weight 10: max 40 → 2.5, 5, 10; min 10 → 10, 20, 40;
    # quantile 0.5 (linear) = 20 → 5, 10, 20; quantile 0.25: 10 + 0.5 × (20 − 10) = 15
    v = arr(10, 20, 40)
    np.testing.assert_allclose(
        points({"method": "ratio", "benchmark": "max"}, v, weight=10), [2.5, 5, 10]
    )
    np.testing.assert_allclose(
        points({"method": "ratio", "benchmark": "min"}, v, weight=10), [10, 20, 40]
    )
    got = points({"method": "ratio", "benchmark": "quantile", "q": 0.25}, v, weight=15)
    np.testing.assert_allclose(got, [10, 20, 40])  # 10/15 × 15, 20/15 × 15, 40/15 × 15


def test_quantile_by_group_and_factor() -> None:
    # group a: 10, 30 → 0.5 quantile 20 × factor 2 = 40 → 10/40 × 40 = 10, 30; group b: 8 → 16 → 20
    score = {"method": "ratio", "benchmark": "quantile", "q": 0.5, "by": "park", "factor": 2.0}
    got = points(score, arr(10, 30, 8), weight=40, groups=np.array(["a", "a", "b"]))
    np.testing.assert_allclose(got, [10, 30, 20])


def test_quantile_checks() -> None:
    with pytest.raises(ValidationError, match="须给出 q"):
        make_indicator({"method": "ratio", "benchmark": "quantile"})
    with pytest.raises(ValidationError, match="q 只用于"):
        make_indicator({"method": "ratio", "benchmark": "mean", "q": 0.5})
    with pytest.raises(ValidationError, match="q"):
        make_indicator({"method": "ratio", "benchmark": "quantile", "q": 1.0})
    with pytest.raises(ValidationError, match="固定基准值不能带 year"):
        make_indicator({"method": "ratio", "benchmark": 3.0, "year": "previous"})


def test_previous_year_benchmark_in_the_scorer() -> None:
    # 淮安: benchmark = 2 × last year's mean; last year 5, 15 → mean 10 → 20; weight 10:
    # this year 10 → 10/20 × 10 = 5; 40 → 20
    score = {"method": "ratio", "benchmark": "mean", "factor": 2.0, "year": "previous"}
    got = points(score, arr(10, 40), weight=10, last_year=LastYear(arr(5, 15)))
    np.testing.assert_allclose(got, [5, 20])
    # no last year: no benchmark, the items score 0 and the benchmark is unusable
    ind = make_indicator(score, weight=10)
    item = score_indicator(ind, arr(10, 40))
    np.testing.assert_allclose(item.points, [0, 0])
    assert item.unusable


def test_previous_year_benchmark_by_group() -> None:
    # last year a: 10, 30 (mean 20), c: 99 (no member now); this year a: 20 → 20/20 × 10 = 10;
    # b: no group last year → falls back to last year's whole mean (10 + 30 + 99)/3 = 46.33
    score = {"method": "ratio", "benchmark": "mean", "by": "park", "year": "previous"}
    last = LastYear(arr(10, 30, 99), np.array(["a", "a", "c"], dtype=object))
    got = points(score, arr(20, 46), weight=10, groups=np.array(["a", "b"]), last_year=last)
    np.testing.assert_allclose(got, [10, 46 / (139 / 3) * 10])


def test_every_method_is_described() -> None:
    # a description per scorer, in Chinese, naming the method
    examples: dict[str, tuple[dict[str, Any], dict[str, Any], str]] = {
        "inverse_ratio": (
            {"benchmark": "mean", "year": "previous"},
            {"direction": "lower"},
            "上年度",
        ),
        "efficacy": ({}, {}, "功效系数法"),
        "zscore": ({}, {}, "总体"),
        "goalposts": ({"lo": 1.0, "hi": 2.0}, {}, "目标值法"),
        "piecewise": ({"breakpoints": [1.0], "points": [0, 5]}, {}, "1 ≤ x 得 5 分"),
        "ratio": ({"benchmark": "quantile", "q": 0.75}, {}, "0.75 分位"),
    }
    for method, (score, kw, words) in examples.items():
        assert method in SCORERS
        assert words in describe(make_indicator({"method": method, **score}, **kw))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0, 1e4), min_size=2, max_size=12),
    st.sampled_from(["efficacy", "zscore", "goalposts", "piecewise", "inverse_ratio"]),
    st.integers(0, 11),
)
def test_improving_a_firm_never_hurts_it(values: list[float], method: str, who: int) -> None:
    """Raising (lower: lowering) one firm's value never lowers its points, within [0, w] (an
    inverse ratio: [0, 2w]); for the class scales too (a z-score is d / √(a + b·d²) in the
    firm's distance d from the others' mean, x / mean is n·x / (x + rest))."""
    score: dict[str, Any] = {
        "efficacy": {},
        "zscore": {},
        "goalposts": {"lo": 10.0, "hi": 5000.0},
        "piecewise": {"breakpoints": [10.0, 100.0], "points": [0, 5, 10]},
        "inverse_ratio": {"benchmark": "mean"},
    }[method]
    kw = {"direction": "lower"} if method == "inverse_ratio" else {}
    ind = make_indicator({"method": method, **score}, weight=10, **kw)
    x = np.array(values)
    i = who % len(x)
    better = x.copy()
    better[i] = max(0.0, x[i] - 50) if kw else x[i] + 50
    before = score_indicator(ind, x).points[i]
    after = score_indicator(ind, better).points[i]
    assert after >= before - 1e-9
    assert 0 <= after <= (20 if kw else 10)


@pytest.mark.parametrize(
    ("score", "at", "words"),
    [
        (
            'method = "piecewise", breakpoints = [1.0], points = [0, 120]',
            "score.points",
            "超过权重",
        ),
        ('method = "efficacy", good = 1, bad = 2', "score.good", "须大于 bad"),
        ('method = "inverse_ratio", benchmark = "mean"', "direction", "direction = 'lower'"),
        ('method = "ratio", benchmark = "mean", year = "last"', "score.year", "'previous'"),
        ('method = "minmax", q = 0.5', "score.q", "不带 q"),
        ('method = "zscore", spread = 0', "score.spread", "须大于 0"),
    ],
)
def test_rules_errors_name_the_key(score: str, at: str, words: str) -> None:
    from conftest import indicator_toml, one_class_rules

    from mujun.errors import RulesError

    with pytest.raises(RulesError) as caught:
        one_class_rules(indicator_toml("x", "tax_paid", 100, score))
    assert f"class[0].indicator[0].{at}:" in str(caught.value) and words in str(caught.value)


def test_the_registry_holds_every_method_the_rules_accept() -> None:
    from typing import get_args

    from mujun.rules import Score
    from mujun.rules.score import METHODS

    accepted = get_args(Score.model_fields["method"].annotation)
    assert list(SCORERS) == list(METHODS) == list(accepted)
