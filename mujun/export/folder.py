"""A run folder (DESIGN §6), written whole or not at all.

Files go to a hidden temporary folder beside the target, swapped into place at the end; the
manifest records each file's sha256, so that a later run replaces exactly what this one wrote
and never a user's file (see runfolder.py).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engine.evaluation import Evaluation
from ..errors import ExportError
from ..oserrors import describe_os_error
from ..rules.declared import with_rules_fields
from .evaluated import EVALUATED_FILES, write_evaluated
from .issues_workbook import write_issues_workbook
from .policy_workbook import policy_workbook_name, write_policy_workbook
from .report import REPORT, park_report, report_names, write_reports
from .runfolder import (
    MANIFEST,
    check_replaceable,
    check_writable,
    recover,
    sha256_file,
    snapshot,
    swap_into_place,
    temporary_name,
)
from .stability_record import STABILITY_CSV, stability_record
from .tables import write_csv, write_issues_csv, write_json, write_parquet
from .workbooks import RUN_STATUSES, editions, park_labels, write_workbooks

if TYPE_CHECKING:  # the types only: export reads what KeyFirms and Comparison hold
    from ..engine.compare import Comparison
    from ..engine.stability import Stability
    from ..history.migration import History
    from ..selection import KeyFirms

ISSUES_WORKBOOK = "问题清单.xlsx"
RUN_FILES = ("results.csv", "results.parquet", "issues.csv", ISSUES_WORKBOOK, *EVALUATED_FILES)
SELECTION_FILES = ("growth.csv", "key_firms.csv", "watch_lists.csv")


def manifest(
    evaluation: Evaluation, status: str, workbooks: list[str], selection: KeyFirms | None = None
) -> dict[str, Any]:
    """What the run was made from and what it holds; no clock time, so reruns are identical.
    `park_files` gives the full park name behind each park workbook (a file name may be cut),
    `park_reports` behind each park's report."""
    issues = evaluation.issues
    out = {
        **evaluation.provenance,
        "status": status,
        "issues": {s: int((issues["severity"] == s).sum()) for s in ("error", "warning", "info")},
        "files": [*RUN_FILES, *(SELECTION_FILES if selection else ()), *workbooks, "manifest.json"],
    }
    labels = park_labels(evaluation)
    parks = {f: p for f, p in labels.items() if f in workbooks}
    if parks:
        out["park_files"] = parks
    reports = {park_report(f): p for f, p in labels.items() if park_report(f) in workbooks}
    if reports:
        out["park_reports"] = reports
    if selection is not None:
        out["selection"] = {
            "years": list(selection.years),
            "firms": len(selection.growth),
            "clusters": len(selection.clusters),
            "key_firms": len(selection.contact_list),
            "watch_lists": {
                str(k): int(v)
                for k, v in selection.watch_lists["list"].value_counts(sort=False).items()
            },
            "commissioners": None
            if selection.commissioners is None
            else len(selection.commissioners),
        }
    return out


def write_selection_files(selection: KeyFirms, out_dir: Path) -> None:
    """growth.csv, key_firms.csv and watch_lists.csv (UTF-8 with BOM, formula starts guarded)."""
    write_csv(selection.growth_table(), out_dir / "growth.csv")
    write_csv(selection.key_firms_table(), out_dir / "key_firms.csv")
    write_csv(selection.watch_lists, out_dir / "watch_lists.csv")


@with_rules_fields
def write_run(
    evaluation: Evaluation,
    out_dir: str | Path,
    *,
    status: str = "试评价",
    workbooks: bool = True,
    progress: Callable[[str], None] | None = None,
    selection: KeyFirms | None = None,
    notify: Callable[[str], None] | None = None,
    history: History | None = None,
    comparison: Comparison | None = None,
    stability: Stability | None = None,
) -> Path:
    """Write results.csv, results.parquet, issues.csv, 问题清单.xlsx, the result workbooks
    (internal, publication list, parks/), 报告.html with parks/<park>.html, and manifest.json
    into out_dir, atomically. A
    `selection` adds growth.csv, key_firms.csv, watch_lists.csv and, in the internal workbook,
    the sheets 包保名单 and 培育库. `progress` hears the name of each file once it is written;
    `notify` hears what was repaired from an interrupted earlier run. A `history` (of the
    archive, this run included) adds 历年类别 and 类别迁移 to the internal workbook, a
    `comparison` (the run against the same data without its corrections and appeals) 变动对比;
    a `stability` (the uncertainty analysis) stability.csv, the 稳定性 sheet and section."""
    if status not in RUN_STATUSES:
        raise ExportError(f"评价状态须为 {'、'.join(RUN_STATUSES)} 之一，而不是 {status!r}")
    out = prepare_out(out_dir, notify)
    before = snapshot(out)  # what was just checked; looked at again before the swap
    tell = progress or (lambda _name: None)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = temporary_name(out, "new")
    except OSError as exc:
        raise ExportError(f"无法写入 {out}：{describe_os_error(exc)}") from None
    try:
        write_csv(evaluation.results, tmp / "results.csv")
        tell("results.csv")
        write_parquet(evaluation.results, tmp / "results.parquet")
        tell("results.parquet")
        write_issues_csv(evaluation.issues, tmp / "issues.csv")
        tell("issues.csv")
        write_evaluated(evaluation, tmp)  # what `mujun explain DIR` evaluates again
        tell(", ".join(EVALUATED_FILES))
        rules = evaluation.rules
        write_issues_workbook(
            evaluation.issues,
            tmp / ISSUES_WORKBOOK,
            title=f"{rules.region}{rules.year}年度数据问题清单",
            names=evaluation.results,
            labels=rules.indicator_labels(),
        )
        tell(ISSUES_WORKBOOK)
        if selection is not None:
            write_selection_files(selection, tmp)
            tell(", ".join(SELECTION_FILES))
        prepared = editions(evaluation)  # one summary per park, for workbooks and reports
        books = (
            write_workbooks(
                evaluation,
                tmp,
                status=status,
                progress=progress,
                selection=selection,
                prepared=prepared,
                history=history,
                comparison=comparison,
                stability=stability,
            )
            if workbooks
            else []
        )
        if workbooks and rules.policies:  # [[policy]]: 差别化政策清单
            policy_book = tmp / policy_workbook_name(evaluation)
            books.append(write_policy_workbook(evaluation, policy_book, status=status))
            tell(policy_book.name)
        names = [p.relative_to(tmp).as_posix() for p in books] + report_names(evaluation)
        record = manifest(evaluation, status, names, selection)
        if stability is not None:
            stability.to_csv(tmp / STABILITY_CSV)
            tell(STABILITY_CSV)
            record["files"].insert(-1, STABILITY_CSV)  # before manifest.json
            record["uncertainty"] = stability_record(stability)
        write_reports(evaluation, tmp, record, prepared=prepared, stability=stability)
        tell(REPORT)
        seal(tmp, out, before, record)
    except OSError as exc:
        raise ExportError(f"无法写入 {out}：{describe_os_error(exc)}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return Path(out_dir)


def seal(tmp: Path, out: Path, before: dict[str, tuple[int, int, int]], record: Any) -> None:
    """Finish a folder written under the temporary name `tmp`: every file's sha256 into the
    manifest `record`, the manifest written, the folder put in place of `out` (the run folder
    and the stability folder end the same way)."""
    record["sha256"] = {
        p.relative_to(tmp).as_posix(): sha256_file(p) for p in tmp.rglob("*") if p.is_file()
    }
    write_json(record, tmp / MANIFEST)
    tmp.chmod(0o755)
    swap_into_place(tmp, out, before)


def prepare_out(out_dir: str | Path, notify: Callable[[str], None] | None = None) -> Path:
    """The absolute --out, after repairing an interrupted earlier run beside it (each repair
    told to `notify`) and checking that it may be replaced and its parent written; raises
    ExportError otherwise. Called before the evaluation, so that a bad --out fails at once."""
    out = Path(os.path.abspath(out_dir))
    for note in recover(out):
        (notify or (lambda _note: None))(note)
    check_replaceable(out)
    check_writable(out)
    return out
