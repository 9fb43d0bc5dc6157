"""The 说明 sheet's words for by groups, stages, rounding, tie-breaks, no grade and vetoes."""

from __future__ import annotations

from conftest import HEADER, indicator_toml

import mujun
from mujun.export.method_sheet import _action, _tier_facts, _tier_formula, _tiers

RULES = (
    HEADER
    + """
[[class]]
code = "above_scale"
label = "规上"
when = "above_scale"
"""
    + indicator_toml(
        "tax", "tax_paid / land_mu", 100, 'method = "ratio", benchmark = 1.0', label="亩均税收"
    )
    + """
  [class.tiers]
  method = "stages"
  rest = "B"
  by = "park"
  tie_break = ["tax_paid"]
  min_class_size = 3
  names = { A = "优先发展类" }

  [[class.tiers.stage]]
  tier = "A"
  among = "rank_pct <= 0.5"
  order = "score_tax"
  share = 0.15

  [[class.tiers.stage]]
  tier = "C"
  among = "rank_pct > 0.5"
  order = "value_tax"
  pick = "lowest"
  count = 2

  [[class.tiers.rule]]
  when = "safety_incident"
  at_most = "C"
  veto = true
  reason = "一票否决"

  [[class.tiers.rule]]
  when = "public_interest"
  ungraded = true
  reason = "公益性企业不定等级"
"""
)


def test_stage_words() -> None:
    klass = mujun.parse_rules(RULES).classes[0]
    assert (
        _tiers(klass.tiers)
        == "分阶段：依次按下列各阶段确定档次，其余企业为B（同分按实缴税金从高到低排序）"
    )
    facts = dict(_tier_facts(klass))
    assert (
        facts["第一阶段"] == "在排名百分位 ≤ 0.5的企业中，按“亩均税收”得分从高到低"
        "取参评企业数的15%（四舍五入）为A（优先发展类）"
    )
    assert facts["第二阶段"] == "在排名百分位 > 0.5的企业中，按“亩均税收”从低到高取2家为C"
    assert "少于3家" in facts["最少企业数"]
    assert "不计入" in facts["不定等级"]
    veto, ungraded = klass.tiers.rule
    assert _action(veto, klass.tiers) == "最高评为C（一票否决，不列入重点企业包保名单）"
    assert _action(ungraded, klass.tiers) == "不定等级"
    assert _tier_formula(veto.when, klass) == "发生较大及以上安全生产事故"


def test_quota_words() -> None:
    text = (
        RULES.split("  [class.tiers]")[0]
        + """
  [class.tiers]
  method = "quota"
  by = "park"
  shares = { A = 0.5, B = 0.5 }
  shares_by = { "东区" = { A = 0.25, B = 0.75 } }
  rounding = "largest_remainder"
"""
    )
    klass = mujun.parse_rules(text).classes[0]
    assert _tiers(klass.tiers) == (
        "按比例在各所属园区组内：A 50%、B 50%"
        "（各档家数取整数部分，余下名额按小数部分从大到小补足，同分同档）"
    )
    assert dict(_tier_facts(klass))["所属园区“东区”"] == "该组另定比例：A 25%、B 75%"
