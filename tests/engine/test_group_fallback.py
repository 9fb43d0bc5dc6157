"""A `by` group without a usable benchmark of its own is scored against the class-wide one, and
says so: one warning per (class, indicator, group), and the 说明 table shows the class-wide row
with the groups that used it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import YEAR, credit_code, indicator_toml, one_class_rules
from hypothesis import given, settings
from hypothesis import strategies as st

import mujun
from mujun.export.method_sheet import ALL_FIRMS, FELL_BACK, _group_benchmarks
from mujun.export.workbooks import write_internal_workbook

LAST_YEAR_BY_COUNTY = indicator_toml(
    "tax_per_mu",
    "tax_paid / land_mu",
    100,
    'method = "ratio", benchmark = "mean", by = "county", year = "previous", cap = 3.0',
)


def panel() -> pd.DataFrame:
    """This year 清江浦区 firms 0, 1 and 新设区 firm 2; last year only 清江浦区 (firms 0, 1 and
    the gone firm 3). Land 10 mu each."""
    rows = [
        # firm, year, county, tax
        (0, YEAR, "清江浦区", 200.0),
        (1, YEAR, "清江浦区", 100.0),
        (2, YEAR, "新设区", 150.0),
        (0, YEAR - 1, "清江浦区", 100.0),
        (1, YEAR - 1, "清江浦区", 100.0),
        (3, YEAR - 1, "清江浦区", 400.0),
    ]
    return pd.DataFrame(
        {
            "credit_code": [credit_code(i) for i, *_ in rows],
            "year": [y for _, y, _, _ in rows],
            "name": [f"企业{i}" for i, *_ in rows],
            "above_scale": True,
            "land_owned_mu": 10.0,
            "county": [c for _, _, c, _ in rows],
            "tax_paid": [t for *_, t in rows],
        }
    )


def this_year(ev: mujun.Evaluation) -> pd.DataFrame:
    return ev.results[ev.results["year"] == YEAR].set_index("credit_code")


def test_a_group_without_last_year_uses_the_class_wide_benchmark_and_says_so() -> None:
    ev = mujun.evaluate(panel(), one_class_rules(LAST_YEAR_BY_COUNTY))
    res = this_year(ev)
    # last year 清江浦区: 10, 10, 40 万元/亩 → mean 20, also the class-wide mean (one county)
    # firm 0: 20 / 20 × 100 = 100; 新设区 firm 2: 15 / 20 (class-wide) × 100 = 75
    assert res.at[credit_code(0), "score_tax_per_mu"] == pytest.approx(100)
    assert res.at[credit_code(2), "score_tax_per_mu"] == pytest.approx(75)
    fell = ev.issues.query("code == 'benchmark-group-fallback'")
    assert len(fell) == 1 and (fell["severity"] == "warning").all()
    message = fell["message"].iat[0]
    assert "“新设区”组没有可用的上年基准" in message and "按全体企业的上年基准计分" in message
    assert fell["field"].iat[0] == "tax_per_mu" and fell["value"].iat[0] == "新设区"


def test_every_group_with_a_benchmark_raises_no_fallback() -> None:
    frame = panel()
    frame.loc[frame["credit_code"] == credit_code(3), "county"] = "新设区"  # 新设区 last year
    ev = mujun.evaluate(frame, one_class_rules(LAST_YEAR_BY_COUNTY))
    assert not (ev.issues["code"] == "benchmark-group-fallback").any()
    # 新设区 last year: firm 3 at 40 → firm 2: 15 / 40 × 100 = 37.5
    assert this_year(ev).at[credit_code(2), "score_tax_per_mu"] == pytest.approx(37.5)


def test_a_group_whose_benchmark_is_zero_this_year_falls_back() -> None:
    # this year: 清江浦区 firms 0, 1 at 20, 10 万元/亩; 新设区 firm 2 at 0 → its mean 0 is no
    # benchmark; class-wide mean (20 + 10 + 0) / 3 = 10 → firm 2: 0 / 10 = 0 points, firm 0:
    # 20 / 15 × 100 = 133.33 (清江浦区's own mean 15)
    frame = panel()
    frame = frame[frame["year"] == YEAR].copy()
    frame.loc[frame["credit_code"] == credit_code(2), "tax_paid"] = 0.0
    ind = indicator_toml(
        "tax_per_mu",
        "tax_paid / land_mu",
        100,
        'method = "ratio", benchmark = "mean", by = "county", cap = 3.0',
    )
    ev = mujun.evaluate(frame, one_class_rules(ind))
    res = this_year(ev)
    assert res.at[credit_code(0), "score_tax_per_mu"] == pytest.approx(100 * 20 / 15)
    assert res.at[credit_code(2), "score_tax_per_mu"] == pytest.approx(0)
    fell = ev.issues.query("code == 'benchmark-group-fallback'")
    assert fell["value"].tolist() == ["新设区"]
    assert "上年" not in fell["message"].iat[0]


def test_the_method_table_shows_the_class_wide_row_and_who_used_it() -> None:
    ev = mujun.evaluate(panel(), one_class_rules(LAST_YEAR_BY_COUNTY))
    klass = ev.rules.classes[0]
    bench = ev.benchmarks.assign(visible=True)
    rows = _group_benchmarks(bench[bench["class"] == klass.code])
    shown = dict(zip(rows["group"], rows["benchmark"], strict=True))
    assert shown["新设区"] == FELL_BACK
    assert shown["清江浦区"] == pytest.approx(20)
    assert shown[f"{ALL_FIRMS}（用于：新设区）"] == pytest.approx(20)


def test_without_a_fallback_the_method_table_has_no_class_wide_row() -> None:
    frame = panel()
    frame.loc[frame["credit_code"] == credit_code(3), "county"] = "新设区"
    ev = mujun.evaluate(frame, one_class_rules(LAST_YEAR_BY_COUNTY))
    rows = _group_benchmarks(ev.benchmarks.assign(visible=True))
    assert sorted(rows["group"]) == sorted(["清江浦区", "新设区"])
    assert np.isfinite(rows["benchmark"].astype(float)).all()


def test_a_group_whose_firms_all_lack_the_value_does_not_fall_back() -> None:
    # 新设区's one firm has no tax: it is not scored against any benchmark (missing policy)
    frame = panel()
    frame.loc[frame["credit_code"] == credit_code(2), "tax_paid"] = np.nan
    ev = mujun.evaluate(frame, one_class_rules(LAST_YEAR_BY_COUNTY))
    assert not (ev.issues["code"] == "benchmark-group-fallback").any()
    assert not ev.benchmarks["fallback"].eq(True).any()


def test_the_internal_workbooks_method_sheet_names_the_fallback(tmp_path: Path) -> None:
    ev = mujun.evaluate(panel(), one_class_rules(LAST_YEAR_BY_COUNTY))
    path = write_internal_workbook(ev, tmp_path / "内部版.xlsx")
    sheet = openpyxl.load_workbook(path)["说明"]
    rows = [[c for c in r if c is not None] for r in sheet.iter_rows(values_only=True)]
    fell = next(r for r in rows if "新设区" in r)
    whole = next(r for r in rows if f"{ALL_FIRMS}（用于：新设区）" in r)
    assert FELL_BACK in fell
    assert 20 in whole, whole  # last year 清江浦区 mean 20


@settings(max_examples=10, deadline=None)
@given(st.permutations(range(6)))
def test_the_fallback_does_not_depend_on_row_order(order: list[int]) -> None:
    rules = one_class_rules(LAST_YEAR_BY_COUNTY)
    plain = mujun.evaluate(panel(), rules)
    shuffled = mujun.evaluate(panel().iloc[order].reset_index(drop=True), rules)
    codes = [credit_code(i) for i in range(3)]
    pd.testing.assert_series_equal(
        this_year(plain).loc[codes, "score_tax_per_mu"],
        this_year(shuffled).loc[codes, "score_tax_per_mu"],
    )
    fell = "code == 'benchmark-group-fallback'"
    assert (
        shuffled.issues.query(fell)["message"].tolist()
        == plain.issues.query(fell)["message"].tolist()
    )
