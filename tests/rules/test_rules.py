"""Rules files: validation, and errors that name the file, the line and the key path."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from conftest import RULES_TEXT

import mujun
from mujun import RulesError, load_rules, parse_rules
from mujun.rules import Rules


def line_no(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the nth line of `text` containing `needle`."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(hits) >= nth, f"{needle!r} occurs {len(hits)} times"
    return hits[nth - 1]


def error_of(text: str, file: str = "r.toml") -> RulesError:
    with pytest.raises(RulesError) as info:
        parse_rules(text, file=file)
    return info.value


def replaced(old: str, new: str, text: str = RULES_TEXT, count: int = 1) -> str:
    assert old in text, old
    return text.replace(old, new, count)


# ---- a valid file ---------------------------------------------------------------------------


def test_valid_rules(rules: Rules) -> None:
    assert isinstance(rules, Rules)
    assert rules.year == 2023
    assert [c.code for c in rules.classes] == ["above_scale", "below_scale"]
    above = rules.classes[0]
    assert [i.code for i in above.indicators] == ["tax_per_mu", "revenue_per_mu"]
    assert [i.weight for i in above.indicators] == [60, 40]
    assert above.indicators[0].score.benchmark == 10.0
    assert above.indicators[1].score.benchmark == "pooled"
    assert above.tiers.order == ["A", "B", "C", "D"]
    assert rules.classes[1].tiers.order == ["A", "B", "C"]
    assert above.tiers.rule[0].action == ("at_most", "C")
    assert rules.exclude[0].status == "exempt"
    # shared codes are listed once, in order of first appearance
    assert rules.indicator_codes() == ["tax_per_mu", "revenue_per_mu"]


def test_defaults(rules: Rules) -> None:
    ind = rules.classes[0].indicators[0]
    assert ind.direction == "higher"
    assert ind.missing == "zero"
    assert ind.negative == "zero"
    assert rules.classes[0].tiers.rounding == "half_up"
    assert rules.energy.electricity_kgce_per_kwh == 0.1229


def test_sha256_of_text(rules: Rules) -> None:
    assert rules.sha256 == hashlib.sha256(RULES_TEXT.encode("utf-8")).hexdigest()
    assert rules.path == ""


def test_functions_in_formulas_and_conditions() -> None:
    text = replaced('formula = "tax_paid / land_mu"', 'formula = "max(tax_paid, 0) / land_mu"')
    text = replaced('when = "safety_incident"', 'when = "safety_incident or isnull(revenue)"', text)
    rules = parse_rules(text)
    assert rules.classes[0].indicators[0].formula.text == "max(tax_paid, 0) / land_mu"
    assert rules.classes[0].tiers.rule[0].when.names == {"safety_incident", "revenue"}


def test_energy_override() -> None:
    text = replaced("\n[[exclude]]", "\n[energy]\nelectricity_kgce_per_kwh = 0.2808\n\n[[exclude]]")
    assert parse_rules(text).energy.electricity_kgce_per_kwh == 0.2808


# ---- errors: file, line, key path -----------------------------------------------------------


def test_misspelt_key() -> None:
    text = replaced("benchmark = 10.0, cap = 2.0", "benchmark = 10.0, cpa = 2.0")
    err = error_of(text)
    assert err.line == line_no(text, "cpa = 2.0")
    assert err.key == "class[0].indicator[0].score.cpa"
    assert "未知的键 'cpa'（是否应为 'cap'？）" in str(err)
    assert str(err).startswith("r.toml:")


def test_misspelt_top_level_key() -> None:
    text = replaced('region = "测试县"', 'regoin = "测试县"')
    err = error_of(text)
    assert err.line == 3
    assert err.key == "regoin"
    assert "是否应为 'region'" in str(err)


def test_wrong_type() -> None:
    text = replaced("weight = 60", 'weight = "40x"')
    err = error_of(text)
    assert err.line == line_no(text, 'weight = "40x"')
    assert err.key == "class[0].indicator[0].weight"
    assert "40x" in str(err)


def test_weights_do_not_add_up() -> None:
    text = replaced("weight = 60", "weight = 50")  # 50 + 40 = 90 ≠ 100
    err = error_of(text)
    assert err.line == line_no(text, "[[class]]", 1)
    assert err.key == "class[0]"
    assert "above_scale" in str(err)
    assert "90" in str(err)


def test_weights_of_second_class() -> None:
    text = replaced("weight = 100", "weight = 99")
    err = error_of(text)
    assert err.line == line_no(text, "[[class]]", 2)
    assert err.key == "class[1]"
    assert "below_scale" in str(err)


def test_tier_shares_do_not_sum_to_one() -> None:
    text = replaced("D = 0.25 }", "D = 0.2 }")
    err = error_of(text)
    assert err.line in (line_no(text, "[class.tiers]"), line_no(text, "shares ="))
    assert err.key.startswith("class[0].tiers")
    assert "0.95" in str(err)


def test_tier_rule_names_unknown_tier() -> None:
    text = replaced('at_most = "C"', 'at_most = "E"')
    err = error_of(text)
    assert err.line in (
        line_no(text, "[class.tiers]"),
        line_no(text, "[[class.tiers.rule]]"),
        line_no(text, 'at_most = "E"'),
    )
    assert err.key.startswith("class[0].tiers")
    assert "rule[0]" in str(err)
    assert "'E'" in str(err)


def test_unknown_field_in_expression() -> None:
    text = replaced("tax_paid / land_mu", "tax_payd / land_mu")
    err = error_of(text)
    assert err.line == line_no(text, "tax_payd")
    assert err.key == "class[0].indicator[0].formula"
    assert "字段 'tax_payd' 未知（是否应为 'tax_paid'？）" in str(err)


def test_unknown_field_in_condition() -> None:
    text = replaced('when = "high_tech"', 'when = "hightech"')
    err = error_of(text)
    assert err.line == line_no(text, 'when = "hightech"')
    assert err.key == "class[0].adjust[0].when"
    assert "是否应为 'high_tech'" in str(err)


def test_forbidden_expression() -> None:
    text = replaced('when = "safety_incident"', "when = \"__import__('os')\"")
    err = error_of(text)
    assert err.line == line_no(text, "__import__")
    assert err.key == "class[0].tiers.rule[0].when"


def test_unknown_score_method() -> None:
    text = replaced('method = "ratio", benchmark = 10.0', 'method = "ratoi", benchmark = 10.0')
    err = error_of(text)
    assert err.line == line_no(text, "ratoi")
    assert err.key == "class[0].indicator[0].score.method"
    assert "ratoi" in str(err)


def test_unknown_benchmark_statistic() -> None:
    text = replaced('benchmark = "pooled"', 'benchmark = "average"')
    err = error_of(text)
    assert err.line == line_no(text, "average")
    assert err.key.startswith("class[0].indicator[1].score")
    assert "pooled" in str(err)


@pytest.mark.parametrize("value", ["0", "-5"])
def test_fixed_benchmark_must_be_positive(value: str) -> None:
    text = replaced("benchmark = 10.0,", f"benchmark = {value},")
    err = error_of(text)
    assert err.key == "class[0].indicator[0].score.benchmark"
    assert err.line == line_no(text, f"benchmark = {value},")
    assert "须为正数" in str(err)


def test_floor_above_cap() -> None:
    text = replaced("benchmark = 10.0, cap = 2.0", "benchmark = 10.0, cap = 2.0, floor = 3.0")
    err = error_of(text)
    assert err.key == "class[0].indicator[0].score.floor"
    assert err.line == line_no(text, "floor = 3.0")
    assert "floor（3）大于 cap（2）" in str(err)


def test_by_needs_a_statistic_benchmark() -> None:
    text = replaced("benchmark = 10.0,", 'benchmark = 10.0, by = "industry_division",')
    err = error_of(text)
    assert err.key == "class[0].indicator[0].score.by"
    assert "固定基准值不能带 by" in str(err)


def test_unknown_by_field() -> None:
    text = replaced('benchmark = "pooled",', 'benchmark = "pooled", by = "industry",')
    err = error_of(text)
    assert err.key == "class[0].indicator[1].score.by"
    assert "字段 'industry' 未知" in str(err)
    assert "是否应为" in str(err)


def test_shares_are_added_in_decimals() -> None:
    # 0.7 + 0.2 + 0.1 is 0.9999999999999999 in floats, exactly 1 in decimals
    text = replaced(
        "shares = { A = 0.25, B = 0.25, C = 0.25, D = 0.25 }",
        "shares = { A = 0.7, B = 0.2, C = 0.1 }",
    )
    text = replaced('at_most = "C"', 'at_most = "B"', text)
    assert parse_rules(text).classes[0].tiers.order == ["A", "B", "C"]


def test_penalty_without_points() -> None:
    text = replaced("weight = 60\n", 'weight = 60\n  missing = "penalty"\n')
    err = error_of(text)
    assert err.line == line_no(text, 'missing = "penalty"')
    assert err.key == "class[0].indicator[0].missing"
    assert "missing_points" in str(err)


def test_points_without_penalty() -> None:
    text = replaced("weight = 60\n", "weight = 60\n  missing_points = 5\n")
    err = error_of(text)
    assert err.line == line_no(text, "missing_points = 5")
    assert err.key == "class[0].indicator[0].missing_points"


def test_penalty_with_points_is_fine() -> None:
    text = replaced("weight = 60\n", 'weight = 60\n  missing = "penalty"\n  missing_points = 5\n')
    assert parse_rules(text).classes[0].indicators[0].missing_points == 5


def test_pooled_benchmark_needs_a_ratio() -> None:
    text = replaced('formula = "revenue / land_mu"', 'formula = "revenue * land_mu"')
    err = error_of(text)
    assert err.line == line_no(text, 'formula = "revenue * land_mu"')
    assert err.key == "class[0].indicator[1].formula"
    assert "pooled 基准要求公式形如“分子 / 分母”" in str(err)


def test_ratio_lower_needs_a_cap() -> None:
    text = replaced(
        'score = { method = "ratio", benchmark = 10.0, cap = 2.0 }',
        'direction = "lower"\n  score = { method = "ratio", benchmark = 10.0 }',
    )
    err = error_of(text)
    assert err.line == line_no(text, 'direction = "lower"')
    assert err.key == "class[0].indicator[0].direction"
    assert "cap" in str(err)


def test_duplicate_class_codes() -> None:
    text = replaced('code = "below_scale"', 'code = "above_scale"')
    err = error_of(text)
    assert "above_scale" in str(err)
    assert err.key.startswith("class")
    assert err.line in (line_no(text, "[[class]]", 2), line_no(text, 'code = "above_scale"', 2))


def test_duplicate_indicator_codes() -> None:
    text = replaced('code = "revenue_per_mu"', 'code = "tax_per_mu"')
    err = error_of(text)
    assert err.key == "class[0].indicator[1].code"
    assert err.line == line_no(text, 'code = "tax_per_mu"', 2)
    assert "指标代码 'tax_per_mu' 重复" in str(err)


def test_code_must_be_snake_case() -> None:
    text = replaced('code = "tax_per_mu"', 'code = "亩均税收"')
    err = error_of(text)
    assert err.key == "class[0].indicator[0].code"
    assert err.line == line_no(text, 'code = "亩均税收"')


def test_missing_required_key() -> None:
    text = replaced('  label = "亩均税收"\n  unit = "万元/亩"\n', '  unit = "万元/亩"\n')
    err = error_of(text)
    assert err.key == "class[0].indicator[0].label"
    assert "缺少必填的键 'label'" in str(err)


def test_invalid_toml_names_the_line() -> None:
    text = replaced('code = "above_scale"', "code = above_scale")
    err = error_of(text, file="bad.toml")
    assert err.line == line_no(text, "code = above_scale")
    assert str(err).startswith(f"bad.toml:{err.line}:")
    assert "TOML 格式错误" in str(err)


def test_rules_error_is_a_mujun_error() -> None:
    err = error_of(replaced("weight = 60", "weight = 50"))
    assert isinstance(err, mujun.MujunError)


# ---- load_rules ----------------------------------------------------------------------------


def test_load_rules_from_file(tmp_path: Path) -> None:
    path = tmp_path / "测试县_2023.toml"
    data = ("\ufeff" + RULES_TEXT).encode("utf-8")  # with a BOM, as Windows editors write
    path.write_bytes(data)
    rules = load_rules(path)
    assert rules.path == str(path)
    assert rules.sha256 == hashlib.sha256(data).hexdigest()
    assert rules.classes[0].code == "above_scale"


def test_load_rules_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(RulesError) as info:
        load_rules(path)
    assert str(info.value).startswith(str(path))


def test_load_rules_error_starts_with_file_name(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(replaced("weight = 60", "weight = 50"), encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_rules(path)
    assert str(info.value).startswith(f"{path}:")
    assert info.value.file == str(path)


def test_load_rules_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "gbk.toml"
    path.write_bytes(RULES_TEXT.encode("gbk"))
    with pytest.raises(RulesError) as info:
        load_rules(path)
    assert str(info.value).startswith(str(path))
    assert "UTF-8" in str(info.value)


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf"])
def test_nan_and_inf_are_refused(bad: str) -> None:
    text = replaced("points = 2", f"points = {bad}")
    err = error_of(text)
    assert err.key == "class[0].adjust[0].points"
    assert err.line == line_no(text, f"points = {bad}")


@pytest.mark.parametrize(
    "condition",
    [
        "10**10**10 > 1",
        "1" + "0" * 400 + " > 1",
        "0 ** -1 > tax_paid",
        "-" * 1900 + "1 > 0",
        "(1, 2)",
        "industry_code == 3311",
        "park > 1",
        "park in (1, 2)",
    ],
)
def test_expressions_that_cannot_work_are_rules_errors(condition: str) -> None:
    text = replaced('when = "high_tech"', f'when = "{condition}"')
    err = error_of(text)
    assert err.key == "class[0].adjust[0].when"
    assert err.line == line_no(text, 'when = "' + condition[:20])
