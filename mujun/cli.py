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
from .cliapp import (
    AppealsOpt,
    CorrectionsOpt,
    DataOpt,
    OutOpt,
    RulesOpt,
    StatusOpt,
    YearOpt,
    app,
)
from .clirun import (
    ISSUE_WORKBOOK,
    against_raw,
    evaluate_step,
    finish,
    has_errors,
    load_step,
    read_inputs,
    run_archived,
    run_demo,
    select_step,
    stability_step,
    write_step,
)
from .clisteps import check_inputs as _check_inputs
from .clisteps import check_out_file as _check_out_file
from .clisteps import err_console, expand_multi_values, out_console
from .clisteps import fail as _fail
from .clisteps import prepare as _prepare
from .console import plain_fallback
from .datafiles import expand
from .engine.previous import evaluated_years
from .errors import ExportError, RulesError
from .export import write_issues_workbook
from .export.template import write_template
from .guard import guarded, stage, write_error_log
from .oserrors import describe_os_error
from .printing import (
    issue_counts_line,
    print_bench,
    print_issues,
    print_selection,
    print_statuses,
)
from .rules import load_rules


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
    archive: Annotated[
        str | None,
        typer.Option(
            "--archive",
            metavar="档案库",
            help="写出后把这次运行记入档案库（SQLite 文件路径或数据库地址），并加写历年类别；"
            "规则读取上年数据而数据中没有上年时，从档案库取上年",
        ),
    ] = None,
    appeals: AppealsOpt = None,
    uncertainty: Annotated[
        int | None,
        typer.Option(
            "--uncertainty",
            metavar="样本数",
            help="另做不确定性分析（这么多个样本）：内部版工作簿加稳定性表，报告加稳定性一节，"
            "并写出 stability.csv",
        ),
    ] = None,
) -> None:
    """Evaluate and write the whole run folder."""
    if uncertainty is not None:
        from .cliuncertainty import check_options

        check_options(uncertainty, None, None, None, samples_option="--uncertainty")
    given = expand(data)
    _check_inputs(rules=rules, data=given, corrections=corrections, appeals=appeals)
    _prepare(out, status)
    changed = corrections is not None or appeals is not None
    if archive is None:
        ev = load_step(rules, given, corrections, year, appeals)
        comparison = against_raw(rules, given, year, ev) if changed else None
        stability = stability_step(ev, uncertainty)
        folder = write_step(ev, out, status, comparison=comparison, stability=stability)
    else:
        ev, folder = run_archived(
            archive, rules, given, out, status, corrections, year, appeals, uncertainty=uncertainty
        )
    print_statuses(out_console, ev)
    finish(ev, folder)


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
    method, table = read_inputs(rules, given, corrections, year, panel=True)
    ev = evaluate_step(evaluated_years(table, method), method)
    kf = select_step(table, ev, commissioners)
    folder = write_step(ev, out, status, kf)
    print_statuses(out_console, ev)
    print_selection(out_console, kf)
    finish(ev, folder)


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
    appeals: AppealsOpt = None,
) -> None:
    """Read and check only; the issue workbook is the one file written."""
    given = expand(data)
    _check_inputs(rules=rules, data=given, corrections=corrections, appeals=appeals)
    _check_out_file(report)
    ev = load_step(rules, given, corrections, year, appeals)
    print_statuses(out_console, ev)
    print_issues(
        out_console, ev.issues, report, ev.rules.indicator_labels(), ev.rules.input.key_label
    )
    try:
        with stage("写出问题清单", [report]):
            write_issues_workbook(
                ev.issues,
                report,
                title=f"{ev.rules.region}{ev.rules.year}年度数据问题清单",
                names=ev.results,
                labels=ev.rules.indicator_labels(),
                rules=ev.rules,
            )
    except OSError as exc:
        raise _fail(f"无法写入 {report}：{describe_os_error(exc)}", 2) from None
    except ExportError as exc:
        raise _fail(str(exc), 2) from None
    out_console.print(issue_counts_line(ev.issues, report), highlight=False)
    out_console.print(f"问题清单已写入 {report}", highlight=False)
    raise typer.Exit(1 if has_errors(ev) else 0)


@app.command(
    help="按规则文件需要的字段写出一份空白的数据采集表（.xlsx）；"
    "给出 --appeals 时写出空白的异议复核登记表（不需要规则文件）。"
)
@guarded(err_console)
def template(
    out: Annotated[
        Path, typer.Option("--out", "-o", metavar="文件", help="要写出的工作簿（.xlsx）")
    ],
    rules: Annotated[
        Path | None,
        typer.Option("--rules", "-r", metavar="文件", help="评价办法规则文件（.toml）"),
    ] = None,
    appeals: Annotated[
        bool, typer.Option("--appeals", help="写出空白的异议复核登记表，而不是数据采集表")
    ] = False,
) -> None:
    """Write a blank data-collection workbook for the fields the rules need."""
    if appeals:
        from .clicompare import appeals_template

        appeals_template(out)
        return
    if rules is None:
        raise _fail("缺少 --rules（数据采集表按规则文件生成；空白异议登记表用 --appeals）", 2)
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
    help="运行自带的示例县（固镇，2022年度）：先评价2020、2021年度并记入档案库（输出文件夹旁的"
    "“<文件夹>-档案库.sqlite”），再评价2022年度全部企业（连续D类年数决定差别化电价），"
    "从前三年数据中选出重点企业，写出全部结果，并显示类别迁移。"
)
@guarded(err_console, run_folder="out")
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", metavar="文件夹", help="输出文件夹")] = Path(
        "mujun-demo"
    ),
) -> None:
    """Evaluate the shipped demo county end to end: its earlier years archived, key firms."""
    _prepare(out, "试评价")
    run_demo(out)


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


# the commands of the bureau's year and of composite indices, registered after these (the help
# lists commands in this order)
from . import cliyear  # noqa: E402, F401, I001
from . import cliindex  # noqa: E402, F401


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
