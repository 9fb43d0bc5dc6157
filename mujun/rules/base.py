"""What every model of a rules file shares: the strict base model, non-empty text, and the
sample columns expressions are tried on when the rules load."""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict

from ..fields import FIELDS


class Model(BaseModel):
    """Unknown keys are errors; a loaded model is frozen; NaN and infinity are refused."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )


def sample_columns() -> dict[str, np.ndarray]:
    """Two rows of every field, typed as evaluation types them (one present, one missing)."""
    samples = {
        "text": np.array(["x", None], dtype=object),
        "key": np.array(["x", None], dtype=object),
        "bool": np.array([True, False]),
        "date": np.array(["2020-01-01", "NaT"], dtype="datetime64[ns]"),
    }
    return {c: samples.get(f.kind, np.array([1.0, np.nan])) for c, f in FIELDS.items()}


def _non_empty(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be empty")
    return text


Text = Annotated[str, AfterValidator(_non_empty)]
