"""Time `evaluate` on N synthetic firms under the demo county's six-indicator rules.

    python benchmarks/evaluate_scale.py --n 1000000 --repeat 5

Prints the median and each run's seconds. The table is built once (reading and coercion are not
timed); the firms are random but shaped like a county (land, revenue, tax, energy, flags).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

import mujun
from mujun.codes import CREDIT_ALPHABET, CREDIT_WEIGHTS

RULES = Path(__file__).resolve().parent.parent / "rules" / "anhui-guzhen-2022.toml"


def credit_codes(n: int) -> np.ndarray:
    """n distinct valid credit codes, computed with the GB 32100 weights (vectorised)."""
    body = np.char.add("91340300", np.char.zfill(np.arange(n).astype(str), 9))
    values = np.zeros(256, dtype=np.int64)
    for i, ch in enumerate(CREDIT_ALPHABET):
        values[ord(ch)] = i
    chars = body.astype("S17").view(np.uint8).reshape(-1, 17)
    check = (31 - (values[chars] @ CREDIT_WEIGHTS) % 31) % 31
    return np.char.add(body, np.array(list(CREDIT_ALPHABET))[check])


def county(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    land = rng.lognormal(3, 1, n)
    revenue = land * rng.lognormal(6, 0.7, n)
    return pd.DataFrame(
        {
            "credit_code": credit_codes(n),
            "year": 2022,
            "park": rng.choice(["蚌埠铜陵现代产业园", "固镇经济开发区", "连城镇"], n),
            "industry_code": rng.choice(["1391", "1495", "2652", "3311", "3484", "4411"], n),
            "above_scale": revenue >= 2000,
            "established": pd.Timestamp("2008-01-01")
            + pd.to_timedelta(rng.integers(0, 5000, n), unit="D"),
            "land_owned_mu": land,
            "tax_paid": revenue * rng.uniform(0.01, 0.05, n),
            "revenue": revenue,
            "value_added": revenue * rng.uniform(0.15, 0.3, n),
            "energy_tce": revenue * rng.uniform(0.01, 0.1, n),
            "rd_expense": revenue * rng.uniform(0, 0.05, n),
            "tech_investment": land * rng.uniform(0, 20, n),
            "employees": np.maximum(5, np.round(revenue / 80)),
            "safety_incident": rng.random(n) < 0.01,
            "new_to_scale": rng.random(n) < 0.02,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rules = mujun.load_rules(RULES)
    table = mujun.EnterpriseTable.from_frame(county(args.n))
    mujun.evaluate(table, rules)  # warm-up
    runs = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        mujun.evaluate(table, rules)
        runs.append(time.perf_counter() - start)
    shown = ", ".join(f"{r:.3f}" for r in runs)
    print(f"evaluate, {args.n} firms: median {statistics.median(runs):.3f} s ({shown})")


if __name__ == "__main__":
    main()
