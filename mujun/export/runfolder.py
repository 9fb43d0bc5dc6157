"""Replacing a run folder without losing anyone's file (DESIGN §6).

An existing --out is replaced only when everything in it is what an earlier run wrote: each file
listed in its manifest.json with the same sha256 (and mujun's own error logs, which move into the
new run). Anything else — a user's file anywhere in the tree, an edited result, a link, a FIFO —
refuses the run, naming it. The new run is written beside the old one and swapped in: on Linux
by one atomic exchange of the two names; elsewhere by two renames, whose interruption the next
start repairs (`recover`), so that --out always holds a complete run or gets it back.
"""

from __future__ import annotations

import ctypes
import errno
import glob
import hashlib
import json
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ..errors import ExportError
from ..oserrors import describe_os_error

MANIFEST = "manifest.json"
MANIFEST_MAX_BYTES = 16 * 2**20
"""A manifest larger than this is not read (it lists files and hashes: kilobytes in practice)."""
MAX_ENTRIES = 100_000
"""A folder holding more entries than this is not a run folder and is not walked further."""
ERROR_LOG_PREFIX = "mujun-错误日志-"
ERROR_LOG_HEADER = b"mujun error log\n"
"""First bytes of every error log mujun writes into a run folder (see mujun.guard)."""
ALWAYS_WRITTEN = ("results.csv", "results.parquet", "issues.csv")
"""Files every run writes: a manifest that does not list them is not a run's."""
ANALYSIS_WRITTEN = ("stability.csv",)
"""What every folder of `mujun uncertainty` writes (its manifest lists no results.csv)."""
OUTPUT_SUFFIXES = (".csv", ".parquet", ".xlsx", ".json", ".html")
"""What a run writes; a manifest listing anything else (a .docx, a .py) is not a run's."""
SHOWN = 5
_HEX = frozenset("0123456789abcdef")


def sha256_file(path: Path) -> str:
    """The file's sha256 in hex, read in 1 MiB blocks. Opened without blocking and without
    following a link, so that a FIFO or link put in its place meanwhile is refused, not read."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        h = hashlib.sha256()
        while block := f.read(2**20):
            h.update(block)
    return h.hexdigest()


def is_error_log(path: Path) -> bool:
    """A regular file named and headed like mujun's error logs, at the top of a folder."""
    if not (path.name.startswith(ERROR_LOG_PREFIX) and path.name.endswith(".log")):
        return False
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False
        with path.open("rb") as f:
            return f.read(len(ERROR_LOG_HEADER)) == ERROR_LOG_HEADER
    except OSError:
        return False


def _is_top_error_log(out: Path, rel: str) -> bool:
    return "/" not in rel and is_error_log(out / rel)


def _entries(folder: Path) -> Iterator[tuple[str, os.stat_result]]:
    """(relative posix path, lstat) of everything under folder, links not followed."""
    stack = [("", folder)]
    count = 0
    while stack:
        prefix, here = stack.pop()
        with os.scandir(here) as listing:
            for entry in listing:
                count += 1
                if count > MAX_ENTRIES:
                    raise ExportError(
                        f"{folder} 中的文件超过 {MAX_ENTRIES} 个，不是 mujun 的评价结果文件夹；"
                        "请另选 --out"
                    )
                rel = prefix + entry.name
                st = entry.stat(follow_symlinks=False)
                yield rel, st
                if stat.S_ISDIR(st.st_mode):
                    stack.append((rel + "/", Path(entry.path)))


def written_by_run(path: Path) -> bool:
    """Whether `path` is a file an earlier run wrote: its folder (or, for parks/<park>.xlsx,
    the folder above) has mujun's manifest listing it."""
    folder, name = path.parent, path.name
    for _ in range(2):
        if name in (_read_manifest(folder) or {}):
            return True
        folder, name = folder.parent, f"{folder.name}/{name}"
    return False


def _read_manifest(folder: Path) -> dict[str, str] | None:
    """The sha256 of each file the run in `folder` wrote, or None if there is no usable
    manifest (absent, not a regular file, too large, not mujun's, no hashes)."""
    path = folder / MANIFEST
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MANIFEST_MAX_BYTES:
            return None
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError):  # RecursionError: nesting too deep
        return None
    if not isinstance(data, dict) or not isinstance(data.get("mujun_version"), str):
        return None
    hashes = data.get("sha256")
    if not isinstance(hashes, dict):
        return None
    good = {
        k: v
        for k, v in hashes.items()
        if isinstance(k, str)
        and k.endswith(OUTPUT_SUFFIXES)
        and isinstance(v, str)
        and len(v) == 64
        and set(v) <= _HEX
    }
    ours = set(ALWAYS_WRITTEN) <= good.keys() or set(ANALYSIS_WRITTEN) <= good.keys()
    if len(good) != len(hashes) or not ours:
        return None
    return good


def _names(paths: list[str]) -> str:
    shown = "、".join(paths[:SHOWN])
    return shown + (f" 等 {len(paths)} 个" if len(paths) > SHOWN else "")


def snapshot(out: Path) -> dict[str, tuple[int, int, int]]:
    """What `out` holds now: (mode, size, mtime) per entry, to see whether it changed."""
    if not os.path.lexists(out):
        return {}
    return {rel: (st.st_mode, st.st_size, st.st_mtime_ns) for rel, st in _entries(out)}


def check_replaceable(out: Path) -> dict[str, tuple[int, int, int]]:
    """Raise ExportError unless `out` is absent, empty, or an earlier run every file of which
    is listed in its manifest with the same sha256; return its snapshot."""
    try:
        st = os.lstat(out)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ExportError(f"无法查看输出文件夹 {out}：{describe_os_error(exc)}") from None
    if stat.S_ISLNK(st.st_mode):
        raise ExportError(f"--out {out} 是一个符号链接；请直接给出文件夹的实际路径")
    if not stat.S_ISDIR(st.st_mode):
        raise ExportError(f"--out {out} 已存在，但不是文件夹；请另选 --out")
    try:
        return _verify(out)
    except OSError as exc:
        raise ExportError(f"无法核对输出文件夹 {out}：{describe_os_error(exc)}") from None


def _verify(out: Path) -> dict[str, tuple[int, int, int]]:
    entries = dict(_entries(out))
    hashes = _read_manifest(out)
    listed = hashes or {}
    folders = {
        "/".join(name.split("/")[:i]) for name in listed for i in range(1, name.count("/") + 1)
    }
    foreign, changed = [], []
    for rel, st in sorted(entries.items()):
        if stat.S_ISDIR(st.st_mode):
            if rel not in folders and not any(e.startswith(rel + "/") for e in entries):
                foreign.append(rel + "/")  # an empty folder of the user's
        elif (rel == MANIFEST and hashes is not None) or _is_top_error_log(out, rel):
            continue
        elif rel not in listed or not stat.S_ISREG(st.st_mode):
            foreign.append(rel)
        elif sha256_file(out / rel) != listed[rel]:
            changed.append(rel)
    if foreign and hashes is None:
        raise ExportError(
            f"{out} 不是 mujun 的评价结果文件夹（没有可核对的 {MANIFEST}），其中有 "
            f"{_names(foreign)}；为免删除这些文件，请另选 --out"
        )
    problems = []
    if foreign:
        problems.append(f"有不是上次评价写出的文件：{_names(foreign)}")
        if any(Path(rel).name.startswith("~$") for rel in foreign):  # Excel's or WPS's lock
            problems.append(
                "~$ 开头的是 Excel 或 WPS 打开工作簿时的临时文件：请先关闭打开的结果工作簿"
            )
    if changed:
        problems.append(
            f"有上次评价后被改动过的文件（与 {MANIFEST} 中的 sha256 不符）：{_names(changed)}"
        )
    if problems:
        raise ExportError(
            f"{out} {'；'.join(problems)}。为免删除这些文件，请先移走它们或另选 --out"
        )
    return {rel: (st.st_mode, st.st_size, st.st_mtime_ns) for rel, st in entries.items()}


def _existing_ancestor(path: Path) -> Path:
    parent = path.parent
    while not os.path.lexists(parent) and parent != parent.parent:
        parent = parent.parent
    return parent


def check_writable(out: Path) -> None:
    """Raise ExportError unless a folder can be made beside `out` (where the run is written)."""
    if not out.name or out.name in (".", ".."):
        raise ExportError(f"--out {out} 不能用作输出文件夹；请给出一个文件夹名")
    parent = _existing_ancestor(out)
    if not parent.is_dir():
        raise ExportError(f"无法写入 {out}：{parent} 不是文件夹")
    try:
        Path(tempfile.mkdtemp(prefix=f".{out.name}.mujun-probe.", dir=parent)).rmdir()
    except OSError as exc:
        reason = describe_os_error(exc, path=False)
        raise ExportError(f"无法写入 {out}：{parent} 中不能新建文件（{reason}）") from None


def check_file_writable(path: Path) -> None:
    """Raise ExportError unless the single file `path` (a workbook) can be written: it is absent
    or a regular file, and a file can be made in its folder."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise ExportError(f"无法写入 {path}：{describe_os_error(exc, path=False)}") from None
    else:
        if not stat.S_ISREG(st.st_mode):
            raise ExportError(f"无法写入 {path}：它已存在，但不是普通文件")
    parent = _existing_ancestor(path)
    if not parent.is_dir():
        raise ExportError(f"无法写入 {path}：{parent} 不是文件夹")
    try:
        handle, probe = tempfile.mkstemp(prefix=f".{path.name}.mujun-probe.", dir=parent)
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        reason = describe_os_error(exc, path=False)
        raise ExportError(f"无法写入 {path}：{parent} 中不能新建文件（{reason}）") from None


def temporary_name(out: Path, kind: str) -> Path:
    """A fresh hidden folder beside `out`: `.<name>.mujun-<kind>.<random>`."""
    return Path(tempfile.mkdtemp(prefix=f".{out.name}.mujun-{kind}.", dir=out.parent))


def _leftovers(out: Path, *kinds: str) -> list[Path]:
    """Hidden folders beside `out` named as runs name them (and as earlier versions did:
    `.<name>.old.<random>`), newest first."""
    name = glob.escape(out.name)
    found = {
        p
        for kind in kinds
        for pattern in (f".{name}.mujun-{kind}.*", f".{name}.{kind}.*")
        for p in out.parent.glob(pattern)
        if p.is_dir() and not p.is_symlink()
    }
    return sorted(found, key=lambda p: p.stat().st_mtime_ns, reverse=True)


def _is_complete_run(folder: Path) -> bool:
    try:
        check_replaceable(folder)
    except ExportError:
        return False
    return _read_manifest(folder) is not None


def recover(out: Path) -> list[str]:
    """Repair what an interrupted earlier run left beside `out`: an old run set aside but never
    replaced is renamed back to `out`; leftovers that are complete runs are removed; anything
    else is left and named. Returns what was done, in Chinese, one line each."""
    if not out.name or not out.parent.is_dir():
        return []
    notes = []
    try:
        olds, news = _leftovers(out, "old"), _leftovers(out, "new", "probe")
        if not os.path.lexists(out):
            for old in olds:
                if _is_complete_run(old):
                    old.rename(out)
                    olds.remove(old)
                    notes.append(f"上次运行在替换 {out} 时中断：已恢复上次的评价结果")
                    break
        for left in [*olds, *news]:
            if _is_complete_run(left) or not any(left.iterdir()):
                _remove_run(left, out)
                notes.append(f"已删除上次中断的运行留下的临时文件夹 {left}")
            else:
                notes.append(f"上次中断的运行留下了临时文件夹 {left}（未删除）；请查看后自行删除")
    except OSError as exc:
        notes.append(f"无法清理上次中断的运行留下的文件夹：{describe_os_error(exc)}")
    return notes


def _exchange(a: Path, b: Path) -> bool:
    """Swap the names a and b in one step (Linux renameat2 RENAME_EXCHANGE); False where the
    system or file system cannot."""
    if sys.platform != "linux":
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EXDEV, errno.EPERM):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _remove_run(folder: Path, out: Path) -> None:
    """Remove a replaced run, moving its error logs into `out` first (they are kept)."""
    if os.path.isdir(out) and not os.path.islink(out):
        for name in os.listdir(folder):
            if is_error_log(folder / name) and not os.path.lexists(out / name):
                (folder / name).rename(out / name)
    shutil.rmtree(folder, ignore_errors=True)


def swap_into_place(new: Path, out: Path, before: dict[str, tuple[int, int, int]]) -> None:
    """Put the complete run `new` at `out`. An existing `out` must still be what was checked
    (`before`, else it is checked again); it is removed only once the new run is in place,
    its error logs moved into the new run."""
    if not os.path.lexists(out):
        new.rename(out)
        return
    if snapshot(out) != before:
        check_replaceable(out)
    if _exchange(new, out):
        _remove_run(new, out)  # `new` now holds the old run
        return
    old = temporary_name(out, "old")
    old.rmdir()
    out.rename(old)
    try:
        new.rename(out)
    except BaseException:  # Ctrl+C included: the old run goes back
        old.rename(out)
        raise
    _remove_run(old, out)
