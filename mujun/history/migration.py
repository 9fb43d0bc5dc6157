"""History across archived years: tier migration, firms new or gone, consecutive years in a tier.

`history(tiers)` takes the frame `Archive.tiers(region)` gives (credit_code, year, class,
status, tier) and looks at evaluated firms only. Years are calendar years: 2020→2021 is a pair,
2020→2022 (a year not archived between) is none, and a year missing breaks a run of
consecutive years. A migration matrix of a class counts the firms evaluated in that class in
both years, so its rows add up to them; an evaluated firm without a tier counts as 未分档.
A firm evaluated in the later year but not (in that class) in the earlier one is new, the other
way round gone. `consecutive` is, for each firm, the tier of the latest year it was evaluated
and how many calendar years up to then, without a gap, it held that tier.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..engine.evaluation import UNTIERED

ARROW = "→"
MIGRATION_COLUMNS = ["class", "year_a", "year_b", "tier_a", "tier_b", "firms", "share"]
FLOW_COLUMNS = ["class", "year_a", "year_b", "both", "new", "gone"]
CONSECUTIVE_COLUMNS = ["credit_code", "class", "year", "tier", "years"]


@dataclass(frozen=True)
class History:
    """What an archive tells across years (see the module docstring).

    migration: one row per class, pair of years and tiers (zeros included), `share` of the
      row (tier_a) total. flows: per class and pair, firms in both years, new and gone, with
      `new_codes`/`gone_codes`. consecutive: one row per firm. tiers: the evaluated rows read.
    """

    migration: pd.DataFrame
    flows: pd.DataFrame
    consecutive: pd.DataFrame
    tiers: pd.DataFrame
    order: tuple[str, ...]

    @property
    def years(self) -> list[int]:
        """The archived years with evaluated firms, oldest first."""
        return sorted(int(y) for y in self.tiers["year"].unique())

    def classes(self) -> list[str]:
        """The classes with evaluated firms, in order of first appearance."""
        return list(dict.fromkeys(self.tiers["class"].astype(str)))

    def pairs(self) -> list[tuple[int, int]]:
        """The consecutive calendar years both archived."""
        years = self.years
        return [(a, a + 1) for a in years if a + 1 in years]

    def matrix(self, klass: str, year_a: int, shares: bool = False) -> pd.DataFrame:
        """The migration matrix year_a → year_a + 1 of a class: tiers of year_a as rows, of
        the next year as columns; counts, or with `shares` each row's shares."""
        mine = self.migration[
            (self.migration["class"] == klass) & (self.migration["year_a"] == year_a)
        ]
        value = "share" if shares else "firms"
        table = mine.pivot(index="tier_a", columns="tier_b", values=value)
        tiers = [t for t in self.order if t in table.index or t in table.columns]
        return table.reindex(index=tiers, columns=tiers, fill_value=0)

    def of_firm(self) -> pd.DataFrame:
        """One row per firm, one column per archived year (its tier; NA when it was not
        evaluated), then the consecutive years in its latest tier."""
        wide = self.tiers.pivot_table(
            index="credit_code", columns="year", values="tier", aggfunc="first"
        )
        wide = wide.reindex(columns=self.years)
        wide.columns = [str(y) for y in wide.columns]
        latest = self.consecutive.set_index("credit_code")
        out = wide.join(latest[["class", "tier", "years"]], how="left")
        return out.reset_index().sort_values(["class", "credit_code"], kind="stable")

    def to_json(self) -> dict[str, Any]:
        """DESIGN §7: {"migration": {class: {"a→b": {tier_a: {tier_b: count}}}},
        "consecutive": {code: {"tier", "years", "year"}}, "new"/"gone": {class: {"a→b":
        [codes]}}}."""
        migration: dict[str, dict[str, dict[str, dict[str, int]]]] = {}
        for row in self.migration.itertuples(index=False):  # rows of matrices, not firms
            pair = f"{row.year_a}{ARROW}{row.year_b}"
            cell = migration.setdefault(str(row[0]), {}).setdefault(pair, {})
            cell.setdefault(str(row.tier_a), {})[str(row.tier_b)] = int(row.firms)
        cons = self.consecutive
        consecutive = {
            str(code): {"tier": str(tier), "years": int(years), "year": int(year)}
            for code, tier, years, year in zip(
                cons["credit_code"], cons["tier"], cons["years"], cons["year"], strict=True
            )
        }
        moves: dict[str, dict[str, dict[str, list[str]]]] = {"new": {}, "gone": {}}
        for row in self.flows.itertuples(index=False):
            pair = f"{row.year_a}{ARROW}{row.year_b}"
            for kind in ("new", "gone"):
                codes = list(getattr(row, f"{kind}_codes"))
                moves[kind].setdefault(str(row[0]), {})[pair] = codes
        return {"migration": migration, "consecutive": consecutive, **moves}


def tier_order(tiers: pd.Series, order: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The tiers to show: `order` first, then the others sorted, 不定等级 (U) and 未分档 last."""
    found = set(tiers.dropna().astype(str))
    last = [t for t in ("U", UNTIERED) if t in found and t not in order]
    rest = sorted(found - set(order) - set(last))
    return (*order, *rest, *last)


def history(tiers: pd.DataFrame, order: tuple[str, ...] = ()) -> History:
    """History from (credit_code, year, class, status, tier) rows of several years; `order`
    gives the tiers best first (default: sorted, so A, B, C, D)."""
    done = tiers[(tiers["status"].astype("string") == "evaluated") & tiers["credit_code"].notna()]
    frame = pd.DataFrame(
        {
            "credit_code": done["credit_code"].astype(str).to_numpy(),
            "year": done["year"].astype("int64").to_numpy(),
            "class": done["class"].astype("string").fillna("").astype(str).to_numpy(),
            "tier": done["tier"].astype("string").fillna(UNTIERED).astype(str).to_numpy(),
        }
    ).drop_duplicates(["credit_code", "year"], keep="first")
    shown = tier_order(frame["tier"], order)
    years = sorted(frame["year"].unique())
    migration, flows = [], []
    for year_a in years:  # a loop over years and classes
        if year_a + 1 not in years:
            continue
        a = frame[frame["year"] == year_a]
        b = frame[frame["year"] == year_a + 1]
        for klass in dict.fromkeys([*a["class"], *b["class"]]):
            mig, flow = _pair(a[a["class"] == klass], b[b["class"] == klass], shown)
            migration.append(mig.assign(**{"class": klass, "year_a": year_a}))
            flows.append({"class": klass, "year_a": year_a, "year_b": year_a + 1, **flow})
    migration_frame = (
        pd.concat(migration, ignore_index=True).assign(year_b=lambda f: f["year_a"] + 1)
        if migration
        else pd.DataFrame(columns=MIGRATION_COLUMNS)
    )[MIGRATION_COLUMNS]
    flow_frame = pd.DataFrame(flows, columns=[*FLOW_COLUMNS, "new_codes", "gone_codes"])
    return History(migration_frame, flow_frame, _consecutive(frame), frame, shown)


def _pair(a: pd.DataFrame, b: pd.DataFrame, shown: tuple[str, ...]) -> tuple[pd.DataFrame, dict]:
    """One class's matrix (long form, zeros included) and flows between two years."""
    both = a.merge(b, on="credit_code", suffixes=("_a", "_b"))
    present = set(a["tier"]) | set(b["tier"])
    tiers = [t for t in shown if t in present]
    counts = pd.crosstab(both["tier_a"], both["tier_b"]).reindex(
        index=tiers, columns=tiers, fill_value=0
    )
    totals = counts.sum(axis=1)
    shares = counts.div(totals.where(totals > 0), axis=0).fillna(0.0)
    long = counts.stack().rename("firms").reset_index()
    long.columns = ["tier_a", "tier_b", "firms"]
    long["share"] = shares.stack().to_numpy(dtype=float)
    new = b.loc[~b["credit_code"].isin(a["credit_code"]), "credit_code"]
    gone = a.loc[~a["credit_code"].isin(b["credit_code"]), "credit_code"]
    flow = {
        "both": len(both),
        "new": len(new),
        "gone": len(gone),
        "new_codes": sorted(new),
        "gone_codes": sorted(gone),
    }
    return long.astype({"firms": "int64"}), flow


def _consecutive(frame: pd.DataFrame) -> pd.DataFrame:
    """Per firm: the class and tier of its latest evaluated year and the calendar years in a
    row, up to then, in that tier."""
    if not len(frame):
        return pd.DataFrame(columns=CONSECUTIVE_COLUMNS)
    first, last = int(frame["year"].min()), int(frame["year"].max())
    codes, at = np.unique(frame["credit_code"].to_numpy(dtype=str), return_inverse=True)
    tier_codes, tier_at = np.unique(frame["tier"].to_numpy(dtype=str), return_inverse=True)
    grid = np.full((len(codes), last - first + 1), -1, dtype=np.int64)
    col = frame["year"].to_numpy(dtype=np.int64) - first
    grid[at, col] = tier_at
    latest = grid.shape[1] - 1 - np.argmax((grid >= 0)[:, ::-1], axis=1)
    rows = np.arange(len(codes))
    tier = grid[rows, latest]
    years = np.zeros(len(codes), dtype=np.int64)
    alive = np.ones(len(codes), dtype=bool)
    for back in range(grid.shape[1]):  # a loop over years
        where = latest - back
        alive &= where >= 0
        alive[alive] &= grid[rows[alive], where[alive]] == tier[alive]
        years += alive
    klass = (
        frame.assign(_col=col)
        .sort_values("_col")
        .drop_duplicates("credit_code", keep="last")
        .set_index("credit_code")["class"]
        .reindex(codes)
    )
    return pd.DataFrame(
        {
            "credit_code": codes,
            "class": klass.to_numpy(dtype=object),
            "year": latest + first,
            "tier": tier_codes[tier],
            "years": years,
        }
    )[CONSECUTIVE_COLUMNS]
