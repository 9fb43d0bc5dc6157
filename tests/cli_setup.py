"""What the command-line tests share: a small rules file, data files and `invoke`."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from mujun.cli import app
from mujun.codes import credit_check_char

RULES = """
mujun_rules = 1
name = "命令行测试"
region = "测试县"
year = 2022

[[class]]
code = "all"
label = "全部企业"
when = "land_mu > 0 or isnull(land_mu) or land_mu <= 0"

  [[class.indicator]]
  code = "tax_per_mu"
  label = "亩均税收"
  formula = "tax_paid / land_mu"
  weight = 100
  score = { method = "ratio", benchmark = 10 }

  [class.tiers]
  method = "quota"
  shares = { A = 0.5, B = 0.5 }
"""


def code(i: int) -> str:
    body = f"9134030000000{i:04d}"
    return body + credit_check_char(body)


def make_files(tmp_path: Path) -> dict[str, Path]:
    """rules.toml, a good firms.csv and a bad.csv (GB18030, one firm with no land)."""
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES, encoding="utf-8")
    good = pd.DataFrame(
        {
            "credit_code": [code(i) for i in range(4)],
            "year": 2022,
            "name": ["甲", "乙", "丙", "=HYPERLINK(1)"],
            "land_owned_mu": [10, 20, 10, 5],
            "tax_paid": [100, 100, 50, 10],
        }
    )
    data = tmp_path / "firms.csv"
    good.to_csv(data, index=False)
    bad = good.copy()
    bad.loc[1, "land_owned_mu"] = 0
    bad_path = tmp_path / "bad.csv"
    bad.to_csv(bad_path, index=False, encoding="gb18030")
    return {"rules": rules, "data": data, "bad": bad_path}


def invoke(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args], prog_name="mujun")
    return result.exit_code, result.output


# ASCII words a Chinese message may hold: the program and its commands, and names of things
ALLOWED_WORDS = {
    "mujun", "run", "select", "check", "template", "demo", "bench", "version", "fields",
    "numpy", "pyarrow", "JSON", "TOML", "Excel", "CSV", "FIFO", "MB", "true", "false", "Ctrl",
    "N", "A", "B", "C", "D",
}  # fmt: skip
CLICK_WORDS = {"Usage", "Error", "Options", "Commands", "Arguments", "Missing", "Invalid", "Try"}
_NAMES = re.compile(
    r"(?:[A-Za-z]:)?[\w.~$*?\[\]-]*[/\\][^\s，。；：（）“”]*"  # a path
    r"|-{1,2}[A-Za-z][\w-]*"  # an option
    r"|[\w-]*[._]\w[\w.-]*"  # a file name or a code (results.csv, credit_code)
    r"|[\w]+-[\w-]+"  # an issue code (non-positive-land)
)


def english_sentences(text: str) -> list[str]:
    """Runs of two or more English words (or one of Click's own words) in `text`, after
    paths, options, file names, codes and ALLOWED_WORDS are taken out."""
    left = _NAMES.sub("|", text)
    words = re.sub(r"[A-Za-z]+", lambda m: "|" if m.group() in ALLOWED_WORDS else m.group(), left)
    runs = re.findall(r"[A-Za-z]{2,}(?:[ \t'’]+[A-Za-z]+)+", words)
    return runs + [w for w in re.findall(r"[A-Za-z]+", words) if w in CLICK_WORDS]
