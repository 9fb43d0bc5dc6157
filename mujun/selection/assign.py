"""Commissioners for the key firms (首席服务专员), solved exactly as a mixed-integer programme.

x[i, j] = 1 when firm i goes to commissioner j. Each firm goes to exactly one commissioner; each
commissioner takes between min_firms and max_firms firms. The cost minimised is

    Σ x[i, j] × (park_cost × [j is not of i's park]
                 + industry_cost × [j does not know i's industry])
    + balance_cost × Σ_j |load_j − F / C|

(F firms, C commissioners; a commissioner whose park is blank or 全县 covers every park; one knows
an industry when a code they list starts the firm's industry code). |·| is linearised with one
continuous variable per commissioner. scipy.optimize.milp (HiGHS) proves the optimum.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from ..errors import DataError
from ..rules.selection import Assignment

COUNTY_WIDE = ("", "全县", "县级", "全市")
TIME_LIMIT = 300.0  # seconds; a list of a few hundred firms is solved in well under one


def cost_matrix(
    firms: pd.DataFrame, commissioners: pd.DataFrame, settings: Assignment
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cost, other_park, unfamiliar): F × C arrays for firms (park, industry_code) and
    commissioners (park, industries: a tuple of code prefixes each)."""
    firm_park = firms["park"].fillna("").to_numpy(dtype=object).astype(str)
    home = commissioners["park"].fillna("").to_numpy(dtype=object).astype(str)
    other_park = (firm_park[:, None] != home[None, :]) & ~np.isin(home, COUNTY_WIDE)[None, :]
    code = firms["industry_code"].fillna("").to_numpy(dtype=object).astype(str)
    known = np.zeros((len(firms), len(commissioners)), dtype=bool)
    prefixes = sorted({p for ps in commissioners["industries"] for p in ps})
    for prefix in prefixes:  # a loop over the industry codes commissioners list
        starts = np.char.startswith(code.astype(str), prefix)
        knows = np.array([prefix in ps for ps in commissioners["industries"]])
        known |= starts[:, None] & knows[None, :]
    unfamiliar = ~known
    cost = settings.park_cost * other_park + settings.industry_cost * unfamiliar
    return cost.astype(float), other_park, unfamiliar


def check_parks(commissioners: pd.DataFrame, parks: set[str]) -> None:
    """A commissioner's park that no firm has is surely a typo (固镇经开区 for 固镇经济开发区):
    every firm would count as outside it. Stop and name it."""
    home = commissioners["park"].fillna("").astype(str)
    unknown = sorted(set(home[~home.isin(COUNTY_WIDE)]) - parks)
    if unknown:
        raise DataError(
            f"首席服务专员名单中的园区“{'、'.join(unknown)}”不在企业数据中，请按企业数据中的园区名称填写"
            f"（现有园区：{'、'.join(sorted(parks))}；全县专员填“全县”或留空）"
        )


def check_bounds(n_firms: int, n_commissioners: int, settings: Assignment) -> None:
    """A clear error when no assignment can meet the bounds."""
    lo, hi = settings.min_firms, settings.max_firms
    if n_commissioners == 0:
        raise DataError("首席服务专员名单为空，无法分配重点企业")
    if n_commissioners * hi < n_firms:
        raise DataError(
            f"无法分配：{n_commissioners}位首席服务专员每人最多{hi}家，最多覆盖"
            f"{n_commissioners * hi}家，而重点企业有{n_firms}家（请增加专员，或调高 "
            "selection.assignment.max_firms）"
        )
    if n_commissioners * lo > n_firms:
        raise DataError(
            f"无法分配：{n_commissioners}位首席服务专员每人至少{lo}家，至少需要"
            f"{n_commissioners * lo}家，而重点企业只有{n_firms}家（请减少专员，或调低 "
            "selection.assignment.min_firms）"
        )


def total_cost(choice: np.ndarray, cost: np.ndarray, settings: Assignment) -> float:
    """The objective of an assignment given as the commissioner index of each firm."""
    F, C = cost.shape
    load = np.bincount(choice, minlength=C)
    imbalance = np.abs(load - F / C).sum()
    return float(cost[np.arange(F), choice].sum() + settings.balance_cost * imbalance)


def solve(cost: np.ndarray, settings: Assignment) -> np.ndarray:
    """The commissioner index of each firm in an optimal assignment."""
    F, C = cost.shape
    check_bounds(F, C, settings)
    if F == 0:
        return np.zeros(0, dtype=np.int64)
    nx = F * C
    c = np.concatenate([cost.ravel(), np.full(C, settings.balance_cost)])
    firm_of = np.repeat(np.arange(F), C)  # variable i * C + j
    comm_of = np.tile(np.arange(C), F)
    cols = np.arange(nx)
    one_each = sparse.csr_array((np.ones(nx), (firm_of, cols)), shape=(F, nx + C))
    load = sparse.csr_array((np.ones(nx), (comm_of, cols)), shape=(C, nx + C))
    dev = sparse.csr_array((np.ones(C), (np.arange(C), nx + np.arange(C))), shape=(C, nx + C))
    mean = F / C
    constraints = [
        LinearConstraint(one_each, 1, 1),
        LinearConstraint(load, settings.min_firms, settings.max_firms),
        LinearConstraint(load - dev, -np.inf, mean),  # load − d ≤ mean
        LinearConstraint(load + dev, mean, np.inf),  # load + d ≥ mean
    ]
    integrality = np.concatenate([np.ones(nx), np.zeros(C)])
    bounds = Bounds(np.zeros(nx + C), np.concatenate([np.ones(nx), np.full(C, np.inf)]))
    result = milp(
        c,
        constraints=constraints,
        integrality=integrality,
        bounds=bounds,
        options={"time_limit": TIME_LIMIT},
    )
    if result.status != 0 or result.x is None:
        raise DataError(f"专员分配求解失败：{result.message}")
    x = np.round(result.x[:nx]).reshape(F, C)
    return x.argmax(axis=1).astype(np.int64)


def assign(firms: pd.DataFrame, commissioners: pd.DataFrame, settings: Assignment) -> pd.DataFrame:
    """Each firm's commissioner, the cost of the pair and its notes (跨园区, 行业不熟悉). Equal
    costs leave several optima: firms are put to the solver in credit-code order and
    commissioners in name order, so the answer does not depend on the order of either table."""
    cost, other_park, unfamiliar = cost_matrix(firms, commissioners, settings)
    f_order = np.argsort(firms["credit_code"].to_numpy(dtype=object).astype(str), kind="stable")
    c_order = np.argsort(commissioners["name"].to_numpy(dtype=object).astype(str), kind="stable")
    sorted_choice = solve(cost[np.ix_(f_order, c_order)], settings)
    choice = np.empty(len(firms), dtype=np.int64)
    choice[f_order] = c_order[sorted_choice]
    rows = np.arange(len(firms))
    note = np.where(other_park[rows, choice], "跨园区", "")
    far = unfamiliar[rows, choice]
    note = np.where(far, np.where(note == "", "行业不熟悉", note + "、行业不熟悉"), note)
    return pd.DataFrame(
        {
            "credit_code": firms["credit_code"].to_numpy(dtype=object),
            "commissioner": commissioners["name"].to_numpy(dtype=object)[choice],
            "commissioner_park": commissioners["park"].fillna("").to_numpy(dtype=object)[choice],
            "pair_cost": cost[rows, choice],
            "assignment_note": note.astype(object),
        }
    )
