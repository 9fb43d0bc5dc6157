"""`[class.tiers] shares_by` keys must name groups: when `by` is a `[[derive]]` map its groups
are known when the rules load, so a misspelt key is a rules error with a did-you-mean;
otherwise a key that matched no group of the class's firms is a warning of the run."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import HEADER, firms_frame

from mujun import RulesError, evaluate, parse_rules


def rules_text(by: str, key: str) -> str:
    return (
        HEADER
        + f"""
[[derive]]
code = "industry_group"
label = "行业组"
from = "industry_code"
map = {{ "纺织" = ["17"], "金属" = ["33"] }}
default = "其他"

[[class]]
code = "all"
label = "全部企业"

  [[class.indicator]]
  code = "tax_per_mu"
  label = "亩均税收"
  formula = "tax_paid / land_mu"
  weight = 100
  score = {{ method = "ratio", benchmark = "mean" }}

  [class.tiers]
  method = "quota"
  by = "{by}"
  shares = {{ A = 0.5, B = 0.5 }}
  shares_by = {{ "{key}" = {{ A = 0.25, B = 0.75 }} }}
"""
    )


def frame() -> pd.DataFrame:
    f = firms_frame(8)
    f["industry_code"] = ["1711", "1712", "1713", "1714", "3311", "3312", "3313", "3314"]
    f["park"] = ["东区"] * 4 + ["西区"] * 4
    f["land_owned_mu"] = 10.0
    f["tax_paid"] = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0]
    return f


def test_a_key_of_no_map_group_is_a_rules_error_with_a_hint() -> None:
    with pytest.raises(RulesError) as info:
        parse_rules(rules_text("industry_group", "纺织业"), file="r.toml")
    text = str(info.value)
    assert "shares_by" in text and "纺织业" in text and "纺织、金属、其他" in text
    assert "纺织" in text.split("是否应为")[1]


@pytest.mark.parametrize("key", ["纺织", "金属", "其他"])  # map keys and the default
def test_every_map_group_and_the_default_may_have_shares(key: str) -> None:
    klass = parse_rules(rules_text("industry_group", key)).classes[0]
    assert list(klass.tiers.shares_by) == [key]


def test_a_map_group_without_firms_this_year_is_no_warning() -> None:
    ev = evaluate(frame(), parse_rules(rules_text("industry_group", "其他")))
    assert not (ev.issues["code"] == "shares-by-unmatched").any()


def test_a_key_matching_no_group_of_a_plain_field_is_a_warning() -> None:
    ev = evaluate(frame(), parse_rules(rules_text("park", "东 区")))
    found = ev.issues.query("code == 'shares-by-unmatched'")
    assert len(found) == 1 and found["severity"].iat[0] == "warning"
    message = found["message"].iat[0]
    assert (
        "“东 区”" in message and "东区、西区" in message and "东区" in message.split("是否应为")[1]
    )
    # the quota without it: shares 0.5 each in both parks → 2 A and 2 B per park
    res = ev.results
    assert (res.groupby("park")["tier"].value_counts().unstack()[["A", "B"]] == 2).all().all()


def test_a_key_that_matches_uses_its_shares_and_no_warning() -> None:
    ev = evaluate(frame(), parse_rules(rules_text("park", "东区")))
    assert not (ev.issues["code"] == "shares-by-unmatched").any()
    # 东区 4 firms at 0.25 / 0.75 → round_half_up(0.25 × 4) = 1 A, 3 B; 西区 2 A, 2 B
    counts = ev.results.groupby("park")["tier"].value_counts().unstack().fillna(0)
    assert counts.loc["东区", "A"] == 1 and counts.loc["东区", "B"] == 3
    assert counts.loc["西区", "A"] == 2 and counts.loc["西区", "B"] == 2
