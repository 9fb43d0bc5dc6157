"""A park's workbook never shows a figure computed from too few firms of other parks: group
benchmarks (and minima and maxima) over fewer than three firms, or over one or two firms outside
the park, and county figures whose rest (county minus the park) is fewer than three firms or
dominated by one firm. Each test builds a small county, writes the park workbooks and scans every
cell of each for the confidential figures.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import credit_code

import mujun
from mujun.engine.evaluation import COUNTY, Evaluation
from mujun.export.disclosure import (
    COUNTY_NOTE,
    DOMINANCE,
    MIN_FIRMS,
    TOO_FEW,
    WITHHELD,
    benchmark_shown,
    county_cells,
)
from mujun.export.workbooks import park_files, write_workbooks

RULES = """mujun_rules = 1
name = "测试县亩均效益评价"
region = "测试县"
year = 2022

[[class]]
code = "all"
label = "工业企业"
when = "land_mu > 0"

  [[class.indicator]]
  code = "tax_per_mu"
  label = "亩均税收"
  unit = "万元/亩"
  formula = "tax_paid / land_mu"
  weight = 60
  score = SCORE

  [[class.indicator]]
  code = "revenue_per_mu"
  label = "亩均营业收入"
  unit = "万元/亩"
  formula = "revenue / land_mu"
  weight = 40
  score = { method = "ratio", benchmark = "pooled", cap = 1.5 }

  [class.tiers]
  method = "quota"
  shares = { A = 0.3, B = 0.4, C = 0.3 }
  rounding = "half_up"
"""
BY_DIVISION = {
    "median": '{ method = "ratio", benchmark = "median", by = "industry_division", cap = 1.5 }',
    "mean": '{ method = "ratio", benchmark = "mean", by = "industry_division", cap = 1.5 }',
    "pooled": '{ method = "ratio", benchmark = "pooled", by = "industry_division", cap = 1.5 }',
    "minmax": '{ method = "minmax", by = "industry_division", floor = 20 }',
}
WHOLE_CLASS = {
    "median": '{ method = "ratio", benchmark = "median", cap = 1.5 }',
    "minmax": '{ method = "minmax", floor = 20 }',
}


def firms(rows: list[tuple[str, str, float, float, float]]) -> pd.DataFrame:
    """A county from (park, industry code, land, tax, revenue) per firm; value added is a
    fixed share of revenue."""
    park, industry, land, tax, revenue = (list(c) for c in zip(*rows, strict=True))
    n = len(rows)
    return pd.DataFrame(
        {
            "credit_code": [credit_code(100 + i) for i in range(n)],
            "name": [f"企业{i}" for i in range(n)],
            "year": 2022,
            "park": park,
            "industry_code": industry,
            "land_owned_mu": land,
            "tax_paid": tax,
            "revenue": revenue,
            "value_added": [r * 0.31 for r in revenue],
        }
    )


def evaluate(frame: pd.DataFrame, score: str) -> Evaluation:
    rules = mujun.parse_rules(RULES.replace("SCORE", score), file="test.toml")
    return mujun.evaluate(mujun.EnterpriseTable.from_frame(frame), rules)


def cells(path: Path) -> tuple[list[float], list[str]]:
    """Every number and every text of every sheet of the workbook."""
    wb = openpyxl.load_workbook(path)
    numbers: list[float] = []
    texts: list[str] = []
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for v in row:
                if isinstance(v, bool) or v is None:
                    continue
                if isinstance(v, int | float):
                    numbers.append(float(v))
                else:
                    texts.append(str(v))
    return numbers, texts


def shows(numbers: list[float], texts: list[str], value: float) -> bool:
    """Whether `value` appears in a cell, as a number or written in a text (4 significant
    digits, as the 说明 sheet writes minima and maxima)."""
    if any(np.isclose(n, value, rtol=1e-9, atol=0.0) for n in numbers):
        return True
    return any(f"{value:.4g}" in t for t in texts)


def park_books(ev: Evaluation, tmp_path: Path) -> dict[str, Path]:
    write_workbooks(ev, tmp_path, publication=False)
    return {park: tmp_path / name for park, name in park_files(ev).items()}


# 甲园区: five firms of division 29, three of 13; 乙园区: one of 29, one alone in 33, three of 13
LONE_TAX, LONE_LAND = 123.4567, 10.0
COUNTY_ROWS = [
    *[("甲园区", "2911", 10.0 + i, 50.0 + 7.3 * i, 900.0 + 31.0 * i) for i in range(5)],
    *[("甲园区", "1311", 12.0 + i, 40.0 + 5.1 * i, 700.0 + 17.0 * i) for i in range(3)],
    ("乙园区", "2911", 14.0, 81.77, 1234.5),
    ("乙园区", "3311", LONE_LAND, LONE_TAX, 2222.2),
    *[("乙园区", "1311", 9.0 + i, 30.0 + 4.4 * i, 650.0 + 13.0 * i) for i in range(3)],
]


@pytest.mark.parametrize("method", sorted(BY_DIVISION))
def test_a_lone_firms_division_benchmark_is_shown_to_no_park(method: str, tmp_path: Path) -> None:
    ev = evaluate(firms(COUNTY_ROWS), BY_DIVISION[method])
    lone = LONE_TAX / LONE_LAND
    bench = ev.benchmarks[ev.benchmarks["indicator"] == "tax_per_mu"]
    by_group = bench.set_index("group")
    lone_group = next(g for g in by_group.index if g.startswith("33"))
    stat = by_group.loc[lone_group, "maximum" if method == "minmax" else "benchmark"]
    assert stat == pytest.approx(lone)  # the benchmark is that one firm's value
    books = park_books(ev, tmp_path)
    numbers, texts = cells(books["甲园区"])
    assert not shows(numbers, texts, lone)
    for park, path in books.items():  # 乙园区 sees its own firm's value, not as a benchmark
        assert any(TOO_FEW in t for t in cells(path)[1]), park
    # division 29 holds one firm of 乙园区: 甲园区 must not see its benchmark, 乙园区 may
    group29 = next(g for g in by_group.index if g.startswith("29"))
    if method != "minmax":
        value = float(by_group.loc[group29, "benchmark"])
        assert not shows(*cells(books["甲园区"]), value)
        assert shows(*cells(books["乙园区"]), value)
    # division 13: three firms in each park, shown to both
    group13 = next(g for g in by_group.index if g.startswith("13"))
    if method != "minmax":
        value = float(by_group.loc[group13, "benchmark"])
        assert all(shows(*cells(p), value) for p in books.values())


def test_the_internal_workbook_still_shows_every_benchmark(tmp_path: Path) -> None:
    ev = evaluate(firms(COUNTY_ROWS), BY_DIVISION["median"])
    internal = write_workbooks(ev, tmp_path, parks=False, publication=False)[0]
    numbers, texts = cells(internal)
    assert shows(numbers, texts, LONE_TAX / LONE_LAND)
    assert not any(TOO_FEW in t for t in texts)


@pytest.mark.parametrize("method", sorted(WHOLE_CLASS))
def test_class_wide_statistics_over_one_or_two_other_firms_are_withheld(
    method: str, tmp_path: Path
) -> None:
    rows = [("甲园区", "2911", 10.0 + i, 50.0 + 3.3 * i, 800.0 + 9.0 * i) for i in range(5)]
    rows.append(("乙园区", "2911", 11.0, 999.123, 5000.0))  # the top of the class
    ev = evaluate(firms(rows), WHOLE_CLASS[method])
    top = 999.123 / 11.0
    books = park_books(ev, tmp_path)
    numbers, texts = cells(books["甲园区"])  # one firm outside 甲园区 behind the statistic
    assert any(TOO_FEW in t for t in texts)
    assert not shows(numbers, texts, top)
    bench = ev.benchmarks[ev.benchmarks["indicator"] == "tax_per_mu"].iloc[0]
    if method == "median":  # of six firms: between two values, none a firm's own
        assert not shows(numbers, texts, float(bench["benchmark"]))
    else:
        assert float(bench["maximum"]) == pytest.approx(top)


def test_benchmark_flags_follow_the_counts() -> None:
    ev = evaluate(firms(COUNTY_ROWS), BY_DIVISION["median"])
    parks = ev.results["park"].to_numpy(dtype=object)
    bench = ev.benchmarks
    for park in ("甲园区", "乙园区"):
        flags = benchmark_shown(ev, parks == park)
        for row, flag in zip(bench.itertuples(index=False), flags, strict=True):
            if row.indicator != "tax_per_mu":
                assert flag  # the pooled class-wide benchmark over ten firms
                continue
            code = row.group[:2]
            mine = sum(1 for p, c, *_ in COUNTY_ROWS if p == park and c.startswith(code))
            if row.group == "（全体）":
                mine = sum(1 for p, *_ in COUNTY_ROWS if p == park)
            outside = row.members - mine
            expected = row.members >= MIN_FIRMS and (outside == 0 or outside >= MIN_FIRMS)
            assert flag == expected, (park, row.group)


def test_county_cells_when_the_rest_is_one_firm(tmp_path: Path) -> None:
    rows = [("甲园区", "2911", 10.0 + i, 50.0 + 7.0 * i, 900.0 + 31.0 * i) for i in range(5)]
    rows.append(("乙园区", "2911", 17.5, 88.88, 3333.3))
    ev = evaluate(firms(rows), '{ method = "ratio", benchmark = "pooled", cap = 1.5 }')
    summary = ev.summary("park").set_index("park")
    county = summary.iloc[-1]
    other = summary.loc["乙园区"]
    confidential = [
        county["land_mu"],
        county["tax_per_mu"],
        county["revenue_per_mu"],
        county["value_added_per_mu"],
        summary.loc["甲园区", "tax_per_mu_index"],
        summary.loc["甲园区", "revenue_per_mu_index"],
        other["tax_per_mu"],
        other["revenue_per_mu"],
        88.88,
        17.5,
    ]
    books = park_books(ev, tmp_path)
    numbers, texts = cells(books["甲园区"])
    for value in confidential:
        assert not shows(numbers, texts, float(value)), value
    assert WITHHELD in texts and COUNTY_NOTE in texts
    # the county's firm counts are not confidential and stay
    assert int(county["firms"]) in numbers
    # 乙园区's rest is 甲园区's five firms: it sees the county figures
    numbers, _ = cells(books["乙园区"])
    assert shows(numbers, [], float(county["tax_per_mu"]))
    assert shows(numbers, [], float(county["land_mu"]))


def test_a_dominant_firm_of_the_rest_hides_that_figure_only(tmp_path: Path) -> None:
    rows = [("甲园区", "2911", 10.0 + i, 50.0 + 7.0 * i, 900.0 + 31.0 * i) for i in range(3)]
    # 乙园区: four firms, one paying nearly all of its tax, revenue spread evenly
    rows += [("乙园区", "2911", 10.0, 2.0, 1000.0 + i) for i in range(3)]
    rows.append(("乙园区", "2911", 10.0, 500.0, 1003.0))
    ev = evaluate(firms(rows), '{ method = "ratio", benchmark = "pooled", cap = 1.5 }')
    assert DOMINANCE <= 500.0 / 506.0
    county = ev.summary("park").iloc[-1]
    numbers, _texts = cells(park_books(ev, tmp_path)["甲园区"])
    assert not shows(numbers, [], float(county["tax_per_mu"]))
    assert shows(numbers, [], float(county["revenue_per_mu"]))
    assert shows(numbers, [], float(county["land_mu"]))
    parks = ev.results["park"].to_numpy(dtype=object)
    flags = county_cells(ev, parks == "甲园区")
    assert flags.county == {
        "land_mu": True,
        "tax_per_mu": False,
        "revenue_per_mu": True,
        "value_added_per_mu": True,
    }


def test_division_rows_of_the_county_need_three_other_firms(tmp_path: Path) -> None:
    ev = evaluate(firms(COUNTY_ROWS), '{ method = "ratio", benchmark = "pooled", cap = 1.5 }')
    divisions = ev.summary("industry_division").set_index("industry_division").iloc[:-1]
    d29 = next(d for d in divisions.index if d.startswith("29"))
    d13 = next(d for d in divisions.index if d.startswith("13"))
    numbers, texts = cells(park_books(ev, tmp_path)["甲园区"])
    # division 29: 甲园区 five firms, the rest one firm; division 13: three and three
    assert not shows(numbers, texts, float(divisions.at[d29, "tax_per_mu"]))
    assert shows(numbers, texts, float(divisions.at[d13, "tax_per_mu"]))


def test_random_small_counties_leak_no_hidden_benchmark(tmp_path: Path) -> None:
    """Many small counties with random parks and divisions: every benchmark a park may not see
    appears in none of its cells."""
    rng = np.random.default_rng(12)
    for trial in range(4):
        n = int(rng.integers(5, 14))
        rows: list[tuple[str, str, float, float, float]] = [
            (
                str(rng.choice(["甲园区", "乙园区", "丙园区"])),
                str(rng.choice(["2911", "3311", "1311"])),
                float(np.round(rng.uniform(5, 30), 2)),
                float(np.round(rng.uniform(10, 300), 3)),
                float(np.round(rng.uniform(500, 5000), 1)),
            )
            for _ in range(n)
        ]
        ev = evaluate(firms(rows), BY_DIVISION[["median", "mean", "pooled"][trial % 3]])
        parks = ev.results["park"].to_numpy(dtype=object)
        out = tmp_path / str(trial)
        books = park_books(ev, out)
        for park, path in books.items():
            flags = benchmark_shown(ev, parks == park)
            visible = set(ev.benchmarks.loc[flags, "benchmark"].dropna().round(9))
            values = ev.results.loc[parks == park, ["value_tax_per_mu", "value_revenue_per_mu"]]
            mine = set(values.stack().round(9))  # a median may be one of the park's own
            numbers, texts = cells(path)
            for row in ev.benchmarks.loc[~flags].itertuples(index=False):
                if row.group == "（全体）":
                    own = sum(1 for r in rows if r[0] == park)
                else:
                    code = f"{int(float(row.group)):02d}"
                    own = sum(1 for r in rows if r[0] == park and r[1].startswith(code))
                if own == row.members or round(float(row.benchmark), 9) in visible | mine:
                    continue  # the park's own figure, or also a statistic it may see
                assert not shows(numbers, texts, float(row.benchmark)), (trial, park, row)


def test_summary_notes_only_in_park_workbooks(tmp_path: Path) -> None:
    ev = evaluate(firms(COUNTY_ROWS), BY_DIVISION["median"])
    internal = write_workbooks(ev, tmp_path, publication=False)[0]
    _, texts = cells(internal)
    assert COUNTY_NOTE not in texts and WITHHELD not in texts
    assert COUNTY in ev.summary("park")["park"].tolist()


def test_the_class_wide_label_is_the_engines() -> None:
    from mujun.engine.scoring import WHOLE as ENGINE_WHOLE
    from mujun.export import disclosure

    assert disclosure.WHOLE == ENGINE_WHOLE
