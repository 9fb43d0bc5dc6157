"""One typo must not flatten a class: a value no firm can have, or orders of magnitude above the
class's median, rejects its firm (unless a correction confirms it) and weighs in no benchmark; a
total that is not a finite number is an error, never a tier."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import (
    YEAR,
    credit_code,
    firms_frame,
    indicator_toml,
    one_class_rules,
    one_class_text,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import mujun
from mujun import EnterpriseTable, evaluate
from mujun.cli import app
from mujun.engine import checks
from mujun.engine.checks import MIN_PEERS, OUTLIER_FACTOR, confirmed_rows
from mujun.fields import FIELDS

POOLED = one_class_rules(
    indicator_toml(
        "tax_per_mu", "tax_paid / land_mu", 60, 'method = "ratio", benchmark = "pooled", cap = 3.0'
    )
    + indicator_toml(
        "revenue_per_mu", "revenue / land_mu", 40, 'method = "minmax", floor = 20'
    )
)  # fmt: skip


def tiers_of(frame: pd.DataFrame, rules: mujun.Rules = POOLED) -> pd.Series:
    got = evaluate(frame, rules).results
    return got.set_index("credit_code")["tier"].astype("string")


def issues_of(got: mujun.Evaluation, code: str) -> pd.DataFrame:
    return got.issues[got.issues["code"] == code]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tax_paid", 1e308),  # beyond any firm
        ("tax_paid", -1e308),  # a refund as absurd sinks a pooled benchmark below 0
        ("tax_paid", 5e6),  # plausible for a giant, 10 000 × the class's median per 亩
        ("revenue", 1e300),
        ("land_owned_mu", 1e-7),  # a tiny land makes every per-亩 value huge
        ("land_owned_mu", 1e12),
    ],
)
def test_one_typo_rejects_its_firm_and_moves_no_other_tier(field: str, value: float) -> None:
    frame = firms_frame(20)
    typo = frame.copy()
    typo.loc[7, field] = value
    got = evaluate(typo, POOLED)
    status = got.results["status"].astype(str)
    assert status.iloc[7] == "rejected"
    assert (status.drop(index=7) == "evaluated").all()
    found = issues_of(got, "implausible-value")
    assert set(found["severity"]) == {"error"}
    assert set(found["credit_code"]) == {credit_code(7)}
    assert found["row"].notna().all()
    # the others are graded as if the typo's firm were not there: its value moves no benchmark
    without = tiers_of(frame.drop(index=7).reset_index(drop=True))
    kept = got.results.set_index("credit_code")["tier"].astype("string").drop(credit_code(7))
    pd.testing.assert_series_equal(kept, without, check_names=False)


def test_a_value_beyond_the_field_bound_names_the_field() -> None:
    frame = firms_frame(3)  # too few firms for a median: the field's own bound still holds
    frame.loc[1, "tax_paid"] = 1e308
    got = evaluate(frame, POOLED)
    found = issues_of(got, "implausible-value")
    assert found["field"].tolist() == ["tax_paid"]
    assert "实缴税金" in found["message"].iloc[0]
    assert got.results["status"].astype(str).tolist() == ["evaluated", "rejected", "evaluated"]
    assert np.isfinite(got.results["total_score"].dropna()).all()


def test_every_field_bound_is_positive_and_finite() -> None:
    bounds = [f.plausible_max for f in FIELDS.values() if f.plausible_max is not None]
    assert bounds and all(0 < b < np.inf for b in bounds)
    assert FIELDS["tax_paid"].plausible_max is not None


def test_a_few_firms_have_no_median_to_compare_with() -> None:
    frame = firms_frame(MIN_PEERS - 1)
    frame.loc[0, "tax_paid"] = frame["tax_paid"].median() * OUTLIER_FACTOR * 100
    got = evaluate(frame, POOLED)
    assert (got.results["status"].astype(str) == "evaluated").all()


def test_a_value_within_the_factor_is_evaluated() -> None:
    frame = firms_frame(20)
    frame.loc[3, "tax_paid"] = frame["tax_paid"].median() * 50  # a strong firm, not a typo
    got = evaluate(frame, POOLED)
    assert (got.results["status"].astype(str) == "evaluated").all()
    assert issues_of(got, "implausible-value").empty


def test_a_correction_confirms_an_implausible_value() -> None:
    frame = firms_frame(20)
    frame.loc[7, "tax_paid"] = 5e6
    table = EnterpriseTable.from_frame(frame)
    confirm = pd.DataFrame(
        {
            "credit_code": [credit_code(7)],
            "year": [YEAR],
            "field": ["tax_paid"],
            "new_value": ["5000000"],
            "reason": ["核实属实"],
        }
    )
    got = evaluate(mujun.apply_corrections(table, confirm), POOLED)
    assert (got.results["status"].astype(str) == "evaluated").all()
    found = issues_of(got, "implausible-value")
    assert found["severity"].tolist() == ["info"]
    assert found["credit_code"].tolist() == [credit_code(7)]
    # a correction of another field or another firm confirms nothing
    other = confirm.assign(field=["revenue"], new_value=[str(frame.loc[7, "revenue"])])
    got = evaluate(mujun.apply_corrections(table, other), POOLED)
    assert got.results["status"].astype(str).iloc[7] == "rejected"


def test_a_total_beyond_the_range_of_numbers_gets_no_tier() -> None:
    rules = one_class_rules(
        indicator_toml(
            "tax_per_mu", "tax_paid * 1e300 / land_mu", 100, 'method = "ratio", benchmark = 1e-9'
        )
    )
    frame = firms_frame(6)
    frame.loc[[0, 1], "tax_paid"] = 1e-20  # these two stay within the range of numbers
    got = evaluate(frame, rules)
    status = got.results["status"].astype(str).tolist()
    assert status == ["evaluated"] * 2 + ["rejected"] * 4
    found = issues_of(got, "non-finite-score")
    assert found["credit_code"].tolist() == [credit_code(i) for i in range(2, 6)]
    assert set(found["severity"]) == {"error"}
    rejected = got.results.iloc[2:]
    assert rejected["tier"].isna().all() and rejected["total_score"].isna().all()
    assert np.isfinite(got.results["total_score"].iloc[:2]).all()


HOSTILE = st.sampled_from([0.0, 1.0, 37.5, 1e-300, 1e-7, 5e6, 1e15, 1e300, 1e308, -1e308, -5.0])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(HOSTILE, HOSTILE, HOSTILE), min_size=1, max_size=12))
def test_hostile_numbers_end_in_a_status_never_an_infinite_score(
    cells: list[tuple[float, float, float]],
) -> None:
    frame = firms_frame(len(cells))
    tax, land, revenue = (list(column) for column in zip(*cells, strict=True))
    frame["tax_paid"], frame["land_owned_mu"], frame["revenue"] = tax, land, revenue
    got = evaluate(frame, POOLED)
    results = got.results
    status = results["status"].astype(str)
    assert len(results) == len(frame)
    evaluated = status == "evaluated"
    assert np.isfinite(results.loc[evaluated, "total_score"]).all()
    assert results.loc[evaluated, "tier"].notna().all()
    errors = got.issues[got.issues["severity"] == "error"]
    assert set(results.loc[status == "rejected", "credit_code"]) <= set(errors["credit_code"])


def test_the_command_line_reports_a_text_formula_with_line_and_exit_2(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(
        one_class_text(indicator_toml("t", "name", 100, 'method = "ratio", benchmark = 1.0')),
        encoding="utf-8",
    )
    data = tmp_path / "firms.csv"
    firms_frame(3).to_csv(data, index=False)
    result = CliRunner().invoke(
        app, ["run", "-r", str(rules), "-d", str(data), "-o", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert "rules.toml:" in result.output and "formula" in result.output
    assert "Traceback" not in result.output


def test_confirmed_rows_match_firm_year_and_field() -> None:
    frame = firms_frame(3)
    frame["year"] = [YEAR, YEAR, YEAR - 1]
    table = EnterpriseTable.from_frame(frame)
    record = pd.DataFrame(
        {
            "credit_code": [credit_code(0), credit_code(1), credit_code(2), credit_code(2)],
            "year": pd.array([YEAR, YEAR, YEAR, None], dtype="Int64"),
            "field": ["tax_paid", "revenue", "tax_paid", "tax_paid"],
            "status": ["applied", "applied", "applied", "unmatched"],
        }
    )
    table = dataclasses.replace(table, corrections=record)
    assert confirmed_rows(table, ["tax_paid"]).tolist() == [True, False, False]
    assert confirmed_rows(table, ["land_mu"]).tolist() == [False, False, False]
    assert confirmed_rows(table, ["revenue", "tax_paid"]).tolist() == [True, True, False]


@given(st.lists(st.floats(1e-6, 1e12), min_size=1, max_size=60))
def test_the_one_pass_shortcut_never_hides_an_outlier(values: list[float]) -> None:
    """Where the shortcut says no value can stand out, none exceeds the factor × the median."""
    magnitudes = np.asarray(values)
    if not checks._may_stand_out(magnitudes):
        assert not (magnitudes > checks.OUTLIER_FACTOR * np.median(magnitudes)).any()
