"""Departmental files → one EnterpriseTable (DESIGN §1, §3).

read_sources opens every file (CSV in UTF-8 or GBK, .xlsx, .xls), finds each sheet's header below
title rows, maps Chinese headers with their units onto fields, reads the values as people type
them, merges the files on (credit_code, year) and accounts for every row: each data row ends in
the table or in the issues as skipped, with its reason.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..codes import check_credit_codes
from ..engine.columns import source_fields
from ..errors import DataError, Issue, concat_issues, issues_frame, row_issues
from ..fields import FIELDS, label
from ..rules import Rules
from ..table import EnterpriseTable, SourceFile
from .corrections import apply_corrections
from .files import open_file
from .merge import merge
from .sheets import read_sheet
from .typed import read_typed

__all__ = ["apply_corrections", "read_sources"]


def read_sources(
    paths: Iterable[str | Path],
    rules: Rules | None = None,
    *,
    year: int | None = None,
    corrections: str | Path | pd.DataFrame | None = None,
) -> EnterpriseTable:
    """Read, merge and check departmental files; see the module docstring.

    `year` fills the data year of files without a year column (default: the rules' year).
    `corrections` (a file or a table) is applied on top of the merged data.
    """
    year = year if year is not None else (rules.year if rules is not None else None)
    parts: list[EnterpriseTable] = []
    part_files: list[int] = []
    file_issues: list[pd.DataFrame] = []
    sources: list[SourceFile] = []
    files = [Path(p) for p in paths]
    if not files:
        raise DataError("no input files")
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
        file_issues.append(issues_frame(
            Issue("sheet-skipped", f"工作表未读取：{why}", "info", str(path), name)
            for name, why in opened.passed_over))  # fmt: skip
        for sheet in opened.sheets:
            got = read_sheet(sheet, year)
            file_issues.append(got.issues)
            read, skipped = read + got.rows_read, skipped + got.rows_skipped
            if got.table is not None and len(got.table):
                parts.append(got.table)
                part_files.append(index)
                used += len(got.table)
        sources.append(SourceFile(str(path), opened.sha256, read, used, skipped))
    if not parts:
        names = ", ".join(str(p) for p in files)
        raise DataError(f"no firm rows in {names} (no sheet has a 统一社会信用代码 header "
                        "with data rows below it)")  # fmt: skip
    table, group = merge(parts, _priority(files, part_files, rules))
    extra = [*file_issues]
    if rules is not None:
        extra.append(_missing_columns(table, rules))
        extra.append(_missing_from_files(parts, group, table, rules))
    table = replace(table, issues=concat_issues([table.issues, *extra]), sources=tuple(sources))
    if corrections is not None:
        table = apply_corrections(table, corrections)
    return table


def _priority(paths: list[Path], part_files: list[int], rules: Rules | None) -> list[int]:
    """Rank of each part: the first `[input] priority` pattern its file name matches, else
    after all patterns; ties keep the order of the files."""
    patterns = rules.input.priority if rules is not None else []
    ranks = []
    for index in part_files:
        name = paths[index].name
        hit = next((i for i, p in enumerate(patterns) if fnmatch.fnmatch(name, p)), len(patterns))
        ranks.append(hit * len(paths) + index)
    return ranks


def _needed(rules: Rules) -> set[str]:
    return {f for f in source_fields(rules.fields_used()) if f in FIELDS and not FIELDS[f].derived}


def _missing_columns(table: EnterpriseTable, rules: Rules) -> pd.DataFrame:
    """A field the rules use that no file provides, directly or through the fields it can be
    computed from (energy_tce from the carriers, land_mu from its parts). Missing from a formula
    it is an error (every firm lacks the indicator); from a condition, a warning (read as 否)."""
    in_formulas = {n for c in rules.classes for n in c.formula_fields()}
    absent = sorted(
        name
        for name in rules.fields_used()
        if name in FIELDS and not (source_fields({name}) & set(table.frame.columns))
        and name not in ("industry_division", "years_operating")
    )  # fmt: skip
    return issues_frame(
        Issue("missing-column", f"评价规则的指标需要“{label(f)}”，但所有文件都没有这一列", "error",
              field=f)
        if f in in_formulas
        else Issue("missing-column", f"评价规则的条件用到“{label(f)}”，但所有文件都没有这一列，"
                   "按缺失处理", "warning", field=f)
        for f in absent
    )  # fmt: skip


def _missing_from_files(
    parts: list[EnterpriseTable],
    group: np.ndarray,
    table: EnterpriseTable,
    rules: Rules,
) -> pd.DataFrame:
    """Firms absent from a sheet that supplies fields the rules use (ask that department), in
    the years that sheet covers: a history sheet of earlier years misses no firm of this year."""
    if len(parts) < 2:
        return concat_issues([])
    # a flag missing from a list means 否, so a file of flags alone misses no one
    needed = {f for f in _needed(rules) - {"credit_code", "year", "name"}
              if FIELDS[f].kind != "bool"}  # fmt: skip
    keyed, _ = check_credit_codes(table.frame["credit_code"])  # only well-formed codes match
    years = (table.frame["year"].to_numpy(dtype=float, na_value=np.nan) if "year" in table.frame
             else np.zeros(len(table)))  # fmt: skip
    found: list[pd.DataFrame] = []
    start = 0
    for part in parts:  # a loop over sheets
        rows = group[start : start + len(part)]
        start += len(part)
        supplies = sorted(set(part.frame.columns) & needed)
        if not supplies:
            continue
        present = np.zeros(len(table), dtype=bool)
        present[rows] = True
        covered = np.isin(years, np.unique(years[rows]))  # a sheet of other years misses no one
        first = part.origin.iloc[0]
        where = Path(str(first["file"])).name + (f"“{first['sheet']}”" if first["sheet"] else "")
        names = "、".join(label(c) for c in supplies[:4]) + ("等" if len(supplies) > 4 else "")
        found.append(row_issues(
            keyed & covered & ~present, code="missing-from-source",
            message=f"该企业不在《{where}》中，缺少其提供的{names}",
            severity="warning", origin=table.origin, credit_code=table.frame["credit_code"],
        ))  # fmt: skip
    return concat_issues(found)
