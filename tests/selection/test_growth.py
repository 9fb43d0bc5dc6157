"""growth_features(panel, year, window, evaluation): CAGRs, the log-linear trend, volatility,
shares, flags for undefined features, duplicates, row order and the evaluation's columns."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mujun
from mujun.errors import DataError
from mujun.sample.synthetic import generate_county
from mujun.selection.growth import growth_features

RULES = Path(__file__).resolve().parents[2] / "rules" / "anhui-guzhen-2022.toml"
NUMERIC = [
    "revenue",
    "tax_paid",
    "value_added",
    "cagr_revenue",
    "cagr_tax",
    "cagr_value_added",
    "trend_revenue",
    "volatility_revenue",
    "revenue_share",
    "tax_share",
    "growth_latest",
    "total_score",
]
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Row = tuple[str, int, float, float, float]  # credit_code, year, revenue, tax_paid, value_added


def panel(rows: list[Row]) -> pd.DataFrame:
    """A panel with canonical columns from (credit_code, year, revenue, tax_paid, value_added)."""
    codes, years, rev, tax, va = (list(c) for c in zip(*rows, strict=True))
    return pd.DataFrame(
        {"credit_code": codes, "year": years, "revenue": rev, "tax_paid": tax, "value_added": va}
    )


def firm(table: pd.DataFrame, code: str) -> pd.Series:
    """The growth row of one credit code (exactly one)."""
    hit = table[table["credit_code"] == code]
    assert len(hit) == 1, code
    return hit.iloc[0]


def flags_of(row: pd.Series) -> set[str]:
    text = row["flags"]
    return set() if pd.isna(text) or text == "" else set(str(text).split(";"))


def full(code: str, years: range, revenue: float = 100.0) -> list[Row]:
    """A well-behaved firm with constant figures in every year (keeps the panel's years)."""
    return [(code, y, revenue, 10.0, 30.0) for y in years]


def assert_no_infinity(table: pd.DataFrame) -> None:
    for column in NUMERIC:
        values = table[column].to_numpy(dtype=float, na_value=np.nan)
        assert not np.isinf(values).any(), column


# ---- known answers -------------------------------------------------------------------------


def test_cagr_known_answers() -> None:
    """CAGR between the window's first and last year, for revenue, tax and value added."""
    g = growth_features(
        panel(
            [
                ("A", 2020, 100.0, 50.0, 80.0),
                ("A", 2021, 110.0, 60.0, 90.0),
                ("A", 2022, 121.0, 72.0, 80.0),
            ]
        ),
        2022,
        3,
    )
    a = firm(g.table, "A")
    # revenue: (121 / 100) ** (1 / 2) − 1 = 1.1 − 1 = 0.10
    assert a["cagr_revenue"] == pytest.approx(0.10, abs=1e-12)
    # tax: (72 / 50) ** (1 / 2) − 1 = sqrt(1.44) − 1 = 0.20
    assert a["cagr_tax"] == pytest.approx(0.20, abs=1e-12)
    # value added: (80 / 80) ** (1 / 2) − 1 = 0
    assert a["cagr_value_added"] == pytest.approx(0.0, abs=1e-12)
    # last year's growth: 121 / 110 − 1 = 0.10
    assert a["growth_latest"] == pytest.approx(0.10, abs=1e-12)
    assert g.years == (2020, 2021, 2022)
    assert a["years"] == 3
    assert (a["revenue"], a["tax_paid"], a["value_added"]) == (121.0, 72.0, 80.0)
    assert flags_of(a) == set()


def test_cagr_uses_the_whole_window_span() -> None:
    """With window 5 the span is 4 years: 100 → 146.41 is 10 % a year (1.1 ** 4 = 1.4641)."""
    rows = [
        ("A", 2018, 100.0, 10.0, 10.0),
        ("A", 2019, 999.0, 10.0, 10.0),
        ("A", 2020, 5.0, 10.0, 10.0),
        ("A", 2021, 300.0, 10.0, 10.0),
        ("A", 2022, 146.41, 10.0, 10.0),
    ]
    a = firm(growth_features(panel(rows), 2022, 5).table, "A")
    assert a["cagr_revenue"] == pytest.approx(0.10, abs=1e-12)


def test_trend_and_volatility_by_hand() -> None:
    """Trend = exp(slope) − 1 of ln(revenue) on the year; volatility = residual sd, k − 2 dof."""
    g = growth_features(
        panel(
            [
                ("A", 2020, 100.0, 1.0, 1.0),
                ("A", 2021, 110.0, 1.0, 1.0),
                ("A", 2022, 125.0, 1.0, 1.0),
            ]
        ),
        2022,
        3,
    )
    a = firm(g.table, "A")
    x = [0.0, 1.0, 2.0]  # years since 2020
    y = [math.log(100.0), math.log(110.0), math.log(125.0)]
    xm = (0.0 + 1.0 + 2.0) / 3  # = 1
    ym = (y[0] + y[1] + y[2]) / 3
    sxx = (0 - 1) ** 2 + (1 - 1) ** 2 + (2 - 1) ** 2  # = 2
    sxy = (-1) * (y[0] - ym) + 0 * (y[1] - ym) + 1 * (y[2] - ym)  # = ln 125 − ln 100
    slope = sxy / sxx  # = ln(1.25) / 2
    assert slope == pytest.approx(math.log(1.25) / 2, rel=1e-12)
    trend = math.exp(slope) - 1  # = sqrt(1.25) − 1 ≈ 0.118034
    assert trend == pytest.approx(math.sqrt(1.25) - 1, rel=1e-12)
    intercept = ym - slope * xm
    residuals = [y[i] - (intercept + slope * x[i]) for i in range(3)]
    volatility = math.sqrt(sum(e * e for e in residuals) / (3 - 2))  # k − 2 = 1 degree of freedom
    assert a["trend_revenue"] == pytest.approx(trend, rel=1e-12)
    assert a["volatility_revenue"] == pytest.approx(volatility, rel=1e-9)
    # cross-check with numpy's least squares
    b, c = np.polyfit(x, y, 1)
    fitted_resid = np.array(y) - (b * np.array(x) + c)
    assert a["trend_revenue"] == pytest.approx(np.expm1(b), rel=1e-9)
    assert a["volatility_revenue"] == pytest.approx(np.sqrt((fitted_resid**2).sum() / 1), rel=1e-9)


def test_exact_exponential_growth_has_zero_volatility() -> None:
    """Revenue ×1.2 every year: trend 20 %, residuals 0."""
    rows = [("A", 2019 + i, 1000.0 * 1.2**i, 1.0, 1.0) for i in range(4)]
    a = firm(growth_features(panel(rows), 2022, 4).table, "A")
    assert a["trend_revenue"] == pytest.approx(0.2, abs=1e-12)
    assert a["cagr_revenue"] == pytest.approx(0.2, abs=1e-12)
    assert a["volatility_revenue"] == pytest.approx(0.0, abs=1e-12)


def test_shares_of_the_latest_year() -> None:
    """tax_share / revenue_share = the firm's latest value over the county total of that year."""
    # (year, revenue, tax) per firm
    figures = {
        "A": ((2020, 50.0, 1.0), (2021, 70.0, 2.0), (2022, 100.0, 20.0)),
        "B": ((2020, 500.0, 9.0), (2021, 400.0, 9.0), (2022, 300.0, 30.0)),
        "C": ((2020, 10.0, 1.0), (2021, 20.0, 1.0), (2022, 600.0, 50.0)),
        "D": ((2021, 5000.0, 900.0),),  # absent in 2022: not in the county total
    }
    rows = [(code, y, r, t, 1.0) for code, years in figures.items() for y, r, t in years]
    t = growth_features(panel(rows), 2022, 3).table
    # county totals of 2022: revenue 100 + 300 + 600 = 1000, tax 20 + 30 + 50 = 100
    for code, rev_share, tax_share in (("A", 0.1, 0.2), ("B", 0.3, 0.3), ("C", 0.6, 0.5)):
        row = firm(t, code)
        assert row["revenue_share"] == pytest.approx(rev_share, abs=1e-12)
        assert row["tax_share"] == pytest.approx(tax_share, abs=1e-12)
    d = firm(t, "D")
    assert np.isnan(d["revenue_share"]) and np.isnan(d["tax_share"])
    assert {"revenue_share:no-latest", "tax_share:no-latest"} <= flags_of(d)


def test_county_total_not_positive() -> None:
    """No tax at all in the latest year: tax_share is undefined for everyone, and flagged."""
    rows = [("A", y, 100.0, 0.0, 1.0) for y in (2020, 2021, 2022)]
    rows += [("B", y, 300.0, 0.0, 1.0) for y in (2020, 2021, 2022)]
    t = growth_features(panel(rows), 2022, 3).table
    assert t["tax_share"].isna().all()
    assert all("tax_share:county-total-not-positive" in flags_of(r) for _, r in t.iterrows())
    assert t["revenue_share"].tolist() == pytest.approx([0.25, 0.75])


# ---- gaps ----------------------------------------------------------------------------------


def test_missing_middle_year() -> None:
    """A gap inside the window: CAGR from the end points, trend on the observed years."""
    rows = [
        ("A", 2019, 100.0, 10.0, 20.0),
        ("A", 2021, 130.0, 12.0, 25.0),  # no 2020
        ("A", 2022, 140.0, 13.31, 30.0),
        *full("B", range(2019, 2023)),
    ]
    a = firm(growth_features(panel(rows), 2022, 4).table, "A")
    # CAGR over span 3 (2019 → 2022): (140 / 100) ** (1 / 3) − 1
    assert a["cagr_revenue"] == pytest.approx(1.4 ** (1 / 3) - 1, rel=1e-12)
    # tax: 10 → 13.31 = 10 × 1.1 ** 3: 10 % a year
    assert a["cagr_tax"] == pytest.approx(0.10, abs=1e-12)
    # trend on x = 0, 2, 3 (years since 2019): xm = 5 / 3, dx = (−5/3, 1/3, 4/3)
    y = [math.log(100.0), math.log(130.0), math.log(140.0)]
    ym = sum(y) / 3
    dx = [-5 / 3, 1 / 3, 4 / 3]
    sxx = (25 + 1 + 16) / 9  # = 14 / 3
    slope = sum(dx[i] * (y[i] - ym) for i in range(3)) / sxx
    residuals = [(y[i] - ym) - slope * dx[i] for i in range(3)]
    volatility = math.sqrt(sum(e * e for e in residuals) / (3 - 2))
    assert a["trend_revenue"] == pytest.approx(math.exp(slope) - 1, rel=1e-12)
    assert a["volatility_revenue"] == pytest.approx(volatility, rel=1e-9)
    b, _ = np.polyfit([0, 2, 3], y, 1)
    assert a["trend_revenue"] == pytest.approx(np.expm1(b), rel=1e-9)
    assert a["years"] == 3
    # last year's growth needs 2021 and 2022: 140 / 130 − 1
    assert a["growth_latest"] == pytest.approx(140 / 130 - 1, rel=1e-12)
    assert flags_of(a) == set()


def test_missing_first_year() -> None:
    """No data in the window's first year: CAGRs undefined (no-base); two years: no trend."""
    rows = [
        ("A", 2021, 100.0, 10.0, 20.0),
        ("A", 2022, 120.0, 12.0, 25.0),
        *full("B", range(2020, 2023)),
    ]
    a = firm(growth_features(panel(rows), 2022, 3).table, "A")
    for column in (
        "cagr_revenue",
        "cagr_tax",
        "cagr_value_added",
        "trend_revenue",
        "volatility_revenue",
    ):
        assert np.isnan(a[column]), column
    assert {
        "cagr_revenue:no-base",
        "cagr_tax:no-base",
        "cagr_value_added:no-base",
        "trend_revenue:too-few-years",
    } <= flags_of(a)
    assert a["growth_latest"] == pytest.approx(0.2, abs=1e-12)
    assert not np.isnan(a["revenue_share"])


def test_absent_in_latest_year() -> None:
    """A firm without the evaluation year: no-latest flags, NaN shares, no latest row."""
    rows = [
        ("A", 2020, 100.0, 10.0, 20.0),
        ("A", 2021, 120.0, 12.0, 25.0),
        *full("B", range(2020, 2023)),
    ]
    g = growth_features(panel(rows), 2022, 3)
    a = firm(g.table, "A")
    for column in (
        "cagr_revenue",
        "cagr_tax",
        "cagr_value_added",
        "revenue_share",
        "tax_share",
        "revenue",
        "tax_paid",
        "value_added",
        "growth_latest",
    ):
        assert np.isnan(a[column]), column
    assert {
        "cagr_revenue:no-latest",
        "cagr_tax:no-latest",
        "cagr_value_added:no-latest",
        "revenue_share:no-latest",
        "tax_share:no-latest",
        "trend_revenue:too-few-years",
    } <= flags_of(a)
    at = g.table.index[g.table["credit_code"] == "A"][0]
    assert g.latest.loc[at].isna().all()
    b = g.table.index[g.table["credit_code"] == "B"][0]
    assert g.latest.loc[b, "credit_code"] == "B" and g.latest.loc[b, "year"] == 2022


def test_two_years_with_end_points() -> None:
    """First and last year present, the middle missing: CAGR defined, trend too-few-years."""
    rows = [
        ("A", 2020, 100.0, 10.0, 20.0),
        ("A", 2022, 144.0, 12.0, 25.0),
        *full("B", range(2020, 2023)),
    ]
    a = firm(growth_features(panel(rows), 2022, 3).table, "A")
    # (144 / 100) ** (1 / 2) − 1 = 0.2
    assert a["cagr_revenue"] == pytest.approx(0.2, abs=1e-12)
    assert np.isnan(a["trend_revenue"]) and np.isnan(a["volatility_revenue"])
    assert "trend_revenue:too-few-years" in flags_of(a)
    assert np.isnan(a["growth_latest"])  # no 2021


# ---- zero and negative values --------------------------------------------------------------


def test_zero_and_negative_values() -> None:
    """Non-positive bases, negative latest values, zero latest values, non-positive years."""
    # (revenue, tax, value added) of 2020, 2021, 2022 per firm
    figures = {
        # tax base 0, value-added base negative, revenue fine
        "A": ((100, 110, 121), (0, 5, 8), (-3, 4, 9)),
        # latest tax negative (a refund larger than the tax), latest revenue 0
        "B": ((100, 50, 0), (10, 5, -2), (4, 4, 0)),
        # a negative revenue in the middle year: CAGR defined, trend not
        "C": ((100, -20, 144), (10, 5, 10), (4, 4, 4)),
    }
    rows = [
        (code, 2020 + i, float(rev[i]), float(tax[i]), float(va[i]))
        for code, (rev, tax, va) in figures.items()
        for i in range(3)
    ]
    t = growth_features(panel(rows), 2022, 3).table
    a, b, c = (firm(t, code) for code in "ABC")
    assert np.isnan(a["cagr_tax"]) and "cagr_tax:base-not-positive" in flags_of(a)
    assert np.isnan(a["cagr_value_added"]) and "cagr_value_added:base-not-positive" in flags_of(a)
    assert a["cagr_revenue"] == pytest.approx(0.1, abs=1e-12)

    assert np.isnan(b["cagr_tax"]) and "cagr_tax:latest-negative" in flags_of(b)
    # revenue 100 → 0: (0 / 100) ** (1 / 2) − 1 = −1 exactly; value added 4 → 0 likewise
    assert b["cagr_revenue"] == -1.0
    assert b["cagr_value_added"] == -1.0
    assert "cagr_revenue:latest-negative" not in flags_of(b)
    # a zero revenue cannot be logged
    assert np.isnan(b["trend_revenue"]) and "trend_revenue:not-positive" in flags_of(b)
    assert b["growth_latest"] == -1.0  # 0 / 50 − 1

    # (144 / 100) ** (1 / 2) − 1 = 0.2 from the end points
    assert c["cagr_revenue"] == pytest.approx(0.2, abs=1e-12)
    assert np.isnan(c["trend_revenue"]) and np.isnan(c["volatility_revenue"])
    assert "trend_revenue:not-positive" in flags_of(c)
    assert np.isnan(c["growth_latest"])  # the year before is negative
    assert_no_infinity(t)


VALUES = st.sampled_from([np.nan, -50.0, -1.0, 0.0, 1e-6, 1.0, 37.5, 100.0, 2500.0, 1e6])
ROWS = st.lists(
    st.tuples(st.sampled_from("ABCDE"), st.integers(2018, 2023), VALUES, VALUES, VALUES),
    max_size=30,
)


@FAST
@given(rows=ROWS)
def test_undefined_features_are_nan_and_flagged(rows: list[Row]) -> None:
    """Property: no infinite value; a feature is NaN exactly when a flag names it."""
    base = full("Z", range(2019, 2023))  # keeps at least three years in the window
    t = growth_features(panel([*base, *rows]), 2022, 4).table
    assert_no_infinity(t)
    for _, row in t.iterrows():
        named = {f.split(":")[0] for f in flags_of(row)}
        for feature in (
            "cagr_revenue",
            "cagr_tax",
            "cagr_value_added",
            "trend_revenue",
            "revenue_share",
            "tax_share",
        ):
            assert np.isnan(row[feature]) == (feature in named), (row["credit_code"], feature)
        assert np.isnan(row["volatility_revenue"]) == np.isnan(row["trend_revenue"])


# ---- duplicates and too little data --------------------------------------------------------


def test_a_duplicated_firm_year_is_left_out_and_flagged() -> None:
    """Two rows for one (credit_code, year): which is right is unknown, so that year is left out
    (not the first or the last row, which would depend on row order) and the firm is flagged."""
    rows = [
        ("A", 2020, 100.0, 10.0, 1.0),
        ("A", 2021, 110.0, 10.0, 1.0),
        ("A", 2022, 121.0, 10.0, 1.0),
        ("A", 2022, 999.0, 99.0, 9.0),  # a second 2022 row: 2022 is unknown for A
        *full("B", range(2020, 2023)),
    ]
    t = growth_features(panel(rows), 2022, 3).table
    a, b = firm(t, "A"), firm(t, "B")
    assert np.isnan(a["revenue"]) and np.isnan(a["cagr_revenue"])
    assert a["years"] == 2
    assert "panel:duplicate-year" in flags_of(a) and "cagr_revenue:no-latest" in flags_of(a)
    assert "panel:duplicate-year" not in flags_of(b)
    assert b["revenue_share"] == pytest.approx(1.0, rel=1e-12)  # A's 2022 is not counted


def test_a_duplicated_firm_year_gives_the_same_result_in_any_row_order() -> None:
    """The duplicate handling does not depend on where the copies sit."""
    rows = [
        ("A", 2022, 300.0, 1.0, 1.0),
        *full("B", range(2020, 2023)),
        ("A", 2020, 100.0, 1.0, 1.0),
        ("A", 2022, 50.0, 1.0, 1.0),
        ("A", 2021, 200.0, 1.0, 1.0),
    ]
    one = growth_features(panel(rows), 2022, 3).table
    two = growth_features(panel(rows[::-1]), 2022, 3).table
    pd.testing.assert_frame_equal(one, two)
    assert "panel:duplicate-year" in flags_of(firm(one, "A"))


@pytest.mark.parametrize(
    "years",
    [(2021, 2022), (2022,), (2018, 2019, 2021, 2022), (2023, 2024, 2025)],
)
def test_fewer_than_three_years_in_window(years: tuple[int, ...]) -> None:
    """Fewer than three years with data inside the window: DataError."""
    rows = [(code, y, 100.0, 1.0, 1.0) for y in years for code in ("A", "B")]
    with pytest.raises(DataError):
        growth_features(panel(rows), 2022, 3)


def test_missing_revenue_column() -> None:
    frame = panel(full("A", range(2020, 2023))).drop(columns="revenue")
    with pytest.raises(DataError, match="营业收入"):
        growth_features(frame, 2022, 3)


# ---- row order and one row per firm --------------------------------------------------------


@FAST
@given(seed=st.integers(0, 2**16), n=st.integers(3, 25), shuffle=st.randoms(use_true_random=False))
def test_row_order_does_not_matter(seed: int, n: int, shuffle) -> None:  # type: ignore[no-untyped-def]
    """Property: shuffling the panel's rows gives exactly the same growth table."""
    frame = generate_county(n, years=(2019, 2020, 2021, 2022), seed=seed).drop(columns="archetype")
    order = list(range(len(frame)))
    shuffle.shuffle(order)
    shuffled = frame.iloc[order].reset_index(drop=True)
    try:
        one = growth_features(frame, 2022, 3)
    except DataError:  # a tiny county may lack three years: then so does the shuffled one
        with pytest.raises(DataError):
            growth_features(shuffled, 2022, 3)
        return
    two = growth_features(shuffled, 2022, 3)
    pd.testing.assert_frame_equal(one.table, two.table)
    pd.testing.assert_frame_equal(one.latest, two.latest)
    assert one.years == two.years


def test_one_row_per_firm_of_the_window() -> None:
    """Every credit code with a row in the window appears once, in credit-code order."""
    frame = generate_county(80, years=(2018, 2019, 2020, 2021, 2022), seed=7)
    frame = frame.drop(columns="archetype")
    g = growth_features(frame, 2022, 3)
    codes = g.table["credit_code"].tolist()
    in_window = frame[frame["year"].between(2020, 2022)]
    assert codes == sorted(set(in_window["credit_code"]))
    assert g.table["credit_code"].is_unique
    assert len(g.latest) == len(g.table)
    counts = in_window.groupby("credit_code").size()
    assert g.table.set_index("credit_code")["years"].to_dict() == counts.to_dict()
    latest_rows = frame[frame["year"] == 2022].set_index("credit_code")
    mine = g.table.set_index("credit_code")
    present = mine.index.isin(latest_rows.index)
    np.testing.assert_array_equal(
        mine.loc[present, "revenue"].to_numpy(),
        latest_rows.loc[mine.index[present], "revenue"].to_numpy(),
    )
    assert mine.loc[~present, "revenue"].isna().all()
    assert_no_infinity(g.table)


def test_index_labels_do_not_matter() -> None:
    """A panel with an unusual index (not 0..n−1) gives the same result."""
    frame = generate_county(20, seed=11).drop(columns="archetype")
    relabelled = frame.set_axis(np.arange(len(frame))[::-1] * 7 + 1000)
    pd.testing.assert_frame_equal(
        growth_features(frame, 2022, 3).table, growth_features(relabelled, 2022, 3).table
    )


def test_identity_from_the_latest_known_year() -> None:
    """name, park and industry come from the last year that has them; above_scale from the
    evaluation year only."""
    frame = panel(full("A", range(2020, 2023)) + full("B", range(2020, 2022)))
    frame["park"] = ["东区", "西区", None, "东区", "南区"]
    frame["name"] = ["甲", "甲二", "甲三", "乙", "乙二"]
    frame["above_scale"] = [False, False, True, True, True]
    t = growth_features(frame, 2022, 3).table
    a, b = firm(t, "A"), firm(t, "B")
    assert a["park"] == "西区"  # 2022 has no park: the 2021 one
    assert a["name"] == "甲三" and b["name"] == "乙二"
    assert b["park"] == "南区"
    assert bool(a["above_scale"]) is True
    assert pd.isna(b["above_scale"])  # B has no 2022 row


# ---- with an evaluation --------------------------------------------------------------------


def test_status_score_and_tier_from_the_evaluation() -> None:
    """status, total_score and tier come from the evaluation year's results, by credit code."""
    frame = generate_county(60, years=(2019, 2020, 2021, 2022), seed=3).drop(columns="archetype")
    rules = mujun.load_rules(RULES)
    evaluation = mujun.evaluate(frame[frame["year"] == 2022], rules)
    t = growth_features(frame, 2022, 3, evaluation).table
    results = evaluation.results.set_index("credit_code")
    assert set(results["status"]) >= {"evaluated", "exempt"}  # both kinds are exercised
    checked = 0
    for _, row in t.iterrows():
        code = row["credit_code"]
        if code not in results.index:
            assert pd.isna(row["status"]) and np.isnan(row["total_score"])
            assert pd.isna(row["tier"])
            assert "total_score:not-evaluated" in flags_of(row)
            continue
        res = results.loc[code]
        checked += 1
        assert row["status"] == res["status"]
        if np.isnan(res["total_score"]):
            assert np.isnan(row["total_score"])
        else:
            assert row["total_score"] == res["total_score"]
        tier = "" if pd.isna(res["tier"]) else str(res["tier"])
        assert ("" if pd.isna(row["tier"]) else row["tier"]) == tier
        evaluated = res["status"] == "evaluated"
        assert ("total_score:not-evaluated" in flags_of(row)) == (not evaluated), code
    assert checked == len(results)
    # firms that left before 2022 are in the table but not in the evaluation
    assert (~t["credit_code"].isin(results.index)).any()


def test_without_evaluation() -> None:
    """No evaluation: status, score and tier are missing and nothing is flagged for them."""
    t = growth_features(generate_county(10, seed=2).drop(columns="archetype"), 2022, 3).table
    assert t["status"].isna().all() and t["tier"].isna().all()
    assert t["total_score"].isna().all()
    assert not t["flags"].fillna("").str.contains("not-evaluated").any()


def test_a_window_longer_than_the_panel_is_an_error() -> None:
    """window = 4 with 2020–2022 only: every compound growth would be missing without a word,
    so it stops and says which years the rules ask for (and suggests a smaller window)."""
    rows = [row for code in ("A", "B") for row in full(code, range(2020, 2023))]
    with pytest.raises(DataError, match="2019—2022") as caught:
        growth_features(panel(rows), 2022, 4)
    assert "selection.window" in str(caught.value)
