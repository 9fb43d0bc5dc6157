"""README's "Untrusted files" table states the bounds the code enforces: each row names a
constant and its value, and both must agree."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
ROW = re.compile(r"^\| [^|]+ \| ([^|]+) \| `(mujun\.[\w.]+)\.([A-Z_]+)` \|$")
UNITS = {"MiB": 2**20, "GiB": 2**30}


def _value(text: str) -> float:
    number, _, unit = text.strip().partition(" ")
    return float(number.replace(",", "")) * UNITS.get(unit, 1)


def _rows() -> list[tuple[str, str, str]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Untrusted files", 1)[1].split("\n## ", 1)[0]
    return [m.groups() for line in section.splitlines() if (m := ROW.match(line))]


def test_the_table_names_every_bound_with_its_value() -> None:
    rows = _rows()
    assert len(rows) >= 30
    for value, module, name in rows:
        actual = getattr(importlib.import_module(module), name)
        assert _value(value) == float(actual), f"{module}.{name}: README {value}, code {actual}"


def test_every_read_bound_is_in_the_table() -> None:
    listed = {(module, name) for _, module, name in _rows()}
    bounds = importlib.import_module("mujun.read.bounds")
    for name in dir(bounds):
        if name.startswith("MAX_"):
            assert ("mujun.read.bounds", name) in listed, name
