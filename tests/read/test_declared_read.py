"""Declared fields read from a real workbook: headers with units, conversion, text in a number
column, flags; the template collects them on their department's sheet; `mujun fields --rules`
lists them; the 说明 sheet shows them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import HEADER, credit_code, read_for

from mujun import EnterpriseTable, evaluate, parse_rules, threads
from mujun.export.field_notes import field_rows as note_rows
from mujun.export.template import template_sheets
from mujun.fieldlist import field_rows
from mujun.rules import Rules

RULES = (
    HEADER
    + """
[energy]
basis = "等价值"

[[field]]
code = "tenants_count"
label = "出租户数"
unit = "个"
kind = "count"
aliases = ["出租家数", "承租企业数"]
department = "自然资源局"

[[field]]
code = "rent_income"
label = "租金收入"
unit = "万元"
kind = "number"
department = "税务局"

[[field]]
code = "key_firm"
label = "龙头企业"
kind = "flag"

[[derive]]
code = "industry_group"
label = "行业组"
from = "industry_code"
map = { "金属" = ["33"] }
default = "其他"

[[class]]
code = "all"
label = "全部企业"
when = "出租户数 >= 0 or key_firm"

  [[class.indicator]]
  code = "tax_per_mu"
  label = "亩均税收"
  formula = "(tax_paid + rent_income) / land_mu"
  weight = 100
  score = { method = "ratio", benchmark = "pooled", by = "industry_group" }

  [class.tiers]
  method = "quota"
  shares = { A = 0.5, B = 0.5 }
"""
)


@pytest.fixture
def rules() -> Rules:
    return parse_rules(RULES, file="r.toml")


def workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["统一社会信用代码", "企业名称", "行业代码", "实缴税金(万元)", "自有用地(亩)",
               "出租家数(个)", "租金收入(元)", "龙头企业", "能耗口径"])  # fmt: skip
    ws.append([credit_code(1), "甲", "3311", 100, 10, 2, 50000, "是", "等价值"])
    ws.append([credit_code(2), "乙", "3312", 50, 10, "三家", 10000, "否", "当量值"])
    ws.append([credit_code(3), "丙", "1711", 80, 10, None, None, None, None])
    wb.save(path)
    return path


def test_declared_fields_are_read_converted_and_checked(tmp_path: Path, rules: Rules) -> None:
    table = read_for([workbook(tmp_path / "d.xlsx")], rules)
    frame = table.frame
    # 出租家数(个) is an alias of tenants_count; "三家" is no number
    assert frame["tenants_count"].tolist()[0] == 2.0
    assert np.isnan(frame["tenants_count"].tolist()[1])
    # 租金收入(元) converted to 万元: 50000 元 = 5 万元, 10000 元 = 1 万元
    assert frame["rent_income"].tolist()[:2] == [5.0, 1.0]
    assert frame["key_firm"].tolist()[:2] == [True, False]
    assert "unknown-column" not in set(table.notes["code"])
    ev = evaluate(table, rules)
    issues = ev.issues
    bad = issues[issues["code"] == "non-numeric-value"]
    assert bad["credit_code"].tolist() == [credit_code(2)]
    assert "出租户数" in bad["message"].iloc[0]
    status = ev.results.set_index("credit_code")["status"]
    assert status[credit_code(2)] == "rejected"  # the class reads the field
    assert status[credit_code(1)] == "evaluated"
    differs = issues[issues["code"] == "energy-basis-differs"]
    assert differs["credit_code"].tolist() == [credit_code(2)]


def test_without_the_catalog_the_columns_are_unknown(tmp_path: Path, rules: Rules) -> None:
    table = read_for([workbook(tmp_path / "d.xlsx")], rules, fields=None)
    assert "tenants_count" not in table.frame
    assert "unknown-column" in set(table.notes["code"])


def test_the_template_collects_declared_fields_on_their_department(rules: Rules) -> None:
    sheets = template_sheets(rules)
    by_field = {c: name for name, codes in sheets.items() for c in codes[2:]}
    assert "自然资源局" in by_field["tenants_count"]
    assert "税务局" in by_field["rent_income"]
    assert "经信局" in by_field["key_firm"]
    assert "industry_group" not in by_field  # derived: its input, industry_code, is asked for
    assert "industry_code" in by_field


def test_fields_list_shows_declared_and_derived(rules: Rules) -> None:
    rows = {r.code: r for r in field_rows(rules)}
    assert rows["tenants_count"].headers == ("出租户数", "出租家数", "承租企业数")
    assert rows["tenants_count"].needed
    assert rows["industry_group"].derived
    assert rows["industry_group"].computed_from == ("industry_code",)
    assert "tenants_count" not in {r.code for r in field_rows()}


def test_the_method_sheet_rows(rules: Rules) -> None:
    rows = note_rows(rules)
    assert [r[1] for r in rows] == ["tenants_count", "rent_income", "key_firm", "industry_group"]
    assert rows[0][:4] == ["声明字段", "tenants_count", "出租户数", "个"]
    assert "自然资源局" in rows[0][4] and "“出租家数”" in rows[0][4]
    assert rows[3][0] == "派生字段"
    assert "行业代码" in rows[3][4] and "金属：33" in rows[3][4] and "“其他”" in rows[3][4]


def test_the_template_asks_for_the_energy_basis_when_the_rules_state_one(rules: Rules) -> None:
    def asked(r: Rules) -> set[str]:
        return {c for codes in template_sheets(r).values() for c in codes}

    assert "energy_basis" not in asked(rules)  # the rules read no 综合能耗
    with_energy = RULES.replace("(tax_paid + rent_income)", "(tax_paid + rent_income + energy_tce)")
    assert "energy_basis" in asked(parse_rules(with_energy))
    without = with_energy.replace('[energy]\nbasis = "等价值"\n', "")
    assert "energy_basis" not in asked(parse_rules(without))


def test_declared_fields_are_parsed_in_threads_too(
    monkeypatch: pytest.MonkeyPatch, rules: Rules
) -> None:
    # a large table parses its columns side by side: the threads see the declared fields
    monkeypatch.setattr(threads, "PARALLEL_ROWS", 1)
    monkeypatch.setattr(threads, "WORKERS", 2)
    frame = pd.DataFrame(
        {
            "credit_code": [credit_code(1), credit_code(2)],
            "tax_paid": ["10", "20"],
            "tenants_count": ["2", "x"],
            "key_firm": ["是", "否"],
        }
    )
    with rules.fields_in_use():
        table = EnterpriseTable.from_frame(frame)
    assert table.frame["tenants_count"].tolist()[0] == 2.0
    assert table.frame["key_firm"].tolist() == [True, False]
