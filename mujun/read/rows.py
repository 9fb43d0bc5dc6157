"""Which rows below a header are not firms: note and total rows, and repeated header rows.

A row is only taken for a note when it cannot be a firm: it has no credit code, its first cell
is a label (合计, 小计, 填报说明：…, 制表人：…, 审核：…) rather than a name (注塑制品有限公司 is a
firm), and it carries no figures — except a total whose figures are the sum of the firms it
totals. A labelled row with figures is a firm row (rejected later for its missing code); a total
whose figures do not add up is skipped with a warning naming it.

Header rows repeated in the data (page headers of an export, a units row 万元/亩, a row of column
numbers 1 2 3 …, a second header level under merged cells) are recognised and skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..values import as_text, numbers
from .headers import UNIT_WRAPPING, aliases, known_units

_TOTAL = re.compile(
    r"(?:其中[:：]?)?[^\d:：]{0,12}?(?:合计|总计|小计|累计|共计)(?:[(（][^)）]*[)）])?(?:[:：].*)?",
    re.S,
)
_LABELS = (
    "填报说明|填表说明|说明|注|备注|附注|制表人|制表单位|制表|填表人|填表|填报人|填报单位|填报|"
    "审核人|审核|复核人|以下空白|"
    "复核|审批人|审批|单位负责人|统计负责人|部门负责人|负责人|联系人|联系电话|电话|填报日期|"
    "报送日期|制表日期|日期|数据来源|资料来源"
)
_NOTE = re.compile(rf"(?:{_LABELS})(?:\d+|\(\d+\))?(?:[:：.、,，;；].*)?", re.S)
_NOTE_SPACED = re.compile(rf"(?:{_LABELS})\s+\S.*", re.S)
_CODE_LIKE = re.compile(r"[0-9A-Za-z]{15,20}")
_PAGE = r"(?:第\s*\d+\s*页)?\s*[,，/]?\s*(?:共\s*\d+\s*页)?|\d+\s*/\s*\d+页?"  # 第2页 共9页
_SERIAL = r"\d{1,6}"  # a 序号
_NUMBER_LETTERS = {"甲", "乙", "丙", "丁", "戊", "己", "栏次"}
_BLANK_LIKE = {"", "—", "-", "/", "——", "--"}
UNITS = known_units() | {"%", "个", "户", "家", "年", "是/否", "万元/亩", "吨标准煤/万元"}
TOTAL_TOLERANCE = (1e-6, 0.01)  # relative, absolute: a typed total may round to cents


@dataclass(frozen=True)
class Labelled:
    """Of some rows without a credit code: which carry a note or a total label, which have
    figures, and the first cell of each (to show which row was skipped)."""

    note: np.ndarray
    total: np.ndarray
    figures: np.ndarray
    text: np.ndarray


def texts(data: pd.DataFrame) -> pd.DataFrame:
    """Cells as trimmed NFKC text ('' when blank), for recognising labels and headers."""
    if data.empty:
        return data.astype("string").fillna("")
    return data.apply(lambda c: as_text(c).fillna(""))  # 1.0 from a workbook reads 1


def first_text(text: pd.DataFrame) -> np.ndarray:
    """The first non-blank cell of each row."""
    if text.empty:
        return np.full(len(text), "", dtype=object)
    cells = text.to_numpy(dtype=object, na_value="")
    filled = cells != ""
    first = cells[np.arange(len(cells)), filled.argmax(axis=1)]
    return np.where(filled.any(axis=1), first, "").astype(object)


def leading_serial(text: pd.DataFrame) -> pd.DataFrame:
    """The first non-blank cell of each row where it is a whole number (a 序号)."""
    filled = text.ne("").to_numpy(dtype=bool)
    first = filled & (np.cumsum(filled, axis=1) == 1)
    serial = text.apply(lambda c: c.str.fullmatch(_SERIAL)).to_numpy(dtype=bool, na_value=False)
    return pd.DataFrame(first & serial, index=text.index, columns=text.columns)


def coded(codes: pd.Series) -> np.ndarray:
    """Which credit-code cells hold something like a code (15-20 letters and digits)."""
    cell = codes.astype("string").str.replace(r"\s+", "", regex=True)
    return cell.str.fullmatch(_CODE_LIKE.pattern).fillna(False).to_numpy(dtype=bool)


def labelled(text: pd.DataFrame, code_col: int, numbers: pd.DataFrame) -> Labelled:
    """Note and total labels among rows without a credit code, whose figure columns (read as
    numbers, NaN: none) are `numbers`. A label stands in the first non-blank cell after a 序号,
    and the credit-code cell is blank or holds that label."""
    first = first_text(text.mask(leading_serial(text), ""))
    code_cell = text.iloc[:, code_col].to_numpy(dtype=object)
    candidate = ((code_cell == "") | (code_cell == first)) & (first != "")
    label = pd.Series(first, dtype="string")
    compact = label.str.replace(r"\s+", "", regex=True)
    total = candidate & compact.str.fullmatch(_TOTAL.pattern, flags=re.S).to_numpy(dtype=bool)
    note = compact.str.fullmatch(_NOTE.pattern, flags=re.S) | label.str.fullmatch(
        _NOTE_SPACED.pattern, flags=re.S
    )
    note = candidate & note.to_numpy(dtype=bool) & ~total
    figures = numbers.notna().any(axis=1).to_numpy(dtype=bool)
    return Labelled(note, total, figures, first)


def totals_add_up(values: np.ndarray, firms: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Totals whose every figure is the sum of the firm rows above it (since the previous total,
    or all of them) or of every firm row of the sheet."""
    out = np.zeros(len(totals), dtype=bool)
    at = np.flatnonzero(totals)
    if not len(at) or values.shape[1] == 0:
        return out
    summed = np.where(firms[:, None], np.nan_to_num(values), 0.0)
    cum = np.vstack([np.zeros((1, values.shape[1])), np.cumsum(summed, axis=0)])
    before = np.maximum.accumulate(np.where(totals, np.arange(len(totals)), -1))
    previous = np.concatenate([[-1], before[:-1]])[at]
    given = values[at]
    rel, tol = TOTAL_TOLERANCE
    for sums in (cum[at], cum[at] - cum[previous + 1], np.broadcast_to(cum[-1], given.shape)):
        close = np.isnan(given) | np.isclose(given, sums, rtol=rel, atol=tol)
        out[at] |= close.all(axis=1)
    return out


def header_like(
    text: pd.DataFrame, reference: pd.DataFrame, code_col: int, name_col: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Of some rows without a credit code: which repeat the header or the title rows above it
    (`reference`: those rows as texts, merged cells spread), state units or number the
    columns; and which could be a second header level (no name, no number), which they are
    when right below the header."""
    none = np.zeros(len(text), dtype=bool)
    if text.empty:
        return none, none
    blank = text.isin(_BLANK_LIKE)
    copy = none.copy()
    for ref in reference.to_numpy(dtype=object):  # a loop over the header's and title rows
        same = text.eq(pd.Series(ref, index=text.columns), axis=1) & ~blank
        enough = min(2, int((~pd.Series(ref).isin(_BLANK_LIKE)).sum()))  # a title: one cell
        copy |= (blank | same).all(axis=1).to_numpy() & (same.sum(axis=1) >= max(enough, 1))
    named = text.iloc[:, code_col].str.replace(r"\s+", "", regex=True).str.lower()
    copy |= named.map(aliases()).eq("credit_code").fillna(False).to_numpy(dtype=bool)
    bare = text.apply(lambda c: c.str.replace(UNIT_WRAPPING, "", regex=True))
    unit = bare.apply(lambda c: c.str.lower().isin(UNITS))
    units = (blank | unit).all(axis=1).to_numpy() & unit.any(axis=1).to_numpy()
    number = bare.apply(lambda c: pd.to_numeric(c.where(c.str.fullmatch(r"\d{1,3}")), "coerce"))
    before = number.ffill(axis=1).shift(1, axis=1)
    steps = (number.isna() | before.isna() | (number - before == 1)).all(axis=1)
    letter = bare.isin(_NUMBER_LETTERS) | bare.apply(lambda c: c.str.fullmatch("[A-Za-z]"))
    numbered = (blank | number.notna() | letter).all(axis=1) & steps
    numbered = (numbered & ((number.notna() | letter).sum(axis=1) >= 3)).to_numpy(dtype=bool)
    page = bare.apply(lambda c: c.str.fullmatch(_PAGE)) & ~blank
    pages = ((blank | page).all(axis=1) & page.any(axis=1)).to_numpy(dtype=bool)
    figures = bare.apply(lambda c: pd.to_numeric(c.str.replace(",", ""), errors="coerce"))
    nameless = ~none if name_col is None else blank.iloc[:, name_col].to_numpy()
    second = figures.isna().all(axis=1).to_numpy() & nameless & ~blank.all(axis=1).to_numpy()
    return copy | units | numbered | pages, second


@dataclass(frozen=True)
class NotFirms:
    """Rows below a header that are not firms, by kind, and each row's first cell."""

    empty: np.ndarray  # rows holding a 序号 and nothing else (a numbered template): as blank
    notes: np.ndarray  # note rows, and totals that add up: skipped
    odd_totals: np.ndarray  # totals whose figures are not the firms' sum: skipped, warned
    headers: np.ndarray  # repeated header, units, column numbers, second header level: skipped
    text: np.ndarray


def not_firms(
    data: pd.DataFrame,
    blank: np.ndarray,
    above: pd.DataFrame,
    columns: dict[str, int],
    figures: list[int],
    read: list[int],
) -> NotFirms:
    """Classify the rows of `data` that are not blank and have no credit code (`above`: the
    cells of the header and title rows, merged cells spread; `columns`: field → column index of
    credit_code and name; `figures`: the number columns; `read`: every column read)."""
    n = len(data)
    code_col = columns["credit_code"]
    candidate = ~blank & ~coded(data.iloc[:, code_col])
    at = np.flatnonzero(candidate)
    empty, notes, odd, headers = (np.zeros(n, dtype=bool) for _ in range(4))
    shown = np.full(n, "", dtype=object)
    if not len(at):
        return NotFirms(empty, notes, odd, headers, shown)
    sub = data.iloc[at]
    text = texts(sub)
    unread = ~text.columns.isin(read)
    serial = text.apply(lambda c: c.str.fullmatch(_SERIAL)) & unread
    empty[at] = (text.eq("") | serial).all(axis=1).to_numpy(dtype=bool)
    numbers = pd.DataFrame({i: numbers_of(sub.iloc[:, i]) for i in figures}, index=sub.index)
    found = labelled(text, code_col, numbers)
    raw = sub.astype("string").fillna("").apply(lambda c: c.str.strip())
    raw = raw.mask(leading_serial(text).to_numpy(dtype=bool), "")
    shown[at] = pd.Series(first_text(raw), dtype="string").str.slice(0, 40).to_numpy(dtype=object)
    total = np.zeros(n, dtype=bool)
    total[at] = found.total
    with_figures = np.zeros(n, dtype=bool)
    with_figures[at] = found.figures
    notes[at] = (found.note | found.total) & ~found.figures
    copies, second = header_like(text, texts(above), code_col, columns.get("name"))
    labels = np.zeros(n, dtype=bool)
    labels[at] = found.note | found.total
    headers[at] = copies
    lower = np.zeros(n, dtype=bool)
    lower[at] = second
    headers |= lower & np.logical_and.accumulate(lower | blank)
    headers &= ~labels
    if (total & with_figures).any():
        values = np.column_stack([numbers_of(data.iloc[:, i]) for i in figures])
        firms = ~blank & ~headers & ~labels
        adds_up = totals_add_up(values, firms, total & with_figures)
        notes |= adds_up
        odd = total & with_figures & ~adds_up
    headers &= ~empty
    return NotFirms(empty, notes, odd, headers, shown)


def numbers_of(cells: pd.Series) -> np.ndarray:
    """A column's cells read as numbers (NaN where none)."""
    return numbers(cells.reset_index(drop=True)).values.to_numpy(dtype=float)
