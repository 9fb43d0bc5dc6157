"""The canonical input fields of an EnterpriseTable: the single source of truth (DESIGN §3).

Money is in 万元, land in 亩, energy in 吨标准煤 (tce), people in 人. Every other module asks this
one what a field is called, what type it has, which values it may take, which headers departments
use for it (`aliases`, matched after the unit in brackets is taken off), which department fills it
in and what it means (its 口径, shown in data-collection templates).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from functools import cache
from types import MappingProxyType
from typing import Literal

from .units import ENERGY_CARRIERS

Kind = Literal["key", "text", "int", "number", "bool", "date"]

LAND_PARTS: tuple[str, ...] = ("land_owned_mu", "land_leased_mu", "land_let_mu")
EMISSION_PARTS: tuple[str, ...] = ("cod_t", "nh3n_t", "so2_t", "nox_t")

TAX, STATS, LAND, POWER, ENV, BUREAU = (
    "税务局",
    "统计局",
    "自然资源局",
    "供电公司",
    "生态环境局",
    "经信局",
)
DEPARTMENTS = (BUREAU, TAX, STATS, LAND, POWER, ENV)


@dataclass(frozen=True)
class Field:
    """One canonical column.

    `minimum` is the smallest valid value (None: any); `plausible_max` the largest magnitude one
    firm's value can have (None: no bound); `positive` means the value must be > 0 for a
    firm whose class uses the field (land is the denominator of every per-mu indicator). A derived
    field is computed from the input fields in `needs`; an input field with a `fallback` is
    computed from those fields where a firm did not report it (energy from its carriers).
    """

    code: str
    kind: Kind
    label: str
    unit: str = ""
    minimum: float | None = None
    plausible_max: float | None = None
    positive: bool = False
    derived: bool = False
    needs: tuple[str, ...] = ()
    fallback: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    department: str = BUREAU
    note: str = ""


def _f(code: str, kind: Kind, label: str, unit: str = "", *aliases: str, **kw: object) -> Field:
    return Field(code, kind, label, unit, aliases=(label, *aliases), **kw)  # type: ignore[arg-type]


_ALL: tuple[Field, ...] = (
    # identity
    _f("credit_code", "key", "统一社会信用代码", "", "社会信用代码", "信用代码", "纳税人识别号",
       "统一代码", note="18位，按文本填写，不得用科学计数法"),
    _f("year", "int", "年度", "", "年份", "数据年度", "评价年度", note="数据所属年度，如2022"),
    _f("name", "text", "企业名称", "", "单位名称", "纳税人名称", "企业（单位）名称", "公司名称"),
    _f("county", "text", "所属县(区)", "", "所属县区", "县(市、区)", "县（市、区）", "所属县",
       "县区", note="市级汇总评价时企业所在的县（市、区）"),
    _f("park", "text", "所属园区", "", "园区", "乡镇(街道)", "乡镇（街道）", "所属乡镇", "乡镇",
       "街道", "所在园区", note="所在园区或乡镇（街道）"),
    _f("industry_code", "text", "行业代码", "", "国民经济行业代码", "所属行业代码", "行业小类代码",
       department=STATS, note="GB/T 4754-2017 行业代码（2～4位数字）"),
    _f("above_scale", "bool", "是否规上", "", "规模", "是否规模以上", "规模以上企业", "规上企业",
       department=STATS, note="规模以上工业企业填“是”"),
    _f("established", "date", "成立日期", "", "投产日期", "成立（投产）日期", "成立时间",
       "注册日期", note="营业执照成立日期或投产日期"),
    # land
    _f("land_owned_mu", "number", "自有用地", "亩", "用地面积", "土地面积", "自有用地面积",
       "实际用地面积", "土地使用权面积", minimum=0, department=LAND,
       note="持有土地使用权证的用地面积"),
    _f("land_leased_mu", "number", "租用用地", "亩", "租用用地面积", "租赁用地", minimum=0,
       department=LAND, note="租用他人土地或按厂房折算的用地面积"),
    _f("land_let_mu", "number", "出租用地", "亩", "出租用地面积", "出租土地", minimum=0,
       department=LAND, note="出租给其他企业的用地面积（将被扣除）"),
    _f("floor_area_m2", "number", "租赁厂房面积", "平方米", "厂房面积", "租赁面积", minimum=0,
       positive=True, department=LAND, note="租赁标准厂房的建筑面积"),
    _f("parcel_id", "text", "宗地编号", "", "地块编号", "不动产单元号", "宗地号", department=LAND,
       note="企业所在宗地的编号（同一宗地上的出租方与承租企业填写相同编号）"),
    _f("group_code", "text", "集团/关联企业代码", "", "关联企业代码", "集团代码", "集团编号",
       note="同一集团或关联企业填写相同代码（按关联企业合并评价时使用）"),
    # money
    _f("tax_paid", "number", "实缴税金", "万元", "税收", "实缴税收", "税收实际贡献", "入库税收",
       "评价税收", "实际入库税收", "纳税总额", department=TAX,
       note="评价年度实际入库的各项税收（不含减免退税）"),
    _f("revenue", "number", "营业收入", "万元", "销售收入", "开票销售", "开票销售收入",
       "营业收入总额", minimum=0, department=STATS, fallback=("main_revenue",),
       note="评价年度营业收入；未填营业收入的企业按其主营业务收入计"),
    _f("main_revenue", "number", "主营业务收入", "万元", "主营收入", "主营业务收入总额",
       minimum=0, department=STATS, note="评价年度主营业务收入（统计口径）"),
    _f("output_value", "number", "工业总产值", "万元", "总产值", minimum=0, department=STATS),
    _f("value_added", "number", "工业增加值", "万元", "增加值", department=STATS),
    _f("rd_expense", "number", "研发经费支出", "万元", "研发经费", "R&D经费支出", "R&D经费",
       "研发费用", "研究与试验发展经费支出", minimum=0, department=STATS),
    _f("tech_investment", "number", "技术改造投资", "万元", "技改投资", "技术改造投资额",
       minimum=0, department=STATS),
    _f("new_project_investment", "number", "新建项目投资", "万元", "新建项目投资额",
       "新建项目完成投资", minimum=0, department=STATS, note="评价年度新建项目完成投资"),
    # energy by carrier (natural units) and in total
    _f("electricity_kwh", "number", "用电量", "千瓦时", "用电", "总用电量", "全年用电量",
       "售电量", minimum=0, department=POWER, note="评价年度全年用电量"),
    _f("power_account", "text", "用电户号", "", "电力户号", "户号", "供电户号", department=POWER,
       note="供电公司的用电客户编号（差别化电价清单用）"),
    _f("gas_m3", "number", "天然气消费量", "立方米", "天然气", "用气量", minimum=0,
       department=STATS),
    _f("coal_t", "number", "原煤消费量", "吨", "原煤", minimum=0, department=STATS),
    _f("washed_coal_t", "number", "洗精煤消费量", "吨", "洗精煤", minimum=0, department=STATS),
    _f("coke_t", "number", "焦炭消费量", "吨", "焦炭", minimum=0, department=STATS),
    _f("fuel_oil_t", "number", "燃料油消费量", "吨", "燃料油", minimum=0, department=STATS),
    _f("petrol_t", "number", "汽油消费量", "吨", "汽油", minimum=0, department=STATS),
    _f("diesel_t", "number", "柴油消费量", "吨", "柴油", minimum=0, department=STATS),
    _f("lpg_t", "number", "液化石油气消费量", "吨", "液化石油气", minimum=0, department=STATS),
    _f("heat_gj", "number", "热力消费量", "百万千焦", "热力", minimum=0, department=STATS),
    _f("energy_tce", "number", "综合能耗", "吨标准煤", "综合能源消费量", "能源消费总量",
       minimum=0, department=STATS, note="综合能源消费量（当量值或等价值，按本地口径）",
       fallback=tuple(ENERGY_CARRIERS)),
    _f("energy_basis", "text", "能耗口径", "", "综合能耗口径", "能耗计算口径", department=STATS,
       note="综合能耗按“当量值”或“等价值”计算，只填这两种之一"),
    # emissions
    _f("emissions_t", "number", "主要污染物排放量", "吨", "污染物排放量", "排放量", minimum=0,
       department=ENV, fallback=EMISSION_PARTS),
    _f("cod_t", "number", "化学需氧量", "吨", "化学需氧量排放量", "COD排放量", "COD", minimum=0,
       department=ENV),
    _f("nh3n_t", "number", "氨氮", "吨", "氨氮排放量", minimum=0, department=ENV),
    _f("so2_t", "number", "二氧化硫", "吨", "二氧化硫排放量", minimum=0, department=ENV),
    _f("nox_t", "number", "氮氧化物", "吨", "氮氧化物排放量", minimum=0, department=ENV),
    _f("water_t", "number", "用水量", "吨", "新鲜水用量", minimum=0, department=STATS),
    # people
    _f("employees", "number", "年平均职工人数", "人", "从业人员", "职工人数", "从业人员平均人数",
       "年末从业人员", "从业人员期末人数", minimum=0, department=STATS),
    # flags (missing means "no")
    _f("safety_incident", "bool", "发生较大及以上安全生产事故", "", "安全生产事故",
       "是否发生安全生产事故"),
    _f("env_violation", "bool", "发生环境违法行为或环境事故", "", "环境违法",
       "是否发生环境违法行为", department=ENV),
    _f("food_safety_incident", "bool", "发生食品安全事故", "", "食品安全事故"),
    _f("energy_target_missed", "bool", "未完成节能目标", "", "未完成节能目标任务"),
    _f("high_tech", "bool", "高新技术企业", "", "是否高新技术企业", "高企"),
    _f("specialized", "bool", "专精特新企业", "", "是否专精特新", "专精特新"),
    _f("listed", "bool", "上市企业", "", "是否上市"),
    _f("new_to_scale", "bool", "上年度小升规企业", "", "小升规", "是否小升规"),
    _f("major_project", "bool", "在建重大项目", "", "重大项目"),
    _f("green_factory", "bool", "绿色工厂（节能降碳）", "", "绿色工厂"),
    _f("safety_certified", "bool", "安全生产标准化达标", "", "安全标准化达标"),
    _f("public_interest", "bool", "军工或公益性企业", "", "公益性企业", "军工企业"),
    # derived once per evaluation, usable in rules
    _f("land_mu", "number", "用地面积合计", "亩", positive=True, derived=True, needs=LAND_PARTS),
    _f("industry_division", "int", "行业大类", derived=True, needs=("industry_code",)),
    _f("years_operating", "number", "经营年限", "年", derived=True, needs=("established",)),
)  # fmt: skip

# The largest magnitude one firm's value can have, in the field's unit: far beyond the largest
# firms of the country (a tax of 1000亿元, 10万亿元 of revenue, a million 亩), so that only a typo
# or a unit mistake goes past it. The check stage rejects such a value unless a correction
# confirms it, so that it moves no benchmark.
_PLAUSIBLE_MAX: dict[str, float] = {
    "tax_paid": 1e7,
    "revenue": 1e9,
    "output_value": 1e9,
    "value_added": 1e9,
    "rd_expense": 1e8,
    "tech_investment": 1e8,
    **dict.fromkeys((*LAND_PARTS, "land_mu"), 1e6),
    "floor_area_m2": 1e8,
    "electricity_kwh": 1e12,
    "gas_m3": 1e11,
    **dict.fromkeys(("coal_t", "washed_coal_t", "coke_t", "fuel_oil_t"), 1e9),
    **dict.fromkeys(("petrol_t", "diesel_t", "lpg_t"), 1e9),
    "heat_gj": 1e10,
    "energy_tce": 1e9,
    **dict.fromkeys(("emissions_t", *EMISSION_PARTS), 1e8),
    "water_t": 1e11,
    "employees": 1e7,
}
BUILTIN: dict[str, Field] = {
    f.code: replace(f, plausible_max=_PLAUSIBLE_MAX.get(f.code)) for f in _ALL
}
INPUT_FIELDS: tuple[str, ...] = tuple(f.code for f in _ALL if not f.derived)
ENERGY_BASES: tuple[str, ...] = ("当量值", "等价值")

# The fields a rules file declares ([[field]]) and derives ([[derive]]), for the run, the
# validation or the export under way: `with declared(catalog):` makes every lookup of `FIELDS`
# see them after the built-in ones, so reading, checks and exports treat them as fields.
_NONE: Mapping[str, Field] = MappingProxyType({})
_DECLARED: ContextVar[Mapping[str, Field]] = ContextVar("declared_fields", default=_NONE)


class _Fields(Mapping[str, Field]):
    """The built-in fields, then the declared ones of the catalog in use."""

    def __getitem__(self, code: str) -> Field:
        found = BUILTIN.get(code)
        if found is not None:
            return found
        return _DECLARED.get()[code]

    def __contains__(self, code: object) -> bool:
        return code in BUILTIN or code in _DECLARED.get()

    def __iter__(self) -> Iterator[str]:
        yield from BUILTIN
        yield from (c for c in _DECLARED.get() if c not in BUILTIN)

    def __len__(self) -> int:
        extra = _DECLARED.get()
        return len(BUILTIN) + sum(1 for c in extra if c not in BUILTIN)


FIELDS: Mapping[str, Field] = _Fields()


@contextmanager
def declared(catalog: Mapping[str, Field] | None) -> Iterator[None]:
    """Within the block, `FIELDS` also holds `catalog`'s fields (a rules file's declared and
    derived fields, `Rules.catalog`); None or empty changes nothing."""
    token = _DECLARED.set(dict(catalog) if catalog else {})
    try:
        yield
    finally:
        _DECLARED.reset(token)


def declared_fields() -> Mapping[str, Field]:
    """The declared and derived fields in use (see `declared`)."""
    return _DECLARED.get()


def input_fields() -> tuple[str, ...]:
    """Input fields in field order: the built-in ones, then those declared in use."""
    extra = tuple(c for c, f in _DECLARED.get().items() if not f.derived and c not in BUILTIN)
    return INPUT_FIELDS + extra


def field_order(code: str) -> int:
    """A sort key: an input field's place in `input_fields()`, others after them."""
    order = input_fields()
    return order.index(code) if code in order else len(order)


IDENTITY: tuple[str, ...] = ("credit_code", "year", "name", "park", "industry_code")


def inputs_behind(names: Iterable[str]) -> set[str]:
    """The input fields behind some field names: each name itself, and for a derived field the
    fields it is computed from, for one with a fallback the fields it falls back to."""
    out: set[str] = set()
    for name in names:
        out.add(name)
        spec = FIELDS.get(name)
        if spec is not None:
            out.update(spec.needs, spec.fallback)
    return out


def numeric_fields() -> tuple[str, ...]:
    """Input fields that hold numbers (floats)."""
    return tuple(c for c in input_fields() if FIELDS[c].kind == "number")


def bool_fields() -> tuple[str, ...]:
    """Input fields that hold yes/no flags."""
    return tuple(c for c in input_fields() if FIELDS[c].kind == "bool")


def label(code: str) -> str:
    """The Chinese label of a field or growth feature, or the code itself when unknown."""
    f = FIELDS.get(code)
    return f.label if f else GROWTH_FEATURES.get(code, (code, False))[0]


# Growth features of a multi-year panel (growth.py), by code: Chinese label and whether the value
# is a rate or share shown as a percentage. Watch-list conditions of a rules file may name them.
GROWTH_FEATURES: dict[str, tuple[str, bool]] = {
    "cagr_revenue": ("营业收入年均增速", True),
    "cagr_tax": ("实缴税金年均增速", True),
    "cagr_value_added": ("工业增加值年均增速", True),
    "trend_revenue": ("营业收入趋势增速", True),
    "volatility_revenue": ("营业收入波动率", False),
    "tax_share": ("实缴税金占全县比重", True),
    "revenue_share": ("营业收入占全县比重", True),
    "total_score": ("亩均效益综合得分", False),
}


def normalize_header(text: object) -> str:
    """Header text for matching: NFKC (full-width brackets → ASCII), no spaces, lower case."""
    if text is None or (isinstance(text, float) and text != text):
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).lower()


def split_unit(text: str) -> tuple[str, str]:
    """'实缴税金(万元)' → ('实缴税金', '万元'); no trailing bracket → (text, '')."""
    m = re.fullmatch(r"(.+?)[(\[]([^()\[\]]*)[)\]]", text)
    if not m:
        return text, ""
    unit = re.sub(r"^单位[:：]?", "", m.group(2))
    return m.group(1), unit


@cache
def builtin_headers() -> dict[str, str]:
    """Normalised header text → field code, from every input field's code, label and aliases."""
    table: dict[str, str] = {}
    for f in FIELDS.values():
        if f.derived:
            continue
        for name in (f.code, *f.aliases):
            table.setdefault(normalize_header(name), f.code)
    return table


Aliases = Mapping[str, Iterable[str]]  # field code → more headers (a rules file's [input.aliases])


def header_table(extra: Aliases | None = None) -> dict[str, str]:
    """The built-in headers, the declared fields' in use and `extra` ones (a rules file's
    aliases), normalised → field code.
    An extra alias is entered without the unit it states, so that its unit converts as a
    built-in header's does (`占地面积(平方米)` → 亩)."""
    table = builtin_headers()
    own = {c: f for c, f in _DECLARED.get().items() if not f.derived and c not in BUILTIN}
    if not extra and not own:
        return table
    table = dict(table)
    for code, f in own.items():  # declared fields: their code, label and aliases
        for name in (code, *f.aliases):
            table.setdefault(split_unit(normalize_header(name))[0], code)
    for code, headers in (extra or {}).items():
        for text in headers:
            table.setdefault(split_unit(normalize_header(text))[0], code)
    return table
