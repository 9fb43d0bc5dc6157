"""Expressions are typed when the rules load: a formula that is no number, a condition that is
text or a date, a comparison of text with a number are rules errors naming file, line and key."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import RULES_TEXT
from hypothesis import given, settings
from hypothesis import strategies as st

from mujun import RulesError, parse_rules
from mujun.fields import FIELDS
from mujun.rules import types
from mujun.rules.base import sample_columns
from mujun.rules.expr import ExpressionError, parse


def line_no(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def error_of(text: str) -> RulesError:
    with pytest.raises(RulesError) as info:
        parse_rules(text, file="r.toml")
    return info.value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tax_paid / land_mu", "number"),
        ("high_tech", "bool"),
        ("high_tech + 1", "number"),
        ("name", "text"),
        ("credit_code", "text"),
        ("established", "date"),
        ("'abc'", "text"),
        ("True", "bool"),
        ("park == '东区'", "bool"),
        ("established < established", "bool"),
        ("not tax_paid", "bool"),
        ("isnull(name)", "bool"),
        ("where(high_tech, 1, revenue)", "number"),
        ("where(high_tech, name, park)", "text"),
        ("where(high_tech, high_tech, listed)", "bool"),
        ("coalesce(tax_paid, 0)", "number"),
        ("industry_division in (13, 14)", "bool"),
        ("park in ('A', 'B')", "bool"),
    ],
)
def test_inferred_types(text: str, expected: str) -> None:
    e = parse(text, known=FIELDS)
    assert types.infer(e.tree, types.FIELD_TYPES, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "name + 1",
        "-park",
        "established * 2",
        "log(name)",
        "min(tax_paid, park)",
        "coalesce(name, 0)",
        "park > 1",
        "established < '2020-01-01'",
        "established == 3",
        "name in (1, 2)",
        "tax_paid in ('a', 'b')",
        "established in (1, 2)",
        "park and high_tech",
        "not name",
        "where(name, 1, 2)",
        "where(high_tech, name, 1)",
        "where(high_tech, established, 1)",
        "park in ('A', 'B') in ('A', 'B')",
    ],
)
def test_type_errors(text: str) -> None:
    e = parse(text, known=FIELDS)
    with pytest.raises(ExpressionError):
        types.infer(e.tree, types.FIELD_TYPES, text)


FORMULA = 'formula = "tax_paid / land_mu"'


@pytest.mark.parametrize(
    "formula",
    ["name", "park", "credit_code", "'abc'", "high_tech", "tax_paid > 0", "established",
     "where(high_tech, name, park)", "isnull(tax_paid)"],
)  # fmt: skip
def test_a_formula_that_is_no_number_is_refused_at_load(formula: str) -> None:
    text = RULES_TEXT.replace(FORMULA, f'formula = "{formula}"', 1)
    err = error_of(text)
    assert err.key == "class[0].indicator[0].formula"
    assert err.line == line_no(text, f'formula = "{formula}"')
    assert err.file == "r.toml"
    assert "数值" in err.detail


@pytest.mark.parametrize(
    "condition",
    ["'abc'", "name", "park", "credit_code", "established", "where(high_tech, name, park)"],
)
@pytest.mark.parametrize(
    ("old", "key"),
    [
        ('when = "high_tech"', "class[0].adjust[0].when"),
        ('when = "safety_incident"', "class[0].tiers.rule[0].when"),
        ('when = "above_scale"', "class[0].when"),
        ('when = "industry_division >= 44', "exclude[0].when"),
    ],
)
def test_a_text_or_date_condition_is_refused_at_load(condition: str, old: str, key: str) -> None:
    line = next(ln for ln in RULES_TEXT.splitlines() if old in ln)
    text = RULES_TEXT.replace(line, f'when = "{condition}"', 1)
    err = error_of(text)
    assert err.key == key
    assert err.line == line_no(text, f'when = "{condition}"')
    assert "是/否" in err.detail


def test_a_number_may_stand_as_a_condition() -> None:
    text = RULES_TEXT.replace('when = "high_tech"', 'when = "employees"', 1)
    rules = parse_rules(text)
    assert rules.classes[0].adjust[0].when.text == "employees"


def test_a_watch_list_condition_is_typed_too() -> None:
    text = RULES_TEXT + (
        '\n[[selection.watch]]\ncode = "w"\nlabel = "培育"\nwhen = "cagr_revenue + name"\n'
        'reason = "增速"\n'
    )
    err = error_of(text)
    assert err.key == "selection.watch[0].when"
    assert err.line == line_no(text, 'when = "cagr_revenue + name"')


# ---- the types are sound: what loads, evaluates ---------------------------------------------

_NAMES = ["tax_paid", "land_mu", "high_tech", "name", "park", "established", "industry_division"]
_LEAVES = st.sampled_from([*_NAMES, "1", "0", "2.5", "'A'", "True"])


def _grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**", "and", "or"]), inner)
    compare = st.tuples(inner, st.sampled_from(["<", "==", "!=", ">="]), inner)
    calls = st.tuples(st.sampled_from(["abs", "log", "sqrt", "isnull", "not "]), inner)
    return st.one_of(
        binary.map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        compare.map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        calls.map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(inner, inner, inner).map(lambda t: f"where({t[0]}, {t[1]}, {t[2]})"),
        st.tuples(inner, inner).map(lambda t: f"coalesce({t[0]}, {t[1]})"),
        inner.map(lambda t: f"{t} in (1, 2)"),
        inner.map(lambda t: f"{t} in ('A', 'B')"),
    )


EXPRESSIONS = st.recursive(_LEAVES, _grow, max_leaves=6)


@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")
@settings(max_examples=300, deadline=None)
@given(EXPRESSIONS)
def test_an_expression_that_types_evaluates(text: str) -> None:
    """Whatever passes the type check evaluates on columns of every kind without an error:
    formulas to numbers, conditions to booleans."""
    try:
        e = parse(text, known=FIELDS)
    except ExpressionError:  # refused when parsed (a syntax the language does not take)
        return
    columns = sample_columns()
    columns["park"] = np.array(["A", None], dtype=object)
    try:
        types.check_formula(e)
    except ExpressionError:
        pass
    else:
        assert np.asarray(e(columns, 2), dtype=float).shape == (2,)
    try:
        types.check_condition(e)
    except ExpressionError:
        pass
    else:
        assert e.condition(columns, 2).dtype == bool
