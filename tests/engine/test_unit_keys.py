"""Units other than firms (`[input] key`, `key_check = "none"`, `key_label`): six countries keyed
by uCode are evaluated without the credit-code checks; a blank key and copies of one key-year
are still rejected; under the default check the same table is rejected for its codes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from countries import (
    COUNTRIES,
    CREDIT_CODE_NOTES,
    HEADER,
    SCORES,
    TIERS,
    YEAR,
    country_csv,
    country_rows,
    country_rules,
    read_countries,
)
from departments import write_csv, write_xlsx
from hypothesis import given, settings
from hypothesis import strategies as st

from mujun import evaluate, read_sources
from mujun.engine.unit_keys import rekey
from mujun.keys import KeyState

CODES = [c for c, _, _ in COUNTRIES]


def by_key(results: pd.DataFrame) -> pd.DataFrame:
    return results.set_index("credit_code")


def test_countries_are_evaluated_without_credit_code_checks(tmp_path: Path) -> None:
    rules = country_rules()
    ev = evaluate(read_countries([country_csv(tmp_path / "iData.csv")], rules), rules)
    res = by_key(ev.results)
    assert res.index.tolist() == CODES  # the key column keeps the name credit_code
    assert (res["status"] == "evaluated").all()
    assert res["name"].tolist() == [n for _, n, _ in COUNTRIES]
    assert res["year"].tolist() == [YEAR] * 6
    for code, score in SCORES.items():  # 100 × (flights − 5) / 25, computed in countries.py
        assert res.loc[code, "total_score"] == pytest.approx(score)
    assert res["tier"].to_dict() == TIERS
    assert res.loc["DNK", "rank"] == 1 and res.loc["BGR", "rank"] == 6
    codes = set(ev.issues["code"])
    assert not codes & (CREDIT_CODE_NOTES | {"missing-credit-code", "duplicate-firm"})


def test_the_same_table_under_the_credit_code_check_is_rejected(tmp_path: Path) -> None:
    rules = country_rules(check=None)  # key_check not written: the credit code's check
    assert rules.input.key_check == "credit_code"
    ev = evaluate(read_countries([country_csv(tmp_path / "iData.csv")], rules), rules)
    assert (ev.results["status"] == "rejected").all()
    # the reason names the key column by its label, not 统一社会信用代码
    assert set(ev.results["status_reason"]) == {
        "国家代码长度或字符不正确（应为18位，不含I、O、S、V、Z）"
    }
    bad = ev.issues[ev.issues["code"] == "bad-credit-code"]
    assert sorted(bad["credit_code"]) == sorted(CODES)


def test_a_blank_key_is_rejected_with_its_reason(tmp_path: Path) -> None:
    rules = country_rules()
    path = country_csv(tmp_path / "iData.csv", [["", "Nowhere", YEAR, 12]])
    ev = evaluate(read_countries([path], rules), rules)
    res = ev.results
    blank = res["credit_code"].isna().to_numpy()
    assert blank.tolist() == [False] * 6 + [True]
    assert res.loc[blank, "status"].tolist() == ["rejected"]
    assert res.loc[blank, "status_reason"].tolist() == ["缺少国家代码"]
    missing = ev.issues[ev.issues["code"] == "missing-credit-code"]
    assert missing["message"].tolist() == ["缺少国家代码"]
    assert missing["row"].tolist() == [8]  # header on line 1, six countries, then this row
    # the other six are scored among themselves: the blank row's 12 flights are no benchmark
    assert by_key(res[~blank])["total_score"].to_dict() == pytest.approx(SCORES)


def test_two_different_rows_of_one_key_year_are_duplicates(tmp_path: Path) -> None:
    rules = country_rules()
    path = country_csv(tmp_path / "iData.csv", [["DNK", "Denmark", YEAR, 31]])
    ev = evaluate(read_countries([path], rules), rules)
    res = ev.results
    assert len(res) == 6  # the two records of DNK are one row, which neither can fill
    dnk = res[res["credit_code"] == "DNK"]
    assert dnk["status"].tolist() == ["rejected"]
    assert "同一年度有多条不同记录" in dnk["status_reason"].iloc[0]
    dup = ev.issues[ev.issues["code"] == "duplicate-firm"]
    assert sorted(dup["row"].tolist()) == [7, 8]  # both records are named
    # min 5, max 20 without DNK: AUT 100 × 5 / 15
    assert res.set_index("credit_code").loc["AUT", "total_score"] == pytest.approx(100 / 3)


def test_a_copy_of_the_same_record_is_read_once(tmp_path: Path) -> None:
    rules = country_rules()
    path = country_csv(tmp_path / "iData.csv", [["DNK", "Denmark", YEAR, 30]])
    ev = evaluate(read_countries([path], rules), rules)
    assert len(ev.results) == 6
    assert (ev.results["status"] == "evaluated").all()
    assert ev.issues["code"].tolist().count("duplicate-row") == 2


def test_a_country_in_two_files_is_one_unit(tmp_path: Path) -> None:
    """Two sources merge on the key, as two departments' files merge on the credit code."""
    rules = country_rules()
    names = write_csv(
        tmp_path / "names.csv", [["uCode", "uName"], *([c, n] for c, n, _ in COUNTRIES)]
    )
    figures = write_csv(
        tmp_path / "figures.csv",
        [["uCode", "Time", "Flights"], *([c, YEAR, f] for c, _, f in COUNTRIES)],
    )
    ev = evaluate(read_countries([names, figures], rules), rules)
    res = by_key(ev.results)
    assert res.index.tolist() == CODES
    assert res["name"].tolist() == [n for _, n, _ in COUNTRIES]
    assert res["total_score"].to_dict() == pytest.approx(SCORES)


def test_numbers_as_keys_read_as_their_text(tmp_path: Path) -> None:
    """A region code a workbook stores as a number (1.0) is the key "1"; under the credit
    code's check it is a code Excel turned into a number. Two different rows of the number 3
    in one year are duplicates, as two rows of one text key are."""
    rules = country_rules()
    rows = [HEADER, [1.0, "一区", YEAR, 10], [2, "二区", YEAR, 20], [3, "三区", YEAR, 5]]
    rows.append([3, "三区", YEAR, 6])
    path = write_xlsx(tmp_path / "regions.xlsx", rows)
    ev = evaluate(read_countries([path], rules), rules)
    res = ev.results
    assert res["credit_code"].tolist() == ["1", "2", "3"]  # the two records of 3: one row
    assert res["status"].tolist() == ["evaluated", "evaluated", "rejected"]
    # two left: 1 → 0, 2 → 100 (minmax over 10 and 20)
    assert res["total_score"].iloc[:2].tolist() == pytest.approx([0.0, 100.0])
    assert "credit-code-as-number" not in set(ev.issues["code"])
    dup = ev.issues[ev.issues["code"] == "duplicate-firm"]
    assert dup["credit_code"].tolist() == ["3", "3"]
    firms = country_rules(None)
    under_codes = evaluate(read_countries([path], firms), firms)
    assert set(under_codes.results["status"]) == {"rejected"}
    assert "credit-code-as-number" in set(under_codes.issues["code"])


def test_a_numeric_key_merges_with_its_text_in_another_file(tmp_path: Path) -> None:
    """Region codes a workbook holds as numbers and a CSV holds as text are one unit each."""
    rules = country_rules()
    names = write_xlsx(
        tmp_path / "names.xlsx", [["uCode", "uName"], [340321, "甲县"], [340322.0, "乙县"]]
    )
    figures = write_csv(
        tmp_path / "figures.csv",
        [["uCode", "Time", "Flights"], ["340321", YEAR, 5], ["340322", YEAR, 9]],
    )
    ev = evaluate(read_countries([names, figures], rules), rules)
    res = ev.results
    assert res["credit_code"].tolist() == ["340321", "340322"]
    assert res["name"].tolist() == ["甲县", "乙县"]
    assert res["status"].tolist() == ["evaluated", "evaluated"]
    assert res["total_score"].tolist() == pytest.approx([0.0, 100.0])  # minmax over 5 and 9


def test_a_number_excel_cut_short_is_never_joined(tmp_path: Path) -> None:
    """An 18-digit number (a credit code Excel stored as a number) may have lost its last
    digits: reading keeps its rows apart, and under key_check none the evaluation rejects the
    rows that share such a key-year as duplicates rather than merge them."""
    rules = country_rules()
    rows = [HEADER, [913403000000000000, "甲", YEAR, 1], [913403000000000000, "乙", YEAR, 2]]
    rows.append(["AUT", "Austria", YEAR, 3])
    table = read_countries([write_xlsx(tmp_path / "cut.xlsx", rows)], rules)
    assert len(table) == 3
    ev = evaluate(table, rules)
    assert ev.results["status"].tolist() == ["rejected", "rejected", "evaluated"]
    assert ev.issues["code"].tolist().count("duplicate-firm") == 2


def test_rekey_judges_states_and_drops_only_credit_code_notes(tmp_path: Path) -> None:
    rules = country_rules()
    table = read_countries([country_csv(tmp_path / "iData.csv", [["", "x", YEAR, 1]])], rules)
    assert (table.key[:6] == KeyState.MALFORMED).all()  # reading judges codes as credit codes
    keyed = rekey(table, rules.input)
    assert keyed.key.tolist() == [KeyState.OK] * 6 + [KeyState.MISSING]
    assert "bad-credit-code" not in set(keyed.notes["code"])
    assert "missing-credit-code" in set(keyed.notes["code"])
    assert rekey(table, country_rules(None).input) is table  # the credit code's check: as read


def test_read_with_or_without_the_rules_the_problems_are_the_same(tmp_path: Path) -> None:
    """DESIGN §1: the key check runs inside evaluate, so the table read for the rules, the
    table read with their aliases only, and its frame evaluate to the same results and issues."""
    rules = country_rules()
    extra = [["", "Nowhere", YEAR, 3], ["DNK", "Denmark", YEAR, 31], ["AUT ", "Austria", 2019, 1]]
    path = country_csv(tmp_path / "iData.csv", extra)
    full = read_countries([path], rules)
    plain = read_sources([path], aliases=rules.input.aliases, fields=rules.catalog)
    evs = [evaluate(full, rules), evaluate(plain, rules), evaluate(full.frame, rules)]
    columns = ["credit_code", "status", "status_reason", "total_score", "rank", "tier"]
    for other in evs[1:]:
        pd.testing.assert_frame_equal(evs[0].results[columns], other.results[columns])
    codes = [
        sorted(zip(e.issues["code"], e.issues["credit_code"].fillna(""), strict=True)) for e in evs
    ]
    assert codes[0] == codes[1]
    located = {(c, k) for c, k in codes[0]}
    assert ("missing-credit-code", "") in located and ("duplicate-firm", "DNK") in located
    assert not {c for c, _ in located} & CREDIT_CODE_NOTES


def test_a_rerun_under_the_credit_code_check_judges_the_table_as_read(tmp_path: Path) -> None:
    rules = country_rules()
    ev = evaluate(read_countries([country_csv(tmp_path / "iData.csv")], rules), rules)
    again = ev.rerun(rules=country_rules(None))
    assert set(again.results["status"]) == {"rejected"}
    assert set(ev.rerun().results["status"]) == {"evaluated"}


@settings(max_examples=25, deadline=None)
@given(order=st.permutations(list(range(8))))
def test_row_order_does_not_matter(
    tmp_path_factory: pytest.TempPathFactory, order: list[int]
) -> None:
    rules = country_rules()
    rows = country_rows([["", "Nowhere", YEAR, 3], ["DNK", "Denmark", YEAR, 31]])
    body = [rows[1:][i] for i in order]
    path = write_csv(tmp_path_factory.mktemp("order") / "iData.csv", [rows[0], *body])
    res = evaluate(read_countries([path], rules), rules).results
    keyed = res.assign(credit_code=res["credit_code"].fillna("")).sort_values("credit_code")
    keyed = keyed.reset_index(drop=True)
    assert keyed["credit_code"].tolist() == ["", *sorted(c for c in CODES)]
    assert keyed["status"].tolist() == ["rejected", *["evaluated"] * 5, "rejected"]
    scored = keyed.set_index("credit_code")["total_score"].dropna()
    # without DNK (two records): min 5, max 20
    expected = {"AUT": 100 / 3, "BEL": 100.0, "BGR": 0.0, "CYP": 100 * 2 / 15, "CZE": 100 * 10 / 15}
    assert scored.to_dict() == pytest.approx(expected)
    assert np.isnan(keyed["total_score"].iloc[0])


@settings(max_examples=25, deadline=None)
@given(
    keys=st.lists(
        st.text(alphabet="ABCXYZ0123456789区县乡", min_size=1, max_size=10),
        min_size=2,
        max_size=8,
        unique=True,
    )
)
def test_any_non_blank_text_is_a_key(
    tmp_path_factory: pytest.TempPathFactory, keys: list[str]
) -> None:
    """Under key_check none every distinct key of a CSV is evaluated, as written."""
    rules = country_rules()
    rows = [HEADER, *([k, f"单位{i}", YEAR, 10 + i] for i, k in enumerate(keys))]
    path = write_csv(tmp_path_factory.mktemp("keys") / "iData.csv", rows)
    ev = evaluate(read_countries([path], rules), rules)
    assert ev.results["credit_code"].tolist() == keys
    assert (ev.results["status"] == "evaluated").all()
    assert not set(ev.issues["code"]) & CREDIT_CODE_NOTES
