"""mujun.values: cells as people type them → canonical values, with what happened to each cell.

Each parser takes a whole column (text from a CSV, typed objects from a workbook, typed columns
from a DataFrame) and returns the values, a `bad` mask and notes (issue code → mask).
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mujun import values
from mujun.arrowtext import nfkc_suspect


def cells(*items: Any) -> pd.Series:
    """A column of raw cells as a workbook hands them over (objects of mixed types)."""
    return pd.Series(list(items), dtype=object)


def notes_of(parsed: values.Parsed) -> dict[str, list[int]]:
    """The notes as code → positions, without the codes that concern no cell."""
    return {k: np.flatnonzero(m).tolist() for k, m in parsed.notes.items() if m.any()}


def same(got: pd.Series, expected: list[float]) -> bool:
    return all(
        (math.isnan(g) and math.isnan(e)) or g == pytest.approx(e, rel=1e-12)
        for g, e in zip(got.tolist(), expected, strict=True)
    )


# --- numbers -----------------------------------------------------------------------------------

NUMBERS: list[tuple[Any, float, str | None]] = [
    # cell, value, what is noted ('bad' for a cell that cannot be read)
    ("1,234.5", 1234.5, None),
    (" 12 ", 12.0, None),
    ("1 234", 1234.0, None),
    ("-5", -5.0, None),
    (".5", 0.5, None),
    ("1e3", 1000.0, None),
    ("１２３", 123.0, "full-width-value"),
    ("１，２３４．５", 1234.5, "full-width-value"),
    ("1.2万", 12_000.0, "scaled-value"),
    ("-1.2万", -12_000.0, "scaled-value"),
    ("1.2亿", 1.2e8, "scaled-value"),
    ("12.5%", 0.125, "scaled-value"),
    ("5‰", 0.005, "scaled-value"),
    ("—", math.nan, "placeholder-value"),
    ("——", math.nan, "placeholder-value"),
    ("-", math.nan, "placeholder-value"),
    ("－", math.nan, "placeholder-value"),
    ("/", math.nan, "placeholder-value"),
    ("无", math.nan, "placeholder-value"),
    ("暂无", math.nan, "placeholder-value"),
    ("N/A", math.nan, "placeholder-value"),
    ("", math.nan, None),
    (None, math.nan, None),
    (math.nan, math.nan, None),
    ("#N/A", math.nan, "excel-error"),
    ("#n/a", math.nan, "excel-error"),
    ("#DIV/0!", math.nan, "excel-error"),
    ("#VALUE!", math.nan, "excel-error"),
    ("abc", math.nan, "bad"),
    ("(5)", math.nan, "bad"),
    ("1.2万元", math.nan, "bad"),
    (7, 7.0, None),
    (2.5, 2.5, None),
    (np.int64(3), 3.0, None),
]


@pytest.mark.parametrize(("cell", "expected", "noted"), NUMBERS)
def test_number_cell(cell: Any, expected: float, noted: str | None) -> None:
    parsed = values.numbers(cells(cell))
    assert same(parsed.values, [expected]), parsed.values.tolist()
    assert parsed.bad.tolist() == [noted == "bad"]
    assert notes_of(parsed) == ({} if noted in (None, "bad") else {noted: [0]})


def test_numbers_over_a_whole_column_keep_each_cell_in_place() -> None:
    column = cells(*(c for c, _, _ in NUMBERS))
    parsed = values.numbers(column)
    assert parsed.values.dtype == float
    assert parsed.values.index.equals(column.index)
    assert same(parsed.values, [e for _, e, _ in NUMBERS])
    assert np.flatnonzero(parsed.bad).tolist() == [
        i for i, (_, _, n) in enumerate(NUMBERS) if n == "bad"
    ]
    expected: dict[str, list[int]] = {}
    for i, (_, _, noted) in enumerate(NUMBERS):
        if noted not in (None, "bad"):
            expected.setdefault(noted, []).append(i)
    assert notes_of(parsed) == expected


def test_numbers_of_a_text_column_with_a_non_default_index() -> None:
    column = pd.Series(["1,000", "2万", "—"], index=[10, 20, 30], dtype="string")
    parsed = values.numbers(column)
    assert parsed.values.to_dict() == {
        10: 1000.0,
        20: 20_000.0,
        30: pytest.approx(math.nan, nan_ok=True),
    }
    assert notes_of(parsed) == {"scaled-value": [1], "placeholder-value": [2]}


@pytest.mark.parametrize("column", [pd.Series([1.0, 2.5, np.nan]), pd.Series([1, 2, 3])])
def test_numeric_columns_pass_through(column: pd.Series) -> None:
    parsed = values.numbers(column)
    assert parsed.values.dtype == float
    assert same(parsed.values, column.astype(float).tolist())
    assert not parsed.bad.any()
    assert notes_of(parsed) == {}


def test_true_and_false_are_not_numbers() -> None:
    parsed = values.numbers(pd.Series([True, False]))
    assert parsed.values.isna().all()
    assert parsed.bad.tolist() == [True, True]


@settings(max_examples=60, deadline=None)
@given(st.decimals(min_value=-1e9, max_value=1e9, places=2, allow_nan=False))
def test_thousands_separators_never_change_the_number(value: Any) -> None:
    text = f"{value:,.2f}"
    parsed = values.numbers(cells(text, f"{value:.2f}"))
    assert parsed.values.iloc[0] == parsed.values.iloc[1] == float(f"{value:.2f}")
    assert not parsed.bad.any()


# --- integers, flags, dates --------------------------------------------------------------------


def test_integers_such_as_years() -> None:
    parsed = values.integers(
        cells("2022年", "2022", 2022.0, 2022, "２０２２", "", None, "2022.5", "二〇二二")
    )
    assert str(parsed.values.dtype) == "Int64"
    assert parsed.values.tolist()[:5] == [2022] * 5
    assert parsed.values.isna().tolist() == [False] * 5 + [True] * 4
    assert parsed.bad.tolist() == [False] * 7 + [True, True]


YES = ["是", "√", "✓", "Y", "yes", "TRUE", "1", 1, 1.0, "有", "规上", "规模以上", " 是 "]
NO = ["否", "×", "N", "no", "false", "0", 0, 0.0, "规下", "规模以下", "规下企业"]


def test_flags() -> None:
    parsed = values.flags(cells(*YES, *NO, "", None, "也许"))
    assert parsed.values.dtype == bool
    assert parsed.values.tolist() == [True] * len(YES) + [False] * (len(NO) + 3)
    assert np.flatnonzero(parsed.bad).tolist() == [len(YES) + len(NO) + 2]  # only 也许


def test_boolean_column_passes_through_and_missing_is_no() -> None:
    parsed = values.flags(pd.Series([True, False, None], dtype="boolean"))
    assert parsed.values.tolist() == [True, False, False]
    assert not parsed.bad.any()


def test_dates_in_the_forms_people_type() -> None:
    parsed = values.dates(
        cells(
            "2019-05-01",
            "2019/5/1",
            "2019年5月1日",
            "2019.05.01",
            "20190501",
            20190501,
            43586,
            "",
            None,
            "去年",
        )
    )
    day = pd.Timestamp("2019-05-01")
    assert parsed.values.tolist()[:7] == [day] * 7
    assert parsed.values.isna().tolist() == [False] * 7 + [True] * 3
    assert parsed.bad.tolist() == [False] * 9 + [True]


def test_workbook_date_objects() -> None:
    parsed = values.dates(cells(dt.datetime(2019, 5, 1, 10, 30), dt.datetime(2020, 1, 2)))
    assert parsed.values.tolist() == [pd.Timestamp("2019-05-01 10:30"), pd.Timestamp("2020-01-02")]
    parsed = values.dates(cells(dt.date(2019, 5, 1), dt.date(2020, 1, 2)))
    assert parsed.values.tolist() == [pd.Timestamp("2019-05-01"), pd.Timestamp("2020-01-02")]
    assert not parsed.bad.any()


def test_datetime_and_date_objects_in_one_column() -> None:
    """Regression: datetime and date objects in one column were parsed from their str() in one
    pd.to_datetime call whose format came from the first cell: the other kind became NaT."""
    parsed = values.dates(cells(dt.datetime(2019, 5, 1, 10, 30), dt.date(2020, 1, 2)))
    assert parsed.values.tolist() == [pd.Timestamp("2019-05-01 10:30"), pd.Timestamp("2020-01-02")]
    assert parsed.bad.tolist() == [False, False]


# --- credit codes and text ---------------------------------------------------------------------


def test_credit_codes_are_trimmed_upper_cased_and_full_width_folded() -> None:
    parsed = values.credit_codes(
        cells(
            "９１３５０２００７７６０４９６５３Ａ",
            " 91350203m0001qay9b ",
            "9135 0200 7760 4965 3A",
            "\u300091350200776049653A",
            "",
            None,
        )
    )
    assert parsed.values.tolist()[:4] == [
        "91350200776049653A",
        "91350203M0001QAY9B",
        "91350200776049653A",
        "91350200776049653A",
    ]
    assert parsed.values.isna().tolist() == [False] * 4 + [True, True]
    assert not parsed.bad.any()


def test_credit_codes_stored_as_numbers_are_bad() -> None:
    parsed = values.credit_codes(
        cells(
            913502000728319549,
            9.135020007283195e17,
            "9.13502E+17",
            "9.13502e17",
            "91350200776049653A",
            "913502007760496530",
        )
    )
    assert parsed.bad.tolist() == [True, True, True, True, False, False]
    assert parsed.notes["credit-code-as-number"].tolist() == parsed.bad.tolist()
    assert parsed.values.tolist()[2:4] == ["9.13502E+17", "9.13502E17"]


def test_as_text() -> None:
    got = values.as_text(cells(3311.0, 3311.5, "  a ", "", "ＡＢ１", None, 12, "\u3000x\u3000"))
    assert got.tolist()[:3] == ["3311", "3311.5", "a"]
    assert pd.isna(got.iloc[3]) and pd.isna(got.iloc[5])
    assert got.tolist()[4] == "AB1"
    assert got.tolist()[6:] == ["12", "x"]


def test_numeric_cells() -> None:
    got = values.numeric_cells(cells(1, 1.5, "1", True, None, np.int64(3), np.float32(2)))
    assert got.tolist() == [True, True, False, False, False, True, True]
    assert values.numeric_cells(pd.Series([1.0, 2.0])).tolist() == [True, True]
    assert values.numeric_cells(pd.Series([True])).tolist() == [False]
    assert values.numeric_cells(pd.Series(["1"], dtype="string")).tolist() == [False]


# ---- text cleaned by pyarrow kernels, against str.strip and unicodedata ---------------------

# the characters of a bureau's files: ASCII, CJK and its punctuation, full-width forms, Latin-1,
# circled numbers, spaces of every kind (ranges whose NFKC is settled in every Unicode version)
TEXT_CHARS = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5),
    st.characters(min_codepoint=0x3000, max_codepoint=0x303F),
    st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),
    st.characters(min_codepoint=0xA0, max_codepoint=0xFF),
    st.characters(min_codepoint=0x2460, max_codepoint=0x24FF),
    st.sampled_from(["\t", "\n", "\r", "\x0b", "\x0c", "\x85", "\u2002", "\u200a", "\u3000"]),
)


def plain_clean(text: str | None) -> str | None:
    """What clean_text does, one value at a time: trim, fold, trim again, blank is missing."""
    if text is None:
        return None
    out = unicodedata.normalize("NFKC", text.strip()).strip()
    return out or None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(TEXT_CHARS, max_size=12)), max_size=25))
def test_clean_text_is_strip_and_nfkc(texts: list[str | None]) -> None:
    got = values.clean_text(pa.array(texts, pa.string())).to_pylist()
    assert got == [plain_clean(t) for t in texts]


def test_the_ideographs_passed_over_by_nfkc_never_change() -> None:
    # clean_text folds only values holding a byte nfkc_suspect marks; every character it lets
    # pass unfolded (ASCII, U+4000–U+9FFF) must be its own NFKC form
    passed = [chr(c) for c in [*range(0x80), *range(0x4000, 0xA000)]]
    raw = np.frombuffer("".join(passed).encode(), dtype=np.uint8)
    assert not nfkc_suspect(raw).any()
    assert [c for c in passed if unicodedata.normalize("NFKC", c) != c] == []
    assert nfkc_suspect(np.frombuffer("ａ（".encode(), dtype=np.uint8)).sum() == 2


# --- numbers that are not finite ---------------------------------------------------------------


@pytest.mark.parametrize(
    "cell", ["inf", "Infinity", "-inf", "+INF", "1e309", "-1e309", "NaN", "nan", "-nan",
             "9" * 400, "1" + "0" * 400 + "万", float("inf"), float("-inf")]
)  # fmt: skip
def test_non_finite_numbers_are_bad(cell: Any) -> None:
    parsed = values.numbers(cells(cell, "12.5"))
    assert parsed.bad.tolist() == [True, False]
    assert parsed.values.isna().tolist() == [True, False]
    assert not any(mask[0] for mask in parsed.notes.values())  # no note says it was read


def test_typed_floats_holding_infinity_are_bad_and_nan_is_blank() -> None:
    parsed = values.numbers(pd.Series([1.0, math.inf, -math.inf, math.nan]))
    assert parsed.bad.tolist() == [False, True, True, False]
    assert parsed.values.isna().tolist() == [False, True, True, True]
    assert values.numbers(cells(math.nan)).bad.tolist() == [False]  # a workbook's blank


def test_integers_too_large_to_be_whole_are_bad() -> None:
    parsed = values.integers(cells("1e20", "inf", 2.0**60, "2022"))
    assert parsed.bad.tolist() == [True, True, True, False]
    assert parsed.values.tolist()[3] == 2022


def test_non_finite_cells_of_a_typed_table() -> None:
    table = pa.table(
        {
            "tax_paid": pa.array([1.0, math.inf, math.nan, None]),
            "name": pa.array(["a", "b", "c", "d"]),
            "energy_tce": pa.array([math.inf, 1.0, 2.0, 3.0], pa.float32()),
        }
    )
    cleaned, found = values.non_finite_cells(table, {"tax_paid"})
    assert cleaned.column("tax_paid").to_pylist() == [1.0, None, None, None]
    assert found["tax_paid"].tolist() == [pd.NA, "inf", "nan", pd.NA]
    assert cleaned.column("energy_tce").to_pylist()[0] == math.inf  # not among the names
