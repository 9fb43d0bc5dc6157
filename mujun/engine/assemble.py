"""From the state of a finished evaluation to its `Evaluation`: the results frame (one row per
input row, in input order), the issues, the table of every benchmark used, and the provenance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._version import mujun_version
from ..issues import concat_issues, quiet
from ..rules.adjust import uses_multipliers
from ..rules.composite import group_codes
from ..table import describe
from .evaluation import RESULT_COLUMNS, STATUSES, Evaluation
from .policies import apply_policies
from .stages_table import Stages

if TYPE_CHECKING:
    from .evaluate import _Run

EVALUATED = STATUSES.index("evaluated")


def assemble(run: _Run, past_tiers: pd.DataFrame | None = None) -> Evaluation:
    """The Evaluation of a finished run: results, issues, benchmarks and provenance."""
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
    results["total_score"] = run.total  # set for evaluated rows only, as are scores and ranks
    results["rank"] = pd.arrays.IntegerArray(run.rank, ~evaluated)
    results["tier"] = run.tier.column()
    results["tier_label"] = run.tier_label.column()
    results["tier_reason"] = run.tier_reason.column()
    results["veto_reason"] = run.veto.column()
    for code in run.rules.indicator_codes():
        results[f"value_{code}"] = _in_classes(run.values.get(code, []), run.n)
        results[f"score_{code}"] = (
            run.scores[code] if code in run.scores else np.full(run.n, np.nan)
        )
    for code in group_codes(run.rules.classes):  # pillars, sub-indices: after the indicators
        results[f"score_{code}"] = run.composite.groups.get(code, np.full(run.n, np.nan))
    results["adjust_points"] = run.adjust
    if any(uses_multipliers(c) for c in run.rules.classes):  # only where a class has one
        results["multiplier"] = run.multiplier
    if run.unit is not None:  # [units] merge_by: the unit each member was evaluated in
        results["unit"] = pd.array(run.unit, dtype="string")
    out = pd.DataFrame(results, copy=False)
    assert list(out.columns[: len(RESULT_COLUMNS)]) == RESULT_COLUMNS
    policy, policy_issues = apply_policies(
        run.rules, out, run.columns, past_tiers, run.table.origin_of
    )
    if policy:  # [[policy]]: tier_years and policy_<code>, after the other columns
        out = pd.concat([out, pd.DataFrame(policy, index=out.index)], axis=1)
    issues = concat_issues([*run.issues, *policy_issues])
    benchmarks = _benchmark_table(run.benchmarks)
    return Evaluation(
        out,
        issues,
        _provenance(run, out),
        run.rules,
        benchmarks,
        run.table,
        run.columns,
        past_tiers=past_tiers,
        stages=Stages.of(run.composite, run.codes),
    )


def _benchmark_table(found: list[tuple[str, str, pd.DataFrame]]) -> pd.DataFrame:
    """Every benchmark used: class, indicator, then the scorer's columns (group, benchmark, …)."""
    if not found or quiet():  # none kept within `quiet_issues`
        return pd.DataFrame(columns=["class", "indicator", "group", "benchmark"])
    table = pd.concat([t for _, _, t in found], ignore_index=True)
    sizes = [len(t) for _, _, t in found]
    table.insert(0, "indicator", np.repeat([i for _, i, _ in found], sizes))
    table.insert(0, "class", np.repeat([c for c, _, _ in found], sizes))
    return table


def _in_classes(parts: list[tuple[np.ndarray, np.ndarray]], n: int) -> np.ndarray:
    """An indicator's values on the rows of the classes that have it, NaN elsewhere."""
    out: np.ndarray = np.full(n, np.nan)
    for rows, values in parts:
        out[rows] = values
    return out


def _provenance(run: _Run, results: pd.DataFrame) -> dict[str, Any]:
    counts = [np.count_nonzero(run.status == i) for i in range(len(STATUSES))]
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
        "rows": {"input": run.n, **{s: int(counts[i]) for i, s in enumerate(STATUSES)}},
        "corrections": ([] if run.table.corrections is None else describe(run.table.corrections)),
        "appeals": ([] if run.table.appeals is None else describe(run.table.appeals)),
    }
