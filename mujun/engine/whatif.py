"""The smallest change of one input field that lifts a firm one tier, found by evaluating again.

Benchmarks (pooled county figures) and quotas are relative: a firm that pays more tax raises the
class's benchmark and moves the other firms' ranks, so the value it needs is no formula inverted
but the value at which a re-evaluation of the whole county gives it the next tier.

The search brackets the value, then narrows the bracket until it is narrower than the stated
precision — 0.1 % of the change, or 0.0001 of the field's unit, whichever larger. Only
re-evaluations decide which end of the bracket a value belongs to; each also gives the firm's gap
to the line among the other firms, and the next value tried is where the gaps' secant crosses 0
(half the precision to either side in turn, so that two tries close the bracket), or the
midpoint when the gaps say nothing. Bracketing doubles the step from the current value (at most
`STEPS` times), or for a field that hurts when larger tries reductions of 1/256 … 255/256 of it,
each time jumping to just past the gaps' crossing when that is nearer; no value in that range
reaches the tier: not reachable by this field alone. `needed` is the end of the bracket that
reaches the tier, rounded in the direction that still reaches it.

Each value is tried by a quiet re-evaluation (`quiet_issues`: no issue rows, no benchmark
tables; the same statuses, totals, ranks and tiers). `search` is the search as steps, so that a
caller can drive many searches side by side and try one round's values together.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..fields import FIELDS, LAND_PARTS
from ..table import EnterpriseTable
from .again import evaluate_again, given_table

if TYPE_CHECKING:
    from .evaluation import Evaluation

STEPS = 16  # doubling steps: up to 65536 × the first step (an eighth of the current value)
# a field that hurts when larger: the current value less these shares of it, tried in turn
_REDUCTIONS = (1 / 256, 1 / 64, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 3 / 4, 15 / 16, 255 / 256)
RELATIVE = 0.001  # precision: 0.1 % of the change …
ABSOLUTE = 0.0001  # … or 0.0001 of the field's unit, whichever larger
PRECISION_WORDS = "变动量的0.1%或0.0001（字段单位），取较大者"
# fields a firm cannot change by its own effort, or that are not amounts
_NOT_CHANGEABLE = {"year", "industry_division", "years_operating", "established"}


@dataclass(frozen=True)
class Change:
    """One field's answer: the value that reaches `next_tier`, all else held."""

    field: str
    label: str
    unit: str
    current: float | None
    needed: float | None
    change: float | None
    reachable: bool
    larger_is_better: bool
    precision: str = PRECISION_WORDS
    # the field and value a correction or an appeal gives to make this change: the field
    # itself, or for the total land the part the search changed (land_mu is not read as such)
    correct_field: str = ""
    correct_value: float | None = None


def changeable_fields(ev: Evaluation, klass_code: str) -> list[tuple[str, bool]]:
    """The numeric input fields the class's indicator formulas read, each with whether a larger
    value helps the firm (a field that divides more often than it multiplies hurts: land,
    energy, employees)."""
    klass = next(c for c in ev.rules.classes if c.code == klass_code)
    out: list[tuple[str, bool]] = []
    for name in sorted(klass.formula_fields()):
        spec = FIELDS.get(name)
        if spec is None or spec.kind not in ("number", "int") or name in _NOT_CHANGEABLE:
            continue
        above = below = 0
        for ind in klass.indicators:
            ratio = ind.formula.as_ratio()
            if ratio is None:
                above += name in ind.formula.names
                continue
            above += name in ratio[0].names
            below += name in ratio[1].names
        out.append((name, above >= below))
    return out


def _set_value(table: EnterpriseTable, row: int, name: str, value: float) -> EnterpriseTable:
    """The table with one row's field set (land_mu through its parts: see `_as_read`)."""
    frame = table.frame.copy(deep=False)
    name, value = _as_read(frame, row, name, value)
    column = (
        frame[name].to_numpy(dtype=float, na_value=np.nan, copy=True)
        if name in frame
        else np.full(len(frame), np.nan)
    )
    column[row] = value
    frame[name] = column
    return dataclasses.replace(table, frame=frame)


def _as_read(frame: pd.DataFrame, row: int, name: str, value: float) -> tuple[str, float]:
    """The field as read, and its value, that gives `name` the value `value`: the total land
    through its parts (the owned land takes the difference, else the leased), any other field
    itself."""
    if name != "land_mu":
        return name, value
    parts = {p: _number(frame, row, p) for p in LAND_PARTS}
    now = parts["land_owned_mu"] + parts["land_leased_mu"] - parts["land_let_mu"]
    delta = value - now
    part = "land_owned_mu" if parts["land_owned_mu"] + delta >= 0 else "land_leased_mu"
    return part, max(parts[part] + delta, 0.0)


def _number(frame: pd.DataFrame, row: int, name: str) -> float:
    if name not in frame:
        return 0.0
    value = pd.to_numeric(frame[name].iloc[row], errors="coerce")
    return 0.0 if pd.isna(value) else float(value)


class _Probe:
    """Re-evaluations of one firm with one field set to a candidate value; each also records
    the firm's gap to the target tier's line among the other firms (its total less the lowest
    total the ranking placed in the target tier or above), which guides the next candidate."""

    def __init__(self, ev: Evaluation, row: int, result_row: int, target: str) -> None:
        self.ev, self.row, self.result_row = ev, row, result_row
        self.table = given_table(ev)
        klass = ev.results["class"].iloc[result_row]
        self.klass = next(c for c in ev.rules.classes if c.code == klass)
        self.goal = self.klass.tiers.order.index(target)
        self.evaluations = 0
        self.gaps: dict[float, float] = {}

    def outcome(self, again: Evaluation) -> tuple[bool, float]:
        """Whether the firm has the target tier (or a better one) in `again` (the county
        re-evaluated with one of its values set), and its gap there."""
        self.evaluations += 1
        res = again.results.iloc[self.result_row]
        reached = False
        if res["status"] == "evaluated" and pd.notna(res["tier"]):
            order = next(c for c in again.rules.classes if c.code == res["class"]).tiers.order
            reached = res["tier"] in order and order.index(res["tier"]) <= self.goal
        return reached, self.gap(again, reached)

    def trial(self, name: str, value: float) -> tuple[bool, float]:
        """The outcome with `name` = `value` and all else held, by one re-evaluation."""
        table = _set_value(self.table, self.row, name, value)
        return self.outcome(evaluate_again(self.ev, table, quiet=True))

    def gap(self, ev: Evaluation, reached: bool) -> float:
        """The firm's total less the target tier's line among the others (NaN: none): not
        reached, the lowest other total ranked in the target tier or above; reached, the
        highest other total ranked below it (the firm it displaced)."""
        res, spec = ev.results, self.klass.tiers
        if res["class"].iloc[self.result_row] != self.klass.code:
            return np.nan
        ranked = (
            (res["class"] == self.klass.code)
            & (res["status"] == "evaluated")
            & (res["tier_reason"] == spec.reason)
            & (res["tier"].isin(spec.order[: self.goal + 1]) != reached)
        ).to_numpy(dtype=bool, na_value=False, copy=True)
        if spec.by:
            group = np.asarray(ev.column(spec.by), dtype=object)
            ranked &= group == group[self.result_row]
        ranked[self.result_row] = False
        total = res["total_score"].to_numpy(dtype=float, na_value=np.nan)
        if not ranked.any() or not np.isfinite(total[self.result_row]):
            return np.nan
        line = np.nanmax(total[ranked]) if reached else np.nanmin(total[ranked])
        return float(total[self.result_row] - line)

    def crossing(self, a: float, b: float) -> float:
        """Where the line through the gaps at `a` and `b` crosses 0 (NaN: the gaps do not
        rise from a to b)."""
        g_a, g_b = self.gaps.get(a, np.nan), self.gaps.get(b, np.nan)
        if not (np.isfinite(g_a) and np.isfinite(g_b)) or g_b <= g_a or b == a:
            return np.nan
        return b + (b - a) * (-g_b) / (g_b - g_a)

    def guess(self, good: float, bad: float, tol: float, turn: int) -> float:
        """The next value to try between `bad` and `good`: where the line of the gaps at the
        two ends crosses 0, moved half the precision toward `bad` or `good` in turn (so that
        two tries can close the bracket), or the midpoint when the gaps say nothing."""
        mid = (good + bad) / 2
        g_good, g_bad = self.gaps.get(good, np.nan), self.gaps.get(bad, np.nan)
        if not (np.isfinite(g_good) and np.isfinite(g_bad)) or g_good <= g_bad:
            return mid
        cross = bad + (good - bad) * (-g_bad) / (g_good - g_bad)
        side = 1.0 if (turn % 2 == 0) == (good > bad) else -1.0
        candidate = cross + side * tol * 0.45  # two tries leave a bracket narrower than tol
        inside = min(good, bad) < candidate < max(good, bad)
        return candidate if inside and turn < 8 else mid


def find_change(
    ev: Evaluation, row: int, result_row: int, target: str, name: str, larger: bool
) -> Change:
    """The value of field `name` of the firm at table row `row` that reaches `target`, each
    value tried by one re-evaluation of the county."""
    probe = _Probe(ev, row, result_row, target)
    steps = search(probe, name, larger)
    try:
        value = next(steps)
        while True:
            value = steps.send(probe.trial(name, value))
    except StopIteration as done:
        return done.value


Search = Generator[float, tuple[bool, float], Change]


def search(probe: _Probe, name: str, larger: bool) -> Search:
    """The search of `find_change` as steps: it yields each value to try and is sent back the
    outcome (reached, gap); it returns the Change. Searches of many firms and fields can so
    go on side by side, their values of one round tried together (`batch.explain_changes`)."""
    ev, result_row = probe.ev, probe.result_row
    spec = FIELDS[name]
    raw = np.asarray(ev.column(name), dtype=float)[result_row]
    current = None if np.isnan(raw) else float(raw)
    start = 0.0 if current is None else current
    unit = spec.unit or ""

    def reaches(value: float) -> Generator[float, tuple[bool, float], bool]:
        reached, gap = yield value
        probe.gaps[value] = gap
        return reached

    def answer(needed: float | None) -> Change:
        change = None if needed is None else needed - start
        field, value = name, needed
        if needed is not None:
            field, value = _as_read(probe.table.frame, probe.row, name, needed)
        return Change(
            name, spec.label, unit, current, needed, change, needed is not None, larger,
            correct_field=field, correct_value=value,
        )  # fmt: skip

    if larger:
        first = max(abs(start) / 8, _typical(ev, name, result_row), ABSOLUTE * 100)
        lo, hi = start, None
        probe.gaps.setdefault(start, probe.gap(ev, False))
        candidate = start + first
        for k in range(STEPS):
            if (yield from reaches(candidate)):
                hi = candidate
                break
            previous, lo = lo, candidate
            # the next step doubles, or goes to just past where the gaps cross 0 if nearer
            ahead = start + first * 2.0 ** (k + 1)
            cross = probe.crossing(previous, lo)
            candidate = min(ahead, cross + 0.01 * (cross - start)) if cross > lo else ahead
        if hi is None:
            return answer(None)
    else:
        if start <= 0:
            return answer(None)
        # reductions from small to large: lower is not better all the way down (a firm
        # below a class's land threshold leaves the class), so the first that reaches counts
        hi, lo = start, None  # hi: does not reach; lo: reaches (a smaller value)
        probe.gaps.setdefault(start, probe.gap(ev, False))
        shares, tries = list(_REDUCTIONS), 2 * len(_REDUCTIONS)  # jumps added: bounded
        while shares and (tries := tries - 1) >= 0:
            candidate = start * (1 - shares.pop(0))
            if (yield from reaches(candidate)):
                lo = candidate
                break
            previous, hi = hi, candidate
            cross = probe.crossing(previous, hi)  # just past it, if before the next reduction
            beyond = cross - 0.01 * (start - cross)
            if shares and cross < hi and beyond > start * (1 - shares[0]):
                shares.insert(0, 1 - beyond / start)
        if lo is None:
            return answer(None)
    # bisect: `good` reaches, `bad` does not
    pair = (hi, lo) if larger else (lo, hi)
    assert pair[0] is not None and pair[1] is not None  # both ends found above
    good, bad = float(pair[0]), float(pair[1])
    probe.gaps.setdefault(start, probe.gap(ev, False))
    turn = 0
    while abs(good - bad) > (tol := max(RELATIVE * abs(good - start), ABSOLUTE)):
        candidate = probe.guess(good, bad, tol, turn)
        turn += 1
        if (yield from reaches(candidate)):
            good = candidate
        else:
            bad = candidate
    return answer(_rounded(good, bad))


def _rounded(good: float, bad: float) -> float:
    """A short number between `bad` (excluded) and `good` (included), toward `good`: the
    value rounded in the direction that still reaches the tier."""
    width = abs(good - bad)
    if width == 0:
        return good
    q = 10.0 ** math.floor(math.log10(width))
    shorter = math.ceil(good / q) * q if good > bad else math.floor(good / q) * q
    return shorter if (shorter - bad) * (good - bad) > 0 and abs(shorter - good) <= width else good


def _typical(ev: Evaluation, name: str, result_row: int) -> float:
    """A tenth of the field's median over the firm's class: the first step for a firm whose own
    value is 0 or missing."""
    res = ev.results
    mine = (res["class"] == res["class"].iloc[result_row]).to_numpy(dtype=bool, na_value=False)
    values = np.asarray(ev.column(name), dtype=float)[mine]
    values = values[np.isfinite(values) & (values > 0)]
    return float(np.median(values)) / 10 if len(values) else 0.0
