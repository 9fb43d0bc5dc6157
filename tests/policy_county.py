"""A small county for the policy tests: eight firms on 10 亩 whose tax is their score, tiered by
score lines, and the tiers of three earlier years (a broken run among them)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from conftest import YEAR, credit_code, indicator_toml, one_class_text

from mujun import Rules, parse_rules

# 亩均税收 / 10 × 100 (cap 2): on 10 亩 the score is the tax itself
TAX = indicator_toml(
    "tax_per_mu", "tax_paid / land_mu", 100, 'method = "ratio", benchmark = 10.0, cap = 2.0'
)
THRESHOLD = """
  [class.tiers]
  method = "threshold"
  minimum = { A = 150, B = 100, C = 50 }
  below = "D"
"""
SURCHARGE = """
[[policy]]
code = "power_surcharge"
label = "差别化电价加价"
tier = "D"
field = "electricity_kwh"
rates = [0.05, 0.10, 0.15]
source = "本地自定（测试）"
account = "power_account"
body = "供电公司"
"""


def rules_with(*policies: str) -> Rules:
    return parse_rules(one_class_text(TAX, tiers=THRESHOLD) + "".join(policies))


# tax → tier on 10 亩: ≥150 A, ≥100 B, ≥50 C, else D
COUNTY = [
    # tax, kWh, park
    (10.0, 100_000.0, "东园"),  # 0: D; D in 2022, 2021, 2020 → 4 years → 0.15
    (20.0, 200_000.0, "东园"),  # 1: D; D in 2022, C in 2021 → 2 years → 0.10
    (30.0, 300_000.0, "西园"),  # 2: D; no row in 2022 (the run breaks), D in 2021 → 1 → 0.05
    (40.0, 400_000.0, "西园"),  # 3: D; never before → 1 → 0.05
    (45.0, 50_000.0, "西园"),  # 4: D; D in 2022 and 2021 → 3 → 0.15
    (60.0, 1_000.0, "东园"),  # 5: C (D in 2022: another tier) → 1, no surcharge
    (160.0, 1_000.0, "东园"),  # 6: A
    (25.0, np.nan, "东园"),  # 7: D without kWh → NaN and a warning
]
PAST = [  # (firm, year, tier)
    (0, YEAR - 1, "D"),
    (0, YEAR - 2, "D"),
    (0, YEAR - 3, "D"),
    (1, YEAR - 1, "D"),
    (1, YEAR - 2, "C"),
    (1, YEAR - 3, "D"),
    (2, YEAR - 2, "D"),
    (4, YEAR - 1, "D"),
    (4, YEAR - 2, "D"),
    (5, YEAR - 1, "D"),
]


def county(**extra: list[Any]) -> pd.DataFrame:
    n = len(COUNTY)
    frame = pd.DataFrame(
        {
            "credit_code": [credit_code(i) for i in range(n)],
            "year": [YEAR] * n,
            "name": [f"企业{i}" for i in range(n)],
            "park": [p for _, _, p in COUNTY],
            "above_scale": [True] * n,
            "land_owned_mu": [10.0] * n,
            "tax_paid": [t for t, _, _ in COUNTY],
            "electricity_kwh": [k for _, k, _ in COUNTY],
            "power_account": [f"37{i:08d}" for i in range(n)],
        }
    )
    for key, values in extra.items():
        frame[key] = values
    return frame


def past_tiers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "credit_code": [credit_code(i) for i, _, _ in PAST],
            "year": [y for _, y, _ in PAST],
            "class": "above_scale",
            "tier": [t for _, _, t in PAST],
        }
    )
