"""`Evaluation.stages`: the data set of every composite step, as COINr keeps one per stage.

`table(name)` is one row per unit of a composite class (`credit_code`, `class`), one column
per indicator, for each stage of `STAGES` (`aggregated`: the group scores and `total_score`);
`treatment` is one row per (class, indicator) treated, `winsorised` one per point winsorised.
Empty when the rules use no composite step: the county path keeps nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from .composite import Record

STAGES = ("raw", "denominated", "imputed", "treated", "normalised", "aggregated")
TREATMENT_COLUMNS = [
    "class",
    "indicator",
    "skew_before",
    "kurtosis_before",
    "winsorised_low",
    "winsorised_high",
    "log",
    "skew_after",
    "kurtosis_after",
    "passed",
]
WINSORISED_COLUMNS = ["class", "indicator", "credit_code", "side", "raw", "treated"]
STAGE_WORDS = {
    "raw": "原始值",
    "denominated": "除以分母后",
    "imputed": "插补后",
    "treated": "离群值处理后",
    "normalised": "标准化得分",
    "aggregated": "汇总得分",
}


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})


@dataclass(frozen=True)
class Stages:
    """The stage tables of one evaluation (see the module docstring)."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    treatment: pd.DataFrame = field(default_factory=lambda: _empty(TREATMENT_COLUMNS))
    winsorised: pd.DataFrame = field(default_factory=lambda: _empty(WINSORISED_COLUMNS))

    @property
    def names(self) -> list[str]:
        """The stages kept, in their order (none without a composite step)."""
        return [s for s in STAGES if s in self.tables]

    def __bool__(self) -> bool:
        return bool(self.tables)

    def table(self, name: str) -> pd.DataFrame:
        """One stage's table: credit_code, class, then one column per indicator (group)."""
        if name not in STAGES:
            raise KeyError(f"没有名为 {name!r} 的阶段（可用：{'、'.join(STAGES)}）")
        if name not in self.tables:
            return _empty(["credit_code", "class"])
        return self.tables[name]

    @classmethod
    def of(cls, record: Record, codes: pd.Series) -> Stages:
        """The stages a run kept (`composite.Record`), keyed by the rows' credit codes."""
        if not record.classes:
            return cls()
        shown = codes.to_numpy(dtype=object)
        tables = {}
        for stage in STAGES:
            parts = []
            for c in record.classes:
                part = pd.DataFrame(c.tables[stage], index=range(len(c.rows)))
                part.insert(0, "class", c.code)
                part.insert(0, "credit_code", shown[c.rows])
                parts.append(part)
            tables[stage] = pd.concat(parts, ignore_index=True)
        rows = [r for c in record.classes for r in c.treatment]
        treatment = pd.DataFrame(rows, columns=TREATMENT_COLUMNS) if rows else cls().treatment
        points = [w for c in record.classes for w in c.winsorised]
        winsorised = pd.concat(points, ignore_index=True) if points else cls().winsorised
        return cls(tables, treatment, winsorised)

    def subset(self, codes: set[str]) -> Stages:
        """Only the units of `codes` (one park's workbook shows no other firm's values);
        the treatment table is the class's method and stays whole."""
        if not self.tables:
            return self

        def mine(frame: pd.DataFrame) -> pd.DataFrame:
            keep = frame["credit_code"].astype(str).isin(codes).to_numpy(dtype=bool)
            return frame[keep].reset_index(drop=True)

        tables = {k: mine(v) for k, v in self.tables.items()}
        return Stages(tables, self.treatment, mine(self.winsorised))


def stage_of(stages: Stages, name: str, klass: str) -> pd.DataFrame:
    """One class's rows of a stage's table, its all-NaN columns (other classes') dropped."""
    table = stages.table(name)
    rows = table[table["class"] == klass]
    return rows.dropna(axis=1, how="all").reset_index(drop=True) if len(rows) else rows


__all__ = ["STAGES", "STAGE_WORDS", "Stages", "stage_of"]
