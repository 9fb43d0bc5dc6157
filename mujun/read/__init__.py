"""Departmental files → one EnterpriseTable (DESIGN §1, §3). Reading knows no rules.

read_sources opens every file (CSV in UTF-8 or GBK, .xlsx, .xls, Parquet), finds each sheet's
header below title rows, maps Chinese headers with their units onto fields, reads the values as
people type them, merges the files on (credit_code, year) and accounts for every row: each data
row ends in the table or in the notes as skipped, with its reason. Which fields a method needs,
and so which firms lack them, is for the evaluation to say: the table only records which sheet
supplied which rows and fields.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd

from .. import twins
from ..errors import DataError
from ..fields import Aliases, Field, declared, header_table
from ..issues import aggregate, concat_issues, issue, issue_table
from ..table import EnterpriseTable, SourceFile
from .appeals import apply_appeals
from .corrections import apply_corrections
from .files import Opened, open_file
from .merge import merge
from .sheets import firms_in, read_sheet
from .typed import read_typed
from .workbook_files import formula_issues

__all__ = ["apply_corrections", "read_sources"]


def read_sources(
    paths: Iterable[str | Path],
    *,
    year: int | None = None,
    priority: Sequence[str] = (),
    corrections: str | Path | pd.DataFrame | None = None,
    aliases: Aliases | None = None,
    fields: Mapping[str, Field] | None = None,
    appeals: str | Path | pd.DataFrame | None = None,
) -> EnterpriseTable:
    """Read, merge and check departmental files; see the module docstring.

    `year` is the data year of files without a year column (else their rows have none, and
    count as the evaluation's year). `priority` lists file-name patterns (fnmatch, as in a rules
    file's `[input] priority`): where two files give different values for one field, the file
    matching the earlier pattern wins, else the file given first. `corrections` (a file or a
    table) is applied on top of the merged data. `aliases` (a rules file's `[input.aliases]`:
    field code → more headers) adds headers for built-in fields; their units convert as the
    built-in headers' do. `fields` (a rules file's declared fields, `Rules.catalog`: a field
    catalog, not the rules) are read like built-in ones, by their labels and aliases.
    `appeals` (an appeals register) adds its 采纳 appeals to the corrections (read/appeals.py).
    """
    with declared(fields):
        table = _read_all(
            paths, year, priority, None if appeals is not None else corrections, aliases
        )
        if appeals is not None:
            table = apply_appeals(table, appeals, corrections)
        return table


def _read_all(
    paths: Iterable[str | Path],
    year: int | None,
    priority: Sequence[str],
    corrections: str | Path | pd.DataFrame | None,
    aliases: Aliases | None,
) -> EnterpriseTable:
    headers = header_table(aliases)
    parts: list[EnterpriseTable] = []
    part_files: list[int] = []
    file_notes: list[pd.DataFrame] = []
    sources: list[SourceFile] = []
    files = [Path(p) for p in paths]
    if not files:
        raise DataError("没有给出数据文件")
    for index, path in enumerate(files):
        typed = read_typed(path, year)
        if typed is not None:  # mujun's own form: field codes, read typed
            part, source = typed
            parts.append(part)
            part_files.append(index)
            sources.append(source)
            continue
        opened = open_file(path)
        read = skipped = used = 0
        file_notes.append(_passed_over(opened))
        file_notes.append(formula_issues(str(path), opened.uncached))
        for sheet in opened.sheets:
            got = read_sheet(sheet, year, headers)
            file_notes.append(got.issues)
            read, skipped = read + got.rows_read, skipped + got.rows_skipped
            if got.table is not None and len(got.table):
                parts.append(got.table)
                part_files.append(index)
                used += len(got.table)
        sources.append(SourceFile(str(path), opened.sha256, read, used, skipped))
    if not parts:
        names = "、".join(str(p) for p in files)
        keys = "”或“".join(["统一社会信用代码", *(aliases or {}).get("credit_code", ())])
        raise DataError(
            f"{names}：没有读到企业行（没有一个工作表带有“{keys}”表头且其下有数据行）"
            + _why_nothing(concat_issues(file_notes))
        )
    table = merge(parts, _priority(files, part_files, priority))
    if len(parts) > 1:  # a typo of a code in one file, of a firm in another
        key, twin_notes = twins.mark_twins(table.frame["credit_code"], table.key, table.origin)
        table = replace(table, key=key, notes=concat_issues([table.notes, twin_notes]))
    notes = aggregate(concat_issues([table.notes, *file_notes]))
    table = replace(table, notes=notes, sources=tuple(sources))
    if corrections is not None:
        table = apply_corrections(table, corrections)
    return table


# what can leave a file without firm rows, said with the refusal
EMPTYING = ("sheet-skipped", "no-header", "csv-long-line", "csv-too-many-fields")
REASONS_SHOWN = 5


def _why_nothing(notes: pd.DataFrame) -> str:
    """The reasons a file gave no firm rows (sheets passed over, lines not read), for the
    refusal: a clerk learns that the firms are on a hidden sheet, not that there are none."""
    found = notes[notes["code"].isin(EMPTYING)]
    if found.empty:
        return ""
    said = []
    for row in found.head(REASONS_SHOWN).itertuples():  # a handful of sheets and lines
        sheet = "" if pd.isna(row.sheet) else str(row.sheet)
        line = None if pd.isna(row.row) else int(row.row)
        where = f"工作表“{sheet}”" if sheet else f"第{line}行" if line else ""
        said.append(f"{where}：{row.message}" if where else str(row.message))
    more = f"等{len(found)}处" if len(found) > REASONS_SHOWN else ""
    return "。原因：" + "；".join(said) + more


def _passed_over(opened: Opened) -> pd.DataFrame:
    """A note for each sheet passed over; a warning, with their number, where a hidden or
    instruction sheet holds credit codes (firms a clerk may have meant to send)."""
    aside = {sheet.name: sheet for sheet in opened.set_aside}
    found = []
    for name, why in opened.passed_over:  # a loop over sheets
        count = firms_in(aside[name].cells) if name in aside else 0
        variant = "firms" if count else None
        found.append(
            issue(
                "sheet-skipped",
                variant=variant,
                file=str(opened.path),
                sheet=name,
                value=f"{count}户" if count else "",
                why=why,
                count=count,
            )
        )
    return issue_table(found)


def _priority(paths: list[Path], part_files: list[int], patterns: Sequence[str]) -> list[int]:
    """Rank of each part: the first priority pattern its file name matches, else after all
    patterns; ties keep the order of the files."""
    ranks = []
    for index in part_files:
        name = paths[index].name
        hit = next((i for i, p in enumerate(patterns) if fnmatch.fnmatch(name, p)), len(patterns))
        ranks.append(hit * len(paths) + index)
    return ranks
