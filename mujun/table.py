"""The EnterpriseTable: canonical fields, one row per firm-year, with its issues and origin.

`EnterpriseTable.from_frame` coerces a frame whose headers are field codes (DESIGN §3) and runs
the checks that need no rules: credit codes, duplicate firms, values that are not numbers, flags
and dates that cannot be read, unknown industry codes. Row-level errors make the row `rejected`
at evaluation; everything else is a warning. All checks are vectorised masks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import codes
from .errors import DataError, Issue, concat_issues, empty_issues, issues_frame, row_issues
from .fields import FIELDS, INPUT_FIELDS, label

TRUE_WORDS = {"1", "1.0", "true", "t", "yes", "y", "是", "√", "有"}
FALSE_WORDS = {"0", "0.0", "false", "f", "no", "n", "否", "×", "无", ""}


@dataclass(frozen=True)
class SourceFile:
    """One input file as read: where it is, its sha256 and how many data rows it held."""

    file: str
    sha256: str
    rows: int


@dataclass(frozen=True)
class EnterpriseTable:
    """Canonical input: `frame` (field columns), `origin` (file, sheet, spreadsheet row per row),
    `issues` (problems found while reading, with each row's position), `sources` (files read)."""

    frame: pd.DataFrame
    origin: pd.DataFrame
    issues: pd.DataFrame = field(default_factory=empty_issues)
    sources: tuple[SourceFile, ...] = ()

    def __len__(self) -> int:
        return len(self.frame)

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
    ) -> EnterpriseTable:
        """Coerce a frame with field-code headers and check it.

        `first_row` is the spreadsheet row of the first data row (2: one header row), used to
        locate issues when no `origin` is given.
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
        out: dict[str, object] = {}
        code = _clean_text(frame["credit_code"])
        if not code.str.isascii().fillna(True).all():  # full-width letters and digits → ASCII
            code = code.str.normalize("NFKC")
        code = code.str.upper()
        out["credit_code"] = code
        found.append(_check_keys(code, origin))
        for name in INPUT_FIELDS:
            if name == "credit_code" or name not in frame.columns:
                continue
            column, problems = _coerce(name, frame[name], origin, code)
            out[name] = column
            found.append(problems)
        table = pd.DataFrame(out)
        found.append(_check_duplicates(table, origin))
        if "industry_code" in table:
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


def _clean_text(col: pd.Series) -> pd.Series:
    """Trimmed text, blank as missing. Whole numbers held as floats (a numeric column with a
    blank cell) are written without '.0', so industry code 4411 stays '4411'."""
    if pd.api.types.is_float_dtype(col):
        whole = col.notna() & (col % 1 == 0)
        text = col.astype("string").where(~whole, col.where(whole).astype("Int64").astype("string"))
    else:
        text = col.astype("string")
    text = text.str.strip()
    return text.mask(text == "")


def _check_keys(code: pd.Series, origin: pd.DataFrame) -> pd.DataFrame:
    shown = code.fillna("")
    missing = code.isna().to_numpy()
    well_formed, check_ok = codes.check_credit_codes(code)
    common = {"origin": origin, "credit_code": shown, "field": "credit_code", "values": shown}
    return concat_issues(
        [
            row_issues(
                missing,
                code="missing-credit-code",
                message="缺少统一社会信用代码",
                severity="error",
                **common,
            ),
            row_issues(
                ~missing & ~well_formed,
                code="bad-credit-code",
                message="统一社会信用代码长度或字符不正确（应为18位，不含I、O、S、V、Z）",
                severity="error",
                **common,
            ),
            row_issues(
                well_formed & ~check_ok,
                code="credit-code-check-digit",
                message="统一社会信用代码校验位不符（GB 32100-2015），请核对",
                severity="warning",
                **common,
            ),
        ]
    )


def _check_duplicates(table: pd.DataFrame, origin: pd.DataFrame) -> pd.DataFrame:
    keyed = table["credit_code"].notna().to_numpy()
    keys = ["credit_code", "year"] if "year" in table else ["credit_code"]
    dup = table.duplicated(keys, keep=False).to_numpy() & keyed
    return row_issues(
        dup,
        code="duplicate-firm",
        message="同一企业同一年度有多条记录，均未评价，请合并后重报",
        severity="error",
        origin=origin,
        credit_code=table["credit_code"],
        field="credit_code",
    )


def _coerce(
    name: str, col: pd.Series, origin: pd.DataFrame, code: pd.Series
) -> tuple[pd.Series, pd.DataFrame]:
    """Convert one column to its field's type; cells that cannot be read are errors."""
    kind = FIELDS[name].kind
    if kind == "text":
        return _clean_text(col), empty_issues()
    if kind in ("number", "int"):
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            values = col.astype(float)
            bad = np.zeros(len(col), dtype=bool)
        else:
            text = _clean_text(col)
            values = pd.to_numeric(text, errors="coerce").astype(float)
            bad = (values.isna() & text.notna()).to_numpy()
        if kind == "int":
            frac = values.notna().to_numpy() & (values.to_numpy() % 1 != 0)
            bad = bad | frac
            values = values.mask(frac).astype("Int64")
        message = f"“{label(name)}”的值不是数字"
    elif kind == "bool":
        text = _clean_text(col).str.lower().fillna("")
        values = text.isin(TRUE_WORDS).astype(bool)
        bad = (~text.isin(TRUE_WORDS) & ~text.isin(FALSE_WORDS)).to_numpy()
        message = f"“{label(name)}”应为 是/否"
    else:  # date
        text = _clean_text(col)
        values = pd.to_datetime(text, errors="coerce", format="mixed")
        bad = (values.isna() & text.notna()).to_numpy()
        message = f"“{label(name)}”不是可识别的日期，按缺失处理"
    problems = row_issues(
        bad,
        code="non-numeric-value" if kind in ("number", "int") else f"bad-{kind}-value",
        message=message,
        severity="warning" if kind == "date" else "error",
        origin=origin,
        credit_code=code,
        field=name,
        values=col,
    )
    return values, problems
