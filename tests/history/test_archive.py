"""The archive: idempotent adds, current runs, results read back whole, run folders, and the
same tables from SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import RULES_TEXT, YEAR, firms_frame

import mujun
from mujun.errors import ArchiveError
from mujun.history import Archive, archive_url
from mujun.history.migration import history
from mujun.history.schema import FIXED_COLUMNS

REGION = "测试县"


def evaluation(n: int = 12, seed: int = 0) -> mujun.Evaluation:
    return mujun.evaluate(firms_frame(n, seed=seed), mujun.parse_rules(RULES_TEXT, file="t.toml"))


def at(hour: int) -> dt.datetime:
    return dt.datetime(2026, 3, 1, hour, tzinfo=dt.UTC)


def test_a_bare_path_is_a_sqlite_file(tmp_path: Path) -> None:
    assert archive_url(tmp_path / "a.db") == f"sqlite:///{tmp_path / 'a.db'}"
    assert archive_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"


def test_add_twice_is_one_run_and_results_read_back_whole(db_url: str) -> None:
    ev = evaluation()
    archive = Archive(db_url)
    first = archive.add(ev, "初评", written=at(9))
    assert archive.add(ev, "初评", written=at(10)) == first  # the same run: nothing new
    runs = archive.runs()
    assert len(runs) == 1 and bool(runs.at[0, "current"]) and runs.at[0, "firms"] == 12
    back = archive.results(REGION, YEAR)
    assert list(back.columns) == list(ev.results.columns)
    for name in ev.results.columns:  # every value as evaluated, floats to the last digit
        want = ev.results[name]
        if want.dtype.kind == "f":
            np.testing.assert_array_equal(back[name].to_numpy(float), want.to_numpy(float))
        else:
            assert back[name].astype("string").tolist() == want.astype("string").tolist()
    assert len(archive.issues(first)) == len(ev.issues)
    archive.close()


def test_two_runs_of_one_year_are_kept_the_later_current(db_url: str) -> None:
    archive = Archive(db_url)
    old = archive.add(evaluation(seed=0), "初评", written=at(9))
    new = archive.add(evaluation(seed=1), "初评", written=at(11))
    runs = archive.runs().set_index("id")
    assert len(runs) == 2 and not runs.at[old, "current"] and runs.at[new, "current"]
    # an older run added afterwards is kept but does not become current
    older = archive.add(evaluation(seed=2), "初评", written=at(8))
    assert archive.runs().set_index("id")["current"].to_dict() == {
        old: False,
        new: True,
        older: False,
    }
    assert archive.run_id(REGION, YEAR) == new
    archive.close()


def test_status_precedence_final_before_first(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "a.db")
    trial = archive.add(evaluation(seed=0), "试评价", written=at(8))
    assert archive.run_id(REGION, YEAR) == trial
    final = archive.add(evaluation(seed=1), "终评", written=at(7))
    first = archive.add(evaluation(seed=2), "初评", written=at(9))
    assert archive.run_id(REGION, YEAR) == final  # 终评 > 初评 > 试评价, whatever the time
    assert archive.run_id(REGION, YEAR, "初评") == first
    assert archive.results(REGION, YEAR - 5).empty
    with pytest.raises(ArchiveError, match="评价状态"):
        archive.add(evaluation(), "公示")


def test_tiers_and_panel(tmp_path: Path) -> None:
    ev = evaluation()
    archive = Archive(tmp_path / "a.db")
    archive.add(ev, "终评")
    tiers = archive.tiers(REGION)
    assert list(tiers.columns) == ["credit_code", "year", "class", "status", "tier", "run_status"]
    assert tiers["tier"].tolist() == ev.results["tier"].astype("string").tolist()
    assert set(tiers["run_status"]) == {"终评"}
    panel = archive.panel(REGION, YEAR)
    assert panel["credit_code"].tolist() == ev.table.frame["credit_code"].tolist()
    np.testing.assert_array_equal(panel["tax_paid"], ev.table.frame["tax_paid"])
    assert panel["above_scale"].tolist() == [True] * 12


def test_add_folder_is_the_same_run(tmp_path: Path) -> None:
    ev = evaluation()
    folder = mujun.write_run(ev, tmp_path / "run", status="初评", workbooks=False)
    archive = Archive(tmp_path / "a.db")
    run_id = archive.add_folder(folder)
    assert archive.add(ev, "初评") == run_id  # the folder and the Evaluation are one run
    assert archive.add_folder(folder) == run_id
    back = archive.run_results(run_id)
    np.testing.assert_array_equal(back["total_score"], ev.results["total_score"])
    assert archive.runs().at[0, "status"] == "初评"


def test_add_folder_reads_csv_when_no_parquet(tmp_path: Path) -> None:
    ev = evaluation()
    folder = mujun.write_run(ev, tmp_path / "run", status="初评", workbooks=False)
    (folder / "results.parquet").unlink()
    archive = Archive(tmp_path / "a.db")
    back = archive.run_results(archive.add_folder(folder))
    np.testing.assert_allclose(back["total_score"], ev.results["total_score"], rtol=1e-12)
    assert back["tier"].tolist() == ev.results["tier"].astype("string").tolist()


def test_not_a_run_folder_is_said_in_chinese(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "a.db")
    with pytest.raises(ArchiveError, match=r"没有 manifest\.json"):
        archive.add_folder(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"x": 1}), encoding="utf-8")
    with pytest.raises(ArchiveError, match="不是 mujun 的运行记录"):
        archive.add_folder(tmp_path)
    with pytest.raises(ArchiveError, match="不是文件夹"):
        archive.add_folder(tmp_path / "absent")


def test_bad_urls_are_archive_errors(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="无法使用"):
        Archive("nosuchdb+driver://x/y")
    with pytest.raises(ArchiveError, match="不存在"):
        Archive(tmp_path / "no" / "such" / "a.db").runs()
    unreachable = Archive("postgresql+psycopg://u@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(ArchiveError, match="无法连接数据库服务器") as caught:
        unreachable.runs()
    assert "Archive(" not in str(caught.value) and "refused" not in str(caught.value)


def test_appeals_and_corrections_are_kept(tmp_path: Path) -> None:
    ev = evaluation()
    appeals = [{"appeal_id": "YY-1", "state": "采纳", "credit_code": "x"}]
    provenance = {**ev.provenance, "appeals": appeals}
    ev2 = mujun.Evaluation(
        ev.results, ev.issues, provenance, ev.rules, ev.benchmarks, ev.table, ev.columns
    )
    archive = Archive(tmp_path / "a.db")
    run_id = archive.add(ev2, "终评")
    assert archive.appeals(run_id) == appeals
    assert archive.corrections(run_id) == []
    assert archive.add(ev, "终评") != run_id  # other appeals: another run


def evaluation_of(year: int, n: int = 12, seed: int = 0) -> mujun.Evaluation:
    """The test rules of another year on firms of that year."""
    rules = mujun.parse_rules(RULES_TEXT.replace(f"year = {YEAR}\n", f"year = {year}\n", 1))
    return mujun.evaluate(firms_frame(n, seed=seed).assign(year=year), rules)


def test_sqlite_and_postgres_hold_the_same(tmp_path: Path, postgres_url: str) -> None:
    lite, pg = Archive(tmp_path / "a.db"), Archive(postgres_url)
    runs = [
        (evaluation_of(YEAR - 2, 10, 5), "终评", 1),
        (evaluation_of(YEAR - 1, 12, 6), "终评", 2),
        (evaluation(seed=0), "初评", 3),
        (evaluation(seed=1), "初评", 4),  # the later 初评 of YEAR: current
    ]
    for ev, status, hour in runs:
        for archive in (lite, pg):
            archive.add(ev, status, written=at(hour))
    cols = [c for c in lite.runs().columns if c not in ("written", "id")]
    pd.testing.assert_frame_equal(lite.runs()[cols], pg.runs()[cols])
    for year in (YEAR - 2, YEAR - 1, YEAR):
        pd.testing.assert_frame_equal(lite.results(REGION, year), pg.results(REGION, year))
        pd.testing.assert_frame_equal(lite.panel(REGION, year), pg.panel(REGION, year))
    pd.testing.assert_frame_equal(lite.tiers(REGION), pg.tiers(REGION))
    a, b = history(lite.tiers(REGION)), history(pg.tiers(REGION))
    assert a.pairs() == [(YEAR - 2, YEAR - 1), (YEAR - 1, YEAR)]
    for name in ("migration", "flows", "consecutive"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert a.to_json() == b.to_json()
    pg.close()


@pytest.mark.slow
def test_a_large_run_is_added_in_seconds(tmp_path: Path) -> None:
    from mujun.sample.synthetic import county_frame

    rules = mujun.load_rules(Path(mujun.__file__).parent / "sample/data/anhui-guzhen-2022.toml")
    ev = mujun.evaluate(county_frame(100_000, year=rules.year), rules)
    archive = Archive(tmp_path / "a.db")
    start = time.perf_counter()
    archive.add(ev, "初评")
    took = time.perf_counter() - start
    assert took < 60, took
    assert archive.runs().at[0, "firms"] == 100_000
    assert set(FIXED_COLUMNS) <= set(archive.results(rules.region, rules.year).columns)
