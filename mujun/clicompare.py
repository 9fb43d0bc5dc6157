"""The steps of `mujun compare` and `mujun template --appeals`: call the API, print, exit with
a Chinese message (cli.py holds only the commands' signatures)."""

from __future__ import annotations

import json
from pathlib import Path

from .clisteps import check_out_file, fail, out_console
from .engine.compare import compare
from .errors import DataError, ExportError
from .guard import stage
from .oserrors import describe_os_error


def compare_folders(before: Path, after: Path, *, as_json: bool, out: Path | None) -> None:
    """Compare two run folders: a Chinese table, or one JSON object; a workbook with --out.
    A folder that is not a run exits 2; a workbook that cannot be written exits 1."""
    from .export.compare_sheet import write_compare_workbook
    from .printcompare import print_comparison

    if out is not None:
        if out.suffix.lower() != ".xlsx":
            raise fail(f"{out}：变动对比工作簿须为 .xlsx，请给出以 .xlsx 结尾的文件名", 2)
        check_out_file(out)
    try:
        with stage("读取结果文件夹", [before, after]):
            result = compare(before, after)
    except DataError as exc:
        raise fail(str(exc), 2) from None
    if out is not None:
        try:
            with stage("写出变动对比工作簿", [out]):
                write_compare_workbook(result, out, title=f"变动对比：{before.name} → {after.name}")
        except OSError as exc:
            raise fail(f"无法写入 {out}：{describe_os_error(exc)}", 1) from None
        except ExportError as exc:
            raise fail(str(exc), 1) from None
    if as_json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
        return
    print_comparison(out_console, result)
    if out is not None:
        out_console.print(f"变动对比工作簿已写入 {out}", highlight=False)


def appeals_template(out: Path) -> None:
    """Write the blank appeals register; an unwritable --out exits 2."""
    from .export.appeals_template import write_appeals_template

    check_out_file(out)
    try:
        with stage("写出异议复核登记表", [out]):
            written = write_appeals_template(out)
    except OSError as exc:
        raise fail(f"无法写入 {out}：{describe_os_error(exc)}", 2) from None
    except ExportError as exc:
        raise fail(str(exc), 2) from None
    out_console.print(f"异议复核登记表已写入 {written}", highlight=False)
