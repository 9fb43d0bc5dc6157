"""The result workbooks of a run (DESIGN §6): the internal workbook (内部版), the publication
list (公示版) and one workbook per park holding that park's firms only.

A park's workbook is written from `Evaluation.subset` of its firms: its tables, issues,
corrections and charts can only show those firms; the county figures and benchmarks beside them
are shown only where they cannot reveal another park's firm (disclosure.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..engine.evaluation import MISSING_GROUP, UNTIERED, Evaluation
from ..errors import ExportError
from ..rules.declared import with_rules_fields
from ..rules.tiers import UNGRADED, UNGRADED_LABEL
from .compare_sheet import COMPARED, add_compare_sheet
from .composite_sheet import SHEET as TREATMENT_SHEET
from .composite_sheet import add_treatment_sheet
from .disclosure import benchmark_shown, county_cells
from .history_sheet import HISTORY_SHEET, MIGRATION_SHEET, add_history_sheets
from .issues_workbook import add_issue_sheet, issue_sheet_names
from .method_sheet import SHEET as METHOD_SHEET
from .method_sheet import add_method_sheet
from .names import file_stems, sheet_names
from .publication import write_publication
from .result_sheets import OUTSIDE_SHEET, add_class_sheet, add_outside_sheet
from .selection_sheets import KEY_SHEET, WATCH_SHEET, add_key_firm_sheet, add_watch_sheet
from .stability_sheet import SHEET as STABILITY_SHEET
from .stability_sheet import add_stability_sheet, key_label_of
from .styles import colour_name
from .summary_sheet import SHEET as SUMMARY_SHEET
from .summary_sheet import SummaryData, add_summary_sheet
from .xlsx import new_workbook, save

if TYPE_CHECKING:  # the types only: export reads what KeyFirms and Comparison hold
    from ..engine.compare import Comparison
    from ..engine.stability import Stability
    from ..history.migration import History
    from ..selection import KeyFirms

RUN_STATUSES = ("试评价", "初评", "终评")
ISSUE_SHEET = "问题清单"
PARKS_FOLDER = "parks"
NO_PARK = "未填园区"
INTERNAL = "内部版"


def workbook_names(ev: Evaluation) -> tuple[str, str]:
    """File names of the internal workbook and the publication list."""
    region, year = ev.rules.region, ev.rules.year
    internal, public = file_stems(
        [f"亩均效益评价结果_{region}_{year}", f"公示名单_{region}_{year}"]
    )
    return f"{internal}.xlsx", f"{public}.xlsx"


def park_files(ev: Evaluation) -> dict[str, str]:
    """Each park (as `Evaluation.groups("park")` names it) → its file name under parks/."""
    parks = ev.groups("park")
    stems = file_stems(NO_PARK if p == MISSING_GROUP else p for p in parks)
    return {p: f"{PARKS_FOLDER}/{s}.xlsx" for p, s in zip(parks, stems, strict=True)}


def park_labels(ev: Evaluation) -> dict[str, str]:
    """Each park workbook's file name under the run folder → the park's full name."""
    return {
        name: NO_PARK if park == MISSING_GROUP else park for park, name in park_files(ev).items()
    }


@with_rules_fields
def write_workbooks(
    evaluation: Evaluation,
    out_dir: str | Path,
    *,
    status: str = "试评价",
    parks: bool = True,
    publication: bool = True,
    progress: Callable[[str], None] | None = None,
    selection: KeyFirms | None = None,
    prepared: tuple[SummaryData, Sequence[ParkEdition]] | None = None,
    history: History | None = None,
    comparison: Comparison | None = None,
    stability: Stability | None = None,
) -> list[Path]:
    """Write the internal workbook, the publication list and parks/<park>.xlsx into out_dir;
    return their paths. Each file is written under a temporary name and renamed. With a
    `selection`, the internal workbook (only it) also holds 包保名单 and 培育库. `prepared`:
    the county summary and park editions when already made (`editions`; the reports share
    them)."""
    if status not in RUN_STATUSES:
        raise ExportError(f"评价状态须为 {'、'.join(RUN_STATUSES)} 之一，而不是 {status!r}")
    out = Path(out_dir)
    ev = evaluation
    internal, public = workbook_names(ev)
    summary, parts = prepared if prepared is not None else (county_summary(ev), None)
    written = [
        write_result_workbook(
            ev,
            out / internal,
            status=status,
            edition=INTERNAL,
            summary=summary,
            selection=selection,
            history=history,
            comparison=comparison,
            stability=stability,
        )
    ]
    _tell(progress, internal)
    if publication:
        written.append(write_publication(ev, out / public, status=status))
        _tell(progress, public)
    if parks:
        for edition in park_editions(ev, summary) if parts is None else parts:
            written.append(
                write_result_workbook(
                    edition.evaluation,
                    out / edition.file,
                    status=status,
                    edition=f"{edition.label}版",
                    summary=edition.summary,
                    park=edition.label,
                    benchmarks=edition.benchmarks,
                )
            )
            _tell(progress, edition.file)
    return written


@dataclass(frozen=True)
class ParkEdition:
    """What one park's workbook (and its report) is made from: its firms only, the county
    figures it may show, and which benchmarks (disclosure.py)."""

    label: str  # the park's full name (未填园区 for firms without one)
    file: str  # parks/<park>.xlsx
    evaluation: Evaluation
    summary: SummaryData
    benchmarks: np.ndarray


def editions(ev: Evaluation) -> tuple[SummaryData, list[ParkEdition]]:
    """The county summary and every park's edition, made once for the workbooks and reports."""
    summary = county_summary(ev)
    return summary, list(park_editions(ev, summary))


def park_editions(ev: Evaluation, summary: SummaryData) -> Iterator[ParkEdition]:
    """Each park's edition, in file order; `summary` is the county's (`county_summary`)."""
    county = summary.parks
    keys = ev.results["park"].astype("string").fillna(MISSING_GROUP).to_numpy(dtype=object)
    for park, name in park_files(ev).items():
        mine = keys == park
        sub = ev.subset(mine)
        parks_only = county.iloc[:-1]  # the county's row is the last
        rows = pd.concat([parks_only[parks_only["park"] == park], county.iloc[[-1]]])
        data = SummaryData(
            tiers=sub.tier_table(),
            park_tiers=sub.tier_counts("park"),
            parks=rows,
            divisions=sub.summary("industry_division"),
            distribution=sub.score_distribution(),
            county_divisions=summary.divisions,
            county_cells=county_cells(ev, mine),
        )
        label = NO_PARK if park == MISSING_GROUP else park
        yield ParkEdition(label, name, sub, data, benchmark_shown(ev, mine))


def county_summary(ev: Evaluation) -> SummaryData:
    """What the internal workbook's 汇总 shows: the whole evaluation's summaries."""
    return SummaryData(
        tiers=ev.tier_table(),
        park_tiers=ev.tier_counts("park"),
        parks=ev.summary("park"),
        divisions=ev.summary("industry_division"),
        distribution=ev.score_distribution(),
    )


@with_rules_fields
def write_internal_workbook(
    ev: Evaluation,
    path: str | Path,
    *,
    status: str = "试评价",
    selection: KeyFirms | None = None,
    history: History | None = None,
    comparison: Comparison | None = None,
) -> Path:
    """The internal workbook (内部版) alone at `path`; a selection adds 包保名单 and 培育库,
    a history 历年类别 and 类别迁移, a comparison 变动对比."""
    return write_result_workbook(
        ev,
        Path(path),
        status=status,
        edition=INTERNAL,
        summary=county_summary(ev),
        selection=selection,
        history=history,
        comparison=comparison,
    )


@with_rules_fields
def write_result_workbook(
    ev: Evaluation,
    path: Path,
    *,
    status: str,
    edition: str,
    summary: SummaryData,
    park: str | None = None,
    selection: KeyFirms | None = None,
    benchmarks: np.ndarray | None = None,
    history: History | None = None,
    comparison: Comparison | None = None,
    stability: Stability | None = None,
) -> Path:
    """One result workbook: 说明, 汇总, a sheet per class, 包保名单 and 培育库 (given a
    selection), 免评与暂缓 and 问题清单. `benchmarks` (a park's workbook): which rows of
    `ev.benchmarks` its 说明 may show."""
    rules = ev.rules
    where = f"{rules.region}{park or ''}"
    title = f"{where}{rules.year}年度工业企业亩均效益评价结果（{edition}）"
    wb = new_workbook(title)
    legend = "、".join(
        dict.fromkeys(
            f"{UNGRADED_LABEL if t == UNGRADED else t} {colour_name(t, c.tiers.order)}"
            for c in rules.classes
            for t in ev.shown_tiers(c)
            if t != UNTIERED  # no tier, no colour
        )
    )
    units = "单位：用地 亩，金额 万元，亩均 万元/亩，得分 分"
    notes = [f"评价状态：{status}　　{units}　　评价类别底色：{legend}"]
    add_method_sheet(wb, ev, title=title, status=status, edition=edition, shown=benchmarks)
    add_summary_sheet(
        wb, rules, summary, title=f"{where}{rules.year}年度亩均效益评价汇总", notes=notes
    )
    issue_sheets = issue_sheet_names(len(ev.issues), ISSUE_SHEET)
    fixed = [METHOD_SHEET, SUMMARY_SHEET, KEY_SHEET, WATCH_SHEET, OUTSIDE_SHEET, *issue_sheets]
    fixed += [HISTORY_SHEET, MIGRATION_SHEET]
    fixed += [TREATMENT_SHEET]
    fixed += [STABILITY_SHEET]
    names = sheet_names((c.label for c in rules.classes), taken=fixed)
    paper = rules.publication.paper
    bodies = [
        add_class_sheet(
            wb,
            ev,
            klass,
            name,
            notes=notes,
            paper=paper,
            title=f"{where}{rules.year}年度{klass.label}亩均效益评价结果",
        )
        for klass, name in zip(rules.classes, names, strict=True)
    ]
    if selection is not None:
        bodies.append(
            add_key_firm_sheet(wb, selection, title=f"{where}{rules.year}年度重点企业包保名单")
        )
        bodies.append(add_watch_sheet(wb, selection, title=f"{where}{rules.year}年度企业培育库"))
    if history is not None:
        bodies.extend(add_history_sheets(wb, ev, history, where=where))
    if comparison is not None:  # the internal workbook only: it names firms of every park
        bodies.append(
            add_compare_sheet(
                wb,
                comparison,
                title=f"{where}{rules.year}年度异议复核变动对比",
                notes=[COMPARED],
            )
        )
    if stability is not None:  # the internal workbook only: it names firms of every park
        bodies.append(
            add_stability_sheet(
                wb,
                stability,
                title=f"{where}{rules.year}年度评价档次稳定性分析",
                key_label=key_label_of(rules),
            )
        )
    if park is None and edition == INTERNAL:  # 数据处理: reported values, internal only
        add_treatment_sheet(wb, ev)
    bodies.append(
        add_outside_sheet(
            wb,
            ev,
            title=f"{where}{rules.year}年度免评、暂缓评价及数据有误企业",
            notes=[f"评价状态：{status}"],
        )
    )
    bodies.extend(
        add_issue_sheet(
            wb,
            ev.issues,
            f"{where}{rules.year}年度数据问题清单",
            ISSUE_SHEET,
            names=ev.results,
            labels=rules.indicator_labels(),
        )
    )
    return save(wb, path, bodies)


def _tell(progress: Callable[[str], None] | None, name: str) -> None:
    if progress is not None:
        progress(name)
