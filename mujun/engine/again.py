"""An Evaluation's table evaluated again, as the Evaluation was (DESIGN §5).

Every re-evaluation of explain and what-if goes through `evaluate_again`, the one place that
calls `evaluate` for a rerun, so that a keyword the engine gains is passed on here once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..issues import quiet_issues
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
    """`table` evaluated as `ev` was (its rules unless `rules` are given, its earlier years'
    tiers for the policies' consecutive years); `quiet`: without issue rows (what-if reads back
    statuses and tiers only; the rows are most of the time)."""
    from .evaluate import evaluate

    method = ev.rules if rules is None else rules
    if not quiet:
        return evaluate(table, method, past_tiers=ev.past_tiers)
    with quiet_issues():
        return evaluate(table, method, past_tiers=ev.past_tiers)
