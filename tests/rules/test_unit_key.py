"""`[input] key`, `key_label`, `key_check` in a rules file: the key column becomes a header of
credit_code, the label defaults to it, and what cannot be used is a Chinese error with file,
line and key."""

from __future__ import annotations

import pytest
from conftest import RULES_TEXT

from mujun import RulesError, parse_rules
from mujun.rules.unit_key import KEY_LABEL, key_label, key_labelled, shown_header


def with_tables(tables: str) -> str:
    """RULES_TEXT with `tables` inserted before its first [[exclude]] (at line 6)."""
    return RULES_TEXT.replace("[[exclude]]", tables + "\n[[exclude]]", 1)


def error_of(tables: str) -> RulesError:
    with pytest.raises(RulesError) as info:
        parse_rules(with_tables(tables), file="r.toml")
    return info.value


def test_without_the_keys_the_credit_code_is_the_key() -> None:
    inputs = parse_rules(RULES_TEXT).input
    assert (inputs.key, inputs.key_label, inputs.key_check) == (KEY_LABEL, KEY_LABEL, "credit_code")
    assert "credit_code" not in inputs.aliases


def test_the_key_column_is_read_as_credit_code_and_names_itself() -> None:
    inputs = parse_rules(with_tables('[input]\nkey = "uCode"\nkey_check = "none"\n')).input
    assert inputs.aliases == {"credit_code": ["uCode"]}
    assert inputs.key_label == "uCode"  # no key_label: the column's own header
    assert inputs.key_check == "none"


def test_a_label_and_aliases_of_the_key_are_kept() -> None:
    text = '[input]\nkey = "uCode"\nkey_label = "国家代码"\n\n'
    text += '[input.aliases]\ncredit_code = ["ISO3"]\n'
    inputs = parse_rules(with_tables(text)).input
    assert inputs.aliases == {"credit_code": ["uCode", "ISO3"]}
    assert inputs.key_label == "国家代码"


def test_a_credit_code_header_as_key_adds_nothing() -> None:
    inputs = parse_rules(with_tables('[input]\nkey = "信用代码"\n')).input
    assert inputs.aliases == {}
    assert inputs.key_label == KEY_LABEL


def test_a_key_that_is_another_fields_header_is_an_error() -> None:
    error = error_of('[input]\nkey = "企业名称"\n')
    assert (error.file, error.line, error.key) == ("r.toml", 7, "input.key")
    assert "已是字段 name（企业名称）的表头" in str(error)


def test_an_unknown_key_check_is_an_error() -> None:
    error = error_of('[input]\nkey_check = "iso"\n')
    assert (error.file, error.line, error.key) == ("r.toml", 7, "input.key_check")


def test_an_empty_key_label_is_an_error() -> None:
    error = error_of('[input]\nkey_label = " "\n')
    assert error.key == "input.key_label"


def test_the_label_is_the_header_only_while_labelled() -> None:
    rules = parse_rules(with_tables('[input]\nkey = "uCode"\nkey_label = "国家代码"\n'))
    assert shown_header(KEY_LABEL) == KEY_LABEL
    with key_labelled(rules):
        assert key_label() == "国家代码"
        assert shown_header(KEY_LABEL) == "国家代码"
        assert shown_header("企业名称") == "企业名称"
    assert key_label() == KEY_LABEL
