"""What the report tests share: a small county with hostile firm names, written as a run folder,
and a parser that reads the tables of a written 报告.html back."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

import mujun
from mujun.engine.evaluation import Evaluation
from mujun.sample.synthetic import county_frame

ROOT = Path(__file__).resolve().parents[2]
GUZHEN = ROOT / "rules" / "anhui-guzhen-2022.toml"
YEAR = 2022
SCRIPT_NAME = "<script>window.__leak = 1</script>有限公司"
HOSTILE_NAMES = [SCRIPT_NAME, 'A&B "引号" 公司', "<img src=x onerror=alert(1)>", "</td></tr>断行"]
PARKS = {  # the synthetic county's parks → the parks of these tests (None: no park)
    "蚌埠铜陵现代产业园": "东区",
    "湖沟镇": "东区",
    "固镇经济开发区": "<b>西区</b>",
    "王庄镇": "西区",
    "连城镇": None,
}


def county(n: int, seed: int = 11) -> pd.DataFrame:
    """A synthetic county with the parks of PARKS; the first rows carry hostile names."""
    f = county_frame(n, YEAR, seed)
    f["park"] = f["park"].map(PARKS).astype(object)
    for i, name in enumerate(HOSTILE_NAMES):
        f.loc[i, "name"] = name
    f.loc[0, ["above_scale", "industry_code"]] = [True, "3311"]
    f.loc[0, ["land_owned_mu", "land_leased_mu", "land_let_mu"]] = [20.0, 0.0, 0.0]
    f.loc[0, ["revenue", "tax_paid", "park"]] = [3000.0, 60.0, "东区"]
    return f


def evaluate(frame: pd.DataFrame) -> Evaluation:
    return mujun.evaluate(mujun.EnterpriseTable.from_frame(frame), mujun.load_rules(GUZHEN))


class Tables(HTMLParser):
    """Every table of a page by id (or `#<n>` without one): header texts and row cell texts,
    and the texts of each section's tables by the section's id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, dict[str, list[list[str]]]] = {}
        self.sections: dict[str, list[str]] = {}
        self._section: str | None = None
        self._table: dict[str, list[list[str]]] | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section":
            self._section = a.get("id") or ""
            self.sections[self._section] = []
        elif tag == "table":
            key = a.get("id") or f"#{len(self.tables)}"
            self._table = {"head": [], "rows": []}
            self.tables[key] = self._table
            if self._section is not None:
                self.sections[self._section].append(key)
        elif tag == "thead":
            self._head = True
        elif tag == "tbody":
            self._head = False
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self._table["head" if self._head else "rows"].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag == "section":
            self._section = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def read_tables(path: Path) -> Tables:
    parser = Tables()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser
