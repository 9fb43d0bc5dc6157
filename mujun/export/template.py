"""Blank data-collection workbooks (数据采集表) for the fields a rules file needs.

One sheet per source department (税务局, 统计局, …, in the order of `fields.DEPARTMENTS`), each
starting with the keys 统一社会信用代码 and 企业名称, then the department's fields in the order of
`fields.FIELDS`. Row 1 is the title, row 2 the headers (`label（unit）`, the form the reader maps
back to field and unit), data from row 3. The instructions sheet 填报说明 comes last, so every data
sheet comes before it and a reader that stops at the first sheet still finds data.

Fields asked for: the input fields the rules name, plus the input fields behind the derived fields
they name (land_mu → the three land parts, industry_division → industry_code, years_operating →
established). energy_tce and emissions_t are asked for as the totals they are: their parts
(carriers, pollutants) are alternatives the engine accepts, not extra columns to fill. The year is
not a column: it is the rules' year, stated in every title.

The same rules give the same bytes: document dates are fixed from the rules' year and the zip
entries carry that date too. The file is written beside `out` and renamed into place.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import ExportError
from ..fields import DEPARTMENTS, FIELDS, Field, input_fields, inputs_behind
from ..rules import Rules
from ..rules.declared import with_rules_fields
from ..rules.unit_key import is_credit_header, said_key
from . import styles
from .layout import print_setup, text_lines
from .names import sheet_names
from .xlsx import TEXT_FORMAT, no_formulas, save, width

KEYS: tuple[str, ...] = ("credit_code", "name")
ALWAYS: tuple[str, ...] = ("park",)  # park workbooks group by it, whether a formula reads it or not
LIST_CHARS = 255  # the longest list a validation may spell out; longer ones go on a hidden sheet
PARK_LIST_SHEET = "园区名单"
FIRST_DATA_ROW = 3
DATA_ROWS = 2000  # rows 3–2002 are formatted and validated
GUIDE_SHEET = "填报说明"

_DATE_FORMAT = "yyyy-mm-dd"

_KIND_RULE = {
    "key": "18位文本，不得用科学计数法",
    "text": "文本",
    "bool": "填“是”或“否”（下拉选择）；留空视为“否”",
    "date": "日期，如 2018-05-01",
    "int": "整数",
}


@with_rules_fields
def needed_fields(rules: Rules) -> tuple[str, ...]:
    """The input fields a template for these rules asks for, keys first, in `FIELDS` order."""
    used = {n for n in rules.fields_used() if n in FIELDS}
    used |= {n for p in rules.policies for n in p.fields_used() if n in FIELDS}  # 用电户号, …
    derived = {n for n in used if FIELDS[n].derived}
    wanted = (used - derived) | inputs_behind(derived) | set(KEYS) | set(ALWAYS)
    if rules.energy.basis and "energy_tce" in wanted:  # the basis it is reported at, to check
        wanted.add("energy_basis")
    rest = tuple(c for c in input_fields() if c in wanted and c not in KEYS and c != "year")
    return (*KEYS, *rest)


@with_rules_fields
def template_sheets(rules: Rules) -> dict[str, tuple[str, ...]]:
    """Sheet name → the field codes of its columns (keys first), one sheet per department that
    fills at least one needed field besides the keys."""
    return {name: codes for name, _, codes in _sheets(rules)}


def _sheets(rules: Rules) -> list[tuple[str, str, tuple[str, ...]]]:
    """(sheet name, department, field codes) of each data sheet, in `DEPARTMENTS` order."""
    by_department: dict[str, list[str]] = {}
    for code in needed_fields(rules)[len(KEYS) :]:
        by_department.setdefault(FIELDS[code].department, []).append(code)
    if not by_department:  # rules that read no field: still a sheet to list the firms on
        by_department[DEPARTMENTS[0]] = []
    order = [
        d
        for d in (*DEPARTMENTS, *sorted(set(by_department) - set(DEPARTMENTS)))
        if d in by_department
    ]
    names = sheet_names(order, taken=[GUIDE_SHEET])
    return [(name, d, (*KEYS, *by_department[d])) for name, d in zip(names, order, strict=True)]


def header(code: str) -> str:
    """The header of a field's column: its label, with its unit in full-width brackets."""
    f = FIELDS[code]
    return f"{f.label}（{f.unit}）" if f.unit else f.label


def book_title(rules: Rules) -> str:
    """What the workbook is: region, year, 数据采集表."""
    return f"{rules.region}{rules.year}年度工业企业亩均效益评价数据采集表"


def title(rules: Rules, department: str) -> str:
    """The title of a department's sheet (row 1)."""
    return f"{book_title(rules)}（{department}）"


def write_template(rules: Rules, out: str | Path, *, rows: int = DATA_ROWS) -> Path:
    """Write the blank 数据采集表 for these rules to `out` (.xlsx) and return its path.

    `rows` data rows (from row 3) are formatted and validated. Same rules, same bytes.
    """
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise ExportError(f"{out}：数据采集表须为 .xlsx 工作簿，请给出以 .xlsx 结尾的文件名")
    if rows < 1:
        raise ExportError(f"行数至少为1，而不是 {rows}")
    return save(build_workbook(rules, rows=rows), out, when=_fixed_time(rules))


@with_rules_fields
def build_workbook(rules: Rules, *, rows: int = DATA_ROWS) -> Workbook:
    """The template as an openpyxl workbook (not saved)."""
    book = Workbook()
    default = book.active
    if default is not None:
        book.remove(default)
    last_row = FIRST_DATA_ROW + rows - 1
    sheets = _sheets(rules)
    for name, department, codes in sheets:
        _data_sheet(book.create_sheet(name), rules, department, codes, last_row)
    _guide_sheet(book.create_sheet(GUIDE_SHEET), rules, sheets)
    if rules.parks is not None and not _inline(rules):
        _park_sheet(book.create_sheet(PARK_LIST_SHEET), rules.parks.names)
    no_formulas(book)
    book.active = 0
    moment = _fixed_time(rules)
    props = book.properties
    props.creator = "mujun"
    props.lastModifiedBy = "mujun"
    props.created = moment
    props.modified = moment
    props.title = book_title(rules)
    props.description = f"按评价办法《{rules.name}》生成"
    return book


def _data_sheet(
    ws: Worksheet, rules: Rules, department: str, codes: tuple[str, ...], last_row: int
) -> None:
    ncols = len(codes)
    ws.cell(row=1, column=1, value=title(rules, department))
    ws["A1"].font = styles.TITLE_FONT
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[2].height = 36
    validations: dict[tuple[tuple[str, str], ...], DataValidation] = {}
    for col, code in enumerate(codes, start=1):
        f = FIELDS[code]
        letter = get_column_letter(col)
        text = key_header(rules) if code == "credit_code" else header(code)
        cell = ws.cell(row=2, column=col, value=text)
        styles.as_header(cell)
        ws.column_dimensions[letter].width = _width(f, text)
        fmt = _number_format(f)
        if fmt:
            ws.column_dimensions[letter].number_format = fmt  # for rows beyond the formatted ones
            for row in range(FIRST_DATA_ROW, last_row + 1):
                ws.cell(row=row, column=col).number_format = fmt
        spec = _validation(f, rules.year) if code != "park" else _park_validation(f, rules)
        if code == "credit_code" and rules.input.key_check != "credit_code":
            spec = None  # [input] key_check = "none": any text is a key
        if spec is not None:
            key = tuple(sorted((k, str(v)) for k, v in spec.items()))
            if key not in validations:
                validations[key] = DataValidation(**spec)
                ws.add_data_validation(validations[key])
            validations[key].add(f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}")
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    # the printing rule of the result workbooks: 8 pt at least, wide sheets split over page
    # widths with the firm's code and name repeated on each
    widths = [ws.column_dimensions[get_column_letter(c)].width for c in range(1, ncols + 1)]
    repeat = next((k for k, c in enumerate(codes) if c not in ("credit_code", "name")), ncols)
    plan = print_setup(ws, widths, repeat=min(repeat, ncols - 1), paper=rules.publication.paper)
    # the title over the first page width: merged over all, a split sheet would print it cut
    first = plan.first_part(ncols)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=first)
    # a title wider than a narrow sheet wraps onto a taller row, never cut at the page edge
    room, text = sum(widths[:first]), str(ws["A1"].value)
    if text_lines(text, room, wide=1.6) > 1 and "（" in text[1:]:
        at = text.rindex("（")
        ws["A1"].value = text = f"{text[:at]}\n{text[at:]}"  # the department on a line of its own
    ws.row_dimensions[1].height = 24 * text_lines(text, room, wide=1.6) + 6


def _number_format(f: Field) -> str:
    if f.kind in ("key", "text"):
        return TEXT_FORMAT
    if f.kind == "date":
        return _DATE_FORMAT
    return ""


def _validation(f: Field, year: int) -> dict[str, object] | None:
    """Keyword arguments of the DataValidation for a field's column (None: no validation)."""
    unit = f"（单位：{f.unit}）" if f.unit else ""
    common: dict[str, object] = {
        "allow_blank": True,
        "showErrorMessage": True,
        "errorStyle": "stop",
        "errorTitle": "填写有误",
        "showInputMessage": True,
        "promptTitle": f.label[:32],
    }
    if f.kind == "key":
        return {
            **common,
            "type": "textLength",
            "operator": "equal",
            "formula1": "18",
            "error": f"“{f.label}”应为18位，请按文本填写，不含空格",
            "prompt": "18位统一社会信用代码，按文本填写",
        }
    if f.code == "industry_code":
        return {
            **common,
            "type": "textLength",
            "operator": "between",
            "formula1": "2",
            "formula2": "4",
            "error": f"“{f.label}”应为2～4位数字（GB/T 4754-2017），不含门类字母",
            "prompt": _prompt(f, year),
        }
    if f.kind == "bool":
        return {
            **common,
            "type": "list",
            "formula1": '"是,否"',
            "error": f"“{f.label}”请填“是”或“否”",
            "prompt": _prompt(f, year),
        }
    if f.kind == "date":
        upper = date(year + 1, 12, 31)
        return {
            **common,
            "type": "date",
            "operator": "between",
            "formula1": str(int(to_excel(date(1900, 1, 1)))),
            "formula2": str(int(to_excel(upper))),
            "error": f"“{f.label}”请填日期，如 2018-05-01，不晚于{upper.year}年12月31日",
            "prompt": _prompt(f, year),
        }
    if f.kind == "int":
        low = f"{f.minimum:g}" if f.minimum is not None else "-999999999"
        return {
            **common,
            "type": "whole",
            "operator": "between",
            "formula1": low,
            "formula2": "999999999",
            "error": f"“{f.label}”请填整数" + (f"，不小于{low}" if f.minimum is not None else ""),
            "prompt": _prompt(f, year),
        }
    if f.kind == "number":
        if f.minimum is not None:
            return {
                **common,
                "type": "decimal",
                "operator": "greaterThanOrEqual",
                "formula1": f"{f.minimum:g}",
                "error": f"“{f.label}”请填不小于{f.minimum:g}的数字{unit}，不填单位和文字",
                "prompt": _prompt(f, year),
            }
        return {
            **common,
            "type": "decimal",
            "operator": "between",
            "formula1": "-1000000000000",
            "formula2": "1000000000000",
            "error": f"“{f.label}”请填数字{unit}（可为负数），不填单位和文字",
            "prompt": _prompt(f, year),
        }
    return None


def _park_list(rules: Rules) -> str:
    """The parks of `[parks]` as a validation list spells them."""
    return '"' + ",".join(rules.parks.names if rules.parks else []) + '"'


def _inline(rules: Rules) -> bool:
    """Whether the drop-down can spell the parks out: short enough, and no name holds the
    list's comma or quote (王庄镇,北区 would be two parks, a quote breaks the workbook)."""
    names = rules.parks.names if rules.parks else []
    return len(_park_list(rules)) <= LIST_CHARS and not any(set(n) & {",", '"'} for n in names)


def _park_validation(f: Field, rules: Rules) -> dict[str, object] | None:
    """A drop-down of the rules' parks (none without `[parks]`): one spelling per park."""
    if rules.parks is None:
        return None
    listed = _park_list(rules)
    if not _inline(rules):
        end = len(rules.parks.names)
        listed = f"{PARK_LIST_SHEET}!$A$1:$A${end}"
    return {
        "allow_blank": True,
        "showErrorMessage": True,
        "errorStyle": "stop",
        "errorTitle": "填写有误",
        "showInputMessage": True,
        "promptTitle": f.label[:32],
        "type": "list",
        "formula1": listed,
        "error": f"“{f.label}”请从下拉列表中选择（评价办法所列园区）",
        "prompt": "从下拉列表中选择所在园区或乡镇（街道）",
    }


def _park_sheet(ws: Worksheet, names: list[str]) -> None:
    """The parks, one a row, on a hidden sheet the drop-down refers to."""
    for row, name in enumerate(names, start=1):
        ws.cell(row=row, column=1, value=name).number_format = TEXT_FORMAT
    ws.sheet_state = "hidden"


def _prompt(f: Field, year: int) -> str:
    unit = f"单位：{f.unit}。" if f.unit else ""
    return (unit + definition(f, year))[:255]


def definition(f: Field, year: int) -> str:
    """A field's 口径 for the instructions: its note, or a default from its kind and the year."""
    if f.note:
        return f.note
    if f.kind == "number":
        return f"{year}年度{f.label}"
    if f.kind == "text":
        return f"按营业执照或本部门登记填写{f.label}"
    return f"按{year}年度情况填写"


def _guide_sheet(
    ws: Worksheet, rules: Rules, sheets: list[tuple[str, str, tuple[str, ...]]]
) -> None:
    columns = ("序号", "字段", "单位", "填报部门", "口径", "填写要求", "是否必填")
    widths = (6, 30, 12, 14, 40, 30, 10)  # one A4 page width at 85 %: 8 pt and more
    print_setup(ws, widths)
    ws.cell(row=1, column=1, value=f"{book_title(rules)}{GUIDE_SHEET}")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    ws["A1"].font = styles.TITLE_FONT
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    row = 3
    ws.cell(row=row, column=1, value="一、通用要求").font = styles.BOLD_FONT
    for i, text in enumerate(_general_notes(rules, [s[0] for s in sheets]), start=1):
        row += 1
        note = ws.cell(row=row, column=1, value=f"{i}. {text}")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(columns))
        note.font = styles.BODY_FONT
        note.alignment = styles.WRAP_MIDDLE
        ws.row_dimensions[row].height = 30
    row += 2
    ws.cell(row=row, column=1, value="二、字段说明").font = styles.BOLD_FONT
    row += 1
    for col, (text, column_width) in enumerate(zip(columns, widths, strict=True), start=1):
        cell = ws.cell(row=row, column=col, value=text)
        styles.as_header(cell)
        ws.column_dimensions[get_column_letter(col)].width = column_width
    departments = {code: sheet for sheet, _, codes in sheets for code in codes[len(KEYS) :]}
    for n, code in enumerate(needed_fields(rules), start=1):
        f = FIELDS[code]
        row += 1
        values = (
            n,
            f.label,
            f.unit,
            departments.get(code, "各部门（每张表都填）"),
            definition(f, rules.year),
            _requirement(f),
            "是",
        )
        if code == "credit_code" and not is_credit_header(rules.input.key):  # [input] key
            values = (n, key_header(rules), "", values[3], rules.input.key_label, "文本", "是")
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col, value=value)
            cell.font = styles.BODY_FONT
            cell.border = styles.BORDER
            cell.alignment = styles.WRAP if isinstance(value, str) else styles.TOP
        lines = max(text_lines(str(v), w) for v, w in zip(values, widths, strict=True))
        ws.row_dimensions[row].height = 15 * lines  # wrapped text shown whole, not cut
    ws.freeze_panes = "A2"


def _requirement(f: Field) -> str:
    if f.kind == "number":
        low = "不小于0的" if f.minimum == 0 else "可为负的" if f.minimum is None else ""
        unit = f"，以{f.unit}为单位" if f.unit else ""
        return f"{low}数字{unit}；只填数字，不填单位"
    if f.code == "industry_code":
        return "2～4位数字文本，不含门类字母"
    return _KIND_RULE.get(f.kind, "")


def _general_notes(rules: Rules, sheets: Iterable[str]) -> list[str]:
    notes = [
        f"本表用于采集{rules.region}{rules.year}年度（{rules.year}年1月1日至12月31日）"
        f"工业企业亩均效益评价数据，字段按评价办法《{rules.name}》确定。",
        f"每个工作表对应一个填报部门（{'、'.join(sheets)}），各部门只填本部门的工作表。",
        "每家企业填一行，一家企业只填一行；每张表都要填统一社会信用代码和企业名称。",
        "统一社会信用代码为18位，按文本填写（单元格已设为文本格式），不得用科学计数法，不含空格。",
        "金额、面积、能耗等按表头括号内的单位填写（如“实缴税金（万元）”填万元数），"
        "只填数字，不填单位或文字说明。",
        "数据不详的请留空，不要填0；确实为0的才填0。",
        "不得合并单元格，不得增删、修改或调换第1、2行的标题和表头，不得插入空行或合计行。",
        "是/否类字段填“是”或“否”（可下拉选择）；日期按“2018-05-01”格式填写。",
    ]
    return key_notes(rules, notes)


def key_header(rules: Rules) -> str:
    """The key column's header: the column the rules read as the key (`[input] key`)."""
    return header("credit_code") if is_credit_header(rules.input.key) else rules.input.key


def key_notes(rules: Rules, notes: list[str]) -> list[str]:
    """The general notes for the rules' key: as written for the credit code; for another key
    (`[input] key`) named by its header, and without the credit code's 18 characters when
    the rules do not check them."""
    if is_credit_header(rules.input.key) and rules.input.key_check == "credit_code":
        return notes
    shown = said_key(pd.Series(notes, dtype="string"), f"“{key_header(rules)}”").tolist()
    if rules.input.key_check != "credit_code":
        shown = [n for n, raw in zip(shown, notes, strict=True) if "18位" not in raw]
    return [str(n) for n in shown]


def _width(f: Field, text: str) -> float:
    """The header's width, within [12, 24]; the code and the name get the room they need."""
    return {"credit_code": 24.0, "name": 36.0}.get(f.code) or width([text], 12, 24)


def _fixed_time(rules: Rules) -> datetime:
    """The document date of every template for these rules: 1 January after the data year."""
    return datetime(rules.year + 1, 1, 1)
