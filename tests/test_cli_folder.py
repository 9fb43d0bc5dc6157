"""The output folder: an earlier run is replaced only file for file as its manifest records it,
a user's file anywhere is never deleted, and an interrupted swap is repaired on the next start."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from cli_setup import invoke, make_files

from mujun.errors import ExportError
from mujun.export import runfolder
from mujun.export.runfolder import MANIFEST_MAX_BYTES, check_replaceable, recover

Files = dict[str, Path]


def run(files: Files, out: Path) -> tuple[int, str]:
    return invoke("run", "-r", files["rules"], "-d", files["data"], "-o", out)


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def hidden(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


@pytest.fixture
def files(tmp_path: Path) -> Files:
    return make_files(tmp_path)


@pytest.fixture
def earlier(files: Files, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    rc, text = run(files, out)
    assert rc == 0, text
    return out


def test_manifest_records_the_sha256_of_every_other_file(earlier: Path) -> None:
    manifest = json.loads((earlier / "manifest.json").read_text(encoding="utf-8"))
    written = {k: v for k, v in tree(earlier).items() if k != "manifest.json"}
    assert "parks/未填园区.xlsx" in written
    assert manifest["sha256"] == {k: hashlib.sha256(v).hexdigest() for k, v in written.items()}


@pytest.mark.parametrize("where", ["parks/我的笔记.txt", "notes.docx", "parks/sub/deep.txt"])
def test_a_user_file_anywhere_in_the_run_is_kept_and_named(
    files: Files,
    earlier: Path,
    where: str,
) -> None:
    (earlier / where).parent.mkdir(parents=True, exist_ok=True)
    (earlier / where).write_text("mine", encoding="utf-8")
    before = tree(earlier)
    rc, text = run(files, earlier)
    assert rc == 1
    assert where in " ".join(text.split())
    assert "Traceback" not in text
    assert tree(earlier) == before  # the old run, untouched, and the user's file with it
    assert hidden(earlier.parent) == []


@pytest.mark.parametrize("name", ["results.csv", "parks/未填园区.xlsx", "issues.csv"])
def test_a_result_edited_after_the_run_is_not_replaced(
    files: Files,
    earlier: Path,
    name: str,
) -> None:
    with (earlier / name).open("ab") as f:
        f.write(b"edited by hand")
    before = tree(earlier)
    rc, text = run(files, earlier)
    assert rc == 1
    flat = " ".join(text.split())
    assert name in flat
    assert "sha256" in flat
    assert tree(earlier) == before


def test_an_empty_folder_of_the_user_is_named(files: Files, earlier: Path) -> None:
    (earlier / "parks" / "空文件夹").mkdir()
    rc, text = run(files, earlier)
    assert rc == 1
    assert "parks/空文件夹" in text
    assert (earlier / "parks" / "空文件夹").is_dir()


def test_links_and_fifos_inside_a_run_are_refused_unfollowed(
    files: Files,
    earlier: Path,
    tmp_path: Path,
) -> None:
    outside = tmp_path / "precious"
    outside.mkdir()
    (outside / "keep.txt").write_text("x")
    (earlier / "parks" / "link").symlink_to(outside, target_is_directory=True)
    os.mkfifo(earlier / "pipe")
    rc, text = run(files, earlier)
    assert rc == 1
    assert "parks/link" in text and "pipe" in text
    assert (outside / "keep.txt").read_text() == "x"
    assert (earlier / "parks" / "link").is_symlink()


def test_a_socket_inside_a_run_is_refused(files: Files, earlier: Path) -> None:
    path = earlier / "s"
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(path))
    except OSError:
        pytest.skip("the path is too long for a unix socket here")
    try:
        rc, text = run(files, earlier)
    finally:
        sock.close()
    assert rc == 1
    assert " s" in text or "：s" in text


def forge(folder: Path, manifest: object) -> None:
    folder.mkdir(exist_ok=True)
    (folder / "thesis.docx").write_bytes(b"years of work")
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


THESIS_SHA = hashlib.sha256(b"years of work").hexdigest()


@pytest.mark.parametrize(
    "manifest",
    [
        {"mujun_version": "0.1", "files": ["thesis.docx", "manifest.json"]},  # no hashes
        {"mujun_version": "0.1", "files": ["thesis.docx"], "sha256": {"thesis.docx": "0" * 64}},
        {"mujun_version": "0.1", "sha256": {"thesis.docx": THESIS_SHA.upper()}},  # not ours
        {"mujun_version": "0.1", "sha256": {"thesis.docx": THESIS_SHA}},  # no run writes .docx
        {"mujun_version": "0.1", "sha256": {"thesis.docx": THESIS_SHA[:-1]}},
        {"mujun_version": "0.1", "sha256": ["thesis.docx"]},
        {"mujun_version": 1, "sha256": {"thesis.docx": THESIS_SHA, "x": 3}},
        {"sha256": {"thesis.docx": THESIS_SHA}},  # no version: not a mujun manifest
        ["mujun_version"],
        "mujun",
    ],
)
def test_a_forged_manifest_does_not_make_a_folder_replaceable(
    files: Files,
    tmp_path: Path,
    manifest: object,
) -> None:
    folder = tmp_path / "docs"
    forge(folder, manifest)
    rc, text = run(files, folder)
    assert rc == 1
    assert "thesis.docx" in text
    assert (folder / "thesis.docx").read_bytes() == b"years of work"


def test_a_manifest_that_is_too_large_is_not_read(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    forge(folder, {})
    big = {"mujun_version": "0.1", "sha256": {"thesis.docx": THESIS_SHA}}
    padded = json.dumps(big)[:-1] + ', "pad": "' + "x" * MANIFEST_MAX_BYTES + '"}'
    (folder / "manifest.json").write_text(padded, encoding="utf-8")
    with pytest.raises(ExportError, match=r"thesis\.docx"):
        check_replaceable(folder)


def test_a_manifest_that_is_not_json_or_not_utf8(files: Files, tmp_path: Path) -> None:
    for raw in (b"\xff\xfe{", b"{not json", b"", b"[" * 100_000):
        folder = tmp_path / "docs"
        forge(folder, {})
        (folder / "manifest.json").write_bytes(raw)
        rc, text = run(files, folder)
        assert rc == 1, raw[:10]
        assert "thesis.docx" in text and "Traceback" not in text


def test_out_that_is_a_link_or_a_file_is_refused(files: Files, tmp_path: Path) -> None:
    target = tmp_path / "real"
    target.mkdir()
    link = tmp_path / "link"
    link.symlink_to(target, target_is_directory=True)
    rc, text = run(files, link)
    assert rc == 1 and "link" in text
    assert link.is_symlink() and list(target.iterdir()) == []
    plain = tmp_path / "results.txt"
    plain.write_text("mine")
    rc, text = run(files, plain)
    assert rc == 1 and "results.txt" in text
    assert plain.read_text() == "mine"


@pytest.mark.parametrize("exchange", [True, False])
def test_error_logs_in_a_run_do_not_block_a_rerun_and_are_kept(
    files: Files, earlier: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool
) -> None:
    if not exchange:
        monkeypatch.setattr(runfolder, "_exchange", lambda _a, _b: False)
    log = earlier / f"{runfolder.ERROR_LOG_PREFIX}20260101-000000-1.log"
    log.write_bytes(runfolder.ERROR_LOG_HEADER + b"Traceback ...\n")
    fake = earlier / f"{runfolder.ERROR_LOG_PREFIX}fake.log"  # named like one, not one
    rc, _ = run(files, earlier)
    assert rc == 0
    assert log.read_bytes().startswith(runfolder.ERROR_LOG_HEADER)  # moved into the new run
    fake.write_text("user text")
    rc, text = run(files, earlier)
    assert rc == 1 and fake.name in text


# ---- interrupted swaps -------------------------------------------------------------------------

KILLER = """
import os, signal, sys
from pathlib import Path
from mujun.export import runfolder
from mujun.cli import main

moment = sys.argv.pop(1)
real_rename = Path.rename

def rename(self, target):
    if moment == "between" and ".mujun-new." in self.name:
        os.kill(os.getpid(), signal.SIGKILL)  # the old run set aside, the new not yet in place
    return real_rename(self, target)

def exchange(a, b):
    done = real_exchange(a, b)
    if moment == "after-exchange":
        os.kill(os.getpid(), signal.SIGKILL)  # swapped; the old run not yet removed
    return done

real_exchange = runfolder._exchange
if moment == "between":
    runfolder._exchange = lambda a, b: False
else:
    runfolder._exchange = exchange
Path.rename = rename
sys.argv[0] = "mujun"
main()
"""


def kill_during_swap(files: Files, out: Path, moment: str) -> None:
    script = out.parent / "killer.py"
    script.write_text(textwrap.dedent(KILLER), encoding="utf-8")
    args = ["run", "-r", str(files["rules"]), "-d", str(files["data"]), "-o", str(out)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, str(script), moment, *args], capture_output=True, env=env, check=False
    )
    assert done.returncode == -signal.SIGKILL, done.stderr.decode(errors="replace")
    script.unlink()


def test_sigkill_between_the_renames_is_repaired_on_the_next_start(
    files: Files,
    earlier: Path,
) -> None:
    before = tree(earlier)
    kill_during_swap(files, earlier, "between")
    assert not earlier.exists()  # the moment the two renames leave --out missing
    assert any(".mujun-old." in name for name in hidden(earlier.parent))
    notes = recover(earlier)  # what the next start does first
    assert tree(earlier) == before  # the old run is back, complete
    assert any("恢复" in n for n in notes)
    rc, text = run(files, earlier)
    assert rc == 0, text
    assert hidden(earlier.parent) == []  # the complete new run left behind was removed


def test_sigkill_after_the_exchange_leaves_a_complete_run(
    files: Files,
    earlier: Path,
) -> None:
    if not runfolder._exchange(earlier, earlier):  # the same name: a no-op where supported
        pytest.skip("no atomic exchange of names on this system")
    before = tree(earlier)
    kill_during_swap(files, earlier, "after-exchange")
    assert tree(earlier).keys() == before.keys()  # a complete run at --out all along
    rc, text = run(files, earlier)
    assert rc == 0, text
    assert "已删除" in text
    assert hidden(earlier.parent) == []


def test_the_next_run_restores_a_run_set_aside(files: Files, earlier: Path) -> None:
    before = tree(earlier)
    aside = earlier.parent / ".out.mujun-old.abc123"
    earlier.rename(aside)
    (earlier.parent / ".out.mujun-new.def456").mkdir()  # an empty one: removed
    partial = earlier.parent / ".out.mujun-new.ghi789"
    partial.mkdir()
    (partial / "results.csv").write_text("half")  # no manifest: cannot be checked, so kept
    rc, text = invoke("run", "-r", files["rules"], "-d", files["bad"], "-o", earlier)
    assert rc == 1  # the bad data: results written, errors reported
    flat = " ".join(text.split())
    assert "恢复" in flat
    assert "ghi789" in flat
    assert hidden(earlier.parent) == [".out.mujun-new.ghi789"]
    assert tree(earlier).keys() == before.keys()
    assert tree(earlier)["results.csv"] != before["results.csv"]  # replaced by the new run


def test_a_set_aside_folder_that_is_not_a_run_is_not_restored(tmp_path: Path) -> None:
    out = tmp_path / "out"
    aside = tmp_path / ".out.mujun-old.x1"
    aside.mkdir()
    (aside / "mine.txt").write_text("x")
    notes = recover(out)
    assert not out.exists()
    assert (aside / "mine.txt").read_text() == "x"
    assert any("mujun-old.x1" in n for n in notes)


def test_a_forged_manifest_listing_a_users_own_results_files(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    hashes = {}
    for name in ("results.csv", "issues.csv"):  # results.parquet missing: not a run's manifest
        (folder / name).write_text("mine")
        hashes[name] = hashlib.sha256(b"mine").hexdigest()
    (folder / "manifest.json").write_text(json.dumps({"mujun_version": "1", "sha256": hashes}))
    with pytest.raises(ExportError, match=r"results\.csv"):
        check_replaceable(folder)


def test_ctrl_c_between_the_renames_puts_the_old_run_back(
    files: Files, earlier: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = tree(earlier)
    monkeypatch.setattr(runfolder, "_exchange", lambda _a, _b: False)
    real = Path.rename

    def rename(self: Path, target: Path) -> Path:
        if ".mujun-new." in self.name:
            raise KeyboardInterrupt
        return real(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    rc, text = invoke("run", "-r", files["rules"], "-d", files["bad"], "-o", earlier)
    assert rc == 130 and "Traceback" not in text
    assert tree(earlier) == before
    assert hidden(earlier.parent) == []


def test_leftovers_of_earlier_versions_are_named_not_deleted(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    legacy = tmp_path / ".out.old.k2j3"
    legacy.mkdir()
    (legacy / "results.csv").write_text("an old run without hashes")
    notes = recover(out)
    assert legacy.is_dir() and any(".out.old.k2j3" in n for n in notes)
    (tmp_path / ".out.old").mkdir()  # no random part: not a leftover of mujun at all
    assert not any(n.endswith(".out.old") or ".out.old（" in n for n in recover(out))


def test_hashing_never_opens_a_fifo_or_follows_a_link(tmp_path: Path) -> None:
    pipe = tmp_path / "results.csv"
    os.mkfifo(pipe)
    with pytest.raises(OSError):
        runfolder.sha256_file(pipe)  # would block for ever if opened for reading plainly
    real = tmp_path / "real.csv"
    real.write_text("x")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    with pytest.raises(OSError):
        runfolder.sha256_file(link)


def test_a_workbook_open_in_excel_is_said_so(files: Files, earlier: Path) -> None:
    """Excel and WPS keep ~$<name> beside a workbook they hold open: close it, not move it."""
    (earlier / "~$公示名单.xlsx").write_bytes(b"\x00" * 165)
    rc, text = run(files, earlier)
    flat = "".join(text.split())
    assert rc == 1 and "~$公示名单.xlsx" in flat
    assert "请先关闭打开的结果工作簿" in flat
