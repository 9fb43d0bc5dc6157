"""Bench figures of explain on a synthetic county of EXPLAIN_FIRMS firms: every firm of the
lowest tier explained without the search (`explain_d_s`: indicators, medians, percentiles,
adjustments, tier rules, line; `explain_d_firms` of them), and one such firm's search for the
tax that lifts it, each step a re-evaluation of the whole county (`explain_tax_one_s`)."""

from __future__ import annotations

import time

from ..engine.evaluate import evaluate
from ..engine.explain import explain_many, locate, lowest_tier_codes
from ..engine.whatif import find_change
from ..rules import Rules
from ..table import EnterpriseTable
from .synthetic import county_frame

EXPLAIN_FIRMS = 100_000


def explain_figures(rules: Rules, firms: int = EXPLAIN_FIRMS) -> dict[str, float]:
    """Seconds of explain at `firms` firms (see the module docstring)."""
    table = EnterpriseTable.from_frame(county_frame(firms, year=rules.year, seed=1))
    ev = evaluate(table, rules)
    codes = lowest_tier_codes(ev)
    start = time.perf_counter()
    explain_many(ev, codes, changes=False)
    out = {
        "explain_d_s": time.perf_counter() - start,
        "explain_d_firms": float(len(codes)),
        "explain_firms": float(firms),
    }
    if codes:
        at = locate(ev, codes[0])
        klass = str(ev.results["class"].iloc[at])
        order = next(c for c in rules.classes if c.code == klass).tiers.order
        start = time.perf_counter()
        find_change(ev, at, at, order[-2], "tax_paid", True)
        out["explain_tax_one_s"] = time.perf_counter() - start
    return out
