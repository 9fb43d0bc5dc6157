"""Unit conversion: money, area and energy (GB/T 2589 coefficients to tce)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mujun.units import DEFAULT_COEFFICIENTS, energy_tce, sum_known, unit_factor

nan = np.nan


def arr(*values: float) -> np.ndarray:
    return np.array(values, dtype=float)


def test_electricity_equivalent_value() -> None:
    # 1,000,000 kWh × 0.1229 kgce/kWh = 122,900 kgce = 122.9 tce
    got = energy_tce({"electricity_kwh": arr(1_000_000)}, DEFAULT_COEFFICIENTS)
    np.testing.assert_allclose(got, [122.9])


def test_raw_coal() -> None:
    # 100 t = 100,000 kg × 0.7143 kgce/kg = 71,430 kgce = 71.43 tce
    got = energy_tce({"coal_t": arr(100)}, DEFAULT_COEFFICIENTS)
    np.testing.assert_allclose(got, [71.43])


@pytest.mark.parametrize(
    ("field", "amount", "tce"),
    [
        ("gas_m3", 10_000, 12.143),  # 10,000 m³ × 1.2143 kgce/m³ = 12,143 kgce
        ("washed_coal_t", 10, 9.0),  # 10,000 kg × 0.9000
        ("coke_t", 10, 9.714),  # 10,000 kg × 0.9714
        ("fuel_oil_t", 10, 14.286),  # 10,000 kg × 1.4286
        ("petrol_t", 10, 14.714),  # 10,000 kg × 1.4714
        ("diesel_t", 10, 14.571),  # 10,000 kg × 1.4571
        ("lpg_t", 10, 17.143),  # 10,000 kg × 1.7143
        ("heat_gj", 1_000, 34.12),  # 1,000 GJ × 34.12 kgce/GJ = 34,120 kgce
    ],
)
def test_each_carrier(field: str, amount: float, tce: float) -> None:
    got = energy_tce({field: arr(amount)}, DEFAULT_COEFFICIENTS)
    np.testing.assert_allclose(got, [tce])


def test_carriers_add_up() -> None:
    # 1,000,000 kWh → 122.9; 100 t coal → 71.43; 10,000 m³ gas → 12.143: 206.473 tce
    got = energy_tce(
        {"electricity_kwh": arr(1_000_000), "coal_t": arr(100), "gas_m3": arr(10_000)},
        DEFAULT_COEFFICIENTS,
    )
    np.testing.assert_allclose(got, [206.473])


def test_region_coefficient_overrides_default() -> None:
    # 等价值 0.2808 kgce/kWh: 1,000,000 kWh → 280.8 tce
    coefficients = {**DEFAULT_COEFFICIENTS, "electricity_kgce_per_kwh": 0.2808}
    got = energy_tce({"electricity_kwh": arr(1_000_000)}, coefficients)
    np.testing.assert_allclose(got, [280.8])


def test_missing_carriers() -> None:
    # firm 0 reports only electricity (coal counts as 0): 122.9
    # firm 1 reports only coal: 71.43; firm 2 reports nothing: unknown, never 0
    got = energy_tce(
        {"electricity_kwh": arr(1_000_000, nan, nan), "coal_t": arr(nan, 100, nan)},
        DEFAULT_COEFFICIENTS,
    )
    np.testing.assert_allclose(got[:2], [122.9, 71.43])
    assert np.isnan(got[2])


def test_zero_is_not_missing() -> None:
    got = energy_tce({"electricity_kwh": arr(0, nan)}, DEFAULT_COEFFICIENTS)
    assert got[0] == 0.0
    assert np.isnan(got[1])


def test_no_carrier_columns() -> None:
    with pytest.raises(KeyError):
        energy_tce({}, DEFAULT_COEFFICIENTS)


def test_unknown_columns_are_ignored() -> None:
    got = energy_tce({"electricity_kwh": arr(10_000), "water_t": arr(5)}, DEFAULT_COEFFICIENTS)
    np.testing.assert_allclose(got, [1.229])  # 10,000 × 0.1229 / 1000


def test_sum_known() -> None:
    # owned + leased − let, as land_mu is built: a missing part counts 0 unless all are missing
    owned = arr(10, nan, 10, nan)
    leased = arr(5, 3, nan, nan)
    let = arr(2, nan, nan, nan)
    got = sum_known([owned, leased], minus=[let])
    np.testing.assert_allclose(got[:3], [13, 3, 10])
    assert np.isnan(got[3])


def test_sum_known_single_part() -> None:
    got = sum_known([arr(1.5, nan)])
    assert got[0] == 1.5
    assert np.isnan(got[1])


def test_canonical_unit_factors() -> None:
    # 1 亩 = 10000/15 m²; 1 公顷 = 15 亩; 1 万元 = 10,000 元; 1 亿元 = 10,000 万元
    assert (10000 / 15) * unit_factor("亩", "平方米") == pytest.approx(1.0)
    assert unit_factor("亩", "公顷") == 15.0
    assert unit_factor("平方米", "亩") == pytest.approx(10000 / 15)
    assert 10_000 * unit_factor("万元", "元") == pytest.approx(1.0)
    assert unit_factor("万元", "亿元") == 10_000
    assert unit_factor("千瓦时", "万千瓦时") == 10_000
    assert unit_factor("千瓦时", "度") == 1.0
    assert unit_factor("吨标准煤", "吨标煤") == 1.0
    assert unit_factor("吨", "千克") == pytest.approx(0.001)
    assert unit_factor("万元", " KWh ") is None  # not a unit of money
    assert unit_factor("千瓦时", " KWh ") == 1.0  # case and spaces do not matter


def plain_sum(parts: list[np.ndarray]) -> np.ndarray:
    """The sum written plainly: each part with its missing values as +0.0, added in order."""
    shown = [np.where(np.isnan(p), 0.0, p) for p in parts]
    total = shown[0]
    for part in shown[1:]:
        total = total + part
    reported = np.logical_or.reduce([~np.isnan(p) for p in parts])
    return np.where(reported, total, np.nan)


column_st = st.lists(
    st.sampled_from([nan, 0.0, -0.0, 1.5, -1.5, 2.0, 1e300]), min_size=6, max_size=6
)


@settings(max_examples=300, deadline=None)
@given(plus=st.lists(column_st, min_size=1, max_size=3), minus=st.lists(column_st, max_size=2))
def test_sum_known_is_the_plain_sum_to_the_bit(
    plus: list[list[float]], minus: list[list[float]]
) -> None:
    got = sum_known([arr(*p) for p in plus], minus=[arr(*m) for m in minus])
    want = plain_sum([arr(*p) for p in plus] + [-arr(*m) for m in minus])
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert np.array_equal(got, want, equal_nan=True)
    known = ~np.isnan(want)
    assert np.array_equal(np.signbit(got[known]), np.signbit(want[known]))  # -0.0 is not +0.0
