"""The printing rule (layout.page_plan), header line breaks, and conditions shown in Chinese."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

import mujun
from mujun.export.layout import (
    FIT,
    MIN_SCALE,
    PAPERS,
    header_text,
    page_plan,
    points,
    print_setup,
    squeeze,
)
from mujun.export.xlsx import new_workbook
from mujun.rules.display import chinese

ROOM = PAPERS["A4"].width * FIT  # points a page width may fill
UNIT = points(1.0)
GUZHEN = Path(__file__).resolve().parents[2] / "rules" / "anhui-guzhen-2022.toml"


def test_columns_that_fit_print_at_full_size() -> None:
    assert (
        page_plan([10.0] * 5) == page_plan([ROOM / UNIT - 0.1]) and page_plan([10.0]).scale == 100
    )


def test_a_little_too_wide_is_scaled_to_one_page_width() -> None:
    plan = page_plan([ROOM / UNIT / 0.9])  # needs 90 %
    assert plan.scale == 90 and plan.breaks == ()


def test_too_wide_for_8_pt_is_split_with_identity_repeated() -> None:
    # 3 identity columns of 10 and six pairs of 12: each part holds the identity and some pairs
    widths = [10.0] * 3 + [12.0] * 12
    plan = page_plan(widths, repeat=3, groups=[2] * 6)
    assert plan.breaks and plan.scale >= MIN_SCALE and plan.repeat == 3
    assert all((b - 3) % 2 == 0 for b in plan.breaks)  # never between a value and its score
    starts = [3, *plan.breaks, len(widths)]
    for lo, hi in itertools.pairwise(starts):
        assert (30 + sum(widths[lo:hi])) * UNIT * plan.scale / 100 <= ROOM + 1e-6
    # the parts balanced: two parts of three pairs each, here
    assert plan.breaks == (9,)


def test_a3_holds_what_a4_splits() -> None:
    widths = [10.0] * 3 + [12.0] * 12
    assert page_plan(widths, repeat=3, groups=[2] * 6, paper="A3").breaks == ()


def test_squeeze_narrows_wrapped_columns_to_one_page_width() -> None:
    widths = squeeze([20.0, 80.0, 80.0], [False, True, True])
    assert widths[0] == 20.0 and widths[1] == widths[2] < 80.0
    assert page_plan(widths).breaks == () and page_plan(widths).scale >= MIN_SCALE


def test_a_unit_goes_whole_onto_its_own_line() -> None:
    assert header_text("用地面积（亩）", 10) == "用地面积\n（亩）"
    assert header_text("用地面积（亩）", 20) == "用地面积（亩）"
    assert header_text("得分（权重20）", 10) == "得分\n（权重20）"


def test_conditions_in_chinese() -> None:
    rules = mujun.parse_rules(
        """mujun_rules = 1
name = "t"
region = "t"
year = 2023
[[class]]
code = "a"
label = "a"
when = "above_scale and not (safety_incident or land_mu < 5)"
  [[class.indicator]]
  code = "x"
  label = "x"
  formula = "tax_paid / land_mu"
  weight = 100
  score = { method = "ratio", benchmark = 1.0 }
  [class.tiers]
  method = "quota"
  shares = { A = 0.5, B = 0.5 }
"""
    )
    klass = rules.classes[0]
    assert (
        chinese(klass.when) == "是否规上 且 非 （发生较大及以上安全生产事故 或 用地面积合计 < 5）"
    )
    assert chinese(klass.indicators[0].formula) == "实缴税金 ÷ 用地面积合计"


def test_the_rules_may_ask_for_a3() -> None:
    text = GUZHEN.read_text(encoding="utf-8")
    assert mujun.parse_rules(text).publication.paper == "A4"
    a3 = mujun.parse_rules(text.replace("[publication]\n", '[publication]\npaper = "A3"\n'))
    assert a3.publication.paper == "A3"
    with pytest.raises(mujun.RulesError):
        mujun.parse_rules(text.replace("[publication]\n", '[publication]\npaper = "B5"\n'))


def test_a3_is_what_the_sheet_is_set_up_for() -> None:
    wb = new_workbook("t")
    ws = wb.create_sheet("x")
    plan = print_setup(ws, [10.0] * 3 + [12.0] * 12, repeat=3, groups=[2] * 6, paper="A3")
    assert str(ws.page_setup.paperSize) == "8" and ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.scale) == plan.scale and not plan.breaks
    # the footer is set larger on a scaled sheet, so it prints at 9 pt
    assert ws.oddFooter.center.size * plan.scale / 100 >= 9
