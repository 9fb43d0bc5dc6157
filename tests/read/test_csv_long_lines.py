"""A CSV line too long or with too many fields is not read; its issue names the firm by the
credit code written near the line's start, so the firm is never lost without a name."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from cli_setup import RULES
from departments import YEAR, assert_rows_add_up, issues
from test_csv_text import CODES, HEADER, firm, joined, write
from typer.testing import CliRunner

from mujun import read_sources
from mujun.cli import app
from mujun.read import csv_text

LONG = "长" * (csv_text.MAX_LINE_CHARS + 1)
WIDE = ",1" * (csv_text.MAX_FIELDS + 5)  # filled: blank fields at the end do not count

# (how the line is spoiled, what it starts with) → the code its issue names
LINES = {
    "long-name": (lambda c: f"{c},{LONG},园区0,10,1", CODES[1]),
    "quoted-code": (lambda c: f'"{c}","{LONG}",园区0,10,1', CODES[1]),
    "after-a-number": (lambda c: f"2,{c},企业,{LONG}", CODES[1]),
    "lower-case": (lambda c: f"{c.lower()},{LONG}", CODES[1]),
    "too-many-fields": (lambda c: f"{c},企业,园区0,10,1{WIDE}", CODES[1]),
    "no-code": (lambda c: f"无代码,{LONG}", ""),
    "code-too-far-in": (lambda c: f"{'备' * 300},{c},{LONG}", ""),
    "digits-of-a-longer-number": (lambda c: f"12{c[:-1]}0,{LONG}", ""),
}


@pytest.mark.parametrize(("spoil", "named"), LINES.values(), ids=LINES.keys())
def test_a_line_not_read_names_the_code_at_its_start(
    tmp_path: Path, spoil: object, named: str
) -> None:
    lines = joined([HEADER] + [firm(i) for i in range(4)])
    lines[2] = spoil(CODES[1])  # type: ignore[operator]
    table = read_sources([write(tmp_path / "f.csv", lines)], year=YEAR)
    assert table.frame["credit_code"].tolist() == [CODES[0], CODES[2], CODES[3]]
    found = [i for i in issues(table) if i[0] in ("csv-long-line", "csv-too-many-fields")]
    assert [(i[3], i[4]) for i in found] == [(3, named)]
    assert_rows_add_up(table, used=[3], skipped=[1])


def test_the_issues_file_names_the_firm_of_a_line_not_read(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES, encoding="utf-8")
    lines = joined([HEADER] + [firm(i) for i in range(4)])
    lines[2] = f"{CODES[1]},{LONG},园区1,10,11"
    lines[3] += WIDE
    path = write(tmp_path / "f.csv", lines)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["run", "--rules", str(rules), "--data", str(path), "--out", str(out)]
    )
    assert isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 1, result.output  # lines not read are errors: results written
    found = pd.read_csv(out / "issues.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    found = found[found["code"].str.startswith("csv-")]
    assert list(zip(found["code"], found["row"], found["credit_code"], strict=True)) == [
        ("csv-long-line", "3", CODES[1]),
        ("csv-too-many-fields", "4", CODES[2]),
    ]
