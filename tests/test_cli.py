"""The command line: run folder contents, exit codes, messages."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from cli_setup import RULES, invoke, make_files


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return make_files(tmp_path)


def test_run_writes_the_whole_folder_and_exits_0(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    rc, text = invoke("run", "--rules", files["rules"], "--data", files["data"], "--out", out)
    assert rc == 0, text
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [
            "issues.csv",
            "manifest.json",
            "results.csv",
            "results.parquet",
            "rules.json",  # with table.parquet: what `mujun explain DIR` evaluates again
            "table.parquet",
            "问题清单.xlsx",
            "亩均效益评价结果_测试县_2022.xlsx",
            "公示名单_测试县_2022.xlsx",
            "报告.html",
            "parks",
        ]
    )
    parks = sorted(p.name for p in (out / "parks").iterdir())
    assert parks == ["未填园区.html", "未填园区.xlsx"]  # no park column
    raw = (out / "results.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens the Chinese correctly
    results = pd.read_csv(out / "results.csv", encoding="utf-8-sig", dtype={"credit_code": str})
    # 10/10/10 = 100, 5/10/10 = 50, 5/10*100 = 50, 2/10*100 = 20 points
    assert results["total_score"].tolist() == pytest.approx([100, 50, 50, 20])
    assert results["tier"].tolist() == ["A", "A", "A", "B"]  # tie at rank 2 joins A
    parquet = pd.read_parquet(out / "results.parquet")
    assert parquet["credit_code"].tolist() == results["credit_code"].tolist()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["rows"] == {
        "input": 4,
        "evaluated": 4,
        "exempt": 0,
        "deferred": 0,
        "rejected": 0,
    }
    assert manifest["status"] == "试评价"
    assert len(manifest["rules"]["sha256"]) == 64
    assert manifest["inputs"][0]["rows"] == 4
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]  # no temp left


def test_run_twice_gives_identical_files(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    invoke("run", "-r", files["rules"], "-d", files["data"], "-o", out)
    first = {p.relative_to(out): p.read_bytes() for p in out.rglob("*.*") if p.suffix != ".parquet"}
    invoke("run", "-r", files["rules"], "-d", files["data"], "-o", out)
    second = {
        p.relative_to(out): p.read_bytes() for p in out.rglob("*.*") if p.suffix != ".parquet"
    }
    assert any(p.parts[0] == "parks" for p in first)
    assert first == second


def test_data_errors_exit_1_with_results_written(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    rc, text = invoke("run", "-r", files["rules"], "-d", files["bad"], "-o", out)
    assert rc == 1, text
    results = pd.read_csv(out / "results.csv", encoding="utf-8-sig")
    assert results["status"].tolist() == ["evaluated", "rejected", "evaluated", "evaluated"]
    issues = pd.read_csv(out / "issues.csv", encoding="utf-8-sig")
    # the rules score a blank tax as 0 (missing = "zero" by default): a warning of the rules
    assert sorted(issues["code"]) == ["blank-scored-zero", "non-positive-land"]
    land = issues[issues["code"] == "non-positive-land"]
    assert land["row"].tolist() == [3]  # header is row 1, the second firm is row 3


def test_broken_rules_exit_2_naming_file_line_and_key(
    files: dict[str, Path], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text(RULES.replace("weight = 100", "wieght = 100"), encoding="utf-8")
    rc, text = invoke("run", "-r", broken, "-d", files["data"], "-o", tmp_path / "o")
    assert rc == 2
    flat = " ".join(text.split())
    assert "broken.toml:16: class[0].indicator[0].wieght: 未知的键 'wieght'" in flat
    assert "class[0].indicator[0]" in flat
    assert "wieght" in flat
    assert not (tmp_path / "o").exists()


def test_refuses_to_replace_a_folder_that_is_not_a_run(
    files: dict[str, Path], tmp_path: Path
) -> None:
    precious = tmp_path / "documents"
    precious.mkdir()
    (precious / "keep.txt").write_text("x")
    rc, _ = invoke("run", "-r", files["rules"], "-d", files["data"], "-o", precious)
    assert rc == 1  # refused: the output folder cannot be replaced
    assert (precious / "keep.txt").read_text() == "x"


def test_missing_data_file_is_an_argument_error(files: dict[str, Path], tmp_path: Path) -> None:
    rc, text = invoke("run", "-r", files["rules"], "-d", tmp_path / "none.csv", "-o", tmp_path)
    assert rc == 2
    assert "none.csv" in text


def test_unreadable_data_exits_1(files: dict[str, Path], tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    rc, text = invoke("run", "-r", files["rules"], "-d", empty, "-o", tmp_path / "o")
    assert rc == 1
    assert "empty" in text
    assert not (tmp_path / "o").exists()


def test_a_folder_with_a_foreign_manifest_is_not_replaced(
    files: dict[str, Path], tmp_path: Path
) -> None:
    extension = tmp_path / "ext"
    (extension / "src").mkdir(parents=True)
    (extension / "manifest.json").write_text('{"name": "a browser extension"}')
    (extension / "src" / "code.js").write_text("x")
    rc, _ = invoke("run", "-r", files["rules"], "-d", files["data"], "-o", extension)
    assert rc == 1
    assert (extension / "src" / "code.js").read_text() == "x"


def test_a_run_folder_holding_other_files_is_not_replaced(
    files: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert invoke("run", "-r", files["rules"], "-d", files["data"], "-o", out)[0] == 0
    (out / "my-notes.docx").write_text("notes")
    rc, text = invoke("run", "-r", files["rules"], "-d", files["data"], "-o", out)
    assert rc == 1
    assert "my-notes.docx" in text
    assert (out / "my-notes.docx").read_text() == "notes"


def test_replacing_a_run_leaves_neighbours_alone(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "res"
    neighbour = tmp_path / ".res.old"
    neighbour.mkdir()
    (neighbour / "keep.txt").write_text("x")
    for _ in range(2):
        assert invoke("run", "-r", files["rules"], "-d", files["data"], "-o", out)[0] == 0
    assert (neighbour / "keep.txt").read_text() == "x"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".res")) == [".res.old"]


def test_text_condition_on_an_absent_column_is_false(
    files: dict[str, Path], tmp_path: Path
) -> None:
    rules = tmp_path / "park.toml"
    rules.write_text(RULES.replace('when = "land_mu > 0', "when = \"park > 'A' or land_mu > 0"))
    rc, text = invoke("run", "-r", rules, "-d", files["data"], "-o", tmp_path / "o")
    assert rc == 0, text  # no park column: the comparison is simply false, not a crash


def test_check_prints_issues_and_writes_only_the_issue_workbook(
    files: dict[str, Path], tmp_path: Path
) -> None:
    import openpyxl

    before = set(tmp_path.iterdir())
    report = tmp_path / "问题清单.xlsx"
    rc, text = invoke("check", "-r", files["rules"], "-d", files["bad"], "--report", report)
    assert rc == 1
    flat = "".join(text.replace("│", " ").split())
    assert "用地面积缺失或不大于0" in flat  # the kind's title, not its code, at 80 columns
    first_cells = "".join(
        line.split("│")[1].strip() for line in text.splitlines() if line.startswith("│")
    )
    assert "“用地面积合计”缺失或不大于0，无法计算亩均指标" in first_cells  # message first, whole
    assert "non-positive-land" not in text
    assert set(tmp_path.iterdir()) == before | {report}
    sheet = openpyxl.load_workbook(report)["问题清单"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert sorted(row[2] for row in rows) == ["blank-scored-zero", "non-positive-land"]
    header = next(sheet.iter_rows(min_row=2, max_row=2, values_only=True))
    code, name = header.index("统一社会信用代码"), header.index("企业名称")
    named = [row[name] for row in rows if row[code]]
    assert named and all(isinstance(n, str) and n for n in named)  # a department wants the name
    shown = [row[header.index("字段")] for row in rows]
    assert shown and all(f and not f.isascii() for f in shown)  # 亩均税收, not tax_per_mu
    rc, _ = invoke("check", "-r", files["rules"], "-d", files["data"], "--report", report)
    assert rc == 0


def test_several_data_files_after_one_flag() -> None:
    from mujun.cli import expand_multi_values

    argv = ["run", "-r", "r.toml", "--data", "a.csv", "b.csv", "c.xlsx", "--out", "o"]
    assert expand_multi_values(argv) == [
        "run",
        "-r",
        "r.toml",
        "--data",
        "a.csv",
        "--data",
        "b.csv",
        "--data",
        "c.xlsx",
        "--out",
        "o",
    ]
    assert expand_multi_values(["check", "-d", "a.csv", "-r", "x"]) == [
        "check",
        "-d",
        "a.csv",
        "-r",
        "x",
    ]
    assert expand_multi_values(["run", "-o", "out", "extra"]) == ["run", "-o", "out", "extra"]
