"""Regenerate firms_2022.csv: 60 invented firms of a fictional county, canonical field codes.

Run from this folder: python make_example.py  (deterministic: seed 2022).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mujun.codes import credit_check_char

rng = np.random.default_rng(2022)
N = 60
PARKS = ["蚌埠铜陵现代产业园", "固镇经济开发区", "连城镇"]
INDUSTRIES = ["1391", "1495", "2652", "3311", "3484", "3825", "1511", "2927"]


def credit_code(i: int) -> str:
    body = f"91340323MA2{i:06d}"
    return body + credit_check_char(body)


land = np.round(rng.lognormal(3.0, 0.9, N), 2)
revenue = np.round(land * rng.lognormal(6.1, 0.7, N), 1)
above = revenue >= 2000
frame = pd.DataFrame(
    {
        "credit_code": [credit_code(i) for i in range(N)],
        "year": 2022,
        "name": [f"示例{i:02d}科技有限公司" for i in range(N)],
        "park": rng.choice(PARKS, N),
        "industry_code": rng.choice(INDUSTRIES, N),
        "above_scale": np.where(above, "是", "否"),
        "established": pd.to_datetime("2008-01-01")
        + pd.to_timedelta(rng.integers(0, 4800, N), unit="D"),
        "land_owned_mu": land,
        "tax_paid": np.round(revenue * rng.uniform(0.01, 0.05, N), 2),
        "revenue": revenue,
        "value_added": np.round(revenue * rng.uniform(0.15, 0.3, N), 1),
        "energy_tce": np.round(revenue * rng.uniform(0.01, 0.12, N), 1),
        "rd_expense": np.round(revenue * rng.uniform(0.0, 0.05, N), 1),
        "tech_investment": np.round(land * rng.uniform(0, 20, N), 1),
        "employees": np.maximum(5, np.round(revenue / rng.uniform(40, 120, N))).astype(int),
        "safety_incident": "",
        "env_violation": "",
        "food_safety_incident": "",
        "energy_target_missed": "",
        "new_to_scale": "",
        "major_project": "",
        "public_interest": "",
    }
)
frame["established"] = frame["established"].dt.strftime("%Y-%m-%d")
# situations the rules must handle, on purpose (rows 1–8 are made 规上 so that each meets the
# check it is meant for rather than the 5-mu line of 规下 firms)
frame.loc[1:8, "above_scale"] = "是"
frame.loc[1:8, "land_owned_mu"] = np.maximum(frame.loc[1:8, "land_owned_mu"], 8.0)
frame.loc[1, "industry_code"] = "4411"  # a utility: exempt
frame.loc[2, "established"] = "2022-03-15"  # under two years old: deferred
frame.loc[3, "tax_paid"] = frame["tax_paid"].max() * 2  # the best firm, but vetoed: at most C
frame.loc[3, "safety_incident"] = "是"
frame.loc[4, ["tax_paid", "revenue", "tech_investment"]] = [0.5, 2100.0, 0.0]  # last, but
frame.loc[4, "new_to_scale"] = "是"  # new to scale (小升规): protected from D
frame.loc[5, "credit_code"] = "91340323MA2000O05"  # wrong length and a letter O: rejected
frame.loc[6, "land_owned_mu"] = 0  # no land: rejected
frame["tax_paid"] = frame["tax_paid"].astype(object)
frame.loc[7, "tax_paid"] = "待核实"  # not a number: rejected
frame.loc[9, ["above_scale", "land_owned_mu"]] = ["否", 3.2]  # 规下 below 5 亩: exempt
frame.to_csv("firms_2022.csv", index=False, encoding="utf-8-sig")
