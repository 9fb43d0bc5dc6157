"""CSV text in UTF-16 or UTF-32 (Excel's 'Unicode text'), whole or broken: decoded as its byte
order mark (or, for UTF-16 without one, its NUL bytes) says. A last byte cut off or a unit that
does not decode damages only its own line, which is reported; the other lines are read."""

from __future__ import annotations

import codecs
from pathlib import Path

import pandas as pd
import pytest
from cli_setup import RULES
from departments import YEAR, assert_rows_add_up
from test_csv_text import CODES, HEADER, firm, joined
from typer.testing import CliRunner

from mujun import DataError, read_sources
from mujun.cli import app

MARKS = {
    "utf-16-le": codecs.BOM_UTF16_LE,
    "utf-16-be": codecs.BOM_UTF16_BE,
    "utf-32-le": codecs.BOM_UTF32_LE,
    "utf-32-be": codecs.BOM_UTF32_BE,
}
FIRMS = 6
DAMAGED = {"undecodable-text", "non-numeric-value", "missing-credit-code"}


def wide(path: Path, encoding: str, *, mark: bool = True, end: str = "\r\n", cut: int = 0) -> Path:
    """The firms' CSV in `encoding`, with its byte order mark or without, its last `cut` bytes
    cut off (a copy or download broken off)."""
    text = end.join(joined([HEADER] + [firm(i) for i in range(FIRMS)])) + end
    data = (MARKS[encoding] if mark else b"") + text.encode(encoding)
    path.write_bytes(data[: len(data) - cut])
    return path


def damaged_lines(table: object) -> set[int]:
    found = table.issues  # type: ignore[attr-defined]
    return set(found.loc[found["code"].isin(DAMAGED), "row"].astype(int))


CASES = [
    ("utf-16-le", True, 1),
    ("utf-16-be", True, 1),
    ("utf-16-le", False, 1),
    ("utf-16-be", False, 1),
    ("utf-32-le", True, 1),
    ("utf-32-le", True, 3),
    ("utf-32-be", True, 2),
]


@pytest.mark.parametrize("end", ["\r\n", "\n"], ids=["crlf", "lf"])
@pytest.mark.parametrize(("encoding", "mark", "cut"), CASES)
def test_a_file_cut_short_loses_only_its_last_line(
    tmp_path: Path, encoding: str, mark: bool, cut: int, end: str
) -> None:
    path = wide(tmp_path / "截断.csv", encoding, mark=mark, end=end, cut=cut)
    table = read_sources([path], year=YEAR)
    codes = table.frame["credit_code"].tolist()
    assert codes[: FIRMS - 1] == CODES[: FIRMS - 1]
    assert table.frame["tax_paid"].tolist()[: FIRMS - 1] == [10.0 + i for i in range(FIRMS - 1)]
    assert table.frame["name"].tolist()[: FIRMS - 1] == [f"企业{i}有限公司" for i in range(5)]
    last = FIRMS + 1  # the last firm's line: its line end or its last value was cut
    assert damaged_lines(table) <= {last, last + 1} and damaged_lines(table)
    text = table.frame[["credit_code", "name", "park"]].fillna("").to_numpy(dtype=str).ravel()
    assert not any("\ufffd" in v for v in text)  # no code, name or park of undecodable text


@pytest.mark.parametrize(("encoding", "mark"), [(e, True) for e in MARKS] + [("utf-16-le", False)])
def test_a_whole_wide_file_is_read_without_a_word(
    tmp_path: Path, encoding: str, mark: bool
) -> None:
    table = read_sources([wide(tmp_path / "完整.csv", encoding, mark=mark)], year=YEAR)
    assert table.frame["credit_code"].tolist() == CODES[:FIRMS]
    assert table.issues.empty
    assert_rows_add_up(table, used=[FIRMS], skipped=[0])


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_half_a_surrogate_pair_damages_only_its_cell(tmp_path: Path, encoding: str) -> None:
    path = wide(tmp_path / "代理对.csv", encoding)
    data = path.read_bytes()
    name = "企业2有限公司".encode(encoding)
    lone = "\ud800".encode(encoding, "surrogatepass")
    path.write_bytes(data.replace(name, lone + name[2:]))
    table = read_sources([path], year=YEAR)
    assert table.frame["credit_code"].tolist() == CODES[:FIRMS]
    assert table.frame["tax_paid"].tolist() == [10.0 + i for i in range(FIRMS)]
    found = table.issues
    damaged = found[found["code"] == "undecodable-text"]
    assert list(zip(damaged["row"], damaged["field"], strict=True)) == [(4, "name")]
    assert damaged["credit_code"].tolist() == [CODES[2]]


def test_a_wide_file_mostly_undecodable_is_refused_in_chinese(tmp_path: Path) -> None:
    lone = "\udc00".encode("utf-16-le", "surrogatepass")
    path = tmp_path / "坏.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + (lone * 5 + "a,b\r\n".encode("utf-16-le")) * 20)
    with pytest.raises(DataError, match=r"坏\.csv：.*UTF-16.*无法读取"):
        read_sources([path], year=YEAR)


def test_the_command_line_reads_a_cut_utf16_file(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES, encoding="utf-8")
    path = wide(tmp_path / "截断.csv", "utf-16-le", end="\n", cut=1)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["run", "--rules", str(rules), "--data", str(path), "--out", str(out)]
    )
    assert isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 1, result.output  # the damaged value is an error: results written
    assert "NUL" not in result.output
    results = pd.read_csv(out / "results.csv", encoding="utf-8-sig", dtype=str)
    assert sorted(results["credit_code"]) == sorted(CODES[:FIRMS])
    found = pd.read_csv(out / "issues.csv", encoding="utf-8-sig", dtype=str)
    assert (found["row"] == str(FIRMS + 1)).any()
