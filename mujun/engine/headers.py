"""What the rules need that the files' headers missed: an unrecognised column that resembles a
field the rules need and no file holds is reported as such ("did you mean"), with the
`[input.aliases]` line that would read it; the missing-field issue names those columns, or else
the file's unrecognised columns. Reading knows no rules, so this is decided here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..fields import FIELDS, input_fields, label
from ..issues import issue, issue_table
from ..resemble import resembling
from ..table import EnterpriseTable
from .parks import toml_text

DESCRIBING = ("name", "park")  # asked for even when no formula reads them: park workbooks do
LISTED = 5  # unrecognised columns a missing-field issue names


def absent_fields(table: EnterpriseTable, needed: set[str]) -> list[str]:
    """The input fields among `needed` (and the firm's name and park) that no file holds."""
    wanted = (needed & set(input_fields())) | set(DESCRIBING)
    present = set(table.frame.columns)
    return [f for f in input_fields() if f in wanted and f not in present]


Hints = dict[str, tuple[bool, str]]  # field → (names a column like it, the text)


def header_hints(
    table: EnterpriseTable, needed: set[str]
) -> tuple[np.ndarray, pd.DataFrame, Hints]:
    """(the unknown-column notes now said better, their similar-column issues, per absent field
    the hint its missing-column issue ends with: the columns that resemble it (True), else the
    unrecognised columns left (False))."""
    notes = table.notes
    unknown = (notes["code"] == "unknown-column").to_numpy(dtype=bool)
    absent = absent_fields(table, needed)
    if not unknown.any() or not absent:
        return np.zeros(len(notes), dtype=bool), issue_table([]), {}
    rows = notes[unknown]
    headers = rows["value"].where(rows["value"] != "", rows["field"]).astype(str)
    replaced = np.zeros(len(notes), dtype=bool)
    found = []
    similar: dict[str, list[tuple[str, str]]] = {}
    for position, header, file, sheet, row in zip(  # a loop over columns, not firms
        np.flatnonzero(unknown), headers, rows["file"], rows["sheet"], rows["row"], strict=True
    ):
        hits = resembling(header, absent)
        if not hits:
            continue
        replaced[position] = True
        where = _where(file, sheet, header)
        for code in hits:
            similar.setdefault(code, []).append((where, header))
        found.append(
            issue(
                "similar-column",
                file=file,
                sheet=sheet,
                row=None if pd.isna(row) else int(row),
                field=hits[0],
                value=header,
                where=f"列“{header}”",
                label="”或“".join(label(c) for c in hits),
                key=" 或 ".join(hits),
                header=toml_text(header),
            )
        )
    hints: Hints = {}
    matched = replaced[unknown]
    others = [
        _where(f, s, h)
        for f, s, h, m in zip(rows["file"], rows["sheet"], headers, matched, strict=True)
        if not m
    ]
    for code in absent:
        if code in similar:
            wheres = "、".join(w for w, _ in similar[code][:LISTED])
            written = ", ".join(dict.fromkeys(toml_text(h) for _, h in similar[code][:LISTED]))
            hints[code] = (
                True,
                f"；文件中的{wheres}像是这一列：如是，请在规则文件中加入"
                f" [input.aliases] {code} = [{written}]",
            )
        elif others and FIELDS[code].kind != "bool":  # a flag missing from every file is 否
            more = f"等{len(others)}列" if len(others) > LISTED else ""
            hints[code] = (
                False,
                f"；文件中未识别的列有{'、'.join(others[:LISTED])}{more}：如其中一列即是"
                f"“{FIELDS[code].label}”，请在规则文件 [input.aliases] 中为 {code} 加入该表头"
                "（mujun fields 列出每个字段可用的表头）",
            )
    return replaced, issue_table(found), hints


def _where(file: str, sheet: str, header: str) -> str:
    name = Path(str(file)).name
    return f"{name}{f'“{sheet}”' if sheet else ''}的“{header}”"
