"""Numbers as text for reasons, formatted on whole columns (NaN reads 缺失)."""

from __future__ import annotations

from typing import Any

import numpy as np


def number(values: Any, digits: int = 2) -> np.ndarray:
    """'1234.57' per value, as an object array."""
    x = np.asarray(values, dtype=float)
    ok = np.isfinite(x)
    out = np.full(x.shape, "缺失", dtype=object)
    if ok.any():
        out[ok] = np.char.mod(f"%.{digits}f", np.round(x[ok], digits) + 0.0).astype(object)
    return out


def percent(values: Any, digits: int = 2) -> np.ndarray:
    """'12.34%' per value, as an object array."""
    x = np.asarray(values, dtype=float)
    out = number(100.0 * x, digits)
    ok = np.isfinite(x)
    out[ok] = out[ok] + "%"
    return out
