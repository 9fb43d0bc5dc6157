"""The demo county's method (固镇 2022, `data/anhui-guzhen-2022.toml`) written out by hand in
plain vectorised numpy: the yardstick `mujun bench` times `evaluate` against.

It reads the same canonical frame and must give the same statuses, scores and tiers; what it
leaves out is what the engine does besides (issues, reasons, benchmarks, the results table).
It knows nothing of other rules files: every number below is the guzhen file's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

YEAR = 2022
EVALUATED, EXEMPT, DEFERRED, REJECTED = 0, 1, 2, 3
# (indicator, numerator, denominator, weight) per class, in the rules' order
ABOVE = (
    ("tax_per_mu", "tax_paid", "land_mu", 30.0),
    ("revenue_per_mu", "revenue", "land_mu", 20.0),
    ("tech_investment_per_mu", "tech_investment", "land_mu", 15.0),
    ("revenue_per_energy", "revenue", "energy_tce", 15.0),
    ("rd_intensity", "rd_expense", "revenue", 10.0),
    ("labour_productivity", "value_added", "employees", 10.0),
)
BELOW = (
    ("tax_per_mu", "tax_paid", "land_mu", 70.0),
    ("revenue_per_mu", "revenue", "land_mu", 30.0),
)
CAP = 1.5
CUMULATIVE_PERCENT = (20, 65, 95, 100)  # A, B, C, D: cumulative shares
NON_NEGATIVE = ("revenue", "tech_investment", "energy_tce", "rd_expense", "employees")
VETO = ("safety_incident", "env_violation", "food_safety_incident", "energy_target_missed")
PROTECT = ("new_to_scale", "major_project")


@dataclass(frozen=True)
class Graded:
    """Per row: status (0 evaluated, 1 exempt, 2 deferred, 3 rejected), total score and tier
    (0 = A … 3 = D; -1 unless evaluated), and each indicator's item score."""

    status: np.ndarray
    total: np.ndarray
    tier: np.ndarray
    scores: dict[str, np.ndarray]


def grade(frame: pd.DataFrame) -> Graded:
    """The 固镇 method on every row of a canonical frame (valid codes, one year)."""
    n = len(frame)

    def num(name: str) -> np.ndarray:
        if name not in frame:
            return np.full(n, np.nan)
        return frame[name].to_numpy(dtype=float, na_value=np.nan)

    def flag(name: str) -> np.ndarray:
        return frame[name].to_numpy(dtype=bool) if name in frame else np.zeros(n, dtype=bool)

    parts = np.vstack([num("land_owned_mu"), num("land_leased_mu"), -num("land_let_mu")])
    known = ~np.isnan(parts)
    cols = {
        name: num(name)
        for name in (
            "tax_paid",
            "revenue",
            "tech_investment",
            "energy_tce",
            "rd_expense",
            "value_added",
            "employees",
        )
    }
    cols["land_mu"] = np.where(known.any(axis=0), np.where(known, parts, 0.0).sum(axis=0), np.nan)
    at, distinct = pd.factorize(frame["industry_code"].astype("string").str.strip())
    heads = np.array(
        [
            float(c[:2]) if 2 <= len(c) <= 4 and c.isdigit() and c.isascii() else np.nan
            for c in distinct
        ]
        + [np.nan]
    )  # a loop over the few distinct codes, not over firms
    heads[(heads < 1) | (heads > 97)] = np.nan
    division = heads[at]  # at = -1 (no code) takes the last: NaN
    born = frame["established"].to_numpy(dtype="datetime64[D]")
    end = np.datetime64(f"{YEAR}-12-31", "D")
    age = np.where(np.isnat(born), np.nan, (end - born).astype(float)) / 365.25
    above = flag("above_scale")

    status = np.full(n, -1, dtype=np.int8)

    def decide(mask: np.ndarray, value: int) -> None:
        status[mask & (status == -1)] = value

    decide((division >= 44) & (division <= 46), EXEMPT)
    decide(division == 16, EXEMPT)
    decide((division < 6) | (division > 46), EXEMPT)
    decide(flag("public_interest"), EXEMPT)
    decide(age < 2, DEFERRED)
    decide(~above & (cols["land_mu"] < 5), EXEMPT)
    veto = np.logical_or.reduce([flag(f) for f in VETO])
    protect = (flag(PROTECT[0]) | flag(PROTECT[1]) | (age < 3)) & ~veto
    total = np.full(n, np.nan)
    tier = np.full(n, -1, dtype=np.int8)
    scores: dict[str, np.ndarray] = {}
    for in_class, indicators in ((above, ABOVE), (~above, BELOW)):
        needed = {"land_mu", *(x for _, a, b, _ in indicators for x in (a, b))}
        members = in_class & (status == -1)
        bad = members & ~(cols["land_mu"] > 0)
        for name in sorted(needed & set(NON_NEGATIVE)):
            bad |= members & (cols[name] < 0)
        decide(bad, REJECTED)
        idx = np.flatnonzero(in_class & (status == -1))
        points = np.zeros(len(idx))
        for code_, a, b, weight in indicators:
            top, bottom = cols[a][idx], cols[b][idx]
            with np.errstate(all="ignore"):
                value = np.where(bottom == 0, np.nan, top / np.where(bottom == 0, 1.0, bottom))
            value = np.where(np.isfinite(value), value, np.nan)
            x = np.where(value < 0, 0.0, value)
            use = ~np.isnan(x) & np.isfinite(top) & np.isfinite(bottom)
            den = float(np.sum(bottom[use])) if use.any() else 0.0
            pooled = float(np.sum(top[use])) / den if den > 0 else np.nan
            usable = np.isfinite(pooled) and pooled > 0
            with np.errstate(all="ignore"):
                item = np.clip(x / pooled, -np.inf, CAP) * weight if usable else np.zeros(len(x))
            item = np.where(np.isnan(item), 0.0, item)  # missing: 0 points
            scores.setdefault(code_, np.full(n, np.nan))[idx] = item
            points += item
        total[idx] = points
        key = np.round(points, 9)
        order = np.argsort(-key)
        ranked = -key[order]
        first = np.r_[True, ranked[1:] != ranked[:-1]]
        rank = np.empty(len(idx), dtype=np.int64)
        rank[order] = np.maximum.accumulate(np.where(first, np.arange(1, len(idx) + 1), 0))
        share = np.asarray(CUMULATIVE_PERCENT, dtype=np.int64)
        bounds = (share * len(idx) * 2 + 100) // 200  # × n / 100, rounded half up, exactly
        t = np.searchsorted(bounds, rank, side="left").astype(np.int8)
        t = np.where(protect[idx] & (t > 2), 2, t)  # protections first, then vetoes
        t = np.where(veto[idx] & (t < 2), 2, t)
        tier[idx] = t
        graded = np.zeros(n, dtype=bool)
        graded[idx] = True
        decide(graded, EVALUATED)
    decide(np.ones(n, dtype=bool), EXEMPT)  # in no class
    return Graded(status, total, tier, scores)
