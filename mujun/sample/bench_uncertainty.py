"""Bench figures of the uncertainty analysis on a synthetic county of at most
UNCERTAINTY_FIRMS firms: `uncertainty_200_s`, 200 samples of the rules' uncertain choices
(weights ± 20 %), beside `evaluate_200_s`, 200 separate `evaluate` calls on the same table in
the same run, and their ratio `uncertainty_200_ratio` (the analysis must take less than half of
the separate calls: it re-evaluates vectorised over samples, not the pipeline 200 times)."""

from __future__ import annotations

import time

from ..engine.evaluate import evaluate
from ..rules import Rules
from ..table import EnterpriseTable
from .synthetic import county_frame

UNCERTAINTY_FIRMS = 100_000
SAMPLES = 200


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
    return {
        f"uncertainty_{samples}_s": analysed,
        f"evaluate_{samples}_s": separate,
        f"uncertainty_{samples}_ratio": analysed / separate,
        "uncertainty_firms": float(firms),
    }
