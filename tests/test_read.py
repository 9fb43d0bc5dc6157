"""Reading canonical files: encodings, workbooks, several files, provenance."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mujun import DataError, read_table
from mujun.codes import credit_check_char


def code(i: int) -> str:
    body = f"9144010000000{i:04d}"
    return body + credit_check_char(body)


def firms(n: int, start: int = 0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "credit_code": [code(start + i) for i in range(n)],
            "year": 2022,
            "name": [f"测试企业{start + i}" for i in range(n)],
            "land_owned_mu": [10.5] * n,
            "tax_paid": ["1.5"] * n,
        }
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_read_chinese(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "f.csv"
    firms(3).to_csv(path, index=False, encoding=encoding)
    table = read_table([path])
    assert table.frame["name"].tolist() == ["测试企业0", "测试企业1", "测试企业2"]
    assert table.frame["tax_paid"].tolist() == [1.5, 1.5, 1.5]
    assert len(table.issues) == 0


def test_xlsx_is_read_with_sheet_and_rows(tmp_path: Path) -> None:
    path = tmp_path / "f.xlsx"
    frame = firms(2)
    frame.loc[1, "tax_paid"] = "不详"
    frame.to_excel(path, index=False, sheet_name="企业数据")
    table = read_table([path])
    assert table.frame["credit_code"].tolist() == [code(0), code(1)]
    issue = table.issues.iloc[0]
    assert (issue["code"], issue["sheet"], issue["row"]) == ("non-numeric-value", "企业数据", 3)


def test_several_files_keep_every_row_and_flag_repeats(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    firms(3).to_csv(a, index=False)
    firms(2, start=2).assign(extra="x").to_csv(b, index=False)  # firm 2 is in both files
    table = read_table([a, b])
    assert len(table) == 5
    dupes = table.issues[table.issues["code"] == "duplicate-firm"]
    assert sorted(zip(dupes["file"].map(lambda f: Path(f).name), dupes["row"], strict=True)) == [
        ("a.csv", 4),
        ("b.csv", 2),
    ]
    unknown = table.issues[table.issues["code"] == "unknown-column"]
    assert unknown["field"].tolist() == ["extra"]  # reported once, not per row
    assert [s.rows for s in table.sources] == [3, 2]
    assert all(len(s.sha256) == 64 for s in table.sources)


def test_file_without_credit_code_column_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "no_key.csv"
    firms(2).drop(columns="credit_code").to_csv(path, index=False)
    with pytest.raises(DataError, match=r"no_key\.csv"):
        read_table([path])


def test_unsupported_or_missing_files(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("a")
    with pytest.raises(DataError, match="unsupported"):
        read_table([tmp_path / "x.txt"])
    with pytest.raises(DataError, match="no such file"):
        read_table([tmp_path / "absent.csv"])
