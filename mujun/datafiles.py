"""What `--data` names: files, folders and glob patterns, expanded by mujun itself (cmd and
PowerShell pass `*.csv` through unexpanded).

A path that exists is taken as it is: a file is read, a folder means the data files directly in
it (DATA_SUFFIXES, sorted by name, no subfolders, no hidden files and no Office temporary
files such as `~$税收.xlsx`). A path that does not exist and holds * ? or [ ] is a pattern,
globbed; one matching no data file is an argument error. Of the files a folder or pattern
brought in, those that are clearly not departmental data are skipped, each with its reason:
the commissioners roster (a 姓名 header, no credit-code header), a file an earlier run
wrote (results.csv, the workbooks: its run folder's manifest.json lists it), an issue list
mujun wrote (`check`'s 问题清单.xlsx in the folder it reads) and — unless the
command reads a multi-year panel — a file whose year column holds only years other than the
rules' year (and than the year before, when the rules read last year's data). A file named
on its own is always read, and a file whose year cannot be told is never skipped.
"""

from __future__ import annotations

import glob
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .errors import DataError
from .export.runfolder import written_by_run
from .oserrors import describe_os_error
from .read.commissioners import HEADER_ROWS, NAME_HEADERS
from .read.files import open_file
from .read.headers import find_header, normalize

DATA_SUFFIXES = (".csv", ".xlsx", ".xls", ".xlsm", ".ods", ".parquet")
PATTERN_CHARS = frozenset("*?[")
YEARS = (1900, 2100)
# the headers by which an issue list mujun wrote is known (问题清单.xlsx, issues.csv)
ISSUE_LISTS = (frozenset({"问题代码", "问题说明"}), frozenset({"code", "message", "severity"}))


@dataclass
class DataFiles:
    """The files --data names, in order; `found` are those a folder or pattern brought in,
    `problems` what is wrong with a folder or pattern (naming no data file, unreadable)."""

    files: list[Path] = field(default_factory=list)
    found: set[Path] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)


def _hidden(path: Path) -> bool:
    if path.name.startswith((".", "~")):  # dot files, ~$x.xlsx, ~WRL0001.tmp
        return True
    attributes = getattr(os.stat(path), "st_file_attributes", 0)  # Windows only
    return bool(attributes & getattr(stat, "FILE_ATTRIBUTE_HIDDEN", 0))


def _data_files(paths: Sequence[Path]) -> list[Path]:
    try:
        return sorted(
            p for p in paths if p.suffix.lower() in DATA_SUFFIXES and p.is_file() and not _hidden(p)
        )
    except OSError:
        return []


def expand(given: Sequence[Path]) -> DataFiles:
    """Files for folders and patterns; a file given twice is read once. A file as given is
    kept for the input check to judge (missing, a FIFO, …)."""
    out = DataFiles()
    for path in given:
        if path.is_dir():
            files = _folder(path, out.problems)
        elif not os.path.lexists(path) and PATTERN_CHARS & set(str(path)):
            files = _data_files([Path(p) for p in glob.glob(_pattern(path))])
            if not files:
                out.problems.append(f"--data {path}：文件不存在，也没有与此匹配的数据文件")
        else:
            if path not in out.files:
                out.files.append(path)
            continue
        for f in files:
            if f not in out.files:
                out.files.append(f)
                out.found.add(f)
    return out


def _pattern(path: Path) -> str:
    """`path` as a glob pattern whose leading folders that exist as written are taken
    literally: in 数据[2022]/*.xlsx the brackets are the folder's name, not a set."""
    parts = path.parts
    for k in range(len(parts) - 1, 0, -1):
        head = Path(*parts[:k])
        if head.is_dir():
            return os.path.join(glob.escape(str(head)), *parts[k:])
    return str(path)


def _folder(path: Path, problems: list[str]) -> list[Path]:
    try:
        entries = list(path.iterdir())
    except OSError as exc:
        problems.append(f"--data {path}：无法读取文件夹（{describe_os_error(exc)}）")
        return []
    files = _data_files(entries)
    if not files:
        problems.append(f"--data {path}：文件夹中没有数据文件（{'、'.join(DATA_SUFFIXES)}）")
    return files


def _years(cells: pd.DataFrame, column: int, first_row: int) -> set[int]:
    """The four-digit years a year column holds (2021, '2021', '2021年')."""
    values = cells.iloc[first_row:, column].dropna().astype(str)
    years = pd.to_numeric(values.str.extract(r"^\s*(\d{4})(?:\.0+)?\s*年?\s*$")[0])
    years = years.dropna()
    return set(years[(years >= YEARS[0]) & (years <= YEARS[1])].astype(int).tolist())


def not_data(path: Path, year: int | None, *, previous: bool = False) -> str | None:
    """Why `path` is clearly no departmental data for an evaluation of `year` (None: any
    year will do; `previous`: the rules read last year's data, so year − 1 will do too), or
    None. A file that cannot be read is left for reading to report."""
    if written_by_run(path):
        return "是 mujun 评价写出的结果文件（见其文件夹的 manifest.json），不是部门数据"
    try:
        opened = open_file(path)
    except DataError:
        return None
    for sheet in opened.sheets:
        top = {normalize(v) for v in sheet.cells.head(HEADER_ROWS).to_numpy().ravel().tolist()}
        if any(signature <= top for signature in ISSUE_LISTS):
            return "是 mujun 写出的问题清单（有“问题代码”“问题说明”列），不是部门数据"
    headers = [find_header(s.cells, s.merged) for s in opened.sheets]
    if not any(headers) and opened.sheets:
        top = opened.sheets[0].cells.head(HEADER_ROWS)
        names = {normalize(v) for v in top.to_numpy().ravel().tolist()}
        if names & set(NAME_HEADERS):
            return "是首席服务专员名单（有“姓名”列，没有“统一社会信用代码”列），不是部门数据"
    if year is None:
        return None
    found: set[int] = set()
    for sheet, header in zip(opened.sheets, headers, strict=True):
        if header is None:
            continue
        for column in header.columns:
            if column.field == "year" and not column.problem:
                found |= _years(sheet.cells, column.index, header.first_data_row)
    if found and year not in found and not (previous and year - 1 in found):
        shown = "、".join(str(y) for y in sorted(found))
        return f"年度列只有 {shown} 年的数据，不是评价年度 {year} 年（历年数据请用 mujun select）"
    return None


def pick(
    data: DataFiles, year: int | None, *, previous: bool = False
) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The files to read, and those a folder or pattern brought in that are skipped, with why
    (`previous`: last year's files are read too)."""
    kept: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for path in data.files:
        reason = not_data(path, year, previous=previous) if path in data.found else None
        if reason is None:
            kept.append(path)
        else:
            skipped.append((path, reason))
    return kept, skipped
