"""Execute the walkthrough notebooks (notebooks/*.ipynb) on the demo county, and keep them clean.

The notebooks are stored without outputs; `python -m mujun.sample.notebooks` runs each one top
to bottom in a kernel of this Python and writes the executed copy, outputs and plots included,
into a folder for reading (default `notebooks-executed/`; what each notebook writes lands there
too). `--strip` removes outputs and execution counts from notebooks saved from Jupyter before
they are committed. Needs nbclient, nbformat and ipykernel (`pip install mujun[test]`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

NOTEBOOKS = Path("notebooks")
EXECUTED = Path("notebooks-executed")
CELL_TIMEOUT = 600  # seconds a cell may take
AGG = "Agg"  # plots drawn, none shown: for tests
INLINE = "module://matplotlib_inline.backend_inline"  # plots kept as images in the outputs


def notebook_paths(paths: Sequence[str | Path] = (NOTEBOOKS,)) -> list[Path]:
    """The notebooks named: files as given, folders by their *.ipynb in name order."""
    out: list[Path] = []
    for p in map(Path, paths):
        out += sorted(p.glob("*.ipynb")) if p.is_dir() else [p]
    return out


def kernel_env(backend: str = AGG) -> dict[str, str]:
    """The kernel's environment: this one, with a matplotlib backend that needs no display,
    and the source tree of this mujun first on the path when it runs from a checkout."""
    env = dict(os.environ, MPLBACKEND=backend)
    root = Path(__file__).resolve().parents[2]  # the checkout holding mujun/, if any
    if (root / "pyproject.toml").is_file():
        env["PYTHONPATH"] = os.pathsep.join(
            [str(root), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
        )
    return env


def execute(
    path: str | Path, workdir: str | Path, timeout: int = CELL_TIMEOUT, backend: str = AGG
) -> Any:
    """Run one notebook top to bottom with `workdir` as its working directory; returns the
    executed notebook (an nbformat node). A failing cell raises nbclient's CellExecutionError,
    which names the cell and its traceback."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(Path(path), as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute(env=kernel_env(backend))
    return nb


def outputs_of(nb: Any) -> list[int]:
    """The indices of code cells that carry outputs or an execution count."""
    return [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]


def strip(nb: Any) -> Any:
    """The notebook without outputs, execution counts and per-run cell metadata."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
    return nb


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: execute into a folder, or strip in place."""
    import nbformat
    from nbclient.exceptions import CellExecutionError

    parser = argparse.ArgumentParser(
        prog="python -m mujun.sample.notebooks",
        description="在示例县数据上执行演示笔记本，把带输出的副本写入文件夹；或去掉笔记本中的输出",
    )
    parser.add_argument("paths", nargs="*", default=[str(NOTEBOOKS)], help="笔记本或其文件夹")
    parser.add_argument("--out", default=str(EXECUTED), help="写入执行后副本的文件夹")
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT, help="每格最长秒数")
    parser.add_argument("--strip", action="store_true", help="就地去掉输出与执行序号，不执行")
    args = parser.parse_args(argv)
    paths = notebook_paths(args.paths)
    if not paths:
        print(f"没有找到笔记本：{'、'.join(args.paths)}", file=sys.stderr)
        return 2
    for path in paths:
        if args.strip:
            nbformat.write(strip(nbformat.read(path, as_version=4)), path)
            print(f"已去掉输出：{path}")
            continue
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        try:
            nb = execute(path.resolve(), out.resolve(), args.timeout, INLINE)
        except CellExecutionError as exc:  # the notebook's own error, cell and message
            print(f"{path} 执行失败：\n{exc}", file=sys.stderr)
            return 1
        nbformat.write(nb, out / path.name)
        print(f"已执行：{out / path.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
