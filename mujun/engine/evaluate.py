"""evaluate(table, rules): the one place where the stages are chained.

Order of decisions for every row (each row ends in exactly one status):
1. rejected — errors found while reading (bad or duplicate credit code, unreadable values) or a
   data year other than the rules' year;
2. exempt / deferred — the first matching `[[exclude]]` rule;
3. class — the first class whose `when` holds; no class → exempt (not in scope);
4. rejected — the class's own data checks (land missing or ≤ 0, negative values it uses);
5. deferred — a missing value of an indicator whose policy is `exclude`;
6. evaluated — scored, ranked and tiered within the class.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._version import mujun_version
from ..errors import Issue, RulesError, concat_issues, issues_frame, row_issues
from ..rules import EvalClass, Indicator, Rules
from ..rules.expr import ExpressionError, parse
from ..table import EnterpriseTable, describe
from . import checks, scoring, tiers
from .columns import FieldColumns, indicator_values, source_fields
from .evaluation import RESULT_COLUMNS, STATUSES, SUMMARY_FIGURES, Evaluation

PENDING = -1
EVALUATED, EXEMPT, DEFERRED, REJECTED = (
    STATUSES.index(s) for s in ("evaluated", "exempt", "deferred", "rejected")
)
OUT_OF_SCOPE = "不属于任何评价类别，不参评"
MISSING_POLICY = {
    "zero": "该项计0分",
    "mean_score": "该项取本类企业平均得分",
    "penalty": "该项按规则扣分",
    "exclude": "暂缓评价",
}


class _Labels:
    """A column of short texts kept as integer codes (cheap at a million rows)."""

    def __init__(self, n: int) -> None:
        self.codes = np.zeros(n, dtype=np.int32)
        self.categories: list[str] = [""]

    def set(self, mask: np.ndarray, text: str) -> None:
        if text not in self.categories:
            self.categories.append(text)
        self.codes[mask] = self.categories.index(text)

    def set_at(self, positions: np.ndarray, texts: np.ndarray) -> None:
        idx, uniques = pd.factorize(pd.Series(texts, dtype=object))
        lookup = []
        for text in uniques:
            if text not in self.categories:
                self.categories.append(text)
            lookup.append(self.categories.index(text))
        self.codes[positions] = np.asarray(lookup, dtype=np.int32)[idx]

    def mask(self, text: str) -> np.ndarray:
        if text not in self.categories:
            return np.zeros(len(self.codes), dtype=bool)
        return self.codes == self.categories.index(text)

    def column(self) -> pd.Categorical:
        return pd.Categorical.from_codes(self.codes, categories=self.categories)


class _Run:
    """Mutable state of one evaluation while the stages fill it in."""

    def __init__(self, table: EnterpriseTable, rules: Rules) -> None:
        self.table, self.rules = table, rules
        self.n = len(table)
        self.columns = FieldColumns(table.frame, rules)
        self.codes = table.frame["credit_code"]
        self.status = np.full(self.n, PENDING, dtype=np.int8)
        self.reason, self.klass, self.tier, self.tier_reason = (_Labels(self.n) for _ in range(4))
        self.total = np.full(self.n, np.nan)
        self.rank = np.zeros(self.n, dtype=np.int64)
        self.adjust = np.full(self.n, np.nan)
        self._values_of: dict[str, np.ndarray] = {}
        self._conditions: dict[str, np.ndarray] = {}
        self.values: dict[str, np.ndarray] = {}
        self.scores: dict[str, np.ndarray] = {}
        self.issues: list[pd.DataFrame] = [table.issues]
        self.benchmarks: list[pd.DataFrame] = []

    def expr(self, text: str) -> np.ndarray:
        """An expression's value on every row, computed once per run (classes share formulas)."""
        if text not in self._values_of:
            self._values_of[text] = parse(text)(self.columns, self.n)
        return self._values_of[text]

    def condition(self, text: str) -> np.ndarray:
        """A condition on every row as booleans (missing counts as false), computed once."""
        if text not in self._conditions:
            self._conditions[text] = parse(text).condition(self.columns, self.n)
        return self._conditions[text]

    def decide(self, mask: np.ndarray, status: int, reason: str) -> None:
        self.status[mask] = status
        self.reason.set(mask, reason)

    def row_issue(
        self,
        mask: np.ndarray,
        code: str,
        message: str,
        severity: str,
        field: str = "",
        values: np.ndarray | None = None,
    ) -> None:
        self.issues.append(
            row_issues(
                mask,
                code=code,
                message=message,
                severity=severity,
                origin=self.table.origin_of(field),
                credit_code=self.codes,
                field=field,
                values=values,
            )
        )


def evaluate(table: EnterpriseTable | pd.DataFrame, rules: Rules) -> Evaluation:
    """Evaluate every row of `table` under `rules`; see the module docstring for the order."""
    if isinstance(table, pd.DataFrame):
        table = EnterpriseTable.from_frame(table)
    run = _Run(table, rules)
    try:
        _reject_unreadable(run)
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
    except ExpressionError as exc:  # a type the data has but the rules did not expect
        raise RulesError(str(exc), file=rules.path or None) from None
    assert not (run.status == PENDING).any(), "every row ends in a status"
    return _assemble(run)


def _reject_unreadable(run: _Run) -> None:
    """Reject rows whose key or a field the rules use could not be read; an unreadable value in
    a field these rules never use is only a warning."""
    issues = run.table.issues.copy()
    used = source_fields(run.rules.fields_used()) | {"credit_code", "year"}
    unused = (issues["severity"] == "error") & ~issues["field"].isin(used) & (issues["field"] != "")
    issues.loc[unused, "severity"] = "warning"
    issues.loc[unused, "message"] = issues.loc[unused, "message"] + "（本次评价未使用该字段）"
    run.issues[0] = issues
    errors = issues[(issues["severity"] == "error") & (issues["position"] >= 0)]
    errors = errors.drop_duplicates("position")
    positions = errors["position"].to_numpy()
    run.status[positions] = REJECTED
    run.reason.set_at(positions, errors["message"].to_numpy(dtype=object))
    year = run.columns["year"]
    if "year" in run.table.frame:
        blank = (run.status == PENDING) & np.isnan(year)
        message = f"年度为空，按评价年度（{run.rules.year}年）处理"
        run.row_issue(blank, "missing-year", message, "warning", "year")
    wrong = (run.status == PENDING) & ~np.isnan(year) & (year != run.rules.year)
    if wrong.any():
        message = f"数据年度与评价年度（{run.rules.year}年）不符，未评价"
        run.decide(wrong, REJECTED, message)
        run.row_issue(wrong, "wrong-year", message, "error", "year", year)


def _evaluate_class(run: _Run, klass: EvalClass, in_class: np.ndarray) -> None:
    members = in_class & (run.status == PENDING)
    for finding in checks.check_class(klass, run.columns, members):
        bad = finding.mask & (run.status == PENDING)
        run.decide(bad, REJECTED, finding.message)
        run.row_issue(
            bad, finding.code, finding.message, "error", finding.field, run.columns[finding.field]
        )
    values = {ind.code: _values(run, ind, in_class) for ind in klass.indicators}
    pending = in_class & (run.status == PENDING)
    for finding in checks.check_values(klass, values, run.columns, pending):
        run.row_issue(finding.mask, finding.code, finding.message, "warning", finding.field,
                      values[finding.field])  # fmt: skip
    for ind in klass.indicators:
        groups = run.columns[ind.score.by] if ind.score.by else None
        absent = (
            in_class & (run.status == PENDING) & scoring.unscorable(ind, values[ind.code], groups)
        )
        if not absent.any():
            continue
        message = f"“{ind.label}”无法计算（缺少或无效数据），{MISSING_POLICY[ind.missing]}"
        run.row_issue(absent, "missing-indicator", message, "warning", ind.code)
        if ind.missing == "exclude":
            run.decide(absent, DEFERRED, f"缺少“{ind.label}”所需数据，暂缓评价")
    members = in_class & (run.status == PENDING)
    idx = np.flatnonzero(members)
    total = np.zeros(len(idx))
    for ind in klass.indicators:
        item = _score(run, klass, ind, values[ind.code], idx)
        total += item
    adjust = np.zeros(len(idx))
    for adj in klass.adjust:
        adjust += np.where(run.condition(adj.when)[idx], adj.points, 0.0)
    total += adjust
    run.adjust[idx] = adjust
    run.total[idx] = total
    _tier_class(run, klass, idx, total)
    run.decide(members, EVALUATED, f"按“{klass.label}”评价")


def _values(run: _Run, ind: Indicator, in_class: np.ndarray) -> np.ndarray:
    values = indicator_values(run.expr(ind.formula))
    column = run.values.setdefault(ind.code, np.full(run.n, np.nan))
    np.copyto(column, values, where=in_class)
    return values


def _score(
    run: _Run, klass: EvalClass, ind: Indicator, values: np.ndarray, idx: np.ndarray
) -> np.ndarray:
    spec = ind.score
    groups = run.columns[spec.by][idx] if spec.by else None
    numerator = denominator = None
    if spec.benchmark == "pooled":
        ratio = parse(ind.formula).as_ratio()
        assert ratio is not None  # checked when the rules were loaded
        numerator = np.asarray(run.expr(ratio[0].text), dtype=float)[idx]
        denominator = np.asarray(run.expr(ratio[1].text), dtype=float)[idx]
    item = scoring.score_indicator(
        ind, values[idx], groups=groups, numerator=numerator, denominator=denominator
    )
    run.scores.setdefault(ind.code, np.full(run.n, np.nan))[idx] = item.points
    table = item.benchmarks.assign(**{"class": klass.code, "indicator": ind.code})
    run.benchmarks.append(table)
    if item.problems:
        run.issues.append(
            issues_frame(
                Issue("benchmark-unusable", p, "warning", field=ind.code) for p in item.problems
            )
        )
    return item.points


def _tier_class(run: _Run, klass: EvalClass, idx: np.ndarray, total: np.ndarray) -> None:
    spec = klass.tiers
    rank = tiers.rank_scores(total)
    tier = tiers.base_tiers(total, rank, spec)
    masks = [run.condition(r.when)[idx] for r in spec.rule]
    tier, moved_by = tiers.apply_tier_rules(tier, masks, spec)
    run.rank[idx] = rank
    order = spec.order
    for t, label in enumerate(order):
        run.tier.set(_at(run.n, idx, tier == t), label)
    run.tier_reason.set(_at(run.n, idx, moved_by < 0), spec.method)
    for i, rule in enumerate(spec.rule):
        run.tier_reason.set(_at(run.n, idx, moved_by == i), rule.reason)


def _at(n: int, idx: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[idx[mask]] = True
    return out


def _assemble(run: _Run) -> Evaluation:
    frame = run.table.frame
    evaluated = run.status == EVALUATED
    results: dict[str, Any] = {}
    for col in ("credit_code", "year", "name", "park", "industry_code"):
        results[col] = (
            frame[col] if col in frame else pd.Series(pd.NA, index=frame.index, dtype="string")
        )
    year = run.columns["year"]
    results["year"] = pd.array(np.where(np.isnan(year), run.rules.year, year).astype(np.int64))
    results["class"] = run.klass.column()
    results["status"] = pd.Categorical.from_codes(run.status, categories=list(STATUSES))
    results["status_reason"] = run.reason.column()
    results["total_score"] = np.where(evaluated, run.total, np.nan)
    results["rank"] = pd.array(np.where(evaluated, run.rank, 0), dtype="Int64")
    results["rank"][~evaluated] = pd.NA
    results["tier"] = run.tier.column()
    results["tier_reason"] = run.tier_reason.column()
    for code in run.rules.indicator_codes():
        results[f"value_{code}"] = run.values.get(code, np.full(run.n, np.nan))
        results[f"score_{code}"] = np.where(evaluated, run.scores.get(code, np.nan), np.nan)
    results["adjust_points"] = np.where(evaluated, run.adjust, np.nan)
    out = pd.DataFrame(results)
    assert list(out.columns[: len(RESULT_COLUMNS)]) == RESULT_COLUMNS
    inputs = pd.DataFrame({f: run.columns[f] for f in (*SUMMARY_FIGURES, "industry_division")})
    issues = concat_issues(run.issues)
    benchmarks = (
        pd.concat(run.benchmarks, ignore_index=True)
        if run.benchmarks
        else pd.DataFrame(columns=["class", "indicator", "group", "benchmark"])
    )
    front = ["class", "indicator"]
    benchmarks = benchmarks[front + [c for c in benchmarks.columns if c not in front]]
    return Evaluation(out, issues, _provenance(run, out), run.rules, benchmarks, inputs)


def _provenance(run: _Run, results: pd.DataFrame) -> dict[str, Any]:
    counts = results["status"].value_counts()
    return {
        "mujun_version": mujun_version(),
        "rules": {
            "name": run.rules.name,
            "region": run.rules.region,
            "year": run.rules.year,
            "path": run.rules.path,
            "sha256": run.rules.sha256,
        },
        "inputs": [
            {
                "file": s.file,
                "sha256": s.sha256,
                "rows": s.rows,
                "used": s.used,
                "skipped": s.skipped,
            }
            for s in run.table.sources
        ],
        "rows": {"input": run.n, **{s: int(counts.get(s, 0)) for s in STATUSES}},
        "corrections": ([] if run.table.corrections is None else describe(run.table.corrections)),
    }
