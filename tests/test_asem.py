"""The ASEM index (COINr's example composite indicator) computed by mujun and checked three ways.

1. A plain-pandas re-computation of COINr's pipeline on datasets/asem/ (denominate, impute by
   group mean, COINr's outlier treatment, min–max, arithmetic means up the tree) reproduces what
   COINr publishes (tests/data/asem_coinr.json): it guards the method.
2. mujun's treatment and skewness/kurtosis match COINr's published treatment table (raw data).
3. `mujun run` on rules/examples/asem.toml equals the re-computation to 1e-9 for every country,
   pillar and sub-index, and ranks the countries as COINr does: it guards the wiring.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import kurtosis, skew

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "datasets" / "asem"
RULES = ROOT / "rules" / "examples" / "asem.toml"
REFERENCE = json.loads((ROOT / "tests" / "data" / "asem_coinr.json").read_text(encoding="utf-8"))


def _passes(x: np.ndarray) -> bool:
    """COINr's check_SkewKurt: fails only when |skew| >= 2 and kurtosis >= 3.5 (type 2)."""
    return bool(abs(skew(x, bias=False)) < 2 or kurtosis(x, bias=False) < 3.5)


def coinr_treat(x: np.ndarray, winmax: int = 5) -> tuple[np.ndarray, int, bool]:
    """COINr's Treat default: winsorise on the skewed side until it passes (at most winmax
    points; tied extremes go together), else log_CT of the *original* values."""
    t, n = x.astype(float).copy(), 0
    while not _passes(t) and n < winmax:
        high = skew(t, bias=False) >= 0  # the side the skew points to
        side = t == (t.max() if high else t.min())
        t[side] = t[~side].max() if high else t[~side].min()
        n = int(side.sum())  # the tied points now include every point winsorised so far
    if _passes(t):
        return t, n, False
    return np.log(x - x.min() + 0.01 * (x.max() - x.min())), n, True


def coinr_pipeline() -> tuple[pd.DataFrame, dict[str, tuple[int, bool]]]:
    """Every aggregate's score per uCode, and (points winsorised, logged) per indicator."""
    data = pd.read_csv(DATA / "ASEM_iData.csv").set_index("uCode")
    meta = pd.read_csv(DATA / "ASEM_iMeta.csv")
    ind = meta[meta.Type == "Indicator"].set_index("iCode")
    x = data[list(ind.index)].astype(float)
    for code, den in ind.Denominator.dropna().items():
        x[code] = x[code] / data[den]
    x = x.fillna(x.groupby(data["EurAsia_group"]).transform("mean"))
    treated: dict[str, tuple[int, bool]] = {}
    for code in x:
        values, n, logged = coinr_treat(x[code].to_numpy())
        x[code], treated[code] = values, (n, logged)
    x = x * ind.Direction
    scores = (x - x.min()) / (x.max() - x.min()) * 100
    for _, agg in meta[meta.Type == "Aggregate"].sort_values("Level").iterrows():
        w = meta[meta.Parent == agg.iCode].set_index("iCode").Weight
        scores[agg.iCode] = scores[list(w.index)].mul(w).sum(axis=1) / w.sum()
    return scores, treated


@pytest.fixture(scope="module")
def pipeline() -> tuple[pd.DataFrame, dict[str, tuple[int, bool]]]:
    return coinr_pipeline()


def test_the_recomputation_reproduces_coinrs_published_top_of_the_index(pipeline) -> None:
    scores, _ = pipeline
    ranked = scores.Index.rank(ascending=False, method="min").astype(int)
    for row in REFERENCE["index_top"]["rows"]:
        assert ranked[row["uCode"]] == row["rank"]
        for col in REFERENCE["index_top"]["columns"]:
            assert round(scores.loc[row["uCode"], col], 2) == pytest.approx(row[col], abs=1e-9)


def test_the_recomputation_reproduces_every_published_rank_and_indias_summary(pipeline) -> None:
    scores, _ = pipeline
    ranked = scores.Index.rank(ascending=False, method="min").astype(int)
    assert ranked.to_dict() == REFERENCE["index_ranks"]["ranks"]
    india = REFERENCE["unit_summary_IND"]
    for col, value in india["scores"].items():
        assert round(scores.loc["IND", col], 2) == pytest.approx(value, abs=1e-9)
        rank = scores[col].rank(ascending=False, method="min").astype(int)["IND"]
        assert rank == india["ranks"][col]


def test_the_recomputation_treats_the_raw_data_as_coinrs_published_table(pipeline) -> None:
    raw = pd.read_csv(DATA / "ASEM_iData.csv")
    for code, row in REFERENCE["treatment_raw"]["rows"].items():
        x = raw[code].to_numpy(float)
        assert skew(x, bias=False) == pytest.approx(row["skew_before"], abs=1e-6)
        assert kurtosis(x, bias=False) == pytest.approx(row["kurt_before"], abs=1e-6)
        assert _passes(x) == row["pass_before"]
        t, n, logged = coinr_treat(x)
        assert (n or None) == row["nwin"] and not logged
        if row["nwin"]:
            assert skew(t, bias=False) == pytest.approx(row["skew_after"], abs=1e-6)
            assert kurtosis(t, bias=False) == pytest.approx(row["kurt_after"], abs=1e-6)
    for code, rows in REFERENCE["treatment_raw"]["points"].items():
        if code == "source":
            continue
        x = raw[code].to_numpy(float)
        t, _, _ = coinr_treat(x)
        assert sorted(np.flatnonzero(t != x) + 1) == rows  # COINr numbers rows from 1


def test_the_example_coin_winsorises_fifteen_indicators_and_logs_none(pipeline) -> None:
    """What the re-computation finds for the example coin (COINr prints no table for it)."""
    _, treated = pipeline
    winsorised = {code: n for code, (n, _) in treated.items() if n}
    assert winsorised == EXPECTED_WINSORISED
    assert not any(logged for _, logged in treated.values())


EXPECTED_WINSORISED = {
    "Flights": 1, "Bord": 3, "Gas": 3, "Services": 4, "FDI": 2, "ForPort": 3, "CostImpEx": 1,
    "Tariff": 3, "StMob": 2, "CultServ": 3, "Forest": 2, "Poverty": 3, "NGOs": 3, "FemLab": 1,
    "PubDebt": 1,
}  # fmt: skip


# ---- mujun on rules/examples/asem.toml ----

GROUPS = ["Conn", "Sust", "Physical", "ConEcFin", "Political", "Instit", "P2P", "Environ",
          "Social", "SusEcFin"]  # fmt: skip


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """`mujun run` on the shipped rules and data; its results.parquet, by uCode."""
    from cli_setup import invoke

    out = tmp_path_factory.mktemp("asem") / "run"
    code, output = invoke("run", "--rules", RULES, "--data", DATA / "ASEM_iData.csv", "--out", out)
    assert code == 0, output
    return pd.read_parquet(out / "results.parquet").set_index("credit_code")


@pytest.fixture(scope="module")
def evaluation():  # type: ignore[no-untyped-def]
    """The same evaluation through the API, for its stage tables."""
    from mujun import evaluate, load_rules, read_sources

    rules = load_rules(RULES)
    table = read_sources(
        [DATA / "ASEM_iData.csv"],
        year=rules.year,
        aliases=rules.input.aliases,
        fields=rules.catalog,
    )
    return evaluate(table, rules)


def test_mujun_evaluates_all_51_countries_keyed_by_ucode(run: pd.DataFrame) -> None:
    assert len(run) == 51 and run.index.is_unique
    assert (run.status == "evaluated").all()
    assert run.loc["CHN", "name"] == "China"


def test_mujuns_index_and_every_aggregate_equal_the_recomputation(run, pipeline) -> None:
    scores, _ = pipeline
    assert np.abs(run.total_score - scores.Index.reindex(run.index)).max() < 1e-9
    for group in GROUPS:
        column = "score_" + snake_code(group)
        assert np.abs(run[column] - scores[group].reindex(run.index)).max() < 1e-9, group


def test_mujun_ranks_the_countries_as_coinr_publishes(run: pd.DataFrame) -> None:
    assert run["rank"].astype(int).to_dict() == REFERENCE["index_ranks"]["ranks"]
    ordered = run.sort_values("rank").index
    assert list(ordered[:5]) == REFERENCE["index_ranks"]["top5"]
    assert list(ordered[-5:]) == REFERENCE["index_ranks"]["bottom5"]
    for row in REFERENCE["index_top"]["rows"]:
        assert round(run.loc[row["uCode"], "total_score"], 2) == pytest.approx(row["Index"])
    assert (
        round(run.loc["IND", "total_score"], 2) == REFERENCE["unit_summary_IND"]["scores"]["Index"]
    )


def test_mujun_winsorises_the_indicators_coinr_does(evaluation, pipeline) -> None:  # type: ignore[no-untyped-def]
    _, treated = pipeline
    table = evaluation.stages.treatment.set_index("indicator")
    counts = (table.winsorised_low + table.winsorised_high).astype(int)
    expected = {snake_code(c): n for c, (n, _) in treated.items() if n}
    assert {c: n for c, n in counts.items() if n} == expected
    assert not table["log"].astype(bool).any()
    points = evaluation.stages.winsorised
    assert len(points) == sum(expected.values()) == 35


def test_mujuns_treatment_table_matches_coinrs_skew_and_kurtosis(evaluation) -> None:  # type: ignore[no-untyped-def]
    """The denominated, imputed data: mujun's skewness and kurtosis before treatment equal
    scipy's type-2 estimators (COINr's) on the re-computed imputed values."""
    imputed = evaluation.stages.table("imputed").set_index("credit_code")
    table = evaluation.stages.treatment.set_index("indicator")
    for code in ["flights", "gas", "services", "gdp_grow"]:
        x = imputed[code].to_numpy(float)
        assert table.loc[code, "skew_before"] == pytest.approx(skew(x, bias=False), abs=1e-12)
        assert table.loc[code, "kurtosis_before"] == pytest.approx(
            kurtosis(x, bias=False), abs=1e-12
        )


def test_mujuns_treatment_gives_coinrs_published_table_on_the_raw_data() -> None:
    """mujun's own winsorise (the step the engine runs) on the raw columns: COINr's published
    skewness and kurtosis before and after, the points it winsorised and the rows they are."""
    from mujun.engine.treat import winsorise

    raw = pd.read_csv(DATA / "ASEM_iData.csv")
    published = REFERENCE["treatment_raw"]
    for code, row in published["rows"].items():
        result = winsorise(raw[code].to_numpy(float))
        assert result.skew_before == pytest.approx(row["skew_before"], abs=1e-6)
        assert result.kurtosis_before == pytest.approx(row["kurt_before"], abs=1e-6)
        assert (int(result.low.sum() + result.high.sum()) or None) == row["nwin"]
        assert not result.log and result.passed
        if row["nwin"]:
            assert result.skew_after == pytest.approx(row["skew_after"], abs=1e-6)
            assert result.kurtosis_after == pytest.approx(row["kurt_after"], abs=1e-6)
    for code in ("Flights", "Goods"):
        result = winsorise(raw[code].to_numpy(float))
        assert sorted(np.flatnonzero(result.high) + 1) == published["points"][code]


def snake_code(icode: str) -> str:
    from mujun.coinr_meta import snake

    return snake(icode)


def test_the_order_of_the_countries_in_the_file_does_not_matter(evaluation, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from mujun import evaluate, load_rules, read_sources

    rules = load_rules(RULES)
    shuffled = pd.read_csv(DATA / "ASEM_iData.csv").sample(frac=1.0, random_state=16)
    path = tmp_path / "ASEM_iData.csv"
    shuffled.to_csv(path, index=False)
    table = read_sources([path], year=rules.year, aliases=rules.input.aliases, fields=rules.catalog)
    again = evaluate(table, rules).results.set_index("credit_code")
    first = evaluation.results.set_index("credit_code").loc[again.index]
    assert np.abs(again.total_score - first.total_score).max() < 1e-12
    assert (again["rank"] == first["rank"]).all() and (again.tier == first.tier).all()


# COINr's data-selection vignette prints the head of the example coin's normalised data set
# (denominated, imputed, treated, min-max 0-100): get_dset(coin, dset = "Normalised")[1:5],
# https://bluefoxr.github.io/COINr/articles/data_selection.html (also on CRAN's vignettes)
PUBLISHED_NORMALISED = {
    "AUS": [79.96112, 12.3223217, 66.14497, 0.00000],
    "AUT": [94.07137, 27.8763185, 0.00000, 42.01269],
    "BEL": [94.56023, 23.3967426, 97.14314, 100.00000],
    "BGD": [27.63906, 0.1243185, 45.80661, 10.85013],
    "BGR": [34.29965, 10.8828790, 37.40495, 16.34359],
}


def test_mujuns_normalised_stage_is_coinrs_published_one(evaluation) -> None:  # type: ignore[no-untyped-def]
    normalised = evaluation.stages.table("normalised").set_index("credit_code")
    for code, published in PUBLISHED_NORMALISED.items():
        ours = normalised.loc[code, ["lpi", "flights", "ship", "bord"]].to_numpy(dtype=float)
        assert ours == pytest.approx(published, abs=5e-6), code  # printed to 7 significant digits
