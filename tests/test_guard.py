"""No traceback ever: an unexpected failure anywhere is one Chinese line naming the file being
worked on and an error log holding the traceback; Ctrl+C exits 130; no memory says why."""

from __future__ import annotations

import sys
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from cli_setup import invoke, make_files

import mujun.cli as cli
import mujun.clirun as clirun
import mujun.guard as guard
import mujun.read as read
from mujun.export.runfolder import ERROR_LOG_HEADER, ERROR_LOG_PREFIX

Files = dict[str, Path]
SECRET = "税额 123456.78 [/] [bold]"  # a confidential figure and rich markup in the message


@pytest.fixture
def files(tmp_path: Path) -> Files:
    return make_files(tmp_path)


def boom(*_args: object, **_kwargs: object) -> None:
    raise ValueError(SECRET)


def logs(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{ERROR_LOG_PREFIX}*.log"))


def one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    return lines[0]


def test_an_unexpected_error_in_the_engine_is_one_line_and_a_log_in_the_run_folder(
    files: Files, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clirun, "evaluate", boom)
    out = tmp_path / "out"
    rc, text = invoke("run", "-r", files["rules"], "-d", files["data"], "-o", out)
    assert rc == 1
    line = one_line(text)
    assert "Traceback" not in text
    assert "意外的内部错误" in line and "ValueError" in line
    assert "123456" not in text  # the message may hold figures: only the log has it
    (log,) = logs(out)
    assert str(log) in line
    body = log.read_bytes()
    assert body.startswith(ERROR_LOG_HEADER)
    assert b"Traceback" in body and SECRET.encode() in body and b"boom" in body
    monkeypatch.undo()
    rc, text = invoke("run", "-r", files["rules"], "-d", files["data"], "-o", out)
    assert rc == 0, text  # the log does not block the next run, and is kept in it
    assert logs(out) == [log]


def test_the_file_being_read_is_named(
    files: Files, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    second = tmp_path / "第二个.csv"
    second.write_bytes(files["data"].read_bytes())
    real = read.read_typed

    def read_typed(path: Path, year: int | None) -> object:
        if path.name == second.name:
            raise KeyError("column")
        return real(path, year)

    monkeypatch.setattr(read, "read_typed", read_typed)
    rc, text = invoke(
        "run", "-r", files["rules"], "-d", files["data"], "-d", second, "-o", tmp_path / "o"
    )
    assert rc == 1
    line = one_line(text)
    assert str(second) in line and "读取数据文件" in line and "KeyError" in line
    assert files["data"].name not in line


def test_the_rules_file_is_named(
    files: Files, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clirun, "load_rules", boom)
    rc, text = invoke("run", "-r", files["rules"], "-d", files["data"], "-o", tmp_path / "o")
    assert rc == 1
    assert str(files["rules"]) in one_line(text)


def test_without_a_run_folder_the_log_is_a_private_temporary_file(
    files: Files, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setattr(clirun, "evaluate", boom)
    rc, text = invoke("check", "-r", files["rules"], "-d", files["data"])
    assert rc == 1
    (log,) = logs(temp)
    assert str(log) in one_line(text)
    assert log.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert SECRET.encode() in log.read_bytes()


def test_a_run_folder_that_cannot_take_the_log_sends_it_to_the_temporary_folder(
    files: Files, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    out = tmp_path / "out"

    def fail_late(*_args: object, **_kwargs: object) -> None:
        out.write_text("now a file")  # the run folder's place is taken meanwhile
        raise RuntimeError("late")

    monkeypatch.setattr(clirun, "evaluate", fail_late)
    rc, text = invoke("run", "-r", files["rules"], "-d", files["data"], "-o", out)
    assert rc == 1
    (log,) = logs(temp)
    assert str(log) in one_line(text)
    assert out.read_text() == "now a file"


def test_keyboard_interrupt_is_one_line_and_exit_130(
    files: Files, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(clirun, "evaluate", interrupt)
    out = tmp_path / "out"
    rc, text = invoke("run", "-r", files["rules"], "-d", files["data"], "-o", out)
    assert rc == 130
    assert "中断" in one_line(text)
    assert not out.exists()


def test_interrupted_while_writing_leaves_no_temporary_folder(
    files: Files, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("mujun.export.folder.write_parquet", interrupt)
    rc, text = invoke("run", "-r", files["rules"], "-d", files["data"], "-o", tmp_path / "out")
    assert rc == 130 and "Traceback" not in text
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_memory_error_says_the_input_is_too_large(
    files: Files, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_memory(*_args: object, **_kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(read, "merge", no_memory)
    rc, text = invoke("run", "-r", files["rules"], "-d", files["data"], "-o", tmp_path / "o")
    assert rc == 1
    line = one_line(text)
    assert "内存不足" in line and "过大" in line


@pytest.mark.parametrize(
    ("command", "target"),
    [
        ("check", "mujun.cli.write_issues_workbook"),
        ("template", "mujun.cli.write_template"),
        ("select", "mujun.clirun.select_key_firms"),
        ("version", "mujun.cli.mujun_version"),
    ],
)
def test_every_command_is_guarded(
    files: Files, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str, target: str
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(target, boom)
    args = {
        "check": ["-r", files["rules"], "-d", files["data"], "--report", tmp_path / "r.xlsx"],
        "template": ["-r", files["rules"], "-o", tmp_path / "t.xlsx"],
        "select": ["-r", files["rules"], "-d", files["data"], "-o", tmp_path / "s"],
        "version": [],
    }[command]
    rc, text = invoke(command, *args)
    assert rc == 1
    assert "Traceback" not in text
    assert "意外的内部错误" in text and "ValueError" in text


def test_all_commands_are_wrapped() -> None:
    for command in cli.app.registered_commands:
        assert command.callback is not None
        assert command.callback.__code__.co_name == "guarded_command", command.callback


def test_paths_with_markup_are_printed_as_they_are(files: Files, tmp_path: Path) -> None:
    out = tmp_path / "结果[/][bold]"
    rc, text = invoke("run", "-r", files["rules"], "-d", files["data"], "-o", out)
    assert rc == 0, text
    flat = text.replace("\n", "")  # a long temporary path may be wrapped at the console's width
    assert "[/][bold]" in flat
    missing = tmp_path / "[red]无此文件[/].csv"
    rc, text = invoke("run", "-r", files["rules"], "-d", missing, "-o", out)
    assert rc == 2 and "[red]无此文件[/].csv" in text.replace("\n", "")


def test_main_catches_what_escapes_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def broken(*_args: object, **_kwargs: object) -> None:
        raise TypeError("inside the parser")

    monkeypatch.setattr(cli, "app", broken)
    monkeypatch.setattr(sys, "argv", ["mujun", "version"])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "意外的内部错误" in err and "Traceback" not in err
    assert len(logs(tmp_path)) == 1


def overflowing(real: Any) -> Any:
    """`real` (evaluate) after numpy's overflow warning, once in this thread and once in a
    worker thread, as a library's sums would issue them."""

    def run(*args: Any, **kwargs: Any) -> Any:
        np.float64(1e308) * np.float64(10)  # RuntimeWarning: overflow encountered
        with ThreadPoolExecutor(1) as pool:
            pool.submit(lambda: np.exp(np.array([1000.0]))).result()
        return real(*args, **kwargs)

    return run


@pytest.mark.filterwarnings("default")
def test_library_warnings_go_to_the_run_folders_log_not_to_the_console(
    files: Files, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clirun, "evaluate", overflowing(clirun.evaluate))
    out = tmp_path / "out"
    rc, text = invoke("run", "-r", files["rules"], "-d", files["data"], "-o", out)
    assert rc == 0, text
    for english in ("RuntimeWarning", "overflow", "Warning", "site-packages", ".py:"):
        assert english not in text
    (log,) = logs(out)
    line = next(line for line in text.splitlines() if "程序内部警告" in line)
    assert "2条" in line and str(log) in line
    body = log.read_text(encoding="utf-8")
    assert "RuntimeWarning: overflow encountered" in body and "warnings: 2" in body
    monkeypatch.undo()
    rc, text = invoke("run", "-r", files["rules"], "-d", files["data"], "-o", out)
    assert rc == 0, text  # the log does not block the next run, and is kept in it
    assert "程序内部警告" not in text and logs(out) == [log]


@pytest.mark.filterwarnings("default")
def test_library_warnings_without_a_run_folder_go_to_a_private_temporary_log(
    files: Files, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setattr(clirun, "evaluate", overflowing(clirun.evaluate))
    rc, text = invoke("check", "-r", files["rules"], "-d", files["data"])
    assert rc == 0, text
    assert "RuntimeWarning" not in text and "overflow" not in text
    (log,) = logs(temp)
    assert str(log) in text
    assert log.stat().st_mode & 0o077 == 0
    assert b"RuntimeWarning" in log.read_bytes()


@pytest.mark.filterwarnings("default")
def test_warnings_logged_are_bounded(
    files: Files, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = clirun.evaluate

    def noisy(*args: Any, **kwargs: Any) -> Any:
        for i in range(guard.WARNINGS_LOGGED + 50):  # distinct messages: none is deduplicated
            warnings.warn(f"warning {i}", UserWarning, stacklevel=1)
        return real(*args, **kwargs)

    monkeypatch.setattr(clirun, "evaluate", noisy)
    out = tmp_path / "out"
    rc, text = invoke("run", "-r", files["rules"], "-d", files["data"], "-o", out)
    assert rc == 0 and "UserWarning" not in text
    assert f"{guard.WARNINGS_LOGGED + 50}条" in text
    body = logs(out)[0].read_text(encoding="utf-8")
    assert body.count(": UserWarning: warning") == guard.WARNINGS_LOGGED
