"""Hostile and broken workbooks: every one is refused with a Chinese message naming the file, the
bound and the value found, or read whole — never an abort, a traceback or gigabytes of memory.

Each test builds its workbook here, as bytes: an .xlsx or .ods is a zip of a few XML parts, so a
far cell, a namespace prefix or a declared repeat is written exactly as a hostile file would.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from departments import YEAR, A, B, assert_rows_add_up, write_xlsx

from mujun import DataError, read_sources
from mujun.read import bounds, typed, xlsx_guard
from mujun.read import workbook_files as workbook_files_module
from mujun.read.xlsx_cells import Found

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEADER = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>统一社会信用代码</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>实缴税金(万元)</t></is></c></row>'
)


def firm_row(n: int, code: str, tax: float = 1.0) -> str:
    return (
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{code}</t></is></c>'
        f'<c r="B{n}"><v>{tax}</v></c></row>'
    )


def xlsx(path: Path, *sheets: str, prefix: str = "", names: list[str] | None = None) -> Path:
    """A workbook whose sheets hold the given <sheetData> content, written as is."""
    p = f"{prefix}:" if prefix else ""
    xmlns = f"xmlns{':' + prefix if prefix else ''}"
    names = names or [f"S{i + 1}" for i in range(len(sheets))]
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(len(sheets))
    )
    entries = "".join(
        f'<sheet name="{n}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, n in enumerate(names)
    )
    rels = "".join(
        f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/'
        f'2006/relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
        for i in range(len(sheets))
    )
    pkg = "http://schemas.openxmlformats.org/package/2006"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr(
            "[Content_Types].xml",
            f'<Types xmlns="{pkg}/content-types"><Default Extension="rels" ContentType="'
            'application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="'
            'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>",
        )
        book.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{pkg}/relationships"><Relationship Id="rId1" Type="'
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
            '" Target="xl/workbook.xml"/></Relationships>',
        )
        book.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/'
            f'officeDocument/2006/relationships"><sheets>{entries}</sheets></workbook>',
        )
        book.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{pkg}/relationships">{rels}</Relationships>',
        )
        for i, data in enumerate(sheets):
            if prefix:  # every element of the sheet in the prefixed namespace
                data = re.sub(r"<(/?)(row|c|v|f|is|t)([\s>/])", rf"<\1{p}\2\3", data)
            book.writestr(
                f"xl/worksheets/sheet{i + 1}.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet {xmlns}="{MAIN}">'
                f"<{p}sheetData>{data}</{p}sheetData></{p}worksheet>",
            )
    return path


def refused(path: Path, *parts: str) -> str:
    """The message of the DataError reading `path` gives; it names the file and each part."""
    with pytest.raises(DataError) as caught:
        read_sources([path], year=YEAR)
    message = str(caught.value)
    assert path.name in message
    for part in parts:
        assert part in message, message
    assert re.search(r"[\u4e00-\u9fff]", message)
    return message


# --- far cells: any attribute order, any prefix, anywhere in the part ---------------------------

FAR_CELLS = {
    "attributes-in-another-order": '<row r="3"><c s="0" r="XFD1048576"><v>1</v></c></row>',
    "single-quotes": "<row r='3'><c t='n' r='XFD3'><v>1</v></c></row>",
    "spaces-around-equals": '<row r="3"><c s = "1"  r = "XFD3" ><v>1</v></c></row>',
    "lower-case": '<row r="3"><c r="xfd3"><v>1</v></c></row>',
    "quoted-angle-bracket": '<row r="3"><c t=">" r="XFD3"><v>1</v></c></row>',
    "no-value": '<row r="3"><c r="AAA3" s="2"/></row>',
    "second-r-wins": '<row r="3"><c r="C3" r="XFD3"><v>1</v></c></row>',
    "tab-and-newline": '<row\tr="3"><c\n\tr="XFD3"\n><v>1</v></c></row>',
    "row-far-down": '<row r="900000"><c r="AB900000"><v>1</v></c></row>',
}


@pytest.mark.parametrize("prefix", ["", "x"])
@pytest.mark.parametrize("far", FAR_CELLS.values(), ids=FAR_CELLS.keys())
def test_a_far_cell_is_refused_however_it_is_written(tmp_path: Path, far: str, prefix: str) -> None:
    path = xlsx(tmp_path / "远.xlsx", HEADER + firm_row(2, A) + far, prefix=prefix)
    refused(path, "超过上限")


@pytest.mark.parametrize("ref", ["&#88;FD3", "", "A99999999", "3A"])
def test_a_cell_position_the_guard_cannot_read_is_refused(tmp_path: Path, ref: str) -> None:
    """calamine might read r="&#88;FD3" as XFD3: a position that is not plain letters and
    digits is refused, naming it."""
    far = f'<row r="3"><c s="1" r="{ref}"><v>1</v></c></row>'
    path = xlsx(tmp_path / "位置.xlsx", HEADER + firm_row(2, A) + far)
    refused(path, "无法识别的单元格位置", f"“{ref}”")


@pytest.mark.parametrize("chunk", [64, 1000, 4099])
def test_a_far_cell_deep_in_the_part_is_found_across_every_chunk_boundary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """A regression: only the part's last 4 KB were searched for the last row."""
    monkeypatch.setattr(xlsx_guard, "CHUNK", chunk)
    rows = "".join(firm_row(n, A if n == 2 else B) for n in range(2, 300))
    far = '<row r="300"><c s="0" r="XFD300"><v>1</v></c></row>'
    tail = "".join(f'<row r="{n}"><c r="C{n}"><v>{n}</v></c></row>' for n in range(301, 800))
    path = xlsx(tmp_path / "远.xlsx", HEADER + rows + far + tail)
    refused(path, "列数", "16,384", "702")


def test_cells_without_a_position_are_counted_along_their_row(tmp_path: Path) -> None:
    """calamine places a cell without r after the one before it: 800 of them are 800 columns."""
    wide = '<row r="3">' + "<c><v>1</v></c>" * 800 + "</row>"
    path = xlsx(tmp_path / "宽.xlsx", HEADER + firm_row(2, A) + wide)
    refused(path, "列数", "800", "702")


def test_a_far_row_without_cell_positions_is_counted(tmp_path: Path) -> None:
    far = '<row r="1048576">' + "<c><v>1</v></c>" * 30 + "</row>"
    path = xlsx(tmp_path / "长.xlsx", HEADER + firm_row(2, A) + far)
    refused(path, "单元格区域", f"{bounds.MAX_GRID_CELLS:,}")


def test_a_long_sheet_of_a_few_columns_past_the_grid_is_refused(tmp_path: Path) -> None:
    far = '<row r="40000"><c r="ZZ40000"><v>1</v></c></row>'
    path = xlsx(tmp_path / "大.xlsx", HEADER + firm_row(2, A) + far)
    message = refused(path, "40,000行×702列", f"{40000 * 702:,}", f"{bounds.MAX_GRID_CELLS:,}")
    assert "单元格区域" in message


def test_an_xlsx_named_xls_is_checked_as_what_it_is(tmp_path: Path) -> None:
    """calamine goes by the content, so the guard does too: a renamed .xlsx is still bounded."""
    far = '<row r="3"><c s="0" r="XFD1048576"><v>1</v></c></row>'
    path = xlsx(tmp_path / "改名.xlsx", HEADER + firm_row(2, A) + far)
    renamed = path.rename(tmp_path / "改名.xls")
    refused(renamed, "列数", "16,384")


def test_a_sheet_the_guard_cannot_name_is_bounded_all_the_same(tmp_path: Path) -> None:
    """workbook.xml with an entity declaration is refused by defusedxml, not by calamine: the
    sheets are then found as parts, and still bounded."""
    far = '<row r="3"><c s="0" r="XFD1048576"><v>1</v></c></row>'
    path = xlsx(tmp_path / "实体.xlsx", HEADER + firm_row(2, A) + far)
    rewritten = tmp_path / "实体2.xlsx"
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(rewritten, "w") as new:
        for name in old.namelist():
            data = old.read(name)
            if name == "xl/workbook.xml":
                data = b'<!DOCTYPE w [<!ENTITY e "S1">]>' + data
            new.writestr(name, data)
    refused(rewritten, "列数", "16,384")


def test_a_long_run_of_other_elements_after_the_cells_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Merged ranges, validations, formatting after <sheetData> are no cells: never refused."""
    monkeypatch.setattr(xlsx_guard, "CHUNK", 4096)
    merges = "".join(f'<mergeCell ref="D{n}:E{n}"/>' for n in range(1, 60_000))
    sheet = HEADER + firm_row(2, A) + f"</sheetData><mergeCells>{merges}</mergeCells><sheetData>"
    table = read_sources([xlsx(tmp_path / "合并.xlsx", sheet)], year=YEAR)
    assert table.frame["credit_code"].tolist() == [A]


def test_an_xlsb_is_bounded_by_its_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "二进制.xlsb"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("xl/workbook.bin", b"\0" * 100)
        book.writestr("xl/worksheets/sheet1.bin", b"\0" * 50_000)
    monkeypatch.setattr(bounds, "MAX_PART_BYTES", 10_000)
    refused(path, "sheet1.bin解压后的大小", "50,000", "10,000")


def test_a_part_written_twice_is_refused(tmp_path: Path) -> None:
    """Python reads the last copy of a name, calamine perhaps the first: neither is trusted."""
    path = xlsx(tmp_path / "重名.xlsx", HEADER + firm_row(2, A))
    far = f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="XFD1"><v>1</v></c></row>'
    with pytest.warns(UserWarning), zipfile.ZipFile(path, "a") as book:
        book.writestr("xl/worksheets/sheet1.xml", far + "</sheetData></worksheet>")
    refused(path, "两个同名的文件", "xl/worksheets/sheet1.xml")


def test_a_sheet_in_utf16_is_refused(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "编码.xlsx", HEADER + firm_row(2, A))
    rewritten = tmp_path / "编码2.xlsx"
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(rewritten, "w") as new:
        for name in old.namelist():
            data = old.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = data.replace(b"UTF-8", b"UTF-16").decode().encode("utf-16")
            new.writestr(name, data)
    refused(rewritten, "不是UTF-8编码的XML")


def test_a_sheet_under_an_odd_name_is_bounded(tmp_path: Path) -> None:
    """A part that is XML is scanned as a sheet whatever its name and whoever points at it."""
    path = xlsx(tmp_path / "怪名.xlsx", HEADER + firm_row(2, A))
    far = f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="XFD1"><v>1</v></c></row>'
    with zipfile.ZipFile(path, "a") as book:
        book.writestr("xl/other/data", far + "</sheetData></worksheet>")
    refused(path, "列数", "16,384")


def test_if_calamine_still_aborts_the_run_survives_with_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the guard, this file aborts calamine (SIGABRT): the child dies, not the run."""
    monkeypatch.setattr(workbook_files_module, "check_xlsx", lambda path, book: Found())
    far = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    path = xlsx(tmp_path / "崩.xlsx", HEADER + firm_row(2, A) + far)
    refused(path, "不是可读取的工作簿", "读取进程异常终止")


def test_a_child_that_takes_too_long_is_ended_and_the_file_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bounds, "MAX_READ_SECONDS", 0.001)
    path = xlsx(tmp_path / "慢.xlsx", HEADER + firm_row(2, A))
    refused(path, "读取时间超过上限0.001秒")


HOSTILE = {
    "far-cell": lambda d: xlsx(
        d / "远.xlsx",
        HEADER + firm_row(2, A) + '<row r="3"><c s="0" r="XFD1048576"><v>1</v></c></row>',
        prefix="x",
    ),
    "ods-repeats": lambda d: ods(
        d / "炸弹.ods", ODS_HEADER + ods_row(text_cell(A), repeat=100_000_000)
    ),
    "sheets": lambda d: xlsx(d / "多表.xlsx", *[HEADER + firm_row(2, A)] * 3000),
    "parquet-columns": lambda d: parquet(d / "列多.parquet", 2, columns=600),
}


@pytest.mark.parametrize("make", HOSTILE.values(), ids=HOSTILE.keys())
def test_the_command_line_refuses_a_hostile_file_with_exit_1(tmp_path: Path, make: Any) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(
        'mujun_rules = 1\nname = "t"\nregion = "县"\nyear = 2022\n\n[[class]]\ncode = "all"\n'
        'label = "全部"\nwhen = "tax_paid >= 0"\n\n  [[class.indicator]]\n  code = "t"\n'
        '  label = "税"\n  formula = "tax_paid"\n  weight = 100\n'
        '  score = { method = "ratio", benchmark = 10 }\n\n  [class.tiers]\n'
        '  method = "quota"\n  shares = { A = 1.0 }\n',
        encoding="utf-8",
    )
    path = make(tmp_path)
    command = [sys.executable, "-m", "mujun", "run", "-r", str(rules), "-d", str(path)]
    wide = {**os.environ, "COLUMNS": "1000"}  # the message on one line, however long the path
    done = subprocess.run(
        [*command, "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
        env=wide,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Traceback" not in output
    assert path.name in output and "超过上限" in output


# --- memory: text, parts, shared strings --------------------------------------------------------


@pytest.mark.parametrize("where", ["inline", "value", "formula", "shared"])
def test_a_cell_of_millions_of_blanks_is_refused(tmp_path: Path, where: str) -> None:
    blanks = " " * (bounds.MAX_CELL_TEXT_BYTES + 10)
    cell = {
        "inline": f'<c r="C2" t="inlineStr"><is><t>{blanks}</t></is></c>',
        "value": f'<c r="C2" t="str"><v>{blanks}</v></c>',
        "formula": f'<c r="C2"><f>{blanks}</f></c>',
        "shared": '<c r="C2" t="s"><v>0</v></c>',
    }[where]
    path = xlsx(tmp_path / "空格.xlsx", HEADER + f'<row r="2">{cell}</row>')
    if where == "shared":
        with zipfile.ZipFile(path, "a") as book:
            book.writestr(
                "xl/sharedStrings.xml", f'<sst xmlns="{MAIN}"><si><t>{blanks}</t></si></sst>'
            )
    refused(path, "单元格文本的长度", f"{bounds.MAX_CELL_TEXT_BYTES:,}")


@pytest.mark.parametrize("where", ["inline", "shared"])
def test_a_cell_of_many_runs_of_text_is_one_cell_all_the_same(tmp_path: Path, where: str) -> None:
    """Each run is under the text bound; together they are far past what a cell holds."""
    runs = f"<r><t>{'空' * 60_000}</t></r>" * 8  # 180 KB of UTF-8 each
    cell = (
        f'<c r="C2" t="inlineStr"><is>{runs}</is></c>'
        if where == "inline"
        else '<c r="C2" t="s"><v>0</v></c>'
    )
    path = xlsx(tmp_path / "多段.xlsx", HEADER + f'<row r="2">{cell}</row>' + firm_row(3, A))
    if where == "shared":
        with zipfile.ZipFile(path, "a") as book:
            book.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}"><si>{runs}</si></sst>')
    refused(path, "单个单元格的长度", f"{bounds.MAX_CELL_XML_BYTES:,}")


def test_a_cell_whose_xml_never_ends_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cell longer than a chunk is carried into the next one, but not without end."""
    monkeypatch.setattr(xlsx_guard, "CHUNK", 65536)
    attrs = 'a="1" ' * (bounds.MAX_CELL_XML_BYTES // 3)
    path = xlsx(tmp_path / "长标签.xlsx", HEADER + f'<row r="2"><c r="C2" {attrs}/></row>')
    refused(path, "单个单元格或行的长度", f"{bounds.MAX_CELL_XML_BYTES:,}")


def test_parts_past_their_unzipped_size_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = "".join(firm_row(n, A if n == 2 else B) for n in range(2, 400))
    path = xlsx(tmp_path / "大.xlsx", HEADER + rows)
    monkeypatch.setattr(bounds, "MAX_PART_BYTES", 10_000)
    refused(path, "sheet1.xml解压后的大小", "10,000")
    monkeypatch.setattr(bounds, "MAX_UNZIPPED_BYTES", 10_000)
    refused(path, "解压后的总大小", "10,000")


def test_a_zip_directory_that_understates_a_part_is_refused(tmp_path: Path) -> None:
    """A part that unpacks beyond the size its directory entry declares is never read on."""
    path = xlsx(tmp_path / "谎报.xlsx", HEADER + firm_row(2, A) + firm_row(3, B))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as book:
        info = book.getinfo("xl/worksheets/sheet1.xml")
    declared = info.file_size.to_bytes(4, "little")
    smaller = (info.file_size // 2).to_bytes(4, "little")
    data = bytearray(bytes(data).replace(declared, smaller))  # local header and directory
    path.write_bytes(bytes(data))
    refused(path, "谎报.xlsx")


def test_too_many_shared_strings_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bounds, "MAX_SHARED_STRINGS", 50)
    path = xlsx(tmp_path / "串.xlsx", HEADER + firm_row(2, A))
    strings = "".join(f"<si><t>s{i}</t></si>" for i in range(60))
    with zipfile.ZipFile(path, "a") as book:
        book.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">{strings}</sst>')
    refused(path, "共享字符串数", "60", "50")


# --- sheets -------------------------------------------------------------------------------------


def test_three_thousand_sheets_are_refused_naming_the_bound(tmp_path: Path) -> None:
    sheets = [HEADER + firm_row(2, A)] * 3000
    path = xlsx(tmp_path / "多表.xlsx", *sheets)
    refused(path, "工作表数", "3,000", f"{bounds.MAX_SHEETS:,}")


def test_sheets_each_within_the_grid_but_past_it_together_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bounds, "MAX_BOOK_CELLS", 30)
    sheet = HEADER + firm_row(2, A) + '<row r="10"><c r="B10"><v>1</v></c></row>'  # 10 × 2
    path = xlsx(tmp_path / "合计.xlsx", sheet, sheet)
    refused(path, "各工作表单元格区域的合计", "40", "30")
    monkeypatch.setattr(workbook_files_module, "check_xlsx", lambda path, book: Found())
    refused(path, "各工作表单元格区域的合计", "超过上限30")  # the child counts them too
    rows = ODS_HEADER + ods_row(text_cell(A), number_cell(1)) + ods_row(text_cell("x"), repeat=8)
    refused(ods(tmp_path / "合计.ods", rows, rows), "声明的单元格区域的合计", "40", "30")


def test_sheets_up_to_the_bound_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bounds, "MAX_SHEETS", 3)
    path = xlsx(tmp_path / "三表.xlsx", *[HEADER + firm_row(2, A)] * 3)
    table = read_sources([path], year=YEAR)
    assert table.frame["credit_code"].tolist() == [A]
    assert_rows_add_up(table, used=[3], skipped=[0])


def test_the_child_process_bounds_sheets_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A binary workbook is not checked before calamine: the child counts its sheets."""
    path = xlsx(tmp_path / "多表.xlsx", *[HEADER + firm_row(2, A)] * 4)
    monkeypatch.setattr(bounds, "MAX_SHEETS", 3)
    monkeypatch.setattr(workbook_files_module, "check_xlsx", lambda path, book: Found())
    refused(path, "工作表数", "4", "3")


# --- binary workbooks ----------------------------------------------------------------------------

XLS = Path(__file__).parents[1] / "data" / "stats_2022.xls"


def test_an_xls_past_its_size_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bounds, "MAX_BINARY_BOOK_BYTES", 1000)
    refused(XLS, "文件大小", f"{XLS.stat().st_size:,}", "1,000")


def test_an_xls_sheet_past_the_grid_is_refused_before_it_becomes_objects(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bounds, "MAX_GRID_CELLS", 10)
    refused(XLS, "单元格区域", "超过上限10")


# --- formulas ------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "x"])
def test_a_formula_without_a_cached_value_is_named_with_its_cell(
    tmp_path: Path, prefix: str
) -> None:
    rows = "".join(firm_row(n, A if n == 2 else f"{B[:-1]}{n}") for n in range(2, 7))
    seventh = (
        '<row r="7"><c r="A7" t="inlineStr"><is><t>' + B + "</t></is></c>"
        '<c s="3" r="B7"><f>SUM(B2:B6)</f></c>'  # no value at all
        '<c r="C7"><f t="shared" si="0"/><v></v></c>'  # an empty value
        '<c r="D7"><f>1+1</f><v>2</v></c>'  # cached: read as 2, no word
        '<c r="E7" t="str"><f>""</f><v></v></c></row>'  # a cached empty text
    )
    path = xlsx(tmp_path / "公式.xlsx", HEADER + rows + seventh, prefix=prefix)
    table = read_sources([path], year=YEAR)
    found = table.issues[table.issues["code"] == "formula-not-cached"]
    assert found["row"].tolist() == [7, 7]
    assert found["sheet"].tolist() == ["S1", "S1"]
    assert found["value"].tolist() == ["=SUM(B2:B6)", ""]
    assert found["severity"].tolist() == ["warning", "warning"]
    assert found["message"].tolist() == [
        "工作表“S1”单元格B7：公式未计算（无缓存值），按空白读取",
        "工作表“S1”单元格C7：公式未计算（无缓存值），按空白读取",
    ]


@pytest.mark.parametrize("prefix", ["", "x"])
def test_error_cells_are_found_however_they_are_written(tmp_path: Path, prefix: str) -> None:
    rows = (
        f'<row r="2"><c r="A2" t="inlineStr"><is><t>{A}</t></is></c>'
        '<c t="e" s="1" r="B2"><v>#N/A</v></c></row>'
        f"<row r='3'><c r='A3' t='inlineStr'><is><t>{B}</t></is></c>"
        "<c s='1' t = 'e' r='B3'><f>1/0</f><v>#DIV/0!</v></c></row>"
    )
    table = read_sources([xlsx(tmp_path / "错误.xlsx", HEADER + rows, prefix=prefix)], year=YEAR)
    found = table.issues[table.issues["code"] == "excel-error"]
    assert found[["row", "credit_code", "value"]].values.tolist() == [
        [2, A, "#N/A"],
        [3, B, "#DIV/0!"],
    ]
    assert "formula-not-cached" not in set(table.issues["code"])


# --- .ods ---------------------------------------------------------------------------------------

ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:{t}="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def ods(path: Path, *tables: str, t: str = "table") -> Path:
    """An .ods whose tables hold the given rows (written with the table prefix `t`)."""
    body = "".join(
        f'<{t}:table {t}:name="表{i + 1}">{rows.replace("table:", t + ":")}</{t}:table>'
        for i, rows in enumerate(tables)
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NS.format(t=t)} '
        f'office:version="1.2"><office:body><office:spreadsheet>{body}</office:spreadsheet>'
        "</office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as book:
        book.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        book.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:'
            '1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/'
            'vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path='
            '"content.xml" manifest:media-type="text/xml"/></manifest:manifest>',
        )
        book.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path


def text_cell(text: str, repeat: int = 1) -> str:
    return (
        f'<table:table-cell table:number-columns-repeated="{repeat}" office:value-type="string">'
        f"<text:p>{text}</text:p></table:table-cell>"
    )


def number_cell(value: float) -> str:
    return (
        f'<table:table-cell office:value-type="float" office:value="{value}">'
        f"<text:p>{value}</text:p></table:table-cell>"
    )


def ods_row(*cells: str, repeat: int = 1) -> str:
    return (
        f'<table:table-row table:number-rows-repeated="{repeat}">{"".join(cells)}</table:table-row>'
    )


ODS_HEADER = ods_row(text_cell("统一社会信用代码"), text_cell("实缴税金(万元)"))
TRAILING = ods_row('<table:table-cell table:number-columns-repeated="1024"/>', repeat=1048570)


def test_an_ods_with_libreoffice_trailing_repeats_is_read(tmp_path: Path) -> None:
    rows = ODS_HEADER + ods_row(text_cell(A), number_cell(3.5)) + TRAILING
    table = read_sources([ods(tmp_path / "正常.ods", rows)], year=YEAR)
    assert table.frame["credit_code"].tolist() == [A]
    assert table.frame["tax_paid"].tolist() == [3.5]
    assert_rows_add_up(table, used=[1], skipped=[0])


ODS_BOMBS = {
    "rows-repeated": ods_row(text_cell("x"), repeat=100_000_000),
    "columns-repeated": ods_row(text_cell("x", repeat=20_000)),
    "value-after-empty-rows": ods_row("<table:table-cell/>", repeat=1_000_000)
    + ods_row('<table:table-cell table:number-columns-repeated="100"/>', text_cell("x")),
    "huge-number": ods_row(text_cell("x", repeat=10**30)),
    "character-reference": ods_row(text_cell("x")).replace(
        'repeated="1"', 'repeated="&#57;99999999"'
    ),
    "empty-cell-with-a-value": ods_row(
        '<table:table-cell table:number-columns-repeated="30000" office:value="1"/>'
    ),
}


@pytest.mark.parametrize("prefix", ["table", "t"])
@pytest.mark.parametrize("bomb", ODS_BOMBS.values(), ids=ODS_BOMBS.keys())
def test_an_ods_declaring_a_huge_grid_is_refused(tmp_path: Path, bomb: str, prefix: str) -> None:
    rows = ODS_HEADER + ods_row(text_cell(A), number_cell(1)) + bomb
    path = ods(tmp_path / "炸弹.ods", rows, t=prefix)
    assert path.stat().st_size < 20_000
    refused(path, "工作表“表1”声明的", "超过上限")


def test_an_ods_formula_without_a_cached_value_is_named_with_its_cell(tmp_path: Path) -> None:
    uncached = '<table:table-cell table:formula="of:=[.B2]*2"/>'
    cached = (
        '<table:table-cell table:formula="of:=1+1" office:value-type="float" office:value="2">'
        "<text:p>2</text:p></table:table-cell>"
    )
    rows = (
        ODS_HEADER
        + ods_row(text_cell(A), number_cell(1), cached)
        + ods_row("<table:table-cell/>", repeat=3)
        + ods_row(text_cell(B), '<table:table-cell table:number-columns-repeated="2"/>', uncached)
    )
    table = read_sources([ods(tmp_path / "公式.ods", rows)], year=YEAR)
    found = table.issues[table.issues["code"] == "formula-not-cached"]
    assert found["row"].tolist() == [6]
    assert found["value"].tolist() == ["=[.B2]*2"]
    assert found["message"].tolist() == ["工作表“表1”单元格D6：公式未计算（无缓存值），按空白读取"]


def test_an_ods_with_too_many_tables_is_refused(tmp_path: Path) -> None:
    tables = [ODS_HEADER + ods_row(text_cell(A), number_cell(1))] * (bounds.MAX_SHEETS + 1)
    refused(ods(tmp_path / "多表.ods", *tables), "工作表数", f"{bounds.MAX_SHEETS + 1:,}")


def test_an_ods_cell_of_many_paragraphs_is_refused(tmp_path: Path) -> None:
    paragraphs = f"<text:p>{'空' * 60_000}</text:p>" * 8
    cell = f'<table:table-cell office:value-type="string">{paragraphs}</table:table-cell>'
    rows = ODS_HEADER + ods_row(text_cell(A), cell)
    refused(ods(tmp_path / "长.ods", rows), "单个单元格的长度", f"{bounds.MAX_CELL_XML_BYTES:,}")


def test_an_ods_content_past_its_size_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = ODS_HEADER + ods_row(text_cell(A), number_cell(1)) * 200
    path = ods(tmp_path / "大.ods", rows)
    monkeypatch.setattr(bounds, "MAX_PART_BYTES", 5_000)
    refused(path, "content.xml解压后的大小", "5,000")


# --- Parquet ------------------------------------------------------------------------------------


def parquet(path: Path, rows: int, columns: int = 2) -> Path:
    data = {
        "credit_code": pa.array([A] * rows),
        "tax_paid": pa.array([float(i) for i in range(rows)]),
    }
    for i in range(columns - 2):
        data[f"extra_{i}"] = pa.array([0] * rows)
    pq.write_table(pa.table(data), path)
    return path


def test_a_parquet_of_too_many_rows_is_refused_from_its_metadata(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = parquet(tmp_path / "行多.parquet", 1000)
    monkeypatch.setattr(typed, "MAX_TYPED_ROWS", 999)
    refused(path, "行数", "1,000", "999")


def test_a_small_parquet_declaring_millions_of_rows_is_refused_unread(tmp_path: Path) -> None:
    """23 KB on disk, 6 million rows once read: the metadata says so before any page is."""
    rows = typed.MAX_TYPED_ROWS + 1
    path = tmp_path / "千万行.parquet"
    pq.write_table(pa.table({"credit_code": pa.nulls(rows, pa.string())}), path)
    assert path.stat().st_size < 100_000
    refused(path, "行数", f"{rows:,}", f"{typed.MAX_TYPED_ROWS:,}")


def test_a_parquet_of_too_many_columns_is_refused(tmp_path: Path) -> None:
    path = parquet(tmp_path / "列多.parquet", 3, columns=typed.MAX_TYPED_COLUMNS + 1)
    refused(path, "列数", f"{typed.MAX_TYPED_COLUMNS + 1:,}")


def test_a_parquet_past_its_uncompressed_size_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = parquet(tmp_path / "大.parquet", 5000)
    monkeypatch.setattr(typed, "MAX_TYPED_UNCOMPRESSED", 1000)
    refused(path, "解压后的大小", "1,000")


def test_a_parquet_footer_past_its_size_is_refused_before_it_is_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = parquet(tmp_path / "元数据.parquet", 10, columns=50)
    monkeypatch.setattr(typed, "MAX_PARQUET_FOOTER", 100)
    refused(path, "元数据的大小", "超过上限100")


def test_a_truncated_parquet_is_refused(tmp_path: Path) -> None:
    path = parquet(tmp_path / "截断.parquet", 10)
    path.write_bytes(path.read_bytes()[:-20])
    refused(path, "不是可读取的 Parquet 文件")


def test_a_parquet_within_its_bounds_is_read(tmp_path: Path) -> None:
    table = read_sources([parquet(tmp_path / "好.parquet", 1)], year=YEAR)
    assert table.frame["credit_code"].tolist() == [A]


def test_an_ordinary_workbook_is_still_read(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "好.xlsx", [["统一社会信用代码", "实缴税金(万元)"], [A, 2.5]])
    table = read_sources([path], year=YEAR)
    assert table.frame["tax_paid"].tolist() == [2.5]
    assert pd.isna(table.frame.get("name", pd.Series([None])).iloc[0])


def test_a_file_that_is_no_workbook_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "税务局.xlsx"
    path.write_bytes(b"PK\x03\x04garbage")  # what a cut-off download or a renamed file gives
    refused(path, "不是可读取的工作簿", "另存为 .xlsx", "重新索取")
