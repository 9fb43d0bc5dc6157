"""Split the decoded lines of a CSV file into records, honouring quotes only where they quote.

A quoted value may hold a line break (an address typed with Alt+Enter) and stays one value. But
a clerk's file in which one firm name starts with a quote and another holds a stray quote five
lines later would, read by the rules of CSV, make one name of the five firms between them —
their codes and tax figures inside it. So each record is checked: a quoted value with a delimiter
after a line break, or with a credit code beside a delimiter, is taken to hold other records'
fields. The lines of such records (or, when the quotes cannot be paired at all, the lines from an
unpaired quote on) are read again without quote processing, one row per line, and returned so
that each can be reported. Each row keeps the 1-based line it starts on.
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# a credit code inside a value: 18 letters and digits, 6 of them the region code
_CODE = r"(?<![0-9A-Za-z])[0-9A-Ya-y][0-9]{7}[0-9A-Za-z]{10}(?![0-9A-Za-z])"


def parse_lines(lines: pd.Series, delimiter: str) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """(cells, 1-based start line of each row, 1-based lines read without quote processing)."""
    lines = lines.reset_index(drop=True)
    n = len(lines)
    quotes = count(lines, '"')
    if not quotes.any():
        return _trim(_unquoted(lines, delimiter)), np.arange(1, n + 1), np.zeros(0, dtype=np.int64)
    got = _quoted(lines, delimiter)
    if got is not None:
        cells, spans = got
        bad = _swallowing(cells, delimiter) | _cut_short(cells, spans, lines, delimiter)
        if not bad.any():
            return _trim(cells), spans[:, 0] + 1, np.zeros(0, dtype=np.int64)
        edges = np.zeros(n + 1, dtype=np.int64)  # +1 where a faulty span opens, -1 past its end
        np.add.at(edges, spans[bad, 0], 1)
        np.add.at(edges, spans[bad, 1] + 1, -1)
        plain = np.cumsum(edges[:n]) > 0
        good_cells, good_starts = cells[~bad], spans[~bad, 0]
    else:
        plain = _unpaired(quotes)
        good = _quoted(lines[~plain], delimiter) if plain.any() else None
        if good is None or _swallowing(good[0], delimiter).any():
            plain = quotes > 0
            good = (_unquoted(lines[~plain], delimiter), _single_spans(int((~plain).sum())))
        kept = np.flatnonzero(~plain)
        good_cells, good_starts = good[0], kept[good[1][:, 0]]
    redone = _unquoted(lines[plain], delimiter)
    redone = redone.apply(lambda c: c.str.strip().str.strip('"'))
    cells = pd.concat([good_cells.reset_index(drop=True), redone], ignore_index=True)
    starts = np.concatenate([good_starts, np.flatnonzero(plain)])
    order = np.argsort(starts, kind="stable")
    cells = cells.iloc[order].reset_index(drop=True).fillna("")
    return _trim(cells), starts[order] + 1, np.flatnonzero(plain) + 1


def count(text: pd.Series, literal: str) -> np.ndarray:
    """How often `literal` occurs in each string (pyarrow's kernel, no regex)."""
    if not len(text):
        return np.zeros(0, dtype=np.int64)
    found = pc.count_substring(pa.array(text.fillna(""), type=pa.large_string()), literal)
    return found.to_numpy(zero_copy_only=False).astype(np.int64)


def _read(lines: pd.Series, delimiter: str, width: int, quoting: int) -> pd.DataFrame:
    """The lines joined again and read by pandas' C parser, every cell a string."""
    return pd.read_csv(
        io.StringIO(lines.str.cat(sep="\n") + "\n"),
        sep=delimiter,
        header=None,
        names=range(width),
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=False,
        quoting=quoting,
        skipinitialspace=quoting != csv.QUOTE_NONE,  # `A, "甲公司"` quotes 甲公司
        engine="c",
    )


def _width(lines: pd.Series, delimiter: str) -> int:
    if not len(lines):
        return 1
    return int(count(lines, delimiter).max()) + 1


def _unquoted(lines: pd.Series, delimiter: str) -> pd.DataFrame:
    """One row per line, split at every delimiter."""
    width = _width(lines, delimiter)
    if not len(lines):
        return pd.DataFrame(columns=range(width), dtype=str)
    try:
        cells = _read(lines, delimiter, width, csv.QUOTE_NONE)
        if len(cells) == len(lines):
            return cells
    except (pd.errors.ParserError, ValueError):
        pass
    split = lines.astype(object).str.split(delimiter, expand=True, regex=False)
    return split.fillna("").astype(str)


def _quoted(lines: pd.Series, delimiter: str) -> tuple[pd.DataFrame, np.ndarray] | None:
    """Records read by the rules of CSV, and each one's first and last line (0-based) — or
    None when the quotes cannot be paired (a quote left open at the end of the file)."""
    if not len(lines):
        return pd.DataFrame(columns=range(1), dtype=str), np.zeros((0, 2), dtype=np.int64)
    width = 2 * _width(lines, delimiter)  # a record over two lines holds both lines' fields
    try:
        cells = _read(lines, delimiter, width, csv.QUOTE_MINIMAL)
    except (pd.errors.ParserError, ValueError):
        return None
    breaks = np.zeros(len(cells), dtype=np.int64)
    for column in cells.columns:  # a loop over columns
        breaks += count(cells[column], "\n")
    if len(cells) + int(breaks.sum()) != len(lines):
        return None
    first = np.arange(len(cells)) + np.cumsum(breaks) - breaks
    return cells, np.column_stack([first, first + breaks])


def _single_spans(n: int) -> np.ndarray:
    return np.column_stack([np.arange(n), np.arange(n)])


def _swallowing(cells: pd.DataFrame, delimiter: str) -> np.ndarray:
    """Records with a value that holds other records' fields: a delimiter after a line break,
    a credit code after a line break, or a credit code beside a delimiter."""
    bad = np.zeros(len(cells), dtype=bool)
    sep = re.escape(delimiter)
    for column in cells.columns:  # a loop over columns; only values with a break or delimiter
        values = cells[column].fillna("")
        odd = values.str.contains(f"[\n{sep}]", regex=True).to_numpy(dtype=bool)
        if not odd.any():
            continue
        some = values[odd]
        after_break = some.str.partition("\n")[2]
        code = some.str.contains(_CODE, regex=True)
        hit = (
            after_break.str.contains(f"{sep}|{_CODE}", regex=True)
            | (code & some.str.contains(sep, regex=True))
        ).to_numpy(dtype=bool)
        bad[np.flatnonzero(odd)[hit]] = True
    return bad


def _cut_short(
    cells: pd.DataFrame, spans: np.ndarray, lines: pd.Series, delimiter: str
) -> np.ndarray:
    """Records that a quoted value leaves with fewer fields than most records have, while their
    line split at every delimiter has as many: a name opened with a quote that closes at the end
    of the line, holding the row's own park and figures (a quoted '甲,分公司' leaves the count
    as it is)."""
    per_line = count(lines, delimiter)
    inside = np.zeros(len(cells), dtype=np.int64)
    for column in cells.columns:  # a loop over columns
        inside += count(cells[column], delimiter)
    if not inside.any():
        return np.zeros(len(cells), dtype=bool)
    fields = np.add.reduceat(per_line, spans[:, 0]) - inside + 1
    usual = int(np.bincount(fields).argmax())
    return (inside > 0) & (fields < usual) & (per_line[spans[:, 0]] + 1 >= usual)


def _unpaired(quotes: np.ndarray) -> np.ndarray:
    """Lines inside or opening a run of lines whose quotes do not pair up (odd running count):
    where the quote reading failed, these are read without quote processing."""
    after = np.cumsum(quotes) % 2 == 1
    before = np.concatenate([[False], after[:-1]])
    return after | before


def _trim(cells: pd.DataFrame) -> pd.DataFrame:
    """Without the columns right of the last one holding any text (2 × width for quoting)."""
    cells = cells.fillna("")
    written = [i for i, c in enumerate(cells.columns) if cells[c].str.strip().ne("").any()]
    out = cells.iloc[:, : max(written, default=0) + 1]
    out.columns = range(out.shape[1])
    return out
