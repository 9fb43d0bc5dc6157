"""The step functions on COINr's ASEM data against COINr's published numbers: the COINr paper
(raw indicators → minmax [0, 100] → weighted arithmetic means up the iMeta hierarchy) and the
results vignette (the full example coin: denominated, imputed, treated), each printing the
top six of get_results(), and the treat vignette's treatment table of the raw data. Skipped
where the ASEM data set is not in the tree."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mujun.engine.hierarchy import Node, aggregate_tree
from mujun.engine.impute import group_fill
from mujun.engine.normalise import minmax
from mujun.engine.treat import winsorise

DATA = Path(__file__).resolve().parents[2] / "datasets" / "asem"
pytestmark = pytest.mark.skipif(
    not (DATA / "ASEM_iData.csv").exists(), reason="the ASEM data set is not in this tree"
)


def _load() -> tuple[pd.DataFrame, pd.DataFrame]:
    data = pd.read_csv(DATA / "ASEM_iData.csv")
    meta = pd.read_csv(DATA / "ASEM_iMeta.csv")
    return data, meta[meta["Type"].isin(["Indicator", "Aggregate"])]


def test_paper_index_top_six() -> None:
    # COINr paper: DEU 75.23, GBR 68.94, FRA 65.92, CHE 62.61, NLD 61.24, SWE 60.59
    data, meta = _load()
    indicators = meta[meta["Type"] == "Indicator"]
    leaves = {
        r.iCode: minmax(data[r.iCode].to_numpy(dtype=float) * r.Direction)
        for r in indicators.itertuples()
    }
    nodes = [
        Node(r.iCode, None if r.Parent == "Index" else r.Parent, float(r.Weight), "mean")
        for r in meta.itertuples()
        if r.iCode != "Index"
    ]
    index = aggregate_tree(leaves, nodes, "mean")[""]
    top = pd.Series(index, index=data["uCode"]).sort_values(ascending=False).head(6).round(2)
    assert top.index.tolist() == ["DEU", "GBR", "FRA", "CHE", "NLD", "SWE"]
    np.testing.assert_allclose(top.to_numpy(), [75.23, 68.94, 65.92, 62.61, 61.24, 60.59])


# COINr's treat vignette (rendered docs/articles/treat.html): Treat(coin, dset = "Raw") with
# the defaults, head of Dets_Table: skew and kurtosis before, points winsorised, after
TREATMENT_RAW = {
    "LPI": (-0.3042681, -0.6567514, 0, None),
    "Flights": (2.1032872, 4.5088794, 1, (1.900658, 3.336065)),
    "Ship": (-0.575668, -0.6814795, 0, None),
    "Bord": (2.148236, 5.7914905, 1, (1.899211, 4.346298)),
    "Elec": (2.2252736, 5.7910268, 1, (1.717744, 2.586062)),
    "Gas": (2.8294486, 10.3346494, 1, (1.602518, 1.525576)),
    "Goods": (2.649973, 8.26661, 2, (1.140608, 0.1572047)),
    "Services": (1.701085, 2.375656, 0, None),
}


def test_vignette_raw_treatment_table() -> None:
    data, _ = _load()
    for code, (skew, kurt, points, after) in TREATMENT_RAW.items():
        t = winsorise(data[code].to_numpy(dtype=float))
        assert (t.skew_before, t.kurtosis_before) == pytest.approx((skew, kurt), abs=1e-6)
        assert t.winsorised == points and t.passed and not t.log
        if after is not None:
            assert (t.skew_after, t.kurtosis_after) == pytest.approx(after, abs=1e-6)
    # Treated_Points of the vignette's three-indicator example: Flights row 30, Goods rows 11
    # and 35 (R counts from 1), all on the high side
    for code, rows in (("Flights", [30]), ("Goods", [11, 35])):
        t = winsorise(data[code].to_numpy(dtype=float))
        assert (np.flatnonzero(t.high) + 1).tolist() == rows and not t.low.any()


# COINr's results vignette (build_example_coin: Denominate → Impute by EurAsia_group mean →
# Screen → Treat (defaults, winmax 5) → minmax [0, 100] → arithmetic means), get_results() head:
PUBLISHED = {
    #      Index  Conn   Sust   Physical ConEcFin Political Instit P2P   Environ Social SusEcFin
    "CHE": [68.38, 62.79, 73.98, 63.41, 32.87, 74.78, 85.94, 56.93, 77.21, 87.85, 56.88],
    "NLD": [64.82, 61.94, 67.70, 64.87, 46.62, 84.55, 71.74, 41.92, 58.73, 86.58, 57.78],
    "DNK": [64.80, 57.10, 72.51, 50.52, 30.43, 78.13, 75.35, 51.04, 69.83, 86.40, 61.29],
    "NOR": [64.47, 57.44, 71.50, 58.18, 25.70, 80.03, 89.46, 33.80, 70.90, 87.00, 56.59],
    "BEL": [63.54, 63.99, 63.09, 71.97, 48.22, 80.84, 75.60, 43.32, 53.01, 86.17, 50.09],
    "SWE": [63.00, 53.87, 72.12, 51.51, 23.87, 80.98, 74.51, 38.50, 66.37, 87.74, 62.27],
}
AGGREGATES = ["", "Conn", "Sust", "Physical", "ConEcFin", "Political", "Instit", "P2P"]
AGGREGATES += ["Environ", "Social", "SusEcFin"]
# the points our treatment winsorises on the way (the scores above agree with COINr's)
WINSORISED = {"Flights": 1, "Bord": 3, "Gas": 3, "Services": 4, "FDI": 2, "ForPort": 3}
WINSORISED |= {"CostImpEx": 1, "Tariff": 3, "StMob": 2, "CultServ": 3, "Forest": 2}
WINSORISED |= {"Poverty": 3, "NGOs": 3, "FemLab": 1, "PubDebt": 1}


def test_full_example_coin() -> None:
    data, meta = _load()
    groups = data["EurAsia_group"].to_numpy(dtype=object)
    leaves: dict[str, np.ndarray] = {}
    treated: dict[str, int] = {}
    for r in meta[meta["Type"] == "Indicator"].itertuples():
        x = data[r.iCode].to_numpy(dtype=float)
        if isinstance(r.Denominator, str):
            x = x / data[r.Denominator].to_numpy(dtype=float)
        x, _ = group_fill(x, groups, "mean")
        t = winsorise(x)  # every unit has ≥ 90 % of its data: Screen removes no one
        assert not t.log
        if t.winsorised:
            treated[r.iCode] = t.winsorised
        leaves[r.iCode] = minmax(t.values * r.Direction)
    nodes = [
        Node(r.iCode, None if r.Parent == "Index" else r.Parent, float(r.Weight), "mean")
        for r in meta.itertuples()
        if r.iCode != "Index"
    ]
    scores = aggregate_tree(leaves, nodes, "mean")
    table = pd.DataFrame({k or "Index": v for k, v in scores.items()}, index=data["uCode"])
    table = table[[k or "Index" for k in AGGREGATES]].sort_values("Index", ascending=False)
    top = table.head(6).round(2)
    assert top.index.tolist() == list(PUBLISHED)
    np.testing.assert_allclose(top.to_numpy(), np.array(list(PUBLISHED.values())))
    # 15 of the 49 indicators are winsorised, 35 points in all, none log-transformed
    assert treated == WINSORISED and sum(treated.values()) == 35
