"""evaluate(table, rules): the one place where the stages are chained.

Order of decisions for every row (each row ends in exactly one status):
1. rejected — a credit code that identifies no firm, copies of one firm-year that disagree, a
   cell the rules read that could not be read, a data year other than the rules' year (when
   the rules read last year's data, rows of year − 1 are that data, not results: see
   `previous.py`);
   `[units] merge_by`: related firms become one unit, evaluated on its lead's row from here on
   (a unit with a member rejected here is rejected whole; units_of.py);
2. exempt / deferred — the first matching `[[exclude]]` rule;
3. class — the first class whose `when` holds; no class → exempt (not in scope);
4. rejected — the class's own data checks (land missing or ≤ 0, negative values it uses; a
   class with `land = "optional"` accepts missing land);
5. deferred — a missing value of an indicator whose policy is `exclude`;
6. rejected — every member still to be scored, when a benchmark of the class overflowed (no
   ranking of the class means anything then), an adjustment value that is missing or out of
   bounds (engine/adjust.py), or a total score that is not a finite number;
7. evaluated — scored, ranked and tiered within the class: total = Σ items × Π multipliers +
   Σ points (the class's `[[class.adjust]]` whose `when` holds).
Then a unit's members carry its result, and `[units] follow` gives tenants their landowner's tier.

Statuses are decided from the table's row-aligned flags and the checks' masks; the issue rows are
written once, as they are found, and never read back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..errors import RulesError
from ..fields import label
from ..issues import issue, issue_rows, issue_table, quiet
from ..keys import usable
from ..rules import EvalClass, Indicator, Rules
from ..rules.expr import Expression, ExpressionError, divide
from ..table import EnterpriseTable
from . import (
    adjust,
    checks,
    composite,
    headers,
    parks,
    previous,
    scoring,
    unit_keys,
    units_of,
)
from .assemble import assemble
from .basis import energy_basis
from .benchmarks import fallback_issues
from .columns import FieldColumns, indicator_values
from .evaluation import STATUSES, Evaluation
from .labels import Labels as _Labels
from .tiering import tier_class

PENDING = -1
EVALUATED, EXEMPT, DEFERRED, REJECTED = (
    STATUSES.index(s) for s in ("evaluated", "exempt", "deferred", "rejected")
)
OUT_OF_SCOPE = "不属于任何评价类别，不参评"
MISSING_POLICY = {
    "zero": '按评价规则（missing = "zero"）该项计0分：留空的数据按0分计',
    "mean_score": "该项取本类企业平均得分",
    "penalty": "该项按规则扣分",
    "exclude": "暂缓评价",
    "impute": "按规则插补不成（用于插补的数据也缺失），该项无数据",
}


class _Run:
    """Mutable state of one evaluation while the stages fill it in."""

    def __init__(self, table: EnterpriseTable, rules: Rules) -> None:
        self.table, self.rules = table, rules
        self.n = len(table)
        self.columns = FieldColumns(table.frame, rules)
        self.codes = table.frame["credit_code"]
        self.status = np.full(self.n, PENDING, dtype=np.int8)
        self.reason, self.klass, self.tier = (_Labels(self.n) for _ in range(3))
        self.tier_label, self.tier_reason, self.veto = (_Labels(self.n) for _ in range(3))
        self.total = np.full(self.n, np.nan)
        self.rank = np.zeros(self.n, dtype=np.int64)
        self.adjust = np.full(self.n, np.nan)
        self.multiplier = np.full(self.n, np.nan)
        self.unit: np.ndarray | None = None  # each row's unit of evaluation ([units] merge_by)
        self._values_of: dict[str, np.ndarray] = {}
        self._conditions: dict[str, np.ndarray] = {}
        self.values: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}  # (class rows, values)
        self.scores: dict[str, np.ndarray] = {}
        self.issues: list[pd.DataFrame] = [table.notes]
        self.benchmarks: list[tuple[str, str, pd.DataFrame]] = []  # class, indicator, table
        self.last: previous.Panel | None = None  # last year's rows, when the rules read them
        self.composite = composite.Record()  # group scores and stage tables (composite steps)

    def expr(self, e: Expression) -> np.ndarray:
        """An expression's value on every row, computed once per run (classes share formulas)."""
        if e.text not in self._values_of:
            self._values_of[e.text] = e(self.columns, self.n)
        return self._values_of[e.text]

    def condition(self, e: Expression) -> np.ndarray:
        """A condition on every row as booleans (missing counts as false), computed once."""
        if e.text not in self._conditions:
            self._conditions[e.text] = e.condition(self.columns, self.n)
        return self._conditions[e.text]

    def forget(self) -> None:
        """Drop the expressions' values: the columns changed (units of evaluation merged)."""
        self._values_of.clear()
        self._conditions.clear()

    def confirmed(self, names: Iterable[str]) -> np.ndarray:
        """Rows where an approved correction set one of these fields."""
        return checks.confirmed_rows(self.table, names)

    def decide(self, mask: np.ndarray, status: int, reason: str) -> None:
        self.status[mask] = status
        self.reason.set(mask, reason)

    def row_issue(
        self,
        code: str,
        mask: np.ndarray,
        field: str = "",
        values: np.ndarray | None = None,
        variant: str | None = None,
        **fill: Any,
    ) -> None:
        self.issues.append(
            issue_rows(
                code,
                mask,
                origin=self.table.origin_of(field),
                credit_code=self.codes,
                field=field,
                values=values,
                variant=variant,
                **fill,
            )
        )


def evaluate(
    table: EnterpriseTable | pd.DataFrame, rules: Rules, *, past_tiers: pd.DataFrame | None = None
) -> Evaluation:
    """Evaluate every row of `table` under `rules`; see the module docstring for the order.
    The rules' declared and derived fields are fields throughout (`Rules.fields_in_use`).
    `past_tiers` (credit_code, year, class, tier of earlier years) counts the consecutive years
    in a tier that the rules' `[[policy]]` rates go by."""
    with rules.fields_in_use():
        return _evaluate_all(table, rules, past_tiers)


def _evaluate_all(
    table: EnterpriseTable | pd.DataFrame, rules: Rules, past_tiers: pd.DataFrame | None = None
) -> Evaluation:
    if isinstance(table, pd.DataFrame):
        table = EnterpriseTable.from_frame(table)
    given = table  # kept whole (last year's rows too): what a rerun evaluates again
    table = unit_keys.rekey(table, rules.input)  # [input] key_check: what a key must be
    table, park_issues = parks.canonical_parks(table, rules.parks)
    table, last, last_rows = previous.split_panel(table, rules)
    run = _Run(table, rules)
    run.issues += [park_issues, last_rows]
    if last is not None:
        run.last = previous.Panel.link(rules, last, run.columns, run.codes)
    try:
        _check_table(run)
        merged = units_of.merge(run)  # [units] merge_by: related firms as one unit
        for exclusion in rules.exclude:
            hit = run.condition(exclusion.when) & (run.status == PENDING)
            status = EXEMPT if exclusion.status == "exempt" else DEFERRED
            run.decide(hit, status, exclusion.reason)
        for klass in rules.classes:
            open_rows = (run.status == PENDING) | (run.status == REJECTED)
            hit = run.condition(klass.when) & open_rows & (run.klass.codes == 0)
            run.klass.set(hit, klass.code)
        run.decide((run.status == PENDING) & (run.klass.codes == 0), EXEMPT, OUT_OF_SCOPE)
        for klass in rules.classes:
            _evaluate_class(run, klass, run.klass.mask(klass.code))
        placed = (run.klass.codes != 0) & (run.status != REJECTED)
        run.issues += previous.missing_previous(run, placed)
        units_of.carry(run, merged)
        units_of.follow(run)  # [units] follow: tenants take their landowner's tier
        run.unit = None if merged is None else merged.unit
    except ExpressionError as exc:  # a type the data has but the rules did not expect
        raise RulesError(str(exc), file=rules.path or None) from None
    assert not (run.status == PENDING).any(), "every row ends in a status"
    done = unit_keys.relabel(assemble(run, past_tiers=past_tiers))  # [input] key_label
    return dataclasses.replace(done, source=given)


def _check_table(run: _Run) -> None:
    """What the table's flags mean under these rules, what the rules need that the files lack,
    and the data year of every row."""
    table, rules = run.table, run.rules
    used = checks.used_fields(rules)
    loud = not quiet()  # the checks below that only write issue rows are left out when quiet
    if loud:
        replaced, similar, hints = headers.header_hints(table, used)
        if replaced.any():  # an unknown column said better: like a field the rules need
            run.issues[0] = table.notes[~replaced]
            run.issues.append(similar)
    rejected, reasons = checks.unreadable_rows(table, used)
    if reasons is not None:
        run.status[rejected] = REJECTED
        run.reason.set_each(rejected, reasons)
    if loud:
        run.issues.append(table.unreadable_issues(used))
        run.issues.append(checks.missing_columns(table, rules, hints))
        run.issues.append(_blank_as_zero(rules))
        run.issues.append(checks.missing_from_sources(table, rules))
        run.issues.append(energy_basis(run.table, run.columns, run.rules, run.codes))
    year = run.columns["year"]
    if "year" in table.frame:
        blank = (run.status == PENDING) & np.isnan(year)
        run.row_issue("missing-year", blank, "year", year=rules.year)
    wrong = (run.status == PENDING) & ~np.isnan(year) & (year != rules.year)
    if wrong.any():
        run.row_issue("wrong-year", wrong, "year", year, year=rules.year)
        run.decide(wrong, REJECTED, issue("wrong-year", year=rules.year).message)
    if "year" in table.frame and np.isnan(year).any():
        # a firm given once without a year and once with the rules' year is one firm-year read
        # as two rows (files read without `year`): neither row may be graded alone
        pending = (run.status == PENDING) & usable(table.key)
        code = run.codes.astype("string")
        blank = np.isnan(year)
        both = set(code[pending & blank]) & set(code[pending & ~blank])
        split = pending & code.isin(both).to_numpy(dtype=bool)
        if split.any():
            run.row_issue("duplicate-firm", split, "credit_code", variant="year", year=rules.year)
            message = issue("duplicate-firm", variant="year", year=rules.year).message
            run.decide(split, REJECTED, message)


def _blank_as_zero(rules: Rules) -> pd.DataFrame:
    """A warning for each indicator that scores a blank as 0 (`missing = "zero"`): the
    data-collection template asks clerks to leave an unknown value blank, not to write 0."""
    return issue_table(
        issue(
            "blank-scored-zero",
            field=ind.code,
            value='missing = "zero"',
            klass=klass.label,
            indicator=ind.label,
            names="、".join(f"“{label(n)}”" for n in names),
        )
        for klass, ind, names in rules.blank_as_zero()
    )


def _evaluate_class(run: _Run, klass: EvalClass, in_class: np.ndarray) -> None:
    members = in_class & (run.status == PENDING)
    for finding in checks.check_class(klass, run.columns, members, run.confirmed):
        bad = finding.mask & (run.status == PENDING)
        if finding.rejects:
            run.decide(bad, REJECTED, finding.message)
        values_shown = run.columns[finding.field]
        run.row_issue(
            finding.code, bad, finding.field, values_shown, finding.variant, **finding.fill
        )
    # each indicator over the class's rows (their values are shown), then over the members
    # still to be scored; a ratio's numerator and denominator are computed once per run
    rows = np.flatnonzero(in_class)
    live = run.status[rows] == PENDING
    values: dict[str, np.ndarray] = {}
    ratios: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for ind in klass.indicators:
        values[ind.code] = _values(run, ind, rows, ratios)
        run.values.setdefault(ind.code, []).append((rows, values[ind.code]))
    denominators = {code: den for code, (_, den) in ratios.items()}
    chain = composite.Chain(run, klass, rows, values, ratios) if klass.composite else None

    def confirmed(names: Iterable[str]) -> np.ndarray:  # over the class's rows
        return run.confirmed(names)[rows]

    for finding in checks.check_values(klass, values, denominators, live, confirmed):
        at = _at(run.n, rows, finding.mask)
        shown = _spread(run.n, rows, values[finding.field])
        run.row_issue(finding.code, at, finding.field, shown, finding.variant, **finding.fill)
        if finding.rejects:  # left out of the benchmark too: scored below are the live only
            run.decide(at, REJECTED, finding.message)
            live &= ~finding.mask
    if chain is not None:  # missing = "impute": filled before the missing-value policy
        values = chain.impute(values, live)
    # members without a value to score: the missing-value policy, or deferred ("exclude")
    deferred = np.zeros(len(rows), dtype=bool)
    for ind in klass.indicators:
        groups = run.columns[ind.score.by][rows] if ind.score.by else None
        absent = scoring.unscorable(ind, values[ind.code], groups) & live & ~deferred
        if not absent.any():
            continue
        policy = MISSING_POLICY[ind.missing]
        at = _at(run.n, rows, absent)
        run.row_issue("missing-indicator", at, ind.code, indicator=ind.label, policy=policy)
        if ind.missing == "exclude":
            run.decide(at, DEFERRED, f"缺少“{ind.label}”所需数据，暂缓评价")
            deferred |= absent
    scored = live & ~deferred
    idx = rows[scored]
    if not scored.all():  # the members to score, taken once
        values = {code: v[scored] for code, v in values.items()}
        ratios = {code: (a[scored], b[scored]) for code, (a, b) in ratios.items()}
    total = np.zeros(len(idx))
    overflowed: list[Indicator] = []
    if chain is not None:  # outlier treatment over the members to score
        values = chain.treated(values, idx)
    with np.errstate(over="ignore", invalid="ignore"):  # a total beyond the range: see below
        for ind in klass.indicators:
            x = values[ind.code]
            scored = ind if chain is None else chain.scorer(ind, x, idx)
            item = _score(run, klass, scored, x, idx, ratios.get(ind.code))
            total += item.points
            overflowed += [ind] if item.beyond.any() else []
        if chain is not None:  # the hierarchy: group scores and the class total
            total = chain.aggregate(idx)
    adjusted = adjust.adjust(total, klass, idx, run.condition, run.expr)
    total, points, multiplier = adjusted.total, adjusted.points, adjusted.multiplier
    if overflowed:
        _not_tiered(run, klass, idx, overflowed)
        return
    beyond = adjust.reject_beyond(run, idx, adjusted.beyond)  # unusable: not scored
    if chain is not None:  # no total: no child with data, or a geometric mean over a 0
        beyond |= chain.reject_unscored(idx, beyond)
    broken = ~np.isfinite(total) & ~beyond
    if broken.any():  # beyond the range of numbers: an error, never a tier
        at = _at(run.n, idx, broken)
        run.row_issue("non-finite-score", at, "total_score")
        run.decide(at, REJECTED, issue("non-finite-score").message)
        for ind in klass.indicators:
            run.scores[ind.code][idx[broken]] = np.nan
    if beyond.any() or broken.any():
        for ind in klass.indicators:
            run.scores[ind.code][idx[beyond]] = np.nan
        keep = ~(beyond | broken)
        run.composite.drop(idx[~keep])  # no group scores for them either
        idx, total, points, multiplier = idx[keep], total[keep], points[keep], multiplier[keep]
    run.adjust[idx] = points
    run.multiplier[idx] = multiplier
    run.total[idx] = total
    tier_class(run, klass, idx, total)
    run.status[idx] = EVALUATED
    run.reason.put(idx, np.zeros(len(idx), dtype=np.int64), [f"按“{klass.label}”评价"])


def _not_tiered(run: _Run, klass: EvalClass, idx: np.ndarray, overflowed: list[Indicator]) -> None:
    """The members at `idx` rejected, unscored: a benchmark of their class overflowed (a sum
    beyond the range of numbers), so no firm of it can be ranked against the others."""
    names = "、".join(f"“{ind.label}”" for ind in overflowed)
    at = _at(run.n, idx, np.ones(len(idx), dtype=bool))
    run.row_issue("benchmark-overflow", at, overflowed[0].code, indicators=names)
    run.decide(at, REJECTED, issue("benchmark-overflow", indicators=names).message)
    for ind in klass.indicators:
        run.scores[ind.code][idx] = np.nan


def _at(n: int, idx: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """A mask over all rows from a mask over the rows at `idx`."""
    out = np.zeros(n, dtype=bool)
    out[idx[mask]] = True
    return out


def _spread(n: int, idx: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Values over all rows (NaN elsewhere) from values over the rows at `idx`."""
    out = np.full(n, np.nan)
    out[idx] = values
    return out


def _values(
    run: _Run,
    ind: Indicator,
    rows: np.ndarray,
    ratios: dict[str, tuple[np.ndarray, np.ndarray]],
) -> np.ndarray:
    """The indicator's value on the class's `rows`; for a ratio its numerator and denominator
    there too (the pooled benchmark and the zero-denominator check use them)."""
    ratio = ind.formula.as_ratio()
    if ind.denominator is not None:  # value = formula ÷ denominator ("denominated")
        ratio = (ind.formula, ind.denominator)
    if ratio is None:
        return indicator_values(run.expr(ind.formula)[rows], fresh=True)
    num, den = (np.asarray(run.expr(part), dtype=float)[rows] for part in ratio)
    ratios[ind.code] = (num, den)
    return indicator_values(divide(num, den), fresh=True)


def _score(
    run: _Run,
    klass: EvalClass,
    ind: Indicator,
    values: np.ndarray,
    idx: np.ndarray,
    ratio: tuple[np.ndarray, np.ndarray] | None,
) -> scoring.ItemScores:
    """The item scores of the members at `idx` (`values`, `ratio`: theirs)."""
    spec = ind.score
    groups = run.columns[spec.by][idx] if spec.by else None
    numerator = denominator = None
    if spec.benchmark == "pooled":
        assert ratio is not None  # checked when the rules were loaded
        numerator, denominator = ratio
    last_year = None
    if spec.year == "previous" and run.last is not None:
        last_year = run.last.of(klass, ind)
    item = scoring.score_indicator(
        ind,
        values,
        groups=groups,
        numerator=numerator,
        denominator=denominator,
        last_year=last_year,
    )
    if ind.code not in run.scores:
        run.scores[ind.code] = np.full(run.n, np.nan)
    run.scores[ind.code][idx] = item.points
    run.benchmarks.append((klass.code, ind.code, item.benchmarks))
    if item.unusable:
        run.issues.append(
            issue_table([issue("benchmark-unusable", field=ind.code, indicator=ind.label)])
        )
    run.issues.append(fallback_issues(klass.label, ind, item.fallback))
    return item
