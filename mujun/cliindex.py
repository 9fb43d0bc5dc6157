"""Commands for composite indices and tier stability: import-coinr (a COINr iMeta table as a
rules file) and uncertainty (registered on the application of cliapp)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .cliapp import CorrectionsOpt, DataOpt, OutOpt, RulesOpt, app
from .clisteps import check_inputs as _check_inputs
from .clisteps import err_console, out_console
from .clisteps import fail as _fail
from .clisteps import prepare as _prepare
from .datafiles import expand
from .errors import RulesError
from .guard import guarded


@app.command(
    name="import-coinr",
    help="把 COINr 的指标元数据表（iMeta.csv）转换为 mujun 规则文件：每个指标一个字段和一项指标，"
    "每个汇总一个分组，最高层汇总为评价类别（算术平均、min–max 0–100、分组均值填补、COINr 默认的"
    "离群值处理、四分位分档）。给出 --data 时核对 iData 的列并取其年度。",
)
@guarded(err_console)
def import_coinr_command(
    meta: Annotated[Path, typer.Argument(metavar="iMeta.csv", help="COINr 的指标元数据表")],
    out: Annotated[
        Path, typer.Option("--out", "-o", metavar="文件", help="要写出的规则文件（.toml）")
    ],
    data: Annotated[
        Path | None,
        typer.Option("--data", metavar="iData.csv", help="COINr 的数据表：核对列并取年度"),
    ] = None,
    name: Annotated[str | None, typer.Option(metavar="名称", help="规则文件的名称")] = None,
    region: Annotated[
        str | None, typer.Option(metavar="地区", help="地区（默认：指数名称）")
    ] = None,
    year: Annotated[int | None, typer.Option(metavar="年度", help="评价年度")] = None,
    impute_by: Annotated[
        str | None,
        typer.Option(
            "--impute-by", metavar="列", help="缺失值按这一分组列（Type = Group）的均值填补"
        ),
    ] = None,
    treat: Annotated[
        bool, typer.Option("--treat/--no-treat", help="是否按 COINr 默认做法处理离群值")
    ] = True,
    key_label: Annotated[
        str, typer.Option("--key-label", metavar="名称", help="单位代码列（uCode）的名称")
    ] = "单位代码",
) -> None:
    """Convert a COINr iMeta table into a rules file."""
    from .coinr_import import Options, command_line, import_coinr

    options = Options(name, region, year, impute_by, treat, key_label)
    options = command_line(options, meta, out, data)
    try:
        written = import_coinr(meta, out, data=data, options=options)
    except RulesError as exc:
        raise _fail(str(exc), 2) from None
    out_console.print(f"规则文件已写入 {written}", highlight=False)


@app.command(
    help="档次稳定性（不确定性分析）：评价一次，再按规则中需要判断的设定（权重、基准值统计量、"
    "封顶、分档比例，见规则文件 [uncertainty]；没有时只在 ±--weight-noise 内抽样权重）抽样重算，"
    "写出 stability.csv（每家企业各档次的样本占比、众数档次、排名的5%–95%区间、是否稳定）、"
    "稳定性分析工作簿、报告.html 和 manifest.json。"
)
@guarded(err_console, run_folder="out")
def uncertainty(
    rules: RulesOpt,
    data: DataOpt,
    out: OutOpt,
    samples: Annotated[
        int | None,
        typer.Option(
            metavar="个数", help="样本数（默认：规则文件 [uncertainty] 的 samples，或 200）"
        ),
    ] = None,
    weight_noise: Annotated[
        float | None,
        typer.Option(
            metavar="比例", help="权重在规则值的 ±这一比例内均匀抽样（默认 0.2，即 ±20%）"
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(metavar="整数", help="随机数种子：同一种子得到同样的结果")
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            metavar="地址", help="在 Dask 集群上计算：调度器地址，如 tcp://192.168.1.10:8786"
        ),
    ] = None,
    jobs: Annotated[
        int | None, typer.Option(metavar="进程数", help="本机并行的进程数（默认：自动）")
    ] = None,
    corrections: CorrectionsOpt = None,
) -> None:
    """Tier stability under the rules' uncertain choices: stability.csv, workbook, report."""
    from .cliuncertainty import check_options, uncertainty_command

    check_options(samples, weight_noise, jobs, scheduler, seed=seed)
    given = expand(data)
    _check_inputs(rules=rules, data=given, corrections=corrections)
    _prepare(out, "试评价")
    uncertainty_command(
        rules,
        given,
        out,
        samples=samples,
        weight_noise=weight_noise,
        seed=seed,
        jobs=jobs,
        scheduler=scheduler,
        corrections=corrections,
    )
