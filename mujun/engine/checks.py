"""The checks of evaluation: what the table's flags mean under these rules, what the rules need
that the files lack, and each class's data checks. Every check is a vectorised mask.

Reading knows no rules, so everything that depends on them is decided here, once:

- a row whose credit code identifies no firm, or with a cell the rules read that could not be
  read, is rejected; a cell of a field the rules never read is only a warning;
- a field the rules use that no file provides, and a firm missing from a sheet that supplies
  fields the rules use, are reported;
- within a class, the fields its formulas read are checked (land > 0, no negative values), and
  doubtful indicator values (a zero denominator, an implausible size) are warnings.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..fields import FIELDS, INPUT_FIELDS, inputs_behind, label
from ..issues import CATALOG, concat_issues, issue, issue_rows, issue_table
from ..keys import KEY_ISSUES, KeyState, usable
from ..rules import EvalClass, Rules
from ..table import CELL_ISSUES, EnterpriseTable
from .columns import FieldColumns

ALWAYS_USED = {"credit_code", "year"}


@dataclass(frozen=True)
class Finding:
    """Rows of one class that fail one check on one field."""

    code: str
    field: str
    mask: np.ndarray
    fill: dict[str, str]

    @property
    def message(self) -> str:
        return CATALOG[self.code].text(**self.fill)[1]


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
    for name in sorted(cells.columns, key=INPUT_FIELDS.index, reverse=True):  # last wins below
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


def missing_columns(table: EnterpriseTable, rules: Rules) -> pd.DataFrame:
    """A field the rules use that no file provides, directly or through the fields it can be
    computed from (energy_tce from the carriers, land_mu from its parts). Missing from a formula
    it is an error (every firm lacks the indicator); from a condition, a warning (read as 否)."""
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
        )
        for f in absent
    )


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
        found.append(
            issue_rows(
                "missing-from-source",
                keyed & covered & ~present,
                origin=table.origin,
                credit_code=table.frame["credit_code"],
                where=where,
                names=names,
            )
        )
    return concat_issues(found)


def check_class(klass: EvalClass, columns: FieldColumns, members: np.ndarray) -> list[Finding]:
    """Errors among `members` for the fields this class's formulas read."""
    findings: list[Finding] = []
    for name in sorted(klass.formula_fields()):
        spec = FIELDS[name]
        if spec.kind not in ("number", "int"):
            continue
        values = columns[name]
        if spec.positive:
            bad = members & ~(values > 0)
            code = "non-positive-land" if name in ("land_mu", "floor_area_m2") else "non-positive"
        elif spec.minimum is not None:
            bad = members & (values < spec.minimum)
            code = "negative-value"
        else:
            continue
        if bad.any():
            findings.append(Finding(code, name, bad, {"label": label(name)}))
    return findings


def check_values(
    klass: EvalClass,
    values: dict[str, np.ndarray],
    denominators: dict[str, np.ndarray],
    members: np.ndarray,
) -> list[Finding]:
    """Warnings on the class's indicator values: a denominator of 0 (the indicator cannot be
    computed, e.g. 0 employees) and a value above the indicator's `plausible_max`."""
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
    return findings
