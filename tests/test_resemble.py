"""Which field an unrecognised header resembles: the headers clerks really write are suggested
the field they mean; headers of other things (contacts, growth rates, per-mu values) nothing."""

from __future__ import annotations

import pytest

from mujun.fields import INPUT_FIELDS
from mujun.resemble import resembling

SUGGESTED = [
    ("占地面积(亩)", "land_owned_mu"),
    ("占地面积（平方米）", "land_owned_mu"),
    ("能耗(吨标煤)", "energy_tce"),
    ("能源消费量（吨标准煤）", "energy_tce"),
    ("所属行业", "industry_code"),
    ("行业类别", "industry_code"),
    ("园区名称", "park"),
    ("纳税额(万元)", "tax_paid"),
    ("税收合计(元)", "tax_paid"),
    ("主营收入(万元)", "main_revenue"),  # 主营业务收入, apart from 营业收入
    ("营业收入合计(万元)", "revenue"),
    ("用电(万度)", "electricity_kwh"),
    ("从业人数", "employees"),
    ("年用水量(吨)", "water_t"),
    ("企业全称", "name"),
]
UNRELATED = [
    "联系人",
    "联系电话",
    "法定代表人",
    "注册资本(万元)",  # money, but no money field's name
    "企业类型",
    "园区类型",
    "经营范围",
    "注册地址",
    "税收增幅(%)",  # a growth rate of tax, not tax
    "营业收入增幅",
    "上年税收(万元)",  # last year's tax, not this year's
    "亩均税收(万元/亩)",  # an indicator, not a field
    "建筑面积(平方米)",
    "备案号",
    "占地面积(万元)",  # land in 万元 is no land
]


@pytest.mark.parametrize(("header", "field"), SUGGESTED)
def test_a_header_as_clerks_write_it_resembles_its_field(header: str, field: str) -> None:
    assert resembling(header, INPUT_FIELDS)[0] == field


@pytest.mark.parametrize("header", UNRELATED)
def test_an_unrelated_header_resembles_no_field(header: str) -> None:
    assert resembling(header, INPUT_FIELDS) == []


def test_only_the_candidates_given_are_suggested() -> None:
    """The evaluation asks about the fields the rules need and no file holds."""
    assert resembling("占地面积(亩)", ["tax_paid", "revenue"]) == []
    assert resembling("占地面积(亩)", ["land_owned_mu"]) == ["land_owned_mu"]


def test_a_header_close_to_two_fields_suggests_both() -> None:
    """用地(亩) is as close to 自有用地 as to 租用用地: both are named, the first listed first."""
    assert resembling("用地(亩)", INPUT_FIELDS) == ["land_owned_mu", "land_leased_mu"]
