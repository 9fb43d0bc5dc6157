"""`mujun demo` goes through the bureau's year: 2020 and 2021 archived, 2022 graded against them.

Checked from what a bureau would look at: the archive holds the three years, each migration
matrix adds up to the firms evaluated in that class in both years (counted from the archived
results, not from the history code), and every amount of the power company's list is the rate of
the firm's consecutive-D count (counted by hand from the archived tiers) times its kWh.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

import mujun
from mujun.cli import app
from mujun.clirun import demo_archive

pytestmark = pytest.mark.slow
REGION = "蚌埠市固镇县"
RATES = (0.05, 0.10, 0.15)  # the demo rules' 元/kWh for the 1st, 2nd, 3rd-and-later D year


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cycle") / "demo"
    for _ in range(2):  # run twice: the archive must not grow the second time
        result = CliRunner().invoke(app, ["demo", "--out", str(out)])
        assert result.exit_code == 0, result.output
    assert "类别迁移" in result.output and "连续两年及以上为D类" in result.output
    return out


def test_the_archive_holds_each_year_once(demo_run: Path) -> None:
    runs = mujun.Archive(demo_archive(demo_run)).runs()
    assert sorted(runs["year"]) == [2020, 2021, 2022]
    assert runs["current"].all()


def test_migration_adds_up_to_the_firms_evaluated_in_both_years(demo_run: Path) -> None:
    archive = mujun.Archive(demo_archive(demo_run))
    found = mujun.history.migration.history(archive.tiers(REGION))
    by_year = {
        y: archive.results(REGION, y).query("status == 'evaluated'") for y in (2020, 2021, 2022)
    }
    checked = 0
    for klass in found.classes():
        for a, b in found.pairs():
            before = set(by_year[a].loc[by_year[a]["class"] == klass, "credit_code"])
            after = set(by_year[b].loc[by_year[b]["class"] == klass, "credit_code"])
            matrix = found.matrix(klass, a)
            assert int(matrix.to_numpy().sum()) == len(before & after) > 0
            checked += 1
    assert checked == 4  # two classes × (2020→2021, 2021→2022)


def _policy_sheet(folder: Path) -> pd.DataFrame:
    book = next(folder.glob("差别化政策清单_*.xlsx"))
    rows = list(openpyxl.load_workbook(book, read_only=True)["差别化电价加价"].values)
    at = next(i for i, r in enumerate(rows) if r and "统一社会信用代码" in r)
    frame = pd.DataFrame(rows[at + 1 :], columns=[str(c).split("\n")[0] for c in rows[at]])
    return frame.dropna(subset=["统一社会信用代码"])


def test_each_surcharge_is_the_rate_of_its_consecutive_d_years_times_kwh(demo_run: Path) -> None:
    archive = mujun.Archive(demo_archive(demo_run))
    tiers = {
        y: archive.results(REGION, y).set_index("credit_code")["tier"] for y in (2020, 2021, 2022)
    }
    now = pd.read_csv(demo_run / "results.csv", dtype={"credit_code": str})
    d_firms = now.loc[now["tier"] == "D", "credit_code"]
    sheet = _policy_sheet(demo_run).set_index("统一社会信用代码")
    assert sorted(sheet.index) == sorted(d_firms)  # every D firm, and only they
    kwh = pd.read_parquet(demo_run / "table.parquet").set_index("credit_code")["electricity_kwh"]
    charged = 0
    for code in d_firms:  # a loop over the 16 D firms of a test, by hand
        years = 1
        for y in (2021, 2020):
            if tiers[y].get(code) != "D":
                break
            years += 1
        row = sheet.loc[code]
        assert int(row["连续年数"]) == years
        rate = RATES[min(years, 3) - 1]
        assert float(row["费率"]) == pytest.approx(rate)
        if pd.isna(kwh.get(code)):
            assert pd.isna(row["金额（元）"])  # no kWh: no amount, never 0
            continue
        assert float(row["金额（元）"]) == pytest.approx(rate * float(kwh[code]), abs=0.005)
        charged += 1
    assert charged >= 10
    assert np.any(sheet["连续年数"].astype(int) >= 2)  # the demo has repeat D firms
