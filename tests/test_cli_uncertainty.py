"""`mujun uncertainty` end to end (the demo county with few samples, and a small clean county),
its bad options (exit 2, Chinese), and `mujun run --uncertainty N`."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from cli_setup import english_sentences, invoke, make_files

from mujun.export.stability_sheet import SHEET
from mujun.sample.demo import DEMO_DATASET, DEMO_RULES

Files = dict[str, Path]


@pytest.fixture
def files(tmp_path: Path) -> Files:
    return make_files(tmp_path)


def analyse(files: Files, out: Path, *extra: str | Path) -> tuple[int, str]:
    return invoke("uncertainty", "-r", files["rules"], "-d", files["data"], "-o", out, *extra)


def test_clean_county_exit_0_files_in_the_manifest(files: Files, tmp_path: Path) -> None:
    code, output = analyse(files, tmp_path / "u", "--samples", "12", "--seed", "5")
    assert code == 0, output
    record = json.loads((tmp_path / "u" / "manifest.json").read_text(encoding="utf-8"))
    on_disk = sorted(p.name for p in (tmp_path / "u").iterdir())
    assert sorted(record["files"]) == on_disk
    assert {"stability.csv", "报告.html", "manifest.json"} <= set(on_disk)
    assert any(n.startswith("稳定性分析_测试县_2022") for n in on_disk)
    csv = pd.read_csv(tmp_path / "u" / "stability.csv", encoding="utf-8-sig")
    # the rules have tiers A and B only: one p_<tier> each
    assert list(csv.columns) == [
        "credit_code",
        "class",
        "tier",
        "p_A",
        "p_B",
        "modal_tier",
        "rank_p05",
        "rank_p95",
        "stable",
    ]
    assert len(csv) == 4
    assert "不确定性分析：12个样本" in output and "全部企业" in output
    assert not english_sentences(output)


def test_same_seed_gives_the_same_csv(files: Files, tmp_path: Path) -> None:
    for name in ("a", "b"):
        code, output = analyse(files, tmp_path / name, "--samples", "10", "--seed", "7")
        assert code == 0, output
    a = (tmp_path / "a" / "stability.csv").read_bytes()
    assert a == (tmp_path / "b" / "stability.csv").read_bytes()
    # the whole folder: the workbook and report hold no clock time either
    for name in ("manifest.json", "报告.html", "稳定性分析_测试县_2022.xlsx"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    code, _ = analyse(files, tmp_path / "c", "--samples", "10", "--seed", "8")
    assert code == 0


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--samples", "0", "--samples 须为 1 至"),
        ("--samples", "200000", "--samples 须为 1 至"),
        ("--weight-noise", "1.5", "--weight-noise 须不小于 0 且小于 1"),
        ("--weight-noise", "-0.1", "--weight-noise 须不小于 0 且小于 1"),
        ("--jobs", "0", "--jobs 须为正整数"),
        ("--scheduler", "localhost", "--scheduler 须为 Dask 调度器地址"),
        ("--samples", "许多", "--samples"),
        ("--seed", "-3", "--seed 须为非负整数"),
    ],
)
def test_bad_options_exit_2_in_chinese(
    files: Files, tmp_path: Path, option: str, value: str, said: str
) -> None:
    code, output = analyse(files, tmp_path / "u", option, value)
    assert code == 2, output
    assert said in output
    assert "Traceback" not in output and not english_sentences(output)
    assert "规则文本" not in output  # an option is no place in a rules text
    assert not (tmp_path / "u").exists()  # refused before anything was read or written


def test_bad_seed_refused_before_the_rules_are_read(files: Files, tmp_path: Path) -> None:
    code, output = invoke(
        "uncertainty",
        "-r",
        tmp_path / "nope.toml",
        "-d",
        files["data"],
        "-o",
        tmp_path / "u",
        "--seed",
        "-3",
    )
    assert code == 2, output
    assert "--seed 须为非负整数" in output and "nope.toml" not in output


def test_missing_rules_exit_2(files: Files, tmp_path: Path) -> None:
    code, output = invoke(
        "uncertainty", "-r", tmp_path / "nope.toml", "-d", files["data"], "-o", tmp_path / "u"
    )
    assert code == 2 and "nope.toml" in output


def test_demo_county_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "u"
    code, output = invoke(
        "uncertainty", "-r", DEMO_RULES, "-d", DEMO_DATASET, "-o", out, "--samples", "8"
    )
    assert code == 1, output  # the demo's planted data errors: results still written
    assert "数据中有错误" in output and "对档次影响最大的设定" in output
    csv = pd.read_csv(out / "stability.csv", encoding="utf-8-sig", dtype={"tier": str})
    p = csv[[c for c in csv.columns if c.startswith("p_")]]
    assert list(p.columns) == ["p_A", "p_B", "p_C", "p_D"]
    assert ((p.sum(axis=1) - 1).abs() < 1e-9).all()
    book = next(out.glob("稳定性分析_*.xlsx"))
    assert openpyxl.load_workbook(book, read_only=True).sheetnames == [SHEET]
    html = (out / "报告.html").read_text(encoding="utf-8")
    assert '<section id="stability">' in html


def test_run_with_uncertainty(files: Files, tmp_path: Path) -> None:
    out = tmp_path / "run"
    code, output = invoke(
        "run", "-r", files["rules"], "-d", files["data"], "-o", out, "--uncertainty", "6"
    )
    assert code == 0, output
    assert "不确定性分析：6个样本" in output
    record = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "stability.csv" in record["files"] and "stability.csv" in record["sha256"]
    internal = next(p for p in out.glob("亩均效益评价结果_*.xlsx"))
    assert SHEET in openpyxl.load_workbook(internal, read_only=True).sheetnames
    assert '<section id="stability">' in (out / "报告.html").read_text(encoding="utf-8")


def test_run_with_a_bad_uncertainty_exit_2(files: Files, tmp_path: Path) -> None:
    code, output = invoke(
        "run", "-r", files["rules"], "-d", files["data"], "-o", tmp_path / "r", "--uncertainty", "0"
    )
    assert code == 2 and "--uncertainty 须为 1 至" in output


@pytest.mark.slow
def test_unreachable_scheduler_exit_1(files: Files, tmp_path: Path) -> None:
    code, output = analyse(
        files, tmp_path / "u", "--samples", "4", "--scheduler", "tcp://127.0.0.1:9"
    )
    assert code == 1, output
    assert "无法连接 Dask 调度器 tcp://127.0.0.1:9" in output and "Traceback" not in output


def test_progress_bar_over_chunks_on_a_terminal(
    files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a terminal the engine's progress(done, total) drives a bar; elsewhere nothing."""
    import io

    from rich.console import Console

    import mujun
    from mujun import cliuncertainty

    ev = mujun.evaluate(
        mujun.read_sources([files["data"]], year=2022), mujun.load_rules(files["rules"])
    )
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=100)
    monkeypatch.setattr(cliuncertainty, "err_console", terminal)
    heard: list[tuple[int, int]] = []
    real = cliuncertainty._bar.__enter__

    def spy(self: object) -> object:
        tick = real(self)  # type: ignore[arg-type]
        assert tick is not None
        return lambda done, total: (heard.append((done, total)), tick(done, total))

    monkeypatch.setattr(cliuncertainty._bar, "__enter__", spy)
    found = cliuncertainty.analyse_step(ev, samples=9, seed=1, chunk=3)
    assert found.samples == 9
    assert heard[-1] == (9, 9) and len(heard) >= 3  # three chunks of three samples
    assert "不确定性分析" in screen.getvalue()
