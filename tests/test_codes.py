"""统一社会信用代码 check digit (GB 32100-2015) and GB/T 4754-2017 industry codes."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc

from mujun.codes import (
    CREDIT_ALPHABET,
    check_credit_codes,
    credit_check_char,
    industry_division,
    read_credit_codes,
    section_of,
)

VALID = ["91350200776049653A", "91440101MA5CJQ4N59", "913502000728319549", "91350213678251743X"]
BAD_CHECK = "91350203M0001QAY9B"


def test_alphabet_has_31_characters_without_i_o_s_v_z() -> None:
    assert len(CREDIT_ALPHABET) == 31
    assert not set("IOSVZ") & set(CREDIT_ALPHABET)


def test_valid_examples_pass() -> None:
    well_formed, check_ok = check_credit_codes(pd.Series(VALID))
    assert well_formed.tolist() == [True] * 4
    assert check_ok.tolist() == [True] * 4


@pytest.mark.parametrize("code", VALID)
def test_check_char_of_valid_examples(code: str) -> None:
    assert credit_check_char(code[:17]) == code[17]


def test_check_char_by_hand() -> None:
    # 91350200776049653 · weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28:
    # 9 + 3 + 27 + 135 + 0 + 52 + 0 + 0 + 140 + 203 + 150 + 0 + 32 + 216 + 60 + 150 + 84 = 1261
    # 1261 mod 31 = 21 → 31 − 21 = 10 → 'A'
    assert credit_check_char("91350200776049653") == "A"
    # 91350203M0001QAY9 (M=21, Q=24, A=10, Y=30):
    # 9 + 3 + 27 + 135 + 0 + 52 + 0 + 51 + 420 + 0 + 0 + 0 + 8 + 576 + 100 + 900 + 252 = 2533
    # 2533 mod 31 = 22 → 31 − 22 = 9 → '9' (the registry's code ends in 'B')
    assert credit_check_char("91350203M0001QAY9") == "9"


def test_check_value_31_becomes_0() -> None:
    # a body of zeros sums to 0 → 31 − 0 = 31 → 0
    assert credit_check_char("0" * 17) == "0"


def test_registry_code_with_wrong_check_is_well_formed_but_fails() -> None:
    well_formed, check_ok = check_credit_codes(pd.Series([BAD_CHECK]))
    assert well_formed.tolist() == [True]
    assert check_ok.tolist() == [False]


@pytest.mark.parametrize(
    "code",
    [
        "91350200776049653",  # 17 characters
        "91350200776049653AA",  # 19 characters
        "",
        "9135020077604965IA",  # I
        "9135020077604965OA",  # O
        "9135020077604965SA",  # S
        "9135020077604965VA",  # V
        "9135020077604965ZA",  # Z
        "91350200776049653a",  # lower case (the table upper-cases before checking)
        "9135020077604965 A",
        "９１３５０２００７７６０４９６５３Ａ",  # full-width digits
    ],
)
def test_not_well_formed(code: str) -> None:
    well_formed, check_ok = check_credit_codes(pd.Series([code]))
    assert well_formed.tolist() == [False]
    assert check_ok.tolist() == [False]


def test_missing_code_is_not_well_formed() -> None:
    well_formed, check_ok = check_credit_codes(pd.Series([None, VALID[0]], dtype=object))
    assert well_formed.tolist() == [False, True]
    assert check_ok.tolist() == [False, True]


def test_mixed_column_keeps_positions() -> None:
    column = pd.Series([VALID[1], "X", BAD_CHECK, VALID[2]])
    well_formed, check_ok = check_credit_codes(column)
    assert well_formed.tolist() == [True, False, True, True]
    assert check_ok.tolist() == [True, False, False, True]


DIGITS = "0123456789"
body_st = st.tuples(
    st.text(alphabet=DIGITS, min_size=8, max_size=8),
    st.text(alphabet=CREDIT_ALPHABET, min_size=9, max_size=9),
).map("".join)


@settings(max_examples=50, deadline=None)
@given(bodies=st.lists(body_st, min_size=1, max_size=20))
def test_check_char_agrees_with_stdnum(bodies: list[str]) -> None:
    codes = [b + credit_check_char(b) for b in bodies]
    assert [c[17] for c in codes] == [uscc.calc_check_digit(b) for b in bodies]
    well_formed, check_ok = check_credit_codes(pd.Series(codes))
    assert well_formed.all()
    assert check_ok.tolist() == [uscc.is_valid(c) for c in codes]


@settings(max_examples=50, deadline=None)
@given(
    codes=st.lists(
        st.tuples(
            st.text(alphabet=DIGITS, min_size=8, max_size=8),
            st.text(alphabet=DIGITS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=10, max_size=10),
        ).map("".join),
        min_size=1,
        max_size=20,
    )
)
def test_any_code_agrees_with_stdnum(codes: list[str]) -> None:
    """Arbitrary upper-case codes (forbidden letters included): valid exactly when stdnum says."""
    well_formed, check_ok = check_credit_codes(pd.Series(codes))
    assert (well_formed & check_ok).tolist() == [uscc.is_valid(c) for c in codes]


def test_industry_division() -> None:
    codes = pd.Series(["1511", "44", "3311", "9", "ab12", "98", None, " 0611 ", "13", "97"])
    got = industry_division(codes)
    expected = [15, 44, 33, np.nan, np.nan, np.nan, np.nan, 6, 13, 97]
    np.testing.assert_array_equal(got, np.array(expected, dtype=float))


def test_industry_division_repeated_codes_keep_positions() -> None:
    codes = pd.Series(["3311", None, "3311", "4411", "bad", "4411"])
    got = industry_division(codes)
    np.testing.assert_array_equal(got, [33, np.nan, 33, 44, np.nan, 44])


@pytest.mark.parametrize(
    ("division", "letter"), [(6, "B"), (12, "B"), (13, "C"), (43, "C"), (44, "D"), (46, "D")]
)
def test_section_of(division: int, letter: str) -> None:
    assert section_of(division) == letter


def test_section_of_unknown_division() -> None:
    with pytest.raises(ValueError, match="98"):
        section_of(98)


# ---- read_credit_codes on any text, against the rule written out in Python ----------------

ANY_CODE_CHAR = st.sampled_from(
    [*CREDIT_ALPHABET, *"IOSVZabcxyz -_.+eE", "企", "业", "９", "Ａ", "é", "\u3000", "😀"]
)
any_code_st = st.one_of(
    st.none(),
    body_st.map(lambda b: b + credit_check_char(b)),  # valid
    st.text(ANY_CODE_CHAR, min_size=16, max_size=19),  # near the length, any character
    st.text(ANY_CODE_CHAR, max_size=6),  # 6 CJK characters are 18 bytes, not a code
    st.from_regex(r"[1-9](\.[0-9]{1,6})?[eE]\+?1[0-9]", fullmatch=True),  # Excel's notation
)


def plain_credit_code(code: str | None) -> tuple[bool, bool, bool]:
    """(well formed, check character right, Excel's notation of a number), one code at a time."""
    if code is None:
        return False, False, False
    formed = len(code) == 18 and set(code) <= set(CREDIT_ALPHABET)
    check = formed and credit_check_char(code[:17]) == code[17]
    number = not formed and re.fullmatch(r"[0-9](\.[0-9]+)?[eE]\+?[0-9]+", code) is not None
    return formed, check, number


@settings(max_examples=300, deadline=None)
@given(codes=st.lists(any_code_st, max_size=30), typed=st.booleans())
def test_read_credit_codes_is_the_plain_rule(codes: list[str | None], typed: bool) -> None:
    column = pd.Series(codes, dtype="string[pyarrow]" if typed else object)
    found = read_credit_codes(column)
    want = [plain_credit_code(c) for c in codes]
    assert found.well_formed.tolist() == [w[0] for w in want]
    assert found.check_ok.tolist() == [w[1] for w in want]
    assert found.as_number.tolist() == [w[2] for w in want]
    encoded = {i: c.encode() for i, c in enumerate(codes) if c is not None}
    eighteen = [i for i, b in encoded.items() if len(b) == 18]
    assert found.rows.tolist() == eighteen
    assert [bytes(r) for r in found.chars] == [encoded[i] for i in eighteen]
