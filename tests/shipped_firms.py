"""Input rows for the shipped rules files' known-answer tests: a valid credit code per firm
number and one row with identity and defaults (manufacturing, long established, 规上)."""

from __future__ import annotations

from mujun.codes import credit_check_char


def code(i: int, region: str = "913403") -> str:
    """A valid 统一社会信用代码 for firm number i (`region`: the code's first digits)."""
    first17 = f"{region}00{i:09d}"
    return first17 + credit_check_char(first17)


def firm(
    i: int,
    year: int,
    *,
    region: str = "913403",
    park: str = "经济开发区",
    established: str = "2010-01-01",
    **fields: object,
) -> dict[str, object]:
    """One input row of firm i in `year`; `fields` add to or replace the defaults."""
    row: dict[str, object] = {
        "credit_code": code(i, region),
        "year": year,
        "name": f"测试企业{i}",
        "park": park,
        "industry_code": "3311",
        "above_scale": True,
        "established": established,
    }
    row.update(fields)
    return row
