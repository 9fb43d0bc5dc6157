"""Headers a rules file adds for built-in fields (`[input.aliases]`): read as those fields, with
the unit the header states converted as for a built-in header."""

from __future__ import annotations

from pathlib import Path

import pytest
from departments import A, B, write_csv, write_xlsx

from mujun import read_sources

ALIASES = {"land_owned_mu": ["占地面积(亩)"], "energy_tce": ["能耗(吨标煤)"]}


def test_an_alias_reads_its_field_and_converts_the_unit_the_file_states(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "f.csv",
        [
            ["统一社会信用代码", "占地面积(平方米)", "能耗(万吨标准煤)"],
            [A, "1500", "0.5"],
            [B, "20000", "2"],
        ],
    )
    table = read_sources([path], year=2022, aliases=ALIASES)
    # 1500 m² = 1500 × 15 / 10000 亩; 0.5 万吨标准煤 = 5000 tce
    assert table.frame["land_owned_mu"].tolist() == pytest.approx([2.25, 30.0])
    assert table.frame["energy_tce"].tolist() == pytest.approx([5000.0, 20000.0])
    assert table.notes.empty


def test_without_the_alias_the_column_is_unknown(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "f.csv", [["统一社会信用代码", "占地面积(亩)"], [A, "10"]])
    table = read_sources([path], year=2022)
    assert "land_owned_mu" not in table.frame
    assert table.notes["code"].tolist() == ["unknown-column"]
    assert table.notes["value"].tolist() == ["占地面积(亩)"]


def test_an_alias_in_a_two_level_header_with_a_units_row(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [["统一社会信用代码", "能耗"], ["", "吨标煤"], [A, 12.5]],
    )
    table = read_sources([path], year=2022, aliases=ALIASES)
    assert table.frame["energy_tce"].tolist() == [12.5]


def test_an_alias_with_a_unit_the_field_cannot_take_in_the_file_is_refused(
    tmp_path: Path,
) -> None:
    """The header 占地面积(万元) states money for land: refused, never guessed."""
    path = write_csv(tmp_path / "f.csv", [["统一社会信用代码", "占地面积(万元)"], [A, "10"]])
    table = read_sources([path], year=2022, aliases=ALIASES)
    assert "land_owned_mu" not in table.frame
    assert table.notes["code"].tolist() == ["unknown-unit"]
