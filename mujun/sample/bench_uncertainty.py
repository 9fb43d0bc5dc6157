"""Bench figures of the uncertainty analysis on a synthetic county of at most
UNCERTAINTY_FIRMS firms: `uncertainty_200_s`, 200 samples of the rules' uncertain choices
(weights ± 20 %), beside `evaluate_200_s`, 200 separate `evaluate` calls on the same table in
the same run, and their ratio `uncertainty_200_ratio` (the analysis must take less than half of
the separate calls: it re-evaluates vectorised over samples, not the pipeline 200 times).
The bench grades that target: `uncertainty_200_met` is 1 when the ratio is below
TARGET_RATIO, else 0, and `mujun bench` prints whether it is met beside the ratio."""

from __future__ import annotations

import time

from ..engine.evaluate import evaluate
from ..rules import Rules
from ..table import EnterpriseTable
from .synthetic import county_frame

UNCERTAINTY_FIRMS = 100_000
SAMPLES = 200
TARGET_RATIO = 0.5  # the analysis must take less than half of the separate evaluations


def uncertainty_figures(
    rules: Rules, firms: int = UNCERTAINTY_FIRMS, samples: int = SAMPLES
) -> dict[str, float]:
    """Seconds of the analysis and of as many separate evaluations (see the module docstring)."""
    table = EnterpriseTable.from_frame(county_frame(firms, year=rules.year, seed=2))
    ev = evaluate(table, rules)
    start = time.perf_counter()
    ev.uncertainty(samples, 0.2, 1)
    analysed = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(samples):  # the yardstick: the whole evaluation once per sample
        evaluate(table, rules)
    separate = time.perf_counter() - start
    ratio = analysed / separate
    return {
        f"uncertainty_{samples}_s": analysed,
        f"evaluate_{samples}_s": separate,
        f"uncertainty_{samples}_ratio": ratio,
        f"uncertainty_{samples}_met": float(met(ratio)),
        f"uncertainty_{samples}_target": TARGET_RATIO,
        "uncertainty_firms": float(firms),
    }


def met(ratio: float) -> bool:
    """Whether the analysis met its target: less than TARGET_RATIO of the separate calls."""
    return ratio < TARGET_RATIO
