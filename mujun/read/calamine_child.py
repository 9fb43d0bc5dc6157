"""Run as a script in a child process: read a workbook with calamine and print its cells.

The workbook's bytes come on stdin and the bounds as arguments (memory, sheets, columns, grid
cells of a sheet and of the workbook); a pickle of ("ok", sheets, passed_over, set_aside) or of
a refusal goes to stdout (set_aside: the cells of the hidden and instruction sheets, unread as
data, so that firms in them can be counted). The address space is bounded first, so a file
that still makes calamine abort or run out of memory ends this process only. Imports nothing
of mujun, so that it starts in a moment.
"""

from __future__ import annotations

import io
import pickle
import re
import sys
from typing import Any

INSTRUCTION_SHEETS = ("填报说明", "说明", "指标解释", "填表说明")


def read_book(
    data: bytes, max_sheets: int, max_columns: int, max_grid: int, max_book: int
) -> tuple[Any, ...]:
    """The visible data sheets' cells as lists of rows, with merged ranges, the cells of the
    sheets passed over as data (hidden; named exactly as an instruction sheet, not 说明及数据),
    or a refusal."""
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    metadata = book.sheets_metadata
    if len(metadata) > max_sheets:
        return ("sheets", len(metadata))
    sheets, passed, aside = [], [], []
    total = 0
    for meta in metadata:
        why = ""
        if meta.visible != SheetVisibleEnum.Visible:
            why = "隐藏的工作表，未读取"
        elif re.sub(r"\s+", "", meta.name) in INSTRUCTION_SHEETS:
            why = "填报说明工作表，未作为数据读取"
        sheet = book.get_sheet_by_name(meta.name)
        height, width = sheet.height, sheet.width
        total += height * width
        if width > max_columns or height * width > max_grid:
            return ("grid", meta.name, height, width)
        if total > max_book:
            return ("book", total)
        rows = sheet.to_python(skip_empty_area=False)
        if why:
            passed.append((meta.name, why))
            aside.append((meta.name, rows))
            continue
        if not rows or not any(any(c != "" for c in r) for r in rows[:50]):
            passed.append((meta.name, "空白工作表"))
            continue
        sheets.append((meta.name, rows, tuple(sheet.merged_cell_ranges or ())))
    return ("ok", sheets, passed, aside)


def main(argv: list[str]) -> None:
    memory, *limits = (int(a) for a in argv)
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ImportError, ValueError, OSError):  # not on this system: the guards still hold
        pass
    data = sys.stdin.buffer.read()
    try:
        result = read_book(data, *limits)
    except MemoryError:
        result = ("error", "内存不足")
    except Exception as exc:  # calamine raises its own types for broken or encrypted files
        result = ("error", f"{type(exc).__name__}: {exc}")
    sys.stdout.buffer.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    main(sys.argv[1:])
