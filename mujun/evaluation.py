"""The Evaluation: the frozen result of one run (DESIGN §5) and its summaries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .rules import Rules

RESULT_COLUMNS = [
    "credit_code",
    "year",
    "name",
    "park",
    "industry_code",
    "class",
    "status",
    "status_reason",
    "total_score",
    "rank",
    "tier",
    "tier_reason",
]
STATUSES = ("evaluated", "exempt", "deferred", "rejected")
SUMMARY_FIGURES = ("land_mu", "tax_paid", "revenue", "value_added")
COUNTY = "合计"


@dataclass(frozen=True)
class Evaluation:
    """Results (one row per input row), issues, provenance and the benchmarks actually used.

    `inputs` holds, row-aligned with `results`, the figures that summaries add up (land, tax,
    revenue, value added, industry division); it is internal and never published as is.
    """

    results: pd.DataFrame
    issues: pd.DataFrame
    provenance: dict[str, Any]
    rules: Rules
    benchmarks: pd.DataFrame
    inputs: pd.DataFrame = field(repr=False)

    def __repr__(self) -> str:
        counts = self.results["status"].value_counts().to_dict()
        return f"Evaluation({self.rules.name!r}, {len(self.results)} rows, {counts})"

    def evaluated(self) -> pd.DataFrame:
        """The evaluated rows only."""
        return self.results[self.results["status"] == "evaluated"]

    def tier_counts(self) -> pd.DataFrame:
        """Firms per tier per class, in each class's tier order."""
        rows = []
        for klass in self.rules.classes:
            done = self.results[
                (self.results["class"] == klass.code) & (self.results["status"] == "evaluated")
            ]
            counts = done["tier"].value_counts()
            for tier in klass.tiers.order:
                rows.append({"class": klass.code, "tier": tier, "firms": int(counts.get(tier, 0))})
        return pd.DataFrame(rows, columns=["class", "tier", "firms"])

    def summary(self, by: str = "park") -> pd.DataFrame:
        """Per group (and for the whole county, row '合计'): firms per status and tier, and pooled
        per-mu figures over the evaluated firms that hold land (Σtax / Σland over the firms that
        reported the figure, never a mean of ratios)."""
        if by in self.results.columns:
            keys = self.results[by]
        elif by in self.inputs.columns:
            keys = self.inputs[by]
        else:
            raise KeyError(f"cannot summarise by {by!r}")
        keys = keys.astype("string").fillna("（未填）")
        tiers = list(dict.fromkeys(t for c in self.rules.classes for t in c.tiers.order))
        evaluated = (self.results["status"] == "evaluated").to_numpy()
        frame = pd.DataFrame({"key": keys.to_numpy(dtype=object), "firms": 1})
        for status in STATUSES:
            frame[status] = (self.results["status"] == status).to_numpy().astype(int)
        for tier in tiers:
            frame[f"tier_{tier}"] = ((self.results["tier"] == tier).to_numpy() & evaluated).astype(
                int
            )
        land = self.inputs["land_mu"].to_numpy(dtype=float)
        has_land = evaluated & (land > 0)  # firms scored per m² of rented floor hold no land
        frame["land_mu"] = np.where(has_land, land, 0.0)
        for fig in SUMMARY_FIGURES[1:]:
            values = self.inputs[fig].to_numpy(dtype=float)
            known = has_land & np.isfinite(values)
            frame[fig] = np.where(known, values, 0.0)
            frame[f"_land_{fig}"] = np.where(known, land, 0.0)
            frame[f"_known_{fig}"] = known.astype(int)
        grouped = frame.groupby("key", sort=True).sum()
        total = grouped.sum(numeric_only=True).to_frame(COUNTY).T
        out = pd.concat([grouped, total])
        for fig, per_mu in (
            ("tax_paid", "tax_per_mu"),
            ("revenue", "revenue_per_mu"),
            ("value_added", "value_added_per_mu"),
        ):
            # pooled over the firms that reported the figure: Σfigure / Σtheir land
            base = out.pop(f"_land_{fig}")
            reported = out.pop(f"_known_{fig}") > 0
            out[fig] = out[fig].where(reported)
            out[per_mu] = out[fig] / base.where(base > 0)
        out.index.name = by
        count_cols = ["firms", *STATUSES, *(f"tier_{t}" for t in tiers)]
        out[count_cols] = out[count_cols].astype(int)
        return out.reset_index()
