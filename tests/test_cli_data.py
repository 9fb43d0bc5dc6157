"""--data takes folders and glob patterns, expanded by mujun (cmd and PowerShell do not), and
skips — saying so — the files a folder brings in that are clearly no departmental data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from cli_setup import code, english_sentences, invoke, make_files

from mujun.datafiles import expand, not_data

Files = dict[str, Path]


@pytest.fixture
def files(tmp_path: Path) -> Files:
    return make_files(tmp_path)


def touch(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_folder_means_its_data_files_sorted_without_temp_hidden_or_subfolders(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "数据"
    for name in ("b.xlsx", "a.csv", "c.parquet", "d.ODS", "e.xls", "f.xlsm"):
        touch(folder / name)
    for name in ("~$b.xlsx", ".hidden.csv", "说明.txt", "README.md", "子目录/g.csv"):
        touch(folder / name)
    got = expand([folder])
    assert [p.name for p in got.files] == [
        "a.csv",
        "b.xlsx",
        "c.parquet",
        "d.ODS",
        "e.xls",
        "f.xlsm",
    ]
    assert got.found == set(got.files) and got.problems == []


def test_a_pattern_is_globbed_and_a_file_that_exists_is_taken_as_it_is(tmp_path: Path) -> None:
    touch(tmp_path / "税务_2022.xlsx")
    touch(tmp_path / "统计_2022.xlsx")
    touch(tmp_path / "供电_2022.csv")
    literal = touch(tmp_path / "数据[1].csv")  # brackets, but the file exists
    got = expand([tmp_path / "*_2022.xlsx", literal])
    assert [p.name for p in got.files] == ["税务_2022.xlsx", "统计_2022.xlsx", "数据[1].csv"]
    assert literal not in got.found  # named on its own: always read


def test_a_pattern_inside_a_folder_with_brackets_in_its_name(tmp_path: Path) -> None:
    """数据[2022]/*.xlsx: the folder exists as written, so its brackets are its name; only the
    part after it is a pattern (a file's own brackets still match as a set there)."""
    folder = tmp_path / "数据[2022]" / "终稿[a]"
    touch(folder / "税务.xlsx")
    touch(folder / "统计.xlsx")
    touch(tmp_path / "数据2" / "终稿a" / "其他.xlsx")  # what [2022] and [a] would match as sets
    got = expand([folder / "*.xlsx", tmp_path / "数据[2022]" / "终稿[a]" / "[税]务.xlsx"])
    assert got.files == [folder / "税务.xlsx", folder / "统计.xlsx"] and not got.problems
    assert expand([tmp_path / "数据[2022]" / "*.csv"]).problems  # nothing there matches


def test_a_file_given_twice_is_read_once(tmp_path: Path) -> None:
    a = touch(tmp_path / "a.csv")
    got = expand([a, tmp_path, tmp_path / "*.csv"])
    assert got.files == [a]


def test_a_pattern_or_folder_naming_nothing_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "空").mkdir()
    got = expand([tmp_path / "无*.csv", tmp_path / "空"])
    assert got.files == []
    assert got.problems == [
        f"--data {tmp_path / '无*.csv'}：文件不存在，也没有与此匹配的数据文件",
        f"--data {tmp_path / '空'}：文件夹中没有数据文件"
        "（.csv、.xlsx、.xls、.xlsm、.ods、.parquet）",
    ]


def test_a_pattern_matching_nothing_exits_2_before_anything_is_written(
    files: Files, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    rc, text = invoke("run", "-r", files["rules"], "-d", tmp_path / "*.xlsx", "-o", out)
    assert rc == 2
    assert "没有与此匹配的数据文件" in text and english_sentences(text) == []
    assert not out.exists()


def roster(path: Path) -> Path:
    people = pd.DataFrame({"姓名": ["王建国", "李海燕"], "所属园区": ["全县", "经开区"]})
    people.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def history(path: Path, years: list[int]) -> Path:
    rows = pd.DataFrame(
        {
            "统一社会信用代码": [code(i) for i in range(4) for _ in years],
            "年度": [f"{y}年" for _ in range(4) for y in years],
            "营业收入（万元）": 100,
        }
    )
    rows.to_csv(path, index=False, encoding="utf-8-sig")
    return path


def test_the_roster_and_other_years_are_recognised_by_their_headers(tmp_path: Path) -> None:
    assert "首席服务专员名单" in (not_data(roster(tmp_path / "专员.csv"), 2022) or "")
    old = history(tmp_path / "历年.csv", [2019, 2020, 2021])
    assert not_data(old, 2022) == (
        "年度列只有 2019、2020、2021 年的数据，不是评价年度 2022 年（历年数据请用 mujun select）"
    )
    assert not_data(old, None) is None  # select: the panel is wanted
    assert not_data(history(tmp_path / "含本年.csv", [2021, 2022]), 2022) is None
    data = make_files(tmp_path)["data"]  # a year column of 2022
    assert not_data(data, 2022) is None
    no_year = tmp_path / "无年度.csv"
    pd.read_csv(data).drop(columns="year").to_csv(no_year, index=False)
    assert not_data(no_year, 2022) is None  # year not determinable: never skipped
    broken = touch(tmp_path / "坏.xlsx", "not a workbook")
    assert not_data(broken, 2022) is None  # left for reading to report


def test_run_on_a_folder_skips_roster_and_history_each_with_one_line(
    files: Files, tmp_path: Path
) -> None:
    folder = tmp_path / "数据"
    folder.mkdir()
    (folder / "企业.csv").write_bytes(files["data"].read_bytes())
    roster(folder / "首席服务专员.csv")
    history(folder / "历年指标.csv", [2020, 2021])
    out = tmp_path / "out"
    rc, text = invoke("run", "-r", files["rules"], "-d", folder, "-o", out)
    assert rc == 0, text
    flat = "".join(text.split())
    assert f"说明：跳过{folder / '历年指标.csv'}：年度列只有2020、2021年的数据" in flat
    assert f"说明：跳过{folder / '首席服务专员.csv'}：是首席服务专员名单" in flat
    assert flat.count("说明：跳过") == 2
    results = pd.read_csv(out / "results.csv", encoding="utf-8-sig")
    assert len(results) == 4 and (results["status"] == "evaluated").all()


def test_a_history_file_named_on_its_own_is_read(files: Files, tmp_path: Path) -> None:
    old = history(tmp_path / "历年指标.csv", [2020, 2021])
    rc, text = invoke("check", "-r", files["rules"], "-d", files["data"], "-d", old,
                      "--report", tmp_path / "r.xlsx")  # fmt: skip
    assert "跳过" not in text
    assert rc == 1 and "数据年度与评价年度" in text  # its rows were read


def test_select_keeps_the_panel_of_a_folder(tmp_path: Path) -> None:
    from mujun.datafiles import pick

    folder = tmp_path / "数据"
    old = history(folder.mkdir() or folder / "历年.csv", [2020, 2021])
    people = roster(folder / "专员.csv")
    kept, skipped = pick(expand([folder]), None)
    assert kept == [old]
    assert [p for p, _ in skipped] == [people]


@pytest.mark.slow
def test_the_demo_folder_as_data_for_run_and_select(tmp_path: Path) -> None:
    from mujun.sample.demo import COMMISSIONERS_FILE, DEMO_DATASET, DEMO_RULES, HISTORY_FILE

    rc, text = invoke("run", "-r", DEMO_RULES, "-d", DEMO_DATASET, "-o", tmp_path / "run")
    flat = "".join(text.split())
    assert rc == 1, text  # the demo's planted errors
    assert f"跳过{DEMO_DATASET / HISTORY_FILE}：年度列只有2019、2020、2021年的数据" in flat
    assert f"跳过{DEMO_DATASET / COMMISSIONERS_FILE}：是首席服务专员名单" in flat
    assert "共481行—参评345，免评116，暂缓15，数据有误5" in flat  # as `mujun demo` evaluates
    assert english_sentences(text) == []
    people = DEMO_DATASET / COMMISSIONERS_FILE
    out = tmp_path / "select"
    rc, text = invoke(
        "select", "-r", DEMO_RULES, "-d", DEMO_DATASET, "--commissioners", people, "-o", out
    )
    flat = "".join(text.split())
    assert rc == 1, text
    assert "跳过" in flat and HISTORY_FILE not in flat  # the panel is read, the roster not
    # 提示 19: 11 of the data and the 8 blank-scored-zero warnings of the 固镇 rules
    assert f"数据问题：错误5条，提示19条（见{out / '问题清单.xlsx'}）" in flat
    assert "首席服务专员：25位" in flat
    assert english_sentences(text) == []


def test_a_folder_of_nothing_but_skipped_files_exits_2(files: Files, tmp_path: Path) -> None:
    folder = tmp_path / "数据"
    folder.mkdir()
    roster(folder / "专员.csv")
    rc, text = invoke("check", "-r", files["rules"], "-d", folder, "--report", tmp_path / "r.xlsx")
    assert rc == 2
    assert "说明：跳过" in text and "没有可读取的部门数据文件" in " ".join(text.split())
    assert not (tmp_path / "r.xlsx").exists()


def test_an_earlier_run_folder_among_the_data_is_skipped_file_by_file(
    files: Files, tmp_path: Path
) -> None:
    """`--data 数据/*` or `--data 上次结果` must not read results.csv or a park workbook back
    in as departmental data: each file its manifest lists is skipped with one line."""
    earlier = tmp_path / "上次结果"
    rc, text = invoke("run", "-r", files["rules"], "-d", files["data"], "-o", earlier)
    assert rc == 0, text
    written = [p for p in sorted(earlier.rglob("*")) if p.suffix in (".csv", ".xlsx")]
    assert {"results.csv", "issues.csv", "问题清单.xlsx"} <= {p.name for p in written}
    rc, text = invoke("check", "-r", files["rules"], "-d", files["data"], "-d", earlier,
                      "-d", f"{earlier}/parks/*", "--report", tmp_path / "r.xlsx")  # fmt: skip
    flat = "".join(text.split())
    for path in written:
        assert f"说明：跳过{path}：是mujun评价写出的结果文件" in flat, path
    assert rc == 0, text and "共4行" in flat
    # a result file named on its own is read as given, like any file
    rc, text = invoke("check", "-r", files["rules"], "-d", earlier / "results.csv",
                      "--report", tmp_path / "r2.xlsx")  # fmt: skip
    assert "跳过" not in text


def test_a_file_beside_a_foreign_or_broken_manifest_is_read(tmp_path: Path) -> None:
    data = touch(tmp_path / "企业.csv", "统一社会信用代码,年度\n")
    touch(tmp_path / "manifest.json", '{"sha256": {"企业.csv": "' + "0" * 64 + '"}}')
    assert not_data(data, None) is None  # not mujun's: no mujun_version
    touch(tmp_path / "manifest.json", "{broken")
    assert not_data(data, None) is None


def test_checks_own_issue_list_in_the_data_folder_is_skipped(files: Files, tmp_path: Path) -> None:
    """`mujun check -d .` run twice in the data folder: the first run's 问题清单.xlsx (and an
    issues.csv copied there) are not read as data the second time, so issues do not snowball."""
    folder = tmp_path / "数据"
    folder.mkdir()
    (folder / "企业.csv").write_bytes(files["bad"].read_bytes())
    report = folder / "问题清单.xlsx"
    first = invoke("check", "-r", files["rules"], "-d", folder, "--report", report)
    earlier = tmp_path / "上次"
    assert invoke("run", "-r", files["rules"], "-d", files["bad"], "-o", earlier)[0] == 1
    (folder / "issues.csv").write_bytes((earlier / "issues.csv").read_bytes())
    second = invoke("check", "-r", files["rules"], "-d", folder, "--report", report)
    flat = "".join(second[1].split())
    assert f"说明：跳过{report}：是mujun写出的问题清单" in flat
    assert f"说明：跳过{folder / 'issues.csv'}：是mujun写出的问题清单" in flat
    said = [line for line in first[1].splitlines() if line.startswith("数据问题：")]
    assert said and said == [
        line for line in second[1].splitlines() if line.startswith("数据问题：")
    ]
    assert first[0] == second[0] == 1
