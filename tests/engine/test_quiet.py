"""Quiet re-evaluations (what-if): no issue rows written, and every result the same as a full
evaluation's — the searches of explain read statuses, totals, ranks and tiers back from them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import RULES_TEXT, firms_frame
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mujun
from mujun.engine.again import evaluate_again
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


def test_quiet_units_with_per_row_messages_equal_full_results() -> None:
    """`[units]` issues carry a message per row (written onto the rows' table): quiet, there is
    no table to write onto, and the results stay the same (a rejected member, a parcel without
    its owner, a tenant whose owner is not evaluated)."""
    from conftest import YEAR, one_class_text
    from test_units_of_evaluation import FOLLOW, MERGE, TAX, THRESHOLD, firms

    rules = mujun.parse_rules(one_class_text(TAX, tiers=THRESHOLD) + MERGE + FOLLOW[8:])
    table = firms(
        group_code=["G1", "G1", None, None, None, None],
        parcel_id=[None, None, "P1", "P2", "P3", "P3"],
        above_scale=[True, True, True, True, False, True],
        land_owned_mu=[10.0, 20.0, 10.0, 0.0, 10.0, np.nan],
        land_leased_mu=[np.nan, np.nan, np.nan, 5.0, np.nan, 5.0],
        tax_paid=[30.0, 90.0, 50.0, 50.0, 100.0, 10.0],
    )
    table.loc[0, "year"] = YEAR - 1  # member 0 of unit G1: another year's data
    loud, hushed = _both(table, rules)
    assert {"unit-member-rejected", "parcel-without-owner"} <= set(loud.issues["code"])
    pd.testing.assert_frame_equal(loud.results, hushed.results)
    assert len(hushed.issues) == 0
