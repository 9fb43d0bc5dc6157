"""The blank appeals register (异议复核登记表): `mujun template --appeals --out F.xlsx`.

Its headers are the ones `read/appeals.py` reads; 状态 has a drop-down list of the four states;
a 填报说明 sheet (set aside when the register is read back) says how each column is filled.
Both sheets print on A4 landscape, split over page widths with the id and code repeated.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..appeal_form import HEADERS, STATES
from ..errors import ExportError
from . import styles
from .layout import print_setup
from .xlsx import TEXT_FORMAT, no_formulas, save

SHEET, GUIDE = "异议登记", "填报说明"
TITLE = "亩均效益评价异议复核登记表"
ROWS = 1000  # data rows formatted and validated
WIDTHS = (14, 24, 8, 30, 22, 14, 24, 12, 12, 10, 10, 12, 30)
GUIDE_ROWS = (
    ("异议编号", "每条异议一个编号，不得重复（如 YY-2023-001）；必填"),
    ("统一社会信用代码", "提出异议企业的18位统一社会信用代码；必填"),
    ("年度", "数据年度；只评价一个年度时可留空"),
    ("企业名称", "供核对，可不填"),
    (
        "字段",
        "有异议的数据项：字段代码（tax_paid）或表头（实缴税金），单位不是标准单位时写在括号里，如“实缴税金(元)”；必填",
    ),
    ("申报值", "企业主张的数值，按“字段”所写单位填写；采纳时必填"),
    ("证明材料", "企业提交的证明材料名称（完税证明、不动产权证等）"),
    ("渠道", "受理渠道：窗口、邮寄、网上等"),
    ("受理日期", "收到异议的日期"),
    ("状态", "受理、核实中、采纳、不采纳之一（下拉选择）；只有“采纳”的异议作为更正套用在数据之上"),
    ("决定人", "作出采纳或不采纳决定的人；采纳时作为更正的审批人"),
    ("决定日期", "作出决定的日期"),
    ("说明", "核实情况或决定理由；采纳时作为更正原因（留空则记为“异议复核采纳”）"),
)
WHEN = datetime(2000, 1, 1)  # the document date: the same register, the same bytes


def write_appeals_template(out: str | Path) -> Path:
    """Write the blank register to `out` (.xlsx) and return its path."""
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise ExportError(f"{out}：异议登记表须为 .xlsx 工作簿，请给出以 .xlsx 结尾的文件名")
    return save(build_appeals_workbook(), out, when=WHEN)


def build_appeals_workbook() -> Workbook:
    """The register as an openpyxl workbook (not saved)."""
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = SHEET
    print_setup(ws, WIDTHS, repeat=2)
    ws.cell(row=1, column=1, value=TITLE).font = styles.TITLE_FONT
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    ws.row_dimensions[2].height = 30
    for col, (text, width) in enumerate(zip(HEADERS, WIDTHS, strict=True), start=1):
        styles.as_header(ws.cell(row=2, column=col, value=text))
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = width
        ws.column_dimensions[letter].number_format = TEXT_FORMAT
    state = HEADERS.index("状态") + 1
    letter = get_column_letter(state)
    choice = DataValidation(
        type="list",
        formula1='"' + ",".join(STATES) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="状态",
        error="请选择：" + "、".join(STATES),
        promptTitle="状态",
        prompt="受理、核实中、采纳、不采纳；只有“采纳”的异议会更正数据",
    )
    ws.add_data_validation(choice)
    choice.add(f"{letter}3:{letter}{ROWS + 2}")
    ws.freeze_panes = "C3"
    ws.print_title_rows = "2:2"
    _guide(book.create_sheet(GUIDE))
    no_formulas(book)
    props = book.properties
    props.creator = props.lastModifiedBy = "mujun"
    props.created = props.modified = WHEN
    props.title = TITLE
    return book


def _guide(ws: Worksheet) -> None:
    widths = (18, 80)
    print_setup(ws, widths)
    sheet = ws
    sheet.cell(row=1, column=1, value=f"{TITLE}{GUIDE}").font = styles.TITLE_FONT
    for col, (text, width) in enumerate(zip(("列", "填写要求"), widths, strict=True), start=1):
        styles.as_header(sheet.cell(row=2, column=col, value=text))
        sheet.column_dimensions[get_column_letter(col)].width = width
    for row, (name, text) in enumerate(GUIDE_ROWS, start=3):
        for col, value in enumerate((name, text), start=1):
            cell = sheet.cell(row=row, column=col, value=value)
            cell.font, cell.border, cell.alignment = styles.BODY_FONT, styles.BORDER, styles.WRAP
        sheet.row_dimensions[row].height = 30
