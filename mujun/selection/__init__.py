"""Key firms from a multi-year panel (DOMAIN §7): growth profiles and their clusters, the
contact list (重点企业包保名单) with reasons and 三年倍增 targets, the cultivation lists (培育库)
and the commissioners' assignment, each stage a pure function of the panel, the evaluation of
the rules' year (which carries the rules and each firm's veto) and a table of commissioners.
Reading the commissioners' file is the caller's (`mujun.read_commissioners`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from ..engine.evaluation import MISSING_GROUP, Evaluation
from ..engine.parks import canonical_names
from ..errors import DataError
from ..rules import Rules
from ..table import EnterpriseTable
from .assign import assign, check_parks
from .clusters import cluster_profiles
from .contact import PARTS, choose, doubling, eligibility, key_scores, reasons, required_growth
from .growth import GROWTH_COLUMNS, growth_features
from .watch import watch_lists

__all__ = ["GROWTH_CSV", "KEY_FIRMS_CSV", "KeyFirms", "select_key_firms"]

# the columns of growth.csv and key_firms.csv, in order
GROWTH_CSV = (
    *GROWTH_COLUMNS,
    "total_score",
    "tier",
    "cluster",
    "cluster_label",
    "flags",
    "name",
    "park",
    "years",
    "not_eligible",
)
KEY_FIRMS_CSV = (
    "credit_code",
    "name",
    "park",
    "cluster_label",
    "key_score",
    "reasons",
    "commissioner",
    "doubling_target",
    "on_track",
)


@dataclass(frozen=True)
class KeyFirms:
    """What `select_key_firms` found.

    growth: one row per firm of the window (credit-code order): identity, the evaluation year's
      revenue / tax / value added, the growth features, status, score and tier, cluster and
      label, `not_eligible` ('' for an eligible firm), the score parts and key_score, flags.
    clusters: one row per cluster: number, label, firms, centre (shares as multiples of the
      median firm's share, rates as rates); silhouettes: silhouette of each k tried.
    contact_list: the key firms in order of key score, with reasons, 三年倍增 target and
      commissioner (empty without a commissioners table); quotas: places per park.
    watch_lists: one row per (list, firm); assignment: the commissioner of each key firm
      (None without a commissioners table); commissioners: the table used.
    """

    growth: pd.DataFrame
    clusters: pd.DataFrame
    silhouettes: dict[int, float]
    contact_list: pd.DataFrame
    quotas: pd.Series
    watch_lists: pd.DataFrame
    assignment: pd.DataFrame | None
    commissioners: pd.DataFrame | None
    years: tuple[int, ...]
    rules: Rules

    def __repr__(self) -> str:
        return (
            f"KeyFirms({self.rules.region} {self.years[0]}–{self.years[-1]}: "
            f"{len(self.growth)} firms, {len(self.clusters)} clusters, "
            f"{len(self.contact_list)} key firms, {len(self.watch_lists)} on watch lists)"
        )

    def key_firms_table(self) -> pd.DataFrame:
        """key_firms.csv: the columns the issue names, then the 三年倍增 details."""
        extra = [
            "industry_code",
            "contribution",
            "growth",
            "competitiveness",
            "doubling_base",
            "doubling_year",
            "required_growth",
            "projected_revenue",
            "assignment_note",
        ]
        return self.contact_list[[*KEY_FIRMS_CSV, *extra]]

    def park_summary(self) -> pd.DataFrame:
        """Per park (no park: MISSING_GROUP): places, key firms and how many can double on trend."""
        listed = self.contact_list.assign(park=self.contact_list["park"].fillna(MISSING_GROUP))
        firms = listed.groupby("park", sort=True).agg(
            key_firms=("credit_code", "size"), on_track=("on_track", "sum")
        )
        out = firms.reindex(self.quotas.index.union(firms.index), fill_value=0)
        out.insert(0, "quota", self.quotas.reindex(out.index, fill_value=0))
        return out.rename_axis("park").reset_index()

    @property
    def required_growth(self) -> float:
        """The growth a year that reaches the 三年倍增 target (2× in 3 years: 26.0 %)."""
        return required_growth(self.rules.selection.doubling)

    def growth_table(self) -> pd.DataFrame:
        """growth.csv: one row per firm."""
        return self.growth[list(GROWTH_CSV)]


COMMISSIONER_COLUMNS = ("name", "park", "industries")


def select_key_firms(
    panel: EnterpriseTable | pd.DataFrame,
    evaluation: Evaluation,
    commissioners: pd.DataFrame | None = None,
) -> KeyFirms:
    """Growth, clusters, contact list, watch lists and (with a commissioners table) assignment.

    `panel` holds several years (one row per firm-year, the rules' year among them);
    `evaluation` is the evaluation of the rules' year, under its rules' `[selection]`;
    `commissioners` has the columns name, park and industries (a tuple of industry code
    prefixes each), as `read_commissioners` gives. See the submodules for each step.
    """
    rules = evaluation.rules
    s = rules.selection
    panel, commissioners = _canonical_parks(panel, commissioners, rules)
    grown = growth_features(panel, rules.year, s.window, evaluation)
    table = grown.table
    clusters = cluster_profiles(table, s.clusters)
    table["cluster"], table["cluster_label"] = clusters.cluster, clusters.label
    table["not_eligible"] = eligibility(table, grown.latest, s.weights)
    scores = key_scores(table, (table["not_eligible"] == "").to_numpy(), s)
    for column in scores.columns:
        table[column] = scores[column].to_numpy()
    chosen, quotas = choose(table, scores, table["not_eligible"], s)
    at = chosen["position"].to_numpy()
    contact = table.iloc[at][
        [
            "credit_code",
            "name",
            "park",
            "industry_code",
            "cluster",
            "cluster_label",
            "key_score",
            *PARTS,
        ]
    ].reset_index(drop=True)
    contact["rank_in_park"] = chosen["rank_in_park"].to_numpy()
    contact["reasons"] = pd.array(reasons(table, scores, chosen, s, grown.years), dtype="string")
    for column, values in doubling(table, chosen, s, rules.year).items():
        contact[column] = values.to_numpy()
    people, assigned = None, None
    contact["commissioner"] = pd.array([pd.NA] * len(contact), dtype="string")
    contact["assignment_note"] = pd.array([pd.NA] * len(contact), dtype="string")
    if commissioners is not None:
        lacking = [c for c in COMMISSIONER_COLUMNS if c not in commissioners.columns]
        if lacking:
            raise DataError(
                f"首席服务专员表缺少列：{', '.join(lacking)}"
                "（请用 mujun.read_commissioners 读取专员名单）"
            )
        people = commissioners[list(COMMISSIONER_COLUMNS)].reset_index(drop=True)
        check_parks(people, set(table["park"].dropna().astype(str)))
        assigned = assign(contact, people, s.assignment)
        contact["commissioner"] = pd.array(assigned["commissioner"], dtype="string")
        contact["assignment_note"] = pd.array(assigned["assignment_note"], dtype="string")
    watch = watch_lists(table, grown.latest, rules, rules.year)
    return KeyFirms(
        table,
        clusters.centres,
        clusters.silhouettes,
        contact,
        quotas,
        watch,
        assigned,
        people,
        grown.years,
        rules,
    )


def _canonical_parks(
    panel: EnterpriseTable | pd.DataFrame, commissioners: pd.DataFrame | None, rules: Rules
) -> tuple[EnterpriseTable | pd.DataFrame, pd.DataFrame | None]:
    """The panel's and the commissioners' parks under their canonical names (`[parks]`), as
    the evaluation shows them: one park's firms and commissioners are one park's quota."""
    if rules.parks is None:
        return panel, commissioners
    frame = panel.frame if isinstance(panel, EnterpriseTable) else panel
    if "park" in frame:
        named = frame.assign(park=canonical_names(frame["park"], rules.parks))
        panel = replace(panel, frame=named) if isinstance(panel, EnterpriseTable) else named
    if commissioners is not None and "park" in commissioners:
        commissioners = commissioners.assign(
            park=canonical_names(commissioners["park"], rules.parks)
        )
    return panel, commissioners
