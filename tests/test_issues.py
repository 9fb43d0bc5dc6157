"""The issue catalog as the README shows it."""

from __future__ import annotations

from pathlib import Path

from mujun.issues import CATALOG, catalog_table

README = Path(__file__).parents[1] / "README.md"


def test_the_readme_shows_the_catalog() -> None:
    assert catalog_table() in README.read_text(encoding="utf-8")


def test_every_code_has_a_title_and_a_severity() -> None:
    for code, kind in CATALOG.items():
        assert kind.title and kind.severity in ("error", "warning", "info"), code
