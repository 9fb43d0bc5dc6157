"""The steps of `mujun uncertainty` and of `mujun run --uncertainty N`: the options checked
before anything is read, the analysis with a progress bar on a terminal, the folder written,
and a short Chinese summary. It never computes: `Evaluation.uncertainty` does (DESIGN §7)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from .clirun import has_errors, load_step
from .clisteps import err_console, out_console
from .clisteps import fail as _fail
from .clisteps import note as _note
from .datafiles import DataFiles
from .engine.evaluation import Evaluation
from .engine.stability import Stability
from .errors import DataError, ExportError, RulesError
from .export.report_stability import stable_share_line
from .export.stability_sheet import most_influential
from .guard import stage

MAX_SAMPLES = 100_000
SCHEDULER_SCHEMES = ("tcp://", "tls://", "inproc://", "ucx://", "ws://", "wss://")


def option_problems(
    samples: int | None,
    weight_noise: float | None,
    jobs: int | None,
    scheduler: str | None,
    chunk: int | None = None,
    samples_option: str = "--samples",
    seed: int | None = None,
) -> list[str]:
    """What is wrong with the command line's uncertainty options, in Chinese (empty: nothing)."""
    problems = []
    if samples is not None and not 1 <= samples <= MAX_SAMPLES:
        problems.append(f"{samples_option} 须为 1 至 {MAX_SAMPLES:,} 之间的整数，而不是 {samples}")
    if weight_noise is not None and not 0 <= weight_noise < 1:
        problems.append(
            f"--weight-noise 须不小于 0 且小于 1（如 0.2 即 ±20%），而不是 {weight_noise}"
        )
    if seed is not None and seed < 0:
        problems.append(f"--seed 须为非负整数（同一种子得到同样的结果），而不是 {seed}")
    if jobs is not None and jobs < 1:
        problems.append(f"--jobs 须为正整数（并行的进程数），而不是 {jobs}")
    if chunk is not None and chunk < 1:
        problems.append(f"--chunk 须为正整数（每批样本数），而不是 {chunk}")
    if scheduler is not None and not scheduler.startswith(SCHEDULER_SCHEMES):
        problems.append(
            f"--scheduler 须为 Dask 调度器地址，如 tcp://192.168.1.10:8786，而不是 {scheduler!r}"
        )
    return problems


def check_options(
    samples: int | None,
    weight_noise: float | None,
    jobs: int | None,
    scheduler: str | None,
    chunk: int | None = None,
    samples_option: str = "--samples",
    seed: int | None = None,
) -> None:
    """Bad options exit 2 before anything is read."""
    problems = option_problems(
        samples, weight_noise, jobs, scheduler, chunk, samples_option, seed=seed
    )
    if problems:
        raise _fail("；".join(problems), 2)


def analyse_step(
    ev: Evaluation,
    *,
    samples: int | None = None,
    weight_noise: float | None = None,
    seed: int | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    chunk: int | None = None,
) -> Stability:
    """ev.uncertainty with a progress bar over its chunks on a terminal (quiet otherwise; a
    spinner when the engine takes no `progress(done, total)` callback); a
    scheduler that cannot be reached exits 1, options the rules or engine refuse exit 2."""
    run = getattr(ev, "uncertainty", None)
    if run is None:
        raise _fail("这一版 mujun 尚不能做不确定性分析（缺少 Evaluation.uncertainty）", 1)
    options: dict[str, Any] = {"jobs": jobs, "scheduler": scheduler, "chunk": chunk}
    where = [scheduler] if scheduler else []
    try:
        if "progress" not in inspect.signature(run).parameters:  # an engine that cannot tell
            with stage("不确定性分析", where), err_console.status("正在进行不确定性分析…"):
                return run(samples, weight_noise, seed, **options)
        with stage("不确定性分析", where), _bar(samples) as tick:
            if tick is not None:
                options["progress"] = tick
            return run(samples, weight_noise, seed, **options)
    except RulesError as exc:
        raise _fail(str(exc), 2) from None
    except DataError as exc:
        raise _fail(str(exc), 1) from None
    except ValueError as exc:  # an option the engine refuses (its message is Chinese)
        raise _fail(str(exc), 2) from None
    except (OSError, TimeoutError) as exc:
        if scheduler:
            raise _fail(
                f"无法连接 Dask 调度器 {scheduler}：{_why(exc)}；"
                "请检查地址、端口和网络，或不给 --scheduler 在本机计算",
                1,
            ) from None
        raise


def _why(exc: OSError | TimeoutError) -> str:
    if isinstance(exc, TimeoutError) or "timed out" in str(exc).lower():
        return "连接超时"
    return "连接被拒绝或地址不可达"


class _bar:
    """A progress bar over the analysis's chunks on a terminal; None elsewhere. The engine
    calls the callback with (samples done, samples in all)."""

    def __init__(self, samples: int | None) -> None:
        self.samples = samples
        self.progress: Progress | None = None

    def __enter__(self) -> Callable[[int, int], None] | None:
        if not err_console.is_terminal:
            return None
        self.progress = Progress(
            TextColumn("不确定性分析"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("样本"),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
        )
        self.progress.start()
        task = self.progress.add_task("", total=self.samples)
        shown = self.progress

        def tick(done: int, total: int) -> None:
            shown.update(task, completed=done, total=total)

        return tick

    def __exit__(self, *_: object) -> None:
        if self.progress is not None:
            self.progress.stop()


def print_stability(stability: Stability) -> None:
    """Per class: firms with a tier and the stable share; then the most influential choice."""
    out_console.print(
        f"不确定性分析：{stability.samples}个样本（随机数种子{stability.seed}），"
        f"众数档次占样本不少于{stability.threshold:.0%}为稳定",
        highlight=False,
    )
    for line in stable_share_line(stability):
        out_console.print(line, highlight=False)
    top = most_influential(stability)
    if top is not None:
        out_console.print(f"对档次影响最大的设定：{top}", highlight=False)


def uncertainty_command(
    rules: Path,
    given: DataFiles,
    out: Path,
    *,
    samples: int | None,
    weight_noise: float | None,
    seed: int | None,
    jobs: int | None,
    scheduler: str | None,
    corrections: Path | None,
) -> None:
    """`mujun uncertainty`: evaluate once, analyse, write the folder, summarise, exit."""
    from .export.stability_folder import write_stability_folder

    ev = load_step(rules, given, corrections)
    stability = analyse_step(
        ev, samples=samples, weight_noise=weight_noise, seed=seed, jobs=jobs, scheduler=scheduler
    )
    try:
        with stage("写出稳定性分析", [out]), err_console.status("正在写出稳定性分析…") as spin:
            folder = write_stability_folder(
                ev,
                stability,
                out,
                notify=_note,
                progress=lambda name: spin.update(f"已写出 {name}"),
            )
    except ExportError as exc:
        raise _fail(str(exc), 1) from None
    print_stability(stability)
    if has_errors(ev):
        out_console.print(
            "数据中有错误，有误的企业未参与分析（mujun check 列出全部数据问题）", highlight=False
        )
    out_console.print(f"稳定性分析已写入 {folder}", highlight=False)
    raise typer.Exit(1 if has_errors(ev) else 0)
