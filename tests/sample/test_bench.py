"""The benchmark harness: every stage timed, JSON output for tracking."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from mujun.cli import app
from mujun.sample.bench import run_bench

STAGES = {
    "generate_s", "read_csv_s", "read_parquet_s", "checks_s", "indicators_s", "scoring_s",
    "tiers_s", "evaluate_s", "write_csv_s", "write_parquet_s", "growth_s", "clusters_s",
    "select_s",
}  # fmt: skip


def test_every_stage_is_timed_on_a_small_county() -> None:
    seen: list[str] = []
    figures = run_bench(3000, repeat=1, progress=seen.append)
    assert set(figures) >= STAGES
    assert all(figures[k] > 0 for k in STAGES)
    assert figures["n"] == 3000 and figures["peak_rss_mb"] > 10
    assert seen[0] == "generation" and "evaluate" in seen


def test_json_output_is_one_object_with_a_key_per_stage() -> None:
    result = CliRunner().invoke(app, ["bench", "--n", "2000", "--repeat", "1", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert set(figures) >= STAGES and "peak_rss_mb" in figures
