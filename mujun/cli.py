"""The command line: parse, call the API, print, exit. It never computes.

Exit codes (DESIGN §9): 0 success; 1 the data had errors (results are still written) or could
not be read; 2 unusable rules or arguments.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from ._version import mujun_version
from .engine.evaluate import evaluate
from .engine.evaluation import Evaluation
from .errors import DataError, ExportError, RulesError
from .export import write_issues_workbook, write_run
from .export.template import write_template
from .read import read_sources
from .read.commissioners import read_commissioners
from .rules import Rules, load_rules
from .selection import KeyFirms, select_key_firms
from .table import EnterpriseTable

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    help="mujun — 亩均效益综合评价 (per-mu efficiency evaluation).",
)
out_console = Console()
err_console = Console(stderr=True)

RulesOpt = Annotated[
    Path, typer.Option("--rules", "-r", help="rules file (TOML)", exists=True, dir_okay=False)
]
DataOpt = Annotated[
    list[Path],
    typer.Option(
        "--data",
        "-d",
        help="data files (.csv/.xlsx/.xls): --data a.csv b.xlsx",
        exists=True,
        dir_okay=False,
    ),
]
CorrectionsOpt = Annotated[
    Path | None,
    typer.Option(
        "--corrections",
        help="approved corrections (异议复核) to apply on top",
        exists=True,
        dir_okay=False,
    ),
]
YearOpt = Annotated[
    int | None, typer.Option(help="data year of files without a year column (default: rules')")
]
MAX_SHOWN = 30


def _fail(message: str, code: int) -> typer.Exit:
    err_console.print(f"[bold red]错误[/]: {message}", highlight=False)
    return typer.Exit(code)


def _read(
    rules: Path, data: list[Path], corrections: Path | None = None, year: int | None = None
) -> tuple[Rules, EnterpriseTable]:
    try:
        method = load_rules(rules)
    except RulesError as exc:
        raise _fail(str(exc), 2) from None
    try:
        return method, read_sources(
            data,
            year=method.year if year is None else year,
            priority=method.input.priority,
            corrections=corrections,
        )
    except DataError as exc:
        raise _fail(str(exc), 1) from None


def _evaluate(table: EnterpriseTable, method: Rules) -> Evaluation:
    try:
        return evaluate(table, method)
    except RulesError as exc:
        raise _fail(str(exc), 2) from None


def _load(
    rules: Path, data: list[Path], corrections: Path | None = None, year: int | None = None
) -> Evaluation:
    method, table = _read(rules, data, corrections, year)
    return _evaluate(table, method)


def _print_statuses(ev: Evaluation) -> None:
    counts = ev.results["status"].value_counts()
    line = "  ".join(f"{s} {int(counts.get(s, 0))}" for s in counts.index)
    out_console.print(f"{ev.rules.name}：{len(ev.results)} 行 — {line}", highlight=False)
    tiers = ev.tier_counts()
    if len(tiers):
        labels = list(dict.fromkeys(tiers["tier"]))
        table = Table("类别", *labels, title="评价结果（企业数）")
        for klass in ev.rules.classes:
            row = tiers[tiers["class"] == klass.code].set_index("tier")["firms"]
            table.add_row(klass.label, *(str(row.get(t, "")) for t in labels))
        out_console.print(table)


def _print_issues(issues: pd.DataFrame) -> None:
    if not len(issues):
        out_console.print("未发现数据问题。")
        return
    by_code = issues.groupby(["severity", "code"]).size().reset_index(name="n")
    summary = Table("级别", "代码", "条数", title="数据问题汇总")
    for severity, code, n in by_code[["severity", "code", "n"]].to_numpy():
        summary.add_row(str(severity), str(code), str(n))
    out_console.print(summary)
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
    out_console.print(detail)


def _write(ev: Evaluation, out: Path, status: str, selection: KeyFirms | None = None) -> Path:
    """write_run with a spinner naming each workbook as it is written (terminal only)."""
    with err_console.status("正在写出结果和工作簿…") as spinner:
        return write_run(
            ev,
            out,
            status=status,
            selection=selection,
            progress=lambda name: spinner.update(f"已写出 {name}"),
        )


def _select(table: EnterpriseTable, ev: Evaluation, commissioners: Path | None) -> KeyFirms:
    """select_key_firms with a spinner; a selection that cannot be made exits with code 1."""
    try:
        people = None if commissioners is None else read_commissioners(commissioners)
        with err_console.status("正在计算成长画像、重点企业名单与培育库…"):
            return select_key_firms(table, ev, people)
    except DataError as exc:
        raise _fail(str(exc), 1) from None


def _print_selection(kf: KeyFirms) -> None:
    clusters = Table("序号", "成长类型", "企业数", "趋势增速", "波动率", title="成长画像分群")
    for r in kf.clusters.to_dict("records"):  # one row per cluster
        clusters.add_row(
            str(r["cluster"]),
            str(r["label"]),
            str(r["firms"]),
            f"{r['trend_revenue']:.1%}",
            f"{r['volatility_revenue']:.3f}",
        )
    out_console.print(clusters)
    table = Table("园区", "名额", "重点企业", "按趋势能三年倍增", title="重点企业包保名单")
    for row in kf.park_summary().to_dict("records"):  # one row per park
        table.add_row(
            str(row["park"]), str(row["quota"]), str(row["key_firms"]), str(row["on_track"])
        )
    out_console.print(table)
    counts = kf.watch_lists["list_label"].value_counts(sort=False)
    line = "、".join(f"{t} {n} 家" for t, n in counts.items()) or "无"
    out_console.print(f"培育库：{line}", highlight=False)
    if kf.assignment is not None and kf.commissioners is not None:
        out_console.print(
            f"首席服务专员：{len(kf.commissioners)} 位，已分配全部 {len(kf.assignment)} 家重点企业",
            highlight=False,
        )


def _has_errors(ev: Evaluation) -> bool:
    return bool((ev.issues["severity"] == "error").any())


@app.command()
def run(
    rules: RulesOpt,
    data: DataOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="output folder (one run)")],
    status: Annotated[str, typer.Option(help="试评价 / 初评 / 终评")] = "试评价",
    corrections: CorrectionsOpt = None,
    year: YearOpt = None,
) -> None:
    """Evaluate and write results.csv, results.parquet, issues.csv, 问题清单.xlsx, the result
    workbooks (内部版, 公示名单, parks/) and manifest.json."""
    ev = _load(rules, data, corrections, year)
    try:
        folder = _write(ev, out, status)
    except ExportError as exc:
        raise _fail(str(exc), 2) from None
    _print_statuses(ev)
    errors = int((ev.issues["severity"] == "error").sum())
    warnings = int((ev.issues["severity"] == "warning").sum())
    out_console.print(
        f"数据问题：错误 {errors} 条，提示 {warnings} 条（见 issues.csv）", highlight=False
    )
    out_console.print(f"结果已写入 {folder}", highlight=False)
    raise typer.Exit(1 if _has_errors(ev) else 0)


@app.command()
def select(
    rules: RulesOpt,
    data: DataOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="output folder (one run)")],
    commissioners: Annotated[
        Path | None,
        typer.Option(
            help="首席服务专员名单 (.csv/.xlsx: 姓名, 所属园区, 熟悉行业)",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    status: Annotated[str, typer.Option(help="试评价 / 初评 / 终评")] = "试评价",
    corrections: CorrectionsOpt = None,
    year: YearOpt = None,
) -> None:
    """Key firms from a multi-year panel: evaluate the rules' year, then write the run with
    growth.csv, key_firms.csv, watch_lists.csv and the sheets 包保名单 and 培育库 in the
    internal workbook."""
    method, table = _read(rules, data, corrections, year)
    ev = _evaluate(table.of_year(method.year), method)
    kf = _select(table, ev, commissioners)
    try:
        folder = _write(ev, out, status, kf)
    except ExportError as exc:
        raise _fail(str(exc), 2) from None
    _print_statuses(ev)
    _print_selection(kf)
    out_console.print(f"结果已写入 {folder}", highlight=False)
    raise typer.Exit(1 if _has_errors(ev) else 0)


@app.command()
def check(
    rules: RulesOpt,
    data: DataOpt,
    report: Annotated[
        Path, typer.Option("--report", help="where to write the issue workbook")
    ] = Path("问题清单.xlsx"),
    corrections: CorrectionsOpt = None,
    year: YearOpt = None,
) -> None:
    """Read and check only: print the problems and write them to 问题清单.xlsx."""
    ev = _load(rules, data, corrections, year)
    _print_statuses(ev)
    _print_issues(ev.issues)
    try:
        write_issues_workbook(
            ev.issues, report, title=f"{ev.rules.region}{ev.rules.year}年度数据问题清单"
        )
    except (OSError, ExportError) as exc:
        raise _fail(f"cannot write {report}: {exc}", 2) from None
    out_console.print(f"问题清单已写入 {report}", highlight=False)
    raise typer.Exit(1 if _has_errors(ev) else 0)


@app.command()
def template(
    rules: RulesOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="the workbook to write (.xlsx)")],
) -> None:
    """Write a blank data-collection workbook (数据采集表) for the fields the rules need."""
    try:
        method = load_rules(rules)
    except RulesError as exc:
        raise _fail(str(exc), 2) from None
    try:
        written = write_template(method, out)
    except (OSError, ExportError) as exc:
        raise _fail(f"cannot write {out}: {exc}", 2) from None
    out_console.print(f"数据采集表已写入 {written}", highlight=False)


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="output folder")] = Path("mujun-demo"),
) -> None:
    """Evaluate the shipped demo county (固镇, 2022) end to end, select its key firms from the
    three years before, and write every output."""
    from .sample.demo import DEMO_DATASET, DEMO_RULES, demo_files, demo_selection_files

    with demo_files() as files, demo_selection_files() as (history, people):
        method, panel = _read(DEMO_RULES, [*files, history])
        ev = _evaluate(panel.of_year(method.year), method)
        kf = _select(panel, ev, people)
        try:
            folder = _write(ev, out, "试评价", kf)
        except ExportError as exc:
            raise _fail(str(exc), 2) from None
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
    out_console.print(table)
    counts = ev.issues["severity"].value_counts()
    errors, warnings = counts.get("error", 0), counts.get("warning", 0)
    where = folder / "问题清单.xlsx"
    out_console.print(
        f"数据问题：错误 {errors} 条，提示 {warnings} 条（见 {where}）", highlight=False
    )
    _print_selection(kf)
    out_console.print(
        f"输入文件：{', '.join(Path(f).name for f in [*files, history])}；"
        f"专员名单：{Path(people).name}",
        highlight=False,
    )
    out_console.print(
        f"示例数据中故意设置了若干错误，逐条说明见 {DEMO_DATASET / 'README.md'}", highlight=False
    )
    out_console.print(f"结果已写入 {folder}", highlight=False)


@app.command()
def bench(
    n: Annotated[int, typer.Option("--n", help="合成企业数")] = 1_000_000,
    repeat: Annotated[int, typer.Option(help="每个环节运行次数（取中位数）")] = 3,
    large: Annotated[
        int | None, typer.Option(help="另在独立进程中评价这么多家企业：时间与内存峰值")
    ] = None,
    run: Annotated[
        bool, typer.Option(help="计时一次完整的 mujun run（读取、评价、逐个文件）")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="输出一个 JSON 对象，便于记录")] = False,
) -> None:
    """在N家合成企业上计时每个环节（中位数秒），并与各自的参照比较：读取对 pyarrow，评价对同一办法的
    纯 numpy 实现。"""
    import json

    from .sample.bench import run_bench

    quiet = as_json or not err_console.is_terminal
    say = None if quiet else (lambda stage: err_console.print(f"… {stage}"))
    figures = run_bench(n, repeat=repeat, progress=say, large=large, run=run)
    if as_json:
        print(json.dumps(figures, ensure_ascii=False))
        return
    table = Table("环节", "中位数", title=f"mujun bench：{n:,} 家企业，{repeat} 次取中位数")
    for key, value in figures.items():
        if key.endswith("_s"):
            stage = key.removesuffix("_s")
            if key == "write_workbook_s":
                stage += f"（{figures['workbook_firms']:,.0f} 家）"
            if key in ("growth_s", "clusters_s", "select_s"):
                stage += f"（{figures['select_firms']:,.0f} 家 × 5 年）"
            table.add_row(stage, f"{value:.3f} s")
        elif key.endswith("_ratio"):
            table.add_row(key, f"{value:.2f} ×")
    table.add_row("内存峰值", f"{figures['peak_rss_mb']:.0f} MB")
    out_console.print(table)


@app.command()
def version() -> None:
    """Print the mujun version."""
    out_console.print(mujun_version())


MULTI_VALUE = ("--data", "-d")


def expand_multi_values(argv: list[str]) -> list[str]:
    """Let `--data a.csv b.csv` mean `--data a.csv --data b.csv` (DESIGN §7's `--data F...`)."""
    out: list[str] = []
    collecting = False
    for token in argv:
        if token in MULTI_VALUE:
            collecting = False
            out.append(token)
            continue
        if collecting and not token.startswith("-"):
            out.extend([MULTI_VALUE[0], token])
            continue
        collecting = bool(out) and out[-1] in MULTI_VALUE
        out.append(token)
    return out


def main() -> None:
    """Console-script entry point."""
    app(args=expand_multi_values(sys.argv[1:]), prog_name="mujun")
