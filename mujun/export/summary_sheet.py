"""The 汇总 sheet: tier counts per class and per park, pooled per-mu figures per park and per
industry division against the county, the distribution of total scores, and two native charts
(tiers per park as stacked bars, score bands per class as columns).

Everything shown comes from the Evaluation's own summaries (`tier_counts`, `summary`,
`score_distribution`); this module only lays the tables out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.chart import BarChart, Reference
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.pagebreak import Break

from ..engine.evaluation import EXTRA_TIERS, STATUSES, tier_names
from ..rules import Rules
from ..rules.tiers import UNGRADED, UNGRADED_LABEL
from . import styles
from .disclosure import COUNTY_NOTE, WITHHELD, CountyCells
from .layout import header_cell, header_text, print_setup, text_lines
from .xlsx import number_cell, text_cell, width

SHEET = "汇总"
STATUS_HEADERS = {"evaluated": "参评", "exempt": "免评", "deferred": "暂缓", "rejected": "数据有误"}
PER_MU = (
    ("tax_per_mu", "亩均税收（万元/亩）"),
    ("revenue_per_mu", "亩均营业收入（万元/亩）"),
    ("value_added_per_mu", "亩均增加值（万元/亩）"),
)
COUNTY_LABEL = "全县（市、区）"
COLUMN = 12.0  # the width of every column but the first


@dataclass(frozen=True)
class SummaryData:
    """What the 汇总 sheet shows, taken from Evaluation summaries.

    parks: `summary("park")` rows to show, the county's (合计) last.
    divisions: `summary("industry_division")` of the firms shown.
    county_divisions: for a park's workbook, the county's `summary("industry_division")` to set
    beside the park's own figures (None in the internal workbook).
    county_cells: for a park's workbook, which county figures it may show (disclosure.py).
    """

    tiers: pd.DataFrame  # Evaluation.tier_table()
    park_tiers: pd.DataFrame
    parks: pd.DataFrame
    divisions: pd.DataFrame
    distribution: pd.DataFrame
    county_divisions: pd.DataFrame | None = None
    county_cells: CountyCells | None = None


class _Sheet:
    """Appends rows to a write-only sheet, keeping count of the row number."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.row = 0

    def append(self, cells: Sequence[Any]) -> int:
        self.ws.append(list(cells))
        self.row += 1
        return self.row

    def text(self, value: str, **kw: Any) -> Any:
        options = {"font": styles.BODY_FONT, "border": styles.BORDER, **kw}
        return text_cell(self.ws, value, **options)

    def number(self, value: Any, number_format: str, **kw: Any) -> Any:
        options = {"font": styles.BODY_FONT, "border": styles.BORDER, **kw}
        value = None if value is None or pd.isna(value) else value
        return number_cell(self.ws, value, number_format, **options)

    def header(self, labels: Sequence[str]) -> int:
        shown = [labels[0], *(header_text(h, COLUMN) for h in labels[1:])]
        lines = max(text_lines(h, COLUMN) for h in shown[1:]) if len(shown) > 1 else 1
        if lines > 1:
            self.ws.row_dimensions[self.row + 1].height = 13.5 * lines + 4
        return self.append([header_cell(self.ws, h) for h in shown])

    def heading(self, text: str) -> None:
        self.append([])
        self.append([text_cell(self.ws, text, font=styles.HEADING_FONT)])


def add_summary_sheet(
    wb: Workbook, rules: Rules, data: SummaryData, *, title: str, notes: Sequence[str]
) -> None:
    """The 汇总 sheet with its tables and charts."""
    ws = wb.create_sheet(SHEET)
    sheet = _Sheet(ws)
    tiers = shown_tiers(data)
    names = tier_names(rules)
    labels = {c.code: c.label for c in rules.classes}
    n_cols = max(len(STATUS_HEADERS) + len(tiers) + 2, 9)
    first = max(
        24.0, width([*data.parks.iloc[:, 0].astype(str), *data.divisions.iloc[:, 0].astype(str)])
    )
    widths = [min(first, 36.0), *[COLUMN] * (n_cols - 1)]
    print_setup(ws, widths)
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.merged_cells.add(f"A1:{get_column_letter(n_cols)}1")
    sheet.append([text_cell(ws, title, font=styles.TITLE_FONT, alignment=styles.CENTER)])
    ws.row_dimensions[1].height = 30
    for note in notes:
        sheet.append([text_cell(ws, note, font=styles.SUBTITLE_FONT)])

    _class_tiers(sheet, data.tiers, tiers, names, labels)
    first, last = _park_table(sheet, data.parks, tiers, names)
    chart_rows = (first, last)
    _park_class_tiers(sheet, data.park_tiers, rules, labels)
    cells = data.county_cells
    _per_mu_table(sheet, "四、各园区亩均效益（合计口径：Σ税收 ÷ Σ用地）", data.parks, "园区", cells)
    if data.county_divisions is None:
        _per_mu_table(sheet, "五、分行业亩均效益（行业大类）", data.divisions, "行业大类")
    else:
        assert cells is not None  # a park's workbook
        _division_comparison(sheet, data.divisions, data.county_divisions, cells)
    bands = _distribution(sheet, data.distribution, labels)
    ws.row_breaks.append(Break(id=sheet.row))  # the charts print on a page of their own
    _charts(ws, chart_rows, tiers, bands, sheet.row + 2)


def shown_tiers(data: SummaryData) -> list[str]:
    """The tier columns of the summary tables: the classes' tiers, then 不定等级 and 未分档 when
    some firm has them (a park's edition: those of its own firms or of the county's row)."""
    own = [str(t) for t in data.tiers.columns if t != "total"]
    county = [
        str(c).removeprefix("tier_") for c in data.parks.columns if str(c).startswith("tier_")
    ]
    order = list(dict.fromkeys([*county, *own]))
    return [t for t in order if t not in EXTRA_TIERS] + [t for t in EXTRA_TIERS if t in order]


def _class_tiers(
    sheet: _Sheet,
    table: pd.DataFrame,
    tiers: list[str],
    names: dict[str, str],
    labels: dict[str, str],
) -> None:
    sheet.heading("一、各评价类别分档结果（家）")
    sheet.header(["评价类别", *(styles.tier_text(t, names) for t in tiers), "合计"])
    for code, row in table.iterrows():  # one row per class
        cells = [sheet.text(labels.get(str(code), str(code)))]
        cells += [sheet.number(row.get(t), styles.INTEGER) for t in tiers]
        cells.append(sheet.number(row["total"], styles.INTEGER, font=styles.BOLD_FONT))
        sheet.append(cells)


def _park_table(
    sheet: _Sheet, parks: pd.DataFrame, tiers: list[str], names: dict[str, str]
) -> tuple[int, int]:
    """Firms per status and tier per park; returns the sheet rows of the parks (not the total),
    which the stacked-bar chart draws."""
    sheet.heading("二、各园区评价结果（家，各类别合计）")
    header = [
        "园区",
        "企业数",
        *STATUS_HEADERS.values(),
        *(styles.tier_text(t, names) for t in tiers),
    ]
    sheet.header(header)
    first = sheet.row + 1
    for i, row in enumerate(parks.itertuples(index=False)):  # one row per park
        d = row._asdict()
        total = i == len(parks) - 1  # the county's row comes last
        font = styles.BOLD_FONT if total else styles.BODY_FONT
        fill = styles.TOTAL_FILL if total else None
        label = COUNTY_LABEL if total else str(d[parks.columns[0]])
        cells = [sheet.text(label, font=font, fill=fill)]
        cells.append(sheet.number(d["firms"], styles.INTEGER, font=font, fill=fill))
        cells += [sheet.number(d[s], styles.INTEGER, font=font, fill=fill) for s in STATUSES]
        cells += [
            sheet.number(d.get(f"tier_{t}"), styles.INTEGER, font=font, fill=fill) for t in tiers
        ]
        sheet.append(cells)
    last = sheet.row - 1 if len(parks) > 1 else sheet.row  # the county's row is not drawn
    return first, last


def _park_class_tiers(
    sheet: _Sheet, counts: pd.DataFrame, rules: Rules, labels: dict[str, str]
) -> None:
    sheet.heading("三、各园区分类别分档结果（家）")
    shown = {  # each class's tiers as its counts give them (不定等级, 未分档 after, if any)
        k.code: list(dict.fromkeys(counts.loc[counts["class"] == k.code, "tier"])) or k.tiers.order
        for k in rules.classes
    }
    top = ["园区"]
    sub = [""]
    for klass in rules.classes:
        top += [klass.label] + [""] * (len(shown[klass.code]) - 1)
        sub += [UNGRADED_LABEL if t == UNGRADED else t for t in shown[klass.code]]
    r = sheet.header(top)
    col = 2
    for klass in rules.classes:
        span = len(shown[klass.code])
        if span > 1:
            sheet.ws.merged_cells.add(
                f"{get_column_letter(col)}{r}:{get_column_letter(col + span - 1)}{r}"
            )
        col += span
    sheet.ws.merged_cells.add(f"A{r}:A{r + 1}")
    sheet.header(sub)
    table = counts.pivot_table(
        index="park", columns=["class", "tier"], values="firms", aggfunc="sum", sort=True
    )
    for park, row in table.iterrows():  # one row per park
        cells = [sheet.text(str(park))]
        for klass in rules.classes:
            cells += [
                sheet.number(row.get((klass.code, t)), styles.INTEGER) for t in shown[klass.code]
            ]
        sheet.append(cells)


def _per_mu_table(
    sheet: _Sheet,
    heading: str,
    table: pd.DataFrame,
    label: str,
    cells: CountyCells | None = None,
) -> None:
    """Pooled per-mu figures per group, each also as a share of the county's. With `cells` (a
    park's workbook) a county figure it may not show is withheld, and so is every share of it
    (the park's figure over the share is the county's)."""
    sheet.heading(heading)
    header = [label, "参评企业数", "用地面积（亩）"]
    for _, text in PER_MU:
        header += [text, "相当于全县"]
    sheet.header(header)
    last = len(table) - 1  # the county's row
    listed = table[(table["evaluated"] > 0).to_numpy() | (np.arange(len(table)) == last)]
    for i, row in enumerate(listed.itertuples(index=False)):  # one row per group
        d = row._asdict()
        total = i == len(listed) - 1
        font = styles.BOLD_FONT if total else styles.BODY_FONT
        fill = styles.TOTAL_FILL if total else None
        look = {"font": font, "fill": fill}
        key = COUNTY_LABEL if total else str(d[table.columns[0]])
        out = [sheet.text(key, **look)]
        out.append(sheet.number(d["evaluated"], styles.INTEGER, **look))
        hide_land = total and not _shown(cells, "land_mu")
        out.append(_figure(sheet, d["land_mu"], styles.MONEY, hide_land, look))
        for code, _ in PER_MU:
            hidden = not _shown(cells, code)
            out.append(_figure(sheet, d[code], styles.MONEY, total and hidden, look))
            out.append(_figure(sheet, d[f"{code}_index"], styles.INDEX, hidden, look))
        sheet.append(out)
    if cells is not None:
        sheet.append([sheet.text(COUNTY_NOTE, border=None)])


def _figure(sheet: _Sheet, value: Any, fmt: str, hide: bool, look: dict[str, Any]) -> Any:
    """A figure's cell, or the text WITHHELD in its place."""
    if hide:
        return sheet.text(WITHHELD, alignment=styles.CENTER, **look)
    return sheet.number(value, fmt, **look)


def _shown(cells: CountyCells | None, figure: str, division: str | None = None) -> bool:
    return cells is None or cells.shown(figure, division)


def _division_comparison(
    sheet: _Sheet, own: pd.DataFrame, county: pd.DataFrame, cells: CountyCells
) -> None:
    """A park's per-mu figures per division beside the county's for the same division; a
    county figure that could reveal another park's firm is withheld (disclosure.py)."""
    sheet.heading("五、分行业亩均效益：本园区与全县同行业（合计口径）")
    header = ["行业大类", "本园区参评企业数"]
    for _, text in PER_MU:
        header += [f"本园区{text}", f"全县{text}"]
    sheet.header(header)
    key = own.columns[0]
    county_total = county.iloc[-1]  # the last rows are the totals
    by_division = county.iloc[:-1].set_index(county.columns[0])
    last = len(own) - 1
    listed = own[(own["evaluated"] > 0).to_numpy() | (np.arange(len(own)) == last)]
    for i, row in enumerate(listed.itertuples(index=False)):  # one row per division
        d = row._asdict()
        name = str(d[key])
        total = i == len(listed) - 1
        font = styles.BOLD_FONT if total else styles.BODY_FONT
        cells_out = [sheet.text("本园区合计 / 全县" if total else name, font=font)]
        cells_out.append(sheet.number(d["evaluated"], styles.INTEGER, font=font))
        if total:
            theirs = county_total
        else:
            theirs = by_division.loc[name] if name in by_division.index else None
        for code, _ in PER_MU:
            cells_out.append(sheet.number(d[code], styles.MONEY, font=font))
            if theirs is not None and cells.shown(code, None if total else name):
                cells_out.append(sheet.number(theirs[code], styles.MONEY, font=font))
            else:
                cells_out.append(sheet.text(WITHHELD, alignment=styles.CENTER))
        sheet.append(cells_out)
    sheet.append([sheet.text(COUNTY_NOTE, border=None)])


def _distribution(
    sheet: _Sheet, distribution: pd.DataFrame, labels: dict[str, str]
) -> tuple[int, int, int]:
    """Evaluated firms per score band and class; returns (first row, last row, classes)."""
    sheet.heading("六、综合得分分布（家）")
    table = distribution.pivot_table(
        index=["lower", "upper"], columns="class", values="firms", aggfunc="sum", sort=True
    )
    classes = [c for c in labels if c in table.columns]
    sheet.header(["综合得分区间", *(labels[c] for c in classes)])
    first = sheet.row + 1
    for (lower, upper), row in table.iterrows():  # one row per band
        band = f"{lower:g}–{upper:g}"
        counts = [row.get(c) for c in classes]
        sheet.append(
            [
                sheet.text(band, alignment=styles.CENTER),
                *(sheet.number(0 if pd.isna(v) else v, styles.INTEGER) for v in counts),
            ]
        )
    return first, sheet.row, len(classes)


def _charts(
    ws: Any, parks: tuple[int, int], tiers: list[str], bands: tuple[int, int, int], row: int
) -> None:
    """Below the tables, side by side: tiers per park as stacked bars, and the score
    distribution as clustered columns. Both read the tables above, so a park's workbook draws
    its own figures only."""
    first, last = parks
    n_tiers = len(tiers)
    if last >= first and n_tiers:
        chart = BarChart()
        chart.type = "bar"
        chart.grouping = "stacked"
        chart.overlap = 100
        chart.title = "各园区评价分档（家）"
        tier_col = 2 + 1 + len(STATUS_HEADERS)  # 园区, 企业数, statuses…, then the tiers
        data = Reference(
            ws, min_col=tier_col, max_col=tier_col + n_tiers - 1, min_row=first - 1, max_row=last
        )
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
        for series, tier in zip(chart.series, tiers, strict=True):
            ranked = [t for t in tiers if t not in EXTRA_TIERS]  # 不定等级, 未分档: grey
            colour = styles.CHART_COLOURS[styles.tier_colour(tier, ranked)]
            series.graphicalProperties.solidFill = colour
            series.graphicalProperties.line.solidFill = colour
        _axes(chart, "企业数（家）", None)
        chart.height, chart.width = max(8.0, 0.8 * (last - first + 1) + 3), 16.0
        ws.add_chart(chart, f"A{row}")
    b_first, b_last, n_classes = bands
    if b_last >= b_first and n_classes:
        chart = BarChart()
        chart.type = "col"
        chart.grouping = "clustered"
        chart.title = "综合得分分布（家）"
        data = Reference(ws, min_col=2, max_col=1 + n_classes, min_row=b_first - 1, max_row=b_last)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=b_first, max_row=b_last))
        _axes(chart, "企业数（家）", "综合得分区间")
        chart.height, chart.width = 8.0, 16.0
        ws.add_chart(chart, f"F{row}")


def _axes(chart: BarChart, values: str, categories: str | None) -> None:
    chart.y_axis.title = values
    if categories:
        chart.x_axis.title = categories
    chart.x_axis.delete = False  # openpyxl hides axes unless told
    chart.y_axis.delete = False
    chart.legend.position = "b"
