"""The Evaluation: the frozen, self-contained result of one run (DESIGN §5) and its summaries.

It keeps the table it was computed from and the rules, so every figure behind a result can be
looked up (`column`) and a part of it taken whole (`subset`: one park's workbook).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..codes import division_label
from ..fields import FIELDS
from ..rules import EvalClass, Indicator, Rules
from ..rules.policy import Policy
from ..rules.tiers import UNGRADED, UNGRADED_LABEL
from ..table import EnterpriseTable
from . import policies, scoring
from .columns import FieldColumns
from .stages_table import Stages
from .tiers import group_codes

if TYPE_CHECKING:  # the types only: history builds on the engine
    from ..history.archive import Archive
    from ..history.migration import History

RESULT_COLUMNS = [
    "credit_code",
    "year",
    "name",
    "park",
    "industry_code",
    "class",
    "status",
    "status_reason",
    "total_score",
    "rank",
    "tier",
    "tier_label",
    "tier_reason",
    "veto_reason",
]
STATUSES = ("evaluated", "exempt", "deferred", "rejected")
SUMMARY_FIGURES = ("land_mu", "tax_paid", "revenue", "value_added")
COUNTY = "合计"
MISSING_GROUP = "（未填）"
UNTIERED = "未分档"  # the tier column of evaluated firms left without a tier (a class too small)
EXTRA_TIERS = (UNGRADED, UNTIERED)  # shown after the classes' own tiers, only when some firm has it


def tier_names(rules: Rules) -> dict[str, str]:
    """Every tier's name in these rules, 不定等级 for the tier code "U" included."""
    names = {t: n for c in rules.classes for t, n in c.tiers.names.items()}
    return {**names, UNGRADED: UNGRADED_LABEL}


@dataclass(frozen=True)
class Evaluation:
    """Results (one row per row of `table`, in its order), issues, provenance, the benchmarks
    actually used, the rules and the table evaluated. `column(code)` gives any field as the
    evaluation read it (derived fields included), row-aligned with `results`."""

    results: pd.DataFrame
    issues: pd.DataFrame
    provenance: dict[str, Any]
    rules: Rules
    benchmarks: pd.DataFrame
    table: EnterpriseTable = field(repr=False)
    columns: FieldColumns = field(repr=False)
    past_tiers: pd.DataFrame | None = field(default=None, repr=False)  # earlier years' tiers
    source: EnterpriseTable | None = field(default=None, repr=False, compare=False)
    """The table as given to evaluate (last year's panel rows too); `rerun` evaluates it again."""
    stages: Stages = field(default_factory=lambda: Stages(), repr=False, compare=False)
    """The composite steps' stage tables (raw … aggregated), treatment and winsorised points."""

    def scoring(self, indicator: Indicator) -> str:
        """How an indicator of these rules is scored, in words (for the 说明 sheet)."""
        return scoring.describe(indicator)

    def column(self, code: str) -> np.ndarray:
        """A field's values as evaluated, one per result row (numbers as floats with NaN)."""
        return self.columns[code]

    def __repr__(self) -> str:
        counts = self.results["status"].value_counts().to_dict()
        return f"Evaluation({self.rules.name!r}, {len(self.results)} rows, {counts})"

    def evaluated(self) -> pd.DataFrame:
        """The evaluated rows only."""
        return self.results[self.results["status"] == "evaluated"]

    def tier_key(self) -> pd.Series:
        """Each evaluated row's tier, UNTIERED when it has none (NA for the other rows): what the
        tier counts go by, so that they add up to the evaluated firms."""
        done = self.results["status"] == "evaluated"
        tier = self.results["tier"].astype(object)
        return tier.where(tier.notna() | ~done, UNTIERED).where(done)

    def shown_tiers(self, klass: EvalClass | None = None) -> list[str]:
        """The tiers a table shows: the class's order (all classes', best first) and after it
        不定等级 (U) and 未分档 when some evaluated firm of the class has them."""
        classes = [klass] if klass is not None else self.rules.classes
        order = list(dict.fromkeys(t for c in classes for t in c.tiers.order))
        mine = self.results["class"].isin([c.code for c in classes])
        present = set(self.tier_key()[mine].dropna())
        return order + [t for t in EXTRA_TIERS if t in present]

    def tier_counts(self, by: str | None = None) -> pd.DataFrame:
        """Firms per tier per class, in each class's tier order (then 不定等级 and 未分档 when
        some firm of the class has them); with `by` (e.g. "park"), per class, group and tier,
        groups sorted, a missing group shown as '（未填）'."""
        groups = self._keys(by) if by else pd.Series("", index=self.results.index)
        key = self.tier_key()
        rows = []
        for klass in self.rules.classes:
            done = (self.results["class"] == klass.code) & (self.results["status"] == "evaluated")
            counts = pd.crosstab(groups[done], key[done])
            keys = sorted(groups.unique()) if by else [""]
            for group in keys:
                for tier in self.shown_tiers(klass):
                    n = counts.at[group, tier] if group in counts.index and tier in counts else 0
                    rows.append(
                        {"class": klass.code, "group": group, "tier": tier, "firms": int(n)}
                    )
        frame = pd.DataFrame(rows, columns=["class", "group", "tier", "firms"])
        return frame.rename(columns={"group": by}) if by else frame.drop(columns="group")

    def tier_table(self) -> pd.DataFrame:
        """Firms per tier (columns, best first over all classes) per class (rows, by code), with
        the class's evaluated firms in column 'total'."""
        counts = self.tier_counts()
        tiers = self.shown_tiers()
        table = counts.pivot_table(
            index="class", columns="tier", values="firms", aggfunc="sum", sort=False
        ).reindex(columns=tiers)
        table["total"] = table.sum(axis=1).astype(int)
        return table

    def score_distribution(self, width: float = 10.0) -> pd.DataFrame:
        """Evaluated firms per class in total-score bands [lower, upper) of `width` points, the
        last band closed; from 0 (or the lowest score, rounded down) to the highest score."""
        rows = []
        for klass in self.rules.classes:
            done = (self.results["class"] == klass.code) & (self.results["status"] == "evaluated")
            scores = self.results.loc[done, "total_score"].to_numpy(dtype=float)
            scores = scores[np.isfinite(scores)]
            if not len(scores):
                continue
            low = min(0.0, np.floor(scores.min() / width) * width)
            bands = max(int(np.ceil((scores.max() - low) / width)), 1)
            edges = low + width * np.arange(bands + 1)
            edges[-1] = max(edges[-1], scores.max())  # rounding must not leave the top out
            counts, _ = np.histogram(scores, bins=edges)
            for lower, n in zip(edges[:-1], counts, strict=True):
                rows.append(
                    {"class": klass.code, "lower": lower, "upper": lower + width, "firms": int(n)}
                )
        return pd.DataFrame(rows, columns=["class", "lower", "upper", "firms"])

    def tier_lines(self, groups: bool = False) -> pd.DataFrame:
        """Per class and tier (in the class's order): the lowest total score among the firms the
        ranking put there (`line`; NaN when none), and how many they are. Firms a tier rule
        moved (vetoed, protected, forced, no grade) are left out: the line is what ranking
        asked. With `groups`, per class, `tiers.by` group (column `group`; '' for a class
        without `by`) and tier. A class tiered by stages has no line (NaN): its stages order
        by their own expressions, so no total score separates its tiers; `firms` still counts."""
        res = self.results
        rows = []
        for klass in self.rules.classes:
            spec = klass.tiers
            ranked = (
                (res["class"] == klass.code)
                & (res["status"] == "evaluated")
                & (res["tier_reason"] == spec.reason)
            ).to_numpy(dtype=bool, na_value=False)
            scores = res.loc[ranked, "total_score"].astype(float)
            tier = res.loc[ranked, "tier"].astype(str)
            key = pd.Series("", index=scores.index)
            if groups and spec.by:  # the groups as the engine named them
                codes, names = group_codes(np.asarray(self.column(spec.by))[ranked])
                key = pd.Series(np.asarray(names, dtype=object)[codes], index=scores.index)
            found = scores.groupby([key, tier]).agg(["min", "size"])
            for group in sorted(set(key)) or [""]:
                for t in spec.order:
                    hit = (group, t) in found.index
                    line = float(found.at[(group, t), "min"]) if hit else np.nan
                    row = {
                        "class": klass.code,
                        "group": group,
                        "tier": t,
                        "line": np.nan if spec.method == "stages" else line,
                        "firms": int(found.at[(group, t), "size"]) if hit else 0,
                    }
                    rows.append(row)
        frame = pd.DataFrame(rows, columns=["class", "group", "tier", "line", "firms"])
        return frame if groups else frame.drop(columns="group")

    def groups(self, by: str = "park") -> list[str]:
        """The distinct values of `by` among the results, sorted; a missing one as '（未填）'."""
        return sorted(self._keys(by).unique())

    def subset(self, mask: Any) -> Evaluation:
        """The rows where `mask` holds (booleans, one per result row; NA counts as False), with
        only those firms' issues and corrections: e.g. one park's workbook, in which no other
        firm may appear anywhere. Benchmarks, rules and the input files stay the county's: they
        are the method, not another firm's data."""
        keep = pd.array(mask, dtype="boolean").fillna(False).to_numpy(dtype=bool)
        if keep.shape != (len(self.results),):
            raise ValueError("the mask must have one entry per result row")
        positions = np.flatnonzero(keep)
        codes = set(self.results["credit_code"].iloc[positions].dropna().astype(str))
        notes = self.table.notes
        table = replace(self.table.rows(keep), notes=notes[self._belongs(notes, positions, codes)])
        provenance = dict(self.provenance)
        provenance["corrections"] = [
            c for c in self.provenance.get("corrections", []) if c.get("credit_code") in codes
        ]
        provenance["appeals"] = [
            a for a in self.provenance.get("appeals", []) if a.get("credit_code") in codes
        ]
        counts = self.results["status"].iloc[positions].value_counts()
        provenance["rows"] = {
            "input": len(positions),
            **{s: int(counts.get(s, 0)) for s in STATUSES},
        }
        return replace(
            self,
            results=self.results.iloc[positions].reset_index(drop=True),
            issues=self.issues[self._belongs(self.issues, positions, codes)],
            provenance=provenance,
            table=table,
            columns=self.columns.take(positions, table.frame),
            stages=self.stages.subset(codes),
        )

    def _belongs(self, issues: pd.DataFrame, positions: np.ndarray, codes: set[str]) -> np.ndarray:
        """Issues about the firms of `codes`, or, without a credit code, about one of the rows at
        `positions` (a row whose code is missing is known by its file, sheet and row)."""
        code = issues["credit_code"].astype("string").fillna("")
        mine = ((code != "") & code.isin(codes)).to_numpy(dtype=bool)
        uncoded = (code == "").to_numpy(dtype=bool)
        if uncoded.any():
            rows = self.table.origin.iloc[positions].assign(_here=True)
            located = issues.loc[uncoded, ["file", "sheet", "row"]].astype({"row": "Int64"})
            rows = rows.astype({"row": "Int64"}).drop_duplicates(["file", "sheet", "row"])
            hit = located.merge(rows, on=["file", "sheet", "row"], how="left")["_here"]
            mine[np.flatnonzero(uncoded)] = hit.fillna(False).to_numpy(dtype=bool)
        return mine

    def _keys(self, by: str) -> pd.Series:
        if by in self.results.columns:
            keys = self.results[by]
        elif by in FIELDS or by in self.rules.catalog:
            keys = pd.Series(self.column(by), index=self.results.index)
        else:
            raise KeyError(f"cannot summarise by {by!r}")
        if by == "industry_division":  # '29 橡胶和塑料制品业'
            at, uniques = pd.factorize(keys.to_numpy(dtype=float), use_na_sentinel=True)
            labels = np.array([*(division_label(d) for d in uniques), division_label(np.nan)])
            return pd.Series(labels[at], index=keys.index, dtype=object)  # -1 → the last
        return keys.astype("string").fillna(MISSING_GROUP).astype(object)

    def policy_sums(self, by: str = "park") -> pd.DataFrame:
        """Per policy and group (e.g. park), then the county: firms it applies to, amount (元)."""
        return policies.policy_sums(self, by, COUNTY)

    def policy_applies(self, policy: Policy) -> np.ndarray:
        """Where a policy applies (a rate policy also where its figure is missing)."""
        return policies.applied(self, policy)

    def summary(self, by: str = "park") -> pd.DataFrame:
        """Per group, and last the whole county ('合计'): firms per status and tier, pooled
        per-mu figures over the evaluated firms that hold land (Σtax / Σland over the firms that
        reported the figure, never a mean of ratios) and each as a share of the county's
        (`tax_per_mu_index`, …)."""
        keys = self._keys(by)
        tiers = self.shown_tiers()
        key = self.tier_key()
        frame = pd.DataFrame({"key": keys.to_numpy(dtype=object), "firms": 1})
        for status in STATUSES:
            frame[status] = (self.results["status"] == status).to_numpy().astype(int)
        for tier in tiers:
            frame[f"tier_{tier}"] = (key == tier).to_numpy(dtype=bool).astype(int)
        evaluated = (self.results["status"] == "evaluated").to_numpy()
        land = np.asarray(self.column("land_mu"), dtype=float)
        has_land = evaluated & (land > 0)  # firms scored per m² of rented floor hold no land
        frame["land_mu"] = np.where(has_land, land, 0.0)
        for fig in SUMMARY_FIGURES[1:]:
            values = np.asarray(self.column(fig), dtype=float)
            known = has_land & np.isfinite(values)
            frame[fig] = np.where(known, values, 0.0)
            frame[f"_land_{fig}"] = np.where(known, land, 0.0)
            frame[f"_known_{fig}"] = known.astype(int)
        with np.errstate(over="ignore", invalid="ignore"):  # sums beyond the range are inf
            return self._pooled(frame, by, tiers)

    def _pooled(self, frame: pd.DataFrame, by: str, tiers: list[str]) -> pd.DataFrame:
        """`summary`'s sums per group and for the county, and the pooled figures from them."""
        grouped = frame.groupby("key", sort=True).sum()
        total = grouped.sum(numeric_only=True).to_frame(COUNTY).T
        out = pd.concat([grouped, total])
        for fig, per_mu in (
            ("tax_paid", "tax_per_mu"),
            ("revenue", "revenue_per_mu"),
            ("value_added", "value_added_per_mu"),
        ):
            # pooled over the firms that reported the figure: Σfigure / Σtheir land
            base = out.pop(f"_land_{fig}")
            reported = out.pop(f"_known_{fig}") > 0
            out[fig] = out[fig].where(reported)
            out[per_mu] = out[fig] / base.where(base > 0)
            county = out[per_mu].iloc[-1]  # by place: a park may itself be called 合计
            out[f"{per_mu}_index"] = out[per_mu] / county  # 1.0 = the county
        out.index.name = by
        count_cols = ["firms", *STATUSES, *(f"tier_{t}" for t in tiers)]
        out[count_cols] = out[count_cols].astype(int)
        return out.reset_index()

    def history(self, archive: Archive) -> History:
        """Tier migration, firms new or gone and consecutive years in a tier across the years
        of `archive` (a mujun.history.Archive), this Evaluation standing for its own year:
        a mujun.history.History."""
        from ..history.years import evaluation_history  # history builds on the engine

        return evaluation_history(self, archive)

    def rerun(self, rules: Rules | None = None, corrections: Any = None) -> Evaluation:
        """The same table evaluated again under `rules` (None: these rules), with `corrections`
        (a file or a frame in the corrections format) applied on top: a what-if."""
        from ..rerun import rerun  # corrections are read: a stage above the engine

        return rerun(self, rules, corrections)

    def explain(self, code: str) -> Any:
        """Why this firm has its tier and what would lift it one tier (`explain.Explanation`)."""
        from .explain import explain

        return explain(self, code)

    def explain_many(self, codes: Any = None) -> list[Any]:
        """`explain` of each firm of `codes` (None: every firm of the lowest tier of its class)."""
        from .explain import explain_many

        return explain_many(self, codes)

    def uncertainty(
        self,
        samples: int | None = None,
        weight_noise: float | None = None,
        seed: int | None = None,
        *,
        jobs: int | None = None,
        scheduler: Any = None,
        chunk: int | None = None,
        progress: Any = None,
    ) -> Any:
        """How stable each firm's tier is over samples of the rules' uncertain choices (weights,
        benchmark statistic, cap, tier shares): a `stability.Stability`. `progress(done,
        total)` is called as chunks of samples finish."""
        from .uncertainty import uncertainty

        return uncertainty(
            self,
            samples,
            weight_noise,
            seed,
            jobs=jobs,
            scheduler=scheduler,
            chunk=chunk,
            progress=progress,
        )
