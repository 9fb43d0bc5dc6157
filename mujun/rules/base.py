"""What every model of a rules file shares: the strict base model, non-empty text and codes, the
bounds of its numbers, the error that points at a key, and the sample columns expressions are
tried on when the rules load."""

from __future__ import annotations

import re
from typing import Annotated

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ..fields import FIELDS
from . import quote


class Model(BaseModel):
    """Unknown keys are errors; a loaded model is frozen; NaN and infinity are refused; values
    are not converted (a weight given as text or `true` is an error, not 60 or 1)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False, strict=True
    )


_SAMPLES = {
    "text": np.array(["x", None], dtype=object),
    "key": np.array(["x", None], dtype=object),
    "bool": np.array([True, False]),
    "date": np.array(["2020-01-01", "NaT"], dtype="datetime64[ns]"),
}
_NUMBERS = np.array([1.0, np.nan])


def sample_columns() -> dict[str, np.ndarray]:
    """Two rows of every field (built-in, and declared or derived in use), typed as evaluation
    types them (one present, one missing)."""
    return {c: _SAMPLES.get(f.kind, _NUMBERS) for c, f in FIELDS.items()}


class AtKey(ValueError):
    """A model's complaint about one of its keys: `at` is that key's path below the model, so
    that the loader names the line where the key is written rather than the table's."""

    def __init__(self, message: str, *at: str | int) -> None:
        super().__init__(message)
        self.at = at


def _non_empty(text: str) -> str:
    if not text.strip():
        raise ValueError("不能为空")
    return text


def _check_code(text: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", text):
        raise ValueError(
            f"代码须为小写英文字母开头的 snake_case（如 tax_per_mu），实为 {quote.value(text)}"
        )
    return text


Text = Annotated[str, AfterValidator(_non_empty)]
Code = Annotated[str, AfterValidator(_check_code)]

# Bounds of the numbers a rules file sets (every number is finite too: the base model refuses nan
# and inf), so that no total can overflow and no multiplier can make one item outweigh the rest.
MAX_POINTS = 1000.0  # |adjustment points| and missing_points
MAX_WEIGHT = 1000.0  # an indicator's weight, a class's total_weight
MAX_MULTIPLE = 100.0  # score.cap and score.floor, in multiples of the weight
FACTOR_RANGE = (0.001, 1000.0)  # score.factor, the multiplier of a statistic benchmark
BENCHMARK_RANGE = (1e-9, 1e12)  # a fixed benchmark
MAX_THRESHOLD = 1e6  # |tier minimum scores|
MAX_PLAUSIBLE = 1e15  # an indicator's plausible_max
MAX_COEFFICIENT = 1e4  # an energy coefficient, kgce per natural unit

Weight = Annotated[float, Field(gt=0, le=MAX_WEIGHT)]
Coefficient = Annotated[float, Field(gt=0, le=MAX_COEFFICIENT)]
