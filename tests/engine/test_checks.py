"""The check stage of evaluation: reading knows no rules, so everything that depends on them —
which unreadable cells reject a firm, which fields no file provides, which firm a department's
file lacks — is decided by `evaluate`, the same way whatever path the table took."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import credit_code, indicator_toml, one_class_rules

import mujun
from mujun import EnterpriseTable, evaluate, read_sources
from mujun.issues import CATALOG
from mujun.sample.demo import DEMO_RULES, demo_files

# What the demo county's files lack under its rules, as the reader reported it when it still
# read the rules (mujun 0.1.0): three conditions name fields no file has, and five firms are
# missing from a department's file. (code, file, row, credit code, field)
DEMO_RULES_ISSUES = sorted(
    [
        ("missing-column", "", None, "", "energy_target_missed"),
        ("missing-column", "", None, "", "food_safety_incident"),
        ("missing-column", "", None, "", "public_interest"),
        # the power row at 412 (91340323FX1JFD3EXX) is a check-character twin of the tax
        # file's firm at 437: rejected as `credit-code-twin`, it is no firm missing a source
        # the power row at 412 (91340323FX1JFD3EXX) is a check-character twin of the tax
        # file's firm at 437: rejected as `credit-code-twin`, it is no firm missing a source
        # the power row at 412 (91340323FX1JFD3EXX) is a check-character twin of the tax
        # file's firm at 437: rejected as `credit-code-twin`, it is no firm missing a source
        ("missing-from-source", "税务局_2022年度企业税收.xlsx", 333, "913403234G6AEAA05C", ""),
        ("missing-from-source", "税务局_2022年度企业税收.xlsx", 437, "91340323FX1JFD3EX8", ""),
    ],
    key=str,
)
RULES_CODES = ("missing-column", "missing-from-source")


def located(issues: pd.DataFrame, codes: tuple[str, ...]) -> list[tuple[object, ...]]:
    rows = issues[issues["code"].isin(codes)]
    return sorted(
        (
            (
                r.code,
                Path(r.file).name if r.file else "",
                None if pd.isna(r.row) else int(r.row),
                r.credit_code,
                r.field,
            )
            for r in rows.itertuples()
        ),
        key=str,
    )


Demo = tuple[mujun.Rules, list[Path]]


@pytest.fixture(scope="module")
def demo() -> Iterator[Demo]:
    with demo_files() as files:
        yield mujun.load_rules(DEMO_RULES), list(files)


def test_the_rules_needs_of_the_demo_county_are_found_by_evaluate(demo: Demo) -> None:
    rules, files = demo
    table = read_sources(files)  # no rules, not even the year
    assert located(table.issues, RULES_CODES) == []
    ev = evaluate(table, rules)
    assert located(ev.issues, RULES_CODES) == DEMO_RULES_ISSUES
    # read for the rules' year, as the command line does: the same problems, the same results
    same = evaluate(read_sources(files, year=rules.year), rules)
    assert located(same.issues, RULES_CODES) == DEMO_RULES_ISSUES
    pd.testing.assert_frame_equal(ev.results, same.results)


def test_evaluating_a_tables_frame_keeps_its_unreadable_cells(demo: Demo) -> None:
    """The demo's tax file holds “待核实” for one firm: through `table.frame` it is still a
    cell that could not be read, so the firm is rejected and every tier is as through the table."""
    rules, files = demo
    table = read_sources(files, year=rules.year)
    whole, framed = evaluate(table, rules), evaluate(table.frame, rules)
    flagged = table.frame["unreadable:tax_paid"].notna().to_numpy()
    assert table.frame.loc[flagged, "unreadable:tax_paid"].tolist() == ["待核实"]
    assert framed.results.loc[flagged, "status"].tolist() == ["rejected"]
    assert framed.results.loc[flagged, "status_reason"].tolist() == ["“实缴税金”的值不是数字"]
    for column in ("status", "status_reason", "total_score", "rank", "tier", "tier_reason"):
        pd.testing.assert_series_equal(framed.results[column], whole.results[column])
    bad = framed.issues[framed.issues["code"] == "non-numeric-value"]
    assert bad["value"].tolist() == ["待核实"]


def test_copies_that_disagree_stay_rejected_through_the_frame(tmp_path: Path) -> None:
    a, b = credit_code(1), credit_code(2)
    path = tmp_path / "税务局.csv"
    path.write_text(
        f"统一社会信用代码,实缴税金(万元),用地面积(亩)\n{a},10,5\n{b},20,5\n{b},25,5\n",
        encoding="utf-8",
    )
    rules = one_class_rules(
        indicator_toml("tax", "tax_paid / land_mu", 100, 'method = "ratio", benchmark = 1.0'),
        when="land_mu > 0",
    )
    table = read_sources([path], year=rules.year)
    assert len(table) == 2  # B's two records are one row …
    assert table.frame["conflicting_copies"].tolist()[1] == 2  # … marked as two that disagree
    for source in (table, table.frame):
        got = evaluate(source, rules).results
        assert got["status"].tolist() == ["evaluated", "rejected"]
        assert got["status_reason"].iloc[1] == CATALOG["duplicate-firm"].template


def test_an_unreadable_cell_rejects_only_where_the_rules_read_the_field() -> None:
    frame = pd.DataFrame(
        {
            "credit_code": [credit_code(i) for i in range(3)],
            "year": 2023,
            "land_owned_mu": [10.0, 10.0, 10.0],
            "tax_paid": ["abc", "5", "6"],
            "revenue": ["1", "x", "2"],
        }
    )
    rules = one_class_rules(
        indicator_toml("tax", "tax_paid / land_mu", 100, 'method = "ratio", benchmark = 1.0'),
        when="land_mu > 0",
    )
    ev = evaluate(frame, rules)
    assert ev.results["status"].tolist() == ["rejected", "evaluated", "evaluated"]
    cells = ev.issues[ev.issues["code"] == "non-numeric-value"].set_index("field")
    assert cells.loc["tax_paid", "severity"] == "error"
    assert cells.loc["revenue", "severity"] == "warning"
    assert cells.loc["revenue", "message"].endswith("（本次评价未使用该字段）")
    # the table alone, before any rules, calls both errors
    table = EnterpriseTable.from_frame(frame)
    read = table.issues[table.issues["code"] == "non-numeric-value"]
    assert set(read["severity"]) == {"error"}


def test_every_issue_code_emitted_is_in_the_catalog(demo: Demo) -> None:
    rules, files = demo
    ev = evaluate(read_sources(files, year=rules.year), rules)
    assert set(ev.issues["code"]) <= set(CATALOG)
    assert "position" not in ev.issues.columns
    assert list(ev.issues.columns) == mujun.issues.ISSUE_COLUMNS


def test_the_status_of_each_row_comes_from_flags_not_from_the_issue_rows() -> None:
    """Dropping every issue row of a table changes no status: issues are records only."""
    frame = pd.DataFrame(
        {
            "credit_code": [credit_code(1), "bad", None, credit_code(4)],
            "land_owned_mu": [10.0, 10.0, 10.0, 10.0],
            "tax_paid": [1.0, 2.0, 3.0, np.nan],
        }
    )
    rules = one_class_rules(
        indicator_toml("tax", "tax_paid / land_mu", 100, 'method = "ratio", benchmark = 1.0'),
        when="land_mu > 0",
    )
    table = EnterpriseTable.from_frame(frame)
    silent = type(table)(**{**table.__dict__, "notes": mujun.issues.empty_issues()})
    a, b = evaluate(table, rules).results, evaluate(silent, rules).results
    pd.testing.assert_series_equal(a["status"], b["status"])
    assert a["status"].tolist() == ["evaluated", "rejected", "rejected", "evaluated"]
