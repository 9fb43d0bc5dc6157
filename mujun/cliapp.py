"""The command line's application object and the options several commands share (mujun.cli
registers the commands on it; cliyear and cliindex add theirs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._version import mujun_version
from .clihelp import ChineseGroup, ChineseTyper
from .clisteps import out_console

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
AppealsOpt = Annotated[
    Path | None,
    typer.Option(
        "--appeals",
        metavar="文件",
        help="异议复核登记表（mujun template --appeals 生成）：只有“采纳”的异议作为更正套用",
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
