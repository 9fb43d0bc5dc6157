"""The benchmark harness: every stage timed, JSON output for tracking."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from mujun.cli import app
from mujun.sample.bench import run_bench

STAGES = {
    "generate_s",
    "read_csv_s",
    "pyarrow_csv_s",
    "read_parquet_s",
    "pyarrow_parquet_s",
    "checks_s",
    "evaluate_s",
    "reference_s",
    "write_csv_s",
    "write_parquet_s",
    "run_read_s",
    "run_evaluate_s",
    "run_write_s",
    "growth_s",
    "clusters_s",
    "select_s",
    "tiers_variant_s",
    "explain_d_demo_s",
}
RATIOS = {"read_csv_ratio", "read_parquet_ratio", "evaluate_ratio", "tiers_variant_ratio"}


@pytest.mark.slow
def test_every_stage_is_timed_on_a_small_county() -> None:
    seen: list[str] = []
    figures = run_bench(3000, repeat=1, progress=seen.append)
    assert set(figures) >= STAGES | RATIOS
    assert all(figures[k] > 0 for k in STAGES | RATIOS)
    assert figures["n"] == 3000 and figures["peak_rss_mb"] > 10
    assert seen[0] == "generation" and "evaluate" in seen
    # every file of the run is timed on its own
    assert figures["run_write results.csv_s"] > 0 and figures["run_write parks/_s"] > 0
    assert figures["evaluate_ratio"] == figures["evaluate_s"] / figures["reference_s"]


def test_the_tiers_variant_uses_groups_and_stages() -> None:
    """The bench's variant: 规上 by quotas within industry divisions with a tie-break, 规下 by
    two stages within them; every evaluated firm of a small county gets a tier of its class."""
    from mujun.engine.evaluate import evaluate
    from mujun.rules import load_rules
    from mujun.sample.bench import VARIANT_BY, tiers_variant
    from mujun.sample.demo import DEMO_RULES
    from mujun.sample.synthetic import county_frame

    rules = load_rules(DEMO_RULES)
    variant = tiers_variant(rules)
    assert [d.code for d in variant.derive] == [VARIANT_BY]  # the groups are a derived field
    above, below = variant.classes[:2]
    assert above.tiers.method == "quota" and above.tiers.by == VARIANT_BY
    assert above.tiers.tie_break == ["tax_paid", "revenue"]
    assert below.tiers.method == "stages" and len(below.tiers.stage) == 2
    res = evaluate(county_frame(2000, year=rules.year, seed=1), variant).results
    done = res[res["status"] == "evaluated"]
    assert done["tier"].notna().all()
    assert set(done.loc[done["class"] == "below_scale", "tier"]) <= {"A", "B", "C"}
    assert "stage" in set(done["tier_reason"])
    assert done["rank"].max() < len(done)  # ranked within the industry groups, not the class


def test_the_reference_is_checked_against_evaluate() -> None:
    """The bench stops when evaluate and the numpy reference disagree: a firm's tax changed
    behind the reference's back makes them differ."""
    import numpy as np
    import pytest

    from mujun import evaluate, load_rules
    from mujun.sample.bench import same_as_reference
    from mujun.sample.demo import DEMO_RULES
    from mujun.sample.synthetic import county_frame
    from mujun.table import EnterpriseTable

    rules = load_rules(DEMO_RULES)
    table = EnterpriseTable.from_frame(county_frame(2000, year=rules.year, seed=1))
    ev = evaluate(table, rules)
    same_as_reference(ev, table)  # identical
    moved = ev.results.copy()
    first = int(np.flatnonzero(moved["status"] == "evaluated")[0])
    moved.loc[first, "total_score"] += 1.0
    import dataclasses

    with pytest.raises(AssertionError, match="total_score"):
        same_as_reference(dataclasses.replace(ev, results=moved), table)


@pytest.mark.slow
def test_a_large_evaluation_runs_in_a_process_of_its_own() -> None:
    from mujun.sample.bench import large_figures

    got = large_figures(5000, evaluate_s=1.0, runs=2)
    assert got["large_n"] == 5000 and got["large_runs"] == 2 and got["evaluate_large_s"] > 0
    assert got["large_ratio"] == got["evaluate_large_s"]  # against the 1.0 s given
    assert got["large_peak_rss_mb"] > got["large_frame_mb"] > 0


@pytest.mark.slow
def test_json_output_is_one_object_with_a_key_per_stage() -> None:
    result = CliRunner().invoke(app, ["bench", "--n", "2000", "--repeat", "1", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert set(figures) >= STAGES and "peak_rss_mb" in figures
