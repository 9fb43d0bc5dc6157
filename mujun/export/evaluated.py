"""What a run folder keeps so that its Evaluation can be made again (`mujun explain DIR CODE`):
the table as evaluated (table.parquet: its fields and where each row was read) and the rules
(rules.json), so that the folder explains its firms even after the input files moved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..engine.evaluation import Evaluation

TABLE_FILE = "table.parquet"
RULES_FILE = "rules.json"
EVALUATED_FILES = (TABLE_FILE, RULES_FILE)
ORIGIN_COLUMNS = ("file", "sheet", "row")


def write_evaluated(ev: Evaluation, folder: Path) -> None:
    """table.parquet and rules.json of `ev` into `folder`."""
    table = ev.source if ev.source is not None else ev.table
    frame = table.frame.copy()
    for col in ORIGIN_COLUMNS:
        frame[f"origin:{col}"] = table.origin[col].to_numpy()
    frame.to_parquet(folder / TABLE_FILE, index=False, engine="pyarrow")
    rules = {
        "path": ev.rules.path,
        "sha256": ev.rules.sha256,
        "rules": ev.rules.model_dump(mode="json", by_alias=True, exclude_unset=True),
    }
    text = json.dumps(rules, ensure_ascii=False, indent=1, sort_keys=True)
    (folder / RULES_FILE).write_text(text + "\n", encoding="utf-8")
