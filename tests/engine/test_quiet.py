"""Quiet re-evaluations (what-if): no issue rows written, and every result the same as a full
evaluation's — the searches of explain read statuses, totals, ranks and tiers back from them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import RULES_TEXT, firms_frame
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mujun
from mujun.engine.rerun import evaluate_again
from mujun.issues import quiet, quiet_issues
from mujun.sample.synthetic import county_frame

SHIPPED = sorted((Path(__file__).parents[2] / "rules").glob("*.toml"))


def _both(frame: pd.DataFrame, rules: mujun.Rules) -> tuple[mujun.Evaluation, mujun.Evaluation]:
    loud = mujun.evaluate(frame, rules)
    with quiet_issues():
        hushed = mujun.evaluate(frame, rules)
    return loud, hushed


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_quiet_results_equal_full_results_under_every_shipped_rules_file(path: Path) -> None:
    rules = mujun.load_rules(path)
    frame = county_frame(240, year=rules.year, seed=7)
    loud, hushed = _both(frame, rules)
    pd.testing.assert_frame_equal(loud.results, hushed.results)
    assert len(loud.issues) > 0  # the county has issues to report …
    assert len(hushed.issues) == 0  # … which the quiet evaluation leaves out
    assert not quiet()  # the context is left again


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 12),
    seed=st.integers(0, 10_000),
    blank=st.sampled_from(["", "tax_paid", "land_mu", "revenue"]),
    bad=st.integers(0, 2),
)
def test_quiet_results_equal_full_results_on_random_counties(
    n: int, seed: int, blank: str, bad: int
) -> None:
    """Blanks, rejected codes and wrong years included: every status and reason the same."""
    frame = firms_frame(n, seed=seed)
    if blank:
        frame.loc[frame.index[::2], blank] = None
    if bad:
        frame.loc[frame.index[:bad], "credit_code"] = "不是代码"
        frame.loc[frame.index[-1:], "year"] = 1999
    loud, hushed = _both(frame, mujun.parse_rules(RULES_TEXT))
    pd.testing.assert_frame_equal(loud.results, hushed.results)


def test_evaluate_again_quiet_only_when_asked() -> None:
    frame = firms_frame(8, seed=1).assign(credit_code=lambda f: f["credit_code"].where(
        f.index != 0, "坏代码"))  # fmt: skip
    ev = mujun.evaluate(frame, mujun.parse_rules(RULES_TEXT))
    again = evaluate_again(ev, ev.table)
    hushed = evaluate_again(ev, ev.table, quiet=True)
    pd.testing.assert_frame_equal(again.results, hushed.results)
    assert len(again.issues) == len(ev.issues) > len(ev.table.notes)
    assert len(hushed.issues) == len(ev.table.notes)  # the table's own notes only: none written
