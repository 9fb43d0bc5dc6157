"""Sums beyond the range of numbers: a benchmark or a minmax span that overflows (approved
corrections of 1e308 and 1.7e308, say) is no benchmark at all. Its members are `beyond`, their
class cannot be ranked and every firm of it still to be scored is rejected with an error naming
the indicator — never scored 0 and all placed in A. No numpy warning escapes."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import HEADER, YEAR, credit_code, firms_frame, indicator_toml, make_indicator

import mujun
from mujun import EnterpriseTable, evaluate
from mujun.engine.scoring import score_indicator


def arr(*values: float) -> np.ndarray:
    return np.array(values, dtype=float)


HUGE = arr(1e308, 1.7e308, 1.0, np.nan)  # the last member has no value


@pytest.mark.parametrize(
    ("benchmark", "values"),
    [
        ("pooled", HUGE),
        ("mean", arr(1.7e308, 1.7e308, 1.0, np.nan)),
        ("median", arr(1.7e308, 1.7e308, np.nan)),  # the mean of the two middle values
    ],
)
def test_an_overflowing_benchmark_scores_no_one(benchmark: str, values: np.ndarray) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning either
        item = score_indicator(
            make_indicator({"method": "ratio", "benchmark": benchmark}),
            values,
            numerator=values,
            denominator=np.ones(len(values)),
        )
    assert item.beyond.tolist() == (~np.isnan(values)).tolist()
    assert not item.unusable  # not "scored 0": not scored at all
    assert item.benchmarks["benchmark"].isna().all()


def test_a_factor_that_carries_the_benchmark_beyond_the_range() -> None:
    spec = {"method": "ratio", "benchmark": "mean", "factor": 1000.0}
    item = score_indicator(make_indicator(spec), arr(1e306, 1e306))
    assert item.beyond.all()


def test_within_each_group_nothing_overflows() -> None:
    """Each group's own benchmark is finite: only the class-wide sum overflows, unused."""
    spec = {"method": "ratio", "benchmark": "pooled", "by": "industry_division"}
    values = arr(1.7e308, 1.7e308)
    item = score_indicator(
        make_indicator(spec),
        values,
        groups=np.array([13.0, 29.0]),
        numerator=values,
        denominator=arr(1, 1),
    )
    assert not item.beyond.any()
    np.testing.assert_allclose(item.points, [50, 50])


def test_a_group_without_a_benchmark_of_its_own_falls_back_to_an_overflowed_one() -> None:
    spec = {"method": "ratio", "benchmark": "pooled", "by": "industry_division"}
    values = arr(1.7e308, 1.7e308, 5.0)
    item = score_indicator(
        make_indicator(spec, negative="keep"),
        values,
        groups=np.array([13.0, 13.0, np.nan]),  # the third has no group
        numerator=values,
        denominator=arr(1, 1, 1),
    )
    assert item.beyond.tolist() == [True, True, True]


def test_a_minmax_span_beyond_the_range_scales_no_one() -> None:
    item = score_indicator(
        make_indicator({"method": "minmax"}, negative="keep"), arr(-1e308, 1e308, 0.0)
    )
    assert item.beyond.all()
    within = score_indicator(make_indicator({"method": "minmax"}), arr(0.0, 1e308, 5e307))
    assert not within.beyond.any()


TWO_CLASSES = (
    HEADER
    + """
[[class]]
code = "big"
label = "用地10亩以上"
when = "land_mu >= 10"
"""
    + indicator_toml(
        "tax_per_mu",
        "tax_paid / land_mu",
        100,
        'method = "ratio", benchmark = "pooled", cap = 1.5',
        label="亩均税收",
    )
    + """
  [class.tiers]
  method = "quota"
  shares = { A = 0.5, B = 0.5 }

[[class]]
code = "small"
label = "用地10亩以下"
when = "land_mu < 10"
"""
    + indicator_toml(
        "tax_per_mu",
        "tax_paid / land_mu",
        100,
        'method = "ratio", benchmark = "pooled", cap = 1.5',
        label="亩均税收",
    )
    + """
  [class.tiers]
  method = "quota"
  shares = { A = 0.5, B = 0.5 }
"""
)


def firms() -> pd.DataFrame:
    """Eight firms on 10 亩 (class big) and four on 5 亩 (class small)."""
    frame = firms_frame(12)
    frame["land_owned_mu"] = [10.0] * 8 + [5.0] * 4
    frame["tax_paid"] = [10.0 * (i + 1) for i in range(12)]
    return frame


def corrected(values: list[str]) -> EnterpriseTable:
    """The firms with approved corrections of the first firms' tax to `values`."""
    table = EnterpriseTable.from_frame(firms())
    corrections = pd.DataFrame(
        {
            "credit_code": [credit_code(i) for i in range(len(values))],
            "year": [YEAR] * len(values),
            "field": ["tax_paid"] * len(values),
            "new_value": values,
            "approved_by": ["王"] * len(values),
        }
    )
    return mujun.apply_corrections(table, corrections)


def test_a_class_whose_benchmark_overflowed_is_rejected_and_named() -> None:
    rules = mujun.parse_rules(TWO_CLASSES)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = evaluate(corrected(["1e308", "1.7e308"]), rules)
    res = got.results
    status = res["status"].astype(str).tolist()
    assert status == ["rejected"] * 8 + ["evaluated"] * 4  # the other class is tiered
    big = res.iloc[:8]
    assert big["tier"].isna().all() and big["total_score"].isna().all()
    assert big["score_tax_per_mu"].isna().all()
    assert big["status_reason"].str.contains("“亩均税收”的基准值无法计算").all()
    found = got.issues[got.issues["code"] == "benchmark-overflow"]
    assert found["credit_code"].tolist() == [credit_code(i) for i in range(8)]
    assert set(found["severity"]) == {"error"} and set(found["field"]) == {"tax_per_mu"}
    assert "benchmark-unusable" not in set(got.issues["code"])
    assert res.iloc[8:]["tier"].notna().all()


def test_a_large_but_finite_benchmark_is_scored_as_usual() -> None:
    got = evaluate(corrected(["1e300", "1e300"]), mujun.parse_rules(TWO_CLASSES))
    assert (got.results["status"].astype(str) == "evaluated").all()
    assert "benchmark-overflow" not in set(got.issues["code"])


def test_the_command_line_prints_no_warning_and_no_firm_of_the_class_in_a(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(TWO_CLASSES, encoding="utf-8")
    data = tmp_path / "firms.csv"
    firms().to_csv(data, index=False)
    corrections = tmp_path / "异议复核.csv"
    pd.DataFrame(
        {
            "统一社会信用代码": [credit_code(0), credit_code(1)],
            "年度": YEAR,
            "字段": "tax_paid",
            "新值": ["1e308", "1.7e308"],
            "原因": "复核",
            "申诉编号": ["S1", "S2"],
            "审批人": "王",
        }
    ).to_csv(corrections, index=False)
    out = tmp_path / "out"
    args = ["run", "-r", rules, "-d", data, "--corrections", corrections, "-o", out]
    done = subprocess.run(
        [sys.executable, "-m", "mujun", *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "default"},
        check=False,
    )
    assert done.returncode == 1, done.stderr  # the data had errors
    for text in (done.stdout, done.stderr):
        assert "Warning" not in text and "Traceback" not in text and "site-packages" not in text
    assert "程序内部警告" not in done.stderr  # nothing overflowed unguarded
    results = pd.read_csv(out / "results.csv", dtype=str)
    assert results["tier"].iloc[:8].isna().all()
    assert (results["status"].iloc[:8] == "rejected").all()
