"""The length of one cell's XML is measured from its start tag to its end, and nothing else.

A sheet as Excel saves it holds thousands of empty formatted rows between the firms and a note
below them, merged ranges and formatting after the cells, self-closing styled cells: none of
that is a cell, and such a workbook is read. A cell whose own XML is too long is refused however
it is written: in text runs, with stray tags between them, in a namespace prefix, across the
pieces the part is read in, as a shared string.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from departments import YEAR, A, B, assert_rows_add_up
from test_workbook_bounds import (
    HEADER,
    MAIN,
    ODS_HEADER,
    firm_row,
    number_cell,
    ods,
    ods_row,
    refused,
    text_cell,
    xlsx,
)

from mujun import read_sources
from mujun.read import bounds, xlsx_guard, xml_elements
from mujun.read.xlsx_cells import Found, special_cells
from mujun.read.xml_elements import element, longest

LONG = "单个单元格的长度"
BOUND = f"{bounds.MAX_CELL_XML_BYTES:,}"
ROWS = 20_000  # 20,000 empty rows of Excel's: 1.5 MB, past the bound for one cell


def empty_rows(first: int, count: int = ROWS) -> str:
    """Rows Excel writes for formatted but empty rows: self-closing, with a height."""
    return "".join(
        f'<row r="{n}" spans="1:2" ht="20.25" customHeight="1" x14ac:dyDescent="0.25"/>'
        for n in range(first, first + count)
    )


def note_row(n: int) -> str:
    return f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>制表人：张三</t></is></c></row>'


def styled_row(n: int, code: str) -> str:
    """A firm's row whose last cell is styled but empty: a self-closing <c/>."""
    return (
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{code}</t></is></c>'
        f'<c r="B{n}"><v>2</v></c><c r="C{n}" s="3"/></row>'
    )


def read_codes(path: Path) -> list[str]:
    table = read_sources([path], year=YEAR)
    return table.frame["credit_code"].tolist()


# --- what lies between cells is no cell: read ---------------------------------------------------

BETWEEN = {
    "excel-empty-rows-then-a-note": firm_row(2, A) + firm_row(3, B) + empty_rows(4)
    + note_row(ROWS + 4),
    "after-a-self-closing-cell": firm_row(2, A) + styled_row(3, B) + empty_rows(4)
    + note_row(ROWS + 4),
    "empty-rows-with-end-tags": firm_row(2, A) + firm_row(3, B)
    + "".join(f'<row r="{n}" ht="15"></row>' for n in range(4, 2 * ROWS + 4))
    + note_row(2 * ROWS + 4),
    "empty-rows-without-positions": firm_row(2, A) + firm_row(3, B) + "<row/>" * 200_000
    + note_row(200_004),
    "styled-blank-cells-in-between": firm_row(2, A) + firm_row(3, B)
    + "".join(f'<row r="{n}"><c r="C{n}" s="3"/></row>' for n in range(4, ROWS + 4))
    + note_row(ROWS + 4),
    "whitespace-between-rows": firm_row(2, A) + " \n" * 300_000 + firm_row(3, B),
    "rich-text-cells-in-between": firm_row(2, A) + empty_rows(3, ROWS // 2)
    + '<row r="10003"><c r="A10003" t="inlineStr"><is><r><rPr><b/><color rgb="FFFF0000"/></rPr>'
    f"<t>{B}</t></r></is></c><c r=\"B10003\"><v>1</v></c></row>" + empty_rows(10004, ROWS // 2),
}  # fmt: skip


@pytest.mark.parametrize("prefix", ["", "x"])
@pytest.mark.parametrize("sheet", BETWEEN.values(), ids=BETWEEN.keys())
def test_rows_and_blanks_between_cells_are_no_cell(tmp_path: Path, sheet: str, prefix: str) -> None:
    path = xlsx(tmp_path / "表.xlsx", HEADER + sheet, prefix=prefix)
    assert read_codes(path) == [A, B]


@pytest.mark.parametrize("chunk", [4096, 65536])
def test_a_run_of_empty_rows_across_many_pieces_is_no_cell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(xlsx_guard, "CHUNK", chunk)
    sheet = HEADER + firm_row(2, A) + styled_row(3, B) + empty_rows(4) + note_row(ROWS + 4)
    path = xlsx(tmp_path / "分段.xlsx", sheet)
    table = read_sources([path], year=YEAR)
    assert table.frame["credit_code"].tolist() == [A, B]
    assert_rows_add_up(table, used=[2], skipped=[ROWS + 1])  # the empty rows and the note
    assert table.issues.loc[table.issues["code"].eq("note-row"), "row"].tolist() == [ROWS + 4]


AFTER_CELLS = {
    "merged-ranges": "<mergeCells>"
    + "".join(f'<mergeCell ref="D{n}:E{n}"/>' for n in range(1, 60_000)) + "</mergeCells>",
    "conditional-formatting": "".join(
        f'<conditionalFormatting sqref="B{n}"><cfRule type="cellIs" dxfId="0" priority="{n}" '
        f'operator="lessThan"><formula>0</formula></cfRule></conditionalFormatting>'
        for n in range(1, 15_000)
    ),
    "extension-list": '<extLst><ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}">'
    + "".join(
        f'<x14:conditionalFormatting><x14:cfRule type="dataBar" id="{{{n:08d}}}">'
        f"<x14:dataBar><x14:cfvo type=\"autoMin\"/></x14:dataBar></x14:cfRule>"
        f"<xm:sqref>B{n}</xm:sqref></x14:conditionalFormatting>"
        for n in range(1, 12_000)
    ) + "</ext></extLst>",
}  # fmt: skip


@pytest.mark.parametrize("self_closing", [False, True], ids=["value-cell", "styled-cell"])
@pytest.mark.parametrize("block", AFTER_CELLS.values(), ids=AFTER_CELLS.keys())
def test_long_blocks_after_the_cells_are_no_cell(
    tmp_path: Path, block: str, self_closing: bool
) -> None:
    last = styled_row(3, B) if self_closing else firm_row(3, B)
    sheet = HEADER + firm_row(2, A) + last + f"</sheetData>{block}<sheetData>"
    assert read_codes(xlsx(tmp_path / "格式.xlsx", sheet)) == [A, B]


def test_an_ods_with_long_content_after_a_self_closing_cell_is_read(tmp_path: Path) -> None:
    row = ods_row(text_cell(A), number_cell(3.5), '<table:table-cell table:style-name="ce1"/>')
    names = "".join(
        f'<table:named-range table:name="区域{n}" table:cell-range-address="表1.A{n}"/>'
        for n in range(1, 30_000)
    )
    rows = ODS_HEADER + row + f"<table:named-expressions>{names}</table:named-expressions>"
    assert read_codes(ods(tmp_path / "表.ods", rows)) == [A]


# --- a cell that is itself too long: refused, naming the bound ------------------------------------

RUNS = f"<r><t>{'空' * 60_000}</t></r>" * 8  # each run under the text bound, 1.4 MB together
TOO_LONG = {
    "runs": f'<c r="C2" t="inlineStr"><is>{RUNS}</is></c>',
    "runs-with-stray-cells": '<c r="C2" t="inlineStr"><is>'
    + RUNS.replace("</r>", '</r><c r="D2"/>') + "</is></c>",
    "runs-with-stray-empty-rows": '<c r="C2" t="inlineStr"><is>'
    + RUNS.replace("</r>", '</r><row r="9"/>') + "</is></c>",
    "self-closing-tag": '<c r="C2" ' + 'a="1" ' * (bounds.MAX_CELL_XML_BYTES // 6 + 1) + "/>",
    "open-tag": '<c r="C2" ' + 'a="1" ' * (bounds.MAX_CELL_XML_BYTES // 6 + 1) + "><v>1</v></c>",
}  # fmt: skip


@pytest.mark.parametrize("prefix", ["", "x"])
@pytest.mark.parametrize("cell", TOO_LONG.values(), ids=TOO_LONG.keys())
def test_a_cell_too_long_is_refused_however_it_is_written(
    tmp_path: Path, cell: str, prefix: str
) -> None:
    sheet = HEADER + firm_row(2, A) + f'<row r="3">{cell}</row>' + firm_row(4, B)
    refused(xlsx(tmp_path / "长.xlsx", sheet, prefix=prefix), "单个单元格", BOUND)


@pytest.mark.parametrize("chunk", [4096, 65536, 2**20])
def test_a_cell_too_long_after_a_run_of_empty_rows_is_refused_across_pieces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """The part is read in pieces that end after the last end tag, or at a tag when none is
    near: a cell cut in two is measured whole, its start in one piece and its end in another."""
    monkeypatch.setattr(xlsx_guard, "CHUNK", chunk)
    runs = f"<r><t>{'空' * 20_000}</t></r>" * 20  # 1.2 MB in runs of 60 KB
    cell = f'<row r="12000"><c r="C12000" t="inlineStr"><is>{runs}</is></c></row>'
    sheet = HEADER + firm_row(2, A) + empty_rows(3, 11_000) + cell + firm_row(12_001, B)
    refused(xlsx(tmp_path / "长.xlsx", sheet), "单个单元格", BOUND)


def test_a_shared_string_with_stray_empty_strings_inside_is_one_string(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "共享.xlsx", HEADER + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>')
    with zipfile.ZipFile(path, "a") as book:
        text = RUNS.replace("</r>", "</r><si/>")
        book.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}"><si>{text}</si></sst>')
    refused(path, LONG, BOUND)


def test_an_ods_cell_too_long_after_a_self_closing_cell_is_refused(tmp_path: Path) -> None:
    paragraphs = "<text:p>空</text:p><table:table-cell/>" * 150_000
    cell = f'<table:table-cell office:value-type="string">{paragraphs}</table:table-cell>'
    rows = ODS_HEADER + ods_row(text_cell(A), cell)
    refused(ods(tmp_path / "长.ods", rows), LONG, BOUND)


# --- the measure itself -------------------------------------------------------------------------

CELL = element(rb"c")


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        (b'<row r="1"><c r="A1"><v>1</v></c></row>', (len(b'<c r="A1"><v>1</v></c>'), 0)),
        (b'<c r="A1" s="1"/>' + b"<row/>" * 1000, (len(b'<c r="A1" s="1"/>'), 0)),
        (
            b"<x:c r='A1' t='s'><x:v>0</x:v></x:c>",
            (len(b"<x:c r='A1' t='s'><x:v>0</x:v></x:c>"), 0),
        ),
        (b'<c r="A1" t="/>"><v>1</v>' + b"<row/>" * 1000, (25 + 6000, 25 + 6000)),
    ],
    ids=["plain", "self-closing", "prefixed", "open-at-the-end"],
)
def test_an_element_is_measured_from_its_start_to_its_end(
    region: bytes, expected: tuple[int, int]
) -> None:
    assert longest(region, CELL, bound=0) == expected


def test_an_element_left_open_is_measured_on_into_the_next_region() -> None:
    assert longest(b"<v>1</v></c><c/>", CELL, bound=0, carried=100) == (100 + 12, 0)
    assert longest(b"<row/>" * 10, CELL, bound=0, carried=100) == (160, 160)


REGIONS = [
    b'<row r="1"><c r="A1" s="1"/><c r="B1"><v>1</v></c></row><cols><col min="1"/></cols>',
    b"<c\tr='A1'\n/><c>\n<v>2</v></c><cfRule/><cx/></cfRule>",
    b'<c r="A1"><is><t>x</t></is></c ><c r="B1"/>',  # blanks in an end tag: the patterns
    b"<row/>" * 5 + b'<c r="A1"><v>1</v></c>' + b"<row/>" * 5,
]


@pytest.mark.parametrize("region", REGIONS)
def test_the_byte_search_finds_the_tags_the_patterns_find(region: bytes) -> None:
    fast = xml_elements._tags(region, CELL)
    starts, _ = xml_elements._positions(CELL.start, region)
    slow = (starts, *xml_elements._positions(CELL.end, region))
    for a, b in zip(fast, slow, strict=True):
        assert a.tolist() == b.tolist()


# --- tags that never end: found at once, never searched for to the end of the part -------------

UNCLOSED = {  # written otherwise than <c r="B7" (whose position is read from its first bytes)
    "an-angle-bracket-in-a-tag": '<c s="1" r="C3" <><v>1</v></c>',
    "many-unended-tags": "<c a" * 200_000,
    "many-unended-quotes": '<c a="' * 200_000,
    "an-unended-row": '</row><row s="1" r="4" <c r="A4"><v>1</v></c>',
}


@pytest.mark.parametrize("cells", UNCLOSED.values(), ids=UNCLOSED.keys())
def test_a_tag_that_never_ends_is_refused_naming_it(tmp_path: Path, cells: str) -> None:
    sheet = HEADER + firm_row(2, A) + f'<row r="3">{cells}</row>' + firm_row(5, B)
    refused(xlsx(tmp_path / "坏.xlsx", sheet), "无法识别的单元格位置")


def test_many_cells_that_never_end_are_one_cell(tmp_path: Path) -> None:
    cells = '<c r="B3" t="e"><v>#N/A</v></c>' + '<c r="A3"><v>' * 200_000
    sheet = HEADER + firm_row(2, A) + f'<row r="3">{cells}</row>'
    refused(xlsx(tmp_path / "坏.xlsx", sheet), LONG, BOUND)


def test_error_and_formula_cells_are_found_among_many_that_never_end() -> None:
    text = '<c r="B3" t="e"><v>#N/A</v></c>' + '<c r="A3">' * 400_000
    found = Found()
    special_cells(text + '<x:c r="C3"><x:f>SUM(A1)</x:f></x:c>', "表", found)
    assert found.errors == {"表": [(2, 1, "#N/A")]}
    assert found.formulas == {"表": [("C3", "SUM(A1)")]}
