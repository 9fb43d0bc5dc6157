"""Commands of the bureau's year on run folders and the archive: archive add, history,
compare, explain (registered on the application of cliapp)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .cliapp import app
from .clihelp import ChineseGroup, ChineseTyper
from .clihistory import (
    add_folders,
    archive_history,
    open_archive,
    print_history,
    print_history_json,
)
from .clirun import explain_folder
from .clisteps import err_console, out_console
from .guard import guarded

archive_app = ChineseTyper(
    cls=ChineseGroup,
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="历年评价档案库：把运行结果文件夹加入档案库。",
)
app.add_typer(archive_app, name="archive")
ArchiveUrlOpt = Annotated[
    str,
    typer.Option("--archive", metavar="档案库", help="档案库：SQLite 文件路径或数据库地址"),
]


@archive_app.command(
    "add", help="把 mujun run 写出的结果文件夹加入档案库；同一次运行重复加入不会多出一份。"
)
@guarded(err_console)
def archive_add(
    folders: Annotated[list[Path], typer.Argument(metavar="文件夹…", help="运行结果文件夹")],
    archive: ArchiveUrlOpt,
) -> None:
    """Import run folders into the archive: exit 2 if a folder is no run folder, 1 if the archive
    could not be written (the convention of every command: 2 arguments that cannot be used)."""
    store = open_archive(archive)
    code = add_folders(store, folders, out_console)
    store.close()
    raise typer.Exit(code)


@app.command(
    "history",
    help="档案库中的历年情况：各类别相邻年度的档次迁移矩阵、新进入与离开各类别的企业、"
    "各企业连续处于同一档次的年数。",
)
@guarded(err_console)
def history_command(
    archive: ArchiveUrlOpt,
    region: Annotated[
        str | None, typer.Option(metavar="地区", help="地区（档案库中有多个地区时须给出）")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="输出一个 JSON 对象，便于其他程序读取")
    ] = False,
) -> None:
    """Print the archive's history."""
    store = open_archive(archive, create=False)
    found = archive_history(store, region)
    store.close()
    if as_json:
        print_history_json(out_console, found)
    else:
        print_history(out_console, found)


@app.command(
    help="对比两次运行的结果文件夹（mujun run 的 --out）：列出得分、排名、档次或评价状态变动的"
    "企业，标明是本企业的更正（及异议编号）还是连带变动；--json 输出一个 JSON 对象。"
)
@guarded(err_console)
def compare(
    before: Annotated[Path, typer.Argument(metavar="文件夹A", help="调整前的结果文件夹")],
    after: Annotated[Path, typer.Argument(metavar="文件夹B", help="调整后的结果文件夹")],
    as_json: Annotated[bool, typer.Option("--json", help="输出一个 JSON 对象")] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", metavar="文件", help="另写出变动对比工作簿（.xlsx）"),
    ] = None,
) -> None:
    """What changed between two run folders."""
    from .clicompare import compare_folders

    compare_folders(before, after, as_json=as_json, out=out)


@app.command(
    help="说明一家企业的评价：各项指标的值、基准值、得分、本类中位数和百分位，"
    "加减分与分档规则，未达到的分数线，以及每项数据单独变动到多少可升一档（重新评价求得）。"
    "文件夹为 mujun run 写出的结果文件夹，企业为统一社会信用代码（或企业名称）。"
)
@guarded(err_console)
def explain(
    folder: Annotated[Path, typer.Argument(metavar="文件夹", help="mujun run 写出的结果文件夹")],
    code: Annotated[str, typer.Argument(metavar="企业", help="统一社会信用代码或企业名称")],
    as_json: Annotated[
        bool, typer.Option("--json", help="输出一个 JSON 对象（供其他程序读取）")
    ] = False,
    notice: Annotated[
        Path | None, typer.Option("--notice", metavar="文件", help="另写出该企业的告知书（.xlsx）")
    ] = None,
) -> None:
    """Explain one firm of a run folder."""
    explain_folder(folder, code, as_json=as_json, notice=notice)
