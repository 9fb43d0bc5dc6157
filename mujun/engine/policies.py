"""Policies per tier (结果应用, DESIGN §6): consecutive years in the tier and each policy's amount
or label per firm, vectorised over the firms (loops run over policies and past years only).

`past_tiers` is a frame (credit_code, year, class, tier) of earlier years' tiers, as the archive
gives it. A firm's consecutive years in its tier are 1 + the unbroken run of the years just
before the rules' year in which it had the same tier; a year without a tier breaks the run.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ExpressionError, RulesError
from ..fields import label
from ..issues import issue_rows
from ..rules import Rules
from ..rules.policy import Policy

PAST_COLUMNS = ("credit_code", "year", "class", "tier")


_SPAN = 1 << 12  # the most years back a run is counted


def tier_years(results: pd.DataFrame, year: int, past: pd.DataFrame | None) -> pd.Series:
    """Per result row, the consecutive years in its current tier (Int64; NA where the row has
    no tier)."""
    tier = results["tier"].astype("string")
    has = (tier.notna() & (results["status"] == "evaluated")).to_numpy(dtype=bool)
    count = np.where(has, 1, 0).astype(np.int64)
    if past is not None and len(past) and has.any():
        missing = [c for c in PAST_COLUMNS if c not in past.columns and c != "class"]
        if missing:
            raise ValueError(f"past_tiers lacks the columns {missing}")
        count += _run(results["credit_code"], tier, has, year, past)
    return pd.Series(pd.arrays.IntegerArray(count, ~has), index=results.index)


def _run(codes: pd.Series, tier: pd.Series, has: np.ndarray, year: int, past: pd.DataFrame) -> Any:
    """The unbroken run of years just before `year` with each row's tier, over `past`: codes
    and tiers numbered once, each (firm, years back) a single integer key."""
    known = past.dropna(subset=["credit_code", "year", "tier"])
    back = year - pd.to_numeric(known["year"], errors="coerce").to_numpy(dtype=float)
    keep = (back >= 1) & (back < _SPAN)
    known, back = known[keep], back[keep].astype(np.int64)
    n = len(codes)
    firm, _ = pd.factorize(
        np.concatenate([codes.astype("string").fillna("").to_numpy(object), known["credit_code"]
                        .astype(str).to_numpy(object)])
    )  # fmt: skip
    level, _ = pd.factorize(
        np.concatenate(
            [tier.fillna("").to_numpy(object), known["tier"].astype(str).to_numpy(object)]
        )
    )
    keys = pd.DataFrame({"key": firm[n:].astype(np.int64) * _SPAN + back, "tier": level[n:]})
    keys = keys.drop_duplicates()
    # a firm-year given twice with different tiers has no known tier: it breaks the run
    keys = keys[~keys["key"].duplicated(keep=False)]
    index = pd.Index(keys["key"].to_numpy())
    lookup = keys["tier"].to_numpy()
    mine, current = firm[:n].astype(np.int64) * _SPAN, level[:n]
    alive = has.copy()
    run = np.zeros(n, dtype=np.int64)
    step = 1
    last = int(back.max()) if len(keys) else 0  # nothing known: every run is 1
    while alive.any() and step <= last:  # a loop over past years, not firms
        at = index.get_indexer(mine + step)
        found = at >= 0
        alive &= found & (lookup[np.where(found, at, 0)] == current)
        run += alive
        step += 1
    return run


class _Names(Mapping[str, np.ndarray]):
    """The fields, and the firm's tier, class and consecutive years, for a policy's `when`."""

    def __init__(self, columns: Mapping[str, np.ndarray], results: pd.DataFrame, years: pd.Series):
        self._columns = columns
        self._own = {
            "tier": results["tier"].astype(object).where(results["tier"].notna(), None).to_numpy(),
            "class_": results["class"]
            .astype(object)
            .where(results["class"].notna(), None)
            .to_numpy(),
            "tier_years": years.to_numpy(dtype=float, na_value=np.nan),
        }

    def __getitem__(self, name: str) -> np.ndarray:
        return self._own[name] if name in self._own else self._columns[name]

    def __iter__(self) -> Iterator[str]:
        yield from self._own
        yield from self._columns

    def __len__(self) -> int:
        return len(self._own) + len(self._columns)


def applies(
    policy: Policy, results: pd.DataFrame, names: Mapping[str, np.ndarray], years: pd.Series
) -> np.ndarray:
    """Where the policy applies: evaluated firms of its tiers, where `when` holds, from the
    `consecutive`-th year in the tier."""
    n = len(results)
    hit = (results["status"] == "evaluated").to_numpy(dtype=bool).copy()
    if policy.tier:
        hit &= results["tier"].isin(policy.tier).to_numpy(dtype=bool, na_value=False)
    if policy.when is not None:
        hit &= policy.when.condition(names, n)
    if policy.consecutive is not None:
        hit &= years.to_numpy(dtype=float, na_value=0.0) >= policy.consecutive
    return hit


def rates(policy: Policy, years: pd.Series) -> np.ndarray:
    """The rate per row for a rate policy (see `Policy.rates_for`)."""
    return policy.rates_for(years.to_numpy(dtype=float, na_value=np.nan))


def apply_policies(
    rules: Rules,
    results: pd.DataFrame,
    columns: Mapping[str, np.ndarray],
    past: pd.DataFrame | None,
    origin: Any,
) -> tuple[dict[str, Any], list[pd.DataFrame]]:
    """The results columns `tier_years` and `policy_<code>`, and the issues of firms a rate
    policy applies to whose figure is missing (NaN: never 0 silently). `origin` locates rows
    for issues (the table's `origin_of`)."""
    if not rules.policies:
        return {}, []
    years = tier_years(results, rules.year, past)
    names = _Names(columns, results, years)
    out: dict[str, Any] = {"tier_years": years.array}
    found: list[pd.DataFrame] = []
    for policy in rules.policies:  # a loop over policies, not firms
        try:
            hit = applies(policy, results, names, years)
        except ExpressionError as exc:  # a type the data has but the rules did not expect
            raise RulesError(
                f"政策“{policy.label}”的适用条件：{exc}", file=rules.path or None
            ) from None
        if policy.kind == "label":
            labels = np.full(len(results), None, dtype=object)
            labels[hit] = policy.label
            out[policy.column()] = pd.array(labels, dtype="string")
            continue
        if policy.kind == "amount":
            out[policy.column()] = np.where(hit, float(policy.amount or 0.0), np.nan)
            continue
        assert policy.field is not None
        value = np.asarray(columns[policy.field], dtype=float)
        absent = hit & ~np.isfinite(value)
        if absent.any():
            found.append(
                issue_rows(
                    "policy-missing-value",
                    absent,
                    origin=origin(policy.field),
                    credit_code=results["credit_code"],
                    field=policy.field,
                    policy=policy.label,
                    label=label(policy.field),
                )
            )
        with np.errstate(over="ignore", invalid="ignore"):
            out[policy.column()] = np.where(hit, rates(policy, years) * value, np.nan)
    return out, found


def applied(ev: Any, policy: Policy) -> np.ndarray:
    """Where a policy of an Evaluation applies (a rate policy also where the figure is
    missing and its amount NaN)."""
    years = ev.results["tier_years"]
    return applies(policy, ev.results, _Names(ev.columns, ev.results, years), years)


def policy_sums(ev: Any, by: str, county: str) -> pd.DataFrame:
    """Per policy and group (`by`, e.g. park), then the county (labelled `county`): the firms
    it applies to and their amount in 元 (NaN for a label policy)."""
    res = ev.results
    keys = ev._keys(by)
    rows = []
    for policy in ev.rules.policies:
        column = res[policy.column()]
        hit = applied(ev, policy)
        amount = (
            np.zeros(len(res))
            if policy.kind == "label"
            else np.nan_to_num(column.to_numpy(dtype=float, na_value=np.nan))
        )
        frame = pd.DataFrame({"key": keys.to_numpy(dtype=object), "firms": hit, "amount": amount})
        grouped = frame.groupby("key", sort=True)[["firms", "amount"]].sum()
        grouped.loc[county] = frame[["firms", "amount"]].sum()
        for group, row in grouped.iterrows():
            rows.append(
                {
                    by: group,
                    "policy": policy.code,
                    "label": policy.label,
                    "firms": int(row["firms"]),
                    "amount": np.nan if policy.kind == "label" else float(row["amount"]),
                }
            )
    return pd.DataFrame(rows, columns=[by, "policy", "label", "firms", "amount"])
