"""Rules files: the whole local method of one region and year (DESIGN §4)."""

from .load import load_rules, parse_rules
from .models import (
    Adjustment,
    EnergyRules,
    EvalClass,
    Exclusion,
    Indicator,
    InputRules,
    Publication,
    Rules,
    Score,
)
from .selection import Selection
from .tiers import TierRule, Tiers

__all__ = [
    "Adjustment",
    "EnergyRules",
    "EvalClass",
    "Exclusion",
    "Indicator",
    "InputRules",
    "Publication",
    "Rules",
    "Score",
    "Selection",
    "TierRule",
    "Tiers",
    "load_rules",
    "parse_rules",
]
