"""A blank scored 0 (`missing = "zero"`) while the template says 数据不详的请留空，不要填0: each
such indicator is a warning of the rules, and each firm scored so is told it was under the rules."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import firms_frame, indicator_toml, one_class_rules

import mujun

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"


def rules() -> mujun.Rules:
    return one_class_rules(
        indicator_toml(
            "revenue_per_mu", "revenue / land_mu", 50, "method = 'ratio', benchmark = 100.0",
            label="亩均营业收入", missing="zero",
        )
        + indicator_toml(
            "tax_per_mu", "tax_paid / land_mu", 50, "method = 'ratio', benchmark = 10.0",
            label="亩均税收", missing="mean_score",
        )
    )  # fmt: skip


def test_each_indicator_scoring_a_blank_as_zero_is_a_warning() -> None:
    ev = mujun.evaluate(firms_frame(4), rules())
    found = ev.issues[ev.issues["code"] == "blank-scored-zero"]
    assert found["field"].tolist() == ["revenue_per_mu"]  # tax_per_mu takes the mean score
    assert found["severity"].tolist() == ["warning"]
    (message,) = found["message"]
    assert '“亩均营业收入”按规则 missing = "zero" 处理：“营业收入”留空的企业，该项计0分' in message
    assert "数据不详的请留空，不要填0" in message
    assert "“用地面积合计”" not in message  # a blank land rejects the firm: it is not scored 0


def test_a_firm_with_a_blank_is_told_it_was_scored_0_under_the_rules() -> None:
    frame = firms_frame(4)
    frame.loc[1, "revenue"] = np.nan
    ev = mujun.evaluate(frame, rules())
    assert ev.results.loc[1, "score_revenue_per_mu"] == 0
    told = ev.issues[ev.issues["code"] == "missing-indicator"]
    assert told["credit_code"].tolist() == [frame.loc[1, "credit_code"]]
    assert told["message"].tolist() == [
        '“亩均营业收入”无法计算（缺少或无效数据），按评价规则（missing = "zero"）该项计0分：'
        "留空的数据按0分计"
    ]


@pytest.mark.parametrize("name", sorted(p.name for p in RULES_DIR.glob("*.toml")))
def test_shipped_rules_that_score_blanks_as_zero_say_so(name: str) -> None:
    """Every shipped method scores some blank as 0 (as their documents say or assume)."""
    method = mujun.load_rules(RULES_DIR / name)
    zero = [(c.code, i.code) for c in method.classes for i in c.indicators if i.missing == "zero"]
    ev = mujun.evaluate(firms_frame(4), method)
    found = ev.issues[ev.issues["code"] == "blank-scored-zero"]
    assert len(found) == len(zero) > 0
    assert found["field"].tolist() == [i for _, i in zero]
