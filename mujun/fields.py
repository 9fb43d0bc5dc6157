"""The canonical input fields of an EnterpriseTable: the single source of truth (DESIGN §3).

Money is in 万元, land in 亩, energy in 吨标准煤 (tce), people in 人. Every other module asks this
one what a field is called, what type it has and which values it may take.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["key", "text", "int", "number", "bool", "date"]


@dataclass(frozen=True)
class Field:
    """One canonical column.

    `minimum` is the smallest valid value (None: any); `positive` means the value must be > 0 for a
    firm whose class uses the field (land is the denominator of every per-mu indicator).
    """

    code: str
    kind: Kind
    label: str
    unit: str = ""
    minimum: float | None = None
    positive: bool = False
    derived: bool = False


def _f(code: str, kind: Kind, label: str, unit: str = "", **kw: object) -> Field:
    return Field(code, kind, label, unit, **kw)  # type: ignore[arg-type]


_ALL: tuple[Field, ...] = (
    # identity
    _f("credit_code", "key", "统一社会信用代码"),
    _f("year", "int", "年度"),
    _f("name", "text", "企业名称"),
    _f("park", "text", "所属园区"),
    _f("industry_code", "text", "行业代码"),
    _f("above_scale", "bool", "规模以上企业"),
    _f("established", "date", "成立（投产）日期"),
    # land
    _f("land_owned_mu", "number", "自有用地", "亩", minimum=0),
    _f("land_leased_mu", "number", "租用用地", "亩", minimum=0),
    _f("land_let_mu", "number", "出租用地", "亩", minimum=0),
    _f("floor_area_m2", "number", "租赁厂房面积", "平方米", minimum=0, positive=True),
    # money
    _f("tax_paid", "number", "实缴税金", "万元"),
    _f("revenue", "number", "营业收入", "万元", minimum=0),
    _f("output_value", "number", "工业总产值", "万元", minimum=0),
    _f("value_added", "number", "工业增加值", "万元"),
    _f("rd_expense", "number", "研发经费支出", "万元", minimum=0),
    _f("tech_investment", "number", "技术改造投资", "万元", minimum=0),
    # energy by carrier (natural units) and in total
    _f("electricity_kwh", "number", "用电量", "千瓦时", minimum=0),
    _f("gas_m3", "number", "天然气消费量", "立方米", minimum=0),
    _f("coal_t", "number", "原煤消费量", "吨", minimum=0),
    _f("washed_coal_t", "number", "洗精煤消费量", "吨", minimum=0),
    _f("coke_t", "number", "焦炭消费量", "吨", minimum=0),
    _f("fuel_oil_t", "number", "燃料油消费量", "吨", minimum=0),
    _f("petrol_t", "number", "汽油消费量", "吨", minimum=0),
    _f("diesel_t", "number", "柴油消费量", "吨", minimum=0),
    _f("lpg_t", "number", "液化石油气消费量", "吨", minimum=0),
    _f("heat_gj", "number", "热力消费量", "百万千焦", minimum=0),
    _f("energy_tce", "number", "综合能耗", "吨标准煤", minimum=0),
    # emissions
    _f("emissions_t", "number", "主要污染物排放量", "吨", minimum=0),
    _f("cod_t", "number", "化学需氧量排放量", "吨", minimum=0),
    _f("nh3n_t", "number", "氨氮排放量", "吨", minimum=0),
    _f("so2_t", "number", "二氧化硫排放量", "吨", minimum=0),
    _f("nox_t", "number", "氮氧化物排放量", "吨", minimum=0),
    _f("water_t", "number", "用水量", "吨", minimum=0),
    # people
    _f("employees", "number", "年平均职工人数", "人", minimum=0),
    # flags (missing means "no")
    _f("safety_incident", "bool", "发生较大及以上安全生产事故"),
    _f("env_violation", "bool", "发生环境违法行为或环境事故"),
    _f("food_safety_incident", "bool", "发生食品安全事故"),
    _f("energy_target_missed", "bool", "未完成节能目标"),
    _f("high_tech", "bool", "高新技术企业"),
    _f("specialized", "bool", "专精特新企业"),
    _f("listed", "bool", "上市企业"),
    _f("new_to_scale", "bool", "上年度小升规企业"),
    _f("major_project", "bool", "在建重大项目"),
    _f("green_factory", "bool", "绿色工厂（节能降碳）"),
    _f("safety_certified", "bool", "安全生产标准化达标"),
    _f("public_interest", "bool", "军工或公益性企业"),
    # derived once per evaluation, usable in rules
    _f("land_mu", "number", "用地面积", "亩", positive=True, derived=True),
    _f("industry_division", "int", "行业大类", derived=True),
    _f("years_operating", "number", "经营年限", "年", derived=True),
)

FIELDS: dict[str, Field] = {f.code: f for f in _ALL}
INPUT_FIELDS: tuple[str, ...] = tuple(f.code for f in _ALL if not f.derived)
IDENTITY: tuple[str, ...] = ("credit_code", "year", "name", "park", "industry_code")
LAND_PARTS: tuple[str, ...] = ("land_owned_mu", "land_leased_mu", "land_let_mu")
EMISSION_PARTS: tuple[str, ...] = ("cod_t", "nh3n_t", "so2_t", "nox_t")


def numeric_fields() -> tuple[str, ...]:
    """Input fields that hold numbers (floats)."""
    return tuple(c for c in INPUT_FIELDS if FIELDS[c].kind == "number")


def bool_fields() -> tuple[str, ...]:
    """Input fields that hold yes/no flags."""
    return tuple(c for c in INPUT_FIELDS if FIELDS[c].kind == "bool")


def label(code: str) -> str:
    """The Chinese label of a field, or the code itself when unknown."""
    f = FIELDS.get(code)
    return f.label if f else code
