"""Units of evaluation: related firms merged into one unit, tenants following the landowner,
and classes that grade firms without land."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import YEAR, credit_code, indicator_toml, one_class_rules, one_class_text
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from mujun import evaluate, parse_rules
from mujun.errors import RulesError
from mujun.export.workbooks import write_internal_workbook

# 亩均税收 / 10 × 100, capped at 200: 4 万元/亩 → 40 points
TAX = indicator_toml(
    "tax_per_mu", "tax_paid / land_mu", 100, 'method = "ratio", benchmark = 10.0, cap = 2.0'
)
THRESHOLD = """
  [class.tiers]
  method = "threshold"
  minimum = { A = 80, B = 45 }
  below = "C"
"""
VETO = """
  [[class.tiers.rule]]
  when = "safety_incident"
  at_most = "B"
  reason = "发生安全事故：不得评为A类"
"""
MERGE = '\n[units]\nmerge_by = "group_code"\n'
FOLLOW = '\n[units]\nfollow = "parcel_id"\n'


def firms(**columns: list[Any]) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base: dict[str, Any] = {
        "credit_code": [credit_code(i) for i in range(n)],
        "year": [YEAR] * n,
        "name": [f"企业{i}" for i in range(n)],
        "above_scale": [True] * n,
    }
    base.update(columns)
    return pd.DataFrame(base)


def strings(column: pd.Series) -> list[str]:
    return ["" if pd.isna(v) else str(v) for v in column]


def merge_rules(tiers: str = THRESHOLD) -> Any:
    return parse_rules(one_class_text(TAX, tiers=tiers) + MERGE)


# ---- merge_by ------------------------------------------------------------------------------


def test_two_related_firms_are_one_unit() -> None:
    table = firms(
        group_code=["G1", "G1", None, ""],
        land_owned_mu=[10.0, 20.0, 10.0, 10.0],
        tax_paid=[30.0, 90.0, 50.0, 100.0],
    )
    ev = evaluate(table, merge_rules())
    got = ev.results
    # the unit: tax 30 + 90 = 120 on land 10 + 20 = 30 亩 → 4 万元/亩 → 40 points → C
    # (alone, firm 1 would have had 90 / 20 = 4.5 → 45 → B)
    # firm 2: 50 / 10 = 5 → 50 → B; firm 3: 100 / 10 = 10 → 100 → A
    np.testing.assert_allclose(got["total_score"], [40.0, 40.0, 50.0, 100.0])
    np.testing.assert_allclose(got["value_tax_per_mu"], [4.0, 4.0, 5.0, 10.0])
    assert strings(got["tier"]) == ["C", "C", "B", "A"]
    assert got["rank"].tolist() == [3, 3, 2, 1]  # ranked once: the unit is one place
    assert strings(got["unit"]) == ["G1", "G1", "", ""]
    assert strings(got["status"]) == ["evaluated"] * 4
    reasons = strings(got["status_reason"])
    assert all(r.startswith("按关联企业合并评价") for r in reasons[:2])
    assert not any(r.startswith("按关联企业合并评价") for r in reasons[2:])
    # members keep their own rows and their own figures
    assert got["credit_code"].tolist() == table["credit_code"].tolist()
    np.testing.assert_allclose(ev.column("land_mu"), [10.0, 20.0, 10.0, 10.0])
    np.testing.assert_allclose(ev.column("tax_paid"), [30.0, 90.0, 50.0, 100.0])


def test_without_units_the_firms_are_evaluated_alone() -> None:
    rules = parse_rules(one_class_text(TAX, tiers=THRESHOLD))
    got = evaluate(
        firms(group_code=["G1", "G1"], land_owned_mu=[10.0, 20.0], tax_paid=[30.0, 90.0]),
        rules,
    ).results
    np.testing.assert_allclose(got["total_score"], [30.0, 45.0])  # 3 → 30, 4.5 → 45
    assert "unit" not in got.columns


def test_a_flag_of_one_member_hits_the_unit() -> None:
    rules = merge_rules(THRESHOLD + VETO)
    got = evaluate(
        firms(
            group_code=["G1", "G1", "G2", "G2"],
            land_owned_mu=[10.0, 10.0, 10.0, 10.0],
            tax_paid=[100.0, 100.0, 100.0, 100.0],
            safety_incident=[True, False, False, False],
        ),
        rules,
    ).results
    # both units: 200 / 20 = 10 → 100 → A; G1's member 0 had an accident: at most B
    assert strings(got["tier"]) == ["B", "B", "A", "A"]
    assert strings(got["tier_reason"])[:2] == ["发生安全事故：不得评为A类"] * 2


def test_amounts_of_every_numeric_field_are_summed() -> None:
    ratio = indicator_toml(
        "revenue_per_head",
        "revenue / employees",
        100,
        'method = "ratio", benchmark = 10.0, cap = 5.0',
    )
    rules = parse_rules(one_class_text(ratio, tiers=THRESHOLD) + MERGE)
    got = evaluate(
        firms(
            group_code=["G1", "G1", "G1"],
            land_owned_mu=[10.0, 1.0, 1.0],
            revenue=[100.0, 200.0, np.nan],
            employees=[5.0, 5.0, 10.0],
        ),
        rules,
    ).results
    # revenue 100 + 200 (the blank counts for nothing) over 5 + 5 + 10 = 20 people = 15
    # → 15 / 10 × 100 = 150
    np.testing.assert_allclose(got["value_revenue_per_head"], [15.0] * 3)
    np.testing.assert_allclose(got["total_score"], [150.0] * 3)


def test_a_member_with_bad_data_rejects_the_unit_and_is_named() -> None:
    table = firms(
        group_code=["G1", "G1", None],
        land_owned_mu=[10.0, 20.0, 10.0],
        tax_paid=[30.0, 90.0, 50.0],
    )
    table.loc[0, "year"] = YEAR - 1  # member 0: data of another year
    ev = evaluate(table, merge_rules())
    got = ev.results
    assert strings(got["status"]) == ["rejected", "rejected", "evaluated"]
    assert "企业0" in got["status_reason"][1] and "G1" in got["status_reason"][1]
    assert "年度" in got["status_reason"][1]  # why the member was rejected
    found = ev.issues[ev.issues["code"] == "unit-member-rejected"]
    assert found["credit_code"].tolist() == [credit_code(1)]
    assert strings(got["unit"]) == ["G1", "G1", ""]


def test_a_unit_rejected_in_its_class_rejects_every_member() -> None:
    # the unit's land is missing (no member gave any): rejected, both rows
    got = evaluate(
        firms(group_code=["G1", "G1"], land_owned_mu=[np.nan, np.nan], tax_paid=[1.0, 2.0]),
        merge_rules(),
    ).results
    assert strings(got["status"]) == ["rejected", "rejected"]
    assert all("用地" in r for r in strings(got["status_reason"]))


def test_the_unit_is_placed_by_its_lead() -> None:
    # the lead (most land) is above scale, the other member is not: the unit is in the class
    got = evaluate(
        firms(
            group_code=["G1", "G1"],
            above_scale=[False, True],
            land_owned_mu=[5.0, 15.0],
            park=["西区", "东区"],
            tax_paid=[40.0, 40.0],
        ),
        merge_rules(),
    ).results
    # 80 / 20 = 4 → 40
    assert strings(got["class"]) == ["above_scale", "above_scale"]
    np.testing.assert_allclose(got["total_score"], [40.0, 40.0])
    assert strings(got["park"]) == ["西区", "东区"]  # each row keeps its own identity


@pytest.mark.parametrize(("key", "value"), [("merge_by", "tax_paid"), ("follow", "groupcode")])
def test_units_must_name_a_text_field(key: str, value: str) -> None:
    text = one_class_text(TAX) + f'\n[units]\n{key} = "{value}"\n'
    with pytest.raises(RulesError) as info:
        parse_rules(text, file="r.toml")
    assert info.value.key == f"units.{key}"


ROWS = st.lists(
    st.tuples(
        st.sampled_from([None, "G1", "G2", "G3"]),
        st.floats(1, 100),
        st.floats(0, 500),
        st.booleans(),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=40, deadline=None)
@given(rows=ROWS, seed=st.integers(0, 2**16))
def test_every_row_once_and_row_order_does_not_matter(
    rows: list[tuple[str | None, float, float, bool]], seed: int
) -> None:
    group, land, tax, above = (list(c) for c in zip(*rows, strict=True))
    table = firms(group_code=group, land_owned_mu=land, tax_paid=tax, above_scale=above)
    rules = merge_rules()
    got = evaluate(table, rules).results
    assert got["credit_code"].tolist() == table["credit_code"].tolist()  # each row, once
    order = np.random.default_rng(seed).permutation(len(table))
    again = evaluate(table.iloc[order].reset_index(drop=True), rules).results
    again = again.set_index("credit_code").loc[got["credit_code"]].reset_index()
    for column in ("status", "class", "tier", "unit", "rank"):
        assert strings(again[column]) == strings(got[column]), column
    np.testing.assert_allclose(
        again["total_score"].to_numpy(float), got["total_score"].to_numpy(float), rtol=1e-12
    )
    # every member of a unit carries one result
    units = got[got["unit"].notna()].groupby("unit", observed=True)
    assert (units["status"].nunique() == 1).all()
    assert (units["tier"].nunique(dropna=False) == 1).all()


# ---- follow --------------------------------------------------------------------------------


def test_tenants_take_the_landowners_tier() -> None:
    rules = parse_rules(one_class_text(TAX, tiers=THRESHOLD) + FOLLOW)
    ev = evaluate(
        firms(
            parcel_id=["P1", "P1", None, "P2", "P3", "P3"],
            above_scale=[True, True, True, True, False, True],
            land_owned_mu=[20.0, np.nan, 10.0, 0.0, 10.0, np.nan],
            land_leased_mu=[np.nan, 5.0, np.nan, 5.0, np.nan, 5.0],
            tax_paid=[200.0, 10.0, 50.0, 50.0, 100.0, 10.0],
        ),
        rules,
    )
    got = ev.results
    # firm 0: 200 / 20 = 10 → 100 → A (owner of P1); firm 1: 10 / 5 = 2 → 20 → C, a tenant
    # of P1: A; firm 2: 5 → 50 → B; firm 3: 50 / 5 = 10 → 100 → A, on P2 that has no owner;
    # firm 4 owns P3 but is out of scope (not above scale); its tenant 5: 20 → C, kept
    assert strings(got["tier"]) == ["A", "A", "B", "A", "", "C"]
    np.testing.assert_allclose(got["total_score"][[0, 1, 2, 3, 5]], [100, 20, 50, 100, 20])
    assert got["tier_reason"][1] == "承租宗地“P1”，随权属企业“企业0”定档"
    assert strings(got["tier_reason"])[3] == "threshold"
    codes = ev.issues.set_index("code")["credit_code"]
    assert codes.loc[["parcel-without-owner"]].tolist() == [credit_code(3)]
    assert codes.loc[["parcel-owner-not-evaluated"]].tolist() == [credit_code(5)]
    assert "企业4" in ev.issues.set_index("code").loc["parcel-owner-not-evaluated", "message"]


def test_the_largest_landowner_owns_the_parcel_ties_to_the_first() -> None:
    rules = parse_rules(one_class_text(TAX, tiers=THRESHOLD) + FOLLOW)
    got = evaluate(
        firms(
            parcel_id=["P1", "P1", "P1"],
            land_owned_mu=[10.0, 10.0, np.nan],
            land_leased_mu=[np.nan, np.nan, 10.0],
            tax_paid=[50.0, 100.0, 10.0],
        ),
        rules,
    ).results
    # firms 0 and 1 own 10 亩 each: the first is the owner (B, 50); firm 1 owns land, keeps A
    assert strings(got["tier"]) == ["B", "A", "B"]
    assert "企业0" in got["tier_reason"][2]


# ---- land = "optional" ---------------------------------------------------------------------

TWO = TAX.replace("weight = 100", "weight = 60") + indicator_toml(
    "revenue_scale", "revenue / 100", 40, 'method = "ratio", benchmark = 1.0, cap = 2.0'
)


def land_rules(land: str, missing: str = "zero") -> Any:
    indicators = TWO.replace("cap = 2.0 }\n", f'cap = 2.0 }}\n  missing = "{missing}"\n', 1)
    return one_class_rules(f'land = "{land}"\n' + indicators, tiers=THRESHOLD)


def test_a_land_optional_class_grades_firms_without_land() -> None:
    table = firms(
        land_owned_mu=[10.0, np.nan, 0.0],
        tax_paid=[50.0, 50.0, 50.0],
        revenue=[100.0, 100.0, 100.0],
    )
    ev = evaluate(table, land_rules("optional"))
    got = ev.results
    # firm 0: 5 / 10 × 60 = 30, + 1 / 1 × 40 = 40 → 70; firm 1 has no land: 亩均税收 missing,
    # scored 0 (missing = "zero") → 40; firm 2 gave land 0: still an error
    assert strings(got["status"]) == ["evaluated", "evaluated", "rejected"]
    np.testing.assert_allclose(got["total_score"][:2], [70.0, 40.0])
    assert np.isnan(got["value_tax_per_mu"][1])
    missing = ev.issues[ev.issues["code"] == "missing-indicator"]
    assert missing["credit_code"].tolist() == [credit_code(1)]
    assert ev.issues[ev.issues["code"] == "non-positive-land"]["credit_code"].tolist() == [
        credit_code(2)
    ]


def test_land_required_by_default_rejects_firms_without_land() -> None:
    table = firms(land_owned_mu=[10.0, np.nan], tax_paid=[50.0, 50.0], revenue=[100.0, 100.0])
    got = evaluate(table, land_rules("required")).results
    assert strings(got["status"]) == ["evaluated", "rejected"]


def test_a_land_optional_class_applies_the_missing_policy() -> None:
    table = firms(land_owned_mu=[10.0, np.nan], tax_paid=[50.0, 50.0], revenue=[100.0, 100.0])
    got = evaluate(table, land_rules("optional", missing="exclude")).results
    assert strings(got["status"]) == ["evaluated", "deferred"]


def test_the_method_sheet_states_units_and_land(tmp_path: Path) -> None:
    text = one_class_text('land = "optional"\n' + TAX, tiers=THRESHOLD)
    rules = parse_rules(text + '\n[units]\nmerge_by = "group_code"\nfollow = "parcel_id"\n')
    table = firms(group_code=["G1", "G1"], land_owned_mu=[10.0, 20.0], tax_paid=[30.0, 90.0])
    book = load_workbook(write_internal_workbook(evaluate(table, rules), tmp_path / "内部.xlsx"))
    words = "".join(str(c.value) for row in book["说明"].iter_rows() for c in row if c.value)
    assert "“集团/关联企业代码”相同的关联企业（两户及以上）合并为一个评价单元" in words
    assert "同一“宗地编号”上没有自有用地的企业为承租企业" in words
    assert "无用地企业参评" in words


def test_a_tenant_keeps_its_tier_when_its_class_has_not_the_owners() -> None:
    second = (
        """
[[class]]
code = "below_scale"
label = "规下企业"
when = "not above_scale"
"""
        + TAX
        + """
  [class.tiers]
  method = "threshold"
  minimum = { A = 80 }
  below = "D"
"""
    )
    rules = parse_rules(one_class_text(TAX, tiers=THRESHOLD) + second + FOLLOW)
    ev = evaluate(
        firms(
            parcel_id=["P1", "P1", "P1"],
            above_scale=[True, False, True],
            land_owned_mu=[10.0, np.nan, np.nan],
            land_leased_mu=[np.nan, 5.0, 5.0],
            tax_paid=[50.0, 10.0, 10.0],
        ),
        rules,
    )
    got = ev.results
    # owner: 5 → 50 → B; tenant 1 (规下, tiers A/D): 2 → 20 → D, kept; tenant 2 (规上): B
    assert strings(got["tier"]) == ["B", "D", "B"]
    found = ev.issues[ev.issues["code"] == "parcel-owner-not-evaluated"]
    assert found["credit_code"].tolist() == [credit_code(1)]
    assert "不是承租企业所属类别的档次" in found["message"].iloc[0]


@pytest.mark.parametrize(
    ("where", "text", "key", "hint"),
    [
        ("top", '[units]\nmergeby = "group_code"\n', "units.mergeby", "merge_by"),
        ("top", '[units]\nmerge_by = "group"\n', "units.merge_by", "group_code"),
        ("class", 'lnad = "optional"\n', "class[0].lnad", "land"),
        ("class", 'land = "opt"\n', "class[0].land", "optional"),
    ],
)
def test_misspelt_keys_name_the_line_and_a_hint(where: str, text: str, key: str, hint: str) -> None:
    rules = one_class_text(TAX) + "\n" + text if where == "top" else one_class_text(text + TAX)
    with pytest.raises(RulesError) as info:
        parse_rules(rules, file="r.toml")
    assert info.value.key == key
    assert f"'{hint}'" in str(info.value)
    assert info.value.line == rules.splitlines().index(text.splitlines()[-1]) + 1
