"""差别化政策清单: a 汇总 sheet (per policy and park: firms and amount), then one sheet per policy
holding what the body that applies it needs — name, credit code, park, tier, consecutive years,
the policy's own figure with its unit, the rate and the amount (or the label), and the account
number when the policy names one. No other figure of a firm: the power company gets kWh, never
tax, and no score.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..engine.evaluation import COUNTY, Evaluation, tier_names
from ..fields import FIELDS
from ..rules import Rules
from ..rules.declared import with_rules_fields
from ..rules.policy import Policy, condition_words
from . import styles
from .layout import Header, number_style, text_style, write_frame
from .names import file_stems, sheet_names
from .xlsx import (
    Body,
    Column,
    NumberColumn,
    TextColumn,
    clean,
    line_heights,
    new_workbook,
    save,
    sort_key,
)
from .xlsx import number_width as number_fit
from .xlsx import width as fit

SUMMARY = "汇总"
RATE = "0.00##"
QUANTITY = "#,##0.##"


def policy_workbook_name(ev: Evaluation) -> str:
    """差别化政策清单_<region>_<year>.xlsx."""
    (stem,) = file_stems([f"差别化政策清单_{ev.rules.region}_{ev.rules.year}"])
    return f"{stem}.xlsx"


def _num(x: float) -> str:
    """0.1 → '0.10', 0.125 → '0.125', 50000 → '50000'."""
    return f"{x:.2f}" if round(x, 2) == x and x != int(x) else f"{x:g}"


def rate_words(policy: Policy) -> str:
    """'第1年0.05元/千瓦时、第2年0.10元/千瓦时、第3年及以后0.15元/千瓦时' (or one rate, an amount,
    a label), for the sheet's notes and the 说明 sheet."""
    if policy.kind == "label":
        return f"不涉及金额（{policy.label}）"
    if policy.kind == "amount":
        return f"每家{_num(policy.amount or 0.0)}{policy.unit}"
    assert policy.field is not None
    per = f"{policy.unit}/{FIELDS[policy.field].unit or '单位'}"
    table = policy.rate_list()
    if len(table) == 1:
        return f"{_num(table[0])}{per}"
    parts = [f"连续第{i}年{_num(r)}{per}" for i, r in enumerate(table[:-1], 1)]
    parts.append(f"连续第{len(table)}年及以后{_num(table[-1])}{per}")
    return "、".join(parts)


def who_words(policy: Policy) -> str:
    """Who the policy applies to, in words."""
    parts = []
    if policy.tier:
        parts.append(f"评价为{'、'.join(policy.tier)}类的企业")
    if policy.when is not None:
        parts.append(f"符合条件“{condition_words(policy.when)}”的企业")
    if policy.consecutive is not None:
        parts.append(f"连续{policy.consecutive}年及以上在该档次的企业")
    return "，且".join(parts) if parts else "全部参评企业"


@with_rules_fields
def write_policy_workbook(ev: Evaluation, path: str | Path, *, status: str = "试评价") -> Path:
    """Write the policy lists at `path` (the rules must have policies)."""
    rules = ev.rules
    title = f"{rules.region}{rules.year}年度亩均效益评价结果应用：差别化政策清单"
    if status != "终评":
        title += f"（{status}）"
    wb = new_workbook(title)
    names = sheet_names([SUMMARY, *(p.label for p in rules.policies)])
    bodies = [_summary_sheet(ev, wb.create_sheet(names[0]), title)]
    for policy, name in zip(rules.policies, names[1:], strict=True):
        bodies.append(_policy_sheet(ev, policy, wb.create_sheet(name), title))
    return save(wb, Path(path), bodies)


def _summary_sheet(ev: Evaluation, ws: object, title: str) -> Body:
    sums = ev.policy_sums("park")
    bodies = {p.code: p.body for p in ev.rules.policies}
    keep = (sums["firms"] > 0) | (sums["park"] == COUNTY)
    rows = sums[keep].reset_index(drop=True)
    text = {
        "政策": clean(rows["label"]),
        "执行单位": clean(rows["policy"].map(bodies).fillna("")),
        "园区": clean(rows["park"]),
    }
    firms = rows["firms"].to_numpy(dtype=float)
    amount = rows["amount"].to_numpy(dtype=float)
    headers = [
        Header("序号"),
        *(Header(h) for h in text),
        Header("企业数（家）"),
        Header("金额（元）"),
    ]
    widths = [fit(["序号", str(len(rows))])]
    widths += [min(max(fit([h]), fit(c)), 40.0) for h, c in text.items()]
    widths += [
        fit(["企业数（家）"]),
        max(fit(["金额（元）"]), number_fit(amount, styles.MONEY) + 2),
    ]
    notes = ["金额单位：元；各政策的依据、适用对象和费率见各政策的工作表。"]
    frame = write_frame(
        ws, title=title, notes=notes, headers=headers, widths=widths, n_rows=len(rows),
        paper=ev.rules.publication.paper,
    )  # fmt: skip
    bold = text_style(ws, font=styles.BOLD_FONT, fill=styles.TOTAL_FILL)
    total = (rows["park"] == COUNTY).to_numpy()
    columns: list[Column] = [
        frame.serial(),
        *(TextColumn(c, np.where(total, bold, frame.text)) for c in text.values()),
        NumberColumn(firms, number_style(ws, styles.INTEGER), integer=True),
        NumberColumn(amount, number_style(ws, styles.MONEY)),
    ]
    return frame.body(columns)


# widest text columns of a policy sheet (characters): with the figures the sheet prints one A4
# page wide at no less than 80 %; a longer name wraps
_CAPS = {"企业名称": 28.0, "所属园区": 16.0}


def _policy_sheet(ev: Evaluation, policy: Policy, ws: object, title: str) -> Body:
    res = ev.results
    hit = ev.policy_applies(policy)
    rows = res[hit]
    rows = rows.iloc[np.lexsort((sort_key(rows["credit_code"]), sort_key(rows["park"])))]
    at = rows.index.to_numpy()
    text = {
        "企业名称": clean(rows["name"]),
        "统一社会信用代码": clean(rows["credit_code"]),
        "所属园区": clean(rows["park"].fillna("（未填）")),
        "档次": clean(rows["tier"].astype(object)),
    }
    if policy.account is not None:
        account = pd.Series(np.asarray(ev.column(policy.account), dtype=object)[at])
        text[FIELDS[policy.account].label] = clean(account.where(account.notna(), ""))
    if policy.kind == "label":
        text["政策"] = clean(rows[policy.column()].astype(object).fillna(""))
    years = rows["tier_years"].to_numpy(dtype=float, na_value=np.nan)
    numbers: list[tuple[str, np.ndarray, str]] = [("连续年数", years, styles.INTEGER)]
    if policy.kind == "rate":
        assert policy.field is not None
        spec = FIELDS[policy.field]
        value = np.asarray(ev.column(policy.field), dtype=float)[at]
        unit = spec.unit or "单位"
        numbers += [
            (f"{spec.label}（{unit}）", value, QUANTITY),
            (
                f"费率（{policy.unit}/{unit}）",
                policy.rates_for(rows["tier_years"].to_numpy(dtype=float, na_value=np.nan)),
                RATE,
            ),
        ]
    if policy.kind != "label":
        amount = rows[policy.column()].to_numpy(dtype=float)
        numbers.append((f"金额（{policy.unit}）", amount, styles.MONEY))
    headers = [Header("序号"), *(Header(h) for h in text), *(Header(h) for h, _, _ in numbers)]
    widths = [fit(["序号", str(len(rows))])]
    widths += [min(max(fit([h]), fit(c)), _CAPS.get(h, 40.0)) for h, c in text.items()]
    widths += [max(12.0, number_fit(v, f) + 2) for _, v, f in numbers]  # headers wrap
    names = tier_names(ev.rules)
    notes = [
        f"依据：{policy.source}",
        f"适用对象：{who_words(policy)}；执行单位：{policy.body or '（未指定）'}",
        f"标准：{rate_words(policy)}"
        + (f"；金额 = 费率 × {FIELDS[policy.field].label}" if policy.field else ""),
        "档次："
        + "、".join(styles.tier_text(t, names) for t in dict.fromkeys(rows["tier"].dropna()))
        + "；连续年数：连续在该档次的年数（含本年度）",
    ]
    if policy.kind == "rate" and not np.isfinite(rows[policy.column()].to_numpy(float)).all():
        notes.append("金额为空的企业缺少计费数据，请补充后核算（未按0计）。")
    frame = write_frame(
        ws, title=f"{policy.label}清单", notes=[title, *notes], headers=headers, widths=widths,
        n_rows=len(rows), freeze_cols=2, paper=ev.rules.publication.paper,
    )  # fmt: skip
    wrap = text_style(ws, alignment=styles.WRAP_MIDDLE)
    centre = text_style(ws, alignment=styles.CENTER)
    styles_of = {"企业名称": wrap, "档次": centre}
    columns: list[Column] = [frame.serial()]
    columns += [TextColumn(c, styles_of.get(h, frame.text)) for h, c in text.items()]
    for _, values, fmt in numbers:
        integer = fmt == styles.INTEGER
        columns.append(NumberColumn(values, number_style(ws, fmt), integer=integer))
    heights = line_heights(text["企业名称"], widths[1])
    return frame.body(columns, heights)


NOTE_HEADERS = ["政策", "适用对象", "标准", "执行单位", "依据"]


def policy_notes(rules: Rules) -> list[list[str]]:
    """The 说明 sheet's rows of the rules' policies: who, the rates, who applies it, the source."""
    return [
        [
            f"{p.label}（结果列 {p.column()}）",
            who_words(p),
            rate_words(p) + (f"；金额 = 费率 × {FIELDS[p.field].label}" if p.field else ""),
            p.body or "（未指定）",
            p.source,
        ]
        for p in rules.policies
    ]


def summary_lines(ev: Evaluation) -> list[str]:
    """One line per policy for the terminal: the firms it applies to and their amount."""
    if not ev.rules.policies:
        return []
    sums = ev.policy_sums("park")
    county = sums[sums["park"] == COUNTY].set_index("policy")
    lines = []
    for p in ev.rules.policies:
        firms = int(county.at[p.code, "firms"])
        amount = "" if p.kind == "label" else f"，合计 {county.at[p.code, 'amount']:,.2f} {p.unit}"
        lines.append(f"{p.label}：{firms} 家{amount}")
    return [f"差别化政策（{policy_workbook_name(ev)}）：" + "；".join(lines)]
