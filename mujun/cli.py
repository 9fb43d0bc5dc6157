"""The command line: parse, call the API, print, exit. It never computes.

Exit codes (DESIGN §9): 0 success; 1 the data had errors (results are still written), could not
be read, the output folder cannot be written or replaced, or mujun failed unexpectedly (the
details then go to an error log); 2 unusable rules or arguments (a missing, FIFO or other
non-regular input file among them, a --data folder or pattern naming no data file); 130
interrupted by Ctrl+C. No command prints a traceback; help and usage errors are Chinese
(clihelp), and a console that cannot show Chinese gets escapes, not a crash (console).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ._version import mujun_version
from .clihelp import ChineseGroup, ChineseTyper
from .clisteps import check_inputs as _check_inputs
from .clisteps import check_out_file as _check_out_file
from .clisteps import data_to_read as _data_to_read
from .clisteps import err_console, expand_multi_values, out_console
from .clisteps import fail as _fail
from .clisteps import note as _note
from .clisteps import prepare as _prepare
from .console import plain_fallback
from .datafiles import DataFiles, expand
from .engine.evaluate import evaluate
from .engine.evaluation import Evaluation
from .engine.previous import evaluated_years
from .errors import DataError, ExportError, RulesError
from .export import write_issues_workbook, write_run
from .export.policy_workbook import summary_lines as policy_summary_lines
from .export.template import write_template
from .guard import guarded, stage, write_error_log
from .oserrors import describe_os_error
from .printing import (
    issue_counts_line,
    print_bench,
    print_issues,
    print_parks,
    print_selection,
    print_statuses,
)
from .read import read_sources
from .read.commissioners import read_commissioners
from .rules import Rules, load_rules
from .selection import KeyFirms, select_key_firms
from .table import EnterpriseTable

app = ChineseTyper(
    cls=ChineseGroup,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
RulesOpt = Annotated[
    Path, typer.Option("--rules", "-r", metavar="文件", help="评价办法规则文件（.toml）")
]
DataOpt = Annotated[
    list[Path],
    typer.Option(
        "--data",
        "-d",
        metavar="路径…",
        help="部门数据文件（.csv/.xlsx/.xls/.xlsm/.ods/.parquet）、文件夹或通配符，可给多个："
        "--data 税务.xlsx 统计.xlsx、--data 数据、--data 数据/*.xlsx",
    ),
]
CorrectionsOpt = Annotated[
    Path | None,
    typer.Option("--corrections", metavar="文件", help="经批准的异议复核更正记录，在数据之上套用"),
]
YearOpt = Annotated[
    int | None,
    typer.Option(metavar="年度", help="没有年度列的文件的数据年度（默认：规则文件的评价年度）"),
]
OutOpt = Annotated[
    Path, typer.Option("--out", "-o", metavar="文件夹", help="输出文件夹（一次运行的全部结果）")
]
StatusOpt = Annotated[
    str, typer.Option(metavar="阶段", help="评价阶段：试评价、初评或终评，写在结果工作簿上")
]


def _show_version(value: bool) -> None:
    if value:
        out_console.print(mujun_version(), highlight=False)
        raise typer.Exit()


@app.callback(help="mujun — 工业企业亩均效益综合评价：读取部门数据，按评价办法评分分档，写出结果。")
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=_show_version, help="显示 mujun 的版本号并退出"
        ),
    ] = False,
) -> None:
    """The root of the command line: only --version (the commands do the work)."""


def _read(
    rules: Path,
    given: list[Path] | DataFiles,
    corrections: Path | None = None,
    year: int | None = None,
    panel: bool = False,
) -> tuple[Rules, EnterpriseTable]:
    """Rules, then the data; files of other years only are skipped unless `panel`."""
    try:
        with stage("读取规则文件", [rules]):
            method = load_rules(rules)
    except RulesError as exc:
        raise _fail(str(exc), 2) from None
    if isinstance(given, DataFiles):
        year_of = None if panel else method.year
        data = _data_to_read(given, year_of, previous=method.reads_previous_year())
        if not data:
            raise _fail("--data 给出的文件都已跳过（见上），没有可读取的部门数据文件", 2)
    else:
        data = given
    try:
        with stage("读取数据文件", [*data, *([corrections] if corrections else [])]):
            return method, read_sources(
                data,
                year=method.year if year is None else year,
                priority=method.input.priority,
                corrections=corrections,
                aliases=method.input.aliases,
                fields=method.catalog,
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
    rules: Path, data: DataFiles, corrections: Path | None = None, year: int | None = None
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


def _finish(ev: Evaluation, folder: Path) -> None:
    """The data-problem line and where the run is; exit 1 when the data had errors."""
    out_console.print(issue_counts_line(ev.issues, folder / ISSUE_WORKBOOK), highlight=False)
    for line in policy_summary_lines(ev):  # [[policy]]: firms and amounts of each
        out_console.print(line, highlight=False)
    out_console.print(f"结果已写入 {folder}", highlight=False)
    raise typer.Exit(1 if _has_errors(ev) else 0)


ISSUE_WORKBOOK = "问题清单.xlsx"


@app.command(
    help="评价并写出全部结果：results.csv、results.parquet、issues.csv、问题清单.xlsx、"
    "结果工作簿（内部版、公示名单、各园区 parks/）、报告.html（各园区另有一份）和 manifest.json。"
)
@guarded(err_console, run_folder="out")
def run(
    rules: RulesOpt,
    data: DataOpt,
    out: OutOpt,
    status: StatusOpt = "试评价",
    corrections: CorrectionsOpt = None,
    year: YearOpt = None,
) -> None:
    """Evaluate and write the whole run folder."""
    given = expand(data)
    _check_inputs(rules=rules, data=given, corrections=corrections)
    _prepare(out, status)
    ev = _load(rules, given, corrections, year)
    folder = _write(ev, out, status)
    print_statuses(out_console, ev)
    _finish(ev, folder)


@app.command(
    help="从多年数据中选出重点企业：评价规则文件的年度，再写出全部结果及 growth.csv、"
    "key_firms.csv、watch_lists.csv，内部版工作簿中另有包保名单和培育库。"
)
@guarded(err_console, run_folder="out")
def select(
    rules: RulesOpt,
    data: DataOpt,
    out: OutOpt,
    commissioners: Annotated[
        Path | None,
        typer.Option(
            metavar="文件", help="首席服务专员名单（.csv/.xlsx：姓名、所属园区、熟悉行业）"
        ),
    ] = None,
    status: StatusOpt = "试评价",
    corrections: CorrectionsOpt = None,
    year: YearOpt = None,
) -> None:
    """Key firms from a multi-year panel, written with the run."""
    given = expand(data)
    _check_inputs(rules=rules, data=given, corrections=corrections, commissioners=commissioners)
    _prepare(out, status)
    method, table = _read(rules, given, corrections, year, panel=True)
    ev = _evaluate(evaluated_years(table, method), method)
    kf = _select(table, ev, commissioners)
    folder = _write(ev, out, status, kf)
    print_statuses(out_console, ev)
    print_selection(out_console, kf)
    _finish(ev, folder)


@app.command(
    help="只读取和检查数据：列出数据问题，并把全部问题写入问题清单工作簿（--report）；"
    "不评价，不写其他文件。"
)
@guarded(err_console)
def check(
    rules: RulesOpt,
    data: DataOpt,
    report: Annotated[
        Path, typer.Option("--report", metavar="文件", help="问题清单工作簿（.xlsx）写到哪里")
    ] = Path(ISSUE_WORKBOOK),
    corrections: CorrectionsOpt = None,
    year: YearOpt = None,
) -> None:
    """Read and check only; the issue workbook is the one file written."""
    given = expand(data)
    _check_inputs(rules=rules, data=given, corrections=corrections)
    _check_out_file(report)
    ev = _load(rules, given, corrections, year)
    print_statuses(out_console, ev)
    print_issues(out_console, ev.issues, report, ev.rules.indicator_labels())
    try:
        with stage("写出问题清单", [report]):
            write_issues_workbook(
                ev.issues,
                report,
                title=f"{ev.rules.region}{ev.rules.year}年度数据问题清单",
                names=ev.results,
                labels=ev.rules.indicator_labels(),
            )
    except OSError as exc:
        raise _fail(f"无法写入 {report}：{describe_os_error(exc)}", 2) from None
    except ExportError as exc:
        raise _fail(str(exc), 2) from None
    out_console.print(issue_counts_line(ev.issues, report), highlight=False)
    out_console.print(f"问题清单已写入 {report}", highlight=False)
    raise typer.Exit(1 if _has_errors(ev) else 0)


@app.command(help="按规则文件需要的字段写出一份空白的数据采集表（.xlsx）。")
@guarded(err_console)
def template(
    rules: RulesOpt,
    out: Annotated[
        Path, typer.Option("--out", "-o", metavar="文件", help="要写出的工作簿（.xlsx）")
    ],
) -> None:
    """Write a blank data-collection workbook for the fields the rules need."""
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


@app.command(
    help="运行自带的示例县（固镇，2022年度）：评价全部企业，从前三年数据中选出重点企业，"
    "写出全部结果。"
)
@guarded(err_console, run_folder="out")
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", metavar="文件夹", help="输出文件夹")] = Path(
        "mujun-demo"
    ),
) -> None:
    """Evaluate the shipped demo county end to end and select its key firms."""
    from .sample.demo import DEMO_DATASET, DEMO_RULES, demo_files, demo_selection_files

    _prepare(out, "试评价")
    with demo_files() as files, demo_selection_files() as (history, people):
        method, panel = _read(DEMO_RULES, [*files, history])
        ev = _evaluate(evaluated_years(panel, method), method)
        kf = _select(panel, ev, people)
        folder = _write(ev, out, "试评价", kf)
    print_parks(out_console, ev)
    out_console.print(issue_counts_line(ev.issues, folder / ISSUE_WORKBOOK), highlight=False)
    print_selection(out_console, kf)
    for line in policy_summary_lines(ev):  # [[policy]]: firms and amounts of each
        out_console.print(line, highlight=False)
    out_console.print(
        f"输入文件：{', '.join(Path(f).name for f in [*files, history])}；"
        f"专员名单：{Path(people).name}",
        highlight=False,
    )
    out_console.print(
        f"示例数据中故意设置了若干错误，逐条说明见 {DEMO_DATASET / 'README.md'}", highlight=False
    )
    out_console.print(f"结果已写入 {folder}", highlight=False)


@app.command(
    help="在N家合成企业上计时每个环节（中位数秒），并与各自的参照比较：读取对 pyarrow，"
    "评价对同一办法的纯 numpy 实现。"
)
@guarded(err_console)
def bench(
    n: Annotated[int, typer.Option("--n", metavar="家数", help="合成企业数")] = 1_000_000,
    repeat: Annotated[int, typer.Option(help="每个环节运行次数（取中位数）")] = 3,
    large: Annotated[
        int | None, typer.Option(help="另在独立进程中评价这么多家企业：时间与内存峰值")
    ] = None,
    run: Annotated[
        bool, typer.Option(help="计时一次完整的 mujun run（读取、评价、逐个文件）")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="输出一个 JSON 对象，便于记录")] = False,
) -> None:
    """Time each stage on synthetic firms against its reference."""
    import json

    from .sample.bench import run_bench

    quiet = as_json or not err_console.is_terminal
    say = None if quiet else (lambda step: err_console.print(f"… {step}"))
    figures = run_bench(n, repeat=repeat, progress=say, large=large, run=run)
    if as_json:
        print(json.dumps(figures, ensure_ascii=False))
        return
    print_bench(out_console, figures, n, repeat)


@app.command(
    help="列出全部字段：代码、名称、单位、可识别的表头（内置别名，以及规则文件 input.aliases"
    " 表中的别名），给出 --rules 时还列出规则文件声明的字段（[[field]]）和派生字段（[[derive]]），"
    "并标出评价规则需要哪些字段。"
)
@guarded(err_console)
def fields(
    rules: Annotated[
        Path | None,
        typer.Option(
            "--rules",
            "-r",
            help="规则文件（TOML）：另列其中 input.aliases 的表头、声明和派生的字段和所需字段",
        ),
    ] = None,
) -> None:
    """List every field, the headers it is read from, and what the rules need."""
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


@app.command(help="显示 mujun 的版本号（同 mujun --version）。")
@guarded(err_console)
def version() -> None:
    """Print the mujun version."""
    out_console.print(mujun_version())


def main() -> None:
    """Console-script entry point. The commands guard themselves; this catches what escapes
    the command line's own machinery, so that even then one line is all a user sees."""
    plain_fallback()
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
