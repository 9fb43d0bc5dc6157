"""Item scores: ratio benchmarks, minmax, rank, negative and missing values."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import make_indicator

from mujun.engine.scoring import score_indicator, treat_negative, unscorable

nan = np.nan


def arr(*values: float) -> np.ndarray:
    return np.array(values, dtype=float)


def points(score: dict[str, Any], values: np.ndarray, **kw: Any) -> np.ndarray:
    groups = kw.pop("groups", None)
    numerator = kw.pop("numerator", None)
    denominator = kw.pop("denominator", None)
    ind = make_indicator(score, **kw)
    item = score_indicator(ind, values, groups=groups, numerator=numerator, denominator=denominator)
    return item.points


# ---- ratio ---------------------------------------------------------------------------------


def test_ratio_fixed_benchmark() -> None:
    # weight 50, benchmark 15 (临海 亩均税收): 7.5/15×50 = 25; 15/15×50 = 50; 45/15×50 = 150
    got = points({"method": "ratio", "benchmark": 15.0}, arr(7.5, 15, 45))
    np.testing.assert_allclose(got, [25, 50, 150])


def test_ratio_huangyan_known_answer() -> None:
    # 黄岩 2022 规上 亩均税收: benchmark 24.097, weight 30; a firm at 36.1455 万元/亩 scores
    # 36.1455 / 24.097 × 30 = 1.5 × 30 = 45
    got = points({"method": "ratio", "benchmark": 24.097}, arr(36.1455), weight=30)
    np.testing.assert_allclose(got, [45.0])


def test_ratio_mean_benchmark() -> None:
    # mean of 10, 20, 30 = 20 (the missing value takes no part): 10/20×50 = 25; 50; 75
    item = score_indicator(
        make_indicator({"method": "ratio", "benchmark": "mean"}), arr(10, 20, 30, nan)
    )
    np.testing.assert_allclose(item.points, [25, 50, 75, 0])
    assert item.missing.tolist() == [False, False, False, True]
    assert item.benchmarks["benchmark"].tolist() == [20.0]
    assert item.benchmarks["members"].tolist() == [3]


def test_ratio_median_benchmark() -> None:
    # median of 10, 20, 60 = 20: 10/20×50 = 25; 50; 60/20×50 = 150
    got = points({"method": "ratio", "benchmark": "median"}, arr(10, 20, 60))
    np.testing.assert_allclose(got, [25, 50, 150])


def test_ratio_factor() -> None:
    # benchmark = 2 × mean (淮安): mean 20, benchmark 40: 10/40×50 = 12.5; 25; 37.5
    got = points({"method": "ratio", "benchmark": "mean", "factor": 2}, arr(10, 20, 30))
    np.testing.assert_allclose(got, [12.5, 25, 37.5])


def test_ratio_pooled_is_sum_over_sum() -> None:
    # tax 10, 80 on land 10, 20: ratios 1 and 4. Pooled = (10 + 80) / (10 + 20) = 3
    # (the mean of ratios would be 2.5): 1/3×50 = 16.667; 4/3×50 = 66.667
    item = score_indicator(
        make_indicator({"method": "ratio", "benchmark": "pooled"}),
        arr(1, 4),
        numerator=arr(10, 80),
        denominator=arr(10, 20),
    )
    np.testing.assert_allclose(item.points, [50 / 3, 200 / 3])
    assert item.benchmarks["benchmark"].tolist() == pytest.approx([3.0])


def test_ratio_pooled_ignores_members_without_a_value() -> None:
    # the third member has no value: its tax 1000 and land 1 stay out of the pool.
    # pooled = (10 + 80) / (10 + 20) = 3
    got = points(
        {"method": "ratio", "benchmark": "pooled"},
        arr(1, 4, nan),
        numerator=arr(10, 80, 1000),
        denominator=arr(10, 20, 1),
    )
    np.testing.assert_allclose(got, [50 / 3, 200 / 3, 0])


def test_ratio_by_groups_with_fallback() -> None:
    # groups (industry division): 13: 10, 20 → mean 15; 14: 30 → mean 30; last member has no
    # group and falls back to the class-wide mean (10 + 20 + 30 + 5) / 4 = 16.25
    # 10/15×50 = 33.333; 20/15×50 = 66.667; 30/30×50 = 50; 5/16.25×50 = 15.385
    item = score_indicator(
        make_indicator({"method": "ratio", "benchmark": "mean", "by": "industry_division"}),
        arr(10, 20, 30, 5),
        groups=arr(13, 13, 14, nan),
    )
    np.testing.assert_allclose(item.points, [100 / 3, 200 / 3, 50, 5 / 16.25 * 50])
    table = item.benchmarks.set_index("group")["benchmark"]
    assert table.iloc[-1] == pytest.approx(16.25)
    assert sorted(table.iloc[:-1].tolist()) == [15.0, 30.0]


def test_ratio_median_by_groups() -> None:
    # group 13: 10, 30 → median 20 → 10/20×50 = 25, 30/20×50 = 75
    # group 14: a missing value and 8 → median 8 → 50 (the missing member scores 0)
    # group 15: 40 alone → 50
    got = points(
        {"method": "ratio", "benchmark": "median", "by": "industry_division"},
        arr(10, 30, nan, 8, 40),
        groups=arr(13, 13, 14, 14, 15),
    )
    np.testing.assert_allclose(got, [25, 75, 0, 50, 50])


def test_ratio_by_groups_when_no_member_has_a_group() -> None:
    # no member has an industry code: all fall back to the class-wide mean (5 + 15)/2 = 10
    # 5/10×50 = 25; 15/10×50 = 75
    got = points(
        {"method": "ratio", "benchmark": "mean", "by": "industry_division"},
        arr(5, 15),
        groups=arr(nan, nan),
    )
    np.testing.assert_allclose(got, [25, 75])


def test_ratio_pooled_by_groups_when_no_member_has_a_group() -> None:
    # pooled (10 + 30) / (10 + 10) = 2: 1/2×50 = 25; 3/2×50 = 75
    got = points(
        {"method": "ratio", "benchmark": "pooled", "by": "industry_division"},
        arr(1, 3),
        groups=arr(nan, nan),
        numerator=arr(10, 30),
        denominator=arr(10, 10),
    )
    np.testing.assert_allclose(got, [25, 75])


def test_ratio_group_with_unusable_benchmark_uses_class_wide() -> None:
    # negative values kept: group 13 has mean (−4 − 6)/2 = −5 (not usable), group 14 mean 20.
    # Class-wide mean = (−4 − 6 + 20 + 10)/4 = 5 → group 13 members use 5:
    # −4/5×50 = −40; −6/5×50 = −60; group 14: 20/15×50 = 66.667, 10/15×50 = 33.333
    got = points(
        {"method": "ratio", "benchmark": "mean", "by": "industry_division"},
        arr(-4, -6, 20, 10),
        groups=arr(13, 13, 14, 14),
        negative="keep",
    )
    np.testing.assert_allclose(got, [-40, -60, 200 / 3, 100 / 3])


def test_ratio_pooled_by_groups() -> None:
    # group 13: tax 10 / land 10 and tax 30 / land 5 → pooled 40/15 = 8/3 (mean of ratios 3.5)
    # group 14: tax 5 / land 5 → 1.  1/(8/3)×50 = 18.75; 6/(8/3)×50 = 112.5; 1/1×50 = 50
    got = points(
        {"method": "ratio", "benchmark": "pooled", "by": "industry_division"},
        arr(1, 6, 1),
        groups=arr(13, 13, 14),
        numerator=arr(10, 30, 5),
        denominator=arr(10, 5, 5),
    )
    np.testing.assert_allclose(got, [18.75, 112.5, 50])


def test_ratio_cap_and_floor() -> None:
    # benchmark 10, cap 1.5, floor 0.2: shares 0.1 → 0.2, 0.5, 2 → 1.5; × 50
    got = points({"method": "ratio", "benchmark": 10.0, "cap": 1.5, "floor": 0.2}, arr(1, 5, 20))
    np.testing.assert_allclose(got, [10, 25, 75])


def test_ratio_direction_lower() -> None:
    # energy per output, lower is better: benchmark 2 / value × weight, cap 2
    # 1 → 2/1 = 2 (cap 2) → 100; 4 → 0.5 → 25; 0.5 → 4 → capped 2 → 100; 0 → cap → 100
    got = points(
        {"method": "ratio", "benchmark": 2.0, "cap": 2.0}, arr(1, 4, 0.5, 0), direction="lower"
    )
    np.testing.assert_allclose(got, [100, 25, 100, 100])


def test_ratio_unusable_benchmark_scores_zero_and_says_so() -> None:
    # negative values kept: mean = (−5 − 3)/2 = −4 is no benchmark
    item = score_indicator(
        make_indicator({"method": "ratio", "benchmark": "mean"}, negative="keep"), arr(-5, -3)
    )
    np.testing.assert_allclose(item.points, [0, 0])
    assert item.unusable


def test_ratio_pooled_non_positive_sum_is_unusable() -> None:
    # Σtax = −10 + 5 = −5 over Σland 2: pooled −2.5, not usable
    item = score_indicator(
        make_indicator({"method": "ratio", "benchmark": "pooled"}, negative="keep"),
        arr(-10, 5),
        numerator=arr(-10, 5),
        denominator=arr(1, 1),
    )
    np.testing.assert_allclose(item.points, [0, 0])
    assert item.unusable


def test_ratio_usable_benchmark_reports_nothing() -> None:
    item = score_indicator(make_indicator({"method": "ratio", "benchmark": "mean"}), arr(1, 3))
    assert not item.unusable


# ---- minmax ----------------------------------------------------------------------------------


def test_minmax_with_floor() -> None:
    # 旌德: weight × [20 + 80 × (x − min)/(max − min)] / 100, min 10, max 30, weight 50
    # 10 → 50 × 20/100 = 10; 20 → 50 × (20 + 40)/100 = 30; 30 → 50; missing → 0
    got = points({"method": "minmax", "floor": 20}, arr(10, 20, 30, nan))
    np.testing.assert_allclose(got, [10, 30, 50, 0])


def test_minmax_without_floor() -> None:
    # 15 → 50 × (15 − 10)/(30 − 10) = 12.5
    got = points({"method": "minmax"}, arr(10, 15, 30))
    np.testing.assert_allclose(got, [0, 12.5, 50])


def test_minmax_direction_lower() -> None:
    # lower is better: t = (max − x)/(max − min); 10 → 1 → 50; 20 → 0.5 → 25; 30 → 0
    got = points({"method": "minmax"}, arr(10, 20, 30), direction="lower")
    np.testing.assert_allclose(got, [50, 25, 0])


def test_minmax_all_equal_values_score_full() -> None:
    got = points({"method": "minmax", "floor": 20}, arr(7, 7, 7))
    np.testing.assert_allclose(got, [50, 50, 50])


def test_minmax_by_groups() -> None:
    # group 1: 0..10, group 2: 100..200; 5 → 25, 150 → 25
    got = points(
        {"method": "minmax", "by": "industry_division"},
        arr(0, 5, 10, 100, 150, 200),
        groups=arr(1, 1, 1, 2, 2, 2),
    )
    np.testing.assert_allclose(got, [0, 25, 50, 0, 25, 50])


# ---- rank ------------------------------------------------------------------------------------


def test_rank_percentile() -> None:
    # 4 values: percentile ranks 1/4, (2+3)/2/4 for the tie, 4/4 → × 50
    got = points({"method": "rank"}, arr(10, 20, 20, 40, nan))
    np.testing.assert_allclose(got, [12.5, 31.25, 31.25, 50, 0])


def test_rank_direction_lower() -> None:
    got = points({"method": "rank"}, arr(10, 20, 40), direction="lower")
    # lowest value best: 10 → 3/3, 20 → 2/3, 40 → 1/3
    np.testing.assert_allclose(got, [50, 100 / 3, 50 / 3])


# ---- negative values ---------------------------------------------------------------------------


def test_treat_negative() -> None:
    values = arr(-2, 0, 3, nan)
    np.testing.assert_array_equal(treat_negative(values, "zero"), [0, 0, 3, nan])
    np.testing.assert_array_equal(treat_negative(values, "keep"), [-2, 0, 3, nan])
    np.testing.assert_array_equal(treat_negative(values, "missing"), [nan, 0, 3, nan])


def test_negative_zero() -> None:
    # −5 scored as 0; benchmark 10: 0, 20/10×50 = 100
    got = points({"method": "ratio", "benchmark": 10.0}, arr(-5, 20), negative="zero")
    np.testing.assert_allclose(got, [0, 100])


def test_negative_keep() -> None:
    # −5/10 × 50 = −25
    got = points({"method": "ratio", "benchmark": 10.0}, arr(-5, 20), negative="keep")
    np.testing.assert_allclose(got, [-25, 100])


def test_negative_missing_goes_to_missing_policy() -> None:
    # −5 is missing; mean_score fills it with the mean of the others' points: (100 + 50)/2 = 75
    item = score_indicator(
        make_indicator(
            {"method": "ratio", "benchmark": 10.0}, negative="missing", missing="mean_score"
        ),
        arr(-5, 20, 10),
    )
    np.testing.assert_allclose(item.points, [75, 100, 50])
    assert item.missing.tolist() == [True, False, False]


def test_negative_zero_takes_part_in_mean_benchmark() -> None:
    # −10 → 0; mean of 0, 10, 20 = 10: 0, 50, 100
    got = points({"method": "ratio", "benchmark": "mean"}, arr(-10, 10, 20))
    np.testing.assert_allclose(got, [0, 50, 100])


# ---- missing values ----------------------------------------------------------------------------


def test_missing_zero() -> None:
    got = points({"method": "ratio", "benchmark": 10.0}, arr(nan, 10), missing="zero")
    np.testing.assert_allclose(got, [0, 50])


def test_missing_mean_score() -> None:
    # 黄岩: the class's average item score. Points 50, 100 → mean 75
    got = points({"method": "ratio", "benchmark": 10.0}, arr(10, 20, nan), missing="mean_score")
    np.testing.assert_allclose(got, [50, 100, 75])


def test_missing_mean_score_when_nobody_has_data() -> None:
    got = points({"method": "ratio", "benchmark": 10.0}, arr(nan, nan), missing="mean_score")
    np.testing.assert_allclose(got, [0, 0])


def test_missing_penalty() -> None:
    got = points(
        {"method": "ratio", "benchmark": 10.0},
        arr(10, nan),
        missing="penalty",
        missing_points=5,
    )
    np.testing.assert_allclose(got, [50, -5])


def test_missing_exclude() -> None:
    indicator = make_indicator({"method": "ratio", "benchmark": 10.0}, missing="exclude")
    item = score_indicator(indicator, arr(10, nan, 20))
    np.testing.assert_allclose(item.points[[0, 2]], [50, 100])
    assert np.isnan(item.points[1])
    assert unscorable(indicator, arr(10, nan, 20), None).tolist() == [False, True, False]


def test_unscorable_without_a_group_under_minmax_and_rank_only() -> None:
    groups = np.array([13.0, nan, 13.0])
    for method, expected in (("minmax", True), ("rank", True)):
        ind = make_indicator({"method": method, "by": "industry_division"}, missing="exclude")
        assert unscorable(ind, arr(1, 2, 3), groups).tolist() == [False, expected, False]
    ratio = make_indicator(
        {"method": "ratio", "benchmark": "mean", "by": "industry_division"}, missing="exclude"
    )
    assert unscorable(ratio, arr(1, 2, 3), groups).tolist() == [False, False, False]


def test_missing_in_minmax_and_rank() -> None:
    got = points({"method": "minmax"}, arr(0, nan, 10), missing="mean_score")
    # points 0, 50 → mean 25
    np.testing.assert_allclose(got, [0, 25, 50])
    got = points({"method": "rank"}, arr(1, 2, nan), missing="penalty", missing_points=3)
    # ranks 1/2 and 2/2 × 50 = 25, 50; missing −3
    np.testing.assert_allclose(got, [25, 50, -3])


# ---- the registry -------------------------------------------------------------------------------


def test_every_method_a_rules_file_may_name_has_a_scorer_and_a_description() -> None:
    from typing import get_args

    from mujun.engine.scoring import SCORERS, describe
    from mujun.rules import Score

    assert set(SCORERS) == set(get_args(Score.model_fields["method"].annotation))
    texts = {
        "ratio": make_indicator({"method": "ratio", "benchmark": "pooled", "cap": 1.5}),
        "minmax": make_indicator({"method": "minmax", "floor": 20}),
        "rank": make_indicator({"method": "rank", "by": "industry_division"}),
    }
    assert describe(texts["ratio"]) == (
        "比值法：指标值 ÷ 基准值 × 权重；基准：本类合计口径（Σ分子 ÷ Σ分母）；最高1.5倍权重"
    )
    assert describe(texts["minmax"]) == (
        "极值法：权重 × [20 + 80 × (x − 最小值) ÷ (最大值 − 最小值)] ÷ 100"
    )
    assert describe(texts["rank"]) == "百分位排名法（按行业大类分组）：百分位 × 权重"
