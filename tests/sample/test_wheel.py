"""mujun installed as a wheel (not from the source checkout): `mujun demo` and `mujun bench`
work from an empty folder, their data shipped inside the package.

The fresh environment borrows this one's third-party packages (a .pth line to its
site-packages) so that no download is needed; mujun itself is built and installed anew.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


@pytest.mark.slow
def test_an_installed_wheel_runs_the_demo_and_the_bench_from_an_empty_folder(
    tmp_path: Path,
) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip"]
    subprocess.run([*pip, "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)], check=True)
    (wheel,) = wheels.glob("mujun-*.whl")
    subprocess.run(
        [*pip, "install", "--no-deps", "-q", "--target", str(site), str(wheel)], check=True
    )
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}

    def mujun(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [python, "-m", "mujun", *args], cwd=empty, env=env, capture_output=True, text=True
        )

    where = subprocess.run(
        [python, "-c", "import mujun; print(mujun.__file__)"],
        cwd=empty,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(site), where  # the wheel's copy, not the checkout
    demo = mujun("demo", "--out", "X")
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert (empty / "X" / "results.csv").exists() and (empty / "X" / "key_firms.csv").exists()
    bench = mujun("bench", "--n", "10000", "--repeat", "1", "--no-run", "--json")
    assert bench.returncode == 0, bench.stderr
    assert '"evaluate_ratio"' in bench.stdout
