"""The command line's archive and history steps: open an archive, record a run, print a
History as Chinese tables or as the JSON of DESIGN §7. The commands themselves are in cli.py."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from .clisteps import fail
from .errors import ArchiveError, RunFolderError
from .history import Archive
from .history.archive import NOT_A_DATABASE
from .history.migration import ARROW, History, history

MAX_FIRMS = 30  # the consecutive-tier table shows this many firms, longest runs first


def open_archive(url: str, create: bool = True) -> Archive:
    """The archive at `url`, reachable and readable; exit 2 (a bad URL, a file that is no
    database, or — unless `create` — a SQLite file that does not exist) or 1 (unreachable)
    with the reason otherwise. A command that only reads passes `create=False`."""
    try:
        archive = Archive(url)
    except ArchiveError as exc:
        raise fail(str(exc), 2) from None
    if not create and archive.url.startswith("sqlite:///"):
        path = Path(archive.url.removeprefix("sqlite:///"))
        if not path.is_file():
            raise fail(f"档案库文件不存在：{path}", 2)
    try:
        archive.runs()
    except ArchiveError as exc:
        raise fail(str(exc), 2 if NOT_A_DATABASE in str(exc) else 1) from None
    return archive


def archive_history(archive: Archive, region: str | None) -> History:
    """The history of `region`, or of the archive's only region; exit 2 when it holds several
    regions and none was named, 1 when it holds none."""
    try:
        regions = sorted(set(archive.runs()["region"]))
        if region is None:
            if not regions:
                raise fail("档案库中还没有任何评价记录", 1)
            if len(regions) > 1:
                raise fail(f"档案库中有多个地区（{'、'.join(regions)}），请用 --region 指定", 2)
            region = regions[0]
        elif region not in regions:
            raise fail(f"档案库中没有地区“{region}”的评价记录（有：{'、'.join(regions)}）", 1)
        return history(archive.tiers(region))
    except ArchiveError as exc:
        raise fail(str(exc), 1) from None


def print_history_json(console: Console, found: History) -> None:
    """One JSON object on one line, for other programs."""
    text = json.dumps(found.to_json(), ensure_ascii=False)
    console.print(text, soft_wrap=True, highlight=False, markup=False, emoji=False)


def print_history(console: Console, found: History) -> None:
    """Each class's migration matrices (counts, and each row's share), firms new and gone,
    then the firms longest in their tier."""
    if not found.years:
        console.print("档案库中没有已参评的企业")
        return
    console.print(f"档案库年度：{'、'.join(map(str, found.years))}", highlight=False)
    for klass in found.classes():
        for year_a, _ in found.pairs():
            print_migration(console, found, klass, year_a)
    cons = found.consecutive.sort_values(["years", "credit_code"], ascending=[False, True])
    table = Table(title=f"连续处于同一档次的年数（最长的 {min(MAX_FIRMS, len(cons))} 家）")
    for header in ("统一社会信用代码", "类别", "最近参评年度", "档次", "连续年数"):
        table.add_column(header)
    for row in cons.head(MAX_FIRMS).itertuples(index=False):  # at most MAX_FIRMS rows
        table.add_row(row.credit_code, str(row[1]), str(row.year), row.tier, str(row.years))
    console.print(table)


def print_migration(
    console: Console, found: History, klass: str, year_a: int, label: str | None = None
) -> None:
    """One class's migration matrix from `year_a` to the next year (counts, each row's share)
    and how many firms were in both years, new and gone; nothing when none was in both."""
    year_b = year_a + 1
    counts = found.matrix(klass, year_a)
    if counts.empty:
        return
    shares = found.matrix(klass, year_a, shares=True)
    title = f"{label or klass}：{year_a}{ARROW}{year_b} 类别迁移（家数，行内占比）"
    table = Table(title=title)
    table.add_column(f"{year_a}年 ＼ {year_b}年")
    for tier in counts.columns:
        table.add_column(str(tier), justify="right")
    table.add_column("合计", justify="right")
    for tier in counts.index:  # a loop over tiers
        cells = [f"{int(counts.at[tier, t])}（{shares.at[tier, t]:.0%}）" for t in counts.columns]
        table.add_row(str(tier), *cells, str(int(counts.loc[tier].sum())))
    console.print(table)
    flow = found.flows[(found.flows["class"] == klass) & (found.flows["year_a"] == year_a)].iloc[0]
    console.print(
        f"两年均在本类别参评 {flow['both']} 家；{year_b}年新进入本类别 {flow['new']} 家，"
        f"{year_a}年在本类别而{year_b}年不在（未参评或转入其他类别）{flow['gone']} 家",
        highlight=False,
    )


def print_repeat_tier(
    console: Console,
    found: History,
    year: int,
    tier: str,
    label: str,
    class_labels: dict[str, str] | None = None,
) -> None:
    """How many firms of `year` have been in `tier` for two or more years running, per class."""
    cons = found.consecutive
    hit = cons[(cons["year"] == year) & (cons["tier"] == tier) & (cons["years"] >= 2)]
    per = hit.groupby("class").size()
    names = class_labels or {}
    parts = "，".join(f"{names.get(str(k), k)} {n} 家" for k, n in per.items())
    console.print(
        f"{year}年连续两年及以上为{label}的企业：{len(hit)} 家" + (f"（{parts}）" if parts else ""),
        highlight=False,
    )


def add_folders(archive: Archive, folders: list[Path], console: Console) -> int:
    """Add each run folder, one line each; the exit code: 2 when a folder given is no run folder
    (an argument that cannot be used), else 1 when the archive could not be written, else 0."""
    code = 0
    for folder in folders:  # a loop over folders
        try:
            before = len(archive.runs())
            run_id = archive.add_folder(folder)
            new = len(archive.runs()) > before
        except RunFolderError as exc:
            console.print(f"错误：{exc}", highlight=False)
            code = 2
            continue
        except ArchiveError as exc:
            console.print(f"错误：{exc}", highlight=False)
            code = max(code, 1)
            continue
        what = "已加入档案库" if new else "档案库中已有这次运行，未重复加入"
        console.print(f"{folder}：{what}（运行编号 {run_id}）", highlight=False)
    return code
