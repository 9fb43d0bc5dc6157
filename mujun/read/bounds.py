"""The bounds every workbook is checked against before it is read, and the refusal they give.

A department's firm table is at most some hundred thousand rows of a few dozen columns; these
bounds leave ample room for that and refuse what only a broken or hostile file holds, each
with a Chinese message naming the bound and the value found.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import DataError

# sheets per workbook: a department sends a handful; thousands only blow up the issue list
MAX_SHEETS = 200
# parts (zip members) of an .xlsx/.ods: a few per sheet plus styles, themes, pictures
MAX_PARTS = 5_000
# all parts of a workbook together, unzipped: 100,000 firms × 10 columns are about 50 MB of XML
MAX_UNZIPPED_BYTES = 768 * 2**20
# one sheet, or the shared strings, unzipped
MAX_PART_BYTES = 384 * 2**20
# columns of a sheet: ZZ is far beyond any firm table (a stray cell at XFD is refused)
MAX_COLUMNS = 702
# the dense grid (rows × columns up to the last used cell) calamine builds and pandas holds,
# of one sheet (100,000 firms × 100 columns) and of all sheets of a workbook together
MAX_GRID_CELLS = 10_000_000
MAX_BOOK_CELLS = 20_000_000
# text of one cell, in bytes of XML: Excel holds at most 32,767 characters in a cell, which
# take at most 8 bytes each even when written as character references
MAX_CELL_TEXT_BYTES = 32_767 * 8
# one cell's whole XML (or one shared string's): its text in runs, each with its formatting
MAX_CELL_XML_BYTES = 4 * MAX_CELL_TEXT_BYTES
# distinct strings of a workbook (sharedStrings.xml)
MAX_SHARED_STRINGS = 10_000_000
# an .xls or .xlsb (binary, not zip XML) larger than this is not a firm table
MAX_BINARY_BOOK_BYTES = 128 * 2**20
# address space of the process that runs calamine: past it the child, never the run, dies
MAX_READER_MEMORY = 4 * 2**30
# seconds the child may take to read one workbook (100,000 firms take a few): a file that
# keeps calamine busy longer is refused, and the child is ended
MAX_READ_SECONDS = 900


def refuse(path: Path | str, what: str, found: object, bound: object) -> DataError:
    """The error for a file past a bound: what was measured, the value found and the bound."""
    return DataError(f"{path}：{what}为{_show(found)}，超过上限{_show(bound)}，文件未读取")


def _show(value: object) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
