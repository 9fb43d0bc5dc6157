"""Numbers of a rules file are finite and within stated ranges: an out-of-range weight, points,
cap, factor, benchmark or threshold is a rules error naming the line and the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import RULES_TEXT

from mujun import RulesError, load_rules, parse_rules
from mujun.rules.load import MAX_RULES_BYTES


def line_no(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def error_of(text: str) -> RulesError:
    with pytest.raises(RulesError) as info:
        parse_rules(text, file="r.toml")
    return info.value


CASES = [
    ("points = 2", "points = {v}", "class[0].adjust[0].points", ["1e308", "-1e308", "1001"]),
    ("weight = 60", "weight = {v}", "class[0].indicator[0].weight", ["1e308", "-1", "0"]),
    (
        "benchmark = 10.0, cap = 2.0",
        "benchmark = 10.0, cap = {v}",
        "class[0].indicator[0].score.cap",
        ["1e308", "101", "0"],
    ),
    (
        "benchmark = 10.0, cap",
        "benchmark = {v}, cap",
        "class[0].indicator[0].score.benchmark",
        ["1e-300", "1e300", "inf", "nan", "0", "-5"],
    ),
    (
        'benchmark = "pooled", cap = 2.0',
        'benchmark = "pooled", factor = {v}, cap = 2.0',
        "class[0].indicator[1].score.factor",
        ["1e308", "1e-308", "0", "inf"],
    ),
    ("minimum = { A = 150", "minimum = { A = {v}", "class[1].tiers.minimum.A", ["1e300", "nan"]),
    ("A = 0.25, B", "A = {v}, B", "class[0].tiers.shares.A", ["nan", "inf", "1e308"]),
]


@pytest.mark.parametrize(
    ("old", "new", "key", "value"),
    [(old, new, key, v) for old, new, key, values in CASES for v in values],
)
def test_out_of_range_numbers_are_refused(old: str, new: str, key: str, value: str) -> None:
    replacement = new.replace("{v}", value)
    assert old in RULES_TEXT
    text = RULES_TEXT.replace(old, replacement, 1)
    err = error_of(text)
    assert err.key == key
    assert err.line == line_no(text, replacement)


@pytest.mark.parametrize(
    ("addition", "key"),
    [
        ("total_weight = 1e308\n", "class[0].total_weight"),
        ("[energy]\nelectricity_kgce_per_kwh = 1e308\n", "energy.electricity_kgce_per_kwh"),
        ("[selection.clusters]\nseed = -1\n", "selection.clusters.seed"),
        ("[selection.weights]\ngrowth = 1e308\n", "selection.weights.growth"),
        ("[selection]\nsize = 1000000000\n", "selection.size"),
    ],
)
def test_other_bounded_numbers(addition: str, key: str) -> None:
    if addition.startswith("total_weight"):
        text = RULES_TEXT.replace('when = "above_scale"\n', 'when = "above_scale"\n' + addition)
    else:
        text = RULES_TEXT + "\n" + addition
    err = error_of(text)
    assert err.key == key
    assert err.line == line_no(text, addition.splitlines()[-1])


def test_bounds_are_said_in_chinese() -> None:
    err = error_of(RULES_TEXT.replace("points = 2", "points = 1e308"))
    assert "须不大于 1000" in err.detail


def test_numbers_inside_the_bounds_load() -> None:
    text = RULES_TEXT.replace("points = 2", "points = -1000").replace("cap = 2.0 }", "cap = 100 }")
    rules = parse_rules(text)
    assert rules.classes[0].adjust[0].points == -1000


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("points = 2", "points = true", "class[0].adjust[0].points"),
        ("weight = 60", 'weight = "60"', "class[0].indicator[0].weight"),
        ("year = ", "year = 2023.0 #", "year"),
        ("points = 2", "points = " + "9" * 400, "class[0].adjust[0].points"),
    ],
)
def test_values_are_not_converted(old: str, new: str, key: str) -> None:
    text = RULES_TEXT.replace(old, new, 1)
    err = error_of(text)
    assert err.key == key
    assert err.line == line_no(text, new[:12])


@pytest.mark.parametrize(
    "text",
    ["a = " + "[" * 50_000 + "]" * 50_000, "a = " + "{b = " * 5_000 + "1" + "}" * 5_000],
)
def test_deeply_nested_toml_is_a_rules_error(text: str) -> None:
    err = error_of(text)
    assert err.file == "r.toml"
    assert "嵌套" in err.detail


def test_a_huge_rules_file_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    path.write_text(RULES_TEXT + "# " + "x" * (MAX_RULES_BYTES + 10) + "\n", encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_rules(path)
    assert info.value.file == str(path)
    assert "KB" in info.value.detail
    with pytest.raises(RulesError):
        parse_rules("#" * (MAX_RULES_BYTES + 1))
