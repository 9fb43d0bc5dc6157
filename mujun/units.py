"""Unit conversion to the canonical units: 万元, 亩, 吨标准煤 (tce).

Energy coefficients follow GB/T 2589 (DOMAIN §5); a rules file may override each of them (for
example electricity at the region's 等价值 instead of the 当量值).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

MU_PER_M2 = 15 / 10000  # 1 亩 = 10000/15 m²
MU_PER_HECTARE = 15.0

# For each canonical unit of a field: the units a department may write in a header, and the
# factor that turns a value in that unit into the canonical unit.
UNIT_FACTORS: dict[str, dict[str, float]] = {
    "万元": {"元": 1e-4, "千元": 1e-1, "万元": 1.0, "亿元": 1e4},
    "亩": {
        "亩": 1.0,
        "平方米": MU_PER_M2,
        "m2": MU_PER_M2,
        "㎡": MU_PER_M2,
        "公顷": MU_PER_HECTARE,
    },
    "平方米": {"平方米": 1.0, "m2": 1.0, "㎡": 1.0, "亩": 1 / MU_PER_M2, "公顷": 10000.0},
    "千瓦时": {"千瓦时": 1.0, "度": 1.0, "kwh": 1.0, "万千瓦时": 1e4, "万度": 1e4},
    "吨标准煤": {"吨标准煤": 1.0, "吨标煤": 1.0, "tce": 1.0, "万吨标准煤": 1e4, "千克标准煤": 1e-3},
    "吨": {"吨": 1.0, "t": 1.0, "千克": 1e-3, "公斤": 1e-3, "kg": 1e-3, "万吨": 1e4},
    "立方米": {"立方米": 1.0, "m3": 1.0, "万立方米": 1e4},
    "人": {"人": 1.0},
    "百万千焦": {"百万千焦": 1.0, "gj": 1.0, "吉焦": 1.0},
}


def unit_factor(canonical: str, written: str) -> float | None:
    """Factor from the unit a header states to the field's canonical unit; None if not one of
    that field's units (a header stating 元 for a field in 人, say)."""
    written = written.strip().lower().replace(" ", "")
    return UNIT_FACTORS.get(canonical, {canonical: 1.0}).get(written)


# carrier field -> (coefficient key in [energy], default coefficient, natural units per kg-basis)
# tce = value × coefficient × scale / 1000, where scale turns the field's unit into the
# coefficient's denominator (tonnes → kg is 1000).
ENERGY_CARRIERS: dict[str, tuple[str, float, float]] = {
    "electricity_kwh": ("electricity_kgce_per_kwh", 0.1229, 1.0),
    "gas_m3": ("gas_kgce_per_m3", 1.2143, 1.0),
    "coal_t": ("coal_kgce_per_kg", 0.7143, 1000.0),
    "washed_coal_t": ("washed_coal_kgce_per_kg", 0.9000, 1000.0),
    "coke_t": ("coke_kgce_per_kg", 0.9714, 1000.0),
    "fuel_oil_t": ("fuel_oil_kgce_per_kg", 1.4286, 1000.0),
    "petrol_t": ("petrol_kgce_per_kg", 1.4714, 1000.0),
    "diesel_t": ("diesel_kgce_per_kg", 1.4571, 1000.0),
    "lpg_t": ("lpg_kgce_per_kg", 1.7143, 1000.0),
    "heat_gj": ("heat_kgce_per_gj", 34.12, 1.0),
}
DEFAULT_COEFFICIENTS: dict[str, float] = {key: c for key, c, _ in ENERGY_CARRIERS.values()}


def energy_tce(carriers: Mapping[str, np.ndarray], coefficients: Mapping[str, float]) -> np.ndarray:
    """Comprehensive energy use in tce from the carriers present.

    A firm's missing carriers count as zero when it reports at least one carrier; a firm that
    reports none gets NaN (unknown), never zero.
    """
    present = [c for c in ENERGY_CARRIERS if c in carriers]
    if not present:
        raise KeyError("no energy carrier columns")
    n = len(carriers[present[0]])
    total = np.zeros(n)
    reported = np.zeros(n, dtype=bool)
    for field in present:
        key, _, scale = ENERGY_CARRIERS[field]
        values = np.asarray(carriers[field], dtype=float)
        known = ~np.isnan(values)
        shown = np.where(known, values, 0.0)
        shown *= coefficients[key] * scale / 1000.0
        total += shown
        reported |= known
    total[~reported] = np.nan
    return total


def sum_known(parts: list[np.ndarray], minus: list[np.ndarray] | None = None) -> np.ndarray:
    """Element-wise Σ parts − Σ minus, a missing (NaN) part counting as 0 where at least one
    part is known, else NaN. Added in order into one array: no temporary per part."""
    terms: list[tuple[np.ndarray, np.ufunc]] = [(np.asarray(p, dtype=float), np.add) for p in parts]
    terms += [(np.asarray(p, dtype=float), np.subtract) for p in minus or []]
    if not terms:
        raise ValueError("no parts to add")
    first, sign = terms[0]
    reported = ~np.isnan(first)
    total = np.where(reported, first, 0.0)
    if sign is np.subtract:
        np.negative(total, out=total)
    complete = reported.copy()
    for values, operation in terms[1:]:
        known = ~np.isnan(values)
        operation(total, values, out=total, where=known)
        reported |= known
        complete &= known
    # a missing part is a +0.0 in the sum: a zero total where one is missing is +0.0, not -0.0
    total[~complete & (total == 0)] = 0.0
    total[~reported] = np.nan
    return total
