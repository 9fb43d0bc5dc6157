"""Six "countries" evaluated as units that are not firms (`[input] key = "uCode"`), for the tests
of units other than firms: a key column uCode, names in uName, the year in Time, a declared
number field, a class without land. Values chosen so that every score is computed by hand."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from departments import write_csv

import mujun
from mujun.rules import Rules

YEAR = 2020
HEADER = ["uCode", "uName", "Time", "Flights"]
# code, name, flights: min 5 (BGR), max 30 (DNK), span 25
COUNTRIES = [
    ("AUT", "Austria", 10),
    ("BEL", "Belgium", 20),
    ("BGR", "Bulgaria", 5),
    ("CYP", "Cyprus", 7),
    ("CZE", "Czechia", 15),
    ("DNK", "Denmark", 30),
]
# minmax, weight 100: 100 × (x − 5) / 25
SCORES = {"AUT": 20.0, "BEL": 60.0, "BGR": 0.0, "CYP": 8.0, "CZE": 40.0, "DNK": 100.0}
# quota A 50 % of 6 = 3: DNK, BEL, CZE; the rest B
TIERS = {"DNK": "A", "BEL": "A", "CZE": "A", "AUT": "B", "CYP": "B", "BGR": "B"}
CREDIT_CODE_NOTES = {
    "bad-credit-code",
    "credit-code-check-digit",
    "credit-code-as-number",
    "credit-code-twin",
}


def rules_text(check: str | None = "none", *, label: str | None = "国家代码") -> str:
    """The rules: key uCode, `key_check` (None: not written, the default) and `key_label`."""
    lines = ["[input]", 'key = "uCode"']
    if label is not None:
        lines.append(f'key_label = "{label}"')
    if check is not None:
        lines.append(f'key_check = "{check}"')
    return f"""mujun_rules = 1
name = "国家互联互通示例"
region = "示例"
year = {YEAR}

{chr(10).join(lines)}

[input.aliases]
name = ["uName"]
year = ["Time"]

[[field]]
code = "flights"
label = "国际航班座位数"
kind = "number"
aliases = ["Flights"]

[[class]]
code = "index"
label = "互联互通指数"
land = "optional"

  [[class.indicator]]
  code = "flights"
  label = "国际航班座位数"
  formula = "flights"
  weight = 100
  score = {{ method = "minmax" }}
  missing = "zero"

  [class.tiers]
  method = "quota"
  shares = {{ A = 0.5, B = 0.5 }}
"""


def country_rules(check: str | None = "none", *, label: str | None = "国家代码") -> Rules:
    return mujun.parse_rules(rules_text(check, label=label))


def country_rows(extra: Sequence[Sequence[Any]] = ()) -> list[list[Any]]:
    """The header and one row per country in Time = YEAR, then `extra` rows."""
    rows = [HEADER, *([c, n, YEAR, f] for c, n, f in COUNTRIES)]
    return [list(r) for r in (*rows, *extra)]


def country_csv(path: Path, extra: Sequence[Sequence[Any]] = ()) -> Path:
    return write_csv(path, country_rows(extra))


def read_countries(paths: Sequence[Path], rules: Rules) -> mujun.EnterpriseTable:
    """The files read as the command line reads them: the rules' year, aliases and fields."""
    return mujun.read_sources(
        paths, year=rules.year, aliases=rules.input.aliases, fields=rules.catalog
    )
