"""The walkthrough notebooks: stored clean, and each runs top to bottom on the demo county in a
kernel of this Python (nbclient), in a temporary working directory, matplotlib on Agg."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

from mujun.sample.notebooks import (  # noqa: E402  (after the skips)
    AGG,
    execute,
    kernel_env,
    main,
    notebook_paths,
    outputs_of,
    strip,
)

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PATHS = notebook_paths([NOTEBOOKS])
CELL_TIMEOUT = 300  # seconds: the slowest cell re-evaluates the demo county twice


def test_the_notebooks_of_the_design_layout_are_there() -> None:
    names = [p.name for p in PATHS]
    assert "01_年度评价.ipynb" in names and "04_重点企业.ipynb" in names
    assert all(re.fullmatch(r"\d\d_.+\.ipynb", n) for n in names)  # numbered, read in order


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_stored_notebooks_carry_no_outputs_and_no_execution_counts(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert outputs_of(nb) == [], f"{path.name}: run `python -m mujun.sample.notebooks --strip`"
    text = path.read_text(encoding="utf-8")
    assert '"execution_count": null' in text and '"outputs": []' in text
    sources = "\n".join(c.source for c in nb.cells)
    assert not re.search(r"[\"']/[^\"'\s]|[A-Za-z]:\\", sources)  # no absolute, machine paths


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebooks_use_the_api_and_the_shipped_demo_data(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "import mujun" in code and "mujun.sample.demo" in code
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert len(re.findall(r"[\u4e00-\u9fff]", prose)) > 200  # the prose is Chinese
    assert "plt." in code  # a plot where a table is harder to read


def test_strip_removes_outputs_counts_and_timing() -> None:
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# 标题"),
            nbformat.v4.new_code_cell(
                "1 + 1",
                execution_count=3,
                outputs=[
                    nbformat.v4.new_output(
                        "execute_result", data={"text/plain": "2"}, execution_count=3
                    )
                ],
                metadata={"execution": {"iopub.status.busy": "2024-01-01"}, "tags": ["keep"]},
            ),
        ]
    )
    assert outputs_of(nb) == [1]
    clean = strip(nb)
    assert outputs_of(clean) == []
    assert clean.cells[1].metadata == {"tags": ["keep"]}  # the author's metadata stays
    assert clean.cells[0].source == "# 标题"


def test_the_command_strips_in_place(tmp_path: Path) -> None:
    copy = tmp_path / PATHS[0].name
    nb = nbformat.read(PATHS[0], as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    first.execution_count, first.outputs = 1, [nbformat.v4.new_output("stream", text="x")]
    nbformat.write(nb, copy)
    assert main(["--strip", str(copy)]) == 0
    assert outputs_of(nbformat.read(copy, as_version=4)) == []


def test_the_command_refuses_a_folder_without_notebooks(tmp_path: Path) -> None:
    assert main([str(tmp_path)]) == 2


def test_the_kernel_draws_without_a_display_and_imports_this_mujun() -> None:
    import mujun

    env = kernel_env(AGG)
    assert env["MPLBACKEND"] == "Agg"
    root = Path(mujun.__file__).resolve().parents[1]
    if (root / "pyproject.toml").is_file():  # a checkout runs its own source, not another
        assert env["PYTHONPATH"].split(os.pathsep)[0] == str(root)


@pytest.mark.slow  # 10–30 s each: a kernel, the demo county evaluated two or three times
@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_each_notebook_runs_top_to_bottom(path: Path, tmp_path: Path) -> None:
    nb = execute(path, tmp_path, timeout=CELL_TIMEOUT)  # a failing cell raises here
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]  # fmt: skip
    assert errors == []
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code" and c.source)
    written = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert written, "each notebook writes its run folder into the working directory"
    for folder in written:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["rules"]


@pytest.mark.slow  # runs notebook 01 once more, with the inline backend
def test_the_command_writes_executed_copies_with_plots(tmp_path: Path) -> None:
    first = PATHS[0]
    assert main([str(first), "--out", str(tmp_path)]) == 0
    nb = nbformat.read(tmp_path / first.name, as_version=4)
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert images, "the inline backend keeps the plots in the executed copy"
    assert outputs_of(nbformat.read(first, as_version=4)) == []  # the stored one stays clean
