"""The result of an uncertainty analysis: how far each firm's tier depends on the choices the
rules fixed by judgement (weights, benchmark statistic, cap, tier shares).

`engine/uncertainty.py` computes it; the command line writes `stability.csv` from `firms`
(DESIGN §7) and the internal workbook shows it on the 稳定性 sheet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

STABLE_SHARE = 0.9  # a firm is stable when ≥ 90 % of the samples give it its modal tier


@dataclass(frozen=True)
class Stability:
    """Per firm, per class and per uncertain choice, over `samples` re-evaluations.

    firms: one row per evaluated firm that has a tier, in the results' order: credit_code,
        name, park, class, tier (the tier the rules as written give), one `p_<tier>` per tier
        of the rules (best first over all classes; the share of samples that give that tier),
        modal_tier, rank (as written), rank_p05, rank_p95 (the 5 % and 95 % quantiles of the
        firm's rank over the samples), stable (the modal tier in ≥ `threshold` of the samples).
    classes: one row per class: class, label, firms, stable (count), share_stable.
    sensitivity: one row per uncertain choice: factor (code), label (中文), class (NA for a
        choice that is not a class's own), s1_tier (first-order index of the share of firms
        whose tier differs from the one as written), s1_rank (of the mean absolute rank change).
    choices: what was sampled, in words (中文), one line each, for the 稳定性 sheet.
    """

    firms: pd.DataFrame
    classes: pd.DataFrame
    sensitivity: pd.DataFrame
    samples: int
    seed: int
    threshold: float = STABLE_SHARE
    choices: tuple[str, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)  # the options as given, for provenance

    def tiers(self) -> list[str]:
        """The tiers of the `p_<tier>` columns, in their order."""
        return [c[2:] for c in self.firms.columns if c.startswith("p_")]

    def csv_frame(self) -> pd.DataFrame:
        """stability.csv's columns (DESIGN §7): credit_code, class, tier, p_<tier>…,
        modal_tier, rank_p05, rank_p95, stable."""
        probabilities = [f"p_{t}" for t in self.tiers()]
        columns = ["credit_code", "class", "tier", *probabilities]
        return self.firms[[*columns, "modal_tier", "rank_p05", "rank_p95", "stable"]]

    def to_csv(self, path: str | Path) -> None:
        """Write stability.csv (UTF-8 with a byte-order mark, so that Excel reads the Chinese)."""
        self.csv_frame().to_csv(path, index=False, encoding="utf-8-sig")
