"""Derived fields in the evaluation: map groups by code prefix, formula derives, derives as `by`
groups and in conditions; 营业收入 falling back to 主营业务收入; 能耗口径 against [energy] basis."""

from __future__ import annotations

import numpy as np
import pandas as pd
from conftest import HEADER, firms_frame
from hypothesis import given, settings
from hypothesis import strategies as st

from mujun import evaluate, parse_rules
from mujun.engine.derive import group_of
from mujun.rules import Rules

GROUPS = {"纺织": ["17", "18"], "金属": ["31", "3", "33"], "化工": ["26"]}


def test_the_first_matching_prefix_wins_in_the_order_written() -> None:
    codes = np.array(["1711", "3311", "3100", "2612", "4411", None, " 1810", ""], dtype=object)
    out = group_of(codes, GROUPS, "其他")
    # 3311 starts with "3" (金属) before "33" is tried; 3100 with "31"; a blank code is no
    # match (→ 其他), so is a missing code (温岭: 行业代码缺失的归“其他”), spaces are stripped
    assert out.tolist() == ["纺织", "金属", "金属", "化工", "其他", "其他", "纺织", "其他"]


def test_no_default_leaves_unmatched_codes_missing() -> None:
    out = group_of(np.array(["1711", "9999", None], dtype=object), GROUPS, None)
    assert out.tolist() == ["纺织", None, None]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.text("0123456789", max_size=4)), min_size=1, max_size=40),
    st.randoms(use_true_random=False),
)
def test_a_map_result_does_not_depend_on_row_order(codes: list[str | None], rnd: object) -> None:
    order = list(range(len(codes)))
    rnd.shuffle(order)  # type: ignore[attr-defined]
    arr = np.array(codes, dtype=object)
    plain = group_of(arr, GROUPS, "其他")
    shuffled = group_of(arr[order], GROUPS, "其他")
    assert shuffled.tolist() == plain[order].tolist()


RULES = (
    HEADER
    + """
[[field]]
code = "tenants_count"
label = "出租户数"
unit = "个"
kind = "count"
department = "自然资源局"

[[derive]]
code = "industry_group"
label = "行业组"
from = "industry_code"
map = { "纺织" = ["17"], "金属" = ["33"] }
default = "其他"

[[derive]]
code = "let_share"
label = "出租比例"
formula = "where(tenants_count > 0, 1, 0) + industry_division / 1000"

[[class]]
code = "all"
label = "全部企业"
when = "行业组 in ('纺织', '金属')"

  [[class.indicator]]
  code = "tax_per_mu"
  label = "亩均税收"
  formula = "tax_paid / land_mu"
  weight = 100
  score = { method = "ratio", benchmark = "mean", by = "industry_group" }

  [class.tiers]
  method = "quota"
  shares = { A = 0.5, B = 0.5 }
"""
)


def frame() -> pd.DataFrame:
    f = firms_frame(6)
    f["industry_code"] = ["1711", "1712", "3311", "3312", "4411", None]
    f["land_owned_mu"] = 10.0
    f["tax_paid"] = [10.0, 30.0, 100.0, 300.0, 50.0, 50.0]
    f["tenants_count"] = [0, 2, np.nan, 1, 0, 0]
    return f


def rules() -> Rules:
    return parse_rules(RULES)


def test_derives_are_fields_of_the_evaluation() -> None:
    ev = evaluate(frame(), rules())
    # a firm without an industry code takes the default too (it matches no prefix)
    assert ev.column("industry_group").tolist() == ["纺织", "纺织", "金属", "金属", "其他", "其他"]
    # where(tenants_count > 0, 1, 0) + division / 1000: 17 → 0.017, 33 → 0.033, NaN count → 0
    np.testing.assert_allclose(ev.column("let_share"), [0.017, 1.017, 0.033, 1.033, 0.044, np.nan])
    res = ev.results
    # the class takes 纺织 and 金属 only: 其他 (the firm without a code too) is out of scope
    assert res["status"].tolist() == ["evaluated"] * 4 + ["exempt", "exempt"]


def test_a_derived_by_groups_the_benchmark() -> None:
    ev = evaluate(frame(), rules())
    scores = ev.results["total_score"].to_numpy(dtype=float)[:4]
    # per mu 1, 3 (纺织, mean 2) and 10, 30 (金属, mean 20): score = value / mean × 100
    np.testing.assert_allclose(scores, [50.0, 150.0, 50.0, 150.0])
    groups = ev.benchmarks[ev.benchmarks["class"] == "all"]["group"].tolist()
    assert set(groups) >= {"纺织", "金属"}


def test_revenue_falls_back_to_main_revenue() -> None:
    text = RULES.replace("tax_paid / land_mu", "revenue / land_mu")
    f = frame()
    f["revenue"] = [100.0, np.nan, 200.0, np.nan, 1.0, 1.0]
    f["main_revenue"] = [999.0, 300.0, np.nan, 400.0, 1.0, 1.0]
    ev = evaluate(f, parse_rules(text))
    # 营业收入 where given (100, 200), else 主营业务收入 (300, 400)
    assert ev.column("revenue")[:4].tolist() == [100.0, 300.0, 200.0, 400.0]
    np.testing.assert_array_equal(ev.column("main_revenue")[:4], [999.0, 300.0, np.nan, 400.0])


def test_energy_basis_other_than_the_rules_is_a_warning_per_firm() -> None:
    text = RULES.replace("[[field]]", '[energy]\nbasis = "等价值"\n\n[[field]]', 1)
    f = frame()
    f["energy_basis"] = ["等价值", "当量值", None, "标准", " 当量值", "等价值"]
    ev = evaluate(f, parse_rules(text))
    issues = ev.issues
    differs = issues[issues["code"] == "energy-basis-differs"]
    assert sorted(differs["credit_code"]) == sorted(f["credit_code"].iloc[[1, 4]])
    assert differs["severity"].eq("warning").all()
    assert "等价值" in differs["message"].iloc[0]
    unknown = issues[issues["code"] == "unknown-energy-basis"]
    assert unknown["credit_code"].tolist() == [f["credit_code"].iloc[3]]
    # a warning only: the firms are evaluated as before
    assert ev.results["status"].tolist()[:4] == ["evaluated"] * 4


def test_no_basis_in_the_rules_checks_only_the_values() -> None:
    f = frame()
    f["energy_basis"] = ["等价值", "当量值", None, "标准", "当量值", "等价值"]
    issues = evaluate(f, rules()).issues
    assert "energy-basis-differs" not in set(issues["code"])
    assert (issues["code"] == "unknown-energy-basis").sum() == 1


def test_a_condition_derive_is_one_or_zero() -> None:
    text = RULES.replace(
        'formula = "where(tenants_count > 0, 1, 0) + industry_division / 1000"',
        'formula = "tenants_count > 0 and tax_paid >= 100"',
    )
    ev = evaluate(frame(), parse_rules(text))
    # tenants 0, 2, NaN, 1, 0, 0 and tax 10, 30, 100, 300, 50, 50: only row 4 holds both
    assert ev.column("let_share").tolist() == [0.0, 0.0, 0.0, 1.0, 0.0, 0.0]
