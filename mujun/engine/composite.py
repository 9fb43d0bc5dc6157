"""The composite-indicator chain of one class (COINr's steps): raw → denominated → imputed →
treated → normalised → aggregated, each stage kept for `Evaluation.stages`.

`evaluate._evaluate_class` drives it for a class that uses a composite step (`is_composite`):
the values it computes are the denominated ones (`evaluate._values` divides by the
`denominator`); `Chain.impute` fills the missing values of `missing = "impute"` indicators,
`Chain.treated` winsorises, `Chain.scorer` gives the indicator its scorer on 0–100 in a
mean/geometric/harmonic class (weights act in the aggregation only) and `Chain.aggregate`
computes the group scores and the class total over the hierarchy. The step functions are the
pure ones of `treat`, `impute` and `hierarchy`; no loop here runs over units.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..issues import issue, issue_table
from ..rules import EvalClass, Indicator
from ..rules.composite import group_method, is_composite, treatment
from . import hierarchy, impute, treat
from .evaluation import STATUSES
from .stages_table import STAGES

if TYPE_CHECKING:
    from .evaluate import _Run

__all__ = ["STAGES", "Chain", "ClassStages", "Record", "class_nodes", "is_composite"]

SPREAD_SCORERS = ("minmax", "distance_to_max")  # scale by the class's range of values
SCALE = 100.0  # an indicator's normalised score in a mean/geometric/harmonic class: 0–100
_STAT_WORDS = {"mean": "平均值", "median": "中位数"}


@dataclass
class ClassStages:
    """One class's stage tables (stage → column → values over the class's `rows`), its
    treatment rows (one per indicator) and its winsorised points."""

    code: str
    rows: np.ndarray
    tables: dict[str, dict[str, np.ndarray]]
    treatment: list[dict[str, Any]] = field(default_factory=list)
    winsorised: list[pd.DataFrame] = field(default_factory=list)


@dataclass
class Record:
    """What the composite steps of one run keep: each group's score over all rows, each
    composite class's stages."""

    groups: dict[str, np.ndarray] = field(default_factory=dict)
    classes: list[ClassStages] = field(default_factory=list)

    def drop(self, rows: np.ndarray) -> None:
        """No group score for the rows at `rows` (rejected after scoring)."""
        for column in self.groups.values():
            column[rows] = np.nan


class Chain:
    """The composite steps of one class in one run (see the module docstring)."""

    def __init__(
        self,
        run: _Run,
        klass: EvalClass,
        rows: np.ndarray,
        values: dict[str, np.ndarray],
        ratios: dict[str, tuple[np.ndarray, np.ndarray]],
    ) -> None:
        self.run, self.klass, self.rows = run, klass, rows
        self.stages = ClassStages(klass.code, rows, {s: {} for s in STAGES})
        self._unscored = self._not_positive = np.zeros(0, dtype=bool)  # set by `aggregate`
        run.composite.classes.append(self.stages)
        for ind in klass.indicators:
            den = ind.denominator is not None
            self._keep("raw", ind.code, rows, ratios[ind.code][0] if den else values[ind.code])
            self._keep("denominated", ind.code, rows, values[ind.code])

    def _keep(self, stage: str, column: str, at: np.ndarray, values: np.ndarray) -> None:
        """Values of the rows `at` (a subset of the class's rows) as a column of a stage."""
        out = np.full(len(self.rows), np.nan)
        out[np.searchsorted(self.rows, at)] = values
        self.stages.tables[stage][column] = out

    def impute(self, values: dict[str, np.ndarray], live: np.ndarray) -> dict[str, np.ndarray]:
        """The values with each `missing = "impute"` indicator's missing cells filled over the
        members still to be scored (`live`), one info issue per filled cell."""
        out = dict(values)
        run = self.run
        for ind in self.klass.indicators:
            x = np.where(live, values[ind.code], np.nan)
            spec = ind.impute
            if ind.missing == "impute" and spec is not None:
                if spec.stat == "previous":
                    filled, mask = impute.previous_fill(x, self._last_year(ind))
                    how = "取该单位上一年的值"
                else:
                    by = spec.by
                    groups = None if by is None else np.asarray(run.columns[by])[self.rows]
                    filled, mask = impute.group_fill(x, groups, spec.stat)
                    where = f"按“{_label(by)}”分组的" if by else "本类"
                    how = f"取{where}{_STAT_WORDS[spec.stat]}"
                mask = np.asarray(mask, dtype=bool) & live
                if mask.any():
                    out[ind.code] = np.where(mask, filled, values[ind.code])
                    at = np.zeros(run.n, dtype=bool)
                    at[self.rows[mask]] = True
                    shown = np.full(run.n, np.nan)
                    shown[self.rows] = filled
                    run.row_issue(
                        "imputed-value",
                        at,
                        ind.code,
                        shown,
                        indicator=ind.label,
                        how=how,
                    )
            self._keep("imputed", ind.code, self.rows, np.where(live, out[ind.code], np.nan))
        return out

    def _last_year(self, ind: Indicator) -> np.ndarray:
        """The indicator's value one year earlier for each of the class's rows (NaN: none)."""
        columns = self.run.columns
        if getattr(columns, "_last", None) is None:
            return np.full(len(self.rows), np.nan)
        last = _PreviousColumns(columns)
        with np.errstate(all="ignore"):
            value = np.asarray(ind.formula(last, self.run.n), dtype=np.float64)
            if ind.denominator is not None:
                den = np.asarray(ind.denominator(last, self.run.n), dtype=np.float64)
                value = np.where(den != 0, value / np.where(den != 0, den, 1.0), np.nan)
        value = np.where(np.isfinite(value), value, np.nan)
        return value[self.rows]

    def treated(self, values: dict[str, np.ndarray], idx: np.ndarray) -> dict[str, np.ndarray]:
        """The scored members' values (`idx`) after each indicator's outlier treatment; the
        treatment table and the winsorised points are kept."""
        out = dict(values)
        for ind in self.klass.indicators:
            spec = treatment(self.klass, ind)
            x = np.asarray(values[ind.code], dtype=float)
            if spec is None:
                self._keep("treated", ind.code, idx, x)
                continue
            done = treat.winsorise(
                x,
                skew=spec.skew,
                kurtosis=spec.kurtosis,
                max_points=spec.max_points,
                log=spec.log,
            )
            out[ind.code] = np.asarray(done.values, dtype=float)
            self._keep("treated", ind.code, idx, out[ind.code])
            low, high = np.asarray(done.low, bool), np.asarray(done.high, bool)
            self.stages.treatment.append(
                {
                    "class": self.klass.code,
                    "indicator": ind.code,
                    "skew_before": float(done.skew_before),
                    "kurtosis_before": float(done.kurtosis_before),
                    "winsorised_low": int(low.sum()),
                    "winsorised_high": int(high.sum()),
                    "log": bool(done.log),
                    "skew_after": float(done.skew_after),
                    "kurtosis_after": float(done.kurtosis_after),
                    "passed": bool(done.passed),
                }
            )
            self._winsorised(ind, idx, x, out[ind.code], low, high)
        return out

    def _winsorised(
        self,
        ind: Indicator,
        idx: np.ndarray,
        raw: np.ndarray,
        treated: np.ndarray,
        low: np.ndarray,
        high: np.ndarray,
    ) -> None:
        hit = low | high
        if not hit.any():
            return
        codes = self.run.codes.to_numpy(dtype=object)
        self.stages.winsorised.append(
            pd.DataFrame(
                {
                    "class": self.klass.code,
                    "indicator": ind.code,
                    "credit_code": codes[idx[hit]],
                    "side": np.where(low[hit], "low", "high"),
                    "raw": raw[hit],
                    "treated": treated[hit],
                }
            )
        )
        at = np.zeros(self.run.n, dtype=bool)
        at[idx[hit]] = True
        shown = np.full(self.run.n, np.nan)
        shown[idx] = raw  # the value as reported; the scored one is in stages.winsorised
        self.run.row_issue("winsorised-value", at, ind.code, shown, indicator=ind.label)

    def scorer(self, ind: Indicator, x: np.ndarray, idx: np.ndarray) -> Indicator:
        """The indicator as its scorer sees it: on 0–100 in a mean/geometric/harmonic class
        (weights act in the aggregation), a reference unit's key replaced by its value."""
        update: dict[str, Any] = {}
        if self.klass.aggregate != "sum":
            update["weight"] = SCALE
        ref = ind.score.reference
        if ind.score.method == "distance_to_reference" and isinstance(ref, str):
            codes = self.run.codes.to_numpy(dtype=object)[idx]
            found = np.flatnonzero(codes == ref)
            if len(found) and np.isfinite(x[found[0]]):
                update["score"] = ind.score.model_copy(update={"reference": float(x[found[0]])})
        return ind.model_copy(update=update) if update else ind

    def aggregate(self, idx: np.ndarray) -> np.ndarray:
        """The class total of the scored members at `idx` over the hierarchy (sum class: Σ
        item points as ever); each group's score is kept for the results."""
        klass, run = self.klass, self.run
        leaves = {}
        for ind in klass.indicators:
            points = run.scores[ind.code][idx]
            if klass.aggregate == "sum":  # an item without data adds nothing to a sum
                points = np.where(np.isnan(points), 0.0, points)
            elif self._no_spread(ind, idx):  # as COINr's n_minmax: missing, weights shared
                points = np.full(len(idx), np.nan)
                run.scores[ind.code][idx] = points
            leaves[ind.code] = points
            self._keep("normalised", ind.code, idx, points)
        scores = self._tree(leaves, np.ones(len(idx), dtype=bool), idx)
        for g in klass.groups:
            column = run.composite.groups.setdefault(g.code, np.full(run.n, np.nan))
            column[idx] = scores[g.code]
            self._keep("aggregated", g.code, idx, scores[g.code])
        total = np.asarray(scores[""], dtype=float)
        self._keep("aggregated", "total_score", idx, total)
        self._unscored = np.isnan(total)
        return total

    def _no_spread(self, ind: Indicator, idx: np.ndarray) -> bool:
        """Whether a spread scorer (min–max, distance to max) meets treated values of the
        members at `idx` that are all equal: COINr leaves such an indicator missing (its
        parent's weights re-normalised over the others) where mujun's county scorers give
        everyone full points. A warning says so."""
        if ind.score.method not in SPREAD_SCORERS:
            return False
        x = self.stages.tables["treated"][ind.code][np.searchsorted(self.rows, idx)]
        present = x[np.isfinite(x)]
        if len(present) == 0 or present.min() != present.max():
            return False
        self.run.issues.append(
            issue_table([issue("indicator-no-spread", field=ind.code, indicator=ind.label)])
        )
        return True

    def reject_unscored(self, idx: np.ndarray, done: np.ndarray) -> np.ndarray:
        """Reject the members at `idx` left without a total by the aggregation (and not
        rejected already, `done`), with the reason; the mask over `idx` of those."""
        unscored = self._unscored & ~done
        if not unscored.any():
            return unscored
        run, rejected = self.run, STATUSES.index("rejected")
        empty = np.zeros(run.n, dtype=bool)
        empty[idx[unscored & ~self._not_positive]] = True  # no child with data at all
        run.row_issue("no-scored-data", empty, "total_score", klass=self.klass.label)
        run.decide(empty, rejected, issue("no-scored-data", klass=self.klass.label).message)
        zero = np.zeros(run.n, dtype=bool)  # a geometric mean over a 0: its issue is written
        zero[idx[unscored & self._not_positive]] = True
        reason = issue("aggregate-not-positive", node=self.klass.label, why="见问题清单")
        run.decide(zero, rejected, reason.message)
        return unscored

    def _tree(
        self, leaves: dict[str, np.ndarray], keep: np.ndarray, idx: np.ndarray
    ) -> dict[str, np.ndarray]:
        """The hierarchy's scores of the members where `keep` holds (NaN elsewhere); a
        member whose scores a geometric (harmonic) mean cannot take (0 or below) is reported
        and left without a total: it is rejected, never tiered on a guess."""
        klass = self.klass
        nodes = class_nodes(klass)
        self._not_positive = ~keep
        kept = {k: v[keep] for k, v in leaves.items()}
        try:
            part = hierarchy.aggregate_tree(kept, nodes, klass.aggregate)
        except hierarchy.NonPositiveError as exc:
            bad = np.flatnonzero(keep)[np.asarray(exc.rows, dtype=bool)]
            at = np.zeros(self.run.n, dtype=bool)
            at[idx[bad]] = True
            node = next((g.label for g in klass.groups if g.code == exc.node), klass.label)
            self.run.row_issue("aggregate-not-positive", at, exc.node, node=node, why=str(exc))
            keep = keep.copy()
            keep[bad] = False
            return self._tree(leaves, keep, idx)
        out = {}
        for code in [*(g.code for g in klass.groups), ""]:
            full = np.full(len(keep), np.nan)
            full[keep] = part[code]
            out[code] = full
        return out


def class_nodes(klass: EvalClass) -> list[hierarchy.Node]:
    """The class's hierarchy as `hierarchy.aggregate_tree` takes it: its groups, then its
    indicators (leaves). In a sum class every weight is 1: the points carry the weights."""
    flat = klass.aggregate == "sum"
    nodes = [
        hierarchy.Node(g.code, g.parent, 1.0 if flat else g.weight, group_method(klass, g))
        for g in klass.groups
    ]
    nodes += [
        hierarchy.Node(i.code, i.parent, 1.0 if flat else i.weight, "") for i in klass.indicators
    ]
    return nodes


class _PreviousColumns(Mapping[str, np.ndarray]):
    """Columns whose every field is its value one year earlier (for an indicator's formula
    over last year's data, aligned to this year's rows)."""

    def __init__(self, columns: Any) -> None:
        self._columns = columns

    def __getitem__(self, name: str) -> np.ndarray:
        return np.asarray(self._columns.previous_of(name))

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)


def _label(code: str | None) -> str:
    from ..fields import label

    return label(code) if code else ""
