"""The report's 稳定性 section in a real headless Chromium: it fetches nothing, logs no error,
draws a bar per unstable firm (hostile names shown as text, never run) and its tables.

Skipped when no Chromium is installed, as the other browser tests are."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from report_helpers import HOSTILE_NAMES, county, evaluate
from stability_fixture import made_stability

import mujun
from mujun.export.report import REPORT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="没有安装 Chromium，跳过浏览器中的报告测试"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="没有安装 playwright")


def test_stability_section_in_a_browser(tmp_path: Path) -> None:
    ev = evaluate(county(300))
    st = made_stability(ev)
    out = mujun.write_run(ev, tmp_path / "run", stability=st)
    unstable = int((~st.firms["stable"]).sum())
    requests: list[str] = []
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        context = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})

        def route(r: object) -> None:
            url = r.request.url  # type: ignore[attr-defined]
            if url.startswith("file://"):
                r.continue_()  # type: ignore[attr-defined]
            else:
                requests.append(url)
                r.abort()  # type: ignore[attr-defined]

        context.route("**/*", route)
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((out / REPORT).resolve().as_uri())
        page.wait_for_load_state("load")
        section = page.locator("section#stability")
        assert section.is_visible()
        assert page.locator('nav a[href="#stability"]').count() == 1
        names = section.locator("svg.chart text.name")
        assert names.count() == min(unstable, 30)
        assert section.locator("#stability-classes tbody tr").count() == len(st.classes)
        assert section.locator("#stability-sensitivity tbody tr").count() == len(st.sensitivity)
        shown = " ".join(names.all_text_contents())
        assert any(n[:12] in shown for n in HOSTILE_NAMES if n in set(st.firms["name"]))
        assert page.evaluate("window.__leak") is None
        section.screenshot(path=str(tmp_path / "stability.png"))
        context.close()
        browser.close()
    assert requests == [] and errors == []
