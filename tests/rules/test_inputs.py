"""[input.aliases] and [parks] in a rules file: what loads, and the Chinese errors (with file,
line and key) for what cannot be used."""

from __future__ import annotations

import pytest
from conftest import RULES_TEXT

from mujun import RulesError, parse_rules


def with_tables(tables: str) -> str:
    """RULES_TEXT with `tables` inserted before its first [[exclude]] (at line 6)."""
    return RULES_TEXT.replace("[[exclude]]", tables + "\n[[exclude]]", 1)


def error_of(tables: str) -> RulesError:
    with pytest.raises(RulesError) as info:
        parse_rules(with_tables(tables), file="r.toml")
    return info.value


def test_aliases_and_parks_load() -> None:
    rules = parse_rules(
        with_tables(
            '[input.aliases]\nland_owned_mu = ["占地面积(亩)", "土地面积（平方米）"]\n'
            'energy_tce = ["能耗(吨标煤)"]\n\n'
            '[parks]\nnames = ["王庄镇", "固镇经济开发区"]\n'
            'aliases = { "王庄" = "王庄镇", "固镇经开区" = "固镇经济开发区" }\n'
        )
    )
    assert rules.input.aliases["land_owned_mu"] == ["占地面积(亩)", "土地面积（平方米）"]
    assert rules.parks is not None
    assert rules.parks.lookup() == {
        "王庄镇": "王庄镇",
        "固镇经济开发区": "固镇经济开发区",
        "王庄": "王庄镇",
        "固镇经开区": "固镇经济开发区",
    }


def test_rules_without_the_tables_have_none() -> None:
    rules = parse_rules(RULES_TEXT)
    assert rules.input.aliases == {}
    assert rules.parks is None


def test_an_unknown_field_code_is_an_error_with_did_you_mean() -> None:
    error = error_of('[input.aliases]\nland_owned = ["占地面积(亩)"]\n')
    assert (error.file, error.line, error.key) == ("r.toml", 7, "input.aliases.land_owned")
    assert "'land_owned' 不是已知字段代码" in error.detail
    assert "是否应为 'land_owned_mu'" in error.detail


def test_a_derived_field_takes_no_alias() -> None:
    error = error_of('[input.aliases]\nland_mu = ["占地面积(亩)"]\n')
    assert "'land_mu' 是计算得出的字段，不从文件读取" in error.detail


def test_an_alias_that_is_another_fields_header_is_an_error() -> None:
    """用地面积 already means land_owned_mu: as the alias of land_leased_mu it would be a guess."""
    error = error_of('[input.aliases]\nland_leased_mu = ["租地", "用地面积(亩)"]\n')
    assert error.key == "input.aliases.land_leased_mu[1]"
    assert error.line == 7
    assert "别名 '用地面积(亩)' 已是字段 land_owned_mu（自有用地）的表头" in error.detail
    assert "不能再作为 land_leased_mu（租用用地）的别名" in error.detail


def test_one_alias_under_two_fields_is_an_error() -> None:
    error = error_of('[input.aliases]\nland_owned_mu = ["占地"]\nland_leased_mu = ["占地（亩）"]\n')
    assert error.key == "input.aliases.land_leased_mu[0]"
    assert "同时列在 land_owned_mu 和 land_leased_mu 之下" in error.detail


def test_an_alias_whose_unit_the_field_cannot_take_is_an_error() -> None:
    error = error_of('[input.aliases]\ntax_paid = ["税金(吨)"]\n')
    assert "单位“吨”不能换算为“实缴税金”的单位“万元”" in error.detail


def test_an_alias_that_is_the_fields_own_header_is_accepted() -> None:
    rules = parse_rules(with_tables('[input.aliases]\ntax_paid = ["税收"]\n'))
    assert rules.input.aliases == {"tax_paid": ["税收"]}


def test_a_park_alias_must_point_at_a_listed_name() -> None:
    error = error_of('[parks]\nnames = ["王庄镇"]\naliases = { "王庄" = "王庄乡" }\n')
    assert error.key == "parks.aliases.王庄"
    assert "别名 '王庄' 指向的 '王庄乡' 不在 names 之中（是否应为 '王庄镇'？）" in error.detail


def test_park_names_written_twice_are_an_error() -> None:
    """全角 and half-width, with spaces: one park written twice."""
    error = error_of('[parks]\nnames = ["王庄镇", "王庄 镇"]\n')
    assert error.key == "parks.names[1]"
    assert "与 names[0] 重复" in error.detail


def test_a_park_alias_may_not_be_another_park() -> None:
    error = error_of('[parks]\nnames = ["王庄镇", "李集镇"]\naliases = { "李集镇" = "王庄镇" }\n')
    assert "本身是 names 中的园区" in error.detail


def test_two_spellings_of_one_alias_may_not_point_at_two_parks() -> None:
    """'王庄 ' and '王庄' are one spelling once spaces go: which park would its firms join?"""
    error = error_of(
        '[parks]\nnames = ["王庄镇", "李庄"]\naliases = { "王庄 " = "王庄镇", "王庄" = "李庄" }\n'
    )
    assert error.key == "parks.aliases.王庄"
    assert "与 '王庄 ' 写法相同" in error.detail and "'李庄' 和 '王庄镇'" in error.detail
    full = '[parks]\nnames = ["王庄镇", "李庄"]\naliases = { "ＷＺ" = "王庄镇", "wz" = "李庄" }\n'
    assert "写法相同" in error_of(full).detail


def test_two_spellings_of_one_alias_for_the_same_park_are_accepted() -> None:
    rules = parse_rules(
        with_tables(
            '[parks]\nnames = ["王庄镇"]\naliases = { "王庄 " = "王庄镇", "王庄" = "王庄镇" }\n'
        )
    )
    assert rules.parks is not None and rules.parks.lookup()["王庄"] == "王庄镇"


def test_parks_need_names() -> None:
    error = error_of("[parks]\nnames = []\n")
    assert error.key == "parks.names"


def test_a_misspelt_key_of_parks_is_an_error() -> None:
    error = error_of('[parks]\nname = ["王庄镇"]\n')
    assert "name" in error.key
