"""What the command line prints: tables of statuses, tiers, issues and key firms (Chinese)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from .engine.evaluation import Evaluation
from .fieldlist import FieldRow
from .selection import KeyFirms

MAX_SHOWN = 30


def print_statuses(console: Console, ev: Evaluation) -> None:
    """Rows per status, and firms per tier per class."""
    counts = ev.results["status"].value_counts()
    line = "  ".join(f"{s} {int(counts.get(s, 0))}" for s in counts.index)
    console.print(f"{ev.rules.name}：{len(ev.results)} 行 — {line}", highlight=False)
    tiers = ev.tier_counts()
    if len(tiers):
        labels = list(dict.fromkeys(tiers["tier"]))
        table = Table("类别", *labels, title="评价结果（企业数）")
        for klass in ev.rules.classes:
            row = tiers[tiers["class"] == klass.code].set_index("tier")["firms"]
            table.add_row(klass.label, *(str(row.get(t, "")) for t in labels))
        console.print(table)


def print_issues(console: Console, issues: pd.DataFrame) -> None:
    """The issues per severity and code, then the first MAX_SHOWN in detail."""
    if not len(issues):
        console.print("未发现数据问题。")
        return
    by_code = issues.groupby(["severity", "code"]).size().reset_index(name="n")
    summary = Table("级别", "代码", "条数", title="数据问题汇总")
    for severity, code, n in by_code[["severity", "code", "n"]].to_numpy():
        summary.add_row(str(severity), str(code), str(n))
    console.print(summary)
    shown = issues.sort_values(["severity", "file", "row"]).head(MAX_SHOWN)
    detail = Table(
        "级别",
        "文件",
        "行",
        "信用代码",
        "字段",
        "问题",
        title="数据问题明细"
        + (f"（前{MAX_SHOWN}条，全部见 issues.csv）" if len(issues) > MAX_SHOWN else ""),
    )
    shown = shown.assign(
        file=shown["file"].map(lambda f: Path(f).name),
        row=shown["row"].astype("string").fillna(""),
    )
    columns = ["severity", "file", "row", "credit_code", "field", "message"]
    for cells in shown[columns].astype(str).to_numpy():  # at most MAX_SHOWN rows
        detail.add_row(*cells)
    console.print(detail)


def print_selection(console: Console, kf: KeyFirms) -> None:
    """Growth types, key firms per park, cultivation lists, commissioners."""
    clusters = Table("序号", "成长类型", "企业数", "趋势增速", "波动率", title="成长画像分群")
    for r in kf.clusters.to_dict("records"):  # one row per cluster
        clusters.add_row(
            str(r["cluster"]),
            str(r["label"]),
            str(r["firms"]),
            f"{r['trend_revenue']:.1%}",
            f"{r['volatility_revenue']:.3f}",
        )
    console.print(clusters)
    table = Table("园区", "名额", "重点企业", "按趋势能三年倍增", title="重点企业包保名单")
    for row in kf.park_summary().to_dict("records"):  # one row per park
        table.add_row(
            str(row["park"]), str(row["quota"]), str(row["key_firms"]), str(row["on_track"])
        )
    console.print(table)
    counts = kf.watch_lists["list_label"].value_counts(sort=False)
    line = "、".join(f"{t} {n} 家" for t, n in counts.items()) or "无"
    console.print(f"培育库：{line}", highlight=False)
    if kf.assignment is not None and kf.commissioners is not None:
        console.print(
            f"首席服务专员：{len(kf.commissioners)} 位，已分配全部 {len(kf.assignment)} 家重点企业",
            highlight=False,
        )


def print_bench(console: Console, figures: dict[str, float], n: int, repeat: int) -> None:
    """The bench figures: median seconds per stage, ratios to the references, peak memory."""
    table = Table("环节", "中位数", title=f"mujun bench：{n:,} 家企业，{repeat} 次取中位数")
    for key, value in figures.items():
        if key.endswith("_s"):
            step = key.removesuffix("_s")
            if key == "write_workbook_s":
                step += f"（{figures['workbook_firms']:,.0f} 家）"
            if key in ("growth_s", "clusters_s", "select_s"):
                step += f"（{figures['select_firms']:,.0f} 家 × 5 年）"
            table.add_row(step, f"{value:.3f} s")
        elif key.endswith("_ratio"):
            table.add_row(key, f"{value:.2f} ×")
    table.add_row("内存峰值", f"{figures['peak_rss_mb']:.0f} MB")
    console.print(table)


def print_fields(console: Console, rows: list[FieldRow], rules: str | None = None) -> None:
    """`mujun fields`: per field a line (code, label, unit, kind, department, whether the rules
    need it) and a line of the headers it is read from, the rules' own marked （规则）: lines,
    not a table, so nothing is cut and `mujun fields | grep 面积` finds a field."""
    if rules is not None:
        needed = sum(1 for r in rows if r.needed)
        console.print(f"规则文件 {rules} 需要 {needed} 个字段（标“规则需要”）", highlight=False)
    for row in rows:  # one block per field
        department = "" if row.derived else row.department
        facts = "，".join(x for x in (row.unit, row.kind, department) if x)
        need = "  [规则需要]" if row.needed else ""
        console.print(f"{row.code}  {row.label}（{facts}）{need}", highlight=False)
        if row.derived:
            heard = "由 " + "、".join(row.computed_from) + " 计算，不从文件读取"
        else:
            heard = "表头：" + "、".join(
                [*row.headers, *(f"{h}（规则）" for h in row.rules_headers)]
            )
            if row.computed_from:
                heard += "；缺失时由 " + "、".join(row.computed_from) + " 折算"
        console.print(f"    {heard}", highlight=False, soft_wrap=True)
    console.print(
        "表头可带单位（如“实缴税金(元)”），按字段的单位换算。未识别的表头可加入规则文件的"
        ' [input.aliases] 表，如 land_owned_mu = ["占地面积(亩)"]',
        highlight=False,
        soft_wrap=True,
    )
