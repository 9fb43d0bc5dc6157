"""The safe expression language of rules files."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mujun.fields import FIELDS
from mujun.rules.expr import FUNCTIONS, ExpressionError, parse

nan = np.nan
N = 4
COLUMNS = {
    "a": np.array([1.0, 2.0, nan, 0.0]),
    "b": np.array([0.0, 4.0, 1.0, 0.0]),
    "c": np.array([3.0, -2.0, 5.0, 7.0]),
    "flag": np.array([True, False, True, False]),
    "park": np.array(["东区", "西区", None, "东区"], dtype=object),
}


def ev(text: str) -> np.ndarray:
    return parse(text, known=COLUMNS)(COLUMNS, N)


def same(got: np.ndarray, expected: list[float]) -> None:
    np.testing.assert_array_equal(np.asarray(got, dtype=float), np.array(expected, dtype=float))


# ---- arithmetic ---------------------------------------------------------------------------


def test_arithmetic() -> None:
    same(ev("a + c"), [4, 0, nan, 7])
    same(ev("c - a"), [2, -4, nan, 7])
    same(ev("a * c"), [3, -4, nan, 0])
    same(ev("c ** 2"), [9, 4, 25, 49])
    same(ev("-c"), [-3, 2, -5, -7])
    same(ev("+c"), [3, -2, 5, 7])
    same(ev("(a + 1) * 2"), [4, 6, nan, 2])
    same(ev("c / 2"), [1.5, -1, 2.5, 3.5])


def test_operator_precedence() -> None:
    same(ev("1 + 2 * 3"), [7] * N)
    same(ev("2 ** 3 ** 2"), [512] * N)  # right associative: 2 ** 9
    same(ev("-2 ** 2"), [-4] * N)


def test_constant_is_broadcast_to_length() -> None:
    got = ev("3")
    assert got.shape == (N,)
    same(got, [3] * N)


def test_division_by_zero_is_nan() -> None:
    # a / b: 1/0 → NaN; 2/4 = 0.5; NaN/1 → NaN; 0/0 → NaN
    same(ev("a / b"), [nan, 0.5, nan, nan])
    same(ev("0 / 0"), [nan] * N)
    same(ev("1 / 0"), [nan] * N)
    same(ev("c / (b - b)"), [nan] * N)


def test_division_by_zero_does_not_warn() -> None:
    with np.errstate(all="raise"):
        same(ev("a / b"), [nan, 0.5, nan, nan])


# ---- comparisons and logic -----------------------------------------------------------------


def test_comparisons() -> None:
    same(ev("a > 1"), [0, 1, 0, 0])
    same(ev("a >= 1"), [1, 1, 0, 0])
    same(ev("a < 1"), [0, 0, 0, 1])
    same(ev("a <= 1"), [1, 0, 0, 1])
    same(ev("a == 2"), [0, 1, 0, 0])
    same(ev("a != 2"), [1, 0, 1, 1])  # NaN != 2 holds (use isnull to test missing)


def test_comparison_with_missing_is_false() -> None:
    assert not ev("a > -1")[2]
    assert not ev("a <= 100")[2]


def test_chained_comparison() -> None:
    # 0 < a < 2 only for a = 1; NaN is in no range
    same(ev("0 < a < 2"), [1, 0, 0, 0])
    same(ev("-5 < c <= 5"), [1, 1, 1, 0])
    same(ev("1 <= a <= 2 < c"), [1, 0, 0, 0])


def test_and_or_not() -> None:
    same(ev("a > 0 and c > 0"), [1, 0, 0, 0])
    same(ev("a > 1 or c > 4"), [0, 1, 1, 1])
    same(ev("not flag"), [0, 1, 0, 1])
    same(ev("not (a > 0)"), [0, 0, 1, 1])
    same(ev("flag and not c < 0 or b == 4"), [1, 1, 1, 0])


def test_numbers_as_conditions() -> None:
    # zero and missing are false
    cond = parse("a").condition(COLUMNS, N)
    assert cond.dtype == bool
    assert cond.tolist() == [True, True, False, False]


def test_in_list() -> None:
    same(ev("c in (3, 5)"), [1, 0, 1, 0])
    same(ev("c not in (3, 5)"), [0, 1, 0, 1])
    same(ev("c in [7]"), [0, 0, 0, 1])
    same(ev("a in (1, 2)"), [1, 1, 0, 0])


def test_in_list_with_negative_numbers() -> None:
    same(ev("c in (-2, 3)"), [1, 1, 0, 0])


def test_strings() -> None:
    same(ev("park == '东区'"), [1, 0, 0, 1])
    same(ev("park != '东区'"), [0, 1, 1, 0])
    same(ev('park in ("西区", "北区")'), [0, 1, 0, 0])
    same(ev("park not in ('西区',)"), [1, 0, 1, 1])
    got = ev("'园区'")
    assert list(got) == ["园区"] * N


def test_text_in_arithmetic_is_refused() -> None:
    with pytest.raises(ExpressionError, match="文本"):
        ev("park + 1")
    with pytest.raises(ExpressionError, match="文本"):
        ev("where(park, 1, 2)")


def test_text_compared_with_number_is_refused() -> None:
    with pytest.raises(ExpressionError, match="文本"):
        ev("'东区' > 1")


def test_text_column_compared_with_number_is_refused() -> None:
    """A text field (an object column) compared with a number: a clear ExpressionError."""
    with pytest.raises(ExpressionError, match="文本"):
        ev("park > 1")


# ---- functions -----------------------------------------------------------------------------


def test_function_whitelist_is_the_documented_one() -> None:
    assert set(FUNCTIONS) >= {"where", "min", "max", "abs", "log", "isnull"}


def test_where() -> None:
    same(ev("where(flag, a, c)"), [1, -2, nan, 7])
    same(ev("where(c > 4, 1, 0)"), [0, 0, 1, 1])


def test_min_max() -> None:
    same(ev("min(a, c)"), [1, -2, nan, 0])
    same(ev("max(a, c)"), [3, 2, nan, 7])
    same(ev("max(a, c, 4)"), [4, 4, nan, 7])
    same(ev("min(c, 0, 5)"), [0, -2, 0, 0])


def test_abs() -> None:
    same(ev("abs(c)"), [3, 2, 5, 7])


def test_log() -> None:
    got = ev("log(c)")
    np.testing.assert_allclose(got[[0, 2, 3]], [math.log(3), math.log(5), math.log(7)])
    assert np.isnan(got[1])  # log of a negative: NaN
    assert np.isnan(ev("log(0)")).all()


def test_sqrt() -> None:
    got = ev("sqrt(c)")
    np.testing.assert_allclose(got[[0, 2, 3]], [math.sqrt(3), math.sqrt(5), math.sqrt(7)])
    assert np.isnan(got[1])


def test_isnull() -> None:
    assert ev("isnull(a)").tolist() == [False, False, True, False]
    assert ev("isnull(park)").tolist() == [False, False, True, False]


def test_coalesce() -> None:
    same(ev("coalesce(a, c)"), [1, 2, 5, 0])
    same(ev("coalesce(a, 9)"), [1, 2, 9, 0])


def test_wrong_number_of_arguments() -> None:
    with pytest.raises(ExpressionError, match="where"):
        parse("where(a, b)")
    with pytest.raises(ExpressionError, match="min"):
        parse("min(a)")
    with pytest.raises(ExpressionError, match="abs"):
        parse("abs(a, b)")


def test_functions_with_known_fields() -> None:
    """Function names are not field names: they must pass a `known` check (as in rules files)."""
    known = ["tax_paid", "land_mu", "emissions_t"]
    assert parse("max(tax_paid, 0) / land_mu", known=known).names == {"tax_paid", "land_mu"}
    parse("where(isnull(emissions_t), 0, emissions_t)", known=known)
    parse("log(tax_paid) + abs(land_mu) + min(tax_paid, land_mu)", known=known)


# ---- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("x.__class__", "属性"),
        ("a.b", "属性"),
        ("a[0]", "下标"),
        ("lambda: 1", "lambda"),
        ("__builtins__", "__ 开头"),
        ("__import__('os')", "__import__"),
        ("open('f')", "open"),
        ("eval('1 + 1')", "eval"),
        ("exec('x = 1')", "exec"),
        ("min(a, b, key=a)", "关键字参数"),
        ("f'{a}'", "f-string"),
        ("[x for x in a]", "推导式"),
        ("{x for x in a}", "推导式"),
        ("a // b", "//"),
        ("a % b", "%"),
        ("a if b else c", "where"),
        ("(y := 1)", ":="),
        ("{'a': 1}", "字典"),
        ("None", "None"),
        ("a in b", "常量列表"),
    ],
)
def test_refusals(text: str, words: str) -> None:
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert words in str(info.value)


def test_refusals_name_the_expression() -> None:
    with pytest.raises(ExpressionError) as info:
        parse("tax_paid.real")
    assert "tax_paid.real" in str(info.value)


@pytest.mark.parametrize("text", ["", "   ", "a +", "(a", "a = 1"])
def test_not_an_expression(text: str) -> None:
    with pytest.raises(ExpressionError):
        parse(text)


def test_too_long() -> None:
    with pytest.raises(ExpressionError, match="2000"):
        parse(" + ".join(["a"] * 1000))


def test_unknown_field_with_suggestion() -> None:
    with pytest.raises(ExpressionError) as info:
        parse("tax_payd / land_mu", known=FIELDS)
    text = str(info.value)
    assert "'tax_payd'" in text
    assert "（是否应为 'tax_paid'？）" in text


def test_unknown_field_without_close_match() -> None:
    with pytest.raises(ExpressionError) as info:
        parse("qqqqqq + 1", known=FIELDS)
    assert "'qqqqqq'" in str(info.value)
    assert "是否应为" not in str(info.value)


def test_field_missing_from_data_at_evaluation() -> None:
    with pytest.raises(ExpressionError, match="'zz'"):
        parse("zz + 1")(COLUMNS, N)


def test_a_text_condition_names_the_condition_in_chinese() -> None:
    with pytest.raises(ExpressionError) as info:
        parse("park").condition(COLUMNS, N)
    assert str(info.value) == "条件“park”无法使用：文本不能用作条件"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("zz + 1", "数据中没有字段 'zz'"),
        ("park + 1", "文本不能参与算术运算"),
        ("park > 1", "文本不能与数字比较"),
    ],
)
def test_evaluation_errors_name_the_expression_in_chinese(text: str, why: str) -> None:
    with pytest.raises(ExpressionError) as info:
        parse(text)(COLUMNS, N)
    assert str(info.value).startswith(f"无法计算表达式“{text}”：")
    assert why in str(info.value)


def test_names_are_the_fields_read() -> None:
    assert parse("tax_paid / land_mu + 1").names == {"tax_paid", "land_mu"}


# ---- ratios --------------------------------------------------------------------------------


def test_as_ratio_simple() -> None:
    ratio = parse("a / b").as_ratio()
    assert ratio is not None
    num, den = ratio
    assert (num.text, den.text) == ("a", "b")
    same(num(COLUMNS, N), [1, 2, nan, 0])
    same(den(COLUMNS, N), [0, 4, 1, 0])


def test_as_ratio_scaled_numerator() -> None:
    ratio = parse("(a * 10000) / b").as_ratio()
    assert ratio is not None
    num, den = ratio
    assert num.names == {"a"}
    assert den.names == {"b"}
    same(num(COLUMNS, N), [10000, 20000, nan, 0])


def test_as_ratio_not_a_ratio() -> None:
    assert parse("a + b").as_ratio() is None
    assert parse("a / b * 100").as_ratio() is None
    assert parse("a").as_ratio() is None


def test_text_column_with_no_value_compares_like_missing() -> None:
    blank = {"park": np.array([None, None], dtype=object)}
    same(parse("park == '东区'")(blank, 2), [0, 0])
    same(parse("park != '东区'")(blank, 2), [1, 1])
    same(parse("park > 'A'")(blank, 2), [0, 0])
    same(parse("park in ('东区', '西区')")(blank, 2), [0, 0])


def test_ordering_of_text_with_a_missing_value() -> None:
    mixed = {"park": np.array(["B", None, "A"], dtype=object)}
    same(parse("park > 'A'")(mixed, 3), [1, 0, 0])


@pytest.mark.parametrize(
    "text", ["10**10**10 > 1", "0 ** -1", "-" * 1900 + "1", "(1, 2)", "[1] * 3", "1" + "0" * 400]
)
def test_arithmetic_that_cannot_work_is_an_expression_error(text: str) -> None:
    with pytest.raises(ExpressionError):
        parse(text)({}, 1)
