"""Why a firm has its tier, and what would lift it one tier (DESIGN §6 Explain, §7 JSON).

`explain(ev, code)` gives an `Explanation`: the firm's indicators (value, benchmark, points,
weight, the class median and the firm's percentile in its class), the adjustments and tier rules
that hit it, the line of the next tier it missed (from `Evaluation.tier_lines`), and for each
field its class's formulas read the smallest change reaching the next tier with everything else
held (`whatif.find_change`: found by evaluating the county again, never a formula inverted).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import MujunError
from ..rules import EvalClass
from ..rules.compiled import did_you_mean
from .tiers import group_codes
from .whatif import Change, changeable_fields, find_change

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .evaluation import Evaluation

INDICATOR_COLUMNS = [
    "code",
    "label",
    "unit",
    "value",
    "benchmark",
    "points",
    "weight",
    "class_median",
    "percentile",
]


class UnknownFirm(MujunError, KeyError):
    """A credit code that is not among the evaluation's rows."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Explanation:
    """One firm's tier explained; `changes` empty when there is no next tier (`note` says
    why)."""

    credit_code: str
    name: str
    klass: str | None
    status: str
    tier: str | None
    next_tier: str | None
    line: float | None
    total_score: float | None
    rank: int | None
    indicators: pd.DataFrame = field(repr=False)
    adjustments: list[dict[str, Any]] = field(default_factory=list)
    tier_rules: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    note: str = ""
    tier_label: str | None = None
    group: str = ""
    pillars: list[dict[str, Any]] = field(default_factory=list)  # group scores (composite)

    def changes_frame(self) -> pd.DataFrame:
        """The changes as a table, one row per field."""
        columns = list(Change.__dataclass_fields__)
        return pd.DataFrame([asdict(c) for c in self.changes], columns=columns)

    def to_json(self) -> dict[str, Any]:
        """DESIGN §7's object, with the indicators, rules and note besides."""
        return {
            "credit_code": self.credit_code,
            "class": self.klass,
            "tier": self.tier,
            "next_tier": self.next_tier,
            "line": _num(self.line),
            "changes": [
                {
                    "field": c.field,
                    "current": _num(c.current),
                    "needed": _num(c.needed),
                    "reachable": c.reachable,
                    "label": c.label,
                    "unit": c.unit,
                    "change": _num(c.change),
                    "precision": c.precision,
                    "correct_field": c.correct_field or c.field,
                    "correct_value": _num(c.correct_value),
                }
                for c in self.changes
            ],
            "name": self.name,
            "status": self.status,
            "total_score": _num(self.total_score),
            "rank": self.rank,
            "group": self.group,
            "note": self.note,
            "tier_rules": self.tier_rules,
            "adjustments": self.adjustments,
            "indicators": [
                {k: (_num(v) if isinstance(v, float) else v) for k, v in row.items()}
                for row in self.indicators.to_dict("records")
            ],
            "pillars": [{**p, "score": _num(p["score"])} for p in self.pillars],
        }


def _num(x: Any) -> float | None:
    """A number for JSON: None for missing or not finite."""
    if x is None or pd.isna(x):
        return None
    value = float(x)
    return value if np.isfinite(value) else None


class Shared:
    """What every explanation of one evaluation reads, computed once for a batch: the tier
    lines, each credit code's row, and per class and indicator the evaluated firms' values
    sorted (medians and percentiles by lookup, not by a pass over the class per firm)."""

    def __init__(self, ev: Evaluation) -> None:
        self.ev = ev
        self._lines: dict[tuple[str, str, str], float] | None = None
        res = ev.results
        done = (res["status"] == "evaluated").to_numpy(dtype=bool)
        # evaluated rows first, so that a code's first row is its evaluated one
        order = np.argsort(~done, kind="stable")
        codes = res["credit_code"].astype("string").to_numpy(dtype=object, na_value=None)[order]
        keep = pd.Series(codes).notna() & ~pd.Series(codes).duplicated()
        self.rows = dict(zip(codes[keep], order[keep.to_numpy()].tolist(), strict=True))
        self._sorted: dict[tuple[str, str], np.ndarray] = {}
        self._exprs: dict[str, np.ndarray] = {}
        self._benchmarks: dict[tuple[str, str], dict[str, float]] | None = None

    def expr(self, e: Any, condition: bool = False) -> np.ndarray:
        """An adjustment's condition or value on every row, computed once per batch."""
        key = f"{condition}:{e.text}"
        if key not in self._exprs:
            n = len(self.ev.results)
            cols = self.ev.columns
            self._exprs[key] = np.asarray(e.condition(cols, n) if condition else e(cols, n))
        return self._exprs[key]

    def benchmarks(self) -> dict[tuple[str, str], dict[str, float]]:
        """Per class and indicator, the benchmark of each group ('（全体）' without `by`)."""
        if self._benchmarks is None:
            b = self.ev.benchmarks
            self._benchmarks = {}
            if "benchmark" in b:
                group = b["group"].astype(str)
                keys = zip(b["class"], b["indicator"], group, b["benchmark"], strict=True)
                for klass, ind, name, value in keys:  # a loop over benchmark rows, not firms
                    self._benchmarks.setdefault((klass, ind), {})[name] = float(value)
        return self._benchmarks

    def line(self, klass: str, group: str, tier: str) -> float | None:
        """The tier line of `tier` in the class's `by` group (None: no line)."""
        if self._lines is None:
            lines = self.ev.tier_lines(groups=True)
            keys = zip(lines["class"], lines["group"], lines["tier"], lines["line"], strict=True)
            self._lines = {(c, g, t): float(v) for c, g, t, v in keys if pd.notna(v)}
        return self._lines.get((klass, group, tier))

    def sorted_values(self, klass: str, indicator: str) -> np.ndarray:
        """The class's evaluated firms' finite values of the indicator, sorted."""
        key = (klass, indicator)
        if key not in self._sorted:
            res = self.ev.results
            peers = ((res["class"] == klass) & (res["status"] == "evaluated")).to_numpy(
                dtype=bool, na_value=False
            )
            values = res[f"value_{indicator}"].to_numpy(dtype=float, na_value=np.nan)[peers]
            self._sorted[key] = np.sort(values[np.isfinite(values)])
        return self._sorted[key]


def locate(ev: Evaluation, code: str, shared: Shared | None = None) -> int:
    """The result row of the firm with credit code `code` (its evaluated row when it has
    several); UnknownFirm, with the codes or names it may be, when none."""
    if shared is not None and code.strip().upper() in shared.rows:
        return int(shared.rows[code.strip().upper()])
    codes = ev.results["credit_code"].astype("string")
    hits = np.flatnonzero((codes == code.strip().upper()).to_numpy(dtype=bool, na_value=False))
    if len(hits):
        done = ev.results["status"].iloc[hits] == "evaluated"
        return int(hits[np.argmax(done.to_numpy())]) if done.any() else int(hits[0])
    names = ev.results["name"].astype("string")
    by_name = np.flatnonzero((names == code.strip()).to_numpy(dtype=bool, na_value=False))
    if len(by_name):
        return int(by_name[0])
    known = [str(c) for c in codes.dropna()]
    hint = did_you_mean(code.strip().upper(), known) or did_you_mean(
        code.strip(), [str(n) for n in names.dropna()]
    )
    key = ev.rules.input.key_label  # [input] key_label: 统一社会信用代码 unless told
    raise UnknownFirm(f"本次评价中没有{key}（或名称）为“{code}”的企业{hint}")


def explain(
    ev: Evaluation, code: str, *, changes: bool = True, shared: Shared | None = None
) -> Explanation:
    """Explain the firm of `code` (a credit code, or its name); `changes=False` leaves out the
    search for the changes that lift it (the re-evaluations); `shared`: of a batch."""
    shared = shared or Shared(ev)
    at = locate(ev, code, shared)
    res = ev.results.iloc[at]
    klass_code = None if pd.isna(res["class"]) else str(res["class"])
    klass = next((c for c in ev.rules.classes if c.code == klass_code), None)
    status = str(res["status"])
    tier = None if pd.isna(res["tier"]) else str(res["tier"])
    base: dict[str, Any] = {
        "credit_code": str(res["credit_code"]),
        "name": "" if pd.isna(res["name"]) else str(res["name"]),
        "klass": klass_code,
        "status": status,
        "tier": tier,
        "total_score": None if pd.isna(res["total_score"]) else float(res["total_score"]),
        "rank": None if pd.isna(res["rank"]) else int(res["rank"]),
        "tier_label": None if pd.isna(res["tier_label"]) else str(res["tier_label"]),
        "pillars": [
            {"code": g.code, "label": g.label, "score": float(res[f"score_{g.code}"])}
            for g in (klass.groups if klass is not None else [])
        ],
    }
    indicators = _indicators(shared, klass, at)
    if klass is None or status != "evaluated" or tier is None:
        reason = "" if pd.isna(res["status_reason"]) else str(res["status_reason"])
        note = f"未参与分档：{reason}" if reason else "未参与分档"
        return Explanation(**base, next_tier=None, line=None, indicators=indicators, note=note)
    order = list(klass.tiers.order)
    rules_hit = _tier_rules(res, klass)
    adjustments = _adjustments(shared, klass, at)
    group = _group(ev, klass, at)
    base |= {"indicators": indicators, "adjustments": adjustments, "tier_rules": rules_hit}
    base["group"] = group
    if tier not in order or order.index(tier) == 0:
        note = "已是最高档，没有更高的档次" if tier in order else "本档不在本类档次之中"
        return Explanation(**base, next_tier=None, line=None, note=note)
    target = order[order.index(tier) - 1]
    line = shared.line(klass.code, group, target)
    minimum = getattr(klass.tiers, "minimum", None) or {}
    if klass.tiers.method == "threshold" and target in minimum:
        line = float(minimum[target])  # the stated minimum, not the lowest score that passed
    found: list[Change] = []
    if changes:
        row = _table_row(ev, at)
        found = [
            find_change(ev, row, at, target, name, larger)
            for name, larger in changeable_fields(ev, klass.code)
        ]
    note = ""
    if found and not any(c.reachable for c in found):
        note = "单靠任何一项数据的变动都不能升档" + ("（受分档规则限制）" if rules_hit else "")
    return Explanation(**base, next_tier=target, line=line, changes=found, note=note)


def explain_many(
    ev: Evaluation, codes: Iterable[str] | None = None, *, changes: bool = True
) -> list[Explanation]:
    """`explain` of each code; None: every evaluated firm in the lowest tier of its class."""
    if codes is None:
        codes = lowest_tier_codes(ev)
    shared = Shared(ev)
    return [explain(ev, c, changes=changes, shared=shared) for c in codes]


def lowest_tier_codes(ev: Evaluation) -> list[str]:
    """The credit codes of the evaluated firms in the last tier of their class (D)."""
    res = ev.results
    out: list[str] = []
    for klass in ev.rules.classes:
        last = klass.tiers.order[-1]
        mine = (res["class"] == klass.code) & (res["status"] == "evaluated") & (res["tier"] == last)
        out += [str(c) for c in res.loc[mine.to_numpy(dtype=bool, na_value=False), "credit_code"]]
    return out


def _table_row(ev: Evaluation, at: int) -> int:
    """The row of the given table (last year's panel rows included) of result row `at`."""
    if ev.source is None or len(ev.source) == len(ev.results):
        return at
    frame = ev.source.frame
    code = ev.results["credit_code"].iloc[at]
    same = (frame["credit_code"].astype("string") == code).to_numpy(dtype=bool, na_value=False)
    if "year" in frame:
        year = frame["year"].to_numpy(dtype=float, na_value=np.nan)
        same &= (year == ev.rules.year) | np.isnan(year)
    return int(np.flatnonzero(same)[0])


def _indicators(shared: Shared, klass: EvalClass | None, at: int) -> pd.DataFrame:
    """The class's indicators for the firm at `at`, with the class median of each value and
    the firm's percentile among the class's evaluated firms (0–100: share at or below it)."""
    if klass is None:
        return pd.DataFrame(columns=INDICATOR_COLUMNS)
    ev = shared.ev
    res = ev.results
    rows = []
    for ind in klass.indicators:
        mine = float(res[f"value_{ind.code}"].iloc[at])
        theirs = shared.sorted_values(klass.code, ind.code)
        at_or_below = np.searchsorted(theirs, mine, side="right")
        known = len(theirs) and np.isfinite(mine)
        rows.append(
            {
                "code": ind.code,
                "label": ind.label,
                "unit": ind.unit,
                "value": mine,
                "benchmark": _benchmark(shared, klass, ind.code, ind.score.by, at),
                "points": float(res[f"score_{ind.code}"].iloc[at]),
                "weight": float(ind.weight),
                "class_median": float(np.median(theirs)) if len(theirs) else np.nan,
                "percentile": float(at_or_below / len(theirs) * 100) if known else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS)


def _benchmark(shared: Shared, klass: EvalClass, code: str, by: str | None, at: int) -> float:
    """The benchmark the firm's item was scored against (its `by` group's when it has one)."""
    mine = shared.benchmarks().get((klass.code, code), {})
    if by and len(mine) > 1:
        return mine.get(str(shared.ev.column(by)[at]), np.nan)
    return next(iter(mine.values()), np.nan)


def _group(ev: Evaluation, klass: EvalClass, at: int) -> str:
    """The firm's `tiers.by` group as tier_lines names it ('' for a class without `by`)."""
    if not klass.tiers.by:
        return ""
    codes, names = group_codes(np.asarray(ev.column(klass.tiers.by))[at : at + 1])
    return str(np.asarray(names, dtype=object)[codes][0])


def _tier_rules(res: pd.Series, klass: EvalClass) -> list[str]:
    """The reasons of the tier rules that hit the firm: its veto and the rule that moved it."""
    out: list[str] = []
    for key in ("veto_reason", "tier_reason"):
        reason = res.get(key)
        if reason is None or pd.isna(reason):
            continue
        if str(reason) in (klass.tiers.reason, "quota", "threshold", "stage"):
            continue
        if str(reason) not in out:
            out.append(str(reason))
    return out


def _adjustments(shared: Shared, klass: EvalClass, at: int) -> list[dict[str, Any]]:
    """The class's adjustments that held for the firm: label and points or multiplier."""
    out: list[dict[str, Any]] = []
    for adj in klass.adjust:
        if adj.when is not None and not bool(shared.expr(adj.when, condition=True)[at]):
            continue
        for kind in ("points", "multiply"):
            value = getattr(adj, kind)
            if value is None:
                continue
            number = value if isinstance(value, float) else float(shared.expr(value)[at])
            out.append({"label": adj.label, kind: number})
    return out
