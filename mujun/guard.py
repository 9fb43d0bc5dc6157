"""No traceback ever reaches a user (DESIGN §7, §9).

A command runs inside `guarded`: an exception mujun did not expect is written in full to an
error log — in the run folder when there is one and it can be written, else a private temporary
file — and shown as one Chinese line naming the file being worked on (when known) and the log.
Ctrl+C is one line and exit 130; running out of memory says the input is too large. A warning a
library issues (numpy's overflow, in English and with its source paths) is no message for a
user either: the command's warnings go to such a log, and one Chinese line names it.
"""

from __future__ import annotations

import functools
import os
import stat
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from ._version import mujun_version
from .export.runfolder import ERROR_LOG_HEADER, ERROR_LOG_PREFIX, MANIFEST

UNEXPECTED_EXIT = 1
"""Exit code of an unexpected error (as of data that could not be read)."""
INTERRUPTED_EXIT = 130
"""Exit code after Ctrl+C, as shells use for SIGINT."""

F = TypeVar("F", bound=Callable[..., Any])
_stage: dict[str, Any] = {"what": "", "files": ()}


@contextmanager
def stage(what: str, files: Sequence[str | Path] = ()) -> Iterator[None]:
    """Name what the command is doing (Chinese, e.g. '读取数据') and the files it works on,
    for the one line an unexpected error shows. Left in place when the block fails, so that
    the guard can still read it."""
    before = dict(_stage)
    _stage.update(what=what, files=tuple(str(f) for f in files))
    yield
    _stage.update(before)


def _file_of(exc: BaseException) -> str | None:
    """The file of the current stage the failing code was working on: the only one, or the one
    a frame of the traceback (innermost first) holds in a local variable."""
    files: tuple[str, ...] = _stage["files"]
    if len(files) <= 1:
        return files[0] if files else None
    known = set(files)
    tb = exc.__traceback__
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    for frame in reversed(frames):
        for value in frame.f_locals.values():
            if isinstance(value, str | Path) and str(value) in known:
                return str(value)
    return None


def _where(exc: BaseException) -> str:
    file, what = _file_of(exc), _stage["what"]
    if file:
        return f"，发生在{what or '处理'} {file} 时"
    return f"，发生在{what}时" if what else ""


def _log_text(exc: BaseException) -> str:
    lines = [
        f"time: {time.strftime('%Y-%m-%d %H:%M:%S %z')}",
        f"mujun: {mujun_version()}",
        f"python: {sys.version.split()[0]} on {sys.platform}",
        f"command: {' '.join(sys.argv)}",
        f"stage: {_stage['what']}",
        f"files: {', '.join(_stage['files'])}",
        "",
        *traceback.format_exception(exc),
    ]
    return "\n".join(line.rstrip("\n") for line in lines) + "\n"


def write_error_log(exc: BaseException, folder: Path | None) -> Path | None:
    """The traceback and context of `exc` in a new log file: in `folder` (made if absent) when
    it can be written there, else in the temporary folder; None if neither can be written."""
    return _write_log(_log_text(exc), folder)


def _write_log(body: str, folder: Path | None) -> Path | None:
    text = ERROR_LOG_HEADER + body.encode("utf-8", "replace")
    name = f"{ERROR_LOG_PREFIX}{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    if folder is not None:
        try:
            if not os.path.lexists(folder):
                folder.mkdir(parents=True)
            if stat.S_ISDIR(os.lstat(folder).st_mode):
                path = folder / name
                with path.open("xb") as f:
                    f.write(text)
                return path
        except OSError:
            pass
    try:
        handle, where = tempfile.mkstemp(prefix=ERROR_LOG_PREFIX, suffix=".log")
        with os.fdopen(handle, "wb") as f:
            f.write(text)
        return Path(where)
    except OSError:
        return None


def _say(console: Console, message: str, label: str = "错误", style: str = "bold red") -> None:
    console.print(Text(label, style=style) + Text(f"：{message}"), soft_wrap=True)


WARNINGS_LOGGED = 200  # warnings of one command written to its log; the rest are counted


class _Caught:
    """The warnings issued while a command runs, formatted: the first WARNINGS_LOGGED, and
    how many there were."""

    def __init__(self) -> None:
        self.kept: list[str] = []
        self.count = 0

    def show(
        self,
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        """In place of `warnings.showwarning`: keep the warning instead of printing it."""
        self.count += 1
        if len(self.kept) < WARNINGS_LOGGED:
            self.kept.append(warnings.formatwarning(message, category, filename, lineno).rstrip())


@contextmanager
def _warnings_caught() -> Iterator[_Caught]:
    """Collect the warnings issued while the block runs (in any thread) instead of printing
    them; the filters in force still decide which are issued."""
    caught = _Caught()
    with warnings.catch_warnings():
        warnings.showwarning = caught.show
        yield caught


def _log_warnings(console: Console, caught: _Caught, folder: Path | None) -> None:
    """Write the warnings a command issued to a log — in its run folder when a run was
    written there, else a private temporary file — and name the log in one line."""
    if not caught.count:
        return
    if folder is not None and not (folder / MANIFEST).is_file():
        folder = None  # no run there (refused, or a user's folder): not written into
    more = caught.count - len(caught.kept)
    lines = [
        f"time: {time.strftime('%Y-%m-%d %H:%M:%S %z')}",
        f"mujun: {mujun_version()}",
        f"command: {' '.join(sys.argv)}",
        f"warnings: {caught.count}" + (f" (the first {len(caught.kept)} below)" if more else ""),
        "",
        *caught.kept,
    ]
    log = _write_log("\n".join(lines) + "\n", folder)
    where = f"，详细信息已写入 {log}" if log else ""
    message = (
        f"运行中出现{caught.count}条程序内部警告{where}；这不是数据问题，如有疑问请发给维护人员"
    )
    _say(console, message, "提示", "bold yellow")


def guarded(console: Console, run_folder: str | None = None) -> Callable[[F], F]:
    """Wrap a command so that nothing but its own messages and exit codes leave it.
    `run_folder` names the parameter holding the command's run folder (the log goes there)."""

    def wrap(command: F) -> F:
        @functools.wraps(command)
        def guarded_command(*args: Any, **kwargs: Any) -> Any:
            _stage.update(what="", files=())
            folder = kwargs.get(run_folder) if run_folder else None
            with _warnings_caught() as caught:
                try:
                    return _unexpected_as_one_line(console, command, folder, args, kwargs)
                finally:
                    _log_warnings(console, caught, None if folder is None else Path(folder))

        return guarded_command  # type: ignore[return-value]

    return wrap


def _unexpected_as_one_line(
    console: Console,
    command: Callable[..., Any],
    folder: str | Path | None,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    """Run the command; anything it did not expect becomes one line and an error log."""
    try:
        return command(*args, **kwargs)
    except (typer.Exit, typer.Abort, typer.TyperException):
        raise
    except KeyboardInterrupt:
        _say(console, "已中断（Ctrl+C）")
        raise typer.Exit(INTERRUPTED_EXIT) from None
    except MemoryError:
        _say(console, "内存不足：输入数据过大，请分批处理或在内存更大的计算机上运行")
        raise typer.Exit(UNEXPECTED_EXIT) from None
    except Exception as exc:
        where = _where(exc)
        log = write_error_log(exc, Path(folder) if folder is not None else None)
        tail = f"详细信息已写入 {log}" if log else "且无法写出错误日志"
        _say(
            console,
            f"意外的内部错误（{type(exc).__name__}）{where}；{tail}，请把它发给维护人员",
        )
        raise typer.Exit(UNEXPECTED_EXIT) from None
