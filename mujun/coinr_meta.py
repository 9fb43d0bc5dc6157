"""Reading a COINr iMeta table (and, optionally, its iData) for `mujun import-coinr`.

COINr describes a composite indicator by one metadata row per indicator, aggregate, group column
and denominator (`Level`, `iCode`, `iName`, `Direction`, `Weight`, `Unit`, `Denominator`,
`Parent`, `Type`). This module reads that table into a checked tree; `coinr_import` writes it
as a rules file. Every problem is a `RulesError` naming the file, the line and the column, in
Chinese, so that the command exits 2 with one message. Files are bounded before parsing.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import RulesError
from .oserrors import describe_os_error
from .rules import quote

MAX_META_BYTES = 2_000_000  # an iMeta of thousands of indicators is still far below this
MAX_META_ROWS = 10_000
MAX_DATA_BYTES = 200_000_000  # streamed: costs seconds, not memory (only distinct years stay)
MAX_DATA_ROWS = 1_000_000
REQUIRED = ("iCode", "iName", "Type")
KNOWN_TYPES = ("Indicator", "Aggregate", "Group", "Denominator", "Other")


@dataclass(frozen=True)
class Row:
    """One iMeta row as read: its line in the file, for messages."""

    line: int
    level: int | None
    icode: str
    name: str
    direction: int
    weight: float
    unit: str
    denominator: str
    parent: str
    type: str


@dataclass(frozen=True)
class Meta:
    """A checked iMeta: the root aggregate (the class), the aggregates below it from the top
    down, the indicators, the group columns and the denominators."""

    path: str
    root: Row
    aggregates: list[Row]
    indicators: list[Row]
    groups: list[Row]
    denominators: list[Row]


def read_csv(path: Path, *, max_bytes: int, max_rows: int, what: str) -> list[dict[str, str]]:
    """The rows of a CSV file as dictionaries, refused when larger than the bounds."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise RulesError(f"{what}不是普通文件", file=str(path))
        if size > max_bytes:
            raise RulesError(
                f"{what}过大（{size:,} 字节，上限 {max_bytes:,} 字节），拒绝读取", file=str(path)
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise RulesError(
            f"无法读取{what}：{describe_os_error(exc, path=False)}", file=str(path)
        ) from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes almost anything
        raise RulesError(f"{what}的编码无法识别（须为 UTF-8 或 GBK）", file=str(path))
    if "\x00" in text:
        raise RulesError(f"{what}含有空字符，不是文本 CSV 文件", file=str(path))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows: list[dict[str, str]] = []
    try:
        for row in reader:
            if len(rows) >= max_rows:
                raise RulesError(f"{what}超过 {max_rows:,} 行，拒绝读取", file=str(path))
            rows.append({k: (v or "").strip() for k, v in row.items() if isinstance(k, str)})
    except csv.Error as exc:
        raise RulesError(f"{what}不是有效的 CSV：{exc}", file=str(path)) from None
    if reader.fieldnames is None:
        raise RulesError(f"{what}是空文件", file=str(path))
    return rows


def read_meta(path: Path) -> Meta:
    """Read and check an iMeta table: required columns, known types, unique codes, numeric
    weights and directions, parents that are aggregates, one root, no cycles."""
    table = read_csv(path, max_bytes=MAX_META_BYTES, max_rows=MAX_META_ROWS, what="iMeta 表")
    where = str(path)
    columns = set(table[0]) if table else set()
    missing = [c for c in REQUIRED if c not in columns]
    if not table or missing:
        raise RulesError(
            f"iMeta 表缺少列 {'、'.join(missing or REQUIRED)}（COINr 的 iMeta 须有 iCode、iName、"
            "Type，指标与汇总行另须 Level、Parent、Weight、Direction）",
            file=where,
        )
    rows = [_row(r, i + 2, where) for i, r in enumerate(table)]
    seen: dict[str, int] = {}
    for r in rows:
        if r.icode in seen:
            raise RulesError(
                f"iCode {quote.value(r.icode)} 重复（第 {seen[r.icode]} 行已有）",
                file=where,
                line=r.line,
                key="iCode",
            )
        seen[r.icode] = r.line
    by_type = {t: [r for r in rows if r.type == t] for t in KNOWN_TYPES}
    aggregates = {r.icode: r for r in by_type["Aggregate"]}
    if not by_type["Indicator"]:
        raise RulesError("iMeta 表中没有 Type = Indicator 的行", file=where)
    if not aggregates:
        raise RulesError("iMeta 表中没有 Type = Aggregate 的行（至少须有指数本身）", file=where)
    for r in [*by_type["Indicator"], *aggregates.values()]:
        if r.parent and r.parent not in aggregates:
            what = "不是汇总（Aggregate）行" if r.parent in seen else "不在 iMeta 表中"
            raise RulesError(
                f"{r.icode} 的上级 {quote.value(r.parent)} {what}",
                file=where,
                line=r.line,
                key="Parent",
            )
    for r in by_type["Indicator"]:
        if not r.parent:
            raise RulesError(f"指标 {r.icode} 没有上级（Parent）", file=where, line=r.line)
    roots = [r for r in aggregates.values() if not r.parent]
    if len(roots) != 1:
        names = "、".join(r.icode for r in roots) or "没有"
        raise RulesError(
            f"汇总行中须恰好有一个没有上级的指数（最高层级），实为：{names}", file=where
        )
    _no_cycles(aggregates, where)
    _consistent_levels(rows, aggregates, where)
    denominators = {r.icode for r in by_type["Denominator"]}
    for r in by_type["Indicator"]:
        if r.denominator and r.denominator not in denominators:
            raise RulesError(
                f"指标 {r.icode} 的分母 {quote.value(r.denominator)} 不是 Type = Denominator 的行",
                file=where,
                line=r.line,
                key="Denominator",
            )
    return Meta(
        where,
        roots[0],
        _top_down(aggregates, roots[0]),
        by_type["Indicator"],
        by_type["Group"],
        by_type["Denominator"],
    )


def _row(r: dict[str, str], line: int, where: str) -> Row:
    kind = r.get("Type", "")
    if kind not in KNOWN_TYPES:
        raise RulesError(
            f"Type {quote.value(kind)} 未知，须为 {'、'.join(KNOWN_TYPES)} 之一",
            file=where,
            line=line,
            key="Type",
        )
    icode, name = r.get("iCode", ""), r.get("iName", "")
    if not icode:
        raise RulesError("iCode 为空", file=where, line=line, key="iCode")
    tree = kind in ("Indicator", "Aggregate")
    weight = _number(r.get("Weight", ""), "Weight", where, line, default=1.0 if tree else 0.0)
    if tree and weight <= 0:  # COINr lets 0 switch a node off; mujun's weights are positive
        raise RulesError(
            f"权重须大于0，实为 {weight:g}（不用的指标或汇总请从 iMeta 中删去）",
            file=where,
            line=line,
            key="Weight",
        )
    direction = _number(r.get("Direction", ""), "Direction", where, line, default=1.0)
    if tree and direction not in (1.0, -1.0):
        raise RulesError(
            f"Direction 须为 1 或 -1，实为 {direction:g}", file=where, line=line, key="Direction"
        )
    level = r.get("Level", "")
    lv = _number(level, "Level", where, line, default=math.nan)
    if tree and (math.isnan(lv) or lv != int(lv) or lv < 1):
        raise RulesError(
            f"Level 须为正整数，实为 {quote.value(level)}", file=where, line=line, key="Level"
        )
    return Row(
        line=line,
        level=None if math.isnan(lv) else int(lv),
        icode=icode,
        name=name or icode,
        direction=int(direction) if direction in (1.0, -1.0) else 1,
        weight=weight,
        unit=r.get("Unit", ""),
        denominator=r.get("Denominator", "") if kind == "Indicator" else "",
        parent=r.get("Parent", "") if tree else "",
        type=kind,
    )


def _number(text: str, column: str, where: str, line: int, *, default: float) -> float:
    if text == "":
        return default
    try:
        value = float(text)
    except ValueError:
        raise RulesError(
            f"{column} 须为数值，实为 {quote.value(text)}", file=where, line=line, key=column
        ) from None
    if not math.isfinite(value) or abs(value) > 1e9:
        raise RulesError(
            f"{column} 须为有限数值，实为 {quote.value(text)}", file=where, line=line, key=column
        )
    return value


def _no_cycles(aggregates: dict[str, Row], where: str) -> None:
    for start in aggregates.values():
        path = [start.icode]
        node = start
        while node.parent:
            if node.parent in path:
                loop = " → ".join([*path[path.index(node.parent) :], node.parent])
                raise RulesError(
                    f"汇总层级有循环：{loop}", file=where, line=start.line, key="Parent"
                )
            path.append(node.parent)
            node = aggregates[node.parent]


def _consistent_levels(rows: list[Row], aggregates: dict[str, Row], where: str) -> None:
    """A parent sits on a higher Level than its child (COINr builds the tree level by level)."""
    for r in rows:
        if r.parent and r.level is not None:
            up = aggregates[r.parent].level
            if up is not None and up <= r.level:
                raise RulesError(
                    f"{r.icode}（Level {r.level}）的上级 {r.parent} 须在更高层级，实为 Level {up}",
                    file=where,
                    line=r.line,
                    key="Level",
                )


def _top_down(aggregates: dict[str, Row], root: Row) -> list[Row]:
    """The aggregates below the root, parents before children, in file order within a level."""
    order: list[Row] = []
    frontier = [root.icode]
    while frontier:
        children = [r for r in aggregates.values() if r.parent in frontier]
        order += children
        frontier = [r.icode for r in children]
    return order


def snake(icode: str) -> str:
    """An iCode as an ASCII snake_case code: LPI → lpi, ConSpeed → con_speed, CO2 → co2,
    GDPGrow → gdp_grow, IGOs → igos, GDPpc_group → gdppc_group, EurAsia_group →
    eur_asia_group (a lower-case run of three or more after capitals starts a new word)."""
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", icode)
    text = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z]{3,})", "_", text)
    text = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()
    text = re.sub(r"_+", "_", text)
    if not text or not text[0].isalpha():
        text = "i_" + text
    return text


def data_columns_and_years(path: Path) -> tuple[list[str], list[int]]:
    """The header of an iData table and the distinct years of its `Time` column (if any).

    Streamed row by row: only the header and the distinct Time values are kept, so that a large
    iData costs time, never memory; without a Time column the first data row ends the reading."""
    where = str(path)
    _check_size(path, MAX_DATA_BYTES, "iData 表")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return _scan_data(path, encoding, where)
        except UnicodeDecodeError:
            continue
    raise RulesError("iData 表的编码无法识别（须为 UTF-8 或 GBK）", file=where)


def _check_size(path: Path, max_bytes: int, what: str) -> None:
    """Refuse what is no regular file or is larger than `max_bytes`, before any byte is read."""
    try:
        if not path.is_file():
            raise RulesError(f"{what}不是普通文件", file=str(path))
        size = path.stat().st_size
    except OSError as exc:
        raise RulesError(
            f"无法读取{what}：{describe_os_error(exc, path=False)}", file=str(path)
        ) from None
    if size > max_bytes:
        raise RulesError(
            f"{what}过大（{size:,} 字节，上限 {max_bytes:,} 字节），拒绝读取", file=str(path)
        )


def _scan_data(path: Path, encoding: str, where: str) -> tuple[list[str], list[int]]:
    """One pass over the iData in `encoding` (a UnicodeDecodeError lets the caller try the next)."""
    header: list[str] | None = None
    time: int | None = None
    texts: set[str] = set()
    years: set[int] = set()
    rows = 0
    try:
        with path.open(encoding=encoding, newline="", errors="strict") as handle:
            reader = csv.reader(_no_nul(handle, where))
            try:
                for row in reader:
                    if not row:  # a blank line, as csv.DictReader skips it
                        continue
                    if header is None:
                        header = row
                        time = row.index("Time") if "Time" in row else None
                        continue
                    rows += 1
                    if rows > MAX_DATA_ROWS:
                        raise RulesError(f"iData 表超过 {MAX_DATA_ROWS:,} 行，拒绝读取", file=where)
                    if time is None:
                        break  # the header is all that is needed
                    text = row[time].strip() if time < len(row) else ""
                    if text and text not in texts:
                        texts.add(text)
                        years.add(_year(text, where, reader.line_num))
            except csv.Error:
                raise RulesError(
                    f"iData 表第 {reader.line_num} 行不是有效的 CSV（引号不配对或字段过长）",
                    file=where,
                ) from None
    except OSError as exc:
        raise RulesError(
            f"无法读取iData 表：{describe_os_error(exc, path=False)}", file=where
        ) from None
    if header is None:
        raise RulesError("iData 表是空文件", file=where)
    if not rows:
        raise RulesError("iData 表没有数据行", file=where)
    return header, sorted(years)


def _no_nul(lines: Iterable[str], where: str) -> Iterator[str]:
    """The lines, refused at the first NUL character (a binary file, not a text CSV)."""
    for line in lines:
        if "\x00" in line:
            raise RulesError("iData 表含有空字符，不是文本 CSV 文件", file=where)
        yield line


def _year(text: str, where: str, line: int) -> int:
    """A Time value as a year of 1990–2100, or a RulesError naming its line."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value != int(value) or not 1990 <= value <= 2100:
        raise RulesError(
            f"Time 须为1990–2100的年份，实为 {quote.value(text)}", file=where, line=line, key="Time"
        )
    return int(value)
