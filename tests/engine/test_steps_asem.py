"""The step functions on COINr's ASEM data against COINr's published numbers: the COINr paper
(paper/paper.md) normalises the raw ASEM indicators by minmax onto [0, 100] (directions
applied) and aggregates them with the weighted arithmetic mean up the iMeta hierarchy; its
get_results() prints the top six. Skipped where the ASEM data set is not in the tree."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mujun.engine.hierarchy import Node, aggregate_tree
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


def test_vignette_raw_indicators_treated() -> None:
    # COINr's treat vignette treats Flights, Goods and Services of the raw data with the
    # defaults: all pass after winsorising at most 5 points, none needs the log
    data, _ = _load()
    for code in ("Flights", "Goods", "Services"):
        t = winsorise(data[code].to_numpy(dtype=float))
        assert t.passed and not t.log and t.winsorised <= 5
