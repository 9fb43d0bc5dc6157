"""The uncertainty analysis with `[units]`: members of a merged unit carry their unit's tier in
every sample, tenants their owner's; the fast path equals full evaluations of the samples."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import YEAR, credit_code, indicator_toml, one_class_text

from mujun import evaluate, parse_rules
from mujun.engine.uncertainty import sampled_tiers

TWO = indicator_toml(
    "tax_per_mu", "tax_paid / land_mu", 60, 'method = "ratio", benchmark = "mean", cap = 2.0'
) + indicator_toml("revenue_per_mu", "revenue / land_mu", 40, 'method = "minmax"')
QUOTA = """
  [class.tiers]
  method = "quota"
  shares = { A = 0.2, B = 0.5, C = 0.3 }
"""
VETO = """
  [[class.tiers.rule]]
  when = "safety_incident"
  at_most = "B"
  reason = "发生安全事故：不得评为A类"
"""
CHOICES = """
[uncertainty]
samples = 30
seed = 2
cap = true
shares = 0.1
benchmark = ["mean", "median"]
"""


def frame(n: int = 40, seed: int = 0, **columns: Any) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    base: dict[str, Any] = {
        "credit_code": [credit_code(i) for i in range(n)],
        "year": [YEAR] * n,
        "name": [f"企业{i}" for i in range(n)],
        "above_scale": [True] * n,
        "land_owned_mu": rng.integers(5, 40, n).astype(float),
        "tax_paid": rng.lognormal(4, 1, n).round(1),
        "revenue": rng.lognormal(7, 1, n).round(1),
        "safety_incident": rng.random(n) < 0.15,
    }
    base.update(columns)
    return pd.DataFrame(base)


def groups(n: int) -> list[str | None]:
    # units of two: firms 0–1, 4–5, 8–9, …; the rest alone
    return [f"G{i // 4}" if i % 4 < 2 else None for i in range(n)]


@pytest.mark.parametrize("veto", ["", VETO])
def test_merged_units_carry_their_tier_and_the_fast_path_is_exact(veto: str) -> None:
    rules = parse_rules(
        one_class_text(TWO, tiers=QUOTA + veto) + '\n[units]\nmerge_by = "group_code"\n' + CHOICES
    )
    table = frame(group_code=groups(40))
    ev = evaluate(table, rules)
    fast = sampled_tiers(ev)
    exact = sampled_tiers(ev, exact=True)
    assert np.array_equal(fast.tier, exact.tier) and np.array_equal(fast.rank, exact.rank)
    rows = fast.layout.rows
    unit = ev.results["unit"].to_numpy(dtype=object, na_value="")[rows]
    # a tier rule reading a field of merged units: the lead was tiered on the unit's figures,
    # which the evaluation does not keep, so every sample is evaluated in full
    assert fast.path == ("exact" if veto else "fast")
    for g in ("G0", "G1", "G5"):  # both members of a unit: the same tier in every sample
        at = np.flatnonzero(unit == g)
        assert len(at) == 2
        assert np.array_equal(fast.tier[:, at[0]], fast.tier[:, at[1]])


def test_tenants_follow_their_owner_in_every_sample() -> None:
    n = 30
    parcel: list[str | None] = [f"P{i // 3}" if i < 12 else None for i in range(n)]
    owned = [np.nan if i < 12 and i % 3 else float(10 + i) for i in range(n)]
    leased = [5.0 if i < 12 and i % 3 else np.nan for i in range(n)]
    rules = parse_rules(
        one_class_text(TWO, tiers=QUOTA) + '\n[units]\nfollow = "parcel_id"\n' + CHOICES
    )
    table = frame(n, seed=3, parcel_id=parcel, land_owned_mu=owned, land_leased_mu=leased)
    ev = evaluate(table, rules)
    assert ev.results["tier_reason"].astype(str).str.startswith("承租宗地").sum() == 8
    fast = sampled_tiers(ev)
    exact = sampled_tiers(ev, exact=True)
    assert fast.path == "fast"
    assert np.array_equal(fast.tier, exact.tier) and np.array_equal(fast.rank, exact.rank)
    rows = list(fast.layout.rows)
    owner, tenant = rows.index(0), rows.index(1)  # firm 1 rents on P0, owned by firm 0
    assert np.array_equal(fast.tier[:, owner], fast.tier[:, tenant])
