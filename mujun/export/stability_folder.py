"""The folder `mujun uncertainty` writes: stability.csv, 稳定性分析_<region>_<year>.xlsx,
报告.html (with its 稳定性 section) and manifest.json, whole or not at all, as a run folder is
(runfolder.py: a hidden folder beside the target, swapped into place at the end)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..engine.evaluation import Evaluation
from ..engine.stability import Stability
from ..errors import ExportError
from ..oserrors import describe_os_error
from .folder import prepare_out, seal
from .names import file_stems
from .report import REPORT, render
from .runfolder import MANIFEST, snapshot, temporary_name
from .stability_record import STABILITY_CSV, stability_record
from .stability_sheet import key_label_of, write_stability_workbook
from .workbooks import county_summary


def stability_workbook_name(ev: Evaluation) -> str:
    """稳定性分析_<region>_<year>.xlsx (a safe file name)."""
    (stem,) = file_stems([f"稳定性分析_{ev.rules.region}_{ev.rules.year}"])
    return f"{stem}.xlsx"


def write_stability_folder(
    ev: Evaluation,
    stability: Stability,
    out_dir: str | Path,
    *,
    notify: Callable[[str], None] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Write the folder atomically; raises ExportError when it cannot be written or replaced."""
    out = prepare_out(out_dir, notify)
    before = snapshot(out)
    tell = progress or (lambda _name: None)
    book = stability_workbook_name(ev)
    rules = ev.rules
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = temporary_name(out, "new")
    except OSError as exc:
        raise ExportError(f"无法写入 {out}：{describe_os_error(exc)}") from None
    try:
        tmp.mkdir(parents=True, exist_ok=True)
        stability.to_csv(tmp / STABILITY_CSV)
        tell(STABILITY_CSV)
        title = f"{rules.region}{rules.year}年度工业企业亩均效益评价档次稳定性分析"
        write_stability_workbook(stability, tmp / book, title=title, key_label=key_label_of(rules))
        tell(book)
        record: dict[str, Any] = {
            **ev.provenance,
            "status": "稳定性分析",
            "files": [STABILITY_CSV, book, REPORT, MANIFEST],
            "uncertainty": stability_record(stability),
        }
        html = render(ev, record, county_summary(ev), lines=ev.tier_lines(), stability=stability)
        (tmp / REPORT).write_text(html, encoding="utf-8", newline="\n")
        tell(REPORT)
        seal(tmp, out, before, record)
    except OSError as exc:
        raise ExportError(f"无法写入 {out}：{describe_os_error(exc)}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return Path(out_dir)
