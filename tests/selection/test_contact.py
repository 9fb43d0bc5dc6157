"""The key-firm contact list (重点企业包保名单): eligibility, park quotas, key scores, reasons in
words and the 三年倍增 target, checked against figures recomputed here from the panel."""

from __future__ import annotations

import dataclasses
import math
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import rankdata

import mujun
from mujun.errors import DataError
from mujun.rules import Rules
from mujun.rules.selection import Selection
from mujun.sample.synthetic import generate_county
from mujun.selection import KeyFirms, contact
from mujun.selection.growth import growth_features
from mujun.selection.watch import watch_lists

RULES_FILE = Path(__file__).resolve().parents[2] / "rules" / "anhui-guzhen-2022.toml"
YEARS = (2019, 2020, 2021, 2022)
YEAR = 2022
# the one-vote veto of both classes of the rules file (tier rules with veto = true)
VETO_FLAGS = ("safety_incident", "env_violation", "food_safety_incident", "energy_target_missed")
REQUIRED = 2 ** (1 / 3) - 1
# clusters play no part in the contact list: one k keeps the variants below quick
QUICK = {"clusters": {"min": 2, "max": 2}}
QUICK_TOML = "\n[selection.clusters]\nmin = 2\nmax = 2\n"


# ---- the county, and the facts of each firm recomputed from the panel ------------------------


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return generate_county(1500, years=YEARS, seed=7).drop(columns="archetype")


@pytest.fixture(scope="module")
def rules() -> Rules:
    return mujun.load_rules(RULES_FILE)


@pytest.fixture(scope="module")
def ev(panel: pd.DataFrame, rules: Rules) -> mujun.Evaluation:
    return mujun.evaluate(panel[panel["year"] == YEAR], rules)


@pytest.fixture(scope="module")
def kf(panel: pd.DataFrame, ev: mujun.Evaluation, rules: Rules) -> KeyFirms:
    return mujun.select_key_firms(panel, ev)


def with_selection(rules: Rules, **changes: object) -> Rules:
    """The rules with their `[selection]` changed, validated again (clusters kept quick)."""
    data = {**rules.selection.model_dump(), **QUICK, **changes}
    if isinstance(changes.get("park_quota"), dict) and "size" not in changes:
        del data["size"]  # fixed quotas: the size is their sum
    return rules.model_copy(update={"selection": Selection.model_validate(data)})


def rules_text(selection: str) -> str:
    """The rules file's text with its `[selection]` (if any) replaced by the one given."""
    text = RULES_FILE.read_text(encoding="utf-8")
    head = re.split(r"^\[selection[\].]", text, maxsplit=1, flags=re.M)[0]
    return head + "\n" + selection + QUICK_TOML


def log_trend(revenue: np.ndarray, years: np.ndarray) -> float:
    """exp(slope) − 1 of ln(revenue) on the year over the known years (≥ 3, all positive)."""
    known = ~np.isnan(revenue)
    if known.sum() < 3 or (revenue[known] <= 0).any():
        return np.nan
    slope = np.polyfit(years[known], np.log(revenue[known]), 1)[0]
    return float(np.expm1(slope))


@pytest.fixture(scope="module")
def facts(panel: pd.DataFrame, ev: mujun.Evaluation, kf: KeyFirms, rules: Rules) -> pd.DataFrame:
    """Per firm of the growth table (by credit code): eligibility as the rules state it, shares,
    trend, score and the three parts, all computed here without the selection code."""
    s = rules.selection
    window = np.arange(YEAR - s.window + 1, YEAR + 1)
    assert kf.years == tuple(window)
    codes = kf.growth["credit_code"].astype(str).to_numpy()
    latest = panel[panel["year"] == YEAR].set_index("credit_code")
    res = ev.results[ev.results["year"] == YEAR].set_index("credit_code")
    inside = panel[panel["year"].isin(window)]
    revenue = inside.pivot(index="credit_code", columns="year", values="revenue")
    revenue = revenue.reindex(index=codes, columns=window).to_numpy(dtype=float)
    out = pd.DataFrame(index=pd.Index(codes, name="credit_code"))
    out["present"] = out.index.isin(latest.index)
    got = latest.reindex(codes)
    out["park"] = kf.growth["park"].astype(str).to_numpy()
    out["above_scale"] = got["above_scale"].fillna(False).astype(bool).to_numpy()
    out["status"] = res["status"].astype(str).reindex(codes).to_numpy()
    out["class"] = res["class"].astype(str).reindex(codes).to_numpy()
    flags = [got[f].fillna(False).astype(bool) for f in VETO_FLAGS if f in got.columns]
    out["vetoed"] = np.logical_or.reduce([f.to_numpy() for f in flags]) & out["class"].isin(
        ["above_scale", "below_scale"]
    )
    out["tax_share"] = (got["tax_paid"] / latest["tax_paid"].sum()).to_numpy()
    out["revenue_share"] = (got["revenue"] / latest["revenue"].sum()).to_numpy()
    out["trend"] = [log_trend(r, window.astype(float)) for r in revenue]
    out["total_score"] = res["total_score"].astype(float).reindex(codes).to_numpy()
    out["tier"] = res["tier"].astype(str).reindex(codes).to_numpy()
    out["eligible"] = (
        out["present"]
        & out["above_scale"]
        & (out["status"] == "evaluated")
        & ~out["vetoed"]
        & out[["tax_share", "revenue_share", "trend", "total_score"]].notna().all(axis=1)
    )
    e = out["eligible"].to_numpy()

    def pct(x: pd.Series) -> np.ndarray:
        ranks = rankdata(x.to_numpy(dtype=float)[e], method="average")
        return 100.0 * (ranks - 1.0) / (e.sum() - 1.0)

    for part in ("contribution", "growth", "competitiveness"):
        out[part] = np.nan
    out.loc[e, "contribution"] = (pct(out["tax_share"]) + pct(out["revenue_share"])) / 2.0
    out.loc[e, "growth"] = pct(out["trend"])
    out.loc[e, "competitiveness"] = pct(out["total_score"])
    w = s.weights
    out["key_score"] = (
        w.contribution * out["contribution"]
        + w.growth * out["growth"]
        + w.competitiveness * out["competitiveness"]
    ) / (w.contribution + w.growth + w.competitiveness)
    return out


def hamilton(counts: pd.Series, size: int) -> pd.Series:
    """Largest remainders: floor(size × e_p / E), then one more seat to the largest fractional
    parts (ties to the larger park, then the name)."""
    total = int(counts.sum())
    exact = {p: Fraction(size * int(e), total) for p, e in counts.items()}
    seats = {p: math.floor(x) for p, x in exact.items()}
    left = size - sum(seats.values())
    order = sorted(exact, key=lambda p: (-(exact[p] - seats[p]), -counts[p], p))
    for p in order[:left]:
        seats[p] += 1
    return pd.Series(seats).sort_index()


def under(rules: Rules, ev: mujun.Evaluation) -> mujun.Evaluation:
    """The evaluation with other `[selection]` settings (they change nothing evaluated)."""
    assert rules.classes == ev.rules.classes and rules.exclude == ev.rules.exclude
    return dataclasses.replace(ev, rules=rules)


def by_code(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index(frame["credit_code"].astype(str))


# ---- eligibility ------------------------------------------------------------------------------


def test_the_rules_veto_is_the_one_checked_here(rules: Rules) -> None:
    """The veto rules of the file name exactly the flags VETO_FLAGS checks."""
    vetoes = [r for c in rules.classes for r in c.tiers.rule if r.veto]
    assert len(vetoes) == 2
    for r in vetoes:
        assert set(re.findall(r"[a-z_]+", r.when.text)) - {"or"} == set(VETO_FLAGS)


def test_every_chosen_firm_is_eligible(kf: KeyFirms, facts: pd.DataFrame) -> None:
    """规上 in 2022, evaluated, not vetoed, every part defined."""
    chosen = facts.loc[kf.contact_list["credit_code"].astype(str)]
    assert len(chosen) == kf.rules.selection.size == Selection().size == 60
    assert chosen["present"].all()
    assert chosen["above_scale"].all()
    assert (chosen["status"] == "evaluated").all()
    assert not chosen["vetoed"].any()
    assert chosen[["tax_share", "revenue_share", "trend", "total_score"]].notna().all().all()
    growth = by_code(kf.growth).loc[chosen.index]
    assert (growth["not_eligible"] == "").all()
    assert (
        growth[["tax_share", "revenue_share", "trend_revenue", "total_score"]].notna().all().all()
    )


def test_not_eligible_says_why_and_the_reason_is_true(kf: KeyFirms, facts: pd.DataFrame) -> None:
    """'' exactly for the firms eligible by hand; each stated reason holds for its firm."""
    why = by_code(kf.growth)["not_eligible"].astype(str)
    assert ((why == "") == facts["eligible"]).all()
    seen = set(why)
    for category in ("非规上企业", "评价年度未参评", "评价年度无数据"):
        assert category in seen
    assert any(w.startswith("一票否决") for w in seen)
    f = facts
    assert not f.loc[why == "评价年度无数据", "present"].any()
    assert not f.loc[why == "非规上企业", "above_scale"].any()
    not_evaluated = f.loc[why == "评价年度未参评"]
    assert (not_evaluated["status"] != "evaluated").all() and not_evaluated["above_scale"].all()
    vetoed = f.loc[why.str.startswith("一票否决")]
    assert vetoed["vetoed"].all() and (vetoed["status"] == "evaluated").all()
    no_trend = f.loc[why.str.startswith("成长性无法计算")]
    assert no_trend["trend"].isna().all()
    assert set(why[why != ""]) <= {
        "评价年度无数据",
        "非规上企业",
        "评价年度未参评",
        "成长性无法计算（trend_revenue缺失）",
        "贡献无法计算（tax_share缺失）",
        "贡献无法计算（revenue_share缺失）",
        "竞争力无法计算（total_score缺失）",
    } | {w for w in seen if w.startswith("一票否决")}


# ---- size and quotas --------------------------------------------------------------------------


@pytest.mark.parametrize("size", [60, 7, 23])
def test_size_and_proportional_quotas_are_exact(
    panel: pd.DataFrame, ev: mujun.Evaluation, rules: Rules, facts: pd.DataFrame, size: int
) -> None:
    """Exactly `size` firms; each park's places are its largest-remainder share, and its chosen
    firms are its best by key score."""
    r = with_selection(rules, size=size)
    kf = mujun.select_key_firms(panel, under(r, ev))
    assert len(kf.contact_list) == size
    assert kf.contact_list["credit_code"].is_unique
    counts = facts.loc[facts["eligible"], "park"].value_counts()
    expected = hamilton(counts, size)
    assert expected.sum() == size
    got = kf.quotas.reindex(expected.index, fill_value=0).astype(int)
    assert got.to_dict() == expected.to_dict()
    per_park = kf.contact_list["park"].astype(str).value_counts()
    assert per_park.reindex(expected.index, fill_value=0).to_dict() == expected.to_dict()
    top_within_parks(kf)


@settings(max_examples=150, deadline=None)
@given(
    counts=st.dictionaries(
        st.sampled_from(["甲园", "乙园", "丙镇", "丁镇", "戊区", "己区"]),
        st.integers(1, 40),
        min_size=1,
    ),
    share=st.floats(0.0, 1.0),
)
def test_park_quotas_are_largest_remainders(counts: dict[str, int], share: float) -> None:
    """park_quotas on any eligible counts: Hamilton's method, summing to size."""
    total = sum(counts.values())
    size = max(1, round(share * total))
    parks = pd.Series([p for p, e in counts.items() for _ in range(e)])
    got = contact.park_quotas(parks, Selection(size=size))
    expected = hamilton(pd.Series(counts), size)
    assert got.sort_index().to_dict() == expected.to_dict()
    assert int(got.sum()) == size
    assert all(got[p] <= e for p, e in counts.items())


def test_park_quotas_by_hand() -> None:
    """5/3/2 firms and 4 places: 2, 1, 1 (丙's 0.8 beats 乙's 0.2); equal remainders go to the
    larger park, then by name."""
    parks = pd.Series(["甲"] * 5 + ["乙"] * 3 + ["丙"] * 2)
    assert contact.park_quotas(parks, Selection(size=4)).to_dict() == {"丙": 1, "乙": 1, "甲": 2}
    parks = pd.Series(["b", "a", "c", "c"])  # size 2: exact 0.5, 0.5, 1.0
    assert contact.park_quotas(parks, Selection(size=2)).to_dict() == {"a": 1, "b": 0, "c": 1}
    parks = pd.Series(["b", "b", "a", "a", "c"])  # size 3: exact 1.2, 1.2, 0.6
    assert contact.park_quotas(parks, Selection(size=3)).to_dict() == {"a": 1, "b": 1, "c": 1}
    parks = pd.Series(["b"] * 3 + ["a"])  # size 2: exact 1.5 and 0.5, the larger park wins
    assert contact.park_quotas(parks, Selection(size=2)).to_dict() == {"a": 0, "b": 2}


def top_within_parks(kf: KeyFirms) -> None:
    """No unchosen eligible firm of a park has a higher key score than a chosen one there."""
    growth = by_code(kf.growth)
    chosen = set(kf.contact_list["credit_code"].astype(str))
    eligible = growth[growth["not_eligible"] == ""]
    for _, firms in eligible.groupby(eligible["park"].astype(str)):
        inside = firms.index.isin(list(chosen))
        if inside.any() and (~inside).any():
            assert firms.loc[inside, "key_score"].min() >= firms.loc[~inside, "key_score"].max()


def test_chosen_firms_are_the_top_of_their_park(kf: KeyFirms) -> None:
    """Within a park the chosen firms are the top ones by key score."""
    top_within_parks(kf)
    listed = kf.contact_list["key_score"].to_numpy()
    assert (np.diff(listed) <= 0).all()  # the list is in order of falling key score


def test_fixed_quotas_are_taken_as_given(
    panel: pd.DataFrame, ev: mujun.Evaluation, rules: Rules
) -> None:
    """park_quota = {...}: those places per park (a park left out gets none); size is their sum."""
    quota = {"固镇经济开发区": 4, "王庄镇": 2, "蚌埠铜陵现代产业园": 3, "连城镇": 1}
    r = with_selection(rules, park_quota=quota)
    assert r.selection.size == 10
    kf = mujun.select_key_firms(panel, under(r, ev))
    assert len(kf.contact_list) == 10
    per_park = kf.contact_list["park"].astype(str).value_counts().to_dict()
    assert per_park == quota
    assert {p: q for p, q in kf.quotas.items() if q} == quota
    assert (kf.quotas.drop(list(quota)) == 0).all()  # parks left out are listed with none
    top_within_parks(kf)


def test_fixed_quotas_parsed_from_toml(panel: pd.DataFrame, ev: mujun.Evaluation) -> None:
    """The same through a rules text with [selection.park_quota]."""
    text = rules_text(
        '[selection]\nsize = 3\n\n[selection.park_quota]\n"湖沟镇" = 2\n"连城镇" = 1\n'
    )
    kf = mujun.select_key_firms(panel, under(mujun.parse_rules(text), ev))
    assert kf.contact_list["park"].astype(str).value_counts().to_dict() == {
        "湖沟镇": 2,
        "连城镇": 1,
    }


def test_more_places_than_eligible_firms_is_an_error(
    panel: pd.DataFrame, ev: mujun.Evaluation, rules: Rules, facts: pd.DataFrame
) -> None:
    """size above the eligible count: DataError naming both numbers."""
    eligible = int(facts["eligible"].sum())
    with pytest.raises(DataError) as info:
        mujun.select_key_firms(panel, under(with_selection(rules, size=eligible + 1), ev))
    message = str(info.value)
    assert f"只有{eligible}家" in message and f"{eligible + 1}家" in message
    # exactly as many places as eligible firms is fine: every eligible firm gets one
    parks = facts.loc[facts["eligible"], "park"].reset_index(drop=True)
    quotas = contact.park_quotas(parks, Selection(size=eligible))
    assert quotas.to_dict() == parks.value_counts().to_dict()


def test_a_fixed_quota_above_a_parks_eligible_firms_is_an_error(
    panel: pd.DataFrame, ev: mujun.Evaluation, rules: Rules, facts: pd.DataFrame
) -> None:
    """DataError naming the park, its places and its eligible firms; an unknown park is named."""
    in_park = int((facts["eligible"] & (facts["park"] == "湖沟镇")).sum())
    r = with_selection(rules, park_quota={"湖沟镇": in_park + 5, "连城镇": 1})
    with pytest.raises(DataError) as info:
        mujun.select_key_firms(panel, under(r, ev))
    message = str(info.value)
    assert "湖沟镇" in message and f"名额{in_park + 5}家" in message
    assert f"符合条件{in_park}家" in message and "连城镇" not in message
    parks = facts.loc[facts["eligible"], "park"].reset_index(drop=True)
    with pytest.raises(DataError, match=r"湖沟开发区：名额2家，符合条件0家.*湖沟开发区"):
        contact.park_quotas(parks, Selection(park_quota={"湖沟开发区": 2}))
    ok = contact.park_quotas(parks, Selection(park_quota={"湖沟镇": in_park}))
    assert ok["湖沟镇"] == in_park and ok.sum() == in_park


# ---- key score --------------------------------------------------------------------------------


def test_parts_are_percentiles_among_eligible_firms(kf: KeyFirms, facts: pd.DataFrame) -> None:
    """Each part equals the percentile computed here; key_score is their weighted mean."""
    growth = by_code(kf.growth)
    e = facts["eligible"]
    assert np.allclose(growth.loc[e.index[e], "trend_revenue"], facts.loc[e, "trend"], atol=1e-9)
    for part in ("contribution", "growth", "competitiveness", "key_score"):
        assert np.allclose(growth.loc[e.index[e], part], facts.loc[e, part], atol=1e-9), part
        assert growth.loc[e.index[~e], part].isna().all(), part
    w = kf.rules.selection.weights
    weighted = (
        w.contribution * growth["contribution"]
        + w.growth * growth["growth"]
        + w.competitiveness * growth["competitiveness"]
    ) / (w.contribution + w.growth + w.competitiveness)
    assert np.allclose(growth.loc[e.index[e], "key_score"], weighted[e.index[e]], atol=1e-9)
    listed = by_code(kf.contact_list)
    assert np.allclose(listed["key_score"], facts.loc[listed.index, "key_score"], atol=1e-9)


def test_weights_from_the_rules_are_used(
    panel: pd.DataFrame, ev: mujun.Evaluation, rules: Rules, facts: pd.DataFrame
) -> None:
    """Other weights: key_score = Σ w × part / Σ w with the parts unchanged."""
    r = with_selection(rules, weights={"contribution": 1, "growth": 2, "competitiveness": 5})
    growth = by_code(mujun.select_key_firms(panel, under(r, ev)).growth)
    e = facts.index[facts["eligible"]]
    f = facts.loc[e]
    expected = (f["contribution"] + 2 * f["growth"] + 5 * f["competitiveness"]) / 8
    assert np.allclose(growth.loc[e, "key_score"], expected, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(
        st.tuples(
            st.floats(0.1, 1e4), st.floats(0.1, 1e5), st.floats(-0.5, 1.0), st.floats(0, 150)
        ),
        min_size=2,
        max_size=25,
    ),
    pick=st.integers(0, 24),
    more_tax=st.floats(1.0, 50.0),
    more_revenue=st.floats(1.0, 50.0),
)
def test_raising_a_firms_tax_and_revenue_never_lowers_its_contribution(
    values: list[tuple[float, float, float, float]],
    pick: int,
    more_tax: float,
    more_revenue: float,
) -> None:
    """Key scores: one firm's tax and revenue up (others fixed, shares recomputed) → its
    contribution part does not fall, its other parts do not move."""
    i = pick % len(values)
    tax, revenue, trend, score = (np.array(v, dtype=float) for v in zip(*values, strict=True))

    def table(t: np.ndarray, r: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "tax_share": t / t.sum(),
                "revenue_share": r / r.sum(),
                "trend_revenue": trend,
                "total_score": score,
            }
        )

    eligible = np.ones(len(values), dtype=bool)
    before = contact.key_scores(table(tax, revenue), eligible, Selection())
    tax2, revenue2 = tax.copy(), revenue.copy()
    tax2[i] *= more_tax
    revenue2[i] *= more_revenue
    after = contact.key_scores(table(tax2, revenue2), eligible, Selection())
    assert after.loc[i, "contribution"] >= before.loc[i, "contribution"] - 1e-9
    assert after.loc[i, "growth"] == before.loc[i, "growth"]
    assert after.loc[i, "competitiveness"] == before.loc[i, "competitiveness"]
    assert after.loc[i, "key_score"] >= before.loc[i, "key_score"] - 1e-9
    for part in ("contribution", "growth", "competitiveness", "key_score"):
        assert after[part].between(0, 100).all()


def test_key_scores_leave_ineligible_firms_blank() -> None:
    """Percentiles among eligible firms only; one eligible firm scores 100."""
    t = pd.DataFrame(
        {
            "tax_share": [0.1, 0.2, 0.3, 0.4],
            "revenue_share": [0.4, 0.3, 0.2, 0.1],
            "trend_revenue": [0.1, np.nan, 0.3, 0.0],
            "total_score": [50.0, 60.0, 70.0, 80.0],
        }
    )
    out = contact.key_scores(t, np.array([True, False, True, True]), Selection())
    assert out.loc[1].isna().all()
    assert out.loc[[0, 2, 3], "growth"].tolist() == [50.0, 100.0, 0.0]
    assert out.loc[[0, 2, 3], "contribution"].tolist() == [50.0, 50.0, 50.0]
    one = contact.key_scores(t, np.array([False, False, True, False]), Selection())
    assert one.loc[2].tolist() == [100.0, 100.0, 100.0, 100.0]


def test_a_part_of_weight_zero_with_a_missing_value_does_not_blank_the_key_scores() -> None:
    """growth weight 0 makes a firm without a revenue trend eligible; the others still score."""
    t = pd.DataFrame(
        {
            "tax_share": [0.1, 0.2, 0.3],
            "revenue_share": [0.1, 0.2, 0.3],
            "trend_revenue": [0.1, np.nan, 0.2],
            "total_score": [50.0, 60.0, 70.0],
        }
    )
    s = Selection.model_validate(
        {"weights": {"contribution": 0.5, "growth": 0, "competitiveness": 0.5}}
    )
    out = contact.key_scores(t, np.ones(3, dtype=bool), s)
    assert out["key_score"].tolist() == [0.0, 50.0, 100.0]


def test_weight_zero_for_growth_still_orders_the_contact_list(
    panel: pd.DataFrame, ev: mujun.Evaluation
) -> None:
    """growth = 0 in the rules: the list is still made of defined key scores, in falling order."""
    text = rules_text(
        "[selection]\nwindow = 3\n\n[selection.weights]\n"
        "contribution = 0.5\ngrowth = 0\ncompetitiveness = 0.5\n"
    )
    kf = mujun.select_key_firms(panel, under(mujun.parse_rules(text), ev))
    growth = kf.growth
    assert growth.loc[growth["not_eligible"] == "", "trend_revenue"].isna().any()  # the trigger
    scores = kf.contact_list["key_score"]
    assert scores.notna().all()
    assert (np.diff(scores.to_numpy()) <= 0).all()


# ---- reasons ----------------------------------------------------------------------------------


def close(text: str, value: float, digits: int) -> bool:
    """A printed number equals the value rounded to `digits`."""
    return abs(float(text) - value) <= 0.5 * 10.0**-digits + 1e-9


def test_every_reason_is_true_of_its_firm(kf: KeyFirms, facts: pd.DataFrame) -> None:
    """Shares, trend, score, tier, percentiles and place in the park as printed are the firm's."""
    growth = by_code(kf.growth)
    bar = 100.0 * kf.rules.selection.strength
    eligible = growth[growth["not_eligible"] == ""]
    for row in kf.contact_list.itertuples():
        code, text = str(row.credit_code), str(row.reasons)
        f, g = facts.loc[code], growth.loc[code]
        parts = text.split("；")
        assert ("贡献大" in text) == (row.contribution >= bar)
        assert ("成长性好" in text) == (row.growth >= bar and f["trend"] > 0)  # upward only
        assert ("竞争力强" in text) == (row.competitiveness >= bar)
        if "贡献大" in text:
            m = re.search(
                r"贡献大：实缴税金占全县(-?[\d.]+)%、营业收入占全县(-?[\d.]+)%"
                r"（贡献分位(\d+)）",
                text,
            )
            assert m, text
            assert close(m[1], 100 * f["tax_share"], 2) and close(m[2], 100 * f["revenue_share"], 2)
            assert close(m[3], row.contribution, 0)
        if "成长性好" in text:
            span = f"{kf.years[0]}—{kf.years[-1]}年"
            m = re.search(span + r"营业收入趋势增速(-?[\d.]+)%（成长分位(\d+)）", text)
            assert m, text
            assert close(m[1], 100 * f["trend"], 1) and close(m[2], row.growth, 0)
        if "竞争力强" in text:
            m = re.search(r"竞争力强：亩均效益综合得分([\d.]+)，([A-D])类（竞争力分位(\d+)）", text)
            assert m, text
            assert close(m[1], f["total_score"], 1) and m[2] == f["tier"]
            assert close(m[3], row.competitiveness, 0)
        m = re.fullmatch(
            r"入选分([\d.]+)，在(.+)符合条件企业中居第(\d+)位（名额(\d+)家）", parts[-1]
        )
        assert m, text
        assert close(m[1], f["key_score"], 1)
        assert m[2] == f["park"] == row.park
        same = eligible[eligible["park"] == row.park]
        ahead = (same["key_score"] > g["key_score"]) | (
            (same["key_score"] == g["key_score"]) & (same.index < code)
        )
        assert int(m[3]) == int(ahead.sum()) + 1 == row.rank_in_park
        assert int(m[4]) == int(kf.quotas[row.park])
        assert int(m[3]) <= int(m[4])
        assert len(parts) == 1 + ("贡献大" in text) + ("成长性好" in text) + ("竞争力强" in text)


def test_a_shrinking_firm_is_never_said_to_grow_well(panel: pd.DataFrame, rules: Rules) -> None:
    """In a county where every firm shrinks, the top growth percentiles are no 成长性好."""
    shrink = panel.copy()
    shrink["revenue"] = shrink["revenue"] * 0.5 ** (shrink["year"] - 2019)  # halves each year
    ev = mujun.evaluate(shrink[shrink["year"] == YEAR], rules)
    kf = mujun.select_key_firms(shrink, ev)
    assert (kf.growth.loc[kf.growth["not_eligible"] == "", "trend_revenue"] < 0).all()
    assert (kf.contact_list["growth"] >= 100.0 * rules.selection.strength).any()
    assert not kf.contact_list["reasons"].str.contains("成长性好").any()


def test_unknown_scale_is_not_eligible_and_not_a_rising_candidate(
    panel: pd.DataFrame, rules: Rules
) -> None:
    """是否规上 left blank: neither 规上 (a key firm) nor 规下 (a 小升规 candidate)."""
    blank = panel.copy()
    blank["above_scale"] = blank["above_scale"].astype("boolean")
    blank.loc[blank["year"] == YEAR, "above_scale"] = pd.NA
    ev = mujun.evaluate(panel[panel["year"] == YEAR], rules)
    grown = growth_features(blank, YEAR, rules.selection.window, ev)
    why = contact.eligibility(grown.table, grown.latest, rules.selection.weights)
    present = grown.table["revenue"].notna()
    assert (why[present] == "是否规上未填").all()
    assert (watch_lists(grown.table, grown.latest, rules, YEAR)["list"] != "rising").all()


def test_on_track_is_unknown_without_a_trend(panel: pd.DataFrame, ev: mujun.Evaluation) -> None:
    """growth weight 0 admits firms without a trend: whether they double is unknown, not 否."""
    text = rules_text(
        "[selection]\nwindow = 3\n\n[selection.weights]\n"
        "contribution = 0.5\ngrowth = 0\ncompetitiveness = 0.5\n"
    )
    kf = mujun.select_key_firms(panel, under(mujun.parse_rules(text), ev))
    c = kf.contact_list
    no_trend = c["credit_code"].isin(
        kf.growth.loc[kf.growth["trend_revenue"].isna(), "credit_code"]
    )
    assert no_trend.any()  # the case at issue is on the list
    assert c["on_track"].isna().to_numpy().tolist() == no_trend.tolist()


def test_some_reasons_name_each_strength(kf: KeyFirms) -> None:
    """The default list of 60 has firms strong in each part (the checks above are not empty)."""
    text = " ".join(kf.contact_list["reasons"].astype(str))
    for phrase in ("贡献大", "成长性好", "竞争力强"):
        assert phrase in text


# ---- 三年倍增 ----------------------------------------------------------------------------------


def test_doubling_targets(kf: KeyFirms, panel: pd.DataFrame, facts: pd.DataFrame) -> None:
    """Target 2 × the 2022 revenue by 2025, growth needed 2^(1/3) − 1, projection by the trend."""
    d = kf.rules.selection.doubling
    assert (d.factor, d.years) == (2.0, 3)  # 三年倍增
    latest = panel[panel["year"] == YEAR].set_index("credit_code")["revenue"]
    c = by_code(kf.contact_list)
    revenue = latest.loc[c.index].to_numpy()
    trend = facts.loc[c.index, "trend"].to_numpy()
    assert np.allclose(c["doubling_base"], revenue)
    assert np.allclose(c["doubling_target"], 2 * revenue)
    assert (c["doubling_year"] == 2025).all()
    assert np.allclose(c["required_growth"], REQUIRED) and abs(REQUIRED - 0.2599) < 1e-4
    assert np.allclose(c["projected_revenue"], revenue * (1 + trend) ** 3)
    on_track = c["on_track"].to_numpy(dtype=bool)
    assert (on_track == (trend >= REQUIRED)).all()
    reaches = (c["projected_revenue"] >= c["doubling_target"] - 1e-6).to_numpy()
    assert (on_track == reaches).all()  # on track: the trend reaches the target in time


def test_doubling_follows_the_rules(
    panel: pd.DataFrame, ev: mujun.Evaluation, rules: Rules
) -> None:
    """factor 3 within 5 years: target 3 × revenue by 2027, growth needed 3^(1/5) − 1."""
    r = with_selection(rules, size=7, doubling={"factor": 3, "years": 5})
    c = mujun.select_key_firms(panel, under(r, ev)).contact_list
    assert np.allclose(c["doubling_target"], 3 * c["doubling_base"])
    assert (c["doubling_year"] == 2027).all()
    assert np.allclose(c["required_growth"], 3 ** (1 / 5) - 1)


def test_key_firms_table_has_the_documented_columns(kf: KeyFirms) -> None:
    """key_firms.csv starts with the named columns; one row per key firm."""
    table = kf.key_firms_table()
    assert list(table.columns[:9]) == list(mujun.selection.KEY_FIRMS_CSV)
    assert len(table) == kf.rules.selection.size and table["commissioner"].isna().all()


def test_park_summary_counts_places_key_firms_and_doubling(kf: KeyFirms) -> None:
    """One row per park with eligible firms: its quota, its key firms, those on track."""
    s = kf.park_summary().set_index("park")
    c = kf.contact_list
    assert s["quota"].to_dict() == kf.quotas.to_dict()
    assert (
        s["key_firms"].to_dict()
        == c["park"].value_counts().reindex(s.index, fill_value=0).to_dict()
    )
    assert int(s["on_track"].sum()) == int(c["on_track"].sum())
    assert int(s["key_firms"].sum()) == len(c) == kf.rules.selection.size


def test_a_park_spelt_two_ways_is_one_park_under_the_rules_parks(
    panel: pd.DataFrame, rules: Rules
) -> None:
    """With `[parks]`, firms of 王庄镇 written 王庄 in every year are 王庄镇's: the contact list,
    the quotas and the commissioners' parks are those of the panel spelt one way."""
    from mujun.rules.inputs import Parks

    names = sorted(panel["park"].unique())
    park = names[0]
    spelt = f"{park} "  # as a clerk types it: a trailing space
    short = park[:-1] if len(park) > 2 else park + "区"
    quick = with_selection(rules)
    with_parks = quick.model_copy(update={"parks": Parks(names=names, aliases={short: park})})
    codes = panel.loc[panel["park"] == park, "credit_code"].unique()
    half = panel["credit_code"].isin(codes[::2]) & (panel["park"] == park)
    messy = panel.assign(park=panel["park"].where(~half, short))
    messy.loc[messy["credit_code"].isin(codes[1::4]) & (messy["park"] == park), "park"] = spelt
    people = pd.DataFrame(
        {
            "姓名": [f"专员{j}" for j in range(25)],
            "所属园区": ([short, *names] * 5)[:22] + [""] * 3,
            "熟悉行业": ["33"] * 25,
        }
    )
    clean = mujun.select_key_firms(
        panel,
        mujun.evaluate(panel[panel["year"] == YEAR], with_parks),
        mujun.read_commissioners(people.assign(所属园区=people["所属园区"].replace(short, park))),
    )
    kf = mujun.select_key_firms(
        messy,
        mujun.evaluate(messy[messy["year"] == YEAR], with_parks),
        mujun.read_commissioners(people),
    )
    assert set(kf.contact_list["park"]) <= set(names)
    pd.testing.assert_frame_equal(kf.contact_list, clean.contact_list)
    pd.testing.assert_frame_equal(kf.park_summary(), clean.park_summary())
