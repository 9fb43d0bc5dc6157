"""The EnterpriseTable: canonical fields, one row per firm-year, with row-aligned problem flags.

`EnterpriseTable.from_frame` coerces a frame whose headers are field codes (DESIGN §3) and finds
what needs no rules: the state of every credit code, copies of one firm-year, cells that are not
what their field holds, unknown industry codes. Two kinds of result are kept apart:

- **flags**, row-aligned, which decide what happens to a row at evaluation: the key state of
  each row (`key`), and each cell that could not be read, kept as its raw text in a column
  `unreadable:<field>` of the frame (so that `evaluate(table.frame, rules)` still sees it);
  a row merged from copies that disagree carries `conflicting_copies`;
- **notes**, the issue rows of everything else reading found (a placeholder read as missing, a
  check digit that does not match, a skipped note row…): records for the bureau, never read
  back to decide anything.

Which of the flagged cells reject a firm depends on the rules (a cell of a field the rules never
read does not), so their issue rows are written by the evaluation; `issues` shows them beside the
notes as the errors they are before any rules apply. Every check is a vectorised mask.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from . import codes, threads, twins, values
from .errors import DataError
from .fields import FIELDS, field_order, input_fields, label
from .issues import SETTLED, UNUSED, concat_issues, empty_issues, issue, issue_rows, issue_table
from .keys import KeyState, joinable, key_notes, key_states, shared_firm_years

UNREADABLE = "unreadable:"  # prefix of the frame columns holding cells that could not be read
CONFLICT = "conflicting_copies"  # frame column: copies of the row's firm-year that disagreed


CELL_ISSUES = {"number": "non-numeric-value", "int": "non-numeric-value", "bool": "bad-bool-value"}
_KIND_WORDS = {"number": "数字", "int": "整数"}


@dataclass(frozen=True)
class SourceFile:
    """One input file as read: where it is, its sha256, the data rows below its headers, how
    many of them became firm rows and how many were skipped (blank, notes, totals)."""

    file: str
    sha256: str
    rows: int
    used: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class Part:
    """One sheet (or typed file) that supplied rows: where it is and the fields it holds."""

    file: str
    sheet: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class EnterpriseTable:
    """Canonical input, every member row-aligned with `frame`.

    frame: field columns, plus `unreadable:<field>` (raw text of cells that could not be read)
      and `conflicting_copies` where any row has them.
    origin: file, sheet and spreadsheet row of each row (after a merge: its first source row).
    key: the KeyState of each row's credit code.
    notes: issue rows of what reading found (see the module docstring).
    sources: the files read. parts: the sheets that supplied rows, and `supplied` (rows × parts,
      booleans) which part supplied which row. field_origin: for merged tables, where each
      field's value was taken from, where not the row's origin. corrections: every correction
      applied on top, and what became of it. unique_keys: no two rows are of one firm-year.
      appeals: every appeal of the register given (read/appeals.py) and what it changed.
    """

    frame: pd.DataFrame
    origin: pd.DataFrame
    key: np.ndarray
    notes: pd.DataFrame = field(default_factory=empty_issues)
    sources: tuple[SourceFile, ...] = ()
    parts: tuple[Part, ...] = ()
    supplied: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    field_origin: dict[str, pd.DataFrame] = field(default_factory=dict)
    corrections: pd.DataFrame | None = None
    unique_keys: bool = False  # no two rows share a firm-year (a merged table: by making)
    appeals: pd.DataFrame | None = None  # the appeals register's rows and their outcome

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def issues(self) -> pd.DataFrame:
        """Everything reading found: the notes, then each cell that could not be read (an
        error here; at evaluation only where the rules read the field)."""
        return concat_issues([self.notes, self.unreadable_issues()])

    def unreadable(self) -> pd.DataFrame:
        """The raw text of every cell that could not be read, one column per field (NA: read)."""
        flagged = [c for c in self.frame.columns if str(c).startswith(UNREADABLE)]
        return self.frame[flagged].rename(columns=lambda c: c.removeprefix(UNREADABLE))

    def unreadable_issues(
        self, used: set[str] | None = None, rows: np.ndarray | None = None
    ) -> pd.DataFrame:
        """Issue rows of the cells that could not be read (of the `rows` given, default all):
        errors, or, for a field outside `used`, warnings saying the evaluation does not use it."""
        cells = self.unreadable()
        found = []
        for name in sorted(cells.columns, key=field_order):  # a loop over fields
            raw = cells[name]
            mask = raw.notna().to_numpy() & (True if rows is None else rows)
            kind = FIELDS[name].kind
            found.append(
                issue_rows(
                    CELL_ISSUES[kind],
                    mask,
                    origin=self.origin_of(UNREADABLE + name),
                    credit_code=self.frame["credit_code"],
                    field=name,
                    values=raw,
                    variant=None if used is None or name in used else UNUSED,
                    label=label(name),
                    kind=_KIND_WORDS.get(kind, ""),
                )
            )
        return concat_issues(found)

    def origin_of(self, name: str) -> pd.DataFrame:
        """Where each row's value of a field came from: after a merge, land comes from the land
        register's row, not from the first file the firm appeared in."""
        base = name.removeprefix(UNREADABLE)
        behind = FIELDS[base].needs + FIELDS[base].fallback if base in FIELDS else ()
        for source in (name, *behind):
            if source in self.field_origin:
                return self.field_origin[source]
        return self.origin

    def rows(self, mask: np.ndarray) -> EnterpriseTable:
        """The rows where `mask` holds. The notes are kept whole; the cells that could not be
        read in the rows left out are kept as notes too, so nothing found is lost."""
        keep = np.asarray(mask, dtype=bool)
        left_out = self.unreadable_issues(rows=~keep) if (~keep).any() else empty_issues()
        at = np.flatnonzero(keep)

        def take(frame: pd.DataFrame) -> pd.DataFrame:
            return frame.iloc[at].reset_index(drop=True)

        return replace(
            self,
            frame=take(self.frame),
            origin=take(self.origin),
            key=self.key[at],
            notes=concat_issues([self.notes, left_out]),
            supplied=self.supplied[at],
            field_origin={k: take(v) for k, v in self.field_origin.items()},
        )

    def of_year(self, year: int) -> EnterpriseTable:
        """The rows of one data year (rows without a year count as that year, as at evaluation)."""
        if "year" not in self.frame:
            return self
        years = self.frame["year"].to_numpy(dtype=float, na_value=np.nan)
        return self.rows(np.isnan(years) | (years == year))

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        file: str = "",
        sheet: str = "",
        first_row: int = 2,
        sources: tuple[SourceFile, ...] = (),
        origin: pd.DataFrame | None = None,
        factors: dict[str, float] | None = None,
    ) -> EnterpriseTable:
        """Coerce a frame whose headers are field codes, and check it.

        `first_row` is the spreadsheet row of the first data row (2: one header row), used to
        locate issues when no `origin` is given; `factors` turn numbers stated in another unit
        into the field's canonical unit (元 → 万元: 1e-4). Flag columns of a table's own frame
        (`unreadable:<field>`, `conflicting_copies`) are taken as they are.
        """
        if "credit_code" not in frame.columns:
            where = f"{file}: " if file else ""
            raise DataError(
                f"{where}no credit_code (统一社会信用代码) column; columns are "
                f"{list(map(str, frame.columns))[:20]}"
            )
        n = len(frame)
        if origin is None:
            origin = pd.DataFrame(
                {"file": file, "sheet": sheet, "row": np.arange(first_row, first_row + n)}
            )
        origin = origin.reset_index(drop=True)
        frame = frame.reset_index(drop=True)
        notes: list[pd.DataFrame] = []
        flagged = {
            str(c).removeprefix(UNREADABLE): frame[c]
            for c in frame.columns
            if str(c).startswith(UNREADABLE) and str(c).removeprefix(UNREADABLE) in FIELDS
        }
        known = {*input_fields(), CONFLICT, *(UNREADABLE + f for f in flagged)}
        notes.append(
            issue_table(
                issue("unknown-column", file=file, sheet=sheet, field=str(c), where=f"列“{c}”")
                for c in frame.columns
                if c not in known
            )
        )
        present = [f for f in input_fields() if f in frame.columns and f != "credit_code"]
        jobs: dict[str, Callable[[], Any]] = {
            "credit_code": partial(_firm_keys, frame["credit_code"], frame.get("year"))
        }
        jobs.update({f: partial(parse_field, f, frame[f]) for f in present if f != "year"})
        if "industry_code" in frame:  # the code read, and what is wrong with it, in one job
            jobs["industry_code"] = partial(_industry, frame["industry_code"])
        done = threads.run_all(jobs, n)  # every column on its own, side by side
        firms: _FirmKeys = done.pop("credit_code")
        industry = done.pop("industry_code", None)
        if industry is not None:
            done["industry_code"] = industry[0]
        code, key = firms.code, firms.key
        if firms.year is not None:
            done["year"] = firms.year
        out: dict[str, object] = {"credit_code": code}
        notes.append(key_notes(key, code, frame["credit_code"], origin, firms.cleaned))
        unreadable: dict[str, pd.Series] = {}
        for name in present:
            cells = done[name]
            if FIELDS[name].kind == "date":
                cells = values.bound_dates(cells, None if firms.year is None else firms.year.values)
            factor = (factors or {}).get(name, 1.0)
            out[name] = cells.values * factor if factor != 1.0 else cells.values
            notes.append(_cell_notes(cells, name, frame[name], origin, code))
            raw = flagged.pop(name, None)
            if cells.bad.any() and FIELDS[name].kind in CELL_ISSUES:
                text = frame[name].astype("string").where(cells.bad)
                raw = text if raw is None else raw.astype("string").fillna(text)
            if raw is not None and raw.notna().any():
                unreadable[name] = raw.astype("string")
        for name, raw in flagged.items():  # a flag of a field with no column of its own
            if raw.notna().any() and FIELDS[name].kind in CELL_ISSUES:
                unreadable[name] = raw.astype("string")
        table = pd.DataFrame(out, copy=False)
        conflicted, dup_notes = _duplicates(table, key, origin, firms.groups)
        if CONFLICT in frame.columns:  # a merged row of copies that disagreed
            copies = pd.to_numeric(frame[CONFLICT], errors="coerce")
            marked = copies.notna().to_numpy() & joinable(key, code)
            merged_copies = issue_rows(
                "duplicate-firm", marked, origin=origin, credit_code=code, field="credit_code"
            )
            dup_notes = concat_issues([dup_notes, merged_copies])
            conflicted |= marked
            table[CONFLICT] = copies.astype("Int64").where(marked)
        key[conflicted] = KeyState.CONFLICT
        notes.append(dup_notes)
        key, twin_notes = twins.mark_twins(code, key, origin, firms.found)
        notes.append(twin_notes)
        if industry is not None:
            _, short, bad = industry
            common = {
                "origin": origin,
                "credit_code": code,
                "field": "industry_code",
                "values": table["industry_code"],
            }
            notes.append(issue_rows("industry-code-as-number", short, **common))
            notes.append(issue_rows("unknown-industry-code", bad, **common))
        for name in sorted(unreadable, key=field_order):
            table[UNREADABLE + name] = unreadable[name]
        fields = tuple(c for c in table.columns if c in FIELDS)
        return cls(
            frame=table,
            origin=origin,
            key=key,
            notes=concat_issues(notes),
            sources=sources,
            parts=(Part(file, sheet, fields),),
            supplied=np.ones((n, 1), dtype=bool),
            unique_keys=firms.groups is None,
        )


@dataclass(frozen=True)
class _FirmKeys:
    """Who each row is: its credit code normalised, its key state, its year read, and which
    rows share a firm-year (None: none do)."""

    code: pd.Series
    key: np.ndarray
    year: values.Parsed | None
    groups: np.ndarray | None
    cleaned: np.ndarray  # codes that held invisible or full-width characters
    found: codes.CreditCodes  # what reading the codes found, for the checks after


def _firm_keys(cells: pd.Series, year_cells: pd.Series | None) -> _FirmKeys:
    """The credit codes looked at once: normalised, their states, and the rows of one
    firm-year (the year read here too, since copies are found on code and year)."""
    parsed, found = values.read_codes(cells)
    key = key_states(parsed.values, parsed.bad, found)
    year = None if year_cells is None else parse_field("year", year_cells)
    years = None if year is None else year.values
    groups = shared_firm_years(parsed.values, years, key, found)
    cleaned = parsed.notes["credit-code-cleaned"]
    return _FirmKeys(parsed.values, key, year, groups, cleaned, found)


def describe(record: pd.DataFrame) -> list[dict[str, str]]:
    """Corrections as plain text records (for the manifest)."""
    text = record.astype("string").fillna("")
    return [{str(k): str(v) for k, v in row.items()} for row in text.to_dict("records")]


_PARSERS: dict[str, Callable[[pd.Series], values.Parsed]] = {
    "text": lambda cells: values.Parsed(values.as_text(cells), np.zeros(len(cells), dtype=bool)),
    "number": values.numbers,
    "int": values.integers,
    "bool": values.flags,
    "date": values.dates,
}


def parse_field(name: str, cells: pd.Series) -> values.Parsed:
    """Cells read as the field's kind (number, integer, yes/no, date or text)."""
    return _PARSERS[FIELDS[name].kind](cells)


def _cell_notes(
    parsed: values.Parsed, name: str, raw: pd.Series, origin: pd.DataFrame, code: pd.Series
) -> pd.DataFrame:
    """Notes on one parsed column: what a parser noted, and dates that could not be read (a
    date read as missing rejects no firm, so it is no flag)."""
    found: list[pd.DataFrame] = []
    common = {"origin": origin, "credit_code": code, "field": name, "values": raw}
    for note, mask in parsed.notes.items():
        found.append(issue_rows(note, mask, label=label(name), **common))
    if FIELDS[name].kind == "date":
        found.append(issue_rows("bad-date-value", parsed.bad, label=label(name), **common))
    return concat_issues(found)


def _industry(cells: pd.Series) -> tuple[values.Parsed, np.ndarray, np.ndarray]:
    """Industry codes read as text, and which look like a number that lost its leading zero
    (3 digits; 1 digit) or are no GB/T 4754-2017 code."""
    parsed = parse_field("industry_code", cells)
    industry = parsed.values
    numeric = values.numeric_cells(cells)
    short = np.zeros(len(cells), dtype=bool)
    if numeric.any():
        short = numeric & np.isin(industry.str.len().fillna(0).to_numpy(), (1, 3))
    bad = np.isnan(codes.industry_division(industry)) & industry.notna().to_numpy()
    return parsed, short, bad


def _duplicates(
    table: pd.DataFrame, key: np.ndarray, origin: pd.DataFrame, group: np.ndarray | None
) -> tuple[np.ndarray, pd.DataFrame]:
    """Rows of one firm-year (`group`: their numbers, None when there are none): identical
    copies are read once (a warning); copies that differ are errors on every copy, since no one
    can tell which is right. Returns the differing copies and the notes."""
    none = np.zeros(len(table), dtype=bool)
    if group is None:
        return none, empty_issues()
    dup = np.bincount(group)[group] > 1
    if not dup.any():
        return none, empty_issues()
    copies = table[dup]  # few rows: compared whole, cell by cell
    differing = np.zeros(len(table), dtype=bool)
    differing[np.flatnonzero(dup)] = ~copies.duplicated(keep=False).to_numpy()
    conflicted = np.isin(group, group[differing]) & dup
    common = {"origin": origin, "credit_code": table["credit_code"], "field": "credit_code"}
    notes = concat_issues(
        [
            issue_rows("duplicate-firm", conflicted, **common),
            issue_rows("duplicate-row", dup & ~conflicted, **common),
        ]
    )
    return conflicted, notes


def settled_issue(table: EnterpriseTable, name: str, rows: np.ndarray) -> pd.DataFrame:
    """Notes for cells that could not be read and that an approved correction replaced."""
    raw = table.frame[UNREADABLE + name]
    kind = FIELDS[name].kind
    return issue_rows(
        CELL_ISSUES[kind],
        rows & raw.notna().to_numpy(),
        origin=table.origin_of(UNREADABLE + name),
        credit_code=table.frame["credit_code"],
        field=name,
        values=raw,
        variant=SETTLED,
        label=label(name),
        kind=_KIND_WORDS.get(kind, ""),
    )
