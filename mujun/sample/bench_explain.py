"""Bench figures of explain on a synthetic county of EXPLAIN_FIRMS firms: every firm of the
lowest tier explained without the search (`explain_d_s`: indicators, medians, percentiles,
adjustments, tier rules, line; `explain_d_firms` of them), and one such firm's search for the
tax that lifts it, each step a re-evaluation of the whole county (`explain_tax_one_s`); and
every lowest-tier firm of the demo county explained with the full search over every field it
can change (`explain_d_demo_s`, `explain_d_demo_firms` of them)."""

from __future__ import annotations

import time

from ..engine.evaluate import evaluate
from ..engine.explain import explain_many, locate, lowest_tier_codes
from ..engine.whatif import find_change
from ..read import read_sources
from ..rules import Rules, load_rules
from ..table import EnterpriseTable
from .demo import DEMO_RULES, demo_files
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


def demo_explain_figures() -> dict[str, float]:
    """Seconds of `explain_many` with the search, every lowest-tier firm of the demo county."""
    rules = load_rules(DEMO_RULES)
    with demo_files() as paths:
        table = read_sources(
            paths,
            year=rules.year,
            priority=rules.input.priority,
            aliases=rules.input.aliases,
            fields=rules.catalog,
        )
    ev = evaluate(table, rules)
    codes = lowest_tier_codes(ev)
    start = time.perf_counter()
    explain_many(ev, codes)
    return {
        "explain_d_demo_s": time.perf_counter() - start,
        "explain_d_demo_firms": float(len(codes)),
    }
