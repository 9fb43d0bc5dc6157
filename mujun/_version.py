"""The installed version of mujun, recorded in every run's provenance."""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version


@cache
def mujun_version() -> str:
    """The installed mujun version ('0+unknown' when run from a source tree never installed)."""
    try:
        return version("mujun")
    except PackageNotFoundError:
        return "0+unknown"


__version__ = mujun_version()
