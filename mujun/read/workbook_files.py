"""Open a workbook (.xlsx/.xlsm/.ods/.xls/.xlsb) as sheets of raw cells, safely.

A zip workbook is checked against the bounds of bounds.py first (xlsx_guard, ods_guard); a
binary one by its size. calamine (Rust) then reads it in a child process (calamine_child.py)
whose address space is bounded by MAX_READER_MEMORY: should a file still make it abort or run out
of memory, the child dies and the run refuses that file with a message. The child checks each
sheet's grid before turning it into Python objects; formulas are never evaluated.
"""

from __future__ import annotations

import io
import pickle
import subprocess
import sys
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from ..issues import concat_issues, issue_rows
from . import bounds
from .bounds import refuse
from .ods_guard import check_ods
from .xlsx_cells import Found
from .xlsx_guard import check_binary_zip, check_xlsx

_CHILD = Path(__file__).with_name("calamine_child.py")


@dataclass(frozen=True)
class Book:
    """What a workbook gave: (name, cells, merged ranges) per sheet read, the sheets passed over
    with reasons, formula cells without a cached value per sheet name, and (name, cells) of the
    hidden and instruction sheets, not read as data."""

    sheets: list[tuple[str, pd.DataFrame, tuple[Any, ...]]]
    passed_over: list[tuple[str, str]]
    formulas: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    set_aside: list[tuple[str, pd.DataFrame]] = field(default_factory=list)


def read_workbook(path: Path, data: bytes) -> Book:
    """Check, then read every visible data sheet of a workbook; refusals are DataErrors."""
    found = _check(path, data)
    result = _in_child(path, data)
    kind = result[0]
    if kind == "sheets":
        raise refuse(path, "工作表数", result[1], bounds.MAX_SHEETS)
    if kind == "grid":
        _, name, height, width = result
        if width > bounds.MAX_COLUMNS:
            raise refuse(path, f"工作表“{name}”的列数", width, bounds.MAX_COLUMNS)
        what = f"工作表“{name}”的单元格区域（{height:,}行×{width:,}列）"
        raise refuse(path, what, height * width, bounds.MAX_GRID_CELLS)
    if kind == "book":
        raise refuse(path, "各工作表单元格区域的合计", result[1], bounds.MAX_BOOK_CELLS)
    if kind == "error":
        raise _unreadable(path, result[1])
    sheets = []
    for name, rows, merged in result[1]:  # sheets, not rows
        cells = _restore_error_cells(_cells(rows), found.errors.get(name, []))
        sheets.append((name, cells, merged))
    aside = [(name, _cells(rows)) for name, rows in result[3]]
    return Book(sheets, result[2], found.formulas, aside)


def _check(path: Path, data: bytes) -> Found:
    """Bound a workbook by what it is, whatever its name says: calamine goes by the content."""
    if not zipfile.is_zipfile(io.BytesIO(data)):  # .xls (OLE2), or not a workbook at all
        if len(data) > bounds.MAX_BINARY_BOOK_BYTES:
            raise refuse(path, "文件大小（字节）", len(data), bounds.MAX_BINARY_BOOK_BYTES)
        return Found()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            names = set(book.namelist())
            if "xl/workbook.bin" in names:
                if len(data) > bounds.MAX_BINARY_BOOK_BYTES:
                    raise refuse(path, "文件大小（字节）", len(data), bounds.MAX_BINARY_BOOK_BYTES)
                check_binary_zip(path, book)
                return Found()
            if "content.xml" in names and "xl/workbook.xml" not in names:
                return Found(formulas=check_ods(path, book))
            return check_xlsx(path, book)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise _unreadable(path, f"{type(exc).__name__}: {exc}") from None


def _unreadable(path: Path, why: str) -> DataError:
    return DataError(
        f"{path}：不是可读取的工作簿（{why}）；文件可能已损坏，或并非它的扩展名所说的格式："
        "请用 Excel 或 WPS 打开它并另存为 .xlsx 后再读取，打不开的请向报送部门重新索取"
    )


def _in_child(path: Path, data: bytes) -> tuple[Any, ...]:
    """Run calamine_child.py on `data` in a child process; its death is a refusal, not the run's.

    A script run by the interpreter, not multiprocessing: that would re-run the caller's main
    module in the child."""
    limits = (
        bounds.MAX_READER_MEMORY,
        bounds.MAX_SHEETS,
        bounds.MAX_COLUMNS,
        bounds.MAX_GRID_CELLS,
        bounds.MAX_BOOK_CELLS,
    )
    # -P: the script's folder (mujun/read) is not put first on the module path
    command = [sys.executable, "-P", str(_CHILD), *map(str, limits)]
    try:
        done = subprocess.run(
            command,
            input=data,
            capture_output=True,
            check=False,
            timeout=bounds.MAX_READ_SECONDS,
        )
    except subprocess.TimeoutExpired:  # run() has ended the child
        return ("error", f"读取时间超过上限{bounds.MAX_READ_SECONDS}秒")
    except OSError as exc:
        return ("error", f"无法启动读取进程：{exc}")
    if done.returncode != 0 or not done.stdout:
        why = f"读取进程异常终止，退出码{done.returncode}；文件可能已损坏，或含有远处的单元格"
        return ("error", why)
    result: tuple[Any, ...] = pickle.loads(done.stdout)  # written by our own child script
    return result


def _cells(rows: list[list[Any]]) -> pd.DataFrame:
    """A sheet's cells as a frame of objects. A number cell holding NaN (`<v>NaN</v>`, an .ods
    `office:value="NaN"`) becomes the text 'NaN': it is a value that could not be read, never a
    blank — calamine gives a blank cell as ''. Its cells are never None or NaN otherwise."""
    cells = pd.DataFrame(rows, dtype=object)
    nan = cells.isna().to_numpy()
    return cells.mask(nan, NAN_TEXT) if nan.any() else cells


NAN_TEXT = "NaN"  # what a NaN number cell reads as: text that is no number


def _restore_error_cells(cells: pd.DataFrame, errors: list[tuple[int, int, str]]) -> pd.DataFrame:
    """Error cells (#N/A, #DIV/0!), which calamine reads as blank, get their text back."""
    if not errors:
        return cells
    rows, cols, texts = (np.asarray(part, dtype=object) for part in zip(*errors, strict=True))
    rows, cols = rows.astype(np.int64), cols.astype(np.int64)
    inside = (rows >= 0) & (rows < cells.shape[0]) & (cols >= 0) & (cols < cells.shape[1])
    values = cells.to_numpy(dtype=object, copy=True)
    values[rows[inside], cols[inside]] = texts[inside]
    return pd.DataFrame(values, index=cells.index, columns=cells.columns)


def formula_issues(file: str, uncached: dict[str, list[tuple[str, str]]]) -> pd.DataFrame:
    """One formula-not-cached warning per formula cell without a cached value, naming the
    sheet and the cell (C7) and showing the formula."""
    frames = []
    for sheet, cells in uncached.items():  # sheets
        if not cells:
            continue
        refs, formulas = (pd.Series(c, dtype=object) for c in zip(*cells, strict=True))
        rows = refs.str.extract(r"([0-9]+)$", expand=False).astype(int)
        origin = pd.DataFrame({"file": file, "sheet": sheet, "row": rows})
        shown = ("=" + formulas).where(formulas.ne(""), "")
        found = issue_rows(
            "formula-not-cached",
            np.ones(len(refs), dtype=bool),
            origin=origin,
            credit_code=np.full(len(refs), ""),
            values=shown,
            sheet=sheet,
            cell="\0",
        )
        before, after = str(found["message"].iat[0]).split("\0")
        found["message"] = (before + refs + after).to_numpy(dtype=object)
        frames.append(found)
    return concat_issues(frames)
