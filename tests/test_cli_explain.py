"""`mujun explain DIR CODE`: the JSON object, the Chinese table, the 告知书 and the exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from conftest import RULES_TEXT, credit_code
from typer.testing import CliRunner

import mujun
from mujun.cli import app
from tests.engine.test_explain import _county


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    ev = mujun.evaluate(_county(), mujun.parse_rules(RULES_TEXT))
    return mujun.write_run(ev, tmp_path / "run", workbooks=False)


def test_json(run_dir: Path) -> None:
    done = CliRunner().invoke(app, ["explain", str(run_dir), credit_code(0), "--json"])
    assert done.exit_code == 0, done.output
    got = json.loads(done.stdout)
    # 企业0: 20 / 5 亩 → 80 points, C; B at 100 points: tax 25
    assert (got["tier"], got["next_tier"], got["line"]) == ("C", "B", 100.0)
    tax = next(c for c in got["changes"] if c["field"] == "tax_paid")
    assert tax["reachable"] and tax["needed"] == pytest.approx(25.0, abs=0.01)


def test_table_and_notice(run_dir: Path, tmp_path: Path) -> None:
    notice = tmp_path / "告知书.xlsx"
    args = ["explain", str(run_dir), credit_code(0), "--notice", str(notice)]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    assert "亩均税收" in done.stdout and "升入 B 档的分数线" in done.stdout
    book = openpyxl.load_workbook(notice)
    ws = book.worksheets[0]
    assert ws.page_setup.orientation == "portrait" and int(ws.page_setup.paperSize) == 9  # A4
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "告知书" in text and "实缴税金" in text and "25" in text


def test_unknown_code_exits_2(run_dir: Path) -> None:
    done = CliRunner().invoke(app, ["explain", str(run_dir), "91000000000000000X"])
    assert done.exit_code == 2
    assert "没有统一社会信用代码" in done.output


def test_not_a_run_folder_exits_2(tmp_path: Path) -> None:
    done = CliRunner().invoke(app, ["explain", str(tmp_path), credit_code(0)])
    assert done.exit_code == 2
    assert "不是 mujun run 写出的结果文件夹" in done.output
