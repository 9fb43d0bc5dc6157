"""The command line with a rules file that evaluates countries (`[input] key = "uCode"`,
`key_check = "none"`): `check` prints and writes the key by its label, `run` evaluates every
country, `explain` finds a country by its key and says the label when it does not."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from cli_setup import invoke
from countries import YEAR, country_csv, rules_text


def files(tmp_path: Path) -> tuple[Path, Path]:
    rules = tmp_path / "countries.toml"
    rules.write_text(rules_text(), encoding="utf-8")
    return rules, country_csv(tmp_path / "iData.csv", [["", "Nowhere", YEAR, 3]])


def test_check_names_the_key_by_its_label(tmp_path: Path) -> None:
    rules, data = files(tmp_path)
    report = tmp_path / "问题.xlsx"
    code, out = invoke("check", "--rules", rules, "--data", data, "--report", report)
    assert code == 1  # the row without a key is an error
    assert "缺少国家代码" in out and "统一社会信用代码" not in out
    header = [c.value for c in openpyxl.load_workbook(report)["问题清单"][2]]
    assert "国家代码" in header


def test_run_evaluates_the_countries_and_explain_finds_one(tmp_path: Path) -> None:
    rules, data = files(tmp_path)
    out_dir = tmp_path / "out"
    code, out = invoke("run", "--rules", rules, "--data", data, "--out", out_dir)
    assert code == 1 and "参评 6" in out
    code, out = invoke("explain", out_dir, "BEL")
    assert code == 0 and "Belgium（BEL）" in out
    code, out = invoke("explain", out_dir, "XYZ")
    assert code != 0 and "没有国家代码（或名称）为“XYZ”" in out
