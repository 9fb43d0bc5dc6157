"""The 说明 sheet names declared and derived fields by their Chinese labels wherever it shows a
condition, a formula or a grouping, also when the workbook is written on its own (not only
through `write_run`)."""

from __future__ import annotations

from pathlib import Path

import openpyxl

import mujun
from mujun.export.workbooks import write_internal_workbook
from mujun.sample.synthetic import county_frame

RULES = Path(__file__).resolve().parents[2] / "rules" / "zhejiang-wenling-2022.toml"


def test_method_sheet_shows_labels_of_declared_and_derived_fields(tmp_path: Path) -> None:
    rules = mujun.load_rules(RULES)
    ev = mujun.evaluate(county_frame(300, year=rules.year, seed=3), rules)
    path = write_internal_workbook(ev, tmp_path / "内部版.xlsx")
    sheet = openpyxl.load_workbook(path)["说明"]
    rows = [[str(c) for c in row if c] for row in sheet.iter_rows(values_only=True)]
    # the table of declared and derived fields gives each code beside its label; elsewhere
    # only labels
    text = "\n".join(" ".join(r) for r in rows if r and r[0] not in ("声明字段", "派生字段"))
    assert "出租户数 > 1" in text and "行业组" in text
    assert "tenants_count" not in text
    assert "各industry_group组" not in text and "industry_group空白" not in text
