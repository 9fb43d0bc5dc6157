"""The contact list's reasons name a firm's tier in words, also without a grade or a tier."""

from __future__ import annotations

import pandas as pd

from mujun.selection.contact import _tier_words


def test_tier_words() -> None:
    tiers = pd.Series(["A", "U", None, "B"], dtype="category")
    assert _tier_words(tiers).tolist() == ["A类", "不定等级", "未分档", "B类"]
