"""Cell values as people type them → canonical values, vectorised over whole columns.

Each parser takes a column of raw cells (text, numbers, dates from a workbook; text from a CSV;
typed values from a DataFrame) and returns the values plus masks naming what happened to each
cell, so that the caller can report every non-obvious case without looping over firms. The only
per-cell step is a type lookup for object columns, which a workbook hands over cell by cell.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .arrowtext import (
    arrow_strings,
    as_series,
    byte_lengths,
    nfkc_suspect,
    rows_with,
    strings_of,
)
from .codes import CreditCodes, read_credit_codes
from .dates import after_year, read_dates

WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())  # as str.strip trims
PLACEHOLDERS = {
    "-",
    "—",
    "——",
    "－",
    "―",
    "--",
    "/",
    "／",
    "无",
    "空",
    "暂无",
    "n/a",
    "na",
    "null",
    "none",
    "\\",
}
EXCEL_ERRORS = {"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!"}
TRUE_WORDS = {
    "1",
    "1.0",
    "true",
    "t",
    "yes",
    "y",
    "是",
    "√",
    "✓",
    "有",
    "规上",
    "规模以上",
    "规上企业",
}
FALSE_WORDS = {
    "0",
    "0.0",
    "false",
    "f",
    "no",
    "n",
    "否",
    "×",
    "✗",
    "无",
    "规下",
    "规模以下",
    "规下企业",
}
SCALES = {"万": 1e4, "亿": 1e8, "%": 0.01, "‰": 0.001}
_NUMBER_WITH_SCALE = r"^([+-]?(?:\d+\.?\d*|\.\d+))(万|亿|%|‰)$"
_LARGEST_WHOLE = 2.0**53  # beyond it a float holds no exact whole number (and Int64 may overflow)
_NUMERIC_TYPES = (float, int, np.float64, np.float32, np.int64, np.int32)


@dataclass
class Parsed:
    """Values of one column and what happened to its cells (masks of equal length)."""

    values: pd.Series
    bad: np.ndarray  # could not be read: an error for this cell
    notes: dict[str, np.ndarray] = field(default_factory=dict)  # issue code → cells it concerns


def numeric_cells(cells: pd.Series) -> np.ndarray:
    """Which cells hold numbers (not text, not bools)."""
    if pd.api.types.is_bool_dtype(cells):
        return np.zeros(len(cells), dtype=bool)
    if pd.api.types.is_numeric_dtype(cells):
        return np.ones(len(cells), dtype=bool)
    if cells.dtype != object:
        return np.zeros(len(cells), dtype=bool)
    return cells.map(type).isin(_NUMERIC_TYPES).to_numpy(dtype=bool)


def as_text(cells: pd.Series) -> pd.Series:
    """Cells as trimmed text, full-width folded; whole numbers without '.0'; blank → <NA>."""
    data = arrow_strings(cells)
    if data is not None:  # typed text (Parquet, mujun's CSV): pyarrow kernels, no numbers
        return as_series(clean_text(data), cells.index)
    if _text_categories(cells):  # a column of few values, read as such: each cleaned once
        codes = cells.cat.codes.to_numpy()
        kinds = clean_text(pa.array(cells.cat.categories.to_numpy(dtype=object), pa.string()))
        return as_series(kinds.take(pa.array(codes, mask=codes < 0)), cells.index)
    is_num = numeric_cells(cells)
    text = cells.astype("string")
    if is_num.any():
        nums = pd.to_numeric(cells[is_num], errors="coerce").astype(float)
        whole = (nums.notna() & (nums % 1 == 0) & (nums.abs() < 1e15)).to_numpy()
        shown = nums.astype("string")
        shown[whole] = nums[whole].astype("int64").astype("string")
        text[is_num] = shown
    text = text.str.strip()
    if not text.str.isascii().fillna(True).all():
        text = text.str.normalize("NFKC").str.strip()
    return text.mask(text == "")


def _text_categories(cells: pd.Series) -> bool:
    """A categorical column whose categories are all text."""
    if not isinstance(cells.dtype, pd.CategoricalDtype):
        return False
    kinds = cells.cat.categories
    return bool(len(kinds) == 0 or pd.api.types.is_string_dtype(kinds.dtype))


def clean_text(data: pa.Array) -> pa.Array:
    """Trimmed, NFKC-folded where a character may change (full-width letters and digits,
    （）…; CJK ideographs and ASCII never do), blank as missing — as `as_text` does cells."""
    text = pc.utf8_trim(data, characters=WHITESPACE)
    suspect = rows_with(text, nfkc_suspect)
    if suspect.any():
        folded = pc.utf8_trim(pc.utf8_normalize(text.filter(suspect), "NFKC"), WHITESPACE)
        text = pc.replace_with_mask(text, pa.array(suspect), folded)
    if not (byte_lengths(text) == 0).any():
        return text
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text)


def numbers(cells: pd.Series) -> Parsed:
    """Numbers: '1,234.5', '１２３', '1.2万', '12.5%', placeholders ('—', '无', '/') and Excel
    errors ('#N/A') as missing; anything else that is not a finite number is bad ('inf',
    'NaN', '1e309': no quantity is infinite, and a NaN typed out is no blank)."""
    if pd.api.types.is_numeric_dtype(cells) and not pd.api.types.is_bool_dtype(cells):
        typed = cells.astype(float)
        infinite = np.isinf(typed.to_numpy())
        return Parsed(typed.mask(infinite) if infinite.any() else typed, infinite)
    is_num = numeric_cells(cells)
    out = pd.Series(np.nan, index=cells.index, dtype=float)
    out[is_num] = pd.to_numeric(cells[is_num], errors="coerce")
    text = as_text(cells.where(~is_num, None) if is_num.any() else cells)
    text = text.str.replace(",", "", regex=False).str.replace(" ", "", regex=False)
    direct = pd.to_numeric(text, errors="coerce").astype(float)
    out = out.where(is_num, direct)
    rest = text.notna() & direct.isna()
    notes: dict[str, np.ndarray] = {}
    bad = np.zeros(len(cells), dtype=bool)
    if rest.any():
        odd = text[rest]
        placeholder = odd.str.lower().isin(PLACEHOLDERS)
        excel = odd.str.upper().isin(EXCEL_ERRORS)
        scaled = odd.str.extract(_NUMBER_WITH_SCALE)
        number = pd.to_numeric(scaled[0], errors="coerce").astype(float)
        ok_scaled = number.notna()
        value = number * scaled[1].map(SCALES).astype(float)
        out.loc[value[ok_scaled].index] = value[ok_scaled]
        notes["placeholder-value"] = _spread(rest, placeholder)
        notes["excel-error"] = _spread(rest, excel)
        notes["scaled-value"] = _spread(rest, ok_scaled)
        bad = _spread(rest, ~(placeholder | excel | ok_scaled))
    infinite = np.isinf(out.to_numpy())
    if infinite.any():  # 'inf', '1e309', '1e400万', a float cell holding inf
        bad |= infinite
        out = out.mask(infinite)
        notes["scaled-value"] = notes.get("scaled-value", infinite) & ~infinite
    wide = cells.astype("string").str.contains("[\uff10-\uff19]", regex=True).fillna(False)
    notes["full-width-value"] = wide.to_numpy(dtype=bool) & ~bad & out.notna().to_numpy()
    return Parsed(out.astype(float), bad, notes)


def integers(cells: pd.Series) -> Parsed:
    """Whole numbers such as years ('2022', '2022年', 2022.0); a fraction, or a number too
    large to be a count, is bad."""
    if pd.api.types.is_integer_dtype(cells) and not pd.api.types.is_bool_dtype(cells):
        return Parsed(cells.astype("Int64"), np.zeros(len(cells), dtype=bool))  # typed whole
    if pd.api.types.is_numeric_dtype(cells) and not pd.api.types.is_bool_dtype(cells):
        parsed = numbers(cells)  # typed already: no text to read
    else:
        parsed = numbers(as_text(cells).str.removesuffix("年"))
    number = parsed.values.to_numpy()
    frac = ~np.isnan(number) & ((number % 1 != 0) | (np.abs(number) > _LARGEST_WHOLE))
    values = parsed.values.mask(frac).astype("Int64")
    return Parsed(values, parsed.bad | frac, parsed.notes)


def flags(cells: pd.Series) -> Parsed:
    """Yes/no: 是/否, √/×, 规上/规下, 1/0, Y/N, true/false; blank is 'no'."""
    if pd.api.types.is_bool_dtype(cells):
        return Parsed(cells.fillna(False).astype(bool), np.zeros(len(cells), dtype=bool))
    text = as_text(cells).str.lower()
    yes = text.isin(TRUE_WORDS)
    bad = (text.notna() & ~yes & ~text.isin(FALSE_WORDS)).to_numpy(dtype=bool)
    return Parsed(yes.fillna(False).astype(bool), bad)


def dates(cells: pd.Series) -> Parsed:
    """Dates: workbook dates, '2019-05-01', '2019/5/1', '2019年5月1日', '20190501' and Excel
    serial numbers; anything else is bad, and a date out of any plausible range (see
    `dates.read_dates`) is missing with an `implausible-date` note."""
    read, bad, implausible = read_dates(cells)
    read.index = cells.index
    return Parsed(read, bad, {"implausible-date": implausible})


def bound_dates(parsed: Parsed, years: pd.Series | None) -> Parsed:
    """Dates, with those after their row's data year's next year made missing and noted as
    implausible, as dates before 1900 already are."""
    late = after_year(parsed.values, years)
    if not late.any():
        return parsed
    notes = dict(parsed.notes)
    notes["implausible-date"] = notes.get("implausible-date", np.zeros(len(late), bool)) | late
    return replace(parsed, values=parsed.values.mask(late), notes=notes)


def lost_codes(codes: pd.Series) -> np.ndarray:
    """Credit codes that Excel turned into numbers (9.13403E+17): they identify no firm, so
    they must never be merged or counted as duplicates of each other."""
    return read_credit_codes(codes).as_number


def credit_codes(cells: pd.Series) -> Parsed:
    """Credit codes as text: trimmed, upper-cased, full-width folded, inner spaces removed.
    A code Excel stored as a number (9.1E+17) has lost its digits: it is bad, with its own code."""
    return read_codes(cells)[0]


def read_codes(cells: pd.Series) -> tuple[Parsed, CreditCodes]:
    """`credit_codes`, and what `codes.read_credit_codes` found of them on the way. Spaces,
    tabs and invisible characters anywhere in a code (zero-width spaces, U+FEFF, NBSP, the
    ideographic space) are removed and full-width characters folded; the codes changed so,
    beyond trimming, dropping spaces and upper-casing, are noted `credit-code-cleaned`."""
    is_num = numeric_cells(cells)
    data = arrow_strings(cells)
    cleaned = np.zeros(len(cells), dtype=bool)
    if data is not None and _canonical_codes(data):  # as mujun writes them: nothing to do
        text = cells.astype("string") if cells.dtype != "string" else cells
    else:
        if data is None and not is_num.any() and not _text_categories(cells):
            data = strings_of(cells)  # text cells: made pyarrow text once, then cleaned so
        raw = data if data is not None else strings_of(cells.where(~is_num, None))
        odd = rows_with(raw, _not_plain)  # the usual code is plain ASCII: nothing to clean
        data = strings_of(as_text(cells if data is None else as_series(data, cells.index)))
        if odd.any():
            inner = pc.replace_substring_regex(data.filter(odd), _INVISIBLE, "")
            data = pc.replace_with_mask(data, pa.array(odd), inner)
        ascii_only = pc.all(pc.string_is_ascii(data)).as_py() is not False
        text = as_series((pc.ascii_upper if ascii_only else pc.utf8_upper)(data), cells.index)
        text = text.mask(text == "")
        if odd.any():
            cleaned = _cleaned(raw, strings_of(text), odd & ~is_num)
    found = read_credit_codes(text)
    scientific = is_num | found.as_number
    notes = {"credit-code-as-number": scientific, "credit-code-cleaned": cleaned & ~scientific}
    return Parsed(text, scientific, notes), found


# what is removed from a credit code wherever it stands: separators (spaces of every width),
# control characters (tab, line breaks) and format characters (zero-width spaces, U+FEFF…)
_INVISIBLE = r"[\p{Z}\p{Cc}\p{Cf}]"
_ASCII_BLANKS = " \t\r\n\v\f"


def _not_plain(raw: np.ndarray) -> np.ndarray:
    """Bytes of anything but printable ASCII (a space, a control character, non-ASCII)."""
    return (raw <= 0x20) | (raw >= 0x7F)


def _cleaned(raw: pa.Array, code: pa.Array, odd: np.ndarray) -> np.ndarray:
    """Which of the `odd` codes were changed by more than trimming their ends of ASCII
    blanks, dropping ASCII spaces (codes are often typed in groups) and upper-casing: those a
    person may not see the difference in."""
    out = np.zeros(len(raw), dtype=bool)
    rows = pa.array(np.flatnonzero(odd))
    plain = pc.replace_substring(pc.utf8_trim(raw.take(rows), _ASCII_BLANKS), " ", "")
    plain = pc.ascii_upper(plain)
    now = code.take(rows)
    differs = pc.fill_null(pc.not_equal(plain, now), False).to_numpy(zero_copy_only=False)
    out[odd] = differs & now.is_valid().to_numpy(zero_copy_only=False)
    return out


def shown_invisible(cells: pd.Series) -> pd.Series:
    """Text with its invisible characters made visible, as 〔U+200B〕, for issue messages."""
    data = strings_of(cells.astype("string"))
    for char in _NAMED_INVISIBLE:  # a loop over characters, not cells
        data = pc.replace_substring(data, char, f"〔U+{ord(char):04X}〕")
    data = pc.replace_substring_regex(data, _INVISIBLE.replace("\\p{Z}", ""), "〔不可见字符〕")
    return as_series(data, cells.index)


def shown_foreign(codes: pd.Series) -> pd.Series:
    """Credit codes with each letter or sign outside ASCII (below the CJK blocks, whose
    characters no one mistakes for a Latin letter) named by its code point (〔U+0410〕): a
    Cyrillic А or a Greek Ο looks like the letter it is not, and a code holding one would
    otherwise look right in its error."""
    data = strings_of(codes.astype("string"))
    odd = pc.invert(pc.fill_null(pc.string_is_ascii(data), True))
    if not pc.any(odd).as_py():
        return codes
    sample = data.filter(odd).slice(0, _MOST_SAMPLED)  # bounded: the characters to name
    text = "".join(pc.utf8_slice_codeunits(sample, 0, 32).to_pylist())
    foreign = sorted({c for c in text if 0x7F < ord(c) < 0x2E80})[:_MOST_NAMED]
    for char in foreign:  # a loop over distinct characters, not codes
        data = pc.replace_substring(data, char, f"〔U+{ord(char):04X}〕")
    return as_series(data, codes.index)


_MOST_SAMPLED, _MOST_NAMED = 1000, 64  # codes looked at for their characters; names given
_NAMED_INVISIBLE = (
    "\u200b\u200c\u200d\u2060\ufeff\u00a0\u3000\u00ad\u200e\u200f\t\r\n\u2028\u2029\u202f"
)


def _canonical_codes(data: pa.Array) -> bool:
    """Codes already trimmed, upper case and ASCII, none blank: as `credit_codes` leaves them."""
    if pc.all(pc.string_is_ascii(data)).as_py() is False or (byte_lengths(data) == 0).any():
        return False
    return not rows_with(
        data, lambda b: (b <= 0x20) | ((b >= 0x61) & (b <= 0x7A)) | (b == 0x7F)
    ).any()


def _spread(where: pd.Series, sub: pd.Series) -> np.ndarray:
    """A mask over the whole column from a mask over the rows where `where` holds."""
    out = np.zeros(len(where), dtype=bool)
    out[np.flatnonzero(where.to_numpy(dtype=bool))] = np.asarray(sub, dtype=bool)
    return out


def non_finite_cells(
    table: pa.Table, names: Collection[str]
) -> tuple[pa.Table, dict[str, pd.Series]]:
    """A typed table with every non-finite value (inf, -inf, a NaN stored as a value rather
    than as a blank) of its floating-point columns among `names` made missing, and those
    values' text per column (NA elsewhere): they are cells that could not be read."""
    found: dict[str, pd.Series] = {}
    for i, name in enumerate(table.column_names):  # a loop over columns
        column = table.column(i)
        if name not in names or not pa.types.is_floating(column.type):
            continue
        finite = pc.fill_null(pc.is_finite(column), True)
        if pc.all(finite).as_py():
            continue
        text = pc.if_else(finite, pa.scalar(None, pa.string()), pc.cast(column, pa.string()))
        found[name] = as_series(text.combine_chunks(), pd.RangeIndex(len(text)))
        table = table.set_column(i, name, pc.if_else(finite, column, pa.scalar(None, column.type)))
    return table, found
