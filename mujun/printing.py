"""What the command line prints: tables of statuses, tiers, issues and key firms (Chinese).

Codes stay in the files (issues.csv, results.csv) for machines; a person reads labels: status
参评/免评/暂缓/数据有误, severity 错误/提示/说明, a field's Chinese name, an issue's title. The
issue detail shows the message first and whole (wrapped); a terminal narrower than
WIDE_COLUMNS drops the field and code columns so that the message keeps its room.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from .engine.evaluation import Evaluation
from .export.summary_sheet import STATUS_HEADERS
from .fieldlist import FieldRow
from .fields import label
from .issues import CATALOG, SEVERITIES, SEVERITY_LABELS
from .rules.unit_key import KEY_LABEL, said_key
from .selection import KeyFirms

MAX_SHOWN = 30
WIDE_COLUMNS = 140  # the field and code columns take about 45 of them


def status_line(ev: Evaluation) -> str:
    """'<rules name>：共 481 行 — 参评 345，免评 116，…' in the fixed order of the statuses."""
    counts = ev.results["status"].value_counts()
    order = [*STATUS_HEADERS, *(s for s in counts.index if s not in STATUS_HEADERS)]
    parts = [f"{STATUS_HEADERS.get(s, s)} {int(counts[s])}" for s in order if counts.get(s, 0) > 0]
    return f"{ev.rules.name}：共 {len(ev.results)} 行 — {'，'.join(parts)}"


def issue_counts_line(issues: pd.DataFrame, where: str | Path) -> str:
    counts = issues["severity"].value_counts()
    errors, warnings = int(counts.get("error", 0)), int(counts.get("warning", 0))
    return f"数据问题：错误 {errors} 条，提示 {warnings} 条（见 {where}）"


def print_statuses(console: Console, ev: Evaluation) -> None:
    """Rows per status, and firms per tier per class."""
    console.print(status_line(ev), highlight=False)
    tiers = ev.tier_counts()
    if len(tiers):
        labels = list(dict.fromkeys(tiers["tier"]))
        table = Table("类别", *labels, title="评价结果（企业数）")
        for klass in ev.rules.classes:
            row = tiers[tiers["class"] == klass.code].set_index("tier")["firms"]
            table.add_row(klass.label, *(str(row.get(t, "")) for t in labels))
        console.print(table)


def _severity_order(issues: pd.DataFrame) -> pd.Series:
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    return issues["severity"].map(rank).fillna(len(rank))


def print_issues(
    console: Console,
    issues: pd.DataFrame,
    where: str | Path,
    labels: Mapping[str, str] | None = None,
    key_label: str = KEY_LABEL,
) -> None:
    """The issues per severity and kind, then the first MAX_SHOWN in detail; `where` names
    the file that lists them all, `labels` the indicators an issue's field may hold,
    `key_label` the key column (the rules' `[input] key_label`)."""
    if not len(issues):
        console.print("未发现数据问题。")
        return
    wide = console.width >= WIDE_COLUMNS
    by_code = (
        issues.assign(rank=_severity_order(issues))
        .groupby(["rank", "severity", "code"])
        .size()
        .reset_index(name="n")
    )
    summary = Table("级别", "问题", *(["代码"] if wide else []), "条数", title="数据问题汇总")
    for _, severity, code, n in by_code.to_numpy():  # one row per kind of issue
        kind = CATALOG.get(str(code))
        title = kind.title if kind else str(code)
        if key_label != KEY_LABEL:
            title = str(said_key(pd.Series([title]), key_label).iloc[0])
        summary.add_row(
            SEVERITY_LABELS.get(str(severity), str(severity)),
            title,
            *([str(code)] if wide else []),
            str(n),
        )
    console.print(summary)
    shown = (
        issues.assign(rank=_severity_order(issues))
        .sort_values(["rank", "file", "row"], kind="stable")
        .head(MAX_SHOWN)
    )
    more = f"（前{MAX_SHOWN}条，全部见 {where}）" if len(issues) > MAX_SHOWN else ""
    detail = Table(title="数据问题明细" + more, show_lines=True, expand=True)
    detail.add_column("问题", ratio=5 if wide else 3, overflow="fold", min_width=16)
    detail.add_column("级别", no_wrap=True)
    detail.add_column("位置", ratio=2, overflow="fold")
    key = "信用代码" if key_label == KEY_LABEL else key_label
    detail.add_column(key, no_wrap=not wide, overflow="fold")
    if wide:
        detail.add_column("字段", overflow="fold", max_width=16)  # a long label wraps
        detail.add_column("代码", overflow="fold")
    for r in shown.to_dict("records"):  # at most MAX_SHOWN rows
        place = Path(str(r["file"])).name if pd.notna(r["file"]) else ""
        if pd.notna(r.get("sheet")) and r.get("sheet"):
            place += f"［{r['sheet']}］"
        if pd.notna(r["row"]):
            place += f" 第{int(r['row'])}行"
        cells = [
            str(r["message"]),
            SEVERITY_LABELS.get(str(r["severity"]), str(r["severity"])),
            place.strip(),
            "" if pd.isna(r["credit_code"]) else str(r["credit_code"]),
        ]
        if wide:
            field = "" if pd.isna(r["field"]) else str(r["field"])
            shown = key_label if field == "credit_code" else label(field)
            cells += [(labels or {}).get(field) or shown, str(r["code"])]
        detail.add_row(*cells)
    console.print(detail)


def print_parks(console: Console, ev: Evaluation) -> None:
    """Firms evaluated, per tier and tax per mu, per park (the demo's summary)."""
    summary = ev.summary(by="park")
    tiers = [c for c in summary.columns if c.startswith("tier_")]
    table = Table(
        "园区",
        "参评",
        *(t.removeprefix("tier_") for t in tiers),
        "亩均税收(万元/亩)",
        title=f"{ev.rules.name}：各园区评价结果",
    )
    for row in summary.to_dict("records"):  # one row per park
        table.add_row(
            str(row["park"]),
            str(row["evaluated"]),
            *(str(row[t]) for t in tiers),
            f"{row['tax_per_mu']:.2f}",
        )
    console.print(table)


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


BENCH_STEPS = {
    "generate": "生成合成数据",
    "pyarrow_csv": "参照：pyarrow 读 CSV",
    "read_csv": "读取 CSV",
    "pyarrow_parquet": "参照：pyarrow 读 Parquet",
    "read_parquet": "读取 Parquet",
    "checks": "数据检查",
    "reference": "参照：纯 numpy 评价",
    "evaluate": "评价",
    "tiers_variant": "评价：分组比例与分阶段分档的规则",
    "write_csv": "写出 CSV",
    "write_parquet": "写出 Parquet",
    "write_workbook": "写出工作簿",
    "evaluate_large": "独立进程评价",
    "reference_large": "参照：独立进程纯 numpy 评价",
    "run_read": "完整运行：读取",
    "run_evaluate": "完整运行：评价",
    "run_write": "完整运行：写出",
    "growth": "成长画像",
    "clusters": "成长类型分群",
    "select": "重点企业与培育库",
    "large_rss": "独立进程内存峰值 / 数据大小",
    "large": "独立进程评价 / 评价",
    "large_reference": "独立进程评价 / 参照",
    "explain_d": "说明全部最低档企业（不含升档测算）",
    "explain_tax_one": "一家最低档企业的升档税收测算（逐次重新评价全县）",
    "explain_d_demo": "说明示例县全部最低档企业（含每项数据的升档测算）",
    "uncertainty_200": "不确定性分析：200个样本",
    "evaluate_200": "参照：200次独立评价",
}


def _bench_step(code: str) -> str:
    """A bench figure's Chinese name, with its code (the --json key) in brackets."""
    if code.startswith("run_write "):
        return f"完整运行：写出 {code.removeprefix('run_write ')}"
    return f"{BENCH_STEPS[code]}（{code}）" if code in BENCH_STEPS else code


def print_bench(console: Console, figures: dict[str, float], n: int, repeat: int) -> None:
    """The bench figures: median seconds per stage, ratios to the references, peak memory."""
    table = Table("环节", "中位数", title=f"mujun bench：{n:,} 家企业，{repeat} 次取中位数")
    for key, value in figures.items():
        if key.endswith("_s"):
            step = _bench_step(key.removesuffix("_s"))
            if key == "write_workbook_s":
                step += f"（{figures['workbook_firms']:,.0f} 家）"
            if key in ("explain_d_s", "explain_tax_one_s"):
                step += f"（{figures['explain_firms']:,.0f} 家企业的县）"
                if key == "explain_d_s":
                    step += f"，{figures['explain_d_firms']:,.0f} 家"
            if key == "explain_d_demo_s":
                step += f"（{figures['explain_d_demo_firms']:,.0f} 家）"
            if key in ("uncertainty_200_s", "evaluate_200_s"):
                step += f"（{figures['uncertainty_firms']:,.0f} 家）"
            if key in ("growth_s", "clusters_s", "select_s"):
                step += f"（{figures['select_firms']:,.0f} 家 × 5 年）"
            table.add_row(step, f"{value:.3f} 秒")
        elif key.endswith("_ratio"):
            stage = key.removesuffix("_ratio")
            name = BENCH_STEPS.get(stage, stage) if stage.startswith("large") else None
            if stage == "tiers_variant":  # against the plain rules, not a reference
                name = f"{_bench_step(stage)} / 原规则评价"
            shown = f"{value:.2f} 倍"
            if stage == "uncertainty_200":  # against 200 separate evaluations, graded
                name = f"{_bench_step(stage)} / 200次独立评价"
                target = figures.get(f"{stage}_target")
                if target is not None:  # the bench's own target, carried with its figures
                    said = "达到" if value < target else "未达到"
                    shown += f"（目标：低于 {target:g} 倍，{said}）"
            table.add_row(name or f"{_bench_step(stage)} / 参照", shown)
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
