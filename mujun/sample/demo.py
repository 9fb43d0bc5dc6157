"""The shipped demo county (固镇县, 2022): where its files live, how they are built, their README.

The files are six departments' exports of a synthetic county (`synthetic.generate_county`)
written by `demo.write_department_files` with faults planted, the bureau's table of the three
years before (历年主要指标, for growth profiles) and a table of 25 invented chief service
commissioners (首席服务专员); `mujun demo` reads them with the demo rules.
Its 2020 and 2021 are shipped as the bureau kept them (历年评价数据_<year>年.xlsx, every figure the
rules read): `evaluate_demo_year(year)` grades them with the demo rules of that year.
`python -m mujun.sample.demo` rebuilds the shipped folder (package data) byte for byte.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import openpyxl
import pandas as pd

from ..fields import BUREAU, ENV, LAND, POWER, STATS, TAX
from .departments import save_workbook, write_department_files
from .years import write_year_data, year_file

if TYPE_CHECKING:
    from ..engine.evaluation import Evaluation
    from ..rules import Rules

DATA = Path(__file__).resolve().parent / "data"  # package data: shipped in the wheel too
DEMO_RULES = DATA / "anhui-guzhen-2022.toml"
DEMO_DATASET = DATA / "guzhen-demo"
REBUILD = "python -m mujun.sample.demo"
DEMO_YEAR, DEMO_FIRMS, DEMO_COUNTY = 2022, 530, "固镇县（示例）"  # ≈ 180 规上 + 350 规下
DEMO_YEARS = (2019, 2020, 2021, DEMO_YEAR)
HISTORY_FILE = f"历年主要指标_{DEMO_YEARS[0]}-{DEMO_YEARS[-2]}年.xlsx"
COMMISSIONERS_FILE = "首席服务专员名单.xlsx"
EARLIER_YEARS = DEMO_YEARS[1:-1]  # 2020 and 2021: evaluable with the demo rules, year replaced
COMMISSIONERS = 25
# invented names: surname and given name drawn apart, so no real person is meant
_SURNAMES = tuple("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐")
_GIVEN_NAMES = (
    "建国 海燕 志强 丽华 明辉 晓东 春梅 国庆 文静 宏伟 玉兰 振华 秀英 立新 "
    "红霞 永刚 慧敏 长青 雪峰 桂芳 卫东 晓燕 德胜 金凤 子涵 浩然 思远 佳怡"
)
_GIVEN = tuple(_GIVEN_NAMES.split())


_ABOUT = {
    TAX: "实缴税金（元），末尾有合计行和填报说明行",
    STATS: "两级表头；规上与规下全部企业",
    LAND: "用地面积（平方米）、租用与出租用地（亩）",
    POWER: "用电量（千瓦时），GBK编码",
    ENV: "排放量（吨）与环境违法，仅列有数据的企业",
    BUREAU: "所属园区与各项是/否标志",
    "历年主要指标": "前三年的营业收入、实缴税金、工业增加值（万元）与是否规上，"
    "带年度列，用于成长画像",
    "首席服务专员名单.xlsx": "25名虚构的首席服务专员：姓名、所属园区（或全县）、"
    "熟悉行业（大类代码）",
    "历年评价数据": "该年度评价所用的基础数据（经信局留存的汇总表，已核实，无错误）："
    "用地（亩）、税收、营业收入、增加值、研发、技改（万元）、能耗、用电、职工人数与各项标志，"
    "带年度列；用示例规则（年度改为该年）即可重评该年",
}


def write_readme(
    out_dir: str | Path,
    faults: Sequence[dict[str, Any]],
    command: str,
    files: Sequence[str | Path] | None = None,
) -> Path:
    """README.md for a folder of departmental files: what each file is, that the data are
    synthetic, the command that made them and each planted fault with its file and row."""
    out = Path(out_dir)
    names = (
        [Path(p).name for p in files]
        if files is not None
        else sorted(p.name for p in out.iterdir() if p.suffix in (".xlsx", ".csv"))
    )
    lines = [
        "# 部门报送数据（合成示例）",
        "",
        "All figures and firms here are **synthetic** (a generated county, not real data), "
        "written by `mujun.sample.departments.write_department_files` in the layouts "
        "departments send.",
        "",
        "Generated with:",
        "",
        "```",
        command,
        "```",
        "",
        "| 文件 | 内容 |",
        "|---|---|",
        *(f"| {n} | {_ABOUT.get(n.split('_')[0], '')} |" for n in names),
        "",
        "## Planted faults and rows the reader skips",
        "",
        "Row = spreadsheet row (1 = the first line of the file). Issue = the code "
        "`mujun check` reports: found while reading, or by the evaluation "
        "(non-positive-land, missing-from-source).",
        "",
        "| # | fault | file | row | credit code | field | written | issue | note |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for k, rec in enumerate(faults, 1):
        issue = rec["issue"] or "（无）"
        if rec["issue"] and (rec["issue_file"], rec["issue_row"]) != (rec["file"], rec["row"]):
            issue += f"（{rec['issue_file']} 第{rec['issue_row']}行）"
        row = "（未列入）" if rec["row"] is None else rec["row"]
        lines.append(
            f"| {k} | {rec['fault']} | {rec['file']} | {row} | {rec['credit_code']} | "
            f"{rec['field']} | {rec['value']} | {issue} | {rec['note']} |"
        )
    path = out / "README.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@contextmanager
def demo_files(n_firms: int = DEMO_FIRMS, seed: int = DEMO_YEAR) -> Iterator[list[Path]]:
    """The demo county's departmental files for DEMO_YEAR: the shipped files when
    they are there, else the same files generated into a temporary folder."""
    shipped = sorted(p for p in DEMO_DATASET.glob("*") if p.suffix in (".xlsx", ".csv"))
    if shipped and n_firms == DEMO_FIRMS and seed == DEMO_YEAR:
        yield [
            p
            for dept in (TAX, STATS, LAND, POWER, ENV, BUREAU)
            for p in shipped
            if p.name.startswith(dept)
        ]
        return
    with tempfile.TemporaryDirectory(prefix="mujun-demo-") as tmp:
        yield build_demo(tmp, n_firms=n_firms, seed=seed)


def build_demo(
    out_dir: str | Path, *, n_firms: int = DEMO_FIRMS, seed: int = DEMO_YEAR
) -> list[Path]:
    """Write the demo county's departmental files (synthetic, faults planted) into out_dir."""
    from .synthetic import generate_county

    panel = generate_county(n_firms, years=DEMO_YEARS, seed=seed)
    return write_department_files(panel, DEMO_YEAR, out_dir, seed=seed, county=DEMO_COUNTY)


@contextmanager
def demo_selection_files(
    n_firms: int = DEMO_FIRMS, seed: int = DEMO_YEAR
) -> Iterator[tuple[Path, Path]]:
    """(history workbook, commissioners workbook) of the demo county: the shipped ones, else
    generated into a temporary folder."""
    history, people = DEMO_DATASET / HISTORY_FILE, DEMO_DATASET / COMMISSIONERS_FILE
    if history.is_file() and people.is_file() and n_firms == DEMO_FIRMS and seed == DEMO_YEAR:
        yield history, people
        return
    with tempfile.TemporaryDirectory(prefix="mujun-demo-") as tmp:
        yield build_selection_files(tmp, n_firms=n_firms, seed=seed)


def build_selection_files(
    out_dir: str | Path, *, n_firms: int = DEMO_FIRMS, seed: int = DEMO_YEAR
) -> tuple[Path, Path]:
    """Write the demo county's history workbook and commissioners table into out_dir."""
    from .synthetic import DEFAULT_PARKS, generate_county

    panel = generate_county(n_firms, years=DEMO_YEARS, seed=seed)
    out = Path(out_dir)
    history = write_history(panel[panel["year"] < DEMO_YEAR], out / HISTORY_FILE, DEMO_COUNTY)
    divisions = sorted({c[:2] for c in panel["industry_code"].astype(str)})
    people = write_commissioners(out / COMMISSIONERS_FILE, DEFAULT_PARKS, divisions, seed=seed)
    return history, people


def write_history(panel: pd.DataFrame, path: Path, county: str) -> Path:
    """The bureau's table of earlier years: one row per firm-year with 年度, identity, 营业收入,
    实缴税金 and 工业增加值 (万元) and 是否规上, under a title row."""
    years = sorted(int(y) for y in panel["year"].unique())
    rows = panel.sort_values(["year", "credit_code"], kind="stable")
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "历年主要指标"
    ws.append([f"{county}工业企业主要指标（{years[0]}—{years[-1]}年）"])
    ws.append(
        [
            "年度",
            "统一社会信用代码",
            "企业名称",
            "所属园区",
            "行业代码",
            "营业收入（万元）",
            "实缴税金（万元）",
            "工业增加值（万元）",
            "是否规上",
        ]
    )
    for r in rows.itertuples(index=False):  # a few thousand rows of a small demo file
        ws.append(
            [
                int(r.year),
                r.credit_code,
                r.name,
                r.park,
                r.industry_code,
                round(float(r.revenue), 2),
                round(float(r.tax_paid), 2),
                round(float(r.value_added), 2),
                "是" if r.above_scale else "否",
            ]
        )
    for column, width in zip("ABCDEFGHI", (8, 22, 30, 20, 10, 16, 16, 16, 10), strict=True):
        ws.column_dimensions[column].width = width
    save_workbook(book, path, dt.datetime(years[-1] + 2, 1, 15), BUREAU)
    return path


def write_commissioners(
    path: Path,
    parks: Sequence[str],
    divisions: Sequence[str],
    *,
    seed: int = DEMO_YEAR,
    n: int = COMMISSIONERS,
) -> Path:
    """A table of `n` invented commissioners: 姓名, 所属园区 (parks in turn; every fifth one
    全县), 熟悉行业 (two or three GB/T 4754 divisions)."""
    rng = np.random.default_rng(seed)
    pairs = rng.permutation(len(_SURNAMES) * len(_GIVEN))[:n]
    names = [_SURNAMES[p // len(_GIVEN)] + _GIVEN[p % len(_GIVEN)] for p in pairs]
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "专员名单"
    ws.append(["姓名", "所属园区", "熟悉行业"])
    for k, name in enumerate(names):  # n commissioners
        park = "全县" if k % 5 == 4 else parks[(k - k // 5) % len(parks)]
        known = rng.choice(divisions, size=int(rng.integers(2, 4)), replace=False)
        ws.append([name, park, "、".join(sorted(str(d) for d in known))])
    for column, width in zip("ABC", (12, 22, 20), strict=True):
        ws.column_dimensions[column].width = width
    save_workbook(book, path, dt.datetime(DEMO_YEAR + 1, 3, 1), BUREAU)
    return path


def build_year_files(
    out_dir: str | Path,
    years: Sequence[int] = EARLIER_YEARS,
    *,
    n_firms: int = DEMO_FIRMS,
    seed: int = DEMO_YEAR,
) -> list[Path]:
    """Write the demo county's evaluation data of each earlier year (`历年评价数据_<year>年.xlsx`)
    into out_dir: the same panel as the departmental files and the history workbook."""
    from .synthetic import generate_county

    panel = generate_county(n_firms, years=DEMO_YEARS, seed=seed)
    out = Path(out_dir)
    return [write_year_data(panel, y, out / year_file(y), DEMO_COUNTY) for y in years]


@contextmanager
def demo_year_files(
    year: int, n_firms: int = DEMO_FIRMS, seed: int = DEMO_YEAR
) -> Iterator[list[Path]]:
    """The files of one earlier demo year (2020 or 2021), as a list like `demo_files` gives: the
    shipped workbook when it is there, else the same one generated into a temporary folder."""
    if int(year) not in EARLIER_YEARS:
        years = "、".join(str(y) for y in EARLIER_YEARS)
        raise ValueError(f"示例县只有{years}年的往年评价数据，没有{year}年的")
    shipped = DEMO_DATASET / year_file(year)
    if shipped.is_file() and n_firms == DEMO_FIRMS and seed == DEMO_YEAR:
        yield [shipped]
        return
    with tempfile.TemporaryDirectory(prefix="mujun-demo-") as tmp:
        yield build_year_files(tmp, [int(year)], n_firms=n_firms, seed=seed)


def demo_rules_of(year: int) -> Rules:
    """The demo rules with their year (and the year in their name) replaced by `year`."""
    from ..rules import load_rules

    rules = load_rules(DEMO_RULES).replace(year=int(year))
    name = rules.name.replace(str(DEMO_YEAR), str(int(year)))
    return rules.model_copy(update={"name": name})  # a name is text: nothing to validate


def evaluate_demo_year(
    year: int,
    n_firms: int = DEMO_FIRMS,
    seed: int = DEMO_YEAR,
    past_tiers: pd.DataFrame | None = None,
) -> Evaluation:
    """Evaluate one earlier demo year (2020 or 2021) from its files with the demo rules of
    that year: what the bureau published then, had it used this year's method (`past_tiers`:
    the years before, for the policies' consecutive years)."""
    from ..engine.evaluate import evaluate
    from ..read import read_sources

    rules = demo_rules_of(year)
    with demo_year_files(year, n_firms=n_firms, seed=seed) as files:
        table = read_sources(
            files, year=int(year), aliases=rules.input.aliases, fields=rules.catalog
        )
        return evaluate(table, rules, past_tiers=past_tiers)


def rebuild(folder: Path = DEMO_DATASET) -> list[Path]:
    """Regenerate the shipped demo folder: its departmental files, history, commissioners and
    README (deterministic: the same mujun version writes byte-identical files)."""
    from .departments import planted_faults
    from .synthetic import generate_county

    for old in folder.glob("*"):
        if old.suffix in (".xlsx", ".csv"):
            old.unlink()
    files = [*build_demo(folder), *build_selection_files(folder), *build_year_files(folder)]
    panel = generate_county(DEMO_FIRMS, years=DEMO_YEARS, seed=DEMO_YEAR)
    faults = planted_faults(panel, DEMO_YEAR, seed=DEMO_YEAR, county=DEMO_COUNTY)
    write_readme(folder, faults, REBUILD, files)
    return files


if __name__ == "__main__":
    print("\n".join(p.name for p in rebuild()))
