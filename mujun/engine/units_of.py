"""Units of evaluation (`[units]`, DESIGN §4): related firms evaluated as one unit
(`merge_by`), tenants on a parcel taking the landowner's tier (`follow`).

merge_by (e.g. group_code): firms sharing a value, two or more, are one unit.
- The unit's *lead* is the member with the most land (用地面积合计; ties: the first in input order).
  The lead's row is evaluated on the unit's figures: every numeric input field summed over the
  members (blank where no member gave it), land summed (through its parts), flags OR-ed (a veto
  or a 一票否决 condition on one member hits the unit), text and dates the lead's (name, park,
  industry code: so the unit is placed in the class and park group its lead's data give).
- The other members are set aside (no class, exclusion or quota sees them) and afterwards carry
  the lead's class, status, score, values, rank and tier; every member's reason starts with
  “按关联企业合并评价”, and results get a `unit` column (the merge_by value; NA for a firm
  evaluated alone).
- A member rejected for bad data before merging (its credit code, an unreadable cell, the data
  year): the unit is not merged and every other member is rejected too, with a reason naming it.

follow (e.g. parcel_id): on each parcel the owner is the firm with the largest own land
(自有用地 > 0; ties: the first in input order). A firm on the parcel without own land (blank or
0) is a tenant: it is evaluated, scored and ranked as usual (and counts in its class's quota),
then an evaluated tenant takes the tier of an evaluated owner, with a tier reason naming the
owner. A firm with own land that is not the largest keeps its own tier. Tenants of a parcel
without an owner, whose owner got no tier, or whose class has not the owner's tier (规下 A/D
against a 规上 B), keep their own, with a warning.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..fields import FIELDS
from ..issues import CATALOG, issue_rows
from .columns import FieldColumns
from .evaluation import STATUSES
from .labels import Labels

if TYPE_CHECKING:
    from .evaluate import _Run

FOLLOWER = -2  # a member other than the lead while the unit is evaluated (no status yet)
EVALUATED, REJECTED = STATUSES.index("evaluated"), STATUSES.index("rejected")
MERGED = "按关联企业合并评价"
NOT_SUMMED = {"year"}


@dataclass(frozen=True)
class Merged:
    """How rows were merged: the columns as read (`own`), each row's lead (itself when alone),
    the members other than their lead, the members of merged units, and each row's unit (None:
    evaluated alone)."""

    own: FieldColumns
    lead: np.ndarray
    followers: np.ndarray
    healthy: np.ndarray
    unit: np.ndarray


def groups_of(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Group number per row of a text column (−1: blank), and the number of groups."""
    text = pd.Series(values, dtype=object).astype("string").str.strip()
    ids, uniques = pd.factorize(text.mask(text == ""), use_na_sentinel=True)
    return np.asarray(ids, dtype=np.int64), len(uniques)


def largest(ids: np.ndarray, eligible: np.ndarray, size: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group, the eligible row with the largest `size` (ties: the first row), or −1."""
    rows = np.flatnonzero(eligible & (ids >= 0))
    key = np.where(np.isnan(size[rows]), -np.inf, size[rows])
    rows = rows[np.lexsort((rows, -key, ids[rows]))]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = ids[rows][1:] != ids[rows][:-1]
    out = np.full(max(n_groups, 1), -1, dtype=np.int64)  # index 0 is safe without groups
    out[ids[rows[first]]] = rows[first]
    return out


def fill_each(template: str, **values: np.ndarray) -> np.ndarray:
    """A message template filled in per row from columns of texts (vectorised)."""
    n = len(next(iter(values.values())))
    out = pd.Series([""] * n, dtype=object)
    for literal, name, _, _ in string.Formatter().parse(template):
        out = out + literal
        if name:
            out = out + pd.Series(values[name], dtype=object).astype(str)
    return out.to_numpy(dtype=object)


def texts(labels: Labels, rows: np.ndarray) -> np.ndarray:
    """The texts of `labels` at `rows`."""
    return np.asarray(labels.categories, dtype=object)[labels.codes[rows]]


def _names(run: _Run, rows: np.ndarray) -> np.ndarray:
    """Firm names at `rows` (the credit code where the name is blank)."""
    name = pd.Series(run.columns["name"][rows], dtype=object).astype("string").str.strip()
    code = pd.Series(run.codes.to_numpy(dtype=object)[rows], dtype=object).astype("string")
    return name.mask(name == "").fillna(code).fillna("").to_numpy(dtype=object)


def _issues(
    run: _Run,
    code: str,
    mask: np.ndarray,
    messages: np.ndarray,
    field: str,
    variant: str | None = None,
) -> None:
    """One issue of `code` per masked row, each with its own message (`messages`: per row)."""
    blanks = {f: "" for _, f, _, _ in string.Formatter().parse(CATALOG[code].template) if f}
    frame = issue_rows(
        code,
        mask,
        variant=variant,
        **blanks,
        origin=run.table.origin_of(field),
        credit_code=run.codes,
        field=field,
        values=run.columns[field] if field in FIELDS else None,
    )
    if len(frame):  # none written within `quiet_issues`
        frame["message"] = messages[np.flatnonzero(mask)]
    run.issues.append(frame)


def merge(run: _Run) -> Merged | None:
    """Merge the units of `[units] merge_by` (see the module docstring); None without one."""
    by = run.rules.units.merge_by
    if by is None:
        return None
    own, n = run.columns, run.n
    ids, n_groups = groups_of(own[by])
    sizes = np.bincount(ids[ids >= 0], minlength=max(n_groups, 1))
    members = (ids >= 0) & (sizes[np.maximum(ids, 0)] >= 2)
    text = pd.Series(own[by], dtype=object).astype("string").str.strip()
    unit = np.full(n, None, dtype=object)
    unit[members] = text.to_numpy(dtype=object, na_value=None)[members]
    _reject_broken(run, ids, members, unit, n_groups)
    healthy = members & (run.status != REJECTED)
    leads_of = largest(ids, healthy, own["land_mu"], n_groups)
    lead = np.arange(n)
    lead[healthy] = leads_of[ids[healthy]]
    followers = healthy & (lead != np.arange(n))
    leads = healthy & ~followers
    frame = run.table.frame.copy(deep=False)
    g, at = ids[healthy], ids[leads]
    for code in frame.columns:  # a loop over fields
        spec = FIELDS.get(code)
        if spec is None or spec.derived or code in NOT_SUMMED:
            continue
        if spec.kind in ("number", "int"):
            values = own[code]
            known = ~np.isnan(values)
            total = np.bincount(g, np.where(known, values, 0.0)[healthy], n_groups)
            given = np.bincount(g, known[healthy].astype(float), n_groups)
            new = values.copy()
            new[leads] = np.where(given[at] > 0, total[at], np.nan)
            frame[code] = new
        elif spec.kind == "bool":
            flags = own[code]
            new = flags.copy()
            new[leads] = np.bincount(g, flags[healthy].astype(float), n_groups)[at] > 0
            frame[code] = new
    run.columns = FieldColumns(frame, run.rules)
    link = own.previous_link()
    if link is not None:  # previous() of a unit: its members' last year, merged alike
        run.columns.link_previous(*link)
        run.columns.link_units(healthy, g, leads, at)
    run.forget()
    run.status[followers] = FOLLOWER
    return Merged(own, lead, followers, healthy, unit)


def _reject_broken(
    run: _Run, ids: np.ndarray, members: np.ndarray, unit: np.ndarray, n_groups: int
) -> None:
    """Units with a member rejected for bad data: the other members rejected, naming it."""
    bad = members & (run.status == REJECTED)
    if not bad.any():
        return
    bad_rows = np.flatnonzero(bad)
    groups, first = np.unique(ids[bad_rows], return_index=True)
    culprit = np.full(n_groups, -1, dtype=np.int64)
    culprit[groups] = bad_rows[first]
    others = members & ~bad & (culprit[np.maximum(ids, 0)] >= 0)
    if not others.any():
        return
    rows = np.flatnonzero(others)
    who = culprit[ids[rows]]
    template = CATALOG["unit-member-rejected"].template
    why = pd.Series(texts(run.reason, who), dtype=object).str.rstrip("。").to_numpy()
    messages = fill_each(template, unit=unit[rows], member=_names(run, who), why=why)
    full = np.full(run.n, None, dtype=object)
    full[rows] = messages
    run.status[others] = REJECTED
    run.reason.set_each(others, full)
    _issues(run, "unit-member-rejected", others, full, run.rules.units.merge_by or "")


def carry(run: _Run, merged: Merged | None) -> None:
    """Every member carries its unit's result: the lead's class, status, reason (after
    “按关联企业合并评价”), total, rank, tier, item values and scores."""
    if merged is None:
        return
    to = np.flatnonzero(merged.followers)
    src = merged.lead[to]
    run.status[to] = run.status[src]
    for array in (run.total, run.rank, run.adjust, run.multiplier):
        array[to] = array[src]
    for labels in (run.reason, run.klass, run.tier, run.tier_label, run.tier_reason, run.veto):
        labels.copy_rows(to, src)
    for scores in run.scores.values():
        scores[to] = scores[src]
    for parts in run.values.values():
        full = np.full(run.n, np.nan)
        for rows, values in parts:
            full[rows] = values
        parts.append((to, full[src]))
    merged_rows = merged.healthy & (run.reason.codes != 0)
    reason = texts(run.reason, np.flatnonzero(merged_rows))
    full = np.full(run.n, None, dtype=object)
    full[merged_rows] = MERGED + "：" + pd.Series(reason, dtype=object).astype(str).to_numpy()
    run.reason.set_each(merged_rows, full)
    run.columns = merged.own  # the results show each member's own figures (land, tax, …)


def follow(run: _Run) -> None:
    """Tenants on a parcel take its owner's tier (`[units] follow`, see the module docstring)."""
    by = run.rules.units.follow
    if by is None:
        return
    ids, n_groups = groups_of(run.columns[by])
    land = run.columns["land_owned_mu"]
    owns = (ids >= 0) & (land > 0)
    owner_of = largest(ids, owns, land, n_groups)
    tenant = (ids >= 0) & ~owns & (run.status == EVALUATED)
    owner = np.where(tenant, owner_of[np.maximum(ids, 0)], -1)
    parcel = pd.Series(run.columns[by], dtype=object).astype("string").str.strip()
    parcel_text = parcel.fillna("").to_numpy(dtype=object)
    orphan = tenant & (owner < 0)
    if orphan.any():
        template = CATALOG["parcel-without-owner"].template
        _issues(run, "parcel-without-owner", orphan, fill_each(template, parcel=parcel_text), by)
    placed = np.zeros(run.n, dtype=bool)
    placed[tenant & (owner >= 0)] = run.status[owner[tenant & (owner >= 0)]] == EVALUATED
    fits = _tier_fits(run, owner, placed)  # the owner's tier is one the tenant's class has
    for variant, left in ((None, tenant & (owner >= 0) & ~placed), ("tier", placed & ~fits)):
        if left.any():
            template = CATALOG["parcel-owner-not-evaluated"].text(
                variant, parcel="{parcel}", owner="{owner}"
            )[1]
            names = np.full(run.n, "", dtype=object)
            names[left] = _names(run, owner[left])
            messages = fill_each(template, parcel=parcel_text, owner=names)
            _issues(run, "parcel-owner-not-evaluated", left, messages, by, variant)
    placed &= fits
    if not placed.any():
        return
    to = np.flatnonzero(placed)
    src = owner[to]
    run.tier.copy_rows(to, src)
    run.tier_label.copy_rows(to, src)
    reasons = np.full(run.n, None, dtype=object)
    reasons[to] = fill_each(FOLLOWS, parcel=parcel_text[to], owner=_names(run, src))
    run.tier_reason.set_each(placed, reasons)


FOLLOWS = "承租宗地“{parcel}”，随权属企业“{owner}”定档"


def _tier_fits(run: _Run, owner: np.ndarray, placed: np.ndarray) -> np.ndarray:
    """Where `placed`: whether the owner's tier is a tier of the tenant's own class."""
    fits = np.zeros(run.n, dtype=bool)
    tier_of = {t: i for i, t in enumerate(run.tier.categories)}
    for klass in run.rules.classes:  # a loop over classes
        allowed = [tier_of[t] for t in klass.tiers.order if t in tier_of]
        rows = np.flatnonzero(placed & run.klass.mask(klass.code))
        fits[rows] = np.isin(run.tier.codes[owner[rows]], allowed)
    return fits
