"""Regenerate the demo county's departmental files in this folder (and its README).

    python datasets/guzhen-demo/make.py

Deterministic: the same mujun version writes byte-identical files.
"""

from pathlib import Path

from mujun.demo import planted_faults
from mujun.demo_county import (
    DEMO_COUNTY,
    DEMO_FIRMS,
    DEMO_YEAR,
    DEMO_YEARS,
    build_demo,
    build_selection_files,
    write_readme,
)
from mujun.synthetic import generate_county

HERE = Path(__file__).resolve().parent
COMMAND = "python datasets/guzhen-demo/make.py"

if __name__ == "__main__":
    for old in HERE.glob("*"):
        if old.suffix in (".xlsx", ".csv"):
            old.unlink()
    files = [*build_demo(HERE), *build_selection_files(HERE)]
    panel = generate_county(DEMO_FIRMS, years=DEMO_YEARS, seed=DEMO_YEAR)
    faults = planted_faults(panel, DEMO_YEAR, seed=DEMO_YEAR, county=DEMO_COUNTY)
    write_readme(HERE, faults, COMMAND, files)
    print("\n".join(p.name for p in files))
