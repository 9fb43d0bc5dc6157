"""Cultivation lists (培育库): 小升规 candidates, lists defined by the rules, their reasons, and
the validation of the rules' `[selection]` settings."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from conftest import RULES_TEXT, YEAR

import mujun
from mujun.errors import RulesError
from mujun.fields import FIELDS, label
from mujun.rules import Rules
from mujun.sample.synthetic import generate_county
from mujun.selection.growth import growth_features
from mujun.selection.watch import RISING, RISING_LABEL, WATCH_COLUMNS, watch_lists

YEARS = (YEAR - 2, YEAR - 1, YEAR)
LINE = 2000.0

ZJTX = """
[[selection.watch]]
code = "zjtx"
label = "专精特新培育"
when = "rd_expense / revenue >= 0.03 and cagr_revenue >= 0.1"
reason = "研发投入强度≥3%且营业收入年均增长≥10%"
"""
HIGH_TECH = """
[[selection.watch]]
code = "gaoxin"
label = "高新技术企业培育"
when = "high_tech and revenue_share >= 0.01"
reason = "高新技术企业且营业收入占全县比重≥1%"
"""

RISING_TEXT = re.compile(
    r"^营业收入(-?\d+\.\d)万元，距规上标准(\d+)万元差(-?\d+\.\d)万元；按(趋势增速|年均增速|上年增速)"
    r"(-?\d+\.\d)%测算，(\d{4})年预计(-?\d+\.\d)万元$"
)
REACHED_TEXT = re.compile(r"^营业收入(\d+\.\d)万元，已达到规上标准(\d+)万元，尚未纳入规上统计$")


# firm → (above_scale, revenue of YEAR−2, YEAR−1, YEAR) (NaN: no row that year)
NAN = float("nan")
FIRMS: dict[str, tuple[bool, tuple[float, float, float]]] = {
    "TREND": (False, (1250.0, 1500.0, 1800.0)),  # ×1.2 a year: 1800 × 1.2 = 2160 ≥ 2000
    "SMALL": (False, (100.0, 300.0, 900.0)),  # 900 < 0.5 × 2000 = 1000, however fast it grows
    "ABOVE": (True, (1250.0, 1500.0, 1800.0)),  # 规上: never a candidate
    "BIG_ABOVE": (True, (2500.0, 2600.0, 2700.0)),
    "AT_LINE": (False, (1800.0, 1900.0, 2000.0)),  # exactly at the line: reached
    "OVER": (False, (3000.0, 2800.0, 2600.0)),  # above the line though shrinking: reached
    "SLOW": (False, (1250.0, 1370.0, 1500.0)),  # ≈ +9.5 % a year: 1500 × 1.095 ≈ 1643 < 2000
    "LATEST_ONLY": (False, (NAN, 1600.0, 1900.0)),  # two years: last year's growth 18.75 %
    "CAGR_ONLY": (False, (1500.0, 0.0, 1900.0)),  # a zero year: no trend, no last-year growth
    "NO_RATE": (False, (NAN, NAN, 1950.0)),  # one year: no rate, not projected
    "NEAR": (False, (100.0, 316.2, 1000.0)),  # exactly near × line, growing fast
    "GONE": (False, (1800.0, 1900.0, NAN)),  # no row in the evaluation year
}


def hand_panel() -> pd.DataFrame:
    rows = []
    for i, (code, (above, revenues)) in enumerate(FIRMS.items()):
        for year, revenue in zip(YEARS, revenues, strict=True):
            if np.isnan(revenue):
                continue
            rows.append(
                {
                    "credit_code": code,
                    "year": year,
                    "name": f"企业{code}",
                    "park": ["东区", "西区"][i % 2],
                    "industry_code": "3311",
                    "above_scale": above,
                    "revenue": revenue,
                    "tax_paid": revenue * 0.03,
                    "value_added": revenue * 0.25,
                    "rd_expense": revenue * (0.05 if i % 3 == 0 else 0.01),
                    "high_tech": i % 2 == 0,
                }
            )
    return pd.DataFrame(rows)


def lists_of(
    panel: pd.DataFrame, rules: Rules, year: int = YEAR
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(watch lists, growth table) of a panel."""
    grown = growth_features(panel, year, 3)
    return watch_lists(grown.table, grown.latest, rules, year), grown.table


def with_watch(*blocks: str) -> Rules:
    return mujun.parse_rules(RULES_TEXT + "".join(blocks))


@pytest.fixture(scope="module")
def base_rules() -> Rules:
    return mujun.parse_rules(RULES_TEXT)


@pytest.fixture(scope="module")
def hand(base_rules: Rules) -> tuple[pd.DataFrame, pd.DataFrame]:
    return lists_of(hand_panel(), base_rules)


def row_of(frame: pd.DataFrame, code: str) -> pd.Series:
    hit = frame[frame["credit_code"] == code]
    assert len(hit) == 1, code
    return hit.iloc[0]


def rising_codes(watch: pd.DataFrame) -> set[str]:
    return set(watch.loc[watch["list"] == RISING, "credit_code"])


# ---- 小升规 --------------------------------------------------------------------------------


def test_rising_lists_exactly_the_candidates(hand: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """Who is on the 小升规 list of the hand-made county, and who is not."""
    watch, _ = hand
    assert rising_codes(watch) == {"TREND", "AT_LINE", "OVER", "LATEST_ONLY", "CAGR_ONLY", "NEAR"}
    assert list(watch.columns) == list(WATCH_COLUMNS)
    assert set(watch["list"]) == {RISING}
    assert set(watch["list_label"]) == {RISING_LABEL}


def test_rising_projection_by_trend(hand: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """1800 at a +20 % trend: projected 1800 × 1.2 = 2160, with the reason in words."""
    watch, table = hand
    trend = row_of(table, "TREND")["trend_revenue"]
    # ln revenue rises by ln 1.2 every year, so the trend is 20 %
    assert trend == pytest.approx(0.2, abs=1e-12)
    got = row_of(watch, "TREND")
    assert got["revenue"] == 1800.0
    assert got["projected_revenue"] == pytest.approx(1800.0 * (1.0 + trend), rel=1e-12)
    assert got["projected_revenue"] == pytest.approx(2160.0, abs=1e-9)
    assert got["reasons"] == (
        "营业收入1800.0万元，距规上标准2000万元差200.0万元；"
        f"按趋势增速20.0%测算，{YEAR + 1}年预计2160.0万元"
    )
    assert got["name"] == "企业TREND" and got["industry_code"] == "3311"


def test_rising_not_listed(hand: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """Below near × line, 规上, projected short of the line, no rate, or gone: not listed."""
    watch, table = hand
    listed = rising_codes(watch)
    # SMALL grows 200 % a year (900 × 3 = 2700) but 900 < 0.5 × 2000 = 1000
    assert row_of(table, "SMALL")["trend_revenue"] > 1.0
    # SLOW: CAGR (1500 / 1250) ** (1 / 2) − 1 ≈ 9.54 %, the trend close to it: ≈ 1643 < 2000
    assert row_of(table, "SLOW")["trend_revenue"] == pytest.approx(0.095, abs=5e-3)
    for code in ("SMALL", "ABOVE", "BIG_ABOVE", "SLOW", "NO_RATE", "GONE"):
        assert code not in listed, code


def test_rising_reached_the_line(hand: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """A 规下 firm at or above 2000 is listed as having reached the line (已达到规上标准)."""
    watch, _ = hand
    at, over = row_of(watch, "AT_LINE"), row_of(watch, "OVER")
    assert at["reasons"] == "营业收入2000.0万元，已达到规上标准2000万元，尚未纳入规上统计"
    assert over["reasons"] == "营业收入2600.0万元，已达到规上标准2000万元，尚未纳入规上统计"
    assert "已达到规上标准" in at["reasons"]


def test_rising_fallback_rates(hand: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """No trend: the window's CAGR; no trend and no CAGR: last year's growth."""
    watch, table = hand
    cagr_only = row_of(table, "CAGR_ONLY")
    assert np.isnan(cagr_only["trend_revenue"]) and np.isnan(cagr_only["growth_latest"])
    # (1900 / 1500) ** (1 / 2) − 1 ≈ 12.546 %
    rate = (1900.0 / 1500.0) ** 0.5 - 1.0
    got = row_of(watch, "CAGR_ONLY")
    assert got["projected_revenue"] == pytest.approx(1900.0 * (1.0 + rate), rel=1e-12)
    assert "按年均增速12.5%测算" in got["reasons"]

    latest_only = row_of(table, "LATEST_ONLY")
    assert np.isnan(latest_only["trend_revenue"]) and np.isnan(latest_only["cagr_revenue"])
    # 1900 / 1600 − 1 = 18.75 %: 1900 × 1.1875 = 2256.25
    got = row_of(watch, "LATEST_ONLY")
    assert got["projected_revenue"] == pytest.approx(2256.25, rel=1e-12)
    assert "按上年增速18.8%测算" in got["reasons"]  # 18.75 printed with one decimal
    assert got["reasons"].endswith("年预计2256.2万元")


def test_rising_near_bound_included(hand: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """Revenue exactly near × line (1000) counts as near."""
    watch, table = hand
    got = row_of(watch, "NEAR")
    trend = row_of(table, "NEAR")["trend_revenue"]
    assert got["projected_revenue"] == pytest.approx(1000.0 * (1.0 + trend), rel=1e-12)
    assert "差1000.0万元" in got["reasons"]


def test_rising_sorted_by_revenue(hand: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    watch, _ = hand
    revenue = watch["revenue"].to_numpy()
    assert (np.diff(revenue) <= 0).all()


def test_rising_settings_from_the_rules() -> None:
    """line and near come from [selection.rising]: line 1600, near 0.9 → from 1440 up."""
    rules = with_watch("\n[selection.rising]\nline = 1600.0\nnear = 0.9\n")
    watch, _ = lists_of(hand_panel(), rules)
    # TREND 1800 ≥ 1600: reached; SLOW 1500 ≥ 1440 and ≈ 1643 ≥ 1600: rising;
    # NEAR 1000 < 1440: out; NO_RATE 1950 ≥ 1600: reached
    listed = rising_codes(watch)
    assert {"TREND", "SLOW", "NO_RATE", "AT_LINE", "OVER", "LATEST_ONLY", "CAGR_ONLY"} == listed
    assert row_of(watch, "TREND")["reasons"] == (
        "营业收入1800.0万元，已达到规上标准1600万元，尚未纳入规上统计"
    )
    assert "距规上标准1600万元差100.0万元" in row_of(watch, "SLOW")["reasons"]


def check_rising_reasons(watch: pd.DataFrame, table: pd.DataFrame, line: float, year: int) -> int:
    """Every 小升规 reason's numbers agree with the firm's figures (as rounded when printed)."""
    by_code = table.set_index("credit_code")
    rising = watch[watch["list"] == RISING]
    for _, got in rising.iterrows():
        firm = by_code.loc[got["credit_code"]]
        revenue = firm["revenue"]
        assert got["revenue"] == revenue
        reached = REACHED_TEXT.match(got["reasons"])
        if reached:
            assert revenue >= line
            assert abs(float(reached[1]) - revenue) <= 0.05 + 1e-9
            assert int(reached[2]) == round(line)
            continue
        m = RISING_TEXT.match(got["reasons"])
        assert m, got["reasons"]
        assert revenue < line
        shown_revenue, shown_line, shown_gap = float(m[1]), int(m[2]), float(m[3])
        assert abs(shown_revenue - revenue) <= 0.05 + 1e-9
        assert shown_line == round(line)
        assert abs(shown_gap - (line - revenue)) <= 0.05 + 1e-9
        # the basis is the first defined of trend, CAGR, last year's growth
        for column, words in (
            ("trend_revenue", "趋势增速"),
            ("cagr_revenue", "年均增速"),
            ("growth_latest", "上年增速"),
        ):
            if np.isfinite(firm[column]):
                rate = firm[column]
                assert m[4] == words
                break
        else:
            pytest.fail(f"{got['credit_code']} listed without a rate")
        assert abs(float(m[5]) - 100 * rate) <= 0.05 + 1e-9
        assert int(m[6]) == year + 1
        projected = revenue * (1 + rate)
        assert got["projected_revenue"] == pytest.approx(projected, rel=1e-12)
        assert projected >= line
        assert abs(float(m[7]) - projected) <= 0.05 + 1e-9
    return len(rising)


def test_rising_reasons_are_true_of_the_hand_firms(hand: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    watch, table = hand
    assert check_rising_reasons(watch, table, LINE, YEAR) == 6


@pytest.mark.parametrize("seed", [5, 11])
def test_rising_reasons_are_true_of_a_synthetic_county(base_rules: Rules, seed: int) -> None:
    """Parse every reason of a synthetic county's 小升规 list and compare with the figures."""
    panel = generate_county(300, years=YEARS, seed=seed).drop(columns="archetype")
    watch, table = lists_of(panel, base_rules)
    assert check_rising_reasons(watch, table, LINE, YEAR) > 0
    # and the list is exactly the firms the definition selects
    present = table["credit_code"].isin(panel.loc[panel["year"] == YEAR, "credit_code"])
    below = ~table["above_scale"].fillna(False).astype(bool)
    rate = table["trend_revenue"].fillna(table["cagr_revenue"]).fillna(table["growth_latest"])
    revenue = table["revenue"]
    expected = (
        present
        & below
        & (revenue >= 0.5 * LINE)
        & ((revenue >= LINE) | (revenue * (1 + rate) >= LINE))
    )
    assert rising_codes(watch) == set(table.loc[expected, "credit_code"])


# ---- lists defined in the rules ------------------------------------------------------------


def expected_zjtx(panel: pd.DataFrame, year: int) -> set[str]:
    """The firms with rd_expense / revenue ≥ 3 % and a revenue CAGR ≥ 10 %, by pandas."""
    latest = panel[panel["year"] == year].drop_duplicates("credit_code").set_index("credit_code")
    revenue = panel.pivot_table(
        index="credit_code", columns="year", values="revenue", aggfunc="first"
    )
    base, end = revenue.get(year - 2), revenue.get(year)
    ok = (base > 0) & (end >= 0)
    cagr = ((end / base) ** 0.5 - 1).where(ok)
    intensity = latest["rd_expense"] / latest["revenue"].where(latest["revenue"] != 0)
    hit = (intensity >= 0.03) & (cagr.reindex(latest.index) >= 0.1)
    return set(hit[hit].index)


def number_after(text: str, prefix: str, unit: str) -> float:
    m = re.search(re.escape(prefix) + r"为(-?\d+(?:\.\d+)?)" + re.escape(unit), text)
    assert m, (prefix, text)
    return float(m[1])


@pytest.mark.parametrize("seed", [5, 8])
def test_rules_list_takes_exactly_the_matching_firms(seed: int) -> None:
    """A [[selection.watch]] list holds exactly the firms whose condition holds."""
    rules = with_watch(ZJTX)
    panel = generate_county(300, years=YEARS, seed=seed).drop(columns="archetype")
    watch, _ = lists_of(panel, rules)
    zjtx = watch[watch["list"] == "zjtx"]
    expected = expected_zjtx(panel, YEAR)
    assert expected, "the synthetic county should have some firms on the list"
    assert set(zjtx["credit_code"]) == expected
    assert zjtx["credit_code"].is_unique
    assert set(zjtx["list_label"]) == {"专精特新培育"}
    assert zjtx["projected_revenue"].isna().all()
    assert (np.diff(zjtx["revenue"].to_numpy()) <= 0).all()
    # lists in rules order: 小升规 first
    assert list(dict.fromkeys(watch["list"])) == [
        x for x in (RISING, "zjtx") if x in set(watch["list"])
    ]


def test_rules_list_reasons_name_the_values() -> None:
    """The reason starts with the rules' words and gives each named field's label and value."""
    rules = with_watch(ZJTX)
    panel = generate_county(300, years=YEARS, seed=5).drop(columns="archetype")
    watch, table = lists_of(panel, rules)
    latest = panel[panel["year"] == YEAR].set_index("credit_code")
    growth = table.set_index("credit_code")
    zjtx = watch[watch["list"] == "zjtx"]
    assert len(zjtx) > 0
    rd_label, rev_label, cagr_label = label("rd_expense"), label("revenue"), label("cagr_revenue")
    assert (rd_label, rev_label, cagr_label) == ("研发经费支出", "营业收入", "营业收入年均增速")
    for _, got in zjtx.iterrows():
        text = got["reasons"]
        code = got["credit_code"]
        assert text.startswith("研发投入强度≥3%且营业收入年均增长≥10%：")
        # the names in the order the condition reads them
        positions = [text.index(f"{x}为") for x in (rd_label, rev_label, cagr_label)]
        assert positions == sorted(positions)
        rd = number_after(text, rd_label, FIELDS["rd_expense"].unit)
        assert abs(rd - latest.loc[code, "rd_expense"]) <= 0.005 + 1e-9
        revenue = number_after(text, rev_label, FIELDS["revenue"].unit)
        assert abs(revenue - latest.loc[code, "revenue"]) <= 0.005 + 1e-9
        cagr = number_after(text, cagr_label, "%")
        assert abs(cagr - 100 * growth.loc[code, "cagr_revenue"]) <= 0.05 + 1e-9
        assert rd / revenue >= 0.03 - 1e-4 and cagr >= 10.0 - 0.05


def test_rules_list_on_a_flag_and_a_share() -> None:
    """A condition on a yes/no field and a growth share: 为是 and the share as a percentage."""
    rules = with_watch(ZJTX, HIGH_TECH)
    watch, table = lists_of(hand_panel(), rules)
    growth = table.set_index("credit_code")
    panel = hand_panel()
    latest = panel[panel["year"] == YEAR].set_index("credit_code")
    expected = {
        c
        for c in latest.index
        if latest.loc[c, "high_tech"] and growth.loc[c, "revenue_share"] >= 0.01
    }
    gaoxin = watch[watch["list"] == "gaoxin"]
    assert set(gaoxin["credit_code"]) == expected and expected
    assert "GONE" not in set(watch["credit_code"])
    for _, got in gaoxin.iterrows():
        share = growth.loc[got["credit_code"], "revenue_share"]
        assert got["reasons"] == (
            f"高新技术企业且营业收入占全县比重≥1%：{label('high_tech')}为是，"
            f"{label('revenue_share')}为{100 * share:.1f}%"
        )
    assert list(dict.fromkeys(watch["list"])) == [RISING, "zjtx", "gaoxin"]
    # zjtx on the hand panel: rd 5 % of revenue for every third firm, CAGR ≥ 10 %
    assert set(watch.loc[watch["list"] == "zjtx", "credit_code"]) == expected_zjtx(panel, YEAR)


# ---- validation of [selection] -------------------------------------------------------------


def rules_error(extra: str) -> str:
    with pytest.raises(RulesError) as info:
        mujun.parse_rules(RULES_TEXT + extra, file="r.toml")
    return str(info.value)


def watch_block(code: str = "x", when: str = "revenue > 1") -> str:
    return (
        f'\n[[selection.watch]]\ncode = "{code}"\nlabel = "列表"\n'
        f'when = "{when}"\nreason = "理由"\n'
    )


def test_unknown_name_in_watch_condition() -> None:
    message = rules_error(watch_block(when="revenu > 1000"))
    assert "selection.watch[0].when" in message
    assert "revenu" in message


def test_duplicate_watch_code() -> None:
    message = rules_error(watch_block("same") + watch_block("same", "revenue > 2"))
    assert "selection.watch[1].code" in message and "重复" in message


def test_watch_code_rising_is_reserved() -> None:
    message = rules_error(watch_block("rising"))
    assert "selection" in message and "rising" in message


def test_park_quotas_must_add_up_to_size() -> None:
    message = rules_error('\n[selection]\nsize = 10\npark_quota = { "东区" = 3, "西区" = 4 }\n')
    assert "selection" in message and "size" in message and "7" in message


def test_park_quotas_without_size_set_the_size() -> None:
    rules = mujun.parse_rules(
        RULES_TEXT + '\n[selection]\npark_quota = { "东区" = 3, "西区" = 4 }\n'
    )
    assert rules.selection.size == 7


def test_clusters_min_above_max() -> None:
    message = rules_error("\n[selection.clusters]\nmin = 5\nmax = 3\n")
    assert "selection.clusters" in message and "clusters.min" in message


def test_assignment_min_above_max() -> None:
    message = rules_error("\n[selection.assignment]\nmin_firms = 4\nmax_firms = 3\n")
    assert "selection.assignment" in message and "min_firms" in message


def test_valid_watch_list_parses() -> None:
    rules = with_watch(ZJTX, HIGH_TECH)
    assert [w.code for w in rules.selection.watch] == ["zjtx", "gaoxin"]
    assert rules.selection.rising.line == 2000.0 and rules.selection.rising.near == 0.5


def test_missing_value_in_a_reason_has_no_unit() -> None:
    """A missing number reads 缺失, without the unit after it."""
    rules = with_watch(
        '\n[[selection.watch]]\ncode = "no_rd"\nlabel = "研发数据缺失"\n'
        'when = "isnull(rd_expense)"\nreason = "未报研发经费"\n'
    )
    panel = hand_panel()
    panel.loc[(panel["credit_code"] == "TREND") & (panel["year"] == YEAR), "rd_expense"] = np.nan
    watch, _ = lists_of(panel, rules)
    got = row_of(watch[watch["list"] == "no_rd"], "TREND")
    assert got["reasons"] == "未报研发经费：研发经费支出为缺失"
