"""Paths a user gives: an input that is not a regular file (FIFO, device, socket, folder) is
refused before it is opened, and an output that cannot be written is a Chinese message naming
it — never a hang, never a traceback."""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

import pytest
from cli_setup import invoke, make_files

import mujun.export.runfolder as runfolder
from mujun.inputs import input_problem

Files = dict[str, Path]
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture
def files(tmp_path: Path) -> Files:
    return make_files(tmp_path)


def fifo(tmp_path: Path, name: str = "管道.csv") -> Path:
    path = tmp_path / name
    os.mkfifo(path)
    return path


def assert_refused(rc: int, text: str, path: Path, code: int) -> None:
    assert rc == code, text
    assert str(path) in " ".join(text.split()).replace(" ", "") or path.name in text
    assert "Traceback" not in text
    assert "错误" in text


@pytest.mark.parametrize("option", ["--data", "--rules", "--corrections"])
def test_a_fifo_given_as_any_input_is_refused_unopened(
    files: Files, tmp_path: Path, option: str
) -> None:
    pipe = fifo(tmp_path)
    given = {"--rules": files["rules"], "--data": files["data"], option: pipe}
    args = ["run", "-o", tmp_path / "out", *(x for kv in given.items() for x in kv)]
    rc, text = invoke(*args)  # opening the FIFO would block here for ever
    assert_refused(rc, text, pipe, 2)
    assert "FIFO" in text
    assert not (tmp_path / "out").exists()


def test_a_fifo_as_the_commissioners_list_is_refused(files: Files, tmp_path: Path) -> None:
    pipe = fifo(tmp_path, "专员.xlsx")
    rc, text = invoke(
        "select", "-r", files["rules"], "-d", files["data"], "--commissioners", pipe,
        "-o", tmp_path / "out",
    )  # fmt: skip
    assert_refused(rc, text, pipe, 2)


@pytest.mark.parametrize("command", ["check", "template"])
def test_a_fifo_as_rules_of_other_commands(files: Files, tmp_path: Path, command: str) -> None:
    pipe = fifo(tmp_path, "rules.toml.fifo")
    extra = ["-d", files["data"]] if command == "check" else ["-o", tmp_path / "t.xlsx"]
    rc, text = invoke(command, "-r", pipe, *extra)
    assert_refused(rc, text, pipe, 2)


def test_a_link_to_a_fifo_is_refused(files: Files, tmp_path: Path) -> None:
    link = tmp_path / "link.csv"
    link.symlink_to(fifo(tmp_path))
    rc, text = invoke("run", "-r", files["rules"], "-d", link, "-o", tmp_path / "out")
    assert_refused(rc, text, link, 2)


def test_a_folder_given_as_a_file_is_refused(files: Files, tmp_path: Path) -> None:
    folder = tmp_path / "部门数据"
    folder.mkdir()
    rc, text = invoke(
        "run", "-r", files["rules"], "-d", files["data"], "-d", folder, "-o", tmp_path / "o"
    )
    assert_refused(rc, text, folder, 2)
    assert "文件夹" in text


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_a_device_is_refused(files: Files, tmp_path: Path) -> None:
    rc, text = invoke("run", "-r", "/dev/zero", "-d", files["data"], "-o", tmp_path / "o")
    assert_refused(rc, text, Path("/dev/zero"), 2)
    assert "设备" in text


def test_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(path))
    except OSError:
        pytest.skip("the path is too long for a unix socket here")
    try:
        problem = input_problem(path, "--data")
    finally:
        sock.close()
    assert problem is not None and "套接字" in problem and str(path) in problem


def test_every_bad_input_is_named_at_once(files: Files, tmp_path: Path) -> None:
    missing, folder = tmp_path / "无此文件.csv", tmp_path / "dir"
    folder.mkdir()
    pipe = fifo(tmp_path)
    rc, text = invoke(
        "run", "-r", files["rules"], "-d", missing, "-d", folder, "-d", pipe, "-o", tmp_path / "o"
    )
    assert rc == 2
    for path in (missing, folder, pipe):
        assert path.name in text


# ---- outputs that cannot be written ------------------------------------------------------------


def test_out_naming_an_existing_file_is_refused_and_kept(files: Files, tmp_path: Path) -> None:
    plain = tmp_path / "out.xlsx"
    plain.write_bytes(b"someone's workbook")
    rc, text = invoke("run", "-r", files["rules"], "-d", files["data"], "-o", plain)
    assert_refused(rc, text, plain, 1)
    assert plain.read_bytes() == b"someone's workbook"


def test_out_below_a_regular_file_is_refused(files: Files, tmp_path: Path) -> None:
    plain = tmp_path / "a.txt"
    plain.write_text("x")
    rc, text = invoke("run", "-r", files["rules"], "-d", files["data"], "-o", plain / "sub" / "o")
    assert rc == 1 and "a.txt" in text and "Traceback" not in text


@pytest.mark.parametrize("out", ["/", "."])
def test_out_that_is_no_folder_name(files: Files, out: str) -> None:
    rc, text = invoke("run", "-r", files["rules"], "-d", files["data"], "-o", out)
    assert rc == 1 and "Traceback" not in text


@pytest.mark.skipif(AS_ROOT, reason="root writes into read-only folders")
def test_out_in_a_read_only_folder(files: Files, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        for out in (locked / "out", locked / "new" / "out"):
            rc, text = invoke("run", "-r", files["rules"], "-d", files["data"], "-o", out)
            assert_refused(rc, text, out, 1)
            assert "没有权限" in text
        report = locked / "问题清单.xlsx"
        rc, text = invoke("check", "-r", files["rules"], "-d", files["data"], "--report", report)
        assert_refused(rc, text, report, 2)
        rc, text = invoke("template", "-r", files["rules"], "-o", locked / "t.xlsx")
        assert_refused(rc, text, locked / "t.xlsx", 2)
    finally:
        locked.chmod(0o755)


@pytest.mark.parametrize(
    ("code", "said"), [(errno.EROFS, "只读"), (errno.EACCES, "没有权限"), (errno.EDQUOT, "配额")]
)
def test_out_on_a_read_only_file_system(
    files: Files, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, said: str
) -> None:
    """Read-only mounts and locked folders need privileges to make (or to be refused, for
    root): the system's refusal is imitated where mujun asks for it first."""

    def refuse(*_args: object, **_kwargs: object) -> str:
        raise OSError(code, os.strerror(code), str(tmp_path))

    monkeypatch.setattr(runfolder.tempfile, "mkdtemp", refuse)
    monkeypatch.setattr(runfolder.tempfile, "mkstemp", refuse)
    out = tmp_path / "out"
    rc, text = invoke("run", "-r", files["rules"], "-d", files["data"], "-o", out)
    assert_refused(rc, text, out, 1)
    assert said in text
    report = tmp_path / "r.xlsx"
    rc, text = invoke("check", "-r", files["rules"], "-d", files["data"], "--report", report)
    assert_refused(rc, text, report, 2)
    assert said in text


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES, errno.EIO])
def test_a_write_failing_midway_keeps_the_earlier_run(
    files: Files, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    out = tmp_path / "out"
    assert invoke("run", "-r", files["rules"], "-d", files["data"], "-o", out)[0] == 0
    before = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def full(*_args: object) -> None:
        raise OSError(code, os.strerror(code), "results.parquet")

    monkeypatch.setattr("mujun.export.folder.write_parquet", full)
    rc, text = invoke("run", "-r", files["rules"], "-d", files["bad"], "-o", out)
    assert rc == 1 and "Traceback" not in text
    assert str(out) in " ".join(text.split()).replace(" ", "")
    assert {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_template_or_report_path_that_is_a_folder(files: Files, tmp_path: Path) -> None:
    folder = tmp_path / "t.xlsx"
    folder.mkdir()
    rc, text = invoke("template", "-r", files["rules"], "-o", folder)
    assert_refused(rc, text, folder, 2)
    rc, text = invoke("check", "-r", files["rules"], "-d", files["data"], "--report", folder)
    assert_refused(rc, text, folder, 2)


def test_a_report_or_template_path_that_is_a_fifo_is_not_opened(
    files: Files, tmp_path: Path
) -> None:
    pipe = fifo(tmp_path, "问题清单.xlsx")
    rc, text = invoke("check", "-r", files["rules"], "-d", files["data"], "--report", pipe)
    assert_refused(rc, text, pipe, 2)
    rc, text = invoke("template", "-r", files["rules"], "-o", pipe)
    assert_refused(rc, text, pipe, 2)
    rc, text = invoke("demo", "-o", pipe)
    assert_refused(rc, text, pipe, 1)
