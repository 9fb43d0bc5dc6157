"""The 告知书 as it prints: rendered by LibreOffice (headless), one A4-portrait page per firm,
holding the firm's figures, the line and what would reach it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import RULES_TEXT, credit_code

import mujun
from mujun.export.notice import write_notices
from tests.engine.test_explain import _county
from tests.export.test_printing import pages

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (shutil.which("soffice") and shutil.which("pdftotext")),
        reason="LibreOffice and pdftotext render the workbook",
    ),
]


def test_each_firm_prints_on_one_a4_portrait_page(tmp_path: Path) -> None:
    ev = mujun.evaluate(_county(), mujun.parse_rules(RULES_TEXT))
    explained = ev.explain_many([credit_code(0), credit_code(4)])
    book = write_notices(ev, explained, tmp_path / "告知书.xlsx")
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}",  # parallel runs apart
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(book),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    printed = pages(tmp_path / "告知书.pdf")
    assert len(printed) == 2  # one page per firm
    for page in printed:
        assert page.width == pytest.approx(595.3, abs=1) and page.height > page.width  # A4 portrait
        assert "告知书" in page.text and "亩均税收" in page.text and "实缴税金" in page.text
    # 企业0: C, B at 100 points (the stated minimum), tax 25 reaches it
    assert "企业0" in printed[0].text and "100" in printed[0].text and "25" in printed[0].text
