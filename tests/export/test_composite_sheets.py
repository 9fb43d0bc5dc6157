"""The composite steps in the workbooks: 说明 shows the hierarchy, treatment and imputation of
a composite class; the internal workbook's 数据处理 sheet lists the winsorised points with
their reported values, and no park workbook or publication list has that sheet."""

from __future__ import annotations

from pathlib import Path

from composite_index import FIVE, INDEX
from openpyxl import load_workbook

from mujun import evaluate, parse_rules
from mujun.export.workbooks import write_workbooks


def _texts(ws: object) -> str:
    return "\n".join(
        str(c.value)
        for row in ws.iter_rows()
        for c in row
        if c.value is not None  # type: ignore[attr-defined]
    )


def test_method_and_treatment_sheets(tmp_path: Path) -> None:
    ev = evaluate(FIVE.assign(name=[f"单位{i}" for i in range(5)]), parse_rules(INDEX))
    paths = write_workbooks(ev, tmp_path)
    internal = next(p for p in paths if p.name.startswith("亩均效益评价结果"))
    wb = load_workbook(internal)
    method = _texts(wb["说明"])
    assert "加权算术平均" in method and "经济" in method and "绿色" in method
    assert "插补：取所属园区相同的单位的平均值" in method
    assert "逐点缩尾" in method
    assert "÷" in method  # the denominated formula
    index = _texts(wb["综合指数"])  # the class sheet: each group's score after the indicators'
    assert index.index("经济") > index.index("亩均能耗") and "绿色" in index
    sheet = _texts(wb["数据处理"])
    assert "单位4" in sheet and "高端（调低）" in sheet and "100" in sheet
    for path in paths:
        if path != internal:
            book = load_workbook(path)
            assert "数据处理" not in book.sheetnames, path.name
            # the winsorised raw value (100 万元/亩) is nowhere in a park's 说明
            if "说明" in book.sheetnames:
                assert "高端（调低）" not in _texts(book["说明"])
