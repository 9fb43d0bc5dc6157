"""The benchmark behind `mujun bench`: every stage timed on a synthetic county, beside the
yardstick each is held to.

- reading: `read_sources` of mujun's own CSV and of Parquet, each beside pyarrow reading the
  same file alone;
- evaluating: `evaluate` beside the same method written out in plain numpy
  (`reference.grade`), whose statuses, scores and tiers must be identical;
- a whole `mujun run` from the CSV, stage by stage: read, evaluate, then each file written;
- optionally (`large`) `evaluate` at a larger size, each run in a process of its own: its time
  against the first size's and against the reference at its own size, and its peak memory
  against the table it evaluates;
- the internal workbook of at most WORKBOOK_FIRMS firms and the key-firm selection on a
  five-year panel of SELECT_FIRMS firms;
- the uncertainty analysis, 200 samples, against 200 separate `evaluate` calls
  (bench_uncertainty.py);
- `evaluate` under a variant of the rules whose tiers use `by` quotas with a tie-break (规上)
  and two stages within groups (规下), against the plain rules in turns (`tiers_variant_ratio`).

Times are medians of `repeat` runs (a reference and its stage run in turns), in seconds;
ratios are of medians measured in the same run. Peak memory is the process's maximum resident
set size.
"""

from __future__ import annotations

import contextlib
import gc
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..engine.evaluate import evaluate
from ..engine.evaluation import STATUSES, Evaluation
from ..export.folder import write_run
from ..export.tables import write_csv, write_parquet
from ..export.workbooks import write_internal_workbook
from ..read import read_sources
from ..rules import Rules, load_rules
from ..selection import select_key_firms
from ..selection.clusters import cluster_profiles
from ..selection.growth import growth_features
from ..table import EnterpriseTable
from .bench_explain import EXPLAIN_FIRMS, demo_explain_figures, explain_figures
from .bench_uncertainty import UNCERTAINTY_FIRMS, uncertainty_figures
from .demo import DEMO_RULES
from .reference import grade
from .synthetic import county_frame, generate_county

WORKBOOK_FIRMS = 100_000
SELECT_FIRMS, SELECT_YEARS = 100_000, 5  # the key-firm stages run on a five-year panel


def _median_time(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    runs, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), result


def _paired(
    reference: Callable[[], Any], stage: Callable[[], Any], repeat: int
) -> tuple[float, float, Any]:
    """Medians of a reference and a stage run in turns (so both see the same machine)."""
    ref, own, result = [], [], None
    for _ in range(max(repeat, 1)):
        start = time.perf_counter()
        reference()
        ref.append(time.perf_counter() - start)
        start = time.perf_counter()
        result = stage()
        own.append(time.perf_counter() - start)
    return statistics.median(ref), statistics.median(own), result


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (NaN where the OS cannot say)."""
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes there, KiB here


def run_bench(
    n: int = 1_000_000,
    *,
    repeat: int = 3,
    rules: Rules | None = None,
    progress: Callable[[str], None] | None = None,
    large: int | None = None,
    run: bool = True,
) -> dict[str, float]:
    """Median seconds per stage for n firms (keys end in `_s`), the ratios to the yardsticks
    (`_ratio`), `n` and `peak_rss_mb`; with `large`, the figures of `evaluate` at that size."""
    say = progress or (lambda _stage: None)
    rules = rules or load_rules(DEMO_RULES)
    out: dict[str, float] = {"n": float(n)}
    say("generation")
    out["generate_s"], frame = _median_time(lambda: county_frame(n, year=rules.year, seed=0), 1)
    with tempfile.TemporaryDirectory(prefix="mujun-bench-") as tmp:
        folder = Path(tmp)
        csv_path, parquet_path = folder / "county.csv", folder / "county.parquet"
        say("write inputs")
        write_csv(frame, csv_path)
        write_parquet(frame, parquet_path)
        say("read CSV")
        out["pyarrow_csv_s"], out["read_csv_s"], _ = _paired(
            lambda: pacsv.read_csv(csv_path),
            lambda: read_sources([csv_path], year=rules.year),
            repeat,
        )
        say("read Parquet")
        out["pyarrow_parquet_s"], out["read_parquet_s"], _ = _paired(
            lambda: pq.read_table(parquet_path),
            lambda: read_sources([parquet_path], year=rules.year),
            repeat,
        )
        say("checks")
        out["checks_s"], table = _median_time(lambda: EnterpriseTable.from_frame(frame), repeat)
        say("evaluate")
        out["reference_s"], out["evaluate_s"], ev = _paired(
            lambda: grade(table.frame), lambda: evaluate(table, rules), repeat
        )
        same_as_reference(ev, table)
        say("evaluate, tiers variant")
        variant = tiers_variant(rules)
        _, out["tiers_variant_s"], _ = _paired(
            lambda: evaluate(table, rules), lambda: evaluate(table, variant), repeat
        )
        say("write results")
        out["write_csv_s"], _ = _median_time(
            lambda: write_csv(ev.results, folder / "r.csv"), repeat
        )
        out["write_parquet_s"], _ = _median_time(
            lambda: write_parquet(ev.results, folder / "r.parquet"), repeat
        )
        say("write workbook")
        # the internal workbook of at most WORKBOOK_FIRMS firms (a county or a large city)
        book = ev.subset(np.arange(n) < WORKBOOK_FIRMS) if n > WORKBOOK_FIRMS else ev
        out["workbook_firms"] = float(len(book.results))
        out["write_workbook_s"], _ = _median_time(
            lambda: write_internal_workbook(book, folder / "book.xlsx"), repeat
        )
        if run:
            say("mujun run")
            out.update(run_stages(csv_path, rules, folder / "run"))
    say("growth and selection")
    out.update(_selection_times(min(n, SELECT_FIRMS), rules, repeat))
    for stage, ref in (
        ("read_csv", "pyarrow_csv"),
        ("read_parquet", "pyarrow_parquet"),
        ("evaluate", "reference"),
        ("tiers_variant", "evaluate"),
    ):
        out[f"{stage}_ratio"] = out[f"{stage}_s"] / out[f"{ref}_s"]
    if large:
        say(f"evaluate at {large:,} firms")
        out.update(large_figures(large, out["evaluate_s"], min(repeat, 3)))
    say("explain")  # on a county of at most EXPLAIN_FIRMS firms
    out.update(explain_figures(rules, min(n, EXPLAIN_FIRMS)))
    say("explain the demo's lowest tier")  # with the search for every field
    out.update(demo_explain_figures())
    say("uncertainty")  # on a county of at most UNCERTAINTY_FIRMS firms
    out.update(uncertainty_figures(rules, min(n, UNCERTAINTY_FIRMS)))
    out["peak_rss_mb"] = peak_rss_mb()
    return out


VARIANT_BY = "industry_group"  # the groups of the variant's quotas and stages: a derived field
VARIANT_GROUPS = {  # 温岭's five industry groups, as code prefixes (the fifth: the default)
    "纺织鞋帽橡塑": ["17", "18", "19", "29"],
    "金属及金属制品": ["31", "32", "33"],
    "泵阀门动力机械通用设备": ["34"],
    "电子电气仪器仪表": ["38", "39", "40"],
}


def tiers_variant(rules: Rules) -> Rules:
    """The rules with a derived industry group (a code-prefix map) and each class's tiers
    replaced: the first class by quotas within those groups, ties broken by tax then revenue;
    the others by two stages within the groups (A: the top half's best by its first two items,
    C: the bottom half's lowest by its first item), the rest B. The tier rules stay."""
    raw = rules.model_dump(by_alias=True, exclude_defaults=True)
    derive = {"code": VARIANT_BY, "label": "行业组", "from": "industry_code"}
    raw["derive"] = [*raw.get("derive", []), {**derive, "map": VARIANT_GROUPS, "default": "其他"}]
    for i, (klass, spec_in) in enumerate(zip(rules.classes, raw["class"], strict=True)):
        old = klass.tiers
        first = [f"score_{ind.code}" for ind in klass.indicators[:2]]
        spec: dict[str, Any] = {"method": "quota", "by": VARIANT_BY, "shares": old.shares}
        spec["tie_break"] = ["tax_paid", "revenue"]
        if i:
            top = {"tier": "A", "among": "rank_pct <= 0.5", "order": " + ".join(first)}
            low = {"tier": "C", "among": "rank_pct > 0.5", "order": first[0], "pick": "lowest"}
            stages = [{**top, "share": 0.15}, {**low, "share": 0.10}]
            spec = {"method": "stages", "by": VARIANT_BY, "rest": "B", "stage": stages}
        spec_in["tiers"] = {
            **spec,
            "names": {t: n for t, n in old.names.items() if t in "ABC" or not i},
            "rule": [r.model_dump(exclude_defaults=True) for r in old.rule],
        }
    return Rules.model_validate(raw)


def same_as_reference(ev: Evaluation, table: EnterpriseTable) -> None:
    """Stop unless the evaluation's statuses, scores and tiers are the reference's."""
    want = grade(table.frame)
    res = ev.results
    status = res["status"].cat.codes.to_numpy()
    if STATUSES != ("evaluated", "exempt", "deferred", "rejected"):
        raise AssertionError("the reference numbers statuses in the contract's order")
    tier = res["tier"].map({t: i for i, t in enumerate("ABCD")}).astype(float)
    checks = {
        "status": np.array_equal(status, want.status),
        "total_score": np.array_equal(res["total_score"].to_numpy(), want.total, equal_nan=True),
        "tier": np.array_equal(tier.fillna(-1).to_numpy().astype(np.int8), want.tier),
    }
    evaluated = want.status == 0
    for code, score in want.scores.items():
        mine = res[f"score_{code}"].to_numpy()
        checks[f"score_{code}"] = np.array_equal(
            mine, np.where(evaluated, score, np.nan), equal_nan=True
        )
    wrong = [k for k, ok in checks.items() if not ok]
    if wrong:
        raise AssertionError(f"evaluate differs from the numpy reference in {wrong}")


def run_stages(csv_path: Path, rules: Rules, out: Path) -> dict[str, float]:
    """A whole `mujun run` from the CSV, once: seconds to read, to evaluate, and to write each
    file (as write_run reports them written)."""
    figures: dict[str, float] = {}
    start = time.perf_counter()
    table = read_sources([csv_path], year=rules.year, priority=rules.input.priority)
    figures["run_read_s"] = time.perf_counter() - start
    start = time.perf_counter()
    ev = evaluate(table, rules)
    figures["run_evaluate_s"] = time.perf_counter() - start
    last = time.perf_counter()
    parks = 0.0

    def written(name: str) -> None:
        nonlocal last, parks
        now = time.perf_counter()
        if name.startswith("parks/"):
            parks += now - last
        else:
            figures[f"run_write {name}_s"] = now - last
        last = now

    start = time.perf_counter()
    write_run(ev, out, progress=written)
    figures["run_write parks/_s"] = parks
    figures["run_write_s"] = time.perf_counter() - start
    return figures


def large_figures(firms: int, evaluate_s: float, runs: int = 3) -> dict[str, float]:
    """`evaluate` at `firms` firms, each run in a process of its own (so that its memory is
    its own, and no run inherits another's heap): the median time against `evaluate_s` (the
    smaller size's) and against the numpy reference at this size, and the highest peak memory
    against the table's size."""
    got = [_large_run(firms) for _ in range(max(runs, 1))]
    seconds = statistics.median(g["evaluate_large_s"] for g in got)
    reference = statistics.median(g["reference_large_s"] for g in got)
    peak = max(g["large_peak_rss_mb"] for g in got)
    frame_mb = got[0]["large_frame_mb"]
    return {
        "large_n": float(firms),
        "large_runs": float(len(got)),
        "evaluate_large_s": seconds,
        "reference_large_s": reference,
        "large_frame_mb": frame_mb,
        "large_peak_rss_mb": peak,
        "large_rss_ratio": peak / frame_mb,
        "large_ratio": seconds / evaluate_s,
        "large_reference_ratio": seconds / reference,
    }


def _large_run(firms: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "mujun.sample.bench", str(firms)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the large evaluation failed: {done.stderr.strip()[-500:]}")
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _evaluate_large(firms: int) -> dict[str, float]:
    """Generate `firms` firms, keep only their table, then evaluate it: the time, the size of
    the table's frame and the peak resident memory while evaluating (MB)."""
    rules = load_rules(DEMO_RULES)
    table = EnterpriseTable.from_frame(county_frame(firms, year=rules.year, seed=0))
    gc.collect()
    frame_mb = table.frame.memory_usage(deep=True).sum() / 2**20
    _reset_peak()
    start = time.perf_counter()
    evaluate(table, rules)
    seconds = time.perf_counter() - start
    peak = _peak_since_reset()
    gc.collect()
    start = time.perf_counter()
    grade(table.frame)  # the same method in plain numpy, at the same size, after it
    reference = time.perf_counter() - start
    return {
        "evaluate_large_s": seconds,
        "reference_large_s": reference,
        "large_frame_mb": frame_mb,
        "large_peak_rss_mb": peak,
    }


def _reset_peak() -> None:
    """Start counting peak memory afresh (Linux: clear_refs 5), where the system allows."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_since_reset() -> float:
    """Peak resident memory since `_reset_peak` (VmHWM), else since the process began, MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mb()


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
    return {
        "select_firms": float(firms),
        "select_rows": float(len(panel)),
        "growth_s": t_growth,
        "clusters_s": t_clusters,
        "select_s": t_select,
    }


if __name__ == "__main__":  # the child process of `large_figures`
    print(json.dumps(_evaluate_large(int(sys.argv[1]))))
