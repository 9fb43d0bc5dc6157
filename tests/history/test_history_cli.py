"""mujun run --archive, mujun archive add and mujun history on the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from cli_setup import RULES, code, english_sentences, invoke

from mujun.errors import ArchiveError
from mujun.history import Archive


def year_files(tmp_path: Path, year: int, taxes: list[float]) -> tuple[Path, Path]:
    """Rules of `year` and one data file: firm i pays taxes[i] on 10 mu."""
    rules = tmp_path / f"rules{year}.toml"
    rules.write_text(RULES.replace("year = 2022", f"year = {year}"), encoding="utf-8")
    data = tmp_path / f"firms{year}.csv"
    pd.DataFrame(
        {
            "credit_code": [code(i) for i in range(len(taxes))],
            "year": year,
            "name": [f"企业{i}" for i in range(len(taxes))],
            "land_owned_mu": 10.0,
            "tax_paid": taxes,
        }
    ).to_csv(data, index=False)
    return rules, data


def test_run_archive_history_and_add(tmp_path: Path) -> None:
    db = tmp_path / "档案库.sqlite"
    runs = {}
    for year, taxes in ((2021, [100.0, 90, 10, 5]), (2022, [100.0, 5, 90, 10, 50])):
        rules, data = year_files(tmp_path, year, taxes)
        out = tmp_path / f"out{year}"
        exit_code, output = invoke(
            "run", "--rules", rules, "--data", data, "--out", out, "--archive", db
        )
        assert exit_code == 0, output
        assert "已记入档案库" in output
        runs[year] = out
    assert len(Archive(db).runs()) == 2
    exit_code, output = invoke("history", "--archive", db, "--json")
    assert exit_code == 0, output
    found = json.loads(output)
    # firms 0–3 are evaluated in both years, firm 4 only in 2022; firm 0 pays the most
    # tax per mu both years, so it is A twice
    matrix = found["migration"]["all"]["2021→2022"]
    assert sum(n for row in matrix.values() for n in row.values()) == 4
    assert found["new"]["all"]["2021→2022"] == [code(4)]
    assert found["consecutive"][code(0)] == {"tier": "A", "years": 2, "year": 2022}
    exit_code, output = invoke("history", "--archive", db)
    assert exit_code == 0 and "类别迁移" in output and "连续" in output
    book = next(runs[2022].glob("亩均效益评价结果_*.xlsx"))
    wb = openpyxl.load_workbook(book, read_only=True)
    assert "历年类别" in wb.sheetnames and "类别迁移" in wb.sheetnames
    rows = [[c for c in r if c is not None] for r in wb["历年类别"].iter_rows(values_only=True)]
    firm0 = next(r for r in rows if code(0) in r)
    assert firm0[-4:] == ["A", "A", "A", 2]  # 2021, 2022, latest tier, years in a row
    firm4 = next(r for r in rows if code(4) in r)
    assert firm4[-4] == "—"  # not evaluated (not archived) in 2021
    matrix = [
        r for r in wb["类别迁移"].iter_rows(values_only=True) if len(r) > 1 and r[1] == "2021→2022"
    ]
    assert sum(r[-1] for r in matrix) == 4  # 合计: the firms evaluated in both years
    exit_code, output = invoke("archive", "add", runs[2021], runs[2022], "--archive", db)
    assert exit_code == 0 and output.count("未重复加入") == 2
    assert len(Archive(db).runs()) == 2


def test_archive_errors_exit_without_traceback(tmp_path: Path) -> None:
    exit_code, output = invoke("history", "--archive", "nosuch+driver://x/y")
    assert exit_code == 2 and "档案库" in output and "Traceback" not in output
    exit_code, output = invoke(
        "history", "--archive", "postgresql+psycopg://u@127.0.0.1:1/x?connect_timeout=2"
    )
    assert exit_code == 1 and "无法连接数据库服务器" in output and "Traceback" not in output
    assert english_sentences(output) == [], output  # no driver English
    # a read-only command creates nothing: a missing file is an error, and stays missing
    exit_code, output = invoke("history", "--archive", tmp_path / "empty.db")
    assert exit_code == 2 and "档案库文件不存在" in output
    assert not (tmp_path / "empty.db").exists()
    text = tmp_path / "notes.sqlite"
    text.write_text("这不是数据库", encoding="utf-8")
    exit_code, output = invoke("history", "--archive", text)
    assert exit_code == 2 and "不是 SQLite 数据库文件" in output
    assert english_sentences(output) == [], output
    Archive(tmp_path / "fresh.db").runs()  # made by a command that writes
    exit_code, output = invoke("history", "--archive", tmp_path / "fresh.db")
    assert exit_code == 1 and "还没有任何评价记录" in output
    exit_code, output = invoke("archive", "add", tmp_path, "--archive", tmp_path / "a.db")
    assert exit_code == 2 and "manifest.json" in output  # a folder that is no run: arguments


def one_run(tmp_path: Path) -> Path:
    rules, data = year_files(tmp_path, 2022, [100.0, 5, 90, 10])
    out = tmp_path / "out2022"
    exit_code, output = invoke("run", "--rules", rules, "--data", data, "--out", out)
    assert exit_code == 0, output
    return out


def test_archive_add_of_no_run_folder_exits_2_in_chinese(tmp_path: Path) -> None:
    run = one_run(tmp_path)
    db = tmp_path / "a.db"
    broken = tmp_path / "broken"
    shutil.copytree(run, broken)
    (broken / "manifest.json").write_text('{"rules": {"region": ', encoding="utf-8")
    foreign = tmp_path / "foreign"
    shutil.copytree(run, foreign)
    (foreign / "manifest.json").write_text('{"name": "别的程序"}', encoding="utf-8")
    latin = tmp_path / "latin"
    shutil.copytree(run, latin)
    (latin / "manifest.json").write_bytes(b'{"rules": "\xff\xfe"}')
    for folder, said in (
        (broken, "manifest.json 不是有效的 JSON（第 1 行第 22 列）"),  # the end of the text
        (foreign, "不是 mujun 的运行记录"),
        (latin, "不是 UTF-8 文本"),
        (tmp_path / "nowhere", "不是文件夹"),
    ):
        exit_code, output = invoke("archive", "add", folder, "--archive", db)
        assert exit_code == 2, output
        assert said in output.replace("\n", "")
        assert "Traceback" not in output and "Expecting" not in output
        assert english_sentences(output) == [], output
    assert len(Archive(db).runs()) == 0
    # a good folder with a bad one: the good one is added, the command still exits 2
    exit_code, output = invoke("archive", "add", run, broken, "--archive", db)
    assert exit_code == 2 and "已加入档案库" in output.replace("\n", "")
    assert len(Archive(db).runs()) == 1


def test_archive_add_that_cannot_write_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = one_run(tmp_path)

    def refuse(self: Archive, record: object) -> int:
        raise ArchiveError("无法写入档案库：磁盘已满")

    monkeypatch.setattr(Archive, "_store", refuse)
    exit_code, output = invoke("archive", "add", run, "--archive", tmp_path / "a.db")
    assert exit_code == 1 and "磁盘已满" in output


def test_help_is_chinese() -> None:
    for args in (("archive", "--help"), ("archive", "add", "--help"), ("history", "--help")):
        exit_code, output = invoke(*args)
        assert exit_code == 0, output
        text = output.replace("archive add", "").replace("archive", "").replace("history", "")
        assert not english_sentences(text), (args, english_sentences(text))
