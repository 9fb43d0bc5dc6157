"""The archive: every run of every year in one database (DESIGN §6), through SQLAlchemy 2.

`Archive(url)` takes any SQLAlchemy URL (``postgresql+psycopg://…`` for a city or province
platform) or a bare file path, which means a SQLite file. The schema is created on first use and
its version recorded (see schema.py). A run is identified by region, year, status, rules sha256,
inputs digest and results digest: adding it again stores nothing new. Two different runs of one
region, year and status are both kept; the one written last is `current`. Reading a year without
a status takes the current run of its highest status: 终评 before 初评 before 试评价.
Every statement is built by SQLAlchemy with bound parameters; rows go in bulk (executemany).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from ..errors import ArchiveError
from . import schema as s
from .records import RUN_STATUSES, RunRecord, build_record, read_folder

if TYPE_CHECKING:
    from ..engine.evaluation import Evaluation

PRECEDENCE = ("终评", "初评", "试评价")  # a year's results without a status: the first present
RUN_COLUMNS = (
    "id",
    "region",
    "year",
    "status",
    "rules_name",
    "rules_sha256",
    "inputs_digest",
    "results_digest",
    "mujun_version",
    "written",
    "current",
    "firms",
)
IDENTITY = ("region", "year", "status", "rules_sha256", "inputs_digest", "results_digest")
FORMS = "SQLite 档案库直接给文件路径；PostgreSQL 写作 postgresql+psycopg://用户@主机/数据库"
CHUNK = 20_000  # rows per executemany: bounded statements, bounded memory


def archive_url(url: str | Path) -> str:
    """A SQLAlchemy URL: a bare path (no ``://``) is a SQLite file."""
    text = str(url)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().absolute()}"


def shown_url(url: str) -> str:
    """The URL as a message may show it: any password replaced by ***."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return re.sub(r"(//[^/:@]*:)[^@/]*@", r"\1***@", url)


class Archive:
    """Runs, results, issues, corrections, appeals and input fields of every archived run."""

    def __init__(self, url: str | Path) -> None:
        self.url = archive_url(url)
        url = shown_url(self.url)  # never a password in a message
        try:
            self.engine: Engine = sa.create_engine(self.url)
        except ImportError as exc:  # the URL's driver is not installed
            hint = (
                '；PostgreSQL 须先安装：pip install "mujun[postgres]"'
                if "psycopg" in str(exc)
                else ""
            )
            raise ArchiveError(
                f"档案库地址 {url!s} 无法使用：缺少数据库驱动（{exc}）{hint}"
            ) from None
        except NoSuchModuleError:
            raise ArchiveError(
                f"档案库地址 {url!s} 无法使用：不认识的数据库类型。{FORMS}"
            ) from None
        except (ArgumentError, ValueError):
            raise ArchiveError(f"档案库地址 {url!s} 无法使用：地址格式不对。{FORMS}") from None
        self._ready = False

    def __repr__(self) -> str:
        return f"Archive({self.engine.url.render_as_string(hide_password=True)!r})"

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def _connect(self, write: bool = False) -> Any:
        """A transaction (write) or a connection, the schema made sure of first."""
        try:
            if not self._ready:
                self._prepare()
            return self.engine.begin() if write else self.engine.connect()
        except SQLAlchemyError as exc:
            raise ArchiveError(f"无法使用档案库 {shown_url(self.url)}：{_reason(exc)}") from None

    def _prepare(self) -> None:
        if self.url.startswith("sqlite:///"):
            folder = Path(self.url.removeprefix("sqlite:///")).parent
            if not folder.is_dir():
                raise ArchiveError(f"档案库所在的文件夹 {folder} 不存在")
        with self.engine.begin() as conn:
            s.metadata.create_all(conn)
            found = conn.execute(sa.select(sa.func.max(s.version_table.c.version))).scalar()
            if found is None:
                conn.execute(s.version_table.insert(), [{"version": s.SCHEMA_VERSION}])
            elif found > s.SCHEMA_VERSION:
                raise ArchiveError(
                    f"档案库由更新版本的 mujun 建立（结构版本 {found}），请升级 mujun 后再使用"
                )
        self._ready = True

    # -- writing ---------------------------------------------------------------------------

    def add(
        self, ev: Evaluation, status: str = "试评价", written: dt.datetime | None = None
    ) -> int:
        """Record an Evaluation under `status`; returns the run id (the existing one when this
        very run is already archived). `written` defaults to now (UTC)."""
        with ev.rules.fields_in_use():  # the rules' own [[field]]s are input fields too
            record = build_record(
                ev.provenance, status, ev.results, ev.issues, ev.table.frame, written or _now()
            )
        return self._store(record)

    def add_folder(self, folder: str | Path) -> int:
        """Record a run folder written by `mujun run` (manifest.json, results, issues.csv);
        returns the run id. A folder holds no input fields, so previous() cannot read its
        year from the archive (`panel` of it is empty)."""
        manifest, results, issues, mtime = read_folder(folder)
        written = dt.datetime.fromtimestamp(mtime, tz=dt.UTC)
        record = build_record(manifest, manifest["status"], results, issues, None, written)
        return self._store(record)

    def _store(self, record: RunRecord) -> int:
        meta = record.meta
        try:
            with self._connect(write=True) as conn:
                same = sa.and_(*(s.runs.c[k] == meta[k] for k in IDENTITY))
                found = conn.execute(sa.select(s.runs.c.id).where(same)).scalar()
                if found is not None:
                    return int(found)
                run_id = int(
                    conn.execute(
                        s.runs.insert().values(**meta, current=False).returning(s.runs.c.id)
                    ).scalar_one()
                )
                for table, rows in (
                    (s.results, record.results),
                    (s.issues, record.issues),
                    (s.corrections, record.corrections),
                    (s.appeals, record.appeals),
                    (s.inputs, record.inputs),
                ):
                    _insert(conn, table, run_id, rows)
                _mark_current(conn, meta["region"], meta["year"], meta["status"])
                return run_id
        except SQLAlchemyError as exc:
            raise ArchiveError(f"无法写入档案库 {self!r}：{_reason(exc)}") from None

    # -- reading ---------------------------------------------------------------------------

    def runs(self) -> pd.DataFrame:
        """Every archived run (one row each, oldest first)."""
        query = sa.select(*(s.runs.c[c] for c in RUN_COLUMNS)).order_by(s.runs.c.id)
        frame = self._frame(query, RUN_COLUMNS)
        return frame.astype({"id": "int64", "year": "int64", "firms": "int64", "current": bool})

    def run_id(self, region: str, year: int, status: str | None = None) -> int | None:
        """The current run of a region and year (of `status`, or the highest status present)."""
        statuses = PRECEDENCE if status is None else (status,)
        if status is not None and status not in RUN_STATUSES:
            raise ArchiveError(f"评价状态须为 {'、'.join(RUN_STATUSES)} 之一，而不是 {status!r}")
        query = sa.select(s.runs.c.id, s.runs.c.status).where(
            s.runs.c.region == region, s.runs.c.year == int(year), s.runs.c.current.is_(True)
        )
        with self._connect() as conn:
            found = {row.status: row.id for row in conn.execute(query)}
        return next((int(found[st]) for st in statuses if st in found), None)

    def results(self, region: str, year: int, status: str | None = None) -> pd.DataFrame:
        """The results of the current run of that year (DESIGN §5 columns, in input order);
        without `status`, of the highest status archived (终评 > 初评 > 试评价). Empty when
        the archive holds no such run."""
        run_id = self.run_id(region, year, status)
        if run_id is None:
            return pd.DataFrame(columns=list(s.FIXED_COLUMNS))
        return self.run_results(run_id)

    def run_results(self, run_id: int) -> pd.DataFrame:
        """The results of one archived run, as they were written."""
        extra = json.loads(self._run_value(run_id, "extra_columns"))
        query = (
            sa.select(*(s.results.c[c] for c in s.FIXED_COLUMNS), s.results.c.extra)
            .where(s.results.c.run_id == run_id)
            .order_by(s.results.c.position)
        )
        frame = self._frame(query, (*s.FIXED_COLUMNS, "extra"))
        values = _json_frame(frame.pop("extra"), extra)
        frame = frame.astype({c: "string" for c in s.FIXED_TEXT})
        frame = frame.astype({"year": "Int64", "rank": "Int64", "total_score": float})
        return pd.concat([frame, values], axis=1)

    def issues(self, run_id: int) -> pd.DataFrame:
        """The issues of one archived run."""
        names = (*s.ISSUE_TEXT, "row")
        query = (
            sa.select(*(s.issues.c[c] for c in names))
            .where(s.issues.c.run_id == run_id)
            .order_by(s.issues.c.position)
        )
        frame = self._frame(query, names)
        return frame.astype({**{c: "string" for c in s.ISSUE_TEXT}, "row": "Int64"})

    def corrections(self, run_id: int) -> list[dict[str, Any]]:
        """The corrections applied in one archived run, as its manifest lists them."""
        return self._records(s.corrections, run_id)

    def appeals(self, run_id: int) -> list[dict[str, Any]]:
        """The appeals of one archived run (empty when its manifest listed none)."""
        return self._records(s.appeals, run_id)

    def tiers(self, region: str) -> pd.DataFrame:
        """credit_code, year, class, status, tier of the current run of every archived year of
        the region (each year: its highest status), with the run's `run_status`."""
        names = ["credit_code", "year", "class", "status", "tier", "run_status"]
        with self._connect() as conn:
            years = conn.execute(
                sa.select(s.runs.c.year).where(s.runs.c.region == region).distinct()
            ).scalars()
            chosen = sorted(int(y) for y in years)
        frames = []
        for year in chosen:  # a loop over years
            run_id = self.run_id(region, year)
            if run_id is None:
                continue
            query = (
                sa.select(
                    s.results.c.credit_code,
                    s.results.c["class"],
                    s.results.c.status,
                    s.results.c.tier,
                )
                .where(s.results.c.run_id == run_id)
                .order_by(s.results.c.position)
            )
            frame = self._frame(query, ("credit_code", "class", "status", "tier"))
            frame.insert(1, "year", year)
            frame["run_status"] = self._run_value(run_id, "status")
            frames.append(frame)
        if not frames:
            return pd.DataFrame({c: pd.Series(dtype="string") for c in names}).astype(
                {"year": "int64"}
            )
        out = pd.concat(frames, ignore_index=True)[names]
        return out.astype({c: "string" for c in names if c != "year"}).astype({"year": "int64"})

    def panel(self, region: str, year: int, status: str | None = None) -> pd.DataFrame:
        """The input fields (canonical codes) of that year's firms, from its current run (as
        `results` chooses it): what previous() reads when the input panel lacks the year.
        Empty when the year is not archived or its run came from a folder."""
        run_id = self.run_id(region, year, status)
        if run_id is None:
            return pd.DataFrame(columns=["credit_code", "year"])
        names = json.loads(self._run_value(run_id, "input_columns"))
        query = (
            sa.select(s.inputs.c.fields)
            .where(s.inputs.c.run_id == run_id)
            .order_by(s.inputs.c.position)
        )
        with self._connect() as conn:
            texts = pd.Series(list(conn.execute(query).scalars()), dtype=object)
        return _json_frame(texts, names)

    def _run_value(self, run_id: int, column: str) -> Any:
        with self._connect() as conn:
            found = conn.execute(
                sa.select(s.runs.c[column]).where(s.runs.c.id == int(run_id))
            ).scalar()
        if found is None:
            raise ArchiveError(f"档案库中没有编号为 {run_id} 的评价记录")
        return found

    def _records(self, table: sa.Table, run_id: int) -> list[dict[str, Any]]:
        query = (
            sa.select(table.c.record)
            .where(table.c.run_id == int(run_id))
            .order_by(table.c.position)
        )
        with self._connect() as conn:
            return [json.loads(text) for text in conn.execute(query).scalars()]

    def _frame(self, query: sa.Select[Any], names: tuple[str, ...]) -> pd.DataFrame:
        try:
            with self._connect() as conn:
                rows = conn.execute(query).all()
        except SQLAlchemyError as exc:
            raise ArchiveError(f"无法读取档案库 {self!r}：{_reason(exc)}") from None
        return pd.DataFrame.from_records([tuple(r) for r in rows], columns=list(names))


def _insert(conn: Connection, table: sa.Table, run_id: int, rows: list[dict[str, Any]]) -> None:
    """Rows of one run, in chunks of bounded size (one executemany each)."""
    for start in range(0, len(rows), CHUNK):  # a loop over chunks
        chunk = rows[start : start + CHUNK]
        for row in chunk:
            row["run_id"] = run_id
        conn.execute(table.insert(), chunk)


def _mark_current(conn: Connection, region: str, year: int, status: str) -> None:
    """Of the runs of one region, year and status, the one written last (then added last) is
    current."""
    same = sa.and_(s.runs.c.region == region, s.runs.c.year == year, s.runs.c.status == status)
    latest = conn.execute(
        sa.select(s.runs.c.id).where(same).order_by(s.runs.c.written.desc(), s.runs.c.id.desc())
    ).scalar()
    conn.execute(sa.update(s.runs).where(same).values(current=False))
    conn.execute(sa.update(s.runs).where(s.runs.c.id == latest).values(current=True))


def _json_frame(texts: pd.Series, names: list[str]) -> pd.DataFrame:
    """JSON arrays (one per row) as a frame of `names`; numbers as float64 where a column holds
    only numbers."""
    if not len(texts):
        return pd.DataFrame(columns=names)
    rows = json.loads("[" + ",".join(texts.astype(str)) + "]")
    frame = pd.DataFrame(rows, columns=names, index=texts.index).infer_objects()
    for name in names:  # a loop over columns: all-missing columns of numbers stay floats
        if frame[name].dtype == object and frame[name].isna().all():
            frame[name] = frame[name].astype(float)
    return frame


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# what a driver's message means, in words a bureau reads (the first that matches)
_REASONS = (
    ("file is not a database", "该文件不是 SQLite 数据库文件"),
    ("file is encrypted", "该文件不是 SQLite 数据库文件"),
    ("unable to open database file", "无法打开数据库文件（文件夹不可写或路径有误）"),
    ("readonly database", "数据库文件只读，无法写入"),
    ("database is locked", "数据库正被其他程序占用，请稍后再试"),
    ("password authentication failed", "用户名或密码不对"),
    ("does not exist", "数据库或用户不存在"),
    ("connection refused", "无法连接数据库服务器（连接被拒绝：地址、端口或服务未启动）"),
    ("could not translate host name", "无法连接数据库服务器（主机名无法解析）"),
    ("timeout", "无法连接数据库服务器（连接超时）"),
    ("no such table", "档案库结构不完整"),
)
NOT_A_DATABASE = _REASONS[0][1]


def _reason(exc: BaseException) -> str:
    """What went wrong, in Chinese: a known cause said in words, else that the database
    refused (its own message is not shown: it is the driver's English)."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    return next((words for key, words in _REASONS if key in text), "数据库拒绝了这次操作")
