"""The command line: parse, call the API, print, exit. It never computes.

Exit codes (DESIGN §9): 0 success; 1 the data had errors (results are still written), could not
be read, the output folder cannot be written or replaced, or mujun failed unexpectedly (the
details then go to an error log); 2 unusable rules or arguments (a missing, FIFO or other
non-regular input file among them); 130 interrupted by Ctrl+C. No command prints a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ._version import mujun_version
from .engine.evaluate import evaluate
from .engine.evaluation import Evaluation
from .errors import DataError, ExportError, RulesError
from .export import write_issues_workbook, write_run
from .export.folder import prepare_out
from .export.runfolder import check_file_writable
from .export.template import write_template
from .export.workbooks import RUN_STATUSES
from .guard import guarded, stage, write_error_log
from .inputs import input_problems
from .oserrors import describe_os_error
from .printing import print_bench, print_issues, print_selection, print_statuses
from .read import read_sources
from .read.commissioners import read_commissioners
from .rules import Rules, load_rules
from .selection import KeyFirms, select_key_firms
from .table import EnterpriseTable

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="mujun — 亩均效益综合评价 (per-mu efficiency evaluation).",
)
# no markup: a file or firm named "[red]" or "[/]" is printed as it is, never interpreted
out_console = Console(markup=False)
err_console = Console(stderr=True, markup=False)

RulesOpt = Annotated[Path, typer.Option("--rules", "-r", help="rules file (TOML)")]
DataOpt = Annotated[
    list[Path],
    typer.Option("--data", "-d", help="data files (.csv/.xlsx/.xls): --data a.csv b.xlsx"),
]
CorrectionsOpt = Annotated[
    Path | None,
    typer.Option("--corrections", help="approved corrections (异议复核) to apply on top"),
]
YearOpt = Annotated[
    int | None, typer.Option(help="data year of files without a year column (default: rules')")
]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="output folder (one run)")]
StatusOpt = Annotated[str, typer.Option(help="试评价 / 初评 / 终评")]


def _fail(message: str, code: int) -> typer.Exit:
    err_console.print(Text("错误", style="bold red") + Text(f": {message}"), soft_wrap=True)
    return typer.Exit(code)


def _note(message: str) -> None:
    err_console.print(Text("注意", style="bold yellow") + Text(f": {message}"), soft_wrap=True)


def _check_inputs(**named: Path | Sequence[Path] | None) -> None:
    """Every input file must be a readable regular file, checked before any is opened: exit 2
    naming each one that is not (missing, a folder, a FIFO, a device, a socket)."""
    given = {
        f"--{option}": [value] if isinstance(value, Path) else list(value)
        for option, value in named.items()
        if value is not None
    }
    problems = input_problems(given)
    if problems:
        raise _fail("；".join(problems), 2)


def _prepare(out: Path, status: str) -> None:
    """Refuse a bad --status (exit 2) or an --out that cannot be written or replaced (exit 1)
    before anything is read, so that a long evaluation is not lost at the end."""
    if status not in RUN_STATUSES:
        raise _fail(f"--status 须为 {'、'.join(RUN_STATUSES)} 之一，而不是 {status!r}", 2)
    with stage("检查输出文件夹", [out]):
        try:
            prepare_out(out, _note)
        except ExportError as exc:
            raise _fail(str(exc), 1) from None


def _check_out_file(path: Path) -> None:
    """A workbook to write (--report, a template's --out) must be writable: else exit 2."""
    try:
        check_file_writable(path)
    except ExportError as exc:
        raise _fail(str(exc), 2) from None


def _read(
    rules: Path, data: list[Path], corrections: Path | None = None, year: int | None = None
) -> tuple[Rules, EnterpriseTable]:
    try:
        with stage("读取规则文件", [rules]):
            method = load_rules(rules)
    except RulesError as exc:
        raise _fail(str(exc), 2) from None
    try:
        with stage("读取数据文件", [*data, *([corrections] if corrections else [])]):
            return method, read_sources(
                data,
                year=method.year if year is None else year,
                priority=method.input.priority,
                corrections=corrections,
                aliases=method.input.aliases,
            )
    except DataError as exc:
        raise _fail(str(exc), 1) from None


def _evaluate(table: EnterpriseTable, method: Rules) -> Evaluation:
    try:
        with stage("评价"):
            return evaluate(table, method)
    except RulesError as exc:
        raise _fail(str(exc), 2) from None


def _load(
    rules: Path, data: list[Path], corrections: Path | None = None, year: int | None = None
) -> Evaluation:
    method, table = _read(rules, data, corrections, year)
    return _evaluate(table, method)


def _write(ev: Evaluation, out: Path, status: str, selection: KeyFirms | None = None) -> Path:
    """write_run with a spinner naming each workbook as it is written (terminal only); a run
    folder that cannot be written or replaced exits with code 1."""
    try:
        with stage("写出结果", [out]), err_console.status("正在写出结果和工作簿…") as spinner:
            return write_run(
                ev,
                out,
                status=status,
                selection=selection,
                progress=lambda name: spinner.update(f"已写出 {name}"),
                notify=_note,
            )
    except ExportError as exc:
        raise _fail(str(exc), 1) from None


def _select(table: EnterpriseTable, ev: Evaluation, commissioners: Path | None) -> KeyFirms:
    """select_key_firms with a spinner; a selection that cannot be made exits with code 1."""
    try:
        with stage("计算重点企业", [commissioners] if commissioners else []):
            people = None if commissioners is None else read_commissioners(commissioners)
            with err_console.status("正在计算成长画像、重点企业名单与培育库…"):
                return select_key_firms(table, ev, people)
    except DataError as exc:
        raise _fail(str(exc), 1) from None


def _has_errors(ev: Evaluation) -> bool:
    return bool((ev.issues["severity"] == "error").any())


@app.command()
@guarded(err_console, run_folder="out")
def run(
    rules: RulesOpt,
    data: DataOpt,
    out: OutOpt,
    status: StatusOpt = "试评价",
    corrections: CorrectionsOpt = None,
    year: YearOpt = None,
) -> None:
    """Evaluate and write results.csv, results.parquet, issues.csv, 问题清单.xlsx, the result
    workbooks (内部版, 公示名单, parks/) and manifest.json."""
    _check_inputs(rules=rules, data=data, corrections=corrections)
    _prepare(out, status)
    ev = _load(rules, data, corrections, year)
    folder = _write(ev, out, status)
    print_statuses(out_console, ev)
    errors = int((ev.issues["severity"] == "error").sum())
    warnings = int((ev.issues["severity"] == "warning").sum())
    out_console.print(
        f"数据问题：错误 {errors} 条，提示 {warnings} 条（见 issues.csv）", highlight=False
    )
    out_console.print(f"结果已写入 {folder}", highlight=False)
    raise typer.Exit(1 if _has_errors(ev) else 0)


@app.command()
@guarded(err_console, run_folder="out")
def select(
    rules: RulesOpt,
    data: DataOpt,
    out: OutOpt,
    commissioners: Annotated[
        Path | None,
        typer.Option(help="首席服务专员名单 (.csv/.xlsx: 姓名, 所属园区, 熟悉行业)"),
    ] = None,
    status: StatusOpt = "试评价",
    corrections: CorrectionsOpt = None,
    year: YearOpt = None,
) -> None:
    """Key firms from a multi-year panel: evaluate the rules' year, then write the run with
    growth.csv, key_firms.csv, watch_lists.csv and the sheets 包保名单 and 培育库 in the
    internal workbook."""
    _check_inputs(rules=rules, data=data, corrections=corrections, commissioners=commissioners)
    _prepare(out, status)
    method, table = _read(rules, data, corrections, year)
    ev = _evaluate(table.of_year(method.year), method)
    kf = _select(table, ev, commissioners)
    folder = _write(ev, out, status, kf)
    print_statuses(out_console, ev)
    print_selection(out_console, kf)
    out_console.print(f"结果已写入 {folder}", highlight=False)
    raise typer.Exit(1 if _has_errors(ev) else 0)


@app.command()
@guarded(err_console)
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
    _check_inputs(rules=rules, data=data, corrections=corrections)
    _check_out_file(report)
    ev = _load(rules, data, corrections, year)
    print_statuses(out_console, ev)
    print_issues(out_console, ev.issues)
    try:
        with stage("写出问题清单", [report]):
            write_issues_workbook(
                ev.issues, report, title=f"{ev.rules.region}{ev.rules.year}年度数据问题清单"
            )
    except OSError as exc:
        raise _fail(f"无法写入 {report}：{describe_os_error(exc)}", 2) from None
    except ExportError as exc:
        raise _fail(str(exc), 2) from None
    out_console.print(f"问题清单已写入 {report}", highlight=False)
    raise typer.Exit(1 if _has_errors(ev) else 0)


@app.command()
@guarded(err_console)
def template(
    rules: RulesOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="the workbook to write (.xlsx)")],
) -> None:
    """Write a blank data-collection workbook (数据采集表) for the fields the rules need."""
    _check_inputs(rules=rules)
    _check_out_file(out)
    try:
        method = load_rules(rules)
    except RulesError as exc:
        raise _fail(str(exc), 2) from None
    try:
        with stage("写出数据采集表", [out]):
            written = write_template(method, out)
    except OSError as exc:
        raise _fail(f"无法写入 {out}：{describe_os_error(exc)}", 2) from None
    except ExportError as exc:
        raise _fail(str(exc), 2) from None
    out_console.print(f"数据采集表已写入 {written}", highlight=False)


@app.command()
@guarded(err_console, run_folder="out")
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="output folder")] = Path("mujun-demo"),
) -> None:
    """Evaluate the shipped demo county (固镇, 2022) end to end, select its key firms from the
    three years before, and write every output."""
    from .sample.demo import DEMO_DATASET, DEMO_RULES, demo_files, demo_selection_files

    _prepare(out, "试评价")
    with demo_files() as files, demo_selection_files() as (history, people):
        method, panel = _read(DEMO_RULES, [*files, history])
        ev = _evaluate(panel.of_year(method.year), method)
        kf = _select(panel, ev, people)
        folder = _write(ev, out, "试评价", kf)
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
    print_selection(out_console, kf)
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
@guarded(err_console)
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
    say = None if quiet else (lambda step: err_console.print(f"… {step}"))
    figures = run_bench(n, repeat=repeat, progress=say, large=large, run=run)
    if as_json:
        print(json.dumps(figures, ensure_ascii=False))
        return
    print_bench(out_console, figures, n, repeat)


@app.command()
@guarded(err_console)
def fields(
    rules: Annotated[
        Path | None,
        typer.Option(
            "--rules", "-r", help="规则文件（TOML）：另列其中 input.aliases 的表头和所需字段"
        ),
    ] = None,
) -> None:
    """列出全部字段：代码、名称、单位、可识别的表头（内置别名，以及规则文件 input.aliases 表中的
    别名），给出 --rules 时还标出评价规则需要哪些字段。"""
    from .fieldlist import field_rows
    from .printing import print_fields

    method = None
    if rules is not None:
        _check_inputs(rules=rules)
        try:
            method = load_rules(rules)
        except RulesError as exc:
            raise _fail(str(exc), 2) from None
    print_fields(out_console, field_rows(method), None if rules is None else str(rules))


@app.command()
@guarded(err_console)
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
    """Console-script entry point. The commands guard themselves; this catches what escapes
    the command line's own machinery, so that even then one line is all a user sees."""
    try:
        app(args=expand_multi_values(sys.argv[1:]), prog_name="mujun")
    except KeyboardInterrupt:
        raise SystemExit(_fail("已中断（Ctrl+C）", 130).exit_code) from None
    except Exception as exc:
        log = write_error_log(exc, None)
        where = f"；详细信息已写入 {log}" if log else ""
        raise SystemExit(
            _fail(f"意外的内部错误（{type(exc).__name__}）{where}", 1).exit_code
        ) from None
