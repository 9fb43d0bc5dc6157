"""The EnterpriseTable: canonical fields, one row per firm-year, with its issues and origin.

`EnterpriseTable.from_frame` coerces a frame whose headers are field codes (DESIGN §3) and runs
the checks that need no rules: credit codes, duplicate firms, values that are not numbers, flags
and dates that cannot be read, unknown industry codes. Row-level errors make the row `rejected`
at evaluation; everything else is a warning. All checks are vectorised masks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from . import codes, values
from .errors import DataError, Issue, concat_issues, empty_issues, issues_frame, row_issues
from .fields import FIELDS, INPUT_FIELDS, label

_DERIVED_FROM = {"land_mu": ("land_owned_mu", "land_leased_mu", "land_let_mu")}


@dataclass(frozen=True)
class SourceFile:
    """One input file as read: where it is, its sha256, the data rows below its headers, how
    many of them became firm rows and how many were skipped (blank, notes, totals)."""

    file: str
    sha256: str
    rows: int
    used: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class EnterpriseTable:
    """Canonical input: `frame` (field columns), `origin` (file, sheet, spreadsheet row per row),
    `issues` (problems found while reading, with each row's position), `sources` (files read),
    `corrections` (the corrections applied on top, if any), `field_origin` (for merged tables:
    the file, sheet and row each field's value was taken from, where not the row's origin)."""

    frame: pd.DataFrame
    origin: pd.DataFrame
    issues: pd.DataFrame = field(default_factory=empty_issues)
    sources: tuple[SourceFile, ...] = ()
    corrections: pd.DataFrame | None = None  # every correction and what became of it
    field_origin: dict[str, pd.DataFrame] = field(default_factory=dict)

    def origin_of(self, name: str) -> pd.DataFrame:
        """Where each row's value of a field came from: after a merge, land comes from the land
        register's row, not from the first file the firm appeared in."""
        for source in (name, *_DERIVED_FROM.get(name, ())):
            if source in self.field_origin:
                return self.field_origin[source]
        return self.origin

    def __len__(self) -> int:
        return len(self.frame)

    def rows(self, mask: np.ndarray) -> EnterpriseTable:
        """The rows where `mask` holds, with their origins. Every issue is kept: those of the
        rows left out lose their position but keep their file, row and credit code."""
        keep = np.flatnonzero(np.asarray(mask, dtype=bool))
        moved = np.full(len(self) + 1, -1, dtype=np.int64)  # position -1 stays -1
        moved[keep] = np.arange(len(keep))
        issues = self.issues.copy()
        issues["position"] = moved[issues["position"].to_numpy(dtype=np.int64)]

        def take(frame: pd.DataFrame) -> pd.DataFrame:
            return frame.iloc[keep].reset_index(drop=True)

        return replace(self, frame=take(self.frame), origin=take(self.origin), issues=issues,
                       field_origin={k: take(v) for k, v in self.field_origin.items()})  # fmt: skip

    def of_year(self, year: int) -> EnterpriseTable:
        """The rows of one data year (rows without a year count as that year, as at evaluation)."""
        if "year" not in self.frame:
            return self
        years = self.frame["year"].to_numpy(dtype=float, na_value=np.nan)
        return self.rows(np.isnan(years) | (years == year))

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        file: str = "",
        sheet: str = "",
        first_row: int = 2,
        sources: tuple[SourceFile, ...] = (),
        origin: pd.DataFrame | None = None,
        factors: dict[str, float] | None = None,
    ) -> EnterpriseTable:
        """Coerce a frame whose headers are field codes, and check it.

        `first_row` is the spreadsheet row of the first data row (2: one header row), used to
        locate issues when no `origin` is given; `factors` turn numbers stated in another unit
        into the field's canonical unit (元 → 万元: 1e-4).
        """
        if "credit_code" not in frame.columns:
            where = f"{file}: " if file else ""
            raise DataError(
                f"{where}no credit_code (统一社会信用代码) column; columns are "
                f"{list(map(str, frame.columns))[:20]}"
            )
        n = len(frame)
        if origin is None:
            origin = pd.DataFrame(
                {"file": file, "sheet": sheet, "row": np.arange(first_row, first_row + n)}
            )
        origin = origin.reset_index(drop=True)
        frame = frame.reset_index(drop=True)
        found: list[pd.DataFrame] = []
        unknown = [str(c) for c in frame.columns if c not in INPUT_FIELDS]
        found.append(
            issues_frame(
                Issue("unknown-column", "未识别的列，已忽略", "warning", file, sheet, field=c)
                for c in unknown
            )
        )
        parsed = values.credit_codes(frame["credit_code"])
        code = parsed.values
        out: dict[str, object] = {"credit_code": code}
        found.append(_report(parsed, "credit_code", frame["credit_code"], origin, code))
        found.append(_check_keys(code, origin, as_number=parsed.bad))
        for name in INPUT_FIELDS:
            if name == "credit_code" or name not in frame.columns:
                continue
            parsed = parse_field(name, frame[name])
            column = parsed.values
            factor = (factors or {}).get(name, 1.0)
            out[name] = column * factor if factor != 1.0 else column
            found.append(_report(parsed, name, frame[name], origin, code))
        table = pd.DataFrame(out)
        found.append(_check_duplicates(table, origin))
        if "industry_code" in table:
            digits = table["industry_code"].str.len().fillna(0).to_numpy()
            short = values.numeric_cells(frame["industry_code"]) & np.isin(digits, (1, 3))
            found.append(
                row_issues(
                    short,
                    code="industry-code-as-number",
                    message="行业代码被存成了数字，开头的0可能已丢失（如0610），请设为文本格式后核对",
                    severity="warning", origin=origin, credit_code=code, field="industry_code",
                    values=table["industry_code"],
                )
            )  # fmt: skip
            division = codes.industry_division(table["industry_code"])
            bad = np.isnan(division) & table["industry_code"].notna().to_numpy()
            found.append(
                row_issues(
                    bad,
                    code="unknown-industry-code",
                    message="行业代码不是有效的GB/T 4754-2017代码",
                    severity="warning",
                    origin=origin,
                    credit_code=code,
                    field="industry_code",
                    values=table["industry_code"],
                )
            )
        return cls(table, origin, concat_issues(found), sources)


def describe(record: pd.DataFrame) -> list[dict[str, str]]:
    """Corrections as plain text records (for the manifest)."""
    text = record.astype("string").fillna("")
    return [{str(k): str(v) for k, v in row.items()} for row in text.to_dict("records")]


_PARSERS: dict[str, Callable[[pd.Series], values.Parsed]] = {
    "text": lambda cells: values.Parsed(values.as_text(cells), np.zeros(len(cells), dtype=bool)),
    "number": values.numbers,
    "int": values.integers,
    "bool": values.flags,
    "date": values.dates,
}


def parse_field(name: str, cells: pd.Series) -> values.Parsed:
    """Cells read as the field's kind (number, integer, yes/no, date or text)."""
    return _PARSERS[FIELDS[name].kind](cells)


# issue code → (severity, message template) for what a parser noted about cells
_NOTES = {
    "placeholder-value": ("info", "“{label}”填写为占位符，按缺失处理"),
    "excel-error": ("warning", "“{label}”是Excel错误值，按缺失处理"),
    "scaled-value": ("warning", "“{label}”含“万/亿/%”，已按倍数换算为数值，请核对单位"),
    "full-width-value": ("info", "“{label}”为全角数字，已按半角读取"),
    "credit-code-as-number": (
        "error",
        "统一社会信用代码被Excel存成了数字（如9.1E+17），后几位已丢失：请将该列设为文本格式后重新导出",
    ),
}
_BAD = {
    "number": ("non-numeric-value", "error", "“{label}”的值不是数字"),
    "int": ("non-numeric-value", "error", "“{label}”应为整数"),
    "bool": ("bad-bool-value", "error", "“{label}”应为 是/否"),
    "date": ("bad-date-value", "warning", "“{label}”不是可识别的日期，按缺失处理"),
}


def _report(
    parsed: values.Parsed, name: str, raw: pd.Series, origin: pd.DataFrame, code: pd.Series
) -> pd.DataFrame:
    """Issues for one parsed column: the cells that could not be read and the noted cases."""
    found: list[pd.DataFrame] = []
    common = {"origin": origin, "credit_code": code, "field": name, "values": raw}
    kind = FIELDS[name].kind
    for note, mask in parsed.notes.items():
        severity, template = _NOTES[note]
        found.append(row_issues(mask, code=note, message=template.format(label=label(name)),
                                severity=severity, **common))  # fmt: skip
    if kind in _BAD and name != "credit_code":
        issue, severity, template = _BAD[kind]
        found.append(row_issues(parsed.bad, code=issue, message=template.format(
            label=label(name)), severity=severity, **common))  # fmt: skip
    return concat_issues(found)


def _check_keys(code: pd.Series, origin: pd.DataFrame, *, as_number: np.ndarray) -> pd.DataFrame:
    shown = code.fillna("")
    missing = code.isna().to_numpy()
    well_formed, check_ok = codes.check_credit_codes(code)
    common = {"origin": origin, "credit_code": shown, "field": "credit_code", "values": shown}
    return concat_issues(
        [
            row_issues(missing, code="missing-credit-code", message="缺少统一社会信用代码",
                       severity="error", **common),
            row_issues(~missing & ~well_formed & ~as_number, code="bad-credit-code",
                       message="统一社会信用代码长度或字符不正确（应为18位，不含I、O、S、V、Z）",
                       severity="error", **common),
            row_issues(well_formed & ~check_ok, code="credit-code-check-digit",
                       message="统一社会信用代码校验位不符（GB 32100-2015），请核对",
                       severity="warning", **common),
        ]
    )  # fmt: skip


def _check_duplicates(table: pd.DataFrame, origin: pd.DataFrame) -> pd.DataFrame:
    """Rows of one firm-year: identical copies are read once (a warning); copies that differ
    are errors on every copy, since no one can tell which is right."""
    keys = ["credit_code", "year"] if "year" in table else ["credit_code"]
    keyed = table["credit_code"].notna().to_numpy() & ~values.lost_codes(table["credit_code"])
    dup = table.duplicated(keys, keep=False).to_numpy() & keyed
    if not dup.any():
        return empty_issues()
    differing = dup & ~table.duplicated(keep=False).to_numpy()
    group = table.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
    conflicted = np.isin(group, group[differing]) & dup
    return concat_issues([
        row_issues(conflicted, code="duplicate-firm",
                   message="同一企业同一年度有多条不同记录，均未采用，请核实后只保留一条",
                   severity="error", origin=origin, credit_code=table["credit_code"],
                   field="credit_code"),
        row_issues(dup & ~conflicted, code="duplicate-row",
                   message="同一企业同一年度的相同记录重复出现，按一条读取", severity="warning",
                   origin=origin, credit_code=table["credit_code"], field="credit_code"),
    ])  # fmt: skip
