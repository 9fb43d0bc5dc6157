"""The 稳定性 sheet of the internal workbook: how far each firm's tier depends on the choices the
rules fixed by judgement (a Stability, engine/stability.py).

From the top: what was sampled and how to read the sheet, per class the share of stable firms,
the sensitivity table, then one row per firm (its tier, the share of samples giving each tier,
the modal tier, the 5–95 % rank interval, 稳定/不稳定; unstable firms on amber). Internal only:
it names firms of every park. Only tiers, ranks and probabilities: no tax figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook

from ..engine.evaluation import EXTRA_TIERS
from ..engine.stability import Stability
from . import styles
from .layout import header_cell, number_style, print_setup, text_lines, text_style
from .xlsx import (
    Body,
    Column,
    NumberColumn,
    TextColumn,
    clean,
    maybe_large,
    new_workbook,
    number_cell,
    rows_xml,
    save,
    text_cell,
    text_chars,
)
from .xlsx import width as fit

SHEET = "稳定性"
STABLE, UNSTABLE = "稳定", "不稳定"
FROZEN_MAX = 18  # rows above the firms' table: frozen with its header only when this few
KEY_LABEL = "统一社会信用代码"
FIXED_HEADERS = ("企业名称", "园区", "类别", "档次", "排名")


def reading(stability: Stability) -> str:
    """How to read the sheet, in one paragraph."""
    share = f"{stability.threshold:.0%}"
    return (
        f"阅读说明：按下列抽样内容把评价重算{stability.samples}次（随机数种子{stability.seed}）。"
        "p_A、p_B……为得到该档次的样本占比；众数档次为出现最多的档次；"
        f"众数档次出现在不少于{share}的样本中为“稳定”，否则为“不稳定”（底色标出），"
        "其档次取决于规则中需要判断的设定，宜复核；排名区间为各样本中排名的5%至95%分位数。"
        "敏感性指数为某一项抽样内容单独能解释的档次变动（或排名变动）方差的比例（一阶指数），"
        "越大说明该项设定对结果的影响越大。"
    )


def sampled(stability: Stability) -> str:
    """What was sampled, one line."""
    lines = list(stability.choices) or ["未抽样任何设定"]
    return "抽样内容：" + "；".join(lines)


def class_rows(stability: Stability) -> list[list[Any]]:
    """Per class: label, firms, stable, share stable (a fraction)."""
    c = stability.classes
    return [
        [str(label), int(firms), int(stable), float(share)]
        for label, firms, stable, share in zip(
            c["label"], c["firms"], c["stable"], c["share_stable"], strict=True
        )
    ]


def sensitivity_rows(stability: Stability, labels: dict[str, str]) -> list[list[Any]]:
    """Per uncertain choice, the most influential first: label, class, S1 tier, S1 rank."""
    s = stability.sensitivity
    if not len(s):
        return []
    tier = pd.to_numeric(s["s1_tier"], errors="coerce").to_numpy(dtype=float)
    rank = pd.to_numeric(s["s1_rank"], errors="coerce").to_numpy(dtype=float)
    order = np.lexsort((-np.nan_to_num(rank, nan=-1.0), -np.nan_to_num(tier, nan=-1.0)))
    rows = []
    for i in order:
        klass = s["class"].iloc[i]
        where = "全部类别" if pd.isna(klass) else labels.get(str(klass), str(klass))
        rows.append([str(s["label"].iloc[i]), where, float(tier[i]), float(rank[i])])
    return rows


def most_influential(stability: Stability) -> str | None:
    """The label of the choice with the largest S1 for tier change (None without one)."""
    s = stability.sensitivity
    if not len(s):
        return None
    tier = pd.to_numeric(s["s1_tier"], errors="coerce")
    if tier.notna().sum() == 0:
        return None
    return str(s["label"].iloc[int(np.nanargmax(tier.to_numpy(dtype=float)))])


def add_stability_sheet(
    wb: Workbook,
    stability: Stability,
    *,
    title: str,
    notes: Sequence[str] = (),
    key_label: str = KEY_LABEL,
) -> Body:
    """The sheet; returns its firm rows, put in on saving (`xlsx.save`). `key_label`: how
    the rules name the key column (a unit other than a firm: 国家代码)."""
    tiers = stability.tiers()
    firms = stability.firms
    labels = dict(zip(stability.classes["class"], stability.classes["label"], strict=True))
    ranks = pd.to_numeric(firms["rank"], errors="coerce").to_numpy(dtype=float)
    text = {
        "key": clean(firms["credit_code"]),
        "企业名称": clean(firms["name"]),
        "园区": clean(firms["park"]),
        "类别": clean(firms["class"].map(labels).fillna(firms["class"])),
    }
    widths = [
        max(fit(text["key"]), fit([key_label]), 21.0),
        min(max(fit(text["企业名称"]), 14.0), 24.0),
        min(max(fit(text["园区"]), 8.0), 14.0),
        min(max(fit(text["类别"]), 10.0), 16.0),
        6.0,
        6.0,
        *[8.0] * len(tiers),
        8.0,
        13.0,
        8.0,
    ]
    headers = [
        key_label,
        *FIXED_HEADERS,
        *(f"p_{t}" for t in tiers),
        "众数档次",
        "排名区间（5%–95%）",
        "稳定性",
    ]
    found = sensitivity_rows(stability, labels)
    lines = [reading(stability), sampled(stability), *notes]
    # the view goes out with the sheet's first row: where the firms' header will be, first
    header_row = 1 + len(lines) + 3 + len(stability.classes) + 3 + max(len(found), 1) + 3
    ws = wb.create_sheet(SHEET)
    ws.freeze_panes = f"C{header_row + 1}" if header_row <= FROZEN_MAX else "C1"
    sheet = _Top(ws, widths)
    print_setup(ws, widths, repeat=2)
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    sheet.merged(title, font=styles.TITLE_FONT, alignment=styles.CENTER, line=22, wide=1.6)
    for line in lines:
        sheet.merged(line, font=styles.SUBTITLE_FONT, alignment=styles.WRAP_MIDDLE)
    sheet.blank()
    sheet.heading("各类别档次稳定的企业")
    sheet.table(
        ["类别", "有档次的企业", "稳定", "稳定占比"],
        class_rows(stability),
        [None, styles.INTEGER, styles.INTEGER, styles.INDEX],
        [2, 1, 1, 2],
    )
    sheet.blank()
    sheet.heading("敏感性指数（一阶，按档次变动从大到小）")
    sheet.table(
        ["抽样内容", "类别", "档次变动", "排名变动"],
        found or [["（无）", "", None, None]],
        [None, None, styles.COEFFICIENT, styles.COEFFICIENT],
        [2, 2, 2, 2],
    )
    sheet.blank()
    sheet.heading("各企业档次的稳定性")
    if sheet.row + 1 != header_row:
        raise AssertionError(f"the firms' header is at row {sheet.row + 1}, not {header_row}")
    ws.row_dimensions[header_row].height = 30.0
    ws.append([header_cell(ws, h) for h in headers])
    first = header_row + 1
    n = len(firms)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(headers))}{header_row + n}"
    return Body(ws, *_firm_rows(ws, stability, text, ranks, tiers, first))


def _firm_rows(
    ws: Any,
    stability: Stability,
    text: dict[str, pd.Series],
    ranks: np.ndarray,
    tiers: list[str],
    first: int,
) -> tuple[Any, bool]:
    firms = stability.firms
    n = len(firms)
    stable = firms["stable"].astype(bool).to_numpy()
    amber = styles.WARNING_FILL

    def pick(plain: int, lit: int) -> np.ndarray:
        return np.where(stable, plain, lit).astype("int64")

    left = pick(text_style(ws), text_style(ws, fill=amber))
    centre = pick(
        text_style(ws, alignment=styles.CENTER), text_style(ws, alignment=styles.CENTER, fill=amber)
    )
    whole = pick(number_style(ws, styles.INTEGER), number_style(ws, styles.INTEGER, fill=amber))
    share = pick(number_style(ws, styles.INDEX), number_style(ws, styles.INDEX, fill=amber))
    graded = [t for t in tiers if t not in EXTRA_TIERS]  # 未分档 and 不定等级 grey, not last red
    tier_ids = {
        t: text_style(ws, alignment=styles.CENTER, fill=styles.tier_fill(t, graded)) for t in tiers
    }
    tier = firms["tier"].astype(object)
    tier_style = tier.map(tier_ids).fillna(int(centre[0]) if n else 0).to_numpy("int64")
    low = pd.to_numeric(firms["rank_p05"], errors="coerce").round()
    high = pd.to_numeric(firms["rank_p95"], errors="coerce").round()
    interval = (
        low.astype("Int64").astype("string") + "–" + high.astype("Int64").astype("string")
    ).fillna("")
    columns: list[Column] = [
        TextColumn(text["key"], left),
        TextColumn(text["企业名称"], left),
        TextColumn(text["园区"], left),
        TextColumn(text["类别"], left),
        TextColumn(clean(tier), tier_style),
        NumberColumn(ranks, whole, integer=True),
        *(NumberColumn(pd.to_numeric(firms[f"p_{t}"]).to_numpy(dtype=float), share) for t in tiers),
        TextColumn(clean(firms["modal_tier"]), centre),
        TextColumn(clean(interval), centre),
        TextColumn(pd.Series(np.where(stable, STABLE, UNSTABLE)), centre),
    ]
    large = maybe_large(text_chars(columns), n)
    return rows_xml(columns, first, n), large


class _Top:
    """The rows above the firms' table, appended in order (write-only sheet)."""

    def __init__(self, ws: Any, widths: Sequence[float]) -> None:
        self.ws = ws
        self.widths = list(widths)
        self.row = 0
        self.last = get_column_letter(len(widths))

    def merged(
        self, text: str, *, font: Any, alignment: Any, line: float = 13.5, wide: float = 1.0
    ) -> None:
        """A line of text merged over the table's width, tall enough for its wrapped text."""
        self.row += 1
        self.ws.merged_cells.add(f"A{self.row}:{self.last}{self.row}")
        lines = text_lines(text, float(sum(self.widths)), wide=wide)
        self.ws.row_dimensions[self.row].height = line * lines + 4
        self.ws.append([text_cell(self.ws, text, font=font, alignment=alignment)])

    def blank(self) -> None:
        self.row += 1
        self.ws.append([])

    def heading(self, text: str) -> None:
        self.row += 1
        self.ws.append([text_cell(self.ws, text, font=styles.HEADING_FONT)])

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[Any]],
        formats: Sequence[str | None],
        spans: Sequence[int],
    ) -> None:
        """A small table at the left; column k merged over `spans[k]` sheet columns."""
        self._append(self._spread([header_cell(self.ws, h) for h in headers], spans, True))
        for values in rows:
            cells = [
                text_cell(self.ws, str(v), font=styles.BODY_FONT, border=styles.BORDER)
                if fmt is None
                else number_cell(self.ws, v, fmt, font=styles.BODY_FONT, border=styles.BORDER)
                for v, fmt in zip(values, formats, strict=True)
            ]
            self._append(self._spread(cells, spans, False))
        at = 1
        for span in spans:
            if span > 1:
                start, end = get_column_letter(at), get_column_letter(at + span - 1)
                for r in range(self.row - len(rows), self.row + 1):
                    self.ws.merged_cells.add(f"{start}{r}:{end}{r}")
            at += span

    def _spread(self, cells: list[Any], spans: Sequence[int], header: bool) -> list[Any]:
        """Cells laid over their spans: the covered cells bordered (shaded for a header)."""
        out: list[Any] = []
        for cell, span in zip(cells, spans, strict=True):
            out.append(cell)
            for _ in range(span - 1):
                filler = text_cell(self.ws, "", border=styles.BORDER)
                out.append(styles.as_header(filler) if header else filler)
        return out

    def _append(self, cells: list[Any]) -> None:
        self.row += 1
        self.ws.append(cells)


def write_stability_workbook(
    stability: Stability,
    out: str | Path,
    *,
    title: str,
    notes: Sequence[str] = (),
    key_label: str = KEY_LABEL,
) -> Path:
    """A workbook of its own holding the 稳定性 sheet (稳定性分析_<region>_<year>.xlsx)."""
    wb = new_workbook(title)
    body = add_stability_sheet(wb, stability, title=title, notes=notes, key_label=key_label)
    return save(wb, Path(out), [body])


def key_label_of(rules: Any) -> str:
    """The rules' name of the key column ([input] key_label), the credit code's by default."""
    return str(getattr(rules.input, "key_label", None) or KEY_LABEL)
