"""The checks of evaluation: what the table's flags mean under these rules, what the rules need
that the files lack, and each class's data checks. Every check is a vectorised mask.

Reading knows no rules, so everything that depends on them is decided here, once:

- a row whose credit code identifies no firm, or with a cell the rules read that could not be
  read, is rejected; a cell of a field the rules never read is only a warning;
- a field the rules use that no file provides, and a firm missing from a sheet that supplies
  fields the rules use, are reported;
- within a class, the fields its formulas read are checked (land > 0, no negative values, no
  magnitude beyond the field's `plausible_max`), doubtful indicator values (a zero denominator, a
  value above the rules' `plausible_max`) are warnings, and an indicator value orders of magnitude
  above the class's median is an error: one typo would otherwise move the benchmark of all. An
  implausible value that an approved correction confirms is evaluated, with a note.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..fields import FIELDS, field_order, input_fields, inputs_behind, label
from ..issues import (
    CATALOG,
    CONFIRMED,
    REPEATS_LISTED,
    concat_issues,
    issue,
    issue_rows,
    issue_table,
)
from ..keys import KEY_ISSUES, KeyState, usable
from ..rules import EvalClass, Rules
from ..table import CELL_ISSUES, EnterpriseTable
from .columns import FieldColumns
from .headers import Hints

ALWAYS_USED = {"credit_code", "year"}
OUTLIER_FACTOR = 1000.0  # an indicator value this many times the class's median magnitude: a typo
MIN_PEERS = 5  # members with a nonzero value the class needs for its median to be a reference

Confirmed = Callable[[Iterable[str]], np.ndarray]  # fields → rows where a correction set one


@dataclass(frozen=True)
class Finding:
    """Rows of one class that fail one check on one field."""

    code: str
    field: str
    mask: np.ndarray
    fill: dict[str, str]
    variant: str | None = None

    @property
    def message(self) -> str:
        return CATALOG[self.code].text(self.variant, **self.fill)[1]

    @property
    def rejects(self) -> bool:
        """An error: the rows it names are not evaluated."""
        return CATALOG[self.code].text(self.variant, **self.fill)[0] == "error"


def used_fields(rules: Rules) -> set[str]:
    """The input fields the rules read, directly or through a derived field, and the keys."""
    return inputs_behind(rules.fields_used()) | ALWAYS_USED


def unreadable_rows(table: EnterpriseTable, used: set[str]) -> tuple[np.ndarray, np.ndarray | None]:
    """Rows to reject for what reading found, and why (None: no row is): a credit code that
    identifies no firm first, then the first field (in field order) the rules read whose cell
    could not be read, then copies of one firm-year that disagree."""
    n = len(table)
    key = table.key
    cells = table.unreadable()
    if usable(key).all() and not cells.notna().to_numpy().any():  # the usual case: nothing
        return np.zeros(n, dtype=bool), None
    reason = np.full(n, None, dtype=object)
    conflict = key == KeyState.CONFLICT
    reason[conflict] = CATALOG[KEY_ISSUES[KeyState.CONFLICT]].template
    for name in sorted(cells.columns, key=field_order, reverse=True):  # last wins below
        if name not in used:
            continue
        kind = FIELDS[name].kind
        bad = cells[name].notna().to_numpy()
        text = CATALOG[CELL_ISSUES[kind]].text(label=label(name), kind=_KIND_WORDS.get(kind, ""))
        reason[bad] = text[1]
    for state in (KeyState.MALFORMED, KeyState.MISSING, KeyState.AS_NUMBER, KeyState.TWIN):
        reason[key == state] = CATALOG[KEY_ISSUES[state]].template
    rejected = ~usable(key) | np.asarray(pd.notna(reason), dtype=bool)
    return rejected, reason


_KIND_WORDS = {"number": "数字", "int": "整数"}


def missing_columns(
    table: EnterpriseTable, rules: Rules, hints: Hints | None = None
) -> pd.DataFrame:
    """A field the rules use that no file provides, directly or through the fields it can be
    computed from (energy_tce from the carriers, land_mu from its parts). Missing from a formula
    it is an error (every firm lacks the indicator); from a condition, a warning (read as 否).
    `hints`: per input field, what its issue adds (the unrecognised columns that may hold it)."""
    hints = hints or {}
    in_formulas = {n for c in rules.classes for n in c.formula_fields()}
    present = set(table.frame.columns)
    absent = sorted(
        name
        for name in rules.fields_used()
        if name in FIELDS
        and not (inputs_behind({name}) & present)
        and name not in ("industry_division", "years_operating")
    )
    return issue_table(
        issue(
            "missing-column",
            field=f,
            label=label(f),
            variant=None if f in in_formulas else "condition",
            hint=_hint(f, hints),
            key=f,
        )
        for f in absent
    )


def _hint(name: str, hints: Hints) -> str:
    """The hint of a field, or of an input field behind it (land_mu: the land parts), one that
    names a column like the field first."""
    parts = inputs_behind({name}) - {name}
    behind = [name, *(n for n in input_fields() if n in parts)]  # land_owned_mu before leased
    given = sorted((not hints[n][0], i) for i, n in enumerate(behind) if n in hints)
    return hints[behind[given[0][1]]][1] if given else ""


def missing_from_sources(table: EnterpriseTable, rules: Rules) -> pd.DataFrame:
    """Firms absent from a sheet that supplies fields the rules use (ask that department), in
    the years that sheet covers: a history sheet of earlier years misses no firm of this year."""
    if len(table.parts) < 2:
        return concat_issues([])
    # a flag missing from a list means 否, so a file of flags alone misses no one
    needed = {
        f
        for f in used_fields(rules) - {"credit_code", "year", "name"}
        if f in FIELDS and not FIELDS[f].derived and FIELDS[f].kind != "bool"
    }
    keyed = usable(table.key) | (table.key == KeyState.CONFLICT)  # codes that name a firm
    if "year" in table.frame:
        years = table.frame["year"].to_numpy(dtype=float, na_value=np.nan)
        years = np.where(np.isnan(years), -1.0, years)  # rows without a year: a year of their own
    else:
        years = np.zeros(len(table))
    found: list[pd.DataFrame] = []
    for p, part in enumerate(table.parts):  # a loop over sheets
        supplies = sorted(set(part.fields) & needed)
        if not supplies:
            continue
        present = table.supplied[:, p]
        covered = np.isin(years, np.unique(years[present]))  # a sheet of other years misses no one
        where = Path(part.file).name + (f"“{part.sheet}”" if part.sheet else "")
        names = "、".join(label(c) for c in supplies[:4]) + ("等" if len(supplies) > 4 else "")
        missing = keyed & covered & ~present
        count = int(missing.sum())
        if count > REPEATS_LISTED:  # one sheet per park: not one line per firm and sheet
            many = issue(
                "missing-from-source",
                variant="many",
                file=part.file,
                sheet=part.sheet,
                value=f"{count}户",
                where=where,
                names=names,
                count=count,
            )
            found.append(issue_table([many]))
            continue
        found.append(
            issue_rows(
                "missing-from-source",
                missing,
                origin=table.origin,
                credit_code=table.frame["credit_code"],
                where=where,
                names=names,
            )
        )
    return concat_issues(found)


def confirmed_rows(table: EnterpriseTable, names: Iterable[str]) -> np.ndarray:
    """Rows where an approved correction set one of the fields `names` (or a field they are
    computed from): the corrected cell is the reviewed, confirmed value."""
    out = np.zeros(len(table), dtype=bool)
    record = table.corrections
    if record is None or not len(record):
        return out
    fields = inputs_behind(names)
    applied = record[(record["status"] == "applied").to_numpy() & record["field"].isin(fields)]
    if not len(applied):
        return out
    frame = table.frame
    year = frame["year"] if "year" in frame else pd.Series(pd.NA, index=frame.index)
    wanted = set(_firm_year(applied["credit_code"], applied["year"]))
    return np.asarray(_firm_year(frame["credit_code"], year).isin(wanted), dtype=bool)


def _firm_year(code: pd.Series, year: pd.Series) -> pd.Series:
    """`credit code|year` as one text per row (a missing year as empty)."""
    years = pd.to_numeric(pd.Series(year.to_numpy(dtype=object)), errors="coerce")
    years = years.where(np.isfinite(years) & (years.abs() < 1e6)).round()  # a year, or none
    shown = years.astype("Int64").astype("string").fillna("")
    codes = pd.Series(code.to_numpy(dtype=object)).astype("string").fillna("")
    return codes + "|" + shown


def _may_stand_out(magnitudes: np.ndarray) -> bool:
    """Whether a value may exceed OUTLIER_FACTOR × the median: not when more than half of them
    reach largest / OUTLIER_FACTOR, for then so does the median (one pass instead of a sort)."""
    floor = magnitudes.max() / OUTLIER_FACTOR
    return bool(2 * np.count_nonzero(magnitudes >= floor) <= len(magnitudes))


def _doubtful(
    field: str, high: np.ndarray, ok: np.ndarray, variant: str, fill: dict[str, str]
) -> list[Finding]:
    """Implausible values (`high`): an error, or where a correction confirmed them (`ok`), a
    note."""
    ok = high & ok
    found = [Finding("implausible-value", field, high & ~ok, fill, variant)]
    found.append(Finding("implausible-value", field, ok, fill, CONFIRMED))
    return [f for f in found if f.mask.any()]


def check_class(
    klass: EvalClass, columns: FieldColumns, members: np.ndarray, confirmed: Confirmed
) -> list[Finding]:
    """Errors among `members` for the fields this class's formulas read: land ≤ 0, negative
    values, a magnitude beyond the field's plausible_max (unless a correction confirms it).
    A class with `land = "optional"` accepts a firm without land (its per-mu values are missing
    and their missing policy applies); land given as 0 or less is still an error."""
    findings: list[Finding] = []
    for name in sorted(klass.formula_fields()):
        spec = FIELDS[name]
        if spec.kind not in ("number", "int"):
            continue
        values = columns[name]
        bad = None
        if spec.positive:
            bad = members & ~(values > 0)
            if name == "land_mu" and klass.land == "optional":  # 无地企业: land ≤ 0 given only
                bad &= ~np.isnan(values)
            code = "non-positive-land" if name in ("land_mu", "floor_area_m2") else "non-positive"
        elif spec.minimum is not None:
            bad = members & (values < spec.minimum)
            code = "negative-value"
        if bad is not None and bad.any():
            findings.append(Finding(code, name, bad, {"label": label(name)}))
        if spec.plausible_max is not None:
            high = members & (np.abs(values) > spec.plausible_max)
            if high.any():
                fill = {"label": label(name), "limit": f"{spec.plausible_max:g}", "unit": spec.unit}
                findings += _doubtful(name, high, confirmed([name]), "field", fill)
    return findings


def check_values(
    klass: EvalClass,
    values: dict[str, np.ndarray],
    denominators: dict[str, np.ndarray],
    members: np.ndarray,
    confirmed: Confirmed,
) -> list[Finding]:
    """The class's indicator values: a denominator of 0 (the indicator cannot be computed, e.g. 0
    employees) and a value above the indicator's `plausible_max` are warnings; a value more than
    OUTLIER_FACTOR times the median magnitude of the members' nonzero values is an error (when
    at least MIN_PEERS members have one), unless a correction confirms a field it reads."""
    findings: list[Finding] = []
    for ind in klass.indicators:
        ratio = ind.formula.as_ratio()
        if ratio is not None:
            zero = members & (denominators[ind.code] == 0)
            if zero.any():
                shown = "、".join(label(n) for n in sorted(ratio[1].names)) or ratio[1].text
                fill = {"names": shown, "indicator": ind.label}
                findings.append(Finding("zero-denominator", ind.code, zero, fill))
        if ind.plausible_max is not None:
            high = members & (values[ind.code] > ind.plausible_max)
            if high.any():
                fill = {"indicator": ind.label, "limit": f"{ind.plausible_max:g}", "unit": ind.unit}
                findings.append(Finding("implausible-value", ind.code, high, fill))
        magnitude = np.abs(values[ind.code])
        present = members & np.isfinite(magnitude) & (magnitude > 0)
        if np.count_nonzero(present) >= MIN_PEERS and _may_stand_out(magnitude[present]):
            with np.errstate(over="ignore"):  # two middle values near 1e308: a median of inf
                median = float(np.median(magnitude[present]))
                high = present & (magnitude > OUTLIER_FACTOR * median)
            if high.any():
                fill = {"label": ind.label, "times": f"{OUTLIER_FACTOR:g}"}
                ok = confirmed(ind.formula.names)
                findings += _doubtful(ind.code, high, ok, "outlier", fill)
    return findings
