"""报告.html (DESIGN §6): written into every run folder with one per park, listed in the
manifest, every data text escaped, the firm table holding exactly the firms it should, a park's
report holding only its own firms and the county figures its workbook may show.

Expectations come from the Evaluation (`results`, `tier_lines`, `summary`), never from the page.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from report_helpers import SCRIPT_NAME, county, evaluate, read_tables

import mujun
from mujun.engine.evaluation import MISSING_GROUP, Evaluation
from mujun.export import report_firms
from mujun.export.disclosure import WITHHELD, county_cells
from mujun.export.report import REPORT, park_report, render
from mujun.export.report_svg import histogram, nice_ticks
from mujun.export.workbooks import county_summary, park_editions, park_files


@dataclass
class Run:
    ev: Evaluation
    out: Path


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    ev = evaluate(county(260))
    out = tmp_path_factory.mktemp("report") / "run"
    mujun.write_run(ev, out, status="初评")
    return Run(ev, out)


def park_keys(ev: Evaluation) -> np.ndarray:
    return ev.results["park"].astype("string").fillna(MISSING_GROUP).to_numpy(dtype=object)


def firm_codes(path: Path) -> list[str]:
    return [r[0] for r in read_tables(path).tables["firm-table"]["rows"]]


def test_reports_written_and_listed_in_the_manifest(run: Run) -> None:
    record = json.loads((run.out / "manifest.json").read_text(encoding="utf-8"))
    parks = [park_report(f) for f in park_files(run.ev).values()]
    assert len(parks) == len(run.ev.groups("park")) >= 3
    for name in [REPORT, *parks]:
        path = run.out / name
        assert path.is_file()
        assert name in record["files"]
        assert record["sha256"][name] == hashlib.sha256(path.read_bytes()).hexdigest()
    for name in parks:  # the full park name behind each file
        assert record["park_reports"][name] == record["park_files"][name.replace(".html", ".xlsx")]
    before = (run.out / REPORT).read_bytes()
    mujun.write_run(run.ev, run.out, status="初评")  # replaced as a run's own files: no refusal
    assert (run.out / REPORT).read_bytes() == before  # no clock: the same run, the same bytes


def test_status_and_provenance_from_the_manifest(run: Run) -> None:
    text = (run.out / REPORT).read_text(encoding="utf-8")
    prov = run.ev.provenance
    assert "初评" in text
    assert prov["rules"]["sha256"][:12] in text
    assert prov["mujun_version"] in text
    for f in prov["inputs"]:
        assert f["sha256"][:12] in text
    assert "/" not in "".join(re.findall(r"<td>([^<]*\.xlsx)</td>", text))  # names, no paths


def test_page_needs_no_network(run: Run) -> None:
    for path in [run.out / REPORT, *(run.out / "parks").glob("*.html")]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
        assert "@import" not in text and "url(" not in text
        assert text.count("<script") == 1  # the page's own, inline


def test_data_texts_are_escaped(run: Run) -> None:
    text = (run.out / REPORT).read_text(encoding="utf-8")
    assert "window.__leak" in text
    assert "<script>window" not in text and "<img src=x" not in text
    assert "&lt;script&gt;window.__leak = 1&lt;/script&gt;" in text
    assert "<b>西区</b>" not in text and "&lt;b&gt;西区&lt;/b&gt;" in text
    rows = read_tables(run.out / REPORT).tables["firm-table"]["rows"]
    names = {r[1] for r in rows}
    assert SCRIPT_NAME in names and "</td></tr>断行" in names
    assert {len(r) for r in rows} == {11}  # no name broke a row


def test_firm_table_holds_every_firm_best_first(run: Run) -> None:
    res = run.ev.results
    rows = read_tables(run.out / REPORT).tables["firm-table"]["rows"]
    assert sorted(r[0] for r in rows) == sorted(res["credit_code"].astype(str))
    evaluated = res[res["status"] == "evaluated"]
    first = [r for r in rows if r[5] == "参评"]
    assert len(first) == len(evaluated) and rows[: len(first)] == first
    by_code = evaluated.set_index("credit_code")
    for klass in run.ev.rules.classes:
        mine = [r for r in first if r[4] == klass.label]
        ranks = [int(r[8]) for r in mine]
        assert ranks == sorted(ranks)
        for r in mine:
            assert float(r[7]) == pytest.approx(by_code.at[r[0], "total_score"], abs=0.005)
            assert r[9].startswith(str(by_code.at[r[0], "tier"]))


def test_park_report_holds_only_its_firms(run: Run) -> None:
    keys = park_keys(run.ev)
    codes = run.ev.results["credit_code"].astype(str).to_numpy()
    for park, name in park_files(run.ev).items():
        path = run.out / park_report(name)
        text = path.read_text(encoding="utf-8")
        assert sorted(firm_codes(path)) == sorted(codes[keys == park])
        others = codes[keys != park]
        assert not [c for c in others if c in text]  # nowhere in the page, not only the table
        tables = read_tables(path)
        issue_codes = {r[6] for r in tables.tables.get("issue-table", {"rows": []})["rows"]}
        assert issue_codes <= set(codes[keys == park]) | {""}


def test_park_report_withholds_county_figures_as_its_workbook_does(tmp_path: Path) -> None:
    frame = county(90, seed=3)
    frame["park"] = "甲园区"
    frame.loc[frame.index[-2:], "park"] = "乙园区"  # the rest of the county for 甲: two firms
    ev = evaluate(frame)
    summary = county_summary(ev)
    edition = next(e for e in park_editions(ev, summary) if e.label == "甲园区")
    mine = park_keys(ev) == "甲园区"
    assert not county_cells(ev, mine).shown("tax_per_mu")
    html = render(
        edition.evaluation,
        {"status": "试评价"},
        edition.summary,
        lines=edition.evaluation.tier_lines(),
        park="甲园区",
        benchmarks=edition.benchmarks,
    )
    path = tmp_path / "甲.html"
    path.write_text(html, encoding="utf-8")
    tables = read_tables(path)
    per_mu = tables.tables[tables.sections["per-mu"][0]]
    county_row = per_mu["rows"][-1]
    assert county_row[0].startswith("全县")
    assert county_row[2:] == [WITHHELD] * 7  # land, each per-mu figure and its share
    county_tax = summary.parks["tax_per_mu"].iloc[-1]
    assert f"{county_tax:,.2f}" not in "".join(map("".join, per_mu["rows"]))
    assert "乙园区" not in html


def test_tier_lines_are_the_lowest_score_ranked_into_each_tier(run: Run) -> None:
    lines = run.ev.tier_lines()
    res = run.ev.results
    page = (run.out / REPORT).read_text(encoding="utf-8")
    for r in lines[lines["firms"] > 0].itertuples(index=False):
        assert f"{r.line:.2f} 分（{r.firms} 家）" in page
        assert f"{r.tier} ≥ {r.line:.2f}" in page  # the chart's line
    for klass in run.ev.rules.classes:
        done = (res["class"] == klass.code) & (res["status"] == "evaluated")
        ranked = done & (res["tier_reason"] == klass.tiers.method)
        mine = lines[lines["class"] == klass.code]
        assert list(mine["tier"]) == klass.tiers.order
        previous = np.inf
        for tier, line, firms in zip(mine["tier"], mine["line"], mine["firms"], strict=True):
            scores = res.loc[ranked & (res["tier"] == tier), "total_score"].astype(float)
            assert firms == len(scores)
            if firms:
                assert line == scores.min() and line <= previous
                previous = line
                worse = res.loc[ranked & (res["tier"] != tier), ["tier", "total_score"]]
                place = worse["tier"].astype(str).map(klass.tiers.order.index).astype(int)
                below = worse[place > klass.tiers.order.index(tier)]
                assert (below["total_score"].astype(float) <= line).all()
            else:
                assert np.isnan(line)


def test_tier_lines_leave_out_firms_a_rule_moved(run: Run) -> None:
    res = run.ev.results
    moved = res[(res["status"] == "evaluated") & ~res["tier_reason"].isin(["quota", "threshold"])]
    assert len(moved)  # the synthetic county has vetoed or protected firms
    ranked = res[(res["status"] == "evaluated") & res["tier_reason"].isin(["quota", "threshold"])]
    lines = run.ev.tier_lines()
    counted = lines.groupby("class")["firms"].sum()
    assert counted.sum() == len(ranked)


def test_long_lists_are_capped_and_say_so(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_firms, "FIRM_LIMIT", 25)
    monkeypatch.setattr(report_firms, "ISSUE_LIMIT", 2)
    assert len(run.ev.issues) > 2
    html = render(run.ev, {"status": "试评价"}, county_summary(run.ev), lines=run.ev.tier_lines())
    assert f"共 {len(run.ev.results):,} 家企业，此处列出前 25 家" in html
    assert f"共 {len(run.ev.issues):,} 条，此处列出前 2 条" in html
    body = html.split('id="firm-table"')[1].split("</table>")[0]
    assert body.count("<tr>") + body.count("<tr ") == 26  # the header and 25 firms
    res = run.ev.results
    first = (res["class"] == run.ev.rules.classes[0].code) & (res["status"] == "evaluated")
    assert first.sum() > 25
    listed = res[first].sort_values(["rank", "credit_code"])["credit_code"].astype(str)
    assert all(code in body for code in listed.iloc[:25])
    assert not any(code in body for code in listed.iloc[25:])


def test_histogram_draws_one_bar_per_band_and_each_line() -> None:
    svg = histogram(
        np.array([0.0, 10.0, 20.0]),
        np.array([10.0, 20.0, 30.0]),
        np.array([3, 0, 7]),
        [("A", 25.5, "70AD47"), ("B", 12.25, "4472C4")],
        label="<测试>",
    )
    assert svg.count('class="bar"') == 3
    assert svg.count('class="tier-line"') == 2
    assert "A ≥ 25.50" in svg and "B ≥ 12.25" in svg
    assert 'aria-label="&lt;测试&gt;"' in svg
    heights = [float(h) for h in re.findall(r'class="bar"[^>]*height="([\d.]+)"', svg)]
    assert heights[1] == 0 or heights[1] == 1.0 or heights[1] < 1e-9
    assert heights[2] > heights[0] > 0


def test_nice_ticks() -> None:
    assert nice_ticks(7) == [0, 2, 4, 6, 8]
    assert nice_ticks(43) == [0, 10, 20, 30, 40, 50]
    assert nice_ticks(1) == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert nice_ticks(0) == [0.0, 1.0]


def test_a_run_without_firms_evaluated_still_gets_a_report(tmp_path: Path) -> None:
    frame = county(12, seed=5)
    frame["industry_code"] = "4411"  # utilities: every firm exempt
    ev = evaluate(frame)
    assert (ev.results["status"] != "evaluated").all()
    mujun.write_run(ev, tmp_path / "run")
    text = (tmp_path / "run" / REPORT).read_text(encoding="utf-8")
    assert "没有参评企业" in text
    assert pd.Series(firm_codes(tmp_path / "run" / REPORT)).is_unique


def test_a_parks_report_leaves_the_file_hashes_to_the_internal_one(run: Run) -> None:
    """As its workbook's 说明: a park director sees the sources, not the audit trail."""
    prov = run.ev.provenance
    hashes = [prov["rules"]["sha256"][:12], *(f["sha256"][:12] for f in prov["inputs"])]
    for path in (run.out / "parks").glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "sha256" not in text and not [h for h in hashes if h in text], path.name
        assert all(Path(f["file"]).name in text for f in prov["inputs"])  # the sources stay
    assert all(h in (run.out / REPORT).read_text(encoding="utf-8") for h in hashes)
