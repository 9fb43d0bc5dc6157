"""The shipped demo county (固镇县, 2022): where its files live, how they are built, their README.

The files are six departments' exports of a synthetic county (`synthetic.generate_county`)
written by `demo.write_department_files` with faults planted; `mujun demo` reads them with the
demo rules. `python datasets/guzhen-demo/make.py` rebuilds the shipped folder byte for byte.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .demo import write_department_files
from .fields import BUREAU, ENV, LAND, POWER, STATS, TAX

ROOT = Path(__file__).resolve().parent.parent
DEMO_RULES = ROOT / "rules" / "anhui-guzhen-2022.toml"
DEMO_DATASET = ROOT / "datasets" / "guzhen-demo"
DEMO_YEAR, DEMO_FIRMS, DEMO_COUNTY = 2022, 530, "固镇县（示例）"  # ≈ 180 规上 + 350 规下


_ABOUT = {TAX: "实缴税金（元），末尾有合计行和填报说明行", STATS: "两级表头；规上与规下全部企业",
          LAND: "用地面积（平方米）、租用与出租用地（亩）", POWER: "用电量（千瓦时），GBK编码",
          ENV: "排放量（吨）与环境违法，仅列有数据的企业",
          BUREAU: "所属园区与各项是/否标志"}  # fmt: skip


def write_readme(out_dir: str | Path, faults: Sequence[dict[str, Any]], command: str,
                 files: Sequence[str | Path] | None = None) -> Path:  # fmt: skip
    """README.md for a folder of departmental files: what each file is, that the data are
    synthetic, the command that made them and each planted fault with its file and row."""
    out = Path(out_dir)
    names = [Path(p).name for p in files] if files is not None else sorted(
        p.name for p in out.iterdir() if p.suffix in (".xlsx", ".csv"))  # fmt: skip
    lines = ["# 部门报送数据（合成示例）", "",
             "All figures and firms here are **synthetic** (a generated county, not real data), "
             "written by `mujun.demo.write_department_files` in the layouts departments send.",
             "", "Generated with:", "", "```", command, "```", "", "| 文件 | 内容 |", "|---|---|",
             *(f"| {n} | {_ABOUT.get(n.split('_')[0], '')} |" for n in names), "",
             "## Planted faults and rows the reader skips", "",
             "Row = spreadsheet row (1 = the first line of the file). Issue = the code "
             "`mujun check` reports (non-positive-land: at evaluation, `mujun run`).", "",
             "| # | fault | file | row | credit code | field | written | issue | note |",
             "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for k, rec in enumerate(faults, 1):
        issue = rec["issue"] or "（无）"
        if rec["issue"] and (rec["issue_file"], rec["issue_row"]) != (rec["file"], rec["row"]):
            issue += f"（{rec['issue_file']} 第{rec['issue_row']}行）"
        row = "（未列入）" if rec["row"] is None else rec["row"]
        lines.append(f"| {k} | {rec['fault']} | {rec['file']} | {row} | {rec['credit_code']} | "
                     f"{rec['field']} | {rec['value']} | {issue} | {rec['note']} |")  # fmt: skip
    path = out / "README.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@contextmanager
def demo_files(n_firms: int = DEMO_FIRMS, seed: int = DEMO_YEAR) -> Iterator[list[Path]]:
    """The demo county's departmental files for DEMO_YEAR: the shipped datasets/guzhen-demo
    when this is a source checkout, else the same files generated into a temporary folder."""
    shipped = sorted(p for p in DEMO_DATASET.glob("*") if p.suffix in (".xlsx", ".csv"))
    if shipped and n_firms == DEMO_FIRMS and seed == DEMO_YEAR:
        yield [p for dept in (TAX, STATS, LAND, POWER, ENV, BUREAU) for p in shipped
               if p.name.startswith(dept)]  # fmt: skip
        return
    with tempfile.TemporaryDirectory(prefix="mujun-demo-") as tmp:
        yield build_demo(tmp, n_firms=n_firms, seed=seed)


def build_demo(
    out_dir: str | Path, *, n_firms: int = DEMO_FIRMS, seed: int = DEMO_YEAR
) -> list[Path]:
    """Write the demo county's departmental files (synthetic, faults planted) into out_dir."""
    from .synthetic import generate_county

    panel = generate_county(n_firms, years=(2019, 2020, 2021, DEMO_YEAR), seed=seed)
    return write_department_files(panel, DEMO_YEAR, out_dir, seed=seed, county=DEMO_COUNTY)
