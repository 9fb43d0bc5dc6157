"""Shared helpers: small valid rules texts, valid credit codes and a synthetic firms frame.

Tests import the plain functions (`from conftest import ...`); fixtures wrap the common cases.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from pgcluster import db_url, postgres_url  # noqa: F401  (fixtures: SQLite and PostgreSQL archives)

import mujun
from mujun.codes import credit_check_char
from mujun.rules import Indicator, Rules, Tiers

YEAR = 2023

HEADER = f"""mujun_rules = 1
name = "测试县工业企业亩均效益评价（测试）"
region = "测试县"
year = {YEAR}
"""

# A small valid rules file with one exclusion, two classes, an adjustment and tier rules.
# Line numbers matter to tests in test_rules.py: keep this text stable.
RULES_TEXT = (
    HEADER
    + """
[[exclude]]
when = "industry_division >= 44 and industry_division <= 46"
status = "exempt"
reason = "公用事业企业免评"

[[class]]
code = "above_scale"
label = "规上工业企业"
when = "above_scale"

  [[class.indicator]]
  code = "tax_per_mu"
  label = "亩均税收"
  unit = "万元/亩"
  formula = "tax_paid / land_mu"
  weight = 60
  score = { method = "ratio", benchmark = 10.0, cap = 2.0 }

  [[class.indicator]]
  code = "revenue_per_mu"
  label = "亩均营业收入"
  unit = "万元/亩"
  formula = "revenue / land_mu"
  weight = 40
  score = { method = "ratio", benchmark = "pooled", cap = 2.0 }

  [[class.adjust]]
  when = "high_tech"
  points = 2
  label = "高新技术企业加分"

  [class.tiers]
  method = "quota"
  shares = { A = 0.25, B = 0.25, C = 0.25, D = 0.25 }

  [[class.tiers.rule]]
  when = "safety_incident"
  at_most = "C"
  veto = true
  reason = "一票否决：不得评为A、B类"

[[class]]
code = "below_scale"
label = "规下工业企业"
when = "land_mu >= 3"

  [[class.indicator]]
  code = "tax_per_mu"
  label = "亩均税收"
  formula = "tax_paid / land_mu"
  weight = 100
  score = { method = "ratio", benchmark = 5.0, cap = 2.0 }

  [class.tiers]
  method = "threshold"
  minimum = { A = 150, B = 100 }
  below = "C"
"""
)

QUOTA_ABCD = """
  [class.tiers]
  method = "quota"
  shares = { A = 0.25, B = 0.25, C = 0.25, D = 0.25 }
"""


def indicator_toml(
    code: str,
    formula: str,
    weight: float,
    score: str,
    *,
    label: str | None = None,
    **extra: Any,
) -> str:
    """One `[[class.indicator]]` block; `score` is the inline table body, `extra` more keys."""
    lines = [
        "",
        "  [[class.indicator]]",
        f'  code = "{code}"',
        f'  label = "{label or code}"',
        f'  formula = "{formula}"',
        f"  weight = {weight}",
        f"  score = {{ {score} }}",
    ]
    for key, value in extra.items():
        shown = f'"{value}"' if isinstance(value, str) else repr(value)
        lines.append(f"  {key} = {shown}")
    return "\n".join(lines) + "\n"


def one_class_text(
    indicators: str,
    *,
    tiers: str = QUOTA_ABCD,
    adjust: str = "",
    exclude: str = "",
    when: str = "above_scale",
    code: str = "above_scale",
) -> str:
    """The TOML text of a rules file with a single class."""
    return (
        HEADER
        + exclude
        + f'''
[[class]]
code = "{code}"
label = "测试类别"
when = "{when}"
'''
        + indicators
        + adjust
        + tiers
    )


def one_class_rules(indicators: str, **kw: Any) -> Rules:
    """Parsed rules with a single class (see `one_class_text`)."""
    return mujun.parse_rules(one_class_text(indicators, **kw))


def make_indicator(score: dict[str, Any], **kw: Any) -> Indicator:
    """A validated indicator (tax per mu by default) for scoring tests."""
    data: dict[str, Any] = {
        "code": "tax_per_mu",
        "label": "亩均税收",
        "formula": "tax_paid / land_mu",
        "weight": 50,
        "score": score,
    }
    data.update(kw)
    return Indicator.model_validate(data)


def make_tiers(**kw: Any) -> Tiers:
    """A validated tier spec (quota A/B/C/D 25 % each unless told)."""
    data: dict[str, Any] = {
        "method": "quota",
        "shares": {"A": 0.25, "B": 0.25, "C": 0.25, "D": 0.25},
    }
    data.update(kw)
    return Tiers.model_validate(data)


def credit_code(i: int, prefix: str = "9135020") -> str:
    """A valid 统一社会信用代码 numbered i (the check character computed by the engine's helper)."""
    body = f"{prefix}{i:0{17 - len(prefix)}d}"
    assert len(body) == 17
    return body + credit_check_char(body)


def firms_frame(n: int = 8, *, seed: int = 0) -> pd.DataFrame:
    """A small synthetic frame with field-code columns, all rows valid and above scale."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "credit_code": [credit_code(i) for i in range(n)],
            "year": [YEAR] * n,
            "name": [f"企业{i}" for i in range(n)],
            "park": [["东区", "西区"][i % 2] for i in range(n)],
            "industry_code": ["3311"] * n,
            "above_scale": [True] * n,
            "land_owned_mu": rng.integers(5, 50, n).astype(float),
            "tax_paid": rng.integers(10, 500, n).astype(float),
            "revenue": rng.integers(100, 5000, n).astype(float),
            "high_tech": [False] * n,
            "safety_incident": [False] * n,
        }
    )


@pytest.fixture
def rules() -> Rules:
    """The small valid rules of RULES_TEXT."""
    return mujun.parse_rules(RULES_TEXT, file="test.toml")


@pytest.fixture
def firms() -> pd.DataFrame:
    """Eight valid above-scale firms."""
    return firms_frame()


def read_for(paths: Any, rules: Rules, **kw: Any) -> mujun.EnterpriseTable:
    """read_sources as the command line calls it for these rules: files without a year column
    are of the rules' year, the rules' `[input] priority` orders the sources and their aliases
    name more headers."""
    kw.setdefault("year", rules.year)
    kw.setdefault("aliases", rules.input.aliases)
    kw.setdefault("fields", rules.catalog)
    return mujun.read_sources(paths, priority=rules.input.priority, **kw)
