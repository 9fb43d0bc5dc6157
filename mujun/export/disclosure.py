"""What a park's workbook may show of figures computed over firms of other parks.

A park's workbook goes to that park. A figure pooled over more firms than the park's own can
reveal another park's firm: a benchmark over a division holding one firm is that firm's value,
and the county's sum minus the park's own is the rest of the county's. So a figure computed from
firms is shown in a park's workbook only when it stands on at least MIN_FIRMS firms, and the
firms outside the park behind it are none (it is the park's own) or again at least MIN_FIRMS;
a county sum, total or per-mu figure also needs that no single firm of the rest holds DOMINANCE
or more of the rest's amount. Counts of firms (per status, per tier) are not confidential.

Everything here is vectorised over the firms; the loops are over classes, indicators and figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..codes import division_label
from ..engine.evaluation import Evaluation
from ..rules import Indicator
from ..rules.score import BENCHMARKED

MIN_FIRMS = 3
"""Fewest firms a statistic shown to a park may be computed from (and, of other parks' firms)."""
DOMINANCE = 0.85
"""A county figure is withheld when one firm of the rest of the county holds this share of it."""
TOO_FEW = f"不足{MIN_FIRMS}家，不予显示"
WITHHELD = "不予显示"
BENCHMARK_NOTE = (
    f"注：由不足{MIN_FIRMS}家企业（或不足{MIN_FIRMS}家本园区以外企业）算得的基准值、"
    f"最小值、最大值不予显示。"
)
WHOLE = "（全体）"  # the group label of a class-wide benchmark in `Evaluation.benchmarks`
COUNTY_NOTE = (
    f"注：全县（市、区）数扣除本园区后不足{MIN_FIRMS}家企业，"
    f"或其中单户企业占{DOMINANCE:.0%}以上的，该数不予显示。"
)
# the per-mu figures of the 汇总 sheet and the amounts each is computed from
COUNTY_FIGURES = {
    "land_mu": ("land_mu",),
    "tax_per_mu": ("tax_paid", "land_mu"),
    "revenue_per_mu": ("revenue", "land_mu"),
    "value_added_per_mu": ("value_added", "land_mu"),
}


@dataclass(frozen=True)
class CountyCells:
    """Which county figures a park's 汇总 may show: per division (rows: division labels as
    `Evaluation.summary("industry_division")` names them; columns: COUNTY_FIGURES) and for the
    whole county."""

    divisions: pd.DataFrame
    county: dict[str, bool]

    def shown(self, figure: str, division: str | None = None) -> bool:
        """Whether the county's `figure` (of `division`, or of the whole county) is shown."""
        if division is None:
            return self.county.get(figure, False)
        if division not in self.divisions.index:
            return False
        return bool(self.divisions.at[division, figure])


def benchmark_shown(ev: Evaluation, park: np.ndarray) -> np.ndarray:
    """One flag per row of `ev.benchmarks`: whether a park's workbook may show that benchmark
    (or minimum and maximum). `ev` is the whole county's evaluation, `park` marks the park's
    rows. A mean or pooled benchmark is also withheld when one firm outside the park dominates
    the amounts it adds up (pooled over the whole class it is the county's per-mu figure). A
    fixed benchmark of the rules is the method, not data, and is always shown (so are the
    fixed ends of goalposts, piecewise and efficacy with numbers); one of last year's firms
    (`year = "previous"`) cannot be judged from this year's rows and is withheld."""
    bench = ev.benchmarks
    shown = np.ones(len(bench), dtype=bool)
    if not len(bench):
        return shown
    park = np.asarray(park, dtype=bool)
    evaluated = (ev.results["status"] == "evaluated").to_numpy(dtype=bool)
    classes = bench["class"].astype(str).to_numpy()
    indicators = bench["indicator"].astype(str).to_numpy()
    for klass in ev.rules.classes:
        in_class = evaluated & (ev.results["class"] == klass.code).to_numpy(dtype=bool)
        for ind in klass.indicators:
            at = (classes == klass.code) & (indicators == ind.code)
            if not at.any() or _fixed(ind):
                continue
            if ind.score.year == "previous":  # over last year's firms, which `ev` lacks
                shown[at] = False
                continue
            member = in_class & _has_value(ev, ind)
            amounts = _amounts(ev, ind)
            groups = bench.loc[at, "group"].astype(str).to_numpy()
            members = bench.loc[at, "members"].to_numpy(dtype=float)
            codes, labels = _groups(ev, ind, groups)
            whole = np.flatnonzero(groups == WHOLE)
            ok = np.zeros(len(groups), dtype=bool)
            if len(whole):
                everyone = np.zeros(len(park), dtype=np.int64)
                ok[whole] = _safe(everyone, 1, member, park, amounts, members[whole][:1])[0]
            grouped = np.flatnonzero(groups != WHOLE)
            if len(grouped):
                position = {g: i for i, g in enumerate(labels)}
                k = len(labels)
                totals = np.zeros(k)
                index = np.array([position.get(g, -1) for g in groups[grouped]], dtype=np.int64)
                known = index >= 0
                totals[index[known]] = members[grouped][known]
                flags = _safe(codes, k, member & (codes >= 0), park, amounts, totals)
                ok[grouped[known]] = flags[index[known]]
            shown[at] = ok
    return shown


def safe_count(total: np.ndarray, outside: np.ndarray) -> np.ndarray:
    """Whether a statistic over `total` firms, `outside` of them not the park's, may be shown."""
    total = np.asarray(total, dtype=float)
    outside = np.asarray(outside, dtype=float)
    return (total >= MIN_FIRMS) & ((outside == 0) | (outside >= MIN_FIRMS))


def county_cells(ev: Evaluation, park: np.ndarray) -> CountyCells:
    """Which county figures (per industry division and in total) a park's 汇总 may show."""
    park = np.asarray(park, dtype=bool)
    keys = division_keys(ev)
    codes, uniques = pd.factorize(keys, sort=True)
    everyone = np.zeros(len(keys), dtype=np.int64)
    evaluated = (ev.results["status"] == "evaluated").to_numpy(dtype=bool)
    land = np.asarray(ev.column("land_mu"), dtype=float)
    has_land = evaluated & (land > 0)
    per_division: dict[str, np.ndarray] = {}
    county: dict[str, bool] = {}
    for figure, amounts in COUNTY_FIGURES.items():
        used = has_land.copy()
        columns = [np.asarray(ev.column(a), dtype=float) for a in amounts]
        for column in columns:
            used &= np.isfinite(column)
        per_division[figure] = _safe(codes, len(uniques), used, park, columns)
        county[figure] = bool(_safe(everyone, 1, used, park, columns)[0])
    divisions = pd.DataFrame(per_division, index=pd.Index([str(u) for u in uniques]))
    return CountyCells(divisions, county)


def division_keys(ev: Evaluation) -> np.ndarray:
    """Each row's industry division as `Evaluation.summary("industry_division")` labels it."""
    values = np.asarray(ev.column("industry_division"), dtype=float)
    at, uniques = pd.factorize(values, use_na_sentinel=True)
    labels = np.array([*(division_label(d) for d in uniques), division_label(np.nan)], dtype=object)
    return np.asarray(labels[at], dtype=object)


def _safe(
    codes: np.ndarray,
    k: int,
    used: np.ndarray,
    park: np.ndarray,
    amounts: list[np.ndarray],
    totals: np.ndarray | None = None,
) -> np.ndarray:
    """Per group (`codes`, k groups): enough firms behind a statistic over the `used` rows
    (`totals`: the firms it was computed from, if known; else the used rows), and no firm
    outside the park holding DOMINANCE of the rest's sum of any of `amounts`."""
    rest = used & ~park
    if totals is None:
        totals = np.bincount(codes[used], minlength=k).astype(float)
    own = np.bincount(codes[used & park], minlength=k).astype(float)
    outside = np.asarray(totals, dtype=float) - own
    ok = (own <= totals) & safe_count(totals, outside)
    for column in amounts:
        amount = np.abs(column[rest])
        sums = np.bincount(codes[rest], weights=amount, minlength=k)
        largest = np.zeros(k)
        np.maximum.at(largest, codes[rest], amount)
        ok &= (outside == 0) | (largest < DOMINANCE * sums)
    return ok


def _groups(ev: Evaluation, ind: Indicator, groups: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Each row's benchmark group (an index into the labels; -1: none) as the scorer labels
    the groups of the indicator's `by` field; without a `by`, no group."""
    if not ind.score.by:
        return np.full(len(ev.results), -1, dtype=np.int64), []
    at, uniques = pd.factorize(pd.Series(ev.column(ind.score.by)), sort=True)
    return np.asarray(at, dtype=np.int64), [str(u) for u in uniques]


def _amounts(ev: Evaluation, ind: Indicator) -> list[np.ndarray]:
    """The amounts a benchmark adds up: a pooled one its ratio's numerator and denominator, a
    mean the values; a median, minimum, maximum or quantile adds nothing up, nor does one of
    last year's firms (`year = "previous"`)."""
    if ind.score.method not in BENCHMARKED or ind.score.benchmark not in ("pooled", "mean"):
        return []
    if ind.score.year == "previous":
        return []
    if ind.score.benchmark == "mean":
        values = ev.results[f"value_{ind.code}"].to_numpy(dtype=float, na_value=np.nan)
        return [np.nan_to_num(_treated(values, ind))]
    ratio = ind.formula.as_ratio()
    if ratio is None:
        return []
    n = len(ev.results)
    return [np.nan_to_num(np.asarray(part(ev.columns, n), dtype=float)) for part in ratio]


def _fixed(ind: Indicator) -> bool:
    """The benchmark table shows numbers of the rules only, none computed from firms."""
    score = ind.score
    if score.method in ("goalposts", "piecewise"):
        return True
    if score.method == "efficacy":
        return not isinstance(score.good, str | None) and not isinstance(score.bad, str | None)
    return score.method in BENCHMARKED and not isinstance(score.benchmark, str)


def _has_value(ev: Evaluation, ind: Indicator) -> np.ndarray:
    """Rows with a value the indicator's scorer counts (after the negative-value rule)."""
    column = f"value_{ind.code}"
    if column not in ev.results:
        return np.zeros(len(ev.results), dtype=bool)
    values = _treated(ev.results[column].to_numpy(dtype=float, na_value=np.nan), ind)
    return np.asarray(~np.isnan(values), dtype=bool)


def _treated(values: np.ndarray, ind: Indicator) -> np.ndarray:
    """Values as the scorer counts them: a negative one kept, 0, or missing (the rules say)."""
    if ind.negative == "keep":
        return values
    return np.where(values < 0, 0.0 if ind.negative == "zero" else np.nan, values)
