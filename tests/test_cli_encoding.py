"""A console that cannot show Chinese (ascii, cp437): every command still runs to its own exit
code, prints escapes instead of crashing, and says once, in ASCII, why."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_setup import make_files

from mujun._version import mujun_version
from mujun.console import NOTICE

ROOT = Path(__file__).resolve().parents[1]


def mujun(*args: str | Path, encoding: str) -> subprocess.CompletedProcess[bytes]:
    env = {
        **os.environ,
        "PYTHONIOENCODING": encoding,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "PYTHONUTF8": "0",
    }
    return subprocess.run(
        [sys.executable, "-m", "mujun", *map(str, args)],
        capture_output=True,
        env=env,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_files(tmp_path_factory.mktemp("encoding"))


def cases(files: dict[str, Path], tmp: Path) -> list[tuple[list[str | Path], int, str]]:
    rules, data, bad = files["rules"], files["data"], files["bad"]
    return [
        (["--help"], 0, "用法：mujun [选项]"),
        (["run", "--help"], 0, "显示本帮助并退出"),
        (["run", "-r", rules, "-d", data, "-o", tmp / "好"], 0, "结果已写入"),
        (["check", "-r", rules, "-d", bad, "--report", tmp / "问题.xlsx"], 1, "问题清单已写入"),
        (["run", "-r", rules, "-d", tmp / "无此文件.csv", "-o", tmp / "o"], 2, "文件不存在"),
        (["run", "--bogus"], 2, "没有 --bogus 这个选项"),
        (["run", "-r", rules, "-d", tmp / "无*.csv", "-o", tmp / "o"], 2, "没有与此匹配的数据文件"),
    ]


QUICK = {0, 3, 4}  # help, a data error, a missing file: the rest run with the slow tests


@pytest.mark.parametrize(
    ("encoding", "which"),
    [
        ("ascii", QUICK),
        pytest.param("ascii", None, marks=pytest.mark.slow),
        pytest.param("cp437", None, marks=pytest.mark.slow),
    ],
)
def test_a_console_without_chinese_gets_escapes_not_a_crash(
    files: dict[str, Path], tmp_path: Path, encoding: str, which: set[int] | None
) -> None:
    every = cases(files, tmp_path)
    for args, code, said in (c for i, c in enumerate(every) if which is None or i in which):
        done = mujun(*args, encoding=encoding)
        out, err = done.stdout.decode(encoding), done.stderr.decode(encoding)
        assert done.returncode == code, (args, out, err)
        assert "Traceback" not in out + err and "UnicodeEncodeError" not in out + err, args
        assert err.startswith(NOTICE.format(encoding=encoding)), (args, err)
        assert err.count("cannot show Chinese") == 1
        shown = (out + err).encode(encoding).decode("unicode_escape")  # the escapes, read back
        assert said in shown, (args, shown)
        assert "意外的内部错误" not in shown, args


def test_version_needs_no_chinese_and_a_utf8_console_gets_no_notice() -> None:
    done = mujun("--version", encoding="ascii")
    assert done.returncode == 0 and done.stdout.decode() == mujun_version() + "\n"
    utf8 = mujun("--help", encoding="utf-8")
    assert utf8.returncode == 0
    assert utf8.stderr == b"" and "用法：mujun" in utf8.stdout.decode("utf-8")
