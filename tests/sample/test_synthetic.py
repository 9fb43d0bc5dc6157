"""The synthetic county: determinism, fields, credit codes, ranges, calibration, archetypes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mujun
from mujun.codes import CREDIT_ALPHABET, check_credit_codes, industry_division
from mujun.fields import FIELDS, INPUT_FIELDS
from mujun.sample.demo import DEMO_RULES
from mujun.sample.synthetic import ARCHETYPES, DEFAULT_PARKS, county_frame, generate_county

RULES = DEMO_RULES  # the synthetic county is scored with the demo's own rules
YEARS = (2019, 2020, 2021, 2022)
TEXT = ("credit_code", "name", "park", "industry_code")
FLAGS = (
    "above_scale",
    "safety_incident",
    "env_violation",
    "high_tech",
    "specialized",
    "new_to_scale",
    "major_project",
)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return generate_county(20_000, YEARS, seed=0)


@pytest.fixture(scope="module")
def latest(panel: pd.DataFrame) -> pd.DataFrame:
    return panel[panel["year"] == YEARS[-1]]


def land_mu(frame: pd.DataFrame) -> pd.Series:
    return frame["land_owned_mu"] + frame["land_leased_mu"] - frame["land_let_mu"]


def test_same_seed_same_frame_other_seed_other_frame() -> None:
    first = generate_county(3000, seed=7)
    pd.testing.assert_frame_equal(first, generate_county(3000, seed=7))
    other = generate_county(3000, seed=8)
    assert not set(first["credit_code"]) & set(other["credit_code"])
    assert not first["revenue"].head(100).equals(other["revenue"].head(100))


def test_columns_are_canonical_fields_with_their_types(panel: pd.DataFrame) -> None:
    assert panel.columns[-1] == "archetype"
    fields = list(panel.columns[:-1])
    assert fields == [c for c in INPUT_FIELDS if c in fields]  # in fields.py order
    expected = {
        "credit_code",
        "year",
        "name",
        "park",
        "industry_code",
        "established",
        "land_owned_mu",
        "land_leased_mu",
        "land_let_mu",
        "tax_paid",
        "revenue",
        "output_value",
        "value_added",
        "rd_expense",
        "tech_investment",
        "electricity_kwh",
        "energy_tce",
        "emissions_t",
        "employees",
        *FLAGS,
    }
    assert set(fields) == expected
    for c in (*TEXT, "archetype"):
        assert pd.api.types.is_string_dtype(panel[c]), c
        assert panel[c].notna().all(), c
    for c in FLAGS:
        assert panel[c].dtype == bool, c
    assert panel["year"].dtype == np.int64 and panel["employees"].dtype == np.int64
    assert pd.api.types.is_datetime64_any_dtype(panel["established"])
    numbers = [c for c in fields if FIELDS[c].kind == "number" and c != "employees"]
    assert all(panel[c].dtype == np.float64 for c in numbers)
    assert not panel.duplicated(["credit_code", "year"]).any()


def test_credit_codes_are_valid_distinct_and_local(panel: pd.DataFrame) -> None:
    firms = panel.drop_duplicates("credit_code")
    well_formed, check_ok = check_credit_codes(firms["credit_code"])
    assert well_formed.all() and check_ok.all()
    assert firms["credit_code"].str.startswith("91340323").all()  # 企业, 固镇县
    assert panel.groupby("credit_code")["name"].nunique().max() == 1  # one name per firm
    uscc = pytest.importorskip("stdnum.cn.uscc")
    sample = firms["credit_code"].head(300)
    assert all(uscc.is_valid(c) for c in sample)
    weights = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 check of the organisation code (9th char)
    for code in sample:
        check = 11 - sum(int(ch, 36) * w for ch, w in zip(code[8:16], weights, strict=True)) % 11
        assert code[16] == {10: "X", 11: "0"}.get(check, str(check))
        assert set(code) <= set(CREDIT_ALPHABET)


def test_values_are_within_plausible_ranges(panel: pd.DataFrame) -> None:
    for c in panel.columns:
        if c in FIELDS and FIELDS[c].minimum == 0:
            assert (panel[c].dropna() >= 0).all(), c
    land = land_mu(panel)
    assert land.between(0.4, 3000).all() and (land[panel["year"] == YEARS[-1]] >= 0.99).all()
    let = panel["land_let_mu"] > 0
    assert (panel.loc[let, "land_let_mu"] < panel.loc[let, "land_owned_mu"]).all()
    assert (panel["above_scale"] == (panel["revenue"] >= 2000)).all()
    assert (panel["value_added"] <= panel["output_value"]).all()
    assert (panel["value_added"] > 0).all() and (panel["employees"] >= 3).all()
    assert (panel["rd_expense"] <= 0.2 * panel["revenue"]).all()
    assert (panel["tax_paid"] > -0.02 * panel["revenue"]).all()
    assert ((panel["tax_paid"] < 0).mean() < 0.01) and (panel["tax_paid"] < 0).any()  # refunds
    assert (panel["tax_paid"] < 0.25 * panel["revenue"]).all()
    per_mu = panel["revenue"] / land
    assert per_mu.max() < 20_000 and (panel["revenue"] > 0).all()
    kwh_tce = panel["electricity_kwh"] * 1.229e-4
    assert (kwh_tce <= panel["energy_tce"] * 1.001 + 0.01).all()  # electricity is part of energy
    assert set(panel["park"]) == set(DEFAULT_PARKS)
    division = industry_division(panel["industry_code"])
    assert (panel["industry_code"].str.len() == 4).all() and (
        (division >= 6) & (division <= 46)
    ).all()
    year_end = pd.to_datetime(panel["year"].astype(str) + "-12-31")
    assert (panel["established"] <= year_end).all()
    assert (panel["established"] >= pd.Timestamp("1970-01-01")).all()


@pytest.mark.parametrize("seed", [0, 1])
def test_latest_year_meets_the_tongling_pooled_figures(seed: int) -> None:
    frame = generate_county(20_000, YEARS, seed=seed)
    last = frame[frame["year"] == YEARS[-1]]
    land = land_mu(last).sum()
    assert 11 <= last["tax_paid"].sum() / land <= 17  # 亩均税收 14.05
    assert 480 <= last["revenue"].sum() / land <= 720  # 亩均营业收入 603.7
    assert 43 <= last["value_added"].sum() / last["employees"].sum() <= 65  # 全员劳动生产率 54.5
    assert 0.25 <= last["above_scale"].mean() <= 0.45


def test_land_is_heavy_tailed_and_larger_firms_earn_more_per_mu(latest: pd.DataFrame) -> None:
    land = land_mu(latest)
    assert land.quantile(0.05) < 5 and 5 < land.median() < 20 and land.max() > 300
    per_mu = latest["revenue"] / land
    assert per_mu[land > land.quantile(0.9)].median() > 3 * per_mu[land < land.median()].median()
    big = latest["above_scale"]
    assert latest.loc[big, "employees"].median() > 3 * latest.loc[~big, "employees"].median()
    zones = latest["park"].isin(["蚌埠铜陵现代产业园", "固镇经济开发区"])
    assert land[zones].median() > land[~zones].median()


def test_ratios_differ_by_industry(latest: pd.DataFrame) -> None:
    division = latest["industry_code"].str[:2]
    energy = latest["energy_tce"] / latest["revenue"]
    chemical, equipment = division.isin(["26", "29"]), division.isin(["33", "34", "35"])
    assert energy[chemical].median() > 5 * energy[equipment].median()
    rd = (latest["rd_expense"] / latest["revenue"])[latest["above_scale"]]
    assert rd[division.isin(["38"])].median() > 2 * rd[division.isin(["13", "14", "15"])].median()


def test_rare_flags_and_gaps(panel: pd.DataFrame, latest: pd.DataFrame) -> None:
    assert 0.005 < panel["safety_incident"].mean() < 0.015
    assert 0.005 < panel["env_violation"].mean() < 0.018
    assert 0.06 < latest["high_tech"].mean() < 0.10
    assert 0.02 < latest["specialized"].mean() < 0.045
    assert 0.01 < latest["major_project"].mean() < 0.06
    assert 0.015 < (latest["land_let_mu"] > 0).mean() < 0.045
    assert 0.1 < (latest["land_owned_mu"] == 0).mean() < 0.4  # renting standard factories
    utilities = latest["industry_code"].isin(["4411", "4610"]).mean()
    assert 0.01 <= utilities <= 0.02
    missing = latest["emissions_t"].isna()
    big = latest["above_scale"]
    assert 0.25 < missing[~big].mean() < 0.35 and 0.02 < missing[big].mean() < 0.08
    recent = latest["established"] > pd.Timestamp(f"{YEARS[-1] - 2}-12-31")
    assert 0.02 < recent.mean() < 0.10  # a few firms established in the last two years


def test_new_to_scale_marks_firms_that_just_crossed_2000(panel: pd.DataFrame) -> None:
    frame = panel.sort_values(["credit_code", "year"])
    previous = frame.groupby("credit_code")["revenue"].shift()
    prior_year = frame.groupby("credit_code")["year"].shift()
    crossed = frame["above_scale"] & (previous < 2000) & (prior_year == frame["year"] - 1)
    later = frame["year"] > YEARS[0]
    assert (frame.loc[later, "new_to_scale"] == crossed[later]).all()
    assert frame.loc[~frame["above_scale"], "new_to_scale"].eq(False).all()
    assert 0.005 < frame["new_to_scale"].mean() < 0.04


def test_archetypes_grow_as_named(panel: pd.DataFrame) -> None:
    assert set(panel["archetype"]) == set(ARCHETYPES)
    assert panel.groupby("credit_code")["archetype"].nunique().max() == 1
    span = panel.groupby("credit_code").agg(
        archetype=("archetype", "first"),
        first=("year", "min"),
        last=("year", "max"),
        rows=("year", "size"),
        start=("revenue", "first"),
        end=("revenue", "last"),
    )
    assert (span["rows"] == span["last"] - span["first"] + 1).all()  # no holes
    kind = span["archetype"]
    steady = ~kind.isin(["entering", "exiting"])
    assert ((span.loc[steady, "first"] == YEARS[0]) & (span.loc[steady, "last"] == YEARS[-1])).all()
    entering, exiting = span[kind == "entering"], span[kind == "exiting"]
    assert (entering["first"] > YEARS[0]).all() and (entering["last"] == YEARS[-1]).all()
    assert set(entering["first"]) == set(YEARS[1:])
    assert (exiting["first"] == YEARS[0]).all() and (exiting["last"] < YEARS[-1]).all()
    assert set(exiting["last"]) == set(YEARS[:-1])
    whole = span[steady]
    cagr = (whole["end"] / whole["start"]) ** (1 / (YEARS[-1] - YEARS[0])) - 1
    median = cagr.groupby(whole["archetype"]).median()
    assert median["fast_growing"] > 0.2 > median["steady"] > 0.03 > 0 > median["declining"]
    spread = cagr.groupby(whole["archetype"]).std()
    assert spread["volatile"] > 2 * spread["steady"]
    first_year = panel.merge(entering, left_on="credit_code", right_index=True)
    first_year = first_year[first_year["year"] == first_year["first"]]
    assert (first_year["established"].dt.year >= first_year["year"] - 1).all()


def test_county_frame_is_one_year_of_every_firm() -> None:
    frame = county_frame(4000, year=2023, seed=3)
    assert len(frame) == 4000 and "archetype" not in frame.columns
    assert (frame["year"] == 2023).all() and frame["credit_code"].is_unique
    expected = generate_county(4000, (2023,), seed=3).drop(columns="archetype")
    pd.testing.assert_frame_equal(frame, expected)
    panel = generate_county(4000, (2020, 2021, 2022, 2023), seed=3)
    assert set(panel["credit_code"]) == set(frame["credit_code"])  # the same firms
    same = panel[panel["year"] == 2023].merge(frame, on="credit_code", suffixes=("", "_1"))
    for c in ("name", "park", "industry_code", "land_owned_mu", "revenue"):
        assert (same[c] == same[f"{c}_1"]).all(), c


def test_demo_rules_evaluate_most_firms_and_account_for_every_row() -> None:
    frame = county_frame(5000)
    results = mujun.evaluate(frame, mujun.load_rules(RULES)).results
    assert len(results) == len(frame)
    assert results["credit_code"].tolist() == frame["credit_code"].tolist()
    status = results["status"]
    assert set(status) <= {"evaluated", "exempt", "deferred"} and (status != "").all()
    assert (status == "evaluated").mean() > 0.6
    assert results["status_reason"].str.len().gt(0).all()
    for klass in ("above_scale", "below_scale"):
        tiers = results.loc[results["class"] == klass, "tier"]
        assert set(tiers) == {"A", "B", "C", "D"}, klass
    exempt = results.loc[frame["industry_code"].isin(["4411", "4610"]).to_numpy(), "status"]
    assert (exempt == "exempt").all()


def test_options_and_refusals() -> None:
    frame = generate_county(
        500, (2021, 2019), seed=2, parks=("东区", "西区"), industries={"3311": 1, "13": 1}
    )
    assert set(frame["year"]) == {2019, 2021} and set(frame["park"]) == {"东区", "西区"}
    assert set(frame["industry_code"]) == {"3311", "13"}
    empty = generate_county(0)
    assert empty.empty and list(empty.columns) == list(generate_county(5).columns)
    for bad in ({"33a1": 1.0}, {"3311": -1.0}, {}):
        with pytest.raises(ValueError):
            generate_county(10, industries=bad)
    with pytest.raises(ValueError):
        generate_county(10, years=())
    with pytest.raises(ValueError):
        generate_county(10, parks=())


@pytest.mark.slow
def test_a_province_sized_panel_gives_every_firm_its_own_code() -> None:
    frame = generate_county(200_000, YEARS, seed=5)
    assert frame["credit_code"].nunique() == 200_000
