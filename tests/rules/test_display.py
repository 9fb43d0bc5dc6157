"""Expressions as the 说明 sheet shows them: labels for codes, 且/或/非, functions in words."""

from __future__ import annotations

import pytest

from mujun.fields import FIELDS
from mujun.rules.display import chinese
from mujun.rules.expr import parse


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("where(tax_paid >= 1000, 1.1, 1.0)", "（实缴税金 ≥ 1000时取1.1，否则取1）"),
        (
            "coalesce(revenue, output_value) / land_mu",
            "首个有值者（营业收入，工业总产值） ÷ 用地面积合计",
        ),
        ("isnull(land_mu) and not above_scale", "用地面积合计缺失 且 非 是否规上"),
        ("tax_paid / previous(tax_paid) - 1", "实缴税金 ÷ 上年实缴税金 − 1"),
        ("max(tax_paid, 0) + abs(revenue)", "较大值（实缴税金，0） + 绝对值（营业收入）"),
        ("isnull(tax_paid + revenue)", "（实缴税金 + 营业收入）缺失"),
    ],
)
def test_functions_read_in_words(text: str, shown: str) -> None:
    assert chinese(parse(text, known=FIELDS)) == shown
