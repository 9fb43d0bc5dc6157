"""A 2-pillar composite index of five units, shared by the engine and export tests: per mu
taxes with one far point (winsorised), revenue with a gap imputed by park mean, energy with a
gap that cannot be imputed (its pillar has no data for that unit)."""

from __future__ import annotations

import pandas as pd
from conftest import HEADER, YEAR, credit_code

INDEX = (
    HEADER
    + """
[[class]]
code = "index"
label = "综合指数"
aggregate = "mean"
treat = { method = "winsorise" }

  [[class.group]]
  code = "econ"
  label = "经济"
  weight = 1

  [[class.group]]
  code = "green"
  label = "绿色"
  weight = 1

  [[class.indicator]]
  code = "tax"
  label = "亩均税收"
  formula = "tax_paid"
  denominator = "land_mu"
  parent = "econ"
  weight = 1
  score = { method = "minmax" }

  [[class.indicator]]
  code = "rev"
  label = "亩均营收"
  formula = "revenue"
  denominator = "land_mu"
  parent = "econ"
  weight = 1
  score = { method = "minmax" }
  missing = "impute"
  impute = { stat = "mean", by = "park" }

  [[class.indicator]]
  code = "energy"
  label = "亩均能耗"
  formula = "energy_tce"
  denominator = "land_mu"
  parent = "green"
  weight = 1
  direction = "lower"
  score = { method = "minmax" }
  missing = "impute"
  impute = { stat = "mean", by = "park" }

  [class.tiers]
  method = "quota"
  shares = { A = 0.2, B = 0.8 }
"""
)


def units(**columns: list[object]) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base: dict[str, list[object]] = {
        "credit_code": [credit_code(i) for i in range(n)],
        "year": [YEAR] * n,
        "land_owned_mu": [2.0] * n,
    }
    base.update(columns)
    return pd.DataFrame(base)


FIVE = units(
    park=["P", "P", "Q", "Q", "R"],
    tax_paid=[2.0, 4.0, 6.0, 8.0, 200.0],  # ÷ 2 亩: 1, 2, 3, 4, 100
    revenue=[20.0, None, 60.0, 80.0, 40.0],  # ÷ 2: 10, –, 30, 40, 20
    energy_tce=[2.0, 4.0, 8.0, 6.0, None],  # ÷ 2: 1, 2, 4, 3, – (park R has no value)
)
