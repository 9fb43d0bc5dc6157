"""The command line's shared steps: its two consoles, its one-line messages, and the checks
of what it is given (input files, --data folders and patterns, the output) made before any
file is read. It never computes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import typer
from rich.console import Console
from rich.text import Text

from .datafiles import DataFiles, pick
from .errors import ExportError
from .export.folder import prepare_out
from .export.runfolder import check_file_writable
from .export.workbooks import RUN_STATUSES
from .guard import stage
from .inputs import input_problems

# no markup: a file or firm named "[red]" or "[/]" is printed as it is, never interpreted
out_console = Console(markup=False)
err_console = Console(stderr=True, markup=False)


def fail(message: str, code: int) -> typer.Exit:
    err_console.print(Text("错误", style="bold red") + Text(f"：{message}"), soft_wrap=True)
    return typer.Exit(code)


def note(message: str) -> None:
    err_console.print(Text("注意", style="bold yellow") + Text(f"：{message}"), soft_wrap=True)


def data_to_read(data: DataFiles, year: int | None, *, previous: bool = False) -> list[Path]:
    """The files to read: of those a folder or pattern brought in, the roster and (`year`
    given) files of other years only (`previous`: than year and year − 1) are skipped, each
    said in one line."""
    with stage("识别数据文件", data.files):
        kept, skipped = pick(data, year, previous=previous)
    for path, reason in skipped:
        err_console.print(
            Text("说明", style="bold") + Text(f"：跳过 {path}：{reason}"), soft_wrap=True
        )
    return kept


def check_inputs(**named: Path | Sequence[Path] | DataFiles | None) -> None:
    """Every input file must be a readable regular file, checked before any is opened: exit 2
    naming each one that is not (missing, a folder, a FIFO, a device, a socket), and each
    --data folder or pattern that names no data file."""
    problems: list[str] = []
    for option, value in named.items():
        if value is None:
            continue
        if isinstance(value, DataFiles):
            problems += value.problems
            files = value.files
        else:
            files = [value] if isinstance(value, Path) else list(value)
        problems += input_problems({f"--{option}": files})
    if problems:
        raise fail("；".join(problems), 2)


def prepare(out: Path, status: str) -> None:
    """Refuse a bad --status (exit 2) or an --out that cannot be written or replaced (exit 1)
    before anything is read, so that a long evaluation is not lost at the end."""
    if status not in RUN_STATUSES:
        raise fail(f"--status 须为 {'、'.join(RUN_STATUSES)} 之一，而不是 {status!r}", 2)
    with stage("检查输出文件夹", [out]):
        try:
            prepare_out(out, note)
        except ExportError as exc:
            raise fail(str(exc), 1) from None


def check_out_file(path: Path) -> None:
    """A workbook to write (--report, a template's --out) must be writable: else exit 2."""
    try:
        check_file_writable(path)
    except ExportError as exc:
        raise fail(str(exc), 2) from None


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
