"""Hostile cell values: dates no calendar holds and numbers that are not finite.

Each test builds its files in tmp_path and checks that the run goes on, that every row is
accounted for and that the issue names the row and the field.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import read_for
from departments import YEAR, code, issues, make_rules, write_csv, write_xlsx

import mujun

HEADER = ["统一社会信用代码", "企业名称", "实缴税金(万元)", "用地面积(亩)", "成立日期", "是否规上"]
HOSTILE_DATES = ["9999-12-31", "1500-01-01", "-1", "5月1日", "3月", "12:30", "today", "now"]
NON_FINITE = ["inf", "Infinity", "1e309", "-inf", "NaN", "nan", "-Infinity", "1e400万"]


def rows_of(cells: list[object], column: int) -> list[list[object]]:
    """One firm per cell, the cell in `column` of HEADER; the other values plain."""
    rows = []
    for i, cell in enumerate(cells):
        row: list[object] = [code(i + 1), f"企业{i}", 100, 10, "2010-01-01", "是"]
        row[column] = cell
        rows.append(row)
    return rows


def flagged_rows(table: mujun.EnterpriseTable, *codes: str) -> set[int]:
    return {i[3] for c in codes for i in issues(table, c)}


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_hostile_dates_are_issues_and_the_run_goes_on(tmp_path: Path, suffix: str) -> None:
    cells: list[object] = [*HOSTILE_DATES, "2019-05-01"]
    rows = [HEADER, *rows_of(cells, 4)]
    path = tmp_path / f"企业{suffix}"
    (write_csv if suffix == ".csv" else write_xlsx)(path, rows)
    rules = make_rules()
    table = read_for([path], rules)
    assert table.frame["established"].isna().tolist() == [True] * len(HOSTILE_DATES) + [False]
    found = flagged_rows(table, "bad-date-value", "implausible-date")
    assert found == set(range(2, 2 + len(HOSTILE_DATES)))
    assert {i[5] for i in issues(table, "bad-date-value")} == {"established"}
    ev = mujun.evaluate(table, rules)
    assert len(ev.results) == len(cells)
    assert (ev.results["status"] == "evaluated").all()  # a date read as missing rejects no one


def test_workbook_date_and_time_cells(tmp_path: Path) -> None:
    """A time cell, a date of year 9999 and of 1500, a negative serial: none is the run's day."""
    cells: list[object] = [
        dt.time(12, 30),
        dt.datetime(9999, 12, 31),
        dt.date(1500, 1, 1),
        -1,
        0.5,
        43586,
    ]
    path = write_xlsx(tmp_path / "企业.xlsx", [HEADER, *rows_of(cells, 4)])
    table = read_for([path], make_rules())
    assert table.frame["established"].isna().tolist() == [True] * 5 + [False]
    assert table.frame["established"].iloc[5] == pd.Timestamp("2019-05-01")
    assert flagged_rows(table, "bad-date-value", "implausible-date") == {2, 3, 4, 5, 6}


def test_a_date_after_the_data_years_next_year_is_implausible(tmp_path: Path) -> None:
    cells: list[object] = [f"{YEAR + 1}-12-31", f"{YEAR + 2}-01-01", "2199-01-01"]
    path = write_csv(tmp_path / "企业.csv", [HEADER, *rows_of(cells, 4)])
    table = read_for([path], make_rules())
    assert table.frame["established"].notna().tolist() == [True, False, False]
    found = issues(table, "implausible-date")
    assert [(i[3], i[5], i[6]) for i in found] == [
        (3, "established", f"{YEAR + 2}-01-01"),
        (4, "established", "2199-01-01"),
    ]


def test_canonical_csv_and_parquet_dates(tmp_path: Path) -> None:
    codes = [code(i) for i in (1, 2, 3, 4)]
    csv_path = write_csv(
        tmp_path / "canonical.csv",
        [
            ["credit_code", "established"],
            *zip(codes, ["9999-12-31", "12:30", "1500-01-01", ""], strict=True),
        ],
    )
    table = read_for([csv_path], make_rules())
    assert table.frame["established"].isna().all()
    assert flagged_rows(table, "bad-date-value", "implausible-date") == {2, 3, 4}

    stamps = pa.array(
        [dt.datetime(9999, 12, 31), dt.datetime(2019, 5, 1), None], pa.timestamp("ms")
    )
    days = pa.array([dt.date(1500, 1, 1), dt.date(2019, 5, 1), None], pa.date32())
    for name, column in (("stamps", stamps), ("days", days)):
        path = tmp_path / f"{name}.parquet"
        pq.write_table(pa.table({"credit_code": codes[:3], "established": column}), path)
        table = read_for([path], make_rules())
        assert table.frame["established"].isna().tolist() == [True, False, True]
        assert flagged_rows(table, "implausible-date") == {2}


def test_a_correction_to_an_implausible_date_is_not_applied(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "企业.csv", [HEADER, *rows_of(["2010-01-01"] * 3, 4)])
    corrections = pd.DataFrame(
        {
            "统一社会信用代码": [code(1), code(2), code(3)],
            "年度": [YEAR] * 3,
            "字段": ["成立日期"] * 3,
            "新值": ["9999-12-31", "12:30", "2011-02-03"],
            "申诉编号": ["YS-1", "YS-2", "YS-3"],
        }
    )
    table = read_for([path], make_rules(), corrections=corrections)
    assert table.frame["established"].tolist()[:2] == [pd.Timestamp("2010-01-01")] * 2
    assert table.frame["established"].iloc[2] == pd.Timestamp("2011-02-03")
    assert table.corrections is not None
    assert table.corrections["status"].tolist() == ["invalid-value", "invalid-value", "applied"]


# --- numbers that are not finite ---------------------------------------------------------------


def check_rejected(table: mujun.EnterpriseTable, n_bad: int, n: int) -> None:
    """The first `n_bad` of `n` firms have a non-numeric tax and are rejected for it."""
    found = issues(table, "non-numeric-value")
    assert [(i[3], i[5]) for i in found] == [(r, "tax_paid") for r in range(2, 2 + n_bad)]
    assert all(i[7] == "error" for i in found)
    ev = mujun.evaluate(table, make_rules())
    assert ev.results["status"].tolist() == ["rejected"] * n_bad + ["evaluated"] * (n - n_bad)
    assert (ev.results["status_reason"].iloc[:n_bad] == "“实缴税金”的值不是数字").all()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_non_finite_numbers_in_departmental_files(tmp_path: Path, suffix: str) -> None:
    cells: list[object] = [*NON_FINITE, "12.5"]
    path = tmp_path / f"企业{suffix}"
    (write_csv if suffix == ".csv" else write_xlsx)(path, [HEADER, *rows_of(cells, 2)])
    table = read_for([path], make_rules())
    assert [i[6] for i in issues(table, "non-numeric-value")] == NON_FINITE
    check_rejected(table, len(NON_FINITE), len(cells))


def test_non_finite_numbers_in_a_canonical_csv(tmp_path: Path) -> None:
    cells = [*NON_FINITE[:6], "12.5"]
    rows = [[code(i + 1), v, 10, "是"] for i, v in enumerate(cells)]
    path = write_csv(
        tmp_path / "canonical.csv",
        [["credit_code", "tax_paid", "land_owned_mu", "above_scale"], *rows],
    )
    table = read_for([path], make_rules())
    assert table.frame["tax_paid"].isna().tolist() == [True] * 6 + [False]
    check_rejected(table, 6, len(cells))


def test_non_finite_numbers_in_parquet(tmp_path: Path) -> None:
    """inf and a NaN stored as a value are errors; a null is a blank (missing, no error)."""
    tax = pa.array([float("inf"), float("nan"), float("-inf"), None, 12.5], pa.float64())
    codes = [code(i + 1) for i in range(5)]
    land = pa.array([10.0, 10.0, 10.0, 10.0, float("inf")])
    path = tmp_path / "data.parquet"
    pq.write_table(pa.table({"credit_code": codes, "tax_paid": tax, "land_owned_mu": land}), path)
    table = read_for([path], make_rules())
    found = issues(table, "non-numeric-value")
    assert [(i[3], i[5], i[6]) for i in found] == [
        (2, "tax_paid", "inf"),
        (3, "tax_paid", "nan"),
        (4, "tax_paid", "-inf"),
        (6, "land_owned_mu", "inf"),
    ]
    assert table.frame["tax_paid"].isna().tolist() == [True, True, True, True, False]


def test_a_correction_to_a_non_finite_value_is_not_applied(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "企业.csv", [HEADER, *rows_of([100] * 3, 2)])
    corrections = pd.DataFrame(
        {
            "统一社会信用代码": [code(1), code(2), code(3)],
            "年度": [YEAR] * 3,
            "字段": ["实缴税金(万元)"] * 3,
            "新值": ["inf", "NaN", "1e309"],
            "申诉编号": ["YS-1", "YS-2", "YS-3"],
        }
    )
    table = read_for([path], make_rules(), corrections=corrections)
    assert table.frame["tax_paid"].tolist() == [100.0] * 3
    assert table.corrections is not None
    assert set(table.corrections["status"]) == {"invalid-value"}
    assert len(issues(table, "correction-bad-value")) == 3


def test_a_year_too_large_for_a_whole_number(tmp_path: Path) -> None:
    rows = [
        ["统一社会信用代码", "年度", "实缴税金(万元)"],
        [code(1), "1e20", 1],
        [code(2), "inf", 1],
    ]
    table = read_for([write_csv(tmp_path / "企业.csv", rows)], make_rules())
    assert table.frame["year"].isna().all()
