"""Hostile and broken CSV text: stray quotes, line ends, encodings, delimiters, extra fields,
invisible characters and bounds. Every file is built here, byte by byte; every test checks that
each line ends in the table or in the issues, and that issues name the file's line."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from cli_setup import RULES
from conftest import credit_code
from departments import YEAR, assert_rows_add_up, issues
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mujun import DataError, read_sources
from mujun.cli import app
from mujun.read import csv_text

CODES = [credit_code(i) for i in range(1, 13)]
HEADER = ["统一社会信用代码", "企业名称", "所属园区", "用地面积(亩)", "实缴税金(万元)"]
CANONICAL = ["credit_code", "name", "park", "land_owned_mu", "tax_paid"]
CODE_RE = re.compile(r"[0-9A-Y][0-9]{7}[0-9A-Z]{10}")


def firm(i: int) -> list[str]:
    return [CODES[i], f"企业{i}有限公司", f"园区{i % 2}", "10", str(10 + i)]


def write(path: Path, lines: list[str], *, sep: str = ",", end: str = "\n", enc: str = "utf-8"):
    path.write_bytes((end.join(lines) + end).encode(enc))
    return path


def joined(rows: list[list[str]], sep: str = ",") -> list[str]:
    return [sep.join(r) for r in rows]


def stray_quotes(n: int = 8) -> list[list[str]]:
    """A clerk's rows: firm 1's name begins with a quote, firm 6's holds one five lines on."""
    rows = [HEADER] + [firm(i) for i in range(n)]
    rows[2][1] = '"' + rows[2][1]
    rows[7][1] = rows[7][1][:3] + '"' + rows[7][1][3:]
    return rows


def no_foreign_data(names: pd.Series) -> None:
    for name in names.dropna():
        assert "\n" not in name and "," not in name and "\t" not in name
        assert not CODE_RE.search(name), name


# --- 1. quotes in an unquoted CSV ----------------------------------------------------------------


@pytest.mark.parametrize("sep", [",", "\t", ";", "|"])
@pytest.mark.parametrize("canonical", [False, True], ids=["departmental", "canonical"])
def test_a_stray_quote_never_merges_firms(tmp_path: Path, sep: str, canonical: bool) -> None:
    rows = stray_quotes()
    if canonical:
        rows[0] = CANONICAL
    path = write(tmp_path / "税务.csv", joined(rows, sep))
    table = read_sources([path], year=YEAR)
    assert table.frame["credit_code"].tolist() == CODES[:8]
    assert table.origin["row"].tolist() == list(range(2, 10))
    assert table.frame["name"].tolist()[1] == "企业1有限公司"
    assert table.frame["tax_paid"].tolist() == [10.0 + i for i in range(8)]
    no_foreign_data(table.frame["name"])
    stray = issues(table, "csv-stray-quote")
    assert [i[3] for i in stray] == [3, 4, 5, 6, 7, 8]  # every line between the two quotes
    assert {i[1] for i in stray} == {"税务.csv"} and {i[7] for i in stray} == {"warning"}
    assert_rows_add_up(table, used=[8], skipped=[0])


@pytest.mark.parametrize("where", ["last-line", "own-line", "first-firm"])
def test_a_quote_left_open_to_the_end_of_the_file(tmp_path: Path, where: str) -> None:
    rows = joined([HEADER] + [firm(i) for i in range(5)])
    if where == "last-line":
        rows[-1] += ',"'
    elif where == "own-line":
        rows.append('"')
    else:
        rows[1] = rows[1].replace("企业0", '"企业0')
    path = write(tmp_path / "f.csv", rows)
    table = read_sources([path], year=YEAR)
    assert table.frame["credit_code"].tolist() == CODES[:5]
    no_foreign_data(table.frame["name"])
    assert table.frame["name"].tolist()[0] == "企业0有限公司"
    lines = [i[3] for i in issues(table, "csv-stray-quote")]
    assert lines and all(line >= 2 for line in lines)
    first = {"last-line": 6, "own-line": 7, "first-firm": 2}[where]
    assert min(lines) == first


def test_a_name_holding_a_credit_code_on_one_line_is_split(tmp_path: Path) -> None:
    """A quoted name that holds the delimiter and a credit code took in other fields."""
    rows = joined([HEADER, firm(0)])
    rows.append(f'{CODES[1]},"企业1,{CODES[2]},园区0",10,3')
    path = write(tmp_path / "f.csv", rows)
    table = read_sources([path], year=YEAR)
    no_foreign_data(table.frame["name"])
    assert issues(table, "csv-stray-quote")[0][3] == 3
    assert table.frame["name"].tolist() == ["企业0有限公司", "企业1"]


def test_quotes_that_only_quote_are_honoured(tmp_path: Path) -> None:
    """A thousands separator, a comma in a name, an address typed over two lines: one value
    each, no issue, and the next firm keeps its own line number."""
    text = (
        ",".join([*HEADER, "备注"])
        + f'\n{CODES[0]},"甲,分公司",园区0,10,"1,234.5","地址一\n地址二"\n'
        + f'{CODES[1]},乙有限公司,园区1,10,"5",""\n'
    )
    path = tmp_path / "f.csv"
    path.write_text(text, encoding="utf-8")
    table = read_sources([path], year=YEAR)
    assert table.frame["name"].tolist() == ["甲,分公司", "乙有限公司"]
    assert table.frame["tax_paid"].tolist() == [1234.5, 5.0]
    assert table.origin["row"].tolist() == [2, 4]
    assert not issues(table, "csv-stray-quote")


def test_a_stray_quote_never_reaches_the_public_list_or_another_park(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES, encoding="utf-8")
    data = write(tmp_path / "firms.csv", joined(stray_quotes(10)))
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["run", "--rules", str(rules), "--data", str(data), "--out", str(out)]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 0, result.output
    public = next(out.glob("公示名单_*.xlsx"))
    names = _texts(public, column="企业名称")
    expected = [f"企业{i}有限公司" for i in range(10) if i != 6] + ['企业6"有限公司']
    assert sorted(names) == sorted(expected)
    no_foreign_data(pd.Series(names))
    assert sorted(p.name for p in (out / "parks").glob("*.xlsx")) == ["园区0.xlsx", "园区1.xlsx"]
    for park in ("园区0", "园区1"):
        mine = {CODES[i] for i in range(10) if f"园区{i % 2}" == park}
        cells = _all_texts(out / "parks" / f"{park}.xlsx")
        assert {c for t in cells for c in CODE_RE.findall(t)} <= mine


def _all_texts(path: Path) -> list[str]:
    book = openpyxl.load_workbook(path, read_only=True)
    return [
        str(v)
        for ws in book.worksheets
        for row in ws.iter_rows(values_only=True)
        for v in row
        if isinstance(v, str)
    ]


def _texts(path: Path, *, column: str) -> list[str]:
    book = openpyxl.load_workbook(path, read_only=True)
    found = []
    for ws in book.worksheets:
        at = None
        for row in ws.iter_rows(values_only=True):
            if at is None:
                at = row.index(column) if column in row else None
                continue
            if at < len(row) and isinstance(row[at], str):
                found.append(row[at])
    return found


# --- 2. line ends ------------------------------------------------------------------------------


@pytest.mark.parametrize("end", ["\r", "\r\n", "\n"], ids=["cr", "crlf", "lf"])
@pytest.mark.parametrize("canonical", [False, True], ids=["departmental", "canonical"])
def test_line_ends_of_every_kind(tmp_path: Path, end: str, canonical: bool) -> None:
    rows = [CANONICAL if canonical else HEADER] + [firm(i) for i in range(4)]
    rows[3][0] = "坏代码"
    path = write(tmp_path / "f.csv", joined(rows), end=end)
    table = read_sources([path], year=YEAR)
    assert table.frame["name"].tolist() == [f"企业{i}有限公司" for i in range(4)]
    assert table.origin["row"].tolist() == [2, 3, 4, 5]
    assert [i[3] for i in issues(table, "bad-credit-code")] == [4]


def test_mixed_line_ends_and_blank_lines_keep_line_numbers(tmp_path: Path) -> None:
    rows = joined([HEADER] + [firm(i) for i in range(3)])
    text = rows[0] + "\r\n\r" + rows[1] + "\n\n" + rows[2] + "\r" + rows[3].replace(CODES[2], "x")
    path = tmp_path / "f.csv"
    path.write_bytes(text.encode("gbk"))
    table = read_sources([path], year=YEAR)
    assert table.origin["row"].tolist() == [3, 5, 6]
    assert [i[3] for i in issues(table, "bad-credit-code")] == [6]


# --- 3. encodings ------------------------------------------------------------------------------


@pytest.mark.parametrize("main", ["gbk", "utf-8"])
def test_lines_in_another_encoding_are_read_and_reported(tmp_path: Path, main: str) -> None:
    other = "utf-8" if main == "gbk" else "gbk"
    lines = joined([HEADER] + [firm(i) for i in range(6)])
    data = b"".join(
        (line + "\n").encode(other if n in (2, 5) else main) for n, line in enumerate(lines)
    )
    path = tmp_path / "统计.csv"
    path.write_bytes(data)
    table = read_sources([path], year=YEAR)
    assert table.frame["name"].tolist() == [f"企业{i}有限公司" for i in range(6)]
    assert set(table.frame["park"]) == {"园区0", "园区1"}
    found = issues(table, "csv-mixed-encoding")
    assert [(i[3], i[6], i[7]) for i in found] == [(3, other.upper(), "warning")] * 1 + [
        (6, other.upper(), "warning")
    ]
    assert_rows_add_up(table, used=[6], skipped=[0])


@pytest.mark.parametrize("field", ["park", "name", "credit_code"])
def test_an_undecodable_cell_is_never_a_value(tmp_path: Path, field: str) -> None:
    lines = joined([HEADER] + [firm(i) for i in range(4)])
    data = bytearray(b"".join((line + "\n").encode("gbk") for line in lines))
    target = {"park": "园区0", "name": "企业2有限公司", "credit_code": CODES[2]}[field]
    column = {"park": 2, "name": 1, "credit_code": 0}[field]
    line = lines[3].split(",")
    line[column] = "BAD"
    broken = ",".join(line).encode("gbk").replace(b"BAD", target.encode("gbk")[:3] + b"\xff\x80")
    data = data.replace(lines[3].encode("gbk"), broken)
    path = tmp_path / "f.csv"
    path.write_bytes(bytes(data))
    table = read_sources([path], year=YEAR)
    for name in ("name", "park", "credit_code"):
        assert not table.frame[name].astype("string").str.contains("\ufffd").fillna(False).any()
    assert set(table.frame["park"].dropna()) <= {"园区0", "园区1"}
    found = issues(table, "undecodable-text")
    assert [(i[3], i[5], i[7]) for i in found] == [(4, field, "error")]
    assert len(table) == 4 and table.origin["row"].tolist() == [2, 3, 4, 5]


def test_a_file_mostly_undecodable_is_refused_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "乱码.csv"
    path.write_bytes(b"\xff\x80\xff,\x80\xff\n\xfe\xfe,\xff\x80\n")
    with pytest.raises(DataError, match=r"乱码\.csv.*编码"):
        read_sources([path], year=YEAR)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_tab_separated_text_is_read(tmp_path: Path, encoding: str) -> None:
    """Excel's 'Unicode text': UTF-16 (with or without BOM), tab-separated, CRLF."""
    path = write(
        tmp_path / "导出.txt", joined([HEADER, firm(0), firm(1)], "\t"), end="\r\n", enc=encoding
    )
    table = read_sources([path], year=YEAR)
    assert table.frame["name"].tolist() == ["企业0有限公司", "企业1有限公司"]
    assert table.origin["row"].tolist() == [2, 3]


@pytest.mark.parametrize(
    "head", [b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"%PDF-1.4", b"\x00\x01\x02\x00"]
)
def test_a_binary_file_named_csv_is_refused_in_chinese(tmp_path: Path, head: bytes) -> None:
    path = tmp_path / "其实不是.csv"
    path.write_bytes(head + bytes(range(256)) * 8)
    with pytest.raises(DataError, match=r"其实不是\.csv：") as info:
        read_sources([path], year=YEAR)
    assert re.search("[\u4e00-\u9fff]", str(info.value).split("：", 1)[1])


# --- 4. extra fields and line numbers ------------------------------------------------------------


@pytest.mark.parametrize("canonical", [False, True], ids=["departmental", "canonical"])
def test_an_extra_field_far_down_is_a_warning_on_its_line(tmp_path: Path, canonical: bool) -> None:
    rows = [CANONICAL if canonical else HEADER]
    rows += [[credit_code(100 + i), "企" * 40, "园区0", "10", "1"] for i in range(3000)]
    rows[2500] = [*rows[2500], "多出的值"]
    rows[2600] = [*rows[2600], ""]  # a trailing delimiter: nothing to say
    path = write(tmp_path / "f.csv", joined(rows))
    assert path.stat().st_size > 200_000
    table = read_sources([path], year=YEAR)
    assert len(table) == 3000
    found = issues(table, "extra-fields")
    assert [(i[3], i[4], i[6], i[7]) for i in found] == [
        (2501, credit_code(2599), "第6列起", "warning")
    ]
    assert not issues(table, "unnamed-column")
    assert_rows_add_up(table, used=[3000], skipped=[0])


@pytest.mark.parametrize("canonical", [False, True], ids=["departmental", "canonical"])
def test_blank_lines_do_not_shift_reported_rows(tmp_path: Path, canonical: bool) -> None:
    rows = joined([CANONICAL if canonical else HEADER] + [firm(i) for i in range(3)])
    rows[3] = rows[3].replace(",12", ",abc")
    path = write(tmp_path / "f.csv", [rows[0], "", rows[1], "", "", rows[2], rows[3]])
    table = read_sources([path], year=YEAR)
    assert table.origin["row"].tolist() == [3, 6, 7]
    assert [i[3] for i in issues(table, "non-numeric-value")] == [7]


# --- neighbours: invisible characters, bounds ----------------------------------------------------


def test_nul_bytes_and_a_byte_order_mark_inside_are_removed_and_reported(tmp_path: Path) -> None:
    lines = joined([HEADER] + [firm(i) for i in range(4)])
    lines[2] = lines[2].replace("企业1", "企\x00业1")
    lines[3] = "\ufeff" + lines[3]  # a second file appended to the first
    path = write(tmp_path / "f.csv", lines, enc="utf-8-sig")
    table = read_sources([path], year=YEAR)
    assert table.frame["credit_code"].tolist() == CODES[:4]
    assert table.frame["name"].tolist()[1] == "企业1有限公司"
    assert [(i[3], i[6], i[7]) for i in issues(table, "csv-invisible-chars")] == [
        (3, "NUL", "warning"),
        (4, "BOM", "warning"),
    ]


@pytest.mark.parametrize("canonical", [False, True], ids=["departmental", "canonical"])
def test_a_line_too_long_or_too_wide_is_not_read_and_is_reported(
    tmp_path: Path, canonical: bool
) -> None:
    lines = joined([CANONICAL if canonical else HEADER] + [firm(i) for i in range(4)])
    lines[2] += "," + "x" * (csv_text.MAX_LINE_CHARS + 1)
    lines[3] += ",1" * (
        csv_text.MAX_FIELDS + 5
    )  # filled fields: blank ones at the end do not count
    path = write(tmp_path / "f.csv", lines)
    table = read_sources([path], year=YEAR)
    assert table.frame["credit_code"].tolist() == [CODES[0], CODES[3]]
    assert [(i[0], i[3], i[7]) for i in issues(table) if i[0].startswith("csv-")] == [
        ("csv-long-line", 3, "error"),
        ("csv-too-many-fields", 4, "error"),
    ]
    too_long = issues(table, "csv-long-line")[0][6]
    assert int(too_long) > csv_text.MAX_LINE_CHARS
    assert_rows_add_up(table, used=[2], skipped=[2])


def test_too_many_cells_is_refused_before_splitting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_text, "MAX_CSV_CELLS", 20)
    path = write(tmp_path / "大表.csv", joined([HEADER] + [firm(i) for i in range(5)]))
    with pytest.raises(DataError, match=r"大表\.csv：.*单元格"):
        read_sources([path], year=YEAR)


def test_the_delimiter_is_the_one_that_splits_the_lines(tmp_path: Path) -> None:
    """A semicolon file whose names hold commas, under a title line without delimiters."""
    rows = [["2022年度企业名单"], HEADER] + [firm(i) for i in range(3)]
    rows[2][1] = "甲,乙有限公司"
    path = write(tmp_path / "f.csv", joined(rows, ";"))
    table = read_sources([path], year=YEAR)
    assert table.frame["name"].tolist()[0] == "甲,乙有限公司"
    assert table.origin["row"].tolist() == [3, 4, 5]


@pytest.mark.parametrize("content", [b"\r\r\r", b"\xff\xfe", b"\x00\x00\n"])
def test_files_with_nothing_to_read_are_data_errors(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "空.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=r"空\.csv"):
        read_sources([path], year=YEAR)


def test_a_quote_closing_at_the_end_of_its_line_never_hides_figures_in_a_name(
    tmp_path: Path,
) -> None:
    """`"企业1有限公司,园区1,10,11"`: by the rules of CSV one name holding the row's park and
    tax; the firm has too few fields, so the line is read without quote processing."""
    rows = joined([HEADER] + [firm(i) for i in range(5)])
    rows[2] = f'{CODES[1]},"企业1有限公司,园区1,10,11"'
    path = write(tmp_path / "f.csv", rows)
    table = read_sources([path], year=YEAR)
    assert table.frame["name"].tolist()[1] == "企业1有限公司"
    assert table.frame["tax_paid"].tolist()[1] == 11.0
    assert [i[3] for i in issues(table, "csv-stray-quote")] == [3]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    names=st.lists(
        st.text(alphabet="甲乙丙有限公司AB1 \"',;", min_size=1, max_size=8), min_size=2, max_size=9
    ),
    sep=st.sampled_from([",", "\t", ";"]),
    end=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_whatever_the_names_hold_every_line_is_its_own_firm(
    tmp_path: Path, names: list[str], sep: str, end: str
) -> None:
    """Property: quotes and delimiters typed into names, unquoted, never make one row of two
    lines, never put a line's code into a name, and never lose a line."""
    rows = [HEADER] + [[CODES[i], name, "园区0", "10", "1"] for i, name in enumerate(names)]
    path = write(tmp_path / "f.csv", [sep.join(r) for r in rows], end=end)
    table = read_sources([path], year=YEAR)
    assert sorted(table.frame["credit_code"].dropna()) == sorted(CODES[: len(names)])
    assert sorted(table.origin["row"]) == list(range(2, len(names) + 2))
    for name in table.frame["name"].dropna():
        assert "\n" not in name and not CODE_RE.search(name)
    assert_rows_add_up(table, used=[len(names)], skipped=[0])


def test_a_header_below_blank_lines_is_reported_at_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "f.csv", ["", "", "\r", ",".join([*HEADER, "联系人手机"]), *joined([firm(0)])]
    )
    table = read_sources([path], year=YEAR)
    assert [i[3] for i in issues(table, "unknown-column")] == [4]
    assert table.origin["row"].tolist() == [5]


def test_too_many_lines_is_refused_before_splitting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_text, "MAX_CSV_LINES", 50)
    path = tmp_path / "空行.csv"
    path.write_bytes(",".join(HEADER).encode() + b"\r" * 60)
    with pytest.raises(DataError, match=r"空行\.csv：文件有60行"):
        read_sources([path], year=YEAR)


def test_mujuns_own_csv_with_quotes_commas_and_breaks_in_names_reads_back(tmp_path: Path) -> None:
    from mujun.export.tables import write_csv

    frame = pd.DataFrame(
        {
            "credit_code": CODES[:3],
            "name": ['甲 "A", 分厂\n二车间', "乙", "丙"],
            "tax_paid": [1.0, 2, 3],
        }
    )
    path = tmp_path / "own.csv"
    write_csv(frame, path)
    table = read_sources([path], year=YEAR)
    assert table.frame["name"].tolist() == frame["name"].tolist()
    assert table.origin["row"].tolist() == [2, 4, 5]
    assert issues(table) == []


def test_a_quoted_value_after_a_space_is_unquoted(tmp_path: Path) -> None:
    """`A, "甲,公司", 5` as people type it: the quotes quote, they are not part of the name."""
    path = tmp_path / "f.csv"
    head = "统一社会信用代码, 企业名称, 实缴税金(万元)\n"
    path.write_text(head + f'{CODES[0]}, "甲,公司", 5\n{CODES[1]}, 乙, " 7"\n', encoding="utf-8")
    table = read_sources([path], year=YEAR)
    assert table.frame["name"].tolist() == ["甲,公司", "乙"]
    assert table.frame["tax_paid"].tolist() == [5.0, 7.0]
    assert issues(table) == []


def test_excels_sep_line_names_the_delimiter(tmp_path: Path) -> None:
    rows = ["sep=;", *joined([HEADER] + [firm(i) for i in range(2)], ";")]
    rows[2] = rows[2].replace("企业0", "企业0,一厂")  # a comma in a name is no delimiter here
    table = read_sources([write(tmp_path / "f.csv", rows)], year=YEAR)
    assert table.frame["name"].tolist() == ["企业0,一厂有限公司", "企业1有限公司"]
    assert table.origin["row"].tolist() == [3, 4]


def test_mixed_and_undecodable_text_make_no_phantom_park(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES, encoding="utf-8")
    lines = joined([HEADER] + [firm(i) for i in range(6)])
    data = b"".join(
        (line + "\n").encode("utf-8" if n == 3 else "gbk") for n, line in enumerate(lines)
    )
    data = data.replace(
        lines[5].encode("gbk"), lines[5].encode("gbk").replace(b"\xd4\xb0", b"\xff\x80")
    )
    path = tmp_path / "统计局.csv"
    path.write_bytes(data)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["run", "--rules", str(rules), "--data", str(path), "--out", str(out)]
    )
    assert result.exit_code == 1, (
        result.output
    )  # an unreadable park is an error: results still written
    assert isinstance(result.exception, SystemExit)
    assert sorted(p.name for p in (out / "parks").glob("*.xlsx")) == [
        "园区0.xlsx",
        "园区1.xlsx",
        "未填园区.xlsx",
    ]
    found = pd.read_csv(out / "issues.csv", encoding="utf-8-sig", dtype=str)
    rows = found[found["code"].isin(["csv-mixed-encoding", "undecodable-text"])]
    assert sorted(zip(rows["code"], rows["row"], strict=True)) == [
        ("csv-mixed-encoding", "4"),
        ("undecodable-text", "6"),
    ]
    assert not any("\ufffd" in t for p in (out / "parks").glob("*.xlsx") for t in _all_texts(p))
    assert not any("\ufffd" in p.read_text(encoding="utf-8") for p in out.rglob("*.html"))
