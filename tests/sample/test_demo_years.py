"""The demo county's earlier years: shipped as the bureau kept them, evaluable with the demo rules
of their year, every row accounted for, rebuilt byte for byte."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mujun
from mujun.engine.evaluation import STATUSES
from mujun.sample.demo import (
    DEMO_DATASET,
    DEMO_FIRMS,
    DEMO_YEAR,
    DEMO_YEARS,
    EARLIER_YEARS,
    HISTORY_FILE,
    build_year_files,
    demo_rules_of,
    demo_year_files,
    evaluate_demo_year,
)
from mujun.sample.synthetic import generate_county
from mujun.sample.years import YEAR_COLUMNS, write_year_data, year_file


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return generate_county(DEMO_FIRMS, years=DEMO_YEARS, seed=DEMO_YEAR)


@pytest.fixture(scope="module")
def evaluations() -> dict[int, mujun.Evaluation]:
    return {y: evaluate_demo_year(y) for y in EARLIER_YEARS}


def test_the_earlier_years_are_2020_and_2021_and_shipped() -> None:
    assert EARLIER_YEARS == (2020, 2021)
    for y in EARLIER_YEARS:
        with demo_year_files(y) as files:
            assert files == [DEMO_DATASET / f"历年评价数据_{y}年.xlsx"]
            assert files[0].is_file()


@pytest.mark.parametrize("year", [2019, 2022, 2023])
def test_a_year_without_its_data_is_refused_in_chinese(year: int) -> None:
    with pytest.raises(ValueError, match=f"没有{year}年"), demo_year_files(year):
        pass


@pytest.mark.parametrize("year", EARLIER_YEARS)
def test_each_earlier_year_accounts_for_every_firm_of_that_year(
    year: int, panel: pd.DataFrame, evaluations: dict[int, mujun.Evaluation]
) -> None:
    ev = evaluations[year]
    res = ev.results
    firms = set(panel.loc[panel["year"] == year, "credit_code"])
    assert ev.rules.year == year and f"{year}年度" in ev.rules.name
    assert len(res) == len(firms) and set(res["credit_code"]) == firms  # each firm once
    assert (res["year"] == year).all()
    assert res["status"].isin(STATUSES).all()
    others = res[res["status"] != "evaluated"]
    assert others["status_reason"].notna().all() and (others["status_reason"] != "").all()
    assert (res["status"] == "rejected").sum() <= 2  # the kept table was checked: few rejections
    assert not (ev.issues["severity"] == "error").any()
    # the flags no department of the demo keeps are missing in every year, as in 2022
    missing = set(ev.issues.loc[ev.issues["code"] == "missing-column", "field"])
    assert missing == {"food_safety_incident", "energy_target_missed", "public_interest"}


@pytest.mark.parametrize("year", EARLIER_YEARS)
def test_each_earlier_year_has_sensible_tiers(
    year: int, evaluations: dict[int, mujun.Evaluation]
) -> None:
    table = evaluations[year].tier_table()
    for klass in ("above_scale", "below_scale"):
        row = table.loc[klass]
        n = int(row["total"])
        assert n >= 100  # both classes are well filled in every year
        assert int(row[["A", "B", "C", "D"]].sum()) == n  # every evaluated firm has a tier
        # quotas 20/45/30/5 %, then vetoes and protections move a few firms
        for tier, share in {"A": 0.20, "B": 0.45, "C": 0.30, "D": 0.05}.items():
            assert abs(int(row[tier]) / n - share) < 0.06, (klass, tier, row.to_dict())
        assert int(row["D"]) >= 1


def test_firms_enter_and_leave_between_the_years(
    panel: pd.DataFrame, evaluations: dict[int, mujun.Evaluation]
) -> None:
    codes = {y: set(ev.results["credit_code"]) for y, ev in evaluations.items()}
    codes[DEMO_YEAR] = set(panel.loc[panel["year"] == DEMO_YEAR, "credit_code"])
    assert codes[2020] - codes[2021], "some firm of 2020 is gone in 2021"
    assert codes[2021] - codes[2020] or codes[DEMO_YEAR] - codes[2021], "some firm enters"
    assert len(codes[2020] & codes[2021]) > 0.8 * len(codes[2021])  # most stay


def _sheet(path: Path) -> pd.DataFrame:
    rows = list(openpyxl.load_workbook(path, read_only=True).worksheets[0].values)
    header = next(i for i, r in enumerate(rows) if r and "统一社会信用代码" in r)
    return pd.DataFrame(rows[header + 1 :], columns=rows[header])


@pytest.mark.parametrize("year", EARLIER_YEARS)
def test_the_year_data_agree_with_the_history_workbook(year: int) -> None:
    history = _sheet(DEMO_DATASET / HISTORY_FILE)
    history = history[history["年度"] == year].set_index("统一社会信用代码").sort_index()
    data = _sheet(DEMO_DATASET / year_file(year)).set_index("统一社会信用代码").sort_index()
    assert list(data.index) == list(history.index)  # the same firms
    for column in (
        "营业收入（万元）",
        "实缴税金（万元）",
        "工业增加值（万元）",
        "是否规上",
        "企业名称",
    ):
        assert data[column].tolist() == history[column].tolist(), column


@pytest.mark.parametrize("year", EARLIER_YEARS)
def test_the_year_data_read_back_as_the_panel(year: int, panel: pd.DataFrame) -> None:
    rules = demo_rules_of(year)
    table = mujun.read_sources([DEMO_DATASET / year_file(year)], year=year)
    frame = table.frame.set_index("credit_code").sort_index()
    want = panel[panel["year"] == year].set_index("credit_code").sort_index()
    assert rules.year == year and len(frame) == len(want)
    land = want["land_owned_mu"] + want["land_leased_mu"] - want["land_let_mu"]
    got = frame["land_owned_mu"] + frame["land_leased_mu"] - frame["land_let_mu"]
    assert np.allclose(got.astype(float), land, atol=0.015)  # three parts to 0.01 亩 each
    for code in ("tax_paid", "revenue", "tech_investment", "rd_expense", "energy_tce"):
        assert np.allclose(frame[code].astype(float), want[code], atol=0.005), code
    assert (frame["employees"].astype(float) == want["employees"]).all()
    for flag in ("safety_incident", "env_violation", "new_to_scale", "major_project"):
        assert (frame[flag].astype(bool) == want[flag]).all(), flag
    written = {c for c in YEAR_COLUMNS if c in want.columns or c == "credit_code"}
    assert written <= set(frame.columns) | {"credit_code"}


def test_the_year_files_are_rebuilt_byte_for_byte(tmp_path: Path) -> None:
    one = build_year_files(tmp_path / "one")
    two = build_year_files(tmp_path / "two")
    assert [p.name for p in one] == [year_file(y) for y in EARLIER_YEARS]
    for a, b in zip(one, two, strict=True):
        assert a.read_bytes() == b.read_bytes()
        assert a.read_bytes() == (DEMO_DATASET / a.name).read_bytes()  # the shipped ones


def test_a_smaller_generated_county_evaluates_its_earlier_year_too() -> None:
    ev = evaluate_demo_year(2021, n_firms=60, seed=7)
    firms = generate_county(60, years=DEMO_YEARS, seed=7)
    assert len(ev.results) == int((firms["year"] == 2021).sum())
    assert ev.results["status"].isin(STATUSES).all()


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(order=st.randoms(use_true_random=False))
def test_the_year_table_does_not_depend_on_the_panel_order(tmp_path: Path, order: Any) -> None:
    small = generate_county(25, years=DEMO_YEARS, seed=3)
    shuffled = small.iloc[order.sample(range(len(small)), len(small))]
    a = write_year_data(small, 2021, tmp_path / "a.xlsx", "示例县")
    b = write_year_data(shuffled, 2021, tmp_path / "b.xlsx", "示例县")
    assert a.read_bytes() == b.read_bytes()  # one row per firm, in credit-code order
