"""Files named on the command line, checked before anything opens them.

Only a regular file is an input: a FIFO would block the run forever, a device could be read
without end, and a folder or socket is no table. Each is refused by its kind, from os.stat alone.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .oserrors import describe_os_error

_KINDS = (
    (stat.S_ISDIR, "是文件夹，不是文件"),
    (stat.S_ISFIFO, "是命名管道（FIFO），不是普通文件"),
    (stat.S_ISCHR, "是设备文件，不是普通文件"),
    (stat.S_ISBLK, "是设备文件，不是普通文件"),
    (stat.S_ISSOCK, "是套接字，不是普通文件"),
)


def input_problem(path: Path, option: str) -> str | None:
    """Why `path`, given as `option`, cannot be read as an input file (in Chinese), or None."""
    try:
        mode = os.stat(path).st_mode  # follows links: what a link points to must be a file
    except FileNotFoundError:
        return f"{option} {path}：文件不存在"
    except (OSError, ValueError) as exc:
        reason = describe_os_error(exc) if isinstance(exc, OSError) else "路径无效"
        return f"{option} {path}：无法读取（{reason}）"
    for test, kind in _KINDS:
        if test(mode):
            return f"{option} {path} {kind}"
    if not stat.S_ISREG(mode):
        return f"{option} {path} 不是普通文件"
    if not os.access(path, os.R_OK):
        return f"{option} {path}：没有读取权限"
    return None


def input_problems(named: dict[str, list[Path]]) -> list[str]:
    """The problems of every file given, per option (an option may name several files)."""
    found = (input_problem(p, option) for option, paths in named.items() for p in paths)
    return [p for p in found if p is not None]
