"""The publication list (公示名单): one sheet per class of the evaluated firms and their tiers.

It shows names, credit codes, parks and tiers, and the notice lines the rules give (公示期,
objection channel, contacts). Tax, revenue, energy and score figures are confidential: a column
of them appears only when the rules' `[publication] show` names it. Without a score column the
firms are listed by tier, park and name, so the order does not reveal the ranking either.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..engine.evaluation import Evaluation, tier_names
from ..rules.declared import with_rules_fields
from ..rules.unit_key import shown_header
from . import styles
from .layout import Header, number_style, write_frame
from .names import sheet_names
from .xlsx import (
    Column,
    NumberColumn,
    TextColumn,
    clean,
    new_workbook,
    save,
    sort_key,
)
from .xlsx import width as fit

SHOWN = {"total_score": "综合得分", "rank": "排名"}


def publication_title(ev: Evaluation, status: str) -> str:
    rules = ev.rules
    title = (
        rules.publication.title or f"{rules.region}{rules.year}年度工业企业亩均效益综合评价结果公示"
    )
    return title if status == "终评" else f"{title}（{status}）"


@with_rules_fields
def write_publication(ev: Evaluation, path: str | Path, *, status: str) -> Path:
    """Write the publication list workbook at `path`."""
    rules = ev.rules
    title = publication_title(ev, status)
    wb = new_workbook(title)
    bodies = []
    names = sheet_names(c.label for c in rules.classes)
    for klass, name in zip(rules.classes, names, strict=True):
        res = ev.results
        rows = res[((res["class"] == klass.code) & (res["status"] == "evaluated")).to_numpy()]
        codes = {i.code: i for i in klass.indicators}
        extra = [c for c in rules.publication.show if c in SHOWN or c in codes]
        shown = ev.shown_tiers(klass)  # the class's tiers, then 不定等级 when some firm has it
        tier_place = rows["tier"].map({t: i for i, t in enumerate(shown)})
        if "rank" in extra or "total_score" in extra:
            keys: tuple[np.ndarray, ...] = (
                sort_key(rows["credit_code"]),
                rows["rank"].to_numpy(dtype=float, na_value=np.nan),
            )
        else:
            keys = (
                sort_key(rows["credit_code"]),
                sort_key(rows["name"]),
                sort_key(rows["park"]),
                tier_place.to_numpy(),
            )
        rows = rows.iloc[np.lexsort(keys)]
        ws = wb.create_sheet(name)
        text = {
            "企业名称": clean(rows["name"]),
            "统一社会信用代码": clean(rows["credit_code"]),
            "园区": clean(rows["park"]),
            # only for the width: the tier column is built by frame.tiers
            "评价类别": pd.Series([styles.tier_text(t, tier_names(rules)) for t in shown]),
        }
        headers = [Header("序号"), *(Header(shown_header(h)) for h in text)]
        for c in extra:
            ind = codes.get(c)
            unit = "" if ind is None else ("%" if ind.percent else ind.unit)
            headers.append(
                Header(
                    SHOWN.get(c)
                    or (f"{ind.label}（{unit}）" if ind and unit else ind.label if ind else c)
                )
            )
        widths = [fit(["序号", str(len(rows))])]
        widths += [min(max(fit([h]), fit(column)), 50.0) for h, column in text.items()]
        widths += [max(fit([h.top]), 12.0) for h in headers[len(text) + 1 :]]
        notes = [f"评价类别：{klass.label}", *rules.publication.notice]
        frame = write_frame(
            ws,
            title=title,
            notes=notes,
            headers=headers,
            widths=widths,
            n_rows=len(rows),
            freeze_cols=2,
            paper=rules.publication.paper,
        )
        columns: list[Column] = [
            frame.serial(),
            TextColumn(text["企业名称"], frame.text),
            TextColumn(text["统一社会信用代码"], frame.text),
            TextColumn(text["园区"], frame.text),
            frame.tiers(rows["tier"], klass.tiers),
        ]
        for c in extra:
            ind = codes.get(c)
            column = f"value_{c}" if ind else c
            fmt = styles.INTEGER if c == "rank" else styles.SCORE
            if ind is not None:
                fmt = styles.PERCENT if ind.percent else styles.MONEY
            values = rows[column].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
            columns.append(NumberColumn(values, number_style(ws, fmt), integer=c == "rank"))
        bodies.append(frame.body(columns))
    return save(wb, Path(path), bodies)
