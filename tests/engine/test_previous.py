"""Last year's data: previous(field), benchmarks of year = "previous", and the rows of year − 1
of a two-year panel (taken out of the results, each accounted for by an info issue)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import YEAR, credit_code, indicator_toml, one_class_rules, one_class_text
from hypothesis import given, settings
from hypothesis import strategies as st

import mujun
from mujun.datafiles import not_data
from mujun.errors import RulesError

GROWTH = indicator_toml(
    "growth", "tax_paid / previous(tax_paid)", 40, 'method = "goalposts", lo = 0.5, hi = 1.5'
)
HUAIAN = indicator_toml(  # 淮安: benchmark ≈ 2 × the county's average last year
    "tax_per_mu",
    "tax_paid / land_mu",
    60,
    'method = "ratio", benchmark = "mean", factor = 2.0, year = "previous", cap = 2.0',
)


def panel_frame() -> pd.DataFrame:
    """Three firms this year, two of them (and one firm gone since) last year, and a row of
    two years ago. land 10 mu each."""
    rows = [
        # firm, year, tax
        (0, YEAR, 200.0),
        (1, YEAR, 90.0),
        (2, YEAR, 50.0),  # new this year: no last year
        (0, YEAR - 1, 100.0),
        (1, YEAR - 1, 100.0),
        (3, YEAR - 1, 400.0),  # gone this year; still in last year's class
        (0, YEAR - 2, 10.0),  # two years ago: the wrong year
    ]
    return pd.DataFrame(
        {
            "credit_code": [credit_code(i) for i, _, _ in rows],
            "year": [y for _, y, _ in rows],
            "name": [f"企业{i}" for i, _, _ in rows],
            "above_scale": True,
            "land_owned_mu": 10.0,
            "tax_paid": [t for _, _, t in rows],
        }
    )


def this_year(ev: mujun.Evaluation) -> pd.DataFrame:
    return ev.results[ev.results["year"] == YEAR].set_index("credit_code")


def test_previous_and_last_years_benchmark_known_answer() -> None:
    rules = one_class_rules(HUAIAN + GROWTH)
    assert rules.reads_previous_year() and rules.previous_fields() == {"tax_paid"}
    ev = mujun.evaluate(panel_frame(), rules)
    res = this_year(ev)
    # growth: firm 0: 200 / 100 = 2 → goalposts (2 − 0.5)/(1.5 − 0.5) clipped 1 → 40;
    # firm 1: 90 / 100 = 0.9 → 0.4 × 40 = 16; firm 2: no last year → NaN, missing "zero" → 0
    np.testing.assert_allclose(
        res.loc[[credit_code(i) for i in range(3)], "score_growth"], [40, 16, 0]
    )
    assert np.isnan(res.at[credit_code(2), "value_growth"])
    # last year's class: firms 0, 1, 3 at 10, 10, 40 万元/亩 → mean 20 × 2 = 40; this year
    # firm 0: 20 / 40 × 60 = 30; firm 1: 9 / 40 × 60 = 13.5; firm 2: 5 / 40 × 60 = 7.5
    np.testing.assert_allclose(
        res.loc[[credit_code(i) for i in range(3)], "score_tax_per_mu"], [30, 13.5, 7.5]
    )
    bench = ev.benchmarks.query("indicator == 'tax_per_mu'")
    assert bench["benchmark"].tolist() == [40.0] and bench["members"].tolist() == [3]
    missing = ev.issues.query("code == 'previous-missing'")
    assert missing["credit_code"].tolist() == [credit_code(2)]
    assert f"{YEAR - 1}年" in missing["message"].iat[0]
    assert (missing["severity"] == "info").all()


def test_every_input_row_is_accounted_for() -> None:
    # 7 input rows: 4 of this year or two years ago in the results (the row of YEAR − 2 is
    # rejected as the wrong year), 3 of last year each an info issue, in no result row
    rules = one_class_rules(HUAIAN + GROWTH)
    frame = panel_frame()
    ev = mujun.evaluate(frame, rules)
    last = ev.issues.query("code == 'previous-year-row'")
    assert len(ev.results) + len(last) == len(frame)
    assert sorted(last["credit_code"]) == sorted(credit_code(i) for i in (0, 1, 3))
    assert (last["severity"] == "info").all()
    assert (ev.results["year"] != YEAR - 1).all()
    old = ev.results[ev.results["year"] == YEAR - 2]
    assert old["status"].tolist() == ["rejected"]
    assert (ev.results["status"] != "exempt").all()  # last year's rows are no 免评 firms
    assert ev.provenance["rows"]["input"] == len(ev.results)


def test_rules_that_do_not_read_last_year_reject_its_rows() -> None:
    rules = one_class_rules(
        indicator_toml(
            "tax_per_mu", "tax_paid / land_mu", 100, 'method = "ratio", benchmark = "mean"'
        )
    )
    assert not rules.reads_previous_year()
    ev = mujun.evaluate(panel_frame(), rules)
    assert len(ev.results) == 7
    assert (ev.results.loc[ev.results["year"] != YEAR, "status"] == "rejected").all()
    assert not (ev.issues["code"] == "previous-year-row").any()


def test_no_last_year_at_all() -> None:
    # a panel of this year only: one warning; previous() missing for each firm (info); the
    # last-year benchmark cannot be computed: that item scores 0 with benchmark-unusable
    rules = one_class_rules(HUAIAN + GROWTH)
    frame = panel_frame().query(f"year == {YEAR}")
    ev = mujun.evaluate(frame, rules)
    codes = ev.issues["code"].tolist()
    assert codes.count("previous-year-none") == 1
    assert codes.count("previous-missing") == 3
    assert "benchmark-unusable" in codes
    assert (ev.results["score_tax_per_mu"] == 0).all()


def test_last_years_class_follows_exclusions_and_class_when() -> None:
    # firm 3 last year excluded (exempt): last year's class is firms 0, 1 at 10 万元/亩 →
    # mean 10 × 2 = 20; firm 0 now: 20 / 20 × 60 = 60 (the cap 2 × 60 = 120 does not bind)
    exclude = '\n[[exclude]]\nwhen = "tax_paid >= 400"\nstatus = "exempt"\nreason = "测试免评"\n'
    rules = one_class_rules(HUAIAN + GROWTH, exclude=exclude)
    ev = mujun.evaluate(panel_frame(), rules)
    res = this_year(ev)
    assert res.at[credit_code(0), "score_tax_per_mu"] == pytest.approx(60)
    # and a firm not above scale last year is in no class then
    frame = panel_frame()
    frame.loc[(frame["year"] == YEAR - 1) & (frame["tax_paid"] == 400), "above_scale"] = False
    ev = mujun.evaluate(frame, one_class_rules(HUAIAN + GROWTH))
    assert ev.benchmarks.query("indicator == 'tax_per_mu'")["members"].tolist() == [2]


def test_previous_by_group_benchmark() -> None:
    # by park: last year 东区 firms 0, 1 (10, 10 → mean 10), 西区 firm 3 (40); × 1
    # weight 100: firm 0 (东区) 20 / 10 × 100 → capped at 2 × 100 = 200; firm 2 (西区) 5 / 40 ×
    # 100 = 12.5
    frame = panel_frame()
    frame["park"] = np.where(frame["credit_code"] == credit_code(3), "西区", "东区")
    frame.loc[frame["credit_code"] == credit_code(2), "park"] = "西区"
    ind = indicator_toml(
        "tax_per_mu",
        "tax_paid / land_mu",
        100,
        'method = "ratio", benchmark = "mean", by = "park", year = "previous", cap = 2.0',
    )
    ev = mujun.evaluate(frame, one_class_rules(ind))
    res = this_year(ev)
    assert res.at[credit_code(0), "score_tax_per_mu"] == pytest.approx(200)
    assert res.at[credit_code(2), "score_tax_per_mu"] == pytest.approx(12.5)  # 5/40 × 100


@settings(max_examples=15, deadline=None)
@given(st.permutations(list(range(7))))
def test_row_order_of_the_panel_does_not_matter(order: list[int]) -> None:
    rules = one_class_rules(HUAIAN + GROWTH)
    frame = panel_frame()
    base = mujun.evaluate(frame, rules).results.sort_values(["credit_code", "year"])
    shuffled = mujun.evaluate(frame.iloc[order].reset_index(drop=True), rules).results
    shuffled = shuffled.sort_values(["credit_code", "year"])
    for column in ("status", "score_growth", "score_tax_per_mu", "total_score"):
        pd.testing.assert_series_equal(
            base[column].reset_index(drop=True), shuffled[column].reset_index(drop=True)
        )


@pytest.mark.parametrize(
    ("formula", "words"),
    [
        ("previous(1)", "参数须为一个字段名"),
        ("previous(tax_paid + 1)", "参数须为一个字段名"),
        ("previous(tax_paidd)", "未知"),
        ("previous(tax_paid, revenue)", "参数个数不对"),
    ],
)
def test_previous_takes_one_field_name(formula: str, words: str) -> None:
    with pytest.raises(RulesError, match=words):
        one_class_rules(indicator_toml("g", formula, 100, 'method = "rank"'))


def test_a_folder_keeps_last_years_file_when_the_rules_read_it(tmp_path: Path) -> None:
    old = tmp_path / "税收_上年.csv"
    old.write_text(
        f"统一社会信用代码,年度,实缴税金\n{credit_code(0)},{YEAR - 1},100\n", encoding="utf-8"
    )
    assert not_data(old, YEAR) is not None  # skipped: a file of another year
    assert not_data(old, YEAR, previous=True) is None
    assert not_data(old, YEAR + 1, previous=True) is not None  # two years before: skipped


def test_run_on_a_folder_reads_last_years_file_when_the_rules_need_it(tmp_path: Path) -> None:
    # a folder of 2022's firms, 2021's (last year) and 2020's: the rules read previous(), so
    # 2021's file is read (its 2 rows accounted for as last year's data), 2020's is skipped
    from cli_setup import RULES, code, invoke, make_files

    files = make_files(tmp_path)
    rules = tmp_path / "增长.toml"
    rules.write_text(
        RULES.replace(
            'formula = "tax_paid / land_mu"', 'formula = "tax_paid / previous(tax_paid)"'
        ).replace("benchmark = 10 }", 'benchmark = "mean" }'),
        encoding="utf-8",
    )
    folder = tmp_path / "数据"
    folder.mkdir()
    (folder / "企业.csv").write_bytes(files["data"].read_bytes())
    for year in (2021, 2020):
        old = pd.DataFrame(
            {"credit_code": [code(0), code(1)], "year": year, "tax_paid": [50.0, 200.0]}
        )
        old.to_csv(folder / f"税收_{year}.csv", index=False)
    out = tmp_path / "out"
    rc, text = invoke("run", "-r", rules, "-d", folder, "-o", out)
    assert rc == 0, text
    flat = "".join(text.split())
    assert "跳过" in flat and "税收_2020.csv" in flat and "税收_2021.csv" not in flat
    results = pd.read_csv(out / "results.csv", encoding="utf-8-sig")
    assert len(results) == 4 and (results["year"] == 2022).all()
    # firm 0: 100 / 50 = 2, firm 1: 100 / 200 = 0.5; firms 2, 3 have no last year
    assert results["value_tax_per_mu"].tolist()[:2] == [2.0, 0.5]
    issues = pd.read_csv(out / "issues.csv", encoding="utf-8-sig")
    assert (issues["code"] == "previous-year-row").sum() == 2
    assert (issues["code"] == "previous-missing").sum() == 2


@settings(max_examples=20, deadline=None)
@given(st.lists(st.sampled_from([YEAR, YEAR - 1, YEAR - 2]), min_size=1, max_size=12))
def test_every_row_of_any_panel_is_in_the_results_or_a_last_year_issue(years: list[int]) -> None:
    frame = pd.DataFrame(
        {
            "credit_code": [credit_code(i) for i in range(len(years))],
            "year": years,
            "above_scale": True,
            "land_owned_mu": 10.0,
            "tax_paid": 100.0,
        }
    )
    ev = mujun.evaluate(frame, one_class_rules(HUAIAN + GROWTH))
    last = ev.issues.query("code == 'previous-year-row'")
    assert len(ev.results) + len(last) == len(frame)
    assert sorted([*ev.results["credit_code"], *last["credit_code"]]) == sorted(
        frame["credit_code"]
    )
    assert (ev.results.loc[ev.results["year"] == YEAR - 2, "status"] == "rejected").all()


def test_a_park_workbook_withholds_last_years_benchmark_and_shows_fixed_ends() -> None:
    # last year's benchmark stands on last year's firms, which the evaluation does not hold:
    # withheld from every park's workbook; goalposts' lo/hi are the rules' numbers: shown
    from mujun.export.disclosure import benchmark_shown

    frame = panel_frame()
    frame["park"] = "东区"
    rules = one_class_rules(HUAIAN + GROWTH)
    ev = mujun.evaluate(frame, rules)
    flags = benchmark_shown(ev, (ev.results["park"] == "东区").to_numpy())
    shown = dict(zip(ev.benchmarks["indicator"], flags, strict=True))
    assert shown == {"tax_per_mu": False, "growth": True}


def test_a_firm_given_twice_last_year_counts_once() -> None:
    # firm 3 twice last year, the copies alike: its first row only, in previous() and in the
    # benchmark: last year's class 10, 10, 40 → mean 20 × 2 = 40, as without the copy
    frame = panel_frame()
    copy = frame[frame["credit_code"] == credit_code(3)]
    rules = one_class_rules(HUAIAN + GROWTH)
    ev = mujun.evaluate(pd.concat([frame, copy], ignore_index=True), rules)
    assert ev.benchmarks.query("indicator == 'tax_per_mu'")["benchmark"].tolist() == [40.0]
    assert (ev.issues["code"] == "previous-year-row").sum() == 4
    # copies that disagree (400, then 100) identify no firm-year, as this year they would be
    # rejected: firm 3 is left out of last year's class: 10, 10 → mean 10 × 2 = 20
    ev = mujun.evaluate(pd.concat([frame, copy.assign(tax_paid=100.0)], ignore_index=True), rules)
    assert ev.benchmarks.query("indicator == 'tax_per_mu'")["benchmark"].tolist() == [20.0]


def test_a_pooled_benchmark_of_last_year() -> None:
    # last year Σtax / Σland = (100 + 100 + 400) / 30 = 20; weight 100, cap 2:
    # firm 0: 20 / 20 × 100 = 100; firm 1: 9 / 20 × 100 = 45; firm 2: 5 / 20 × 100 = 25
    ind = indicator_toml(
        "tax_per_mu",
        "tax_paid / land_mu",
        100,
        'method = "ratio", benchmark = "pooled", year = "previous", cap = 2.0',
    )
    ev = mujun.evaluate(panel_frame(), one_class_rules(ind))
    got = this_year(ev).loc[[credit_code(i) for i in range(3)], "score_tax_per_mu"]
    np.testing.assert_allclose(got, [100, 45, 25])


def test_previous_of_a_merged_unit_is_its_members_last_year() -> None:
    """[units] merge_by: firms 0 and 1 (group G) are one unit; previous(tax_paid) of the unit is
    the members' last-year taxes summed, 100 + 100 = 200, against this year's 200 + 90 = 290:
    growth 1.45 → goalposts (1.45 − 0.5) / (1.5 − 0.5) × 40 = 38. Firm 2 (alone, no row last
    year) has no previous value."""
    fixed = indicator_toml(
        "tax_per_mu", "tax_paid / land_mu", 60, 'method = "ratio", benchmark = 10.0'
    )
    text = one_class_text(fixed + GROWTH).replace(
        "[[class]]", '[units]\nmerge_by = "group_code"\n\n[[class]]', 1
    )
    frame = panel_frame()
    frame["group_code"] = ["G", "G", None, "G", "G", None, None]
    ev = mujun.evaluate(frame, mujun.parse_rules(text))
    res = this_year(ev)
    unit = res.loc[[credit_code(0), credit_code(1)]]
    assert unit["score_growth"].tolist() == pytest.approx([38.0, 38.0])
    missing = ev.issues[ev.issues["code"] == "previous-missing"]
    assert set(missing["credit_code"]) == {credit_code(2)}
