"""`mujun fields [--rules R]`: every field, its headers, and which the rules need."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_setup import invoke

from mujun.fieldlist import field_rows
from mujun.fields import FIELDS, inputs_behind
from mujun.rules import load_rules

RULES_DIR = Path(__file__).resolve().parents[1] / "rules"
SHIPPED = sorted(p.name for p in RULES_DIR.glob("*.toml"))


def block(text: str, code: str) -> list[str]:
    """The two lines `mujun fields` prints for one field."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(f"{code}  "))
    return lines[at : at + 2]


def test_fields_lists_every_field_with_its_headers() -> None:
    rc, text = invoke("fields")
    assert rc == 0, text
    for code, f in FIELDS.items():
        head, heard = block(text, code)
        assert f.label in head
        if not f.derived:
            assert all(alias in heard for alias in f.aliases), code
    land, heard = block(text, "land_owned_mu")
    assert land == "land_owned_mu  自有用地（亩，数值，自然资源局）"  # no rules: no 规则需要
    assert "用地面积、土地面积" in heard
    assert block(text, "land_mu")[1].strip() == (
        "由 land_owned_mu、land_leased_mu、land_let_mu 计算，不从文件读取"
    )
    assert "[input.aliases]" in text


@pytest.mark.parametrize("name", SHIPPED)
def test_fields_with_a_shipped_rules_file_marks_what_it_needs(name: str) -> None:
    rc, text = invoke("fields", "--rules", RULES_DIR / name)
    assert rc == 0, text
    assert "[规则需要]" in block(text, "tax_paid")[0]  # every method weighs the tax
    assert "[规则需要]" in block(text, "credit_code")[0]
    rules = load_rules(RULES_DIR / name)
    needed = inputs_behind(rules.fields_used()) | {"credit_code", "year"}
    for code in FIELDS:
        assert ("[规则需要]" in block(text, code)[0]) == (code in needed), code
    assert len(needed) < len(FIELDS)  # not every field is marked


def test_fields_shows_the_rules_aliases(tmp_path: Path) -> None:
    text = (RULES_DIR / "anhui-guzhen-2022.toml").read_text(encoding="utf-8")
    first = text.index("[[")
    aliases = '[input.aliases]\nland_owned_mu = ["占地面积(亩)"]\n\n'
    rules = tmp_path / "r.toml"
    rules.write_text(text[:first] + aliases + text[first:], encoding="utf-8")
    rc, out = invoke("fields", "--rules", rules)
    assert rc == 0, out
    assert block(out, "land_owned_mu")[1].endswith("土地使用权面积、占地面积(亩)（规则）")
    row = next(r for r in field_rows() if r.code == "land_owned_mu")
    assert row.needed is None and row.rules_headers == ()


def test_fields_with_broken_rules_exits_2(tmp_path: Path) -> None:
    rules = tmp_path / "r.toml"
    rules.write_text('mujun_rules = 1\n[input.aliases]\nland = ["占地"]\n', encoding="utf-8")
    rc, text = invoke("fields", "--rules", rules)
    assert rc == 2
    assert "错误" in text and "Traceback" not in text


def test_fields_lists_the_rules_declared_and_derived_fields(tmp_path: Path) -> None:
    text = (RULES_DIR / "anhui-guzhen-2022.toml").read_text(encoding="utf-8")
    first = text.index("[[")
    declared = (
        '[[field]]\ncode = "tenants_count"\nlabel = "出租户数"\nunit = "个"\nkind = "count"\n'
        'aliases = ["出租家数"]\ndepartment = "自然资源局"\n\n'
        '[[derive]]\ncode = "industry_group"\nlabel = "行业组"\nfrom = "industry_code"\n'
        'map = { "金属" = ["33"] }\n\n'
    )
    rules = tmp_path / "r.toml"
    rules.write_text(text[:first] + declared + text[first:], encoding="utf-8")
    rc, out = invoke("fields", "--rules", rules)
    assert rc == 0, out
    head, heard = block(out, "tenants_count")
    assert "出租户数" in head and "自然资源局" in head
    assert "出租家数" in heard
    head, heard = block(out, "industry_group")
    assert "行业组" in head and "industry_code" in heard
    rc, plain = invoke("fields")
    assert "tenants_count" not in plain
