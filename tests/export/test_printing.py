"""The workbooks as they print: the demo county's internal workbook, 问题清单.xlsx and a park's
workbook rendered to PDF by LibreOffice (headless), and read back with `pdftotext -bbox`.

Calibration: pdftotext gives each word the box of its font's ascent and descent, so a word's
height is the point size times a factor of the font (about 1.3 for Noto Sans CJK, which stands
in for 宋体). The same run renders a cell at 8 pt and one at 7 pt (measured: 10.4 and 9.1 pt
high); a word is "at least 8 pt" when it is higher than halfway between the two, and the test
checks the two calibration cells fall on either side of that line.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest
from openpyxl.styles import Font
from typer.testing import CliRunner

from mujun.cli import app
from mujun.export import xlsx
from mujun.export.issues_workbook import HEADERS

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (shutil.which("soffice") and shutil.which("pdftotext")),
        reason="LibreOffice and pdftotext render the workbooks",
    ),
]

INTERNAL = "亩均效益评价结果_蚌埠市固镇县_2022.xlsx"
ISSUES = "问题清单.xlsx"
PARK = "parks/王庄镇.xlsx"
TEMPLATE = "数据采集表.xlsx"
CALIBRATION = "calibration.xlsx"
FOOTER = re.compile(r"第 (\d+) 页，共 (\d+) 页")


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    words: list[Word]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def pages(pdf: Path) -> list[Page]:
    """Each page's size and words (with their boxes), as `pdftotext -bbox` reads them."""
    html = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    out = []
    for m in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', html, re.S):
        words = [
            Word(unescape(t), *map(float, box))
            for *box, t in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                r"(.*?)</word>",
                m[3],
            )
        ]
        out.append(Page(float(m[1]), float(m[2]), words))
    return out


def calibration_workbook(path: Path) -> Path:
    """One cell at 8 pt and one at 7 pt, the same font as the workbooks' body text."""
    wb = xlsx.new_workbook("calibration")
    ws = wb.create_sheet("x")
    ws.append(
        [
            xlsx.text_cell(ws, "八磅Eight", font=Font(name="宋体", size=8)),
            xlsx.text_cell(ws, "七磅Seven", font=Font(name="宋体", size=7)),
        ]
    )
    return xlsx.save(wb, path)


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Page]]:
    """The demo run once, and its workbooks (with the calibration cells) rendered once."""
    folder = tmp_path_factory.mktemp("printed")
    done = CliRunner().invoke(app, ["demo", "--out", str(folder / "run")])
    assert done.exit_code in (0, 1), done.output  # 1: the demo's rejected firms
    from mujun.sample.demo import DEMO_RULES

    made = CliRunner().invoke(
        app, ["template", "-r", str(DEMO_RULES), "-o", str(folder / TEMPLATE)]
    )
    assert made.exit_code == 0, made.output
    books = {
        INTERNAL: folder / "run" / INTERNAL,
        ISSUES: folder / "run" / ISSUES,
        PARK: folder / "run" / PARK,
        TEMPLATE: folder / TEMPLATE,
        CALIBRATION: calibration_workbook(folder / CALIBRATION),
    }
    pdf = folder / "pdf"
    profile = (folder / "lo-profile").as_uri()  # a private profile: parallel runs do not clash
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(pdf),
            *map(str, books.values()),
        ],
        check=True,
        capture_output=True,
        timeout=300,
        env={**os.environ, "HOME": str(folder)},
    )
    return {name: pages(pdf / f"{path.stem}.pdf") for name, path in books.items()}


def least_height(rendered: dict[str, list[Page]]) -> float:
    """Halfway between the heights of an 8 pt and a 7 pt word (see the module docstring)."""
    (page,) = rendered[CALIBRATION]
    eight = next(w for w in page.words if w.text.startswith("八磅"))
    seven = next(w for w in page.words if w.text.startswith("七磅"))
    assert seven.height < eight.height
    return (eight.height + seven.height) / 2


def test_the_calibration_tells_8_pt_from_7_pt(rendered: dict[str, list[Page]]) -> None:
    line = least_height(rendered)
    (page,) = rendered[CALIBRATION]
    heights = {w.text[:2]: w.height for w in page.words}
    assert heights["八磅"] > line > heights["七磅"]
    assert 9.0 < line < 11.0  # about 1.3 × 7.5 pt


@pytest.mark.parametrize("book", [INTERNAL, ISSUES, PARK, TEMPLATE])
def test_no_text_prints_below_8_pt(rendered: dict[str, list[Page]], book: str) -> None:
    line = least_height(rendered)
    for number, page in enumerate(rendered[book], 1):
        small = [w.text for w in page.words if w.height < line]
        assert not small, f"{book} page {number}: {small[:10]}"


@pytest.mark.parametrize("book", [INTERNAL, ISSUES, PARK, TEMPLATE])
def test_every_page_is_a4_landscape_with_its_footer_inside(
    rendered: dict[str, list[Page]], book: str
) -> None:
    printed = rendered[book]
    for number, page in enumerate(printed, 1):
        if book != TEMPLATE:  # the template's 填报说明 is a portrait page of prose
            assert (round(page.width), round(page.height)) == (842, 595)
        footer = [w for w in page.words if w.y0 > page.height * 0.9]
        shown = FOOTER.search(" ".join(w.text for w in footer))
        assert shown, f"{book} page {number}: no footer"
        assert (int(shown[1]), int(shown[2])) == (number, len(printed))
        assert all(w.y0 > 0 and w.y1 < page.height - 10 for w in footer)


@pytest.mark.parametrize(
    ("book", "title"),
    [
        (INTERNAL, "蚌埠市固镇县2022年度工业企业亩均效益评价结果（内部版）"),
        (ISSUES, "蚌埠市固镇县2022年度数据问题清单"),
        (PARK, "蚌埠市固镇县王庄镇2022年度工业企业亩均效益评价结果（王庄镇版）"),
    ],
)
def test_the_title_is_on_page_1(rendered: dict[str, list[Page]], book: str, title: str) -> None:
    assert title in rendered[book][0].text.replace(" ", "")


def test_every_issue_column_is_on_the_first_page_width(rendered: dict[str, list[Page]]) -> None:
    first = rendered[ISSUES][0].text.replace(" ", "")
    missing = [h for h in HEADERS if h not in first]
    assert not missing
    # and no page is a second page width: every page of the list shows the whole header row
    listed = [p.text.replace(" ", "") for p in rendered[ISSUES] if "序号" in p.text]
    assert len(listed) > 1
    assert all(h in text for text in listed for h in HEADERS)


def test_a_split_firm_sheet_repeats_the_identity_columns(
    rendered: dict[str, list[Page]],
) -> None:
    """规上 (23 columns) prints over more than one page width; every page of its indicator
    columns still shows each firm's credit code and name."""
    sheet = [p for p in rendered[INTERNAL] if re.search(r"（权重\d+）", p.text)]
    first = [p for p in sheet if "用地面积" in p.text]
    later = [p for p in sheet if "用地面积" not in p.text]
    assert first and later
    assert any("亩均技改投资" in p.text for p in later)
    for page in later:
        assert "统一社会信用代码" in page.text and "企业名称" in page.text
        assert re.search(r"\b9134\w{14}\b", page.text)  # a credit code on the page


def test_a_parks_method_sheet_shows_no_audit_trail(rendered: dict[str, list[Page]]) -> None:
    """The internal 说明 carries the hashes and the rules' assumptions; a park's does not, but
    says where the data came from and that blanks were scored 0."""
    internal = " ".join(p.text for p in rendered[INTERNAL][:4])
    park = " ".join(p.text for p in rendered[PARK][:4])
    assert "SHA-256" in internal and "假设说明" in internal
    assert "SHA-256" not in park and "假设说明" not in park
    assert "数据来源" in park and "税务局_2022年度企业税收.xlsx" in park.replace(" ", "")
    assert "数据空白的，按评价办法该项按0分计" in park.replace(" ", "")
    assert " and " not in park and " or " not in park  # conditions read 且 / 或 / 非
