"""The uncertainty analysis (issue 16, DESIGN §7): how far each firm's tier depends on the
choices the rules fixed by judgement — the weights, the benchmark statistic, the cap, the tier
shares — over many samples of those choices.

Vectorised over samples, not one evaluation per sample: reading, checks, formulas, exclusions
and class placement do not depend on the sampled choices. Per discrete variant (benchmark
statistic × caps kept or dropped) the table is evaluated twice, quietly, with every weight 1
and 2 (a copy of the rules, not validated: the weights need not add up), which gives each
member's item points as a + b × weight — exact for every scorer, since each scales its item by
the weight and only a penalty for a missing value does not (it is a, with b = 0). A third
evaluation at weight 3 checks that this holds. Then per sample the totals are products over
indicators and members (in a mean/geometric/harmonic class the aggregation with the sampled
weights), the class's adjustments applied, and each sample is ranked and tiered by the
engine's own functions (`sampled.py`). The fast path is checked against the evaluation as
written (the as-written choices must give its tiers and ranks); where it is not exact (units
merged on figures the tiers read, a class whose statuses change with the variant) every
sample is evaluated in full instead (`exact`), with the same draws.

Samples run in chunks of `chunk` (memory bounded), chunks in parallel over `jobs` processes
(joblib) or on a Dask cluster (`scheduler`: an address or a `distributed.Client`); each sample's
choices come from its own child of one `SeedSequence(seed)`, so the result does not depend on
the chunking, the jobs or the cluster.

`[units]`: members of a merged unit carry their unit's tier and rank in every sample (the unit
is ranked once); a tenant takes its landowner's tier of the same sample where that tier is one
of the tenant's class (as `evaluate` does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import RulesError
from ..rules import Rules
from .again import evaluate_again, given_table
from .chunks import Progress, Task, run_chunks
from .draws import Draws, Options, capped, draw, statistic_indicators
from .outcome import Tally, stability
from .points_model import Layout, build, layout
from .sampled import Chunk, Model, tier_chunk

if TYPE_CHECKING:
    from .evaluation import Evaluation
    from .stability import Stability

MAX_CELLS = 1 << 22  # samples × firms per chunk: about 32 MB of totals


def options_for(
    rules: Rules,
    samples: int | None = None,
    weight_noise: float | None = None,
    seed: int | None = None,
) -> Options:
    """The rules' `[uncertainty]` table with the given options on top; without the table, the
    weights alone are sampled (uniform ± weight_noise, default 0.2)."""
    table = rules.uncertainty
    base = (
        Options()
        if table is None
        else Options(
            samples=table.samples,
            seed=table.seed,
            threshold=table.threshold,
            weights=table.weights,
            weight_noise=table.weight_noise,
            concentration=table.concentration,
            benchmark=tuple(table.benchmark),
            cap=table.cap,
            shares=table.shares,
        )
    )
    given: dict[str, Any] = {"samples": samples, "weight_noise": weight_noise, "seed": seed}
    changes = {k: v for k, v in given.items() if v is not None}
    _check(changes)
    return Options(**{**base.__dict__, **changes})


def _check(changes: dict[str, Any]) -> None:
    samples, noise = changes.get("samples"), changes.get("weight_noise")
    if samples is not None and not 1 <= int(samples) <= 100_000:
        raise RulesError(f"抽样次数须在 1 至 100000 之间，实为 {samples}")
    if noise is not None and not 0 <= float(noise) < 1:
        raise RulesError(f"权重扰动幅度须不小于 0 且小于 1，实为 {noise}")
    seed = changes.get("seed")
    if seed is not None and int(seed) < 0:
        raise RulesError(f"随机种子须为非负整数，实为 {seed}")


# ---- the variants: benchmark statistic × caps ----


def variants(rules: Rules, options: Options) -> list[tuple[str | None, bool]]:
    """The discrete variants the samples fall in: (statistic or None as written, caps kept)."""
    stats: list[str | None] = [None]
    if options.benchmark and any(statistic_indicators(rules, s) for s in options.benchmark):
        stats = list(options.benchmark)
    caps = [True, False] if options.cap and capped(rules) else [True]
    return [(s, c) for s in stats for c in caps]


def variant_of(draws: Draws, found: list[tuple[str | None, bool]]) -> np.ndarray:
    """Each sample's variant index."""
    stats = [v[0] for v in found]
    index = {v: i for i, v in enumerate(found)}
    out = np.zeros(draws.samples, dtype=np.int64)
    for s in range(draws.samples):  # a loop over samples
        stat = draws.statistics[draws.statistic[s]] if draws.statistic[s] >= 0 else None
        stat = stat if stat in stats else None
        out[s] = index.get((stat, bool(draws.cap[s])), index.get((stat, True), 0))
    return out


def variant_rules(rules: Rules, stat: str | None, cap: bool) -> Rules:
    """The rules with the benchmark statistic `stat` (None: as written) and without caps."""
    bench = statistic_indicators(rules, stat) if stat is not None else {}
    caps = capped(rules) if not cap else {}
    if not bench and not caps:
        return rules
    return rules.replace(benchmark=bench or None, cap=caps or None)


def sample_rules(rules: Rules, draws: Draws, s: int) -> Rules:
    """Sample `s`'s choices as rules (validated): what `evaluate` would be given for it."""
    weights = {
        c.code: {
            i.code: float(w) for i, w in zip(c.indicators, draws.weights[c.code][s], strict=True)
        }
        for c in rules.classes
    }
    shares = {
        c.code: dict(zip(c.tiers.order, draws.shares[c.code][s].tolist(), strict=True))
        for c in rules.classes
        if c.code in draws.shares
    }
    stat = draws.statistics[draws.statistic[s]] if draws.statistic[s] >= 0 else None
    bench = statistic_indicators(rules, stat) if stat is not None else {}
    caps = capped(rules) if not draws.cap[s] else {}
    return rules.replace(
        weights=weights, shares=shares or None, benchmark=bench or None, cap=caps or None
    )


@dataclass(frozen=True)
class Samples:
    """Every sample's tier index and rank (samples × the firms of `layout`), its choices, and
    whether they came from the fast path or from full evaluations ("fast" | "exact")."""

    layout: Layout
    draws: Draws
    options: Options
    tier: np.ndarray
    rank: np.ndarray
    path: str
    chunk: int

    def tiers_of(self, s: int) -> np.ndarray:
        """Sample `s`'s tier per firm, as tier codes (None: no tier)."""
        names = np.array([*self.layout.tiers[:-1], None], dtype=object)
        return names[self.tier[s]]


def _prepare(
    ev: Evaluation,
    samples: int | None,
    weight_noise: float | None,
    seed: int | None,
    chunk: int | None,
    exact: bool,
) -> tuple[Options, Draws, Layout, list[Task], list[np.ndarray], str, int]:
    """The draws, the firms analysed, and one task per chunk of samples."""
    options = options_for(ev.rules, samples, weight_noise, seed)
    draws = draw(ev.rules, options)
    found = [(None, True), *(v for v in variants(ev.rules, options) if v != (None, True))]
    rules_of = {v: ev.rules if v == (None, True) else variant_rules(ev.rules, *v) for v in found}
    built = None if exact else build(ev, found, rules_of)
    variant = variant_of(draws, found)
    lay = built[1] if built is not None else layout(ev)
    size = chunk if chunk is not None else max(1, MAX_CELLS // max(len(lay.rows), 1))
    if size < 1:
        raise RulesError(f"每批抽样次数须为正整数，实为 {size}")
    parts = [np.arange(i, min(i + size, draws.samples)) for i in range(0, draws.samples, size)]
    tasks: list[Task]
    if built is not None:
        model = built[0]
        tasks = [(_fast, (model, *_slice(draws, options, variant, part))) for part in parts]
    else:
        tasks = [(_exact, (ev, draws, part, lay)) for part in parts]
    return options, draws, lay, tasks, parts, "fast" if built else "exact", size


def sampled_tiers(
    ev: Evaluation,
    samples: int | None = None,
    weight_noise: float | None = None,
    seed: int | None = None,
    *,
    jobs: int | None = None,
    scheduler: Any = None,
    chunk: int | None = None,
    exact: bool = False,
    progress: Progress | None = None,
) -> Samples:
    """The tiers and ranks of every sample, kept whole (`exact`: every sample evaluated in
    full, the yardstick the fast path is held to)."""
    options, draws, lay, tasks, parts, path, size = _prepare(
        ev, samples, weight_noise, seed, chunk, exact
    )
    chunks: dict[int, Chunk] = {}
    sizes = [len(p) for p in parts]
    run_chunks(tasks, sizes, chunks.__setitem__, jobs=jobs, scheduler=scheduler, progress=progress)
    f = len(lay.rows)
    got = [chunks[i] for i in range(len(parts))]
    tier = np.concatenate([c.tier for c in got]) if got else np.zeros((0, f), np.int16)
    rank = np.concatenate([c.rank for c in got]) if got else np.zeros((0, f), np.int32)
    return Samples(lay, draws, options, tier, rank, path, size)


def uncertainty(
    ev: Evaluation,
    samples: int | None = None,
    weight_noise: float | None = None,
    seed: int | None = None,
    *,
    jobs: int | None = None,
    scheduler: Any = None,
    chunk: int | None = None,
    progress: Progress | None = None,
) -> Stability:
    """The stability of `ev`'s tiers over `samples` samples of the rules' uncertain choices
    (the rules' `[uncertainty]`, these options on top); see the module docstring.
    `progress(done, total)` is called as chunks of samples finish. Each chunk is counted as it
    arrives and dropped (memory bounded by the chunk, not the samples)."""
    options, draws, lay, tasks, parts, path, size = _prepare(
        ev, samples, weight_noise, seed, chunk, False
    )
    tally = Tally(lay, draws.samples)
    starts = [int(p[0]) if len(p) else 0 for p in parts]

    def count(i: int, got: Chunk) -> None:
        tally.add(starts[i], got)

    sizes = [len(p) for p in parts]
    run_chunks(tasks, sizes, count, jobs=jobs, scheduler=scheduler, progress=progress)
    settings = {
        **options.__dict__,
        "benchmark": list(options.benchmark),
        "jobs": jobs,
        "chunk": size,
        "scheduler": _address(scheduler),
        "path": path,
        "rank_samples": tally.kept,
    }
    return stability(ev, lay, tally, draws, options, settings)


def _slice(
    draws: Draws, options: Options, variant: np.ndarray, part: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray, dict[str, np.ndarray]]:
    weights = {c: w[part] for c, w in draws.weights.items()}
    shares = {c: sh[part] for c, sh in draws.shares.items()} if options.shares > 0 else {}
    return weights, variant[part], shares


def _fast(
    model: Model,
    weights: dict[str, np.ndarray],
    variant: np.ndarray,
    shares: dict[str, np.ndarray],
) -> Chunk:
    return tier_chunk(model, weights, variant, shares)


def _exact(ev: Evaluation, draws: Draws, part: np.ndarray, lay: Layout) -> Chunk:
    """Each sample of `part` evaluated in full (quietly) under its choices as rules."""
    index = pd.Index(lay.tiers[:-1])  # the last: no tier
    none = len(lay.tiers) - 1
    tier = np.full((len(part), len(lay.rows)), none, dtype=np.int16)
    rank = np.zeros((len(part), len(lay.rows)), dtype=np.int32)
    table = given_table(ev)
    for j, s in enumerate(part):  # a loop over samples: the slow path
        res = evaluate_again(ev, table, sample_rules(ev.rules, draws, int(s)), quiet=True).results
        at = index.get_indexer(res["tier"].astype(object).to_numpy()[lay.rows])
        tier[j] = np.where(at >= 0, at, none)
        rank[j] = res["rank"].to_numpy(dtype=np.int64, na_value=0)[lay.rows]
    return Chunk(tier, rank)


def _address(scheduler: Any) -> str | None:
    """The cluster's address, for provenance (None: computed here)."""
    if scheduler is None:
        return None
    inner = getattr(scheduler, "scheduler", None)
    return str(getattr(inner, "address", None) or scheduler)
