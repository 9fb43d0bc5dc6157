"""报告.html in a real headless Chromium, with every request that is not a file:// one refused
and recorded: the page must fetch nothing, log no error, draw its charts, and its script must
filter the firm table by the search box and sort it by a click on a header.

Skipped only when no Chromium is installed (CI installs Debian's `chromium`)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from report_helpers import SCRIPT_NAME, county, evaluate

import mujun
from mujun.engine.evaluation import MISSING_GROUP, Evaluation
from mujun.export.report import REPORT, park_report
from mujun.export.workbooks import park_files

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
]

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="没有安装 Chromium（/usr/bin/chromium），跳过浏览器中的报告测试"
)
sync_api = pytest.importorskip("playwright.sync_api", reason="没有安装 playwright")


@dataclass
class Page:
    page: Any
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, path: Path) -> None:
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_load_state("load")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Evaluation, Path]:
    ev = evaluate(county(300))
    out = tmp_path_factory.mktemp("browser") / "run"
    mujun.write_run(ev, out)
    return ev, out


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:
    context = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})
    tab = Page(context.new_page())

    def route(r: Any) -> None:
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            tab.requests.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    tab.page.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" else None)
    tab.page.on("pageerror", lambda e: tab.errors.append(str(e)))
    yield tab
    context.close()


def rows_until(tab: Page, done: Callable[[int], bool], seconds: float = 10.0) -> None:
    """Wait until the firm table's shown rows satisfy `done`. Polled from here: the page's
    Content-Security-Policy forbids eval, which a string given to wait_for_function needs."""
    rows = tab.page.locator("#firm-table tbody tr:not([hidden])")
    deadline = time.monotonic() + seconds
    while not done(rows.count()):
        assert time.monotonic() < deadline, f"the table shows {rows.count()} rows"
        tab.page.wait_for_timeout(50)


def visible_codes(tab: Page) -> list[str]:
    return tab.page.eval_on_selector_all(
        "#firm-table tbody tr:not([hidden])", "rows => rows.map(r => r.cells[0].textContent)"
    )


def column(tab: Page, index: int) -> list[str]:
    return tab.page.eval_on_selector_all(
        "#firm-table tbody tr", f"rows => rows.map(r => r.cells[{index}].textContent)"
    )


def test_internal_report_in_a_browser(run: tuple[Evaluation, Path], page: Page) -> None:
    ev, out = run
    page.open(out / REPORT)
    p = page.page
    classes = [c for c in ev.rules.classes if (ev.evaluated()["class"] == c.code).any()]
    assert p.locator("svg.chart").count() == len(classes) + 1  # histograms and park bars
    assert p.locator("svg.chart rect.bar").count() > 0
    assert p.locator("svg.chart line.tier-line").count() == ev.tier_lines()["line"].notna().sum()
    assert p.locator("svg.chart rect.seg").count() > 0
    assert sorted(visible_codes(page)) == sorted(ev.results["credit_code"].astype(str))
    # a hostile name is shown as text, and its script never ran
    assert p.locator("#firm-table td", has_text=SCRIPT_NAME).count() == 1
    assert p.evaluate("window.__leak") is None

    # the search box filters the rows
    assert p.locator("#firm-search").is_visible()
    target = ev.results.loc[ev.results["status"] == "evaluated"].iloc[5]
    p.fill("#firm-search", str(target["credit_code"]))
    rows_until(page, lambda n: n < len(ev.results))
    assert visible_codes(page) == [str(target["credit_code"])]
    park = "西区"
    p.fill("#firm-search", park)
    expected = ev.results["park"].astype("string").fillna("").str.contains(park)
    rows_until(page, lambda n: n == int(expected.sum()))
    p.fill("#firm-search", "")
    rows_until(page, lambda n: n == len(ev.results))

    # a click on 综合得分 sorts by score, ascending then descending, empty cells last
    score = column(page, 7)
    header = p.locator("#firm-table thead th", has_text="综合得分")
    header.click()
    up = [float(s) for s in column(page, 7) if s != "—"]
    assert up == sorted(up) and column(page, 7) != score
    assert column(page, 7)[-1] == "—"
    header.click()
    down = [float(s) for s in column(page, 7) if s != "—"]
    assert down == sorted(down, reverse=True)
    assert header.get_attribute("aria-sort") == "descending"
    p.locator("#firm-table thead th", has_text="企业名称").click()
    assert column(page, 7) != column(page, 7)[::-1] or len(ev.results) < 2
    assert page.requests == [] and page.errors == []


def test_park_reports_in_a_browser(run: tuple[Evaluation, Path], page: Page) -> None:
    ev, out = run
    keys = ev.results["park"].astype("string").fillna(MISSING_GROUP).to_numpy(dtype=object)
    codes = ev.results["credit_code"].astype(str).to_numpy()
    for park, name in park_files(ev).items():
        page.open(out / park_report(name))
        assert sorted(visible_codes(page)) == sorted(codes[keys == park])
        assert page.page.locator("svg.chart").count() >= 1
    assert page.requests == [] and page.errors == []


def test_the_page_without_script_is_plain_tables(
    browser: Any, run: tuple[Evaluation, Path]
) -> None:
    ev, out = run
    context = browser.new_context(java_script_enabled=False, offline=True)
    p = context.new_page()
    p.goto((out / REPORT).resolve().as_uri())
    assert p.locator("#firm-table tbody tr").count() == len(ev.results)
    assert not p.locator("#firm-search").is_visible()  # the search box needs the script
    assert p.locator("svg.chart rect.bar").count() > 0
    context.close()
    assert np.all(ev.results["credit_code"].notna())
