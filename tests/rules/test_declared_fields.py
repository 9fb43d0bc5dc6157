"""Declared fields ([[field]]), derived fields ([[derive]]) and what expressions may name: codes,
Chinese labels, declared and derived fields; refusals that name the line and key."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import HEADER, firms_frame

from mujun import RulesError, evaluate, parse_rules
from mujun.errors import ExpressionError
from mujun.fields import FIELDS, label
from mujun.rules import Rules
from mujun.rules.expr import parse

FIELD = """
[[field]]
code = "tenants_count"
label = "出租户数"
unit = "个"
kind = "count"
aliases = ["出租家数", "承租企业数(家)"]
department = "自然资源局"
"""
DERIVE = """
[[derive]]
code = "industry_group"
label = "行业组"
from = "industry_code"
map = { "纺织鞋帽" = ["17", "18"], "金属" = ["31", "32", "33"] }
default = "其他"
"""
CLASS = """
[[class]]
code = "all"
label = "全部企业"
when = "{when}"

  [[class.indicator]]
  code = "tax_per_mu"
  label = "亩均税收"
  formula = "{formula}"
  weight = 100
  score = {{ method = "ratio", benchmark = "pooled", by = "{by}" }}

  [class.tiers]
  method = "quota"
  shares = {{ A = 0.5, B = 0.5 }}
"""


def text(
    *,
    fields: str = FIELD,
    derive: str = DERIVE,
    when: str = "tenants_count >= 0",
    formula: str = "tax_paid / land_mu",
    by: str = "industry_group",
    more: str = "",
) -> str:
    return HEADER + more + fields + derive + CLASS.format(when=when, formula=formula, by=by)


def rules_of(**kw: str) -> Rules:
    return parse_rules(text(**kw), file="r.toml")


def refused(**kw: str) -> RulesError:
    with pytest.raises(RulesError) as info:
        parse_rules(text(**kw), file="r.toml")
    return info.value


def line_of(source: str, needle: str) -> int:
    return next(i for i, line in enumerate(source.splitlines(), 1) if needle in line)


# ---- what loads -----------------------------------------------------------------------------


def test_declared_and_derived_fields_load_into_the_catalog() -> None:
    rules = rules_of()
    tenants = rules.catalog["tenants_count"]
    assert (tenants.kind, tenants.unit, tenants.department) == ("number", "个", "自然资源局")
    assert tenants.minimum == 0  # a count is never negative
    assert tenants.aliases == ("出租户数", "出租家数", "承租企业数(家)")
    group = rules.catalog["industry_group"]
    assert (group.kind, group.derived, group.needs) == ("text", True, ("industry_code",))
    assert rules.classes[0].indicators[0].score.by == "industry_group"
    assert {"tenants_count", "industry_group", "industry_code"} <= rules.fields_used()


def test_the_catalog_is_in_use_only_inside_the_block() -> None:
    rules = rules_of()
    assert "tenants_count" not in FIELDS
    with rules.fields_in_use():
        assert FIELDS["tenants_count"].label == "出租户数"
        assert label("industry_group") == "行业组"
        assert list(FIELDS)[-2:] == ["tenants_count", "industry_group"]
    assert "tenants_count" not in FIELDS and label("tenants_count") == "tenants_count"


def test_a_formula_derive_may_use_an_earlier_derive_and_labels() -> None:
    derive = (
        DERIVE
        + '\n[[derive]]\ncode = "tax_mu"\nlabel = "税收强度"\nunit = "万元/亩"\n'
        + "formula = \"实缴税金 / 用地面积合计 + 0 * where(industry_group == '金属', 1, 0)\"\n"
    )
    rules = rules_of(derive=derive, formula="tax_mu * land_mu / land_mu")
    assert rules.derive[1].formula is not None
    assert rules.derive[1].formula.names == {"tax_paid", "land_mu", "industry_group"}
    # the input fields behind it, through land_mu and the earlier derive
    assert set(rules.catalog["tax_mu"].needs) == {
        "tax_paid",
        "land_owned_mu",
        "land_leased_mu",
        "land_let_mu",
        "industry_code",
    }


def test_labels_are_accepted_and_rewritten_to_codes_keeping_the_text() -> None:
    rules = rules_of(when="出租户数 >= 0 and 行业组 != '金属'", formula="实缴税金 / 用地面积合计")
    klass = rules.classes[0]
    assert klass.when.names == {"tenants_count", "industry_group"}
    assert klass.when.text == "出租户数 >= 0 and 行业组 != '金属'"  # as written, for 说明
    formula = klass.indicators[0].formula
    assert formula.names == {"tax_paid", "land_mu"}
    assert formula.as_ratio() is not None  # pooled works on a formula written in labels


def test_a_by_may_name_a_label() -> None:
    assert rules_of(by="行业组").classes[0].indicators[0].score.by == "industry_group"


def test_energy_basis_is_optional_and_one_of_two() -> None:
    assert rules_of().energy.basis is None
    ok = rules_of(more='\n[energy]\nbasis = "等价值"\n')
    assert ok.energy.basis == "等价值"
    assert "basis" not in ok.energy.coefficients()
    with pytest.raises(RulesError, match="basis"):
        rules_of(more='\n[energy]\nbasis = "标准值"\n')


# ---- refusals that name line and key ----------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "key", "words"),
    [
        ('code = "tenants_count"', 'code = "revenue"', "field[0].code", "已是内置字段"),
        ('code = "tenants_count"', 'code = "TenantsCount"', "field[0].code", "snake_case"),
        ('code = "tenants_count"', 'code = "previous"', "field[0].code", "保留名称"),
        ('unit = "个"\nkind = "count"', 'unit = "元"\nkind = "number"', "field[0].unit", "万元"),
        (
            'department = "自然资源局"',
            'department = "自然资源"',
            "field[0].department",
            "自然资源局",
        ),
        ('kind = "count"', 'kind = "integer"', "field[0].kind", "kind"),
        ('label = "出租户数"', 'label = "实缴税金"', "field[0].label", "tax_paid"),
        ('"出租家数",', '"税收",', "field[0].aliases[0]", "tax_paid"),
    ],
)
def test_a_bad_declared_field_is_refused_at_its_key(
    old: str, new: str, key: str, words: str
) -> None:
    fields = FIELD.replace(old, new)
    assert fields != FIELD
    source = text(fields=fields)
    with pytest.raises(RulesError) as info:
        parse_rules(source, file="r.toml")
    err = info.value
    assert err.key == key
    assert words in str(err)
    assert err.line == line_of(source, new.splitlines()[0])


def test_two_declared_fields_may_not_share_a_header() -> None:
    second = FIELD.replace('code = "tenants_count"', 'code = "tenants_b"').replace(
        'label = "出租户数"', 'label = "出租户数B"'
    )
    err = refused(fields=FIELD + second)
    assert err.key == "field[1].aliases[0]"
    assert "tenants_count" in str(err) and "tenants_b" in str(err)


def test_a_declared_alias_may_not_be_an_input_alias() -> None:
    more = '\n[input.aliases]\nland_owned_mu = ["出租家数(亩)"]\n'
    err = refused(more=more)
    assert err.key == "field[0].aliases[0]"


def test_a_code_declared_twice_is_refused() -> None:
    derive = DERIVE.replace('code = "industry_group"', 'code = "tenants_count"').replace(
        'label = "行业组"', 'label = "组"'
    )
    err = refused(derive=derive, by="park")
    assert err.key == "derive[0].code"
    assert "两次" in str(err)


def test_a_prefix_listed_twice_is_refused() -> None:
    derive = DERIVE.replace('"金属" = ["31"', '"金属" = ["17"')
    err = refused(derive=derive)
    assert err.key.startswith("derive[0].map")
    assert "17" in str(err) and "纺织鞋帽" in str(err)


def test_a_derive_may_not_use_a_later_one() -> None:
    derive = (
        '\n[[derive]]\ncode = "doubled"\nlabel = "两倍"\nformula = "tax_mu * 2"\n'
        '\n[[derive]]\ncode = "tax_mu"\nlabel = "税收强度"\nformula = "tax_paid / land_mu"\n'
    )
    err = refused(derive=derive, by="park")
    assert err.key == "derive[0].formula"
    assert "tax_mu" in str(err)


@pytest.mark.parametrize(
    ("source", "words"), [("tax_paid", "不是文本字段"), ("industry_cod", "industry_code")]
)
def test_a_map_reads_a_text_field(source: str, words: str) -> None:
    err = refused(derive=DERIVE.replace('from = "industry_code"', f'from = "{source}"'))
    assert err.key == "derive[0].from"
    assert words in str(err)


def test_a_derive_needs_a_formula_or_a_map_not_both() -> None:
    both = DERIVE.replace('default = "其他"', 'formula = "tax_paid"')
    assert "default" in str(refused(derive=both)) or "map" in str(refused(derive=both))
    neither = '\n[[derive]]\ncode = "x_group"\nlabel = "某组"\n'
    assert "formula" in str(refused(derive=neither, by="park"))


def test_an_unknown_name_gets_a_hint_over_codes_and_labels() -> None:
    err = refused(when="出租户 >= 0")
    assert "出租户数" in str(err)
    assert err.key == "class[0].when"
    err = refused(when="tenants_cont >= 0")
    assert "tenants_count" in str(err)


def test_a_later_file_does_not_see_the_fields_of_an_earlier_one() -> None:
    rules_of()
    plain = HEADER + CLASS.format(when="tenants_count >= 0", formula="tax_paid", by="park")
    with pytest.raises(RulesError, match="tenants_count"):
        parse_rules(plain)


# ---- the expression language --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "char"),
    [
        ("park == “东区”", "“"),
        ("park == ‘东区’", "‘"),
        ("max（tax_paid, 1） > 0", "（"),
        ("max(tax_paid，1) > 0", "，"),
        ("tax_paid ＞＝ 5", "＞"),
        ("tax_paid ＜ 5", "＜"),
        ("tax_paid ＝＝ 5", "＝"),
        ("tax_paid ！＝ 5", "！"),
    ],
)
def test_full_width_characters_get_a_hint(written: str, char: str) -> None:
    with pytest.raises(ExpressionError) as info:
        parse(written)
    message = str(info.value)
    assert f"全角字符“{char}”" in message
    assert "半角" in message


def test_full_width_characters_inside_a_string_are_text() -> None:
    e = parse("park == '（东区）'")
    out = e({"park": np.array(["（东区）", "东区"], dtype=object)}, 2)
    assert out.tolist() == [True, False]


def test_a_full_width_hint_reaches_the_rules_error() -> None:
    err = refused(when="tenants_count ＞ 0")
    assert err.key == "class[0].when"
    assert "＞" in str(err) and ">" in str(err)


def test_in_and_not_in_with_text_and_numbers() -> None:
    cols = {
        "park": np.array(["东区", "西区", None], dtype=object),
        "x": np.array([1.0, 2.0, np.nan]),
    }
    assert parse("park in ('东区', '南区')")(cols, 3).tolist() == [True, False, False]
    assert parse("park not in ('东区',)")(cols, 3).tolist() == [False, True, True]
    assert parse("x in (2, 3)")(cols, 3).tolist() == [False, True, False]
    assert parse("x not in (2, 3)")(cols, 3).tolist() == [True, False, True]
    with pytest.raises(ExpressionError, match="文本不能与数字比较"):
        parse("park in (1, 2)")(cols, 3)


def test_coalesce_takes_the_first_present_value() -> None:
    cols = {"a": np.array([1.0, np.nan, np.nan]), "b": np.array([5.0, 6.0, np.nan])}
    # row 1: a; row 2: b; row 3: the constant
    assert parse("coalesce(a, b, 0)")(cols, 3).tolist() == [1.0, 6.0, 0.0]


def test_declared_fields_type_check_expressions() -> None:
    with pytest.raises(RulesError, match="文本"):
        rules_of(formula="industry_group / land_mu")  # a map derive is text


def test_parse_with_labels_directly() -> None:
    labels = {"实缴税金": "tax_paid", "用地面积合计": "land_mu"}
    e = parse("实缴税金 / 用地面积合计", known=FIELDS, labels=labels)
    assert e.names == {"tax_paid", "land_mu"}
    assert e.text == "实缴税金 / 用地面积合计"
    with pytest.raises(ExpressionError, match="用地面积合计"):
        parse("实缴税金 / 用地面积合", known=FIELDS, labels=labels)


# ---- `when` omitted or "true" -------------------------------------------------------------------

TWO_CLASSES = (
    HEADER
    + """
[[class]]
code = "big"
label = "规上"
when = "above_scale"

  [[class.indicator]]
  code = "tax_per_mu"
  label = "亩均税收"
  formula = "tax_paid / land_mu"
  weight = 100
  score = { method = "ratio", benchmark = 10.0 }

  [[class.adjust]]
  points = 1
  label = "人人加一分"

  [class.tiers]
  method = "threshold"
  minimum = { A = 0 }
  below = "B"

[[class]]
code = "rest"
label = "其余企业"
{when}
  [[class.indicator]]
  code = "tax_per_mu"
  label = "亩均税收"
  formula = "tax_paid / land_mu"
  weight = 100
  score = { method = "ratio", benchmark = 10.0 }

  [class.tiers]
  method = "threshold"
  minimum = { A = 0 }
  below = "B"

  [[class.tiers.rule]]
  at_most = "B"
  reason = "其余企业至多评为B"
"""
)


@pytest.mark.parametrize("when", ["", 'when = "true"'])
def test_when_omitted_or_true_means_every_firm_not_yet_placed(when: str) -> None:
    rules = parse_rules(TWO_CLASSES.replace("{when}", when))
    assert rules.classes[1].when.names == frozenset()
    firms = firms_frame(4)
    firms["above_scale"] = [True, False, True, False]
    firms["tax_paid"] = 10.0
    firms["land_owned_mu"] = 1.0
    res = evaluate(firms, rules).results
    assert res["class"].tolist() == ["big", "rest", "big", "rest"]
    # tax per mu 10 = the benchmark: 100 points; the adjustment without `when` adds 1 to
    # every firm of its class; the tier rule without `when` caps every firm of its class
    assert res["total_score"].tolist() == [101.0, 100.0, 101.0, 100.0]
    assert res["tier"].tolist() == ["A", "B", "A", "B"]


def test_an_exclusion_still_needs_a_when() -> None:
    text = (
        HEADER
        + '\n[[exclude]]\nstatus = "exempt"\nreason = "x"\n'
        + CLASS.format(when="true", formula="tax_paid", by="park")
    )
    with pytest.raises(RulesError) as info:
        parse_rules(text)
    assert info.value.key == "exclude[0].when"


@pytest.mark.parametrize(
    ("old", "new", "key", "hint"),
    [
        ('label = "出租户数"', 'lable = "出租户数"', "field[0].lable", "label"),
        (
            'department = "自然资源局"',
            'departmnt = "自然资源局"',
            "field[0].departmnt",
            "department",
        ),
        ('default = "其他"', 'defualt = "其他"', "derive[0].defualt", "default"),
        ("map = {", "maps = {", "derive[0].maps", "map"),
    ],
)
def test_a_misspelt_key_names_line_key_and_a_hint(old: str, new: str, key: str, hint: str) -> None:
    source = text().replace(old, new, 1)
    with pytest.raises(RulesError) as info:
        parse_rules(source, file="r.toml")
    err = info.value
    assert err.key == key
    assert err.line == line_of(source, new)
    assert f"是否应为 '{hint}'" in str(err)


def test_a_misspelt_basis_gets_a_hint() -> None:
    err = refused(more='\n[energy]\nbais = "等价值"\n')
    assert err.key == "energy.bais" and "'basis'" in str(err)


@pytest.mark.parametrize("taken", ["实缴税金", "出租户数", "行业组"])
def test_a_derive_label_may_not_name_another_field(taken: str) -> None:
    second = f'\n[[derive]]\ncode = "other_group"\nlabel = "{taken}"\nformula = "tax_paid"\n'
    err = refused(derive=DERIVE + second)
    assert err.key == "derive[1].label"
    assert "已是字段" in str(err)


def test_input_aliases_may_name_a_declared_field_and_its_unit_is_checked() -> None:
    ok = rules_of(more='\n[input.aliases]\ntenants_count = ["承租户数(个)"]\n')
    assert ok.input.aliases["tenants_count"] == ["承租户数(个)"]
    err = refused(more='\n[input.aliases]\ntenants_count = ["承租户数(亩)"]\n')
    assert err.key == "input.aliases.tenants_count[0]"
    assert "“个”" in str(err)
