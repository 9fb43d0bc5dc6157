"""An Evaluation run again: the same table, other rules or corrections on top (DESIGN §5).

Every re-evaluation of explain and what-if goes through `evaluate_again`, the one place that
calls `evaluate` for a rerun, so that a keyword the engine gains is passed on here once.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..issues import quiet_issues
from ..read.corrections import apply_corrections
from ..rules import Rules
from ..table import EnterpriseTable

if TYPE_CHECKING:
    from .evaluation import Evaluation


def given_table(ev: Evaluation) -> EnterpriseTable:
    """The table `ev` was evaluated from, as given (last year's panel rows too)."""
    return ev.source if ev.source is not None else ev.table


def evaluate_again(
    ev: Evaluation, table: EnterpriseTable, rules: Rules | None = None, *, quiet: bool = False
) -> Evaluation:
    """`table` evaluated as `ev` was (its rules unless `rules` are given); `quiet`: without
    issue rows (what-if reads back statuses and tiers only; the rows are most of the time)."""
    from .evaluate import evaluate

    if not quiet:
        return evaluate(table, ev.rules if rules is None else rules)
    with quiet_issues():
        return evaluate(table, ev.rules if rules is None else rules)


def rerun(
    ev: Evaluation,
    rules: Rules | None = None,
    corrections: str | Path | pd.DataFrame | None = None,
) -> Evaluation:
    """`ev`'s table, with `corrections` applied on top of the corrections it already had,
    evaluated under `rules` (None: `ev`'s)."""
    table = given_table(ev)
    if corrections is not None:
        table = apply_corrections(table, corrections)
    return evaluate_again(ev, table, rules)
