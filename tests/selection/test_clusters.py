"""Clusters of growth profiles: reproducible, independent of row order, labelled from their
centres, numbered in label order, and k chosen by silhouette within the rules' range."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from mujun.rules.selection import Clusters
from mujun.sample.synthetic import generate_county
from mujun.selection import clusters
from mujun.selection.clusters import LABEL_ORDER, UNCLUSTERED, cluster_profiles
from mujun.selection.growth import growth_features

YEARS = (2019, 2020, 2021, 2022)
SUFFIX = re.compile(r"（(\d+|增速较高|增速较低|波动较大|波动较小|规模较大|规模较小)）$")
PAIRS = {("增速较高", "增速较低"), ("波动较大", "波动较小"), ("规模较大", "规模较小")}


def growth_table(n: int, seed: int, *, shuffle: int | None = None) -> pd.DataFrame:
    """The growth table of a small synthetic county (rows of the panel shuffled when told)."""
    panel = generate_county(n, years=YEARS, seed=seed).drop(columns="archetype")
    if shuffle is not None:
        panel = panel.sample(frac=1.0, random_state=shuffle).reset_index(drop=True)
    return growth_features(panel, 2022, 3).table


def three_groups(m: int = 30, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """m firms growing ~40 %/year, m flat with low volatility, m falling ~20 %/year, equal
    shares; rows mixed. Returns the table and each row's group (0, 1, 2)."""
    rng = np.random.default_rng(seed)
    group = np.repeat([0, 1, 2], m)
    trend = np.array([0.40, 0.0, -0.20])[group] + rng.uniform(-0.02, 0.02, 3 * m)
    volatility = np.array([0.05, 0.01, 0.05])[group] + rng.uniform(0.0, 0.005, 3 * m)
    share = np.full(3 * m, 1.0 / (3 * m))
    table = pd.DataFrame(
        {
            "credit_code": [f"F{i:04d}" for i in range(3 * m)],
            "revenue_share": share,
            "tax_share": share,
            "trend_revenue": trend,
            "volatility_revenue": volatility,
        }
    )
    order = rng.permutation(3 * m)
    return table.iloc[order].reset_index(drop=True), group[order]


def plain(label: str) -> str:
    """A label without its （1）/（2） suffix."""
    return SUFFIX.sub("", label)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return growth_table(400, seed=3)


@pytest.fixture(scope="module")
def result(table: pd.DataFrame) -> clusters.ClusterResult:
    return cluster_profiles(table, Clusters())


def test_same_table_twice_gives_the_same_clusters(
    table: pd.DataFrame, result: clusters.ClusterResult
) -> None:
    """Two runs on the same table: equal cluster numbers, labels, centres and silhouettes."""
    again = cluster_profiles(table.copy(), Clusters())
    pd.testing.assert_series_equal(result.cluster, again.cluster)
    pd.testing.assert_series_equal(result.label, again.label)
    pd.testing.assert_frame_equal(result.centres, again.centres)
    assert result.silhouettes == again.silhouettes
    assert result.k == again.k and result.k > 0


@pytest.mark.parametrize(("seed", "shuffle"), [(11, 1), (12, 2)])
def test_row_order_of_the_panel_changes_nothing(seed: int, shuffle: int) -> None:
    """A shuffled panel gives the same cluster and label for every credit code."""
    settings = Clusters()
    first = growth_table(250, seed)
    second = growth_table(250, seed, shuffle=shuffle)
    a, b = cluster_profiles(first, settings), cluster_profiles(second, settings)
    left = pd.DataFrame(
        {"cluster": a.cluster.to_numpy(), "label": a.label.to_numpy()},
        index=first["credit_code"].to_numpy(),
    )
    right = pd.DataFrame(
        {"cluster": b.cluster.to_numpy(), "label": b.label.to_numpy()},
        index=second["credit_code"].to_numpy(),
    )
    pd.testing.assert_frame_equal(left, right.loc[left.index])
    pd.testing.assert_frame_equal(a.centres, b.centres)
    assert a.k == b.k > 0


def test_each_label_is_the_label_of_its_centre(result: clusters.ClusterResult) -> None:
    """Re-labelling every centre row by the thresholds gives the cluster's label."""
    settings = Clusters()
    centres = result.centres
    assert list(centres["cluster"]) == list(range(1, result.k + 1))
    for centre in centres.to_dict("records"):
        assert clusters._label(centre, settings) == plain(centre["label"])
    # firms carry the label of their cluster's centre, and the counts agree
    by_number = dict(zip(centres["cluster"], centres["label"], strict=True))
    done = result.cluster.notna().to_numpy()
    for number, label in zip(result.cluster[done], result.label[done], strict=True):
        assert by_number[int(number)] == label
    counts = result.cluster[done].astype(int).value_counts()
    assert counts.reindex(centres["cluster"]).tolist() == centres["firms"].tolist()


def test_clusters_are_numbered_in_label_order(result: clusters.ClusterResult) -> None:
    """Numbers follow LABEL_ORDER, then falling centre growth; two clusters sharing a label are
    told apart in words (增速较高 / 增速较低, …), three or more get （1）（2）…"""
    centres = result.centres
    rank = [LABEL_ORDER.index(plain(label)) for label in centres["label"]]
    assert rank == sorted(rank)
    for _, same in centres.groupby(centres["label"].map(plain)):
        assert same["trend_revenue"].is_monotonic_decreasing
        if len(same) == 2:
            words = tuple(SUFFIX.search(t).group(1) for t in same["label"])
            assert words in PAIRS or words[::-1] in PAIRS
        elif len(same) > 2:
            assert [SUFFIX.search(t).group(0) for t in same["label"]] == [
                f"（{i}）" for i in range(1, len(same) + 1)
            ]
        else:
            assert SUFFIX.search(same["label"].iloc[0]) is None


def test_three_separated_groups_get_their_labels() -> None:
    """Growing, flat and falling groups: 高成长型, 平稳型, 下滑预警型, numbered 1, 2, 3."""
    table, group = three_groups()
    out = cluster_profiles(table, Clusters())
    assert out.k == 3
    assert list(out.centres["label"]) == ["高成长型", "平稳型", "下滑预警型"]
    assert list(out.centres["cluster"]) == [1, 2, 3]
    assert list(out.centres["firms"]) == [30, 30, 30]
    expected = np.array(["高成长型", "平稳型", "下滑预警型"])[group]
    assert out.label.tolist() == expected.tolist()
    assert out.cluster.astype(int).tolist() == (group + 1).tolist()
    # centres are back in readable units: shares as multiples of the median firm's share
    assert np.allclose(out.centres["revenue_share"], 1.0)
    assert np.allclose(out.centres["trend_revenue"], [0.40, 0.0, -0.20], atol=0.01)


def test_big_shares_in_the_growing_group_make_it_high_contribution() -> None:
    """A high-growth centre whose revenue share is ≥ high_contribution × the median's is
    高贡献高成长型 and comes first."""
    table, group = three_groups()
    settings = Clusters(high_contribution=0.5)  # every centre sits at 1 × the median share
    out = cluster_profiles(table, settings)
    assert list(out.centres["label"]) == ["高贡献高成长型", "高贡献稳健型", "下滑预警型"]
    expected = np.array(["高贡献高成长型", "高贡献稳健型", "下滑预警型"])[group]
    assert out.label.tolist() == expected.tolist()


def test_firms_with_an_undefined_feature_are_not_clustered() -> None:
    """NaN trend, NaN volatility, a zero share or a −100 % trend: cluster NA, UNCLUSTERED."""
    table, _ = three_groups()
    table = table.copy()
    table.loc[0, "trend_revenue"] = np.nan
    table.loc[1, "volatility_revenue"] = np.nan
    table.loc[2, "revenue_share"] = 0.0
    table.loc[3, "trend_revenue"] = -1.0
    table.loc[4, "revenue_share"] = np.nan
    out = cluster_profiles(table, Clusters())
    bad = np.arange(5)
    assert out.cluster.iloc[bad].isna().all()
    assert (out.label.iloc[bad] == UNCLUSTERED).all()
    assert out.cluster.iloc[5:].notna().all()
    assert not (out.label.iloc[5:] == UNCLUSTERED).any()
    assert int(out.centres["firms"].sum()) == len(table) - len(bad)


@pytest.mark.parametrize("n", [0, 1, 3])
def test_too_few_firms_give_no_clusters(n: int) -> None:
    """Fewer distinct firms than the smallest k allows: k = 0, everyone UNCLUSTERED."""
    table, _ = three_groups()
    out = cluster_profiles(table.head(n).reset_index(drop=True), Clusters())
    assert out.k == 0 and out.centres.empty and out.silhouettes == {}
    assert len(out.cluster) == n and out.cluster.isna().all()
    assert (out.label == UNCLUSTERED).all()


def test_identical_firms_give_no_clusters() -> None:
    """Twenty firms with the same profile are one distinct point: nothing to cluster."""
    table, _ = three_groups()
    same = pd.concat([table.head(1)] * 20, ignore_index=True)
    out = cluster_profiles(same, Clusters())
    assert out.k == 0 and out.cluster.isna().all() and (out.label == UNCLUSTERED).all()


def test_undefined_features_leave_too_few_firms() -> None:
    """Only three firms with every feature defined: k = 0, no exception."""
    table, _ = three_groups()
    table = table.copy()
    table.loc[3:, "volatility_revenue"] = np.nan
    out = cluster_profiles(table, Clusters())
    assert out.k == 0 and out.cluster.isna().all() and (out.label == UNCLUSTERED).all()


@pytest.mark.parametrize(("low", "high"), [(3, 6), (2, 4), (4, 4)])
def test_k_is_in_range_with_the_best_silhouette(table: pd.DataFrame, low: int, high: int) -> None:
    """k in [min, max], every k tried in range, and k has the best silhouette (ties: smaller)."""
    out = cluster_profiles(table, Clusters(min=low, max=high))
    assert low <= out.k <= high
    assert out.silhouettes and set(out.silhouettes) <= set(range(low, high + 1))
    best = max(out.silhouettes.values())
    assert out.silhouettes[out.k] >= best - 1e-12
    assert all(s < best - 1e-12 for k, s in out.silhouettes.items() if k < out.k)
    assert all(-1.0 <= s <= 1.0 for s in out.silhouettes.values())
    assert len(out.centres) == out.k


def test_k_is_limited_by_distinct_firms() -> None:
    """Four distinct profiles: only k = 3 (< 4) can be tried."""
    table, _ = three_groups()
    four = pd.concat([table.head(4)] * 5, ignore_index=True)
    out = cluster_profiles(four, Clusters(min=2, max=6))
    assert set(out.silhouettes) <= {2, 3}
    assert out.k in (2, 3)


def test_two_clusters_with_one_label_are_told_apart_by_their_widest_gap() -> None:
    """Two 平稳型 centres differing mostly in volatility: 波动较大 and 波动较小, each where due."""
    centres = pd.DataFrame(
        {
            "label": ["平稳型", "平稳型"],
            "trend_revenue": [0.05, 0.04],
            "volatility_revenue": [0.05, 0.22],
            "revenue_share": [1.0, 1.1],
        }
    )
    assert clusters._unique_labels(centres, Clusters()) == [
        "平稳型（波动较小）",
        "平稳型（波动较大）",
    ]
    centres["volatility_revenue"] = [0.05, 0.06]
    centres["trend_revenue"] = [0.02, 0.12]  # now growth is the widest gap
    assert clusters._unique_labels(centres, Clusters()) == [
        "平稳型（增速较低）",
        "平稳型（增速较高）",
    ]
