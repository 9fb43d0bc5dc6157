"""Shipped rules files written for keys of the rules language that are built alongside them
(DESIGN §4: declared and derived fields, tiers `by`/`stages`/`ungraded`/`veto`, adjustment
expressions, units of evaluation, land-optional classes). Until those keys exist a file here
does not load, and the tests that load it are expected to fail; remove an entry once its file
loads, so that its tests count again."""

from __future__ import annotations

from pathlib import Path

import pytest

PENDING: dict[str, str] = {
    "anhui-jingkaiqu.toml": "needs [[field]], [[derive]] formula, land = optional, ungraded",
    "zhejiang-wenling-2022.toml": "needs [[field]], [[derive]] map, tiers by, points expression",
    "henan-anyang-2018.toml": "needs tiers method = stages",
    "zhejiang-yiwu-2022.toml": "needs [units] merge_by, [[derive]], tiers by, land, main_revenue",
    "shandong-changle-2023.toml": "needs [[field]], Chinese labels in expressions, veto",
}


def pending(reason: str) -> pytest.MarkDecorator:
    """The mark of a test that needs a key not built yet (it may pass once merged)."""
    return pytest.mark.xfail(reason=reason, strict=False)


def shipped(files: list[Path] | list[str]) -> list[object]:
    """pytest params of rules files (paths or names), the pending ones marked as expected to
    fail."""
    out: list[object] = []
    for f in files:
        name = f.name if isinstance(f, Path) else f
        out.append(pytest.param(f, marks=pending(PENDING[name])) if name in PENDING else f)
    return out
