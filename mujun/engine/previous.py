"""Last year's rows of the input panel: previous(field) and benchmarks of `year = "previous"`.

When the rules read last year's data (`Rules.reads_previous_year`), the rows of the rules'
year − 1 are last year's data: they are taken out of the table evaluated — they are in no
result row, so no list or summary counts them as 免评 firms — and each is accounted for by an
info issue (`previous-year-row`). Their columns serve previous(field), looked up by credit
code (a firm given twice last year: its first row; copies that disagree identify no firm, as
this year they would be rejected), and they are placed into last year's
classes by the same `[[exclude]]` rules and class `when` as this year's, for the benchmarks
of `year = "previous"`. Rows of other years are still rows of the wrong year.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..fields import label
from ..issues import empty_issues, issue, issue_rows, issue_table
from ..keys import usable
from ..rules import EvalClass, Indicator, Rules
from ..rules.expr import divide
from ..table import EnterpriseTable
from .columns import FieldColumns, indicator_values
from .scoring import LastYear

if TYPE_CHECKING:
    from .evaluate import _Run


def evaluated_years(table: EnterpriseTable, rules: Rules) -> EnterpriseTable:
    """The rows an evaluation under `rules` reads from a panel of many years: the rules'
    year (and rows without a year), and last year's when the rules read them."""
    if not rules.reads_previous_year() or "year" not in table.frame:
        return table.of_year(rules.year)
    years = table.frame["year"].to_numpy(dtype=float, na_value=np.nan)
    return table.rows(np.isnan(years) | (years == rules.year) | (years == rules.year - 1))


def split_panel(
    table: EnterpriseTable, rules: Rules
) -> tuple[EnterpriseTable, EnterpriseTable | None, pd.DataFrame]:
    """This year's rows to evaluate, last year's rows (None: the rules do not read them, or
    there are none), and the issues saying which rows are last year's."""
    if not rules.reads_previous_year():
        return table, None, empty_issues()
    last_year = rules.year - 1
    if "year" in table.frame:
        years = table.frame["year"].to_numpy(dtype=float, na_value=np.nan)
        last = years == last_year
    else:
        last = np.zeros(len(table), dtype=bool)
    if not last.any():
        return table, None, issue_table([issue("previous-year-none", year=last_year)])
    rows = issue_rows(
        "previous-year-row",
        last,
        origin=table.origin,
        credit_code=table.frame["credit_code"],
        field="year",
        values=table.frame["year"],
        year=last_year,
    )
    return table.rows(~last), table.rows(last), rows


@dataclass
class Panel:
    """Last year's rows of the panel as one evaluation reads them."""

    rules: Rules
    table: EnterpriseTable
    columns: FieldColumns
    firsts: np.ndarray  # each firm's first row last year (a usable credit code)
    _members: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def link(
        cls, rules: Rules, last: EnterpriseTable, columns: FieldColumns, codes: pd.Series
    ) -> Panel:
        """Last year's columns, linked to this year's (`columns`, of the rows whose credit
        codes are `codes`) by credit code."""
        panel = cls(rules, last, FieldColumns(last.frame, rules), np.zeros(len(last), dtype=bool))
        ok = usable(last.key)
        theirs = last.frame["credit_code"].astype("string").to_numpy(dtype=object)
        positions = pd.Series(np.flatnonzero(ok), index=pd.Index(theirs[ok]))
        positions = positions[~positions.index.duplicated(keep="first")]
        panel.firsts[positions.to_numpy(dtype=np.int64)] = True
        mine = pd.Index(codes.astype("string").to_numpy(dtype=object))
        at = positions.reindex(mine).to_numpy(dtype=float, na_value=np.nan)
        columns.link_previous(panel.columns, np.where(np.isnan(at), -1, at).astype(np.int64))
        return panel

    def members(self, klass: EvalClass) -> np.ndarray:
        """Last year's rows of `klass`: a firm's first row (a usable credit code), no
        `[[exclude]]` rule holding, and `klass` the first class whose `when` holds."""
        if not self._members:
            n = len(self.table)
            open_rows = self.firsts.copy()
            for exclusion in self.rules.exclude:
                open_rows &= ~exclusion.when.condition(self.columns, n)
            for c in self.rules.classes:
                hit = c.when.condition(self.columns, n) & open_rows
                self._members[c.code] = hit
                open_rows &= ~hit
        return self._members[klass.code]

    def of(self, klass: EvalClass, ind: Indicator) -> LastYear:
        """The indicator over last year's members of `klass`, as the scorer takes it."""
        rows = np.flatnonzero(self.members(klass))
        n = len(self.table)
        groups = self.columns[ind.score.by][rows] if ind.score.by else None
        ratio = ind.formula.as_ratio()
        if ratio is None:
            values = indicator_values(ind.formula(self.columns, n)[rows])
            return LastYear(values, groups)
        num, den = (np.asarray(part(self.columns, n), dtype=float)[rows] for part in ratio)
        return LastYear(indicator_values(divide(num, den), fresh=True), groups, num, den)


def missing_previous(run: _Run, in_class: np.ndarray) -> list[pd.DataFrame]:
    """An info issue per firm (of the rows in `in_class`) and field read through previous()
    whose value last year is missing."""
    found = []
    for name in sorted(run.rules.previous_fields()):  # a loop over fields
        value = run.columns.previous_of(name)
        absent = np.asarray(pd.isna(value), dtype=bool) if value.dtype.kind != "b" else None
        if absent is None:  # a flag is never missing: absent where the firm has no row
            absent = ~run.columns.has_previous()
        found.append(
            issue_rows(
                "previous-missing",
                absent & in_class,
                origin=run.table.origin,
                credit_code=run.codes,
                field=name,
                year=run.rules.year - 1,
                label=label(name),
                name=name,
            )
        )
    return found
