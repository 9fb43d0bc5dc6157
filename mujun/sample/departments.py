"""The files departments send, written from a canonical panel: the demo county's raw inputs.

`write_department_files` turns a panel (field codes as columns, one row per firm-year; e.g. from
`mujun.sample.synthetic`) into the six files a bureau receives for one year, each in its
department's own layout: title rows, Chinese headers with units (元, 平方米, 千瓦时), a two-level
header, a GBK CSV, totals and note rows, numbers typed as text. With `faults=True` a few
realistic mistakes are planted on purpose; `planted_faults` lists them with the file, sheet and
spreadsheet row where each sits and the issue the reader reports for it
(`demo.write_readme` describes a folder). Everything is a pure function of (panel, year,
seed, county): no clock, no global random state.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter

from ..codes import CREDIT_ALPHABET
from ..export.xlsx import save
from ..fields import BUREAU, ENV, FIELDS, INPUT_FIELDS, LAND, POWER, STATS, TAX

Spec = tuple[str, str, str]  # header, field, how a panel value is written (a key of _WRITE)
_WRITE: dict[str, Callable[[Any], Any]] = {
    "num": lambda v: int(v) if float(v).is_integer() and abs(v) < 1e15 else float(v),
    "yuan": lambda v: round(float(v) * 10000),  # 万元 → whole 元
    "m2": lambda v: round(float(v) * 10000 / 15, 2),  # 亩 → 平方米, to 0.01 m² as registered
    "text": str,
    "date": lambda v: pd.Timestamp(v).date(),
}


def _blank(v: Any) -> bool:
    return v is None or (not isinstance(v, str) and bool(pd.isna(v)))


def _yes(v: Any) -> bool:  # a flag: blank is 否
    return not _blank(v) and bool(v)


def _cell(how: str, v: Any) -> Any:
    if how == "yes":
        return "是" if _yes(v) else "否"
    return None if _blank(v) else _WRITE[how](v)


CODE: Spec = ("统一社会信用代码", "credit_code", "text")
_SPECS: dict[str, list[Spec]] = {
    TAX: [("纳税人识别号", "credit_code", "text"), ("纳税人名称", "name", "text"),
          ("实缴税金(元)", "tax_paid", "yuan")],
    STATS: [CODE, ("单位名称", "name", "text"), ("行业代码", "industry_code", "text"),
            ("是否规上", "above_scale", "yes"), ("成立日期", "established", "date"),
            ("营业收入", "revenue", "num"), ("工业总产值", "output_value", "num"),
            ("工业增加值", "value_added", "num"), ("研发经费", "rd_expense", "num"),
            ("技改投资", "tech_investment", "num"), ("综合能耗(吨标准煤)", "energy_tce", "num"),
            ("年平均职工人数(人)", "employees", "num")],
    LAND: [CODE, ("企业名称", "name", "text"), ("用地面积(平方米)", "land_owned_mu", "m2"),
           ("租用用地(亩)", "land_leased_mu", "num"), ("出租用地(亩)", "land_let_mu", "num")],
    POWER: [("户号", "", ""), CODE, ("企业名称", "name", "text"),
            ("用电量(千瓦时)", "electricity_kwh", "num")],
    ENV: [CODE, ("单位名称", "name", "text"), ("主要污染物排放量(吨)", "emissions_t", "num"),
          ("环境违法(是/否)", "env_violation", "yes")],
    BUREAU: [CODE, ("企业名称", "name", "text"), ("所属园区", "park", "text"),
             ("高新技术企业", "high_tech", "yes"), ("专精特新", "specialized", "yes"),
             ("上年度小升规企业", "new_to_scale", "yes"), ("在建重大项目", "major_project", "yes"),
             ("发生较大及以上安全生产事故", "safety_incident", "yes")],
}  # fmt: skip
_MONEY = ("revenue", "output_value", "value_added", "rd_expense", "tech_investment")
# department -> (file name, title, sorted by, ascending, lists every firm of the year)
_FILES: dict[str, tuple[str, str, str, bool, bool]] = {
    TAX: ("税务局_{y}年度企业税收.xlsx", "{c}{y}年度企业实缴税金情况表",
          "tax_paid", False, False),
    STATS: ("统计局_{y}年规上工业企业主要指标.xlsx", "{c}{y}年规模以上工业企业主要经济指标",
            "industry_code", True, True),
    LAND: ("自然资源局_土地使用情况.xlsx", "{c}工业企业土地使用情况表",
           "credit_code", True, False),
    POWER: ("供电公司_{y}年用电量.csv", "{c}{y}年度工业用户用电量",
            "electricity_kwh", False, False),
    ENV: ("生态环境局_排放与执法.xlsx", "{c}{y}年度企业污染物排放及环境执法情况",
          "credit_code", True, False),
    BUREAU: ("经信局_企业名录.xlsx", "{c}工业企业名录（{y}年度）", "park", True, True),
}  # fmt: skip
_ORDER = (TAX, STATS, LAND, POWER, ENV, BUREAU)  # the order of the returned paths


@dataclass
class _File:
    dept: str
    name: str
    columns: list[str]  # the field of each column ('' for 序号 / 户号)
    top: list[list[Any]]  # title and header rows
    body: list[list[Any]]  # one row per firm, 序号 first for workbooks
    merges: list[str] = field(default_factory=list)
    tail: list[list[Any]] = field(default_factory=list)
    copies: list[list[Any]] = field(default_factory=list)  # rows planted as duplicates

    @property
    def sheet(self) -> str:
        return "" if self.name.endswith(".csv") else self.dept

    def entry(self, code: str) -> list[Any] | None:
        at = self.columns.index("credit_code")
        return next((e for e in self.body if e[at] == code), None)

    def line(self, entry: list[Any]) -> int:
        """The spreadsheet row (1-based) of a body row."""
        return len(self.top) + next(i for i, e in enumerate(self.body) if e is entry) + 1

    def set(self, entry: list[Any], name: str, value: Any) -> None:
        entry[self.columns.index(name)] = value


def _specs(dept: str, present: set[str]) -> list[Spec]:
    """The department's columns for the fields the panel has, plus any other field of that
    department the panel holds (energy carriers, emission parts, further flags) as label(unit)."""
    covered = {f for specs in _SPECS.values() for _, f, _ in specs}
    out = [s for s in _SPECS[dept] if s[1] in present or s[1] == ""]
    for code in INPUT_FIELDS:
        f = FIELDS[code]
        if code in present and code not in covered and code != "year" and f.department == dept:
            how = {"bool": "yes", "date": "date", "number": "num"}.get(f.kind, "text")
            out.append((f"{f.label}({f.unit})" if f.unit else f.label, code, how))
    return out


def _build(dept: str, firms: pd.DataFrame, year: int, county: str) -> _File | None:
    specs = _specs(dept, set(firms.columns))
    data = [s for s in specs if s[1] not in ("", "credit_code", "name")]
    if not data:
        return None
    name, title, key, ascending, every = _FILES[dept]
    if key in firms:
        firms = firms.sort_values([key, "credit_code"], ascending=[ascending, True], kind="stable")
    if not every:  # a department lists the firms it holds data for
        has = [
            firms[f].fillna(False).astype(bool) if FIELDS[f].kind == "bool" else firms[f].notna()
            for _, f, _ in data
        ]
        firms = firms[np.logical_or.reduce([h.to_numpy() for h in has])]
    csv_file = dept == POWER
    lead: list[tuple[str, str]] = [] if csv_file else [("序号", "")]
    columns = [f for _, f in lead] + [f for _, f, _ in specs]
    body = [
        [None] * len(lead)
        + [_cell(how, r.get(f)) if f else f"{3400100000 + 37 * i}" for _, f, how in specs]
        for i, r in enumerate(firms.to_dict("records"))
    ]
    width, last = len(columns), get_column_letter(len(columns))
    out = _File(dept, name.format(y=year), columns, [[title.format(c=county, y=year)]], body)
    if csv_file:
        out.top.append([h for h, _, _ in specs])
        return out
    out.merges.append(f"A1:{last}1")
    out.top.append(
        [f"填报单位：{county}{dept}"] + [None] * (width - 2) + [f"制表日期：{year + 1}年2月"]
    )
    if dept == TAX:
        out.top[1][-1] = "单位：元"
    headers = [h for h, _ in lead] + [h for h, _, _ in specs]
    money = [i for i, f in enumerate(columns) if f in _MONEY]
    if dept == STATS and money:  # two levels: 主要指标（万元） over the money columns
        parent = [None if i in money[1:] else h for i, h in enumerate(headers)]
        parent[money[0]] = "主要指标（万元）"
        out.top += [parent, [h if i in money else None for i, h in enumerate(headers)]]
        for i in range(width):
            if i not in money:
                out.merges.append(f"{get_column_letter(i + 1)}3:{get_column_letter(i + 1)}4")
        out.merges.append(f"{get_column_letter(money[0] + 1)}3:{get_column_letter(money[-1] + 1)}3")
    else:
        out.top.append(headers)
    return out


# fault -> (department, field, issue the reader gives, its severity, what it is)
FAULT_KINDS: dict[str, tuple[str, str, str, str, str]] = {
    "land-zero": (LAND, "land_owned_mu", "non-positive-land", "error",
                  "用地面积填为0：读取时不报错；评价时用地合计不大于0，该企业被拒评"),
    "credit-code-check-digit": (POWER, "credit_code", "credit-code-check-digit", "warning",
                                "信用代码校验位录错：与原企业的代码仅校验位不同，按疑似录错拒评，"
                                "原企业缺少用电量"),
    "credit-code-typed-loosely": (LAND, "credit_code", "", "",
                                  "信用代码含小写字母和空格：读取时规范化，仍与其他文件匹配"),
    "credit-code-too-short": (BUREAU, "credit_code", "bad-credit-code", "error",
                              "信用代码漏录一位（17位）：该行被拒，原企业在名录中缺失"),
    "tax-not-a-number": (TAX, "tax_paid", "non-numeric-value", "error",
                         "实缴税金填为“待核实”：不是数字，评价时该企业被拒评"),
    "revenue-scaled": (STATS, "revenue", "scaled-value", "warning",
                       "营业收入写成“x万”（万元的万倍）：按倍数换算，请核对单位"),
    "placeholder": (STATS, "rd_expense", "placeholder-value", "info",
                    "研发经费填为“—”：按缺失处理"),
    "duplicate-row": (STATS, "credit_code", "duplicate-row", "warning",
                      "同一企业的相同记录出现两次（此为第二次）：按一条读取"),
    "missing-from-land": (LAND, "", "missing-from-source", "warning",
                          "企业在税务局文件中，却不在土地使用情况表中：缺少用地面积，评价时被拒评"),
    "name-conflict": (BUREAU, "name", "conflicting-values", "warning",
                      "名录中的企业名称与税务局不同（更名前的名称）：按先读入的文件取值"),
}  # fmt: skip
_AT_FIRST_FILE = ("missing-from-land", "name-conflict")  # issues located at the merged row


def _none(r: dict[str, Any], name: str) -> bool:
    return _blank(r.get(name)) or float(r[name]) <= 0


def _fit(fault: str, r: dict[str, Any], year: int) -> int:
    """0: the firm suits the fault well, 1: will do, 2: not at all."""
    if fault == "land-zero":  # a 规上 firm that is neither exempt nor deferred, on its own land
        div, est = str(r.get("industry_code") or "00")[:2], r.get("established")
        return 2 - 2 * (
            _yes(r.get("above_scale"))
            and _none(r, "land_leased_mu")
            and div.isdigit()
            and 6 <= int(div) <= 43
            and div != "16"
            and (_blank(est) or pd.Timestamp(est).year <= year - 3)
        )
    if fault == "credit-code-typed-loosely":  # lower case shows only on a code with letters
        return int(str(r["credit_code"]).isdigit())
    if fault == "revenue-scaled":  # “1.2万” (万元) is how a clerk writes a revenue of 12000 万元
        return 2 if _blank(r.get("revenue")) else int(float(r["revenue"]) < 1e4)
    if fault == "placeholder":
        return 1 - _none(r, "rd_expense")
    if fault == "name-conflict":
        return 2 * (not isinstance(r.get("name"), str))
    return 0


def _mutate(
    fault: str, f: _File, entry: list[Any], r: dict[str, Any], rng: np.random.Generator
) -> list[Any] | None:
    """Plant one fault in a body row; returns the row it sits in now (None: removed)."""
    code, name = str(r["credit_code"]), FAULT_KINDS[fault][1]
    new: Any = {"land-zero": 0, "tax-not-a-number": "待核实", "placeholder": "—"}.get(fault)
    if fault == "credit-code-check-digit":
        shift = CREDIT_ALPHABET.index(code[-1]) + 1 + int(rng.integers(30))
        new = code[:-1] + CREDIT_ALPHABET[shift % 31]
    elif fault == "credit-code-typed-loosely":
        new = " ".join(code[i : i + 4] for i in range(0, 18, 4)).lower()
    elif fault == "credit-code-too-short":
        cut = int(rng.integers(2, 17))
        new = code[:cut] + code[cut + 1 :]
    elif fault == "revenue-scaled":
        new = f"{float(r['revenue']) / 1e4:.4g}万"
    elif fault == "name-conflict":
        old = str(r["name"])
        new = old[:-4] + "有限责任公司" if old.endswith("有限公司") else old + "（原名）"
    elif fault == "duplicate-row":
        f.body.insert(f.body.index(entry) + 1, copy := list(entry))
        f.copies.append(copy)
        return copy
    elif fault == "missing-from-land":
        f.body.remove(entry)
        return None
    for part in ("land_leased_mu", "land_let_mu") if fault == "land-zero" else ():
        if part in f.columns:
            f.set(entry, part, None)
    f.set(entry, name, new)
    return entry


def _plant(
    files: dict[str, _File], firms: pd.DataFrame, year: int, rng: np.random.Generator
) -> list[dict[str, Any]]:
    """Each fault on its own firm: the first in the seeded order that suits it best. A fault no
    firm suits (or whose file or column is not written) is left out."""
    records = firms.to_dict("records")
    order, used, found = rng.permutation(len(records)), set[str](), []
    for fault, (dept, name, issue, severity, note) in FAULT_KINDS.items():
        f = files.get(dept)
        if f is None or (name and name not in f.columns):
            continue
        held = {e[f.columns.index("credit_code")] for e in f.body}
        if fault == "missing-from-land" and TAX in files:  # a firm the tax file lists
            held &= {e[files[TAX].columns.index("credit_code")] for e in files[TAX].body}
        free = held - used
        fits = [
            (_fit(fault, records[i], year), n, i)
            for n, i in enumerate(order)
            if records[i]["credit_code"] in free
        ]
        if not fits or min(fits)[0] == 2:
            continue
        r = records[min(fits)[2]]
        used.add(r["credit_code"])
        at = _mutate(fault, f, f.entry(r["credit_code"]) or [], r, rng)
        found.append(
            dict(
                fault=fault,
                file=f.name,
                sheet=f.sheet,
                entry=at,
                credit_code=r["credit_code"],
                field=name,
                value="" if at is None or not name else at[f.columns.index(name)],
                issue=issue,
                severity=severity,
                note=note,
            )
        )
    return found


def _finish(files: list[_File], found: list[dict[str, Any]], year: int) -> None:
    """Number the rows (a copied row keeps its number), add the tax file's 合计 and 填报说明
    rows, and locate every fault and the issue it gives."""
    for f in (f for f in files if f.columns[0] == ""):
        n = 0
        for e in f.body:
            n += not any(e is c for c in f.copies)
            e[0] = n
    for tax in (f for f in files if f.dept == TAX and "tax_paid" in f.columns):
        at, width = tax.columns.index("tax_paid"), len(tax.columns)
        total = sum(e[at] for e in tax.body if isinstance(e[at], int | float))
        note = f"填报说明：实缴税金为{year}年度实际入库的各项税收（不含减免、退税），单位为元。"
        tax.tail = [["合计", *[None] * (width - 2), total], [note]]
        line = len(tax.top) + len(tax.body) + 1
        tax.merges.append(f"A{line + 1}:{get_column_letter(width)}{line + 1}")
        found += [
            dict(
                fault="note-row",
                file=tax.name,
                sheet=tax.sheet,
                row=line + k,
                credit_code="",
                field="",
                value=row[0],
                issue="note-row",
                severity="info",
                note="合计行、填报说明行：不是企业，读取时跳过",
            )
            for k, row in enumerate(tax.tail)
        ]
    for rec in found:
        f = next(f for f in files if f.name == rec["file"])
        entry = rec.pop("entry", None)
        rec.setdefault("row", None if entry is None else f.line(entry))
        where = (f, rec["row"])
        if rec["fault"] in _AT_FIRST_FILE:  # the merged firm's row: the first file holding it
            g = next(g for g in files if g.entry(rec["credit_code"]) is not None)
            where = (g, g.line(g.entry(rec["credit_code"]) or []))
        rec.update(issue_file=where[0].name, issue_sheet=where[0].sheet, issue_row=where[1])


def _prepare(
    panel: pd.DataFrame, year: int, seed: int, faults: bool, county: str
) -> tuple[list[_File], list[dict[str, Any]]]:
    if "credit_code" not in panel:
        raise ValueError("the panel has no credit_code column")
    firms = (panel[panel["year"] == year] if "year" in panel else panel).reset_index(drop=True)
    built = {d: f for d in _ORDER if (f := _build(d, firms, year, county)) is not None}
    rng = np.random.default_rng(seed)
    _separators(built.get(STATS), rng)
    found = _plant(built, firms, year, rng) if faults else []
    files = [built[d] for d in _ORDER if d in built]
    _finish(files, found, year)
    return files, found


def _separators(f: _File | None, rng: np.random.Generator) -> None:
    """A few revenues typed as text with thousands separators, as pasted from another sheet."""
    if f is None or "revenue" not in f.columns:
        return
    at = f.columns.index("revenue")
    big = [e for e in f.body if isinstance(e[at], int | float) and e[at] >= 1000]
    for i in sorted(rng.choice(len(big), size=min(len(big), 1 + len(big) // 10), replace=False)):
        big[i][at] = format(big[i][at], ",")


def save_workbook(book: openpyxl.Workbook, path: Path, when: dt.datetime, author: str) -> None:
    """Save as a department would have on `when`, with mujun's one saver: the same cells, the
    same bytes."""
    book.properties.creator = author
    book.properties.created = book.properties.modified = when
    save(book, path, when=when)


def planted_faults(
    panel: pd.DataFrame, year: int, *, seed: int = 0, faults: bool = True, county: str = "示例县"
) -> list[dict[str, Any]]:
    """What `write_department_files` plants with the same arguments, plus the tax file's 合计 and
    填报说明 rows: one dict each with fault, file, sheet, row (spreadsheet row, 1-based; None when
    nothing is written), credit_code (the firm's true code), field, value (as written), issue
    (the code read_sources gives, or for non-positive-land and missing-from-source the
    evaluation; '' for none), severity, note, and issue_file / issue_sheet / issue_row: where
    that issue points when the files are read in the order returned."""
    return _prepare(panel, year, seed, faults, county)[1]


def write_department_files(
    panel: pd.DataFrame,
    year: int,
    out_dir: str | Path,
    *,
    seed: int = 0,
    faults: bool = True,
    county: str = "示例县",
) -> list[Path]:
    """Write the departmental files of `year` (the panel's rows of that year) into `out_dir`;
    returns their paths in the order 税务局, 统计局, 自然资源局, 供电公司, 生态环境局, 经信局 (a
    file none of whose fields the panel has is not written). The files hold no year column: read
    them with the rules' year or `read_sources(..., year=year)`."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for f in _prepare(panel, year, seed, faults, county)[0]:
        path = out / f.name
        rows = [*f.top, *f.body, *f.tail]
        if f.sheet == "":  # what Excel on a Chinese Windows saves as “CSV”: GBK, CRLF
            text = io.StringIO()
            csv.writer(text, lineterminator="\r\n").writerows(
                ["" if c is None else c for c in row] for row in rows
            )
            path.write_bytes(text.getvalue().encode("gbk"))
        else:
            book = openpyxl.Workbook()
            ws = book.active
            assert ws is not None
            ws.title = f.sheet
            for row in rows:
                ws.append(row)
            for cells in f.merges:
                ws.merge_cells(cells)
            for i in range(len(f.columns)):
                ws.column_dimensions[get_column_letter(i + 1)].width = 24 if i == 1 else 14
            save_workbook(book, path, dt.datetime(year + 1, 2, 1), f.dept)
        paths.append(path)
    return paths
