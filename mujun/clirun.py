"""The steps of the commands that evaluate: read, evaluate, write, record, explain.

Each step shows what it is doing on a terminal, and turns a failure into one Chinese message and
the exit code of DESIGN §9 (`fail`); the commands in cli.py only chain them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import typer

from .clihistory import (
    open_archive,
)
from .clisteps import check_out_file as _check_out_file
from .clisteps import data_to_read as _data_to_read
from .clisteps import err_console, out_console
from .clisteps import fail as _fail
from .clisteps import note as _note
from .datafiles import DataFiles
from .engine.compare import Comparison
from .engine.evaluate import evaluate
from .engine.evaluation import Evaluation
from .engine.previous import evaluated_years
from .engine.stability import Stability
from .errors import ArchiveError, DataError, ExportError, RulesError
from .export import write_run
from .export.policy_workbook import summary_lines as policy_summary_lines
from .guard import stage
from .history.migration import History
from .history.years import with_archived_year
from .oserrors import describe_os_error
from .printing import (
    issue_counts_line,
    print_parks,
    print_selection,
)
from .read import read_sources
from .read.commissioners import read_commissioners
from .rules import Rules, load_rules
from .selection import KeyFirms, select_key_firms
from .table import EnterpriseTable


def read_inputs(
    rules: Path,
    given: list[Path] | DataFiles,
    corrections: Path | None = None,
    year: int | None = None,
    panel: bool = False,
    appeals: Path | None = None,
) -> tuple[Rules, EnterpriseTable]:
    """Rules, then the data; files of other years only are skipped unless `panel`."""
    try:
        with stage("读取规则文件", [rules]):
            method = load_rules(rules)
    except RulesError as exc:
        raise _fail(str(exc), 2) from None
    if isinstance(given, DataFiles):
        year_of = None if panel else method.year
        data = _data_to_read(given, year_of, previous=method.reads_previous_year())
        if not data:
            raise _fail("--data 给出的文件都已跳过（见上），没有可读取的部门数据文件", 2)
    else:
        data = given
    try:
        extra = [p for p in (corrections, appeals) if p is not None]
        with stage("读取数据文件", [*data, *extra]):
            return method, read_sources(
                data,
                year=method.year if year is None else year,
                priority=method.input.priority,
                corrections=corrections,
                aliases=method.input.aliases,
                fields=method.catalog,
                appeals=appeals,
            )
    except DataError as exc:
        raise _fail(str(exc), 1) from None


def evaluate_step(
    table: EnterpriseTable, method: Rules, past_tiers: pd.DataFrame | None = None
) -> Evaluation:
    """evaluate; `past_tiers` (earlier years' tiers) count the policies' consecutive years."""
    try:
        with stage("评价"):
            return evaluate(table, method, past_tiers=past_tiers)
    except RulesError as exc:
        raise _fail(str(exc), 2) from None


def load_step(
    rules: Path,
    data: DataFiles,
    corrections: Path | None = None,
    year: int | None = None,
    appeals: Path | None = None,
) -> Evaluation:
    method, table = read_inputs(rules, data, corrections, year, appeals=appeals)
    return evaluate_step(table, method)


def write_step(
    ev: Evaluation,
    out: Path,
    status: str,
    selection: KeyFirms | None = None,
    history: History | None = None,
    comparison: Comparison | None = None,
    stability: Stability | None = None,
) -> Path:
    """write_run with a spinner naming each workbook as it is written (terminal only); a run
    folder that cannot be written or replaced exits with code 1."""
    try:
        with stage("写出结果", [out]), err_console.status("正在写出结果和工作簿…") as spinner:
            return write_run(
                ev,
                out,
                status=status,
                selection=selection,
                progress=lambda name: spinner.update(f"已写出 {name}"),
                notify=_note,
                history=history,
                comparison=comparison,
                stability=stability,
            )
    except ExportError as exc:
        raise _fail(str(exc), 1) from None


def stability_step(ev: Evaluation, samples: int | None) -> Stability | None:
    """`run --uncertainty N`: the analysis with N samples (None: none asked for)."""
    if samples is None:
        return None
    from .cliuncertainty import analyse_step, print_stability

    found = analyse_step(ev, samples=samples)
    print_stability(found)
    return found


def select_step(table: EnterpriseTable, ev: Evaluation, commissioners: Path | None) -> KeyFirms:
    """select_key_firms with a spinner; a selection that cannot be made exits with code 1."""
    try:
        with stage("计算重点企业", [commissioners] if commissioners else []):
            people = None if commissioners is None else read_commissioners(commissioners)
            with err_console.status("正在计算成长画像、重点企业名单与培育库…"):
                return select_key_firms(table, ev, people)
    except DataError as exc:
        raise _fail(str(exc), 1) from None


def has_errors(ev: Evaluation) -> bool:
    return bool((ev.issues["severity"] == "error").any())


def finish(ev: Evaluation, folder: Path) -> None:
    """The data-problem line and where the run is; exit 1 when the data had errors."""
    out_console.print(issue_counts_line(ev.issues, folder / ISSUE_WORKBOOK), highlight=False)
    for line in policy_summary_lines(ev):  # [[policy]]: firms and amounts of each
        out_console.print(line, highlight=False)
    out_console.print(f"结果已写入 {folder}", highlight=False)
    raise typer.Exit(1 if has_errors(ev) else 0)


ISSUE_WORKBOOK = "问题清单.xlsx"


def run_archived(
    url: str,
    rules: Path,
    given: DataFiles,
    out: Path,
    status: str,
    corrections: Path | None,
    year: int | None,
    appeals: Path | None = None,
    uncertainty: int | None = None,
) -> tuple[Evaluation, Path]:
    """`run --archive`: last year from the archive when the rules read it and the data lack
    it, earlier years' tiers for the policies, the run folder with 历年类别 (and 变动对比 given
    corrections or appeals), then the run recorded."""
    store = open_archive(url)
    method, table = read_inputs(rules, given, corrections, year, appeals=appeals)
    try:
        table = with_archived_year(table, store, method)
        ev = evaluate_step(table, method, store.tiers(method.region))
        found = ev.history(store)
    except ArchiveError as exc:
        raise _fail(str(exc), 1) from None
    changed = corrections is not None or appeals is not None
    comparison = None
    if changed:
        try:
            comparison = against_raw(
                rules, given, year, ev, lambda raw: with_archived_year(raw, store, method)
            )
        except ArchiveError as exc:
            raise _fail(str(exc), 1) from None
    stability = stability_step(ev, uncertainty)
    folder = write_step(ev, out, status, history=found, comparison=comparison, stability=stability)
    try:
        run_id = store.add(ev, status)
    except ArchiveError as exc:
        raise _fail(f"结果已写出，但未能记入档案库：{exc}", 1) from None
    out_console.print(f"已记入档案库（运行编号 {run_id}）", highlight=False)
    store.close()
    return ev, folder


def against_raw(
    rules: Path,
    given: DataFiles,
    year: int | None,
    ev: Evaluation,
    prepare: Callable[[EnterpriseTable], EnterpriseTable] | None = None,
) -> Comparison:
    """The run compared with the same data evaluated without its corrections and appeals
    (`prepare`d as the run's table was: last year's rows from the archive)."""
    from .engine.compare import compare

    method, raw = read_inputs(rules, given, None, year)
    base = evaluate_step(raw if prepare is None else prepare(raw), method)
    with stage("对比更正前后"):
        return compare(base, ev)


def explain_folder(folder: Path, code: str, *, as_json: bool, notice: Path | None) -> None:
    """`mujun explain`: one firm of a run folder explained, printed (and its 告知书 written)."""
    from .engine.explain import UnknownFirm
    from .explaining import print_explanation, print_json, write_notice_file
    from .reopen import read_evaluated

    try:
        with stage("读取结果文件夹", [folder]):
            ev = read_evaluated(folder)
    except DataError as exc:
        raise _fail(str(exc), 2) from None
    except RulesError as exc:
        raise _fail(str(exc), 2) from None
    try:
        with stage("计算升档所需变动"), err_console.status("正在重新评价…"):
            ex = ev.explain(code)
    except UnknownFirm as exc:
        raise _fail(str(exc), 2) from None
    if notice is not None:
        _check_out_file(notice)
        try:
            write_notice_file(ev, ex, notice)
        except OSError as exc:
            raise _fail(f"无法写入 {notice}：{describe_os_error(exc)}", 1) from None
    if as_json:
        print_json(out_console, ex)
    else:
        print_explanation(out_console, ev, ex)
        if notice is not None:
            out_console.print(f"告知书已写入 {notice}", highlight=False)


def demo_archive(out: Path) -> Path:
    """Where `mujun demo` keeps its archive: beside the run folder, which holds only the files
    its manifest lists (so that the next demo may replace it)."""
    return out.parent / f"{out.name}-档案库.sqlite"


def run_demo(out: Path) -> None:
    """`mujun demo`: the demo county's 2020 and 2021 graded and archived (终评), then 2022
    graded against them (consecutive D years for the surcharge; 历年类别), its key firms
    selected, the run written and archived (试评价), and what came of it printed."""
    from .clihistory import print_migration, print_repeat_tier
    from .sample.demo import (
        DEMO_DATASET,
        DEMO_RULES,
        EARLIER_YEARS,
        demo_files,
        demo_selection_files,
        evaluate_demo_year,
    )

    place = demo_archive(out)
    store = open_archive(str(place))
    try:
        with stage("评价示例县往年并记入档案库", [place]):
            with err_console.status("正在评价示例县2020、2021年度并记入档案库…"):
                region = load_rules(DEMO_RULES).region
                for year in EARLIER_YEARS:
                    earlier = evaluate_demo_year(year, past_tiers=store.tiers(region))
                    store.add(earlier, "终评")
            past = store.tiers(region)
        with demo_files() as files, demo_selection_files() as (history, people):
            method, panel = read_inputs(DEMO_RULES, [*files, history])
            ev = evaluate_step(evaluated_years(panel, method), method, past)
            kf = select_step(panel, ev, people)
            found = ev.history(store)
            folder = write_step(ev, out, "试评价", kf, history=found)
        store.add(ev, "试评价")
    except ArchiveError as exc:
        raise _fail(str(exc), 1) from None
    finally:
        store.close()
    print_parks(out_console, ev)
    out_console.print(issue_counts_line(ev.issues, folder / ISSUE_WORKBOOK), highlight=False)
    print_selection(out_console, kf)
    labels = {c.code: c.label for c in method.classes}
    for klass in found.classes():
        print_migration(out_console, found, klass, method.year - 1, labels.get(klass))
    print_repeat_tier(out_console, found, method.year, "D", "D类", labels)
    for line in policy_summary_lines(ev):  # [[policy]]: firms and amounts of each
        out_console.print(line, highlight=False)
    out_console.print(
        f"输入文件：{', '.join(Path(f).name for f in [*files, history])}；"
        f"专员名单：{Path(people).name}；往年：{'、'.join(map(str, EARLIER_YEARS))}年度评价数据",
        highlight=False,
    )
    out_console.print(
        f"示例数据中故意设置了若干错误，逐条说明见 {DEMO_DATASET / 'README.md'}", highlight=False
    )
    out_console.print(f"档案库：{place}（mujun history --archive {place}）", highlight=False)
    out_console.print(f"结果已写入 {folder}", highlight=False)
