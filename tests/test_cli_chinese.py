"""Everything the command line says is Chinese: help pages, usage errors, summaries."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from cli_setup import RULES, english_sentences, invoke, make_files
from rich.console import Console

from mujun._version import mujun_version
from mujun.cli import app
from mujun.issues import issue, issue_table
from mujun.printing import print_issues

Files = dict[str, Path]
COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


@pytest.fixture
def files(tmp_path: Path) -> Files:
    return make_files(tmp_path)


def test_english_sentences_are_found_and_names_are_not() -> None:
    assert english_sentences("Usage: mujun run [OPTIONS]") == ["Usage"]
    assert english_sentences("Error: Missing option '--rules'") == [
        "Missing option",
        "Error",
        "Missing",
    ]
    assert english_sentences("Show this message and exit.") == ["Show this message and exit"]
    assert english_sentences("用法：mujun run [选项]；查看帮助：mujun run --help") == []
    assert english_sentences("--data 数据/*.xlsx，见 results.csv 与 non-positive-land") == []
    assert english_sentences(r"C:\数据\税务 2022.xlsx 不存在") == []


def test_the_app_lists_every_command() -> None:
    assert {"run", "select", "check", "template", "demo", "bench", "version"} <= set(COMMANDS)


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_help_page_is_chinese(command: str | None) -> None:
    rc, text = invoke(*([command] if command else []), "--help")
    assert rc == 0, text
    assert text.startswith(f"用法：mujun {command + ' ' if command else ''}[选项]")
    assert "选项：" in text and "显示本帮助并退出" in text
    assert english_sentences(text) == [], text


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_has_a_chinese_help_text(command: str) -> None:
    group = typer.main.get_command(app)
    for param in group.commands[command].params:  # type: ignore[attr-defined]
        assert param.help and not param.help.isascii(), (command, param.name)
    assert not (group.commands[command].help or "").isascii()  # type: ignore[attr-defined]


def test_version_is_a_root_option_and_a_command() -> None:
    assert invoke("--version") == (0, mujun_version() + "\n")
    assert invoke("version") == (0, mujun_version() + "\n")


def test_no_arguments_shows_the_chinese_help() -> None:
    rc, text = invoke()
    assert rc == 2
    assert text.startswith("用法：mujun [选项] 命令") and "命令：" in text
    assert english_sentences(text) == []


BROKEN = [
    (["run"], 2, "缺少必填选项 --rules（-r）"),
    (["run", "--bogus"], 2, "没有 --bogus 这个选项"),
    (["--bogus"], 2, "没有 --bogus 这个选项"),
    (["rnu"], 2, "没有“rnu”这个命令（是否想用 run？）"),
    (["bench", "--n", "abc"], 2, "--n 的值“abc”无效：须为整数"),
    (["bench", "--repeat", "1.5"], 2, "--repeat 的值“1.5”无效：须为整数"),
    (["run", "-r"], 2, "选项 -r 后面须跟一个值"),
    (["check", "-d"], 2, "选项 -d 后面须跟一个值"),
    (["version", "extra"], 2, "多余的参数：extra"),
    (["bench", "--json=1"], 2, "选项 --json 后面不能跟值"),
]


@pytest.mark.parametrize(("args", "code", "said"), BROKEN)
def test_usage_errors_are_chinese(args: list[str], code: int, said: str) -> None:
    rc, text = invoke(*args)
    assert rc == code, text
    assert said in text
    command = f"{args[0]} " if args[0] in COMMANDS else ""
    assert text.startswith(f"用法：mujun {command}[选项]")  # the usage line of what was given
    assert english_sentences(text) == [], text
    assert "Traceback" not in text


def test_the_usage_line_and_where_help_is_come_with_an_error() -> None:
    _, text = invoke("check", "--bogus")
    assert text.splitlines()[:2] == ["用法：mujun check [选项]", "查看帮助：mujun check --help"]


def broken_inputs(files: Files, tmp: Path) -> list[tuple[list[str | Path], int, str]]:
    rules, data = files["rules"], files["data"]
    bad_rules = tmp / "bad.toml"
    bad_rules.write_text(RULES.replace("weight = 100", "weight = 'x'"), encoding="utf-8")
    empty = tmp / "空文件夹"
    empty.mkdir()
    out = tmp / "out"
    return [
        (["run", "-r", tmp / "无.toml", "-d", data, "-o", out], 2, "文件不存在"),
        (["run", "-r", rules, "-d", tmp / "无.csv", "-o", out], 2, "文件不存在"),
        (["run", "-r", bad_rules, "-d", data, "-o", out], 2, "bad.toml"),
        (["run", "-r", rules, "-d", tmp / "无*.xlsx", "-o", out], 2, "没有与此匹配的数据文件"),
        (["check", "-r", rules, "-d", empty], 2, "文件夹中没有数据文件"),
        (["run", "-r", rules, "-d", data, "-o", out, "--status", "定稿"], 2, "--status 须为"),
        (["run", "-r", rules, "-d", data, "-o", out, "--year", "去年"], 2, "须为整数"),
        (["template", "-r", rules, "-o", data / "t.xlsx"], 2, "t.xlsx"),
        (["template", "-r", rules, "-o", tmp / "采集表.toml"], 2, "须为 .xlsx 工作簿"),
        (["check", "-r", rules, "-d", files["bad"], "--report", tmp / "r.xlsx"], 1, "错误 1 条"),
        (["run", "-r", rules, "-d", tmp / "empty.csv", "-o", out], 1, "empty.csv"),
    ]


def test_broken_inputs_are_said_in_chinese(files: Files, tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    for args, code, said in broken_inputs(files, tmp_path):
        rc, text = invoke(*args)
        assert rc == code, (args, text)
        assert said in " ".join(text.split()), (args, text)
        assert english_sentences(text) == [], (args, text)
        assert "Traceback" not in text


def test_run_says_its_summary_in_chinese(files: Files, tmp_path: Path) -> None:
    out = tmp_path / "out"
    rc, text = invoke("run", "-r", files["rules"], "-d", files["bad"], "-o", out)
    assert rc == 1
    lines = text.splitlines()
    assert lines[0] == "命令行测试：共 4 行 — 参评 3，数据有误 1"  # one firm without land
    # the error: one firm without land; the warning: the rules score a blank tax as 0
    said = f"数据问题：错误 1 条，提示 1 条（见 {out / '问题清单.xlsx'}）"
    assert "".join(said.split()) in "".join(text.split())
    assert english_sentences(text) == []
    for word in ("evaluated", "rejected", "exempt", "deferred"):
        assert word not in text


def issues() -> object:
    return issue_table(
        [
            issue(
                "non-positive-land",
                file="/某处/自然资源局_土地使用情况.xlsx",
                sheet="土地",
                row=7,
                credit_code="91340300000000001T",
                field="land_owned_mu",
                label="用地面积",
            )
        ]
    )


def shown(width: int) -> str:
    console = Console(width=width, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    print_issues(console, issues(), "问题清单.xlsx")  # type: ignore[arg-type]
    return console.export_text()


def test_a_narrow_terminal_shows_the_message_whole_without_field_and_code() -> None:
    text = shown(80)
    rows = [line.split("│") for line in text.splitlines() if line.startswith("│")]
    detail = [r for r in rows if len(r) == 6]  # 问题, 级别, 位置, 信用代码 between the bars
    assert "".join(r[1].strip() for r in detail) == "“用地面积”缺失或不大于0，无法计算亩均指标"
    assert "".join(r[3].strip() for r in detail) == "自然资源局_土地使用情况.xlsx［土地］ 第7行"
    assert detail[0][4].strip() == "91340300000000001T"
    assert "non-positive-land" not in text and "字段" not in text
    assert "错误" in text and "error" not in text


def test_a_wide_terminal_adds_the_field_label_and_the_code() -> None:
    text = shown(140)
    assert "non-positive-land" in text
    assert "自有用地面积" in text or "用地面积" in text
    assert "land_owned_mu" not in text  # the field's label, never its code


def test_the_command_list_says_what_each_command_does() -> None:
    rc, text = invoke("--help")
    assert rc == 0
    listed = dict(
        line.split(maxsplit=1) for line in text.split("命令：")[1].splitlines() if line[:2] == "  "
    )
    assert set(listed) == set(COMMANDS)
    assert all(not summary.isascii() for summary in listed.values()), listed
    assert "字段" in listed["fields"] and "版本" not in listed["fields"]
    assert "版本" in listed["version"]
    assert len(set(listed.values())) == len(listed)  # no two commands share one description
