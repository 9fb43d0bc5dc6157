"""`Evaluation.rerun`: the same table, other rules or corrections on top (DESIGN §5).

Corrections (a file or a frame) are read and applied by the reading stage, so the rerun lives
above the engine; the re-evaluation itself is the engine's `evaluate_again`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .engine.again import evaluate_again, given_table
from .read.corrections import apply_corrections
from .rules import Rules

if TYPE_CHECKING:
    from .engine.evaluation import Evaluation


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
