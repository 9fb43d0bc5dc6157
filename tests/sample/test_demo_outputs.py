"""The demo county through the command line, output for output, against recorded digests: a
change to any file a bureau receives shows here, and is recorded only when it is meant.

A workbook's digest is of its unpacked parts (not of the zip, whose compressed bytes depend on
the zlib build); a Parquet file's is of its schema and rows (not of the writer's footer); the
manifest's leaves out the version of mujun and the files' sha256 (bytes of zips and Parquet
footers; each file is compared on its own). Record anew, after checking the change, with
`MUJUN_RECORD_OUTPUTS=1 pytest tests/sample/test_demo_outputs.py`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from mujun.cli import app, expand_multi_values
from mujun.sample.demo import COMMISSIONERS_FILE, DEMO_DATASET, DEMO_RULES, HISTORY_FILE

RECORDED = Path(__file__).parents[1] / "data" / "demo_outputs.json"
DEPARTMENTS = (
    "税务局_2022年度企业税收.xlsx",
    "统计局_2022年规上工业企业主要指标.xlsx",
    "自然资源局_土地使用情况.xlsx",
    "供电公司_2022年用电量.csv",
    "生态环境局_排放与执法.xlsx",
    "经信局_企业名录.xlsx",
)


def digest(path: Path) -> str:
    """What a reader of the file sees, hashed."""
    h = hashlib.sha256()
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as book:
            for name in sorted(book.namelist()):
                h.update(name.encode() + b"\0" + book.read(name) + b"\0")
    elif path.suffix == ".parquet":
        table = pq.read_table(path)
        h.update(str(table.schema.remove_metadata()).encode())
        h.update(json.dumps(table.to_pylist(), ensure_ascii=False, default=str).encode())
    elif path.name == "manifest.json":
        manifest = json.loads(path.read_text(encoding="utf-8"))
        manifest.pop("mujun_version")
        manifest.pop("sha256", None)
        h.update(json.dumps(manifest, ensure_ascii=False, sort_keys=True).encode())
    else:
        h.update(path.read_bytes())
    return h.hexdigest()


def run_demo_commands(folder: Path) -> dict[str, str]:
    """`run`, `select`, `check` and `template` on the demo county from `folder`, with the
    paths relative as a bureau would type them; the digest of every file they write."""
    inputs = folder / "in"
    inputs.mkdir()
    for f in (*DEPARTMENTS, HISTORY_FILE, COMMISSIONERS_FILE):
        shutil.copy(DEMO_DATASET / f, inputs / f)
    shutil.copy(DEMO_RULES, inputs / "rules.toml")
    data = [f"in/{f}" for f in DEPARTMENTS]
    rules = ["--rules", "in/rules.toml"]
    people = ["--commissioners", f"in/{COMMISSIONERS_FILE}"]
    commands = [
        ["run", *rules, "--data", *data, "--out", "run"],
        ["select", *rules, "--data", *data, f"in/{HISTORY_FILE}", *people, "--out", "sel"],
        ["check", *rules, "--data", *data, "--report", "check.xlsx"],
        ["template", *rules, "--out", "template.xlsx"],
    ]
    runner = CliRunner()
    before = Path.cwd()
    os.chdir(folder)
    try:
        for args in commands:
            done = runner.invoke(app, expand_multi_values(args))
            assert done.exit_code in (0, 1), (args[0], done.output)  # 1: rejected firms
    finally:
        os.chdir(before)
    written = sorted(p for p in folder.rglob("*") if p.is_file() and inputs not in p.parents)
    return {p.relative_to(folder).as_posix(): digest(p) for p in written}


@pytest.mark.slow
def test_the_demo_outputs_are_the_recorded_ones(tmp_path: Path) -> None:
    got = run_demo_commands(tmp_path)
    if os.environ.get("MUJUN_RECORD_OUTPUTS"):
        text = json.dumps(got, ensure_ascii=False, indent=1, sort_keys=True)
        RECORDED.write_text(text + "\n", encoding="utf-8")
        pytest.skip("recorded anew")
    want = json.loads(RECORDED.read_text(encoding="utf-8"))
    assert sorted(got) == sorted(want), "the commands write other files"
    changed = sorted(name for name in got if got[name] != want[name])
    assert not changed, f"outputs changed: {changed}"
