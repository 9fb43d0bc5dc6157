"""What a folder records of an uncertainty analysis: the file name of stability.csv and the
manifest's `uncertainty` entry (its settings, and per class the firms and the stable ones)."""

from __future__ import annotations

from typing import Any

from ..engine.stability import Stability

STABILITY_CSV = "stability.csv"


def stability_record(stability: Stability) -> dict[str, Any]:
    """What the manifest says of the analysis: its settings and per class the stable share."""
    return {
        "samples": int(stability.samples),
        "seed": int(stability.seed),
        "threshold": float(stability.threshold),
        "settings": {k: _plain(v) for k, v in stability.settings.items()},
        "classes": {
            str(c): {"firms": int(n), "stable": int(s)}
            for c, n, s in zip(
                stability.classes["class"],
                stability.classes["firms"],
                stability.classes["stable"],
                strict=True,
            )
        },
    }


def _plain(value: Any) -> Any:
    """A setting as JSON holds it (numbers, text, lists; anything else as its text)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)
