"""The sampled choices of an uncertainty analysis: per sample, every class's weights, the
benchmark statistic, whether caps hold, and every quota class's tier shares.

All samples come from one `np.random.SeedSequence(seed)`: sample s draws from its own child
sequence, so a sample's choices do not depend on how the samples are split into chunks or
across processes. Weights are rounded to 4 decimals and tier shares to 4 decimals, the last
taking the remainder, so that a sample's choices are valid rules as written
(`Rules.replace`: weights add up to total_weight, shares to 1, exactly).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..rules import EvalClass, Rules

DECIMALS = 4
MIN_WEIGHT = 10.0**-DECIMALS


@dataclass(frozen=True)
class Options:
    """What is sampled (the `[uncertainty]` table with the command line's options on top)."""

    samples: int = 200
    seed: int = 1
    threshold: float = 0.9
    weights: str = "uniform"  # uniform | dirichlet | none
    weight_noise: float = 0.2
    concentration: float = 200.0
    benchmark: tuple[str, ...] = ()
    cap: bool = False
    shares: float = 0.0


@dataclass(frozen=True)
class Draws:
    """The choices of `samples` samples: weights[class] (S, k) in the class's indicator order,
    statistic (S,) index into `statistics` (−1: as written), cap (S,) whether caps hold, and
    shares[class] (S, tiers) for quota classes. `factors[class]` (S, k) and
    `share_noise[class]` (S, tiers) are the independent draws behind them (the uniform
    multipliers or the Dirichlet's gamma components before the rescaling; the share noises
    before clipping): the sensitivity indices' X, since the rescaled weights and shares are
    correlated within a class (they add up to its total)."""

    weights: dict[str, np.ndarray]
    statistic: np.ndarray
    cap: np.ndarray
    shares: dict[str, np.ndarray]
    statistics: tuple[str, ...]
    factors: dict[str, np.ndarray] = field(default_factory=dict)
    share_noise: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def samples(self) -> int:
        return len(self.cap)


def _exact(values: np.ndarray, total: float, floor: float = 0.0) -> np.ndarray:
    """Rows of `values` rounded to DECIMALS, the largest of each row taking the remainder, so
    that each row adds up to `total` in decimals (as the rules' validation adds them)."""
    out = np.maximum(np.round(values, DECIMALS), floor)
    big = np.argmax(out, axis=1)
    rows = np.arange(len(out))
    out[rows, big] = 0.0
    out[rows, big] = np.round(total - out.sum(axis=1), DECIMALS)
    return out


def class_weights(klass: EvalClass, factors: np.ndarray) -> np.ndarray:
    """The class's weights × `factors` (S, k), rescaled to their stated total and made exact."""
    w = np.array([i.weight for i in klass.indicators], dtype=float)
    raw = w[None, :] * factors
    # a sum class's weights add up to its total_weight; in a mean/geometric/harmonic class
    # they are relative: kept at their stated sum
    total = klass.total_weight if klass.aggregate == "sum" else round(float(w.sum()), DECIMALS)
    scaled = raw * (total / raw.sum(axis=1, keepdims=True))
    out = _exact(scaled, total, MIN_WEIGHT)
    written = (factors == 1.0).all(axis=1)  # not moved: the weights exactly as written
    out[written] = w
    return out


def statistic_indicators(rules: Rules, stat: str) -> dict[str, dict[str, str]]:
    """{class: {indicator: stat}} for the indicators whose benchmark is a sampled statistic
    (mean, median or pooled); pooled only where the formula is a ratio."""
    out = {}
    for c in rules.classes:
        mine = {
            i.code: stat
            for i in c.indicators
            if i.score.benchmark in ("mean", "median", "pooled")
            and (stat != "pooled" or i.formula.as_ratio() is not None)
        }
        if mine:
            out[c.code] = mine
    return out


def capped(rules: Rules) -> dict[str, dict[str, None]]:
    """{class: {indicator: None}}: the caps a sample may drop (a ratio of direction "lower"
    keeps its cap: without one a value of 0 would score without limit)."""
    out = {}
    for c in rules.classes:
        mine = {
            i.code: None
            for i in c.indicators
            if i.score.cap is not None
            and not (i.score.method == "ratio" and i.direction == "lower")
        }
        if mine:
            out[c.code] = mine
    return out


def draw(rules: Rules, options: Options) -> Draws:
    """Every sample's choices (a loop over samples: each its own random generator)."""
    n = options.samples
    children = np.random.SeedSequence(options.seed).spawn(n)
    classes = rules.classes
    quota = [c for c in classes if c.tiers.method == "quota" and c.tiers.shares]
    factors = {c.code: np.ones((n, len(c.indicators))) for c in classes}
    independent = {c.code: np.ones((n, len(c.indicators))) for c in classes}
    share_draws = {c.code: np.zeros((n, len(c.tiers.shares or {}))) for c in quota}
    statistic = np.full(n, -1, dtype=np.int64)
    cap = np.ones(n, dtype=bool)
    stats = options.benchmark
    for s, child in enumerate(children):
        rng = np.random.default_rng(child)
        for c in classes:  # the same draws in the same order for every sample
            k = len(c.indicators)
            if options.weights == "uniform":
                noise = options.weight_noise
                factors[c.code][s] = independent[c.code][s] = rng.uniform(1 - noise, 1 + noise, k)
            elif options.weights == "dirichlet":
                # the Dirichlet as independent gammas normalised (as numpy draws it), so
                # that the gammas can serve as the sensitivity's independent X
                w = np.array([i.weight for i in c.indicators], dtype=float)
                gamma = rng.standard_gamma(options.concentration * w / w.sum())
                independent[c.code][s] = gamma
                factors[c.code][s] = gamma * (1.0 / gamma.sum()) / (w / w.sum())
        if len(stats) > 1:
            statistic[s] = rng.integers(len(stats))
        elif len(stats) == 1:
            statistic[s] = 0
        if options.cap:
            cap[s] = bool(rng.integers(2))
        for c in quota:
            k = len(c.tiers.shares or {})
            share_draws[c.code][s] = rng.uniform(-options.shares, options.shares, k)
    if not any(statistic_indicators(rules, s) for s in stats):
        statistic[:] = -1  # no benchmark is a sampled statistic: nothing was varied
    if not capped(rules):
        cap[:] = True  # no cap to drop
    weights = {c.code: class_weights(c, factors[c.code]) for c in classes}
    shares = {}
    for c in quota:
        given = np.array(list((c.tiers.shares or {}).values()), dtype=float)
        moved = np.clip(given[None, :] + share_draws[c.code], 0.0, None)
        sums = moved.sum(axis=1, keepdims=True)
        moved = np.where(sums > 0, moved / np.where(sums > 0, sums, 1.0), given[None, :])
        out = _exact(moved * given.sum(), float(round(given.sum(), DECIMALS)))
        out[(share_draws[c.code] == 0.0).all(axis=1)] = given  # not moved: as written
        shares[c.code] = out
    return Draws(weights, statistic, cap, shares, tuple(stats), independent, share_draws)
