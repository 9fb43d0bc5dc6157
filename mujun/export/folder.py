"""A run folder (DESIGN §6), written whole or not at all.

Files go to a hidden temporary folder beside the target, which is renamed into place at the end.
An existing target is replaced only when it is empty or an earlier run holding nothing but the
files its manifest lists, so a mistyped --out can never wipe unrelated files.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engine.evaluation import Evaluation
from ..errors import ExportError
from .issues_workbook import write_issues_workbook
from .tables import write_csv, write_issues_csv, write_json, write_parquet
from .workbooks import RUN_STATUSES, park_labels, write_workbooks

if TYPE_CHECKING:  # the type only: export reads what KeyFirms holds
    from ..selection import KeyFirms

ISSUES_WORKBOOK = "问题清单.xlsx"
RUN_FILES = ("results.csv", "results.parquet", "issues.csv", ISSUES_WORKBOOK)
SELECTION_FILES = ("growth.csv", "key_firms.csv", "watch_lists.csv")


def manifest(
    evaluation: Evaluation, status: str, workbooks: list[str], selection: KeyFirms | None = None
) -> dict[str, Any]:
    """What the run was made from and what it holds; no clock time, so reruns are identical.
    `park_files` gives the full park name behind each park workbook (a file name may be cut)."""
    issues = evaluation.issues
    out = {
        **evaluation.provenance,
        "status": status,
        "issues": {s: int((issues["severity"] == s).sum()) for s in ("error", "warning", "info")},
        "files": [*RUN_FILES, *(SELECTION_FILES if selection else ()), *workbooks, "manifest.json"],
    }
    parks = {f: p for f, p in park_labels(evaluation).items() if f in workbooks}
    if parks:
        out["park_files"] = parks
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


def write_run(
    evaluation: Evaluation,
    out_dir: str | Path,
    *,
    status: str = "试评价",
    workbooks: bool = True,
    progress: Callable[[str], None] | None = None,
    selection: KeyFirms | None = None,
) -> Path:
    """Write results.csv, results.parquet, issues.csv, 问题清单.xlsx, the result workbooks
    (internal, publication list, parks/) and manifest.json into out_dir, atomically. A
    `selection` adds growth.csv, key_firms.csv, watch_lists.csv and, in the internal workbook,
    the sheets 包保名单 and 培育库. `progress` hears the name of each file once it is written."""
    if status not in RUN_STATUSES:
        raise ExportError(f"评价状态须为 {'、'.join(RUN_STATUSES)} 之一，而不是 {status!r}")
    out = Path(out_dir)
    if out.exists():
        _check_replaceable(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.new.", dir=out.parent))
    tell = progress or (lambda _name: None)
    try:
        write_csv(evaluation.results, tmp / "results.csv")
        tell("results.csv")
        write_parquet(evaluation.results, tmp / "results.parquet")
        tell("results.parquet")
        write_issues_csv(evaluation.issues, tmp / "issues.csv")
        tell("issues.csv")
        rules = evaluation.rules
        write_issues_workbook(
            evaluation.issues,
            tmp / ISSUES_WORKBOOK,
            title=f"{rules.region}{rules.year}年度数据问题清单",
        )
        tell(ISSUES_WORKBOOK)
        if selection is not None:
            write_selection_files(selection, tmp)
            tell(", ".join(SELECTION_FILES))
        books = (
            write_workbooks(evaluation, tmp, status=status, progress=progress, selection=selection)
            if workbooks
            else []
        )
        names = [p.relative_to(tmp).as_posix() for p in books]
        write_json(manifest(evaluation, status, names, selection), tmp / "manifest.json")
        tmp.chmod(0o755)
        _swap_into_place(tmp, out)
    except OSError as exc:
        raise ExportError(f"无法写入 {out}：{exc}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _check_replaceable(out: Path) -> None:
    """Only an empty folder or an earlier run holding nothing but its own files is replaced."""
    if not out.is_dir():
        raise ExportError(f"{out} exists and is not a folder; choose another --out")
    entries = {p.name for p in out.iterdir()}
    if not entries:
        return
    try:
        previous = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        listed = {Path(f).parts[0] for f in previous["files"]}
        is_run = isinstance(previous, dict) and "mujun_version" in previous
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        is_run, listed = False, set()
    if not is_run:
        raise ExportError(f"{out} exists and is not a mujun run folder; choose another --out")
    extra = sorted(entries - listed)
    if extra:
        raise ExportError(
            f"{out} holds files that are not part of the earlier run "
            f"({', '.join(extra[:5])}); move them or choose another --out"
        )


def _swap_into_place(new: Path, out: Path) -> None:
    """Rename `new` to `out`; an existing `out` is set aside under a fresh name and removed only
    once the new folder is in place (restored if the rename fails)."""
    if not out.exists():
        new.rename(out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
    old.rmdir()
    out.rename(old)
    try:
        new.rename(out)
    except OSError:
        old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)
