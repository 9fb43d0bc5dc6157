"""The benchmark behind `mujun bench`: time each stage on a synthetic county.

Each stage is timed on its own, repeated, and reported as the median in seconds; peak memory is
the process's maximum resident set size. Stages use the engine's own functions on the same
data, so the figures add up to what a real run costs.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..engine import scoring, tiers
from ..engine.columns import FieldColumns, indicator_values
from ..engine.evaluate import evaluate
from ..export.tables import write_csv, write_parquet
from ..export.workbooks import write_internal_workbook
from ..read import read_sources
from ..rules import Rules, load_rules
from ..selection import select_key_firms
from ..selection.clusters import cluster_profiles
from ..selection.growth import growth_features
from ..table import EnterpriseTable
from .demo import DEMO_RULES
from .synthetic import county_frame, generate_county


def _median_time(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    runs, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), result


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (NaN where the OS cannot say)."""
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes there, KiB here


WORKBOOK_FIRMS = 100_000
SELECT_FIRMS, SELECT_YEARS = 100_000, 5  # the key-firm stages run on a five-year panel


def run_bench(
    n: int = 1_000_000,
    *,
    repeat: int = 3,
    rules: Rules | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, float]:
    """Median seconds per stage for n firms (keys end in `_s`), plus `n` and `peak_rss_mb`."""
    say = progress or (lambda _stage: None)
    rules = rules or load_rules(DEMO_RULES)
    out: dict[str, float] = {"n": float(n)}
    say("generation")
    out["generate_s"], frame = _median_time(lambda: county_frame(n, year=rules.year, seed=0), 1)
    with tempfile.TemporaryDirectory(prefix="mujun-bench-") as tmp:
        csv_path, parquet_path = Path(tmp) / "county.csv", Path(tmp) / "county.parquet"
        say("write inputs")
        write_csv(frame, csv_path)
        write_parquet(frame, parquet_path)
        say("read CSV")
        out["read_csv_s"], _ = _median_time(
            lambda: read_sources([csv_path], year=rules.year), repeat
        )
        say("read Parquet")
        out["read_parquet_s"], _ = _median_time(
            lambda: read_sources([parquet_path], year=rules.year), repeat
        )
        say("checks")
        out["checks_s"], table = _median_time(lambda: EnterpriseTable.from_frame(frame), repeat)
        say("stages")
        out.update(_stage_times(table, rules, repeat))
        say("evaluate")
        out["evaluate_s"], ev = _median_time(lambda: evaluate(table, rules), repeat)
        say("write results")
        out["write_csv_s"], _ = _median_time(lambda: write_csv(ev.results, Path(tmp) / "r.csv"),
                                             repeat)  # fmt: skip
        out["write_parquet_s"], _ = _median_time(
            lambda: write_parquet(ev.results, Path(tmp) / "r.parquet"), repeat
        )
        say("write workbook")
        # the internal workbook of at most WORKBOOK_FIRMS firms (a county or a large city)
        book = ev.subset(np.arange(n) < WORKBOOK_FIRMS) if n > WORKBOOK_FIRMS else ev
        out["workbook_firms"] = float(len(book.results))
        out["write_workbook_s"], _ = _median_time(
            lambda: write_internal_workbook(book, Path(tmp) / "book.xlsx"), repeat
        )
    say("growth and selection")
    out.update(_selection_times(min(n, SELECT_FIRMS), rules, repeat))
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def _selection_times(firms: int, rules: Rules, repeat: int) -> dict[str, float]:
    """Growth features, clustering and the whole selection on a panel of `firms` firms over
    SELECT_YEARS years ending with the rules' year (firms enter and leave, as in a county)."""
    years = range(rules.year - SELECT_YEARS + 1, rules.year + 1)
    panel = generate_county(firms, years=years, seed=0).drop(columns="archetype")
    window = rules.selection.model_copy(update={"window": SELECT_YEARS})
    rules = rules.model_copy(update={"selection": window})
    ev = evaluate(panel[panel["year"] == rules.year].reset_index(drop=True), rules)
    t_growth, grown = _median_time(
        lambda: growth_features(panel, rules.year, SELECT_YEARS, ev), repeat
    )
    t_clusters, _ = _median_time(
        lambda: cluster_profiles(grown.table, rules.selection.clusters), repeat
    )
    t_select, _ = _median_time(lambda: select_key_firms(panel, ev), repeat)
    return {"select_firms": float(firms), "select_rows": float(len(panel)),
            "growth_s": t_growth, "clusters_s": t_clusters, "select_s": t_select}  # fmt: skip


def _stage_times(table: EnterpriseTable, rules: Rules, repeat: int) -> dict[str, float]:
    """Indicators, scoring and tiers of every class on their own (all members evaluated)."""
    columns = FieldColumns(table.frame, rules)

    def indicators() -> dict[str, np.ndarray]:
        cols = FieldColumns(table.frame, rules)
        return {i.code: indicator_values(i.formula(cols, cols.n))
                for c in rules.classes for i in c.indicators}  # fmt: skip

    t_ind, values = _median_time(indicators, repeat)
    members = {c.code: c.when.condition(columns, columns.n) for c in rules.classes}

    def score() -> dict[str, np.ndarray]:
        totals = {}
        for c in rules.classes:
            idx = np.flatnonzero(members[c.code])
            total = np.zeros(len(idx))
            for ind in c.indicators:
                pooled = ind.score.benchmark == "pooled"
                ratio = ind.formula.as_ratio() if pooled else None
                num = den = None
                if ratio is not None:
                    num = np.asarray(ratio[0](columns, columns.n), float)[idx]
                    den = np.asarray(ratio[1](columns, columns.n), float)[idx]
                item = scoring.score_indicator(ind, values[ind.code][idx], numerator=num,
                                               denominator=den)  # fmt: skip
                total += item.points
            totals[c.code] = total
        return totals

    t_score, totals = _median_time(score, repeat)

    def tier() -> None:
        for c in rules.classes:
            rank = tiers.rank_scores(totals[c.code])
            tiers.base_tiers(totals[c.code], rank, c.tiers)

    t_tiers, _ = _median_time(tier, repeat)
    return {"indicators_s": t_ind, "scoring_s": t_score, "tiers_s": t_tiers}
