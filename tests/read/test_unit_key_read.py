"""Reading with a rules file's `[input] key`: the key column is read as credit_code through the
aliases the rules give (reading knows no more of the rules), matched as every header is."""

from __future__ import annotations

from pathlib import Path

import pytest
from countries import YEAR, country_rules, read_countries
from departments import write_csv, write_xlsx

from mujun import DataError, read_sources
from mujun.keys import KeyState


def test_the_key_column_is_read_as_credit_code_whatever_its_case(tmp_path: Path) -> None:
    rules = country_rules()
    path = write_xlsx(tmp_path / "f.xlsx", [["UCODE", "uName", "Time"], ["aut", "Austria", YEAR]])
    table = read_countries([path], rules)
    assert table.frame["credit_code"].tolist() == ["AUT"]  # keys are compared upper-cased
    assert table.frame["name"].tolist() == ["Austria"]
    # reading still judges the key as a credit code: the evaluation decides what that means
    assert table.key.tolist() == [KeyState.MALFORMED]


def test_without_the_rules_aliases_the_key_column_is_not_found(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "f.csv", [["uCode", "Flights"], ["AUT", "3"]])
    with pytest.raises(DataError, match="统一社会信用代码"):
        read_sources([path], year=YEAR)


def test_a_file_without_the_key_column_is_refused_naming_it(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "f.csv", [["Code", "Flights"], ["AUT", "3"]])
    with pytest.raises(DataError, match="带有“统一社会信用代码”或“uCode”表头"):
        read_countries([path], country_rules())
