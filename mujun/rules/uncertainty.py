"""The `[uncertainty]` table: which choices the rules fixed by judgement are sampled, and how,
when the tiers' stability is analysed (`mujun uncertainty`, `Evaluation.uncertainty`).

Every key is optional; the command line's options override them. Without the table, only the
weights are sampled (uniform ± 20 %).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from .base import Model

MAX_SAMPLES = 100_000
SAMPLED_STATISTICS = ("mean", "median", "pooled")


class Uncertainty(Model):
    """samples: re-evaluations; seed: of the one random sequence all samples come from;
    threshold: a firm is stable when its modal tier has at least this share of the samples;
    weights: "uniform" (each weight × U(1 − weight_noise, 1 + weight_noise)), "dirichlet"
    (total × Dirichlet(concentration × w / Σw)) or "none", the class's weights rescaled to its
    total_weight; benchmark: the statistics a statistic benchmark is drawn from, one per sample;
    cap: each sample keeps the caps or drops them (½ each); shares: each tier share moves by
    U(−shares, +shares), then the shares are clipped at 0 and rescaled to their sum."""

    samples: Annotated[int, Field(ge=1, le=MAX_SAMPLES)] = 200
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 1
    threshold: Annotated[float, Field(gt=0, le=1)] = 0.9
    weights: Literal["uniform", "dirichlet", "none"] = "uniform"
    weight_noise: Annotated[float, Field(ge=0, lt=1)] = 0.2
    concentration: Annotated[float, Field(gt=0, le=1e6)] = 200.0
    benchmark: list[str] = []
    cap: bool = False
    shares: Annotated[float, Field(ge=0, lt=0.5)] = 0.0

    @field_validator("benchmark")
    @classmethod
    def _statistics(cls, v: list[str]) -> list[str]:
        for s in v:
            if s not in SAMPLED_STATISTICS:
                raise ValueError(
                    f"抽样的基准统计量须为 {'、'.join(SAMPLED_STATISTICS)} 之一，实为“{s}”"
                )
        if len(set(v)) != len(v):
            raise ValueError(f"基准统计量有重复：{'、'.join(v)}")
        return v
