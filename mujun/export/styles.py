"""How mujun's workbooks look: fonts, fills, borders, number formats and tier colours — the
one palette of the result workbooks, 问题清单 and the data-collection template."""

from __future__ import annotations

from typing import Any

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side


def _fill(rgb: str) -> PatternFill:
    return PatternFill("solid", start_color=rgb, end_color=rgb)


TITLE_FONT = Font(name="宋体", bold=True, size=16)
SUBTITLE_FONT = Font(name="宋体", size=10)
HEADING_FONT = Font(name="宋体", bold=True, size=12)
HEADER_FONT = Font(name="宋体", bold=True, size=10)
BODY_FONT = Font(name="宋体", size=10)
BOLD_FONT = Font(name="宋体", bold=True, size=10)

HEADER_FILL = _fill("D9E1F2")
TOTAL_FILL = _fill("F2F2F2")
_THIN = Side(style="thin", color="808080")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)

CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center")
WRAP = Alignment(horizontal="left", vertical="top", wrap_text=True)
TOP = Alignment(vertical="top")  # numbers in a table of wrapped text: at the top, right-aligned
# in rows made tall by wrapped text, every cell sits in the middle
RIGHT_MIDDLE = Alignment(horizontal="right", vertical="center")
WRAP_MIDDLE = Alignment(horizontal="left", vertical="center", wrap_text=True)

# number formats: money and per-mu figures with two decimals, shares as percentages
MONEY = "#,##0.00"
SCORE = "0.00"
PERCENT = "0.00%"
INTEGER = "0"
COEFFICIENT = "0.000"  # 修正系数
INDEX = "0.0%"

TIER_COLOURS = {"A": "C6EFCE", "B": "BDD7EE", "C": "FFEB9C", "D": "FFC7CE"}
ERROR_FILL = _fill(TIER_COLOURS["D"])  # 问题清单: errors red, warnings amber
WARNING_FILL = _fill(TIER_COLOURS["C"])
"""Tier cell fills: A green, B blue, C amber, D red."""
OFF_ORDER_COLOUR = "D9D9D9"
"""Grey: 不定等级 and 未分档, which stand outside a class's tiers."""
CHART_COLOURS = {
    "C6EFCE": "70AD47",
    "BDD7EE": "4472C4",
    "FFEB9C": "FFC000",
    "FFC7CE": "C00000",
    OFF_ORDER_COLOUR: "A5A5A5",
}
"""The stronger shade of each tier colour, for chart bars."""
TIER_COLOUR_NAMES = {"A": "绿色", "B": "蓝色", "C": "黄色", "D": "红色"}


def tier_colour(tier: str, order: list[str]) -> str:
    """The fill colour of a tier: A–D by letter; other labels by place (best green, worst red,
    second blue, the rest amber); a tier outside `order` (不定等级, 未分档) grey."""
    if tier in TIER_COLOURS:
        return TIER_COLOURS[tier]
    if tier not in order:
        return OFF_ORDER_COLOUR
    place = order.index(tier)
    if place == 0:
        return TIER_COLOURS["A"]
    if place == len(order) - 1:
        return TIER_COLOURS["D"]
    return TIER_COLOURS["B"] if place == 1 else TIER_COLOURS["C"]


def tier_fill(tier: str, order: list[str]) -> PatternFill:
    return _fill(tier_colour(tier, order))


def colour_name(tier: str, order: list[str]) -> str:
    """绿色 / 蓝色 / 黄色 / 红色, for the legend."""
    rgb = tier_colour(tier, order)
    return next((TIER_COLOUR_NAMES[k] for k, v in TIER_COLOURS.items() if v == rgb), "灰色")


def tier_text(tier: str, names: dict[str, str]) -> str:
    """'A（优先发展类）' when the rules name the tier, else the label itself."""
    name = names.get(tier)
    return f"{tier}（{name}）" if name else tier


def as_header(cell: Any) -> Any:
    """Style a cell as a table header (bold, shaded, centred, bordered); every workbook's
    headers are made by this one function. Returns the cell."""
    cell.font = HEADER_FONT
    cell.fill = HEADER_FILL
    cell.alignment = CENTER
    cell.border = BORDER
    return cell
