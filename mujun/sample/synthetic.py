"""A reproducible synthetic county: a multi-year panel of invented firms shaped like a real one.

`generate_county` draws every firm at once with numpy (no loop over firms), from its own
`numpy.random.Generator` seeded by `seed`: the same arguments give the same frame. The latest
year is drawn first as a cross-section calibrated to a real county's pooled figures (铜陵 2021,
DOMAIN §3: 亩均税收 ≈ 14 万元/亩, 亩均营业收入 ≈ 600 万元/亩, 全员劳动生产率 ≈ 54 万元/人, about a
third of firms 规上); earlier years are traced back along each firm's growth archetype.

- Land is lognormal (a few 亩 to several hundred); revenue per 亩 rises with land, so a few large
  firms carry most of the revenue, as in a real county. Output, value added, tax, energy,
  electricity, emissions, R&D and employees follow from revenue with industry ratios (by GB/T 4754
  division) and firm-level noise; above_scale is revenue ≥ 2000 万元 in the row's year.
- Hidden column `archetype`: steady, fast_growing, declining, volatile, entering (absent before
  its entry year) and exiting (absent from its exit year on). A row exists only for the years a
  firm operates; with a single year every firm is present.
- Gaps and rare cases: emissions missing for ~30 % of 规下 and ~5 % of 规上 rows, a few tax refunds
  above the tax paid (negative tax_paid), ~3 % of firms letting land, 1–2 % utilities, entering
  firms established within the last two years; flags for safety incidents and environmental
  violations (~1 % each), high-tech (~8 %), 专精特新 (~3 %), 小升规 and major projects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..codes import CREDIT_ALPHABET, CREDIT_WEIGHTS
from ..fields import INPUT_FIELDS

DEFAULT_PARKS = ("蚌埠铜陵现代产业园", "固镇经济开发区", "连城镇", "湖沟镇", "王庄镇")
# the default industry mix, modelled on 固镇: GB/T 4754-2017 小类 → share of firms
DEFAULT_INDUSTRIES: Mapping[str, float] = {
    # 生物基新材料: 合成纤维单(聚合)体, 塑料板管型材, 初级形态塑料及合成树脂
    "2653": 0.07, "2922": 0.08, "2651": 0.07,
    # 绿色食品: 淀粉及淀粉制品, 食品及饲料添加剂, 果菜汁饮料, 肉制品及副产品加工
    "1391": 0.07, "1495": 0.05, "1523": 0.05, "1353": 0.09,
    # 装备制造: 金属结构, 机械零部件加工, 生产专用起重机, 机械化农业及园艺机具
    "3311": 0.07, "3484": 0.08, "3432": 0.04, "3572": 0.07,
    # 新能源: 光伏设备及元器件, 锂离子电池, 其他电池
    "3825": 0.05, "3841": 0.04, "3849": 0.03,
    # others: 棉纺纱, 木质家具, 纸和纸板容器, 水泥制品, 汽车零部件及配件
    "1711": 0.03, "2110": 0.02, "2231": 0.025, "3021": 0.03, "3670": 0.02,
    # utilities: 火力发电, 自来水生产和供应
    "4411": 0.007, "4610": 0.008,
}  # fmt: skip

ARCHETYPES = ("steady", "fast_growing", "declining", "volatile", "entering", "exiting")
_ARCHETYPE_SHARES = np.array([0.50, 0.10, 0.14, 0.12, 0.08, 0.06])
_GROWTH = np.array([  # annual log growth of revenue: mean, standard deviation
    [0.06, 0.05], [0.28, 0.10], [-0.14, 0.06], [0.00, 0.35], [0.30, 0.12], [-0.18, 0.08],
])  # fmt: skip
_YEAR_SHOCK = {2020: -0.05, 2021: 0.08}  # common shocks (epidemic dip and rebound)

# Industry profiles by division. Columns: revenue per 亩 (median before calibration), tax/revenue,
# value added/revenue, tce per 万元 revenue, electricity share of energy, R&D/revenue, emissions
# (t per 万元 revenue), revenue per employee (万元), env-violation and high-tech propensity.
_PROFILES = np.array([
    [1.00, 0.024, 0.22, 0.035, 0.45, 0.008, 8e-4, 1.00, 1.6, 0.6],  # 0 food 13–15
    [0.70, 0.022, 0.24, 0.030, 0.70, 0.010, 4e-4, 0.50, 0.8, 0.5],  # 1 light 16–24
    [1.30, 0.028, 0.22, 0.120, 0.35, 0.020, 1.2e-3, 1.40, 1.8, 1.3],  # 2 chemical 25–29
    [1.10, 0.026, 0.20, 0.250, 0.30, 0.010, 2e-3, 1.10, 1.6, 0.5],  # 3 materials, metals 30–32
    [0.85, 0.032, 0.27, 0.012, 0.80, 0.030, 2e-4, 0.75, 0.4, 1.2],  # 4 equipment 33–37
    [1.40, 0.025, 0.22, 0.020, 0.75, 0.040, 3e-4, 1.10, 0.4, 1.8],  # 5 electrical, electronics
    [0.80, 0.050, 0.35, 0.400, 0.15, 0.002, 3e-3, 1.60, 1.0, 0.2],  # 6 utilities 44–46
    [0.30, 0.060, 0.40, 0.050, 0.60, 0.002, 1e-3, 0.60, 1.5, 0.2],  # 7 mining 06–12
    [0.70, 0.025, 0.25, 0.030, 0.60, 0.010, 5e-4, 0.70, 0.8, 0.6],  # 8 other
])  # fmt: skip
_PROFILE_OF = np.full(100, 8)
for _lo, _hi, _p in ((13, 15, 0), (16, 24, 1), (25, 29, 2), (30, 32, 3), (33, 37, 4),
                     (38, 40, 5), (44, 46, 6), (6, 12, 7)):  # fmt: skip
    _PROFILE_OF[_lo : _hi + 1] = _p
_WORDS = np.array([  # name words by profile
    ["食品", "生物科技", "农产品加工"], ["纺织", "家居", "包装制品"],
    ["新材料科技", "塑业", "化工"], ["建材", "新型建材", "金属制品"],
    ["机械制造", "重工", "装备科技"], ["新能源科技", "电气", "能源科技"],
    ["热电", "水务", "能源"], ["矿业", "石材", "建材"], ["实业", "制造", "工贸"],
])  # fmt: skip
_SYLLABLES = np.array(
    list(
        "华鑫瑞丰泰盛恒金宏源达德利嘉佳天康润汇诚信永兴远博宇晟昌安中"
        "正铭宝通新亚元龙凯优益隆祥和美力海科创明光辉腾飞捷顺锦卓越荣"
    )
)
_PREFIXES = np.array(["安徽", "蚌埠", "固镇", "安徽省", ""])
_SUFFIXES = np.array(["有限公司"] * 18 + ["股份有限公司", "有限责任公司"])

# calibration: medians over seeds of 20,000-firm counties meet DOMAIN §3 (tests/test_synthetic.py)
_LAND_MEDIAN, _LAND_SIGMA, _LAND_RANGE = 10.0, 0.9, (1.0, 3000.0)
_REV_PER_MU, _REV_ELASTICITY, _REV_SIGMA, _PER_MU_MAX = 81.0, 1.15, 0.8, 8000.0
_TAX_SCALE, _EMP_SCALE = 0.785, 179.0
_ABOVE_SCALE = 2000.0  # 万元 of revenue
_KWH_TCE = 1.229e-4  # tce per kWh (当量值 0.1229 kgce/kWh)


def generate_county(
    n_firms: int,
    years: Sequence[int] = (2019, 2020, 2021, 2022),
    seed: int = 0,
    *,
    parks: Sequence[str] = DEFAULT_PARKS,
    industries: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """A panel of `n_firms` invented firms: one row per (credit_code, year) the firm operates,
    columns = canonical field codes (money 万元, land 亩, energy tce) plus the hidden `archetype`.

    `industries` maps GB/T 4754 codes (2–4 digits) to shares of firms (default: DEFAULT_INDUSTRIES);
    `parks` are the parks and towns, the first ones holding most large firms when their names say
    园 or 开发区/区. Deterministic for a seed; vectorised over firms.
    """
    n = int(n_firms)
    yrs = np.array(sorted({int(y) for y in years}), dtype=np.int64)
    if n < 0 or len(yrs) == 0 or len(parks) == 0:
        raise ValueError("need n_firms ≥ 0, at least one year and at least one park")
    codes, shares = _industry_mix(DEFAULT_INDUSTRIES if industries is None else industries)
    rng, rng_t = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    T = len(yrs)

    # firm attributes: industry, archetype, land, latest-year revenue and ratios
    industry = rng.choice(len(codes), size=n, p=shares)
    prof = _PROFILE_OF[np.array([int(c[:2]) for c in codes], dtype=np.int64)][industry]
    P = _PROFILES[prof]
    arche = rng.choice(len(ARCHETYPES), size=n, p=_ARCHETYPE_SHARES)
    z = rng.standard_normal(n)
    land = np.clip(_LAND_MEDIAN * np.exp(_LAND_SIGMA * z), *_LAND_RANGE)
    efficiency = np.exp(_REV_ELASTICITY * z + _REV_SIGMA * rng.standard_normal(n))
    per_mu = np.minimum(_REV_PER_MU * P[:, 0] * efficiency, _PER_MU_MAX)
    rev_last = land * per_mu
    tax_rate = _TAX_SCALE * P[:, 1] * _lognormal(rng, 0.4, n)
    va_ratio = np.clip(P[:, 2] * _lognormal(rng, 0.2, n), 0.05, 0.6)
    energy_int = P[:, 3] * _lognormal(rng, 0.6, n)
    elec_share = np.clip(P[:, 4] * rng.uniform(0.7, 1.3, n), 0.02, 1.0)
    emis_int = P[:, 6] * _lognormal(rng, 0.9, n)
    per_head = _EMP_SCALE * P[:, 7] * (rev_last / 2000.0) ** 0.1 * _lognormal(rng, 0.35, n)
    big = rev_last >= _ABOVE_SCALE
    high_tech = rng.random(n) < np.where(big, 0.15, 0.035) * P[:, 9]
    specialized = rng.random(n) < np.where(big, 0.055, 0.01) + 0.05 * high_tech
    rd_share = np.where(rng.random(n) < np.where(big, 0.15, 0.55), 0.0, P[:, 5])
    rd_share = rd_share * _lognormal(rng, 0.7, n)
    rd_share = np.where(high_tech, np.maximum(rd_share, rng.uniform(0.03, 0.07, n)), rd_share)
    emis_gap = rng.random(n)  # below a threshold (by scale): no emission data
    park = _parks(rng, np.asarray(parks, dtype=str), z)
    later = 1 + (rng.random(n) * max(T - 1, 0)).astype(np.int64)  # entry or exit index
    owned, leased, let = _land_parts(rng, land)  # in the latest year
    age = np.minimum(1.5 + rng.exponential(9.0, n), 45.0)  # years before the first year
    start_day = rng.integers(0, 640, n)  # of an entering firm, from Jan 1 before its entry year
    names = _names(rng, prof, n)

    # presence and growth paths (levels at years[0] - 1, years[0], …, years[-1])
    entry = np.where((arche == 4) & (T > 1), later, 0)
    exit_ = np.where((arche == 5) & (T > 1), later, T)
    present = (np.arange(T) >= entry[:, None]) & (np.arange(T) < exit_[:, None])
    gaps = np.diff(np.concatenate([[yrs[0] - 1], yrs])).astype(float)
    shock = np.array([_YEAR_SHOCK.get(int(y), 0.0) for y in yrs])
    noise = rng_t.standard_normal((n, T))
    g = _GROWTH[arche, :1] * gaps + _GROWTH[arche, 1:] * np.sqrt(gaps) * noise + shock
    back = np.cumsum(g[:, ::-1], axis=1)[:, ::-1]  # growth still to come after each level
    log_rev = np.log(rev_last)[:, None] - np.concatenate([back, np.zeros((n, 1))], axis=1)
    rev_all = np.exp(log_rev)
    revenue = rev_all[:, 1:]
    grew = (arche == 1) & (rng_t.random(n) < 0.4) & (T > 1)  # fast growers that added land
    expand_at = rng_t.integers(1, max(T, 2), n)
    before = grew[:, None] & (np.arange(T) < expand_at[:, None])
    land_share = np.where(before, rng_t.uniform(0.4, 0.8, (n, 1)), 1.0)  # of the latest land

    # one row per firm-year present
    fi, yi = np.nonzero(present)
    shrink = land_share[fi, yi]  # land bought later leaves the firm's earlier parcels smaller
    rev = np.minimum(revenue[fi, yi], 1.5 * _PER_MU_MAX * land[fi] * shrink)
    m = len(fi)
    above = rev >= _ABOVE_SCALE
    existed = (yi > entry[fi]) | (arche[fi] != 4)  # operating the year before
    was_above = (rev_all[fi, yi] >= _ABOVE_SCALE) | ~existed  # new firms are not 小升规
    output = rev * _lognormal(rng_t, 0.06, m)
    energy = rev * energy_int[fi] * _lognormal(rng_t, 0.08, m)
    heads = rev_last[fi] / per_head[fi] * (rev / rev_last[fi]) ** 0.6  # staff follow sales slowly
    employees = np.maximum(3, np.round(heads * _lognormal(rng_t, 0.05, m))).astype(np.int64)
    tax = rev * tax_rate[fi] * _lognormal(rng_t, 0.15, m)
    refund = rng_t.random(m) < 0.003
    tax = np.where(refund, -rev * rng_t.uniform(0.001, 0.01, m), tax)
    keen = np.isin(arche[fi], (1, 4))  # fast growers and newcomers invest and build more
    invests = rng_t.random(m) < np.where(above, 0.45, 0.12) * np.where(keen, 1.5, 1.0)
    tech = np.where(invests, np.minimum(rev * 0.04 * _lognormal(rng_t, 0.9, m), rev * 0.8), 0.0)
    emissions = rev * emis_int[fi] * _lognormal(rng_t, 0.1, m)
    emissions = np.where(emis_gap[fi] < np.where(above, 0.05, 0.30), np.nan, emissions)
    jan1 = (yrs - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    founded = np.where(
        arche == 4,
        jan1[entry] - np.timedelta64(365, "D") + start_day.astype("timedelta64[D]"),
        jan1[0] - (365.25 * age).astype("timedelta64[D]"),
    )
    frame = {
        "credit_code": _text(_credit_codes(n, rng), fi),
        "year": yrs[yi],
        "name": names.take(fi),
        "park": _text(np.asarray(parks, dtype=str), park[fi]),
        "industry_code": _text(np.asarray(codes, dtype=str), industry[fi]),
        "above_scale": above,
        "established": founded[fi].astype("datetime64[ns]"),
        "land_owned_mu": np.round((owned + let)[fi] * shrink, 2),
        "land_leased_mu": np.round(leased[fi] * shrink, 2),
        "land_let_mu": np.round(let[fi] * shrink, 2),
        "tax_paid": np.round(tax, 4),
        "revenue": np.round(rev, 4),
        "output_value": np.round(output, 4),
        "value_added": np.round(output * va_ratio[fi], 4),
        "rd_expense": np.round(rev * np.minimum(rd_share[fi] * _lognormal(rng_t, 0.2, m), 0.15), 4),
        "tech_investment": np.round(tech, 4),
        "electricity_kwh": np.round(energy * elec_share[fi] / _KWH_TCE),
        "energy_tce": np.round(energy, 2),
        "emissions_t": np.round(emissions, 3),
        "employees": employees,
        "safety_incident": rng_t.random(m) < 0.01,
        "env_violation": rng_t.random(m) < 0.01 * P[fi, 8],
        "high_tech": high_tech[fi],
        "specialized": specialized[fi],
        "new_to_scale": above & ~was_above,
        "major_project": rng_t.random(m) < np.where(keen, 0.08, 0.02),
        "archetype": _text(np.asarray(ARCHETYPES), arche[fi]),
    }
    order = [c for c in INPUT_FIELDS if c in frame] + ["archetype"]
    return pd.DataFrame({c: frame[c] for c in order})


def county_frame(n_firms: int, year: int = 2022, seed: int = 0) -> pd.DataFrame:
    """One year of a synthetic county, `n_firms` rows (every firm present), no `archetype`:
    `generate_county(n_firms, (year,), seed)` for benchmarks and tests."""
    return generate_county(n_firms, (year,), seed).drop(columns="archetype")


def _lognormal(rng: np.random.Generator, sigma: float, size: int | tuple[int, ...]) -> np.ndarray:
    """Multiplicative noise with median 1."""
    return np.exp(sigma * rng.standard_normal(size))


def _text(values: np.ndarray, index: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """values[index] as pandas text, converting each distinct value once."""
    return pd.Series(values).array.take(index)


def _industry_mix(industries: Mapping[str, float]) -> tuple[list[str], np.ndarray]:
    codes = [str(c) for c in industries]
    shares = np.array([float(w) for w in industries.values()])
    bad = [c for c in codes if not (c.isascii() and c.isdigit() and 2 <= len(c) <= 4)]
    if not codes or bad or (shares < 0).any() or shares.sum() <= 0:
        raise ValueError(f"industries: need GB/T 4754 codes (2–4 digits) with shares ≥ 0: {bad}")
    return codes, shares / shares.sum()


def _parks(rng: np.random.Generator, parks: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Index into parks: large firms mostly in the zones (园 / 区), small ones in the towns."""
    zone = np.flatnonzero((np.char.find(parks, "园") >= 0) | (np.char.find(parks, "区") >= 0))
    town = np.setdiff1d(np.arange(len(parks)), zone)
    u = rng.random(len(z))
    if len(zone) == 0 or len(town) == 0:
        return (u * len(parks)).astype(np.int64)
    in_zone = rng.random(len(z)) < 1.0 / (1.0 + np.exp(-(0.9 * z - 0.2)))
    return np.where(in_zone, zone[(u * len(zone)).astype(int)], town[(u * len(town)).astype(int)])


def _land_parts(
    rng: np.random.Generator, land: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split the land each firm uses into (own land in use, leased, let to a tenant): the owned
    field is own + let, so land_mu = owned + leased − let. Small firms often rent standard
    factories; ~3 % of owners let part of their land (at most half of it)."""
    n = len(land)
    kind = rng.random(n)
    leased_only = kind < np.where(land < 8, 0.40, 0.08)
    both = ~leased_only & (kind > 0.90)
    own = np.where(leased_only, 0.0, np.where(both, land * rng.uniform(0.5, 0.9, n), land))
    lets = (rng.random(n) < 0.035) & (own > 0)
    let_share = rng.uniform(0.1, 0.5, n)  # of the owned land
    let = np.where(lets, own * let_share / (1 - let_share), 0.0)
    return own, land - own, let


def _credit_codes(n: int, rng: np.random.Generator) -> np.ndarray:
    """n distinct valid codes '91340323' + 8 characters + organisation check + GB 32100 check.

    The 8 characters spell (a·i + b) mod 31⁸ in base 31 (a bijection, so codes are distinct);
    the 9th body character is the GB 11714 check of the 8, the 18th the GB 32100 check.
    """
    alphabet = np.frombuffer(CREDIT_ALPHABET.encode(), dtype=np.uint8)
    space = 31**8
    v = (np.arange(n, dtype=np.int64) * 2654435761 + int(rng.integers(space))) % space
    digits = (v[:, None] // 31 ** np.arange(7, -1, -1, dtype=np.int64)) % 31
    org_value = np.array([int(c, 36) for c in CREDIT_ALPHABET], dtype=np.int64)
    org = (11 - (org_value[digits] @ np.array([3, 7, 9, 10, 5, 8, 4, 2])) % 11) % 11
    chars = np.empty((n, 18), dtype=np.int64)
    chars[:, :8] = [CREDIT_ALPHABET.index(c) for c in "91340323"]
    chars[:, 8:16] = digits
    chars[:, 16] = np.where(org == 10, CREDIT_ALPHABET.index("X"), org)
    chars[:, 17] = (31 - (chars[:, :17] @ CREDIT_WEIGHTS) % 31) % 31
    return alphabet[chars].view("S18").ravel().astype(str)


def _names(rng: np.random.Generator, prof: np.ndarray, n: int) -> pd.api.extensions.ExtensionArray:
    """Invented names: region prefix + two or three syllables + industry word + 有限公司 (or a
    variant), all drawn by index: mostly distinct up to a million firms."""
    k = len(_SYLLABLES)
    name = _text(_PREFIXES, rng.integers(0, len(_PREFIXES), n))
    for options in (k, k, 3 * k):  # a third syllable for one firm in three (index k: none)
        name = name + _text(np.append(_SYLLABLES, ""), np.minimum(rng.integers(0, options, n), k))
    words = _WORDS.shape[1]
    name = name + _text(_WORDS.ravel(), prof * words + rng.integers(0, words, n))
    return name + _text(_SUFFIXES, rng.integers(0, len(_SUFFIXES), n))
