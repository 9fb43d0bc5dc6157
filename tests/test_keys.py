"""Which rows are one firm-year: `keys.firm_years` against the same grouping done plainly with
pandas, on codes of every kind (valid, malformed, missing, Excel's numbers) and years."""

from __future__ import annotations

import numpy as np
import pandas as pd
from conftest import credit_code
from hypothesis import given, settings
from hypothesis import strategies as st

from mujun.codes import read_credit_codes
from mujun.keys import KeyState, firm_years, key_states, mergeable, shared_firm_years

CODES = [credit_code(i) for i in range(4)] + ["9135020077604965", "企业", "ABC", "9.1E+17", None]
row_st = st.tuples(st.sampled_from(CODES), st.sampled_from([2021, 2022, None]))


def plain_firm_years(
    codes: list[str | None], years: list[int | None], key: np.ndarray
) -> list[int]:
    """Rows of one (code, year) share a number, in order of first appearance; a row whose
    code identifies no firm is alone."""
    joined = mergeable(key)
    labels = [
        ("firm", code, "none" if year is None else year) if joined[i] else ("alone", i, 0)
        for i, (code, year) in enumerate(zip(codes, years, strict=True))
    ]
    numbers, _ = pd.factorize(pd.Series(labels, dtype=object))
    return numbers.tolist()


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(row_st, max_size=30), with_year=st.booleans())
def test_firm_years_group_as_pandas_does(
    rows: list[tuple[str | None, int | None]], with_year: bool
) -> None:
    codes = [c for c, _ in rows]
    years = [y if with_year else None for _, y in rows]
    code = pd.Series(codes, dtype="string[pyarrow]")
    year = pd.Series(years, dtype="Int64") if with_year else None
    found = read_credit_codes(code)
    as_number = found.as_number
    key = key_states(code, as_number, found)
    got = firm_years(code, year, key, found)
    assert got.tolist() == plain_firm_years(codes, years, key)
    shared = shared_firm_years(code, year, key, found)
    if len(set(got.tolist())) == len(rows):
        assert shared is None
    else:
        assert shared is not None and shared.tolist() == got.tolist()


def test_key_states_of_each_kind() -> None:
    code = pd.Series([credit_code(1), credit_code(1)[:17] + "0", "ABC", None, "9.1E+17"])
    found = read_credit_codes(code)
    key = key_states(code, found.as_number, found)
    bad_check = KeyState.OK if credit_code(1)[17] == "0" else KeyState.CHECK_DIGIT
    assert key.tolist() == [
        KeyState.OK,
        bad_check,
        KeyState.MALFORMED,
        KeyState.MISSING,
        KeyState.AS_NUMBER,
    ]
