"""The uncertainty engine on the demo county and on small hand cases: probabilities, zero noise,
closeness to a tier line, seeds, and the fast path against full evaluations of the same
sampled choices (the parity test)."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest

import mujun
from mujun.engine.uncertainty import sample_rules, sampled_tiers
from mujun.errors import RulesError
from mujun.sample.demo import DEMO_DATASET, DEMO_RULES
from tests.sample.test_demo_outputs import DEPARTMENTS

ALL_CHOICES = """
[uncertainty]
samples = 40
seed = 3
benchmark = ["mean", "median", "pooled"]
cap = true
shares = 0.05
"""


@cache
def demo(extra: str = "") -> mujun.Evaluation:
    """The demo county evaluated, its rules with `extra` appended."""
    rules = mujun.parse_rules(DEMO_RULES.read_text(encoding="utf-8") + extra, file="demo.toml")
    table = mujun.read_sources(
        [DEMO_DATASET / f for f in DEPARTMENTS],
        year=rules.year,
        priority=rules.input.priority,
        aliases=rules.input.aliases,
        fields=rules.catalog,
    )
    return mujun.evaluate(table, rules)


@cache
def demo_stability(samples: int = 100, noise: float = 0.2, seed: int = 1) -> mujun.Evaluation:
    return demo().uncertainty(samples=samples, weight_noise=noise, seed=seed)


def test_probabilities_sum_to_one_and_firms_are_the_tiered() -> None:
    ev, st_ = demo(), demo_stability()
    p = st_.firms[[f"p_{t}" for t in st_.tiers()]].to_numpy()
    assert np.allclose(p.sum(axis=1), 1.0)
    assert st_.tiers() == ["A", "B", "C", "D"]
    tiered = ev.results[(ev.results["status"] == "evaluated") & ev.results["tier"].notna()]
    assert st_.firms["credit_code"].tolist() == tiered["credit_code"].tolist()
    assert (st_.firms["rank_p05"] <= st_.firms["rank_p95"]).all()
    assert st_.settings["path"] == "fast"
    # some firm moves under ± 20 % weights, and most do not
    assert 0.5 < st_.firms["stable"].mean() < 1.0
    classes = st_.classes.set_index("class")
    assert classes["firms"].sum() == len(st_.firms)
    assert (
        classes.loc["above_scale", "stable"]
        == st_.firms.loc[st_.firms["class"] == "above_scale", "stable"].sum()
    )


def test_zero_noise_every_firm_is_stable_in_its_own_tier() -> None:
    st_ = demo().uncertainty(samples=20, weight_noise=0.0, seed=5)
    firms = st_.firms
    assert firms["stable"].all()
    assert (firms["modal_tier"] == firms["tier"]).all()
    own = np.array([firms.at[i, f"p_{t}"] for i, t in enumerate(firms["tier"])])
    assert (own == 1.0).all()
    assert (firms["rank_p05"] == firms["rank"]).all() and (firms["rank_p95"] == firms["rank"]).all()
    assert st_.sensitivity.empty  # nothing varied


def test_a_firm_near_a_tier_line_is_less_stable_than_one_far_from_it() -> None:
    ev, st_ = demo(), demo_stability(samples=100)
    res = ev.results.set_index("credit_code")
    lines = ev.tier_lines()
    firms = st_.firms
    total = res.loc[firms["credit_code"], "total_score"].to_numpy(dtype=float)
    distance = np.full(len(firms), np.inf)
    for klass, rows in lines.groupby("class"):
        mine = (firms["class"] == klass).to_numpy()
        spread = np.nanmax(total[mine]) - np.nanmin(total[mine])
        cuts = rows["line"].dropna().to_numpy()[1:]  # the lines between tiers
        gap = np.abs(total[mine][:, None] - cuts[None, :]).min(axis=1) / spread
        distance[mine] = gap
    modal = firms[[f"p_{t}" for t in st_.tiers()]].max(axis=1).to_numpy()
    order = np.argsort(distance)
    tenth = len(order) // 10
    near, far = modal[order[:tenth]].mean(), modal[order[-tenth:]].mean()
    assert near < far - 0.05 and far > 0.99, (near, far)
    # most firms are stable (modal share 1, tied): the rank correlation is positive but
    # moderate (0.22 with these samples)
    rho = pd.Series(distance).rank().corr(pd.Series(modal).rank())
    assert rho > 0.15, rho


def test_the_same_seed_gives_the_same_result_another_seed_another() -> None:
    ev = demo()
    a = ev.uncertainty(samples=30, seed=11)
    b = ev.uncertainty(samples=30, seed=11)
    c = ev.uncertainty(samples=30, seed=12)
    pd.testing.assert_frame_equal(a.firms, b.firms)
    pd.testing.assert_frame_equal(a.sensitivity, b.sensitivity)
    assert not a.firms.equals(c.firms)


def test_chunk_sizes_do_not_change_the_result() -> None:
    ev = demo()
    whole = sampled_tiers(ev, samples=25, seed=4)
    for chunk in (1, 7, 25):
        part = sampled_tiers(ev, samples=25, seed=4, chunk=chunk)
        assert np.array_equal(part.tier, whole.tier) and np.array_equal(part.rank, whole.rank)
    assert whole.chunk >= 25  # one chunk for the demo county by default
    ticks: list[tuple[int, int]] = []
    sampled_tiers(ev, samples=25, seed=4, chunk=10, progress=lambda d, t: ticks.append((d, t)))
    assert ticks == [(0, 25), (10, 25), (20, 25), (25, 25)]


def test_parity_five_samples_evaluated_with_their_choices_as_rules() -> None:
    """Each of 5 samples' choices (weights, statistic, cap, shares) written into the rules
    (Rules.replace) and evaluated gives the fast path's tiers and ranks for that sample."""
    ev = demo(ALL_CHOICES)
    got = sampled_tiers(ev)
    assert got.path == "fast" and got.tier.shape[0] == 40
    assert len(set(got.draws.statistic.tolist())) == 3 and len(set(got.draws.cap.tolist())) == 2
    rows = got.layout.rows
    for s in (0, 9, 17, 28, 39):
        rules = sample_rules(ev.rules, got.draws, s)
        res = mujun.evaluate(ev.source, rules).results
        assert res["tier"].astype(object).to_numpy()[rows].tolist() == got.tiers_of(s).tolist()
        assert np.array_equal(res["rank"].to_numpy(dtype=np.int64, na_value=0)[rows], got.rank[s])


def test_all_choices_fast_path_equals_full_evaluations() -> None:
    ev = demo(ALL_CHOICES)
    fast = sampled_tiers(ev)
    exact = sampled_tiers(ev, exact=True)
    assert exact.path == "exact"
    assert np.array_equal(fast.tier, exact.tier) and np.array_equal(fast.rank, exact.rank)
    st_ = ev.uncertainty()
    factors = set(st_.sensitivity["factor"])
    assert {"benchmark", "cap", "share:above_scale:A", "weight:above_scale:tax_per_mu"} <= factors
    s1 = st_.sensitivity[["s1_tier", "s1_rank"]].to_numpy()
    assert ((s1 >= 0) & (s1 <= 1)).all()
    assert any("基准统计量" in line for line in st_.choices)


def test_the_rules_table_is_used_and_options_override_it() -> None:
    ev = demo(ALL_CHOICES)
    st_ = ev.uncertainty(samples=12, seed=9)
    assert st_.samples == 12 and st_.seed == 9
    assert st_.settings["benchmark"] == ["mean", "median", "pooled"]
    assert st_.settings["cap"] is True and st_.settings["shares"] == 0.05
    plain = demo().uncertainty(samples=5)
    assert plain.settings["benchmark"] == [] and plain.settings["weight_noise"] == 0.2
    assert set(plain.sensitivity["factor"]) == {
        f"weight:{c.code}:{i.code}" for c in ev.rules.classes for i in c.indicators
    }


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("weight_noise = 1.0", "weight_noise"),
        ("samples = 0", "samples"),
        ('benchmark = ["max"]', "基准统计量"),
        ("shares = 0.5", "shares"),
        ('weights = "normal"', "weights"),
        ("threshold = 0", "threshold"),
        ("sample = 10", "sample"),
    ],
)
def test_the_uncertainty_table_is_checked(text: str, words: str) -> None:
    source = DEMO_RULES.read_text(encoding="utf-8") + f"\n[uncertainty]\n{text}\n"
    with pytest.raises(RulesError) as err:
        mujun.parse_rules(source, file="demo.toml")
    message = str(err.value)
    assert words in message and "uncertainty" in message
    assert "demo.toml" in message


def test_bad_options_are_errors_in_chinese() -> None:
    ev = demo()
    with pytest.raises(RulesError, match="权重扰动幅度"):
        ev.uncertainty(samples=3, weight_noise=1.5)
    with pytest.raises(RulesError, match="抽样次数"):
        ev.uncertainty(samples=0)
    with pytest.raises(RulesError, match="每批抽样次数"):
        ev.uncertainty(samples=3, chunk=0)


def test_the_package_function_is_the_method() -> None:
    ev = demo()
    pd.testing.assert_frame_equal(
        mujun.uncertainty(ev, samples=6, seed=2).firms, ev.uncertainty(6, None, 2).firms
    )


# ---- scale: processes and a Dask cluster give the same samples ----


@pytest.mark.slow
def test_two_jobs_give_the_result_of_one() -> None:
    ev = demo(ALL_CHOICES)
    one = sampled_tiers(ev, samples=24, chunk=5)
    two = sampled_tiers(ev, samples=24, chunk=5, jobs=2)
    assert np.array_equal(one.tier, two.tier) and np.array_equal(one.rank, two.rank)


@pytest.mark.slow
def test_a_dask_cluster_gives_the_local_result() -> None:
    distributed = pytest.importorskip("distributed")
    ev = demo(ALL_CHOICES)
    local = ev.uncertainty(samples=24, chunk=6)
    with (
        distributed.LocalCluster(n_workers=2, processes=False, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = ev.uncertainty(samples=24, chunk=6, scheduler=client)
        by_address = ev.uncertainty(samples=24, chunk=6, scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(local.firms, remote.firms)
    pd.testing.assert_frame_equal(local.sensitivity, remote.sensitivity)
    pd.testing.assert_frame_equal(local.firms, by_address.firms)
    assert remote.settings["scheduler"]


def test_counted_chunk_by_chunk_the_probabilities_are_those_of_all_samples(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ev = demo()
    whole = sampled_tiers(ev, samples=210, seed=8)
    f = len(whole.layout.rows)
    # room for the ranks of 7 samples and a half: 7 kept, the bound holds (no floor above it)
    monkeypatch.setattr("mujun.engine.outcome.MAX_RANK_CELLS", 7 * f + f // 2)
    st_ = ev.uncertainty(samples=210, seed=8, chunk=50)
    assert st_.settings["rank_samples"] == 7
    a_tier = whole.layout.tiers.index("A")
    assert np.array_equal(st_.firms["p_A"].to_numpy(), (whole.tier == a_tier).mean(axis=0))
    low = np.quantile(whole.rank[:7], 0.05, axis=0, method="inverted_cdf")
    assert np.array_equal(st_.firms["rank_p05"].to_numpy(), low.astype(np.int64))
    assert any("前7次" in line for line in st_.choices)  # the 稳定性 sheet says so
    monkeypatch.setattr("mujun.engine.outcome.MAX_RANK_CELLS", 1)  # at least one sample
    assert ev.uncertainty(samples=20, seed=8).settings["rank_samples"] == 1
    monkeypatch.undo()  # all samples' ranks fit: all used, and nothing said
    whole_ranks = ev.uncertainty(samples=20, seed=8)
    assert whole_ranks.settings["rank_samples"] == 20
    assert not any("次抽样计算" in line for line in whole_ranks.choices)


def test_by_groups_tie_breaks_and_stages_mean_what_they_mean_in_evaluate() -> None:
    """The bench's tiers variant of the demo rules (quotas within derived industry groups with
    a tie-break on tax and revenue; two stages within groups reading score_<code> and
    rank_pct, the rest B) with the veto and protection rules kept: every sample of the fast
    path equals the full evaluation of its choices."""
    from mujun.sample.bench import tiers_variant

    ev0 = demo()
    ev = mujun.evaluate(ev0.source, tiers_variant(ev0.rules))
    fast = sampled_tiers(ev, samples=16, weight_noise=0.3, seed=6)
    assert fast.path == "fast"
    exact = sampled_tiers(ev, samples=16, weight_noise=0.3, seed=6, exact=True)
    assert np.array_equal(fast.tier, exact.tier) and np.array_equal(fast.rank, exact.rank)
    assert (fast.tier != fast.layout.tier[None, :]).any()  # the samples moved some firm


def test_on_the_exact_path_each_firms_probabilities_add_up_to_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from types import SimpleNamespace

    import mujun.engine.uncertainty as unc

    ev = demo()
    first = int(np.flatnonzero(ev.results["tier"].notna().to_numpy())[0])
    calls = {"n": 0}
    again = unc.evaluate_again

    def rejected_in_every_other(*args: object, **kwargs: object) -> object:
        # the first tiered firm is left without a tier in every other sample (as a sample
        # whose choices reject it, or leave its class too small, would)
        done = again(*args, **kwargs)  # type: ignore[arg-type]
        calls["n"] += 1
        res = done.results.copy()
        if calls["n"] % 2:
            res.loc[res.index[first], "tier"] = pd.NA
        return SimpleNamespace(results=res)

    monkeypatch.setattr(unc, "build", lambda *a, **k: None)  # the exact path
    monkeypatch.setattr(unc, "evaluate_again", rejected_in_every_other)
    st = ev.uncertainty(samples=6, seed=2)
    assert st.settings["path"] == "exact"
    probabilities = st.firms.filter(like="p_")
    assert "p_未分档" in probabilities.columns
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert probabilities["p_未分档"].iloc[0] == pytest.approx(0.5)  # 3 of 6 samples


@pytest.mark.parametrize("table", ["weight_noise = 0.2", 'weights = "dirichlet"'])
def test_the_sensitivity_reads_the_independent_draws_not_the_rescaled_weights(
    table: str,
) -> None:
    from mujun.engine.draws import Options, draw
    from mujun.engine.outcome import factors

    rules = demo().rules
    weights = "dirichlet" if "dirichlet" in table else "uniform"
    draws = draw(rules, Options(samples=300, seed=4, weights=weights, weight_noise=0.2))
    klass = rules.classes[0]
    mine = [x for code, _, c, x in factors(rules, draws) if c == klass.code]
    assert len(mine) == len(klass.indicators) >= 2
    x = np.column_stack(mine)
    # the rescaled weights add up to the class's total: they move against each other
    assert np.allclose(draws.weights[klass.code].sum(axis=1), klass.total_weight)
    assert not np.allclose(x.sum(axis=1), x.sum(axis=1)[0])  # the X do not
    assert np.array_equal(x, draws.factors[klass.code])
    corr = np.corrcoef(x, rowvar=False)[np.triu_indices(x.shape[1], 1)]
    assert np.abs(corr).max() < 0.25  # independent draws: no correlation beyond noise
    if "dirichlet" not in table:
        assert x.min() >= 0.8 and x.max() <= 1.2  # the multipliers U(0.8, 1.2) themselves
