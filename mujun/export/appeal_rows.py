"""The appeals of a run as 说明 sheet rows: each appeal, its state and what it changed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

HEADER = ["异议编号", "统一社会信用代码", "字段", "申报值", "状态", "决定人", "更改情况"]
NOTE = "异议登记：每条异议的状态及其更改（只有“采纳”的异议作为更正套用在数据之上）"


def appeal_rows(
    appeals: Sequence[dict[str, Any]], field_name: Callable[[str], str]
) -> list[list[str]]:
    """One row per appeal, in the register's order; `field_name` shows a field code in words."""
    return [
        [
            a.get("appeal_id", ""),
            a.get("credit_code", ""),
            field_name(a.get("field", "")),
            a.get("claimed_value", ""),
            a.get("state", ""),
            a.get("decided_by", ""),
            a.get("changed", ""),
        ]
        for a in appeals
    ]
