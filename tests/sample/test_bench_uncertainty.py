"""The bench's uncertainty figures: keys, their ratio, and how `mujun bench` prints them."""

from __future__ import annotations

from rich.console import Console

from mujun.printing import print_bench
from mujun.rules import load_rules
from mujun.sample.bench_uncertainty import uncertainty_figures
from mujun.sample.demo import DEMO_RULES


def test_figures_and_their_ratio() -> None:
    figures = uncertainty_figures(load_rules(DEMO_RULES), firms=1500, samples=20)
    assert figures["uncertainty_20_s"] > 0 and figures["evaluate_20_s"] > 0
    ratio = figures["uncertainty_20_s"] / figures["evaluate_20_s"]
    assert figures["uncertainty_20_ratio"] == ratio
    assert figures["uncertainty_firms"] == 1500
    assert figures["uncertainty_20_met"] == float(ratio < 0.5)  # the target graded
    assert figures["uncertainty_20_target"] == 0.5


def test_the_target_is_graded_and_printed() -> None:
    for ratio, said in ((0.25, "达到"), (0.5, "未达到"), (0.8, "未达到")):  # below ½: met
        console = Console(record=True, width=200)
        figures = {
            "uncertainty_200_s": ratio * 8.0,
            "evaluate_200_s": 8.0,
            "uncertainty_200_ratio": ratio,
            "uncertainty_200_target": 0.5,
            "uncertainty_firms": 100_000.0,
            "peak_rss_mb": 100.0,
        }
        print_bench(console, figures, 100_000, 1)
        assert f"（目标：低于 0.5 倍，{said}）" in console.export_text()


def test_printed_in_chinese_with_the_firms() -> None:
    console = Console(record=True, width=200)
    figures = {
        "uncertainty_200_s": 2.0,
        "evaluate_200_s": 8.0,
        "uncertainty_200_ratio": 0.25,
        "uncertainty_firms": 100_000.0,
        "peak_rss_mb": 100.0,
    }
    print_bench(console, figures, 100_000, 1)
    text = console.export_text()
    assert "不确定性分析：200个样本（uncertainty_200）（100,000 家）" in text
    assert "参照：200次独立评价（evaluate_200）（100,000 家）" in text
    assert "/ 200次独立评价" in text and "0.25 倍" in text
