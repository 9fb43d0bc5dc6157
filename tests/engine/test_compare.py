"""compare(before, after): every firm whose status, score, rank or tier moved, each marked as
moved by its own correction (with the appeal ids) or as a knock-on move."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mujun
from mujun.appeal_form import HEADERS
from mujun.engine.compare import KNOCK_ON, OWN, SCORE_TOLERANCE, Run, compare
from mujun.export import write_run
from mujun.sample.demo import DEMO_RULES, demo_files

Demo = tuple[mujun.Rules, list[Path]]


@pytest.fixture(scope="module")
def demo() -> Iterator[Demo]:
    with demo_files() as files:
        yield mujun.load_rules(DEMO_RULES), list(files)


def read(demo: Demo, **kw: object) -> mujun.EnterpriseTable:
    rules, files = demo
    return mujun.read_sources(
        files,
        year=rules.year,
        priority=rules.input.priority,
        aliases=rules.input.aliases,
        fields=rules.catalog,
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def before(demo: Demo) -> mujun.Evaluation:
    return mujun.evaluate(read(demo), demo[0])


def a_c_firm(ev: mujun.Evaluation) -> pd.Series:
    """A C firm placed by its quota (no tier rule holds it)."""
    r = ev.results
    return r[(r["tier"] == "C") & (r["tier_reason"] == "quota")].iloc[0]


@pytest.fixture(scope="module")
def after(demo: Demo, before: mujun.Evaluation) -> mujun.Evaluation:
    """The same county with one C firm's tax tripled on appeal YY-1 (and YY-2 not accepted)."""
    firm = a_c_firm(before)
    tax = float(before.column("tax_paid")[firm.name])
    register = pd.DataFrame(
        [
            [
                "YY-1",
                firm["credit_code"],
                2022,
                "",
                "tax_paid",
                tax * 3,
                "",
                "",
                "",
                "采纳",
                "张三",
                "",
                "补缴入库",
            ],
            [
                "YY-2",
                firm["credit_code"],
                2022,
                "",
                "revenue",
                1,
                "",
                "",
                "",
                "不采纳",
                "张三",
                "",
                "",
            ],
        ],
        columns=HEADERS,
    )
    return mujun.evaluate(read(demo, appeals=register), demo[0])


def direct_changes(before: mujun.Evaluation, after: mujun.Evaluation) -> pd.DataFrame:
    """The results side by side, by credit code (the demo's evaluated codes are unique)."""
    cols = ["credit_code", "status", "tier", "rank", "total_score"]
    a = before.results[cols].dropna(subset=["credit_code"]).drop_duplicates("credit_code")
    b = after.results[cols].dropna(subset=["credit_code"]).drop_duplicates("credit_code")
    return a.merge(b, on="credit_code", suffixes=("_a", "_b"))


def differ(a: pd.Series, b: pd.Series) -> pd.Series:
    """Values that differ; two missing ones are the same."""
    x, y = a.astype(object).where(a.notna(), None), b.astype(object).where(b.notna(), None)
    return pd.Series([p != q for p, q in zip(x, y, strict=True)], index=a.index)


def test_one_correction_marks_its_firm_own_and_every_other_move_knock_on(
    before: mujun.Evaluation, after: mujun.Evaluation
) -> None:
    firm = a_c_firm(before)
    result = compare(before, after)
    moved = result.moved.set_index("credit_code")
    assert moved.loc[firm["credit_code"], "cause"] == OWN
    assert moved.loc[firm["credit_code"], "appeals"] == ["YY-1"]  # YY-2 was not accepted
    assert moved.loc[firm["credit_code"], "tier_before"] == "C"
    others = moved.drop(index=firm["credit_code"])
    assert len(others) > 0 and set(others["cause"]) == {KNOCK_ON}
    assert all(a == [] for a in others["appeals"])
    side = direct_changes(before, after)
    tier_moved = side[differ(side["tier_a"], side["tier_b"])]["credit_code"]
    assert set(tier_moved) <= set(moved.index)  # every tier move is listed
    # and no firm outside `moved` changed at all
    still = side[~side["credit_code"].isin(moved.index)]
    assert (still["status_a"] == still["status_b"]).all()
    assert not differ(still["tier_a"], still["tier_b"]).any()
    assert (still["rank_a"].astype("Int64") == still["rank_b"].astype("Int64")).fillna(True).all()
    gap = (still["total_score_a"].astype(float) - still["total_score_b"].astype(float)).abs()
    assert (gap.fillna(0) <= SCORE_TOLERANCE).all()
    assert result.added.empty and result.removed.empty


def test_a_withdrawn_correction_marks_its_firm_own(
    before: mujun.Evaluation, after: mujun.Evaluation
) -> None:
    # the other way round (终评 taken back to the data as read): YY-1 is gone in the later run,
    # so its firm moved by its own correction being withdrawn, not as a knock-on
    firm = a_c_firm(before)
    moved = compare(after, before).moved.set_index("credit_code")
    assert moved.loc[firm["credit_code"], "cause"] == OWN
    assert moved.loc[firm["credit_code"], "appeals"] == ["YY-1"]
    assert set(moved.drop(index=firm["credit_code"])["cause"]) == {KNOCK_ON}


def test_counts_add_up_to_the_moved_firms(
    before: mujun.Evaluation, after: mujun.Evaluation
) -> None:
    result = compare(before, after)
    counts = result.counts
    assert counts["moved"].sum() == len(result.moved)
    assert (counts[["up", "down", "same", "status"]].sum(axis=1) == counts["moved"]).all()
    firm = result.moved[result.moved["cause"] == OWN].iloc[0]
    assert firm["direction"] == "up"  # three times the tax lifts a C firm


def test_a_run_compared_with_itself_moves_nothing(before: mujun.Evaluation) -> None:
    result = compare(before, before)
    assert result.moved.empty and result.firms.empty and result.counts.empty


def test_folders_compare_as_the_evaluations_do(
    before: mujun.Evaluation, after: mujun.Evaluation, tmp_path: Path
) -> None:
    write_run(before, tmp_path / "A", workbooks=False)
    write_run(after, tmp_path / "B", workbooks=False)
    of_runs = compare(tmp_path / "A", tmp_path / "B").to_json()
    of_evaluations = compare(before, after).to_json()
    assert of_runs == of_evaluations
    (tmp_path / "A" / "results.parquet").unlink()  # the CSV is read instead
    assert compare(tmp_path / "A", tmp_path / "B").to_json() == of_evaluations


def test_json_shape(before: mujun.Evaluation, after: mujun.Evaluation) -> None:
    doc = compare(before, after).to_json()
    assert set(doc) >= {"moved", "added", "removed", "counts"}
    entry = doc["moved"][0]
    assert set(entry) >= {"credit_code", "before", "after", "cause", "appeals"}
    assert set(entry["before"]) == set(entry["after"]) == {"status", "tier", "rank", "total_score"}
    for item in doc["moved"]:
        assert item["cause"] in ("own", "knock-on")
        assert isinstance(item["appeals"], list)
        assert item["after"]["rank"] is None or isinstance(item["after"]["rank"], int)


def test_added_and_removed_firms(before: mujun.Evaluation) -> None:
    res = before.results
    rest = Run(res.iloc[1:].reset_index(drop=True), [], {})
    whole = Run(res, [], {})
    assert compare(whole, rest).removed["credit_code"].tolist() == [res["credit_code"].iloc[0]]
    assert compare(rest, whole).added["credit_code"].tolist() == [res["credit_code"].iloc[0]]


def test_a_correction_already_in_before_is_not_own() -> None:
    res = pd.DataFrame(
        {
            "credit_code": ["X1", "X2"],
            "year": [2022, 2022],
            "name": ["甲", "乙"],
            "park": ["园", "园"],
            "class": ["k", "k"],
            "status": ["evaluated", "evaluated"],
            "tier": ["A", "B"],
            "rank": pd.array([1, 2], dtype="Int64"),
            "total_score": [90.0, 80.0],
        }
    )
    fix = {"credit_code": "X1", "year": "2022", "field": "tax_paid", "new_value": "5"}
    same = [{**fix, "appeal_id": "YY-1", "status": "applied"}]
    other = [{**fix, "new_value": "6", "appeal_id": "YY-9", "status": "applied"}]
    moved = res.assign(total_score=[91.0, 80.0])
    assert compare(Run(res, same, {}), Run(moved, same, {})).moved["cause"].tolist() == [KNOCK_ON]
    got = compare(Run(res, same, {}), Run(moved, other, {})).moved
    assert got["cause"].tolist() == [OWN] and got["appeals"].tolist() == [["YY-9"]]
    unapplied = [{**fix, "appeal_id": "YY-3", "status": "unmatched"}]
    assert compare(Run(res, [], {}), Run(moved, unapplied, {})).moved["cause"].tolist() == [
        KNOCK_ON
    ]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_row_order_does_not_matter(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 12
    base = pd.DataFrame(
        {
            "credit_code": [f"X{i}" for i in range(n)],
            "year": 2022,
            "name": "企业",
            "park": rng.choice(["东园", "西园"], n),
            "class": "k",
            "status": "evaluated",
            "tier": rng.choice(list("ABCD"), n),
            "rank": pd.array(rng.permutation(n) + 1, dtype="Int64"),
            "total_score": rng.uniform(0, 100, n),
        }
    )
    later = base.assign(
        tier=np.where(rng.random(n) < 0.3, rng.choice(list("ABCD"), n), base["tier"]),
        total_score=base["total_score"] + np.where(rng.random(n) < 0.3, 1.0, 0.0),
    )
    expected = compare(Run(base, [], {}), Run(later, [], {})).to_json()
    shuffled = later.iloc[rng.permutation(n)].reset_index(drop=True)
    got = compare(Run(base, [], {}), Run(shuffled, [], {})).to_json()
    key = sorted
    assert key(got["moved"], key=lambda m: m["credit_code"]) == key(
        expected["moved"], key=lambda m: m["credit_code"]
    )
    assert got["counts"] == expected["counts"]


def test_the_compare_workbook_prints_on_one_a4_landscape_width(
    before: mujun.Evaluation, after: mujun.Evaluation, tmp_path: Path
) -> None:
    import openpyxl

    from mujun.export.compare_sheet import write_compare_workbook

    out = write_compare_workbook(compare(before, after), tmp_path / "对比.xlsx", title="变动对比")
    sheet = openpyxl.load_workbook(out)["变动对比"]
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert not sheet.col_breaks.brk  # one page width
    assert (sheet.page_setup.scale or 100) >= 80  # body text at 8 pt or more
    assert sheet.print_title_rows  # the header repeats on every page
    first = [c.value for c in sheet[5]]
    assert first[6] == "YY-1" and first[5] == "本企业更正"  # own corrections come first
