"""Aggregation as COINr's a_amean / a_gmean / a_hmean, bottom up a hierarchy: known answers by
hand, re-normalised weights, zero/negative children refused as COINr does, and the sample
axis of the uncertainty analysis."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mujun.engine.hierarchy import Node, NonPositiveError, aggregate, aggregate_tree

nan = np.nan
METHODS = ["sum", "mean", "geometric", "harmonic"]


def test_aggregate_by_hand() -> None:
    # children 20, 80 with weights 1, 3:
    # mean (1·20 + 3·80) / 4 = 65; geometric exp((ln 20 + 3 ln 80) / 4) = 20^¼ · 80^¾ = 56.5685…
    # harmonic 4 / (1/20 + 3/80) = 4 / 0.0875 = 45.714…; sum 1·20 + 3·80 = 260
    v = np.array([[20.0, 80.0]])
    w = np.array([1.0, 3.0])
    assert aggregate(v, w, "mean")[0] == pytest.approx(65)
    assert aggregate(v, w, "geometric")[0] == pytest.approx(20**0.25 * 80**0.75)
    assert aggregate(v, w, "harmonic")[0] == pytest.approx(4 / 0.0875)
    assert aggregate(v, w, "sum")[0] == pytest.approx(260)


def test_weights_renormalised_over_children_with_data() -> None:
    # unit 1 lacks child 2: mean over child 1 and 3 with weights 1, 2: (10 + 2·40) / 3 = 30;
    # unit 2 has no data: NaN; sum is not re-normalised: 10 + 2·40 = 90
    v = np.array([[10.0, nan, 40.0], [nan, nan, nan]])
    w = np.array([1.0, 5.0, 2.0])
    np.testing.assert_allclose(aggregate(v, w, "mean"), [30, nan])
    np.testing.assert_allclose(aggregate(v, w, "sum"), [90, nan])
    np.testing.assert_allclose(
        aggregate(v, w, "geometric"), [np.exp((np.log(10) + 2 * np.log(40)) / 3), nan]
    )
    np.testing.assert_allclose(aggregate(v, w, "harmonic"), [3 / (1 / 10 + 2 / 40), nan])


def test_geometric_and_harmonic_refuse_as_coinr() -> None:
    # COINr a_gmean stops on a value ≤ 0, a_hmean on a 0 (a negative passes a_hmean)
    v = np.array([[0.0, 50.0], [10.0, 20.0], [-5.0, 20.0]])
    w = np.ones(2)
    with pytest.raises(NonPositiveError, match="几何平均") as err:
        aggregate(v, w, "geometric")
    assert err.value.rows.tolist() == [True, False, True]
    with pytest.raises(NonPositiveError, match="调和平均") as err:
        aggregate(v, w, "harmonic")
    assert err.value.rows.tolist() == [True, False, False]
    # 2 / (1/−5 + 1/20) = 2 / −0.15 = −13.33 (COINr computes it too)
    assert aggregate(v[1:], w, "harmonic")[1] == pytest.approx(-40 / 3)
    np.testing.assert_allclose(aggregate(v, w, "mean"), [25, 15, 7.5])


def test_bad_shapes_and_methods() -> None:
    with pytest.raises(ValueError):
        aggregate(np.ones((2, 3)), np.ones(2), "mean")
    with pytest.raises(ValueError, match="汇总方法"):
        aggregate(np.ones((2, 2)), np.ones(2), "median")
    assert np.isnan(aggregate(np.ones((2, 0)), np.ones(0), "mean")).all()


scores = st.floats(1, 100)
matrices = st.integers(1, 6).flatmap(
    lambda k: st.tuples(
        st.lists(
            st.lists(st.one_of(scores, st.just(nan)), min_size=k, max_size=k),
            min_size=1,
            max_size=12,
        ),
        st.lists(st.floats(0.1, 10), min_size=k, max_size=k),
        st.lists(st.lists(st.floats(0.1, 10), min_size=k, max_size=k), min_size=1, max_size=5),
    )
)


@given(st.lists(scores, min_size=1, max_size=10), st.integers(1, 5), st.sampled_from(METHODS[1:]))
def test_equal_children_give_the_child(values: list[float], k: int, method: str) -> None:
    x = np.array(values)
    w = np.linspace(1, 3, k)
    got = aggregate(np.repeat(x[:, None], k, axis=1), w, method)
    np.testing.assert_allclose(got, x, rtol=1e-12)


@given(matrices, st.sampled_from(METHODS))
def test_nan_child_is_leaving_it_out(data: tuple, method: str) -> None:
    rows, weights, _ = data
    v, w = np.array(rows), np.array(weights)
    got = aggregate(v, w, method)
    for i, row in enumerate(v):
        keep = ~np.isnan(row)
        if not keep.any():
            assert np.isnan(got[i])
            continue
        alone = aggregate(row[keep][None, :], w[keep], method)[0]
        assert got[i] == pytest.approx(alone, rel=1e-12)


@given(matrices, st.sampled_from(METHODS))
def test_sampled_weights_equal_separate_calls(data: tuple, method: str) -> None:
    rows, _, samples = data
    v, ws = np.array(rows), np.array(samples)
    got = aggregate(v, ws, method)
    assert got.shape == (len(ws), len(v))
    for s, w in enumerate(ws):
        np.testing.assert_allclose(got[s], aggregate(v, w, method), rtol=1e-12)


@given(matrices, st.sampled_from(METHODS), st.randoms(use_true_random=False))
def test_row_order_does_not_matter(data: tuple, method: str, rnd: object) -> None:
    rows, weights, _ = data
    v, w = np.array(rows), np.array(weights)
    perm = np.arange(len(v))
    rnd.shuffle(perm)  # type: ignore[attr-defined]
    np.testing.assert_allclose(
        aggregate(v, w, method)[perm], aggregate(v[perm], w, method), rtol=1e-12
    )


@given(matrices, st.floats(0.1, 50))
def test_raising_a_child_never_lowers_the_mean(data: tuple, rise: float) -> None:
    rows, weights, _ = data
    v, w = np.array(rows), np.array(weights)
    more = np.where(np.isnan(v), v, v + rise)
    for method in METHODS:
        before, after = aggregate(v, w, method), aggregate(more, w, method)
        ok = ~np.isnan(before)
        assert (after[ok] >= before[ok] - 1e-9).all()


# ---- the tree ----------------------------------------------------------------------------------

# index ─┬─ conn (weight 1, mean) ─┬─ flights (1)
#        │                         └─ goods (3)
#        ├─ sust (weight 2, geometric) ─┬─ co2 (1)
#        │                              └─ water (1)
#        └─ gdp (weight 1, an indicator at the top)
NODES = [
    Node("conn", None, 1.0, "mean"),
    Node("sust", None, 2.0, "geometric"),
    Node("flights", "conn", 1.0, ""),
    Node("goods", "conn", 3.0, ""),
    Node("co2", "sust", 1.0, ""),
    Node("water", "sust", 1.0, ""),
    Node("gdp", None, 1.0, ""),
]
LEAVES = {
    "flights": np.array([20.0, nan, 10.0]),
    "goods": np.array([80.0, 40.0, 10.0]),
    "co2": np.array([25.0, 50.0, nan]),
    "water": np.array([100.0, 50.0, nan]),
    "gdp": np.array([10.0, 20.0, 40.0]),
}


def test_tree_by_hand() -> None:
    # unit 1: conn (20 + 3·80) / 4 = 65; sust √(25 · 100) = 50; total (65 + 2·50 + 10) / 4 = 43.75
    # unit 2: conn = goods = 40 (flights missing); sust 50; total (40 + 100 + 20) / 4 = 40
    # unit 3: conn 10; sust no data → NaN; total over conn and gdp: (10 + 40) / 2 = 25
    got = aggregate_tree(LEAVES, NODES, "mean")
    assert set(got) == {"conn", "sust", ""}
    np.testing.assert_allclose(got["conn"], [65, 40, 10])
    np.testing.assert_allclose(got["sust"], [50, 50, nan])
    np.testing.assert_allclose(got[""], [43.75, 40, 25])


def test_deeper_tree_children_before_parents() -> None:
    # a → b → c (c top-level): listed parents first; c = b = a's mean of x and y = (2 + 4) / 2
    nodes = [
        Node("c", None, 1, "mean"),
        Node("b", "c", 1, "mean"),
        Node("a", "b", 1, "mean"),
        Node("x", "a", 1, ""),
        Node("y", "a", 1, ""),
    ]
    got = aggregate_tree({"x": np.array([2.0]), "y": np.array([4.0])}, nodes, "sum")
    assert got["a"][0] == got["b"][0] == got["c"][0] == got[""][0] == 3


def test_tree_with_sampled_weights_equals_separate_runs() -> None:
    # per-sample weights of goods and sust: every result gains the sample axis (3 samples)
    goods, sust = np.array([1.0, 3.0, 5.0]), np.array([0.5, 2.0, 4.0])
    got = aggregate_tree(LEAVES, NODES, "mean", {"goods": goods, "sust": sust})
    for key in ("conn", "sust", ""):
        assert got[key].shape == (3, 3)
    for s in range(3):
        one = aggregate_tree(
            LEAVES, NODES, "mean", {"goods": float(goods[s]), "sust": float(sust[s])}
        )
        for key, value in one.items():
            np.testing.assert_allclose(got[key][s], value, rtol=1e-12)
    # the second sample is the stated weights
    np.testing.assert_allclose(got[""][1], [43.75, 40, 25])


def test_tree_errors() -> None:
    with pytest.raises(ValueError, match="上级节点不存在"):
        aggregate_tree({"x": np.ones(2)}, [Node("x", "nope", 1, "")], "mean")
    cycle = [Node("a", "b", 1, "mean"), Node("b", "a", 1, "mean"), Node("x", "a", 1, "")]
    with pytest.raises(ValueError, match="循环"):
        aggregate_tree({"x": np.ones(2)}, cycle, "mean")
    with pytest.raises(ValueError, match="不在层级中"):
        aggregate_tree({"x": np.ones(2)}, [], "mean")
    # a group without children scores NaN; a geometric group over a 0 names the group
    empty = aggregate_tree(
        {"x": np.ones(2)}, [Node("x", None, 1, ""), Node("g", None, 1, "mean")], "mean"
    )
    assert np.isnan(empty["g"]).all() and (empty[""] == 1).all()
    zero = {**LEAVES, "co2": np.array([0.0, 1.0, 1.0])}
    with pytest.raises(NonPositiveError, match="sust") as err:
        aggregate_tree(zero, NODES, "mean")
    assert err.value.node == "sust" and err.value.rows.tolist() == [True, False, False]


def test_tree_with_sampled_leaf_scores_equals_separate_runs() -> None:
    # leaves may carry the sample axis too (scores that differ per sample): sample s of the
    # result is the tree of sample s's scores
    rng = np.random.default_rng(7)
    sampled = {k: v + rng.uniform(0, 5, (4, 3)) for k, v in LEAVES.items()}
    got = aggregate_tree(sampled, NODES, "harmonic")
    for s in range(4):
        one = aggregate_tree({k: v[s] for k, v in sampled.items()}, NODES, "harmonic")
        for key, value in one.items():
            np.testing.assert_allclose(got[key][s], value, rtol=1e-12)
