"""EnterpriseTable.from_frame: coercion to field types and the issues it reports."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import credit_code

from mujun import DataError, EnterpriseTable
from mujun.issues import ISSUE_COLUMNS
from mujun.keys import KeyState

GOOD = credit_code(1)
BAD_CHECK = "91350203M0001QAY9B"


def issues_of(table: EnterpriseTable, code: str) -> pd.DataFrame:
    return table.issues[table.issues["code"] == code]


def test_issue_table_has_the_contract_columns() -> None:
    table = EnterpriseTable.from_frame(pd.DataFrame({"credit_code": [GOOD]}))
    assert list(table.issues.columns[: len(ISSUE_COLUMNS)]) == ISSUE_COLUMNS
    assert len(table.issues) == 0


def test_missing_credit_code_column() -> None:
    with pytest.raises(DataError) as info:
        EnterpriseTable.from_frame(pd.DataFrame({"name": ["甲"]}), file="企业.csv")
    assert "credit_code" in str(info.value)
    assert "企业.csv" in str(info.value)


def test_credit_code_is_cleaned() -> None:
    # surrounding spaces and lower case are normalised silently; full-width characters are
    # folded, and since the code then differs from what the cell shows, that is noted
    raw = [f"  {GOOD.lower()} ", "９１３５０２００７７６０４９６５３Ａ"]
    table = EnterpriseTable.from_frame(pd.DataFrame({"credit_code": raw}))
    assert table.frame["credit_code"].tolist() == [GOOD, "91350200776049653A"]
    assert table.issues["code"].tolist() == ["credit-code-cleaned"]
    assert table.issues["row"].tolist() == [3]
    assert table.issues["severity"].tolist() == ["info"]


def test_bad_credit_code_is_an_error_on_its_spreadsheet_row() -> None:
    frame = pd.DataFrame({"credit_code": [GOOD, "9135020077604965OA", "123"]})
    table = EnterpriseTable.from_frame(frame, file="税务.xlsx", sheet="Sheet1")
    bad = issues_of(table, "bad-credit-code")
    # first data row is spreadsheet row 2: rows 3 and 4 are bad
    assert bad["row"].tolist() == [3, 4]
    assert bad["severity"].tolist() == ["error", "error"]
    assert bad["credit_code"].tolist() == ["9135020077604965OA", "123"]
    assert bad["file"].tolist() == ["税务.xlsx"] * 2
    assert bad["sheet"].tolist() == ["Sheet1"] * 2
    assert bad["field"].tolist() == ["credit_code"] * 2


def test_check_digit_failure_is_a_warning() -> None:
    table = EnterpriseTable.from_frame(pd.DataFrame({"credit_code": [GOOD, BAD_CHECK]}))
    check = issues_of(table, "credit-code-check-digit")
    assert check["row"].tolist() == [3]
    assert check["severity"].tolist() == ["warning"]
    assert len(issues_of(table, "bad-credit-code")) == 0


def test_missing_credit_code_is_an_error() -> None:
    frame = pd.DataFrame({"credit_code": [GOOD, None, "  "]})
    table = EnterpriseTable.from_frame(frame)
    missing = issues_of(table, "missing-credit-code")
    assert missing["row"].tolist() == [3, 4]
    assert set(missing["severity"]) == {"error"}


def test_first_row_offset() -> None:
    # a sheet with a title row and two header rows: the first data row is row 4
    frame = pd.DataFrame({"credit_code": ["bad", GOOD, "bad2"]})
    table = EnterpriseTable.from_frame(frame, first_row=4)
    assert issues_of(table, "bad-credit-code")["row"].tolist() == [4, 6]


def test_duplicates_flagged_on_every_copy() -> None:
    other = credit_code(2)
    frame = pd.DataFrame(
        {
            "credit_code": [GOOD, other, GOOD.lower(), GOOD, other],
            "year": [2023, 2023, 2023, 2022, 2022],
            "tax_paid": [1.0, 2.0, 3.0, 4.0, 5.0],  # the two GOOD/2023 rows disagree
        }
    )
    table = EnterpriseTable.from_frame(frame)
    dup = issues_of(table, "duplicate-firm")
    # GOOD/2023 is on rows 2 and 4 (lower case is the same firm); other years are distinct
    assert dup["row"].tolist() == [2, 4]
    assert set(dup["severity"]) == {"error"}
    assert dup["credit_code"].tolist() == [GOOD, GOOD]


def test_duplicates_without_a_year_column() -> None:
    """Without a year column every row is of the rules' year: two rows of one firm clash."""
    frame = pd.DataFrame({"credit_code": [GOOD, credit_code(2), GOOD], "tax_paid": [1, 2, 3]})
    table = EnterpriseTable.from_frame(frame)
    assert issues_of(table, "duplicate-firm")["row"].tolist() == [2, 4]


def test_identical_copies_are_read_once_with_a_warning() -> None:
    frame = pd.DataFrame(
        {"credit_code": [GOOD, credit_code(2), GOOD], "year": 2023, "tax_paid": [1.0, 2.0, 1.0]}
    )
    table = EnterpriseTable.from_frame(frame)
    assert issues_of(table, "duplicate-firm").empty
    copies = issues_of(table, "duplicate-row")
    assert copies["row"].tolist() == [2, 4]
    assert set(copies["severity"]) == {"warning"}


def test_numbers_are_coerced() -> None:
    frame = pd.DataFrame(
        {
            "credit_code": [credit_code(i) for i in range(4)],
            "tax_paid": ["12.5", " 7 ", "", None],
            "land_owned_mu": [1, 2, 3, 4],
            "year": ["2023", "2023", "2023", None],
        }
    )
    table = EnterpriseTable.from_frame(frame)
    got = table.frame["tax_paid"].to_numpy(dtype=float)
    np.testing.assert_array_equal(got, [12.5, 7.0, np.nan, np.nan])
    assert table.frame["land_owned_mu"].dtype == np.float64
    assert table.frame["year"].tolist()[:3] == [2023, 2023, 2023]
    assert pd.isna(table.frame["year"].iloc[3])
    assert len(table.issues) == 0


def test_non_numeric_value() -> None:
    frame = pd.DataFrame(
        {"credit_code": [credit_code(i) for i in range(3)], "tax_paid": ["12", "abc", "3.5"]}
    )
    table = EnterpriseTable.from_frame(frame)
    bad = issues_of(table, "non-numeric-value")
    assert bad["row"].tolist() == [3]
    assert bad["field"].tolist() == ["tax_paid"]
    assert bad["value"].tolist() == ["abc"]
    assert bad["severity"].tolist() == ["error"]
    assert np.isnan(table.frame["tax_paid"].iloc[1])


def test_fractional_year_is_not_a_year() -> None:
    frame = pd.DataFrame({"credit_code": [GOOD], "year": [2023.5]})
    table = EnterpriseTable.from_frame(frame)
    assert issues_of(table, "non-numeric-value")["field"].tolist() == ["year"]


def test_flags() -> None:
    frame = pd.DataFrame(
        {
            "credit_code": [credit_code(i) for i in range(6)],
            "above_scale": ["是", "否", "1", "", None, "maybe"],
        }
    )
    table = EnterpriseTable.from_frame(frame)
    assert table.frame["above_scale"].tolist() == [True, False, True, False, False, False]
    bad = issues_of(table, "bad-bool-value")
    assert bad["row"].tolist() == [7]
    assert bad["value"].tolist() == ["maybe"]


def test_dates() -> None:
    frame = pd.DataFrame(
        {
            "credit_code": [credit_code(i) for i in range(3)],
            "established": ["2019-03-04", "not a date", None],
        }
    )
    table = EnterpriseTable.from_frame(frame)
    assert table.frame["established"].iloc[0] == pd.Timestamp("2019-03-04")
    assert pd.isna(table.frame["established"].iloc[1])
    bad = issues_of(table, "bad-date-value")
    assert bad["row"].tolist() == [3]
    assert bad["severity"].tolist() == ["warning"]


def test_unknown_column_is_a_warning() -> None:
    frame = pd.DataFrame({"credit_code": [GOOD], "税收": [1.0]})
    table = EnterpriseTable.from_frame(frame)
    unknown = issues_of(table, "unknown-column")
    assert unknown["field"].tolist() == ["税收"]
    assert unknown["severity"].tolist() == ["warning"]
    assert "税收" not in table.frame.columns


def test_unknown_industry_code_is_a_warning() -> None:
    frame = pd.DataFrame(
        {
            "credit_code": [credit_code(i) for i in range(4)],
            "industry_code": ["3311", "98", None, "C33"],
        }
    )
    table = EnterpriseTable.from_frame(frame)
    bad = issues_of(table, "unknown-industry-code")
    assert bad["row"].tolist() == [3, 5]
    assert set(bad["severity"]) == {"warning"}


def test_key_states_are_row_aligned_with_the_frame() -> None:
    frame = pd.DataFrame(
        {"credit_code": [GOOD, "bad", BAD_CHECK, None, 9.13403e17]}, index=[10, 20, 30, 40, 50]
    )
    table = EnterpriseTable.from_frame(frame)
    assert table.key.tolist() == [
        KeyState.OK,
        KeyState.MALFORMED,
        KeyState.CHECK_DIGIT,
        KeyState.MISSING,
        KeyState.AS_NUMBER,
    ]
    assert table.frame.index.tolist() == [0, 1, 2, 3, 4]
    assert "position" not in table.issues.columns


def test_an_unreadable_cell_is_kept_in_the_frame_and_follows_its_row() -> None:
    frame = pd.DataFrame({"credit_code": [GOOD, credit_code(2)], "tax_paid": ["1.5", "待核实"]})
    table = EnterpriseTable.from_frame(frame)
    assert table.frame["unreadable:tax_paid"].tolist()[1] == "待核实"
    assert pd.isna(table.frame["unreadable:tax_paid"].iloc[0])
    second = table.rows(np.array([False, True]))
    assert second.frame["unreadable:tax_paid"].tolist() == ["待核实"]
    first = table.rows(np.array([True, False]))
    assert "unreadable:tax_paid" not in first.unreadable().dropna(how="all").columns or (
        first.unreadable().isna().all().all()
    )
    # the cell of the row left out is not lost: it is a note of the smaller table
    assert first.notes["value"].tolist() == ["待核实"]
    again = EnterpriseTable.from_frame(table.frame)  # a table's own frame keeps its flags
    assert again.frame["unreadable:tax_paid"].tolist()[1] == "待核实"
    assert issues_of(again, "non-numeric-value")["row"].tolist() == [3]


def test_origin_given() -> None:
    origin = pd.DataFrame({"file": ["a.csv", "b.csv"], "sheet": ["", ""], "row": [17, 5]})
    frame = pd.DataFrame({"credit_code": [GOOD, "bad"]})
    table = EnterpriseTable.from_frame(frame, origin=origin)
    bad = issues_of(table, "bad-credit-code")
    assert bad[["file", "row"]].values.tolist() == [["b.csv", 5]]


def test_len() -> None:
    frame = pd.DataFrame({"credit_code": [credit_code(i) for i in range(5)]})
    assert len(EnterpriseTable.from_frame(frame)) == 5
