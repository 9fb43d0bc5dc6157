"""The cells of an .xlsx that calamine reads as blank but a clerk should hear of: error values
(#N/A, #DIV/0!, whose text is put back) and formulas without a cached value (reported with their
cell). Only regions of a sheet that hold a formula or an error value are parsed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

# whole cells, in text, for the few regions that hold formulas or error values; neither a tag
# nor a cell's body is searched past the next cell's start, so the search stays linear however
# many cells never end
_CELL = re.compile(
    r"<(?P<p>(?:[A-Za-z_][\w.\-]*:)?)c\s(?P<a>(?:[^<>\"'/]|/(?!>)|\"[^\"]*\"|'[^']*')*)"
    r"(?:/>|>(?P<b>[^<]*(?:<(?!(?P=p)c[\s/>]|/(?P=p)c\s*>)[^<]*)*)</(?P=p)c\s*>)"
)
_ATTR_R = r"(?:^|\s)r\s*=\s*[\"']([A-Za-z]+[0-9]+)[\"']"
_ATTR_T = r"(?:^|\s)t\s*=\s*[\"']([a-zA-Z]+)[\"']"
_HAS_F = r"<(?:[A-Za-z_][\w.\-]*:)?f[\s/>]"
_V_TEXT = r"<(?:[A-Za-z_][\w.\-]*:)?v\s*>([^<]*)<"
_F_TEXT = r"<(?:[A-Za-z_][\w.\-]*:)?f(?:\s[^>]*)?>([^<]*)<"


@dataclass
class Found:
    """What the scan of one workbook found: per sheet name, error cells (row, column, text)
    and formula cells without a cached value (cell reference, formula text)."""

    errors: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)
    formulas: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def special_cells(text: str, sheet: str, found: Found) -> None:
    """Error cells and formula cells without a cached value in one region."""
    cells = pd.DataFrame(_CELL.findall(text), columns=["p", "a", "b"], dtype=object)
    if cells.empty:
        return
    ref = cells["a"].str.extract(_ATTR_R, expand=False).str.upper()
    kind = cells["a"].str.extract(_ATTR_T, expand=False).fillna("n")
    value = cells["b"].str.extract(_V_TEXT, expand=False)
    located = ref.notna()
    is_error = located & kind.eq("e") & value.notna()
    if is_error.any():
        where = ref[is_error].str.extract(r"([A-Z]+)([0-9]+)")
        number = {c: column_number(c) for c in where[0].unique()}  # distinct columns only
        found.errors.setdefault(sheet, []).extend(
            zip(
                (where[1].astype(int) - 1).tolist(),
                (where[0].map(number) - 1).tolist(),
                value[is_error].tolist(),
                strict=True,
            )
        )
    formula = cells["b"].str.contains(_HAS_F, regex=True)
    cached = value.fillna("").str.strip().ne("") | (kind.eq("str") & value.notna())
    uncached = located & formula & ~cached
    formulas = cells["b"][uncached].str.extract(_F_TEXT, expand=False).fillna("")
    found.formulas.setdefault(sheet, []).extend(
        zip(ref[uncached].tolist(), formulas.tolist(), strict=True)
    )


def column_number(letters: str) -> int:
    """1 for A, 26 for Z, 27 for AA."""
    number = 0
    for ch in letters.upper():  # three letters at most
        number = number * 26 + ord(ch) - 64
    return number
