"""Hostile credit codes: invisible characters inside, and codes that differ from another
firm's only by their check character."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import read_for
from departments import code, issues, make_rules, write_csv, write_xlsx

import mujun

INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\t", "\u00a0", "\u3000", "\u00ad"]
FULL_WIDTH = str.maketrans(
    "0123456789ABCDEFGHJKLMNPQRTUWXY",
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ",
)


def spoiled(i: int, char: str, at: int) -> str:
    real = code(i)
    return real[:at] + char + real[at:]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_invisible_characters_are_removed_and_said_so(tmp_path: Path, suffix: str) -> None:
    cells = [spoiled(i + 1, ch, 1 + i % 17) for i, ch in enumerate(INVISIBLE)]
    cells.append(code(20).translate(FULL_WIDTH))  # every character full width
    grouped = " ".join(code(21).lower()[i : i + 4] for i in range(0, 18, 4))
    cells.append(f"  {grouped}  ")  # typed in groups, lower case: normalised silently
    rows = [["统一社会信用代码", "实缴税金(万元)"], *[[c, 1] for c in cells]]
    path = tmp_path / f"企业{suffix}"
    (write_csv if suffix == ".csv" else write_xlsx)(path, rows)
    table = read_for([path], make_rules())
    expected = [code(i + 1) for i in range(len(INVISIBLE))] + [code(20), code(21)]
    assert table.frame["credit_code"].tolist() == expected
    found = issues(table, "credit-code-cleaned")
    assert all(i[7] == "info" and i[4] == expected[i[3] - 2] for i in found)
    shown = {i[3]: i[6] for i in found}
    assert shown[2] == spoiled(1, "〔U+200B〕", 1)  # the character a person cannot see, named
    assert "〔U+0009〕" in shown[7]
    bom_row = 2 + INVISIBLE.index("\ufeff")
    if suffix == ".csv":  # the CSV reader takes a BOM out of the line, and says so there
        assert set(table.issues["code"]) == {"credit-code-cleaned", "csv-invisible-chars"}
        assert [i[3] for i in issues(table, "csv-invisible-chars")] == [bom_row]
    else:
        assert set(table.issues["code"]) == {"credit-code-cleaned"}
        assert "〔U+FEFF〕" in shown[bom_row]
    said = sorted([i[3] for i in found] + [i[3] for i in issues(table, "csv-invisible-chars")])
    assert said == list(range(2, 2 + len(INVISIBLE) + 1))  # every spoiled code, said once


def test_a_cleaned_code_merges_with_the_same_firm_in_another_file(tmp_path: Path) -> None:
    tax = write_csv(
        tmp_path / "税务局.csv",
        [["统一社会信用代码", "实缴税金(万元)"], [spoiled(1, "\u200b", 9), 50]],
    )
    land = write_csv(
        tmp_path / "自然资源局.csv", [["统一社会信用代码", "用地面积(亩)"], [code(1), 5]]
    )
    table = read_for([tax, land], make_rules())
    assert len(table) == 1
    assert table.frame[["tax_paid", "land_owned_mu"]].iloc[0].tolist() == [50.0, 5.0]


def test_invisible_characters_in_a_canonical_csv(tmp_path: Path) -> None:
    rows = [["credit_code", "tax_paid"], [spoiled(1, "\u200b", 3), 1], [spoiled(2, "\ufeff", 0), 2]]
    table = read_for([write_csv(tmp_path / "canonical.csv", rows)], make_rules())
    assert table.frame["credit_code"].tolist() == [code(1), code(2)]
    assert [i[3] for i in issues(table, "credit-code-cleaned")] == [2]
    assert [i[3] for i in issues(table, "csv-invisible-chars")] == [3]  # a BOM: the line's


# --- check-character twins ---------------------------------------------------------------------


def wrong_check(real: str, n: int = 1) -> str:
    """`real` with its check character replaced by the n-th other one of the alphabet."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    others = [c for c in alphabet if c != real[17]]
    return real[:17] + others[n - 1]


def test_a_twin_in_another_file_is_rejected_naming_the_real_code(tmp_path: Path) -> None:
    tax = write_csv(
        tmp_path / "税务局.csv",
        [["统一社会信用代码", "实缴税金(万元)"], [code(1), 50], [code(2), 60]],
    )
    land = write_xlsx(
        tmp_path / "自然资源局.xlsx",
        [["统一社会信用代码", "用地面积(亩)"], [code(1), 5], [wrong_check(code(2)), 6]],
    )
    rules = make_rules()
    table = read_for([tax, land], rules)
    found = issues(table, "credit-code-twin")
    assert [(i[1], i[3], i[4], i[7]) for i in found] == [
        ("自然资源局.xlsx", 3, wrong_check(code(2)), "error")
    ]
    assert found[0][6] == f"另一代码 {code(2)}（税务局.csv 第3行）"
    results = mujun.evaluate(table, rules).results.set_index("credit_code")
    assert results.loc[wrong_check(code(2)), "status"] == "rejected"
    assert "校验位" in results.loc[wrong_check(code(2)), "status_reason"]
    assert "校验位" not in str(results.loc[code(2), "status_reason"])  # the real firm
    assert len(results) == 3  # every row accounted for


def test_twins_in_one_file_and_copies_of_the_typo(tmp_path: Path) -> None:
    rows = [
        ["统一社会信用代码", "年度", "实缴税金(万元)"],
        [wrong_check(code(3)), 2021, 1],
        [code(3), 2022, 2],
        [wrong_check(code(3)), 2022, 3],
        [wrong_check(code(4), 1), 2022, 4],  # two wrong codes: neither can be told right
        [wrong_check(code(4), 2), 2022, 5],
        [code(5), 2022, 6],
    ]
    table = read_for([write_csv(tmp_path / "企业.csv", rows)], make_rules())
    found = issues(table, "credit-code-twin")
    assert [i[3] for i in found] == [2, 4, 5, 6]
    shown = {i[3]: i[6] for i in found}
    assert shown[2] == shown[4] == f"另一代码 {code(3)}（企业.csv 第3行）"
    assert shown[5] == f"另一代码 {wrong_check(code(4), 2)}（企业.csv 第6行）"
    assert shown[6] == f"另一代码 {wrong_check(code(4), 1)}（企业.csv 第5行）"


def test_no_twin_among_distinct_valid_codes(tmp_path: Path) -> None:
    rows = [["统一社会信用代码", "实缴税金(万元)"], *[[code(i), i] for i in range(1, 40)]]
    table = read_for([write_csv(tmp_path / "企业.csv", rows)], make_rules())
    assert not issues(table, "credit-code-twin")


def test_a_lookalike_letter_is_named_in_the_error(tmp_path: Path) -> None:
    cyrillic = code(1)[:17] + "\u0410"  # А, not A
    greek = code(2)[:4] + "\u039f" + code(2)[5:]  # Ο, not O (nor 0)
    rows = [["统一社会信用代码", "实缴税金(万元)"], [cyrillic, 1], [greek, 2], ["9135中文", 3]]
    table = read_for([write_csv(tmp_path / "企业.csv", rows)], make_rules())
    shown = {i[3]: i[6] for i in issues(table, "bad-credit-code")}
    assert shown == {
        2: code(1)[:17] + "〔U+0410〕",
        3: code(2)[:4] + "〔U+039F〕" + code(2)[5:],
        4: "9135中文",
    }
